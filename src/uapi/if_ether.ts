/**
 * Numbers from Linux include/uapi/linux/if_ether.h (frame sizes and EtherType / packet protocol
 * ids) and the VLAN header sizes of include/linux/if_vlan.h.
 */

// include/uapi/linux/if_ether.h: IEEE 802.3 sizes, without preamble and FCS.
export const ETH_ALEN = 6;
export const ETH_TLEN = 2;
export const ETH_HLEN = 14;
export const ETH_ZLEN = 60;
export const ETH_DATA_LEN = 1500;
export const ETH_FRAME_LEN = 1514;
export const ETH_FCS_LEN = 4;
export const ETH_MIN_MTU = 68;
export const ETH_MAX_MTU = 0xffff;

// include/uapi/linux/if_ether.h: EtherTypes (values >= ETH_P_802_3_MIN are Ethernet II types).
export const ETH_P_LOOP = 0x0060;
export const ETH_P_PUP = 0x0200;
export const ETH_P_PUPAT = 0x0201;
export const ETH_P_TSN = 0x22f0;
export const ETH_P_ERSPAN2 = 0x22eb;
export const ETH_P_IP = 0x0800;
export const ETH_P_X25 = 0x0805;
export const ETH_P_ARP = 0x0806;
export const ETH_P_BPQ = 0x08ff;
export const ETH_P_IEEEPUP = 0x0a00;
export const ETH_P_IEEEPUPAT = 0x0a01;
export const ETH_P_BATMAN = 0x4305;
export const ETH_P_DEC = 0x6000;
export const ETH_P_DNA_DL = 0x6001;
export const ETH_P_DNA_RC = 0x6002;
export const ETH_P_DNA_RT = 0x6003;
export const ETH_P_LAT = 0x6004;
export const ETH_P_DIAG = 0x6005;
export const ETH_P_CUST = 0x6006;
export const ETH_P_SCA = 0x6007;
export const ETH_P_TEB = 0x6558;
export const ETH_P_RARP = 0x8035;
export const ETH_P_ATALK = 0x809b;
export const ETH_P_AARP = 0x80f3;
export const ETH_P_8021Q = 0x8100;
export const ETH_P_ERSPAN = 0x88be;
export const ETH_P_IPX = 0x8137;
export const ETH_P_IPV6 = 0x86dd;
export const ETH_P_PAUSE = 0x8808;
export const ETH_P_SLOW = 0x8809;
export const ETH_P_WCCP = 0x883e;
export const ETH_P_MPLS_UC = 0x8847;
export const ETH_P_MPLS_MC = 0x8848;
export const ETH_P_ATMMPOA = 0x884c;
export const ETH_P_PPP_DISC = 0x8863;
export const ETH_P_PPP_SES = 0x8864;
export const ETH_P_LINK_CTL = 0x886c;
export const ETH_P_ATMFATE = 0x8884;
export const ETH_P_PAE = 0x888e;
export const ETH_P_PROFINET = 0x8892;
export const ETH_P_REALTEK = 0x8899;
export const ETH_P_AOE = 0x88a2;
export const ETH_P_ETHERCAT = 0x88a4;
export const ETH_P_8021AD = 0x88a8;
export const ETH_P_802_EX1 = 0x88b5;
export const ETH_P_PREAUTH = 0x88c7;
export const ETH_P_TIPC = 0x88ca;
export const ETH_P_LLDP = 0x88cc;
export const ETH_P_MRP = 0x88e3;
export const ETH_P_MACSEC = 0x88e5;
export const ETH_P_8021AH = 0x88e7;
export const ETH_P_MVRP = 0x88f5;
export const ETH_P_1588 = 0x88f7;
export const ETH_P_NCSI = 0x88f8;
export const ETH_P_PRP = 0x88fb;
export const ETH_P_CFM = 0x8902;
export const ETH_P_FCOE = 0x8906;
export const ETH_P_IBOE = 0x8915;
export const ETH_P_TDLS = 0x890d;
export const ETH_P_FIP = 0x8914;
export const ETH_P_80221 = 0x8917;
export const ETH_P_HSR = 0x892f;
export const ETH_P_NSH = 0x894f;
export const ETH_P_LOOPBACK = 0x9000;
export const ETH_P_QINQ1 = 0x9100;
export const ETH_P_QINQ2 = 0x9200;
export const ETH_P_QINQ3 = 0x9300;
export const ETH_P_EDSA = 0xdada;
export const ETH_P_DSA_8021Q = 0xdadb;
export const ETH_P_DSA_A5PSW = 0xe001;
export const ETH_P_IFE = 0xed3e;
export const ETH_P_AF_IUCV = 0xfbfb;

/** Below this, the type/length field holds an IEEE 802.3 length, not an EtherType. */
export const ETH_P_802_3_MIN = 0x0600;

// include/uapi/linux/if_ether.h: non-DIX pseudo protocols used inside Linux (never on the wire).
export const ETH_P_802_3 = 0x0001;
export const ETH_P_AX25 = 0x0002;
export const ETH_P_ALL = 0x0003;
export const ETH_P_802_2 = 0x0004;
export const ETH_P_SNAP = 0x0005;
export const ETH_P_DDCMP = 0x0006;
export const ETH_P_WAN_PPP = 0x0007;
export const ETH_P_PPP_MP = 0x0008;
export const ETH_P_LOCALTALK = 0x0009;
export const ETH_P_CAN = 0x000c;
export const ETH_P_CANFD = 0x000d;
export const ETH_P_CANXL = 0x000e;
export const ETH_P_PPPTALK = 0x0010;
export const ETH_P_TR_802_2 = 0x0011;
export const ETH_P_MOBITEX = 0x0015;
export const ETH_P_CONTROL = 0x0016;
export const ETH_P_IRDA = 0x0017;
export const ETH_P_ECONET = 0x0018;
export const ETH_P_HDLC = 0x0019;
export const ETH_P_ARCNET = 0x001a;
export const ETH_P_DSA = 0x001b;
export const ETH_P_TRAILER = 0x001c;
export const ETH_P_PHONET = 0x00f5;
export const ETH_P_IEEE802154 = 0x00f6;
export const ETH_P_CAIF = 0x00f7;
export const ETH_P_XDSA = 0x00f8;
export const ETH_P_MAP = 0x00f9;
export const ETH_P_MCTP = 0x00fa;

// include/linux/if_vlan.h: an 802.1Q/802.1ad tag (TPID + TCI) and the parse depth limit.
export const VLAN_HLEN = 4;
export const VLAN_ETH_HLEN = 18;
export const VLAN_ETH_ZLEN = 64;
export const VLAN_ETH_DATA_LEN = 1500;
export const VLAN_ETH_FRAME_LEN = 1518;
/** Depth budget of __vlan_get_protocol, which accepts at most VLAN_MAX_DEPTH - 1 tags. */
export const VLAN_MAX_DEPTH = 8;

// include/linux/if_vlan.h: Tag Control Information fields.
export const VLAN_PRIO_MASK = 0xe000;
export const VLAN_PRIO_SHIFT = 13;
export const VLAN_CFI_MASK = 0x1000;
export const VLAN_VID_MASK = 0x0fff;
export const VLAN_N_VID = 4096;
