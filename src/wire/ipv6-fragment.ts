/**
 * The IPv6 Fragment header, RFC 8200 §4.5 (Linux struct frag_hdr).
 *
 * Contract: `Ipv6FragmentView.check(bytes)` accepts at least 8 bytes; getters then read in
 * place and setters write in place. Fragment Offset is kept as on the wire, in 8-octet units
 * (`fragmentOffset`); `byteOffset` / `fragmentByteOffset` give bytes. Both reserved fields (the
 * octet after Next Header and the two bits before M) are kept and re-emitted, because RFC 8200
 * says to ignore them on receipt and a forwarder must not change them.
 *
 * Not covered here: reassembly and its overlap rules (ipv6/reassembly), atomic fragments policy.
 */

import { IP6_FRAG_HDR_LEN, IP6_MF, IP6_OFFSET } from '../uapi/ipv6.ts';
import { setU16, setU32, u16, u32 } from './bytes.ts';
import { ok, wireError, type Result } from './result.ts';

/*
 *  0                   1                   2                   3
 *  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 * +---------------+---------------+-------------------------+-+-+
 * |  Next Header  |   Reserved    |      Fragment Offset    |Res|M|
 * +---------------+---------------+-------------------------+-+-+
 * |                         Identification                        |
 * +---------------+---------------+---------------+---------------+
 */
export const FRAGMENT_FIELD = {
  NEXT_HEADER: 0,
  RESERVED: 1,
  /** 16 bits: Fragment Offset (13) | Res (2) | M (1), Linux's frag_off. */
  FRAG_OFF: 2,
  IDENTIFICATION: 4,
} as const;
const F = FRAGMENT_FIELD;

const OFFSET_SHIFT = 3;
const RES_MASK = 0x0006;
const RES_SHIFT = 1;
/** Largest Fragment Offset (13 bits, in 8-octet units). */
export const FRAGMENT_OFFSET_MAX = 0x1fff;

export class Ipv6FragmentView {
  readonly bytes: Uint8Array;

  private constructor(bytes: Uint8Array) {
    this.bytes = bytes;
  }

  static check(bytes: Uint8Array): Result<Ipv6FragmentView> {
    if (bytes.length < IP6_FRAG_HDR_LEN) {
      return wireError('truncated', 0, 'Fragment header', `need ${IP6_FRAG_HDR_LEN} bytes, have ${bytes.length}`);
    }
    return ok(new Ipv6FragmentView(bytes));
  }

  get nextHeader(): number {
    return this.bytes[F.NEXT_HEADER] ?? 0;
  }
  set nextHeader(v: number) {
    this.bytes[F.NEXT_HEADER] = v & 0xff;
  }

  /** The reserved octet, as received. */
  get reserved(): number {
    return this.bytes[F.RESERVED] ?? 0;
  }
  set reserved(v: number) {
    this.bytes[F.RESERVED] = v & 0xff;
  }

  /** The whole 16-bit field after Reserved, host order (ntohs(frag_off) in Linux). */
  get fragOff(): number {
    return u16(this.bytes, F.FRAG_OFF);
  }
  set fragOff(v: number) {
    setU16(this.bytes, F.FRAG_OFF, v);
  }

  /** Fragment Offset in 8-octet units, as on the wire. */
  get fragmentOffset(): number {
    return (this.fragOff & IP6_OFFSET) >>> OFFSET_SHIFT;
  }
  set fragmentOffset(v: number) {
    this.fragOff = (this.fragOff & ~IP6_OFFSET & 0xffff) | ((v << OFFSET_SHIFT) & IP6_OFFSET);
  }

  /** Fragment Offset in bytes. */
  get byteOffset(): number {
    return this.fragOff & IP6_OFFSET;
  }

  /** The two reserved bits between Fragment Offset and M. */
  get reservedBits(): number {
    return (this.fragOff & RES_MASK) >>> RES_SHIFT;
  }
  set reservedBits(v: number) {
    this.fragOff = (this.fragOff & ~RES_MASK & 0xffff) | ((v << RES_SHIFT) & RES_MASK);
  }

  get moreFragments(): boolean {
    return (this.fragOff & IP6_MF) !== 0;
  }
  set moreFragments(v: boolean) {
    this.fragOff = v ? this.fragOff | IP6_MF : this.fragOff & ~IP6_MF & 0xffff;
  }

  get identification(): number {
    return u32(this.bytes, F.IDENTIFICATION);
  }
  set identification(v: number) {
    setU32(this.bytes, F.IDENTIFICATION, v);
  }
}

export interface Ipv6FragmentRepr {
  readonly nextHeader: number;
  /** Fragment Offset in 8-octet units (0..8191), as on the wire. */
  readonly fragmentOffset: number;
  readonly moreFragments: boolean;
  readonly identification: number;
  /** The reserved octet (kept, normally 0). */
  readonly reserved: number;
  /** The two reserved bits before M (kept, normally 0). */
  readonly reservedBits: number;
}

/** Fragment Offset of a Repr in bytes. */
export function fragmentByteOffset(repr: Ipv6FragmentRepr): number {
  return repr.fragmentOffset << OFFSET_SHIFT;
}

export function parseIpv6Fragment(bytes: Uint8Array): Result<Ipv6FragmentRepr> {
  const checked = Ipv6FragmentView.check(bytes);
  if (!checked.ok) return checked;
  const v = checked.value;
  return ok({
    nextHeader: v.nextHeader,
    fragmentOffset: v.fragmentOffset,
    moreFragments: v.moreFragments,
    identification: v.identification,
    reserved: v.reserved,
    reservedBits: v.reservedBits,
  });
}

export function ipv6FragmentBufferLen(_repr: Ipv6FragmentRepr): number {
  return IP6_FRAG_HDR_LEN;
}

function checkRange(name: string, v: number, max: number): void {
  if (!Number.isInteger(v) || v < 0 || v > max) throw new RangeError(`Ipv6FragmentRepr.${name} ${v} is outside 0..${max}`);
}

/** Writes the 8-byte header at `offset`; returns 8. */
export function emitIpv6Fragment(repr: Ipv6FragmentRepr, bytes: Uint8Array, offset = 0): number {
  checkRange('nextHeader', repr.nextHeader, 0xff);
  checkRange('reserved', repr.reserved, 0xff);
  checkRange('fragmentOffset', repr.fragmentOffset, FRAGMENT_OFFSET_MAX);
  checkRange('reservedBits', repr.reservedBits, 3);
  checkRange('identification', repr.identification, 0xffffffff);
  if (offset < 0 || offset + IP6_FRAG_HDR_LEN > bytes.length) {
    throw new RangeError(`emitIpv6Fragment: need ${IP6_FRAG_HDR_LEN} bytes at offset ${offset}, buffer has ${bytes.length}`);
  }
  bytes[offset + F.NEXT_HEADER] = repr.nextHeader;
  bytes[offset + F.RESERVED] = repr.reserved;
  setU16(
    bytes,
    offset + F.FRAG_OFF,
    (repr.fragmentOffset << OFFSET_SHIFT) | (repr.reservedBits << RES_SHIFT) | (repr.moreFragments ? IP6_MF : 0),
  );
  setU32(bytes, offset + F.IDENTIFICATION, repr.identification);
  return IP6_FRAG_HDR_LEN;
}
