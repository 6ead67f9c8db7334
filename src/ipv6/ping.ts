/**
 * ICMPv6 echo ("ping") sockets, after Linux net/ipv4/ping.c (the protocol-independent part:
 * ping_init_sock, ping_get_port, ping_bind, ping_lookup, ping_rcv, ping_err, ping_recvmsg) and
 * net/ipv6/ping.c (ping_v6_sendmsg), Linux 6.18.
 *
 * - Creating one needs the caller's gid inside net.ipv4.ping_group_range (default "1 0": nobody,
 *   root included), else EACCES. The socket is IPv6-only and starts with SO_REUSEADDR set
 *   (INET_PROTOSW_REUSE).
 * - The local "port" is the echo identifier. Binding to identifier 0, or sending unbound, picks
 *   the next free one after a rover (Linux's rover is shared by all namespaces; here each
 *   namespace has its own, starting at 0). An identifier is taken (EADDRINUSE) when another
 *   socket holds it and not both have SO_REUSEADDR; addresses do not matter.
 * - Sending takes a whole ICMPv6 message: at least its 8-byte header (EINVAL), type Echo Request
 *   and code 0 (EINVAL), at most 65535 bytes (EMSGSIZE). The identifier is replaced by the
 *   socket's, the checksum is filled. Icmp6OutMsgs and Icmp6OutEchos count it; a send that
 *   fails its size checks counts Icmp6OutErrors.
 * - Echo replies are matched by identifier alone (and the bound address and device), not by the
 *   connected peer, the most recently bound socket first; the application reads the whole
 *   ICMPv6 message, from port 0. The receive queue follows sock_queue_rcv_skb: nothing is queued
 *   once sk_rmem_alloc reaches sk_rcvbuf.
 * - Errors quoting an Echo Request with code 0 reach the socket of its identifier (icmpv6_err ->
 *   ping_err) with the same sk_err / IPV6_RECVERR rules as UDP (udp.ts); the queued payload
 *   starts at the quoted ICMPv6 header.
 */

import type { PacketBuffer } from '../net/packet-buffer.ts';
import { ICMP6_MIB_OUTERRORS, ICMP6_MIB_OUTMSGS } from '../net/mib.ts';
import { SKB_DROP_REASON_NO_SOCKET, SKB_DROP_REASON_SOCKET_RCVBUFF } from '../uapi/dropreason.ts';
import { EACCES, EADDRINUSE, EADDRNOTAVAIL, EINVAL, EMSGSIZE, ENODEV } from '../uapi/errno.ts';
import { ICMPV6_ECHO_REQUEST } from '../uapi/icmpv6.ts';
import { IPPROTO_ICMPV6 } from '../uapi/in6.ts';
import { setU16, u16 } from '../wire/bytes.ts';
import { checksumAdd, checksumFold, checksumPseudoIpv6 } from '../wire/checksum.ts';
import { ICMPV6_HEADER_LEN } from '../wire/icmpv6.ts';
import { IPV6_FIELD } from '../wire/ipv6.ts';
import { type Result, ok } from '../wire/result.ts';
import { addrIsLinkLocal, addrIsLoopback, addrIsMulticast, addrIsUnspecified, addrNeedsScopeId } from './input.ts';
import {
  F_RECVERR,
  F_V6ONLY,
  type Ipv6Socket,
  type Ipv6SocketProto,
  type Ipv6Sockets,
  type SendControl,
  type SockError,
  type SockaddrIn6,
  addrEqual,
  addrIsV4Mapped,
  checkMsgSize,
  icmpv6ErrConvert,
  ip6BuildDatagram,
  ip6SendSkb,
  ipv6IcmpError,
  makeDatagram,
  prepareFlow,
  skbTruesize,
  sockError,
} from './socket.ts';
import { VERDICT_CONSUMED, verdictDrop } from './verdict.ts';

const F = IPV6_FIELD;
const ADDR_LEN = 16;
const SOCK_BINDADDR_LOCK = 4;
const SOCK_BINDPORT_LOCK = 8;
/** Offset of the identifier in an echo message. */
const ECHO_ID = 4;

/** ping_table for one namespace: sockets by identifier, most recently bound first. */
export class PingTable {
  readonly byId = new Map<number, Ipv6Socket[]>();
  /** ping_port_rover. */
  rover = 0;
}

/** The ping table of a namespace's socket layer. */
export function pingTable(sks: Ipv6Sockets): PingTable {
  const t = sks.protoState.get(IPPROTO_ICMPV6);
  if (!(t instanceof PingTable)) throw new Error('ping: ICMPv6 echo sockets are not registered in this namespace');
  return t;
}

/** ping_init_sock: IPv6-only, and the caller's group must be in ping_group_range. */
function pingInitSock(sk: Ipv6Socket): number {
  sk.v6flags |= F_V6ONLY;
  const [low, high] = sk.sockets.pingGroupRange;
  const gid = sk.cred.gid;
  return low <= gid && gid <= high ? 0 : EACCES;
}

function idInUse(t: PingTable, id: number): boolean {
  const l = t.byId.get(id);
  return l !== undefined && l.length > 0;
}

/** ping_get_port: 0 or EADDRINUSE. */
function pingGetPort(sk: Ipv6Socket, ident: number): number {
  const t = pingTable(sk.sockets);
  let id = ident;
  if (id === 0) {
    let result = (t.rover + 1) & 0xffff;
    let found = 0;
    for (let i = 0; i < 0x10000; i++, result = (result + 1) & 0xffff) {
      if (result === 0) continue;
      if (idInUse(t, result)) continue;
      found = result;
      break;
    }
    if (found === 0) return EADDRINUSE;
    t.rover = found;
    id = found;
  } else {
    for (const sk2 of t.byId.get(id) ?? []) if (sk2 !== sk && (!sk2.reuse || !sk.reuse)) return EADDRINUSE;
  }
  let list = t.byId.get(id);
  if (list === undefined) {
    list = [];
    t.byId.set(id, list);
  }
  list.unshift(sk);
  sk.num = id;
  sk.hashed = true;
  return 0;
}

/** ping_unhash. */
function pingUnhash(sk: Ipv6Socket): void {
  if (!sk.hashed) return;
  const t = pingTable(sk.sockets);
  const list = t.byId.get(sk.num);
  if (list !== undefined) {
    const i = list.indexOf(sk);
    if (i >= 0) list.splice(i, 1);
    if (list.length === 0) t.byId.delete(sk.num);
  }
  sk.hashed = false;
  sk.num = 0;
}

/** ipv6_chk_addr(net, addr, dev, strict). */
function chkAddr(sk: Ipv6Socket, a: Uint8Array, dev: number, strict: boolean): boolean {
  const ac = sk.ip6.addrconf;
  const narrow = addrIsLinkLocal(a, 0) || addrIsLoopback(a, 0);
  for (const d of ac.addressDevices()) {
    if (dev !== 0 && d !== dev && (narrow || strict)) continue;
    for (const x of ac.addresses(d)) if (addrEqual(x.addr, a)) return true;
  }
  return false;
}

/** ping_check_bind_addr + ping_bind: 0 or an errno. */
function pingBind(sk: Ipv6Socket, sa: SockaddrIn6): number {
  const port = sa.port;
  if (!Number.isInteger(port) || port < 0 || port > 0xffff || sa.addr.length < ADDR_LEN) return EINVAL;
  const a = sa.addr.subarray(0, ADDR_LEN);
  const any = addrIsUnspecified(a, 0);
  const scoped = addrNeedsScopeId(a, 0);
  const scopeId = sa.scopeId ?? 0;
  // Only the unspecified address or a unicast one (not multicast, not v4-mapped).
  if ((!any && (addrIsMulticast(a, 0) || addrIsV4Mapped(a))) || (scoped && scopeId === 0)) return EINVAL;
  let dev = 0;
  if (scopeId !== 0) {
    if (sk.ip6.device(scopeId) === undefined) return ENODEV;
    dev = scopeId;
  }
  if (dev === 0 && sk.boundDevIf !== 0) {
    if (sk.ip6.device(sk.boundDevIf) === undefined) return ENODEV;
    dev = sk.boundDevIf;
  }
  const hasAddr = chkAddr(sk, a, dev, scoped);
  if (!(sk.canNonlocalBind() || hasAddr || any)) return EADDRNOTAVAIL;
  const savedDev = sk.boundDevIf;
  if (scoped) sk.boundDevIf = scopeId;
  if (sk.num !== 0) return EINVAL;
  if (pingGetPort(sk, port) !== 0) {
    sk.boundDevIf = savedDev;
    return EADDRINUSE;
  }
  sk.rcvSaddr.set(a);
  sk.saddr.set(a);
  if (!any) sk.userlocks |= SOCK_BINDADDR_LOCK;
  if (port !== 0) sk.userlocks |= SOCK_BINDPORT_LOCK;
  sk.daddr.fill(0);
  sk.dport = 0;
  return 0;
}

/** ping_lookup: the socket of echo identifier `id` for a packet to `b[daddr..]` on `iif`. */
function pingLookup(t: PingTable, id: number, b: Uint8Array, daddr: number, iif: number): Ipv6Socket | undefined {
  for (const sk of t.byId.get(id) ?? []) {
    if (!addrIsUnspecified(sk.rcvSaddr, 0) && !addrEqual(sk.rcvSaddr, b, daddr)) continue;
    if (sk.boundDevIf !== 0 && sk.boundDevIf !== iif) continue;
    return sk;
  }
  return undefined;
}

/** ping_v6_sendmsg: the bytes sent. */
function pingv6Sendmsg(sk: Ipv6Socket, data: Uint8Array, dest: SockaddrIn6 | undefined, control: SendControl | undefined): Result<number, SockError> {
  const len = data.length;
  // ping_common_sendmsg.
  if (len > 0xffff) return sockError(EMSGSIZE);
  if (len < ICMPV6_HEADER_LEN) return sockError(EINVAL);
  if (data[0] !== ICMPV6_ECHO_REQUEST || data[1] !== 0) return sockError(EINVAL);
  if (dest !== undefined && dest.addr.length < ADDR_LEN) return sockError(EINVAL);
  const e = prepareFlow(sk, dest, control, true);
  if (e !== 0) return sockError(e);
  const ip6 = sk.ip6;
  // ip6_append_data's failures (sizes, then a pending sk_err) count Icmp6OutErrors.
  const appendErr = checkMsgSize(sk, len) !== 0 ? EMSGSIZE : sk.takeError();
  if (appendErr !== 0) {
    ip6.icmp6.inc(ICMP6_MIB_OUTERRORS);
    return sockError(appendErr);
  }
  const f = sk.flow;
  const pkb = ip6BuildDatagram(sk, IPPROTO_ICMPV6, len);
  const b = pkb.buf;
  const t = pkb.transportHeader;
  b.set(data, t);
  setU16(b, t + 2, 0);
  setU16(b, t + ECHO_ID, sk.num);
  const c = checksumFold(checksumAdd(checksumPseudoIpv6(f.saddr, f.daddr, len, IPPROTO_ICMPV6), b, t, t + len));
  setU16(b, t + 2, c);
  ip6.mib.icmp6MsgOut(ICMPV6_ECHO_REQUEST);
  ip6.icmp6.inc(ICMP6_MIB_OUTMSGS);
  const err = ip6SendSkb(sk, pkb);
  if (err !== 0) return sockError(err);
  sk.stats.txDatagrams++;
  sk.stats.txBytes += len;
  return ok(len);
}

const DROP_NO_SOCKET = verdictDrop(SKB_DROP_REASON_NO_SOCKET);
const DROP_RCVBUF = verdictDrop(SKB_DROP_REASON_SOCKET_RCVBUFF);

/** ping_rcv: an echo reply at pkb.transportHeader (icmpv6_rcv checked the length). */
function pingRcv(sks: Ipv6Sockets, pkb: PacketBuffer): number {
  const b = pkb.buf;
  const t = pkb.transportHeader;
  const nh = pkb.networkHeader;
  const sk = pingLookup(pingTable(sks), u16(b, t + ECHO_ID), b, nh + F.DST_ADDR, sks.ip6.cb.iif);
  if (sk === undefined) return DROP_NO_SOCKET;
  const d = makeDatagram(sk, pkb, b.slice(t, pkb.tail), 0, true);
  if (!sk.enqueue(d, skbTruesize(pkb.tail - nh), false, false)) return DROP_RCVBUF;
  return VERDICT_CONSUMED;
}

/** icmpv6_err's ping_err: an error quoting one of our echo requests. */
function pingErr(sks: Ipv6Sockets, pkb: PacketBuffer, inner: Uint8Array, offset: number, type: number, code: number, info: number): void {
  // ping_supported: only Echo Request, code 0.
  if (inner[offset] !== ICMPV6_ECHO_REQUEST || inner[offset + 1] !== 0) return;
  const sk = pingLookup(pingTable(sks), u16(inner, offset + ECHO_ID), pkb.buf, pkb.networkHeader + F.DST_ADDR, sks.ip6.cb.iif);
  if (sk === undefined) return;
  const { errno, fatal } = icmpv6ErrConvert(type, code);
  if (!(sk.v6flags & F_RECVERR)) {
    if (!fatal || !sk.connected) return;
  } else {
    ipv6IcmpError(sk, pkb, errno, inner, 0, info, offset);
  }
  sk.reportError(errno);
}

/** ICMPv6 echo sockets' operations (pingv6_prot) for socket.ts. */
export const pingv6Proto: Ipv6SocketProto = {
  protocol: IPPROTO_ICMPV6,
  reuseDefault: true,
  init(sks: Ipv6Sockets): () => void {
    sks.protoState.set(IPPROTO_ICMPV6, new PingTable());
    return () => {
      sks.protoState.delete(IPPROTO_ICMPV6);
    };
  },
  initSock: pingInitSock,
  bind: pingBind,
  getPort: pingGetPort,
  unhash: pingUnhash,
  sendmsg: pingv6Sendmsg,
  delivered: () => undefined,
  csumError: () => undefined,
  rcv: pingRcv,
  err: pingErr,
};
