/**
 * Numbers from Linux include/uapi/linux/icmpv6.h (ICMPv6 types and codes, RFC 4443 and
 * successors) and the Neighbour Discovery message types of include/net/ndisc.h (RFC 4861).
 */

// include/uapi/linux/icmpv6.h: router preference (RFC 4191), in the RA flags byte.
export const ICMPV6_ROUTER_PREF_LOW = 0x3;
export const ICMPV6_ROUTER_PREF_MEDIUM = 0x0;
export const ICMPV6_ROUTER_PREF_HIGH = 0x1;
export const ICMPV6_ROUTER_PREF_INVALID = 0x2;

// include/uapi/linux/icmpv6.h: error messages (types 0-127).
export const ICMPV6_DEST_UNREACH = 1;
export const ICMPV6_PKT_TOOBIG = 2;
export const ICMPV6_TIME_EXCEED = 3;
export const ICMPV6_PARAMPROB = 4;

export const ICMPV6_ERRMSG_MAX = 127;

/** Set in every informational type (128-255), clear in every error type. */
export const ICMPV6_INFOMSG_MASK = 0x80;

// include/uapi/linux/icmpv6.h: informational messages.
export const ICMPV6_ECHO_REQUEST = 128;
export const ICMPV6_ECHO_REPLY = 129;
export const ICMPV6_MGM_QUERY = 130;
export const ICMPV6_MGM_REPORT = 131;
export const ICMPV6_MGM_REDUCTION = 132;

export const ICMPV6_NI_QUERY = 139;
export const ICMPV6_NI_REPLY = 140;

export const ICMPV6_MLD2_REPORT = 143;

export const ICMPV6_DHAAD_REQUEST = 144;
export const ICMPV6_DHAAD_REPLY = 145;
export const ICMPV6_MOBILE_PREFIX_SOL = 146;
export const ICMPV6_MOBILE_PREFIX_ADV = 147;

export const ICMPV6_MRDISC_ADV = 151;
export const ICMPV6_MRDISC_SOL = 152;

export const ICMPV6_MSG_MAX = 255;

// include/uapi/linux/icmpv6.h: codes for Destination Unreachable.
export const ICMPV6_NOROUTE = 0;
export const ICMPV6_ADM_PROHIBITED = 1;
export const ICMPV6_NOT_NEIGHBOUR = 2;
export const ICMPV6_ADDR_UNREACH = 3;
export const ICMPV6_PORT_UNREACH = 4;
export const ICMPV6_POLICY_FAIL = 5;
export const ICMPV6_REJECT_ROUTE = 6;

// include/uapi/linux/icmpv6.h: codes for Time Exceeded.
export const ICMPV6_EXC_HOPLIMIT = 0;
export const ICMPV6_EXC_FRAGTIME = 1;

// include/uapi/linux/icmpv6.h: codes for Parameter Problem (code 3 is RFC 7112's
// "IPv6 First Fragment has incomplete IPv6 Header Chain").
export const ICMPV6_HDR_FIELD = 0;
export const ICMPV6_UNK_NEXTHDR = 1;
export const ICMPV6_UNK_OPTION = 2;
export const ICMPV6_HDR_INCOMP = 3;

// include/uapi/linux/icmpv6.h: RFC 8335 PROBE (Extended Echo) types.
export const ICMPV6_EXT_ECHO_REQUEST = 160;
export const ICMPV6_EXT_ECHO_REPLY = 161;

// include/uapi/linux/icmpv6.h: socket option and filter actions.
export const ICMPV6_FILTER = 1;
export const ICMPV6_FILTER_BLOCK = 1;
export const ICMPV6_FILTER_PASS = 2;
export const ICMPV6_FILTER_BLOCKOTHERS = 3;
export const ICMPV6_FILTER_PASSONLY = 4;

// include/uapi/linux/icmpv6.h: MLDv2 multicast address record types (RFC 3810 §5.2.12).
export const MLD2_MODE_IS_INCLUDE = 1;
export const MLD2_MODE_IS_EXCLUDE = 2;
export const MLD2_CHANGE_TO_INCLUDE = 3;
export const MLD2_CHANGE_TO_EXCLUDE = 4;
export const MLD2_ALLOW_NEW_SOURCES = 5;
export const MLD2_BLOCK_OLD_SOURCES = 6;

// include/net/ndisc.h: Neighbour Discovery message types (RFC 4861 §4).
export const NDISC_ROUTER_SOLICITATION = 133;
export const NDISC_ROUTER_ADVERTISEMENT = 134;
export const NDISC_NEIGHBOUR_SOLICITATION = 135;
export const NDISC_NEIGHBOUR_ADVERTISEMENT = 136;
export const NDISC_REDIRECT = 137;
