/**
 * Captures of simulated interfaces: one pcapng per captured `node:device`, holding every packet
 * the device transmitted (when its driver took it) and received (when it arrived from the
 * wire), like tcpdump on that interface, each with its direction in epb_flags (outbound or
 * inbound, as Wireshark shows it). Devices carry bare IPv6 packets, so the interface's link
 * type is LINKTYPE_RAW; time stamps are the virtual clock's wall time (ManualClock starts at
 * 2024-01-01T00:00:00Z) in nanoseconds, so the same run gives the same bytes.
 */

import type { ByteSink } from '../io/capture-file.ts';
import { PcapngWriter } from '../io/capture-file.ts';
import type { PacketBuffer } from '../net/packet-buffer.ts';
import type { Clock, Timespec64 } from '../time/clock.ts';
import { EPB_FLAGS_INBOUND, EPB_FLAGS_OUTBOUND, LINKTYPE_RAW } from '../uapi/pcap.ts';
import type { PacketTap } from './link.ts';

export class InterfaceCapture {
  readonly node: string;
  readonly dev: string;
  /** The tap for what the device transmits, and the one for what it receives. */
  readonly tx: PacketTap;
  readonly rx: PacketTap;
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
    this.tx = { packet: (pkb) => this.#write(pkb, EPB_FLAGS_OUTBOUND) };
    this.rx = { packet: (pkb) => this.#write(pkb, EPB_FLAGS_INBOUND) };
  }

  /** Packets written so far. */
  get packets(): number {
    return this.#writer.packets;
  }

  #write(pkb: PacketBuffer, flags: number): void {
    const ts = this.#clock.realtime(this.#ts);
    this.#writer.writePacketTs(0, pkb.buf.subarray(pkb.data, pkb.tail), ts.sec, ts.nsec, pkb.tail - pkb.data, undefined, flags);
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
