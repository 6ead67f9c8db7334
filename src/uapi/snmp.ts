/**
 * Numbers of Linux include/uapi/linux/snmp.h (6.18): the IPv6, ICMPv6 and UDP MIB indexes. They
 * are wire-visible in IFLA_INET6_STATS and IFLA_INET6_ICMP6STATS, whose element 0 holds the
 * array length (the *_MIB_NUM slot). Since 6.15 the ECN and OutTransmits counters come first.
 */

// IPSTATS_MIB_* (Linux 6.15+ order).
export const IPSTATS_MIB_NUM = 0;
export const IPSTATS_MIB_INPKTS = 1; // InReceives
export const IPSTATS_MIB_INOCTETS = 2;
export const IPSTATS_MIB_INDELIVERS = 3;
export const IPSTATS_MIB_NOECTPKTS = 4;
export const IPSTATS_MIB_ECT1PKTS = 5;
export const IPSTATS_MIB_ECT0PKTS = 6;
export const IPSTATS_MIB_CEPKTS = 7;
export const IPSTATS_MIB_OUTREQUESTS = 8;
export const IPSTATS_MIB_OUTPKTS = 9; // OutTransmits
export const IPSTATS_MIB_OUTOCTETS = 10;
export const IPSTATS_MIB_OUTFORWDATAGRAMS = 11;
export const IPSTATS_MIB_INHDRERRORS = 12;
export const IPSTATS_MIB_INTOOBIGERRORS = 13;
export const IPSTATS_MIB_INNOROUTES = 14;
export const IPSTATS_MIB_INADDRERRORS = 15;
export const IPSTATS_MIB_INUNKNOWNPROTOS = 16;
export const IPSTATS_MIB_INTRUNCATEDPKTS = 17;
export const IPSTATS_MIB_INDISCARDS = 18;
export const IPSTATS_MIB_OUTDISCARDS = 19;
export const IPSTATS_MIB_OUTNOROUTES = 20;
export const IPSTATS_MIB_REASMTIMEOUT = 21;
export const IPSTATS_MIB_REASMREQDS = 22;
export const IPSTATS_MIB_REASMOKS = 23;
export const IPSTATS_MIB_REASMFAILS = 24;
export const IPSTATS_MIB_FRAGOKS = 25;
export const IPSTATS_MIB_FRAGFAILS = 26;
export const IPSTATS_MIB_FRAGCREATES = 27;
export const IPSTATS_MIB_INMCASTPKTS = 28;
export const IPSTATS_MIB_OUTMCASTPKTS = 29;
export const IPSTATS_MIB_INBCASTPKTS = 30;
export const IPSTATS_MIB_OUTBCASTPKTS = 31;
export const IPSTATS_MIB_INMCASTOCTETS = 32;
export const IPSTATS_MIB_OUTMCASTOCTETS = 33;
export const IPSTATS_MIB_INBCASTOCTETS = 34;
export const IPSTATS_MIB_OUTBCASTOCTETS = 35;
export const IPSTATS_MIB_CSUMERRORS = 36;
export const IPSTATS_MIB_REASM_OVERLAPS = 37;
export const IPSTATS_MIB_MAX = 38;

// ICMP6_MIB_*.
export const ICMP6_MIB_NUM = 0;
export const ICMP6_MIB_INMSGS = 1;
export const ICMP6_MIB_INERRORS = 2;
export const ICMP6_MIB_OUTMSGS = 3;
export const ICMP6_MIB_OUTERRORS = 4;
export const ICMP6_MIB_CSUMERRORS = 5;
export const ICMP6_MIB_RATELIMITHOST = 6;
export const ICMP6_MIB_MAX = 7;

/** __ICMP6MSG_MIB_MAX: In (type) and Out (0x100 + type) for every 8-bit ICMPv6 type. */
export const ICMP6MSG_MIB_MAX = 512;

// UDP_MIB_* (shared by UDP and UDP-Lite).
export const UDP_MIB_NUM = 0;
export const UDP_MIB_INDATAGRAMS = 1;
export const UDP_MIB_NOPORTS = 2;
export const UDP_MIB_INERRORS = 3;
export const UDP_MIB_OUTDATAGRAMS = 4;
export const UDP_MIB_RCVBUFERRORS = 5;
export const UDP_MIB_SNDBUFERRORS = 6;
export const UDP_MIB_CSUMERRORS = 7;
export const UDP_MIB_IGNOREDMULTI = 8;
export const UDP_MIB_MEMERRORS = 9;
export const UDP_MIB_MAX = 10;
