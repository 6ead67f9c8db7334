/**
 * IOAM records to OpenTelemetry over OTLP/HTTP, with the official SDK: a BasicTracerProvider
 * (@opentelemetry/sdk-trace-base) whose BatchSpanProcessor feeds an OTLPTraceExporter
 * (@opentelemetry/exporter-trace-otlp-http, JSON encoding: `Content-Type: application/json`,
 * POST to URL, normally `http://HOST:4318/v1/traces`).
 *
 * Each trace record becomes one OTel trace holding one span per hop, in path order, with no
 * root span (the hops are the trace). Ids are deterministic: the trace id is the first 16
 * octets of SHA-256 over the record's JSON line (which holds the packet index, the capture
 * time and every field), a span id the first 8 octets of SHA-256 over the trace id and the
 * hop index; so collecting the same capture twice gives the same ids.
 *
 * A span is named `node ID` after the hop's node id (the 24-bit one, else the wide one), or
 * `hop N`. It starts at the hop's timestamp, or at the capture time when the hop has none, and
 * lasts the hop's transit delay (nanoseconds) when the trace type carries an available one,
 * else nothing. Attributes: `ioam.<field>` for every record and hop field of
 * docs/ioam-collector.md (`ioam.hop_index`, `ioam.node_id`, ...); unavailable fields are left
 * out and their `ioam.<field>_raw` carries the value; 64-bit values are decimal strings.
 */

import { createHash } from 'node:crypto';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { BasicTracerProvider, BatchSpanProcessor, type IdGenerator, type ReadableSpan, type SpanExporter } from '@opentelemetry/sdk-trace-base';
import type { Attributes, HrTime, Tracer } from '@opentelemetry/api';
import { ioamRecordJson, ioamTraceFields, type IoamFieldValue, type IoamTraceRecord } from '../wire/ioam-record.ts';
import type { IoamRecordSink } from './ioam-collector.ts';

/** ExportResultCode.SUCCESS of @opentelemetry/core. */
const EXPORT_SUCCESS = 0;
const NS_PER_S = 1_000_000_000n;
const U32_ALL = 0xffffffff;
/** Spans held before the processor exports a batch, and the most it holds at all. */
const BATCH_SIZE = 512;
const MAX_QUEUE = 16384;

export interface OtlpExportOptions {
  /** The OTLP/HTTP traces endpoint, e.g. http://127.0.0.1:4318/v1/traces. */
  readonly url: string;
  /** service.name of the resource (default "v6stack-ioam"). */
  readonly serviceName?: string;
  /** Extra HTTP headers (e.g. authorization for a hosted collector). */
  readonly headers?: Readonly<Record<string, string>>;
  /** Per-request timeout in milliseconds (default 10000). */
  readonly timeoutMillis?: number;
  /** Milliseconds a partial batch waits before it is sent (default 1000). */
  readonly scheduledDelayMillis?: number;
}

/** What the exporter reported so far. */
export interface OtlpExportStats {
  /** Spans started (one per hop). */
  spans: number;
  /** Spans the receiver accepted. */
  exported: number;
  /** Spans whose export failed. */
  failed: number;
  /** The last export error's message. */
  lastError: string | undefined;
}

/** Hands the SDK the ids of the trace being built (one trace at a time, synchronously). */
class RecordIdGenerator implements IdGenerator {
  traceId = '';
  readonly spanIds: string[] = [];
  #next = 0;

  set(traceId: string, spanIds: string[]): void {
    this.traceId = traceId;
    this.spanIds.length = 0;
    this.spanIds.push(...spanIds);
    this.#next = 0;
  }

  generateTraceId(): string {
    return this.traceId;
  }

  generateSpanId(): string {
    return this.spanIds[this.#next++] ?? '0000000000000001';
  }
}

/** Counts what the OTLP exporter accepted and refused. */
class CountingExporter implements SpanExporter {
  readonly inner: SpanExporter;
  readonly stats: OtlpExportStats;

  constructor(inner: SpanExporter, stats: OtlpExportStats) {
    this.inner = inner;
    this.stats = stats;
  }

  export(spans: ReadableSpan[], done: Parameters<SpanExporter['export']>[1]): void {
    this.inner.export(spans, (result) => {
      if (result.code === EXPORT_SUCCESS) this.stats.exported += spans.length;
      else {
        this.stats.failed += spans.length;
        this.stats.lastError = result.error?.message ?? 'export failed';
      }
      done(result);
    });
  }

  shutdown(): Promise<void> {
    return this.inner.shutdown();
  }

  forceFlush(): Promise<void> {
    return this.inner.forceFlush?.() ?? Promise.resolve();
  }
}

/** Hex of the first `n` octets of SHA-256 over `parts`; never all zeros (an invalid OTel id). */
function hashId(n: number, ...parts: string[]): string {
  const h = createHash('sha256');
  for (const p of parts) h.update(p);
  const d = h.digest().subarray(0, n);
  if (d.every((x) => x === 0)) d[n - 1] = 1;
  return d.toString('hex');
}

/** The ids a record's trace and spans get (see the module comment). */
export function ioamOtelIds(r: IoamTraceRecord): { traceId: string; spanIds: string[] } {
  const traceId = hashId(16, JSON.stringify(ioamRecordJson(r)));
  return { traceId, spanIds: r.hops.map((h) => hashId(8, traceId, String(h.index))) };
}

function hrTime(ns: bigint): HrTime {
  return [Number(ns / NS_PER_S), Number(ns % NS_PER_S)];
}

/** Sets `ioam.<name>`; nulls are left out (their `_raw` sibling holds the value). */
function setAttr(attrs: Attributes, name: string, v: IoamFieldValue): void {
  if (v === null) return;
  attrs[`ioam.${name}`] = typeof v === 'bigint' ? v.toString() : v;
}

/** The attributes and timing of each span of a record, as `IoamOtlpExporter` sends them. */
export function ioamSpans(r: IoamTraceRecord): { name: string; attributes: Attributes; startNs: bigint; endNs: bigint }[] {
  const common: Attributes = {};
  for (const f of ioamTraceFields(r)) setAttr(common, f.name, f.value);
  return r.hops.map((h) => {
    const attributes: Attributes = { ...common, 'ioam.hop_index': h.index };
    let nodeId: IoamFieldValue = null;
    let delay = 0n;
    for (const f of h.fields) {
      setAttr(attributes, f.name, f.value);
      if ((f.name === 'node_id' || (f.name === 'node_id_wide' && nodeId === null)) && f.value !== null) nodeId = f.value;
      if (f.name === 'transit_delay' && typeof f.value === 'number' && f.value !== U32_ALL) delay = BigInt(f.value);
    }
    const startNs = h.timestampNs ?? r.meta.timeNs;
    return { name: nodeId === null ? `hop ${h.index}` : `node ${String(nodeId)}`, attributes, startNs, endNs: startNs + delay };
  });
}

/** A record sink exporting to an OTLP/HTTP receiver. */
export class IoamOtlpExporter implements IoamRecordSink {
  readonly stats: OtlpExportStats = { spans: 0, exported: 0, failed: 0, lastError: undefined };
  readonly #ids = new RecordIdGenerator();
  readonly #provider: BasicTracerProvider;
  readonly #tracer: Tracer;

  constructor(opts: OtlpExportOptions) {
    const exporter = new OTLPTraceExporter({
      url: opts.url,
      ...(opts.headers === undefined ? {} : { headers: { ...opts.headers } }),
      timeoutMillis: opts.timeoutMillis ?? 10000,
    });
    this.#provider = new BasicTracerProvider({
      resource: resourceFromAttributes({ 'service.name': opts.serviceName ?? 'v6stack-ioam' }),
      idGenerator: this.#ids,
      spanProcessors: [
        new BatchSpanProcessor(new CountingExporter(exporter, this.stats), {
          maxExportBatchSize: BATCH_SIZE,
          maxQueueSize: MAX_QUEUE,
          scheduledDelayMillis: opts.scheduledDelayMillis ?? 1000,
        }),
      ],
    });
    this.#tracer = this.#provider.getTracer('v6stack-ioam-collector');
  }

  record(r: IoamTraceRecord): void {
    if (r.hops.length === 0) return;
    const ids = ioamOtelIds(r);
    this.#ids.set(ids.traceId, ids.spanIds);
    for (const s of ioamSpans(r)) {
      const span = this.#tracer.startSpan(s.name, { startTime: hrTime(s.startNs), attributes: s.attributes });
      span.end(hrTime(s.endNs));
      this.stats.spans++;
    }
    // Keep the processor's queue from overflowing (it would drop spans) on large captures.
    if (this.stats.spans - this.stats.exported - this.stats.failed >= MAX_QUEUE / 2) void this.flush();
  }

  /**
   * Sends every finished span now; resolves when the receiver answered. Failures do not
   * reject: they are counted in `stats` (the caller decides what a failed export means).
   */
  flush(): Promise<void> {
    return this.#provider.forceFlush().catch((e: unknown) => this.#failed(e));
  }

  /** Flushes, then stops the provider and its exporter (failures counted, as for flush). */
  shutdown(): Promise<void> {
    return this.#provider.shutdown().catch((e: unknown) => this.#failed(e));
  }

  #failed(e: unknown): void {
    this.stats.lastError ??= e instanceof Error ? e.message : String(e);
  }
}
