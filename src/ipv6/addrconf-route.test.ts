import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Kernel } from '../kernel.ts';
import { createVethPair } from '../net/device-kinds.ts';
import { parseIpv6Address, formatIpv6Address } from '../wire/address.ts';
import { IFA_F_PERMANENT } from '../uapi/if_addr.ts';
import { RT_TABLE_LOCAL, RT_TABLE_MAIN, RTN_ANYCAST, RTN_LOCAL, RTN_MULTICAST, RTNH_F_LINKDOWN, RTPROT_KERNEL } from '../uapi/rtnetlink.ts';

function rig() {
  const k = new Kernel();
  const n = k.world.createNet('t');
  assert.ok(n.ok);
  const devs = k.netdev.table(n.value);
  const v = createVethPair(devs, 'veth0', { peerName: 'veth1' });
  assert.ok(v.ok);
  const routes = (): string[] =>
    k.route
      .fib(n.value)
      .dump()
      .map((rt) => `${rt.table} ${rt.type} ${formatIpv6Address(rt.dst)}/${rt.dstLen} ${rt.ifindex} ${rt.protocol} ${rt.metric}`)
      .sort();
  return { k, devs, v: v.value, routes };
}

test('both ends of a veth get fe80::/64 and a local route for their link-local (as Linux 6.18 shows them)', () => {
  const { k, devs, v, routes } = rig();
  devs.open(v.dev);
  devs.open(v.peer);
  const ll0 = k.addrconf.idev(v.dev)?.addrs[0];
  const ll1 = k.addrconf.idev(v.peer)?.addrs[0];
  assert.ok(ll0 !== undefined && ll1 !== undefined);
  // `ip -6 route show table all` in a fresh kernel namespace after the same steps lists
  // fe80::/64 once per device (proto kernel metric 256), one local route per address and
  // `multicast ff00::/8 ... table local proto kernel metric 256` per device.
  assert.deepEqual(
    routes(),
    [
      `${RT_TABLE_LOCAL} ${RTN_LOCAL} ${formatIpv6Address(ll0.addr)}/128 ${v.dev.ifindex} ${RTPROT_KERNEL} 0`,
      `${RT_TABLE_LOCAL} ${RTN_LOCAL} ${formatIpv6Address(ll1.addr)}/128 ${v.peer.ifindex} ${RTPROT_KERNEL} 0`,
      `${RT_TABLE_MAIN} 1 fe80::/64 ${v.dev.ifindex} ${RTPROT_KERNEL} 256`,
      `${RT_TABLE_MAIN} 1 fe80::/64 ${v.peer.ifindex} ${RTPROT_KERNEL} 256`,
      `${RT_TABLE_LOCAL} ${RTN_MULTICAST} ff00::/8 ${v.dev.ifindex} ${RTPROT_KERNEL} 256`,
      `${RT_TABLE_LOCAL} ${RTN_MULTICAST} ff00::/8 ${v.peer.ifindex} ${RTPROT_KERNEL} 256`,
    ].sort(),
  );
});

test('a global address brings its prefix and local routes, and takes them away again', () => {
  const { k, devs, v, routes } = rig();
  const idev = k.addrconf.idev(v.dev);
  assert.ok(idev !== undefined);
  idev.addrGenMode = 1; // none: only the address we add
  devs.open(v.dev);
  const addr = parseIpv6Address('2001:db8::1');
  assert.ok(addr !== undefined);
  const ifa = k.addrconf.addAddr(
    idev,
    { addr, peer: undefined, plen: 64, flags: IFA_F_PERMANENT, validLft: 0xffffffff, preferedLft: 0xffffffff, rtPriority: 0, proto: 0 },
    true,
  );
  assert.deepEqual(routes(), [
    `${RT_TABLE_MAIN} 1 2001:db8::/64 ${v.dev.ifindex} ${RTPROT_KERNEL} 256`,
    `${RT_TABLE_LOCAL} ${RTN_LOCAL} 2001:db8::1/128 ${v.dev.ifindex} ${RTPROT_KERNEL} 0`,
  ].sort());
  k.addrconf.delAddr(ifa);
  assert.deepEqual(routes(), []);
});

test('ff00::/8 per device: added when the device is ready or gets an address, gone when it goes down', () => {
  const { k, devs, v, routes } = rig();
  for (const d of [v.dev, v.peer]) {
    const idev = k.addrconf.idev(d);
    if (idev !== undefined) idev.addrGenMode = 1;
  }
  const mroutes = () => routes().filter((r) => r.includes(' ff00::/8 '));
  devs.open(v.dev);
  // Up without carrier (peer down): not ready, no route yet (as on 6.18).
  assert.deepEqual(mroutes(), []);
  devs.open(v.peer);
  assert.deepEqual(mroutes(), [`${RT_TABLE_LOCAL} ${RTN_MULTICAST} ff00::/8 ${v.dev.ifindex} ${RTPROT_KERNEL} 256`, `${RT_TABLE_LOCAL} ${RTN_MULTICAST} ff00::/8 ${v.peer.ifindex} ${RTPROT_KERNEL} 256`].sort());
  devs.close(v.peer);
  assert.deepEqual(mroutes(), [`${RT_TABLE_LOCAL} ${RTN_MULTICAST} ff00::/8 ${v.dev.ifindex} ${RTPROT_KERNEL} 256`]);
  // disable_ipv6 takes every route through the device away (rt6_disable_ip).
  const net = v.dev.net;
  assert.ok(net.sysctl.write('net.ipv6.conf.veth0.disable_ipv6', '1').ok);
  assert.deepEqual(mroutes(), []);
  assert.ok(net.sysctl.write('net.ipv6.conf.veth0.disable_ipv6', '0').ok);
  // Enabled again but without carrier: no route until an address is added.
  assert.deepEqual(mroutes(), []);
});

test('subnet-router anycast routes follow forwarding, counted per prefix, none for /127 and /128', () => {
  const { k, devs, v, routes } = rig();
  const idev = k.addrconf.idev(v.dev);
  assert.ok(idev !== undefined);
  idev.addrGenMode = 1;
  devs.open(v.dev);
  const add = (text: string, plen: number) => {
    const addr = parseIpv6Address(text);
    assert.ok(addr !== undefined);
    return k.addrconf.addAddr(idev, { addr, peer: undefined, plen, flags: IFA_F_PERMANENT, validLft: 0xffffffff, preferedLft: 0xffffffff, rtPriority: 0, proto: 0 }, true);
  };
  const anycast = () => routes().filter((r) => r.startsWith(`${RT_TABLE_LOCAL} ${RTN_ANYCAST} `));
  const a = add('2001:db8:3::5', 120);
  add('2001:db8:2::1', 127);
  add('2001:db8:1::1', 128);
  assert.deepEqual(anycast(), []);
  const net = v.dev.net;
  // all.forwarding sets default and every device (addrconf_fixup_forwarding).
  assert.ok(net.sysctl.write('net.ipv6.conf.all.forwarding', '1').ok);
  assert.equal(net.sysctl.get('net.ipv6.conf.veth0.forwarding'), 1);
  assert.equal(net.sysctl.get('net.ipv6.conf.default.forwarding'), 1);
  assert.deepEqual(anycast(), [`${RT_TABLE_LOCAL} ${RTN_ANYCAST} 2001:db8:3::/128 ${v.dev.ifindex} ${RTPROT_KERNEL} 0`]);
  const b = add('2001:db8:3::9', 120);
  k.addrconf.delAddr(a);
  assert.equal(anycast().length, 1, 'still used by 2001:db8:3::9');
  k.addrconf.delAddr(b);
  assert.deepEqual(anycast(), []);
  add('2001:db8:4::1', 64);
  assert.equal(anycast().length, 1);
  assert.ok(net.sysctl.write('net.ipv6.conf.veth0.forwarding', '0').ok);
  assert.deepEqual(anycast(), []);
});

test('a prefix route waits for the device to come up; a finite valid lifetime makes it expire', () => {
  const { k, devs, v, routes } = rig();
  const idev = k.addrconf.idev(v.dev);
  assert.ok(idev !== undefined);
  idev.addrGenMode = 1;
  const addr = parseIpv6Address('2001:db8::1');
  assert.ok(addr !== undefined);
  k.addrconf.addAddr(idev, { addr, peer: undefined, plen: 64, flags: IFA_F_PERMANENT, validLft: 0xffffffff, preferedLft: 0xffffffff, rtPriority: 0, proto: 0 }, true);
  // Down: the local route only (ip6_route_add refuses ENETDOWN, addrconf_f6i_alloc does not).
  assert.deepEqual(routes(), [`${RT_TABLE_LOCAL} ${RTN_LOCAL} 2001:db8::1/128 ${v.dev.ifindex} ${RTPROT_KERNEL} 0`]);
  devs.open(v.dev);
  assert.ok(routes().includes(`${RT_TABLE_MAIN} 1 2001:db8::/64 ${v.dev.ifindex} ${RTPROT_KERNEL} 256`));
  const fib = k.route.fib(v.dev.net);
  assert.equal(fib.dumpTable(RT_TABLE_MAIN)[0]?.nhFlags, RTNH_F_LINKDOWN);
  const addr2 = parseIpv6Address('2001:db8:7::1');
  assert.ok(addr2 !== undefined);
  k.addrconf.addAddr(idev, { addr: addr2, peer: undefined, plen: 64, flags: 0, validLft: 100, preferedLft: 50, rtPriority: 0, proto: 0 }, true);
  const rt = fib.routesAt(RT_TABLE_MAIN, addr2, 64)[0];
  assert.ok(rt !== undefined);
  assert.equal(rt.expires, k.world.clock.nowNs() + 100e9);
});
