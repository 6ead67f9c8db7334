/**
 * IPv6 routes over rtnetlink, after Linux net/ipv6/route.c (6.18): RTM_NEWROUTE
 * (inet6_rtm_newroute: rtm_to_fib6_config, ip6_route_info_create, fib6_nh_init,
 * ip6_validate_gw, ip6_route_multipath_add), RTM_DELROUTE (inet6_rtm_delroute), RTM_GETROUTE
 * (inet6_rtm_getroute, and inet6_dump_fib with ip_valid_fib_dump_req's strict filters), the
 * route message (rt6_fill_node, attribute for attribute in the kernel's order), notifications to
 * RTNLGRP_IPV6_ROUTE, and the device events that flush or revive routes (rt6_sync_down_dev,
 * rt6_sync_up). The routing tables themselves are Fib6 (fib.ts), one per namespace.
 *
 * Expired routes (RTF_EXPIRES: `expires N`, and the prefix routes of addresses with a finite
 * valid lifetime) are collected by the per-namespace gc timer (ip6_fib.c fib6_start_gc,
 * fib6_run_gc): armed net.ipv6.route.gc_interval (30 s) after a route with an expiry is added
 * unless pending, then re-armed round_jiffies(now + gc_interval) while routes wait to expire,
 * each time as late as the timer wheel fires it (wheelExpiry).
 * Until the collector runs an expired route is skipped by lookups and dumped with a negative
 * `expires`, as on Linux. Each removal is an RTM_DELROUTE (without expiry, like every
 * RTM_DELROUTE of 6.18). The other triggers of fib6_run_gc (dst cache pressure, ndisc, the
 * write-only net.ipv6.route.flush) and the other net.ipv6.route.* sysctls are not modelled.
 *
 * Not modelled, with what happens instead:
 * - source-specific routes (CONFIG_IPV6_SUBTREES): rtm_src_len != 0 is refused with the message
 *   a kernel built without subtrees gives; route get still reports `from ::` (RTA_SRC /128) as a
 *   subtree-enabled kernel (Debian's) does;
 * - nexthop objects (RTA_NH_ID: "Nexthop id does not exist"), `onlink` nexthops (EOPNOTSUPP),
 *   RTAX_CC_ALGO (EINVAL, no congestion-control names), exception (PMTU, redirect) routes, so
 *   dumps of `table cache` are empty;
 * - lightweight tunnels other than ioam6: "lwt encapsulation type not supported";
 * - addresses: "Gateway can not be a local address" and RTA_PREFSRC checks, and the source a
 *   route get reports (RTA_PREFSRC), go through the `isLocalAddr` and `getSaddr` hooks; without
 *   them no address is local and RTA_PREFSRC is left out;
 * - route get's cache info carries no use counters (dst->__use, lastuse), which `ip` prints only
 *   with -s.
 */

import type { Net, World } from '../net/net.ts';
import { NETDEV_CHANGE, NETDEV_DOWN, NETDEV_UNREGISTER, NETDEV_UP, type NetdevCore, type NetDevice } from '../net/netdevice.ts';
import type { PernetKey } from '../net/pernet.ts';
import type { SysctlEntry } from '../net/sysctl.ts';
import { HZ } from '../time/clock.ts';
import { Timer } from '../time/timer.ts';
import type { ExtAck } from '../netlink/errors.ts';
import { nlaGetU32, NlAttrCursor } from '../netlink/message.ts';
import { nlaPolicyTable, nlmsgParse, type NlAttrTable, type NlaPolicyTable } from '../netlink/policy.ts';
import type { Rtnetlink, RtnlRequest } from '../netlink/rtnetlink.ts';
import { NLMSG_GOODSIZE, NetlinkSkb, type NetlinkCallback } from '../netlink/socket.ts';
import { EEXIST, EINVAL, EMSGSIZE, ENETDOWN, ENETUNREACH, ENODEV, ENOENT, EOPNOTSUPP, ESRCH } from '../uapi/errno.ts';
import { ICMPV6_ROUTER_PREF_HIGH, ICMPV6_ROUTER_PREF_LOW, ICMPV6_ROUTER_PREF_MEDIUM } from '../uapi/icmpv6.ts';
import { IFF_LOOPBACK, IFF_UP } from '../uapi/if.ts';
import { LWTUNNEL_ENCAP_IOAM6, LWTUNNEL_ENCAP_MAX, LWTUNNEL_ENCAP_NONE } from '../uapi/lwtunnel.ts';
import {
  NLA_BE32,
  NLA_NESTED,
  NLA_U16,
  NLA_U32,
  NLA_U8,
  NLA_UNSPEC,
  NLM_F_APPEND,
  NLM_F_CREATE,
  NLM_F_DUMP_FILTERED,
  NLM_F_EXCL,
  NLM_F_MULTI,
  NLM_F_REPLACE,
  NL_VALIDATE_DEPRECATED_STRICT,
  NL_VALIDATE_LIBERAL,
  NLMSG_HDRLEN,
} from '../uapi/netlink.ts';
import {
  RT_SCOPE_UNIVERSE,
  RT_TABLE_COMPAT,
  RT_TABLE_MAIN,
  RTA_CACHEINFO,
  RTA_CACHEINFO_SIZE,
  RTA_DPORT,
  RTA_DST,
  RTA_ENCAP,
  RTA_ENCAP_TYPE,
  RTA_EXPIRES,
  RTA_FLOWLABEL,
  RTA_GATEWAY,
  RTA_IIF,
  RTA_IP_PROTO,
  RTA_MARK,
  RTA_MAX,
  RTA_METRICS,
  RTA_MULTIPATH,
  RTA_NH_ID,
  RTA_OIF,
  RTA_PREF,
  RTA_PREFSRC,
  RTA_PRIORITY,
  RTA_SPORT,
  RTA_SRC,
  RTA_TABLE,
  RTA_UID,
  RTA_VIA,
  RTAX_CC_ALGO,
  RTAX_FEATURE_MASK,
  RTAX_FEATURES,
  RTAX_HOPLIMIT,
  RTAX_ADVMSS,
  RTAX_MAX,
  RTAX_MTU,
  RTM_DELROUTE,
  RTM_F_CLONED,
  RTM_F_FIB_MATCH,
  RTM_F_PREFIX,
  RTM_GETROUTE,
  RTM_NEWROUTE,
  RTMSG_RTM_DST_LEN,
  RTMSG_RTM_FAMILY,
  RTMSG_RTM_FLAGS,
  RTMSG_RTM_PROTOCOL,
  RTMSG_RTM_SCOPE,
  RTMSG_RTM_SRC_LEN,
  RTMSG_RTM_TABLE,
  RTMSG_RTM_TOS,
  RTMSG_RTM_TYPE,
  RTMSG_SIZE,
  RTN_ANYCAST,
  RTN_BLACKHOLE,
  RTN_BROADCAST,
  RTN_LOCAL,
  RTN_MAX,
  RTN_MULTICAST,
  RTN_PROHIBIT,
  RTN_THROW,
  RTN_UNREACHABLE,
  RTNEXTHOP_RTNH_FLAGS,
  RTNEXTHOP_RTNH_HOPS,
  RTNEXTHOP_RTNH_IFINDEX,
  RTNEXTHOP_RTNH_LEN,
  RTNEXTHOP_SIZE,
  RTNH_F_DEAD,
  RTNH_F_LINKDOWN,
  RTNH_F_ONLINK,
  RTNLGRP_IPV6_ROUTE,
} from '../uapi/rtnetlink.ts';
import { setU32le, u16le, u32le } from '../wire/bytes.ts';
import {
  Fib6,
  LOOPBACK_IFINDEX,
  RT6_LOOKUP_F_IFACE,
  RTF_ANYCAST,
  RTF_EXPIRES,
  RTF_LOCAL,
  RTF_PREF_MASK,
  RTF_PREFIX_RT,
  RTF_REJECT,
  qualifiesForEcmp,
  routeTypeErrno,
  type Fib6DeleteSpec,
  type Fib6Route,
  type Fib6RouteConfig,
  type FibError,
} from './fib.ts';
import { ioam6BuildState, ioam6EncapEqual, ioam6FillEncapInfo, type Ioam6LwtState } from './ioam6-iptunnel.ts';

export const AF_INET6 = 10;
const IN6_ADDR_LEN = 16;
/** USER_HZ: clock_t ticks per second in rta_cacheinfo. */
const USER_HZ = 100;
const NSEC_PER_CLOCK_T = 1_000_000_000 / USER_HZ;
const IPPROTO_TCP = 6;
const IPPROTO_UDP = 17;
const IPPROTO_ICMPV6 = 58;

/** The encap states a route can carry (only ioam6 has lwtunnel ops here). */
export type RouteLwtState = Ioam6LwtState;
export type Ipv6FibRoute = Fib6Route<RouteLwtState>;

/** rtm_ipv6_policy. */
export const RTM_IPV6_POLICY: NlaPolicyTable = nlaPolicyTable(
  RTA_MAX,
  {
    [RTA_GATEWAY]: { type: NLA_UNSPEC, len: IN6_ADDR_LEN },
    [RTA_PREFSRC]: { type: NLA_UNSPEC, len: IN6_ADDR_LEN },
    [RTA_OIF]: { type: NLA_U32 },
    [RTA_IIF]: { type: NLA_U32 },
    [RTA_PRIORITY]: { type: NLA_U32 },
    [RTA_METRICS]: { type: NLA_NESTED },
    [RTA_MULTIPATH]: { type: NLA_UNSPEC, len: RTNEXTHOP_SIZE },
    [RTA_PREF]: { type: NLA_U8 },
    [RTA_ENCAP_TYPE]: { type: NLA_U16 },
    [RTA_ENCAP]: { type: NLA_NESTED },
    [RTA_EXPIRES]: { type: NLA_U32 },
    [RTA_UID]: { type: NLA_U32 },
    [RTA_MARK]: { type: NLA_U32 },
    [RTA_TABLE]: { type: NLA_U32 },
    [RTA_IP_PROTO]: { type: NLA_U8 },
    [RTA_SPORT]: { type: NLA_U16 },
    [RTA_DPORT]: { type: NLA_U16 },
    [RTA_NH_ID]: { type: NLA_U32 },
    [RTA_FLOWLABEL]: { type: NLA_BE32 },
  },
  { strictStartType: RTA_DPORT + 1 },
);

/** Hooks into address configuration (addrconf), which owns the addresses. */
export interface Ipv6RouteOptions {
  /** ipv6_dev_get_saddr for a route get's RTA_PREFSRC; undefined: no source address. */
  readonly getSaddr?: (net: Net, ifindex: number, daddr: Uint8Array) => Uint8Array | undefined;
  /** ipv6_chk_addr: is `addr` configured on `ifindex` (0: on any device)? */
  readonly isLocalAddr?: (net: Net, addr: Uint8Array, ifindex: number) => boolean;
}

/** The per-namespace state: the FIB and what it does not keep (RTAX_* other than MTU). */
export interface Ipv6RouteNet {
  readonly fib: Fib6<RouteLwtState>;
  /** The route's metrics indexed by RTAX type - 1 (fib6_metrics), MTU kept in the route. */
  readonly metrics: WeakMap<Ipv6FibRoute, Uint32Array>;
  /** ip6_fib_timer: the garbage collector of expired routes. */
  readonly gcTimer: Timer;
  /** net.ipv6.route.gc_interval (jiffies), registered by the pernet init. */
  gcInterval: SysctlEntry<number> | undefined;
}

/** IPV6 route sysctl directory and the gc_interval default (ip6_route_net_init: 30 * HZ). */
const ROUTE_SYSCTL_DIR = 'net/ipv6/route';
const GC_INTERVAL_DEFAULT = 30 * HZ;

/**
 * __round_jiffies for CPU 0: `j` rounded to a whole second of jiffies (down when less than a
 * quarter second over, else up), or `j` itself when the rounded time is not in the future.
 */
export function roundJiffies(j: number, now: number): number {
  const rem = j % HZ;
  const r = rem < HZ / 4 ? j - rem : j - rem + HZ;
  return r > now ? r : j;
}

/**
 * When the timer wheel (kernel/time/timer.c calc_wheel_index) really fires a timer armed at
 * `now` for `expires`: beyond 63 jiffies a timer sits in an outer level and fires at the first
 * boundary of that level's granularity (8^level jiffies) after its expiry, never before. The
 * gc depends on it: a route whose expiry equals the timer's is already past it when the timer
 * runs (measured: `expires 1` with gc_interval 1 went after 1.07 s, not 2). The time queue
 * fires exactly at the given tick, so the gc timer is armed for the wheel's tick.
 */
export function wheelExpiry(now: number, expires: number): number {
  const delta = expires - now;
  if (delta < 63) return expires;
  let lvl = 1;
  // LVL_START(n + 1) = 63 << 3n.
  while (lvl < 8 && delta >= 63 * 2 ** (3 * lvl)) lvl++;
  const gran = 2 ** (3 * lvl);
  return (Math.floor(expires / gran) + 1) * gran;
}

/** What the composition root needs to wire this in (a Kernel has these). */
export interface Ipv6RouteHost {
  readonly world: World;
  readonly rtnl: Rtnetlink;
  readonly netdev: NetdevCore;
}

/** The registered subsystem: per-namespace FIBs behind rtnetlink. */
export class Ipv6RouteSubsys {
  readonly host: Ipv6RouteHost;
  readonly key: PernetKey<Ipv6RouteNet>;
  readonly opts: Ipv6RouteOptions;

  constructor(host: Ipv6RouteHost, key: PernetKey<Ipv6RouteNet>, opts: Ipv6RouteOptions) {
    this.host = host;
    this.key = key;
    this.opts = opts;
  }

  state(net: Net): Ipv6RouteNet {
    return net.generic(this.key);
  }

  /** The FIB of `net`. */
  fib(net: Net): Fib6<RouteLwtState> {
    return this.state(net).fib;
  }
}

/**
 * Registers the IPv6 route pernet state, the AF_INET6 RTM_{NEW,DEL,GET}ROUTE handlers on
 * `host.rtnl` and the device notifier. Throws when the pernet registration fails (a
 * programmer error at boot).
 */
export function registerIpv6Route(host: Ipv6RouteHost, opts: Ipv6RouteOptions = {}): Ipv6RouteSubsys {
  const clock = host.world.clock;
  // Filled in once registered; the gc timers only fire after that.
  const registered: { sub?: Ipv6RouteSubsys } = {};
  const reg = host.world.pernet.registerSubsys<Ipv6RouteNet>({
    name: 'ipv6-route',
    state: (net) => ({
      fib: new Fib6<RouteLwtState>({ nowNs: () => clock.nowNs(), lwtEqual: ioam6EncapEqual }),
      metrics: new WeakMap(),
      gcTimer: new Timer(() => {
        if (registered.sub !== undefined) runGc(registered.sub, net);
      }),
      gcInterval: undefined,
    }),
    init: (net, st) => {
      st.gcInterval = net.sysctl.register(ROUTE_SYSCTL_DIR, { name: 'gc_interval', handler: 'dointvec_jiffies', default: GC_INTERVAL_DEFAULT });
    },
    exit: (net, st) => {
      net.timers.delTimer(st.gcTimer);
      if (st.gcInterval !== undefined) net.sysctl.unregister([st.gcInterval as SysctlEntry]);
    },
  });
  if (!reg.ok) throw new Error(`ipv6 route: pernet registration failed (errno ${reg.error})`);
  const sub = new Ipv6RouteSubsys(host, reg.value, opts);
  registered.sub = sub;
  host.rtnl.register(AF_INET6, RTM_NEWROUTE, (req) => inet6RtmNewroute(sub, req), undefined);
  host.rtnl.register(AF_INET6, RTM_DELROUTE, (req) => inet6RtmDelroute(sub, req), undefined);
  host.rtnl.register(
    AF_INET6,
    RTM_GETROUTE,
    (req) => inet6RtmGetroute(sub, req),
    (skb, cb) => inet6DumpFib(sub, skb, cb),
  );
  host.netdev.registerNotifier((event, dev) => deviceEvent(sub, event, dev), host.world.list());
  return sub;
}

// ---------------------------------------------------------------------------------------------
// Garbage collection of expired routes (ip6_fib.c fib6_start_gc, fib6_run_gc, fib6_age)

function gcIntervalOf(st: Ipv6RouteNet): number {
  const v = st.gcInterval?.value;
  return typeof v === 'number' ? v : GC_INTERVAL_DEFAULT;
}

/** fib6_start_gc: a route with RTF_EXPIRES arms the gc timer, unless it is pending already. */
function startGc(sub: Ipv6RouteSubsys, net: Net, rt: Ipv6FibRoute): void {
  if ((rt.flags & RTF_EXPIRES) === 0) return;
  const st = sub.state(net);
  if (net.timers.timerPending(st.gcTimer)) return;
  const now = net.jiffies;
  net.timers.modTimer(st.gcTimer, wheelExpiry(now, now + gcIntervalOf(st)));
}

/**
 * fib6_gc_timer_cb -> fib6_run_gc(0, net, true): removes the expired routes (each announced with
 * RTM_DELROUTE), then re-arms for gc_interval later (rounded to a second) while routes are left
 * waiting to expire, else stops.
 */
export function runGc(sub: Ipv6RouteSubsys, net: Net): void {
  if (!net.alive || !net.gen.has(sub.key)) return;
  const st = sub.state(net);
  for (const rt of st.fib.collectExpired()) notify(sub, net, RTM_DELROUTE, [rt], 0, 0, 0, undefined);
  const now = net.jiffies;
  if (st.fib.hasExpiring) net.timers.modTimer(st.gcTimer, wheelExpiry(now, roundJiffies(now + gcIntervalOf(st), now)));
  else net.timers.delTimer(st.gcTimer);
}

// ---------------------------------------------------------------------------------------------
// Device events

function deviceEvent(sub: Ipv6RouteSubsys, event: number, dev: NetDevice): void {
  const net = dev.net;
  if (!net.gen.has(sub.key)) return;
  const fib = sub.fib(net);
  let removed: Ipv6FibRoute[] = [];
  switch (event) {
    case NETDEV_UNREGISTER:
      removed = fib.ifdown(dev.ifindex, 'unregister');
      break;
    case NETDEV_DOWN:
      removed = fib.ifdown(dev.ifindex, 'down');
      break;
    case NETDEV_UP:
      fib.ifup(dev.ifindex, RTNH_F_DEAD | (dev.carrierOk ? RTNH_F_LINKDOWN : 0));
      break;
    case NETDEV_CHANGE:
      if (dev.carrierOk) fib.ifup(dev.ifindex, RTNH_F_LINKDOWN);
      else removed = fib.ifdown(dev.ifindex, 'change');
      break;
    default:
      return;
  }
  for (const rt of removed) notify(sub, net, RTM_DELROUTE, [rt], 0, 0, 0, undefined);
}

// ---------------------------------------------------------------------------------------------
// The route message

/** What rt6_fill_node needs beyond the route: the request's lookup, for route get. */
interface FillLookup {
  readonly dest: Uint8Array;
  readonly src: Uint8Array;
  readonly iif: number;
  readonly prefsrc: Uint8Array | undefined;
  /** The dst's device (loopback for local routes) and its flags. */
  readonly oif: number;
}

function deviceOf(net: Net, sub: Ipv6RouteSubsys, ifindex: number): NetDevice | undefined {
  return sub.host.netdev.table(net).getByIndex(ifindex);
}

/** fib_nexthop_info's flags: DEAD, LINKDOWN (DEAD too with ignore_routes_with_linkdown), ONLINK. */
function nexthopFlags(rt: Ipv6FibRoute): number {
  return rt.nhFlags & (RTNH_F_DEAD | RTNH_F_LINKDOWN | RTNH_F_ONLINK);
}

function putCacheinfo(skb: NetlinkSkb, expires: number, error: number, clntref: number): void {
  const ci = new Uint8Array(RTA_CACHEINFO_SIZE);
  setU32le(ci, 0, clntref);
  setU32le(ci, 8, expires >>> 0);
  setU32le(ci, 12, error >>> 0);
  skb.b.put(RTA_CACHEINFO, ci);
}

/** rtnetlink_put_metrics: only the metrics that are set; none, no RTA_METRICS. */
function putMetrics(skb: NetlinkSkb, metrics: Uint32Array | undefined, mtu: number): void {
  const vals = metrics === undefined ? new Uint32Array(RTAX_MAX) : metrics.slice();
  vals[RTAX_MTU - 1] = mtu;
  let any = false;
  for (let i = 0; i < RTAX_MAX; i++) {
    const v = vals[i] ?? 0;
    if (v === 0) continue;
    if (i === RTAX_FEATURES - 1 && (v & RTAX_FEATURE_MASK) === 0) continue;
    any = true;
  }
  if (!any) return;
  const nest = skb.b.nestStartNoflag(RTA_METRICS);
  for (let i = 0; i < RTAX_MAX; i++) {
    const v = vals[i] ?? 0;
    if (v === 0) continue;
    if (i === RTAX_FEATURES - 1) {
      if ((v & RTAX_FEATURE_MASK) !== 0) skb.b.putU32(i + 1, v & RTAX_FEATURE_MASK);
      continue;
    }
    skb.b.putU32(i + 1, v);
  }
  skb.b.nestEnd(nest);
}

function putEncap(skb: NetlinkSkb, lwt: RouteLwtState | undefined): void {
  if (lwt === undefined) return;
  const nest = skb.b.nestStartNoflag(RTA_ENCAP);
  ioam6FillEncapInfo(skb.b, lwt);
  skb.b.nestEnd(nest);
  skb.b.putU16(RTA_ENCAP_TYPE, lwt.type);
}

/**
 * rt6_fill_node for `group` (the route first, then its multipath siblings). Returns 0, or
 * -EMSGSIZE with nothing left in `skb` when the message did not fit.
 */
function fillNode(
  sub: Ipv6RouteSubsys,
  net: Net,
  skb: NetlinkSkb,
  group: readonly Ipv6FibRoute[],
  type: number,
  portid: number,
  seq: number,
  flags: number,
  lookup: FillLookup | undefined,
): number {
  const rt = group[0];
  if (rt === undefined) return 0;
  const nlh = skb.put(portid, seq, type, flags);
  if (nlh < 0) return -EMSGSIZE;
  const b = skb.b;
  const hdr = b.reserve(RTMSG_SIZE);
  const buf = (): Uint8Array => b.buffer;
  buf()[hdr + RTMSG_RTM_FAMILY] = AF_INET6;
  buf()[hdr + RTMSG_RTM_DST_LEN] = rt.dstLen;
  buf()[hdr + RTMSG_RTM_SRC_LEN] = 0;
  buf()[hdr + RTMSG_RTM_TOS] = 0;
  buf()[hdr + RTMSG_RTM_TABLE] = rt.table < 256 ? rt.table : RT_TABLE_COMPAT;
  b.putU32(RTA_TABLE, rt.table);
  let rtmFlags = 0;
  const rtmType = rt.type;
  if (lookup !== undefined) {
    b.putIn6Addr(RTA_DST, lookup.dest);
    b.putIn6Addr(RTA_SRC, lookup.src);
    if (lookup.iif !== 0) b.putU32(RTA_IIF, lookup.iif);
    else if (lookup.prefsrc !== undefined) b.putIn6Addr(RTA_PREFSRC, lookup.prefsrc);
  } else if (rt.dstLen !== 0) {
    b.putIn6Addr(RTA_DST, rt.dst);
  }
  if (rt.prefsrc !== undefined) b.putIn6Addr(RTA_PREFSRC, rt.prefsrc);
  putMetrics(skb, sub.state(net).metrics.get(rt), rt.mtu);
  b.putU32(RTA_PRIORITY, rt.metric);
  if (lookup !== undefined) {
    if (rt.gateway !== undefined) b.putIn6Addr(RTA_GATEWAY, rt.gateway);
    b.putU32(RTA_OIF, lookup.oif);
    putEncap(skb, rt.lwtstate);
  } else if (group.length > 1) {
    const mp = b.nestStartNoflag(RTA_MULTIPATH);
    for (const nh of group) {
      const at = b.reserve(RTNEXTHOP_SIZE);
      if (nh.gateway !== undefined) b.putIn6Addr(RTA_GATEWAY, nh.gateway);
      putEncap(skb, nh.lwtstate);
      const out = b.buffer;
      out[at + RTNEXTHOP_RTNH_HOPS] = nh.weight - 1;
      out[at + RTNEXTHOP_RTNH_FLAGS] = nexthopFlags(nh);
      setU32le(out, at + RTNEXTHOP_RTNH_IFINDEX, nh.ifindex);
      out[at + RTNEXTHOP_RTNH_LEN] = (b.length - at) & 0xff;
      out[at + RTNEXTHOP_RTNH_LEN + 1] = (b.length - at) >>> 8;
    }
    b.nestEnd(mp);
  } else {
    rtmFlags |= nexthopFlags(rt);
    if (rt.gateway !== undefined) b.putIn6Addr(RTA_GATEWAY, rt.gateway);
    b.putU32(RTA_OIF, rt.ifindex);
    putEncap(skb, rt.lwtstate);
  }
  let expires = 0;
  // A route get reports the dst's own expiry, which per-cpu copies do not carry (seen on 6.18:
  // no "expires" in `ip -6 route get` through an expiring route).
  // RTM_DELROUTE messages carry no expiry (seen on 6.18 for `ip route del`, a device going
  // down and the garbage collector alike).
  if (lookup === undefined && type !== RTM_DELROUTE && (rt.flags & RTF_EXPIRES) !== 0 && rt.expires !== undefined) {
    const left = rt.expires - sub.host.world.clock.nowNs();
    const clock = Math.min(Math.trunc(Math.abs(left) / NSEC_PER_CLOCK_T), 0x7fffffff);
    expires = left > 0 ? clock : -clock;
  }
  putCacheinfo(skb, expires, 0, lookup === undefined ? 0 : 1);
  b.putU8(RTA_PREF, (rt.flags & RTF_PREF_MASK) >>> 27);
  const out = buf();
  out[hdr + RTMSG_RTM_TYPE] = rtmType;
  out[hdr + RTMSG_RTM_SCOPE] = RT_SCOPE_UNIVERSE;
  out[hdr + RTMSG_RTM_PROTOCOL] = rt.protocol;
  if (lookup !== undefined) out[hdr + RTMSG_RTM_DST_LEN] = 128;
  if (lookup !== undefined) out[hdr + RTMSG_RTM_SRC_LEN] = 128;
  setU32le(out, hdr + RTMSG_RTM_FLAGS, rtmFlags);
  return skb.end() ? 0 : -EMSGSIZE;
}

/** inet6_rt_notify: one message for `group` to RTNLGRP_IPV6_ROUTE (and the requester on ECHO). */
function notify(
  sub: Ipv6RouteSubsys,
  net: Net,
  type: number,
  group: readonly Ipv6FibRoute[],
  nlFlags: number,
  portid: number,
  seq: number,
  req: RtnlRequest | undefined,
): void {
  const skb = new NetlinkSkb(NLMSG_GOODSIZE);
  if (fillNode(sub, net, skb, group, type, portid, seq, nlFlags, undefined) < 0) return;
  sub.host.rtnl.notify(net, skb, portid, RTNLGRP_IPV6_ROUTE, req);
}

/** The multipath group of `rt` starting at `rt`, as rt6_fill_node walks fib6_siblings. */
function groupOf(fib: Fib6<RouteLwtState>, rt: Ipv6FibRoute): Ipv6FibRoute[] {
  const sib = fib.siblings(rt);
  const i = sib.indexOf(rt);
  if (i <= 0) return i < 0 ? [rt] : sib;
  return [...sib.slice(i), ...sib.slice(0, i)];
}

// ---------------------------------------------------------------------------------------------
// RTM_NEWROUTE / RTM_DELROUTE

/** struct fib6_config as rtm_to_fib6_config fills it. */
interface Fib6Config {
  table: number;
  dstLen: number;
  srcLen: number;
  protocol: number;
  type: number;
  /** RTM_F_CLONED asked for RTF_CACHE. */
  cache: boolean;
  onlink: boolean;
  nhId: boolean;
  dst: Uint8Array;
  gateway: Uint8Array | undefined;
  prefsrc: Uint8Array | undefined;
  ifindex: number;
  metric: number;
  /** RTA_METRICS: offset of the attribute in the request, -1 when absent. */
  mx: number;
  mp: number;
  pref: number;
  /** RTA_ENCAP's offset, -1 when absent. */
  encap: number;
  encapType: number;
  expires: number | undefined;
}

/** lwtunnel_valid_encap_type. */
function validEncapType(type: number, extack: ExtAck): number {
  if (type === LWTUNNEL_ENCAP_NONE || type > LWTUNNEL_ENCAP_MAX) {
    extack.msg = 'Unknown lwt encapsulation type';
    return -EINVAL;
  }
  if (type !== LWTUNNEL_ENCAP_IOAM6) {
    extack.msg = 'lwt encapsulation type not supported';
    return -EOPNOTSUPP;
  }
  return 0;
}

/** rtm_to_fib6_config: 0 and the config, or a negative errno. */
function rtmToFib6Config(req: RtnlRequest): { err: number; cfg?: Fib6Config; tb?: NlAttrTable } {
  const { msg, nlh, extack } = req;
  const parsed = nlmsgParse(msg, nlh, RTMSG_SIZE, RTA_MAX, RTM_IPV6_POLICY, NL_VALIDATE_LIBERAL, extack);
  if (!parsed.ok) return { err: parsed.error.err };
  const tb = parsed.value;
  const r = nlh + NLMSG_HDRLEN;
  const rtmType = msg[r + RTMSG_RTM_TYPE] ?? 0;
  const rtmFlags = u32le(msg, r + RTMSG_RTM_FLAGS);
  const cfg: Fib6Config = {
    table: msg[r + RTMSG_RTM_TABLE] ?? 0,
    dstLen: msg[r + RTMSG_RTM_DST_LEN] ?? 0,
    srcLen: msg[r + RTMSG_RTM_SRC_LEN] ?? 0,
    protocol: msg[r + RTMSG_RTM_PROTOCOL] ?? 0,
    type: rtmType,
    cache: (rtmFlags & RTM_F_CLONED) !== 0,
    onlink: (rtmFlags & RTNH_F_ONLINK) !== 0,
    nhId: false,
    dst: new Uint8Array(IN6_ADDR_LEN),
    gateway: undefined,
    prefsrc: undefined,
    ifindex: 0,
    metric: 0,
    mx: -1,
    mp: -1,
    pref: ICMPV6_ROUTER_PREF_MEDIUM,
    encap: -1,
    encapType: LWTUNNEL_ENCAP_NONE,
    expires: undefined,
  };
  if (tb.has(RTA_NH_ID)) {
    if (tb.has(RTA_GATEWAY) || tb.has(RTA_OIF) || tb.has(RTA_MULTIPATH) || tb.has(RTA_ENCAP)) {
      extack.msg = 'Nexthop specification and nexthop id are mutually exclusive';
      return { err: -EINVAL };
    }
    cfg.nhId = true;
  }
  const gw = tb.data(RTA_GATEWAY);
  if (gw !== undefined) cfg.gateway = gw.slice(0, IN6_ADDR_LEN);
  if (tb.has(RTA_VIA)) {
    extack.msg = 'IPv6 does not support RTA_VIA attribute';
    return { err: -EINVAL };
  }
  const dst = tb.data(RTA_DST);
  if (dst !== undefined) {
    const plen = (cfg.dstLen + 7) >> 3;
    if (dst.length < plen) return { err: -EINVAL };
    cfg.dst.set(dst.subarray(0, Math.min(plen, IN6_ADDR_LEN)));
  }
  const src = tb.data(RTA_SRC);
  if (src !== undefined && src.length < (cfg.srcLen + 7) >> 3) return { err: -EINVAL };
  const prefsrc = tb.data(RTA_PREFSRC);
  if (prefsrc !== undefined) cfg.prefsrc = prefsrc.slice(0, IN6_ADDR_LEN);
  cfg.ifindex = tb.u32(RTA_OIF) ?? 0;
  cfg.metric = tb.u32(RTA_PRIORITY) ?? 0;
  cfg.mx = tb.offset(RTA_METRICS);
  const table = tb.u32(RTA_TABLE);
  if (table !== undefined) cfg.table = table;
  if (tb.has(RTA_MULTIPATH)) {
    cfg.mp = tb.offset(RTA_MULTIPATH);
    const err = validMultipathEncap(msg, cfg.mp, extack);
    if (err < 0) return { err };
  }
  const pref = tb.u8(RTA_PREF);
  if (pref !== undefined) cfg.pref = pref === ICMPV6_ROUTER_PREF_LOW || pref === ICMPV6_ROUTER_PREF_HIGH ? pref : ICMPV6_ROUTER_PREF_MEDIUM;
  cfg.encap = tb.offset(RTA_ENCAP);
  const encapType = tb.u16(RTA_ENCAP_TYPE);
  if (encapType !== undefined) {
    cfg.encapType = encapType;
    const err = validEncapType(encapType, extack);
    if (err < 0) return { err };
  }
  const expires = tb.u32(RTA_EXPIRES);
  // addrconf_timeout_fixup: only 0xffffffff means "never".
  if (expires !== undefined && expires !== 0xffffffff) cfg.expires = expires;
  return { err: 0, cfg, tb };
}

/** One rtnexthop of RTA_MULTIPATH: its offset and length (rtnh_ok), and its attributes. */
interface Rtnh {
  readonly at: number;
  readonly len: number;
}

function* rtnexthops(msg: Uint8Array, mp: number): Generator<Rtnh> {
  const end = mp + u16le(msg, mp);
  let at = mp + 4;
  while (end - at >= RTNEXTHOP_SIZE) {
    const len = u16le(msg, at + RTNEXTHOP_RTNH_LEN);
    if (len < RTNEXTHOP_SIZE || len > end - at) return;
    yield { at, len };
    at += (len + 3) & ~3;
  }
}

/** nla_find inside one rtnexthop: the attribute's offset, or -1. */
function rtnhFind(msg: Uint8Array, nh: Rtnh, type: number): number {
  const cur = new NlAttrCursor(msg, nh.at + RTNEXTHOP_SIZE, nh.len - RTNEXTHOP_SIZE);
  while (cur.next()) if (cur.type === type) return cur.offset;
  return -1;
}

/** lwtunnel_valid_encap_type_attr over the nexthops of RTA_MULTIPATH. */
function validMultipathEncap(msg: Uint8Array, mp: number, extack: ExtAck): number {
  for (const nh of rtnexthops(msg, mp)) {
    const a = rtnhFind(msg, nh, RTA_ENCAP_TYPE);
    if (a < 0) continue;
    if (u16le(msg, a) < 6) {
      extack.msg = 'Invalid RTA_ENCAP_TYPE';
      return -EINVAL;
    }
    const err = validEncapType(u16le(msg, a + 4), extack);
    if (err < 0) return err;
  }
  return 0;
}

/** ip_metrics_convert into a fib6_metrics array (RTAX type - 1). */
function convertMetrics(msg: Uint8Array, mx: number): Uint32Array | number {
  const out = new Uint32Array(RTAX_MAX);
  if (mx < 0) return out;
  const cur = new NlAttrCursor(msg, mx + 4, u16le(msg, mx) - 4);
  while (cur.next()) {
    const a = cur.offset;
    const type = cur.type;
    if (type === 0) continue;
    if (type > RTAX_MAX || type === RTAX_CC_ALGO) return -EINVAL;
    if (u16le(msg, a) - 4 < 4) return -EINVAL;
    let v = nlaGetU32(msg, a);
    if (type === RTAX_ADVMSS && v > 65535 - 40) v = 65535 - 40;
    if (type === RTAX_MTU && v > 65535 - 15) v = 65535 - 15;
    if (type === RTAX_HOPLIMIT && v > 255) v = 255;
    if (type === RTAX_FEATURES && (v & ~RTAX_FEATURE_MASK) !== 0) return -EINVAL;
    out[type - 1] = v;
  }
  return out;
}

function isUnspecified(a: Uint8Array): boolean {
  for (let i = 0; i < IN6_ADDR_LEN; i++) if (a[i] !== 0) return false;
  return true;
}

function isLinkLocal(a: Uint8Array): boolean {
  return a[0] === 0xfe && ((a[1] ?? 0) & 0xc0) === 0x80;
}

function isRejectType(type: number): boolean {
  return type === RTN_UNREACHABLE || type === RTN_BLACKHOLE || type === RTN_PROHIBIT || type === RTN_THROW;
}

function fibFail(e: FibError, extack: ExtAck): number {
  if (e.message !== undefined) extack.msg = e.message;
  return -e.errno;
}

interface Created {
  readonly cfg: Fib6RouteConfig<RouteLwtState>;
  readonly metrics: Uint32Array;
}

/**
 * ip6_route_info_create + fib6_nh_init: the checks that need devices and addresses, in the
 * kernel's order, then the config Fib6.add takes.
 */
function routeInfoCreate(sub: Ipv6RouteSubsys, net: Net, c: Fib6Config, req: RtnlRequest): { err: number; made?: Created } {
  const extack = req.extack;
  if (c.cache) {
    extack.msg = 'Userspace can not set RTF_CACHE';
    return { err: -EINVAL };
  }
  if (c.type > RTN_MAX) {
    extack.msg = 'Invalid route type';
    return { err: -EINVAL };
  }
  if (c.dstLen > 128) {
    extack.msg = 'Invalid prefix length';
    return { err: -EINVAL };
  }
  if (c.srcLen > 128) {
    extack.msg = 'Invalid source address length';
    return { err: -EINVAL };
  }
  if (c.srcLen !== 0) {
    extack.msg = 'Specifying source address requires IPV6_SUBTREES to be enabled';
    return { err: -EINVAL };
  }
  if (c.nhId) {
    extack.msg = 'Nexthop id does not exist';
    return { err: -EINVAL };
  }
  const metrics = convertMetrics(req.msg, c.mx);
  if (typeof metrics === 'number') return { err: metrics };
  const devs = sub.host.netdev.table(net);
  let dev: NetDevice | undefined;
  if (c.ifindex !== 0) {
    dev = devs.getByIndex(c.ifindex);
    if (dev === undefined) return { err: -ENODEV };
  }
  if (c.onlink) {
    extack.msg = 'onlink nexthops are not supported';
    return { err: -EOPNOTSUPP };
  }
  // Only reject types skip the nexthop checks; a route through lo is checked like any other and
  // promoted to a reject route afterwards (fib6_is_reject in ip6_route_info_create, 6.18).
  const reject = isRejectType(c.type);
  let ifindex = c.ifindex;
  let nhFlags = 0;
  let lwtstate: RouteLwtState | undefined;
  if (!reject) {
    const fib = sub.fib(net);
    if (c.gateway !== undefined) {
      const gw = c.gateway;
      const isLocal = sub.opts.isLocalAddr;
      const skipDev = !isLinkLocal(gw);
      if (dev !== undefined && isLocal?.(net, gw, skipDev ? 0 : dev.ifindex) === true) {
        extack.msg = 'Gateway can not be a local address';
        return { err: -EINVAL };
      }
      const v = fib.validateGateway(gw, ifindex, c.table === 0 ? RT_TABLE_MAIN : c.table);
      if (!v.ok) return { err: fibFail(v.error, extack) };
      ifindex = v.value;
      dev = devs.getByIndex(ifindex);
      if (dev === undefined) {
        extack.msg = 'Egress device not specified';
        return { err: -EINVAL };
      }
      if ((dev.flags & IFF_LOOPBACK) !== 0) {
        extack.msg = 'Egress device can not be loopback device for this route';
        return { err: -EINVAL };
      }
      if (c.ifindex === 0 && isLocal?.(net, gw, skipDev ? 0 : dev.ifindex) === true) {
        extack.msg = 'Gateway can not be a local address';
        return { err: -EINVAL };
      }
    }
    if (dev === undefined) return { err: -ENODEV };
    if ((dev.flags & IFF_UP) === 0) {
      extack.msg = 'Nexthop device is not up';
      return { err: -ENETDOWN };
    }
    if (c.type !== RTN_LOCAL && !dev.carrierOk) nhFlags |= RTNH_F_LINKDOWN;
    if (c.encap >= 0) {
      if (c.encapType === LWTUNNEL_ENCAP_NONE) {
        extack.msg = 'LWT encap type not specified';
        return { err: -EINVAL };
      }
      const built = ioam6BuildState(req.msg, c.encap, AF_INET6, extack);
      if (!built.ok) return { err: built.err };
      lwtstate = built.value;
    }
  }
  if (c.prefsrc !== undefined && !isUnspecified(c.prefsrc)) {
    if (sub.opts.isLocalAddr?.(net, c.prefsrc, ifindex) !== true) {
      extack.msg = 'Invalid source address';
      return { err: -EINVAL };
    }
  }
  const cfg: Fib6RouteConfig<RouteLwtState> = {
    dst: c.dst,
    dstLen: c.dstLen,
    table: c.table,
    type: c.type,
    protocol: c.protocol,
    metric: c.metric,
    ...(c.gateway !== undefined && !reject ? { gateway: c.gateway } : {}),
    ifindex: reject ? LOOPBACK_IFINDEX : ifindex,
    mtu: metrics[RTAX_MTU - 1] ?? 0,
    nhFlags,
    pref: c.pref,
    ...(c.expires !== undefined ? { expires: sub.host.world.clock.nowNs() + c.expires * 1e9 } : {}),
    ...(c.prefsrc !== undefined && !isUnspecified(c.prefsrc) ? { prefsrc: c.prefsrc } : {}),
    ...(lwtstate !== undefined ? { lwtstate } : {}),
  };
  return { err: 0, made: { cfg, metrics } };
}

function nlFlagsOf(req: RtnlRequest): number {
  return u16le(req.msg, req.nlh + 6);
}

/** The notification flags fib6_add_rt2node uses for an insertion. */
function addNotifyFlags(reqFlags: number): number {
  if ((reqFlags & NLM_F_REPLACE) !== 0) return NLM_F_REPLACE;
  return NLM_F_EXCL | NLM_F_CREATE | (reqFlags & NLM_F_APPEND);
}

function inet6RtmNewroute(sub: Ipv6RouteSubsys, req: RtnlRequest): number {
  const parsed = rtmToFib6Config(req);
  if (parsed.cfg === undefined) return parsed.err;
  const c = parsed.cfg;
  if (c.metric === 0) c.metric = 1024;
  if (c.mp >= 0) return multipathAdd(sub, req, c);
  const made = routeInfoCreate(sub, req.net, c, req);
  if (made.made === undefined) return made.err;
  const state = sub.state(req.net);
  const reqFlags = nlFlagsOf(req);
  const r = state.fib.add(made.made.cfg, reqFlags);
  if (!r.ok) return fibFail(r.error, req.extack);
  state.metrics.set(r.value, made.made.metrics);
  startGc(sub, req.net, r.value);
  notify(sub, req.net, RTM_NEWROUTE, groupOf(state.fib, r.value), addNotifyFlags(reqFlags), req.portid, req.seq, req);
  return 0;
}

/** ip6_route_multipath_add. */
function multipathAdd(sub: Ipv6RouteSubsys, req: RtnlRequest, c: Fib6Config): number {
  const state = sub.state(req.net);
  const pending: Created[] = [];
  for (const nh of rtnexthops(req.msg, c.mp)) {
    const r: Fib6Config = { ...c, encap: -1, encapType: LWTUNNEL_ENCAP_NONE };
    const ifi = u32le(req.msg, nh.at + RTNEXTHOP_RTNH_IFINDEX);
    if (ifi !== 0) r.ifindex = ifi;
    if (nh.len > RTNEXTHOP_SIZE) {
      const gw = rtnhFind(req.msg, nh, RTA_GATEWAY);
      if (gw >= 0) {
        if (u16le(req.msg, gw) - 4 < IN6_ADDR_LEN) {
          req.extack.msg = 'Invalid IPv6 address in RTA_GATEWAY';
          return -EINVAL;
        }
        r.gateway = req.msg.slice(gw + 4, gw + 4 + IN6_ADDR_LEN);
      }
      r.encap = rtnhFind(req.msg, nh, RTA_ENCAP);
      const et = rtnhFind(req.msg, nh, RTA_ENCAP_TYPE);
      if (et >= 0) r.encapType = u16le(req.msg, et + 4);
    }
    if (((req.msg[nh.at + RTNEXTHOP_RTNH_FLAGS] ?? 0) & RTNH_F_ONLINK) !== 0) r.onlink = true;
    const made = routeInfoCreate(sub, req.net, r, req);
    if (made.made === undefined) return made.err;
    if (r.gateway === undefined || isRejectType(r.type)) {
      req.extack.msg = 'Device only routes can not be added for IPv6 using the multipath API.';
      return -EINVAL;
    }
    const cfg = { ...made.made.cfg, weight: (req.msg[nh.at + RTNEXTHOP_RTNH_HOPS] ?? 0) + 1 };
    // ip6_route_info_append: the same nexthop twice is EEXIST.
    if (pending.some((p) => p.cfg.ifindex === cfg.ifindex && p.cfg.gateway !== undefined && cfg.gateway !== undefined && p.cfg.gateway.every((x, i) => x === cfg.gateway?.[i]))) {
      return -EEXIST;
    }
    pending.push({ cfg, metrics: made.made.metrics });
  }
  if (pending.length === 0) {
    req.extack.msg = 'Invalid nexthop configuration - no valid nexthops';
    return -EINVAL;
  }
  const reqFlags = nlFlagsOf(req);
  const replace = (reqFlags & NLM_F_REPLACE) !== 0;
  let flags = reqFlags;
  const added: Ipv6FibRoute[] = [];
  for (const p of pending) {
    const r = state.fib.add(p.cfg, flags);
    if (!r.ok) {
      if (replace && added.length > 0) req.extack.msg = 'multipath route replace failed (check consistency of installed routes)';
      else if (r.error.message !== undefined) req.extack.msg = r.error.message;
      if (added.length > 0) notify(sub, req.net, RTM_NEWROUTE, groupOf(state.fib, added[0] as Ipv6FibRoute), replace ? NLM_F_REPLACE : NLM_F_CREATE, req.portid, req.seq, req);
      for (const a of added) {
        if (state.fib.remove(a)) notify(sub, req.net, RTM_DELROUTE, [a], 0, req.portid, req.seq, req);
      }
      return -r.error.errno;
    }
    state.metrics.set(r.value, p.metrics);
    startGc(sub, req.net, r.value);
    added.push(r.value);
    flags = (flags & ~(NLM_F_EXCL | NLM_F_REPLACE)) | NLM_F_CREATE;
  }
  const first = added[0] as Ipv6FibRoute;
  const head = state.fib.siblings(first)[0] ?? first;
  const nlflags = (replace ? NLM_F_REPLACE : NLM_F_CREATE) | (reqFlags & NLM_F_APPEND);
  notify(sub, req.net, RTM_NEWROUTE, groupOf(state.fib, (reqFlags & NLM_F_APPEND) !== 0 ? head : first), nlflags, req.portid, req.seq, req);
  return 0;
}

function inet6RtmDelroute(sub: Ipv6RouteSubsys, req: RtnlRequest): number {
  const parsed = rtmToFib6Config(req);
  if (parsed.cfg === undefined) return parsed.err;
  const c = parsed.cfg;
  if (c.nhId) {
    req.extack.msg = 'Nexthop id does not exist';
    return -EINVAL;
  }
  if (c.mp >= 0) {
    let last = 0;
    for (const nh of rtnexthops(req.msg, c.mp)) {
      const r: Fib6Config = { ...c, gateway: undefined };
      const ifi = u32le(req.msg, nh.at + RTNEXTHOP_RTNH_IFINDEX);
      if (ifi !== 0) r.ifindex = ifi;
      const gw = nh.len > RTNEXTHOP_SIZE ? rtnhFind(req.msg, nh, RTA_GATEWAY) : -1;
      if (gw >= 0) {
        if (u16le(req.msg, gw) - 4 < IN6_ADDR_LEN) {
          req.extack.msg = 'Invalid IPv6 address in RTA_GATEWAY';
          last = -EINVAL;
          continue;
        }
        r.gateway = req.msg.slice(gw + 4, gw + 4 + IN6_ADDR_LEN);
      }
      const err = routeDel(sub, req, r, false);
      if (err < 0) last = err;
    }
    return last;
  }
  return routeDel(sub, req, c, true);
}

/** ip6_route_del: removes and notifies (the whole multipath group in one message). */
function routeDel(sub: Ipv6RouteSubsys, req: RtnlRequest, c: Fib6Config, all: boolean): number {
  const state = sub.state(req.net);
  if (c.dstLen > 128) return -EINVAL;
  const spec: Fib6DeleteSpec = {
    dst: c.dst,
    dstLen: c.dstLen,
    table: c.table === 0 ? RT_TABLE_MAIN : c.table,
    metric: c.metric,
    protocol: c.protocol,
    ifindex: c.ifindex,
    ...(c.gateway !== undefined ? { gateway: c.gateway } : {}),
  };
  const lookupFirst = spec.gateway === undefined && all ? findVictim(state.fib, spec) : undefined;
  const group = lookupFirst !== undefined ? groupOf(state.fib, lookupFirst) : undefined;
  const r = state.fib.delete(spec);
  if (!r.ok) return fibFail(r.error, req.extack);
  if (group !== undefined && group.length > 1) {
    notify(sub, req.net, RTM_DELROUTE, group, 0, req.portid, req.seq, req);
  } else {
    for (const rt of r.value) notify(sub, req.net, RTM_DELROUTE, [rt], 0, req.portid, req.seq, req);
  }
  return 0;
}

/** Are the first `len` bits of `a` and `b` equal? */
function samePrefix(a: Uint8Array, b: Uint8Array, len: number): boolean {
  for (let i = 0; i < len; i++) {
    const m = 0x80 >> (i & 7);
    if (((a[i >> 3] ?? 0) & m) !== ((b[i >> 3] ?? 0) & m)) return false;
  }
  return true;
}

/** The route ip6_route_del would pick, without removing it. */
function findVictim(fib: Fib6<RouteLwtState>, spec: Fib6DeleteSpec): Ipv6FibRoute | undefined {
  for (const rt of fib.dumpTable(spec.table ?? RT_TABLE_MAIN)) {
    if (rt.dstLen !== spec.dstLen) continue;
    if (!samePrefix(rt.dst, spec.dst, spec.dstLen)) continue;
    if ((spec.metric ?? 0) !== 0 && spec.metric !== rt.metric) continue;
    if ((spec.protocol ?? 0) !== 0 && spec.protocol !== rt.protocol) continue;
    if ((spec.ifindex ?? 0) !== 0 && spec.ifindex !== rt.ifindex) continue;
    return rt;
  }
  return undefined;
}

// ---------------------------------------------------------------------------------------------
// RTM_GETROUTE

/** inet6_rtm_valid_getroute_req. */
function validGetrouteReq(req: RtnlRequest): { err: number; tb?: NlAttrTable } {
  const { msg, nlh, extack } = req;
  if (u32le(msg, nlh) < NLMSG_HDRLEN + RTMSG_SIZE) {
    extack.msg = 'ipv6: Invalid header for get route request';
    return { err: -EINVAL };
  }
  if (!req.sock.strictCheck) {
    const p = nlmsgParse(msg, nlh, RTMSG_SIZE, RTA_MAX, RTM_IPV6_POLICY, NL_VALIDATE_LIBERAL, extack);
    return p.ok ? { err: 0, tb: p.value } : { err: p.error.err };
  }
  const r = nlh + NLMSG_HDRLEN;
  const srcLen = msg[r + RTMSG_RTM_SRC_LEN] ?? 0;
  const dstLen = msg[r + RTMSG_RTM_DST_LEN] ?? 0;
  if (
    (srcLen !== 0 && srcLen !== 128) ||
    (dstLen !== 0 && dstLen !== 128) ||
    msg[r + RTMSG_RTM_TABLE] !== 0 ||
    msg[r + RTMSG_RTM_PROTOCOL] !== 0 ||
    msg[r + RTMSG_RTM_SCOPE] !== 0 ||
    msg[r + RTMSG_RTM_TYPE] !== 0
  ) {
    extack.msg = 'ipv6: Invalid values in header for get route request';
    return { err: -EINVAL };
  }
  if ((u32le(msg, r + RTMSG_RTM_FLAGS) & ~RTM_F_FIB_MATCH) !== 0) {
    extack.msg = 'ipv6: Invalid flags for get route request';
    return { err: -EINVAL };
  }
  const p = nlmsgParse(msg, nlh, RTMSG_SIZE, RTA_MAX, RTM_IPV6_POLICY, NL_VALIDATE_DEPRECATED_STRICT, extack);
  if (!p.ok) return { err: p.error.err };
  const tb = p.value;
  if ((tb.has(RTA_SRC) && srcLen === 0) || (tb.has(RTA_DST) && dstLen === 0)) {
    extack.msg = 'ipv6: rtm_src_len and rtm_dst_len must be 128 for IPv6';
    return { err: -EINVAL };
  }
  for (let i = 0; i <= RTA_MAX; i++) {
    if (!tb.has(i)) continue;
    if (i === RTA_SRC || i === RTA_DST || i === RTA_IIF || i === RTA_OIF || i === RTA_MARK || i === RTA_UID) continue;
    if (i === RTA_SPORT || i === RTA_DPORT || i === RTA_IP_PROTO) continue;
    extack.msg = 'ipv6: Unsupported attribute in get route request';
    return { err: -EINVAL };
  }
  return { err: 0, tb };
}

/**
 * The dst.error of a route a lookup returned: fib6_prop by route type for reject routes (0 for
 * unicast, so a unicast route through lo answers a route get with "dev lo").
 */
function dstError(rt: Ipv6FibRoute): number {
  if ((rt.flags & RTF_REJECT) === 0) return 0;
  if (rt.type === RTN_BROADCAST || rt.type === RTN_ANYCAST || rt.type === RTN_MULTICAST) return EINVAL;
  return routeTypeErrno(rt.type);
}

function inet6RtmGetroute(sub: Ipv6RouteSubsys, req: RtnlRequest): number {
  const v = validGetrouteReq(req);
  if (v.tb === undefined) return v.err;
  const tb = v.tb;
  const { msg, nlh, net, extack } = req;
  const fibmatch = (u32le(msg, nlh + NLMSG_HDRLEN + RTMSG_RTM_FLAGS) & RTM_F_FIB_MATCH) !== 0;
  const saddr = new Uint8Array(IN6_ADDR_LEN);
  const daddr = new Uint8Array(IN6_ADDR_LEN);
  const src = tb.data(RTA_SRC);
  if (src !== undefined) {
    if (src.length < IN6_ADDR_LEN) return -EINVAL;
    saddr.set(src.subarray(0, IN6_ADDR_LEN));
  }
  const dst = tb.data(RTA_DST);
  if (dst !== undefined) {
    if (dst.length < IN6_ADDR_LEN) return -EINVAL;
    daddr.set(dst.subarray(0, IN6_ADDR_LEN));
  }
  const iif = tb.u32(RTA_IIF) ?? 0;
  const oif = tb.u32(RTA_OIF) ?? 0;
  const proto = tb.u8(RTA_IP_PROTO);
  if (proto !== undefined && proto !== IPPROTO_TCP && proto !== IPPROTO_UDP && proto !== IPPROTO_ICMPV6) {
    extack.msg = 'Unsupported ip proto';
    return -EOPNOTSUPP;
  }
  const fib = sub.fib(net);
  let rt: Ipv6FibRoute | undefined;
  if (iif !== 0) {
    if (deviceOf(net, sub, iif) === undefined) return -ENODEV;
    rt = fib.lookup(daddr);
  } else {
    const flags = oif !== 0 && isUnspecified(saddr) ? RT6_LOOKUP_F_IFACE : 0;
    rt = fib.lookup(daddr, 0, oif, flags);
  }
  if (rt === undefined) return -ENETUNREACH;
  const err = dstError(rt);
  if (err !== 0) return -err;
  const skb = new NetlinkSkb(NLMSG_GOODSIZE);
  let fill: number;
  if (fibmatch) {
    fill = fillNode(sub, net, skb, groupOf(fib, rt), RTM_NEWROUTE, req.portid, req.seq, 0, undefined);
  } else {
    const outDev = (rt.flags & (RTF_LOCAL | RTF_ANYCAST)) !== 0 ? LOOPBACK_IFINDEX : rt.ifindex;
    // ip6_route_get_saddr: the route's preferred source, else a selection for the route's own
    // nexthop device (the address's device for a local route, not lo).
    const prefsrc = iif === 0 ? (rt.prefsrc ?? sub.opts.getSaddr?.(net, rt.ifindex, daddr)) : undefined;
    fill = fillNode(sub, net, skb, [rt], RTM_NEWROUTE, req.portid, req.seq, 0, { dest: daddr, src: saddr, iif, prefsrc, oif: outDev });
  }
  if (fill < 0) return fill;
  return sub.host.rtnl.unicast(net, req.portid, skb);
}

// ---------------------------------------------------------------------------------------------
// Dumps

/** struct fib_dump_filter. */
interface DumpFilter {
  filterSet: boolean;
  dumpRoutes: boolean;
  dumpExceptions: boolean;
  flags: number;
  protocol: number;
  type: number;
  table: number;
  dev: number;
}

/** ip_valid_fib_dump_req (strict dumps). */
function validFibDumpReq(sub: Ipv6RouteSubsys, cb: NetlinkCallback, filter: DumpFilter): number {
  const { msg, nlh, extack } = cb;
  if (u32le(msg, nlh) < NLMSG_HDRLEN + RTMSG_SIZE) {
    extack.msg = 'Invalid header for FIB dump request';
    return -EINVAL;
  }
  const r = nlh + NLMSG_HDRLEN;
  if (msg[r + RTMSG_RTM_DST_LEN] !== 0 || msg[r + RTMSG_RTM_SRC_LEN] !== 0 || msg[r + RTMSG_RTM_TOS] !== 0 || msg[r + RTMSG_RTM_SCOPE] !== 0) {
    extack.msg = 'Invalid values in header for FIB dump request';
    return -EINVAL;
  }
  const flags = u32le(msg, r + RTMSG_RTM_FLAGS);
  if ((flags & ~(RTM_F_CLONED | RTM_F_PREFIX)) !== 0) {
    extack.msg = 'Invalid flags for FIB dump request';
    return -EINVAL;
  }
  if ((flags & RTM_F_CLONED) !== 0) filter.dumpRoutes = false;
  else filter.dumpExceptions = false;
  filter.flags = flags;
  filter.protocol = msg[r + RTMSG_RTM_PROTOCOL] ?? 0;
  filter.type = msg[r + RTMSG_RTM_TYPE] ?? 0;
  filter.table = msg[r + RTMSG_RTM_TABLE] ?? 0;
  const p = nlmsgParse(msg, nlh, RTMSG_SIZE, RTA_MAX, RTM_IPV6_POLICY, NL_VALIDATE_DEPRECATED_STRICT, extack);
  if (!p.ok) return p.error.err;
  const tb = p.value;
  for (let i = 0; i <= RTA_MAX; i++) {
    if (!tb.has(i)) continue;
    if (i === RTA_TABLE) filter.table = tb.u32(i) ?? 0;
    else if (i === RTA_OIF) {
      filter.dev = tb.u32(i) ?? 0;
      if (deviceOf(cb.net, sub, filter.dev) === undefined) return -ENODEV;
    } else {
      extack.msg = 'Unsupported attribute in dump request';
      return -EINVAL;
    }
  }
  if (filter.flags !== 0 || filter.protocol !== 0 || filter.type !== 0 || filter.table !== 0 || filter.dev !== 0) {
    filter.filterSet = true;
    cb.answerFlags |= NLM_F_DUMP_FILTERED;
  }
  return 0;
}

interface DumpState {
  readonly groups: Ipv6FibRoute[][];
  readonly flags: number;
}

/** inet6_dump_fib: the route messages, resuming at cb.args[0]. */
function inet6DumpFib(sub: Ipv6RouteSubsys, skb: NetlinkSkb, cb: NetlinkCallback): number {
  let st = cb.data as DumpState | undefined;
  if (st === undefined) {
    const filter: DumpFilter = { filterSet: false, dumpRoutes: true, dumpExceptions: true, flags: 0, protocol: 0, type: 0, table: 0, dev: 0 };
    const r = cb.nlh + NLMSG_HDRLEN;
    if (cb.strictCheck) {
      const err = validFibDumpReq(sub, cb, filter);
      if (err < 0) return err;
    } else if (u32le(cb.msg, cb.nlh) >= NLMSG_HDRLEN + RTMSG_SIZE) {
      if ((u32le(cb.msg, r + RTMSG_RTM_FLAGS) & RTM_F_PREFIX) !== 0) filter.flags = RTM_F_PREFIX;
    }
    const fib = sub.fib(cb.net);
    let routes: Ipv6FibRoute[];
    if (filter.table !== 0) {
      if (fib.table(filter.table) === undefined) {
        if ((cb.msg[r + RTMSG_RTM_FAMILY] ?? 0) !== AF_INET6) {
          st = { groups: [], flags: 0 };
          cb.data = st;
          return 0;
        }
        cb.extack.msg = 'ipv6: FIB table does not exist';
        return -ENOENT;
      }
      routes = fib.dumpTable(filter.table);
    } else {
      routes = fib.dump();
    }
    const groups: Ipv6FibRoute[][] = [];
    const seen = new Set<Ipv6FibRoute>();
    for (const rt of routes) {
      if (seen.has(rt)) continue;
      const g = qualifiesForEcmp(rt) ? groupOf(fib, rt) : [rt];
      for (const x of g) seen.add(x);
      if (!filter.dumpRoutes) continue;
      if ((filter.flags & RTM_F_PREFIX) !== 0 && (rt.flags & RTF_PREFIX_RT) === 0) continue;
      if (filter.filterSet) {
        if (filter.type !== 0 && rt.type !== filter.type) continue;
        if (filter.dev !== 0 && !g.some((x) => x.ifindex === filter.dev)) continue;
        if (filter.protocol !== 0 && rt.protocol !== filter.protocol) continue;
      }
      groups.push(g);
    }
    const flags = NLM_F_MULTI | (filter.filterSet || !filter.dumpRoutes || !filter.dumpExceptions ? NLM_F_DUMP_FILTERED : 0);
    st = { groups, flags };
    cb.data = st;
    cb.args[0] = 0;
  }
  let i = cb.args[0] ?? 0;
  for (; i < st.groups.length; i++) {
    const g = st.groups[i] as Ipv6FibRoute[];
    const err = fillNode(sub, cb.net, skb, g, RTM_NEWROUTE, cb.portid, cb.seq, st.flags, undefined);
    if (err < 0) {
      cb.args[0] = i;
      return skb.len > 0 ? skb.len : err;
    }
  }
  cb.args[0] = i;
  return 0;
}

// ---------------------------------------------------------------------------------------------
// Routes the kernel itself adds and removes (addrconf prefix and local routes)

/**
 * ip6_ins_rt: inserts `cfg` and announces it to RTNLGRP_IPV6_ROUTE; 0 or a negative errno. With
 * no request header fib6_add neither replaces nor refuses: a route to the same prefix on another
 * device (fe80::/64 on each link) is added beside the others.
 */
export function insertKernelRoute(sub: Ipv6RouteSubsys, net: Net, cfg: Fib6RouteConfig<RouteLwtState>): number {
  const r = sub.fib(net).add(cfg, NLM_F_CREATE);
  if (!r.ok) return -r.error.errno;
  startGc(sub, net, r.value);
  notify(sub, net, RTM_NEWROUTE, [r.value], 0, 0, 0, undefined);
  return 0;
}

/**
 * ip6_del_rt for kernel routes: removes what matches `spec` and announces each removal. With
 * `type`, only a route of that type goes (the kernel deletes the very fib6_info it made: a
 * local and an anycast route can share a prefix).
 */
export function deleteKernelRoute(sub: Ipv6RouteSubsys, net: Net, spec: Fib6DeleteSpec, type?: number): number {
  const fib = sub.fib(net);
  if (type !== undefined) {
    const rt = fib.routesAt(spec.table ?? RT_TABLE_MAIN, spec.dst, spec.dstLen).find((x) => x.type === type && (spec.ifindex === undefined || x.ifindex === spec.ifindex));
    if (rt === undefined || !fib.remove(rt)) return -ESRCH;
    notify(sub, net, RTM_DELROUTE, [rt], 0, 0, 0, undefined);
    return 0;
  }
  const r = fib.delete(spec);
  if (!r.ok) return -r.error.errno;
  for (const rt of r.value) notify(sub, net, RTM_DELROUTE, [rt], 0, 0, 0, undefined);
  return 0;
}

/** rt6_disable_ip / rt6_sync_down_dev(NETDEV_DOWN) for `dev`, with the RTM_DELROUTE messages. */
export function syncDownDev(sub: Ipv6RouteSubsys, dev: NetDevice): void {
  const net = dev.net;
  if (!net.gen.has(sub.key)) return;
  for (const rt of sub.fib(net).ifdown(dev.ifindex, 'down')) notify(sub, net, RTM_DELROUTE, [rt], 0, 0, 0, undefined);
}
