/**
 * `replay` against a Linux router, case by case. The kernel side is A -veth- R -veth- B in
 * network namespaces (R forwards; r1, towards B, has MTU 1280); each case's packets are injected
 * from A's end with an AF_PACKET socket, and an AF_PACKET socket in R records what R's two veth
 * ends transmit (PACKET_OUTGOING). The v6stack side is the same R built by a replay setup script,
 * its two ends being dummy devices (replay captures what they transmit). Per case, the bytes each
 * device sent must be equal, and so must the change of R's IPv6 and ICMPv6 counters. R's r0 has a
 * second, deprecated address listed before its first, so the errors' source address takes
 * source selection's rules, not the list order.
 *
 * Masking: Linux puts an automatic flow label (a hash of the flow with a per-boot random key,
 * net.ipv6.auto_flowlabels) on packets it originates, so the flow label of packets from R's own
 * addresses is cleared on both sides; forwarded packets are compared whole.
 *
 * Rate limiting: both sides run with net.ipv6.icmp.ratelimit=0. The kernel's per-peer token
 * bucket runs on real time and replay's on the capture's virtual time, so with limits on, the
 * same packets could be answered differently for reasons that are not the data path's.
 */

import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { after, before, describe, test } from 'node:test';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runReplay } from '../../src/cli/replay.ts';
import { memoryIo } from '../../src/cli/output.ts';
import { MemorySink, PcapWriter, readCapture } from '../../src/io/capture-file.ts';
import { replay } from '../../src/sim/replay.ts';
import type { ReplayPacket } from '../../src/sim/replay.ts';
import { NEXTHDR_HOP, NEXTHDR_ICMP, NEXTHDR_UDP } from '../../src/uapi/ipv6.ts';
import { LINKTYPE_RAW } from '../../src/uapi/pcap.ts';
import { parseIpv6Address } from '../../src/wire/address.ts';
import { fromHex, toHex } from '../../src/wire/bytes.ts';
import { emitIcmpv6, icmpv6BufferLen } from '../../src/wire/icmpv6.ts';
import { emitIpv6 } from '../../src/wire/ipv6.ts';
import { emitIpv6Options, ipv6OptionsBufferLen } from '../../src/wire/ipv6-options.ts';
import { SCAPY_PYTHON } from '../support/tools.ts';
import { PACKET_TOOL, Topology, skipUnlessNetns } from './netns.ts';

/**
 * `watch DEV...`: records frames R's devices send. Commands on stdin: `mark` drops what was
 * seen so far and answers `marked`; `dump` prints `DEV HEX` for each IPv6 frame sent since
 * (network header on), then `end`.
 */
const WATCH_TOOL = `
import socket, sys, select
socks = {}
for name in sys.argv[1:]:
    # ETH_P_ALL: only ptype_all taps see what a device transmits.
    s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(3))
    s.bind((name, 3))
    s.setblocking(False)
    socks[s] = name
def pending():
    out = []
    while True:
        ready, _, _ = select.select(list(socks), [], [], 0)
        if not ready:
            return out
        for s in ready:
            data, addr = s.recvfrom(65535)
            if addr[2] == socket.PACKET_OUTGOING and data[12:14] == bytes([0x86, 0xdd]):
                out.append((socks[s], data[14:].hex()))
print('ready', flush=True)
while True:
    line = sys.stdin.readline()
    if not line:
        break
    cmd = line.strip()
    if cmd == 'mark':
        pending()
        print('marked', flush=True)
    elif cmd == 'dump':
        for dev, h in pending():
            print(dev, h)
        print('end', flush=True)
`;

function addr(text: string): Uint8Array {
  const a = parseIpv6Address(text);
  if (a === undefined) throw new Error(`bad address ${text}`);
  return a;
}

const A1 = addr('2001:db8:1::1');
const R1 = addr('2001:db8:1::ff');
const R2 = addr('2001:db8:2::ff');
/** R's deprecated second address on r0. */
const R1_DEPRECATED = addr('2001:db8:1::fe');
const B1 = addr('2001:db8:2::1');
/** A global-scope multicast group nobody joined. */
const MCAST = addr('ff0e::1234');
const MCAST_MAC = '33:33:00:00:12:34';

function packet(src: Uint8Array, dst: Uint8Array, nextHeader: number, payload: Uint8Array, hopLimit = 64, tc = 0, flow = 0): Uint8Array {
  const out = new Uint8Array(40 + payload.length);
  emitIpv6({ trafficClass: tc, flowLabel: flow, payloadLength: payload.length, nextHeader, hopLimit, src, dst }, out);
  out.set(payload, 40);
  return out;
}

function udp(len: number, hopLimit = 64, dst = B1): Uint8Array {
  const p = new Uint8Array(len);
  for (let i = 0; i < len; i++) p[i] = (i * 7 + 3) & 0xff;
  return packet(A1, dst, NEXTHDR_UDP, p, hopLimit, 0x28, 0xabcde);
}

/** A Hop-by-Hop header holding one unknown option of `type` (its top two bits: the action). */
function hbh(type: number, dst = B1): Uint8Array {
  const rest = new Uint8Array(16).fill(0x5a);
  const repr = { nextHeader: NEXTHDR_UDP, options: [{ kind: 'unknown' as const, type, data: new Uint8Array([9, 8, 7, 6]) }] };
  const len = ipv6OptionsBufferLen(repr);
  const p = new Uint8Array(len + rest.length);
  emitIpv6Options(repr, p);
  p.set(rest, len);
  return packet(A1, dst, NEXTHDR_HOP, p);
}

function echo(dst: Uint8Array): Uint8Array {
  const repr = { kind: 'echo-request' as const, code: 0, identifier: 0x7777, sequence: 11, data: new Uint8Array(32).fill(0xa5) };
  const p = new Uint8Array(icmpv6BufferLen(repr));
  emitIcmpv6(repr, p, 0, { src: A1, dst });
  return packet(A1, dst, NEXTHDR_ICMP, p, 64, 0, 0x5432);
}

interface Case {
  readonly name: string;
  readonly packets: readonly Uint8Array[];
  /** The destination MAC of the injected frames (R's r0 unless multicast). */
  readonly mcast?: boolean;
  /** What R sends on each side: r0 towards A, r1 towards B. */
  readonly r0: number;
  readonly r1: number;
}

const CASES: readonly Case[] = [
  { name: 'forwarded UDP, hop limit decremented', packets: [udp(120, 9), udp(33, 2)], r0: 0, r1: 2 },
  { name: 'hop limit 1: Time Exceeded', packets: [udp(60, 1)], r0: 1, r1: 0 },
  { name: 'a 1400-byte packet to a 1280 MTU egress: Packet Too Big', packets: [udp(1400 - 40)], r0: 1, r1: 0 },
  { name: 'unknown Hop-by-Hop option, action 00: skipped, forwarded', packets: [hbh(0x1e)], r0: 0, r1: 1 },
  { name: 'unknown Hop-by-Hop option, action 01: silently dropped', packets: [hbh(0x5e)], r0: 0, r1: 0 },
  { name: 'unknown Hop-by-Hop option, action 10: Parameter Problem code 2', packets: [hbh(0x9e)], r0: 1, r1: 0 },
  { name: 'unknown Hop-by-Hop option, action 11, unicast: Parameter Problem code 2', packets: [hbh(0xde)], r0: 1, r1: 0 },
  { name: 'unknown Hop-by-Hop option, action 10, multicast: Parameter Problem code 2', packets: [hbh(0x9e, MCAST)], mcast: true, r0: 1, r1: 0 },
  { name: 'unknown Hop-by-Hop option, action 11, multicast: dropped without an error', packets: [hbh(0xde, MCAST)], mcast: true, r0: 0, r1: 0 },
  { name: 'echo request to R: echo reply', packets: [echo(R1)], r0: 1, r1: 0 },
  { name: 'echo request to B: forwarded', packets: [echo(B1)], r0: 0, r1: 1 },
  { name: 'no route: Destination Unreachable (no route)', packets: [udp(40, 64, addr('2001:db8:99::1'))], r0: 1, r1: 0 },
];

/** R in replay: its two veth ends are dummies, whose transmissions replay captures. */
const SETUP = `
# R of A -- R -- B
ip link set lo up
ip link add r0 type dummy
ip link add r1 type dummy
ip link set r0 up
ip link set r1 up
ip link set r1 mtu 1280
ip -6 addr add 2001:db8:1::ff/64 dev r0
ip -6 addr add 2001:db8:1::fe/64 dev r0
ip -6 addr change 2001:db8:1::fe/64 dev r0 preferred_lft 0
ip -6 addr add 2001:db8:2::ff/64 dev r1
sysctl -w net.ipv6.conf.all.forwarding=1
sysctl -w net.ipv6.icmp.ratelimit=0
`;

/** Clears the flow label of packets R originated (from one of R's addresses). */
function maskOwn(p: Uint8Array): string {
  const c = p.slice();
  const from = (a: Uint8Array): boolean => a.every((x, i) => c[8 + i] === x);
  if (from(R1) || from(R2) || from(R1_DEPRECATED)) {
    c[1] = (c[1] ?? 0) & 0xf0;
    c[2] = 0;
    c[3] = 0;
  }
  return toHex(c);
}

/** What a fresh kernel namespace sends by itself: neighbour discovery, MLD reports. */
function background(p: Uint8Array): boolean {
  if (p.length < 41) return false;
  // MLD reports ride in a Hop-by-Hop header with Router Alert.
  if (p[6] === NEXTHDR_HOP) return p[40] === NEXTHDR_ICMP;
  if (p[6] !== NEXTHDR_ICMP) return false;
  const type = p[40] ?? 0;
  return (type >= 133 && type <= 137) || type === 143 || type === 130 || type === 131;
}

/**
 * Counters both sides keep that background traffic (MLD, neighbour discovery) leaves alone.
 * Ip6InReceives, Ip6InDelivers and Icmp6OutMsgs are not here: MLD reports from A and B reach
 * R (a router listens to ff02::16) and R sends its own.
 */
const COUNTERS = [
  'Ip6InHdrErrors',
  'Ip6InTooBigErrors',
  'Ip6InNoRoutes',
  'Ip6InAddrErrors',
  'Ip6InUnknownProtos',
  'Ip6InDiscards',
  'Ip6OutForwDatagrams',
  'Ip6OutNoRoutes',
  'Icmp6InEchos',
  'Icmp6OutTimeExcds',
  'Icmp6OutParmProblems',
  'Icmp6OutPktTooBigs',
  'Icmp6OutEchoReplies',
  'Icmp6OutDestUnreachs',
  'Icmp6OutType1',
  'Icmp6OutType2',
  'Icmp6OutType3',
  'Icmp6OutType4',
  'Icmp6OutType129',
] as const;

function pick(entries: Iterable<readonly [string, number]>): Map<string, number> {
  const m = new Map(entries);
  return new Map(COUNTERS.map((n) => [n, m.get(n) ?? 0]));
}

function procSnmp6(text: string): Map<string, number> {
  return pick(
    text
      .split('\n')
      .map((l) => l.trim().split(/\s+/))
      .filter((f) => f.length === 2)
      .map(([n, v]) => [n ?? '', Number(v)] as const),
  );
}

/** Lines of a child's stdout, awaited one at a time. */
class Lines {
  readonly #queue: string[] = [];
  readonly #waiters: Array<(l: string) => void> = [];
  #buf = '';

  constructor(child: ChildProcess) {
    child.stdout?.on('data', (d: Buffer) => {
      this.#buf += d.toString();
      for (let nl = this.#buf.indexOf('\n'); nl !== -1; nl = this.#buf.indexOf('\n')) {
        const line = this.#buf.slice(0, nl);
        this.#buf = this.#buf.slice(nl + 1);
        const w = this.#waiters.shift();
        if (w !== undefined) w(line);
        else this.#queue.push(line);
      }
    });
  }

  next(timeoutMs = 5000): Promise<string> {
    const l = this.#queue.shift();
    if (l !== undefined) return Promise.resolve(l);
    return new Promise((resolve, reject) => {
      const t = setTimeout(() => reject(new Error('the capture helper did not answer')), timeoutMs);
      this.#waiters.push((line) => {
        clearTimeout(t);
        resolve(line);
      });
    });
  }

  async until(last: string): Promise<string[]> {
    const out: string[] = [];
    for (let l = await this.next(); l !== last; l = await this.next()) out.push(l);
    return out;
  }
}

interface Sent {
  readonly r0: string[];
  readonly r1: string[];
  readonly counters: Map<string, number>;
}

async function ours(c: Case): Promise<Sent> {
  const packets: ReplayPacket[] = c.packets.map((data, i) => ({ data, tsNs: 1_700_000_000_000_000_000n + BigInt(i) * 20_000_000n }));
  const r = await replay({ setup: SETUP, setupName: 'replay-pipeline setup', ingress: 'r0', packets });
  assert.ok(r.ok, r.ok ? '' : r.error.message);
  const out = (d: string) => (r.value.outputs.get(d) ?? []).map((p) => p.data).filter((p) => !background(p)).map(maskOwn);
  const snapshot = [...r.value.net.mib.snapshot()].map(([n, v]) => [n, Number(v)] as const);
  return { r0: out('r0'), r1: out('r1'), counters: pick(snapshot) };
}

const skip = skipUnlessNetns();

describe('replay matches a Linux router, case by case', { skip }, () => {
  const t = new Topology('rp');
  let watcher: ChildProcess | undefined;
  let lines: Lines | undefined;
  let rMac = '';

  before(async () => {
    for (const n of ['a', 'r', 'b']) {
      t.addNamespace(n);
      t.sysctl(n, 'net.ipv6.conf.all.accept_dad=0', 'net.ipv6.conf.default.accept_dad=0');
    }
    t.link('r', 'r0', 'a', 'a0');
    t.link('r', 'r1', 'b', 'b0');
    t.sysctl('r', 'net.ipv6.conf.all.forwarding=1', 'net.ipv6.icmp.ratelimit=0');
    t.inNs('r', 'ip', 'link', 'set', 'r1', 'mtu', '1280');
    t.inNs('a', 'ip', '-6', 'addr', 'add', '2001:db8:1::1/64', 'dev', 'a0', 'nodad');
    t.inNs('r', 'ip', '-6', 'addr', 'add', '2001:db8:1::ff/64', 'dev', 'r0', 'nodad');
    // A second address on r0, first in its list and deprecated: R's errors must not come from it
    // (source selection's rule 3 before the list order).
    t.inNs('r', 'ip', '-6', 'addr', 'add', '2001:db8:1::fe/64', 'dev', 'r0', 'nodad');
    t.inNs('r', 'ip', '-6', 'addr', 'change', '2001:db8:1::fe/64', 'dev', 'r0', 'nodad', 'preferred_lft', '0');
    t.inNs('r', 'ip', '-6', 'addr', 'add', '2001:db8:2::ff/64', 'dev', 'r1', 'nodad');
    t.inNs('b', 'ip', '-6', 'addr', 'add', '2001:db8:2::1/64', 'dev', 'b0', 'nodad');
    // Permanent neighbours: nothing waits for neighbour discovery, no solicitation in between.
    t.neighbour('r', 'r0', '2001:db8:1::1', 'a', 'a0');
    t.neighbour('r', 'r1', '2001:db8:2::1', 'b', 'b0');
    rMac = t.mac('r', 'r0');
    // Our own child (Topology's have no stdin); it ends when its stdin closes, or is killed.
    watcher = spawn('ip', ['netns', 'exec', t.ns('r'), SCAPY_PYTHON, '-c', WATCH_TOOL, 'r0', 'r1'], { stdio: ['pipe', 'pipe', 'inherit'] });
    lines = new Lines(watcher);
    assert.equal(await lines.next(), 'ready');
  });

  after(() => {
    watcher?.stdin?.end();
    if (watcher !== undefined && watcher.exitCode === null) watcher.kill('SIGKILL');
    t.destroy();
  });

  /** The kernel side of one case. */
  async function kernel(c: Case): Promise<Sent> {
    const w = watcher;
    const l = lines;
    assert.ok(w !== undefined && l !== undefined);
    w.stdin?.write('mark\n');
    assert.equal(await l.next(), 'marked');
    const snmp = (): Map<string, number> => procSnmp6(t.inNs('r', 'cat', '/proc/net/snmp6'));
    const before = snmp();
    t.inNs('a', SCAPY_PYTHON, PACKET_TOOL, 'inject', 'a0', c.mcast === true ? MCAST_MAC : rMac, ...c.packets.map(toHex));
    await new Promise((r) => setTimeout(r, 150));
    w.stdin?.write('dump\n');
    const sent = await l.until('end');
    const afterCounts = snmp();
    const on = (dev: string) =>
      sent
        .filter((s) => s.startsWith(`${dev} `))
        .map((s) => fromHex(s.slice(dev.length + 1)))
        .filter((p) => !background(p))
        .map(maskOwn);
    return { r0: on('r0'), r1: on('r1'), counters: new Map([...afterCounts].map(([n, v]) => [n, v - (before.get(n) ?? 0)])) };
  }

  // What the kernel sent over all cases, for the command-line run at the end.
  const all = { r0: [] as string[], r1: [] as string[] };

  for (const c of CASES) {
    test(c.name, async () => {
      const k = await kernel(c);
      all.r0.push(...k.r0);
      all.r1.push(...k.r1);
      const us = await ours(c);
      assert.equal(k.r0.length, c.r0, `the kernel sent ${k.r0.length} packets towards A`);
      assert.equal(k.r1.length, c.r1, `the kernel sent ${k.r1.length} packets towards B`);
      assert.deepEqual(us.r0, k.r0, 'towards A (r0)');
      assert.deepEqual(us.r1, k.r1, 'towards B (r1)');
      assert.deepEqual(us.counters, k.counters, 'counters');
    });
  }

  test('v6stack replay with every case in one capture writes what the kernel sent', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'v6stack-replay-interop-'));
    try {
      const setup = join(dir, 'r.setup');
      writeFileSync(setup, SETUP);
      const sink = new MemorySink();
      const w = new PcapWriter(sink, { linkType: LINKTYPE_RAW, resolution: 'nano' });
      let ts = 1_700_000_000_000_000_000n;
      for (const c of CASES) {
        for (const p of c.packets) {
          w.writePacket(p, ts);
          ts += 20_000_000n;
        }
        ts += 1_000_000_000n;
      }
      w.close();
      const input = join(dir, 'in.pcap');
      writeFileSync(input, sink.bytes());
      const io = memoryIo();
      const out = join(dir, 'out');
      const status = await runReplay(['--setup', setup, '--ingress', 'r0', '--in', input, '--out-dir', out], io);
      assert.equal(status, 0, io.err.text);
      const read = (dev: string): string[] =>
        existsSync(join(out, `${dev}.pcap`))
          ? [...readCapture(join(out, `${dev}.pcap`))].map((p) => p.data).filter((p) => !background(p)).map(maskOwn)
          : [];
      assert.equal(all.r0.length, CASES.reduce((n, c) => n + c.r0, 0));
      assert.deepEqual(read('r0'), all.r0);
      assert.deepEqual(read('r1'), all.r1);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
