/**
 * The packet dissector behind `v6stack pcap decode`: one captured frame becomes a tree of
 * layers (every header field, extension header, option, IOAM hop, GTP-U extension header and
 * IE) and a tcpdump-like summary line, using the wire codecs of this folder.
 *
 * Layers are a sequence in wire order: link (eth, vlan), network, extension headers, transport;
 * a tunnel's payload (a GTP-U T-PDU, IP in IP) continues the sequence. Children hold what sits
 * inside a layer: options of a Hop-by-Hop/Destination header, IOAM trace and hops, GTP-U
 * extension headers and IEs, and the invoking packet of an ICMP error, decoded in its own right
 * (its truncation and its problems are its own: they do not make the frame malformed).
 *
 * Contract: `dissectFrame` never throws. Offsets are positions in the frame. At the first
 * malformation the layer where it was found carries the error, decoding stops, `malformed`
 * names it and the summary ends with " [malformed: FIELD at offset N: MESSAGE]". Checksums that
 * do not verify are reported (fields `checksum_status`), not treated as malformation.
 */

import { ETH_P_8021AD, ETH_P_802_3_MIN, ETH_P_ARP, ETH_P_IP, ETH_P_IPV6 } from '../uapi/if_ether.ts';
import { GTP1U_PORT } from '../uapi/gtpu.ts';
import { LINKTYPE_ETHERNET } from '../uapi/pcap.ts';
import { formatIpv4Address } from './address.ts';
import { u16 } from './bytes.ts';
import { DissectContext, LayerBuilder, hex, payloadLayer } from './dissect-core.ts';
import type { Decoded, Field, FieldValue, Layer } from './dissect-core.ts';
import { decodeIp, dissectIpv4, dissectIpv6 } from './dissect-ip.ts';
import { EthernetView, formatMac } from './ethernet.ts';
import { LINK, NetworkLocation, locateNetwork } from './link.ts';
import type { WireError } from './result.ts';

export type { Field, FieldValue, Layer } from './dissect-core.ts';

export interface Dissection {
  readonly summary: string;
  readonly layers: readonly Layer[];
  readonly malformed?: { readonly protocol: string; readonly error: WireError };
}

export interface DissectOptions {
  /** UDP ports whose payload is GTP-U (either port matching); default [2152]. */
  readonly gtpuPorts?: readonly number[];
}

const ETHERTYPE_NAMES: ReadonlyMap<number, string> = new Map([
  [ETH_P_IP, 'IPv4'],
  [ETH_P_IPV6, 'IPv6'],
  [ETH_P_ARP, 'ARP'],
  [0x8100, '802.1Q'],
  [ETH_P_8021AD, '802.1ad'],
  [0x8847, 'MPLS'],
  [0x8863, 'PPPoE Discovery'],
  [0x8864, 'PPPoE Session'],
  [0x888e, 'EAPOL'],
  [0x88cc, 'LLDP'],
  [0x88f7, 'PTP'],
]);

function etherTypeDisplay(t: number): string {
  const name = ETHERTYPE_NAMES.get(t);
  return name === undefined ? hex(t, 4) : `${name} (${hex(t, 4)})`;
}

/** The Ethernet header and its VLAN tags; returns the payload offset, or -1 on an error. */
function ethernetLayers(ctx: DissectContext, frame: Uint8Array, layers: Layer[]): number {
  const checked = EthernetView.check(frame);
  const eth = new LayerBuilder('eth', 0, Math.min(14, frame.length));
  if (frame.length >= 14) {
    eth.add('dst', formatMac(frame, 0)).add('src', formatMac(frame, 6)).add('type', u16(frame, 12), etherTypeDisplay(u16(frame, 12)));
  }
  if (!checked.ok && checked.error.offset < 14) {
    ctx.fail(eth, checked.error);
    layers.push(eth.build());
    return -1;
  }
  layers.push(eth.build());
  const tags = checked.ok ? checked.value.vlanCount : Math.floor((checked.error.offset - 12) / 4);
  for (let i = 0; i < tags; i++) {
    const o = 12 + 4 * i;
    const tci = u16(frame, o + 2);
    const tag = new LayerBuilder('vlan', o, 4);
    tag.add('tpid', u16(frame, o), etherTypeDisplay(u16(frame, o)));
    tag.add('pcp', tci >>> 13).add('dei', (tci & 0x1000) !== 0).add('vid', tci & 0x0fff);
    tag.add('type', u16(frame, o + 4), etherTypeDisplay(u16(frame, o + 4)));
    layers.push(tag.build());
  }
  if (!checked.ok) {
    // A TPID in the frame's last octet reads as one; the tag then starts past the end.
    const from = Math.min(checked.error.offset, frame.length);
    const bad = new LayerBuilder('vlan', from, frame.length - from);
    ctx.fail(bad, checked.error);
    layers.push(bad.build());
    return -1;
  }
  return checked.value.payloadOffset;
}

/** RFC 826 over Ethernet/IPv4, for the summary: "ARP, Request who-has A tell B". */
function arpSummary(b: Uint8Array, o: number, end: number): string {
  const standard = end - o >= 28 && u16(b, o) === 1 && u16(b, o + 2) === ETH_P_IP && b[o + 4] === 6 && b[o + 5] === 4;
  if (!standard) return `ARP, length ${end - o}`;
  const op = u16(b, o + 6);
  if (op === 1) return `ARP, Request who-has ${formatIpv4Address(b, o + 24)} tell ${formatIpv4Address(b, o + 14)}, length ${end - o}`;
  if (op === 2) return `ARP, Reply ${formatIpv4Address(b, o + 14)} is-at ${formatMac(b, o + 8)}, length ${end - o}`;
  return `ARP, op ${op}, length ${end - o}`;
}

function networkPart(ctx: DissectContext, frame: Uint8Array, protocol: number, offset: number): Decoded {
  const end = frame.length;
  switch (protocol) {
    case ETH_P_IPV6:
      return dissectIpv6(ctx, frame, offset, end);
    case ETH_P_IP:
      return dissectIpv4(ctx, frame, offset, end);
    case ETH_P_ARP:
      return { layers: [payloadLayer(frame, offset, end, 'ARP')], summary: arpSummary(frame, offset, end) };
    case 0:
      return { layers: [payloadLayer(frame, offset, end, 'unknown network protocol')], summary: `unknown network protocol, length ${end - offset}` };
    default:
      if (protocol < ETH_P_802_3_MIN) {
        return { layers: [payloadLayer(frame, offset, end, '802.3 LLC')], summary: `802.3, length ${protocol}` };
      }
      return {
        layers: [payloadLayer(frame, offset, end, etherTypeDisplay(protocol))],
        summary: `ethertype ${hex(protocol, 4)}, length ${end - offset}`,
      };
  }
}

/** Dissects one captured frame of link type `linkType` (LINKTYPE_*). Never throws. */
export function dissectFrame(linkType: number, frame: Uint8Array, opts: DissectOptions = {}): Dissection {
  const ctx = new DissectContext(opts.gtpuPorts ?? [GTP1U_PORT], decodeIp);
  const layers: Layer[] = [];
  let summary: string;
  const loc = new NetworkLocation();
  const status = locateNetwork(linkType, frame, 0, frame.length, loc);
  if (linkType === LINKTYPE_ETHERNET) {
    const start = ethernetLayers(ctx, frame, layers);
    if (start < 0) {
      summary = 'Ethernet';
    } else {
      const d = networkPart(ctx, frame, u16(frame, start - 2), start);
      layers.push(...d.layers);
      summary = d.summary;
    }
  } else if (status === LINK.UNKNOWN_LINK_TYPE) {
    layers.push(payloadLayer(frame, 0, frame.length, `link type ${linkType}`));
    summary = `link type ${linkType}, length ${frame.length}`;
  } else if (status !== LINK.OK) {
    const l = new LayerBuilder('link', 0, frame.length);
    ctx.fail(l, { kind: 'truncated', offset: 0, field: 'link header', message: `frame of ${frame.length} bytes is shorter than its link-layer header` });
    layers.push(l.build());
    summary = `link type ${linkType}`;
  } else {
    const d = networkPart(ctx, frame, loc.protocol, loc.offset);
    layers.push(...d.layers);
    summary = d.summary;
  }
  const m = ctx.malformed;
  if (m === undefined) return { summary, layers };
  return { summary: `${summary} [malformed: ${m.error.field} at offset ${m.error.offset}: ${m.error.message}]`, layers, malformed: m };
}

// --- -v text -----------------------------------------------------------------------------------

function text(l: Layer, name: string, fallback = '?'): string {
  const f = l.fields.find((x) => x.name === name);
  return f === undefined ? fallback : (f.display ?? String(f.value));
}

function has(l: Layer, name: string): boolean {
  return l.fields.some((x) => x.name === name);
}

function layerTitle(l: Layer): string {
  switch (l.protocol) {
    case 'eth':
      return `Ethernet, src ${text(l, 'src')}, dst ${text(l, 'dst')}`;
    case 'vlan':
      return `${text(l, 'tpid').startsWith('802.1ad') ? '802.1ad' : '802.1Q'} VLAN, vid ${text(l, 'vid')}, pcp ${text(l, 'pcp')}`;
    case 'ipv6':
      return has(l, 'src') ? `IPv6, src ${text(l, 'src')}, dst ${text(l, 'dst')}` : 'IPv6';
    case 'ipv4':
      return has(l, 'src') ? `IPv4, src ${text(l, 'src')}, dst ${text(l, 'dst')}` : 'IPv4';
    case 'hbh':
      return `Hop-by-Hop Options, ${l.length} octets`;
    case 'dstopts':
      return `Destination Options, ${l.length} octets`;
    case 'routing':
      return `Routing Header, type ${text(l, 'routing_type')}, segments left ${text(l, 'segments_left')}`;
    case 'srh':
      return `Segment Routing Header, segments left ${text(l, 'segments_left')}, last entry ${text(l, 'last_entry')}`;
    case 'fragment':
      return `Fragment Header, id ${text(l, 'identification')}, offset ${String(l.fields.find((f) => f.name === 'offset')?.value ?? '?')}${
        text(l, 'more_fragments') === 'true' ? ', more' : ''
      }`;
    case 'ah':
      return 'Authentication Header';
    case 'esp':
      return 'Encapsulating Security Payload';
    case 'option':
      return `Option ${text(l, 'type')}`;
    case 'ioam':
      return `IOAM Option ${text(l, 'type')}, ${text(l, 'ioam_type')}`;
    case 'ioam-trace':
      return `IOAM Trace, namespace ${text(l, 'namespace_id')}, type ${text(l, 'trace_type')}, ${text(l, 'hops')} hops`;
    case 'ioam-hop':
      return has(l, 'node_id') ? `IOAM Hop ${text(l, 'index')}, node ${text(l, 'node_id')}` : `IOAM Hop ${text(l, 'index')}`;
    case 'ioam-e2e':
      return `IOAM Edge-to-Edge, namespace ${text(l, 'namespace_id')}`;
    case 'ioam-pot':
      return `IOAM Proof of Transit, namespace ${text(l, 'namespace_id')}`;
    case 'ioam-dex':
      return `IOAM Direct Export, namespace ${text(l, 'namespace_id')}`;
    case 'udp':
      return `UDP, src port ${text(l, 'src_port')}, dst port ${text(l, 'dst_port')}`;
    case 'tcp':
      return `TCP, src port ${text(l, 'src_port')}, dst port ${text(l, 'dst_port')}`;
    case 'icmpv6':
      return `ICMPv6, ${text(l, 'type')}`;
    case 'icmp':
      return `ICMP, ${text(l, 'type')}`;
    case 'gtpu':
      return `GTPv1-U, ${text(l, 'message_type')}, teid ${text(l, 'teid')}`;
    case 'gtpu-ext':
      return `GTP-U Extension Header ${text(l, 'type')}`;
    case 'pdu-session-container':
      return `PDU Session Container, ${text(l, 'pdu_type')}, QFI ${text(l, 'qfi')}`;
    case 'gtpu-ie':
      return `GTP-U IE ${text(l, 'type')}`;
    case 'payload':
      return `Payload${has(l, 'content') ? ` (${text(l, 'content')})` : ''}, ${l.length} bytes`;
    default:
      return l.protocol;
  }
}

function formatError(e: WireError): string {
  return `${e.field} at offset ${e.offset}: ${e.message} (${e.kind})`;
}

function formatLayer(l: Layer, depth: number, out: string[]): void {
  const pad = ' '.repeat(4 * depth);
  out.push(`${pad}${layerTitle(l)}`);
  for (const f of l.fields) out.push(`${pad}    ${f.name}: ${f.display ?? String(f.value)}`);
  if (l.error !== undefined) out.push(`${pad}    malformed: ${formatError(l.error)}`);
  for (const c of l.children) formatLayer(c, depth + 1, out);
}

/**
 * The -v text: per layer a header line ("IPv6, src 2001:db8::1, dst 2001:db8::2"), its fields
 * four spaces in ("    hop_limit: 64"), and its children four spaces further, as `tshark -V`.
 */
export function formatDissection(d: Dissection): string {
  const out: string[] = [];
  for (const l of d.layers) formatLayer(l, 0, out);
  return out.length === 0 ? '' : `${out.join('\n')}\n`;
}

// --- JSON --------------------------------------------------------------------------------------

function jsonValue(v: FieldValue | Uint8Array): string | number | boolean {
  if (typeof v === 'bigint') return v.toString();
  if (v instanceof Uint8Array) return Array.from(v, (x) => x.toString(16).padStart(2, '0')).join('');
  return v;
}

function errorJson(e: WireError): Record<string, unknown> {
  return { kind: e.kind, offset: e.offset, field: e.field, message: e.message };
}

function layerJson(l: Layer): Record<string, unknown> {
  const fields: Record<string, string | number | boolean> = {};
  for (const f of l.fields as readonly Field[]) fields[f.name] = jsonValue(f.value);
  return {
    protocol: l.protocol,
    offset: l.offset,
    length: l.length,
    fields,
    children: l.children.map(layerJson),
    ...(l.error !== undefined && { error: errorJson(l.error) }),
  };
}

/** A JSON-safe copy: bigint values become decimal strings. */
export function dissectionJson(d: Dissection): unknown {
  return {
    summary: d.summary,
    layers: d.layers.map(layerJson),
    ...(d.malformed !== undefined && { malformed: { protocol: d.malformed.protocol, error: errorJson(d.malformed.error) } }),
  };
}
