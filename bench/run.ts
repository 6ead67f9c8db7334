/**
 * `npm run bench`: every benchmark, or the ones named (`npm run bench -- pcap-stats`).
 * Options: --packets N (size of generated workloads), --quick (smaller workloads, for a smoke run).
 * Each benchmark prints packets per second and a ratio against a baseline run in the same
 * command, then a Markdown block to paste into BENCHMARKS.md.
 */

import { cpus, totalmem } from 'node:os';
import { fibLookupBench } from './fib-lookup.ts';
import { forwardBench } from './forward.ts';
import { ioam6GenlBench } from './ioam6-genl.ts';
import { ioamBench } from './ioam.ts';
import { pcapStatsBench } from './pcap-stats.ts';
import { simBench } from './sim.ts';
import { tuneEngineForPackets } from '../src/cli/engine.ts';

export interface BenchOptions {
  readonly packets: number | undefined;
  readonly quick: boolean;
}

export interface Bench {
  readonly name: string;
  readonly summary: string;
  run(opts: BenchOptions): Promise<string>;
}

const BENCHES: readonly Bench[] = [pcapStatsBench, ioam6GenlBench, fibLookupBench, forwardBench, ioamBench, simBench];

function machine(): string {
  const cpu = cpus()[0]?.model ?? 'unknown cpu';
  return `${cpu}, ${cpus().length} cores, ${Math.round(totalmem() / 2 ** 30)} GiB, Node.js ${process.version}, ${process.platform} ${process.arch}`;
}

async function main(argv: string[]): Promise<number> {
  const names: string[] = [];
  let packets: number | undefined;
  let quick = false;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--packets') packets = Number(argv[++i]);
    else if (a === '--quick') quick = true;
    else if (a !== undefined) names.push(a);
  }
  const chosen = names.length === 0 ? BENCHES : BENCHES.filter((b) => names.includes(b.name));
  if (chosen.length === 0) {
    process.stderr.write(`unknown benchmark; known: ${BENCHES.map((b) => b.name).join(', ')}\n`);
    return 2;
  }
  const date = new Date().toISOString().slice(0, 10);
  const blocks: string[] = [];
  for (const b of chosen) {
    process.stdout.write(`== ${b.name}: ${b.summary}\n`);
    blocks.push(await b.run({ packets, quick }));
  }
  process.stdout.write(`\n---- for BENCHMARKS.md ----\n\n## ${date} — ${machine()}\n\n${blocks.join('\n\n')}\n`);
  return 0;
}

// The benchmarks run with the V8 settings the `v6stack` command uses (src/cli/engine.ts).
tuneEngineForPackets();
process.exitCode = await main(process.argv.slice(2));
