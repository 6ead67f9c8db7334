// `ip address` against an in-process kernel. Expected texts come from iproute2 6.1.0 on Linux
// 6.18 in a throwaway `ip netns` with net.ipv6.conf.{all,default}.accept_dad=0 (v6stack has no
// DAD) and the same MAC addresses, so both print the same link-local addresses.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { MemoryOutput } from '../cli/output.ts';
import { Kernel } from '../kernel.ts';
import { rootCredentials } from '../net/credentials.ts';
import type { Net } from '../net/net.ts';
import { ipAddressObject } from './address.ts';
import { runIp, type IpHost } from './ip.ts';
import { ipLinkObject } from './link.ts';
import { InProcessTransport } from './transport.ts';

interface Run {
  readonly status: number;
  readonly out: string;
  readonly err: string;
}

function setup(): { k: Kernel; net: Net; ip: (...argv: string[]) => Promise<Run> } {
  const k = new Kernel({ seed: 3 });
  // The kernel registers rtnetlink links and addrconf itself.
  const made = k.world.createNet('t');
  if (!made.ok) throw new Error(made.error.message);
  const net = made.value;
  const ip = async (...argv: string[]): Promise<Run> => {
    const out = new MemoryOutput();
    const err = new MemoryOutput();
    const host: IpHost = {
      out,
      err,
      objects: { link: ipLinkObject, address: ipAddressObject },
      enterNetns: () => 0,
      openNetlink: (p) => InProcessTransport.open(k.netlink, net, p, rootCredentials(k.world.initUserNs)),
    };
    const status = await runIp(argv, host);
    return { status, out: out.text, err: err.text };
  };
  return { k, net, ip };
}

async function ok(r: Promise<Run>): Promise<void> {
  assert.deepEqual(await r, { status: 0, out: '', err: '' });
}

test('ip -6 address show: manual addresses before link-local, newest first, kept across up', async () => {
  const { ip } = setup();
  await ok(ip('link', 'add', 'v0', 'address', '02:00:00:00:00:a0', 'type', 'veth', 'peer', 'name', 'v1', 'address', '02:00:00:00:00:a1'));
  await ok(ip('addr', 'add', '2001:db8::1/64', 'dev', 'v0'));
  await ok(ip('addr', 'add', '2001:db8::5/64', 'dev', 'v0', 'nodad', 'noprefixroute'));
  // ip -6 addr show dev v0 (down)
  assert.equal(
    (await ip('-6', 'addr', 'show', 'dev', 'v0')).out,
    '3: v0@v1: <BROADCAST,MULTICAST,M-DOWN> mtu 1500 qdisc noop state DOWN group default qlen 1000\n' +
      '    inet6 2001:db8::5/64 scope global nodad noprefixroute \n' +
      '       valid_lft forever preferred_lft forever\n' +
      '    inet6 2001:db8::1/64 scope global \n' +
      '       valid_lft forever preferred_lft forever\n',
  );
  await ok(ip('link', 'set', 'v0', 'up'));
  await ok(ip('link', 'set', 'v1', 'up'));
  // ip -6 addr show: the AF_INET6 link dump has no qdisc, group or queue length (read apart)
  assert.equal(
    (await ip('-6', 'addr', 'show')).out,
    '2: v1@v0: <BROADCAST,MULTICAST,UP,LOWER_UP> mtu 1500 state UP qlen 1000\n' +
      '    inet6 fe80::ff:fe00:a1/64 scope link \n' +
      '       valid_lft forever preferred_lft forever\n' +
      '3: v0@v1: <BROADCAST,MULTICAST,UP,LOWER_UP> mtu 1500 state UP qlen 1000\n' +
      '    inet6 2001:db8::5/64 scope global nodad noprefixroute \n' +
      '       valid_lft forever preferred_lft forever\n' +
      '    inet6 2001:db8::1/64 scope global \n' +
      '       valid_lft forever preferred_lft forever\n' +
      '    inet6 fe80::ff:fe00:a0/64 scope link \n' +
      '       valid_lft forever preferred_lft forever\n',
  );
  await ok(ip('addr', 'add', '2001:db8::7/64', 'dev', 'v0', 'valid_lft', '100', 'preferred_lft', '50'));
  const lines = (await ip('-6', 'addr', 'show', 'dev', 'v0')).out.split('\n');
  assert.deepEqual(lines.slice(0, 3), [
    '3: v0@v1: <BROADCAST,MULTICAST,UP,LOWER_UP> mtu 1500 qdisc noqueue state UP group default qlen 1000',
    '    inet6 2001:db8::7/64 scope global dynamic ',
    '       valid_lft 100sec preferred_lft 50sec',
  ]);
  // ip -j -p -6 addr show dev v1
  assert.equal(
    (await ip('-j', '-p', '-6', 'addr', 'show', 'dev', 'v1')).out,
    '[ {\n' +
      '        "ifindex": 2,\n' +
      '        "link": "v0",\n' +
      '        "ifname": "v1",\n' +
      '        "flags": [ "BROADCAST","MULTICAST","UP","LOWER_UP" ],\n' +
      '        "mtu": 1500,\n' +
      '        "qdisc": "noqueue",\n' +
      '        "operstate": "UP",\n' +
      '        "group": "default",\n' +
      '        "txqlen": 1000,\n' +
      '        "addr_info": [ {\n' +
      '                "family": "inet6",\n' +
      '                "local": "fe80::ff:fe00:a1",\n' +
      '                "prefixlen": 64,\n' +
      '                "scope": "link",\n' +
      '                "valid_life_time": 4294967295,\n' +
      '                "preferred_life_time": 4294967295\n' +
      '            } ]\n' +
      '    } ]\n',
  );
  // Down removes every address (keep_addr_on_down 0); -6 then skips the address-less link.
  await ok(ip('link', 'set', 'v0', 'down'));
  assert.equal((await ip('-6', 'addr', 'show', 'dev', 'v0')).out, '');
  assert.equal((await ip('addr', 'show', 'dev', 'v0')).out.split('\n').length, 3);
});

test('ip address errors and flush, with the kernel texts', async () => {
  const { ip } = setup();
  await ok(ip('link', 'add', 'v0', 'type', 'veth', 'peer', 'name', 'v1'));
  await ok(ip('link', 'set', 'v0', 'up'));
  await ok(ip('link', 'set', 'v1', 'up'));
  await ok(ip('addr', 'add', '2001:db8::1/64', 'dev', 'v0'));
  const cases: Array<[string[], number, string]> = [
    [['addr', 'add', '2001:db8::1/64', 'dev', 'v0'], 2, 'Error: ipv6: address already assigned.\n'],
    [['addr', 'del', '2001:db8::2/64', 'dev', 'v0'], 2, 'Error: ipv6: address not found.\n'],
    [['addr', 'add', '::/64', 'dev', 'v0'], 2, 'Error: ipv6: Invalid address.\n'],
    [['addr', 'add', 'ff02::1/64', 'dev', 'v0'], 2, 'Error: ipv6: Cannot assign multicast address without "IFA_F_MCAUTOJOIN" flag.\n'],
    [['addr', 'add', '::1/128', 'dev', 'v0'], 2, 'Error: ipv6: Cannot assign loopback address on this device.\n'],
    [['addr', 'add', '2001:db8::9/129', 'dev', 'v0'], 1, 'Error: any valid prefix is expected rather than "2001:db8::9/129".\n'],
    [['addr', 'add', '2001:db8::9/64'], 1, 'Not enough information: "dev" argument is required.\n'],
    [['addr', 'show', 'dev', 'nope'], 1, 'Device "nope" does not exist.\n'],
    [['addr', 'add', '2001:db8::9/64', 'dev', 'nope'], 1, 'Cannot find device "nope"\n'],
    [['addr', 'flush'], 1, 'Flush requires arguments.\n'],
    [['addr', 'foo'], 255, 'Command "foo" is unknown, try "ip address help".\n'],
  ];
  for (const [argv, status, err] of cases) {
    const r = await ip(...argv);
    assert.deepEqual([r.status, r.err, r.out], [status, err, ''], argv.join(' '));
  }
  // ip -s -6 addr flush dev v1, twice
  assert.deepEqual(await ip('-s', '-6', 'addr', 'flush', 'dev', 'v1'), {
    status: 0,
    err: '',
    out: '\n*** Round 1, deleting 1 addresses ***\n*** Flush is complete after 1 round ***\n',
  });
  assert.deepEqual(await ip('-s', '-6', 'addr', 'flush', 'dev', 'v1'), { status: 0, err: '', out: 'Nothing to flush.\n' });
  await ok(ip('-6', 'addr', 'flush', 'dev', 'v0'));
  assert.equal((await ip('-o', '-6', 'addr', 'show')).out, '');
});

test('loopback gets ::1/128 when up; -o prints one line per address', async () => {
  const { ip } = setup();
  await ok(ip('link', 'set', 'lo', 'up'));
  assert.equal((await ip('-o', 'addr', 'show', 'dev', 'lo')).out, '1: lo    inet6 ::1/128 scope host \\       valid_lft forever preferred_lft forever\n');
});
