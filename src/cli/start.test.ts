import { test } from 'node:test';
import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import { main } from './main.ts';
import { memoryIo } from './output.ts';

test('npm start: simulates examples/default.yaml, writes its captures and shows the IOAM trace h2 received', async () => {
  const io = memoryIo();
  assert.equal(await main(['start'], io), 0, io.err.text);
  const out = io.out.text;
  const dir = /^Open the captures with Wireshark or tshark: (.+)$/m.exec(out)?.[1];
  assert.ok(dir !== undefined, out);
  try {
    assert.match(out, /^v6stack sim: .*examples\/default\.yaml, seed 1: 3s of virtual time, \d+ events$/m);
    assert.match(out, /^ {2}video +udp +h1 -> h2 +2000 /m);
    assert.match(out, /^ {2}path r1\(1\) > r2\(2\) > h2\(3\): \d+ packets$/m);
    assert.match(out, /^ {2}h2:eth0 +.+h2-eth0\.pcapng +\d+ packets$/m);
    assert.match(out, /^IOAM: \d+ traces \(pre-allocated \d+, incremental 0\), \d+ hops, 0 overflowed;/m);
    assert.match(out, /^1 00:00:00\.\d+ IP6 2001:db8:1::1\.\d+ > 2001:db8:2::1\.5004: HBH IOAM\(ns 123 trace 0xf00000 hops 2\/3\) UDP, length 1000$/m);
    assert.match(out, /^ {20}ingress_if: 20$/m);
    assert.equal(io.err.text, '');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
