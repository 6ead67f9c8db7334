/**
 * What a simulation reports, as data (`--json` prints it as one JSON document) and as text for
 * people. Everything is in a fixed order (flows, links and nodes as the topology lists them;
 * IOAM paths by first sight; counters in /proc/net/snmp6 order), so the same run prints the
 * same bytes.
 *
 * Latency statistics use the nearest-rank method on the sorted samples: median is the
 * ceil(n/2)-th smallest, p99 the ceil(0.99 n)-th.
 */

import { formatDuration, formatRate } from './units.ts';

export interface LatencySummary {
  readonly minNs: number;
  readonly medianNs: number;
  readonly p99Ns: number;
  readonly maxNs: number;
}

export interface FlowReport {
  readonly name: string;
  readonly type: 'udp' | 'ping';
  readonly from: string;
  /** The receiving node (udp) or the pinged address (ping). */
  readonly to: string;
  readonly dst: string;
  readonly sent: number;
  /** Datagrams received (udp) or echo replies received (ping). */
  readonly delivered: number;
  readonly lost: number;
  readonly duplicates: number;
  /** Sends the stack refused, by errno name. */
  readonly sendErrors: Readonly<Record<string, number>>;
  /** One-way latency (udp) or round-trip time (ping); null when nothing arrived. */
  readonly latency: LatencySummary | null;
}

export interface WireReport {
  readonly from: string;
  readonly to: string;
  readonly txPackets: number;
  readonly txBytes: number;
  readonly lost: number;
  readonly delivered: number;
  readonly maxQueuePackets: number;
  readonly maxQueueBytes: number;
}

export interface LinkReport {
  readonly name: string;
  readonly delayNs: number;
  readonly rateBps: number;
  readonly loss: number;
  readonly directions: readonly WireReport[];
}

export interface NodeReport {
  readonly name: string;
  /** net.ipv6.ioam6_id. */
  readonly ioam6Id: number;
  /** Non-zero MIB counters, /proc/net/snmp6 names. */
  readonly counters: Readonly<Record<string, number>>;
  /** Packets dropped in this node, by SKB_DROP_REASON_* name. */
  readonly drops: Readonly<Record<string, number>>;
}

export interface IoamHopReport {
  readonly from: string;
  readonly to: string;
  readonly samples: number;
  readonly delay: LatencySummary | null;
}

export interface IoamPathReport {
  readonly nodeIds: readonly number[];
  /** Node names for the ids (by net.ipv6.ioam6_id), "?" when no node has it. */
  readonly nodes: readonly string[];
  readonly packets: number;
  readonly hops: readonly IoamHopReport[];
}

export interface CaptureReport {
  readonly node: string;
  readonly dev: string;
  readonly file: string;
  readonly packets: number;
}

export interface SimReport {
  readonly file: string;
  readonly seed: number;
  /** Virtual time at the end of the run, ns. */
  readonly endNs: number;
  readonly events: number;
  readonly flows: readonly FlowReport[];
  readonly links: readonly LinkReport[];
  readonly nodes: readonly NodeReport[];
  readonly ioam: { readonly paths: readonly IoamPathReport[]; readonly malformed: number };
  readonly captures: readonly CaptureReport[];
}

/** Nearest-rank summary of `samples` (sorted in place); null when empty. */
export function summarize(samples: Float64Array | number[]): LatencySummary | null {
  const n = samples.length;
  if (n === 0) return null;
  const s = samples instanceof Float64Array ? samples.sort() : Float64Array.from(samples).sort();
  const rank = (q: number): number => s[Math.max(0, Math.ceil(q * n) - 1)] ?? 0;
  return { minNs: s[0] ?? 0, medianNs: rank(0.5), p99Ns: rank(0.99), maxNs: s[n - 1] ?? 0 };
}

function table(rows: readonly (readonly string[])[], right: ReadonlySet<number>): string {
  const widths: number[] = [];
  for (const r of rows) r.forEach((c, i) => (widths[i] = Math.max(widths[i] ?? 0, c.length)));
  return rows
    .map((r) => '  ' + r.map((c, i) => (right.has(i) ? c.padStart(widths[i] ?? 0) : c.padEnd(widths[i] ?? 0))).join('  ').trimEnd())
    .join('\n');
}

function pct(part: number, whole: number): string {
  if (whole === 0) return '-';
  return `${Number(((100 * part) / whole).toPrecision(3))}%`;
}

function lat(l: LatencySummary | null, k: keyof LatencySummary): string {
  return l === null ? '-' : formatDuration(l[k]);
}

/** The report for people. */
export function formatReport(r: SimReport): string {
  const out: string[] = [];
  out.push(`v6stack sim: ${r.file}, seed ${r.seed}: ${formatDuration(r.endNs)} of virtual time, ${r.events} events`);
  if (r.flows.length > 0) {
    out.push('', 'Flows (udp: one-way latency; ping: round-trip time)');
    const rows: string[][] = [['flow', 'type', 'path', 'sent', 'delivered', 'lost', 'loss', 'min', 'median', 'p99']];
    for (const f of r.flows) {
      rows.push([f.name, f.type, `${f.from} -> ${f.to}`, String(f.sent), String(f.delivered), String(f.lost), pct(f.lost, f.sent), lat(f.latency, 'minNs'), lat(f.latency, 'medianNs'), lat(f.latency, 'p99Ns')]);
    }
    out.push(table(rows, new Set([3, 4, 5, 6, 7, 8, 9])));
    for (const f of r.flows) {
      const errs = Object.entries(f.sendErrors);
      if (errs.length > 0) out.push(`  ${f.name}: send errors: ${errs.map(([k, v]) => `${k} ${v}`).join(', ')}`);
      if (f.duplicates > 0) out.push(`  ${f.name}: ${f.duplicates} duplicates`);
    }
  }
  if (r.links.length > 0) {
    out.push('', 'Links');
    const rows: string[][] = [['direction', 'packets', 'bytes', 'lost', 'max queue']];
    for (const l of r.links) {
      const rate = l.rateBps === 0 ? 'unlimited' : formatRate(l.rateBps);
      rows.push([`${l.name} (delay ${formatDuration(l.delayNs)}, rate ${rate}, loss ${Number((l.loss * 100).toPrecision(3))}%)`, '', '', '', '']);
      for (const d of l.directions) {
        rows.push([`  ${d.from} > ${d.to}`, String(d.txPackets), String(d.txBytes), String(d.lost), l.rateBps === 0 ? '-' : `${d.maxQueuePackets} pkts ${d.maxQueueBytes} B`]);
      }
    }
    out.push(table(rows, new Set([1, 2, 3])));
  }
  out.push('', 'Nodes (non-zero counters; drops by reason)');
  for (const n of r.nodes) {
    out.push(`  ${n.name} (ioam6_id ${n.ioam6Id})`);
    const counters = Object.entries(n.counters);
    if (counters.length === 0) out.push('    (no counters)');
    for (let i = 0; i < counters.length; i += 3) {
      out.push('    ' + counters.slice(i, i + 3).map(([k, v]) => `${k} ${v}`.padEnd(34)).join('').trimEnd());
    }
    const drops = Object.entries(n.drops);
    if (drops.length > 0) out.push(`    drops: ${drops.map(([k, v]) => `${k} ${v}`).join(', ')}`);
  }
  out.push('', 'IOAM (per path and per hop, from the traces packets carried to their destination)');
  if (r.ioam.paths.length === 0) out.push('  no packet arrived with an IOAM trace');
  for (const p of r.ioam.paths) {
    out.push(`  path ${p.nodes.map((n, i) => `${n}(${p.nodeIds[i] ?? 0})`).join(' > ')}: ${p.packets} packets`);
    const rows: string[][] = [];
    for (const h of p.hops) rows.push([`  ${h.from} > ${h.to}`, `${h.samples} samples`, `min ${lat(h.delay, 'minNs')}`, `median ${lat(h.delay, 'medianNs')}`, `p99 ${lat(h.delay, 'p99Ns')}`]);
    if (rows.length > 0) out.push(table(rows, new Set()));
  }
  if (r.ioam.malformed > 0) out.push(`  ${r.ioam.malformed} packets carried a malformed trace`);
  if (r.captures.length > 0) {
    out.push('', 'Captures');
    out.push(table(r.captures.map((c) => [`${c.node}:${c.dev}`, c.file, `${c.packets} packets`]), new Set()));
  }
  return out.join('\n') + '\n';
}
