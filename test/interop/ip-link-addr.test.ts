// The same `ip link` / `ip address` sessions run against the real kernel (a fresh `ip netns`,
// iproute2 6.1.0, Linux 6.18) and against v6stack (runIp over an in-process kernel); stdout,
// stderr and exit status must agree after masking what legitimately differs:
// - the kernel's namespace gets net.ipv6.conf.{all,default}.accept_dad = 0 first, because
//   v6stack has no DAD (otherwise the kernel shows "tentative" for a moment);
// - MAC addresses are given on the command line, so link-local addresses agree too;
// - `ip -d link` masks "numtxqueues N numrxqueues N" (a veth has one queue per CPU on Linux,
//   one in v6stack);
// - `ip address show` is run with -6 (v6stack has no IPv4, the kernel's lo has 127.0.0.1);
// - statistics (-s) are not compared: the kernel sends MLD reports and router solicitations.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { test } from 'node:test';
import { MemoryOutput } from '../../src/cli/output.ts';
import { ipAddressObject } from '../../src/iproute/address.ts';
import { runIp, type IpHost } from '../../src/iproute/ip.ts';
import { createIpLinkObject } from '../../src/iproute/link.ts';
import { InProcessTransport } from '../../src/iproute/transport.ts';
import { Kernel } from '../../src/kernel.ts';
import { rootCredentials } from '../../src/net/credentials.ts';
import { skipUnlessNetns, Topology, type RunResult } from './netns.ts';
import { nlaParse } from '../../src/netlink/policy.ts';
import { NLMSG_GOODSIZE, NetlinkSkb } from '../../src/netlink/socket.ts';
import { IFLA_LINK, IFLA_LINK_NETNSID, IFLA_MAX } from '../../src/uapi/if_link.ts';
import { NL_VALIDATE_LIBERAL, NLMSG_HDRLEN } from '../../src/uapi/netlink.ts';
import { IFINFOMSG_SIZE, RTM_NEWLINK } from '../../src/uapi/rtnetlink.ts';

/** One step: `ip` arguments, or a pause for the kernel's linkwatch (carrier events). */
type Step = readonly string[] | { readonly waitMs: number };

const A0 = '02:00:00:00:00:a0';
const A1 = '02:00:00:00:00:a1';

const SESSION: readonly Step[] = [
  ['link', 'add', 'v0', 'address', A0, 'type', 'veth', 'peer', 'name', 'v1', 'address', A1],
  ['link', 'show'],
  ['-o', 'link', 'show'],
  ['link', 'set', 'v0', 'up'],
  ['link', 'show', 'dev', 'v0'],
  ['link', 'set', 'dev', 'v1', 'up'],
  { waitMs: 1200 },
  ['addr', 'add', '2001:db8::1/64', 'dev', 'v0'],
  ['addr', 'add', '2001:db8::5/64', 'dev', 'v0', 'nodad', 'noprefixroute'],
  ['link', 'show'],
  ['-j', 'link', 'show', 'v0'],
  ['-d', 'link', 'show', 'v0'],
  ['-6', 'addr', 'show'],
  ['-6', 'addr', 'show', 'dev', 'v0'],
  ['-6', '-o', 'addr', 'show'],
  ['-j', '-6', 'addr', 'show', 'dev', 'v0'],
  ['-j', '-p', '-6', 'addr', 'show', 'dev', 'v1'],
  // Errors.
  ['link', 'add', 'v0', 'type', 'veth'],
  ['link', 'del', 'nope'],
  ['link', 'show', 'dev', 'nope'],
  ['link', 'set', 'v0', 'mtu', '10'],
  ['link', 'set', 'v0', 'mtu', '70000'],
  ['link', 'set', 'v0', 'mtu', 'abc'],
  ['link', 'add', 'type', 'foo'],
  ['link', 'del', 'lo'],
  ['addr', 'add', '2001:db8::1/64', 'dev', 'v0'],
  ['addr', 'del', '2001:db8::2/64', 'dev', 'v0'],
  ['addr', 'add', '::/64', 'dev', 'v0'],
  ['addr', 'add', 'ff02::1/64', 'dev', 'v0'],
  ['addr', 'add', '::1/128', 'dev', 'v0'],
  ['addr', 'show', 'dev', 'nope'],
  // Changes.
  ['link', 'set', 'v0', 'mtu', '9000', 'txqueuelen', '50', 'name', 'w0', 'alias', 'uplink'],
  ['link', 'show'],
  ['addr', 'add', '2001:db8::7/64', 'dev', 'w0', 'valid_lft', '100', 'preferred_lft', '50'],
  ['-6', 'addr', 'show', 'dev', 'w0'],
  ['-s', '-6', 'addr', 'flush', 'dev', 'v1'],
  ['-s', '-6', 'addr', 'flush', 'dev', 'v1'],
  ['link', 'set', 'w0', 'down'],
  ['-6', 'addr', 'show'],
  ['link', 'del', 'v1'],
  ['link', 'show'],
  // A device below the IPv6 minimum MTU has no IPv6 state: EINVAL without a message.
  ['link', 'add', 'v2', 'mtu', '1000', 'address', A0, 'type', 'veth', 'peer', 'name', 'v3', 'address', A1],
  ['addr', 'add', '2001:db8::9/64', 'dev', 'v2'],
  ['addr', 'add', '2001:db8::9/64', 'dev', 'v3'],
  ['-6', 'addr', 'show'],
  ['link', 'set', 'v2', 'mtu', '1500'],
  ['addr', 'add', '2001:db8::a/64', 'dev', 'v2'],
  ['-6', 'addr', 'show', 'dev', 'v2'],
];

function mask(argv: readonly string[], r: RunResult): RunResult {
  if (!argv.includes('-d')) return r;
  return { ...r, stdout: r.stdout.replace(/numtxqueues \d+ numrxqueues \d+/g, 'numtxqueues N numrxqueues N') };
}

test('ip link / ip address sessions: the kernel and v6stack print the same', { skip: skipUnlessNetns() }, async () => {
  const topo = new Topology('la');
  try {
    topo.addNamespace('x');
    topo.sysctl('x', 'net.ipv6.conf.all.accept_dad=0', 'net.ipv6.conf.default.accept_dad=0');

    const k = new Kernel({ seed: 1 });
    // The kernel registers rtnetlink links and addrconf itself.
    const made = k.world.createNet('x');
    assert.ok(made.ok);
    const net = made.value;
    const objects = { link: createIpLinkObject((name) => k.world.byName(name)?.id), address: ipAddressObject };
    const ours = async (argv: readonly string[]): Promise<RunResult> => {
      const out = new MemoryOutput();
      const err = new MemoryOutput();
      const host: IpHost = {
        out,
        err,
        objects,
        enterNetns: () => 0,
        openNetlink: (p) => InProcessTransport.open(k.netlink, net, p, rootCredentials(k.world.initUserNs)),
      };
      const status = await runIp(argv, host);
      return { status, stdout: out.text, stderr: err.text };
    };
    // Topology.addNamespace set lo up in the kernel's namespace.
    assert.equal((await ours(['link', 'set', 'lo', 'up'])).status, 0);

    for (const step of SESSION) {
      if (!Array.isArray(step)) {
        spawnSync('sleep', [String((step as { waitMs: number }).waitMs / 1000)]);
        continue;
      }
      const argv = step as readonly string[];
      const theirs = mask(argv, topo.tryInNs('x', 'ip', ...argv));
      const mine = mask(argv, await ours(argv));
      assert.deepEqual(mine, theirs, `ip ${argv.join(' ')}`);
    }
  } finally {
    topo.destroy();
  }
});

/** Prints "ifname netnsid link" per device of the namespace from a raw RTM_GETLINK dump. */
const LINK_NETNSID_DUMP = `
import socket, struct
s = socket.socket(socket.AF_NETLINK, socket.SOCK_RAW, 0)
s.bind((0, 0))
s.send(struct.pack("=LHHLL", 32, 18, 0x301, 1, 0) + struct.pack("=BxHiII", 0, 0, 0, 0, 0))
done = False
while not done:
    data = s.recv(65536)
    off = 0
    while off < len(data):
        ln, typ = struct.unpack_from("=LH", data, off)
        if typ == 3:
            done = True
            break
        a, name, nsid, link = off + 32, "", "-", "-"
        while a < off + ln:
            al, at = struct.unpack_from("=HH", data, a)
            at &= 0x7fff
            if at == 3: name = data[a + 4:a + al - 1].decode()
            if at == 37: nsid = str(struct.unpack_from("=i", data, a + 4)[0])
            if at == 5: link = str(struct.unpack_from("=i", data, a + 4)[0])
            a += (al + 3) & ~3
        print(name, nsid, link)
        off += (ln + 3) & ~3
`;

test('IFLA_LINK_NETNSID: a veth peer in another namespace is named by a netnsid given on first use', { skip: skipUnlessNetns() }, async () => {
  const topo = new Topology('ln');
  try {
    const k = new Kernel({ seed: 1 });
    const names = ['a', 'b', 'c'].map((s) => topo.addNamespace(s));
    for (const n of names) assert.ok(k.world.createNet(n).ok);
    const objects = { link: createIpLinkObject((name) => k.world.byName(name)?.id), address: ipAddressObject };
    const ours = async (short: string, argv: readonly string[]): Promise<number> => {
      const net = k.world.byName(topo.ns(short));
      assert.ok(net !== undefined);
      const host: IpHost = {
        out: new MemoryOutput(),
        err: new MemoryOutput(),
        objects,
        enterNetns: () => 0,
        openNetlink: (p) => InProcessTransport.open(k.netlink, net, p, rootCredentials(k.world.initUserNs)),
      };
      return runIp(argv, host);
    };
    // What each side's namespace `short` says of its devices: name, netnsid, IFLA_LINK.
    const theirs = (short: string): string => topo.inNs(short, 'python3', '-c', LINK_NETNSID_DUMP);
    const mine = (short: string): string => {
      const net = k.world.byName(topo.ns(short));
      assert.ok(net !== undefined);
      let text = '';
      for (const dev of k.netdev.table(net).list()) {
        const skb = new NetlinkSkb(NLMSG_GOODSIZE * 4);
        assert.ok(k.link.fillIfinfo(skb, dev, RTM_NEWLINK, 0, 0, 0, 0));
        const msg = skb.b.buffer.subarray(0, skb.len);
        const tb = nlaParse(msg, NLMSG_HDRLEN + IFINFOMSG_SIZE, msg.length - NLMSG_HDRLEN - IFINFOMSG_SIZE, IFLA_MAX, undefined, NL_VALIDATE_LIBERAL);
        assert.ok(tb.ok);
        const nsid = tb.value.s32(IFLA_LINK_NETNSID);
        const link = tb.value.u32(IFLA_LINK);
        text += `${dev.name} ${nsid ?? '-'} ${link ?? '-'}\n`;
      }
      return text;
    };
    const steps: ReadonlyArray<readonly [string, readonly string[]]> = [
      // c first, then b: a names c 0 and b 1 when the devices are made, before any dump.
      ['a', ['link', 'add', 'x1', 'type', 'veth', 'peer', 'name', 'z1', 'netns', topo.ns('c')]],
      ['a', ['link', 'add', 'x2', 'type', 'veth', 'peer', 'name', 'y1', 'netns', topo.ns('b')]],
      // b's first name is for c: x1 arrives from a with its peer in c.
      ['a', ['link', 'set', 'x1', 'netns', topo.ns('b')]],
    ];
    for (const [short, argv] of steps) {
      topo.inNs(short, 'ip', ...argv);
      assert.equal(await ours(short, argv), 0, argv.join(' '));
    }
    // Dumps in the order b (x1: c, then y1: a), c, a.
    for (const short of ['b', 'c', 'a']) assert.equal(mine(short), theirs(short), `namespace ${short}`);
  } finally {
    topo.destroy();
  }
});
