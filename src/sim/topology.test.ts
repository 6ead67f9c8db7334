import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { join } from 'node:path';
import fc from 'fast-check';
import { formatTopologyError, loadTopology } from './topology.ts';
import { formatDuration, formatRate, parseDuration, parseRate, parseRatio } from './units.ts';

const EXAMPLES = fileURLToPath(new URL('../../examples/', import.meta.url));

const GOOD = `seed: 9
duration: 1.5s
nodes:
  a:
    - ip -6 addr add 2001:db8::1/64 dev eth0
  b:
    - sysctl -w net.ipv6.conf.all.forwarding=1
links:
  - ends: [a:eth0, b:eth0]
    delay: 2ms
    rate: 10Mbit
    loss: 1.5%
    mtu: 1400
    queue: 20
traffic:
  - type: udp
    from: a
    to: b
    dst: 2001:db8::2
    size: 100
    count: 7
    rate: 1mbit
    flowlabel: 0x12345
    hoplimit: 9
  - type: ping
    name: p
    from: b
    dst: 2001:db8::1
capture: [b:eth0]
`;

test('a good file gives every field, with units converted and defaults filled', () => {
  const r = loadTopology(GOOD, 'good.yaml');
  assert.ok(r.ok, r.ok ? '' : formatTopologyError(r.error));
  const t = r.value;
  assert.equal(t.seed, 9);
  assert.equal(t.durationNs, 1_500_000_000);
  assert.deepEqual(
    t.nodes.map((n) => [n.name, n.line, n.setup.map((s) => [s.command, s.args.join(' '), s.line])]),
    [
      ['a', 4, [['ip', '-6 addr add 2001:db8::1/64 dev eth0', 5]]],
      ['b', 6, [['sysctl', '-w net.ipv6.conf.all.forwarding=1', 7]]],
    ],
  );
  assert.deepEqual(t.links, [
    { a: { node: 'a', dev: 'eth0' }, b: { node: 'b', dev: 'eth0' }, delayNs: 2_000_000, rateBps: 10e6, loss: 0.015, mtu: 1400, queue: 20, line: 9 },
  ]);
  const [udp, ping] = t.traffic;
  assert.ok(udp?.type === 'udp' && ping?.type === 'ping');
  assert.equal(udp.name, 'udp0');
  assert.equal(udp.port, 5001);
  assert.equal(udp.flowLabel, 0x12345);
  assert.equal(udp.hopLimit, 9);
  // (100 + 8 + 40) bytes * 8 at 1 Mbit/s.
  assert.equal(udp.intervalNs, 1_184_000);
  assert.equal(udp.line, 16);
  assert.deepEqual([ping.name, ping.count, ping.size, ping.intervalNs], ['p', 5, 56, 1_000_000_000]);
  assert.deepEqual(t.capture, [{ node: 'b', dev: 'eth0', line: 29 }]);
});

test('every example topology loads', () => {
  const files = readdirSync(EXAMPLES).filter((f) => f.endsWith('.yaml'));
  assert.ok(files.includes('default.yaml'));
  assert.ok(files.length >= 5, files.join(' '));
  for (const f of files) {
    const r = loadTopology(readFileSync(join(EXAMPLES, f), 'utf8'), f);
    assert.ok(r.ok, r.ok ? '' : formatTopologyError(r.error));
  }
});

/** The error for GOOD with `from` replaced by `to` (first occurrence). */
function errorOf(from: string | RegExp, to: string): string {
  const text = GOOD.replace(from, to);
  assert.notEqual(text, GOOD, `pattern ${String(from)} not found`);
  const r = loadTopology(text, 'x.yaml');
  assert.ok(!r.ok, `expected an error for ${to}`);
  return formatTopologyError(r.error);
}

test('each kind of error names the file, the line, the field and what was expected', () => {
  assert.equal(errorOf('delay: 2ms', 'delay: fast'), 'x.yaml:10: links[0].delay: expected a duration like 2ms (units ns, us, ms, s), got "fast"');
  assert.equal(
    errorOf('rate: 10Mbit', 'rate: 10 apples'),
    'x.yaml:11: links[0].rate: expected a rate like 10Mbit (units bit, kbit, mbit, gbit, bps, kbps, mbps), got "10 apples"',
  );
  assert.equal(errorOf('loss: 1.5%', 'loss: 150%'), 'x.yaml:12: links[0].loss: expected a loss ratio like 1% or 0.01 (between 0 and 1), got "150%"');
  assert.equal(errorOf('mtu: 1400', 'mtu: 1000'), 'x.yaml:13: links[0].mtu: expected an integer from 1280 to 65535, got 1000');
  assert.equal(errorOf('queue: 20', 'qeueu: 20'), 'x.yaml:14: links[0].qeueu: unknown key; expected one of ends, delay, rate, loss, mtu, queue');
  assert.equal(errorOf('ends: [a:eth0, b:eth0]', 'ends: [a:eth0, c:eth0]'), 'x.yaml:9: links[0].ends[1]: expected a node listed under nodes, got "c"');
  assert.equal(errorOf('ends: [a:eth0, b:eth0]', 'ends: [a:eth0, b]'), 'x.yaml:9: links[0].ends[1]: expected node:device, like r1:eth0, got "b"');
  assert.equal(errorOf('ends: [a:eth0, b:eth0]', 'ends: [a:eth0]'), 'x.yaml:9: links[0].ends: expected two ends, got 1');
  assert.equal(errorOf('  - ends: [a:eth0, b:eth0]\n    delay: 2ms', '  - delay: 2ms'), 'x.yaml:9: links[0].ends: missing; expected two ends, like [h1:eth0, r1:eth0]');
  assert.equal(errorOf('    - ip -6 addr', '    - ping -6 addr'), 'x.yaml:5: nodes.a[0]: expected a line starting with "ip" or "sysctl", got "ping -6 addr add 2001:db8::1/64 dev eth0"');
  assert.equal(errorOf('duration: 1.5s', 'duration: soon'), 'x.yaml:2: duration: expected a duration like 2ms (units ns, us, ms, s), got "soon"');
  assert.equal(errorOf('seed: 9', 'seed: -1'), 'x.yaml:1: seed: expected an integer from 0 to 9007199254740991, got -1');
  assert.equal(errorOf('seed: 9', 'sed: 9'), 'x.yaml:1: sed: unknown key; expected one of seed, duration, nodes, links, traffic, capture');
  assert.equal(errorOf('    dst: 2001:db8::2', '    dst: 2001:db8::zz'), 'x.yaml:19: traffic[0].dst: expected an IPv6 address like 2001:db8::1, got "2001:db8::zz"');
  assert.equal(errorOf('    to: b\n', '    to: nobody\n'), 'x.yaml:18: traffic[0].to: expected a node listed under nodes, got "nobody"');
  assert.equal(errorOf('    to: b\n', ''), 'x.yaml:16: traffic[0].to: missing; expected the receiving node');
  assert.equal(errorOf('    rate: 1mbit', '    rate: 1mbit\n    interval: 1ms'), 'x.yaml:22: traffic[0].rate: expected either interval or rate, not both');
  assert.equal(errorOf('  - type: ping', '  - type: tcp'), 'x.yaml:25: traffic[1].type: expected udp or ping, got "tcp"');
  assert.equal(errorOf('    flowlabel: 0x12345', '    flowlabel: 0x123456'), 'x.yaml:23: traffic[0].flowlabel: expected an integer from 0 to 1048575, got 1193046');
  assert.equal(errorOf('    size: 100', '    size: 8'), 'x.yaml:20: traffic[0].size: expected an integer from 16 to 65487, got 8');
  assert.equal(errorOf('    name: p', '    name: udp0'), 'x.yaml:25: traffic[1].name: "udp0" names another flow already');
  assert.equal(errorOf('capture: [b:eth0]', 'capture: [b:eth9]'), 'x.yaml:29: capture[0]: expected the end of a link, got "b:eth9"');
  assert.equal(errorOf('duration: 1.5s\n', 'duration: [1\n'), 'x.yaml:3: YAML syntax: Flow sequence in block collection must be sufficiently indented and end with a ]');
  assert.equal(errorOf(/^seed: 9\n/, 'seed: 9\nseed: 10\n'), 'x.yaml:2: YAML syntax: Map keys must be unique');
  assert.equal(formatTopologyError((loadTopology('- a\n- b\n', 'l.yaml') as { ok: false; error: never }).error), 'l.yaml:1: expected a mapping with nodes, links, traffic, capture, got a list');
  assert.equal(formatTopologyError((loadTopology('seed: 1\n', 'n.yaml') as { ok: false; error: never }).error), 'n.yaml:1: nodes: missing; expected a mapping of node names to their setup lines');
});

test('two links may not share an end; two UDP flows may not share a receiving port', () => {
  const twice = GOOD.replace('traffic:', '  - ends: [b:eth0, a:eth1]\ntraffic:');
  const r = loadTopology(twice, 'x.yaml');
  assert.ok(!r.ok);
  assert.equal(formatTopologyError(r.error), 'x.yaml:15: links[1].ends: b:eth0 is already the end of another link');
  const port = GOOD.replace('  - type: ping', '  - type: udp\n    from: a\n    to: b\n    dst: 2001:db8::2\n  - type: ping');
  const p = loadTopology(port, 'x.yaml');
  assert.ok(!p.ok);
  assert.equal(formatTopologyError(p.error), 'x.yaml:25: traffic[1].port: node b already receives flow udp0 on port 5001');
});

test('random YAML-ish documents never throw past the loader', () => {
  const words = ['seed', 'nodes', 'links', 'traffic', 'capture', 'ends', 'delay', 'type', 'udp', 'ping', 'a:eth0', '-', ':', '[', ']', '{', '}', '1ms', '0x10', '&x', '*x', '!!map', '"', "'", '#', 'ip', 'sysctl'];
  const doc = fc.array(fc.tuple(fc.nat(6), fc.array(fc.constantFrom(...words), { maxLength: 5 })), { maxLength: 12 }).map((lines) => lines.map(([indent, w]) => ' '.repeat(indent) + w.join(' ')).join('\n'));
  fc.assert(
    fc.property(fc.oneof(doc, fc.string({ maxLength: 200 })), (text) => {
      const r = loadTopology(text, 'f.yaml');
      if (!r.ok) {
        assert.ok(r.error.line >= 1);
        assert.equal(typeof r.error.message, 'string');
      }
    }),
    { numRuns: 2000 },
  );
  // Mutations of a good file, too.
  fc.assert(
    fc.property(fc.nat(GOOD.length - 1), fc.string({ maxLength: 4 }), (at, s) => {
      const r = loadTopology(GOOD.slice(0, at) + s + GOOD.slice(at + 1), 'g.yaml');
      assert.equal(typeof r.ok, 'boolean');
    }),
    { numRuns: 1000 },
  );
});

test('units: durations, rates and ratios as people write them', () => {
  assert.equal(parseDuration('2ms'), 2_000_000);
  assert.equal(parseDuration('1.5s'), 1_500_000_000);
  assert.equal(parseDuration('250us'), 250_000);
  assert.equal(parseDuration('7 ns'), 7);
  assert.equal(parseDuration('0'), 0);
  assert.equal(parseDuration('2'), undefined);
  assert.equal(parseDuration('-1ms'), undefined);
  assert.equal(parseRate('10Mbit'), 10e6);
  assert.equal(parseRate('1gbit'), 1e9);
  assert.equal(parseRate('100kbit'), 1e5);
  assert.equal(parseRate('1mbps'), 8e6);
  assert.equal(parseRate('0bit'), undefined);
  assert.equal(parseRate('fast'), undefined);
  assert.equal(parseRatio('1%'), 0.01);
  assert.equal(parseRatio(0.25), 0.25);
  assert.equal(parseRatio('0.5'), 0.5);
  assert.equal(parseRatio(2), undefined);
  assert.equal(formatDuration(850), '850ns');
  assert.equal(formatDuration(12_500), '12.5us');
  assert.equal(formatDuration(3_200_000), '3.2ms');
  assert.equal(formatDuration(1_250_000_000), '1.25s');
  assert.equal(formatRate(10e6), '10Mbit');
  assert.equal(formatRate(1.5e9), '1.5Gbit');
});
