import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import { test } from 'node:test';
import { readCapture } from './capture-file.ts';
import { IoamCollector } from './ioam-collector.ts';
import { IoamOtlpExporter, ioamOtelIds } from './otlp.ts';
import type { IoamTraceRecord } from '../wire/ioam-record.ts';

const CAPTURE = new URL('../../examples/captures/kernel-ioam-transit.pcapng', import.meta.url).pathname;

/** One OTLP/JSON attribute as the exporter sends it. */
interface OtlpAttr {
  readonly key: string;
  readonly value: { stringValue?: string; intValue?: number | string; boolValue?: boolean; doubleValue?: number };
}
interface OtlpSpan {
  readonly traceId: string;
  readonly spanId: string;
  readonly parentSpanId?: string;
  readonly name: string;
  readonly startTimeUnixNano: string;
  readonly endTimeUnixNano: string;
  readonly attributes: readonly OtlpAttr[];
}
interface OtlpRequest {
  readonly resourceSpans: readonly {
    readonly resource: { readonly attributes: readonly OtlpAttr[] };
    readonly scopeSpans: readonly { readonly spans: readonly OtlpSpan[] }[];
  }[];
}

/** An OTLP/HTTP receiver on 127.0.0.1: records each POST /v1/traces (answering `status`). */
async function receiver(status = 200): Promise<{ url: string; requests: { contentType: string; body: OtlpRequest }[]; server: Server }> {
  const requests: { contentType: string; body: OtlpRequest }[] = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      if (req.method !== 'POST' || req.url !== '/v1/traces') {
        res.writeHead(404).end();
        return;
      }
      requests.push({ contentType: req.headers['content-type'] ?? '', body: JSON.parse(Buffer.concat(chunks).toString('utf8')) as OtlpRequest });
      res.writeHead(status, { 'content-type': 'application/json' }).end('{}');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  const addr = server.address();
  assert.ok(addr !== null && typeof addr === 'object');
  return { url: `http://127.0.0.1:${addr.port}/v1/traces`, requests, server };
}

function attrs(s: OtlpSpan): Record<string, string | number | boolean | undefined> {
  const o: Record<string, string | number | boolean | undefined> = {};
  for (const a of s.attributes) {
    const v = a.value;
    o[a.key] = v.stringValue ?? (v.intValue !== undefined ? Number(v.intValue) : undefined) ?? v.boolValue ?? v.doubleValue;
  }
  return o;
}

async function exportCapture(url: string, serviceName?: string): Promise<{ ex: IoamOtlpExporter; records: IoamTraceRecord[] }> {
  const ex = new IoamOtlpExporter({ url, ...(serviceName === undefined ? {} : { serviceName }) });
  const records: IoamTraceRecord[] = [];
  const c = new IoamCollector({ sinks: [{ record: (r) => records.push(r) }, ex] });
  for (const p of readCapture(CAPTURE)) c.add(p.data, p.timestampNs, p.linkType);
  await c.shutdown();
  return { ex, records };
}

test('each trace is one OTel trace with one span per hop, its fields as ioam.* attributes, timed by the hop', async () => {
  const r = await receiver();
  try {
    const { ex, records } = await exportCapture(r.url, 'lab');
    assert.ok(r.requests.length >= 1);
    for (const q of r.requests) assert.equal(q.contentType, 'application/json');
    const rs = r.requests.flatMap((q) => q.body.resourceSpans);
    for (const x of rs) assert.deepEqual(x.resource.attributes.find((a) => a.key === 'service.name')?.value, { stringValue: 'lab' });
    const spans = rs.flatMap((x) => x.scopeSpans.flatMap((s) => s.spans));
    // Six traces with one hop each; the Overflow trace has no hop, hence no span.
    assert.equal(spans.length, 6);
    assert.deepEqual(ex.stats, { spans: 6, exported: 6, failed: 0, lastError: undefined });
    assert.equal(new Set(spans.map((s) => s.traceId)).size, 6);
    const withHops = records.filter((x) => x.hops.length > 0);
    spans.forEach((s, i) => {
      const rec = withHops[i];
      assert.ok(rec !== undefined);
      const ids = ioamOtelIds(rec);
      assert.equal(s.traceId, ids.traceId);
      assert.equal(s.spanId, ids.spanIds[0]);
      assert.equal(s.parentSpanId ?? '', '');
    });
    const full = spans[2];
    assert.ok(full !== undefined);
    assert.equal(full.name, 'node 48879');
    // Hop timestamp 1795569095 s + 340700 us; transit delay unavailable: a zero-length span.
    assert.equal(full.startTimeUnixNano, '1795569095340700000');
    assert.equal(full.endTimeUnixNano, '1795569095340700000');
    const a = attrs(full);
    assert.equal(a['ioam.trace_type'], '0xfff002');
    assert.equal(a['ioam.namespace_id'], 123);
    assert.equal(a['ioam.packet'], 4);
    assert.equal(a['ioam.src'], '2001:db8:1::2');
    assert.equal(a['ioam.hop_index'], 0);
    assert.equal(a['ioam.hop_limit'], 63);
    assert.equal(a['ioam.node_id'], 0xbeef);
    assert.equal(a['ioam.ingress_if_id'], 11);
    assert.equal(a['ioam.namespace_data'], 0xdeadbeef);
    assert.equal(a['ioam.node_id_wide'], String(0xc0caf00dc0den));
    assert.equal(a['ioam.namespace_data_wide'], String(0xcafec0caf00dc0den));
    assert.equal(a['ioam.transit_delay'], undefined, 'unavailable: left out');
    assert.equal(a['ioam.transit_delay_raw'], 0xffffffff);
    assert.equal(a['ioam.opaque_schema_id'], 777);
    // A hop without a timestamp (type 0x800000) starts at the capture time.
    assert.equal(spans[1]?.startTimeUnixNano, '1795569095340666689');
  } finally {
    r.server.closeAllConnections();
    r.server.close();
  }
});

test('ids are deterministic: the same capture exports the same trace and span ids', async () => {
  const r = await receiver();
  try {
    await exportCapture(r.url);
    await exportCapture(r.url);
    const ids = r.requests.map((q) => q.body.resourceSpans.flatMap((x) => x.scopeSpans.flatMap((s) => s.spans.map((sp) => `${sp.traceId}/${sp.spanId}`))));
    const all = ids.flat();
    assert.equal(all.length, 12);
    assert.deepEqual(all.slice(0, 6), all.slice(6));
  } finally {
    r.server.closeAllConnections();
    r.server.close();
  }
});

test('a receiver that refuses: the failed spans are counted with the error', async () => {
  const r = await receiver(400);
  try {
    const { ex } = await exportCapture(r.url);
    assert.equal(ex.stats.spans, 6);
    assert.equal(ex.stats.exported, 0);
    assert.equal(ex.stats.failed, 6);
    assert.ok(ex.stats.lastError !== undefined && ex.stats.lastError.length > 0);
  } finally {
    r.server.closeAllConnections();
    r.server.close();
  }
});
