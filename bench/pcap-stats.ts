/**
 * Issue 2's benchmark: "extract every IOAM trace from a capture". One generated pcap of N IPv6
 * packets (half with a Pre-allocated Trace of 3-5 filled hops) read by `v6stack pcap stats`
 * (in a child process, timed in-process so start-up is not counted, best of several runs), by
 * `tshark -T fields` pulling out the IOAM node ids, and by scapy pulling out the raw IOAM
 * option bytes (scapy has no RFC 9197 layer) on a 100,000-packet slice, scaled.
 */

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { spawnSync } from 'node:child_process';
import { writeIoamCapture } from './ioam-capture.ts';
import { fmtRate, measureChild } from './measure.ts';
import type { Bench } from './run.ts';

const SCAPY = [
  'import sys, time, warnings',
  'warnings.filterwarnings("ignore")',
  'from scapy.all import PcapReader, IPv6ExtHdrHopByHop',
  't = time.perf_counter()',
  'n = 0; opts = 0; nbytes = 0',
  'for p in PcapReader(sys.argv[1]):',
  '    n += 1',
  '    if IPv6ExtHdrHopByHop in p:',
  '        for o in p[IPv6ExtHdrHopByHop].options:',
  '            if o.otype == 0x31:',
  '                raw = bytes(o); opts += 1; nbytes += len(raw)',
  'print(n, opts, nbytes, time.perf_counter() - t)',
].join('\n');

interface WorkerReport {
  readonly packets: number;
  readonly traces: number;
  readonly hops: number;
  readonly runs: readonly number[];
}

function hasCommand(cmd: string, args: string[]): boolean {
  return spawnSync(cmd, args, { stdio: 'ignore' }).status === 0;
}

export const pcapStatsBench: Bench = {
  name: 'pcap-stats',
  summary: 'extract every IOAM trace from a capture: v6stack vs tshark vs scapy',
  async run(opts) {
    const packets = opts.packets ?? (opts.quick ? 100_000 : 1_000_000);
    const slice = Math.min(packets, 100_000);
    const dir = mkdtempSync(join(tmpdir(), 'v6stack-bench-'));
    const rows: string[] = [];
    try {
      const file = join(dir, 'ioam.pcap');
      const gen = writeIoamCapture(file, packets, 7);
      const sliceFile = join(dir, 'ioam-slice.pcap');
      writeIoamCapture(sliceFile, slice, 7);
      process.stdout.write(`capture: ${fmtRate(packets)} packets, ${(gen.bytes / 1e6).toFixed(1)} MB, ${fmtRate(gen.ioamPackets)} traces, ${fmtRate(gen.hops)} hops\n`);

      const worker = fileURLToPath(new URL('./pcap-stats-worker.ts', import.meta.url));
      const ours = measureChild(process.execPath, ['--import', 'tsx', worker, file, '5']);
      if (ours.status !== 0) throw new Error(`v6stack worker failed: ${ours.stderr}`);
      const rep = JSON.parse(ours.stdout.trim().split('\n').pop() ?? '{}') as WorkerReport;
      if (rep.traces !== gen.ioamPackets || rep.hops !== gen.hops) {
        throw new Error(`v6stack counted ${rep.traces} traces / ${rep.hops} hops, expected ${gen.ioamPackets} / ${gen.hops}`);
      }
      const best = Math.min(...rep.runs);
      const oursPps = packets / best;
      const firstPps = packets / (rep.runs[0] ?? best);
      process.stdout.write(`v6stack pcap stats: ${fmtRate(oursPps)} packets/s (best of ${rep.runs.length}; first run ${fmtRate(firstPps)}/s), peak RSS ${(ours.maxRssKb / 1024).toFixed(0)} MiB\n`);
      rows.push(`| v6stack \`pcap stats\` (in-process, reading the file included, best of ${rep.runs.length}) | ${fmtRate(packets)} | ${best.toFixed(3)} s | **${fmtRate(oursPps)}** | ${(ours.maxRssKb / 1024).toFixed(0)} MiB | 1.0 |`);

      let tsharkPps = 0;
      if (hasCommand('tshark', ['--version'])) {
        const t = measureChild('tshark', ['-n', '-r', file, '-T', 'fields', '-e', 'ipv6.opt.ioam.trace.node.id']);
        const ids = t.stdout.split('\n').reduce((n, l) => n + (l.trim() === '' ? 0 : l.split(',').length), 0);
        if (ids !== gen.hops) throw new Error(`tshark found ${ids} node ids, expected ${gen.hops}`);
        tsharkPps = packets / t.seconds;
        process.stdout.write(`tshark -T fields: ${fmtRate(tsharkPps)} packets/s, peak RSS ${(t.maxRssKb / 1024).toFixed(0)} MiB; v6stack is ${(oursPps / tsharkPps).toFixed(1)}x\n`);
        rows.push(`| tshark 4.0 \`-T fields -e ipv6.opt.ioam.trace.node.id\` (whole command) | ${fmtRate(packets)} | ${t.seconds.toFixed(2)} s | ${fmtRate(tsharkPps)} | ${(t.maxRssKb / 1024).toFixed(0)} MiB | ${(tsharkPps / oursPps).toFixed(4)} (v6stack ${(oursPps / tsharkPps).toFixed(0)}x) |`);
      } else {
        process.stdout.write('tshark: not installed, skipped\n');
      }
      if (hasCommand('/usr/bin/python3', ['-c', 'import scapy.all'])) {
        const s = measureChild('/usr/bin/python3', ['-c', SCAPY, sliceFile]);
        const [n, opts2, , secs] = s.stdout.trim().split(/\s+/).map(Number);
        if (n !== slice || opts2 !== Math.ceil(slice / 2)) throw new Error(`scapy read ${n} packets / ${opts2} options`);
        const scapyPps = slice / (secs ?? s.seconds);
        process.stdout.write(`scapy (raw IOAM option bytes, ${fmtRate(slice)}-packet slice): ${fmtRate(scapyPps)} packets/s, peak RSS ${(s.maxRssKb / 1024).toFixed(0)} MiB; v6stack is ${(oursPps / scapyPps).toFixed(0)}x\n`);
        rows.push(`| scapy 2.5 \`PcapReader\`, raw IOAM option bytes (${fmtRate(slice)}-packet slice, scaled) | ${fmtRate(slice)} | ${(secs ?? s.seconds).toFixed(2)} s | ${fmtRate(scapyPps)} | ${(s.maxRssKb / 1024).toFixed(0)} MiB | ${(scapyPps / oursPps).toFixed(5)} (v6stack ${(oursPps / scapyPps).toFixed(0)}x) |`);
      } else {
        process.stdout.write('scapy: not installed, skipped\n');
      }
      return [
        `### pcap-stats: extract every IOAM trace (${fmtRate(packets)} packets, ${(gen.bytes / 1e6).toFixed(0)} MB pcap, ${fmtRate(gen.ioamPackets)} traces, ${fmtRate(gen.hops)} hops)`,
        '',
        '| decoder | packets | time | packets/s | peak RSS | ratio to v6stack |',
        '| --- | ---: | ---: | ---: | ---: | ---: |',
        ...rows,
      ].join('\n');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  },
};
