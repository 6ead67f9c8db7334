/**
 * Finding the network-layer packet inside a captured frame, for every link type v6stack reads:
 * Ethernet II with stacked 802.1Q/802.1ad tags, raw IP (version from the first nibble),
 * LINKTYPE_IPV4/IPV6, BSD loopback (NULL: host-order family; LOOP: network order) and Linux
 * cooked captures (SLL, SLL2).
 *
 * `locateNetwork` fills a reusable `NetworkLocation` and allocates nothing: it is on the path
 * that reads millions of packets per second. It reports the EtherType-style protocol of what
 * follows (ETH_P_IPV6, ETH_P_IP, or whatever the link said), so callers treat all link types
 * alike.
 */

import { ETH_HLEN, ETH_P_8021AD, ETH_P_8021Q, ETH_P_IP, ETH_P_IPV6 } from '../uapi/if_ether.ts';
import {
  LINKTYPE_ETHERNET,
  LINKTYPE_IPV4,
  LINKTYPE_IPV6,
  LINKTYPE_LINUX_SLL,
  LINKTYPE_LINUX_SLL2,
  LINKTYPE_LOOP,
  LINKTYPE_NULL,
  LINKTYPE_RAW,
} from '../uapi/pcap.ts';
import { u16, u32, u32le } from './bytes.ts';

/** Linux's VLAN_MAX_DEPTH budget: at most 7 stacked tags are walked (see ethernet.ts). */
const MAX_VLAN_TAGS = 7;
const VLAN_TAG_LEN = 4;
const SLL_HDR_LEN = 16;
const SLL2_HDR_LEN = 20;
/** Address families in NULL/LOOP headers: Linux, and the BSDs' several AF_INET6 values. */
const AF_INET = 2;
const AF_INET6_VALUES = [10, 24, 28, 30] as const;

export const LINK = {
  OK: 0,
  /** The frame is shorter than its link-layer header. */
  TRUNCATED: 1,
  /** A link type v6stack does not read. */
  UNKNOWN_LINK_TYPE: 2,
  /** More stacked VLAN tags than Linux walks. */
  TOO_MANY_TAGS: 3,
} as const;
export type LinkStatus = (typeof LINK)[keyof typeof LINK];

export class NetworkLocation {
  /** ETH_P_* of the payload (0 when the link does not say and the version nibble is unknown). */
  protocol = 0;
  /** Offset of the network header in the frame buffer. */
  offset = 0;
  /** Number of VLAN tags walked (Ethernet only) and the innermost VLAN id, or -1. */
  vlanTags = 0;
  vlanId = -1;

  reset(): void {
    this.protocol = 0;
    this.offset = 0;
    this.vlanTags = 0;
    this.vlanId = -1;
  }
}

function fromVersionNibble(b: Uint8Array, o: number, end: number): number {
  if (o >= end) return 0;
  const v = (b[o] ?? 0) >>> 4;
  return v === 6 ? ETH_P_IPV6 : v === 4 ? ETH_P_IP : 0;
}

function fromFamily(family: number): number {
  if (family === AF_INET) return ETH_P_IP;
  for (const f of AF_INET6_VALUES) if (family === f) return ETH_P_IPV6;
  return 0;
}

/** Locates the network packet in `b[offset, end)` of link type `linkType`. */
export function locateNetwork(linkType: number, b: Uint8Array, offset: number, end: number, out: NetworkLocation): LinkStatus {
  out.reset();
  switch (linkType) {
    case LINKTYPE_ETHERNET: {
      if (end - offset < ETH_HLEN) return LINK.TRUNCATED;
      let o = offset + 12;
      let type = u16(b, o);
      while (type === ETH_P_8021Q || type === ETH_P_8021AD) {
        if (out.vlanTags === MAX_VLAN_TAGS) return LINK.TOO_MANY_TAGS;
        if (o + 2 + VLAN_TAG_LEN > end) return LINK.TRUNCATED;
        out.vlanId = u16(b, o + 2) & 0x0fff;
        out.vlanTags++;
        o += VLAN_TAG_LEN;
        type = u16(b, o);
      }
      out.protocol = type;
      out.offset = o + 2;
      return LINK.OK;
    }
    case LINKTYPE_RAW:
      out.protocol = fromVersionNibble(b, offset, end);
      out.offset = offset;
      return LINK.OK;
    case LINKTYPE_IPV6:
      out.protocol = ETH_P_IPV6;
      out.offset = offset;
      return LINK.OK;
    case LINKTYPE_IPV4:
      out.protocol = ETH_P_IP;
      out.offset = offset;
      return LINK.OK;
    case LINKTYPE_NULL:
    case LINKTYPE_LOOP: {
      if (end - offset < 4) return LINK.TRUNCATED;
      // NULL is in the capturing host's byte order: accept either, as Wireshark does.
      const be = u32(b, offset);
      const family = linkType === LINKTYPE_LOOP ? be : (be & 0xffff0000) !== 0 ? u32le(b, offset) : be;
      out.protocol = fromFamily(family);
      out.offset = offset + 4;
      return LINK.OK;
    }
    case LINKTYPE_LINUX_SLL:
      if (end - offset < SLL_HDR_LEN) return LINK.TRUNCATED;
      out.protocol = u16(b, offset + 14);
      out.offset = offset + SLL_HDR_LEN;
      return LINK.OK;
    case LINKTYPE_LINUX_SLL2:
      if (end - offset < SLL2_HDR_LEN) return LINK.TRUNCATED;
      out.protocol = u16(b, offset);
      out.offset = offset + SLL2_HDR_LEN;
      return LINK.OK;
    default:
      return LINK.UNKNOWN_LINK_TYPE;
  }
}
