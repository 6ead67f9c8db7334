/**
 * IPv4 numbers from Linux include/uapi/linux/ip.h (TOS bits, option numbers, header limits)
 * and the fragment field masks of include/net/ip.h.
 */

// include/uapi/linux/ip.h: RFC 1349 TOS bits and RFC 791 precedence.
export const IPTOS_TOS_MASK = 0x1e;
export const IPTOS_LOWDELAY = 0x10;
export const IPTOS_THROUGHPUT = 0x08;
export const IPTOS_RELIABILITY = 0x04;
export const IPTOS_MINCOST = 0x02;

export const IPTOS_PREC_MASK = 0xe0;
export const IPTOS_PREC_NETCONTROL = 0xe0;
export const IPTOS_PREC_INTERNETCONTROL = 0xc0;
export const IPTOS_PREC_CRITIC_ECP = 0xa0;
export const IPTOS_PREC_FLASHOVERRIDE = 0x80;
export const IPTOS_PREC_FLASH = 0x60;
export const IPTOS_PREC_IMMEDIATE = 0x40;
export const IPTOS_PREC_PRIORITY = 0x20;
export const IPTOS_PREC_ROUTINE = 0x00;

// include/uapi/linux/ip.h: option type octet = copied flag | class | number (RFC 791 §3.1).
export const IPOPT_COPY = 0x80;
export const IPOPT_CLASS_MASK = 0x60;
export const IPOPT_NUMBER_MASK = 0x1f;

export const IPOPT_CONTROL = 0x00;
export const IPOPT_RESERVED1 = 0x20;
export const IPOPT_MEASUREMENT = 0x40;
export const IPOPT_RESERVED2 = 0x60;

export const IPOPT_END = 0 | IPOPT_CONTROL;
export const IPOPT_NOOP = 1 | IPOPT_CONTROL;
export const IPOPT_SEC = 2 | IPOPT_CONTROL | IPOPT_COPY;
export const IPOPT_LSRR = 3 | IPOPT_CONTROL | IPOPT_COPY;
export const IPOPT_TIMESTAMP = 4 | IPOPT_MEASUREMENT;
export const IPOPT_CIPSO = 6 | IPOPT_CONTROL | IPOPT_COPY;
export const IPOPT_RR = 7 | IPOPT_CONTROL;
export const IPOPT_SID = 8 | IPOPT_CONTROL | IPOPT_COPY;
export const IPOPT_SSRR = 9 | IPOPT_CONTROL | IPOPT_COPY;
export const IPOPT_RA = 20 | IPOPT_CONTROL | IPOPT_COPY;

export const IPVERSION = 4;
export const MAXTTL = 255;
export const IPDEFTTL = 64;

// include/uapi/linux/ip.h: offsets inside an option, and the options area limit.
export const IPOPT_OPTVAL = 0;
export const IPOPT_OLEN = 1;
export const IPOPT_OFFSET = 2;
export const IPOPT_MINOFF = 4;
export const MAX_IPOPTLEN = 40;
export const IPOPT_NOP = IPOPT_NOOP;
export const IPOPT_EOL = IPOPT_END;
export const IPOPT_TS = IPOPT_TIMESTAMP;

// include/uapi/linux/ip.h: timestamp option flags (RFC 791 §3.1, Internet Timestamp).
export const IPOPT_TS_TSONLY = 0;
export const IPOPT_TS_TSANDADDR = 1;
export const IPOPT_TS_PRESPEC = 3;

// include/net/ip.h: bits of the 16-bit flags/fragment-offset word (host order).
/** The reserved bit; Linux names it "Congestion". */
export const IP_CE = 0x8000;
export const IP_DF = 0x4000;
export const IP_MF = 0x2000;
export const IP_OFFSET = 0x1fff;
