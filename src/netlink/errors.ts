/**
 * Netlink acknowledgements and extended acks, as net/netlink/af_netlink.c builds them
 * (netlink_ack, netlink_ack_tlv_len, netlink_ack_tlv_fill, netlink_dump_done) in Linux 6.18,
 * and their decoding as iproute2 reads them.
 *
 * An NLMSG_ERROR message carries struct nlmsgerr: the error (0 for a plain ack, otherwise a
 * negative errno), a copy of the request's header and, for errors on sockets without
 * NETLINK_CAP_ACK, the request's payload; otherwise NLM_F_CAPPED is set. On sockets with
 * NETLINK_EXT_ACK, extended-ack attributes follow and NLM_F_ACK_TLVS is set: the message and
 * cookie always, the offending attribute's offset, its policy and the missing attribute only
 * with an error. NLMSG_DONE ends a dump with a 4-byte int (0 or a negative errno), followed by
 * the same attributes when there are any.
 *
 * Offsets in an `ExtAck` are positions in the buffer that holds the request (the kernel keeps
 * pointers); the encoder turns them into offsets from the request's header, and drops them
 * when they do not point into the request's payload, as nlmsg_check_in_payload does.
 */

import {
  NLM_F_ACK_TLVS,
  NLM_F_CAPPED,
  NLM_F_MULTI,
  NLMSG_DONE,
  NLMSG_ERROR,
  NLMSG_HDRLEN,
  NLMSGERR_ATTR_COOKIE,
  NLMSGERR_ATTR_MISS_NEST,
  NLMSGERR_ATTR_MISS_TYPE,
  NLMSGERR_ATTR_MSG,
  NLMSGERR_ATTR_OFFS,
  NLMSGERR_ATTR_POLICY,
  NLMSGERR_SIZE,
  NLA_F_NESTED,
  NLA_F_NET_BYTEORDER,
  NLA_TYPE_MASK,
} from '../uapi/netlink.ts';
import { setU32le, u32le } from '../wire/bytes.ts';
import { ok, wireError, type Result, type WireError } from '../wire/result.ts';
import {
  NlAttrCursor,
  NlMsgView,
  nlaTotalSize,
  nlmsgAlign,
  parseNlMsgHdr,
  type NlAttrRepr,
  type NlMsgBuilder,
  type NlMsgHdrRepr,
} from './message.ts';
import {
  parsePolicyAttr,
  policyDumpAttrSizeEstimate,
  writePolicyAttr,
  type NlaPolicy,
  type PolicyAttrRepr,
} from './policy.ts';

/**
 * struct netlink_ext_ack, filled by the validator and by handlers. Offsets are positions in the
 * buffer holding the request.
 */
export interface ExtAck {
  /** NLMSGERR_ATTR_MSG: one sentence for humans (reported on success too). */
  msg?: string | undefined;
  /** The offending attribute's header (NLMSGERR_ATTR_OFFS, errors only). */
  badAttrOffset?: number | undefined;
  /** The offending attribute's policy entry (NLMSGERR_ATTR_POLICY, errors only). */
  policy?: NlaPolicy | undefined;
  /** A required attribute that is absent (NLMSGERR_ATTR_MISS_TYPE, errors only; 0 is "none"). */
  missingType?: number | undefined;
  /** The nest that lacks it; undefined when it is missing at top level (NLMSGERR_ATTR_MISS_NEST). */
  missingNest?: number | undefined;
  /** NLMSGERR_ATTR_COOKIE: opaque bytes for the caller (reported on success too). */
  cookie?: Uint8Array | undefined;
}

/** What the requesting socket asked for. */
export interface AckSocket {
  /** The requester's port id: nlmsg_pid of the answer. */
  readonly portid: number;
  /** NETLINK_EXT_ACK is set: extended-ack attributes are sent. */
  readonly extAck?: boolean;
  /** NETLINK_CAP_ACK is set: error acks carry only the request's header. */
  readonly capAck?: boolean;
}

/** netlink_ack_tlv_len: room the extended-ack attributes take (0: none, no NLM_F_ACK_TLVS). */
export function netlinkAckTlvLen(err: number, extack: ExtAck | undefined, extAckEnabled: boolean): number {
  if (extack === undefined || !extAckEnabled) return 0;
  let len = 0;
  if (extack.msg !== undefined) len += nlaTotalSize(utf8Length(extack.msg) + 1);
  if (extack.cookie !== undefined && extack.cookie.length > 0) len += nlaTotalSize(extack.cookie.length);
  if (err === 0) return len;
  if (extack.badAttrOffset !== undefined) len += nlaTotalSize(4);
  if (extack.policy !== undefined) len += policyDumpAttrSizeEstimate(extack.policy);
  if (extack.missingType !== undefined && extack.missingType !== 0) len += nlaTotalSize(4);
  if (extack.missingNest !== undefined) len += nlaTotalSize(4);
  return len;
}

/** strlen of the string as putString writes it: UTF-8 bytes up to any NUL. */
function utf8Length(s: string): number {
  const nul = s.indexOf('\0');
  return textEncoder.encode(nul === -1 ? s : s.slice(0, nul)).length;
}

const textEncoder = new TextEncoder();

/** nlmsg_check_in_payload: `pos` lies in the request's payload. */
function inPayload(pos: number, nlh: number, reqLen: number): boolean {
  const off = pos - nlh;
  return off >= NLMSG_HDRLEN && off < reqLen;
}

/** netlink_ack_tlv_fill. */
function ackTlvFill(b: NlMsgBuilder, nlh: number, reqLen: number, err: number, extack: ExtAck): void {
  if (extack.msg !== undefined) b.putString(NLMSGERR_ATTR_MSG, extack.msg);
  if (extack.cookie !== undefined && extack.cookie.length > 0) b.put(NLMSGERR_ATTR_COOKIE, extack.cookie);
  if (err === 0) return;
  if (extack.badAttrOffset !== undefined && inPayload(extack.badAttrOffset, nlh, reqLen)) {
    b.putU32(NLMSGERR_ATTR_OFFS, extack.badAttrOffset - nlh);
  }
  if (extack.policy !== undefined) writePolicyAttr(b, extack.policy, NLMSGERR_ATTR_POLICY);
  if (extack.missingType !== undefined && extack.missingType !== 0) b.putU32(NLMSGERR_ATTR_MISS_TYPE, extack.missingType);
  if (extack.missingNest !== undefined && inPayload(extack.missingNest, nlh, reqLen)) {
    b.putU32(NLMSGERR_ATTR_MISS_NEST, extack.missingNest - nlh);
  }
}

function requestLength(request: Uint8Array, nlh: number): number {
  const len = u32le(request, nlh);
  if (nlh < 0 || request.length - nlh < NLMSG_HDRLEN || len < NLMSG_HDRLEN || len > request.length - nlh) {
    throw new RangeError('emitNetlinkAck: the request is not a whole netlink message');
  }
  return len;
}

/**
 * netlink_ack: appends the NLMSG_ERROR answer to the request whose header is at `nlh` in
 * `request` (which must hold the whole message). `err` is 0 or a negative errno. Returns the
 * offset of the answer in the builder.
 */
export function emitNetlinkAck(
  b: NlMsgBuilder,
  request: Uint8Array,
  nlh: number,
  err: number,
  extack: ExtAck | undefined,
  sock: AckSocket,
): number {
  const reqLen = requestLength(request, nlh);
  let flags = 0;
  const echoPayload = err !== 0 && sock.capAck !== true;
  if (!echoPayload) flags |= NLM_F_CAPPED;
  const tlvlen = netlinkAckTlvLen(err, extack, sock.extAck === true);
  if (tlvlen !== 0) flags |= NLM_F_ACK_TLVS;

  const seq = u32le(request, nlh + 8);
  const at = b.beginMessage(NLMSG_ERROR, flags, seq, sock.portid);
  const e = b.reserve(4);
  setU32le(b.buffer, e, err >>> 0);
  b.append(request.subarray(nlh, nlh + NLMSG_HDRLEN));
  if (echoPayload) b.append(request.subarray(nlh + NLMSG_HDRLEN, nlh + reqLen));
  if (tlvlen !== 0 && extack !== undefined) ackTlvFill(b, nlh, reqLen, err, extack);
  b.finish();
  return at;
}

/**
 * netlink_dump_done: appends the NLMSG_DONE that ends the dump requested at `nlh` in `request`.
 * `doneErrno` is 0 or a negative errno; `answerFlags` adds NLM_F_DUMP_INTR or
 * NLM_F_DUMP_FILTERED as the dump decided. Returns the offset of the message in the builder.
 */
export function emitNetlinkDone(
  b: NlMsgBuilder,
  request: Uint8Array,
  nlh: number,
  doneErrno: number,
  extack: ExtAck | undefined,
  sock: AckSocket,
  answerFlags = 0,
): number {
  const reqLen = requestLength(request, nlh);
  const seq = u32le(request, nlh + 8);
  const tlvlen = netlinkAckTlvLen(doneErrno, extack, sock.extAck === true);
  const at = b.beginMessage(NLMSG_DONE, NLM_F_MULTI | answerFlags | (tlvlen !== 0 ? NLM_F_ACK_TLVS : 0), seq, sock.portid);
  const e = b.reserve(4);
  setU32le(b.buffer, e, doneErrno >>> 0);
  if (tlvlen !== 0 && extack !== undefined) ackTlvFill(b, nlh, reqLen, doneErrno, extack);
  b.finish();
  return at;
}

// ---------------------------------------------------------------------------------------------
// Decoding.
// ---------------------------------------------------------------------------------------------

/** Extended-ack attributes as received. Offsets are from the request's header. */
export interface ExtAckRepr {
  readonly msg?: string;
  readonly badAttrOffset?: number;
  readonly cookie?: Uint8Array;
  readonly policy?: PolicyAttrRepr;
  readonly missingType?: number;
  readonly missingNest?: number;
  /** Attributes of types this decoder does not know, kept as they came. */
  readonly unknown?: readonly NlAttrRepr[];
}

export interface NlmsgerrRepr {
  /** The NLMSG_ERROR message's own header. */
  readonly header: NlMsgHdrRepr;
  /** 0 for an ack, otherwise a negative errno. */
  readonly error: number;
  /** The echoed request header. */
  readonly request: NlMsgHdrRepr;
  /** The echoed request payload; absent when NLM_F_CAPPED is set. */
  readonly requestPayload?: Uint8Array;
  readonly extAck: ExtAckRepr;
}

export interface NlmsgDoneRepr {
  readonly header: NlMsgHdrRepr;
  /** 0 at a clean end, otherwise a negative errno. */
  readonly error: number;
  readonly extAck: ExtAckRepr;
}

const textDecoder = new TextDecoder('utf-8');

/** Decodes extended-ack attributes (`length` bytes at `start`); offsets in errors are from `start`. */
export function parseExtAckTlvs(bytes: Uint8Array, start: number, length: number): Result<ExtAckRepr> {
  const out: {
    msg?: string;
    badAttrOffset?: number;
    cookie?: Uint8Array;
    policy?: PolicyAttrRepr;
    missingType?: number;
    missingNest?: number;
    unknown?: NlAttrRepr[];
  } = {};
  const c = new NlAttrCursor(bytes, start, length);
  const u32Attr = (name: string): Result<number> =>
    c.len === 4
      ? ok(u32le(bytes, c.dataOffset))
      : wireError('bad-length', c.offset - start, name, `${c.len} bytes, need 4`);
  while (c.next()) {
    switch (c.type) {
      case NLMSGERR_ATTR_MSG: {
        const d = c.data;
        const nul = d.indexOf(0);
        out.msg = textDecoder.decode(nul === -1 ? d : d.subarray(0, nul));
        break;
      }
      case NLMSGERR_ATTR_OFFS: {
        const r = u32Attr('NLMSGERR_ATTR_OFFS');
        if (!r.ok) return r;
        out.badAttrOffset = r.value;
        break;
      }
      case NLMSGERR_ATTR_COOKIE:
        out.cookie = c.data;
        break;
      case NLMSGERR_ATTR_POLICY: {
        const r = parsePolicyAttr(bytes, c.dataOffset, c.len);
        if (!r.ok) return wireError(r.error.kind, r.error.offset + c.dataOffset - start, r.error.field, r.error.message);
        out.policy = r.value;
        break;
      }
      case NLMSGERR_ATTR_MISS_TYPE: {
        const r = u32Attr('NLMSGERR_ATTR_MISS_TYPE');
        if (!r.ok) return r;
        out.missingType = r.value;
        break;
      }
      case NLMSGERR_ATTR_MISS_NEST: {
        const r = u32Attr('NLMSGERR_ATTR_MISS_NEST');
        if (!r.ok) return r;
        out.missingNest = r.value;
        break;
      }
      default: {
        const raw = c.rawType;
        (out.unknown ??= []).push({
          type: raw & NLA_TYPE_MASK,
          nested: (raw & NLA_F_NESTED) !== 0,
          netByteorder: (raw & NLA_F_NET_BYTEORDER) !== 0,
          data: c.data,
        });
      }
    }
  }
  const e = c.error();
  if (e !== undefined) return wireError(e.kind, e.offset - start, e.field, e.message);
  return ok(out);
}

function shift(e: WireError, delta: number): { readonly ok: false; readonly error: WireError } {
  return { ok: false, error: { ...e, offset: e.offset + delta } };
}

/**
 * Decodes an NLMSG_ERROR message at `offset`. The echoed payload is skipped unless
 * NLM_F_CAPPED is set (as iproute2 does); extended-ack attributes are read when NLM_F_ACK_TLVS
 * is set. Error offsets are from `offset`.
 */
export function parseNlmsgerr(bytes: Uint8Array, offset = 0): Result<NlmsgerrRepr> {
  const checked = NlMsgView.check(bytes, offset);
  if (!checked.ok) return shift(checked.error, -offset);
  const v = checked.value;
  if (v.type !== NLMSG_ERROR) return wireError('bad-value', 4, 'nlmsg_type', `${v.type} is not NLMSG_ERROR`);
  if (v.len < NLMSG_HDRLEN + NLMSGERR_SIZE) {
    return wireError('truncated', 0, 'nlmsgerr', `nlmsg_len ${v.len} leaves no room for struct nlmsgerr`);
  }
  const header = { len: v.len, type: v.type, flags: v.flags, seq: v.seq, pid: v.pid };
  const error = u32le(bytes, offset + NLMSG_HDRLEN) | 0;
  const reqAt = offset + NLMSG_HDRLEN + 4;
  const request = parseNlMsgHdr(bytes, reqAt);
  if (!request.ok) return shift(request.error, -offset);
  let tlvStart = offset + NLMSG_HDRLEN + NLMSGERR_SIZE;
  let requestPayload: Uint8Array | undefined;
  const end = offset + v.len;
  // Kernels before 4.12 sent success acks without NLM_F_CAPPED and without an echo.
  const legacyAck = error === 0 && v.len === NLMSG_HDRLEN + NLMSGERR_SIZE;
  if ((v.flags & NLM_F_CAPPED) === 0 && !legacyAck) {
    if (request.value.len < NLMSG_HDRLEN) {
      return wireError('bad-length', NLMSG_HDRLEN + 4, 'nlmsgerr.msg.nlmsg_len', `${request.value.len} is less than ${NLMSG_HDRLEN}`);
    }
    const plen = request.value.len - NLMSG_HDRLEN;
    if (tlvStart + plen > end) {
      return wireError('truncated', NLMSG_HDRLEN + NLMSGERR_SIZE, 'nlmsgerr payload', `echoed request of ${plen} bytes exceeds the message`);
    }
    requestPayload = bytes.subarray(tlvStart, tlvStart + plen);
    tlvStart = Math.min(tlvStart + nlmsgAlign(plen), end);
  }
  let extAck: ExtAckRepr = {};
  if ((v.flags & NLM_F_ACK_TLVS) !== 0) {
    const r = parseExtAckTlvs(bytes, tlvStart, end - tlvStart);
    if (!r.ok) return shift(r.error, tlvStart - offset);
    extAck = r.value;
  }
  return ok(
    requestPayload === undefined
      ? { header, error, request: request.value, extAck }
      : { header, error, request: request.value, requestPayload, extAck },
  );
}

/** Decodes an NLMSG_DONE message at `offset`: the 4-byte status and any extended-ack attributes. */
export function parseNlmsgDone(bytes: Uint8Array, offset = 0): Result<NlmsgDoneRepr> {
  const checked = NlMsgView.check(bytes, offset);
  if (!checked.ok) return shift(checked.error, -offset);
  const v = checked.value;
  if (v.type !== NLMSG_DONE) return wireError('bad-value', 4, 'nlmsg_type', `${v.type} is not NLMSG_DONE`);
  if (v.len < NLMSG_HDRLEN + 4) return wireError('truncated', 0, 'NLMSG_DONE', `nlmsg_len ${v.len} leaves no room for the status`);
  const header = { len: v.len, type: v.type, flags: v.flags, seq: v.seq, pid: v.pid };
  const error = u32le(bytes, offset + NLMSG_HDRLEN) | 0;
  let extAck: ExtAckRepr = {};
  if ((v.flags & NLM_F_ACK_TLVS) !== 0) {
    const start = offset + NLMSG_HDRLEN + 4;
    const r = parseExtAckTlvs(bytes, start, offset + v.len - start);
    if (!r.ok) return shift(r.error, start - offset);
    extAck = r.value;
  }
  return ok({ header, error, extAck });
}
