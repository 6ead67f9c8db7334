/**
 * Address message numbers from Linux include/uapi/linux/if_addr.h (Linux 6.18): the struct
 * ifaddrmsg header of RTM_NEWADDR/DELADDR/GETADDR, its attributes, flags and cacheinfo layout.
 */

// struct ifaddrmsg: 8 bytes after the netlink header.
export const IFADDRMSG_IFA_FAMILY = 0; // u8
export const IFADDRMSG_IFA_PREFIXLEN = 1; // u8
export const IFADDRMSG_IFA_FLAGS = 2; // u8, low 8 bits of IFA_F_* (IFA_FLAGS overrides)
export const IFADDRMSG_IFA_SCOPE = 3; // u8, RT_SCOPE_*
export const IFADDRMSG_IFA_INDEX = 4; // u32, link index
export const IFADDRMSG_SIZE = 8;

// Address attributes. IFA_ADDRESS is the prefix (or peer) address; IFA_LOCAL the local one.
export const IFA_UNSPEC = 0;
export const IFA_ADDRESS = 1;
export const IFA_LOCAL = 2;
export const IFA_LABEL = 3;
export const IFA_BROADCAST = 4;
export const IFA_ANYCAST = 5;
export const IFA_CACHEINFO = 6; // struct ifa_cacheinfo
export const IFA_MULTICAST = 7;
export const IFA_FLAGS = 8; // u32, all IFA_F_* bits
export const IFA_RT_PRIORITY = 9; // u32, metric of the prefix route
export const IFA_TARGET_NETNSID = 10;
export const IFA_PROTO = 11; // u8, IFAPROT_*
export const IFA_MAX = 11;

// Address flags.
export const IFA_F_SECONDARY = 0x01;
export const IFA_F_TEMPORARY = IFA_F_SECONDARY; // the same bit, named for IPv6
export const IFA_F_NODAD = 0x02;
export const IFA_F_OPTIMISTIC = 0x04;
export const IFA_F_DADFAILED = 0x08;
export const IFA_F_HOMEADDRESS = 0x10;
export const IFA_F_DEPRECATED = 0x20;
export const IFA_F_TENTATIVE = 0x40;
export const IFA_F_PERMANENT = 0x80;
export const IFA_F_MANAGETEMPADDR = 0x100;
export const IFA_F_NOPREFIXROUTE = 0x200;
export const IFA_F_MCAUTOJOIN = 0x400;
export const IFA_F_STABLE_PRIVACY = 0x800;

// struct ifa_cacheinfo: four u32; lifetimes in seconds, stamps in hundredths of a second.
export const IFA_CACHEINFO_IFA_PREFERED = 0;
export const IFA_CACHEINFO_IFA_VALID = 4;
export const IFA_CACHEINFO_CSTAMP = 8;
export const IFA_CACHEINFO_TSTAMP = 12;
export const IFA_CACHEINFO_SIZE = 16;

// IFA_PROTO values: who created the address.
export const IFAPROT_UNSPEC = 0;
export const IFAPROT_KERNEL_LO = 1;
export const IFAPROT_KERNEL_RA = 2;
export const IFAPROT_KERNEL_LL = 3;
