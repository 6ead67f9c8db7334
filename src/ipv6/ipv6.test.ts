/**
 * The IPv6 pipeline in a three-node topology inside one Kernel:
 *
 *   A (a0 2001:db8:1::1/64) <-veth-> (r0 2001:db8:1::ff/64) R (r1 2001:db8:2::ff/64) <-veth-> (b0 2001:db8:2::1/64) B
 *
 * R forwards (net.ipv6.conf.all.forwarding = 1); A and B route everything to R's link. Tests
 * inject crafted packets into R's r0 (as if A had sent them) and capture what arrives on a0
 * (ICMPv6 errors back to A) and b0 (forwarded packets), byte for byte.
 */

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Kernel } from '../kernel.ts';
import { createVethPair } from '../net/device-kinds.ts';
import {
  ICMP6_MIB_CSUMERRORS,
  ICMP6_MIB_OUTMSGS,
  ICMP6_MIB_RATELIMITHOST,
  ICMP6_MIB_INMSGS,
  IPSTATS_MIB_FRAGFAILS,
  IPSTATS_MIB_INADDRERRORS,
  IPSTATS_MIB_INDELIVERS,
  IPSTATS_MIB_INHDRERRORS,
  IPSTATS_MIB_INNOROUTES,
  IPSTATS_MIB_INOCTETS,
  IPSTATS_MIB_INPKTS,
  IPSTATS_MIB_INTOOBIGERRORS,
  IPSTATS_MIB_INTRUNCATEDPKTS,
  IPSTATS_MIB_INUNKNOWNPROTOS,
  IPSTATS_MIB_NOECTPKTS,
  IPSTATS_MIB_OUTFORWDATAGRAMS,
  IPSTATS_MIB_OUTPKTS,
  IPSTATS_MIB_OUTREQUESTS,
} from '../net/mib.ts';
import type { Net } from '../net/net.ts';
import type { NetDevice } from '../net/netdevice.ts';
import { PacketBuffer } from '../net/packet-buffer.ts';
import {
  SKB_CONSUMED,
  SKB_DROP_REASON_DEV_READY,
  SKB_DROP_REASON_ICMP_CSUM,
  SKB_DROP_REASON_IP_INADDRERRORS,
  SKB_DROP_REASON_IP_INHDR,
  SKB_DROP_REASON_IP_INNOROUTES,
  SKB_DROP_REASON_IP_NOPROTO,
  SKB_DROP_REASON_NOT_SPECIFIED,
  SKB_DROP_REASON_PKT_TOO_BIG,
  SKB_DROP_REASON_PKT_TOO_SMALL,
  SKB_DROP_REASON_UNHANDLED_PROTO,
} from '../uapi/dropreason.ts';
import { IPV6_TLV_JUMBO } from '../uapi/in6.ts';
import { NEXTHDR_DEST, NEXTHDR_HOP, NEXTHDR_ICMP, NEXTHDR_NONE, NEXTHDR_ROUTING, NEXTHDR_UDP } from '../uapi/ipv6.ts';
import { parseIpv6Address } from '../wire/address.ts';
import { setU16 } from '../wire/bytes.ts';
import { type Icmpv6Repr, emitIcmpv6, icmpv6BufferLen, parseIcmpv6 } from '../wire/icmpv6.ts';
import { emitIpv6, parseIpv6 } from '../wire/ipv6.ts';
import { type Ipv6OptionRepr, emitIpv6Options, ipv6OptionsBufferLen } from '../wire/ipv6-options.ts';
import { type Ipv6RoutingRepr, emitIpv6Routing, ipv6RoutingBufferLen } from '../wire/ipv6-routing.ts';
import { NSEC_PER_MSEC } from '../time/clock.ts';
import { type Ipv6Net, StaticAddrconf, registerIpv6 } from './ipv6.ts';
import { devQueueXmit } from './output.ts';
import { verdictReason } from './verdict.ts';

function addr(text: string): Uint8Array {
  const a = parseIpv6Address(text);
  if (a === undefined) throw new Error(`bad address ${text}`);
  return a;
}

const A1 = addr('2001:db8:1::1');
const R1 = addr('2001:db8:1::ff');
const R2 = addr('2001:db8:2::ff');
const B1 = addr('2001:db8:2::1');

interface Node {
  readonly net: Net;
  readonly ip6: Ipv6Net;
  readonly ac: StaticAddrconf;
}

interface Topo {
  readonly kernel: Kernel;
  readonly a: Node;
  readonly r: Node;
  readonly b: Node;
  readonly a0: NetDevice;
  readonly r0: NetDevice;
  readonly r1: NetDevice;
  readonly b0: NetDevice;
  /** Packets that arrived on a0 / b0 (copies), instead of entering A's / B's stack. */
  readonly atA: Uint8Array[];
  readonly atB: Uint8Array[];
  /** Drops in R: [reason, device name]. */
  readonly drops: Array<[number, string]>;
}

function must<T>(r: { ok: true; value: T } | { ok: false; error: unknown }): T {
  if (!r.ok) throw new Error(`setup failed: ${JSON.stringify(r.error)}`);
  return r.value;
}

function topo(): Topo {
  const kernel = new Kernel({ dataPath: false });
  const reg = must(registerIpv6(kernel));
  const node = (name: string): Node => {
    const net = must(kernel.world.createNet(name));
    const ip6 = reg.get(net);
    assert.ok(ip6.addrconf instanceof StaticAddrconf);
    return { net, ip6, ac: ip6.addrconf };
  };
  const a = node('A');
  const r = node('R');
  const b = node('B');
  const table = (n: Node) => kernel.netdev.table(n.net);
  const p1 = must(createVethPair(table(r), 'r0', { peerName: 'a0', peerTable: table(a) }));
  const p2 = must(createVethPair(table(r), 'r1', { peerName: 'b0', peerTable: table(b) }));
  const [r0, a0, r1, b0] = [p1.dev, p1.peer, p2.dev, p2.peer];
  for (const [n, d] of [
    [r, r0],
    [a, a0],
    [r, r1],
    [b, b0],
  ] as const) {
    must(table(n).open(d));
  }
  a.ac.addAddress(a.ip6.fib, a0.ifindex, A1, 64);
  r.ac.addAddress(r.ip6.fib, r0.ifindex, R1, 64);
  r.ac.addAddress(r.ip6.fib, r1.ifindex, R2, 64);
  b.ac.addAddress(b.ip6.fib, b0.ifindex, B1, 64);
  must(a.ip6.fib.add({ dst: new Uint8Array(16), dstLen: 0, ifindex: a0.ifindex, gateway: R1 }, 0));
  must(b.ip6.fib.add({ dst: new Uint8Array(16), dstLen: 0, ifindex: b0.ifindex, gateway: R2 }, 0));
  r.ac.all.forwarding = 1;
  const atA: Uint8Array[] = [];
  const atB: Uint8Array[] = [];
  a0.receive = (_d, pkb) => void atA.push(pkb.bytes().slice());
  b0.receive = (_d, pkb) => void atB.push(pkb.bytes().slice());
  const drops: Array<[number, string]> = [];
  r.ip6.onDrop = (_p, reason, dev) => void drops.push([reason, dev?.name ?? '']);
  return { kernel, a, r, b, a0, r0, r1, b0, atA, atB, drops };
}

interface PacketSpec {
  readonly src?: Uint8Array;
  readonly dst?: Uint8Array;
  readonly hopLimit?: number;
  readonly nextHeader: number;
  readonly payload: Uint8Array;
  readonly trafficClass?: number;
  readonly flowLabel?: number;
}

/** An IPv6 packet built with the wire emitters. */
function packet(s: PacketSpec): Uint8Array {
  const out = new Uint8Array(40 + s.payload.length);
  emitIpv6(
    {
      trafficClass: s.trafficClass ?? 0,
      flowLabel: s.flowLabel ?? 0,
      payloadLength: s.payload.length,
      nextHeader: s.nextHeader,
      hopLimit: s.hopLimit ?? 64,
      src: s.src ?? A1,
      dst: s.dst ?? B1,
    },
    out,
  );
  out.set(s.payload, 40);
  return out;
}

function icmp(repr: Icmpv6Repr, src: Uint8Array, dst: Uint8Array): Uint8Array {
  const out = new Uint8Array(icmpv6BufferLen(repr));
  emitIcmpv6(repr, out, 0, { src, dst });
  return out;
}

function echoRequest(src: Uint8Array, dst: Uint8Array, hopLimit = 64, data = new Uint8Array([1, 2, 3, 4, 5])): Uint8Array {
  const payload = icmp({ kind: 'echo-request', code: 0, identifier: 0x1234, sequence: 7, data }, src, dst);
  return packet({ src, dst, hopLimit, nextHeader: NEXTHDR_ICMP, payload });
}

/** A UDP-looking payload (no UDP handler exists yet, so only for forwarding and errors). */
function udpPacket(len: number, over: Partial<PacketSpec> = {}): Uint8Array {
  const payload = new Uint8Array(len);
  for (let i = 0; i < len; i++) payload[i] = (i * 7) & 0xff;
  return packet({ nextHeader: NEXTHDR_UDP, payload, ...over });
}

/** A Hop-by-Hop (or Destination Options) header with `options`, then `rest`. */
function withOptions(nextHeader: number, options: readonly Ipv6OptionRepr[], rest: Uint8Array): Uint8Array {
  const repr = { nextHeader, options };
  const len = ipv6OptionsBufferLen(repr);
  const out = new Uint8Array(len + rest.length);
  emitIpv6Options(repr, out);
  out.set(rest, len);
  return out;
}

function withRouting(repr: Ipv6RoutingRepr, rest: Uint8Array): Uint8Array {
  const len = ipv6RoutingBufferLen(repr);
  const out = new Uint8Array(len + rest.length);
  emitIpv6Routing(repr, out);
  out.set(rest, len);
  return out;
}

function inject(t: Topo, bytes: Uint8Array, dev: NetDevice = t.r0): PacketBuffer {
  const pkb = PacketBuffer.from(bytes, 64, 0);
  const rx = dev.receive;
  assert.ok(rx !== null);
  rx(dev, pkb);
  return pkb;
}

function ip(n: Node, index: number): number {
  return n.ip6.mib.ip.get(index);
}

/** Parses an ICMPv6 message that came back to A, checking its IPv6 header and checksum. */
function icmpAtA(bytes: Uint8Array, src: Uint8Array): Icmpv6Repr {
  const h = parseIpv6(bytes);
  assert.ok(h.ok);
  assert.deepEqual(h.value.src, src);
  assert.deepEqual(h.value.dst, A1);
  assert.equal(h.value.nextHeader, NEXTHDR_ICMP);
  assert.equal(h.value.hopLimit, 64);
  assert.equal(h.value.trafficClass, 0);
  assert.equal(h.value.payloadLength, bytes.length - 40);
  const m = parseIcmpv6(bytes.subarray(40), { src, dst: A1 });
  assert.ok(m.ok, 'the ICMPv6 checksum verifies');
  return m.value;
}

test('a forwarded packet leaves with the hop limit decremented and nothing else changed', () => {
  const t = topo();
  const sent = udpPacket(100, { hopLimit: 9, trafficClass: 0xb9, flowLabel: 0xabcde });
  const pkb = inject(t, sent);
  assert.equal(t.atB.length, 1);
  const expected = sent.slice();
  expected[7] = 8;
  assert.deepEqual(t.atB[0], expected);
  assert.equal(t.atA.length, 0);
  assert.equal(pkb.dropReason, SKB_CONSUMED);
  assert.equal(ip(t.r, IPSTATS_MIB_INPKTS), 1);
  assert.equal(ip(t.r, IPSTATS_MIB_INOCTETS), sent.length);
  assert.equal(ip(t.r, IPSTATS_MIB_NOECTPKTS + 1), 1, 'ECN ECT(1) counted');
  assert.equal(ip(t.r, IPSTATS_MIB_OUTFORWDATAGRAMS), 1);
  assert.equal(ip(t.r, IPSTATS_MIB_OUTPKTS), 1);
  assert.equal(ip(t.r, IPSTATS_MIB_OUTREQUESTS), 0);
  assert.equal(ip(t.r, IPSTATS_MIB_INDELIVERS), 0);
  assert.equal(t.r1.stats.txPackets, 1);
  assert.equal(t.r1.stats.txBytes, sent.length);
  assert.equal(t.r0.stats.rxPackets, 1);
  assert.deepEqual(t.drops, []);
  assert.equal(ip(t.a, IPSTATS_MIB_INPKTS), 0, 'namespaces keep their own counters');
});

test('a packet forwarded through the whole topology reaches B\'s stack and is answered', () => {
  const t = topo();
  // Let A and B run their stacks: A sends an echo request to B through R.
  const aRx = t.atA;
  t.b0.receive = (d, pkb) => t.r.ip6.backlog.rx(d, pkb);
  t.a0.receive = (d, pkb) => {
    aRx.push(pkb.bytes().slice());
    t.r.ip6.backlog.rx(d, pkb);
  };
  const req = echoRequest(A1, B1, 64);
  const a0xmit = t.a0.xmit;
  assert.ok(a0xmit !== null);
  a0xmit(t.a0, PacketBuffer.from(req, 64));
  assert.equal(aRx.length, 1, 'the reply came back to A');
  const reply = aRx[0] as Uint8Array;
  const h = parseIpv6(reply);
  assert.ok(h.ok);
  assert.deepEqual(h.value.src, B1);
  assert.equal(h.value.hopLimit, 63, 'B sends with 64, R forwards with 63');
  const m = parseIcmpv6(reply.subarray(40), { src: B1, dst: A1 });
  assert.ok(m.ok);
  assert.deepEqual(m.value, { kind: 'echo-reply', code: 0, identifier: 0x1234, sequence: 7, data: new Uint8Array([1, 2, 3, 4, 5]) });
  assert.equal(ip(t.r, IPSTATS_MIB_OUTFORWDATAGRAMS), 2);
  assert.equal(ip(t.b, IPSTATS_MIB_INDELIVERS), 1);
  assert.equal(ip(t.b, IPSTATS_MIB_OUTREQUESTS), 1);
  assert.equal(ip(t.a, IPSTATS_MIB_INDELIVERS), 1);
  assert.equal(t.a.ip6.mib.icmp6msg.get(129), 1, 'A got Icmp6InEchoReplies');
});

test('hop limit 1: ICMPv6 Time Exceeded back to the source, exact bytes, IP_INHDR', () => {
  const t = topo();
  const sent = udpPacket(60, { hopLimit: 1 });
  const pkb = inject(t, sent);
  assert.equal(t.atB.length, 0);
  assert.equal(t.atA.length, 1);
  const got = t.atA[0] as Uint8Array;
  // The expected error: from R's address on the incoming link, quoting the packet as received.
  const body = icmp({ kind: 'time-exceeded', code: 0, unused: 0, invoking: sent }, R1, A1);
  assert.deepEqual(got, packet({ src: R1, dst: A1, nextHeader: NEXTHDR_ICMP, payload: body }));
  assert.deepEqual(icmpAtA(got, R1), { kind: 'time-exceeded', code: 0, unused: 0, invoking: sent });
  assert.equal(pkb.dropReason, SKB_DROP_REASON_IP_INHDR);
  assert.deepEqual(t.drops, [[SKB_DROP_REASON_IP_INHDR, 'r0']]);
  assert.equal(ip(t.r, IPSTATS_MIB_INHDRERRORS), 1);
  assert.equal(ip(t.r, IPSTATS_MIB_OUTFORWDATAGRAMS), 0);
  assert.equal(ip(t.r, IPSTATS_MIB_OUTREQUESTS), 1);
  assert.equal(t.r.ip6.icmp6.get(ICMP6_MIB_OUTMSGS), 1);
  assert.equal(t.r.ip6.mib.icmp6msg.get(0x100 + 3), 1, 'Icmp6OutTimeExcds');
});

test('too big for the next link: Packet Too Big with the MTU, the quote cut to 1280 bytes', () => {
  const t = topo();
  must(t.kernel.netdev.table(t.r.net).setMtu(t.r1, 1400));
  assert.equal(t.r.ip6.devConf(t.r1.ifindex)?.mtu6, 1400);
  const fits = udpPacket(1400 - 40);
  inject(t, fits);
  assert.equal(t.atB.length, 1, 'exactly the MTU passes');
  const sent = udpPacket(1401 - 40);
  const pkb = inject(t, sent);
  assert.equal(t.atB.length, 1);
  assert.equal(t.atA.length, 1);
  const got = t.atA[0] as Uint8Array;
  assert.equal(got.length, 1280);
  const m = icmpAtA(got, R1);
  assert.deepEqual(m, { kind: 'packet-too-big', code: 0, mtu: 1400, invoking: sent.subarray(0, 1232) });
  assert.equal(pkb.dropReason, SKB_DROP_REASON_PKT_TOO_BIG);
  assert.equal(ip(t.r, IPSTATS_MIB_INTOOBIGERRORS), 1);
  assert.equal(ip(t.r, IPSTATS_MIB_FRAGFAILS), 1);
  assert.equal(ip(t.r, IPSTATS_MIB_OUTFORWDATAGRAMS), 2, 'counted before the MTU check, as Linux 6.18');
  assert.equal(ip(t.r, IPSTATS_MIB_OUTPKTS), 2, 'the forwarded packet and the error');
  assert.equal(t.r.ip6.mib.icmp6msg.get(0x100 + 2), 1, 'Icmp6OutPktTooBigs');
});

test('an MTU below 1280 is raised to 1280 in Packet Too Big', () => {
  const t = topo();
  const c = t.r.ip6.devConf(t.r1.ifindex);
  assert.ok(c !== undefined);
  c.mtu6 = 1000;
  inject(t, udpPacket(1300));
  const m = icmpAtA(t.atA[0] as Uint8Array, R1);
  assert.equal(m.kind, 'packet-too-big');
  assert.equal(m.kind === 'packet-too-big' ? m.mtu : 0, 1280);
});

/** A packet with a Hop-by-Hop header holding one unknown option of `type` (4 data bytes). */
function hbhPacket(type: number, dst = B1): Uint8Array {
  const udp = new Uint8Array(16).fill(0x55);
  const hbh = withOptions(NEXTHDR_UDP, [{ kind: 'unknown', type, data: new Uint8Array([1, 2, 3, 4]) }], udp);
  return packet({ nextHeader: NEXTHDR_HOP, payload: hbh, dst });
}

test('unknown Hop-by-Hop options follow their action bits', async (s) => {
  await s.test('00: skipped, the packet is forwarded unchanged', () => {
    const t = topo();
    const sent = hbhPacket(0x1e);
    inject(t, sent);
    const expected = sent.slice();
    expected[7] = 63;
    assert.deepEqual(t.atB, [expected]);
  });
  await s.test('01: dropped silently, Ip6InHdrErrors, UNHANDLED_PROTO', () => {
    const t = topo();
    const pkb = inject(t, hbhPacket(0x5e));
    assert.equal(t.atA.length + t.atB.length, 0);
    assert.equal(pkb.dropReason, SKB_DROP_REASON_UNHANDLED_PROTO);
    assert.equal(ip(t.r, IPSTATS_MIB_INHDRERRORS), 1);
  });
  for (const type of [0x9e, 0xde]) {
    await s.test(`${type.toString(2).slice(0, 2)}: Parameter Problem code 2 pointing at the option`, () => {
      const t = topo();
      const sent = hbhPacket(type);
      const pkb = inject(t, sent);
      assert.equal(t.atB.length, 0);
      assert.equal(t.atA.length, 1);
      assert.deepEqual(icmpAtA(t.atA[0] as Uint8Array, R1), { kind: 'param-problem', code: 2, pointer: 42, invoking: sent });
      assert.equal(pkb.dropReason, SKB_DROP_REASON_UNHANDLED_PROTO);
      assert.equal(ip(t.r, IPSTATS_MIB_INHDRERRORS), 1);
      assert.equal(t.r.ip6.mib.icmp6msg.get(0x100 + 4), 1, 'Icmp6OutParmProblems');
    });
  }
  await s.test('11 to a multicast destination: dropped without an error', () => {
    const t = topo();
    const pkb = inject(t, hbhPacket(0xde, addr('ff0e::1')));
    assert.equal(t.atA.length, 0);
    assert.equal(pkb.dropReason, SKB_DROP_REASON_UNHANDLED_PROTO);
  });
  await s.test('10 to a multicast destination: the error is sent anyway, from a unicast address', () => {
    const t = topo();
    const sent = hbhPacket(0x9e, addr('ff0e::1'));
    inject(t, sent);
    assert.equal(t.atA.length, 1);
    assert.deepEqual(icmpAtA(t.atA[0] as Uint8Array, R1), { kind: 'param-problem', code: 2, pointer: 42, invoking: sent });
  });
  await s.test('negative max_hbh_opts_number: unknown options dropped silently', () => {
    const t = topo();
    must(t.r.net.sysctl.write('net.ipv6.max_hbh_opts_number', '-8'));
    const pkb = inject(t, hbhPacket(0x9e));
    assert.equal(t.atA.length, 0);
    assert.equal(pkb.dropReason, SKB_DROP_REASON_UNHANDLED_PROTO);
  });
});

test('Hop-by-Hop limits: option count, padding, header length', () => {
  const t = topo();
  const udp = new Uint8Array(8);
  const two = withOptions(
    NEXTHDR_UDP,
    [
      { kind: 'unknown', type: 0x1e, data: new Uint8Array(2) },
      { kind: 'unknown', type: 0x1f, data: new Uint8Array(0) },
    ],
    udp,
  );
  must(t.r.net.sysctl.write('net.ipv6.max_hbh_opts_number', '1'));
  let pkb = inject(t, packet({ nextHeader: NEXTHDR_HOP, payload: two }));
  assert.equal(pkb.dropReason, SKB_DROP_REASON_IP_INHDR);
  must(t.r.net.sysctl.write('net.ipv6.max_hbh_opts_number', '2'));
  inject(t, packet({ nextHeader: NEXTHDR_HOP, payload: two }));
  assert.equal(t.atB.length, 1);
  // Eight bytes of padding in a row (PadN of 6, then PadN of 2) is more than Linux accepts.
  const padded = withOptions(
    NEXTHDR_UDP,
    [
      { kind: 'padn', data: new Uint8Array(4) },
      { kind: 'padn', data: new Uint8Array(0) },
      { kind: 'unknown', type: 0x1e, data: new Uint8Array(4) },
    ],
    udp,
  );
  pkb = inject(t, packet({ nextHeader: NEXTHDR_HOP, payload: padded }));
  assert.equal(pkb.dropReason, SKB_DROP_REASON_IP_INHDR);
  must(t.r.net.sysctl.write('net.ipv6.max_hbh_length', '8'));
  const long = withOptions(NEXTHDR_UDP, [{ kind: 'unknown', type: 0x1e, data: new Uint8Array(12) }], udp);
  pkb = inject(t, packet({ nextHeader: NEXTHDR_HOP, payload: long }));
  assert.equal(pkb.dropReason, SKB_DROP_REASON_NOT_SPECIFIED);
  assert.equal(ip(t.r, IPSTATS_MIB_INHDRERRORS), 3);
});

test('Router Alert is accepted; a wrong length is an IP_INHDR drop', () => {
  const t = topo();
  const udp = new Uint8Array(8);
  inject(t, packet({ nextHeader: NEXTHDR_HOP, payload: withOptions(NEXTHDR_UDP, [{ kind: 'router-alert', value: 0 }, { kind: 'padn', data: new Uint8Array(0) }], udp) }));
  assert.equal(t.atB.length, 1);
  const bad = withOptions(NEXTHDR_UDP, [{ kind: 'unknown', type: 5, data: new Uint8Array(4) }], udp);
  const pkb = inject(t, packet({ nextHeader: NEXTHDR_HOP, payload: bad }));
  assert.equal(pkb.dropReason, SKB_DROP_REASON_IP_INHDR);
});

test('Jumbo Payload rules', () => {
  const t = topo();
  const udp = new Uint8Array(8);
  const jumbo = (len: number): Ipv6OptionRepr => ({ kind: 'unknown', type: IPV6_TLV_JUMBO, data: new Uint8Array([len >>> 24, (len >>> 16) & 0xff, (len >>> 8) & 0xff, len & 0xff]) });
  // A Payload Length with a Jumbo option: Parameter Problem code 0 at the option.
  const sent = packet({ nextHeader: NEXTHDR_HOP, payload: withOptions(NEXTHDR_UDP, [jumbo(70000)], udp) });
  let pkb = inject(t, sent);
  assert.deepEqual(icmpAtA(t.atA[0] as Uint8Array, R1), { kind: 'param-problem', code: 0, pointer: 42, invoking: sent });
  assert.equal(pkb.dropReason, SKB_DROP_REASON_IP_INHDR);
  // Payload Length 0 and a jumbo length <= 65535: the pointer is at the length field.
  const small = packet({ nextHeader: NEXTHDR_HOP, payload: withOptions(NEXTHDR_UDP, [jumbo(1000)], udp) });
  setU16(small, 4, 0);
  inject(t, small);
  const m = icmpAtA(t.atA[1] as Uint8Array, R1);
  assert.equal(m.kind === 'param-problem' ? m.pointer : -1, 44);
  // Payload Length 0, jumbo length past the end: PKT_TOO_SMALL.
  const cut = packet({ nextHeader: NEXTHDR_HOP, payload: withOptions(NEXTHDR_UDP, [jumbo(70000)], udp) });
  setU16(cut, 4, 0);
  pkb = inject(t, cut);
  assert.equal(pkb.dropReason, SKB_DROP_REASON_PKT_TOO_SMALL);
  assert.equal(t.atA.length, 2);
  assert.equal(ip(t.r, IPSTATS_MIB_INHDRERRORS), 3, 'each Hop-by-Hop failure counted once');
});

test('header checks of ip6_rcv_core', () => {
  const t = topo();
  const good = udpPacket(20);
  let pkb = inject(t, good.subarray(0, 50));
  assert.equal(pkb.dropReason, SKB_DROP_REASON_PKT_TOO_SMALL);
  assert.equal(ip(t.r, IPSTATS_MIB_INTRUNCATEDPKTS), 1);
  const v4 = good.slice();
  v4[0] = 0x45;
  pkb = inject(t, v4);
  assert.equal(ip(t.r, IPSTATS_MIB_INHDRERRORS), 1);
  pkb = inject(t, udpPacket(20, { src: addr('ff02::1') }));
  assert.equal(pkb.dropReason, SKB_DROP_REASON_IP_INHDR);
  pkb = inject(t, udpPacket(20, { dst: addr('::1') }));
  assert.equal(pkb.dropReason, SKB_DROP_REASON_IP_INHDR);
  pkb = inject(t, good.subarray(0, 39));
  assert.equal(pkb.dropReason, SKB_DROP_REASON_IP_INHDR);
  assert.equal(ip(t.r, IPSTATS_MIB_INHDRERRORS), 4);
  // Trailing bytes beyond Payload Length are cut before forwarding.
  const padded = new Uint8Array(good.length + 6);
  padded.set(good);
  inject(t, padded);
  assert.equal(t.atB[0]?.length, good.length);
  assert.equal(ip(t.r, IPSTATS_MIB_INPKTS), 6);
});

test('echo request to the router: echo reply, counters', () => {
  const t = topo();
  const req = echoRequest(A1, R1, 64, new Uint8Array(40).fill(0xa5));
  req[1] = (req[1] ?? 0) | 0x80; // traffic class 0x08: the reply echoes it
  const pkb = inject(t, req);
  assert.equal(pkb.dropReason, SKB_CONSUMED);
  assert.equal(t.atA.length, 1);
  const got = t.atA[0] as Uint8Array;
  const h = parseIpv6(got);
  assert.ok(h.ok);
  assert.deepEqual(h.value.src, R1);
  assert.equal(h.value.trafficClass, 0x08);
  assert.equal(h.value.hopLimit, 64);
  const m = parseIcmpv6(got.subarray(40), { src: R1, dst: A1 });
  assert.ok(m.ok);
  assert.deepEqual(m.value, { kind: 'echo-reply', code: 0, identifier: 0x1234, sequence: 7, data: new Uint8Array(40).fill(0xa5) });
  assert.equal(ip(t.r, IPSTATS_MIB_INDELIVERS), 1);
  assert.equal(ip(t.r, IPSTATS_MIB_OUTREQUESTS), 1);
  assert.equal(t.r.ip6.icmp6.get(ICMP6_MIB_INMSGS), 1);
  assert.equal(t.r.ip6.mib.icmp6msg.get(128), 1);
  assert.equal(t.r.ip6.mib.icmp6msg.get(0x100 + 129), 1);
  // R's other address answers too, from that address (it is local whichever link it came by).
  inject(t, echoRequest(A1, R2));
  const second = parseIpv6(t.atA[1] as Uint8Array);
  assert.ok(second.ok);
  assert.deepEqual(second.value.src, R2);
  // A bad checksum: counted, delivered (icmpv6_rcv returns 0), no reply.
  const bad = echoRequest(A1, R1);
  bad[42] = (bad[42] ?? 0) ^ 0xff;
  const p2 = inject(t, bad);
  assert.equal(t.atA.length, 2);
  assert.equal(p2.dropReason, SKB_DROP_REASON_ICMP_CSUM);
  assert.equal(t.r.ip6.icmp6.get(ICMP6_MIB_CSUMERRORS), 1);
  assert.equal(ip(t.r, IPSTATS_MIB_INDELIVERS), 3);
});

test('local delivery: unknown upper layer, extension header order, No Next Header', () => {
  const t = topo();
  const udp = udpPacket(12, { dst: R1 });
  let pkb = inject(t, udp);
  assert.deepEqual(icmpAtA(t.atA[0] as Uint8Array, R1), { kind: 'param-problem', code: 1, pointer: 6, invoking: udp });
  assert.equal(pkb.dropReason, SKB_DROP_REASON_IP_NOPROTO);
  assert.equal(ip(t.r, IPSTATS_MIB_INUNKNOWNPROTOS), 1);
  assert.equal(ip(t.r, IPSTATS_MIB_INDELIVERS), 0);
  // Destination Options, then a Hop-by-Hop header: not first, so no handler: code 1 at 40.
  const inner = withOptions(NEXTHDR_UDP, [{ kind: 'padn', data: new Uint8Array(4) }], new Uint8Array(8));
  const late = packet({ dst: R1, nextHeader: NEXTHDR_DEST, payload: withOptions(NEXTHDR_HOP, [{ kind: 'padn', data: new Uint8Array(4) }], inner) });
  pkb = inject(t, late);
  assert.deepEqual(icmpAtA(t.atA[1] as Uint8Array, R1), { kind: 'param-problem', code: 1, pointer: 40, invoking: late });
  // No Next Header: delivered (and freed), no error.
  pkb = inject(t, packet({ dst: R1, nextHeader: NEXTHDR_NONE, payload: new Uint8Array(0) }));
  assert.equal(pkb.dropReason, SKB_DROP_REASON_NOT_SPECIFIED);
  assert.equal(t.atA.length, 2);
  assert.equal(ip(t.r, IPSTATS_MIB_INDELIVERS), 1);
  // An unknown Destination option with action 10 at the final destination: code 2.
  const dopt = packet({ dst: R1, nextHeader: NEXTHDR_DEST, payload: withOptions(NEXTHDR_UDP, [{ kind: 'unknown', type: 0x8a, data: new Uint8Array(4) }], new Uint8Array(8)) });
  pkb = inject(t, dopt);
  assert.deepEqual(icmpAtA(t.atA[2] as Uint8Array, R1), { kind: 'param-problem', code: 2, pointer: 42, invoking: dopt });
  assert.equal(pkb.dropReason, SKB_DROP_REASON_UNHANDLED_PROTO);
});

test('no route: Destination Unreachable code 0 and Ip6InNoRoutes', () => {
  const t = topo();
  const sent = udpPacket(30, { dst: addr('2001:db8:99::1') });
  const pkb = inject(t, sent);
  assert.deepEqual(icmpAtA(t.atA[0] as Uint8Array, R1), { kind: 'dest-unreach', code: 0, unused: 0, invoking: sent });
  assert.equal(pkb.dropReason, SKB_DROP_REASON_IP_INNOROUTES);
  assert.equal(ip(t.r, IPSTATS_MIB_INNOROUTES), 1);
});

test('forwarding off, bad sources: Ip6InAddrErrors', () => {
  const t = topo();
  t.r.ac.all.forwarding = 0;
  let pkb = inject(t, udpPacket(10));
  assert.equal(pkb.dropReason, SKB_DROP_REASON_IP_INADDRERRORS);
  assert.equal(t.atA.length + t.atB.length, 0);
  const c = t.r.ip6.devConf(t.r0.ifindex);
  assert.ok(c !== undefined);
  c.forceForwarding = 1;
  inject(t, udpPacket(10));
  assert.equal(t.atB.length, 1, 'force_forwarding on the input device');
  pkb = inject(t, udpPacket(10, { src: new Uint8Array(16) }));
  assert.equal(pkb.dropReason, SKB_DROP_REASON_IP_INADDRERRORS);
  const ll = udpPacket(10, { src: addr('fe80::1') });
  pkb = inject(t, ll);
  assert.equal(pkb.dropReason, SKB_DROP_REASON_IP_INADDRERRORS);
  assert.equal(t.atB.length, 1);
  assert.equal(ip(t.r, IPSTATS_MIB_INADDRERRORS), 3);
});

test('Routing header: type 0 refused, type 4 steers to the next segment when seg6 is enabled', () => {
  const t = topo();
  const udp = new Uint8Array(8).fill(9);
  const rt0 = packet({ dst: R1, nextHeader: NEXTHDR_ROUTING, payload: withRouting({ kind: 'generic', nextHeader: NEXTHDR_UDP, routingType: 0, segmentsLeft: 1, data: new Uint8Array(4 + 16) }, udp) });
  let pkb = inject(t, rt0);
  assert.deepEqual(icmpAtA(t.atA[0] as Uint8Array, R1), { kind: 'param-problem', code: 0, pointer: 42, invoking: rt0 });
  assert.equal(pkb.dropReason, SKB_DROP_REASON_NOT_SPECIFIED);
  assert.equal(ip(t.r, IPSTATS_MIB_INHDRERRORS), 1);
  const srh = (left: number) =>
    packet({ dst: R1, nextHeader: NEXTHDR_ROUTING, payload: withRouting({ kind: 'srh', nextHeader: NEXTHDR_UDP, segmentsLeft: left, flags: 0, tag: 0, segments: [B1, R1], tlvs: [] }, udp) });
  pkb = inject(t, srh(1));
  assert.equal(pkb.dropReason, SKB_DROP_REASON_NOT_SPECIFIED, 'seg6_enabled is off by default');
  assert.equal(t.atB.length, 0);
  t.r.ac.all.seg6Enabled = 1;
  const c = t.r.ip6.devConf(t.r0.ifindex);
  assert.ok(c !== undefined);
  c.seg6Enabled = 1;
  const sent = srh(1);
  inject(t, sent);
  assert.equal(t.atB.length, 1);
  const expected = sent.slice();
  expected.set(B1, 24);
  expected[7] = 63;
  expected[40 + 3] = 0;
  assert.deepEqual(t.atB[0], expected);
  // Segments Left beyond the list: Parameter Problem at Segments Left.
  const over = srh(2);
  inject(t, over);
  assert.deepEqual(icmpAtA(t.atA[1] as Uint8Array, R1), { kind: 'param-problem', code: 0, pointer: 43, invoking: over });
});

test('ICMPv6 errors are rate limited per destination on the injected clock', () => {
  const t = topo();
  // ratelimit 100 ms = 100 jiffies; the route back is a /64, so 100 >> 2 = 25 per message,
  // with a burst of 6 messages.
  const send = (): void => void inject(t, udpPacket(10, { hopLimit: 1 }));
  for (let i = 0; i < 8; i++) send();
  assert.equal(t.atA.length, 6);
  assert.equal(t.r.ip6.icmp6.get(ICMP6_MIB_RATELIMITHOST), 2);
  t.kernel.world.advance(24 * NSEC_PER_MSEC);
  send();
  assert.equal(t.atA.length, 6);
  t.kernel.world.advance(1 * NSEC_PER_MSEC);
  send();
  assert.equal(t.atA.length, 7);
  assert.equal(ip(t.r, IPSTATS_MIB_INHDRERRORS), 10, 'every packet is still dropped and counted');
  // Packet Too Big is not in the default ratemask.
  const c = t.r.ip6.devConf(t.r1.ifindex);
  assert.ok(c !== undefined);
  c.mtu6 = 1280;
  for (let i = 0; i < 10; i++) inject(t, udpPacket(1300));
  assert.equal(t.atA.length, 17);
  // ratelimit 0: no limit.
  must(t.r.net.sysctl.write('net.ipv6.icmp.ratelimit', '0'));
  for (let i = 0; i < 10; i++) send();
  assert.equal(t.atA.length, 27);
});

test('two namespaces do not share option handlers or protocols', () => {
  const t = topo();
  const off = t.r.ip6.registerOption('hbh', 0x9e, () => 0);
  assert.ok(off !== undefined);
  assert.equal(t.r.ip6.registerOption('hbh', 0x9e, () => 0), undefined, 'one handler per type');
  inject(t, hbhPacket(0x9e));
  assert.equal(t.atB.length, 1, 'the handler accepted the option');
  assert.equal(t.a.ip6.hbhOptions[0x9e], undefined);
  off();
  inject(t, hbhPacket(0x9e));
  assert.equal(t.atA.length, 1);
});

test('SRH: a next segment that is ours again costs a hop; at hop limit 1 it is Time Exceeded', () => {
  const t = topo();
  t.r.ac.all.seg6Enabled = 1;
  const c = t.r.ip6.devConf(t.r0.ifindex);
  assert.ok(c !== undefined);
  c.seg6Enabled = 1;
  const srh = (hopLimit: number) =>
    packet({
      dst: R1,
      hopLimit,
      nextHeader: NEXTHDR_ROUTING,
      payload: withRouting({ kind: 'srh', nextHeader: NEXTHDR_NONE, segmentsLeft: 1, flags: 0, tag: 0, segments: [R2, R1], tlvs: [] }, new Uint8Array(0)),
    });
  let pkb = inject(t, srh(5));
  assert.equal(pkb.dropReason, SKB_DROP_REASON_NOT_SPECIFIED, 'No Next Header after the last segment');
  assert.equal(ip(t.r, IPSTATS_MIB_INDELIVERS), 1);
  assert.equal(pkb.buf[pkb.networkHeader + 7], 4, 'the hop limit was decremented in place');
  const sent = srh(1);
  pkb = inject(t, sent);
  const m = icmpAtA(t.atA[0] as Uint8Array, R2);
  assert.equal(m.kind, 'time-exceeded');
  assert.equal(ip(t.r, IPSTATS_MIB_INHDRERRORS), 1);
});

test('output: a device that is down drops with DEV_READY and tx_dropped; no route once it is down', () => {
  const t = topo();
  const pkb = PacketBuffer.from(udpPacket(10), 64);
  pkb.resetNetworkHeader();
  t.kernel.netdev.table(t.r.net).close(t.r1);
  const v = devQueueXmit(pkb, t.r1);
  assert.equal(verdictReason(v), SKB_DROP_REASON_DEV_READY);
  t.r.ip6.apply(pkb, v, t.r1);
  assert.equal(t.r1.stats.txDropped, 1);
  assert.equal(pkb.dropReason, SKB_DROP_REASON_DEV_READY);
  // Routing no longer offers the device (rt6_sync_down_dev), so forwarding finds no route.
  const p2 = inject(t, udpPacket(10));
  assert.equal(t.atB.length, 0);
  assert.equal(p2.dropReason, SKB_DROP_REASON_IP_INNOROUTES);
});

test('Destination Options limits at the final destination', () => {
  const t = topo();
  // `n` empty skippable options, then one more whose data fills the header to 8n bytes.
  const opts = (n: number) => {
    const used = 2 + 2 * n;
    const fill = (8 - ((used + 2) % 8)) % 8;
    const options: Ipv6OptionRepr[] = [];
    for (let i = 0; i < n; i++) options.push({ kind: 'unknown', type: 0x1e, data: new Uint8Array(0) });
    options.push({ kind: 'unknown', type: 0x1e, data: new Uint8Array(fill) });
    return packet({ dst: R1, nextHeader: NEXTHDR_DEST, payload: withOptions(NEXTHDR_NONE, options, new Uint8Array(0)) });
  };
  must(t.r.net.sysctl.write('net.ipv6.max_dst_opts_number', '2'));
  let pkb = inject(t, opts(1));
  assert.equal(pkb.dropReason, SKB_DROP_REASON_NOT_SPECIFIED, 'two options pass, then No Next Header');
  pkb = inject(t, opts(2));
  assert.equal(pkb.dropReason, SKB_DROP_REASON_IP_INHDR);
  assert.equal(ip(t.r, IPSTATS_MIB_INHDRERRORS), 1);
  must(t.r.net.sysctl.write('net.ipv6.max_dst_opts_length', '8'));
  pkb = inject(t, opts(4));
  assert.equal(pkb.dropReason, SKB_DROP_REASON_NOT_SPECIFIED);
  assert.equal(ip(t.r, IPSTATS_MIB_INHDRERRORS), 1, 'the length limit is not counted');
});

test('inDevConf is the input device\'s conf, looked up per packet: a reset (new packet) moves it', () => {
  const t = topo();
  const ip6 = t.r.ip6;
  ip6.cb.reset(t.r0.ifindex);
  const c0 = ip6.inDevConf();
  assert.ok(c0 !== undefined);
  assert.equal(c0, ip6.devConf(t.r0.ifindex));
  assert.equal(ip6.inDevConf(), c0);
  ip6.cb.reset(t.r1.ifindex);
  assert.equal(ip6.inDevConf(), ip6.devConf(t.r1.ifindex));
  assert.notEqual(ip6.inDevConf(), c0);
  ip6.cb.reset(9999);
  assert.equal(ip6.inDevConf(), undefined);
});
