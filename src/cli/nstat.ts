/**
 * `v6stack nstat`: iproute2's nstat over a daemon namespace's IPv6 counters (the ones
 * /proc/net/snmp6 shows). Lines are nstat's `%-32s%-16llu%6.1f` after a `#kernel` line.
 * nstat keeps a history file and prints increments since the last run; v6stack keeps none, so
 * every run prints what a first run prints, the absolute values (as -a does), with rates 0.0.
 *
 * Options: -a (ignore history: the only mode), -z (zero counters too), -s (do not update the
 * history: nothing to update), -h; v6stack adds --netns NAME and a leading --socket PATH.
 */

import { socketPath } from '../daemon/client.ts';
import type { NetlinkOpener } from '../daemon/opener.ts';
import { socketOpener } from '../daemon/opener.ts';
import { strerror } from '../uapi/errno.ts';
import { connectControl, takeSocketOption } from './ip.ts';
import type { Command } from './main.ts';
import type { Io } from './output.ts';

export const NSTAT_USAGE =
  'Usage: nstat [OPTION] [ PATTERN [ PATTERN ] ]\n' +
  '   -h, --help          this message\n' +
  '   -a, --ignore        ignore history\n' +
  '   -s, --noupdate      don\'t update history\n' +
  '   -z, --zeros         show entries with zero activity\n' +
  '       --netns NAME    the daemon namespace to read (v6stack)\n';

/** dump_kern_db's lines for `counters` (zero ones only with `zeros`). */
export function formatNstatLines(counters: readonly (readonly [string, bigint])[], zeros: boolean): string {
  let s = '#kernel\n';
  for (const [name, v] of counters) {
    if (v === 0n && !zeros) continue;
    s += `${name.padEnd(32)}${String(v).padEnd(16)}${'0.0'.padStart(6)}\n`;
  }
  return s;
}

export async function runNstatWith(argv: readonly string[], io: Io, opener: NetlinkOpener): Promise<number> {
  let zeros = false;
  let netns: string | undefined;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i] ?? '';
    if (a === '--netns') {
      netns = argv[++i];
      if (netns === undefined) {
        io.err.write(NSTAT_USAGE);
        return -1 & 0xff;
      }
    } else if (a === '-z' || a === '--zeros') zeros = true;
    else if (a === '-a' || a === '--ignore' || a === '-s' || a === '--noupdate') {
      // No history is kept: every run reports absolute values and updates nothing.
    } else if (a === '-h' || a === '--help') {
      io.err.write(NSTAT_USAGE);
      return -1 & 0xff;
    } else if (/^-[azs]+$/.test(a)) {
      if (a.includes('z')) zeros = true;
    } else {
      io.err.write(`v6stack nstat: '${a}' is not supported by v6stack (counter patterns, history and other options)\n${NSTAT_USAGE}`);
      return -1 & 0xff;
    }
  }
  const ctl = await connectControl(opener, io, netns);
  if (ctl === undefined) return 1;
  try {
    const r = await ctl.mib();
    if (!r.ok) {
      io.err.write(`nstat: cannot read the counters: ${strerror(r.errno)}\n`);
      return 1;
    }
    io.out.write(formatNstatLines(r.value, zeros));
    return 0;
  } finally {
    ctl.transport.close();
  }
}

export const nstatCommand: Command = {
  name: 'nstat',
  summary: "iproute2's nstat: a daemon namespace's IPv6 counters (Ip6*, Icmp6*, Udp6*)",
  async run(argv, io) {
    const s = takeSocketOption(argv);
    if ('error' in s) {
      io.err.write(`v6stack nstat: ${s.error}\n`);
      return 2;
    }
    return runNstatWith(s.rest, io, socketOpener(socketPath(io.env, s.socket)));
  },
};
