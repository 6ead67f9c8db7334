/**
 * One v6stack "kernel": the namespaces of a process (World), the netlink table with its
 * generic netlink bus and rtnetlink, and every subsystem registered in Linux's boot order
 * (netdevice, then the protocol families and their netlink families). The simulator, the daemon
 * and tests each build one; nothing here is module-level state, so two kernels in one process
 * never share anything.
 */

import type { WorldOptions } from './net/net.ts';
import { World } from './net/net.ts';
import type { NetdevCore } from './net/netdevice.ts';
import { registerNetdevice } from './net/device-kinds.ts';
import { NetlinkTable } from './netlink/socket.ts';
import type { GenlBus } from './netlink/genetlink.ts';
import { createGenlBus } from './netlink/nlctrl.ts';
import { Rtnetlink } from './netlink/rtnetlink.ts';
import type { Ioam6Registration } from './ipv6/ioam6-genl.ts';
import type { RtnlLink } from './netlink/rtnl-link.ts';
import { registerRtnlLink } from './netlink/rtnl-link.ts';
import type { Addrconf } from './ipv6/addrconf.ts';
import { registerAddrconf } from './ipv6/rtnl-addr.ts';
import type { Ipv6RouteSubsys } from './ipv6/rtnl-route.ts';
import { registerIpv6Route } from './ipv6/rtnl-route.ts';
import { addrconfRouteOps } from './ipv6/addrconf-route.ts';
import type { Ipv6Registration } from './ipv6/ipv6.ts';
import { registerIpv6 } from './ipv6/ipv6.ts';
import { AddrconfIpv6View } from './ipv6/addrconf-devconf.ts';
import { ioam6Init } from './ipv6/ioam6-genl.ts';
import { ioam6TraceEventSender, ioam6TraceEventWanted } from './ipv6/ioam6-events.ts';
import { type Ioam6HbhRegistration, ioam6FillTraceData, registerIoam6Hbh } from './ipv6/ioam6-hbh.ts';
import { type Ioam6LwtRegistration, registerIoam6Lwt } from './ipv6/ioam6-lwt-output.ts';
import { type Ip6TnlRegistration, registerIp6Tunnel } from './ipv6/ip6-tunnel.ts';
import { type Ipv6SocketsRegistration, registerIpv6Sockets } from './ipv6/socket.ts';
import { udpv6Proto } from './ipv6/udp.ts';
import { pingv6Proto } from './ipv6/ping.ts';

export interface KernelOptions extends WorldOptions {
  /**
   * Register the IPv6 data path (default true). Tests of the data path alone pass false and
   * register it themselves with their own FIB and addrconf.
   */
  readonly dataPath?: boolean;
}

export class Kernel {
  readonly world: World;
  readonly netlink: NetlinkTable;
  readonly genl: GenlBus;
  readonly rtnl: Rtnetlink;
  readonly netdev: NetdevCore;
  readonly link: RtnlLink;
  readonly addrconf: Addrconf;
  readonly route: Ipv6RouteSubsys;
  /** The IPv6 data path, unless the kernel was built without it. */
  readonly ipv6: Ipv6Registration | undefined;
  readonly ioam6: Ioam6Registration;
  /** The IOAM Hop-by-Hop option on the data path (undefined without the data path). */
  readonly ioam6Hbh: Ioam6HbhRegistration | undefined;
  /** The ioam6 lwtunnel output (`encap ioam6` routes) and ip6ip6 decap (undefined without the data path). */
  readonly ioam6Lwt: Ioam6LwtRegistration | undefined;
  readonly ip6Tnl: Ip6TnlRegistration | undefined;
  /** UDP and ICMPv6 echo sockets: a namespace's table is `sockets.get(net)` (undefined without the data path). */
  readonly sockets: Ipv6SocketsRegistration | undefined;

  constructor(options: KernelOptions = {}) {
    this.world = new World(options);
    this.netlink = new NetlinkTable(this.world);
    this.genl = createGenlBus(this.netlink);
    this.rtnl = new Rtnetlink(this.netlink);
    const nd = registerNetdevice(this.world);
    if (!nd.ok) throw new Error(`kernel: netdevice registration failed (errno ${nd.error})`);
    this.netdev = nd.value;
    // rtnetlink_init, then inet6_init's addrconf.
    this.link = registerRtnlLink(this);
    this.addrconf = registerAddrconf(this, this.link);
    const ac = this.addrconf;
    this.route = registerIpv6Route(this, {
      getSaddr: (net, ifindex, daddr) => ac.getSaddr(net, ifindex, daddr),
      isLocalAddr: (net, addr, ifindex) => ac.isLocalAddr(net, addr, ifindex),
    });
    ac.routeOps.push(addrconfRouteOps(this.route));
    if (options.dataPath === false) {
      this.ipv6 = undefined;
    } else {
      const routes = this.route;
      const netdev = this.netdev;
      const ip6 = registerIpv6(this, {
        fib: (net) => routes.fib(net),
        addrconf: (net) => new AddrconfIpv6View(ac, net, netdev.table(net)),
      });
      if (!ip6.ok) throw new Error(`kernel: IPv6 data path registration failed (errno ${ip6.error})`);
      this.ipv6 = ip6.value;
    }
    // inet6_init's udpv6_init and pingv6_init: the socket layer, on the data path.
    if (this.ipv6 === undefined) {
      this.sockets = undefined;
    } else {
      const sk = registerIpv6Sockets(this.world, this.ipv6, [udpv6Proto, pingv6Proto]);
      if (!sk.ok) throw new Error(`kernel: IPv6 socket registration failed (errno ${sk.error})`);
      this.sockets = sk.value;
    }
    // inet6_init order: ... ioam6_init comes after the core IPv6 subsystems.
    const io = ioam6Init(this.world, this.genl);
    if (!io.ok) throw new Error(`kernel: IOAM6 registration failed (errno ${io.error})`);
    this.ioam6 = io.value;
    // ipv6_hop_ioam sits in the data path's Hop-by-Hop table, per namespace.
    if (this.ipv6 === undefined) {
      this.ioam6Hbh = undefined;
    } else {
      // Linux 6.9+: every trace a node fills becomes an ioam6_events notification.
      const hbh = registerIoam6Hbh({
        world: this.world,
        ipv6: this.ipv6,
        ioam6Key: io.value.key,
        onTrace: ioam6TraceEventSender(io.value.family),
        traceWanted: ioam6TraceEventWanted(io.value.family),
      });
      if (!hbh.ok) throw new Error(`kernel: IOAM Hop-by-Hop registration failed (errno ${hbh.error})`);
      this.ioam6Hbh = hbh.value;
    }
    // ioam6_iptunnel_init's output and ip6_tunnel's receive side, per namespace.
    if (this.ipv6 === undefined) {
      this.ioam6Lwt = undefined;
      this.ip6Tnl = undefined;
    } else {
      const lwt = registerIoam6Lwt({ world: this.world, ipv6: this.ipv6, ioam6Key: io.value.key, fill: ioam6FillTraceData });
      if (!lwt.ok) throw new Error(`kernel: IOAM lwtunnel registration failed (errno ${lwt.error})`);
      this.ioam6Lwt = lwt.value;
      const tnl = registerIp6Tunnel({ world: this.world, ipv6: this.ipv6 });
      if (!tnl.ok) throw new Error(`kernel: ip6_tunnel registration failed (errno ${tnl.error})`);
      this.ip6Tnl = tnl.value;
    }
  }
}
