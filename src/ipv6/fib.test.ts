import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import fc from 'fast-check';
import { ERRNO } from '../uapi/errno.ts';
import { NLM_F_APPEND, NLM_F_CREATE, NLM_F_EXCL, NLM_F_REPLACE } from '../uapi/netlink.ts';
import {
  RT_TABLE_LOCAL,
  RTN_BLACKHOLE,
  RTN_PROHIBIT,
  RTN_THROW,
  RTN_UNICAST,
  RTN_UNREACHABLE,
  RTNH_F_DEAD,
  RTNH_F_LINKDOWN,
  RTPROT_BOOT,
  RTPROT_KERNEL,
} from '../uapi/rtnetlink.ts';
import { formatIpv6Address, parseIpv6Address } from '../wire/address.ts';
import {
  Fib6,
  IP6_RT_PRIO_USER,
  LOOPBACK_IFINDEX,
  RT6_LOOKUP_F_IFACE,
  RTF_NONEXTHOP,
  RTF_REJECT,
  routeTypeErrno,
  type Fib6Route,
  type Fib6RouteConfig,
} from './fib.ts';

// The NLM_F_* sets iproute2 sends (ip/iproute.c): add, append, replace, change.
const ADD = NLM_F_CREATE | NLM_F_EXCL;
const APPEND = NLM_F_CREATE | NLM_F_APPEND;
const REPLACE = NLM_F_CREATE | NLM_F_REPLACE;
const CHANGE = NLM_F_REPLACE;

// ifindexes of the kernel runs below: `ip link add v0 type veth peer name v0p` and the same
// for v1 in a fresh namespace gave v0p 2, v0 3, v1p 4, v1 5 (lo is 1).
const V0P = 2;
const V0 = 3;
const V1P = 4;
const V1 = 5;

function a(text: string): Uint8Array {
  const b = parseIpv6Address(text);
  if (b === undefined) throw new Error(`bad address ${text}`);
  return b;
}

/** Parses "2001:db8::/64" into the prefix fields of a route config. */
function p(text: string): { dst: Uint8Array; dstLen: number } {
  const [addr = '', len = '128'] = text.split('/');
  return { dst: a(addr), dstLen: Number(len) };
}

/** A route printed roughly as `ip -6 route show` does, enough to compare order and fields. */
function show(r: Fib6Route): string {
  const type =
    r.type === RTN_BLACKHOLE ? 'blackhole ' : r.type === RTN_UNREACHABLE ? 'unreachable ' : r.type === RTN_PROHIBIT ? 'prohibit ' : r.type === RTN_THROW ? 'throw ' : '';
  const dst = r.dstLen === 0 ? 'default' : `${formatIpv6Address(r.dst)}/${r.dstLen}`;
  const via = r.gateway === undefined ? '' : ` via ${formatIpv6Address(r.gateway)}`;
  const table = r.table === 254 ? '' : ` table ${r.table}`;
  const mtu = r.mtu === 0 ? '' : ` mtu ${r.mtu}`;
  return `${type}${dst}${via} dev ${r.ifindex}${table} metric ${r.metric}${mtu}`;
}

function ok<T>(r: { ok: true; value: T } | { ok: false; error: { errno: number } }): T {
  if (!r.ok) throw new Error(`expected success, got errno ${r.error.errno}`);
  return r.value;
}

function errno(r: { ok: boolean; error?: { errno: number } }): number | undefined {
  return r.ok ? undefined : r.error?.errno;
}

function message(r: { ok: boolean; error?: { message: string | undefined } }): string | undefined {
  return r.ok ? undefined : r.error?.message;
}

/** The fe80::/64 routes addrconf installs when the veths come up (metric 256, proto kernel). */
function withLinkLocals(fib: Fib6): void {
  for (const dev of [V0P, V0, V1P, V1]) {
    ok(fib.add({ ...p('fe80::/64'), ifindex: dev, metric: 256, protocol: RTPROT_KERNEL }, NLM_F_CREATE));
  }
}

describe('kernel-observed route semantics (Linux 6.18, veth pairs in a throwaway netns)', () => {
  test('host bits are masked; EXCL, append and duplicate nexthops', () => {
    const fib = new Fib6();
    withLinkLocals(fib);
    // ip -6 route add 2001:db8::1/64 dev v0  -> shown as 2001:db8::/64 dev v0 metric 1024
    const r = ok(fib.add({ ...p('2001:db8::1/64'), ifindex: V0 }, ADD));
    assert.equal(show(r), '2001:db8::/64 dev 3 metric 1024');
    assert.equal(r.protocol, RTPROT_BOOT);
    // ip -6 route add 2001:db8::/64 dev v0  -> RTNETLINK answers: File exists
    assert.equal(errno(fib.add({ ...p('2001:db8::/64'), ifindex: V0 }, ADD)), ERRNO.EEXIST);
    // ip -6 route add 2001:db8::/64 dev v1  -> File exists (same metric, EXCL)
    assert.equal(errno(fib.add({ ...p('2001:db8::/64'), ifindex: V1 }, ADD)), ERRNO.EEXIST);
    // ip -6 route add 2001:db8::/64 dev v1 metric 100  -> ok
    ok(fib.add({ ...p('2001:db8::/64'), ifindex: V1, metric: 100 }, ADD));
    // ip -6 route append 2001:db8::/64 dev v1  -> ok (no EXCL, different nexthop)
    ok(fib.add({ ...p('2001:db8::/64'), ifindex: V1 }, APPEND));
    // ip -6 route append 2001:db8::/64 dev v0  -> File exists (identical nexthop)
    assert.equal(errno(fib.add({ ...p('2001:db8::/64'), ifindex: V0 }, APPEND)), ERRNO.EEXIST);
    // ip -6 route show 2001:db8::/64
    assert.deepEqual(
      fib.dumpTable(254).filter((x) => x.dstLen === 64 && x.dst[0] === 0x20).map(show),
      ['2001:db8::/64 dev 5 metric 100', '2001:db8::/64 dev 3 metric 1024', '2001:db8::/64 dev 5 metric 1024'],
    );
    // ip -6 route add 2001:db8::/129 is refused (iproute2 already; the kernel says EINVAL).
    assert.equal(errno(fib.add({ ...p('2001:db8::/128'), dstLen: 129, ifindex: V0 }, ADD)), ERRNO.EINVAL);
    assert.equal(fib.main.trie.check(), undefined);
  });

  test('multipath siblings, replace of a group, change and delete errors', () => {
    const fib = new Fib6();
    withLinkLocals(fib);
    ok(fib.add({ ...p('2001:db8::/64'), ifindex: V0 }, ADD));
    ok(fib.add({ ...p('2001:db8::/64'), ifindex: V1, metric: 100 }, ADD));
    ok(fib.add({ ...p('2001:db8::/64'), ifindex: V1 }, APPEND));
    // ip -6 route add 2001:db8::/48 via 2001:db8::5 dev v0  -> ok (gateway on-link via /64)
    ok(fib.add({ ...p('2001:db8::/48'), gateway: a('2001:db8::5'), ifindex: V0 }, ADD));
    // ip -6 route add 2001:db8:1::/48 via 2001:db8:2::5  -> No route to host
    assert.equal(errno(fib.add({ ...p('2001:db8:1::/48'), gateway: a('2001:db8:2::5') }, ADD)), ERRNO.EHOSTUNREACH);
    // ip -6 route add 2001:db8:2::/48 via fe80::1  -> Error: Egress device not specified.
    const noDev = fib.add({ ...p('2001:db8:2::/48'), gateway: a('fe80::1') }, ADD);
    assert.equal(errno(noDev), ERRNO.EINVAL);
    assert.equal(message(noDev), 'Egress device not specified');
    // ip -6 route add 2001:db8:2::/48 via fe80::1 dev v0; append via fe80::2 dev v0 (twice:
    // File exists); append via fe80::3 dev v1  -> one route with three nexthops
    const first = ok(fib.add({ ...p('2001:db8:2::/48'), gateway: a('fe80::1'), ifindex: V0 }, ADD));
    ok(fib.add({ ...p('2001:db8:2::/48'), gateway: a('fe80::2'), ifindex: V0 }, APPEND));
    assert.equal(errno(fib.add({ ...p('2001:db8:2::/48'), gateway: a('fe80::2'), ifindex: V0 }, APPEND)), ERRNO.EEXIST);
    ok(fib.add({ ...p('2001:db8:2::/48'), gateway: a('fe80::3'), ifindex: V1 }, APPEND));
    assert.deepEqual(fib.siblings(first).map(show), [
      '2001:db8:2::/48 via fe80::1 dev 3 metric 1024',
      '2001:db8:2::/48 via fe80::2 dev 3 metric 1024',
      '2001:db8:2::/48 via fe80::3 dev 5 metric 1024',
    ]);
    // ip -6 route replace 2001:db8:2::/48 via fe80::9 dev v1  -> the group becomes one route
    ok(fib.add({ ...p('2001:db8:2::/48'), gateway: a('fe80::9'), ifindex: V1 }, REPLACE));
    // ip -6 route change 2001:db8:3::/48 dev v0  -> Error: Can not replace route - no match found.
    const ch = fib.add({ ...p('2001:db8:3::/48'), ifindex: V0 }, CHANGE);
    assert.equal(errno(ch), ERRNO.ENOENT);
    assert.equal(message(ch), 'Can not replace route - no match found');
    // ip -6 route change 2001:db8::/64 dev v1 metric 555  -> No such file or directory
    const ch2 = fib.add({ ...p('2001:db8::/64'), ifindex: V1, metric: 555 }, CHANGE);
    assert.equal(errno(ch2), ERRNO.ENOENT);
    assert.equal(message(ch2), undefined);
    // ip -6 route replace 2001:db8::/64 dev v1 metric 100 mtu 1400
    ok(fib.add({ ...p('2001:db8::/64'), ifindex: V1, metric: 100, mtu: 1400 }, REPLACE));
    // ip -6 route show table main
    assert.deepEqual(fib.dumpTable(254).map(show), [
      '2001:db8::/64 dev 5 metric 100 mtu 1400',
      '2001:db8::/64 dev 3 metric 1024',
      '2001:db8::/64 dev 5 metric 1024',
      '2001:db8::/48 via 2001:db8::5 dev 3 metric 1024',
      '2001:db8:2::/48 via fe80::9 dev 5 metric 1024',
      'fe80::/64 dev 2 metric 256',
      'fe80::/64 dev 3 metric 256',
      'fe80::/64 dev 4 metric 256',
      'fe80::/64 dev 5 metric 256',
    ]);
    // ip -6 route del 2001:db8:7::/48  -> No such process
    assert.equal(errno(fib.delete(p('2001:db8:7::/48'))), ERRNO.ESRCH);
    // ip -6 route del 2001:db8::/64 metric 999  -> No such process
    assert.equal(errno(fib.delete({ ...p('2001:db8::/64'), metric: 999 })), ERRNO.ESRCH);
    // ip -6 route del 2001:db8::/64 dev v0 metric 100  -> No such process
    assert.equal(errno(fib.delete({ ...p('2001:db8::/64'), ifindex: V0, metric: 100 })), ERRNO.ESRCH);
    // ip -6 route del 2001:db8::/64 table 77  -> Error: FIB table does not exist.
    const t77 = fib.delete({ ...p('2001:db8::/64'), table: 77 });
    assert.equal(errno(t77), ERRNO.ESRCH);
    assert.equal(message(t77), 'FIB table does not exist');
    // ip -6 route del 2001:db8::/64  -> removes the first route (metric 100)
    assert.deepEqual(ok(fib.delete(p('2001:db8::/64'))).map(show), ['2001:db8::/64 dev 5 metric 100 mtu 1400']);
    assert.equal(fib.main.trie.check(), undefined);
  });

  test('reject routes: types, lookups and errors; delete ignores the type', () => {
    const fib = new Fib6();
    withLinkLocals(fib);
    ok(fib.add({ ...p('2001:db8::/64'), ifindex: V0 }, ADD));
    // ip -6 route add blackhole|unreachable|prohibit|throw 2001:db8:{b,c,d,e}::/48
    ok(fib.add({ ...p('2001:db8:b::/48'), type: RTN_BLACKHOLE }, ADD));
    ok(fib.add({ ...p('2001:db8:c::/48'), type: RTN_UNREACHABLE }, ADD));
    ok(fib.add({ ...p('2001:db8:d::/48'), type: RTN_PROHIBIT }, ADD));
    const thr = ok(fib.add({ ...p('2001:db8:e::/48'), type: RTN_THROW }, ADD));
    // shown as "throw 2001:db8:e::/48 dev lo metric 1024"
    assert.equal(show(thr), 'throw 2001:db8:e::/48 dev 1 metric 1024');
    assert.equal(thr.flags, RTF_REJECT | RTF_NONEXTHOP);
    // ip -6 route add 2001:db8:b::/48 dev v0  -> File exists; with metric 10 -> ok
    assert.equal(errno(fib.add({ ...p('2001:db8:b::/48'), ifindex: V0 }, ADD)), ERRNO.EEXIST);
    ok(fib.add({ ...p('2001:db8:b::/48'), ifindex: V0, metric: 10 }, ADD));
    // ip -6 route get 2001:db8:b::1  -> dev v0 metric 10
    assert.equal(show(fib.lookup(a('2001:db8:b::1')) as Fib6Route), '2001:db8:b::/48 dev 3 metric 10');
    // ip -6 route get 2001:db8:c::1  -> No route to host
    assert.equal(routeTypeErrno(fib.lookup(a('2001:db8:c::1'))?.type ?? -1), ERRNO.EHOSTUNREACH);
    // ip -6 route get 2001:db8:d::1  -> Permission denied
    assert.equal(routeTypeErrno(fib.lookup(a('2001:db8:d::1'))?.type ?? -1), ERRNO.EACCES);
    // ip -6 route get 2001:db8:e::1 and 2001:db8:99::1  -> Network is unreachable
    assert.equal(fib.lookup(a('2001:db8:e::1')), undefined);
    assert.equal(fib.lookup(a('2001:db8:99::1')), undefined);
    // ip -6 route get 2001:db8::5  -> dev v0 metric 1024
    assert.equal(fib.lookup(a('2001:db8::5'))?.ifindex, V0);
    // ip -6 route del blackhole 2001:db8:c::/48  -> deletes the unreachable route
    assert.deepEqual(ok(fib.delete(p('2001:db8:c::/48'))).map((r) => r.type), [RTN_UNREACHABLE]);
    // ip -6 route add blackhole 2001:db8:b::/48; ip -6 route get  -> Invalid argument
    const bh = new Fib6();
    ok(bh.add({ ...p('2001:db8:b::/48'), type: RTN_BLACKHOLE }, ADD));
    assert.equal(routeTypeErrno(bh.lookup(a('2001:db8:b::1'))?.type ?? -1), ERRNO.EINVAL);
  });

  test('dump order is the trie post-order; tables in hash-bucket order', () => {
    const fib = new Fib6();
    withLinkLocals(fib);
    const adds: Fib6RouteConfig[] = [
      { ...p('2001:db8::/64'), ifindex: V0 },
      { ...p('2001:db8::/48'), gateway: a('2001:db8::5'), ifindex: V0 },
      { ...p('2001:db8:2::/48'), gateway: a('fe80::9'), ifindex: V1 },
      { ...p('2001:db8:b::/48'), ifindex: V0, metric: 10 },
      { ...p('2001:db8:b::/48'), type: RTN_BLACKHOLE },
      { ...p('2001:db8:d::/48'), type: RTN_PROHIBIT },
      { ...p('2001:db8:e::/48'), type: RTN_THROW },
      { ...p('::/0'), gateway: a('fe80::1'), ifindex: V0 },
      { ...p('::/1'), ifindex: V0 },
      { ...p('8000::/1'), ifindex: V1 },
      { ...p('2001:db8:1:2::/64'), ifindex: V0, table: 10 },
      { ...p('2001:db8:1:2::/64'), ifindex: V1, table: 266 },
    ];
    for (const c of adds) ok(fib.add(c, ADD));
    // ip -6 route show table main
    assert.deepEqual(fib.dumpTable(254).map(show), [
      '2001:db8::/64 dev 3 metric 1024',
      '2001:db8::/48 via 2001:db8::5 dev 3 metric 1024',
      '2001:db8:2::/48 via fe80::9 dev 5 metric 1024',
      '2001:db8:b::/48 dev 3 metric 10',
      'blackhole 2001:db8:b::/48 dev 1 metric 1024',
      'prohibit 2001:db8:d::/48 dev 1 metric 1024',
      'throw 2001:db8:e::/48 dev 1 metric 1024',
      '::/1 dev 3 metric 1024',
      'fe80::/64 dev 2 metric 256',
      'fe80::/64 dev 3 metric 256',
      'fe80::/64 dev 4 metric 256',
      'fe80::/64 dev 5 metric 256',
      '8000::/1 dev 5 metric 1024',
      'default via fe80::1 dev 3 metric 1024',
    ]);
    // ip -6 route show table all: table 266 (bucket 10, newer) before table 10, then main.
    assert.deepEqual(fib.dump().slice(0, 3).map(show), [
      '2001:db8:1:2::/64 dev 5 table 266 metric 1024',
      '2001:db8:1:2::/64 dev 3 table 10 metric 1024',
      '2001:db8::/64 dev 3 metric 1024',
    ]);
    // ip -6 route get 2001:db8:1:2::1  -> dev v0 (main's ::/1; tables 10 and 266 have no rule)
    assert.equal(show(fib.lookup(a('2001:db8:1:2::1')) as Fib6Route), '::/1 dev 3 metric 1024');
    // ip -6 route get 2001:db8:b::1 oif v1  -> Network is unreachable (strict device match)
    assert.equal(fib.lookup(a('2001:db8:b::1'), 0, V1, RT6_LOOKUP_F_IFACE), undefined);
    // ip -6 route add 2001:db8:a::/48 dev v0 table 300; ... table 44; ... table 556
    // show table all lists 556, 44, 300: one bucket (id & 255 = 44), newest first.
    const t = new Fib6();
    for (const table of [300, 44, 556]) ok(t.add({ ...p('2001:db8:a::/48'), ifindex: V0, table }, ADD));
    assert.deepEqual(t.dump().map((r) => r.table), [556, 44, 300]);
  });

  test('gateway resolution, devices, loopback and the local table', () => {
    const fib = new Fib6();
    // ip -6 route add throw 2001:db8:e::/48 table local; ip -6 route add 2001:db8:e::/48 dev v0
    // ip -6 route get 2001:db8:e::1  -> dev v0: a throw in local passes on to main
    ok(fib.add({ ...p('2001:db8:e::/48'), type: RTN_THROW, table: RT_TABLE_LOCAL }, ADD));
    ok(fib.add({ ...p('2001:db8:e::/48'), ifindex: V0 }, ADD));
    assert.equal(fib.lookup(a('2001:db8:e::1'))?.ifindex, V0);
    // ip -6 route add 2001:db8:c::/48  -> No such device
    assert.equal(errno(fib.add(p('2001:db8:c::/48'), ADD)), ERRNO.ENODEV);
    // ip -6 route add 2001:db8:c::/48 via 2001:db8:e::1  -> "via 2001:db8:e::1 dev v0"
    assert.equal(show(ok(fib.add({ ...p('2001:db8:c::/48'), gateway: a('2001:db8:e::1') }, ADD))), '2001:db8:c::/48 via 2001:db8:e::1 dev 3 metric 1024');
    // ip -6 route add 2001:db8:d::/48 via ff02::1 dev v0 (and via ::)  -> Invalid gateway address
    assert.equal(message(fib.add({ ...p('2001:db8:d::/48'), gateway: a('ff02::1'), ifindex: V0 }, ADD)), 'Invalid gateway address');
    assert.equal(message(fib.add({ ...p('2001:db8:d::/48'), gateway: a('::'), ifindex: V0 }, ADD)), 'Invalid gateway address');
    // ip -6 route add 2001:db8:d::/48 dev lo  -> "2001:db8:d::/48 dev lo metric 1024" (a
    // unicast route turned into a reject route: it would loop)
    const lo = ok(fib.add({ ...p('2001:db8:d::/48'), ifindex: LOOPBACK_IFINDEX }, ADD));
    assert.equal(lo.type, RTN_UNICAST);
    assert.equal(lo.flags, RTF_REJECT | RTF_NONEXTHOP);
    // ip -6 route add throw 2001:db8:f::/48; ip -6 route add 2001:db8:f::/48 dev v1 table default
    // ip -6 route get 2001:db8:f::1  -> Network is unreachable (IPv6 has no rule for table 253)
    ok(fib.add({ ...p('2001:db8:f::/48'), type: RTN_THROW }, ADD));
    ok(fib.add({ ...p('2001:db8:f::/48'), ifindex: V1, table: 253 }, ADD));
    assert.equal(fib.lookup(a('2001:db8:f::1')), undefined);
    assert.equal(fib.lookupTable(253, a('2001:db8:f::1'))?.ifindex, V1);
  });

  test('replace picks the first route of the same multipath ability', () => {
    const fib = new Fib6();
    // ip -6 route add 2001:db8:3::/48 dev v0; replace via fe80::7 dev v1  -> the one route
    ok(fib.add({ ...p('2001:db8:3::/48'), ifindex: V0 }, ADD));
    ok(fib.add({ ...p('2001:db8:3::/48'), gateway: a('fe80::7'), ifindex: V1 }, REPLACE));
    assert.deepEqual(fib.dumpTable(254).map(show), ['2001:db8:3::/48 via fe80::7 dev 5 metric 1024']);
    // ip -6 route append 2001:db8:3::/48 dev v0; ip -6 route replace 2001:db8:3::/48 dev v1
    ok(fib.add({ ...p('2001:db8:3::/48'), ifindex: V0 }, APPEND));
    ok(fib.add({ ...p('2001:db8:3::/48'), ifindex: V1 }, REPLACE));
    assert.deepEqual(fib.dumpTable(254).map(show), [
      '2001:db8:3::/48 via fe80::7 dev 5 metric 1024',
      '2001:db8:3::/48 dev 5 metric 1024',
    ]);
  });

  test('deleting one nexthop, then the group', () => {
    const fib = new Fib6();
    // add via fe80::1 dev v0; append via fe80::2 dev v0; append via fe80::3 dev v1; append dev v1
    ok(fib.add({ ...p('2001:db8:2::/48'), gateway: a('fe80::1'), ifindex: V0 }, ADD));
    ok(fib.add({ ...p('2001:db8:2::/48'), gateway: a('fe80::2'), ifindex: V0 }, APPEND));
    ok(fib.add({ ...p('2001:db8:2::/48'), gateway: a('fe80::3'), ifindex: V1 }, APPEND));
    ok(fib.add({ ...p('2001:db8:2::/48'), ifindex: V1 }, APPEND));
    // ip -6 route del 2001:db8:2::/48 via fe80::2  -> only that nexthop goes
    assert.deepEqual(ok(fib.delete({ ...p('2001:db8:2::/48'), gateway: a('fe80::2') })).map(show), ['2001:db8:2::/48 via fe80::2 dev 3 metric 1024']);
    // ip -6 route del 2001:db8:2::/48  -> the multipath route goes, "dev v1" stays
    assert.equal(ok(fib.delete(p('2001:db8:2::/48'))).length, 2);
    assert.deepEqual(fib.dumpTable(254).map(show), ['2001:db8:2::/48 dev 5 metric 1024']);
    // ip -6 route del 2001:db8:2::/48 (again) -> ok, then the table is empty
    ok(fib.delete(p('2001:db8:2::/48')));
    assert.equal(fib.size, 0);
    assert.equal(fib.main.trie.routeNodes, 0);
  });

  test('device events: carrier loss, down, ignore_routes_with_linkdown', () => {
    const ignore = new Set<number>();
    const fib = new Fib6({ ignoreLinkdown: (i) => ignore.has(i) });
    ok(fib.add({ ...p('2001:db8:10::/48'), gateway: a('fe80::1'), ifindex: V0 }, ADD));
    ok(fib.add({ ...p('2001:db8:10::/48'), gateway: a('fe80::2'), ifindex: V1 }, APPEND));
    ok(fib.add({ ...p('2001:db8:11::/48'), ifindex: V0 }, ADD));
    ok(fib.add({ ...p('2001:db8:12::/48'), ifindex: V0, metric: 5 }, ADD));
    ok(fib.add({ ...p('2001:db8:12::/48'), ifindex: V1, metric: 6 }, ADD));
    // ip link set v0p down: v0 loses carrier, its routes show "linkdown"
    assert.deepEqual(fib.ifdown(V0, 'change'), []);
    assert.deepEqual(fib.dumpTable(254).filter((r) => r.ifindex === V0).map((r) => r.nhFlags), [RTNH_F_LINKDOWN, RTNH_F_LINKDOWN, RTNH_F_LINKDOWN]);
    // ip -6 route get 2001:db8:12::1  -> dev v0 metric 5 (linkdown routes still used)
    assert.equal(fib.lookup(a('2001:db8:12::1'))?.metric, 5);
    // sysctl net.ipv6.conf.v0.ignore_routes_with_linkdown=1; get  -> dev v1 metric 6
    ignore.add(V0);
    assert.equal(fib.lookup(a('2001:db8:12::1'))?.metric, 6);
    ignore.delete(V0);
    // ip link set v0 down: single-path v0 routes go; the multipath member is "dead linkdown"
    assert.deepEqual(fib.ifdown(V0, 'down').map(show), ['2001:db8:11::/48 dev 3 metric 1024', '2001:db8:12::/48 dev 3 metric 5']);
    assert.deepEqual(fib.siblings(fib.dumpTable(254)[0] as Fib6Route).map((r) => r.nhFlags), [RTNH_F_DEAD | RTNH_F_LINKDOWN, 0]);
    // ip -6 route get 2001:db8:10::1  -> via fe80::2 dev v1
    assert.equal(show(fib.lookup(a('2001:db8:10::1')) as Fib6Route), '2001:db8:10::/48 via fe80::2 dev 5 metric 1024');
    // ip -6 route get 2001:db8:12::1  -> dev v1 metric 6
    assert.equal(fib.lookup(a('2001:db8:12::1'))?.metric, 6);
    // ip link set v1 down: every member is dead now, the whole multipath route goes
    assert.equal(fib.ifdown(V1, 'down').length, 3);
    assert.equal(fib.size, 0);
  });
});

describe('Fib6 semantics beyond the kernel runs', () => {
  test('ECMP hash-threshold regions (rt6_multipath_rebalance) and ifup', () => {
    const fib = new Fib6();
    ok(fib.add({ ...p('2001:db8::/32'), gateway: a('fe80::1'), ifindex: V0 }, ADD));
    ok(fib.add({ ...p('2001:db8::/32'), gateway: a('fe80::2'), ifindex: V1 }, APPEND));
    const dst = a('2001:db8::1');
    // Two weight-1 nexthops split [0, 2^31) at 2^30.
    assert.equal(fib.lookup(dst, 0, 0, 0, 0)?.ifindex, V0);
    assert.equal(fib.lookup(dst, 0, 0, 0, 2 ** 30 - 1)?.ifindex, V0);
    assert.equal(fib.lookup(dst, 0, 0, 0, 2 ** 30)?.ifindex, V1);
    fib.ifdown(V1, 'down');
    assert.equal(fib.lookup(dst, 0, 0, 0, 2 ** 30)?.ifindex, V0);
    fib.ifup(V1, RTNH_F_DEAD | RTNH_F_LINKDOWN);
    assert.equal(fib.lookup(dst, 0, 0, 0, 2 ** 30)?.ifindex, V1);
  });

  test('expired routes are skipped and collected', () => {
    let now = 0;
    const fib = new Fib6({ nowNs: () => now });
    ok(fib.add({ ...p('2001:db8::/32'), ifindex: V0 }, ADD));
    ok(fib.add({ ...p('2001:db8::/48'), ifindex: V1, expires: 1000 }, ADD));
    assert.equal(fib.lookup(a('2001:db8::1'))?.ifindex, V1);
    now = 1001;
    assert.equal(fib.lookup(a('2001:db8::1'))?.ifindex, V0);
    assert.deepEqual(fib.collectExpired().map((r) => r.dstLen), [48]);
    assert.equal(fib.size, 1);
  });

  test('defaults: metric 1024, main table, unicast; lookups read at an offset', () => {
    const fib = new Fib6();
    const r = ok(fib.add({ ...p('2001:db8::/32'), ifindex: V0 }, NLM_F_CREATE));
    assert.equal(r.metric, IP6_RT_PRIO_USER);
    assert.equal(r.table, 254);
    assert.equal(r.type, RTN_UNICAST);
    const buf = new Uint8Array(40);
    buf.set(a('2001:db8::99'), 24);
    assert.equal(fib.lookup(buf, 24), r);
  });
});

describe('the destination cache and the lone-route shortcut', () => {
  test('answers change with add, delete, ifdown, ifup, setExpires and the clock', () => {
    let now = 0;
    const fib = new Fib6({ nowNs: () => now });
    const dst = a('2001:db8:1:2::5');
    assert.equal(fib.lookup(dst), undefined);
    const wide = ok(fib.add({ ...p('2001:db8::/32'), ifindex: V0 }, ADD));
    assert.equal(fib.lookup(dst), wide);
    assert.equal(fib.lookup(dst), wide);
    const narrow = ok(fib.add({ ...p('2001:db8:1::/48'), ifindex: V1 }, ADD));
    assert.equal(fib.lookup(dst), narrow);
    ok(fib.delete(p('2001:db8:1::/48')));
    assert.equal(fib.lookup(dst), wide);
    // A local-table route answers first, and a throw route there passes to main.
    const local = ok(fib.add({ ...p('2001:db8:1:2::5/128'), ifindex: V0, table: RT_TABLE_LOCAL }, ADD));
    assert.equal(fib.lookup(dst), local);
    ok(fib.delete({ ...p('2001:db8:1:2::5/128'), table: RT_TABLE_LOCAL }));
    ok(fib.add({ ...p('2001:db8:1::/48'), type: RTN_THROW, table: RT_TABLE_LOCAL }, ADD));
    assert.equal(fib.lookup(dst), wide);
    // Device down removes the route; the cached answer goes with it.
    assert.equal(fib.ifdown(V0, 'down').length, 1);
    assert.equal(fib.lookup(dst), undefined);
    // Multipath: a dead member is skipped until ifup, for the same hash.
    const g1 = ok(fib.add({ ...p('2001:db8::/32'), gateway: a('fe80::1'), ifindex: V0 }, ADD));
    const g2 = ok(fib.add({ ...p('2001:db8::/32'), gateway: a('fe80::2'), ifindex: V1 }, APPEND));
    assert.equal(fib.lookup(dst, 0, 0, 0, 2 ** 30), g2);
    fib.ifdown(V1, 'down');
    assert.equal(fib.lookup(dst, 0, 0, 0, 2 ** 30), g1);
    fib.ifup(V1, RTNH_F_DEAD | RTNH_F_LINKDOWN);
    assert.equal(fib.lookup(dst, 0, 0, 0, 2 ** 30), g2);
    // Expiry: the answer holds up to the expiry instant and changes right after it.
    const soon = ok(fib.add({ ...p('2001:db8:1::/48'), ifindex: V1, expires: 1000, table: 254 }, ADD));
    assert.equal(fib.lookup(dst), soon);
    now = 1000;
    assert.equal(fib.lookup(dst), soon);
    now = 1001;
    assert.equal(fib.lookup(dst), g1);
    // setExpires moves the expiry of a route in the FIB.
    fib.setExpires(soon, 5000);
    assert.equal(fib.lookup(dst), soon);
    fib.setExpires(soon, undefined);
    now = 10_000;
    assert.equal(fib.lookup(dst), soon);
    // A strict device lookup is keyed apart from a plain one (and backtracks to the /32).
    assert.equal(fib.lookup(dst, 0, V0, RT6_LOOKUP_F_IFACE), g1);
    assert.equal(fib.lookup(dst, 0, V1, RT6_LOOKUP_F_IFACE), soon);
    assert.equal(fib.lookup(dst, 0, V0, 0), soon);
  });

  test('ignore_routes_with_linkdown is read afresh on every lookup it matters to', () => {
    const ignore = new Set<number>();
    const fib = new Fib6({ ignoreLinkdown: (i) => ignore.has(i) });
    ok(fib.add({ ...p('2001:db8::/32'), ifindex: V0, metric: 1 }, ADD));
    ok(fib.add({ ...p('2001:db8::/32'), ifindex: V1, metric: 2 }, ADD));
    fib.ifdown(V0, 'change');
    const dst = a('2001:db8::1');
    for (let i = 0; i < 3; i++) {
      assert.equal(fib.lookup(dst)?.ifindex, V0);
      ignore.add(V0);
      assert.equal(fib.lookup(dst)?.ifindex, V1);
      ignore.delete(V0);
    }
  });

  test('a lone route answers a lookup from any input device unless the device is strict', () => {
    const fib = new Fib6();
    const r = ok(fib.add({ ...p('2001:db8::/32'), gateway: a('fe80::1'), ifindex: V1 }, ADD));
    assert.equal(fib.lookup(a('2001:db8::1'), 0, V0, 0), r);
    assert.equal(fib.lookup(a('2001:db8::1'), 0, V1, RT6_LOOKUP_F_IFACE), r);
    assert.equal(fib.lookup(a('2001:db8::1'), 0, V0, RT6_LOOKUP_F_IFACE), undefined);
    // An oif past int32 must not share a cache entry with the ifindex it wraps to.
    assert.equal(fib.lookup(a('2001:db8::2'), 0, 2 ** 32 + V1, RT6_LOOKUP_F_IFACE), undefined);
    assert.equal(fib.lookup(a('2001:db8::2'), 0, V1, RT6_LOOKUP_F_IFACE), r);
  });

  test('thousands of destinations: the cache grows and every answer stays right', () => {
    const fib = new Fib6();
    for (let i = 0; i < 4096; i++) {
      const dst = new Uint8Array(16);
      dst.set([0x20, 0x01, 0x0d, 0xb8, i >> 8, i & 0xff]);
      ok(fib.add({ dst, dstLen: 48, ifindex: 2 + (i % 3), metric: i }, ADD));
    }
    const probe = new Uint8Array(16 * 8192);
    for (let i = 0; i < 8192; i++) probe.set([0x20, 0x01, 0x0d, 0xb8, (i >> 8) & 0x0f, i & 0xff, 0, 0, 0, 0, 0, 0, 0, 0, 0, i >> 12], 16 * i);
    for (let round = 0; round < 40; round++) {
      for (let i = 0; i < 8192; i += 1 + (round & 3)) {
        const got = fib.lookup(probe, 16 * i);
        assert.equal(got?.metric, i & 0xfff);
      }
    }
  });
});

// ---- properties against a naive reference ----------------------------------------------------

interface RefRoute {
  readonly dst: Uint8Array;
  readonly dstLen: number;
  readonly metric: number;
  readonly ifindex: number;
  readonly seq: number;
}

function covers(prefix: Uint8Array, plen: number, addr: Uint8Array): boolean {
  for (let i = 0; i < plen; i++) {
    const bit = 7 - (i & 7);
    if ((((prefix[i >> 3] ?? 0) >> bit) & 1) !== (((addr[i >> 3] ?? 0) >> bit) & 1)) return false;
  }
  return true;
}

/** Linear scan: longest covering prefix, then lowest metric, then the earliest added. */
function naiveLookup(routes: readonly RefRoute[], addr: Uint8Array): RefRoute | undefined {
  let best: RefRoute | undefined;
  for (const r of routes) {
    if (!covers(r.dst, r.dstLen, addr)) continue;
    if (
      best === undefined ||
      r.dstLen > best.dstLen ||
      (r.dstLen === best.dstLen && (r.metric < best.metric || (r.metric === best.metric && r.seq < best.seq)))
    ) {
      best = r;
    }
  }
  return best;
}

/** Order of `ip -6 route show`: a prefix after everything under it, bit 0 before bit 1. */
function dumpCompare(x: RefRoute, y: RefRoute): number {
  const n = Math.min(x.dstLen, y.dstLen);
  for (let i = 0; i < n; i++) {
    const bit = 7 - (i & 7);
    const bx = ((x.dst[i >> 3] ?? 0) >> bit) & 1;
    const by = ((y.dst[i >> 3] ?? 0) >> bit) & 1;
    if (bx !== by) return bx - by;
  }
  if (x.dstLen !== y.dstLen) return y.dstLen - x.dstLen;
  return x.metric !== y.metric ? x.metric - y.metric : x.seq - y.seq;
}

/** Addresses clustered in a few /16s so prefixes nest and collide often. */
const addrArb = fc
  .tuple(fc.constantFrom(0x2001, 0x2001, 0x20ff, 0xfe80, 0x0000), fc.uint8Array({ minLength: 14, maxLength: 14 }))
  .map(([head, rest]) => {
    const out = new Uint8Array(16);
    out[0] = head >> 8;
    out[1] = head & 0xff;
    out.set(rest, 2);
    // Fewer distinct bytes: more shared prefixes.
    for (let i = 2; i < 16; i++) out[i] = (out[i] ?? 0) & (i < 6 ? 0xff : 0x81);
    return out;
  });
const routeArb = fc.record({
  dst: addrArb,
  dstLen: fc.oneof(fc.integer({ min: 0, max: 128 }), fc.constantFrom(16, 32, 48, 64, 128)),
  metric: fc.constantFrom(1, 100, 1024),
  ifindex: fc.integer({ min: 2, max: 4 }),
});

function mask(dst: Uint8Array, plen: number): Uint8Array {
  const out = new Uint8Array(16);
  for (let i = 0; i < 16; i++) {
    const bits = plen - 8 * i;
    out[i] = bits >= 8 ? (dst[i] ?? 0) : bits > 0 ? (dst[i] ?? 0) & (0xff << (8 - bits)) : 0;
  }
  return out;
}

describe('properties', () => {
  test('lookup equals a linear-scan reference; dump is the post-order', () => {
    fc.assert(
      fc.property(fc.array(routeArb, { maxLength: 60 }), fc.array(addrArb, { minLength: 1, maxLength: 30 }), (cfgs, addrs) => {
        const fib = new Fib6();
        const ref: RefRoute[] = [];
        cfgs.forEach((c, seq) => {
          const res = fib.add({ dst: c.dst, dstLen: c.dstLen, metric: c.metric, ifindex: c.ifindex }, APPEND);
          const dup = ref.some((r) => r.dstLen === c.dstLen && r.metric === c.metric && r.ifindex === c.ifindex && covers(r.dst, c.dstLen, c.dst));
          assert.equal(res.ok, !dup);
          if (res.ok) ref.push({ dst: mask(c.dst, c.dstLen), dstLen: c.dstLen, metric: c.metric, ifindex: c.ifindex, seq });
        });
        assert.equal(fib.main.trie.check(), undefined);
        // Probe the given addresses and each route's own prefix.
        for (const addr of [...addrs, ...ref.map((r) => r.dst)]) {
          const got = fib.lookup(addr);
          const want = naiveLookup(ref, addr);
          assert.equal(got?.dstLen, want?.dstLen);
          assert.equal(got?.metric, want?.metric);
          assert.equal(got?.ifindex, want?.ifindex);
        }
        const order = [...ref].sort(dumpCompare).map((r) => `${formatIpv6Address(r.dst)}/${r.dstLen} ${r.metric} ${r.ifindex}`);
        assert.deepEqual(fib.dumpTable(254).map((r) => `${formatIpv6Address(r.dst)}/${r.dstLen} ${r.metric} ${r.ifindex}`), order);
      }),
      { numRuns: 300 },
    );
  });

  test('cached lookups equal uncached table lookups through any sequence of changes', () => {
    const op = fc.oneof(
      fc.record({ kind: fc.constant('add' as const), r: routeArb, gw: fc.integer({ min: 0, max: 2 }), table: fc.constantFrom(254, 254, 255), type: fc.constantFrom(RTN_UNICAST, RTN_UNICAST, RTN_THROW, RTN_UNREACHABLE), expires: fc.option(fc.integer({ min: 0, max: 100 })) }),
      fc.record({ kind: fc.constant('del' as const), i: fc.nat() }),
      fc.record({ kind: fc.constant('dev' as const), ifindex: fc.integer({ min: 2, max: 4 }), event: fc.constantFrom('down' as const, 'change' as const, 'up' as const) }),
      fc.record({ kind: fc.constant('time' as const), dt: fc.integer({ min: 0, max: 30 }) }),
      fc.record({ kind: fc.constant('expires' as const), i: fc.nat(), at: fc.option(fc.integer({ min: 0, max: 100 })) }),
      fc.record({ kind: fc.constant('sysctl' as const), ifindex: fc.integer({ min: 2, max: 4 }) }),
      fc.record({ kind: fc.constant('get' as const), addr: addrArb, oif: fc.integer({ min: 0, max: 4 }), flags: fc.constantFrom(0, RT6_LOOKUP_F_IFACE), hash: fc.constantFrom(0, 2 ** 30, 2 ** 31 - 1) }),
    );
    fc.assert(
      fc.property(fc.array(op, { maxLength: 80 }), (ops) => {
        let now = 0;
        const ignore = new Set<number>();
        const fib = new Fib6({ nowNs: () => now, ignoreLinkdown: (i) => ignore.has(i) });
        const probes: [Uint8Array, number, number, number][] = [];
        const check = (): void => {
          for (const [addr, oif, flags, hash] of probes) {
            const l = fib.lookupTable(255, addr, 0, oif, flags, hash);
            const m = fib.lookupTable(254, addr, 0, oif, flags, hash);
            const want = l !== undefined && l.type !== RTN_THROW ? l : m !== undefined && m.type !== RTN_THROW ? m : undefined;
            assert.equal(fib.lookup(addr, 0, oif, flags, hash), want);
            assert.equal(fib.lookup(addr, 0, oif, flags, hash), want);
          }
        };
        for (const o of ops) {
          const routes = fib.dump();
          if (o.kind === 'add') {
            const gateway = o.gw === 0 || o.type !== RTN_UNICAST ? undefined : a(`fe80::${o.gw}`);
            const cfg: Fib6RouteConfig = { dst: o.r.dst, dstLen: o.r.dstLen, metric: o.r.metric, ifindex: o.r.ifindex, table: o.table, type: o.type };
            fib.add({ ...cfg, ...(gateway === undefined ? {} : { gateway }), ...(o.expires === null ? {} : { expires: o.expires }) }, APPEND);
            // Probe inside every prefix added, so that lookups meet the routes that change.
            probes.push([o.r.dst, 0, 0, 0]);
          } else if (o.kind === 'del') {
            const r = routes[o.i % Math.max(1, routes.length)];
            if (r !== undefined) fib.remove(r);
          } else if (o.kind === 'dev') {
            if (o.event === 'up') fib.ifup(o.ifindex, RTNH_F_DEAD | RTNH_F_LINKDOWN);
            else fib.ifdown(o.ifindex, o.event);
          } else if (o.kind === 'time') {
            now += o.dt;
            if (o.dt % 3 === 0) fib.collectExpired();
          } else if (o.kind === 'expires') {
            const r = routes[o.i % Math.max(1, routes.length)];
            if (r !== undefined && r.type === RTN_UNICAST) fib.setExpires(r, o.at ?? undefined);
          } else if (o.kind === 'sysctl') {
            if (ignore.has(o.ifindex)) ignore.delete(o.ifindex);
            else ignore.add(o.ifindex);
          } else probes.push([o.addr, o.oif, o.flags, o.hash]);
          check();
        }
      }),
      { numRuns: 300 },
    );
  });

  test('add then delete in any order leaves an empty tree', () => {
    fc.assert(
      fc.property(fc.array(routeArb, { maxLength: 60 }), fc.integer(), (cfgs, seed) => {
        const fib = new Fib6();
        const added: Fib6Route[] = [];
        for (const c of cfgs) {
          const r = fib.add({ dst: c.dst, dstLen: c.dstLen, metric: c.metric, ifindex: c.ifindex }, APPEND);
          if (r.ok) added.push(r.value);
        }
        let s = seed >>> 0;
        while (added.length > 0) {
          s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
          const [r] = added.splice(s % added.length, 1);
          if (r === undefined) break;
          const del = ok(fib.delete({ dst: r.dst, dstLen: r.dstLen, metric: r.metric, ifindex: r.ifindex }));
          assert.deepEqual(del, [r]);
          assert.equal(fib.main.trie.check(), undefined);
          assert.equal(fib.delete({ dst: r.dst, dstLen: r.dstLen, metric: r.metric, ifindex: r.ifindex }).ok, false);
        }
        assert.equal(fib.size, 0);
        assert.equal(fib.main.trie.routeNodes, 0);
        assert.deepEqual(fib.dump(), []);
      }),
      { numRuns: 200 },
    );
  });

  test('100,000 routes: structure holds and lookups agree with the reference on a sample', () => {
    let s = 0x9e3779b9;
    const next = (): number => {
      s ^= s << 13;
      s ^= s >>> 17;
      s ^= s << 5;
      return s >>> 0;
    };
    const fib = new Fib6();
    const ref: RefRoute[] = [];
    for (let i = 0; ref.length < 100_000; i++) {
      const dst = new Uint8Array(16);
      dst.set([0x20, 0x01, 0x0d, 0xb8]);
      for (let j = 4; j < 16; j += 4) dst.set([next() >>> 24, next() >>> 24, next() >>> 24, next() >>> 24], j);
      const dstLen = 32 + (next() % 97);
      const r = fib.add({ dst, dstLen, ifindex: 2 + (i % 3) }, ADD);
      if (r.ok) ref.push({ dst: r.value.dst, dstLen, metric: IP6_RT_PRIO_USER, ifindex: r.value.ifindex, seq: i });
    }
    assert.equal(fib.size, 100_000);
    assert.equal(fib.main.trie.check(), undefined);
    for (let k = 0; k < 100; k++) {
      const base = ref[next() % ref.length] as RefRoute;
      const addr = base.dst.slice();
      addr[15] = next() & 0xff;
      const got = fib.lookup(addr);
      const want = naiveLookup(ref, addr);
      assert.equal(got?.dstLen, want?.dstLen);
      assert.equal(got?.ifindex, want?.ifindex);
    }
    assert.equal(fib.dumpTable(254).length, 100_000);
  });
});
