/**
 * pcapng blocks (draft-ietf-opsawg-pcapng): Section Header, Interface Description, Enhanced
 * Packet, Simple Packet and the obsolete Packet Block, options, time stamp resolutions, and a
 * whole-buffer walker over several sections and interfaces.
 *
 * Contract: `parse*` never throws and never reads past its input; errors carry the byte offset
 * from the start of the input (the block, or the buffer for `parsePcapng`). `emit*` writes exactly
 * `*BufferLen` bytes, in the section's byte order, with options padded to 32 bits and closed by
 * opt_endofopt, and throws only on programmer errors (small buffer, value out of range).
 * Unknown options are kept as `{ code, data }` and re-emitted unchanged; unknown blocks are
 * skipped and counted by the walker. Name Resolution, Interface Statistics, Decryption Secrets
 * and Custom Block bodies are not decoded.
 */

import {
  BT_EPB,
  BT_IDB,
  BT_PB,
  BT_SHB,
  BT_SPB,
  BYTE_ORDER_MAGIC,
  OPT_COMMENT,
  OPT_ENDOFOPT,
  OPT_EPB_FLAGS,
  OPT_IDB_TSOFFSET,
  OPT_IDB_TSRESOL,
  PCAPNG_VERSION_MAJOR,
  TSRESOL_BASE2,
  TSRESOL_DEFAULT,
} from '../uapi/pcap.ts';
import { setU16, setU16le, setU32, setU32le, u16, u16le, u32, u32le } from './bytes.ts';
import type { ByteOrder } from './pcap.ts';
import { ok, shiftError, wireError } from './result.ts';
import type { Result, WireError } from './result.ts';

/*
 * General block structure:
 *
 *     0 |                          Block Type                           |
 *     4 |                      Block Total Length                       |
 *     8 /                          Block Body                           /
 *       |                      Block Total Length                       |
 */
export const BLOCK = { TYPE: 0, TOTAL_LENGTH: 4, BODY: 8 } as const;
/** Type, leading and trailing length. */
export const BLOCK_OVERHEAD = 12;

/*
 * Section Header Block:
 *
 *     8 |                      Byte-Order Magic                         |
 *    12 |          Major Version        |         Minor Version         |
 *    16 |                 Section Length (64 bits, signed)              |
 *    24 /                      Options (variable)                       /
 */
export const SHB = { BYTE_ORDER_MAGIC: 8, VERSION_MAJOR: 12, VERSION_MINOR: 14, SECTION_LENGTH: 16, OPTIONS: 24 } as const;
export const SHB_MIN_LEN = 28;

/*
 * Interface Description Block:
 *
 *     8 |           LinkType            |           Reserved            |
 *    12 |                            SnapLen                            |
 *    16 /                      Options (variable)                       /
 */
export const IDB = { LINKTYPE: 8, RESERVED: 10, SNAPLEN: 12, OPTIONS: 16 } as const;
export const IDB_MIN_LEN = 20;

/*
 * Enhanced Packet Block (the obsolete Packet Block has the same layout, except that offset 8
 * holds a 16-bit Interface ID followed by a 16-bit Drops Count):
 *
 *     8 |                         Interface ID                          |
 *    12 |                        Timestamp (High)                       |
 *    16 |                        Timestamp (Low)                        |
 *    20 |                    Captured Packet Length                     |
 *    24 |                    Original Packet Length                     |
 *    28 /              Packet Data, padded to 32 bits                   /
 *       /                      Options (variable)                       /
 */
export const EPB = { INTERFACE_ID: 8, TS_HIGH: 12, TS_LOW: 16, CAPLEN: 20, LEN: 24, DATA: 28 } as const;
export const EPB_MIN_LEN = 32;
export const PB = { INTERFACE_ID: 8, DROPS_COUNT: 10 } as const;

/*
 * Simple Packet Block:
 *
 *     8 |                    Original Packet Length                     |
 *    12 /              Packet Data, padded to 32 bits                   /
 */
export const SPB = { LEN: 8, DATA: 12 } as const;
export const SPB_MIN_LEN = 16;

/*
 * Option:
 *
 *     0 |      Option Code              |         Option Length         |
 *     4 /                 Option Value, padded to 32 bits               /
 */
export const OPTION_HEADER_LEN = 4;
/** Our limit on options per block; real writers use a handful. */
export const PCAPNG_MAX_OPTIONS = 1024;

export interface PcapngOption {
  readonly code: number;
  readonly data: Uint8Array;
}

export interface ShbRepr {
  readonly byteOrder: ByteOrder;
  readonly versionMajor: number;
  readonly versionMinor: number;
  /** -1n when unspecified (the usual case). */
  readonly sectionLength: bigint;
  readonly options: readonly PcapngOption[];
}

export interface IdbRepr {
  readonly linkType: number;
  /** The Reserved field: written as 0, kept for round trip. */
  readonly reserved: number;
  /** 0 means no limit. */
  readonly snapLen: number;
  readonly options: readonly PcapngOption[];
}

export interface EpbRepr {
  readonly interfaceId: number;
  /** Units of the interface's if_tsresol since 1970-01-01 UTC. */
  readonly timestamp: bigint;
  readonly originalLen: number;
  /** Captured bytes (a subarray of the input); its length is the Captured Packet Length. */
  readonly data: Uint8Array;
  readonly options: readonly PcapngOption[];
}

export interface SpbRepr {
  readonly originalLen: number;
  readonly data: Uint8Array;
}

/** The obsolete Packet Block (type 2). */
export interface PbRepr {
  readonly interfaceId: number;
  readonly dropsCount: number;
  readonly timestamp: bigint;
  readonly originalLen: number;
  readonly data: Uint8Array;
  readonly options: readonly PcapngOption[];
}

export function pad4(n: number): number {
  return (n + 3) & ~3;
}

function r16(order: ByteOrder): (b: Uint8Array, o: number) => number {
  return order === 'le' ? u16le : u16;
}

function r32(order: ByteOrder): (b: Uint8Array, o: number) => number {
  return order === 'le' ? u32le : u32;
}

function w16(order: ByteOrder): (b: Uint8Array, o: number, v: number) => void {
  return order === 'le' ? setU16le : setU16;
}

function w32(order: ByteOrder): (b: Uint8Array, o: number, v: number) => void {
  return order === 'le' ? setU32le : setU32;
}

/**
 * The byte order of a Section Header Block at `offset`, from its byte-order magic; undefined
 * when `b` has no SHB there.
 */
export function shbByteOrder(b: Uint8Array, offset = 0): ByteOrder | undefined {
  if (offset < 0 || b.length - offset < SHB.VERSION_MAJOR) return undefined;
  if (u32(b, offset) !== BT_SHB) return undefined;
  if (u32le(b, offset + SHB.BYTE_ORDER_MAGIC) === BYTE_ORDER_MAGIC) return 'le';
  if (u32(b, offset + SHB.BYTE_ORDER_MAGIC) === BYTE_ORDER_MAGIC) return 'be';
  return undefined;
}

/**
 * Checks the general block structure of the block at the start of `b`: total length at least
 * `minLen` and a multiple of 4, present in full, trailing length equal to the leading one.
 */
export function checkBlock(b: Uint8Array, order: ByteOrder, minLen: number, name: string): Result<number> {
  if (b.length < 8) return wireError('truncated', b.length, 'Block Total Length', `${name} header needs 8 bytes, ${b.length} present`);
  const total = r32(order)(b, BLOCK.TOTAL_LENGTH);
  if (total % 4 !== 0) return wireError('bad-length', BLOCK.TOTAL_LENGTH, 'Block Total Length', `${name} length ${total} is not a multiple of 4`);
  if (total < minLen) return wireError('bad-length', BLOCK.TOTAL_LENGTH, 'Block Total Length', `${name} length ${total} is below the minimum of ${minLen}`);
  if (total > b.length) return wireError('truncated', b.length, 'Block Body', `${name} length ${total} exceeds the ${b.length} bytes present`);
  const trailer = r32(order)(b, total - 4);
  if (trailer !== total) {
    return wireError('bad-length', total - 4, 'Block Total Length', `${name} trailing length ${trailer} differs from the leading ${total}`);
  }
  return ok(total);
}

/**
 * Parses the options in `b[start, end)`. Stops at opt_endofopt or at `end` (a list without
 * opt_endofopt is accepted, as the draft asks). Errors are relative to the start of `b`.
 */
export function parseOptions(b: Uint8Array, start: number, end: number, order: ByteOrder): Result<PcapngOption[]> {
  const out: PcapngOption[] = [];
  const read16 = r16(order);
  let o = start;
  while (o < end) {
    if (end - o < OPTION_HEADER_LEN) return wireError('truncated', o, 'Option Code', `option header needs 4 bytes, ${end - o} left in the block`);
    const code = read16(b, o);
    const len = read16(b, o + 2);
    if (code === OPT_ENDOFOPT) break;
    if (pad4(len) > end - o - OPTION_HEADER_LEN) {
      return wireError('bad-length', o + 2, 'Option Length', `option ${code} length ${len} runs past the end of the block`);
    }
    if (out.length === PCAPNG_MAX_OPTIONS) return wireError('limit', o, 'Option Code', `more than ${PCAPNG_MAX_OPTIONS} options in one block`);
    out.push({ code, data: b.subarray(o + OPTION_HEADER_LEN, o + OPTION_HEADER_LEN + len) });
    o += OPTION_HEADER_LEN + pad4(len);
  }
  return ok(out);
}

/** Bytes the options take when emitted, with opt_endofopt; 0 when there are none. */
export function optionsBufferLen(options: readonly PcapngOption[]): number {
  if (options.length === 0) return 0;
  let n = OPTION_HEADER_LEN;
  for (const opt of options) n += OPTION_HEADER_LEN + pad4(opt.data.length);
  return n;
}

export function emitOptions(options: readonly PcapngOption[], order: ByteOrder, b: Uint8Array, offset: number): number {
  if (options.length === 0) return 0;
  const write16 = w16(order);
  let o = offset;
  for (const opt of options) {
    if (opt.code < 0 || opt.code > 0xffff || opt.code === OPT_ENDOFOPT) throw new RangeError(`emitOptions: bad option code ${opt.code}`);
    if (opt.data.length > 0xffff) throw new RangeError(`emitOptions: option ${opt.code} is longer than 65535 bytes`);
    write16(b, o, opt.code);
    write16(b, o + 2, opt.data.length);
    b.set(opt.data, o + OPTION_HEADER_LEN);
    b.fill(0, o + OPTION_HEADER_LEN + opt.data.length, o + OPTION_HEADER_LEN + pad4(opt.data.length));
    o += OPTION_HEADER_LEN + pad4(opt.data.length);
  }
  write16(b, o, OPT_ENDOFOPT);
  write16(b, o + 2, 0);
  return o + OPTION_HEADER_LEN - offset;
}

/** A UTF-8 string option. */
export function stringOption(code: number, text: string): PcapngOption {
  return { code, data: new TextEncoder().encode(text) };
}

/** The first option with `code` as text; a NUL ends the string, as the draft requires. */
export function optionString(options: readonly PcapngOption[], code: number): string | undefined {
  const opt = options.find((o) => o.code === code);
  if (opt === undefined) return undefined;
  const nul = opt.data.indexOf(0);
  return new TextDecoder().decode(nul === -1 ? opt.data : opt.data.subarray(0, nul));
}

/** Every option with `code` as text (opt_comment may repeat). */
export function optionStrings(options: readonly PcapngOption[], code: number): string[] {
  return options.filter((o) => o.code === code).map((o) => optionString([o], code) ?? '');
}

/** epb_flags: a 32-bit word in the section's byte order; undefined when absent or not 4 octets. */
export function epbFlags(options: readonly PcapngOption[], order: ByteOrder): number | undefined {
  const o = options.find((x) => x.code === OPT_EPB_FLAGS);
  if (o === undefined || o.data.length !== 4) return undefined;
  return order === 'le' ? u32le(o.data, 0) : u32(o.data, 0);
}

function withOptions(b: Uint8Array, order: ByteOrder, start: number, total: number, name: string): Result<PcapngOption[]> {
  const r = parseOptions(b, start, total - 4, order);
  if (!r.ok) return { ok: false, error: { ...r.error, message: `${name}: ${r.error.message}` } };
  return r;
}

function u64Parts(order: ByteOrder, b: Uint8Array, o: number): bigint {
  const read = r32(order);
  const hi = order === 'le' ? read(b, o + 4) : read(b, o);
  const lo = order === 'le' ? read(b, o) : read(b, o + 4);
  return (BigInt(hi) << 32n) | BigInt(lo);
}

/** Parses a Section Header Block at the start of `b`; its byte-order magic sets the order. */
export function parseShb(b: Uint8Array): Result<ShbRepr> {
  if (b.length < SHB.VERSION_MAJOR) return wireError('truncated', b.length, 'Byte-Order Magic', `Section Header Block needs 12 bytes, ${b.length} present`);
  if (u32(b, 0) !== BT_SHB) return wireError('bad-value', 0, 'Block Type', `0x${u32(b, 0).toString(16).padStart(8, '0')} is not a Section Header Block`);
  const order = shbByteOrder(b);
  if (order === undefined) {
    return wireError('bad-value', SHB.BYTE_ORDER_MAGIC, 'Byte-Order Magic', `0x${u32(b, SHB.BYTE_ORDER_MAGIC).toString(16).padStart(8, '0')} is not 0x1a2b3c4d in either byte order`);
  }
  const c = checkBlock(b, order, SHB_MIN_LEN, 'Section Header Block');
  if (!c.ok) return c;
  const versionMajor = r16(order)(b, SHB.VERSION_MAJOR);
  const versionMinor = r16(order)(b, SHB.VERSION_MINOR);
  // libpcap reads 1.0 and 1.2 (a minor version some writers used); anything else is unknown.
  if (versionMajor !== PCAPNG_VERSION_MAJOR || (versionMinor !== 0 && versionMinor !== 2)) {
    return wireError('bad-version', SHB.VERSION_MAJOR, 'Major Version', `pcapng version ${versionMajor}.${versionMinor} is not supported (1.0)`);
  }
  const opts = withOptions(b, order, SHB.OPTIONS, c.value, 'Section Header Block');
  if (!opts.ok) return opts;
  return ok({ byteOrder: order, versionMajor, versionMinor, sectionLength: BigInt.asIntN(64, u64Parts(order, b, SHB.SECTION_LENGTH)), options: opts.value });
}

export function shbBufferLen(h: ShbRepr): number {
  return SHB_MIN_LEN + optionsBufferLen(h.options);
}

export function emitShb(h: ShbRepr, b: Uint8Array, offset = 0): number {
  const total = shbBufferLen(h);
  if (b.length - offset < total) throw new RangeError('emitShb: buffer too small');
  const write16 = w16(h.byteOrder);
  const write32 = w32(h.byteOrder);
  setU32(b, offset, BT_SHB);
  write32(b, offset + BLOCK.TOTAL_LENGTH, total);
  write32(b, offset + SHB.BYTE_ORDER_MAGIC, BYTE_ORDER_MAGIC);
  write16(b, offset + SHB.VERSION_MAJOR, h.versionMajor);
  write16(b, offset + SHB.VERSION_MINOR, h.versionMinor);
  const len = BigInt.asUintN(64, h.sectionLength);
  const hi = Number(len >> 32n);
  const lo = Number(len & 0xffffffffn);
  write32(b, offset + SHB.SECTION_LENGTH + (h.byteOrder === 'le' ? 4 : 0), hi);
  write32(b, offset + SHB.SECTION_LENGTH + (h.byteOrder === 'le' ? 0 : 4), lo);
  emitOptions(h.options, h.byteOrder, b, offset + SHB.OPTIONS);
  write32(b, offset + total - 4, total);
  return total;
}

export function parseIdb(b: Uint8Array, order: ByteOrder): Result<IdbRepr> {
  const c = checkBlock(b, order, IDB_MIN_LEN, 'Interface Description Block');
  if (!c.ok) return c;
  const opts = withOptions(b, order, IDB.OPTIONS, c.value, 'Interface Description Block');
  if (!opts.ok) return opts;
  return ok({
    linkType: r16(order)(b, IDB.LINKTYPE),
    reserved: r16(order)(b, IDB.RESERVED),
    snapLen: r32(order)(b, IDB.SNAPLEN),
    options: opts.value,
  });
}

export function idbBufferLen(h: IdbRepr): number {
  return IDB_MIN_LEN + optionsBufferLen(h.options);
}

export function emitIdb(h: IdbRepr, order: ByteOrder, b: Uint8Array, offset = 0): number {
  const total = idbBufferLen(h);
  if (b.length - offset < total) throw new RangeError('emitIdb: buffer too small');
  if (h.linkType < 0 || h.linkType > 0xffff) throw new RangeError(`emitIdb: link type ${h.linkType} does not fit 16 bits`);
  const write32 = w32(order);
  write32(b, offset, BT_IDB);
  write32(b, offset + BLOCK.TOTAL_LENGTH, total);
  w16(order)(b, offset + IDB.LINKTYPE, h.linkType);
  w16(order)(b, offset + IDB.RESERVED, h.reserved);
  write32(b, offset + IDB.SNAPLEN, h.snapLen);
  emitOptions(h.options, order, b, offset + IDB.OPTIONS);
  write32(b, offset + total - 4, total);
  return total;
}

/** if_tsresol of an IDB (the default 6 when absent or malformed). */
export function idbTsresol(h: IdbRepr): number {
  const opt = h.options.find((o) => o.code === OPT_IDB_TSRESOL);
  return opt !== undefined && opt.data.length === 1 ? (opt.data[0] ?? TSRESOL_DEFAULT) : TSRESOL_DEFAULT;
}

/** if_tsoffset of an IDB in seconds (0 when absent). */
export function idbTsoffset(h: IdbRepr, order: ByteOrder): bigint {
  const opt = h.options.find((o) => o.code === OPT_IDB_TSOFFSET);
  if (opt === undefined || opt.data.length !== 8) return 0n;
  return BigInt.asIntN(64, u64LittleOrBig(opt.data, order));
}

function u64LittleOrBig(b: Uint8Array, order: ByteOrder): bigint {
  let v = 0n;
  for (let i = 0; i < 8; i++) {
    const byte = BigInt(b[order === 'le' ? 7 - i : i] ?? 0);
    v = (v << 8n) | byte;
  }
  return v;
}

function parsePacketBlock(b: Uint8Array, order: ByteOrder, obsolete: boolean): Result<PbRepr> {
  const name = obsolete ? 'Packet Block' : 'Enhanced Packet Block';
  const c = checkBlock(b, order, EPB_MIN_LEN, name);
  if (!c.ok) return c;
  const total = c.value;
  const read32 = r32(order);
  const capLen = read32(b, EPB.CAPLEN);
  if (capLen > total - EPB_MIN_LEN) {
    return wireError('bad-length', EPB.CAPLEN, 'Captured Packet Length', `${name} captured length ${capLen} exceeds the ${total - EPB_MIN_LEN} bytes of the block body`);
  }
  const opts = withOptions(b, order, EPB.DATA + pad4(capLen), total, name);
  if (!opts.ok) return opts;
  return ok({
    interfaceId: obsolete ? r16(order)(b, PB.INTERFACE_ID) : read32(b, EPB.INTERFACE_ID),
    dropsCount: obsolete ? r16(order)(b, PB.DROPS_COUNT) : 0,
    timestamp: (BigInt(read32(b, EPB.TS_HIGH)) << 32n) | BigInt(read32(b, EPB.TS_LOW)),
    originalLen: read32(b, EPB.LEN),
    data: b.subarray(EPB.DATA, EPB.DATA + capLen),
    options: opts.value,
  });
}

export function parseEpb(b: Uint8Array, order: ByteOrder): Result<EpbRepr> {
  const r = parsePacketBlock(b, order, false);
  if (!r.ok) return r;
  const { interfaceId, timestamp, originalLen, data, options } = r.value;
  return ok({ interfaceId, timestamp, originalLen, data, options });
}

export function parsePb(b: Uint8Array, order: ByteOrder): Result<PbRepr> {
  return parsePacketBlock(b, order, true);
}

export function epbBufferLen(p: Pick<EpbRepr, 'data' | 'options'>): number {
  return EPB_MIN_LEN + pad4(p.data.length) + optionsBufferLen(p.options);
}

export function emitEpb(p: EpbRepr, order: ByteOrder, b: Uint8Array, offset = 0): number {
  const total = epbBufferLen(p);
  if (b.length - offset < total) throw new RangeError('emitEpb: buffer too small');
  if (p.timestamp < 0n || p.timestamp > 0xffffffffffffffffn) throw new RangeError('emitEpb: timestamp does not fit 64 bits');
  const write32 = w32(order);
  write32(b, offset, BT_EPB);
  write32(b, offset + BLOCK.TOTAL_LENGTH, total);
  write32(b, offset + EPB.INTERFACE_ID, p.interfaceId);
  write32(b, offset + EPB.TS_HIGH, Number(p.timestamp >> 32n));
  write32(b, offset + EPB.TS_LOW, Number(p.timestamp & 0xffffffffn));
  write32(b, offset + EPB.CAPLEN, p.data.length);
  write32(b, offset + EPB.LEN, p.originalLen);
  b.set(p.data, offset + EPB.DATA);
  const padEnd = offset + EPB.DATA + pad4(p.data.length);
  b.fill(0, offset + EPB.DATA + p.data.length, padEnd);
  emitOptions(p.options, order, b, padEnd);
  write32(b, offset + total - 4, total);
  return total;
}

/**
 * The Simple Packet Block's captured length: the original length, cut to the first interface's
 * SnapLen (when not 0) and to the block body.
 */
export function spbCapturedLen(originalLen: number, snapLen: number, bodyLen: number): number {
  let n = originalLen;
  if (snapLen !== 0 && n > snapLen) n = snapLen;
  return n > bodyLen ? bodyLen : n;
}

/** Parses a Simple Packet Block; `snapLen` is the SnapLen of the section's first interface. */
export function parseSpb(b: Uint8Array, order: ByteOrder, snapLen: number): Result<SpbRepr> {
  const c = checkBlock(b, order, SPB_MIN_LEN, 'Simple Packet Block');
  if (!c.ok) return c;
  const originalLen = r32(order)(b, SPB.LEN);
  const capLen = spbCapturedLen(originalLen, snapLen, c.value - SPB_MIN_LEN);
  return ok({ originalLen, data: b.subarray(SPB.DATA, SPB.DATA + capLen) });
}

export function spbBufferLen(p: Pick<SpbRepr, 'data'>): number {
  return SPB_MIN_LEN + pad4(p.data.length);
}

export function emitSpb(p: SpbRepr, order: ByteOrder, b: Uint8Array, offset = 0): number {
  const total = spbBufferLen(p);
  if (b.length - offset < total) throw new RangeError('emitSpb: buffer too small');
  const write32 = w32(order);
  write32(b, offset, BT_SPB);
  write32(b, offset + BLOCK.TOTAL_LENGTH, total);
  write32(b, offset + SPB.LEN, p.originalLen);
  b.set(p.data, offset + SPB.DATA);
  b.fill(0, offset + SPB.DATA + p.data.length, offset + SPB.DATA + pad4(p.data.length));
  write32(b, offset + total - 4, total);
  return total;
}

/**
 * Units per second of an if_tsresol value: 10^n, or 2^n when the MSB is set. Exponents whose
 * result does not fit 64 bits saturate to 2^64-1, as Wireshark does.
 */
export function tsresolUnitsPerSecond(tsresol: number): bigint {
  const exp = tsresol & 0x7f;
  if ((tsresol & TSRESOL_BASE2) !== 0) return exp < 64 ? 1n << BigInt(exp) : 0xffffffffffffffffn;
  return exp < 20 ? 10n ** BigInt(exp) : 0xffffffffffffffffn;
}

/** A time stamp in if_tsresol units as nanoseconds since the epoch (rounded down). */
export function timestampToNs(units: bigint, tsresol: number): bigint {
  const perSec = tsresolUnitsPerSecond(tsresol);
  const sec = units / perSec;
  const rem = units % perSec;
  return sec * 1_000_000_000n + (rem * 1_000_000_000n) / perSec;
}

/** Nanoseconds since the epoch in if_tsresol units (rounded down). */
export function nsToTimestamp(ns: bigint, tsresol: number): bigint {
  const perSec = tsresolUnitsPerSecond(tsresol);
  return (ns / 1_000_000_000n) * perSec + ((ns % 1_000_000_000n) * perSec) / 1_000_000_000n;
}

/** One interface of a section, as the walker resolves it. */
export interface PcapngInterface {
  readonly idb: IdbRepr;
  readonly tsresol: number;
  /** if_tsoffset, seconds added to every time stamp. */
  readonly tsoffset: bigint;
}

export interface PcapngPacket {
  /** Offset of the packet's block in the walked buffer. */
  readonly blockOffset: number;
  readonly blockType: number;
  readonly section: number;
  readonly interfaceId: number;
  readonly linkType: number;
  /** Nanoseconds since the epoch; undefined for Simple Packet Blocks, which carry no time. */
  readonly timestampNs: bigint | undefined;
  readonly originalLen: number;
  readonly data: Uint8Array;
  readonly comments: readonly string[];
  /** epb_flags (direction, reception type, FCS length, link-layer errors); undefined when absent. */
  readonly flags: number | undefined;
}

export interface PcapngSection {
  readonly shb: ShbRepr;
  readonly interfaces: readonly PcapngInterface[];
}

export interface PcapngFileRepr {
  readonly sections: readonly PcapngSection[];
  readonly packets: readonly PcapngPacket[];
  /** Blocks read but not decoded (NRB, ISB, DSB, custom, unknown), by block type. */
  readonly skipped: ReadonlyMap<number, number>;
}

/** Stops the walker at a damaged block: the blocks before it are returned with the error. */
export interface PcapngWalkError {
  readonly error: WireError;
  readonly partial: PcapngFileRepr;
}

/**
 * Walks a whole pcapng buffer: sections, interfaces with their link types and resolutions,
 * packets (EPB, SPB, obsolete PB) with comments, and counts of the other blocks. For files too
 * large to hold in memory, use io/capture-file.ts, which streams.
 */
export function parsePcapng(b: Uint8Array): Result<PcapngFileRepr, PcapngWalkError> {
  const sections: Array<{ shb: ShbRepr; interfaces: PcapngInterface[] }> = [];
  const packets: PcapngPacket[] = [];
  const skipped = new Map<number, number>();
  const partial = (): PcapngFileRepr => ({ sections, packets, skipped });
  const fail = (e: WireError, at: number): { ok: false; error: PcapngWalkError } => ({
    ok: false,
    error: { error: shiftError(e, at), partial: partial() },
  });
  let o = 0;
  while (o < b.length) {
    const rest = b.subarray(o);
    if (rest.length >= 4 && u32(rest, 0) === BT_SHB) {
      const shb = parseShb(rest);
      if (!shb.ok) return fail(shb.error, o);
      sections.push({ shb: shb.value, interfaces: [] });
      o += r32(shb.value.byteOrder)(rest, BLOCK.TOTAL_LENGTH);
      continue;
    }
    const section = sections[sections.length - 1];
    if (section === undefined) return fail({ kind: 'bad-value', offset: 0, field: 'Block Type', message: 'a pcapng file starts with a Section Header Block' }, o);
    const order = section.shb.byteOrder;
    const c = checkBlock(rest, order, BLOCK_OVERHEAD, 'block');
    if (!c.ok) return fail(c.error, o);
    const block = rest.subarray(0, c.value);
    const type = r32(order)(block, BLOCK.TYPE);
    const sectionIndex = sections.length - 1;
    if (type === BT_IDB) {
      const idb = parseIdb(block, order);
      if (!idb.ok) return fail(idb.error, o);
      section.interfaces.push({ idb: idb.value, tsresol: idbTsresol(idb.value), tsoffset: idbTsoffset(idb.value, order) });
    } else if (type === BT_EPB || type === BT_PB) {
      const p = type === BT_EPB ? parseEpb(block, order) : parsePb(block, order);
      if (!p.ok) return fail(p.error, o);
      const iface = section.interfaces[p.value.interfaceId];
      if (iface === undefined) {
        return fail({ kind: 'bad-value', offset: EPB.INTERFACE_ID, field: 'Interface ID', message: `interface ${p.value.interfaceId} has no Interface Description Block (${section.interfaces.length} in this section)` }, o);
      }
      packets.push({
        blockOffset: o,
        blockType: type,
        section: sectionIndex,
        interfaceId: p.value.interfaceId,
        linkType: iface.idb.linkType,
        timestampNs: timestampToNs(p.value.timestamp, iface.tsresol) + iface.tsoffset * 1_000_000_000n,
        originalLen: p.value.originalLen,
        data: p.value.data,
        comments: optionStrings(p.value.options, OPT_COMMENT),
        flags: epbFlags(p.value.options, order),
      });
    } else if (type === BT_SPB) {
      const iface = section.interfaces[0];
      if (iface === undefined) return fail({ kind: 'bad-value', offset: 0, field: 'Block Type', message: 'Simple Packet Block before any Interface Description Block' }, o);
      const p = parseSpb(block, order, iface.idb.snapLen);
      if (!p.ok) return fail(p.error, o);
      packets.push({
        blockOffset: o,
        blockType: type,
        section: sectionIndex,
        interfaceId: 0,
        linkType: iface.idb.linkType,
        timestampNs: undefined,
        originalLen: p.value.originalLen,
        data: p.value.data,
        comments: [],
        flags: undefined,
      });
    } else {
      skipped.set(type, (skipped.get(type) ?? 0) + 1);
    }
    o += c.value;
  }
  if (sections.length === 0) return fail({ kind: 'truncated', offset: 0, field: 'Block Type', message: 'empty input: no Section Header Block' }, 0);
  return ok(partial());
}
