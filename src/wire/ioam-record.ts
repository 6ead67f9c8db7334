/**
 * IOAM trace records: what an IOAM collector reports about one trace (RFC 9197 §4.4 fields,
 * RFC 9486 carriage), as a flat, typed list of named fields that both the JSON lines and the
 * OpenTelemetry attributes are made from (docs/ioam-collector.md names them).
 *
 * `ioamTraceOffsets` finds the IOAM trace options in the Hop-by-Hop header that directly
 * follows a packet's IPv6 header (where RFC 9486 puts them; quoted packets inside ICMPv6 errors
 * and inner packets of an encapsulation are not looked into). `ioamTraceRecord` turns one of
 * them into a record; `traceOptionFromEvent` rebuilds an option from what an IOAM6_EVENT_TRACE
 * carries so events and packets give the same records.
 *
 * Hops are listed in path order: hops[0] is the first node that filled an entry (the last one
 * in wire order, RFC 9197 §4.4). Values a node could not provide ("unavailable": all ones,
 * RFC 9197 §4.4.2 and Linux's IOAM6_*_UNAVAILABLE) are null, with the value as carried in a
 * sibling field named `<name>_raw`. Timestamps are read in the POSIX format Linux writes
 * (seconds, then microseconds); a subsecond field of a million or more leaves the combined
 * timestamp null. 64-bit and 56-bit values are bigint.
 *
 * Decoding never throws: malformed options give the error of `parseIoamTrace`.
 */

import { IOAM6_HDR_LEN, IOAM6_TRACE_HDR_LEN, IOAM6_TRACE_TYPE_BIT22, IOAM_OPTION_TYPE, IPV6_TLV_IOAM_NOCHANGE } from '../uapi/ioam6.ts';
import { IPV6_TLV_IOAM } from '../uapi/in6.ts';
import { NEXTHDR_HOP } from '../uapi/ipv6.ts';
import { formatIpv6Address } from './address.ts';
import { setU16, setU32, toHex, u32 } from './bytes.ts';
import { parseIoamTrace, traceOverflow, type IoamNodeRepr } from './ioam-trace.ts';
import { OptionCursor } from './ipv6-options.ts';
import type { Result } from './result.ts';
import { ok } from './result.ts';

/** A field's value: null when the node reported it unavailable. */
export type IoamFieldValue = number | bigint | string | boolean | null;

/** One named field of a record, in the order the RFC lists the trace type bits. */
export interface IoamField {
  readonly name: string;
  readonly value: IoamFieldValue;
}

/** One node's entry. */
export interface IoamHopRecord {
  /** Position on the path: 0 is the first node that filled an entry. */
  readonly index: number;
  readonly fields: readonly IoamField[];
  /** The entry's timestamp in nanoseconds since the epoch, when bits 2 (and 3) give one. */
  readonly timestampNs: bigint | undefined;
}

/** What is known about the packet that carried a trace. */
export interface IoamPacketMeta {
  /** Sequence number of the packet (capture index, or the collector's count). */
  readonly index: number;
  /** When it was captured or received, in nanoseconds since the epoch. */
  readonly timeNs: bigint;
  /** The namespace it was seen in, when known (live events, simulation). */
  readonly netns?: string;
}

/** One trace of one packet. */
export interface IoamTraceRecord {
  readonly meta: IoamPacketMeta;
  /** The IPv6 header's fields; undefined for traces from events, which carry no header. */
  readonly src: string | undefined;
  readonly dst: string | undefined;
  readonly flowLabel: number | undefined;
  readonly namespaceId: number;
  /** The 24-bit IOAM-Trace-Type. */
  readonly traceType: number;
  readonly incremental: boolean;
  readonly nodeLen: number;
  /** The 4-bit Flags; undefined for events (they do not carry them). */
  readonly flags: number | undefined;
  readonly remainingLen: number;
  /** Entries in path order. */
  readonly hops: readonly IoamHopRecord[];
}

const U8_ALL = 0xff;
const U16_ALL = 0xffff;
const U24_ALL = 0xffffff;
const U32_ALL = 0xffffffff;
const U56_ALL = (1n << 56n) - 1n;
const U64_ALL = (1n << 64n) - 1n;
const NS_PER_S = 1_000_000_000n;
const NS_PER_US = 1000n;
const US_PER_S = 1_000_000;
/** The first undefined bit (12) of the trace type, as a mask; bits 12-21 follow downwards. */
const FIRST_UNDEFINED_BIT = 0x000800;
const UNDEFINED_BITS = 10;

/** Pushes `name` with null and `name_raw` when `v` is the all-ones value `unavailable`. */
function push(out: IoamField[], name: string, v: number | bigint, unavailable: number | bigint | undefined): void {
  if (unavailable !== undefined && v === unavailable) {
    out.push({ name, value: null }, { name: `${name}_raw`, value: v });
  } else {
    out.push({ name, value: v });
  }
}

/** The fields of one node entry, in trace type bit order. */
export function ioamHopFields(node: IoamNodeRepr, traceType: number): { fields: IoamField[]; timestampNs: bigint | undefined } {
  const f: IoamField[] = [];
  if (node.hopLimitNodeId !== undefined) {
    push(f, 'hop_limit', node.hopLimitNodeId.hopLimit, undefined);
    push(f, 'node_id', node.hopLimitNodeId.nodeId, U24_ALL);
  }
  if (node.ifIds !== undefined) {
    push(f, 'ingress_if_id', node.ifIds.ingress, U16_ALL);
    push(f, 'egress_if_id', node.ifIds.egress, U16_ALL);
  }
  if (node.timestampSecs !== undefined) push(f, 'timestamp_secs', node.timestampSecs, U32_ALL);
  if (node.timestampFrac !== undefined) push(f, 'timestamp_frac', node.timestampFrac, U32_ALL);
  let timestampNs: bigint | undefined;
  const secs = node.timestampSecs;
  const frac = node.timestampFrac ?? 0;
  if (secs !== undefined && secs !== U32_ALL && frac !== U32_ALL && frac < US_PER_S) {
    timestampNs = BigInt(secs) * NS_PER_S + BigInt(frac) * NS_PER_US;
    f.push({ name: 'timestamp', value: isoTime(timestampNs) });
  } else if (secs !== undefined) {
    f.push({ name: 'timestamp', value: null });
  }
  if (node.transitDelay !== undefined) push(f, 'transit_delay', node.transitDelay, U32_ALL);
  if (node.namespaceData !== undefined) push(f, 'namespace_data', node.namespaceData, U32_ALL);
  if (node.queueDepth !== undefined) push(f, 'queue_depth', node.queueDepth, U32_ALL);
  if (node.checksumComplement !== undefined) push(f, 'checksum_complement', node.checksumComplement, U32_ALL);
  if (node.hopLimitNodeIdWide !== undefined) {
    push(f, 'hop_limit_wide', node.hopLimitNodeIdWide.hopLimit, undefined);
    push(f, 'node_id_wide', node.hopLimitNodeIdWide.nodeId, U56_ALL);
  }
  if (node.ifIdsWide !== undefined) {
    push(f, 'ingress_if_id_wide', node.ifIdsWide.ingress, U32_ALL);
    push(f, 'egress_if_id_wide', node.ifIdsWide.egress, U32_ALL);
  }
  if (node.namespaceDataWide !== undefined) push(f, 'namespace_data_wide', node.namespaceDataWide, U64_ALL);
  if (node.bufferOccupancy !== undefined) push(f, 'buffer_occupancy', node.bufferOccupancy, U32_ALL);
  if (node.undefinedFields !== undefined) {
    // The values come in bit order; name each after its bit.
    let i = 0;
    for (let bit = 0; bit < UNDEFINED_BITS; bit++) {
      const mask = FIRST_UNDEFINED_BIT >>> bit;
      if (i < node.undefinedFields.length && (traceType & mask) !== 0) {
        push(f, `bit${12 + bit}`, node.undefinedFields[i] ?? 0, U32_ALL);
        i++;
      }
    }
  }
  if (node.opaqueState !== undefined) {
    const { schemaId, data } = node.opaqueState;
    // An empty snapshot with schema 0xffffff is Linux's "no schema" (IOAM6_OSS_UNAVAILABLE).
    push(f, 'opaque_schema_id', schemaId, data.length === 0 ? U24_ALL : undefined);
    f.push({ name: 'opaque_data', value: toHex(data) });
  }
  return { fields: f, timestampNs };
}

/** RFC 3339 text of a time in nanoseconds, with microseconds (what IOAM timestamps carry). */
export function isoTime(ns: bigint): string {
  const ms = Number(ns / 1_000_000n);
  const d = new Date(ms);
  if (Number.isNaN(d.getTime())) return '';
  const us = Number((ns / NS_PER_US) % 1_000_000n);
  return `${d.toISOString().slice(0, 19)}.${String(us).padStart(6, '0')}Z`;
}

/**
 * Offsets (in `b`) of the IOAM trace options (Pre-allocated or Incremental) in the Hop-by-Hop
 * header after the IPv6 header at `ip`, appended to `out`; returns how many were found. A
 * malformed Hop-by-Hop header ends the search at the damage.
 */
export function ioamTraceOffsets(b: Uint8Array, ip: number, out: number[], cursor: OptionCursor = new OptionCursor()): number {
  if (ip < 0 || b.length - ip < 40 || (b[ip] ?? 0) >>> 4 !== 6 || b[ip + 6] !== NEXTHDR_HOP) return 0;
  let n = 0;
  cursor.reset(b, ip + 40);
  while (cursor.next()) {
    if (cursor.type !== IPV6_TLV_IOAM && cursor.type !== IPV6_TLV_IOAM_NOCHANGE) continue;
    if (cursor.dataLength < 2) continue;
    const ioamType = b[cursor.dataOffset + 1];
    if (ioamType !== IOAM_OPTION_TYPE.PREALLOC_TRACE && ioamType !== IOAM_OPTION_TYPE.INCREMENTAL_TRACE) continue;
    out.push(cursor.offset);
    n++;
  }
  return n;
}

/**
 * The record of the trace option at `opt` (from its option type byte) in a packet whose IPv6
 * header is at `ip` (-1: no header, as for events).
 */
export function ioamTraceRecord(b: Uint8Array, ip: number, opt: number, meta: IoamPacketMeta, fromEvent = false): Result<IoamTraceRecord> {
  const r = parseIoamTrace(b, opt);
  if (!r.ok) return r;
  const t = r.value;
  const hops: IoamHopRecord[] = [];
  const n = t.hops.length;
  for (let i = n - 1; i >= 0; i--) {
    const { fields, timestampNs } = ioamHopFields(t.hops[i] as IoamNodeRepr, t.traceType);
    hops.push({ index: n - 1 - i, fields, timestampNs });
  }
  const hasIp = ip >= 0 && b.length - ip >= 40;
  return ok({
    meta,
    src: hasIp ? formatIpv6Address(b, ip + 8) : undefined,
    dst: hasIp ? formatIpv6Address(b, ip + 24) : undefined,
    flowLabel: hasIp ? u32(b, ip) & 0xfffff : undefined,
    namespaceId: t.namespaceId,
    traceType: t.traceType,
    incremental: t.incremental,
    nodeLen: t.nodeLen,
    flags: fromEvent ? undefined : t.flags,
    remainingLen: t.remainingLen,
    hops,
  });
}

/**
 * An IOAM Pre-allocated Trace option (from its option type byte) holding what an
 * IOAM6_EVENT_TRACE carries: the namespace, NodeLen, the type word (the 24-bit type above the
 * Reserved octet, as the kernel sends it) and the filled node data. RemainingLen is 0 and the
 * Flags are 0 (the event leaves both out). Undefined when the data cannot fit one option.
 */
export function traceOptionFromEvent(namespaceId: number, nodeLen: number, typeWord: number, data: Uint8Array): Uint8Array | undefined {
  const optLen = 2 + IOAM6_TRACE_HDR_LEN + data.length;
  if (optLen > U8_ALL) return undefined;
  const b = new Uint8Array(2 + optLen);
  b[0] = IPV6_TLV_IOAM;
  b[1] = optLen;
  b[3] = IOAM_OPTION_TYPE.PREALLOC_TRACE;
  setU16(b, IOAM6_HDR_LEN, namespaceId & U16_ALL);
  b[IOAM6_HDR_LEN + 2] = (nodeLen & 0x1f) << 3;
  setU32(b, IOAM6_HDR_LEN + 4, typeWord >>> 0);
  b.set(data, IOAM6_HDR_LEN + IOAM6_TRACE_HDR_LEN);
  return b;
}

/** The record's top-level fields, in the order the JSON line shows them. */
export function ioamTraceFields(r: IoamTraceRecord): IoamField[] {
  const f: IoamField[] = [
    { name: 'packet', value: r.meta.index },
    { name: 'time', value: isoTime(r.meta.timeNs) },
    { name: 'time_ns', value: r.meta.timeNs },
  ];
  if (r.meta.netns !== undefined) f.push({ name: 'netns', value: r.meta.netns });
  f.push(
    { name: 'src', value: r.src ?? null },
    { name: 'dst', value: r.dst ?? null },
    { name: 'flow_label', value: r.flowLabel ?? null },
    { name: 'namespace_id', value: r.namespaceId },
    { name: 'trace_type', value: `0x${r.traceType.toString(16).padStart(6, '0')}` },
    { name: 'option', value: r.incremental ? 'incremental' : 'pre-allocated' },
    { name: 'node_len', value: r.nodeLen },
    { name: 'flags', value: r.flags ?? null },
    { name: 'overflow', value: r.flags === undefined ? null : traceOverflow(r.flags) },
    { name: 'remaining_len', value: r.remainingLen },
    { name: 'opaque_snapshot', value: (r.traceType & IOAM6_TRACE_TYPE_BIT22) !== 0 },
  );
  return f;
}

/** A JSON value of a field: bigints become decimal strings (JSON numbers lose 64-bit precision). */
function jsonValue(v: IoamFieldValue): string | number | boolean | null {
  return typeof v === 'bigint' ? v.toString() : v;
}

/** The record as a plain JSON object (one line of `v6stack ioam collect --json`). */
export function ioamRecordJson(r: IoamTraceRecord): Record<string, unknown> {
  const o: Record<string, unknown> = {};
  for (const f of ioamTraceFields(r)) o[f.name] = jsonValue(f.value);
  o.hops = r.hops.map((h) => {
    const hop: Record<string, unknown> = { index: h.index };
    for (const f of h.fields) hop[f.name] = jsonValue(f.value);
    return hop;
  });
  return o;
}
