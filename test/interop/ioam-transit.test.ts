/**
 * The IOAM transit node against Linux 6.18 (ipv6_hop_ioam, ioam6_fill_trace_data), byte for
 * byte. alpha -- beta -- gamma as in the kernel's selftest (tools/testing/selftests/net/
 * ioam6.sh): crafted packets with Hop-by-Hop IOAM options are injected on alpha's veth
 * (AF_PACKET) towards the kernel's beta and captured on alpha's and gamma's ends; the same
 * packets go through v6stack's beta (src/sim/replay.ts, configured with the same `ip` and
 * `sysctl` lines, dummy devices as its ends). What beta forwards to gamma, and the Parameter
 * Problem it sends back about packets delivered to itself (which quotes the filled trace),
 * must be the same bytes once the time-dependent parts are masked: IOAM timestamps (seconds
 * and subseconds of beta's entry), and in packets beta originates the flow label (Linux's
 * auto flow label hashes a per-boot key) and the ICMPv6 checksum (it covers the timestamps).
 *
 * A second batch enters beta on its gamma side, where ioam6_enabled is 0.
 */

import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { replay } from '../../src/sim/replay.ts';
import { IOAM6_TRACE_TYPE_BIT2, IOAM6_TRACE_TYPE_BIT3 } from '../../src/uapi/ioam6.ts';
import { NEXTHDR_HOP, NEXTHDR_ICMP, NEXTHDR_NONE } from '../../src/uapi/ipv6.ts';
import { parseIpv6Address } from '../../src/wire/address.ts';
import { fromHex, toHex, u16, u24 } from '../../src/wire/bytes.ts';
import { traceFieldOffset, traceNodeLen } from '../../src/wire/ioam-trace.ts';
import { emitIpv6 } from '../../src/wire/ipv6.ts';
import { SCAPY_PYTHON, skipUnlessTshark, tsharkExpertWarnings } from '../support/tools.ts';
import { type IoamOptionSpec, hbhHeader, ioamOption } from '../support/ioam-option.ts';
import { PACKET_TOOL, Topology, buildAlphaBetaGamma, collect, skipUnlessNetns } from './netns.ts';


function addr(text: string): Uint8Array {
  const a = parseIpv6Address(text);
  if (a === undefined) throw new Error(`bad address ${text}`);
  return a;
}

const ALPHA = addr('2001:db8:1::1');
const BETA_A = addr('2001:db8:1::ff');
const GAMMA = addr('2001:db8:2::1');

/** Schemas of several lengths; namespace 127 has none (the 0x00ffffff marker). */
const SCHEMAS: ReadonlyArray<readonly [ns: number, id: number, data: string]> = [
  [123, 777, 'tiny'],
  [124, 1, 'a'],
  [125, 2, 'seven77'],
  [126, 3, 'an opaque state snapshot of forty bytes!'],
];

/** beta's configuration, the same lines for the kernel and for v6stack. */
const BETA_IP = [
  'addr add 2001:db8:1::ff/64 dev b0 nodad',
  'addr add 2001:db8:2::ff/64 dev b1 nodad',
  'ioam namespace add 123 data 0xdeadbeef wide 0xcafec0caf00dc0de',
  'ioam namespace add 124 data 0x01020304',
  'ioam namespace add 125 wide 0x1122334455667788',
  'ioam namespace add 126',
  'ioam namespace add 127 data 0x7f7f7f7f',
  ...SCHEMAS.map(([, id, data]) => `ioam schema add ${id} ${data}`),
  ...SCHEMAS.map(([ns, id]) => `ioam namespace set ${ns} schema ${id}`),
];
const BETA_SYSCTL = [
  'net.ipv6.conf.all.forwarding=1',
  'net.ipv6.icmp.ratelimit=0',
  'net.ipv6.ioam6_id=0xbeef',
  'net.ipv6.ioam6_id_wide=0xc0caf00dc0de',
  'net.ipv6.conf.b0.ioam6_enabled=1',
  'net.ipv6.conf.b0.ioam6_id=11',
  'net.ipv6.conf.b1.ioam6_id=22',
  'net.ipv6.conf.b0.ioam6_id_wide=0x11111111',
  'net.ipv6.conf.b1.ioam6_id_wide=0x22222222',
];

// ---------------------------------------------------------------------------------------------
// Packets

interface Case {
  readonly name: string;
  /** Forwarded to gamma (default), delivered to beta, or entering from gamma's side. */
  readonly path?: 'forward' | 'local' | 'disabled';
  readonly opts: readonly IoamOptionSpec[];
  readonly lead?: number;
  readonly hopLimit?: number;
}

/** The size that holds exactly one entry of `type` (with a schema of `schemaLen` octets). */
function room(type: number, schemaLen = 4): number {
  return (traceNodeLen(type) + ((type & 0x2) !== 0 ? 1 + schemaLen / 4 : 0)) * 4;
}

const EVERY_BIT = 0xfffffe;
const SINGLE_BITS = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 17, 21, 22].map((n) => 0x800000 >>> n);

const CASES: readonly Case[] = [
  ...SINGLE_BITS.map((t): Case => ({ name: `bit ${23 - Math.log2(t)} alone`, opts: [{ type: t, size: room(t) + 8 }] })),
  { name: 'every bit (0-22)', opts: [{ type: EVERY_BIT, size: room(EVERY_BIT) }] },
  { name: 'bits 0-3', opts: [{ type: 0xf00000, size: room(0xf00000) + 4 }] },
  { name: 'wide fields only', opts: [{ type: 0x00e000, size: room(0x00e000) }] },
  { name: 'short and wide ids', opts: [{ type: 0xc0c000, size: room(0xc0c000) }] },
  { name: 'unavailable markers', opts: [{ type: 0x0b1000, size: room(0x0b1000) }] },
  { name: 'timestamp and namespace data', opts: [{ type: 0x240000, size: room(0x240000) }] },
  { name: 'namespace data without wide data', opts: [{ ns: 127, type: 0x042000, size: room(0x042000) }] },
  { name: 'wide data without data', opts: [{ ns: 125, type: 0x042000, size: room(0x042000) }] },
  { name: 'Overflow preset', opts: [{ type: 0x800000, size: 8, flags: 0x8 }] },
  { name: 'RemainingLen too small: Overflow', opts: [{ type: 0xf00000, size: 8 }] },
  { name: 'RemainingLen 0: Overflow', opts: [{ type: 0x800000, size: 0 }] },
  { name: 'entry below a previous hop', opts: [{ type: 0xc00000, size: 24, prefill: 8 }] },
  { name: 'previous hop fills the rest: Overflow', opts: [{ type: 0xc00000, size: 8, prefill: 8 }] },
  { name: 'unknown namespace', opts: [{ ns: 999, type: 0xf00000, size: 16 }] },
  { name: 'schema of 1 octet', opts: [{ ns: 124, type: 0x800002, size: room(0x800002, 4) }] },
  { name: 'schema of 7 octets', opts: [{ ns: 125, type: 0x800002, size: room(0x800002, 8) }] },
  { name: 'schema of 40 octets', opts: [{ ns: 126, type: 0x800002, size: room(0x800002, 40) }] },
  { name: 'no schema: the marker', opts: [{ ns: 127, type: 0x800002, size: 12 }] },
  { name: 'schema too long for the room', opts: [{ ns: 126, type: 0x800002, size: 16 }] },
  { name: 'NodeLen too large', opts: [{ type: 0x800000, size: 8, nodeLen: 2 }] },
  { name: 'NodeLen zero', opts: [{ type: 0x800000, size: 8, nodeLen: 0 }] },
  { name: 'NodeLen ignoring a wide field', opts: [{ type: 0x808000, size: 12, nodeLen: 2 }] },
  { name: 'reserved bit 23', opts: [{ type: 0x000001, size: 8, nodeLen: 1 }] },
  { name: 'Opt Data Len 0', opts: [{ type: 0x800000, size: 0, optLen: 0 }] },
  { name: 'Opt Data Len 1', opts: [{ type: 0x800000, size: 0, optLen: 1 }] },
  { name: 'truncated trace header', opts: [{ type: 0x800000, size: 0, optLen: 6 }] },
  { name: 'RemainingLen past the option', opts: [{ type: 0x800000, size: 8, remlen: 3 }] },
  { name: 'IOAM Option-Type 1 (incremental): skipped', opts: [{ type: 0x800000, size: 8, ioamType: 1 }] },
  { name: 'IOAM Option-Type 2 with a short option: skipped', opts: [{ type: 0, size: 0, optLen: 2, ioamType: 2 }] },
  { name: 'misaligned option', opts: [{ type: 0x800000, size: 8 }], lead: 0 },
  { name: 'misaligned by one', opts: [{ type: 0x800000, size: 8 }], lead: 3 },
  { name: 'two options', opts: [{ type: 0x800000, size: 8 }, { ns: 124, type: 0x460000, size: room(0x460000) }] },
  { name: 'unknown then known', opts: [{ ns: 999, type: 0x800000, size: 8 }, { type: 0xc00000, size: 8 }] },
  { name: 'overflowed then filled', opts: [{ type: 0xf00000, size: 4 }, { type: 0x800000, size: 4 }] },
  { name: 'valid then malformed', opts: [{ type: 0x800000, size: 8 }, { type: 0x800000, size: 8, nodeLen: 3 }] },
  { name: 'hop limit 1: filled, then Time Exceeded', opts: [{ type: 0xc08000, size: room(0xc08000) }], hopLimit: 1 },
  { name: 'hop limit 0', opts: [{ type: 0x808000, size: room(0x808000) }], hopLimit: 0 },
  { name: 'local: every bit', path: 'local', opts: [{ type: EVERY_BIT, size: room(EVERY_BIT) }] },
  { name: 'local: interface ids', path: 'local', opts: [{ type: 0xc04000, size: room(0xc04000) }] },
  { name: 'local: queue depth', path: 'local', opts: [{ type: 0x020000, size: 4 }] },
  { name: 'local: Overflow', path: 'local', opts: [{ type: 0xc00000, size: 4 }] },
  { name: 'disabled: valid trace untouched', path: 'disabled', opts: [{ type: 0xf00000, size: 16 }] },
  { name: 'disabled: wrong NodeLen is not checked', path: 'disabled', opts: [{ type: 0x800000, size: 8, nodeLen: 5 }] },
  { name: 'disabled: misaligned is still dropped', path: 'disabled', opts: [{ type: 0x800000, size: 8 }], lead: 0 },
];

/** Case `i` as a packet: its tag (8 octets naming it) follows the Hop-by-Hop header. */
function packetOf(c: Case, i: number): Uint8Array {
  const path = c.path ?? 'forward';
  // A forwarded packet carries No Next Header (gamma ignores it); one for beta carries an
  // unknown next header, so beta answers Parameter Problem with the packet quoted.
  const h = hbhHeader(path === 'local' ? 253 : NEXTHDR_NONE, c.opts.map(ioamOption), c.lead ?? 2);
  const tag = tagOf(i);
  const out = new Uint8Array(40 + h.length + tag.length);
  const src = path === 'disabled' ? GAMMA : ALPHA;
  const dst = path === 'local' ? BETA_A : path === 'disabled' ? ALPHA : GAMMA;
  emitIpv6({ trafficClass: 0, flowLabel: 0x12345 + i, payloadLength: h.length + tag.length, nextHeader: NEXTHDR_HOP, hopLimit: c.hopLimit ?? 64, src, dst }, out);
  out.set(h, 40);
  out.set(tag, 40 + h.length);
  return out;
}

function tagOf(i: number): Uint8Array {
  return new TextEncoder().encode(`ioamc${String(i).padStart(3, '0')}`);
}

/** The index of the case whose tag the packet carries (itself or quoted), or -1. */
function caseOf(p: Uint8Array): number {
  const text = Buffer.from(p).toString('latin1');
  const m = /ioamc(\d{3})/.exec(text);
  return m === null ? -1 : Number(m[1]);
}

// ---------------------------------------------------------------------------------------------
// Masking

/** Zeroes beta's timestamps in every IOAM trace of the packet whose IPv6 header is at `ip`. */
function maskTraces(p: Uint8Array, ip: number): void {
  if (p[ip + 6] !== NEXTHDR_HOP || p.length < ip + 48) return;
  const start = ip + 40;
  const end = Math.min(p.length, start + ((p[start + 1] ?? 0) + 1) * 8);
  let o = start + 2;
  while (o < end) {
    const t = p[o] ?? 0;
    if (t === 0) {
      o++;
      continue;
    }
    const len = p[o + 1] ?? 0;
    if (t === 0x31 && len >= 10 && p[o + 3] === 0 && o + 2 + len <= end) {
      const trace = o + 4;
      const type = u24(p, trace + 4);
      const remlen = (p[trace + 3] ?? 0) & 0x7f;
      const entry = trace + 8 + remlen * 4;
      for (const bit of [IOAM6_TRACE_TYPE_BIT2, IOAM6_TRACE_TYPE_BIT3]) {
        const f = traceFieldOffset(type, bit);
        if (f >= 0 && entry + f + 4 <= o + 2 + len) p.fill(0, entry + f, entry + f + 4);
      }
    }
    o += 2 + len;
  }
}

/** The packet with its time-dependent octets zeroed (see the module comment). */
function masked(data: Uint8Array): string {
  const p = data.slice();
  const fromBeta = p[8] === 0x20 && p[23] === 0xff;
  if (fromBeta && p[6] === NEXTHDR_ICMP) {
    p[1] = (p[1] ?? 0) & 0xf0;
    p[2] = 0;
    p[3] = 0;
    p[42] = 0;
    p[43] = 0;
    maskTraces(p, 48);
  } else {
    maskTraces(p, 0);
  }
  return toHex(p);
}

// ---------------------------------------------------------------------------------------------
// The two betas

/** v6stack: every case through replay, per ingress device; outputs by case index. */
async function ours(): Promise<{ out: Map<number, string[]>; raw: Uint8Array[]; hdrErrors: number }> {
  const setup = [
    'ip link add b0 type dummy',
    'ip link add b1 type dummy',
    'ip link set b0 up',
    'ip link set b1 up',
    ...BETA_IP.map((l) => `ip ${l.replace(' nodad', '')}`),
    ...BETA_SYSCTL.map((s) => `sysctl -w ${s}`),
  ].join('\n');
  const out = new Map<number, string[]>();
  const raw: Uint8Array[] = [];
  let hdrErrors = 0;
  for (const ingress of ['b0', 'b1'] as const) {
    const packets = CASES.map((c, i) => ({ c, i }))
      .filter(({ c }) => (c.path === 'disabled') === (ingress === 'b1'))
      .map(({ c, i }) => ({ data: packetOf(c, i), tsNs: 1_700_000_000_000_000_000n + BigInt(i) * 1000n }));
    const r = await replay({ setup, ingress, packets });
    assert.ok(r.ok, r.ok ? '' : r.error.message);
    for (const list of r.value.outputs.values()) {
      for (const p of list) {
        raw.push(p.data);
        const i = caseOf(p.data);
        out.set(i, [...(out.get(i) ?? []), masked(p.data)]);
      }
    }
    hdrErrors += snmp(r.value.net);
  }
  return { out, raw, hdrErrors };
}

/** Ip6InHdrErrors of a v6stack namespace. */
function snmp(net: { mib: { snapshot(): Iterable<readonly [string, number]> } }): number {
  for (const [n, v] of net.mib.snapshot()) if (n === 'Ip6InHdrErrors') return v;
  return 0;
}

const skip = skipUnlessNetns();
let kernel: { out: Map<number, string[]>; hdrErrors: number } | undefined;
let topo: Topology | undefined;

before(async () => {
  if (skip !== false) return;
  const t = new Topology('ioh');
  topo = t;
  buildAlphaBetaGamma(t, BETA_IP, BETA_SYSCTL);
  t.neighbour('b', 'b0', '2001:db8:1::1', 'a', 'a0');
  t.neighbour('b', 'b1', '2001:db8:2::1', 'c', 'c0');
  const capA = t.spawnInNs('a', SCAPY_PYTHON, PACKET_TOOL, 'cap', 'a0', '5');
  const capC = t.spawnInNs('c', SCAPY_PYTHON, PACKET_TOOL, 'cap', 'c0', '5');
  const doneA = collect(capA);
  const doneC = collect(capC);
  await new Promise((r) => setTimeout(r, 500));
  const hdr = (): number => Number(/Ip6InHdrErrors\s+(\d+)/.exec(t.inNs('b', 'cat', '/proc/net/snmp6'))?.[1] ?? 0);
  const before = hdr();
  const batch = (disabled: boolean): string[] => CASES.flatMap((c, i) => ((c.path === 'disabled') === disabled ? [toHex(packetOf(c, i))] : []));
  t.inNs('a', SCAPY_PYTHON, PACKET_TOOL, 'inject', 'a0', t.mac('b', 'b0'), ...batch(false));
  t.inNs('c', SCAPY_PYTHON, PACKET_TOOL, 'inject', 'c0', t.mac('b', 'b1'), ...batch(true));
  const [ra, rc] = await Promise.all([doneA, doneC]);
  const hdrErrors = hdr() - before;
  const out = new Map<number, string[]>();
  for (const line of `${ra.stdout}\n${rc.stdout}`.split('\n')) {
    if (line === '' || line === 'ready') continue;
    const p = fromHex(line);
    const i = caseOf(p);
    if (i < 0) continue;
    out.set(i, [...(out.get(i) ?? []), masked(p)]);
  }
  kernel = { out, hdrErrors };
});

after(() => topo?.destroy());

test('beta fills, skips and drops every case as the Linux kernel does, byte for byte', { skip }, async () => {
  assert.ok(kernel !== undefined);
  const us = await ours();
  const problems: string[] = [];
  CASES.forEach((c, i) => {
    const k = kernel?.out.get(i) ?? [];
    const o = us.out.get(i) ?? [];
    if (JSON.stringify(k) !== JSON.stringify(o)) problems.push(`${c.name}:\n  kernel ${k.join(' ')}\n  v6stack ${o.join(' ')}`);
  });
  assert.deepEqual(problems, []);
  // The cases are not vacuous: most come out, some are dropped.
  const outCount = CASES.filter((_, i) => (kernel?.out.get(i)?.length ?? 0) > 0).length;
  assert.ok(outCount > 30 && outCount < CASES.length, `${outCount} of ${CASES.length} cases came out of the kernel`);
  assert.equal(us.hdrErrors, kernel.hdrErrors, 'Ip6InHdrErrors on beta');
});

test('tshark decodes every packet our beta sends without a malformed warning', { skip: skip || skipUnlessTshark() }, async () => {
  const us = await ours();
  assert.ok(us.raw.length > 30);
  // tshark flags NodeLen 0 as an error, but a trace of bit 22 alone has NodeLen 0 by RFC 9197
  // (the snapshot is not part of NodeLen) and Linux fills it: that case alone is left out.
  const noNodeLen = (p: Uint8Array): boolean => CASES[caseOf(p)]?.opts.some((o) => traceNodeLen(o.type) === 0) === true;
  assert.deepEqual(tsharkExpertWarnings(us.raw.filter((p) => !noNodeLen(p))), []);
  assert.ok(us.raw.some(noNodeLen));
});

test('the crafted packets are well-formed and identify their cases', () => {
  CASES.forEach((c, i) => {
    const p = packetOf(c, i);
    assert.equal(caseOf(p), i, c.name);
    assert.equal(u16(p, 4), p.length - 40, `${c.name}: Payload Length`);
    assert.equal((40 + ((p[41] ?? 0) + 1) * 8 + 8), p.length, `${c.name}: Hop-by-Hop length`);
  });
});
