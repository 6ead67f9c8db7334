// `ip link` against an in-process kernel. Expected texts come from iproute2 6.1.0 on Linux 6.18
// (this machine's kernel, in a throwaway `ip netns`), with MAC addresses given explicitly so
// both sides print the same ones; the command is beside each expectation.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { MemoryOutput } from '../cli/output.ts';
import { Kernel } from '../kernel.ts';
import { rootCredentials } from '../net/credentials.ts';
import type { Net } from '../net/net.ts';
import { ipAddressObject } from './address.ts';
import { runIp, type IpHost } from './ip.ts';
import { createIpLinkObject } from './link.ts';
import { InProcessTransport } from './transport.ts';

interface Run {
  readonly status: number;
  readonly out: string;
  readonly err: string;
}

function setup(): { k: Kernel; net: Net; ip: (...argv: string[]) => Promise<Run> } {
  const k = new Kernel({ seed: 7 });
  const made = k.world.createNet('t');
  if (!made.ok) throw new Error(made.error.message);
  const net = made.value;
  const objects = { link: createIpLinkObject((name) => k.world.byName(name)?.id), address: ipAddressObject };
  const ip = async (...argv: string[]): Promise<Run> => {
    const out = new MemoryOutput();
    const err = new MemoryOutput();
    const host: IpHost = {
      out,
      err,
      objects,
      enterNetns: (name) => (k.world.byName(name) === undefined ? 2 : 0),
      openNetlink: (p, ns) => InProcessTransport.open(k.netlink, ns === undefined ? net : (k.world.byName(ns) ?? net), p, rootCredentials(k.world.initUserNs)),
    };
    const status = await runIp(argv, host);
    return { status, out: out.text, err: err.text };
  };
  return { k, net, ip };
}

const A0 = '02:00:00:00:00:a0';
const A1 = '02:00:00:00:00:a1';

async function vethPair(ip: (...argv: string[]) => Promise<Run>): Promise<void> {
  const r = await ip('link', 'add', 'v0', 'address', A0, 'type', 'veth', 'peer', 'name', 'v1', 'address', A1);
  assert.deepEqual(r, { status: 0, out: '', err: '' });
}

test('ip link add veth, show, set up, -d, -j, -o as iproute2 prints them', async () => {
  const { ip } = setup();
  await vethPair(ip);
  // ip link show (fresh namespace: lo, then the peer first, as veth_newlink registers it first)
  assert.deepEqual(await ip('link', 'show'), {
    status: 0,
    err: '',
    out:
      '1: lo: <LOOPBACK> mtu 65536 qdisc noop state DOWN mode DEFAULT group default qlen 1000\n' +
      '    link/loopback 00:00:00:00:00:00 brd 00:00:00:00:00:00\n' +
      '2: v1@v0: <BROADCAST,MULTICAST,M-DOWN> mtu 1500 qdisc noop state DOWN mode DEFAULT group default qlen 1000\n' +
      `    link/ether ${A1} brd ff:ff:ff:ff:ff:ff\n` +
      '3: v0@v1: <BROADCAST,MULTICAST,M-DOWN> mtu 1500 qdisc noop state DOWN mode DEFAULT group default qlen 1000\n' +
      `    link/ether ${A0} brd ff:ff:ff:ff:ff:ff\n`,
  });
  assert.equal((await ip('link', 'set', 'v0', 'up')).status, 0);
  // One end up: no carrier yet.
  assert.equal(
    (await ip('link', 'show', 'v0')).out,
    '3: v0@v1: <NO-CARRIER,BROADCAST,MULTICAST,UP,M-DOWN> mtu 1500 qdisc noqueue state LOWERLAYERDOWN mode DEFAULT group default qlen 1000\n' +
      `    link/ether ${A0} brd ff:ff:ff:ff:ff:ff\n`,
  );
  assert.equal((await ip('link', 'set', 'dev', 'v1', 'up')).status, 0);
  assert.equal(
    (await ip('-d', 'link', 'show', 'dev', 'v0')).out,
    '3: v0@v1: <BROADCAST,MULTICAST,UP,LOWER_UP> mtu 1500 qdisc noqueue state UP mode DEFAULT group default qlen 1000\n' +
      `    link/ether ${A0} brd ff:ff:ff:ff:ff:ff promiscuity 0  allmulti 0 minmtu 68 maxmtu 65535 \n` +
      '    veth addrgenmode eui64 numtxqueues 1 numrxqueues 1 gso_max_size 65536 gso_max_segs 65535 tso_max_size 524280 tso_max_segs 65535 gro_max_size 65536 \n',
  );
  assert.equal(
    (await ip('-j', 'link', 'show', 'v0')).out,
    '[{"ifindex":3,"link":"v1","ifname":"v0","flags":["BROADCAST","MULTICAST","UP","LOWER_UP"],"mtu":1500,"qdisc":"noqueue","operstate":"UP",' +
      `"linkmode":"DEFAULT","group":"default","txqlen":1000,"link_type":"ether","address":"${A0}","broadcast":"ff:ff:ff:ff:ff:ff"}]\n`,
  );
  assert.equal(
    (await ip('-o', 'link', 'show', 'v1')).out,
    '2: v1@v0: <BROADCAST,MULTICAST,UP,LOWER_UP> mtu 1500 qdisc noqueue state UP mode DEFAULT group default qlen 1000\\' +
      `    link/ether ${A1} brd ff:ff:ff:ff:ff:ff\n`,
  );
  const s = await ip('-s', 'link', 'show', 'v0');
  assert.equal(
    s.out,
    '3: v0@v1: <BROADCAST,MULTICAST,UP,LOWER_UP> mtu 1500 qdisc noqueue state UP mode DEFAULT group default qlen 1000\n' +
      `    link/ether ${A0} brd ff:ff:ff:ff:ff:ff\n` +
      '    RX:  bytes packets errors dropped  missed   mcast           \n' +
      '             0       0      0       0       0       0 \n' +
      '    TX:  bytes packets errors dropped carrier collsns           \n' +
      '             0       0      0       0       0       0 \n',
  );
});

test('ip link errors: texts and exit statuses of iproute2 and the kernel', async () => {
  const { ip } = setup();
  await vethPair(ip);
  const cases: Array<[string[], number, string]> = [
    [['link', 'add', 'v0', 'type', 'veth'], 2, 'RTNETLINK answers: File exists\n'],
    [['link', 'del', 'nope'], 1, 'Cannot find device "nope"\n'],
    [['link', 'set', 'v0', 'mtu', '10'], 2, 'Error: mtu less than device minimum.\n'],
    [['link', 'set', 'v0', 'mtu', '70000'], 2, 'Error: mtu greater than device maximum.\n'],
    [['link', 'set', 'dev', 'lo', 'mtu', 'abc'], 255, 'Error: argument "abc" is wrong: Invalid "mtu" value\n\n'],
    [['link', 'set', 'lo', 'netns', 'nosuch'], 255, 'Error: argument "nosuch" is wrong: Invalid "netns" value\n\n'],
    [['link', 'add', 'type', 'foo'], 2, 'Error: Unknown device type.\n'],
    [['link', 'add', 'v9'], 1, 'Not enough information: "type" argument is required\n'],
    [['link', 'del', 'lo'], 2, 'RTNETLINK answers: Operation not supported\n'],
    [['link', 'foo'], 255, 'Command "foo" is unknown, try "ip link help".\n'],
    [['link', 'set', 'dev'], 255, 'Command line is not complete. Try option "help"\n'],
    [['link', 'set'], 255, 'Not enough information: "dev" argument is required.\n'],
    [['link', 'show', 'dev', 'nope'], 1, 'Device "nope" does not exist.\n'],
    [['link', 'set', 'v0', 'name', 'a/b'], 255, 'Error: argument "a/b" is wrong: "name" not a valid ifname\n'],
    [['link', 'set', 'v0', 'address', '02:00:00:00:00'], 1, 'Invalid address length 5 - must be 6 bytes\n'],
    [['link', 'set', 'v0', 'vf', '1'], 255, 'Option "vf" is not supported by v6stack.\n'],
  ];
  for (const [argv, status, err] of cases) {
    const r = await ip(...argv);
    assert.deepEqual([r.status, r.err, r.out], [status, err, ''], argv.join(' '));
  }
});

test('ip link set: mtu, name, txqueuelen, alias, down, delete; rejected changes leave the device as it was', async () => {
  const { k, net, ip } = setup();
  await vethPair(ip);
  const table = k.netdev.table(net);
  assert.equal((await ip('link', 'set', 'v0', 'mtu', '9000', 'txqueuelen', '50', 'name', 'w0', 'alias', 'uplink')).status, 0);
  const dev = table.getByName('w0');
  assert.ok(dev);
  assert.equal(dev.mtu, 9000);
  assert.equal(dev.txQueueLen, 50);
  assert.equal(dev.ifalias, 'uplink');
  assert.equal(table.getByName('v0'), undefined);
  assert.equal((await ip('link', 'show', 'v1')).out.split('\n')[0], '2: v1@w0: <BROADCAST,MULTICAST,M-DOWN> mtu 1500 qdisc noop state DOWN mode DEFAULT group default qlen 1000');
  assert.match((await ip('link', 'show', 'w0')).out, /\n {4}alias uplink\n$/);
  // A refused MTU changes nothing.
  assert.equal((await ip('link', 'set', 'w0', 'mtu', '20')).status, 2);
  assert.equal(dev.mtu, 9000);
  assert.equal((await ip('link', 'set', 'w0', 'up')).status, 0);
  assert.equal((await ip('link', 'set', 'w0', 'down')).status, 0);
  assert.equal(dev.running, false);
  // Deleting one end takes the pair.
  assert.equal((await ip('link', 'del', 'dev', 'v1')).status, 0);
  assert.deepEqual(
    table.list().map((d) => d.name),
    ['lo'],
  );
});

test('ip link add dummy and veth with defaults, index and mtu', async () => {
  const { k, net, ip } = setup();
  assert.equal((await ip('link', 'add', 'type', 'dummy')).status, 0);
  assert.equal((await ip('link', 'add', 'dummy7', 'index', '40', 'mtu', '1400', 'type', 'dummy')).status, 0);
  assert.equal((await ip('link', 'add', 'type', 'veth')).status, 0);
  const t = k.netdev.table(net);
  assert.deepEqual(
    t.list().map((d) => [d.ifindex, d.name, d.kind, d.mtu]),
    [
      [1, 'lo', 'loopback', 65536],
      [2, 'dummy0', 'dummy', 1500],
      // An explicit index does not move the allocation hint (dev_index_reserve).
      [3, 'veth0', 'veth', 1500],
      [4, 'veth1', 'veth', 1500],
      [40, 'dummy7', 'dummy', 1400],
    ],
  );
  assert.equal(
    (await ip('-d', 'link', 'show', 'dummy7')).out.split('\n')[2],
    '    dummy addrgenmode eui64 numtxqueues 1 numrxqueues 1 gso_max_size 65536 gso_max_segs 65535 tso_max_size 524280 tso_max_segs 65535 gro_max_size 65536 ',
  );
});

test('ip link set netns NAME moves the device; the peer shows the index it cannot resolve', async () => {
  const { k, net, ip } = setup();
  const other = k.world.createNet('other');
  assert.ok(other.ok);
  await vethPair(ip);
  assert.deepEqual(await ip('link', 'set', 'v1', 'netns', 'other'), { status: 0, out: '', err: '' });
  assert.equal(k.netdev.table(net).getByName('v1'), undefined);
  const moved = k.netdev.table(other.value).getByName('v1');
  assert.ok(moved);
  // In `other`, the peer is named by IFLA_LINK_NETNSID (0: the first namespace `other` names),
  // so iproute2 prints "if3" without looking the index up, and no M-DOWN (as Linux 6.18 shows a
  // veth whose peer is in another namespace: `va@if2: <BROADCAST,MULTICAST>`).
  const r = await ip('-n', 'other', 'link', 'show', 'v1');
  assert.equal(r.out.split('\n')[0], '2: v1@if3: <BROADCAST,MULTICAST> mtu 1500 qdisc noop state DOWN mode DEFAULT group default qlen 1000');
  // After the link-layer address, as iproute2 prints an id it has no name for (no RTM_GETNSID).
  assert.match(r.out.split('\n')[1] ?? '', /^ {4}link\/ether [0-9a-f:]{17} brd ff:ff:ff:ff:ff:ff link-netnsid 0$/);
  const j = JSON.parse((await ip('-n', 'other', '-j', 'link', 'show', 'v1')).out) as Array<{ link_netnsid?: number }>;
  assert.equal(j[0]?.link_netnsid, 0);
  assert.equal(other.value.peernet2id(net), 0);
  // By number: the namespace id.
  assert.equal((await ip('-n', 'other', 'link', 'set', 'v1', 'netns', String(net.id))).status, 0);
  assert.ok(k.netdev.table(net).getByName('v1'));
  // An unknown id is ESRCH from the kernel.
  const bad = await ip('link', 'set', 'v1', 'netns', '999');
  assert.deepEqual([bad.status, bad.err], [2, 'RTNETLINK answers: No such process\n']);
});
