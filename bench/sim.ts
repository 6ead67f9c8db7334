/**
 * Simulator speed: examples/ten-nodes.yaml (a core router, three aggregation routers, six hosts;
 * six UDP flows across the core and a ping) run on the virtual clock, measured in simulated
 * packet transmissions per wall-clock second: every packet a link's driver took (each hop
 * counts once), the work a network simulator is usually rated by. Delivered datagrams per
 * second are printed beside it.
 *
 * Baseline in the same run: the same nodes and traffic over ideal links (no delay, unlimited
 * rate, no loss), which leaves out the queueing and serialisation events of the link model.
 * Setup (namespaces, `ip` lines) is not timed.
 */

import { readFileSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { kernelShell } from '../src/cli/sim.ts';
import { socketTrafficStack } from '../src/sim/sockets.ts';
import { buildSimulation } from '../src/sim/sim.ts';
import type { Topology } from '../src/sim/topology.ts';
import { formatTopologyError, loadTopology } from '../src/sim/topology.ts';
import { fmtRate } from './measure.ts';
import type { Bench } from './run.ts';

const FILE = fileURLToPath(new URL('../examples/ten-nodes.yaml', import.meta.url));

interface Measured {
  readonly seconds: number;
  readonly transmissions: number;
  readonly delivered: number;
  readonly events: number;
}

async function measure(t: Topology): Promise<Measured> {
  const b = await buildSimulation(t, { shell: kernelShell, traffic: socketTrafficStack });
  if (!b.ok) throw new Error(formatTopologyError(b.error));
  const t0 = performance.now();
  const r = b.value.run();
  const seconds = (performance.now() - t0) / 1000;
  let transmissions = 0;
  for (const l of r.links) for (const d of l.directions) transmissions += d.txPackets;
  const delivered = r.flows.reduce((n, f) => n + f.delivered, 0);
  return { seconds, transmissions, delivered, events: r.events };
}

/** The file's topology with `count` datagrams per UDP flow, the run long enough for them. */
function scaled(base: Topology, count: number, ideal: boolean): Topology {
  const traffic = base.traffic.map((f) => (f.type === 'udp' ? { ...f, count } : f));
  const longest = Math.max(...traffic.map((f) => f.startNs + f.count * f.intervalNs));
  const links = ideal ? base.links.map((l) => ({ ...l, delayNs: 0, rateBps: 0, loss: 0 })) : base.links;
  return { ...base, traffic, links, durationNs: longest + 100_000_000, capture: [] };
}

export const simBench: Bench = {
  name: 'sim',
  summary: 'simulator speed: packet transmissions per wall-clock second, 10-node topology',
  async run(opts) {
    const loaded = loadTopology(readFileSync(FILE, 'utf8'), FILE);
    if (!loaded.ok) throw new Error(formatTopologyError(loaded.error));
    const perFlow = opts.packets ?? (opts.quick ? 5_000 : 50_000);
    // Warm up both, then alternate them three times and keep the best run of each (the two
    // see the same JIT state and machine load).
    await measure(scaled(loaded.value, 2_000, false));
    await measure(scaled(loaded.value, 2_000, true));
    let base: Measured | undefined;
    let real: Measured | undefined;
    for (let i = 0; i < 3; i++) {
      const b = await measure(scaled(loaded.value, perFlow, true));
      const r = await measure(scaled(loaded.value, perFlow, false));
      if (base === undefined || b.seconds < base.seconds) base = b;
      if (real === undefined || r.seconds < real.seconds) real = r;
    }
    if (base === undefined || real === undefined) throw new Error('no measurement');
    const rate = (m: Measured): number => m.transmissions / m.seconds;
    process.stdout.write(
      `ideal links: ${fmtRate(rate(base))} transmissions/s; modelled links: ${fmtRate(rate(real))} transmissions/s ` +
        `(${fmtRate(real.delivered / real.seconds)} datagrams delivered/s, ${fmtRate(real.events / real.seconds)} events/s)\n`,
    );
    return [
      `### sim: examples/ten-nodes.yaml, 6 UDP flows of ${fmtRate(perFlow)} datagrams (500 bytes) and a ping`,
      '',
      '| links | transmissions | datagrams delivered | events | transmissions/s | delivered/s | ratio to the baseline |',
      '| --- | ---: | ---: | ---: | ---: | ---: | ---: |',
      `| baseline: ideal (no delay, rate or loss) | ${fmtRate(base.transmissions)} | ${fmtRate(base.delivered)} | ${fmtRate(base.events)} | ${fmtRate(rate(base))} | ${fmtRate(base.delivered / base.seconds)} | 1.00 |`,
      `| as in the file (delay, 1 Gbit/s and 100 Mbit/s) | ${fmtRate(real.transmissions)} | ${fmtRate(real.delivered)} | ${fmtRate(real.events)} | **${fmtRate(rate(real))}** | ${fmtRate(real.delivered / real.seconds)} | ${(rate(real) / rate(base)).toFixed(2)} |`,
    ].join('\n');
  },
};
