/**
 * Dissecting what IP carries: UDP (RFC 768, checksum over the pseudo-header), TCP (ports only),
 * ICMPv6 (RFC 4443, RFC 4861 targets) and ICMP (RFC 792), whose error messages' invoking
 * packets are decoded as "ipv6"/"ipv4" children, and GTP-U (TS 29.281) on the configured UDP
 * ports, with its extension headers, its IEs, and the T-PDU decoded as the next layers.
 *
 * No codec decodes TCP or ICMP (IPv4); their few fields are read here from the RFC layouts.
 */

import {
  GTPU_EXT_HDR_TYPE_NAMES,
  GTPU_MESSAGE_TYPE_NAMES,
  GTPV1_IE_EXT_HDR_TYPE_LIST,
  GTPV1_IE_GTPU_PEER_ADDR,
  GTPV1_IE_PRIVATE_EXT,
  GTPV1_IE_RECOVERY,
  GTPV1_IE_RECOVERY_TIME_STAMP,
  GTPV1_IE_TEID_DATA_I,
  GTPV1_IE_TUNNEL_STATUS_INFO,
  GTPV1_MSG_TYPE_TPDU,
  GTPV1_NEXT_EXT_HDR_TYPE_85,
} from '../uapi/gtpu.ts';
import {
  ICMPV6_DEST_UNREACH,
  ICMPV6_ECHO_REPLY,
  ICMPV6_ECHO_REQUEST,
  ICMPV6_EXT_ECHO_REPLY,
  ICMPV6_EXT_ECHO_REQUEST,
  ICMPV6_MGM_QUERY,
  ICMPV6_MGM_REDUCTION,
  ICMPV6_MGM_REPORT,
  ICMPV6_MLD2_REPORT,
  ICMPV6_PARAMPROB,
  ICMPV6_PKT_TOOBIG,
  ICMPV6_TIME_EXCEED,
  NDISC_NEIGHBOUR_ADVERTISEMENT,
  NDISC_NEIGHBOUR_SOLICITATION,
  NDISC_REDIRECT,
  NDISC_ROUTER_ADVERTISEMENT,
  NDISC_ROUTER_SOLICITATION,
} from '../uapi/icmpv6.ts';
import { formatIpv4Address, formatIpv6Address } from './address.ts';
import { toHex, u16, u32 } from './bytes.ts';
import { checksum } from './checksum.ts';
import { LayerBuilder, MAX_NESTING, at, hex, hexBig, named, payloadLayer, shortHex } from './dissect-core.ts';
import type { Decoded, DissectContext, Layer } from './dissect-core.ts';
import { GtpuView, parseGtpuIes, gtpuIesBufferLen } from './gtpu.ts';
import type { GtpuIe } from './gtpu.ts';
import { parseGtpuExtHeader } from './gtpu-ext.ts';
import type { GtpuExtHeader, GtpuExtHeaderRaw, PduSessionContainer } from './gtpu-ext.ts';
import { ICMPV6_HEADER_LEN, Icmpv6View, icmpv6IsError } from './icmpv6.ts';
import { UDP_HEADER_LEN, UdpView } from './udp.ts';
import type { WireError } from './result.ts';

/** What the transport dissectors need from the IP layer below. */
export interface IpInfo {
  readonly family: 'ipv4' | 'ipv6';
  readonly src: Uint8Array;
  /** The final destination for the pseudo-header (after a routing header), if known. */
  readonly dst: Uint8Array | undefined;
  /** The upper layer may be cut short: a first fragment, or a quoted packet. */
  readonly partial: boolean;
}

/** A transport's layers and summary, plus its ports for the address part of the summary. */
export interface Upper extends Decoded {
  readonly ports?: readonly [number, number];
}

function truncatedError(offset: number, field: string, message: string): WireError {
  return { kind: 'truncated', offset, field, message };
}

/** A cut-short header in a partial upper layer is expected; elsewhere it is an error. */
function cut(ctx: DissectContext, l: LayerBuilder, partial: boolean, error: WireError): void {
  if (partial && error.kind === 'truncated') {
    l.add('truncated', true, `yes: ${error.field}: ${error.message}`);
    return;
  }
  ctx.problem(l, error);
}

// --- UDP and TCP -------------------------------------------------------------------------------

/** RFC 768 field offsets, for reading a header that UdpView cannot check (cut short). */
const U = { SRC_PORT: 0, DST_PORT: 2, LENGTH: 4, CHECKSUM: 6 } as const;

export function dissectUdp(ctx: DissectContext, b: Uint8Array, off: number, end: number, ip: IpInfo): Upper {
  const l = new LayerBuilder('udp', off, Math.min(UDP_HEADER_LEN, end - off));
  if (end - off < UDP_HEADER_LEN) {
    cut(ctx, l, ip.partial, truncatedError(off, 'UDP header', `${end - off} bytes, need ${UDP_HEADER_LEN}`));
    return { layers: [l.build()], summary: 'UDP' };
  }
  const sport = u16(b, off + U.SRC_PORT);
  const dport = u16(b, off + U.DST_PORT);
  const length = u16(b, off + U.LENGTH);
  const csum = u16(b, off + U.CHECKSUM);
  l.add('src_port', sport).add('dst_port', dport).add('length', length);
  const ports = [sport, dport] as const;
  const summary = `UDP, length ${Math.max(0, length - UDP_HEADER_LEN)}`;
  const checked = UdpView.check(b.subarray(off, end));
  if (!checked.ok) {
    l.add('checksum', csum, `${hex(csum, 4)} [unverified]`);
    l.add('checksum_status', 'unverified');
    cut(ctx, l, ip.partial, at(checked.error, off));
    const layers = [l.build()];
    if (l.error === undefined && !ctx.stopped && end > off + UDP_HEADER_LEN) {
      layers.push(payloadLayer(b, off + UDP_HEADER_LEN, end, 'UDP payload, cut short'));
    }
    return { layers, summary, ports };
  }
  const view = checked.value;
  let status: string;
  let good = csum;
  if (ip.dst === undefined) {
    status = 'unverified';
  } else {
    const verdict = view.verifyChecksum({ family: ip.family, src: ip.src, dst: ip.dst });
    status = verdict === 'none' ? 'zero' : verdict;
    if (verdict === 'bad') good = view.computeChecksum({ family: ip.family, src: ip.src, dst: ip.dst });
  }
  const note = status === 'bad' ? ` [bad udp cksum ${hex(csum, 4)} -> ${hex(good, 4)}!]` : '';
  const statusText = status === 'zero' && ip.family === 'ipv4' ? 'zero (no checksum over IPv4)' : status === 'zero' ? 'zero (not allowed over IPv6)' : status;
  l.add('checksum', csum, `${hex(csum, 4)} [${statusText}]`);
  l.add('checksum_status', status);
  const layers: Layer[] = [l.build()];
  const pStart = off + UDP_HEADER_LEN;
  const pEnd = off + length;
  if (ctx.gtpuPorts.includes(sport) || ctx.gtpuPorts.includes(dport)) {
    const g = dissectGtpu(ctx, b, pStart, pEnd);
    return { layers: [...layers, ...g.layers], summary: g.summary + note, ports };
  }
  if (pEnd > pStart) layers.push(payloadLayer(b, pStart, pEnd));
  return { layers, summary: summary + note, ports };
}

/** RFC 9293 §3.1: the ports, and the Data Offset saying how long the header is. */
const TCP_MIN_HEADER_LEN = 20;

export function dissectTcp(ctx: DissectContext, b: Uint8Array, off: number, end: number, ip: IpInfo): Upper {
  const l = new LayerBuilder('tcp', off, Math.min(TCP_MIN_HEADER_LEN, end - off));
  if (end - off < 4) {
    cut(ctx, l, ip.partial, truncatedError(off, 'TCP header', `${end - off} bytes, need ${TCP_MIN_HEADER_LEN}`));
    return { layers: [l.build()], summary: 'TCP' };
  }
  const ports = [u16(b, off), u16(b, off + 2)] as const;
  l.add('src_port', ports[0]).add('dst_port', ports[1]);
  if (end - off < TCP_MIN_HEADER_LEN) {
    cut(ctx, l, ip.partial, truncatedError(off, 'TCP header', `${end - off} bytes, need ${TCP_MIN_HEADER_LEN}`));
  }
  return { layers: [l.build()], summary: 'TCP', ports };
}

// --- ICMPv6 ------------------------------------------------------------------------------------

const ICMPV6_TYPES: ReadonlyMap<number, readonly [title: string, summary: string]> = new Map([
  [ICMPV6_DEST_UNREACH, ['Destination Unreachable', 'destination unreachable']],
  [ICMPV6_PKT_TOOBIG, ['Packet Too Big', 'packet too big']],
  [ICMPV6_TIME_EXCEED, ['Time Exceeded', 'time exceeded']],
  [ICMPV6_PARAMPROB, ['Parameter Problem', 'parameter problem']],
  [ICMPV6_ECHO_REQUEST, ['Echo Request', 'echo request']],
  [ICMPV6_ECHO_REPLY, ['Echo Reply', 'echo reply']],
  [ICMPV6_MGM_QUERY, ['Multicast Listener Query', 'multicast listener query']],
  [ICMPV6_MGM_REPORT, ['Multicast Listener Report', 'multicast listener report']],
  [ICMPV6_MGM_REDUCTION, ['Multicast Listener Done', 'multicast listener done']],
  [NDISC_ROUTER_SOLICITATION, ['Router Solicitation', 'router solicitation']],
  [NDISC_ROUTER_ADVERTISEMENT, ['Router Advertisement', 'router advertisement']],
  [NDISC_NEIGHBOUR_SOLICITATION, ['Neighbor Solicitation', 'neighbor solicitation']],
  [NDISC_NEIGHBOUR_ADVERTISEMENT, ['Neighbor Advertisement', 'neighbor advertisement']],
  [NDISC_REDIRECT, ['Redirect', 'redirect']],
  [ICMPV6_MLD2_REPORT, ['Multicast Listener Report v2', 'multicast listener report v2']],
  [ICMPV6_EXT_ECHO_REQUEST, ['Extended Echo Request', 'extended echo request']],
  [ICMPV6_EXT_ECHO_REPLY, ['Extended Echo Reply', 'extended echo reply']],
]);

/** RFC 4443 §3 code names, by type. */
const ICMPV6_CODES: ReadonlyMap<number, readonly string[]> = new Map([
  [
    ICMPV6_DEST_UNREACH,
    [
      'no route to destination',
      'administratively prohibited',
      'beyond scope of source address',
      'address unreachable',
      'port unreachable',
      'source address failed ingress/egress policy',
      'reject route to destination',
      'error in source routing header',
      'headers too long',
    ],
  ],
  [ICMPV6_TIME_EXCEED, ['hop limit exceeded in transit', 'fragment reassembly time exceeded']],
  [
    ICMPV6_PARAMPROB,
    [
      'erroneous header field',
      'unrecognized next header',
      'unrecognized option',
      'incomplete header chain',
      'SR upper-layer header error',
      'unrecognized next header in intermediate node',
      'extension header too big',
      'extension header chain too long',
      'too many extension headers',
      'too many options in extension header',
      'option too big',
    ],
  ],
]);

/** The fields of the nested packet's top transport, for "port unreachable" summaries. */
function quotedTarget(layers: readonly Layer[]): string {
  const ip = layers.find((l) => l.protocol === 'ipv6' || l.protocol === 'ipv4');
  const t = layers.find((l) => l.protocol === 'udp' || l.protocol === 'tcp');
  const dst = ip?.fields.find((f) => f.name === 'dst')?.value;
  const port = t?.fields.find((f) => f.name === 'dst_port')?.value;
  if (dst === undefined || port === undefined || t === undefined) return '';
  return `, ${String(dst)} ${t.protocol} port ${String(port)}`;
}

function icmpv6Summary(type: number, code: number, l: LayerBuilder, quoted: readonly Layer[]): string {
  const name = ICMPV6_TYPES.get(type)?.[1];
  const get = (n: string): string => String(l.fields.find((f) => f.name === n)?.value ?? '');
  switch (type) {
    case ICMPV6_ECHO_REQUEST:
    case ICMPV6_ECHO_REPLY:
      return `${name}, id ${get('identifier')}, seq ${get('sequence')}`;
    case ICMPV6_DEST_UNREACH:
      return `${name}, ${ICMPV6_CODES.get(type)?.[code] ?? `code ${code}`}${quotedTarget(quoted)}`;
    case ICMPV6_PKT_TOOBIG:
      return `${name}, mtu ${get('mtu')}`;
    case ICMPV6_TIME_EXCEED:
      return code === 0 ? 'time exceeded in-transit' : code === 1 ? 'time exceeded in reassembly' : `time exceeded, code ${code}`;
    case ICMPV6_PARAMPROB:
      return `${name}, ${ICMPV6_CODES.get(type)?.[code] ?? `code ${code}`}, pointer ${get('pointer')}`;
    case NDISC_NEIGHBOUR_SOLICITATION:
      return l.fields.some((f) => f.name === 'target') ? `${name}, who has ${get('target')}` : `${name}`;
    case NDISC_NEIGHBOUR_ADVERTISEMENT:
      return l.fields.some((f) => f.name === 'target') ? `${name}, tgt is ${get('target')}` : `${name}`;
    default:
      return name ?? `type ${type}, code ${code}`;
  }
}

/** Quoted packet of an ICMP error: decoded in its own context, so its problems stay its own. */
function quotedPacket(ctx: DissectContext, b: Uint8Array, off: number, end: number): Layer[] {
  if (off >= end) return [];
  if (ctx.depth + 1 > MAX_NESTING) return [payloadLayer(b, off, end, 'invoking packet (nesting limit reached)')];
  return ctx.decodeIp(ctx.quote(), b, off, end).layers;
}

export function dissectIcmpv6(ctx: DissectContext, b: Uint8Array, off: number, end: number, ip: IpInfo): Upper {
  const l = new LayerBuilder('icmpv6', off, end - off);
  const checked = Icmpv6View.check(b.subarray(off, end));
  if (!checked.ok) {
    cut(ctx, l, ip.partial, at(checked.error, off));
    return { layers: [l.build()], summary: 'ICMP6' };
  }
  const v = checked.value;
  const type = v.type;
  const code = v.code;
  l.add('type', type, named(ICMPV6_TYPES.get(type)?.[0], type));
  l.add('code', code, named(ICMPV6_CODES.get(type)?.[code], code));
  const status = ip.partial || ip.dst === undefined ? 'unverified' : v.verifyChecksum(ip.src, ip.dst) ? 'good' : 'bad';
  l.add('checksum', v.checksum, `${hex(v.checksum, 4)} [${status}]`);
  l.add('checksum_status', status);
  const len = end - off;
  switch (type) {
    case ICMPV6_ECHO_REQUEST:
    case ICMPV6_ECHO_REPLY:
      l.add('identifier', v.identifier).add('sequence', v.sequence).add('data_length', len - ICMPV6_HEADER_LEN);
      break;
    case ICMPV6_PKT_TOOBIG:
      l.add('mtu', v.mtu);
      break;
    case ICMPV6_PARAMPROB:
      l.add('pointer', v.pointer);
      break;
    case ICMPV6_DEST_UNREACH:
    case ICMPV6_TIME_EXCEED:
      l.add('unused', v.word, hex(v.word, 8));
      break;
    case NDISC_ROUTER_ADVERTISEMENT:
      if (len >= 16) {
        // RFC 4861 §4.2: Cur Hop Limit, M/O flags, Router Lifetime, then two timers.
        l.add('cur_hop_limit', b[off + 4] ?? 0).add('flags', b[off + 5] ?? 0, hex(b[off + 5] ?? 0, 2));
        l.add('router_lifetime', u16(b, off + 6)).add('reachable_time', u32(b, off + 8)).add('retrans_timer', u32(b, off + 12));
      }
      break;
    case NDISC_NEIGHBOUR_SOLICITATION:
    case NDISC_NEIGHBOUR_ADVERTISEMENT:
    case NDISC_REDIRECT:
      // RFC 4861 §4.3-4.5: a 32-bit word (NA: R, S, O flags), then the Target Address.
      if (type === NDISC_NEIGHBOUR_ADVERTISEMENT) {
        const f = b[off + 4] ?? 0;
        l.add('router', (f & 0x80) !== 0).add('solicited', (f & 0x40) !== 0).add('override', (f & 0x20) !== 0);
      }
      if (len >= 24) l.add('target', formatIpv6Address(b, off + 8));
      if (type === NDISC_REDIRECT && len >= 40) l.add('destination', formatIpv6Address(b, off + 24));
      break;
    default:
      if (len > ICMPV6_HEADER_LEN - 4) l.add('body', toHex(v.body), shortHex(v.body));
  }
  let quoted: Layer[] = [];
  if (icmpv6IsError(type)) {
    quoted = quotedPacket(ctx, b, off + ICMPV6_HEADER_LEN, end);
    l.children.push(...quoted);
  }
  return { layers: [l.build()], summary: `ICMP6, ${icmpv6Summary(type, code, l, quoted)}, length ${len}` };
}

// --- ICMP (IPv4) -------------------------------------------------------------------------------

/** RFC 792 and successors: type names, and code names of Destination Unreachable (RFC 1812 §5.2.7.1). */
const ICMP_TYPES: ReadonlyMap<number, readonly [title: string, summary: string]> = new Map([
  [0, ['Echo Reply', 'echo reply']],
  [3, ['Destination Unreachable', 'unreachable']],
  [4, ['Source Quench', 'source quench']],
  [5, ['Redirect', 'redirect']],
  [8, ['Echo Request', 'echo request']],
  [9, ['Router Advertisement', 'router advertisement']],
  [10, ['Router Solicitation', 'router solicitation']],
  [11, ['Time Exceeded', 'time exceeded']],
  [12, ['Parameter Problem', 'parameter problem']],
  [13, ['Timestamp', 'time stamp request']],
  [14, ['Timestamp Reply', 'time stamp reply']],
]);
const ICMP_UNREACH_CODES: readonly string[] = [
  'net unreachable',
  'host unreachable',
  'protocol unreachable',
  'port unreachable',
  'fragmentation needed',
  'source route failed',
  'destination network unknown',
  'destination host unknown',
  'source host isolated',
  'network administratively prohibited',
  'host administratively prohibited',
  'network unreachable for TOS',
  'host unreachable for TOS',
  'communication administratively prohibited',
  'host precedence violation',
  'precedence cutoff in effect',
];
const ICMP_ERROR_TYPES: ReadonlySet<number> = new Set([3, 4, 5, 11, 12]);
const ICMP_HEADER_LEN = 8;

export function dissectIcmp(ctx: DissectContext, b: Uint8Array, off: number, end: number, ip: IpInfo): Upper {
  const l = new LayerBuilder('icmp', off, end - off);
  if (end - off < ICMP_HEADER_LEN) {
    cut(ctx, l, ip.partial, truncatedError(off, 'ICMP header', `${end - off} bytes, need ${ICMP_HEADER_LEN}`));
    return { layers: [l.build()], summary: 'ICMP' };
  }
  const type = b[off] ?? 0;
  const code = b[off + 1] ?? 0;
  const csum = u16(b, off + 2);
  const codeName = type === 3 ? ICMP_UNREACH_CODES[code] : type === 11 ? ['ttl exceeded in transit', 'fragment reassembly time exceeded'][code] : undefined;
  l.add('type', type, named(ICMP_TYPES.get(type)?.[0], type));
  l.add('code', code, named(codeName, code));
  const status = ip.partial ? 'unverified' : checksum(b, off, end) === 0 ? 'good' : 'bad';
  l.add('checksum', csum, `${hex(csum, 4)} [${status}]`);
  l.add('checksum_status', status);
  let text = ICMP_TYPES.get(type)?.[1] ?? `type ${type}, code ${code}`;
  if (type === 0 || type === 8) {
    l.add('identifier', u16(b, off + 4)).add('sequence', u16(b, off + 6));
    text += `, id ${u16(b, off + 4)}, seq ${u16(b, off + 6)}`;
  } else if (type === 3) {
    if (code === 4) l.add('mtu', u16(b, off + 6));
    text += `, ${codeName ?? `code ${code}`}`;
  } else if (type === 5) {
    l.add('gateway', formatIpv4Address(b, off + 4));
  } else if (type === 11) {
    text = code === 0 ? 'time exceeded in-transit' : 'time exceeded in reassembly';
  } else if (type === 12) {
    l.add('pointer', b[off + 4] ?? 0);
    text += `, pointer ${b[off + 4] ?? 0}`;
  }
  if (ICMP_ERROR_TYPES.has(type)) {
    const quoted = quotedPacket(ctx, b, off + ICMP_HEADER_LEN, end);
    l.children.push(...quoted);
    if (type === 3 && code === 3) text += quotedTarget(quoted);
  }
  return { layers: [l.build()], summary: `ICMP ${text}, length ${end - off}` };
}

// --- GTP-U -------------------------------------------------------------------------------------

const GTPU_IE_NAMES: ReadonlyMap<number, string> = new Map([
  [GTPV1_IE_RECOVERY, 'Recovery'],
  [GTPV1_IE_TEID_DATA_I, 'Tunnel Endpoint Identifier Data I'],
  [GTPV1_IE_GTPU_PEER_ADDR, 'GTP-U Peer Address'],
  [GTPV1_IE_EXT_HDR_TYPE_LIST, 'Extension Header Type List'],
  [GTPV1_IE_TUNNEL_STATUS_INFO, 'Tunnel Status Information'],
  [GTPV1_IE_RECOVERY_TIME_STAMP, 'Recovery Time Stamp'],
  [GTPV1_IE_PRIVATE_EXT, 'Private Extension'],
]);

/** "echo request" for the summary; `title` gives "Echo Request" for the -v text. */
function messageTypeText(t: number, title = false): string {
  if (t === GTPV1_MSG_TYPE_TPDU) return 'G-PDU';
  const words = GTPU_MESSAGE_TYPE_NAMES.get(t)?.split('-');
  if (words === undefined) return `type ${t}`;
  return (title ? words.map((w) => (w[0] ?? '').toUpperCase() + w.slice(1)) : words).join(' ');
}

function containerFields(l: LayerBuilder, c: PduSessionContainer): string {
  if (c.kind === 'other') {
    l.add('pdu_type', c.pduType);
    l.add('content', toHex(c.content), shortHex(c.content));
    return `PDU type ${c.pduType}`;
  }
  l.add('pdu_type', c.kind === 'dl' ? 0 : 1, c.kind === 'dl' ? 'DL PDU SESSION INFORMATION (0)' : 'UL PDU SESSION INFORMATION (1)');
  l.add('qfi', c.qfi);
  if (c.kind === 'dl') {
    l.add('rqi', c.rqi);
    l.add('ppp', c.ppi !== undefined);
    if (c.ppi !== undefined) l.add('ppi', c.ppi);
    if (c.dlSendingTimeStamp !== undefined) l.add('dl_sending_time_stamp', c.dlSendingTimeStamp, hexBig(c.dlSendingTimeStamp, 16));
    if (c.dlQfiSequenceNumber !== undefined) l.add('dl_qfi_sequence_number', c.dlQfiSequenceNumber);
    if (c.dlMbsQfiSequenceNumber !== undefined) l.add('dl_mbs_qfi_sequence_number', c.dlMbsQfiSequenceNumber);
    if (c.trailing !== undefined) l.add('trailing', toHex(c.trailing));
    return `QFI ${c.qfi} DL${c.rqi ? ' RQI' : ''}${c.ppi !== undefined ? ` PPI ${c.ppi}` : ''}`;
  }
  if (c.qosMonitoring !== undefined) {
    const q = c.qosMonitoring;
    l.add('dl_sending_time_stamp_repeated', q.dlSendingTimeStampRepeated, hexBig(q.dlSendingTimeStampRepeated, 16));
    l.add('dl_received_time_stamp', q.dlReceivedTimeStamp, hexBig(q.dlReceivedTimeStamp, 16));
    l.add('ul_sending_time_stamp', q.ulSendingTimeStamp, hexBig(q.ulSendingTimeStamp, 16));
  }
  if (c.dlDelayResult !== undefined) l.add('dl_delay_result', c.dlDelayResult);
  if (c.ulDelayResult !== undefined) l.add('ul_delay_result', c.ulDelayResult);
  if (c.ulQfiSequenceNumber !== undefined) l.add('ul_qfi_sequence_number', c.ulQfiSequenceNumber);
  if (c.n3n9DelayResult !== undefined) l.add('n3n9_delay_result', c.n3n9DelayResult);
  if (c.newIes !== undefined) l.add('new_ies', toHex(c.newIes));
  if (c.trailing !== undefined) l.add('trailing', toHex(c.trailing));
  return `QFI ${c.qfi} UL`;
}

/** One extension header as a layer; returns its summary text. */
function extLayer(raw: GtpuExtHeaderRaw, h: GtpuExtHeader): { readonly layer: Layer; readonly summary: string } {
  const psc = raw.type === GTPV1_NEXT_EXT_HDR_TYPE_85;
  const l = new LayerBuilder(psc ? 'pdu-session-container' : 'gtpu-ext', raw.offset, raw.size);
  const name = GTPU_EXT_HDR_TYPE_NAMES.get(raw.type);
  l.add('type', raw.type, `${hex(raw.type, 2)}${name !== undefined ? ` (${name})` : ''}`);
  l.add('length', raw.size / 4, `${raw.size / 4} (${raw.size} octets)`);
  let summary: string;
  switch (h.kind) {
    case 'pdu-session-container':
      summary = containerFields(l, h.container);
      break;
    case 'udp-port':
      l.add('udp_port', h.port);
      summary = `udp-port ${h.port}`;
      break;
    case 'pdcp-pdu-number':
    case 'long-pdcp-pdu-number':
      l.add('pdcp_pdu_number', h.pdcpPduNumber);
      summary = `PDCP ${h.pdcpPduNumber}`;
      break;
    case 'service-class-indicator':
      l.add('service_class_indicator', h.serviceClassIndicator);
      summary = `SCI ${h.serviceClassIndicator}`;
      break;
    case 'opaque':
      l.add('comprehension', raw.comprehension);
      l.add('content', toHex(h.content), shortHex(h.content));
      summary = `ext ${hex(raw.type, 2)}`;
      break;
  }
  l.add('next_type', raw.next, hex(raw.next, 2));
  return { layer: l.build(), summary };
}

const IE_TYPES = {
  recovery: GTPV1_IE_RECOVERY,
  'teid-data-i': GTPV1_IE_TEID_DATA_I,
  'peer-address': GTPV1_IE_GTPU_PEER_ADDR,
  'ext-header-type-list': GTPV1_IE_EXT_HDR_TYPE_LIST,
  'private-extension': GTPV1_IE_PRIVATE_EXT,
} as const;

function ieLayer(ie: GtpuIe, offset: number, length: number): { readonly layer: Layer; readonly summary: string } {
  const l = new LayerBuilder('gtpu-ie', offset, length);
  const type = ie.kind === 'tlv' ? ie.type : IE_TYPES[ie.kind];
  l.add('type', type, named(GTPU_IE_NAMES.get(type), type));
  switch (ie.kind) {
    case 'recovery':
      l.add('restart_counter', ie.restartCounter);
      return { layer: l.build(), summary: `recovery ${ie.restartCounter}` };
    case 'teid-data-i':
      l.add('teid', ie.teid, hex(ie.teid));
      return { layer: l.build(), summary: `teid-i ${hex(ie.teid)}` };
    case 'peer-address': {
      const a = ie.address.length === 4 ? formatIpv4Address(ie.address) : formatIpv6Address(ie.address);
      l.add('address', a);
      return { layer: l.build(), summary: `peer ${a}` };
    }
    case 'ext-header-type-list':
      l.add('types', ie.types.map((t) => hex(t, 2)).join(','));
      return { layer: l.build(), summary: `ext-types [${ie.types.map((t) => hex(t, 2)).join(',')}]` };
    case 'private-extension':
      l.add('extension_identifier', ie.extensionIdentifier);
      l.add('value', toHex(ie.value), shortHex(ie.value));
      return { layer: l.build(), summary: `private-ext ${ie.extensionIdentifier}` };
    case 'tlv':
      l.add('value', toHex(ie.value), shortHex(ie.value));
      return { layer: l.build(), summary: `ie ${type}` };
  }
}

/** The GTP-U message in `b[off, end)` (a UDP payload). */
export function dissectGtpu(ctx: DissectContext, b: Uint8Array, off: number, end: number): Decoded {
  const sub = b.subarray(off, end);
  const l = new LayerBuilder('gtpu', off, Math.min(8, end - off));
  const checked = GtpuView.check(sub);
  if (!checked.ok) {
    ctx.fail(l, at(checked.error, off));
    return { layers: [l.build()], summary: 'GTPv1-U' };
  }
  const v = checked.value;
  l.length = v.headerLength;
  l.add('version', v.version).add('protocol_type', v.protocolType, v.protocolType === 1 ? 'GTP (1)' : "GTP' (0)");
  l.add('e', v.e).add('s', v.s).add('pn', v.pn);
  l.add('message_type', v.messageType, named(messageTypeText(v.messageType, true), v.messageType));
  l.add('length', v.length).add('teid', v.teid, hex(v.teid));
  if (v.hasOptional) {
    l.add('sequence_number', v.sequenceNumber).add('npdu_number', v.npduNumber).add('next_ext_type', v.nextExtHeaderType, hex(v.nextExtHeaderType, 2));
  }
  if (v.protocolType !== 1) {
    return { layers: [l.build(), payloadLayer(b, off + v.headerLength, off + v.messageEnd, "GTP' (not decoded)")], summary: "GTP'" };
  }
  const parts = [`GTPv1-U ${messageTypeText(v.messageType)}`];
  if (v.messageType === GTPV1_MSG_TYPE_TPDU || v.teid !== 0) parts.push(`teid ${hex(v.teid)}`);
  if (v.s) parts.push(`seq ${v.sequenceNumber}`);
  let p = v.headerLength;
  for (const r of v.extHeaders()) {
    if (!r.ok) {
      ctx.fail(l, at(r.error, off));
      return { layers: [l.build()], summary: parts.join(' ') };
    }
    const h = parseGtpuExtHeader(r.value);
    if (!h.ok) {
      const bad = new LayerBuilder(r.value.type === GTPV1_NEXT_EXT_HDR_TYPE_85 ? 'pdu-session-container' : 'gtpu-ext', off + r.value.offset, r.value.size);
      bad.add('type', r.value.type, hex(r.value.type, 2));
      ctx.fail(bad, at(h.error, off));
      l.children.push(bad.build());
      return { layers: [l.build()], summary: parts.join(' ') };
    }
    const e = extLayer({ ...r.value, offset: off + r.value.offset }, h.value);
    l.children.push(e.layer);
    parts.push(e.summary);
    p = r.value.offset + r.value.size;
  }
  const pStart = off + p;
  const pEnd = off + v.messageEnd;
  if (v.messageType !== GTPV1_MSG_TYPE_TPDU) {
    const ies = parseGtpuIes(b, pStart, pEnd);
    if (!ies.ok) {
      ctx.fail(l, ies.error);
      return { layers: [l.build()], summary: parts.join(' ') };
    }
    let o = pStart;
    for (const ie of ies.value) {
      const n = gtpuIesBufferLen([ie]);
      const x = ieLayer(ie, o, n);
      l.children.push(x.layer);
      parts.push(x.summary);
      o += n;
    }
    return { layers: [l.build()], summary: parts.join(' ') };
  }
  const layers: Layer[] = [l.build()];
  const summary = parts.join(' ');
  if (pStart >= pEnd) return { layers, summary };
  const version = (b[pStart] ?? 0) >>> 4;
  if ((version !== 4 && version !== 6) || ctx.depth + 1 > MAX_NESTING) {
    const why = version !== 4 && version !== 6 ? 'T-PDU (not IP)' : 'T-PDU (nesting limit reached)';
    layers.push(payloadLayer(b, pStart, pEnd, why));
    return { layers, summary };
  }
  const inner = ctx.deeper();
  const d = ctx.decodeIp(inner, b, pStart, pEnd);
  ctx.adopt(inner);
  return { layers: [...layers, ...d.layers], summary: `${summary}, ${d.summary}` };
}
