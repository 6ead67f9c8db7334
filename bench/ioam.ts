/**
 * Issue 5's benchmark: the cost of IOAM on a transit node and on an encapsulating node. Every
 * case runs through the same kind of node (bench/transit-rig.ts: a Kernel configured with `ip`
 * and `sysctl`), in one process, in interleaved rounds, best round of each:
 * - baseline: plain forwarding of 100-byte UDP packets;
 * - transit 0xf00000: the packet carries a Hop-by-Hop Pre-allocated Trace (hop limit + node id,
 *   ingress/egress ids, timestamp seconds, sub-seconds: 16 octets per node, room for 8 nodes)
 *   and R, with ioam6_enabled on r0 and namespace 123 configured, fills its entry;
 * - transit 0xfff002: every field Linux fills, wide ones too, and the Opaque State Snapshot with
 *   a 12-octet schema (a 76-octet entry per node, room for 2 nodes);
 * - encap: a plain packet; R's route adds an outer IPv6 header with a 0xf00000 trace of 8 nodes
 *   (`encap ioam6 mode encap`) and fills its own entry.
 * The template is copied into the buffer for every packet in every case (RemainingLen starts
 * full each time), so the ratios compare the IOAM work and the larger packets only.
 */

import { fmtRate } from './measure.ts';
import type { Bench } from './run.ts';
import { addr, transitRig, type TransitRig } from './transit-rig.ts';
import { emitIpv6 } from '../src/wire/ipv6.ts';
import { traceNodeLen } from '../src/wire/ioam-trace.ts';
import { NEXTHDR_HOP, NEXTHDR_UDP } from '../src/uapi/ipv6.ts';

const UDP_LEN = 60;
const ROUNDS = 4;
const NS = 123;

/** IPv6 + Hop-by-Hop (PadN, IOAM Pre-allocated Trace of `size` octets) + 60 octets of UDP. */
function ioamPacket(type: number, size: number): Uint8Array {
  const optLen = 2 + 8 + size;
  const hbhLen = 2 + 2 + 2 + optLen;
  if (hbhLen % 8 !== 0) throw new Error(`trace size ${size} does not make a whole Hop-by-Hop header`);
  const out = new Uint8Array(40 + hbhLen + UDP_LEN);
  emitIpv6({ trafficClass: 0, flowLabel: 0, payloadLength: hbhLen + UDP_LEN, nextHeader: NEXTHDR_HOP, hopLimit: 64, src: addr('2001:db8:1::1'), dst: addr('2001:db8:2::1') }, out);
  const h = 40;
  out[h] = NEXTHDR_UDP;
  out[h + 1] = hbhLen / 8 - 1;
  out[h + 2] = 1; // PadN(0): puts the trace data on a 4-octet boundary, as ioam6_iptunnel does
  out[h + 4] = 0x31;
  out[h + 5] = optLen;
  out[h + 8] = NS >> 8;
  out[h + 9] = NS & 0xff;
  out[h + 10] = traceNodeLen(type) << 3;
  out[h + 11] = size / 4;
  out[h + 12] = (type >> 16) & 0xff;
  out[h + 13] = (type >> 8) & 0xff;
  out[h + 14] = type & 0xff;
  udp(out, 40 + hbhLen);
  return out;
}

function plainPacket(): Uint8Array {
  const out = new Uint8Array(40 + UDP_LEN);
  emitIpv6({ trafficClass: 0, flowLabel: 0, payloadLength: UDP_LEN, nextHeader: NEXTHDR_UDP, hopLimit: 64, src: addr('2001:db8:1::1'), dst: addr('2001:db8:2::1') }, out);
  udp(out, 40);
  return out;
}

/** A UDP header (ports 5000 -> 6000, checksum left 0: nobody checks it on the way). */
function udp(b: Uint8Array, o: number): void {
  b[o] = 0x13;
  b[o + 1] = 0x88;
  b[o + 2] = 0x17;
  b[o + 3] = 0x70;
  b[o + 5] = UDP_LEN;
}

const IOAM_NODE = {
  sysctl: [
    ['net.ipv6.conf.r0.ioam6_enabled', '1'],
    ['net.ipv6.ioam6_id', '1'],
    ['net.ipv6.conf.r0.ioam6_id', '11'],
    ['net.ipv6.conf.r1.ioam6_id', '12'],
  ] as const,
  ip: [`ioam namespace add ${NS} data 0xdeadbeef wide 0xcafec0caf00dc0de`, 'ioam schema add 7 twelve-bytes', `ioam namespace set ${NS} schema 7`],
};

interface Case {
  readonly name: string;
  readonly rig: TransitRig;
  readonly packet: Uint8Array;
  /** What B must see: the packet's length, and a check of its bytes. */
  readonly check: (b: Uint8Array) => string | undefined;
}

/** An 0xfff002 entry: NodeLen octets, then the snapshot's schema word and its 12 octets of data. */
const FULL_ENTRY = traceNodeLen(0xfff002) * 4 + 4 + 12;

/** RemainingLen of the trace at `off` of `b`, in octets. */
function remainingOctets(b: Uint8Array, traceOff: number): number {
  return ((b[traceOff + 3] ?? 0) & 0x7f) * 4;
}

/** The hop count a trace at `off` of `b` reports as filled (size - RemainingLen*4) / NodeLen*4. */
function filledHops(b: Uint8Array, traceOff: number, size: number): number {
  const nodeLen = (b[traceOff + 2] ?? 0) >> 3;
  const rem = (b[traceOff + 3] ?? 0) & 0x7f;
  return nodeLen === 0 ? 0 : (size - rem * 4) / (nodeLen * 4);
}

export const ioamBench: Bench = {
  name: 'ioam',
  summary: 'IOAM transit (trace types 0xf00000, 0xfff002) and encap against plain forwarding (100-byte UDP)',
  async run(opts) {
    const count = opts.packets ?? (opts.quick ? 300_000 : 2_000_000);
    const plain = await transitRig();
    const transit = await transitRig(IOAM_NODE);
    const encap = await transitRig({
      sysctl: IOAM_NODE.sysctl,
      ip: [...IOAM_NODE.ip, `-6 route add 2001:db8:2::1/128 encap ioam6 mode encap tundst 2001:db8:2::1 trace prealloc type 0xf00000 ns ${NS} size 128 dev r1`],
    });
    const cases: Case[] = [
      { name: 'baseline: plain forwarding', rig: plain, packet: plainPacket(), check: (b) => (b.length === 100 ? undefined : `length ${b.length}`) },
      {
        name: 'transit, trace type 0xf00000 (8 nodes of 16 octets)',
        rig: transit,
        packet: ioamPacket(0xf00000, 128),
        check: (b) => (filledHops(b, 48, 128) === 1 ? undefined : `${filledHops(b, 48, 128)} hops filled`),
      },
      {
        name: 'transit, trace type 0xfff002 (2 nodes of 76 octets with the snapshot)',
        rig: transit,
        packet: ioamPacket(0xfff002, 2 * FULL_ENTRY),
        check: (b) => (remainingOctets(b, 48) === FULL_ENTRY ? undefined : `RemainingLen ${remainingOctets(b, 48)} octets, expected ${FULL_ENTRY}`),
      },
      {
        name: 'encap, trace type 0xf00000 (8 nodes)',
        rig: encap,
        packet: plainPacket(),
        check: (b) => (b[6] === NEXTHDR_HOP && b.length === 40 + 144 + 100 && filledHops(b, 48, 128) === 1 ? undefined : `not encapsulated (${b.length} octets)`),
      },
    ];
    // Warm every path, check that it does what it claims, then measure each twice.
    for (const c of cases) {
      const before = c.rig.delivered();
      c.rig.run(c.packet, 100_000);
      const last = c.rig.lastDelivered();
      if (c.rig.delivered() - before !== 100_000 || last === undefined) throw new Error(`${c.name}: ${c.rig.delivered() - before} of 100000 delivered`);
      const bad = c.check(last);
      if (bad !== undefined) throw new Error(`${c.name}: ${bad}`);
    }
    // Rounds over all cases, best of each: every case sees the same JIT state and machine noise.
    const best = cases.map(() => Number.POSITIVE_INFINITY);
    for (let round = 0; round < ROUNDS; round++) {
      cases.forEach((c, i) => {
        best[i] = Math.min(best[i] ?? Number.POSITIVE_INFINITY, c.rig.run(c.packet, count));
      });
    }
    const rates = best.map((t) => count / t);
    const base = rates[0] ?? 1;
    const rows = cases.map((c, i) => `| ${c.name} | ${c.packet.length} | **${fmtRate(rates[i] ?? 0)}** | ${((rates[i] ?? 0) / base).toFixed(2)} |`);
    process.stdout.write(cases.map((c, i) => `${c.name}: ${fmtRate(rates[i] ?? 0)} packets/s (${(((rates[i] ?? 0) / base) * 100).toFixed(0)}% of plain)`).join('\n') + '\n');
    return [
      `### ioam: IOAM on a transit and an encapsulating node (issue 5; ${fmtRate(count)} packets per case, best of ${ROUNDS} interleaved rounds)`,
      '',
      '| case | octets in | packets/s | ratio to plain forwarding |',
      '| --- | ---: | ---: | ---: |',
      ...rows,
    ].join('\n');
  },
};
