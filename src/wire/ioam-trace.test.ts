import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import {
  IOAM6_DEFAULT_ID,
  IOAM6_DEFAULT_ID_WIDE,
  IOAM6_MASK_SHORT_FIELDS,
  IOAM6_MASK_WIDE_FIELDS,
  IOAM6_OSS_UNAVAILABLE,
  IOAM6_TRACE_TYPE_BIT0,
  IOAM6_TRACE_TYPE_BIT11,
  IOAM6_TRACE_TYPE_BIT12,
  IOAM6_TRACE_TYPE_BIT22,
  IOAM6_TRACE_TYPE_BIT5,
  IOAM6_TRACE_TYPE_BIT8,
  IOAM6_TRACE_TYPE_BIT9,
  IOAM6_U32_UNAVAILABLE,
  IOAM6_U64_UNAVAILABLE,
  IOAM_TRACE_FLAG_LOOPBACK,
  IOAM_TRACE_FLAG_OVERFLOW,
} from '../uapi/ioam6.ts';
import { bytesEqual, fromHex, toHex } from './bytes.ts';
import type { IoamNodeRepr, IoamTraceRepr } from './ioam-trace.ts';
import {
  IoamTraceView,
  TRACE_MALFORMED,
  TRACE_NO_NODE_ID,
  emitIoamNode,
  emitIoamTrace,
  forEachTraceHop,
  ioamNodeBufferLen,
  ioamTraceBufferLen,
  parseIoamNode,
  parseIoamTrace,
  preallocTrace,
  traceFieldOffset,
  traceHopCount,
  traceNodeIds,
  traceNodeLen,
  traceTypeValid,
} from './ioam-trace.ts';

/**
 * What Linux's "Full supported trace" selftest (tools/testing/selftests/net/ioam6.sh,
 * output_full_supp_trace) expects from node Alpha: trace type 0xfff002, namespace 123, size
 * 100 = 15 * 4 + the 4-octet snapshot header + 36 octets of schema 777. Hand-built from the
 * selftest's configuration table; the timestamps are arbitrary.
 */
const FULL_SUPPORTED = fromHex(`
  31 6e 00 00                 # option 0x31, Opt Data Len 110, Reserved, Pre-allocated Trace
  00 7b 78 00                 # Namespace-ID 123, NodeLen 15, Flags 0, RemainingLen 0
  ff f0 02 00                 # IOAM-Trace-Type 0xfff002, Reserved
  40 00 00 01                 # bit0: Hop_Lim 64 (encapsulating node: not decremented), node_id 1
  ff ff 00 65                 # bit1: ingress 0xffff (default), egress 101
  65 f0 a0 00                 # bit2: timestamp seconds
  00 01 e2 40                 # bit3: timestamp subseconds, 123456 us
  ff ff ff ff                 # bit4: transit delay (Linux: unavailable)
  de ad be ef                 # bit5: namespace data
  00 00 00 00                 # bit6: queue depth (qdisc backlog)
  ff ff ff ff                 # bit7: checksum complement (unavailable)
  40 00 00 00 00 a9 8a c7     # bit8: Hop_Lim 64, wide node id 11111111
  ff ff ff ff 00 01 8a ed     # bit9: ingress wide (default), egress wide 101101
  ca fe c0 ca f0 0d c0 de     # bit10: namespace data wide
  ff ff ff ff                 # bit11: buffer occupancy (unavailable)
  09 00 03 09                 # bit22: snapshot Length 9 (36 octets), Schema ID 777
  736f6d657468696e6720746861742077696c6c20626520346e2d616c69676e6564 000000  # schema data, 4n-aligned
`);

const SCHEMA_777 = fromHex('736f6d657468696e6720746861742077696c6c20626520346e2d616c69676e6564 000000');

const FULL_SUPPORTED_HOP: IoamNodeRepr = {
  hopLimitNodeId: { hopLimit: 64, nodeId: 1 },
  ifIds: { ingress: 0xffff, egress: 101 },
  timestampSecs: 0x65f0a000,
  timestampFrac: 123456,
  transitDelay: IOAM6_U32_UNAVAILABLE,
  namespaceData: 0xdeadbeef,
  queueDepth: 0,
  checksumComplement: IOAM6_U32_UNAVAILABLE,
  hopLimitNodeIdWide: { hopLimit: 64, nodeId: 11111111n },
  ifIdsWide: { ingress: 0xffffffff, egress: 101101 },
  namespaceDataWide: 0xcafec0caf00dc0den,
  bufferOccupancy: IOAM6_U32_UNAVAILABLE,
  opaqueState: { schemaId: 777, data: SCHEMA_777 },
};

/** Hand-built: trace type 0x800000, room for three hops, two filled (newest first). */
const TWO_HOPS = fromHex(`
  31 16 00 00                 # option 0x31, Opt Data Len 22, Reserved, Pre-allocated Trace
  00 01 08 01                 # Namespace-ID 1, NodeLen 1, Flags 0, RemainingLen 1
  80 00 00 00                 # IOAM-Trace-Type 0x800000, Reserved
  00 00 00 00                 # free space (one slot)
  3f 00 00 02                 # node data list [0]: Hop_Lim 63, node_id 2 (the last hop)
  40 00 00 01                 # node data list [1]: Hop_Lim 64, node_id 1 (the first hop)
`);

test('uapi numbers follow include/uapi/linux/ioam6.h and the kernel masks', () => {
  assert.equal(IOAM6_DEFAULT_ID, IOAM6_U32_UNAVAILABLE >>> 8);
  assert.equal(IOAM6_DEFAULT_ID_WIDE, IOAM6_U64_UNAVAILABLE >> 8n);
  assert.equal(IOAM6_OSS_UNAVAILABLE, IOAM6_U32_UNAVAILABLE >>> 8);
  // Short: bits 0-7, 11 and 12-21; wide: bits 8-10 (on the be32 form, trace type << 8).
  let short = 0;
  for (const bit of [0, 1, 2, 3, 4, 5, 6, 7, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21]) short |= 1 << (23 - bit);
  assert.equal((IOAM6_MASK_SHORT_FIELDS >>> 8) >>> 0, short);
  assert.equal(IOAM6_MASK_WIDE_FIELDS >>> 8, (1 << 15) | (1 << 14) | (1 << 13));
});

test('traceNodeLen computes NodeLen as ioam6_trace_compute_nodelen', () => {
  // Values the kernel selftest expects (ioam6_parser.c check_ioam_header).
  assert.equal(traceNodeLen(0x800000), 1);
  assert.equal(traceNodeLen(0xc00000), 2);
  assert.equal(traceNodeLen(0x008000), 2);
  assert.equal(traceNodeLen(0x000002), 0);
  assert.equal(traceNodeLen(0xfff002), 15);
  // The undefined bits count one unit each since the 2026 fix; bit 23 counts for nothing.
  assert.equal(traceNodeLen(0x000ffc), 10);
  assert.equal(traceNodeLen(0xfffffc), 25);
  assert.equal(traceNodeLen(0x000001), 0);
});

test('traceTypeValid follows ioam6_validate_trace_hdr', () => {
  for (const t of [0x800000, 0xc00000, 0xfff002, 0x000002, 0xfff000]) assert.equal(traceTypeValid(t), true, t.toString(16));
  for (const t of [0, 0x000800, 0x000004, 0x000001, 0x1000000, -1, 1.5]) assert.equal(traceTypeValid(t), false, t.toString(16));
});

test('traceFieldOffset locates a field inside an entry', () => {
  assert.equal(traceFieldOffset(0xfff002, IOAM6_TRACE_TYPE_BIT0), 0);
  assert.equal(traceFieldOffset(0xfff002, IOAM6_TRACE_TYPE_BIT8), 32);
  assert.equal(traceFieldOffset(0xfff002, IOAM6_TRACE_TYPE_BIT9), 40);
  assert.equal(traceFieldOffset(0xfff002, IOAM6_TRACE_TYPE_BIT11), 56);
  assert.equal(traceFieldOffset(0xfff002, IOAM6_TRACE_TYPE_BIT22), 60);
  assert.equal(traceFieldOffset(0x00a000 | IOAM6_TRACE_TYPE_BIT8, IOAM6_TRACE_TYPE_BIT8), 0);
  assert.equal(traceFieldOffset(0x800800 | IOAM6_TRACE_TYPE_BIT11, IOAM6_TRACE_TYPE_BIT12), 8);
  assert.equal(traceFieldOffset(0x800000, IOAM6_TRACE_TYPE_BIT5), -1);
  assert.equal(traceFieldOffset(0xc00000, 0xc00000), -1); // not a single bit
});

test('parse: the full supported trace', () => {
  const r = parseIoamTrace(FULL_SUPPORTED);
  assert.ok(r.ok, r.ok ? '' : r.error.message);
  const t = r.value;
  assert.equal(t.incremental, false);
  assert.equal(t.namespaceId, 123);
  assert.equal(t.nodeLen, 15);
  assert.equal(t.flags, 0);
  assert.equal(t.remainingLen, 0);
  assert.equal(t.traceType, 0xfff002);
  assert.equal(t.freeSpace.length, 0);
  assert.equal(t.hops.length, 1);
  assert.deepEqual(t.hops[0], FULL_SUPPORTED_HOP);
});

test('parse: two hops, newest first, with free space', () => {
  const r = parseIoamTrace(TWO_HOPS);
  assert.ok(r.ok);
  assert.deepEqual(r.value.hops, [{ hopLimitNodeId: { hopLimit: 63, nodeId: 2 } }, { hopLimitNodeId: { hopLimit: 64, nodeId: 1 } }]);
  assert.equal(r.value.remainingLen, 1);
  assert.deepEqual(r.value.freeSpace, new Uint8Array(4));
});

test('emit equals the fixtures', () => {
  const full = preallocTrace({ namespaceId: 123, traceType: 0xfff002, size: 100, hops: [FULL_SUPPORTED_HOP] });
  const out = new Uint8Array(FULL_SUPPORTED.length);
  out.set(FULL_SUPPORTED.subarray(0, 4)); // the ioam6_hdr is ioam.ts's; the trace starts after it
  assert.equal(emitIoamTrace(full, out, 4), FULL_SUPPORTED.length - 4);
  assert.equal(toHex(out), toHex(FULL_SUPPORTED));

  const two = preallocTrace({
    namespaceId: 1,
    traceType: 0x800000,
    size: 12,
    hops: [{ hopLimitNodeId: { hopLimit: 63, nodeId: 2 } }, { hopLimitNodeId: { hopLimit: 64, nodeId: 1 } }],
  });
  const out2 = new Uint8Array(TWO_HOPS.length);
  out2.set(TWO_HOPS.subarray(0, 4));
  emitIoamTrace(two, out2, 4);
  assert.equal(toHex(out2), toHex(TWO_HOPS));
});

test('every truncation is rejected', () => {
  for (const fixture of [FULL_SUPPORTED, TWO_HOPS]) {
    for (let i = 0; i < fixture.length; i++) {
      const cut = fixture.subarray(0, i);
      assert.equal(parseIoamTrace(cut).ok, false, `length ${i}`);
      assert.equal(IoamTraceView.check(cut).ok, false, `length ${i}`);
      assert.equal(traceHopCount(cut), TRACE_MALFORMED, `length ${i}`);
    }
    assert.equal(parseIoamTrace(fixture).ok, true);
  }
});

test('Linux receive checks: Opt Data Len, RemainingLen, NodeLen', () => {
  const shortOpt = fromHex('31 09 00 00  00 01 08 00  80 00 00');
  const e1 = parseIoamTrace(shortOpt);
  assert.ok(!e1.ok);
  assert.equal(e1.error.field, 'Opt Data Len');
  assert.equal(e1.error.offset, 1);

  const remPast = TWO_HOPS.slice();
  remPast[7] = 4; // four free slots, only three exist
  const e2 = parseIoamTrace(remPast);
  assert.ok(!e2.ok);
  assert.equal(e2.error.field, 'RemainingLen');

  // The crafted packet of the 2026 fix: NodeLen 0 with bits 0-21 set.
  const crafted = fromHex('31 0e 00 00  00 01 00 01  ff ff fc 00  00 00 00 00');
  const e3 = IoamTraceView.check(crafted);
  assert.ok(!e3.ok);
  assert.equal(e3.error.field, 'NodeLen');
  assert.equal(e3.error.offset, 6);

  const notTrace = TWO_HOPS.slice();
  notTrace[3] = 3;
  assert.equal(IoamTraceView.check(notTrace).ok, false);
  const notIoam = TWO_HOPS.slice();
  notIoam[0] = 0x1e;
  assert.equal(IoamTraceView.check(notIoam).ok, false);
});

test('walk errors: partial entry, snapshot past the option, empty entries with data', () => {
  // RemainingLen 0 and 6 octets of data for 4-octet entries.
  const partial = fromHex('31 10 00 00  00 01 08 00  80 00 00 00  3f 00 00 02  40 00');
  const e1 = parseIoamTrace(partial);
  assert.ok(!e1.ok);
  assert.equal(e1.error.kind, 'bad-length');
  assert.equal(e1.error.offset, 16);
  assert.equal(traceHopCount(partial), TRACE_MALFORMED);

  // bit 22 only: the snapshot announces 8 octets, 4 follow.
  const oss = fromHex('31 12 00 00  00 01 00 00  00 00 02 00  02 00 03 09  61 62 63 64');
  const e2 = parseIoamTrace(oss);
  assert.ok(!e2.ok);
  assert.equal(e2.error.field, 'Opaque State Snapshot Length');
  assert.equal(e2.error.offset, 12);

  // NodeLen 0 (trace type 0x000001, bit 23 only) and data after the free space.
  const empty = fromHex('31 0e 00 00  00 01 00 00  00 00 01 00  00 00 00 00');
  assert.equal(parseIoamTrace(empty).ok, false);
  assert.equal(traceHopCount(empty), TRACE_MALFORMED);
  const emptyOk = fromHex('31 0e 00 00  00 01 00 01  00 00 01 00  00 00 00 00');
  assert.equal(traceHopCount(emptyOk), 0);
});

test('the kernel no-schema snapshot marker decodes as Length 0, Schema ID 0xffffff', () => {
  const b = fromHex('31 0e 00 00  00 7b 00 00  00 00 02 00  00 ff ff ff');
  const r = parseIoamTrace(b);
  assert.ok(r.ok);
  assert.equal(r.value.hops.length, 1);
  assert.equal(r.value.hops[0]?.opaqueState?.schemaId, 0xffffff);
  assert.equal(r.value.hops[0]?.opaqueState?.data.length, 0);
});

test('incremental trace: no free space, every octet is hop data', () => {
  const b = fromHex('31 12 00 01  00 01 08 05  80 00 00 00  3f 00 00 02  40 00 00 01');
  const r = parseIoamTrace(b);
  assert.ok(r.ok);
  assert.equal(r.value.incremental, true);
  assert.equal(r.value.remainingLen, 5);
  assert.equal(r.value.hops.length, 2);
  assert.equal(traceHopCount(b), 2);
});

test('view getters and transit setters', () => {
  const b = TWO_HOPS.slice();
  const v = IoamTraceView.check(b);
  assert.ok(v.ok);
  const t = v.value;
  assert.equal(t.optionType, 0x31);
  assert.equal(t.optDataLen, 22);
  assert.equal(t.length, 24);
  assert.equal(t.ioamType, 0);
  assert.equal(t.namespaceId, 1);
  assert.equal(t.nodeLen, 1);
  assert.equal(t.flags, 0);
  assert.equal(t.overflow, false);
  assert.equal(t.remainingLen, 1);
  assert.equal(t.traceType, 0x800000);
  assert.equal(t.reserved, 0);
  assert.equal(t.dataOffset, 12);
  assert.equal(t.dataLength, 12);
  assert.equal(t.filledOffset, 16);

  t.flags = IOAM_TRACE_FLAG_LOOPBACK | 1;
  assert.equal(t.flags, IOAM_TRACE_FLAG_LOOPBACK | 1);
  assert.equal(t.nodeLen, 1);
  assert.equal(t.remainingLen, 1);
  t.flags = 0;
  t.overflow = true;
  assert.equal(t.flags, IOAM_TRACE_FLAG_OVERFLOW);
  assert.equal(b[6], 0x0c);
  t.overflow = false;
  assert.equal(b[6], 0x08);
  t.namespaceId = 0xbeef;
  assert.equal(t.namespaceId, 0xbeef);
  t.remainingLen = 0;
  assert.equal(b[7], 0);
  assert.throws(() => (t.remainingLen = 4), RangeError);
});

test('reserveNodeData follows ioam6_fill_trace_data', () => {
  const opt = new Uint8Array(24);
  opt.set(fromHex('31 16 00 00  00 01 08 03  80 00 00 00'));
  const v = IoamTraceView.check(opt);
  assert.ok(v.ok);
  const t = v.value;
  const offsets: number[] = [];
  for (let hop = 0; hop < 3; hop++) {
    const at = t.reserveNodeData();
    offsets.push(at);
    opt[at] = 64 - hop;
    opt[at + 3] = hop + 1;
  }
  // Filled from the end of the space towards the front.
  assert.deepEqual(offsets, [20, 16, 12]);
  assert.equal(t.remainingLen, 0);
  assert.equal(t.overflow, false);
  assert.equal(t.reserveNodeData(), -1);
  assert.equal(t.overflow, true);
  assert.equal(t.reserveNodeData(), -1);
  const r = parseIoamTrace(opt);
  assert.ok(r.ok);
  assert.deepEqual(
    r.value.hops.map((h) => h.hopLimitNodeId?.nodeId),
    [3, 2, 1],
  );

  // Not enough room for NodeLen + snapshot: Overflow, RemainingLen untouched.
  const opt2 = new Uint8Array(20);
  opt2.set(fromHex('31 12 00 00  00 01 08 02  80 00 02 00'));
  const v2 = IoamTraceView.check(opt2);
  assert.ok(v2.ok);
  assert.equal(v2.value.reserveNodeData(2), -1);
  assert.equal(v2.value.overflow, true);
  assert.equal(v2.value.remainingLen, 2);
});

test('view reset re-targets without allocating a new view', () => {
  const v = IoamTraceView.check(TWO_HOPS);
  assert.ok(v.ok);
  const view = v.value;
  const packet = new Uint8Array(200);
  packet.set(FULL_SUPPORTED, 44);
  assert.equal(view.reset(packet, 44), true);
  assert.equal(view.namespaceId, 123);
  assert.equal(view.offset, 44);
  assert.equal(view.reset(packet, 45), false);
  assert.equal(view.namespaceId, 123); // still the last valid option
});

test('fast path: counts, node ids, visitor offsets', () => {
  assert.equal(traceHopCount(TWO_HOPS), 2);
  assert.equal(traceHopCount(FULL_SUPPORTED), 1);
  const ids = new Uint32Array(4);
  assert.equal(traceNodeIds(TWO_HOPS, ids), 2);
  assert.deepEqual([...ids.subarray(0, 2)], [2, 1]);
  const small = new Uint32Array(1);
  assert.equal(traceNodeIds(TWO_HOPS, small), 2);
  assert.deepEqual([...small], [2]);
  // bit 0 clear: no short node id to report.
  const wideOnly = fromHex('31 12 00 00  00 01 10 00  00 80 00 00  3f 00 00 00 01 53 15 8e');
  assert.equal(traceNodeIds(wideOnly, ids), TRACE_NO_NODE_ID);
  assert.equal(traceNodeIds(TWO_HOPS.subarray(0, 10), ids), TRACE_MALFORMED);

  const seen: Array<[number, number]> = [];
  assert.equal(
    forEachTraceHop(wideOnly, (i, at, b) => {
      const off = traceFieldOffset(0x008000, IOAM6_TRACE_TYPE_BIT8);
      seen.push([i, (b[at + off + 5] ?? 0) * 65536 + (b[at + off + 6] ?? 0) * 256 + (b[at + off + 7] ?? 0)]);
    }),
    1,
  );
  assert.deepEqual(seen, [[0, 22222222 & 0xffffff]]);

  // A malformed option produces no visits at all.
  let calls = 0;
  const partial = fromHex('31 10 00 00  00 01 08 00  80 00 00 00  3f 00 00 02  40 00');
  assert.equal(
    forEachTraceHop(partial, () => calls++),
    TRACE_MALFORMED,
  );
  assert.equal(calls, 0);
});

test('offsets: a trace inside a packet reports errors at packet positions', () => {
  const packet = new Uint8Array(44 + TWO_HOPS.length);
  packet.set(TWO_HOPS, 44);
  assert.equal(traceHopCount(packet, 44), 2);
  const r = parseIoamTrace(packet, 44);
  assert.ok(r.ok);
  assert.equal(r.value.hops.length, 2);
  packet[44 + 6] = 0; // NodeLen 0
  const e = parseIoamTrace(packet, 44);
  assert.ok(!e.ok);
  assert.equal(e.error.offset, 50);
});

test('node entries: emit then parse, undefined bits, shape errors', () => {
  const type = IOAM6_TRACE_TYPE_BIT0 | IOAM6_TRACE_TYPE_BIT12 | 0x000400 | IOAM6_TRACE_TYPE_BIT22;
  const node: IoamNodeRepr = {
    hopLimitNodeId: { hopLimit: 1, nodeId: 0xabcdef },
    undefinedFields: [IOAM6_U32_UNAVAILABLE, 7],
    opaqueState: { schemaId: 5, data: Uint8Array.of(1, 2, 3, 4) },
  };
  assert.equal(ioamNodeBufferLen(node, type), 12 + 8);
  const b = new Uint8Array(20);
  assert.equal(emitIoamNode(node, type, b), 20);
  assert.equal(toHex(b), '01abcdef' + 'ffffffff' + '00000007' + '01000005' + '01020304');
  const r = parseIoamNode(b, 0, b.length, type);
  assert.ok(r.ok);
  assert.deepEqual(r.value.node, node);
  assert.equal(r.value.length, 20);

  assert.throws(() => emitIoamNode({}, IOAM6_TRACE_TYPE_BIT0, b), RangeError);
  assert.throws(() => emitIoamNode({ namespaceData: 1 }, IOAM6_TRACE_TYPE_BIT0, b), RangeError);
  assert.throws(() => emitIoamNode({ hopLimitNodeId: { hopLimit: 256, nodeId: 0 } }, IOAM6_TRACE_TYPE_BIT0, b), RangeError);
  assert.throws(() => emitIoamNode({ opaqueState: { schemaId: 0, data: new Uint8Array(3) } }, IOAM6_TRACE_TYPE_BIT22, b), RangeError);
  assert.throws(() => emitIoamNode({ undefinedFields: [1] }, 0x000c00, b), RangeError);
  assert.throws(() => emitIoamNode({ hopLimitNodeId: { hopLimit: 1, nodeId: 1 } }, IOAM6_TRACE_TYPE_BIT0, b, 18), RangeError);
  assert.throws(() => preallocTrace({ namespaceId: 1, traceType: 0x800000, size: 4, hops: [node, node].map(() => ({ hopLimitNodeId: { hopLimit: 1, nodeId: 1 } })) }), RangeError);
  assert.throws(() => preallocTrace({ namespaceId: 1, traceType: 0x800000, size: 248 }), RangeError);
  assert.throws(() => preallocTrace({ namespaceId: 1, traceType: 0x800000, size: 6 }), RangeError);
});

/* ------------------------------------------------------------------------------------------ */

/** fc.record, with plain prototypes so deepEqual compares against decoded objects. */
function rec<T extends Record<string, fc.Arbitrary<unknown>>>(parts: T): fc.Arbitrary<{ [K in keyof T]: T[K] extends fc.Arbitrary<infer U> ? U : never }> {
  return fc.record(parts).map((o) => ({ ...o }) as { [K in keyof T]: T[K] extends fc.Arbitrary<infer U> ? U : never });
}

/** A node entry of `traceType` with random values. */
function arbNode(traceType: number): fc.Arbitrary<IoamNodeRepr> {
  const u8 = fc.integer({ min: 0, max: 0xff });
  const u16 = fc.integer({ min: 0, max: 0xffff });
  const u24 = fc.integer({ min: 0, max: 0xffffff });
  const u32 = fc.integer({ min: 0, max: 0xffffffff });
  const has = (bit: number): boolean => (traceType & bit) !== 0;
  let undef = 0;
  for (let b = 0x000800; b >= 0x000004; b >>>= 1) if (traceType & b) undef++;
  const parts: Record<string, fc.Arbitrary<unknown>> = {};
  if (has(0x800000)) parts.hopLimitNodeId = rec({ hopLimit: u8, nodeId: u24 });
  if (has(0x400000)) parts.ifIds = rec({ ingress: u16, egress: u16 });
  if (has(0x200000)) parts.timestampSecs = u32;
  if (has(0x100000)) parts.timestampFrac = u32;
  if (has(0x080000)) parts.transitDelay = u32;
  if (has(0x040000)) parts.namespaceData = u32;
  if (has(0x020000)) parts.queueDepth = u32;
  if (has(0x010000)) parts.checksumComplement = u32;
  if (has(0x008000)) parts.hopLimitNodeIdWide = rec({ hopLimit: u8, nodeId: fc.bigInt({ min: 0n, max: (1n << 56n) - 1n }) });
  if (has(0x004000)) parts.ifIdsWide = rec({ ingress: u32, egress: u32 });
  if (has(0x002000)) parts.namespaceDataWide = fc.bigInt({ min: 0n, max: (1n << 64n) - 1n });
  if (has(0x001000)) parts.bufferOccupancy = u32;
  if (undef > 0) parts.undefinedFields = fc.array(u32, { minLength: undef, maxLength: undef });
  if (has(0x000002)) {
    parts.opaqueState = rec({
      schemaId: u24,
      data: fc.integer({ min: 0, max: 8 }).chain((words) => fc.uint8Array({ minLength: words * 4, maxLength: words * 4 })),
    });
  }
  return rec(parts) as fc.Arbitrary<IoamNodeRepr>;
}

/** A consistent trace (NodeLen from the type) whose data fits in an option. */
const arbTrace: fc.Arbitrary<IoamTraceRepr> = fc
  .integer({ min: 0, max: 0xffffff })
  .chain((traceType) =>
    fc.record({
      namespaceId: fc.integer({ min: 0, max: 0xffff }),
      flags: fc.integer({ min: 0, max: 15 }),
      reserved: fc.integer({ min: 0, max: 0xff }),
      traceType: fc.constant(traceType),
      hops: fc.array(arbNode(traceType), { maxLength: 4 }),
      free: fc.integer({ min: 0, max: 8 }),
    }),
  )
  .filter((r) => traceNodeLen(r.traceType) > 0 || (r.traceType & IOAM6_TRACE_TYPE_BIT22) !== 0 || r.hops.length === 0)
  .map((r) => ({
    namespaceId: r.namespaceId,
    nodeLen: traceNodeLen(r.traceType),
    flags: r.flags,
    remainingLen: r.free,
    traceType: r.traceType,
    reserved: r.reserved,
    freeSpace: new Uint8Array(r.free * 4).fill(r.free),
    hops: r.hops,
  }))
  .filter((t) => ioamTraceBufferLen(t) + 4 - 2 <= 255);

function traceOption(t: IoamTraceRepr, incremental = false): Uint8Array {
  const b = new Uint8Array(4 + ioamTraceBufferLen(t));
  b[0] = 0x31;
  b[1] = b.length - 2;
  b[3] = incremental ? 1 : 0;
  emitIoamTrace(t, b, 4);
  return b;
}

test('property: parse(emit(r)) equals r', () => {
  fc.assert(
    fc.property(arbTrace, (t) => {
      const r = parseIoamTrace(traceOption(t));
      assert.ok(r.ok, r.ok ? '' : r.error.message);
      const { incremental, ...trace } = r.value;
      assert.equal(incremental, false);
      assert.deepEqual(trace, t);
      assert.equal(traceHopCount(traceOption(t)), t.hops.length);
    }),
    { numRuns: 400 },
  );
});

test('property: random bytes never throw, and the fast path agrees with the decoder', () => {
  const ids = new Uint32Array(8);
  const check = (b: Uint8Array, offset: number): void => {
    const r = parseIoamTrace(b, offset);
    const n = traceHopCount(b, offset);
    assert.equal(n, r.ok ? r.value.hops.length : TRACE_MALFORMED);
    traceNodeIds(b, ids, offset);
    let visits = 0;
    assert.equal(
      forEachTraceHop(b, () => visits++, offset),
      n,
    );
    assert.equal(visits, Math.max(0, n));
    const v = IoamTraceView.check(b, offset);
    assert.equal(v.ok, r.ok || (!r.ok && r.error.offset >= offset + 12));
    if (v.ok) {
      void [v.value.namespaceId, v.value.flags, v.value.traceType, v.value.filledOffset, v.value.dataLength];
    }
  };
  fc.assert(
    fc.property(fc.uint8Array({ maxLength: 80 }), fc.integer({ min: -2, max: 4 }), (b, offset) => check(b, offset)),
    { numRuns: 2000 },
  );
  // Random data behind a plausible header reaches the entry walk.
  fc.assert(
    fc.property(
      fc.integer({ min: 0, max: 0xffffff }),
      fc.integer({ min: 0, max: 0x7f }),
      fc.integer({ min: 0, max: 1 }),
      fc.uint8Array({ maxLength: 120 }),
      (type, remlen, ioamType, data) => {
        const b = new Uint8Array(12 + data.length);
        b.set([0x31, 10 + data.length, 0, ioamType, 0, 1, traceNodeLen(type) << 3, remlen, type >>> 16, (type >>> 8) & 0xff, type & 0xff, 0]);
        b.set(data, 12);
        check(b, 0);
      },
    ),
    { numRuns: 2000 },
  );
});

test('fixtures survive a decode and re-emit byte for byte', () => {
  for (const f of [FULL_SUPPORTED, TWO_HOPS]) {
    const r = parseIoamTrace(f);
    assert.ok(r.ok);
    assert.ok(bytesEqual(traceOption(r.value, r.value.incremental), f));
  }
});

test('namespace data wide from a namespace without data is the u64 filler', () => {
  const t = preallocTrace({ namespaceId: 9, traceType: 0x002000, size: 8, hops: [{ namespaceDataWide: IOAM6_U64_UNAVAILABLE }] });
  const b = traceOption(t);
  assert.equal(toHex(b.subarray(12)), 'ffffffffffffffff');
  const r = parseIoamTrace(b);
  assert.ok(r.ok);
  assert.equal(r.value.hops[0]?.namespaceDataWide, IOAM6_U64_UNAVAILABLE);
});
