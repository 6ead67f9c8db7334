/**
 * UDP over IPv6, after Linux net/ipv6/udp.c and net/ipv4/udp.c (6.18): udp_lib_get_port (port
 * allocation and SO_REUSEADDR / SO_REUSEPORT conflicts), __udp6_lib_lookup (socket lookup),
 * __udp6_lib_rcv (receive), udpv6_sendmsg / udp_v6_send_skb (send), __udp6_lib_err (ICMPv6
 * errors), udpv6_recvmsg's accounting. Sockets themselves are socket.ts's.
 *
 * Lookup. A datagram goes to the best-scoring socket bound to its destination port: the bound
 * address must equal the destination or be any; a connected socket must match the source
 * address and port (+1 each), a bound device must be the input device (+1). Sockets bound to
 * the exact address win over wildcard ones whatever their score (the two passes of
 * udp6_lib_lookup2); among equal scores the most recently bound wins, except that SO_REUSEPORT
 * sockets sit behind the others. A winner in a reuseport group (not connected) hands over to
 * the group member chosen by a hash of the 4-tuple (reuseport_select_sock).
 *
 * Ports. An explicit port is refused (EADDRINUSE) when another socket holds it on an
 * overlapping address (equal, or either any) and device (equal, or either none), unless both
 * set SO_REUSEADDR, or both set SO_REUSEPORT with the same owner uid. Port 0 picks a free port
 * in net.ipv4.ip_local_port_range (32768-60999) starting at a random point drawn from the
 * namespace's seeded rng and walking up (Linux walks in odd multiples of its hash table size,
 * so the order of the ports tried differs; which port is found first differs as a result).
 * Ports below net.ipv4.ip_unprivileged_port_start (1024) need CAP_NET_BIND_SERVICE (EACCES).
 *
 * Receive (__udp6_lib_rcv), with Linux's counters:
 * - a datagram shorter than 8 bytes or than its Length: Udp6InErrors (PKT_TOO_SMALL); bytes
 *   past Length are trimmed (a Length of 0 means the IPv6 payload length, as Linux reads it);
 * - checksums: datagrams of at most 76 bytes (CHECKSUM_BREAK) are verified at once, longer ones
 *   when read (udpv6_recvmsg), as for a CHECKSUM_NONE skb; a bad one counts Udp6InCsumErrors
 *   and Udp6InErrors. A zero checksum is refused (Udp6InCsumErrors, Udp6InErrors) unless the
 *   socket set UDP_NO_CHECK6_RX;
 * - no socket: the checksum is verified, then Udp6NoPorts and ICMPv6 Port Unreachable;
 * - a full receive buffer: Udp6RcvbufErrors and Udp6InErrors (SOCKET_RCVBUFF), sk_drops;
 * - Udp6InDatagrams counts datagrams read by the application (udpv6_recvmsg), not arrivals.
 * Multicast destinations go to every matching socket with IPV6_MULTICAST_ALL (group
 * memberships are not modelled; all-nodes is the only group input.ts delivers); none:
 * Udp6IgnoredMulti.
 *
 * Send (udpv6_sendmsg): EDESTADDRREQ without a destination on an unconnected socket, EINVAL for
 * port 0, EMSGSIZE beyond 65535 bytes of UDP or the MTU checks of socket.ts, ENETUNREACH and
 * friends from the route lookup; the checksum is always filled (UDP_NO_CHECK6_TX sends 0, as
 * Linux does); success counts Udp6OutDatagrams, ENOBUFS-like failures Udp6SndbufErrors.
 *
 * Errors (__udp6_lib_err): the socket is looked up with the quoted datagram's addresses and
 * ports reversed; none: Icmp6InErrors. The errno comes from icmpv6_err_convert. Without
 * IPV6_RECVERR only a hard error (Port Unreachable, Administratively Prohibited, Parameter
 * Problem, or Packet Too Big unless IPV6_MTU_DISCOVER is DONT) on a connected socket sets
 * sk_err; with it every error is queued (recvErr) and sets sk_err. Packet Too Big does not
 * update a path MTU here (no route cache).
 */

import { CAP_NET_BIND_SERVICE, nsCapable } from '../net/credentials.ts';
import type { PacketBuffer } from '../net/packet-buffer.ts';
import { ICMP6_MIB_INERRORS, UDP_MIB_CSUMERRORS, UDP_MIB_IGNOREDMULTI, UDP_MIB_INDATAGRAMS, UDP_MIB_INERRORS, UDP_MIB_NOPORTS, UDP_MIB_OUTDATAGRAMS, UDP_MIB_RCVBUFERRORS, UDP_MIB_SNDBUFERRORS } from '../net/mib.ts';
import { SKB_DROP_REASON_NOT_SPECIFIED, SKB_DROP_REASON_NO_SOCKET, SKB_DROP_REASON_PKT_TOO_SMALL, SKB_DROP_REASON_SOCKET_RCVBUFF, SKB_DROP_REASON_UDP_CSUM } from '../uapi/dropreason.ts';
import { EACCES, EADDRINUSE, EADDRNOTAVAIL, EINVAL, EMSGSIZE, ENOBUFS } from '../uapi/errno.ts';
import { ICMPV6_DEST_UNREACH, ICMPV6_PKT_TOOBIG, ICMPV6_PORT_UNREACH } from '../uapi/icmpv6.ts';
import { IPPROTO_UDP, IPV6_PMTUDISC_DONT } from '../uapi/in6.ts';
import { setU16, u16 } from '../wire/bytes.ts';
import { checksumAdd, checksumFold, checksumPseudoIpv6 } from '../wire/checksum.ts';
import { IPV6_FIELD } from '../wire/ipv6.ts';
import { type Result, ok } from '../wire/result.ts';
import { UDP_HEADER_LEN } from '../wire/udp.ts';
import { addrIsMulticast, addrIsUnspecified } from './input.ts';
import {
  F_MC_ALL,
  F_RECVERR,
  F_V6ONLY,
  type Ipv6Socket,
  type Ipv6SocketProto,
  type Ipv6Sockets,
  type SendControl,
  type SockError,
  type SockaddrIn6,
  acceptPmtu,
  addrEqual,
  addrIsV4Mapped,
  checkMsgSize,
  icmpv6ErrConvert,
  inet6BindAddr,
  ip6BuildDatagram,
  ip6SendSkb,
  ipv6IcmpError,
  makeDatagram,
  prepareFlow,
  skbTruesize,
  sockError,
} from './socket.ts';
import { VERDICT_CONSUMED, verdictDrop, verdictIcmp } from './verdict.ts';

const F = IPV6_FIELD;
const ADDR_LEN = 16;
/** CHECKSUM_BREAK: a CHECKSUM_NONE datagram up to this length is verified on arrival. */
const CHECKSUM_BREAK = 76;
const SOCK_BINDADDR_LOCK = 4;
const SOCK_BINDPORT_LOCK = 8;
const UDP_MAX_LEN = 0xffff;

// ---------------------------------------------------------------------------------------------
// The port table of a namespace

/** udptable for one namespace: sockets by local port, in lookup order. */
export class UdpTable {
  readonly byPort = new Map<number, Ipv6Socket[]>();
  /** Reuseport groups by id, members in join order (sk_reuseport_cb->socks). */
  readonly groups = new Map<number, Ipv6Socket[]>();
  #nextGroup = 1;
  /** The secret of udp6_ehashfn (drawn from the namespace rng). */
  readonly hashSecret: number;

  constructor(secret: number) {
    this.hashSecret = secret;
  }

  newGroup(sk: Ipv6Socket): void {
    const id = this.#nextGroup++;
    this.groups.set(id, [sk]);
    sk.reuseportGroup = id;
  }

  /** Sockets bound in total (for tests and reports). */
  get size(): number {
    let n = 0;
    for (const l of this.byPort.values()) n += l.length;
    return n;
  }
}

/** The UDP table of a namespace's socket layer. */
export function udpTable(sks: Ipv6Sockets): UdpTable {
  const t = sks.protoState.get(IPPROTO_UDP);
  if (!(t instanceof UdpTable)) throw new Error('udp: the UDP protocol is not registered in this namespace');
  return t;
}

/** ipv6_rcv_saddr_equal between the bound addresses of two sockets. */
function rcvSaddrEqual(sk1: Ipv6Socket, sk2: Ipv6Socket, matchWildcard: boolean): boolean {
  const a1 = sk1.rcvSaddr;
  const a2 = sk2.rcvSaddr;
  const any1 = addrIsUnspecified(a1, 0);
  const any2 = addrIsUnspecified(a2, 0);
  const m1 = addrIsV4Mapped(a1);
  const m2 = addrIsV4Mapped(a2);
  if (m1 && m2) {
    const z1 = a1[12] === 0 && a1[13] === 0 && a1[14] === 0 && a1[15] === 0;
    const z2 = a2[12] === 0 && a2[13] === 0 && a2[14] === 0 && a2[15] === 0;
    return addrEqual(a1, a2) || (matchWildcard && (z1 || z2));
  }
  if (any1 && any2) return true;
  if (any2 && matchWildcard && !((sk2.v6flags & F_V6ONLY) !== 0 && m1)) return true;
  if (any1 && matchWildcard && !((sk1.v6flags & F_V6ONLY) !== 0 && m2)) return true;
  return addrEqual(a1, a2);
}

/** udp_lib_lport_inuse: does another socket keep `sk` from port `port`? */
function portInUse(t: UdpTable, sk: Ipv6Socket, port: number): boolean {
  const list = t.byPort.get(port);
  if (list === undefined) return false;
  for (const sk2 of list) {
    if (sk2 === sk) continue;
    if (sk2.reuse && sk.reuse) continue;
    if (sk2.boundDevIf !== 0 && sk.boundDevIf !== 0 && sk2.boundDevIf !== sk.boundDevIf) continue;
    if (!rcvSaddrEqual(sk, sk2, true)) continue;
    // The first reuseport-compatible holder settles it (Linux returns at once).
    return !(sk2.reuseport && sk.reuseport && sk.reuseportGroup === 0 && sk2.cred.uid === sk.cred.uid);
  }
  return false;
}

/** udp_reuseport_add_sock: join the group of an identical reuseport binding, or start one. */
function reuseportAdd(t: UdpTable, sk: Ipv6Socket, list: readonly Ipv6Socket[]): void {
  for (const sk2 of list) {
    if (sk2 !== sk && sk2.reuseport && sk2.reuseportGroup !== 0 && sk2.cred.uid === sk.cred.uid && sk2.boundDevIf === sk.boundDevIf && rcvSaddrEqual(sk, sk2, false)) {
      const g = t.groups.get(sk2.reuseportGroup);
      if (g !== undefined) {
        g.push(sk);
        sk.reuseportGroup = sk2.reuseportGroup;
        return;
      }
    }
  }
  t.newGroup(sk);
}

/** udp_lib_get_port: 0, or EADDRINUSE. */
function udpGetPort(sk: Ipv6Socket, snum: number): number {
  const sks = sk.sockets;
  const t = udpTable(sks);
  let port = snum;
  if (port === 0) {
    const [low, high] = sks.localPortRange;
    const remaining = high - low + 1;
    if (remaining <= 0) return EADDRINUSE;
    const first = sks.net.rng.nextBelow(remaining);
    let found = 0;
    for (let i = 0; i < remaining; i++) {
      const p = low + ((first + i) % remaining);
      if (!portInUse(t, sk, p)) {
        found = p;
        break;
      }
    }
    if (found === 0) return EADDRINUSE;
    port = found;
  } else if (portInUse(t, sk, port)) {
    return EADDRINUSE;
  }
  let list = t.byPort.get(port);
  if (list === undefined) {
    list = [];
    t.byPort.set(port, list);
  }
  sk.num = port;
  if (sk.reuseport) {
    reuseportAdd(t, sk, list);
    list.push(sk);
  } else {
    list.unshift(sk);
  }
  sk.hashed = true;
  return 0;
}

/** udp_lib_unhash. */
function udpUnhash(sk: Ipv6Socket): void {
  if (!sk.hashed) return;
  const t = udpTable(sk.sockets);
  const list = t.byPort.get(sk.num);
  if (list !== undefined) {
    const i = list.indexOf(sk);
    if (i >= 0) list.splice(i, 1);
    if (list.length === 0) t.byPort.delete(sk.num);
  }
  if (sk.reuseportGroup !== 0) {
    const g = t.groups.get(sk.reuseportGroup);
    if (g !== undefined) {
      const i = g.indexOf(sk);
      if (i >= 0) g.splice(i, 1);
      if (g.length === 0) t.groups.delete(sk.reuseportGroup);
    }
    sk.reuseportGroup = 0;
  }
  sk.hashed = false;
  sk.num = 0;
}

/** inet6_bind / __inet6_bind for UDP: 0 or an errno. */
function udpBind(sk: Ipv6Socket, sa: SockaddrIn6): number {
  const sks = sk.sockets;
  const port = sa.port;
  if (!Number.isInteger(port) || port < 0 || port > 0xffff || sa.addr.length < ADDR_LEN) return EINVAL;
  if (port !== 0 && port < sks.unprivilegedPortStart && !nsCapable(sk.net, sk.cred, CAP_NET_BIND_SERVICE)) return EACCES;
  if (sk.connected || sk.num !== 0) return EINVAL;
  const a = sa.addr.subarray(0, ADDR_LEN);
  const any = addrIsUnspecified(a, 0);
  const mapped = addrIsV4Mapped(a);
  if (mapped) {
    if (sk.v6flags & F_V6ONLY) return EINVAL;
    // No IPv4 address is configured anywhere: only 0.0.0.0 (or a non-local bind) passes.
    const v4any = a[12] === 0 && a[13] === 0 && a[14] === 0 && a[15] === 0;
    if (!v4any && !sk.canNonlocalBind()) return EADDRNOTAVAIL;
  } else if (!any) {
    const e = inet6BindAddr(sk, sa);
    if (e !== 0) return e;
  }
  sk.rcvSaddr.set(a);
  if (!addrIsMulticast(a, 0)) sk.saddr.set(a);
  const savedV6only = sk.v6flags & F_V6ONLY;
  if (!any && !mapped) sk.v6flags |= F_V6ONLY;
  if (udpGetPort(sk, port) !== 0) {
    sk.v6flags = (sk.v6flags & ~F_V6ONLY) | savedV6only;
    sk.rcvSaddr.fill(0);
    sk.saddr.fill(0);
    return EADDRINUSE;
  }
  if (!any) sk.userlocks |= SOCK_BINDADDR_LOCK;
  if (port !== 0) sk.userlocks |= SOCK_BINDPORT_LOCK;
  return 0;
}

// ---------------------------------------------------------------------------------------------
// Lookup

/** compute_score for a datagram saddr:sport -> daddr:dport on `iif`; -1: no match. */
function computeScore(sk: Ipv6Socket, b: Uint8Array, saddr: number, sport: number, daddr: number, iif: number, exact: boolean): number {
  if (exact ? !addrEqual(sk.rcvSaddr, b, daddr) : !addrIsUnspecified(sk.rcvSaddr, 0)) return -1;
  let score = 0;
  if (sk.dport !== 0) {
    if (sk.dport !== sport) return -1;
    score++;
  }
  if (!addrIsUnspecified(sk.daddr, 0)) {
    if (!addrEqual(sk.daddr, b, saddr)) return -1;
    score++;
  }
  if (sk.boundDevIf !== 0) {
    if (sk.boundDevIf !== iif) return -1;
    score++;
  }
  return score;
}

/** udp6_ehashfn, reduced to a seeded mix of the 4-tuple (jhash-like, 32 bits). */
function ehash(t: UdpTable, b: Uint8Array, saddr: number, sport: number, daddr: number, dport: number): number {
  let h = t.hashSecret ^ ((sport << 16) | dport);
  for (let i = 0; i < ADDR_LEN; i += 4) {
    h = Math.imul(h ^ ((b[saddr + i] ?? 0) | ((b[saddr + i + 1] ?? 0) << 8) | ((b[saddr + i + 2] ?? 0) << 16) | ((b[saddr + i + 3] ?? 0) << 24)), 0x9e3779b1);
    h = Math.imul(h ^ ((b[daddr + i] ?? 0) | ((b[daddr + i + 1] ?? 0) << 8) | ((b[daddr + i + 2] ?? 0) << 16) | ((b[daddr + i + 3] ?? 0) << 24)), 0x85ebca77);
    h ^= h >>> 15;
  }
  return h >>> 0;
}

/** __udp6_lib_lookup: the socket for a datagram, or undefined. */
export function udp6LibLookup(t: UdpTable, b: Uint8Array, saddr: number, sport: number, daddr: number, dport: number, iif: number): Ipv6Socket | undefined {
  const list = t.byPort.get(dport);
  if (list === undefined) return undefined;
  for (let pass = 0; pass < 2; pass++) {
    const exact = pass === 0;
    let best: Ipv6Socket | undefined;
    let badness = -1;
    for (const sk of list) {
      const score = computeScore(sk, b, saddr, sport, daddr, iif, exact);
      if (score > badness) {
        best = sk;
        badness = score;
      }
    }
    if (best === undefined) continue;
    if (best.reuseport && !best.connected && best.reuseportGroup !== 0) {
      const g = t.groups.get(best.reuseportGroup);
      if (g !== undefined && g.length > 0) {
        // reciprocal_scale(hash, n).
        const i = Math.floor((ehash(t, b, saddr, sport, daddr, dport) * g.length) / 0x1_0000_0000);
        return g[i] ?? best;
      }
    }
    return best;
  }
  return undefined;
}

// ---------------------------------------------------------------------------------------------
// Receive

/** The checksum of the UDP datagram at `t` (length `len`) over the IPv6 pseudo-header: true if good. */
function checksumOk(pkb: PacketBuffer, t: number, len: number): boolean {
  const b = pkb.buf;
  const nh = pkb.networkHeader;
  const sum = checksumAdd(checksumPseudoIpv6(b, b, len, IPPROTO_UDP, nh + F.SRC_ADDR, nh + F.DST_ADDR), b, t, t + len);
  return checksumFold(sum) === 0;
}

const DROP_SHORT = verdictDrop(SKB_DROP_REASON_PKT_TOO_SMALL);
const DROP_CSUM = verdictDrop(SKB_DROP_REASON_UDP_CSUM);
const DROP_RCVBUF = verdictDrop(SKB_DROP_REASON_SOCKET_RCVBUFF);

/** __udp6_lib_rcv: the datagram at pkb.transportHeader. */
function udpv6Rcv(sks: Ipv6Sockets, pkb: PacketBuffer): number {
  const ip6 = sks.ip6;
  const udp = ip6.mib.udp6;
  const b = pkb.buf;
  const t = pkb.transportHeader;
  const nh = pkb.networkHeader;
  let len = pkb.tail - t;
  if (len < UDP_HEADER_LEN) {
    udp.inc(UDP_MIB_INERRORS);
    return DROP_SHORT;
  }
  let ulen = u16(b, t + 4);
  if (ulen > len) {
    udp.inc(UDP_MIB_INERRORS);
    return DROP_SHORT;
  }
  // A Length of 0 stands for the whole payload (jumbograms).
  if (ulen === 0) ulen = len;
  if (ulen < UDP_HEADER_LEN) {
    udp.inc(UDP_MIB_INERRORS);
    return DROP_SHORT;
  }
  if (ulen < len) {
    pkb.tail = t + ulen;
    len = ulen;
  }
  const check = u16(b, t + 6);
  // udp6_csum_init: short datagrams are verified now, longer ones when read.
  let csumBad = false;
  if (check !== 0) {
    csumBad = !checksumOk(pkb, t, len);
    if (csumBad && len <= CHECKSUM_BREAK) return csumError(sks);
  }
  const sport = u16(b, t);
  const dport = u16(b, t + 2);
  const saddr = nh + F.SRC_ADDR;
  const daddr = nh + F.DST_ADDR;
  const iif = ip6.cb.iif;
  const table = udpTable(sks);
  if (addrIsMulticast(b, daddr)) return udpMcastDeliver(sks, table, pkb, sport, dport, check, csumBad);
  const sk = udp6LibLookup(table, b, saddr, sport, daddr, dport, iif);
  if (sk !== undefined) {
    if (check === 0 && !sk.noCheck6Rx) return csumError(sks);
    return udpQueue(sks, sk, pkb, sport, csumBad);
  }
  if (check === 0) return csumError(sks);
  if (csumBad) return csumError(sks);
  udp.inc(UDP_MIB_NOPORTS);
  ip6.pendingIcmp.set(ICMPV6_DEST_UNREACH, ICMPV6_PORT_UNREACH, 0);
  return verdictIcmp(SKB_DROP_REASON_NO_SOCKET);
}

function csumError(sks: Ipv6Sockets): number {
  const udp = sks.ip6.mib.udp6;
  udp.inc(UDP_MIB_CSUMERRORS);
  udp.inc(UDP_MIB_INERRORS);
  return DROP_CSUM;
}

/** __udpv6_queue_rcv_skb: onto the socket's queue, or dropped when the buffer is full. */
function udpQueue(sks: Ipv6Sockets, sk: Ipv6Socket, pkb: PacketBuffer, sport: number, csumBad: boolean): number {
  const t = pkb.transportHeader;
  const data = pkb.buf.slice(t + UDP_HEADER_LEN, pkb.tail);
  const d = makeDatagram(sk, pkb, data, sport, false);
  if (!sk.enqueue(d, skbTruesize(pkb.tail - pkb.networkHeader), csumBad, true)) {
    const udp = sks.ip6.mib.udp6;
    udp.inc(UDP_MIB_RCVBUFERRORS);
    udp.inc(UDP_MIB_INERRORS);
    return DROP_RCVBUF;
  }
  return VERDICT_CONSUMED;
}

/** __udp6_lib_mcast_deliver: a copy to every socket the datagram matches. */
function udpMcastDeliver(sks: Ipv6Sockets, table: UdpTable, pkb: PacketBuffer, sport: number, dport: number, check: number, csumBad: boolean): number {
  const list = table.byPort.get(dport);
  const b = pkb.buf;
  const nh = pkb.networkHeader;
  const iif = sks.ip6.cb.iif;
  let delivered = 0;
  if (list !== undefined) {
    for (const sk of list) {
      if (computeScore(sk, b, nh + F.SRC_ADDR, sport, nh + F.DST_ADDR, iif, true) < 0 && computeScore(sk, b, nh + F.SRC_ADDR, sport, nh + F.DST_ADDR, iif, false) < 0) continue;
      // inet6_mc_check without memberships: IPV6_MULTICAST_ALL decides.
      if (!(sk.v6flags & F_MC_ALL)) continue;
      if (check === 0 && !sk.noCheck6Rx) continue;
      udpQueue(sks, sk, pkb, sport, csumBad);
      delivered++;
    }
  }
  if (delivered === 0) {
    sks.ip6.mib.udp6.inc(UDP_MIB_IGNOREDMULTI);
    return verdictDrop(SKB_DROP_REASON_NOT_SPECIFIED);
  }
  return VERDICT_CONSUMED;
}

// ---------------------------------------------------------------------------------------------
// Send

/** udpv6_sendmsg (no corking): the bytes sent. */
function udpv6Sendmsg(sk: Ipv6Socket, data: Uint8Array, dest: SockaddrIn6 | undefined, control: SendControl | undefined): Result<number, SockError> {
  const sks = sk.sockets;
  const ip6 = sks.ip6;
  const ulen = data.length + UDP_HEADER_LEN;
  if (dest !== undefined && (!Number.isInteger(dest.port) || dest.port < 0 || dest.port > 0xffff || dest.addr.length < ADDR_LEN)) return sockError(EINVAL);
  const e = prepareFlow(sk, dest, control, false);
  if (e !== 0) return sockError(e);
  if (ulen > UDP_MAX_LEN || checkMsgSize(sk, ulen) !== 0) return sockError(EMSGSIZE);
  // sock_alloc_send_skb reports a pending sk_err (an ICMPv6 error) instead of sending.
  const pending = sk.takeError();
  if (pending !== 0) return sockError(pending);
  const f = sk.flow;
  const pkb = ip6BuildDatagram(sk, IPPROTO_UDP, ulen);
  const b = pkb.buf;
  const t = pkb.transportHeader;
  const dport = dest !== undefined ? dest.port : sk.dport;
  setU16(b, t, sk.num);
  setU16(b, t + 2, dport);
  setU16(b, t + 4, ulen);
  setU16(b, t + 6, 0);
  b.set(data, t + UDP_HEADER_LEN);
  if (!sk.noCheck6Tx) {
    const c = checksumFold(checksumAdd(checksumPseudoIpv6(f.saddr, f.daddr, ulen, IPPROTO_UDP), b, t, t + ulen));
    setU16(b, t + 6, c === 0 ? 0xffff : c);
  }
  const err = ip6SendSkb(sk, pkb);
  if (err !== 0) {
    if (err === ENOBUFS) ip6.mib.udp6.inc(UDP_MIB_SNDBUFERRORS);
    return sockError(err);
  }
  ip6.mib.udp6.inc(UDP_MIB_OUTDATAGRAMS);
  sk.stats.txDatagrams++;
  sk.stats.txBytes += data.length;
  return ok(data.length);
}

// ---------------------------------------------------------------------------------------------
// Errors

/** __udp6_lib_err. */
function udpv6Err(sks: Ipv6Sockets, pkb: PacketBuffer, inner: Uint8Array, offset: number, type: number, code: number, info: number): void {
  const ip6 = sks.ip6;
  // The quoted datagram went from us (its source) to the peer: look up with it reversed.
  const sport = u16(inner, offset);
  const dport = u16(inner, offset + 2);
  const sk = udp6LibLookup(udpTable(sks), inner, F.DST_ADDR, dport, F.SRC_ADDR, sport, ip6.cb.iif);
  if (sk === undefined) {
    ip6.icmp6.inc(ICMP6_MIB_INERRORS);
    return;
  }
  const conv = icmpv6ErrConvert(type, code);
  const errno = conv.errno;
  let fatal = conv.fatal;
  if (type === ICMPV6_PKT_TOOBIG) {
    if (!acceptPmtu(sk)) return;
    fatal = sk.pmtudisc !== IPV6_PMTUDISC_DONT;
  }
  if (!(sk.v6flags & F_RECVERR)) {
    if (!fatal || !sk.connected) return;
  } else {
    ipv6IcmpError(sk, pkb, errno, inner, dport, info, offset + UDP_HEADER_LEN);
  }
  sk.reportError(errno);
}

// ---------------------------------------------------------------------------------------------
// The protocol

/** UDP's socket operations (udpv6_prot) for socket.ts. */
export const udpv6Proto: Ipv6SocketProto = {
  protocol: IPPROTO_UDP,
  reuseDefault: false,
  init(sks: Ipv6Sockets): () => void {
    sks.protoState.set(IPPROTO_UDP, new UdpTable(sks.net.rng.nextU32()));
    const p = { handler: (_ip6: unknown, pkb: PacketBuffer) => udpv6Rcv(sks, pkb), delivers: true };
    if (!sks.ip6.addProtocol(IPPROTO_UDP, p)) throw new Error('udp: IPPROTO_UDP already has a handler in this namespace');
    return () => {
      sks.ip6.delProtocol(IPPROTO_UDP, p);
      sks.protoState.delete(IPPROTO_UDP);
    };
  },
  initSock: () => 0,
  bind: udpBind,
  getPort: udpGetPort,
  unhash: udpUnhash,
  sendmsg: udpv6Sendmsg,
  delivered(sk: Ipv6Socket): void {
    sk.ip6.mib.udp6.inc(UDP_MIB_INDATAGRAMS);
  },
  csumError(sk: Ipv6Socket): void {
    const udp = sk.ip6.mib.udp6;
    udp.inc(UDP_MIB_CSUMERRORS);
    udp.inc(UDP_MIB_INERRORS);
  },
  rcv: udpv6Rcv,
  err: udpv6Err,
};
