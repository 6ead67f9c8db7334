/** Numbers of Linux include/uapi/linux/capability.h: the capabilities a network stack consults, and the last. */

export const CAP_NET_BIND_SERVICE = 10;
export const CAP_NET_BROADCAST = 11;
export const CAP_NET_ADMIN = 12;
export const CAP_NET_RAW = 13;
export const CAP_SYS_ADMIN = 21;
/** CAP_CHECKPOINT_RESTORE, the highest defined in 6.18. */
export const CAP_LAST_CAP = 40;
