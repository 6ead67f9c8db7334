/**
 * `ip -6 route` against Linux and against v6stack: the same command lines run by the host's
 * iproute2 6.1 in a fresh `ip netns` (veth0/veth1 up, lo up, addr_gen_mode 1 so addrconf adds
 * no link-local routes) and by runIp over a Kernel with the same devices. Status, stdout and
 * stderr must agree, with two normalisations, both for things v6stack does not model yet:
 * - `ip route get` on Linux reports a source address chosen among the namespace's addresses
 *   (`src ::1`); v6stack has no addresses (addrconf is not wired in), so ` src ::1` is removed;
 * - `expires Nsec` counts down in real time on Linux; N is replaced by a placeholder;
 * - addrconf's own routes (`proto kernel`: ::1 and ff00::/8 in table local) are left out of the
 *   kernel's text output, since v6stack's addrconf is not wired in.
 *
 * `encap ioam6` routes cannot be added on this kernel (no CONFIG_IPV6_IOAM6_LWTUNNEL: "Error:
 * lwt encapsulation type not supported."), so only their argument errors, which iproute2
 * reports before talking to the kernel, are compared here; src/iproute/route.test.ts checks the
 * rest against ip/iproute_lwtunnel.c and net/ipv6/ioam6_iptunnel.c.
 */

import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { MemoryOutput } from '../../src/cli/output.ts';
import { Kernel } from '../../src/kernel.ts';
import { rootCredentials } from '../../src/net/credentials.ts';
import { createVethPair } from '../../src/net/device-kinds.ts';
import type { DeviceTable } from '../../src/net/netdevice.ts';
import { runIp, type IpHost } from '../../src/iproute/ip.ts';
import { makeIpRoute } from '../../src/iproute/route.ts';
import { InProcessTransport } from '../../src/iproute/transport.ts';
import { ENOENT } from '../../src/uapi/errno.ts';
import { NETLINK_GET_STRICT_CHK, SOL_NETLINK } from '../../src/uapi/netlink.ts';
import { Topology, skipUnlessNetns } from './netns.ts';
import { IN6_ADDR_GEN_MODE_NONE } from '../../src/uapi/if_link.ts';

interface Outcome {
  readonly status: number;
  readonly stdout: string;
  readonly stderr: string;
}

const skip = skipUnlessNetns();
const topo = new Topology('rt');
after(() => topo.destroy());

/** v6stack: a Kernel whose namespace has lo, veth0 and veth1, all up. */
class Ours {
  readonly kernel = new Kernel();
  readonly name: string;
  readonly devs: DeviceTable;

  constructor(name: string) {
    this.name = name;
    // The kernel registers IPv6 routes (and addrconf) itself.
    const net = this.kernel.world.createNet(name);
    assert.ok(net.ok);
    this.devs = this.kernel.netdev.table(net.value);
    const lo = this.devs.loopback;
    assert.ok(lo !== undefined);
    this.devs.open(lo);
    const v = createVethPair(this.devs, 'veth0', { peerName: 'veth1' });
    assert.ok(v.ok);
    // As the kernel side: addr_gen_mode none, so no link-local addresses and no fe80::/64.
    for (const d of [v.value.dev, v.value.peer]) {
      const idev = this.kernel.addrconf.idev(d);
      if (idev !== undefined) idev.addrGenMode = IN6_ADDR_GEN_MODE_NONE;
    }
    this.devs.open(v.value.dev);
    this.devs.open(v.value.peer);
  }

  async ip(argv: readonly string[]): Promise<Outcome> {
    const world = this.kernel.world;
    const devs = this.devs;
    const out = new MemoryOutput();
    const err = new MemoryOutput();
    const host: IpHost = {
      out,
      err,
      objects: {
        route: makeIpRoute(() => ({
          nameToIndex: (n) => devs.getByName(n)?.ifindex ?? 0,
          indexToName: (i) => devs.getByIndex(i)?.name,
        })),
      },
      enterNetns: (n) => (world.byName(n) === undefined ? ENOENT : 0),
      openNetlink: (protocol, netns) => {
        const net = netns === undefined ? world.initNet : world.byName(netns);
        if (net === undefined) return { errno: ENOENT };
        const t = InProcessTransport.open(this.kernel.netlink, net, protocol, rootCredentials(world.initUserNs));
        if (t instanceof InProcessTransport) t.socket.setsockopt(SOL_NETLINK, NETLINK_GET_STRICT_CHK, 1);
        return t;
      },
    };
    const status = await runIp(['-n', this.name, ...argv], host);
    return { status, stdout: out.text, stderr: err.text };
  }
}

function normalise(o: Outcome): Outcome {
  const fix = (s: string): string =>
    s
      .split('\n')
      .filter((l) => !l.includes(' proto kernel '))
      .join('\n')
      .replace(/ src ::1 /g, ' ')
      .replace(/"prefsrc":"::1",/g, '')
      .replace(/expires -?\d+sec/g, 'expires Nsec').replace(/"expires":-?\d+/g, '"expires":N');
  return { status: o.status, stdout: fix(o.stdout), stderr: fix(o.stderr) };
}

/** A fresh kernel namespace and a fresh v6stack one; runs each line in both. */
async function compare(tag: string, lines: readonly string[]): Promise<void> {
  const short = tag;
  const name = topo.addNamespace(short);
  topo.sysctl(short, 'net.ipv6.conf.default.addr_gen_mode=1', 'net.ipv6.conf.all.addr_gen_mode=1');
  topo.inNs(short, 'ip', 'link', 'add', 'veth0', 'type', 'veth', 'peer', 'name', 'veth1');
  topo.inNs(short, 'ip', 'link', 'set', 'veth0', 'up');
  topo.inNs(short, 'ip', 'link', 'set', 'veth1', 'up');
  const ours = new Ours(name);
  for (const line of lines) {
    if (line.startsWith('!')) {
      // A device action in both worlds: "!down veth1" or "!up veth1".
      const [what, devName = ''] = line.slice(1).split(' ');
      topo.inNs(short, 'ip', 'link', 'set', devName, what === 'down' ? 'down' : 'up');
      const d = ours.devs.getByName(devName);
      assert.ok(d !== undefined);
      if (what === 'down') ours.devs.close(d);
      else ours.devs.open(d);
      continue;
    }
    const argv = line.split(' ').filter((w) => w !== '');
    const k = topo.tryInNs(short, 'ip', ...argv);
    const theirs = normalise({ status: k.status, stdout: k.stdout, stderr: k.stderr });
    const mine = normalise(await ours.ip(argv));
    assert.deepEqual(mine, theirs, `ip ${line}`);
  }
}

test('routes: add, errors, reject types, metrics, show, -j, get, append, replace, linkdown, flush', { skip }, async () => {
  await compare('a', [
    '-6 route add 2001:db8::/64 dev veth0',
    '-6 route add 2001:db8::/64 dev veth0',
    '-6 route add 2001:db8:1::/64 via 2001:db8::2',
    '-6 route add blackhole 2001:db8:2::/64',
    '-6 route add unreachable 2001:db8:3::/64 metric 5',
    '-6 route add prohibit 2001:db8:4::/64',
    '-6 route add throw 2001:db8:5::/64',
    '-6 route add 2001:db8:6::/64 dev veth0 mtu 1400',
    '-6 route add 2001:db8:7::/64 dev nosuch',
    '-6 route add 2001:db8:8::/64 via 2001:db9::1',
    '-6 route add 2001:db8:8::/64 via fe80::1',
    '-6 route add 2001:db8:8::/64 via ff02::1 dev veth0',
    '-6 route add 2001:db8:8::/64 via fe80::1 dev lo',
    '-6 route add 2001:db8::/129 dev veth0',
    '-6 route add bogus dev veth0',
    '-6 route del 2001:db8:9::/64',
    '-6 route show',
    '-6 route show table all',
    '-6 route show table main',
    '-6 route show table 100',
    '-6 route get 2001:db8:1::5',
    '-6 route get 2001:db8:2::5',
    '-6 route get 2001:db8:3::5',
    '-6 route get 2001:db8:4::5',
    '-6 route get 2001:db9::5',
    '-6 -j route show',
    '-6 -j -p route show 2001:db8:6::/64',
    '-6 route append 2001:db8:1::/64 via 2001:db8::3',
    '-6 route replace 2001:db8:6::/64 dev veth1',
    '-6 route show',
    '-6 -j route show 2001:db8:1::/64',
    '!down veth1',
    '-6 route show',
    '-6 route add 2001:db8:a::/64 dev veth1',
    '-6 route flush',
    '-6 route flush dev veth0',
    '-6 route show',
    '-6 route del 2001:db8:1::/64 via 2001:db8::2',
    '-6 route show',
  ]);
});

test('tables, protocols, preferences, metrics, expiry, defaults, local, selectors', { skip }, async () => {
  await compare('b', [
    '-6 route add 2001:db8::/64 dev veth0 proto static pref high table 100',
    '-6 route add 2001:db8::/64 dev veth0 expires 100',
    '-6 route add 2001:db8:1::/64 dev veth0 metric 10 hoplimit 5 advmss 1000',
    '-6 route show table 100',
    '-6 route show table all',
    '-6 route show dev veth0',
    '-6 route show 2001:db8::/64',
    '-6 route get 2001:db8::5/64',
    '-6 -j route get 2001:db8::5',
    '-6 route get fibmatch 2001:db8:1::5',
    '-6 route del 2001:db8::/64 dev veth1',
    '-6 route del 2001:db8::/64 metric 7',
    '-6 route del 2001:db8::/64 table 100',
    '-6 route change 2001:db8:7::/64 dev veth0',
    '-6 route add default via fe80::1 dev veth0',
    '-6 route add ::/0 dev veth1 metric 3',
    '-6 route add 2001:db8:9::/64 dev lo',
    '-6 route add 2001:db8:9::/64 via 2001:db8::1 dev lo',
    '-6 route add 2001:db8:12::/64 dev veth0 pref 7',
    '-6 route show 2001:db8:12::/64',
    '-6 route get 2001:db8:9::1',
    '-6 route',
    '-6 route show proto static',
    '-6 route show type unreachable',
    '-6 route show via fe80::1',
    '-6 route show root 2001:db8::/48',
    '-6 route show match 2001:db8:12::1',
    '-6 route add 2001:db8:11::/64 dev veth0 table 300',
    '-6 route show table 300',
    '-6 route flush table 300',
    '-6 route show table 300',
    '-6 route replace 2001:db8:1::/64 dev veth1 metric 10 mtu 1300',
    '-6 route show 2001:db8:1::/64',
    '-6 route prepend 2001:db8:1::/64 dev veth0 metric 10',
    '-6 route test 2001:db8:1::/64 dev veth0 metric 11',
    '-6 route show 2001:db8:1::/64',
  ]);
});

test('multipath: nexthop syntax, weights, one nexthop deleted, errors', { skip }, async () => {
  await compare('d', [
    '-6 route add 2001:db8::/64 dev veth0',
    '-6 route add 2001:db8:1::/64 nexthop via 2001:db8::2 weight 3 nexthop via 2001:db8::3 dev veth0',
    '-6 route add 2001:db8:2::/64 nexthop via 2001:db8::2 dev nosuch',
    '-6 route add 2001:db8:2::/64 nexthop dev veth0',
    '-6 route add 2001:db8:2::/64 nexthop via 2001:db8::2 bogus',
    '-6 route add 2001:db8:2::/64 nexthop',
    '-6 route add 2001:db8:2::/64 nexthop via 2001:db8::2 weight 0',
    '-6 route add 2001:db8:1::/64 nexthop via 2001:db8::4',
    '-6 route show',
    '-6 -j route show 2001:db8:1::/64',
    // No route get here: the kernel's path choice hashes with a per-boot random seed.
    '-6 route del 2001:db8:1::/64 nexthop via 2001:db8::3',
    '-6 route show',
    '-6 route replace 2001:db8:1::/64 nexthop via 2001:db8::5 nexthop via 2001:db8::6',
    '-6 route show',
    '!down veth0',
    '-6 route show',
  ]);
});

test('argument errors, including encap ioam6 ones (reported before the kernel is asked)', { skip }, async () => {
  await compare('c', [
    '-6 route add 2001:db8::/64 dev veth0 encap ioam6 trace prealloc type 0x800000 ns 1 size 12',
    '-6 route add 2001:db8::/64 encap ioam6 freq 0/1 trace prealloc type 0x800000 ns 1 size 12 dev veth0',
    '-6 route add 2001:db8::/64 encap ioam6 freq 0/0 trace prealloc type 0x800000 ns 1 size 12 dev veth0',
    '-6 route add 2001:db8::/64 encap ioam6 freq 2/1 trace prealloc type 0x800000 ns 1 size 12 dev veth0',
    '-6 route add 2001:db8::/64 encap ioam6 freq 1 trace prealloc type 0x800000 ns 1 size 12 dev veth0',
    '-6 route add 2001:db8::/64 encap ioam6 freq 12345678/123456789 trace prealloc type 1 ns 1 size 4 dev veth0',
    '-6 route add 2001:db8::/64 encap ioam6 mode encap trace prealloc type 0x800000 ns 1 size 12 dev veth0',
    '-6 route add 2001:db8::/64 encap ioam6 trace prealloc type 0x800000 size 12 dev veth0',
    '-6 route add 2001:db8::/64 encap ioam6 trace prealloc ns 1 size 12 dev veth0',
    '-6 route add 2001:db8::/64 encap ioam6 trace prealloc type 0x800000 ns 1 size 248 dev veth0',
    '-6 route add 2001:db8::/64 encap ioam6 trace prealloc type 0x800000 ns 1 size 13 dev veth0',
    '-6 route add 2001:db8::/64 encap ioam6 trace prealloc type 0 ns 1 size 12 dev veth0',
    '-6 route add 2001:db8::/64 encap ioam6 trace prealloc type 0x800000 ns 1 size 0 dev veth0',
    '-6 route add 2001:db8::/64 encap ioam6 trace prealloc type 0x800000 ns 70000 size 4 dev veth0',
    '-6 route add 2001:db8::/64 encap ioam6 trace prealloc type 1 type 2 ns 1 size 4 dev veth0',
    '-6 route add 2001:db8::/64 encap ioam6 mode bogus trace prealloc type 0x800000 ns 1 size 12 dev veth0',
    '-6 route add 2001:db8::/64 encap ioam6 trace dev veth0',
    '-6 route add 2001:db8::/64 encap ioam6 mode inline tundst 2001:db8::1 trace prealloc type 0x800000 ns 1 size 12 dev veth0',
    '-6 route add 2001:db8::/64 encap foo x y',
    '-6 route add 2001:db8::/64 encap ioam6',
    '-6 route add 2001:db8::/64 encap ioam6 trace',
    '-6 route add 2001:db8::/64 metric abc dev veth0',
    '-6 route add dev veth0',
    '-6 route add 2001:db8::/64 dev veth0 table abc',
    '-6 route add 2001:db8::/64 dev veth0 proto foo',
    '-6 route add 2001:db8::/64 dev veth0 hoplimit 256',
    '-6 route add 2001:db8::/64 via 2001:db8::1 via 2001:db8::2',
    '-6 route foo',
    '-6 route get',
    '-6 route show table foo',
    '-6 route show dev nosuch',
  ]);
});
