import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import {
  Ipv4View,
  emitIpv4,
  emitIpv4Options,
  ipv4BufferLen,
  ipv4OptionsLen,
  parseIpv4,
  parseIpv4Options,
  type Ipv4Option,
  type Ipv4Repr,
} from './ipv4.ts';
import { fromHex, setU16, toHex, u16 } from './bytes.ts';
import { checksumUpdate16 } from './checksum.ts';
import { formatIpv4Address, parseIpv4Address } from './address.ts';
import { IPOPT_END, IPOPT_NOOP, IPOPT_RA, IPOPT_RR, IPOPT_TIMESTAMP } from '../uapi/ip.ts';
import { IPPROTO_UDP } from '../uapi/in6.ts';
import { scapyBytes, skipUnlessScapy, skipUnlessTshark, tsharkField, tsharkJson } from '../../test/support/tools.ts';

/** scapy 2.5: IP(src='192.0.2.1', dst='192.0.2.2')/UDP(sport=53, dport=40000)/b'abc'. */
const IP4_UDP = fromHex(`
  45 00 001f  0001 0000  40 11 f6c9  c0000201  c0000202
  0035 9c40 000b 1afc 616263
`);

/**
 * scapy 2.5: IP(src='192.0.2.1', dst='192.0.2.2', options=[IPOption_RR()])/UDP(sport=1, dport=2).
 * Options: Record Route (type 7, length 3, pointer 4) and one EOL byte of padding.
 */
const IP4_RR = fromHex(`
  46 00 0020  0001 0000  40 11 eac5  c0000201  c0000202
  07 03 04 00
  0001 0002 0008 7bd7
`);

function addr(text: string): Uint8Array {
  const a = parseIpv4Address(text);
  assert.ok(a, text);
  return a;
}

const BASE: Ipv4Repr = {
  dscp: 0,
  ecn: 0,
  identification: 1,
  reservedFlag: false,
  dontFragment: false,
  moreFragments: false,
  fragmentOffset: 0,
  ttl: 64,
  protocol: IPPROTO_UDP,
  src: addr('192.0.2.1'),
  dst: addr('192.0.2.2'),
  options: new Uint8Array(0),
  payloadLen: 11,
};

test('getters read the scapy header', () => {
  const r = Ipv4View.check(IP4_UDP);
  assert.ok(r.ok);
  const v = r.value;
  assert.equal(v.version, 4);
  assert.equal(v.ihl, 5);
  assert.equal(v.headerLen, 20);
  assert.equal(v.tos, 0);
  assert.equal(v.totalLength, 31);
  assert.equal(v.identification, 1);
  assert.equal(v.dontFragment, false);
  assert.equal(v.moreFragments, false);
  assert.equal(v.isFragment, false);
  assert.equal(v.fragmentOffset, 0);
  assert.equal(v.ttl, 64);
  assert.equal(v.protocol, 17);
  assert.equal(v.checksum, 0xf6c9);
  assert.equal(formatIpv4Address(v.src), '192.0.2.1');
  assert.equal(formatIpv4Address(v.dst), '192.0.2.2');
  assert.equal(v.options.length, 0);
  assert.equal(v.payload.length, 11);
  assert.equal(v.verifyChecksum(), true);
});

test('flags, fragment offset, DSCP and ECN bits', () => {
  const b = IP4_UDP.slice();
  b[1] = (46 << 2) | 2; // EF, ECT(0)
  setU16(b, 6, 0x8000 | 0x2000 | 0x0123);
  const r = Ipv4View.check(b);
  assert.ok(r.ok);
  assert.equal(r.value.dscp, 46);
  assert.equal(r.value.ecn, 2);
  assert.equal(r.value.reservedFlag, true);
  assert.equal(r.value.dontFragment, false);
  assert.equal(r.value.moreFragments, true);
  assert.equal(r.value.fragmentOffset, 0x123);
  assert.equal(r.value.isFragment, true);
  setU16(b, 6, 0x4000);
  assert.equal(r.value.dontFragment, true);
  assert.equal(r.value.isFragment, false);
});

test('every truncation is rejected', () => {
  for (const pkt of [IP4_UDP, IP4_RR]) {
    for (let n = 0; n < pkt.length; n++) {
      const r = Ipv4View.check(pkt.subarray(0, n));
      assert.ok(!r.ok, `length ${n}`);
      assert.equal(r.error.kind, 'truncated', `length ${n}`);
      assert.equal(parseIpv4(pkt.subarray(0, n)).ok, false);
    }
  }
});

test('Linux ip_rcv_core checks: IHL >= 5, version 4, IHL*4 <= Total Length', () => {
  const cases: Array<[(b: Uint8Array) => void, string, string, number]> = [
    [(b) => (b[0] = 0x44), 'bad-length', 'IHL', 0],
    [(b) => (b[0] = 0x65), 'bad-version', 'Version', 0],
    [(b) => setU16(b, 2, 19), 'bad-length', 'Total Length', 2],
    [(b) => (b[0] = 0x4f), 'truncated', 'Options', 20],
  ];
  for (const [mutate, kind, field, offset] of cases) {
    const b = IP4_UDP.slice();
    mutate(b);
    const r = Ipv4View.check(b);
    assert.ok(!r.ok, field);
    assert.equal(r.error.kind, kind);
    assert.equal(r.error.field, field);
    assert.equal(r.error.offset, offset);
  }
});

test('a bad header checksum is rejected by parse, unless told not to verify', () => {
  const b = IP4_UDP.slice();
  b[8] = 63;
  const r = parseIpv4(b);
  assert.ok(!r.ok);
  assert.equal(r.error.kind, 'bad-checksum');
  assert.equal(r.error.offset, 10);
  assert.ok(parseIpv4(b, { verifyChecksum: false }).ok);
  const v = Ipv4View.check(b);
  assert.ok(v.ok);
  v.value.fillChecksum();
  assert.ok(parseIpv4(b).ok);
  assert.equal(v.value.checksum, 0xf7c9);
});

test('a TTL decrement updated incrementally (RFC 1624) equals a recomputed checksum', () => {
  const b = IP4_RR.slice();
  const v = Ipv4View.check(b);
  assert.ok(v.ok);
  for (let ttl = 64; ttl > 0; ttl--) {
    const before = u16(b, 8);
    v.value.ttl = ttl - 1;
    v.value.checksum = checksumUpdate16(v.value.checksum, before, u16(b, 8));
    assert.equal(v.value.verifyChecksum(), true, `ttl ${ttl - 1}`);
  }
});

test('bytes after Total Length are link padding, not payload', () => {
  const padded = new Uint8Array(IP4_UDP.length + 15);
  padded.set(IP4_UDP);
  const r = parseIpv4(padded);
  assert.ok(r.ok);
  assert.equal(r.value.payloadLen, 11);
});

test('parse the scapy fixtures', () => {
  const a = parseIpv4(IP4_UDP);
  assert.ok(a.ok);
  assert.deepEqual(a.value, BASE);
  const b = parseIpv4(IP4_RR);
  assert.ok(b.ok);
  assert.equal(toHex(b.value.options), '07030400');
  assert.equal(b.value.payloadLen, 8);
  const opts = parseIpv4Options(b.value.options);
  assert.ok(opts.ok);
  assert.deepEqual(opts.value, [
    { type: IPOPT_RR, data: Uint8Array.of(4) },
    { type: IPOPT_END, data: new Uint8Array(0) },
  ]);
});

test('emit equals the scapy fixtures', () => {
  const out = new Uint8Array(20);
  assert.equal(emitIpv4(BASE, out), 20);
  assert.equal(toHex(out), toHex(IP4_UDP.subarray(0, 20)));
  const options = new Uint8Array(4);
  assert.equal(emitIpv4Options([{ type: IPOPT_RR, data: Uint8Array.of(4) }], options), 4);
  const rr: Ipv4Repr = { ...BASE, options, payloadLen: 8 };
  const out2 = new Uint8Array(ipv4BufferLen(rr) + 2);
  assert.equal(emitIpv4(rr, out2, 2), 24);
  assert.equal(toHex(out2.subarray(2)), toHex(IP4_RR.subarray(0, 24)));
});

test('emit refuses bad Reprs and small buffers', () => {
  assert.throws(() => emitIpv4(BASE, new Uint8Array(19)), RangeError);
  assert.throws(() => emitIpv4({ ...BASE, ttl: 256 }, new Uint8Array(20)), RangeError);
  assert.throws(() => emitIpv4({ ...BASE, dscp: 64 }, new Uint8Array(20)), RangeError);
  assert.throws(() => emitIpv4({ ...BASE, fragmentOffset: 8192 }, new Uint8Array(20)), RangeError);
  assert.throws(() => emitIpv4({ ...BASE, options: new Uint8Array(3) }, new Uint8Array(23)), RangeError);
  assert.throws(() => emitIpv4({ ...BASE, options: new Uint8Array(44) }, new Uint8Array(64)), RangeError);
  assert.throws(() => emitIpv4({ ...BASE, payloadLen: 65516 }, new Uint8Array(20)), RangeError);
  assert.throws(() => emitIpv4({ ...BASE, src: new Uint8Array(16) }, new Uint8Array(20)), RangeError);
});

test('options walk: NOP, EOL, unknown options kept, framing errors located', () => {
  const ok = parseIpv4Options(fromHex('01 94 04 00 00 01 88 02 00 00 00 00'));
  assert.ok(ok.ok);
  assert.deepEqual(ok.value, [
    { type: IPOPT_NOOP, data: new Uint8Array(0) },
    { type: IPOPT_RA, data: Uint8Array.of(0, 0) },
    { type: IPOPT_NOOP, data: new Uint8Array(0) },
    { type: 0x88, data: new Uint8Array(0) },
    { type: IPOPT_END, data: new Uint8Array(0) },
  ]);
  const errors: Array<[string, string, number]> = [
    ['01 01 01 07', 'truncated', 3], // RR type with no length octet
    ['07 01 00 00', 'bad-length', 1], // length below 2
    ['01 07 05 00', 'bad-length', 2], // length past the area
  ];
  for (const [hex, kind, offset] of errors) {
    const r = parseIpv4Options(fromHex(hex));
    assert.ok(!r.ok, hex);
    assert.equal(r.error.kind, kind, hex);
    assert.equal(r.error.offset, offset, hex);
  }
  assert.equal(parseIpv4Options(new Uint8Array(44)).ok, false);
  // In a header, the error offset is from the start of the header.
  const b = IP4_RR.slice();
  b[21] = 9;
  const v = Ipv4View.check(b);
  assert.ok(v.ok);
  v.value.fillChecksum();
  const r = parseIpv4(b);
  assert.ok(!r.ok);
  assert.equal(r.error.offset, 21);
});

test('option encoding pads with EOL to a multiple of 4', () => {
  const opts: Ipv4Option[] = [{ type: IPOPT_NOOP, data: new Uint8Array(0) }, { type: IPOPT_RA, data: Uint8Array.of(0, 0) }];
  assert.equal(ipv4OptionsLen(opts), 8);
  const out = new Uint8Array(8).fill(0xee);
  emitIpv4Options(opts, out);
  assert.equal(toHex(out), '0194040000000000');
  assert.throws(() => emitIpv4Options([{ type: IPOPT_NOOP, data: Uint8Array.of(1) }], new Uint8Array(4)), RangeError);
  assert.throws(() => emitIpv4Options([{ type: 7, data: new Uint8Array(39) }], new Uint8Array(48)), RangeError);
});

test('scapy agrees on header bytes, checksum and parsed fields', { skip: skipUnlessScapy() }, () => {
  const exprs = [
    "IP(src='10.1.2.3', dst='10.9.8.7', tos=0xb9, id=0xbeef, flags='DF', ttl=3, proto=47)",
    "IP(src='10.1.2.3', dst='10.9.8.7', flags='MF', frag=185, options=[IPOption_NOP(), IPOption_Router_Alert()])/(b'x'*16)",
    "IP(src='192.0.2.1', dst='192.0.2.2', options=[IPOption_RR()])/UDP(sport=1, dport=2)",
    "IP(src='192.0.2.1', dst='192.0.2.2', options=[IPOption_Timestamp(flg=0, pointer=5, timestamp=[0])])",
  ];
  const pkts = scapyBytes(exprs);
  assert.equal(pkts.length, exprs.length);
  assert.equal(toHex(pkts[2] ?? new Uint8Array(0)), toHex(IP4_RR));
  for (const p of pkts) {
    const r = parseIpv4(p);
    assert.ok(r.ok, toHex(p));
    const out = new Uint8Array(ipv4BufferLen(r.value));
    emitIpv4(r.value, out);
    assert.equal(toHex(out), toHex(p.subarray(0, out.length)));
  }
  const first = parseIpv4(pkts[0] ?? new Uint8Array(0));
  assert.ok(first.ok);
  assert.equal(first.value.dscp, 0xb9 >>> 2);
  assert.equal(first.value.ecn, 1);
  assert.equal(first.value.identification, 0xbeef);
  assert.equal(first.value.dontFragment, true);
  assert.equal(first.value.ttl, 3);
  assert.equal(first.value.protocol, 47);
  const second = parseIpv4(pkts[1] ?? new Uint8Array(0));
  assert.ok(second.ok);
  assert.equal(second.value.moreFragments, true);
  assert.equal(second.value.fragmentOffset, 185);
  const walked = parseIpv4Options(second.value.options);
  assert.ok(walked.ok);
  assert.deepEqual(
    walked.value.map((o) => o.type),
    [IPOPT_NOOP, IPOPT_RA, IPOPT_END],
  );
  const ts = parseIpv4(pkts[3] ?? new Uint8Array(0));
  assert.ok(ts.ok);
  const tsOpts = parseIpv4Options(ts.value.options);
  assert.ok(tsOpts.ok);
  assert.equal(tsOpts.value[0]?.type, IPOPT_TIMESTAMP);
});

test('tshark dissects what we emit, with a good header checksum', { skip: skipUnlessTshark() }, () => {
  const options = new Uint8Array(8);
  emitIpv4Options([{ type: IPOPT_NOOP, data: new Uint8Array(0) }, { type: IPOPT_RA, data: Uint8Array.of(0, 0) }], options);
  const repr: Ipv4Repr = {
    ...BASE,
    dscp: 10,
    ecn: 3,
    identification: 0x1234,
    dontFragment: true,
    ttl: 17,
    protocol: 59,
    options,
    payloadLen: 4,
  };
  const pkt = new Uint8Array(ipv4BufferLen(repr) + 4);
  emitIpv4(repr, pkt);
  const [l] = tsharkJson([pkt], { args: ['-o', 'ip.check_checksum:TRUE'] });
  assert.ok(l);
  assert.deepEqual(tsharkField(l, 'ip.checksum.status'), ['1']);
  assert.deepEqual(tsharkField(l, 'ip.hdr_len'), ['28']);
  assert.deepEqual(tsharkField(l, 'ip.len'), ['32']);
  assert.deepEqual(tsharkField(l, 'ip.dsfield.dscp'), ['10']);
  assert.deepEqual(tsharkField(l, 'ip.dsfield.ecn'), ['3']);
  assert.deepEqual(tsharkField(l, 'ip.id'), ['0x1234']);
  assert.deepEqual(tsharkField(l, 'ip.flags.df'), ['1']);
  assert.deepEqual(tsharkField(l, 'ip.ttl'), ['17']);
  assert.deepEqual(tsharkField(l, 'ip.src'), ['192.0.2.1']);
  assert.deepEqual(tsharkField(l, 'ip.dst'), ['192.0.2.2']);
  assert.deepEqual(tsharkField(l, 'ip.opt.type'), ['1', '148', '0']);
  assert.equal(u16(pkt, 10), Number(tsharkField(l, 'ip.checksum')[0]));
});

const optionArb: fc.Arbitrary<Ipv4Option> = fc.oneof(
  fc.constant({ type: IPOPT_NOOP, data: new Uint8Array(0) }),
  fc
    .tuple(fc.integer({ min: 2, max: 255 }), fc.uint8Array({ maxLength: 8 }))
    .map(([type, data]) => ({ type, data })),
);

/** Option lists as they come back from the walk: encoded, then padded with EOL when needed. */
function canonical(list: Ipv4Option[]): Ipv4Option[] {
  const n = list.reduce((s, o) => s + (o.type === IPOPT_NOOP ? 1 : 2 + o.data.length), 0);
  return n % 4 === 0 ? list : [...list, { type: IPOPT_END, data: new Uint8Array(0) }];
}

const reprArb: fc.Arbitrary<Ipv4Repr> = fc
  .record(
    {
      dscp: fc.integer({ min: 0, max: 63 }),
      ecn: fc.integer({ min: 0, max: 3 }),
      identification: fc.integer({ min: 0, max: 0xffff }),
      reservedFlag: fc.boolean(),
      dontFragment: fc.boolean(),
      moreFragments: fc.boolean(),
      fragmentOffset: fc.integer({ min: 0, max: 0x1fff }),
      ttl: fc.integer({ min: 0, max: 255 }),
      protocol: fc.integer({ min: 0, max: 255 }),
      src: fc.uint8Array({ minLength: 4, maxLength: 4 }),
      dst: fc.uint8Array({ minLength: 4, maxLength: 4 }),
      optionList: fc.array(optionArb, { maxLength: 6 }),
      payloadLen: fc.integer({ min: 0, max: 600 }),
    },
    { noNullPrototype: true },
  )
  .filter((r) => ipv4OptionsLen(r.optionList) <= 40)
  .map(({ optionList, ...rest }) => {
    const options = new Uint8Array(ipv4OptionsLen(optionList));
    emitIpv4Options(optionList, options);
    return { ...rest, options };
  });

test('random bytes never throw', () => {
  fc.assert(
    fc.property(fc.uint8Array({ maxLength: 80 }), (b) => {
      if (b.length > 0) b[0] = 0x40 | ((b[0] ?? 0) & 0x0f); // reach past the version check often
      const v = Ipv4View.check(b);
      if (v.ok) {
        void v.value.payload;
        void v.value.options;
        v.value.verifyChecksum();
      }
      parseIpv4(b);
      parseIpv4(b, { verifyChecksum: false });
      parseIpv4Options(b);
    }),
  );
});

test('parse(emit(r)) deep-equals r', () => {
  fc.assert(
    fc.property(reprArb, fc.nat({ max: 5 }), (repr, offset) => {
      const len = ipv4BufferLen(repr);
      const out = new Uint8Array(offset + len + repr.payloadLen);
      assert.equal(emitIpv4(repr, out, offset), len);
      const r = parseIpv4(out.subarray(offset));
      assert.ok(r.ok);
      assert.deepEqual(r.value, repr);
    }),
  );
});

test('option lists round-trip through encoding and the walk', () => {
  fc.assert(
    fc.property(fc.array(optionArb, { maxLength: 6 }), (list) => {
      fc.pre(ipv4OptionsLen(list) <= 40);
      const raw = new Uint8Array(ipv4OptionsLen(list));
      emitIpv4Options(list, raw);
      const walked = parseIpv4Options(raw);
      assert.ok(walked.ok);
      assert.deepEqual(walked.value, canonical(list));
    }),
  );
});
