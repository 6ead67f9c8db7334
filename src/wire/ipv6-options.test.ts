import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import {
  Ipv6OptionsView,
  LINUX_HBH_LIMITS,
  OptionCursor,
  emitIpv6Options,
  ipv6Options,
  ipv6OptionsBufferLen,
  layoutOptions,
  optionAction,
  optionMayChange,
  parseIpv6Options,
  type Ipv6OptionRepr,
  type Ipv6OptionsRepr,
  type OptionLimits,
  type PlacedOption,
} from './ipv6-options.ts';
import { emitIpv6 } from './ipv6.ts';
import { fromHex, toHex } from './bytes.ts';
import { IPV6_TLV_IOAM, IPV6_TLV_JUMBO, IPV6_TLV_PADN, IPV6_TLV_ROUTERALERT } from '../uapi/in6.ts';
import { scapyBytes, skipUnlessScapy, skipUnlessTshark, tsharkField, tsharkJson } from '../../test/support/tools.ts';

// scapy: IPv6ExtHdrHopByHop(nh=58, options=[RouterAlert(value=0)])  (an MLD report's HBH)
const HBH_RA = fromHex('3a 00  05 02 0000  01 00');
// scapy: IPv6ExtHdrHopByHop(nh=17, options=[RouterAlert(value=0), Jumbo(jumboplen=70000)])
const HBH_RA_JUMBO = fromHex('11 01  05 02 0000  c2 04 00011170  01 02 0000');
// scapy: IPv6ExtHdrDestOpt(nh=59, options=[PadN(optdata=b""), HBHOptUnknown(otype=0x31, optdata=bytes(range(1, 11)))])
// An IOAM-typed option at 4n, kept opaque here.
const DST_IOAM = fromHex('3b 01  01 00  31 0a 0102030405060708090a');

const RA: Ipv6OptionRepr = { kind: 'router-alert', value: 0 };
const PADN = (n: number): Ipv6OptionRepr => ({ kind: 'padn', data: new Uint8Array(n) });

const REPRS: Array<[string, Uint8Array, Ipv6OptionsRepr]> = [
  ['HBH_RA', HBH_RA, { nextHeader: 58, options: [RA, PADN(0)] }],
  ['HBH_RA_JUMBO', HBH_RA_JUMBO, { nextHeader: 17, options: [RA, { kind: 'jumbo', payloadLength: 70000 }, PADN(2)] }],
  [
    'DST_IOAM',
    DST_IOAM,
    { nextHeader: 59, options: [PADN(0), { kind: 'unknown', type: IPV6_TLV_IOAM, data: fromHex('0102030405060708090a') }] },
  ],
];

function errorOf(r: { ok: boolean; error?: unknown }): { kind: string; offset: number; field: string } {
  assert.equal(r.ok, false);
  const e = r.error as { kind: string; offset: number; field: string };
  return { kind: e.kind, offset: e.offset, field: e.field };
}

test('every truncation is rejected', () => {
  for (const [name, bytes] of REPRS) {
    for (let n = 0; n < bytes.length; n++) {
      assert.equal(Ipv6OptionsView.check(bytes.subarray(0, n)).ok, false, `${name} view ${n}`);
      const r = parseIpv6Options(bytes.subarray(0, n));
      assert.equal(errorOf(r).kind, 'truncated', `${name} parse ${n}`);
      const c = new OptionCursor().reset(bytes.subarray(0, n));
      while (c.next());
      assert.equal(c.error?.kind, 'truncated');
    }
  }
});

test('view getters', () => {
  const r = Ipv6OptionsView.check(HBH_RA_JUMBO);
  assert.ok(r.ok);
  const v = r.value;
  assert.deepEqual([v.nextHeader, v.hdrExtLen, v.length, v.options.length], [17, 1, 16, 14]);
  v.nextHeader = 6;
  assert.equal(v.bytes[0], 6);
  v.nextHeader = 17;
});

test('cursor gives type, offset and length of each option in place', () => {
  // The header at offset 40 of a packet: offsets stay absolute in the packet.
  const packet = new Uint8Array(40 + HBH_RA_JUMBO.length);
  packet.set(HBH_RA_JUMBO, 40);
  const c = new OptionCursor().reset(packet, 40);
  const seen: number[][] = [];
  while (c.next()) seen.push([c.type, c.offset, c.length, c.dataOffset, c.dataLength]);
  assert.equal(c.error, undefined);
  assert.deepEqual(seen, [
    [IPV6_TLV_ROUTERALERT, 42, 4, 44, 2],
    [IPV6_TLV_JUMBO, 46, 6, 48, 4],
    [IPV6_TLV_PADN, 52, 4, 54, 2],
  ]);
  assert.equal(c.count, 2);
  // Reuse the same cursor on another header: no state leaks.
  c.reset(DST_IOAM, 0, LINUX_HBH_LIMITS);
  const types: number[] = [];
  while (c.next()) types.push(c.type);
  assert.deepEqual(types, [IPV6_TLV_PADN, IPV6_TLV_IOAM]);
  assert.equal(c.error, undefined);
});

test('parse each fixture', () => {
  for (const [name, bytes, repr] of REPRS) {
    for (const validation of ['rfc', 'linux'] as const) {
      const r = parseIpv6Options(bytes, { validation });
      assert.ok(r.ok, `${name} ${validation}`);
      assert.deepEqual(r.value, repr, name);
    }
  }
});

test('emit equals each fixture; layoutOptions pads as scapy and Linux do', () => {
  for (const [name, bytes, repr] of REPRS) {
    assert.equal(ipv6OptionsBufferLen(repr), bytes.length);
    const out = new Uint8Array(bytes.length + 3);
    assert.equal(emitIpv6Options(repr, out, 3), bytes.length);
    assert.equal(toHex(out.subarray(3)), toHex(bytes), name);
  }
  assert.deepEqual(layoutOptions([RA]), REPRS[0]?.[2].options);
  assert.deepEqual(layoutOptions([RA, { kind: 'jumbo', payloadLength: 70000 }]), REPRS[1]?.[2].options);
  const ioam: PlacedOption = { option: { kind: 'unknown', type: IPV6_TLV_IOAM, data: fromHex('0102030405060708090a') }, align: { x: 4, y: 0 } };
  assert.deepEqual(layoutOptions([ioam]), REPRS[2]?.[2].options);
  // Nothing to carry: one PadN of 4 fills the 8 bytes; a 1-byte gap is Pad1.
  assert.deepEqual(layoutOptions([]), [PADN(4)]);
  assert.deepEqual(layoutOptions([{ kind: 'unknown', type: 0x1e, data: new Uint8Array(3) }]), [
    { kind: 'unknown', type: 0x1e, data: new Uint8Array(3) },
    { kind: 'pad1' },
  ]);
  // Jumbo alone lands at 4n+2 with no leading pad.
  assert.deepEqual(layoutOptions([{ kind: 'jumbo', payloadLength: 1 << 20 }]), [{ kind: 'jumbo', payloadLength: 1 << 20 }]);
  assert.throws(() => layoutOptions([{ option: RA, align: { x: 4, y: 4 } }]), RangeError);
  assert.throws(() => emitIpv6Options({ nextHeader: 59, options: [RA] }, new Uint8Array(8)), RangeError);
});

test('round trip through bytes', () => {
  for (const [, bytes] of REPRS) {
    const r = parseIpv6Options(bytes);
    assert.ok(r.ok);
    const out = new Uint8Array(ipv6OptionsBufferLen(r.value));
    emitIpv6Options(r.value, out);
    assert.deepEqual(out, bytes);
  }
});

// [name, bytes, expected error in linux mode (offset, kind), whether plain RFC mode accepts it]
const LINUX_CASES: Array<[string, string, number, string, boolean]> = [
  // 14 Pad1: the 8th consecutive padding byte is refused.
  ['eight Pad1', '3b01 0000000000000000000000000000', 9, 'limit', true],
  // One PadN of 8 bytes (6 of data): longer than 7 bytes of padding.
  ['PadN of 8', '3b01 0106000000000000 0104 00000000', 2, 'limit', true],
  // PadN carrying a non-zero byte (RFC 4942 §2.1.9.5 covert channel).
  ['PadN data', '3b00 0104 00000100', 6, 'bad-value', true],
  // Pad1 + PadN(4) + Pad1: 1 + 6 + 1 padding bytes in a row.
  ['pad run', '3b01 00 0104 00000000 00 0502 0000 0100', 9, 'limit', true],
  // Pad1 + PadN(5): 1 + 7; the PadN is refused.
  ['Pad1 then PadN', '3b01 00 0105 0000000000 0502 0000 0100', 3, 'limit', true],
  // Jumbo at 4n instead of 4n+2 (Linux ipv6_hop_jumbo drops it).
  ['jumbo at 4n', '1101 0100 c204 00011170 0104 00000000', 4, 'bad-alignment', true],
];

test("Linux's ip6_parse_tlv rules in linux mode only", () => {
  for (const [name, hex, offset, kind, rfcOk] of LINUX_CASES) {
    const bytes = fromHex(hex);
    const e = errorOf(parseIpv6Options(bytes, { validation: 'linux' }));
    assert.deepEqual([e.offset, e.kind], [offset, kind], name);
    assert.equal(parseIpv6Options(bytes).ok, rfcOk, name);
  }
});

test('structural errors in every mode', () => {
  // Option runs past the header end: pointer at its Opt Data Len.
  assert.deepEqual(errorOf(parseIpv6Options(fromHex('3b00 1e07 00000000'))), { kind: 'truncated', offset: 3, field: 'Opt Data Len' });
  // A type octet alone at the end of the header.
  assert.deepEqual(errorOf(parseIpv6Options(fromHex('3b00 0103 000000 1e'))), { kind: 'truncated', offset: 7, field: 'Opt Data Len' });
  // Router Alert must carry 2 bytes, Jumbo 4.
  assert.deepEqual(errorOf(parseIpv6Options(fromHex('3a00 050100 010100'))), { kind: 'bad-length', offset: 3, field: 'Opt Data Len' });
  assert.deepEqual(errorOf(parseIpv6Options(fromHex('1100 c202 0000 0100'))), { kind: 'bad-length', offset: 3, field: 'Opt Data Len' });
});

test('count and length limits', () => {
  // Nine empty unknown options (type 0x1e, skip) and a PadN(2).
  const nine = fromHex('3b02' + '1e00'.repeat(9) + '0102 0000');
  const limits: OptionLimits = { maxOptions: 8 };
  assert.deepEqual(errorOf(parseIpv6Options(nine, limits)), { kind: 'limit', offset: 18, field: 'Option Type' });
  assert.ok(parseIpv6Options(nine, { maxOptions: 9 }).ok);
  assert.ok(parseIpv6Options(nine).ok);
  // Padding does not count (Linux counts non-padding TLVs only).
  assert.ok(parseIpv6Options(HBH_RA_JUMBO, { maxOptions: 2 }).ok);
  assert.deepEqual(errorOf(parseIpv6Options(HBH_RA_JUMBO, { maxLength: 8 })), { kind: 'limit', offset: 1, field: 'Hdr Ext Len' });
  assert.ok(parseIpv6Options(HBH_RA_JUMBO, { maxLength: 16 }).ok);
});

test('the Result iterator stops at the first error', () => {
  const items = [...ipv6Options(fromHex('3b01 0500 1e00 0000 0000 0000 0000'))];
  assert.equal(items.length, 1);
  assert.equal(items[0]?.ok, false);
  const good = [...ipv6Options(HBH_RA_JUMBO)];
  assert.equal(good.length, 3);
  assert.ok(good.every((r) => r.ok));
  // Cursor error surfaces as the last item.
  const cut = [...ipv6Options(fromHex('3b00 0100 1e07 0000'))];
  assert.deepEqual(
    cut.map((r) => r.ok),
    [true, false],
  );
});

test('action bits and the change-en-route bit', () => {
  assert.equal(optionAction(0x1e), 'skip');
  assert.equal(optionAction(0x4f), 'discard');
  assert.equal(optionAction(0x8a), 'discard-icmp');
  assert.equal(optionAction(IPV6_TLV_JUMBO), 'discard-icmp-unless-multicast');
  assert.equal(optionAction(IPV6_TLV_IOAM), 'skip');
  assert.equal(optionMayChange(IPV6_TLV_IOAM), true);
  assert.equal(optionMayChange(IPV6_TLV_ROUTERALERT), false);
  assert.equal(optionMayChange(IPV6_TLV_JUMBO), false);
});

const unknownType = fc.integer({ min: 2, max: 255 }).filter((t) => t !== IPV6_TLV_ROUTERALERT && t !== IPV6_TLV_JUMBO);
const optionArb: fc.Arbitrary<Ipv6OptionRepr | PlacedOption> = fc.oneof(
  fc.integer({ min: 0, max: 0xffff }).map((value): Ipv6OptionRepr => ({ kind: 'router-alert', value })),
  fc.integer({ min: 0, max: 0xffffffff }).map((payloadLength): Ipv6OptionRepr => ({ kind: 'jumbo', payloadLength })),
  fc
    .record({ type: unknownType, data: fc.uint8Array({ maxLength: 40 }) })
    .map(({ type, data }): Ipv6OptionRepr => ({ kind: 'unknown', type, data })),
  fc
    .record({
      type: unknownType,
      data: fc.uint8Array({ maxLength: 40 }),
      x: fc.constantFrom(1 as const, 2 as const, 4 as const, 8 as const),
      y: fc.nat(7),
    })
    .map(({ type, data, x, y }): PlacedOption => ({ option: { kind: 'unknown', type, data }, align: { x, y: y % x } })),
);

test('property: parse(emit(layout(options))) equals the laid-out Repr, also in linux mode', () => {
  fc.assert(
    fc.property(fc.integer({ min: 0, max: 255 }), fc.array(optionArb, { maxLength: 12 }), (nextHeader, items) => {
      const repr: Ipv6OptionsRepr = { nextHeader, options: layoutOptions(items) };
      const bytes = new Uint8Array(ipv6OptionsBufferLen(repr));
      emitIpv6Options(repr, bytes);
      for (const validation of ['rfc', 'linux'] as const) {
        const p = parseIpv6Options(bytes, { validation });
        assert.ok(p.ok, p.ok ? '' : p.error.message);
        assert.deepEqual(p.value, repr);
      }
      // Every option sits at the alignment it asked for.
      const c = new OptionCursor().reset(bytes);
      let i = 0;
      while (c.next()) {
        if (c.type === 0 || c.type === IPV6_TLV_PADN) continue;
        const item = items[i++];
        assert.ok(item);
        const align = 'option' in item ? item.align : item.kind === 'jumbo' ? { x: 4, y: 2 } : item.kind === 'router-alert' ? { x: 2, y: 0 } : undefined;
        if (align) assert.equal(c.offset % align.x, align.y);
      }
    }),
  );
});

test('property: random bytes never throw', () => {
  fc.assert(
    fc.property(fc.uint8Array({ maxLength: 64 }), fc.constantFrom<OptionLimits>({}, LINUX_HBH_LIMITS, { maxOptions: 1, maxLength: 16 }), (b, limits) => {
      parseIpv6Options(b, limits);
      const c = new OptionCursor().reset(b, 0, limits);
      let n = 0;
      while (c.next()) {
        assert.ok(c.offset + c.length <= b.length);
        n++;
      }
      assert.ok(n <= b.length);
      const v = Ipv6OptionsView.check(b);
      if (v.ok) void [v.value.length, v.value.options, v.value.nextHeader];
    }),
  );
});

test('scapy builds, we decode the same options', { skip: skipUnlessScapy() }, () => {
  const pkts = scapyBytes([
    'IPv6ExtHdrHopByHop(nh=6, options=[RouterAlert(value=2), Jumbo(jumboplen=123456)])',
    'IPv6ExtHdrDestOpt(nh=17, options=[HBHOptUnknown(otype=0x3e, optdata=b"abc"), Pad1(), HBHOptUnknown(otype=0xc9, optdata=bytes(16))])',
    'IPv6ExtHdrHopByHop(nh=59, options=[Pad1(), Pad1(), PadN(optdata=b"\\x00\\x00"), RouterAlert(value=0x1234)])',
  ]);
  const want: Array<[number, Ipv6OptionRepr[]]> = [
    [6, [{ kind: 'router-alert', value: 2 }, { kind: 'jumbo', payloadLength: 123456 }]],
    [17, [{ kind: 'unknown', type: 0x3e, data: fromHex('616263') }, { kind: 'pad1' }, { kind: 'unknown', type: 0xc9, data: new Uint8Array(16) }]],
    [59, [{ kind: 'pad1' }, { kind: 'pad1' }, PADN(2), { kind: 'router-alert', value: 0x1234 }]],
  ];
  want.forEach(([nh, opts], i) => {
    const r = parseIpv6Options(pkts[i] ?? new Uint8Array(0), { validation: 'linux' });
    assert.ok(r.ok, r.ok ? '' : r.error.message);
    assert.equal(r.value.nextHeader, nh);
    // scapy pads the end on its own: compare the non-trailing-padding prefix.
    assert.deepEqual(r.value.options.slice(0, opts.length), opts);
    assert.ok(r.value.options.slice(opts.length).every((o) => o.kind === 'pad1' || o.kind === 'padn'));
  });
});

test('tshark dissects what we emit with the same option values', { skip: skipUnlessTshark() }, () => {
  const hbh: Ipv6OptionsRepr = {
    nextHeader: 59,
    options: layoutOptions([
      { kind: 'router-alert', value: 0 },
      { option: { kind: 'unknown', type: 0x3e, data: fromHex('0102030405') }, align: { x: 4, y: 0 } },
    ]),
  };
  const len = ipv6OptionsBufferLen(hbh);
  const pkt = new Uint8Array(40 + len);
  emitIpv6({ trafficClass: 0, flowLabel: 0, payloadLength: len, nextHeader: 0, hopLimit: 1, src: new Uint8Array(16), dst: new Uint8Array(16) }, pkt);
  emitIpv6Options(hbh, pkt, 40);
  const [l] = tsharkJson([pkt], { args: ['--no-duplicate-keys'] });
  assert.deepEqual(tsharkField(l, 'ipv6.hopopts.nxt'), ['59']);
  assert.deepEqual(tsharkField(l, 'ipv6.hopopts.len'), [String(len / 8 - 1)]);
  assert.deepEqual(tsharkField(l, 'ipv6.opt.router_alert'), ['0']);
  const ours: string[] = [];
  const lengths: string[] = [];
  const c = new OptionCursor().reset(pkt, 40);
  while (c.next()) {
    if (c.type === 0) continue; // tshark shows Pad1 without a type field
    ours.push(`0x${c.type.toString(16).padStart(2, '0')}`);
    lengths.push(String(c.dataLength));
  }
  assert.deepEqual(tsharkField(l, 'ipv6.opt.type'), ours);
  assert.deepEqual(tsharkField(l, 'ipv6.opt.length'), lengths);
});
