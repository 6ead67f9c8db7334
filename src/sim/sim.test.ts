import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { MemorySink, readCapture } from '../io/capture-file.ts';
import { EPB_FLAGS_DIRECTION_MASK, EPB_FLAGS_INBOUND, EPB_FLAGS_OUTBOUND } from '../uapi/pcap.ts';
import { parsePcapng } from '../wire/pcapng.ts';
import { kernelShell } from '../cli/sim.ts';
import { socketTrafficStack } from './sockets.ts';
import type { SimReport } from './report.ts';
import { formatReport } from './report.ts';
import { buildSimulation } from './sim.ts';
import { formatTopologyError, loadTopology } from './topology.ts';

const SMALL = `seed: 5
nodes:
  a:
    - ip -6 addr add 2001:db8:1::a/64 dev eth0
    - ip -6 route add default via 2001:db8:1::1 dev eth0
  r:
    - sysctl -w net.ipv6.conf.all.forwarding=1
    - ip -6 addr add 2001:db8:1::1/64 dev eth0
    - ip -6 addr add 2001:db8:2::1/64 dev eth1
  b:
    - ip -6 addr add 2001:db8:2::b/64 dev eth0
    - ip -6 route add default via 2001:db8:2::1 dev eth0
links:
  - ends: [a:eth0, r:eth0]
    delay: 1ms
  - ends: [r:eth1, b:eth0]
    delay: 2ms
    rate: 10mbit
    loss: 10%
traffic:
  - type: udp
    name: f
    from: a
    to: b
    dst: 2001:db8:2::b
    size: 100
    count: 200
    interval: 1ms
  - type: ping
    name: p
    from: a
    dst: 2001:db8:2::b
    count: 3
    interval: 10ms
capture: [b:eth0, a:eth0]
`;

interface Run {
  readonly report: SimReport;
  readonly captures: Map<string, Uint8Array>;
}

async function run(text: string, opts: { seed?: number; untilNs?: number } = {}): Promise<Run> {
  const t = loadTopology(text, 't.yaml');
  assert.ok(t.ok, t.ok ? '' : formatTopologyError(t.error));
  const sinks = new Map<string, MemorySink>();
  const b = await buildSimulation(t.value, {
    ...opts,
    shell: kernelShell,
    traffic: socketTrafficStack,
    captureSink: (node, dev) => {
      const s = new MemorySink();
      sinks.set(`${node}:${dev}`, s);
      return s;
    },
  });
  assert.ok(b.ok, b.ok ? '' : formatTopologyError(b.error));
  const report = b.value.run();
  return { report, captures: new Map([...sinks].map(([k, s]) => [k, s.bytes()])) };
}

test('a small run: flows, ping, links, node counters and captures add up', async () => {
  const { report, captures } = await run(SMALL);
  const [f, p] = report.flows;
  assert.ok(f !== undefined && p !== undefined);
  assert.equal(f.sent, 200);
  assert.equal(f.delivered + f.lost, 200);
  assert.ok(f.lost > 5 && f.lost < 40, `lost ${f.lost} at 10%`);
  // 1 ms + 2 ms of delay, plus 148 bytes at 10 Mbit/s (118.4 us, rounded up to the ns).
  assert.equal(f.latency?.minNs, 3_000_000 + 118_400);
  assert.equal(p.sent, 3);
  const [toB, fromB] = report.links[1]?.directions ?? [];
  assert.ok(toB !== undefined && fromB !== undefined);
  assert.equal(toB.txPackets, 203);
  assert.equal(toB.delivered, 203 - toB.lost);
  assert.equal(toB.lost >= f.lost, true);
  const b = report.nodes.find((n) => n.name === 'b');
  assert.equal(b?.counters.Ip6InDelivers, toB.delivered);
  const r = report.nodes.find((n) => n.name === 'r');
  assert.equal(r?.counters.Ip6OutForwDatagrams, 203 + fromB.delivered);
  assert.equal(p.delivered, fromB.delivered);
  // Every packet b received is in its capture; a's capture has what a sent and received.
  const bcap = [...readCapture(captures.get('b:eth0') ?? new Uint8Array(0))];
  assert.equal(bcap.length, (b?.counters.Ip6InReceives ?? 0) + (b?.counters.Ip6OutTransmits ?? 0));
  const acap = [...readCapture(captures.get('a:eth0') ?? new Uint8Array(0))];
  assert.equal(acap.length, 200 + 3 + p.delivered);
  assert.equal(acap[0]?.linkType, 101);
  assert.deepEqual(report.captures.map((c) => [c.node, c.dev, c.file, c.packets]), [
    ['b', 'eth0', 'b-eth0.pcapng', bcap.length],
    ['a', 'eth0', 'a-eth0.pcapng', acap.length],
  ]);
  // Each packet carries its direction (epb_flags): what b received inbound, what it sent outbound.
  const bng = parsePcapng(captures.get('b:eth0') ?? new Uint8Array(0));
  assert.ok(bng.ok);
  const dir = (f: number | undefined): number => (f ?? 0) & EPB_FLAGS_DIRECTION_MASK;
  assert.equal(bng.value.packets.filter((x) => dir(x.flags) === EPB_FLAGS_INBOUND).length, b?.counters.Ip6InReceives);
  assert.equal(bng.value.packets.filter((x) => dir(x.flags) === EPB_FLAGS_OUTBOUND).length, b?.counters.Ip6OutTransmits);
  const ang = parsePcapng(captures.get('a:eth0') ?? new Uint8Array(0));
  assert.ok(ang.ok);
  assert.equal(dir(ang.value.packets[0]?.flags), EPB_FLAGS_OUTBOUND, 'a sends first');
  // Time stamps are the virtual clock's: the first packet leaves a at 2024-01-01T00:00:00Z.
  assert.equal(acap[0]?.timestampNs, 1_704_067_200_000_000_000n);
  // The first UDP datagram reaches b 3.1184 ms later.
  assert.equal(bcap[0]?.timestampNs, 1_704_067_200_003_118_400n);
  assert.match(formatReport(report), /^ {2}f +udp +a -> b +200 /m);
});

test('determinism: the same file and seed give byte-identical captures and reports', async () => {
  const one = await run(SMALL);
  const two = await run(SMALL);
  assert.equal(JSON.stringify(two.report), JSON.stringify(one.report));
  assert.equal(formatReport(two.report), formatReport(one.report));
  for (const [k, bytes] of one.captures) assert.deepEqual(two.captures.get(k), bytes, k);
  const other = await run(SMALL, { seed: 6 });
  assert.equal(other.report.seed, 6);
  assert.notDeepEqual(other.captures.get('b:eth0'), one.captures.get('b:eth0'));
  const lostOne = one.report.links[1]?.directions[0]?.lost;
  const lostOther = other.report.links[1]?.directions[0]?.lost;
  assert.ok(lostOne !== undefined && lostOther !== undefined);
  // Which packets were lost differs (the count may happen to agree): compare who arrived.
  const seqs = (cap: Uint8Array | undefined): string =>
    [...readCapture(cap ?? new Uint8Array(0))]
      .filter((p) => p.data[6] === 17)
      .map((p) => (p.data[52] ?? 0) * 256 + (p.data[53] ?? 0))
      .join(',');
  assert.notEqual(seqs(other.captures.get('b:eth0')), seqs(one.captures.get('b:eth0')));
});

test('--until cuts the run; without traffic and duration the run ends at once', async () => {
  const cut = await run(SMALL, { untilNs: 50_000_000 });
  assert.equal(cut.report.endNs, 50_000_000);
  const f = cut.report.flows[0];
  // Sends at 0, 1, ..., 50 ms: an event at the end time still runs.
  assert.ok(f !== undefined && f.sent === 51, `sent ${f?.sent}`);
  const idle = await run('nodes:\n  x:\n');
  assert.equal(idle.report.endNs, 0);
  assert.equal(idle.report.events, 0);
});

test('a setup line that ip refuses names the file, line and field, with what ip said', async () => {
  const text = SMALL.replace('    - ip -6 addr add 2001:db8:2::1/64 dev eth1', '    - ip -6 addr add 2001:db8:2::1/64 dev eth7');
  const t = loadTopology(text, 'bad.yaml');
  assert.ok(t.ok);
  const b = await buildSimulation(t.value, { shell: kernelShell, traffic: socketTrafficStack });
  assert.ok(!b.ok);
  assert.equal(formatTopologyError(b.error), 'bad.yaml:9: nodes.r[2]: "ip -6 addr add 2001:db8:2::1/64 dev eth7" failed: Cannot find device "eth7" (exit status 1)');
  const s = loadTopology(SMALL.replace('net.ipv6.conf.all.forwarding=1', 'net.ipv6.conf.all.nope=1'), 'bad.yaml');
  assert.ok(s.ok);
  const e = await buildSimulation(s.value, { shell: kernelShell, traffic: socketTrafficStack });
  assert.ok(!e.ok);
  assert.equal(formatTopologyError(e.error), 'bad.yaml:7: nodes.r[0]: "sysctl -w net.ipv6.conf.all.nope=1" failed: sysctl: cannot stat /proc/sys/net/ipv6/conf/all/nope: No such file or directory (exit status 1)');
});

test('examples/default.yaml: IOAM traces give per-path and per-hop delays', async () => {
  const text = readFileSync(fileURLToPath(new URL('../../examples/default.yaml', import.meta.url)), 'utf8');
  const { report } = await run(text, { untilNs: 300_000_000 });
  const path = report.ioam.paths[0];
  assert.ok(path !== undefined, 'a path');
  assert.deepEqual(path.nodes, ['r1', 'r2', 'h2']);
  assert.deepEqual(path.nodeIds, [1, 2, 3]);
  const [r1r2, r2h2] = path.hops;
  // r1 stamps on output, r2 on receive: 5 ms of wire plus serialisation (and queueing).
  assert.ok(r1r2 !== undefined && r1r2.delay !== null && r1r2.delay.minNs >= 5_000_000, JSON.stringify(r1r2));
  assert.ok(r2h2 !== undefined && r2h2.delay !== null && r2h2.delay.minNs >= 100_000 && r2h2.delay.minNs < 200_000, JSON.stringify(r2h2));
  assert.equal(path.packets, r1r2.samples);
});
