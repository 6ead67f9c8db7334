// `ip -6 route` through runIp, a Kernel and the in-process transport. Expected texts and exit
// statuses were produced by iproute2 6.1.0's `ip` on Linux 6.18 in a throwaway namespace with
// veth0/veth1 up and addr_gen_mode 1 (no link-local routes); test/interop/ip-route.test.ts
// replays the same commands against the kernel. `encap ioam6` cannot run on that kernel
// (no CONFIG_IPV6_IOAM6_LWTUNNEL: "Error: lwt encapsulation type not supported."), so those
// expectations follow ip/iproute_lwtunnel.c (print_encap_ioam6, parse_encap_ioam6).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { MemoryOutput } from '../cli/output.ts';
import { Kernel } from '../kernel.ts';
import { rootCredentials } from '../net/credentials.ts';
import { createVethPair } from '../net/device-kinds.ts';
import type { DeviceTable } from '../net/netdevice.ts';
import { ENOENT } from '../uapi/errno.ts';
import { NETLINK_GET_STRICT_CHK, SOL_NETLINK } from '../uapi/netlink.ts';
import { runIp, type IpHost } from './ip.ts';
import { IP_ROUTE_USAGE, makeIpRoute } from './route.ts';
import { InProcessTransport } from './transport.ts';
import { IN6_ADDR_GEN_MODE_NONE } from '../uapi/if_link.ts';

/** A kernel with namespace `t` holding lo, veth0 and veth1 (all up), and `ip -n t`. */
class Rig {
  readonly kernel = new Kernel();
  readonly devs: DeviceTable;

  constructor() {
    // The kernel registers IPv6 routes (and addrconf) itself.
    const net = this.kernel.world.createNet('t');
    assert.ok(net.ok);
    this.devs = this.kernel.netdev.table(net.value);
    const lo = this.devs.loopback;
    assert.ok(lo !== undefined);
    this.devs.open(lo);
    const v = createVethPair(this.devs, 'veth0', { peerName: 'veth1' });
    assert.ok(v.ok);
    // The expected outputs were taken with addr_gen_mode none: no link-local, no fe80::/64.
    for (const d of [v.value.dev, v.value.peer]) {
      const idev = this.kernel.addrconf.idev(d);
      if (idev !== undefined) idev.addrGenMode = IN6_ADDR_GEN_MODE_NONE;
    }
    this.devs.open(v.value.dev);
    this.devs.open(v.value.peer);
  }

  async ip(...argv: string[]): Promise<[number, string, string]> {
    const out = new MemoryOutput();
    const err = new MemoryOutput();
    const world = this.kernel.world;
    const devs = this.devs;
    const route = makeIpRoute(() => ({
      nameToIndex: (n) => devs.getByName(n)?.ifindex ?? 0,
      indexToName: (i) => devs.getByIndex(i)?.name,
    }));
    const host: IpHost = {
      out,
      err,
      objects: { route },
      enterNetns: (n) => (world.byName(n) === undefined ? ENOENT : 0),
      openNetlink: (protocol, netns) => {
        const net = world.byName(netns ?? 't');
        if (net === undefined) return { errno: ENOENT };
        const t = InProcessTransport.open(this.kernel.netlink, net, protocol, rootCredentials(world.initUserNs));
        // ip.c's rtnl_set_strict_dump.
        if (t instanceof InProcessTransport) t.socket.setsockopt(SOL_NETLINK, NETLINK_GET_STRICT_CHK, 1);
        return t;
      },
    };
    const rc = await runIp(['-n', 't', ...argv], host);
    // The expected outputs leave out addrconf's own routes (proto kernel, e.g. local ::1 and the
    // ff00::/8 multicast routes v6stack does not make yet); the interop test compares them.
    const text = out.text
      .split('\n')
      .filter((l) => !l.includes(' proto kernel '))
      .join('\n');
    return [rc, text, err.text];
  }

  /** `ip -6 route ...` split on spaces. */
  r6(line: string): Promise<[number, string, string]> {
    return this.ip('-6', 'route', ...line.split(' ').filter((w) => w !== ''));
  }
}

const OK: [number, string, string] = [0, '', ''];

test('add, duplicates, gateways, reject types, metrics, errors, show, -j show, get', async () => {
  const r = new Rig();
  assert.deepEqual(await r.r6('add 2001:db8::/64 dev veth0'), OK);
  assert.deepEqual(await r.r6('add 2001:db8::/64 dev veth0'), [2, '', 'RTNETLINK answers: File exists\n']);
  assert.deepEqual(await r.r6('add 2001:db8:1::/64 via 2001:db8::2'), OK);
  assert.deepEqual(await r.r6('add blackhole 2001:db8:2::/64'), OK);
  assert.deepEqual(await r.r6('add unreachable 2001:db8:3::/64 metric 5'), OK);
  assert.deepEqual(await r.r6('add prohibit 2001:db8:4::/64'), OK);
  assert.deepEqual(await r.r6('add throw 2001:db8:5::/64'), OK);
  assert.deepEqual(await r.r6('add 2001:db8:6::/64 dev veth0 mtu 1400'), OK);
  assert.deepEqual(await r.r6('add 2001:db8:7::/64 dev nosuch'), [1, '', 'Cannot find device "nosuch"\n']);
  assert.deepEqual(await r.r6('add 2001:db8:8::/64 via 2001:db9::1'), [2, '', 'RTNETLINK answers: No route to host\n']);
  assert.deepEqual(await r.r6('add 2001:db8:8::/64 via fe80::1'), [2, '', 'Error: Egress device not specified.\n']);
  assert.deepEqual(await r.r6('add 2001:db8:8::/64 via ff02::1 dev veth0'), [2, '', 'Error: Invalid gateway address.\n']);
  assert.deepEqual(await r.r6('add 2001:db8::/129 dev veth0'), [1, '', 'Error: inet6 prefix is expected rather than "2001:db8::/129".\n']);
  assert.deepEqual(await r.r6('add bogus dev veth0'), [1, '', 'Error: inet6 prefix is expected rather than "bogus".\n']);
  assert.deepEqual(await r.r6('del 2001:db8:9::/64'), [2, '', 'RTNETLINK answers: No such process\n']);
  const table =
    '2001:db8::/64 dev veth0 metric 1024 pref medium\n' +
    '2001:db8:1::/64 via 2001:db8::2 dev veth0 metric 1024 pref medium\n' +
    'blackhole 2001:db8:2::/64 dev lo metric 1024 pref medium\n' +
    'unreachable 2001:db8:3::/64 dev lo metric 5 pref medium\n' +
    'prohibit 2001:db8:4::/64 dev lo metric 1024 pref medium\n' +
    'throw 2001:db8:5::/64 dev lo metric 1024 pref medium\n' +
    '2001:db8:6::/64 dev veth0 metric 1024 mtu 1400 pref medium\n';
  assert.deepEqual(await r.r6('show'), [0, table, '']);
  assert.deepEqual(await r.r6('show table all'), [0, table, '']);
  assert.deepEqual(await r.r6('show table 100'), [2, '', 'Error: ipv6: FIB table does not exist.\nDump terminated\n']);
  assert.deepEqual(await r.r6('get 2001:db8:2::5'), [2, '', 'RTNETLINK answers: Invalid argument\n']);
  assert.deepEqual(await r.r6('get 2001:db8:3::5'), [2, '', 'RTNETLINK answers: No route to host\n']);
  assert.deepEqual(await r.r6('get 2001:db8:4::5'), [2, '', 'RTNETLINK answers: Permission denied\n']);
  assert.deepEqual(await r.r6('get 2001:db9::5'), [2, '', 'RTNETLINK answers: Network is unreachable\n']);
  // The kernel adds "src ::1" here from its addresses; without addrconf there is no source.
  assert.deepEqual(await r.r6('get 2001:db8:1::5'), [0, '2001:db8:1::5 from :: via 2001:db8::2 dev veth0 src ::1 metric 1024 pref medium\n', '']);
  assert.deepEqual(await r.ip('-6', '-j', 'route', 'show'), [
    0,
    '[{"dst":"2001:db8::/64","dev":"veth0","metric":1024,"flags":[],"pref":"medium"},' +
      '{"dst":"2001:db8:1::/64","gateway":"2001:db8::2","dev":"veth0","metric":1024,"flags":[],"pref":"medium"},' +
      '{"type":"blackhole","dst":"2001:db8:2::/64","dev":"lo","metric":1024,"flags":[],"pref":"medium"},' +
      '{"type":"unreachable","dst":"2001:db8:3::/64","dev":"lo","metric":5,"flags":[],"pref":"medium"},' +
      '{"type":"prohibit","dst":"2001:db8:4::/64","dev":"lo","metric":1024,"flags":[],"pref":"medium"},' +
      '{"type":"throw","dst":"2001:db8:5::/64","dev":"lo","metric":1024,"flags":[],"pref":"medium"},' +
      '{"dst":"2001:db8:6::/64","dev":"veth0","metric":1024,"flags":[],"metrics":[{"mtu":1400}],"pref":"medium"}]\n',
    '',
  ]);
  // append makes a multipath route; replace moves a route; linkdown after the peer goes down.
  assert.deepEqual(await r.r6('append 2001:db8:1::/64 via 2001:db8::3'), OK);
  assert.deepEqual(await r.r6('replace 2001:db8:6::/64 dev veth1'), OK);
  const veth1 = r.devs.getByName('veth1');
  assert.ok(veth1 !== undefined);
  r.devs.close(veth1);
  assert.deepEqual(await r.r6('show'), [
    0,
    '2001:db8::/64 dev veth0 metric 1024 linkdown pref medium\n' +
      '2001:db8:1::/64 metric 1024 pref medium\n' +
      '\tnexthop via 2001:db8::2 dev veth0 weight 1 linkdown \n' +
      '\tnexthop via 2001:db8::3 dev veth0 weight 1 linkdown \n' +
      'blackhole 2001:db8:2::/64 dev lo metric 1024 pref medium\n' +
      'unreachable 2001:db8:3::/64 dev lo metric 5 pref medium\n' +
      'prohibit 2001:db8:4::/64 dev lo metric 1024 pref medium\n' +
      'throw 2001:db8:5::/64 dev lo metric 1024 pref medium\n',
    '',
  ]);
  assert.deepEqual(await r.r6('add 2001:db8:a::/64 dev veth1'), [2, '', 'Error: Nexthop device is not up.\n']);
  assert.deepEqual(await r.r6('flush'), [1, '', '"ip route flush" requires arguments.\n']);
  assert.deepEqual(await r.r6('flush dev veth0'), OK);
  assert.deepEqual(await r.r6('show'), [
    0,
    '2001:db8:1::/64 metric 1024 pref medium\n' +
      '\tnexthop via 2001:db8::2 dev veth0 weight 1 linkdown \n' +
      '\tnexthop via 2001:db8::3 dev veth0 weight 1 linkdown \n' +
      'blackhole 2001:db8:2::/64 dev lo metric 1024 pref medium\n' +
      'unreachable 2001:db8:3::/64 dev lo metric 5 pref medium\n' +
      'prohibit 2001:db8:4::/64 dev lo metric 1024 pref medium\n' +
      'throw 2001:db8:5::/64 dev lo metric 1024 pref medium\n',
    '',
  ]);
});

test('tables, protocols, preferences, other metrics, expiry, default routes, local routes, selectors', async () => {
  const r = new Rig();
  assert.deepEqual(await r.r6('add 2001:db8::/64 dev veth0 proto static pref high table 100'), OK);
  assert.deepEqual(await r.r6('add 2001:db8::/64 dev veth0 expires 100'), OK);
  assert.deepEqual(await r.r6('add 2001:db8:1::/64 dev veth0 metric 10 hoplimit 5 advmss 1000'), OK);
  assert.deepEqual(await r.r6('show table 100'), [0, '2001:db8::/64 dev veth0 proto static metric 1024 pref high\n', '']);
  assert.deepEqual(await r.r6('show table all'), [
    0,
    '2001:db8::/64 dev veth0 table 100 proto static metric 1024 pref high\n' +
      '2001:db8::/64 dev veth0 metric 1024 expires 100sec pref medium\n' +
      '2001:db8:1::/64 dev veth0 metric 10 advmss 1000 hoplimit 5 pref medium\n',
    '',
  ]);
  assert.deepEqual(await r.r6('show dev veth0'), [
    0,
    '2001:db8::/64 metric 1024 expires 100sec pref medium\n2001:db8:1::/64 metric 10 advmss 1000 hoplimit 5 pref medium\n',
    '',
  ]);
  assert.deepEqual(await r.r6('show 2001:db8::/64'), [0, '2001:db8::/64 dev veth0 metric 1024 expires 100sec pref medium\n', '']);
  assert.deepEqual(await r.r6('get 2001:db8::5/64'), [
    0,
    '2001:db8::5 from :: dev veth0 src ::1 metric 1024 pref medium\n',
    'Warning: /64 as prefix is invalid, only /128 (or none) is supported.\n',
  ]);
  assert.deepEqual(await r.ip('-6', '-j', 'route', 'get', '2001:db8::5'), [
    0,
    '[{"dst":"2001:db8::5","from":"::","dev":"veth0","prefsrc":"::1","metric":1024,"flags":[],"pref":"medium"}]\n',
    '',
  ]);
  assert.deepEqual(await r.r6('del 2001:db8::/64 dev veth1'), [2, '', 'RTNETLINK answers: No such process\n']);
  assert.deepEqual(await r.r6('del 2001:db8::/64 metric 7'), [2, '', 'RTNETLINK answers: No such process\n']);
  assert.deepEqual(await r.r6('del 2001:db8::/64 table 100'), OK);
  assert.deepEqual(await r.r6('change 2001:db8:7::/64 dev veth0'), [2, '', 'Error: Can not replace route - no match found.\n']);
  assert.deepEqual(await r.r6('add default via fe80::1 dev veth0'), OK);
  assert.deepEqual(await r.r6('add ::/0 dev veth1 metric 3'), OK);
  assert.deepEqual(await r.r6('add 2001:db8:9::/64 dev lo'), OK);
  assert.deepEqual(await r.r6('add 2001:db8:9::/64 via 2001:db8::1 dev lo'), [2, '', 'RTNETLINK answers: No route to host\n']);
  // A unicast route through lo is a reject route whose dst.error is 0 (fib6_prop).
  assert.deepEqual(await r.r6('get 2001:db8:9::1'), [0, '2001:db8:9::1 from :: dev lo src ::1 metric 1024 pref medium\n', '']);
  assert.deepEqual(await r.r6('add 2001:db8:12::/64 dev veth0 pref 7'), OK);
  assert.deepEqual(await r.r6('show 2001:db8:12::/64'), [0, '2001:db8:12::/64 dev veth0 metric 1024 pref medium\n', '']);
  assert.deepEqual(await r.r6('add local 2001:db8:10::1 dev veth0'), OK);
  assert.deepEqual(await r.r6('show table local'), [0, 'local 2001:db8:10::1 dev veth0 metric 1024 pref medium\n', '']);
  r.kernel.world.advance(2_500_000_000);
  assert.deepEqual(await r.r6(''), [
    0,
    '2001:db8::/64 dev veth0 metric 1024 expires 97sec pref medium\n' +
      '2001:db8:1::/64 dev veth0 metric 10 advmss 1000 hoplimit 5 pref medium\n' +
      '2001:db8:9::/64 dev lo metric 1024 pref medium\n' +
      '2001:db8:12::/64 dev veth0 metric 1024 pref medium\n' +
      'default dev veth1 metric 3 pref medium\n' +
      'default via fe80::1 dev veth0 metric 1024 pref medium\n',
    '',
  ]);
  assert.deepEqual(await r.r6('show proto static'), OK);
  assert.deepEqual(await r.r6('show type unreachable'), OK);
  assert.deepEqual(await r.r6('show via fe80::1'), [0, 'default dev veth0 metric 1024 pref medium\n', '']);
  assert.deepEqual(await r.r6('show root 2001:db8::/48'), [0, '2001:db8::/64 dev veth0 metric 1024 expires 97sec pref medium\n', '']);
  assert.deepEqual(await r.r6('show match 2001:db8:12::1'), [
    0,
    '2001:db8:12::/64 dev veth0 metric 1024 pref medium\ndefault dev veth1 metric 3 pref medium\ndefault via fe80::1 dev veth0 metric 1024 pref medium\n',
    '',
  ]);
  assert.deepEqual(await r.r6('flush table 100'), OK);
});

test('encap ioam6: add, show (text and JSON, print_encap_ioam6), get, and the kernel refusals', async () => {
  const r = new Rig();
  assert.deepEqual(await r.r6('add 2001:db8:5::/64 encap ioam6 freq 2/3 trace prealloc type 0x800000 ns 1 size 12 dev veth0'), OK);
  assert.deepEqual(
    await r.r6('add 2001:db8:6::/64 encap ioam6 mode encap tundst 2001:db8::9 trace prealloc type 0xc00000 ns 7 size 44 dev veth0'),
    OK,
  );
  // 6.1 prints "freq K/N" always (print_encap_ioam6), two spaces before "encap" (lwt_print_encap).
  assert.deepEqual(await r.r6('show'), [
    0,
    '2001:db8:5::/64  encap ioam6 freq 2/3 mode inline trace prealloc type 0x800000 ns 1 size 12 dev veth0 metric 1024 pref medium\n' +
      '2001:db8:6::/64  encap ioam6 freq 1/1 mode encap tundst 2001:db8::9 trace prealloc type 0xc00000 ns 7 size 44 dev veth0 metric 1024 pref medium\n',
    '',
  ]);
  assert.deepEqual(await r.ip('-6', '-j', 'route', 'show', '2001:db8:6::/64'), [
    0,
    '[{"dst":"2001:db8:6::/64","encap":"ioam6","freqk":1,"freqn":1,"mode":"encap","tundst":"2001:db8::9","trace":null,' +
      '"prealloc":null,"type":"c00000","ns":7,"size":44,"dev":"veth0","metric":1024,"flags":[],"pref":"medium"}]\n',
    '',
  ]);
  assert.deepEqual(await r.r6('get 2001:db8:6::1'), [
    0,
    '2001:db8:6::1 from ::  encap ioam6 freq 1/1 mode encap tundst 2001:db8::9 trace prealloc type 0xc00000 ns 7 size 44 dev veth0 src ::1 metric 1024 pref medium\n',
    '',
  ]);
  // Refused by the kernel (ioam6_build_state): a type with bits 12-21 set.
  assert.deepEqual(await r.r6('add 2001:db8:8::/64 encap ioam6 trace prealloc type 0x800 ns 1 size 12 dev veth0'), [
    2,
    '',
    'Error: invalid trace validation.\n',
  ]);
});

test('encap ioam6 argument errors (parse_encap_ioam6, seen on iproute2 6.1)', async () => {
  const r = new Rig();
  const cases: [string, string][] = [
    // iproute2 6.1 steps back one word after the encap; at the end of the line that re-reads
    // the size as a second prefix.
    ['add 2001:db8::/64 dev veth0 encap ioam6 trace prealloc type 0x800000 ns 1 size 12', 'Error: either "to" is duplicate, or "12" is a garbage.\n'],
    ['add 2001:db8::/64 encap ioam6 freq 0/1 trace prealloc type 0x800000 ns 1 size 12 dev veth0', 'Error: argument "0/1" is wrong: Out of bound "k" frequency\n'],
    ['add 2001:db8::/64 encap ioam6 freq 1/0 trace prealloc type 0x800000 ns 1 size 12 dev veth0', 'Error: argument "1/0" is wrong: Out of bound "n" frequency\n'],
    ['add 2001:db8::/64 encap ioam6 freq 0/0 trace prealloc type 0x800000 ns 1 size 12 dev veth0', 'Error: argument "0/0" is wrong: Out of bound "k" frequency\n'],
    ['add 2001:db8::/64 encap ioam6 freq 2/1 trace prealloc type 0x800000 ns 1 size 12 dev veth0', 'Error: argument "2/1" is wrong: Frequency with k > n is forbidden\n'],
    ['add 2001:db8::/64 encap ioam6 freq 1 trace prealloc type 0x800000 ns 1 size 12 dev veth0', 'Error: argument "1" is wrong: Invalid frequency (malformed)\n'],
    ['add 2001:db8::/64 encap ioam6 freq 1/1000001 trace prealloc type 0x800000 ns 1 size 12 dev veth0', 'Error: argument "1/1000001" is wrong: Out of bound "n" frequency\n'],
    ['add 2001:db8::/64 encap ioam6 freq 12345678/123456789 trace prealloc type 1 ns 1 size 4 dev veth0', 'Error: argument "12345678/123456789" is wrong: Invalid frequency (too long)\n'],
    ['add 2001:db8::/64 encap ioam6 mode encap trace prealloc type 0x800000 ns 1 size 12 dev veth0', 'Error: argument "tundst" is required\n'],
    ['add 2001:db8::/64 encap ioam6 trace prealloc type 0x800000 size 12 dev veth0', 'Error: argument "ns" is required\n'],
    ['add 2001:db8::/64 encap ioam6 trace prealloc ns 1 size 12 dev veth0', 'Error: argument "type" is required\n'],
    ['add 2001:db8::/64 encap ioam6 trace prealloc type 0x800000 ns 1 dev veth0', 'Error: argument "size" is required\n'],
    ['add 2001:db8::/64 encap ioam6 trace prealloc type 0x800000 ns 1 size 248 dev veth0', 'Error: argument "248" is wrong: Trace size is too big\n'],
    ['add 2001:db8::/64 encap ioam6 trace prealloc type 0x800000 ns 1 size 13 dev veth0', 'Error: argument "13" is wrong: Trace size must be a 4-octet multiple\n'],
    ['add 2001:db8::/64 encap ioam6 trace prealloc type 0 ns 1 size 12 dev veth0', 'Error: argument "0" is wrong: Invalid trace type\n'],
    ['add 2001:db8::/64 encap ioam6 trace prealloc type 0x800000 ns 1 size 0 dev veth0', 'Error: argument "0" is wrong: Invalid trace size\n'],
    ['add 2001:db8::/64 encap ioam6 trace prealloc type 0x800000 ns 70000 size 4 dev veth0', 'Error: argument "70000" is wrong: Invalid namespace ID\n'],
    ['add 2001:db8::/64 encap ioam6 trace prealloc type 1 type 2 ns 1 size 4 dev veth0', 'Error: either "type" is duplicate, or "2" is a garbage.\n'],
    ['add 2001:db8::/64 encap ioam6 mode bogus trace prealloc type 0x800000 ns 1 size 12 dev veth0', 'Error: argument "bogus" is wrong: Invalid mode\n'],
    ['add 2001:db8::/64 encap ioam6 trace dev veth0', 'Error: argument "prealloc" is required\n'],
    ['add 2001:db8::/64 encap ioam6 mode inline tundst 2001:db8::1 trace prealloc type 0x800000 ns 1 size 12 dev veth0', 'Error: argument "tundst" is wrong: Inline mode does not need tundst\n'],
    ['add 2001:db8::/64 encap foo x y', 'Error: argument "foo" is wrong: "encap type" value is invalid\n\n'],
    ['add 2001:db8::/64 encap ioam6', 'Command line is not complete. Try option "help"\n'],
    ['add 2001:db8::/64 encap ioam6 trace', 'Error: unexpected end of line after "encap"\n'],
  ];
  for (const [line, err] of cases) assert.deepEqual(await r.r6(line), [255, '', err], line);
  assert.deepEqual(await r.r6(''), OK);
});

test('multipath: nexthop syntax, weights, deleting one nexthop, errors (parse_nexthops, parse_one_nh)', async () => {
  const r = new Rig();
  assert.deepEqual(await r.r6('add 2001:db8::/64 dev veth0'), OK);
  assert.deepEqual(await r.r6('add 2001:db8:1::/64 nexthop via 2001:db8::2 weight 3 nexthop via 2001:db8::3 dev veth0'), OK);
  assert.deepEqual(await r.r6('add 2001:db8:2::/64 nexthop via 2001:db8::2 dev nosuch'), [255, '', 'Cannot find device "nosuch"\nError: cannot parse nexthop\n']);
  assert.deepEqual(await r.r6('add 2001:db8:2::/64 nexthop dev veth0'), [2, '', 'Error: Device only routes can not be added for IPv6 using the multipath API.\n']);
  assert.deepEqual(await r.r6('add 2001:db8:2::/64 nexthop via 2001:db8::2 bogus'), [255, '', 'Error: "nexthop" or end of line is expected instead of "bogus"\n']);
  assert.deepEqual(await r.r6('add 2001:db8:2::/64 nexthop'), [255, '', 'Error: unexpected end of line after "nexthop"\n']);
  assert.deepEqual(await r.r6('add 2001:db8:2::/64 nexthop via 2001:db8::2 weight 0'), [255, '', 'Error: argument "0" is wrong: "weight" is invalid\n\n']);
  assert.deepEqual(await r.r6('show'), [
    0,
    '2001:db8::/64 dev veth0 metric 1024 pref medium\n' +
      '2001:db8:1::/64 metric 1024 pref medium\n' +
      '\tnexthop via 2001:db8::2 dev veth0 weight 3 \n' +
      '\tnexthop via 2001:db8::3 dev veth0 weight 1 \n',
    '',
  ]);
  assert.deepEqual(await r.ip('-6', '-j', 'route', 'show', '2001:db8:1::/64'), [
    0,
    '[{"dst":"2001:db8:1::/64","metric":1024,"flags":[],"pref":"medium","nexthops":[{"gateway":"2001:db8::2","dev":"veth0","weight":3,"flags":[]},' +
      '{"gateway":"2001:db8::3","dev":"veth0","weight":1,"flags":[]}]}]\n',
    '',
  ]);
  assert.deepEqual(await r.r6('del 2001:db8:1::/64 nexthop via 2001:db8::3'), OK);
  assert.deepEqual(await r.r6('show 2001:db8:1::/64'), [0, '2001:db8:1::/64 via 2001:db8::2 dev veth0 metric 1024 pref medium\n', '']);
});

test('argument errors and usage (iproute_modify, iproute_list_flush_or_save, do_iproute)', async () => {
  const r = new Rig();
  assert.deepEqual(await r.r6('add 2001:db8::/64 metric abc dev veth0'), [255, '', 'Error: argument "abc" is wrong: "metric" value is invalid\n\n']);
  assert.deepEqual(await r.r6('add dev veth0'), [255, '', IP_ROUTE_USAGE]);
  assert.deepEqual(await r.r6('add 2001:db8::/64 dev veth0 table abc'), [255, '', 'Error: argument "abc" is wrong: "table" value is invalid\n\n']);
  assert.deepEqual(await r.r6('add 2001:db8::/64 dev veth0 proto foo'), [255, '', 'Error: argument "foo" is wrong: "protocol" value is invalid\n\n']);
  assert.deepEqual(await r.r6('foo'), [255, '', 'Command "foo" is unknown, try "ip route help".\n']);
  assert.deepEqual(await r.r6('get'), [1, '', 'need at least a destination address\n']);
  assert.deepEqual(await r.r6('show table foo'), [255, '', 'Error: argument "foo" is wrong: table id value is invalid\n\n']);
  assert.deepEqual(await r.r6('add 2001:db8::/64 dev veth0 hoplimit 256'), [255, '', 'Error: argument "256" is wrong: "hoplimit" value is invalid\n\n']);
  assert.deepEqual(await r.r6('add 2001:db8::/64 via 2001:db8::1 via 2001:db8::2'), [255, '', 'Error: argument "via" is wrong: use nexthop syntax to specify multiple via\n\n']);
  assert.deepEqual(await r.r6('show dev nosuch'), [1, '', 'Cannot find device "nosuch"\n']);
  assert.deepEqual(await r.r6('help'), [255, '', IP_ROUTE_USAGE]);
});

test('encap ioam6 tunsrc (iproute2 6.12+, kernel IOAM6_IPTUNNEL_SRC): parsed, stored, printed before tundst', async () => {
  const r = new Rig();
  assert.deepEqual(
    await r.r6('add 2001:db8:7::/64 encap ioam6 mode encap tunsrc 2001:db8::1 tundst 2001:db8::9 trace prealloc type 0x800000 ns 3 size 12 dev veth0'),
    OK,
  );
  assert.deepEqual(await r.r6('show 2001:db8:7::/64'), [
    0,
    '2001:db8:7::/64  encap ioam6 freq 1/1 mode encap tunsrc 2001:db8::1 tundst 2001:db8::9 trace prealloc type 0x800000 ns 3 size 12 dev veth0 metric 1024 pref medium\n',
    '',
  ]);
  // parse_encap_ioam6: inline mode takes no tunnel source; get_addr(AF_INET6) refuses IPv4 first.
  assert.deepEqual(await r.r6('add 2001:db8:8::/64 encap ioam6 mode inline tunsrc 2001:db8::1 trace prealloc type 0x800000 ns 3 size 12 dev veth0'), [
    255,
    '',
    'Error: argument "tunsrc" is wrong: Inline mode does not need tunsrc\n',
  ]);
  assert.deepEqual(await r.r6('add 2001:db8:8::/64 encap ioam6 mode encap tunsrc 10.0.0.1 tundst 2001:db8::9 trace prealloc type 0x800000 ns 3 size 12 dev veth0'), [
    1,
    '',
    'Error: inet6 address is expected rather than "10.0.0.1".\n',
  ]);
});
