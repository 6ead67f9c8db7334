/** Numbers of Linux include/uapi/linux/if_arp.h: the device types v6stack's devices have. */

export const ARPHRD_ETHER = 1;
export const ARPHRD_LOOPBACK = 772;
/** Zero header length (tun in TUN mode). */
export const ARPHRD_NONE = 0xfffe;
