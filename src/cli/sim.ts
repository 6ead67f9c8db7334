/**
 * `v6stack sim run FILE [--seed N] [--until T] [--out DIR] [--json]`: runs a topology file
 * (docs/simulator.md) on the virtual clock and prints its report; `--out DIR` writes one pcapng
 * per captured interface there. Exit status: 0 when the run completed, 2 for bad usage or a bad
 * topology file (unreadable, invalid, or a setup line that ip/sysctl refused), 1 when a capture
 * cannot be written.
 *
 * Setup lines run through `kernelShell`: `ip` and `sysctl` exactly as `v6stack start` and the
 * daemon's --config run them, over in-process netlink transports into the simulation's Kernel
 * (with the V6STACK family for `ip netns` and sysctls). The wall clock is read here only, for
 * the progress bar (stderr, only when it is a terminal and the run has taken over a second).
 */

import { mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { isatty } from 'node:tty';
import { registerV6stackFamily } from '../daemon/family.ts';
import { kernelOpener } from '../daemon/opener.ts';
import { FdSink } from '../io/capture-file.ts';
import type { Kernel } from '../kernel.ts';
import type { ProgressCallback } from '../sim/events.ts';
import { formatReport } from '../sim/report.ts';
import type { SimReport } from '../sim/report.ts';
import { buildSimulation } from '../sim/sim.ts';
import type { SetupShell } from '../sim/sim.ts';
import { socketTrafficStack } from '../sim/sockets.ts';
import { formatTopologyError, loadTopology } from '../sim/topology.ts';
import { formatDuration, parseDuration } from '../sim/units.ts';
import { type CommandSpec, flag, formatHelp, int, parseCommandLine, str } from './args.ts';
import { runIpWith } from './ip.ts';
import type { Command } from './main.ts';
import { FdOutput, memoryIo } from './output.ts';
import type { Io, Output } from './output.ts';
import { runSysctlWith } from './sysctl.ts';

const RUN_SPEC: CommandSpec = {
  usage: 'v6stack sim run',
  summary: 'Run a topology file on the virtual clock and print what happened.',
  positionals: [{ name: 'FILE', help: 'the topology (YAML; see docs/simulator.md)' }],
  options: [
    { name: 'seed', kind: 'integer', arg: 'N', min: 0, help: "the rng seed (default: the file's seed)" },
    { name: 'until', kind: 'string', arg: 'T', help: "virtual time to run, like 2s or 500ms (default: the file's duration)" },
    { name: 'out', kind: 'string', arg: 'DIR', help: 'write one pcapng per captured interface to DIR' },
    { name: 'json', kind: 'flag', help: 'print the report as one JSON document' },
  ],
  details: 'Exit status: 0 the run completed, 1 a capture could not be written, 2 bad usage or a bad topology file.',
};

const SIM_USAGE = 'Usage: v6stack sim run FILE [--seed N] [--until T] [--out DIR] [--json]\n';

/**
 * `ip` and `sysctl` into `kernel` as root, through the same in-process netlink path as
 * `v6stack start` and the daemon's configuration files.
 */
export function kernelShell(kernel: Kernel): SetupShell {
  const fam = registerV6stackFamily(kernel.world, kernel.genl);
  if (typeof fam === 'number') throw new Error(`cannot register the V6STACK family (errno ${-fam})`);
  const opener = kernelOpener(kernel);
  return {
    async run(command, args, node) {
      const io = memoryIo();
      const status = command === 'ip' ? await runIpWith(node === undefined ? args : ['-n', node, ...args], io, opener) : await runSysctlWith(args, io, opener);
      return { status, out: io.out.text, err: io.err.text };
    },
  };
}

/**
 * A progress bar on `err` once the run has taken more than a second of wall time (`now` in ms),
 * only when `tty`; it clears itself when the run ends.
 */
export function progressBar(err: Output, tty: boolean, now: () => number): ProgressCallback | undefined {
  if (!tty) return undefined;
  const t0 = now();
  let shown = false;
  return (nowNs, endNs) => {
    const finished = endNs === undefined ? false : nowNs >= endNs;
    if (!shown && (finished || now() - t0 < 1000)) return;
    if (finished) {
      err.write('\r\x1b[K');
      err.flush();
      return;
    }
    shown = true;
    const width = 30;
    const done = endNs === undefined || endNs === 0 ? undefined : Math.min(1, nowNs / endNs);
    const bar = done === undefined ? '' : `[${'#'.repeat(Math.round(done * width)).padEnd(width, '.')}] ${Math.floor(done * 100)}% `;
    const of = endNs === undefined ? '' : ` / ${formatDuration(endNs)}`;
    err.write(`\r${bar}${formatDuration(nowNs)}${of} of virtual time\x1b[K`);
    err.flush();
  };
}

/** `sim run`; the exit status. */
export async function simRun(argv: readonly string[], io: Io): Promise<number> {
  const p = parseCommandLine(RUN_SPEC, argv);
  if (!p.ok) {
    io.err.write(`${p.error}\n${SIM_USAGE}`);
    return 2;
  }
  if (p.value.help) {
    io.out.write(formatHelp(RUN_SPEC));
    return 0;
  }
  const file = p.value.positionals[0] ?? '';
  const untilText = str(p.value, 'until');
  const untilNs = untilText === undefined ? undefined : parseDuration(untilText);
  if (untilText !== undefined && untilNs === undefined) {
    io.err.write(`v6stack sim run: option '--until' takes a duration like 2s or 500ms, not '${untilText}'\n`);
    return 2;
  }
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    io.err.write(`v6stack sim run: cannot read ${file}: ${(e as Error).message}\n`);
    return 2;
  }
  const topo = loadTopology(text, file);
  if (!topo.ok) {
    io.err.write(`${formatTopologyError(topo.error)}\n`);
    return 2;
  }
  const out = str(p.value, 'out');
  if (out !== undefined && topo.value.capture.length > 0) {
    try {
      mkdirSync(out, { recursive: true });
    } catch (e) {
      io.err.write(`v6stack sim run: cannot create ${out}: ${(e as Error).message}\n`);
      return 1;
    }
  }
  const seed = int(p.value, 'seed');
  const progress = progressBar(io.err, io.err instanceof FdOutput && isatty(2), () => performance.now());
  let built;
  try {
    built = await buildSimulation(topo.value, {
      ...(seed === undefined ? {} : { seed }),
      ...(untilNs === undefined ? {} : { untilNs }),
      ...(progress === undefined ? {} : { progress }),
      shell: kernelShell,
      traffic: socketTrafficStack,
      ...(out === undefined ? {} : { captureSink: (node: string, dev: string) => FdSink.create(join(out, `${node}-${dev}.pcapng`)) }),
    });
  } catch (e) {
    io.err.write(`v6stack sim run: cannot write a capture to ${out ?? '?'}: ${(e as Error).message}\n`);
    return 1;
  }
  if (!built.ok) {
    io.err.write(`${formatTopologyError(built.error)}\n`);
    return 2;
  }
  const report = built.value.run();
  const shown: SimReport = out === undefined ? report : { ...report, captures: report.captures.map((c) => ({ ...c, file: join(out, c.file) })) };
  if (flag(p.value, 'json')) io.out.write(`${JSON.stringify(shown, null, 2)}\n`);
  else {
    io.out.write(formatReport(shown));
    if (out === undefined && topo.value.capture.length > 0) io.out.write(`\n(${topo.value.capture.length} captures not written: add --out DIR)\n`);
  }
  return 0;
}

export const simCommand: Command = {
  name: 'sim',
  summary: 'the simulator: run a topology file on the virtual clock (sim run FILE)',
  async run(argv, io) {
    const [sub, ...rest] = argv;
    if (sub === undefined || sub === '-h' || sub === '--help' || sub === 'help') {
      io.out.write(`${SIM_USAGE}\nRun 'v6stack sim run --help' for the options.\n`);
      return sub === undefined ? 2 : 0;
    }
    if (sub !== 'run') {
      io.err.write(`v6stack sim: unknown subcommand '${sub}'\n${SIM_USAGE}`);
      return 2;
    }
    return simRun(rest, io);
  },
};
