/**
 * IOAM beyond Linux (net.ipv6.ioam6_linux_compat 0) against Linux 6.18. alpha -- beta -- gamma
 * as in test/interop/ioam-transit.test.ts: crafted packets are injected on alpha's veth towards
 * the kernel's beta and captured on gamma's end; the same packets go through v6stack's beta
 * (src/sim/replay.ts, same `ip` and `sysctl` lines).
 *
 * - Incremental Traces, which Linux skips: with compat 1 our beta forwards them exactly as the
 *   kernel does (only the hop limit changes); with compat 0 it grows them by its entry.
 * - Pre-allocated Traces with compat 0: every field Linux fills is the same octets; only the
 *   timestamps (time-dependent) and the fields Linux leaves 'unavailable' (bits 4, 7, 11) are
 *   masked before comparing, and those are checked not to be 'unavailable' in ours.
 */

import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { replay } from '../../src/sim/replay.ts';
import {
  IOAM6_TRACE_TYPE_BIT11,
  IOAM6_TRACE_TYPE_BIT2,
  IOAM6_TRACE_TYPE_BIT3,
  IOAM6_TRACE_TYPE_BIT4,
  IOAM6_TRACE_TYPE_BIT7,
} from '../../src/uapi/ioam6.ts';
import { NEXTHDR_HOP, NEXTHDR_NONE } from '../../src/uapi/ipv6.ts';
import { parseIpv6Address } from '../../src/wire/address.ts';
import { fromHex, toHex, u16, u24, u32 } from '../../src/wire/bytes.ts';
import { parseIoamTrace, traceFieldOffset, traceNodeLen } from '../../src/wire/ioam-trace.ts';
import { emitIpv6 } from '../../src/wire/ipv6.ts';
import { SCAPY_PYTHON } from '../support/tools.ts';
import { PACKET_TOOL, Topology, buildAlphaBetaGamma, collect, skipUnlessNetns } from './netns.ts';


function addr(text: string): Uint8Array {
  const a = parseIpv6Address(text);
  if (a === undefined) throw new Error(`bad address ${text}`);
  return a;
}

const ALPHA = addr('2001:db8:1::1');
const GAMMA = addr('2001:db8:2::1');

const BETA_IP = [
  'addr add 2001:db8:1::ff/64 dev b0 nodad',
  'addr add 2001:db8:2::ff/64 dev b1 nodad',
  'ioam namespace add 123 data 0xdeadbeef wide 0xcafec0caf00dc0de',
  'ioam schema add 777 seven77',
  'ioam namespace set 123 schema 777',
];
const BETA_SYSCTL = [
  'net.ipv6.conf.all.forwarding=1',
  'net.ipv6.ioam6_id=0xbeef',
  'net.ipv6.ioam6_id_wide=0xc0caf00dc0de',
  'net.ipv6.conf.b0.ioam6_enabled=1',
  'net.ipv6.conf.b0.ioam6_id=11',
  'net.ipv6.conf.b1.ioam6_id=22',
  'net.ipv6.conf.b0.ioam6_id_wide=0x11111111',
  'net.ipv6.conf.b1.ioam6_id_wide=0x22222222',
];

interface Case {
  readonly name: string;
  readonly ioamType: 0 | 1;
  readonly type: number;
  /** Octets after the trace header (pre-allocated space, or an incremental node data list). */
  readonly size: number;
  readonly remlen: number;
  readonly flags?: number;
}

const CASES: readonly Case[] = [
  { name: 'incremental, empty list', ioamType: 1, type: 0xc00000, size: 0, remlen: 10 },
  { name: 'incremental, a previous entry', ioamType: 1, type: 0xc00000, size: 8, remlen: 10 },
  { name: 'incremental, 4-octet entries', ioamType: 1, type: 0x800000, size: 4, remlen: 5 },
  { name: 'incremental, every bit', ioamType: 1, type: 0xfffffe, size: 0, remlen: 40 },
  { name: 'incremental, RemainingLen 0', ioamType: 1, type: 0x800000, size: 4, remlen: 0 },
  { name: 'incremental, Overflow preset', ioamType: 1, type: 0x800000, size: 0, remlen: 4, flags: 0x8 },
  { name: 'pre-allocated, every bit', ioamType: 0, type: 0xfffffe, size: 4 * 28, remlen: 28 },
  { name: 'pre-allocated, bits 0-11', ioamType: 0, type: 0xfff000, size: 4 * 15 + 8, remlen: 17 },
  { name: 'pre-allocated, the three extra fields', ioamType: 0, type: 0x111000, size: 16, remlen: 4 },
];

/** Case `i` as a packet: IPv6, Hop-by-Hop (PadN 2, the option, padding to 8n), an 8-octet tag. */
function packetOf(c: Case, i: number): Uint8Array {
  const opt = new Uint8Array(12 + c.size);
  const flags = c.flags ?? 0;
  opt.set([0x31, opt.length - 2, 0, c.ioamType, 0, 123, (traceNodeLen(c.type) << 3) | (flags >> 1), ((flags & 1) << 7) | c.remlen]);
  opt.set([(c.type >> 16) & 0xff, (c.type >> 8) & 0xff, c.type & 0xff], 8);
  if (c.ioamType === 1) opt.fill(0xaa, 12);
  const body = [NEXTHDR_NONE, 0, 1, 0, ...opt];
  const rest = (8 - (body.length % 8)) % 8;
  if (rest >= 2) body.push(1, rest - 2, ...new Array<number>(rest - 2).fill(0));
  body[1] = body.length / 8 - 1;
  const tag = new TextEncoder().encode(`ioamb${String(i).padStart(3, '0')}`);
  const out = new Uint8Array(40 + body.length + tag.length);
  emitIpv6({ trafficClass: 0, flowLabel: 0x2345 + i, payloadLength: body.length + tag.length, nextHeader: NEXTHDR_HOP, hopLimit: 64, src: ALPHA, dst: GAMMA }, out);
  out.set(body, 40);
  out.set(tag, out.length - tag.length);
  return out;
}

function caseOf(p: Uint8Array): number {
  const m = /ioamb(\d{3})/.exec(Buffer.from(p).toString('latin1'));
  return m === null ? -1 : Number(m[1]);
}

/** Offset of the trace header (the packets lead with a 2-octet PadN). */
const TRACE = 48;

/** The first IOAM option in the Hop-by-Hop header (its padding may have changed size). */
function optionAt(p: Uint8Array): number {
  let o = 42;
  while (o < p.length && p[o] !== 0x31) o += p[o] === 0 ? 1 : (p[o + 1] ?? 0) + 2;
  return o;
}

/** Zeroes the timestamps and the fields Linux leaves unavailable in the newest entry. */
function maskBeyond(data: Uint8Array): Uint8Array {
  const p = data.slice();
  const type = u24(p, TRACE + 4);
  const entry = TRACE + 8 + ((p[TRACE + 3] ?? 0) & 0x7f) * 4;
  for (const bit of [IOAM6_TRACE_TYPE_BIT2, IOAM6_TRACE_TYPE_BIT3, IOAM6_TRACE_TYPE_BIT4, IOAM6_TRACE_TYPE_BIT7, IOAM6_TRACE_TYPE_BIT11]) {
    const f = traceFieldOffset(type, bit);
    if (f >= 0) p.fill(0, entry + f, entry + f + 4);
  }
  return p;
}

/** v6stack's beta over every case, with the given compat value; outputs by case index. */
async function ours(compat: 0 | 1): Promise<Map<number, Uint8Array>> {
  const setup = [
    'ip link add b0 type dummy',
    'ip link add b1 type dummy',
    'ip link set b0 up',
    'ip link set b1 up',
    ...BETA_IP.map((l) => `ip ${l.replace(' nodad', '')}`),
    ...BETA_SYSCTL.map((s) => `sysctl -w ${s}`),
    `sysctl -w net.ipv6.ioam6_linux_compat=${compat}`,
  ].join('\n');
  const packets = CASES.map((c, i) => ({ data: packetOf(c, i), tsNs: 1_700_000_000_000_000_000n + BigInt(i) * 1000n }));
  const r = await replay({ setup, ingress: 'b0', packets });
  assert.ok(r.ok, r.ok ? '' : r.error.message);
  const out = new Map<number, Uint8Array>();
  for (const p of r.value.outputs.get('b1') ?? []) out.set(caseOf(p.data), p.data);
  return out;
}

const skip = skipUnlessNetns();
let kernel: Map<number, Uint8Array> | undefined;
let topo: Topology | undefined;

before(async () => {
  if (skip !== false) return;
  const t = new Topology('iob');
  topo = t;
  buildAlphaBetaGamma(t, BETA_IP, BETA_SYSCTL);
  t.neighbour('b', 'b1', '2001:db8:2::1', 'c', 'c0');
  const capC = t.spawnInNs('c', SCAPY_PYTHON, PACKET_TOOL, 'cap', 'c0', '4');
  const doneC = collect(capC);
  await new Promise((r) => setTimeout(r, 500));
  t.inNs('a', SCAPY_PYTHON, PACKET_TOOL, 'inject', 'a0', t.mac('b', 'b0'), ...CASES.map((c, i) => toHex(packetOf(c, i))));
  const rc = await doneC;
  const out = new Map<number, Uint8Array>();
  for (const line of rc.stdout.split('\n')) {
    if (line === '' || line === 'ready') continue;
    const p = fromHex(line);
    if (caseOf(p) >= 0) out.set(caseOf(p), p);
  }
  kernel = out;
});

after(() => topo?.destroy());

test('compat 1: Incremental Traces pass through our beta exactly as through the kernel', { skip }, async () => {
  assert.ok(kernel !== undefined);
  const us = await ours(1);
  CASES.forEach((c, i) => {
    if (c.ioamType !== 1) return;
    const k = kernel?.get(i);
    assert.ok(k !== undefined, `${c.name}: the kernel forwarded it`);
    const sent = packetOf(c, i);
    sent[7] = 63;
    assert.equal(toHex(k), toHex(sent), `${c.name}: the kernel changes only the hop limit`);
    assert.equal(toHex(us.get(i) ?? new Uint8Array(0)), toHex(k), c.name);
  });
});

test('compat 0: our beta grows Incremental Traces the kernel leaves alone', { skip }, async () => {
  assert.ok(kernel !== undefined);
  const us = await ours(0);
  CASES.forEach((c, i) => {
    if (c.ioamType !== 1) return;
    const o = us.get(i);
    const k = kernel?.get(i);
    assert.ok(o !== undefined && k !== undefined, c.name);
    const parsed = parseIoamTrace(o, optionAt(o));
    assert.ok(parsed.ok, `${c.name}: ${parsed.ok ? '' : parsed.error.message}`);
    const grew = c.remlen >= traceNodeLen(c.type) + ((c.type & 2) !== 0 ? 3 : 0) && (c.flags ?? 0) === 0;
    assert.equal(parsed.value.hops.length, c.size / (traceNodeLen(c.type) * 4) + (grew ? 1 : 0), c.name);
    if (!grew) assert.equal(o.length, k.length, `${c.name}: not grown`);
    else assert.ok(o.length >= k.length, c.name);
  });
});

test('compat 0: Pre-allocated Traces carry the kernel fields, plus delay, complement and occupancy', { skip }, async () => {
  assert.ok(kernel !== undefined);
  const us = await ours(0);
  CASES.forEach((c, i) => {
    if (c.ioamType !== 0) return;
    const k = kernel?.get(i);
    const o = us.get(i);
    assert.ok(k !== undefined && o !== undefined, c.name);
    assert.equal(toHex(maskBeyond(o)), toHex(maskBeyond(k)), c.name);
    const entry = TRACE + 8 + ((o[TRACE + 3] ?? 0) & 0x7f) * 4;
    for (const bit of [IOAM6_TRACE_TYPE_BIT4, IOAM6_TRACE_TYPE_BIT7, IOAM6_TRACE_TYPE_BIT11]) {
      const f = traceFieldOffset(c.type, bit);
      if (f < 0) continue;
      assert.equal(u32(k, entry + f), 0xffffffff, `${c.name}: the kernel leaves bit ${bit.toString(16)} unavailable`);
      assert.notEqual(u32(o, entry + f), 0xffffffff, `${c.name}: ours fills bit ${bit.toString(16)}`);
    }
    assert.equal(u16(o, 4), o.length - 40);
  });
});
