/**
 * Per-path and per-hop IOAM statistics from the traces packets carry when they reach their
 * destination (the node owning the IPv6 destination address: the receiver for inline traces,
 * the tunnel end for encapsulated ones).
 *
 * A packet's path is the sequence of node_ids (trace bit 0) from the first hop to the last;
 * the delay of a hop pair is the difference of consecutive hops' timestamps (bits 2 and 3:
 * seconds and sub-seconds, which Linux writes in microseconds), so per-hop delays have
 * microsecond resolution. A trace without both timestamp bits contributes its path only.
 * Only the first trace option of the first Hop-by-Hop header is read.
 */

import { IOAM6_TRACE_TYPE_BIT0, IOAM6_TRACE_TYPE_BIT2, IOAM6_TRACE_TYPE_BIT3 } from '../uapi/ioam6.ts';
import { IPV6_TLV_IOAM } from '../uapi/in6.ts';
import { NEXTHDR_HOP } from '../uapi/ipv6.ts';
import { u32 } from '../wire/bytes.ts';
import { forEachTraceHop, traceFieldOffset } from '../wire/ioam-trace.ts';

const IPV6_HDR_LEN = 40;
/** IOAM option: type, length, reserved, IOAM Option-Type, then the trace header (type at +8). */
const O_IOAM_TYPE = 3;
const O_TRACE_TYPE = 8;
const MAX_HOPS = 64;

export class HopDelays {
  readonly from: number;
  readonly to: number;
  /** Microsecond delays as measured. */
  readonly delaysUs: number[] = [];

  constructor(from: number, to: number) {
    this.from = from;
    this.to = to;
  }
}

export class PathStats {
  /** node_ids from the first hop to the last. */
  readonly nodeIds: readonly number[];
  packets = 0;
  readonly hops: HopDelays[];

  constructor(nodeIds: readonly number[]) {
    this.nodeIds = nodeIds;
    this.hops = [];
    for (let i = 0; i + 1 < nodeIds.length; i++) this.hops.push(new HopDelays(nodeIds[i] ?? 0, nodeIds[i + 1] ?? 0));
  }
}

export class IoamCollector {
  /** Paths in order of first sight (deterministic). */
  readonly paths: PathStats[] = [];
  /** Packets with a trace that could not be read. */
  malformed = 0;
  readonly #byKey = new Map<string, PathStats>();
  readonly #ids = new Uint32Array(MAX_HOPS);
  readonly #times = new Float64Array(MAX_HOPS);
  #tsOffset = -1;
  #hasTs = false;

  /** Looks at the packet `b[start, end)` (from its IPv6 header) and records its trace, if any. */
  packet(b: Uint8Array, start: number, end: number): void {
    if (end - start < IPV6_HDR_LEN + 8 || b[start + 6] !== NEXTHDR_HOP) return;
    const h = start + IPV6_HDR_LEN;
    const hEnd = h + ((b[h + 1] ?? 0) + 1) * 8;
    if (hEnd > end) return;
    let o = h + 2;
    while (o < hEnd) {
      const type = b[o] ?? 0;
      if (type === 0) {
        o++;
        continue;
      }
      if (o + 2 > hEnd) return;
      const len = b[o + 1] ?? 0;
      if (o + 2 + len > hEnd) return;
      if (type === IPV6_TLV_IOAM && len >= O_TRACE_TYPE + 4 - 2 && (b[o + O_IOAM_TYPE] ?? 0) <= 1) {
        this.#trace(b, o);
        return;
      }
      o += 2 + len;
    }
  }

  #trace(b: Uint8Array, o: number): void {
    const traceType = (u32(b, o + O_TRACE_TYPE) >>> 8) & 0xffffff;
    if ((traceType & IOAM6_TRACE_TYPE_BIT0) === 0) return;
    this.#hasTs = (traceType & IOAM6_TRACE_TYPE_BIT2) !== 0 && (traceType & IOAM6_TRACE_TYPE_BIT3) !== 0;
    this.#tsOffset = this.#hasTs ? traceFieldOffset(traceType, IOAM6_TRACE_TYPE_BIT2) : -1;
    const n = forEachTraceHop(b, this.#visit, o);
    if (n < 0) {
      this.malformed++;
      return;
    }
    if (n === 0) return;
    const hops = Math.min(n, MAX_HOPS);
    // Wire order is newest first; paths read from the first hop.
    let key = '';
    for (let i = hops - 1; i >= 0; i--) key += `${this.#ids[i] ?? 0}${i > 0 ? '>' : ''}`;
    let path = this.#byKey.get(key);
    if (path === undefined) {
      const ids: number[] = [];
      for (let i = hops - 1; i >= 0; i--) ids.push(this.#ids[i] ?? 0);
      path = new PathStats(ids);
      this.#byKey.set(key, path);
      this.paths.push(path);
    }
    path.packets++;
    if (!this.#hasTs) return;
    for (let k = 0; k + 1 < hops; k++) {
      // hop k (path order) is wire index hops-1-k.
      const earlier = this.#times[hops - 1 - k] ?? 0;
      const later = this.#times[hops - 2 - k] ?? 0;
      path.hops[k]?.delaysUs.push(later - earlier);
    }
  }

  readonly #visit = (index: number, entry: number, b: Uint8Array): void => {
    if (index >= MAX_HOPS) return;
    this.#ids[index] = (((b[entry + 1] ?? 0) << 16) | ((b[entry + 2] ?? 0) << 8) | (b[entry + 3] ?? 0)) >>> 0;
    if (this.#tsOffset >= 0) {
      const t = entry + this.#tsOffset;
      this.#times[index] = u32(b, t) * 1e6 + u32(b, t + 4);
    }
  };
}
