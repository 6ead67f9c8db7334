/**
 * Extension header processing on receive, after Linux net/ipv6/exthdrs.c (6.18):
 * ipv6_parse_hopopts and ipv6_destopt_rcv over ip6_parse_tlv, ip6_tlvopt_unknown, the Router
 * Alert and Jumbo Payload option handlers, ipv6_rthdr_rcv and ipv6_srh_rcv.
 *
 * Options. Each namespace has a handler table per header kind (`Ipv6Net.hbhOptions`,
 * `dstOptions`); subsystems register into it (IOAM: type 0x31). A handler gets the option's
 * offset from the network header and returns a verdict (continue accepts the option). Options
 * without a handler follow their two action bits (RFC 8200 §4.2): 00 skip; 01 drop; 10 drop and
 * send Parameter Problem code 2 pointing at the option; 11 the same unless the destination is
 * multicast. All these drops carry UNHANDLED_PROTO. A negative max_*_opts_number means "no
 * unknown options at all": they are dropped silently. The walk enforces Linux's limits: at most
 * max_*_opts_number non-padding options, at most 7 bytes of padding in a row, PadN data all
 * zero, options inside the header; any breach drops with IP_INHDR. A header longer than
 * max_hbh_length / max_dst_opts_length is dropped (NOT_SPECIFIED).
 *
 * Counters: every Hop-by-Hop failure is one Ip6InHdrErrors (ip6_rcv_core counts it; the option
 * handlers no longer do since Linux 5.17); a Destination Options failure is one Ip6InHdrErrors,
 * except the length limit, which Linux drops without counting.
 *
 * Jumbo Payload (RFC 2675): Opt Data Len 4 at 4n+2, else IP_INHDR; a length <= 65535 gets a
 * Parameter Problem code 0 at the length field, a non-zero Payload Length one at the option
 * (both IP_INHDR); a length past the buffer drops with PKT_TOO_SMALL; otherwise the buffer is
 * cut to it.
 *
 * Routing header: a multicast destination drops (Ip6InAddrErrors). With Segments Left 0 any
 * type is skipped, except type 2 (Mobile IPv6 Home Address, which needs state we lack:
 * Ip6InAddrErrors). Type 4 (SRH) needs seg6_enabled on the device and in `all` (Linux's default
 * is off: dropped uncounted); with Segments Left > 0 it must be below the segment count (else
 * Parameter Problem code 0 at Segments Left), is decremented, and the next segment becomes the
 * destination; routed back to this node, the hop limit is checked (Time Exceeded below 2) and
 * decremented and the header processed again; otherwise the packet is forwarded. Inner-packet
 * decapsulation at the last segment (seg6 local behaviours) is not modelled. Type 3 (RPL) is
 * dropped, as with Linux's default rpl_seg_enabled = 0. Type 0 and unknown types with Segments
 * Left > 0 get Parameter Problem code 0 pointing at the Routing Type (RFC 5095), counted in
 * Ip6InHdrErrors.
 *
 * Not modelled: CALIPSO (type 7) and Home Address (type 201) options, which then follow their
 * action bits; SRH HMAC.
 */

import type { PacketBuffer } from '../net/packet-buffer.ts';
import { IPSTATS_MIB_INADDRERRORS, IPSTATS_MIB_INHDRERRORS } from '../net/mib.ts';
import {
  SKB_DROP_REASON_IP_INHDR,
  SKB_DROP_REASON_NOT_SPECIFIED,
  SKB_DROP_REASON_PKT_TOO_SMALL,
  SKB_DROP_REASON_UNHANDLED_PROTO,
} from '../uapi/dropreason.ts';
import { ICMPV6_EXC_HOPLIMIT, ICMPV6_HDR_FIELD, ICMPV6_PARAMPROB, ICMPV6_TIME_EXCEED, ICMPV6_UNK_OPTION } from '../uapi/icmpv6.ts';
import { IPV6_TLV_PAD1, IPV6_TLV_PADN } from '../uapi/in6.ts';
import {
  IPV6_HDR_LEN,
  IPV6_MAXPLEN,
  IPV6_SRCRT_TYPE_2,
  IPV6_SRCRT_TYPE_3,
  IPV6_SRCRT_TYPE_4,
} from '../uapi/ipv6.ts';
import { RTN_ANYCAST, RTN_LOCAL } from '../uapi/rtnetlink.ts';
import { u16, u32 } from '../wire/bytes.ts';
import { IPV6_FIELD } from '../wire/ipv6.ts';
import { ROUTING_FIELD } from '../wire/ipv6-routing.ts';
import { type Inet6Protocol, IP6SKB_HOPBYHOP, IP6SKB_JUMBOGRAM, IP6SKB_ROUTERALERT, type Ipv6Net } from './ipv6.ts';
import { addrIsMulticast, ip6DstInput, ip6RouteInput } from './input.ts';
import { VERDICT_CONTINUE, verdictDrop, verdictIcmp, withMib } from './verdict.ts';

/**
 * An option handler: `optoff` is the offset of the Option Type byte from the network header.
 * Returns continue to accept the option, or a drop/icmp verdict.
 */
export type TlvHandler = (ip6: Ipv6Net, pkb: PacketBuffer, optoff: number) => number;

const IP6 = IPV6_FIELD;
const RT = ROUTING_FIELD;
/** Option headers and the Routing header: Next Header, Hdr Ext Len, then 8-byte units. */
const HDR_EXT_LEN = 1;
const MIN_EXT_LEN = 8;
const ADDR_LEN = 16;
const JUMBO_DATA_LEN = 4;
const RA_DATA_LEN = 2;

/** ip6_parse_tlv's limit on consecutive padding bytes. */
const MAX_PAD_RUN = 7;

const BAD_TLV = verdictDrop(SKB_DROP_REASON_IP_INHDR);
const DROP_UNHANDLED = verdictDrop(SKB_DROP_REASON_UNHANDLED_PROTO);
const DROP_PLAIN = verdictDrop(SKB_DROP_REASON_NOT_SPECIFIED);

function extLen(b: Uint8Array, hdr: number): number {
  return ((b[hdr + HDR_EXT_LEN] ?? 0) + 1) << 3;
}

/** pskb_may_pull for an extension header at `hdr`: 8 bytes, then its whole length. */
function headerFits(pkb: PacketBuffer, hdr: number): boolean {
  return pkb.tail - hdr >= MIN_EXT_LEN && pkb.tail - hdr >= extLen(pkb.buf, hdr);
}

/** ip6_tlvopt_unknown: the action bits of an option nobody handles. */
function ip6TlvoptUnknown(ip6: Ipv6Net, pkb: PacketBuffer, optoff: number, disallowUnknowns: boolean): number {
  if (disallowUnknowns) return DROP_UNHANDLED;
  const b = pkb.buf;
  const nh = pkb.networkHeader;
  switch (((b[nh + optoff] ?? 0) & 0xc0) >>> 6) {
    case 0:
      return VERDICT_CONTINUE;
    case 1:
      return DROP_UNHANDLED;
    case 3:
      if (addrIsMulticast(b, nh + IP6.DST_ADDR)) return DROP_UNHANDLED;
      ip6.pendingIcmp.set(ICMPV6_PARAMPROB, ICMPV6_UNK_OPTION, optoff);
      return verdictIcmp(SKB_DROP_REASON_UNHANDLED_PROTO);
    default:
      ip6.pendingIcmp.set(ICMPV6_PARAMPROB, ICMPV6_UNK_OPTION, optoff);
      return verdictIcmp(SKB_DROP_REASON_UNHANDLED_PROTO);
  }
}

/** ip6_parse_tlv over the header at absolute offset `hdr`, whose length was checked. */
function ip6ParseTlv(ip6: Ipv6Net, pkb: PacketBuffer, hopbyhop: boolean, hdr: number, maxCount: number): number {
  let max = maxCount;
  let disallowUnknowns = false;
  if (max < 0) {
    disallowUnknowns = true;
    max = -max;
  }
  const nh = pkb.networkHeader;
  const table = hopbyhop ? ip6.hbhOptions : ip6.dstOptions;
  const b = pkb.buf;
  // The walk of ip6_parse_tlv over bytes (the caller checked the header fits): padding runs of
  // at most 7 bytes, PadN data all zero, every option inside the header, at most `max` others.
  const end = hdr + extLen(b, hdr);
  let p = hdr + 2;
  let padlen = 0;
  let count = 0;
  while (p < end) {
    const t = b[p] ?? 0;
    if (t === IPV6_TLV_PAD1) {
      if (++padlen > MAX_PAD_RUN) return BAD_TLV;
      p++;
      continue;
    }
    if (p + 2 > end) return BAD_TLV;
    const optLen = (b[p + 1] ?? 0) + 2;
    if (p + optLen > end) return BAD_TLV;
    if (t === IPV6_TLV_PADN) {
      padlen += optLen;
      if (padlen > MAX_PAD_RUN) return BAD_TLV;
      for (let i = p + 2; i < p + optLen; i++) if (b[i] !== 0) return BAD_TLV;
    } else {
      if (++count > max) return BAD_TLV;
      padlen = 0;
      const optoff = p - nh;
      const handler = table[t];
      const v = handler !== undefined ? handler(ip6, pkb, optoff) : ip6TlvoptUnknown(ip6, pkb, optoff, disallowUnknowns);
      if (v !== VERDICT_CONTINUE) return v;
    }
    p += optLen;
  }
  return VERDICT_CONTINUE;
}

/** ipv6_parse_hopopts: the Hop-by-Hop header right after the fixed header. */
export function ipv6ParseHopopts(ip6: Ipv6Net, pkb: PacketBuffer): number {
  const hdr = pkb.networkHeader + IPV6_HDR_LEN;
  if (!headerFits(pkb, hdr)) return DROP_PLAIN;
  const len = extLen(pkb.buf, hdr);
  if (len > ip6.sysctl.ipv6.max_hbh_length.value) return DROP_PLAIN;
  ip6.cb.flags |= IP6SKB_HOPBYHOP;
  const v = ip6ParseTlv(ip6, pkb, true, hdr, ip6.sysctl.ipv6.max_hbh_opts_number.value);
  if (v !== VERDICT_CONTINUE) return v;
  pkb.transportHeader = hdr + len;
  ip6.cb.nhoff = IPV6_HDR_LEN;
  return VERDICT_CONTINUE;
}

/** ipv6_hop_ra: Router Alert (RFC 2711), two bytes of value. */
export const ipv6HopRa: TlvHandler = (ip6, pkb, optoff) => {
  const b = pkb.buf;
  const o = pkb.networkHeader + optoff;
  if (b[o + 1] !== RA_DATA_LEN) return BAD_TLV;
  ip6.cb.flags |= IP6SKB_ROUTERALERT;
  ip6.cb.ra = u16(b, o + 2);
  return VERDICT_CONTINUE;
};

/** ipv6_hop_jumbo: Jumbo Payload (RFC 2675). */
export const ipv6HopJumbo: TlvHandler = (ip6, pkb, optoff) => {
  const b = pkb.buf;
  const nh = pkb.networkHeader;
  const o = nh + optoff;
  if (b[o + 1] !== JUMBO_DATA_LEN || (optoff & 3) !== 2) return BAD_TLV;
  const pktLen = u32(b, o + 2);
  if (pktLen <= IPV6_MAXPLEN) {
    ip6.pendingIcmp.set(ICMPV6_PARAMPROB, ICMPV6_HDR_FIELD, optoff + 2);
    return verdictIcmp(SKB_DROP_REASON_IP_INHDR);
  }
  if (u16(b, nh + IP6.PAYLOAD_LENGTH) !== 0) {
    ip6.pendingIcmp.set(ICMPV6_PARAMPROB, ICMPV6_HDR_FIELD, optoff);
    return verdictIcmp(SKB_DROP_REASON_IP_INHDR);
  }
  if (pktLen > pkb.tail - nh - IPV6_HDR_LEN) return verdictDrop(SKB_DROP_REASON_PKT_TOO_SMALL);
  pkb.tail = nh + IPV6_HDR_LEN + pktLen;
  ip6.cb.flags |= IP6SKB_JUMBOGRAM;
  return VERDICT_CONTINUE;
};

/** ipv6_destopt_rcv: a Destination Options header at the transport header. */
function ipv6DestoptRcv(ip6: Ipv6Net, pkb: PacketBuffer): number {
  const hdr = pkb.transportHeader;
  if (!headerFits(pkb, hdr)) return verdictDrop(SKB_DROP_REASON_NOT_SPECIFIED, IPSTATS_MIB_INHDRERRORS);
  const len = extLen(pkb.buf, hdr);
  if (len > ip6.sysctl.ipv6.max_dst_opts_length.value) return DROP_PLAIN;
  const off = hdr - pkb.networkHeader;
  ip6.cb.lastopt = off;
  ip6.cb.dst1 = off;
  const v = ip6ParseTlv(ip6, pkb, false, hdr, ip6.sysctl.ipv6.max_dst_opts_number.value);
  if (v !== VERDICT_CONTINUE) return withMib(v, IPSTATS_MIB_INHDRERRORS);
  pkb.transportHeader = hdr + len;
  ip6.cb.nhoff = off;
  return VERDICT_CONTINUE;
}

/** Skips a processed Routing header: its Next Header names what follows. */
function rthdrDone(ip6: Ipv6Net, pkb: PacketBuffer, hdr: number): number {
  const off = hdr - pkb.networkHeader;
  ip6.cb.srcrt = off;
  ip6.cb.lastopt = off;
  ip6.cb.dst1 = 0;
  pkb.transportHeader = hdr + extLen(pkb.buf, hdr);
  ip6.cb.nhoff = off;
  return VERDICT_CONTINUE;
}

type ConfPick = (c: { seg6Enabled: number; acceptSourceRoute: number }) => number;
const SEG6_ENABLED: ConfPick = (c) => c.seg6Enabled;
const ACCEPT_SOURCE_ROUTE: ConfPick = (c) => c.acceptSourceRoute;

/** The smaller of the `all` value and the input device's (Linux reads both, takes the minimum). */
function minConf(ip6: Ipv6Net, pick: ConfPick): number {
  const all = pick(ip6.addrconf.all);
  const idev = ip6.inDevConf();
  return idev === undefined ? all : Math.min(all, pick(idev));
}

/** ipv6_rthdr_rcv. */
function ipv6RthdrRcv(ip6: Ipv6Net, pkb: PacketBuffer): number {
  const b = pkb.buf;
  const nh = pkb.networkHeader;
  const hdr = pkb.transportHeader;
  if (!headerFits(pkb, hdr)) return verdictDrop(SKB_DROP_REASON_NOT_SPECIFIED, IPSTATS_MIB_INHDRERRORS);
  if (addrIsMulticast(b, nh + IP6.DST_ADDR)) return verdictDrop(SKB_DROP_REASON_NOT_SPECIFIED, IPSTATS_MIB_INADDRERRORS);
  const type = b[hdr + RT.ROUTING_TYPE] ?? 0;
  if (type === IPV6_SRCRT_TYPE_4) return ipv6SrhRcv(ip6, pkb, hdr);
  // ipv6_rpl_srh_rcv with rpl_seg_enabled off (the default) drops before looking further.
  if (type === IPV6_SRCRT_TYPE_3) return DROP_PLAIN;
  const segLeft = b[hdr + RT.SEGMENTS_LEFT] ?? 0;
  if (segLeft === 0) {
    // Type 2 is only valid after this node processed it (never, without Mobile IPv6 state).
    if (type === IPV6_SRCRT_TYPE_2) return verdictDrop(SKB_DROP_REASON_NOT_SPECIFIED, IPSTATS_MIB_INADDRERRORS);
    return rthdrDone(ip6, pkb, hdr);
  }
  if (type === IPV6_SRCRT_TYPE_2 && minConf(ip6, ACCEPT_SOURCE_ROUTE) >= 0) {
    if (b[hdr + HDR_EXT_LEN] !== 2 || segLeft !== 1) return verdictDrop(SKB_DROP_REASON_NOT_SPECIFIED, IPSTATS_MIB_INHDRERRORS);
    // xfrm6_input_addr finds no Mobile IPv6 state.
    return verdictDrop(SKB_DROP_REASON_NOT_SPECIFIED, IPSTATS_MIB_INADDRERRORS);
  }
  ip6.pendingIcmp.set(ICMPV6_PARAMPROB, ICMPV6_HDR_FIELD, hdr + RT.ROUTING_TYPE - nh);
  return verdictIcmp(SKB_DROP_REASON_NOT_SPECIFIED, IPSTATS_MIB_INHDRERRORS);
}

/** ipv6_srh_rcv: Segment Routing Header (RFC 8754) at `hdr`. */
function ipv6SrhRcv(ip6: Ipv6Net, pkb: PacketBuffer, hdr: number): number {
  if (minConf(ip6, SEG6_ENABLED) === 0) return DROP_PLAIN;
  const b = pkb.buf;
  const nh = pkb.networkHeader;
  for (;;) {
    const segLeft = b[hdr + RT.SEGMENTS_LEFT] ?? 0;
    if (segLeft === 0) return rthdrDone(ip6, pkb, hdr);
    if (segLeft >= (b[hdr + HDR_EXT_LEN] ?? 0) >>> 1) {
      ip6.pendingIcmp.set(ICMPV6_PARAMPROB, ICMPV6_HDR_FIELD, hdr + RT.SEGMENTS_LEFT - nh);
      return verdictIcmp(SKB_DROP_REASON_NOT_SPECIFIED, IPSTATS_MIB_INHDRERRORS);
    }
    const next = segLeft - 1;
    b[hdr + RT.SEGMENTS_LEFT] = next;
    const seg = hdr + RT.SEGMENT_LIST + next * ADDR_LEN;
    b.copyWithin(nh + IP6.DST_ADDR, seg, seg + ADDR_LEN);
    pkb.data = nh;
    const rt = ip6RouteInput(ip6, ip6.cb.iif, pkb);
    if (rt === undefined || (rt.type !== RTN_LOCAL && rt.type !== RTN_ANYCAST)) return ip6DstInput(ip6, pkb, rt);
    // The next segment is ours too: one more hop, then the header again.
    const hl = b[nh + IP6.HOP_LIMIT] ?? 0;
    if (hl <= 1) {
      ip6.pendingIcmp.set(ICMPV6_TIME_EXCEED, ICMPV6_EXC_HOPLIMIT, 0);
      return verdictIcmp(SKB_DROP_REASON_NOT_SPECIFIED, IPSTATS_MIB_INHDRERRORS);
    }
    b[nh + IP6.HOP_LIMIT] = hl - 1;
    pkb.data = hdr;
  }
}

/** inet6_protos[IPPROTO_ROUTING]. */
export const ipv6RthdrProtocol: Inet6Protocol = { handler: ipv6RthdrRcv, delivers: false };
/** inet6_protos[IPPROTO_DSTOPTS]. */
export const ipv6DestoptProtocol: Inet6Protocol = { handler: ipv6DestoptRcv, delivers: false };
/** inet6_protos[IPPROTO_NONE]: dst_discard, which returns 0, so Linux counts it delivered. */
export const ipv6NodataProtocol: Inet6Protocol = { handler: () => DROP_PLAIN, delivers: true };
