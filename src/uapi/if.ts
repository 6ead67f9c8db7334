/**
 * Interface numbers from Linux include/uapi/linux/if.h (Linux 6.18): name sizes, IFF_* device
 * flags, RFC 2863 operational states and link modes. The HDLC ioctl codes are left out.
 */

export const IFNAMSIZ = 16; // NUL included
export const IFALIASZ = 256;
export const ALTIFNAMSIZ = 128;

// enum net_device_flags (ifi_flags).
export const IFF_UP = 1 << 0;
export const IFF_BROADCAST = 1 << 1;
export const IFF_DEBUG = 1 << 2;
export const IFF_LOOPBACK = 1 << 3;
export const IFF_POINTOPOINT = 1 << 4;
export const IFF_NOTRAILERS = 1 << 5;
export const IFF_RUNNING = 1 << 6;
export const IFF_NOARP = 1 << 7;
export const IFF_PROMISC = 1 << 8;
export const IFF_ALLMULTI = 1 << 9;
export const IFF_MASTER = 1 << 10;
export const IFF_SLAVE = 1 << 11;
export const IFF_MULTICAST = 1 << 12;
export const IFF_PORTSEL = 1 << 13;
export const IFF_AUTOMEDIA = 1 << 14;
export const IFF_DYNAMIC = 1 << 15;
export const IFF_LOWER_UP = 1 << 16;
export const IFF_DORMANT = 1 << 17;
export const IFF_ECHO = 1 << 18;

/** Flags owned by the driver and link state; userspace cannot change them. */
export const IFF_VOLATILE =
  IFF_LOOPBACK |
  IFF_POINTOPOINT |
  IFF_BROADCAST |
  IFF_ECHO |
  IFF_MASTER |
  IFF_SLAVE |
  IFF_RUNNING |
  IFF_LOWER_UP |
  IFF_DORMANT;

// RFC 2863 operational status (IFLA_OPERSTATE).
export const IF_OPER_UNKNOWN = 0;
export const IF_OPER_NOTPRESENT = 1;
export const IF_OPER_DOWN = 2;
export const IF_OPER_LOWERLAYERDOWN = 3;
export const IF_OPER_TESTING = 4;
export const IF_OPER_DORMANT = 5;
export const IF_OPER_UP = 6;

// Link modes (IFLA_LINKMODE).
export const IF_LINK_MODE_DEFAULT = 0;
export const IF_LINK_MODE_DORMANT = 1; // stop the upward transition at dormant
export const IF_LINK_MODE_TESTING = 2; // stop the upward transition at testing
