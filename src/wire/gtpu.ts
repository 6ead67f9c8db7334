/**
 * GTP-U (3GPP TS 29.281, Release 17): the header (§5.1), its extension chain (§5.2, decoded in
 * gtpu-ext.ts), the signalling messages' information elements (§7, §8), and a non-allocating
 * receive path for the datapath.
 *
 * ```
 *    0                   1                   2                   3
 *    0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 *   +-----+-+-+-+-+-+---------------+-------------------------------+
 *   | Ver |P|*|E|S|N| Message Type  |            Length             |
 *   |     |T| | | |P|               |  (octets after the first 8)   |
 *   +-----+-+-+-+-+-+---------------+-------------------------------+
 *   |                 Tunnel Endpoint Identifier                    |
 *   +-------------------------------+---------------+---------------+
 *   |        Sequence Number        |  N-PDU Number | Next Ext Type |  if any of E, S, PN
 *   +-------------------------------+---------------+---------------+
 * ```
 *
 * The four optional octets are there if and only if one of E, S, PN is set; each field only
 * means something when its own flag is set (and is sent as zero otherwise). Length counts the
 * optional octets, the extension headers and the payload (a T-PDU for a G-PDU, IEs otherwise).
 *
 * Contract: `GtpuView.check` validates version 1 and the Length against the buffer once; the
 * getters then cannot fail. `parseGtpu` gives a `GtpuRepr` (PT must be 1: GTP' is another
 * protocol); octets beyond 8 + Length are not part of the message and are ignored. Errors are
 * values with offsets from the start of the GTP-U header. `emitGtpu` writes the header and the
 * extension chain; the payload is the caller's. Unused fields and the spare bit are sent as
 * zero and not evaluated on receive.
 *
 * IEs (§8): TV below 128 with the lengths of the IEs GTP-U uses (Recovery 1, TEID Data I 4);
 * any other TV type cannot be skipped and is refused. TLV from 128 with a 2-octet length, except
 * the Extension Header Type List (141), whose length is one octet. Unknown TLVs are kept. IE
 * order (ascending type, §8.1) is not enforced on receive.
 *
 * `peekGtpu` is the datapath's path: it fills a reusable `GtpuPeek` (TEID, type, QFI, payload
 * bounds) and returns a status number, allocating nothing. With `gtp5g = true` it reproduces
 * gtp5g's gtp1u_udp_encap_recv: the Length field is not checked (the payload runs to the end of
 * the datagram), the extension chain is walked whenever any of E/S/PN is set (gtp5g reads the
 * Next type without looking at E), and there is no count limit.
 */

import {
  GTP_V1,
  GTPV1_HDR_FLG_EXTHDR,
  GTPV1_HDR_FLG_MASK,
  GTPV1_HDR_FLG_NPDU,
  GTPV1_HDR_FLG_PT,
  GTPV1_HDR_FLG_SEQ,
  GTPV1_HDR_LEN,
  GTPV1_HDR_OPT_LEN,
  GTPV1_HDR_VERSION_SHIFT,
  GTPV1_IE_EXT_HDR_TYPE_LIST,
  GTPV1_IE_GTPU_PEER_ADDR,
  GTPV1_IE_PRIVATE_EXT,
  GTPV1_IE_RECOVERY,
  GTPV1_IE_TEID_DATA_I,
  GTPV1_IE_TLV_FLAG,
  GTPV1_MSG_TYPE_ECHO_RSP,
  GTPV1_MSG_TYPE_EMARK,
  GTPV1_MSG_TYPE_ERR_IND,
  GTPV1_MSG_TYPE_SUPP_EXT_HDR_NOTI,
  GTPV1_MSG_TYPE_TPDU,
  GTPV1_NEXT_EXT_HDR_TYPE_00,
  GTPV1_NEXT_EXT_HDR_TYPE_85,
  GTPV1_RECOVERY_RESTART_COUNTER,
  DL_PDU_SESSION_INFORMATION,
  PDU_SESSION_DL_RQI,
  PDU_SESSION_PDU_TYPE_SHIFT,
  PDU_SESSION_QFI_MASK,
  UL_PDU_SESSION_INFORMATION,
} from '../uapi/gtpu.ts';
import { setU16, setU32, u16, u32 } from './bytes.ts';
import {
  GTPU_EXT_DEFAULT_LIMITS,
  emitGtpuExtChain,
  gtpuExtChainBufferLen,
  gtpuExtHeaderType,
  parseGtpuExtChain,
  walkGtpuExtHeaders,
} from './gtpu-ext.ts';
import type { GtpuExtHeader, GtpuExtHeaderRaw, GtpuExtLimits } from './gtpu-ext.ts';
import { ok, wireError } from './result.ts';
import type { Result } from './result.ts';

/** Field offsets from the first octet of the GTP-U header. */
const F = {
  FLAGS: 0,
  MESSAGE_TYPE: 1,
  LENGTH: 2,
  TEID: 4,
  SEQUENCE_NUMBER: 8,
  NPDU_NUMBER: 10,
  NEXT_EXT_TYPE: 11,
} as const;

const VERSION_MASK = 0xe0;

// --- View --------------------------------------------------------------------------------------

/** A checked, zero-copy view of a GTP-U header at the start of `bytes`. */
export class GtpuView {
  readonly bytes: Uint8Array;

  private constructor(bytes: Uint8Array) {
    this.bytes = bytes;
  }

  /**
   * Checks the mandatory octets, version 1, the optional octets when a flag asks for them, and
   * that Length fits the buffer and covers the optional octets.
   */
  static check(bytes: Uint8Array): Result<GtpuView> {
    if (bytes.length < GTPV1_HDR_LEN) {
      return wireError('truncated', 0, 'GTP-U header', `needs ${GTPV1_HDR_LEN} octets, has ${bytes.length}`);
    }
    const flags = bytes[F.FLAGS] ?? 0;
    if (flags >>> GTPV1_HDR_VERSION_SHIFT !== GTP_V1) {
      return wireError('bad-version', F.FLAGS, 'Version', `version ${flags >>> GTPV1_HDR_VERSION_SHIFT} is not GTPv1`);
    }
    const length = u16(bytes, F.LENGTH);
    if (GTPV1_HDR_LEN + length > bytes.length) {
      return wireError('truncated', F.LENGTH, 'Length', `Length ${length} runs past the ${bytes.length - GTPV1_HDR_LEN} octets after the header`);
    }
    if (flags & GTPV1_HDR_FLG_MASK && length < GTPV1_HDR_OPT_LEN) {
      return wireError('bad-length', F.LENGTH, 'Length', `Length ${length} does not cover the 4 optional octets`);
    }
    return ok(new GtpuView(bytes));
  }

  get flags(): number {
    return this.bytes[F.FLAGS] ?? 0;
  }
  get version(): number {
    return this.flags >>> GTPV1_HDR_VERSION_SHIFT;
  }
  /** 1 for GTP, 0 for GTP'. */
  get protocolType(): number {
    return (this.flags & GTPV1_HDR_FLG_PT) !== 0 ? 1 : 0;
  }
  get e(): boolean {
    return (this.flags & GTPV1_HDR_FLG_EXTHDR) !== 0;
  }
  get s(): boolean {
    return (this.flags & GTPV1_HDR_FLG_SEQ) !== 0;
  }
  get pn(): boolean {
    return (this.flags & GTPV1_HDR_FLG_NPDU) !== 0;
  }
  get messageType(): number {
    return this.bytes[F.MESSAGE_TYPE] ?? 0;
  }
  /** Octets after the first 8. */
  get length(): number {
    return u16(this.bytes, F.LENGTH);
  }
  get teid(): number {
    return u32(this.bytes, F.TEID);
  }
  /** Whether the 4 optional octets are present (any of E, S, PN). */
  get hasOptional(): boolean {
    return (this.flags & GTPV1_HDR_FLG_MASK) !== 0;
  }
  /** 8, or 12 with the optional octets; the extension chain follows. */
  get headerLength(): number {
    return this.hasOptional ? GTPV1_HDR_LEN + GTPV1_HDR_OPT_LEN : GTPV1_HDR_LEN;
  }
  /** 8 + Length: where the message ends. */
  get messageEnd(): number {
    return GTPV1_HDR_LEN + this.length;
  }
  /** The Sequence Number field (meaningful when `s`), 0 when absent. */
  get sequenceNumber(): number {
    return this.hasOptional ? u16(this.bytes, F.SEQUENCE_NUMBER) : 0;
  }
  get npduNumber(): number {
    return this.hasOptional ? (this.bytes[F.NPDU_NUMBER] ?? 0) : 0;
  }
  /** The first extension header's type when `e`, else 0 (the field is not interpreted). */
  get nextExtHeaderType(): number {
    return this.e ? (this.bytes[F.NEXT_EXT_TYPE] ?? 0) : GTPV1_NEXT_EXT_HDR_TYPE_00;
  }

  setTeid(teid: number): void {
    setU32(this.bytes, F.TEID, teid);
  }
  setMessageType(type: number): void {
    this.bytes[F.MESSAGE_TYPE] = type & 0xff;
  }
  setLength(length: number): void {
    setU16(this.bytes, F.LENGTH, length);
  }

  /** The extension headers, within the message; yields Results and stops at the first error. */
  extHeaders(limits: GtpuExtLimits = GTPU_EXT_DEFAULT_LIMITS): Generator<Result<GtpuExtHeaderRaw>, void, undefined> {
    return walkGtpuExtHeaders(this.bytes, this.headerLength, this.messageEnd, this.nextExtHeaderType, limits);
  }
}

// --- Header Repr -------------------------------------------------------------------------------

export interface GtpuRepr {
  readonly messageType: number;
  readonly teid: number;
  /** Present iff the S flag is set. */
  readonly sequenceNumber?: number;
  /** Present iff the PN flag is set. */
  readonly npduNumber?: number;
  /** Present iff the E flag is set; may be empty (E set, Next type 0). */
  readonly extensionHeaders?: readonly GtpuExtHeader[];
  /** Octets after the header and its extension headers, up to 8 + Length. */
  readonly payloadLength: number;
}

/** Decodes the header and its extension chain. */
export function parseGtpu(bytes: Uint8Array, limits: GtpuExtLimits = GTPU_EXT_DEFAULT_LIMITS): Result<GtpuRepr> {
  const checked = GtpuView.check(bytes);
  if (!checked.ok) return checked;
  const v = checked.value;
  if (v.protocolType !== 1) {
    return wireError('bad-value', F.FLAGS, 'Protocol Type', "PT 0 is GTP', not GTP-U");
  }
  let extensionHeaders: GtpuExtHeader[] | undefined;
  let end = v.headerLength;
  if (v.e) {
    const chain = parseGtpuExtChain(bytes, v.headerLength, v.messageEnd, v.nextExtHeaderType, limits);
    if (!chain.ok) {
      // Inside a checked Length the chain can only run past the message, not past the buffer.
      return chain.error.kind === 'truncated' ? wireError('bad-length', chain.error.offset, chain.error.field, chain.error.message) : chain;
    }
    extensionHeaders = chain.value.headers;
    end = chain.value.end;
  }
  return ok({
    messageType: v.messageType,
    teid: v.teid,
    ...(v.s && { sequenceNumber: v.sequenceNumber }),
    ...(v.pn && { npduNumber: v.npduNumber }),
    ...(extensionHeaders !== undefined && { extensionHeaders }),
    payloadLength: v.messageEnd - end,
  });
}

function hasOptional(r: GtpuRepr | GtpuSignallingRepr): boolean {
  return r.sequenceNumber !== undefined || r.npduNumber !== undefined || r.extensionHeaders !== undefined;
}

/** Octets of the header and its extension chain: the payload starts there. */
export function gtpuBufferLen(repr: GtpuRepr | GtpuSignallingRepr): number {
  return (
    GTPV1_HDR_LEN +
    (hasOptional(repr) ? GTPV1_HDR_OPT_LEN : 0) +
    (repr.extensionHeaders !== undefined ? gtpuExtChainBufferLen(repr.extensionHeaders) : 0)
  );
}

/** The payload of a message parsed by `parseGtpu` from `bytes`: a view, not a copy. */
export function gtpuPayload(bytes: Uint8Array, repr: GtpuRepr): Uint8Array {
  const start = gtpuBufferLen(repr);
  return bytes.subarray(start, start + repr.payloadLength);
}

function checkU(value: number, max: number, what: string): void {
  if (!Number.isInteger(value) || value < 0 || value > max) {
    throw new RangeError(`GTP-U: ${what} ${value} is outside 0..${max}`);
  }
}

/**
 * Writes the header and extension chain of `repr` (exactly `gtpuBufferLen(repr)` octets) and
 * returns that size; Length is set for `repr.payloadLength` octets of payload after them.
 */
export function emitGtpu(repr: GtpuRepr, bytes: Uint8Array, offset = 0): number {
  return emitHeader(repr, repr.payloadLength, bytes, offset);
}

function emitHeader(repr: GtpuRepr | GtpuSignallingRepr, payloadLength: number, bytes: Uint8Array, offset: number): number {
  const size = gtpuBufferLen(repr);
  const length = size - GTPV1_HDR_LEN + payloadLength;
  checkU(repr.messageType, 0xff, 'Message Type');
  checkU(repr.teid, 0xffffffff, 'TEID');
  checkU(payloadLength, 0xffff, 'payload length');
  checkU(length, 0xffff, 'Length');
  if (offset + size > bytes.length) throw new RangeError('GTP-U: buffer too small');
  let flags = (GTP_V1 << GTPV1_HDR_VERSION_SHIFT) | GTPV1_HDR_FLG_PT;
  if (repr.extensionHeaders !== undefined) flags |= GTPV1_HDR_FLG_EXTHDR;
  if (repr.sequenceNumber !== undefined) flags |= GTPV1_HDR_FLG_SEQ;
  if (repr.npduNumber !== undefined) flags |= GTPV1_HDR_FLG_NPDU;
  bytes[offset + F.FLAGS] = flags;
  bytes[offset + F.MESSAGE_TYPE] = repr.messageType;
  setU16(bytes, offset + F.LENGTH, length);
  setU32(bytes, offset + F.TEID, repr.teid);
  if (hasOptional(repr)) {
    const seq = repr.sequenceNumber ?? 0;
    const npdu = repr.npduNumber ?? 0;
    checkU(seq, 0xffff, 'Sequence Number');
    checkU(npdu, 0xff, 'N-PDU Number');
    setU16(bytes, offset + F.SEQUENCE_NUMBER, seq);
    bytes[offset + F.NPDU_NUMBER] = npdu;
    const first = repr.extensionHeaders?.[0];
    bytes[offset + F.NEXT_EXT_TYPE] = first === undefined ? GTPV1_NEXT_EXT_HDR_TYPE_00 : gtpuExtHeaderType(first);
    if (repr.extensionHeaders !== undefined) {
      emitGtpuExtChain(repr.extensionHeaders, bytes, offset + GTPV1_HDR_LEN + GTPV1_HDR_OPT_LEN);
    }
  }
  return size;
}

/**
 * The G-PDU header gtp5g pushes (gtp5g_push_header): a PDU Session Container of one unit when
 * `qfi` > 0 (DL for PDU type 0, UL for 1), the S flag when gtp5g's seq option is on.
 */
export function gtp5gGpduHeader(opts: {
  readonly teid: number;
  readonly payloadLength: number;
  readonly qfi: number;
  readonly pduType: typeof DL_PDU_SESSION_INFORMATION | typeof UL_PDU_SESSION_INFORMATION;
  readonly sequenceNumber?: number;
}): GtpuRepr {
  checkU(opts.qfi, PDU_SESSION_QFI_MASK, 'QFI');
  const extensionHeaders: GtpuExtHeader[] | undefined =
    opts.qfi > 0
      ? [
          {
            kind: 'pdu-session-container',
            container: opts.pduType === UL_PDU_SESSION_INFORMATION ? { kind: 'ul', qfi: opts.qfi } : { kind: 'dl', qfi: opts.qfi, rqi: false },
          },
        ]
      : undefined;
  return {
    messageType: GTPV1_MSG_TYPE_TPDU,
    teid: opts.teid,
    ...(opts.sequenceNumber !== undefined && { sequenceNumber: opts.sequenceNumber }),
    ...(extensionHeaders !== undefined && { extensionHeaders }),
    payloadLength: opts.payloadLength,
  };
}

// --- Information elements (§8) -----------------------------------------------------------------

export type GtpuIe =
  /** §8.2: TV, the Restart Counter (always 0 from a GTP-U entity). */
  | { readonly kind: 'recovery'; readonly restartCounter: number }
  /** §8.3: TV, 4 octets. */
  | { readonly kind: 'teid-data-i'; readonly teid: number }
  /** §8.4: TLV; 4 octets (IPv4) or 16 (IPv6). */
  | { readonly kind: 'peer-address'; readonly address: Uint8Array }
  /** §8.5: type, a 1-octet count, that many extension header types. */
  | { readonly kind: 'ext-header-type-list'; readonly types: readonly number[] }
  /** §8.6: TLV; Extension Identifier (an IANA enterprise number, 2 octets) and its value. */
  | { readonly kind: 'private-extension'; readonly extensionIdentifier: number; readonly value: Uint8Array }
  /** Any other TLV (Tunnel Status Information 230, Recovery Time Stamp 231, ...), kept. */
  | { readonly kind: 'tlv'; readonly type: number; readonly value: Uint8Array };

/** Value octets of the TV IEs GTP-U uses; undefined for the others. */
function tvValueLen(type: number): number | undefined {
  switch (type) {
    case GTPV1_IE_RECOVERY:
      return 1;
    case GTPV1_IE_TEID_DATA_I:
      return 4;
    default:
      return undefined;
  }
}

/** TLV types with a kind of their own, which `tlv` may not use. */
function isTypedTlv(type: number): boolean {
  return type === GTPV1_IE_GTPU_PEER_ADDR || type === GTPV1_IE_EXT_HDR_TYPE_LIST || type === GTPV1_IE_PRIVATE_EXT;
}

/** Most IEs in one message; a GTP-U message carries at most a handful. */
export const GTPU_IE_MAX_COUNT = 64;

/** Decodes the IEs in `bytes[offset, end)`; error offsets are from the start of `bytes`. */
export function parseGtpuIes(bytes: Uint8Array, offset = 0, end = bytes.length, maxCount = GTPU_IE_MAX_COUNT): Result<GtpuIe[]> {
  const ies: GtpuIe[] = [];
  let o = offset;
  while (o < end) {
    if (ies.length >= maxCount) return wireError('limit', o, 'IE Type', `more than ${maxCount} information elements`);
    const type = bytes[o] ?? 0;
    if ((type & GTPV1_IE_TLV_FLAG) === 0) {
      const len = tvValueLen(type);
      if (len === undefined) return wireError('bad-value', o, 'IE Type', `TV IE type ${type} has no known length`);
      if (o + 1 + len > end) return wireError('truncated', o, 'IE Type', `TV IE ${type} needs ${len} octets`);
      ies.push(type === GTPV1_IE_RECOVERY ? { kind: 'recovery', restartCounter: bytes[o + 1] ?? 0 } : { kind: 'teid-data-i', teid: u32(bytes, o + 1) });
      o += 1 + len;
      continue;
    }
    if (type === GTPV1_IE_EXT_HDR_TYPE_LIST) {
      if (o + 2 > end) return wireError('truncated', o, 'Length', 'Extension Header Type List needs its length octet');
      const n = bytes[o + 1] ?? 0;
      if (o + 2 + n > end) return wireError('truncated', o + 1, 'Length', `${n} extension header types run past the message`);
      ies.push({ kind: 'ext-header-type-list', types: Array.from(bytes.subarray(o + 2, o + 2 + n)) });
      o += 2 + n;
      continue;
    }
    if (o + 3 > end) return wireError('truncated', o, 'Length', `TLV IE ${type} needs its 2 length octets`);
    const len = u16(bytes, o + 1);
    const v = o + 3;
    if (v + len > end) return wireError('truncated', o + 1, 'Length', `TLV IE ${type} of ${len} octets runs past the message`);
    const value = bytes.subarray(v, v + len);
    if (type === GTPV1_IE_GTPU_PEER_ADDR) {
      if (len !== 4 && len !== 16) return wireError('bad-length', o + 1, 'Length', `GTP-U Peer Address of ${len} octets is neither IPv4 nor IPv6`);
      ies.push({ kind: 'peer-address', address: value });
    } else if (type === GTPV1_IE_PRIVATE_EXT) {
      if (len < 2) return wireError('bad-length', o + 1, 'Length', 'Private Extension needs its 2-octet Extension Identifier');
      ies.push({ kind: 'private-extension', extensionIdentifier: u16(value, 0), value: value.subarray(2) });
    } else {
      ies.push({ kind: 'tlv', type, value });
    }
    o = v + len;
  }
  return ok(ies);
}

function ieLen(ie: GtpuIe): number {
  switch (ie.kind) {
    case 'recovery':
      return 2;
    case 'teid-data-i':
      return 5;
    case 'peer-address':
      return 3 + ie.address.length;
    case 'ext-header-type-list':
      return 2 + ie.types.length;
    case 'private-extension':
      return 5 + ie.value.length;
    case 'tlv':
      return 3 + ie.value.length;
  }
}

export function gtpuIesBufferLen(ies: readonly GtpuIe[]): number {
  let n = 0;
  for (const ie of ies) n += ieLen(ie);
  return n;
}

/** Writes `ies` in the given order; returns the octets written. Throws on a bad value. */
export function emitGtpuIes(ies: readonly GtpuIe[], bytes: Uint8Array, offset = 0): number {
  if (offset + gtpuIesBufferLen(ies) > bytes.length) throw new RangeError('GTP-U IEs: buffer too small');
  let o = offset;
  for (const ie of ies) {
    switch (ie.kind) {
      case 'recovery':
        checkU(ie.restartCounter, 0xff, 'Restart Counter');
        bytes[o] = GTPV1_IE_RECOVERY;
        bytes[o + 1] = ie.restartCounter;
        break;
      case 'teid-data-i':
        checkU(ie.teid, 0xffffffff, 'TEID Data I');
        bytes[o] = GTPV1_IE_TEID_DATA_I;
        setU32(bytes, o + 1, ie.teid);
        break;
      case 'peer-address':
        if (ie.address.length !== 4 && ie.address.length !== 16) {
          throw new RangeError(`GTP-U Peer Address of ${ie.address.length} octets is neither IPv4 nor IPv6`);
        }
        bytes[o] = GTPV1_IE_GTPU_PEER_ADDR;
        setU16(bytes, o + 1, ie.address.length);
        bytes.set(ie.address, o + 3);
        break;
      case 'ext-header-type-list':
        checkU(ie.types.length, 0xff, 'Extension Header Type List length');
        bytes[o] = GTPV1_IE_EXT_HDR_TYPE_LIST;
        bytes[o + 1] = ie.types.length;
        ie.types.forEach((t, i) => {
          checkU(t, 0xff, 'extension header type');
          bytes[o + 2 + i] = t;
        });
        break;
      case 'private-extension':
        checkU(ie.extensionIdentifier, 0xffff, 'Extension Identifier');
        checkU(ie.value.length + 2, 0xffff, 'Private Extension length');
        bytes[o] = GTPV1_IE_PRIVATE_EXT;
        setU16(bytes, o + 1, ie.value.length + 2);
        setU16(bytes, o + 3, ie.extensionIdentifier);
        bytes.set(ie.value, o + 5);
        break;
      case 'tlv':
        checkU(ie.type, 0xff, 'IE Type');
        if ((ie.type & GTPV1_IE_TLV_FLAG) === 0 || isTypedTlv(ie.type)) {
          throw new RangeError(`GTP-U IE type ${ie.type} cannot be a plain TLV`);
        }
        checkU(ie.value.length, 0xffff, 'IE length');
        bytes[o] = ie.type;
        setU16(bytes, o + 1, ie.value.length);
        bytes.set(ie.value, o + 3);
        break;
    }
    o += ieLen(ie);
  }
  return o - offset;
}

// --- Signalling messages (§7) ------------------------------------------------------------------

/** A GTP-U message that carries IEs (every type but G-PDU). */
export interface GtpuSignallingRepr {
  readonly messageType: number;
  readonly teid: number;
  readonly sequenceNumber?: number;
  readonly npduNumber?: number;
  readonly extensionHeaders?: readonly GtpuExtHeader[];
  readonly ies: readonly GtpuIe[];
}

/** Mandatory IEs of a message type (§7.2, §7.3), with their names. */
function mandatoryIes(messageType: number): ReadonlyArray<readonly [GtpuIe['kind'], string]> {
  switch (messageType) {
    case GTPV1_MSG_TYPE_ECHO_RSP:
      return [['recovery', 'Recovery']];
    case GTPV1_MSG_TYPE_ERR_IND:
      return [
        ['teid-data-i', 'Tunnel Endpoint Identifier Data I'],
        ['peer-address', 'GTP-U Peer Address'],
      ];
    case GTPV1_MSG_TYPE_SUPP_EXT_HDR_NOTI:
      return [['ext-header-type-list', 'Extension Header Type List']];
    default:
      return [];
  }
}

/** Decodes a signalling message: header, extension chain, IEs, and its mandatory IEs. */
export function parseGtpuSignalling(bytes: Uint8Array, limits: GtpuExtLimits = GTPU_EXT_DEFAULT_LIMITS): Result<GtpuSignallingRepr> {
  const h = parseGtpu(bytes, limits);
  if (!h.ok) return h;
  const { payloadLength, ...header } = h.value;
  if (header.messageType === GTPV1_MSG_TYPE_TPDU) {
    return wireError('bad-value', F.MESSAGE_TYPE, 'Message Type', 'a G-PDU carries a T-PDU, not IEs');
  }
  const start = gtpuBufferLen(h.value);
  const ies = parseGtpuIes(bytes, start, start + payloadLength);
  if (!ies.ok) return ies;
  for (const [kind, name] of mandatoryIes(header.messageType)) {
    if (!ies.value.some((ie) => ie.kind === kind)) {
      return wireError('bad-value', start, name, `mandatory IE ${name} is missing`);
    }
  }
  return ok({ ...header, ies: ies.value });
}

export function gtpuSignallingBufferLen(repr: GtpuSignallingRepr): number {
  return gtpuBufferLen(repr) + gtpuIesBufferLen(repr.ies);
}

/** Writes the whole message (header, chain, IEs); returns its size. */
export function emitGtpuSignalling(repr: GtpuSignallingRepr, bytes: Uint8Array, offset = 0): number {
  if (repr.messageType === GTPV1_MSG_TYPE_TPDU) throw new RangeError('GTP-U: a G-PDU carries a T-PDU, not IEs');
  const iesLen = gtpuIesBufferLen(repr.ies);
  const size = gtpuBufferLen(repr) + iesLen;
  if (offset + size > bytes.length) throw new RangeError('GTP-U: buffer too small');
  const h = emitHeader(repr, iesLen, bytes, offset);
  emitGtpuIes(repr.ies, bytes, offset + h);
  return size;
}

/**
 * The Echo Response gtp5g sends (gtp1c_handle_echo_req): S flag with the request's sequence
 * number (0 when the request had none), TEID 0, Recovery with restart counter 0.
 */
export function gtp5gEchoResponse(requestSequenceNumber: number | undefined): GtpuSignallingRepr {
  return {
    messageType: GTPV1_MSG_TYPE_ECHO_RSP,
    teid: 0,
    sequenceNumber: requestSequenceNumber ?? 0,
    ies: [{ kind: 'recovery', restartCounter: GTPV1_RECOVERY_RESTART_COUNTER }],
  };
}

/** The End Marker gtp5g sends (gtp5g_fwd_emark_skb_ipv4): no optional octets, Length 0. */
export function gtp5gEndMarker(teid: number): GtpuSignallingRepr {
  return { messageType: GTPV1_MSG_TYPE_EMARK, teid, ies: [] };
}

// --- Fast path ---------------------------------------------------------------------------------

/** `peekGtpu` results. */
export const GTPU_PEEK = {
  OK: 0,
  /** Fewer than 8 octets, or fewer than 12 when a flag asks for the optional octets. */
  TRUNCATED: 1,
  /** Version is not 1 (gtp5g passes these up to the socket). */
  BAD_VERSION: 2,
  /** Length runs past the datagram or does not cover the headers (not checked for gtp5g). */
  BAD_LENGTH: 3,
  /** An extension header has length 0 or runs past the end. */
  BAD_EXT_HEADER: 4,
  /** More extension headers or octets than GTPU_EXT_DEFAULT_LIMITS (not checked for gtp5g). */
  LIMIT: 5,
} as const;
export type GtpuPeekStatus = (typeof GTPU_PEEK)[keyof typeof GTPU_PEEK];

/** What `peekGtpu` found; one instance is reused across packets. */
export class GtpuPeek {
  /** First octet: version, PT, E, S, PN. */
  flags = 0;
  messageType = 0;
  teid = 0;
  /** Sequence Number when S is set, else -1. */
  sequenceNumber = -1;
  /** QFI of the first PDU Session Container of PDU type 0 or 1, else -1. */
  qfi = -1;
  /** PDU type of the first PDU Session Container, else -1. */
  pduType = -1;
  /** RQI of a DL container. */
  rqi = false;
  extHeaderCount = 0;
  /** Offset of the T-PDU (or IEs), from the start of the buffer. */
  payloadOffset = 0;
  /** End of the message: offset + 8 + Length, or the datagram's end for gtp5g. */
  payloadEnd = 0;

  reset(): void {
    this.flags = 0;
    this.messageType = 0;
    this.teid = 0;
    this.sequenceNumber = -1;
    this.qfi = -1;
    this.pduType = -1;
    this.rqi = false;
    this.extHeaderCount = 0;
    this.payloadOffset = 0;
    this.payloadEnd = 0;
  }
}

/**
 * Reads the GTP-U message in `b[offset, end)` (a UDP payload) into `out` without allocating.
 * `flags`, `messageType` and `teid` are set whenever the status is not TRUNCATED (of the first
 * 8 octets); the rest only with OK.
 */
export function peekGtpu(b: Uint8Array, offset: number, end: number, out: GtpuPeek, gtp5g = false): GtpuPeekStatus {
  out.reset();
  if (end > b.length) end = b.length;
  if (offset + GTPV1_HDR_LEN > end) return GTPU_PEEK.TRUNCATED;
  const flags = b[offset + F.FLAGS] ?? 0;
  out.flags = flags;
  out.messageType = b[offset + F.MESSAGE_TYPE] ?? 0;
  out.teid = u32(b, offset + F.TEID);
  if ((flags & VERSION_MASK) >>> GTPV1_HDR_VERSION_SHIFT !== GTP_V1) return GTPU_PEEK.BAD_VERSION;
  const msgEnd = gtp5g ? end : offset + GTPV1_HDR_LEN + u16(b, offset + F.LENGTH);
  if (msgEnd > end) return GTPU_PEEK.BAD_LENGTH;
  let o = offset + GTPV1_HDR_LEN;
  if ((flags & GTPV1_HDR_FLG_MASK) === 0) {
    out.payloadOffset = o;
    out.payloadEnd = msgEnd;
    return GTPU_PEEK.OK;
  }
  if (o + GTPV1_HDR_OPT_LEN > end) return GTPU_PEEK.TRUNCATED;
  if (o + GTPV1_HDR_OPT_LEN > msgEnd) return GTPU_PEEK.BAD_LENGTH;
  if (flags & GTPV1_HDR_FLG_SEQ) out.sequenceNumber = u16(b, offset + F.SEQUENCE_NUMBER);
  o += GTPV1_HDR_OPT_LEN;
  let type = gtp5g || flags & GTPV1_HDR_FLG_EXTHDR ? (b[o - 1] ?? 0) : GTPV1_NEXT_EXT_HDR_TYPE_00;
  const chainStart = o;
  let count = 0;
  while (type !== GTPV1_NEXT_EXT_HDR_TYPE_00) {
    if (!gtp5g && count >= GTPU_EXT_DEFAULT_LIMITS.maxCount) return GTPU_PEEK.LIMIT;
    if (o >= msgEnd) return GTPU_PEEK.BAD_EXT_HEADER;
    const size = (b[o] ?? 0) * 4;
    if (size === 0 || o + size > msgEnd) return GTPU_PEEK.BAD_EXT_HEADER;
    if (!gtp5g && o + size - chainStart > GTPU_EXT_DEFAULT_LIMITS.maxBytes) return GTPU_PEEK.LIMIT;
    if (type === GTPV1_NEXT_EXT_HDR_TYPE_85 && out.pduType === -1 && size >= 4) {
      const pduType = (b[o + 1] ?? 0) >>> PDU_SESSION_PDU_TYPE_SHIFT;
      const o2 = b[o + 2] ?? 0;
      out.pduType = pduType;
      if (pduType === DL_PDU_SESSION_INFORMATION || pduType === UL_PDU_SESSION_INFORMATION) {
        out.qfi = o2 & PDU_SESSION_QFI_MASK;
        out.rqi = pduType === DL_PDU_SESSION_INFORMATION && (o2 & PDU_SESSION_DL_RQI) !== 0;
      }
    }
    count++;
    o += size;
    type = b[o - 1] ?? 0;
  }
  out.extHeaderCount = count;
  out.payloadOffset = o;
  out.payloadEnd = msgEnd;
  return GTPU_PEEK.OK;
}
