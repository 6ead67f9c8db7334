/**
 * ICMPv6 echo sockets between two namespaces configured with `ip`:
 *
 *   A (a0 2001:db8::1/64) <-veth-> (b0 2001:db8::2/64) B, B forwarding, with
 *   "prohibit 2001:db8:99::/64" so that echo requests routed there through B come back as
 *   Destination Unreachable code 1.
 */

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { kernelWithIp } from '../../test/support/ip-kernel.ts';
import { rootCredentials, unprivilegedCredentials, type Credentials } from '../net/credentials.ts';
import { ICMP6_MIB_OUTERRORS } from '../net/mib.ts';
import type { Net } from '../net/net.ts';
import type { NetDevice } from '../net/netdevice.ts';
import { ICMPV6_ADM_PROHIBITED, ICMPV6_DEST_UNREACH, ICMPV6_ECHO_REPLY, ICMPV6_ECHO_REQUEST } from '../uapi/icmpv6.ts';
import { IPPROTO_ICMPV6, IPV6_DONTFRAG, IPV6_RECVERR, SOL_IPV6 } from '../uapi/in6.ts';
import { NEXTHDR_ICMP } from '../uapi/ipv6.ts';
import { AF_INET6, SOCK_DGRAM, SOL_SOCKET, SO_REUSEADDR } from '../uapi/socket.ts';
import { parseIpv6Address } from '../wire/address.ts';
import { parseIcmpv6 } from '../wire/icmpv6.ts';
import { parseIpv6 } from '../wire/ipv6.ts';
import type { Ipv6Socket, Ipv6Sockets } from './socket.ts';

function addr(t: string): Uint8Array {
  const a = parseIpv6Address(t);
  assert.ok(a !== undefined, t);
  return a;
}

const A = addr('2001:db8::1');
const B = addr('2001:db8::2');
const FAR = addr('2001:db8:99::1');

interface Topo {
  readonly a: Net;
  readonly b: Net;
  readonly sa: Ipv6Sockets;
  readonly sb: Ipv6Sockets;
  readonly atB: Uint8Array[];
}

async function topo(): Promise<Topo> {
  const k = await kernelWithIp([
    'netns add A',
    'netns add B',
    '-n A link add a0 type veth peer name b0 netns B',
    '-n A link set lo up',
    '-n B link set lo up',
    '-n A link set a0 up',
    '-n B link set b0 up',
    '-n A addr add 2001:db8::1/64 dev a0',
    '-n B addr add 2001:db8::2/64 dev b0',
    '-n A -6 route add 2001:db8:99::/64 via 2001:db8::2 dev a0',
    '-n B -6 route add prohibit 2001:db8:99::/64',
  ], 2);
  const a = k.world.byName('A');
  const b = k.world.byName('B');
  assert.ok(a !== undefined && b !== undefined && k.sockets !== undefined);
  assert.ok(b.sysctl.write('net.ipv6.conf.all.forwarding', '1').ok);
  const b0 = k.netdev.table(b).getByName('b0');
  assert.ok(b0 !== undefined);
  const atB: Uint8Array[] = [];
  tap(b0, atB);
  const sa = k.sockets.get(a);
  const sb = k.sockets.get(b);
  sa.pingGroupRange = [0, 0];
  sb.pingGroupRange = [0, 0];
  return { a, b, sa, sb, atB };
}

function tap(dev: NetDevice, into: Uint8Array[]): void {
  const rx = dev.receive;
  assert.ok(rx !== null);
  dev.receive = (d, pkb) => {
    into.push(pkb.bytes().slice());
    rx(d, pkb);
  };
}

function ping(s: Ipv6Sockets, cred: Credentials = rootCredentials(s.net.userNs)): Ipv6Socket {
  const r = s.socket(AF_INET6, SOCK_DGRAM, IPPROTO_ICMPV6, cred);
  assert.ok(r.ok, r.ok ? '' : r.error.name);
  return r.value;
}

/** An echo request as an application writes it: type, code, checksum 0, id, seq, payload. */
function echo(seq: number, payload: string, id = 0): Uint8Array {
  const p = new TextEncoder().encode(payload);
  const m = new Uint8Array(8 + p.length);
  m[0] = ICMPV6_ECHO_REQUEST;
  m[4] = id >> 8;
  m[5] = id & 0xff;
  m[6] = seq >> 8;
  m[7] = seq & 0xff;
  m.set(p, 8);
  return m;
}

function int(v: number): Uint8Array {
  const b = new Uint8Array(4);
  new DataView(b.buffer).setInt32(0, v, true);
  return b;
}

test('ping_group_range decides who may open an echo socket', async () => {
  const t = await topo();
  const user = unprivilegedCredentials(t.a.userNs, 1000);
  assert.equal(t.sa.socket(AF_INET6, SOCK_DGRAM, IPPROTO_ICMPV6, user).ok, false);
  t.sa.pingGroupRange = [100, 2000];
  assert.ok(t.sa.socket(AF_INET6, SOCK_DGRAM, IPPROTO_ICMPV6, user).ok);
  assert.deepEqual(t.sa.socket(AF_INET6, SOCK_DGRAM, IPPROTO_ICMPV6, rootCredentials(t.a.userNs)), { ok: false, error: { errno: 13, name: 'EACCES' } });
});

test('an echo request goes out with our identifier and checksum; the reply comes back to us', async () => {
  const t = await topo();
  const p = ping(t.sa);
  const other = ping(t.sa);
  assert.ok(other.bind({ addr: new Uint8Array(16), port: 0 }).ok);
  assert.deepEqual(p.sendto(echo(7, 'abc', 0xbeef), { addr: B, port: 0 }), { ok: true, value: 11 });
  const id = p.getsockname().port;
  assert.notEqual(id, 0);
  assert.notEqual(id, other.getsockname().port);
  // On the wire: our identifier, not the one written, and a checksum that verifies.
  const req = t.atB.find((x) => x[6] === NEXTHDR_ICMP);
  assert.ok(req !== undefined);
  const h = parseIpv6(req);
  assert.ok(h.ok);
  assert.ok(parseIcmpv6(req.subarray(40), { src: h.value.src, dst: h.value.dst }).ok);
  assert.equal((req[44] ?? 0) * 256 + (req[45] ?? 0), id);
  assert.equal(t.a.mib.icmp6msg.get(0x100 + ICMPV6_ECHO_REQUEST), 1);
  const r = p.recvfrom();
  assert.ok(r.ok);
  assert.equal(r.value.data[0], ICMPV6_ECHO_REPLY);
  assert.equal((r.value.data[4] ?? 0) * 256 + (r.value.data[5] ?? 0), id);
  assert.equal((r.value.data[6] ?? 0) * 256 + (r.value.data[7] ?? 0), 7);
  assert.deepEqual(r.value.data.subarray(8), new TextEncoder().encode('abc'));
  assert.deepEqual(r.value.from.addr, B);
  assert.equal(r.value.from.port, 0);
  assert.equal(other.queued, 0, 'replies are matched by identifier');
});

test('what an echo socket refuses to send', async () => {
  const t = await topo();
  const p = ping(t.sa);
  const err = (m: Uint8Array) => {
    const r = p.sendto(m, { addr: B, port: 0 });
    return r.ok ? 'ok' : r.error.name;
  };
  assert.equal(err(new Uint8Array(7)), 'EINVAL');
  assert.equal(err(new Uint8Array([ICMPV6_ECHO_REPLY, 0, 0, 0, 0, 0, 0, 0])), 'EINVAL');
  assert.equal(err(new Uint8Array([ICMPV6_ECHO_REQUEST, 1, 0, 0, 0, 0, 0, 0])), 'EINVAL');
  assert.equal(err(new Uint8Array(65536).fill(ICMPV6_ECHO_REQUEST, 0, 1)), 'EMSGSIZE');
  // 65535 bytes fill IPV6_MAXPLEN exactly: allowed (fragmented on the way out).
  assert.equal(err(new Uint8Array(65535).fill(ICMPV6_ECHO_REQUEST, 0, 1)), 'ok');
  assert.ok(p.setsockopt(SOL_IPV6, IPV6_DONTFRAG, int(1)).ok);
  assert.equal(err(new Uint8Array(1500).fill(ICMPV6_ECHO_REQUEST, 0, 1)), 'EMSGSIZE');
  assert.equal(t.a.mib.icmp6.get(ICMP6_MIB_OUTERRORS), 1, 'the size check of ip6_append_data');
  assert.equal(p.sendto(echo(1, 'x'), { addr: addr('fe80::1'), port: 0 }).ok, false, 'link-local needs a scope');
  const unbound = ping(t.sa);
  assert.deepEqual(unbound.sendto(echo(1, 'x')), { ok: false, error: { errno: 89, name: 'EDESTADDRREQ' } });
});

test('identifiers: taken unless both sockets keep SO_REUSEADDR; the newest binding hears replies', async () => {
  const t = await topo();
  const p1 = ping(t.sa);
  const p2 = ping(t.sa);
  assert.ok(p1.bind({ addr: A, port: 4242 }).ok);
  assert.ok(p2.bind({ addr: new Uint8Array(16), port: 4242 }).ok);
  const p3 = ping(t.sa);
  assert.ok(p3.setsockopt(SOL_SOCKET, SO_REUSEADDR, int(0)).ok);
  assert.deepEqual(p3.bind({ addr: new Uint8Array(16), port: 4242 }), { ok: false, error: { errno: 98, name: 'EADDRINUSE' } });
  assert.deepEqual(ping(t.sa).bind({ addr: B, port: 1 }), { ok: false, error: { errno: 99, name: 'EADDRNOTAVAIL' } });
  assert.ok(p1.sendto(echo(1, 'x'), { addr: B, port: 0 }).ok);
  assert.equal(p2.queued, 1);
  assert.equal(p1.queued, 0);
});

test('errors about our echo requests: sk_err for hard ones when connected, the queue with IPV6_RECVERR', async () => {
  const t = await topo();
  const c = ping(t.sa);
  assert.ok(c.connect({ addr: FAR, port: 0 }).ok);
  assert.ok(c.sendto(echo(1, 'x')).ok);
  // Administratively prohibited is a hard error: EACCES.
  assert.deepEqual(c.recvfrom(), { ok: false, error: { errno: 13, name: 'EACCES' } });
  const q = ping(t.sa);
  assert.ok(q.setsockopt(SOL_IPV6, IPV6_RECVERR, int(1)).ok);
  assert.ok(q.sendto(echo(2, 'y'), { addr: FAR, port: 0 }).ok);
  const e = q.recvErr();
  assert.ok(e.ok);
  assert.deepEqual([e.value.type, e.value.code, e.value.errno], [ICMPV6_DEST_UNREACH, ICMPV6_ADM_PROHIBITED, 13]);
  assert.deepEqual(e.value.offender.addr, B);
  assert.deepEqual(e.value.addr.addr, FAR);
  assert.equal(e.value.payload[0], ICMPV6_ECHO_REQUEST, 'the quoted echo request from its header on');
  const quiet = ping(t.sa);
  assert.ok(quiet.sendto(echo(3, 'z'), { addr: FAR, port: 0 }).ok);
  assert.equal(quiet.err, 0, 'unconnected without IPV6_RECVERR: ignored');
});
