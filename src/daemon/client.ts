/**
 * The client side of the control socket: a `NetlinkTransport` to one protocol of one namespace
 * of a running daemon, and the socket path every command uses. It can also listen
 * (`NetlinkListenTransport`): join a multicast group through a SETSOCKOPT frame and receive
 * the datagrams the daemon relays between exchanges.
 */

import { createConnection } from 'node:net';
import type { Socket } from 'node:net';
import type { NetlinkListenTransport } from '../iproute/ioam.ts';
import { parseNlmsgerr } from '../netlink/errors.ts';
import { NlMsgBuilder } from '../netlink/message.ts';
import { ECONNREFUSED, EINVAL, ENOENT } from '../uapi/errno.ts';
import { NETLINK_ADD_MEMBERSHIP, NLM_F_REQUEST, NLMSG_ERROR, SOL_NETLINK } from '../uapi/netlink.ts';
import { u16le } from '../wire/bytes.ts';
import { FrameDecoder, encodeFrame } from './framing.ts';
import {
  DEFAULT_SOCKET_PATH,
  MAX_FRAME,
  SOCKET_ENV,
  V6STACK_MSG_OPEN,
  V6STACK_MSG_SETSOCKOPT,
  V6STACK_OPEN_ATTR_NETNS,
  V6STACK_OPEN_ATTR_PROTOCOL,
  V6STACK_SOCKOPT_ATTR_LEVEL,
  V6STACK_SOCKOPT_ATTR_NAME,
  V6STACK_SOCKOPT_ATTR_VALUE,
} from './protocol.ts';

/** Relayed multicast datagrams a client holds before it stops reading from the daemon. */
const MAX_UNREAD = 64;

/** The control socket: `--socket PATH`, else $V6STACK_SOCKET, else the default. */
export function socketPath(env: Readonly<Record<string, string | undefined>>, option?: string): string {
  if (option !== undefined && option !== '') return option;
  const e = env[SOCKET_ENV];
  return e !== undefined && e !== '' ? e : DEFAULT_SOCKET_PATH;
}

/** The OPEN message for `protocol` in `netns` (undefined: the daemon's initial namespace). */
export function openMessage(protocol: number, netns: string | undefined): Uint8Array {
  const b = new NlMsgBuilder();
  b.beginMessage(V6STACK_MSG_OPEN, NLM_F_REQUEST, 0, 0);
  b.putU32(V6STACK_OPEN_ATTR_PROTOCOL, protocol);
  if (netns !== undefined) b.putString(V6STACK_OPEN_ATTR_NETNS, netns);
  b.finish();
  return b.toBytes();
}

/** The SETSOCKOPT message for `setsockopt(level, name, value)` on the connection's socket. */
export function setsockoptMessage(level: number, name: number, value: number): Uint8Array {
  const b = new NlMsgBuilder();
  b.beginMessage(V6STACK_MSG_SETSOCKOPT, NLM_F_REQUEST, 0, 0);
  b.putU32(V6STACK_SOCKOPT_ATTR_LEVEL, level);
  b.putU32(V6STACK_SOCKOPT_ATTR_NAME, name);
  b.putU32(V6STACK_SOCKOPT_ATTR_VALUE, value);
  b.finish();
  return b.toBytes();
}

/** The errno of the NLMSG_ERROR ack in `datagrams` (0: success), or EINVAL without one. */
function ackErrno(datagrams: readonly Uint8Array[]): number {
  const d = datagrams[0];
  if (d === undefined || d.length < 20 || u16le(d, 4) !== NLMSG_ERROR) return EINVAL;
  const e = parseNlmsgerr(d, 0);
  return e.ok ? -e.value.error : EINVAL;
}

const errnoByCode: Readonly<Record<string, number>> = { ENOENT, ECONNREFUSED };

/**
 * One connection. Requests are sent one after another; each resolves with the datagrams the
 * daemon relayed, up to its end-of-replies frame. A connection that ends early resolves what
 * came (the caller reports EOF on netlink, as libnetlink would).
 */
export class DaemonTransport implements NetlinkListenTransport {
  readonly protocol: number;
  readonly #socket: Socket;
  readonly #decoder = new FrameDecoder(MAX_FRAME);
  /** Datagrams of the exchange in progress. */
  #got: Uint8Array[] = [];
  #waiting: ((datagrams: Uint8Array[]) => void) | undefined;
  #chain: Promise<unknown>;
  #ended = false;
  /** Positive errno of a failed connect or OPEN; 0 once open. */
  #openErr: number | undefined;
  readonly #opened: Promise<number>;
  /** Relayed multicast datagrams not yet received, and a receive() waiting for one. */
  readonly #unread: Uint8Array[] = [];
  #receiver: ((d: Uint8Array | undefined) => void) | undefined;

  private constructor(path: string, protocol: number, netns: string | undefined) {
    this.protocol = protocol;
    this.#socket = createConnection(path);
    this.#opened = new Promise<number>((resolve) => {
      this.#socket.once('connect', () => {
        this.#socket.write(encodeFrame(openMessage(protocol, netns)));
        this.#waiting = (ds) => {
          const d = ds[0];
          let err = ECONNREFUSED;
          if (d !== undefined && d.length >= 20 && u16le(d, 4) === NLMSG_ERROR) {
            const e = parseNlmsgerr(d, 0);
            if (e.ok) err = -e.value.error;
          }
          this.#openErr = err;
          resolve(err);
        };
      });
      this.#socket.on('error', (e: NodeJS.ErrnoException) => {
        this.#openErr ??= errnoByCode[e.code ?? ''] ?? ECONNREFUSED;
        this.#finish();
        resolve(this.#openErr);
      });
    });
    this.#socket.on('data', (chunk: Buffer) => this.#onData(chunk));
    this.#socket.on('close', () => this.#finish());
    this.#chain = this.#opened;
  }

  /** Connects and opens; the transport, or the errno (ENOENT / ECONNREFUSED: no daemon). */
  static async open(path: string, protocol: number, netns?: string): Promise<DaemonTransport | { readonly errno: number }> {
    const t = new DaemonTransport(path, protocol, netns);
    const err = await t.#opened;
    if (err !== 0) {
      t.close();
      return { errno: err };
    }
    return t;
  }

  /** A transport whose connection is being set up (for synchronous openers such as IpHost). */
  static lazy(path: string, protocol: number, netns?: string): DaemonTransport {
    return new DaemonTransport(path, protocol, netns);
  }

  #onData(chunk: Buffer): void {
    for (const f of this.#decoder.push(chunk)) {
      const w = this.#waiting;
      if (this.#openErr === undefined) {
        // The OPEN ack, the first frame.
        this.#waiting = undefined;
        w?.([f]);
      } else if (w === undefined) {
        // Between exchanges: a relayed multicast datagram.
        if (f.length > 0) this.#deliver(f);
      } else if (f.length > 0) {
        this.#got.push(f);
      } else {
        // The end of a request's replies.
        this.#waiting = undefined;
        const got = this.#got;
        this.#got = [];
        w(got);
      }
    }
    if (this.#decoder.error !== undefined) this.#socket.destroy();
  }

  #deliver(datagram: Uint8Array): void {
    const r = this.#receiver;
    if (r !== undefined) {
      this.#receiver = undefined;
      r(datagram);
      return;
    }
    this.#unread.push(datagram);
    // Push back on the daemon; its netlink socket queues (and drops) what comes meanwhile.
    if (this.#unread.length >= MAX_UNREAD) this.#socket.pause();
  }

  #finish(): void {
    this.#ended = true;
    const w = this.#waiting;
    this.#waiting = undefined;
    const got = this.#got;
    this.#got = [];
    w?.(got);
    const r = this.#receiver;
    this.#receiver = undefined;
    r?.(undefined);
  }

  /** setsockopt(SOL_NETLINK, NETLINK_ADD_MEMBERSHIP, group) on the daemon's socket: 0 or a negative errno. */
  async addMembership(group: number): Promise<number> {
    const replies = await this.request(setsockoptMessage(SOL_NETLINK, NETLINK_ADD_MEMBERSHIP, group));
    return -ackErrno(replies);
  }

  /** The next relayed multicast datagram; undefined once the connection has ended. */
  receive(): Promise<Uint8Array | undefined> {
    const d = this.#unread.shift();
    if (d !== undefined) {
      if (this.#unread.length < MAX_UNREAD >> 1 && this.#socket.isPaused()) this.#socket.resume();
      return Promise.resolve(d);
    }
    if (this.#ended) return Promise.resolve(undefined);
    return new Promise((resolve) => {
      this.#receiver = resolve;
    });
  }

  request(msg: Uint8Array): Promise<Uint8Array[]> {
    const copy = msg.slice();
    const next = this.#chain.then(
      () =>
        new Promise<Uint8Array[]>((resolve) => {
          if (this.#ended || this.#openErr !== 0) {
            resolve([]);
            return;
          }
          this.#waiting = resolve;
          this.#socket.write(encodeFrame(copy));
        }),
    );
    this.#chain = next;
    return next;
  }

  close(): void {
    this.#ended = true;
    this.#socket.destroy();
  }
}
