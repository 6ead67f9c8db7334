import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { Ipv6View, emitIpv6, ipv6BufferLen, parseIpv6, type Ipv6Repr } from './ipv6.ts';
import { fromHex, toHex } from './bytes.ts';
import { formatIpv6Address, parseIpv6Address } from './address.ts';
import { scapyBytes, skipUnlessScapy, skipUnlessTshark, tsharkField, tsharkJson } from '../../test/support/tools.ts';

// scapy: IPv6(src="2001:db8::1", dst="2001:db8::2", tc=0xb9, fl=0x12345, hlim=64)
//        /UDP(sport=1234, dport=5678)/b"hi"
const UDP_PACKET = fromHex(`
  6b 91 23 45  00 0a 11 40                          # v6, tc 0xb9 (DSCP 46, ECN 1), flow 0x12345, plen 10, UDP, hlim 64
  20010db8 00000000 00000000 00000001               # src 2001:db8::1
  20010db8 00000000 00000000 00000002               # dst 2001:db8::2
  04d2 162e 000a 20fc 6869                          # UDP 1234 -> 5678, "hi"
`);

// Crafted: Payload Length 0 with a Hop-by-Hop header next, as a jumbogram starts (RFC 2675 §3).
const JUMBO_START = fromHex(`
  60000000 0000 00 40
  20010db8000000000000000000000001 20010db8000000000000000000000002
  11 00 c2 04 00 01 11 70                           # HBH: Jumbo Payload 70000
`);

const addr = (s: string): Uint8Array => {
  const a = parseIpv6Address(s);
  assert.ok(a, s);
  return a;
};

const UDP_REPR: Ipv6Repr = {
  trafficClass: 0xb9,
  flowLabel: 0x12345,
  payloadLength: 10,
  nextHeader: 17,
  hopLimit: 64,
  src: addr('2001:db8::1'),
  dst: addr('2001:db8::2'),
};

function checked(bytes: Uint8Array): Ipv6View {
  const r = Ipv6View.check(bytes);
  assert.ok(r.ok, r.ok ? '' : r.error.message);
  return r.value;
}

test('every truncation of the fixed header is rejected', () => {
  for (let n = 0; n < 40; n++) {
    const r = Ipv6View.check(UDP_PACKET.subarray(0, n));
    assert.equal(r.ok, false, `prefix ${n}`);
    if (!r.ok) assert.equal(r.error.kind, 'truncated');
    assert.equal(parseIpv6(UDP_PACKET.subarray(0, n)).ok, false);
  }
  // The view reads a bare header; parse also wants the declared payload.
  for (let n = 40; n < UDP_PACKET.length; n++) {
    assert.equal(Ipv6View.check(UDP_PACKET.subarray(0, n)).ok, true);
    const r = parseIpv6(UDP_PACKET.subarray(0, n));
    assert.equal(r.ok, false, `prefix ${n}`);
    if (!r.ok) assert.deepEqual([r.error.kind, r.error.offset, r.error.field], ['truncated', 4, 'Payload Length']);
  }
});

test('version other than 6 is rejected', () => {
  const b = UDP_PACKET.slice();
  b[0] = 0x45;
  const r = Ipv6View.check(b);
  assert.equal(r.ok, false);
  if (!r.ok) assert.deepEqual([r.error.kind, r.error.offset, r.error.field], ['bad-version', 0, 'Version']);
});

test('getters read the fixture', () => {
  const v = checked(UDP_PACKET);
  assert.equal(v.version, 6);
  assert.equal(v.trafficClass, 0xb9);
  assert.equal(v.dscp, 46);
  assert.equal(v.ecn, 1);
  assert.equal(v.flowLabel, 0x12345);
  assert.equal(v.payloadLength, 10);
  assert.equal(v.nextHeader, 17);
  assert.equal(v.hopLimit, 64);
  assert.equal(formatIpv6Address(v.src), '2001:db8::1');
  assert.equal(formatIpv6Address(v.dst), '2001:db8::2');
  assert.equal(toHex(v.payload), '04d2162e000a20fc6869');
  assert.equal(v.payloadFits, true);
  assert.equal(v.jumboCandidate, false);
  // src/dst are views into the packet, not copies.
  assert.equal(v.src.buffer, UDP_PACKET.buffer);
});

test('setters write in place and leave neighbouring bits alone', () => {
  const b = UDP_PACKET.slice();
  const v = checked(b);
  v.ecn = 2;
  assert.deepEqual([v.dscp, v.ecn, v.flowLabel, v.version], [46, 2, 0x12345, 6]);
  v.dscp = 10;
  assert.deepEqual([v.trafficClass, v.ecn, v.flowLabel], [(10 << 2) | 2, 2, 0x12345]);
  v.flowLabel = 0xfffff;
  assert.deepEqual([v.trafficClass, v.flowLabel, v.version], [(10 << 2) | 2, 0xfffff, 6]);
  v.trafficClass = 0;
  assert.deepEqual([v.trafficClass, v.flowLabel], [0, 0xfffff]);
  v.hopLimit = 1;
  v.nextHeader = 58;
  v.payloadLength = 2;
  v.dst = addr('ff02::1');
  assert.deepEqual([b[7], b[6], b[4], b[5]], [1, 58, 0, 2]);
  assert.equal(formatIpv6Address(b, 24), 'ff02::1');
  assert.equal(toHex(v.payload), '04d2');
  v.version = 4;
  assert.equal((b[0] ?? 0) >>> 4, 4);
});

test('parse gives the Repr, with copied addresses', () => {
  const r = parseIpv6(UDP_PACKET);
  assert.ok(r.ok);
  assert.deepEqual(r.value, UDP_REPR);
  assert.notEqual(r.value.src.buffer, UDP_PACKET.buffer);
});

test('payload length 0 before Hop-by-Hop is left to the caller (jumbogram)', () => {
  const v = checked(JUMBO_START);
  assert.equal(v.jumboCandidate, true);
  assert.equal(v.payload.length, 8);
  const r = parseIpv6(JUMBO_START);
  assert.ok(r.ok);
  assert.equal(r.value.payloadLength, 0);
});

test('emit writes the fixture header; round trip', () => {
  assert.equal(ipv6BufferLen(UDP_REPR), 40);
  const out = new Uint8Array(UDP_PACKET.length);
  assert.equal(emitIpv6(UDP_REPR, out), 40);
  assert.equal(toHex(out.subarray(0, 40)), toHex(UDP_PACKET.subarray(0, 40)));
  out.set(UDP_PACKET.subarray(40), 40);
  const again = parseIpv6(out);
  assert.ok(again.ok);
  assert.deepEqual(again.value, UDP_REPR);
  const shifted = new Uint8Array(45);
  assert.equal(emitIpv6(UDP_REPR, shifted, 5), 40);
  assert.equal(toHex(shifted.subarray(5)), toHex(UDP_PACKET.subarray(0, 40)));
});

test('emit refuses bad Reprs and short buffers', () => {
  assert.throws(() => emitIpv6({ ...UDP_REPR, flowLabel: 0x100000 }, new Uint8Array(40)), RangeError);
  assert.throws(() => emitIpv6({ ...UDP_REPR, trafficClass: 256 }, new Uint8Array(40)), RangeError);
  assert.throws(() => emitIpv6({ ...UDP_REPR, payloadLength: 65536 }, new Uint8Array(40)), RangeError);
  assert.throws(() => emitIpv6({ ...UDP_REPR, src: new Uint8Array(4) }, new Uint8Array(40)), RangeError);
  assert.throws(() => emitIpv6(UDP_REPR, new Uint8Array(39)), RangeError);
});

const reprArb: fc.Arbitrary<Ipv6Repr> = fc.record({
  trafficClass: fc.integer({ min: 0, max: 0xff }),
  flowLabel: fc.integer({ min: 0, max: 0xfffff }),
  payloadLength: fc.integer({ min: 0, max: 300 }),
  nextHeader: fc.integer({ min: 0, max: 0xff }),
  hopLimit: fc.integer({ min: 0, max: 0xff }),
  src: fc.uint8Array({ minLength: 16, maxLength: 16 }),
  dst: fc.uint8Array({ minLength: 16, maxLength: 16 }),
});

test('property: parse(emit(r)) equals r', () => {
  fc.assert(
    fc.property(reprArb, (r) => {
      const b = new Uint8Array(40 + r.payloadLength);
      emitIpv6(r, b);
      const p = parseIpv6(b);
      assert.ok(p.ok);
      assert.deepEqual(p.value, { ...r });
    }),
  );
});

test('property: random bytes never throw', () => {
  fc.assert(
    fc.property(fc.uint8Array({ maxLength: 80 }), (b) => {
      const r = Ipv6View.check(b);
      if (r.ok) {
        const v = r.value;
        void [v.trafficClass, v.dscp, v.ecn, v.flowLabel, v.payloadLength, v.nextHeader, v.hopLimit, v.src, v.dst, v.payload];
      }
      parseIpv6(b);
    }),
  );
});

test('scapy builds, we decode the same values', { skip: skipUnlessScapy() }, () => {
  const cases = [
    { tc: 0, fl: 0, hlim: 255, src: '::', dst: '::1', nh: 59 },
    { tc: 0xff, fl: 0xfffff, hlim: 1, src: 'fe80::1', dst: 'ff02::16', nh: 0 },
    { tc: 0x2e, fl: 0xabcde, hlim: 64, src: '2001:db8:1::5', dst: '2001:db8:2::6', nh: 17 },
  ];
  const pkts = scapyBytes(
    cases.map((c) => `IPv6(tc=${c.tc}, fl=${c.fl}, hlim=${c.hlim}, src="${c.src}", dst="${c.dst}", nh=${c.nh})/Raw(b"xyz")`),
  );
  cases.forEach((c, i) => {
    const r = parseIpv6(pkts[i] ?? new Uint8Array(0));
    assert.ok(r.ok);
    assert.equal(r.value.trafficClass, c.tc);
    assert.equal(r.value.flowLabel, c.fl);
    assert.equal(r.value.hopLimit, c.hlim);
    assert.equal(r.value.nextHeader, c.nh);
    assert.equal(r.value.payloadLength, 3);
    assert.equal(formatIpv6Address(r.value.src), c.src);
    assert.equal(formatIpv6Address(r.value.dst), c.dst);
  });
});

test('tshark dissects what we emit with the same field values', { skip: skipUnlessTshark() }, () => {
  const reprs: Ipv6Repr[] = [
    UDP_REPR,
    { ...UDP_REPR, trafficClass: 0x03, flowLabel: 0xfffff, hopLimit: 255, nextHeader: 59, payloadLength: 4 },
    { ...UDP_REPR, trafficClass: 0xfc, flowLabel: 1, hopLimit: 1, nextHeader: 59, payloadLength: 0, dst: addr('ff02::1') },
  ];
  const pkts = reprs.map((r) => {
    const b = new Uint8Array(40 + r.payloadLength);
    emitIpv6(r, b);
    if (r === UDP_REPR) b.set(UDP_PACKET.subarray(40), 40);
    return b;
  });
  const layers = tsharkJson(pkts);
  reprs.forEach((r, i) => {
    const l = layers[i];
    assert.deepEqual(tsharkField(l, 'ipv6.version'), ['6']);
    assert.deepEqual(tsharkField(l, 'ipv6.flow'), [`0x${r.flowLabel.toString(16).padStart(6, '0')}`]);
    assert.deepEqual(tsharkField(l, 'ipv6.tclass.dscp'), [String(r.trafficClass >>> 2)]);
    assert.deepEqual(tsharkField(l, 'ipv6.tclass.ecn'), [String(r.trafficClass & 3)]);
    assert.deepEqual(tsharkField(l, 'ipv6.hlim'), [String(r.hopLimit)]);
    assert.deepEqual(tsharkField(l, 'ipv6.plen'), [String(r.payloadLength)]);
    assert.deepEqual(tsharkField(l, 'ipv6.nxt'), [String(r.nextHeader)]);
    assert.deepEqual(tsharkField(l, 'ipv6.src'), [formatIpv6Address(r.src)]);
    assert.deepEqual(tsharkField(l, 'ipv6.dst'), [formatIpv6Address(r.dst)]);
  });
});
