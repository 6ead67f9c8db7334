import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { main } from './main.ts';
import { memoryIo } from './output.ts';

const CAPTURES = fileURLToPath(new URL('../../examples/captures/', import.meta.url));
const BIN = fileURLToPath(new URL('../../bin/v6stack.js', import.meta.url));

async function run(...argv: string[]): Promise<{ code: number; out: string; err: string }> {
  const io = memoryIo();
  const code = await main(argv, io);
  return { code, out: io.out.text, err: io.err.text };
}

test('pcap stats summarises the kernel IOAM capture', async () => {
  const r = await run('pcap', 'stats', join(CAPTURES, 'kernel-ioam-transit.pcapng'));
  assert.equal(r.code, 0, r.err);
  assert.match(r.out, /^packets: 18 /m);
  assert.match(r.out, /^IOAM: 7 traces \(pre-allocated 7, incremental 0\), 6 hops, 1 overflowed;/m);
  assert.match(r.out, /^malformed: 0$/m);
  const j = await run('pcap', 'stats', '--json', join(CAPTURES, 'gtpu-n3.pcap'));
  const o = JSON.parse(j.out) as { gtpu: { messages: number; by_type: Record<string, number> }; format: string };
  assert.equal(o.format, 'pcap');
  assert.deepEqual(o.gtpu, { messages: 9, by_type: { 'echo-request': 1, 'echo-response': 1, 'error-indication': 1, 'end-marker': 1, 'g-pdu': 5 } });
});

test('pcap decode prints one line per packet, -c limits, -v adds fields, --json is JSON lines', async () => {
  const file = join(CAPTURES, 'ipv6-exthdrs.pcap');
  const plain = await run('pcap', 'decode', file);
  assert.equal(plain.code, 0);
  const lines = plain.out.trimEnd().split('\n');
  assert.equal(lines.length, 11);
  assert.match(lines[0] ?? '', /^1 00:00:00\.000000 IP6 2001:db8::1\.1000 > 2001:db8::a\.2000: SRH segleft 2 /);
  const two = await run('pcap', 'decode', '-c', '2', file);
  assert.equal(two.out.trimEnd().split('\n').length, 2);
  const v = await run('pcap', 'decode', '-v', '-c', '1', file);
  assert.match(v.out, /segments_left: 2/);
  const j = await run('pcap', 'decode', '--json', file);
  const objs = j.out.trimEnd().split('\n').map((l) => JSON.parse(l) as { number: number; summary: string; layers: unknown[] });
  assert.equal(objs.length, 11);
  assert.equal(objs[10]?.number, 11);
  assert.ok(objs.every((o) => o.summary.length > 0 && o.layers.length > 0));
});

test('a damaged capture prints the packets before the damage and one error naming the offset', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'v6stack-cli-'));
  try {
    const whole = readFileSync(join(CAPTURES, 'ipv6-exthdrs.pcap'));
    const cut = join(dir, 'cut.pcap');
    writeFileSync(cut, whole.subarray(0, 400));
    const r = await run('pcap', 'decode', cut);
    assert.equal(r.code, 1);
    assert.ok(r.out.split('\n').length >= 2, 'the first packets are printed');
    assert.match(r.err, /^v6stack: .*cut\.pcap: truncated record at offset \d+/);
    assert.equal(r.err.trimEnd().split('\n').length, 1);
    const s = await run('pcap', 'stats', cut);
    assert.equal(s.code, 1);
    assert.match(s.out, /^packets: \d+ /m);
    const junk = join(dir, 'junk.pcap');
    writeFileSync(junk, 'not a capture at all');
    const j = await run('pcap', 'stats', junk);
    assert.equal(j.code, 1);
    assert.equal(j.out, '');
    assert.match(j.err, /^v6stack: .*junk\.pcap: /);
    const missing = await run('pcap', 'decode', join(dir, 'nope.pcap'));
    assert.equal(missing.code, 1);
    assert.match(missing.err, /nope\.pcap/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('usage errors exit 2 with one message; --help documents every option', async () => {
  assert.equal((await run('pcap', 'decode')).code, 2);
  const bad = await run('pcap', 'decode', '--count', '0', 'x.pcap');
  assert.equal(bad.code, 2);
  assert.match(bad.err, /option '--count' must be between 1 and/);
  assert.equal((await run('pcap', 'frobnicate')).code, 2);
  assert.equal((await run('nosuch')).code, 2);
  const h = await run('pcap', 'decode', '--help');
  assert.equal(h.code, 0);
  for (const o of ['--verbose', '--json', '--count', '--gtpu-port']) assert.ok(h.out.includes(o), o);
  const top = await run('--help');
  assert.equal(top.code, 0);
  assert.match(top.out, /pcap/);
});

test('the installed binary runs (npx v6stack)', () => {
  const out = execFileSync(process.execPath, [BIN, '--version'], { encoding: 'utf8' });
  assert.match(out, /^v6stack \d+\.\d+\.\d+\n$/);
});
