import { test } from 'node:test';
import assert from 'node:assert/strict';
import { main } from './main.ts';
import { memoryIo } from './output.ts';

test('npm start: every sample capture decoded, the kernel trace shown, a node configured through the bus', async () => {
  const io = memoryIo();
  assert.equal(await main(['start'], io), 0, io.err.text);
  const out = io.out.text;
  for (const f of ['gtpu-n3.pcap', 'ipv6-exthdrs.pcap', 'kernel-ioam-transit.pcapng']) assert.match(out, new RegExp(`=== ${f.replace('.', '\\.')}\\n`));
  assert.match(out, /node_id: 0xbeef/);
  assert.match(out, /^2001:db8:3::\/64 {2}encap ioam6 freq 1\/1 mode inline trace prealloc type 0xf00000 ns 123 size 48 dev veth0 metric 1024 pref medium$/m);
  assert.match(out, /^namespace 123 \[schema 7\], data 0xdeadbeef, wide 0xcafec0caf00dc0de$/m);
  assert.match(out, /^RTNETLINK answers: File exists\n\(exit status 1\)$/m);
  assert.equal(io.err.text, '');
});
