import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { fromHex, toHex } from '../wire/bytes.ts';
import { EEXIST } from '../uapi/errno.ts';
import { NLM_F_REQUEST } from '../uapi/netlink.ts';
import {
  ioam6AddNamespaceRequest,
  ioam6AddSchemaRequest,
  ioam6DelNamespaceRequest,
  ioam6DelSchemaRequest,
  ioam6DumpNamespacesRequest,
  ioam6DumpSchemasRequest,
  ioam6NsSetSchemaRequest,
  parseIoam6Messages,
  putIoam6AddNamespace,
  putIoam6DelNamespace,
} from './ioam6-client.ts';
import { NlMsgBuilder } from './message.ts';

// Requests iproute2 6.1 sent to Linux 6.18 (family id 0x1e, seq 0x6b063e60..63), captured with
// strace; src/ipv6/ioam6-genl.test.ts replays the whole session.
const H = { familyId: 0x1e, seq: 0x6b063e60 };
const FIXTURES: Array<[string, Uint8Array, string]> = [
  // ip ioam namespace add 4 data 7 wide 8
  ['add 4 data 7 wide 8', ioam6AddNamespaceRequest(H, { id: 4, data: 7, dataWide: 8n }), '300000001e000500603e066b0000000001010000060001000400000008000200070000000c0003000800000000000000'],
  // ip ioam namespace del 9
  ['del 9', ioam6DelNamespaceRequest(H, 9), '1c0000001e000500603e066b00000000020100000600010009000000'],
  // ip ioam namespace show (sent with sendto)
  ['namespace show', ioam6DumpNamespacesRequest(H), '140000001e000103603e066b0000000003010000'],
  // ip ioam schema add 12 ABCDE
  ['schema add 12 ABCDE', ioam6AddSchemaRequest(H, 12, new TextEncoder().encode('ABCDE')), '280000001e000500603e066b0000000004010000080004000c000000090005004142434445000000'],
  // ip ioam schema del 99
  ['schema del 99', ioam6DelSchemaRequest(H, 99), '1c0000001e000500603e066b00000000050100000800040063000000'],
  // ip ioam schema show
  ['schema show', ioam6DumpSchemasRequest(H), '140000001e000103603e066b0000000006010000'],
  // ip ioam namespace set 1 schema 10
  ['set 1 schema 10', ioam6NsSetSchemaRequest(H, 1, 10), '240000001e000500603e066b00000000070100000600010001000000080004000a000000'],
  // ip ioam namespace set 3 schema none
  ['set 3 schema none', ioam6NsSetSchemaRequest(H, 3, undefined), '200000001e000500603e066b0000000007010000060001000300000004000600'],
];

test('builders produce the bytes iproute2 sends', () => {
  for (const [name, got, want] of FIXTURES) assert.equal(toHex(got), want, name);
});

test('put* append several requests into one builder; flags and portid can be set', () => {
  const b = new NlMsgBuilder();
  const a = putIoam6AddNamespace(b, { familyId: 0x1e, seq: 1, flags: NLM_F_REQUEST, portid: 7 }, { id: 1 });
  const d = putIoam6DelNamespace(b, { familyId: 0x1e, seq: 2 }, 1);
  assert.equal(a, 0);
  assert.equal(d, 28);
  assert.equal(
    toHex(b.bytes()),
    '1c0000001e000100010000000700000001010000060001000100000' + '0' + '1c0000001e00050002000000000000000201000006000100010000' + '00',
  );
});

// The kernel's answer to `ip ioam namespace show` after namespace 2 was linked to schema 11
// (one datagram: four entries), then its NLMSG_DONE, and an EEXIST error ack.
const DUMP_NS =
  '1c0000001e000200623e066bc6160000030100000600010001000000' +
  '300000001e000200623e066bc616000003010000060001000400000008000200070000000c0003000800000000000000' +
  '280000001e000200623e066bc61600000301000006000100030000000c000300efcdab8967452301' +
  '2c0000001e000200623e066bc616000003010000060001000200000008000200efbeadde080004000b000000';
const DONE = '1400000003000200623e066bc616000000000000';
const EEXIST_ACK = '3000000002000000603e066b4e160000efffffff1c0000001e000500603e066b00000000010100000600010001000000';
// `ip ioam schema show`: schema 11 linked to namespace 2, schema 10 unlinked.
const DUMP_SC =
  '240000001e000200623e066bca16000006010000080004000a0000000800050041000000' +
  '2c0000001e000200623e066bca16000006010000080004000b00000008000500414243440600010002000000';

test('decodes namespace entries, done and error acks', () => {
  const r = parseIoam6Messages(fromHex(DUMP_NS + DONE + EEXIST_ACK), 0x1e);
  assert.ok(r.ok);
  const v = r.value;
  assert.deepEqual(
    v.flatMap((m) => (m.kind === 'namespace' ? [m.value] : [])),
    [
      { id: 1 },
      { id: 4, data: 7, dataWide: 8n },
      { id: 3, dataWide: 0x0123456789abcdefn },
      { id: 2, data: 0xdeadbeef, schemaId: 11 },
    ],
  );
  const done = v[4];
  assert.ok(done?.kind === 'done');
  assert.equal(done.value.error, 0);
  const err = v[5];
  assert.ok(err?.kind === 'error');
  assert.equal(err.value.error, -EEXIST);
  assert.equal(err.header.pid, 0x164e);
});

test('decodes schema entries with their padded data and linked namespace', () => {
  const r = parseIoam6Messages(fromHex(DUMP_SC), 0x1e);
  assert.ok(r.ok);
  assert.deepEqual(
    r.value.map((m) => (m.kind === 'schema' ? m.value : m.kind)),
    [
      { id: 10, data: Uint8Array.of(0x41, 0, 0, 0) },
      { id: 11, data: Uint8Array.of(0x41, 0x42, 0x43, 0x44), nsId: 2 },
    ],
  );
});

test('other families and commands are kept as they came', () => {
  const r = parseIoam6Messages(fromHex(DUMP_NS.slice(0, 56)), 0x1f);
  assert.ok(r.ok);
  assert.equal(r.value[0]?.kind, 'other');
});

test('malformed entries are errors with offsets, never exceptions', () => {
  // NS_ID of 4 bytes.
  const r0 = parseIoam6Messages(fromHex('1c0000001e000200623e066bc6160000030100000800010001000000'), 0x1e);
  assert.ok(!r0.ok);
  assert.deepEqual([r0.error.kind, r0.error.field, r0.error.offset], ['bad-length', 'IOAM6_ATTR_NS_ID', 20]);
  // An attribute longer than what is left of its message.
  const r1 = parseIoam6Messages(fromHex('200000001e000200623e066bc61600000301000006000100010000000c000200'), 0x1e);
  assert.ok(!r1.ok);
  assert.deepEqual([r1.error.kind, r1.error.field], ['truncated', 'nlattr']);
  // No NS_ID at all.
  const r2 = parseIoam6Messages(fromHex('1c0000001e000200623e066bc6160000030100000800020001000000'), 0x1e);
  assert.ok(!r2.ok);
  assert.equal(r2.error.field, 'IOAM6_ATTR_NS_ID');
  assert.equal(r2.error.offset, 20);
  // NS_DATA of 2 bytes.
  const r3 = parseIoam6Messages(fromHex('240000001e000200623e066bc61600000301000006000100010000000600020001000000'), 0x1e);
  assert.ok(!r3.ok);
  assert.equal(r3.error.kind, 'bad-length');
  assert.equal(r3.error.offset, 28);
  // A schema without data.
  const r4 = parseIoam6Messages(fromHex('1c0000001e000200623e066bca16000006010000080004000a000000'), 0x1e);
  assert.ok(!r4.ok);
  assert.equal(r4.error.field, 'IOAM6_ATTR_SC_DATA');
  // A message cut short.
  const whole = fromHex(DUMP_NS);
  for (let n = 1; n < 28; n++) assert.equal(parseIoam6Messages(whole.subarray(0, n), 0x1e).ok, false, `${n} bytes`);
});

test('random bytes never throw', () => {
  fc.assert(
    fc.property(fc.uint8Array({ maxLength: 200 }), fc.integer({ min: 0, max: 0xffff }), (bytes, fam) => {
      parseIoam6Messages(bytes, fam);
    }),
    { numRuns: 2000, seed: 3 },
  );
  // Valid framing with random attribute bodies.
  fc.assert(
    fc.property(fc.uint8Array({ maxLength: 60 }), fc.constantFrom(3, 6), (body, cmd) => {
      const len = 20 + body.length;
      const msg = new Uint8Array(len);
      msg.set([len & 0xff, len >> 8, 0, 0, 0x1e, 0, 2, 0], 0);
      msg[16] = cmd;
      msg.set(body, 20);
      parseIoam6Messages(msg, 0x1e);
    }),
    { numRuns: 2000, seed: 4 },
  );
});
