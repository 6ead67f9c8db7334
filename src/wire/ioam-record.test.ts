import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { IOAM6_TRACE_TYPE_BIT12 } from '../uapi/ioam6.ts';
import { concatBytes, fromHex } from './bytes.ts';
import { ioamRecordJson, ioamTraceOffsets, ioamTraceRecord, isoTime, traceOptionFromEvent, type IoamTraceRecord } from './ioam-record.ts';
import { emitIoamTrace, preallocTrace, type IoamNodeRepr } from './ioam-trace.ts';

/** IPv6 header (payload length, next header 0 = Hop-by-Hop), 2001:db8:1::2 -> 2001:db8:2::2, flow label 0xa0807. */
function ipv6(payloadLength: number): Uint8Array {
  const b = fromHex('600a0807' + '0000' + '00' + '3f' + '20010db8000100000000000000000002' + '20010db8000200000000000000000002');
  b[4] = payloadLength >> 8;
  b[5] = payloadLength & 0xff;
  return b;
}

/** A Hop-by-Hop header (next header UDP) holding PadN(0) and the IOAM option with `trace`. */
function hbh(traceBytes: Uint8Array): Uint8Array {
  const optLen = traceBytes.length;
  const out = new Uint8Array(6 + optLen);
  out[0] = 17;
  out[1] = out.length / 8 - 1;
  out[2] = 1; // PadN, 0 octets
  out[4] = 0x31;
  out[5] = optLen;
  out.set(traceBytes, 6);
  assert.equal(out.length % 8, 0);
  return out;
}

function traceBytes(repr: Parameters<typeof emitIoamTrace>[0]): Uint8Array {
  const out = new Uint8Array(2 + 8 + repr.freeSpace.length + 200);
  const n = emitIoamTrace(repr, out, 4);
  return out.subarray(0, 4 + n).subarray(2); // Reserved, IOAM Opt-Type 0, then the trace
}

const A: IoamNodeRepr = { hopLimitNodeId: { hopLimit: 64, nodeId: 1 }, timestampSecs: 1_700_000_000, timestampFrac: 1 };
const B: IoamNodeRepr = { hopLimitNodeId: { hopLimit: 63, nodeId: 0xffffff }, timestampSecs: 0xffffffff, timestampFrac: 0xffffffff };

function packetWith(hops: readonly IoamNodeRepr[], type = 0xb00000, size = 24): Uint8Array {
  const t = traceBytes(preallocTrace({ namespaceId: 7, traceType: type, size, hops }));
  const h = hbh(t);
  return concatBytes(ipv6(h.length), h);
}

function record(p: Uint8Array): IoamTraceRecord {
  const offs: number[] = [];
  assert.equal(ioamTraceOffsets(p, 0, offs), 1);
  const r = ioamTraceRecord(p, 0, offs[0] ?? -1, { index: 5, timeNs: 1_700_000_001_000_000_000n });
  assert.ok(r.ok, JSON.stringify(!r.ok && r.error));
  return r.value;
}

test('hops come in path order; unavailable values are null with their raw value beside them', () => {
  // Wire order is newest first: B filled after A.
  const json = ioamRecordJson(record(packetWith([B, A])));
  assert.deepEqual(json, {
    packet: 5,
    time: '2023-11-14T22:13:21.000000Z',
    time_ns: '1700000001000000000',
    src: '2001:db8:1::2',
    dst: '2001:db8:2::2',
    flow_label: 0xa0807,
    namespace_id: 7,
    trace_type: '0xb00000',
    option: 'pre-allocated',
    node_len: 3,
    flags: 0,
    overflow: false,
    remaining_len: 0,
    opaque_snapshot: false,
    hops: [
      { index: 0, hop_limit: 64, node_id: 1, timestamp_secs: 1_700_000_000, timestamp_frac: 1, timestamp: '2023-11-14T22:13:20.000001Z' },
      {
        index: 1,
        hop_limit: 63,
        node_id: null,
        node_id_raw: 0xffffff,
        timestamp_secs: null,
        timestamp_secs_raw: 0xffffffff,
        timestamp_frac: null,
        timestamp_frac_raw: 0xffffffff,
        timestamp: null,
      },
    ],
  });
  const r = record(packetWith([B, A]));
  assert.equal(r.hops[0]?.timestampNs, 1_700_000_000_000_001_000n);
  assert.equal(r.hops[1]?.timestampNs, undefined);
});

test('wide values are bigint in the record and decimal strings in JSON; undefined bits are named after their bit', () => {
  const node: IoamNodeRepr = {
    hopLimitNodeIdWide: { hopLimit: 1, nodeId: 0xc0caf00dc0den },
    namespaceDataWide: 0xffffffffffffffffn,
    undefinedFields: [5],
  };
  const type = 0x00a000 | IOAM6_TRACE_TYPE_BIT12;
  const r = record(packetWith([node], type, 24));
  const f = Object.fromEntries((r.hops[0]?.fields ?? []).map((x) => [x.name, x.value]));
  assert.equal(f.node_id_wide, 0xc0caf00dc0den);
  assert.equal(f.namespace_data_wide, null);
  assert.equal(f.namespace_data_wide_raw, 0xffffffffffffffffn);
  assert.equal(f.bit12, 5);
  const j = ioamRecordJson(r) as { hops: Record<string, unknown>[] };
  assert.equal(j.hops[0]?.node_id_wide, '211977843359966');
  assert.equal(j.hops[0]?.namespace_data_wide_raw, '18446744073709551615');
});

test('an event rebuilds the same hops; it carries no IPv6 header and no flags', () => {
  const p = packetWith([B, A]);
  const fromPacket = record(p);
  // IPv6 header, 8 octets of HBH, PadN and ioam6_hdr, the trace header: then the filled entries.
  const data = p.subarray(40 + 8 + 8);
  const opt = traceOptionFromEvent(7, 3, 0xb00000 << 8, data);
  assert.ok(opt !== undefined);
  const r = ioamTraceRecord(opt, -1, 0, fromPacket.meta, true);
  assert.ok(r.ok);
  assert.deepEqual(r.value.hops, fromPacket.hops);
  assert.equal(r.value.src, undefined);
  assert.equal(r.value.flags, undefined);
  const j = ioamRecordJson(r.value);
  assert.equal(j.overflow, null);
  assert.equal(j.src, null);
  assert.equal(traceOptionFromEvent(1, 1, 0x800000 << 8, new Uint8Array(250)), undefined, 'does not fit one option');
});

test('only trace options in the Hop-by-Hop header right after the IPv6 header count', () => {
  const p = packetWith([A]);
  const noHbh = p.slice();
  noHbh[6] = 17;
  assert.equal(ioamTraceOffsets(noHbh, 0, []), 0);
  assert.equal(ioamTraceOffsets(p.subarray(0, 39), 0, []), 0);
  const v4 = p.slice();
  v4[0] = 0x45;
  assert.equal(ioamTraceOffsets(v4, 0, []), 0);
});

test('isoTime keeps microseconds', () => {
  assert.equal(isoTime(1_795_569_095_340_542_999n), '2026-11-25T01:11:35.340542Z');
});

test('random packets and options never throw', () => {
  fc.assert(
    fc.property(fc.uint8Array({ maxLength: 200 }), fc.nat({ max: 60 }), (b, at) => {
      const offs: number[] = [];
      ioamTraceOffsets(b, at, offs);
      for (const o of offs) ioamTraceRecord(b, at, o, { index: 0, timeNs: 0n });
      ioamTraceRecord(b, -1, at, { index: 0, timeNs: 0n });
    }),
    { numRuns: 2000 },
  );
  // Hop-by-Hop headers full of IOAM-looking options.
  fc.assert(
    fc.property(fc.uint8Array({ minLength: 8, maxLength: 120 }), (opts) => {
      const h = new Uint8Array(8 * Math.ceil((opts.length + 2) / 8));
      h[1] = h.length / 8 - 1;
      h.set(opts.subarray(0, h.length - 2), 2);
      h[2] = 0x31;
      const p = concatBytes(ipv6(h.length), h);
      const offs: number[] = [];
      ioamTraceOffsets(p, 0, offs);
      for (const o of offs) {
        const r = ioamTraceRecord(p, 0, o, { index: 0, timeNs: 0n });
        if (r.ok) JSON.stringify(ioamRecordJson(r.value));
      }
    }),
    { numRuns: 2000 },
  );
});
