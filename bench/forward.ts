/**
 * Issue 4's benchmark: forwarding through one transit node in-process. R receives 100-byte UDP
 * packets on r0 (ip6_rcv_core checks, FIB lookup, ip6_forward, hop limit, transmit on r1
 * through the veth to B's device, where they are counted). R is a node of a Kernel configured
 * with `ip` commands (bench/transit-rig.ts): the same data path, addrconf and rtnetlink routes
 * a user gets. R's FIB holds 100,000 /64 routes through r1; destinations are spread over all of
 * them, or drawn from 1,000 hot flows. The baseline is the same node with only its default
 * route. Each case runs in three processes of its own, best of four rounds each; the best and
 * the median process are reported (bench/transit-cases.ts).
 */

import { fmtRate } from './measure.ts';
import type { Bench } from './run.ts';
import { runTransitCase } from './transit-cases.ts';

const CASES = ['default-route', 'routes-hot', 'routes-spread'] as const;

export const forwardBench: Bench = {
  name: 'forward',
  summary: 'IPv6 forwarding through one transit node in-process (100-byte UDP, 100,000-route FIB)',
  async run(opts) {
    const count = opts.packets ?? (opts.quick ? 300_000 : 2_000_000);
    const results = CASES.map((id) => runTransitCase(id, count));
    const base = results[0]?.pps ?? 1;
    process.stdout.write(results.map((r) => `${r.name}: ${fmtRate(r.pps)} packets/s`).join('; ') + '\n');
    return [
      `### forward: IPv6 forwarding through one transit node (issue 4; Kernel data path; ${fmtRate(count)} packets of 100 bytes a round, three processes per case, best of 4 rounds each)`,
      '',
      '| FIB and traffic | packets/s (best process) | ratio to the default-route baseline | packets/s (median process) | scavenges in the rounds |',
      '| --- | ---: | ---: | ---: | ---: |',
      ...results.map((r) => `| ${r.name} | **${fmtRate(r.pps)}** | ${(r.pps / base).toFixed(2)} | ${fmtRate(r.median)} | ${r.gcs} |`),
    ].join('\n');
  },
};
