/**
 * `v6stack daemon [--socket PATH] [--config FILE]`: the live node. It builds one Kernel on the
 * host's clock, applies the config file's lines in order (a failing line aborts the start,
 * naming its line), then serves the control socket until SIGINT or SIGTERM, when it closes
 * every connection and removes the socket. `--check FILE` validates a config without touching
 * a running daemon: the lines are applied to a scratch kernel, so every error a start would
 * meet (bad words, unknown devices, out-of-range values) is found.
 *
 * Config lines (ip -batch syntax: `#` comments, quotes, `\` continuations):
 *   ip ARGS...            as `v6stack ip ARGS...`, e.g. `ip netns add blue`, `ip -n blue link ...`
 *   sysctl ARGS...        as `v6stack sysctl ARGS...`, e.g. `sysctl -w net.ipv6.ioam6_id=1`
 *   admin-group NAME      members of group NAME get CAP_NET_ADMIN (repeatable)
 */

import { readFileSync } from 'node:fs';
import { Kernel } from '../kernel.ts';
import { getCmdLines, makeargs } from '../iproute/batch.ts';
import { IprouteExit } from '../iproute/cmdline.ts';
import { socketPath } from '../daemon/client.ts';
import { kernelOpener } from '../daemon/opener.ts';
import { registerV6stackFamily } from '../daemon/family.ts';
import { DaemonServer } from '../daemon/server.ts';
import { RealClock } from '../time/clock.ts';
import { strerror } from '../uapi/errno.ts';
import type { CommandSpec } from './args.ts';
import { formatHelp, parseCommandLine, str } from './args.ts';
import { runIpWith } from './ip.ts';
import type { Command } from './main.ts';
import type { Io } from './output.ts';
import { memoryIo } from './output.ts';
import { runSysctlWith } from './sysctl.ts';

const SPEC: CommandSpec = {
  usage: 'v6stack daemon',
  summary: 'Run the live node: host namespaces and serve `v6stack ip|sysctl|nstat` on the control socket until SIGINT/SIGTERM.',
  positionals: [],
  options: [
    { name: 'socket', kind: 'string', arg: 'PATH', help: 'control socket (default $V6STACK_SOCKET, else /run/v6stack/v6stack.sock)' },
    { name: 'config', kind: 'string', arg: 'FILE', help: 'apply the command lines of FILE at start (ip ..., sysctl ..., admin-group NAME)' },
    { name: 'check', kind: 'string', arg: 'FILE', help: 'validate a config file without starting; names the first bad line' },
  ],
  details: 'See docs/daemon.md for the protocol, the credentials rules and the config format.',
};

/** Where a config failed. */
export interface ConfigFailure {
  readonly lineno: number;
  readonly message: string;
}

/** The gid of group `name` (/etc/group), or undefined. */
export function groupId(name: string, groupFile = '/etc/group'): number | undefined {
  let text: string;
  try {
    text = readFileSync(groupFile, 'utf8');
  } catch {
    return undefined;
  }
  for (const line of text.split('\n')) {
    const [g, , gid] = line.split(':');
    if (g === name && gid !== undefined && /^\d+$/.test(gid)) return Number(gid);
  }
  return undefined;
}

/**
 * Applies a config's lines to `kernel` (which must carry the V6STACK family), in order, as
 * root. Returns the admin groups, or the first failure.
 */
export async function applyConfig(text: string, kernel: Kernel): Promise<{ ok: true; adminGroups: number[] } | { ok: false; failure: ConfigFailure }> {
  const opener = kernelOpener(kernel);
  const adminGroups: number[] = [];
  const notes = memoryIo();
  let lineno = 0;
  try {
    for (const line of getCmdLines(text, notes.err)) {
      lineno = line.lineno;
      const words = makeargs(line.text);
      const [head, ...rest] = words;
      if (head === undefined) continue;
      const fail = (message: string): { ok: false; failure: ConfigFailure } => ({ ok: false, failure: { lineno: line.lineno, message } });
      if (head === 'admin-group') {
        const name = rest[0];
        if (name === undefined || rest.length > 1) return fail('admin-group takes one group name');
        const gid = groupId(name);
        if (gid === undefined) return fail(`admin-group: no group named "${name}"`);
        adminGroups.push(gid);
        continue;
      }
      if (head !== 'ip' && head !== 'sysctl') return fail(`unknown command "${head}" (a line is ip ..., sysctl ... or admin-group NAME)`);
      const io = memoryIo();
      const status = head === 'ip' ? await runIpWith(rest, io, opener) : await runSysctlWith(rest, io, opener);
      if (status !== 0) return fail(io.err.text.trim() === '' ? `${head} failed with status ${status}` : io.err.text.trim().replace(/\n/g, '; '));
    }
  } catch (e) {
    if (!(e instanceof IprouteExit)) throw e;
    // makeargs refuses the line (an unterminated quote, too many words).
    return { ok: false, failure: { lineno, message: e.stderr.trim() } };
  }
  if (notes.err.text !== '') return { ok: false, failure: { lineno: text.split('\n').length, message: notes.err.text.trim() } };
  return { ok: true, adminGroups };
}

/** A kernel for the daemon (or a scratch one for --check), with the V6STACK family. */
export function daemonKernel(): Kernel {
  const kernel = new Kernel({ clock: new RealClock() });
  const fam = registerV6stackFamily(kernel.world, kernel.genl);
  if (typeof fam === 'number') throw new Error(`cannot register the V6STACK family (errno ${-fam})`);
  return kernel;
}

function readConfig(path: string, io: Io): string | undefined {
  try {
    return readFileSync(path, 'utf8');
  } catch (e) {
    const errno = (e as NodeJS.ErrnoException).errno;
    io.err.write(`v6stack daemon: cannot read ${path}: ${typeof errno === 'number' ? strerror(-errno) : String(e)}\n`);
    return undefined;
  }
}

/** Starts, serves until `stop` resolves (default: SIGINT or SIGTERM), stops; the exit status. */
export async function runDaemon(argv: readonly string[], io: Io, stop?: Promise<void>): Promise<number> {
  const p = parseCommandLine(SPEC, argv);
  if (!p.ok) {
    io.err.write(`${p.error}\nRun 'v6stack daemon --help' for usage.\n`);
    return 2;
  }
  if (p.value.help) {
    io.out.write(formatHelp(SPEC));
    return 0;
  }
  const check = str(p.value, 'check');
  if (check !== undefined) {
    const text = readConfig(check, io);
    if (text === undefined) return 1;
    const r = await applyConfig(text, daemonKernel());
    if (!r.ok) {
      io.err.write(`v6stack daemon: ${check}:${r.failure.lineno}: ${r.failure.message}\n`);
      return 1;
    }
    io.out.write(`${check}: OK\n`);
    return 0;
  }
  const kernel = daemonKernel();
  let adminGroups: number[] = [];
  const config = str(p.value, 'config');
  if (config !== undefined) {
    const text = readConfig(config, io);
    if (text === undefined) return 1;
    const r = await applyConfig(text, kernel);
    if (!r.ok) {
      io.err.write(`v6stack daemon: ${config}:${r.failure.lineno}: ${r.failure.message}\n`);
      return 1;
    }
    adminGroups = r.adminGroups;
  }
  const path = socketPath(io.env, str(p.value, 'socket'));
  let server: DaemonServer;
  try {
    server = await DaemonServer.listen({ kernel, path, adminGroups });
  } catch (e) {
    io.err.write(`v6stack daemon: cannot listen on ${path}: ${(e as Error).message}\n`);
    return 1;
  }
  // Handlers first: a signal right after the "listening" line must already stop us cleanly.
  const signals = new Promise<void>((resolve) => {
    const onSignal = (): void => {
      process.off('SIGINT', onSignal);
      process.off('SIGTERM', onSignal);
      resolve();
    };
    if (stop === undefined) {
      process.on('SIGINT', onSignal);
      process.on('SIGTERM', onSignal);
    }
  });
  // Timers (reassembly expiry, GC) follow the host clock.
  const tick = setInterval(() => kernel.world.runTimers(), 10);
  io.out.write(`v6stack daemon: listening on ${path}\n`);
  io.out.flush();
  await (stop ?? signals);
  clearInterval(tick);
  await server.close();
  io.out.write('v6stack daemon: stopped\n');
  return 0;
}

export const daemonCommand: Command = {
  name: 'daemon',
  summary: 'the live node: host namespaces and serve the control socket (--config, --check)',
  run: (argv, io) => runDaemon(argv, io),
};
