/**
 * The data path as the Kernel assembles it: a topology configured only with `ip` and sysctl
 * commands (through the netlink bus, as a user would), then packets through it. Addresses,
 * routes and per-device settings come from addrconf, rtnetlink routes and the sysctl table.
 */

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Kernel } from '../kernel.ts';
import { registerV6stackFamily } from '../daemon/family.ts';
import { kernelOpener } from '../daemon/opener.ts';
import { runIpWith } from '../cli/ip.ts';
import { memoryIo } from '../cli/output.ts';
import { PacketBuffer } from '../net/packet-buffer.ts';
import { IPSTATS_MIB_OUTFORWDATAGRAMS, ICMP6_MIB_OUTMSGS } from '../net/mib.ts';
import type { Net } from '../net/net.ts';
import { parseIpv6Address } from '../wire/address.ts';
import { emitIpv6, parseIpv6 } from '../wire/ipv6.ts';
import { icmpv6Type, parseIcmpv6 } from '../wire/icmpv6.ts';
import { NEXTHDR_ICMP, NEXTHDR_UDP } from '../uapi/ipv6.ts';
import { ICMPV6_TIME_EXCEED } from '../uapi/icmpv6.ts';

function addr(t: string): Uint8Array {
  const a = parseIpv6Address(t);
  assert.ok(a !== undefined, t);
  return a;
}

async function configured(): Promise<{ k: Kernel; net: (n: string) => Net }> {
  const k = new Kernel({ seed: 3 });
  const fam = registerV6stackFamily(k.world, k.genl);
  assert.ok(typeof fam !== 'number');
  const opener = kernelOpener(k);
  const script = [
    'netns add A',
    'netns add R',
    'netns add B',
    '-n R link add r0 type veth peer name a0 netns A',
    '-n R link add r1 type veth peer name b0 netns B',
    '-n R link set r0 up',
    '-n R link set r1 up',
    '-n A link set a0 up',
    '-n B link set b0 up',
    '-n A addr add 2001:db8:1::1/64 dev a0',
    '-n R addr add 2001:db8:1::ff/64 dev r0',
    '-n R addr add 2001:db8:2::ff/64 dev r1',
    '-n B addr add 2001:db8:2::1/64 dev b0',
    '-n A -6 route add default via 2001:db8:1::ff dev a0',
    '-n B -6 route add default via 2001:db8:2::ff dev b0',
  ];
  for (const line of script) {
    const io = memoryIo();
    assert.equal(await runIpWith(line.split(' '), io, opener), 0, `${line}: ${io.err.text}`);
  }
  const net = (n: string): Net => {
    const x = k.world.byName(n);
    assert.ok(x !== undefined);
    return x;
  };
  assert.ok(net('R').sysctl.write('net.ipv6.conf.all.forwarding', '1').ok);
  return { k, net };
}

function udp(hopLimit: number): Uint8Array {
  const p = new Uint8Array(60);
  emitIpv6({ trafficClass: 0, flowLabel: 0, payloadLength: 20, nextHeader: NEXTHDR_UDP, hopLimit, src: addr('2001:db8:1::1'), dst: addr('2001:db8:2::1') }, p);
  return p;
}

test('a node configured with ip forwards, decrements the hop limit and answers Time Exceeded', async () => {
  const { k, net } = await configured();
  const devs = (n: string) => k.netdev.table(net(n));
  const r0 = devs('R').getByName('r0');
  const b0 = devs('B').getByName('b0');
  const a0 = devs('A').getByName('a0');
  assert.ok(r0 !== undefined && b0 !== undefined && a0 !== undefined && r0.receive !== null);
  const atB: Uint8Array[] = [];
  const atA: Uint8Array[] = [];
  b0.receive = (_d, pkb) => void atB.push(pkb.bytes().slice());
  a0.receive = (_d, pkb) => void atA.push(pkb.bytes().slice());

  const sent = udp(9);
  r0.receive(r0, PacketBuffer.from(sent, 64, 0));
  assert.equal(atB.length, 1, 'forwarded to B');
  const expected = sent.slice();
  expected[7] = 8;
  assert.deepEqual(atB[0], expected);
  const ip6 = k.ipv6?.get(net('R'));
  assert.ok(ip6 !== undefined);
  assert.equal(ip6.mib.ip.get(IPSTATS_MIB_OUTFORWDATAGRAMS), 1);

  // Hop limit 1: Time Exceeded from R's address on r0, back towards A.
  r0.receive(r0, PacketBuffer.from(udp(1), 64, 0));
  assert.equal(atB.length, 1);
  assert.equal(atA.length, 1);
  const back = atA[0] ?? new Uint8Array(0);
  const h = parseIpv6(back);
  assert.ok(h.ok);
  assert.deepEqual(h.value.src, addr('2001:db8:1::ff'));
  assert.deepEqual(h.value.dst, addr('2001:db8:1::1'));
  assert.equal(h.value.nextHeader, NEXTHDR_ICMP);
  const m = parseIcmpv6(back.subarray(40), { src: h.value.src, dst: h.value.dst });
  assert.ok(m.ok, 'checksum verifies');
  assert.equal(icmpv6Type(m.value), ICMPV6_TIME_EXCEED);
  assert.equal(ip6.mib.icmp6.get(ICMP6_MIB_OUTMSGS), 1);
});

test('turning forwarding off with the sysctl stops forwarding on the next packet', async () => {
  const { k, net } = await configured();
  const r0 = k.netdev.table(net('R')).getByName('r0');
  const b0 = k.netdev.table(net('B')).getByName('b0');
  assert.ok(r0 !== undefined && b0 !== undefined && r0.receive !== null);
  let atB = 0;
  b0.receive = () => void atB++;
  r0.receive(r0, PacketBuffer.from(udp(9), 64, 0));
  assert.equal(atB, 1);
  assert.ok(net('R').sysctl.write('net.ipv6.conf.all.forwarding', '0').ok);
  r0.receive(r0, PacketBuffer.from(udp(9), 64, 0));
  assert.equal(atB, 1, 'not forwarded');
});
