/**
 * The IPv6 pipeline against a real Linux router: the same crafted packets go into a kernel
 * namespace router (A -veth- R -veth- B, injected on A's end with an AF_PACKET socket, captured
 * on A's and B's ends) and into the same router in v6stack, built by `replay` from ip and sysctl
 * lines; what comes out must be the same bytes. ICMPv6 messages the router originates carry an automatic flow label on Linux (a hash
 * with a per-boot key, net.ipv6.auto_flowlabels), so flow labels of packets the router itself
 * sends are masked; forwarded packets are compared whole.
 */

import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Kernel } from '../../src/kernel.ts';
import type { Net } from '../../src/net/net.ts';
import { replay } from '../../src/sim/replay.ts';
import { NEXTHDR_HOP, NEXTHDR_ICMP, NEXTHDR_UDP } from '../../src/uapi/ipv6.ts';
import { parseIpv6Address } from '../../src/wire/address.ts';
import { fromHex, toHex } from '../../src/wire/bytes.ts';
import { emitIcmpv6, icmpv6BufferLen } from '../../src/wire/icmpv6.ts';
import { emitIpv6 } from '../../src/wire/ipv6.ts';
import { emitIpv6Options, ipv6OptionsBufferLen } from '../../src/wire/ipv6-options.ts';
import { SCAPY_PYTHON } from '../support/tools.ts';
import { PACKET_TOOL, Topology, collect, skipUnlessNetns } from './netns.ts';


function addr(text: string): Uint8Array {
  const a = parseIpv6Address(text);
  if (a === undefined) throw new Error(`bad address ${text}`);
  return a;
}

const A1 = addr('2001:db8:1::1');
const R1 = addr('2001:db8:1::ff');
const B1 = addr('2001:db8:2::1');

function packet(src: Uint8Array, dst: Uint8Array, nextHeader: number, payload: Uint8Array, hopLimit = 64, tc = 0, flow = 0): Uint8Array {
  const out = new Uint8Array(40 + payload.length);
  emitIpv6({ trafficClass: tc, flowLabel: flow, payloadLength: payload.length, nextHeader, hopLimit, src, dst }, out);
  out.set(payload, 40);
  return out;
}

function udp(len: number, hopLimit = 64, dst = B1): Uint8Array {
  const p = new Uint8Array(len);
  for (let i = 0; i < len; i++) p[i] = (i * 13) & 0xff;
  return packet(A1, dst, NEXTHDR_UDP, p, hopLimit, 0x20, 0x12345);
}

function hbh(type: number): Uint8Array {
  const rest = new Uint8Array(16).fill(0x66);
  const repr = { nextHeader: NEXTHDR_UDP, options: [{ kind: 'unknown' as const, type, data: new Uint8Array([1, 2, 3, 4]) }] };
  const len = ipv6OptionsBufferLen(repr);
  const p = new Uint8Array(len + rest.length);
  emitIpv6Options(repr, p);
  p.set(rest, len);
  return packet(A1, B1, NEXTHDR_HOP, p);
}

function echo(dst: Uint8Array): Uint8Array {
  const repr = { kind: 'echo-request' as const, code: 0, identifier: 0x4242, sequence: 3, data: new Uint8Array(24).fill(0x3c) };
  const p = new Uint8Array(icmpv6BufferLen(repr));
  emitIcmpv6(repr, p, 0, { src: A1, dst });
  return packet(A1, dst, NEXTHDR_ICMP, p, 64, 0x10);
}

/** An extension header with one PadN filling it (8 bytes), then `rest`. */
function padHeader(nextHeader: number, rest: Uint8Array): Uint8Array {
  const out = new Uint8Array(8 + rest.length);
  out[0] = nextHeader;
  out[2] = 1; // PadN
  out[3] = 4;
  out.set(rest, 8);
  return out;
}

/** The packets of the comparison, in order, and how many of each kind come out. */
function cases(): { packets: Uint8Array[]; toA: number; toB: number } {
  // Next header 253 (RFC 3692 experimentation): no handler on either side.
  const unknownTo = (dst: Uint8Array) => packet(A1, dst, 253, new Uint8Array(16).fill(7));
  const rt0 = new Uint8Array(24 + 8);
  rt0.set([NEXTHDR_UDP, 2, 0, 1], 0);
  rt0.set(B1, 8);
  // A Time Exceeded that itself runs out of hops: no error about an error.
  const teAboutTe = packet(A1, B1, NEXTHDR_ICMP, new Uint8Array([3, 0, 0, 0, 0, 0, 0, 0]), 1);
  const jumbo = new Uint8Array(8 + 8);
  jumbo.set([NEXTHDR_UDP, 0, 0xc2, 4, 0, 1, 0x11, 0x70], 0);
  const llSrc = packet(addr('fe80::1'), B1, NEXTHDR_UDP, new Uint8Array(8));
  const srh = (segments: readonly Uint8Array[], left: number, next: number): Uint8Array => {
    const h = new Uint8Array(8 + 16 * segments.length + 8);
    h.set([next, 2 * segments.length, 4, left, segments.length - 1, 0, 0, 0], 0);
    segments.forEach((seg, i) => h.set(seg, 8 + 16 * i));
    h.fill(0x99, 8 + 16 * segments.length);
    return packet(A1, R1, 43, h);
  };
  return {
    packets: [
      udp(100, 9),
      udp(60, 1),
      udp(1401 - 40, 64),
      hbh(0x1e),
      hbh(0x5e),
      hbh(0x9e),
      hbh(0xde),
      echo(R1),
      udp(30, 64, addr('2001:db8:99::1')),
      unknownTo(R1),
      packet(A1, R1, 43, rt0),
      packet(A1, R1, 60, padHeader(0, padHeader(NEXTHDR_UDP, new Uint8Array(8)))),
      packet(A1, B1, NEXTHDR_HOP, jumbo),
      llSrc,
      teAboutTe,
      packet(A1, B1, 60, padHeader(NEXTHDR_UDP, new Uint8Array(8)), 2),
      // Segment routing (seg6_enabled on): steered to B; through R's other address back to R
      // (one more hop, then an unknown next header); Segments Left past the list.
      srh([B1, R1], 1, NEXTHDR_UDP),
      srh([R2, R1], 1, 253),
      srh([B1, R1], 2, NEXTHDR_UDP),
    ],
    // TE, PTB, 2 x PP code 2, echo reply, DU no route, PP code 1, PP code 0 (type 0), PP code 1
    // (Hop-by-Hop not first), PP code 0 (jumbo); nothing about an ICMPv6 error; Destination
    // Unreachable (beyond scope) to the link-local source, from R's link-local address (R has a
    // permanent neighbour fe80::1, else Linux would wait for it forever and v6stack, which has
    // no neighbour discovery, would send at once). Then PP code 1 after the looped segment and
    // PP code 0 at Segments Left.
    toA: 13,
    // The plain packet, the skippable option, the Destination Options packet, the SRH packet.
    toB: 4,
  };
}

const R2 = addr('2001:db8:2::ff');

/** Clears the flow label of packets R originated (from R1, R2 or R's link-local address). */
function maskOwn(p: Uint8Array): string {
  const c = p.slice();
  const from = (a: Uint8Array): boolean => a.every((x, i) => c[8 + i] === x);
  if (from(R1) || from(R2) || (c[8] === 0xfe && ((c[9] ?? 0) & 0xc0) === 0x80)) {
    c[1] = (c[1] ?? 0) & 0xf0;
    c[2] = 0;
    c[3] = 0;
  }
  return toHex(c);
}

/** Packets of interest: not neighbour discovery, router solicitation or MLD. */
function interesting(p: Uint8Array): boolean {
  if (p.length < 41 || p[0] === undefined || p[0] >>> 4 !== 6) return false;
  if (p[6] !== NEXTHDR_ICMP && p[6] !== 0) return true;
  if (p[6] === 0) {
    // MLD reports ride in a Hop-by-Hop header with Router Alert.
    return p[40] !== NEXTHDR_ICMP;
  }
  const type = p[40] ?? 0;
  return !(type >= 133 && type <= 137) && type !== 143 && type !== 131 && type !== 130;
}

/**
 * Counters the background traffic of a fresh namespace (MLD reports, router solicitations) does
 * not touch, compared between R and our R.
 */
const COUNTERS = [
  'Ip6InHdrErrors',
  'Ip6InTooBigErrors',
  'Ip6InNoRoutes',
  'Ip6InAddrErrors',
  'Ip6InUnknownProtos',
  'Ip6InTruncatedPkts',
  'Ip6InDiscards',
  'Ip6OutForwDatagrams',
  'Ip6FragFails',
  'Icmp6InEchos',
  'Icmp6OutTimeExcds',
  'Icmp6OutParmProblems',
  'Icmp6OutPktTooBigs',
  'Icmp6OutEchoReplies',
  'Icmp6OutDestUnreachs',
] as const;

function counters(snapshot: Iterable<readonly [string, number]>): Map<string, number> {
  return new Map([...snapshot].filter(([n]) => (COUNTERS as readonly string[]).includes(n)));
}

/** /proc/net/snmp6 of a kernel namespace. */
function procSnmp6(text: string): Map<string, number> {
  return counters(
    text
      .split('\n')
      .map((l) => l.trim().split(/\s+/))
      .filter((f) => f.length === 2)
      .map(([n, v]) => [n ?? '', Number(v)] as const),
  );
}

/**
 * Our side: R alone, built by replay from ip and sysctl lines; its two ends are dummies, whose
 * transmissions replay records (r0 towards A, r1 towards B). r0 takes the kernel's r0 MAC, so
 * both derive the same link-local address.
 */
const ourR = (r0Mac: string): string => `
ip link set lo up
ip link add r0 type dummy
ip link add r1 type dummy
ip link set r0 address ${r0Mac}
ip link set r0 up
ip link set r1 up
ip link set r1 mtu 1400
ip -6 addr add 2001:db8:1::ff/64 dev r0
ip -6 addr add 2001:db8:2::ff/64 dev r1
sysctl -w net.ipv6.conf.all.forwarding=1 net.ipv6.icmp.ratelimit=0
`;

/** seg6_enabled on `all` and r0: not a v6stack sysctl yet, so set in the devconf directly. */
function enableSeg6(kernel: Kernel, net: Net): void {
  const ip6 = kernel.ipv6?.get(net);
  const r0 = kernel.netdev.table(net).getByName('r0');
  assert.ok(ip6 !== undefined && r0 !== undefined);
  ip6.addrconf.all.seg6Enabled = 1;
  const conf = ip6.devConf(r0.ifindex);
  assert.ok(conf !== undefined);
  conf.seg6Enabled = 1;
}

async function ours(packets: readonly Uint8Array[], r0Mac: string): Promise<{ atA: string[]; atB: string[]; counters: Map<string, number> }> {
  const r = await replay({ setup: ourR(r0Mac), ingress: 'r0', packets: packets.map((data, i) => ({ data, tsNs: BigInt(i) * 50_000_000n })), prepare: enableSeg6 });
  assert.ok(r.ok, r.ok ? '' : r.error.message);
  const sent = (dev: string) => (r.value.outputs.get(dev) ?? []).map((p) => maskOwn(p.data));
  return { atA: sent('r0'), atB: sent('r1'), counters: counters(r.value.net.mib.snapshot()) };
}

test('forwarding, ICMPv6 errors and echo replies match a Linux router byte for byte', { skip: skipUnlessNetns() }, async () => {
  const t = new Topology('fw');
  try {
    for (const n of ['a', 'r', 'b']) {
      t.addNamespace(n);
      t.sysctl(n, 'net.ipv6.conf.all.accept_dad=0', 'net.ipv6.conf.default.accept_dad=0');
    }
    t.link('r', 'r0', 'a', 'a0');
    t.link('r', 'r1', 'b', 'b0');
    t.sysctl('r', 'net.ipv6.conf.all.forwarding=1', 'net.ipv6.icmp.ratelimit=0', 'net.ipv6.conf.all.seg6_enabled=1', 'net.ipv6.conf.r0.seg6_enabled=1');
    t.inNs('r', 'ip', 'link', 'set', 'r1', 'mtu', '1400');
    t.inNs('a', 'ip', '-6', 'addr', 'add', '2001:db8:1::1/64', 'dev', 'a0', 'nodad');
    t.inNs('r', 'ip', '-6', 'addr', 'add', '2001:db8:1::ff/64', 'dev', 'r0', 'nodad');
    t.inNs('r', 'ip', '-6', 'addr', 'add', '2001:db8:2::ff/64', 'dev', 'r1', 'nodad');
    t.inNs('b', 'ip', '-6', 'addr', 'add', '2001:db8:2::1/64', 'dev', 'b0', 'nodad');
    // Permanent neighbours: nothing waits in a neighbour queue, no solicitation in between.
    t.neighbour('r', 'r0', '2001:db8:1::1', 'a', 'a0');
    t.neighbour('r', 'r1', '2001:db8:2::1', 'b', 'b0');
    t.neighbour('r', 'r0', 'fe80::1', 'a', 'a0');
    const mac = t.mac('r', 'r0');
    const capA = t.spawnInNs('a', SCAPY_PYTHON, PACKET_TOOL, 'cap', 'a0', '4');
    const capB = t.spawnInNs('b', SCAPY_PYTHON, PACKET_TOOL, 'cap', 'b0', '4');
    const doneA = collect(capA);
    const doneB = collect(capB);
    await new Promise((r) => setTimeout(r, 500));
    const { packets, toA, toB } = cases();
    const before = procSnmp6(t.inNs('r', 'cat', '/proc/net/snmp6'));
    t.inNs('a', SCAPY_PYTHON, PACKET_TOOL, 'inject', 'a0', mac, ...packets.map(toHex));
    const [ra, rb] = await Promise.all([doneA, doneB]);
    const after = procSnmp6(t.inNs('r', 'cat', '/proc/net/snmp6'));
    const lines = (s: string) =>
      s
        .split('\n')
        .filter((l) => l !== '' && l !== 'ready')
        .map((l) => fromHex(l))
        .filter(interesting)
        .map(maskOwn);
    const kernelA = lines(ra.stdout);
    const kernelB = lines(rb.stdout);
    const us = await ours(packets, mac);
    assert.equal(kernelB.length, toB, `the kernel forwarded ${kernelB.length} packets`);
    assert.equal(kernelA.length, toA, `the kernel sent ${kernelA.length} packets back`);
    assert.deepEqual(us.atB, kernelB);
    assert.deepEqual(us.atA, kernelA);
    const delta = new Map([...after].map(([n, v]) => [n, v - (before.get(n) ?? 0)]));
    assert.deepEqual(us.counters, delta);
  } finally {
    t.destroy();
  }
});
