/**
 * The configuration side of the IOAM lightweight tunnel (LWTUNNEL_ENCAP_IOAM6), after Linux
 * net/ipv6/ioam6_iptunnel.c (6.18): the IOAM6_IPTUNNEL_* attributes nested in RTA_ENCAP are
 * validated and turned into a state (ioam6_build_state), written back for dumps
 * (ioam6_fill_encap_info), sized (ioam6_encap_nlsize) and compared (ioam6_encap_cmp).
 *
 * The state also holds the Hop-by-Hop template the data path will push (struct ioam6_lwt_encap:
 * HBH header, a 2-byte PadN, the IOAM option header, the trace header and `remlen * 4` zeroed
 * data bytes, padded to 8 octets), and `ioam6EncapHeadroom` says how many bytes it adds. The
 * state also carries the two mutable fields the output path keeps per route: the packet counter
 * and the dst_cache's "same route" mark.
 *
 * The output path (ioam6_output: frequency, inline and encap insertion, the route after it) is
 * in ioam6-lwt-output.ts.
 */

import type { ExtAck } from '../netlink/errors.ts';
import type { NlMsgBuilder } from '../netlink/message.ts';
import { nlaPolicyExactLen, nlaPolicyRange, nlaPolicyTable, nlaParseNested, type NlaPolicyTable } from '../netlink/policy.ts';
import { EINVAL } from '../uapi/errno.ts';
import { IPV6_TLV_IOAM, IPV6_TLV_PADN } from '../uapi/in6.ts';
import {
  IOAM6_TRACE_DATA_SIZE_MAX,
  IOAM6_TRACE_HDR_LEN,
  IOAM6_TRACE_HDR_NODELEN,
  IOAM6_TRACE_HDR_REMLEN,
  IOAM6_TRACE_HDR_TYPE,
  IOAM6_TRACE_NODELEN_MASK,
  IOAM6_TRACE_NODELEN_SHIFT,
  IOAM6_TRACE_REMLEN_MASK,
  IOAM6_TYPE_PREALLOC,
} from '../uapi/ioam6.ts';
import {
  IOAM6_IPTUNNEL_DST,
  IOAM6_IPTUNNEL_FREQ_K,
  IOAM6_IPTUNNEL_FREQ_MAX,
  IOAM6_IPTUNNEL_FREQ_MIN,
  IOAM6_IPTUNNEL_FREQ_N,
  IOAM6_IPTUNNEL_MAX,
  IOAM6_IPTUNNEL_MODE,
  IOAM6_IPTUNNEL_MODE_AUTO,
  IOAM6_IPTUNNEL_MODE_INLINE,
  IOAM6_IPTUNNEL_MODE_MAX,
  IOAM6_IPTUNNEL_MODE_MIN,
  IOAM6_IPTUNNEL_SRC,
  IOAM6_IPTUNNEL_TRACE,
} from '../uapi/ioam6_iptunnel.ts';
import { LWTUNNEL_ENCAP_IOAM6 } from '../uapi/lwtunnel.ts';
import { NLA_U32, NLA_U8 } from '../uapi/netlink.ts';
import { u32 } from '../wire/bytes.ts';

const AF_INET6 = 10;
const IN6_ADDR_LEN = 16;
/** sizeof(struct ipv6hdr): what encap mode adds in front of the Hop-by-Hop header. */
const IPV6_HDR_LEN = 40;

/** Trace-type bits counted in nodelen as one 4-octet word each (bits 0-7 and 11). */
const IOAM6_MASK_SHORT_FIELDS = 0xff100000;
/** Trace-type bits counted as two words each (bits 8-10: the wide fields). */
const IOAM6_MASK_WIDE_FIELDS = 0x00e00000;
/**
 * Bits 12-21 (undefined) and bit 23 (reserved, RFC 9197 4.4.1) of the 24-bit trace type:
 * refused by ioam6_validate_trace_hdr (bit 23 since Linux 6.12).
 */
const IOAM6_TRACE_TYPE_REFUSED = 0x000ffd;

/*
 * struct ioam6_lwt_encap (packed), the template pushed before the trace data:
 *  0        1        2        4                 8                 16
 * +--------+--------+--------+--------+--------+-----------------+--------------
 * |nexthdr | hdrlen | PadN 0 |opt_type|opt_len |rsvd | type| trace header (8)| data...
 * +--------+--------+--------+--------+--------+-----------------+--------------
 */
const E = { NEXTHDR: 0, HDRLEN: 1, PAD: 2, OPT_TYPE: 4, OPT_LEN: 5, IOAM_TYPE: 7, TRACE: 8, DATA: 16 } as const;

/** include/uapi/linux/ioam6_iptunnel.h's policy (ioam6_iptunnel_policy). */
export const IOAM6_IPTUNNEL_POLICY: NlaPolicyTable = nlaPolicyTable(IOAM6_IPTUNNEL_MAX, {
  [IOAM6_IPTUNNEL_FREQ_K]: nlaPolicyRange(NLA_U32, IOAM6_IPTUNNEL_FREQ_MIN, IOAM6_IPTUNNEL_FREQ_MAX),
  [IOAM6_IPTUNNEL_FREQ_N]: nlaPolicyRange(NLA_U32, IOAM6_IPTUNNEL_FREQ_MIN, IOAM6_IPTUNNEL_FREQ_MAX),
  [IOAM6_IPTUNNEL_MODE]: nlaPolicyRange(NLA_U8, IOAM6_IPTUNNEL_MODE_MIN, IOAM6_IPTUNNEL_MODE_MAX),
  [IOAM6_IPTUNNEL_SRC]: nlaPolicyExactLen(IN6_ADDR_LEN),
  [IOAM6_IPTUNNEL_DST]: nlaPolicyExactLen(IN6_ADDR_LEN),
  [IOAM6_IPTUNNEL_TRACE]: nlaPolicyExactLen(IOAM6_TRACE_HDR_LEN),
});

/** struct ioam6_lwt: one route's IOAM encap configuration. */
export interface Ioam6LwtState {
  readonly type: typeof LWTUNNEL_ENCAP_IOAM6;
  /** Insert in `freqK` packets out of every `freqN`. */
  readonly freqK: number;
  readonly freqN: number;
  /** IOAM6_IPTUNNEL_MODE_*. */
  readonly mode: number;
  /** Tunnel source (encap and auto modes), when configured. */
  readonly tunsrc: Uint8Array | undefined;
  /** Tunnel destination; all zeroes in inline mode unless one was given. */
  readonly tundst: Uint8Array;
  /** The 8-byte trace header as stored: the caller's, with nodelen computed by the kernel. */
  readonly trace: Uint8Array;
  /** The Hop-by-Hop template (struct ioam6_lwt_encap plus data), next header left 0. */
  readonly encap: Uint8Array;
  /** ilwt->pkt_cnt: packets the output path has seen (u32, wraps), for the k-of-n frequency. */
  pktCnt: number;
  /**
   * ilwt->cache holding ilwt->null_dst: the first lookup after an insertion found this same
   * route again, so later packets keep their route without a lookup. Like the kernel's fake
   * entry, it is never invalidated (a FIB change does not clear it).
   */
  sameDst: boolean;
}

export type Ioam6BuildResult = { readonly ok: true; readonly value: Ioam6LwtState } | { readonly ok: false; readonly err: number };

function popcount32(v: number): number {
  let x = v >>> 0;
  let n = 0;
  while (x !== 0) {
    x &= x - 1;
    n++;
  }
  return n;
}

/**
 * ioam6_validate_trace_hdr on a copy of the 8 trace-header bytes: false for a zero type word, a
 * zero remlen, remlen above IOAM6_TRACE_DATA_SIZE_MAX / 4, an undefined type bit (12-21) or the
 * reserved bit 23;
 * otherwise writes nodelen (its 5 bits only) and returns true.
 */
export function validateTraceHdr(trace: Uint8Array): boolean {
  const typeWord = u32(trace, IOAM6_TRACE_HDR_TYPE);
  const remlen = (trace[IOAM6_TRACE_HDR_REMLEN] ?? 0) & IOAM6_TRACE_REMLEN_MASK;
  if (typeWord === 0 || remlen === 0 || remlen > IOAM6_TRACE_DATA_SIZE_MAX / 4) return false;
  if (((typeWord >>> 8) & IOAM6_TRACE_TYPE_REFUSED) !== 0) return false;
  const nodelen = popcount32(typeWord & IOAM6_MASK_SHORT_FIELDS) + popcount32(typeWord & IOAM6_MASK_WIDE_FIELDS) * 2;
  const b2 = trace[IOAM6_TRACE_HDR_NODELEN] ?? 0;
  // The field is 5 bits wide: a sum above 31 wraps as the C bitfield does.
  trace[IOAM6_TRACE_HDR_NODELEN] = (b2 & ~IOAM6_TRACE_NODELEN_MASK) | ((nodelen << IOAM6_TRACE_NODELEN_SHIFT) & IOAM6_TRACE_NODELEN_MASK);
  return true;
}

function isUnspecified(a: Uint8Array): boolean {
  for (let i = 0; i < IN6_ADDR_LEN; i++) if (a[i] !== 0) return false;
  return true;
}

/** The Hop-by-Hop template for a validated trace header (ioam6_build_state's tuninfo). */
function buildEncapTemplate(trace: Uint8Array): Uint8Array {
  const remlen = (trace[IOAM6_TRACE_HDR_REMLEN] ?? 0) & IOAM6_TRACE_REMLEN_MASK;
  const dataLen = remlen * 4;
  const lenAligned = (dataLen + 7) & ~7;
  const out = new Uint8Array(E.DATA + lenAligned);
  out[E.HDRLEN] = ((E.DATA + lenAligned) >> 3) - 1;
  out[E.PAD] = IPV6_TLV_PADN;
  out[E.OPT_TYPE] = IPV6_TLV_IOAM;
  out[E.OPT_LEN] = 2 + IOAM6_TRACE_HDR_LEN + dataLen;
  out[E.IOAM_TYPE] = IOAM6_TYPE_PREALLOC;
  out.set(trace.subarray(0, IOAM6_TRACE_HDR_LEN), E.TRACE);
  if (lenAligned !== dataLen) {
    // A 4-byte PadN after an odd number of data words.
    out[E.DATA + dataLen] = IPV6_TLV_PADN;
    out[E.DATA + dataLen + 1] = 2;
  }
  return out;
}

/**
 * ioam6_build_state: the attribute at `nla` in `bytes` (RTA_ENCAP) parsed strictly against
 * IOAM6_IPTUNNEL_POLICY and checked in the kernel's order, with its extack messages.
 */
export function ioam6BuildState(bytes: Uint8Array, nla: number, family: number, extack: ExtAck): Ioam6BuildResult {
  if (family !== AF_INET6) return { ok: false, err: -EINVAL };
  const parsed = nlaParseNested(bytes, nla, IOAM6_IPTUNNEL_MAX, IOAM6_IPTUNNEL_POLICY, extack);
  if (!parsed.ok) return { ok: false, err: parsed.error.err };
  const tb = parsed.value;
  const hasK = tb.has(IOAM6_IPTUNNEL_FREQ_K);
  const hasN = tb.has(IOAM6_IPTUNNEL_FREQ_N);
  let freqK = IOAM6_IPTUNNEL_FREQ_MIN;
  let freqN = IOAM6_IPTUNNEL_FREQ_MIN;
  if (hasK !== hasN) {
    extack.msg = 'freq: missing parameter';
    return { ok: false, err: -EINVAL };
  }
  if (hasK) {
    freqK = tb.u32(IOAM6_IPTUNNEL_FREQ_K) ?? IOAM6_IPTUNNEL_FREQ_MIN;
    freqN = tb.u32(IOAM6_IPTUNNEL_FREQ_N) ?? IOAM6_IPTUNNEL_FREQ_MIN;
    if (freqK > freqN) {
      extack.msg = 'freq: k > n is forbidden';
      return { ok: false, err: -EINVAL };
    }
  }
  const mode = tb.u8(IOAM6_IPTUNNEL_MODE) ?? IOAM6_IPTUNNEL_MODE_INLINE;
  if (tb.has(IOAM6_IPTUNNEL_SRC) && mode === IOAM6_IPTUNNEL_MODE_INLINE) {
    extack.msg = 'no tunnel src expected with this mode';
    return { ok: false, err: -EINVAL };
  }
  if (!tb.has(IOAM6_IPTUNNEL_DST) && mode !== IOAM6_IPTUNNEL_MODE_INLINE) {
    extack.msg = 'this mode needs a tunnel destination';
    return { ok: false, err: -EINVAL };
  }
  const traceData = tb.data(IOAM6_IPTUNNEL_TRACE);
  if (traceData === undefined) {
    extack.msg = 'missing trace';
    return { ok: false, err: -EINVAL };
  }
  // The kernel writes nodelen into the request itself; a copy keeps the caller's buffer intact.
  const trace = traceData.slice(0, IOAM6_TRACE_HDR_LEN);
  if (!validateTraceHdr(trace)) {
    extack.msg = 'invalid trace validation';
    extack.badAttrOffset = tb.offset(IOAM6_IPTUNNEL_TRACE);
    return { ok: false, err: -EINVAL };
  }
  let tunsrc: Uint8Array | undefined;
  const src = tb.data(IOAM6_IPTUNNEL_SRC);
  if (src !== undefined) {
    tunsrc = src.slice(0, IN6_ADDR_LEN);
    if (isUnspecified(tunsrc)) {
      extack.msg = 'invalid tunnel source address';
      extack.badAttrOffset = tb.offset(IOAM6_IPTUNNEL_SRC);
      return { ok: false, err: -EINVAL };
    }
  }
  const dst = tb.data(IOAM6_IPTUNNEL_DST);
  const tundst = dst === undefined ? new Uint8Array(IN6_ADDR_LEN) : dst.slice(0, IN6_ADDR_LEN);
  if (dst !== undefined && isUnspecified(tundst)) {
    extack.msg = 'invalid tunnel dest address';
    extack.badAttrOffset = tb.offset(IOAM6_IPTUNNEL_DST);
    return { ok: false, err: -EINVAL };
  }
  return {
    ok: true,
    value: {
      type: LWTUNNEL_ENCAP_IOAM6,
      freqK,
      freqN,
      mode,
      tunsrc,
      tundst,
      trace,
      encap: buildEncapTemplate(trace),
      pktCnt: 0,
      sameDst: false,
    },
  };
}

/** ioam6_fill_encap_info: the attributes inside RTA_ENCAP, in the kernel's order. */
export function ioam6FillEncapInfo(b: NlMsgBuilder, st: Ioam6LwtState): void {
  b.putU32(IOAM6_IPTUNNEL_FREQ_K, st.freqK);
  b.putU32(IOAM6_IPTUNNEL_FREQ_N, st.freqN);
  b.putU8(IOAM6_IPTUNNEL_MODE, st.mode);
  if (st.mode !== IOAM6_IPTUNNEL_MODE_INLINE) {
    if (st.tunsrc !== undefined) b.putIn6Addr(IOAM6_IPTUNNEL_SRC, st.tunsrc);
    b.putIn6Addr(IOAM6_IPTUNNEL_DST, st.tundst);
  }
  b.put(IOAM6_IPTUNNEL_TRACE, st.trace);
}

function nlaTotal(payload: number): number {
  return (4 + payload + 3) & ~3;
}

/** ioam6_encap_nlsize: the room ioam6FillEncapInfo takes. */
export function ioam6EncapNlsize(st: Ioam6LwtState): number {
  let n = nlaTotal(4) + nlaTotal(4) + nlaTotal(1) + nlaTotal(IOAM6_TRACE_HDR_LEN);
  if (st.mode !== IOAM6_IPTUNNEL_MODE_INLINE) {
    if (st.tunsrc !== undefined) n += nlaTotal(IN6_ADDR_LEN);
    n += nlaTotal(IN6_ADDR_LEN);
  }
  return n;
}

function sameAddr(a: Uint8Array | undefined, b: Uint8Array | undefined): boolean {
  if (a === undefined || b === undefined) return a === b;
  for (let i = 0; i < IN6_ADDR_LEN; i++) if (a[i] !== b[i]) return false;
  return true;
}

/**
 * ioam6_encap_cmp inverted: true when two states count as the same encap (frequency, mode,
 * tunnel addresses outside inline mode, trace namespace). Like the kernel, the trace type and
 * size are not compared.
 */
export function ioam6EncapEqual(a: Ioam6LwtState, b: Ioam6LwtState): boolean {
  if (a.freqK !== b.freqK || a.freqN !== b.freqN || a.mode !== b.mode) return false;
  if ((a.tunsrc !== undefined) !== (b.tunsrc !== undefined)) return false;
  if (a.mode !== IOAM6_IPTUNNEL_MODE_INLINE) {
    if (!sameAddr(a.tundst, b.tundst)) return false;
    if (a.tunsrc !== undefined && !sameAddr(a.tunsrc, b.tunsrc)) return false;
  }
  return a.trace[0] === b.trace[0] && a.trace[1] === b.trace[1];
}

/**
 * Bytes the encap adds to a packet: the Hop-by-Hop template ((hdrlen + 1) * 8), plus an outer
 * IPv6 header in encap mode. Auto mode is inline for locally generated packets and encap for
 * forwarded ones (`forwarded`). This is not the lwtunnel headroom: ioam6_build_state never sets
 * lwt->headroom, so Linux does not lower the route MTU for IOAM (see ioam6-lwt-output.ts).
 */
export function ioam6EncapHeadroom(st: Ioam6LwtState, forwarded: boolean): number {
  const hbh = ((st.encap[E.HDRLEN] ?? 0) + 1) << 3;
  if (st.mode === IOAM6_IPTUNNEL_MODE_INLINE) return hbh;
  if (st.mode === IOAM6_IPTUNNEL_MODE_AUTO && !forwarded) return hbh;
  return hbh + IPV6_HDR_LEN;
}
