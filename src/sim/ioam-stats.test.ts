import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { emitIoamTrace, ioamTraceBufferLen, preallocTrace } from '../wire/ioam-trace.ts';
import type { IoamNodeRepr } from '../wire/ioam-trace.ts';
import { IoamCollector } from './ioam-stats.ts';

/** An IPv6 packet whose Hop-by-Hop header holds one pre-allocated trace (type 0xf00000, 48 octets). */
function packet(hops: readonly IoamNodeRepr[]): Uint8Array {
  const trace = preallocTrace({ namespaceId: 123, traceType: 0xf00000, size: 48, hops });
  const tlen = ioamTraceBufferLen(trace);
  const optLen = 4 + tlen;
  const hbhLen = Math.ceil((2 + optLen) / 8) * 8;
  const b = new Uint8Array(40 + hbhLen + 8);
  b[0] = 0x60;
  b[6] = 0; // Hop-by-Hop
  b[40] = 17;
  b[41] = hbhLen / 8 - 1;
  let o = 42;
  const pad = hbhLen - 2 - optLen;
  if (pad === 1) b[o++] = 0;
  else if (pad > 1) {
    b[o] = 1;
    b[o + 1] = pad - 2;
    o += pad;
  }
  b[o] = 0x31;
  b[o + 1] = optLen - 2;
  b[o + 3] = 0; // Pre-allocated Trace
  emitIoamTrace(trace, b, o + 4);
  return b;
}

const hop = (id: number, secs: number, us: number): IoamNodeRepr => ({
  hopLimitNodeId: { hopLimit: 64 - id, nodeId: id },
  ifIds: { ingress: id * 10, egress: id * 10 + 1 },
  timestampSecs: secs,
  timestampFrac: us,
});

test('paths from the first hop to the last; hop delays from consecutive timestamps', () => {
  const c = new IoamCollector();
  // Wire order is the most recent hop first.
  const a = packet([hop(3, 100, 900_000), hop(2, 100, 400), hop(1, 99, 999_900)]);
  const b = packet([hop(3, 101, 50), hop(2, 101, 20), hop(1, 101, 0)]);
  const other = packet([hop(2, 5, 0), hop(7, 5, 0)]);
  c.packet(a, 0, a.length);
  c.packet(b, 0, b.length);
  c.packet(other, 0, other.length);
  assert.equal(c.paths.length, 2);
  const [p, q] = c.paths;
  assert.deepEqual(p?.nodeIds, [1, 2, 3]);
  assert.equal(p?.packets, 2);
  assert.deepEqual(
    p?.hops.map((h) => [h.from, h.to, h.delaysUs]),
    [
      [1, 2, [500, 20]],
      [2, 3, [899_600, 30]],
    ],
  );
  assert.deepEqual(q?.nodeIds, [7, 2]);
  assert.equal(c.malformed, 0);
});

test('packets without a Hop-by-Hop trace are ignored; a damaged trace is counted', () => {
  const c = new IoamCollector();
  const plain = new Uint8Array(48);
  plain[0] = 0x60;
  plain[6] = 17;
  c.packet(plain, 0, plain.length);
  const bad = packet([hop(1, 1, 1)]);
  // NodeLen no longer matches the trace type.
  bad[42 + 2 + 4 + 2] = 0x08;
  c.packet(bad, 0, bad.length);
  assert.equal(c.paths.length, 0);
  assert.equal(c.malformed, 1);
  fc.assert(
    fc.property(fc.uint8Array({ maxLength: 200 }), fc.nat(200), (bytes, cut) => {
      const x = packet([hop(1, 1, 1), hop(2, 1, 2)]);
      x.set(bytes.subarray(0, Math.max(0, x.length - 48)), 48);
      c.packet(x, 0, Math.min(x.length, cut));
    }),
  );
});
