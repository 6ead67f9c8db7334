/**
 * The per-namespace IPv6 protocol object and its registration (inet6_init's core part, as
 * pernet operations): the receive entry of every device, the backlog that carries packets
 * between devices, the upper-layer protocol table (inet6_protos), the Hop-by-Hop and
 * Destination option handler tables, and the hook slots later subsystems fill (fragmentation,
 * lwtunnel output, flow labels).
 *
 * Stages live in their own files: input.ts (ip6_rcv_core, ip6_rcv_finish, local delivery),
 * exthdrs.ts (option headers, Routing header), forward.ts (ip6_forward), output.ts
 * (ip6_output, ip6_finish_output, dev_queue_xmit), icmp.ts (icmp6_send, icmpv6_rcv) and
 * verdict.ts (verdicts and their counters).
 *
 * Addresses and per-device configuration belong to addrconf, which is not here yet: the
 * pipeline reads them through `Ipv6Addrconf` (devConf / allConf / addresses). `StaticAddrconf`
 * is a small stand-in that keeps Linux's defaults per device and a plain address list, and adds
 * the local and prefix routes addrconf would add. "Is this destination mine" is always the FIB's
 * answer (an RTN_LOCAL route), as in Linux.
 *
 * The backlog. A device's receive slot does not run the stack at once: it queues the packet on
 * the World's backlog (netif_rx / enqueue_to_backlog) and drains the backlog unless a drain is
 * already running (process_backlog). So a packet sent while another is processed (a veth
 * transmit, an ICMPv6 error to a local address over loopback) is handled after it, never
 * nested, and a forwarding loop cannot grow the call stack.
 *
 * Link layer: devices carry bare IPv6 packets (as a tun does); Ethernet headers and neighbour
 * discovery are not modelled, so a veth delivers the IPv6 packet to its peer as is.
 */

import { IFF_LOOPBACK, IFF_UP } from '../uapi/if.ts';
import { IPV6_DEFAULT_HOPLIMIT, IPV6_MIN_MTU } from '../uapi/ipv6.ts';
import { IPV6_TLV_JUMBO, IPV6_TLV_ROUTERALERT } from '../uapi/in6.ts';
import { NEXTHDR_DEST, NEXTHDR_ICMP, NEXTHDR_NONE, NEXTHDR_ROUTING } from '../uapi/ipv6.ts';
import { RTN_LOCAL, RTN_UNICAST, RTNH_F_DEAD, RTNH_F_LINKDOWN } from '../uapi/rtnetlink.ts';
import { SKB_DROP_REASON_DEV_READY, SKB_DROP_REASON_FULL_RING } from '../uapi/dropreason.ts';
import { type Result, ok } from '../wire/result.ts';
import { OptionCursor } from '../wire/ipv6-options.ts';
import type { Net, World } from '../net/net.ts';
import type { Ipv6Mib, MibTable } from '../net/mib.ts';
import type { Ipv6Sysctls } from '../net/sysctl.ts';
import {
  NETDEV_CHANGE,
  NETDEV_CHANGEMTU,
  NETDEV_DOWN,
  NETDEV_REGISTER,
  NETDEV_UNREGISTER,
  NETDEV_UP,
  type DeviceTable,
  type NetDevice,
  type NetdevCore,
  type NetdevXmit,
  PacketQueue,
} from '../net/netdevice.ts';
import { TunDevice, VethDevice } from '../net/device-kinds.ts';
import type { PacketBuffer } from '../net/packet-buffer.ts';
import type { PernetKey } from '../net/pernet.ts';
import { Fib6, IP6_RT_PRIO_ADDRCONF, type Fib6DeviceEvent, type Fib6Route, type Fib6RouteConfig, type FibResult } from './fib.ts';
import { type DropObserver, PendingIcmp, applyVerdict } from './verdict.ts';
import { ipv6DestoptProtocol, ipv6HopJumbo, ipv6HopRa, ipv6NodataProtocol, ipv6RthdrProtocol, type TlvHandler } from './exthdrs.ts';
import { icmp6Send, icmpv6Protocol, Icmp6RateLimiter } from './icmp.ts';
import { ipv6Rcv } from './input.ts';

// ---------------------------------------------------------------------------------------------
// The FIB as the pipeline sees it

/**
 * What the pipeline uses of a namespace's Fib6, whatever its lwtunnel state type (rtnl-route's
 * Fib6<Ioam6LwtState> fits): lookups, plus add and device events for a FIB of our own.
 */
export interface Ipv6Fib {
  lookup(dst: Uint8Array, dstOffset?: number, oif?: number, flags?: number, mpHash?: number): Fib6Route | undefined;
  add(cfg: Fib6RouteConfig, nlFlags: number): FibResult<Fib6Route>;
  ifdown(ifindex: number, event: Fib6DeviceEvent): Fib6Route[];
  ifup(ifindex: number, nhFlags: number): void;
}

// ---------------------------------------------------------------------------------------------
// Per-device configuration (struct ipv6_devconf, the entries the pipeline reads)

/** idev->cnf: the per-device IPv6 settings the pipeline reads, with Linux's names. */
export interface Ipv6DevConf {
  /** forwarding: router behaviour; Linux forwards by the `all` value (see forward.ts). */
  forwarding: number;
  /** force_forwarding (6.17+): forward from this device even when all.forwarding is 0. */
  forceForwarding: number;
  hopLimit: number;
  mtu6: number;
  disableIpv6: number;
  ioam6Enabled: number;
  seg6Enabled: number;
  rplSegEnabled: number;
  acceptSourceRoute: number;
}

/** ipv6_devconf / ipv6_devconf_dflt defaults; `mtu` is dev->mtu for a device (addrconf_add_dev). */
export function defaultDevConf(mtu: number = IPV6_MIN_MTU): Ipv6DevConf {
  return {
    forwarding: 0,
    forceForwarding: 0,
    hopLimit: IPV6_DEFAULT_HOPLIMIT,
    mtu6: mtu,
    disableIpv6: 0,
    ioam6Enabled: 0,
    seg6Enabled: 0,
    rplSegEnabled: 0,
    acceptSourceRoute: 0,
  };
}

/** One configured address (struct inet6_ifaddr, the fields source selection reads). */
export interface Ipv6IfAddr {
  readonly addr: Uint8Array;
  readonly prefixLen: number;
}

/** What the pipeline needs from addrconf. */
export interface Ipv6Addrconf {
  /** __in6_dev_get(dev)->cnf; undefined when the device has no inet6_dev. */
  devConf(ifindex: number): Ipv6DevConf | undefined;
  /** net->ipv6.devconf_all. */
  readonly all: Ipv6DevConf;
  /** The device's addresses, in list order (ipv6_dev_get_saddr candidates). */
  addresses(ifindex: number): readonly Ipv6IfAddr[];
  /** Devices with addresses, in ifindex order. */
  addressDevices(): readonly number[];
  /**
   * ipv6_dev_get_saddr(net, dev, daddr, prefs): the source for `daddr` leaving through
   * `ifindex`, or undefined (EADDRNOTAVAIL). Absent in the static stand-in below.
   */
  saddr?(ifindex: number, daddr: Uint8Array, prefs: number): Uint8Array | undefined;
  /**
   * Moves on whenever an answer of `saddr` or `addresses` may change (addresses, their flags,
   * the devices, the sysctls selection reads), so per-packet users can keep an answer till then.
   */
  readonly generation: number;
}

/**
 * A stand-in for addrconf: every registered device gets Linux's default configuration (mtu6 =
 * dev->mtu, kept in step on NETDEV_CHANGEMTU), and `addAddress` records an address and adds
 * the routes addrconf adds for it (`local` in table local, metric 0; the prefix route in main,
 * metric 256), without DAD, lifetimes or link-local autoconfiguration.
 */
export class StaticAddrconf implements Ipv6Addrconf {
  readonly all = defaultDevConf();
  /** Ipv6Addrconf.generation: moves on with every address added here. */
  generation = 0;
  readonly #conf = new Map<number, Ipv6DevConf>();
  readonly #addrs = new Map<number, Ipv6IfAddr[]>();

  devConf(ifindex: number): Ipv6DevConf | undefined {
    return this.#conf.get(ifindex);
  }

  addresses(ifindex: number): readonly Ipv6IfAddr[] {
    return this.#addrs.get(ifindex) ?? [];
  }

  addressDevices(): readonly number[] {
    return [...this.#addrs.keys()].sort((a, b) => a - b);
  }

  /** addrconf_notify NETDEV_REGISTER: the device's inet6_dev with `default` values. */
  addDevice(dev: NetDevice): Ipv6DevConf {
    const c = defaultDevConf(dev.mtu);
    this.#conf.set(dev.ifindex, c);
    return c;
  }

  removeDevice(ifindex: number): void {
    this.#conf.delete(ifindex);
    this.#addrs.delete(ifindex);
  }

  /** Records `addr/prefixLen` on `ifindex` and adds its local and prefix routes to `fib`. */
  addAddress(fib: Ipv6Fib, ifindex: number, addr: Uint8Array, prefixLen: number): void {
    const list = this.#addrs.get(ifindex) ?? [];
    // ipv6_link_dev_addr: wider scope first, the newest first within a scope.
    const scope = addrScope(addr);
    let i = 0;
    while (i < list.length && addrScope((list[i] as Ipv6IfAddr).addr) > scope) i++;
    list.splice(i, 0, { addr: addr.slice(0, 16), prefixLen });
    this.#addrs.set(ifindex, list);
    this.generation++;
    fib.add({ dst: addr.slice(0, 16), dstLen: 128, table: 255, type: RTN_LOCAL, ifindex, metric: 0 }, 0);
    if (prefixLen < 128) {
      const p = addr.slice(0, 16);
      for (let i = 0; i < 16; i++) {
        const keep = Math.max(0, Math.min(8, prefixLen - i * 8));
        p[i] = (p[i] ?? 0) & ((0xff << (8 - keep)) & 0xff);
      }
      fib.add({ dst: p, dstLen: prefixLen, type: RTN_UNICAST, ifindex, metric: IP6_RT_PRIO_ADDRCONF }, 0);
    }
  }
}

/** The scope value addrconf sorts by: global 14, site-local 5, link-local 2, loopback 1. */
function addrScope(a: Uint8Array): number {
  if (a[0] === 0xfe && ((a[1] ?? 0) & 0xc0) === 0x80) return 2;
  if (a[0] === 0xfe && ((a[1] ?? 0) & 0xc0) === 0xc0) return 5;
  let loop = a[15] === 1;
  for (let i = 0; i < 15 && loop; i++) if (a[i] !== 0) loop = false;
  return loop ? 1 : 14;
}

// ---------------------------------------------------------------------------------------------
// The per-packet control block (IP6CB)

/** IP6SKB_* flags (include/linux/ipv6.h). */
export const IP6SKB_FORWARDED = 2;
export const IP6SKB_ROUTERALERT = 8;
export const IP6SKB_HOPBYHOP = 32;
export const IP6SKB_JUMBOGRAM = 128;

/**
 * struct inet6_skb_parm for the packet being processed. One per namespace, reset by input for
 * every packet: the backlog never nests input processing, so one is enough.
 */
export class Ip6Cb {
  /** Input interface index (IP6CB(skb)->iif). */
  iif = 0;
  /** Offset (from the network header) of the Next Header byte naming the current header. */
  nhoff = 0;
  /** Offsets from the network header: Routing header, last Destination Options (0: none). */
  srcrt = 0;
  dst1 = 0;
  lastopt = 0;
  flags = 0;
  /** Router Alert value (host order) when IP6SKB_ROUTERALERT is set. */
  ra = 0;
  /**
   * idev->cnf of the input device, looked up once per packet (Ipv6Net.inDevConf): valid while
   * `idevOf` is `iif`, so a reset (a new packet) invalidates it.
   */
  idev: Ipv6DevConf | undefined = undefined;
  idevOf = -1;

  reset(iif: number): void {
    this.iif = iif;
    this.idev = undefined;
    this.idevOf = -1;
    this.nhoff = 0;
    this.srcrt = 0;
    this.dst1 = 0;
    this.lastopt = 0;
    this.flags = 0;
    this.ra = 0;
  }
}

// ---------------------------------------------------------------------------------------------
// Protocol and hook tables

/**
 * An upper-layer or extension-header handler (struct inet6_protocol). The packet's data starts
 * at its header (pkb.transportHeader). It returns a verdict: continue means "resubmit" (an
 * extension header that moved transportHeader and cb.nhoff to the next one).
 */
export interface Inet6Protocol {
  readonly handler: (ip6: Ipv6Net, pkb: PacketBuffer) => number;
  /**
   * Whether a non-continue return counts as delivered (Ip6InDelivers), as a handler returning 0
   * does in Linux: true for upper layers (they account their own drops), false for extension
   * headers (their failures return -1).
   */
  readonly delivers: boolean;
  /** ICMPv6 error about a packet of this protocol (err_handler); `offset` is its header. */
  readonly errHandler?: (ip6: Ipv6Net, inner: Uint8Array, offset: number, type: number, code: number, info: number) => void;
}

/** Fragmentation (ip6_fragment): called when a packet is longer than the path MTU. */
export type FragmentHook = (ip6: Ipv6Net, pkb: PacketBuffer, rt: Fib6Route, dev: NetDevice, mtu: number) => number;

/** An lwtunnel output handler (lwtunnel_output for one encap type): a verdict; continue goes on. */
export type LwtOutputHook = (ip6: Ipv6Net, pkb: PacketBuffer, rt: Fib6Route) => number;

/** lwtunnel_headroom: bytes the encap adds, subtracted from the forwarding MTU. */
export type LwtHeadroomHook = (rt: Fib6Route, mtu: number) => number;

/**
 * The flow label of a packet this node originates (ip6_make_flowlabel). Linux hashes the flow
 * with a per-boot random key (auto_flowlabels); the default here is 0 (no label), so compare
 * with a kernel after masking the label.
 */
export type FlowLabelHook = (ip6: Ipv6Net, src: Uint8Array, dst: Uint8Array, nextHeader: number) => number;

const ZERO_FLOWLABEL: FlowLabelHook = () => 0;

// ---------------------------------------------------------------------------------------------
// The namespace object

export interface Ipv6NetOptions {
  readonly fib: Ipv6Fib;
  readonly addrconf: Ipv6Addrconf;
  readonly devices: DeviceTable;
  readonly backlog: Backlog;
}

/** The IPv6 protocol of one namespace (net->ipv6 plus the protocol tables). */
export class Ipv6Net {
  readonly net: Net;
  readonly fib: Ipv6Fib;
  readonly addrconf: Ipv6Addrconf;
  readonly devices: DeviceTable;
  readonly backlog: Backlog;
  readonly mib: Ipv6Mib;
  /** The ICMP6_MIB_* table of `mib`. */
  readonly icmp6: MibTable;
  readonly sysctl: Ipv6Sysctls;
  readonly cb = new Ip6Cb();
  readonly pendingIcmp = new PendingIcmp();
  /** The kfree_skb observer (tests, drop monitors). */
  onDrop: DropObserver | null = null;
  /** inet6_protos. */
  readonly protocols: Array<Inet6Protocol | undefined> = new Array<Inet6Protocol | undefined>(256).fill(undefined);
  /** Hop-by-Hop and Destination option handlers by option type. */
  readonly hbhOptions: Array<TlvHandler | undefined> = new Array<TlvHandler | undefined>(256).fill(undefined);
  readonly dstOptions: Array<TlvHandler | undefined> = new Array<TlvHandler | undefined>(256).fill(undefined);
  readonly icmpLimiter: Icmp6RateLimiter;
  fragment: FragmentHook | null = null;
  readonly lwtOutput = new Map<number, LwtOutputHook>();
  lwtHeadroom: LwtHeadroomHook | null = null;
  flowLabel: FlowLabelHook = ZERO_FLOWLABEL;
  /** Scratch cursor for option headers (the hot path allocates nothing). */
  readonly optCursor = new OptionCursor();

  constructor(net: Net, opts: Ipv6NetOptions) {
    this.net = net;
    this.fib = opts.fib;
    this.addrconf = opts.addrconf;
    this.devices = opts.devices;
    this.backlog = opts.backlog;
    this.mib = net.mib;
    this.icmp6 = net.mib.icmp6;
    this.sysctl = net.ipv6Sysctl;
    this.icmpLimiter = new Icmp6RateLimiter();
    this.protocols[NEXTHDR_ICMP] = icmpv6Protocol;
    this.protocols[NEXTHDR_ROUTING] = ipv6RthdrProtocol;
    this.protocols[NEXTHDR_DEST] = ipv6DestoptProtocol;
    this.protocols[NEXTHDR_NONE] = ipv6NodataProtocol;
    this.hbhOptions[IPV6_TLV_ROUTERALERT] = ipv6HopRa;
    this.hbhOptions[IPV6_TLV_JUMBO] = ipv6HopJumbo;
  }

  /** inet6_add_protocol: false if `protocol` already has a handler. */
  addProtocol(protocol: number, p: Inet6Protocol): boolean {
    if (this.protocols[protocol] !== undefined) return false;
    this.protocols[protocol] = p;
    return true;
  }

  /** inet6_del_protocol. */
  delProtocol(protocol: number, p: Inet6Protocol): boolean {
    if (this.protocols[protocol] !== p) return false;
    this.protocols[protocol] = undefined;
    return true;
  }

  /**
   * Registers the handler of option `type` in the Hop-by-Hop (`hbh`) or Destination Options
   * (`dst`) table (IOAM registers 0x31). Returns the unregister, or undefined if taken.
   */
  registerOption(table: 'hbh' | 'dst', type: number, handler: TlvHandler): (() => void) | undefined {
    const t = table === 'hbh' ? this.hbhOptions : this.dstOptions;
    if (t[type] !== undefined) return undefined;
    t[type] = handler;
    return () => {
      if (t[type] === handler) t[type] = undefined;
    };
  }

  /** The device with `ifindex`, or undefined. */
  device(ifindex: number): NetDevice | undefined {
    return this.devices.getByIndex(ifindex);
  }

  /** idev->cnf of `ifindex`, or undefined. */
  devConf(ifindex: number): Ipv6DevConf | undefined {
    return this.addrconf.devConf(ifindex);
  }

  /**
   * idev->cnf of the packet's input device (cb.iif), or undefined: looked up on the first use
   * per packet, then reused by every stage (receive, options, forwarding).
   */
  inDevConf(): Ipv6DevConf | undefined {
    const cb = this.cb;
    if (cb.idevOf === cb.iif) return cb.idev;
    const conf = this.addrconf.devConf(cb.iif);
    cb.idev = conf;
    cb.idevOf = cb.iif;
    return conf;
  }

  /** Sends the ICMPv6 error an ICMP verdict asked for. */
  sendPendingIcmp(pkb: PacketBuffer): void {
    const p = this.pendingIcmp;
    icmp6Send(this, pkb, p.type, p.code, p.info);
  }

  /** Applies a verdict (verdict.ts) with this namespace's counters. */
  apply(pkb: PacketBuffer, v: number, dev: NetDevice | null): number {
    return applyVerdict(this, pkb, v, dev);
  }
}

// ---------------------------------------------------------------------------------------------
// The backlog and device slots

/** The receive backlog of a World (softnet_data.input_pkt_queue, one for all namespaces). */
export class Backlog {
  readonly queue = new PacketQueue(1 << 20);
  #running = false;
  readonly #lookup: (dev: NetDevice) => Ipv6Net | undefined;

  constructor(lookup: (dev: NetDevice) => Ipv6Net | undefined) {
    this.#lookup = lookup;
  }

  /** netif_rx: queues `pkb` as received on `dev` and drains the queue if nobody is. */
  rx(dev: NetDevice, pkb: PacketBuffer): void {
    pkb.dev = dev;
    pkb.ifindex = dev.ifindex;
    if (!this.queue.enqueue(pkb)) {
      dev.stats.rxDropped++;
      return;
    }
    if (this.#running) return;
    this.#running = true;
    try {
      for (let p = this.queue.dequeue(); p !== null; p = this.queue.dequeue()) this.#process(p);
    } finally {
      this.#running = false;
    }
  }

  /** __netif_receive_skb: rx counters, then the IPv6 handler of the device's namespace. */
  #process(pkb: PacketBuffer): void {
    const dev = pkb.dev as NetDevice;
    if (dev.reg !== 'registered' || !(dev.flags & IFF_UP)) {
      dev.stats.rxDropped++;
      pkb.drop(SKB_DROP_REASON_DEV_READY);
      return;
    }
    dev.stats.rxPackets++;
    dev.stats.rxBytes += pkb.length;
    const ip6 = this.#lookup(dev);
    if (ip6 === undefined) {
      dev.stats.rxNohandler++;
      return;
    }
    ipv6Rcv(ip6, dev, pkb);
  }
}

/** A driver's tx accounting for a packet it sent on. */
function countTx(dev: NetDevice, pkb: PacketBuffer): void {
  dev.stats.txPackets++;
  dev.stats.txBytes += pkb.length;
}

/**
 * The default transmit of each kind, installed when a device registers with an empty slot. Like
 * Linux drivers they count tx_packets / tx_bytes, or tx_dropped.
 */
function defaultXmit(dev: NetDevice): NetdevXmit {
  if (dev.flags & IFF_LOOPBACK) {
    // loopback_xmit: straight back into this namespace's receive path.
    return (d, pkb) => {
      countTx(d, pkb);
      d.receive?.(d, pkb);
    };
  }
  if (dev instanceof VethDevice) {
    // veth_xmit: hand the packet to the peer (dev_forward_skb drops it if the peer is down).
    return (d, pkb) => {
      const peer = (d as VethDevice).peer;
      if (peer === null || peer.receive === null || !(peer.flags & IFF_UP)) {
        d.stats.txDropped++;
        pkb.drop(SKB_DROP_REASON_DEV_READY);
        return;
      }
      countTx(d, pkb);
      peer.receive(peer, pkb);
    };
  }
  if (dev instanceof TunDevice) {
    // tun_net_xmit: into the reader's queue; dropped without a reader or when it is full.
    return (d, pkb) => {
      const r = (d as TunDevice).reader;
      if (r === null || !r.queue.enqueue(pkb)) {
        d.stats.txDropped++;
        pkb.drop(SKB_DROP_REASON_FULL_RING);
        return;
      }
      countTx(d, pkb);
    };
  }
  // dummy_xmit: counts and frees what it is given.
  return (d, pkb) => countTx(d, pkb);
}

// ---------------------------------------------------------------------------------------------
// Registration

/** What registerIpv6 needs from the composition root (a Kernel has these). */
export interface Ipv6Host {
  readonly world: World;
  readonly netdev: NetdevCore;
}

export interface Ipv6RegisterOptions {
  /**
   * The FIB of a namespace (rtnl-route's `sub.fib(net)`). Without it each namespace gets its
   * own Fib6 and this module follows device events on it (rt6_sync_down_dev / rt6_sync_up).
   */
  readonly fib?: (net: Net) => Ipv6Fib;
  /** The addrconf of a namespace. Without it each namespace gets a StaticAddrconf. */
  readonly addrconf?: (net: Net) => Ipv6Addrconf;
}

/** The registered IPv6 protocol: reach a namespace's state with `get(net)`. */
export class Ipv6Registration {
  readonly key: PernetKey<Ipv6Net>;
  readonly backlog: Backlog;
  readonly unregisterNotifier: () => void;

  constructor(key: PernetKey<Ipv6Net>, backlog: Backlog, unregisterNotifier: () => void) {
    this.key = key;
    this.backlog = backlog;
    this.unregisterNotifier = unregisterNotifier;
  }

  get(net: Net): Ipv6Net {
    return net.generic(this.key);
  }
}

/**
 * Registers IPv6 as a pernet subsystem of `host.world` and a netdevice notifier: every device
 * gets the receive slot (into the backlog) and, if empty, its kind's transmit slot; with the
 * default StaticAddrconf every device gets its configuration.
 */
export function registerIpv6(host: Ipv6Host, options: Ipv6RegisterOptions = {}): Result<Ipv6Registration, number> {
  const world = host.world;
  // The key exists only once registered, but the backlog (needed by the states) asks for it.
  const slot: { key: PernetKey<Ipv6Net> | undefined } = { key: undefined };
  const lookup = (dev: NetDevice): Ipv6Net | undefined => {
    const key = slot.key;
    if (key === undefined) return undefined;
    const net = dev.net;
    return net.gen.has(key) ? net.generic(key) : undefined;
  };
  const backlog = new Backlog(lookup);
  const ownFib = options.fib === undefined;
  const reg = world.pernet.registerSubsys<Ipv6Net>({
    name: 'ipv6',
    state: (net) =>
      new Ipv6Net(net, {
        fib: options.fib?.(net) ?? new Fib6({ nowNs: () => world.clock.nowNs() }),
        addrconf: options.addrconf?.(net) ?? new StaticAddrconf(),
        devices: host.netdev.table(net),
        backlog,
      }),
  });
  if (!reg.ok) return reg;
  slot.key = reg.value;
  const receive = (dev: NetDevice, pkb: PacketBuffer): void => backlog.rx(dev, pkb);
  const unreg = host.netdev.registerNotifier((event, dev, info) => {
    const ip6 = lookup(dev);
    if (ip6 === undefined) return;
    const ac = ip6.addrconf;
    switch (event) {
      case NETDEV_REGISTER:
        dev.receive = receive;
        dev.xmit ??= defaultXmit(dev);
        if (ac instanceof StaticAddrconf) ac.addDevice(dev);
        return;
      case NETDEV_UNREGISTER:
        if (dev.receive === receive) dev.receive = null;
        if (ac instanceof StaticAddrconf) ac.removeDevice(dev.ifindex);
        if (ownFib) ip6.fib.ifdown(dev.ifindex, 'unregister');
        return;
      case NETDEV_CHANGEMTU: {
        const c = ac.devConf(dev.ifindex);
        if (c !== undefined && ac instanceof StaticAddrconf && info.oldMtu !== undefined) c.mtu6 = dev.mtu;
        return;
      }
      case NETDEV_DOWN:
        if (ownFib) ip6.fib.ifdown(dev.ifindex, 'down');
        return;
      case NETDEV_UP:
        if (ownFib) ip6.fib.ifup(dev.ifindex, RTNH_F_DEAD | (dev.carrierOk ? RTNH_F_LINKDOWN : 0));
        return;
      case NETDEV_CHANGE:
        if (!ownFib) return;
        if (dev.carrierOk) ip6.fib.ifup(dev.ifindex, RTNH_F_LINKDOWN);
        else ip6.fib.ifdown(dev.ifindex, 'change');
        return;
      default:
        return;
    }
  }, world.list());
  return ok(new Ipv6Registration(reg.value, backlog, unreg));
}
