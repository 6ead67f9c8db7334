import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { fromHex, toHex } from './bytes.ts';
import {
  emitEpb,
  emitIdb,
  emitShb,
  emitSpb,
  epbBufferLen,
  idbBufferLen,
  idbTsresol,
  nsToTimestamp,
  optionString,
  parseEpb,
  parseIdb,
  parseOptions,
  parsePcapng,
  parseShb,
  parseSpb,
  shbBufferLen,
  spbBufferLen,
  stringOption,
  timestampToNs,
  tsresolUnitsPerSecond,
} from './pcapng.ts';
import type { EpbRepr, IdbRepr, ShbRepr } from './pcapng.ts';
import type { ByteOrder } from './pcap.ts';
import {
  BT_ISB,
  BT_NRB,
  LINKTYPE_ETHERNET,
  LINKTYPE_RAW,
  OPT_COMMENT,
  OPT_IDB_NAME,
  OPT_IDB_TSRESOL,
  OPT_SHB_USERAPPL,
} from '../uapi/pcap.ts';
import { LE_FILE } from '../../test/support/capture-fixtures.ts';


const SHB_END = 44;
const IDB_END = SHB_END + 40;
const EPB_END = IDB_END + 52;
const NRB_END = EPB_END + 16;

test('hand-written little-endian section', () => {
  const r = parsePcapng(LE_FILE);
  assert.ok(r.ok);
  const f = r.value;
  assert.equal(f.sections.length, 1);
  const shb = f.sections[0]!.shb;
  assert.equal(shb.byteOrder, 'le');
  assert.equal(shb.sectionLength, -1n);
  assert.equal(optionString(shb.options, OPT_SHB_USERAPPL), 'v6stack');
  const iface = f.sections[0]!.interfaces[0]!;
  assert.equal(iface.idb.linkType, LINKTYPE_RAW);
  assert.equal(iface.idb.snapLen, 262144);
  assert.equal(optionString(iface.idb.options, OPT_IDB_NAME), 'eth0');
  assert.equal(iface.tsresol, 9);
  assert.equal(f.packets.length, 2);
  const [epb, spb] = f.packets;
  assert.equal(epb!.timestampNs, 1700000000123456789n);
  assert.equal(toHex(epb!.data), '6000000000');
  assert.equal(epb!.originalLen, 8);
  assert.deepEqual(epb!.comments, ['hi']);
  assert.equal(epb!.blockOffset, IDB_END);
  assert.equal(spb!.timestampNs, undefined);
  assert.equal(toHex(spb!.data), '600102030405');
  assert.equal(spb!.originalLen, 6);
  assert.deepEqual([...f.skipped], [[BT_NRB, 1]]);
});

test('the blocks re-emit byte for byte', () => {
  const shb = parseShb(LE_FILE.subarray(0, SHB_END));
  assert.ok(shb.ok);
  const idb = parseIdb(LE_FILE.subarray(SHB_END, IDB_END), 'le');
  assert.ok(idb.ok);
  const epb = parseEpb(LE_FILE.subarray(IDB_END, EPB_END), 'le');
  assert.ok(epb.ok);
  const spb = parseSpb(LE_FILE.subarray(NRB_END), 'le', idb.value.snapLen);
  assert.ok(spb.ok);
  const out = new Uint8Array(LE_FILE.length);
  let o = emitShb(shb.value, out, 0);
  o += emitIdb(idb.value, 'le', out, o);
  o += emitEpb(epb.value, 'le', out, o);
  out.set(LE_FILE.subarray(EPB_END, NRB_END), o);
  o += NRB_END - EPB_END;
  o += emitSpb(spb.value, 'le', out, o);
  assert.equal(o, LE_FILE.length);
  assert.equal(toHex(out), toHex(LE_FILE));
  assert.equal(shbBufferLen(shb.value), SHB_END);
  assert.equal(idbBufferLen(idb.value), 40);
  assert.equal(epbBufferLen(epb.value), 52);
  assert.equal(spbBufferLen(spb.value), 24);
});

/** A big-endian file with two sections; the second has two interfaces with other clocks. */
function bigEndianTwoSections(): Uint8Array {
  const parts: Uint8Array[] = [];
  const add = (n: number, emit: (b: Uint8Array) => number): void => {
    const b = new Uint8Array(n);
    assert.equal(emit(b), n);
    parts.push(b);
  };
  const shb = (order: ByteOrder, len: bigint): ShbRepr => ({ byteOrder: order, versionMajor: 1, versionMinor: 0, sectionLength: len, options: [] });
  const idb = (linkType: number, tsresol: number, name: string): IdbRepr => ({
    linkType,
    reserved: 0,
    snapLen: 0,
    options: [stringOption(OPT_IDB_NAME, name), { code: OPT_IDB_TSRESOL, data: Uint8Array.of(tsresol) }],
  });
  const epb = (iface: number, ts: bigint, data: number[]): EpbRepr => ({ interfaceId: iface, timestamp: ts, originalLen: data.length, data: Uint8Array.from(data), options: [] });
  const s1 = shb('be', 0n);
  add(shbBufferLen(s1), (b) => emitShb(s1, b));
  const i1 = idb(LINKTYPE_RAW, 6, 'tun0');
  add(idbBufferLen(i1), (b) => emitIdb(i1, 'be', b));
  const p1 = epb(0, 1_700_000_000_000_001n, [0x60, 1, 2]);
  add(epbBufferLen(p1), (b) => emitEpb(p1, 'be', b));
  // An ISB, skipped: type 5, length 24, interface 0, zero timestamp.
  parts.push(fromHex('00000005 00000018 00000000 00000000 00000000 00000018'));
  const s2 = shb('le', -1n);
  add(shbBufferLen(s2), (b) => emitShb(s2, b));
  const i2 = idb(LINKTYPE_ETHERNET, 0x80 | 10, 'eth1'); // 1/1024 s
  add(idbBufferLen(i2), (b) => emitIdb(i2, 'le', b));
  const i3 = idb(LINKTYPE_RAW, 3, 'lo'); // milliseconds
  add(idbBufferLen(i3), (b) => emitIdb(i3, 'le', b));
  const p2 = epb(0, 1024n * 5n + 512n, [0xff]);
  add(epbBufferLen(p2), (b) => emitEpb(p2, 'le', b));
  const p3 = epb(1, 1_700_000_000_123n, [0x60, 0, 0, 0, 0, 0, 0, 0]);
  add(epbBufferLen(p3), (b) => emitEpb(p3, 'le', b));
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}

test('several sections, byte orders, interfaces and resolutions', () => {
  const bytes = bigEndianTwoSections();
  assert.equal(toHex(bytes.subarray(0, 12)), '0a0d0d0a0000001c1a2b3c4d');
  const r = parsePcapng(bytes);
  assert.ok(r.ok);
  const f = r.value;
  assert.equal(f.sections.length, 2);
  assert.equal(f.sections[0]!.shb.byteOrder, 'be');
  assert.equal(f.sections[0]!.shb.sectionLength, 0n);
  assert.equal(f.sections[1]!.shb.byteOrder, 'le');
  assert.equal(f.sections[1]!.interfaces.length, 2);
  assert.deepEqual(
    f.packets.map((p) => [p.section, p.interfaceId, p.linkType, p.timestampNs, p.data.length]),
    [
      [0, 0, LINKTYPE_RAW, 1_700_000_000_000_001_000n, 3],
      [1, 0, LINKTYPE_ETHERNET, 5_500_000_000n, 1],
      [1, 1, LINKTYPE_RAW, 1_700_000_000_123_000_000n, 8],
    ],
  );
  assert.deepEqual([...f.skipped], [[BT_ISB, 1]]);
});

test('time stamp resolutions', () => {
  assert.equal(tsresolUnitsPerSecond(6), 1_000_000n);
  assert.equal(tsresolUnitsPerSecond(9), 1_000_000_000n);
  assert.equal(tsresolUnitsPerSecond(0x80 | 10), 1024n);
  assert.equal(tsresolUnitsPerSecond(0x80 | 64), 0xffffffffffffffffn);
  assert.equal(tsresolUnitsPerSecond(20), 0xffffffffffffffffn);
  assert.equal(timestampToNs(1_500_000n, 6), 1_500_000_000n);
  assert.equal(timestampToNs(1536n, 0x80 | 10), 1_500_000_000n);
  assert.equal(timestampToNs(1_500_000_000_123n, 12), 1_500_000_000n);
  assert.equal(nsToTimestamp(1_500_000_000n, 0x80 | 10), 1536n);
  assert.equal(nsToTimestamp(1_700_000_000_123_456_789n, 6), 1_700_000_000_123_456n);
  const idb: IdbRepr = { linkType: 1, reserved: 0, snapLen: 0, options: [] };
  assert.equal(idbTsresol(idb), 6, 'default when absent');
});

test('the Simple Packet Block follows the first interface snaplen', () => {
  // Original length 6, body of 8 bytes, snaplen 4: 4 bytes captured.
  const spb = fromHex('00000003 00000018 00000006 60010203 04050000 00000018');
  const cut = parseSpb(spb, 'be', 4);
  assert.ok(cut.ok);
  assert.equal(toHex(cut.value.data), '60010203');
  const whole = parseSpb(spb, 'be', 0);
  assert.ok(whole.ok);
  assert.equal(cut.value.originalLen, 6);
  assert.equal(toHex(whole.value.data), '600102030405');
  // An original length past the body is cut to the body.
  const long = parseSpb(fromHex('00000003 00000014 000005dc 60010203 00000014'), 'be', 0);
  assert.ok(long.ok);
  assert.equal(long.value.data.length, 4);
});

test('damaged blocks are errors with offsets', () => {
  const cases: Array<[string, (b: Uint8Array) => void, number, RegExp]> = [
    ['trailing length', (b) => (b[EPB_END - 4] = 0x30), IDB_END + 48, /trailing length/],
    ['captured length past the body', (b) => (b[IDB_END + 20] = 0x20), IDB_END + 20, /captured length/],
    ['unknown interface', (b) => (b[IDB_END + 8] = 1), IDB_END + 8, /interface 1/],
    ['option past the block', (b) => (b[IDB_END + 36 + 2] = 0x40), IDB_END + 38, /option 1 length 64/],
    ['length not a multiple of 4', (b) => (b[SHB_END + 4] = 0x29), SHB_END + 4, /multiple of 4/],
    ['byte-order magic', (b) => (b[8] = 0), 8, /0x1a2b3c4d/],
    ['version', (b) => (b[12] = 2), 12, /version 2.0/],
  ];
  for (const [name, damage, offset, message] of cases) {
    const b = LE_FILE.slice();
    damage(b);
    const r = parsePcapng(b);
    assert.ok(!r.ok, name);
    assert.equal(r.error.error.offset, offset, name);
    assert.match(r.error.error.message, message, name);
  }
  const first = parsePcapng(LE_FILE.subarray(SHB_END));
  assert.ok(!first.ok);
  assert.match(first.error.error.message, /starts with a Section Header Block/);
});

test('every truncation keeps the packets before it and reports the cut', () => {
  for (let n = 0; n < LE_FILE.length; n++) {
    const r = parsePcapng(LE_FILE.subarray(0, n));
    const boundary = [SHB_END, IDB_END, EPB_END, NRB_END].includes(n);
    if (boundary) {
      assert.ok(r.ok, `cut at block boundary ${n}`);
      continue;
    }
    assert.ok(!r.ok, `cut at ${n}`);
    const expected = n < EPB_END ? 0 : 1;
    assert.equal(r.error.partial.packets.length, expected, `cut at ${n}`);
    assert.ok(r.error.error.offset <= n, `offset ${r.error.error.offset} within the ${n} bytes`);
  }
});

test('options without opt_endofopt end at the block end; a short tail is an error', () => {
  const opts = fromHex('0100 0300 616263 00 0200 0000');
  const r = parseOptions(opts, 0, opts.length, 'le');
  assert.ok(r.ok);
  assert.equal(optionString(r.value, OPT_COMMENT), 'abc');
  assert.equal(r.value.length, 2);
  const tail = parseOptions(fromHex('0100 0000 00'), 0, 5, 'be');
  assert.ok(!tail.ok);
  assert.equal(tail.error.offset, 4);
  // A NUL ends a string option.
  assert.equal(optionString([{ code: 1, data: fromHex('6869006a') }], 1), 'hi');
});

test('random bytes never throw', () => {
  fc.assert(
    fc.property(fc.uint8Array({ maxLength: 200 }), fc.integer({ min: 0, max: 3 }), (b, prefix) => {
      // Start some inputs with a valid SHB so that later blocks are reached.
      const input = prefix === 0 ? b : Uint8Array.from([...LE_FILE.subarray(0, prefix === 1 ? SHB_END : IDB_END), ...b]);
      parsePcapng(input);
      parseShb(input);
      parseIdb(input, 'le');
      parseEpb(input, 'be');
      parseSpb(input, 'le', prefix * 7);
    }),
  );
});

test('parse(emit(epb)) is the identity', () => {
  fc.assert(
    fc.property(
      fc.constantFrom<ByteOrder>('le', 'be'),
      fc.nat({ max: 0xffffffff }),
      fc.bigInt({ min: 0n, max: 0xffffffffffffffffn }),
      fc.uint8Array({ maxLength: 70 }),
      fc.array(fc.record({ code: fc.integer({ min: 1, max: 0xffff }), data: fc.uint8Array({ maxLength: 9 }) }), { maxLength: 4 }),
      (order, interfaceId, timestamp, data, options) => {
        const repr: EpbRepr = { interfaceId, timestamp, originalLen: data.length + 3, data, options: options.map((o) => ({ ...o })) };
        const out = new Uint8Array(epbBufferLen(repr));
        emitEpb(repr, order, out);
        const back = parseEpb(out, order);
        assert.ok(back.ok);
        assert.deepEqual({ ...back.value, data: [...back.value.data], options: back.value.options.map((o) => ({ code: o.code, data: [...o.data] })) }, {
          ...repr,
          data: [...data],
          options: options.map((o) => ({ code: o.code, data: [...o.data] })),
        });
      },
    ),
  );
});
