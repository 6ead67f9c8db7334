/**
 * IPv4 header (RFC 791 §3.1) view, Repr, parse and emit, with the header checksum and the
 * options TLV walk.
 *
 * Contract: `Ipv4View.check` applies the header checks of Linux `ip_rcv_core`, in its order:
 * 20 bytes present; IHL >= 5 and Version 4; IHL*4 bytes present; (checksum, in `parseIpv4`);
 * Total Length <= the bytes received (else truncated) and >= IHL*4. Bytes past Total Length
 * (link padding) are not part of the packet. `parseIpv4` also walks the options as Linux
 * `ip_options_compile` does for their framing (EOL ends the list, NOP is one byte, any other
 * option has a length >= 2 that fits). The Repr keeps the options area as raw bytes, so every
 * header round-trips; `parseIpv4Options` / `emitIpv4Options` convert it to and from `{ type,
 * data }` items.
 *
 * Not supported: the meaning of individual options (Record Route pointers, timestamps, source
 * routes, CIPSO/CALIPSO security labels) is not validated here; that is the receive path's job.
 */

import { u16, setU16 } from './bytes.ts';
import { checksum } from './checksum.ts';
import { ok, shiftError, wireError, type Result } from './result.ts';
import { IPOPT_END, IPOPT_NOOP, IPVERSION, IP_CE, IP_DF, IP_MF, IP_OFFSET, MAX_IPOPTLEN } from '../uapi/ip.ts';

/*
 *  0                   1                   2                   3
 *  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |Version|  IHL  |   DSCP    |ECN|          Total Length         |
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |         Identification        |Flags|      Fragment Offset    |
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |  Time to Live |    Protocol   |         Header Checksum       |
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |                       Source Address                          |
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |                    Destination Address                        |
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |                    Options                    |    Padding    |
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * (DSCP/ECN per RFC 2474 and RFC 3168; Flags: reserved, DF, MF.)
 */
const F = {
  VER_IHL: 0,
  TOS: 1,
  TOTAL_LENGTH: 2,
  IDENTIFICATION: 4,
  FLAGS_FRAG: 6,
  TTL: 8,
  PROTOCOL: 9,
  CHECKSUM: 10,
  SRC: 12,
  DST: 16,
  OPTIONS: 20,
} as const;

export const IPV4_HEADER_LEN = 20;
export const IPV4_MAX_HEADER_LEN = IPV4_HEADER_LEN + MAX_IPOPTLEN;

export class Ipv4View {
  readonly bytes: Uint8Array;

  private constructor(bytes: Uint8Array) {
    this.bytes = bytes;
  }

  /** Linux `ip_rcv_core` header checks, except the checksum (see `verifyChecksum`). */
  static check(bytes: Uint8Array): Result<Ipv4View> {
    if (bytes.length < IPV4_HEADER_LEN) {
      return wireError('truncated', 0, 'IPv4 header', `${bytes.length} bytes, need ${IPV4_HEADER_LEN}`);
    }
    const ihl = (bytes[F.VER_IHL] ?? 0) & 0x0f;
    const version = (bytes[F.VER_IHL] ?? 0) >>> 4;
    if (ihl < 5) return wireError('bad-length', F.VER_IHL, 'IHL', `${ihl} is below the minimum 5`);
    if (version !== IPVERSION) return wireError('bad-version', F.VER_IHL, 'Version', `${version} is not 4`);
    const hlen = ihl * 4;
    if (bytes.length < hlen) {
      return wireError('truncated', F.OPTIONS, 'Options', `IHL ${ihl} needs ${hlen} bytes, have ${bytes.length}`);
    }
    const total = u16(bytes, F.TOTAL_LENGTH);
    if (total > bytes.length) {
      return wireError('truncated', F.TOTAL_LENGTH, 'Total Length', `${total} exceeds the ${bytes.length} bytes received`);
    }
    if (total < hlen) {
      return wireError('bad-length', F.TOTAL_LENGTH, 'Total Length', `${total} is less than the header length ${hlen}`);
    }
    return ok(new Ipv4View(bytes));
  }

  get version(): number {
    return (this.bytes[F.VER_IHL] ?? 0) >>> 4;
  }
  /** Internet Header Length in 32-bit words. */
  get ihl(): number {
    return (this.bytes[F.VER_IHL] ?? 0) & 0x0f;
  }
  get headerLen(): number {
    return this.ihl * 4;
  }
  get tos(): number {
    return this.bytes[F.TOS] ?? 0;
  }
  set tos(v: number) {
    this.bytes[F.TOS] = v & 0xff;
  }
  get dscp(): number {
    return this.tos >>> 2;
  }
  get ecn(): number {
    return this.tos & 0x03;
  }
  get totalLength(): number {
    return u16(this.bytes, F.TOTAL_LENGTH);
  }
  get identification(): number {
    return u16(this.bytes, F.IDENTIFICATION);
  }
  set identification(v: number) {
    setU16(this.bytes, F.IDENTIFICATION, v);
  }
  /** The 16-bit flags + fragment offset word (masks IP_CE, IP_DF, IP_MF, IP_OFFSET). */
  get fragWord(): number {
    return u16(this.bytes, F.FLAGS_FRAG);
  }
  get reservedFlag(): boolean {
    return (this.fragWord & IP_CE) !== 0;
  }
  get dontFragment(): boolean {
    return (this.fragWord & IP_DF) !== 0;
  }
  get moreFragments(): boolean {
    return (this.fragWord & IP_MF) !== 0;
  }
  /** Fragment Offset in 8-octet units. */
  get fragmentOffset(): number {
    return this.fragWord & IP_OFFSET;
  }
  /** Linux `ip_is_fragment`: MF set or a non-zero offset. */
  get isFragment(): boolean {
    return (this.fragWord & (IP_MF | IP_OFFSET)) !== 0;
  }
  get ttl(): number {
    return this.bytes[F.TTL] ?? 0;
  }
  set ttl(v: number) {
    this.bytes[F.TTL] = v & 0xff;
  }
  get protocol(): number {
    return this.bytes[F.PROTOCOL] ?? 0;
  }
  get checksum(): number {
    return u16(this.bytes, F.CHECKSUM);
  }
  set checksum(v: number) {
    setU16(this.bytes, F.CHECKSUM, v);
  }
  get src(): Uint8Array {
    return this.bytes.subarray(F.SRC, F.SRC + 4);
  }
  get dst(): Uint8Array {
    return this.bytes.subarray(F.DST, F.DST + 4);
  }
  /** The options area (IHL*4 - 20 bytes, padding included). */
  get options(): Uint8Array {
    return this.bytes.subarray(F.OPTIONS, this.headerLen);
  }
  get payload(): Uint8Array {
    return this.bytes.subarray(this.headerLen, this.totalLength);
  }

  /** True when the header checksum verifies (Linux `ip_fast_csum` over IHL*4 bytes). */
  verifyChecksum(): boolean {
    return checksum(this.bytes, 0, this.headerLen) === 0;
  }

  /** Recomputes the header checksum in place (after a TTL or address change). */
  fillChecksum(): void {
    this.checksum = 0;
    this.checksum = checksum(this.bytes, 0, this.headerLen);
  }
}

/** One option: EOL and NOP have empty data; others carry the bytes after their length octet. */
export interface Ipv4Option {
  readonly type: number;
  readonly data: Uint8Array;
}

/**
 * Walks an options area the way Linux `ip_options_compile` frames it. EOL is returned as the
 * last item; the padding after it is not returned. Error offsets are relative to `raw`.
 */
export function parseIpv4Options(raw: Uint8Array): Result<Ipv4Option[]> {
  if (raw.length > MAX_IPOPTLEN) {
    return wireError('limit', 0, 'Options', `${raw.length} bytes exceed the ${MAX_IPOPTLEN}-byte options limit`);
  }
  const out: Ipv4Option[] = [];
  let i = 0;
  while (i < raw.length) {
    const type = raw[i] ?? 0;
    if (type === IPOPT_END) {
      out.push({ type, data: raw.subarray(i + 1, i + 1) });
      break;
    }
    if (type === IPOPT_NOOP) {
      out.push({ type, data: raw.subarray(i + 1, i + 1) });
      i++;
      continue;
    }
    if (raw.length - i < 2) return wireError('truncated', i, 'Option Length', `option ${type} has no length octet`);
    const len = raw[i + 1] ?? 0;
    if (len < 2) return wireError('bad-length', i + 1, 'Option Length', `option ${type} length ${len} is below 2`);
    if (len > raw.length - i) {
      return wireError('bad-length', i + 1, 'Option Length', `option ${type} length ${len} runs past the header`);
    }
    out.push({ type, data: raw.subarray(i + 2, i + len) });
    i += len;
  }
  return ok(out);
}

/** Encoded size of `options`, padded with EOL to a multiple of 4. */
export function ipv4OptionsLen(options: readonly Ipv4Option[]): number {
  let n = 0;
  for (const o of options) n += o.type === IPOPT_END || o.type === IPOPT_NOOP ? 1 : 2 + o.data.length;
  return (n + 3) & ~3;
}

/**
 * Encodes `options` at `offset`, padding with EOL (zero) bytes to a multiple of 4, and returns
 * the length written. Throws when an option is malformed or the total exceeds 40 bytes.
 */
export function emitIpv4Options(options: readonly Ipv4Option[], bytes: Uint8Array, offset = 0): number {
  const len = ipv4OptionsLen(options);
  if (len > MAX_IPOPTLEN) throw new RangeError(`emitIpv4Options: ${len} bytes exceed ${MAX_IPOPTLEN}`);
  if (offset < 0 || offset + len > bytes.length) {
    throw new RangeError(`emitIpv4Options: need ${len} bytes at offset ${offset}, buffer has ${bytes.length}`);
  }
  let o = offset;
  for (const opt of options) {
    if (!Number.isInteger(opt.type) || opt.type < 0 || opt.type > 0xff) {
      throw new RangeError(`emitIpv4Options: type ${opt.type} out of range`);
    }
    bytes[o++] = opt.type;
    if (opt.type === IPOPT_END || opt.type === IPOPT_NOOP) {
      if (opt.data.length !== 0) throw new RangeError(`emitIpv4Options: EOL/NOP carry no data`);
      continue;
    }
    bytes[o++] = 2 + opt.data.length;
    bytes.set(opt.data, o);
    o += opt.data.length;
  }
  bytes.fill(IPOPT_END, o, offset + len);
  return len;
}

export interface Ipv4Repr {
  /** Differentiated Services codepoint (6 bits, RFC 2474). */
  readonly dscp: number;
  /** ECN field (2 bits, RFC 3168). */
  readonly ecn: number;
  readonly identification: number;
  /** The reserved flag bit (must be zero; Linux IP_CE). Kept so any header round-trips. */
  readonly reservedFlag: boolean;
  readonly dontFragment: boolean;
  readonly moreFragments: boolean;
  /** In 8-octet units, 0..8191. */
  readonly fragmentOffset: number;
  readonly ttl: number;
  readonly protocol: number;
  readonly src: Uint8Array;
  readonly dst: Uint8Array;
  /** Raw options area (a multiple of 4 bytes, at most 40), see `parseIpv4Options`. */
  readonly options: Uint8Array;
  /** Total Length minus the header length. */
  readonly payloadLen: number;
}

export interface Ipv4ParseOptions {
  /** Verify the header checksum (default true), as `ip_rcv_core` does. */
  readonly verifyChecksum?: boolean;
}

export function parseIpv4(bytes: Uint8Array, opts: Ipv4ParseOptions = {}): Result<Ipv4Repr> {
  const checked = Ipv4View.check(bytes);
  if (!checked.ok) return checked;
  const v = checked.value;
  if (opts.verifyChecksum !== false && !v.verifyChecksum()) {
    return wireError('bad-checksum', F.CHECKSUM, 'Header Checksum', `0x${v.checksum.toString(16)} does not verify`);
  }
  const options = v.options;
  const walked = parseIpv4Options(options);
  if (!walked.ok) return { ok: false, error: shiftError(walked.error, F.OPTIONS) };
  return ok({
    dscp: v.dscp,
    ecn: v.ecn,
    identification: v.identification,
    reservedFlag: v.reservedFlag,
    dontFragment: v.dontFragment,
    moreFragments: v.moreFragments,
    fragmentOffset: v.fragmentOffset,
    ttl: v.ttl,
    protocol: v.protocol,
    src: v.src,
    dst: v.dst,
    options,
    payloadLen: v.totalLength - v.headerLen,
  });
}

export function ipv4BufferLen(repr: Ipv4Repr): number {
  return IPV4_HEADER_LEN + repr.options.length;
}

function checkRange(name: string, v: number, max: number): void {
  if (!Number.isInteger(v) || v < 0 || v > max) throw new RangeError(`emitIpv4: ${name} ${v} out of range 0..${max}`);
}

/** Writes the header (options included) at `offset`, computes its checksum, returns its length. */
export function emitIpv4(repr: Ipv4Repr, bytes: Uint8Array, offset = 0): number {
  const hlen = ipv4BufferLen(repr);
  if (repr.options.length % 4 !== 0 || repr.options.length > MAX_IPOPTLEN) {
    throw new RangeError(`emitIpv4: options of ${repr.options.length} bytes (need a multiple of 4, at most 40)`);
  }
  if (repr.src.length !== 4 || repr.dst.length !== 4) throw new RangeError('emitIpv4: addresses must be 4 bytes');
  checkRange('dscp', repr.dscp, 0x3f);
  checkRange('ecn', repr.ecn, 3);
  checkRange('identification', repr.identification, 0xffff);
  checkRange('fragmentOffset', repr.fragmentOffset, IP_OFFSET);
  checkRange('ttl', repr.ttl, 0xff);
  checkRange('protocol', repr.protocol, 0xff);
  checkRange('payloadLen', repr.payloadLen, 0xffff - hlen);
  if (offset < 0 || offset + hlen > bytes.length) {
    throw new RangeError(`emitIpv4: need ${hlen} bytes at offset ${offset}, buffer has ${bytes.length}`);
  }
  const b = bytes.subarray(offset, offset + hlen);
  b[F.VER_IHL] = (IPVERSION << 4) | (hlen >>> 2);
  b[F.TOS] = (repr.dscp << 2) | repr.ecn;
  setU16(b, F.TOTAL_LENGTH, hlen + repr.payloadLen);
  setU16(b, F.IDENTIFICATION, repr.identification);
  setU16(
    b,
    F.FLAGS_FRAG,
    (repr.reservedFlag ? IP_CE : 0) | (repr.dontFragment ? IP_DF : 0) | (repr.moreFragments ? IP_MF : 0) | repr.fragmentOffset,
  );
  b[F.TTL] = repr.ttl;
  b[F.PROTOCOL] = repr.protocol;
  setU16(b, F.CHECKSUM, 0);
  b.set(repr.src, F.SRC);
  b.set(repr.dst, F.DST);
  b.set(repr.options, F.OPTIONS);
  setU16(b, F.CHECKSUM, checksum(b));
  return hlen;
}
