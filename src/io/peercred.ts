/**
 * The credentials of the process at the other end of a connected Unix socket, from the kernel
 * (getsockopt SOL_SOCKET/SO_PEERCRED, struct ucred), through koffi. A client cannot forge
 * them: they are the ones it had when it called connect().
 *
 * Node does not expose the descriptor of a net.Socket; on Linux the libuv stream handle keeps
 * it in `socket._handle.fd` (an internal, stable across Node 12-22), which `socketFd` reads.
 */

import type { Socket } from 'node:net';
import koffi from 'koffi';

// asm-generic/socket.h: SOL_SOCKET and SO_PEERCRED on every Linux architecture Node runs on.
const SOL_SOCKET = 1;
const SO_PEERCRED = 17;
/** sizeof(struct ucred): pid_t pid, uid_t uid, gid_t gid. */
const UCRED_SIZE = 12;

export interface PeerCredentials {
  readonly pid: number;
  readonly uid: number;
  readonly gid: number;
}

type GetSockOpt = (fd: number, level: number, name: number, val: Uint8Array, len: number[]) => number;

let getsockopt: GetSockOpt | undefined;

function libcGetsockopt(): GetSockOpt {
  if (getsockopt === undefined) {
    const libc = koffi.load('libc.so.6');
    getsockopt = libc.func('int getsockopt(int, int, int, _Out_ uint8_t *, _Inout_ uint32_t *)') as GetSockOpt;
  }
  return getsockopt;
}

/** Loads getsockopt from the C library now; the reason when it cannot be (no glibc, no koffi). */
export function peerCredentialsUnavailable(): string | undefined {
  try {
    libcGetsockopt();
    return undefined;
  } catch (e) {
    return `cannot load getsockopt from libc.so.6 through koffi: ${(e as Error).message}`;
  }
}

/** The descriptor behind a connected Unix socket, or undefined when Node does not show one. */
export function socketFd(socket: Socket): number | undefined {
  const handle: unknown = Reflect.get(socket, '_handle');
  if (typeof handle !== 'object' || handle === null) return undefined;
  const fd: unknown = Reflect.get(handle, 'fd');
  return typeof fd === 'number' && fd >= 0 ? fd : undefined;
}

/** SO_PEERCRED of `socket`, or undefined when the call fails (not a Unix socket, closed). */
export function peerCredentials(socket: Socket): PeerCredentials | undefined {
  const fd = socketFd(socket);
  if (fd === undefined) return undefined;
  if (peerCredentialsUnavailable() !== undefined) return undefined;
  const buf = new Uint8Array(UCRED_SIZE);
  const len = [UCRED_SIZE];
  if (libcGetsockopt()(fd, SOL_SOCKET, SO_PEERCRED, buf, len) !== 0 || len[0] !== UCRED_SIZE) return undefined;
  const v = new DataView(buf.buffer);
  return { pid: v.getInt32(0, true), uid: v.getUint32(4, true), gid: v.getUint32(8, true) };
}
