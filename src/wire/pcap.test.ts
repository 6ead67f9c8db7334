import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { fromHex, toHex } from './bytes.ts';
import {
  emitPcapFileHeader,
  emitPcapRecordHeader,
  normalizeLinkType,
  parsePcapFileHeader,
  parsePcapRecordHeader,
  pcapFileHeader,
  pcapLengthOrder,
  pcapLinkTypeField,
  PCAP_FILE_HEADER_LEN,
} from './pcap.ts';
import type { PcapFileHeaderRepr } from './pcap.ts';
import { LINKTYPE_ETHERNET, LINKTYPE_RAW } from '../uapi/pcap.ts';

/** A tcpdump-style header on a little-endian host: microseconds, v2.4, snaplen 262144, raw IP. */
const LE_MICRO = fromHex(`
  d4 c3 b2 a1   # magic 0xa1b2c3d4 stored little-endian -> LE, microseconds
  02 00 04 00   # version 2.4
  00 00 00 00   # Reserved1
  00 00 00 00   # Reserved2
  00 00 04 00   # SnapLen 262144
  65 00 00 00   # LinkType 101 (LINKTYPE_RAW)
`);

/** The same on a big-endian host with nanosecond stamps, Ethernet with a 4-byte FCS. */
const BE_NANO_FCS = fromHex(`
  a1 b2 3c 4d   # magic 0xa1b23c4d stored big-endian -> BE, nanoseconds
  00 02 00 04   # version 2.4
  00 00 00 00   # Reserved1
  00 00 00 00   # Reserved2
  00 00 ff ff   # SnapLen 65535
  24 00 00 01   # FCS len 2 words, P bit (0x04000000), LinkType 1 (Ethernet)
`);

test('little-endian microsecond header', () => {
  const r = parsePcapFileHeader(LE_MICRO);
  assert.ok(r.ok);
  assert.deepEqual(r.value, pcapFileHeader(LINKTYPE_RAW, 262144, 'micro', 'le'));
  const out = new Uint8Array(PCAP_FILE_HEADER_LEN);
  assert.equal(emitPcapFileHeader(r.value, out), 24);
  assert.equal(toHex(out), toHex(LE_MICRO));
});

test('big-endian nanosecond header with FCS bits in the LinkType field', () => {
  const r = parsePcapFileHeader(BE_NANO_FCS);
  assert.ok(r.ok);
  assert.equal(r.value.byteOrder, 'be');
  assert.equal(r.value.resolution, 'nano');
  assert.equal(r.value.snapLen, 65535);
  assert.equal(r.value.linkType, LINKTYPE_ETHERNET);
  assert.equal(r.value.fcsWords, 2);
  assert.equal(pcapLinkTypeField(r.value), 0x24000001);
  const out = new Uint8Array(PCAP_FILE_HEADER_LEN);
  emitPcapFileHeader(r.value, out);
  assert.equal(toHex(out), toHex(BE_NANO_FCS));
});

test('reserved LinkType bits are kept, and no FCS without the P bit', () => {
  const b = LE_MICRO.slice();
  b[22] = 0x01; // bit 16 of the field: Reserved
  b[23] = 0x20; // FCS len 2 but no P bit
  const r = parsePcapFileHeader(b);
  assert.ok(r.ok);
  assert.equal(r.value.linkType, LINKTYPE_RAW);
  assert.equal(r.value.fcsWords, undefined);
  assert.equal(r.value.linkTypeReserved, 0x00010000);
});

test('old versions: lengths order as libpcap reads them', () => {
  const v = (major: number, minor: number): PcapFileHeaderRepr => {
    const b = LE_MICRO.slice();
    b[4] = major & 0xff;
    b[5] = major >> 8;
    b[6] = minor;
    const r = parsePcapFileHeader(b);
    assert.ok(r.ok, `${major}.${minor}`);
    return r.value;
  };
  assert.equal(pcapLengthOrder(v(2, 2)), 'swapped');
  assert.equal(pcapLengthOrder(v(2, 3)), 'maybe-swapped');
  assert.equal(pcapLengthOrder(v(2, 4)), 'normal');
  assert.equal(pcapLengthOrder(v(543, 0)), 'swapped');
});

test('unsupported versions and foreign magics are refused with a reason', () => {
  for (const [major, minor] of [
    [1, 0],
    [2, 5],
    [3, 0],
  ] as const) {
    const b = LE_MICRO.slice();
    b[4] = major;
    b[6] = minor;
    const r = parsePcapFileHeader(b);
    assert.ok(!r.ok);
    assert.equal(r.error.kind, 'bad-version');
    assert.equal(r.error.offset, 4);
  }
  const ng = parsePcapFileHeader(fromHex('0a0d0d0a 1c000000 4d3c2b1a 01000000 ffffffffffffffff 1c000000'));
  assert.ok(!ng.ok);
  assert.match(ng.error.message, /pcapng/);
  const kuz = parsePcapFileHeader(fromHex('34cdb2a1 02000400 00000000 00000000 00000400 01000000'));
  assert.ok(!kuz.ok);
  assert.match(kuz.error.message, /Kuznetzov/);
  const junk = parsePcapFileHeader(fromHex('7f454c46 02010100 00000000 00000000 00000000 00000000'));
  assert.ok(!junk.ok);
  assert.equal(junk.error.kind, 'bad-value');
  assert.match(junk.error.message, /0x7f454c46/);
});

test('every truncation of the header is rejected', () => {
  for (let n = 0; n < PCAP_FILE_HEADER_LEN; n++) {
    const r = parsePcapFileHeader(LE_MICRO.subarray(0, n));
    assert.ok(!r.ok, `length ${n}`);
    assert.equal(r.error.kind, 'truncated');
  }
});

test('record header in both byte orders', () => {
  // 1700000000 s, 123456 us, caplen 4, len 8.
  const le = fromHex('00f15365 40e20100 04000000 08000000');
  const be = fromHex('6553f100 0001e240 00000004 00000008');
  const want = { tsSec: 1700000000, tsFrac: 123456, capturedLen: 4, originalLen: 8 };
  const a = parsePcapRecordHeader(le, 'le');
  const b = parsePcapRecordHeader(be, 'be');
  assert.ok(a.ok && b.ok);
  assert.deepEqual(a.value, want);
  assert.deepEqual(b.value, want);
  const out = new Uint8Array(16);
  emitPcapRecordHeader(want, 'be', out);
  assert.equal(toHex(out), toHex(be));
  emitPcapRecordHeader(want, 'le', out);
  assert.equal(toHex(out), toHex(le));
  assert.ok(!parsePcapRecordHeader(le.subarray(0, 15), 'le').ok);
  assert.ok(!parsePcapRecordHeader(le, 'le', 1).ok);
});

test('DLT_RAW platform values mean raw IP', () => {
  assert.equal(normalizeLinkType(12), LINKTYPE_RAW);
  assert.equal(normalizeLinkType(14), LINKTYPE_RAW);
  assert.equal(normalizeLinkType(LINKTYPE_RAW), LINKTYPE_RAW);
  assert.equal(normalizeLinkType(LINKTYPE_ETHERNET), LINKTYPE_ETHERNET);
});

test('emit refuses values that do not fit', () => {
  const out = new Uint8Array(24);
  assert.throws(() => emitPcapFileHeader({ ...pcapFileHeader(0x10000, 1, 'micro') }, out), RangeError);
  assert.throws(() => emitPcapFileHeader(pcapFileHeader(1, 1, 'micro'), new Uint8Array(23)), RangeError);
});

test('random bytes never throw', () => {
  fc.assert(
    fc.property(fc.uint8Array({ maxLength: 40 }), fc.boolean(), (b, magic) => {
      if (magic && b.length >= 4) b.set([0xd4, 0xc3, 0xb2, 0xa1]);
      parsePcapFileHeader(b);
      parsePcapRecordHeader(b, 'le');
      parsePcapRecordHeader(b, 'be', 3);
    }),
  );
});

test('parse(emit(header)) is the identity', () => {
  const header = fc.record({
    byteOrder: fc.constantFrom('le' as const, 'be' as const),
    resolution: fc.constantFrom('micro' as const, 'nano' as const),
    versionMajor: fc.constant(2),
    versionMinor: fc.integer({ min: 0, max: 4 }),
    reserved1: fc.nat({ max: 0xffffffff }),
    reserved2: fc.nat({ max: 0xffffffff }),
    snapLen: fc.nat({ max: 0xffffffff }),
    linkType: fc.nat({ max: 0xffff }),
    linkTypeReserved: fc.constantFrom(0, 0x00010000, 0x08000000, 0x0bff0000),
  });
  fc.assert(
    fc.property(header, fc.option(fc.integer({ min: 0, max: 15 }), { nil: undefined }), (h, fcs) => {
      const repr: PcapFileHeaderRepr = fcs === undefined ? { ...h } : { ...h, fcsWords: fcs };
      const out = new Uint8Array(24);
      emitPcapFileHeader(repr, out);
      const back = parsePcapFileHeader(out);
      assert.ok(back.ok);
      assert.deepEqual(back.value, repr);
    }),
  );
});
