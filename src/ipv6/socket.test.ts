/**
 * The Linux-shaped socket API: socket() errors, getsockopt defaults and setsockopt checks, as a
 * 6.18 kernel answers them (the values were read from a running kernel with Python sockets; the
 * interop test compares them live). Fast-check: random options never throw and never change
 * an unrelated option.
 */

import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { Kernel } from '../kernel.ts';
import { type Credentials, rootCredentials, unprivilegedCredentials } from '../net/credentials.ts';
import type { Net } from '../net/net.ts';
import {
  IN6_FLOWLABEL_REQ_SIZE,
  IPPROTO_ICMPV6,
  IPPROTO_TCP,
  IPPROTO_UDP,
  IPV6_ADDRFORM,
  IPV6_ADDR_PREFERENCES,
  IPV6_AUTOFLOWLABEL,
  IPV6_DONTFRAG,
  IPV6_DSTOPTS,
  IPV6_FLOWLABEL_MGR,
  IPV6_HOPLIMIT,
  IPV6_HOPOPTS,
  IPV6_MINHOPCOUNT,
  IPV6_MTU,
  IPV6_MTU_DISCOVER,
  IPV6_MULTICAST_HOPS,
  IPV6_MULTICAST_IF,
  IPV6_MULTICAST_LOOP,
  IPV6_PATHMTU,
  IPV6_PKTINFO,
  IPV6_RECVERR_RFC4884,
  IPV6_RECVPKTINFO,
  IPV6_TCLASS,
  IPV6_UNICAST_HOPS,
  IPV6_UNICAST_IF,
  IPV6_V6ONLY,
  SOL_IPV6,
} from '../uapi/in6.ts';
import {
  AF_INET,
  AF_INET6,
  SOCK_DGRAM,
  SOCK_NONBLOCK,
  SOCK_STREAM,
  SOL_SOCKET,
  SOL_UDP,
  SO_DEBUG,
  SO_DOMAIN,
  SO_MARK,
  SO_PRIORITY,
  SO_PROTOCOL,
  SO_RCVBUF,
  SO_RCVBUFFORCE,
  SO_SNDBUF,
  SO_SNDBUFFORCE,
  SO_TYPE,
  UDP_NO_CHECK6_TX,
} from '../uapi/socket.ts';
import type { Ipv6Socket, Ipv6Sockets } from './socket.ts';

function setup(): { k: Kernel; net: Net; s: Ipv6Sockets } {
  const k = new Kernel({ seed: 9 });
  const n = k.world.createNet('N');
  assert.ok(n.ok && k.sockets !== undefined);
  return { k, net: n.value, s: k.sockets.get(n.value) };
}

function open(s: Ipv6Sockets, protocol = IPPROTO_UDP, cred: Credentials = rootCredentials(s.net.userNs)): Ipv6Socket {
  const r = s.socket(AF_INET6, SOCK_DGRAM, protocol, cred);
  assert.ok(r.ok, r.ok ? '' : r.error.name);
  return r.value;
}

function int(v: number): Uint8Array {
  const b = new Uint8Array(4);
  new DataView(b.buffer).setInt32(0, v, true);
  return b;
}

function errOf(r: { ok: true } | { ok: false; error: { name: string } }): string {
  return r.ok ? 'ok' : r.error.name;
}

function getInt(sk: Ipv6Socket, level: number, opt: number): number | string {
  const r = sk.getsockopt(level, opt, 4);
  if (!r.ok) return r.error.name;
  return r.value.length === 4 ? new DataView(r.value.buffer, r.value.byteOffset).getInt32(0, true) : -999;
}

test('socket(): family, type and protocol errors', () => {
  const { s } = setup();
  const root = rootCredentials(s.net.userNs);
  assert.equal(errOf(s.socket(AF_INET, SOCK_DGRAM, 0, root)), 'EAFNOSUPPORT');
  assert.equal(errOf(s.socket(AF_INET6, 11, 0, root)), 'EINVAL');
  assert.equal(errOf(s.socket(AF_INET6, SOCK_STREAM, 0, root)), 'ESOCKTNOSUPPORT');
  assert.equal(errOf(s.socket(AF_INET6, SOCK_DGRAM, IPPROTO_TCP, root)), 'EPROTONOSUPPORT');
  assert.equal(errOf(s.socket(AF_INET6, SOCK_DGRAM, 256, root)), 'EINVAL');
  assert.equal(errOf(s.socket(AF_INET6, SOCK_DGRAM | SOCK_NONBLOCK, IPPROTO_UDP, root)), 'ok');
  // Nobody may open ping sockets by default, root included (ping_group_range "1 0").
  assert.equal(errOf(s.socket(AF_INET6, SOCK_DGRAM, IPPROTO_ICMPV6, root)), 'EACCES');
});

test('getsockopt defaults of a UDP socket are Linux 6.18\'s', () => {
  const { s } = setup();
  const sk = open(s);
  const expect: Array<[number, number, number | string]> = [
    [SOL_SOCKET, SO_TYPE, SOCK_DGRAM],
    [SOL_SOCKET, SO_PROTOCOL, IPPROTO_UDP],
    [SOL_SOCKET, SO_DOMAIN, AF_INET6],
    [SOL_SOCKET, SO_RCVBUF, 212992],
    [SOL_SOCKET, SO_SNDBUF, 212992],
    [SOL_SOCKET, SO_PRIORITY, 0],
    [SOL_SOCKET, SO_RCVBUFFORCE, 'ENOPROTOOPT'],
    [SOL_IPV6, IPV6_ADDRFORM, 'ENOTCONN'],
    [SOL_IPV6, IPV6_UNICAST_HOPS, 64],
    [SOL_IPV6, IPV6_MULTICAST_HOPS, 1],
    [SOL_IPV6, IPV6_MULTICAST_LOOP, 1],
    [SOL_IPV6, IPV6_MTU_DISCOVER, 1],
    [SOL_IPV6, IPV6_MTU, 'ENOTCONN'],
    [SOL_IPV6, IPV6_PATHMTU, 'EINVAL'],
    [SOL_IPV6, IPV6_V6ONLY, 0],
    [SOL_IPV6, IPV6_TCLASS, 0],
    [SOL_IPV6, IPV6_AUTOFLOWLABEL, 1],
    [SOL_IPV6, IPV6_ADDR_PREFERENCES, 0x500],
    [SOL_IPV6, IPV6_HOPLIMIT, 'ENOPROTOOPT'],
    [SOL_IPV6, IPV6_PKTINFO, 'ENOPROTOOPT'],
    [SOL_IPV6, IPV6_FLOWLABEL_MGR, 'ENOPROTOOPT'],
    [SOL_IPV6, 0, 'ENOPROTOOPT'],
    [SOL_UDP, UDP_NO_CHECK6_TX, 0],
    [99, 1, 'ENOPROTOOPT'],
  ];
  for (const [level, opt, want] of expect) assert.equal(getInt(sk, level, opt), want, `level ${level} option ${opt}`);
  // Shorter buffers get the first bytes of the int; a negative length is EINVAL.
  assert.deepEqual(sk.getsockopt(SOL_IPV6, IPV6_UNICAST_HOPS, 2), { ok: true, value: new Uint8Array([64, 0]) });
  assert.equal(errOf(sk.getsockopt(SOL_IPV6, IPV6_UNICAST_HOPS, -1)), 'EINVAL');
  // An empty sticky header reads as nothing.
  assert.deepEqual(sk.getsockopt(SOL_IPV6, IPV6_HOPOPTS, 64), { ok: true, value: new Uint8Array(0) });
  // Ping sockets are v6-only with SO_REUSEADDR from the start, and know no SOL_UDP.
  s.pingGroupRange = [0, 0];
  const p = open(s, IPPROTO_ICMPV6);
  assert.equal(getInt(p, SOL_IPV6, IPV6_V6ONLY), 1);
  assert.equal(getInt(p, SOL_SOCKET, 2), 1);
  assert.equal(getInt(p, SOL_UDP, UDP_NO_CHECK6_TX), 'ENOPROTOOPT');
  assert.equal(getInt(p, SOL_IPV6, IPV6_ADDRFORM), 'ENOPROTOOPT');
});

test('setsockopt: values and lengths, errno by errno', () => {
  const { s } = setup();
  // [option, value bytes, result, value read back]
  const cases: Array<[number, Uint8Array, string, number | string]> = [
    [IPV6_UNICAST_HOPS, int(-1), 'ok', 64],
    [IPV6_UNICAST_HOPS, int(0), 'ok', 0],
    [IPV6_UNICAST_HOPS, int(255), 'ok', 255],
    [IPV6_UNICAST_HOPS, int(256), 'EINVAL', 64],
    [IPV6_UNICAST_HOPS, new Uint8Array(3), 'EINVAL', 64],
    [IPV6_UNICAST_HOPS, new Uint8Array(8).fill(1), 'EINVAL', 64],
    [IPV6_MULTICAST_HOPS, int(-1), 'ok', 1],
    [IPV6_MULTICAST_HOPS, int(255), 'ok', 255],
    [IPV6_TCLASS, int(-1), 'ok', 0],
    [IPV6_TCLASS, int(255), 'ok', 255],
    [IPV6_TCLASS, int(256), 'EINVAL', 0],
    [IPV6_MULTICAST_LOOP, int(255), 'EINVAL', 1],
    [IPV6_MULTICAST_LOOP, int(0), 'ok', 0],
    [IPV6_MTU_DISCOVER, int(5), 'ok', 5],
    [IPV6_MTU_DISCOVER, int(6), 'EINVAL', 1],
    [IPV6_MTU_DISCOVER, int(-1), 'EINVAL', 1],
    [IPV6_MTU, int(0), 'ok', 'ENOTCONN'],
    [IPV6_MTU, int(1279), 'EINVAL', 'ENOTCONN'],
    [IPV6_MTU, int(1280), 'ok', 'ENOTCONN'],
    [IPV6_RECVERR_RFC4884, int(2), 'EINVAL', 0],
    [IPV6_MINHOPCOUNT, int(256), 'EINVAL', 0],
    [IPV6_MINHOPCOUNT, int(255), 'ok', 255],
    [IPV6_RECVPKTINFO, int(256), 'ok', 1],
    [IPV6_RECVPKTINFO, new Uint8Array(1), 'EINVAL', 0],
    [IPV6_DONTFRAG, new Uint8Array(0), 'ok', 0],
    [IPV6_DONTFRAG, int(7), 'ok', 1],
    [IPV6_AUTOFLOWLABEL, int(0), 'ok', 0],
    [IPV6_ADDR_PREFERENCES, int(1), 'ok', 0x401],
    [IPV6_ADDR_PREFERENCES, int(255), 'EINVAL', 0x500],
    [IPV6_ADDR_PREFERENCES, int(256), 'ok', 0x500],
    [IPV6_UNICAST_IF, int(0), 'ok', 0],
    [IPV6_UNICAST_IF, int(1), 'EADDRNOTAVAIL', 0],
    [IPV6_UNICAST_IF, new Uint8Array([0, 0, 0, 1]), 'ok', 0x01000000],
    [IPV6_UNICAST_IF, new Uint8Array(8), 'EINVAL', 0],
    [IPV6_MULTICAST_IF, int(1), 'ok', 1],
    [IPV6_MULTICAST_IF, int(-1), 'ENODEV', 0],
    [IPV6_HOPLIMIT, int(1), 'ENOPROTOOPT', 'ENOPROTOOPT'],
    [IPV6_ADDRFORM, int(2), 'ENOTCONN', 'ENOTCONN'],
    [IPV6_ADDRFORM, int(10), 'EINVAL', 'ENOTCONN'],
  ];
  for (const [opt, value, result, readBack] of cases) {
    const sk = open(s);
    assert.equal(errOf(sk.setsockopt(SOL_IPV6, opt, value)), result, `set ${opt} ${Array.from(value).join(',')}`);
    assert.equal(getInt(sk, SOL_IPV6, opt), readBack, `get ${opt} after ${Array.from(value).join(',')}`);
  }
  // V6ONLY only before bind.
  const b = open(s);
  assert.ok(b.bind({ addr: new Uint8Array(16), port: 0 }).ok);
  assert.equal(errOf(b.setsockopt(SOL_IPV6, IPV6_V6ONLY, int(1))), 'EINVAL');
  // IPV6_PKTINFO wants a whole in6_pktinfo; IPV6_FLOWLABEL_MGR a whole in6_flowlabel_req.
  assert.equal(errOf(open(s).setsockopt(SOL_IPV6, IPV6_PKTINFO, new Uint8Array(19))), 'EINVAL');
  assert.equal(errOf(open(s).setsockopt(SOL_IPV6, IPV6_PKTINFO, new Uint8Array(20))), 'ok');
  assert.equal(errOf(open(s).setsockopt(SOL_IPV6, IPV6_FLOWLABEL_MGR, new Uint8Array(31))), 'EINVAL');
  assert.equal(errOf(open(s).setsockopt(SOL_IPV6, IPV6_FLOWLABEL_MGR, new Uint8Array(IN6_FLOWLABEL_REQ_SIZE))), 'ENOPROTOOPT');
  assert.equal(errOf(open(s).getFlowLabel(new Uint8Array(4))), 'EINVAL');
});

test('sticky Hop-by-Hop and Destination options: CAP_NET_RAW, lengths, read back', () => {
  const { s } = setup();
  const sk = open(s);
  const padn = new Uint8Array([0, 0, 1, 4, 0, 0, 0, 0]);
  assert.equal(errOf(sk.setsockopt(SOL_IPV6, IPV6_HOPOPTS, int(1))), 'EINVAL');
  assert.equal(errOf(sk.setsockopt(SOL_IPV6, IPV6_HOPOPTS, new Uint8Array([0, 1, 1, 4, 0, 0, 0, 0]))), 'EINVAL', 'Hdr Ext Len beyond optlen');
  assert.equal(errOf(sk.setsockopt(SOL_IPV6, IPV6_DSTOPTS, padn)), 'ok');
  assert.deepEqual(sk.getsockopt(SOL_IPV6, IPV6_DSTOPTS, 64), { ok: true, value: padn });
  assert.deepEqual(sk.getsockopt(SOL_IPV6, IPV6_DSTOPTS, 3), { ok: true, value: padn.subarray(0, 3) });
  assert.equal(errOf(sk.setsockopt(SOL_IPV6, IPV6_DSTOPTS, new Uint8Array(0))), 'ok');
  assert.deepEqual(sk.getsockopt(SOL_IPV6, IPV6_DSTOPTS, 64), { ok: true, value: new Uint8Array(0) });
  const user = open(s, IPPROTO_UDP, unprivilegedCredentials(s.net.userNs, 1000));
  assert.equal(errOf(user.setsockopt(SOL_IPV6, IPV6_HOPOPTS, padn)), 'EPERM');
});

test('SOL_SOCKET: buffer sizes doubled and clamped, privileged values refused', () => {
  const { s } = setup();
  const root = open(s);
  const cases: Array<[number, number, number]> = [
    [SO_RCVBUF, -1, 2 * 212992],
    [SO_RCVBUF, 0, 2304],
    [SO_RCVBUF, 1000, 2304],
    [SO_RCVBUF, 100000, 200000],
    [SO_RCVBUF, 1000000, 2 * 212992],
    [SO_SNDBUF, 0, 4608],
    [SO_SNDBUF, 100000, 200000],
    [SO_PRIORITY, -1, -1],
    [SO_MARK, 7, 7],
  ];
  for (const [opt, v, want] of cases) {
    assert.equal(errOf(root.setsockopt(SOL_SOCKET, opt, int(v))), 'ok');
    assert.equal(getInt(root, SOL_SOCKET, opt), want, `option ${opt} = ${v}`);
  }
  assert.equal(errOf(root.setsockopt(SOL_SOCKET, SO_RCVBUFFORCE, int(-1))), 'ok');
  assert.equal(getInt(root, SOL_SOCKET, SO_RCVBUF), 2304);
  assert.equal(errOf(root.setsockopt(SOL_SOCKET, SO_SNDBUFFORCE, int(10000000))), 'ok');
  assert.equal(getInt(root, SOL_SOCKET, SO_SNDBUF), 20000000);
  assert.equal(errOf(root.setsockopt(SOL_SOCKET, SO_TYPE, int(1))), 'ENOPROTOOPT');
  assert.equal(errOf(root.setsockopt(SOL_SOCKET, SO_RCVBUF, new Uint8Array(3))), 'EINVAL');
  const user = open(s, IPPROTO_UDP, unprivilegedCredentials(s.net.userNs, 1000));
  assert.equal(errOf(user.setsockopt(SOL_SOCKET, SO_PRIORITY, int(6))), 'ok');
  assert.equal(errOf(user.setsockopt(SOL_SOCKET, SO_PRIORITY, int(7))), 'EPERM');
  assert.equal(errOf(user.setsockopt(SOL_SOCKET, SO_MARK, int(1))), 'EPERM');
  assert.equal(errOf(user.setsockopt(SOL_SOCKET, SO_RCVBUFFORCE, int(1))), 'EPERM');
  assert.equal(errOf(user.setsockopt(SOL_SOCKET, SO_DEBUG, int(1))), 'EACCES');
  assert.equal(errOf(user.setsockopt(SOL_SOCKET, SO_DEBUG, int(0))), 'ok');
});

/** The options a socket reports, as text, for comparing before and after. */
const SNAPSHOT: ReadonlyArray<readonly [number, number]> = [
  ...[1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 15, 30, 36, 38, 39, 40].map((o) => [SOL_SOCKET, o] as const),
  ...Array.from({ length: 80 }, (_, o) => [SOL_IPV6, o] as const),
  [SOL_UDP, 101],
  [SOL_UDP, 102],
];

function snapshot(sk: Ipv6Socket): Map<string, string> {
  const m = new Map<string, string>();
  for (const [l, o] of SNAPSHOT) {
    const r = sk.getsockopt(l, o, 64);
    m.set(`${l}/${o}`, r.ok ? Array.from(r.value).join(',') : r.error.name);
  }
  return m;
}

/** Options that change together (SO_RCVBUFFORCE sets SO_RCVBUF, ...). */
function alsoChanges(level: number, opt: number): string[] {
  if (level !== SOL_SOCKET) return [];
  if (opt === SO_RCVBUFFORCE) return [`${SOL_SOCKET}/${SO_RCVBUF}`];
  if (opt === SO_SNDBUFFORCE) return [`${SOL_SOCKET}/${SO_SNDBUF}`];
  return [];
}

test('random setsockopt calls never throw and never change an unrelated option', () => {
  const { s } = setup();
  s.pingGroupRange = [0, 2000];
  const creds = [rootCredentials(s.net.userNs), unprivilegedCredentials(s.net.userNs, 1000)];
  fc.assert(
    fc.property(
      fc.constantFrom(IPPROTO_UDP, IPPROTO_ICMPV6),
      fc.nat(1),
      fc.oneof(fc.constantFrom(0, SOL_SOCKET, SOL_UDP, SOL_IPV6, 58, 255), fc.integer({ min: -5, max: 300 })),
      fc.oneof(fc.nat(90), fc.integer()),
      fc.oneof(fc.uint8Array({ maxLength: 40 }), fc.integer().map(int)),
      (protocol, who, level, opt, value) => {
        const sk = open(s, protocol, creds[who]);
        const before = snapshot(sk);
        const r = sk.setsockopt(level, opt, value);
        assert.equal(typeof r.ok, 'boolean');
        const after = snapshot(sk);
        const mine = new Set([`${level}/${opt}`, ...alsoChanges(level, opt)]);
        for (const [k, v] of before) if (!mine.has(k)) assert.equal(after.get(k), v, `${k} changed by ${level}/${opt}`);
        if (!r.ok) assert.deepEqual(after, before, 'a refused option changes nothing');
        sk.close();
      },
    ),
    { numRuns: 1500 },
  );
});
