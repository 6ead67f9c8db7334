/**
 * Netlink sockets and the kernel side of netlink, after Linux net/netlink/af_netlink.c (6.18):
 * port ids, sendmsg into a kernel protocol (netlink_rcv_skb), acknowledgements, dumps
 * (netlink_dump), multicast groups and receive queues with a limit.
 *
 * One `NetlinkTable` per World is nl_table: for each protocol, the kernel side registered by a
 * subsystem (genetlink, rtnetlink) and, per namespace, the bound sockets by port id and the
 * multicast listeners. A socket belongs to one namespace and carries its opener's credentials.
 *
 * Requests are processed synchronously inside `sendmsg`, one message after another as
 * netlink_rcv_skb does. Replies are datagrams on the socket's receive queue; `recvmsg` takes
 * one (MSG_DONTWAIT semantics: -EAGAIN when empty). A dump writes its first batch during
 * `sendmsg` and each further batch when `recvmsg` has drained the queue below half of the
 * receive buffer, like netlink_recvmsg.
 *
 * Sizes. Linux charges skb->truesize to sk_rmem_alloc; we charge the datagram's length, so a
 * queue holds somewhat more here than in the kernel for the same rcvbuf. Dump batches are
 * sized as netlink_dump sizes them: max(NLMSG_GOODSIZE, the largest receive buffer seen,
 * capped at 32 KiB); NLMSG_GOODSIZE is 3776 bytes on x86-64 (4096 minus the aligned
 * skb_shared_info, 320 bytes).
 *
 * Port ids (netlink_autobind): the opener's pid first; when it is taken in the namespace, a
 * negative id from a rover that starts at a random value in [S32_MIN, -4097] (seeded, per
 * table) and counts down. Negative ids appear as u32 on the wire.
 *
 * Not modelled: socket-to-socket unicast (only the kernel is addressed), connect(), BPF
 * filters, NETLINK_LISTEN_ALL_NSID, NETLINK_PKTINFO, MSG_PEEK/MSG_TRUNC.
 */

import type { Credentials } from '../net/credentials.ts';
import type { Net, World } from '../net/net.ts';
import type { Rng } from '../net/rng.ts';
import {
  EADDRINUSE,
  EAGAIN,
  EBUSY,
  ECONNREFUSED,
  EINTR,
  EINVAL,
  EMSGSIZE,
  ENOBUFS,
  ENOPROTOOPT,
  EPROTONOSUPPORT,
  ESRCH,
} from '../uapi/errno.ts';
import {
  MAX_LINKS,
  NETLINK_ADD_MEMBERSHIP,
  NETLINK_CAP_ACK,
  NETLINK_DROP_MEMBERSHIP,
  NETLINK_EXT_ACK,
  NETLINK_GET_STRICT_CHK,
  NETLINK_NO_ENOBUFS,
  NLM_F_ACK,
  NLM_F_DUMP_INTR,
  NLM_F_REQUEST,
  NLMSG_HDRLEN,
  NLMSG_MIN_TYPE,
  SOL_NETLINK,
} from '../uapi/netlink.ts';
import { u16le, u32le } from '../wire/bytes.ts';
import { emitNetlinkAck, emitNetlinkDone, type ExtAck } from './errors.ts';
import { NlMsgBuilder, nlmsgAlign, nlmsgTotalSize } from './message.ts';
import type { GenlDumpitInfo } from './genetlink.ts';

/** NLMSG_GOODSIZE on x86-64: SKB_WITH_OVERHEAD(4096). */
export const NLMSG_GOODSIZE = 4096 - 320;
/** NLMSG_DEFAULT_SIZE: NLMSG_GOODSIZE minus a message header (what nlmsg_new callers ask). */
export const NLMSG_DEFAULT_SIZE = NLMSG_GOODSIZE - NLMSG_HDRLEN;
/** netlink_recvmsg caps the remembered receive buffer size at 32 KiB. */
export const NETLINK_MAX_RECVMSG_LEN = 32768;
/** net.core.rmem_default / wmem_default on Linux. */
export const NETLINK_DEFAULT_RCVBUF = 212992;
export const NETLINK_DEFAULT_SNDBUF = 212992;

/** netlink_autobind's rover bound: ids at or above it (down to -4096) are never handed out. */
const ROVER_START = -4096;
const S32_MIN = -0x80000000;

/**
 * struct netlink_callback: the state of one dump, alive from its start to its done.
 * `args` is the cursor the dumpit keeps between batches (cb->args, six longs in Linux,
 * zeroed at start; extend it freely).
 */
export interface NetlinkCallback {
  readonly args: number[];
  /** A private copy of the request (the dump outlives the sendmsg buffer). */
  readonly msg: Uint8Array;
  /** Offset of the request's nlmsghdr in `msg` (always 0: the copy starts there). */
  readonly nlh: number;
  readonly net: Net;
  readonly cred: Credentials;
  /** Extended ack of the current step (start, or the batch being filled); reported in NLMSG_DONE. */
  extack: ExtAck;
  /** nlmsg_seq of the request: every reply message carries it. */
  readonly seq: number;
  /** The requester's port id (NETLINK_CB(cb->skb).portid). */
  readonly portid: number;
  /** NETLINK_GET_STRICT_CHK was set on the socket when the dump started (cb->strict_check). */
  readonly strictCheck: boolean;
  /** Free for the dump's own state (cb->ctx). */
  data?: unknown;
  /** genetlink dumps: family, op and parsed attributes (genl_dumpit_info). */
  genl?: GenlDumpitInfo;
  /** cb->seq: a generation number of the dumped table, set by the dumpit (see nlDumpCheckConsistent). */
  dumpSeq: number;
  /** cb->prev_seq. */
  prevSeq: number;
  /** Request NLM_F_DUMP_INTR or NLM_F_DUMP_FILTERED on NLMSG_DONE (cb->answer_flags). */
  answerFlags: number;
}

/**
 * The buffer a batch or a reply is written into (an skb of fixed size): a builder with a size
 * limit. Messages are written with `b`, then closed with `end()`, which keeps the message only
 * when the buffer has room for it, as a failing nla_put makes the kernel cancel the message.
 */
export class NetlinkSkb {
  readonly b: NlMsgBuilder;
  readonly maxLen: number;

  constructor(maxLen: number, builder?: NlMsgBuilder) {
    this.maxLen = maxLen;
    this.b = builder ?? new NlMsgBuilder({ initialCapacity: Math.min(maxLen, 4096) });
  }

  /** skb->len: bytes of the messages in the buffer (and of an open one). */
  get len(): number {
    return this.b.length;
  }

  /** skb_tailroom. */
  get tailroom(): number {
    return this.maxLen - this.b.length;
  }

  /**
   * nlmsg_put: opens a message; returns its offset, or -1 (nothing written) when not even the
   * header and `payload` bytes fit.
   */
  put(portid: number, seq: number, type: number, flags: number): number {
    if (this.b.length + NLMSG_HDRLEN > this.maxLen) return -1;
    return this.b.beginMessage(type, flags, seq, portid);
  }

  /** nlmsg_end: closes the open message; false (and the message is dropped) when it did not fit. */
  end(): boolean {
    if (this.b.length > this.maxLen) {
      this.b.cancel();
      return false;
    }
    this.b.finish();
    return true;
  }

  /** nlmsg_cancel. */
  cancel(): void {
    this.b.cancel();
  }
}

/**
 * nl_dump_check_consistent: a dumpit calls it for each message it writes (at `nlh` in the
 * skb) after setting `cb.dumpSeq` to its table's generation; when the generation moved since
 * the previous message, the message gets NLM_F_DUMP_INTR.
 */
export function nlDumpCheckConsistent(cb: NetlinkCallback, skb: NetlinkSkb, nlh: number): void {
  if (cb.prevSeq !== 0 && cb.dumpSeq !== cb.prevSeq) {
    const buf = skb.b.buffer;
    const f = u16le(buf, nlh + 6) | NLM_F_DUMP_INTR;
    buf[nlh + 6] = f & 0xff;
    buf[nlh + 7] = f >>> 8;
  }
  cb.prevSeq = cb.dumpSeq;
}

/** The callbacks of a dump (struct netlink_dump_control). */
export interface NetlinkDumpControl {
  readonly start?: (cb: NetlinkCallback) => number;
  readonly dump: (skb: NetlinkSkb, cb: NetlinkCallback) => number;
  readonly done?: (cb: NetlinkCallback) => number;
  /** Set on the callback before start. */
  readonly genl?: GenlDumpitInfo;
  /** cb->min_dump_alloc. */
  readonly minDumpAlloc?: number;
}

/** What a kernel protocol provides (struct netlink_kernel_cfg). */
export interface NetlinkKernelCfg {
  /** Number of multicast groups (nl_table[].groups); read again on each membership change. */
  groups(): number;
  /**
   * One request message (the callback of netlink_rcv_skb): 0, a negative errno, or -EINTR
   * when a dump was started (no ack then). `nlh` is the header's offset in `msg`.
   */
  input(sk: NetlinkSocket, msg: Uint8Array, nlh: number, extack: ExtAck): number;
  /** A socket joins `group` (1-based): 0 or a negative errno. */
  bind?(sk: NetlinkSocket, group: number): number;
  unbind?(sk: NetlinkSocket, group: number): void;
}

interface ProtoTable {
  cfg: NetlinkKernelCfg | undefined;
  /** Per namespace: bound sockets by port id. */
  readonly bound: Map<Net, Map<number, NetlinkSocket>>;
  /** Per namespace: sockets with at least one group (mc_list), in join order. */
  readonly listeners: Map<Net, Set<NetlinkSocket>>;
}

/** nl_table: one per World. */
export class NetlinkTable {
  readonly world: World;
  readonly #protos: ProtoTable[] = [];
  readonly #rng: Rng;
  #rover = ROVER_START;

  constructor(world: World) {
    this.world = world;
    this.#rng = world.rng.fork('netlink:portid');
    for (let i = 0; i < MAX_LINKS; i++) this.#protos.push({ cfg: undefined, bound: new Map(), listeners: new Map() });
  }

  /** netlink_kernel_create: the kernel side of `protocol` (one per World, for every namespace). */
  registerKernel(protocol: number, cfg: NetlinkKernelCfg): void {
    const p = this.proto(protocol);
    if (p.cfg !== undefined) throw new Error(`netlink protocol ${protocol} already has a kernel side`);
    p.cfg = cfg;
  }

  kernel(protocol: number): NetlinkKernelCfg | undefined {
    return this.#protos[protocol]?.cfg;
  }

  /** Internal: the per-protocol table. */
  proto(protocol: number): ProtoTable {
    const p = this.#protos[protocol];
    if (p === undefined) throw new RangeError(`netlink protocol ${protocol}`);
    return p;
  }

  /** netlink_lookup. */
  lookup(net: Net, protocol: number, portid: number): NetlinkSocket | undefined {
    return this.#protos[protocol]?.bound.get(net)?.get(portid);
  }

  /** Internal: the next negative autobind port id (the shared rover). */
  nextRover(): number {
    if (this.#rover === ROVER_START) this.#rover = S32_MIN + this.#rng.nextBelow(ROVER_START - S32_MIN);
    else if (this.#rover > ROVER_START) this.#rover = ROVER_START - 1;
    const id = this.#rover;
    this.#rover = id - 1 < S32_MIN ? ROVER_START - 1 : id - 1;
    return id >>> 0;
  }

  /**
   * netlink_unicast from the kernel (MSG_DONTWAIT): 0, -ECONNREFUSED when no socket has the
   * port id, -EAGAIN when its queue is full (the socket then sees ENOBUFS).
   */
  unicast(net: Net, protocol: number, portid: number, datagram: Uint8Array): number {
    const sk = this.lookup(net, protocol, portid);
    if (sk === undefined) return -ECONNREFUSED;
    return sk._attach(datagram) ? 0 : -EAGAIN;
  }

  /**
   * netlink_broadcast from the kernel to `group` (1-based) in `net`, skipping `excludePortid`
   * (0: none). 0 when at least one socket got it, -ESRCH otherwise.
   */
  broadcast(net: Net, protocol: number, excludePortid: number, group: number, datagram: Uint8Array): number {
    const set = this.#protos[protocol]?.listeners.get(net);
    if (set === undefined) return -ESRCH;
    let delivered = false;
    for (const sk of set) {
      if (!sk.isMember(group)) continue;
      if (excludePortid !== 0 && sk.portid === excludePortid) continue;
      if (sk._broadcastDeliver(datagram)) delivered = true;
    }
    return delivered ? 0 : -ESRCH;
  }

  /** Every namespace with sockets of `protocol` (for *_allns multicasts). */
  netsOf(protocol: number): Iterable<Net> {
    return this.proto(protocol).listeners.keys();
  }

  /** __netlink_clear_multicast_users: drops `group` from every socket of `protocol`. */
  clearMulticastUsers(protocol: number, group: number): void {
    for (const set of this.proto(protocol).listeners.values()) {
      for (const sk of [...set]) sk._dropGroup(group);
    }
  }
}

export interface NetlinkSocketOptions {
  /** sk_rcvbuf in bytes (default net.core.rmem_default, 212992). */
  readonly rcvbuf?: number;
  readonly sndbuf?: number;
}

interface DumpState {
  readonly cb: NetlinkCallback;
  readonly control: NetlinkDumpControl;
  /** nlk->dump_done_errno: > 0 while the dump has more to give. */
  doneErrno: number;
}

/** A netlink socket (struct netlink_sock) of one protocol in one namespace. */
export class NetlinkSocket {
  readonly table: NetlinkTable;
  readonly net: Net;
  readonly protocol: number;
  readonly cred: Credentials;
  #portid = 0;
  #bound = false;
  #closed = false;
  /** Joined groups, bit (group - 1). */
  #groups: Uint32Array = new Uint32Array(2);
  #nGroupsJoined = 0;
  // Flags (NETLINK_F_*).
  #extAck = false;
  #capAck = false;
  #strictChk = false;
  #noEnobufs = false;
  /** NETLINK_S_CONGESTED. */
  #congested = false;
  /** sk_err (positive errno, 0 when none). */
  #err = 0;
  /** sk_drops. */
  drops = 0;
  readonly #rcvbuf: number;
  readonly #sndbuf: number;
  #rmem = 0;
  readonly #queue: Uint8Array[] = [];
  #qhead = 0;
  #maxRecvmsgLen = 0;
  #dump: DumpState | undefined;
  /** Reused for acks and dump batches (copied out into datagrams). */
  readonly #out = new NlMsgBuilder({ initialCapacity: 4096 });
  readonly #extack: ExtAck = {};
  readonly #ackSock: { portid: number; extAck: boolean; capAck: boolean } = { portid: 0, extAck: false, capAck: false };

  constructor(table: NetlinkTable, net: Net, protocol: number, cred: Credentials, options: NetlinkSocketOptions = {}) {
    if (!Number.isInteger(protocol) || protocol < 0 || protocol >= MAX_LINKS) throw new RangeError(`netlink protocol ${protocol}`);
    this.table = table;
    this.net = net;
    this.protocol = protocol;
    this.cred = cred;
    this.#rcvbuf = options.rcvbuf ?? NETLINK_DEFAULT_RCVBUF;
    this.#sndbuf = options.sndbuf ?? NETLINK_DEFAULT_SNDBUF;
  }

  /**
   * socket(AF_NETLINK, SOCK_RAW, protocol): -EPROTONOSUPPORT when no kernel side is registered
   * for the protocol (Linux would try to load a module first).
   */
  static open(table: NetlinkTable, net: Net, protocol: number, cred: Credentials, options: NetlinkSocketOptions = {}): NetlinkSocket | number {
    if (!Number.isInteger(protocol) || protocol < 0 || protocol >= MAX_LINKS) return -EPROTONOSUPPORT;
    if (table.kernel(protocol) === undefined) return -EPROTONOSUPPORT;
    return new NetlinkSocket(table, net, protocol, cred, options);
  }

  /** nl_pid of getsockname (0 before binding). */
  get portid(): number {
    return this.#portid;
  }
  get bound(): boolean {
    return this.#bound;
  }
  get extAck(): boolean {
    return this.#extAck;
  }
  get capAck(): boolean {
    return this.#capAck;
  }
  get strictCheck(): boolean {
    return this.#strictChk;
  }
  /** Bytes queued (sk_rmem_alloc, by datagram length). */
  get rmemAlloc(): number {
    return this.#rmem;
  }
  /** Datagrams waiting. */
  get queued(): number {
    return this.#queue.length - this.#qhead;
  }
  /** A dump is in progress (nlk->cb_running). */
  get dumping(): boolean {
    return this.#dump !== undefined;
  }

  #insert(portid: number): number {
    const p = this.table.proto(this.protocol);
    let byPort = p.bound.get(this.net);
    if (byPort === undefined) {
      byPort = new Map();
      p.bound.set(this.net, byPort);
    }
    if (byPort.has(portid)) return -EADDRINUSE;
    byPort.set(portid, this);
    this.#portid = portid;
    this.#bound = true;
    return 0;
  }

  /** netlink_autobind. */
  #autobind(): number {
    let id = this.cred.pid >>> 0;
    for (let tries = 0; tries < 1 << 20; tries++) {
      if (this.table.lookup(this.net, this.protocol, id) === undefined && id !== 0) return this.#insert(id);
      id = this.table.nextRover();
    }
    return -EBUSY;
  }

  /**
   * bind(sockaddr_nl { nl_pid, nl_groups }): a port id (0: autobind; an already bound socket
   * must pass its own id or 0) and the legacy bitmask of groups 1..32, which replaces them.
   */
  bind(portid = 0, groups = 0): number {
    if (this.#closed) return -EINVAL;
    const pid = portid >>> 0;
    const mask = groups >>> 0;
    if (mask !== 0) {
      const kern = this.table.kernel(this.protocol);
      if (kern === undefined) return -EINVAL;
      for (let g = 0; g < 32; g++) {
        if (((mask >>> g) & 1) === 0) continue;
        const err = kern.bind?.(this, g + 1) ?? 0;
        if (err !== 0) {
          // netlink_undo_bind: unbind the ones done so far.
          for (let u = 0; u < g; u++) if (((mask >>> u) & 1) !== 0) kern.unbind?.(this, u + 1);
          return err;
        }
      }
    }
    if (this.#bound) {
      if (pid !== 0 && pid !== this.#portid) return -EINVAL;
    } else {
      const err = pid !== 0 ? this.#insert(pid) : this.#autobind();
      if (err !== 0) return err;
    }
    if (mask === 0 && !this.#hasLegacyGroups()) return 0;
    // nl_groups replaces the first 32 groups.
    for (let g = 1; g <= 32; g++) this.#setGroup(g, ((mask >>> (g - 1)) & 1) !== 0);
    return 0;
  }

  #hasLegacyGroups(): boolean {
    return (this.#groups[0] ?? 0) !== 0;
  }

  /** The socket has joined `group` (1-based). */
  isMember(group: number): boolean {
    const bit = group - 1;
    if (bit < 0) return false;
    const w = this.#groups[bit >>> 5];
    return w !== undefined && ((w >>> (bit & 31)) & 1) !== 0;
  }

  #setGroup(group: number, on: boolean): void {
    const bit = group - 1;
    const word = bit >>> 5;
    if (word >= this.#groups.length) {
      if (!on) return;
      const g = new Uint32Array(Math.max(word + 1, this.#groups.length * 2));
      g.set(this.#groups);
      this.#groups = g;
    }
    const was = this.isMember(group);
    if (was === on) return;
    const mask = 1 << (bit & 31);
    this.#groups[word] = on ? ((this.#groups[word] ?? 0) | mask) >>> 0 : ((this.#groups[word] ?? 0) & ~mask) >>> 0;
    this.#nGroupsJoined += on ? 1 : -1;
    // netlink_update_subscriptions: on the mc_list while subscribed to anything.
    const p = this.table.proto(this.protocol);
    let set = p.listeners.get(this.net);
    if (this.#nGroupsJoined > 0) {
      if (set === undefined) {
        set = new Set();
        p.listeners.set(this.net, set);
      }
      set.add(this);
    } else if (set !== undefined) {
      set.delete(this);
      if (set.size === 0) p.listeners.delete(this.net);
    }
  }

  /** Internal (clearMulticastUsers). */
  _dropGroup(group: number): void {
    this.#setGroup(group, false);
  }

  /** setsockopt(SOL_NETLINK, name, value): 0 or a negative errno. */
  setsockopt(level: number, name: number, value: number): number {
    if (this.#closed) return -EINVAL;
    if (level !== SOL_NETLINK) return -ENOPROTOOPT;
    const on = value !== 0;
    switch (name) {
      case NETLINK_ADD_MEMBERSHIP:
      case NETLINK_DROP_MEMBERSHIP: {
        const kern = this.table.kernel(this.protocol);
        const ngroups = kern?.groups() ?? 0;
        const val = value >>> 0;
        if (val === 0 || val - 1 >= ngroups) return -EINVAL;
        if (name === NETLINK_ADD_MEMBERSHIP && kern?.bind !== undefined) {
          const err = kern.bind(this, val);
          if (err !== 0) return err;
        }
        this.#setGroup(val, name === NETLINK_ADD_MEMBERSHIP);
        if (name === NETLINK_DROP_MEMBERSHIP) kern?.unbind?.(this, val);
        return 0;
      }
      case NETLINK_EXT_ACK:
        this.#extAck = on;
        return 0;
      case NETLINK_CAP_ACK:
        this.#capAck = on;
        return 0;
      case NETLINK_GET_STRICT_CHK:
        this.#strictChk = on;
        return 0;
      case NETLINK_NO_ENOBUFS:
        this.#noEnobufs = on;
        if (on) this.#congested = false;
        return 0;
      default:
        return -ENOPROTOOPT;
    }
  }

  /**
   * sendmsg to the kernel (nl_pid 0): every request message of `bytes` is processed now, as
   * netlink_rcv_skb walks an skb. Returns the byte count, or a negative errno for the whole
   * send (-EMSGSIZE above sndbuf - 32, -ECONNREFUSED without a kernel side).
   */
  sendmsg(bytes: Uint8Array): number {
    if (this.#closed) return -EINVAL;
    if (bytes.length > this.#sndbuf - 32) return -EMSGSIZE;
    if (!this.#bound) {
      const err = this.#autobind();
      if (err !== 0) return err;
    }
    const kern = this.table.kernel(this.protocol);
    if (kern === undefined) return -ECONNREFUSED;
    this.#rcvSkb(bytes, kern);
    return bytes.length;
  }

  /** netlink_rcv_skb. */
  #rcvSkb(bytes: Uint8Array, kern: NetlinkKernelCfg): void {
    let pos = 0;
    const extack = this.#extack;
    while (bytes.length - pos >= nlmsgTotalSize(0)) {
      const len = u32le(bytes, pos);
      if (len < NLMSG_HDRLEN || bytes.length - pos < len) return;
      const flags = u16le(bytes, pos + 6);
      const type = u16le(bytes, pos + 4);
      extack.msg = undefined;
      extack.badAttrOffset = undefined;
      extack.policy = undefined;
      extack.missingType = undefined;
      extack.missingNest = undefined;
      extack.cookie = undefined;
      let err = 0;
      // Only requests are handled; control messages are skipped (but may be acked).
      if ((flags & NLM_F_REQUEST) !== 0 && type >= NLMSG_MIN_TYPE) {
        err = kern.input(this, bytes, pos, extack);
      }
      if (err !== -EINTR && ((flags & NLM_F_ACK) !== 0 || err !== 0)) this.#ack(bytes, pos, err, extack);
      pos += Math.min(nlmsgAlign(len), bytes.length - pos);
    }
  }

  /** netlink_ack: queued like any kernel unicast (dropped, with ENOBUFS, when full). */
  #ack(bytes: Uint8Array, nlh: number, err: number, extack: ExtAck): void {
    const b = this.#out;
    b.reset();
    const s = this.#ackSock;
    s.portid = this.#portid;
    s.extAck = this.#extAck;
    s.capAck = this.#capAck;
    emitNetlinkAck(b, bytes, nlh, err, extack, s);
    this._attach(b.toBytes());
  }

  /**
   * netlink_attachskb with a zero timeout: queued when the queue is empty or stays within
   * rcvbuf and the socket is not congested; otherwise dropped with an overrun.
   */
  _attach(datagram: Uint8Array): boolean {
    if (this.#closed) return false;
    const rmem = this.#rmem + datagram.length;
    if ((this.#rmem === 0 || rmem <= this.#rcvbuf) && !this.#congested) {
      this.#enqueue(datagram);
      return true;
    }
    this.#overrun();
    return false;
  }

  /** netlink_broadcast_deliver (6.18 rmem rule) plus netlink_overrun on failure. */
  _broadcastDeliver(datagram: Uint8Array): boolean {
    return this._attach(datagram);
  }

  #enqueue(datagram: Uint8Array): void {
    this.#queue.push(datagram);
    this.#rmem += datagram.length;
  }

  /** netlink_overrun. */
  #overrun(): void {
    if (!this.#noEnobufs && !this.#congested) {
      this.#congested = true;
      this.#err = ENOBUFS;
    }
    this.drops++;
  }

  /**
   * recvmsg(MSG_DONTWAIT) with a buffer of `bufLen` bytes: the next datagram, or a negative
   * errno: a pending socket error first (-ENOBUFS after an overrun, reported once), -EAGAIN
   * when nothing is queued. `bufLen` only sizes later dump batches, as max_recvmsg_len does;
   * the datagram is returned whole.
   */
  recvmsg(bufLen = NETLINK_MAX_RECVMSG_LEN): Uint8Array | number {
    if (this.#err !== 0) {
      const e = this.#err;
      this.#err = 0;
      this.#rcvWake();
      return -e;
    }
    if (this.#qhead >= this.#queue.length) {
      this.#rcvWake();
      return -EAGAIN;
    }
    const d = this.#queue[this.#qhead] as Uint8Array;
    this.#queue[this.#qhead] = EMPTY;
    this.#qhead++;
    if (this.#qhead === this.#queue.length) {
      this.#queue.length = 0;
      this.#qhead = 0;
    } else if (this.#qhead > 64 && this.#qhead * 2 > this.#queue.length) {
      this.#queue.splice(0, this.#qhead);
      this.#qhead = 0;
    }
    this.#rmem -= d.length;
    this.#maxRecvmsgLen = Math.min(Math.max(this.#maxRecvmsgLen, bufLen), NETLINK_MAX_RECVMSG_LEN);
    if (this.#dump !== undefined && this.#rmem <= this.#rcvbuf >> 1) {
      const ret = this.#netlinkDump();
      if (ret !== 0) this.#err = -ret;
    }
    this.#rcvWake();
    return d;
  }

  /** netlink_rcv_wake: an empty queue ends congestion. */
  #rcvWake(): void {
    if (this.#qhead >= this.#queue.length) this.#congested = false;
  }

  /**
   * __netlink_dump_start: runs start, then the first batch. -EINTR when the dump is under way
   * (no ack), or a negative errno (acked by the caller).
   */
  dumpStart(msg: Uint8Array, nlh: number, control: NetlinkDumpControl, extack: ExtAck): number {
    if (this.#dump !== undefined) return -EBUSY;
    const len = u32le(msg, nlh);
    const cb: NetlinkCallback = {
      args: [0, 0, 0, 0, 0, 0],
      msg: msg.slice(nlh, nlh + len),
      nlh: 0,
      net: this.net,
      cred: this.cred,
      extack,
      seq: u32le(msg, nlh + 8),
      portid: this.#portid,
      strictCheck: this.#strictChk,
      dumpSeq: 0,
      prevSeq: 0,
      answerFlags: 0,
    };
    if (control.genl !== undefined) cb.genl = control.genl;
    if (control.start !== undefined) {
      // The start callback reports into the request's extack, whose offsets point into `msg`.
      const ret = control.start(cb);
      if (ret !== 0) {
        // Offsets point into the copy: move them back into the caller's buffer for the ack.
        if (extack.badAttrOffset !== undefined) extack.badAttrOffset += nlh;
        if (extack.missingNest !== undefined) extack.missingNest += nlh;
        return ret;
      }
    }
    cb.extack = {};
    this.#dump = { cb, control, doneErrno: 0x7fffffff };
    const ret = this.#netlinkDump();
    return ret !== 0 ? ret : -EINTR;
  }

  /** netlink_dump: one batch, and NLMSG_DONE plus done() when the dump is over. */
  #netlinkDump(): number {
    const st = this.#dump;
    if (st === undefined) return -EINVAL;
    if (this.#rmem >= this.#rcvbuf) return -ENOBUFS;
    const cb = st.cb;
    const minSize = Math.max(st.control.minDumpAlloc ?? 0, NLMSG_GOODSIZE);
    const allocSize = minSize < this.#maxRecvmsgLen ? this.#maxRecvmsgLen : minSize;
    this.#out.reset();
    const skb = new NetlinkSkb(allocSize, this.#out);
    if (st.doneErrno > 0) {
      cb.extack = {};
      let r = st.control.dump(skb, cb);
      if (r === -EMSGSIZE && skb.len > 0) r = skb.len;
      st.doneErrno = r;
    }
    if (st.doneErrno > 0 || skb.tailroom < nlmsgTotalSize(4)) {
      this.#enqueue(skb.b.toBytes());
      return 0;
    }
    // netlink_dump_done: NLMSG_DONE carries the final errno and the extack of the last batch.
    const s = this.#ackSock;
    s.portid = this.#portid;
    s.extAck = this.#extAck;
    s.capAck = this.#capAck;
    emitNetlinkDone(skb.b, cb.msg, 0, st.doneErrno, cb.extack, s, cb.answerFlags);
    this.#enqueue(skb.b.toBytes());
    this.#dump = undefined;
    st.control.done?.(cb);
    return 0;
  }

  /** close(): unbinds, leaves every group, runs an unfinished dump's done (netlink_release). */
  close(): void {
    if (this.#closed) return;
    const st = this.#dump;
    this.#dump = undefined;
    if (st !== undefined) st.control.done?.(st.cb);
    const kern = this.table.kernel(this.protocol);
    const p = this.table.proto(this.protocol);
    for (let bit = 0; bit < this.#groups.length * 32; bit++) {
      if (this.isMember(bit + 1)) {
        this.#setGroup(bit + 1, false);
        kern?.unbind?.(this, bit + 1);
      }
    }
    if (this.#bound) {
      const byPort = p.bound.get(this.net);
      if (byPort?.get(this.#portid) === this) byPort.delete(this.#portid);
      if (byPort !== undefined && byPort.size === 0) p.bound.delete(this.net);
    }
    this.#closed = true;
    this.#queue.length = 0;
    this.#qhead = 0;
    this.#rmem = 0;
  }
}

const EMPTY = new Uint8Array(0);
