/**
 * The IOAM collector: takes packets (a capture, a simulation's links), bare traces (the data
 * path's trace hook) or IOAM6_EVENT_TRACE notifications (a live namespace), turns each IOAM
 * trace into an `IoamTraceRecord` (../wire/ioam-record.ts) and hands it to its sinks: JSON
 * lines, the OTLP exporter (./otlp.ts), or any `IoamRecordSink`.
 *
 *   const c = new IoamCollector({ sinks: [new JsonLinesSink((s) => out.write(s))] });
 *   c.add(packetBytes, tsNs);           // an IPv6 packet (or a frame of `linkType`)
 *   c.addTrace(trace, tsNs, 'beta');    // what ipv6_hop_ioam passes to ioam6_event
 *   await c.flush();
 *
 * Nothing here throws on bad input: packets without IOAM traces are counted and skipped,
 * malformed traces are counted (`stats.malformed`).
 */

import { NlAttrCursor } from '../netlink/message.ts';
import { IOAM6_TRACE_HDR_LEN, IOAM6_TRACE_HDR_NODELEN, IOAM6_TRACE_HDR_REMLEN, IOAM6_TRACE_NODELEN_MASK, IOAM6_TRACE_NODELEN_SHIFT, IOAM6_TRACE_REMLEN_MASK } from '../uapi/ioam6.ts';
import {
  IOAM6_EVENT_ATTR_TRACE_DATA,
  IOAM6_EVENT_ATTR_TRACE_NAMESPACE,
  IOAM6_EVENT_ATTR_TRACE_NODELEN,
  IOAM6_EVENT_ATTR_TRACE_TYPE,
  IOAM6_EVENT_TRACE,
} from '../uapi/ioam6_genl.ts';
import { ETH_P_IPV6 } from '../uapi/if_ether.ts';
import { GENL_HDRLEN } from '../uapi/genetlink.ts';
import { NLMSG_HDRLEN } from '../uapi/netlink.ts';
import { LINKTYPE_RAW } from '../uapi/pcap.ts';
import { u16, u16le, u32, u32le } from '../wire/bytes.ts';
import { ioamRecordJson, ioamTraceOffsets, ioamTraceRecord, traceOptionFromEvent, type IoamPacketMeta, type IoamTraceRecord } from '../wire/ioam-record.ts';
import { OptionCursor } from '../wire/ipv6-options.ts';
import { LINK, NetworkLocation, locateNetwork } from '../wire/link.ts';

/** Where records go. */
export interface IoamRecordSink {
  record(r: IoamTraceRecord): void;
  /** Pushes out what is buffered (network export); resolves when done. */
  flush?(): Promise<void>;
  /** Flushes and releases the sink. */
  shutdown?(): Promise<void>;
}

/** One JSON object per line per trace (`ioamRecordJson`). */
export class JsonLinesSink implements IoamRecordSink {
  readonly #write: (text: string) => void;

  constructor(write: (text: string) => void) {
    this.#write = write;
  }

  record(r: IoamTraceRecord): void {
    this.#write(`${JSON.stringify(ioamRecordJson(r))}\n`);
  }
}

export interface IoamCollectorOptions {
  readonly sinks: readonly IoamRecordSink[];
  /** Link type of what `add` gets when not told (default LINKTYPE_RAW: bare IP packets). */
  readonly linkType?: number;
}

export interface IoamCollectorStats {
  /** Packets, traces and events offered. */
  packets: number;
  /** Records produced. */
  traces: number;
  /** Trace options (or events) that did not decode. */
  malformed: number;
}

export class IoamCollector {
  readonly sinks: readonly IoamRecordSink[];
  readonly linkType: number;
  readonly stats: IoamCollectorStats = { packets: 0, traces: 0, malformed: 0 };
  readonly #loc = new NetworkLocation();
  readonly #cursor = new OptionCursor();
  readonly #offsets: number[] = [];

  constructor(opts: IoamCollectorOptions) {
    this.sinks = opts.sinks;
    this.linkType = opts.linkType ?? LINKTYPE_RAW;
  }

  #emit(r: IoamTraceRecord): void {
    this.stats.traces++;
    for (const s of this.sinks) s.record(r);
  }

  /**
   * A packet (a frame of `linkType`) seen at `tsNs` (nanoseconds since the epoch): one record
   * per IOAM trace option in its Hop-by-Hop header. Returns how many records it gave.
   */
  add(packet: Uint8Array, tsNs: bigint, linkType = this.linkType, netns?: string): number {
    const index = this.stats.packets++;
    const loc = this.#loc;
    if (locateNetwork(linkType, packet, 0, packet.length, loc) !== LINK.OK || loc.protocol !== ETH_P_IPV6) return 0;
    const offsets = this.#offsets;
    offsets.length = 0;
    if (ioamTraceOffsets(packet, loc.offset, offsets, this.#cursor) === 0) return 0;
    const meta: IoamPacketMeta = netns === undefined ? { index, timeNs: tsNs } : { index, timeNs: tsNs, netns };
    let n = 0;
    for (const opt of offsets) {
      const r = ioamTraceRecord(packet, loc.offset, opt, meta);
      if (!r.ok) {
        this.stats.malformed++;
        continue;
      }
      this.#emit(r.value);
      n++;
    }
    return n;
  }

  /**
   * A trace as the data path's hook gets it (the ioam6_trace_hdr and its data, as ipv6_hop_ioam
   * passes it to ioam6_event), in namespace `netns`. The record has no IPv6 header fields.
   */
  addTrace(trace: Uint8Array, tsNs: bigint, netns?: string): number {
    const index = this.stats.packets++;
    if (trace.length < IOAM6_TRACE_HDR_LEN) {
      this.stats.malformed++;
      return 0;
    }
    const remlen = ((trace[IOAM6_TRACE_HDR_REMLEN] ?? 0) & IOAM6_TRACE_REMLEN_MASK) * 4;
    const data = trace.subarray(Math.min(trace.length, IOAM6_TRACE_HDR_LEN + remlen));
    const nodeLen = ((trace[IOAM6_TRACE_HDR_NODELEN] ?? 0) & IOAM6_TRACE_NODELEN_MASK) >>> IOAM6_TRACE_NODELEN_SHIFT;
    return this.#fromEventFields(index, tsNs, netns, u16(trace, 0), nodeLen, u32(trace, 4), data);
  }

  /**
   * A netlink datagram from the "ioam6_events" group of family `familyId`: one record per
   * IOAM6_EVENT_TRACE message (other messages are skipped).
   */
  addEvent(datagram: Uint8Array, familyId: number, tsNs: bigint, netns?: string): number {
    let n = 0;
    let at = 0;
    const c = new NlAttrCursor(datagram);
    while (datagram.length - at >= NLMSG_HDRLEN) {
      const len = u32le(datagram, at);
      if (len < NLMSG_HDRLEN || len > datagram.length - at) break;
      if (u16le(datagram, at + 4) === familyId && len >= NLMSG_HDRLEN + GENL_HDRLEN && datagram[at + NLMSG_HDRLEN] === IOAM6_EVENT_TRACE) {
        const index = this.stats.packets++;
        let ns: number | undefined;
        let nodeLen: number | undefined;
        let type: number | undefined;
        let data: Uint8Array | undefined;
        c.reset(datagram, at + NLMSG_HDRLEN + GENL_HDRLEN, len - NLMSG_HDRLEN - GENL_HDRLEN);
        while (c.next()) {
          const d = c.data;
          if (c.type === IOAM6_EVENT_ATTR_TRACE_NAMESPACE && d.length >= 2 && ns === undefined) ns = u16le(d, 0);
          else if (c.type === IOAM6_EVENT_ATTR_TRACE_NODELEN && d.length >= 1 && nodeLen === undefined) nodeLen = d[0] ?? 0;
          else if (c.type === IOAM6_EVENT_ATTR_TRACE_TYPE && d.length >= 4 && type === undefined) type = u32le(d, 0);
          else if (c.type === IOAM6_EVENT_ATTR_TRACE_DATA && data === undefined) data = d;
        }
        if (ns === undefined || nodeLen === undefined || type === undefined || data === undefined) this.stats.malformed++;
        else n += this.#fromEventFields(index, tsNs, netns, ns, nodeLen, type, data);
      }
      at += (len + 3) & ~3;
    }
    return n;
  }

  #fromEventFields(index: number, tsNs: bigint, netns: string | undefined, ns: number, nodeLen: number, typeWord: number, data: Uint8Array): number {
    const opt = traceOptionFromEvent(ns, nodeLen, typeWord, data);
    const meta: IoamPacketMeta = netns === undefined ? { index, timeNs: tsNs } : { index, timeNs: tsNs, netns };
    const r = opt === undefined ? undefined : ioamTraceRecord(opt, -1, 0, meta, true);
    if (r === undefined || !r.ok) {
      this.stats.malformed++;
      return 0;
    }
    this.#emit(r.value);
    return 1;
  }

  /** Flushes every sink (network exports). */
  async flush(): Promise<void> {
    for (const s of this.sinks) await s.flush?.();
  }

  /** Flushes and shuts every sink down. */
  async shutdown(): Promise<void> {
    for (const s of this.sinks) await (s.shutdown?.() ?? s.flush?.());
  }
}
