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
