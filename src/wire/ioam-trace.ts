/**
 * IOAM Pre-allocated and Incremental Trace Option-Types (RFC 9197 §4.4) carried in the IPv6
 * IOAM option (RFC 9486 §3).
 *
 * Every function here takes the IOAM option's bytes starting at its IPv6 option type byte
 * (0x31 or 0x11), plus an `offset` so a caller can pass a whole packet without `subarray`.
 * Error offsets are positions in that buffer.
 *
 *      0                   1                   2                   3
 *      0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 *     +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *     |  Option Type  |  Opt Data Len |   Reserved    | IOAM Opt-Type |  RFC 9486 §3
 *     +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *     |         Namespace-ID          |NodeLen  | Flags | RemainingLen|  RFC 9197 §4.4
 *     +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *     |               IOAM-Trace-Type                 |  Reserved     |
 *     +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *     |  free space (RemainingLen * 4 octets, pre-allocated trace only) |
 *     |  node data list [0]  (the most recent hop)                     |
 *     |  ...                                                           |
 *     |  node data list [n]  (the first hop)                           |
 *     +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *
 * A node writes its entry just before the data already there (Linux ioam6_fill_trace_data:
 * `data + remlen*4 - nodelen*4 - sclen*4`) and lowers RemainingLen, so in wire order the newest
 * hop comes first. `hops` in a Repr keep wire order: `hops[0]` is the most recent hop.
 *
 * Checks follow Linux 6.18 ipv6_hop_ioam: Opt Data Len >= 10, RemainingLen inside the option,
 * and NodeLen equal to the length the trace type implies (ioam6_trace_compute_nodelen, the 2026
 * fix); a Repr decoder also walks the filled entries and refuses partial ones.
 *
 * Not supported: interpreting Opaque State Snapshot data (kept as bytes), and the Integrity
 * Protected trace types (64, 65) that are only temporarily registered.
 */

import {
  IOAM6_HDR_LEN,
  IOAM6_HDR_OPT_LEN,
  IOAM6_HDR_OPT_TYPE,
  IOAM6_HDR_TYPE,
  IOAM6_MASK_SHORT_FIELDS,
  IOAM6_MASK_WIDE_FIELDS,
  IOAM6_TRACE_DATA_SIZE_MAX,
  IOAM6_TRACE_HDR_LEN,
  IOAM6_TRACE_HDR_NAMESPACE_ID,
  IOAM6_TRACE_HDR_NODELEN,
  IOAM6_TRACE_HDR_REMLEN,
  IOAM6_TRACE_HDR_TYPE,
  IOAM6_TRACE_NODELEN_MASK,
  IOAM6_TRACE_NODELEN_SHIFT,
  IOAM6_TRACE_OVERFLOW_MASK,
  IOAM6_TRACE_REMLEN_MASK,
  IOAM6_TRACE_TYPE_BIT0,
  IOAM6_TRACE_TYPE_BIT1,
  IOAM6_TRACE_TYPE_BIT10,
  IOAM6_TRACE_TYPE_BIT11,
  IOAM6_TRACE_TYPE_BIT2,
  IOAM6_TRACE_TYPE_BIT22,
  IOAM6_TRACE_TYPE_BIT23,
  IOAM6_TRACE_TYPE_BIT3,
  IOAM6_TRACE_TYPE_BIT4,
  IOAM6_TRACE_TYPE_BIT5,
  IOAM6_TRACE_TYPE_BIT6,
  IOAM6_TRACE_TYPE_BIT7,
  IOAM6_TRACE_TYPE_BIT8,
  IOAM6_TRACE_TYPE_BIT9,
  IOAM6_TRACE_TYPE_UNDEFINED,
  IOAM_OPTION_TYPE,
  IOAM_TRACE_FLAG_OVERFLOW,
  IPV6_TLV_IOAM_NOCHANGE,
} from '../uapi/ioam6.ts';
import { IPV6_TLV_IOAM } from '../uapi/in6.ts';
import { setU16, setU24, setU32, setU56, setU64, u16, u24, u32, u56, u64 } from './bytes.ts';
import type { Result, WireError, WireErrorKind } from './result.ts';
import { ok, wireError } from './result.ts';

/** Offsets from the option type byte (the ioam6_hdr, then the ioam6_trace_hdr). */
const F = {
  OPT_TYPE: IOAM6_HDR_OPT_TYPE,
  OPT_DATA_LEN: IOAM6_HDR_OPT_LEN,
  IOAM_TYPE: IOAM6_HDR_TYPE,
  NAMESPACE_ID: IOAM6_HDR_LEN + IOAM6_TRACE_HDR_NAMESPACE_ID,
  NODELEN_FLAGS: IOAM6_HDR_LEN + IOAM6_TRACE_HDR_NODELEN,
  FLAGS_REMLEN: IOAM6_HDR_LEN + IOAM6_TRACE_HDR_REMLEN,
  TRACE_TYPE: IOAM6_HDR_LEN + IOAM6_TRACE_HDR_TYPE,
  RESERVED: IOAM6_HDR_LEN + IOAM6_TRACE_HDR_TYPE + 3,
  DATA: IOAM6_HDR_LEN + IOAM6_TRACE_HDR_LEN,
} as const;

/** Option type byte through the end of the trace header. */
export const IOAM_TRACE_OPTION_MIN_LEN: number = F.DATA;
/** Opt Data Len of a trace option without data: Reserved + IOAM Opt-Type + trace header. */
const MIN_OPT_DATA_LEN = F.DATA - 2;
/** Opt Data Len is one octet. */
const MAX_OPT_DATA_LEN = 255;
/** The trace type occupies 24 bits. */
const TRACE_TYPE_MAX = 0xffffff;
/** Opaque State Snapshot Length is one octet, in 4-octet units. */
const OSS_MAX_DATA_LEN = 255 * 4;

/** Short (4-octet) and wide (8-octet) fields of the 24-bit trace type, from the kernel masks. */
const SHORT_FIELDS = IOAM6_MASK_SHORT_FIELDS >>> 8;
const WIDE_FIELDS = IOAM6_MASK_WIDE_FIELDS >>> 8;

// Module-local copies of the numbers the fast path reads per packet: imported bindings cost a
// lookup each under some loaders (tsx), locals are constants to the JIT.
const OPT_IOAM = IPV6_TLV_IOAM;
const OPT_IOAM_NOCHANGE = IPV6_TLV_IOAM_NOCHANGE;
const PREALLOC = IOAM_OPTION_TYPE.PREALLOC_TRACE;
const INCREMENTAL = IOAM_OPTION_TYPE.INCREMENTAL_TRACE;
const NODELEN_MASK = IOAM6_TRACE_NODELEN_MASK;
const NODELEN_SHIFT = IOAM6_TRACE_NODELEN_SHIFT;
const REMLEN_MASK = IOAM6_TRACE_REMLEN_MASK;
const BIT0 = IOAM6_TRACE_TYPE_BIT0;
const BIT22 = IOAM6_TRACE_TYPE_BIT22;
const O_OPT_LEN = IOAM6_HDR_OPT_LEN;
const O_IOAM_TYPE = IOAM6_HDR_TYPE;
const O_NODELEN = IOAM6_HDR_LEN + IOAM6_TRACE_HDR_NODELEN;
const O_REMLEN = IOAM6_HDR_LEN + IOAM6_TRACE_HDR_REMLEN;
const O_TYPE = IOAM6_HDR_LEN + IOAM6_TRACE_HDR_TYPE;
const O_DATA = IOAM6_HDR_LEN + IOAM6_TRACE_HDR_LEN;

function popcount24(x: number): number {
  let v = x & TRACE_TYPE_MAX;
  v = v - ((v >>> 1) & 0x555555);
  v = (v & 0x333333) + ((v >>> 2) & 0x333333);
  v = (v + (v >>> 4)) & 0x0f0f0f;
  return (v + (v >>> 8) + (v >>> 16)) & 0x1f;
}

/**
 * NodeLen (4-octet units) implied by a 24-bit trace type, as Linux ioam6_trace_compute_nodelen
 * computes it: one unit per short field (bits 0-7, 11 and the undefined bits 12-21), two per
 * wide field (bits 8-10). The Opaque State Snapshot (bit 22) is not part of NodeLen.
 */
export function traceNodeLen(traceType: number): number {
  return popcount24(traceType & SHORT_FIELDS) + 2 * popcount24(traceType & WIDE_FIELDS);
}

/**
 * Whether a trace type may be configured for insertion, by the rule of Linux
 * ioam6_validate_trace_hdr: a non-zero 24-bit value with none of the undefined bits 12-21 and
 * not the reserved bit 23. Received traces may carry undefined bits; decoders accept them.
 */
export function traceTypeValid(traceType: number): boolean {
  return (
    Number.isInteger(traceType) &&
    traceType > 0 &&
    traceType <= TRACE_TYPE_MAX &&
    (traceType & (IOAM6_TRACE_TYPE_UNDEFINED | IOAM6_TRACE_TYPE_BIT23)) === 0
  );
}

/**
 * Byte offset of the field selected by `bit` (a single IOAM6_TRACE_TYPE_BITn mask) inside a node
 * entry of `traceType`, or -1 when the trace type does not carry it. For the fast path: read a
 * field of every hop without decoding the entry.
 */
export function traceFieldOffset(traceType: number, bit: number): number {
  if ((traceType & bit) === 0 || popcount24(bit) !== 1) return -1;
  // Every set bit above `bit` (lower bit number) precedes it; bits 12-21 are 4 octets each,
  // and bit 22 comes after all fixed fields.
  if (bit === IOAM6_TRACE_TYPE_BIT22) return traceNodeLen(traceType) * 4;
  if (bit === IOAM6_TRACE_TYPE_BIT23) return -1;
  const before = traceType & ~((bit << 1) - 1) & TRACE_TYPE_MAX;
  return traceNodeLen(before) * 4;
}

/** One node data entry (RFC 9197 §4.4.2). Each property is present exactly when its bit is set. */
export interface IoamNodeRepr {
  /** Bit 0: Hop_Lim (8 bits) and node_id (24 bits). */
  readonly hopLimitNodeId?: { readonly hopLimit: number; readonly nodeId: number };
  /** Bit 1: ingress_if_id and egress_if_id (16 bits each). */
  readonly ifIds?: { readonly ingress: number; readonly egress: number };
  /** Bit 2: timestamp seconds. */
  readonly timestampSecs?: number;
  /** Bit 3: timestamp subseconds (Linux writes microseconds). */
  readonly timestampFrac?: number;
  /** Bit 4: transit delay. */
  readonly transitDelay?: number;
  /** Bit 5: namespace specific data (32 bits). */
  readonly namespaceData?: number;
  /** Bit 6: queue depth. */
  readonly queueDepth?: number;
  /** Bit 7: checksum complement. */
  readonly checksumComplement?: number;
  /** Bit 8: Hop_Lim (8 bits) and node_id (56 bits). */
  readonly hopLimitNodeIdWide?: { readonly hopLimit: number; readonly nodeId: bigint };
  /** Bit 9: ingress_if_id and egress_if_id (32 bits each). */
  readonly ifIdsWide?: { readonly ingress: number; readonly egress: number };
  /** Bit 10: namespace specific data (64 bits). */
  readonly namespaceDataWide?: bigint;
  /** Bit 11: buffer occupancy. */
  readonly bufferOccupancy?: number;
  /** Bits 12-21 (undefined): one 32-bit value per set bit, in bit order. */
  readonly undefinedFields?: readonly number[];
  /** Bit 22: Opaque State Snapshot; `data.length` is a multiple of 4, at most 1020. */
  readonly opaqueState?: { readonly schemaId: number; readonly data: Uint8Array };
}

/** Octets one node entry takes in a trace of `traceType` (fixed part plus its snapshot). */
export function ioamNodeBufferLen(node: IoamNodeRepr, traceType: number): number {
  const oss = (traceType & IOAM6_TRACE_TYPE_BIT22) !== 0 ? 4 + (node.opaqueState?.data.length ?? 0) : 0;
  return traceNodeLen(traceType) * 4 + oss;
}

function need<T>(value: T | undefined, what: string): T {
  if (value === undefined) throw new RangeError(`IOAM node entry: trace type requires ${what}`);
  return value;
}

function checkRange(v: number, max: number, what: string): number {
  if (!Number.isInteger(v) || v < 0 || v > max) throw new RangeError(`IOAM node entry: ${what} out of range: ${v}`);
  return v;
}

function checkBig(v: bigint, bits: bigint, what: string): bigint {
  if (v < 0n || v >> bits !== 0n) throw new RangeError(`IOAM node entry: ${what} out of range: ${v}`);
  return v;
}

/** Throws when `node` carries a field whose bit is clear, or lacks one whose bit is set. */
function checkNodeShape(node: IoamNodeRepr, traceType: number): void {
  const has: ReadonlyArray<readonly [number, unknown, string]> = [
    [IOAM6_TRACE_TYPE_BIT0, node.hopLimitNodeId, 'hopLimitNodeId (bit 0)'],
    [IOAM6_TRACE_TYPE_BIT1, node.ifIds, 'ifIds (bit 1)'],
    [IOAM6_TRACE_TYPE_BIT2, node.timestampSecs, 'timestampSecs (bit 2)'],
    [IOAM6_TRACE_TYPE_BIT3, node.timestampFrac, 'timestampFrac (bit 3)'],
    [IOAM6_TRACE_TYPE_BIT4, node.transitDelay, 'transitDelay (bit 4)'],
    [IOAM6_TRACE_TYPE_BIT5, node.namespaceData, 'namespaceData (bit 5)'],
    [IOAM6_TRACE_TYPE_BIT6, node.queueDepth, 'queueDepth (bit 6)'],
    [IOAM6_TRACE_TYPE_BIT7, node.checksumComplement, 'checksumComplement (bit 7)'],
    [IOAM6_TRACE_TYPE_BIT8, node.hopLimitNodeIdWide, 'hopLimitNodeIdWide (bit 8)'],
    [IOAM6_TRACE_TYPE_BIT9, node.ifIdsWide, 'ifIdsWide (bit 9)'],
    [IOAM6_TRACE_TYPE_BIT10, node.namespaceDataWide, 'namespaceDataWide (bit 10)'],
    [IOAM6_TRACE_TYPE_BIT11, node.bufferOccupancy, 'bufferOccupancy (bit 11)'],
    [IOAM6_TRACE_TYPE_UNDEFINED, node.undefinedFields, 'undefinedFields (bits 12-21)'],
    [IOAM6_TRACE_TYPE_BIT22, node.opaqueState, 'opaqueState (bit 22)'],
  ];
  for (const [bit, value, what] of has) {
    if (((traceType & bit) !== 0) !== (value !== undefined)) {
      throw new RangeError(`IOAM node entry: ${what} must be present exactly when its bit is set in 0x${traceType.toString(16)}`);
    }
  }
  const undef = popcount24(traceType & IOAM6_TRACE_TYPE_UNDEFINED);
  if (undef !== 0 && node.undefinedFields?.length !== undef) {
    throw new RangeError(`IOAM node entry: undefinedFields needs ${undef} values`);
  }
}

/**
 * Writes one node entry for `traceType` at `offset` and returns its length
 * (`ioamNodeBufferLen`). Throws when the entry does not match the trace type or `b` is short.
 */
export function emitIoamNode(node: IoamNodeRepr, traceType: number, b: Uint8Array, offset = 0): number {
  checkRange(traceType, TRACE_TYPE_MAX, 'trace type');
  checkNodeShape(node, traceType);
  const len = ioamNodeBufferLen(node, traceType);
  if (offset < 0 || offset + len > b.length) throw new RangeError(`emitIoamNode: needs ${len} octets at ${offset}, buffer has ${b.length}`);
  let p = offset;
  const t = traceType;
  if (t & IOAM6_TRACE_TYPE_BIT0) {
    const f = need(node.hopLimitNodeId, 'hopLimitNodeId');
    b[p] = checkRange(f.hopLimit, 0xff, 'hop limit');
    setU24(b, p + 1, checkRange(f.nodeId, 0xffffff, 'node id'));
    p += 4;
  }
  if (t & IOAM6_TRACE_TYPE_BIT1) {
    const f = need(node.ifIds, 'ifIds');
    setU16(b, p, checkRange(f.ingress, 0xffff, 'ingress if id'));
    setU16(b, p + 2, checkRange(f.egress, 0xffff, 'egress if id'));
    p += 4;
  }
  const u32s: ReadonlyArray<readonly [number, number | undefined, string]> = [
    [IOAM6_TRACE_TYPE_BIT2, node.timestampSecs, 'timestamp seconds'],
    [IOAM6_TRACE_TYPE_BIT3, node.timestampFrac, 'timestamp subseconds'],
    [IOAM6_TRACE_TYPE_BIT4, node.transitDelay, 'transit delay'],
    [IOAM6_TRACE_TYPE_BIT5, node.namespaceData, 'namespace data'],
    [IOAM6_TRACE_TYPE_BIT6, node.queueDepth, 'queue depth'],
    [IOAM6_TRACE_TYPE_BIT7, node.checksumComplement, 'checksum complement'],
  ];
  for (const [bit, v, what] of u32s) {
    if (t & bit) {
      setU32(b, p, checkRange(need(v, what), 0xffffffff, what));
      p += 4;
    }
  }
  if (t & IOAM6_TRACE_TYPE_BIT8) {
    const f = need(node.hopLimitNodeIdWide, 'hopLimitNodeIdWide');
    b[p] = checkRange(f.hopLimit, 0xff, 'hop limit (wide)');
    setU56(b, p + 1, checkBig(f.nodeId, 56n, 'node id (wide)'));
    p += 8;
  }
  if (t & IOAM6_TRACE_TYPE_BIT9) {
    const f = need(node.ifIdsWide, 'ifIdsWide');
    setU32(b, p, checkRange(f.ingress, 0xffffffff, 'ingress if id (wide)'));
    setU32(b, p + 4, checkRange(f.egress, 0xffffffff, 'egress if id (wide)'));
    p += 8;
  }
  if (t & IOAM6_TRACE_TYPE_BIT10) {
    setU64(b, p, checkBig(need(node.namespaceDataWide, 'namespaceDataWide'), 64n, 'namespace data (wide)'));
    p += 8;
  }
  if (t & IOAM6_TRACE_TYPE_BIT11) {
    setU32(b, p, checkRange(need(node.bufferOccupancy, 'bufferOccupancy'), 0xffffffff, 'buffer occupancy'));
    p += 4;
  }
  for (const v of node.undefinedFields ?? []) {
    setU32(b, p, checkRange(v, 0xffffffff, 'undefined field'));
    p += 4;
  }
  if (t & IOAM6_TRACE_TYPE_BIT22) {
    const oss = need(node.opaqueState, 'opaqueState');
    if (oss.data.length % 4 !== 0 || oss.data.length > OSS_MAX_DATA_LEN) {
      throw new RangeError(`IOAM node entry: opaque data length ${oss.data.length} is not a multiple of 4 up to ${OSS_MAX_DATA_LEN}`);
    }
    b[p] = oss.data.length / 4;
    setU24(b, p + 1, checkRange(oss.schemaId, 0xffffff, 'schema id'));
    b.set(oss.data, p + 4);
    p += 4 + oss.data.length;
  }
  return p - offset;
}

/**
 * Decodes the node entry at `offset` for `traceType`, reading no further than `end`. Returns
 * the entry and its length. Opaque data is a subarray of `b`.
 */
export function parseIoamNode(
  b: Uint8Array,
  offset: number,
  end: number,
  traceType: number,
): Result<{ readonly node: IoamNodeRepr; readonly length: number }> {
  const limit = Math.min(end, b.length);
  const fixed = traceNodeLen(traceType) * 4;
  if (offset < 0 || limit - offset < fixed) {
    return wireError('bad-length', offset, 'node data list', `a node entry of trace type 0x${hex24(traceType)} needs ${fixed} octets, ${Math.max(0, limit - offset)} remain`);
  }
  const t = traceType;
  let p = offset;
  const node: { -readonly [K in keyof IoamNodeRepr]: IoamNodeRepr[K] } = {};
  if (t & IOAM6_TRACE_TYPE_BIT0) {
    node.hopLimitNodeId = { hopLimit: b[p] ?? 0, nodeId: u24(b, p + 1) };
    p += 4;
  }
  if (t & IOAM6_TRACE_TYPE_BIT1) {
    node.ifIds = { ingress: u16(b, p), egress: u16(b, p + 2) };
    p += 4;
  }
  const word = (bit: number): number | undefined => {
    if ((t & bit) === 0) return undefined;
    p += 4;
    return u32(b, p - 4);
  };
  const secs = word(IOAM6_TRACE_TYPE_BIT2);
  if (secs !== undefined) node.timestampSecs = secs;
  const frac = word(IOAM6_TRACE_TYPE_BIT3);
  if (frac !== undefined) node.timestampFrac = frac;
  const delay = word(IOAM6_TRACE_TYPE_BIT4);
  if (delay !== undefined) node.transitDelay = delay;
  const nsData = word(IOAM6_TRACE_TYPE_BIT5);
  if (nsData !== undefined) node.namespaceData = nsData;
  const qDepth = word(IOAM6_TRACE_TYPE_BIT6);
  if (qDepth !== undefined) node.queueDepth = qDepth;
  const csum = word(IOAM6_TRACE_TYPE_BIT7);
  if (csum !== undefined) node.checksumComplement = csum;
  if (t & IOAM6_TRACE_TYPE_BIT8) {
    node.hopLimitNodeIdWide = { hopLimit: b[p] ?? 0, nodeId: u56(b, p + 1) };
    p += 8;
  }
  if (t & IOAM6_TRACE_TYPE_BIT9) {
    node.ifIdsWide = { ingress: u32(b, p), egress: u32(b, p + 4) };
    p += 8;
  }
  if (t & IOAM6_TRACE_TYPE_BIT10) {
    node.namespaceDataWide = u64(b, p);
    p += 8;
  }
  const occupancy = word(IOAM6_TRACE_TYPE_BIT11);
  if (occupancy !== undefined) node.bufferOccupancy = occupancy;
  const undef = popcount24(t & IOAM6_TRACE_TYPE_UNDEFINED);
  if (undef !== 0) {
    const values: number[] = [];
    for (let i = 0; i < undef; i++, p += 4) values.push(u32(b, p));
    node.undefinedFields = values;
  }
  if (t & IOAM6_TRACE_TYPE_BIT22) {
    if (limit - p < 4) {
      return wireError('bad-length', p, 'Opaque State Snapshot', `the snapshot header needs 4 octets, ${limit - p} remain`);
    }
    const len = (b[p] ?? 0) * 4;
    if (limit - p - 4 < len) {
      return wireError('bad-length', p, 'Opaque State Snapshot Length', `${len} octets of opaque data announced, ${limit - p - 4} remain`);
    }
    node.opaqueState = { schemaId: u24(b, p + 1), data: b.subarray(p + 4, p + 4 + len) };
    p += 4 + len;
  }
  return ok({ node, length: p - offset });
}

function hex24(v: number): string {
  return v.toString(16).padStart(6, '0');
}

/* ---------------------------------------------------------------------------------------------
 * Header validation, shared by the view, the Repr decoder and the fast path. Codes index a
 * table of prebuilt descriptions so the fast path allocates nothing.
 */

const PROBLEMS: ReadonlyArray<{ kind: WireErrorKind; at: number; field: string; message: string }> = [
  { kind: 'truncated', at: 0, field: 'IOAM option', message: '' }, // 0: unused ("no problem")
  { kind: 'truncated', at: F.OPT_TYPE, field: 'Opt Data Len', message: 'the buffer ends inside the IPv6 option header' },
  { kind: 'bad-value', at: F.OPT_TYPE, field: 'Option Type', message: 'not an IOAM option (0x31 or 0x11)' },
  { kind: 'bad-length', at: F.OPT_DATA_LEN, field: 'Opt Data Len', message: 'shorter than an IOAM trace header (10 octets)' },
  { kind: 'truncated', at: F.OPT_DATA_LEN, field: 'Opt Data Len', message: 'the option runs past the end of the buffer' },
  { kind: 'bad-value', at: F.IOAM_TYPE, field: 'IOAM Opt-Type', message: 'not a trace (Pre-allocated 0 or Incremental 1)' },
  { kind: 'bad-length', at: F.FLAGS_REMLEN, field: 'RemainingLen', message: 'the free space runs past the end of the option' },
  { kind: 'bad-value', at: F.NODELEN_FLAGS, field: 'NodeLen', message: 'does not match the length the IOAM-Trace-Type implies' },
];
const P_TRUNCATED_HDR = 1;
const P_OPTION_TYPE = 2;
const P_OPT_LEN_SHORT = 3;
const P_OPT_TRUNCATED = 4;
const P_NOT_TRACE = 5;
const P_REMLEN = 6;
const P_NODELEN = 7;

/** 0 when the trace option at `o` passes Linux's receive checks, else a PROBLEMS index. */
function traceProblem(b: Uint8Array, o: number): number {
  if (!(o >= 0) || b.length - o < 2) return P_TRUNCATED_HDR;
  const optType = b[o];
  if (optType !== OPT_IOAM && optType !== OPT_IOAM_NOCHANGE) return P_OPTION_TYPE;
  const optLen = b[o + O_OPT_LEN] ?? 0;
  if (optLen < MIN_OPT_DATA_LEN) return P_OPT_LEN_SHORT;
  if (b.length - o < 2 + optLen) return P_OPT_TRUNCATED;
  const ioamType = b[o + O_IOAM_TYPE];
  if (ioamType !== PREALLOC && ioamType !== INCREMENTAL) return P_NOT_TRACE;
  if (ioamType === PREALLOC && optLen < MIN_OPT_DATA_LEN + ((b[o + O_REMLEN] ?? 0) & REMLEN_MASK) * 4) return P_REMLEN;
  const nodeLen = ((b[o + O_NODELEN] ?? 0) & NODELEN_MASK) >>> NODELEN_SHIFT;
  const t = ((b[o + O_TYPE] ?? 0) << 16) | ((b[o + O_TYPE + 1] ?? 0) << 8) | (b[o + O_TYPE + 2] ?? 0);
  if (nodeLen !== popcount24(t & SHORT_FIELDS) + 2 * popcount24(t & WIDE_FIELDS)) return P_NODELEN;
  return 0;
}

const UNKNOWN_PROBLEM = { kind: 'truncated' as const, at: 0, field: 'IOAM option', message: 'malformed' };

function problemError(code: number, o: number): { readonly ok: false; readonly error: WireError } {
  const { kind, at, field, message } = PROBLEMS[code] ?? UNKNOWN_PROBLEM;
  return wireError(kind, o + at, field, message);
}

/**
 * Zero-copy view of an IOAM trace option (Pre-allocated or Incremental), from its IPv6 option
 * type byte. After `check` every getter reads in place and cannot fail.
 */
export class IoamTraceView {
  private b: Uint8Array;
  private o: number;

  private constructor(b: Uint8Array, o: number) {
    this.b = b;
    this.o = o;
  }

  /** Validates the option as Linux ipv6_hop_ioam does before touching the trace. */
  static check(b: Uint8Array, offset = 0): Result<IoamTraceView> {
    const code = traceProblem(b, offset);
    return code === 0 ? ok(new IoamTraceView(b, offset)) : problemError(code, offset);
  }

  /**
   * Points this view at another option without allocating, for a reused per-worker view.
   * Returns false (and leaves the view pointing at the old, still valid, bytes) when the new
   * option fails `check`.
   */
  reset(b: Uint8Array, offset = 0): boolean {
    if (traceProblem(b, offset) !== 0) return false;
    this.b = b;
    this.o = offset;
    return true;
  }

  get bytes(): Uint8Array {
    return this.b;
  }
  /** Offset of the option type byte in `bytes`. */
  get offset(): number {
    return this.o;
  }
  get optionType(): number {
    return this.b[this.o + F.OPT_TYPE] ?? 0;
  }
  get optDataLen(): number {
    return this.b[this.o + F.OPT_DATA_LEN] ?? 0;
  }
  /** Whole option length: 2 + Opt Data Len. */
  get length(): number {
    return 2 + this.optDataLen;
  }
  get ioamType(): number {
    return this.b[this.o + F.IOAM_TYPE] ?? 0;
  }
  get namespaceId(): number {
    return u16(this.b, this.o + F.NAMESPACE_ID);
  }
  set namespaceId(v: number) {
    setU16(this.b, this.o + F.NAMESPACE_ID, v);
  }
  /** NodeLen, in 4-octet units. */
  get nodeLen(): number {
    return ((this.b[this.o + F.NODELEN_FLAGS] ?? 0) & IOAM6_TRACE_NODELEN_MASK) >>> IOAM6_TRACE_NODELEN_SHIFT;
  }
  /** The 4-bit Flags field (IOAM_TRACE_FLAG_*). */
  get flags(): number {
    return (((this.b[this.o + F.NODELEN_FLAGS] ?? 0) & 0x07) << 1) | ((this.b[this.o + F.FLAGS_REMLEN] ?? 0) >>> 7);
  }
  set flags(v: number) {
    const i = this.o + F.NODELEN_FLAGS;
    const j = this.o + F.FLAGS_REMLEN;
    this.b[i] = ((this.b[i] ?? 0) & IOAM6_TRACE_NODELEN_MASK) | ((v >>> 1) & 0x07);
    this.b[j] = ((this.b[j] ?? 0) & IOAM6_TRACE_REMLEN_MASK) | ((v & 1) << 7);
  }
  get overflow(): boolean {
    return ((this.b[this.o + F.NODELEN_FLAGS] ?? 0) & IOAM6_TRACE_OVERFLOW_MASK) !== 0;
  }
  set overflow(v: boolean) {
    const i = this.o + F.NODELEN_FLAGS;
    this.b[i] = v ? (this.b[i] ?? 0) | IOAM6_TRACE_OVERFLOW_MASK : (this.b[i] ?? 0) & ~IOAM6_TRACE_OVERFLOW_MASK;
  }
  /** RemainingLen, in 4-octet units. */
  get remainingLen(): number {
    return (this.b[this.o + F.FLAGS_REMLEN] ?? 0) & IOAM6_TRACE_REMLEN_MASK;
  }
  /**
   * Sets RemainingLen. For a pre-allocated trace it must stay inside the option (so the view
   * stays valid); throws otherwise.
   */
  set remainingLen(v: number) {
    if (!Number.isInteger(v) || v < 0 || v > IOAM6_TRACE_REMLEN_MASK || (this.ioamType === IOAM_OPTION_TYPE.PREALLOC_TRACE && v * 4 > this.dataLength)) {
      throw new RangeError(`RemainingLen ${v} does not fit this trace`);
    }
    const j = this.o + F.FLAGS_REMLEN;
    this.b[j] = ((this.b[j] ?? 0) & ~IOAM6_TRACE_REMLEN_MASK) | v;
  }
  /** The 24-bit IOAM-Trace-Type. */
  get traceType(): number {
    return u24(this.b, this.o + F.TRACE_TYPE);
  }
  get reserved(): number {
    return this.b[this.o + F.RESERVED] ?? 0;
  }
  /** Offset in `bytes` of the first data octet (free space, then node entries). */
  get dataOffset(): number {
    return this.o + F.DATA;
  }
  /** Octets of trace data (free space plus filled entries). */
  get dataLength(): number {
    return this.optDataLen - MIN_OPT_DATA_LEN;
  }
  /** Offset in `bytes` of node data list [0], the most recent entry. */
  get filledOffset(): number {
    return this.ioamType === IOAM_OPTION_TYPE.PREALLOC_TRACE ? this.dataOffset + this.remainingLen * 4 : this.dataOffset;
  }

  /**
   * The transit step of Linux ioam6_fill_trace_data for a pre-allocated trace, without the
   * data: `ossWords` is the snapshot length in 4-octet units including its header (0 when bit
   * 22 is clear). When Overflow is already set returns -1. When the space is missing, sets
   * Overflow and returns -1. Otherwise lowers RemainingLen by NodeLen + ossWords and returns
   * the offset in `bytes` where this node's entry goes.
   */
  reserveNodeData(ossWords = 0): number {
    if (this.ioamType !== IOAM_OPTION_TYPE.PREALLOC_TRACE) throw new RangeError('reserveNodeData: only a pre-allocated trace has room to fill');
    if (this.overflow) return -1;
    const rem = this.remainingLen;
    const need = this.nodeLen + ossWords;
    if (rem === 0 || rem < need) {
      this.overflow = true;
      return -1;
    }
    const at = this.dataOffset + (rem - need) * 4;
    const j = this.o + F.FLAGS_REMLEN;
    this.b[j] = ((this.b[j] ?? 0) & ~IOAM6_TRACE_REMLEN_MASK) | (rem - need);
    return at;
  }
}

/* ---------------------------------------------------------------------------------------------
 * Fast path: walk the filled entries without allocating.
 */

/** Returned by the fast-path walkers when the option is malformed (as `parseIoamTrace` would say). */
export const TRACE_MALFORMED = -1;
/** Returned by `traceNodeIds` when the trace type has no 24-bit node id (bit 0 clear). */
export const TRACE_NO_NODE_ID = -2;

/** Called per filled hop: its index in wire order (0 = most recent) and its entry offset in `b`. */
export type TraceHopVisitor = (index: number, entryOffset: number, b: Uint8Array) => void;

/**
 * Walks the filled entries of the trace option at `o`: returns the hop count or
 * TRACE_MALFORMED (or TRACE_NO_NODE_ID when `ids` is given and bit 0 is clear). The list is
 * proven well formed before the first visit: by arithmetic when entries have a fixed length,
 * by a first pass when they carry snapshots.
 */
function walkTrace(b: Uint8Array, o: number, ids: Uint32Array | undefined, visit: TraceHopVisitor | undefined): number {
  if (traceProblem(b, o) !== 0) return TRACE_MALFORMED;
  const end = o + 2 + (b[o + O_OPT_LEN] ?? 0);
  const t = ((b[o + O_TYPE] ?? 0) << 16) | ((b[o + O_TYPE + 1] ?? 0) << 8) | (b[o + O_TYPE + 2] ?? 0);
  if (ids !== undefined && (t & BIT0) === 0) return TRACE_NO_NODE_ID;
  const start = o + O_DATA + (b[o + O_IOAM_TYPE] === PREALLOC ? ((b[o + O_REMLEN] ?? 0) & REMLEN_MASK) * 4 : 0);
  const fixed = (((b[o + O_NODELEN] ?? 0) & NODELEN_MASK) >>> NODELEN_SHIFT) * 4;
  if ((t & BIT22) === 0) {
    // Entries of zero length cannot be counted: only an empty list is well formed.
    if (fixed === 0) return start === end ? 0 : TRACE_MALFORMED;
    const span = end - start;
    if (span % fixed !== 0) return TRACE_MALFORMED;
    const n = span / fixed;
    if (ids === undefined && visit === undefined) return n;
    for (let i = 0, p = start; i < n; i++, p += fixed) {
      if (ids !== undefined && i < ids.length) ids[i] = ((b[p + 1] ?? 0) << 16) | ((b[p + 2] ?? 0) << 8) | (b[p + 3] ?? 0);
      if (visit !== undefined) visit(i, p, b);
    }
    return n;
  }
  let n = 0;
  for (let p = start; p < end; n++) {
    if (end - p < fixed + 4) return TRACE_MALFORMED;
    p += fixed + 4 + (b[p + fixed] ?? 0) * 4;
    if (p > end) return TRACE_MALFORMED;
  }
  if (ids === undefined && visit === undefined) return n;
  for (let i = 0, p = start; i < n; i++) {
    if (ids !== undefined && i < ids.length) ids[i] = ((b[p + 1] ?? 0) << 16) | ((b[p + 2] ?? 0) << 8) | (b[p + 3] ?? 0);
    if (visit !== undefined) visit(i, p, b);
    p += fixed + 4 + (b[p + fixed] ?? 0) * 4;
  }
  return n;
}

/**
 * Number of filled hops of the trace option at `offset`, or TRACE_MALFORMED. Allocates nothing.
 * Agrees with `parseIoamTrace(...).hops.length`.
 */
export function traceHopCount(b: Uint8Array, offset = 0): number {
  return walkTrace(b, offset, undefined, undefined);
}

/**
 * Writes the 24-bit node_id (bit 0) of each filled hop into `out` in wire order (most recent
 * first; hops beyond `out.length` are counted, not written) and returns the hop count, or
 * TRACE_MALFORMED, or TRACE_NO_NODE_ID when bit 0 is clear. Allocates nothing.
 */
export function traceNodeIds(b: Uint8Array, out: Uint32Array, offset = 0): number {
  return walkTrace(b, offset, out, undefined);
}

/**
 * Calls `visit` for each filled hop (most recent first) and returns the hop count, or
 * TRACE_MALFORMED without any call. Use `traceFieldOffset` to find a field inside the entry.
 * Allocates nothing beyond what the visitor does.
 */
export function forEachTraceHop(b: Uint8Array, visit: TraceHopVisitor, offset = 0): number {
  return walkTrace(b, offset, undefined, visit);
}

/* ---------------------------------------------------------------------------------------------
 * Repr
 */

/** An IOAM trace (the ioam6_trace_hdr and its data), as carried after the ioam6_hdr. */
export interface IoamTraceRepr {
  readonly namespaceId: number;
  /** NodeLen as carried (decoders insist it equals traceNodeLen(traceType)). */
  readonly nodeLen: number;
  /** 4-bit Flags (IOAM_TRACE_FLAG_*); unknown bits are kept. */
  readonly flags: number;
  /** RemainingLen in 4-octet units. */
  readonly remainingLen: number;
  readonly traceType: number;
  readonly reserved: number;
  /**
   * The unfilled pre-allocated space (RemainingLen * 4 octets; empty for an Incremental trace),
   * kept so unusual contents round-trip.
   */
  readonly freeSpace: Uint8Array;
  /** Filled entries in wire order: hops[0] is the most recent hop. */
  readonly hops: readonly IoamNodeRepr[];
}

/**
 * Decodes the trace option at `offset` (from its IPv6 option type byte). Checks what Linux
 * checks, then walks the entries: a partial entry or a snapshot running past the option is an
 * error. Opaque data and free space are subarrays of `b`.
 */
export function parseIoamTrace(b: Uint8Array, offset = 0): Result<IoamTraceRepr & { readonly incremental: boolean }> {
  const code = traceProblem(b, offset);
  if (code !== 0) return problemError(code, offset);
  const o = offset;
  const end = o + 2 + (b[o + F.OPT_DATA_LEN] ?? 0);
  const incremental = b[o + F.IOAM_TYPE] === IOAM_OPTION_TYPE.INCREMENTAL_TRACE;
  const traceType = u24(b, o + F.TRACE_TYPE);
  const nodeLen = ((b[o + F.NODELEN_FLAGS] ?? 0) & IOAM6_TRACE_NODELEN_MASK) >>> IOAM6_TRACE_NODELEN_SHIFT;
  const remainingLen = (b[o + F.FLAGS_REMLEN] ?? 0) & IOAM6_TRACE_REMLEN_MASK;
  const free = incremental ? 0 : remainingLen * 4;
  let p = o + F.DATA + free;
  const hops: IoamNodeRepr[] = [];
  if (nodeLen === 0 && (traceType & IOAM6_TRACE_TYPE_BIT22) === 0 && p !== end) {
    return wireError('bad-length', p, 'node data list', 'the trace type gives empty entries but data follows the free space');
  }
  while (p < end) {
    const r = parseIoamNode(b, p, end, traceType);
    if (!r.ok) return r;
    hops.push(r.value.node);
    p += r.value.length;
  }
  return ok({
    incremental,
    namespaceId: u16(b, o + F.NAMESPACE_ID),
    nodeLen,
    flags: (((b[o + F.NODELEN_FLAGS] ?? 0) & 0x07) << 1) | ((b[o + F.FLAGS_REMLEN] ?? 0) >>> 7),
    remainingLen,
    traceType,
    reserved: b[o + F.RESERVED] ?? 0,
    freeSpace: b.subarray(o + F.DATA, o + F.DATA + free),
    hops,
  });
}

/** Octets of the trace header and data (what follows the 4-octet ioam6_hdr). */
export function ioamTraceBufferLen(repr: IoamTraceRepr): number {
  let n = IOAM6_TRACE_HDR_LEN + repr.freeSpace.length;
  for (const h of repr.hops) n += ioamNodeBufferLen(h, repr.traceType);
  return n;
}

/**
 * Writes the trace header, free space and entries at `offset` (the position after the
 * ioam6_hdr); returns `ioamTraceBufferLen(repr)`. Throws on out-of-range fields or a short
 * buffer. NodeLen is written as given, so inconsistent traces can be built for tests.
 */
export function emitIoamTrace(repr: IoamTraceRepr, b: Uint8Array, offset = 0): number {
  const len = ioamTraceBufferLen(repr);
  if (offset < 0 || offset + len > b.length) throw new RangeError(`emitIoamTrace: needs ${len} octets at ${offset}, buffer has ${b.length}`);
  checkRange(repr.namespaceId, 0xffff, 'Namespace-ID');
  checkRange(repr.nodeLen, 0x1f, 'NodeLen');
  checkRange(repr.flags, 0x0f, 'Flags');
  checkRange(repr.remainingLen, IOAM6_TRACE_REMLEN_MASK, 'RemainingLen');
  checkRange(repr.traceType, TRACE_TYPE_MAX, 'IOAM-Trace-Type');
  checkRange(repr.reserved, 0xff, 'Reserved');
  const h = offset - IOAM6_HDR_LEN; // F is relative to the ioam6_hdr
  setU16(b, h + F.NAMESPACE_ID, repr.namespaceId);
  b[h + F.NODELEN_FLAGS] = (repr.nodeLen << IOAM6_TRACE_NODELEN_SHIFT) | (repr.flags >>> 1);
  b[h + F.FLAGS_REMLEN] = ((repr.flags & 1) << 7) | repr.remainingLen;
  setU24(b, h + F.TRACE_TYPE, repr.traceType);
  b[h + F.RESERVED] = repr.reserved;
  let p = offset + IOAM6_TRACE_HDR_LEN;
  b.set(repr.freeSpace, p);
  p += repr.freeSpace.length;
  for (const hop of repr.hops) p += emitIoamNode(hop, repr.traceType, b, p);
  return p - offset;
}

/** Parameters of a freshly built pre-allocated trace. */
export interface PreallocTraceParams {
  readonly namespaceId: number;
  readonly traceType: number;
  /** Trace data size in octets (free space plus filled hops): a multiple of 4, at most 244. */
  readonly size: number;
  /** Already filled hops, wire order (most recent first). */
  readonly hops?: readonly IoamNodeRepr[];
  /** 4-bit Flags; 0 unless given. */
  readonly flags?: number;
}

/**
 * A pre-allocated trace as an encapsulating node builds it (Linux ioam6_build_state: NodeLen from
 * the trace type, zeroed space of `size` octets), with `hops` already written at the end of
 * that space and RemainingLen lowered accordingly. Throws when the hops do not fit.
 */
export function preallocTrace(params: PreallocTraceParams): IoamTraceRepr {
  const { namespaceId, traceType, size } = params;
  const hops = params.hops ?? [];
  if (!Number.isInteger(size) || size < 0 || size % 4 !== 0 || size > IOAM6_TRACE_DATA_SIZE_MAX) {
    throw new RangeError(`pre-allocated trace size ${size} is not a multiple of 4 up to ${IOAM6_TRACE_DATA_SIZE_MAX}`);
  }
  checkRange(traceType, TRACE_TYPE_MAX, 'IOAM-Trace-Type');
  let used = 0;
  for (const h of hops) used += ioamNodeBufferLen(h, traceType);
  if (used > size) throw new RangeError(`pre-allocated trace: ${used} octets of hops do not fit in ${size}`);
  return {
    namespaceId,
    nodeLen: traceNodeLen(traceType),
    flags: params.flags ?? 0,
    remainingLen: (size - used) / 4,
    traceType,
    reserved: 0,
    freeSpace: new Uint8Array(size - used),
    hops,
  };
}

/** Whether the Overflow flag is set in a 4-bit Flags value. */
export function traceOverflow(flags: number): boolean {
  return (flags & IOAM_TRACE_FLAG_OVERFLOW) !== 0;
}

/** Largest Opt Data Len, for callers sizing an option. */
export const IOAM_OPT_DATA_LEN_MAX = MAX_OPT_DATA_LEN;
