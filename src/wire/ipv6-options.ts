/**
 * Hop-by-Hop and Destination Options headers, RFC 8200 §4.2, §4.3, §4.6; Router Alert
 * (RFC 2711), Jumbo Payload (RFC 2675).
 *
 * Contract:
 * - `Ipv6OptionsView.check(bytes)` accepts a header whose `(Hdr Ext Len + 1) * 8` bytes are all
 *   in the buffer; its getters then read in place.
 * - `OptionCursor` walks the options of a header anywhere in a buffer without allocating; it
 *   gives each option's type, offset and length (offsets absolute in the buffer, so an error
 *   offset is a Parameter Problem pointer when the buffer starts at the IPv6 header). It stops at
 *   the first error. Its `linux` validation mode adds what Linux ip6_parse_tlv enforces: at most
 *   7 consecutive bytes of padding, PadN data all zero; limits on the number of non-padding
 *   options and on the header length are options (Linux: net.ipv6.max_{hbh,dst}_opts_*).
 * - `ipv6Options` yields each option as a `Result` Repr and stops at the first error;
 *   `parseIpv6Options` gives the whole header. Pad1 and PadN are kept so emit reproduces the
 *   bytes. Options other than Pad1, PadN, Router Alert and Jumbo Payload are `unknown`
 *   `{ type, data }`, IOAM (0x31) included: its data belongs to ./ioam.ts.
 * - `layoutOptions` places options at their alignment (Jumbo 4n+2, Router Alert 2n+0, or what
 *   the caller asks) and pads the header to a multiple of 8 with Pad1/PadN, as Linux's
 *   calipso_pad_write does; `emitIpv6Options` writes a header exactly as its Repr lists it.
 *
 * Not covered here: option semantics that need the IPv6 header (Jumbo's Payload Length rules,
 * multicast destinations for the ICMP action) or a node's configuration (which options it
 * knows, Linux's "disallow unknown" negative count): the input path decides those.
 */

import {
  IP6_DEFAULT_MAX_DST_OPTS_CNT,
  IP6_DEFAULT_MAX_DST_OPTS_LEN,
  IP6_DEFAULT_MAX_HBH_OPTS_CNT,
  IP6_DEFAULT_MAX_HBH_OPTS_LEN,
  IPV6_OPT_HDR_LEN,
} from '../uapi/ipv6.ts';
import { IPV6_TLV_JUMBO, IPV6_TLV_PAD1, IPV6_TLV_PADN, IPV6_TLV_ROUTERALERT } from '../uapi/in6.ts';
import { setU16, setU32, u16, u32 } from './bytes.ts';
import { ok, wireError, type Result, type WireError } from './result.ts';

/*
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |  Next Header  |  Hdr Ext Len  |                               |
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+                               +
 * .                            Options                            .
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *
 * Each option (except Pad1, a single zero octet):
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+- - - - - - - - -
 * |  Option Type  |  Opt Data Len |  Option Data
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+- - - - - - - - -
 */
export const OPTIONS_FIELD = {
  NEXT_HEADER: 0,
  HDR_EXT_LEN: 1,
  OPTIONS: 2,
} as const;
const F = OPTIONS_FIELD;

const OPT = {
  TYPE: 0,
  DATA_LEN: 1,
  DATA: 2,
} as const;

/** The longest header: Hdr Ext Len 255. */
export const OPTIONS_HDR_MAX_LEN = 256 * 8;
const UNIT = 8;
/** Linux ip6_parse_tlv: more consecutive padding bytes than this is an error. */
const LINUX_MAX_PAD = 7;
const ROUTER_ALERT_DATA_LEN = 2;
const JUMBO_DATA_LEN = 4;

/** What a node that does not recognize an option must do: the type's two high bits (§4.2). */
export type OptionAction = 'skip' | 'discard' | 'discard-icmp' | 'discard-icmp-unless-multicast';
const ACTIONS: readonly OptionAction[] = ['skip', 'discard', 'discard-icmp', 'discard-icmp-unless-multicast'];

export function optionAction(type: number): OptionAction {
  return ACTIONS[(type >>> 6) & 3] ?? 'skip';
}

/** The third-highest bit: the option data may change en route (§4.2). */
export function optionMayChange(type: number): boolean {
  return (type & 0x20) !== 0;
}

/** A checked view of a Hop-by-Hop or Destination Options header at the start of `bytes`. */
export class Ipv6OptionsView {
  readonly bytes: Uint8Array;

  private constructor(bytes: Uint8Array) {
    this.bytes = bytes;
  }

  static check(bytes: Uint8Array): Result<Ipv6OptionsView> {
    if (bytes.length < IPV6_OPT_HDR_LEN) {
      return wireError('truncated', 0, 'Hdr Ext Len', `need ${IPV6_OPT_HDR_LEN} bytes, have ${bytes.length}`);
    }
    const len = ((bytes[F.HDR_EXT_LEN] ?? 0) + 1) * UNIT;
    if (len > bytes.length) {
      return wireError('truncated', F.HDR_EXT_LEN, 'Hdr Ext Len', `header of ${len} bytes, buffer has ${bytes.length}`);
    }
    return ok(new Ipv6OptionsView(bytes));
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

  /** Header length in bytes, (Hdr Ext Len + 1) * 8. */
  get length(): number {
    return (this.hdrExtLen + 1) * UNIT;
  }

  /** The options area as a subarray. */
  get options(): Uint8Array {
    return this.bytes.subarray(F.OPTIONS, this.length);
  }
}

export type TlvValidation =
  /** Structure only: every option fits the header. */
  | 'rfc'
  /** Also Linux ip6_parse_tlv's rules: padding runs of at most 7 bytes, PadN data zero. */
  | 'linux';

export interface OptionLimits {
  readonly validation?: TlvValidation;
  /** Most non-padding options (Linux's tlv_count); default unlimited. */
  readonly maxOptions?: number;
  /** Longest header in bytes (Linux's max_*_opts_len); default unlimited. */
  readonly maxLength?: number;
}

/** Linux defaults for a Hop-by-Hop header (net.ipv6.max_hbh_opts_{number,length}). */
export const LINUX_HBH_LIMITS: OptionLimits = {
  validation: 'linux',
  maxOptions: IP6_DEFAULT_MAX_HBH_OPTS_CNT,
  maxLength: IP6_DEFAULT_MAX_HBH_OPTS_LEN,
};

/** Linux defaults for a Destination Options header (net.ipv6.max_dst_opts_{number,length}). */
export const LINUX_DST_LIMITS: OptionLimits = {
  validation: 'linux',
  maxOptions: IP6_DEFAULT_MAX_DST_OPTS_CNT,
  maxLength: IP6_DEFAULT_MAX_DST_OPTS_LEN,
};

const EMPTY = new Uint8Array(0);

/**
 * A reusable, non-allocating cursor over the options of one header.
 *
 * ```ts
 * const c = new OptionCursor();
 * c.reset(packet, hbhOffset, LINUX_HBH_LIMITS);
 * while (c.next()) if (c.type === IPV6_TLV_IOAM) fill(packet, c.dataOffset, c.dataLength);
 * if (c.error) drop(c.error);
 * ```
 */
export class OptionCursor {
  bytes: Uint8Array = EMPTY;
  /** Offset of the header this cursor walks. */
  headerOffset = 0;
  /** End of the header (headerOffset + its length). */
  headerEnd = 0;
  /** The current option: Option Type, offset of the type octet, total length (Pad1: 1). */
  type = 0;
  offset = 0;
  length = 0;
  /** Option Data of the current option. */
  dataOffset = 0;
  dataLength = 0;
  /** Non-padding options seen so far. */
  count = 0;
  error: WireError | undefined = undefined;
  validation: TlvValidation = 'rfc';

  private pos = 0;
  private padRun = 0;
  private done = true;
  private maxOptions = Number.POSITIVE_INFINITY;

  /** Starts on the header at `headerOffset`; a header that does not fit is reported at once. */
  reset(bytes: Uint8Array, headerOffset = 0, limits?: OptionLimits): this {
    this.bytes = bytes;
    this.headerOffset = headerOffset;
    this.type = 0;
    this.offset = headerOffset;
    this.length = 0;
    this.dataOffset = headerOffset;
    this.dataLength = 0;
    this.count = 0;
    this.error = undefined;
    this.validation = limits?.validation ?? 'rfc';
    this.maxOptions = limits?.maxOptions ?? Number.POSITIVE_INFINITY;
    this.padRun = 0;
    this.done = false;
    this.pos = headerOffset + F.OPTIONS;
    this.headerEnd = headerOffset;
    if (headerOffset < 0 || headerOffset + IPV6_OPT_HDR_LEN > bytes.length) {
      this.fail('truncated', headerOffset, 'Hdr Ext Len', 'options header cut short');
      return this;
    }
    const len = ((bytes[headerOffset + F.HDR_EXT_LEN] ?? 0) + 1) * UNIT;
    this.headerEnd = headerOffset + len;
    if (this.headerEnd > bytes.length) {
      this.fail('truncated', headerOffset + F.HDR_EXT_LEN, 'Hdr Ext Len', `header of ${len} bytes runs past the end`);
      return this;
    }
    const maxLength = limits?.maxLength ?? Number.POSITIVE_INFINITY;
    if (len > maxLength) {
      this.fail('limit', headerOffset + F.HDR_EXT_LEN, 'Hdr Ext Len', `header of ${len} bytes, limit ${maxLength}`);
    }
    return this;
  }

  private fail(kind: WireError['kind'], offset: number, field: string, message: string): false {
    this.error = { kind, offset, field, message };
    this.done = true;
    return false;
  }

  /** Moves to the next option; false at the end of the header or on an error (see `error`). */
  next(): boolean {
    if (this.done) return false;
    const b = this.bytes;
    const p = this.pos;
    const left = this.headerEnd - p;
    if (left <= 0) {
      this.done = true;
      return false;
    }
    const linux = this.validation === 'linux';
    const t = b[p + OPT.TYPE] ?? 0;
    if (t === IPV6_TLV_PAD1) {
      this.padRun++;
      if (linux && this.padRun > LINUX_MAX_PAD) return this.fail('limit', p, 'Pad1', 'more than 7 consecutive padding bytes');
      this.set(t, p, 1);
      return true;
    }
    if (left < 2) return this.fail('truncated', p, 'Opt Data Len', 'option type without a length at the end of the header');
    const optLen = (b[p + OPT.DATA_LEN] ?? 0) + 2;
    if (optLen > left) {
      return this.fail('truncated', p + OPT.DATA_LEN, 'Opt Data Len', `option of ${optLen} bytes, ${left} left in the header`);
    }
    if (t === IPV6_TLV_PADN) {
      this.padRun += optLen;
      if (linux) {
        if (this.padRun > LINUX_MAX_PAD) return this.fail('limit', p, 'PadN', 'more than 7 consecutive padding bytes');
        for (let i = p + OPT.DATA; i < p + optLen; i++) {
          if (b[i] !== 0) return this.fail('bad-value', i, 'PadN', 'PadN data is not zero');
        }
      }
    } else {
      this.count++;
      if (this.count > this.maxOptions) return this.fail('limit', p, 'Option Type', `more than ${this.maxOptions} options`);
      this.padRun = 0;
    }
    this.set(t, p, optLen);
    return true;
  }

  private set(type: number, offset: number, length: number): void {
    this.type = type;
    this.offset = offset;
    this.length = length;
    this.dataOffset = length === 1 ? offset + 1 : offset + OPT.DATA;
    this.dataLength = length === 1 ? 0 : length - OPT.DATA;
    this.pos = offset + length;
  }
}

export type Ipv6OptionRepr =
  | { readonly kind: 'pad1' }
  /** PadN; `data` is normally zeros and is kept as received. */
  | { readonly kind: 'padn'; readonly data: Uint8Array }
  | { readonly kind: 'router-alert'; readonly value: number }
  /** Jumbo Payload: the packet length excluding the IPv6 header (RFC 2675). */
  | { readonly kind: 'jumbo'; readonly payloadLength: number }
  /** Any other option (IOAM, CALIPSO, Home Address, ...), kept with its action bits in `type`. */
  | { readonly kind: 'unknown'; readonly type: number; readonly data: Uint8Array };

export interface Ipv6OptionsRepr {
  readonly nextHeader: number;
  /** Every option in wire order, padding included. */
  readonly options: readonly Ipv6OptionRepr[];
}

/** The Repr of the cursor's current option (copies its data). */
export function decodeOption(c: OptionCursor): Result<Ipv6OptionRepr> {
  const b = c.bytes;
  switch (c.type) {
    case IPV6_TLV_PAD1:
      return ok({ kind: 'pad1' });
    case IPV6_TLV_PADN:
      return ok({ kind: 'padn', data: b.slice(c.dataOffset, c.dataOffset + c.dataLength) });
    case IPV6_TLV_ROUTERALERT:
      if (c.dataLength !== ROUTER_ALERT_DATA_LEN) {
        return wireError('bad-length', c.offset + OPT.DATA_LEN, 'Opt Data Len', `Router Alert length ${c.dataLength}, expected 2`);
      }
      return ok({ kind: 'router-alert', value: u16(b, c.dataOffset) });
    case IPV6_TLV_JUMBO:
      if (c.dataLength !== JUMBO_DATA_LEN) {
        return wireError('bad-length', c.offset + OPT.DATA_LEN, 'Opt Data Len', `Jumbo Payload length ${c.dataLength}, expected 4`);
      }
      // Linux ipv6_hop_jumbo drops a Jumbo option that is not at 4n+2.
      if (c.validation === 'linux' && ((c.offset - c.headerOffset) & 3) !== 2) {
        return wireError('bad-alignment', c.offset, 'Option Type', 'Jumbo Payload is not at 4n+2');
      }
      return ok({ kind: 'jumbo', payloadLength: u32(b, c.dataOffset) });
    default:
      return ok({ kind: 'unknown', type: c.type, data: b.slice(c.dataOffset, c.dataOffset + c.dataLength) });
  }
}

/** Yields each option of the header at `headerOffset` as a Result; stops after the first error. */
export function* ipv6Options(
  bytes: Uint8Array,
  headerOffset = 0,
  limits?: OptionLimits,
): Generator<Result<Ipv6OptionRepr>, void, undefined> {
  const c = new OptionCursor().reset(bytes, headerOffset, limits);
  while (c.next()) {
    const r = decodeOption(c);
    yield r;
    if (!r.ok) return;
  }
  if (c.error) yield { ok: false, error: c.error };
}

/** Parses the header at the start of `bytes` (which may continue past it). */
export function parseIpv6Options(bytes: Uint8Array, limits?: OptionLimits): Result<Ipv6OptionsRepr> {
  const options: Ipv6OptionRepr[] = [];
  for (const r of ipv6Options(bytes, 0, limits)) {
    if (!r.ok) return r;
    options.push(r.value);
  }
  return ok({ nextHeader: bytes[F.NEXT_HEADER] ?? 0, options });
}

/** Bytes an option takes on the wire. */
export function optionLength(o: Ipv6OptionRepr): number {
  switch (o.kind) {
    case 'pad1':
      return 1;
    case 'padn':
    case 'unknown':
      return OPT.DATA + o.data.length;
    case 'router-alert':
      return OPT.DATA + ROUTER_ALERT_DATA_LEN;
    case 'jumbo':
      return OPT.DATA + JUMBO_DATA_LEN;
  }
}

/** Writes one option at `offset`; returns its length. */
export function emitOption(o: Ipv6OptionRepr, bytes: Uint8Array, offset: number): number {
  const len = optionLength(o);
  if (offset < 0 || offset + len > bytes.length) throw new RangeError(`emitOption: need ${len} bytes at ${offset}`);
  switch (o.kind) {
    case 'pad1':
      bytes[offset] = IPV6_TLV_PAD1;
      return 1;
    case 'padn':
      if (o.data.length > 0xff) throw new RangeError('PadN data longer than 255 bytes');
      bytes[offset + OPT.TYPE] = IPV6_TLV_PADN;
      bytes[offset + OPT.DATA_LEN] = o.data.length;
      bytes.set(o.data, offset + OPT.DATA);
      return len;
    case 'router-alert':
      if (!Number.isInteger(o.value) || o.value < 0 || o.value > 0xffff) throw new RangeError(`Router Alert value ${o.value}`);
      bytes[offset + OPT.TYPE] = IPV6_TLV_ROUTERALERT;
      bytes[offset + OPT.DATA_LEN] = ROUTER_ALERT_DATA_LEN;
      setU16(bytes, offset + OPT.DATA, o.value);
      return len;
    case 'jumbo':
      if (!Number.isInteger(o.payloadLength) || o.payloadLength < 0 || o.payloadLength > 0xffffffff) {
        throw new RangeError(`Jumbo Payload length ${o.payloadLength}`);
      }
      bytes[offset + OPT.TYPE] = IPV6_TLV_JUMBO;
      bytes[offset + OPT.DATA_LEN] = JUMBO_DATA_LEN;
      setU32(bytes, offset + OPT.DATA, o.payloadLength);
      return len;
    case 'unknown':
      if (!Number.isInteger(o.type) || o.type < 0 || o.type > 0xff) throw new RangeError(`option type ${o.type}`);
      if (o.data.length > 0xff) throw new RangeError('option data longer than 255 bytes');
      bytes[offset + OPT.TYPE] = o.type;
      bytes[offset + OPT.DATA_LEN] = o.data.length;
      bytes.set(o.data, offset + OPT.DATA);
      return len;
  }
}

/** Header length for a Repr: 2 + its options; must be a multiple of 8 (use `layoutOptions`). */
export function ipv6OptionsBufferLen(repr: Ipv6OptionsRepr): number {
  let n = F.OPTIONS;
  for (const o of repr.options) n += optionLength(o);
  return n;
}

/** Writes the header exactly as listed; returns its length. Throws unless it is 8n bytes, ≤ 2048. */
export function emitIpv6Options(repr: Ipv6OptionsRepr, bytes: Uint8Array, offset = 0): number {
  const len = ipv6OptionsBufferLen(repr);
  if (len % UNIT !== 0 || len > OPTIONS_HDR_MAX_LEN) {
    throw new RangeError(`options header of ${len} bytes is not a multiple of 8 up to 2048 (use layoutOptions)`);
  }
  if (!Number.isInteger(repr.nextHeader) || repr.nextHeader < 0 || repr.nextHeader > 0xff) {
    throw new RangeError(`nextHeader ${repr.nextHeader}`);
  }
  if (offset < 0 || offset + len > bytes.length) throw new RangeError(`emitIpv6Options: need ${len} bytes at ${offset}`);
  bytes[offset + F.NEXT_HEADER] = repr.nextHeader;
  bytes[offset + F.HDR_EXT_LEN] = len / UNIT - 1;
  let p = offset + F.OPTIONS;
  for (const o of repr.options) p += emitOption(o, bytes, p);
  return len;
}

/** An alignment requirement xn+y (§4.2): the Option Type sits at x*n + y from the header start. */
export interface OptionAlignment {
  readonly x: 1 | 2 | 4 | 8;
  readonly y: number;
}

export interface PlacedOption {
  readonly option: Ipv6OptionRepr;
  /** Overrides the option's own requirement (IOAM and other unknown options have none by default). */
  readonly align?: OptionAlignment;
}

/** The alignment an option requires by its RFC: Router Alert 2n+0, Jumbo 4n+2, others none. */
export function optionAlignment(o: Ipv6OptionRepr): OptionAlignment {
  switch (o.kind) {
    case 'router-alert':
      return { x: 2, y: 0 };
    case 'jumbo':
      return { x: 4, y: 2 };
    default:
      return { x: 1, y: 0 };
  }
}

/** Pad1 for one byte, PadN (zeros) for more; nothing for zero. */
export function padding(n: number): Ipv6OptionRepr[] {
  if (n <= 0) return [];
  if (n === 1) return [{ kind: 'pad1' }];
  return [{ kind: 'padn', data: new Uint8Array(n - OPT.DATA) }];
}

/**
 * Lays options out in the given order, inserting Pad1/PadN before each so it meets its
 * alignment, and after the last so the header is a multiple of 8 bytes.
 */
export function layoutOptions(items: readonly (Ipv6OptionRepr | PlacedOption)[]): Ipv6OptionRepr[] {
  const out: Ipv6OptionRepr[] = [];
  let pos: number = F.OPTIONS;
  for (const item of items) {
    const option = 'option' in item ? item.option : item;
    const align = ('option' in item ? item.align : undefined) ?? optionAlignment(option);
    if (![1, 2, 4, 8].includes(align.x) || !Number.isInteger(align.y) || align.y < 0 || align.y >= align.x) {
      throw new RangeError(`alignment ${align.x}n+${align.y} is not one of 1n, 2n+y, 4n+y, 8n+y with y < x`);
    }
    const pad = (((align.y - pos) % align.x) + align.x) % align.x;
    out.push(...padding(pad), option);
    pos += pad + optionLength(option);
  }
  out.push(...padding((UNIT - (pos % UNIT)) % UNIT));
  return out;
}
