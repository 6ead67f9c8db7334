/**
 * Growing an Incremental Trace in place: the padding rule, the limits, and the three ways the
 * bytes move (headroom, tailroom, a new buffer). Packets are built here octet by octet; the
 * handler's use of these functions is tested in ioam6-hbh.test.ts.
 */

import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { PacketBuffer } from '../net/packet-buffer.ts';
import { fromHex, toHex, u16 } from '../wire/bytes.ts';
import { OptionCursor } from '../wire/ipv6-options.ts';
import { incrementalInsert, incrementalRoom, onlyPaddingAfter, padRunBefore } from './ioam6-incremental.ts';

/** IPv6 header (Payload Length filled in by `pkt`), addresses 2001:db8::1 -> 2001:db8::2. */
const IP6 = '6000000000003b40' + '20010db8000000000000000000000001' + '20010db8000000000000000000000002';

/** An IPv6 packet with the Hop-by-Hop header `hbh` (hex; Hdr Ext Len set here) and 8 octets of payload. */
function pkt(hbh: string): Uint8Array {
  const p = fromHex(IP6 + hbh + '7061796c6f616421');
  p[4] = (p.length - 40) >> 8;
  p[5] = (p.length - 40) & 0xff;
  p[6] = 0;
  p[41] = Math.ceil(hbh.length / 16) - 1;
  return p;
}

/** An Incremental Trace option (type 0xc00000, NodeLen 2) with `list` octets of 0xaa. */
function inc(list: number, remlen = 10): string {
  return '31' + (10 + list).toString(16).padStart(2, '0') + '0001' + '007b10' + remlen.toString(16).padStart(2, '0') + 'c0000000' + 'aa'.repeat(list);
}

/** Linux's walk accepts the Hop-by-Hop header and the packet's lengths agree. */
function valid(p: Uint8Array): boolean {
  if (u16(p, 4) !== p.length - 40) return false;
  const c = new OptionCursor().reset(p, 40, { validation: 'linux' });
  while (c.next()) if (c.type === 0x31 && ((c.offset - 40) & 3) !== 0) return false;
  return c.error === undefined;
}

test('padRunBefore: the padding right before the option, or -1 when the walk misses it', () => {
  const after = pkt('3b03' + '1e020102' + '010400000000' + inc(0) + '01020000');
  assert.equal(padRunBefore(after, 40, 52), 6, 'PadN 6 after another option');
  assert.equal(padRunBefore(after, 40, 50), -1);
  assert.equal(padRunBefore(pkt('3b01' + '0000' + inc(0)), 40, 44), 2, 'two Pad1');
  assert.equal(padRunBefore(pkt('3b02' + '1e020102' + inc(0) + '01020000'), 40, 46), 0, 'none');
});

test('incrementalRoom: n % 8 == 0 grows by n; 4 octets move the padding; limits', () => {
  // Hop-by-Hop: PadN(2), option (12 octets), total 16.
  const p = pkt('3b01' + '0100' + inc(0));
  assert.equal(incrementalRoom(p, 0, 44, 8), 8);
  assert.equal(incrementalRoom(p, 0, 44, 16), 16);
  assert.equal(incrementalRoom(p, 0, 44, 4), 8, 'PadN 2 -> 6');
  const six = pkt('3b02' + '01040000' + '0000' + inc(4) + '');
  assert.equal(padRunBefore(six, 40, 48), 6);
  assert.equal(incrementalRoom(six, 0, 48, 4), 0, 'PadN 6 -> 2: the packet keeps its length');
  assert.equal(incrementalRoom(p, 0, 43, 8), -1, 'the walk does not land on the option');
  assert.equal(incrementalRoom(pkt('3b1f0100' + inc(244)), 0, 44, 4), -1, 'Opt Data Len 254 + 4');
  assert.equal(incrementalRoom(pkt('3b1f0100' + inc(240)), 0, 44, 4), 8);
  const jumbo = p.slice();
  jumbo[4] = 0;
  jumbo[5] = 0;
  assert.equal(incrementalRoom(jumbo, 0, 44, 8), -1, 'a jumbogram is not grown');
  const full = pkt('3b01' + '0100' + inc(0));
  full[4] = 0xff;
  full[5] = 0xfc;
  assert.equal(incrementalRoom(full, 0, 44, 8), -1, 'Payload Length would pass 65535');
});

test('incrementalInsert through the headroom: the data after the trace header stays put', () => {
  const p = pkt('3b01' + '0100' + inc(0) + '');
  const pkb = PacketBuffer.from(p, 16, 0);
  pkb.resetNetworkHeader();
  const afterAt = pkb.data + 56;
  const opt = incrementalInsert(pkb, pkb.data, pkb.data + 44, 8, 8, true);
  assert.equal(opt, 16 + 44 - 8);
  assert.equal(pkb.data, 8);
  assert.equal(pkb.networkHeader, 8);
  assert.equal(pkb.buf[afterAt], 0x70, 'the payload did not move');
  const out = pkb.bytes();
  assert.equal(toHex(out.subarray(40, 64)), '3b020100' + '31120001007b100ac0000000' + '0000000000000000');
  assert.ok(valid(out));
});

test('incrementalInsert through the tailroom, or a new buffer; frontOnly refuses both', () => {
  const p = pkt('3b01' + '0100' + inc(8));
  const want = (): string => {
    const pkb = PacketBuffer.from(p, 64, 0);
    pkb.resetNetworkHeader();
    incrementalInsert(pkb, pkb.data, pkb.data + 44, 4, 8, false);
    return toHex(pkb.bytes());
  };
  const tail = PacketBuffer.from(p, 0, 8);
  tail.resetNetworkHeader();
  assert.equal(incrementalInsert(tail, 0, 44, 4, 8, true), -1);
  assert.equal(toHex(tail.bytes()), toHex(p), 'untouched');
  assert.equal(incrementalInsert(tail, 0, 44, 4, 8, false), 48);
  assert.equal(toHex(tail.bytes()), want());
  assert.equal(tail.buf.length, p.length + 8, 'same buffer');
  const none = PacketBuffer.from(p, 0, 0);
  none.resetNetworkHeader();
  assert.ok(incrementalInsert(none, 0, 44, 4, 8, false) >= 0);
  assert.equal(toHex(none.bytes()), want());
  const out = fromHex(want());
  assert.ok(valid(out));
  assert.equal(toHex(out.subarray(40, 48)), '3b03010400000000', 'PadN 6 before the option');
  assert.equal(toHex(out.subarray(48, 52)), '31160001');
  assert.equal(toHex(out.subarray(60, 64)), '00000000', 'the new entry, zeroed');
  assert.equal(toHex(out.subarray(64, 72)), 'aa'.repeat(8), 'then the older entries');
});

test('onlyPaddingAfter: padding to the end of the header, or another option', () => {
  assert.equal(onlyPaddingAfter(pkt('3b02' + '0100' + inc(0) + '0106000000000000'), 0, 44), true);
  assert.equal(onlyPaddingAfter(pkt('3b02' + '0100' + inc(0) + '1e02000001020000'), 0, 44), false);
  assert.equal(onlyPaddingAfter(pkt('3b01' + '0100' + inc(0)), 0, 44), true);
});

test('random Hop-by-Hop headers: the functions never throw and a growth leaves a valid packet', () => {
  const pad = fc.constantFrom('00', '0100', '010100', '01020000', '0104000000000000'.slice(0, 12));
  const other = fc.constantFrom('1e020102', '05020000');
  let grown = 0;
  fc.assert(
    fc.property(
      fc.array(fc.oneof(pad, other), { maxLength: 3 }),
      fc.integer({ min: 0, max: 20 }),
      fc.array(fc.oneof(pad, other), { maxLength: 3 }),
      fc.constantFrom(4, 8, 12, 16, 100),
      fc.constantFrom(0, 8, 64),
      fc.constantFrom(0, 8, 200),
      fc.uint8Array({ maxLength: 64 }),
      (before, words, afterOpts, n, headroom, tailroom, junk) => {
        const lead = before.join('');
        const tail = afterOpts.join('');
        let body = '3b00' + lead + inc(words * 4) + tail;
        const rest = (8 - ((body.length / 2) % 8)) % 8;
        body += rest === 0 ? '' : rest === 1 ? '00' : '01' + (rest - 2).toString(16).padStart(2, '0') + '00'.repeat(rest - 2);
        const p = pkt(body);
        const opt = 42 + lead.length / 2;
        // Arbitrary bytes must not make the functions throw either.
        padRunBefore(junk, 0, junk.length);
        incrementalRoom(junk, 0, Math.min(junk.length, 8), n);
        onlyPaddingAfter(junk, 0, 0);
        if (!valid(p) || ((opt - 40) & 3) !== 0) return;
        const g = incrementalRoom(p, 0, opt, n);
        if (g < 0) return;
        const pkb = PacketBuffer.from(p, headroom, tailroom);
        pkb.resetNetworkHeader();
        const at = incrementalInsert(pkb, pkb.data, pkb.data + opt, n, g, false);
        assert.ok(at >= 0);
        const out = pkb.bytes();
        assert.equal(out.length, p.length + g);
        assert.ok(valid(out), toHex(out));
        assert.equal(out[at - pkb.data], 0x31);
        assert.equal(toHex(out.subarray(out.length - 8)), toHex(p.subarray(p.length - 8)), 'payload intact');
        grown++;
      },
    ),
    { numRuns: 400, seed: 0x17c },
  );
  assert.ok(grown > 50, `${grown} growths`);
});
