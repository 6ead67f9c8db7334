/**
 * IOAM lightweight tunnel numbers from Linux include/uapi/linux/ioam6_iptunnel.h (Linux 6.18):
 * the attributes nested in RTA_ENCAP when RTA_ENCAP_TYPE is LWTUNNEL_ENCAP_IOAM6.
 */

// Encapsulation modes.
export const IOAM6_IPTUNNEL_MODE_INLINE = 1; // insert a Hop-by-Hop header into the packet
export const IOAM6_IPTUNNEL_MODE_ENCAP = 2; // IPv6-in-IPv6 with the Hop-by-Hop header outside
export const IOAM6_IPTUNNEL_MODE_AUTO = 3; // inline for local packets, encap for forwarded ones
export const IOAM6_IPTUNNEL_MODE_MIN = 1;
export const IOAM6_IPTUNNEL_MODE_MAX = 3;

// Attributes.
export const IOAM6_IPTUNNEL_UNSPEC = 0;
export const IOAM6_IPTUNNEL_MODE = 1; // u8
export const IOAM6_IPTUNNEL_DST = 2; // struct in6_addr, tunnel destination (encap, auto)
export const IOAM6_IPTUNNEL_TRACE = 3; // struct ioam6_trace_hdr
// Bounds of FREQ_K and FREQ_N (with 0 < k <= n): from one in a million to every packet.
export const IOAM6_IPTUNNEL_FREQ_MIN = 1;
export const IOAM6_IPTUNNEL_FREQ_MAX = 1000000;
export const IOAM6_IPTUNNEL_FREQ_K = 4; // u32, insert in k packets out of every n
export const IOAM6_IPTUNNEL_FREQ_N = 5; // u32
export const IOAM6_IPTUNNEL_SRC = 6; // struct in6_addr, optional tunnel source (encap, auto)
export const IOAM6_IPTUNNEL_MAX = 6;
