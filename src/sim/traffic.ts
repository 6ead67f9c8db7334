/**
 * Traffic generators: UDP flows and ping, on the virtual clock.
 *
 * Every UDP payload and echo body starts with FLOW_HEADER_LEN bytes the receiver reads back:
 *
 *    0                   1                   2                   3
 *   +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *   |                          flow index                           |
 *   |                        sequence number                        |
 *   |                 send time (ns, monotonic), high                |
 *   |                 send time (ns, monotonic), low                 |
 *   +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *
 * then zeros up to the flow's size. A datagram that arrives is matched by flow index and
 * sequence number (a duplicate is counted, not measured twice); its latency is the arrival time
 * minus the send time. Lost = sent - delivered at the end of the run (so packets still in
 * flight when a run is cut short count as lost).
 *
 * The generators reach the nodes' stacks through `TrafficStack`, so they do not depend on how
 * datagrams are sent and received (sockets.ts implements it on the IPv6 sockets).
 */

import type { Net } from '../net/net.ts';
import { setU32, u32 } from '../wire/bytes.ts';
import type { Result } from '../wire/result.ts';
import { type EventQueue, SimEvent } from './events.ts';
import { FLOW_HEADER_LEN, type TrafficSpec } from './topology.ts';

export interface SendOptions {
  readonly hopLimit?: number | undefined;
  readonly flowLabel?: number | undefined;
  readonly trafficClass?: number | undefined;
}

export interface DatagramSender {
  /** Sends one datagram; 0, or a negative errno (counted as a send error). */
  send(payload: Uint8Array): number;
  close(): void;
}

export interface Closable {
  close(): void;
}

/** Called with a received payload: bytes [offset, offset + length) of `data`. */
export type DatagramHandler = (data: Uint8Array, offset: number, length: number) => void;

/** What the generators need from the nodes' stacks. */
export interface TrafficStack {
  /** A UDP socket of `net` sending to `dst` port `port`. */
  udpSender(net: Net, dst: Uint8Array, port: number, opts: SendOptions): Result<DatagramSender, string>;
  /** A UDP socket of `net` bound to `port`, handing each datagram to `onDatagram`. */
  udpReceiver(net: Net, port: number, onDatagram: DatagramHandler): Result<Closable, string>;
  /** An ICMPv6 echo socket of `net` to `dst`: send() sends a request, replies go to `onReply`. */
  pinger(net: Net, dst: Uint8Array, opts: SendOptions, onReply: DatagramHandler): Result<DatagramSender, string>;
}

/** What a flow measured. */
export class FlowStats {
  sent = 0;
  delivered = 0;
  duplicates = 0;
  /** Sends the stack refused (no route, message too long, ...), by errno. */
  readonly sendErrors = new Map<number, number>();
  /** Latency of each delivered packet, ns, in arrival order. */
  readonly latencies: Float64Array;
  readonly #seen: Uint8Array;

  constructor(count: number) {
    this.latencies = new Float64Array(count);
    this.#seen = new Uint8Array(count);
  }

  /** Records the arrival of `seq` sent at `sentNs`. */
  arrived(seq: number, sentNs: number, nowNs: number): void {
    if (seq >= this.#seen.length) return;
    if (this.#seen[seq] !== 0) {
      this.duplicates++;
      return;
    }
    this.#seen[seq] = 1;
    this.latencies[this.delivered++] = nowNs - sentNs;
  }
}

/** One running generator. */
export class FlowRunner {
  readonly spec: TrafficSpec;
  readonly index: number;
  readonly stats: FlowStats;
  readonly #queue: EventQueue;
  readonly #net: Net;
  readonly #payload: Uint8Array;
  readonly #tick: SimEvent;
  #sender: DatagramSender | null = null;
  #receiver: Closable | null = null;

  constructor(spec: TrafficSpec, index: number, queue: EventQueue, from: Net) {
    this.spec = spec;
    this.index = index;
    this.stats = new FlowStats(spec.count);
    this.#queue = queue;
    this.#net = from;
    this.#payload = new Uint8Array(spec.size);
    this.#tick = new SimEvent(() => this.#send());
  }

  /** Opens the sockets and schedules the first send; an error names what failed. */
  start(stack: TrafficStack, dst: Uint8Array, to: Net | undefined): Result<void, string> {
    const spec = this.spec;
    const onData: DatagramHandler = (data, offset, length) => this.#received(data, offset, length);
    if (spec.type === 'udp') {
      if (to === undefined) return { ok: false, error: `no receiving node ${spec.to}` };
      const rx = stack.udpReceiver(to, spec.port, onData);
      if (!rx.ok) return rx;
      this.#receiver = rx.value;
      const tx = stack.udpSender(this.#net, dst, spec.port, { hopLimit: spec.hopLimit, flowLabel: spec.flowLabel, trafficClass: spec.trafficClass });
      if (!tx.ok) return tx;
      this.#sender = tx.value;
    } else {
      const tx = stack.pinger(this.#net, dst, { hopLimit: spec.hopLimit }, onData);
      if (!tx.ok) return tx;
      this.#sender = tx.value;
    }
    this.#queue.schedule(this.#tick, this.#net.clock.nowNs() + spec.startNs);
    return { ok: true, value: undefined };
  }

  #send(): void {
    const sender = this.#sender;
    const s = this.stats;
    if (sender === null || s.sent >= this.spec.count) return;
    const now = this.#net.clock.nowNs();
    const p = this.#payload;
    setU32(p, 0, this.index);
    setU32(p, 4, s.sent);
    setU32(p, 8, Math.floor(now / 0x1_0000_0000));
    setU32(p, 12, now % 0x1_0000_0000);
    s.sent++;
    const rc = sender.send(p);
    if (rc < 0) s.sendErrors.set(-rc, (s.sendErrors.get(-rc) ?? 0) + 1);
    if (s.sent < this.spec.count) this.#queue.schedule(this.#tick, now + this.spec.intervalNs);
  }

  #received(data: Uint8Array, offset: number, length: number): void {
    if (length < FLOW_HEADER_LEN || u32(data, offset) !== this.index) return;
    const seq = u32(data, offset + 4);
    const sent = u32(data, offset + 8) * 0x1_0000_0000 + u32(data, offset + 12);
    this.stats.arrived(seq, sent, this.#net.clock.nowNs());
  }

  /** Closes the sockets (the end of the run). */
  stop(): void {
    this.#queue.cancel(this.#tick);
    this.#sender?.close();
    this.#receiver?.close();
    this.#sender = null;
    this.#receiver = null;
  }
}
