// The ioam6 lwtunnel output (ioam6_output in net/ipv6/ioam6_iptunnel.c, Linux 6.18) on a node
// configured with `ip` commands: inline and encap insertion byte by byte, auto mode, the k/n
// counter, the route after insertion, the recursion guard, and MTU failures. The machines'
// kernel lacks CONFIG_IPV6_IOAM6_LWTUNNEL, so expected bytes follow the source (the functions
// named beside each case); test/interop/ioam-insert.test.ts sends them through real kernels.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { runIpWith } from '../cli/ip.ts';
import { memoryIo } from '../cli/output.ts';
import { registerV6stackFamily } from '../daemon/family.ts';
import { kernelOpener } from '../daemon/opener.ts';
import { Kernel } from '../kernel.ts';
import { IPSTATS_MIB_FRAGFAILS, IPSTATS_MIB_OUTFORWDATAGRAMS, IPSTATS_MIB_OUTOCTETS, IPSTATS_MIB_OUTPKTS, IPSTATS_MIB_OUTREQUESTS } from '../net/mib.ts';
import type { Net } from '../net/net.ts';
import type { NetDevice } from '../net/netdevice.ts';
import { PacketBuffer } from '../net/packet-buffer.ts';
import { SKB_DROP_REASON_NOT_SPECIFIED } from '../uapi/dropreason.ts';
import { ICMPV6_PKT_TOOBIG } from '../uapi/icmpv6.ts';
import { NEXTHDR_HOP, NEXTHDR_ICMP, NEXTHDR_NONE, NEXTHDR_UDP } from '../uapi/ipv6.ts';
import { parseIpv6Address } from '../wire/address.ts';
import { toHex } from '../wire/bytes.ts';
import { emitIpv6 } from '../wire/ipv6.ts';
import { skipUnlessTshark, tsharkExpertWarnings, tsharkField, tsharkJson } from '../../test/support/tools.ts';
import type { Fib6Route } from './fib.ts';
import type { Ioam6LwtState } from './ioam6-iptunnel.ts';
import type { Ipv6Net } from './ipv6.ts';
import { ip6LocalOut } from './output.ts';

function addr(t: string): Uint8Array {
  const a = parseIpv6Address(t);
  assert.ok(a !== undefined, t);
  return a;
}

const A = addr('2001:db8:1::1');
const R_D0 = addr('2001:db8:2::ff');
const DST = addr('2001:db8:9::1');
const TRACE = 'trace prealloc type 0x800000 ns 123 size 12';

interface Node {
  readonly k: Kernel;
  readonly net: Net;
  readonly ip6: Ipv6Net;
  /** [device, packet] for everything R transmits on d0 / d1. */
  readonly out: Array<[string, Uint8Array]>;
  /** What reaches A. */
  readonly atA: Uint8Array[];
  readonly r0: NetDevice;
  /** A packet from A arriving on r0. */
  rx(p: Uint8Array): void;
  /** A packet R originates (pkb.dev null), routed by its destination. */
  local(p: Uint8Array): number;
  route(dst: Uint8Array): Fib6Route;
}

/**
 * R: r0 (veth to A, 2001:db8:1::ff/64), d0 (dummy, 2001:db8:2::ff/64), d1 (dummy,
 * 2001:db8:3::ff/64); forwarding on; IOAM namespace 123; net.ipv6.ioam6_id 11; then `lines`.
 */
async function node(lines: readonly string[]): Promise<Node> {
  const k = new Kernel({ seed: 5 });
  const fam = registerV6stackFamily(k.world, k.genl);
  assert.ok(typeof fam !== 'number');
  const opener = kernelOpener(k);
  const script = [
    'netns add R',
    'netns add A',
    '-n R link add r0 type veth peer name a0 netns A',
    '-n R link add d0 type dummy',
    '-n R link add d1 type dummy',
    '-n R link set r0 up',
    '-n R link set d0 up',
    '-n R link set d1 up',
    '-n A link set a0 up',
    '-n A addr add 2001:db8:1::1/64 dev a0',
    '-n A -6 route add default via 2001:db8:1::ff dev a0',
    '-n R addr add 2001:db8:1::ff/64 dev r0',
    '-n R addr add 2001:db8:2::ff/64 dev d0',
    '-n R addr add 2001:db8:3::ff/64 dev d1',
    '-n R ioam namespace add 123',
    ...lines,
  ];
  for (const line of script) {
    const io = memoryIo();
    assert.equal(await runIpWith(line.split(' '), io, opener), 0, `${line}: ${io.err.text}`);
  }
  const net = k.world.byName('R');
  const netA = k.world.byName('A');
  assert.ok(net !== undefined && netA !== undefined);
  assert.ok(net.sysctl.write('net.ipv6.conf.all.forwarding', '1').ok);
  assert.ok(net.sysctl.write('net.ipv6.ioam6_id', '11').ok);
  const ip6 = k.ipv6?.get(net);
  assert.ok(ip6 !== undefined);
  const tbl = k.netdev.table(net);
  const r0 = tbl.getByName('r0');
  const a0 = k.netdev.table(netA).getByName('a0');
  assert.ok(r0 !== undefined && a0 !== undefined);
  const out: Array<[string, Uint8Array]> = [];
  for (const name of ['d0', 'd1']) {
    const d = tbl.getByName(name);
    assert.ok(d !== undefined);
    d.xmit = (dev, pkb) => void out.push([dev.name, pkb.bytes().slice()]);
  }
  const atA: Uint8Array[] = [];
  a0.receive = (_d, pkb) => void atA.push(pkb.bytes().slice());
  const route = (dst: Uint8Array): Fib6Route => {
    const rt = ip6.fib.lookup(dst);
    assert.ok(rt !== undefined);
    return rt;
  };
  return {
    k,
    net,
    ip6,
    out,
    atA,
    r0,
    rx: (p) => r0.receive?.(r0, PacketBuffer.from(p, 128)),
    local: (p) => {
      const pkb = PacketBuffer.from(p, 128);
      pkb.resetNetworkHeader();
      const rt = route(p.subarray(24, 40));
      const dev = ip6.device(rt.ifindex);
      assert.ok(dev !== undefined);
      return ip6.apply(pkb, ip6LocalOut(ip6, pkb, rt, dev), dev);
    },
    route,
  };
}

/** A UDP-like packet: Traffic Class 0x20, Flow Label 0x12345, `len` payload bytes. */
function packet(src: Uint8Array, dst: Uint8Array, len = 20, hopLimit = 64, nextHeader = NEXTHDR_UDP): Uint8Array {
  const p = new Uint8Array(40 + len);
  emitIpv6({ trafficClass: 0x20, flowLabel: 0x12345, payloadLength: len, nextHeader, hopLimit, src, dst }, p);
  for (let i = 0; i < len; i++) p[40 + i] = (i * 7) & 0xff;
  return p;
}

/** The Hop-by-Hop header ioam6 inserts for TRACE, with this node's entry (hop limit `hl`, id 11). */
function hbh(nextHeader: number, hl: number): string {
  const nh = nextHeader.toString(16).padStart(2, '0');
  const h = hl.toString(16).padStart(2, '0');
  // hdrlen 3 | PadN(0) | IOAM opt 0x31 len 22, prealloc | ns 123, nodelen 1, remlen 3 -> 2 |
  // type bit 0 | two free words | the entry | PadN(2).
  return `${nh}03` + '0100' + '31160000' + '007b0802' + '80000000' + '0000000000000000' + `${h}00000b` + '01020000';
}

function hex(p: Uint8Array | undefined): string {
  assert.ok(p !== undefined, 'a packet');
  return toHex(p);
}

function lwt(rt: Fib6Route): Ioam6LwtState {
  const st = rt.lwtstate as Ioam6LwtState | undefined;
  assert.ok(st !== undefined);
  return st;
}

test('inline on a forwarded packet: the HBH after the header, Payload Length + 32, entry with the decremented hop limit', async () => {
  const n = await node([`-n R -6 route add 2001:db8:9::/64 encap ioam6 mode inline ${TRACE} dev d0`]);
  const p = packet(A, DST);
  n.rx(p);
  assert.equal(n.out.length, 1);
  const [dev, got] = n.out[0] ?? ['', new Uint8Array(0)];
  assert.equal(dev, 'd0');
  const exp = p.slice(0, 40);
  exp[5] = 20 + 32;
  exp[6] = NEXTHDR_HOP;
  exp[7] = 63;
  assert.equal(hex(got), toHex(exp) + hbh(NEXTHDR_UDP, 63) + toHex(p.subarray(40)));
  assert.equal(n.ip6.mib.ip.get(IPSTATS_MIB_OUTFORWDATAGRAMS), 1);
  assert.equal(n.ip6.mib.ip.get(IPSTATS_MIB_OUTOCTETS), got.length);
  // The first lookup after insertion found this route: remembered (the kernel's null_dst).
  assert.equal(lwt(n.route(DST)).sameDst, true);
});

test('inline on a locally generated packet: hop limit as sent, Ip6OutRequests once', async () => {
  const n = await node([`-n R -6 route add 2001:db8:9::/64 encap ioam6 ${TRACE} dev d0`]);
  const p = packet(R_D0, DST, 20, 64, NEXTHDR_ICMP);
  n.local(p);
  const exp = p.slice(0, 40);
  exp[5] = 52;
  exp[6] = NEXTHDR_HOP;
  assert.equal(hex(n.out[0]?.[1]), toHex(exp) + hbh(NEXTHDR_ICMP, 64) + toHex(p.subarray(40)));
  assert.equal(n.ip6.mib.ip.get(IPSTATS_MIB_OUTREQUESTS), 1);
  assert.equal(n.ip6.mib.ip.get(IPSTATS_MIB_OUTPKTS), 1);
});

test('inline skips a packet that already has a Hop-by-Hop header, but counts it', async () => {
  const n = await node([`-n R -6 route add 2001:db8:9::/64 encap ioam6 freq 1/2 mode inline ${TRACE} dev d0`]);
  const withHbh = packet(A, DST, 16, 64, NEXTHDR_HOP);
  withHbh.set([NEXTHDR_UDP, 0, 1, 4, 0, 0, 0, 0], 40);
  n.rx(withHbh);
  // Packet 0 was eligible but skipped; packet 1 falls outside 1 of 2; packet 2 gets the trace.
  n.rx(packet(A, DST));
  n.rx(packet(A, DST));
  assert.equal(n.out.length, 3);
  const exp = withHbh.slice();
  exp[7] = 63;
  assert.equal(hex(n.out[0]?.[1]), toHex(exp));
  assert.equal(n.out[1]?.[1].length, 60);
  assert.equal(n.out[2]?.[1].length, 92);
  assert.equal(lwt(n.route(DST)).pktCnt, 3);
});

test('encap with tunsrc: outer header copied from the inner (class, label, hop limit), HBH next header 41', async () => {
  const n = await node([`-n R -6 route add 2001:db8:9::/64 encap ioam6 mode encap tunsrc 2001:db8:aa::1 tundst 2001:db8:2::7 ${TRACE} dev d0`]);
  const p = packet(A, DST);
  n.rx(p);
  const got = n.out[0]?.[1];
  const inner = p.slice();
  inner[7] = 63;
  const outer = inner.slice(0, 40);
  outer[4] = 0;
  outer[5] = 32 + 40 + 20;
  outer[6] = NEXTHDR_HOP;
  outer.set(addr('2001:db8:aa::1'), 8);
  outer.set(addr('2001:db8:2::7'), 24);
  assert.equal(hex(got), toHex(outer) + hbh(41, 63) + toHex(inner));
  assert.equal(n.out[0]?.[0], 'd0');
});

test('encap without tunsrc: the source is selected on the route device towards tundst', async () => {
  const n = await node([`-n R -6 route add 2001:db8:9::/64 encap ioam6 mode encap tundst 2001:db8:2::7 ${TRACE} dev d0`]);
  n.rx(packet(A, DST));
  const got = n.out[0]?.[1];
  assert.ok(got !== undefined);
  assert.equal(toHex(got.subarray(8, 24)), toHex(R_D0));
  assert.equal(toHex(got.subarray(24, 40)), toHex(addr('2001:db8:2::7')));
});

test('encap without tunsrc: the selected source follows address changes (kept between them)', async () => {
  const n = await node([`-n R -6 route add 2001:db8:9::/64 encap ioam6 mode encap tundst 2001:db8:2::7 ${TRACE} dev d0`]);
  const src = (): string => toHex((n.out.at(-1)?.[1] ?? new Uint8Array(40)).subarray(8, 24));
  const ip = async (line: string): Promise<void> => {
    const io = memoryIo();
    assert.equal(await runIpWith(line.split(' '), io, kernelOpener(n.k)), 0, `${line}: ${io.err.text}`);
  };
  n.rx(packet(A, DST));
  n.rx(packet(A, DST));
  assert.equal(src(), toHex(R_D0));
  // Rule 8 (longest matching prefix): an address sharing more bits with tundst wins now.
  await ip('-n R addr add 2001:db8:2::6/120 dev d0');
  n.rx(packet(A, DST));
  assert.equal(src(), toHex(addr('2001:db8:2::6')));
  // Rule 3: a deprecated address loses to a preferred one.
  await ip('-n R addr change 2001:db8:2::6/120 dev d0 preferred_lft 0');
  n.rx(packet(A, DST));
  assert.equal(src(), toHex(R_D0));
  // A deleted address is gone from the answer.
  await ip('-n R addr add 2001:db8:2::55/64 dev d0');
  await ip('-n R addr del 2001:db8:2::6/120 dev d0');
  await ip('-n R addr del 2001:db8:2::ff/64 dev d0');
  n.rx(packet(A, DST));
  assert.equal(src(), toHex(addr('2001:db8:2::55')));
  assert.equal(n.out.length, 5);
});

test('the inserting node\'s entry across packets: hop limits, node and interface ids, namespace data as each is at that moment', async () => {
  // Type 0xcc0000: hop limit and node id, ingress and egress ids, namespace data; the node keeps
  // a template of its last entry (ioam6-hbh.ts), so every input is changed between packets.
  const n = await node([
    '-n R ioam namespace add 5 data 0x01020304',
    '-n R -6 route add 2001:db8:9::/64 encap ioam6 mode encap tunsrc 2001:db8:aa::1 tundst 2001:db8:2::7 trace prealloc type 0xcc0000 ns 5 size 16 dev d0',
    '-n R -6 route add 2001:db8:8::/64 encap ioam6 mode inline trace prealloc type 0xcc0000 ns 5 size 16 dev d1',
  ]);
  const ip = async (line: string): Promise<void> => {
    const io = memoryIo();
    assert.equal(await runIpWith(line.split(' '), io, kernelOpener(n.k)), 0, `${line}: ${io.err.text}`);
  };
  // The entry fills the trace's 16 octets, after an IPv6 header (the outer one for encap) and
  // HBH 2 + PadN 2 + option header 4 + trace header 8: octets 56 to 72 either way. Fields:
  // hop limit and node id, ingress and egress ids, transit delay (unavailable), namespace data.
  const sysctl = (k: string, v: string): void => assert.ok(n.net.sysctl.write(k, v).ok, k);
  const cases: Array<[string, number, string]> = [];
  n.rx(packet(A, DST, 20, 64));
  cases.push(['d0', 63, '3f00000bffffffffffffffff01020304']);
  n.rx(packet(A, DST, 20, 10));
  cases.push(['d0', 9, '0900000bffffffffffffffff01020304']);
  sysctl('net.ipv6.ioam6_id', '77');
  n.rx(packet(A, DST, 20, 10));
  cases.push(['d0', 9, '0900004dffffffffffffffff01020304']);
  sysctl('net.ipv6.conf.r0.ioam6_id', '3');
  sysctl('net.ipv6.conf.d0.ioam6_id', '4');
  n.rx(packet(A, DST, 20, 10));
  cases.push(['d0', 9, '0900004d00030004ffffffff01020304']);
  await ip('-n R ioam namespace del 5');
  await ip('-n R ioam namespace add 5 data 0x0a0b0c0d');
  n.rx(packet(A, DST, 20, 10));
  cases.push(['d0', 9, '0900004d00030004ffffffff0a0b0c0d']);
  // Another route (inline, egress d1), then back.
  sysctl('net.ipv6.conf.d1.ioam6_id', '6');
  n.rx(packet(A, addr('2001:db8:8::1'), 20, 30));
  cases.push(['d1', 29, '1d00004d00030006ffffffff0a0b0c0d']);
  n.rx(packet(A, DST, 20, 2));
  cases.push(['d0', 1, '0100004d00030004ffffffff0a0b0c0d']);
  assert.equal(n.out.length, cases.length);
  n.out.forEach(([dev, bytes], i) => {
    const c = cases[i];
    assert.ok(c !== undefined);
    assert.equal(dev, c[0], `packet ${i}: device`);
    assert.equal(bytes[7], c[1], `packet ${i}: hop limit`);
    assert.equal(toHex(bytes.subarray(56, 72)), c[2], `packet ${i}: entry`);
  });
});

test('encap follows the route to tundst: another device, or a reject route that drops it', async () => {
  const n = await node([
    `-n R -6 route add 2001:db8:9::/64 encap ioam6 mode encap tundst 2001:db8:3::7 ${TRACE} dev d0`,
    `-n R -6 route add 2001:db8:8::/64 encap ioam6 mode encap tundst 2001:db8:77::7 ${TRACE} dev d0`,
    '-n R -6 route add unreachable 2001:db8:77::/64',
  ]);
  n.rx(packet(A, DST));
  assert.equal(n.out.length, 1);
  assert.equal(n.out[0]?.[0], 'd1', 'the outer destination is routed on d1');
  const drops: number[] = [];
  n.ip6.onDrop = (_p, reason) => void drops.push(reason);
  n.rx(packet(A, addr('2001:db8:8::1')));
  assert.equal(n.out.length, 1);
  assert.deepEqual(drops, [SKB_DROP_REASON_NOT_SPECIFIED]);
  assert.equal(n.atA.length, 0, 'no ICMPv6 error: the lookup failed inside ioam6_output');
});

test('auto mode: inline for a packet of ours, encap for a forwarded one', async () => {
  const n = await node([`-n R -6 route add 2001:db8:9::/64 encap ioam6 mode auto tundst 2001:db8:2::7 ${TRACE} dev d0`]);
  n.local(packet(R_D0, DST));
  n.rx(packet(A, DST));
  assert.equal(n.out.length, 2);
  const own = n.out[0]?.[1];
  const fwd = n.out[1]?.[1];
  assert.ok(own !== undefined && fwd !== undefined);
  assert.equal(own.length, 40 + 32 + 20);
  assert.equal(toHex(own.subarray(24, 40)), toHex(DST));
  assert.equal(fwd.length, 40 + 40 + 32 + 20);
  assert.equal(toHex(fwd.subarray(24, 40)), toHex(addr('2001:db8:2::7')));
  assert.equal(fwd[40], 41);
});

test('freq k/n: the first k of every n packets (pkt_cnt % n < k), 1/2 and 3/5 over ten packets', async () => {
  for (const [freq, want] of [
    ['1/2', [1, 0, 1, 0, 1, 0, 1, 0, 1, 0]],
    ['3/5', [1, 1, 1, 0, 0, 1, 1, 1, 0, 0]],
    ['5/5', [1, 1, 1, 1, 1, 1, 1, 1, 1, 1]],
  ] as const) {
    const n = await node([`-n R -6 route add 2001:db8:9::/64 encap ioam6 freq ${freq} mode inline ${TRACE} dev d0`]);
    for (let i = 0; i < 10; i++) n.rx(packet(A, DST));
    assert.deepEqual(
      n.out.map(([, p]) => (p.length === 92 ? 1 : 0)),
      want,
      freq,
    );
  }
});

test('the counter is a u32: it wraps at 2^32 as atomic_fetch_inc on the kernel counter does', async () => {
  const n = await node([`-n R -6 route add 2001:db8:9::/64 encap ioam6 freq 3/5 mode inline ${TRACE} dev d0`]);
  const st = lwt(n.route(DST));
  st.pktCnt = 0xffffffff;
  n.rx(packet(A, DST));
  n.rx(packet(A, DST));
  // 4294967295 % 5 = 0: inserted; then 0 % 5 = 0: inserted.
  assert.deepEqual(
    n.out.map(([, p]) => p.length),
    [92, 92],
  );
  assert.equal(st.pktCnt, 1);
});

test('an unknown IOAM namespace leaves the trace empty (ioam6_do_fill finds no ns)', async () => {
  const n = await node([`-n R -6 route add 2001:db8:9::/64 encap ioam6 trace prealloc type 0x800000 ns 7 size 12 dev d0`]);
  n.rx(packet(A, DST));
  const got = n.out[0]?.[1];
  assert.ok(got !== undefined);
  assert.equal(toHex(got.subarray(40, 72)), '1103' + '0100' + '31160000' + '00070803' + '80000000' + '000000000000000000000000' + '01020000');
});

test('the added bytes are not in the MTU: a forwarded packet that fits before insertion gets Packet Too Big after it', async () => {
  const n = await node([`-n R -6 route add 2001:db8:9::/64 encap ioam6 mode inline ${TRACE} dev d0`, '-n R link set d0 mtu 1400']);
  n.rx(packet(A, DST, 1400 - 40));
  assert.equal(n.out.length, 0);
  assert.equal(n.atA.length, 1);
  const ptb = n.atA[0];
  assert.ok(ptb !== undefined);
  assert.equal(ptb[40], ICMPV6_PKT_TOOBIG);
  // The MTU is the device's, unchanged (lwtunnel_headroom is 0 for IOAM).
  assert.equal(toHex(ptb.subarray(44, 48)), toHex(new Uint8Array([0, 0, 0x05, 0x78])));
  // The quoted packet is the one after insertion: Next Header 0, the HBH behind it.
  assert.equal(ptb[48 + 6], NEXTHDR_HOP);
  assert.equal(ptb[48 + 40], NEXTHDR_UDP);
  assert.equal(n.ip6.mib.ip.get(IPSTATS_MIB_FRAGFAILS), 1);
  // One byte less fits in forwarding's own check and after insertion too.
  n.rx(packet(A, DST, 1400 - 40 - 32));
  assert.equal(n.out.length, 1);
  assert.equal(n.out[0]?.[1].length, 1400);
});

test('an encap loop between two routes ends at the recursion limit (lwtunnel_output)', async () => {
  const n = await node([
    `-n R -6 route add 2001:db8:9::/64 encap ioam6 mode encap tundst 2001:db8:a::1 ${TRACE} dev d0`,
    `-n R -6 route add 2001:db8:a::/64 encap ioam6 mode encap tundst 2001:db8:9::1 ${TRACE} dev d0`,
  ]);
  const drops: number[] = [];
  n.ip6.onDrop = (_p, reason) => void drops.push(reason);
  n.rx(packet(A, DST));
  assert.equal(n.out.length, 0);
  assert.deepEqual(drops, [SKB_DROP_REASON_NOT_SPECIFIED]);
  // Nine outputs ran, alternating between the two routes; the tenth refused.
  assert.equal(lwt(n.route(DST)).pktCnt, 5);
  assert.equal(lwt(n.route(addr('2001:db8:a::1'))).pktCnt, 4);
});

test('no allocation when the buffer has headroom: the packet is pushed in place', async () => {
  const n = await node([`-n R -6 route add 2001:db8:9::/64 encap ioam6 mode encap tunsrc 2001:db8:2::ff tundst 2001:db8:2::7 ${TRACE} dev d0`]);
  const pkb = PacketBuffer.from(packet(A, DST), 128);
  const buf = pkb.buf;
  let sent: PacketBuffer | undefined;
  const d0 = n.k.netdev.table(n.net).getByName('d0');
  assert.ok(d0 !== undefined);
  d0.xmit = (_d, p) => void (sent = p);
  n.r0.receive?.(n.r0, pkb);
  assert.equal(sent, pkb);
  assert.equal(pkb.buf, buf, 'same storage');
  assert.equal(pkb.data, 128 - 72);
  // Without headroom the buffer grows (skb_cow_head) and the result is the same.
  const tight = PacketBuffer.from(packet(A, DST), 0);
  n.r0.receive?.(n.r0, tight);
  assert.notEqual(tight.buf.length, 60);
  assert.equal(toHex(tight.bytes()), toHex(pkb.bytes()));
});

test('tshark decodes our inline and encap packets without expert warnings', { skip: skipUnlessTshark() }, async () => {
  const n = await node([
    `-n R -6 route add 2001:db8:9::/64 encap ioam6 mode inline ${TRACE} dev d0`,
    `-n R -6 route add 2001:db8:8::/64 encap ioam6 mode encap tundst 2001:db8:2::7 trace prealloc type 0xfff002 ns 123 size 244 dev d0`,
  ]);
  // Next Header 59 (No Next Header): the payload is not a transport header for tshark to check.
  n.rx(packet(A, DST, 20, 64, NEXTHDR_NONE));
  n.rx(packet(A, addr('2001:db8:8::1'), 20, 64, NEXTHDR_NONE));
  const packets = n.out.map(([, p]) => p);
  assert.equal(packets.length, 2);
  assert.deepEqual(tsharkExpertWarnings(packets), []);
  const layers = tsharkJson(packets, { args: ['--no-duplicate-keys'] });
  assert.deepEqual(tsharkField(layers[0], 'ipv6.opt.ioam.trace.ns'), ['123']);
  assert.deepEqual(tsharkField(layers[1], 'ipv6.opt.ioam.trace.ns'), ['123']);
  assert.deepEqual(tsharkField(layers[0], 'ipv6.opt.ioam.trace.node.hlim'), ['63']);
});

test("ioam6.sh's LOCAL route checks through ip: trace type bits, sizes, tunnel source and destination per mode", async () => {
  const n = await node(['-n R -6 route add 2001:db8:7::/64 via 2001:db8:1::1 dev r0']);
  const opener = kernelOpener(n.k);
  const change = async (words: string): Promise<number> =>
    runIpWith(`-n R -6 route change 2001:db8:7::/64 encap ioam6 ${words} via 2001:db8:1::1 dev r0`.split(' '), memoryIo(), opener);
  for (const mode of ['inline', 'encap tundst 2001:db8:2::2']) {
    // local_route_trace_type_bits: bits 0-11 and 22 accepted; 12-21 and 23 refused.
    for (let bit = 0; bit < 24; bit++) {
      const type = `0x${(0x800000 >>> bit).toString(16).padStart(6, '0')}`;
      const accepted = (await change(`mode ${mode} trace prealloc type ${type} ns 0 size 4`)) === 0;
      assert.equal(accepted, bit <= 11 || bit === 22, `${mode}: bit ${bit}`);
    }
    // local_route_trace_size_values: multiples of four in [4, 244].
    for (let size = 0; size <= 248; size++) {
      const accepted = (await change(`mode ${mode} trace prealloc type 0x800000 ns 0 size ${size}`)) === 0;
      assert.equal(accepted, size !== 0 && size !== 248 && size % 4 === 0, `${mode}: size ${size}`);
    }
  }
  // local_route_tunsrc / local_route_tundst: neither in inline mode (iproute2 refuses tundst
  // there; the kernel would accept and ignore it), tundst required in encap mode.
  assert.notEqual(await change('mode inline tunsrc 2001:db8:1::50 trace prealloc type 0x800000 ns 0 size 4'), 0);
  assert.notEqual(await change('mode inline tundst 2001:db8:2::2 trace prealloc type 0x800000 ns 0 size 4'), 0);
  assert.notEqual(await change('mode encap trace prealloc type 0x800000 ns 0 size 4'), 0);
  assert.equal(await change('mode encap tunsrc 2001:db8:1::50 tundst 2001:db8:2::2 trace prealloc type 0x800000 ns 0 size 4'), 0);
  // A changed route starts a new state: a fresh counter.
  n.rx(packet(A, addr('2001:db8:7::2')));
  assert.equal(lwt(n.route(addr('2001:db8:7::2'))).pktCnt, 1);
  assert.equal(await change('mode encap tunsrc 2001:db8:1::50 tundst 2001:db8:2::2 trace prealloc type 0x800000 ns 0 size 4'), 0);
  assert.equal(lwt(n.route(addr('2001:db8:7::2'))).pktCnt, 0);
});

test('random packets through inline, encap and auto routes never throw', async () => {
  const n = await node([
    `-n R -6 route add 2001:db8:9::/64 encap ioam6 freq 2/3 mode inline ${TRACE} dev d0`,
    `-n R -6 route add 2001:db8:8::/64 encap ioam6 mode encap tundst 2001:db8:3::7 ${TRACE} dev d0`,
    `-n R -6 route add 2001:db8:7::/64 encap ioam6 mode auto tundst 2001:db8:9::7 ${TRACE} dev d0`,
  ]);
  const dsts = [DST, addr('2001:db8:8::1'), addr('2001:db8:7::1')];
  fc.assert(
    fc.property(fc.uint8Array({ maxLength: 80 }), fc.integer({ min: 0, max: 255 }), fc.integer({ min: 0, max: 2 }), fc.boolean(), (body, nh, which, own) => {
      const p = packet(own ? R_D0 : A, dsts[which] ?? DST, 0, 64, nh);
      const full = new Uint8Array(p.length + body.length);
      full.set(p);
      full.set(body, p.length);
      full[5] = body.length;
      if (own) n.local(full);
      else n.rx(full);
    }),
    { numRuns: 300 },
  );
  assert.ok(n.out.length > 0);
});
