/**
 * `v6stack`: the command line. Dispatches to subcommands; each owns its option table and help.
 * Exit statuses: 0 success, 1 a failure doing the work (bad file, daemon down), 2 bad usage.
 */

import { readFileSync } from 'node:fs';
import type { Io } from './output.ts';
import { processIo } from './output.ts';
import { pcapCommand } from './pcap.ts';
import { startCommand } from './start.ts';
import { daemonCommand } from './daemon.ts';
import { ipCommand } from './ip.ts';
import { nstatCommand } from './nstat.ts';
import { sysctlCommand } from './sysctl.ts';
import { replayCommand } from './replay.ts';
import { simCommand } from './sim.ts';
import { ioamCommand } from './ioam.ts';

export interface Command {
  readonly name: string;
  readonly summary: string;
  run(argv: readonly string[], io: Io): Promise<number> | number;
}

const COMMANDS: readonly Command[] = [startCommand, pcapCommand, daemonCommand, ipCommand, sysctlCommand, nstatCommand, replayCommand, simCommand, ioamCommand];

function version(): string {
  const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string };
  return pkg.version;
}

function topHelp(): string {
  const rows = COMMANDS.map((c) => `  ${c.name.padEnd(10)} ${c.summary}`);
  return [
    'Usage: v6stack COMMAND [ARGS...]',
    '',
    'A userspace IPv6 networking core: Linux namespaces, netlink, IOAM, flow labels, reassembly',
    'and a gtp5g GTP-U user plane, wire-exact.',
    '',
    'Commands:',
    ...rows,
    '',
    "Run 'v6stack COMMAND --help' for a command's options. 'v6stack --version' prints the version.",
    '',
  ].join('\n');
}

export async function main(argv: readonly string[], io: Io = processIo()): Promise<number> {
  try {
    const [name, ...rest] = argv;
    if (name === undefined || name === '-h' || name === '--help' || name === 'help') {
      io.out.write(topHelp());
      return name === undefined ? 2 : 0;
    }
    if (name === '-V' || name === '--version') {
      io.out.write(`v6stack ${version()}\n`);
      return 0;
    }
    const cmd = COMMANDS.find((c) => c.name === name);
    if (cmd === undefined) {
      io.err.write(`v6stack: unknown command '${name}'; run 'v6stack --help' for the list\n`);
      return 2;
    }
    return await cmd.run(rest, io);
  } finally {
    io.out.flush();
    io.err.flush();
  }
}
