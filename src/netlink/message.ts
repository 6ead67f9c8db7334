/**
 * Netlink messages and attributes: struct nlmsghdr, struct genlmsghdr and struct nlattr
 * (include/uapi/linux/netlink.h, genetlink.h), walked with the kernel's NLMSG_OK/NLMSG_NEXT and
 * nla_ok/nla_next rules and built with a growable writer whose methods follow the nla_put_*
 * helpers of include/net/netlink.h and lib/nlattr.c.
 *
 * Byte order: netlink headers and integer attributes are in host byte order. v6stack speaks as
 * a little-endian host (x86-64 and arm64, where Linux runs it), so every multi-byte field here is
 * little-endian, except the payloads of NLA_BE16/NLA_BE32 attributes (network order).
 *
 * Contract: the walkers never throw and never read past the buffer or the declared length; they
 * stop where the kernel stops and report what was left over. Walking allocates nothing: a cursor
 * is one reusable object. The builder throws only on programmer errors (a value out of range,
 * an attribute longer than 65535 bytes, messages not opened/closed in order).
 *
 * Not supported: the 32-bit compat layout, NLA_F_NESTED_COMPAT, the removed mmap ring.
 */

import { setU16le, setU32le, u16le, u32le, u8 } from '../wire/bytes.ts';
import { ok, wireError, type Result, type WireError } from '../wire/result.ts';
import {
  NLA_ALIGNTO,
  NLA_F_NESTED,
  NLA_F_NET_BYTEORDER,
  NLA_HDRLEN,
  NLA_TYPE_MASK,
  NLATTR_NLA_LEN,
  NLATTR_NLA_TYPE,
  NLMSG_ALIGNTO,
  NLMSG_HDRLEN,
  NLMSGHDR_NLMSG_FLAGS,
  NLMSGHDR_NLMSG_LEN,
  NLMSGHDR_NLMSG_PID,
  NLMSGHDR_NLMSG_SEQ,
  NLMSGHDR_NLMSG_TYPE,
} from '../uapi/netlink.ts';
import { GENL_HDRLEN, GENLMSGHDR_CMD, GENLMSGHDR_RESERVED, GENLMSGHDR_VERSION } from '../uapi/genetlink.ts';

/*
 * struct nlmsghdr (16 bytes, host byte order):
 *  0               4       6       8               12              16
 * +---------------+-------+-------+---------------+---------------+------------
 * |   nlmsg_len   | type  | flags |   nlmsg_seq   |   nlmsg_pid   | payload...
 * +---------------+-------+-------+---------------+---------------+------------
 *
 * struct genlmsghdr (4 bytes):  cmd (u8) | version (u8) | reserved (u16)
 * struct nlattr (4 bytes):      nla_len (u16, header included) | nla_type (u16, 2 flag bits)
 */
const F = {
  LEN: NLMSGHDR_NLMSG_LEN,
  TYPE: NLMSGHDR_NLMSG_TYPE,
  FLAGS: NLMSGHDR_NLMSG_FLAGS,
  SEQ: NLMSGHDR_NLMSG_SEQ,
  PID: NLMSGHDR_NLMSG_PID,
} as const;
const G = { CMD: GENLMSGHDR_CMD, VERSION: GENLMSGHDR_VERSION, RESERVED: GENLMSGHDR_RESERVED } as const;
const A = { LEN: NLATTR_NLA_LEN, TYPE: NLATTR_NLA_TYPE } as const;

const U16_MAX = 0xffff;

// ---------------------------------------------------------------------------------------------
// Sizes (NLMSG_ALIGN, nlmsg_total_size, nla_total_size, ...). Written without 32-bit bitwise
// operators so that lengths up to 2^32 - 1 stay exact.
// ---------------------------------------------------------------------------------------------

export function nlmsgAlign(len: number): number {
  return len + ((NLMSG_ALIGNTO - (len % NLMSG_ALIGNTO)) % NLMSG_ALIGNTO);
}

export function nlaAlign(len: number): number {
  return len + ((NLA_ALIGNTO - (len % NLA_ALIGNTO)) % NLA_ALIGNTO);
}

/** nlmsg_msg_size: header plus `payload`, unpadded (the value of nlmsg_len). */
export function nlmsgMsgSize(payload: number): number {
  return NLMSG_HDRLEN + payload;
}

/** nlmsg_total_size: header plus `payload`, padded. */
export function nlmsgTotalSize(payload: number): number {
  return nlmsgAlign(nlmsgMsgSize(payload));
}

/** nla_attr_size: the nla_len of an attribute carrying `payload` bytes. */
export function nlaAttrSize(payload: number): number {
  return NLA_HDRLEN + payload;
}

/** nla_total_size: the room an attribute carrying `payload` bytes takes, padding included. */
export function nlaTotalSize(payload: number): number {
  return nlaAlign(nlaAttrSize(payload));
}

// ---------------------------------------------------------------------------------------------
// Little-endian 64-bit and signed helpers (bytes.ts has the 16/32-bit ones).
// ---------------------------------------------------------------------------------------------

function u64le(b: Uint8Array, o: number): bigint {
  return (BigInt(u32le(b, o + 4)) << 32n) | BigInt(u32le(b, o));
}

function setU64le(b: Uint8Array, o: number, v: bigint): void {
  setU32le(b, o, Number(v & 0xffffffffn));
  setU32le(b, o + 4, Number((v >> 32n) & 0xffffffffn));
}

function be16(b: Uint8Array, o: number): number {
  return ((b[o] ?? 0) << 8) | (b[o + 1] ?? 0);
}

function be32(b: Uint8Array, o: number): number {
  return (((b[o] ?? 0) << 24) | ((b[o + 1] ?? 0) << 16) | ((b[o + 2] ?? 0) << 8) | (b[o + 3] ?? 0)) >>> 0;
}

// ---------------------------------------------------------------------------------------------
// struct nlmsghdr
// ---------------------------------------------------------------------------------------------

export interface NlMsgHdrRepr {
  /** nlmsg_len: header plus payload, without trailing padding. */
  readonly len: number;
  readonly type: number;
  readonly flags: number;
  readonly seq: number;
  /** nlmsg_pid: the sender's port id (0 from the kernel's point of view for requests). */
  readonly pid: number;
}

/** Reads the 16 header bytes at `offset` as they are, without checking nlmsg_len. */
export function parseNlMsgHdr(bytes: Uint8Array, offset = 0): Result<NlMsgHdrRepr> {
  if (offset < 0 || bytes.length - offset < NLMSG_HDRLEN) {
    return wireError('truncated', offset, 'nlmsghdr', `${Math.max(0, bytes.length - offset)} bytes, need ${NLMSG_HDRLEN}`);
  }
  return ok({
    len: u32le(bytes, offset + F.LEN),
    type: u16le(bytes, offset + F.TYPE),
    flags: u16le(bytes, offset + F.FLAGS),
    seq: u32le(bytes, offset + F.SEQ),
    pid: u32le(bytes, offset + F.PID),
  });
}

function checkField(v: number, max: number, what: string): void {
  if (!Number.isInteger(v) || v < 0 || v > max) throw new RangeError(`${what} ${v} is not in 0..${max}`);
}

/** Writes the 16 header bytes; returns 16. */
export function emitNlMsgHdr(repr: NlMsgHdrRepr, bytes: Uint8Array, offset = 0): number {
  checkField(repr.len, 0xffffffff, 'nlmsg_len');
  checkField(repr.type, U16_MAX, 'nlmsg_type');
  checkField(repr.flags, U16_MAX, 'nlmsg_flags');
  checkField(repr.seq, 0xffffffff, 'nlmsg_seq');
  checkField(repr.pid, 0xffffffff, 'nlmsg_pid');
  if (bytes.length - offset < NLMSG_HDRLEN) throw new RangeError('emitNlMsgHdr: buffer too small');
  setU32le(bytes, offset + F.LEN, repr.len);
  setU16le(bytes, offset + F.TYPE, repr.type);
  setU16le(bytes, offset + F.FLAGS, repr.flags);
  setU32le(bytes, offset + F.SEQ, repr.seq);
  setU32le(bytes, offset + F.PID, repr.pid);
  return NLMSG_HDRLEN;
}

/**
 * A checked view of one message: after `check`, the whole message (nlmsg_len bytes) lies in the
 * buffer and nlmsg_len covers at least the header, so no getter can fail.
 */
export class NlMsgView {
  readonly bytes: Uint8Array;
  readonly offset: number;

  private constructor(bytes: Uint8Array, offset: number) {
    this.bytes = bytes;
    this.offset = offset;
  }

  static check(bytes: Uint8Array, offset = 0): Result<NlMsgView> {
    const avail = bytes.length - offset;
    if (offset < 0 || avail < NLMSG_HDRLEN) {
      return wireError('truncated', offset, 'nlmsghdr', `${Math.max(0, avail)} bytes, need ${NLMSG_HDRLEN}`);
    }
    const len = u32le(bytes, offset + F.LEN);
    if (len < NLMSG_HDRLEN) {
      return wireError('bad-length', offset + F.LEN, 'nlmsg_len', `${len} is less than the header length ${NLMSG_HDRLEN}`);
    }
    if (len > avail) {
      return wireError('truncated', offset + F.LEN, 'nlmsg_len', `${len} exceeds the ${avail} bytes available`);
    }
    return ok(new NlMsgView(bytes, offset));
  }

  get len(): number {
    return u32le(this.bytes, this.offset + F.LEN);
  }
  set len(v: number) {
    setU32le(this.bytes, this.offset + F.LEN, v);
  }
  get type(): number {
    return u16le(this.bytes, this.offset + F.TYPE);
  }
  set type(v: number) {
    setU16le(this.bytes, this.offset + F.TYPE, v);
  }
  get flags(): number {
    return u16le(this.bytes, this.offset + F.FLAGS);
  }
  set flags(v: number) {
    setU16le(this.bytes, this.offset + F.FLAGS, v);
  }
  get seq(): number {
    return u32le(this.bytes, this.offset + F.SEQ);
  }
  set seq(v: number) {
    setU32le(this.bytes, this.offset + F.SEQ, v);
  }
  get pid(): number {
    return u32le(this.bytes, this.offset + F.PID);
  }
  set pid(v: number) {
    setU32le(this.bytes, this.offset + F.PID, v);
  }
  /** Offset of the payload in `bytes` (nlmsg_data). */
  get payloadOffset(): number {
    return this.offset + NLMSG_HDRLEN;
  }
  /** nlmsg_len(): payload bytes, without padding. */
  get payloadLength(): number {
    return this.len - NLMSG_HDRLEN;
  }
  get payload(): Uint8Array {
    return this.bytes.subarray(this.offset + NLMSG_HDRLEN, this.offset + this.len);
  }
  /** The message itself: header and payload, nlmsg_len bytes. */
  get message(): Uint8Array {
    return this.bytes.subarray(this.offset, this.offset + this.len);
  }
}

/** A message as a value: header fields and the payload (a subarray when parsed). */
export interface NlMsgRepr {
  readonly type: number;
  readonly flags: number;
  readonly seq: number;
  readonly pid: number;
  readonly payload: Uint8Array;
}

export function parseNlMsg(bytes: Uint8Array, offset = 0): Result<NlMsgRepr> {
  const checked = NlMsgView.check(bytes, offset);
  if (!checked.ok) return checked;
  const v = checked.value;
  return ok({ type: v.type, flags: v.flags, seq: v.seq, pid: v.pid, payload: v.payload });
}

/** Bytes `emitNlMsg` writes: the header, the payload and the padding to 4. */
export function nlMsgBufferLen(repr: NlMsgRepr): number {
  return nlmsgTotalSize(repr.payload.length);
}

export function emitNlMsg(repr: NlMsgRepr, bytes: Uint8Array, offset = 0): number {
  const total = nlMsgBufferLen(repr);
  if (bytes.length - offset < total) throw new RangeError('emitNlMsg: buffer too small');
  emitNlMsgHdr({ ...repr, len: nlmsgMsgSize(repr.payload.length) }, bytes, offset);
  bytes.set(repr.payload, offset + NLMSG_HDRLEN);
  bytes.fill(0, offset + NLMSG_HDRLEN + repr.payload.length, offset + total);
  return total;
}

/** Why a walk over messages or attributes stopped before the end of its buffer. */
function stopReason(
  bytes: Uint8Array,
  pos: number,
  rem: number,
  hdr: number,
  readLen: (b: Uint8Array, o: number) => number,
  what: string,
): WireError {
  if (rem < hdr) return { kind: 'truncated', offset: pos, field: what, message: `${rem} bytes left over, too short for a header` };
  const len = readLen(bytes, pos);
  if (len < hdr) return { kind: 'bad-length', offset: pos, field: what, message: `length ${len} is less than the header length ${hdr}` };
  return { kind: 'truncated', offset: pos, field: what, message: `length ${len} exceeds the ${rem} bytes left` };
}

/**
 * Walks the messages of a buffer as NLMSG_OK/NLMSG_NEXT do: a message is taken while at least a
 * header remains, nlmsg_len >= 16 and nlmsg_len fits; the next one starts NLMSG_ALIGN(nlmsg_len)
 * further on. One object, reused: `next()` moves to the next message.
 */
export class NlMsgCursor {
  readonly bytes: Uint8Array;
  // -1 before the first message, -2 once the walk has stopped.
  private cur = -1;
  private pos: number;
  private rem: number;
  private curLen = 0;

  constructor(bytes: Uint8Array, start = 0, length = bytes.length - start) {
    this.bytes = bytes;
    this.pos = start;
    this.rem = Math.min(length, bytes.length - start);
  }

  /** Offset of the current message's header in `bytes`. */
  get offset(): number {
    return this.cur;
  }

  next(): boolean {
    if (this.cur === -2) return false;
    if (this.cur >= 0) {
      const step = nlmsgAlign(this.curLen);
      this.pos += step;
      this.rem -= step;
    }
    const rem = this.rem;
    if (rem < NLMSG_HDRLEN) return this.stop();
    const len = u32le(this.bytes, this.pos + F.LEN);
    if (len < NLMSG_HDRLEN || len > rem) return this.stop();
    this.cur = this.pos;
    this.curLen = len;
    return true;
  }

  private stop(): false {
    this.cur = -2;
    this.curLen = 0;
    return false;
  }

  get len(): number {
    return this.curLen;
  }
  get type(): number {
    return u16le(this.bytes, this.cur + F.TYPE);
  }
  get flags(): number {
    return u16le(this.bytes, this.cur + F.FLAGS);
  }
  get seq(): number {
    return u32le(this.bytes, this.cur + F.SEQ);
  }
  get pid(): number {
    return u32le(this.bytes, this.cur + F.PID);
  }
  get payloadOffset(): number {
    return this.cur + NLMSG_HDRLEN;
  }
  get payloadLength(): number {
    return this.curLen - NLMSG_HDRLEN;
  }

  /** After `next()` returned false: bytes that did not form a message (0 at a clean end). */
  get leftover(): number {
    return this.cur === -2 && this.rem > 0 ? this.rem : 0;
  }

  /** After `next()` returned false: why bytes were left over, or undefined at a clean end. */
  error(): WireError | undefined {
    if (this.leftover === 0) return undefined;
    return stopReason(this.bytes, this.pos, this.rem, NLMSG_HDRLEN, (b, o) => u32le(b, o + F.LEN), 'nlmsghdr');
  }
}

/** Splits a buffer into checked message views; leftover bytes are an error. */
export function splitNlMsgs(bytes: Uint8Array, start = 0, length = bytes.length - start): Result<NlMsgView[]> {
  const out: NlMsgView[] = [];
  const c = new NlMsgCursor(bytes, start, length);
  while (c.next()) {
    const v = NlMsgView.check(bytes, c.offset);
    if (!v.ok) return v;
    out.push(v.value);
  }
  const e = c.error();
  if (e !== undefined) return { ok: false, error: e };
  return ok(out);
}

// ---------------------------------------------------------------------------------------------
// struct genlmsghdr
// ---------------------------------------------------------------------------------------------

export interface GenlMsgHdrRepr {
  readonly cmd: number;
  readonly version: number;
  readonly reserved: number;
}

export function parseGenlMsgHdr(bytes: Uint8Array, offset = 0): Result<GenlMsgHdrRepr> {
  if (offset < 0 || bytes.length - offset < GENL_HDRLEN) {
    return wireError('truncated', offset, 'genlmsghdr', `${Math.max(0, bytes.length - offset)} bytes, need ${GENL_HDRLEN}`);
  }
  return ok({
    cmd: u8(bytes, offset + G.CMD),
    version: u8(bytes, offset + G.VERSION),
    reserved: u16le(bytes, offset + G.RESERVED),
  });
}

export function emitGenlMsgHdr(repr: GenlMsgHdrRepr, bytes: Uint8Array, offset = 0): number {
  checkField(repr.cmd, 0xff, 'genl cmd');
  checkField(repr.version, 0xff, 'genl version');
  checkField(repr.reserved, U16_MAX, 'genl reserved');
  if (bytes.length - offset < GENL_HDRLEN) throw new RangeError('emitGenlMsgHdr: buffer too small');
  bytes[offset + G.CMD] = repr.cmd;
  bytes[offset + G.VERSION] = repr.version;
  setU16le(bytes, offset + G.RESERVED, repr.reserved);
  return GENL_HDRLEN;
}

// ---------------------------------------------------------------------------------------------
// struct nlattr: accessors over (bytes, offset of the attribute header), like the kernel's
// struct nlattr pointers. They read in place; lengths are the caller's (or the policy's) job,
// and a read past the buffer yields zeros, never an exception.
// ---------------------------------------------------------------------------------------------

/** nla_len: header plus payload. */
export function nlaTotalLen(b: Uint8Array, nla: number): number {
  return u16le(b, nla + A.LEN);
}
/** nla_len(): payload bytes (nla_len - 4). */
export function nlaLen(b: Uint8Array, nla: number): number {
  return u16le(b, nla + A.LEN) - NLA_HDRLEN;
}
/** nla_type(): the type without the two flag bits. */
export function nlaType(b: Uint8Array, nla: number): number {
  return u16le(b, nla + A.TYPE) & NLA_TYPE_MASK;
}
/** The raw nla_type field, flag bits included. */
export function nlaRawType(b: Uint8Array, nla: number): number {
  return u16le(b, nla + A.TYPE);
}
export function nlaIsNested(b: Uint8Array, nla: number): boolean {
  return (u16le(b, nla + A.TYPE) & NLA_F_NESTED) !== 0;
}
export function nlaIsNetByteorder(b: Uint8Array, nla: number): boolean {
  return (u16le(b, nla + A.TYPE) & NLA_F_NET_BYTEORDER) !== 0;
}
/** Offset of the payload (nla_data). */
export function nlaDataOffset(nla: number): number {
  return nla + NLA_HDRLEN;
}
/** The payload as a subarray, clamped to the buffer. */
export function nlaData(b: Uint8Array, nla: number): Uint8Array {
  const len = Math.max(NLA_HDRLEN, u16le(b, nla + A.LEN));
  return b.subarray(nla + NLA_HDRLEN, nla + len);
}

export function nlaGetU8(b: Uint8Array, nla: number): number {
  return b[nla + NLA_HDRLEN] ?? 0;
}
export function nlaGetU16(b: Uint8Array, nla: number): number {
  return u16le(b, nla + NLA_HDRLEN);
}
export function nlaGetU32(b: Uint8Array, nla: number): number {
  return u32le(b, nla + NLA_HDRLEN);
}
export function nlaGetU64(b: Uint8Array, nla: number): bigint {
  return u64le(b, nla + NLA_HDRLEN);
}
export function nlaGetS8(b: Uint8Array, nla: number): number {
  return ((b[nla + NLA_HDRLEN] ?? 0) << 24) >> 24;
}
export function nlaGetS16(b: Uint8Array, nla: number): number {
  return (u16le(b, nla + NLA_HDRLEN) << 16) >> 16;
}
export function nlaGetS32(b: Uint8Array, nla: number): number {
  return u32le(b, nla + NLA_HDRLEN) | 0;
}
export function nlaGetS64(b: Uint8Array, nla: number): bigint {
  return BigInt.asIntN(64, u64le(b, nla + NLA_HDRLEN));
}
/** nla_get_be16 followed by ntohs: the value of a network-order u16. */
export function nlaGetBe16(b: Uint8Array, nla: number): number {
  return be16(b, nla + NLA_HDRLEN);
}
export function nlaGetBe32(b: Uint8Array, nla: number): number {
  return be32(b, nla + NLA_HDRLEN);
}
/** nla_get_uint: a u32 payload when nla_len() is 4, otherwise a u64. */
export function nlaGetUint(b: Uint8Array, nla: number): bigint {
  return nlaLen(b, nla) === 4 ? BigInt(nlaGetU32(b, nla)) : nlaGetU64(b, nla);
}
/** nla_get_sint: an s32 payload when nla_len() is 4, otherwise an s64. */
export function nlaGetSint(b: Uint8Array, nla: number): bigint {
  return nlaLen(b, nla) === 4 ? BigInt(nlaGetS32(b, nla)) : nlaGetS64(b, nla);
}

const textDecoder = new TextDecoder('utf-8');

/**
 * The payload as a string, as C sees it: up to the first NUL or the end of the payload. Invalid
 * UTF-8 becomes U+FFFD.
 */
export function nlaGetString(b: Uint8Array, nla: number): string {
  const data = nlaData(b, nla);
  const nul = data.indexOf(0);
  return textDecoder.decode(nul === -1 ? data : data.subarray(0, nul));
}

/**
 * Walks an attribute stream as nla_for_each_attr does: an attribute is taken while at least a
 * header remains, nla_len >= 4 and nla_len fits; the next one starts NLA_ALIGN(nla_len) further
 * on. `leftover` then holds what the kernel reports as "bytes leftover after parsing attributes".
 * One object, reusable through `reset`; nothing is allocated per attribute.
 */
export class NlAttrCursor {
  private buf: Uint8Array;
  private cur = -1;
  private pos = 0;
  private rem = 0;
  private curLen = 0;
  private done = false;

  constructor(bytes: Uint8Array, start = 0, length = bytes.length - start) {
    this.buf = bytes;
    this.reset(bytes, start, length);
  }

  /** The buffer being walked. */
  get bytes(): Uint8Array {
    return this.buf;
  }

  /** Offset of the current attribute's header in `bytes`. */
  get offset(): number {
    return this.cur;
  }

  reset(bytes: Uint8Array, start: number, length: number): this {
    this.buf = bytes;
    this.pos = start;
    // A declared stream longer than the buffer is cut to the buffer: nothing past it is read.
    this.rem = Math.min(length, bytes.length - start);
    this.cur = -1;
    this.curLen = 0;
    this.done = false;
    return this;
  }

  /** Walks the payload of the attribute at `nla` of `bytes`. */
  resetNested(bytes: Uint8Array, nla: number): this {
    return this.reset(bytes, nla + NLA_HDRLEN, u16le(bytes, nla + A.LEN) - NLA_HDRLEN);
  }

  next(): boolean {
    if (this.done) return false;
    if (this.cur >= 0) {
      const step = nlaAlign(this.curLen);
      this.pos += step;
      this.rem -= step;
    }
    const rem = this.rem;
    if (rem < NLA_HDRLEN) return this.stop();
    const len = u16le(this.buf, this.pos + A.LEN);
    if (len < NLA_HDRLEN || len > rem) return this.stop();
    this.cur = this.pos;
    this.curLen = len;
    return true;
  }

  private stop(): false {
    this.done = true;
    this.curLen = 0;
    return false;
  }

  /** nla_type(), without the flag bits. */
  get type(): number {
    return u16le(this.buf, this.cur + A.TYPE) & NLA_TYPE_MASK;
  }
  /** The nla_type field with its flag bits. */
  get rawType(): number {
    return u16le(this.buf, this.cur + A.TYPE);
  }
  /** nla_len(): payload bytes. */
  get len(): number {
    return this.curLen - NLA_HDRLEN;
  }
  get dataOffset(): number {
    return this.cur + NLA_HDRLEN;
  }
  get data(): Uint8Array {
    return this.buf.subarray(this.cur + NLA_HDRLEN, this.cur + this.curLen);
  }

  /** After `next()` returned false: bytes that did not form an attribute (0 at a clean end). */
  get leftover(): number {
    return this.done && this.rem > 0 ? this.rem : 0;
  }

  /** After `next()` returned false: why bytes were left over, or undefined at a clean end. */
  error(): WireError | undefined {
    if (this.leftover === 0) return undefined;
    return stopReason(this.buf, this.pos, this.rem, NLA_HDRLEN, (b, o) => u16le(b, o + A.LEN), 'nlattr');
  }
}

/** An attribute as a value: its type, its two flags and its payload. */
export interface NlAttrRepr {
  readonly type: number;
  readonly nested: boolean;
  readonly netByteorder: boolean;
  readonly data: Uint8Array;
}

/**
 * Splits an attribute stream into Reprs (payloads are subarrays). Unlike the liberal kernel
 * walk, bytes left over are an error here ("bytes leftover after parsing attributes").
 */
export function parseNlAttrs(bytes: Uint8Array, start = 0, length = bytes.length - start): Result<NlAttrRepr[]> {
  const out: NlAttrRepr[] = [];
  const c = new NlAttrCursor(bytes, start, length);
  while (c.next()) {
    const raw = c.rawType;
    out.push({
      type: raw & NLA_TYPE_MASK,
      nested: (raw & NLA_F_NESTED) !== 0,
      netByteorder: (raw & NLA_F_NET_BYTEORDER) !== 0,
      data: c.data,
    });
  }
  const e = c.error();
  if (e !== undefined) {
    return wireError(e.kind, e.offset - start, e.field, `bytes leftover after parsing attributes: ${e.message}`);
  }
  return ok(out);
}

export function nlAttrsBufferLen(attrs: readonly NlAttrRepr[]): number {
  let n = 0;
  for (const a of attrs) n += nlaTotalSize(a.data.length);
  return n;
}

/** Writes the attributes one after another, each padded to 4; returns the bytes written. */
export function emitNlAttrs(attrs: readonly NlAttrRepr[], bytes: Uint8Array, offset = 0): number {
  const total = nlAttrsBufferLen(attrs);
  if (bytes.length - offset < total) throw new RangeError('emitNlAttrs: buffer too small');
  let o = offset;
  for (const a of attrs) {
    checkField(a.type, NLA_TYPE_MASK, 'nla_type');
    checkField(nlaAttrSize(a.data.length), U16_MAX, 'nla_len');
    setU16le(bytes, o + A.LEN, nlaAttrSize(a.data.length));
    setU16le(bytes, o + A.TYPE, a.type | (a.nested ? NLA_F_NESTED : 0) | (a.netByteorder ? NLA_F_NET_BYTEORDER : 0));
    bytes.set(a.data, o + NLA_HDRLEN);
    const size = nlaTotalSize(a.data.length);
    bytes.fill(0, o + NLA_HDRLEN + a.data.length, o + size);
    o += size;
  }
  return total;
}

// ---------------------------------------------------------------------------------------------
// The builder.
// ---------------------------------------------------------------------------------------------

export interface NlMsgBuilderOptions {
  /** Initial buffer size in bytes; the buffer doubles as needed. */
  readonly initialCapacity?: number;
  /**
   * Model a kernel without CONFIG_HAVE_EFFICIENT_UNALIGNED_ACCESS: the *_64bit puts then insert
   * an empty pad attribute whenever the payload would not be 8-byte aligned (measured from the
   * start of the batch buffer, as the kernel measures from the skb's aligned data). x86-64 and
   * arm64 have efficient unaligned access and never pad, hence the default false.
   */
  readonly align64?: boolean;
}

const S8 = [-0x80, 0x7f] as const;
const S16 = [-0x8000, 0x7fff] as const;
const S32 = [-0x80000000, 0x7fffffff] as const;

function checkInt(v: number, min: number, max: number, what: string): void {
  if (!Number.isInteger(v) || v < min || v > max) throw new RangeError(`${what}: ${v} is not in ${min}..${max}`);
}

function checkBig(v: bigint, min: bigint, max: bigint, what: string): void {
  if (v < min || v > max) throw new RangeError(`${what}: ${v} is not in ${min}..${max}`);
}

const textEncoder = new TextEncoder();

/**
 * Writes netlink messages into one growable buffer: `beginMessage`, an optional family header
 * (`putGenlHeader`, `reserve`), attributes (`put*`, `nestStart`/`nestEnd`), then `finish`, which
 * sets nlmsg_len. Several messages may follow one another (a batch, or a multipart dump).
 * Positions handed out (message, attribute and nest starts) are offsets, so they stay valid when
 * the buffer grows. Attributes and messages are padded with zeros to 4 bytes, as the kernel does.
 */
export class NlMsgBuilder {
  private buf: Uint8Array;
  private tail = 0;
  private msgStart = -1;
  private readonly align64: boolean;

  constructor(opts: NlMsgBuilderOptions = {}) {
    this.buf = new Uint8Array(Math.max(64, opts.initialCapacity ?? 4096));
    this.align64 = opts.align64 ?? false;
  }

  /** Bytes written so far (all messages). */
  get length(): number {
    return this.tail;
  }

  /** Offset of the open message's header, or -1 when no message is open. */
  get messageStart(): number {
    return this.msgStart;
  }

  /** The batch written so far, as a view of the internal buffer (valid until the next write). */
  bytes(): Uint8Array {
    return this.buf.subarray(0, this.tail);
  }

  /** The batch written so far, copied out. */
  toBytes(): Uint8Array {
    return this.buf.slice(0, this.tail);
  }

  /** Forgets everything written; the buffer is kept for reuse. */
  reset(): void {
    this.tail = 0;
    this.msgStart = -1;
  }

  /** The underlying buffer, for patching fields of written messages in place. */
  get buffer(): Uint8Array {
    return this.buf;
  }

  private ensure(n: number): void {
    const need = this.tail + n;
    if (need <= this.buf.length) return;
    let cap = this.buf.length * 2;
    while (cap < need) cap *= 2;
    const next = new Uint8Array(cap);
    next.set(this.buf.subarray(0, this.tail));
    this.buf = next;
  }

  /** Reserves `n` bytes plus padding to 4, zeroed; returns their offset. */
  private grab(n: number): number {
    const size = nlaAlign(n);
    this.ensure(size);
    const at = this.tail;
    this.buf.fill(0, at, at + size);
    this.tail += size;
    return at;
  }

  private requireMessage(what: string): void {
    if (this.msgStart < 0) throw new Error(`NlMsgBuilder.${what}: no message is open (call beginMessage)`);
  }

  /** nlmsg_put with an empty payload: writes a header; returns its offset. */
  beginMessage(type: number, flags: number, seq: number, pid: number): number {
    if (this.msgStart >= 0) throw new Error('NlMsgBuilder.beginMessage: the previous message is not finished');
    const at = this.grab(NLMSG_HDRLEN);
    emitNlMsgHdr({ len: NLMSG_HDRLEN, type, flags, seq, pid }, this.buf, at);
    this.msgStart = at;
    return at;
  }

  /** nlmsg_end: sets nlmsg_len to everything written since `beginMessage`; returns it. */
  finish(): number {
    this.requireMessage('finish');
    const len = this.tail - this.msgStart;
    setU32le(this.buf, this.msgStart + F.LEN, len);
    this.msgStart = -1;
    return len;
  }

  /** nlmsg_cancel: drops the open message. */
  cancel(): void {
    this.requireMessage('cancel');
    this.tail = this.msgStart;
    this.msgStart = -1;
  }

  /** genlmsg_put's family header: cmd, version and reserved. */
  putGenlHeader(cmd: number, version: number, reserved = 0): number {
    this.requireMessage('putGenlHeader');
    const at = this.grab(GENL_HDRLEN);
    emitGenlMsgHdr({ cmd, version, reserved }, this.buf, at);
    return at;
  }

  /** nlmsg_append without data: `len` zero bytes (padded) for a family header; returns the offset. */
  reserve(len: number): number {
    this.requireMessage('reserve');
    checkInt(len, 0, 0xffffffff, 'reserve');
    return this.grab(len);
  }

  /** nlmsg_append with data: copies `data` (padded); returns its offset. */
  append(data: Uint8Array): number {
    this.requireMessage('append');
    const at = this.grab(data.length);
    this.buf.set(data, at);
    return at;
  }

  /** __nla_reserve: an attribute header and `len` zeroed payload bytes; returns the attribute's offset. */
  nlaReserve(type: number, len: number): number {
    this.requireMessage('nlaReserve');
    checkInt(type, 0, 0xffff, 'nla_type');
    checkInt(len, 0, U16_MAX - NLA_HDRLEN, 'attribute length');
    const at = this.grab(NLA_HDRLEN + len);
    setU16le(this.buf, at + A.LEN, NLA_HDRLEN + len);
    setU16le(this.buf, at + A.TYPE, type);
    return at;
  }

  /** nla_put: an attribute carrying `data`; returns the attribute's offset. */
  put(type: number, data: Uint8Array): number {
    const at = this.nlaReserve(type, data.length);
    this.buf.set(data, at + NLA_HDRLEN);
    return at;
  }

  /** nla_put for NLA_BINARY data (the same bytes as `put`). */
  putBinary(type: number, data: Uint8Array): number {
    return this.put(type, data);
  }

  putU8(type: number, value: number): number {
    checkInt(value, 0, 0xff, 'u8');
    const at = this.nlaReserve(type, 1);
    this.buf[at + NLA_HDRLEN] = value;
    return at;
  }

  putU16(type: number, value: number): number {
    checkInt(value, 0, 0xffff, 'u16');
    const at = this.nlaReserve(type, 2);
    setU16le(this.buf, at + NLA_HDRLEN, value);
    return at;
  }

  putU32(type: number, value: number): number {
    checkInt(value, 0, 0xffffffff, 'u32');
    const at = this.nlaReserve(type, 4);
    setU32le(this.buf, at + NLA_HDRLEN, value);
    return at;
  }

  /**
   * nla_put_u64_64bit: with `padType`, a builder in `align64` mode first adds an empty attribute
   * of that type when the payload would otherwise not be 8-byte aligned.
   */
  putU64(type: number, value: bigint, padType?: number): number {
    checkBig(value, 0n, 0xffffffffffffffffn, 'u64');
    this.align64Bit(padType);
    const at = this.nlaReserve(type, 8);
    setU64le(this.buf, at + NLA_HDRLEN, value);
    return at;
  }

  putS8(type: number, value: number): number {
    checkInt(value, S8[0], S8[1], 's8');
    const at = this.nlaReserve(type, 1);
    this.buf[at + NLA_HDRLEN] = value & 0xff;
    return at;
  }

  putS16(type: number, value: number): number {
    checkInt(value, S16[0], S16[1], 's16');
    const at = this.nlaReserve(type, 2);
    setU16le(this.buf, at + NLA_HDRLEN, value & 0xffff);
    return at;
  }

  putS32(type: number, value: number): number {
    checkInt(value, S32[0], S32[1], 's32');
    const at = this.nlaReserve(type, 4);
    setU32le(this.buf, at + NLA_HDRLEN, value >>> 0);
    return at;
  }

  /** nla_put_s64, which pads like nla_put_u64_64bit. */
  putS64(type: number, value: bigint, padType?: number): number {
    checkBig(value, -(1n << 63n), (1n << 63n) - 1n, 's64');
    this.align64Bit(padType);
    const at = this.nlaReserve(type, 8);
    setU64le(this.buf, at + NLA_HDRLEN, BigInt.asUintN(64, value));
    return at;
  }

  /** nla_put_uint: a u32 when the value fits in 32 bits, otherwise a u64 (never padded). */
  putUint(type: number, value: bigint | number): number {
    const v = BigInt(value);
    checkBig(v, 0n, 0xffffffffffffffffn, 'uint');
    if (v <= 0xffffffffn) return this.putU32(type, Number(v));
    const at = this.nlaReserve(type, 8);
    setU64le(this.buf, at + NLA_HDRLEN, v);
    return at;
  }

  /** nla_put_sint: an s32 when the value fits in 32 bits, otherwise an s64 (never padded). */
  putSint(type: number, value: bigint | number): number {
    const v = BigInt(value);
    checkBig(v, -(1n << 63n), (1n << 63n) - 1n, 'sint');
    if (v >= -0x80000000n && v <= 0x7fffffffn) return this.putS32(type, Number(v));
    const at = this.nlaReserve(type, 8);
    setU64le(this.buf, at + NLA_HDRLEN, BigInt.asUintN(64, v));
    return at;
  }

  /** nla_put_flag: an attribute without payload. */
  putFlag(type: number): number {
    return this.nlaReserve(type, 0);
  }

  /** nla_put_string: the UTF-8 bytes of `value` up to any NUL (strlen), and a terminating NUL. */
  putString(type: number, text: string): number {
    const nul = text.indexOf('\0');
    const value = nul === -1 ? text : text.slice(0, nul);
    let ascii = true;
    for (let i = 0; i < value.length; i++) {
      if (value.charCodeAt(i) >= 0x80) {
        ascii = false;
        break;
      }
    }
    if (!ascii) {
      const enc = textEncoder.encode(value);
      const at = this.nlaReserve(type, enc.length + 1);
      this.buf.set(enc, at + NLA_HDRLEN);
      return at;
    }
    // ASCII fast path: written in place, no intermediate array.
    const at = this.nlaReserve(type, value.length + 1);
    for (let i = 0; i < value.length; i++) this.buf[at + NLA_HDRLEN + i] = value.charCodeAt(i);
    return at;
  }

  /** nla_put_be16: a network-order u16, type as given (no NLA_F_NET_BYTEORDER). */
  putBe16(type: number, value: number): number {
    checkInt(value, 0, 0xffff, 'be16');
    const at = this.nlaReserve(type, 2);
    this.buf[at + NLA_HDRLEN] = value >>> 8;
    this.buf[at + NLA_HDRLEN + 1] = value & 0xff;
    return at;
  }

  /** nla_put_be32: a network-order u32, type as given (no NLA_F_NET_BYTEORDER). */
  putBe32(type: number, value: number): number {
    checkInt(value, 0, 0xffffffff, 'be32');
    const at = this.nlaReserve(type, 4);
    const o = at + NLA_HDRLEN;
    this.buf[o] = value >>> 24;
    this.buf[o + 1] = (value >>> 16) & 0xff;
    this.buf[o + 2] = (value >>> 8) & 0xff;
    this.buf[o + 3] = value & 0xff;
    return at;
  }

  /** nla_put_net16: a network-order u16 with NLA_F_NET_BYTEORDER set in the type. */
  putNet16(type: number, value: number): number {
    return this.putBe16(type | NLA_F_NET_BYTEORDER, value);
  }

  /** nla_put_net32: a network-order u32 with NLA_F_NET_BYTEORDER set in the type. */
  putNet32(type: number, value: number): number {
    return this.putBe32(type | NLA_F_NET_BYTEORDER, value);
  }

  /** nla_put_in6_addr: the 16 address bytes. */
  putIn6Addr(type: number, addr: Uint8Array): number {
    if (addr.length !== 16) throw new RangeError(`putIn6Addr: ${addr.length} bytes, need 16`);
    return this.put(type, addr);
  }

  /** nla_put_bitfield32: struct nla_bitfield32 { value, selector } in host order. */
  putBitfield32(type: number, value: number, selector: number): number {
    checkInt(value, 0, 0xffffffff, 'bitfield32 value');
    checkInt(selector, 0, 0xffffffff, 'bitfield32 selector');
    const at = this.nlaReserve(type, 8);
    setU32le(this.buf, at + NLA_HDRLEN, value);
    setU32le(this.buf, at + NLA_HDRLEN + 4, selector);
    return at;
  }

  /** nla_nest_start: opens a nest with NLA_F_NESTED set; returns its offset for `nestEnd`. */
  nestStart(type: number): number {
    return this.nlaReserve(type | NLA_F_NESTED, 0);
  }

  /** nla_nest_start_noflag: opens a nest without NLA_F_NESTED (legacy layouts). */
  nestStartNoflag(type: number): number {
    return this.nlaReserve(type, 0);
  }

  /** nla_nest_end: sets the nest's nla_len to everything written since; returns the batch length. */
  nestEnd(start: number): number {
    this.requireMessage('nestEnd');
    const len = this.tail - start;
    if (start < this.msgStart || len < NLA_HDRLEN) throw new Error('NlMsgBuilder.nestEnd: not a nest of the open message');
    if (len > U16_MAX) throw new RangeError(`NlMsgBuilder.nestEnd: nest of ${len} bytes exceeds nla_len`);
    setU16le(this.buf, start + A.LEN, len);
    return this.tail;
  }

  /** nla_nest_cancel: drops the nest and everything in it. */
  nestCancel(start: number): void {
    this.requireMessage('nestCancel');
    if (start < this.msgStart || start > this.tail) throw new Error('NlMsgBuilder.nestCancel: not a nest of the open message');
    this.tail = start;
  }

  /** nla_align_64bit: the pad attribute the *_64bit puts add on strict-alignment kernels. */
  private align64Bit(padType: number | undefined): void {
    if (padType === undefined || !this.align64) return;
    // The header is 4 bytes: an 8-aligned tail would leave the payload misaligned.
    if (this.tail % 8 === 0) this.nlaReserve(padType, 0);
  }
}
