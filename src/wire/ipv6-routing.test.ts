import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import {
  Ipv6RoutingView,
  Ipv6SrhView,
  SrhTlvCursor,
  emitIpv6Routing,
  ipv6RoutingBufferLen,
  parseIpv6Routing,
  srhPadding,
  type Ipv6RoutingRepr,
  type SrhTlvRepr,
} from './ipv6-routing.ts';
import { emitIpv6 } from './ipv6.ts';
import { fromHex, toHex } from './bytes.ts';
import { formatIpv6Address, parseIpv6Address } from './address.ts';
import { SR6_FLAG1_ALERT, SR6_FLAG1_HMAC, SR6_FLAG1_OAM, SR6_FLAG1_PROTECTED } from '../uapi/ipv6.ts';
import { scapyBytes, skipUnlessScapy, skipUnlessTshark, tsharkField, tsharkJson } from '../../test/support/tools.ts';

const addr = (s: string): Uint8Array => {
  const a = parseIpv6Address(s);
  assert.ok(a, s);
  return a;
};

// scapy: IPv6ExtHdrSegmentRouting(nh=41, segleft=1, tag=0xbeef,
//          addresses=["2001:db8::c", "2001:db8::b", "2001:db8::a"],
//          tlv_objects=[IPv6ExtHdrSegmentRoutingTLVPadN(padding=b"\0" * 6)])
const SRH_PADN = fromHex(`
  29 07 04 01  02 00 beef                           # IPv6 next, 64 bytes, type 4, SL 1, Last Entry 2, tag 0xbeef
  20010db800000000000000000000000c                  # Segment List[0] (final segment)
  20010db800000000000000000000000b
  20010db800000000000000000000000a                  # Segment List[2] (first segment)
  04 06 000000000000                                # PadN TLV
`);
const SRH_PADN_REPR: Ipv6RoutingRepr = {
  kind: 'srh',
  nextHeader: 41,
  segmentsLeft: 1,
  flags: 0,
  tag: 0xbeef,
  segments: [addr('2001:db8::c'), addr('2001:db8::b'), addr('2001:db8::a')],
  tlvs: [{ kind: 'padn', data: new Uint8Array(6) }],
};

// Crafted from RFC 8754 §2.1.2: one segment and an HMAC TLV (D set, Key ID 7, 32-byte HMAC).
const SRH_HMAC = fromHex(`
  3b 07 04 00  00 08 0000                           # no next header, 64 bytes, SL 0, Last Entry 0, flags 0x08
  fc000000000000000000000000000001
  05 26 8000 00000007                               # HMAC TLV: length 38, D, Key ID 7
  ${'11'.repeat(32)}
`);
const SRH_HMAC_REPR: Ipv6RoutingRepr = {
  kind: 'srh',
  nextHeader: 59,
  segmentsLeft: 0,
  flags: SR6_FLAG1_HMAC,
  tag: 0,
  segments: [addr('fc00::1')],
  tlvs: [{ kind: 'hmac', dFlag: true, reserved: 0, keyId: 7, hmac: new Uint8Array(32).fill(0x11) }],
};

// Crafted from RFC 8754 §2.1.1: single-octet Pad1 TLVs and an unknown TLV type 0x80, kept.
const SRH_PAD1 = fromHex(`
  11 03 04 00  00 00 0000
  20010db8000000000000000000000001
  00 00 80 04 deadbeef
`);
const SRH_PAD1_REPR: Ipv6RoutingRepr = {
  kind: 'srh',
  nextHeader: 17,
  segmentsLeft: 0,
  flags: 0,
  tag: 0,
  segments: [addr('2001:db8::1')],
  tlvs: [{ kind: 'pad1' }, { kind: 'pad1' }, { kind: 'unknown', type: 0x80, data: fromHex('deadbeef') }],
};

// scapy: IPv6ExtHdrRouting(nh=44, addresses=["2001:db8::a"])  (type 0, kept opaque)
const RT0 = fromHex('2c 02 00 01  00000000  20010db800000000000000000000000a');
const RT0_REPR: Ipv6RoutingRepr = {
  kind: 'generic',
  nextHeader: 44,
  routingType: 0,
  segmentsLeft: 1,
  data: fromHex('00000000 20010db800000000000000000000000a'),
};

// Crafted from RFC 6275 §6.4: type 2 (Mobile IPv6) with a home address.
const RT2 = fromHex('3a 02 02 01  00000000  20010db8000000000000000000000099');

const FIXTURES: Array<[string, Uint8Array, Ipv6RoutingRepr]> = [
  ['SRH_PADN', SRH_PADN, SRH_PADN_REPR],
  ['SRH_HMAC', SRH_HMAC, SRH_HMAC_REPR],
  ['SRH_PAD1', SRH_PAD1, SRH_PAD1_REPR],
  ['RT0', RT0, RT0_REPR],
  ['RT2', RT2, { kind: 'generic', nextHeader: 58, routingType: 2, segmentsLeft: 1, data: RT2.slice(4) }],
];

test('every truncation is rejected', () => {
  for (const [name, bytes] of FIXTURES) {
    for (let n = 0; n < bytes.length; n++) {
      const r = parseIpv6Routing(bytes.subarray(0, n));
      assert.equal(r.ok, false, `${name} ${n}`);
      if (!r.ok) assert.equal(r.error.kind, 'truncated');
      assert.equal(Ipv6RoutingView.check(bytes.subarray(0, n)).ok, false);
      assert.equal(Ipv6SrhView.check(bytes.subarray(0, n)).ok, false);
    }
  }
});

test('generic view getters and the Segments Left setter', () => {
  const b = RT0.slice();
  const r = Ipv6RoutingView.check(b);
  assert.ok(r.ok);
  const v = r.value;
  assert.deepEqual([v.nextHeader, v.hdrExtLen, v.length, v.routingType, v.segmentsLeft, v.data.length], [44, 2, 24, 0, 1, 20]);
  v.segmentsLeft = 0;
  assert.equal(b[3], 0);
  assert.equal(Ipv6SrhView.check(RT0).ok, false);
});

test('SRH view getters read the segment list in wire order', () => {
  const r = Ipv6SrhView.check(SRH_PADN);
  assert.ok(r.ok);
  const v = r.value;
  assert.deepEqual([v.routingType, v.segmentsLeft, v.lastEntry, v.segmentCount, v.flags, v.tag, v.length], [4, 1, 2, 3, 0, 0xbeef, 64]);
  assert.deepEqual([0, 1, 2].map((i) => formatIpv6Address(v.segment(i))), ['2001:db8::c', '2001:db8::b', '2001:db8::a']);
  assert.deepEqual([v.tlvOffset, v.tlvLength], [56, 8]);
  // The segment the packet goes to next is Segment List[Segments Left].
  assert.equal(formatIpv6Address(v.segment(v.segmentsLeft)), '2001:db8::b');
  const c = new SrhTlvCursor().reset(v);
  const seen: number[][] = [];
  while (c.next()) seen.push([c.type, c.offset, c.length, c.dataLength]);
  assert.deepEqual(seen, [[4, 56, 8, 6]]);
  const p1 = Ipv6SrhView.check(SRH_PAD1);
  assert.ok(p1.ok);
  c.reset(p1.value);
  const seen1: number[][] = [];
  while (c.next()) seen1.push([c.type, c.offset, c.length]);
  assert.deepEqual(seen1, [
    [0, 24, 1],
    [0, 25, 1],
    [0x80, 26, 6],
  ]);
});

test('SRH setters', () => {
  const b = SRH_PADN.slice();
  const r = Ipv6SrhView.check(b);
  assert.ok(r.ok);
  r.value.segmentsLeft = 0;
  r.value.tag = 0x1234;
  r.value.flags = SR6_FLAG1_OAM;
  assert.equal(toHex(b.subarray(0, 8)), '2907040002201234');
});

test('malformed SRHs', () => {
  // Last Entry 3 needs 4 segments: 72 bytes, the header has 64.
  const tooMany = SRH_PADN.slice();
  tooMany[4] = 3;
  assert.deepEqual(parseIpv6Routing(tooMany), {
    ok: false,
    error: { kind: 'bad-length', offset: 4, field: 'Last Entry', message: '4 segments do not fit a 64-byte header' },
  });
  // A TLV running past the end of the header.
  const overrun = SRH_PADN.slice();
  overrun[57] = 7;
  const o = parseIpv6Routing(overrun);
  assert.equal(o.ok, false);
  if (!o.ok) assert.deepEqual([o.error.kind, o.error.offset], ['truncated', 57]);
  // A type octet alone at the end.
  const tail = fromHex('3b 03 04 00 00 00 0000 20010db8000000000000000000000001 0404 00000000 00 05');
  const t = parseIpv6Routing(tail);
  assert.equal(t.ok, false);
  if (!t.ok) assert.deepEqual([t.error.kind, t.error.offset], ['truncated', 31]);
  // HMAC TLV shorter than its fixed part.
  const shortHmac = fromHex('3b 03 04 00 00 00 0000 20010db8000000000000000000000001 0504 00000000 0000');
  const s = parseIpv6Routing(shortHmac);
  assert.equal(s.ok, false);
  if (!s.ok) assert.deepEqual([s.error.kind, s.error.offset], ['bad-length', 25]);
});

test('parse, emit equals the fixtures, round trip', () => {
  for (const [name, bytes, repr] of FIXTURES) {
    const r = parseIpv6Routing(bytes);
    assert.ok(r.ok, name);
    assert.deepEqual(r.value, repr, name);
    assert.equal(ipv6RoutingBufferLen(repr), bytes.length);
    const out = new Uint8Array(bytes.length + 2);
    assert.equal(emitIpv6Routing(repr, out, 2), bytes.length);
    assert.equal(toHex(out.subarray(2)), toHex(bytes), name);
  }
});

test('srhPadding ends the SRH on 8 octets', () => {
  assert.deepEqual(srhPadding([]), []);
  assert.deepEqual(srhPadding([{ kind: 'unknown', type: 0x80, data: new Uint8Array(5) }]), [{ kind: 'pad1' }]);
  assert.deepEqual(srhPadding([{ kind: 'pad1' }]), [{ kind: 'padn', data: new Uint8Array(5) }]);
  assert.throws(
    () => emitIpv6Routing({ ...SRH_PAD1_REPR, tlvs: [{ kind: 'pad1' }] }, new Uint8Array(64)),
    RangeError,
  );
  assert.throws(() => emitIpv6Routing({ ...SRH_PAD1_REPR, segments: [] }, new Uint8Array(64)), RangeError);
});

const tlvArb: fc.Arbitrary<SrhTlvRepr> = fc.oneof(
  fc.constant<SrhTlvRepr>({ kind: 'pad1' }),
  fc.uint8Array({ maxLength: 5 }).map((data): SrhTlvRepr => ({ kind: 'padn', data })),
  fc
    .record({ dFlag: fc.boolean(), reserved: fc.integer({ min: 0, max: 0x7fff }), keyId: fc.integer({ min: 0, max: 0xffffffff }), hmac: fc.uint8Array({ maxLength: 32 }) })
    .map((h): SrhTlvRepr => ({ kind: 'hmac', ...h })),
  fc
    .record({ type: fc.integer({ min: 1, max: 255 }).filter((t) => t !== 4 && t !== 5), data: fc.uint8Array({ maxLength: 30 }) })
    .map(({ type, data }): SrhTlvRepr => ({ kind: 'unknown', type, data })),
);

const reprArb: fc.Arbitrary<Ipv6RoutingRepr> = fc.oneof(
  fc
    .record({
      nextHeader: fc.integer({ min: 0, max: 255 }),
      routingType: fc.integer({ min: 0, max: 255 }).filter((t) => t !== 4),
      segmentsLeft: fc.integer({ min: 0, max: 255 }),
      units: fc.integer({ min: 0, max: 20 }),
      seed: fc.integer({ min: 0, max: 255 }),
    })
    .map(
      ({ nextHeader, routingType, segmentsLeft, units, seed }): Ipv6RoutingRepr => ({
        kind: 'generic',
        nextHeader,
        routingType,
        segmentsLeft,
        data: new Uint8Array(4 + units * 8).map((_, i) => (i * 31 + seed) & 0xff),
      }),
    ),
  fc
    .record({
      nextHeader: fc.integer({ min: 0, max: 255 }),
      segmentsLeft: fc.integer({ min: 0, max: 255 }),
      flags: fc.integer({ min: 0, max: 255 }),
      tag: fc.integer({ min: 0, max: 0xffff }),
      segments: fc.array(fc.uint8Array({ minLength: 16, maxLength: 16 }), { minLength: 1, maxLength: 10 }),
      tlvs: fc.array(tlvArb, { maxLength: 6 }),
    })
    .map((r): Ipv6RoutingRepr => ({ kind: 'srh', ...r, tlvs: [...r.tlvs, ...srhPadding(r.tlvs)] })),
);

test('property: parse(emit(r)) equals r', () => {
  fc.assert(
    fc.property(reprArb, (r) => {
      const b = new Uint8Array(ipv6RoutingBufferLen(r));
      emitIpv6Routing(r, b);
      const p = parseIpv6Routing(b);
      assert.ok(p.ok, p.ok ? '' : p.error.message);
      assert.deepEqual(p.value, { ...r });
    }),
  );
});

test('property: random bytes never throw', () => {
  fc.assert(
    fc.property(fc.uint8Array({ maxLength: 96 }), fc.boolean(), (b, srh) => {
      if (srh && b.length > 2) b[2] = 4;
      parseIpv6Routing(b);
      const v = Ipv6SrhView.check(b);
      if (v.ok) {
        for (let i = 0; i <= v.value.lastEntry; i++) assert.equal(v.value.segment(i).length, 16);
        const c = new SrhTlvCursor().reset(v.value);
        while (c.next()) assert.ok(c.offset + c.length <= v.value.length);
      }
    }),
  );
});

test('scapy builds, we decode the same values', { skip: skipUnlessScapy() }, () => {
  const pkts = scapyBytes([
    'IPv6ExtHdrSegmentRouting(nh=41, segleft=1, tag=0xbeef, addresses=["2001:db8::c", "2001:db8::b", "2001:db8::a"], tlv_objects=[IPv6ExtHdrSegmentRoutingTLVPadN(padding=b"\\x00" * 6)])',
    'IPv6ExtHdrSegmentRouting(nh=17, segleft=0, protected=1, oam=1, alert=1, hmac=1, tag=7, addresses=["fc00::1"])',
    'IPv6ExtHdrRouting(nh=6, segleft=2, addresses=["2001:db8::1", "2001:db8::2"])',
  ]);
  const a = parseIpv6Routing(pkts[0] ?? new Uint8Array(0));
  assert.ok(a.ok);
  assert.deepEqual(a.value, SRH_PADN_REPR);
  assert.equal(toHex(pkts[0] ?? new Uint8Array(0)), toHex(SRH_PADN));
  const b = parseIpv6Routing(pkts[1] ?? new Uint8Array(0));
  assert.ok(b.ok);
  assert.deepEqual(b.value, {
    kind: 'srh',
    nextHeader: 17,
    segmentsLeft: 0,
    flags: SR6_FLAG1_PROTECTED | SR6_FLAG1_OAM | SR6_FLAG1_ALERT | SR6_FLAG1_HMAC,
    tag: 7,
    segments: [addr('fc00::1')],
    tlvs: [],
  });
  const c = parseIpv6Routing(pkts[2] ?? new Uint8Array(0));
  assert.ok(c.ok);
  assert.deepEqual(c.value, {
    kind: 'generic',
    nextHeader: 6,
    routingType: 0,
    segmentsLeft: 2,
    data: fromHex('00000000 20010db8000000000000000000000001 20010db8000000000000000000000002'),
  });
});

test('tshark dissects what we emit with the same field values', { skip: skipUnlessTshark() }, () => {
  const reprs: Ipv6RoutingRepr[] = [SRH_PADN_REPR, { ...SRH_PAD1_REPR, nextHeader: 59, tag: 0x0102, segmentsLeft: 1 }, RT0_REPR];
  const pkts = reprs.map((r) => {
    const len = ipv6RoutingBufferLen(r);
    const pkt = new Uint8Array(40 + len);
    const nh = r.nextHeader;
    emitIpv6({ trafficClass: 0, flowLabel: 0, payloadLength: len, nextHeader: 43, hopLimit: 64, src: addr('2001:db8::1'), dst: addr('2001:db8::2') }, pkt);
    emitIpv6Routing({ ...r, nextHeader: nh === 41 || nh === 44 ? 59 : nh }, pkt, 40);
    return pkt;
  });
  const layers = tsharkJson(pkts, { args: ['--no-duplicate-keys'] });
  reprs.forEach((r, i) => {
    const l = layers[i];
    const len = ipv6RoutingBufferLen(r);
    assert.deepEqual(tsharkField(l, 'ipv6.routing.len'), [String(len / 8 - 1)]);
    assert.deepEqual(tsharkField(l, 'ipv6.routing.segleft'), [String(r.segmentsLeft)]);
    if (r.kind === 'srh') {
      assert.deepEqual(tsharkField(l, 'ipv6.routing.type'), ['4']);
      assert.deepEqual(tsharkField(l, 'ipv6.routing.srh.last_entry'), [String(r.segments.length - 1)]);
      assert.deepEqual(tsharkField(l, 'ipv6.routing.srh.tag'), [`${(r.tag >>> 8).toString(16).padStart(2, '0')}:${(r.tag & 0xff).toString(16).padStart(2, '0')}`]);
      assert.deepEqual(tsharkField(l, 'ipv6.routing.srh.addr'), r.segments.map((s) => formatIpv6Address(s)));
    } else {
      assert.deepEqual(tsharkField(l, 'ipv6.routing.type'), [String(r.routingType)]);
      assert.deepEqual(tsharkField(l, 'ipv6.routing.src.addr'), ['2001:db8::a']);
    }
  });
});
