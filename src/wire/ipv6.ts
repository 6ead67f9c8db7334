/**
 * The IPv6 fixed header, RFC 8200 §3 (Traffic Class split into DSCP and ECN as RFC 2474 /
 * RFC 3168 do, Flow Label as RFC 6437).
 *
 * Contract: `Ipv6View.check(bytes)` accepts a buffer of at least 40 bytes whose Version is 6;
 * after that every getter reads in place and cannot fail, and setters write in place. The view
 * does not compare Payload Length with the buffer: a Payload Length of 0 is legal when a Jumbo
 * Payload option follows in a Hop-by-Hop header (RFC 2675), and truncated captures are still
 * worth reading, so the caller decides (`payloadFits`, `jumboCandidate`). `parseIpv6` is
 * stricter: the declared payload must be present unless it is a jumbogram candidate.
 * `emitIpv6` writes the 40-byte header only; the payload is the caller's.
 *
 * Not covered here: extension headers (./ipv6-exthdr.ts and friends), checksums.
 */

import { IPV6_HDR_LEN, NEXTHDR_HOP } from '../uapi/ipv6.ts';
import { setU16, setU32, u16, u32 } from './bytes.ts';
import { ok, wireError, type Result } from './result.ts';

/*
 *  0                   1                   2                   3
 *  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |Version| Traffic Class |           Flow Label                  |
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |         Payload Length        |  Next Header  |   Hop Limit   |
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |                         Source Address (128 bits)             |
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |                      Destination Address (128 bits)           |
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 */
export const IPV6_FIELD = {
  /** 32-bit word: Version (4) | Traffic Class (8) | Flow Label (20). */
  VER_TC_FLOW: 0,
  PAYLOAD_LENGTH: 4,
  NEXT_HEADER: 6,
  HOP_LIMIT: 7,
  SRC_ADDR: 8,
  DST_ADDR: 24,
  PAYLOAD: 40,
} as const;
const F = IPV6_FIELD;

const ADDR_LEN = 16;
const VERSION_SHIFT = 28;
const TC_SHIFT = 20;
const FLOW_MASK = 0x000fffff;
const DSCP_SHIFT = 2;
const ECN_MASK = 0x03;

export const IPV6_VERSION = 6;

/** A checked, zero-copy view of an IPv6 fixed header at the start of `bytes`. */
export class Ipv6View {
  readonly bytes: Uint8Array;

  private constructor(bytes: Uint8Array) {
    this.bytes = bytes;
  }

  /** At least 40 bytes and Version 6; nothing else is judged here. */
  static check(bytes: Uint8Array): Result<Ipv6View> {
    if (bytes.length < IPV6_HDR_LEN) {
      return wireError('truncated', 0, 'IPv6 header', `need ${IPV6_HDR_LEN} bytes, have ${bytes.length}`);
    }
    const version = (bytes[0] ?? 0) >>> 4;
    if (version !== IPV6_VERSION) return wireError('bad-version', 0, 'Version', `version ${version}, expected 6`);
    return ok(new Ipv6View(bytes));
  }

  get version(): number {
    return (this.bytes[F.VER_TC_FLOW] ?? 0) >>> 4;
  }
  set version(v: number) {
    const b = this.bytes;
    b[F.VER_TC_FLOW] = ((v & 0x0f) << 4) | ((b[F.VER_TC_FLOW] ?? 0) & 0x0f);
  }

  get trafficClass(): number {
    return (u32(this.bytes, F.VER_TC_FLOW) >>> TC_SHIFT) & 0xff;
  }
  set trafficClass(v: number) {
    const w = u32(this.bytes, F.VER_TC_FLOW);
    setU32(this.bytes, F.VER_TC_FLOW, ((w & 0xf00fffff) | ((v & 0xff) << TC_SHIFT)) >>> 0);
  }

  /** Differentiated Services Codepoint: the upper six bits of Traffic Class. */
  get dscp(): number {
    return this.trafficClass >>> DSCP_SHIFT;
  }
  set dscp(v: number) {
    this.trafficClass = ((v & 0x3f) << DSCP_SHIFT) | (this.trafficClass & ECN_MASK);
  }

  /** Explicit Congestion Notification: the lower two bits of Traffic Class. */
  get ecn(): number {
    return this.trafficClass & ECN_MASK;
  }
  set ecn(v: number) {
    this.trafficClass = (this.trafficClass & ~ECN_MASK & 0xff) | (v & ECN_MASK);
  }

  get flowLabel(): number {
    return u32(this.bytes, F.VER_TC_FLOW) & FLOW_MASK;
  }
  set flowLabel(v: number) {
    const w = u32(this.bytes, F.VER_TC_FLOW);
    setU32(this.bytes, F.VER_TC_FLOW, ((w & ~FLOW_MASK) | (v & FLOW_MASK)) >>> 0);
  }

  get payloadLength(): number {
    return u16(this.bytes, F.PAYLOAD_LENGTH);
  }
  set payloadLength(v: number) {
    setU16(this.bytes, F.PAYLOAD_LENGTH, v);
  }

  get nextHeader(): number {
    return this.bytes[F.NEXT_HEADER] ?? 0;
  }
  set nextHeader(v: number) {
    this.bytes[F.NEXT_HEADER] = v & 0xff;
  }

  get hopLimit(): number {
    return this.bytes[F.HOP_LIMIT] ?? 0;
  }
  set hopLimit(v: number) {
    this.bytes[F.HOP_LIMIT] = v & 0xff;
  }

  /** Source Address as a subarray of the packet (writes go to the packet). */
  get src(): Uint8Array {
    return this.bytes.subarray(F.SRC_ADDR, F.SRC_ADDR + ADDR_LEN);
  }
  set src(a: Uint8Array) {
    this.bytes.set(a.subarray(0, ADDR_LEN), F.SRC_ADDR);
  }

  /** Destination Address as a subarray of the packet (writes go to the packet). */
  get dst(): Uint8Array {
    return this.bytes.subarray(F.DST_ADDR, F.DST_ADDR + ADDR_LEN);
  }
  set dst(a: Uint8Array) {
    this.bytes.set(a.subarray(0, ADDR_LEN), F.DST_ADDR);
  }

  /** True when Payload Length is 0 and a Hop-by-Hop header follows: maybe a jumbogram. */
  get jumboCandidate(): boolean {
    return this.payloadLength === 0 && this.nextHeader === NEXTHDR_HOP;
  }

  /** True when the buffer holds at least the declared payload. */
  get payloadFits(): boolean {
    return IPV6_HDR_LEN + this.payloadLength <= this.bytes.length;
  }

  /**
   * The payload as a subarray: Payload Length bytes (fewer if the buffer is short), or every
   * byte after the header for a jumbogram candidate, whose length the Jumbo option carries.
   */
  get payload(): Uint8Array {
    const end = this.jumboCandidate ? this.bytes.length : Math.min(this.bytes.length, IPV6_HDR_LEN + this.payloadLength);
    return this.bytes.subarray(F.PAYLOAD, end);
  }
}

export interface Ipv6Repr {
  readonly trafficClass: number;
  readonly flowLabel: number;
  readonly payloadLength: number;
  readonly nextHeader: number;
  readonly hopLimit: number;
  /** 16 bytes, a copy (a Repr never aliases the packet). */
  readonly src: Uint8Array;
  readonly dst: Uint8Array;
}

/**
 * Parses the fixed header. Beyond the view's checks, the declared payload must be in the buffer
 * (Linux ip6_rcv_core drops it as truncated otherwise) unless Payload Length is 0 with a
 * Hop-by-Hop header next, which the Jumbo Payload option may explain (RFC 2675).
 */
export function parseIpv6(bytes: Uint8Array): Result<Ipv6Repr> {
  const checked = Ipv6View.check(bytes);
  if (!checked.ok) return checked;
  const v = checked.value;
  if (!v.jumboCandidate && !v.payloadFits) {
    return wireError(
      'truncated',
      F.PAYLOAD_LENGTH,
      'Payload Length',
      `payload length ${v.payloadLength} but only ${bytes.length - IPV6_HDR_LEN} bytes follow the header`,
    );
  }
  return ok({
    trafficClass: v.trafficClass,
    flowLabel: v.flowLabel,
    payloadLength: v.payloadLength,
    nextHeader: v.nextHeader,
    hopLimit: v.hopLimit,
    src: bytes.slice(F.SRC_ADDR, F.SRC_ADDR + ADDR_LEN),
    dst: bytes.slice(F.DST_ADDR, F.DST_ADDR + ADDR_LEN),
  });
}

export function ipv6BufferLen(_repr: Ipv6Repr): number {
  return IPV6_HDR_LEN;
}

function checkRange(name: string, v: number, max: number): void {
  if (!Number.isInteger(v) || v < 0 || v > max) throw new RangeError(`Ipv6Repr.${name} ${v} is outside 0..${max}`);
}

/** Writes the 40-byte header at `offset`; returns 40. Throws on a short buffer or a bad Repr. */
export function emitIpv6(repr: Ipv6Repr, bytes: Uint8Array, offset = 0): number {
  checkRange('trafficClass', repr.trafficClass, 0xff);
  checkRange('flowLabel', repr.flowLabel, FLOW_MASK);
  checkRange('payloadLength', repr.payloadLength, 0xffff);
  checkRange('nextHeader', repr.nextHeader, 0xff);
  checkRange('hopLimit', repr.hopLimit, 0xff);
  if (repr.src.length !== ADDR_LEN || repr.dst.length !== ADDR_LEN) throw new RangeError('Ipv6Repr addresses must be 16 bytes');
  if (offset < 0 || offset + IPV6_HDR_LEN > bytes.length) {
    throw new RangeError(`emitIpv6: need ${IPV6_HDR_LEN} bytes at offset ${offset}, buffer has ${bytes.length}`);
  }
  setU32(bytes, offset + F.VER_TC_FLOW, ((IPV6_VERSION << VERSION_SHIFT) | (repr.trafficClass << TC_SHIFT) | repr.flowLabel) >>> 0);
  setU16(bytes, offset + F.PAYLOAD_LENGTH, repr.payloadLength);
  bytes[offset + F.NEXT_HEADER] = repr.nextHeader;
  bytes[offset + F.HOP_LIMIT] = repr.hopLimit;
  bytes.set(repr.src, offset + F.SRC_ADDR);
  bytes.set(repr.dst, offset + F.DST_ADDR);
  return IPV6_HDR_LEN;
}
