/**
 * The daemon's control socket: a Unix stream socket (mode 0666, so anyone may connect) whose
 * connections are `Session`s on one Kernel. A connection's credentials come from the kernel
 * (SO_PEERCRED), never from what the client says: uid 0, or a member of one of `adminGroups`,
 * gets every capability; anyone else gets none, so the bus answers EPERM where Linux does.
 */

import { chmodSync, existsSync, lstatSync, mkdirSync, readFileSync, unlinkSync } from 'node:fs';
import { createConnection, createServer } from 'node:net';
import type { Server, Socket } from 'node:net';
import { dirname } from 'node:path';
import type { PeerCredentials } from '../io/peercred.ts';
import { peerCredentials, peerCredentialsUnavailable } from '../io/peercred.ts';
import type { Kernel } from '../kernel.ts';
import { CAP_FULL_SET, unprivilegedCredentials } from '../net/credentials.ts';
import type { Credentials } from '../net/credentials.ts';
import type { GenlRegisteredFamily } from '../netlink/genetlink.ts';
import { registerV6stackFamily } from './family.ts';
import { V6STACK_GENL_NAME } from './protocol.ts';
import { Session } from './session.ts';

export interface DaemonServerOptions {
  readonly kernel: Kernel;
  readonly path: string;
  /** Group ids whose members get CAP_NET_ADMIN (the config's `admin-group`). */
  readonly adminGroups?: readonly number[];
  /** Frames a session lets wait before it stops reading (default 64). */
  readonly maxPending?: number;
  /** Where a session's internal error is reported (default: standard error). */
  readonly onError?: (message: string) => void;
  /** Where peer credentials come from (default SO_PEERCRED); tests substitute it. */
  readonly peerCredentials?: (socket: Socket) => PeerCredentials | undefined;
}

/** The supplementary groups of `pid` (/proc/PID/status "Groups:"), empty when unreadable. */
function supplementaryGroups(pid: number): number[] {
  try {
    const line = /^Groups:(.*)$/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return (line?.[1] ?? '').trim().split(/\s+/).filter((w) => w !== '').map(Number);
  } catch {
    return [];
  }
}

/** Whether something answers on `path` (a running daemon) rather than a stale socket file. */
function answers(path: string): Promise<boolean> {
  return new Promise((resolve) => {
    const c = createConnection(path);
    c.once('connect', () => {
      c.destroy();
      resolve(true);
    });
    c.once('error', () => resolve(false));
  });
}

export class DaemonServer {
  readonly kernel: Kernel;
  readonly path: string;
  readonly family: GenlRegisteredFamily;
  readonly sessions = new Set<Session>();
  readonly #server: Server;
  readonly #opts: DaemonServerOptions;
  #closing: Promise<void> | undefined;

  private constructor(opts: DaemonServerOptions, family: GenlRegisteredFamily, server: Server) {
    this.kernel = opts.kernel;
    this.path = opts.path;
    this.family = family;
    this.#opts = opts;
    this.#server = server;
    server.on('connection', (s: Socket) => this.#accept(s));
  }

  /**
   * Registers the V6STACK family on the kernel's bus (unless it is there) and listens on `path` (creating its
   * directory). A stale socket (nobody accepting) is replaced; a live daemon on the path, or a
   * file that is not a socket, is an error.
   */
  static async listen(opts: DaemonServerOptions): Promise<DaemonServer> {
    const path = opts.path;
    if (opts.peerCredentials === undefined) {
      // Without SO_PEERCRED nobody could be told apart: refuse to start rather than guess.
      const why = peerCredentialsUnavailable();
      if (why !== undefined) throw new Error(why);
    }
    if (existsSync(path)) {
      // Only a socket is ever removed: `--socket /etc/passwd` must not delete the file.
      if (!lstatSync(path).isSocket()) throw new Error(`${path} exists and is not a socket`);
      if (await answers(path)) throw new Error(`a daemon is already running on ${path}`);
      unlinkSync(path);
    }
    mkdirSync(dirname(path), { recursive: true, mode: 0o755 });
    // The family may already be there: `daemon --config` uses it before the socket opens.
    const family = opts.kernel.genl.findByName(V6STACK_GENL_NAME) ?? registerV6stackFamily(opts.kernel.world, opts.kernel.genl);
    if (typeof family === 'number') throw new Error(`cannot register the V6STACK family (errno ${-family})`);
    const server = createServer({ pauseOnConnect: false });
    try {
      await new Promise<void>((resolve, reject) => {
        server.once('error', reject);
        server.listen(path, () => {
          server.off('error', reject);
          resolve();
        });
      });
    } catch (e) {
      opts.kernel.genl.unregisterFamily(family);
      throw e;
    }
    chmodSync(path, 0o666);
    return new DaemonServer(opts, family, server);
  }

  /** The credentials a peer gets. */
  credentialsOf(peer: PeerCredentials): Credentials {
    const userNs = this.kernel.world.initUserNs;
    const admin = this.#opts.adminGroups ?? [];
    const privileged =
      peer.uid === 0 || (admin.length > 0 && (admin.includes(peer.gid) || supplementaryGroups(peer.pid).some((g) => admin.includes(g))));
    return privileged
      ? { pid: peer.pid, uid: peer.uid, gid: peer.gid, capEffective: CAP_FULL_SET, userNs }
      : unprivilegedCredentials(userNs, peer.uid, peer.gid, peer.pid);
  }

  #accept(socket: Socket): void {
    if (this.#closing !== undefined) {
      socket.destroy();
      return;
    }
    const peer = (this.#opts.peerCredentials ?? peerCredentials)(socket);
    if (peer === undefined) {
      socket.destroy();
      return;
    }
    const session = new Session(socket, {
      table: this.kernel.netlink,
      world: this.kernel.world,
      cred: this.credentialsOf(peer),
      maxPending: this.#opts.maxPending ?? 64,
      onClose: (s) => this.sessions.delete(s),
      onError: (s, e) => {
        const text = `v6stack daemon: closing the connection of pid ${s.cred.pid}: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`;
        if (this.#opts.onError !== undefined) this.#opts.onError(text);
        else process.stderr.write(text);
      },
    });
    this.sessions.add(session);
  }

  /** Stops listening, ends every session, removes the socket file. Idempotent. */
  close(): Promise<void> {
    this.#closing ??= new Promise<void>((resolve) => {
      this.#server.close(() => resolve());
      for (const s of [...this.sessions]) s.destroy();
      try {
        unlinkSync(this.path);
      } catch {
        // Already gone (removed by hand): nothing to clean.
      }
      this.kernel.genl.unregisterFamily(this.family);
    });
    return this.#closing;
  }
}
