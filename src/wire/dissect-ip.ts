/**
 * Dissecting IP packets: the IPv6 header (RFC 8200 §3) and its extension-header chain walked as
 * Linux walks it (./ipv6-exthdr.ts), with Hop-by-Hop / Destination options (./dissect-options.ts),
 * Routing headers and the SRH (RFC 8754), Fragment headers, AH (RFC 4302, header fields only)
 * and ESP (RFC 4303, opaque); the IPv4 header (RFC 791) with its options; then the upper layer.
 *
 * A non-first fragment's data is not decoded (it is no header chain); a first fragment's upper
 * layer is decoded as far as it goes, its checksum left unverified. Checksums use the final
 * destination (RFC 8200 §8.1): Segment List[0] of an SRH, the last address of a type 0 header,
 * the Home Address of a type 2 header; other routing types with segments left leave it unknown.
 */

import { IPOPT_END, IPOPT_NOOP } from '../uapi/ip.ts';
import {
  IPPROTO_ESP,
  IPPROTO_ICMP,
  IPPROTO_ICMPV6,
  IPPROTO_IPIP,
  IPPROTO_IPV6,
  IPPROTO_TCP,
  IPPROTO_UDP,
} from '../uapi/in6.ts';
import {
  IPV6_HDR_LEN,
  IPV6_SRCRT_TYPE_0,
  IPV6_SRCRT_TYPE_2,
  IPV6_SRCRT_TYPE_4,
  NEXTHDR_AUTH,
  NEXTHDR_DEST,
  NEXTHDR_FRAGMENT,
  NEXTHDR_HOP,
  NEXTHDR_ROUTING,
} from '../uapi/ipv6.ts';
import { formatIpv4Address, formatIpv6Address } from './address.ts';
import { toHex, u16, u32 } from './bytes.ts';
import { LayerBuilder, MAX_NESTING, at, hex, ipProtocolName, named, payloadLayer, shortHex } from './dissect-core.ts';
import type { Decoded, DissectContext, Layer } from './dissect-core.ts';
import { dissectOptionsHeader } from './dissect-options.ts';
import type { IpInfo, Upper } from './dissect-transport.ts';
import { dissectIcmp, dissectIcmpv6, dissectTcp, dissectUdp } from './dissect-transport.ts';
import { IPV4_HEADER_LEN, Ipv4View, parseIpv4Options } from './ipv4.ts';
import { Ipv6View } from './ipv6.ts';
import { ExtHeaderWalker } from './ipv6-exthdr.ts';
import { Ipv6FragmentView } from './ipv6-fragment.ts';
import { Ipv6RoutingView, Ipv6SrhView, SrhTlvCursor } from './ipv6-routing.ts';
import type { WireError } from './result.ts';

function protoDisplay(p: number): string {
  return named(ipProtocolName(p), p);
}

/** The upper layer at `off`, `end` being where the IP payload ends. */
function dissectUpper(ctx: DissectContext, b: Uint8Array, proto: number, off: number, end: number, ip: IpInfo): Upper {
  switch (proto) {
    case IPPROTO_UDP:
      return dissectUdp(ctx, b, off, end, ip);
    case IPPROTO_TCP:
      return dissectTcp(ctx, b, off, end, ip);
    case IPPROTO_ICMPV6:
      return dissectIcmpv6(ctx, b, off, end, ip);
    case IPPROTO_ICMP:
      return dissectIcmp(ctx, b, off, end, ip);
    case IPPROTO_IPV6:
    case IPPROTO_IPIP: {
      if (ctx.depth + 1 > MAX_NESTING) {
        return { layers: [payloadLayer(b, off, end, 'tunnelled packet (nesting limit reached)')], summary: protoDisplay(proto) };
      }
      const inner = ctx.deeper();
      const d = decodeIp(inner, b, off, end);
      ctx.adopt(inner);
      return d;
    }
    case IPPROTO_ESP: {
      const l = new LayerBuilder('esp', off, Math.min(8, end - off));
      if (end - off >= 8) l.add('spi', u32(b, off), hex(u32(b, off), 8)).add('sequence', u32(b, off + 4));
      const summary = end - off >= 8 ? `ESP(spi=${hex(u32(b, off), 8)},seq=${hex(u32(b, off + 4))})` : 'ESP';
      return { layers: [l.build(), ...(end - off > 8 ? [payloadLayer(b, off + 8, end, 'encrypted')] : [])], summary };
    }
    default: {
      const layers = end > off ? [payloadLayer(b, off, end, protoDisplay(proto))] : [];
      return { layers, summary: `ip-proto-${proto} ${end - off}` };
    }
  }
}

// --- IPv6 extension headers --------------------------------------------------------------------

/** Layer names of the extension headers, by Next Header value. */
const HEADER_PROTOCOLS: ReadonlyMap<number, string> = new Map([
  [NEXTHDR_HOP, 'hbh'],
  [NEXTHDR_DEST, 'dstopts'],
  [NEXTHDR_ROUTING, 'routing'],
  [NEXTHDR_FRAGMENT, 'fragment'],
  [NEXTHDR_AUTH, 'ah'],
]);

interface ChainState {
  /** The final destination for pseudo-headers; undefined when no codec can tell it. */
  dst: Uint8Array | undefined;
  /** The Fragment header seen, if any. */
  fragment: { readonly offset: number; readonly more: boolean } | undefined;
}

function dissectRouting(ctx: DissectContext, b: Uint8Array, off: number, len: number, st: ChainState): { layer: Layer; summary: string } {
  const sub = b.subarray(off, off + len);
  const r = Ipv6RoutingView.check(sub);
  const type = b[off + 2] ?? 0;
  const l = new LayerBuilder(type === IPV6_SRCRT_TYPE_4 ? 'srh' : 'routing', off, len);
  if (!r.ok) {
    ctx.fail(l, at(r.error, off));
    return { layer: l.build(), summary: 'RH' };
  }
  const rv = r.value;
  l.add('next_header', rv.nextHeader, protoDisplay(rv.nextHeader));
  l.add('hdr_ext_len', rv.hdrExtLen, `${rv.hdrExtLen} (${rv.length} octets)`);
  l.add('routing_type', rv.routingType, named(type === 4 ? 'Segment Routing' : type === 3 ? 'RPL' : type === 2 ? 'Type 2' : undefined, type));
  l.add('segments_left', rv.segmentsLeft);
  if (type !== IPV6_SRCRT_TYPE_4) {
    l.add('data', toHex(rv.data), shortHex(rv.data));
    if (rv.segmentsLeft > 0) {
      // Type 0 lists addresses after 4 reserved octets (the last is the final destination);
      // type 2 carries one Home Address there. Anything else cannot be resolved here.
      const n = Math.floor((rv.length - 8) / 16);
      if (type === IPV6_SRCRT_TYPE_0 && n > 0) st.dst = sub.subarray(8 + (n - 1) * 16, 8 + n * 16);
      else if (type === IPV6_SRCRT_TYPE_2 && n > 0) st.dst = sub.subarray(8, 24);
      else st.dst = undefined;
    }
    return { layer: l.build(), summary: `RH type ${type} segleft ${rv.segmentsLeft}` };
  }
  const s = Ipv6SrhView.check(sub);
  if (!s.ok) {
    ctx.fail(l, at(s.error, off));
    return { layer: l.build(), summary: `SRH segleft ${rv.segmentsLeft}` };
  }
  const srh = s.value;
  l.add('last_entry', srh.lastEntry).add('flags', srh.flags, hex(srh.flags, 2)).add('tag', srh.tag);
  const segs: string[] = [];
  for (let i = 0; i < srh.segmentCount; i++) {
    const a = formatIpv6Address(srh.segment(i));
    segs.push(a);
    l.add(`segment_${i}`, a);
  }
  if (srh.segmentsLeft > 0) st.dst = srh.segment(0);
  const c = new SrhTlvCursor().reset(srh);
  let tlvs = 0;
  while (c.next()) {
    const data = sub.subarray(c.dataOffset, c.dataOffset + c.dataLength);
    l.add(`tlv_${tlvs++}`, `${c.type}:${toHex(data)}`, `type ${c.type}, ${c.dataLength} octets${c.dataLength > 0 ? `: ${shortHex(data)}` : ''}`);
  }
  const summary = `SRH segleft ${srh.segmentsLeft} [${segs.join(',')}]`;
  if (c.error !== undefined) ctx.fail(l, at(c.error, off));
  return { layer: l.build(), summary };
}

function dissectFragment(b: Uint8Array, off: number, payloadEnd: number, st: ChainState): { layer: Layer; summary: string } {
  const l = new LayerBuilder('fragment', off, 8);
  const checked = Ipv6FragmentView.check(b.subarray(off, off + 8));
  // The walker has checked the 8 octets; the view cannot fail.
  if (!checked.ok) return { layer: l.build(), summary: 'frag' };
  const v = checked.value;
  l.add('next_header', v.nextHeader, protoDisplay(v.nextHeader));
  l.add('reserved', v.reserved);
  l.add('offset', v.byteOffset, `${v.byteOffset} (${v.fragmentOffset} x 8 octets)`);
  l.add('reserved_bits', v.reservedBits);
  l.add('more_fragments', v.moreFragments);
  l.add('identification', v.identification, hex(v.identification, 8));
  st.fragment = { offset: v.byteOffset, more: v.moreFragments };
  const dataLen = payloadEnd - off - 8;
  return { layer: l.build(), summary: `frag (${hex(v.identification, 8)}:${v.byteOffset}|${dataLen}${v.moreFragments ? '+' : ''})` };
}

function dissectAh(b: Uint8Array, off: number, len: number): { layer: Layer; summary: string } {
  // RFC 4302 §2: Next Header, Payload Len, Reserved, SPI, Sequence Number, ICV.
  const l = new LayerBuilder('ah', off, len);
  l.add('next_header', b[off] ?? 0, protoDisplay(b[off] ?? 0));
  l.add('payload_len', b[off + 1] ?? 0, `${b[off + 1] ?? 0} (${len} octets)`);
  const spi = len >= 12 ? u32(b, off + 4) : 0;
  if (len >= 12) l.add('spi', spi, hex(spi, 8)).add('sequence', u32(b, off + 8));
  if (len > 12) l.add('icv', toHex(b.subarray(off + 12, off + len)));
  return { layer: l.build(), summary: `AH(spi=${hex(spi, 8)})` };
}

export function dissectIpv6(ctx: DissectContext, b: Uint8Array, off: number, end: number): Decoded {
  const l = new LayerBuilder('ipv6', off, Math.min(IPV6_HDR_LEN, end - off));
  const checked = Ipv6View.check(b.subarray(off, end));
  if (!checked.ok) {
    ctx.problem(l, at(checked.error, off));
    return { layers: [l.build()], summary: 'IP6' };
  }
  const v = checked.value;
  const src = formatIpv6Address(v.src);
  const dst = formatIpv6Address(v.dst);
  l.add('version', v.version);
  l.add('traffic_class', v.trafficClass, hex(v.trafficClass, 2));
  l.add('dscp', v.dscp).add('ecn', v.ecn);
  l.add('flow_label', v.flowLabel, hex(v.flowLabel, 5));
  l.add('payload_length', v.payloadLength);
  l.add('next_header', v.nextHeader, protoDisplay(v.nextHeader));
  l.add('hop_limit', v.hopLimit);
  l.add('src', src).add('dst', dst);
  let partial = false;
  let pend = off + IPV6_HDR_LEN + v.payloadLength;
  if (v.jumboCandidate) {
    pend = end;
  } else if (pend > end) {
    const e: WireError = {
      kind: 'truncated',
      offset: off + 4,
      field: 'Payload Length',
      message: `payload length ${v.payloadLength} but only ${end - off - IPV6_HDR_LEN} bytes follow the header`,
    };
    if (!ctx.quoted) {
      ctx.fail(l, e);
      return { layers: [l.build()], summary: `IP6 ${src} > ${dst}:` };
    }
    // An ICMP error quotes as much as fits: go on with the bytes there are.
    l.add('truncated', true, `yes: ${e.message}`);
    partial = true;
    pend = end;
  }
  const layers: Layer[] = [l.build()];
  const parts: string[] = [];
  const head = (ports?: readonly [number, number]): string =>
    ports === undefined ? `IP6 ${src} > ${dst}:` : `IP6 ${src}.${ports[0]} > ${dst}.${ports[1]}:`;
  const done = (ports?: readonly [number, number], upper?: string): Decoded => ({
    layers,
    summary: [head(ports), ...parts, ...(upper !== undefined ? [upper] : [])].join(' '),
  });

  const pkt = b.subarray(off, pend);
  const st: ChainState = { dst: v.dst, fragment: undefined };
  const w = new ExtHeaderWalker().reset(pkt, IPV6_HDR_LEN, v.nextHeader);
  while (w.next()) {
    const ho = off + w.offset;
    let r: { layer: Layer; summary: string };
    if (w.type === NEXTHDR_HOP && w.count !== 1) {
      // RFC 8200 §4.1: only right after the IPv6 header (Linux answers Parameter Problem).
      const bad = new LayerBuilder('hbh', ho, w.length);
      ctx.fail(bad, { kind: 'bad-value', offset: ho, field: 'Next Header', message: 'a Hop-by-Hop Options header must follow the IPv6 header' });
      layers.push(bad.build());
      return done();
    }
    switch (w.type) {
      case NEXTHDR_HOP:
      case NEXTHDR_DEST:
        r = dissectOptionsHeader(ctx, b, ho, w.length, w.type);
        break;
      case NEXTHDR_ROUTING:
        r = dissectRouting(ctx, b, ho, w.length, st);
        break;
      case NEXTHDR_FRAGMENT:
        r = dissectFragment(b, ho, pend, st);
        break;
      case NEXTHDR_AUTH:
        r = dissectAh(b, ho, w.length);
        break;
      default:
        r = { layer: payloadLayer(b, ho, ho + w.length, protoDisplay(w.type)), summary: protoDisplay(w.type) };
    }
    layers.push(r.layer);
    parts.push(r.summary);
    if (ctx.stopped) return done();
  }
  if (w.end === 'error') {
    const e = w.error ?? { kind: 'bad-value', offset: w.protocolOffset, field: 'Next Header', message: 'extension header walk failed' };
    const bad = new LayerBuilder(HEADER_PROTOCOLS.get(w.protocol) ?? 'ipv6', off + w.protocolOffset, pend - off - w.protocolOffset);
    bad.add('type', w.protocol, protoDisplay(w.protocol));
    ctx.problem(bad, at(e, off));
    layers.push(bad.build());
    return done();
  }
  const upOff = off + w.protocolOffset;
  if (w.end === 'later-fragment') {
    const dataOff = upOff + 8;
    // The walk reports the Fragment header itself; its Next Header names what the data is.
    if (pend > dataOff) layers.push(payloadLayer(b, dataOff, pend, `fragment data (${protoDisplay(b[upOff] ?? 0)})`));
    return done();
  }
  if (w.end === 'no-next-header') {
    if (pend > upOff) layers.push(payloadLayer(b, upOff, pend, 'after No Next Header'));
    return done(undefined, 'no next header');
  }
  const info: IpInfo = {
    family: 'ipv6',
    src: v.src,
    dst: st.dst,
    partial: partial || (st.fragment !== undefined && st.fragment.more),
  };
  const up = dissectUpper(ctx, b, w.protocol, upOff, pend, info);
  layers.push(...up.layers);
  return done(up.ports, up.summary);
}

// --- IPv4 --------------------------------------------------------------------------------------

const IPV4_OPTION_NAMES: ReadonlyMap<number, string> = new Map([
  [IPOPT_END, 'End of Options List'],
  [IPOPT_NOOP, 'No Operation'],
  [0x07, 'Record Route'],
  [0x44, 'Timestamp'],
  [0x82, 'Security'],
  [0x83, 'Loose Source Route'],
  [0x86, 'CIPSO'],
  [0x88, 'Stream ID'],
  [0x89, 'Strict Source Route'],
  [0x94, 'Router Alert'],
]);

export function dissectIpv4(ctx: DissectContext, b: Uint8Array, off: number, end: number): Decoded {
  const l = new LayerBuilder('ipv4', off, Math.min(IPV4_HEADER_LEN, end - off));
  const sub = b.subarray(off, end);
  let checked = Ipv4View.check(sub);
  let partial = false;
  if (!checked.ok && ctx.quoted && checked.error.field === 'Total Length' && checked.error.kind === 'truncated') {
    // A quoted header whose packet was cut: check a copy of the header alone (Total Length set
    // to the header length) so the view's getters can read it; the payload is what remains.
    const hlen = ((sub[0] ?? 0) & 0x0f) * 4;
    const copy = sub.slice(0, hlen);
    copy[2] = hlen >>> 8;
    copy[3] = hlen & 0xff;
    checked = Ipv4View.check(copy);
    l.add('truncated', true, `yes: Total Length ${u16(sub, 2)} exceeds the ${sub.length} bytes quoted`);
    partial = true;
  }
  if (!checked.ok) {
    ctx.problem(l, at(checked.error, off));
    return { layers: [l.build()], summary: 'IP' };
  }
  const v = checked.value;
  const total = u16(sub, 2);
  const src = formatIpv4Address(v.src);
  const dst = formatIpv4Address(v.dst);
  l.length = v.headerLen;
  l.add('version', v.version).add('ihl', v.ihl, `${v.ihl} (${v.headerLen} octets)`);
  l.add('dscp', v.dscp).add('ecn', v.ecn);
  l.add('total_length', total).add('identification', v.identification, hex(v.identification, 4));
  l.add('reserved_flag', v.reservedFlag).add('dont_fragment', v.dontFragment).add('more_fragments', v.moreFragments);
  l.add('fragment_offset', v.fragmentOffset * 8, `${v.fragmentOffset * 8} (${v.fragmentOffset} x 8 octets)`);
  l.add('ttl', v.ttl).add('protocol', v.protocol, protoDisplay(v.protocol));
  const csumOk = v.verifyChecksum();
  l.add('checksum', v.checksum, `${hex(v.checksum, 4)} [${csumOk ? 'good' : 'bad'}]`);
  l.add('checksum_status', csumOk ? 'good' : 'bad');
  l.add('src', src).add('dst', dst);
  const opts = parseIpv4Options(v.options);
  if (!opts.ok) {
    ctx.fail(l, at(opts.error, off + IPV4_HEADER_LEN));
    return { layers: [l.build()], summary: `IP ${src} > ${dst}:` };
  }
  let o = off + IPV4_HEADER_LEN;
  for (const opt of opts.value) {
    const simple = opt.type === IPOPT_END || opt.type === IPOPT_NOOP;
    const ol = new LayerBuilder('option', o, simple ? 1 : 2 + opt.data.length);
    ol.add('type', opt.type, `${hex(opt.type, 2)} (${IPV4_OPTION_NAMES.get(opt.type) ?? 'unknown'})`);
    if (!simple) ol.add('length', 2 + opt.data.length).add('data', toHex(opt.data), shortHex(opt.data));
    l.children.push(ol.build());
    o += simple ? 1 : 2 + opt.data.length;
  }
  const layers: Layer[] = [l.build()];
  const pend = partial ? end : off + total;
  const pStart = off + v.headerLen;
  const bad = csumOk ? '' : ' [bad ip cksum]';
  if (v.fragmentOffset !== 0) {
    if (pend > pStart) layers.push(payloadLayer(b, pStart, pend, `fragment data (${protoDisplay(v.protocol)})`));
    const frag = `frag (${hex(v.identification, 4)}:${v.fragmentOffset * 8}|${pend - pStart}${v.moreFragments ? '+' : ''})`;
    return { layers, summary: `IP ${src} > ${dst}: ${frag}${bad}` };
  }
  const info: IpInfo = { family: 'ipv4', src: v.src, dst: v.dst, partial: partial || v.moreFragments };
  const up = dissectUpper(ctx, b, v.protocol, pStart, pend, info);
  layers.push(...up.layers);
  const headText = up.ports === undefined ? `IP ${src} > ${dst}:` : `IP ${src}.${up.ports[0]} > ${dst}.${up.ports[1]}:`;
  const frag = v.moreFragments ? ` frag (${hex(v.identification, 4)}:0|${pend - pStart}+)` : '';
  return { layers, summary: `${headText}${frag} ${up.summary}${bad}` };
}

/** The IP packet in `b[off, end)`, either version by its first nibble. */
export function decodeIp(ctx: DissectContext, b: Uint8Array, off: number, end: number): Decoded {
  const version = off < end ? (b[off] ?? 0) >>> 4 : -1;
  return version === 4 ? dissectIpv4(ctx, b, off, end) : dissectIpv6(ctx, b, off, end);
}
