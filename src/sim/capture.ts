/**
 * Captures of simulated interfaces: one pcapng per captured `node:device`, holding every packet
 * the device transmitted (when its driver took it) and received (when it arrived from the
 * wire), like tcpdump on that interface. Devices carry bare IPv6 packets, so the interface's
 * link type is LINKTYPE_RAW; time stamps are the virtual clock's wall time (ManualClock starts
 * at 2024-01-01T00:00:00Z) in nanoseconds, so the same run gives the same bytes.
 */

import type { ByteSink } from '../io/capture-file.ts';
import { PcapngWriter } from '../io/capture-file.ts';
import type { PacketBuffer } from '../net/packet-buffer.ts';
import type { Clock, Timespec64 } from '../time/clock.ts';
import { LINKTYPE_RAW } from '../uapi/pcap.ts';
import type { PacketTap } from './link.ts';

export class InterfaceCapture implements PacketTap {
  readonly node: string;
  readonly dev: string;
  readonly #writer: PcapngWriter;
  readonly #clock: Clock;
  readonly #ts: Timespec64 = { sec: 0, nsec: 0 };

  constructor(node: string, dev: string, sink: ByteSink, clock: Clock) {
    this.node = node;
    this.dev = dev;
    this.#clock = clock;
    this.#writer = new PcapngWriter(sink, {
      userAppl: 'v6stack sim',
      interfaces: [{ linkType: LINKTYPE_RAW, name: dev, description: `${dev} of node ${node}` }],
    });
  }

  /** Packets written so far. */
  get packets(): number {
    return this.#writer.packets;
  }

  packet(pkb: PacketBuffer, _nowNs: number): void {
    const ts = this.#clock.realtime(this.#ts);
    this.#writer.writePacketTs(0, pkb.buf.subarray(pkb.data, pkb.tail), ts.sec, ts.nsec);
  }

  /** Flushes and closes the file. */
  close(): void {
    this.#writer.close();
  }
}

/** The file name of a capture: `node-dev.pcapng`. */
export function captureFileName(node: string, dev: string): string {
  return `${node}-${dev}.pcapng`;
}
