/**
 * `v6stack ip ...`: iproute2's `ip` (iproute2/ip.ts) against the daemon. Every netlink socket
 * `ip` opens is a connection to the control socket (the namespace of `ip -n NAME` chosen
 * when it is opened); namespaces are those the daemon hosts. Without a daemon the command says
 * how to start one and exits 1.
 *
 * `--socket PATH` (or `--socket=PATH`) may come first, before ip's own options.
 */

import { readFileSync } from 'node:fs';
import type { IpHost, NetlinkTransport } from '../iproute/ip.ts';
import { runIp } from '../iproute/ip.ts';
import { V6stackControl } from '../daemon/control.ts';
import { socketPath } from '../daemon/client.ts';
import type { NetlinkOpener } from '../daemon/opener.ts';
import { socketOpener } from '../daemon/opener.ts';
import { ENOENT, strerror } from '../uapi/errno.ts';
import { NETLINK_GENERIC, NETLINK_ROUTE } from '../uapi/netlink.ts';
import { ipObjectHandlers } from './ip-objects.ts';
import type { Command } from './main.ts';
import type { Io } from './output.ts';
import { memoryIo } from './output.ts';

/** Takes a leading `--socket PATH` / `--socket=PATH` off argv. */
export function takeSocketOption(argv: readonly string[]): { socket: string | undefined; rest: string[] } | { error: string } {
  const first = argv[0];
  if (first === '--socket') {
    const path = argv[1];
    if (path === undefined) return { error: "option '--socket' needs a value (PATH)" };
    return { socket: path, rest: argv.slice(2) };
  }
  if (first?.startsWith('--socket=') === true) return { socket: first.slice('--socket='.length), rest: argv.slice(1) };
  return { socket: undefined, rest: [...argv] };
}

/** The message for a client that found no daemon. */
export function noDaemonMessage(path: string, errno: number): string {
  return (
    `v6stack: cannot reach the v6stack daemon at ${path}: ${strerror(errno)}\n` +
    `Start one with 'v6stack daemon' (as root), or point to a running one with --socket PATH or V6STACK_SOCKET=PATH.\n`
  );
}

/**
 * The daemon's V6STACK family on a generic transport in the initial namespace, or undefined
 * after printing why (no daemon: the how-to-start message).
 */
export async function connectControl(opener: NetlinkOpener, io: Io, netns?: string): Promise<V6stackControl | undefined> {
  let t = await opener.open(NETLINK_GENERIC, undefined);
  if ('errno' in t) {
    io.err.write(noDaemonMessage(opener.where, t.errno));
    return undefined;
  }
  if (netns !== undefined) {
    // The daemon is there; now the namespace (ENOENT from OPEN means it has none of that name).
    t.close();
    t = await opener.open(NETLINK_GENERIC, netns);
    if ('errno' in t) {
      io.err.write(`Cannot open network namespace "${netns}": ${strerror(t.errno)}\n`);
      return undefined;
    }
  }
  const c = await V6stackControl.resolve(t);
  if (!c.ok) {
    t.close();
    io.err.write(`v6stack: ${opener.where} does not speak the v6stack protocol: ${strerror(c.errno)}\n`);
    return undefined;
  }
  return c.value;
}

/** `ip ARGV` with transports from `opener`; the exit status. */
export async function runIpWith(argv: readonly string[], io: Io, opener: NetlinkOpener): Promise<number> {
  // `ip help`, `ip link help`, ...: usage needs no daemon, so print it even when none runs.
  const wantsHelp = argv.includes('help');
  const ctl = await connectControl(opener, wantsHelp ? memoryIo() : io);
  if (ctl === undefined) {
    if (!wantsHelp) return 1;
    return runIp(argv, offlineHost(io));
  }
  const list = await ctl.netnsList();
  ctl.transport.close();
  const ids = new Map(list.ok ? list.value.map((n) => [n.name, n.id] as const) : []);
  const host: IpHost = {
    out: io.out,
    err: io.err,
    // `ip link set dev X netns NAME` names the target by the daemon's namespace id.
    objects: ipObjectHandlers((name) => ids.get(name)),
    enterNetns: (name) => (ids.has(name) ? 0 : ENOENT),
    openNetlink: (protocol, netns) => opener.openNow(protocol, netns),
    readBatchFile: (name) => {
      try {
        return readFileSync(name === '-' ? 0 : name, 'utf8');
      } catch (e) {
        const code = (e as NodeJS.ErrnoException).errno;
        return { errno: typeof code === 'number' ? -code : ENOENT };
      }
    },
  };
  return runIp(argv, host);
}

/** A host for usage output only: any netlink request fails (there is no daemon to ask). */
function offlineHost(io: Io): IpHost {
  const offline: NetlinkTransport = {
    protocol: NETLINK_ROUTE,
    request: () => Promise.reject(new Error('no v6stack daemon is running')),
    close: () => {},
  };
  return { out: io.out, err: io.err, objects: ipObjectHandlers(), enterNetns: () => ENOENT, openNetlink: () => offline };
}

export const ipCommand: Command = {
  name: 'ip',
  summary: "iproute2's ip against the running daemon (ip netns, ip link, ip address, ip route, ...)",
  async run(argv, io) {
    const s = takeSocketOption(argv);
    if ('error' in s) {
      io.err.write(`v6stack ip: ${s.error}\n`);
      return 2;
    }
    return runIpWith(s.rest, io, socketOpener(socketPath(io.env, s.socket)));
  },
};
