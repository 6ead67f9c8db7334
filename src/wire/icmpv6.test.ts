import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import {
  Icmpv6View,
  ICMPV6_HEADER_LEN,
  IPV6_MIN_MTU,
  buildIcmpv6Error,
  emitIcmpv6,
  icmpv6BufferLen,
  icmpv6ErrorRoom,
  icmpv6IsError,
  icmpv6Type,
  parseIcmpv6,
  type Icmpv6Addresses,
  type Icmpv6Repr,
} from './icmpv6.ts';
import { fromHex, toHex, u16 } from './bytes.ts';
import { parseIpv6Address } from './address.ts';
import { IPPROTO_ICMPV6 } from '../uapi/in6.ts';
import {
  ICMPV6_ADDR_UNREACH,
  ICMPV6_DEST_UNREACH,
  ICMPV6_ECHO_REPLY,
  ICMPV6_ECHO_REQUEST,
  ICMPV6_EXC_FRAGTIME,
  ICMPV6_HDR_INCOMP,
  ICMPV6_PARAMPROB,
  ICMPV6_PKT_TOOBIG,
  ICMPV6_PORT_UNREACH,
  ICMPV6_TIME_EXCEED,
  ICMPV6_UNK_NEXTHDR,
  NDISC_ROUTER_SOLICITATION,
} from '../uapi/icmpv6.ts';
import { scapyBytes, skipUnlessScapy, skipUnlessTshark, tsharkField, tsharkJson } from '../../test/support/tools.ts';
import { ipv6Header, concat } from '../../test/support/packets.ts';

const SRC = parseIpv6Address('2001:db8::1') ?? new Uint8Array(16);
const DST = parseIpv6Address('2001:db8::2') ?? new Uint8Array(16);
const ADDRS: Icmpv6Addresses = { src: SRC, dst: DST };

/** scapy 2.5: IPv6(src='2001:db8::1', dst='2001:db8::2')/ICMPv6EchoRequest(id=0x1234, seq=7, data=b'ping'). */
const ECHO_PACKET = fromHex(`
  60000000 000c 3a 40 20010db8000000000000000000000001 20010db8000000000000000000000002
  80 00 3338 1234 0007 70696e67
`);
const ECHO = ECHO_PACKET.subarray(40);

/**
 * scapy 2.5: IPv6(src='2001:db8::1', dst='2001:db8::2')/ICMPv6PacketTooBig(mtu=1280)/
 * IPv6(src='2001:db8::2', dst='2001:db8::3')/UDP(sport=1, dport=2).
 */
const PTB_PACKET = fromHex(`
  60000000 0038 3a 40 20010db8000000000000000000000001 20010db8000000000000000000000002
  02 00 2be9 00000500
  60000000 0008 11 40 20010db8000000000000000000000002 20010db8000000000000000000000003
  0001 0002 0008 a464
`);
const PTB = PTB_PACKET.subarray(40);

/** scapy 2.5: .../ICMPv6DestUnreach(code=4)/IPv6(src='2001:db8::2', dst='2001:db8::1')/UDP(sport=7, dport=9). */
const UNREACH = fromHex(`
  01 04 31e5 00000000
  60000000 0008 11 40 20010db8000000000000000000000002 20010db8000000000000000000000001
  0007 0009 0008 a459
`);

/** scapy 2.5: .../ICMPv6TimeExceeded(code=1)/IPv6(src='2001:db8::2', dst='2001:db8::1', nh=59). */
const TIME_EXCEEDED = fromHex(`
  03 01 aa69 00000000
  60000000 0000 3b 40 20010db8000000000000000000000002 20010db8000000000000000000000001
`);

/** scapy 2.5: .../ICMPv6ParamProblem(code=1, ptr=6)/IPv6(src='2001:db8::2', dst='2001:db8::1', nh=253). */
const PARAM_PROBLEM = fromHex(`
  04 01 e762 00000006
  60000000 0000 fd 40 20010db8000000000000000000000002 20010db8000000000000000000000001
`);

/** scapy 2.5: IPv6(src='2001:db8::1', dst='2001:db8::2')/ICMPv6ND_RS(): type 133, reserved word. */
const ROUTER_SOLICIT = fromHex('85 00 1f48 00000000');

test('getters read the scapy echo request and packet too big', () => {
  const e = Icmpv6View.check(ECHO);
  assert.ok(e.ok);
  assert.equal(e.value.type, ICMPV6_ECHO_REQUEST);
  assert.equal(e.value.code, 0);
  assert.equal(e.value.checksum, 0x3338);
  assert.equal(e.value.identifier, 0x1234);
  assert.equal(e.value.sequence, 7);
  assert.equal(toHex(e.value.data), '70696e67');
  assert.equal(e.value.verifyChecksum(SRC, DST), true);
  const p = Icmpv6View.check(PTB);
  assert.ok(p.ok);
  assert.equal(p.value.type, ICMPV6_PKT_TOOBIG);
  assert.equal(p.value.mtu, 1280);
  assert.equal(p.value.data.length, 48);
  assert.equal(p.value.body.length, 52);
});

test('every truncation of the 8-byte header is rejected; shorter data fails the checksum', () => {
  for (const msg of [ECHO, PTB, UNREACH, PARAM_PROBLEM]) {
    for (let n = 0; n < ICMPV6_HEADER_LEN; n++) {
      const r = Icmpv6View.check(msg.subarray(0, n));
      assert.ok(!r.ok);
      assert.equal(r.error.kind, 'truncated');
      assert.equal(parseIcmpv6(msg.subarray(0, n)).ok, false);
    }
    for (let n = ICMPV6_HEADER_LEN; n < msg.length; n++) {
      const r = parseIcmpv6(msg.subarray(0, n), ADDRS);
      assert.ok(!r.ok, `length ${n}`);
      assert.equal(r.error.kind, 'bad-checksum');
    }
  }
});

test('parse every decoded type and keep unknown ones', () => {
  const cases: Array<[Uint8Array, Icmpv6Repr]> = [
    [ECHO, { kind: 'echo-request', code: 0, identifier: 0x1234, sequence: 7, data: fromHex('70696e67') }],
    [PTB, { kind: 'packet-too-big', code: 0, mtu: 1280, invoking: PTB.subarray(8) }],
    [UNREACH, { kind: 'dest-unreach', code: ICMPV6_PORT_UNREACH, unused: 0, invoking: UNREACH.subarray(8) }],
    [TIME_EXCEEDED, { kind: 'time-exceeded', code: ICMPV6_EXC_FRAGTIME, unused: 0, invoking: TIME_EXCEEDED.subarray(8) }],
    [PARAM_PROBLEM, { kind: 'param-problem', code: ICMPV6_UNK_NEXTHDR, pointer: 6, invoking: PARAM_PROBLEM.subarray(8) }],
    [ROUTER_SOLICIT, { kind: 'other', type: NDISC_ROUTER_SOLICITATION, code: 0, body: fromHex('00000000') }],
  ];
  for (const [bytes, expected] of cases) {
    const r = parseIcmpv6(bytes, ADDRS);
    assert.ok(r.ok, expected.kind);
    assert.deepEqual(r.value, expected);
  }
});

test('a corrupted message or the wrong addresses fail the checksum', () => {
  const b = ECHO.slice();
  b[9] = (b[9] ?? 0) ^ 0x40;
  const r = parseIcmpv6(b, ADDRS);
  assert.ok(!r.ok);
  assert.equal(r.error.kind, 'bad-checksum');
  assert.equal(r.error.offset, 2);
  assert.equal(parseIcmpv6(ECHO, { src: DST, dst: SRC }).ok, true); // the sum is symmetric in src/dst
  assert.equal(parseIcmpv6(ECHO, { src: SRC, dst: SRC }).ok, false);
  // Without addresses nothing is verified.
  assert.ok(parseIcmpv6(b).ok);
});

test('emit equals the scapy fixtures', () => {
  for (const fixture of [ECHO, PTB, UNREACH, TIME_EXCEEDED, PARAM_PROBLEM, ROUTER_SOLICIT]) {
    const r = parseIcmpv6(fixture, ADDRS);
    assert.ok(r.ok);
    const out = new Uint8Array(icmpv6BufferLen(r.value) + 3);
    assert.equal(emitIcmpv6(r.value, out, 3, ADDRS), fixture.length);
    assert.equal(toHex(out.subarray(3)), toHex(fixture));
  }
  // Without addresses the checksum is left for later; fillChecksum completes it.
  const repr: Icmpv6Repr = { kind: 'echo-request', code: 0, identifier: 0x1234, sequence: 7, data: fromHex('70696e67') };
  const out = new Uint8Array(icmpv6BufferLen(repr));
  emitIcmpv6(repr, out);
  assert.equal(u16(out, 2), 0);
  const v = Icmpv6View.check(out);
  assert.ok(v.ok);
  v.value.fillChecksum(SRC, DST);
  assert.equal(toHex(out), toHex(ECHO));
});

test('emit refuses bad Reprs and small buffers', () => {
  const echo: Icmpv6Repr = { kind: 'echo-reply', code: 0, identifier: 1, sequence: 2, data: new Uint8Array(3) };
  assert.throws(() => emitIcmpv6(echo, new Uint8Array(10), 0, ADDRS), RangeError);
  assert.throws(() => emitIcmpv6({ ...echo, identifier: 0x10000 }, new Uint8Array(11), 0, ADDRS), RangeError);
  assert.throws(() => emitIcmpv6({ ...echo, code: 256 }, new Uint8Array(11), 0, ADDRS), RangeError);
  assert.throws(
    () => emitIcmpv6({ kind: 'other', type: 200, code: 0, body: new Uint8Array(3) }, new Uint8Array(8), 0, ADDRS),
    RangeError,
  );
  assert.throws(
    () => emitIcmpv6({ kind: 'packet-too-big', code: 0, mtu: 2 ** 32, invoking: new Uint8Array(0) }, new Uint8Array(8), 0, ADDRS),
    RangeError,
  );
});

test('type numbers and the error/informational split', () => {
  assert.equal(icmpv6IsError(ICMPV6_DEST_UNREACH), true);
  assert.equal(icmpv6IsError(127), true);
  assert.equal(icmpv6IsError(ICMPV6_ECHO_REQUEST), false);
  assert.equal(icmpv6Type({ kind: 'echo-reply', code: 0, identifier: 0, sequence: 0, data: new Uint8Array(0) }), ICMPV6_ECHO_REPLY);
  assert.equal(icmpv6Type({ kind: 'time-exceeded', code: 0, unused: 0, invoking: new Uint8Array(0) }), ICMPV6_TIME_EXCEED);
  assert.equal(icmpv6Type({ kind: 'param-problem', code: 0, pointer: 0, invoking: new Uint8Array(0) }), ICMPV6_PARAMPROB);
});

test('an error message fits in 1280 bytes (RFC 4443 §2.4(c), Linux icmp6_send)', () => {
  assert.equal(icmpv6ErrorRoom(), 1232);
  assert.equal(icmpv6ErrorRoom(8), 1224);
  const big = new Uint8Array(1500).map((_, i) => i & 0xff);
  const cut = buildIcmpv6Error({ kind: 'packet-too-big', code: 0, mtu: 1400, invoking: big });
  assert.equal(cut.invoking.length, 1232);
  assert.equal(cut.invoking.buffer, big.buffer); // a view, not a copy
  assert.equal(cut.mtu, 1400);
  assert.equal(40 + icmpv6BufferLen(cut), IPV6_MIN_MTU);
  const withExt = buildIcmpv6Error({ kind: 'dest-unreach', code: ICMPV6_ADDR_UNREACH, unused: 0, invoking: big }, 16);
  assert.equal(40 + 16 + icmpv6BufferLen(withExt), IPV6_MIN_MTU);
  const small = { kind: 'param-problem' as const, code: ICMPV6_HDR_INCOMP, pointer: 0, invoking: big.subarray(0, 100) };
  assert.equal(buildIcmpv6Error(small), small);
  // Exactly at the limit nothing is cut.
  assert.equal(buildIcmpv6Error({ ...small, invoking: big.subarray(0, 1232) }).invoking.length, 1232);
});

test('scapy agrees on bytes and checksums', { skip: skipUnlessScapy() }, () => {
  const s = "src='2001:db8::1', dst='2001:db8::2'";
  const r = "src='2001:db8::2', dst='2001:db8::1'";
  const got = scapyBytes([
    `IPv6(${s})/ICMPv6EchoRequest(id=0x1234, seq=7, data=b'ping')`,
    `IPv6(${s})/ICMPv6PacketTooBig(mtu=1280)/IPv6(src='2001:db8::2', dst='2001:db8::3')/UDP(sport=1, dport=2)`,
    `IPv6(${s})/ICMPv6DestUnreach(code=4)/IPv6(${r})/UDP(sport=7, dport=9)`,
    `IPv6(${s})/ICMPv6TimeExceeded(code=1)/IPv6(${r}, nh=59)`,
    `IPv6(${s})/ICMPv6ParamProblem(code=1, ptr=6)/IPv6(${r}, nh=253)`,
    `IPv6(${s})/ICMPv6ND_RS()`,
    `IPv6(${s})/ICMPv6EchoReply(id=65535, seq=65535, data=bytes(range(256))*3)`,
  ]);
  const expected = [ECHO, PTB, UNREACH, TIME_EXCEEDED, PARAM_PROBLEM, ROUTER_SOLICIT];
  expected.forEach((fixture, i) => assert.equal(toHex(got[i]?.subarray(40) ?? new Uint8Array(0)), toHex(fixture), `packet ${i}`));
  const bigReply = got[6]?.subarray(40) ?? new Uint8Array(0);
  const parsed = parseIcmpv6(bigReply, ADDRS);
  assert.ok(parsed.ok);
  assert.equal(parsed.value.kind, 'echo-reply');
  const out = new Uint8Array(icmpv6BufferLen(parsed.value));
  emitIcmpv6(parsed.value, out, 0, ADDRS);
  assert.equal(toHex(out), toHex(bigReply));
});

test('tshark dissects what we emit, with good checksums', { skip: skipUnlessTshark() }, () => {
  const invoking = concat(ipv6Header(DST, SRC, 17, 1452), new Uint8Array(1452).fill(0x5a));
  const messages: Icmpv6Repr[] = [
    { kind: 'echo-request', code: 0, identifier: 0xbeef, sequence: 513, data: new TextEncoder().encode('v6stack') },
    buildIcmpv6Error({ kind: 'packet-too-big', code: 0, mtu: 1400, invoking }),
    buildIcmpv6Error({ kind: 'param-problem', code: ICMPV6_UNK_NEXTHDR, pointer: 6, invoking }),
    buildIcmpv6Error({ kind: 'time-exceeded', code: 0, unused: 0, invoking }),
  ];
  const packets = messages.map((m) => {
    const body = new Uint8Array(icmpv6BufferLen(m));
    emitIcmpv6(m, body, 0, ADDRS);
    return concat(ipv6Header(SRC, DST, IPPROTO_ICMPV6, body.length), body);
  });
  for (const p of packets.slice(1)) assert.equal(p.length, IPV6_MIN_MTU);
  const layers = tsharkJson(packets);
  assert.equal(layers.length, 4);
  const [echo, ptb, pp, te] = layers;
  for (const l of layers) assert.deepEqual(tsharkField(l, 'icmpv6.checksum.status'), ['1']);
  assert.deepEqual(tsharkField(echo, 'icmpv6.type'), ['128']);
  assert.deepEqual(tsharkField(echo, 'icmpv6.echo.identifier'), ['0xbeef']);
  assert.deepEqual(tsharkField(echo, 'icmpv6.echo.sequence_number'), ['513']);
  assert.deepEqual(tsharkField(ptb, 'icmpv6.type'), ['2']);
  assert.deepEqual(tsharkField(ptb, 'icmpv6.mtu'), ['1400']);
  assert.deepEqual(tsharkField(pp, 'icmpv6.code'), ['1']);
  assert.deepEqual(tsharkField(pp, 'icmpv6.pointer'), ['6']);
  assert.deepEqual(tsharkField(te, 'icmpv6.type'), ['3']);
});

const bytesArb = fc.uint8Array({ maxLength: 64 });
const u16Arb = fc.integer({ min: 0, max: 0xffff });
const u32Arb = fc.integer({ min: 0, max: 0xffffffff });
const codeArb = fc.integer({ min: 0, max: 255 });
const known = new Set([ICMPV6_DEST_UNREACH, ICMPV6_PKT_TOOBIG, ICMPV6_TIME_EXCEED, ICMPV6_PARAMPROB, ICMPV6_ECHO_REQUEST, ICMPV6_ECHO_REPLY]);
const opts = { noNullPrototype: true } as const;

const reprArb: fc.Arbitrary<Icmpv6Repr> = fc.oneof(
  fc.record(
    { kind: fc.constantFrom('echo-request' as const, 'echo-reply' as const), code: codeArb, identifier: u16Arb, sequence: u16Arb, data: bytesArb },
    opts,
  ),
  fc.record({ kind: fc.constant('dest-unreach' as const), code: codeArb, unused: u32Arb, invoking: bytesArb }, opts),
  fc.record({ kind: fc.constant('packet-too-big' as const), code: codeArb, mtu: u32Arb, invoking: bytesArb }, opts),
  fc.record({ kind: fc.constant('time-exceeded' as const), code: codeArb, unused: u32Arb, invoking: bytesArb }, opts),
  fc.record({ kind: fc.constant('param-problem' as const), code: codeArb, pointer: u32Arb, invoking: bytesArb }, opts),
  fc.record(
    {
      kind: fc.constant('other' as const),
      type: codeArb.filter((t) => !known.has(t)),
      code: codeArb,
      body: fc.uint8Array({ minLength: 4, maxLength: 64 }),
    },
    opts,
  ),
);

const addrArb = fc.uint8Array({ minLength: 16, maxLength: 16 });

test('random bytes never throw', () => {
  fc.assert(
    fc.property(fc.uint8Array({ maxLength: 80 }), addrArb, addrArb, (b, src, dst) => {
      const v = Icmpv6View.check(b);
      if (v.ok) {
        void v.value.data;
        void v.value.word;
        v.value.verifyChecksum(src, dst);
      }
      parseIcmpv6(b);
      parseIcmpv6(b, { src, dst });
    }),
  );
});

test('parse(emit(r)) deep-equals r, and the checksum verifies', () => {
  fc.assert(
    fc.property(reprArb, addrArb, addrArb, (repr, src, dst) => {
      const out = new Uint8Array(icmpv6BufferLen(repr));
      assert.equal(emitIcmpv6(repr, out, 0, { src, dst }), out.length);
      const r = parseIcmpv6(out, { src, dst });
      assert.ok(r.ok);
      assert.deepEqual(r.value, repr);
    }),
  );
});

test('an echo request turned into a reply in place, with the checksum refilled', () => {
  const b = ECHO.slice();
  const v = Icmpv6View.check(b);
  assert.ok(v.ok);
  v.value.type = ICMPV6_ECHO_REPLY;
  v.value.fillChecksum(DST, SRC);
  const r = parseIcmpv6(b, { src: DST, dst: SRC });
  assert.ok(r.ok);
  assert.deepEqual(r.value, { kind: 'echo-reply', code: 0, identifier: 0x1234, sequence: 7, data: fromHex('70696e67') });
  v.value.word = 0xdeadbeef;
  assert.equal(v.value.identifier, 0xdead);
  assert.equal(v.value.sequence, 0xbeef);
});
