/**
 * Pipeline verdicts (STYLE.md pattern 7) and the one place that turns them into counters.
 *
 * Every stage of the IPv6 pipeline (input, extension headers, forward, output, ICMPv6) returns a
 * verdict: continue, consumed, drop(reason, counter) or icmp(reason, counter). A verdict is one
 * number, so returning it allocates nothing:
 *
 *   bits 0-1   kind (CONTINUE, CONSUMED, DROP, ICMP)
 *   bits 2-7   the IPSTATS_MIB_* counter to bump (MIB_NONE: none), as Linux's __IP6_INC_STATS
 *              call beside the kfree_skb_reason
 *   bits 8-9   the device counter to bump (rx_dropped, tx_dropped), for drops the driver or the
 *              core device layer counts
 *   bits 10-   the SKB_DROP_REASON_* value (uapi/dropreason.ts)
 *
 * An ICMP verdict means "send this ICMPv6 error about the packet, then drop it": the stage puts
 * type, code and info in the namespace's `PendingIcmp` slot before returning (Linux calls
 * icmpv6_send and then kfree_skb_reason at the same spot). `applyVerdict` is the single function
 * that reads a verdict: it bumps the IPv6 MIB counter and the device counter, sends the pending
 * error, marks the buffer with its drop reason and reports the drop to the namespace's observer
 * (our kfree_skb tracepoint).
 */

import type { NetDevice } from '../net/netdevice.ts';
import type { PacketBuffer } from '../net/packet-buffer.ts';
import { SKB_CONSUMED, SKB_NOT_DROPPED_YET } from '../uapi/dropreason.ts';

export const KIND_CONTINUE = 0;
export const KIND_CONSUMED = 1;
export const KIND_DROP = 2;
export const KIND_ICMP = 3;

/** No IPSTATS counter goes with this verdict. */
export const MIB_NONE = 63;

export const DEV_NONE = 0;
/** dev->stats.rx_dropped (core_stats). */
export const DEV_RX_DROPPED = 1;
/** dev->stats.tx_dropped (core_stats). */
export const DEV_TX_DROPPED = 2;

const KIND_MASK = 0x3;
const MIB_SHIFT = 2;
const MIB_MASK = 0x3f;
const DEV_SHIFT = 8;
const DEV_MASK = 0x3;
const REASON_SHIFT = 10;

/** The stage is done with the packet and the next one goes on. */
export const VERDICT_CONTINUE = KIND_CONTINUE;
/** The packet was used up (delivered, queued, transmitted): not a drop. */
export const VERDICT_CONSUMED = KIND_CONSUMED;

/** drop(reason): freed with `reason`, bumping IPSTATS counter `mib` and device counter `dev`. */
export function verdictDrop(reason: number, mib: number = MIB_NONE, dev: number = DEV_NONE): number {
  return KIND_DROP | (mib << MIB_SHIFT) | (dev << DEV_SHIFT) | (reason << REASON_SHIFT);
}

/** icmp(reason): the pending ICMPv6 error is sent, then the packet is dropped as verdictDrop. */
export function verdictIcmp(reason: number, mib: number = MIB_NONE): number {
  return KIND_ICMP | (mib << MIB_SHIFT) | (reason << REASON_SHIFT);
}

export function verdictKind(v: number): number {
  return v & KIND_MASK;
}

export function verdictMib(v: number): number {
  return (v >>> MIB_SHIFT) & MIB_MASK;
}

export function verdictDev(v: number): number {
  return (v >>> DEV_SHIFT) & DEV_MASK;
}

export function verdictReason(v: number): number {
  return v >>> REASON_SHIFT;
}

/** True for drop and icmp verdicts. */
export function isDrop(v: number): boolean {
  return (v & KIND_MASK) >= KIND_DROP;
}

/** The ICMPv6 error a stage asks for with an ICMP verdict (one per namespace, reused). */
export class PendingIcmp {
  type = 0;
  code = 0;
  /** The 32-bit field after the checksum: MTU, pointer or 0. */
  info = 0;

  set(type: number, code: number, info: number): void {
    this.type = type;
    this.code = code;
    this.info = info >>> 0;
  }
}

/** A drop as the observer sees it (kfree_skb tracepoint): where, and why. */
export type DropObserver = (pkb: PacketBuffer, reason: number, dev: NetDevice | null) => void;

/** What applyVerdict needs from the namespace's IPv6 state. */
export interface VerdictSink {
  readonly mib: { inc(index: number): void };
  readonly pendingIcmp: PendingIcmp;
  /** Sends the pending ICMPv6 error about `pkb` (icmp6_send). */
  sendPendingIcmp(pkb: PacketBuffer): void;
  /** The drop observer, or null. */
  onDrop: DropObserver | null;
}

/**
 * Applies a verdict to `pkb`: counters, pending ICMPv6 error, drop reason. `dev` is the device
 * whose rx/tx drop counter a device-level drop bumps. Returns the verdict's kind.
 */
export function applyVerdict(sink: VerdictSink, pkb: PacketBuffer, v: number, dev: NetDevice | null): number {
  const kind = v & KIND_MASK;
  if (kind === KIND_CONTINUE) return kind;
  if (kind === KIND_CONSUMED) {
    if (pkb.dropReason === SKB_NOT_DROPPED_YET) pkb.dropReason = SKB_CONSUMED;
    return kind;
  }
  const mib = (v >>> MIB_SHIFT) & MIB_MASK;
  if (mib !== MIB_NONE) sink.mib.inc(mib);
  const d = (v >>> DEV_SHIFT) & DEV_MASK;
  if (dev !== null) {
    if (d === DEV_RX_DROPPED) dev.stats.rxDropped++;
    else if (d === DEV_TX_DROPPED) dev.stats.txDropped++;
  }
  if (kind === KIND_ICMP) sink.sendPendingIcmp(pkb);
  const reason = v >>> REASON_SHIFT;
  pkb.drop(reason);
  const observer = sink.onDrop;
  if (observer !== null) observer(pkb, reason, dev);
  return kind;
}

/** `v` with its IPSTATS counter replaced by `mib` (a caller that counts the failure itself). */
export function withMib(v: number, mib: number): number {
  if ((v & KIND_MASK) < KIND_DROP) return v;
  return (v & ~(MIB_MASK << MIB_SHIFT)) | (mib << MIB_SHIFT);
}
