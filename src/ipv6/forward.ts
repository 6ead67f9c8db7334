/**
 * Forwarding, after Linux net/ipv6/ip6_output.c ip6_forward and ip6_forward_finish (6.18).
 *
 * In order:
 * 1. Forwarding must be on: net.ipv6.conf.all.forwarding (the per-device `forwarding` only
 *    changes router behaviour), or force_forwarding on the input device. Otherwise
 *    Ip6InAddrErrors (IP_INADDRERRORS).
 * 2. Hop Limit 0 or 1: ICMPv6 Time Exceeded code 0 about the packet as received,
 *    Ip6InHdrErrors, dropped with IP_INHDR.
 * 3. Sources that do not identify one node (unspecified, multicast, loopback) are dropped with
 *    Ip6InAddrErrors (IP_INADDRERRORS); a link-local source gets Destination Unreachable code 2
 *    (beyond scope) first. Linux skips these checks when the packet leaves by the device it came
 *    in on (without a Routing header), where it would send a Redirect instead; redirects (NDISC)
 *    are not modelled, the packet is just forwarded.
 * 4. Ip6OutForwDatagrams (before the MTU check: Linux 6.18 counts a packet that then fails it).
 * 5. MTU: the output device's mtu6 (a route's MTU counts only when locked, which our FIB does
 *    not model), less the lwtunnel headroom, never below 1280. A longer packet gets Packet Too
 *    Big with that MTU, Ip6InTooBigErrors and Ip6FragFails, dropped with PKT_TOO_BIG.
 * 6. The Hop Limit is decremented in place (nothing else in the packet changes), then the
 *    output path (output.ts).
 * Router Alert packets go on as usual: no socket listens for them (ip6_call_ra_chain).
 */

import type { PacketBuffer } from '../net/packet-buffer.ts';
import {
  IPSTATS_MIB_FRAGFAILS,
  IPSTATS_MIB_INADDRERRORS,
  IPSTATS_MIB_INHDRERRORS,
  IPSTATS_MIB_INTOOBIGERRORS,
  IPSTATS_MIB_OUTFORWDATAGRAMS,
} from '../net/mib.ts';
import {
  SKB_DROP_REASON_IP_INADDRERRORS,
  SKB_DROP_REASON_IP_INHDR,
  SKB_DROP_REASON_NO_TX_TARGET,
  SKB_DROP_REASON_PKT_TOO_BIG,
} from '../uapi/dropreason.ts';
import {
  ICMPV6_DEST_UNREACH,
  ICMPV6_EXC_HOPLIMIT,
  ICMPV6_NOT_NEIGHBOUR,
  ICMPV6_PKT_TOOBIG,
  ICMPV6_TIME_EXCEED,
} from '../uapi/icmpv6.ts';
import { IPV6_MIN_MTU } from '../uapi/ipv6.ts';
import { IPV6_FIELD } from '../wire/ipv6.ts';
import type { Fib6Route } from './fib.ts';
import type { Ipv6Net } from './ipv6.ts';
import { addrIsLinkLocal, addrIsLoopback, addrIsMulticast, addrIsUnspecified } from './input.ts';
import { ip6DstOutput } from './output.ts';
import { verdictDrop, verdictIcmp } from './verdict.ts';

const F = IPV6_FIELD;
const ERR_ADDR = verdictDrop(SKB_DROP_REASON_IP_INADDRERRORS, IPSTATS_MIB_INADDRERRORS);

/** ip6_dst_mtu_maybe_forward(dst, true): the device's mtu6 less the encap headroom. */
export function ip6ForwardMtu(ip6: Ipv6Net, rt: Fib6Route): number {
  const mtu = ip6.devConf(rt.ifindex)?.mtu6 ?? IPV6_MIN_MTU;
  const headroom = rt.lwtstate !== undefined && ip6.lwtHeadroom !== null ? ip6.lwtHeadroom(rt, mtu) : 0;
  return mtu - headroom;
}

/** ip6_forward for `pkb` (network header at pkb.networkHeader) along unicast route `rt`. */
export function ip6Forward(ip6: Ipv6Net, pkb: PacketBuffer, rt: Fib6Route): number {
  const b = pkb.buf;
  const nh = pkb.networkHeader;
  const cb = ip6.cb;
  pkb.data = nh;
  const idev = ip6.inDevConf();
  if (ip6.addrconf.all.forwarding === 0 && (idev === undefined || idev.forceForwarding === 0)) return ERR_ADDR;
  const hopLimit = b[nh + F.HOP_LIMIT] ?? 0;
  if (hopLimit <= 1) {
    ip6.pendingIcmp.set(ICMPV6_TIME_EXCEED, ICMPV6_EXC_HOPLIMIT, 0);
    return verdictIcmp(SKB_DROP_REASON_IP_INHDR, IPSTATS_MIB_INHDRERRORS);
  }
  const dev = ip6.device(rt.ifindex);
  if (dev === undefined) return verdictDrop(SKB_DROP_REASON_NO_TX_TARGET);
  if (cb.iif !== dev.ifindex || cb.srcrt !== 0) {
    const src = nh + F.SRC_ADDR;
    if (addrIsUnspecified(b, src) || addrIsMulticast(b, src) || addrIsLoopback(b, src)) return ERR_ADDR;
    if (addrIsLinkLocal(b, src)) {
      ip6.pendingIcmp.set(ICMPV6_DEST_UNREACH, ICMPV6_NOT_NEIGHBOUR, 0);
      return verdictIcmp(SKB_DROP_REASON_IP_INADDRERRORS, IPSTATS_MIB_INADDRERRORS);
    }
  }
  // Counted before the MTU check, as a Linux 6.18 router does (a kernel comparison shows it).
  ip6.mib.inc(IPSTATS_MIB_OUTFORWDATAGRAMS);
  let mtu = ip6ForwardMtu(ip6, rt);
  if (mtu < IPV6_MIN_MTU) mtu = IPV6_MIN_MTU;
  if (pkb.tail - nh > mtu) {
    ip6.pendingIcmp.set(ICMPV6_PKT_TOOBIG, 0, mtu);
    ip6.mib.inc(IPSTATS_MIB_FRAGFAILS);
    return verdictIcmp(SKB_DROP_REASON_PKT_TOO_BIG, IPSTATS_MIB_INTOOBIGERRORS);
  }
  b[nh + F.HOP_LIMIT] = hopLimit - 1;
  return ip6DstOutput(ip6, pkb, rt, dev);
}
