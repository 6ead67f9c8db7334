/**
 * IOAM insertion by route and ip6ip6 decapsulation, mixed with real Linux 6.18 nodes in the
 * topology of tools/testing/selftests/net/ioam6.sh (alpha inserts, beta transits, gamma
 * receives), with the selftest's node configuration (ioam6_parser.c's node1/node2/node3).
 *
 * Our machines' kernel is built without CONFIG_IPV6_IOAM6_LWTUNNEL and CONFIG_IPV6_TUNNEL, so:
 * 1. v6stack plays alpha: it inserts the trace (inline, encap, encap with tunsrc) into a ping
 *    it originates; the packets go into kernel beta (ioam6_enabled on its ingress, so it fills
 *    its entry) and are captured on kernel gamma with a packet socket, then checked field by
 *    field as ioam6_parser.c checks them, and byte by byte against what alpha sent.
 * 2. kernel alpha builds the encap itself: a raw socket of protocol 41 with the IOAM
 *    Hop-by-Hop header set through IPV6_HOPOPTS (the kernel writes the outer header); kernel
 *    beta fills its entry; the packet captured behind beta goes into v6stack gamma, which fills
 *    its own entry (node3), decapsulates through the fallback tunnel and answers the inner ping.
 *    With the tunnel module absent, v6stack gamma answers exactly what the kernel receiver
 *    answers (Parameter Problem, unknown next header 41).
 */

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { runIpWith } from '../../src/cli/ip.ts';
import { memoryIo } from '../../src/cli/output.ts';
import { registerV6stackFamily } from '../../src/daemon/family.ts';
import { kernelOpener } from '../../src/daemon/opener.ts';
import { Ioam6HbhNet } from '../../src/ipv6/ioam6-hbh.ts';
import { IP6TNL_UP } from '../../src/ipv6/ip6-tunnel.ts';
import { ip6LocalOut } from '../../src/ipv6/output.ts';
import { Kernel } from '../../src/kernel.ts';
import { IPSTATS_MIB_INDELIVERS } from '../../src/net/mib.ts';
import type { Net } from '../../src/net/net.ts';
import type { NetDevice } from '../../src/net/netdevice.ts';
import { PacketBuffer } from '../../src/net/packet-buffer.ts';
import { NEXTHDR_HOP, NEXTHDR_ICMP, NEXTHDR_IPV6 } from '../../src/uapi/ipv6.ts';
import { parseIpv6Address } from '../../src/wire/address.ts';
import { fromHex, toHex, u16, u32 } from '../../src/wire/bytes.ts';
import { emitIcmpv6, icmpv6BufferLen } from '../../src/wire/icmpv6.ts';
import { emitIpv6 } from '../../src/wire/ipv6.ts';
import { SCAPY_PYTHON } from '../support/tools.ts';
import { Topology, collect, skipUnlessNetns } from './netns.ts';

/**
 * cap IFNAME SECONDS [all]: prints each IPv6 frame's network bytes (incoming only, unless
 * `all`, then outgoing ones prefixed "out ");
 * inject IFNAME DSTMAC HEX...: sends each as an Ethernet frame;
 * raw41 DST HOPOPTS_HEX INNER_HEX: a raw IPv6 socket of protocol 41 with IPV6_HOPOPTS set.
 */
const PACKET_TOOL = `
import socket, sys, time
mode = sys.argv[1]
if mode == 'cap':
    both = len(sys.argv) > 4 and sys.argv[4] == 'all'
    # Outgoing frames reach only ETH_P_ALL sockets (dev_queue_xmit_nit).
    s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(3 if both else 0x86dd))
    s.bind((sys.argv[2], 0))
    print('ready', flush=True)
    end = time.monotonic() + float(sys.argv[3])
    while True:
        left = end - time.monotonic()
        if left <= 0:
            break
        s.settimeout(left)
        try:
            data, addr = s.recvfrom(65535)
        except socket.timeout:
            break
        if data[12:14] != b'\\x86\\xdd':
            continue
        if addr[2] != socket.PACKET_OUTGOING:
            print(data[14:].hex(), flush=True)
        elif both:
            print('out ' + data[14:].hex(), flush=True)
elif mode == 'inject':
    s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW)
    s.bind((sys.argv[2], 0))
    dmac = bytes.fromhex(sys.argv[3].replace(':', ''))
    smac = s.getsockname()[4][:6]
    for h in sys.argv[4:]:
        s.send(dmac + smac + b'\\x86\\xdd' + bytes.fromhex(h))
        time.sleep(0.05)
else:
    s = socket.socket(socket.AF_INET6, socket.SOCK_RAW, 41)
    s.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_HOPOPTS, bytes.fromhex(sys.argv[3]))
    s.sendto(bytes.fromhex(sys.argv[4]), (sys.argv[2], 0))
`;

function addr(text: string): Uint8Array {
  const a = parseIpv6Address(text);
  if (a === undefined) throw new Error(`bad address ${text}`);
  return a;
}

const ALPHA = addr('2001:db8:1::2');
const ALPHA_TUNSRC = addr('2001:db8:1::50');
const GAMMA = addr('2001:db8:2::2');
/** The selftest's full supported trace: bits 0-11 and 22. */
const FULL = 0xfff002;
const SCHEMA = 'something that will be 4n-aligned';

/** An echo request as ping6 -t 64 sends it. */
function ping(src: Uint8Array, dst: Uint8Array, seq: number, type: 'echo-request' | 'echo-reply' = 'echo-request'): Uint8Array {
  const repr = { kind: type, code: 0, identifier: 0x1234, sequence: seq, data: new Uint8Array(16).fill(0x61 + seq) };
  const icmp = new Uint8Array(icmpv6BufferLen(repr));
  emitIcmpv6(repr, icmp, 0, { src, dst });
  const p = new Uint8Array(40 + icmp.length);
  emitIpv6({ trafficClass: 0, flowLabel: 0, payloadLength: icmp.length, nextHeader: NEXTHDR_ICMP, hopLimit: 64, src, dst }, p);
  p.set(icmp, 40);
  return p;
}

/** Runs `ip` lines (argv arrays) against an in-process kernel. */
async function ipAll(k: Kernel, lines: ReadonlyArray<readonly string[]>): Promise<void> {
  const opener = kernelOpener(k);
  for (const argv of lines) {
    const io = memoryIo();
    assert.equal(await runIpWith([...argv], io, opener), 0, `ip ${argv.join(' ')}: ${io.err.text}`);
  }
}

function kernelNode(): Kernel {
  const k = new Kernel({ seed: 11 });
  const fam = registerV6stackFamily(k.world, k.genl);
  assert.ok(typeof fam !== 'number');
  return k;
}

function sysctls(net: Net, settings: Record<string, string>): void {
  for (const [key, value] of Object.entries(settings)) assert.ok(net.sysctl.write(key, value).ok, key);
}

/** v6stack alpha (the selftest's ALPHA) with `mode` words; returns its ping after insertion. */
async function alphaSends(modeWords: readonly string[], seq: number): Promise<{ sent: Uint8Array; out: Uint8Array }> {
  const k = kernelNode();
  await ipAll(k, [
    ['netns', 'add', 'alpha'],
    ['-n', 'alpha', 'link', 'add', 'veth0', 'type', 'dummy'],
    ['-n', 'alpha', 'link', 'set', 'veth0', 'up'],
    ['-n', 'alpha', 'addr', 'add', '2001:db8:1::50/64', 'dev', 'veth0'],
    ['-n', 'alpha', 'addr', 'add', '2001:db8:1::2/64', 'dev', 'veth0'],
    ['-n', 'alpha', 'ioam', 'namespace', 'add', '123', 'data', '0xdeadbeef', 'wide', '0xcafec0caf00dc0de'],
    ['-n', 'alpha', 'ioam', 'schema', 'add', '777', SCHEMA],
    ['-n', 'alpha', 'ioam', 'namespace', 'set', '123', 'schema', '777'],
    // Two full entries (alpha's 100 octets with its schema, beta's 64): 164.
    ['-n', 'alpha', '-6', 'route', 'add', '2001:db8:2::/64', 'encap', 'ioam6', 'mode', ...modeWords,
      'trace', 'prealloc', 'type', `0x${FULL.toString(16)}`, 'ns', '123', 'size', '164', 'via', '2001:db8:1::1', 'dev', 'veth0'],
  ]);
  const net = k.world.byName('alpha');
  assert.ok(net !== undefined);
  sysctls(net, {
    'net.ipv6.ioam6_id': '1',
    'net.ipv6.ioam6_id_wide': '11111111',
    'net.ipv6.conf.veth0.ioam6_id': '101',
    'net.ipv6.conf.veth0.ioam6_id_wide': '101101',
  });
  const ip6 = k.ipv6?.get(net);
  assert.ok(ip6 !== undefined);
  const dev = k.netdev.table(net).getByName('veth0');
  assert.ok(dev !== undefined);
  let out: Uint8Array | undefined;
  dev.xmit = (_d, pkb) => void (out = pkb.bytes().slice());
  const sent = ping(ALPHA, GAMMA, seq);
  const pkb = PacketBuffer.from(sent, 128);
  pkb.resetNetworkHeader();
  const rt = ip6.fib.lookup(GAMMA);
  assert.ok(rt !== undefined);
  ip6.apply(pkb, ip6LocalOut(ip6, pkb, rt, dev), dev);
  assert.ok(out !== undefined, 'alpha transmitted');
  return { sent, out };
}

/** Reads one trace entry of the full type, as ioam6_parser.c's check_ioam6_data walks it. */
interface Entry {
  hlim: number;
  id: number;
  ingr: number;
  egr: number;
  tsSec: number;
  tsFrac: number;
  transit: number;
  nsData: number;
  csum: number;
  hlimWide: number;
  idWide: bigint;
  ingrWide: number;
  egrWide: number;
  nsWide: bigint;
  buffer: number;
  scHdr: number;
  scData: Uint8Array;
}

function entry(b: Uint8Array, at: number): { e: Entry; next: number } {
  let p = at;
  const w = (): number => {
    const v = u32(b, p);
    p += 4;
    return v;
  };
  const w64 = (): bigint => (BigInt(w()) << 32n) | BigInt(w());
  const first = w();
  const ids = w();
  const tsSec = w();
  const tsFrac = w();
  const transit = w();
  const nsData = w();
  w(); // queue depth: the device's backlog, not configured
  const csum = w();
  const wide = w64();
  const ingrWide = w();
  const egrWide = w();
  const nsWide = w64();
  const buffer = w();
  const scHdr = w();
  const scLen = (scHdr >>> 24) * 4;
  const scData = b.slice(p, p + scLen);
  p += scLen;
  return {
    e: {
      hlim: first >>> 24,
      id: first & 0xffffff,
      ingr: ids >>> 16,
      egr: ids & 0xffff,
      tsSec,
      tsFrac,
      transit,
      nsData,
      csum,
      hlimWide: Number(wide >> 56n),
      idWide: wide & 0xffffffffffffffn,
      ingrWide,
      egrWide,
      nsWide,
      buffer,
      scHdr,
      scData,
    },
    next: p,
  };
}

const U32_NA = 0xffffffff;

/** node1 of ioam6_parser.c as v6stack alpha fills it for a ping it originates. */
function checkAlphaEntry(e: Entry): void {
  assert.equal(e.hlim, 64);
  assert.equal(e.id, 1);
  assert.equal(e.ingr, 0xffff, 'no ingress device: unavailable');
  assert.equal(e.egr, 101);
  assert.equal(e.tsSec, U32_NA, 'no ingress device: no receive timestamp');
  assert.equal(e.tsFrac, U32_NA);
  assert.equal(e.transit, U32_NA);
  assert.equal(e.nsData, 0xdeadbeef);
  assert.equal(e.csum, U32_NA);
  assert.equal(e.hlimWide, 64);
  assert.equal(e.idWide, 11111111n);
  assert.equal(e.ingrWide, U32_NA);
  assert.equal(e.egrWide, 101101);
  assert.equal(e.nsWide, 0xcafec0caf00dc0den);
  assert.equal(e.buffer, U32_NA);
  assert.equal(e.scHdr, ((36 / 4) << 24) | 777);
  const sc = new Uint8Array(36);
  sc.set(new TextEncoder().encode(SCHEMA));
  assert.equal(toHex(e.scData), toHex(sc));
}

/** node2 (beta, a kernel transit node) as the kernel fills it. */
function checkBetaEntry(e: Entry, hlim: number): void {
  assert.equal(e.hlim, hlim);
  assert.equal(e.id, 2);
  assert.equal(e.ingr, 201);
  assert.equal(e.egr, 202);
  assert.notEqual(e.tsSec, U32_NA, 'a received packet has a timestamp');
  assert.equal(e.transit, U32_NA);
  assert.equal(e.nsData, U32_NA);
  assert.equal(e.csum, U32_NA);
  assert.equal(e.hlimWide, hlim);
  assert.equal(e.idWide, 22222222n);
  assert.equal(e.ingrWide, 201201);
  assert.equal(e.egrWide, 202202);
  assert.equal(e.nsWide, 0xffffffffffffffffn);
  assert.equal(e.buffer, U32_NA);
  assert.equal(e.scHdr, 0x00ffffff, 'no schema');
  assert.equal(e.scData.length, 0);
}

/** Beta as ioam6.sh configures it, between `left` (its veth0) and `right` (its veth1). */
function setupBeta(topo: Topology): void {
  topo.inNs('beta', 'ip', 'addr', 'add', '2001:db8:1::1/64', 'dev', 'veth0');
  topo.inNs('beta', 'ip', 'addr', 'add', '2001:db8:2::1/64', 'dev', 'veth1');
  topo.sysctl(
    'beta',
    'net.ipv6.conf.all.forwarding=1',
    'net.ipv6.ioam6_id=2',
    'net.ipv6.ioam6_id_wide=22222222',
    'net.ipv6.conf.veth0.ioam6_enabled=1',
    'net.ipv6.conf.veth0.ioam6_id=201',
    'net.ipv6.conf.veth0.ioam6_id_wide=201201',
    'net.ipv6.conf.veth1.ioam6_id=202',
    'net.ipv6.conf.veth1.ioam6_id_wide=202202',
  );
  topo.inNs('beta', 'ip', 'ioam', 'namespace', 'add', '123');
}

function noDad(topo: Topology, ...names: string[]): void {
  for (const n of names) {
    topo.addNamespace(n);
    topo.sysctl(n, 'net.ipv6.conf.all.accept_dad=0', 'net.ipv6.conf.default.accept_dad=0');
  }
}

async function capture(topo: Topology, ns: string, dev: string, seconds: number, all = false): Promise<{ done: Promise<{ stdout: string }> }> {
  const child = topo.spawnInNs(ns, SCAPY_PYTHON, '-c', PACKET_TOOL, 'cap', dev, String(seconds), ...(all ? ['all'] : []));
  const done = collect(child);
  await new Promise<void>((resolve, reject) => {
    let buf = '';
    child.stdout?.on('data', (d: Buffer) => {
      buf += d.toString();
      if (buf.includes('ready')) resolve();
    });
    child.on('close', () => reject(new Error('capture exited early')));
  });
  return { done };
}

/** IPv6 packets of a capture's output whose Next Header is Hop-by-Hop (drops ND, MLD has RA). */
function hbhPackets(stdout: string, src?: Uint8Array): Uint8Array[] {
  return stdout
    .split('\n')
    .filter((l) => /^[0-9a-f]+$/.test(l))
    .map((l) => fromHex(l))
    .filter((p) => p[6] === NEXTHDR_HOP && p[42] !== 5 && (src === undefined || toHex(p.subarray(8, 24)) === toHex(src)));
}

test('v6stack alpha inserts (inline, encap, encap with tunsrc); kernel beta transits; parsed on kernel gamma', { skip: skipUnlessNetns() }, async () => {
  const modes: Array<{ words: string[]; encap: boolean; src: Uint8Array }> = [
    { words: ['inline'], encap: false, src: ALPHA },
    { words: ['encap', 'tundst', '2001:db8:2::2'], encap: true, src: ALPHA },
    { words: ['encap', 'tunsrc', '2001:db8:1::50', 'tundst', '2001:db8:2::2'], encap: true, src: ALPHA_TUNSRC },
  ];
  const ours: Array<{ sent: Uint8Array; out: Uint8Array }> = [];
  for (const [i, m] of modes.entries()) ours.push(await alphaSends(m.words, i + 1));

  const topo = new Topology('ioi');
  try {
    noDad(topo, 'inj', 'beta', 'gamma');
    topo.link('inj', 'veth0', 'beta', 'veth0');
    topo.link('beta', 'veth1', 'gamma', 'veth0');
    setupBeta(topo);
    topo.inNs('gamma', 'ip', 'addr', 'add', '2001:db8:2::2/64', 'dev', 'veth0');
    topo.inNs('gamma', 'ip', '-6', 'route', 'add', '2001:db8:1::/64', 'via', '2001:db8:2::1', 'dev', 'veth0');
    const mac = topo.inNs('beta', 'cat', '/sys/class/net/veth0/address').trim();
    const cap = await capture(topo, 'gamma', 'veth0', 3);
    topo.inNs('inj', SCAPY_PYTHON, '-c', PACKET_TOOL, 'inject', 'veth0', mac, ...ours.map((o) => toHex(o.out)));
    const { stdout } = await cap.done;
    const got = hbhPackets(stdout);
    assert.equal(got.length, 3, stdout);

    for (const [i, m] of modes.entries()) {
      const g = got[i] ?? new Uint8Array(0);
      const { sent, out } = ours[i] ?? { sent: new Uint8Array(0), out: new Uint8Array(0) };
      // The outer header as alpha built it, beta's hop.
      assert.equal(toHex(g.subarray(8, 24)), toHex(m.src), 'source');
      assert.equal(toHex(g.subarray(24, 40)), toHex(GAMMA));
      assert.equal(g[7], 63);
      // HBH: next header, length 184 octets, PadN, IOAM option 0x31 of 2 + 8 + 164, prealloc.
      assert.equal(g[40], m.encap ? NEXTHDR_IPV6 : NEXTHDR_ICMP);
      assert.equal(toHex(g.subarray(41, 48)), '16' + '0100' + '31ae' + '0000');
      // Trace header (check_ioam_header): ns 123, nodelen 15, no overflow, remlen 0, type.
      assert.equal(u16(g, 48), 123);
      assert.equal(g[50], 15 << 3);
      assert.equal(g[51], 0);
      assert.equal(u32(g, 52), (FULL << 8) >>> 0);
      // Beta's entry comes first (it filled after alpha), then alpha's.
      const beta = entry(g, 56);
      checkBetaEntry(beta.e, 63);
      const alpha = entry(g, beta.next);
      checkAlphaEntry(alpha.e);
      assert.equal(alpha.next, 56 + 164);
      // 164 octets are 41 words, an odd count: a 4-octet PadN closes the header.
      assert.equal(toHex(g.subarray(220, 224)), '01020000');
      assert.equal(toHex(g.subarray(224)), m.encap ? toHex(sent) : toHex(sent.subarray(40)), 'the rest as alpha sent it');
      // Everything else is byte for byte what alpha transmitted.
      const expected = out.slice();
      expected[7] = 63;
      expected[51] = 0;
      expected.set(g.subarray(56, beta.next), 56);
      assert.equal(toHex(g), toHex(expected));
    }
  } finally {
    topo.destroy();
  }
});

/** The IOAM Hop-by-Hop a kernel alpha sets with IPV6_HOPOPTS: the ioam6_lwt_encap layout. */
function hopopts(size: number): Uint8Array {
  const aligned = (size + 7) & ~7;
  const h = new Uint8Array(16 + aligned);
  h[1] = (16 + aligned) / 8 - 1;
  h.set([1, 0, 0x31, 2 + 8 + size, 0, 0], 2);
  h.set([0, 123, 15 << 3, size / 4], 8);
  h.set([(FULL >>> 16) & 0xff, (FULL >>> 8) & 0xff, FULL & 0xff, 0], 12);
  if (aligned !== size) h.set([1, 2], 16 + size);
  return h;
}

/** v6stack gamma: the selftest's gamma, with node3's IOAM ids. */
async function gammaNode(tunnel: boolean): Promise<{ k: Kernel; net: Net; dev: NetDevice; out: Uint8Array[]; traces: Uint8Array[] }> {
  const k = kernelNode();
  await ipAll(k, [
    ['netns', 'add', 'gamma'],
    ['-n', 'gamma', 'link', 'add', 'veth0', 'type', 'dummy'],
    ['-n', 'gamma', 'link', 'set', 'veth0', 'up'],
    ['-n', 'gamma', 'addr', 'add', '2001:db8:2::2/64', 'dev', 'veth0'],
    ['-n', 'gamma', '-6', 'route', 'add', '2001:db8:1::/64', 'via', '2001:db8:2::1', 'dev', 'veth0'],
    ['-n', 'gamma', 'ioam', 'namespace', 'add', '123', 'data', '0xdeadbee2', 'wide', '0xcafec0caf22dc0de'],
  ]);
  const net = k.world.byName('gamma');
  assert.ok(net !== undefined && k.ip6Tnl !== undefined);
  sysctls(net, {
    'net.ipv6.ioam6_id': '3',
    'net.ipv6.ioam6_id_wide': '33333333',
    'net.ipv6.conf.veth0.ioam6_enabled': tunnel ? '1' : '0',
    'net.ipv6.conf.veth0.ioam6_id': '301',
    'net.ipv6.conf.veth0.ioam6_id_wide': '301301',
  });
  if (tunnel) assert.ok(k.ip6Tnl.get(net).setFallback(IP6TNL_UP));
  const dev = k.netdev.table(net).getByName('veth0');
  assert.ok(dev !== undefined);
  const out: Uint8Array[] = [];
  dev.xmit = (_d, pkb) => void out.push(pkb.bytes().slice());
  const traces: Uint8Array[] = [];
  const ip6 = k.ipv6?.get(net);
  assert.ok(ip6 !== undefined);
  const hbh = Ioam6HbhNet.of(ip6);
  assert.ok(hbh !== undefined);
  // This observer replaces the Kernel's events writer, and with it its listener gate.
  hbh.onTrace = (_n, t) => void traces.push(t.slice());
  hbh.traceWanted = null;
  return { k, net, dev, out, traces };
}

test('kernel alpha encapsulates with IPV6_HOPOPTS, kernel beta fills, v6stack gamma fills, decapsulates and answers', { skip: skipUnlessNetns() }, async () => {
  const topo = new Topology('ioj');
  let captured: Uint8Array[] = [];
  let kernelAnswer: Uint8Array[] = [];
  const inner = ping(ALPHA, GAMMA, 7);
  try {
    noDad(topo, 'alpha', 'beta', 'gcap');
    topo.link('alpha', 'veth0', 'beta', 'veth0');
    topo.link('beta', 'veth1', 'gcap', 'veth0');
    setupBeta(topo);
    topo.inNs('alpha', 'ip', 'addr', 'add', '2001:db8:1::2/64', 'dev', 'veth0');
    topo.inNs('alpha', 'ip', '-6', 'route', 'add', '2001:db8:2::/64', 'via', '2001:db8:1::1', 'dev', 'veth0');
    topo.inNs('gcap', 'ip', 'addr', 'add', '2001:db8:2::2/64', 'dev', 'veth0');
    topo.inNs('gcap', 'ip', '-6', 'route', 'add', '2001:db8:1::/64', 'via', '2001:db8:2::1', 'dev', 'veth0');
    const cap = await capture(topo, 'gcap', 'veth0', 3, true);
    // Room for beta's entry (64 octets) and gamma's (60 + the 4-octet "no schema" header).
    topo.inNs('alpha', SCAPY_PYTHON, '-c', PACKET_TOOL, 'raw41', '2001:db8:2::2', toHex(hopopts(128)), toHex(inner));
    const { stdout } = await cap.done;
    captured = hbhPackets(stdout, ALPHA);
    kernelAnswer = stdout
      .split('\n')
      .filter((l) => l.startsWith('out '))
      .map((l) => fromHex(l.slice(4)))
      .filter((p) => p[6] === NEXTHDR_ICMP && p[40] === 4);
  } finally {
    topo.destroy();
  }
  assert.equal(captured.length, 1, 'the encapsulated ping behind beta');
  const pkt = captured[0] ?? new Uint8Array(0);
  // The kernel built the outer header: Next Header 0, our HBH with 41 after it, the inner ping.
  assert.equal(pkt[6], NEXTHDR_HOP);
  assert.equal(pkt[7], 63);
  assert.equal(pkt[40], NEXTHDR_IPV6);
  assert.equal(toHex(pkt.subarray(40 + 144)), toHex(inner));
  assert.equal(pkt[51], 16, 'beta took 16 words');
  checkBetaEntry(entry(pkt, 56 + 64).e, 63);

  // v6stack gamma: fills node3, decapsulates, answers the inner ping.
  const g = await gammaNode(true);
  g.dev.receive?.(g.dev, PacketBuffer.from(pkt, 64));
  assert.equal(g.traces.length, 1, 'gamma filled its entry');
  const t = g.traces[0] ?? new Uint8Array(0);
  assert.equal(t[3], 0, 'no room left');
  const gamma = entry(t, 8).e;
  assert.equal(gamma.hlim, 62);
  assert.equal(gamma.id, 3);
  assert.equal(gamma.ingr, 301);
  assert.equal(gamma.egr, 0xffff, 'delivered locally: the egress is lo');
  assert.equal(gamma.nsData, 0xdeadbee2);
  assert.equal(gamma.idWide, 33333333n);
  assert.equal(gamma.ingrWide, 301301);
  assert.equal(gamma.egrWide, U32_NA);
  assert.equal(gamma.nsWide, 0xcafec0caf22dc0den);
  assert.equal(gamma.scHdr, 0x00ffffff);
  assert.equal(g.out.length, 1, 'the echo reply');
  const reply = ping(GAMMA, ALPHA, 7, 'echo-reply');
  assert.equal(toHex(g.out[0] ?? new Uint8Array(0)), toHex(reply));
  const ip6 = g.k.ipv6?.get(g.net);
  assert.equal(ip6?.mib.ip.get(IPSTATS_MIB_INDELIVERS), 2, 'the outer packet (to the tunnel) and the inner ping');

  // Without the tunnel module v6stack answers what the kernel receiver answered.
  assert.equal(kernelAnswer.length, 1, 'the kernel gamma answered Parameter Problem');
  const plain = await gammaNode(false);
  plain.dev.receive?.(plain.dev, PacketBuffer.from(pkt, 64));
  assert.equal(plain.out.length, 1);
  const mask = (p: Uint8Array): string => {
    const c = p.slice();
    // The kernel's automatic flow label is a hash with a per-boot key.
    c[1] = (c[1] ?? 0) & 0xf0;
    c[2] = 0;
    c[3] = 0;
    return toHex(c);
  };
  assert.equal(mask(plain.out[0] ?? new Uint8Array(0)), mask(kernelAnswer[0] ?? new Uint8Array(0)));
});
