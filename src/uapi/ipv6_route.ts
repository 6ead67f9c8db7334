/**
 * Numbers of Linux include/uapi/linux/ipv6_route.h (IPv6 route flags, fib6_flags, and the
 * metrics addrconf and users get) with the flags it shares with include/uapi/linux/route.h.
 */

// include/uapi/linux/route.h
export const RTF_UP = 0x0001;
export const RTF_GATEWAY = 0x0002;
export const RTF_DYNAMIC = 0x0010;
export const RTF_MODIFIED = 0x0020;
export const RTF_REJECT = 0x0200;

// include/uapi/linux/ipv6_route.h
export const RTF_DEFAULT = 0x00010000;
export const RTF_ALLONLINK = 0x00020000;
export const RTF_ADDRCONF = 0x00040000;
export const RTF_PREFIX_RT = 0x00080000;
export const RTF_ANYCAST = 0x00100000;
export const RTF_NONEXTHOP = 0x00200000;
export const RTF_EXPIRES = 0x00400000;
export const RTF_ROUTEINFO = 0x00800000;
export const RTF_CACHE = 0x01000000;
export const RTF_FLOW = 0x02000000;
export const RTF_POLICY = 0x04000000;
export const RTF_PREF_MASK = 0x18000000;
export const RTF_PCPU = 0x40000000;
export const RTF_LOCAL = 0x80000000;
/** RTF_PREF(pref): the router preference in bits 27-28. */
export function RTF_PREF(pref: number): number {
  return (pref << 27) >>> 0;
}

export const IP6_RT_PRIO_USER = 1024;
export const IP6_RT_PRIO_ADDRCONF = 256;
