/**
 * Issue 5's benchmark: the cost of IOAM on a transit node and on an encapsulating node. Every
 * case is the same kind of node (bench/transit-rig.ts: a Kernel configured with `ip` and
 * `sysctl`), each in a process of its own, best of four rounds (bench/transit-cases.ts):
 * - baseline: plain forwarding of 100-byte UDP packets through the IOAM-configured node;
 * - transit 0xf00000: the packet carries a Hop-by-Hop Pre-allocated Trace (hop limit + node id,
 *   ingress/egress ids, timestamp seconds, sub-seconds: 16 octets per node, room for 8 nodes)
 *   and R, with ioam6_enabled on r0 and namespace 123 configured, fills its entry;
 * - transit 0xfff002: every field Linux fills, wide ones too, and the Opaque State Snapshot with
 *   a 12-octet schema (a 76-octet entry per node, room for 2 nodes);
 * - encap: a plain packet; R's route adds an outer IPv6 header with a 0xf00000 trace of 8 nodes
 *   (`encap ioam6 mode encap`) and fills its own entry.
 * - for insight, not the target: the 0xf00000 packets through the node with ioam6_enabled 0,
 *   which walks the Hop-by-Hop header and skips the option (what a trace costs a node that
 *   does not take part in IOAM).
 * The template is copied into the buffer for every packet in every case (RemainingLen starts
 * full each time), so the ratios compare the IOAM work and the larger packets only. Each case
 * runs in three processes of four rounds; the best and the median process are reported.
 */

import { fmtRate } from './measure.ts';
import type { Bench } from './run.ts';
import { runTransitCase } from './transit-cases.ts';

const CASES = ['ioam-plain', 'ioam-f00000', 'ioam-fff002', 'ioam-encap', 'ioam-off'] as const;

export const ioamBench: Bench = {
  name: 'ioam',
  summary: 'IOAM transit (trace types 0xf00000, 0xfff002) and encap against plain forwarding (100-byte UDP)',
  async run(opts) {
    const count = opts.packets ?? (opts.quick ? 300_000 : 2_000_000);
    const results = CASES.map((id) => runTransitCase(id, count));
    const base = results[0]?.pps ?? 1;
    const baseMedian = results[0]?.median ?? 1;
    process.stdout.write(results.map((r) => `${r.name}: ${fmtRate(r.pps)} packets/s (${((r.pps / base) * 100).toFixed(0)}% of plain), median ${fmtRate(r.median)}`).join('\n') + '\n');
    return [
      `### ioam: IOAM on a transit and an encapsulating node (issue 5; ${fmtRate(count)} packets a round, three processes per case, best of 4 rounds each)`,
      '',
      '| case | octets in | packets/s (best process) | ratio to plain forwarding | packets/s (median process) | ratio (medians) | scavenges in the rounds |',
      '| --- | ---: | ---: | ---: | ---: | ---: | ---: |',
      ...results.map((r) => `| ${r.name} | ${r.octets} | **${fmtRate(r.pps)}** | ${(r.pps / base).toFixed(2)} | ${fmtRate(r.median)} | ${(r.median / baseMedian).toFixed(2)} | ${r.gcs} |`),
    ].join('\n');
  },
};
