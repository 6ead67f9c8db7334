/**
 * The IPv6 IOAM option (RFC 9486 §3) and the IOAM Option-Types it carries: traces (RFC 9197
 * §4.4, in ioam-trace.ts), Proof of Transit (§4.5, kept opaque), Edge-to-Edge (§4.6) and Direct
 * Export (RFC 9326 §3.2).
 *
 * Input is the option's bytes starting at its option type byte, inside a Hop-by-Hop or
 * Destination Options header; `offset` lets a caller pass the whole packet. Error offsets are
 * positions in that buffer.
 *
 *      0                   1                   2                   3
 *      0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 *     +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *     |  Option Type  |  Opt Data Len |   Reserved    | IOAM Opt-Type |
 *     +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *     .                       IOAM Option Data                        .
 *     +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *
 * Option Type is 0x31 (Linux IPV6_TLV_IOAM, data may change en route) or 0x11 (data does not
 * change). The 4n alignment RFC 9486 requires (Linux drops `optoff & 3`) is the Hop-by-Hop
 * walker's to check: it knows the option's position. Unknown IOAM Option-Types and the bits
 * this file does not interpret are kept as bytes and re-emitted unchanged.
 */

import { IPV6_TLV_IOAM } from '../uapi/in6.ts';
import {
  IOAM6_HDR_LEN,
  IOAM6_HDR_OPT_LEN,
  IOAM6_HDR_OPT_TYPE,
  IOAM6_HDR_RESERVED,
  IOAM6_HDR_TYPE,
  IOAM_DEX_EXT_FLOW_ID,
  IOAM_DEX_EXT_SEQNUM,
  IOAM_E2E_TYPE_SEQNUM32,
  IOAM_E2E_TYPE_SEQNUM64,
  IOAM_E2E_TYPE_TS_SECONDS,
  IOAM_E2E_TYPE_TS_SUBSECONDS,
  IOAM_OPTION_TYPE,
  IPV6_TLV_IOAM_NOCHANGE,
} from '../uapi/ioam6.ts';
import { setU16, setU24, setU32, setU64, u16, u24, u32, u64 } from './bytes.ts';
import type { IoamTraceRepr, PreallocTraceParams } from './ioam-trace.ts';
import { IOAM_OPT_DATA_LEN_MAX, emitIoamTrace, ioamTraceBufferLen, parseIoamTrace, preallocTrace } from './ioam-trace.ts';
import type { Result } from './result.ts';
import { ok, wireError } from './result.ts';

/** Offsets from the option type byte (struct ioam6_hdr). */
const F = {
  OPT_TYPE: IOAM6_HDR_OPT_TYPE,
  OPT_DATA_LEN: IOAM6_HDR_OPT_LEN,
  RESERVED: IOAM6_HDR_RESERVED,
  IOAM_TYPE: IOAM6_HDR_TYPE,
  DATA: IOAM6_HDR_LEN,
} as const;

/**
 * POT, E2E and DEX bodies, from the first octet after the IOAM Opt-Type.
 *
 *   POT:  | Namespace-ID (16) | IOAM-POT-Type (8) | IOAM-POT flags (8) | POT data ...
 *   E2E:  | Namespace-ID (16) | IOAM-E2E-Type (16)                     | E2E data ...
 *   DEX:  | Namespace-ID (16) | Flags (8) | Extension-Flags (8)        |
 *         | IOAM-Trace-Type (24)                  | Reserved (8)       | optional fields ...
 */
const B = {
  NAMESPACE_ID: 0,
  POT_TYPE: 2,
  POT_FLAGS: 3,
  POT_DATA: 4,
  E2E_TYPE: 2,
  E2E_DATA: 4,
  DEX_FLAGS: 2,
  DEX_EXT_FLAGS: 3,
  DEX_TRACE_TYPE: 4,
  DEX_RESERVED: 7,
  DEX_OPTIONAL: 8,
} as const;

/** Option type byte through IOAM Opt-Type. */
export const IOAM_OPTION_HDR_LEN: number = IOAM6_HDR_LEN;

function isIoamOptionType(t: number | undefined): boolean {
  return t === IPV6_TLV_IOAM || t === IPV6_TLV_IOAM_NOCHANGE;
}

/**
 * Zero-copy view of any IOAM option: the four octets of struct ioam6_hdr and the bounds of its
 * data. `check` applies Linux's first test (Opt Data Len >= 2) and the buffer bounds.
 */
export class IoamOptionView {
  private readonly b: Uint8Array;
  private readonly o: number;

  private constructor(b: Uint8Array, o: number) {
    this.b = b;
    this.o = o;
  }

  static check(b: Uint8Array, offset = 0): Result<IoamOptionView> {
    if (!(offset >= 0) || b.length - offset < 2) {
      return wireError('truncated', offset, 'Opt Data Len', 'the buffer ends inside the IPv6 option header');
    }
    if (!isIoamOptionType(b[offset + F.OPT_TYPE])) {
      return wireError('bad-value', offset + F.OPT_TYPE, 'Option Type', 'not an IOAM option (0x31 or 0x11)');
    }
    const optLen = b[offset + F.OPT_DATA_LEN] ?? 0;
    if (optLen < IOAM6_HDR_LEN - 2) {
      return wireError('bad-length', offset + F.OPT_DATA_LEN, 'Opt Data Len', 'shorter than Reserved and IOAM Opt-Type (2 octets)');
    }
    if (b.length - offset < 2 + optLen) {
      return wireError('truncated', offset + F.OPT_DATA_LEN, 'Opt Data Len', 'the option runs past the end of the buffer');
    }
    return ok(new IoamOptionView(b, offset));
  }

  get bytes(): Uint8Array {
    return this.b;
  }
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
  get reserved(): number {
    return this.b[this.o + F.RESERVED] ?? 0;
  }
  /** IOAM Opt-Type (IOAM_OPTION_TYPE). */
  get ioamType(): number {
    return this.b[this.o + F.IOAM_TYPE] ?? 0;
  }
  /** Offset in `bytes` of the IOAM Option Data. */
  get dataOffset(): number {
    return this.o + F.DATA;
  }
  get dataLength(): number {
    return this.optDataLen - 2;
  }
}

/** Proof of Transit (RFC 9197 §4.5); the POT data is not interpreted. */
export interface IoamPotRepr {
  readonly namespaceId: number;
  readonly potType: number;
  readonly potFlags: number;
  readonly data: Uint8Array;
}

/** Edge-to-Edge (RFC 9197 §4.6). A field is present exactly when its IOAM-E2E-Type bit is set. */
export interface IoamE2eRepr {
  readonly namespaceId: number;
  readonly e2eType: number;
  /** Bit 0. */
  readonly sequenceNumber64?: bigint;
  /** Bit 1. */
  readonly sequenceNumber32?: number;
  /** Bit 2. */
  readonly timestampSecs?: number;
  /** Bit 3. */
  readonly timestampFrac?: number;
  /** Data after the defined fields (for the undefined bits 4-15), kept as is. */
  readonly rest: Uint8Array;
}

/** Direct Export (RFC 9326 §3.2). Flow ID and Sequence Number follow their Extension-Flags. */
export interface IoamDexRepr {
  readonly namespaceId: number;
  readonly flags: number;
  readonly extensionFlags: number;
  readonly traceType: number;
  readonly reserved: number;
  readonly flowId?: number;
  readonly sequenceNumber?: number;
  /** Optional fields of unassigned Extension-Flags (4 octets each), kept as is. */
  readonly rest: Uint8Array;
}

interface IoamOptionCommon {
  /** 0x31 or 0x11. */
  readonly optionType: number;
  readonly reserved: number;
}

export type IoamOptionRepr =
  | (IoamOptionCommon & { readonly kind: 'trace'; readonly incremental: boolean; readonly trace: IoamTraceRepr })
  | (IoamOptionCommon & { readonly kind: 'pot'; readonly pot: IoamPotRepr })
  | (IoamOptionCommon & { readonly kind: 'e2e'; readonly e2e: IoamE2eRepr })
  | (IoamOptionCommon & { readonly kind: 'dex'; readonly dex: IoamDexRepr })
  | (IoamOptionCommon & { readonly kind: 'unknown'; readonly ioamType: number; readonly data: Uint8Array });

function parsePot(b: Uint8Array, s: number, end: number): Result<IoamPotRepr> {
  if (end - s < B.POT_DATA) return wireError('bad-length', s - 3, 'Opt Data Len', 'too short for a POT header (4 octets)');
  return ok({
    namespaceId: u16(b, s + B.NAMESPACE_ID),
    potType: b[s + B.POT_TYPE] ?? 0,
    potFlags: b[s + B.POT_FLAGS] ?? 0,
    data: b.subarray(s + B.POT_DATA, end),
  });
}

function parseE2e(b: Uint8Array, s: number, end: number): Result<IoamE2eRepr> {
  if (end - s < B.E2E_DATA) return wireError('bad-length', s - 3, 'Opt Data Len', 'too short for an E2E header (4 octets)');
  const e2eType = u16(b, s + B.E2E_TYPE);
  const need =
    (e2eType & IOAM_E2E_TYPE_SEQNUM64 ? 8 : 0) +
    (e2eType & IOAM_E2E_TYPE_SEQNUM32 ? 4 : 0) +
    (e2eType & IOAM_E2E_TYPE_TS_SECONDS ? 4 : 0) +
    (e2eType & IOAM_E2E_TYPE_TS_SUBSECONDS ? 4 : 0);
  let p = s + B.E2E_DATA;
  if (end - p < need) {
    return wireError('bad-length', s + B.E2E_TYPE, 'IOAM-E2E-Type', `announces ${need} octets of data, ${end - p} present`);
  }
  const e2e: { -readonly [K in keyof IoamE2eRepr]: IoamE2eRepr[K] } = {
    namespaceId: u16(b, s + B.NAMESPACE_ID),
    e2eType,
    rest: b.subarray(p + need, end),
  };
  if (e2eType & IOAM_E2E_TYPE_SEQNUM64) {
    e2e.sequenceNumber64 = u64(b, p);
    p += 8;
  }
  if (e2eType & IOAM_E2E_TYPE_SEQNUM32) {
    e2e.sequenceNumber32 = u32(b, p);
    p += 4;
  }
  if (e2eType & IOAM_E2E_TYPE_TS_SECONDS) {
    e2e.timestampSecs = u32(b, p);
    p += 4;
  }
  if (e2eType & IOAM_E2E_TYPE_TS_SUBSECONDS) {
    e2e.timestampFrac = u32(b, p);
  }
  return ok(e2e);
}

function parseDex(b: Uint8Array, s: number, end: number): Result<IoamDexRepr> {
  if (end - s < B.DEX_OPTIONAL) return wireError('bad-length', s - 3, 'Opt Data Len', 'too short for a DEX header (8 octets)');
  const ext = b[s + B.DEX_EXT_FLAGS] ?? 0;
  const need = (ext & IOAM_DEX_EXT_FLOW_ID ? 4 : 0) + (ext & IOAM_DEX_EXT_SEQNUM ? 4 : 0);
  let p = s + B.DEX_OPTIONAL;
  if (end - p < need) {
    return wireError('bad-length', s + B.DEX_EXT_FLAGS, 'Extension-Flags', `announce ${need} octets of optional fields, ${end - p} present`);
  }
  const dex: { -readonly [K in keyof IoamDexRepr]: IoamDexRepr[K] } = {
    namespaceId: u16(b, s + B.NAMESPACE_ID),
    flags: b[s + B.DEX_FLAGS] ?? 0,
    extensionFlags: ext,
    traceType: u24(b, s + B.DEX_TRACE_TYPE),
    reserved: b[s + B.DEX_RESERVED] ?? 0,
    rest: b.subarray(p + need, end),
  };
  if (ext & IOAM_DEX_EXT_FLOW_ID) {
    dex.flowId = u32(b, p);
    p += 4;
  }
  if (ext & IOAM_DEX_EXT_SEQNUM) {
    dex.sequenceNumber = u32(b, p);
  }
  return ok(dex);
}

/**
 * Decodes the IOAM option at `offset`. Traces get the checks of `parseIoamTrace` (Linux's
 * receive checks plus a walk of the entries). Byte fields are subarrays of `b`.
 */
export function parseIoamOption(b: Uint8Array, offset = 0): Result<IoamOptionRepr> {
  const v = IoamOptionView.check(b, offset);
  if (!v.ok) return v;
  const view = v.value;
  const common = { optionType: view.optionType, reserved: view.reserved };
  const s = view.dataOffset;
  const end = view.offset + view.length;
  switch (view.ioamType) {
    case IOAM_OPTION_TYPE.PREALLOC_TRACE:
    case IOAM_OPTION_TYPE.INCREMENTAL_TRACE: {
      const r = parseIoamTrace(b, offset);
      if (!r.ok) return r;
      const { incremental, ...trace } = r.value;
      return ok({ ...common, kind: 'trace', incremental, trace });
    }
    case IOAM_OPTION_TYPE.POT: {
      const r = parsePot(b, s, end);
      return r.ok ? ok({ ...common, kind: 'pot', pot: r.value }) : r;
    }
    case IOAM_OPTION_TYPE.E2E: {
      const r = parseE2e(b, s, end);
      return r.ok ? ok({ ...common, kind: 'e2e', e2e: r.value }) : r;
    }
    case IOAM_OPTION_TYPE.DEX: {
      const r = parseDex(b, s, end);
      return r.ok ? ok({ ...common, kind: 'dex', dex: r.value }) : r;
    }
    default:
      return ok({ ...common, kind: 'unknown', ioamType: view.ioamType, data: b.subarray(s, end) });
  }
}

function ioamType(repr: IoamOptionRepr): number {
  switch (repr.kind) {
    case 'trace':
      return repr.incremental ? IOAM_OPTION_TYPE.INCREMENTAL_TRACE : IOAM_OPTION_TYPE.PREALLOC_TRACE;
    case 'pot':
      return IOAM_OPTION_TYPE.POT;
    case 'e2e':
      return IOAM_OPTION_TYPE.E2E;
    case 'dex':
      return IOAM_OPTION_TYPE.DEX;
    case 'unknown':
      return repr.ioamType;
  }
}

function bodyLen(repr: IoamOptionRepr): number {
  switch (repr.kind) {
    case 'trace':
      return ioamTraceBufferLen(repr.trace);
    case 'pot':
      return B.POT_DATA + repr.pot.data.length;
    case 'e2e': {
      const e = repr.e2e;
      return (
        B.E2E_DATA +
        (e.sequenceNumber64 !== undefined ? 8 : 0) +
        (e.sequenceNumber32 !== undefined ? 4 : 0) +
        (e.timestampSecs !== undefined ? 4 : 0) +
        (e.timestampFrac !== undefined ? 4 : 0) +
        e.rest.length
      );
    }
    case 'dex':
      return B.DEX_OPTIONAL + (repr.dex.flowId !== undefined ? 4 : 0) + (repr.dex.sequenceNumber !== undefined ? 4 : 0) + repr.dex.rest.length;
    case 'unknown':
      return repr.data.length;
  }
}

/** Octets `emitIoamOption` writes: option type byte through the end of the data. */
export function ioamOptionBufferLen(repr: IoamOptionRepr): number {
  return IOAM6_HDR_LEN + bodyLen(repr);
}

function inRange(v: number, max: number, what: string): number {
  if (!Number.isInteger(v) || v < 0 || v > max) throw new RangeError(`IOAM option: ${what} out of range: ${v}`);
  return v;
}

function present(bit: number, mask: number, value: unknown, what: string): boolean {
  const set = (bit & mask) !== 0;
  if (set !== (value !== undefined)) throw new RangeError(`IOAM option: ${what} must be present exactly when its flag is set`);
  return set;
}

/**
 * Writes the option at `offset` and returns `ioamOptionBufferLen(repr)`. Throws when a field is
 * out of range, a field disagrees with its type bit, the data exceeds Opt Data Len's 255
 * octets, or `b` is short. Alignment padding around the option is the caller's.
 */
export function emitIoamOption(repr: IoamOptionRepr, b: Uint8Array, offset = 0): number {
  const len = ioamOptionBufferLen(repr);
  if (len - 2 > IOAM_OPT_DATA_LEN_MAX) throw new RangeError(`IOAM option: ${len - 2} octets exceed Opt Data Len`);
  if (offset < 0 || offset + len > b.length) throw new RangeError(`emitIoamOption: needs ${len} octets at ${offset}, buffer has ${b.length}`);
  if (!isIoamOptionType(repr.optionType)) throw new RangeError(`IOAM option: option type 0x${repr.optionType.toString(16)} is not 0x31 or 0x11`);
  b[offset + F.OPT_TYPE] = repr.optionType;
  b[offset + F.OPT_DATA_LEN] = len - 2;
  b[offset + F.RESERVED] = inRange(repr.reserved, 0xff, 'Reserved');
  b[offset + F.IOAM_TYPE] = inRange(ioamType(repr), 0xff, 'IOAM Opt-Type');
  const s = offset + F.DATA;
  switch (repr.kind) {
    case 'trace':
      emitIoamTrace(repr.trace, b, s);
      break;
    case 'pot': {
      const p = repr.pot;
      setU16(b, s + B.NAMESPACE_ID, inRange(p.namespaceId, 0xffff, 'Namespace-ID'));
      b[s + B.POT_TYPE] = inRange(p.potType, 0xff, 'IOAM-POT-Type');
      b[s + B.POT_FLAGS] = inRange(p.potFlags, 0xff, 'IOAM-POT flags');
      b.set(p.data, s + B.POT_DATA);
      break;
    }
    case 'e2e': {
      const e = repr.e2e;
      const t = inRange(e.e2eType, 0xffff, 'IOAM-E2E-Type');
      setU16(b, s + B.NAMESPACE_ID, inRange(e.namespaceId, 0xffff, 'Namespace-ID'));
      setU16(b, s + B.E2E_TYPE, t);
      let p = s + B.E2E_DATA;
      if (present(t, IOAM_E2E_TYPE_SEQNUM64, e.sequenceNumber64, 'sequenceNumber64')) {
        const v = e.sequenceNumber64 ?? 0n;
        if (v < 0n || v >> 64n !== 0n) throw new RangeError(`IOAM option: sequenceNumber64 out of range: ${v}`);
        setU64(b, p, v);
        p += 8;
      }
      if (present(t, IOAM_E2E_TYPE_SEQNUM32, e.sequenceNumber32, 'sequenceNumber32')) {
        setU32(b, p, inRange(e.sequenceNumber32 ?? 0, 0xffffffff, 'sequenceNumber32'));
        p += 4;
      }
      if (present(t, IOAM_E2E_TYPE_TS_SECONDS, e.timestampSecs, 'timestampSecs')) {
        setU32(b, p, inRange(e.timestampSecs ?? 0, 0xffffffff, 'timestampSecs'));
        p += 4;
      }
      if (present(t, IOAM_E2E_TYPE_TS_SUBSECONDS, e.timestampFrac, 'timestampFrac')) {
        setU32(b, p, inRange(e.timestampFrac ?? 0, 0xffffffff, 'timestampFrac'));
        p += 4;
      }
      b.set(e.rest, p);
      break;
    }
    case 'dex': {
      const d = repr.dex;
      const ext = inRange(d.extensionFlags, 0xff, 'Extension-Flags');
      setU16(b, s + B.NAMESPACE_ID, inRange(d.namespaceId, 0xffff, 'Namespace-ID'));
      b[s + B.DEX_FLAGS] = inRange(d.flags, 0xff, 'Flags');
      b[s + B.DEX_EXT_FLAGS] = ext;
      setU24(b, s + B.DEX_TRACE_TYPE, inRange(d.traceType, 0xffffff, 'IOAM-Trace-Type'));
      b[s + B.DEX_RESERVED] = inRange(d.reserved, 0xff, 'Reserved');
      let p = s + B.DEX_OPTIONAL;
      if (present(ext, IOAM_DEX_EXT_FLOW_ID, d.flowId, 'flowId')) {
        setU32(b, p, inRange(d.flowId ?? 0, 0xffffffff, 'Flow ID'));
        p += 4;
      }
      if (present(ext, IOAM_DEX_EXT_SEQNUM, d.sequenceNumber, 'sequenceNumber')) {
        setU32(b, p, inRange(d.sequenceNumber ?? 0, 0xffffffff, 'Sequence Number'));
        p += 4;
      }
      b.set(d.rest, p);
      break;
    }
    case 'unknown':
      b.set(repr.data, s);
      break;
  }
  return len;
}

/**
 * A complete Pre-allocated Trace option (0x31, Reserved 0): header, zeroed space of
 * `params.size` octets and any hops already filled at its end. Throws when they do not fit.
 */
export function preallocTraceOption(params: PreallocTraceParams): IoamOptionRepr {
  return { optionType: IPV6_TLV_IOAM, reserved: 0, kind: 'trace', incremental: false, trace: preallocTrace(params) };
}
