import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import {
  CaptureFileError,
  MemorySink,
  openCapture,
  openCaptureBytes,
  PcapngWriter,
  PcapWriter,
  readCapture,
  tryOpenCapture,
} from './capture-file.ts';
import type { CaptureReader } from './capture-file.ts';
import { fromHex, toHex } from '../wire/bytes.ts';
import { EPB_FLAGS_INBOUND, EPB_FLAGS_OUTBOUND, LINKTYPE_ETHERNET, LINKTYPE_RAW } from '../uapi/pcap.ts';
import { hasScapy, SCAPY_PYTHON, skipUnlessScapy, skipUnlessTshark } from '../../test/support/tools.ts';
import { LE_FILE } from '../../test/support/capture-fixtures.ts';

/** Two raw-IP records, little-endian microseconds, written by hand. */
const PCAP_LE = fromHex(`
  d4 c3 b2 a1  02 00 04 00  00 00 00 00  00 00 00 00  00 00 04 00  65 00 00 00   # header, raw IP
  00 f1 53 65  40 e2 01 00  04 00 00 00  08 00 00 00   # 1700000000.123456, caplen 4, len 8
  60 00 00 00
  01 f1 53 65  00 00 00 00  02 00 00 00  02 00 00 00   # 1700000001.000000, caplen 2, len 2
  60 01
`);
const PCAP_RECORD2 = 24 + 16 + 4;

/** The same two records big-endian with nanosecond stamps, DLT_RAW stored as 12. */
const PCAP_BE_NANO = fromHex(`
  a1 b2 3c 4d  00 02 00 04  00 00 00 00  00 00 00 00  00 00 ff ff  00 00 00 0c   # header, DLT 12
  65 53 f1 00  07 5b cd 15  00 00 00 04  00 00 00 08   # 1700000000.123456789
  60 00 00 00
  65 53 f1 01  00 00 00 00  00 00 00 02  00 00 00 02
  60 01
`);


function drain(r: CaptureReader): Array<{ sec: number; nsec: number; cap: string; orig: number; link: number; iface: number }> {
  const out = [];
  while (r.next()) {
    out.push({ sec: r.tsSec, nsec: r.tsNsec, cap: toHex(r.packet()), orig: r.origLen, link: r.linkType, iface: r.interfaceId });
  }
  return out;
}

function withTmp<T>(fn: (dir: string) => T): T {
  const dir = mkdtempSync(join(tmpdir(), 'v6stack-capture-'));
  try {
    return fn(dir);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

test('classic pcap in both byte orders and resolutions', () => {
  const le = openCaptureBytes(PCAP_LE);
  assert.equal(le.format, 'pcap');
  assert.deepEqual(drain(le), [
    { sec: 1700000000, nsec: 123456000, cap: '60000000', orig: 8, link: LINKTYPE_RAW, iface: 0 },
    { sec: 1700000001, nsec: 0, cap: '6001', orig: 2, link: LINKTYPE_RAW, iface: 0 },
  ]);
  assert.equal(le.error, undefined);
  const be = openCaptureBytes(PCAP_BE_NANO);
  const got = drain(be);
  assert.equal(got[0]!.nsec, 123456789);
  assert.equal(got[0]!.link, LINKTYPE_RAW, 'DLT_RAW 12 is read as LINKTYPE_RAW');
  assert.equal(got.length, 2);
  assert.equal(be.format === 'pcap' && be.header?.linkType, 12);
});

test('pcapng: EPB with comment, NRB skipped, SPB', () => {
  const r = openCaptureBytes(LE_FILE);
  assert.equal(r.format, 'pcapng');
  assert.ok(r.next());
  assert.equal(r.tsSec, 1700000000);
  assert.equal(r.tsNsec, 123456789);
  assert.equal(r.timestampNs(), 1700000000123456789n);
  assert.equal(toHex(r.packet()), '6000000000');
  assert.equal(r.format === 'pcapng' && r.comment(), 'hi');
  assert.ok(r.next());
  assert.equal(toHex(r.packet()), '600102030405');
  assert.equal(r.format === 'pcapng' && r.comment(), undefined);
  assert.equal(r.next(), false);
  assert.equal(r.error, undefined);
  assert.ok(r.format === 'pcapng');
  assert.deepEqual([...r.skipped], [[4, 1]]);
  assert.equal(r.interfaces.length, 1);
});

test('readCapture yields copies with bigint time stamps', () => {
  const pkts = [...readCapture(LE_FILE)];
  assert.equal(pkts.length, 2);
  assert.deepEqual(
    pkts.map((p) => [toHex(p.data), p.timestampNs, p.origLen, p.linkType, p.comment]),
    [
      ['6000000000', 1700000000123456789n, 8, LINKTYPE_RAW, 'hi'],
      ['600102030405', 0n, 6, LINKTYPE_RAW, undefined],
    ],
  );
});

test('bad magic is a clear error at open', () => {
  assert.throws(() => openCaptureBytes(fromHex('7f454c46 02010100')), (e: unknown) => e instanceof CaptureFileError && /magic 0x7f454c46 at offset 0/.test(e.message));
  assert.throws(() => openCaptureBytes(fromHex('d4c3')), /too short/);
  withTmp((dir) => {
    assert.throws(() => openCapture(join(dir, 'missing.pcap')), /cannot open/);
    assert.throws(() => [...readCapture(join(dir, 'missing.pcap'))], CaptureFileError);
  });
});

function checkEveryCut(file: Uint8Array, boundaries: number[], packetsBefore: (cut: number) => number, chunkSize?: number): void {
  for (let cut = 0; cut < file.length; cut++) {
    const opened = tryOpenCapture(file.subarray(0, cut), chunkSize === undefined ? {} : { chunkSize });
    if (cut < 4) {
      assert.ok(!opened.ok, `cut ${cut}: no magic`);
      continue;
    }
    assert.ok(opened.ok, `cut ${cut}`);
    const r = opened.value;
    let n = 0;
    while (r.next()) n++;
    assert.equal(r.next(), false, 'stays stopped');
    assert.equal(n, packetsBefore(cut), `cut ${cut}: packets before the damage`);
    if (boundaries.includes(cut)) {
      assert.equal(r.error, undefined, `cut ${cut} at a record boundary is a clean end`);
    } else {
      assert.ok(r.error, `cut ${cut} reports an error`);
      assert.equal(r.error.kind, 'truncated');
      assert.ok(r.error.offset <= cut, `cut ${cut}: offset ${r.error.offset}`);
      assert.match(r.error.message, /offset \d+/);
    }
  }
}

test('truncation at every byte offset: packets before the damage, then an error', () => {
  const end = PCAP_LE.length;
  checkEveryCut(PCAP_LE, [24, PCAP_RECORD2], (cut) => (cut >= end ? 2 : cut >= PCAP_RECORD2 ? 1 : 0));
  checkEveryCut(PCAP_LE, [24, PCAP_RECORD2], (cut) => (cut >= end ? 2 : cut >= PCAP_RECORD2 ? 1 : 0), 64);
  // pcapng: EPB ends at 136, NRB at 152.
  checkEveryCut(LE_FILE, [44, 84, 136, 152], (cut) => (cut >= 136 ? 1 : 0));
});

test('a truncated record names its offset and what is missing', () => {
  const r = openCaptureBytes(PCAP_LE.subarray(0, 24 + 16 + 2));
  assert.equal(r.next(), false);
  assert.equal(r.error?.message, 'truncated record at offset 24: header says 4 bytes, 2 left');
  withTmp((dir) => {
    const path = join(dir, 'cut.pcap');
    writeFileSync(path, PCAP_LE.subarray(0, PCAP_LE.length - 1));
    const pkts: number[] = [];
    assert.throws(
      () => {
        for (const p of readCapture(path)) pkts.push(p.data.length);
      },
      (e: unknown) => e instanceof CaptureFileError && e.offset === PCAP_RECORD2 && /truncated record at offset 44: header says 2 bytes, 1 left/.test(e.message),
    );
    assert.deepEqual(pkts, [4]);
  });
});

test('records straddling the read buffer, and records larger than it', () => {
  const sink = new MemorySink();
  const w = new PcapngWriter(sink, { interfaces: [{ linkType: LINKTYPE_RAW }] });
  const sizes = [1, 63, 64, 65, 200, 1500, 3, 9000, 77];
  sizes.forEach((n, i) => w.writePacketTs(0, Uint8Array.from({ length: n }, (_, j) => (i * 31 + j) & 0xff), 10 + i, i));
  w.close();
  for (const chunkSize of [64, 100, 4096]) {
    const r = openCaptureBytes(sink.bytes(), { chunkSize });
    const got: number[] = [];
    while (r.next()) {
      const p = r.packet();
      got.push(p.length);
      const i = got.length - 1;
      assert.ok(p.every((v, j) => v === ((i * 31 + j) & 0xff)), `packet ${i} intact with chunk ${chunkSize}`);
      assert.equal(r.tsSec, 10 + i);
      assert.equal(r.tsNsec, i);
    }
    assert.equal(r.error, undefined);
    assert.deepEqual(got, sizes);
  }
});

test('absurd lengths are refused without allocating them', () => {
  const b = PCAP_LE.slice();
  b.set([0x00, 0x00, 0x00, 0x40], 24 + 8); // caplen 1 GiB
  const r = openCaptureBytes(b);
  assert.equal(r.next(), false);
  assert.equal(r.error?.kind, 'truncated');
  assert.match(r.error?.message ?? '', /header says 1073741824 bytes/);
  const limited = openCaptureBytes(PCAP_LE, { maxRecordBytes: 3, chunkSize: 64 });
  // The first record (4 bytes) is within the 64-byte buffer, so the limit applies only on growth.
  assert.equal(drain(limited).length, 2);
  const big = new MemorySink();
  const w = new PcapWriter(big, { linkType: LINKTYPE_RAW });
  w.writePacketTs(new Uint8Array(5000), 1, 0);
  w.close();
  const r2 = openCaptureBytes(big.bytes(), { maxRecordBytes: 4096, chunkSize: 64 });
  assert.equal(r2.next(), false);
  assert.equal(r2.error?.kind, 'limit');
  assert.match(r2.error?.message ?? '', /record at offset 24: captured length 5000 exceeds the limit of 4096 bytes/);
});

test('pcapng damage: unknown interface, bad trailer', () => {
  const b = LE_FILE.slice();
  b[84 + 8] = 7;
  const r = openCaptureBytes(b);
  assert.equal(r.next(), false);
  assert.equal(r.error?.offset, 84 + 8);
  assert.match(r.error?.message ?? '', /interface 7 has no Interface Description Block/);
  const t = LE_FILE.slice();
  t[135] = 1;
  const r2 = openCaptureBytes(t);
  assert.equal(r2.next(), false);
  assert.match(r2.error?.message ?? '', /Enhanced Packet Block at offset 84: trailing length/);
});

test('writers round-trip through the readers', () => {
  const pkts = [Uint8Array.of(0x60, 1, 2, 3), new Uint8Array(300).fill(7), Uint8Array.of(0x60)];
  // The last is the largest time classic pcap can hold (32-bit seconds).
  const ts = [1700000000123456789n, 1700000001000000001n, 4294967295999999999n];
  for (const resolution of ['micro', 'nano'] as const) {
    const sink = new MemorySink();
    const w = new PcapWriter(sink, { linkType: LINKTYPE_ETHERNET, snapLen: 200, resolution, bufferSize: 4096 });
    pkts.forEach((p, i) => w.writePacket(p, ts[i]!));
    w.close();
    const got = [...readCapture(sink.bytes())];
    assert.deepEqual(
      got.map((p) => [p.data.length, p.origLen, p.linkType, p.timestampNs]),
      pkts.map((p, i) => [Math.min(p.length, 200), p.length, LINKTYPE_ETHERNET, resolution === 'nano' ? ts[i] : (ts[i]! / 1000n) * 1000n]),
    );
  }
  const sink = new MemorySink();
  const w = new PcapngWriter(sink, { interfaces: [{ linkType: LINKTYPE_RAW, name: 'tun0' }] });
  const eth = w.addInterface({ linkType: LINKTYPE_ETHERNET, name: 'eth0', snapLen: 0 });
  w.writePacket(0, pkts[0]!, ts[0]!, { comment: 'first' });
  w.writePacket(eth, pkts[1]!, ts[1]!, { originalLen: 1000 });
  w.writePacket(0, pkts[2]!, ts[2]!);
  w.close();
  const got = [...readCapture(sink.bytes())];
  assert.deepEqual(
    got.map((p) => [toHex(p.data), p.origLen, p.linkType, p.interfaceId, p.timestampNs, p.comment]),
    [
      [toHex(pkts[0]!), 4, LINKTYPE_RAW, 0, ts[0], 'first'],
      [toHex(pkts[1]!), 1000, LINKTYPE_ETHERNET, 1, ts[1], undefined],
      [toHex(pkts[2]!), 1, LINKTYPE_RAW, 0, ts[2], undefined],
    ],
  );
  assert.throws(() => w.writePacket(0, pkts[0]!, 1n), /closed/);
});

test('pcapng time stamps of every supported resolution convert exactly', () => {
  // Checks the reader's number-only conversion against bigint arithmetic.
  fc.assert(
    fc.property(
      fc.constantFrom(0, 3, 6, 9, 0x80 | 10, 0x80 | 20, 0x80 | 32, 12, 0x80 | 40),
      fc.bigInt({ min: 0n, max: 0xffffffffffffffffn }),
      (tsresol, units) => {
        const exp = tsresol & 0x7f;
        const per = tsresol & 0x80 ? 1n << BigInt(exp) : 10n ** BigInt(exp);
        // Seconds are numbers: exact below 2^53.
        fc.pre(units / per < 2n ** 53n);
        const idb = fromHex(`01000000 1c000000 65000000 00000000 09000100 ${tsresol.toString(16).padStart(2, '0')}000000 1c000000`);
        const epb = new Uint8Array(32);
        const dv = new DataView(epb.buffer);
        dv.setUint32(0, 6, true);
        dv.setUint32(4, 32, true);
        dv.setUint32(12, Number(units >> 32n), true);
        dv.setUint32(16, Number(units & 0xffffffffn), true);
        dv.setUint32(28, 32, true);
        const r = openCaptureBytes(Uint8Array.from([...LE_FILE.subarray(0, 44), ...idb, ...epb]));
        assert.ok(r.next(), String(r.error?.message));
        assert.equal(BigInt(r.tsSec), units / per);
        assert.equal(BigInt(r.tsNsec), ((units % per) * 1_000_000_000n) / per);
      },
    ),
  );
});

test('a generated 50 MB file is read in constant memory', () => {
  withTmp((dir) => {
    const path = join(dir, 'big.pcapng');
    const w = PcapngWriter.create(path, { interfaces: [{ linkType: LINKTYPE_RAW }] });
    const pkt = new Uint8Array(1200);
    const n = 40_000;
    for (let i = 0; i < n; i++) {
      pkt[0] = i & 0xff;
      w.writePacketTs(0, pkt, 1700000000 + i, i);
    }
    w.close();
    const before = process.memoryUsage().arrayBuffers;
    let peak = 0;
    const r = openCapture(path, { chunkSize: 1 << 20 });
    let count = 0;
    while (r.next()) {
      if (r.data[r.offset] !== (count & 0xff)) assert.fail(`packet ${count} corrupted`);
      count++;
      if ((count & 1023) === 0) peak = Math.max(peak, process.memoryUsage().arrayBuffers - before);
    }
    r.close();
    assert.equal(r.error, undefined);
    assert.equal(count, n);
    assert.ok(peak < 8 * 1024 * 1024, `array buffers grew by ${peak} bytes while reading ${n * 1244} bytes`);
  });
});

test('random bytes never throw', () => {
  const magics = [fromHex('d4c3b2a1'), fromHex('a1b23c4d'), LE_FILE.subarray(0, 44), LE_FILE.subarray(0, 84), new Uint8Array(0)];
  fc.assert(
    fc.property(fc.integer({ min: 0, max: magics.length - 1 }), fc.uint8Array({ maxLength: 300 }), fc.integer({ min: 64, max: 200 }), (m, tail, chunkSize) => {
      const bytes = Uint8Array.from([...magics[m]!, ...tail]);
      const r = tryOpenCapture(bytes, { chunkSize });
      if (!r.ok) return;
      let n = 0;
      while (r.value.next() && n < 1000) {
        n++;
        if (r.value.format === 'pcapng') r.value.comment();
        r.value.packet();
      }
    }),
  );
});

test('tshark and capinfos open our pcap and pcapng output', { skip: skipUnlessTshark() }, () => {
  withTmp((dir) => {
    const ng = join(dir, 'out.pcapng');
    const classic = join(dir, 'out.pcap');
    const w = PcapngWriter.create(ng, { interfaces: [{ linkType: LINKTYPE_RAW, name: 'tun0' }, { linkType: LINKTYPE_ETHERNET, name: 'eth0' }] });
    const p = PcapWriter.create(classic, { linkType: LINKTYPE_RAW, resolution: 'nano' });
    // An IPv6 header with no payload (next header 59).
    const ip6 = fromHex('60000000 0000 3b 40 20010db8000000000000000000000001 20010db8000000000000000000000002');
    // Packet 0: a comment and the outbound flag; 1: the inbound flag alone; the rest neither.
    const flags = [EPB_FLAGS_OUTBOUND, EPB_FLAGS_INBOUND];
    for (let i = 0; i < 5; i++) {
      w.writePacketTs(0, ip6, 1700000000 + i, i * 1000, ip6.length, i === 0 ? 'hello' : undefined, flags[i]);
      p.writePacketTs(ip6, 1700000000 + i, i * 1000);
    }
    w.writePacketTs(1, new Uint8Array(60), 1700000009, 5);
    w.close();
    p.close();
    for (const [path, count] of [
      [ng, 6],
      [classic, 5],
    ] as const) {
      const r = spawnSync('tshark', ['-n', '-r', path, '-T', 'fields', '-e', 'frame.len', '-e', 'frame.time_epoch', '-e', 'frame.comment', '-e', 'frame.packet_flags_direction'], { encoding: 'utf8' });
      assert.equal(r.status, 0, r.stderr);
      // tshark warns when run as root; anything else on stderr is a complaint about the file.
      const complaints = r.stderr.split('\n').filter((l) => l.trim() !== '' && !l.includes('Running as user'));
      assert.deepEqual(complaints, [], `tshark complains about ${path}`);
      const lines = r.stdout.trim().split('\n');
      assert.equal(lines.length, count);
      assert.match(lines[0]!, /^40\t1700000000\.000000000/);
      assert.match(lines[1]!, /^40\t1700000001\.000001000/);
      if (path === ng) {
        assert.match(lines[0]!, /\thello\t0x0*2$/, 'comment and outbound');
        assert.match(lines[1]!, /\t\t0x0*1$/, 'inbound');
        assert.match(lines[2]!, /\t\t$/, 'no flags');
      }
    }
    const caps = spawnSync('capinfos', ['-M', ng], { encoding: 'utf8' });
    if (caps.status === 0 || caps.stdout !== '') {
      assert.equal(caps.status, 0, caps.stderr);
      assert.match(caps.stdout, /Number of packets:\s+6/);
      assert.match(caps.stdout, /Number of interfaces in file: 2/);
    }
  });
});

test('we read what editcap and tshark write', { skip: skipUnlessTshark() }, () => {
  withTmp((dir) => {
    const src = join(dir, 'src.pcap');
    const p = PcapWriter.create(src, { linkType: LINKTYPE_RAW, resolution: 'nano' });
    const sizes = [40, 41, 1280, 44];
    sizes.forEach((n, i) => p.writePacketTs(Uint8Array.from({ length: n }, (_, j) => (j === 0 ? 0x60 : j & 0xff)), 1700000000 + i, 123456789));
    p.close();
    const conversions: Array<[string, string[]]> = [
      ['ng.pcapng', ['editcap', '-F', 'pcapng', src]],
      ['micro.pcap', ['editcap', '-F', 'pcap', src]],
      ['nsec.pcap', ['editcap', '-F', 'nsecpcap', src]],
      ['tshark.pcapng', ['tshark', '-F', 'pcapng', '-r', src, '-w']],
    ];
    for (const [name, cmd] of conversions) {
      const out = join(dir, name);
      execFileSync(cmd[0]!, [...cmd.slice(1), out], { stdio: 'pipe' });
      const got = [...readCapture(out)];
      assert.deepEqual(
        got.map((g) => g.data.length),
        sizes,
        name,
      );
      const micro = name === 'micro.pcap';
      got.forEach((g, i) => assert.equal(g.timestampNs, BigInt(1700000000 + i) * 1_000_000_000n + (micro ? 123456000n : 123456789n), `${name} packet ${i}`));
    }
  });
});

test('we read what scapy writes', { skip: skipUnlessScapy() }, () => {
  if (!hasScapy()) return;
  withTmp((dir) => {
    const script = [
      'import sys, warnings',
      'warnings.filterwarnings("ignore")',
      'from scapy.all import *',
      'from scapy.utils import PcapNgWriter',
      'pkts = [IPv6(dst="2001:db8::%d" % i)/UDP(sport=1000+i, dport=2152)/Raw(b"x" * i) for i in range(5)]',
      'for i, p in enumerate(pkts): p.time = 1700000000 + i / 4',
      'wrpcap(sys.argv[1], pkts)',
      'w = PcapNgWriter(sys.argv[2])',
      'for p in pkts: w.write(p)',
      'w.close()',
    ].join('\n');
    const a = join(dir, 'scapy.pcap');
    const b = join(dir, 'scapy.pcapng');
    execFileSync(SCAPY_PYTHON, ['-c', script, a, b], { stdio: 'pipe' });
    for (const path of [a, b]) {
      const got = [...readCapture(path)];
      assert.equal(got.length, 5, path);
      got.forEach((g, i) => {
        assert.equal(g.data.length, 40 + 8 + i, path);
        assert.equal(g.timestampNs, 1700000000_000_000_000n + BigInt(i) * 250_000_000n, path);
      });
    }
  });
});
