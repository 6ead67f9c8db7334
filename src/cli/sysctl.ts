/**
 * `v6stack sysctl`: procps-ng 4.0 `sysctl` over the daemon's namespaces (their net.ipv6.*
 * tables; `--netns NAME` picks a namespace, as `ip netns exec NAME sysctl` would). Output and
 * error lines are procps's: `net.ipv6.ioam6_id = 16777215`,
 * `sysctl: cannot stat /proc/sys/net/ipv6/nope: No such file or directory`,
 * `sysctl: setting key "net.ipv6.ioam6_id": Invalid argument`,
 * `sysctl: permission denied on key "net.ipv6.ioam6_id"`. Every argument is handled, errors
 * are printed and the exit status is 1 when any failed.
 *
 * Options (procps's): -a/-A/-X all, -n values only, -N names only, -q quiet writes, -e ignore
 * unknown keys, -w write (an argument with '=' writes anyway). v6stack adds --netns NAME and
 * a leading --socket PATH.
 */

import { socketPath } from '../daemon/client.ts';
import type { V6stackControl } from '../daemon/control.ts';
import type { NetlinkOpener } from '../daemon/opener.ts';
import { socketOpener } from '../daemon/opener.ts';
import { sysctlPath } from '../net/sysctl.ts';
import { EACCES, ENOENT, EPERM, strerror } from '../uapi/errno.ts';
import { connectControl, takeSocketOption } from './ip.ts';
import type { Command } from './main.ts';
import type { Io } from './output.ts';

export const SYSCTL_USAGE =
  '\nUsage:\n' +
  ' sysctl [options] [variable[=value] ...]\n' +
  '\n' +
  'Options:\n' +
  '  -a, --all            display all variables\n' +
  '  -A                   alias of -a\n' +
  '  -X                   alias of -a\n' +
  '  -e, --ignore         ignore unknown variables errors\n' +
  '  -N, --names          print variable names without values\n' +
  '  -n, --values         print only values of the given variable(s)\n' +
  '  -q, --quiet          do not echo variable set\n' +
  '  -w, --write          enable writing a value to variable\n' +
  '      --netns NAME     the daemon namespace to read and write (v6stack)\n' +
  '  -h, --help           display this help and exit\n';

/** The dotted form procps prints for a key (slash path with '.' and '/' swapped). */
export function dottedName(name: string): string {
  let out = '';
  for (const ch of sysctlPath(name)) out += ch === '/' ? '.' : ch === '.' ? '/' : ch;
  return out;
}

interface SysctlFlags {
  all: boolean;
  values: boolean;
  names: boolean;
  quiet: boolean;
  ignore: boolean;
  write: boolean;
  netns: string | undefined;
}

function print(io: Io, f: SysctlFlags, name: string, value: string): void {
  if (f.names) io.out.write(`${name}\n`);
  else if (f.values) io.out.write(`${value}\n`);
  else io.out.write(`${name} = ${value}\n`);
}

/** ReadSetting; 0 or 1. */
async function readSetting(ctl: V6stackControl, io: Io, f: SysctlFlags, arg: string): Promise<number> {
  const name = arg.trim();
  const path = sysctlPath(name);
  if (name === '') {
    io.err.write('sysctl: Path is not under /proc/sys/: /proc/sys/\n');
    return 1;
  }
  const r = await ctl.sysctlGet(name);
  if (!r.ok) {
    if (r.errno === ENOENT) {
      if (f.ignore) return 0;
      io.err.write(`sysctl: cannot stat /proc/sys/${path}: ${strerror(ENOENT)}\n`);
    } else if (r.errno === EPERM || r.errno === EACCES) io.err.write(`sysctl: permission denied on key "${dottedName(name)}"\n`);
    else io.err.write(`sysctl: reading key "${dottedName(name)}": ${strerror(r.errno)}\n`);
    return 1;
  }
  print(io, f, dottedName(name), r.value);
  return 0;
}

/** WriteSetting; 0 or 1. */
async function writeSetting(ctl: V6stackControl, io: Io, f: SysctlFlags, arg: string): Promise<number> {
  const eq = arg.indexOf('=');
  if (eq === -1) {
    io.err.write('sysctl: command line(0): invalid syntax, continuing...\n');
    return 1;
  }
  const name = arg.slice(0, eq).trim();
  const value = arg.slice(eq + 1).trimStart();
  if (name === '') {
    io.err.write('sysctl: Path is not under /proc/sys/: /proc/sys/\n');
    return 1;
  }
  const shown = dottedName(name);
  const errno = await ctl.sysctlSet(name, value);
  if (errno === 0) {
    if (!f.quiet) print(io, f, shown, value);
    return 0;
  }
  if (errno === ENOENT) {
    if (f.ignore) return 0;
    io.err.write(`sysctl: cannot stat /proc/sys/${sysctlPath(name)}: ${strerror(ENOENT)}\n`);
  } else if (errno === EPERM || errno === EACCES) io.err.write(`sysctl: permission denied on key "${shown}"\n`);
  else io.err.write(`sysctl: setting key "${shown}": ${strerror(errno)}\n`);
  return 1;
}

/** `sysctl ARGV` with transports from `opener`; the exit status. */
export async function runSysctlWith(argv: readonly string[], io: Io, opener: NetlinkOpener): Promise<number> {
  const f: SysctlFlags = { all: false, values: false, names: false, quiet: false, ignore: false, write: false, netns: undefined };
  const args: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i] ?? '';
    if (a === '--netns') {
      const v = argv[++i];
      if (v === undefined) {
        io.err.write("sysctl: option '--netns' requires an argument\n" + SYSCTL_USAGE);
        return 1;
      }
      f.netns = v;
    } else if (a.startsWith('--netns=')) f.netns = a.slice('--netns='.length);
    else if (a === '--all') f.all = true;
    else if (a === '--values') f.values = true;
    else if (a === '--names') f.names = true;
    else if (a === '--quiet') f.quiet = true;
    else if (a === '--ignore') f.ignore = true;
    else if (a === '--write') f.write = true;
    else if (a === '--help') {
      io.out.write(SYSCTL_USAGE);
      return 0;
    } else if (a.startsWith('-') && a.length > 1 && !a.startsWith('--')) {
      for (const ch of a.slice(1)) {
        if (ch === 'a' || ch === 'A' || ch === 'X') f.all = true;
        else if (ch === 'n') f.values = true;
        else if (ch === 'N') f.names = true;
        else if (ch === 'q') f.quiet = true;
        else if (ch === 'e') f.ignore = true;
        else if (ch === 'w') f.write = true;
        else if (ch === 'h') {
          io.out.write(SYSCTL_USAGE);
          return 0;
        } else {
          io.err.write(`sysctl: invalid option -- '${ch}'\n${SYSCTL_USAGE}`);
          return 1;
        }
      }
    } else args.push(a);
  }
  if (!f.all && args.length === 0) {
    io.err.write(SYSCTL_USAGE);
    return 1;
  }
  const ctl = await connectControl(opener, io, f.netns);
  if (ctl === undefined) return 1;
  try {
    if (f.all) {
      const r = await ctl.sysctlList();
      if (!r.ok) {
        io.err.write(`sysctl: reading keys: ${strerror(r.errno)}\n`);
        return 1;
      }
      for (const e of r.value) if (e.value !== undefined) print(io, f, dottedName(e.path), e.value);
      return 0;
    }
    let failed = 0;
    for (const a of args) {
      failed |= f.write || a.includes('=') ? await writeSetting(ctl, io, f, a) : await readSetting(ctl, io, f, a);
    }
    return failed;
  } finally {
    ctl.transport.close();
  }
}

export const sysctlCommand: Command = {
  name: 'sysctl',
  summary: "procps sysctl against the daemon's namespaces (net.ipv6.*)",
  async run(argv, io) {
    const s = takeSocketOption(argv);
    if ('error' in s) {
      io.err.write(`v6stack sysctl: ${s.error}\n`);
      return 2;
    }
    return runSysctlWith(s.rest, io, socketOpener(socketPath(io.env, s.socket)));
  },
};
