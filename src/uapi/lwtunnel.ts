/**
 * Lightweight tunnel numbers from Linux include/uapi/linux/lwtunnel.h (Linux 6.18): the
 * RTA_ENCAP_TYPE values and the attributes nested in RTA_ENCAP for the IP encap types, BPF and
 * XFRM. The IOAM6 encap's own attributes are in ioam6_iptunnel.ts.
 */

// enum lwtunnel_encap_types (RTA_ENCAP_TYPE, u16).
export const LWTUNNEL_ENCAP_NONE = 0;
export const LWTUNNEL_ENCAP_MPLS = 1;
export const LWTUNNEL_ENCAP_IP = 2;
export const LWTUNNEL_ENCAP_ILA = 3;
export const LWTUNNEL_ENCAP_IP6 = 4;
export const LWTUNNEL_ENCAP_SEG6 = 5;
export const LWTUNNEL_ENCAP_BPF = 6;
export const LWTUNNEL_ENCAP_SEG6_LOCAL = 7;
export const LWTUNNEL_ENCAP_RPL = 8;
export const LWTUNNEL_ENCAP_IOAM6 = 9;
export const LWTUNNEL_ENCAP_XFRM = 10;
export const LWTUNNEL_ENCAP_MAX = 10;

// enum lwtunnel_ip_t: RTA_ENCAP members for LWTUNNEL_ENCAP_IP.
export const LWTUNNEL_IP_UNSPEC = 0;
export const LWTUNNEL_IP_ID = 1;
export const LWTUNNEL_IP_DST = 2;
export const LWTUNNEL_IP_SRC = 3;
export const LWTUNNEL_IP_TTL = 4;
export const LWTUNNEL_IP_TOS = 5;
export const LWTUNNEL_IP_FLAGS = 6;
export const LWTUNNEL_IP_PAD = 7;
export const LWTUNNEL_IP_OPTS = 8;
export const LWTUNNEL_IP_MAX = 8;

// enum lwtunnel_ip6_t: RTA_ENCAP members for LWTUNNEL_ENCAP_IP6.
export const LWTUNNEL_IP6_UNSPEC = 0;
export const LWTUNNEL_IP6_ID = 1;
export const LWTUNNEL_IP6_DST = 2;
export const LWTUNNEL_IP6_SRC = 3;
export const LWTUNNEL_IP6_HOPLIMIT = 4;
export const LWTUNNEL_IP6_TC = 5;
export const LWTUNNEL_IP6_FLAGS = 6;
export const LWTUNNEL_IP6_PAD = 7;
export const LWTUNNEL_IP6_OPTS = 8;
export const LWTUNNEL_IP6_MAX = 8;

// Nested in LWTUNNEL_IP_OPTS / LWTUNNEL_IP6_OPTS: one kind of tunnel option.
export const LWTUNNEL_IP_OPTS_UNSPEC = 0;
export const LWTUNNEL_IP_OPTS_GENEVE = 1;
export const LWTUNNEL_IP_OPTS_VXLAN = 2;
export const LWTUNNEL_IP_OPTS_ERSPAN = 3;
export const LWTUNNEL_IP_OPTS_MAX = 3;

export const LWTUNNEL_IP_OPT_GENEVE_UNSPEC = 0;
export const LWTUNNEL_IP_OPT_GENEVE_CLASS = 1;
export const LWTUNNEL_IP_OPT_GENEVE_TYPE = 2;
export const LWTUNNEL_IP_OPT_GENEVE_DATA = 3;
export const LWTUNNEL_IP_OPT_GENEVE_MAX = 3;

export const LWTUNNEL_IP_OPT_VXLAN_UNSPEC = 0;
export const LWTUNNEL_IP_OPT_VXLAN_GBP = 1;
export const LWTUNNEL_IP_OPT_VXLAN_MAX = 1;

export const LWTUNNEL_IP_OPT_ERSPAN_UNSPEC = 0;
export const LWTUNNEL_IP_OPT_ERSPAN_VER = 1;
export const LWTUNNEL_IP_OPT_ERSPAN_INDEX = 2;
export const LWTUNNEL_IP_OPT_ERSPAN_DIR = 3;
export const LWTUNNEL_IP_OPT_ERSPAN_HWID = 4;
export const LWTUNNEL_IP_OPT_ERSPAN_MAX = 4;

// LWTUNNEL_ENCAP_BPF: one program per hook.
export const LWT_BPF_PROG_UNSPEC = 0;
export const LWT_BPF_PROG_FD = 1;
export const LWT_BPF_PROG_NAME = 2;
export const LWT_BPF_PROG_MAX = 2;

export const LWT_BPF_UNSPEC = 0;
export const LWT_BPF_IN = 1;
export const LWT_BPF_OUT = 2;
export const LWT_BPF_XMIT = 3;
export const LWT_BPF_XMIT_HEADROOM = 4;
export const LWT_BPF_MAX = 4;

export const LWT_BPF_MAX_HEADROOM = 256;

// LWTUNNEL_ENCAP_XFRM.
export const LWT_XFRM_UNSPEC = 0;
export const LWT_XFRM_IF_ID = 1;
export const LWT_XFRM_LINK = 2;
export const LWT_XFRM_MAX = 2;
