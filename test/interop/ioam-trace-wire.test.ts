/**
 * Which IOAM Pre-allocated Traces does Linux accept, and what does it write? alpha -- beta --
 * gamma as in the kernel's selftest (tools/testing/selftests/net/ioam6.sh): alpha sends UDP
 * with a Hop-by-Hop trace (IPV6_HOPOPTS), beta (ioam6_enabled on its ingress) checks and fills
 * it, gamma receives it with IPV6_RECVHOPOPTS. For every case our decoder must agree with the
 * kernel: a trace `IoamTraceView.check` refuses is one the kernel dropped (Ip6InHdrErrors), and
 * a trace it accepts arrives with beta's entry, which `parseIoamTrace` reads back exactly.
 */

import { test, after, before } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { IoamTraceView, parseIoamTrace, traceNodeLen } from '../../src/wire/ioam-trace.ts';
import { fromHex, toHex } from '../../src/wire/bytes.ts';
import { Topology, collect, skipUnlessNetns } from './netns.ts';
import { SCAPY_PYTHON } from '../support/tools.ts';

const UDP_HBH = fileURLToPath(new URL('./tools/udp-hbh.py', import.meta.url));
const NODE_ID = 0xbeef;
const NODE_ID_WIDE = 0xc0caf00dc0den;
const NS_DATA = 0xdeadbeef;
const NS_WIDE = 0xcafec0caf00dc0den;
const IN_ID = 11;
const OUT_ID = 22;
const IN_ID_WIDE = 0x11111111;
const OUT_ID_WIDE = 0x22222222;
const SCHEMA_DATA = 'tiny';

interface Case {
  readonly name: string;
  readonly type: number;
  /** Pre-allocated octets. */
  readonly size: number;
  /** NodeLen to send; defaults to the right one for the type. */
  readonly nodeLen?: number;
  readonly ns?: number;
  readonly flags?: number;
}

const CASES: readonly Case[] = [
  { name: 'bit 0 alone', type: 0x800000, size: 8 },
  { name: 'bits 0-3', type: 0xf00000, size: 32 },
  { name: 'every supported bit with a snapshot', type: 0xfff002, size: 120 },
  { name: 'wide fields only', type: 0x00e000, size: 40 },
  { name: 'transit delay, queue depth, checksum complement, buffer occupancy', type: 0x0b1000, size: 16 },
  { name: 'undefined bit 12 (the 6.18 kernel writes 0xffffffff)', type: 0x000800, size: 8 },
  { name: 'too small: Overflow', type: 0xf00000, size: 8 },
  { name: 'Overflow already set', type: 0x800000, size: 8, flags: 0x8 },
  { name: 'unknown namespace: untouched', type: 0x800000, size: 8, ns: 999 },
  { name: 'NodeLen too large', type: 0x800000, size: 8, nodeLen: 2 },
  { name: 'NodeLen zero', type: 0x800000, size: 8, nodeLen: 0 },
  { name: 'NodeLen ignoring a wide field', type: 0x808000, size: 16, nodeLen: 2 },
  { name: 'reserved bit 23 with NodeLen 1', type: 0x000001, size: 8, nodeLen: 1 },
  { name: 'snapshot bit only', type: 0x000002, size: 8 },
];

/** Hop-by-Hop header: PadN(0), then the IOAM option holding the trace (as ioam6_iptunnel lays it out). */
function hbhFor(c: Case): Uint8Array {
  const nodeLen = c.nodeLen ?? traceNodeLen(c.type);
  const optLen = 2 + 8 + c.size;
  const out = new Uint8Array(2 + 2 + 2 + optLen);
  out[1] = out.length / 8 - 1;
  out[2] = 1; // PadN
  out[4] = 0x31;
  out[5] = optLen;
  const ns = c.ns ?? 123;
  out[8] = ns >> 8;
  out[9] = ns & 0xff;
  const flags = c.flags ?? 0;
  out[10] = (nodeLen << 3) | (flags >> 1);
  out[11] = ((flags & 1) << 7) | (c.size / 4);
  out[12] = (c.type >> 16) & 0xff;
  out[13] = (c.type >> 8) & 0xff;
  out[14] = c.type & 0xff;
  if (out.length % 8 !== 0) throw new Error(`case ${c.name}: size must make the header a multiple of 8`);
  return out;
}

const skip = skipUnlessNetns() || (existsSync(SCAPY_PYTHON) ? false : `${SCAPY_PYTHON} is missing`);
let topo: Topology | undefined;
let received = new Map<string, string>();
let hdrErrors = 0;

before(async () => {
  if (skip !== false) return;
  const t = new Topology('io');
  topo = t;
  for (const n of ['a', 'b', 'c']) t.addNamespace(n);
  t.link('a', 'veth0', 'b', 'veth0');
  t.link('b', 'veth1', 'c', 'veth0');
  t.inNs('a', 'ip', 'addr', 'add', '2001:db8:1::2/64', 'dev', 'veth0', 'nodad');
  t.inNs('b', 'ip', 'addr', 'add', '2001:db8:1::1/64', 'dev', 'veth0', 'nodad');
  t.inNs('b', 'ip', 'addr', 'add', '2001:db8:2::1/64', 'dev', 'veth1', 'nodad');
  t.inNs('c', 'ip', 'addr', 'add', '2001:db8:2::2/64', 'dev', 'veth0', 'nodad');
  t.inNs('a', 'ip', 'route', 'add', '2001:db8:2::/64', 'via', '2001:db8:1::1');
  t.inNs('c', 'ip', 'route', 'add', '2001:db8:1::/64', 'via', '2001:db8:2::1');
  t.sysctl('b', 'net.ipv6.conf.all.forwarding=1', `net.ipv6.ioam6_id=${NODE_ID}`, `net.ipv6.ioam6_id_wide=${NODE_ID_WIDE}`);
  t.sysctl('b', 'net.ipv6.conf.veth0.ioam6_enabled=1', `net.ipv6.conf.veth0.ioam6_id=${IN_ID}`, `net.ipv6.conf.veth1.ioam6_id=${OUT_ID}`);
  t.sysctl('b', `net.ipv6.conf.veth0.ioam6_id_wide=${IN_ID_WIDE}`, `net.ipv6.conf.veth1.ioam6_id_wide=${OUT_ID_WIDE}`);
  t.inNs('b', 'ip', 'ioam', 'namespace', 'add', '123', 'data', `0x${NS_DATA.toString(16)}`, 'wide', `0x${NS_WIDE.toString(16)}`);
  t.inNs('b', 'ip', 'ioam', 'schema', 'add', '777', SCHEMA_DATA);
  t.inNs('b', 'ip', 'ioam', 'namespace', 'set', '123', 'schema', '777');
  const before = Number(/Ip6InHdrErrors\s+(\d+)/.exec(t.inNs('b', 'nstat', '-az', 'Ip6InHdrErrors'))?.[1] ?? 0);

  const sink = t.spawnInNs('c', SCAPY_PYTHON, UDP_HBH, 'recv', '5000', '8');
  const done = collect(sink);
  await new Promise<void>((resolve) => sink.stdout?.once('data', () => resolve()));
  const items = CASES.map((c, i) => `${toHex(hbhFor(c))}:${toHex(new TextEncoder().encode(`case${i}`))}`);
  t.inNs('a', SCAPY_PYTHON, UDP_HBH, 'send', '2001:db8:2::2', '5000', ...items);
  const out = await done;
  received = new Map(
    out.stdout
      .split('\n')
      .filter((l) => l.startsWith('{'))
      .map((l) => JSON.parse(l) as { payload: string; hbh: string })
      .map((r) => [Buffer.from(r.payload, 'hex').toString(), r.hbh]),
  );
  const afterCount = Number(/Ip6InHdrErrors\s+(\d+)/.exec(t.inNs('b', 'nstat', '-az', 'Ip6InHdrErrors'))?.[1] ?? 0);
  hdrErrors = afterCount - before;
});

after(() => topo?.destroy());

test('the kernel accepts exactly the traces our decoder accepts', { skip }, () => {
  let refused = 0;
  CASES.forEach((c, i) => {
    const hbh = hbhFor(c);
    const ours = IoamTraceView.check(hbh, 4).ok;
    if (!ours) refused++;
    assert.equal(received.has(`case${i}`), ours, `${c.name}: kernel ${received.has(`case${i}`) ? 'forwarded' : 'dropped'} it, we say ${ours ? 'valid' : 'malformed'}`);
  });
  assert.ok(refused > 0);
  assert.equal(hdrErrors, refused, 'each refused trace is one Ip6InHdrErrors on beta');
});

test("beta's entries decode to the values it was configured with", { skip }, () => {
  CASES.forEach((c, i) => {
    const got = received.get(`case${i}`);
    if (got === undefined) return;
    const hbh = fromHex(got);
    const r = parseIoamTrace(hbh, 4);
    assert.ok(r.ok, `${c.name}: ${JSON.stringify(!r.ok && r.error)}`);
    const t = r.value;
    const room = c.size / 4;
    const need = traceNodeLen(c.type) + ((c.type & 0x2) !== 0 ? 1 + SCHEMA_DATA.length / 4 : 0);
    const fills = c.ns === undefined && (c.flags ?? 0) === 0 && room >= need && c.type !== 0x000001;
    if (!fills) {
      assert.equal(t.hops.length, 0, c.name);
      assert.equal((t.flags & 0x8) !== 0, (c.flags ?? 0) !== 0 || (c.ns === undefined && room < need), `${c.name}: Overflow`);
      return;
    }
    assert.equal(t.hops.length, 1, c.name);
    assert.equal(t.remainingLen, room - need, c.name);
    const h = t.hops[0]!;
    if (c.type & 0x800000) assert.deepEqual(h.hopLimitNodeId, { hopLimit: 63, nodeId: NODE_ID }, c.name);
    if (c.type & 0x400000) assert.deepEqual(h.ifIds, { ingress: IN_ID, egress: OUT_ID }, c.name);
    if (c.type & 0x200000) assert.ok(h.timestampSecs !== undefined && h.timestampSecs > 1_600_000_000, c.name);
    if (c.type & 0x100000) assert.ok(h.timestampFrac !== undefined && h.timestampFrac < 1_000_000, `${c.name}: microseconds`);
    if (c.type & 0x080000) assert.equal(h.transitDelay, 0xffffffff, c.name);
    if (c.type & 0x040000) assert.equal(h.namespaceData, NS_DATA, c.name);
    if (c.type & 0x010000) assert.equal(h.checksumComplement, 0xffffffff, c.name);
    if (c.type & 0x008000) assert.deepEqual(h.hopLimitNodeIdWide, { hopLimit: 63, nodeId: NODE_ID_WIDE }, c.name);
    if (c.type & 0x004000) assert.deepEqual(h.ifIdsWide, { ingress: IN_ID_WIDE, egress: OUT_ID_WIDE }, c.name);
    if (c.type & 0x002000) assert.equal(h.namespaceDataWide, NS_WIDE, c.name);
    if (c.type & 0x001000) assert.equal(h.bufferOccupancy, 0xffffffff, c.name);
    if (c.type & 0x000800) assert.deepEqual(h.undefinedFields, [0xffffffff], c.name);
    if (c.type & 0x000002) {
      assert.equal(h.opaqueState?.schemaId, 777, c.name);
      assert.equal(Buffer.from(h.opaqueState?.data ?? []).toString(), SCHEMA_DATA, c.name);
    }
  });
});
