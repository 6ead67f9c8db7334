import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import {
  GTPU_PEEK,
  GtpuPeek,
  GtpuView,
  emitGtpu,
  emitGtpuIes,
  emitGtpuSignalling,
  gtp5gEchoResponse,
  gtp5gEndMarker,
  gtp5gGpduHeader,
  gtpuBufferLen,
  gtpuIesBufferLen,
  gtpuPayload,
  gtpuSignallingBufferLen,
  parseGtpu,
  parseGtpuIes,
  parseGtpuSignalling,
  peekGtpu,
} from './gtpu.ts';
import type { GtpuIe, GtpuRepr, GtpuSignallingRepr } from './gtpu.ts';
import type { GtpuExtHeader } from './gtpu-ext.ts';
import { fromHex, toHex } from './bytes.ts';
import { parseIpv6Address, parseIpv4Address } from './address.ts';
import { GTP1U_PORT, GTPU_MESSAGE_TYPES } from '../uapi/gtpu.ts';
import { scapyBytes, skipUnlessScapy, skipUnlessTshark, tsharkExpertWarnings, tsharkField, tsharkJson } from '../../test/support/tools.ts';

const IPV6_NO_NEXT = '6000000000003b40 20010db8000000000000000000000001 20010db8000000000000000000000002';

/** GTP-U messages built by scapy 2.5 (scapy.contrib.gtp), with what they hold. */
const FIX = {
  // GTP_U_Header(teid=0x12345678)/IPv6(src='2001:db8::1', dst='2001:db8::2', nh=59, plen=0)
  plain: { hex: `30ff0028 12345678 ${IPV6_NO_NEXT}`, repr: { messageType: 255, teid: 0x12345678, payloadLength: 40 } },
  // GTP_U_Header(teid=0x1a2b3c4d, E=1, next_ex=0x85)/GTPPDUSessionContainer(type=1, QFI=9)/IPv6(...)
  ulQfi: {
    hex: `34ff0030 1a2b3c4d 00000085 01100900 ${IPV6_NO_NEXT}`,
    repr: {
      messageType: 255,
      teid: 0x1a2b3c4d,
      extensionHeaders: [{ kind: 'pdu-session-container', container: { kind: 'ul', qfi: 9 } }],
      payloadLength: 40,
    },
  },
  // GTP_U_Header(teid=7, E=1, S=1, seq=0x0102, next_ex=0x85)/GTPPDUSessionContainer(type=0, PPP=1,
  //   RQI=1, QFI=5, PPI=3, QMP=1, dlSendTime=0xe6a1b2c3d4e5f607, SNP=1, dlQFISeqNum=0x0a0b0c)
  dlFull: {
    hex: '36ff0014 00000007 01020085 040cc560e6a1b2c3d4e5f6070a0b0c00',
    repr: {
      messageType: 255,
      teid: 7,
      sequenceNumber: 0x0102,
      extensionHeaders: [
        {
          kind: 'pdu-session-container',
          container: { kind: 'dl', qfi: 5, rqi: true, ppi: 3, dlSendingTimeStamp: 0xe6a1b2c3d4e5f607n, dlQfiSequenceNumber: 0x0a0b0c },
        },
      ],
      payloadLength: 0,
    },
  },
  // GTP_U_Header(teid=10, PN=1, npdu=0x42)/IPv6(...)
  npdu: { hex: `31ff002c 0000000a 00004200 ${IPV6_NO_NEXT}`, repr: { messageType: 255, teid: 10, npduNumber: 0x42, payloadLength: 40 } },
  // GTPHeader(seq=0x1234)/GTPEchoRequest()
  echoRequest: { hex: '32010004 00000000 12340000', repr: { messageType: 1, teid: 0, sequenceNumber: 0x1234, payloadLength: 0 } },
  // GTP_U_Header(teid=0, gtp_type=26, E=1, next_ex=0x40)/GTP_UDPPort_ExtensionHeader(udp_port=2152)
  udpPort: {
    hex: '341a0008 00000000 00000040 01086800',
    repr: { messageType: 26, teid: 0, extensionHeaders: [{ kind: 'udp-port', port: 2152 }], payloadLength: 0 },
  },
} satisfies Record<string, { hex: string; repr: GtpuRepr }>;

// --- Fixtures ----------------------------------------------------------------------------------

test('scapy fixtures: parse, emit, payload', () => {
  for (const [name, f] of Object.entries(FIX)) {
    const b = fromHex(f.hex);
    const r = parseGtpu(b);
    assert.ok(r.ok, `${name}: ${r.ok ? '' : r.error.message}`);
    assert.deepEqual(r.value, f.repr, name);
    const hl = gtpuBufferLen(r.value);
    const out = new Uint8Array(hl);
    assert.equal(emitGtpu(r.value, out), hl);
    assert.equal(toHex(out), toHex(b.subarray(0, hl)), name);
    assert.equal(toHex(gtpuPayload(b, r.value)), toHex(b.subarray(hl)), name);
  }
});

test('view getters and setters', () => {
  const b = fromHex(FIX.dlFull.hex);
  const v = GtpuView.check(b);
  assert.ok(v.ok);
  const g = v.value;
  assert.deepEqual(
    [g.version, g.protocolType, g.e, g.s, g.pn, g.messageType, g.length, g.teid, g.hasOptional, g.headerLength, g.messageEnd],
    [1, 1, true, true, false, 255, 20, 7, true, 12, 28],
  );
  assert.deepEqual([g.sequenceNumber, g.npduNumber, g.nextExtHeaderType], [0x0102, 0, 0x85]);
  const ext = [...g.extHeaders()];
  assert.equal(ext.length, 1);
  assert.ok(ext[0]?.ok && ext[0].value.type === 0x85 && ext[0].value.size === 16);
  g.setTeid(0xdeadbeef);
  g.setMessageType(254);
  g.setLength(4);
  assert.equal(toHex(b.subarray(0, 8)), '36fe0004deadbeef');
  const plain = GtpuView.check(fromHex(FIX.plain.hex));
  assert.ok(plain.ok);
  assert.deepEqual([plain.value.headerLength, plain.value.sequenceNumber, plain.value.nextExtHeaderType], [8, 0, 0]);
  // S only: the Next type octet is present but not interpreted.
  const sOnly = GtpuView.check(fromHex('32ff0004 00000001 00010085'));
  assert.ok(sOnly.ok);
  assert.equal(sOnly.value.nextExtHeaderType, 0);
  assert.deepEqual([...sOnly.value.extHeaders()], []);
});

test('every truncation is rejected', () => {
  for (const [name, f] of Object.entries(FIX)) {
    const b = fromHex(f.hex);
    for (let n = 0; n < b.length; n++) {
      const r = parseGtpu(b.subarray(0, n));
      assert.ok(!r.ok, `${name} cut to ${n}`);
      assert.equal(r.error.kind, 'truncated', `${name} cut to ${n}`);
      const out = new GtpuPeek();
      assert.notEqual(peekGtpu(b, 0, n, out), GTPU_PEEK.OK, `${name} peek cut to ${n}`);
    }
  }
});

test('version, PT and Length errors', () => {
  const v0 = parseGtpu(fromHex('10ff0000 00000001'));
  assert.ok(!v0.ok);
  assert.deepEqual([v0.error.kind, v0.error.offset], ['bad-version', 0]);
  const v2 = parseGtpu(fromHex('48200008 00000001 00000000'));
  assert.ok(!v2.ok);
  assert.equal(v2.error.kind, 'bad-version');
  const prime = parseGtpu(fromHex('20ff0000 00000001'));
  assert.ok(!prime.ok);
  assert.deepEqual([prime.error.kind, prime.error.field], ['bad-value', 'Protocol Type']);
  // S set, Length 2: the optional octets are not covered.
  const short = parseGtpu(fromHex('32ff0002 00000001 00010000'));
  assert.ok(!short.ok);
  assert.deepEqual([short.error.kind, short.error.offset], ['bad-length', 2]);
  // E set, the extension header runs past Length (though not past the buffer).
  const past = parseGtpu(fromHex('34ff0004 00000001 00000085 01100900'));
  assert.ok(!past.ok);
  assert.deepEqual([past.error.kind, past.error.offset], ['bad-length', 12]);
  // Extension header length 0.
  const zero = parseGtpu(fromHex('34ff0008 00000001 00000085 00100900'));
  assert.ok(!zero.ok);
  assert.deepEqual([zero.error.kind, zero.error.offset], ['bad-length', 12]);
  // Octets past 8 + Length are not part of the message.
  const extra = parseGtpu(fromHex('30ff0002 00000001 aabb ccdd'));
  assert.ok(extra.ok);
  assert.equal(extra.value.payloadLength, 2);
});

// --- gtp5g -------------------------------------------------------------------------------------

function emitSignalling(r: GtpuSignallingRepr): Uint8Array {
  const out = new Uint8Array(gtpuSignallingBufferLen(r));
  assert.equal(emitGtpuSignalling(r, out), out.length);
  return out;
}

function emitHeader(r: GtpuRepr): Uint8Array {
  const out = new Uint8Array(gtpuBufferLen(r));
  assert.equal(emitGtpu(r, out), out.length);
  return out;
}

test("gtp5g's own messages, byte for byte", () => {
  // gtp1c_handle_echo_req: flags GTPV1|SEQ, type 2, length sizeof(echo_resp) - 8 = 6, TEID 0,
  // the request's sequence number, Recovery 14 with counter 0.
  assert.equal(toHex(emitSignalling(gtp5gEchoResponse(0x1234))), '3202000600000000123400000e00');
  assert.equal(toHex(emitSignalling(gtp5gEchoResponse(undefined))), '3202000600000000000000000e00');
  // gtp5g_fwd_emark_skb_ipv4: flags GTPV1, type 254, length 0.
  assert.equal(toHex(emitSignalling(gtp5gEndMarker(0x01020304))), '30fe000001020304');
  // gtp5g_push_header: QFI 0 and no seq: the bare 8 octets.
  assert.equal(toHex(emitHeader(gtp5gGpduHeader({ teid: 0x11, payloadLength: 100, qfi: 0, pduType: 0 }))), '30ff006400000011');
  // QFI 9 downlink: E, 4 optional octets (seq 0, next 0x85), container 01 00 09 00.
  assert.equal(
    toHex(emitHeader(gtp5gGpduHeader({ teid: 0x11, payloadLength: 100, qfi: 9, pduType: 0 }))),
    '34ff006c' + '00000011' + '00000085' + '01000900',
  );
  // QFI 9 uplink with gtp5g's seq option: E and S, type_spare 0x10.
  assert.equal(
    toHex(emitHeader(gtp5gGpduHeader({ teid: 0x11, payloadLength: 100, qfi: 9, pduType: 1, sequenceNumber: 7 }))),
    '36ff006c' + '00000011' + '00070085' + '01100900',
  );
  // Seq option without QFI: S only.
  assert.equal(toHex(emitHeader(gtp5gGpduHeader({ teid: 0x11, payloadLength: 0, qfi: 0, pduType: 0, sequenceNumber: 1 }))), '32ff000400000011' + '00010000');
});

// --- IEs and signalling messages ---------------------------------------------------------------

const ERROR_IND_V4: GtpuSignallingRepr = {
  messageType: GTPU_MESSAGE_TYPES['error-indication'],
  teid: 0,
  ies: [
    { kind: 'teid-data-i', teid: 0x11223344 },
    { kind: 'peer-address', address: parseIpv4Address('192.0.2.1') ?? new Uint8Array() },
    { kind: 'private-extension', extensionIdentifier: 10, value: fromHex('01020304') },
  ],
};
const ERROR_IND_V4_HEX = '301a0015 00000000 1011223344 850004c0000201 ff0006000a01020304';

const ERROR_IND_V6: GtpuSignallingRepr = {
  messageType: GTPU_MESSAGE_TYPES['error-indication'],
  teid: 0,
  extensionHeaders: [{ kind: 'udp-port', port: 40000 }],
  ies: [
    { kind: 'teid-data-i', teid: 0xffffffff },
    { kind: 'peer-address', address: parseIpv6Address('2001:db8::1') ?? new Uint8Array() },
  ],
};

const SEHN: GtpuSignallingRepr = {
  messageType: GTPU_MESSAGE_TYPES['supported-extension-headers-notification'],
  teid: 0,
  sequenceNumber: 1,
  ies: [{ kind: 'ext-header-type-list', types: [0x40, 0x85, 0xc0] }],
};

test('Error Indication and Supported Extension Headers Notification', () => {
  const v4 = emitSignalling(ERROR_IND_V4);
  assert.equal(toHex(v4), toHex(fromHex(ERROR_IND_V4_HEX)));
  const p4 = parseGtpuSignalling(v4);
  assert.ok(p4.ok);
  assert.deepEqual(p4.value, ERROR_IND_V4);
  const p6 = parseGtpuSignalling(emitSignalling(ERROR_IND_V6));
  assert.ok(p6.ok);
  assert.deepEqual(p6.value, ERROR_IND_V6);
  const sehn = emitSignalling(SEHN);
  assert.equal(toHex(sehn), '321f0009' + '00000000' + '00010000' + '8d034085c0');
  const ps = parseGtpuSignalling(sehn);
  assert.ok(ps.ok);
  assert.deepEqual(ps.value, SEHN);
  // Every truncation of the IEs (the Length shrinks with them, so they are cut, not the header).
  // Octet 20 ends the mandatory IEs: the message is whole without the Private Extension.
  for (let n = 8; n < v4.length; n++) {
    const cut = v4.slice(0, n);
    cut[3] = n - 8;
    const r = parseGtpuSignalling(cut);
    assert.equal(r.ok, n === 20, `cut to ${n}`);
  }
});

test('IE decoding rules', () => {
  // Unknown TV types cannot be skipped.
  const tv = parseGtpuIes(fromHex('0e00 0f00'));
  assert.ok(!tv.ok);
  assert.deepEqual([tv.error.kind, tv.error.offset], ['bad-value', 2]);
  // Unknown TLVs (here Recovery Time Stamp, 231) are kept.
  const tlv = parseGtpuIes(fromHex('e70004 e6a1b2c3'));
  assert.ok(tlv.ok);
  assert.deepEqual(tlv.value, [{ kind: 'tlv', type: 231, value: fromHex('e6a1b2c3') }]);
  // A peer address of 5 octets is neither family.
  const bad = parseGtpuIes(fromHex('850005 0102030405'));
  assert.ok(!bad.ok);
  assert.deepEqual([bad.error.kind, bad.error.offset], ['bad-length', 1]);
  // Private Extension without its identifier.
  const priv = parseGtpuIes(fromHex('ff0001 00'));
  assert.ok(!priv.ok);
  assert.equal(priv.error.kind, 'bad-length');
  // A count limit.
  const many = parseGtpuIes(fromHex('0e00'.repeat(65)));
  assert.ok(!many.ok);
  assert.equal(many.error.kind, 'limit');
  // Emit refuses values it cannot send.
  const buf = new Uint8Array(32);
  assert.throws(() => emitGtpuIes([{ kind: 'peer-address', address: new Uint8Array(5) }], buf), RangeError);
  assert.throws(() => emitGtpuIes([{ kind: 'tlv', type: 14, value: new Uint8Array(1) }], buf), RangeError);
  assert.throws(() => emitGtpuIes([{ kind: 'tlv', type: 133, value: new Uint8Array(4) }], buf), RangeError);
});

test('mandatory IEs and message kinds', () => {
  // Echo Response without Recovery.
  const noRecovery = parseGtpuSignalling(fromHex('32020004 00000000 00010000'));
  assert.ok(!noRecovery.ok);
  assert.deepEqual([noRecovery.error.field, noRecovery.error.offset], ['Recovery', 12]);
  // The scapy Error Indication with only a UDP Port extension header has no IEs.
  const noTeid = parseGtpuSignalling(fromHex(FIX.udpPort.hex));
  assert.ok(!noTeid.ok);
  assert.equal(noTeid.error.field, 'Tunnel Endpoint Identifier Data I');
  // A G-PDU has no IEs.
  const gpdu = parseGtpuSignalling(fromHex(FIX.plain.hex));
  assert.ok(!gpdu.ok);
  assert.equal(gpdu.error.field, 'Message Type');
  assert.throws(() => emitGtpuSignalling({ messageType: 255, teid: 1, ies: [] }, new Uint8Array(16)), RangeError);
  // Echo Request (scapy) and End Marker carry no mandatory IEs.
  const echo = parseGtpuSignalling(fromHex(FIX.echoRequest.hex));
  assert.ok(echo.ok);
  assert.deepEqual(echo.value, { messageType: 1, teid: 0, sequenceNumber: 0x1234, ies: [] });
});

// --- Fast path ---------------------------------------------------------------------------------

test('peekGtpu reads what parseGtpu reads', () => {
  const out = new GtpuPeek();
  const ul = fromHex(FIX.ulQfi.hex);
  assert.equal(peekGtpu(ul, 0, ul.length, out), GTPU_PEEK.OK);
  assert.deepEqual(
    [out.teid, out.messageType, out.qfi, out.pduType, out.rqi, out.sequenceNumber, out.extHeaderCount, out.payloadOffset, out.payloadEnd],
    [0x1a2b3c4d, 255, 9, 1, false, -1, 1, 16, 56],
  );
  const dl = fromHex(FIX.dlFull.hex);
  assert.equal(peekGtpu(dl, 0, dl.length, out), GTPU_PEEK.OK);
  assert.deepEqual([out.qfi, out.pduType, out.rqi, out.sequenceNumber, out.payloadOffset], [5, 0, true, 0x0102, 28]);
  // At an offset inside a larger buffer (a UDP datagram after its headers).
  const framed = new Uint8Array(100);
  framed.set(ul, 20);
  assert.equal(peekGtpu(framed, 20, 20 + ul.length, out), GTPU_PEEK.OK);
  assert.deepEqual([out.teid, out.payloadOffset, out.payloadEnd], [0x1a2b3c4d, 36, 76]);
  assert.equal(peekGtpu(fromHex('50ff0000 00000001'), 0, 8, out), GTPU_PEEK.BAD_VERSION);
  assert.equal(out.teid, 1);
});

test('peekGtpu in gtp5g mode follows gtp1u_udp_encap_recv', () => {
  const out = new GtpuPeek();
  // Length says 0 but a T-PDU follows: gtp5g uses the datagram's length.
  const lying = fromHex(`30ff0000 00000005 ${IPV6_NO_NEXT}`);
  assert.equal(peekGtpu(lying, 0, lying.length, out), GTPU_PEEK.OK);
  assert.equal(out.payloadEnd, 8);
  assert.equal(peekGtpu(lying, 0, lying.length, out, true), GTPU_PEEK.OK);
  assert.deepEqual([out.payloadOffset, out.payloadEnd], [8, 48]);
  const tooLong = fromHex('30ff0100 00000005');
  assert.equal(peekGtpu(tooLong, 0, tooLong.length, out), GTPU_PEEK.BAD_LENGTH);
  assert.equal(peekGtpu(tooLong, 0, tooLong.length, out, true), GTPU_PEEK.OK);
  // S set, E clear, Next type 0x85: the spec ignores it, gtp5g walks it.
  const sOnly = fromHex('32ff0008 00000005 00010085 01100900');
  assert.equal(peekGtpu(sOnly, 0, sOnly.length, out), GTPU_PEEK.OK);
  assert.deepEqual([out.qfi, out.payloadOffset], [-1, 12]);
  assert.equal(peekGtpu(sOnly, 0, sOnly.length, out, true), GTPU_PEEK.OK);
  assert.deepEqual([out.qfi, out.payloadOffset], [9, 16]);
  // Extension length 0 is dropped in both.
  const zero = fromHex('34ff0008 00000005 00000085 00100900');
  assert.equal(peekGtpu(zero, 0, zero.length, out), GTPU_PEEK.BAD_EXT_HEADER);
  assert.equal(peekGtpu(zero, 0, zero.length, out, true), GTPU_PEEK.BAD_EXT_HEADER);
  // 40 extension headers: over our limit, not gtp5g's.
  const chain = '01000040'.repeat(39) + '01000000';
  const many = fromHex(`34ff${(4 + chain.length / 2).toString(16).padStart(4, '0')} 00000005 00000040 ${chain}`);
  assert.equal(peekGtpu(many, 0, many.length, out), GTPU_PEEK.LIMIT);
  assert.equal(peekGtpu(many, 0, many.length, out, true), GTPU_PEEK.OK);
  assert.equal(out.extHeaderCount, 40);
});

// --- Properties --------------------------------------------------------------------------------

const extHeaderArb: fc.Arbitrary<GtpuExtHeader> = fc.oneof(
  fc.integer({ min: 0, max: 63 }).map((qfi) => ({ kind: 'pdu-session-container' as const, container: { kind: 'ul' as const, qfi } })),
  fc
    .tuple(fc.integer({ min: 0, max: 63 }), fc.boolean(), fc.integer({ min: 0, max: 7 }))
    .map(([qfi, rqi, ppi]) => ({ kind: 'pdu-session-container' as const, container: { kind: 'dl' as const, qfi, rqi, ppi } })),
  fc.integer({ min: 0, max: 0xffff }).map((port) => ({ kind: 'udp-port' as const, port })),
  fc
    .tuple(fc.constantFrom(0x81, 0x83, 0x84, 0x01, 0xc1, 0x7e), fc.integer({ min: 1, max: 3 }))
    .chain(([type, n]) => fc.uint8Array({ minLength: 4 * n - 2, maxLength: 4 * n - 2 }).map((content) => ({ kind: 'opaque' as const, type, content }))),
);

const headerArb: fc.Arbitrary<GtpuRepr> = fc.record(
  {
    messageType: fc.integer({ min: 0, max: 255 }),
    teid: fc.integer({ min: 0, max: 0xffffffff }),
    sequenceNumber: fc.integer({ min: 0, max: 0xffff }),
    npduNumber: fc.integer({ min: 0, max: 0xff }),
    extensionHeaders: fc.array(extHeaderArb, { maxLength: 4 }),
    payloadLength: fc.integer({ min: 0, max: 200 }),
  },
  { requiredKeys: ['messageType', 'teid', 'payloadLength'], noNullPrototype: true },
);

const ieArb: fc.Arbitrary<GtpuIe> = fc.oneof(
  fc.integer({ min: 0, max: 255 }).map((restartCounter) => ({ kind: 'recovery' as const, restartCounter })),
  fc.integer({ min: 0, max: 0xffffffff }).map((teid) => ({ kind: 'teid-data-i' as const, teid })),
  fc.oneof(fc.uint8Array({ minLength: 4, maxLength: 4 }), fc.uint8Array({ minLength: 16, maxLength: 16 })).map((address) => ({ kind: 'peer-address' as const, address })),
  fc.array(fc.integer({ min: 0, max: 255 }), { maxLength: 10 }).map((types) => ({ kind: 'ext-header-type-list' as const, types })),
  fc
    .tuple(fc.integer({ min: 0, max: 0xffff }), fc.uint8Array({ maxLength: 12 }))
    .map(([extensionIdentifier, value]) => ({ kind: 'private-extension' as const, extensionIdentifier, value })),
  fc
    .tuple(fc.constantFrom(230, 231, 200), fc.uint8Array({ maxLength: 12 }))
    .map(([type, value]) => ({ kind: 'tlv' as const, type, value })),
);

test('parse(emit(header)) is the header, and peek agrees', () => {
  const out = new GtpuPeek();
  fc.assert(
    fc.property(headerArb, fc.uint8Array({ minLength: 200, maxLength: 200 }), (r, payload) => {
      const hl = gtpuBufferLen(r);
      const b = new Uint8Array(hl + r.payloadLength);
      emitGtpu(r, b);
      b.set(payload.subarray(0, r.payloadLength), hl);
      const p = parseGtpu(b);
      assert.ok(p.ok, p.ok ? '' : p.error.message);
      assert.deepEqual(p.value, r);
      assert.equal(peekGtpu(b, 0, b.length, out), GTPU_PEEK.OK);
      assert.deepEqual([out.teid, out.messageType, out.payloadOffset, out.payloadEnd], [r.teid, r.messageType, hl, b.length]);
      const first = r.extensionHeaders?.find((h) => h.kind === 'pdu-session-container');
      const qfi = first?.kind === 'pdu-session-container' && first.container.kind !== 'other' ? first.container.qfi : -1;
      assert.equal(out.qfi, qfi);
    }),
  );
});

test('parse(emit(signalling)) is the message', () => {
  fc.assert(
    fc.property(headerArb, fc.array(ieArb, { maxLength: 6 }), (h, ies) => {
      const { payloadLength: _unused, ...header } = h;
      const r: GtpuSignallingRepr = { ...header, messageType: h.messageType === 255 ? 254 : h.messageType, ies };
      const b = emitSignalling(r);
      assert.equal(gtpuIesBufferLen(ies), b.length - gtpuBufferLen(r));
      const p = parseGtpuSignalling(b);
      if (!p.ok) {
        // Only the mandatory-IE check may refuse a well-formed message.
        assert.equal(p.error.kind, 'bad-value');
        return;
      }
      assert.deepEqual(p.value, r);
    }),
  );
});

test('random octets never throw', () => {
  const out = new GtpuPeek();
  fc.assert(
    fc.property(fc.uint8Array({ maxLength: 64 }), fc.integer({ min: 0, max: 7 }), (b, flags) => {
      // Bias towards GTPv1 with flags so the deeper paths run.
      if (b.length > 0 && b[0] !== undefined && b[0] % 2 === 0) b[0] = 0x30 | flags;
      parseGtpu(b);
      parseGtpuSignalling(b);
      parseGtpuIes(b);
      for (const mode of [false, true]) {
        const s = peekGtpu(b, 0, b.length, out, mode);
        if (s === GTPU_PEEK.OK) assert.ok(out.payloadOffset <= out.payloadEnd && out.payloadEnd <= b.length);
      }
    }),
  );
});

// --- Independent implementations ---------------------------------------------------------------

/** IPv6 (2001:db8::1 -> 2001:db8::2) + UDP 2152 -> 2152 around `gtp`, with a valid checksum. */
function inIpv6Udp(gtp: Uint8Array): Uint8Array {
  const udpLen = 8 + gtp.length;
  const p = new Uint8Array(40 + udpLen);
  p.set(fromHex('60000000'), 0);
  p[4] = udpLen >>> 8;
  p[5] = udpLen & 0xff;
  p[6] = 17;
  p[7] = 64;
  p.set(parseIpv6Address('2001:db8::1') ?? new Uint8Array(16), 8);
  p.set(parseIpv6Address('2001:db8::2') ?? new Uint8Array(16), 24);
  p[40] = GTP1U_PORT >>> 8;
  p[41] = GTP1U_PORT & 0xff;
  p[42] = GTP1U_PORT >>> 8;
  p[43] = GTP1U_PORT & 0xff;
  p[44] = udpLen >>> 8;
  p[45] = udpLen & 0xff;
  p.set(gtp, 48);
  // RFC 8200 §8.1 pseudo-header: addresses, upper-layer length, next header.
  let sum = udpLen + 17;
  for (let i = 8; i < 40; i += 2) sum += ((p[i] ?? 0) << 8) | (p[i + 1] ?? 0);
  for (let i = 40; i < p.length; i += 2) sum += ((p[i] ?? 0) << 8) | (p[i + 1] ?? 0);
  while (sum > 0xffff) sum = (sum & 0xffff) + (sum >>> 16);
  const ck = ~sum & 0xffff || 0xffff;
  p[46] = ck >>> 8;
  p[47] = ck & 0xff;
  return p;
}

function gpdu(r: GtpuRepr, payload: Uint8Array): Uint8Array {
  const h = emitHeader({ ...r, payloadLength: payload.length });
  const out = new Uint8Array(h.length + payload.length);
  out.set(h);
  out.set(payload, h.length);
  return out;
}

test('tshark dissects what we emit', { skip: skipUnlessTshark() }, () => {
  const inner = fromHex(IPV6_NO_NEXT);
  const msgs = [
    gpdu({ messageType: 255, teid: 0x12345678, payloadLength: 0 }, inner),
    gpdu(gtp5gGpduHeader({ teid: 0x1a2b3c4d, payloadLength: 0, qfi: 9, pduType: 1 }), inner),
    gpdu(
      {
        messageType: 255,
        teid: 7,
        sequenceNumber: 0x0102,
        extensionHeaders: [
          { kind: 'udp-port', port: 2152 },
          { kind: 'pdcp-pdu-number', pdcpPduNumber: 0x1234 },
          { kind: 'pdu-session-container', container: { kind: 'dl', qfi: 5, rqi: true, ppi: 3, dlQfiSequenceNumber: 0x0a0b0c } },
        ],
        payloadLength: 0,
      },
      inner,
    ),
    emitSignalling(gtp5gEchoResponse(0x4242)),
    emitSignalling(ERROR_IND_V4),
    emitSignalling(ERROR_IND_V6),
    emitSignalling(SEHN),
    emitSignalling(gtp5gEndMarker(0xabcdef01)),
  ].map(inIpv6Udp);
  assert.deepEqual(tsharkExpertWarnings(msgs), []);
  const layers = tsharkJson(msgs, { args: ['--no-duplicate-keys'] }).map((l) => l['gtp']);
  const f = (i: number, name: string) => tsharkField(layers[i], name);
  assert.deepEqual(layers.map((_, i) => f(i, 'gtp.teid')[0]), ['0x12345678', '0x1a2b3c4d', '0x00000007', '0x00000000', '0x00000000', '0x00000000', '0x00000000', '0xabcdef01']);
  assert.deepEqual(layers.map((_, i) => f(i, 'gtp.message')[0]), ['0xff', '0xff', '0xff', '0x02', '0x1a', '0x1a', '0x1f', '0xfe']);
  assert.deepEqual(f(1, 'gtp.ext_hdr.pdu_ses_con.pdu_type'), ['1']);
  assert.deepEqual(f(1, 'gtp.ext_hdr.pdu_ses_con.qos_flow_id'), ['9']);
  assert.deepEqual(f(2, 'gtp.seq_number'), ['0x0102']);
  assert.deepEqual(f(2, 'gtp.ext_hdr.next'), ['0x40', '0xc0', '0x85', '0x00']);
  assert.deepEqual(f(2, 'gtp.ext_hdr.udp_port'), ['2152']);
  assert.deepEqual(f(2, 'gtp.ext_hdr.pdcp_sn'), ['4660']);
  assert.deepEqual(
    ['pdu_ses_con.pdu_type', 'pdu_ses_cont.ppp', 'pdu_ses_cont.rqi', 'pdu_ses_con.qos_flow_id', 'pdu_ses_cont.ppi'].map((n) => f(2, `gtp.ext_hdr.${n}`)[0]),
    ['0', '1', '1', '5', '3'],
  );
  assert.deepEqual([f(3, 'gtp.seq_number')[0], f(3, 'gtp.recovery')[0]], ['0x4242', '0']);
  assert.deepEqual([f(4, 'gtp.teid_data')[0], f(4, 'gtp.gsn_ipv4')[0], f(4, 'gtp.ext_id')[0], f(4, 'gtp.ext_val')[0]], ['0x11223344', '192.0.2.1', '10', '01:02:03:04']);
  assert.deepEqual([f(5, 'gtp.teid_data')[0], f(5, 'gtp.gsn_ipv6')[0], f(5, 'gtp.ext_hdr.udp_port')[0]], ['0xffffffff', '2001:db8::1', '40000']);
  assert.deepEqual([f(6, 'gtp.num_ext_hdr_types')[0], f(6, 'gtp.ext_hdr_type').length], ['3', 3]);
  assert.deepEqual(f(7, 'gtp.length'), ['0']);
});

test('we decode what scapy builds', { skip: skipUnlessScapy() }, () => {
  const cases: Array<[string, GtpuRepr]> = [
    ["GTP_U_Header(teid=0xcafe, gtp_type=255)/IPv6(src='2001:db8::1', dst='2001:db8::2', nh=59, plen=0)", FIX.plain.repr],
    ['GTP_U_Header(teid=0x1a2b3c4d, E=1, next_ex=0x85, gtp_type=255)/GTPPDUSessionContainer(type=1, QFI=9)', FIX.ulQfi.repr],
    [
      'GTP_U_Header(teid=7, E=1, S=1, seq=0x0102, next_ex=0x85, gtp_type=255)/GTPPDUSessionContainer(type=0, PPP=1, RQI=1, QFI=5, PPI=3, QMP=1, dlSendTime=0xe6a1b2c3d4e5f607, SNP=1, dlQFISeqNum=0x0a0b0c)',
      FIX.dlFull.repr,
    ],
    ['GTP_U_Header(teid=10, PN=1, npdu=0x42, gtp_type=255)', FIX.npdu.repr],
    ['GTP_U_Header(teid=0, gtp_type=26, E=1, next_ex=0x40)/GTP_UDPPort_ExtensionHeader(udp_port=2152)', FIX.udpPort.repr],
    [
      "GTP_U_Header(teid=9, E=1, next_ex=0xc0, gtp_type=255)/GTP_PDCP_PDU_ExtensionHeader(pdcp_pdu=0x7abc)/IP(src='192.0.2.1', dst='192.0.2.2')",
      { messageType: 255, teid: 9, extensionHeaders: [{ kind: 'pdcp-pdu-number', pdcpPduNumber: 0x7abc }], payloadLength: 20 },
    ],
  ];
  const built = scapyBytes(cases.map(([e]) => e));
  assert.equal(built.length, cases.length);
  built.forEach((b, i) => {
    const [expr, want] = cases[i] ?? ['', FIX.plain.repr];
    const r = parseGtpu(b);
    assert.ok(r.ok, expr);
    const expected = { ...want, payloadLength: b.length - gtpuBufferLen(want) };
    if (i === 0) Object.assign(expected, { teid: 0xcafe });
    assert.deepEqual(r.value, expected, expr);
    const out = new GtpuPeek();
    assert.equal(peekGtpu(b, 0, b.length, out), GTPU_PEEK.OK);
    assert.equal(out.teid, expected.teid);
  });
  // scapy's Echo Request and Echo Response.
  const [req, rsp] = scapyBytes(['GTPHeader(seq=0x1234)/GTPEchoRequest()', 'GTPHeader(seq=0x1234)/GTPEchoResponse(IE_list=[IE_Recovery(restart_counter=0)])']);
  assert.ok(req && rsp);
  const q = parseGtpuSignalling(req);
  assert.ok(q.ok);
  assert.deepEqual(q.value, { messageType: 1, teid: 0, sequenceNumber: 0x1234, ies: [] });
  // Our reply to it, as gtp5g builds it, is what scapy builds for the same reply.
  assert.equal(toHex(emitSignalling(gtp5gEchoResponse(q.value.sequenceNumber))), toHex(rsp));
});
