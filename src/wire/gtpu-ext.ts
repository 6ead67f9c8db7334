/**
 * GTP-U extension headers (3GPP TS 29.281 §5.2, Release 17) and the content of the PDU Session
 * Container (TS 38.415 §5.5.2, Release 17).
 *
 * Every extension header has the same frame; its type is announced by the octet before it (the
 * Next Extension Header Type of the optional header fields, or of the previous extension):
 *
 * ```
 *   0        1                          4n-1      4n
 *   +--------+--------------------------+--------+
 *   | Length | Content (4n - 2 octets)  |  Next  |      n = Length, at least 1
 *   +--------+--------------------------+--------+
 * ```
 *
 * Bits 8 and 7 of a type say what a node that does not know it must do (Figure 5.2.1-2);
 * {@link gtpuExtComprehension} reads them. The chain ends at a Next type of 0.
 *
 * Contract: the walkers never throw and never read past `end`; errors are values with offsets
 * from the start of the buffer handed in (the GTP-U header, for {@link parseGtpuExtChain}). They
 * stop at the first error and enforce {@link GtpuExtLimits}. Typed headers: PDU Session Container
 * (0x85), UDP Port (0x40), PDCP PDU Number (0xC0), Long PDCP PDU Number (0x03 and 0x82),
 * Service Class Indicator (0x20); these have their standard lengths or are refused. Every other
 * type, the RAN containers (TS 36.425, 36.464, 38.425) included, is kept as opaque content and
 * re-emitted unchanged. Spare bits are not evaluated on receive and are sent as zero.
 *
 * PDU Session Container: DL (PDU Type 0) with PPP/PPI, RQI, QFI and the optional DL Sending
 * Time Stamp (QMP), DL QFI Sequence Number (SNP) and DL MBS QFI Sequence Number (MSNP); UL
 * (PDU Type 1) with QFI, the QoS monitoring time stamps (QMP), DL/UL/N3-N9 delay results and UL
 * QFI Sequence Number. The New IE Flags of UL (Release 17+) and the IEs they announce are not
 * decoded: they are kept as octets (`newIes`). Other PDU types are kept whole. Octets after the
 * fields other than the minimal zero padding are kept (`trailing`) so parse then emit gives
 * back the same bytes. gtp5g sends a one-unit container: `01 00 QFI 00` (DL) or `01 10 QFI 00`
 * (UL), which is what {@link emitGtpuExtChain} writes for `{ kind: 'dl', qfi, rqi: false }`.
 */

import {
  DL_PDU_SESSION_INFORMATION,
  GTPV1_EXT_HDR_COMPREHENSION_SHIFT,
  GTPV1_EXT_HDR_LEN_UNIT,
  GTPV1_NEXT_EXT_HDR_TYPE_00,
  GTPV1_NEXT_EXT_HDR_TYPE_03,
  GTPV1_NEXT_EXT_HDR_TYPE_20,
  GTPV1_NEXT_EXT_HDR_TYPE_40,
  GTPV1_NEXT_EXT_HDR_TYPE_82,
  GTPV1_NEXT_EXT_HDR_TYPE_85,
  GTPV1_NEXT_EXT_HDR_TYPE_C0,
  PDU_SESSION_DL_MSNP,
  PDU_SESSION_DL_PPI_SHIFT,
  PDU_SESSION_DL_PPP,
  PDU_SESSION_DL_QMP,
  PDU_SESSION_DL_RQI,
  PDU_SESSION_DL_SNP,
  PDU_SESSION_PDU_TYPE_SHIFT,
  PDU_SESSION_QFI_MASK,
  PDU_SESSION_UL_DL_DELAY_IND,
  PDU_SESSION_UL_N3N9_DELAY_IND,
  PDU_SESSION_UL_NEW_IE_FLAG,
  PDU_SESSION_UL_QMP,
  PDU_SESSION_UL_SNP,
  PDU_SESSION_UL_UL_DELAY_IND,
  UL_PDU_SESSION_INFORMATION,
} from '../uapi/gtpu.ts';
import { setU16, setU24, setU32, setU64, u16, u24, u32, u64 } from './bytes.ts';
import { ok, wireError } from './result.ts';
import type { Result } from './result.ts';

/** Offsets inside one extension header, from its Length octet. */
const X = { LENGTH: 0, CONTENT: 1 } as const;

/**
 * Chain limits. gtp5g has none (its walk ends with the packet); these sit far above anything a
 * 3GPP interface sends and bound the work a hostile packet can cause.
 */
export interface GtpuExtLimits {
  /** Most extension headers in one chain. */
  readonly maxCount: number;
  /** Most octets in one chain. */
  readonly maxBytes: number;
}
export const GTPU_EXT_DEFAULT_LIMITS: GtpuExtLimits = Object.freeze({ maxCount: 32, maxBytes: 4096 });

/** Bits 8-7 of an extension header type: 0..3, see GTPV1_EXT_HDR_* in uapi/gtpu.ts. */
export function gtpuExtComprehension(type: number): 0 | 1 | 2 | 3 {
  return ((type >>> GTPV1_EXT_HDR_COMPREHENSION_SHIFT) & 3) as 0 | 1 | 2 | 3;
}

/** One extension header as found on the wire, before its content is decoded. */
export interface GtpuExtHeaderRaw {
  readonly type: number;
  /** Offset of its Length octet. */
  readonly offset: number;
  /** Its size in octets: 4 × Length. */
  readonly size: number;
  /** The octets between Length and Next (4 × Length − 2), a view into the input. */
  readonly content: Uint8Array;
  /** Next Extension Header Type; 0 ends the chain. */
  readonly next: number;
  /** Bits 8-7 of `type` (Figure 5.2.1-2). */
  readonly comprehension: 0 | 1 | 2 | 3;
}

/**
 * Walks the chain whose first header (of type `firstType`, non-zero) starts at `offset`, never
 * past `end`. Yields each header or one error, then stops.
 */
export function* walkGtpuExtHeaders(
  bytes: Uint8Array,
  offset: number,
  end: number,
  firstType: number,
  limits: GtpuExtLimits = GTPU_EXT_DEFAULT_LIMITS,
): Generator<Result<GtpuExtHeaderRaw>, void, undefined> {
  let type = firstType;
  let o = offset;
  let count = 0;
  while (type !== GTPV1_NEXT_EXT_HDR_TYPE_00) {
    if (count >= limits.maxCount) {
      yield wireError('limit', o, 'Next Extension Header Type', `more than ${limits.maxCount} extension headers`);
      return;
    }
    if (o + 1 > end) {
      yield wireError('truncated', o, 'Extension Header Length', 'the message ends before the extension header');
      return;
    }
    const units = bytes[o + X.LENGTH] ?? 0;
    if (units === 0) {
      // gtp5g drops these too ("Invalid extention header length").
      yield wireError('bad-length', o, 'Extension Header Length', 'an extension header length of 0 is not allowed');
      return;
    }
    const size = units * GTPV1_EXT_HDR_LEN_UNIT;
    if (o + size > end) {
      yield wireError('truncated', o, 'Extension Header Length', `the extension header needs ${size} octets, ${end - o} remain`);
      return;
    }
    if (o + size - offset > limits.maxBytes) {
      yield wireError('limit', o, 'Extension Header Length', `extension headers longer than ${limits.maxBytes} octets`);
      return;
    }
    const next = bytes[o + size - 1] ?? 0;
    yield ok({
      type,
      offset: o,
      size,
      content: bytes.subarray(o + X.CONTENT, o + size - 1),
      next,
      comprehension: gtpuExtComprehension(type),
    });
    count++;
    o += size;
    type = next;
  }
}

// --- PDU Session Container (TS 38.415 §5.5.2) --------------------------------------------------

/**
 * DL PDU SESSION INFORMATION (PDU Type 0), Figure 5.5.2.1-1:
 *
 * ```
 *   octet 1   | PDU Type (4) | QMP | SNP | MSNP | spare |
 *   octet 2   | PPP | RQI | QoS Flow Identifier (6)    |
 *   0/1       | PPI (3) | spare (5)                    |   if PPP
 *   0/8       | DL Sending Time Stamp                  |   if QMP
 *   0/3       | DL QFI Sequence Number                 |   if SNP
 *   0/4       | DL MBS QFI Sequence Number             |   if MSNP
 *   0-3       | padding                                |
 * ```
 */
export interface DlPduSessionInformation {
  readonly kind: 'dl';
  /** QoS Flow Identifier, 0..63. */
  readonly qfi: number;
  /** Reflective QoS Indicator. */
  readonly rqi: boolean;
  /** Paging Policy Indicator, 0..7; present iff PPP. */
  readonly ppi?: number;
  /** 64-bit NTP time stamp (RFC 5905 §6); present iff QMP. */
  readonly dlSendingTimeStamp?: bigint;
  /** 24 bits; present iff SNP. */
  readonly dlQfiSequenceNumber?: number;
  /** 32 bits; present iff MSNP. */
  readonly dlMbsQfiSequenceNumber?: number;
  /** Octets after the fields when they are not the minimal zero padding. */
  readonly trailing?: Uint8Array;
}

/** The three time stamps of an UL QoS monitoring packet (QMP), 64-bit NTP format. */
export interface UlQosMonitoringTimeStamps {
  readonly dlSendingTimeStampRepeated: bigint;
  readonly dlReceivedTimeStamp: bigint;
  readonly ulSendingTimeStamp: bigint;
}

/**
 * UL PDU SESSION INFORMATION (PDU Type 1), Figure 5.5.2.2-1:
 *
 * ```
 *   octet 1   | PDU Type (4) | QMP | DL Delay Ind | UL Delay Ind | SNP |
 *   octet 2   | N3/N9 Delay Ind | New IE Flag | QoS Flow Identifier (6) |
 *   0/8 ×3    | DL Sending TS Repeated, DL Received TS, UL Sending TS     |   if QMP
 *   0/4       | DL Delay Result                                          |   if DL Delay Ind
 *   0/4       | UL Delay Result                                          |   if UL Delay Ind
 *   0/3       | UL QFI Sequence Number                                   |   if SNP
 *   0/4       | N3/N9 Delay Result                                       |   if N3/N9 Delay Ind
 *   0/1+      | New IE Flags and the IEs they announce                   |   if New IE Flag
 *   0-3       | padding                                                  |
 * ```
 */
export interface UlPduSessionInformation {
  readonly kind: 'ul';
  readonly qfi: number;
  /** Present iff QMP. */
  readonly qosMonitoring?: UlQosMonitoringTimeStamps;
  readonly dlDelayResult?: number;
  readonly ulDelayResult?: number;
  /** 24 bits; present iff SNP. */
  readonly ulQfiSequenceNumber?: number;
  readonly n3n9DelayResult?: number;
  /** New IE Flags, their IEs and the padding, undecoded; present iff the New IE Flag is set. */
  readonly newIes?: Uint8Array;
  /** Octets after the fields (no New IE Flag) when they are not the minimal zero padding. */
  readonly trailing?: Uint8Array;
}

/** A PDU Type this decoder does not know (2..15): the whole content, padding included. */
export interface OtherPduSessionInformation {
  readonly kind: 'other';
  readonly pduType: number;
  readonly content: Uint8Array;
}

export type PduSessionContainer = DlPduSessionInformation | UlPduSessionInformation | OtherPduSessionInformation;

/** Minimal zero padding after `fields` octets of content: the container is 4n − 2 octets. */
function paddingAfter(fields: number): number {
  return (4 - ((fields + 2) % 4)) % 4;
}

function isZero(b: Uint8Array): boolean {
  for (let i = 0; i < b.length; i++) if (b[i] !== 0) return false;
  return true;
}

/** What follows the decoded fields: undefined when it is exactly the minimal zero padding. */
function trailingOf(content: Uint8Array, fields: number): Uint8Array | undefined {
  const rest = content.subarray(fields);
  return rest.length === paddingAfter(fields) && isZero(rest) ? undefined : rest;
}

/**
 * Decodes a PDU Session Container's content (`content` is the extension header content, 4n − 2
 * octets). `base` is the content's offset in the caller's input, for error offsets.
 */
export function parsePduSessionContainer(content: Uint8Array, base = 0): Result<PduSessionContainer> {
  if (content.length < 2) {
    return wireError('truncated', base, 'PDU Type', 'a PDU Session Container has at least 2 octets');
  }
  const o1 = content[0] ?? 0;
  const o2 = content[1] ?? 0;
  const pduType = o1 >>> PDU_SESSION_PDU_TYPE_SHIFT;
  let o = 2;
  const need = (n: number, field: string): Result<true> =>
    o + n <= content.length
      ? ok(true)
      : wireError('bad-length', base + o, field, `the flags announce ${n} octets past the container's end`);

  if (pduType === DL_PDU_SESSION_INFORMATION) {
    let ppi: number | undefined;
    let ts: bigint | undefined;
    let sn: number | undefined;
    let mbs: number | undefined;
    if (o2 & PDU_SESSION_DL_PPP) {
      const r = need(1, 'PPI');
      if (!r.ok) return r;
      ppi = (content[o] ?? 0) >>> PDU_SESSION_DL_PPI_SHIFT;
      o += 1;
    }
    if (o1 & PDU_SESSION_DL_QMP) {
      const r = need(8, 'DL Sending Time Stamp');
      if (!r.ok) return r;
      ts = u64(content, o);
      o += 8;
    }
    if (o1 & PDU_SESSION_DL_SNP) {
      const r = need(3, 'DL QFI Sequence Number');
      if (!r.ok) return r;
      sn = u24(content, o);
      o += 3;
    }
    if (o1 & PDU_SESSION_DL_MSNP) {
      const r = need(4, 'DL MBS QFI Sequence Number');
      if (!r.ok) return r;
      mbs = u32(content, o);
      o += 4;
    }
    const trailing = trailingOf(content, o);
    return ok({
      kind: 'dl',
      qfi: o2 & PDU_SESSION_QFI_MASK,
      rqi: (o2 & PDU_SESSION_DL_RQI) !== 0,
      ...(ppi !== undefined && { ppi }),
      ...(ts !== undefined && { dlSendingTimeStamp: ts }),
      ...(sn !== undefined && { dlQfiSequenceNumber: sn }),
      ...(mbs !== undefined && { dlMbsQfiSequenceNumber: mbs }),
      ...(trailing !== undefined && { trailing }),
    });
  }

  if (pduType === UL_PDU_SESSION_INFORMATION) {
    let qos: UlQosMonitoringTimeStamps | undefined;
    let dlDelay: number | undefined;
    let ulDelay: number | undefined;
    let sn: number | undefined;
    let n3n9: number | undefined;
    if (o1 & PDU_SESSION_UL_QMP) {
      const r = need(24, 'DL Sending Time Stamp Repeated');
      if (!r.ok) return r;
      qos = {
        dlSendingTimeStampRepeated: u64(content, o),
        dlReceivedTimeStamp: u64(content, o + 8),
        ulSendingTimeStamp: u64(content, o + 16),
      };
      o += 24;
    }
    if (o1 & PDU_SESSION_UL_DL_DELAY_IND) {
      const r = need(4, 'DL Delay Result');
      if (!r.ok) return r;
      dlDelay = u32(content, o);
      o += 4;
    }
    if (o1 & PDU_SESSION_UL_UL_DELAY_IND) {
      const r = need(4, 'UL Delay Result');
      if (!r.ok) return r;
      ulDelay = u32(content, o);
      o += 4;
    }
    if (o1 & PDU_SESSION_UL_SNP) {
      const r = need(3, 'UL QFI Sequence Number');
      if (!r.ok) return r;
      sn = u24(content, o);
      o += 3;
    }
    if (o2 & PDU_SESSION_UL_N3N9_DELAY_IND) {
      const r = need(4, 'N3/N9 Delay Result');
      if (!r.ok) return r;
      n3n9 = u32(content, o);
      o += 4;
    }
    let newIes: Uint8Array | undefined;
    let trailing: Uint8Array | undefined;
    if (o2 & PDU_SESSION_UL_NEW_IE_FLAG) {
      const r = need(1, 'New IE Flags');
      if (!r.ok) return r;
      newIes = content.subarray(o);
    } else {
      trailing = trailingOf(content, o);
    }
    return ok({
      kind: 'ul',
      qfi: o2 & PDU_SESSION_QFI_MASK,
      ...(qos !== undefined && { qosMonitoring: qos }),
      ...(dlDelay !== undefined && { dlDelayResult: dlDelay }),
      ...(ulDelay !== undefined && { ulDelayResult: ulDelay }),
      ...(sn !== undefined && { ulQfiSequenceNumber: sn }),
      ...(n3n9 !== undefined && { n3n9DelayResult: n3n9 }),
      ...(newIes !== undefined && { newIes }),
      ...(trailing !== undefined && { trailing }),
    });
  }

  return ok({ kind: 'other', pduType, content });
}

/** Octets of fields (no padding) a DL or UL container writes before `trailing`/`newIes`. */
function pduSessionFieldsLen(c: DlPduSessionInformation | UlPduSessionInformation): number {
  if (c.kind === 'dl') {
    return (
      2 +
      (c.ppi !== undefined ? 1 : 0) +
      (c.dlSendingTimeStamp !== undefined ? 8 : 0) +
      (c.dlQfiSequenceNumber !== undefined ? 3 : 0) +
      (c.dlMbsQfiSequenceNumber !== undefined ? 4 : 0)
    );
  }
  return (
    2 +
    (c.qosMonitoring !== undefined ? 24 : 0) +
    (c.dlDelayResult !== undefined ? 4 : 0) +
    (c.ulDelayResult !== undefined ? 4 : 0) +
    (c.ulQfiSequenceNumber !== undefined ? 3 : 0) +
    (c.n3n9DelayResult !== undefined ? 4 : 0)
  );
}

/** Content octets of a container, padding included (always 4n − 2). */
export function pduSessionContainerContentLen(c: PduSessionContainer): number {
  if (c.kind === 'other') return c.content.length;
  const fields = pduSessionFieldsLen(c);
  const tail = c.kind === 'ul' ? (c.newIes ?? c.trailing) : c.trailing;
  return tail !== undefined ? fields + tail.length : fields + paddingAfter(fields);
}

function checkRange(value: number, max: number, what: string): void {
  if (!Number.isInteger(value) || value < 0 || value > max) {
    throw new RangeError(`PDU Session Container: ${what} ${value} is outside 0..${max}`);
  }
}

function checkU64(value: bigint, what: string): void {
  if (value < 0n || value > 0xffffffffffffffffn) {
    throw new RangeError(`PDU Session Container: ${what} does not fit 64 bits`);
  }
}

/** Writes a container's content (see {@link pduSessionContainerContentLen}); returns its size. */
export function emitPduSessionContainer(c: PduSessionContainer, bytes: Uint8Array, offset = 0): number {
  const len = pduSessionContainerContentLen(c);
  if ((len + 2) % GTPV1_EXT_HDR_LEN_UNIT !== 0) {
    throw new RangeError(`PDU Session Container: ${len} content octets is not 4n - 2`);
  }
  if (offset + len > bytes.length) throw new RangeError('PDU Session Container: buffer too small');
  if (c.kind === 'other') {
    checkRange(c.pduType, 15, 'PDU Type');
    if (c.pduType === DL_PDU_SESSION_INFORMATION || c.pduType === UL_PDU_SESSION_INFORMATION) {
      throw new RangeError('PDU Session Container: PDU Types 0 and 1 have their own kinds');
    }
    if (c.content.length < 2 || (c.content[0] ?? 0) >>> PDU_SESSION_PDU_TYPE_SHIFT !== c.pduType) {
      throw new RangeError('PDU Session Container: content does not start with its PDU Type');
    }
    bytes.set(c.content, offset);
    return len;
  }
  checkRange(c.qfi, PDU_SESSION_QFI_MASK, 'QFI');
  let o = offset + 2;
  let tail: Uint8Array | undefined;
  if (c.kind === 'dl') {
    let o1 = DL_PDU_SESSION_INFORMATION << PDU_SESSION_PDU_TYPE_SHIFT;
    let o2 = c.qfi | (c.rqi ? PDU_SESSION_DL_RQI : 0);
    if (c.ppi !== undefined) {
      checkRange(c.ppi, 7, 'PPI');
      o2 |= PDU_SESSION_DL_PPP;
      bytes[o++] = c.ppi << PDU_SESSION_DL_PPI_SHIFT;
    }
    if (c.dlSendingTimeStamp !== undefined) {
      checkU64(c.dlSendingTimeStamp, 'DL Sending Time Stamp');
      o1 |= PDU_SESSION_DL_QMP;
      setU64(bytes, o, c.dlSendingTimeStamp);
      o += 8;
    }
    if (c.dlQfiSequenceNumber !== undefined) {
      checkRange(c.dlQfiSequenceNumber, 0xffffff, 'DL QFI Sequence Number');
      o1 |= PDU_SESSION_DL_SNP;
      setU24(bytes, o, c.dlQfiSequenceNumber);
      o += 3;
    }
    if (c.dlMbsQfiSequenceNumber !== undefined) {
      checkRange(c.dlMbsQfiSequenceNumber, 0xffffffff, 'DL MBS QFI Sequence Number');
      o1 |= PDU_SESSION_DL_MSNP;
      setU32(bytes, o, c.dlMbsQfiSequenceNumber);
      o += 4;
    }
    bytes[offset] = o1;
    bytes[offset + 1] = o2;
    tail = c.trailing;
  } else {
    let o1 = UL_PDU_SESSION_INFORMATION << PDU_SESSION_PDU_TYPE_SHIFT;
    let o2 = c.qfi;
    if (c.qosMonitoring !== undefined) {
      const q = c.qosMonitoring;
      checkU64(q.dlSendingTimeStampRepeated, 'DL Sending Time Stamp Repeated');
      checkU64(q.dlReceivedTimeStamp, 'DL Received Time Stamp');
      checkU64(q.ulSendingTimeStamp, 'UL Sending Time Stamp');
      o1 |= PDU_SESSION_UL_QMP;
      setU64(bytes, o, q.dlSendingTimeStampRepeated);
      setU64(bytes, o + 8, q.dlReceivedTimeStamp);
      setU64(bytes, o + 16, q.ulSendingTimeStamp);
      o += 24;
    }
    if (c.dlDelayResult !== undefined) {
      checkRange(c.dlDelayResult, 0xffffffff, 'DL Delay Result');
      o1 |= PDU_SESSION_UL_DL_DELAY_IND;
      setU32(bytes, o, c.dlDelayResult);
      o += 4;
    }
    if (c.ulDelayResult !== undefined) {
      checkRange(c.ulDelayResult, 0xffffffff, 'UL Delay Result');
      o1 |= PDU_SESSION_UL_UL_DELAY_IND;
      setU32(bytes, o, c.ulDelayResult);
      o += 4;
    }
    if (c.ulQfiSequenceNumber !== undefined) {
      checkRange(c.ulQfiSequenceNumber, 0xffffff, 'UL QFI Sequence Number');
      o1 |= PDU_SESSION_UL_SNP;
      setU24(bytes, o, c.ulQfiSequenceNumber);
      o += 3;
    }
    if (c.n3n9DelayResult !== undefined) {
      checkRange(c.n3n9DelayResult, 0xffffffff, 'N3/N9 Delay Result');
      o2 |= PDU_SESSION_UL_N3N9_DELAY_IND;
      setU32(bytes, o, c.n3n9DelayResult);
      o += 4;
    }
    if (c.newIes !== undefined) {
      if (c.trailing !== undefined) throw new RangeError('PDU Session Container: newIes and trailing exclude each other');
      if (c.newIes.length === 0) throw new RangeError('PDU Session Container: New IE Flags need at least one octet');
      o2 |= PDU_SESSION_UL_NEW_IE_FLAG;
      tail = c.newIes;
    } else {
      tail = c.trailing;
    }
    bytes[offset] = o1;
    bytes[offset + 1] = o2;
  }
  if (tail !== undefined) {
    bytes.set(tail, o);
  } else {
    bytes.fill(0, o, offset + len);
  }
  return len;
}

// --- Typed extension headers -------------------------------------------------------------------

/**
 * A decoded extension header. Types with a fixed layout are typed; `opaque` keeps any other
 * type (RAN, Xw RAN and NR RAN Containers, control-plane-only and unknown types) with its
 * content; its comprehension bits are `gtpuExtComprehension(type)`.
 */
export type GtpuExtHeader =
  | { readonly kind: 'pdu-session-container'; readonly container: PduSessionContainer }
  /** §5.2.2.1: the UDP source port of the G-PDU that triggered an Error Indication. */
  | { readonly kind: 'udp-port'; readonly port: number }
  /** §5.2.2.2: 16 bits. */
  | { readonly kind: 'pdcp-pdu-number'; readonly pdcpPduNumber: number }
  /** §5.2.2.2A: 18 bits; sent as type 0x03, earlier releases sent 0x82. */
  | { readonly kind: 'long-pdcp-pdu-number'; readonly type: 0x03 | 0x82; readonly pdcpPduNumber: number }
  /** §5.2.2.3: one octet. */
  | { readonly kind: 'service-class-indicator'; readonly serviceClassIndicator: number }
  | { readonly kind: 'opaque'; readonly type: number; readonly content: Uint8Array };

/** Types decoded into their own kinds; `opaque` may not use them. */
function isTypedExtType(type: number): boolean {
  switch (type) {
    case GTPV1_NEXT_EXT_HDR_TYPE_85:
    case GTPV1_NEXT_EXT_HDR_TYPE_40:
    case GTPV1_NEXT_EXT_HDR_TYPE_C0:
    case GTPV1_NEXT_EXT_HDR_TYPE_03:
    case GTPV1_NEXT_EXT_HDR_TYPE_82:
    case GTPV1_NEXT_EXT_HDR_TYPE_20:
      return true;
    default:
      return false;
  }
}

/** Content octets of the fixed-size typed headers (4 × Length − 2). */
const FIXED_CONTENT = {
  UDP_PORT: 2,
  PDCP_PDU_NUMBER: 2,
  LONG_PDCP_PDU_NUMBER: 6,
  SERVICE_CLASS_INDICATOR: 2,
} as const;
const LONG_PDCP_MASK = 0x3ffff;

export function gtpuExtHeaderType(h: GtpuExtHeader): number {
  switch (h.kind) {
    case 'pdu-session-container':
      return GTPV1_NEXT_EXT_HDR_TYPE_85;
    case 'udp-port':
      return GTPV1_NEXT_EXT_HDR_TYPE_40;
    case 'pdcp-pdu-number':
      return GTPV1_NEXT_EXT_HDR_TYPE_C0;
    case 'long-pdcp-pdu-number':
      return h.type;
    case 'service-class-indicator':
      return GTPV1_NEXT_EXT_HDR_TYPE_20;
    case 'opaque':
      return h.type;
  }
}

/** Decodes one raw header's content. Error offsets are those of `raw` (the caller's input). */
export function parseGtpuExtHeader(raw: GtpuExtHeaderRaw): Result<GtpuExtHeader> {
  const c = raw.content;
  const base = raw.offset + X.CONTENT;
  const fixed = (n: number, name: string): Result<true> =>
    c.length === n
      ? ok(true)
      : wireError('bad-length', raw.offset, 'Extension Header Length', `${name} has length ${(n + 2) / 4}, not ${raw.size / 4}`);
  switch (raw.type) {
    case GTPV1_NEXT_EXT_HDR_TYPE_85: {
      const r = parsePduSessionContainer(c, base);
      return r.ok ? ok({ kind: 'pdu-session-container', container: r.value }) : r;
    }
    case GTPV1_NEXT_EXT_HDR_TYPE_40: {
      const r = fixed(FIXED_CONTENT.UDP_PORT, 'UDP Port');
      return r.ok ? ok({ kind: 'udp-port', port: u16(c, 0) }) : r;
    }
    case GTPV1_NEXT_EXT_HDR_TYPE_C0: {
      const r = fixed(FIXED_CONTENT.PDCP_PDU_NUMBER, 'PDCP PDU Number');
      return r.ok ? ok({ kind: 'pdcp-pdu-number', pdcpPduNumber: u16(c, 0) }) : r;
    }
    case GTPV1_NEXT_EXT_HDR_TYPE_03:
    case GTPV1_NEXT_EXT_HDR_TYPE_82: {
      const r = fixed(FIXED_CONTENT.LONG_PDCP_PDU_NUMBER, 'Long PDCP PDU Number');
      return r.ok ? ok({ kind: 'long-pdcp-pdu-number', type: raw.type, pdcpPduNumber: u24(c, 0) & LONG_PDCP_MASK }) : r;
    }
    case GTPV1_NEXT_EXT_HDR_TYPE_20: {
      const r = fixed(FIXED_CONTENT.SERVICE_CLASS_INDICATOR, 'Service Class Indicator');
      return r.ok ? ok({ kind: 'service-class-indicator', serviceClassIndicator: c[0] ?? 0 }) : r;
    }
    default:
      return ok({ kind: 'opaque', type: raw.type, content: c });
  }
}

function contentLen(h: GtpuExtHeader): number {
  switch (h.kind) {
    case 'pdu-session-container':
      return pduSessionContainerContentLen(h.container);
    case 'udp-port':
      return FIXED_CONTENT.UDP_PORT;
    case 'pdcp-pdu-number':
      return FIXED_CONTENT.PDCP_PDU_NUMBER;
    case 'long-pdcp-pdu-number':
      return FIXED_CONTENT.LONG_PDCP_PDU_NUMBER;
    case 'service-class-indicator':
      return FIXED_CONTENT.SERVICE_CLASS_INDICATOR;
    case 'opaque':
      return h.content.length;
  }
}

/** Octets one extension header takes: Length, content, Next. */
export function gtpuExtHeaderBufferLen(h: GtpuExtHeader): number {
  return contentLen(h) + 2;
}

/** Octets a chain takes. */
export function gtpuExtChainBufferLen(headers: readonly GtpuExtHeader[]): number {
  let n = 0;
  for (const h of headers) n += gtpuExtHeaderBufferLen(h);
  return n;
}

/** Writes one extension header followed by `next`; returns its size. Throws on a bad value. */
export function emitGtpuExtHeader(h: GtpuExtHeader, next: number, bytes: Uint8Array, offset = 0): number {
  const size = gtpuExtHeaderBufferLen(h);
  if (size % GTPV1_EXT_HDR_LEN_UNIT !== 0 || size / GTPV1_EXT_HDR_LEN_UNIT > 0xff) {
    throw new RangeError(`GTP-U extension header of ${size} octets is not 4..1020 in steps of 4`);
  }
  if (offset + size > bytes.length) throw new RangeError('GTP-U extension header: buffer too small');
  const c = offset + X.CONTENT;
  switch (h.kind) {
    case 'pdu-session-container':
      emitPduSessionContainer(h.container, bytes, c);
      break;
    case 'udp-port':
      checkRange(h.port, 0xffff, 'UDP Port');
      setU16(bytes, c, h.port);
      break;
    case 'pdcp-pdu-number':
      checkRange(h.pdcpPduNumber, 0xffff, 'PDCP PDU Number');
      setU16(bytes, c, h.pdcpPduNumber);
      break;
    case 'long-pdcp-pdu-number':
      if (h.type !== GTPV1_NEXT_EXT_HDR_TYPE_03 && h.type !== GTPV1_NEXT_EXT_HDR_TYPE_82) {
        throw new RangeError(`Long PDCP PDU Number: type ${h.type} is not 0x03 or 0x82`);
      }
      checkRange(h.pdcpPduNumber, LONG_PDCP_MASK, 'Long PDCP PDU Number');
      setU24(bytes, c, h.pdcpPduNumber);
      bytes.fill(0, c + 3, c + FIXED_CONTENT.LONG_PDCP_PDU_NUMBER);
      break;
    case 'service-class-indicator':
      checkRange(h.serviceClassIndicator, 0xff, 'Service Class Indicator');
      bytes[c] = h.serviceClassIndicator;
      bytes[c + 1] = 0;
      break;
    case 'opaque':
      checkRange(h.type, 0xff, 'extension header type');
      if (h.type === GTPV1_NEXT_EXT_HDR_TYPE_00 || isTypedExtType(h.type)) {
        throw new RangeError(`GTP-U extension header type ${h.type} cannot be opaque`);
      }
      bytes.set(h.content, c);
      break;
  }
  bytes[offset + X.LENGTH] = size / GTPV1_EXT_HDR_LEN_UNIT;
  checkRange(next, 0xff, 'Next Extension Header Type');
  bytes[offset + size - 1] = next;
  return size;
}

/** Writes a chain; the last header's Next is 0. Returns the octets written. */
export function emitGtpuExtChain(headers: readonly GtpuExtHeader[], bytes: Uint8Array, offset = 0): number {
  let o = offset;
  for (let i = 0; i < headers.length; i++) {
    const h = headers[i];
    if (h === undefined) continue;
    const after = headers[i + 1];
    o += emitGtpuExtHeader(h, after === undefined ? GTPV1_NEXT_EXT_HDR_TYPE_00 : gtpuExtHeaderType(after), bytes, o);
  }
  return o - offset;
}

/**
 * Walks and decodes a whole chain: the first header, of type `firstType`, starts at `offset`;
 * nothing past `end` is read. Returns the headers and the offset after the chain.
 */
export function parseGtpuExtChain(
  bytes: Uint8Array,
  offset: number,
  end: number,
  firstType: number,
  limits: GtpuExtLimits = GTPU_EXT_DEFAULT_LIMITS,
): Result<{ readonly headers: GtpuExtHeader[]; readonly end: number }> {
  const headers: GtpuExtHeader[] = [];
  let o = offset;
  for (const r of walkGtpuExtHeaders(bytes, offset, end, firstType, limits)) {
    if (!r.ok) return r;
    const h = parseGtpuExtHeader(r.value);
    if (!h.ok) return h;
    headers.push(h.value);
    o = r.value.offset + r.value.size;
  }
  return ok({ headers, end: o });
}
