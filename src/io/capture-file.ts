/**
 * Capture files on disk: streaming readers for classic pcap and pcapng, and buffered writers.
 *
 * Reading is streaming in constant memory: one reusable buffer (4 MiB by default) is filled with
 * `fs.readSync`; a record that straddles the end of the buffer has its head moved to the front
 * before the next read, and the buffer grows only for a record larger than itself (up to
 * `maxRecordBytes`). `next()` allocates nothing: it advances and exposes the current packet as
 * fields (`data`, `offset`, `capLen`, `origLen`, `tsSec`, `tsNsec`, `linkType`, `interfaceId`);
 * the packet bytes are `data[offset, offset + capLen)`, valid until the next call.
 *
 * Damage never throws out of `next()`: the packets before it are delivered, then `next()`
 * returns false and `error` names the byte offset in the file. Only opening a file that is not a
 * capture at all (unknown magic, unreadable) throws a `CaptureFileError`; `tryOpenCapture`
 * returns it as a value instead.
 *
 * Writers produce little-endian files: `PcapWriter` (classic, micro- or nanosecond) and
 * `PcapngWriter` (SHB with shb_userappl, one IDB per interface with if_name and if_tsresol=9,
 * EPBs with optional comments), buffered and flushed at a size threshold and on close.
 */

import { closeSync, fstatSync, openSync, readSync, writeSync } from 'node:fs';
import {
  BT_EPB,
  BT_IDB,
  BT_PB,
  BT_SHB,
  BT_SPB,
  BYTE_ORDER_MAGIC,
  MAXIMUM_SNAPLEN,
  NSEC_TCPDUMP_MAGIC,
  OPT_COMMENT,
  OPT_ENDOFOPT,
  OPT_EPB_FLAGS,
  OPT_IDB_DESCRIPTION,
  OPT_IDB_NAME,
  OPT_IDB_TSRESOL,
  OPT_SHB_HARDWARE,
  OPT_SHB_OS,
  OPT_SHB_USERAPPL,
  PCAPNG_VERSION_MAJOR,
  PCAPNG_VERSION_MINOR,
  TCPDUMP_MAGIC,
  TSRESOL_BASE2,
  KUZNETZOV_TCPDUMP_MAGIC,
} from '../uapi/pcap.ts';
import { setU16le, setU32le, u16, u16le, u32, u32le } from '../wire/bytes.ts';
import {
  emitPcapFileHeader,
  normalizeLinkType,
  parsePcapFileHeader,
  pcapFileHeader,
  pcapLengthOrder,
  PCAP_FILE_HEADER_LEN,
  PCAP_RECORD_HEADER_LEN,
} from '../wire/pcap.ts';
import type { PcapFileHeaderRepr, PcapResolution } from '../wire/pcap.ts';
import {
  BLOCK_OVERHEAD,
  EPB,
  EPB_MIN_LEN,
  emitIdb,
  emitShb,
  idbBufferLen,
  idbTsoffset,
  idbTsresol,
  optionString,
  pad4,
  parseIdb,
  parseShb,
  PB,
  SHB,
  shbBufferLen,
  SPB,
  SPB_MIN_LEN,
  spbCapturedLen,
  stringOption,
} from '../wire/pcapng.ts';
import type { IdbRepr, PcapngOption, ShbRepr } from '../wire/pcapng.ts';
import { ok } from '../wire/result.ts';
import type { Result, WireErrorKind } from '../wire/result.ts';

export const DEFAULT_CHUNK_SIZE = 4 * 1024 * 1024;
/** Largest record or block we accept; libpcap's largest snaplen (D-Bus) is 128 MiB. */
export const DEFAULT_MAX_RECORD_BYTES = 128 * 1024 * 1024;
export const DEFAULT_WRITE_BUFFER = 1024 * 1024;

export interface CaptureReadOptions {
  /** Initial read buffer size; tests use tiny values to make records straddle reads. */
  readonly chunkSize?: number;
  /** Records (pcap) or blocks (pcapng) longer than this are reported as corrupt. */
  readonly maxRecordBytes?: number;
}

export interface CaptureError {
  readonly kind: WireErrorKind | 'io';
  /** Byte offset in the file of the damaged record or field. */
  readonly offset: number;
  /** One sentence that names the offset, e.g. "truncated record at offset 40: ...". */
  readonly message: string;
}

export class CaptureFileError extends Error {
  readonly kind: CaptureError['kind'];
  readonly offset: number;
  constructor(e: CaptureError, path?: string) {
    super(path === undefined ? e.message : `${path}: ${e.message}`);
    this.name = 'CaptureFileError';
    this.kind = e.kind;
    this.offset = e.offset;
  }
}

/** Where a reader's bytes come from: a file descriptor or a buffer in memory. */
interface ByteSource {
  /** Bytes in the source, or -1 when unknown (a pipe). */
  readonly size: number;
  read(into: Uint8Array, at: number, len: number): number;
  close(): void;
}

class FdSource implements ByteSource {
  readonly size: number;
  private fd: number;
  constructor(fd: number) {
    this.fd = fd;
    const st = fstatSync(fd);
    this.size = st.isFile() ? st.size : -1;
  }
  read(into: Uint8Array, at: number, len: number): number {
    return readSync(this.fd, into, at, len, null);
  }
  close(): void {
    if (this.fd >= 0) closeSync(this.fd);
    this.fd = -1;
  }
}

class MemorySource implements ByteSource {
  readonly size: number;
  private readonly bytes: Uint8Array;
  private pos = 0;
  constructor(bytes: Uint8Array) {
    this.bytes = bytes;
    this.size = bytes.length;
  }
  read(into: Uint8Array, at: number, len: number): number {
    const n = Math.min(len, this.bytes.length - this.pos);
    into.set(this.bytes.subarray(this.pos, this.pos + n), at);
    this.pos += n;
    return n;
  }
  close(): void {}
}

/** The buffer shared by both readers: `buf[start, end)` is unread, `base` is buf[0]'s file offset. */
abstract class ChunkedReader {
  /** The read buffer; the current packet is `data[offset, offset + capLen)`. */
  data: Uint8Array;
  offset = 0;
  capLen = 0;
  origLen = 0;
  /** Seconds since the epoch (exact below 2^53); 0 for pcapng Simple Packet Blocks. */
  tsSec = 0;
  /** Nanoseconds within the second. */
  tsNsec = 0;
  linkType = 0;
  interfaceId = 0;
  /** File offset of the current record (pcap) or block (pcapng). */
  recordOffset = 0;
  /** Packets delivered so far. */
  packets = 0;
  /** Set when reading stopped at damage or an I/O error; undefined at a clean end. */
  error: CaptureError | undefined = undefined;

  protected dv: DataView;
  protected start = 0;
  protected end = 0;
  protected base = 0;
  protected eof = false;
  protected done = false;
  protected readonly maxRecordBytes: number;
  private readonly src: ByteSource;

  constructor(src: ByteSource, opts: CaptureReadOptions) {
    this.src = src;
    const chunk = Math.max(64, opts.chunkSize ?? DEFAULT_CHUNK_SIZE);
    this.data = new Uint8Array(chunk);
    this.dv = new DataView(this.data.buffer);
    this.maxRecordBytes = opts.maxRecordBytes ?? DEFAULT_MAX_RECORD_BYTES;
  }

  /** The current packet's bytes (a subarray, valid until the next `next()`). */
  packet(): Uint8Array {
    return this.data.subarray(this.offset, this.offset + this.capLen);
  }

  /** The current packet's time stamp in nanoseconds since the epoch. */
  timestampNs(): bigint {
    return BigInt(this.tsSec) * 1_000_000_000n + BigInt(this.tsNsec);
  }

  close(): void {
    this.done = true;
    this.src.close();
  }

  abstract next(): boolean;

  /**
   * Makes `need` bytes available from `start`, moving the unread tail to the front and growing
   * the buffer only when one record is larger than it. False at end of file or on an I/O error.
   */
  protected fill(need: number): boolean {
    const avail = this.end - this.start;
    if (this.start > 0) {
      if (avail > 0) this.data.copyWithin(0, this.start, this.end);
      this.base += this.start;
      this.start = 0;
      this.end = avail;
    }
    if (need > this.data.length) {
      const grown = new Uint8Array(Math.max(need, Math.min(this.data.length * 2, this.maxRecordBytes)));
      grown.set(this.data.subarray(0, this.end));
      this.data = grown;
      this.dv = new DataView(grown.buffer);
    }
    while (this.end < need && !this.eof) {
      let n: number;
      try {
        n = this.src.read(this.data, this.end, this.data.length - this.end);
      } catch (e) {
        this.stop('io', this.base + this.end, `read error at offset ${this.base + this.end}: ${(e as Error).message}`);
        return false;
      }
      if (n === 0) this.eof = true;
      else this.end += n;
    }
    return this.end >= need;
  }

  /** True when the source is known to end before `need` bytes from `start`: no point growing. */
  protected beyondSize(need: number): boolean {
    return this.src.size >= 0 && this.base + this.start + need > this.src.size;
  }

  protected bytesLeft(): number {
    if (this.src.size >= 0) return this.src.size - this.base - this.start;
    return this.end - this.start;
  }

  protected stop(kind: CaptureError['kind'], offset: number, message: string): false {
    if (this.error === undefined) this.error = { kind, offset, message };
    this.done = true;
    return false;
  }
}

/** Classic pcap reader. */
export class PcapFileReader extends ChunkedReader {
  readonly format = 'pcap';
  /** The parsed file header; undefined when the header itself is damaged (see `error`). */
  readonly header: PcapFileHeaderRepr | undefined;
  private le = true;
  private nano = false;
  /** 0: normal, 1: caplen and len swapped, 2: swapped when caplen > len (libpcap 2.3 rule). */
  private lengthOrder = 0;

  constructor(src: ByteSource, opts: CaptureReadOptions) {
    super(src, opts);
    let header: PcapFileHeaderRepr | undefined;
    if (!this.fill(PCAP_FILE_HEADER_LEN)) {
      this.stop('truncated', this.end, `truncated file header at offset 0: 24 bytes needed, ${this.end} present`);
    } else {
      const h = parsePcapFileHeader(this.data.subarray(0, PCAP_FILE_HEADER_LEN));
      if (!h.ok) {
        this.stop(h.error.kind, h.error.offset, `bad file header at offset ${h.error.offset}: ${h.error.message}`);
      } else {
        header = h.value;
        this.le = header.byteOrder === 'le';
        this.nano = header.resolution === 'nano';
        const order = pcapLengthOrder(header);
        this.lengthOrder = order === 'normal' ? 0 : order === 'swapped' ? 1 : 2;
        this.linkType = normalizeLinkType(header.linkType);
        this.start = PCAP_FILE_HEADER_LEN;
      }
    }
    this.header = header;
  }

  next(): boolean {
    if (this.done) return false;
    let s = this.start;
    if (this.end - s < PCAP_RECORD_HEADER_LEN) {
      if (!this.fill(PCAP_RECORD_HEADER_LEN)) return this.endOfHeaders();
      s = 0;
    }
    let dv = this.dv;
    const le = this.le;
    let capLen = dv.getUint32(s + 8, le);
    let origLen = dv.getUint32(s + 12, le);
    if (this.lengthOrder !== 0 && (this.lengthOrder === 1 || capLen > origLen)) {
      const t = capLen;
      capLen = origLen;
      origLen = t;
    }
    const need = PCAP_RECORD_HEADER_LEN + capLen;
    if (this.end - s < need) {
      // A file known to be shorter is truncated (or corrupt): say so without growing the buffer.
      if (need > this.data.length && this.beyondSize(need)) return this.truncatedRecord(capLen);
      if (capLen > this.maxRecordBytes) {
        return this.stop('limit', this.base + s, `record at offset ${this.base + s}: captured length ${capLen} exceeds the limit of ${this.maxRecordBytes} bytes`);
      }
      if (!this.fill(need)) return this.truncatedRecord(capLen);
      s = 0;
      dv = this.dv;
    }
    this.tsSec = dv.getUint32(s, le);
    const frac = dv.getUint32(s + 4, le);
    this.tsNsec = this.nano ? frac : frac * 1000;
    this.capLen = capLen;
    this.origLen = origLen;
    this.offset = s + PCAP_RECORD_HEADER_LEN;
    this.recordOffset = this.base + s;
    this.start = s + need;
    this.packets++;
    return true;
  }

  private endOfHeaders(): boolean {
    if (this.error !== undefined) return false;
    const left = this.end - this.start;
    if (left === 0) {
      this.done = true;
      return false;
    }
    return this.stop('truncated', this.base + this.start, `truncated record header at offset ${this.base + this.start}: 16 bytes needed, ${left} left`);
  }

  private truncatedRecord(capLen: number): boolean {
    if (this.error !== undefined) return false;
    const at = this.base + this.start;
    const left = Math.max(0, this.bytesLeft() - PCAP_RECORD_HEADER_LEN);
    return this.stop('truncated', at, `truncated record at offset ${at}: header says ${capLen} bytes, ${left} left`);
  }
}

/**
 * Converts 64-bit pcapng time stamps to seconds and nanoseconds without bigint for resolutions
 * up to 10^-9 and 2^-32: `hi * 2^32` is divided once per change of `hi` (every few seconds) and
 * cached, so each packet costs one add and at most one division.
 */
class TimeScale {
  sec = 0;
  nsec = 0;
  private readonly fast: boolean;
  private readonly unitsPerSec: number;
  private readonly base2: boolean;
  /** Nanoseconds per unit: 10^(9-k) for base 10, 1e9 / 2^k for base 2 (both exact doubles). */
  private readonly nsPerUnit: number;
  private readonly bigUnits: bigint;
  private readonly offsetSec: number;
  private cacheHi = -1;
  private cacheSec = 0;
  private cacheRem = 0;

  constructor(tsresol: number, offsetSec: number) {
    const exp = tsresol & 0x7f;
    this.base2 = (tsresol & TSRESOL_BASE2) !== 0;
    this.fast = this.base2 ? exp <= 32 : exp <= 9;
    this.unitsPerSec = this.base2 ? 2 ** exp : 10 ** exp;
    this.nsPerUnit = this.base2 ? 1e9 / 2 ** exp : 10 ** (9 - Math.min(exp, 9));
    this.bigUnits = this.base2 ? (exp < 64 ? 1n << BigInt(exp) : 0xffffffffffffffffn) : exp < 20 ? 10n ** BigInt(exp) : 0xffffffffffffffffn;
    this.offsetSec = offsetSec;
  }

  convert(hi: number, lo: number): void {
    if (!this.fast) {
      this.convertSlow(hi, lo);
      return;
    }
    const u = this.unitsPerSec;
    if (hi !== this.cacheHi) {
      // Long division of hi * 2^32 by u in base 2^16; every intermediate stays below 2^49.
      let q = 0;
      let r = 0;
      const digits0 = hi >>> 16;
      const digits1 = hi & 0xffff;
      for (let i = 0; i < 4; i++) {
        const cur = r * 65536 + (i === 0 ? digits0 : i === 1 ? digits1 : 0);
        const qd = Math.floor(cur / u);
        r = cur - qd * u;
        q = q * 65536 + qd;
      }
      this.cacheHi = hi;
      this.cacheSec = q;
      this.cacheRem = r;
    }
    let rem = this.cacheRem + lo;
    let sec = this.cacheSec;
    if (rem >= u) {
      const q = Math.floor(rem / u);
      sec += q;
      rem -= q * u;
    }
    this.sec = sec + this.offsetSec;
    this.nsec = this.base2 ? Math.floor(rem * this.nsPerUnit) : rem * this.nsPerUnit;
  }

  /** Sub-nanosecond resolutions (10^-10 and finer, 2^-33 and finer): rare, so bigint is fine. */
  private convertSlow(hi: number, lo: number): void {
    const units = (BigInt(hi) << 32n) | BigInt(lo);
    const sec = units / this.bigUnits;
    const rem = units % this.bigUnits;
    this.sec = Number(sec) + this.offsetSec;
    this.nsec = Number((rem * 1_000_000_000n) / this.bigUnits);
  }
}

function blockName(type: number): string {
  switch (type) {
    case BT_SHB:
      return 'Section Header Block';
    case BT_IDB:
      return 'Interface Description Block';
    case BT_EPB:
      return 'Enhanced Packet Block';
    case BT_SPB:
      return 'Simple Packet Block';
    case BT_PB:
      return 'Packet Block';
    default:
      return `block of type 0x${type.toString(16).padStart(8, '0')}`;
  }
}

/** pcapng reader: several sections, several interfaces with their own link types and clocks. */
export class PcapngFileReader extends ChunkedReader {
  readonly format = 'pcapng';
  /** Sections seen so far. */
  sections = 0;
  /** The current section's header. */
  shb: ShbRepr | undefined = undefined;
  /** Blocks read but not decoded (NRB, ISB, DSB, custom, unknown), by block type. */
  readonly skipped = new Map<number, number>();
  /** The current section's interfaces, in IDB order. */
  readonly interfaces: IdbRepr[] = [];
  /** Current packet's option list within `data` (for `comment()`); empty for SPB. */
  private optStart = 0;
  private optEnd = 0;
  private le = true;
  private readonly ifLinkType: number[] = [];
  private readonly ifScale: TimeScale[] = [];

  constructor(src: ByteSource, opts: CaptureReadOptions) {
    super(src, opts);
    // The first block must be a readable SHB; next() parses it again as part of the stream.
    if (!this.fill(SHB.VERSION_MAJOR)) {
      this.stop('truncated', this.end, `truncated Section Header Block at offset 0: 12 bytes needed, ${this.end} present`);
    }
  }

  /** The current packet's first opt_comment (decoded on demand: the hot path never looks). */
  comment(): string | undefined {
    const b = this.data;
    const le = this.le;
    let o = this.optStart;
    while (this.optEnd - o >= 4) {
      const code = le ? u16le(b, o) : u16(b, o);
      const len = le ? u16le(b, o + 2) : u16(b, o + 2);
      if (code === OPT_ENDOFOPT || o + 4 + len > this.optEnd) return undefined;
      if (code === OPT_COMMENT) return optionString([{ code, data: b.subarray(o + 4, o + 4 + len) }], OPT_COMMENT);
      o += 4 + pad4(len);
    }
    return undefined;
  }

  next(): boolean {
    if (this.done) return false;
    for (;;) {
      let s = this.start;
      if (this.end - s < BLOCK_OVERHEAD) {
        if (!this.fill(BLOCK_OVERHEAD)) return this.endOfBlocks();
        s = 0;
      }
      let dv = this.dv;
      const type = dv.getUint32(s, this.le);
      if (type === BT_SHB) {
        // The byte-order magic decides how to read even this block's length.
        const magic = dv.getUint32(s + SHB.BYTE_ORDER_MAGIC, true);
        if (magic === BYTE_ORDER_MAGIC) this.le = true;
        else if (dv.getUint32(s + SHB.BYTE_ORDER_MAGIC, false) === BYTE_ORDER_MAGIC) this.le = false;
        else return this.stop('bad-value', this.base + s + SHB.BYTE_ORDER_MAGIC, `bad byte-order magic 0x${magic.toString(16).padStart(8, '0')} in Section Header Block at offset ${this.base + s}`);
      } else if (this.sections === 0) {
        return this.stop('bad-value', this.base + s, `the first block at offset ${this.base + s} is a ${blockName(type)}, not a Section Header Block`);
      }
      const le = this.le;
      const total = dv.getUint32(s + 4, le);
      if ((total & 3) !== 0 || total < BLOCK_OVERHEAD) {
        return this.stop('bad-length', this.base + s + 4, `${blockName(type)} at offset ${this.base + s}: length ${total} is not a multiple of 4 of at least 12`);
      }
      if (this.end - s < total) {
        if (total > this.data.length && this.beyondSize(total)) return this.truncatedBlock(type, total);
        if (total > this.maxRecordBytes) {
          return this.stop('limit', this.base + s + 4, `${blockName(type)} at offset ${this.base + s}: length ${total} exceeds the limit of ${this.maxRecordBytes} bytes`);
        }
        if (!this.fill(total)) return this.truncatedBlock(type, total);
        s = 0;
        dv = this.dv;
      }
      const at = this.base + s;
      if (dv.getUint32(s + total - 4, le) !== total) {
        return this.stop('bad-length', at + total - 4, `${blockName(type)} at offset ${at}: trailing length ${dv.getUint32(s + total - 4, le)} differs from ${total}`);
      }
      this.start = s + total;
      if (type === BT_EPB || type === BT_PB) {
        if (total < EPB_MIN_LEN) return this.stop('bad-length', at + 4, `${blockName(type)} at offset ${at}: length ${total} is below the minimum of 32`);
        const iface = type === BT_EPB ? dv.getUint32(s + EPB.INTERFACE_ID, le) : dv.getUint16(s + PB.INTERFACE_ID, le);
        const scale = this.ifScale[iface];
        if (scale === undefined) {
          return this.stop('bad-value', at + EPB.INTERFACE_ID, `${blockName(type)} at offset ${at}: interface ${iface} has no Interface Description Block (${this.ifScale.length} in this section)`);
        }
        const capLen = dv.getUint32(s + EPB.CAPLEN, le);
        if (capLen > total - EPB_MIN_LEN) {
          return this.stop('bad-length', at + EPB.CAPLEN, `${blockName(type)} at offset ${at}: captured length ${capLen} exceeds the ${total - EPB_MIN_LEN} bytes of its body`);
        }
        scale.convert(dv.getUint32(s + EPB.TS_HIGH, le), dv.getUint32(s + EPB.TS_LOW, le));
        this.tsSec = scale.sec;
        this.tsNsec = scale.nsec;
        this.interfaceId = iface;
        this.linkType = this.ifLinkType[iface] ?? 0;
        this.capLen = capLen;
        this.origLen = dv.getUint32(s + EPB.LEN, le);
        this.offset = s + EPB.DATA;
        this.optStart = s + EPB.DATA + pad4(capLen);
        this.optEnd = s + total - 4;
        this.recordOffset = at;
        this.packets++;
        return true;
      }
      if (type === BT_SPB) {
        if (total < SPB_MIN_LEN) return this.stop('bad-length', at + 4, `Simple Packet Block at offset ${at}: length ${total} is below the minimum of 16`);
        const first = this.interfaces[0];
        if (first === undefined) return this.stop('bad-value', at, `Simple Packet Block at offset ${at} comes before any Interface Description Block`);
        const origLen = dv.getUint32(s + SPB.LEN, le);
        this.capLen = spbCapturedLen(origLen, first.snapLen, total - SPB_MIN_LEN);
        this.origLen = origLen;
        this.tsSec = 0;
        this.tsNsec = 0;
        this.interfaceId = 0;
        this.linkType = this.ifLinkType[0] ?? 0;
        this.offset = s + SPB.DATA;
        this.optStart = this.optEnd = 0;
        this.recordOffset = at;
        this.packets++;
        return true;
      }
      if (!this.controlBlock(type, s, total, at)) return false;
    }
  }

  /** SHB and IDB are decoded with the wire codecs; everything else is counted and skipped. */
  private controlBlock(type: number, s: number, total: number, at: number): boolean {
    const block = this.data.subarray(s, s + total);
    if (type === BT_SHB) {
      const shb = parseShb(block);
      if (!shb.ok) return this.stop(shb.error.kind, at + shb.error.offset, `Section Header Block at offset ${at}: ${shb.error.message}`);
      this.shb = shb.value;
      this.sections++;
      this.interfaces.length = 0;
      this.ifLinkType.length = 0;
      this.ifScale.length = 0;
      return true;
    }
    if (type === BT_IDB) {
      const order = this.le ? 'le' : 'be';
      const idb = parseIdb(block, order);
      if (!idb.ok) return this.stop(idb.error.kind, at + idb.error.offset, `Interface Description Block at offset ${at}: ${idb.error.message}`);
      this.interfaces.push(idb.value);
      this.ifLinkType.push(normalizeLinkType(idb.value.linkType));
      this.ifScale.push(new TimeScale(idbTsresol(idb.value), Number(idbTsoffset(idb.value, order))));
      return true;
    }
    this.skipped.set(type, (this.skipped.get(type) ?? 0) + 1);
    return true;
  }

  private endOfBlocks(): boolean {
    if (this.error !== undefined) return false;
    const left = this.end - this.start;
    if (left === 0 && this.sections > 0) {
      this.done = true;
      return false;
    }
    const at = this.base + this.start;
    return this.stop('truncated', at, `truncated block header at offset ${at}: 12 bytes needed, ${left} left`);
  }

  private truncatedBlock(type: number, total: number): boolean {
    if (this.error !== undefined) return false;
    const at = this.base + this.start;
    return this.stop('truncated', at, `truncated ${blockName(type)} at offset ${at}: length says ${total} bytes, ${this.bytesLeft()} left`);
  }
}

export type CaptureReader = PcapFileReader | PcapngFileReader;

function detect(src: ByteSource, opts: CaptureReadOptions, name: string): Result<CaptureReader, CaptureError> {
  // Read the magic, then hand the reader a source that replays it before the rest.
  const head = new Uint8Array(4);
  let got = 0;
  try {
    while (got < 4) {
      const n = src.read(head, got, 4 - got);
      if (n === 0) break;
      got += n;
    }
  } catch (e) {
    src.close();
    return { ok: false, error: { kind: 'io', offset: 0, message: `cannot read ${name}: ${(e as Error).message}` } };
  }
  if (got < 4) {
    src.close();
    return { ok: false, error: { kind: 'truncated', offset: 0, message: `${name} is not a capture file: ${got} bytes, too short for a magic number` } };
  }
  const replay = new ReplaySource(head, src);
  const be = u32(head, 0);
  const le = u32le(head, 0);
  if (be === BT_SHB) return ok(new PcapngFileReader(replay, opts));
  if (le === TCPDUMP_MAGIC || le === NSEC_TCPDUMP_MAGIC || be === TCPDUMP_MAGIC || be === NSEC_TCPDUMP_MAGIC) return ok(new PcapFileReader(replay, opts));
  src.close();
  const what = le === KUZNETZOV_TCPDUMP_MAGIC || be === KUZNETZOV_TCPDUMP_MAGIC ? "Kuznetzov's patched pcap format, which is not supported" : 'neither pcap (0xa1b2c3d4, 0xa1b23c4d) nor pcapng (0x0a0d0d0a)';
  return { ok: false, error: { kind: 'bad-value', offset: 0, message: `${name} is not a capture file: magic 0x${be.toString(16).padStart(8, '0')} at offset 0 is ${what}` } };
}

/** Serves the already-read magic, then the rest of the source. */
class ReplaySource implements ByteSource {
  readonly size: number;
  private head: Uint8Array;
  private readonly rest: ByteSource;
  constructor(head: Uint8Array, rest: ByteSource) {
    this.head = head;
    this.rest = rest;
    this.size = rest.size;
  }
  read(into: Uint8Array, at: number, len: number): number {
    if (this.head.length > 0) {
      const n = Math.min(len, this.head.length);
      into.set(this.head.subarray(0, n), at);
      this.head = this.head.subarray(n);
      return n;
    }
    return this.rest.read(into, at, len);
  }
  close(): void {
    this.rest.close();
  }
}

/** Opens a capture file or buffer, detecting pcap or pcapng by magic; errors as values. */
export function tryOpenCapture(source: string | Uint8Array, opts: CaptureReadOptions = {}): Result<CaptureReader, CaptureError> {
  if (typeof source !== 'string') return detect(new MemorySource(source), opts, 'the buffer');
  let fd: number;
  try {
    fd = openSync(source, 'r');
  } catch (e) {
    return { ok: false, error: { kind: 'io', offset: 0, message: `cannot open ${source}: ${(e as Error).message}` } };
  }
  let src: FdSource;
  try {
    src = new FdSource(fd);
  } catch (e) {
    closeSync(fd);
    return { ok: false, error: { kind: 'io', offset: 0, message: `cannot stat ${source}: ${(e as Error).message}` } };
  }
  return detect(src, opts, source);
}

/** Opens a capture file; throws `CaptureFileError` when it is not one (bad magic, unreadable). */
export function openCapture(path: string, opts: CaptureReadOptions = {}): CaptureReader {
  const r = tryOpenCapture(path, opts);
  if (!r.ok) throw new CaptureFileError(r.error);
  return r.value;
}

/** Like `openCapture`, over bytes in memory. */
export function openCaptureBytes(bytes: Uint8Array, opts: CaptureReadOptions = {}): CaptureReader {
  const r = tryOpenCapture(bytes, opts);
  if (!r.ok) throw new CaptureFileError(r.error);
  return r.value;
}

/** One packet from `readCapture`, owning its bytes. */
export interface CapturedPacket {
  readonly data: Uint8Array;
  readonly linkType: number;
  /** 0n for pcapng Simple Packet Blocks, which carry no time. */
  readonly timestampNs: bigint;
  readonly origLen: number;
  readonly interfaceId: number;
  readonly comment?: string;
}

/**
 * Every packet of a capture file (or buffer), copied. Damage ends the iteration with a thrown
 * `CaptureFileError` after the packets before it; use `openCapture` to get it as a value.
 */
export function* readCapture(source: string | Uint8Array, opts: CaptureReadOptions = {}): Generator<CapturedPacket, void, undefined> {
  const r = tryOpenCapture(source, opts);
  if (!r.ok) throw new CaptureFileError(r.error);
  const reader = r.value;
  try {
    while (reader.next()) {
      const data = reader.data.slice(reader.offset, reader.offset + reader.capLen);
      const comment = reader.format === 'pcapng' ? reader.comment() : undefined;
      yield {
        data,
        linkType: reader.linkType,
        timestampNs: reader.timestampNs(),
        origLen: reader.origLen,
        interfaceId: reader.interfaceId,
        ...(comment !== undefined ? { comment } : {}),
      };
    }
    if (reader.error !== undefined) throw new CaptureFileError(reader.error, typeof source === 'string' ? source : undefined);
  } finally {
    reader.close();
  }
}

// ---------------------------------------------------------------------------------------------
// Writers

/** Where writers send bytes. `write` may keep no reference to `bytes` after returning. */
export interface ByteSink {
  write(bytes: Uint8Array): void;
  close(): void;
}

/** Writes to a file descriptor; closes it on `close()` only when it owns it. */
export class FdSink implements ByteSink {
  private fd: number;
  private readonly owns: boolean;
  constructor(fd: number, owns = false) {
    this.fd = fd;
    this.owns = owns;
  }
  static create(path: string): FdSink {
    return new FdSink(openSync(path, 'w'), true);
  }
  write(bytes: Uint8Array): void {
    let o = 0;
    while (o < bytes.length) o += writeSync(this.fd, bytes, o, bytes.length - o);
  }
  close(): void {
    if (this.owns && this.fd >= 0) closeSync(this.fd);
    this.fd = -1;
  }
}

/** Collects everything written, for tests and in-memory captures. */
export class MemorySink implements ByteSink {
  private readonly chunks: Uint8Array[] = [];
  private length = 0;
  write(bytes: Uint8Array): void {
    this.chunks.push(bytes.slice());
    this.length += bytes.length;
  }
  close(): void {}
  bytes(): Uint8Array {
    const out = new Uint8Array(this.length);
    let o = 0;
    for (const c of this.chunks) {
      out.set(c, o);
      o += c.length;
    }
    return out;
  }
}

/** A write buffer flushed to the sink when full and on close. */
abstract class BufferedWriter {
  /** Packets written so far. */
  packets = 0;
  protected buf: Uint8Array;
  protected pos = 0;
  private readonly sink: ByteSink;
  private closed = false;

  constructor(sink: ByteSink, bufferSize: number | undefined) {
    this.sink = sink;
    this.buf = new Uint8Array(Math.max(4096, bufferSize ?? DEFAULT_WRITE_BUFFER));
  }

  /** Room for `n` bytes at the returned offset of `this.buf` (a scratch buffer if `n` is huge). */
  protected reserve(n: number): number {
    if (this.closed) throw new Error('capture writer is closed');
    if (this.pos + n > this.buf.length) this.flush();
    if (n > this.buf.length) this.buf = new Uint8Array(n);
    const at = this.pos;
    this.pos += n;
    return at;
  }

  flush(): void {
    if (this.pos > 0) this.sink.write(this.buf.subarray(0, this.pos));
    this.pos = 0;
  }

  close(): void {
    if (this.closed) return;
    this.flush();
    this.closed = true;
    this.sink.close();
  }
}

function splitNs(ns: bigint): [number, number] {
  if (ns < 0n) throw new RangeError('capture writer: negative timestamp');
  return [Number(ns / 1_000_000_000n), Number(ns % 1_000_000_000n)];
}

export interface PcapWriterOptions {
  readonly linkType: number;
  /** Default 262144 (libpcap's MAXIMUM_SNAPLEN); longer packets are cut to it. */
  readonly snapLen?: number;
  /** Default 'micro', what every reader understands. */
  readonly resolution?: PcapResolution;
  readonly bufferSize?: number;
}

/** Classic little-endian pcap writer. */
export class PcapWriter extends BufferedWriter {
  readonly header: PcapFileHeaderRepr;
  private readonly nano: boolean;

  constructor(sink: ByteSink, opts: PcapWriterOptions) {
    super(sink, opts.bufferSize);
    this.header = pcapFileHeader(opts.linkType, opts.snapLen ?? MAXIMUM_SNAPLEN, opts.resolution ?? 'micro', 'le');
    this.nano = this.header.resolution === 'nano';
    emitPcapFileHeader(this.header, this.buf, this.reserve(PCAP_FILE_HEADER_LEN));
  }

  static create(path: string, opts: PcapWriterOptions): PcapWriter {
    return new PcapWriter(FdSink.create(path), opts);
  }

  writePacket(data: Uint8Array, timestampNs: bigint, originalLen = data.length): void {
    const [sec, nsec] = splitNs(timestampNs);
    this.writePacketTs(data, sec, nsec, originalLen);
  }

  /** The fast path: seconds and nanoseconds as numbers. */
  writePacketTs(data: Uint8Array, sec: number, nsec: number, originalLen = data.length): void {
    const capLen = Math.min(data.length, this.header.snapLen);
    const at = this.reserve(PCAP_RECORD_HEADER_LEN + capLen);
    const b = this.buf;
    setU32le(b, at, sec);
    setU32le(b, at + 4, this.nano ? nsec : Math.floor(nsec / 1000));
    setU32le(b, at + 8, capLen);
    setU32le(b, at + 12, originalLen);
    b.set(capLen === data.length ? data : data.subarray(0, capLen), at + PCAP_RECORD_HEADER_LEN);
    this.packets++;
  }
}

export interface PcapngInterfaceOptions {
  readonly linkType: number;
  readonly name?: string;
  readonly description?: string;
  /** Default 262144; 0 means no limit. Longer packets are cut to it. */
  readonly snapLen?: number;
}

export interface PcapngWriterOptions {
  readonly interfaces?: readonly PcapngInterfaceOptions[];
  /** shb_userappl; default "v6stack". */
  readonly userAppl?: string;
  readonly hardware?: string;
  readonly os?: string;
  /** A comment on the section. */
  readonly comment?: string;
  readonly bufferSize?: number;
}

export interface PcapngPacketOptions {
  readonly originalLen?: number;
  readonly comment?: string;
  /** epb_flags, e.g. EPB_FLAGS_INBOUND or EPB_FLAGS_OUTBOUND; none written when absent. */
  readonly flags?: number;
}

/** The if_tsresol we write: nanoseconds. */
const WRITER_TSRESOL = 9;

/** pcapng little-endian writer: one section, interfaces added as needed, nanosecond EPBs. */
export class PcapngWriter extends BufferedWriter {
  private readonly snapLens: number[] = [];

  constructor(sink: ByteSink, opts: PcapngWriterOptions = {}) {
    super(sink, opts.bufferSize);
    const options: PcapngOption[] = [];
    if (opts.comment !== undefined) options.push(stringOption(OPT_COMMENT, opts.comment));
    if (opts.hardware !== undefined) options.push(stringOption(OPT_SHB_HARDWARE, opts.hardware));
    if (opts.os !== undefined) options.push(stringOption(OPT_SHB_OS, opts.os));
    options.push(stringOption(OPT_SHB_USERAPPL, opts.userAppl ?? 'v6stack'));
    const shb: ShbRepr = { byteOrder: 'le', versionMajor: PCAPNG_VERSION_MAJOR, versionMinor: PCAPNG_VERSION_MINOR, sectionLength: -1n, options };
    emitShb(shb, this.buf, this.reserve(shbBufferLen(shb)));
    for (const i of opts.interfaces ?? []) this.addInterface(i);
  }

  static create(path: string, opts: PcapngWriterOptions = {}): PcapngWriter {
    return new PcapngWriter(FdSink.create(path), opts);
  }

  /** Writes an IDB; returns the interface id that packets refer to. */
  addInterface(i: PcapngInterfaceOptions): number {
    const options: PcapngOption[] = [];
    if (i.name !== undefined) options.push(stringOption(OPT_IDB_NAME, i.name));
    if (i.description !== undefined) options.push(stringOption(OPT_IDB_DESCRIPTION, i.description));
    options.push({ code: OPT_IDB_TSRESOL, data: Uint8Array.of(WRITER_TSRESOL) });
    const idb: IdbRepr = { linkType: i.linkType, reserved: 0, snapLen: i.snapLen ?? MAXIMUM_SNAPLEN, options };
    emitIdb(idb, 'le', this.buf, this.reserve(idbBufferLen(idb)));
    this.snapLens.push(idb.snapLen);
    return this.snapLens.length - 1;
  }

  writePacket(interfaceId: number, data: Uint8Array, timestampNs: bigint, opts: PcapngPacketOptions = {}): void {
    const [sec, nsec] = splitNs(timestampNs);
    this.writePacketTs(interfaceId, data, sec, nsec, opts.originalLen ?? data.length, opts.comment, opts.flags);
  }

  /** The fast path: seconds and nanoseconds as numbers. */
  writePacketTs(interfaceId: number, data: Uint8Array, sec: number, nsec: number, originalLen = data.length, comment?: string, flags?: number): void {
    const snap = this.snapLens[interfaceId];
    if (snap === undefined) throw new RangeError(`PcapngWriter: interface ${interfaceId} was not added`);
    const capLen = snap !== 0 && data.length > snap ? snap : data.length;
    const text = comment === undefined ? undefined : new TextEncoder().encode(comment);
    if (text !== undefined && text.length > 0xffff) throw new RangeError('PcapngWriter: comment longer than 65535 bytes');
    const hasOpts = text !== undefined || flags !== undefined;
    const optLen = (flags === undefined ? 0 : 8) + (text === undefined ? 0 : 4 + pad4(text.length)) + (hasOpts ? 4 : 0);
    const total = EPB_MIN_LEN + pad4(capLen) + optLen;
    const at = this.reserve(total);
    const b = this.buf;
    // Nanoseconds since the epoch as a 64-bit high/low pair, exactly, without bigint:
    // sec * 1e9 + nsec = (sh * 1e9) * 2^16 + (sl * 1e9 + nsec) with sec = sh * 2^16 + sl.
    const sh = Math.floor(sec / 65536);
    const a = sh * 1e9;
    const ah = Math.floor(a / 65536);
    const c = (a - ah * 65536) * 65536 + (sec - sh * 65536) * 1e9 + nsec;
    const carry = Math.floor(c / 4294967296);
    setU32le(b, at, BT_EPB);
    setU32le(b, at + 4, total);
    setU32le(b, at + EPB.INTERFACE_ID, interfaceId);
    setU32le(b, at + EPB.TS_HIGH, ah + carry);
    setU32le(b, at + EPB.TS_LOW, c - carry * 4294967296);
    setU32le(b, at + EPB.CAPLEN, capLen);
    setU32le(b, at + EPB.LEN, originalLen);
    b.set(capLen === data.length ? data : data.subarray(0, capLen), at + EPB.DATA);
    let o = at + EPB.DATA + capLen;
    const padEnd = at + EPB.DATA + pad4(capLen);
    while (o < padEnd) b[o++] = 0;
    if (flags !== undefined) {
      setU16le(b, o, OPT_EPB_FLAGS);
      setU16le(b, o + 2, 4);
      setU32le(b, o + 4, flags >>> 0);
      o += 8;
    }
    if (text !== undefined) {
      setU16le(b, o, OPT_COMMENT);
      setU16le(b, o + 2, text.length);
      b.set(text, o + 4);
      b.fill(0, o + 4 + text.length, o + 4 + pad4(text.length));
      o += 4 + pad4(text.length);
    }
    if (hasOpts) {
      setU32le(b, o, OPT_ENDOFOPT);
      o += 4;
    }
    setU32le(b, o, total);
    this.packets++;
  }
}
