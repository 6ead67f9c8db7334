/**
 * The client side of the control socket: a `NetlinkTransport` to one protocol of one namespace
 * of a running daemon, and the socket path every command uses.
 */

import { createConnection } from 'node:net';
import type { Socket } from 'node:net';
import type { NetlinkTransport } from '../iproute/ip.ts';
import { parseNlmsgerr } from '../netlink/errors.ts';
import { NlMsgBuilder } from '../netlink/message.ts';
import { ECONNREFUSED, ENOENT } from '../uapi/errno.ts';
import { NLM_F_REQUEST, NLMSG_ERROR } from '../uapi/netlink.ts';
import { u16le } from '../wire/bytes.ts';
import { FrameDecoder, encodeFrame } from './framing.ts';
import { DEFAULT_SOCKET_PATH, MAX_FRAME, SOCKET_ENV, V6STACK_MSG_OPEN, V6STACK_OPEN_ATTR_NETNS, V6STACK_OPEN_ATTR_PROTOCOL } from './protocol.ts';

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

const errnoByCode: Readonly<Record<string, number>> = { ENOENT, ECONNREFUSED };

/**
 * One connection. Requests are sent one after another; each resolves with the datagrams the
 * daemon relayed, up to its end-of-replies frame. A connection that ends early resolves what
 * came (the caller reports EOF on netlink, as libnetlink would).
 */
export class DaemonTransport implements NetlinkTransport {
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
      if (f.length > 0 && this.#waiting !== undefined && this.#openErr !== undefined) {
        this.#got.push(f);
        continue;
      }
      // The OPEN ack (the first frame), or the end of a request's replies (an empty frame).
      const w = this.#waiting;
      const got = f.length > 0 ? [f] : this.#got;
      this.#waiting = undefined;
      this.#got = [];
      w?.(got);
    }
    if (this.#decoder.error !== undefined) this.#socket.destroy();
  }

  #finish(): void {
    this.#ended = true;
    const w = this.#waiting;
    this.#waiting = undefined;
    const got = this.#got;
    this.#got = [];
    w?.(got);
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
