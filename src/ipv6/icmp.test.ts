/**
 * The source address of the ICMPv6 errors a node sends: ipv6_dev_get_saddr with all of RFC
 * 6724's rules (addrconf-saddr.ts), as sockets and `ip route get` choose it. The kernel
 * comparisons of whole errors are test/interop/replay-pipeline.test.ts and ipv6-forward.test.ts.
 */

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { PacketBuffer } from '../net/packet-buffer.ts';
import { NEXTHDR_NONE } from '../uapi/ipv6.ts';
import { parseIpv6Address } from '../wire/address.ts';
import { toHex } from '../wire/bytes.ts';
import { emitIpv6 } from '../wire/ipv6.ts';
import { kernelWithIp } from '../../test/support/ip-kernel.ts';

function addr(t: string): Uint8Array {
  const a = parseIpv6Address(t);
  assert.ok(a !== undefined, t);
  return a;
}

/** An error for a packet from `src` arriving on d0 for an unroutable destination: its source. */
async function errorSource(lines: readonly string[], src: string): Promise<string> {
  const k = await kernelWithIp(['netns add R', '-n R link add d0 type dummy', '-n R link set d0 up', ...lines.map((l) => `-n R ${l}`)]);
  const net = k.world.byName('R');
  assert.ok(net !== undefined);
  assert.ok(net.sysctl.write('net.ipv6.icmp.ratelimit', '0').ok);
  const d0 = k.netdev.table(net).getByName('d0');
  assert.ok(d0 !== undefined);
  const sent: Uint8Array[] = [];
  d0.xmit = (_d, pkb) => void sent.push(pkb.bytes().slice());
  const p = new Uint8Array(48);
  emitIpv6({ trafficClass: 0, flowLabel: 0, payloadLength: 8, nextHeader: NEXTHDR_NONE, hopLimit: 64, src: addr(src), dst: addr('2001:db8:77::1') }, p);
  d0.receive?.(d0, PacketBuffer.from(p, 64));
  assert.equal(sent.length, 1, 'one Destination Unreachable');
  return toHex((sent[0] ?? new Uint8Array(40)).subarray(8, 24));
}

test('rule 3: a deprecated address is not the source when a preferred one fits as well', async () => {
  // 2001:db8:2::1 is added last, so it is first on the device; then deprecated.
  const lines = ['addr add 2001:db8:2::2/64 dev d0', 'addr add 2001:db8:2::1/64 dev d0', 'addr change 2001:db8:2::1/64 dev d0 preferred_lft 0'];
  assert.equal(await errorSource(lines, '2001:db8:2::99'), toHex(addr('2001:db8:2::2')));
  assert.equal(await errorSource(lines.slice(0, 2), '2001:db8:2::99'), toHex(addr('2001:db8:2::1')), 'without the deprecation, the first one');
});

test('rule 8: the longest match, up to each address\'s prefix length, then the first on the device', async () => {
  // /120s: the match counts up to 120 bits, so it tells ::2 and ::9:1 apart.
  const narrow = ['addr add 2001:db8:2::2/120 dev d0', 'addr add 2001:db8:2::9:1/120 dev d0'];
  assert.equal(await errorSource(narrow, '2001:db8:2::9:77'), toHex(addr('2001:db8:2::9:1')));
  assert.equal(await errorSource(narrow, '2001:db8:2::77'), toHex(addr('2001:db8:2::2')));
  // /64s: both match 64 bits, a tie that the device's order breaks (the newest address first).
  const wide = ['addr add 2001:db8:2::2/64 dev d0', 'addr add 2001:db8:2::9:1/64 dev d0'];
  assert.equal(await errorSource(wide, '2001:db8:2::77'), toHex(addr('2001:db8:2::9:1')));
});
