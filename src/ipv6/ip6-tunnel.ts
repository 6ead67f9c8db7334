/**
 * Decapsulation of IPv6-in-IPv6 (next header 41) at a tunnel end, after Linux 6.18
 * net/ipv6/tunnel6.c (tunnel6_rcv) and net/ipv6/ip6_tunnel.c (ip6ip6_rcv, ipxip6_rcv,
 * ip6_tnl_lookup, ip6_tnl_rcv_ctl, __ip6_tnl_rcv, ip6ip6_dscp_ecn_decapsulate). This is what
 * takes the IOAM encap (ioam6-lwt-output.ts) off at its tunnel destination: the kernel selftest
 * (tools/testing/selftests/net/ioam6.sh) brings the fallback device `ip6tnl0` up there, and
 * ip6_tnl_lookup hands every ip6ip6 packet no configured tunnel matches to that device.
 *
 * The fallback tunnel has three states per namespace (`Ip6TnlNet.fallback`):
 * - IP6TNL_ABSENT (the default): no ip6_tunnel module, as on our machines' kernel (built
 *   without CONFIG_IPV6_TUNNEL); next header 41 has no handler, so local delivery answers
 *   Parameter Problem code 1 (unknown next header) with Ip6InUnknownProtos;
 * - IP6TNL_DOWN: the module is loaded and ip6tnl0 is down: tunnel6_rcv finds no tunnel and
 *   answers Destination Unreachable code 4 (port unreachable); the packet counts as delivered;
 * - IP6TNL_UP: ip6tnl0 is up: the packet is decapsulated.
 * Decapsulation, in order: at least an IPv6 header after the outer headers (pskb_may_pull, else
 * dropped); ip6_tnl_rcv_ctl for the fallback (any local and remote address, decided per
 * packet): both outer addresses unicast or multicast, neither loopback, neither link-local,
 * the outer destination one of this node's addresses (or multicast), the outer source not one
 * of them, else dropped; the ECN of the outer header folded into the inner one (RFC 6040 via
 * INET_ECN_decapsulate: outer CE over a not-ECT inner packet drops it, outer CE over an ECT one
 * marks it CE); then the inner packet is received again through the backlog. Every outcome
 * counts Ip6InDelivers for the outer packet (tunnel6_rcv returns 0). DSCP is not copied (the
 * fallback has no IP6_TNL_F_RCV_DSCP_COPY).
 *
 * Where this differs from Linux: there is no `ip6tnl0` device, so `ip link` shows what a fresh
 * namespace shows on our machines (lo only); the state is set through `setFallback`, not `ip
 * link set ip6tnl0 up`. The inner packet is received again on the device the outer one came in
 * on (Linux: on ip6tnl0, counting its rx_packets / rx_bytes, and the inner packet's IP6CB
 * input interface is ip6tnl0), so that device counts it a second time. The ECN drop counts
 * no rx_frame_errors / rx_errors. The buffer is reused as the kernel reuses the skb (the outer
 * packet's verdict marks it consumed before the inner one is processed). Configured ip6ip6
 * tunnels (`ip -6 tunnel add`) and their transmit side are not modelled.
 */

import type { Net, World } from '../net/net.ts';
import type { PacketBuffer } from '../net/packet-buffer.ts';
import type { NetDevice } from '../net/netdevice.ts';
import type { PernetKey, PernetOperations } from '../net/pernet.ts';
import { SKB_DROP_REASON_NOT_SPECIFIED } from '../uapi/dropreason.ts';
import { ICMPV6_DEST_UNREACH, ICMPV6_PORT_UNREACH } from '../uapi/icmpv6.ts';
import { IPV6_HDR_LEN, NEXTHDR_IPV6 } from '../uapi/ipv6.ts';
import { type Result, ok } from '../wire/result.ts';
import { IPV6_FIELD } from '../wire/ipv6.ts';
import { ipv6ChkAddr } from './icmp.ts';
import { addrIsLinkLocal, addrIsLoopback, addrIsMulticast, addrIsUnspecified } from './input.ts';
import type { Inet6Protocol, Ipv6Net, Ipv6Registration } from './ipv6.ts';
import { VERDICT_CONSUMED, verdictDrop, verdictIcmp } from './verdict.ts';

const F = IPV6_FIELD;

/** No ip6_tunnel module: next header 41 is unknown. */
export const IP6TNL_ABSENT = 0;
/** The module is loaded, ip6tnl0 is down. */
export const IP6TNL_DOWN = 1;
/** ip6tnl0 is up: ip6ip6 packets are decapsulated. */
export const IP6TNL_UP = 2;
export type Ip6TnlFallback = typeof IP6TNL_ABSENT | typeof IP6TNL_DOWN | typeof IP6TNL_UP;

/** INET_ECN_* codepoints (the low two bits of the Traffic Class). */
const ECN_NOT_ECT = 0;
const ECN_CE = 3;
/** The ECN bits inside the header's second byte (Traffic Class bits 0-1 are its bits 4-5). */
const ECN_BYTE_SHIFT = 4;
const ECN_BYTE_MASK = 0x30;

const DROP = verdictDrop(SKB_DROP_REASON_NOT_SPECIFIED);

/** ipv6_addr_type(a) & (IPV6_ADDR_UNICAST | IPV6_ADDR_MULTICAST): not ::, not ::ffff:0:0/96. */
function addrIsUnicastOrMulticast(b: Uint8Array, o: number): boolean {
  if (addrIsUnspecified(b, o)) return false;
  for (let i = 0; i < 10; i++) if (b[o + i] !== 0) return true;
  return !(b[o + 10] === 0xff && b[o + 11] === 0xff);
}

/** The ip6ip6 receive side of one network namespace. */
export class Ip6TnlNet {
  readonly ip6: Ipv6Net;
  #fallback: Ip6TnlFallback = IP6TNL_ABSENT;
  /** tunnel6's inet6_protocol for next header 41, installed unless the module is absent. */
  readonly protocol: Inet6Protocol;

  constructor(ip6: Ipv6Net) {
    this.ip6 = ip6;
    this.protocol = { handler: (_ip6, pkb) => this.rcv(pkb), delivers: true };
  }

  get fallback(): Ip6TnlFallback {
    return this.#fallback;
  }

  /**
   * Loads or removes the module and sets ip6tnl0 up or down. False when another handler holds
   * next header 41 (nothing changes then).
   */
  setFallback(state: Ip6TnlFallback): boolean {
    const ip6 = this.ip6;
    const had = this.#fallback !== IP6TNL_ABSENT;
    const wants = state !== IP6TNL_ABSENT;
    if (wants && !had && !ip6.addProtocol(NEXTHDR_IPV6, this.protocol)) return false;
    if (!wants && had) ip6.delProtocol(NEXTHDR_IPV6, this.protocol);
    this.#fallback = state;
    return true;
  }

  /** tunnel6_rcv + ip6ip6_rcv for the inner header at pkb.transportHeader: a verdict. */
  rcv(pkb: PacketBuffer): number {
    const b = pkb.buf;
    const inner = pkb.transportHeader;
    if (pkb.tail - inner < IPV6_HDR_LEN) return DROP;
    if (this.#fallback !== IP6TNL_UP) {
      this.ip6.pendingIcmp.set(ICMPV6_DEST_UNREACH, ICMPV6_PORT_UNREACH, 0);
      return verdictIcmp(SKB_DROP_REASON_NOT_SPECIFIED);
    }
    const nh = pkb.networkHeader;
    if (!this.#rcvCtl(b, nh + F.DST_ADDR, nh + F.SRC_ADDR)) return DROP;
    const outerEcn = ((b[nh + 1] ?? 0) >>> ECN_BYTE_SHIFT) & 3;
    const innerEcn = ((b[inner + 1] ?? 0) >>> ECN_BYTE_SHIFT) & 3;
    if (outerEcn === ECN_CE) {
      if (innerEcn === ECN_NOT_ECT) return DROP;
      b[inner + 1] = (b[inner + 1] ?? 0) | ECN_BYTE_MASK;
    }
    const dev = pkb.dev as NetDevice | null;
    if (dev === null) return DROP;
    // __ip6_tnl_rcv: the inner packet from its header, without the outer route.
    pkb.data = inner;
    pkb.route = null;
    this.ip6.backlog.rx(dev, pkb);
    return VERDICT_CONSUMED;
  }

  /** ip6_tnl_rcv_ctl for the fallback tunnel (IP6_TNL_F_CAP_PER_PACKET, no link). */
  #rcvCtl(b: Uint8Array, laddr: number, raddr: number): boolean {
    if (!addrIsUnicastOrMulticast(b, laddr) || !addrIsUnicastOrMulticast(b, raddr)) return false;
    if (addrIsLoopback(b, laddr) || addrIsLoopback(b, raddr)) return false;
    if (addrIsLinkLocal(b, laddr) || addrIsLinkLocal(b, raddr)) return false;
    // CAP_RCV needs a unicast remote.
    if (addrIsMulticast(b, raddr)) return false;
    if (!addrIsMulticast(b, laddr) && !ipv6ChkAddr(this.ip6, b, laddr, 0)) return false;
    return !ipv6ChkAddr(this.ip6, b, raddr, 0);
  }
}

// ---------------------------------------------------------------------------------------------
// Registration

export interface Ip6TnlHost {
  readonly world: World;
  readonly ipv6: Ipv6Registration;
}

export class Ip6TnlRegistration {
  readonly key: PernetKey<Ip6TnlNet>;
  readonly ops: PernetOperations<Net, Ip6TnlNet>;

  constructor(key: PernetKey<Ip6TnlNet>, ops: PernetOperations<Net, Ip6TnlNet>) {
    this.key = key;
    this.ops = ops;
  }

  get(net: Net): Ip6TnlNet {
    return net.generic(this.key);
  }
}

/** The ip6ip6 receive side in every namespace (absent until `setFallback`). */
export function registerIp6Tunnel(host: Ip6TnlHost): Result<Ip6TnlRegistration, number> {
  const ops: PernetOperations<Net, Ip6TnlNet> = {
    name: 'ip6-tunnel',
    state: (net) => new Ip6TnlNet(host.ipv6.get(net)),
    exit: (_net, t) => {
      t.setFallback(IP6TNL_ABSENT);
    },
  };
  const key = host.world.pernet.registerSubsys(ops);
  if (!key.ok) return key;
  return ok(new Ip6TnlRegistration(key.value, ops));
}

export function unregisterIp6Tunnel(world: World, reg: Ip6TnlRegistration): boolean {
  return world.pernet.unregister(reg.ops);
}
