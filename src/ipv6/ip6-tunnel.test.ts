// ip6ip6 decapsulation at the tunnel end (net/ipv6/tunnel6.c and ip6_tunnel.c, Linux 6.18):
// without the module, with ip6tnl0 down, and up (ip6_tnl_rcv_ctl, ECN decapsulation, the inner
// packet received again). Expectations follow the kernel source; the machines' kernel has no
// CONFIG_IPV6_TUNNEL, which is the "absent" case (checked in test/interop/ioam-insert.test.ts).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { runIpWith } from '../cli/ip.ts';
import { memoryIo } from '../cli/output.ts';
import { registerV6stackFamily } from '../daemon/family.ts';
import { kernelOpener } from '../daemon/opener.ts';
import { Kernel } from '../kernel.ts';
import { IPSTATS_MIB_INDELIVERS, IPSTATS_MIB_INUNKNOWNPROTOS } from '../net/mib.ts';
import { PacketBuffer } from '../net/packet-buffer.ts';
import { ICMPV6_DEST_UNREACH, ICMPV6_PARAMPROB, ICMPV6_PORT_UNREACH, ICMPV6_UNK_NEXTHDR } from '../uapi/icmpv6.ts';
import { NEXTHDR_IPV6, NEXTHDR_NONE } from '../uapi/ipv6.ts';
import { parseIpv6Address } from '../wire/address.ts';
import { toHex } from '../wire/bytes.ts';
import { emitIpv6 } from '../wire/ipv6.ts';
import { IP6TNL_ABSENT, IP6TNL_DOWN, IP6TNL_UP, type Ip6TnlNet } from './ip6-tunnel.ts';
import type { Inet6Protocol, Ipv6Net } from './ipv6.ts';

function addr(t: string): Uint8Array {
  const a = parseIpv6Address(t);
  assert.ok(a !== undefined, t);
  return a;
}

const A = addr('2001:db8:1::1');
const R = addr('2001:db8:1::ff');
const B = addr('2001:db8:2::1');

interface Node {
  readonly ip6: Ipv6Net;
  readonly tnl: Ip6TnlNet;
  readonly atA: Uint8Array[];
  readonly out: Uint8Array[];
  rx(p: Uint8Array): void;
}

/** R: r0 (veth to A) 2001:db8:1::ff/64, d0 (dummy) 2001:db8:2::ff/64, forwarding on. */
async function node(): Promise<Node> {
  const k = new Kernel({ seed: 9 });
  const fam = registerV6stackFamily(k.world, k.genl);
  assert.ok(typeof fam !== 'number');
  const opener = kernelOpener(k);
  for (const line of [
    'netns add R',
    'netns add A',
    '-n R link add r0 type veth peer name a0 netns A',
    '-n R link add d0 type dummy',
    '-n R link set r0 up',
    '-n R link set d0 up',
    '-n A link set a0 up',
    '-n A addr add 2001:db8:1::1/64 dev a0',
    '-n R addr add 2001:db8:1::ff/64 dev r0',
    '-n R addr add 2001:db8:2::ff/64 dev d0',
  ]) {
    const io = memoryIo();
    assert.equal(await runIpWith(line.split(' '), io, opener), 0, `${line}: ${io.err.text}`);
  }
  const net = k.world.byName('R');
  const netA = k.world.byName('A');
  assert.ok(net !== undefined && netA !== undefined && k.ip6Tnl !== undefined);
  assert.ok(net.sysctl.write('net.ipv6.conf.all.forwarding', '1').ok);
  const ip6 = k.ipv6?.get(net);
  assert.ok(ip6 !== undefined);
  const tbl = k.netdev.table(net);
  const r0 = tbl.getByName('r0');
  const d0 = tbl.getByName('d0');
  const a0 = k.netdev.table(netA).getByName('a0');
  assert.ok(r0 !== undefined && d0 !== undefined && a0 !== undefined);
  const out: Uint8Array[] = [];
  d0.xmit = (_d, pkb) => void out.push(pkb.bytes().slice());
  const atA: Uint8Array[] = [];
  a0.receive = (_d, pkb) => void atA.push(pkb.bytes().slice());
  return { ip6, tnl: k.ip6Tnl.get(net), atA, out, rx: (p) => r0.receive?.(r0, PacketBuffer.from(p, 64)) };
}

function ipv6(src: Uint8Array, dst: Uint8Array, nextHeader: number, payload: Uint8Array, tc = 0, hopLimit = 64): Uint8Array {
  const p = new Uint8Array(40 + payload.length);
  emitIpv6({ trafficClass: tc, flowLabel: 0x2468a, payloadLength: payload.length, nextHeader, hopLimit, src, dst }, p);
  p.set(payload, 40);
  return p;
}

const INNER = ipv6(A, B, NEXTHDR_NONE, new Uint8Array(12).fill(0x5a), 0x00, 30);

test('without the module next header 41 is unknown: Parameter Problem code 1 at the Next Header byte', async () => {
  const n = await node();
  assert.equal(n.tnl.fallback, IP6TNL_ABSENT);
  n.rx(ipv6(A, R, NEXTHDR_IPV6, INNER));
  assert.equal(n.out.length, 0);
  assert.equal(n.atA.length, 1);
  const pp = n.atA[0] ?? new Uint8Array(0);
  assert.deepEqual([pp[40], pp[41], pp[47]], [ICMPV6_PARAMPROB, ICMPV6_UNK_NEXTHDR, 6]);
  assert.equal(n.ip6.mib.ip.get(IPSTATS_MIB_INUNKNOWNPROTOS), 1);
});

test('with ip6tnl0 down: Destination Unreachable code 4, and the packet counts as delivered', async () => {
  const n = await node();
  assert.ok(n.tnl.setFallback(IP6TNL_DOWN));
  n.rx(ipv6(A, R, NEXTHDR_IPV6, INNER));
  assert.equal(n.out.length, 0);
  const du = n.atA[0] ?? new Uint8Array(0);
  assert.deepEqual([du[40], du[41]], [ICMPV6_DEST_UNREACH, ICMPV6_PORT_UNREACH]);
  assert.equal(n.ip6.mib.ip.get(IPSTATS_MIB_INDELIVERS), 1);
});

test('with ip6tnl0 up the inner packet is received again and forwarded as it was', async () => {
  const n = await node();
  assert.ok(n.tnl.setFallback(IP6TNL_UP));
  n.rx(ipv6(A, R, NEXTHDR_IPV6, INNER, 0x20, 7));
  assert.equal(n.atA.length, 0);
  assert.equal(n.out.length, 1);
  const exp = INNER.slice();
  exp[7] = 29;
  assert.equal(toHex(n.out[0] ?? new Uint8Array(0)), toHex(exp));
  // The outer packet was delivered to the tunnel handler.
  assert.equal(n.ip6.mib.ip.get(IPSTATS_MIB_INDELIVERS), 1);
});

test('ip6_tnl_rcv_ctl: a local, link-local or loopback outer source, or a too short inner packet, is dropped', async () => {
  const n = await node();
  assert.ok(n.tnl.setFallback(IP6TNL_UP));
  let drops = 0;
  n.ip6.onDrop = () => void drops++;
  n.rx(ipv6(addr('2001:db8:2::ff'), R, NEXTHDR_IPV6, INNER));
  n.rx(ipv6(addr('fe80::1'), R, NEXTHDR_IPV6, INNER));
  n.rx(ipv6(A, R, NEXTHDR_IPV6, INNER.subarray(0, 39)));
  assert.equal(n.out.length, 0);
  assert.equal(n.atA.length, 0);
  assert.equal(drops, 3);
  assert.equal(n.ip6.mib.ip.get(IPSTATS_MIB_INDELIVERS), 3);
});

test('ECN: outer CE marks an ECT inner packet CE, and drops a not-ECT one (INET_ECN_decapsulate)', async () => {
  const n = await node();
  assert.ok(n.tnl.setFallback(IP6TNL_UP));
  const ect0 = INNER.slice();
  ect0[1] = ((ect0[1] ?? 0) & 0xcf) | 0x20;
  n.rx(ipv6(A, R, NEXTHDR_IPV6, ect0, 0x03));
  assert.equal(n.out.length, 1);
  assert.equal(((n.out[0]?.[1] ?? 0) >> 4) & 3, 3, 'CE');
  n.rx(ipv6(A, R, NEXTHDR_IPV6, INNER, 0x03));
  assert.equal(n.out.length, 1, 'not-ECT under CE is dropped');
  // Outer ECT over a not-ECT inner packet is only logged by Linux: it goes on unchanged.
  n.rx(ipv6(A, R, NEXTHDR_IPV6, INNER, 0x01));
  assert.equal(n.out.length, 2);
  assert.equal(((n.out[1]?.[1] ?? 0) >> 4) & 3, 0);
});

test('setFallback installs and removes the next-header-41 handler, and yields to another owner', async () => {
  const n = await node();
  assert.ok(n.tnl.setFallback(IP6TNL_UP));
  assert.equal(n.ip6.protocols[NEXTHDR_IPV6], n.tnl.protocol);
  assert.ok(n.tnl.setFallback(IP6TNL_ABSENT));
  assert.equal(n.ip6.protocols[NEXTHDR_IPV6], undefined);
  const other: Inet6Protocol = { handler: () => 0, delivers: true };
  assert.ok(n.ip6.addProtocol(NEXTHDR_IPV6, other));
  assert.equal(n.tnl.setFallback(IP6TNL_UP), false);
  assert.equal(n.tnl.fallback, IP6TNL_ABSENT);
  assert.equal(n.ip6.protocols[NEXTHDR_IPV6], other);
});

test('random inner bytes under any outer Traffic Class never throw', async () => {
  const n = await node();
  assert.ok(n.tnl.setFallback(IP6TNL_UP));
  fc.assert(
    fc.property(fc.uint8Array({ maxLength: 120 }), fc.integer({ min: 0, max: 255 }), (inner, tc) => {
      n.rx(ipv6(A, R, NEXTHDR_IPV6, inner, tc));
    }),
    { numRuns: 300 },
  );
});
