import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { UdpView, emitUdp, parseUdp, udpBufferLen, UDP_HEADER_LEN, type UdpChecksumContext, type UdpRepr } from './udp.ts';
import { fromHex, setU16, toHex, u16 } from './bytes.ts';
import { parseIpv4Address, parseIpv6Address } from './address.ts';
import { emitIpv4, ipv4BufferLen } from './ipv4.ts';
import { IPPROTO_UDP } from '../uapi/in6.ts';
import { scapyBytes, skipUnlessScapy, skipUnlessTshark, tsharkField, tsharkJson } from '../../test/support/tools.ts';
import { ipv6Header, concat } from '../../test/support/packets.ts';

const SRC6 = parseIpv6Address('2001:db8::1') ?? new Uint8Array(16);
const DST6 = parseIpv6Address('2001:db8::2') ?? new Uint8Array(16);
const SRC4 = parseIpv4Address('192.0.2.1') ?? new Uint8Array(4);
const DST4 = parseIpv4Address('192.0.2.2') ?? new Uint8Array(4);
const CTX6: UdpChecksumContext = { family: 'ipv6', src: SRC6, dst: DST6 };
const CTX4: UdpChecksumContext = { family: 'ipv4', src: SRC4, dst: DST4 };

/**
 * scapy 2.5: IPv6(src='2001:db8::1', dst='2001:db8::2')/UDP(sport=12345, dport=2152)/b'hello'.
 * The UDP datagram starts at byte 40.
 */
const UDP6_PACKET = fromHex(`
  60000000 000d 11 40  20010db8000000000000000000000001  20010db8000000000000000000000002
  3039 0868 000d 27ec  68656c6c6f
`);
const UDP6 = UDP6_PACKET.subarray(40);

/** scapy 2.5: IP(src='192.0.2.1', dst='192.0.2.2')/UDP(sport=53, dport=40000)/b'abc'; UDP at 20. */
const UDP4_PACKET = fromHex('4500001f000100004011f6c9c0000201c0000202 0035 9c40 000b 1afc 616263');
const UDP4 = UDP4_PACKET.subarray(20);

test('getters read the scapy datagram', () => {
  const v = UdpView.check(UDP6);
  assert.ok(v.ok);
  assert.equal(v.value.srcPort, 12345);
  assert.equal(v.value.dstPort, 2152);
  assert.equal(v.value.length, 13);
  assert.equal(v.value.checksum, 0x27ec);
  assert.equal(toHex(v.value.payload), toHex(new TextEncoder().encode('hello')));
});

test('every truncation is rejected', () => {
  for (let n = 0; n < UDP6.length; n++) {
    const r = UdpView.check(UDP6.subarray(0, n));
    assert.equal(r.ok, false, `length ${n}`);
    if (!r.ok) assert.equal(r.error.kind, 'truncated', `length ${n}`);
    assert.equal(parseUdp(UDP6.subarray(0, n), CTX6).ok, false);
  }
});

test('a Length below 8 is rejected (Linux: short packet)', () => {
  for (const len of [0, 1, 7]) {
    const b = UDP6.slice();
    setU16(b, 4, len);
    const r = UdpView.check(b);
    assert.ok(!r.ok);
    assert.equal(r.error.kind, 'bad-length');
    assert.equal(r.error.offset, 4);
    assert.equal(r.error.field, 'Length');
  }
});

test('parse verifies the checksum over the IPv6 and IPv4 pseudo-headers', () => {
  const r6 = parseUdp(UDP6, CTX6);
  assert.ok(r6.ok);
  assert.deepEqual(r6.value, { srcPort: 12345, dstPort: 2152, payload: new TextEncoder().encode('hello') });
  const r4 = parseUdp(UDP4, CTX4);
  assert.ok(r4.ok);
  assert.deepEqual(r4.value, { srcPort: 53, dstPort: 40000, payload: new TextEncoder().encode('abc') });
  // Against the wrong addresses it fails, naming the field.
  const wrong = parseUdp(UDP6, { family: 'ipv6', src: DST6, dst: DST6 });
  assert.ok(!wrong.ok);
  assert.equal(wrong.error.kind, 'bad-checksum');
  assert.equal(wrong.error.offset, 6);
});

test('emit equals the scapy fixtures', () => {
  const repr: UdpRepr = { srcPort: 12345, dstPort: 2152, payload: new TextEncoder().encode('hello') };
  const out = new Uint8Array(udpBufferLen(repr));
  assert.equal(emitUdp(repr, out, 0, CTX6), 13);
  assert.equal(toHex(out), toHex(UDP6));
  const repr4: UdpRepr = { srcPort: 53, dstPort: 40000, payload: new TextEncoder().encode('abc') };
  const out4 = new Uint8Array(udpBufferLen(repr4) + 3);
  assert.equal(emitUdp(repr4, out4, 3, CTX4), 11);
  assert.equal(toHex(out4.subarray(3)), toHex(UDP4));
  // Without a context the checksum is left zero.
  const bare = new Uint8Array(13);
  emitUdp(repr, bare);
  assert.equal(u16(bare, 6), 0);
});

test('emit refuses a small buffer and out-of-range ports', () => {
  const repr: UdpRepr = { srcPort: 1, dstPort: 2, payload: new Uint8Array(4) };
  assert.throws(() => emitUdp(repr, new Uint8Array(11)), RangeError);
  assert.throws(() => emitUdp(repr, new Uint8Array(12), 1), RangeError);
  assert.throws(() => emitUdp({ ...repr, srcPort: 65536 }, new Uint8Array(12)), RangeError);
  assert.throws(() => emitUdp({ ...repr, payload: new Uint8Array(65528) }, new Uint8Array(70000)), RangeError);
});

test('bytes after Length (link padding) are outside the datagram', () => {
  const padded = concat(UDP6, fromHex('00 00 00 ff'));
  const v = UdpView.check(padded);
  assert.ok(v.ok);
  assert.equal(v.value.payload.length, 5);
  assert.equal(v.value.verifyChecksum(CTX6), 'good');
});

test('a zero checksum: invalid over IPv6, allowed for tunnels (RFC 6935), "none" over IPv4', () => {
  const b6 = UDP6.slice();
  setU16(b6, 6, 0);
  const v6 = UdpView.check(b6);
  assert.ok(v6.ok);
  assert.equal(v6.value.verifyChecksum(CTX6), 'zero');
  assert.equal(v6.value.verifyChecksum({ ...CTX6, zeroChecksumAllowed: true }), 'none');
  const r = parseUdp(b6, CTX6);
  assert.ok(!r.ok);
  assert.equal(r.error.kind, 'bad-checksum');
  assert.ok(parseUdp(b6, { ...CTX6, zeroChecksumAllowed: true }).ok);

  const b4 = UDP4.slice();
  setU16(b4, 6, 0);
  const v4 = UdpView.check(b4);
  assert.ok(v4.ok);
  assert.equal(v4.value.verifyChecksum(CTX4), 'none');
  assert.ok(parseUdp(b4, CTX4).ok);
});

test('a corrupted datagram is "bad"', () => {
  const b = UDP6.slice();
  b[10] = (b[10] ?? 0) ^ 0x01;
  const v = UdpView.check(b);
  assert.ok(v.ok);
  assert.equal(v.value.verifyChecksum(CTX6), 'bad');
});

/** A payload whose last word makes the computed checksum 0, so it must go out as 0xffff. */
function zeroSumPayload(ctx: UdpChecksumContext): Uint8Array {
  const payload = fromHex('de ad be ef 00 00');
  const tmp = new Uint8Array(8 + payload.length);
  emitUdp({ srcPort: 7, dstPort: 9, payload }, tmp, 0, ctx);
  // With the last word w = 0 the checksum c = ~S; setting w = c makes the sum 0xffff.
  setU16(payload, 4, u16(tmp, 6));
  return payload;
}

test('a computed zero checksum is transmitted as 0xffff (RFC 768, RFC 8200 §8.1)', () => {
  for (const ctx of [CTX6, CTX4]) {
    const payload = zeroSumPayload(ctx);
    const out = new Uint8Array(8 + payload.length);
    emitUdp({ srcPort: 7, dstPort: 9, payload }, out, 0, ctx);
    assert.equal(u16(out, 6), 0xffff, ctx.family);
    const v = UdpView.check(out);
    assert.ok(v.ok);
    assert.equal(v.value.verifyChecksum(ctx), 'good');
  }
});

test('scapy agrees: same bytes, same checksums, including the 0xffff case', { skip: skipUnlessScapy() }, () => {
  const zp6 = zeroSumPayload(CTX6);
  const zp4 = zeroSumPayload(CTX4);
  const [a, b, c, d] = scapyBytes([
    "IPv6(src='2001:db8::1', dst='2001:db8::2')/UDP(sport=12345, dport=2152)/b'hello'",
    "IP(src='192.0.2.1', dst='192.0.2.2')/UDP(sport=53, dport=40000)/b'abc'",
    `IPv6(src='2001:db8::1', dst='2001:db8::2')/UDP(sport=7, dport=9)/bytes.fromhex('${toHex(zp6)}')`,
    `IP(src='192.0.2.1', dst='192.0.2.2')/UDP(sport=7, dport=9)/bytes.fromhex('${toHex(zp4)}')`,
  ]);
  assert.ok(a && b && c && d);
  assert.equal(toHex(a), toHex(UDP6_PACKET));
  assert.equal(toHex(b), toHex(UDP4_PACKET));
  const ours6 = new Uint8Array(8 + zp6.length);
  emitUdp({ srcPort: 7, dstPort: 9, payload: zp6 }, ours6, 0, CTX6);
  assert.equal(toHex(c.subarray(40)), toHex(ours6));
  const ours4 = new Uint8Array(8 + zp4.length);
  emitUdp({ srcPort: 7, dstPort: 9, payload: zp4 }, ours4, 0, CTX4);
  assert.equal(toHex(d.subarray(20)), toHex(ours4));
});

test('tshark dissects what we emit, with good checksums', { skip: skipUnlessTshark() }, () => {
  const repr: UdpRepr = { srcPort: 40000, dstPort: 5353, payload: new TextEncoder().encode('v6stack udp') };
  const d6 = new Uint8Array(udpBufferLen(repr));
  emitUdp(repr, d6, 0, CTX6);
  const p6 = concat(ipv6Header(SRC6, DST6, IPPROTO_UDP, d6.length), d6);
  const d4 = new Uint8Array(udpBufferLen(repr));
  emitUdp(repr, d4, 0, CTX4);
  const ip4 = {
    dscp: 0,
    ecn: 0,
    identification: 1,
    reservedFlag: false,
    dontFragment: true,
    moreFragments: false,
    fragmentOffset: 0,
    ttl: 64,
    protocol: IPPROTO_UDP,
    src: SRC4,
    dst: DST4,
    options: new Uint8Array(0),
    payloadLen: d4.length,
  };
  const h4 = new Uint8Array(ipv4BufferLen(ip4));
  emitIpv4(ip4, h4);
  const p4 = concat(h4, d4);
  const layers = tsharkJson([p6, p4], { args: ['-o', 'udp.check_checksum:TRUE', '-o', 'ip.check_checksum:TRUE'] });
  assert.equal(layers.length, 2);
  for (const l of layers) {
    assert.deepEqual(tsharkField(l, 'udp.srcport'), ['40000']);
    assert.deepEqual(tsharkField(l, 'udp.dstport'), ['5353']);
    assert.deepEqual(tsharkField(l, 'udp.length'), [String(UDP_HEADER_LEN + repr.payload.length)]);
    assert.deepEqual(tsharkField(l, 'udp.checksum.status'), ['1']);
  }
  assert.deepEqual(tsharkField(layers[1], 'ip.checksum.status'), ['1']);
});

const ctxArb: fc.Arbitrary<UdpChecksumContext> = fc.oneof(
  fc
    .tuple(fc.uint8Array({ minLength: 16, maxLength: 16 }), fc.uint8Array({ minLength: 16, maxLength: 16 }), fc.boolean())
    .map(([src, dst, z]) => ({ family: 'ipv6' as const, src, dst, zeroChecksumAllowed: z })),
  fc
    .tuple(fc.uint8Array({ minLength: 4, maxLength: 4 }), fc.uint8Array({ minLength: 4, maxLength: 4 }))
    .map(([src, dst]) => ({ family: 'ipv4' as const, src, dst })),
);

const reprArb: fc.Arbitrary<UdpRepr> = fc.record({
  srcPort: fc.integer({ min: 0, max: 0xffff }),
  dstPort: fc.integer({ min: 0, max: 0xffff }),
  payload: fc.uint8Array({ maxLength: 300 }),
}, { noNullPrototype: true });

test('random bytes never throw', () => {
  fc.assert(
    fc.property(fc.uint8Array({ maxLength: 80 }), ctxArb, (b, ctx) => {
      const v = UdpView.check(b);
      if (v.ok) {
        void v.value.payload;
        void v.value.verifyChecksum(ctx);
      }
      parseUdp(b);
      parseUdp(b, ctx);
    }),
  );
});

test('parse(emit(r)) deep-equals r, and the emitted checksum verifies', () => {
  fc.assert(
    fc.property(reprArb, ctxArb, fc.nat({ max: 7 }), (repr, ctx, offset) => {
      const out = new Uint8Array(offset + udpBufferLen(repr));
      assert.equal(emitUdp(repr, out, offset, ctx), udpBufferLen(repr));
      const r = parseUdp(out.subarray(offset), ctx);
      assert.ok(r.ok);
      assert.deepEqual(r.value, repr);
      assert.notEqual(u16(out, offset + 6), 0);
    }),
  );
});
