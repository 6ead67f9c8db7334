/**
 * Dissecting Hop-by-Hop and Destination Options headers (RFC 8200 §4.3, §4.6): every option as
 * an "option" child with its action bits, and IOAM options (RFC 9486) as "ioam" children decoded
 * in full: trace header and one "ioam-hop" per filled node entry (RFC 9197 §4.4), Edge-to-Edge,
 * Proof of Transit and Direct Export (RFC 9326).
 *
 * Values Linux writes when it has nothing to report (IOAM6_U32_UNAVAILABLE and friends, all ones
 * in the field's width) are displayed as "unavailable".
 */

import {
  IOAM6_TRACE_HDR_LEN,
  IOAM6_TRACE_HDR_NAMESPACE_ID,
  IOAM6_TRACE_HDR_NODELEN,
  IOAM6_TRACE_HDR_REMLEN,
  IOAM6_TRACE_HDR_TYPE,
  IOAM6_TRACE_NODELEN_MASK,
  IOAM6_TRACE_NODELEN_SHIFT,
  IOAM6_TRACE_REMLEN_MASK,
  IOAM6_HDR_LEN,
  IOAM6_OSS_SCHEMA_UNAVAILABLE,
  IOAM_OPTION_TYPE,
  IOAM_TRACE_FLAG_ACTIVE,
  IOAM_TRACE_FLAG_LOOPBACK,
  IOAM_TRACE_FLAG_OVERFLOW,
  IPV6_TLV_IOAM_NOCHANGE,
} from '../uapi/ioam6.ts';
import { IPV6_TLV_IOAM, IPV6_TLV_JUMBO, IPV6_TLV_PAD1, IPV6_TLV_PADN, IPV6_TLV_ROUTERALERT } from '../uapi/in6.ts';
import { NEXTHDR_HOP } from '../uapi/ipv6.ts';
import { toHex, u16, u24 } from './bytes.ts';
import { LayerBuilder, hex, hexBig, ipProtocolName, named, shortHex } from './dissect-core.ts';
import type { DissectContext, Layer } from './dissect-core.ts';
import type { IoamDexRepr, IoamE2eRepr, IoamOptionRepr, IoamPotRepr } from './ioam.ts';
import { parseIoamOption } from './ioam.ts';
import type { IoamNodeRepr, IoamTraceRepr } from './ioam-trace.ts';
import { ioamNodeBufferLen } from './ioam-trace.ts';
import { OptionCursor, decodeOption, optionAction, optionMayChange } from './ipv6-options.ts';

/** IANA "Destination Options and Hop-by-Hop Options" names for the types we may meet. */
const OPTION_NAMES: ReadonlyMap<number, string> = new Map([
  [IPV6_TLV_PAD1, 'Pad1'],
  [IPV6_TLV_PADN, 'PadN'],
  [0x04, 'Tunnel Encapsulation Limit'],
  [IPV6_TLV_ROUTERALERT, 'Router Alert'],
  [0x07, 'CALIPSO'],
  [0x08, 'SMF_DPD'],
  [IPV6_TLV_IOAM_NOCHANGE, 'IOAM'],
  [0x26, 'Quick-Start'],
  [IPV6_TLV_IOAM, 'IOAM'],
  [0x30, 'Minimum Path MTU'],
  [0x63, 'RPL Option'],
  [0x6d, 'MPL Option'],
  [0x8b, 'ILNP Nonce'],
  [0x8c, 'Line-Identification'],
  [IPV6_TLV_JUMBO, 'Jumbo Payload'],
  [0xc9, 'Home Address'],
  [0xee, 'IP_DFF'],
]);

const IOAM_TYPE_NAMES: ReadonlyMap<number, string> = new Map([
  [IOAM_OPTION_TYPE.PREALLOC_TRACE, 'Pre-allocated Trace'],
  [IOAM_OPTION_TYPE.INCREMENTAL_TRACE, 'Incremental Trace'],
  [IOAM_OPTION_TYPE.POT, 'Proof of Transit'],
  [IOAM_OPTION_TYPE.E2E, 'Edge-to-Edge'],
  [IOAM_OPTION_TYPE.DEX, 'Direct Export'],
]);

/** "unavailable (0x...)" when `v` is all ones in `bits`, else hex. */
function maybeUnavailable(v: number, bits: number): string {
  const ones = bits === 32 ? 0xffffffff : 2 ** bits - 1;
  return v === ones ? `unavailable (${hex(v)})` : hex(v);
}

function maybeUnavailableBig(v: bigint, bits: number): string {
  return v === (1n << BigInt(bits)) - 1n ? `unavailable (${hexBig(v)})` : hexBig(v);
}

/** Display for a plain counter field: the number, or "unavailable". */
function countOrUnavailable(v: number, bits: number): string {
  return v === 2 ** bits - 1 ? `unavailable (${hex(v)})` : String(v);
}

function traceFlagsText(flags: number): string {
  const names: string[] = [];
  if (flags & IOAM_TRACE_FLAG_OVERFLOW) names.push('overflow');
  if (flags & IOAM_TRACE_FLAG_LOOPBACK) names.push('loopback');
  if (flags & IOAM_TRACE_FLAG_ACTIVE) names.push('active');
  return names.length === 0 ? hex(flags) : `${hex(flags)} (${names.join(', ')})`;
}

function hopLayer(node: IoamNodeRepr, index: number, offset: number, length: number): Layer {
  const l = new LayerBuilder('ioam-hop', offset, length);
  l.add('index', index);
  if (node.hopLimitNodeId !== undefined) {
    l.add('hop_limit', node.hopLimitNodeId.hopLimit);
    l.add('node_id', node.hopLimitNodeId.nodeId, maybeUnavailable(node.hopLimitNodeId.nodeId, 24));
  }
  if (node.ifIds !== undefined) {
    l.add('ingress_if', node.ifIds.ingress, countOrUnavailable(node.ifIds.ingress, 16));
    l.add('egress_if', node.ifIds.egress, countOrUnavailable(node.ifIds.egress, 16));
  }
  if (node.timestampSecs !== undefined) l.add('timestamp_secs', node.timestampSecs, countOrUnavailable(node.timestampSecs, 32));
  if (node.timestampFrac !== undefined) l.add('timestamp_frac', node.timestampFrac, countOrUnavailable(node.timestampFrac, 32));
  if (node.transitDelay !== undefined) l.add('transit_delay', node.transitDelay, countOrUnavailable(node.transitDelay, 32));
  if (node.namespaceData !== undefined) l.add('namespace_data', node.namespaceData, maybeUnavailable(node.namespaceData, 32));
  if (node.queueDepth !== undefined) l.add('queue_depth', node.queueDepth, countOrUnavailable(node.queueDepth, 32));
  if (node.checksumComplement !== undefined) {
    l.add('checksum_complement', node.checksumComplement, maybeUnavailable(node.checksumComplement, 32));
  }
  if (node.hopLimitNodeIdWide !== undefined) {
    l.add('hop_limit_wide', node.hopLimitNodeIdWide.hopLimit);
    l.add('node_id_wide', node.hopLimitNodeIdWide.nodeId, maybeUnavailableBig(node.hopLimitNodeIdWide.nodeId, 56));
  }
  if (node.ifIdsWide !== undefined) {
    l.add('ingress_if_wide', node.ifIdsWide.ingress, countOrUnavailable(node.ifIdsWide.ingress, 32));
    l.add('egress_if_wide', node.ifIdsWide.egress, countOrUnavailable(node.ifIdsWide.egress, 32));
  }
  if (node.namespaceDataWide !== undefined) {
    l.add('namespace_data_wide', node.namespaceDataWide, maybeUnavailableBig(node.namespaceDataWide, 64));
  }
  if (node.bufferOccupancy !== undefined) l.add('buffer_occupancy', node.bufferOccupancy, countOrUnavailable(node.bufferOccupancy, 32));
  node.undefinedFields?.forEach((v, i) => l.add(`undefined_${i}`, v, maybeUnavailable(v, 32)));
  if (node.opaqueState !== undefined) {
    const { schemaId, data } = node.opaqueState;
    // Linux writes Length 0 and Schema ID 0xffffff when the namespace has no schema.
    const none = schemaId === IOAM6_OSS_SCHEMA_UNAVAILABLE && data.length === 0;
    l.add('opaque_schema_id', schemaId, none ? `unavailable (${hex(schemaId)})` : undefined);
    l.add('opaque_length', data.length / 4, `${data.length / 4} (${data.length} octets)`);
    l.add('opaque_data', toHex(data), shortHex(data));
  }
  return l.build();
}

/** Filled hops plus the whole entries the free space still holds (fixed-size entries only). */
function traceCapacity(trace: IoamTraceRepr): number {
  const entry = trace.nodeLen * 4;
  return entry === 0 ? trace.hops.length : trace.hops.length + Math.floor(trace.freeSpace.length / entry);
}

function traceLayer(trace: IoamTraceRepr, incremental: boolean, offset: number, length: number): Layer {
  const l = new LayerBuilder('ioam-trace', offset, length);
  l.add('namespace_id', trace.namespaceId);
  l.add('node_len', trace.nodeLen, `${trace.nodeLen} (${trace.nodeLen * 4} octets)`);
  l.add('flags', trace.flags, traceFlagsText(trace.flags));
  l.add('overflow', (trace.flags & IOAM_TRACE_FLAG_OVERFLOW) !== 0);
  l.add('remaining_len', trace.remainingLen, `${trace.remainingLen} (${trace.remainingLen * 4} octets)`);
  l.add('trace_type', trace.traceType, hex(trace.traceType, 6));
  l.add('reserved', trace.reserved);
  if (!incremental) l.add('free_space', trace.freeSpace.length, `${trace.freeSpace.length} octets`);
  l.add('hops', trace.hops.length);
  let p = offset + IOAM6_TRACE_HDR_LEN + trace.freeSpace.length;
  trace.hops.forEach((hop, i) => {
    const len = ioamNodeBufferLen(hop, trace.traceType);
    l.children.push(hopLayer(hop, i, p, len));
    p += len;
  });
  return l.build();
}

function e2eLayer(e: IoamE2eRepr, offset: number, length: number): Layer {
  const l = new LayerBuilder('ioam-e2e', offset, length);
  l.add('namespace_id', e.namespaceId);
  l.add('e2e_type', e.e2eType, hex(e.e2eType, 4));
  if (e.sequenceNumber64 !== undefined) l.add('sequence_number_64', e.sequenceNumber64);
  if (e.sequenceNumber32 !== undefined) l.add('sequence_number_32', e.sequenceNumber32);
  if (e.timestampSecs !== undefined) l.add('timestamp_secs', e.timestampSecs);
  if (e.timestampFrac !== undefined) l.add('timestamp_frac', e.timestampFrac);
  if (e.rest.length > 0) l.add('data', toHex(e.rest), shortHex(e.rest));
  return l.build();
}

function potLayer(p: IoamPotRepr, offset: number, length: number): Layer {
  const l = new LayerBuilder('ioam-pot', offset, length);
  l.add('namespace_id', p.namespaceId);
  l.add('pot_type', p.potType);
  l.add('pot_flags', p.potFlags, hex(p.potFlags, 2));
  l.add('data', toHex(p.data), shortHex(p.data));
  return l.build();
}

function dexLayer(d: IoamDexRepr, offset: number, length: number): Layer {
  const l = new LayerBuilder('ioam-dex', offset, length);
  l.add('namespace_id', d.namespaceId);
  l.add('flags', d.flags, hex(d.flags, 2));
  l.add('extension_flags', d.extensionFlags, hex(d.extensionFlags, 2));
  l.add('trace_type', d.traceType, hex(d.traceType, 6));
  l.add('reserved', d.reserved);
  if (d.flowId !== undefined) l.add('flow_id', d.flowId);
  if (d.sequenceNumber !== undefined) l.add('sequence_number', d.sequenceNumber);
  if (d.rest.length > 0) l.add('data', toHex(d.rest), shortHex(d.rest));
  return l.build();
}

/** The summary text of one IOAM option. */
function ioamSummary(r: IoamOptionRepr): string {
  switch (r.kind) {
    case 'trace': {
      const t = r.trace;
      const hops = r.incremental ? `${t.hops.length}` : `${t.hops.length}/${traceCapacity(t)}`;
      const over = t.flags & IOAM_TRACE_FLAG_OVERFLOW ? ' overflow' : '';
      return `IOAM(ns ${t.namespaceId} trace ${hex(t.traceType, 6)} hops ${hops}${over})`;
    }
    case 'pot':
      return `IOAM(pot ns ${r.pot.namespaceId})`;
    case 'e2e':
      return `IOAM(e2e ns ${r.e2e.namespaceId})`;
    case 'dex':
      return `IOAM(dex ns ${r.dex.namespaceId})`;
    case 'unknown':
      return `IOAM(type ${r.ioamType})`;
  }
}

/**
 * What a trace header says, read straight from the bytes: shown when the trace as a whole does
 * not decode, so the reader still sees the fields that made it fail.
 */
function rawTraceHeader(l: LayerBuilder, b: Uint8Array, at: number, end: number): void {
  if (end - at < IOAM6_TRACE_HDR_LEN) return;
  const nodeLen = ((b[at + IOAM6_TRACE_HDR_NODELEN] ?? 0) & IOAM6_TRACE_NODELEN_MASK) >>> IOAM6_TRACE_NODELEN_SHIFT;
  const remLen = (b[at + IOAM6_TRACE_HDR_REMLEN] ?? 0) & IOAM6_TRACE_REMLEN_MASK;
  const traceType = u24(b, at + IOAM6_TRACE_HDR_TYPE);
  l.add('namespace_id', u16(b, at + IOAM6_TRACE_HDR_NAMESPACE_ID));
  l.add('node_len', nodeLen, `${nodeLen} (${nodeLen * 4} octets)`);
  l.add('remaining_len', remLen, `${remLen} (${remLen * 4} octets)`);
  l.add('trace_type', traceType, hex(traceType, 6));
}

function optionBase(protocol: string, c: OptionCursor): LayerBuilder {
  const l = new LayerBuilder(protocol, c.offset, c.length);
  l.add('type', c.type, `${hex(c.type, 2)} (${OPTION_NAMES.get(c.type) ?? 'unknown'})`);
  if (c.type !== IPV6_TLV_PAD1) {
    l.add('action', (c.type >>> 6) & 3, optionAction(c.type));
    l.add('may_change', optionMayChange(c.type));
    l.add('length', c.dataLength);
  }
  return l;
}

/** Decodes the IOAM option under the cursor; returns its summary text, or undefined on error. */
function ioamOption(ctx: DissectContext, parent: LayerBuilder, c: OptionCursor): string | undefined {
  const b = c.bytes;
  const l = optionBase('ioam', c);
  const r = parseIoamOption(b, c.offset);
  const ioamType = c.dataLength >= 2 ? (b[c.offset + 3] ?? 0) : -1;
  if (c.dataLength >= 2) {
    l.add('reserved', b[c.offset + 2] ?? 0);
    l.add('ioam_type', ioamType, named(IOAM_TYPE_NAMES.get(ioamType), ioamType));
  }
  const body = c.offset + IOAM6_HDR_LEN;
  const bodyLen = c.offset + c.length - body;
  if (!r.ok) {
    if (ioamType === IOAM_OPTION_TYPE.PREALLOC_TRACE || ioamType === IOAM_OPTION_TYPE.INCREMENTAL_TRACE) {
      rawTraceHeader(l, b, body, c.offset + c.length);
    }
    ctx.fail(l, r.error);
    parent.children.push(l.build());
    return undefined;
  }
  const v = r.value;
  switch (v.kind) {
    case 'trace':
      l.children.push(traceLayer(v.trace, v.incremental, body, bodyLen));
      break;
    case 'e2e':
      l.children.push(e2eLayer(v.e2e, body, bodyLen));
      break;
    case 'pot':
      l.children.push(potLayer(v.pot, body, bodyLen));
      break;
    case 'dex':
      l.children.push(dexLayer(v.dex, body, bodyLen));
      break;
    case 'unknown':
      l.add('data', toHex(v.data), shortHex(v.data));
      break;
  }
  parent.children.push(l.build());
  return ioamSummary(v);
}

/** Decodes an ordinary option; returns its summary text ('' for padding), undefined on error. */
function plainOption(ctx: DissectContext, parent: LayerBuilder, c: OptionCursor): string | undefined {
  const l = optionBase('option', c);
  const r = decodeOption(c);
  if (!r.ok) {
    ctx.fail(l, r.error);
    parent.children.push(l.build());
    return undefined;
  }
  const o = r.value;
  let text: string;
  switch (o.kind) {
    case 'pad1':
      text = '';
      break;
    case 'padn':
      if (o.data.length > 0) l.add('data', toHex(o.data), shortHex(o.data));
      text = '';
      break;
    case 'router-alert':
      l.add('router_alert', o.value, o.value === 0 ? 'MLD (0)' : String(o.value));
      text = `RA(${o.value})`;
      break;
    case 'jumbo':
      l.add('jumbo_payload_length', o.payloadLength);
      text = `jumbo(${o.payloadLength})`;
      break;
    case 'unknown':
      l.add('data', toHex(o.data), shortHex(o.data));
      text = `opt(${hex(o.type, 2)})`;
      break;
  }
  parent.children.push(l.build());
  return text;
}

/**
 * Dissects the Hop-by-Hop (`type` 0) or Destination Options header at `offset` of `b` (its
 * length already checked by the extension-header walk). Returns the layer and its summary text
 * ("HBH IOAM(...)", "DSTOPT"); on a malformed option the layer carries the error.
 */
export function dissectOptionsHeader(ctx: DissectContext, b: Uint8Array, offset: number, length: number, type: number): {
  readonly layer: Layer;
  readonly summary: string;
} {
  const hbh = type === NEXTHDR_HOP;
  const l = new LayerBuilder(hbh ? 'hbh' : 'dstopts', offset, length);
  l.add('next_header', b[offset] ?? 0, named(ipProtocolName(b[offset] ?? 0), b[offset] ?? 0));
  l.add('hdr_ext_len', b[offset + 1] ?? 0, `${b[offset + 1] ?? 0} (${length} octets)`);
  const parts: string[] = [hbh ? 'HBH' : 'DSTOPT'];
  const c = new OptionCursor().reset(b, offset);
  while (c.next()) {
    const t = c.type === IPV6_TLV_IOAM || c.type === IPV6_TLV_IOAM_NOCHANGE ? ioamOption(ctx, l, c) : plainOption(ctx, l, c);
    if (t === undefined) return { layer: l.build(), summary: parts.join(' ') };
    if (t !== '') parts.push(t);
  }
  if (c.error !== undefined) ctx.fail(l, c.error);
  return { layer: l.build(), summary: parts.join(' ') };
}
