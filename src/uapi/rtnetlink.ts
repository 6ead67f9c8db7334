/**
 * rtnetlink numbers from Linux include/uapi/linux/rtnetlink.h (Linux 6.18): message types,
 * route types, protocols, scopes, tables, route attributes and metrics, multicast groups, and
 * the layout of the fixed headers that follow struct nlmsghdr.
 *
 * Traffic-control messages (tcmsg, TCA_*) and ND user options are left out: v6stack has neither.
 * The address header (struct ifaddrmsg) is in if_addr.ts, IFLA_* in if_link.ts.
 */

// rtnetlink families beyond the real address families.
export const RTNL_FAMILY_IPMR = 128;
export const RTNL_FAMILY_IP6MR = 129;
export const RTNL_FAMILY_MAX = 129;

// Message types. Each object has NEW/DEL/GET(/SET) in a block of four from RTM_BASE.
export const RTM_BASE = 16;

export const RTM_NEWLINK = 16;
export const RTM_DELLINK = 17;
export const RTM_GETLINK = 18;
export const RTM_SETLINK = 19;

export const RTM_NEWADDR = 20;
export const RTM_DELADDR = 21;
export const RTM_GETADDR = 22;

export const RTM_NEWROUTE = 24;
export const RTM_DELROUTE = 25;
export const RTM_GETROUTE = 26;

export const RTM_NEWNEIGH = 28;
export const RTM_DELNEIGH = 29;
export const RTM_GETNEIGH = 30;

export const RTM_NEWRULE = 32;
export const RTM_DELRULE = 33;
export const RTM_GETRULE = 34;

export const RTM_NEWQDISC = 36;
export const RTM_DELQDISC = 37;
export const RTM_GETQDISC = 38;

export const RTM_NEWTCLASS = 40;
export const RTM_DELTCLASS = 41;
export const RTM_GETTCLASS = 42;

export const RTM_NEWTFILTER = 44;
export const RTM_DELTFILTER = 45;
export const RTM_GETTFILTER = 46;

export const RTM_NEWACTION = 48;
export const RTM_DELACTION = 49;
export const RTM_GETACTION = 50;

export const RTM_NEWPREFIX = 52;

export const RTM_NEWMULTICAST = 56;
export const RTM_DELMULTICAST = 57;
export const RTM_GETMULTICAST = 58;

export const RTM_NEWANYCAST = 60;
export const RTM_DELANYCAST = 61;
export const RTM_GETANYCAST = 62;

export const RTM_NEWNEIGHTBL = 64;
export const RTM_GETNEIGHTBL = 66;
export const RTM_SETNEIGHTBL = 67;

export const RTM_NEWNDUSEROPT = 68;

export const RTM_NEWADDRLABEL = 72;
export const RTM_DELADDRLABEL = 73;
export const RTM_GETADDRLABEL = 74;

export const RTM_GETDCB = 78;
export const RTM_SETDCB = 79;

export const RTM_NEWNETCONF = 80;
export const RTM_DELNETCONF = 81;
export const RTM_GETNETCONF = 82;

export const RTM_NEWMDB = 84;
export const RTM_DELMDB = 85;
export const RTM_GETMDB = 86;

export const RTM_NEWNSID = 88;
export const RTM_DELNSID = 89;
export const RTM_GETNSID = 90;

export const RTM_NEWSTATS = 92;
export const RTM_GETSTATS = 94;
export const RTM_SETSTATS = 95;

export const RTM_NEWCACHEREPORT = 96;

export const RTM_NEWCHAIN = 100;
export const RTM_DELCHAIN = 101;
export const RTM_GETCHAIN = 102;

export const RTM_NEWNEXTHOP = 104;
export const RTM_DELNEXTHOP = 105;
export const RTM_GETNEXTHOP = 106;

export const RTM_NEWLINKPROP = 108;
export const RTM_DELLINKPROP = 109;
export const RTM_GETLINKPROP = 110;

export const RTM_NEWVLAN = 112;
export const RTM_DELVLAN = 113;
export const RTM_GETVLAN = 114;

export const RTM_NEWNEXTHOPBUCKET = 116;
export const RTM_DELNEXTHOPBUCKET = 117;
export const RTM_GETNEXTHOPBUCKET = 118;

export const RTM_NEWTUNNEL = 120;
export const RTM_DELTUNNEL = 121;
export const RTM_GETTUNNEL = 122;

/** Last type of the last block of four. */
export const RTM_MAX = 123;
export const RTM_NR_MSGTYPES = RTM_MAX + 1 - RTM_BASE; // 108
export const RTM_NR_FAMILIES = RTM_NR_MSGTYPES >> 2; // 27

// struct rtattr: the rtnetlink name for struct nlattr, same layout.
export const RTA_ALIGNTO = 4;

// struct rtmsg: 12 bytes after the netlink header of route messages.
export const RTMSG_RTM_FAMILY = 0; // u8
export const RTMSG_RTM_DST_LEN = 1; // u8
export const RTMSG_RTM_SRC_LEN = 2; // u8
export const RTMSG_RTM_TOS = 3; // u8
export const RTMSG_RTM_TABLE = 4; // u8, RT_TABLE_* (RTA_TABLE carries ids above 255)
export const RTMSG_RTM_PROTOCOL = 5; // u8, RTPROT_*
export const RTMSG_RTM_SCOPE = 6; // u8, RT_SCOPE_*
export const RTMSG_RTM_TYPE = 7; // u8, RTN_*
export const RTMSG_RTM_FLAGS = 8; // u32, RTM_F_*
export const RTMSG_SIZE = 12;

// rtm_type: route types.
export const RTN_UNSPEC = 0;
export const RTN_UNICAST = 1;
export const RTN_LOCAL = 2;
export const RTN_BROADCAST = 3;
export const RTN_ANYCAST = 4;
export const RTN_MULTICAST = 5;
export const RTN_BLACKHOLE = 6;
export const RTN_UNREACHABLE = 7;
export const RTN_PROHIBIT = 8;
export const RTN_THROW = 9;
export const RTN_NAT = 10;
export const RTN_XRESOLVE = 11;
export const RTN_MAX = 11;

// rtm_protocol: who installed the route. The kernel interprets only values up to STATIC.
export const RTPROT_UNSPEC = 0;
export const RTPROT_REDIRECT = 1;
export const RTPROT_KERNEL = 2;
export const RTPROT_BOOT = 3;
export const RTPROT_STATIC = 4;
export const RTPROT_GATED = 8;
export const RTPROT_RA = 9;
export const RTPROT_MRT = 10;
export const RTPROT_ZEBRA = 11;
export const RTPROT_BIRD = 12;
export const RTPROT_DNROUTED = 13;
export const RTPROT_XORP = 14;
export const RTPROT_NTK = 15;
export const RTPROT_DHCP = 16;
export const RTPROT_MROUTED = 17;
export const RTPROT_KEEPALIVED = 18;
export const RTPROT_BABEL = 42;
export const RTPROT_OVN = 84;
export const RTPROT_OPENR = 99;
export const RTPROT_BGP = 186;
export const RTPROT_ISIS = 187;
export const RTPROT_OSPF = 188;
export const RTPROT_RIP = 189;
export const RTPROT_EIGRP = 192;

// rtm_scope (enum rt_scope_t): distance to the destination; values in between are allowed.
export const RT_SCOPE_UNIVERSE = 0;
export const RT_SCOPE_SITE = 200;
export const RT_SCOPE_LINK = 253;
export const RT_SCOPE_HOST = 254;
export const RT_SCOPE_NOWHERE = 255;

// rtm_flags.
export const RTM_F_NOTIFY = 0x100;
export const RTM_F_CLONED = 0x200;
export const RTM_F_EQUALIZE = 0x400;
export const RTM_F_PREFIX = 0x800;
export const RTM_F_LOOKUP_TABLE = 0x1000; // answer a GETROUTE with the table that matched
export const RTM_F_FIB_MATCH = 0x2000; // answer a GETROUTE with the FIB entry, not the result
export const RTM_F_OFFLOAD = 0x4000;
export const RTM_F_TRAP = 0x8000;
export const RTM_F_OFFLOAD_FAILED = 0x20000000; // high bit, clear of ipv6_route.h flags

// enum rt_class_t: reserved routing table ids.
export const RT_TABLE_UNSPEC = 0;
export const RT_TABLE_COMPAT = 252;
export const RT_TABLE_DEFAULT = 253;
export const RT_TABLE_MAIN = 254;
export const RT_TABLE_LOCAL = 255;
export const RT_TABLE_MAX = 0xffffffff;

// enum rtattr_type_t: route attributes.
export const RTA_UNSPEC = 0;
export const RTA_DST = 1;
export const RTA_SRC = 2;
export const RTA_IIF = 3;
export const RTA_OIF = 4;
export const RTA_GATEWAY = 5;
export const RTA_PRIORITY = 6;
export const RTA_PREFSRC = 7;
export const RTA_METRICS = 8; // nested RTAX_*
export const RTA_MULTIPATH = 9; // array of struct rtnexthop
export const RTA_PROTOINFO = 10; // unused
export const RTA_FLOW = 11;
export const RTA_CACHEINFO = 12; // struct rta_cacheinfo
export const RTA_SESSION = 13; // unused
export const RTA_MP_ALGO = 14; // unused
export const RTA_TABLE = 15; // u32
export const RTA_MARK = 16;
export const RTA_MFC_STATS = 17;
export const RTA_VIA = 18;
export const RTA_NEWDST = 19;
export const RTA_PREF = 20; // u8, router preference
export const RTA_ENCAP_TYPE = 21; // u16, LWTUNNEL_ENCAP_*
export const RTA_ENCAP = 22; // nested, per encap type
export const RTA_EXPIRES = 23;
export const RTA_PAD = 24;
export const RTA_UID = 25;
export const RTA_TTL_PROPAGATE = 26;
export const RTA_IP_PROTO = 27;
export const RTA_SPORT = 28;
export const RTA_DPORT = 29;
export const RTA_NH_ID = 30;
export const RTA_FLOWLABEL = 31; // be32
export const RTA_MAX = 31;

// struct rtnexthop { u16 rtnh_len; u8 rtnh_flags; u8 rtnh_hops; s32 rtnh_ifindex; }
export const RTNEXTHOP_RTNH_LEN = 0;
export const RTNEXTHOP_RTNH_FLAGS = 2;
export const RTNEXTHOP_RTNH_HOPS = 3;
export const RTNEXTHOP_RTNH_IFINDEX = 4;
export const RTNEXTHOP_SIZE = 8;

// rtnh_flags.
export const RTNH_F_DEAD = 1;
export const RTNH_F_PERVASIVE = 2;
export const RTNH_F_ONLINK = 4;
export const RTNH_F_OFFLOAD = 8;
export const RTNH_F_LINKDOWN = 16;
export const RTNH_F_UNRESOLVED = 32;
export const RTNH_F_TRAP = 64;
export const RTNH_COMPARE_MASK = RTNH_F_DEAD | RTNH_F_LINKDOWN | RTNH_F_OFFLOAD | RTNH_F_TRAP;

export const RTNH_ALIGNTO = 4;

// struct rta_cacheinfo: eight u32 (clntref, lastuse, expires (signed), error, used, id, ts,
// tsage).
export const RTA_CACHEINFO_RTA_CLNTREF = 0;
export const RTA_CACHEINFO_RTA_LASTUSE = 4;
export const RTA_CACHEINFO_RTA_EXPIRES = 8;
export const RTA_CACHEINFO_RTA_ERROR = 12;
export const RTA_CACHEINFO_RTA_USED = 16;
export const RTA_CACHEINFO_RTA_ID = 20;
export const RTA_CACHEINFO_RTA_TS = 24;
export const RTA_CACHEINFO_RTA_TSAGE = 28;
export const RTA_CACHEINFO_SIZE = 32;

// RTA_METRICS members.
export const RTAX_UNSPEC = 0;
export const RTAX_LOCK = 1;
export const RTAX_MTU = 2;
export const RTAX_WINDOW = 3;
export const RTAX_RTT = 4;
export const RTAX_RTTVAR = 5;
export const RTAX_SSTHRESH = 6;
export const RTAX_CWND = 7;
export const RTAX_ADVMSS = 8;
export const RTAX_REORDERING = 9;
export const RTAX_HOPLIMIT = 10;
export const RTAX_INITCWND = 11;
export const RTAX_FEATURES = 12;
export const RTAX_RTO_MIN = 13;
export const RTAX_INITRWND = 14;
export const RTAX_QUICKACK = 15;
export const RTAX_CC_ALGO = 16;
export const RTAX_FASTOPEN_NO_COOKIE = 17;
export const RTAX_MAX = 17;

// RTAX_FEATURES bits.
export const RTAX_FEATURE_ECN = 1 << 0;
export const RTAX_FEATURE_SACK = 1 << 1; // unused
export const RTAX_FEATURE_TIMESTAMP = 1 << 2; // unused
export const RTAX_FEATURE_ALLFRAG = 1 << 3; // unused
export const RTAX_FEATURE_TCP_USEC_TS = 1 << 4;
export const RTAX_FEATURE_MASK =
  RTAX_FEATURE_ECN |
  RTAX_FEATURE_SACK |
  RTAX_FEATURE_TIMESTAMP |
  RTAX_FEATURE_ALLFRAG |
  RTAX_FEATURE_TCP_USEC_TS;

// struct rtgenmsg { u8 rtgen_family; }: the header of family-only requests (e.g. dumps).
export const RTGENMSG_RTGEN_FAMILY = 0;
export const RTGENMSG_SIZE = 1;

// struct ifinfomsg: 16 bytes after the netlink header of link messages.
export const IFINFOMSG_IFI_FAMILY = 0; // u8
export const IFINFOMSG_IFI_PAD = 1; // u8, __ifi_pad
export const IFINFOMSG_IFI_TYPE = 2; // u16, ARPHRD_*
export const IFINFOMSG_IFI_INDEX = 4; // s32
export const IFINFOMSG_IFI_FLAGS = 8; // u32, IFF_*
export const IFINFOMSG_IFI_CHANGE = 12; // u32, which IFF_* bits to change
export const IFINFOMSG_SIZE = 16;

// struct prefixmsg: 12 bytes, sent with RTM_NEWPREFIX.
export const PREFIXMSG_PREFIX_FAMILY = 0;
export const PREFIXMSG_PREFIX_IFINDEX = 4;
export const PREFIXMSG_PREFIX_TYPE = 8;
export const PREFIXMSG_PREFIX_LEN = 9;
export const PREFIXMSG_PREFIX_FLAGS = 10;
export const PREFIXMSG_SIZE = 12;

export const PREFIX_UNSPEC = 0;
export const PREFIX_ADDRESS = 1;
export const PREFIX_CACHEINFO = 2;
export const PREFIX_MAX = 2;

// Legacy multicast group bits for sockaddr_nl.nl_groups (bit n-1 is group n).
export const RTMGRP_LINK = 1;
export const RTMGRP_NOTIFY = 2;
export const RTMGRP_NEIGH = 4;
export const RTMGRP_TC = 8;
export const RTMGRP_IPV4_IFADDR = 0x10;
export const RTMGRP_IPV4_MROUTE = 0x20;
export const RTMGRP_IPV4_ROUTE = 0x40;
export const RTMGRP_IPV4_RULE = 0x80;
export const RTMGRP_IPV6_IFADDR = 0x100;
export const RTMGRP_IPV6_MROUTE = 0x200;
export const RTMGRP_IPV6_ROUTE = 0x400;
export const RTMGRP_IPV6_IFINFO = 0x800;
export const RTMGRP_DECnet_IFADDR = 0x1000;
export const RTMGRP_DECnet_ROUTE = 0x4000;
export const RTMGRP_IPV6_PREFIX = 0x20000;

// enum rtnetlink_groups: group numbers for NETLINK_ADD_MEMBERSHIP.
export const RTNLGRP_NONE = 0;
export const RTNLGRP_LINK = 1;
export const RTNLGRP_NOTIFY = 2;
export const RTNLGRP_NEIGH = 3;
export const RTNLGRP_TC = 4;
export const RTNLGRP_IPV4_IFADDR = 5;
export const RTNLGRP_IPV4_MROUTE = 6;
export const RTNLGRP_IPV4_ROUTE = 7;
export const RTNLGRP_IPV4_RULE = 8;
export const RTNLGRP_IPV6_IFADDR = 9;
export const RTNLGRP_IPV6_MROUTE = 10;
export const RTNLGRP_IPV6_ROUTE = 11;
export const RTNLGRP_IPV6_IFINFO = 12;
export const RTNLGRP_DECnet_IFADDR = 13;
export const RTNLGRP_NOP2 = 14;
export const RTNLGRP_DECnet_ROUTE = 15;
export const RTNLGRP_DECnet_RULE = 16;
export const RTNLGRP_NOP4 = 17;
export const RTNLGRP_IPV6_PREFIX = 18;
export const RTNLGRP_IPV6_RULE = 19;
export const RTNLGRP_ND_USEROPT = 20;
export const RTNLGRP_PHONET_IFADDR = 21;
export const RTNLGRP_PHONET_ROUTE = 22;
export const RTNLGRP_DCB = 23;
export const RTNLGRP_IPV4_NETCONF = 24;
export const RTNLGRP_IPV6_NETCONF = 25;
export const RTNLGRP_MDB = 26;
export const RTNLGRP_MPLS_ROUTE = 27;
export const RTNLGRP_NSID = 28;
export const RTNLGRP_MPLS_NETCONF = 29;
export const RTNLGRP_IPV4_MROUTE_R = 30;
export const RTNLGRP_IPV6_MROUTE_R = 31;
export const RTNLGRP_NEXTHOP = 32;
export const RTNLGRP_BRVLAN = 33;
export const RTNLGRP_MCTP_IFADDR = 34;
export const RTNLGRP_TUNNEL = 35;
export const RTNLGRP_STATS = 36;
export const RTNLGRP_IPV4_MCADDR = 37;
export const RTNLGRP_IPV6_MCADDR = 38;
export const RTNLGRP_IPV6_ACADDR = 39;
export const RTNLGRP_MAX = 39;

// IFLA_EXT_MASK bits: extra information asked for in link dumps.
export const RTEXT_FILTER_VF = 1 << 0;
export const RTEXT_FILTER_BRVLAN = 1 << 1;
export const RTEXT_FILTER_BRVLAN_COMPRESSED = 1 << 2;
export const RTEXT_FILTER_SKIP_STATS = 1 << 3;
export const RTEXT_FILTER_MRP = 1 << 4;
export const RTEXT_FILTER_CFM_CONFIG = 1 << 5;
export const RTEXT_FILTER_CFM_STATUS = 1 << 6;
export const RTEXT_FILTER_MST = 1 << 7;
