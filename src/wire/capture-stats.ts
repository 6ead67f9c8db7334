/**
 * Counting what a capture holds, fast: the engine of `v6stack pcap stats`.
 *
 * `CaptureStats.add` classifies one frame — link type, network protocol, IPv6 extension
 * headers, IOAM options and the hops filled in their traces, the transport, GTP-U message
 * types — and counts malformed frames by reason. It allocates nothing and walks each header
 * once with plain byte reads, so a capture is summarised at millions of packets per second. The
 * rules are the ones the full decoders apply (RFC 8200 header chain, RFC 9486 option framing,
 * the Linux 6.18 trace checks through `traceHopCount`, TS 29.281 via `peekGtpu`); a packet the
 * full decoder would reject is counted here as malformed with the same reason.
 */

import { ETH_P_IP, ETH_P_IPV6 } from '../uapi/if_ether.ts';
import { IPPROTO_AH, IPPROTO_ESP, IPPROTO_ICMP, IPV6_TLV_IOAM, IPV6_TLV_PAD1 } from '../uapi/in6.ts';
import {
  NEXTHDR_DEST,
  NEXTHDR_FRAGMENT,
  NEXTHDR_HOP,
  NEXTHDR_ICMP,
  NEXTHDR_NONE,
  NEXTHDR_ROUTING,
  NEXTHDR_TCP,
  NEXTHDR_UDP,
} from '../uapi/ipv6.ts';
import { GTP1U_PORT } from '../uapi/gtpu.ts';
import { u16 } from './bytes.ts';
import { GTPU_PEEK, GtpuPeek, peekGtpu } from './gtpu.ts';
import { traceHopCount } from './ioam-trace.ts';
import { LINK, NetworkLocation, locateNetwork } from './link.ts';

/** Why a frame was counted as malformed. Index into `CaptureStats.malformed`. */
export const MALFORMED = {
  LINK_TRUNCATED: 0,
  UNKNOWN_LINK_TYPE: 1,
  VLAN_TOO_DEEP: 2,
  IPV6_TRUNCATED: 3,
  IPV6_BAD_VERSION: 4,
  IPV6_BAD_PAYLOAD_LENGTH: 5,
  EXTHDR_TRUNCATED: 6,
  EXTHDR_TOO_MANY: 7,
  HBH_NOT_FIRST: 8,
  OPTION_TRUNCATED: 9,
  IOAM_BAD_OPTION: 10,
  IOAM_BAD_TRACE: 11,
  IPV4_TRUNCATED: 12,
  IPV4_BAD_HEADER: 13,
  UDP_TRUNCATED: 14,
  UDP_BAD_LENGTH: 15,
  GTPU_TRUNCATED: 16,
  GTPU_BAD_VERSION: 17,
  GTPU_BAD_LENGTH: 18,
  GTPU_BAD_EXT_HEADER: 19,
} as const;

export const MALFORMED_NAMES: readonly string[] = [
  'link-truncated',
  'unknown-link-type',
  'vlan-too-deep',
  'ipv6-truncated',
  'ipv6-bad-version',
  'ipv6-bad-payload-length',
  'exthdr-truncated',
  'exthdr-too-many',
  'hbh-not-first',
  'option-truncated',
  'ioam-bad-option',
  'ioam-bad-trace',
  'ipv4-truncated',
  'ipv4-bad-header',
  'udp-truncated',
  'udp-bad-length',
  'gtpu-truncated',
  'gtpu-bad-version',
  'gtpu-bad-length',
  'gtpu-bad-extension-header',
];

/** Linux's IP6_MAX_EXT_HDRS_CNT: a longer chain is refused. */
const MAX_EXT_HEADERS = 12;
const IPV6_HDR_LEN = 40;
const IPV4_MIN_HDR_LEN = 20;
const UDP_HDR_LEN = 8;
const IOAM_TYPE_PREALLOC = 0;
const IOAM_TYPE_INCREMENTAL = 1;
const IOAM_TYPE_POT = 2;
const IOAM_TYPE_E2E = 3;
const IOAM_TYPE_DEX = 4;
/** Option type, length, reserved, IOAM option-type, then the 8-octet trace header. */
const IOAM_TRACE_MIN_OPT = 4 + 8;

export class CaptureStats {
  packets = 0;
  /** Captured octets (record lengths). */
  bytes = 0;
  /** Frames whose captured length is shorter than their original length. */
  snapped = 0;
  ipv6 = 0;
  ipv4 = 0;
  otherNetwork = 0;
  hopByHop = 0;
  destinationOptions = 0;
  routing = 0;
  fragments = 0;
  /** Fragments with a non-zero offset: their upper layer is not in this packet. */
  laterFragments = 0;
  udp = 0;
  tcp = 0;
  icmpv6 = 0;
  icmp = 0;
  otherTransport = 0;
  /** IOAM options by IOAM option-type. */
  ioamPrealloc = 0;
  ioamIncremental = 0;
  ioamPot = 0;
  ioamE2e = 0;
  ioamDex = 0;
  ioamOther = 0;
  /** Filled hops over all Pre-allocated and Incremental traces. */
  ioamHops = 0;
  /** Traces with the Overflow flag set. */
  ioamOverflow = 0;
  gtpu = 0;
  /** GTP-U messages by message type. */
  readonly gtpuTypes = new Uint32Array(256);
  /** Frames by link type (pcap LINKTYPE_*). */
  readonly linkTypes = new Map<number, number>();
  /** Malformed frames by `MALFORMED` reason. */
  readonly malformed = new Uint32Array(MALFORMED_NAMES.length);

  readonly #loc = new NetworkLocation();
  readonly #gtp = new GtpuPeek();
  #lastLinkType = -1;
  #lastLinkCount = 0;

  /** Classifies one frame `b[offset, offset + capLen)` of `linkType`. */
  add(linkType: number, b: Uint8Array, offset: number, capLen: number, origLen: number): void {
    this.packets++;
    this.bytes += capLen;
    if (capLen < origLen) this.snapped++;
    // Captures rarely mix link types: count runs, fold into the map on change.
    if (linkType !== this.#lastLinkType) {
      this.#foldLinkType();
      this.#lastLinkType = linkType;
    }
    this.#lastLinkCount++;
    const end = offset + capLen;
    const loc = this.#loc;
    const st = locateNetwork(linkType, b, offset, end, loc);
    if (st !== LINK.OK) {
      this.malformed[
        st === LINK.TRUNCATED ? MALFORMED.LINK_TRUNCATED : st === LINK.TOO_MANY_TAGS ? MALFORMED.VLAN_TOO_DEEP : MALFORMED.UNKNOWN_LINK_TYPE
      ]!++;
      return;
    }
    const reason =
      loc.protocol === ETH_P_IPV6
        ? this.#ipv6(b, loc.offset, end, capLen < origLen)
        : loc.protocol === ETH_P_IP
          ? this.#ipv4(b, loc.offset, end, capLen < origLen)
          : (this.otherNetwork++, -1);
    if (reason >= 0) this.malformed[reason]!++;
  }

  #foldLinkType(): void {
    if (this.#lastLinkCount === 0) return;
    this.linkTypes.set(this.#lastLinkType, (this.linkTypes.get(this.#lastLinkType) ?? 0) + this.#lastLinkCount);
    this.#lastLinkCount = 0;
  }

  /** Returns a MALFORMED reason, or -1. `snapped`: the capture cut the frame short. */
  #ipv6(b: Uint8Array, o: number, end: number, snapped: boolean): number {
    if (end - o < IPV6_HDR_LEN) return MALFORMED.IPV6_TRUNCATED;
    if ((b[o] ?? 0) >>> 4 !== 6) return MALFORMED.IPV6_BAD_VERSION;
    this.ipv6++;
    const payloadLen = u16(b, o + 4);
    let pend = o + IPV6_HDR_LEN + payloadLen;
    if (pend > end) {
      // A snapped capture legitimately lacks the tail; otherwise the header lies (Jumbo: 0).
      if (!snapped && payloadLen !== 0) return MALFORMED.IPV6_BAD_PAYLOAD_LENGTH;
      pend = end;
    } else if (payloadLen === 0) {
      pend = end;
    }
    let nh = b[o + 6] ?? 0;
    let p = o + IPV6_HDR_LEN;
    for (let count = 0; ; count++) {
      if (nh === NEXTHDR_HOP || nh === NEXTHDR_DEST || nh === NEXTHDR_ROUTING || nh === NEXTHDR_FRAGMENT || nh === IPPROTO_AH) {
        if (count === MAX_EXT_HEADERS) return MALFORMED.EXTHDR_TOO_MANY;
        if (pend - p < 8) return snapped ? -1 : MALFORMED.EXTHDR_TRUNCATED;
        let len: number;
        if (nh === NEXTHDR_FRAGMENT) {
          len = 8;
          this.fragments++;
          const fragOff = u16(b, p + 2);
          if ((fragOff & 0xfff8) !== 0) {
            this.laterFragments++;
            return -1;
          }
          // A first fragment carries only the start of its upper layer.
          if ((fragOff & 1) !== 0) snapped = true;
        } else {
          len = nh === IPPROTO_AH ? ((b[p + 1] ?? 0) + 2) * 4 : ((b[p + 1] ?? 0) + 1) * 8;
          if (p + len > pend) return snapped ? -1 : MALFORMED.EXTHDR_TRUNCATED;
          if (nh === NEXTHDR_HOP) {
            if (count !== 0) return MALFORMED.HBH_NOT_FIRST;
            this.hopByHop++;
            const r = this.#options(b, p + 2, p + len);
            if (r >= 0) return r;
          } else if (nh === NEXTHDR_DEST) {
            this.destinationOptions++;
            const r = this.#options(b, p + 2, p + len);
            if (r >= 0) return r;
          } else if (nh === NEXTHDR_ROUTING) {
            this.routing++;
          }
        }
        nh = b[p] ?? 0;
        p += len;
        continue;
      }
      return this.#transport(nh, b, p, pend, snapped);
    }
  }

  /** Walks Hop-by-Hop / Destination options in `[p, end)`, counting IOAM. */
  #options(b: Uint8Array, p: number, end: number): number {
    while (p < end) {
      const type = b[p] ?? 0;
      if (type === IPV6_TLV_PAD1) {
        p++;
        continue;
      }
      if (p + 2 > end) return MALFORMED.OPTION_TRUNCATED;
      const optEnd = p + 2 + (b[p + 1] ?? 0);
      if (optEnd > end) return MALFORMED.OPTION_TRUNCATED;
      if (type === IPV6_TLV_IOAM) {
        const r = this.#ioam(b, p, optEnd);
        if (r >= 0) return r;
      }
      p = optEnd;
    }
    return -1;
  }

  #ioam(b: Uint8Array, p: number, optEnd: number): number {
    if (optEnd - p < 4) return MALFORMED.IOAM_BAD_OPTION;
    const ioamType = b[p + 3] ?? 0;
    if (ioamType === IOAM_TYPE_PREALLOC || ioamType === IOAM_TYPE_INCREMENTAL) {
      if (ioamType === IOAM_TYPE_PREALLOC) this.ioamPrealloc++;
      else this.ioamIncremental++;
      if (optEnd - p < IOAM_TRACE_MIN_OPT) return MALFORMED.IOAM_BAD_TRACE;
      const hops = traceHopCount(b, p);
      if (hops < 0) return MALFORMED.IOAM_BAD_TRACE;
      this.ioamHops += hops;
      // Overflow is the first flag bit, just after the 5-bit NodeLen.
      if (((b[p + 6] ?? 0) & 0x04) !== 0) this.ioamOverflow++;
      return -1;
    }
    if (ioamType === IOAM_TYPE_POT) this.ioamPot++;
    else if (ioamType === IOAM_TYPE_E2E) this.ioamE2e++;
    else if (ioamType === IOAM_TYPE_DEX) this.ioamDex++;
    else this.ioamOther++;
    return -1;
  }

  #transport(proto: number, b: Uint8Array, p: number, end: number, snapped: boolean): number {
    switch (proto) {
      case NEXTHDR_UDP:
        return this.#udp(b, p, end, snapped);
      case NEXTHDR_TCP:
        this.tcp++;
        return -1;
      case NEXTHDR_ICMP:
        this.icmpv6++;
        return -1;
      case IPPROTO_ICMP:
        this.icmp++;
        return -1;
      case NEXTHDR_NONE:
      case IPPROTO_ESP:
      default:
        this.otherTransport++;
        return -1;
    }
  }

  #udp(b: Uint8Array, p: number, end: number, snapped: boolean): number {
    this.udp++;
    if (end - p < UDP_HDR_LEN) return snapped ? -1 : MALFORMED.UDP_TRUNCATED;
    const len = u16(b, p + 4);
    // Length 0 is legal over IPv6 jumbograms only; anything else must fit the datagram.
    if ((len !== 0 && len < UDP_HDR_LEN) || (!snapped && p + len > end)) return MALFORMED.UDP_BAD_LENGTH;
    if (u16(b, p) !== GTP1U_PORT && u16(b, p + 2) !== GTP1U_PORT) return -1;
    const gend = len === 0 ? end : Math.min(end, p + len);
    const st = peekGtpu(b, p + UDP_HDR_LEN, gend, this.#gtp);
    if (st === GTPU_PEEK.OK) {
      this.gtpu++;
      this.gtpuTypes[this.#gtp.messageType]!++;
      return -1;
    }
    if (snapped && (st === GTPU_PEEK.TRUNCATED || st === GTPU_PEEK.BAD_LENGTH)) return -1;
    switch (st) {
      case GTPU_PEEK.TRUNCATED:
        return MALFORMED.GTPU_TRUNCATED;
      case GTPU_PEEK.BAD_VERSION:
        return MALFORMED.GTPU_BAD_VERSION;
      case GTPU_PEEK.BAD_LENGTH:
        return MALFORMED.GTPU_BAD_LENGTH;
      default:
        return MALFORMED.GTPU_BAD_EXT_HEADER;
    }
  }

  #ipv4(b: Uint8Array, o: number, end: number, snapped: boolean): number {
    if (end - o < IPV4_MIN_HDR_LEN) return MALFORMED.IPV4_TRUNCATED;
    const vihl = b[o] ?? 0;
    const ihl = (vihl & 0x0f) * 4;
    const total = u16(b, o + 2);
    if (vihl >>> 4 !== 4 || ihl < IPV4_MIN_HDR_LEN || total < ihl || end - o < ihl) return MALFORMED.IPV4_BAD_HEADER;
    if (!snapped && o + total > end) return MALFORMED.IPV4_TRUNCATED;
    this.ipv4++;
    const frag = u16(b, o + 6);
    if ((frag & 0x1fff) !== 0) {
      this.fragments++;
      this.laterFragments++;
      return -1;
    }
    if ((frag & 0x2000) !== 0) {
      // First fragment (MF set): the upper layer continues in later fragments.
      this.fragments++;
      snapped = true;
    }
    const pend = Math.min(end, o + total);
    return this.#transport(b[o + 9] ?? 0, b, o + ihl, pend, snapped);
  }

  /** Folds pending counts; call before reading `linkTypes`. */
  finish(): this {
    this.#foldLinkType();
    this.#lastLinkType = -1;
    return this;
  }

  get malformedTotal(): number {
    let n = 0;
    for (const v of this.malformed) n += v;
    return n;
  }

  get ioamTraces(): number {
    return this.ioamPrealloc + this.ioamIncremental;
  }
}
