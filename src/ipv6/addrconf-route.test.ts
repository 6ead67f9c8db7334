import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Kernel } from '../kernel.ts';
import { createVethPair } from '../net/device-kinds.ts';
import { parseIpv6Address, formatIpv6Address } from '../wire/address.ts';
import { IFA_F_PERMANENT } from '../uapi/if_addr.ts';
import { RT_TABLE_LOCAL, RT_TABLE_MAIN, RTN_LOCAL, RTPROT_KERNEL } from '../uapi/rtnetlink.ts';

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
  // fe80::/64 once per device (proto kernel metric 256) and one local route per address.
  assert.deepEqual(
    routes(),
    [
      `${RT_TABLE_LOCAL} ${RTN_LOCAL} ${formatIpv6Address(ll0.addr)}/128 ${v.dev.ifindex} ${RTPROT_KERNEL} 0`,
      `${RT_TABLE_LOCAL} ${RTN_LOCAL} ${formatIpv6Address(ll1.addr)}/128 ${v.peer.ifindex} ${RTPROT_KERNEL} 0`,
      `${RT_TABLE_MAIN} 1 fe80::/64 ${v.dev.ifindex} ${RTPROT_KERNEL} 256`,
      `${RT_TABLE_MAIN} 1 fe80::/64 ${v.peer.ifindex} ${RTPROT_KERNEL} 256`,
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
