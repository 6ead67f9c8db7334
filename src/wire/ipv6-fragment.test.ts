import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import {
  Ipv6FragmentView,
  emitIpv6Fragment,
  fragmentByteOffset,
  ipv6FragmentBufferLen,
  parseIpv6Fragment,
  type Ipv6FragmentRepr,
} from './ipv6-fragment.ts';
import { emitIpv6 } from './ipv6.ts';
import { fromHex, toHex } from './bytes.ts';
import { scapyBytes, skipUnlessScapy, skipUnlessTshark, tsharkField, tsharkJson } from '../../test/support/tools.ts';

// scapy: IPv6ExtHdrFragment(nh=17, offset=185, m=1, id=0xdeadbeef)
const FRAG = fromHex('11 00 05c9 deadbeef'); // UDP next, offset 185 (1480 bytes), M=1
const FRAG_REPR: Ipv6FragmentRepr = {
  nextHeader: 17,
  fragmentOffset: 185,
  moreFragments: true,
  identification: 0xdeadbeef,
  reserved: 0,
  reservedBits: 0,
};

// Crafted: both reserved fields set (RFC 8200 §4.5: ignored on receipt, kept by us).
const FRAG_RESERVED = fromHex('3a ab 05cf 00000001'); // ICMPv6 next, reserved 0xab, offset 185, Res 3, M=1

function view(b: Uint8Array): Ipv6FragmentView {
  const r = Ipv6FragmentView.check(b);
  assert.ok(r.ok);
  return r.value;
}

test('every truncation is rejected', () => {
  for (let n = 0; n < FRAG.length; n++) {
    const r = parseIpv6Fragment(FRAG.subarray(0, n));
    assert.equal(r.ok, false, `prefix ${n}`);
    if (!r.ok) assert.equal(r.error.kind, 'truncated');
    assert.equal(Ipv6FragmentView.check(FRAG.subarray(0, n)).ok, false);
  }
});

test('getters', () => {
  const v = view(FRAG);
  assert.deepEqual(
    [v.nextHeader, v.reserved, v.fragOff, v.fragmentOffset, v.byteOffset, v.reservedBits, v.moreFragments, v.identification],
    [17, 0, 0x05c9, 185, 1480, 0, true, 0xdeadbeef],
  );
  const w = view(FRAG_RESERVED);
  assert.deepEqual([w.nextHeader, w.reserved, w.fragmentOffset, w.reservedBits, w.moreFragments, w.identification], [58, 0xab, 185, 3, true, 1]);
});

test('setters change only their field', () => {
  const b = FRAG_RESERVED.slice();
  const v = view(b);
  v.moreFragments = false;
  assert.deepEqual([v.fragmentOffset, v.reservedBits, v.moreFragments], [185, 3, false]);
  v.fragmentOffset = 0x1fff;
  assert.deepEqual([v.fragmentOffset, v.reservedBits, v.moreFragments, v.byteOffset], [0x1fff, 3, false, 0xfff8]);
  v.reservedBits = 0;
  v.moreFragments = true;
  v.identification = 0x01020304;
  v.nextHeader = 6;
  v.reserved = 0;
  assert.equal(toHex(b), '0600fff901020304');
});

test('parse, emit, round trip', () => {
  const r = parseIpv6Fragment(FRAG);
  assert.ok(r.ok);
  assert.deepEqual(r.value, FRAG_REPR);
  assert.equal(fragmentByteOffset(r.value), 1480);
  assert.equal(ipv6FragmentBufferLen(FRAG_REPR), 8);
  const out = new Uint8Array(8);
  assert.equal(emitIpv6Fragment(FRAG_REPR, out), 8);
  assert.deepEqual(out, FRAG);
  const kept = parseIpv6Fragment(FRAG_RESERVED);
  assert.ok(kept.ok);
  assert.deepEqual(kept.value, { nextHeader: 58, fragmentOffset: 185, moreFragments: true, identification: 1, reserved: 0xab, reservedBits: 3 });
  const out2 = new Uint8Array(10);
  emitIpv6Fragment(kept.value, out2, 2);
  assert.deepEqual(out2.subarray(2), FRAG_RESERVED);
});

test('emit refuses bad Reprs', () => {
  assert.throws(() => emitIpv6Fragment({ ...FRAG_REPR, fragmentOffset: 0x2000 }, new Uint8Array(8)), RangeError);
  assert.throws(() => emitIpv6Fragment({ ...FRAG_REPR, reservedBits: 4 }, new Uint8Array(8)), RangeError);
  assert.throws(() => emitIpv6Fragment({ ...FRAG_REPR, identification: 2 ** 32 }, new Uint8Array(8)), RangeError);
  assert.throws(() => emitIpv6Fragment(FRAG_REPR, new Uint8Array(7)), RangeError);
});

const reprArb: fc.Arbitrary<Ipv6FragmentRepr> = fc.record({
  nextHeader: fc.integer({ min: 0, max: 255 }),
  fragmentOffset: fc.integer({ min: 0, max: 0x1fff }),
  moreFragments: fc.boolean(),
  identification: fc.integer({ min: 0, max: 0xffffffff }),
  reserved: fc.integer({ min: 0, max: 255 }),
  reservedBits: fc.integer({ min: 0, max: 3 }),
});

test('property: parse(emit(r)) equals r', () => {
  fc.assert(
    fc.property(reprArb, (r) => {
      const b = new Uint8Array(8);
      emitIpv6Fragment(r, b);
      const p = parseIpv6Fragment(b);
      assert.ok(p.ok);
      assert.deepEqual(p.value, { ...r });
    }),
  );
});

test('property: random bytes never throw', () => {
  fc.assert(
    fc.property(fc.uint8Array({ maxLength: 12 }), (b) => {
      parseIpv6Fragment(b);
      const r = Ipv6FragmentView.check(b);
      if (r.ok) void [r.value.fragmentOffset, r.value.byteOffset, r.value.moreFragments, r.value.identification];
    }),
  );
});

test('scapy builds, we decode the same values', { skip: skipUnlessScapy() }, () => {
  const cases = [
    { nh: 6, offset: 0, m: 0, id: 0, res1: 0, res2: 0 },
    { nh: 59, offset: 8191, m: 1, id: 0xffffffff, res1: 0xff, res2: 3 },
    { nh: 17, offset: 1, m: 0, id: 0x80000001, res1: 1, res2: 1 },
  ];
  const pkts = scapyBytes(cases.map((c) => `IPv6ExtHdrFragment(nh=${c.nh}, offset=${c.offset}, m=${c.m}, id=${c.id}, res1=${c.res1}, res2=${c.res2})`));
  cases.forEach((c, i) => {
    const r = parseIpv6Fragment(pkts[i] ?? new Uint8Array(0));
    assert.ok(r.ok);
    assert.deepEqual(r.value, {
      nextHeader: c.nh,
      fragmentOffset: c.offset,
      moreFragments: c.m === 1,
      identification: c.id,
      reserved: c.res1,
      reservedBits: c.res2,
    });
  });
});

test('tshark dissects what we emit with the same field values', { skip: skipUnlessTshark() }, () => {
  const reprs: Ipv6FragmentRepr[] = [FRAG_REPR, { ...FRAG_REPR, fragmentOffset: 0, moreFragments: true, identification: 7, nextHeader: 59 }];
  const pkts = reprs.map((f) => {
    const b = new Uint8Array(40 + 8 + 16);
    emitIpv6(
      { trafficClass: 0, flowLabel: 0, payloadLength: 24, nextHeader: 44, hopLimit: 64, src: new Uint8Array(16).fill(1), dst: new Uint8Array(16).fill(2) },
      b,
    );
    emitIpv6Fragment(f, b, 40);
    return b;
  });
  const layers = tsharkJson(pkts);
  reprs.forEach((f, i) => {
    const l = layers[i];
    assert.deepEqual(tsharkField(l, 'ipv6.fraghdr.nxt'), [String(f.nextHeader)]);
    assert.deepEqual(tsharkField(l, 'ipv6.fraghdr.ident'), [`0x${f.identification.toString(16).padStart(8, '0')}`]);
    assert.deepEqual(tsharkField(l, 'ipv6.fraghdr.offset'), [String(f.fragmentOffset)]);
    assert.deepEqual(tsharkField(l, 'ipv6.fraghdr.more'), [f.moreFragments ? '1' : '0']);
  });
});
