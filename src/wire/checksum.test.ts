import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import {
  checksum,
  checksumAdd,
  checksumFold,
  checksumFold16,
  checksumPseudoIpv4,
  checksumPseudoIpv6,
  checksumReplace,
  checksumUpdate16,
  checksumUpdate32,
  checksumUpdateBytes,
} from './checksum.ts';
import { fromHex, setU16, u16, u32, setU32 } from './bytes.ts';
import { parseIpv4Address, parseIpv6Address } from './address.ts';
import { scapyBytes, skipUnlessScapy } from '../../test/support/tools.ts';

/** A deliberately plain reference: word by word, folding at every step (RFC 1071 §4.1). */
function referenceChecksum(b: Uint8Array): number {
  let s = 0;
  for (let i = 0; i < b.length; i += 2) {
    s += ((b[i] ?? 0) << 8) | (b[i + 1] ?? 0);
    s = (s & 0xffff) + (s >>> 16);
  }
  return ~s & 0xffff;
}

function addr6(text: string): Uint8Array {
  const a = parseIpv6Address(text);
  assert.ok(a, text);
  return a;
}

function addr4(text: string): Uint8Array {
  const a = parseIpv4Address(text);
  assert.ok(a, text);
  return a;
}

test('RFC 1071 §3 numerical example: sum of 0001 f203 f4f5 f6f7 is ddf2', () => {
  const b = fromHex('00 01 f2 03 f4 f5 f6 f7');
  assert.equal(checksumFold16(checksumAdd(0, b)), 0xddf2);
  assert.equal(checksum(b), 0x220d);
  // The same bytes with the checksum appended verify to zero.
  assert.equal(checksum(fromHex('00 01 f2 03 f4 f5 f6 f7 22 0d')), 0);
});

test('an odd trailing byte is padded with a zero low byte', () => {
  assert.equal(checksum(fromHex('ab')), ~0xab00 & 0xffff);
  assert.equal(checksum(fromHex('12 34 56')), ~(0x1234 + 0x5600) & 0xffff);
  // Ranges inside a larger buffer: the byte after `end` is not read.
  const b = fromHex('ff 12 34 56 ff');
  assert.equal(checksum(b, 1, 4), checksum(fromHex('12 34 56')));
});

test('empty data and all-zero data', () => {
  assert.equal(checksum(new Uint8Array(0)), 0xffff);
  assert.equal(checksum(new Uint8Array(9)), 0xffff);
  assert.equal(checksumFold(0), 0xffff);
});

test('an out-of-range request is a programmer error', () => {
  const b = new Uint8Array(4);
  assert.throws(() => checksumAdd(0, b, 0, 5), RangeError);
  assert.throws(() => checksumAdd(0, b, -1, 2), RangeError);
  assert.throws(() => checksumAdd(0, b, 3, 2), RangeError);
});

test('folding: carries wrap around, also for sums above 32 bits', () => {
  assert.equal(checksumFold16(0x1fffe), 0xffff);
  assert.equal(checksumFold16(0x2ddf0), 0xddf2);
  assert.equal(checksumFold16(0xffff), 0xffff);
  // 2^40 = 0x100_0000_0000 folds to 1 (65536^2 * 256 ≡ 256 * 1 * 1, since 65536 ≡ 1).
  assert.equal(checksumFold16(2 ** 40), 0x100);
  assert.equal(checksumFold16(0xffff * 123456789), 0xffff);
});

test('RFC 1624 §4 worked example: m 5555 -> 3285 with the rest summing to cd7a', () => {
  // Two words: the "rest of the header" cd7a and the field m.
  const data = fromHex('cd 7a 55 55');
  const hc = checksum(data);
  assert.equal(hc, 0xdd2f);
  // Eqn. 3 gives +0, as recomputation does (eqn. 2 of RFC 1141 would give 0xffff).
  const updated = checksumUpdate16(hc, 0x5555, 0x3285);
  assert.equal(updated, 0x0000);
  setU16(data, 2, 0x3285);
  assert.equal(checksum(data), updated);
});

test('IPv6 pseudo-header: 32-bit length and next header (RFC 8200 §8.1)', () => {
  const src = addr6('2001:db8::1');
  const dst = addr6('2001:db8::2');
  const manual = new Uint8Array(40);
  manual.set(src, 0);
  manual.set(dst, 16);
  setU32(manual, 32, 0x00012345);
  manual[39] = 17;
  assert.equal(checksumFold16(checksumPseudoIpv6(src, dst, 0x12345, 17)), checksumFold16(checksumAdd(0, manual)));
  // Addresses read in place from one buffer (an IPv6 header) at offsets.
  const hdr = new Uint8Array(40);
  hdr.set(src, 8);
  hdr.set(dst, 24);
  assert.equal(checksumPseudoIpv6(hdr, hdr, 0x12345, 17, 8, 24), checksumPseudoIpv6(src, dst, 0x12345, 17));
});

test('IPv4 pseudo-header (RFC 768)', () => {
  const src = addr4('192.0.2.1');
  const dst = addr4('198.51.100.7');
  const manual = fromHex('c0000201 c6336407 00 11 0123');
  assert.equal(checksumFold16(checksumPseudoIpv4(src, dst, 0x0123, 17)), checksumFold16(checksumAdd(0, manual)));
});

test('IPv6 pseudo-header checksum equals scapy in6_chksum', { skip: skipUnlessScapy() }, () => {
  const payload = fromHex('1234 5678 000d 0000 68 65 6c 6c 6f');
  const src = addr6('2001:db8:1::10');
  const dst = addr6('fe80::abcd:1');
  const expr =
    "struct.pack('!H', in6_chksum(17, IPv6(src='2001:db8:1::10', dst='fe80::abcd:1'), " +
    "bytes.fromhex('12345678000d000068656c6c6f')))";
  const [b] = scapyBytes([expr], 'import struct');
  assert.ok(b);
  const ours = checksumFold(checksumAdd(checksumPseudoIpv6(src, dst, payload.length, 17), payload));
  assert.equal(ours, u16(b, 0));
});

test('sums of pieces split at even offsets equal the sum of the whole', () => {
  fc.assert(
    fc.property(fc.uint8Array({ maxLength: 3000 }), fc.nat(), (b, cutSeed) => {
      const cut = b.length === 0 ? 0 : (cutSeed % (b.length + 1)) & ~1;
      const whole = checksum(b);
      const pieces = checksumFold(checksumAdd(checksumAdd(0, b, 0, cut), b, cut, b.length));
      assert.equal(pieces, whole);
      assert.equal(whole, referenceChecksum(b));
    }),
  );
});

test('a filled-in checksum verifies to zero', () => {
  fc.assert(
    fc.property(fc.uint8Array({ minLength: 2, maxLength: 600 }), (raw) => {
      const b = raw.length % 2 === 0 ? raw : raw.subarray(0, raw.length - 1);
      setU16(b, 0, 0);
      setU16(b, 0, checksum(b));
      assert.equal(checksum(b), 0);
    }),
  );
});

test('incremental update equals recomputation after random 16-bit edits', () => {
  fc.assert(
    fc.property(
      fc.uint8Array({ minLength: 4, maxLength: 200 }),
      fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 0xffff })), { minLength: 1, maxLength: 10 }),
      (raw, edits) => {
        // Word 0 holds the checksum; word 1 is kept non-zero so the data is never all zeros,
        // the one case where recomputation yields -0 (0xffff) and RFC 1624 eqn. 3 yields +0.
        const b = raw.length % 2 === 0 ? raw.slice() : raw.slice(0, raw.length - 1);
        if (u16(b, 2) === 0) setU16(b, 2, 1);
        setU16(b, 0, 0);
        let csum = checksum(b);
        setU16(b, 0, csum);
        const words = b.length / 2;
        for (const [seed, value] of edits) {
          const w = 2 + (seed % (words - 1)) * 2;
          if (w === 2 && value === 0) continue;
          csum = checksumUpdate16(csum, u16(b, w), value);
          setU16(b, w, value);
        }
        setU16(b, 0, 0);
        assert.equal(csum, checksum(b));
      },
    ),
  );
});

test('incremental update of a 32-bit field equals recomputation', () => {
  fc.assert(
    fc.property(fc.uint8Array({ minLength: 12, maxLength: 12 }), fc.integer({ min: 0, max: 0xffffffff }), (raw, v) => {
      const b = raw.slice();
      b[2] = b[2] === 0 ? 1 : (b[2] ?? 1);
      setU16(b, 0, 0);
      const old = checksum(b);
      const updated = checksumUpdate32(old, u32(b, 8), v);
      setU32(b, 8, v);
      assert.equal(updated, checksum(b));
    }),
  );
});

test('incremental update of a byte range, at even or odd offsets, equals recomputation', () => {
  fc.assert(
    fc.property(
      fc.uint8Array({ minLength: 8, maxLength: 300 }),
      fc.nat(),
      fc.uint8Array({ minLength: 1, maxLength: 40 }),
      (raw, posSeed, replacement) => {
        const b = raw.slice();
        // Bytes 0-1 are the checksum, byte 2 stays non-zero (see the 16-bit test).
        if (b[2] === 0) b[2] = 1;
        setU16(b, 0, 0);
        const old = checksum(b);
        const room = b.length - 3;
        const len = Math.min(replacement.length, room);
        const pos = 3 + (posSeed % (room - len + 1));
        const before = b.slice(pos, pos + len);
        const after = replacement.subarray(0, len);
        const updated = checksumUpdateBytes(old, before, after, pos % 2 === 1);
        b.set(after, pos);
        assert.equal(updated, checksum(b));
        // The same through partial sums (what an in-place editor uses).
        const viaSums = checksumReplace(old, checksumAdd(0, before), checksumAdd(0, after));
        if (pos % 2 === 0) assert.equal(viaSums, updated);
      },
    ),
  );
});

test('checksumUpdateBytes refuses ranges of different lengths', () => {
  assert.throws(() => checksumUpdateBytes(0, new Uint8Array(2), new Uint8Array(4)), RangeError);
});
