/**
 * The transit-node cases of the forward and ioam benchmarks, and the child process that runs
 * one of them. Each case runs in processes of its own (same command, `npm run bench`): a
 * process that has pushed other traffic through other nodes compiles the shared data path for
 * all of it, which is not what one transit node sees. A child prints one JSON line: the best of
 * its rounds. V8 compiles the data path differently from one process to the next (concurrent
 * compilation finishes at different moments, and inlining follows the feedback seen by then),
 * so a case runs in several processes: the best and the median of them are reported.
 */

import { spawnSync } from 'node:child_process';
import { PerformanceObserver, constants } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { addr, transitRig, type TransitRig, type TransitRigOptions } from './transit-rig.ts';
import { seeded } from './seeded.ts';
import { emitIpv6 } from '../src/wire/ipv6.ts';
import { setU32 } from '../src/wire/bytes.ts';
import { traceNodeLen } from '../src/wire/ioam-trace.ts';
import { NEXTHDR_HOP, NEXTHDR_UDP } from '../src/uapi/ipv6.ts';
import { tuneEngineForPackets } from '../src/cli/engine.ts';

const UDP_LEN = 60;
const NS = 123;
const ROUTES = 100_000;
const ROUNDS = 4;
/** An 0xfff002 entry: NodeLen octets, then the snapshot's schema word and 12 octets of data. */
export const FULL_ENTRY = traceNodeLen(0xfff002) * 4 + 4 + 12;

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

/** `n` destinations inside the extra routes (one route, or drawn from `pool` routes). */
function destinations(n: number, pool: number, seed: number): Uint8Array {
  const next = seeded(seed);
  const out = new Uint8Array(16 * n);
  for (let i = 0; i < n; i++) {
    const route = pool === 0 ? 0 : next() % pool;
    const o = 16 * i;
    setU32(out, o, 0x20010db8);
    setU32(out, o + 4, (0x10000000 + route) >>> 0);
    setU32(out, o + 8, next());
    setU32(out, o + 12, next());
  }
  return out;
}

const IOAM_NODE: TransitRigOptions = {
  sysctl: [
    ['net.ipv6.conf.r0.ioam6_enabled', '1'],
    ['net.ipv6.ioam6_id', '1'],
    ['net.ipv6.conf.r0.ioam6_id', '11'],
    ['net.ipv6.conf.r1.ioam6_id', '12'],
  ],
  ip: [`ioam namespace add ${NS} data 0xdeadbeef wide 0xcafec0caf00dc0de`, 'ioam schema add 7 twelve-bytes', `ioam namespace set ${NS} schema 7`],
};

/** RemainingLen of the trace at `off` of `b`, in octets. */
function remainingOctets(b: Uint8Array, off: number): number {
  return ((b[off + 3] ?? 0) & 0x7f) * 4;
}

interface CaseSetup {
  readonly rig: TransitRig;
  readonly packet: Uint8Array;
  readonly dsts?: Uint8Array;
  /** What B must see of the last packet: undefined when right, else what is wrong. */
  readonly check: (b: Uint8Array) => string | undefined;
}

export interface TransitCase {
  readonly name: string;
  readonly setup: () => Promise<CaseSetup>;
}

const plainCheck = (b: Uint8Array): string | undefined => (b.length === 100 && b[7] === 63 ? undefined : `length ${b.length}, hop limit ${b[7]}`);

export const TRANSIT_CASES: Record<string, TransitCase> = {
  'default-route': {
    name: 'plain forwarding, default route only',
    setup: async () => ({ rig: await transitRig(), packet: plainPacket(), check: plainCheck }),
  },
  'routes-hot': {
    name: '100,000 routes, 1,000 hot flows',
    setup: async () => ({ rig: await transitRig({ routes: ROUTES }), packet: plainPacket(), dsts: destinations(1_000, ROUTES, 6), check: plainCheck }),
  },
  'routes-spread': {
    name: '100,000 routes, destinations spread over all routes',
    setup: async () => ({ rig: await transitRig({ routes: ROUTES }), packet: plainPacket(), dsts: destinations(65_536, ROUTES, 5), check: plainCheck }),
  },
  'ioam-plain': {
    name: 'baseline: plain forwarding on the IOAM node',
    setup: async () => ({ rig: await transitRig(IOAM_NODE), packet: plainPacket(), check: plainCheck }),
  },
  'ioam-f00000': {
    name: 'transit, trace type 0xf00000 (8 nodes of 16 octets)',
    setup: async () => ({
      rig: await transitRig(IOAM_NODE),
      packet: ioamPacket(0xf00000, 128),
      check: (b) => (remainingOctets(b, 48) === 128 - 16 ? undefined : `RemainingLen ${remainingOctets(b, 48)}`),
    }),
  },
  'ioam-off': {
    name: 'the 0xf00000 packets with ioam6_enabled 0 on r0 (Hop-by-Hop header walked, option skipped)',
    setup: async () => ({
      rig: await transitRig({ ...IOAM_NODE, sysctl: [...(IOAM_NODE.sysctl ?? []).filter(([k]) => !k.endsWith('ioam6_enabled'))] }),
      packet: ioamPacket(0xf00000, 128),
      check: (b) => (remainingOctets(b, 48) === 128 ? undefined : `RemainingLen ${remainingOctets(b, 48)}: filled`),
    }),
  },
  'ioam-fff002': {
    name: 'transit, trace type 0xfff002 (2 nodes of 76 octets with the snapshot)',
    setup: async () => ({
      rig: await transitRig(IOAM_NODE),
      packet: ioamPacket(0xfff002, 2 * FULL_ENTRY),
      check: (b) => (remainingOctets(b, 48) === FULL_ENTRY ? undefined : `RemainingLen ${remainingOctets(b, 48)}, expected ${FULL_ENTRY}`),
    }),
  },
  'ioam-encap': {
    name: 'encap, trace type 0xf00000 (8 nodes)',
    setup: async () => ({
      rig: await transitRig({
        sysctl: IOAM_NODE.sysctl ?? [],
        ip: [...(IOAM_NODE.ip ?? []), `-6 route add 2001:db8:2::1/128 encap ioam6 mode encap tundst 2001:db8:2::1 trace prealloc type 0xf00000 ns ${NS} size 128 dev r1`],
      }),
      packet: plainPacket(),
      check: (b) => (b[6] === NEXTHDR_HOP && b.length === 40 + 144 + 100 && remainingOctets(b, 48) === 112 ? undefined : `not encapsulated (${b.length} octets)`),
    }),
  },
};

export interface CaseResult {
  readonly name: string;
  readonly octets: number;
  /** Packets per second: the best process's best round. */
  readonly pps: number;
  /** Packets per second: the median of the processes' best rounds. */
  readonly median: number;
  /** Garbage collections during the measured rounds, most of any process (0: nothing allocated). */
  readonly gcs: number;
}

/** What one child process prints: its best round, and the garbage collections in its rounds. */
interface ChildResult {
  readonly name: string;
  readonly octets: number;
  readonly pps: number;
  readonly gcs: number;
}

/** Processes per case. */
const PROCESSES = 3;

/** Runs case `id` in PROCESSES child processes (`count` packets a round). */
export function runTransitCase(id: string, count: number): CaseResult {
  const child = fileURLToPath(import.meta.url);
  const runs: ChildResult[] = [];
  for (let i = 0; i < PROCESSES; i++) {
    const r = spawnSync(process.execPath, ['--import', 'tsx', child, id, String(count)], { encoding: 'utf8', maxBuffer: 1 << 20 });
    if (r.status !== 0) throw new Error(`bench case ${id} failed: ${r.stderr}`);
    runs.push(JSON.parse(r.stdout.trim().split('\n').pop() ?? '{}') as ChildResult);
  }
  const pps = runs.map((r) => r.pps).sort((a, b) => a - b);
  const first = runs[0] ?? { name: id, octets: 0, pps: 0 };
  return { name: first.name, octets: first.octets, pps: pps[pps.length - 1] ?? 0, median: pps[pps.length >> 1] ?? 0, gcs: Math.max(...runs.map((r) => r.gcs)) };
}

async function child(id: string, count: number): Promise<void> {
  const c = TRANSIT_CASES[id];
  if (c === undefined) throw new Error(`no bench case ${id}`);
  const s = await c.setup();
  // Short runs first, so that the timing code around the loop has been seen before the loop is
  // compiled; then warm up, and check that the node does what the case claims.
  for (let i = 0; i < 50; i++) s.rig.run(s.packet, 1, s.dsts);
  const before = s.rig.delivered();
  s.rig.run(s.packet, 200_000, s.dsts);
  const last = s.rig.lastDelivered();
  if (s.rig.delivered() - before !== 200_000 || last === undefined) throw new Error(`${c.name}: ${s.rig.delivered() - before} of 200000 delivered`);
  const bad = s.check(last);
  if (bad !== undefined) throw new Error(`${c.name}: ${bad}`);
  // Young-generation collections (scavenges) during the rounds: none when the packet path
  // allocates nothing. (Major collections can come from the compiler's own allocations.)
  let gcs = 0;
  const obs = new PerformanceObserver((list) => {
    for (const e of list.getEntries()) if ((e as { detail?: { kind?: number } }).detail?.kind === constants.NODE_PERFORMANCE_GC_MINOR) gcs++;
  });
  obs.observe({ entryTypes: ['gc'] });
  let best = Number.POSITIVE_INFINITY;
  for (let i = 0; i < ROUNDS; i++) best = Math.min(best, s.rig.run(s.packet, count, s.dsts));
  // GC entries are delivered on a later turn of the event loop.
  await new Promise((resolve) => setTimeout(resolve, 50));
  obs.disconnect();
  const out: ChildResult = { name: c.name, octets: s.packet.length, pps: count / best, gcs };
  process.stdout.write(`${JSON.stringify(out)}\n`);
}

if (process.argv[1] !== undefined && fileURLToPath(import.meta.url) === process.argv[1]) {
  tuneEngineForPackets();
  await child(process.argv[2] ?? '', Number(process.argv[3] ?? 1_000_000));
}
