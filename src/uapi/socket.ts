/**
 * Socket numbers for x86-64 Linux 6.18: address families (include/linux/socket.h), socket types
 * (include/linux/net.h), socket levels, SOL_SOCKET options (include/uapi/asm-generic/socket.h,
 * which x86 uses unchanged), msg flags (include/linux/socket.h), the SOL_UDP options
 * (include/uapi/linux/udp.h) and the extended-error origins of the error queue
 * (include/uapi/linux/errqueue.h). Checked against /usr/include and Python's socket module.
 */

// include/linux/socket.h: address families.
export const AF_UNSPEC = 0;
export const AF_UNIX = 1;
export const AF_INET = 2;
export const AF_INET6 = 10;
export const AF_NETLINK = 16;
export const AF_PACKET = 17;

// include/linux/net.h: socket types, and the flags that may be or-ed into the type argument.
export const SOCK_STREAM = 1;
export const SOCK_DGRAM = 2;
export const SOCK_RAW = 3;
export const SOCK_RDM = 4;
export const SOCK_SEQPACKET = 5;
export const SOCK_DCCP = 6;
export const SOCK_PACKET = 10;
/** SOCK_PACKET + 1: types at or above it are EINVAL in __sock_create. */
export const SOCK_MAX = 11;
export const SOCK_TYPE_MASK = 0xf;
/** O_NONBLOCK on x86. */
export const SOCK_NONBLOCK = 0o4000;
/** O_CLOEXEC on x86. */
export const SOCK_CLOEXEC = 0o2000000;

// include/linux/socket.h: setsockopt/getsockopt levels (IPv6's SOL_IPV6 = 41 is in in6.ts).
export const SOL_IP = 0;
export const SOL_SOCKET = 1;
export const SOL_TCP = 6;
export const SOL_UDP = 17;
export const SOL_ICMPV6 = 58;
export const SOL_RAW = 255;

// include/uapi/asm-generic/socket.h: SOL_SOCKET options.
export const SO_DEBUG = 1;
export const SO_REUSEADDR = 2;
export const SO_TYPE = 3;
export const SO_ERROR = 4;
export const SO_DONTROUTE = 5;
export const SO_BROADCAST = 6;
export const SO_SNDBUF = 7;
export const SO_RCVBUF = 8;
export const SO_SNDBUFFORCE = 32;
export const SO_RCVBUFFORCE = 33;
export const SO_KEEPALIVE = 9;
export const SO_OOBINLINE = 10;
export const SO_NO_CHECK = 11;
export const SO_PRIORITY = 12;
export const SO_LINGER = 13;
export const SO_BSDCOMPAT = 14;
export const SO_REUSEPORT = 15;
export const SO_PASSCRED = 16;
export const SO_PEERCRED = 17;
export const SO_RCVLOWAT = 18;
export const SO_SNDLOWAT = 19;
export const SO_RCVTIMEO_OLD = 20;
export const SO_SNDTIMEO_OLD = 21;
export const SO_SECURITY_AUTHENTICATION = 22;
export const SO_SECURITY_ENCRYPTION_TRANSPORT = 23;
export const SO_SECURITY_ENCRYPTION_NETWORK = 24;
export const SO_BINDTODEVICE = 25;
export const SO_ATTACH_FILTER = 26;
export const SO_DETACH_FILTER = 27;
export const SO_PEERNAME = 28;
export const SO_TIMESTAMP_OLD = 29;
export const SO_ACCEPTCONN = 30;
export const SO_PEERSEC = 31;
export const SO_PASSSEC = 34;
export const SO_TIMESTAMPNS_OLD = 35;
export const SO_MARK = 36;
export const SO_TIMESTAMPING_OLD = 37;
export const SO_PROTOCOL = 38;
export const SO_DOMAIN = 39;
export const SO_RXQ_OVFL = 40;
export const SO_WIFI_STATUS = 41;
export const SO_PEEK_OFF = 42;
export const SO_NOFCS = 43;
export const SO_LOCK_FILTER = 44;
export const SO_SELECT_ERR_QUEUE = 45;
export const SO_BUSY_POLL = 46;
export const SO_MAX_PACING_RATE = 47;
export const SO_BPF_EXTENSIONS = 48;
export const SO_INCOMING_CPU = 49;
export const SO_ATTACH_BPF = 50;
export const SO_ATTACH_REUSEPORT_CBPF = 51;
export const SO_ATTACH_REUSEPORT_EBPF = 52;
export const SO_CNX_ADVICE = 53;
export const SO_MEMINFO = 55;
export const SO_INCOMING_NAPI_ID = 56;
export const SO_COOKIE = 57;
export const SO_PEERGROUPS = 59;
export const SO_ZEROCOPY = 60;
export const SO_TXTIME = 61;
export const SO_BINDTOIFINDEX = 62;
export const SO_TIMESTAMP_NEW = 63;
export const SO_TIMESTAMPNS_NEW = 64;
export const SO_TIMESTAMPING_NEW = 65;
export const SO_RCVTIMEO_NEW = 66;
export const SO_SNDTIMEO_NEW = 67;
export const SO_DETACH_REUSEPORT_BPF = 68;
export const SO_PREFER_BUSY_POLL = 69;
export const SO_BUSY_POLL_BUDGET = 70;
export const SO_NETNS_COOKIE = 71;
export const SO_BUF_LOCK = 72;
export const SO_RESERVE_MEM = 73;
export const SO_TXREHASH = 74;
export const SO_RCVMARK = 75;
// On x86-64 time_t is a long, so the unsuffixed names are the _OLD numbers.
export const SO_TIMESTAMP = SO_TIMESTAMP_OLD;
export const SO_TIMESTAMPNS = SO_TIMESTAMPNS_OLD;
export const SO_TIMESTAMPING = SO_TIMESTAMPING_OLD;
export const SO_RCVTIMEO = SO_RCVTIMEO_OLD;
export const SO_SNDTIMEO = SO_SNDTIMEO_OLD;

// include/linux/socket.h: flags of sendmsg/recvmsg.
export const MSG_OOB = 0x1;
export const MSG_PEEK = 0x2;
export const MSG_DONTROUTE = 0x4;
export const MSG_CTRUNC = 0x8;
export const MSG_PROBE = 0x10;
export const MSG_TRUNC = 0x20;
export const MSG_DONTWAIT = 0x40;
export const MSG_EOR = 0x80;
export const MSG_WAITALL = 0x100;
export const MSG_FIN = 0x200;
export const MSG_SYN = 0x400;
export const MSG_CONFIRM = 0x800;
export const MSG_RST = 0x1000;
export const MSG_ERRQUEUE = 0x2000;
export const MSG_NOSIGNAL = 0x4000;
export const MSG_MORE = 0x8000;
export const MSG_WAITFORONE = 0x10000;
export const MSG_BATCH = 0x40000;
export const MSG_ZEROCOPY = 0x4000000;
export const MSG_FASTOPEN = 0x20000000;
export const MSG_CMSG_CLOEXEC = 0x40000000;

// include/uapi/linux/udp.h: SOL_UDP options.
export const UDP_CORK = 1;
export const UDP_ENCAP = 100;
export const UDP_NO_CHECK6_TX = 101;
export const UDP_NO_CHECK6_RX = 102;
export const UDP_SEGMENT = 103;
export const UDP_GRO = 104;

// include/uapi/linux/errqueue.h: sock_extended_err.ee_origin.
export const SO_EE_ORIGIN_NONE = 0;
export const SO_EE_ORIGIN_LOCAL = 1;
export const SO_EE_ORIGIN_ICMP = 2;
export const SO_EE_ORIGIN_ICMP6 = 3;
export const SO_EE_ORIGIN_TXSTATUS = 4;
export const SO_EE_ORIGIN_ZEROCOPY = 5;
export const SO_EE_ORIGIN_TXTIME = 6;
