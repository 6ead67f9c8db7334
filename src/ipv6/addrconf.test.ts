import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Kernel } from '../kernel.ts';
import { createDummy, createVethPair, openTun } from '../net/device-kinds.ts';
import type { Net } from '../net/net.ts';
import { formatIpv6Address } from '../wire/address.ts';
import { IFA_F_PERMANENT, IFA_F_STABLE_PRIVACY } from '../uapi/if_addr.ts';
import { IN6_ADDR_GEN_MODE_RANDOM } from '../uapi/if_link.ts';
import { prefixOf, type Addrconf } from './addrconf.ts';

function setup(): { k: Kernel; net: Net; ac: Addrconf; routes: string[] } {
  const k = new Kernel({ seed: 9 });
  const ac = k.addrconf;
  const routes: string[] = [];
  ac.routeOps.push({
    prefixRoute: (ev, dev, pfx, plen, metric) => routes.push(`${ev} prefix ${formatIpv6Address(pfx)}/${plen} dev ${dev.name} metric ${metric}`),
    localRoute: (ev, ifa) => routes.push(`${ev} local ${formatIpv6Address(ifa.addr)} dev ${ifa.idev.dev.name}`),
    prefixRouteExpires: (dev, pfx, plen, _metric, sec) => routes.push(`expires prefix ${formatIpv6Address(pfx)}/${plen} dev ${dev.name} ${sec ?? 'never'}`),
    multicastRoute: (dev) => routes.push(`add multicast ff00::/8 dev ${dev.name}`),
    anycastRoute: (ev, dev, addr) => routes.push(`${ev} anycast ${formatIpv6Address(addr)} dev ${dev.name}`),
    disableIp: (dev) => routes.push(`disable dev ${dev.name}`),
  });
  const made = k.world.createNet('a');
  if (!made.ok) throw new Error(made.error.message);
  return { k, net: made.value, ac, routes };
}

function addrs(ac: Addrconf, net: Net, name: string): string[] {
  const dev = ac.kernel.netdev.table(net).getByName(name);
  assert.ok(dev);
  return (ac.idev(dev)?.addrs ?? []).map((a) => `${formatIpv6Address(a.addr)}/${a.prefixLen}`);
}

test('net.ipv6.conf.<dev> is created from default, follows renames and goes with the device', () => {
  const { k, net, ac } = setup();
  assert.ok(net.sysctl.write('net.ipv6.conf.default.hop_limit', '10').ok);
  const d = createDummy(k.netdev.table(net), 'd0');
  assert.ok(d.ok);
  assert.equal(net.sysctl.get('net.ipv6.conf.d0.hop_limit'), 10);
  assert.ok(net.sysctl.write('net.ipv6.conf.d0.mtu', '1400').ok);
  assert.ok(k.netdev.table(net).changeName(d.value, 'e0').ok);
  assert.equal(net.sysctl.get('net.ipv6.conf.d0.mtu'), undefined);
  assert.equal(net.sysctl.get('net.ipv6.conf.e0.mtu'), 1400);
  const idev = ac.idev(d.value);
  assert.ok(idev);
  assert.equal(ac.conf(idev, 'mtu'), 1400);
  assert.ok(k.netdev.table(net).deleteLink(d.value).ok);
  assert.equal(net.sysctl.get('net.ipv6.conf.e0.mtu'), undefined);
  assert.equal(ac.idev(d.value), undefined);
  // Every namespace's loopback has one too (replayed at registration).
  assert.equal(net.sysctl.get('net.ipv6.conf.lo.forwarding'), 0);
});

test('a veth gets its EUI-64 link-local once both ends are up, with its prefix and local routes', () => {
  const { k, net, ac, routes } = setup();
  const t = k.netdev.table(net);
  const pair = createVethPair(t, 'v0', { peerName: 'v1' });
  assert.ok(pair.ok);
  pair.value.dev.devAddr.set([0x02, 0, 0, 0, 0, 0xa0]);
  assert.ok(t.open(pair.value.dev).ok);
  assert.deepEqual(addrs(ac, net, 'v0'), []);
  assert.ok(t.open(pair.value.peer).ok);
  assert.deepEqual(addrs(ac, net, 'v0'), ['fe80::ff:fe00:a0/64']);
  assert.ok(routes.includes('add prefix fe80::/64 dev v0 metric 256'));
  assert.ok(routes.includes('add local fe80::ff:fe00:a0 dev v0'));
  const idev = ac.idev(pair.value.dev);
  assert.ok(idev);
  const ll = idev.addrs[0];
  assert.ok(ll);
  assert.equal(ll.flags, IFA_F_PERMANENT);
  assert.ok(ac.isLocalAddr(net, ll.addr, 0));
  assert.deepEqual(ac.getSaddr(net, pair.value.dev.ifindex, Uint8Array.of(0xfe, 0x80, ...new Array<number>(13).fill(0), 1)), ll.addr);
  // Down: every address goes, and its routes.
  routes.length = 0;
  t.close(pair.value.dev);
  assert.deepEqual(addrs(ac, net, 'v0'), []);
  assert.deepEqual(routes, ['del local fe80::ff:fe00:a0 dev v0', 'del prefix fe80::/64 dev v0 metric 256']);
});

test('list order: larger scope first, newest first within a scope; prefix routes are shared', () => {
  const { k, net, ac, routes } = setup();
  const d = createDummy(k.netdev.table(net), 'd0');
  assert.ok(d.ok);
  assert.ok(k.netdev.table(net).open(d.value).ok);
  const idev = ac.idev(d.value);
  assert.ok(idev);
  const cfg = (text: number[]): Parameters<Addrconf['addAddr']>[1] => ({
    addr: Uint8Array.from(text),
    peer: undefined,
    plen: 64,
    flags: IFA_F_PERMANENT,
    validLft: 0xffffffff,
    preferedLft: 0xffffffff,
    rtPriority: 0,
    proto: 0,
  });
  const a1 = [0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1];
  const a2 = [...a1.slice(0, 15), 2];
  ac.addAddr(idev, cfg(a1), true);
  ac.addAddr(idev, cfg(a2), true);
  const ll = addrs(ac, net, 'd0').find((x) => x.startsWith('fe80'));
  assert.deepEqual(addrs(ac, net, 'd0'), ['2001:db8::2/64', '2001:db8::1/64', ll]);
  assert.deepEqual(formatIpv6Address(prefixOf(Uint8Array.from(a1), 33)), '2001:db8::');
  routes.length = 0;
  const first = idev.addrs[1];
  assert.ok(first);
  ac.delAddr(first);
  assert.deepEqual(routes, ['del local 2001:db8::1 dev d0']);
  const second = idev.addrs[0];
  assert.ok(second);
  ac.delAddr(second);
  assert.deepEqual(routes.slice(1), ['del local 2001:db8::2 dev d0', 'del prefix 2001:db8::/64 dev d0 metric 256']);
});

test('a tun switches to random address generation and gets a stable-privacy link-local; lo gets ::1', () => {
  const { k, net, ac } = setup();
  const t = k.netdev.table(net);
  const q = openTun(t, 'tun0');
  assert.ok(q.ok);
  assert.ok(t.open(q.value.dev).ok);
  const idev = ac.idev(q.value.dev);
  assert.ok(idev);
  assert.equal(idev.addrGenMode, IN6_ADDR_GEN_MODE_RANDOM);
  assert.equal(idev.addrs.length, 1);
  const ll = idev.addrs[0];
  assert.ok(ll);
  assert.equal(formatIpv6Address(ll.addr.subarray(0, 16)).startsWith('fe80::'), true);
  assert.equal(ll.flags, IFA_F_PERMANENT | IFA_F_STABLE_PRIVACY);
  const lo = t.loopback;
  assert.ok(lo);
  assert.ok(t.open(lo).ok);
  assert.deepEqual(addrs(ac, net, 'lo'), ['::1/128']);
});

test('disable_ipv6 removes the addresses; clearing it configures the device again', () => {
  const { k, net, ac } = setup();
  const d = createDummy(k.netdev.table(net), 'd0');
  assert.ok(d.ok);
  assert.ok(k.netdev.table(net).open(d.value).ok);
  assert.equal(addrs(ac, net, 'd0').length, 1);
  assert.ok(net.sysctl.write('net.ipv6.conf.d0.disable_ipv6', '1').ok);
  assert.deepEqual(addrs(ac, net, 'd0'), []);
  assert.ok(net.sysctl.write('net.ipv6.conf.d0.disable_ipv6', '0').ok);
  assert.equal(addrs(ac, net, 'd0').length, 1);
});

test('a device below the IPv6 minimum MTU has no IPv6 state; mtu6 follows the device', () => {
  const { k, net, ac } = setup();
  const t = k.netdev.table(net);
  const d = createDummy(t, 'd0');
  assert.ok(d.ok);
  assert.equal(net.sysctl.get('net.ipv6.conf.d0.mtu'), 1500);
  assert.ok(t.setMtu(d.value, 1400).ok);
  assert.equal(net.sysctl.get('net.ipv6.conf.d0.mtu'), 1400);
  assert.ok(t.setMtu(d.value, 1200).ok);
  assert.equal(ac.idev(d.value), undefined);
  assert.equal(net.sysctl.get('net.ipv6.conf.d0.mtu'), undefined);
  assert.ok(t.setMtu(d.value, 1300).ok);
  assert.equal(net.sysctl.get('net.ipv6.conf.d0.mtu'), 1300);
});
