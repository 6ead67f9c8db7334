/** Numbers of Linux include/uapi/linux/if_tun.h: TUNSETIFF flags. */

export const IFF_TUN = 0x0001;
export const IFF_TAP = 0x0002;
export const IFF_NO_PI = 0x1000;
export const IFF_PERSIST = 0x0800;
