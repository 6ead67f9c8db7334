/**
 * Classic pcap file format (draft-gharris-opsawg-pcap, libpcap sf-pcap.c): the 24-byte file
 * header and the 16-byte record header, in either byte order, with microsecond or nanosecond
 * time stamps.
 *
 * Contract: `parse*` never throws and never reads past the input; errors carry the offset of the
 * offending field relative to the input. `emit*` writes exactly the header length and throws only
 * when the buffer is too small or a value does not fit its field. Files are written the way
 * libpcap writes them; readers accept what libpcap accepts: version 2.x up to 2.4 (2.0-2.2 store
 * caplen and len in the other order, 2.3 sometimes does) and DG/UX's 543.0.
 *
 * Not supported: Kuznetzov's patched format (magic 0xa1b2cd34, 24-byte record headers); it is
 * recognised and refused with a clear error. Packet data is not touched here.
 */

import {
  DLT_RAW,
  DLT_RAW_OPENBSD,
  KUZNETZOV_TCPDUMP_MAGIC,
  LINKTYPE_RAW,
  LT_FCS_LENGTH_PRESENT,
  LT_FCS_LENGTH_SHIFT,
  LT_LINKTYPE_MASK,
  LT_RESERVED_MASK,
  NSEC_TCPDUMP_MAGIC,
  PCAP_VERSION_MAJOR,
  PCAP_VERSION_MAJOR_DGUX,
  PCAP_VERSION_MINOR,
  TCPDUMP_MAGIC,
  BT_SHB,
} from '../uapi/pcap.ts';
import { u32, u32le, setU32, setU32le, setU16, setU16le, u16, u16le } from './bytes.ts';
import { ok, wireError } from './result.ts';
import type { Result } from './result.ts';

/*
 * File header (all fields in the writer's byte order):
 *
 *     0 |                          Magic Number                         |
 *     4 |          Major Version        |         Minor Version         |
 *     8 |                           Reserved1                           |
 *    12 |                           Reserved2                           |
 *    16 |                            SnapLen                            |
 *    20 | FCS len |R|P|    Reserved3     |          LinkType            |
 *
 * Record header:
 *
 *     0 |                      Timestamp (Seconds)                      |
 *     4 |            Timestamp (Microseconds or nanoseconds)            |
 *     8 |                    Captured Packet Length                     |
 *    12 |                    Original Packet Length                     |
 */
export const PCAP_HDR = {
  MAGIC: 0,
  VERSION_MAJOR: 4,
  VERSION_MINOR: 6,
  RESERVED1: 8,
  RESERVED2: 12,
  SNAPLEN: 16,
  LINKTYPE: 20,
} as const;
export const PCAP_FILE_HEADER_LEN = 24;

export const PCAP_REC = {
  TS_SEC: 0,
  TS_FRAC: 4,
  CAPLEN: 8,
  LEN: 12,
} as const;
export const PCAP_RECORD_HEADER_LEN = 16;

export type ByteOrder = 'le' | 'be';
export type PcapResolution = 'micro' | 'nano';

/**
 * How caplen and len are stored (libpcap `lengths_swapped`): versions before 2.3 and DG/UX 543.0
 * swap them, 2.3 files may or may not (swapped when caplen > len).
 */
export type PcapLengthOrder = 'normal' | 'swapped' | 'maybe-swapped';

export interface PcapFileHeaderRepr {
  readonly byteOrder: ByteOrder;
  readonly resolution: PcapResolution;
  readonly versionMajor: number;
  readonly versionMinor: number;
  /** Reserved1, once "thiszone" (GMT offset); kept for round trip, meaningless to readers. */
  readonly reserved1: number;
  /** Reserved2, once "sigfigs"; kept for round trip. */
  readonly reserved2: number;
  readonly snapLen: number;
  /** The 16-bit link-layer header type as stored (12 and 14 are not mapped here). */
  readonly linkType: number;
  /** FCS length in 16-bit words when the P bit is set, else undefined. */
  readonly fcsWords?: number;
  /** Reserved bits of the LinkType field (mask 0x0bff0000), normally 0; kept for round trip. */
  readonly linkTypeReserved: number;
}

export interface PcapRecordHeaderRepr {
  readonly tsSec: number;
  /** Microseconds or nanoseconds, as the file's magic says. */
  readonly tsFrac: number;
  readonly capturedLen: number;
  readonly originalLen: number;
}

/**
 * The link type a reader should act on: the platform values of DLT_RAW (12, 14) that old
 * writers stored mean LINKTYPE_RAW, as Wireshark reads them on Linux.
 */
export function normalizeLinkType(linkType: number): number {
  return linkType === DLT_RAW || linkType === DLT_RAW_OPENBSD ? LINKTYPE_RAW : linkType;
}

export function pcapLengthOrder(h: Pick<PcapFileHeaderRepr, 'versionMajor' | 'versionMinor'>): PcapLengthOrder {
  if (h.versionMajor === PCAP_VERSION_MAJOR_DGUX) return 'swapped';
  if (h.versionMinor < 3) return 'swapped';
  if (h.versionMinor === 3) return 'maybe-swapped';
  return 'normal';
}

/** Parses the 24-byte file header at the start of `b`. */
export function parsePcapFileHeader(b: Uint8Array): Result<PcapFileHeaderRepr> {
  if (b.length < 4) return wireError('truncated', 0, 'Magic Number', `file header needs 4 bytes for the magic, ${b.length} present`);
  const be = u32(b, 0);
  const le = u32le(b, 0);
  let byteOrder: ByteOrder;
  let resolution: PcapResolution;
  if (le === TCPDUMP_MAGIC || le === NSEC_TCPDUMP_MAGIC) {
    byteOrder = 'le';
    resolution = le === NSEC_TCPDUMP_MAGIC ? 'nano' : 'micro';
  } else if (be === TCPDUMP_MAGIC || be === NSEC_TCPDUMP_MAGIC) {
    byteOrder = 'be';
    resolution = be === NSEC_TCPDUMP_MAGIC ? 'nano' : 'micro';
  } else if (le === KUZNETZOV_TCPDUMP_MAGIC || be === KUZNETZOV_TCPDUMP_MAGIC) {
    return wireError('bad-value', 0, 'Magic Number', "Kuznetzov's patched pcap format (0xa1b2cd34) is not supported");
  } else if (be === BT_SHB) {
    return wireError('bad-value', 0, 'Magic Number', 'this is a pcapng file (Section Header Block), not classic pcap');
  } else {
    return wireError('bad-value', 0, 'Magic Number', `0x${be.toString(16).padStart(8, '0')} is not a pcap magic number`);
  }
  if (b.length < PCAP_FILE_HEADER_LEN) {
    return wireError('truncated', b.length, 'File Header', `file header is 24 bytes, ${b.length} present`);
  }
  const r16 = byteOrder === 'le' ? u16le : u16;
  const r32 = byteOrder === 'le' ? u32le : u32;
  const versionMajor = r16(b, PCAP_HDR.VERSION_MAJOR);
  const versionMinor = r16(b, PCAP_HDR.VERSION_MINOR);
  const supported =
    (versionMajor === PCAP_VERSION_MAJOR && versionMinor <= PCAP_VERSION_MINOR) ||
    (versionMajor === PCAP_VERSION_MAJOR_DGUX && versionMinor === 0);
  if (!supported) {
    return wireError('bad-version', PCAP_HDR.VERSION_MAJOR, 'Major Version', `pcap version ${versionMajor}.${versionMinor} is not supported (2.0 to 2.4)`);
  }
  const field = r32(b, PCAP_HDR.LINKTYPE);
  const fcsPresent = (field & LT_FCS_LENGTH_PRESENT) !== 0;
  const repr: PcapFileHeaderRepr = {
    byteOrder,
    resolution,
    versionMajor,
    versionMinor,
    reserved1: r32(b, PCAP_HDR.RESERVED1),
    reserved2: r32(b, PCAP_HDR.RESERVED2),
    snapLen: r32(b, PCAP_HDR.SNAPLEN),
    linkType: field & LT_LINKTYPE_MASK,
    linkTypeReserved: (field & LT_RESERVED_MASK) >>> 0,
    ...(fcsPresent ? { fcsWords: field >>> LT_FCS_LENGTH_SHIFT } : {}),
  };
  return ok(repr);
}

/** The 32-bit LinkType field of a header: type, FCS bits and reserved bits. */
export function pcapLinkTypeField(h: Pick<PcapFileHeaderRepr, 'linkType' | 'fcsWords' | 'linkTypeReserved'>): number {
  let v = (h.linkType & LT_LINKTYPE_MASK) | (h.linkTypeReserved & LT_RESERVED_MASK);
  if (h.fcsWords !== undefined) v |= LT_FCS_LENGTH_PRESENT | ((h.fcsWords & 0xf) << LT_FCS_LENGTH_SHIFT);
  return v >>> 0;
}

/** Writes the 24-byte file header; returns 24. */
export function emitPcapFileHeader(h: PcapFileHeaderRepr, b: Uint8Array, offset = 0): number {
  if (b.length - offset < PCAP_FILE_HEADER_LEN) throw new RangeError('emitPcapFileHeader: buffer too small');
  if (h.linkType < 0 || h.linkType > LT_LINKTYPE_MASK) throw new RangeError(`emitPcapFileHeader: link type ${h.linkType} does not fit 16 bits`);
  if (h.fcsWords !== undefined && (h.fcsWords < 0 || h.fcsWords > 15)) throw new RangeError('emitPcapFileHeader: FCS length does not fit 4 bits');
  const w16 = h.byteOrder === 'le' ? setU16le : setU16;
  const w32 = h.byteOrder === 'le' ? setU32le : setU32;
  w32(b, offset + PCAP_HDR.MAGIC, h.resolution === 'nano' ? NSEC_TCPDUMP_MAGIC : TCPDUMP_MAGIC);
  w16(b, offset + PCAP_HDR.VERSION_MAJOR, h.versionMajor);
  w16(b, offset + PCAP_HDR.VERSION_MINOR, h.versionMinor);
  w32(b, offset + PCAP_HDR.RESERVED1, h.reserved1);
  w32(b, offset + PCAP_HDR.RESERVED2, h.reserved2);
  w32(b, offset + PCAP_HDR.SNAPLEN, h.snapLen);
  w32(b, offset + PCAP_HDR.LINKTYPE, pcapLinkTypeField(h));
  return PCAP_FILE_HEADER_LEN;
}

/** A current-version (2.4) header as libpcap writes it. */
export function pcapFileHeader(linkType: number, snapLen: number, resolution: PcapResolution, byteOrder: ByteOrder = 'le'): PcapFileHeaderRepr {
  return {
    byteOrder,
    resolution,
    versionMajor: PCAP_VERSION_MAJOR,
    versionMinor: PCAP_VERSION_MINOR,
    reserved1: 0,
    reserved2: 0,
    snapLen,
    linkType,
    linkTypeReserved: 0,
  };
}

/**
 * Parses a 16-byte record header at `offset` of `b`. The lengths are returned as stored; apply
 * `pcapLengthOrder` for pre-2.4 files. Errors are relative to `offset`.
 */
export function parsePcapRecordHeader(b: Uint8Array, byteOrder: ByteOrder, offset = 0): Result<PcapRecordHeaderRepr> {
  if (offset < 0 || b.length - offset < PCAP_RECORD_HEADER_LEN) {
    return wireError('truncated', 0, 'Packet Record', `record header is 16 bytes, ${Math.max(0, b.length - offset)} present`);
  }
  const r32 = byteOrder === 'le' ? u32le : u32;
  return ok({
    tsSec: r32(b, offset + PCAP_REC.TS_SEC),
    tsFrac: r32(b, offset + PCAP_REC.TS_FRAC),
    capturedLen: r32(b, offset + PCAP_REC.CAPLEN),
    originalLen: r32(b, offset + PCAP_REC.LEN),
  });
}

/** Writes a 16-byte record header; returns 16. */
export function emitPcapRecordHeader(r: PcapRecordHeaderRepr, byteOrder: ByteOrder, b: Uint8Array, offset = 0): number {
  if (b.length - offset < PCAP_RECORD_HEADER_LEN) throw new RangeError('emitPcapRecordHeader: buffer too small');
  const w32 = byteOrder === 'le' ? setU32le : setU32;
  w32(b, offset + PCAP_REC.TS_SEC, r.tsSec);
  w32(b, offset + PCAP_REC.TS_FRAC, r.tsFrac);
  w32(b, offset + PCAP_REC.CAPLEN, r.capturedLen);
  w32(b, offset + PCAP_REC.LEN, r.originalLen);
  return PCAP_RECORD_HEADER_LEN;
}
