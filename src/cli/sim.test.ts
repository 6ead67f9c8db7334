import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { skipUnlessTshark } from '../../test/support/tools.ts';
import type { SimReport } from '../sim/report.ts';
import { main } from './main.ts';
import { progressBar } from './sim.ts';
import { memoryIo } from './output.ts';

const EXAMPLES = fileURLToPath(new URL('../../examples/', import.meta.url));

async function run(...argv: string[]): Promise<{ code: number; out: string; err: string }> {
  const io = memoryIo();
  const code = await main(argv, io);
  return { code, out: io.out.text, err: io.err.text };
}

function withDir<T>(fn: (dir: string) => Promise<T>): Promise<T> {
  const dir = mkdtempSync(join(tmpdir(), 'v6stack-sim-'));
  return fn(dir).finally(() => rmSync(dir, { recursive: true, force: true }));
}

test('sim run --json prints one JSON document; --seed and --until apply', async () => {
  const r = await run('sim', 'run', '--json', '--seed', '3', '--until', '500ms', join(EXAMPLES, 'ping.yaml'));
  assert.equal(r.code, 0, r.err);
  assert.equal(r.err, '');
  const j = JSON.parse(r.out) as SimReport;
  assert.equal(j.seed, 3);
  assert.equal(j.endNs, 500_000_000);
  assert.deepEqual(
    j.flows.map((f) => [f.name, f.type, f.sent, f.delivered]),
    [['a-to-b', 'ping', 6, 5]],
  );
  // The echo sent at 500 ms is still out when the run ends: sent, not answered.
  assert.equal(j.flows[0]?.latency?.minNs, 2_000_000);
  assert.deepEqual(j.captures, []);
});

test('sim run prints the report; --out writes one pcapng per captured interface', async () => {
  await withDir(async (dir) => {
    const r = await run('sim', 'run', '--out', dir, join(EXAMPLES, 'ping.yaml'));
    assert.equal(r.code, 0, r.err);
    assert.match(r.out, /^v6stack sim: .*ping\.yaml, seed 1: 902ms of virtual time, \d+ events$/m);
    assert.match(r.out, /^ {2}a-to-b +ping +a -> 2001:db8::b +10 +10 +0 +0% +2ms +2ms +2ms$/m);
    assert.match(r.out, new RegExp(`^ {2}a:eth0 +${join(dir, 'a-eth0.pcapng').replace(/[.\\]/g, '\\$&')} +20 packets$`, 'm'));
    assert.deepEqual(readdirSync(dir), ['a-eth0.pcapng']);
  });
});

test('exit status 2 with a message for bad usage, unreadable files and bad topologies', async () => {
  const usage = await run('sim', 'run');
  assert.equal(usage.code, 2);
  assert.match(usage.err, /^v6stack sim run: missing FILE$/m);
  assert.equal((await run('sim', 'walk')).code, 2);
  assert.equal((await run('sim', 'run', '--until', 'later', join(EXAMPLES, 'ping.yaml'))).code, 2);
  const missing = await run('sim', 'run', '/nonexistent/x.yaml');
  assert.equal(missing.code, 2);
  assert.match(missing.err, /^v6stack sim run: cannot read \/nonexistent\/x\.yaml: /);
  await withDir(async (dir) => {
    const bad = join(dir, 'bad.yaml');
    writeFileSync(bad, 'nodes:\n  a: []\nlinks:\n  - ends: [a:eth0, a:eth1]\n    delay: fast\n');
    const r = await run('sim', 'run', bad);
    assert.equal(r.code, 2);
    assert.equal(r.err, `${bad}:5: links[0].delay: expected a duration like 2ms (units ns, us, ms, s), got "fast"\n`);
    writeFileSync(bad, 'nodes:\n  a:\n    - ip link set dev nope up\n');
    const s = await run('sim', 'run', bad);
    assert.equal(s.code, 2);
    assert.equal(s.err, `${bad}:3: nodes.a[0]: "ip link set dev nope up" failed: Cannot find device "nope" (exit status 1)\n`);
  });
  const help = await run('sim', 'run', '--help');
  assert.equal(help.code, 0);
  assert.match(help.out, /^Usage: v6stack sim run \[OPTIONS\] FILE$/m);
});

test('tshark reads the captures of examples/default.yaml without a warning and sees the IOAM traces', { skip: skipUnlessTshark() }, async () => {
  await withDir(async (dir) => {
    const r = await run('sim', 'run', '--until', '200ms', '--out', dir, join(EXAMPLES, 'default.yaml'));
    assert.equal(r.code, 0, r.err);
    const files = readdirSync(dir).sort();
    assert.deepEqual(files, ['h2-eth0.pcapng', 'r1-eth1.pcapng']);
    for (const f of files) {
      const path = join(dir, f);
      const res = execFileSync('tshark', ['-n', '-r', path, '-z', 'expert,warn', '-q'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
      assert.doesNotMatch(res, /Warns|Errors|Malformed/, `${f}: ${res}`);
      assert.ok(readFileSync(path).length > 0);
    }
    // h2 receives traces with r1's and r2's entries (node ids 1 and 2); its own is added on receive.
    const ids = execFileSync('tshark', ['-n', '-r', join(dir, 'h2-eth0.pcapng'), '-c', '1', '-Y', 'udp', '-T', 'fields', '-e', 'ipv6.opt.ioam.trace.node.id'], { encoding: 'utf8' });
    assert.equal(ids.trim(), '0x000002,0x000001');
  });
});

test('the progress bar shows only on a terminal, after a second of wall time, and clears itself', () => {
  const io = memoryIo();
  assert.equal(progressBar(io.err, false, () => 0), undefined);
  let wall = 0;
  const bar = progressBar(io.err, true, () => wall);
  assert.ok(bar !== undefined);
  bar(1_000_000_000, 4_000_000_000);
  assert.equal(io.err.text, '');
  wall = 1500;
  bar(2_000_000_000, 4_000_000_000);
  assert.equal(io.err.text, '\r[###############...............] 50% 2s / 4s of virtual time\x1b[K');
  bar(4_000_000_000, 4_000_000_000);
  assert.match(io.err.text, /\r\x1b\[K$/);
  // A run that ends within the second never shows a bar.
  const quiet = memoryIo();
  const q = progressBar(quiet.err, true, () => 0);
  q?.(4_000_000_000, 4_000_000_000);
  assert.equal(quiet.err.text, '');
});
