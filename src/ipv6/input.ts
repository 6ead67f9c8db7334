/**
 * IPv6 receive, after Linux net/ipv6/ip6_input.c (6.18): ip6_rcv_core (header checks and
 * their counters), ip6_rcv_finish (route lookup, dst_input), ip6_input / ip6_protocol_deliver_rcu
 * (local delivery through the protocol table, extension headers resubmitting) and ip6_mc_input;
 * and route.c's ip6_pkt_drop for reject routes.
 *
 * Counters and drop reasons are ip6_rcv_core's, one by one:
 * - every packet: Ip6InReceives and Ip6InOctets (its length as received);
 * - no IPv6 state on the device: Ip6InDiscards (NOT_SPECIFIED), disable_ipv6: Ip6InDiscards
 *   (IPV6DISABLED);
 * - shorter than 40 bytes: Ip6InHdrErrors (IP_INHDR); version not 6: Ip6InHdrErrors
 *   (UNHANDLED_PROTO);
 * - then one of Ip6InNoECTPkts / ECT1 / ECT0 / CE by the ECN bits;
 * - loopback source or destination on a non-loopback device, interface-local multicast
 *   destination from outside, multicast destination of scope 0, multicast source: all
 *   Ip6InHdrErrors (IP_INHDR);
 * - Payload Length past the end: Ip6InTruncatedPkts (PKT_TOO_SMALL); the buffer is then cut to
 *   the Payload Length (pskb_trim_rcsum);
 * - a Hop-by-Hop header that fails (exthdrs.ts): Ip6InHdrErrors, with the handler's reason.
 * Reject routes: no route or unreachable/throw -> ICMPv6 Destination Unreachable code 0 (no
 * route), prohibit -> code 1, both Ip6InNoRoutes (IP_INNOROUTES), or Ip6InAddrErrors
 * (IP_INADDRERRORS) for the unspecified destination; blackhole: dropped, no counter.
 * Local delivery: a next header without handler -> Ip6InUnknownProtos and Parameter Problem
 * code 1 pointing at the Next Header byte (IP_NOPROTO); a handled upper layer -> Ip6InDelivers.
 * A Hop-by-Hop header anywhere but first has no handler, so it gets that Parameter Problem too,
 * which is how Linux enforces the extension header order.
 *
 * Not modelled: link-layer packet types (every packet is PACKET_HOST), early demux, netfilter,
 * XFRM policy, raw sockets, VRF (l3mdev), the multicast routing table. Multicast destinations
 * skip the FIB (Linux finds the ff00::/8 route addrconf adds per device) and are delivered when
 * they are all-nodes (ff01::1, ff02::1), the groups every IPv6 device joins; others are dropped
 * as ip6_mc_input drops packets for groups the device has not joined.
 */

import type { NetDevice } from '../net/netdevice.ts';
import type { PacketBuffer } from '../net/packet-buffer.ts';
import {
  IPSTATS_MIB_INADDRERRORS,
  IPSTATS_MIB_INDELIVERS,
  IPSTATS_MIB_INDISCARDS,
  IPSTATS_MIB_INHDRERRORS,
  IPSTATS_MIB_INMCASTOCTETS,
  IPSTATS_MIB_INMCASTPKTS,
  IPSTATS_MIB_INNOROUTES,
  IPSTATS_MIB_INOCTETS,
  IPSTATS_MIB_INPKTS,
  IPSTATS_MIB_INTRUNCATEDPKTS,
  IPSTATS_MIB_INUNKNOWNPROTOS,
  IPSTATS_MIB_NOECTPKTS,
} from '../net/mib.ts';
import {
  SKB_DROP_REASON_IP_INADDRERRORS,
  SKB_DROP_REASON_IP_INHDR,
  SKB_DROP_REASON_IP_INNOROUTES,
  SKB_DROP_REASON_IP_NOPROTO,
  SKB_DROP_REASON_IPV6DISABLED,
  SKB_DROP_REASON_NOT_SPECIFIED,
  SKB_DROP_REASON_PKT_TOO_SMALL,
  SKB_DROP_REASON_UNHANDLED_PROTO,
} from '../uapi/dropreason.ts';
import { ICMPV6_ADM_PROHIBITED, ICMPV6_DEST_UNREACH, ICMPV6_NOROUTE, ICMPV6_PARAMPROB, ICMPV6_UNK_NEXTHDR } from '../uapi/icmpv6.ts';
import { IFF_LOOPBACK } from '../uapi/if.ts';
import { IPV6_HDR_LEN, NEXTHDR_HOP } from '../uapi/ipv6.ts';
import { RTN_ANYCAST, RTN_BLACKHOLE, RTN_LOCAL, RTN_PROHIBIT, RTN_UNICAST } from '../uapi/rtnetlink.ts';
import { IPV6_FIELD } from '../wire/ipv6.ts';
import { RT6_LOOKUP_F_IFACE, type Fib6Route } from './fib.ts';
import type { Ipv6Net } from './ipv6.ts';
import { ipv6ParseHopopts } from './exthdrs.ts';
import { ip6Forward } from './forward.ts';
import { VERDICT_CONTINUE, verdictDrop, verdictIcmp, withMib } from './verdict.ts';

const F = IPV6_FIELD;
const ECN_MASK = 0x3;

// --- address classification over packet bytes (ipv6_addr_type's tests, no allocation) ---

export function addrIsMulticast(b: Uint8Array, o: number): boolean {
  return b[o] === 0xff;
}

/** IPV6_ADDR_MC_SCOPE: the low nibble of the second byte. */
export function addrMcScope(b: Uint8Array, o: number): number {
  return (b[o + 1] ?? 0) & 0x0f;
}

export function addrIsUnspecified(b: Uint8Array, o: number): boolean {
  for (let i = 0; i < 16; i++) if (b[o + i] !== 0) return false;
  return true;
}

export function addrIsLoopback(b: Uint8Array, o: number): boolean {
  for (let i = 0; i < 15; i++) if (b[o + i] !== 0) return false;
  return b[o + 15] === 1;
}

/** fe80::/10. */
export function addrIsLinkLocal(b: Uint8Array, o: number): boolean {
  return b[o] === 0xfe && ((b[o + 1] ?? 0) & 0xc0) === 0x80;
}

/** __ipv6_addr_needs_scope_id: link-local unicast, or multicast of interface- or link-local scope. */
export function addrNeedsScopeId(b: Uint8Array, o: number): boolean {
  if (addrIsMulticast(b, o)) {
    const s = addrMcScope(b, o);
    return s === 1 || s === 2;
  }
  return addrIsLinkLocal(b, o);
}

/** rt6_need_strict: multicast or link-local destinations must use the given device. */
export function addrNeedsStrict(b: Uint8Array, o: number): boolean {
  return addrIsMulticast(b, o) || addrIsLinkLocal(b, o);
}

/** ff01::1 or ff02::1: the all-nodes groups every IPv6 device is a member of. */
function addrIsAllNodes(b: Uint8Array, o: number): boolean {
  if (b[o] !== 0xff || (b[o + 1] !== 0x01 && b[o + 1] !== 0x02)) return false;
  for (let i = 2; i < 15; i++) if (b[o + i] !== 0) return false;
  return b[o + 15] === 1;
}

const ERR_INHDR = verdictDrop(SKB_DROP_REASON_IP_INHDR, IPSTATS_MIB_INHDRERRORS);

/** ipv6_rcv: the entry of a packet received on `dev` (called from the backlog). */
export function ipv6Rcv(ip6: Ipv6Net, dev: NetDevice, pkb: PacketBuffer): void {
  let v = ip6RcvCore(ip6, dev, pkb);
  if (v === VERDICT_CONTINUE) v = ip6RcvFinish(ip6, dev, pkb);
  ip6.apply(pkb, v, dev);
}

/** ip6_rcv_core: header checks; continue when the packet may go on to routing. */
export function ip6RcvCore(ip6: Ipv6Net, dev: NetDevice, pkb: PacketBuffer): number {
  const mib = ip6.mib;
  const len = pkb.length;
  ip6.cb.reset(dev.ifindex);
  // A received packet has no dst yet (a veth scrubs the sender's: skb_scrub_packet).
  pkb.route = null;
  mib.inc(IPSTATS_MIB_INPKTS);
  mib.add(IPSTATS_MIB_INOCTETS, len);
  const idev = ip6.inDevConf();
  if (idev === undefined) return verdictDrop(SKB_DROP_REASON_NOT_SPECIFIED, IPSTATS_MIB_INDISCARDS);
  if (idev.disableIpv6 !== 0) return verdictDrop(SKB_DROP_REASON_IPV6DISABLED, IPSTATS_MIB_INDISCARDS);
  pkb.resetNetworkHeader();
  if (len < IPV6_HDR_LEN) return ERR_INHDR;
  const b = pkb.buf;
  const nh = pkb.data;
  if ((b[nh] ?? 0) >>> 4 !== 6) return verdictDrop(SKB_DROP_REASON_UNHANDLED_PROTO, IPSTATS_MIB_INHDRERRORS);
  // Traffic Class straddles bytes 0 and 1; ECN is its low two bits, bits 4-5 of byte 1.
  mib.inc(IPSTATS_MIB_NOECTPKTS + (((b[nh + 1] ?? 0) >>> 4) & ECN_MASK));
  const src = nh + F.SRC_ADDR;
  const dst = nh + F.DST_ADDR;
  const loopDev = (dev.flags & IFF_LOOPBACK) !== 0;
  // RFC 4291 2.5.3: loopback addresses never arrive from outside.
  if ((addrIsLoopback(b, src) || addrIsLoopback(b, dst)) && !loopDev) return ERR_INHDR;
  // RFC 4291 errata 3480: interface-local multicast only loops back.
  if (!loopDev && addrIsMulticast(b, dst) && addrMcScope(b, dst) === 1) return ERR_INHDR;
  // RFC 4291 2.7: scope 0 is reserved; multicast is never a source.
  if (addrIsMulticast(b, dst) && addrMcScope(b, dst) === 0) return ERR_INHDR;
  if (addrIsMulticast(b, src)) return ERR_INHDR;
  pkb.transportHeader = nh + IPV6_HDR_LEN;
  ip6.cb.nhoff = F.NEXT_HEADER;
  const plen = ((b[nh + F.PAYLOAD_LENGTH] ?? 0) << 8) | (b[nh + F.PAYLOAD_LENGTH + 1] ?? 0);
  const nexthdr = b[nh + F.NEXT_HEADER] ?? 0;
  // Payload Length 0 with a Hop-by-Hop header may be a jumbogram (exthdrs.ts checks it).
  if (plen !== 0 || nexthdr !== NEXTHDR_HOP) {
    if (plen + IPV6_HDR_LEN > len) return verdictDrop(SKB_DROP_REASON_PKT_TOO_SMALL, IPSTATS_MIB_INTRUNCATEDPKTS);
    pkb.trim(plen + IPV6_HDR_LEN);
  }
  if (nexthdr === NEXTHDR_HOP) {
    const v = ipv6ParseHopopts(ip6, pkb);
    if (v !== VERDICT_CONTINUE) return withMib(v, IPSTATS_MIB_INHDRERRORS);
  }
  return VERDICT_CONTINUE;
}

/** ip6_rcv_finish: route lookup (ip6_route_input) unless routed already, and dst_input. */
export function ip6RcvFinish(ip6: Ipv6Net, dev: NetDevice, pkb: PacketBuffer): number {
  const b = pkb.buf;
  const dst = pkb.networkHeader + F.DST_ADDR;
  if (addrIsMulticast(b, dst)) return ip6McInput(ip6, pkb);
  // skb_valid_dst: a Hop-by-Hop handler (IOAM) may have routed the packet already.
  const rt = pkb.route !== null ? (pkb.route as Fib6Route) : ip6RouteInput(ip6, dev.ifindex, pkb);
  return ip6DstInput(ip6, pkb, rt);
}

/** ip6_route_input's lookup: the input device is preferred, and required for link-local. */
export function ip6RouteInput(ip6: Ipv6Net, iif: number, pkb: PacketBuffer): Fib6Route | undefined {
  const b = pkb.buf;
  const dst = pkb.networkHeader + F.DST_ADDR;
  const rt = ip6.fib.lookup(b, dst, iif, addrNeedsStrict(b, dst) ? RT6_LOOKUP_F_IFACE : 0);
  pkb.route = rt ?? null;
  return rt;
}

/** dst_input: local delivery, forwarding, or the reject route's input. */
export function ip6DstInput(ip6: Ipv6Net, pkb: PacketBuffer, rt: Fib6Route | undefined): number {
  if (rt === undefined) return ip6PktDrop(ip6, pkb, ICMPV6_NOROUTE);
  switch (rt.type) {
    case RTN_LOCAL:
    case RTN_ANYCAST:
      return ip6Input(ip6, pkb);
    case RTN_UNICAST:
      return ip6Forward(ip6, pkb, rt);
    case RTN_BLACKHOLE:
      return verdictDrop(SKB_DROP_REASON_NOT_SPECIFIED);
    case RTN_PROHIBIT:
      return ip6PktDrop(ip6, pkb, ICMPV6_ADM_PROHIBITED);
    default:
      return ip6PktDrop(ip6, pkb, ICMPV6_NOROUTE);
  }
}

/** ip6_pkt_drop for input: Destination Unreachable `code`, Ip6InNoRoutes (or InAddrErrors for ::). */
function ip6PktDrop(ip6: Ipv6Net, pkb: PacketBuffer, code: number): number {
  ip6.pendingIcmp.set(ICMPV6_DEST_UNREACH, code, 0);
  if (addrIsUnspecified(pkb.buf, pkb.networkHeader + F.DST_ADDR)) {
    return verdictIcmp(SKB_DROP_REASON_IP_INADDRERRORS, IPSTATS_MIB_INADDRERRORS);
  }
  return verdictIcmp(SKB_DROP_REASON_IP_INNOROUTES, IPSTATS_MIB_INNOROUTES);
}

/** ip6_mc_input: counted, delivered for the all-nodes groups (see the module comment). */
function ip6McInput(ip6: Ipv6Net, pkb: PacketBuffer): number {
  ip6.mib.inc(IPSTATS_MIB_INMCASTPKTS);
  ip6.mib.add(IPSTATS_MIB_INMCASTOCTETS, pkb.tail - pkb.networkHeader);
  if (!addrIsAllNodes(pkb.buf, pkb.networkHeader + F.DST_ADDR)) return verdictDrop(SKB_DROP_REASON_NOT_SPECIFIED);
  return ip6Input(ip6, pkb);
}

/**
 * ip6_input_finish / ip6_protocol_deliver_rcu: hands the packet to the handler of each next
 * header in turn; extension header handlers return continue to resubmit.
 */
export function ip6Input(ip6: Ipv6Net, pkb: PacketBuffer): number {
  const cb = ip6.cb;
  const b = pkb.buf;
  const nh = pkb.networkHeader;
  for (;;) {
    // pskb_pull(skb, skb_transport_offset(skb))
    if (pkb.transportHeader > pkb.tail) return verdictDrop(SKB_DROP_REASON_NOT_SPECIFIED, IPSTATS_MIB_INDISCARDS);
    pkb.data = pkb.transportHeader;
    const nexthdr = b[nh + cb.nhoff] ?? 0;
    const p = ip6.protocols[nexthdr];
    if (p === undefined) {
      ip6.pendingIcmp.set(ICMPV6_PARAMPROB, ICMPV6_UNK_NEXTHDR, cb.nhoff);
      return verdictIcmp(SKB_DROP_REASON_IP_NOPROTO, IPSTATS_MIB_INUNKNOWNPROTOS);
    }
    const v = p.handler(ip6, pkb);
    if (v === VERDICT_CONTINUE) continue;
    if (p.delivers) ip6.mib.inc(IPSTATS_MIB_INDELIVERS);
    return v;
  }
}
