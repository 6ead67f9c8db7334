/**
 * `v6stack replay`: options, help, exit statuses, the files it writes (read back with our
 * reader and with tshark), and hostile scripts and captures (a clear error or a summary, never
 * an exception).
 */

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import fc from 'fast-check';
import { readCapture } from '../io/capture-file.ts';
import { PcapWriter, MemorySink } from '../io/capture-file.ts';
import { LINKTYPE_RAW } from '../uapi/pcap.ts';
import { NSEC_TCPDUMP_MAGIC } from '../uapi/pcap.ts';
import { u32le } from '../wire/bytes.ts';
import { main } from './main.ts';
import { memoryIo } from './output.ts';
import { parseClock, runReplay } from './replay.ts';
import { skipUnlessTshark } from '../../test/support/tools.ts';

const EXTHDRS = fileURLToPath(new URL('../../examples/captures/ipv6-exthdrs.pcap', import.meta.url));

const FORWARD = `# forward everything from r0 out of r1
ip link add r0 type dummy
ip link add r1 type dummy
ip link set r0 up
ip link set r1 up
ip -6 addr add 2001:db8:ffff::fe/64 dev r0
ip -6 route add default dev r1
sysctl -w net.ipv6.conf.all.forwarding=1
`;

function withDir<T>(fn: (dir: string) => Promise<T>): Promise<T> {
  const dir = mkdtempSync(join(tmpdir(), 'v6stack-replay-'));
  return fn(dir).finally(() => rmSync(dir, { recursive: true, force: true }));
}

async function run(argv: string[]): Promise<{ status: number; out: string; err: string }> {
  const io = memoryIo();
  const status = await main(['replay', ...argv], io);
  return { status, out: io.out.text, err: io.err.text };
}

test('--help describes every option, the script language and the output files', async () => {
  const r = await run(['--help']);
  assert.equal(r.status, 0);
  for (const s of ['--setup SCRIPT', '--ingress DEV', '--in IN.pcap', '--out-dir DIR', '--clock SECONDS', '--json', 'sysctl -w KEY=VALUE', 'nanosecond', 'RAW (101', 'dummy', 'Exit status']) {
    assert.ok(r.out.includes(s), `help mentions ${s}`);
  }
  const top = memoryIo();
  await main(['--help'], top);
  assert.match(top.out.text, /^ {2}replay +push a capture through a node/m);
});

test('bad arguments: a clear error and exit 2', async () => {
  await withDir(async (dir) => {
    const setup = join(dir, 'setup');
    writeFileSync(setup, FORWARD);
    const base = ['--setup', setup, '--ingress', 'r0', '--in', EXTHDRS, '--out-dir', join(dir, 'out')];
    const cases: Array<[string[], RegExp]> = [
      [[], /option '--setup' is required/],
      [base.slice(2), /option '--setup' is required/],
      [[...base.slice(0, 2), ...base.slice(4)], /option '--ingress' is required/],
      [base.slice(0, 6), /option '--out-dir' is required/],
      [[...base, '--clock', 'soon'], /option '--clock' takes seconds since the epoch .* not 'soon'/],
      [[...base, '--clock', '1.0000000001'], /option '--clock'/],
      [[...base, '--bogus'], /unknown option '--bogus'/],
      [[...base, 'extra'], /unexpected argument 'extra'/],
      [[...base, '--setup'], /option '--setup' needs a value \(SCRIPT\)/],
    ];
    for (const [argv, want] of cases) {
      const r = await run(argv);
      assert.equal(r.status, 2, argv.join(' '));
      assert.match(r.err, want);
      assert.equal(r.out, '');
    }
    assert.equal(existsSync(join(dir, 'out')), false, 'nothing written');
  });
});

test('--clock parses seconds with up to nine decimals', () => {
  assert.equal(parseClock('1700000000'), 1_700_000_000_000_000_000n);
  assert.equal(parseClock('1700000000.25'), 1_700_000_000_250_000_000n);
  assert.equal(parseClock('0.000000001'), 1n);
  for (const bad of ['', '-1', '1e9', '1.', '.5', '1.0000000001', ' 1']) assert.equal(parseClock(bad), undefined, bad);
});

test('files that cannot be read: exit 1 with the reason', async () => {
  await withDir(async (dir) => {
    const setup = join(dir, 'setup');
    writeFileSync(setup, FORWARD);
    const noSetup = await run(['--setup', join(dir, 'nope'), '--ingress', 'r0', '--in', EXTHDRS, '--out-dir', dir]);
    assert.equal(noSetup.status, 1);
    assert.match(noSetup.err, /^v6stack replay: cannot read .*nope: ENOENT/);
    const notPcap = await run(['--setup', setup, '--ingress', 'r0', '--in', setup, '--out-dir', dir]);
    assert.equal(notPcap.status, 1);
    assert.match(notPcap.err, /is not a capture file/);
  });
});

test('a failing setup line: FILE:LINE and what ip said, exit 2', async () => {
  await withDir(async (dir) => {
    const setup = join(dir, 'node.setup');
    writeFileSync(setup, 'ip link add r0 type dummy\n# comment\nip addr add 2001:db8::1/64 dev r7\n');
    const r = await run(['--setup', setup, '--ingress', 'r0', '--in', EXTHDRS, '--out-dir', join(dir, 'out')]);
    assert.equal(r.status, 2);
    assert.equal(r.err, `v6stack replay: ${setup}:3: Cannot find device "r7"\n`);
    const ing = join(dir, 'ok.setup');
    writeFileSync(ing, 'ip link add r0 type dummy\n');
    const r2 = await run(['--setup', ing, '--ingress', 'eth0', '--in', EXTHDRS, '--out-dir', join(dir, 'out')]);
    assert.equal(r2.status, 2);
    assert.equal(r2.err, 'v6stack replay: no device "eth0" in the node after setup (it has: lo, r0)\n');
  });
});

test('the sample capture through a forwarding node: a summary, and one pcap per sending device', async () => {
  await withDir(async (dir) => {
    const setup = join(dir, 'setup');
    writeFileSync(setup, FORWARD);
    const out = join(dir, 'out');
    const r = await run(['--setup', setup, '--ingress', 'r0', '--in', EXTHDRS, '--out-dir', out]);
    assert.equal(r.err, '');
    assert.equal(r.status, 0);
    // A raw-IP capture: the IPv6 packets, and one IPv4 packet that is skipped.
    const input = [...readCapture(EXTHDRS)];
    const ipv6 = input.filter((p) => p.data[0] !== undefined && p.data[0] >> 4 === 6);
    assert.equal(r.out.split('\n').length, 2, 'one line');
    assert.equal(input.length - ipv6.length, 1);
    assert.match(r.out, new RegExp(`^replay: ${ipv6.length} packets in, 1 other frame skipped \\(IPv4: 1\\); \\d+ out \\(r1: \\d+\\) to ${out}; \\d+ dropped`));
    assert.deepEqual(readdirSync(out).sort(), ['r1.pcap']);
    const file = readFileSync(join(out, 'r1.pcap'));
    assert.equal(u32le(file, 0), NSEC_TCPDUMP_MAGIC);
    assert.equal(u32le(file, 20), LINKTYPE_RAW);
    const sent = [...readCapture(join(out, 'r1.pcap'))];
    const summarised = /(\d+) out \(r1: (\d+)\)/.exec(r.out);
    assert.equal(Number(summarised?.[2]), sent.length);
    // Forwarded packets keep their capture time and lose one hop.
    const first = ipv6[0];
    const firstOut = sent.find((p) => p.data.subarray(8, 40).every((b, i) => b === first?.data[8 + i]));
    assert.ok(first !== undefined && firstOut !== undefined);
    assert.equal(firstOut.timestampNs, first.timestampNs);
    assert.equal(firstOut.data[7], (first.data[7] ?? 0) - 1);

    const json = await run(['--setup', setup, '--ingress', 'r0', '--in', EXTHDRS, '--out-dir', out, '--json']);
    assert.equal(json.status, 0);
    const j = JSON.parse(json.out) as { in: number; skipped: number; out: Record<string, number>; files: Record<string, string>; timers_left: number };
    assert.equal(j.in, ipv6.length);
    assert.equal(j.skipped, input.length - ipv6.length);
    assert.deepEqual(j.out, { r1: sent.length });
    assert.deepEqual(j.files, { r1: join(out, 'r1.pcap') });
    assert.equal(j.timers_left, 0);
  });
});

test('tshark reads the written pcaps without warnings', { skip: skipUnlessTshark() }, async () => {
  await withDir(async (dir) => {
    const setup = join(dir, 'setup');
    writeFileSync(setup, FORWARD);
    const out = join(dir, 'out');
    assert.equal((await run(['--setup', setup, '--ingress', 'r0', '--in', EXTHDRS, '--out-dir', out])).status, 0);
    const file = join(out, 'r1.pcap');
    const count = [...readCapture(file)].length;
    const t = spawnSync('tshark', ['-n', '-r', file, '-T', 'fields', '-e', 'frame.time_epoch', '-e', 'ipv6.hlim'], { encoding: 'utf8' });
    assert.equal(t.status, 0, t.stderr);
    const warnings = t.stderr.split('\n').filter((l) => l.trim() !== '' && !l.includes('Running as user "root"'));
    assert.deepEqual(warnings, []);
    const rows = t.stdout.trim().split('\n');
    assert.equal(rows.length, count);
    const input = [...readCapture(EXTHDRS)].filter((p) => p.data[0] !== undefined && p.data[0] >> 4 === 6);
    const firstTs = input[0]?.timestampNs ?? 0n;
    assert.equal(rows[0]?.split('\t')[0], `${firstTs / 1_000_000_000n}.${String(firstTs % 1_000_000_000n).padStart(9, '0')}`);
  });
});

test('--clock restamps the output from the given time', async () => {
  await withDir(async (dir) => {
    const setup = join(dir, 'setup');
    writeFileSync(setup, FORWARD);
    const out = join(dir, 'out');
    assert.equal((await run(['--setup', setup, '--ingress', 'r0', '--in', EXTHDRS, '--out-dir', out, '--clock', '100.5'])).status, 0);
    const input = [...readCapture(EXTHDRS)].filter((p) => p.data[0] !== undefined && p.data[0] >> 4 === 6);
    const first = input[0]?.timestampNs ?? 0n;
    const sent = [...readCapture(join(out, 'r1.pcap'))];
    assert.equal(sent[0]?.timestampNs, 100_500_000_000n);
    for (const p of sent) assert.ok(p.timestampNs >= 100_500_000_000n && p.timestampNs - 100_500_000_000n <= (input.at(-1)?.timestampNs ?? 0n) - first);
  });
});

test('a capture damaged part-way: the packets before it are replayed, then exit 1', async () => {
  await withDir(async (dir) => {
    const setup = join(dir, 'setup');
    writeFileSync(setup, FORWARD);
    const whole = readFileSync(EXTHDRS);
    const cut = join(dir, 'cut.pcap');
    writeFileSync(cut, whole.subarray(0, whole.length - 7));
    const r = await run(['--setup', setup, '--ingress', 'r0', '--in', cut, '--out-dir', join(dir, 'out')]);
    assert.equal(r.status, 1);
    assert.match(r.out, /^replay: \d+ packets? in/);
    assert.match(r.err, /cut\.pcap: truncated .* \(the packets before it were replayed\)/);
  });
});

test('hostile scripts and captures: a clear error or a summary, never an exception', async () => {
  await withDir(async (dir) => {
    const setup = join(dir, 'setup');
    const input = join(dir, 'in.pcap');
    const out = join(dir, 'out');
    const word = fc.oneof(
      fc.constantFrom('ip', 'sysctl', '-w', '-6', 'link', 'add', 'r0', 'type', 'dummy', 'veth', 'set', 'up', 'addr', 'route', 'dev', '2001:db8::1/64', 'default', 'mtu', '1280', 'net.ipv6.conf.all.forwarding=1', '"', "'", '#', '\\', 'ioam', 'netns', 'del'),
      fc.string({ maxLength: 12 }),
    );
    const line = fc.array(word, { maxLength: 8 }).map((w) => w.join(' '));
    const packet = fc.uint8Array({ maxLength: 120 });
    const rawPcap = (pkts: Uint8Array[], ts: number[]): Uint8Array => {
      const sink = new MemorySink();
      const w = new PcapWriter(sink, { linkType: LINKTYPE_RAW, resolution: 'nano' });
      pkts.forEach((p, i) => w.writePacket(p, BigInt(ts[i] ?? 0)));
      w.close();
      return sink.bytes();
    };
    const capture = fc.oneof(
      fc.uint8Array({ maxLength: 200 }),
      fc.tuple(fc.array(packet, { maxLength: 6 }), fc.array(fc.nat(), { maxLength: 6 })).map(([p, ts]) => rawPcap(p, ts)),
      // IPv6-looking packets: version 6 and a plausible header.
      fc.array(fc.uint8Array({ minLength: 40, maxLength: 100 }), { maxLength: 6 }).map((ps) => rawPcap(ps.map((p) => ((p[0] = 0x60), p)), [])),
    );
    await fc.assert(
      fc.asyncProperty(fc.array(line, { maxLength: 6 }), capture, async (lines, bytes) => {
        writeFileSync(setup, FORWARD + lines.join('\n'));
        writeFileSync(input, bytes);
        const io = memoryIo();
        const status = await runReplay(['--setup', setup, '--ingress', 'r0', '--in', input, '--out-dir', out], io);
        assert.ok(status === 0 || status === 1 || status === 2, `status ${status}`);
        if (status === 0) assert.match(io.out.text, /^replay: \d+ packets? in.*\n$/);
        else assert.match(io.err.text, /^v6stack replay: \S/);
        assert.doesNotMatch(io.err.text, /internal error/);
      }),
      { numRuns: 150 },
    );
  });
});
