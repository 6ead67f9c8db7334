import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import {
  GTPU_EXT_DEFAULT_LIMITS,
  emitGtpuExtChain,
  emitPduSessionContainer,
  gtpuExtChainBufferLen,
  gtpuExtComprehension,
  gtpuExtHeaderType,
  parseGtpuExtChain,
  parsePduSessionContainer,
  walkGtpuExtHeaders,
} from './gtpu-ext.ts';
import type { GtpuExtHeader, PduSessionContainer } from './gtpu-ext.ts';
import { fromHex, toHex } from './bytes.ts';
import {
  GTPV1_EXT_HDR_NOT_REQUIRED_DISCARD,
  GTPV1_EXT_HDR_NOT_REQUIRED_FORWARD,
  GTPV1_EXT_HDR_REQUIRED_BY_ENDPOINT,
  GTPV1_EXT_HDR_REQUIRED_BY_RECIPIENT,
  GTPU_EXT_HDR_TYPES,
} from '../uapi/gtpu.ts';

/** Parses a chain held alone in `hex` (first header at 0). */
function chain(hex: string, firstType: number) {
  const b = fromHex(hex);
  return parseGtpuExtChain(b, 0, b.length, firstType);
}

function emitChain(headers: readonly GtpuExtHeader[]): Uint8Array {
  const out = new Uint8Array(gtpuExtChainBufferLen(headers));
  assert.equal(emitGtpuExtChain(headers, out), out.length);
  return out;
}

// Fixtures: the extension chains (the octets after the 12-octet header) of packets built by
// scapy 2.5 (scapy.contrib.gtp), and of what gtp5g's gtp5g_push_header writes.
const FIX = {
  // GTPPDUSessionContainer(type=0, PPP=1, RQI=1, QFI=5, PPI=3, QMP=1,
  //   dlSendTime=0xe6a1b2c3d4e5f607, SNP=1, dlQFISeqNum=0x0a0b0c)
  dlFull: '04 0c c5 60 e6a1b2c3d4e5f607 0a0b0c 00',
  // GTPPDUSessionContainer(type=1, QFI=63, QMP=1, dlSendTimeRpt=0x1111111122222222,
  //   dlRecvTime=0x3333333344444444, ulSendTime=0x5555555566666666, dlDelayInd=1,
  //   dlDelayRslt=0x01020304, ulDelayInd=1, ulDelayRslt=0x05060708, SNP=1,
  //   UlQFISeqNum=0xabcdef, N3N9DelayInd=1, N3N9DelayRslt=0x090a0b0c)
  ulFull: '0b 1f bf 1111111122222222 3333333344444444 5555555566666666 01020304 05060708 abcdef 090a0b0c 00 00',
  // GTPPDUSessionContainer(type=1, QFI=9) = gtp5g uplink, QFI 9
  ulGtp5g: '01 10 09 00',
  // gtp5g downlink, QFI 5: type_spare 0x00, ppp_rqi_qfi = QFI
  dlGtp5g: '01 00 05 00',
  // GTP_UDPPort_ExtensionHeader(udp_port=2152, next_ex=0)
  udpPort: '01 0868 00',
  // GTP_PDCP_PDU_ExtensionHeader(pdcp_pdu=0x7abc, next_ex=0)
  pdcp: '01 7abc 00',
} as const;

test('comprehension bits (TS 29.281 Figure 5.2.1-2)', () => {
  assert.equal(gtpuExtComprehension(GTPU_EXT_HDR_TYPES['udp-port']), GTPV1_EXT_HDR_NOT_REQUIRED_DISCARD);
  assert.equal(gtpuExtComprehension(GTPU_EXT_HDR_TYPES['service-class-indicator']), GTPV1_EXT_HDR_NOT_REQUIRED_FORWARD);
  assert.equal(gtpuExtComprehension(GTPU_EXT_HDR_TYPES['long-pdcp-pdu-number']), GTPV1_EXT_HDR_NOT_REQUIRED_FORWARD);
  assert.equal(gtpuExtComprehension(GTPU_EXT_HDR_TYPES['pdu-session-container']), GTPV1_EXT_HDR_REQUIRED_BY_ENDPOINT);
  assert.equal(gtpuExtComprehension(GTPU_EXT_HDR_TYPES['nr-ran-container']), GTPV1_EXT_HDR_REQUIRED_BY_ENDPOINT);
  assert.equal(gtpuExtComprehension(GTPU_EXT_HDR_TYPES['pdcp-pdu-number']), GTPV1_EXT_HDR_REQUIRED_BY_RECIPIENT);
});

test('DL PDU Session Information with PPI, time stamp and sequence number (scapy)', () => {
  const r = chain(FIX.dlFull, 0x85);
  assert.ok(r.ok);
  assert.deepEqual(r.value.headers, [
    {
      kind: 'pdu-session-container',
      container: { kind: 'dl', qfi: 5, rqi: true, ppi: 3, dlSendingTimeStamp: 0xe6a1b2c3d4e5f607n, dlQfiSequenceNumber: 0x0a0b0c },
    },
  ]);
  assert.equal(r.value.end, 16);
  assert.equal(toHex(emitChain(r.value.headers)), toHex(fromHex(FIX.dlFull)));
});

test('UL PDU Session Information with every Release 16 field (scapy)', () => {
  const r = chain(FIX.ulFull, 0x85);
  assert.ok(r.ok);
  assert.deepEqual(r.value.headers, [
    {
      kind: 'pdu-session-container',
      container: {
        kind: 'ul',
        qfi: 63,
        qosMonitoring: {
          dlSendingTimeStampRepeated: 0x1111111122222222n,
          dlReceivedTimeStamp: 0x3333333344444444n,
          ulSendingTimeStamp: 0x5555555566666666n,
        },
        dlDelayResult: 0x01020304,
        ulDelayResult: 0x05060708,
        ulQfiSequenceNumber: 0xabcdef,
        n3n9DelayResult: 0x090a0b0c,
      },
    },
  ]);
  assert.equal(toHex(emitChain(r.value.headers)), toHex(fromHex(FIX.ulFull)));
});

test("gtp5g's one-unit containers", () => {
  assert.equal(toHex(emitChain([{ kind: 'pdu-session-container', container: { kind: 'dl', qfi: 5, rqi: false } }])), toHex(fromHex(FIX.dlGtp5g)));
  assert.equal(toHex(emitChain([{ kind: 'pdu-session-container', container: { kind: 'ul', qfi: 9 } }])), toHex(fromHex(FIX.ulGtp5g)));
  const r = chain(FIX.ulGtp5g, 0x85);
  assert.ok(r.ok);
  assert.deepEqual(r.value.headers, [{ kind: 'pdu-session-container', container: { kind: 'ul', qfi: 9 } }]);
});

test('UDP Port and PDCP PDU Number (scapy), Long PDCP PDU Number and Service Class Indicator', () => {
  const u = chain(FIX.udpPort, 0x40);
  assert.ok(u.ok);
  assert.deepEqual(u.value.headers, [{ kind: 'udp-port', port: 2152 }]);
  const p = chain(FIX.pdcp, 0xc0);
  assert.ok(p.ok);
  assert.deepEqual(p.value.headers, [{ kind: 'pdcp-pdu-number', pdcpPduNumber: 0x7abc }]);
  // Long PDCP PDU Number: 6 spare bits, 18 bits of number, 3 spare octets (§5.2.2.2A).
  const l = chain('02 fe 3456 ffffff 00', 0x82);
  assert.ok(l.ok);
  assert.deepEqual(l.value.headers, [{ kind: 'long-pdcp-pdu-number', type: 0x82, pdcpPduNumber: 0x23456 }]);
  assert.equal(toHex(emitChain(l.value.headers)), '0202345600000000');
  const s = chain('01 2a ff 00', 0x20);
  assert.ok(s.ok);
  assert.deepEqual(s.value.headers, [{ kind: 'service-class-indicator', serviceClassIndicator: 0x2a }]);
  assert.equal(toHex(emitChain(s.value.headers)), '012a0000');
});

test('a chain of several headers, unknown types kept with their content', () => {
  // UDP Port -> NR RAN Container (opaque) -> unknown 0x7f -> PDU Session Container.
  const hex = '01 0868 84' + '02 aabbccddeeff 7f' + '01 1234 85' + '01 00 45 00';
  const r = chain(hex, 0x40);
  assert.ok(r.ok);
  assert.deepEqual(r.value.headers, [
    { kind: 'udp-port', port: 2152 },
    { kind: 'opaque', type: 0x84, content: fromHex('aabbccddeeff') },
    { kind: 'opaque', type: 0x7f, content: fromHex('1234') },
    { kind: 'pdu-session-container', container: { kind: 'dl', qfi: 5, rqi: true } },
  ]);
  assert.equal(toHex(emitChain(r.value.headers)), toHex(fromHex(hex)));
  const raw = [...walkGtpuExtHeaders(fromHex(hex), 0, 20, 0x40)];
  assert.deepEqual(
    raw.map((x) => (x.ok ? [x.value.type, x.value.offset, x.value.size, x.value.next, x.value.comprehension] : x.error.kind)),
    [
      [0x40, 0, 4, 0x84, 1],
      [0x84, 4, 8, 0x7f, 2],
      [0x7f, 12, 4, 0x85, 1],
      [0x85, 16, 4, 0, 2],
    ],
  );
});

test('length 0, truncation and limits are refused', () => {
  const zero = chain('00 0000', 0x40);
  assert.ok(!zero.ok);
  assert.equal(zero.error.kind, 'bad-length');
  assert.equal(zero.error.offset, 0);
  // Every truncation of every fixture.
  for (const [name, hex] of Object.entries(FIX)) {
    const b = fromHex(hex);
    const first = name.startsWith('udp') ? 0x40 : name === 'pdcp' ? 0xc0 : 0x85;
    for (let n = 0; n < b.length; n++) {
      const r = parseGtpuExtChain(b, 0, n, first);
      assert.ok(!r.ok, `${name} cut to ${n}`);
      assert.equal(r.error.kind, 'truncated');
    }
  }
  // A next type pointing past the end.
  const dangling = chain('01 0868 40', 0x40);
  assert.ok(!dangling.ok);
  assert.equal(dangling.error.offset, 4);
  // 33 headers of 4 octets: over the count limit.
  const many = fromHex('01 0000 7f'.repeat(33).replace(/7f$/, '00'));
  const over = parseGtpuExtChain(many, 0, many.length, 0x7f);
  assert.ok(!over.ok);
  assert.equal(over.error.kind, 'limit');
  assert.equal(over.error.offset, 32 * 4);
  const fits = parseGtpuExtChain(many, 0, 32 * 4, 0x7f, { maxCount: 40, maxBytes: 4096 });
  assert.ok(!fits.ok);
  assert.equal(fits.error.kind, 'truncated');
  const big = parseGtpuExtChain(many, 0, many.length, 0x7f, { maxCount: 64, maxBytes: 64 });
  assert.ok(!big.ok);
  assert.equal(big.error.kind, 'limit');
  assert.equal(big.error.offset, 64);
});

test('typed headers with a wrong length are refused', () => {
  for (const [hex, type] of [
    ['02 0868 00000000 00', 0x40],
    ['02 7abc 00000000 00', 0xc0],
    ['01 0234 00', 0x03],
    ['02 2a00 00000000 00', 0x20],
  ] as const) {
    const r = chain(hex, type);
    assert.ok(!r.ok, hex);
    assert.equal(r.error.kind, 'bad-length');
    assert.equal(r.error.offset, 0);
  }
});

test('container flags announcing fields past the container are refused', () => {
  // DL, QMP set, but a one-unit container.
  const r = parsePduSessionContainer(fromHex('08 05'), 1);
  assert.ok(!r.ok);
  assert.equal(r.error.kind, 'bad-length');
  assert.equal(r.error.field, 'DL Sending Time Stamp');
  assert.equal(r.error.offset, 3);
  // UL, New IE Flag set, no octet for the flags.
  const n = parsePduSessionContainer(fromHex('10 49'));
  assert.ok(!n.ok);
  assert.equal(n.error.field, 'New IE Flags');
  assert.ok(!parsePduSessionContainer(fromHex('00')).ok);
});

test('New IE Flags, trailing octets and other PDU types are kept', () => {
  const ul = parsePduSessionContainer(fromHex('10 49 01 00000000 00'));
  assert.ok(ul.ok);
  assert.deepEqual(ul.value, { kind: 'ul', qfi: 9, newIes: fromHex('0100000000 00') });
  const dl = parsePduSessionContainer(fromHex('00 05 00 00 00 01'));
  assert.ok(dl.ok);
  assert.deepEqual(dl.value, { kind: 'dl', qfi: 5, rqi: false, trailing: fromHex('00000001') });
  const other = parsePduSessionContainer(fromHex('20 01'));
  assert.ok(other.ok);
  assert.deepEqual(other.value, { kind: 'other', pduType: 2, content: fromHex('2001') });
  // Spare bits are not evaluated: PPI octet spare bits and DL octet 1 bit 1 are dropped.
  const spare = parsePduSessionContainer(fromHex('01 85 7f 00 00 00'));
  assert.ok(spare.ok);
  assert.deepEqual(spare.value, { kind: 'dl', qfi: 5, rqi: false, ppi: 3 });
});

test('emit refuses what it cannot send', () => {
  const buf = new Uint8Array(64);
  assert.throws(() => emitPduSessionContainer({ kind: 'dl', qfi: 64, rqi: false }, buf), RangeError);
  assert.throws(() => emitPduSessionContainer({ kind: 'dl', qfi: 1, rqi: false, ppi: 8 }, buf), RangeError);
  assert.throws(() => emitPduSessionContainer({ kind: 'dl', qfi: 1, rqi: false, trailing: fromHex('00') }, buf), RangeError);
  assert.throws(() => emitPduSessionContainer({ kind: 'other', pduType: 1, content: fromHex('1000') }, buf), RangeError);
  assert.throws(() => emitGtpuExtChain([{ kind: 'opaque', type: 0x85, content: fromHex('0000') }], buf), RangeError);
  assert.throws(() => emitGtpuExtChain([{ kind: 'opaque', type: 0x7f, content: fromHex('00') }], buf), RangeError);
  assert.throws(() => emitGtpuExtChain([{ kind: 'udp-port', port: 2152 }], new Uint8Array(3)), RangeError);
});

// --- Properties --------------------------------------------------------------------------------

const u64 = fc.bigInt({ min: 0n, max: 0xffffffffffffffffn });
const u32 = fc.integer({ min: 0, max: 0xffffffff });
const u24 = fc.integer({ min: 0, max: 0xffffff });

/** `n` octets, `n` ≡ `pad` (mod 4), at least one unit past the minimal padding. */
function tailFor(fields: number): fc.Arbitrary<Uint8Array> {
  const pad = (4 - ((fields + 2) % 4)) % 4;
  return fc.integer({ min: 1, max: 3 }).chain((k) => fc.uint8Array({ minLength: pad + 4 * k, maxLength: pad + 4 * k }));
}

const dlArb: fc.Arbitrary<PduSessionContainer> = fc
  .record(
    {
      qfi: fc.integer({ min: 0, max: 63 }),
      rqi: fc.boolean(),
      ppi: fc.integer({ min: 0, max: 7 }),
      dlSendingTimeStamp: u64,
      dlQfiSequenceNumber: u24,
      dlMbsQfiSequenceNumber: u32,
    },
    { requiredKeys: ['qfi', 'rqi'], noNullPrototype: true },
  )
  .chain((c) => {
    const base = { kind: 'dl' as const, ...c };
    const fields = 2 + (c.ppi !== undefined ? 1 : 0) + (c.dlSendingTimeStamp !== undefined ? 8 : 0) + (c.dlQfiSequenceNumber !== undefined ? 3 : 0) + (c.dlMbsQfiSequenceNumber !== undefined ? 4 : 0);
    return fc.option(tailFor(fields), { nil: undefined }).map((t) => (t === undefined ? base : { ...base, trailing: t }));
  });

const ulArb: fc.Arbitrary<PduSessionContainer> = fc
  .record(
    {
      qfi: fc.integer({ min: 0, max: 63 }),
      qosMonitoring: fc.record({ dlSendingTimeStampRepeated: u64, dlReceivedTimeStamp: u64, ulSendingTimeStamp: u64 }, { noNullPrototype: true }),
      dlDelayResult: u32,
      ulDelayResult: u32,
      ulQfiSequenceNumber: u24,
      n3n9DelayResult: u32,
    },
    { requiredKeys: ['qfi'], noNullPrototype: true },
  )
  .chain((c) => {
    const base = { kind: 'ul' as const, ...c };
    const fields =
      2 +
      (c.qosMonitoring !== undefined ? 24 : 0) +
      (c.dlDelayResult !== undefined ? 4 : 0) +
      (c.ulDelayResult !== undefined ? 4 : 0) +
      (c.ulQfiSequenceNumber !== undefined ? 3 : 0) +
      (c.n3n9DelayResult !== undefined ? 4 : 0);
    return fc
      .oneof(fc.constant(undefined), tailFor(fields).map((t) => ({ trailing: t })), tailFor(fields).map((t) => ({ newIes: t })))
      .map((t) => (t === undefined ? base : { ...base, ...t }));
  });

const otherArb: fc.Arbitrary<PduSessionContainer> = fc
  .tuple(fc.integer({ min: 2, max: 15 }), fc.integer({ min: 1, max: 4 }))
  .chain(([pduType, n]) =>
    fc.uint8Array({ minLength: 4 * n - 2, maxLength: 4 * n - 2 }).map((c) => {
      c[0] = (pduType << 4) | ((c[0] ?? 0) & 0x0f);
      return { kind: 'other' as const, pduType, content: c };
    }),
  );

const extHeaderArb: fc.Arbitrary<GtpuExtHeader> = fc.oneof(
  fc.oneof(dlArb, ulArb, otherArb).map((container) => ({ kind: 'pdu-session-container' as const, container })),
  fc.integer({ min: 0, max: 0xffff }).map((port) => ({ kind: 'udp-port' as const, port })),
  fc.integer({ min: 0, max: 0xffff }).map((pdcpPduNumber) => ({ kind: 'pdcp-pdu-number' as const, pdcpPduNumber })),
  fc
    .tuple(fc.constantFrom(0x03 as const, 0x82 as const), fc.integer({ min: 0, max: 0x3ffff }))
    .map(([type, pdcpPduNumber]) => ({ kind: 'long-pdcp-pdu-number' as const, type, pdcpPduNumber })),
  fc.integer({ min: 0, max: 0xff }).map((serviceClassIndicator) => ({ kind: 'service-class-indicator' as const, serviceClassIndicator })),
  fc
    .tuple(
      fc.integer({ min: 1, max: 0xff }).filter((t) => ![0x03, 0x20, 0x40, 0x82, 0x85, 0xc0].includes(t)),
      fc.integer({ min: 1, max: 5 }),
    )
    .chain(([type, n]) => fc.uint8Array({ minLength: 4 * n - 2, maxLength: 4 * n - 2 }).map((content) => ({ kind: 'opaque' as const, type, content }))),
);

test('parse(emit(chain)) is the chain', () => {
  fc.assert(
    fc.property(fc.array(extHeaderArb, { minLength: 1, maxLength: 6 }), (headers) => {
      const b = emitChain(headers);
      const first = headers[0];
      assert.ok(first);
      const r = parseGtpuExtChain(b, 0, b.length, gtpuExtHeaderType(first));
      assert.ok(r.ok, r.ok ? '' : r.error.message);
      assert.deepEqual(r.value.headers, headers);
      assert.equal(r.value.end, b.length);
    }),
  );
});

test('random octets never throw', () => {
  fc.assert(
    fc.property(fc.uint8Array({ maxLength: 80 }), fc.integer({ min: 1, max: 255 }), (b, type) => {
      const r = parseGtpuExtChain(b, 0, b.length, type, GTPU_EXT_DEFAULT_LIMITS);
      if (r.ok) assert.ok(r.value.end <= b.length);
      parsePduSessionContainer(b);
    }),
  );
});
