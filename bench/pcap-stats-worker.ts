/**
 * Child process of the pcap-stats benchmark: scans FILE RUNS times with the same code as
 * `v6stack pcap stats` (reading the file included) and prints one JSON line with the timings.
 * Runs in its own process so its peak memory is measured alone.
 */

import { performance } from 'node:perf_hooks';
import { scanCapture } from '../src/io/capture-scan.ts';

const [file, runsText] = process.argv.slice(2);
if (file === undefined) throw new Error('usage: pcap-stats-worker FILE [RUNS]');
const runs: number[] = [];
let packets = 0;
let traces = 0;
let hops = 0;
for (let i = 0; i < Number(runsText ?? 3); i++) {
  const t = performance.now();
  const r = scanCapture(file);
  runs.push((performance.now() - t) / 1000);
  if (!r.ok || r.value.error !== undefined) throw new Error(`scan failed: ${JSON.stringify(r)}`);
  packets = r.value.stats.packets;
  traces = r.value.stats.ioamTraces;
  hops = r.value.stats.ioamHops;
}
process.stdout.write(`${JSON.stringify({ packets, traces, hops, runs })}\n`);
