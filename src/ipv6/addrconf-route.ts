/**
 * The routes addrconf asks for, made in the routing table, as Linux 6.18 makes them (checked
 * with `ip -6 route show table all` in a fresh namespace):
 *
 * - a prefix route in main for each address's prefix (addrconf_prefix_route: proto kernel,
 *   metric 256 or IFA_RT_PRIORITY), through ip6_route_add: refused while the device is down
 *   (ENETDOWN), `linkdown` while it has no carrier;
 * - a local /128 route in the local table for each address (addrconf_f6i_alloc: type local,
 *   proto kernel, metric 0, the address's device; made even on a down device);
 * - `multicast ff00::/8 dev D table local proto kernel metric 256` per device
 *   (addrconf_add_mroute, through ip6_route_add: refused while down, `linkdown` without
 *   carrier, a duplicate ignored);
 * - `anycast P dev D table local proto kernel metric 0` for each subnet-router anycast address
 *   (addrconf_f6i_alloc with anycast set: RTF_ANYCAST, never linkdown).
 *
 * All are announced to RTNLGRP_IPV6_ROUTE. disable_ipv6 removes every route through the device
 * (rt6_disable_ip), as NETDEV_DOWN does.
 */

import type { AddrconfRouteOps, Inet6Ifaddr } from './addrconf.ts';
import type { NetDevice } from '../net/netdevice.ts';
import type { Ipv6RouteSubsys } from './rtnl-route.ts';
import { deleteKernelRoute, insertKernelRoute, syncDownDev } from './rtnl-route.ts';
import { RTF_ANYCAST, RTF_NONEXTHOP, RTF_UP } from './fib.ts';
import { IFF_UP } from '../uapi/if.ts';
import { RT_TABLE_LOCAL, RT_TABLE_MAIN, RTN_ANYCAST, RTN_LOCAL, RTN_MULTICAST, RTN_UNICAST, RTNH_F_LINKDOWN, RTPROT_KERNEL } from '../uapi/rtnetlink.ts';
import { IP6_RT_PRIO_ADDRCONF } from './addrconf.ts';

/** ff00::/8. */
const MCAST_PREFIX = Uint8Array.of(0xff, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0);

/**
 * fib6_nh_init's device checks for a route ip6_route_add makes: undefined when the device is
 * down (ENETDOWN), else the nexthop flags (RTNH_F_LINKDOWN without carrier).
 */
function nhFlagsFor(dev: NetDevice): number | undefined {
  if ((dev.flags & IFF_UP) === 0) return undefined;
  return dev.carrierOk ? 0 : RTNH_F_LINKDOWN;
}

export function addrconfRouteOps(routes: Ipv6RouteSubsys): AddrconfRouteOps {
  return {
    prefixRoute(event: 'add' | 'del', dev: NetDevice, prefix: Uint8Array, plen: number, metric: number, expiresSec?: number): void {
      if (event === 'add') {
        const nhFlags = nhFlagsFor(dev);
        if (nhFlags === undefined) return;
        insertKernelRoute(routes, dev.net, {
          dst: prefix,
          dstLen: plen,
          table: RT_TABLE_MAIN,
          type: RTN_UNICAST,
          protocol: RTPROT_KERNEL,
          metric,
          ifindex: dev.ifindex,
          flags: RTF_UP,
          nhFlags,
          ...(expiresSec !== undefined ? { expires: dev.net.clock.nowNs() + expiresSec * 1e9 } : {}),
        });
      } else {
        deleteKernelRoute(routes, dev.net, { dst: prefix, dstLen: plen, table: RT_TABLE_MAIN, metric, ifindex: dev.ifindex });
      }
    },
    localRoute(event: 'add' | 'del', ifa: Inet6Ifaddr): void {
      const dev = ifa.idev.dev;
      if (event === 'add') {
        insertKernelRoute(routes, dev.net, {
          dst: ifa.addr,
          dstLen: 128,
          table: RT_TABLE_LOCAL,
          type: RTN_LOCAL,
          protocol: RTPROT_KERNEL,
          metric: 0,
          ifindex: dev.ifindex,
          flags: RTF_UP | RTF_NONEXTHOP,
        });
      } else {
        deleteKernelRoute(routes, dev.net, { dst: ifa.addr, dstLen: 128, table: RT_TABLE_LOCAL, ifindex: dev.ifindex }, RTN_LOCAL);
      }
    },
    prefixRouteExpires(dev: NetDevice, prefix: Uint8Array, plen: number, metric: number, expiresSec: number | undefined): void {
      const fib = routes.fib(dev.net);
      const rt = fib.routesAt(RT_TABLE_MAIN, prefix, plen).find((x) => x.ifindex === dev.ifindex && x.metric === metric && x.protocol === RTPROT_KERNEL);
      if (rt === undefined) return;
      fib.setExpires(rt, expiresSec === undefined ? undefined : dev.net.clock.nowNs() + expiresSec * 1e9);
    },
    multicastRoute(dev: NetDevice): void {
      const nhFlags = nhFlagsFor(dev);
      if (nhFlags === undefined) return;
      insertKernelRoute(routes, dev.net, {
        dst: MCAST_PREFIX,
        dstLen: 8,
        table: RT_TABLE_LOCAL,
        type: RTN_MULTICAST,
        protocol: RTPROT_KERNEL,
        metric: IP6_RT_PRIO_ADDRCONF,
        ifindex: dev.ifindex,
        flags: RTF_UP,
        nhFlags,
      });
    },
    anycastRoute(event: 'add' | 'del', dev: NetDevice, addr: Uint8Array): void {
      if (event === 'add') {
        insertKernelRoute(routes, dev.net, {
          dst: addr,
          dstLen: 128,
          table: RT_TABLE_LOCAL,
          type: RTN_ANYCAST,
          protocol: RTPROT_KERNEL,
          metric: 0,
          ifindex: dev.ifindex,
          flags: RTF_UP | RTF_NONEXTHOP | RTF_ANYCAST,
        });
      } else {
        deleteKernelRoute(routes, dev.net, { dst: addr, dstLen: 128, table: RT_TABLE_LOCAL, ifindex: dev.ifindex }, RTN_ANYCAST);
      }
    },
    disableIp(dev: NetDevice): void {
      syncDownDev(routes, dev);
    },
  };
}
