/**
 * UDP (RFC 768) header view, Repr, parse and emit, with the checksum over the IPv6
 * pseudo-header (RFC 8200 §8.1) or the IPv4 one (RFC 768).
 *
 * Contract: `UdpView.check` accepts a buffer holding at least the datagram's Length bytes (more
 * is allowed: link-layer padding after the datagram is ignored) with 8 <= Length. The checksum
 * covers exactly Length bytes. A computed checksum of zero is sent as 0xffff (RFC 768; RFC 8200
 * §8.1). A received zero checksum means "none" over IPv4 and is invalid over IPv6, unless the
 * receiver allows it for a tunnel (RFC 6935 / RFC 6936, Linux's `UDP_NO_CHECK6_RX`).
 *
 * Not supported: RFC 2675 jumbograms (Length 0 over IPv6 is rejected as bad-length), UDP-Lite.
 */

import { u16, setU16 } from './bytes.ts';
import { checksumAdd, checksumFold, checksumPseudoIpv4, checksumPseudoIpv6 } from './checksum.ts';
import { ok, wireError, type Result } from './result.ts';
import { IPPROTO_UDP } from '../uapi/in6.ts';

/*
 *  0      7 8     15 16    23 24    31
 * +--------+--------+--------+--------+
 * |     Source      |   Destination   |
 * |      Port       |      Port       |
 * +--------+--------+--------+--------+
 * |                 |                 |
 * |     Length      |    Checksum     |
 * +--------+--------+--------+--------+
 * |          data octets ...
 */
const F = { SRC_PORT: 0, DST_PORT: 2, LENGTH: 4, CHECKSUM: 6, PAYLOAD: 8 } as const;

export const UDP_HEADER_LEN = 8;
/** The largest payload a 16-bit Length can describe. */
export const UDP_MAX_PAYLOAD = 0xffff - UDP_HEADER_LEN;

/** The addresses a UDP checksum covers, and whether a zero checksum is acceptable on receive. */
export type UdpChecksumContext =
  | {
      readonly family: 'ipv6';
      readonly src: Uint8Array;
      readonly dst: Uint8Array;
      /** RFC 6935/6936: accept a zero checksum (tunnel endpoints that opted in). */
      readonly zeroChecksumAllowed?: boolean;
    }
  | { readonly family: 'ipv4'; readonly src: Uint8Array; readonly dst: Uint8Array };

/**
 * `good`: verifies. `bad`: does not verify. `zero`: zero checksum over IPv6 where it is not
 * allowed (Linux counts it as a checksum error). `none`: zero checksum where it means "not
 * computed" (IPv4, or IPv6 with `zeroChecksumAllowed`).
 */
export type UdpChecksumVerdict = 'good' | 'bad' | 'zero' | 'none';

export class UdpView {
  readonly bytes: Uint8Array;

  private constructor(bytes: Uint8Array) {
    this.bytes = bytes;
  }

  /** Validates the header and the Length field against the buffer. */
  static check(bytes: Uint8Array): Result<UdpView> {
    if (bytes.length < UDP_HEADER_LEN) {
      return wireError('truncated', 0, 'UDP header', `${bytes.length} bytes, need ${UDP_HEADER_LEN}`);
    }
    const length = u16(bytes, F.LENGTH);
    if (length < UDP_HEADER_LEN) {
      return wireError('bad-length', F.LENGTH, 'Length', `${length} is less than the header length ${UDP_HEADER_LEN}`);
    }
    if (length > bytes.length) {
      return wireError('truncated', F.LENGTH, 'Length', `${length} exceeds the ${bytes.length} bytes received`);
    }
    return ok(new UdpView(bytes));
  }

  get srcPort(): number {
    return u16(this.bytes, F.SRC_PORT);
  }
  set srcPort(v: number) {
    setU16(this.bytes, F.SRC_PORT, v);
  }
  get dstPort(): number {
    return u16(this.bytes, F.DST_PORT);
  }
  set dstPort(v: number) {
    setU16(this.bytes, F.DST_PORT, v);
  }
  /** The Length field: header plus payload. */
  get length(): number {
    return u16(this.bytes, F.LENGTH);
  }
  get checksum(): number {
    return u16(this.bytes, F.CHECKSUM);
  }
  set checksum(v: number) {
    setU16(this.bytes, F.CHECKSUM, v);
  }
  /** The payload, as far as Length says (bytes past it are not part of the datagram). */
  get payload(): Uint8Array {
    return this.bytes.subarray(F.PAYLOAD, this.length);
  }

  /** The checksum this datagram should carry (never 0: a zero result is sent as 0xffff). */
  computeChecksum(ctx: UdpChecksumContext): number {
    return udpChecksumOver(this.bytes, this.length, ctx);
  }

  fillChecksum(ctx: UdpChecksumContext): void {
    this.checksum = this.computeChecksum(ctx);
  }

  verifyChecksum(ctx: UdpChecksumContext): UdpChecksumVerdict {
    if (this.checksum === 0) {
      if (ctx.family === 'ipv4' || ctx.zeroChecksumAllowed === true) return 'none';
      return 'zero';
    }
    return checksumFold(pseudoSum(ctx, this.length) + checksumAdd(0, this.bytes, 0, this.length)) === 0 ? 'good' : 'bad';
  }
}

function pseudoSum(ctx: UdpChecksumContext, length: number): number {
  return ctx.family === 'ipv6'
    ? checksumPseudoIpv6(ctx.src, ctx.dst, length, IPPROTO_UDP)
    : checksumPseudoIpv4(ctx.src, ctx.dst, length, IPPROTO_UDP);
}

/** Sums everything but the checksum field, so a stale value there does not matter. */
function udpChecksumOver(b: Uint8Array, length: number, ctx: UdpChecksumContext): number {
  let s = pseudoSum(ctx, length);
  s = checksumAdd(s, b, 0, F.CHECKSUM);
  s = checksumAdd(s, b, F.PAYLOAD, length);
  const c = checksumFold(s);
  return c === 0 ? 0xffff : c;
}

export interface UdpRepr {
  readonly srcPort: number;
  readonly dstPort: number;
  readonly payload: Uint8Array;
}

/**
 * Parses a datagram. With `ctx` the checksum is verified too: `bad` and `zero` verdicts are
 * bad-checksum errors at the Checksum field.
 */
export function parseUdp(bytes: Uint8Array, ctx?: UdpChecksumContext): Result<UdpRepr> {
  const checked = UdpView.check(bytes);
  if (!checked.ok) return checked;
  const v = checked.value;
  if (ctx !== undefined) {
    const verdict = v.verifyChecksum(ctx);
    if (verdict === 'bad') {
      return wireError('bad-checksum', F.CHECKSUM, 'Checksum', `0x${v.checksum.toString(16)} does not verify`);
    }
    if (verdict === 'zero') {
      return wireError('bad-checksum', F.CHECKSUM, 'Checksum', 'zero checksum is not allowed over IPv6 (RFC 8200 §8.1)');
    }
  }
  return ok({ srcPort: v.srcPort, dstPort: v.dstPort, payload: v.payload });
}

export function udpBufferLen(repr: UdpRepr): number {
  return UDP_HEADER_LEN + repr.payload.length;
}

function checkPort(name: string, port: number): void {
  if (!Number.isInteger(port) || port < 0 || port > 0xffff) throw new RangeError(`emitUdp: ${name} ${port} out of range`);
}

/**
 * Writes header and payload at `offset`. With `ctx` the checksum is filled in; without it the
 * field is 0 (to be filled later, e.g. after encapsulation decides the addresses).
 */
export function emitUdp(repr: UdpRepr, bytes: Uint8Array, offset = 0, ctx?: UdpChecksumContext): number {
  const len = udpBufferLen(repr);
  if (repr.payload.length > UDP_MAX_PAYLOAD) {
    throw new RangeError(`emitUdp: payload of ${repr.payload.length} bytes exceeds ${UDP_MAX_PAYLOAD}`);
  }
  checkPort('srcPort', repr.srcPort);
  checkPort('dstPort', repr.dstPort);
  if (offset < 0 || offset + len > bytes.length) {
    throw new RangeError(`emitUdp: need ${len} bytes at offset ${offset}, buffer has ${bytes.length}`);
  }
  const b = bytes.subarray(offset, offset + len);
  setU16(b, F.SRC_PORT, repr.srcPort);
  setU16(b, F.DST_PORT, repr.dstPort);
  setU16(b, F.LENGTH, len);
  setU16(b, F.CHECKSUM, 0);
  b.set(repr.payload, F.PAYLOAD);
  if (ctx !== undefined) setU16(b, F.CHECKSUM, udpChecksumOver(b, len, ctx));
  return len;
}
