import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { CaptureStats, MALFORMED, MALFORMED_NAMES } from './capture-stats.ts';
import { fromHex } from './bytes.ts';
import { scanCapture } from '../io/capture-scan.ts';
import { writeIoamCapture } from '../../bench/ioam-capture.ts';
import { skipUnlessTshark } from '../../test/support/tools.ts';
import { LINKTYPE_ETHERNET, LINKTYPE_NULL, LINKTYPE_RAW, LINKTYPE_LINUX_SLL } from '../uapi/pcap.ts';

const CAPTURES = new URL('../../examples/captures/', import.meta.url).pathname;

function scan(path: string): CaptureStats {
  const r = scanCapture(path);
  assert.ok(r.ok);
  assert.equal(r.value.error, undefined);
  return r.value.stats;
}

function reasons(s: CaptureStats): Record<string, number> {
  const out: Record<string, number> = {};
  s.malformed.forEach((v, i) => {
    if (v > 0) out[MALFORMED_NAMES[i] ?? '?'] = v;
  });
  return out;
}

// An IPv6/UDP packet 2001:db8::1 -> 2001:db8::2 (ports 1 -> 2, 2 bytes "hi"), crafted by hand.
const PLAIN = fromHex(`
  60000000 000a 11 40  20010db8000000000000000000000001  20010db8000000000000000000000002
  0001 0002 000a 0000  6869`);

/** IPv6 + Hop-by-Hop (PadN, IOAM pre-allocated trace type 0x800000, NodeLen 1, 2 slots, 1 filled). */
function ioamPacket(nodeLen = 1): Uint8Array {
  return fromHex(`
    60000000 0018 00 40  20010db8000000000000000000000001  20010db8000000000000000000000002
    3b 02 0100                       # next header 59, 24 octets, PadN(0)
    31 12 00 00                      # IOAM option, 18 octets of data, pre-allocated trace
    007b ${((nodeLen << 11) | 1).toString(16).padStart(4, '0')} 80000000   # ns 123, NodeLen, RemLen 1; type 0x800000
    00000000                         # free slot
    3f00beef                         # hop limit 63, node id 0xbeef`);
}

test('the sample captures are counted as their README says', () => {
  const k = scan(join(CAPTURES, 'kernel-ioam-transit.pcapng'));
  assert.equal(k.packets, 18);
  assert.equal(k.ioamPrealloc, 7);
  assert.equal(k.ioamHops, 6); // the 0xe00000 trace overflowed: no room for its 12-octet entry
  assert.equal(k.ioamOverflow, 1);
  assert.equal(k.fragments, 3);
  assert.equal(k.laterFragments, 2);
  assert.equal(k.icmpv6, 8);
  assert.deepEqual([...k.finish().linkTypes], [[LINKTYPE_ETHERNET, 18]]);
  assert.equal(k.malformedTotal, 0);

  const g = scan(join(CAPTURES, 'gtpu-n3.pcap'));
  assert.equal(g.gtpu, 9);
  assert.equal(g.gtpuTypes[255], 5);
  assert.equal(g.gtpuTypes[1], 1);
  assert.equal(g.gtpuTypes[2], 1);
  assert.equal(g.gtpuTypes[254], 1);
  assert.equal(g.gtpuTypes[26], 1);
  assert.equal(g.ipv4, 1);
  assert.equal(g.malformedTotal, 0);

  const x = scan(join(CAPTURES, 'ipv6-exthdrs.pcap'));
  assert.deepEqual(
    { hbh: x.hopByHop, dst: x.destinationOptions, rt: x.routing, frag: x.fragments, icmpv6: x.icmpv6, ipv4: x.ipv4 },
    { hbh: 1, dst: 1, rt: 1, frag: 3, icmpv6: 5, ipv4: 1 },
  );
  assert.deepEqual(reasons(x), {});
});

test('the generated benchmark capture: every trace and hop found, agreeing with tshark', { skip: skipUnlessTshark() }, () => {
  const dir = mkdtempSync(join(tmpdir(), 'v6stack-stats-'));
  try {
    const file = join(dir, 'ioam.pcap');
    const gen = writeIoamCapture(file, 2000, 3);
    const s = scan(file);
    assert.equal(s.packets, 2000);
    assert.equal(s.ioamTraces, gen.ioamPackets);
    assert.equal(s.ioamHops, gen.hops);
    assert.equal(s.malformedTotal, 0);
    const out = execFileSync('tshark', ['-n', '-r', file, '-T', 'fields', '-e', 'ipv6.opt.ioam.trace.node.id'], {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'ignore'],
    });
    const ids = out.split('\n').reduce((n, l) => n + (l.trim() === '' ? 0 : l.split(',').length), 0);
    assert.equal(ids, s.ioamHops);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

function classify(frame: Uint8Array, linkType = LINKTYPE_RAW, origLen = frame.length): CaptureStats {
  const s = new CaptureStats();
  s.add(linkType, frame, 0, frame.length, origLen);
  return s.finish();
}

test('malformed packets are counted by reason', () => {
  assert.deepEqual(reasons(classify(PLAIN.subarray(0, 30))), { 'ipv6-truncated': 1 });
  const badLen = PLAIN.slice();
  badLen[5] = 0x40; // Payload Length 64, only 10 octets present
  assert.deepEqual(reasons(classify(badLen)), { 'ipv6-bad-payload-length': 1 });
  // The same cut by a snap length is not malformed.
  assert.deepEqual(reasons(classify(badLen, LINKTYPE_RAW, 104)), {});
  const good = classify(ioamPacket());
  assert.deepEqual(reasons(good), {});
  assert.equal(good.ioamHops, 1);
  // NodeLen 2 does not match trace type 0x800000 (one 4-octet field): Linux 6.18 drops it.
  assert.deepEqual(reasons(classify(ioamPacket(2))), { 'ioam-bad-trace': 1 });
  const hbhLate = fromHex(`
    60000000 0010 3c 40  20010db8000000000000000000000001  20010db8000000000000000000000002
    00 00 01 04 00000000   # Destination Options, then a Hop-by-Hop header (not allowed there)
    3b 00 01 04 00000000`);
  assert.deepEqual(reasons(classify(hbhLate)), { 'hbh-not-first': 1 });
  assert.deepEqual(reasons(classify(PLAIN, 9999)), { 'unknown-link-type': 1 });
  assert.deepEqual(reasons(classify(PLAIN.subarray(0, 3), LINKTYPE_NULL)), { 'link-truncated': 1 });
});

test('GTP-U over UDP port 2152 is classified by message type', () => {
  const gtp = fromHex(`
    60000000 0018 11 40  20010db8000000000000000000000001  20010db8000000000000000000000002
    0868 0868 0018 0000       # UDP 2152 -> 2152
    30ff 0008 00000011        # G-PDU, TEID 0x11
    0102030405060708`);
  const s = classify(gtp);
  assert.equal(s.gtpu, 1);
  assert.equal(s.gtpuTypes[255], 1);
  const badVersion = gtp.slice();
  badVersion[48] = 0x50;
  assert.deepEqual(reasons(classify(badVersion)), { 'gtpu-bad-version': 1 });
});

test('Linux cooked captures and loopback are located', () => {
  const sll = new Uint8Array(16 + PLAIN.length);
  sll[14] = 0x86;
  sll[15] = 0xdd;
  sll.set(PLAIN, 16);
  assert.equal(classify(sll, LINKTYPE_LINUX_SLL).udp, 1);
  const nullLe = new Uint8Array(4 + PLAIN.length);
  nullLe[0] = 30; // AF_INET6 on macOS, little-endian host
  nullLe.set(PLAIN, 4);
  assert.equal(classify(nullLe, LINKTYPE_NULL).ipv6, 1);
});

test('random frames never throw and every frame is counted once', () => {
  fc.assert(
    fc.property(
      fc.array(fc.tuple(fc.constantFrom(0, 1, 101, 108, 113, 228, 229, 276, 7), fc.uint8Array({ maxLength: 200 }))),
      (frames) => {
        const s = new CaptureStats();
        for (const [lt, f] of frames) s.add(lt, f, 0, f.length, f.length);
        s.finish();
        assert.equal(s.packets, frames.length);
        let byLink = 0;
        for (const v of s.linkTypes.values()) byLink += v;
        assert.equal(byLink, frames.length);
      },
    ),
  );
  // Mutations of a valid IOAM packet: classification never throws.
  const base = ioamPacket();
  fc.assert(
    fc.property(fc.nat(base.length - 1), fc.integer({ min: 0, max: 255 }), fc.nat(base.length), (at, v, cut) => {
      const f = base.slice(0, Math.max(cut, 1));
      if (at < f.length) f[at] = v;
      classify(f);
    }),
  );
});

test('MALFORMED names and numbers stay in step', () => {
  assert.equal(Object.keys(MALFORMED).length, MALFORMED_NAMES.length);
  Object.values(MALFORMED).forEach((v, i) => assert.equal(v, i));
});
