import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { buildSimulation, formatReport, kernelShell, loadTopology } from './index.ts';

test('the package entry runs a topology as a library user would', async () => {
  const file = new URL('../examples/ping.yaml', import.meta.url);
  const topo = loadTopology(readFileSync(file, 'utf8'), 'ping.yaml');
  assert.ok(topo.ok, topo.ok ? '' : topo.error.message);
  const sim = await buildSimulation(topo.value, { shell: kernelShell });
  assert.ok(sim.ok, sim.ok ? '' : sim.error.message);
  const report = sim.value.run();
  assert.ok(report.flows.length > 0);
  assert.ok(report.flows.every((f) => f.delivered > 0), formatReport(report));
});
