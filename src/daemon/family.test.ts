import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Kernel } from '../kernel.ts';
import { InProcessTransport } from '../iproute/transport.ts';
import { rootCredentials, unprivilegedCredentials } from '../net/credentials.ts';
import type { Credentials } from '../net/credentials.ts';
import type { Net } from '../net/net.ts';
import { EEXIST, EINVAL, ENOENT, EPERM } from '../uapi/errno.ts';
import { NETLINK_GENERIC } from '../uapi/netlink.ts';
import { V6stackControl } from './control.ts';
import { registerV6stackFamily } from './family.ts';

function setup(): Kernel {
  const k = new Kernel();
  assert.equal(typeof registerV6stackFamily(k.world, k.genl), 'object');
  return k;
}

async function control(k: Kernel, cred: Credentials, net: Net = k.world.initNet): Promise<V6stackControl> {
  const t = InProcessTransport.open(k.netlink, net, NETLINK_GENERIC, cred);
  assert.ok(t instanceof InProcessTransport);
  const c = await V6stackControl.resolve(t);
  assert.ok(c.ok);
  return c.value;
}

test('namespaces are added, listed in creation order with their ids, and deleted', async () => {
  const k = setup();
  const c = await control(k, rootCredentials(k.world.initUserNs));
  assert.equal(await c.netnsAdd('blue'), 0);
  assert.equal(await c.netnsAdd('red'), 0);
  assert.equal(await c.netnsAdd('blue'), EEXIST);
  assert.equal(await c.netnsAdd('a/b'), EINVAL);
  const list = await c.netnsList();
  assert.ok(list.ok);
  assert.deepEqual(list.value, [
    { name: 'blue', id: k.world.byName('blue')?.id },
    { name: 'red', id: k.world.byName('red')?.id },
  ]);
  assert.equal(await c.netnsDel('blue'), 0);
  assert.equal(await c.netnsDel('blue'), ENOENT);
  assert.equal(await c.netnsDel('init_net'), ENOENT);
  assert.equal(k.world.byName('blue'), undefined);
});

test('a dump of many namespaces spans batches and loses none', async () => {
  const k = setup();
  const names = Array.from({ length: 300 }, (_, i) => `ns-${String(i).padStart(4, '0')}-${'x'.repeat(40)}`);
  for (const n of names) assert.ok(k.world.createNet(n).ok);
  const c = await control(k, rootCredentials(k.world.initUserNs));
  const list = await c.netnsList();
  assert.ok(list.ok);
  assert.deepEqual(list.value.map((n) => n.name), names);
});

test('sysctls are read, listed and written per namespace with the table errors', async () => {
  const k = setup();
  const blue = k.world.createNet('blue');
  assert.ok(blue.ok);
  const root = rootCredentials(k.world.initUserNs);
  const c = await control(k, root, blue.value);
  assert.deepEqual(await c.sysctlGet('net.ipv6.ioam6_id'), { ok: true, value: '16777215' });
  assert.deepEqual(await c.sysctlGet('net.ipv6.nope'), { ok: false, errno: ENOENT });
  assert.equal(await c.sysctlSet('net.ipv6.ioam6_id', '0x10'), 0);
  assert.equal(blue.value.sysctl.get('net.ipv6.ioam6_id'), 16);
  assert.equal(k.world.initNet.sysctl.get('net.ipv6.ioam6_id'), 16777215);
  assert.equal(await c.sysctlSet('net.ipv6.ioam6_id', 'abc'), EINVAL);
  assert.equal(await c.sysctlSet('net.ipv6.nope', '1'), ENOENT);
  const all = await c.sysctlList();
  assert.ok(all.ok);
  assert.deepEqual(
    all.value.map((e) => e.path),
    blue.value.sysctl.list().map((e) => e.path),
  );
  const icmp = await c.sysctlList('net.ipv6.icmp');
  assert.ok(icmp.ok);
  assert.ok(icmp.value.length > 0 && icmp.value.every((e) => e.path.startsWith('net/ipv6/icmp/')));
  assert.deepEqual(await c.sysctlList('net.nope'), { ok: false, errno: ENOENT });
});

test('MIB counters come in snmp6 order with their values', async () => {
  const k = setup();
  k.world.initNet.mib.add(1, 7); // IPSTATS_MIB_INPKTS
  const c = await control(k, rootCredentials(k.world.initUserNs));
  const r = await c.mib();
  assert.ok(r.ok);
  assert.deepEqual(
    r.value,
    k.world.initNet.mib.snapshot().map(([n, v]) => [n, BigInt(v)]),
  );
  assert.deepEqual(r.value[0], ['Ip6InReceives', 7n]);
});

test('without CAP_NET_ADMIN changes fail with EPERM and reads work', async () => {
  const k = setup();
  const c = await control(k, unprivilegedCredentials(k.world.initUserNs, 65534));
  assert.equal(await c.netnsAdd('blue'), EPERM);
  assert.equal(await c.netnsDel('blue'), EPERM);
  assert.equal(await c.sysctlSet('net.ipv6.ioam6_id', '1'), EPERM);
  assert.deepEqual(await c.sysctlGet('net.ipv6.ioam6_id'), { ok: true, value: '16777215' });
  assert.ok((await c.netnsList()).ok);
  assert.ok((await c.mib()).ok);
});
