/**
 * The simulator's cable: a link model installed as the transmit of both ends of a veth pair.
 *
 * Each direction is a wire with a serialisation rate, a propagation delay and a loss ratio:
 *
 * - rate 0 (unlimited): a packet handed to the driver enters the wire at once; the device stays
 *   noqueue as a veth is;
 * - rate R: the packet takes len * 8 / R seconds to serialise (len is the IPv6 packet: devices
 *   carry no link-layer header). While it does, the driver has stopped the queue
 *   (netif_stop_queue), so later packets wait in the device's txq, which the link turned into a
 *   FIFO of txqueuelen packets (as `tc qdisc add dev X root pfifo` would). Their number and
 *   bytes are the txq depth IOAM's queue-depth field reads, and a full queue drops with
 *   QDISC_DROP (counted by the output path, as a qdisc drop is on Linux: not in tx_dropped).
 *   When the last bit is out the driver wakes the queue (netif_wake_queue) and the next packet
 *   starts;
 * - loss: once serialised, the packet is lost with the link's probability, drawn from the
 *   direction's own rng stream (forked from the World seed by the link's name), so adding a
 *   flow elsewhere does not change which packets a link loses;
 * - delay D: the packet arrives at the peer D ns after its last bit left, through the peer's
 *   receive slot (the backlog), as an event on the virtual clock.
 *
 * Packets in flight keep their order (delay is constant per direction), so each direction keeps
 * them in a ring and has one arrival event armed for the oldest: nothing is allocated per
 * packet. The driver counts tx_packets / tx_bytes when it takes a packet, like veth_xmit; a peer
 * that is down at arrival counts rx_dropped.
 */

import type { NetDevice, NetdevXmit } from '../net/netdevice.ts';
import type { PacketBuffer } from '../net/packet-buffer.ts';
import type { Rng } from '../net/rng.ts';
import { IFF_UP } from '../uapi/if.ts';
import { SKB_DROP_REASON_DEV_READY, SKB_NOT_DROPPED_YET } from '../uapi/dropreason.ts';
import { type EventQueue, SimEvent } from './events.ts';

/** Something that records packets seen on an interface (a capture file). */
export interface PacketTap {
  packet(pkb: PacketBuffer, nowNs: number): void;
}

export interface WireConfig {
  readonly delayNs: number;
  /** Bits per second; 0: unlimited. */
  readonly rateBps: number;
  readonly loss: number;
}

/** Per-direction counters the report shows. */
export class WireStats {
  /** Packets and bytes the driver took. */
  txPackets = 0;
  txBytes = 0;
  /** Lost on the wire (the loss ratio). */
  lost = 0;
  /** Handed to the peer. */
  delivered = 0;
  /** Arrived while the peer was down. */
  peerDown = 0;
  /** The deepest txq seen when a packet started serialising (packets, bytes). */
  maxQueuePackets = 0;
  maxQueueBytes = 0;
}

/** A FIFO of packets with their arrival times, growing by doubling. */
class InFlight {
  #pkbs: Array<PacketBuffer | null> = new Array<PacketBuffer | null>(16).fill(null);
  #times = new Float64Array(16);
  #head = 0;
  #count = 0;

  get count(): number {
    return this.#count;
  }

  push(pkb: PacketBuffer, at: number): void {
    if (this.#count === this.#pkbs.length) this.#grow();
    const i = (this.#head + this.#count) % this.#pkbs.length;
    this.#pkbs[i] = pkb;
    this.#times[i] = at;
    this.#count++;
  }

  headTime(): number {
    return this.#times[this.#head] ?? 0;
  }

  shift(): PacketBuffer | null {
    if (this.#count === 0) return null;
    const p = this.#pkbs[this.#head] ?? null;
    this.#pkbs[this.#head] = null;
    this.#head = (this.#head + 1) % this.#pkbs.length;
    this.#count--;
    return p;
  }

  #grow(): void {
    const n = this.#pkbs.length * 2;
    const pkbs = new Array<PacketBuffer | null>(n).fill(null);
    const times = new Float64Array(n);
    for (let i = 0; i < this.#count; i++) {
      const j = (this.#head + i) % this.#pkbs.length;
      pkbs[i] = this.#pkbs[j] ?? null;
      times[i] = this.#times[j] ?? 0;
    }
    this.#pkbs = pkbs;
    this.#times = times;
    this.#head = 0;
  }
}

/** One direction of a link: `dev` transmits, `peer` receives. */
export class Wire {
  readonly dev: NetDevice;
  readonly peer: NetDevice;
  readonly config: WireConfig;
  readonly stats = new WireStats();
  /** Capture taps: packets the sender transmits, packets the peer receives. */
  txTap: PacketTap | null = null;
  rxTap: PacketTap | null = null;
  /** Called once the peer's stack has processed an arrived packet (IOAM statistics). */
  afterRx: PacketTap | null = null;
  readonly #queue: EventQueue;
  readonly #rng: Rng;
  readonly #flight = new InFlight();
  readonly #arrival: SimEvent;
  readonly #txDone: SimEvent;
  /** The packet being serialised (rate-limited wires). */
  #sending: PacketBuffer | null = null;

  constructor(queue: EventQueue, dev: NetDevice, peer: NetDevice, config: WireConfig, rng: Rng) {
    this.#queue = queue;
    this.dev = dev;
    this.peer = peer;
    this.config = config;
    this.#rng = rng;
    this.#arrival = new SimEvent(() => this.#arrive());
    this.#txDone = new SimEvent(() => this.#serialised());
  }

  /** Packets on the wire or being serialised. */
  get inFlight(): number {
    return this.#flight.count + (this.#sending === null ? 0 : 1);
  }

  /** The driver's transmit (ndo_start_xmit), installed in `dev.xmit`. */
  readonly xmit: NetdevXmit = (dev, pkb) => {
    const now = this.#now();
    const len = pkb.tail - pkb.data;
    const s = this.stats;
    s.txPackets++;
    s.txBytes += len;
    dev.stats.txPackets++;
    dev.stats.txBytes += len;
    this.txTap?.packet(pkb, now);
    const rate = this.config.rateBps;
    if (rate === 0) {
      this.#enterWire(pkb, now);
      return;
    }
    const q = dev.txq;
    if (q.packets > s.maxQueuePackets) s.maxQueuePackets = q.packets;
    if (q.bytes > s.maxQueueBytes) s.maxQueueBytes = q.bytes;
    this.#sending = pkb;
    dev.netifStopQueue();
    this.#queue.schedule(this.#txDone, now + Math.ceil((len * 8 * 1e9) / rate));
  };

  #now(): number {
    return this.dev.net.clock.nowNs();
  }

  #serialised(): void {
    const pkb = this.#sending;
    this.#sending = null;
    if (pkb !== null) this.#enterWire(pkb, this.#now());
    this.dev.netifWakeQueue();
  }

  #enterWire(pkb: PacketBuffer, now: number): void {
    const loss = this.config.loss;
    if (loss > 0 && this.#rng.nextFloat() < loss) {
      this.stats.lost++;
      return;
    }
    this.#flight.push(pkb, now + this.config.delayNs);
    if (!this.#arrival.pending) this.#queue.schedule(this.#arrival, this.#flight.headTime());
  }

  #arrive(): void {
    const now = this.#now();
    const f = this.#flight;
    while (f.count > 0 && f.headTime() <= now) {
      const pkb = f.shift() as PacketBuffer;
      const peer = this.peer;
      if (!(peer.flags & IFF_UP) || peer.receive === null || peer.reg !== 'registered') {
        this.stats.peerDown++;
        peer.stats.rxDropped++;
        pkb.drop(SKB_DROP_REASON_DEV_READY);
        continue;
      }
      this.stats.delivered++;
      // __dev_forward_skb's skb_scrub_packet: no route, no verdict yet; crossing namespaces
      // also clears the mark and the time stamp (so IOAM stamps the packet when it fills).
      pkb.dropReason = SKB_NOT_DROPPED_YET;
      pkb.route = null;
      if (peer.net !== this.dev.net) {
        pkb.mark = 0;
        pkb.tstampNs = 0;
      }
      this.rxTap?.packet(pkb, now);
      peer.receive(peer, pkb);
      // The backlog is idle between events, so the peer has processed the packet by now.
      this.afterRx?.packet(pkb, now);
    }
    if (f.count > 0) this.#queue.schedule(this.#arrival, f.headTime());
  }
}

/** Both directions of a veth pair. */
export class SimLink {
  readonly name: string;
  readonly ab: Wire;
  readonly ba: Wire;

  constructor(name: string, ab: Wire, ba: Wire) {
    this.name = name;
    this.ab = ab;
    this.ba = ba;
  }
}

/**
 * Installs the link model on the veth ends `a` and `b` (already registered and configured):
 * each end's transmit becomes its direction's wire; a rate-limited link gets a FIFO of
 * txqueuelen packets on each end.
 */
export function installLink(name: string, queue: EventQueue, a: NetDevice, b: NetDevice, config: WireConfig, rng: Rng): SimLink {
  const ab = new Wire(queue, a, b, config, rng.fork(`${name}>`));
  const ba = new Wire(queue, b, a, config, rng.fork(`${name}<`));
  a.xmit = ab.xmit;
  b.xmit = ba.xmit;
  if (config.rateBps > 0) {
    a.noQueue = false;
    b.noQueue = false;
  }
  return new SimLink(name, ab, ba);
}
