/**
 * One client connection of the daemon. The first frame is the OPEN message choosing the
 * netlink protocol and namespace; the daemon then opens an in-process netlink socket with the
 * peer's credentials and relays: each further frame is one sendmsg, and every datagram the
 * socket then has (acks, replies, each batch of a dump) goes back as a frame, followed by the
 * empty end-of-replies frame.
 *
 * Frames are served strictly in order, one at a time. Memory stays bounded: reading stops while
 * `maxPending` frames wait, and a reply stops between datagrams until the client has read
 * what was written (the socket's 'drain'), so a client that never reads stalls only itself.
 * Garbage closes the connection; nothing a client sends reaches another session.
 *
 * Multicast. A SETSOCKOPT frame joins or leaves a group of the connection's socket. Datagrams
 * the kernel then sends to the group are relayed as frames as they arrive: between exchanges
 * on their own, or inside an exchange among its replies when they arrive during one (a netlink
 * socket's queue mixes them the same way). Relaying waits for the client like replies do; what
 * arrives meanwhile waits in the socket's queue, and beyond its receive buffer is dropped and
 * counted (sk_drops), as on a netlink socket; the overrun error is not relayed.
 */

import type { Socket } from 'node:net';
import type { Credentials } from '../net/credentials.ts';
import type { World } from '../net/net.ts';
import { emitNetlinkAck } from '../netlink/errors.ts';
import { NlAttrCursor, NlMsgBuilder } from '../netlink/message.ts';
import type { NetlinkTable } from '../netlink/socket.ts';
import { NetlinkSocket } from '../netlink/socket.ts';
import { EAGAIN, ENOENT, ENOPROTOOPT, EPROTONOSUPPORT } from '../uapi/errno.ts';
import {
  NETLINK_ADD_MEMBERSHIP,
  NETLINK_CAP_ACK,
  NETLINK_DROP_MEMBERSHIP,
  NETLINK_EXT_ACK,
  NETLINK_GET_STRICT_CHK,
  NETLINK_ROUTE,
  NLMSG_HDRLEN,
  SOL_NETLINK,
} from '../uapi/netlink.ts';
import { u16le, u32le } from '../wire/bytes.ts';
import { END_FRAME, FrameDecoder, encodeFrame } from './framing.ts';
import {
  MAX_FRAME,
  V6STACK_MSG_OPEN,
  V6STACK_MSG_SETSOCKOPT,
  V6STACK_OPEN_ATTR_NETNS,
  V6STACK_OPEN_ATTR_PROTOCOL,
  V6STACK_SOCKOPT_ATTR_LEVEL,
  V6STACK_SOCKOPT_ATTR_NAME,
  V6STACK_SOCKOPT_ATTR_VALUE,
} from './protocol.ts';

export interface SessionOptions {
  readonly table: NetlinkTable;
  readonly world: World;
  readonly cred: Credentials;
  /** Frames waiting before the session stops reading. */
  readonly maxPending: number;
  /** Called once when the connection is gone. */
  readonly onClose: (s: Session) => void;
  /** A request made a handler throw (a bug): the session is ended, the daemon goes on. */
  readonly onError: (s: Session, e: unknown) => void;
}

/** What an OPEN frame asks for, or undefined when the frame is not one. */
export function parseOpen(frame: Uint8Array): { protocol: number; netns: string | undefined } | undefined {
  if (frame.length < NLMSG_HDRLEN) return undefined;
  const len = u32le(frame, 0);
  if (len !== frame.length || u16le(frame, 4) !== V6STACK_MSG_OPEN) return undefined;
  let protocol: number | undefined;
  let netns: string | undefined;
  const c = new NlAttrCursor(frame, NLMSG_HDRLEN, len - NLMSG_HDRLEN);
  while (c.next()) {
    const d = c.data;
    if (c.type === V6STACK_OPEN_ATTR_PROTOCOL && d.length === 4) protocol = u32le(d, 0);
    else if (c.type === V6STACK_OPEN_ATTR_NETNS) {
      const nul = d.indexOf(0);
      netns = Buffer.from(d.subarray(0, nul === -1 ? d.length : nul)).toString('utf8');
    }
  }
  if (c.leftover !== 0 || protocol === undefined) return undefined;
  return { protocol, netns };
}

/** What a SETSOCKOPT frame asks for, or undefined when the frame is not one. */
export function parseSetsockopt(frame: Uint8Array): { level: number; name: number; value: number } | undefined {
  if (frame.length < NLMSG_HDRLEN) return undefined;
  const len = u32le(frame, 0);
  if (len !== frame.length || u16le(frame, 4) !== V6STACK_MSG_SETSOCKOPT) return undefined;
  let level: number | undefined;
  let name: number | undefined;
  let value: number | undefined;
  const c = new NlAttrCursor(frame, NLMSG_HDRLEN, len - NLMSG_HDRLEN);
  while (c.next()) {
    const d = c.data;
    if (d.length !== 4) continue;
    if (c.type === V6STACK_SOCKOPT_ATTR_LEVEL) level = u32le(d, 0);
    else if (c.type === V6STACK_SOCKOPT_ATTR_NAME) name = u32le(d, 0);
    else if (c.type === V6STACK_SOCKOPT_ATTR_VALUE) value = u32le(d, 0);
  }
  if (c.leftover !== 0 || level === undefined || name === undefined || value === undefined) return undefined;
  return { level, name, value };
}

/** The session's netlink socket: tells the session when a multicast datagram was queued. */
class RelayedNetlinkSocket extends NetlinkSocket {
  onMulticast: (() => void) | undefined;

  override _broadcastDeliver(datagram: Uint8Array): boolean {
    const queued = super._broadcastDeliver(datagram);
    if (queued) this.onMulticast?.();
    return queued;
  }
}

export class Session {
  readonly socket: Socket;
  readonly cred: Credentials;
  readonly #opts: SessionOptions;
  readonly #decoder = new FrameDecoder(MAX_FRAME);
  readonly #pending: Uint8Array[] = [];
  #nl: NetlinkSocket | undefined;
  #running = false;
  #closed = false;
  /** Multicast datagrams wait in the socket's queue to be relayed. */
  #multicast = false;
  /** The most frames ever waiting at once (for tests of the memory bound). */
  maxQueued = 0;
  /** Frames served. */
  served = 0;

  constructor(socket: Socket, opts: SessionOptions) {
    this.socket = socket;
    this.cred = opts.cred;
    this.#opts = opts;
    socket.on('data', (chunk: Buffer) => this.#onData(chunk));
    socket.on('close', () => this.#close());
    socket.on('error', () => this.#close());
  }

  get closed(): boolean {
    return this.#closed;
  }

  /** Ends the connection (daemon shutdown). */
  destroy(): void {
    this.socket.destroy();
    this.#close();
  }

  #onData(chunk: Buffer): void {
    if (this.#closed) return;
    const frames = this.#decoder.push(chunk);
    if (this.#decoder.error !== undefined) {
      this.destroy();
      return;
    }
    for (const f of frames) this.#pending.push(f);
    this.maxQueued = Math.max(this.maxQueued, this.#pending.length);
    if (this.#pending.length >= this.#opts.maxPending) this.socket.pause();
    if (!this.#running) void this.#run();
  }

  async #run(): Promise<void> {
    this.#running = true;
    try {
      while (!this.#closed) {
        const frame = this.#pending.shift();
        if (frame === undefined && !this.#multicast) break;
        if (this.#pending.length < this.#opts.maxPending >> 1 && this.socket.isPaused()) this.socket.resume();
        try {
          if (frame === undefined) {
            // Between exchanges: relay what the groups sent.
            this.#multicast = false;
            await this.#relayQueued();
            continue;
          }
          await this.#serve(frame);
        } catch (e) {
          this.#opts.onError(this, e);
          this.destroy();
          break;
        }
        this.served++;
      }
    } finally {
      this.#running = false;
    }
  }

  async #serve(frame: Uint8Array): Promise<void> {
    const nl = this.#nl;
    if (nl === undefined) {
      this.#open(frame);
      return;
    }
    const opt = parseSetsockopt(frame);
    if (opt !== undefined) {
      const b = new NlMsgBuilder();
      emitNetlinkAck(b, frame, 0, this.#setsockopt(nl, opt.level, opt.name, opt.value), undefined, { portid: nl.portid });
      if (await this.#write(encodeFrame(b.toBytes()))) await this.#write(END_FRAME);
      return;
    }
    // A failed sendmsg (an errno for the caller on a real socket) yields no datagram.
    nl.sendmsg(frame);
    if (!(await this.#relayQueued())) return;
    await this.#write(END_FRAME);
  }

  /** The options a client may set: group membership (the socket checks the group and the caller's rights). */
  #setsockopt(nl: NetlinkSocket, level: number, name: number, value: number): number {
    if (level !== SOL_NETLINK || (name !== NETLINK_ADD_MEMBERSHIP && name !== NETLINK_DROP_MEMBERSHIP)) return -ENOPROTOOPT;
    return nl.setsockopt(level, name, value);
  }

  /** Writes every datagram the socket has queued; false once the connection is gone. */
  async #relayQueued(): Promise<boolean> {
    const nl = this.#nl;
    if (nl === undefined) return true;
    for (;;) {
      const d = nl.recvmsg();
      if (typeof d === 'number') {
        if (d !== -EAGAIN) continue; // -ENOBUFS is reported once; read what is queued
        break;
      }
      if (!(await this.#write(encodeFrame(d)))) return false;
    }
    return true;
  }

  /** A multicast datagram was queued: relay it as soon as no exchange is being served. */
  #onMulticast(): void {
    this.#multicast = true;
    // Deferred: the sender is in the middle of its own work (a packet, another request).
    if (!this.#running) queueMicrotask(() => {
      if (!this.#running && !this.#closed) void this.#run();
    });
  }

  /** The OPEN exchange; anything else as the first frame ends the connection. */
  #open(frame: Uint8Array): void {
    const req = parseOpen(frame);
    if (req === undefined) {
      this.destroy();
      return;
    }
    const { world, table } = this.#opts;
    let err = 0;
    const net = req.netns === undefined ? world.initNet : world.byName(req.netns);
    if (net === undefined) err = -ENOENT;
    else if (table.kernel(req.protocol) === undefined) err = -EPROTONOSUPPORT;
    else {
      const sock = new RelayedNetlinkSocket(table, net, req.protocol, this.cred);
      sock.onMulticast = () => this.#onMulticast();
      sock.setsockopt(SOL_NETLINK, NETLINK_EXT_ACK, 1);
      sock.setsockopt(SOL_NETLINK, NETLINK_CAP_ACK, 0);
      // ip sets strict dump checking on its route socket (rtnl_set_strict_dump).
      if (req.protocol === NETLINK_ROUTE) sock.setsockopt(SOL_NETLINK, NETLINK_GET_STRICT_CHK, 1);
      this.#nl = sock;
    }
    const b = new NlMsgBuilder();
    emitNetlinkAck(b, frame, 0, err, undefined, { portid: 0 });
    void this.#write(encodeFrame(b.toBytes()));
    if (err !== 0) this.socket.end();
  }

  /** Writes a frame; waits for 'drain' when the socket's buffer is full. False once closed. */
  #write(frame: Uint8Array): Promise<boolean> {
    if (this.#closed || this.socket.destroyed) return Promise.resolve(false);
    if (this.socket.write(frame)) return Promise.resolve(true);
    return new Promise((resolve) => {
      const done = (ok: boolean): void => {
        this.socket.off('drain', onDrain);
        this.socket.off('close', onClose);
        resolve(ok);
      };
      const onDrain = (): void => done(true);
      const onClose = (): void => done(false);
      this.socket.on('drain', onDrain);
      this.socket.on('close', onClose);
    });
  }

  #close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#pending.length = 0;
    // Closing the netlink socket ends a dump in progress (its done callback runs).
    this.#nl?.close();
    this.#nl = undefined;
    this.#opts.onClose(this);
  }
}
