// Expectations come from Linux 6.18.44 (iproute2 6.1): each is preceded by the command run in
// throwaway namespaces (`ip netns add v6dev-test`, deleted afterwards) and the kernel's answer.
// `ipFlags` prints flags as iproute2's print_link_flags does (without M-DOWN, which iproute2
// derives from the IFLA_LINK device, not from the kernel's flags).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { EBUSY, EEXIST, EINVAL, EOPNOTSUPP } from '../uapi/errno.ts';
import {
  IFF_ALLMULTI,
  IFF_AUTOMEDIA,
  IFF_BROADCAST,
  IFF_DEBUG,
  IFF_DORMANT,
  IFF_DYNAMIC,
  IFF_ECHO,
  IFF_LOOPBACK,
  IFF_LOWER_UP,
  IFF_MULTICAST,
  IFF_NOARP,
  IFF_NOTRAILERS,
  IFF_POINTOPOINT,
  IFF_PORTSEL,
  IFF_PROMISC,
  IFF_RUNNING,
  IFF_UP,
} from '../uapi/if.ts';
import {
  ARPHRD_ETHER,
  ARPHRD_LOOPBACK,
  ARPHRD_NONE,
  IFF_NO_PI,
  IFF_TUN,
  TunDevice,
  createDummy,
  createTun,
  createVethPair,
  openTun,
  registerNetdevice,
} from './device-kinds.ts';
import { World } from './net.ts';
import { type DeviceTable, NETDEV_CHANGE, NETDEV_PRE_UP, NETDEV_UP, type NetDevice, type NetdevCore } from './netdevice.ts';

function must<T>(r: { ok: true; value: T } | { ok: false; error: { message: string } }): T {
  assert.ok(r.ok, r.ok ? '' : r.error.message);
  return r.value;
}

function setup(seed = 1): { world: World; core: NetdevCore; net: (name: string) => DeviceTable } {
  const world = new World({ seed });
  const r = registerNetdevice(world);
  assert.ok(r.ok);
  const core = r.value;
  const net = (name: string): DeviceTable => core.table(must(world.createNet(name)));
  return { world, core, net };
}

const FLAG_NAMES: Array<[number, string]> = [
  [IFF_LOOPBACK, 'LOOPBACK'],
  [IFF_BROADCAST, 'BROADCAST'],
  [IFF_POINTOPOINT, 'POINTOPOINT'],
  [IFF_MULTICAST, 'MULTICAST'],
  [IFF_NOARP, 'NOARP'],
  [IFF_ALLMULTI, 'ALLMULTI'],
  [IFF_PROMISC, 'PROMISC'],
  [IFF_NOTRAILERS, 'NOTRAILERS'],
  [IFF_DEBUG, 'DEBUG'],
  [IFF_DYNAMIC, 'DYNAMIC'],
  [IFF_AUTOMEDIA, 'AUTOMEDIA'],
  [IFF_PORTSEL, 'PORTSEL'],
  [IFF_UP, 'UP'],
  [IFF_LOWER_UP, 'LOWER_UP'],
  [IFF_DORMANT, 'DORMANT'],
  [IFF_ECHO, 'ECHO'],
];

/** iproute2 print_link_flags over dev_get_flags(). */
function ipFlags(dev: NetDevice): string {
  const f = dev.getFlags();
  const out: string[] = [];
  if (f & IFF_UP && !(f & IFF_RUNNING)) out.push('NO-CARRIER');
  for (const [bit, name] of FLAG_NAMES) if (f & bit) out.push(name);
  return out.join(',');
}

const OPER = ['UNKNOWN', 'NOTPRESENT', 'DOWN', 'LOWERLAYERDOWN', 'TESTING', 'DORMANT', 'UP'];

/** `ip link show` summary: "<flags> mtu M qdisc Q state S qlen L". */
function show(dev: NetDevice): string {
  return `<${ipFlags(dev)}> mtu ${dev.mtu} qdisc ${dev.qdisc} state ${OPER[dev.reportedOperstate]} qlen ${dev.txQueueLen}`;
}

function mac(dev: NetDevice): string {
  return [...dev.devAddr].map((b) => b.toString(16).padStart(2, '0')).join(':');
}

test('loopback: created with the namespace, defaults and up state as Linux reports them', () => {
  const { net } = setup();
  const t = net('v6dev-test');
  const lo = t.loopback as NetDevice;
  // ip -n v6dev-test -d link show (fresh namespace):
  // 1: lo: <LOOPBACK> mtu 65536 qdisc noop state DOWN mode DEFAULT group default qlen 1000
  //     link/loopback 00:00:00:00:00:00 brd 00:00:00:00:00:00 ... minmtu 0 maxmtu 0
  assert.equal(lo.ifindex, 1);
  assert.equal(lo.name, 'lo');
  assert.equal(show(lo), '<LOOPBACK> mtu 65536 qdisc noop state DOWN qlen 1000');
  assert.equal(lo.type, ARPHRD_LOOPBACK);
  assert.equal(mac(lo), '00:00:00:00:00:00');
  assert.deepEqual([...lo.broadcast], [0, 0, 0, 0, 0, 0]);
  assert.deepEqual([lo.minMtu, lo.maxMtu, lo.group, lo.linkOps], [0, 0, 0, false]);
  // ip link set lo up; ip -d link show lo:
  // 1: lo: <LOOPBACK,UP,LOWER_UP> mtu 65536 qdisc noqueue state UNKNOWN ... qlen 1000
  must(t.open(lo));
  assert.equal(show(lo), '<LOOPBACK,UP,LOWER_UP> mtu 65536 qdisc noqueue state UNKNOWN qlen 1000');
  assert.equal(lo.getFlags(), IFF_LOOPBACK | IFF_UP | IFF_RUNNING | IFF_LOWER_UP);
  // ip link set lo mtu 70000 -> accepted: mtu 70000; ip link set lo mtu 0 -> accepted: mtu 0
  must(t.setMtu(lo, 70000));
  must(t.setMtu(lo, 0));
  assert.equal(lo.mtu, 0);
  // ip link del lo -> RTNETLINK answers: Operation not supported
  const del = t.deleteLink(lo);
  assert.ok(!del.ok && del.error.errno === EOPNOTSUPP);
  // ip link set lo netns v6dev-test2 -> Error: The interface netns is immutable.
  const mv = t.changeNetNamespace(lo, net('v6dev-test2'));
  assert.ok(!mv.ok && mv.error.errno === EINVAL && mv.error.message === 'The interface netns is immutable');
});

test('dummy: defaults and MTU range from drivers/net/dummy.c (this kernel has no CONFIG_DUMMY)', () => {
  const { net } = setup();
  const t = net('a');
  const d = must(createDummy(t));
  // dummy_setup: ether_setup, then IFF_NOARP on and IFF_MULTICAST off, IFF_NO_QUEUE, random
  // address, min_mtu 0, max_mtu ETH_MAX_MTU.
  assert.equal(d.name, 'dummy0');
  assert.equal(show(d), '<BROADCAST,NOARP> mtu 1500 qdisc noop state DOWN qlen 1000');
  assert.equal(d.type, ARPHRD_ETHER);
  must(t.open(d));
  assert.equal(show(d), '<BROADCAST,NOARP,UP,LOWER_UP> mtu 1500 qdisc noqueue state UNKNOWN qlen 1000');
  const hi = t.setMtu(d, 70000);
  assert.ok(!hi.ok && hi.error.errno === EINVAL && hi.error.message === 'mtu greater than device maximum');
  must(t.setMtu(d, 0));
  must(t.setMtu(d, 65535));
  assert.equal(must(createDummy(t)).name, 'dummy1');
  must(t.deleteLink(d));
  assert.equal(d.reg, 'unregistered');
});

test('veth: pair creation, carrier and operstate following both ends', () => {
  const { net } = setup();
  const t = net('v6dev-test');
  // ip -n v6dev-test link add veth0 type veth peer name veth1; ip -d link show:
  // 2: veth1@veth0: <BROADCAST,MULTICAST,M-DOWN> mtu 1500 qdisc noop state DOWN ... qlen 1000
  //     link/ether 76:11:db:ba:5d:9e brd ff:ff:ff:ff:ff:ff ... minmtu 68 maxmtu 65535
  // 3: veth0@veth1: <BROADCAST,MULTICAST,M-DOWN> mtu 1500 qdisc noop state DOWN ... qlen 1000
  const { dev: veth0, peer: veth1 } = must(createVethPair(t, 'veth0', { peerName: 'veth1' }));
  assert.deepEqual([veth1.ifindex, veth0.ifindex], [2, 3]);
  assert.equal(show(veth1), '<BROADCAST,MULTICAST> mtu 1500 qdisc noop state DOWN qlen 1000');
  assert.deepEqual([veth0.minMtu, veth0.maxMtu, veth0.type], [68, 65535, ARPHRD_ETHER]);
  assert.deepEqual([...veth0.broadcast], [0xff, 0xff, 0xff, 0xff, 0xff, 0xff]);
  assert.deepEqual([veth0.iflink, veth1.iflink], [2, 3]);
  // eth_hw_addr_random: unicast, locally administered.
  for (const d of [veth0, veth1]) assert.equal((d.devAddr[0] ?? 0) & 0x03, 0x02);
  assert.notEqual(mac(veth0), mac(veth1));
  // ip link set veth0 up:
  // 3: veth0@veth1: <NO-CARRIER,BROADCAST,MULTICAST,UP,M-DOWN> mtu 1500 qdisc noqueue state LOWERLAYERDOWN
  // 2: veth1@veth0: <BROADCAST,MULTICAST> mtu 1500 qdisc noop state DOWN
  must(t.open(veth0));
  assert.equal(show(veth0), '<NO-CARRIER,BROADCAST,MULTICAST,UP> mtu 1500 qdisc noqueue state LOWERLAYERDOWN qlen 1000');
  assert.equal(show(veth1), '<BROADCAST,MULTICAST> mtu 1500 qdisc noop state DOWN qlen 1000');
  // ip link set veth1 up:
  // 3: veth0@veth1: <BROADCAST,MULTICAST,UP,LOWER_UP> mtu 1500 qdisc noqueue state UP
  // 2: veth1@veth0: <BROADCAST,MULTICAST,UP,LOWER_UP> mtu 1500 qdisc noqueue state UP
  must(t.open(veth1));
  assert.equal(show(veth0), '<BROADCAST,MULTICAST,UP,LOWER_UP> mtu 1500 qdisc noqueue state UP qlen 1000');
  assert.equal(show(veth1), '<BROADCAST,MULTICAST,UP,LOWER_UP> mtu 1500 qdisc noqueue state UP qlen 1000');
  // ip link set veth1 down:
  // 3: veth0@veth1: <NO-CARRIER,BROADCAST,MULTICAST,UP,M-DOWN> ... state LOWERLAYERDOWN
  // 2: veth1@veth0: <BROADCAST,MULTICAST> mtu 1500 qdisc noqueue state DOWN
  t.close(veth1);
  assert.equal(show(veth0), '<NO-CARRIER,BROADCAST,MULTICAST,UP> mtu 1500 qdisc noqueue state LOWERLAYERDOWN qlen 1000');
  assert.equal(ipFlags(veth1), 'BROADCAST,MULTICAST');
  assert.equal(OPER[veth1.reportedOperstate], 'DOWN');
  assert.deepEqual([veth0.carrierDownCount, veth0.carrierUpCount], [2, 1]);
});

test('veth: NETDEV_UP comes before the carrier NETDEV_CHANGEs (linkwatch runs after the operation)', () => {
  const { net } = setup();
  const t = net('a');
  const { dev, peer } = must(createVethPair(t, 'v0', { peerName: 'v1' }));
  must(t.open(peer));
  const log: string[] = [];
  const names: Record<number, string> = { [NETDEV_PRE_UP]: 'PRE_UP', [NETDEV_UP]: 'UP', [NETDEV_CHANGE]: 'CHANGE' };
  t.notifiers.register((ev, d) => void log.push(`${names[ev] ?? ev}:${d.name}:${OPER[d.operstate]}`));
  must(t.open(dev));
  assert.deepEqual(log, ['PRE_UP:v0:LOWERLAYERDOWN', 'UP:v0:LOWERLAYERDOWN', 'CHANGE:v0:UP', 'CHANGE:v1:UP']);
});

test('veth: MTU limits, rename while up, name errors', () => {
  const { net } = setup();
  const t = net('v6dev-test');
  const { dev: veth0, peer: veth1 } = must(createVethPair(t, 'veth0', { peerName: 'veth1' }));
  // ip link set veth0 mtu 70000 -> Error: mtu greater than device maximum.
  const hi = t.setMtu(veth0, 70000);
  assert.ok(!hi.ok && hi.error.errno === EINVAL && hi.error.message === 'mtu greater than device maximum');
  // ip link set veth0 mtu 67 -> Error: mtu less than device minimum.
  const lo = t.setMtu(veth0, 67);
  assert.ok(!lo.ok && lo.error.errno === EINVAL && lo.error.message === 'mtu less than device minimum');
  // ip link set veth0 mtu 68 / mtu 65535 -> accepted.
  must(t.setMtu(veth0, 68));
  must(t.setMtu(veth0, 65535));
  must(t.open(veth0));
  must(t.open(veth1));
  // ip link set veth0 name vethA (while UP) -> accepted:
  // 3: vethA@veth1: <BROADCAST,MULTICAST,UP,LOWER_UP> mtu 1500 qdisc noqueue state UP
  must(t.changeName(veth0, 'vethA'));
  assert.equal(veth0.name, 'vethA');
  assert.equal(ipFlags(veth0), 'BROADCAST,MULTICAST,UP,LOWER_UP');
  // ip link set vethA name lo -> RTNETLINK answers: File exists
  const clash = t.changeName(veth0, 'lo');
  assert.ok(!clash.ok && clash.error.errno === EEXIST);
  // ip link set vethA name 'a:b' -> RTNETLINK answers: Invalid argument
  const bad = t.changeName(veth0, 'a:b');
  assert.ok(!bad.ok && bad.error.errno === EINVAL);
  // ip link set vethA name 'x%d' -> accepted: 3: x0@veth1: ...
  must(t.changeName(veth0, 'x%d'));
  assert.equal(veth0.name, 'x0');
  assert.equal(t.getByName('x0'), veth0);
});

test('moving veth ends between namespaces: ifindex kept if free, else the next cyclic one', () => {
  const { world, net } = setup();
  const t1 = net('v6dev-test');
  const t2 = net('v6dev-test2');
  // v6dev-test: lo 1, veth1 2 / veth0 3 (renamed x0 below), tun0 4.
  const { dev: x0, peer: veth1 } = must(createVethPair(t1, 'x0', { peerName: 'veth1' }));
  must(createTun(t1, 'tun0'));
  must(t1.open(x0));
  must(t1.open(veth1));
  // v6dev-test2: ip link add vethX type veth peer name vethY; ... vethZ peer vethW:
  // 2: vethY@vethX  3: vethX@vethY  4: vethW@vethZ  5: vethZ@vethW
  const { dev: vethX } = must(createVethPair(t2, 'vethX', { peerName: 'vethY' }));
  must(createVethPair(t2, 'vethZ', { peerName: 'vethW' }));
  // ip -n v6dev-test link set veth1 netns v6dev-test2 (2 is taken there):
  // v6dev-test2: 6: veth1@if3: <BROADCAST,MULTICAST> mtu 1500 qdisc noop state DOWN
  // v6dev-test:  3: x0@if6: <NO-CARRIER,BROADCAST,MULTICAST,UP> mtu 1500 qdisc noqueue state DOWN
  must(t1.changeNetNamespace(veth1, t2));
  assert.equal(veth1.ifindex, 6);
  assert.equal(show(veth1), '<BROADCAST,MULTICAST> mtu 1500 qdisc noop state DOWN qlen 1000');
  // x0's peer index 6 does not exist in x0's namespace: DOWN rather than LOWERLAYERDOWN.
  assert.equal(show(x0), '<NO-CARRIER,BROADCAST,MULTICAST,UP> mtu 1500 qdisc noqueue state DOWN qlen 1000');
  assert.equal(x0.iflink, 6);
  // ip -n v6dev-test link set x0 netns v6dev-test2 (3 is taken): 7: x0@veth1
  must(t1.changeNetNamespace(x0, t2));
  assert.equal(x0.ifindex, 7);
  // ip -n v6dev-test2 link add vethP type veth peer name vethQ: 8: vethQ@vethP  9: vethP@vethQ
  const { peer: vethQ } = must(createVethPair(t2, 'vethP', { peerName: 'vethQ' }));
  assert.equal(vethQ.ifindex, 8);
  // ip -n v6dev-test2 link set vethQ netns v6dev-test (8 is free there): 8: vethQ@if9
  must(t2.changeNetNamespace(vethQ, t1));
  assert.equal(vethQ.ifindex, 8);
  // ip -n v6dev-test link add a1 type veth peer name a2; ... b1 peer b2:
  // 5: a2@a1  6: a1@a2  7: b2@b1  9: b1@b2 (the move did not advance the hint; 8 is skipped)
  const a = must(createVethPair(t1, 'a1', { peerName: 'a2' }));
  const b = must(createVethPair(t1, 'b1', { peerName: 'b2' }));
  assert.deepEqual([a.peer.ifindex, a.dev.ifindex, b.peer.ifindex, b.dev.ifindex], [5, 6, 7, 9]);
  // ip -n v6dev-test2 link del vethX (vethY goes too); link add c1 type veth peer name c2:
  // 10: c2@c1  11: c1@c2 (2 and 3 are free but behind the hint)
  must(t2.deleteLink(vethX));
  assert.equal(t2.getByName('vethY'), undefined);
  const c = must(createVethPair(t2, 'c1', { peerName: 'c2' }));
  assert.deepEqual([c.peer.ifindex, c.dev.ifindex], [10, 11]);
  // ip -n v6dev-test link del vethQ: its peer vethP in v6dev-test2 disappears.
  must(t1.deleteLink(vethQ));
  assert.deepEqual(t2.list().map((d) => `${d.ifindex}:${d.name}`), ['1:lo', '4:vethW', '5:vethZ', '6:veth1', '7:x0', '10:c2', '11:c1']);
  // ip -n v6dev-test2 link set c2 netns v6dev-test; ip netns del v6dev-test2: c2 goes with c1.
  must(t2.changeNetNamespace(c.peer, t1));
  world.destroyNet(t2.net);
  assert.equal(c.peer.reg, 'unregistered');
  assert.deepEqual(t1.list().map((d) => `${d.ifindex}:${d.name}`), ['1:lo', '4:tun0', '5:a2', '6:a1', '7:b2', '9:b1']);
  // A tun created by a reader afterwards: 10: tun1 (8 was vethQ, freed but behind the hint).
  const q = must(openTun(t1));
  assert.deepEqual([q.dev.name, q.dev.ifindex], ['tun1', 10]);
});

test('tun: defaults, carrier with a reader, non-persistent devices die with their reader', () => {
  const { net } = setup();
  const t = net('v6dev-test');
  // ip -n v6dev-test tuntap add dev tun0 mode tun; ip -d link show tun0:
  // 4: tun0: <POINTOPOINT,MULTICAST,NOARP> mtu 1500 qdisc noop state DOWN mode DEFAULT group default qlen 500
  //     link/none ... minmtu 68 maxmtu 65535 tun type tun pi off vnet_hdr off persist on
  const tun = must(createTun(t, 'tun0'));
  assert.equal(show(tun), '<POINTOPOINT,MULTICAST,NOARP> mtu 1500 qdisc noop state DOWN qlen 500');
  assert.deepEqual([tun.type, tun.addrLen, tun.minMtu, tun.maxMtu, tun.persist, tun.tunFlags], [ARPHRD_NONE, 0, 68, 65535, true, IFF_TUN | IFF_NO_PI]);
  // ip link set tun0 up:
  // 4: tun0: <NO-CARRIER,POINTOPOINT,MULTICAST,NOARP,UP> mtu 1500 qdisc pfifo_fast state DOWN ... qlen 500
  must(t.open(tun));
  assert.equal(show(tun), '<NO-CARRIER,POINTOPOINT,MULTICAST,NOARP,UP> mtu 1500 qdisc pfifo_fast state DOWN qlen 500');
  // ip link set tun0 mtu 65536 -> Error: mtu greater than device maximum.
  assert.equal(t.setMtu(tun, 65536).ok, false);
  // A reader attaches (open /dev/net/tun, TUNSETIFF tun0, IFF_TUN|IFF_NO_PI):
  // 4: tun0: <POINTOPOINT,MULTICAST,NOARP,UP,LOWER_UP> mtu 1500 qdisc pfifo_fast state UP ... qlen 500
  const r = must(tun.attach());
  assert.equal(show(tun), '<POINTOPOINT,MULTICAST,NOARP,UP,LOWER_UP> mtu 1500 qdisc pfifo_fast state UP qlen 500');
  assert.equal(r.queue.limit, 500);
  const again = tun.attach();
  assert.ok(!again.ok && again.error.errno === EBUSY);
  // The reader closes its descriptor:
  // 4: tun0: <NO-CARRIER,POINTOPOINT,MULTICAST,NOARP,UP> mtu 1500 qdisc pfifo_fast state DOWN
  r.detach();
  assert.equal(show(tun), '<NO-CARRIER,POINTOPOINT,MULTICAST,NOARP,UP> mtu 1500 qdisc pfifo_fast state DOWN qlen 500');
  assert.equal(tun.reg, 'registered');
  // A descriptor creating a tun (TUNSETIFF with an empty name), then ip -d link show:
  // 10: tun1: <POINTOPOINT,MULTICAST,NOARP> mtu 1500 qdisc noop state DOWN ... persist off
  const q = must(openTun(t));
  const tun1 = q.dev;
  assert.equal(tun1.name, 'tun1');
  assert.equal(tun1.persist, false);
  // Carrier is on, but LOWER_UP shows only while the device runs.
  assert.equal(tun1.carrierOk, true);
  assert.equal(show(tun1), '<POINTOPOINT,MULTICAST,NOARP> mtu 1500 qdisc noop state DOWN qlen 500');
  // After close: tun1 is gone from ip link show.
  q.detach();
  assert.equal(tun1.reg, 'unregistered');
  assert.equal(t.getByName('tun1'), undefined);
  // ip link del tun0 -> accepted (rtnl_link_register gives tun unregister_netdevice as dellink).
  const notTun = openTun(t, 'lo');
  assert.ok(!notTun.ok && notTun.error.errno === EINVAL);
  const r2 = must(openTun(t, 'tun0'));
  must(t.deleteLink(tun));
  assert.equal(r2.attached, false);
  assert.ok(tun instanceof TunDevice);
});

test('random addresses come from the namespace rng: reproducible per seed', () => {
  const macs = (seed: number): string[] => {
    const { net } = setup(seed);
    const t = net('a');
    const { dev, peer } = must(createVethPair(t, 'v0', { peerName: 'v1' }));
    return [mac(must(createDummy(t))), mac(dev), mac(peer)];
  };
  assert.deepEqual(macs(5), macs(5));
  assert.notDeepEqual(macs(5), macs(6));
});

test('a failed veth registration removes the peer already registered', () => {
  const { net } = setup();
  const t = net('a');
  must(createDummy(t, 'taken'));
  const r = createVethPair(t, 'taken', { peerName: 'p' });
  assert.ok(!r.ok && r.error.errno === EEXIST);
  assert.equal(t.getByName('p'), undefined);
  assert.deepEqual(t.list().map((d) => d.name), ['lo', 'taken']);
});
