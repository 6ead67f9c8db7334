/**
 * The IPv6 Routing header, RFC 8200 §4.4, and its type 4, the Segment Routing Header (SRH),
 * RFC 8754 §2.
 *
 * Contract: `Ipv6RoutingView.check(bytes)` accepts a header whose `(Hdr Ext Len + 1) * 8` bytes
 * are in the buffer; `Ipv6SrhView.check(bytes)` also needs Routing Type 4 and a segment list
 * (Last Entry + 1 addresses) inside the header. Getters then read in place; `segmentsLeft` is
 * writable in place (a segment endpoint decrements it). Segment List[0] is the last segment of
 * the path, as on the wire; Reprs keep that order. Routing types other than 4 (0, 2, 3 = RPL,
 * ...) are kept opaque: `{ kind: 'generic', routingType, segmentsLeft, data }`.
 *
 * SRH TLVs follow RFC 8754 §2.1: Pad1 is a single octet (type 0), PadN is type 4, HMAC is type 5
 * (D flag, 15 reserved bits, Key ID, HMAC), anything else is kept as `{ type, data }`. Linux's
 * seg6_validate_srh and scapy read every TLV, Pad1 included, as type + length: a one-octet Pad1
 * at the end of a header is legal here and rejected there.
 *
 * Not covered here: processing (Segments Left rules, ICMP, HMAC verification), RPL compression.
 */

import { IPV6_RT_HDR_LEN, IPV6_SRCRT_TYPE_4, SR6_TLV_HMAC, SR6_TLV_PADDING } from '../uapi/ipv6.ts';
import { setU16, setU32, u16, u32 } from './bytes.ts';
import { ok, wireError, type Result, type WireError } from './result.ts';

/*
 * RFC 8200 §4.4 and RFC 8754 §2:
 *
 *  0                   1                   2                   3
 *  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |  Next Header  |  Hdr Ext Len  |  Routing Type | Segments Left |
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |  Last Entry   |     Flags     |              Tag              |  (type 4; otherwise
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+   type-specific data)
 * |            Segment List[0] (128-bit IPv6 address)             |
 * |                             ...                               |
 * |            Segment List[n] (128-bit IPv6 address)             |
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * //         Optional Type Length Value objects (variable)       //
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 */
export const ROUTING_FIELD = {
  NEXT_HEADER: 0,
  HDR_EXT_LEN: 1,
  ROUTING_TYPE: 2,
  SEGMENTS_LEFT: 3,
  TYPE_DATA: 4,
  LAST_ENTRY: 4,
  FLAGS: 5,
  TAG: 6,
  /** sizeof(struct ipv6_sr_hdr), IPV6_SR_HDR_LEN. */
  SEGMENT_LIST: 8,
} as const;
const F = ROUTING_FIELD;

/*
 * HMAC TLV (RFC 8754 §2.1.2):
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |     Type      |    Length     |D|        RESERVED             |
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |                      HMAC Key ID (4 octets)                   |
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * //                      HMAC (variable)                        //
 */
const TLV = {
  TYPE: 0,
  LENGTH: 1,
  DATA: 2,
  HMAC_D_RESERVED: 2,
  HMAC_KEY_ID: 4,
  HMAC: 8,
} as const;

/** RFC 8754 §2.1.1.1: Pad1 TLV type (no Linux constant). */
export const SRH_TLV_PAD1 = 0;
const HMAC_FIXED_LEN = TLV.HMAC - TLV.DATA;
const HMAC_D_FLAG = 0x8000;
const ADDR_LEN = 16;
const UNIT = 8;

function headerLength(bytes: Uint8Array): number {
  return ((bytes[F.HDR_EXT_LEN] ?? 0) + 1) * UNIT;
}

function checkHeader(bytes: Uint8Array): WireError | undefined {
  if (bytes.length < IPV6_RT_HDR_LEN) {
    return { kind: 'truncated', offset: 0, field: 'Routing header', message: `need ${IPV6_RT_HDR_LEN} bytes, have ${bytes.length}` };
  }
  const len = headerLength(bytes);
  if (len > bytes.length) {
    return { kind: 'truncated', offset: F.HDR_EXT_LEN, field: 'Hdr Ext Len', message: `header of ${len} bytes, buffer has ${bytes.length}` };
  }
  return undefined;
}

/** A checked view of any Routing header at the start of `bytes`. */
export class Ipv6RoutingView {
  readonly bytes: Uint8Array;

  protected constructor(bytes: Uint8Array) {
    this.bytes = bytes;
  }

  static check(bytes: Uint8Array): Result<Ipv6RoutingView> {
    const e = checkHeader(bytes);
    return e ? { ok: false, error: e } : ok(new Ipv6RoutingView(bytes));
  }

  get nextHeader(): number {
    return this.bytes[F.NEXT_HEADER] ?? 0;
  }
  set nextHeader(v: number) {
    this.bytes[F.NEXT_HEADER] = v & 0xff;
  }

  get hdrExtLen(): number {
    return this.bytes[F.HDR_EXT_LEN] ?? 0;
  }

  /** Header length in bytes. */
  get length(): number {
    return headerLength(this.bytes);
  }

  get routingType(): number {
    return this.bytes[F.ROUTING_TYPE] ?? 0;
  }

  get segmentsLeft(): number {
    return this.bytes[F.SEGMENTS_LEFT] ?? 0;
  }
  set segmentsLeft(v: number) {
    this.bytes[F.SEGMENTS_LEFT] = v & 0xff;
  }

  /** Type-specific data (everything after Segments Left) as a subarray. */
  get data(): Uint8Array {
    return this.bytes.subarray(F.TYPE_DATA, this.length);
  }
}

/** A checked view of a Segment Routing Header (Routing Type 4). */
export class Ipv6SrhView extends Ipv6RoutingView {
  static override check(bytes: Uint8Array): Result<Ipv6SrhView> {
    const e = checkHeader(bytes);
    if (e) return { ok: false, error: e };
    if (bytes[F.ROUTING_TYPE] !== IPV6_SRCRT_TYPE_4) {
      return wireError('bad-value', F.ROUTING_TYPE, 'Routing Type', `routing type ${bytes[F.ROUTING_TYPE] ?? 0}, expected 4`);
    }
    const len = headerLength(bytes);
    const listEnd = F.SEGMENT_LIST + ((bytes[F.LAST_ENTRY] ?? 0) + 1) * ADDR_LEN;
    if (listEnd > len) {
      return wireError('bad-length', F.LAST_ENTRY, 'Last Entry', `${(bytes[F.LAST_ENTRY] ?? 0) + 1} segments do not fit a ${len}-byte header`);
    }
    return ok(new Ipv6SrhView(bytes));
  }

  /** Index of the last element of the Segment List (segments - 1). */
  get lastEntry(): number {
    return this.bytes[F.LAST_ENTRY] ?? 0;
  }

  get flags(): number {
    return this.bytes[F.FLAGS] ?? 0;
  }
  set flags(v: number) {
    this.bytes[F.FLAGS] = v & 0xff;
  }

  get tag(): number {
    return u16(this.bytes, F.TAG);
  }
  set tag(v: number) {
    setU16(this.bytes, F.TAG, v);
  }

  get segmentCount(): number {
    return this.lastEntry + 1;
  }

  /** Offset of Segment List[i] in the header (no bounds check: i ≤ lastEntry). */
  segmentOffset(i: number): number {
    return F.SEGMENT_LIST + i * ADDR_LEN;
  }

  /** Segment List[i] as a subarray (Segment List[0] is the final destination). */
  segment(i: number): Uint8Array {
    const o = this.segmentOffset(i);
    return this.bytes.subarray(o, o + ADDR_LEN);
  }

  /** Where the TLVs start: right after the Segment List. */
  get tlvOffset(): number {
    return this.segmentOffset(this.segmentCount);
  }

  get tlvLength(): number {
    return this.length - this.tlvOffset;
  }
}

/** A reusable, non-allocating cursor over the TLVs of a checked SRH. */
export class SrhTlvCursor {
  bytes: Uint8Array = new Uint8Array(0);
  type = 0;
  /** Offset of the Type octet in the header, and the TLV's total length (Pad1: 1). */
  offset = 0;
  length = 0;
  dataOffset = 0;
  dataLength = 0;
  error: WireError | undefined = undefined;
  private pos = 0;
  private end = 0;
  private done = true;

  reset(srh: Ipv6SrhView): this {
    this.bytes = srh.bytes;
    this.pos = srh.tlvOffset;
    this.end = srh.length;
    this.error = undefined;
    this.done = false;
    return this;
  }

  next(): boolean {
    if (this.done) return false;
    const p = this.pos;
    const left = this.end - p;
    if (left <= 0) {
      this.done = true;
      return false;
    }
    const t = this.bytes[p] ?? 0;
    let len: number;
    if (t === SRH_TLV_PAD1) {
      len = 1;
    } else {
      if (left < 2) return this.fail('truncated', p, 'Length', 'TLV type without a length at the end of the SRH');
      len = (this.bytes[p + TLV.LENGTH] ?? 0) + TLV.DATA;
      if (len > left) return this.fail('truncated', p + TLV.LENGTH, 'Length', `TLV of ${len} bytes, ${left} left in the SRH`);
    }
    this.type = t;
    this.offset = p;
    this.length = len;
    this.dataOffset = len === 1 ? p + 1 : p + TLV.DATA;
    this.dataLength = len === 1 ? 0 : len - TLV.DATA;
    this.pos = p + len;
    return true;
  }

  private fail(kind: WireError['kind'], offset: number, field: string, message: string): false {
    this.error = { kind, offset, field, message };
    this.done = true;
    return false;
  }
}

export type SrhTlvRepr =
  | { readonly kind: 'pad1' }
  /** PadN (type 4); `data` is normally zeros and is kept as received. */
  | { readonly kind: 'padn'; readonly data: Uint8Array }
  | {
      readonly kind: 'hmac';
      /** D flag: the Destination Address is not part of the HMAC (no reduced SRH). */
      readonly dFlag: boolean;
      /** The 15 reserved bits after D. */
      readonly reserved: number;
      readonly keyId: number;
      readonly hmac: Uint8Array;
    }
  | { readonly kind: 'unknown'; readonly type: number; readonly data: Uint8Array };

export type Ipv6RoutingRepr =
  | {
      readonly kind: 'generic';
      readonly nextHeader: number;
      readonly routingType: number;
      readonly segmentsLeft: number;
      /** Type-specific data after Segments Left: (Hdr Ext Len + 1) * 8 - 4 bytes. */
      readonly data: Uint8Array;
    }
  | {
      readonly kind: 'srh';
      readonly nextHeader: number;
      readonly segmentsLeft: number;
      readonly flags: number;
      readonly tag: number;
      /** Segment List in wire order (Last Entry = segments.length - 1); each 16 bytes. */
      readonly segments: readonly Uint8Array[];
      readonly tlvs: readonly SrhTlvRepr[];
    };

function decodeTlv(c: SrhTlvCursor): Result<SrhTlvRepr> {
  const b = c.bytes;
  switch (c.type) {
    case SRH_TLV_PAD1:
      return ok({ kind: 'pad1' });
    case SR6_TLV_PADDING:
      return ok({ kind: 'padn', data: b.slice(c.dataOffset, c.dataOffset + c.dataLength) });
    case SR6_TLV_HMAC: {
      if (c.dataLength < HMAC_FIXED_LEN) {
        return wireError('bad-length', c.offset + TLV.LENGTH, 'Length', `HMAC TLV length ${c.dataLength}, at least 6`);
      }
      const dr = u16(b, c.offset + TLV.HMAC_D_RESERVED);
      return ok({
        kind: 'hmac',
        dFlag: (dr & HMAC_D_FLAG) !== 0,
        reserved: dr & ~HMAC_D_FLAG & 0xffff,
        keyId: u32(b, c.offset + TLV.HMAC_KEY_ID),
        hmac: b.slice(c.offset + TLV.HMAC, c.offset + c.length),
      });
    }
    default:
      return ok({ kind: 'unknown', type: c.type, data: b.slice(c.dataOffset, c.dataOffset + c.dataLength) });
  }
}

export function parseIpv6Routing(bytes: Uint8Array): Result<Ipv6RoutingRepr> {
  const checked = Ipv6RoutingView.check(bytes);
  if (!checked.ok) return checked;
  const rv = checked.value;
  if (rv.routingType !== IPV6_SRCRT_TYPE_4) {
    return ok({
      kind: 'generic',
      nextHeader: rv.nextHeader,
      routingType: rv.routingType,
      segmentsLeft: rv.segmentsLeft,
      data: rv.data.slice(),
    });
  }
  const srhChecked = Ipv6SrhView.check(bytes);
  if (!srhChecked.ok) return srhChecked;
  const v = srhChecked.value;
  const segments: Uint8Array[] = [];
  for (let i = 0; i < v.segmentCount; i++) segments.push(v.segment(i).slice());
  const tlvs: SrhTlvRepr[] = [];
  const c = new SrhTlvCursor().reset(v);
  while (c.next()) {
    const r = decodeTlv(c);
    if (!r.ok) return r;
    tlvs.push(r.value);
  }
  if (c.error) return { ok: false, error: c.error };
  return ok({ kind: 'srh', nextHeader: v.nextHeader, segmentsLeft: v.segmentsLeft, flags: v.flags, tag: v.tag, segments, tlvs });
}

export function srhTlvLength(t: SrhTlvRepr): number {
  switch (t.kind) {
    case 'pad1':
      return 1;
    case 'padn':
    case 'unknown':
      return TLV.DATA + t.data.length;
    case 'hmac':
      return TLV.HMAC + t.hmac.length;
  }
}

/** TLVs to add after `tlvs` so an SRH with them ends on an 8-octet boundary (Pad1 or PadN). */
export function srhPadding(tlvs: readonly SrhTlvRepr[]): SrhTlvRepr[] {
  const used = tlvs.reduce((n, t) => n + srhTlvLength(t), 0);
  const pad = (UNIT - (used % UNIT)) % UNIT;
  if (pad === 0) return [];
  if (pad === 1) return [{ kind: 'pad1' }];
  return [{ kind: 'padn', data: new Uint8Array(pad - TLV.DATA) }];
}

export function ipv6RoutingBufferLen(repr: Ipv6RoutingRepr): number {
  if (repr.kind === 'generic') return F.TYPE_DATA + repr.data.length;
  return F.SEGMENT_LIST + repr.segments.length * ADDR_LEN + repr.tlvs.reduce((n, t) => n + srhTlvLength(t), 0);
}

function checkByte(name: string, v: number, max = 0xff): void {
  if (!Number.isInteger(v) || v < 0 || v > max) throw new RangeError(`Ipv6RoutingRepr ${name} ${v} is outside 0..${max}`);
}

function emitTlv(t: SrhTlvRepr, bytes: Uint8Array, p: number): number {
  const len = srhTlvLength(t);
  switch (t.kind) {
    case 'pad1':
      bytes[p] = SRH_TLV_PAD1;
      return 1;
    case 'padn':
    case 'unknown': {
      const type = t.kind === 'padn' ? SR6_TLV_PADDING : t.type;
      checkByte('TLV type', type);
      checkByte('TLV length', t.data.length);
      bytes[p + TLV.TYPE] = type;
      bytes[p + TLV.LENGTH] = t.data.length;
      bytes.set(t.data, p + TLV.DATA);
      return len;
    }
    case 'hmac':
      checkByte('HMAC TLV length', len - TLV.DATA);
      checkByte('HMAC reserved', t.reserved, 0x7fff);
      checkByte('HMAC Key ID', t.keyId, 0xffffffff);
      bytes[p + TLV.TYPE] = SR6_TLV_HMAC;
      bytes[p + TLV.LENGTH] = len - TLV.DATA;
      setU16(bytes, p + TLV.HMAC_D_RESERVED, (t.dFlag ? HMAC_D_FLAG : 0) | t.reserved);
      setU32(bytes, p + TLV.HMAC_KEY_ID, t.keyId);
      bytes.set(t.hmac, p + TLV.HMAC);
      return len;
  }
}

/**
 * Writes the header at `offset`; returns its length. Throws unless the length is a multiple of
 * 8 up to 2048 (pad SRH TLVs with `srhPadding`) and an SRH has 1..256 segments of 16 bytes.
 */
export function emitIpv6Routing(repr: Ipv6RoutingRepr, bytes: Uint8Array, offset = 0): number {
  const len = ipv6RoutingBufferLen(repr);
  if (len % UNIT !== 0 || len > 256 * UNIT) throw new RangeError(`routing header of ${len} bytes is not a multiple of 8 up to 2048`);
  checkByte('nextHeader', repr.nextHeader);
  checkByte('segmentsLeft', repr.segmentsLeft);
  if (offset < 0 || offset + len > bytes.length) throw new RangeError(`emitIpv6Routing: need ${len} bytes at ${offset}`);
  bytes[offset + F.NEXT_HEADER] = repr.nextHeader;
  bytes[offset + F.HDR_EXT_LEN] = len / UNIT - 1;
  bytes[offset + F.SEGMENTS_LEFT] = repr.segmentsLeft;
  if (repr.kind === 'generic') {
    checkByte('routingType', repr.routingType);
    bytes[offset + F.ROUTING_TYPE] = repr.routingType;
    bytes.set(repr.data, offset + F.TYPE_DATA);
    return len;
  }
  if (repr.segments.length < 1) throw new RangeError('an SRH holds at least one segment');
  checkByte('flags', repr.flags);
  checkByte('tag', repr.tag, 0xffff);
  bytes[offset + F.ROUTING_TYPE] = IPV6_SRCRT_TYPE_4;
  bytes[offset + F.LAST_ENTRY] = repr.segments.length - 1;
  bytes[offset + F.FLAGS] = repr.flags;
  setU16(bytes, offset + F.TAG, repr.tag);
  let p = offset + F.SEGMENT_LIST;
  for (const s of repr.segments) {
    if (s.length !== ADDR_LEN) throw new RangeError('SRH segments must be 16 bytes');
    bytes.set(s, p);
    p += ADDR_LEN;
  }
  for (const t of repr.tlvs) p += emitTlv(t, bytes, p);
  return len;
}
