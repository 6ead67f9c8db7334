/**
 * Numbers from Linux include/uapi/linux/ipv6.h, include/net/ipv6.h (include/net/ipv6_types.h
 * in recent trees) and include/uapi/linux/seg6.h: the IPv6 fixed header, extension headers,
 * Next Header values as the kernel names them, the Hop-by-Hop / Destination options limits, and
 * the Segment Routing Header.
 *
 * Protocol numbers (IPPROTO_*) and TLV option types (IPV6_TLV_*) live in ./in6.ts.
 */

// include/uapi/linux/ipv6.h
export const IPV6_MIN_MTU = 1280;

/** sizeof(struct ipv6hdr). */
export const IPV6_HDR_LEN = 40;
/** sizeof(struct ipv6_opt_hdr): Next Header + Hdr Ext Len. */
export const IPV6_OPT_HDR_LEN = 2;
/** sizeof(struct ipv6_rt_hdr): Next Header, Hdr Ext Len, Routing Type, Segments Left. */
export const IPV6_RT_HDR_LEN = 4;

export const IPV6_SRCRT_STRICT = 0x01;
export const IPV6_SRCRT_TYPE_0 = 0;
export const IPV6_SRCRT_TYPE_2 = 2;
/** RPL Source Route Header (RFC 6554). */
export const IPV6_SRCRT_TYPE_3 = 3;
/** Segment Routing Header (RFC 8754). */
export const IPV6_SRCRT_TYPE_4 = 4;

/** Router Alert option value for MLD (RFC 2711). */
export const IPV6_OPT_ROUTERALERT_MLD = 0x0000;

// include/net/ipv6.h: Next Header values.
export const NEXTHDR_HOP = 0;
export const NEXTHDR_IPV4 = 4;
export const NEXTHDR_TCP = 6;
export const NEXTHDR_UDP = 17;
export const NEXTHDR_IPV6 = 41;
export const NEXTHDR_ROUTING = 43;
export const NEXTHDR_FRAGMENT = 44;
export const NEXTHDR_GRE = 47;
export const NEXTHDR_ESP = 50;
export const NEXTHDR_AUTH = 51;
export const NEXTHDR_ICMP = 58;
export const NEXTHDR_NONE = 59;
export const NEXTHDR_DEST = 60;
export const NEXTHDR_SCTP = 132;
export const NEXTHDR_MOBILITY = 135;
export const NEXTHDR_MAX = 255;

export const IPV6_MAXPLEN = 65535;
export const IPV6_DEFAULT_HOPLIMIT = 64;
export const IPV6_DEFAULT_MCASTHOPS = 1;

// include/net/ipv6.h: default sysctl limits on Hop-by-Hop and Destination options
// (net.ipv6.max_{hbh,dst}_opts_{number,length}). INT_MAX means "no limit".
const INT_MAX = 0x7fffffff;
export const IP6_DEFAULT_MAX_DST_OPTS_CNT = 8;
export const IP6_DEFAULT_MAX_HBH_OPTS_CNT = 8;
export const IP6_DEFAULT_MAX_DST_OPTS_LEN = INT_MAX;
export const IP6_DEFAULT_MAX_HBH_OPTS_LEN = INT_MAX;

/**
 * Hard limit on extension headers traversed by ipv6_skip_exthdr / ipv6_find_hdr (upstream commit
 * 3744b0964d52 "ipv6: Implement limits on extension header parsing", queued for stable 6.6+).
 */
export const IP6_MAX_EXT_HDRS_CNT = 12;

// include/net/ipv6.h: struct frag_hdr frag_off bits.
export const IP6_MF = 0x0001;
export const IP6_OFFSET = 0xfff8;
/** sizeof(struct frag_hdr). */
export const IP6_FRAG_HDR_LEN = 8;

// include/net/ipv6.h: ipv6_find_hdr() flags.
export const IP6_FH_F_FRAG = 1 << 0;
export const IP6_FH_F_AUTH = 1 << 1;
export const IP6_FH_F_SKIP_RH = 1 << 2;

// include/uapi/linux/seg6.h: struct ipv6_sr_hdr (8 bytes before the segment list).
export const IPV6_SR_HDR_LEN = 8;
export const SR6_FLAG1_PROTECTED = 1 << 6;
export const SR6_FLAG1_OAM = 1 << 5;
export const SR6_FLAG1_ALERT = 1 << 4;
export const SR6_FLAG1_HMAC = 1 << 3;

export const SR6_TLV_INGRESS = 1;
export const SR6_TLV_EGRESS = 2;
export const SR6_TLV_OPAQUE = 3;
export const SR6_TLV_PADDING = 4;
export const SR6_TLV_HMAC = 5;
