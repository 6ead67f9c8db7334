/**
 * The IPv6 routing tables (FIB) of one namespace, with the semantics of Linux's
 * net/ipv6/ip6_fib.c and net/ipv6/route.c (Linux 6.18):
 *
 * - tables keyed by id, created on first use (fib6_new_table), main (254) and local (255) always
 *   present; dumps visit them in Linux's hash order (bucket id & 255, newest first in a bucket);
 * - `add` follows ip6_route_info_create + fib6_add_rt2node: NLM_F_EXCL gives EEXIST on an equal
 *   metric, an identical nexthop gives EEXIST even without it, NLM_F_REPLACE swaps the first
 *   equal-metric route of the same multipath ability (dropping its siblings), NLM_F_REPLACE
 *   without NLM_F_CREATE gives ENOENT when nothing matches, and gateway routes of equal metric
 *   become multipath siblings (ECMP, RTA_MULTIPATH or `ip route append`);
 * - `delete` follows ip6_route_del: match by prefix and optional metric, protocol, device and
 *   gateway (never by type), ESRCH when nothing matches or the table is missing; without a
 *   gateway the whole sibling group goes;
 * - `lookup` is fib6_rule_lookup with the default rules (local, then main) over
 *   fib6_table_lookup: longest prefix, then rt6_select's scoring (device match, router
 *   preference, dead and linkdown nexthops, expiry) in metric order, backtracking to shorter
 *   prefixes, then fib6_select_path's hash-threshold choice among siblings;
 * - `ifdown`/`ifup` are rt6_sync_down_dev/rt6_sync_up (device unregister, down, carrier loss).
 *
 * Lookups go through a destination cache (Fib6DstCache below), the counterpart of Linux's
 * per-CPU dst cache validated by fn_sernum: every change passes through `commit`, which makes
 * all cached answers stale; answers that depend on the clock hold only within a window that
 * ends at the next route expiry; answers that read ignore_routes_with_linkdown (a sysctl the FIB
 * is not told about) are not cached. Below the cache, the deepest matching prefix comes from
 * the multibit index (fib-lpm.ts), and a node whose only route is live is the answer at once.
 *
 * Not modelled: neighbour reachability scoring (RT6_LOOKUP_F_REACHABLE, used by hosts with
 * forwarding off; with CONFIG_IPV6_ROUTER_PREF it only demotes gateways whose neighbour entry
 * is FAILED, so results agree while no neighbour has failed), nexthop objects (RTA_NH_ID),
 * source routing (subtrees), policy rules other than the two default ones, exception (PMTU,
 * redirect) caches. Checks that need device or address state (ENODEV for an unknown ifindex,
 * ENETDOWN, a gateway that is a local address, a loopback egress) belong to the caller, which
 * owns the devices.
 */

import { ERRNO } from '../uapi/errno.ts';
import { ICMPV6_ROUTER_PREF_MEDIUM } from '../uapi/icmpv6.ts';
import { NLM_F_CREATE, NLM_F_EXCL, NLM_F_REPLACE } from '../uapi/netlink.ts';
import {
  RT_TABLE_LOCAL,
  RT_TABLE_MAIN,
  RTN_BLACKHOLE,
  RTN_LOCAL,
  RTN_MAX,
  RTN_PROHIBIT,
  RTN_THROW,
  RTN_UNICAST,
  RTN_UNREACHABLE,
  RTNH_F_DEAD,
  RTNH_F_LINKDOWN,
  RTPROT_BOOT,
  RTPROT_UNSPEC,
} from '../uapi/rtnetlink.ts';
import { u32 } from '../wire/bytes.ts';
import { Fib6Trie } from './fib-trie.ts';
import {
  RTF_UP,
  RTF_GATEWAY,
  RTF_REJECT,
  RTF_ADDRCONF,
  RTF_ANYCAST,
  RTF_NONEXTHOP,
  RTF_EXPIRES,
  RTF_CACHE,
  RTF_PREF_MASK,
  RTF_PCPU,
  RTF_LOCAL,
  RTF_PREF,
  IP6_RT_PRIO_USER,
} from '../uapi/ipv6_route.ts';
// The route flags live in uapi/ipv6_route.ts; callers of this module keep reaching them here.
export * from '../uapi/ipv6_route.ts';

// Local copies of the numbers the lookup path reads: under tsx's CommonJS interop every use of
// an imported binding is a getter call, which costs more than the whole trie walk.
const THROW = RTN_THROW;
const NH_DEAD = RTNH_F_DEAD;
const NH_LINKDOWN = RTNH_F_LINKDOWN;


/** net->loopback_dev->ifindex: always 1 in every Linux namespace (LOOPBACK_IFINDEX). */
export const LOOPBACK_IFINDEX = 1;

// include/net/ip6_route.h: lookup flags this FIB honours.
export const RT6_LOOKUP_F_IFACE = 0x00000001;
export const RT6_LOOKUP_F_IGNORE_LINKSTATE = 0x00000040;

/** The encap state a route carries for lwtunnel (e.g. ioam6); `type` is LWTUNNEL_ENCAP_*. */
export interface Fib6Lwtstate {
  readonly type: number;
}

/** One route (struct fib6_info with its single fib6_nh). */
export interface Fib6Route<L extends Fib6Lwtstate = Fib6Lwtstate> {
  /** Destination prefix, 16 bytes, bits after `dstLen` zero (ipv6_addr_prefix). */
  readonly dst: Uint8Array;
  readonly dstLen: number;
  readonly table: number;
  /** RTN_*. */
  readonly type: number;
  /** RTPROT_*; RTPROT_UNSPEC becomes RTPROT_BOOT as in the kernel. */
  readonly protocol: number;
  /** The route priority (RTA_PRIORITY). */
  readonly metric: number;
  readonly gateway: Uint8Array | undefined;
  /** Output device; LOOPBACK_IFINDEX for reject routes (blackhole, unreachable, ...). */
  readonly ifindex: number;
  /** RTF_* (never RTF_GATEWAY: as in fib6_info, a gateway lives in the nexthop). */
  readonly flags: number;
  /** RTNH_F_* of the nexthop: DEAD and LINKDOWN change with device events (ifdown, ifup). */
  readonly nhFlags: number;
  /** RTAX_MTU, 0 when unset; updated when an identical route is re-added with an MTU. */
  readonly mtu: number;
  /** Clock nanoseconds after which the route is ignored and collected (RTF_EXPIRES). */
  readonly expires: number | undefined;
  /** Multipath weight, 1..256 (rtnh_hops + 1). */
  readonly weight: number;
  /** Preferred source address (RTA_PREFSRC), when configured. */
  readonly prefsrc: Uint8Array | undefined;
  readonly lwtstate: L | undefined;
}

/** What a caller asks for; fields left out take the kernel's defaults. */
export interface Fib6RouteConfig<L extends Fib6Lwtstate = Fib6Lwtstate> {
  /** 16 bytes; host bits after `dstLen` are cleared, as `ip -6 route add 2001:db8::1/64` does. */
  readonly dst: Uint8Array;
  readonly dstLen: number;
  /** Default RT_TABLE_MAIN. */
  readonly table?: number;
  /** Default RTN_UNICAST (0 means unicast too). */
  readonly type?: number;
  readonly protocol?: number;
  /** Default IP6_RT_PRIO_USER. rtnetlink maps RTA_PRIORITY 0 to it; kernel users may use 0. */
  readonly metric?: number;
  readonly gateway?: Uint8Array;
  readonly ifindex?: number;
  readonly mtu?: number;
  /** Extra RTF_* (e.g. RTF_ADDRCONF, RTF_NONEXTHOP); RTF_PCPU and RTF_CACHE are refused. */
  readonly flags?: number;
  /** RTNH_F_* to start with (e.g. RTNH_F_LINKDOWN when the device has no carrier). */
  readonly nhFlags?: number;
  /** ICMPV6_ROUTER_PREF_* (RTA_PREF); default medium. */
  readonly pref?: number;
  readonly weight?: number;
  readonly expires?: number;
  readonly prefsrc?: Uint8Array;
  readonly lwtstate?: L;
}

/** The fields `ip -6 route del` can match on (ip6_route_del). */
export interface Fib6DeleteSpec {
  readonly dst: Uint8Array;
  readonly dstLen: number;
  readonly table?: number;
  /** 0 or absent: any. */
  readonly metric?: number;
  /** 0 or absent: any. */
  readonly protocol?: number;
  /** 0 or absent: any. */
  readonly ifindex?: number;
  /** When given, only that one nexthop is removed, not its siblings. */
  readonly gateway?: Uint8Array;
}

export interface FibError {
  /** Positive errno (ERRNO.EEXIST, ...). */
  readonly errno: number;
  /** The kernel's extended-ack text, when it sets one. */
  readonly message: string | undefined;
}

export type FibResult<T> = { readonly ok: true; readonly value: T } | { readonly ok: false; readonly error: FibError };

/** The device events the FIB reacts to (NETDEV_UNREGISTER, NETDEV_DOWN, NETDEV_CHANGE). */
export type Fib6DeviceEvent = 'unregister' | 'down' | 'change';

export interface Fib6Options<L extends Fib6Lwtstate> {
  /** Monotonic clock for route expiry; without one, routes never expire. */
  readonly nowNs?: () => number;
  /** The device's ignore_routes_with_linkdown sysctl; default false. */
  readonly ignoreLinkdown?: (ifindex: number) => boolean;
  /** lwtunnel_cmp_encap: are two encap states the same? Default: the same object. */
  readonly lwtEqual?: (a: L, b: L) => boolean;
}

/** The fields the FIB itself updates after insertion, as the kernel does in place. */
type MutableRoute<L extends Fib6Lwtstate> = {
  -readonly [K in 'nhFlags' | 'mtu' | 'expires' | 'flags']: Fib6Route<L>[K];
};

function mut<L extends Fib6Lwtstate>(r: Fib6Route<L>): MutableRoute<L> {
  return r;
}

function fail<T>(errno: number, message?: string): FibResult<T> {
  return { ok: false, error: { errno, message } };
}

/** The dst.error a reject route type gives (fib6_prop in route.c); 0 for forwarding types. */
export function routeTypeErrno(type: number): number {
  switch (type) {
    case RTN_BLACKHOLE:
      return ERRNO.EINVAL;
    case RTN_UNREACHABLE:
      return ERRNO.EHOSTUNREACH;
    case RTN_PROHIBIT:
      return ERRNO.EACCES;
    case RTN_THROW:
      return ERRNO.EAGAIN;
    case 10: // RTN_NAT
    case 11: // RTN_XRESOLVE
      return ERRNO.EINVAL;
    default:
      return 0;
  }
}

function isRejectType(type: number): boolean {
  return type === RTN_UNREACHABLE || type === RTN_BLACKHOLE || type === RTN_PROHIBIT || type === RTN_THROW;
}

/** rt6_qualify_for_ecmp: gateway routes not learned from router advertisements. */
export function qualifiesForEcmp(r: Fib6Route<Fib6Lwtstate>): boolean {
  return (r.flags & RTF_ADDRCONF) === 0 && r.gateway !== undefined;
}

function sameAddr(a: Uint8Array | undefined, b: Uint8Array | undefined): boolean {
  // A missing gateway compares as :: like the zeroed fib_nh_gw6 field.
  for (let i = 0; i < 16; i++) if ((a?.[i] ?? 0) !== (b?.[i] ?? 0)) return false;
  return true;
}

function isLinkLocalUnicast(a: Uint8Array): boolean {
  return a[0] === 0xfe && ((a[1] ?? 0) & 0xc0) === 0x80;
}

function isUnspecified(a: Uint8Array): boolean {
  for (let i = 0; i < 16; i++) if (a[i] !== 0) return false;
  return true;
}

function isLoopbackAddr(a: Uint8Array): boolean {
  for (let i = 0; i < 15; i++) if (a[i] !== 0) return false;
  return a[15] === 1;
}

/** IPV6_DECODE_PREF(IPV6_EXTRACT_PREF(flags)): 1 low, 2 medium, 3 high, 0 invalid. */
function decodedPref(flags: number): number {
  return ((flags & RTF_PREF_MASK) >>> 27) ^ 2;
}

/** The big-endian word at `a[off]` as an int32; bytes past the end read as zero. */
function wordAt(a: Uint8Array, off: number): number {
  return ((a[off] ?? 0) << 24) | ((a[off + 1] ?? 0) << 16) | ((a[off + 2] ?? 0) << 8) | (a[off + 3] ?? 0);
}

/** A prefix as four int32 words. */
function words(a: Uint8Array, off = 0): [number, number, number, number] {
  return [u32(a, off) | 0, u32(a, off + 4) | 0, u32(a, off + 8) | 0, u32(a, off + 12) | 0];
}

function maskedPrefix(a: Uint8Array, plen: number): Uint8Array {
  const out = new Uint8Array(16);
  for (let i = 0; i < 16; i++) {
    const bits = plen - i * 8;
    if (bits >= 8) out[i] = a[i] ?? 0;
    else if (bits > 0) out[i] = (a[i] ?? 0) & (0xff << (8 - bits));
  }
  return out;
}

// The destination cache: entries of eight int32 (four destination words, oif, flags, mpHash,
// stamp), in sets of two.
const DC_ENTRY = 8;
const DC_STAMP = 7;
/** Entries at first, and at most. */
const DC_MIN = 64;
const DC_MAX = 16384;
/** Lookups per measuring period at most, and periods skipped when the cache does not pay. */
const DC_PERIOD_MAX = 16384;
const DC_SKIP_PERIODS = 64;

/**
 * The answers of recent lookups by destination, oif, flags and multipath hash: Linux keeps
 * the route it found in a per-CPU dst cache checked against fn_sernum, so that a flow does not
 * walk the tree per packet; this is that idea for a FIB whose lookup returns fib6_info. A
 * stamp stands for the FIB's version: `invalidate` (every FIB change) moves it on, which makes
 * every entry stale at once. The cache starts at DC_MIN entries and grows while too many
 * lookups miss; when even the largest misses nearly always (destinations spread over many
 * routes), it is skipped for a while, so it costs a spread workload almost nothing.
 */
class Fib6DstCache<R> {
  private keys = new Int32Array(DC_MIN * DC_ENTRY);
  private routes: (R | undefined)[] = new Array<R | undefined>(DC_MIN).fill(undefined);
  /** Entries - 2: masks a hash to the first entry of a set. */
  private setMask = DC_MIN - 2;
  private stamp = 1;
  /** The key of the last miss and its set, which `store` fills; set -1 when nothing to store. */
  private set = -1;
  private k0 = 0;
  private k1 = 0;
  private k2 = 0;
  private k3 = 0;
  private kOif = 0;
  private kFlags = 0;
  private kHash = 0;
  /** Lookups and misses in the current measuring period, and lookups left to skip. */
  private lookups = 0;
  private misses = 0;
  private skip = 0;

  /** Makes every entry stale (the FIB changed). */
  invalidate(): void {
    if (this.stamp === 0x7fffffff) {
      this.keys.fill(0);
      this.stamp = 1;
    } else this.stamp++;
  }

  /** Entries held (for tests and reports). */
  get capacity(): number {
    return this.routes.length;
  }

  /** The entry holding the answer for this lookup, or -1 (then `store` may record it). */
  find(w0: number, w1: number, w2: number, w3: number, oif: number, flags: number, mpHash: number): number {
    // Keys are int32: other values (never sent by the stack) bypass the cache rather than alias.
    if (this.skip > 0 || (oif | 0) !== oif || (flags | 0) !== flags || (mpHash | 0) !== mpHash) {
      if (this.skip > 0) this.skip--;
      this.set = -1;
      return -1;
    }
    this.lookups++;
    let h = Math.imul(w0 ^ oif, 0x9e3779b1) ^ w1;
    h = Math.imul(h ^ (h >>> 15), 0x85ebca77) ^ w2;
    h = Math.imul(h ^ (h >>> 13), 0xc2b2ae3d) ^ w3 ^ mpHash ^ flags;
    h = Math.imul(h ^ (h >>> 16), 0x27d4eb2f);
    const set = (h ^ (h >>> 15)) & this.setMask;
    const k = this.keys;
    const stamp = this.stamp;
    for (let e = set; e < set + 2; e++) {
      const p = e * DC_ENTRY;
      if (
        k[p + DC_STAMP] === stamp &&
        k[p] === w0 &&
        k[p + 1] === w1 &&
        k[p + 2] === w2 &&
        k[p + 3] === w3 &&
        k[p + 4] === oif &&
        k[p + 5] === flags &&
        k[p + 6] === mpHash
      ) {
        return e;
      }
    }
    this.set = set;
    this.k0 = w0;
    this.k1 = w1;
    this.k2 = w2;
    this.k3 = w3;
    this.kOif = oif;
    this.kFlags = flags;
    this.kHash = mpHash;
    return -1;
  }

  routeAt(entry: number): R | undefined {
    return this.routes[entry];
  }

  /** Records the answer for the key of the last `find` that missed; the newest goes first in its set. */
  store(r: R | undefined): void {
    const set = this.set;
    if (set < 0) return;
    this.set = -1;
    const k = this.keys;
    const p = set * DC_ENTRY;
    if (k[p + DC_STAMP] === this.stamp) {
      k.copyWithin(p + DC_ENTRY, p, p + DC_ENTRY);
      this.routes[set + 1] = this.routes[set];
    }
    k[p] = this.k0;
    k[p + 1] = this.k1;
    k[p + 2] = this.k2;
    k[p + 3] = this.k3;
    k[p + 4] = this.kOif;
    k[p + 5] = this.kFlags;
    k[p + 6] = this.kHash;
    k[p + DC_STAMP] = this.stamp;
    this.routes[set] = r;
    this.misses++;
    if (this.lookups >= Math.min(4 * this.routes.length, DC_PERIOD_MAX)) this.adapt();
  }

  /** End of a measuring period: grow when more than 1 lookup in 8 missed, skip when 3 in 4 did at the largest size. */
  private adapt(): void {
    const size = this.routes.length;
    if (this.misses * 8 > this.lookups) {
      if (size < DC_MAX) {
        const grown = Math.min(size * 4, DC_MAX);
        this.keys = new Int32Array(grown * DC_ENTRY);
        this.routes = new Array<R | undefined>(grown).fill(undefined);
        this.setMask = grown - 2;
      } else if (this.misses * 4 > this.lookups * 3) {
        this.skip = DC_SKIP_PERIODS * this.lookups;
      }
    }
    this.lookups = 0;
    this.misses = 0;
  }
}

/** One routing table (struct fib6_table). */
export class Fib6Table<L extends Fib6Lwtstate = Fib6Lwtstate> {
  readonly id: number;
  readonly trie = new Fib6Trie<Fib6Route<L>>();
  /** Number of routes (fib_rt_entries for this table). */
  size = 0;
  /** tb6_gc_hlist: the routes with an expiry, newest first (the garbage collector's order). */
  readonly gcList: Fib6Route<L>[] = [];

  constructor(id: number) {
    this.id = id;
  }
}

/** The FIB of one namespace: all its IPv6 routing tables. */
export class Fib6<L extends Fib6Lwtstate = Fib6Lwtstate> {
  /** Tables in Linux's dump order within each hash bucket (newest first). */
  private readonly tables = new Map<number, Fib6Table<L>>();
  private readonly buckets: Fib6Table<L>[][] = [];
  private readonly nowNs: (() => number) | undefined;
  private readonly ignoreLinkdown: (ifindex: number) => boolean;
  private readonly lwtEqual: (a: L, b: L) => boolean;
  /** Routes with an expiry; lookups read the clock only when there are some. */
  private expiring = 0;
  /** The destination cache (see `lookup`); grows with the traffic, so idle namespaces keep it small. */
  private readonly cache = new Fib6DstCache<Fib6Route<L>>();
  /**
   * The clock window in which cached answers stay right while routes expire: from the time the
   * window was opened to the earliest expiry not yet passed then. NaN forces a new window.
   */
  private windowFrom = Number.NaN;
  private windowUntil = Number.NaN;
  /** Set when a lookup consulted the ignore_routes_with_linkdown sysctl: its answer is not cached. */
  private consultedSysctl = false;
  readonly main: Fib6Table<L>;
  readonly local: Fib6Table<L>;

  constructor(opts: Fib6Options<L> = {}) {
    this.nowNs = opts.nowNs;
    this.ignoreLinkdown = opts.ignoreLinkdown ?? (() => false);
    this.lwtEqual = opts.lwtEqual ?? ((a, b) => a === b);
    // fib6_tables_init links main, then local.
    this.main = this.newTable(RT_TABLE_MAIN);
    this.local = this.newTable(RT_TABLE_LOCAL);
  }

  /** fib6_get_table. */
  table(id: number): Fib6Table<L> | undefined {
    return this.tables.get(id === 0 ? RT_TABLE_MAIN : id);
  }

  /** fib6_new_table: the table, created (and linked at the head of its bucket) if missing. */
  newTable(id: number): Fib6Table<L> {
    const key = id === 0 ? RT_TABLE_MAIN : id;
    const have = this.tables.get(key);
    if (have !== undefined) return have;
    const t = new Fib6Table<L>(key);
    this.tables.set(key, t);
    const h = key & 0xff;
    const bucket = this.buckets[h] ?? [];
    bucket.unshift(t);
    this.buckets[h] = bucket;
    return t;
  }

  /** Tables in the order inet6_dump_fib and /proc/net/ipv6_route visit them. */
  tablesInDumpOrder(): Fib6Table<L>[] {
    const out: Fib6Table<L>[] = [];
    for (let h = 0; h < 256; h++) for (const t of this.buckets[h] ?? []) out.push(t);
    return out;
  }

  /** Total number of routes in all tables. */
  get size(): number {
    let n = 0;
    for (const t of this.tables.values()) n += t.size;
    return n;
  }

  // ---- add ---------------------------------------------------------------------------------

  /**
   * ip6_route_add: validates the configuration, then inserts with `nlFlags` (NLM_F_CREATE,
   * NLM_F_EXCL, NLM_F_REPLACE, NLM_F_APPEND as sent; pass NLM_F_CREATE for in-kernel adds).
   * Returns the route now in the table.
   */
  add(cfg: Fib6RouteConfig<L>, nlFlags: number): FibResult<Fib6Route<L>> {
    const made = this.createRoute(cfg);
    if (!made.ok) return made;
    const rt = made.value;
    const err = this.insert(this.newTable(rt.table), rt, nlFlags);
    if (err !== undefined) return { ok: false, error: err };
    return { ok: true, value: rt };
  }

  /** ip6_route_info_create + fib6_nh_init, for the checks that need only the FIB. */
  private createRoute(cfg: Fib6RouteConfig<L>): FibResult<Fib6Route<L>> {
    const extra = cfg.flags ?? 0;
    if ((extra & RTF_PCPU) !== 0) return fail(ERRNO.EINVAL, 'Userspace can not set RTF_PCPU');
    if ((extra & RTF_CACHE) !== 0) return fail(ERRNO.EINVAL, 'Userspace can not set RTF_CACHE');
    const type = cfg.type ?? RTN_UNICAST;
    if (!Number.isInteger(type) || type < 0 || type > RTN_MAX) return fail(ERRNO.EINVAL, 'Invalid route type');
    if (!Number.isInteger(cfg.dstLen) || cfg.dstLen < 0 || cfg.dstLen > 128) {
      return fail(ERRNO.EINVAL, 'Invalid prefix length');
    }
    if (cfg.dst.length < 16) return fail(ERRNO.EINVAL, 'Invalid prefix length');
    const weight = cfg.weight ?? 1;
    if (!Number.isInteger(weight) || weight < 1 || weight > 256) return fail(ERRNO.EINVAL, 'Invalid nexthop weight');
    let flags = (extra | RTF_UP) & ~RTF_GATEWAY;
    if (isRejectType(type)) flags |= RTF_REJECT;
    if (type === RTN_LOCAL) flags |= RTF_LOCAL;
    if (cfg.expires !== undefined) flags |= RTF_EXPIRES;
    const pref = cfg.pref ?? ICMPV6_ROUTER_PREF_MEDIUM;
    flags = ((flags & ~RTF_PREF_MASK) | RTF_PREF(pref & 3)) >>> 0;
    let ifindex = cfg.ifindex ?? 0;
    let gateway = cfg.gateway;
    // fib6_is_reject: reject types, and true routes via loopback (they would loop), go to lo.
    let expires = cfg.expires;
    const viaLoopback =
      ifindex === LOOPBACK_IFINDEX && !isLoopbackAddr(cfg.dst) && (flags & (RTF_ANYCAST | RTF_LOCAL)) === 0;
    if ((flags & RTF_REJECT) !== 0 || viaLoopback) {
      // ip6_route_info_create overwrites all flags of a reject route (RTF_EXPIRES included).
      flags = RTF_REJECT | RTF_NONEXTHOP;
      expires = undefined;
      ifindex = LOOPBACK_IFINDEX;
      gateway = undefined;
    } else {
      if (gateway !== undefined) {
        const gw = this.validateGateway(gateway, ifindex, cfg.table ?? RT_TABLE_MAIN);
        if (!gw.ok) return gw;
        ifindex = gw.value;
        gateway = gateway.slice(0, 16);
      }
      if (ifindex === 0) return fail(ERRNO.ENODEV);
    }
    const rt: Fib6Route<L> = {
      dst: maskedPrefix(cfg.dst, cfg.dstLen),
      dstLen: cfg.dstLen,
      table: cfg.table === undefined || cfg.table === 0 ? RT_TABLE_MAIN : cfg.table,
      type,
      protocol: cfg.protocol === undefined || cfg.protocol === RTPROT_UNSPEC ? RTPROT_BOOT : cfg.protocol,
      metric: cfg.metric ?? IP6_RT_PRIO_USER,
      gateway,
      ifindex,
      flags: flags >>> 0,
      nhFlags: cfg.nhFlags ?? 0,
      mtu: cfg.mtu ?? 0,
      expires,
      weight,
      prefsrc: cfg.prefsrc?.slice(0, 16),
      lwtstate: cfg.lwtstate,
    };
    return { ok: true, value: rt };
  }

  /**
   * ip6_validate_gw's FIB part: a multicast or unspecified gateway is invalid; a link-local one
   * needs a device; any other must be reachable without a gateway (ip6_route_check_nh: first in
   * the route's table, then through the rules), and gives the device when none was named.
   * Returns the egress ifindex.
   */
  validateGateway(gw: Uint8Array, ifindex: number, table: number): FibResult<number> {
    if (gw.length < 16) return fail(ERRNO.EINVAL, 'Invalid IPv6 address in RTA_GATEWAY');
    if (!isLinkLocalUnicast(gw)) {
      if (gw[0] === 0xff || isUnspecified(gw)) return fail(ERRNO.EINVAL, 'Invalid gateway address');
      let found: Fib6Route<L> | undefined;
      const t = this.table(table);
      if (t !== undefined) {
        const [w0, w1, w2, w3] = words(gw);
        const r = this.lookupIn(t, w0, w1, w2, w3, ifindex, RT6_LOOKUP_F_IFACE | RT6_LOOKUP_F_IGNORE_LINKSTATE, 0, this.clockIfExpiring());
        if (r !== undefined && (r.flags & RTF_REJECT) === 0 && r.gateway === undefined && (ifindex === 0 || r.ifindex === ifindex)) {
          found = r;
        }
      }
      if (found === undefined) {
        const r = this.lookup(gw, 0, ifindex, RT6_LOOKUP_F_IFACE, 0);
        if (r === undefined || (r.flags & RTF_REJECT) !== 0 || r.gateway !== undefined) return fail(ERRNO.EHOSTUNREACH);
        found = r;
      }
      if (ifindex !== 0 && found.ifindex !== ifindex) return fail(ERRNO.EHOSTUNREACH);
      return { ok: true, value: found.ifindex };
    }
    if (ifindex === 0) return fail(ERRNO.EINVAL, 'Egress device not specified');
    return { ok: true, value: ifindex };
  }

  private duplicateNexthop(a: Fib6Route<L>, b: Fib6Route<L>): boolean {
    if (a.ifindex !== b.ifindex || !sameAddr(a.gateway, b.gateway)) return false;
    // lwtunnel_cmp_encap: both absent, or the same type and equal state.
    if (a.lwtstate === undefined || b.lwtstate === undefined) return a.lwtstate === b.lwtstate;
    return a.lwtstate.type === b.lwtstate.type && this.lwtEqual(a.lwtstate, b.lwtstate);
  }

  /** fib6_add + fib6_add_rt2node; undefined on success. */
  private insert(table: Fib6Table<L>, rt: Fib6Route<L>, nlFlags: number): FibError | undefined {
    const replace = (nlFlags & NLM_F_REPLACE) !== 0;
    const add = (nlFlags & NLM_F_CREATE) !== 0;
    const [w0, w1, w2, w3] = words(rt.dst);
    const trie = table.trie;
    // fib6_add_1 refuses to create a node for a REPLACE without CREATE.
    const node = trie.insert(w0, w1, w2, w3, rt.dstLen, add || !replace);
    if (node < 0) return { errno: ERRNO.ENOENT, message: 'Can not replace route - no match found' };
    const list = trie.routesAt(node) ?? [];
    const canEcmp = qualifiesForEcmp(rt);
    let ins = list.length;
    let found = -1;
    let fallback = -1;
    for (let i = 0; i < list.length; i++) {
      const iter = list[i];
      if (iter === undefined) continue;
      if (iter.metric === rt.metric) {
        if ((nlFlags & NLM_F_EXCL) !== 0) return this.abandon(trie, node, { errno: ERRNO.EEXIST, message: undefined });
        if (replace) {
          if (canEcmp === qualifiesForEcmp(iter)) {
            found = i;
            break;
          }
          if (fallback < 0) fallback = i;
          continue;
        }
        if (this.duplicateNexthop(iter, rt)) {
          // An identical route refreshes the expiry and MTU of the one there, and still fails.
          if ((iter.flags & RTF_EXPIRES) !== 0) {
            this.setExpires(iter, rt.expires);
            if (rt.mtu !== 0) mut(iter).mtu = rt.mtu;
          }
          return this.abandon(trie, node, { errno: ERRNO.EEXIST, message: undefined });
        }
      }
      if (iter.metric > rt.metric) {
        ins = i;
        break;
      }
    }
    if (replace && found < 0 && fallback >= 0) found = fallback;
    if (replace && found >= 0) {
      const old = list[found];
      const oldSiblings = old === undefined || !qualifiesForEcmp(old) ? 0 : this.groupSize(list, old);
      list[found] = rt;
      if (old !== undefined) {
        this.forget(old);
        // Replacing one member of a multipath route removes the whole group.
        if (oldSiblings > 0) {
          for (let i = found + 1; i < list.length; ) {
            const r = list[i];
            if (r === undefined || r.metric > rt.metric) break;
            if (qualifiesForEcmp(r)) {
              list.splice(i, 1);
              this.forget(r);
              table.size--;
            } else i++;
          }
        }
      }
      this.remember(rt);
      this.commit(trie, node, list);
      return undefined;
    }
    if (replace && !add) return this.abandon(trie, node, { errno: ERRNO.ENOENT, message: undefined });
    list.splice(ins, 0, rt);
    this.commit(trie, node, list);
    this.remember(rt);
    table.size++;
    return undefined;
  }

  /**
   * Stores a node's list with its lookup shortcut: a lone route with a live nexthop and no
   * expiry is the answer for every lookup without a device constraint.
   */
  private commit(trie: Fib6Trie<Fib6Route<L>>, node: number, list: Fib6Route<L>[]): void {
    // Every change of what a lookup can return passes here: cached answers are stale now.
    this.cache.invalidate();
    this.windowUntil = Number.NaN;
    const only = list.length === 1 ? list[0] : undefined;
    const simple = only !== undefined && only.nhFlags === 0 && only.expires === undefined ? only : undefined;
    trie.setRoutes(node, list, simple);
  }

  /** Number of siblings of `r` among `list` (fib6_nsiblings), counting routes other than r. */
  private groupSize(list: readonly Fib6Route<L>[], r: Fib6Route<L>): number {
    let n = 0;
    for (const x of list) if (x !== r && x.metric === r.metric && qualifiesForEcmp(x)) n++;
    return n;
  }

  /** Undo a node created for a failed add (fib6_add's failure path repairs the tree). */
  private abandon(trie: Fib6Trie<Fib6Route<L>>, node: number, e: FibError): FibError {
    if (trie.routesAt(node) === undefined) trie.prune(node);
    return e;
  }

  private remember(r: Fib6Route<L>): void {
    if (r.expires === undefined) return;
    this.expiring++;
    this.table(r.table)?.gcList.unshift(r);
  }

  private forget(r: Fib6Route<L>): void {
    if (r.expires === undefined) return;
    this.expiring--;
    const gc = this.table(r.table)?.gcList;
    const i = gc === undefined ? -1 : gc.indexOf(r);
    if (gc !== undefined && i >= 0) gc.splice(i, 1);
  }

  /**
   * fib6_set_expires / fib6_clean_expires on a route in the FIB: `expires` (clock ns) sets
   * RTF_EXPIRES, undefined clears it. A route already on the gc list keeps its place there.
   */
  setExpires(rt: Fib6Route<L>, expires: number | undefined): void {
    const table = this.table(rt.table);
    if (table === undefined) return;
    const m = mut(rt);
    if (expires === undefined) {
      this.forget(rt);
      m.expires = undefined;
      m.flags = (rt.flags & ~RTF_EXPIRES) >>> 0;
    } else {
      if (rt.expires === undefined) {
        m.expires = expires;
        this.remember(rt);
      } else m.expires = expires;
      m.flags = (rt.flags | RTF_EXPIRES) >>> 0;
    }
    const [w0, w1, w2, w3] = words(rt.dst);
    const node = table.trie.locate(w0, w1, w2, w3, rt.dstLen);
    const list = node < 0 ? undefined : table.trie.routesAt(node);
    if (list !== undefined) this.commit(table.trie, node, list);
  }

  /** Is any route waiting to expire (what keeps the gc timer running)? */
  get hasExpiring(): boolean {
    return this.expiring > 0;
  }

  // ---- delete ------------------------------------------------------------------------------

  /** ip6_route_del (fc_delete_all_nh set, as for RTM_DELROUTE): the routes removed. */
  delete(spec: Fib6DeleteSpec): FibResult<Fib6Route<L>[]> {
    if (!Number.isInteger(spec.dstLen) || spec.dstLen < 0 || spec.dstLen > 128 || spec.dst.length < 16) {
      return fail(ERRNO.EINVAL);
    }
    const table = this.table(spec.table ?? RT_TABLE_MAIN);
    if (table === undefined) return fail(ERRNO.ESRCH, 'FIB table does not exist');
    const [w0, w1, w2, w3] = words(spec.dst);
    const node = table.trie.locate(w0, w1, w2, w3, spec.dstLen);
    const list = node < 0 ? undefined : table.trie.routesAt(node);
    if (list === undefined) return fail(ERRNO.ESRCH);
    const metric = spec.metric ?? 0;
    const protocol = spec.protocol ?? 0;
    const ifindex = spec.ifindex ?? 0;
    for (const rt of list) {
      if (metric !== 0 && metric !== rt.metric) continue;
      if (protocol !== 0 && protocol !== rt.protocol) continue;
      if (ifindex !== 0 && ifindex !== rt.ifindex) continue;
      if (spec.gateway !== undefined && !sameAddr(spec.gateway, rt.gateway)) continue;
      if (spec.gateway !== undefined) return { ok: true, value: this.removeRoutes(table, node, [rt]) };
      const victims = qualifiesForEcmp(rt)
        ? list.filter((x) => x === rt || (x.metric === rt.metric && qualifiesForEcmp(x)))
        : [rt];
      return { ok: true, value: this.removeRoutes(table, node, victims) };
    }
    return fail(ERRNO.ESRCH);
  }

  /** The routes of one node (exactly `dst`/`dstLen`) of a table, in metric order; [] when none. */
  routesAt(tableId: number, dst: Uint8Array, dstLen: number): readonly Fib6Route<L>[] {
    const table = this.table(tableId);
    if (table === undefined || dst.length < 16 || dstLen < 0 || dstLen > 128) return [];
    const [w0, w1, w2, w3] = words(maskedPrefix(dst, dstLen));
    const node = table.trie.locate(w0, w1, w2, w3, dstLen);
    return node < 0 ? [] : (table.trie.routesAt(node) ?? []);
  }

  /** Removes a route that is in the FIB (fib6_del); false when it is not there. */
  remove(rt: Fib6Route<L>): boolean {
    const table = this.table(rt.table);
    if (table === undefined) return false;
    const [w0, w1, w2, w3] = words(rt.dst);
    const node = table.trie.locate(w0, w1, w2, w3, rt.dstLen);
    if (node < 0 || !(table.trie.routesAt(node) ?? []).includes(rt)) return false;
    this.removeRoutes(table, node, [rt]);
    return true;
  }

  private removeRoutes(table: Fib6Table<L>, node: number, victims: Fib6Route<L>[]): Fib6Route<L>[] {
    const list = table.trie.routesAt(node);
    if (list === undefined) return [];
    const keep = list.filter((r) => !victims.includes(r));
    const gone = list.filter((r) => victims.includes(r));
    for (const r of gone) this.forget(r);
    table.size -= gone.length;
    this.commit(table.trie, node, keep);
    if (keep.length === 0) table.trie.prune(node);
    return gone;
  }

  // ---- device events -----------------------------------------------------------------------

  /**
   * rt6_sync_down_dev (fib6_ifdown): 'unregister' removes every route through the device;
   * 'down' removes single-path routes through it and marks multipath members DEAD|LINKDOWN,
   * removing the whole group once every member is dead; 'change' (carrier lost) marks routes
   * through it LINKDOWN, except local and anycast ones. Returns the routes removed, in walk
   * order.
   */
  ifdown(ifindex: number, event: Fib6DeviceEvent): Fib6Route<L>[] {
    const removed: Fib6Route<L>[] = [];
    for (const table of this.tablesInDumpOrder()) {
      const nodes: number[] = [];
      table.trie.walk((node) => nodes.push(node));
      for (const node of nodes) {
        const list = table.trie.routesAt(node);
        if (list === undefined) continue;
        const victims: Fib6Route<L>[] = [];
        const doneGroups = new Set<number>();
        for (const rt of list) {
          if (event === 'unregister') {
            if (rt.ifindex === ifindex) victims.push(rt);
          } else if (event === 'change') {
            if (rt.ifindex === ifindex && (rt.flags & (RTF_LOCAL | RTF_ANYCAST)) === 0) mut(rt).nhFlags |= RTNH_F_LINKDOWN;
          } else if (!qualifiesForEcmp(rt) || this.groupSize(list, rt) === 0) {
            if (rt.ifindex === ifindex) victims.push(rt);
          } else if (!doneGroups.has(rt.metric)) {
            doneGroups.add(rt.metric);
            const group = list.filter((x) => x.metric === rt.metric && qualifiesForEcmp(x));
            if (!group.some((x) => x.ifindex === ifindex)) continue;
            const dead = group.filter((x) => x.ifindex === ifindex || (x.nhFlags & RTNH_F_DEAD) !== 0).length;
            if (dead === group.length) victims.push(...group);
            else for (const x of group) if (x.ifindex === ifindex) mut(x).nhFlags |= RTNH_F_DEAD | RTNH_F_LINKDOWN;
          }
        }
        if (victims.length > 0) removed.push(...this.removeRoutes(table, node, victims));
        else this.commit(table.trie, node, list);
      }
    }
    return removed;
  }

  /** rt6_sync_up (fib6_ifup): clears `nhFlags` (RTNH_F_DEAD, RTNH_F_LINKDOWN) on the device's routes. */
  ifup(ifindex: number, nhFlags: number): void {
    for (const table of this.tables.values()) {
      table.trie.walk((node, list) => {
        for (const rt of list) if (rt.ifindex === ifindex) mut(rt).nhFlags &= ~nhFlags;
        this.commit(table.trie, node, list);
      });
    }
  }

  /**
   * fib6_gc_all's aging (fib6_age): removes the routes whose expiry has passed, table by table in
   * hash order and newest first within a table (tb6_gc_hlist); returns them in that order.
   */
  collectExpired(): Fib6Route<L>[] {
    if (this.expiring === 0 || this.nowNs === undefined) return [];
    const now = this.nowNs();
    const removed: Fib6Route<L>[] = [];
    for (const table of this.tablesInDumpOrder()) {
      for (const r of [...table.gcList]) {
        if (r.expires === undefined || !(now > r.expires)) continue;
        const [w0, w1, w2, w3] = words(r.dst);
        const node = table.trie.locate(w0, w1, w2, w3, r.dstLen);
        if (node >= 0) removed.push(...this.removeRoutes(table, node, [r]));
      }
    }
    return removed;
  }

  // ---- lookup ------------------------------------------------------------------------------

  /**
   * The route for a destination through the default rules (`ip -6 rule`: local, then main),
   * as ip6_route_output/ip6_route_input pick it: a table whose answer is nothing or a throw
   * route passes to the next rule. undefined means no route (ENETUNREACH); a reject route
   * comes back as is (see routeTypeErrno). `oif` with RT6_LOOKUP_F_IFACE restricts to that
   * device; `mpHash` (31 bits) picks among multipath siblings as fib6_select_path does.
   * Answers come from the destination cache when it holds them. Allocates nothing.
   */
  lookup(dst: Uint8Array, dstOffset = 0, oif = 0, flags = 0, mpHash = 0): Fib6Route<L> | undefined {
    let now = -Infinity;
    if (this.expiring > 0 && this.nowNs !== undefined) {
      now = this.nowNs();
      // A route's expiry changes answers without a FIB change: outside the window, start anew.
      if (!(now >= this.windowFrom && now <= this.windowUntil)) this.openWindow(now);
    }
    // The address is read once, as four words, for the cache key and both tables.
    const w0 = wordAt(dst, dstOffset);
    const w1 = wordAt(dst, dstOffset + 4);
    const w2 = wordAt(dst, dstOffset + 8);
    const w3 = wordAt(dst, dstOffset + 12);
    const c = this.cache;
    const slot = c.find(w0, w1, w2, w3, oif, flags, mpHash);
    if (slot >= 0) return c.routeAt(slot);
    this.consultedSysctl = false;
    let out: Fib6Route<L> | undefined;
    const r = this.lookupIn(this.local, w0, w1, w2, w3, oif, flags, mpHash, now);
    if (r !== undefined && r.type !== THROW) out = r;
    else {
      const m = this.lookupIn(this.main, w0, w1, w2, w3, oif, flags, mpHash, now);
      if (m !== undefined && m.type !== THROW) out = m;
    }
    if (!this.consultedSysctl) c.store(out);
    return out;
  }

  /**
   * Starts a clock window at `now`: cached answers are dropped, and the new ones hold until the
   * earliest expiry still ahead (a route is usable while now <= expires).
   */
  private openWindow(now: number): void {
    this.cache.invalidate();
    let until = Infinity;
    for (const t of this.tables.values()) {
      for (const r of t.gcList) if (r.expires !== undefined && r.expires >= now && r.expires < until) until = r.expires;
    }
    this.windowFrom = now;
    this.windowUntil = until;
  }

  /** fib6_table_lookup + fib6_select_path in one table; undefined is the null entry. */
  lookupTable(tableId: number, dst: Uint8Array, dstOffset = 0, oif = 0, flags = 0, mpHash = 0): Fib6Route<L> | undefined {
    const t = this.table(tableId);
    if (t === undefined) return undefined;
    const o = dstOffset;
    return this.lookupIn(t, wordAt(dst, o), wordAt(dst, o + 4), wordAt(dst, o + 8), wordAt(dst, o + 12), oif, flags, mpHash, this.clockIfExpiring());
  }

  /** The clock, or -Infinity (no route expires) when no route has an expiry. */
  private clockIfExpiring(): number {
    return this.expiring > 0 && this.nowNs !== undefined ? this.nowNs() : -Infinity;
  }

  private lookupIn(
    t: Fib6Table<L>,
    w0: number,
    w1: number,
    w2: number,
    w3: number,
    oif: number,
    flags: number,
    mpHash: number,
    now: number,
  ): Fib6Route<L> | undefined {
    const trie = t.trie;
    // The deepest matching prefix comes from the multibit index (fib-lpm.ts); the tree walk
    // below is needed only to backtrack when that node has no usable route.
    const deepest = trie.lookupNodeWords(w0, w1, w2, w3);
    if (deepest < 0) return undefined;
    // A lone live route scores >= 0 for any device unless the lookup is strict about it, and
    // has no siblings to choose among.
    const s = trie.simpleAt(deepest);
    if (s !== undefined && (oif === 0 || (flags & RT6_LOOKUP_F_IFACE) === 0 || s.ifindex === oif)) return s;
    const top = trie.routesAt(deepest);
    const first = top === undefined ? undefined : this.select(top, oif, flags, now);
    if (top !== undefined && first !== undefined) return this.selectPath(top, first, oif, flags, mpHash);
    const n = trie.matchPath(w0, w1, w2, w3);
    // Shorter prefixes, deepest first: a node with no usable route falls back to its parent
    // (fib6_backtrack).
    for (let i = n - 1; i >= 0; i--) {
      if (trie.matched(i) === deepest) continue;
      const list = trie.routesAt(trie.matched(i));
      if (list === undefined) continue;
      const r = this.select(list, oif, flags, now);
      if (r !== undefined) return this.selectPath(list, r, oif, flags, mpHash);
    }
    return undefined;
  }

  /** rt6_select/find_rr_leaf: the best-scoring route of the first metric, else of the rest. */
  private select(list: Fib6Route<L>[], oif: number, flags: number, now: number): Fib6Route<L> | undefined {
    const head = list[0];
    if (head === undefined) return undefined;
    let best: Fib6Route<L> | undefined;
    let bestScore = -1;
    let i = 0;
    for (; i < list.length; i++) {
      const r = list[i];
      if (r === undefined) continue;
      if (r.metric !== head.metric) break;
      const s = this.score(r, oif, flags, now);
      if (s > bestScore) {
        best = r;
        bestScore = s;
      }
    }
    if (best !== undefined) return best;
    for (; i < list.length; i++) {
      const r = list[i];
      if (r === undefined) continue;
      const s = this.score(r, oif, flags, now);
      if (s > bestScore) {
        best = r;
        bestScore = s;
      }
    }
    return best;
  }

  /** find_match + rt6_score_route; -1 when the route cannot be used. */
  private score(r: Fib6Route<L>, oif: number, flags: number, now: number): number {
    if (r.expires !== undefined && now > r.expires) return -1;
    if ((r.nhFlags & NH_DEAD) !== 0) return -1;
    if ((r.nhFlags & NH_LINKDOWN) !== 0 && (flags & RT6_LOOKUP_F_IGNORE_LINKSTATE) === 0 && this.linkdownIgnored(r.ifindex)) {
      return -1;
    }
    let m = oif === 0 || r.ifindex === oif ? 2 : 0;
    if (m === 0 && (flags & RT6_LOOKUP_F_IFACE) !== 0) return -1;
    m |= decodedPref(r.flags) << 2;
    return m;
  }

  private isDead(r: Fib6Route<L>): boolean {
    return (r.nhFlags & NH_DEAD) !== 0 || ((r.nhFlags & NH_LINKDOWN) !== 0 && this.linkdownIgnored(r.ifindex));
  }

  /** The device's ignore_routes_with_linkdown: a sysctl the FIB is not told about when it changes. */
  private linkdownIgnored(ifindex: number): boolean {
    this.consultedSysctl = true;
    return this.ignoreLinkdown(ifindex);
  }

  /**
   * fib6_select_path: among the match's siblings, the first (in order) whose hash-threshold
   * region (rt6_multipath_rebalance's upper bound over live weights) holds `mpHash`. With an
   * oif match requested, the match stands.
   */
  private selectPath(list: Fib6Route<L>[], match: Fib6Route<L>, oif: number, flags: number, mpHash: number): Fib6Route<L> {
    if (!qualifiesForEcmp(match) || (oif !== 0 && (flags & RT6_LOOKUP_F_IFACE) !== 0)) return match;
    let total = 0;
    let members = 0;
    for (let i = 0; i < list.length; i++) {
      const r = list[i];
      if (r === undefined || r.metric !== match.metric || !qualifiesForEcmp(r)) continue;
      members++;
      if (!this.isDead(r)) total += r.weight;
    }
    if (members < 2) return match;
    let w = 0;
    let first = true;
    for (let i = 0; i < list.length; i++) {
      const r = list[i];
      if (r === undefined || r.metric !== match.metric || !qualifiesForEcmp(r)) continue;
      let bound = -1;
      if (!this.isDead(r)) {
        w += r.weight;
        // DIV_ROUND_CLOSEST_ULL(w << 31, total) - 1
        bound = Math.floor((w * 2147483648 + Math.floor(total / 2)) / total) - 1;
      }
      if (first) {
        first = false;
        if (mpHash <= bound) return this.score(r, oif, flags, -Infinity) >= 0 ? r : match;
        continue;
      }
      if (mpHash > bound) continue;
      return this.score(r, oif, flags, -Infinity) >= 0 ? r : match;
    }
    return match;
  }

  // ---- dump --------------------------------------------------------------------------------

  /** Routes of one table in `ip -6 route show table N` order (fib6_walk post-order). */
  dumpTable(tableId: number): Fib6Route<L>[] {
    const out: Fib6Route<L>[] = [];
    this.table(tableId)?.trie.walk((_n, list) => {
      for (const r of list) out.push(r);
    });
    return out;
  }

  /** Every route of every table, in `ip -6 route show table all` order. */
  dump(): Fib6Route<L>[] {
    const out: Fib6Route<L>[] = [];
    for (const t of this.tablesInDumpOrder()) {
      t.trie.walk((_n, list) => {
        for (const r of list) out.push(r);
      });
    }
    return out;
  }

  /** The multipath group of a route (itself first if it is the first), in chain order. */
  siblings(rt: Fib6Route<L>): Fib6Route<L>[] {
    if (!qualifiesForEcmp(rt)) return [rt];
    const table = this.table(rt.table);
    if (table === undefined) return [rt];
    const [w0, w1, w2, w3] = words(rt.dst);
    const node = table.trie.locate(w0, w1, w2, w3, rt.dstLen);
    const list = node < 0 ? undefined : table.trie.routesAt(node);
    if (list === undefined) return [rt];
    return list.filter((x) => x.metric === rt.metric && qualifiesForEcmp(x));
  }
}
