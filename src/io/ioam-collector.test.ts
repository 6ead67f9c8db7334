import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { ioam6TraceEventMessage } from '../ipv6/ioam6-events.ts';
import { Kernel } from '../kernel.ts';
import { LINKTYPE_ETHERNET } from '../uapi/pcap.ts';
import { ioamRecordJson, type IoamTraceRecord } from '../wire/ioam-record.ts';
import { readCapture } from './capture-file.ts';
import { IoamCollector, JsonLinesSink } from './ioam-collector.ts';

const CAPTURE = new URL('../../examples/captures/kernel-ioam-transit.pcapng', import.meta.url).pathname;

function collectCapture(): { records: IoamTraceRecord[]; lines: string[]; c: IoamCollector } {
  const records: IoamTraceRecord[] = [];
  const lines: string[] = [];
  const c = new IoamCollector({ sinks: [{ record: (r) => records.push(r) }, new JsonLinesSink((s) => lines.push(s))] });
  for (const p of readCapture(CAPTURE)) c.add(p.data, p.timestampNs, p.linkType);
  return { records, lines, c };
}

test('the kernel capture: one record per UDP packet with a trace, none for the ICMPv6 errors quoting them', () => {
  const { records, lines, c } = collectCapture();
  assert.deepEqual(c.stats, { packets: 18, traces: 7, malformed: 0 });
  assert.deepEqual(
    records.map((r) => [r.meta.index, r.traceType, r.hops.length, r.flags]),
    [
      [0, 0xf00000, 1, 0],
      [2, 0x800000, 1, 0],
      [4, 0xfff002, 1, 0],
      [6, 0xc00000, 1, 0],
      [8, 0xff0000, 1, 0],
      [10, 0x00f000, 1, 0],
      [12, 0xe00000, 0, 8], // too small: Overflow, no entry
    ],
  );
  assert.equal(lines.length, 7);
  for (const l of lines) assert.ok(l.endsWith('}\n') && !l.slice(0, -1).includes('\n'));
});

test('the 0xfff002 trace Linux 6.18 filled: every field it carries, unavailable ones null with their raw value', () => {
  const { lines } = collectCapture();
  const j = JSON.parse(lines[2] ?? '') as Record<string, unknown> & { hops: Record<string, unknown>[] };
  assert.equal(j.time_ns, '1795569095340702617');
  assert.equal(j.src, '2001:db8:1::2');
  assert.equal(j.dst, '2001:db8:2::2');
  assert.equal(j.flow_label, 0xa0807);
  assert.equal(j.namespace_id, 123);
  assert.equal(j.trace_type, '0xfff002');
  assert.equal(j.node_len, 15);
  assert.equal(j.opaque_snapshot, true);
  assert.deepEqual(j.hops, [
    {
      index: 0,
      hop_limit: 63,
      node_id: 0xbeef,
      ingress_if_id: 11,
      egress_if_id: 22,
      timestamp_secs: 1795569095,
      timestamp_frac: 340700,
      timestamp: '2026-11-25T01:11:35.340700Z',
      transit_delay: null,
      transit_delay_raw: 0xffffffff,
      namespace_data: 0xdeadbeef,
      queue_depth: 0,
      checksum_complement: null,
      checksum_complement_raw: 0xffffffff,
      hop_limit_wide: 63,
      node_id_wide: String(0xc0caf00dc0den),
      ingress_if_id_wide: 0x11111111,
      egress_if_id_wide: 0x22222222,
      namespace_data_wide: String(0xcafec0caf00dc0den),
      buffer_occupancy: null,
      buffer_occupancy_raw: 0xffffffff,
      opaque_schema_id: 777,
      opaque_data: '74696e79', // "tiny"
    },
  ]);
});

test('the same trace through addTrace (the data path hook) and addEvent (a kernel notification) gives the same hops', () => {
  const { records } = collectCapture();
  const frames = [...readCapture(CAPTURE)];
  const frame = frames[4]?.data ?? new Uint8Array(0);
  // Ethernet 14, IPv6 40, then HBH header 2, PadN 2, IOAM option header 2 (Opt Data Len at
  // 54 + 5), Reserved and IOAM Opt-Type 2: the trace, Opt Data Len - 2 octets.
  const trace = frame.subarray(14 + 40 + 8, 14 + 40 + 8 + (frame[14 + 40 + 5] ?? 0) - 2);
  const got: IoamTraceRecord[] = [];
  const c = new IoamCollector({ sinks: [{ record: (r) => got.push(r) }] });
  assert.equal(c.addTrace(trace, 5n, 'beta'), 1);
  const k = new Kernel();
  const msg = ioam6TraceEventMessage(k.ioam6.family, trace)?.b.toBytes();
  assert.ok(msg !== undefined);
  // Two events in one datagram, and a message of another family that is skipped.
  const other = msg.slice();
  other[4] = 0x7f;
  const datagram = new Uint8Array(msg.length * 3);
  datagram.set(msg, 0);
  datagram.set(other, msg.length);
  datagram.set(msg, msg.length * 2);
  assert.equal(c.addEvent(datagram, k.ioam6.family.id, 6n, 'beta'), 2);
  const want = records[2]?.hops;
  assert.equal(got.length, 3);
  for (const r of got) {
    assert.deepEqual(r.hops, want);
    assert.equal(r.traceType, 0xfff002);
    assert.equal(r.namespaceId, 123);
    assert.equal(r.meta.netns, 'beta');
    assert.equal(ioamRecordJson(r).src, null);
  }
});

test('random frames, traces and event datagrams never throw', () => {
  const c = new IoamCollector({ sinks: [new JsonLinesSink(() => {})], linkType: LINKTYPE_ETHERNET });
  const k = new Kernel();
  const id = k.ioam6.family.id;
  fc.assert(
    fc.property(fc.uint8Array({ maxLength: 300 }), fc.bigInt({ min: 0n, max: (1n << 64n) - 1n }), (b, ts) => {
      c.add(b, ts);
      c.add(b, ts, 101);
      c.addTrace(b, ts);
      c.addEvent(b, id, ts);
    }),
    { numRuns: 2000 },
  );
  // Well-formed events around random traces.
  fc.assert(
    fc.property(fc.uint8Array({ maxLength: 250 }), (trace) => {
      const m = ioam6TraceEventMessage(k.ioam6.family, trace)?.b.toBytes();
      if (m !== undefined) c.addEvent(m, id, 0n);
    }),
    { numRuns: 1000 },
  );
  assert.ok(c.stats.packets > 0);
});
