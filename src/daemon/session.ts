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
 */

import type { Socket } from 'node:net';
import type { Credentials } from '../net/credentials.ts';
import type { World } from '../net/net.ts';
import { emitNetlinkAck } from '../netlink/errors.ts';
import { NlAttrCursor, NlMsgBuilder } from '../netlink/message.ts';
import type { NetlinkTable } from '../netlink/socket.ts';
import { NetlinkSocket } from '../netlink/socket.ts';
import { EAGAIN, ENOENT, EPROTONOSUPPORT } from '../uapi/errno.ts';
import { NETLINK_CAP_ACK, NETLINK_EXT_ACK, NETLINK_GET_STRICT_CHK, NETLINK_ROUTE, NLMSG_HDRLEN, SOL_NETLINK } from '../uapi/netlink.ts';
import { u16le, u32le } from '../wire/bytes.ts';
import { END_FRAME, FrameDecoder, encodeFrame } from './framing.ts';
import { MAX_FRAME, V6STACK_MSG_OPEN, V6STACK_OPEN_ATTR_NETNS, V6STACK_OPEN_ATTR_PROTOCOL } from './protocol.ts';

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

export class Session {
  readonly socket: Socket;
  readonly cred: Credentials;
  readonly #opts: SessionOptions;
  readonly #decoder = new FrameDecoder(MAX_FRAME);
  readonly #pending: Uint8Array[] = [];
  #nl: NetlinkSocket | undefined;
  #running = false;
  #closed = false;
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
        if (frame === undefined) break;
        if (this.#pending.length < this.#opts.maxPending >> 1 && this.socket.isPaused()) this.socket.resume();
        try {
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
    // A failed sendmsg (an errno for the caller on a real socket) yields no datagram.
    nl.sendmsg(frame);
    for (;;) {
      const d = nl.recvmsg();
      if (typeof d === 'number') {
        if (d !== -EAGAIN) continue; // -ENOBUFS is reported once; read what is queued
        break;
      }
      if (!(await this.#write(encodeFrame(d)))) return;
    }
    await this.#write(END_FRAME);
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
      const sock = NetlinkSocket.open(table, net, req.protocol, this.cred);
      if (typeof sock === 'number') err = sock;
      else {
        sock.setsockopt(SOL_NETLINK, NETLINK_EXT_ACK, 1);
        sock.setsockopt(SOL_NETLINK, NETLINK_CAP_ACK, 0);
        // ip sets strict dump checking on its route socket (rtnl_set_strict_dump).
        if (req.protocol === NETLINK_ROUTE) sock.setsockopt(SOL_NETLINK, NETLINK_GET_STRICT_CHK, 1);
        this.#nl = sock;
      }
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
