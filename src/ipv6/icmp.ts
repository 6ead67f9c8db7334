/**
 * ICMPv6, after Linux net/ipv6/icmp.c (6.18): icmp6_send (errors about a received packet),
 * icmpv6_rcv (checksum, counters, dispatch), icmpv6_echo_reply and icmpv6_notify; with
 * icmpv6_xrlim_allow and net/ipv4/inetpeer.c inet_peer_xrlim_allow for rate limiting, and
 * ipv6_dev_get_saddr (net/ipv6/addrconf.c) for the source address.
 *
 * icmp6_send, in order (RFC 4443 §2.4):
 * - a destination that is one of our addresses becomes the error's source;
 * - never about a packet to a multicast destination, except Packet Too Big and Parameter
 *   Problem code 2 for an option whose action bits are 10 (and then not from that address);
 * - never to an unspecified or multicast source, never about an ICMPv6 error (an ICMPv6 packet
 *   whose type is below 128, or whose type is cut off, unless it is a later fragment);
 * - rate limiting (below), then the source address: a route's preferred source, else the
 *   input device's best address (ipv6_dev_get_saddr with that device);
 * - the route back (Ip6OutNoRoutes without one), hop limit from the output device's hop_limit;
 * - the invoking packet from its IPv6 header, cut so the error fits 1280 bytes (1232 bytes);
 * - Icmp6OutMsgs and Icmp6Out<Type>, Ip6OutRequests, then output.ts.
 * Icmp6OutErrors counts failures to build an error (ip6_append_data), which cannot happen here.
 *
 * Rate limiting. A type set in the ratemask (default: errors 0-127 except Packet Too Big, as
 * net.ipv6.icmp.ratemask "0-1,3-127") is limited per destination by a token bucket
 * (inet_peer_xrlim_allow): the peer earns one token per jiffy up to 6 * timeout and a message
 * costs `timeout` = net.ipv6.icmp.ratelimit (ms, stored as jiffies), halved for every 32 bits
 * the route to the destination is shorter than /128 (a /64 route: timeout / 4). A new peer
 * starts full. Refusals count Icmp6OutRateLimitHost. Errors received on loopback are not
 * limited. Simplifications: the global limit (net.ipv4.icmp_msgs_per_sec, whose credit is
 * consumed by a random 0-2 per message) is not modelled; peers idle for 60 s are forgotten,
 * which changes nothing while 6 * timeout <= 60 s (their bucket would be full again).
 *
 * Source selection (ipv6_dev_get_saddr) is addrconf's (`Ipv6Addrconf.saddr`, the RFC 6724
 * rules of addrconf-saddr.ts), the one sockets, `ip route get` and IOAM encap use too. Only the
 * static addrconf stand-in (no `saddr`) falls back to a short rule set of its own: candidates
 * on the given device for a link-local or multicast destination, else on every device; the best
 * by rule 1 (same address), rule 2 (scope), rule 5 (given device), rule 8 (longest match).
 *
 * Flow labels of errors and replies come from the `flowLabel` hook (default 0); Linux computes
 * an automatic label from a per-boot random key, so kernel comparisons must mask it. Echo
 * replies reflect the request's label when net.ipv6.flowlabel_reflect has bit 1 (value 2).
 */

import { PacketBuffer } from '../net/packet-buffer.ts';
import { ICMP6_MIB_CSUMERRORS, ICMP6_MIB_INERRORS, ICMP6_MIB_INMSGS, ICMP6_MIB_OUTMSGS, ICMP6_MIB_RATELIMITHOST, IPSTATS_MIB_OUTNOROUTES } from '../net/mib.ts';
import type { NetDevice } from '../net/netdevice.ts';
import { HZ } from '../time/clock.ts';
import { SKB_DROP_REASON_ICMP_CSUM, SKB_DROP_REASON_IPV6_BAD_EXTHDR, SKB_DROP_REASON_NOT_SPECIFIED, SKB_DROP_REASON_PKT_TOO_SMALL } from '../uapi/dropreason.ts';
import {
  ICMPV6_ECHO_REPLY,
  ICMPV6_ECHO_REQUEST,
  ICMPV6_ERRMSG_MAX,
  ICMPV6_INFOMSG_MASK,
  ICMPV6_PARAMPROB,
  ICMPV6_PKT_TOOBIG,
  ICMPV6_UNK_OPTION,
} from '../uapi/icmpv6.ts';
import { IFF_LOOPBACK } from '../uapi/if.ts';
import { IPV6_HDR_LEN, IPV6_MIN_MTU, NEXTHDR_ICMP } from '../uapi/ipv6.ts';
import { RTN_ANYCAST, RTN_LOCAL, RTN_UNICAST, RTN_UNREACHABLE } from '../uapi/rtnetlink.ts';
import { setU16, setU32, u32 } from '../wire/bytes.ts';
import { checksumAdd, checksumFold, checksumPseudoIpv6 } from '../wire/checksum.ts';
import { ICMPV6_HEADER_LEN } from '../wire/icmpv6.ts';
import { IPV6_FIELD } from '../wire/ipv6.ts';
import { isExtHeader, skipExthdr } from '../wire/ipv6-exthdr.ts';
import { LOOPBACK_IFINDEX, RT6_LOOKUP_F_IFACE, type Fib6Route } from './fib.ts';
import type { Inet6Protocol, Ipv6IfAddr, Ipv6Net } from './ipv6.ts';
import { addrIsLinkLocal, addrIsMulticast, addrIsUnspecified, addrMcScope, addrNeedsScopeId, addrNeedsStrict } from './input.ts';
import { ip6LocalOut } from './output.ts';
import { VERDICT_CONSUMED, verdictDrop } from './verdict.ts';

const F = IPV6_FIELD;
const ADDR_LEN = 16;
/** IPV6_MIN_MTU - sizeof(ipv6hdr) - sizeof(icmp6hdr): the most of the invoking packet sent. */
export const ICMP6_ERROR_ROOM = IPV6_MIN_MTU - IPV6_HDR_LEN - ICMPV6_HEADER_LEN;
/** XRLIM_BURST_FACTOR (net/ipv4/inetpeer.c). */
const XRLIM_BURST_FACTOR = 6;
/** inet_getpeer starts a peer's rate_last 60 s in the past. */
const PEER_FRESH = 60 * HZ;
/** FLOWLABEL_REFLECT_ICMPV6_ECHO_REPLIES (include/net/ipv6.h). */
const FLOWLABEL_REFLECT_ICMPV6_ECHO_REPLIES = 2;
const HEADROOM = 64;

// ---------------------------------------------------------------------------------------------
// Rate limiting

interface Peer {
  tokens: number;
  last: number;
}

/** The per-namespace ICMPv6 limiter: net->ipv6.icmpv6_ratemask and the inet_peer buckets. */
export class Icmp6RateLimiter {
  /** Bit `type` set: messages of that type are rate limited. */
  readonly ratemask = new Uint8Array(32);
  readonly #peers = new Map<string, Peer>();

  constructor() {
    for (let t = 0; t <= ICMPV6_ERRMSG_MAX; t++) this.setMasked(t, true);
    this.setMasked(ICMPV6_PKT_TOOBIG, false);
  }

  setMasked(type: number, on: boolean): void {
    const i = type >>> 3;
    const bit = 1 << (type & 7);
    this.ratemask[i] = on ? (this.ratemask[i] ?? 0) | bit : (this.ratemask[i] ?? 0) & ~bit;
  }

  /** icmpv6_mask_allow negated: is `type` subject to the limit? */
  masked(type: number): boolean {
    return (((this.ratemask[type >>> 3] ?? 0) >>> (type & 7)) & 1) === 1;
  }

  /** inet_peer_xrlim_allow for the peer `addr` at jiffies `now`. */
  allow(addr: Uint8Array, timeout: number, now: number): boolean {
    const key = addrKey(addr);
    let p = this.#peers.get(key);
    if (p === undefined) {
      this.#forgetIdle(now);
      p = { tokens: 0, last: now - PEER_FRESH };
      this.#peers.set(key, p);
    }
    let token = p.tokens;
    const delta = now - p.last;
    if (delta !== 0) {
      p.last = now;
      token += delta;
      if (token > XRLIM_BURST_FACTOR * timeout) token = XRLIM_BURST_FACTOR * timeout;
    }
    let ok = false;
    if (token >= timeout) {
      token -= timeout;
      ok = true;
    }
    p.tokens = token;
    return ok;
  }

  get peerCount(): number {
    return this.#peers.size;
  }

  #forgetIdle(now: number): void {
    for (const [k, p] of this.#peers) if (now - p.last >= PEER_FRESH) this.#peers.delete(k);
  }
}

function addrKey(a: Uint8Array): string {
  let s = '';
  for (let i = 0; i < ADDR_LEN; i++) s += String.fromCharCode(a[i] ?? 0);
  return s;
}

// ---------------------------------------------------------------------------------------------
// Addresses

/** __ipv6_addr_src_scope for a unicast candidate: host 1, link 2, site 5, global 14. */
function srcScope(a: Uint8Array): number {
  let loop = a[15] === 1;
  for (let i = 0; i < 15 && loop; i++) if (a[i] !== 0) loop = false;
  if (loop) return 0x1;
  if (addrIsLinkLocal(a, 0)) return 0x2;
  if (a[0] === 0xfe && ((a[1] ?? 0) & 0xc0) === 0xc0) return 0x5;
  return 0xe;
}

/** The scope of a destination (multicast: its scope field). */
function dstScope(b: Uint8Array, o: number): number {
  if (addrIsMulticast(b, o)) return addrMcScope(b, o);
  return srcScope(b.subarray(o, o + ADDR_LEN));
}

/** Leading bits `a` and `b[o..]` share. */
function commonPrefix(a: Uint8Array, b: Uint8Array, o: number): number {
  for (let i = 0; i < ADDR_LEN; i++) {
    const x = ((a[i] ?? 0) ^ (b[o + i] ?? 0)) & 0xff;
    if (x !== 0) return i * 8 + Math.clz32(x) - 24;
  }
  return 128;
}

function sameAddr(a: Uint8Array, b: Uint8Array, o: number): boolean {
  for (let i = 0; i < ADDR_LEN; i++) if (a[i] !== b[o + i]) return false;
  return true;
}

/** ipv6_dev_get_saddr with no preferences (see the module comment); undefined when none fits. */
export function ipv6DevGetSaddr(ip6: Ipv6Net, ifindex: number, dst: Uint8Array, dstOff = 0): Uint8Array | undefined {
  const ac = ip6.addrconf;
  if (ac.saddr !== undefined) return ac.saddr(ifindex, dstOff === 0 && dst.length === ADDR_LEN ? dst : dst.slice(dstOff, dstOff + ADDR_LEN), 0);
  const scope = dstScope(dst, dstOff);
  const oifOnly = ifindex !== 0 && (addrIsMulticast(dst, dstOff) || scope <= 0x2);
  const devs = oifOnly ? [ifindex] : ip6.devices.listOrder().map((d) => d.ifindex);
  let best: Ipv6IfAddr | undefined;
  let bestScore: number[] = [];
  for (const dev of devs) {
    for (const a of ip6.addrconf.addresses(dev)) {
      if (addrIsUnspecified(a.addr, 0) || addrIsMulticast(a.addr, 0)) continue;
      const s = srcScope(a.addr);
      const score = [
        sameAddr(a.addr, dst, dstOff) ? 1 : 0,
        s >= scope ? -s : s - 128,
        ifindex === 0 || ifindex === dev ? 1 : 0,
        Math.min(commonPrefix(a.addr, dst, dstOff), a.prefixLen),
      ];
      if (best === undefined || better(score, bestScore)) {
        best = a;
        bestScore = score;
      }
    }
  }
  return best?.addr;
}

function better(a: readonly number[], b: readonly number[]): boolean {
  for (let i = 0; i < a.length; i++) {
    const x = a[i] ?? 0;
    const y = b[i] ?? 0;
    if (x !== y) return x > y;
  }
  return false;
}

/** ipv6_chk_addr(net, addr, dev, 0): configured here; link-local ones only on `ifindex`. */
export function ipv6ChkAddr(ip6: Ipv6Net, b: Uint8Array, o: number, ifindex: number): boolean {
  const scoped = addrIsLinkLocal(b, o);
  for (const dev of ip6.addrconf.addressDevices()) {
    if (scoped && dev !== ifindex) continue;
    for (const a of ip6.addrconf.addresses(dev)) if (sameAddr(a.addr, b, o)) return true;
  }
  return false;
}

// ---------------------------------------------------------------------------------------------
// Sending

/** The output route and device for a message to `dst` (ip6_route_output); undefined: none. */
function routeOutput(ip6: Ipv6Net, dst: Uint8Array, oif: number): { rt: Fib6Route; dev: NetDevice } | undefined {
  const rt = ip6.fib.lookup(dst, 0, oif, addrNeedsStrict(dst, 0) && oif !== 0 ? RT6_LOOKUP_F_IFACE : 0);
  if (rt === undefined || (rt.type !== RTN_UNICAST && rt.type !== RTN_LOCAL && rt.type !== RTN_ANYCAST)) {
    if (rt === undefined || rt.type === RTN_UNREACHABLE) ip6.mib.inc(IPSTATS_MIB_OUTNOROUTES);
    return undefined;
  }
  // Local destinations leave through loopback (the dst of a local route is loopback's).
  const dev = ip6.device(rt.type === RTN_UNICAST ? rt.ifindex : LOOPBACK_IFINDEX);
  return dev === undefined ? undefined : { rt, dev };
}

/** icmpv6_xrlim_allow when the limit applies. */
function xrlimAllow(ip6: Ipv6Net, dst: Uint8Array, route: { rt: Fib6Route; dev: NetDevice } | undefined): boolean {
  let res = false;
  if (route === undefined) {
    // The lookup failed (counted by routeOutput): refused.
  } else if (route.dev.flags & IFF_LOOPBACK) {
    res = true;
  } else {
    let tmo = ip6.sysctl.icmp.ratelimit.value;
    if (route.rt.dstLen < 128) tmo >>= (128 - route.rt.dstLen) >>> 5;
    res = ip6.icmpLimiter.allow(dst, tmo, ip6.net.jiffies);
  }
  if (!res) ip6.icmp6.inc(ICMP6_MIB_RATELIMITHOST);
  return res;
}

/** ip6_dst_hoplimit: the output device's hop_limit, else all's. */
function dstHoplimit(ip6: Ipv6Net, dev: NetDevice): number {
  return ip6.devConf(dev.ifindex)?.hopLimit ?? ip6.addrconf.all.hopLimit;
}

/**
 * Builds an ICMPv6 message: IPv6 header, type, code, the 4-byte word, then
 * `body[start, end)`, with its checksum.
 */
function buildIcmp6(
  ip6: Ipv6Net,
  src: Uint8Array,
  dst: Uint8Array,
  tclass: number,
  hopLimit: number,
  type: number,
  code: number,
  word: number,
  body: Uint8Array,
  start: number,
  end: number,
  flowLabel: number,
): PacketBuffer {
  const icmpLen = ICMPV6_HEADER_LEN + (end - start);
  const pkb = new PacketBuffer(HEADROOM + IPV6_HDR_LEN + icmpLen, HEADROOM);
  const at = pkb.put(IPV6_HDR_LEN + icmpLen);
  const b = pkb.buf;
  setU32(b, at, ((6 << 28) | ((tclass & 0xff) << 20) | (flowLabel & 0xfffff)) >>> 0);
  setU16(b, at + F.PAYLOAD_LENGTH, icmpLen);
  b[at + F.NEXT_HEADER] = NEXTHDR_ICMP;
  b[at + F.HOP_LIMIT] = hopLimit;
  b.set(src.subarray(0, ADDR_LEN), at + F.SRC_ADDR);
  b.set(dst.subarray(0, ADDR_LEN), at + F.DST_ADDR);
  const t = at + IPV6_HDR_LEN;
  b[t] = type;
  b[t + 1] = code;
  setU32(b, t + 4, word >>> 0);
  b.set(body.subarray(start, end), t + ICMPV6_HEADER_LEN);
  const sum = checksumAdd(checksumPseudoIpv6(b, b, icmpLen, NEXTHDR_ICMP, at + F.SRC_ADDR, at + F.DST_ADDR), b, t, t + icmpLen);
  setU16(b, t + 2, checksumFold(sum));
  pkb.resetNetworkHeader();
  pkb.transportHeader = t;
  return pkb;
}

/** icmpv6_push_pending_frames + ip6_local_out: counters, then output. */
function pushIcmp6(ip6: Ipv6Net, pkb: PacketBuffer, type: number, route: { rt: Fib6Route; dev: NetDevice }): void {
  ip6.mib.icmp6MsgOut(type);
  ip6.icmp6.inc(ICMP6_MIB_OUTMSGS);
  const v = ip6LocalOut(ip6, pkb, route.rt, route.dev);
  ip6.apply(pkb, v, route.dev);
}

/** opt_unrec: is the option at network offset `offset` one whose action bits are 10? */
function optUnrec(pkb: PacketBuffer, offset: number): boolean {
  const at = pkb.networkHeader + offset;
  if (at >= pkb.tail) return true;
  return ((pkb.buf[at] ?? 0) & 0xc0) === 0x80;
}

/** is_ineligible: is the packet itself an ICMPv6 error (or cut before its type)? */
function isIneligible(pkb: PacketBuffer): boolean {
  const nh = pkb.networkHeader;
  const bytes = pkb.buf.subarray(nh, pkb.tail);
  if (bytes.length < IPV6_HDR_LEN) return true;
  let nexthdr = bytes[F.NEXT_HEADER] ?? 0;
  let ptr = IPV6_HDR_LEN;
  let fragOff = 0;
  if (isExtHeader(nexthdr)) {
    const r = skipExthdr(bytes, IPV6_HDR_LEN, nexthdr);
    if (!r.ok) return false;
    nexthdr = r.value.nextHeader;
    ptr = r.value.offset;
    fragOff = r.value.fragOff;
  }
  if (nexthdr !== NEXTHDR_ICMP) return false;
  if (ptr >= bytes.length) return fragOff === 0;
  return ((bytes[ptr] ?? 0) & ICMPV6_INFOMSG_MASK) === 0;
}

/** icmp6_send: an ICMPv6 error `type`/`code`/`info` about the received packet `pkb`. */
export function icmp6Send(ip6: Ipv6Net, pkb: PacketBuffer, type: number, code: number, info: number): void {
  const b = pkb.buf;
  const nh = pkb.networkHeader;
  if (nh < 0 || nh + IPV6_HDR_LEN > pkb.tail) return;
  const iif = ip6.cb.iif;
  const inDev = ip6.device(iif);
  if (inDev === undefined) return;
  const daddr = nh + F.DST_ADDR;
  const saddr = nh + F.SRC_ADDR;
  let src: Uint8Array | undefined = ipv6ChkAddr(ip6, b, daddr, iif) ? b.slice(daddr, daddr + ADDR_LEN) : undefined;
  if (addrIsMulticast(b, daddr)) {
    if (type !== ICMPV6_PKT_TOOBIG && !(type === ICMPV6_PARAMPROB && code === ICMPV6_UNK_OPTION && optUnrec(pkb, info))) return;
    src = undefined;
  }
  if (addrIsUnspecified(b, saddr) || addrIsMulticast(b, saddr)) return;
  const oif = addrNeedsScopeId(b, saddr) ? iif : 0;
  if (isIneligible(pkb)) return;
  const applyLimit = !(inDev.flags & IFF_LOOPBACK) && ip6.icmpLimiter.masked(type);
  const dst = b.slice(saddr, saddr + ADDR_LEN);
  const route = routeOutput(ip6, dst, oif);
  if (src === undefined && route?.rt.prefsrc === undefined) src = ipv6DevGetSaddr(ip6, iif, dst);
  if (applyLimit && !xrlimAllow(ip6, dst, route)) return;
  if (route === undefined) return;
  src ??= route.rt.prefsrc ?? ipv6DevGetSaddr(ip6, route.dev.ifindex, dst);
  if (src === undefined) return;
  const len = Math.min(pkb.tail - nh, ICMP6_ERROR_ROOM);
  const out = buildIcmp6(ip6, src, dst, 0, dstHoplimit(ip6, route.dev), type, code, info, b, nh, nh + len, ip6.flowLabel(ip6, src, dst, NEXTHDR_ICMP));
  pushIcmp6(ip6, out, type, route);
}

/** icmpv6_echo_reply for the request at pkb.transportHeader (length checked). */
function icmpv6EchoReply(ip6: Ipv6Net, pkb: PacketBuffer): number {
  const b = pkb.buf;
  const nh = pkb.networkHeader;
  const t = pkb.transportHeader;
  const daddr = nh + F.DST_ADDR;
  const sysctl = ip6.sysctl;
  const mcast = addrIsMulticast(b, daddr);
  if (mcast && sysctl.icmp.echo_ignore_multicast.value !== 0) return verdictDrop(SKB_DROP_REASON_NOT_SPECIFIED);
  const rtIn = pkb.route as Fib6Route | null;
  const acast = rtIn !== null && rtIn.type === RTN_ANYCAST;
  if (acast && sysctl.ipv6.anycast_src_echo_reply.value === 0) return verdictDrop(SKB_DROP_REASON_NOT_SPECIFIED);
  let src: Uint8Array | undefined = mcast && !acast ? undefined : b.slice(daddr, daddr + ADDR_LEN);
  const dst = b.slice(nh + F.SRC_ADDR, nh + F.SRC_ADDR + ADDR_LEN);
  const route = routeOutput(ip6, dst, ip6.cb.iif);
  if (route === undefined) return verdictDrop(SKB_DROP_REASON_NOT_SPECIFIED);
  const inDev = ip6.device(ip6.cb.iif);
  const applyLimit = inDev !== undefined && !(inDev.flags & IFF_LOOPBACK) && ip6.icmpLimiter.masked(ICMPV6_ECHO_REPLY);
  if (applyLimit && !xrlimAllow(ip6, dst, route)) return verdictDrop(SKB_DROP_REASON_NOT_SPECIFIED);
  src ??= route.rt.prefsrc ?? ipv6DevGetSaddr(ip6, route.dev.ifindex, dst);
  if (src === undefined) return verdictDrop(SKB_DROP_REASON_NOT_SPECIFIED);
  const vtf = u32(b, nh);
  const tclass = (vtf >>> 20) & 0xff;
  const label =
    (sysctl.ipv6.flowlabel_reflect.value & FLOWLABEL_REFLECT_ICMPV6_ECHO_REPLIES) !== 0 ? vtf & 0xfffff : ip6.flowLabel(ip6, src, dst, NEXTHDR_ICMP);
  // The identifier and sequence number come back as they were.
  const word = u32(b, t + 4);
  const out = buildIcmp6(ip6, src, dst, tclass, dstHoplimit(ip6, route.dev), ICMPV6_ECHO_REPLY, b[t + 1] ?? 0, word, b, t + ICMPV6_HEADER_LEN, pkb.tail, label);
  pushIcmp6(ip6, out, ICMPV6_ECHO_REPLY, route);
  return VERDICT_CONSUMED;
}

/**
 * icmpv6_notify: hands an error to the protocol of the packet it quotes: the socket layer's
 * `error` hook first (it sees the whole error packet, as ipv6_icmp_error needs), else the
 * protocol's errHandler.
 */
function icmpv6Notify(ip6: Ipv6Net, pkb: PacketBuffer, type: number, code: number, info: number, hooks: Icmpv6SocketHooks | null): number {
  const inner = pkb.transportHeader + ICMPV6_HEADER_LEN;
  const bytes = pkb.buf.subarray(inner, pkb.tail);
  const fail = (reason: number): number => {
    ip6.icmp6.inc(ICMP6_MIB_INERRORS);
    return verdictDrop(reason);
  };
  if (bytes.length < IPV6_HDR_LEN) return fail(SKB_DROP_REASON_PKT_TOO_SMALL);
  let nexthdr = bytes[F.NEXT_HEADER] ?? 0;
  let offset = IPV6_HDR_LEN;
  if (isExtHeader(nexthdr)) {
    const r = skipExthdr(bytes, IPV6_HDR_LEN, nexthdr);
    if (!r.ok) return fail(SKB_DROP_REASON_IPV6_BAD_EXTHDR);
    nexthdr = r.value.nextHeader;
    offset = r.value.offset;
  }
  if (bytes.length < offset + 8) return fail(SKB_DROP_REASON_PKT_TOO_SMALL);
  if (hooks === null || !hooks.error(ip6, pkb, nexthdr, bytes, offset, type, code, info)) {
    ip6.protocols[nexthdr]?.errHandler?.(ip6, bytes, offset, type, code, info);
  }
  return VERDICT_CONSUMED;
}

/** icmpv6_rcv: the ICMPv6 message at pkb.transportHeader. */
function icmpv6Rcv(ip6: Ipv6Net, pkb: PacketBuffer, hooks: Icmpv6SocketHooks | null): number {
  const b = pkb.buf;
  const nh = pkb.networkHeader;
  const t = pkb.transportHeader;
  const len = pkb.tail - t;
  ip6.icmp6.inc(ICMP6_MIB_INMSGS);
  const sum = checksumAdd(checksumPseudoIpv6(b, b, len, NEXTHDR_ICMP, nh + F.SRC_ADDR, nh + F.DST_ADDR), b, t, pkb.tail);
  if (checksumFold(sum) !== 0) {
    ip6.icmp6.inc(ICMP6_MIB_CSUMERRORS);
    ip6.icmp6.inc(ICMP6_MIB_INERRORS);
    return verdictDrop(SKB_DROP_REASON_ICMP_CSUM);
  }
  if (len < ICMPV6_HEADER_LEN) {
    ip6.icmp6.inc(ICMP6_MIB_INERRORS);
    return verdictDrop(SKB_DROP_REASON_NOT_SPECIFIED);
  }
  const type = b[t] ?? 0;
  ip6.mib.icmp6MsgIn(type);
  if (type === ICMPV6_ECHO_REQUEST) {
    if (ip6.sysctl.icmp.echo_ignore_all.value !== 0) return verdictDrop(SKB_DROP_REASON_NOT_SPECIFIED);
    return icmpv6EchoReply(ip6, pkb);
  }
  // Echo replies go to the ping sockets (ping_rcv) when the socket layer is there.
  if (type === ICMPV6_ECHO_REPLY && hooks !== null) return hooks.echoReply(ip6, pkb);
  // Errors (known or not) go to the quoted packet's protocol; informational messages without
  // a handler here (echo replies without ping sockets, neighbour discovery, MLD) are dropped.
  if (type & ICMPV6_INFOMSG_MASK) return verdictDrop(SKB_DROP_REASON_NOT_SPECIFIED);
  return icmpv6Notify(ip6, pkb, type, b[t + 1] ?? 0, u32(b, t + 4), hooks);
}

/**
 * What the socket layer (socket.ts) adds to ICMPv6 in a namespace: ping_rcv for echo replies,
 * and the error handlers of its protocols (udpv6_err, and icmpv6_err's ping_err), which need
 * the whole error packet.
 */
export interface Icmpv6SocketHooks {
  /** ping_rcv: the echo reply at pkb.transportHeader; returns a verdict. */
  readonly echoReply: (ip6: Ipv6Net, pkb: PacketBuffer) => number;
  /**
   * The error `pkb` (its ICMPv6 header at pkb.transportHeader) quoting a packet `inner` whose
   * header of protocol `nexthdr` is at `offset`: true when a socket protocol took it.
   */
  readonly error: (ip6: Ipv6Net, pkb: PacketBuffer, nexthdr: number, inner: Uint8Array, offset: number, type: number, code: number, info: number) => boolean;
}

/** inet6_protos[IPPROTO_ICMPV6]: icmpv6_rcv returns 0, so every message counts as delivered. */
export const icmpv6Protocol: Inet6Protocol = { handler: (ip6, pkb) => icmpv6Rcv(ip6, pkb, null), delivers: true };

/** The ICMPv6 protocol with the socket layer's hooks (installed per namespace by socket.ts). */
export function icmpv6ProtocolWith(hooks: Icmpv6SocketHooks): Inet6Protocol {
  return { handler: (ip6, pkb) => icmpv6Rcv(ip6, pkb, hooks), delivers: true };
}
