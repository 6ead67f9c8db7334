/**
 * Numbers from Linux include/uapi/linux/in.h (IPPROTO_*) and include/uapi/linux/in6.h
 * (IPv6 protocol numbers, Hop-by-Hop / Destination option types, flow-label manager, IPv6
 * socket options), Linux 6.18.
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

// include/uapi/linux/in6.h: struct in6_flowlabel_req, the IPV6_FLOWLABEL_MGR argument (32 bytes).
export const FLR_DST = 0; // struct in6_addr
export const FLR_LABEL = 16; // be32, flow label in the low 20 bits
export const FLR_ACTION = 20; // u8, IPV6_FL_A_*
export const FLR_SHARE = 21; // u8, IPV6_FL_S_*
export const FLR_FLAGS = 22; // u16, IPV6_FL_F_*
export const FLR_EXPIRES = 24; // u16, seconds
export const FLR_LINGER = 26; // u16, seconds
// 28: u32 __flr_pad
export const IN6_FLOWLABEL_REQ_SIZE = 32;

// flr_action.
export const IPV6_FL_A_GET = 0;
export const IPV6_FL_A_PUT = 1;
export const IPV6_FL_A_RENEW = 2;

// flr_flags.
export const IPV6_FL_F_CREATE = 1;
export const IPV6_FL_F_EXCL = 2;
export const IPV6_FL_F_REFLECT = 4;
export const IPV6_FL_F_REMOTE = 8;

// flr_share.
export const IPV6_FL_S_NONE = 0;
export const IPV6_FL_S_EXCL = 1;
export const IPV6_FL_S_PROCESS = 2;
export const IPV6_FL_S_USER = 3;
export const IPV6_FL_S_ANY = 255;

// Masks over sin6_flowinfo taken in host byte order (the field itself is big-endian).
export const IPV6_FLOWINFO_FLOWLABEL = 0x000fffff;
export const IPV6_FLOWINFO_PRIORITY = 0x0ff00000;

// Obsolete RFC 1883 priority values.
export const IPV6_PRIORITY_UNCHARACTERIZED = 0x0000;
export const IPV6_PRIORITY_FILLER = 0x0100;
export const IPV6_PRIORITY_UNATTENDED = 0x0200;
export const IPV6_PRIORITY_RESERVED1 = 0x0300;
export const IPV6_PRIORITY_BULK = 0x0400;
export const IPV6_PRIORITY_RESERVED2 = 0x0500;
export const IPV6_PRIORITY_INTERACTIVE = 0x0600;
export const IPV6_PRIORITY_CONTROL = 0x0700;
export const IPV6_PRIORITY_8 = 0x0800;
export const IPV6_PRIORITY_9 = 0x0900;
export const IPV6_PRIORITY_10 = 0x0a00;
export const IPV6_PRIORITY_11 = 0x0b00;
export const IPV6_PRIORITY_12 = 0x0c00;
export const IPV6_PRIORITY_13 = 0x0d00;
export const IPV6_PRIORITY_14 = 0x0e00;
export const IPV6_PRIORITY_15 = 0x0f00;

// Socket option level for the options below (include/linux/socket.h; equal to IPPROTO_IPV6).
export const SOL_IPV6 = 41;

// include/uapi/linux/in6.h: IPv6 socket options.
export const IPV6_ADDRFORM = 1;
export const IPV6_2292PKTINFO = 2;
export const IPV6_2292HOPOPTS = 3;
export const IPV6_2292DSTOPTS = 4;
export const IPV6_2292RTHDR = 5;
export const IPV6_2292PKTOPTIONS = 6;
export const IPV6_CHECKSUM = 7;
export const IPV6_2292HOPLIMIT = 8;
export const IPV6_NEXTHOP = 9;
export const IPV6_AUTHHDR = 10; // obsolete
export const IPV6_FLOWINFO = 11;

export const IPV6_UNICAST_HOPS = 16;
export const IPV6_MULTICAST_IF = 17;
export const IPV6_MULTICAST_HOPS = 18;
export const IPV6_MULTICAST_LOOP = 19;
export const IPV6_ADD_MEMBERSHIP = 20;
export const IPV6_DROP_MEMBERSHIP = 21;
export const IPV6_ROUTER_ALERT = 22;
export const IPV6_MTU_DISCOVER = 23;
export const IPV6_MTU = 24;
export const IPV6_RECVERR = 25;
export const IPV6_V6ONLY = 26;
export const IPV6_JOIN_ANYCAST = 27;
export const IPV6_LEAVE_ANYCAST = 28;
export const IPV6_MULTICAST_ALL = 29;
export const IPV6_ROUTER_ALERT_ISOLATE = 30;
export const IPV6_RECVERR_RFC4884 = 31;

// IPV6_MTU_DISCOVER values.
export const IPV6_PMTUDISC_DONT = 0;
export const IPV6_PMTUDISC_WANT = 1;
export const IPV6_PMTUDISC_DO = 2;
export const IPV6_PMTUDISC_PROBE = 3;
export const IPV6_PMTUDISC_INTERFACE = 4;
export const IPV6_PMTUDISC_OMIT = 5;

// Flow labels.
export const IPV6_FLOWLABEL_MGR = 32; // takes struct in6_flowlabel_req
export const IPV6_FLOWINFO_SEND = 33; // send the socket's sin6_flowinfo label

export const IPV6_IPSEC_POLICY = 34;
export const IPV6_XFRM_POLICY = 35;
export const IPV6_HDRINCL = 36;

// RFC 3542 advanced API. (42-48 are the MCAST_* options shared with IPv4.)
export const IPV6_RECVPKTINFO = 49;
export const IPV6_PKTINFO = 50;
export const IPV6_RECVHOPLIMIT = 51;
export const IPV6_HOPLIMIT = 52;
export const IPV6_RECVHOPOPTS = 53;
export const IPV6_HOPOPTS = 54;
export const IPV6_RTHDRDSTOPTS = 55;
export const IPV6_RECVRTHDR = 56;
export const IPV6_RTHDR = 57;
export const IPV6_RECVDSTOPTS = 58;
export const IPV6_DSTOPTS = 59;
export const IPV6_RECVPATHMTU = 60;
export const IPV6_PATHMTU = 61;
export const IPV6_DONTFRAG = 62;

export const IPV6_RECVTCLASS = 66;
export const IPV6_TCLASS = 67;

export const IPV6_AUTOFLOWLABEL = 70;
export const IPV6_ADDR_PREFERENCES = 72; // RFC 5014 source address selection

// IPV6_ADDR_PREFERENCES bits.
export const IPV6_PREFER_SRC_TMP = 0x0001;
export const IPV6_PREFER_SRC_PUBLIC = 0x0002;
export const IPV6_PREFER_SRC_PUBTMP_DEFAULT = 0x0100;
export const IPV6_PREFER_SRC_COA = 0x0004;
export const IPV6_PREFER_SRC_HOME = 0x0400;
export const IPV6_PREFER_SRC_CGA = 0x0008;
export const IPV6_PREFER_SRC_NONCGA = 0x0800;

export const IPV6_MINHOPCOUNT = 73; // RFC 5082 GTSM
export const IPV6_ORIGDSTADDR = 74;
export const IPV6_RECVORIGDSTADDR = IPV6_ORIGDSTADDR;
export const IPV6_TRANSPARENT = 75;
export const IPV6_UNICAST_IF = 76;
export const IPV6_RECVFRAGSIZE = 77;
export const IPV6_FREEBIND = 78;
