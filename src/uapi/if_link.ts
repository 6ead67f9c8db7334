/**
 * Link numbers from Linux include/uapi/linux/if_link.h (Linux 6.18): the link statistics
 * structures, IFLA_* link attributes, the IFLA_INET6_* members of IFLA_AF_SPEC/AF_INET6,
 * address generation modes, IFLA_INFO_* (IFLA_LINKINFO) and the RTM_GETSTATS attributes.
 * VETH_INFO_* come from include/uapi/linux/veth.h, the one attribute veth adds to IFLA_INFO_DATA.
 *
 * Bridge, bond, VLAN, tunnel and the other driver sections are left out: v6stack has none of
 * those devices.
 */

// struct rtnl_link_stats (IFLA_STATS): the 32-bit counters, in this order, 4 bytes each.
export const RTNL_LINK_STATS_RX_PACKETS = 0;
export const RTNL_LINK_STATS_TX_PACKETS = 4;
export const RTNL_LINK_STATS_RX_BYTES = 8;
export const RTNL_LINK_STATS_TX_BYTES = 12;
export const RTNL_LINK_STATS_RX_ERRORS = 16;
export const RTNL_LINK_STATS_TX_ERRORS = 20;
export const RTNL_LINK_STATS_RX_DROPPED = 24;
export const RTNL_LINK_STATS_TX_DROPPED = 28;
export const RTNL_LINK_STATS_MULTICAST = 32;
export const RTNL_LINK_STATS_COLLISIONS = 36;
export const RTNL_LINK_STATS_RX_LENGTH_ERRORS = 40;
export const RTNL_LINK_STATS_RX_OVER_ERRORS = 44;
export const RTNL_LINK_STATS_RX_CRC_ERRORS = 48;
export const RTNL_LINK_STATS_RX_FRAME_ERRORS = 52;
export const RTNL_LINK_STATS_RX_FIFO_ERRORS = 56;
export const RTNL_LINK_STATS_RX_MISSED_ERRORS = 60;
export const RTNL_LINK_STATS_TX_ABORTED_ERRORS = 64;
export const RTNL_LINK_STATS_TX_CARRIER_ERRORS = 68;
export const RTNL_LINK_STATS_TX_FIFO_ERRORS = 72;
export const RTNL_LINK_STATS_TX_HEARTBEAT_ERRORS = 76;
export const RTNL_LINK_STATS_TX_WINDOW_ERRORS = 80;
export const RTNL_LINK_STATS_RX_COMPRESSED = 84;
export const RTNL_LINK_STATS_TX_COMPRESSED = 88;
export const RTNL_LINK_STATS_RX_NOHANDLER = 92;
export const RTNL_LINK_STATS_SIZE = 96;

// struct rtnl_link_stats64 (IFLA_STATS64, IFLA_STATS_LINK_64): the same counters as u64, plus
// rx_otherhost_dropped. 8-byte aligned inside the attribute (IFLA_PAD precedes it if needed).
export const RTNL_LINK_STATS64_RX_PACKETS = 0;
export const RTNL_LINK_STATS64_TX_PACKETS = 8;
export const RTNL_LINK_STATS64_RX_BYTES = 16;
export const RTNL_LINK_STATS64_TX_BYTES = 24;
export const RTNL_LINK_STATS64_RX_ERRORS = 32;
export const RTNL_LINK_STATS64_TX_ERRORS = 40;
export const RTNL_LINK_STATS64_RX_DROPPED = 48;
export const RTNL_LINK_STATS64_TX_DROPPED = 56;
export const RTNL_LINK_STATS64_MULTICAST = 64;
export const RTNL_LINK_STATS64_COLLISIONS = 72;
export const RTNL_LINK_STATS64_RX_LENGTH_ERRORS = 80;
export const RTNL_LINK_STATS64_RX_OVER_ERRORS = 88;
export const RTNL_LINK_STATS64_RX_CRC_ERRORS = 96;
export const RTNL_LINK_STATS64_RX_FRAME_ERRORS = 104;
export const RTNL_LINK_STATS64_RX_FIFO_ERRORS = 112;
export const RTNL_LINK_STATS64_RX_MISSED_ERRORS = 120;
export const RTNL_LINK_STATS64_TX_ABORTED_ERRORS = 128;
export const RTNL_LINK_STATS64_TX_CARRIER_ERRORS = 136;
export const RTNL_LINK_STATS64_TX_FIFO_ERRORS = 144;
export const RTNL_LINK_STATS64_TX_HEARTBEAT_ERRORS = 152;
export const RTNL_LINK_STATS64_TX_WINDOW_ERRORS = 160;
export const RTNL_LINK_STATS64_RX_COMPRESSED = 168;
export const RTNL_LINK_STATS64_TX_COMPRESSED = 176;
export const RTNL_LINK_STATS64_RX_NOHANDLER = 184;
export const RTNL_LINK_STATS64_RX_OTHERHOST_DROPPED = 192;
export const RTNL_LINK_STATS64_SIZE = 200;

// Link attributes.
export const IFLA_UNSPEC = 0;
export const IFLA_ADDRESS = 1; // hardware address
export const IFLA_BROADCAST = 2;
export const IFLA_IFNAME = 3; // string, at most IFNAMSIZ - 1 characters
export const IFLA_MTU = 4; // u32
export const IFLA_LINK = 5; // u32, index of the lower device
export const IFLA_QDISC = 6;
export const IFLA_STATS = 7; // struct rtnl_link_stats
export const IFLA_COST = 8;
export const IFLA_PRIORITY = 9;
export const IFLA_MASTER = 10; // u32, index of the master device
export const IFLA_WIRELESS = 11;
export const IFLA_PROTINFO = 12; // nested, per-protocol link information
export const IFLA_TXQLEN = 13; // u32
export const IFLA_MAP = 14;
export const IFLA_WEIGHT = 15;
export const IFLA_OPERSTATE = 16; // u8, IF_OPER_*
export const IFLA_LINKMODE = 17; // u8, IF_LINK_MODE_*
export const IFLA_LINKINFO = 18; // nested IFLA_INFO_*
export const IFLA_NET_NS_PID = 19; // u32, move the link to the namespace of this process
export const IFLA_IFALIAS = 20;
export const IFLA_NUM_VF = 21;
export const IFLA_VFINFO_LIST = 22;
export const IFLA_STATS64 = 23; // struct rtnl_link_stats64
export const IFLA_VF_PORTS = 24;
export const IFLA_PORT_SELF = 25;
export const IFLA_AF_SPEC = 26; // nested, one nest per address family
export const IFLA_GROUP = 27; // u32
export const IFLA_NET_NS_FD = 28; // u32, move the link to the namespace behind this file descriptor
export const IFLA_EXT_MASK = 29; // u32, RTEXT_FILTER_*
export const IFLA_PROMISCUITY = 30; // u32, promiscuity count
export const IFLA_NUM_TX_QUEUES = 31;
export const IFLA_NUM_RX_QUEUES = 32;
export const IFLA_CARRIER = 33; // u8
export const IFLA_PHYS_PORT_ID = 34;
export const IFLA_CARRIER_CHANGES = 35;
export const IFLA_PHYS_SWITCH_ID = 36;
export const IFLA_LINK_NETNSID = 37; // s32, namespace id of the IFLA_LINK device
export const IFLA_PHYS_PORT_NAME = 38;
export const IFLA_PROTO_DOWN = 39;
export const IFLA_GSO_MAX_SEGS = 40;
export const IFLA_GSO_MAX_SIZE = 41;
export const IFLA_PAD = 42; // alignment padding for 64-bit attributes
export const IFLA_XDP = 43;
export const IFLA_EVENT = 44;
export const IFLA_NEW_NETNSID = 45;
export const IFLA_IF_NETNSID = 46; // s32, act on the link in the namespace with this id
export const IFLA_TARGET_NETNSID = IFLA_IF_NETNSID; // the current name of IFLA_IF_NETNSID
export const IFLA_CARRIER_UP_COUNT = 47;
export const IFLA_CARRIER_DOWN_COUNT = 48;
export const IFLA_NEW_IFINDEX = 49; // s32
export const IFLA_MIN_MTU = 50; // u32
export const IFLA_MAX_MTU = 51; // u32
export const IFLA_PROP_LIST = 52;
export const IFLA_ALT_IFNAME = 53; // string, alternative name
export const IFLA_PERM_ADDRESS = 54;
export const IFLA_PROTO_DOWN_REASON = 55;
export const IFLA_PARENT_DEV_NAME = 56; // parent bus device name when there is no parent netdev
export const IFLA_PARENT_DEV_BUS_NAME = 57;
export const IFLA_GRO_MAX_SIZE = 58;
export const IFLA_TSO_MAX_SIZE = 59;
export const IFLA_TSO_MAX_SEGS = 60;
export const IFLA_ALLMULTI = 61; // u32, allmulti count
export const IFLA_DEVLINK_PORT = 62;
export const IFLA_GSO_IPV4_MAX_SIZE = 63;
export const IFLA_GRO_IPV4_MAX_SIZE = 64;
export const IFLA_DPLL_PIN = 65;
export const IFLA_MAX_PACING_OFFLOAD_HORIZON = 66;
export const IFLA_NETNS_IMMUTABLE = 67;
export const IFLA_HEADROOM = 68;
export const IFLA_TAILROOM = 69;
export const IFLA_MAX = 69;

// Nested in IFLA_PROTO_DOWN_REASON.
export const IFLA_PROTO_DOWN_REASON_UNSPEC = 0;
export const IFLA_PROTO_DOWN_REASON_MASK = 1; // u32
export const IFLA_PROTO_DOWN_REASON_VALUE = 2; // u32
export const IFLA_PROTO_DOWN_REASON_MAX = 2;

// IFLA_AF_SPEC / AF_INET members.
export const IFLA_INET_UNSPEC = 0;
export const IFLA_INET_CONF = 1; // u32 array of IPv4 devconf values
export const IFLA_INET_MAX = 1;

// IFLA_AF_SPEC / AF_INET6 members (also IFLA_PROTINFO of RTM_NEWLINK from IPv6).
export const IFLA_INET6_UNSPEC = 0;
export const IFLA_INET6_FLAGS = 1; // u32, IF_RA_* / IF_READY flags
export const IFLA_INET6_CONF = 2; // s32 array of IPv6 devconf values
export const IFLA_INET6_STATS = 3; // u64 array of IPSTATS_MIB_*
export const IFLA_INET6_MCAST = 4; // defined but never sent
export const IFLA_INET6_CACHEINFO = 5; // struct ifla_cacheinfo
export const IFLA_INET6_ICMP6STATS = 6; // u64 array of ICMP6_MIB_*
export const IFLA_INET6_TOKEN = 7; // struct in6_addr
export const IFLA_INET6_ADDR_GEN_MODE = 8; // u8, IN6_ADDR_GEN_MODE_*
export const IFLA_INET6_RA_MTU = 9; // u32, MTU option of the last router advertisement
export const IFLA_INET6_MAX = 9;

// enum in6_addr_gen_mode: how link-local and SLAAC interface identifiers are made.
export const IN6_ADDR_GEN_MODE_EUI64 = 0;
export const IN6_ADDR_GEN_MODE_NONE = 1;
export const IN6_ADDR_GEN_MODE_STABLE_PRIVACY = 2;
export const IN6_ADDR_GEN_MODE_RANDOM = 3;

// struct ifla_cacheinfo (IFLA_INET6_CACHEINFO): four u32.
export const IFLA_CACHEINFO_MAX_REASM_LEN = 0;
export const IFLA_CACHEINFO_TSTAMP = 4; // hundredths of a second
export const IFLA_CACHEINFO_REACHABLE_TIME = 8; // milliseconds
export const IFLA_CACHEINFO_RETRANS_TIME = 12; // milliseconds
export const IFLA_CACHEINFO_SIZE = 16;

// Nested in IFLA_LINKINFO.
export const IFLA_INFO_UNSPEC = 0;
export const IFLA_INFO_KIND = 1; // string, the link type ("veth", "dummy", "gtp5g")
export const IFLA_INFO_DATA = 2; // nested, type-specific
export const IFLA_INFO_XSTATS = 3;
export const IFLA_INFO_SLAVE_KIND = 4;
export const IFLA_INFO_SLAVE_DATA = 5;
export const IFLA_INFO_MAX = 5;

// RTM_GETSTATS / RTM_NEWSTATS attributes (after struct if_stats_msg).
export const IFLA_STATS_UNSPEC = 0; // doubles as the 64-bit pad attribute
export const IFLA_STATS_LINK_64 = 1; // struct rtnl_link_stats64
export const IFLA_STATS_LINK_XSTATS = 2;
export const IFLA_STATS_LINK_XSTATS_SLAVE = 3;
export const IFLA_STATS_LINK_OFFLOAD_XSTATS = 4;
export const IFLA_STATS_AF_SPEC = 5;
export const IFLA_STATS_MAX = 5;

// include/uapi/linux/veth.h: inside IFLA_INFO_DATA of a veth link.
export const VETH_INFO_UNSPEC = 0;
export const VETH_INFO_PEER = 1; // struct ifinfomsg followed by the peer's IFLA_* attributes
export const VETH_INFO_MAX = 1;
