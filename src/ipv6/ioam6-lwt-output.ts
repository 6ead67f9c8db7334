/**
 * The output side of the IOAM lightweight tunnel, after Linux 6.18 net/ipv6/ioam6_iptunnel.c
 * (ioam6_output, ioam6_do_inline, ioam6_do_encap, ioam6_do_fill) and net/core/lwtunnel.c
 * (lwtunnel_output's recursion guard). A route with `encap ioam6` runs this before ip6_output
 * (output.ts calls the `lwtOutput` hook for LWTUNNEL_ENCAP_IOAM6).
 *
 * ioam6_output, in order:
 * 1. the route's packet counter is read and incremented (pkt_cnt, a u32): the packet gets IOAM
 *    when `count % n < k`, so with freq k/n the first k packets of every n do (3/5 over ten
 *    packets: 1-3 and 6-8); others go straight to ip6_output;
 * 2. the mode: inline; encap; auto, which is inline for a packet this node originates
 *    (skb->dev is NULL before ip6_output) and encap for a forwarded one (skb->dev is the
 *    ingress device). Inline skips (straight to ip6_output) a packet whose IPv6 header already
 *    has Next Header 0, Hop-by-Hop: the counter has still moved;
 * 3. inline (ioam6_do_inline): the IPv6 header moves up by the template's length and the
 *    Hop-by-Hop template (ioam6-iptunnel.ts: HBH header, PadN, IOAM option, trace header,
 *    zeroed data, trailing PadN) goes between it and the old first header; the template's Next
 *    Header is the packet's, the packet's becomes 0 and Payload Length grows;
 * 4. encap (ioam6_do_encap): an outer IPv6 header copied from the inner one (so Traffic Class,
 *    Flow Label and Hop Limit are the inner packet's, hop limit already decremented when
 *    forwarded), Next Header 0, the template with Next Header 41, destination `tundst`, source
 *    `tunsrc` or else ipv6_dev_get_saddr(IPV6_PREFER_SRC_PUBLIC) on the route's device towards
 *    tundst (addrconf-saddr.ts); when no address fits the copied inner source stays (the kernel
 *    ignores that function's error). The selected source is kept for the route's state and
 *    device until addrconf's generation moves (an address, its flags or a sysctl changed);
 * 5. ioam6_do_fill: when the trace's Namespace-ID is configured in this namespace the node
 *    fills its own entry (ioam6_fill_trace_data with is_input false: the hop limit as it is).
 *    The egress device's ioam6_enabled does not matter here (it only gates receive);
 * 6. the route again, for the new header (ip6_route_output with the header's addresses): a
 *    reject route or none drops the packet (no counter: the lookup's dst->error); the same
 *    route (the same lwtstate: inline, or a tundst this route covers) goes on to ip6_output
 *    with it, and is remembered for good (the kernel caches its fake null_dst, which no FIB
 *    change invalidates); a different route sends the packet along that route's output
 *    (dst_output: its own lwtunnel, then ip6_output on its device; a local tundst goes out
 *    through loopback). Real routes are looked up again for every packet: the kernel's
 *    dst_cache gives the same answer, since its entry is invalidated whenever the FIB changes.
 * lwtunnel_output refuses to nest deeper than XMIT_RECURSION_LIMIT (8): nine nested lwtunnel
 * outputs on one packet's path run, the tenth drops the packet, which ends an encap loop
 * between routes.
 *
 * MTU. ioam6_build_state never sets lwt->headroom, so lwtunnel_headroom is 0 for IOAM: neither
 * ip6_forward's check nor the route MTU account for the added bytes. A packet that fits before
 * insertion and not after fails in ip6_finish_output (output.ts): a forwarded packet gets Packet
 * Too Big with the unchanged MTU, sent to the source of the packet as it now is (the original
 * sender for inline; this node itself for encap), and Ip6FragFails; a packet of ours is
 * fragmented (when the fragmentation hook is there) or counted in Ip6FragFails. So no
 * `lwtHeadroom` hook is installed.
 *
 * Counters: none of its own (ip6_output counts Ip6OutTransmits with the new length; forwarding
 * or local output counted before). Drops carry NOT_SPECIFIED (kfree_skb).
 *
 * Nothing is allocated per packet when the buffer has room before its data (push into the
 * headroom, copyWithin for the moved header); otherwise PacketBuffer.ensureHeadroom grows it
 * (skb_cow_head). Source selection for encap without `tunsrc` runs again only when addresses
 * changed (see 4.); it allocates then, not per packet.
 */

import type { Net, World } from '../net/net.ts';
import type { PacketBuffer } from '../net/packet-buffer.ts';
import type { PernetKey, PernetOperations } from '../net/pernet.ts';
import { SKB_DROP_REASON_NOT_SPECIFIED } from '../uapi/dropreason.ts';
import { EEXIST } from '../uapi/errno.ts';
import { IOAM6_HDR_LEN } from '../uapi/ioam6.ts';
import { IOAM6_IPTUNNEL_MODE_AUTO, IOAM6_IPTUNNEL_MODE_ENCAP, IOAM6_IPTUNNEL_MODE_INLINE } from '../uapi/ioam6_iptunnel.ts';
import { IPV6_HDR_LEN, NEXTHDR_HOP, NEXTHDR_IPV6 } from '../uapi/ipv6.ts';
import { LWTUNNEL_ENCAP_IOAM6 } from '../uapi/lwtunnel.ts';
import { RTN_ANYCAST, RTN_LOCAL, RTN_UNICAST } from '../uapi/rtnetlink.ts';
import { setU16, u16 } from '../wire/bytes.ts';
import { type Result, ok } from '../wire/result.ts';
import { IPV6_FIELD } from '../wire/ipv6.ts';
import { LOOPBACK_IFINDEX, type Fib6Route } from './fib.ts';
import { ipv6DevGetSaddr } from './icmp.ts';
import { IPV6_PREFER_SRC_PUBLIC } from '../uapi/in6.ts';
import type { Ioam6Namespace, Ioam6PernetData } from './ioam6.ts';
import type { Ioam6LwtState } from './ioam6-iptunnel.ts';
import type { Ipv6Net, Ipv6Registration, LwtOutputHook } from './ipv6.ts';
import { ip6DstOutput } from './output.ts';
import { VERDICT_CONSUMED, VERDICT_CONTINUE, verdictDrop } from './verdict.ts';

const F = IPV6_FIELD;
const ADDR_LEN = 16;
/** XMIT_RECURSION_LIMIT (include/linux/netdevice.h): lwtunnel_output drops above it. */
export const XMIT_RECURSION_LIMIT = 8;
/** struct ipv6_hopopt_hdr + the 2-octet PadN + struct ioam6_hdr: where the trace header starts. */
const TRACE_IN_HBH = 2 + 2 + IOAM6_HDR_LEN;

const DROP = verdictDrop(SKB_DROP_REASON_NOT_SPECIFIED);

/** ioam6_fill_trace_data's signature (ioam6-hbh.ts): `trace` is absolute in pkb.buf. */
export type Ioam6TraceFiller = (ip6: Ipv6Net, pkb: PacketBuffer, ns: Ioam6Namespace, trace: number, isInput: boolean) => void;

/** The IOAM lwtunnel output of one network namespace. */
export class Ioam6LwtOutput {
  readonly ip6: Ipv6Net;
  readonly ioam: Ioam6PernetData;
  readonly #fill: Ioam6TraceFiller;
  /** dev_xmit_recursion's count while IOAM outputs nest on one packet's path. */
  #depth = 0;
  /** The hook installed in `ip6.lwtOutput` (bound once, so registering allocates nothing later). */
  readonly hook: LwtOutputHook;
  /** The last encap source selected: for this state, device and addrconf generation. */
  readonly #src: EncapSource = { st: null, ifindex: 0, generation: -1, addr: new Uint8Array(16), found: false };

  constructor(ip6: Ipv6Net, ioam: Ioam6PernetData, fill: Ioam6TraceFiller) {
    this.ip6 = ip6;
    this.ioam = ioam;
    this.#fill = fill;
    this.hook = (_ip6, pkb, rt) => this.output(pkb, rt);
  }

  /** lwtunnel_output + ioam6_output for `pkb` along `rt` (whose lwtstate is IOAM): a verdict. */
  output(pkb: PacketBuffer, rt: Fib6Route): number {
    const st = rt.lwtstate as Ioam6LwtState | undefined;
    if (st === undefined || st.type !== LWTUNNEL_ENCAP_IOAM6) return VERDICT_CONTINUE;
    if (this.#depth > XMIT_RECURSION_LIMIT) return DROP;
    this.#depth++;
    try {
      return this.#output(pkb, rt, st);
    } finally {
      this.#depth--;
    }
  }

  #output(pkb: PacketBuffer, rt: Fib6Route, st: Ioam6LwtState): number {
    const cnt = st.pktCnt;
    st.pktCnt = (cnt + 1) >>> 0;
    if (cnt % st.freqN >= st.freqK) return VERDICT_CONTINUE;
    pkb.data = pkb.networkHeader;
    let mode = st.mode;
    if (mode === IOAM6_IPTUNNEL_MODE_AUTO) mode = pkb.dev === null ? IOAM6_IPTUNNEL_MODE_INLINE : IOAM6_IPTUNNEL_MODE_ENCAP;
    if (mode === IOAM6_IPTUNNEL_MODE_INLINE) {
      if (pkb.buf[pkb.networkHeader + F.NEXT_HEADER] === NEXTHDR_HOP) return VERDICT_CONTINUE;
      ioam6DoInline(pkb, st);
    } else if (mode === IOAM6_IPTUNNEL_MODE_ENCAP) {
      ioam6DoEncap(this.ip6, pkb, st, rt, this.#src);
    } else {
      return DROP;
    }
    // skb_dst is still the route that brought the packet here while the entry is filled.
    pkb.route = rt;
    this.#doFill(pkb);
    if (st.sameDst) return VERDICT_CONTINUE;
    const ip6 = this.ip6;
    const nrt = ip6.fib.lookup(pkb.buf, pkb.networkHeader + F.DST_ADDR, 0, 0);
    if (nrt === undefined || (nrt.type !== RTN_UNICAST && nrt.type !== RTN_LOCAL && nrt.type !== RTN_ANYCAST)) return DROP;
    if (nrt.lwtstate === rt.lwtstate) {
      st.sameDst = true;
      return VERDICT_CONTINUE;
    }
    // dst_output along the new route; its verdict is applied here, where its device is known.
    const dev = ip6.device(nrt.type === RTN_UNICAST ? nrt.ifindex : LOOPBACK_IFINDEX);
    if (dev === undefined) return DROP;
    pkb.route = nrt;
    ip6.apply(pkb, ip6DstOutput(ip6, pkb, nrt, dev), dev);
    return VERDICT_CONSUMED;
  }

  /** ioam6_do_fill: this node's entry, when the trace's namespace is configured here. */
  #doFill(pkb: PacketBuffer): void {
    const trace = pkb.transportHeader + TRACE_IN_HBH;
    const ns = this.ioam.namespace(u16(pkb.buf, trace));
    if (ns !== undefined) this.#fill(this.ip6, pkb, ns, trace, false);
  }
}

/** The template's length in octets: (hdrlen + 1) * 8. */
function templateLen(st: Ioam6LwtState): number {
  return ((st.encap[1] ?? 0) + 1) << 3;
}

/**
 * ioam6_do_inline: the Hop-by-Hop template inserted after the IPv6 header of the packet at
 * pkb.networkHeader (= pkb.data). Afterwards data and networkHeader are the moved header and
 * transportHeader the Hop-by-Hop header.
 */
export function ioam6DoInline(pkb: PacketBuffer, st: Ioam6LwtState): void {
  const hdrlen = templateLen(st);
  pkb.ensureHeadroom(hdrlen);
  const old = pkb.data;
  const at = pkb.push(hdrlen);
  const b = pkb.buf;
  b.copyWithin(at, old, old + IPV6_HDR_LEN);
  const hbh = at + IPV6_HDR_LEN;
  const nexthdr = b[at + F.NEXT_HEADER] ?? 0;
  b.set(st.encap, hbh);
  b[hbh] = nexthdr;
  b[at + F.NEXT_HEADER] = NEXTHDR_HOP;
  setU16(b, at + F.PAYLOAD_LENGTH, (pkb.tail - at - IPV6_HDR_LEN) & 0xffff);
  pkb.networkHeader = at;
  pkb.transportHeader = hbh;
}

/**
 * ioam6_do_encap: an outer IPv6 header and the Hop-by-Hop template in front of the packet at
 * pkb.networkHeader (= pkb.data); `rt` is the route whose device source selection uses, `cache`
 * the output path's remembered source (encapSource).
 */
export function ioam6DoEncap(ip6: Ipv6Net, pkb: PacketBuffer, st: Ioam6LwtState, rt: Fib6Route, cache: EncapSource): void {
  const hdrlen = templateLen(st);
  const len = IPV6_HDR_LEN + hdrlen;
  pkb.ensureHeadroom(len);
  const inner = pkb.data;
  const at = pkb.push(len);
  const b = pkb.buf;
  b.copyWithin(at, inner, inner + IPV6_HDR_LEN);
  const hbh = at + IPV6_HDR_LEN;
  b.set(st.encap, hbh);
  b[hbh] = NEXTHDR_IPV6;
  b[at + F.NEXT_HEADER] = NEXTHDR_HOP;
  setU16(b, at + F.PAYLOAD_LENGTH, (pkb.tail - at - IPV6_HDR_LEN) & 0xffff);
  // The addresses are 16 octets each (ioam6-iptunnel.ts slices them so): set() takes them whole.
  b.set(st.tundst, at + F.DST_ADDR);
  const src = st.tunsrc ?? encapSource(ip6, st, rt.ifindex, cache);
  if (src !== undefined) b.set(src, at + F.SRC_ADDR);
  pkb.networkHeader = at;
  pkb.transportHeader = hbh;
}

/** One remembered answer of ipv6_dev_get_saddr for an encap (see ioam6DoEncap). */
export interface EncapSource {
  st: Ioam6LwtState | null;
  ifindex: number;
  generation: number;
  readonly addr: Uint8Array;
  found: boolean;
}

/** The outer source towards `st.tundst` via `ifindex`: the cached answer while it holds. */
function encapSource(ip6: Ipv6Net, st: Ioam6LwtState, ifindex: number, c: EncapSource): Uint8Array | undefined {
  const ac = ip6.addrconf;
  const gen = ac.generation;
  if (c.st !== st || c.ifindex !== ifindex || c.generation !== gen) {
    const a = ac.saddr !== undefined ? ac.saddr(ifindex, st.tundst, IPV6_PREFER_SRC_PUBLIC) : ipv6DevGetSaddr(ip6, ifindex, st.tundst);
    c.st = st;
    c.ifindex = ifindex;
    c.generation = gen;
    c.found = a !== undefined;
    if (a !== undefined) c.addr.set(a.subarray(0, ADDR_LEN));
  }
  return c.found ? c.addr : undefined;
}

// ---------------------------------------------------------------------------------------------
// Registration

/** What registerIoam6Lwt needs (a Kernel with its data path has these). */
export interface Ioam6LwtHost {
  readonly world: World;
  readonly ipv6: Ipv6Registration;
  readonly ioam6Key: PernetKey<Ioam6PernetData>;
  /** ioam6_fill_trace_data (ioam6-hbh.ts's ioam6FillTraceData). */
  readonly fill: Ioam6TraceFiller;
}

/** The registered output path: `get(net)` is a namespace's state. */
export class Ioam6LwtRegistration {
  readonly key: PernetKey<Ioam6LwtOutput>;
  readonly ops: PernetOperations<Net, Ioam6LwtOutput>;

  constructor(key: PernetKey<Ioam6LwtOutput>, ops: PernetOperations<Net, Ioam6LwtOutput>) {
    this.key = key;
    this.ops = ops;
  }

  get(net: Net): Ioam6LwtOutput {
    return net.generic(this.key);
  }
}

/**
 * ioam6_iptunnel_init's data-path half: the LWTUNNEL_ENCAP_IOAM6 output hook in every
 * namespace, present and future, as pernet operations registered after IPv6 and the IOAM
 * tables. -EEXIST when another output already holds the type.
 */
export function registerIoam6Lwt(host: Ioam6LwtHost): Result<Ioam6LwtRegistration, number> {
  const ops: PernetOperations<Net, Ioam6LwtOutput> = {
    name: 'ioam6-lwt',
    state: (net) => new Ioam6LwtOutput(host.ipv6.get(net), net.generic(host.ioam6Key), host.fill),
    init: (_net, out) => {
      const hooks = out.ip6.lwtOutput;
      if (hooks.has(LWTUNNEL_ENCAP_IOAM6)) return -EEXIST;
      hooks.set(LWTUNNEL_ENCAP_IOAM6, out.hook);
      return 0;
    },
    exit: (_net, out) => {
      const hooks = out.ip6.lwtOutput;
      if (hooks.get(LWTUNNEL_ENCAP_IOAM6) === out.hook) hooks.delete(LWTUNNEL_ENCAP_IOAM6);
    },
  };
  const key = host.world.pernet.registerSubsys(ops);
  if (!key.ok) return key;
  return ok(new Ioam6LwtRegistration(key.value, ops));
}

/** Undoes registerIoam6Lwt. */
export function unregisterIoam6Lwt(world: World, reg: Ioam6LwtRegistration): boolean {
  return world.pernet.unregister(reg.ops);
}
