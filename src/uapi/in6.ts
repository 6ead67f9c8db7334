/**
 * Numbers from Linux include/uapi/linux/in.h (IPPROTO_*) and include/uapi/linux/in6.h
 * (IPv6 protocol numbers, Hop-by-Hop / Destination option types, flow-label manager).
 */

// include/uapi/linux/in.h and in6.h: protocol numbers carried in Next Header.
export const IPPROTO_IP = 0;
export const IPPROTO_HOPOPTS = 0;
export const IPPROTO_ICMP = 1;
export const IPPROTO_IGMP = 2;
export const IPPROTO_IPIP = 4;
export const IPPROTO_TCP = 6;
export const IPPROTO_UDP = 17;
export const IPPROTO_IPV6 = 41;
export const IPPROTO_ROUTING = 43;
export const IPPROTO_FRAGMENT = 44;
export const IPPROTO_GRE = 47;
export const IPPROTO_ESP = 50;
export const IPPROTO_AH = 51;
export const IPPROTO_ICMPV6 = 58;
export const IPPROTO_NONE = 59;
export const IPPROTO_DSTOPTS = 60;
export const IPPROTO_MH = 135;
export const IPPROTO_SCTP = 132;
export const IPPROTO_UDPLITE = 136;
export const IPPROTO_MPLS = 137;
export const IPPROTO_ETHERNET = 143;
export const IPPROTO_RAW = 255;

// include/uapi/linux/in6.h: IPv6 TLV options (Hop-by-Hop and Destination Options).
export const IPV6_TLV_PAD1 = 0;
export const IPV6_TLV_PADN = 1;
export const IPV6_TLV_ROUTERALERT = 5;
export const IPV6_TLV_CALIPSO = 7;
export const IPV6_TLV_IOAM = 49;
export const IPV6_TLV_JUMBO = 194;
export const IPV6_TLV_HAO = 201;
