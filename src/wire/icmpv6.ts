/**
 * ICMPv6 messages (RFC 4443) view, Repr, parse and emit, with the checksum over the IPv6
 * pseudo-header (RFC 4443 §2.3, RFC 8200 §8.1).
 *
 * Contract: `Icmpv6View.check` takes exactly the ICMPv6 message (the IPv6 payload after any
 * extension headers) and requires the 8 bytes of `struct icmp6hdr`, as Linux `icmpv6_rcv`
 * does before looking at the type. The checksum's upper-layer length is the buffer length.
 * Echo Request/Reply (§4.1, §4.2), Destination Unreachable (§3.1), Packet Too Big (§3.2),
 * Time Exceeded (§3.3) and Parameter Problem (§3.4) are decoded; every other type is kept as
 * `{ type, code, body }` (body: everything after the checksum) and re-emitted unchanged.
 *
 * `buildIcmpv6Error` cuts the invoking packet so the whole error packet fits the IPv6 minimum
 * MTU (RFC 4443 §2.4(c)), as Linux `icmp6_send` does.
 *
 * Not supported here: Neighbour Discovery and MLD bodies (kept as `other`), RFC 4884 extension
 * structures (their bytes stay inside `invoking`).
 */

import { u16, u32, setU16, setU32 } from './bytes.ts';
import { checksumAdd, checksumFold, checksumPseudoIpv6 } from './checksum.ts';
import { ok, wireError, type Result } from './result.ts';
import { IPPROTO_ICMPV6 } from '../uapi/in6.ts';
import {
  ICMPV6_DEST_UNREACH,
  ICMPV6_ECHO_REPLY,
  ICMPV6_ECHO_REQUEST,
  ICMPV6_INFOMSG_MASK,
  ICMPV6_PARAMPROB,
  ICMPV6_PKT_TOOBIG,
  ICMPV6_TIME_EXCEED,
} from '../uapi/icmpv6.ts';

/*
 *  0                   1                   2                   3
 *  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |     Type      |     Code      |          Checksum             |
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |  Identifier / Unused / MTU / Pointer (32 bits, by type)       |
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |  Data / as much of the invoking packet as fits ...
 */
const F = { TYPE: 0, CODE: 1, CHECKSUM: 2, BODY: 4, IDENTIFIER: 4, SEQUENCE: 6, WORD: 4, DATA: 8 } as const;

/** sizeof(struct icmp6hdr): type, code, checksum and the 32-bit message word. */
export const ICMPV6_HEADER_LEN = 8;
/** IPv6 minimum link MTU (RFC 8200 §5); Linux IPV6_MIN_MTU in include/linux/ipv6.h. */
export const IPV6_MIN_MTU = 1280;
const IPV6_HEADER_LEN = 40;

export function icmpv6IsError(type: number): boolean {
  return (type & ICMPV6_INFOMSG_MASK) === 0;
}

export class Icmpv6View {
  readonly bytes: Uint8Array;

  private constructor(bytes: Uint8Array) {
    this.bytes = bytes;
  }

  static check(bytes: Uint8Array): Result<Icmpv6View> {
    if (bytes.length < ICMPV6_HEADER_LEN) {
      return wireError('truncated', 0, 'ICMPv6 header', `${bytes.length} bytes, need ${ICMPV6_HEADER_LEN}`);
    }
    return ok(new Icmpv6View(bytes));
  }

  get type(): number {
    return this.bytes[F.TYPE] ?? 0;
  }
  /** In place, e.g. turning an Echo Request into its reply; refill the checksum after. */
  set type(v: number) {
    this.bytes[F.TYPE] = v & 0xff;
  }
  get code(): number {
    return this.bytes[F.CODE] ?? 0;
  }
  set code(v: number) {
    this.bytes[F.CODE] = v & 0xff;
  }
  get checksum(): number {
    return u16(this.bytes, F.CHECKSUM);
  }
  set checksum(v: number) {
    setU16(this.bytes, F.CHECKSUM, v);
  }
  /** Echo: Identifier. */
  get identifier(): number {
    return u16(this.bytes, F.IDENTIFIER);
  }
  /** Echo: Sequence Number. */
  get sequence(): number {
    return u16(this.bytes, F.SEQUENCE);
  }
  /** The second 32-bit word: MTU (Packet Too Big), Pointer (Parameter Problem), or Unused. */
  get word(): number {
    return u32(this.bytes, F.WORD);
  }
  set word(v: number) {
    setU32(this.bytes, F.WORD, v);
  }
  get mtu(): number {
    return this.word;
  }
  get pointer(): number {
    return this.word;
  }
  /** Echo data, or the invoking packet of an error message. */
  get data(): Uint8Array {
    return this.bytes.subarray(F.DATA);
  }
  /** Everything after the checksum. */
  get body(): Uint8Array {
    return this.bytes.subarray(F.BODY);
  }

  computeChecksum(src: Uint8Array, dst: Uint8Array): number {
    let s = checksumPseudoIpv6(src, dst, this.bytes.length, IPPROTO_ICMPV6);
    s = checksumAdd(s, this.bytes, 0, F.CHECKSUM);
    s = checksumAdd(s, this.bytes, F.BODY, this.bytes.length);
    return checksumFold(s);
  }

  fillChecksum(src: Uint8Array, dst: Uint8Array): void {
    this.checksum = this.computeChecksum(src, dst);
  }

  verifyChecksum(src: Uint8Array, dst: Uint8Array): boolean {
    const s = checksumPseudoIpv6(src, dst, this.bytes.length, IPPROTO_ICMPV6);
    return checksumFold(checksumAdd(s, this.bytes)) === 0;
  }
}

export interface Icmpv6Echo {
  readonly kind: 'echo-request' | 'echo-reply';
  readonly code: number;
  readonly identifier: number;
  readonly sequence: number;
  readonly data: Uint8Array;
}

export interface Icmpv6DestUnreach {
  readonly kind: 'dest-unreach';
  /** ICMPV6_NOROUTE ... ICMPV6_REJECT_ROUTE; unknown codes are kept. */
  readonly code: number;
  /** Must be zero on send (RFC 4443 §3.1); kept so any message round-trips. */
  readonly unused: number;
  readonly invoking: Uint8Array;
}

export interface Icmpv6PacketTooBig {
  readonly kind: 'packet-too-big';
  readonly code: number;
  readonly mtu: number;
  readonly invoking: Uint8Array;
}

export interface Icmpv6TimeExceeded {
  readonly kind: 'time-exceeded';
  /** ICMPV6_EXC_HOPLIMIT or ICMPV6_EXC_FRAGTIME. */
  readonly code: number;
  readonly unused: number;
  readonly invoking: Uint8Array;
}

export interface Icmpv6ParamProblem {
  readonly kind: 'param-problem';
  /** ICMPV6_HDR_FIELD, ICMPV6_UNK_NEXTHDR, ICMPV6_UNK_OPTION or ICMPV6_HDR_INCOMP. */
  readonly code: number;
  /** Offset in the invoking packet of the offending octet. */
  readonly pointer: number;
  readonly invoking: Uint8Array;
}

export interface Icmpv6Other {
  readonly kind: 'other';
  readonly type: number;
  readonly code: number;
  /** Everything after the checksum (at least 4 bytes). */
  readonly body: Uint8Array;
}

export type Icmpv6ErrorRepr = Icmpv6DestUnreach | Icmpv6PacketTooBig | Icmpv6TimeExceeded | Icmpv6ParamProblem;
export type Icmpv6Repr = Icmpv6Echo | Icmpv6ErrorRepr | Icmpv6Other;

/** The pair of addresses the checksum covers. */
export interface Icmpv6Addresses {
  readonly src: Uint8Array;
  readonly dst: Uint8Array;
}

/** Parses a message; with `addrs` the checksum is verified first (as `icmpv6_rcv` does). */
export function parseIcmpv6(bytes: Uint8Array, addrs?: Icmpv6Addresses): Result<Icmpv6Repr> {
  const checked = Icmpv6View.check(bytes);
  if (!checked.ok) return checked;
  const v = checked.value;
  if (addrs !== undefined && !v.verifyChecksum(addrs.src, addrs.dst)) {
    return wireError('bad-checksum', F.CHECKSUM, 'Checksum', `0x${v.checksum.toString(16)} does not verify`);
  }
  const code = v.code;
  switch (v.type) {
    case ICMPV6_ECHO_REQUEST:
    case ICMPV6_ECHO_REPLY:
      return ok({
        kind: v.type === ICMPV6_ECHO_REQUEST ? 'echo-request' : 'echo-reply',
        code,
        identifier: v.identifier,
        sequence: v.sequence,
        data: v.data,
      });
    case ICMPV6_DEST_UNREACH:
      return ok({ kind: 'dest-unreach', code, unused: v.word, invoking: v.data });
    case ICMPV6_PKT_TOOBIG:
      return ok({ kind: 'packet-too-big', code, mtu: v.mtu, invoking: v.data });
    case ICMPV6_TIME_EXCEED:
      return ok({ kind: 'time-exceeded', code, unused: v.word, invoking: v.data });
    case ICMPV6_PARAMPROB:
      return ok({ kind: 'param-problem', code, pointer: v.pointer, invoking: v.data });
    default:
      return ok({ kind: 'other', type: v.type, code, body: v.body });
  }
}

export function icmpv6Type(repr: Icmpv6Repr): number {
  switch (repr.kind) {
    case 'echo-request':
      return ICMPV6_ECHO_REQUEST;
    case 'echo-reply':
      return ICMPV6_ECHO_REPLY;
    case 'dest-unreach':
      return ICMPV6_DEST_UNREACH;
    case 'packet-too-big':
      return ICMPV6_PKT_TOOBIG;
    case 'time-exceeded':
      return ICMPV6_TIME_EXCEED;
    case 'param-problem':
      return ICMPV6_PARAMPROB;
    case 'other':
      return repr.type;
  }
}

export function icmpv6BufferLen(repr: Icmpv6Repr): number {
  switch (repr.kind) {
    case 'echo-request':
    case 'echo-reply':
      return ICMPV6_HEADER_LEN + repr.data.length;
    case 'other':
      return F.BODY + repr.body.length;
    default:
      return ICMPV6_HEADER_LEN + repr.invoking.length;
  }
}

function checkField(name: string, v: number, max: number): void {
  if (!Number.isInteger(v) || v < 0 || v > max) throw new RangeError(`emitIcmpv6: ${name} ${v} out of range 0..${max}`);
}

/**
 * Writes the message at `offset` and returns its length. With `addrs` the checksum is filled in
 * over their IPv6 pseudo-header (upper-layer length = the message length); without, it is 0,
 * to be filled later with `Icmpv6View.fillChecksum`.
 */
export function emitIcmpv6(repr: Icmpv6Repr, bytes: Uint8Array, offset = 0, addrs?: Icmpv6Addresses): number {
  const len = icmpv6BufferLen(repr);
  const type = icmpv6Type(repr);
  // Validate everything before the first write, so a refused Repr leaves the buffer untouched.
  checkField('type', type, 0xff);
  checkField('code', repr.code, 0xff);
  let word = 0;
  let data: Uint8Array;
  switch (repr.kind) {
    case 'echo-request':
    case 'echo-reply':
      checkField('identifier', repr.identifier, 0xffff);
      checkField('sequence', repr.sequence, 0xffff);
      word = repr.identifier * 0x10000 + repr.sequence;
      data = repr.data;
      break;
    case 'dest-unreach':
    case 'time-exceeded':
      checkField('unused', repr.unused, 0xffffffff);
      word = repr.unused;
      data = repr.invoking;
      break;
    case 'packet-too-big':
      checkField('mtu', repr.mtu, 0xffffffff);
      word = repr.mtu;
      data = repr.invoking;
      break;
    case 'param-problem':
      checkField('pointer', repr.pointer, 0xffffffff);
      word = repr.pointer;
      data = repr.invoking;
      break;
    case 'other':
      if (repr.body.length < ICMPV6_HEADER_LEN - F.BODY) {
        throw new RangeError(`emitIcmpv6: body of ${repr.body.length} bytes, need at least 4`);
      }
      data = repr.body;
      break;
  }
  if (offset < 0 || offset + len > bytes.length) {
    throw new RangeError(`emitIcmpv6: need ${len} bytes at offset ${offset}, buffer has ${bytes.length}`);
  }
  const b = bytes.subarray(offset, offset + len);
  b[F.TYPE] = type;
  b[F.CODE] = repr.code;
  setU16(b, F.CHECKSUM, 0);
  if (repr.kind === 'other') {
    b.set(data, F.BODY);
  } else {
    setU32(b, F.WORD, word);
    b.set(data, F.DATA);
  }
  if (addrs !== undefined) {
    const s = checksumPseudoIpv6(addrs.src, addrs.dst, len, IPPROTO_ICMPV6);
    setU16(b, F.CHECKSUM, checksumFold(checksumAdd(s, b)));
  }
  return len;
}

/**
 * The most invoking-packet bytes an error may carry so that the IPv6 header, `extraHeaderLen`
 * bytes of extension headers, the ICMPv6 header and the data fit in 1280 bytes (RFC 4443
 * §2.4(c); Linux `icmp6_send` uses IPV6_MIN_MTU - 40 - 8 = 1232).
 */
export function icmpv6ErrorRoom(extraHeaderLen = 0): number {
  return Math.max(0, IPV6_MIN_MTU - IPV6_HEADER_LEN - extraHeaderLen - ICMPV6_HEADER_LEN);
}

/** `error` with its invoking packet cut (a subarray, no copy) to `icmpv6ErrorRoom`. */
export function buildIcmpv6Error<T extends Icmpv6ErrorRepr>(error: T, extraHeaderLen = 0): T {
  const room = icmpv6ErrorRoom(extraHeaderLen);
  if (error.invoking.length <= room) return error;
  return { ...error, invoking: error.invoking.subarray(0, room) };
}
