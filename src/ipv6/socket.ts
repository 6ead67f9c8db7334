/**
 * IPv6 datagram sockets: the per-namespace socket table and a socket API shaped like Linux's,
 * after net/ipv6/af_inet6.c (inet6_create, __inet6_bind's address part, inet6_getname),
 * net/ipv4/af_inet.c (inet_dgram_connect, inet_send_prepare: autobind), net/ipv6/datagram.c
 * (ip6_datagram_connect, ipv6_icmp_error, ipv6_recv_error), net/ipv6/ipv6_sockglue.c
 * (do_ipv6_setsockopt / do_ipv6_getsockopt), net/core/sock.c (sk_setsockopt, sk_getsockopt,
 * sock_queue_rcv_skb, sock_dequeue_err_skb) and net/ipv4/udp.c (udp_lib_setsockopt), Linux 6.18.
 * The protocols plug in through `Ipv6SocketProto`: UDP (udp.ts) and ICMPv6 echo (ping.ts).
 *
 * Errors are values: every call returns a Result whose error is `{ errno, name }` with Linux's
 * number and name (uapi/errno.ts). Option values are the bytes an x86-64 process passes: ints
 * are 4-byte little-endian; a value shorter than 4 bytes reads as 0 (as do_ipv6_setsockopt
 * does) and most options then fail with EINVAL; getsockopt returns min(optlen, 4) bytes.
 *
 * Options modelled, with Linux's checks and defaults (verified against a 6.18 kernel, see
 * test/interop/sockets.test.ts):
 * - SOL_SOCKET: SO_DEBUG, SO_REUSEADDR, SO_REUSEPORT, SO_TYPE, SO_PROTOCOL, SO_DOMAIN, SO_ERROR,
 *   SO_ACCEPTCONN, SO_DONTROUTE, SO_BROADCAST, SO_KEEPALIVE, SO_OOBINLINE, SO_NO_CHECK,
 *   SO_SNDBUF(FORCE), SO_RCVBUF(FORCE), SO_PRIORITY, SO_MARK, SO_RXQ_OVFL.
 * - SOL_IPV6: every option of do_ipv6_setsockopt that keeps a flag or a number (the RFC 3542
 *   and RFC 2292 receive flags, IPV6_V6ONLY, IPV6_UNICAST_HOPS, IPV6_MULTICAST_HOPS / LOOP / IF /
 *   ALL, IPV6_UNICAST_IF, IPV6_TCLASS, IPV6_MTU_DISCOVER, IPV6_MTU, IPV6_RECVERR(_RFC4884),
 *   IPV6_FLOWINFO(_SEND), IPV6_DONTFRAG, IPV6_AUTOFLOWLABEL, IPV6_MINHOPCOUNT,
 *   IPV6_ADDR_PREFERENCES, IPV6_TRANSPARENT, IPV6_FREEBIND, IPV6_ROUTER_ALERT(_ISOLATE), ...),
 *   IPV6_PKTINFO (sticky output interface), IPV6_HOPOPTS and IPV6_DSTOPTS (sticky option headers,
 *   sent on every packet), IPV6_ADDRFORM's errors, IPV6_MTU / IPV6_PATHMTU reads.
 * - SOL_UDP (UDP sockets): UDP_NO_CHECK6_TX, UDP_NO_CHECK6_RX.
 * - IPV6_FLOWLABEL_MGR: the length and action checks here, the rest through the namespace's
 *   `flowLabelMgr` (the flow label manager plugs in; without it the option is ENOPROTOOPT and
 *   labels given in sin6_flowinfo are sent unchecked, as Linux does while no exclusive label
 *   exists).
 * Not modelled (ENOPROTOOPT, as for an unknown option): multicast membership (IPV6_ADD_MEMBERSHIP,
 * MCAST_*), anycast (IPV6_JOIN_ANYCAST), IPV6_RTHDR / IPV6_RTHDRDSTOPTS, IPV6_2292PKTOPTIONS,
 * IPsec policies, netfilter's options, IPv4 options (SOL_IP), UDP_CORK, UDP_ENCAP, UDP_SEGMENT,
 * UDP_GRO, and SOL_SOCKET options not listed above.
 *
 * Errors from ICMPv6: udp.ts and ping.ts set `err` (sk_err) as Linux does; with IPV6_RECVERR
 * the error is also queued (`recvErr`, recvmsg(MSG_ERRQUEUE)). The next sendto or recvfrom,
 * or getsockopt(SO_ERROR), returns sk_err once and clears it.
 *
 * Memory. sk_rcvbuf limits the receive queue. Linux charges skb->truesize, which depends on
 * the driver's allocation; we charge `skbTruesize(len)`: the IPv6 packet length plus the 64
 * bytes of headroom, rounded up to 64, plus 576 for struct sk_buff and skb_shared_info (256 +
 * 320 on x86-64), a close approximation of a veth-received skb.
 *
 * Sending (ip6_append_data + ip6_make_skb, without corking): one PacketBuffer per datagram,
 * the IPv6 header, the sticky Hop-by-Hop and Destination options, the transport header written
 * by the protocol, then output.ts's ip6LocalOut. Source: np->saddr, else the route's preferred
 * source, else ipv6DevGetSaddr on the route's device. Hop limit: the IPV6_HOPLIMIT control,
 * else the socket's (unicast or multicast), else the route's device. Traffic class: the
 * IPV6_TCLASS control (-1 sends 0xff, as the kernel's u8 cork does), else the socket's. Flow
 * label: sin6_flowinfo's label with IPV6_FLOWINFO_SEND (or the connected one), else the
 * namespace's `flowLabel` hook when automatic labels apply to the socket (ip6_autoflowlabel).
 * Not modelled: multicast destinations without a route, corking (MSG_MORE, UDP_CORK), GSO,
 * ipv6_local_error for EMSGSIZE.
 */

import { type Credentials, nsCapable, capable, CAP_NET_ADMIN, CAP_NET_RAW } from '../net/credentials.ts';
import type { Net, World } from '../net/net.ts';
import type { NetDevice } from '../net/netdevice.ts';
import { PacketBuffer } from '../net/packet-buffer.ts';
import type { PernetKey } from '../net/pernet.ts';
import { IPSTATS_MIB_OUTNOROUTES } from '../net/mib.ts';
import {
  ERRNO,
  EACCES,
  EADDRNOTAVAIL,
  EAFNOSUPPORT,
  EAGAIN,
  EBADF,
  EBUSY,
  EINVAL,
  EMSGSIZE,
  ENETUNREACH,
  ENODEV,
  ENOPROTOOPT,
  ENOTCONN,
  EPERM,
  EPROTONOSUPPORT,
  ESOCKTNOSUPPORT,
  errnoName,
} from '../uapi/errno.ts';
import {
  FLR_ACTION,
  IN6_FLOWLABEL_REQ_SIZE,
  IPPROTO_ICMPV6,
  IPPROTO_UDP,
  IPV6_2292DSTOPTS,
  IPV6_2292HOPLIMIT,
  IPV6_2292HOPOPTS,
  IPV6_2292PKTINFO,
  IPV6_2292RTHDR,
  IPV6_ADDRFORM,
  IPV6_ADDR_PREFERENCES,
  IPV6_AUTOFLOWLABEL,
  IPV6_DONTFRAG,
  IPV6_DSTOPTS,
  IPV6_FLOWINFO,
  IPV6_FLOWINFO_FLOWLABEL,
  IPV6_FLOWINFO_SEND,
  IPV6_FLOWLABEL_MGR,
  IPV6_FL_A_GET,
  IPV6_FREEBIND,
  IPV6_HOPOPTS,
  IPV6_MINHOPCOUNT,
  IPV6_MTU,
  IPV6_MTU_DISCOVER,
  IPV6_MULTICAST_ALL,
  IPV6_MULTICAST_HOPS,
  IPV6_MULTICAST_IF,
  IPV6_MULTICAST_LOOP,
  IPV6_PATHMTU,
  IPV6_PKTINFO,
  IPV6_PMTUDISC_DONT,
  IPV6_PMTUDISC_INTERFACE,
  IPV6_PMTUDISC_OMIT,
  IPV6_PMTUDISC_PROBE,
  IPV6_PMTUDISC_DO,
  IPV6_PMTUDISC_WANT,
  IPV6_PREFER_SRC_COA,
  IPV6_PREFER_SRC_HOME,
  IPV6_PREFER_SRC_PUBLIC,
  IPV6_PREFER_SRC_PUBTMP_DEFAULT,
  IPV6_PREFER_SRC_TMP,
  IPV6_PREFER_SRC_CGA,
  IPV6_PREFER_SRC_NONCGA,
  IPV6_RECVDSTOPTS,
  IPV6_RECVERR,
  IPV6_RECVERR_RFC4884,
  IPV6_RECVFRAGSIZE,
  IPV6_RECVHOPLIMIT,
  IPV6_RECVHOPOPTS,
  IPV6_RECVORIGDSTADDR,
  IPV6_RECVPATHMTU,
  IPV6_RECVPKTINFO,
  IPV6_RECVRTHDR,
  IPV6_RECVTCLASS,
  IPV6_ROUTER_ALERT,
  IPV6_ROUTER_ALERT_ISOLATE,
  IPV6_TCLASS,
  IPV6_TRANSPARENT,
  IPV6_UNICAST_HOPS,
  IPV6_UNICAST_IF,
  IPV6_V6ONLY,
  SOL_IPV6,
} from '../uapi/in6.ts';
import { IPV6_DEFAULT_MCASTHOPS, IPV6_HDR_LEN } from '../uapi/ipv6.ts';
import { RTN_ANYCAST, RTN_LOCAL, RTN_UNICAST } from '../uapi/rtnetlink.ts';
import {
  AF_INET,
  AF_INET6,
  SOCK_CLOEXEC,
  SOCK_DGRAM,
  SOCK_MAX,
  SOCK_NONBLOCK,
  SOL_SOCKET,
  SOL_UDP,
  SO_ACCEPTCONN,
  SO_BROADCAST,
  SO_DEBUG,
  SO_DOMAIN,
  SO_DONTROUTE,
  SO_EE_ORIGIN_ICMP6,
  SO_ERROR,
  SO_KEEPALIVE,
  SO_MARK,
  SO_NO_CHECK,
  SO_OOBINLINE,
  SO_PRIORITY,
  SO_PROTOCOL,
  SO_RCVBUF,
  SO_RCVBUFFORCE,
  SO_REUSEADDR,
  SO_REUSEPORT,
  SO_RXQ_OVFL,
  SO_SNDBUF,
  SO_SNDBUFFORCE,
  SO_TYPE,
  UDP_NO_CHECK6_RX,
  UDP_NO_CHECK6_TX,
} from '../uapi/socket.ts';
import { setU16, setU32, u32 } from '../wire/bytes.ts';
import { IPV6_FIELD } from '../wire/ipv6.ts';
import { type Result, ok } from '../wire/result.ts';
import { LOOPBACK_IFINDEX, RT6_LOOKUP_F_IFACE, routeTypeErrno, type Fib6Route } from './fib.ts';
import { type Icmpv6SocketHooks, icmpv6Protocol, icmpv6ProtocolWith, ipv6DevGetSaddr } from './icmp.ts';
import { addrIsLinkLocal, addrIsLoopback, addrIsMulticast, addrIsUnspecified, addrNeedsScopeId, addrNeedsStrict } from './input.ts';
import type { Ipv6Net, Ipv6Registration } from './ipv6.ts';
import { ip6DstMtu, ip6LocalOut } from './output.ts';
import { VERDICT_CONSUMED, isDrop, verdictDrop, verdictReason } from './verdict.ts';
import { SKB_DROP_REASON_DEV_READY, SKB_DROP_REASON_NO_SOCKET } from '../uapi/dropreason.ts';

const F = IPV6_FIELD;
const ADDR_LEN = 16;
const INT_MAX = 0x7fffffff;
const U32 = 0x1_0000_0000;

// ---------------------------------------------------------------------------------------------
// The API's values

/** struct sockaddr_in6 (sin6_family is always AF_INET6 here). */
export interface SockaddrIn6 {
  readonly addr: Uint8Array;
  readonly port: number;
  /** sin6_flowinfo in host order: traffic class << 20 | flow label. */
  readonly flowinfo?: number;
  readonly scopeId?: number;
}

/** A failed call: Linux's errno and its name, e.g. { errno: 111, name: 'ECONNREFUSED' }. */
export interface SockError {
  readonly errno: number;
  readonly name: string;
}

/** Ancillary data of sendmsg: IPV6_HOPLIMIT and IPV6_TCLASS (-1..255), and sin6_flowinfo. */
export interface SendControl {
  readonly hopLimit?: number;
  readonly tclass?: number;
  /** The destination's sin6_flowinfo when `dest` does not carry one. */
  readonly flowinfo?: number;
}

/** struct in6_pktinfo (IPV6_PKTINFO). */
export interface Pktinfo {
  readonly addr: Uint8Array;
  readonly ifindex: number;
}

/** One datagram read with recvfrom, with the control data the socket asked for. */
export interface Datagram {
  readonly data: Uint8Array;
  readonly from: SockaddrIn6;
  /** IPV6_RECVHOPLIMIT. */
  readonly hopLimit?: number;
  /** IPV6_RECVTCLASS. */
  readonly tclass?: number;
  /** IPV6_RECVPKTINFO. */
  readonly pktinfo?: Pktinfo;
  /** IPV6_FLOWINFO: the received first word's traffic class and label. */
  readonly flowinfo?: number;
  /** SO_RXQ_OVFL: sk_drops when the datagram was queued. */
  readonly drops?: number;
  /** Receive time (skb->tstamp), namespace clock nanoseconds. */
  readonly tstampNs: number;
}

/** An error queue entry (struct sock_extended_err, its offender and the quoted payload). */
export interface SockExtendedErr {
  readonly errno: number;
  readonly origin: number;
  readonly type: number;
  readonly code: number;
  readonly info: number;
  readonly data: number;
  /** Who sent the ICMPv6 error. */
  readonly offender: SockaddrIn6;
  /** The destination of the quoted packet (msg_name of recvmsg(MSG_ERRQUEUE)). */
  readonly addr: SockaddrIn6;
  /** The quoted packet from its transport payload on (UDP) or its ICMPv6 header (ping). */
  readonly payload: Uint8Array;
}

/** The Result error for `errno`. */
export function sockError(errno: number): { readonly ok: false; readonly error: SockError } {
  return { ok: false, error: { errno, name: errnoName(errno) ?? `E${errno}` } };
}

const OK_VOID: Result<void, SockError> = ok(undefined);

// ---------------------------------------------------------------------------------------------
// Sizes

/** net.core.rmem_default / wmem_default / rmem_max / wmem_max defaults. */
export const SYSCTL_RMEM_DEFAULT = 212992;
export const SYSCTL_WMEM_DEFAULT = 212992;
export const SYSCTL_RMEM_MAX = 212992;
export const SYSCTL_WMEM_MAX = 212992;
/** TCP_SKB_MIN_TRUESIZE (2048 + SKB_DATA_ALIGN(sizeof(struct sk_buff))) on x86-64. */
const SKB_MIN_TRUESIZE = 2048 + 256;
/** SOCK_MIN_RCVBUF and SOCK_MIN_SNDBUF (include/net/sock.h). */
export const SOCK_MIN_RCVBUF = SKB_MIN_TRUESIZE;
export const SOCK_MIN_SNDBUF = SKB_MIN_TRUESIZE * 2;
/** SKB_DATA_ALIGN(sizeof(struct sk_buff)) + SKB_DATA_ALIGN(sizeof(struct skb_shared_info)). */
const SKB_OVERHEAD = 256 + 320;
const NET_SKB_PAD = 64;

/** The truesize we charge for a received packet of `len` bytes (module comment). */
export function skbTruesize(len: number): number {
  return SKB_OVERHEAD + ((len + NET_SKB_PAD + 63) & ~63);
}

// sk_userlocks.
const SOCK_BINDADDR_LOCK = 4;
const SOCK_BINDPORT_LOCK = 8;

/** IP6_AUTO_FLOW_LABEL_* (include/net/ipv6.h). */
const IP6_AUTO_FLOW_LABEL_OFF = 0;
const IP6_AUTO_FLOW_LABEL_OPTOUT = 1;
const IP6_AUTO_FLOW_LABEL_FORCED = 3;

const IPV6_MIN_MTU = 1280;
/** IPV6_MAXPLEN. */
const IPV6_MAXPLEN = 65535;
/** sizeof(struct in6_pktinfo), sizeof(struct ip6_mtuinfo). */
const IN6_PKTINFO_SIZE = 20;
const IP6_MTUINFO_SIZE = 32;

// ---------------------------------------------------------------------------------------------
// Boolean IPv6 options (one bit each)

/** Bits of `Ipv6Socket.v6flags`: np->rxopt bits and the inet6 flag bits. */
export const RX_INFO = 1 << 0;
export const RX_OINFO = 1 << 1;
export const RX_HLIM = 1 << 2;
export const RX_OHLIM = 1 << 3;
export const RX_SRCRT = 1 << 4;
export const RX_OSRCRT = 1 << 5;
export const RX_HOPOPTS = 1 << 6;
export const RX_OHOPOPTS = 1 << 7;
export const RX_DSTOPTS = 1 << 8;
export const RX_ODSTOPTS = 1 << 9;
export const RX_TCLASS = 1 << 10;
export const RX_FLOW = 1 << 11;
export const RX_PMTU = 1 << 12;
export const RX_ORIGDSTADDR = 1 << 13;
export const RX_FRAGSIZE = 1 << 14;
/** All np->rxopt bits (rxopt.all). */
const RX_ALL = (1 << 15) - 1;
export const F_RECVERR = 1 << 16;
export const F_SNDFLOW = 1 << 17;
export const F_V6ONLY = 1 << 18;
export const F_MC_LOOP = 1 << 19;
export const F_MC_ALL = 1 << 20;
export const F_DONTFRAG = 1 << 21;
export const F_AUTOFLOWLABEL = 1 << 22;
export const F_AUTOFLOWLABEL_SET = 1 << 23;
export const F_RTALERT_ISOLATE = 1 << 24;
export const F_RECVERR_RFC4884 = 1 << 25;
export const F_TRANSPARENT = 1 << 26;
export const F_FREEBIND = 1 << 27;

/**
 * Options that store `val != 0` in one bit, and whether an optlen below sizeof(int) is EINVAL
 * (IPV6_DONTFRAG, IPV6_AUTOFLOWLABEL and IPV6_RECVFRAGSIZE take any length, reading 0).
 */
const BOOL_OPTS: ReadonlyMap<number, readonly [bit: number, lenCheck: boolean]> = new Map([
  [IPV6_RECVPKTINFO, [RX_INFO, true]],
  [IPV6_2292PKTINFO, [RX_OINFO, true]],
  [IPV6_RECVHOPLIMIT, [RX_HLIM, true]],
  [IPV6_2292HOPLIMIT, [RX_OHLIM, true]],
  [IPV6_RECVRTHDR, [RX_SRCRT, true]],
  [IPV6_2292RTHDR, [RX_OSRCRT, true]],
  [IPV6_RECVHOPOPTS, [RX_HOPOPTS, true]],
  [IPV6_2292HOPOPTS, [RX_OHOPOPTS, true]],
  [IPV6_RECVDSTOPTS, [RX_DSTOPTS, true]],
  [IPV6_2292DSTOPTS, [RX_ODSTOPTS, true]],
  [IPV6_RECVTCLASS, [RX_TCLASS, true]],
  [IPV6_FLOWINFO, [RX_FLOW, true]],
  [IPV6_RECVPATHMTU, [RX_PMTU, true]],
  [IPV6_RECVORIGDSTADDR, [RX_ORIGDSTADDR, true]],
  [IPV6_RECVFRAGSIZE, [RX_FRAGSIZE, false]],
  [IPV6_FLOWINFO_SEND, [F_SNDFLOW, true]],
  [IPV6_MULTICAST_ALL, [F_MC_ALL, true]],
  [IPV6_DONTFRAG, [F_DONTFRAG, false]],
  [IPV6_ROUTER_ALERT_ISOLATE, [F_RTALERT_ISOLATE, true]],
  [IPV6_FREEBIND, [F_FREEBIND, true]],
]);

// SOL_SOCKET flag bits (sock_flag) of `Ipv6Socket.sockFlags`.
const SOCK_DBG = 1 << 0;
const SOCK_LOCALROUTE = 1 << 1;
const SOCK_BROADCAST = 1 << 2;
const SOCK_KEEPOPEN = 1 << 3;
const SOCK_URGINLINE = 1 << 4;
const SOCK_RXQ_OVFL = 1 << 5;
const SOCK_NO_CHECK_TX = 1 << 6;

const SOCK_FLAG_OPTS: ReadonlyMap<number, number> = new Map([
  [SO_DONTROUTE, SOCK_LOCALROUTE],
  [SO_BROADCAST, SOCK_BROADCAST],
  [SO_KEEPALIVE, SOCK_KEEPOPEN],
  [SO_OOBINLINE, SOCK_URGINLINE],
  [SO_RXQ_OVFL, SOCK_RXQ_OVFL],
  [SO_NO_CHECK, SOCK_NO_CHECK_TX],
]);

// ---------------------------------------------------------------------------------------------
// Protocols and the flow label manager

/** The protocol side of a socket (struct proto): UDP (udp.ts) and ICMPv6 echo (ping.ts). */
export interface Ipv6SocketProto {
  readonly protocol: number;
  /** INET_PROTOSW_REUSE: new sockets start with SO_REUSEADDR set. */
  readonly reuseDefault: boolean;
  /** Per-namespace setup (inet6_add_protocol and such); returns its undo. */
  init(sks: Ipv6Sockets): () => void;
  /** The init of a new socket (ping_init_sock): 0 or an errno. */
  initSock(sk: Ipv6Socket): number;
  /** bind: 0 or an errno. */
  bind(sk: Ipv6Socket, sa: SockaddrIn6): number;
  /** get_port: takes local port (or echo id) `snum`, 0 for any; 0 or an errno. */
  getPort(sk: Ipv6Socket, snum: number): number;
  /** unhash: releases the port. */
  unhash(sk: Ipv6Socket): void;
  /** sendmsg after autobind: the bytes sent, or an errno. */
  sendmsg(sk: Ipv6Socket, data: Uint8Array, dest: SockaddrIn6 | undefined, control: SendControl | undefined): Result<number, SockError>;
  /** A dequeued datagram is being returned (UDP counts Udp6InDatagrams). */
  delivered(sk: Ipv6Socket): void;
  /** A dequeued datagram failed its deferred checksum (UDP's csum_copy_err). */
  csumError(sk: Ipv6Socket): void;
  /** The protocol's receive (UDP's inet6 handler, ping_rcv for echo replies): a verdict. */
  rcv(sks: Ipv6Sockets, pkb: PacketBuffer): number;
  /**
   * The error handler: `pkb` is the ICMPv6 error (its header at pkb.transportHeader), `inner`
   * the packet it quotes with this protocol's header at `offset`.
   */
  err(sks: Ipv6Sockets, pkb: PacketBuffer, inner: Uint8Array, offset: number, type: number, code: number, info: number): void;
}

/**
 * The flow label manager's socket side (net/ipv6/ip6_flowlabel.c), installed on a namespace's
 * `Ipv6Sockets.flowLabelMgr` by the flow label subsystem.
 */
export interface FlowLabelSockOps {
  /** ipv6_flowlabel_opt: IPV6_FLOWLABEL_MGR with a 32-byte (or longer) request; 0 or errno. */
  setsockopt(sk: Ipv6Socket, req: Uint8Array): number;
  /** ipv6_flowlabel_opt_get: the reply for a GET request's flags, or an errno. */
  getsockopt(sk: Ipv6Socket, flags: number): Result<Uint8Array, number>;
  /** fl6_sock_lookup: 0 if the socket may send with `label`, else an errno. */
  lookup(sk: Ipv6Socket, label: number): number;
  /** fl6_free_socklist: the socket closes. */
  release(sk: Ipv6Socket): void;
}

// ---------------------------------------------------------------------------------------------
// Per-send scratch

/** The flowi6 + ipcm6_cookie of a send, kept per socket so a send allocates no objects. */
export class SendFlow {
  readonly daddr = new Uint8Array(ADDR_LEN);
  readonly saddr = new Uint8Array(ADDR_LEN);
  oif = 0;
  /** Flow label (20 bits). */
  label = 0;
  hopLimit = -1;
  tclass = 0;
  rt: Fib6Route | null = null;
  dev: NetDevice | null = null;
}

interface Queued {
  readonly datagram: Datagram;
  readonly truesize: number;
  /** The deferred UDP checksum failed (checked when read, as udpv6_recvmsg does). */
  readonly csumBad: boolean;
}

/** What an option read gives: an int (copied as getsockopt copies ints), bytes, or an errno. */
type OptValue = number | Uint8Array | { readonly errno: number };

interface QueuedErr {
  readonly err: SockExtendedErr;
  readonly truesize: number;
}

/** Counters of one socket. */
export interface SocketStats {
  rxDatagrams: number;
  rxBytes: number;
  txDatagrams: number;
  txBytes: number;
}

// ---------------------------------------------------------------------------------------------
// The socket

export class Ipv6Socket {
  readonly sockets: Ipv6Sockets;
  readonly net: Net;
  readonly ip6: Ipv6Net;
  readonly cred: Credentials;
  readonly proto: Ipv6SocketProto;
  readonly protocol: number;
  readonly type = SOCK_DGRAM;
  /** sk_v6_rcv_saddr: the bound (or connected) local address; zero is any. */
  readonly rcvSaddr = new Uint8Array(ADDR_LEN);
  /** np->saddr: the source to send from; zero lets the route choose. */
  readonly saddr = new Uint8Array(ADDR_LEN);
  /** sk_v6_daddr: the connected peer. */
  readonly daddr = new Uint8Array(ADDR_LEN);
  /** inet_num: the local port (UDP) or echo identifier (ping); 0 while unbound. */
  num = 0;
  dport = 0;
  /** np->flow_label of a connected socket (label bits of the connect's sin6_flowinfo). */
  flowLabel = 0;
  connected = false;
  boundDevIf = 0;
  userlocks = 0;
  closed = false;
  /** Position in the protocol's table (udp.ts / ping.ts keep it). */
  hashed = false;
  /** sk_reuseport group id (0: none), set by udp.ts. */
  reuseportGroup = 0;

  // SOL_SOCKET
  reuse: boolean;
  reuseport = false;
  rcvbuf: number;
  sndbuf: number;
  priority = 0;
  mark = 0;
  sockFlags = 0;
  /** sk_err and sk_err_soft (positive errno, 0 for none). */
  err = 0;
  errSoft = 0;
  /** sk_drops. */
  drops = 0;

  // SOL_IPV6 (struct ipv6_pinfo)
  v6flags: number;
  hopLimit = -1;
  mcastHops = IPV6_DEFAULT_MCASTHOPS;
  mcastOif = 0;
  ucastOif = 0;
  tclass = 0;
  pmtudisc = IPV6_PMTUDISC_WANT;
  fragSize = 0;
  minHopcount = 0;
  srcprefs = 0;
  rtalert = false;
  readonly stickyPktinfo = { addr: new Uint8Array(ADDR_LEN), ifindex: 0 };
  /** Sticky Hop-by-Hop and Destination options headers (np->opt), as given. */
  hopopts: Uint8Array | null = null;
  dstopts: Uint8Array | null = null;

  // SOL_UDP
  noCheck6Tx = false;
  noCheck6Rx = false;

  readonly flow = new SendFlow();
  readonly stats: SocketStats = { rxDatagrams: 0, rxBytes: 0, txDatagrams: 0, txBytes: 0 };
  /** sk_rmem_alloc: truesize of the queued datagrams and errors. */
  rmemAlloc = 0;
  readonly #queue: Queued[] = [];
  #head = 0;
  readonly #errQueue: QueuedErr[] = [];
  /** Called when a datagram or an error arrives (sk_data_ready / sk_error_report). */
  onreadable: ((s: Ipv6Socket) => void) | null = null;

  constructor(sockets: Ipv6Sockets, proto: Ipv6SocketProto, cred: Credentials) {
    this.sockets = sockets;
    this.net = sockets.net;
    this.ip6 = sockets.ip6;
    this.cred = cred;
    this.proto = proto;
    this.protocol = proto.protocol;
    this.reuse = proto.reuseDefault;
    this.rcvbuf = sockets.rmemDefault;
    this.sndbuf = sockets.wmemDefault;
    this.v6flags = F_MC_LOOP | F_MC_ALL | (this.ip6.sysctl.ipv6.bindv6only.value !== 0 ? F_V6ONLY : 0);
  }

  // --- address calls ---

  /** bind(2). */
  bind(sa: SockaddrIn6): Result<void, SockError> {
    if (this.closed) return sockError(EBADF);
    const e = this.proto.bind(this, sa);
    return e === 0 ? OK_VOID : sockError(e);
  }

  /** connect(2): inet_dgram_connect (autobind) and ip6_datagram_connect. */
  connect(sa: SockaddrIn6): Result<void, SockError> {
    if (this.closed) return sockError(EBADF);
    if (this.num === 0 && this.proto.getPort(this, 0) !== 0) return sockError(EAGAIN);
    const e = ip6DatagramConnect(this, sa);
    return e === 0 ? OK_VOID : sockError(e);
  }

  /** connect(2) with AF_UNSPEC: __udp_disconnect. */
  disconnect(): Result<void, SockError> {
    if (this.closed) return sockError(EBADF);
    this.connected = false;
    this.daddr.fill(0);
    this.dport = 0;
    this.flowLabel = 0;
    this.boundDevIf = 0;
    if (!(this.userlocks & SOCK_BINDADDR_LOCK)) {
      this.rcvSaddr.fill(0);
      this.saddr.fill(0);
    }
    if (!(this.userlocks & SOCK_BINDPORT_LOCK)) this.proto.unhash(this);
    return OK_VOID;
  }

  /** getsockname(2): inet6_getname for the local side. */
  getsockname(): SockaddrIn6 {
    const a = addrIsUnspecified(this.rcvSaddr, 0) ? this.saddr : this.rcvSaddr;
    return { addr: a.slice(), port: this.num, flowinfo: 0, scopeId: ifaceScopeId(a, 0, this.boundDevIf) };
  }

  /** getpeername(2). */
  getpeername(): Result<SockaddrIn6, SockError> {
    if (!this.connected) return sockError(ENOTCONN);
    const flowinfo = this.v6flags & F_SNDFLOW ? this.flowLabel : 0;
    return ok({ addr: this.daddr.slice(), port: this.dport, flowinfo, scopeId: ifaceScopeId(this.daddr, 0, this.boundDevIf) });
  }

  /** close(2). */
  close(): void {
    if (this.closed) return;
    this.proto.unhash(this);
    this.sockets.flowLabelMgr?.release(this);
    this.closed = true;
    this.#queue.length = 0;
    this.#head = 0;
    this.#errQueue.length = 0;
    this.rmemAlloc = 0;
    this.onreadable = null;
  }

  // --- data ---

  /** sendto(2) / sendmsg(2) with ancillary data: the bytes sent. */
  sendto(data: Uint8Array, dest?: SockaddrIn6, control?: SendControl): Result<number, SockError> {
    if (this.closed) return sockError(EBADF);
    // inet_send_prepare: autobind.
    if (this.num === 0 && this.proto.getPort(this, 0) !== 0) return sockError(EAGAIN);
    return this.proto.sendmsg(this, data, dest, control);
  }

  /** recvfrom(2), non-blocking: EAGAIN when nothing is queued; a pending sk_err comes first. */
  recvfrom(): Result<Datagram, SockError> {
    if (this.closed) return sockError(EBADF);
    for (;;) {
      const e = this.takeError();
      if (e !== 0) return sockError(e);
      const q = this.#dequeue();
      if (q === undefined) return sockError(EAGAIN);
      if (q.csumBad) {
        this.proto.csumError(this);
        continue;
      }
      this.proto.delivered(this);
      this.stats.rxDatagrams++;
      this.stats.rxBytes += q.datagram.data.length;
      return ok(q.datagram);
    }
  }

  /** recvmsg(MSG_ERRQUEUE): the oldest queued ICMPv6 error (sock_dequeue_err_skb). */
  recvErr(): Result<SockExtendedErr, SockError> {
    if (this.closed) return sockError(EBADF);
    const q = this.#errQueue.shift();
    if (q === undefined) return sockError(EAGAIN);
    this.rmemAlloc -= q.truesize;
    const next = this.#errQueue[0];
    if (next !== undefined) this.err = next.err.errno;
    else this.err = 0;
    return ok(q.err);
  }

  /** Datagrams waiting (SIOCINQ counts bytes; this counts datagrams). */
  get queued(): number {
    return this.#queue.length - this.#head;
  }

  get errQueued(): number {
    return this.#errQueue.length;
  }

  /** sock_error: the pending sk_err, cleared. */
  takeError(): number {
    const e = this.err;
    if (e !== 0) this.err = 0;
    return e;
  }

  // --- used by the protocols ---

  /**
   * Queues a datagram if the receive buffer allows. `udpRule` selects
   * __udp_enqueue_schedule_skb's test (the first datagram over the limit still fits) instead of
   * sock_queue_rcv_skb's (nothing is queued once rmem reaches rcvbuf). False when dropped.
   */
  enqueue(datagram: Datagram, truesize: number, csumBad: boolean, udpRule: boolean): boolean {
    const rmem = this.rmemAlloc;
    const full = udpRule ? rmem + truesize > this.rcvbuf && (this.rcvbuf > INT_MAX >> 1 || rmem > this.rcvbuf) : rmem >= this.rcvbuf;
    if (full) {
      this.drops++;
      return false;
    }
    if (this.#head > 64 && this.#head * 2 > this.#queue.length) {
      this.#queue.splice(0, this.#head);
      this.#head = 0;
    }
    this.#queue.push({ datagram, truesize, csumBad });
    this.rmemAlloc += truesize;
    this.onreadable?.(this);
    return true;
  }

  /** ipv6_icmp_error's queueing (sock_queue_err_skb): false when the buffer is full. */
  enqueueError(err: SockExtendedErr, truesize: number): boolean {
    if (this.rmemAlloc + truesize >= this.rcvbuf) return false;
    this.#errQueue.push({ err, truesize });
    this.rmemAlloc += truesize;
    return true;
  }

  /** sk_error_report: sets sk_err and wakes the reader. */
  reportError(errno: number): void {
    this.err = errno;
    this.onreadable?.(this);
  }

  #dequeue(): Queued | undefined {
    if (this.#head >= this.#queue.length) return undefined;
    const q = this.#queue[this.#head] as Queued;
    this.#head++;
    if (this.#head === this.#queue.length) {
      this.#queue.length = 0;
      this.#head = 0;
    }
    this.rmemAlloc -= q.truesize;
    return q;
  }

  /** ip6_autoflowlabel. */
  autoFlowLabel(): boolean {
    if (this.v6flags & F_AUTOFLOWLABEL_SET) return (this.v6flags & F_AUTOFLOWLABEL) !== 0;
    const mode = this.ip6.sysctl.ipv6.auto_flowlabels.value;
    return mode === IP6_AUTO_FLOW_LABEL_OPTOUT || mode === IP6_AUTO_FLOW_LABEL_FORCED;
  }

  /** ipv6_can_nonlocal_bind. */
  canNonlocalBind(): boolean {
    return this.ip6.sysctl.ipv6.ip_nonlocal_bind.value !== 0 || (this.v6flags & (F_FREEBIND | F_TRANSPARENT)) !== 0;
  }

  // --- options ---

  /** setsockopt(2). */
  setsockopt(level: number, optname: number, value: Uint8Array): Result<void, SockError> {
    if (this.closed) return sockError(EBADF);
    let e: number;
    if (level === SOL_SOCKET) e = this.#setSocketOpt(optname, value);
    else if (level === SOL_UDP && this.protocol === IPPROTO_UDP) e = this.#setUdpOpt(optname, value);
    else if (level === SOL_IPV6) e = this.#setIpv6Opt(optname, value);
    else e = ENOPROTOOPT;
    return e === 0 ? OK_VOID : sockError(e);
  }

  /** getsockopt(2): the option's bytes, at most `optlen` of them. */
  getsockopt(level: number, optname: number, optlen: number): Result<Uint8Array, SockError> {
    if (this.closed) return sockError(EBADF);
    if (!Number.isInteger(optlen) || optlen < 0) return sockError(EINVAL);
    let r: OptValue;
    if (level === SOL_SOCKET) r = this.#getSocketOpt(optname);
    else if (level === SOL_UDP && this.protocol === IPPROTO_UDP) r = this.#getUdpOpt(optname);
    else if (level === SOL_IPV6) r = this.#getIpv6Opt(optname, optlen);
    else r = { errno: ENOPROTOOPT };
    if (typeof r === 'number') return ok(intBytes(r, optlen));
    if (r instanceof Uint8Array) return ok(r);
    return sockError(r.errno);
  }

  /** sk_setsockopt. */
  #setSocketOpt(optname: number, value: Uint8Array): number {
    if (value.length < 4) return EINVAL;
    const val = i32le(value);
    const valbool = val !== 0;
    const flag = SOCK_FLAG_OPTS.get(optname);
    if (flag !== undefined) {
      this.sockFlags = valbool ? this.sockFlags | flag : this.sockFlags & ~flag;
      return 0;
    }
    switch (optname) {
      case SO_DEBUG:
        if (val !== 0 && !capable(this.cred, CAP_NET_ADMIN)) return EACCES;
        this.sockFlags = valbool ? this.sockFlags | SOCK_DBG : this.sockFlags & ~SOCK_DBG;
        return 0;
      case SO_REUSEADDR:
        this.reuse = valbool;
        return 0;
      case SO_REUSEPORT:
        this.reuseport = valbool;
        return 0;
      case SO_SNDBUF:
        this.sndbuf = setBuf(u32Clamp(val, this.sockets.wmemMax), SOCK_MIN_SNDBUF);
        return 0;
      case SO_SNDBUFFORCE:
        if (!capable(this.cred, CAP_NET_ADMIN)) return EPERM;
        this.sndbuf = setBuf(Math.max(val, 0), SOCK_MIN_SNDBUF);
        return 0;
      case SO_RCVBUF:
        this.rcvbuf = setBuf(u32Clamp(val, this.sockets.rmemMax), SOCK_MIN_RCVBUF);
        return 0;
      case SO_RCVBUFFORCE:
        if (!capable(this.cred, CAP_NET_ADMIN)) return EPERM;
        this.rcvbuf = setBuf(Math.max(val, 0), SOCK_MIN_RCVBUF);
        return 0;
      case SO_PRIORITY:
        if ((val >= 0 && val <= 6) || nsCapable(this.net, this.cred, CAP_NET_RAW) || nsCapable(this.net, this.cred, CAP_NET_ADMIN)) {
          this.priority = val;
          return 0;
        }
        return EPERM;
      case SO_MARK:
        if (!nsCapable(this.net, this.cred, CAP_NET_RAW) && !nsCapable(this.net, this.cred, CAP_NET_ADMIN)) return EPERM;
        this.mark = val >>> 0;
        return 0;
      default:
        return ENOPROTOOPT;
    }
  }

  /** sk_getsockopt. */
  #getSocketOpt(optname: number): OptValue {
    const flag = SOCK_FLAG_OPTS.get(optname);
    if (flag !== undefined) return this.sockFlags & flag ? 1 : 0;
    switch (optname) {
      case SO_DEBUG:
        return this.sockFlags & SOCK_DBG ? 1 : 0;
      case SO_REUSEADDR:
        return this.reuse ? 1 : 0;
      case SO_REUSEPORT:
        return this.reuseport ? 1 : 0;
      case SO_TYPE:
        return this.type;
      case SO_PROTOCOL:
        return this.protocol;
      case SO_DOMAIN:
        return AF_INET6;
      case SO_ACCEPTCONN:
        return 0;
      case SO_ERROR: {
        let e = this.takeError();
        if (e === 0) {
          e = this.errSoft;
          this.errSoft = 0;
        }
        return e;
      }
      case SO_SNDBUF:
        return this.sndbuf;
      case SO_RCVBUF:
        return this.rcvbuf;
      case SO_PRIORITY:
        return this.priority | 0;
      case SO_MARK:
        return this.mark | 0;
      default:
        return { errno: ENOPROTOOPT };
    }
  }

  /** udp_lib_setsockopt for the options modelled. */
  #setUdpOpt(optname: number, value: Uint8Array): number {
    if (value.length < 4) return EINVAL;
    const valbool = i32le(value) !== 0;
    switch (optname) {
      case UDP_NO_CHECK6_TX:
        this.noCheck6Tx = valbool;
        return 0;
      case UDP_NO_CHECK6_RX:
        this.noCheck6Rx = valbool;
        return 0;
      default:
        return ENOPROTOOPT;
    }
  }

  #getUdpOpt(optname: number): OptValue {
    switch (optname) {
      case UDP_NO_CHECK6_TX:
        return this.noCheck6Tx ? 1 : 0;
      case UDP_NO_CHECK6_RX:
        return this.noCheck6Rx ? 1 : 0;
      default:
        return { errno: ENOPROTOOPT };
    }
  }

  /** do_ipv6_setsockopt: 0 or an errno. */
  #setIpv6Opt(optname: number, value: Uint8Array): number {
    const optlen = value.length;
    const full = optlen >= 4;
    const val = full ? i32le(value) : 0;
    const valbool = val !== 0;
    const b = BOOL_OPTS.get(optname);
    if (b !== undefined) {
      if (b[1] && !full) return EINVAL;
      this.v6flags = valbool ? this.v6flags | b[0] : this.v6flags & ~b[0];
      return 0;
    }
    switch (optname) {
      case IPV6_ADDRFORM:
        if (!full || val !== AF_INET) return EINVAL;
        if (this.protocol !== IPPROTO_UDP) return 0;
        if (!this.connected) return ENOTCONN;
        // Only a v4-mapped peer could move to IPv4; there is no IPv4 here.
        return EADDRNOTAVAIL;
      case IPV6_V6ONLY:
        if (!full || this.num !== 0) return EINVAL;
        this.#flag(F_V6ONLY, valbool);
        return 0;
      case IPV6_TRANSPARENT:
        if (valbool && !nsCapable(this.net, this.cred, CAP_NET_RAW) && !nsCapable(this.net, this.cred, CAP_NET_ADMIN)) return EPERM;
        if (!full) return EINVAL;
        this.#flag(F_TRANSPARENT, valbool);
        return 0;
      case IPV6_TCLASS:
        if (!full || val < -1 || val > 0xff) return EINVAL;
        this.tclass = val === -1 ? 0 : val;
        return 0;
      case IPV6_UNICAST_HOPS:
        if (!full || val > 255 || val < -1) return EINVAL;
        this.hopLimit = val;
        return 0;
      case IPV6_MULTICAST_HOPS:
        if (!full || val > 255 || val < -1) return EINVAL;
        this.mcastHops = val === -1 ? IPV6_DEFAULT_MCASTHOPS : val;
        return 0;
      case IPV6_MULTICAST_LOOP:
        if (!full || (val !== 0 && val !== 1)) return EINVAL;
        this.#flag(F_MC_LOOP, valbool);
        return 0;
      case IPV6_UNICAST_IF: {
        if (optlen !== 4) return EINVAL;
        // The value is an ifindex in network byte order.
        const ifindex = u32(value, 0) | 0;
        if (ifindex === 0) {
          this.ucastOif = 0;
          return 0;
        }
        if (this.ip6.device(ifindex) === undefined) return EADDRNOTAVAIL;
        if (this.boundDevIf !== 0) return EINVAL;
        this.ucastOif = ifindex;
        return 0;
      }
      case IPV6_MULTICAST_IF:
        if (!full) return EINVAL;
        if (val !== 0) {
          if (this.ip6.device(val) === undefined) return ENODEV;
          if (this.boundDevIf !== 0 && this.boundDevIf !== val) return EINVAL;
        }
        this.mcastOif = val;
        return 0;
      case IPV6_ROUTER_ALERT:
        if (!full) return EINVAL;
        // ip6_ra_control: only raw sockets of IPPROTO_RAW.
        return ENOPROTOOPT;
      case IPV6_MTU_DISCOVER:
        if (!full || val < IPV6_PMTUDISC_DONT || val > IPV6_PMTUDISC_OMIT) return EINVAL;
        this.pmtudisc = val;
        return 0;
      case IPV6_MTU:
        if (!full || (val !== 0 && val < IPV6_MIN_MTU)) return EINVAL;
        this.fragSize = val;
        return 0;
      case IPV6_RECVERR:
        if (!full) return EINVAL;
        this.#flag(F_RECVERR, valbool);
        if (!valbool) this.#purgeErrors();
        return 0;
      case IPV6_RECVERR_RFC4884:
        if (!full || val < 0 || val > 1) return EINVAL;
        this.#flag(F_RECVERR_RFC4884, valbool);
        return 0;
      case IPV6_AUTOFLOWLABEL:
        this.#flag(F_AUTOFLOWLABEL, valbool);
        this.v6flags |= F_AUTOFLOWLABEL_SET;
        return 0;
      case IPV6_MINHOPCOUNT:
        if (!full || val < 0 || val > 255) return EINVAL;
        this.minHopcount = val;
        return 0;
      case IPV6_ADDR_PREFERENCES:
        if (!full) return EINVAL;
        return this.#setAddrPreferences(val);
      case IPV6_PKTINFO: {
        if (optlen < IN6_PKTINFO_SIZE) return EINVAL;
        const ifindex = u32le(value, 16) | 0;
        if (this.boundDevIf !== 0 && this.boundDevIf !== ifindex) return EINVAL;
        this.stickyPktinfo.addr.set(value.subarray(0, ADDR_LEN));
        this.stickyPktinfo.ifindex = ifindex;
        return 0;
      }
      case IPV6_HOPOPTS:
      case IPV6_DSTOPTS:
        return this.#setOptHdr(optname, value);
      case IPV6_FLOWLABEL_MGR: {
        if (optlen < IN6_FLOWLABEL_REQ_SIZE) return EINVAL;
        const mgr = this.sockets.flowLabelMgr;
        return mgr === null ? ENOPROTOOPT : mgr.setsockopt(this, value);
      }
      default:
        return ENOPROTOOPT;
    }
  }

  /** __ip6_sock_set_addr_preferences. */
  #setAddrPreferences(val: number): number {
    let prefmask = ~0;
    let pref = 0;
    switch (val & (IPV6_PREFER_SRC_PUBLIC | IPV6_PREFER_SRC_TMP | IPV6_PREFER_SRC_PUBTMP_DEFAULT)) {
      case IPV6_PREFER_SRC_PUBLIC:
        pref |= IPV6_PREFER_SRC_PUBLIC;
        prefmask &= ~(IPV6_PREFER_SRC_PUBLIC | IPV6_PREFER_SRC_TMP);
        break;
      case IPV6_PREFER_SRC_TMP:
        pref |= IPV6_PREFER_SRC_TMP;
        prefmask &= ~(IPV6_PREFER_SRC_PUBLIC | IPV6_PREFER_SRC_TMP);
        break;
      case IPV6_PREFER_SRC_PUBTMP_DEFAULT:
        prefmask &= ~(IPV6_PREFER_SRC_PUBLIC | IPV6_PREFER_SRC_TMP);
        break;
      case 0:
        break;
      default:
        return EINVAL;
    }
    switch (val & (IPV6_PREFER_SRC_HOME | IPV6_PREFER_SRC_COA)) {
      case IPV6_PREFER_SRC_HOME:
        prefmask &= ~IPV6_PREFER_SRC_COA;
        break;
      case IPV6_PREFER_SRC_COA:
        pref |= IPV6_PREFER_SRC_COA;
        break;
      case 0:
        break;
      default:
        return EINVAL;
    }
    // CGA preferences are accepted as values but have no meaning (CONFIG_IPV6_CGA is absent).
    switch (val & (IPV6_PREFER_SRC_CGA | IPV6_PREFER_SRC_NONCGA)) {
      case IPV6_PREFER_SRC_CGA:
      case IPV6_PREFER_SRC_NONCGA:
      case 0:
        break;
      default:
        return EINVAL;
    }
    this.srcprefs = (this.srcprefs & prefmask) | pref;
    return 0;
  }

  /** ipv6_set_opt_hdr for IPV6_HOPOPTS / IPV6_DSTOPTS. */
  #setOptHdr(optname: number, value: Uint8Array): number {
    const optlen = value.length;
    if (!nsCapable(this.net, this.cred, CAP_NET_RAW)) return EPERM;
    let hdr: Uint8Array | null = null;
    if (optlen > 0) {
      if (optlen < 8 || (optlen & 7) !== 0 || optlen > 8 * 255) return EINVAL;
      const hlen = ((value[1] ?? 0) + 1) * 8;
      if (hlen > optlen) return EINVAL;
      hdr = value.slice(0, hlen);
    }
    if (optname === IPV6_HOPOPTS) this.hopopts = hdr;
    else this.dstopts = hdr;
    return 0;
  }

  /** do_ipv6_getsockopt. */
  #getIpv6Opt(optname: number, len: number): OptValue {
    const b = BOOL_OPTS.get(optname);
    if (b !== undefined) return this.v6flags & b[0] ? 1 : 0;
    switch (optname) {
      case IPV6_ADDRFORM:
        if (this.protocol !== IPPROTO_UDP) return { errno: ENOPROTOOPT };
        if (!this.connected) return { errno: ENOTCONN };
        return AF_INET6;
      case IPV6_MTU: {
        const m = this.#connectedMtu();
        return m === 0 ? { errno: ENOTCONN } : m;
      }
      case IPV6_PATHMTU: {
        if (len < IP6_MTUINFO_SIZE) return { errno: EINVAL };
        const m = this.#connectedMtu();
        if (m === 0) return { errno: ENOTCONN };
        const out = new Uint8Array(IP6_MTUINFO_SIZE);
        setU32le(out, 28, m);
        return out;
      }
      case IPV6_V6ONLY:
        return this.v6flags & F_V6ONLY ? 1 : 0;
      case IPV6_TRANSPARENT:
        return this.v6flags & F_TRANSPARENT ? 1 : 0;
      case IPV6_TCLASS:
        return this.tclass;
      case IPV6_UNICAST_HOPS:
      case IPV6_MULTICAST_HOPS: {
        let v = optname === IPV6_UNICAST_HOPS ? this.hopLimit : this.mcastHops;
        if (v < 0 && this.connected) v = this.#connectedHoplimit();
        if (v < 0) v = this.ip6.addrconf.all.hopLimit;
        return v;
      }
      case IPV6_MULTICAST_LOOP:
        return this.v6flags & F_MC_LOOP ? 1 : 0;
      case IPV6_MULTICAST_IF:
        return this.mcastOif;
      case IPV6_UNICAST_IF: {
        // htonl(ucast_oif) read as a host-order int.
        const o = new Uint8Array(4);
        setU32(o, 0, this.ucastOif >>> 0);
        return o.subarray(0, Math.min(4, len));
      }
      case IPV6_ROUTER_ALERT:
        return this.rtalert ? 1 : 0;
      case IPV6_MTU_DISCOVER:
        return this.pmtudisc;
      case IPV6_RECVERR:
        return this.v6flags & F_RECVERR ? 1 : 0;
      case IPV6_RECVERR_RFC4884:
        return this.v6flags & F_RECVERR_RFC4884 ? 1 : 0;
      case IPV6_AUTOFLOWLABEL:
        return this.autoFlowLabel() ? 1 : 0;
      case IPV6_MINHOPCOUNT:
        return this.minHopcount;
      case IPV6_ADDR_PREFERENCES: {
        let v = 0;
        if (this.srcprefs & IPV6_PREFER_SRC_TMP) v |= IPV6_PREFER_SRC_TMP;
        else if (this.srcprefs & IPV6_PREFER_SRC_PUBLIC) v |= IPV6_PREFER_SRC_PUBLIC;
        else v |= IPV6_PREFER_SRC_PUBTMP_DEFAULT;
        v |= this.srcprefs & IPV6_PREFER_SRC_COA ? IPV6_PREFER_SRC_COA : IPV6_PREFER_SRC_HOME;
        return v;
      }
      case IPV6_HOPOPTS:
      case IPV6_DSTOPTS: {
        const h = optname === IPV6_HOPOPTS ? this.hopopts : this.dstopts;
        return h === null ? new Uint8Array(0) : h.slice(0, Math.min(len, h.length));
      }
      case IPV6_FLOWLABEL_MGR:
        return { errno: ENOPROTOOPT };
      default:
        return { errno: ENOPROTOOPT };
    }
  }

  /** getsockopt(IPV6_FLOWLABEL_MGR): the request is read from `req` (in6_flowlabel_req). */
  getFlowLabel(req: Uint8Array): Result<Uint8Array, SockError> {
    if (this.closed) return sockError(EBADF);
    if (req.length < IN6_FLOWLABEL_REQ_SIZE) return sockError(EINVAL);
    if (req[FLR_ACTION] !== IPV6_FL_A_GET) return sockError(EINVAL);
    const mgr = this.sockets.flowLabelMgr;
    if (mgr === null) return sockError(ENOPROTOOPT);
    const r = mgr.getsockopt(this, u16le(req, 22));
    return r.ok ? r : sockError(r.error);
  }

  #flag(bit: number, on: boolean): void {
    this.v6flags = on ? this.v6flags | bit : this.v6flags & ~bit;
  }

  #purgeErrors(): void {
    for (const q of this.#errQueue) this.rmemAlloc -= q.truesize;
    this.#errQueue.length = 0;
  }

  /** dst_mtu of the connected route (0: not connected or no route). */
  #connectedMtu(): number {
    if (!this.connected) return 0;
    const f = this.flow;
    if (routeLookup(this, this.daddr, this.boundDevIf, f, false) !== 0 || f.rt === null || f.dev === null) return 0;
    return ip6DstMtu(this.ip6, f.rt, f.dev);
  }

  #connectedHoplimit(): number {
    const f = this.flow;
    if (routeLookup(this, this.daddr, this.boundDevIf, f, false) !== 0 || f.dev === null) return -1;
    return dstHoplimit(this.ip6, f.dev);
  }
}

// ---------------------------------------------------------------------------------------------
// Byte helpers (x86-64: ints in host order, little-endian)

function i32le(b: Uint8Array): number {
  return ((b[0] ?? 0) | ((b[1] ?? 0) << 8) | ((b[2] ?? 0) << 16) | ((b[3] ?? 0) << 24)) | 0;
}

function u32le(b: Uint8Array, o: number): number {
  return ((b[o] ?? 0) | ((b[o + 1] ?? 0) << 8) | ((b[o + 2] ?? 0) << 16) | ((b[o + 3] ?? 0) << 24)) >>> 0;
}

function u16le(b: Uint8Array, o: number): number {
  return (b[o] ?? 0) | ((b[o + 1] ?? 0) << 8);
}

function setU32le(b: Uint8Array, o: number, v: number): void {
  b[o] = v & 0xff;
  b[o + 1] = (v >>> 8) & 0xff;
  b[o + 2] = (v >>> 16) & 0xff;
  b[o + 3] = (v >>> 24) & 0xff;
}

/** An int option's value as getsockopt copies it: min(len, 4) little-endian bytes. */
function intBytes(v: number, len: number): Uint8Array {
  const o = new Uint8Array(4);
  setU32le(o, 0, v >>> 0);
  return o.subarray(0, Math.min(4, len));
}

/** min_t(u32, val, max): a negative int is a huge u32. */
function u32Clamp(val: number, max: number): number {
  const u = val < 0 ? val + U32 : val;
  return Math.min(u, max);
}

/** __sock_set_rcvbuf / set_sndbuf: min(val, INT_MAX / 2) doubled, at least `min`. */
function setBuf(val: number, min: number): number {
  const v = Math.min(val, Math.floor(INT_MAX / 2));
  return Math.max(v * 2, min);
}

// ---------------------------------------------------------------------------------------------
// Addresses

/** ::ffff:0:0/96. */
export function addrIsV4Mapped(a: Uint8Array): boolean {
  for (let i = 0; i < 10; i++) if (a[i] !== 0) return false;
  return a[10] === 0xff && a[11] === 0xff;
}

/** ipv6_iface_scope_id: the interface for addresses that need one, else 0. */
export function ifaceScopeId(b: Uint8Array, o: number, iface: number): number {
  return addrNeedsScopeId(b, o) ? iface : 0;
}

function sameAddr(a: Uint8Array, b: Uint8Array, o = 0): boolean {
  for (let i = 0; i < ADDR_LEN; i++) if (a[i] !== b[o + i]) return false;
  return true;
}

export { sameAddr as addrEqual };

/** The address checks of __inet6_bind for a non-any, non-mapped address: 0 or an errno. */
export function inet6BindAddr(sk: Ipv6Socket, sa: SockaddrIn6): number {
  const a = sa.addr;
  if (addrNeedsScopeId(a, 0)) {
    if ((sa.scopeId ?? 0) !== 0) sk.boundDevIf = sa.scopeId ?? 0;
    if (sk.boundDevIf === 0) return EINVAL;
  }
  if (sk.boundDevIf !== 0 && sk.ip6.device(sk.boundDevIf) === undefined) return ENODEV;
  if (!addrIsMulticast(a, 0) && !sk.canNonlocalBind() && !ipv6ChkAddrDev(sk.ip6, a, sk.boundDevIf)) return EADDRNOTAVAIL;
  return 0;
}

/**
 * ipv6_chk_addr(net, addr, dev, 0): configured on some device; with `dev` (non-zero), on that
 * device unless the address has a scope wider than link (host and link scope stay on theirs).
 */
export function ipv6ChkAddrDev(ip6: Ipv6Net, a: Uint8Array, dev: number): boolean {
  const narrow = addrIsLinkLocal(a, 0) || addrIsLoopback(a, 0);
  for (const d of ip6.addrconf.addressDevices()) {
    if (dev !== 0 && d !== dev && narrow) continue;
    for (const x of ip6.addrconf.addresses(d)) if (sameAddr(x.addr, a)) return true;
  }
  return false;
}

// ---------------------------------------------------------------------------------------------
// Routes (ip6_sk_dst_lookup_flow)

/** ip6_dst_hoplimit: the device's hop_limit, else all's. */
export function dstHoplimit(ip6: Ipv6Net, dev: NetDevice): number {
  return ip6.devConf(dev.ifindex)?.hopLimit ?? ip6.addrconf.all.hopLimit;
}

/**
 * The route to `daddr` leaving by `oif` (0: any), and the source into `f.saddr` unless
 * `keepSaddr` (the caller set it): 0, or ENETUNREACH (counted as Ip6OutNoRoutes), the reject
 * route's errno, or EADDRNOTAVAIL when no source address fits.
 */
export function routeLookup(sk: Ipv6Socket, daddr: Uint8Array, oif: number, f: SendFlow, keepSaddr: boolean): number {
  const ip6 = sk.ip6;
  f.rt = null;
  f.dev = null;
  const rt = ip6.fib.lookup(daddr, 0, oif, oif !== 0 && addrNeedsStrict(daddr, 0) ? RT6_LOOKUP_F_IFACE : 0);
  if (rt === undefined) {
    ip6.mib.inc(IPSTATS_MIB_OUTNOROUTES);
    return ENETUNREACH;
  }
  if (rt.type !== RTN_UNICAST && rt.type !== RTN_LOCAL && rt.type !== RTN_ANYCAST) {
    const e = routeTypeErrno(rt.type);
    return e === 0 ? ENETUNREACH : e;
  }
  // Local destinations leave through loopback (their dst device).
  const dev = ip6.device(rt.type === RTN_UNICAST ? rt.ifindex : LOOPBACK_IFINDEX);
  if (dev === undefined) return ENETUNREACH;
  if (!keepSaddr || addrIsUnspecified(f.saddr, 0)) {
    let src: Uint8Array | undefined;
    if (rt.type !== RTN_UNICAST && !addrIsMulticast(daddr, 0) && ipv6ChkAddrDev(ip6, daddr, 0)) src = daddr;
    src ??= rt.prefsrc ?? ipv6DevGetSaddr(ip6, rt.ifindex, daddr);
    if (src === undefined) return EADDRNOTAVAIL;
    f.saddr.set(src.subarray(0, ADDR_LEN));
  }
  f.rt = rt;
  f.dev = dev;
  return 0;
}

// ---------------------------------------------------------------------------------------------
// connect

/** ip6_datagram_connect (IPv6 destinations): 0 or an errno. */
export function ip6DatagramConnect(sk: Ipv6Socket, sa: SockaddrIn6): number {
  const daddr = new Uint8Array(ADDR_LEN);
  daddr.set(sa.addr.subarray(0, ADDR_LEN));
  let label = 0;
  if (sk.v6flags & F_SNDFLOW) {
    label = (sa.flowinfo ?? 0) & IPV6_FLOWINFO_FLOWLABEL;
    if (label !== 0 && sk.sockets.flowLabelMgr !== null && sk.sockets.flowLabelMgr.lookup(sk, label) !== 0) return EINVAL;
  }
  // Connecting to :: means connecting to the loopback address.
  if (addrIsUnspecified(daddr, 0)) daddr[15] = 1;
  // A v4-mapped peer: ENETUNREACH for a v6-only socket, and no IPv4 route otherwise (no IPv4 here).
  if (addrIsV4Mapped(daddr)) return ENETUNREACH;
  let bound = sk.boundDevIf;
  if (addrNeedsScopeId(daddr, 0)) {
    const scope = sa.scopeId ?? 0;
    if (scope !== 0) {
      if (bound !== 0 && bound !== scope) return EINVAL;
      bound = scope;
    }
    if (bound === 0 && addrIsMulticast(daddr, 0)) bound = sk.mcastOif;
    if (bound === 0) return EINVAL;
  }
  const f = sk.flow;
  f.saddr.set(sk.saddr);
  let oif = bound;
  if (oif === 0) oif = sk.stickyPktinfo.ifindex;
  if (oif === 0) oif = addrIsMulticast(daddr, 0) ? sk.mcastOif : sk.ucastOif;
  const e = routeLookup(sk, daddr, oif, f, true);
  if (e !== 0) return e;
  sk.boundDevIf = bound;
  sk.daddr.set(daddr);
  sk.dport = sa.port;
  sk.flowLabel = label;
  if (addrIsUnspecified(sk.saddr, 0)) sk.saddr.set(f.saddr);
  if (addrIsUnspecified(sk.rcvSaddr, 0)) sk.rcvSaddr.set(f.saddr);
  sk.connected = true;
  return 0;
}

// ---------------------------------------------------------------------------------------------
// Sending

/**
 * The destination, output interface and label of a send (the part of udpv6_sendmsg and
 * ping_v6_sendmsg before the route lookup), into `sk.flow`: 0 or an errno. `port` is false for
 * ping (no port check).
 */
export function prepareFlow(sk: Ipv6Socket, dest: SockaddrIn6 | undefined, control: SendControl | undefined, ping: boolean): number {
  const f = sk.flow;
  f.oif = 0;
  f.label = 0;
  if (dest !== undefined) {
    if (!ping && dest.port === 0) return EINVAL;
    f.daddr.set(dest.addr.subarray(0, ADDR_LEN));
    if (sk.v6flags & F_SNDFLOW) {
      f.label = (dest.flowinfo ?? control?.flowinfo ?? 0) & IPV6_FLOWINFO_FLOWLABEL;
      if (f.label !== 0 && sk.sockets.flowLabelMgr !== null && sk.sockets.flowLabelMgr.lookup(sk, f.label) !== 0) return EINVAL;
    }
    if (addrNeedsScopeId(f.daddr, 0)) f.oif = dest.scopeId ?? 0;
    if (!ping && addrIsUnspecified(f.daddr, 0)) f.daddr[15] = 1;
  } else {
    if (!sk.connected) return ERRNO.EDESTADDRREQ;
    f.daddr.set(sk.daddr);
    f.label = sk.flowLabel;
  }
  if (f.oif === 0) f.oif = sk.boundDevIf;
  if (f.oif === 0) f.oif = sk.stickyPktinfo.ifindex;
  if (ping) {
    if ((addrNeedsScopeId(f.daddr, 0) && f.oif === 0) || addrIsV4Mapped(f.daddr)) return EINVAL;
    if (f.oif !== 0 && sk.boundDevIf !== 0 && f.oif !== sk.boundDevIf) return EINVAL;
  } else if (addrIsV4Mapped(f.daddr)) {
    return ENETUNREACH;
  }
  if (f.oif === 0) f.oif = addrIsMulticast(f.daddr, 0) ? sk.mcastOif : sk.ucastOif;
  f.hopLimit = -1;
  f.tclass = sk.tclass;
  if (control !== undefined) {
    const h = control.hopLimit;
    if (h !== undefined) {
      if (!Number.isInteger(h) || h < -1 || h > 0xff) return EINVAL;
      f.hopLimit = h;
    }
    const t = control.tclass;
    if (t !== undefined) {
      if (!Number.isInteger(t) || t < -1 || t > 0xff) return EINVAL;
      // The cork keeps the traffic class in a u8: -1 goes out as 0xff.
      f.tclass = t & 0xff;
    }
  }
  f.saddr.set(sk.saddr);
  const e = routeLookup(sk, f.daddr, f.oif, f, true);
  if (e !== 0) return e;
  if (f.hopLimit < 0) {
    f.hopLimit = addrIsMulticast(f.daddr, 0) ? sk.mcastHops : sk.hopLimit;
    if (f.hopLimit < 0) f.hopLimit = dstHoplimit(sk.ip6, f.dev as NetDevice);
  }
  if (f.label === 0 && sk.autoFlowLabel() && sk.ip6.sysctl.ipv6.auto_flowlabels.value !== IP6_AUTO_FLOW_LABEL_OFF) {
    f.label = sk.ip6.flowLabel(sk.ip6, f.saddr, f.daddr, sk.protocol === IPPROTO_UDP ? IPPROTO_UDP : IPPROTO_ICMPV6) & IPV6_FLOWINFO_FLOWLABEL;
  } else if (f.label === 0 && sk.ip6.sysctl.ipv6.auto_flowlabels.value === IP6_AUTO_FLOW_LABEL_FORCED) {
    f.label = sk.ip6.flowLabel(sk.ip6, f.saddr, f.daddr, sk.protocol) & IPV6_FLOWINFO_FLOWLABEL;
  }
  return 0;
}

/** Bytes of the sticky extension headers a datagram carries. */
export function extHdrLen(sk: Ipv6Socket): number {
  return (sk.hopopts?.length ?? 0) + (sk.dstopts?.length ?? 0);
}

/**
 * The MTU check of __ip6_append_data for `tlen` transport bytes: 0 or EMSGSIZE. IPv6
 * fragments our own datagrams unless IPV6_DONTFRAG is set or path MTU discovery is DO or PROBE.
 */
export function checkMsgSize(sk: Ipv6Socket, tlen: number): number {
  const f = sk.flow;
  const dev = f.dev as NetDevice;
  const rt = f.rt as Fib6Route;
  let mtu = sk.pmtudisc >= IPV6_PMTUDISC_PROBE ? dev.mtu : ip6DstMtu(sk.ip6, rt, dev);
  if (sk.fragSize !== 0 && sk.fragSize < mtu) mtu = sk.fragSize;
  const headersize = IPV6_HDR_LEN + extHdrLen(sk);
  const ignoreDf = sk.pmtudisc < IPV6_PMTUDISC_DO || sk.pmtudisc === IPV6_PMTUDISC_OMIT;
  const maxnonfrag = ignoreDf ? IPV6_HDR_LEN + IPV6_MAXPLEN : mtu;
  if (sk.v6flags & F_DONTFRAG && tlen > mtu - headersize) return EMSGSIZE;
  if (tlen > maxnonfrag - headersize) return EMSGSIZE;
  return 0;
}

const HEADROOM = 64;

/**
 * A PacketBuffer holding the IPv6 header of `sk.flow` and the sticky extension headers for
 * `tlen` transport bytes (next header `proto`); its transportHeader is where they go.
 */
export function ip6BuildDatagram(sk: Ipv6Socket, proto: number, tlen: number): PacketBuffer {
  const f = sk.flow;
  const hop = sk.hopopts;
  const dst = sk.dstopts;
  const ext = extHdrLen(sk);
  const pkb = new PacketBuffer(HEADROOM + IPV6_HDR_LEN + ext + tlen, HEADROOM);
  const at = pkb.put(IPV6_HDR_LEN + ext + tlen);
  const b = pkb.buf;
  setU32(b, at, ((6 << 28) | ((f.tclass & 0xff) << 20) | (f.label & IPV6_FLOWINFO_FLOWLABEL)) >>> 0);
  setU16(b, at + F.PAYLOAD_LENGTH, ext + tlen);
  b[at + F.HOP_LIMIT] = f.hopLimit;
  b.set(f.saddr, at + F.SRC_ADDR);
  b.set(f.daddr, at + F.DST_ADDR);
  // ipv6_push_nfrag_opts / ipv6_push_frag_opts: Hop-by-Hop first, Destination Options last.
  let nhPos = at + F.NEXT_HEADER;
  let p = at + IPV6_HDR_LEN;
  if (hop !== null) {
    b.set(hop, p);
    b[nhPos] = 0;
    nhPos = p;
    p += hop.length;
  }
  if (dst !== null) {
    b.set(dst, p);
    b[nhPos] = 60;
    nhPos = p;
    p += dst.length;
  }
  b[nhPos] = proto;
  pkb.resetNetworkHeader();
  pkb.transportHeader = p;
  pkb.priority = sk.priority;
  pkb.mark = sk.mark;
  pkb.tstampNs = sk.net.clock.nowNs();
  return pkb;
}

/** ip6_local_out of a built datagram: 0, or ENETDOWN when the device is down. */
export function ip6SendSkb(sk: Ipv6Socket, pkb: PacketBuffer): number {
  const f = sk.flow;
  const dev = f.dev as NetDevice;
  const v = ip6LocalOut(sk.ip6, pkb, f.rt as Fib6Route, dev);
  sk.ip6.apply(pkb, v, dev);
  if (v !== VERDICT_CONSUMED && isDrop(v) && verdictReason(v) === SKB_DROP_REASON_DEV_READY) return ERRNO.ENETDOWN;
  return 0;
}

// ---------------------------------------------------------------------------------------------
// Receiving helpers

/** The Datagram for a received packet: `data` is copied out of the buffer. */
export function makeDatagram(sk: Ipv6Socket, pkb: PacketBuffer, data: Uint8Array, sport: number, flowinfoFrom: boolean): Datagram {
  const b = pkb.buf;
  const nh = pkb.networkHeader;
  const iif = sk.ip6.cb.iif;
  const src = b.slice(nh + F.SRC_ADDR, nh + F.SRC_ADDR + ADDR_LEN);
  const word = u32(b, nh) & 0x0fffffff;
  const from: SockaddrIn6 = { addr: src, port: sport, flowinfo: flowinfoFrom && sk.v6flags & F_SNDFLOW ? word : 0, scopeId: ifaceScopeId(src, 0, iif) };
  const fl = sk.v6flags;
  const tstampNs = pkb.tstampNs !== 0 ? pkb.tstampNs : sk.net.clock.nowNs();
  if ((fl & RX_ALL) === 0 && !(sk.sockFlags & SOCK_RXQ_OVFL)) return { data, from, tstampNs };
  return {
    data,
    from,
    tstampNs,
    ...(fl & RX_HLIM ? { hopLimit: b[nh + F.HOP_LIMIT] ?? 0 } : {}),
    ...(fl & RX_TCLASS ? { tclass: (word >>> 20) & 0xff } : {}),
    ...(fl & RX_INFO ? { pktinfo: { addr: b.slice(nh + F.DST_ADDR, nh + F.DST_ADDR + ADDR_LEN), ifindex: iif } } : {}),
    ...(fl & RX_FLOW ? { flowinfo: word } : {}),
    ...(sk.sockFlags & SOCK_RXQ_OVFL ? { drops: sk.drops } : {}),
  };
}

/**
 * ipv6_icmp_error: queues the ICMPv6 error in `pkb` (the quoted packet at `inner`, its
 * transport header at `offset`) on the socket's error queue when IPV6_RECVERR is on.
 * `payload` is where the quoted data starts within `inner`, `port` the quoted destination port.
 */
export function ipv6IcmpError(sk: Ipv6Socket, pkb: PacketBuffer, errno: number, inner: Uint8Array, port: number, info: number, payload: number): void {
  if (!(sk.v6flags & F_RECVERR)) return;
  const b = pkb.buf;
  const nh = pkb.networkHeader;
  const t = pkb.transportHeader;
  const iif = sk.ip6.cb.iif;
  const offender = b.slice(nh + F.SRC_ADDR, nh + F.SRC_ADDR + ADDR_LEN);
  const qd = inner.slice(F.DST_ADDR, F.DST_ADDR + ADDR_LEN);
  const err: SockExtendedErr = {
    errno,
    origin: SO_EE_ORIGIN_ICMP6,
    type: b[t] ?? 0,
    code: b[t + 1] ?? 0,
    info: info >>> 0,
    data: 0,
    offender: { addr: offender, port: 0, flowinfo: 0, scopeId: ifaceScopeId(offender, 0, iif) },
    addr: { addr: qd, port, flowinfo: 0, scopeId: ifaceScopeId(qd, 0, iif) },
    payload: inner.slice(Math.min(payload, inner.length)),
  };
  sk.enqueueError(err, skbTruesize(pkb.tail - nh));
}

/** icmpv6_err_convert: the errno of an ICMPv6 error, and whether it is fatal (hard). */
export function icmpv6ErrConvert(type: number, code: number): { errno: number; fatal: boolean } {
  switch (type) {
    case 1: {
      const t = UNREACH_TAB[code];
      return t === undefined ? { errno: ERRNO.EPROTO, fatal: true } : t;
    }
    case 2:
      return { errno: EMSGSIZE, fatal: false };
    case 4:
      return { errno: ERRNO.EPROTO, fatal: true };
    case 3:
      return { errno: ERRNO.EHOSTUNREACH, fatal: false };
    default:
      return { errno: ERRNO.EPROTO, fatal: false };
  }
}

/** tab_unreach of net/ipv6/icmp.c, by Destination Unreachable code. */
const UNREACH_TAB: ReadonlyArray<{ readonly errno: number; readonly fatal: boolean }> = [
  { errno: ERRNO.ENETUNREACH, fatal: false },
  { errno: ERRNO.EACCES, fatal: true },
  { errno: ERRNO.EHOSTUNREACH, fatal: false },
  { errno: ERRNO.EHOSTUNREACH, fatal: false },
  { errno: ERRNO.ECONNREFUSED, fatal: true },
  { errno: ERRNO.EACCES, fatal: true },
  { errno: ERRNO.EACCES, fatal: true },
];

/** ip6_sk_accept_pmtu. */
export function acceptPmtu(sk: Ipv6Socket): boolean {
  return sk.pmtudisc !== IPV6_PMTUDISC_INTERFACE && sk.pmtudisc !== IPV6_PMTUDISC_OMIT;
}

// ---------------------------------------------------------------------------------------------
// The namespace's socket table

/** Per-namespace socket state (reached as `kernel.sockets.get(net)`). */
export class Ipv6Sockets {
  readonly net: Net;
  readonly ip6: Ipv6Net;
  readonly protos = new Map<number, Ipv6SocketProto>();
  /** net.ipv4.ip_local_port_range (a vector sysctl; kept here). */
  localPortRange: readonly [number, number] = [32768, 60999];
  /** net.ipv4.ping_group_range: gids allowed to open ICMPv6 echo sockets ("1 0": nobody). */
  pingGroupRange: readonly [number, number] = [1, 0];
  /** net.ipv4.ip_unprivileged_port_start. */
  unprivilegedPortStart = 1024;
  rmemDefault = SYSCTL_RMEM_DEFAULT;
  wmemDefault = SYSCTL_WMEM_DEFAULT;
  rmemMax = SYSCTL_RMEM_MAX;
  wmemMax = SYSCTL_WMEM_MAX;
  /** The flow label manager's socket side, when the flow label subsystem is registered. */
  flowLabelMgr: FlowLabelSockOps | null = null;
  /** Protocol state by IPPROTO (udp.ts, ping.ts keep their tables here). */
  readonly protoState = new Map<number, unknown>();
  readonly #undo: Array<() => void> = [];

  constructor(net: Net, ip6: Ipv6Net) {
    this.net = net;
    this.ip6 = ip6;
  }

  /** socket(2) for AF_INET6: SOCK_DGRAM with IPPROTO_UDP (or 0) or IPPROTO_ICMPV6. */
  socket(family: number, type: number, protocol: number, cred: Credentials): Result<Ipv6Socket, SockError> {
    if (family !== AF_INET6) return sockError(EAFNOSUPPORT);
    const t = type & ~(SOCK_NONBLOCK | SOCK_CLOEXEC);
    if (t < 0 || t >= SOCK_MAX) return sockError(EINVAL);
    if (protocol < 0 || protocol >= 256) return sockError(EINVAL);
    if (t !== SOCK_DGRAM) return sockError(ESOCKTNOSUPPORT);
    const proto = this.protos.get(protocol === 0 ? IPPROTO_UDP : protocol);
    if (proto === undefined) return sockError(EPROTONOSUPPORT);
    const sk = new Ipv6Socket(this, proto, cred);
    const e = proto.initSock(sk);
    if (e !== 0) return sockError(e);
    return ok(sk);
  }

  /**
   * Per-namespace init: each protocol's setup, then ICMPv6 with the socket hooks (echo replies
   * to ping sockets, errors to the protocol of the quoted packet). 0 or a negative errno.
   */
  init(protos: readonly Ipv6SocketProto[]): number {
    for (const p of protos) {
      this.protos.set(p.protocol, p);
      this.#undo.push(p.init(this));
    }
    const ip6 = this.ip6;
    const hooks: Icmpv6SocketHooks = {
      echoReply: (_ip6, pkb) => {
        const p = this.protos.get(IPPROTO_ICMPV6);
        return p === undefined ? verdictDrop(SKB_DROP_REASON_NO_SOCKET) : p.rcv(this, pkb);
      },
      error: (_ip6, pkb, nexthdr, inner, offset, type, code, info) => {
        const p = this.protos.get(nexthdr);
        if (p === undefined) return false;
        p.err(this, pkb, inner, offset, type, code, info);
        return true;
      },
    };
    // Someone else replaced ICMPv6: refuse rather than silently lose echo replies.
    if (!ip6.delProtocol(IPPROTO_ICMPV6, icmpv6Protocol)) return -EBUSY;
    const withHooks = icmpv6ProtocolWith(hooks);
    ip6.addProtocol(IPPROTO_ICMPV6, withHooks);
    this.#undo.push(() => {
      if (ip6.delProtocol(IPPROTO_ICMPV6, withHooks)) ip6.addProtocol(IPPROTO_ICMPV6, icmpv6Protocol);
    });
    return 0;
  }

  exit(): void {
    for (const u of this.#undo.splice(0).reverse()) u();
  }
}

/** The registered socket layer: a namespace's table is `get(net)`. */
export class Ipv6SocketsRegistration {
  readonly key: PernetKey<Ipv6Sockets>;

  constructor(key: PernetKey<Ipv6Sockets>) {
    this.key = key;
  }

  get(net: Net): Ipv6Sockets {
    return net.generic(this.key);
  }
}

/**
 * Registers the IPv6 socket layer (after the data path `ipv6`) with protocols `protos`: each
 * namespace gets an Ipv6Sockets, and each protocol's init (its inet6 protocol handler).
 */
export function registerIpv6Sockets(world: World, ipv6: Ipv6Registration, protos: readonly Ipv6SocketProto[]): Result<Ipv6SocketsRegistration, number> {
  const reg = world.pernet.registerSubsys<Ipv6Sockets>({
    name: 'ipv6-sockets',
    state: (net) => new Ipv6Sockets(net, ipv6.get(net)),
    init: (_net, s) => s.init(protos),
    exit: (_net, s) => s.exit(),
  });
  if (!reg.ok) return reg;
  return ok(new Ipv6SocketsRegistration(reg.value));
}
