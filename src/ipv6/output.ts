/**
 * Output, after Linux net/ipv6/ip6_output.c (6.18) and net/core/dev.c: dst_output with the
 * lwtunnel output redirect, ip6_output, ip6_finish_output (fragmentation when longer than the
 * route's MTU), ip6_finish_output2 (transmit counters) and __dev_queue_xmit (queue, driver).
 *
 * Hook slots on `Ipv6Net`:
 * - `lwtOutput` by encap type (LWTUNNEL_ENCAP_*): runs first for a route with lwtstate (IOAM
 *   inline/encap inserts its headers here); continue goes on to ip6_output;
 * - `fragment`: ip6_fragment for a packet longer than the MTU. Without it a received packet
 *   fails as ip6_fragment fails one it may not fragment (Packet Too Big with the MTU,
 *   Ip6FragFails), and a packet of ours is dropped with Ip6FragFails;
 * - `flowLabel` (ipv6.ts): the label of packets this node originates (`ip6LocalOut` callers).
 *
 * Counters: Ip6OutRequests for packets this node originates (ip6LocalOut), Ip6OutTransmits and
 * Ip6OutOctets for every packet handed to a device (Ip6OutMcastPkts / Octets too for multicast),
 * Ip6OutDiscards when the device has IPv6 disabled (IPV6DISABLED). A device that is down drops
 * with DEV_READY and tx_dropped (__dev_queue_xmit's -ENETDOWN); a full queue with QDISC_DROP.
 *
 * The device: noqueue kinds (loopback, veth, dummy) call the transmit slot directly; queued
 * kinds (tun) enqueue on `txq` (limit txqueuelen) and the queue is run at once (qdisc_run) while
 * the driver has not stopped it (a rate-limited simulator link does, until the wire is free).
 * Drivers count tx_packets / tx_bytes themselves, as Linux drivers do. Neighbour discovery and
 * link-layer headers are not modelled: devices carry the IPv6 packet as is.
 */

import type { NetDevice } from '../net/netdevice.ts';
import type { PacketBuffer } from '../net/packet-buffer.ts';
import {
  IPSTATS_MIB_FRAGFAILS,
  IPSTATS_MIB_OUTDISCARDS,
  IPSTATS_MIB_OUTMCASTOCTETS,
  IPSTATS_MIB_OUTMCASTPKTS,
  IPSTATS_MIB_OUTOCTETS,
  IPSTATS_MIB_OUTPKTS,
  IPSTATS_MIB_OUTREQUESTS,
} from '../net/mib.ts';
import {
  SKB_DROP_REASON_DEV_READY,
  SKB_DROP_REASON_IPV6DISABLED,
  SKB_DROP_REASON_NOT_SPECIFIED,
  SKB_DROP_REASON_NO_TX_TARGET,
  SKB_DROP_REASON_QDISC_DROP,
} from '../uapi/dropreason.ts';
import { ICMPV6_PKT_TOOBIG } from '../uapi/icmpv6.ts';
import { IFF_UP } from '../uapi/if.ts';
import { IPV6_MIN_MTU } from '../uapi/ipv6.ts';
import { IP6_MAX_MTU } from '../net/sysctl.ts';
import { IPV6_FIELD } from '../wire/ipv6.ts';
import type { Fib6Route } from './fib.ts';
import type { Ipv6Net } from './ipv6.ts';
import { addrIsMulticast } from './input.ts';
import { DEV_TX_DROPPED, VERDICT_CONSUMED, VERDICT_CONTINUE, verdictDrop, verdictIcmp } from './verdict.ts';

const F = IPV6_FIELD;

/** ip6_mtu / ip6_skb_dst_mtu: the route's MTU, else the device's mtu6, less encap headroom. */
export function ip6DstMtu(ip6: Ipv6Net, rt: Fib6Route, dev: NetDevice): number {
  return dstMtu(ip6, rt, rt.mtu !== 0 ? rt.mtu : (ip6.devConf(dev.ifindex)?.mtu6 ?? IPV6_MIN_MTU));
}

/** ip6DstMtu with the path MTU before clamping and headroom (`devMtu`) known already. */
function dstMtu(ip6: Ipv6Net, rt: Fib6Route, devMtu: number): number {
  let mtu = devMtu;
  if (mtu > IP6_MAX_MTU) mtu = IP6_MAX_MTU;
  const headroom = rt.lwtstate !== undefined && ip6.lwtHeadroom !== null ? ip6.lwtHeadroom(rt, mtu) : 0;
  return mtu - headroom;
}

/** ip6_local_out for a packet this node built: Ip6OutRequests, then dst_output. */
export function ip6LocalOut(ip6: Ipv6Net, pkb: PacketBuffer, rt: Fib6Route, dev: NetDevice): number {
  ip6.mib.inc(IPSTATS_MIB_OUTREQUESTS);
  return ip6DstOutput(ip6, pkb, rt, dev);
}

/** dst_output: the route's lwtunnel output first, then ip6_output. */
export function ip6DstOutput(ip6: Ipv6Net, pkb: PacketBuffer, rt: Fib6Route, dev: NetDevice): number {
  const lwt = rt.lwtstate;
  if (lwt !== undefined) {
    const hook = ip6.lwtOutput.get(lwt.type);
    if (hook !== undefined) {
      const v = hook(ip6, pkb, rt);
      if (v !== VERDICT_CONTINUE) return v;
    }
  }
  return ip6Output(ip6, pkb, rt, dev);
}

/** ip6_output + ip6_finish_output. */
export function ip6Output(ip6: Ipv6Net, pkb: PacketBuffer, rt: Fib6Route, dev: NetDevice): number {
  const idev = ip6.devConf(dev.ifindex);
  if (idev === undefined || idev.disableIpv6 !== 0) return verdictDrop(SKB_DROP_REASON_IPV6DISABLED, IPSTATS_MIB_OUTDISCARDS);
  // The device's conf serves both checks: one lookup per packet.
  const mtu = dstMtu(ip6, rt, rt.mtu !== 0 ? rt.mtu : idev.mtu6);
  if (pkb.tail - pkb.networkHeader > mtu) {
    if (ip6.fragment !== null) return ip6.fragment(ip6, pkb, rt, dev, mtu);
    // A packet of ours would be fragmented (ignore_df); without the hook it is only counted.
    if (pkb.ifindex === 0) return verdictDrop(SKB_DROP_REASON_NOT_SPECIFIED, IPSTATS_MIB_FRAGFAILS);
    ip6.pendingIcmp.set(ICMPV6_PKT_TOOBIG, 0, mtu);
    return verdictIcmp(SKB_DROP_REASON_NOT_SPECIFIED, IPSTATS_MIB_FRAGFAILS);
  }
  return ip6FinishOutput2(ip6, pkb, dev);
}

/** ip6_finish_output2: transmit counters, then the device. */
export function ip6FinishOutput2(ip6: Ipv6Net, pkb: PacketBuffer, dev: NetDevice): number {
  const len = pkb.tail - pkb.networkHeader;
  const mib = ip6.mib;
  if (addrIsMulticast(pkb.buf, pkb.networkHeader + F.DST_ADDR)) {
    mib.inc(IPSTATS_MIB_OUTMCASTPKTS);
    mib.add(IPSTATS_MIB_OUTMCASTOCTETS, len);
  }
  mib.inc(IPSTATS_MIB_OUTPKTS);
  mib.add(IPSTATS_MIB_OUTOCTETS, len);
  return devQueueXmit(pkb, dev);
}

const DROP_DOWN = verdictDrop(SKB_DROP_REASON_DEV_READY, undefined, DEV_TX_DROPPED);
const DROP_NO_XMIT = verdictDrop(SKB_DROP_REASON_NO_TX_TARGET, undefined, DEV_TX_DROPPED);
const DROP_QDISC = verdictDrop(SKB_DROP_REASON_QDISC_DROP);

/** __dev_queue_xmit: the packet from its network header to the device's transmit slot. */
export function devQueueXmit(pkb: PacketBuffer, dev: NetDevice): number {
  pkb.data = pkb.networkHeader;
  if (!(dev.flags & IFF_UP) || !dev.running) return DROP_DOWN;
  const xmit = dev.xmit;
  if (xmit === null) return DROP_NO_XMIT;
  if (dev.noQueue) {
    if (pkb.onTransmit !== null) pkb.onTransmit(pkb, dev);
    xmit(dev, pkb);
    return VERDICT_CONSUMED;
  }
  if (!dev.txq.enqueue(pkb)) return DROP_QDISC;
  // A driver that is busy (netif_stop_queue) leaves the rest queued until it wakes the queue.
  dev.qdiscRun();
  return VERDICT_CONSUMED;
}
