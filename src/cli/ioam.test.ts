import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import { test } from 'node:test';
import { withDaemon } from '../../test/support/daemon.ts';
import { ioam6SendTraceEvent } from '../ipv6/ioam6-events.ts';
import { IOAM6_GENL_EV_GRP_OFFSET } from '../ipv6/ioam6-genl.ts';
import { genlHasListeners } from '../netlink/genetlink.ts';
import { fromHex } from '../wire/bytes.ts';
import { main } from './main.ts';
import { memoryIo } from './output.ts';

const CAPTURE = new URL('../../examples/captures/kernel-ioam-transit.pcapng', import.meta.url).pathname;

async function run(...argv: string[]): Promise<{ code: number; out: string; err: string }> {
  const io = memoryIo({ V6STACK_SOCKET: '/nonexistent/v6stack.sock' });
  const code = await main(argv, io);
  return { code, out: io.out.text, err: io.err.text };
}

/** An OTLP/HTTP receiver counting the spans it was sent; answers `status`. */
async function receiver(status = 200): Promise<{ url: string; spans: () => number; server: Server }> {
  let spans = 0;
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as { resourceSpans: { scopeSpans: { spans: unknown[] }[] }[] };
      for (const r of body.resourceSpans) for (const s of r.scopeSpans) spans += s.spans.length;
      res.writeHead(status, { 'content-type': 'application/json' }).end('{}');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  const addr = server.address();
  assert.ok(addr !== null && typeof addr === 'object');
  return { url: `http://127.0.0.1:${addr.port}/v1/traces`, spans: () => spans, server };
}

test('usage errors exit 2 with one message; --help is complete and exits 0', async () => {
  const bad: string[][] = [
    ['ioam'],
    ['ioam', 'dump'],
    ['ioam', 'collect'],
    ['ioam', 'collect', '--in', CAPTURE, '--netns', 'blue'],
    ['ioam', 'collect', '--in'],
    ['ioam', 'collect', '--in', CAPTURE, '--otlp', 'not a url'],
    ['ioam', 'collect', '--in', CAPTURE, '--otlp', 'ftp://127.0.0.1/v1/traces'],
    ['ioam', 'collect', '--in', CAPTURE, '--service-name', 'x'],
    ['ioam', 'collect', '--in', CAPTURE, '--count', '0'],
    ['ioam', 'collect', '--in', CAPTURE, '--bogus'],
    ['ioam', 'collect', CAPTURE],
    ['ioam', '--socket'],
  ];
  for (const argv of bad) {
    const r = await run(...argv);
    assert.equal(r.code, 2, argv.join(' '));
    assert.equal(r.out, '', argv.join(' '));
    assert.ok(r.err.length > 0, argv.join(' '));
  }
  const h = await run('ioam', 'collect', '--help');
  assert.equal(h.code, 0);
  for (const o of ['--in FILE', '--netns NAME', '--json', '--otlp URL', '--service-name NAME', '--count N', '--help', 'Exit status']) assert.ok(h.out.includes(o), o);
  assert.equal((await run('ioam', '--help')).code, 0);
  assert.match((await run('--help')).out, /\n {2}ioam {7}/);
});

test('--in: one JSON line per trace, each parses; --count stops early; an unreadable file exits 1', async () => {
  const r = await run('ioam', 'collect', '--in', CAPTURE);
  assert.equal(r.code, 0);
  assert.equal(r.err, '');
  const lines = r.out.trimEnd().split('\n');
  assert.equal(lines.length, 7);
  const recs = lines.map((l) => JSON.parse(l) as { trace_type: string; hops: { node_id?: number }[] });
  assert.deepEqual(
    recs.map((x) => x.trace_type),
    ['0xf00000', '0x800000', '0xfff002', '0xc00000', '0xff0000', '0x00f000', '0xe00000'],
  );
  assert.equal(recs[0]?.hops[0]?.node_id, 0xbeef);
  const two = await run('ioam', 'collect', '--in', CAPTURE, '-c', '2', '--json');
  assert.equal(two.out.trimEnd().split('\n').length, 2);
  const missing = await run('ioam', 'collect', '--in', '/nonexistent/x.pcap');
  assert.equal(missing.code, 1);
  assert.match(missing.err, /^v6stack: \/nonexistent\/x\.pcap: cannot open/);
});

test('--otlp exports to the receiver (JSON only with --json); a refusing receiver exits 1', async () => {
  const r = await receiver();
  try {
    const quiet = await run('ioam', 'collect', '--in', CAPTURE, '--otlp', r.url, '--service-name', 'lab');
    assert.deepEqual(quiet, { code: 0, out: '', err: '' });
    assert.equal(r.spans(), 6);
    const both = await run('ioam', 'collect', '--in', CAPTURE, '--otlp', r.url, '--json');
    assert.equal(both.code, 0);
    assert.equal(both.out.trimEnd().split('\n').length, 7);
    assert.equal(r.spans(), 12);
  } finally {
    r.server.closeAllConnections();
    r.server.close();
  }
  const refusing = await receiver(500);
  try {
    const f = await run('ioam', 'collect', '--in', CAPTURE, '--otlp', refusing.url);
    assert.equal(f.code, 1);
    assert.match(f.err, /^v6stack ioam collect: OTLP export to http:\/\/127\.0\.0\.1:\d+\/v1\/traces failed for 6 of 6 spans: /);
  } finally {
    refusing.server.closeAllConnections();
    refusing.server.close();
  }
});

test('--netns: the live events of a daemon namespace; errors when there is no daemon or no namespace', async () => {
  const none = await run('ioam', 'collect', '--netns', 'blue');
  assert.equal(none.code, 1);
  assert.match(none.err, /^v6stack: cannot reach the v6stack daemon at \/nonexistent\/v6stack\.sock/);
  await withDaemon(async (cli, server) => {
    const k = server.kernel;
    assert.equal((await cli('ip', 'netns', 'add', 'blue')).code, 0);
    const net = k.world.byName('blue');
    assert.ok(net !== undefined);
    const nope = await cli('ioam', 'collect', '--netns', 'nope');
    assert.equal(nope.code, 1);
    assert.equal(nope.err, 'Cannot open network namespace "nope": No such file or directory\n');
    const done = cli('ioam', 'collect', '--netns', 'blue', '--count', '2');
    const fam = k.ioam6.family;
    for (let i = 0; i < 500 && !genlHasListeners(fam, net, IOAM6_GENL_EV_GRP_OFFSET); i++) await new Promise((r) => setImmediate(r));
    // namespace 123, type 0xc00000 (hop limit + node id, interface ids), one hop.
    const trace = fromHex('007b' + '10' + '00' + 'c0000000' + '3f00beef' + '000b0016');
    assert.equal(ioam6SendTraceEvent(fam, net, trace), 0);
    assert.equal(ioam6SendTraceEvent(fam, net, trace), 0);
    const r = await done;
    assert.equal(r.code, 0, r.err);
    const lines = r.out.trimEnd().split('\n').map((l) => JSON.parse(l) as Record<string, unknown> & { hops: Record<string, unknown>[] });
    assert.equal(lines.length, 2);
    assert.equal(lines[0]?.netns, 'blue');
    assert.equal(lines[0]?.src, null);
    assert.equal(lines[0]?.trace_type, '0xc00000');
    assert.deepEqual(lines[1]?.hops, [{ index: 0, hop_limit: 63, node_id: 0xbeef, ingress_if_id: 11, egress_if_id: 22 }]);
  });
});
