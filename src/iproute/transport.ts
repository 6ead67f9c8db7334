/**
 * NetlinkTransport over an in-process NetlinkSocket: what `v6stack ip` uses inside the daemon,
 * the simulator's node scripts and tests. A request is processed synchronously by the socket;
 * replies (and lazily continued dump batches) are then read until the queue is empty.
 */

import type { Credentials } from '../net/credentials.ts';
import type { Net } from '../net/net.ts';
import { NetlinkSocket } from '../netlink/socket.ts';
import type { NetlinkTable } from '../netlink/socket.ts';
import { EAGAIN } from '../uapi/errno.ts';
import { NETLINK_CAP_ACK, NETLINK_EXT_ACK, NETLINK_GET_STRICT_CHK, NETLINK_ROUTE, SOL_NETLINK } from '../uapi/netlink.ts';
import type { NetlinkTransport } from './ip.ts';

export class InProcessTransport implements NetlinkTransport {
  readonly protocol: number;
  readonly #sock: NetlinkSocket;

  private constructor(sock: NetlinkSocket, protocol: number) {
    this.#sock = sock;
    this.protocol = protocol;
  }

  /**
   * Opens a socket as iproute2's ip does (extended acks on; strict dump checking on the route
   * socket, rtnl_set_strict_dump), or returns the errno.
   */
  static open(table: NetlinkTable, net: Net, protocol: number, cred: Credentials): InProcessTransport | { readonly errno: number } {
    const sock = NetlinkSocket.open(table, net, protocol, cred);
    if (typeof sock === 'number') return { errno: -sock };
    sock.setsockopt(SOL_NETLINK, NETLINK_EXT_ACK, 1);
    sock.setsockopt(SOL_NETLINK, NETLINK_CAP_ACK, 0);
    if (protocol === NETLINK_ROUTE) sock.setsockopt(SOL_NETLINK, NETLINK_GET_STRICT_CHK, 1);
    return new InProcessTransport(sock, protocol);
  }

  get socket(): NetlinkSocket {
    return this.#sock;
  }

  request(msg: Uint8Array): Promise<Uint8Array[]> {
    const sent = this.#sock.sendmsg(msg);
    if (sent < 0) return Promise.reject(new Error(`netlink sendmsg failed: errno ${-sent}`));
    const replies: Uint8Array[] = [];
    for (;;) {
      const r = this.#sock.recvmsg();
      if (typeof r === 'number') {
        if (r === -EAGAIN) break;
        continue; // -ENOBUFS is reported once; keep reading what is queued
      }
      replies.push(r);
    }
    return Promise.resolve(replies);
  }

  close(): void {
    this.#sock.close();
  }
}
