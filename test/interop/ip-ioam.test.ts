/**
 * `ip ioam` against Linux and against v6stack: the same command lines run by the host's
 * iproute2 6.1 in a fresh `ip netns` (`ip -n NS ioam ...`) and by runIp over a Kernel whose
 * namespace has the same name. Status, stdout and stderr must agree line for line.
 *
 * Dump order: the kernel walks its namespace and schema rhashtables, whose order is random per
 * table, while v6stack dumps in insertion order. A show with one entry is compared exactly; a
 * show with several entries is compared as a sorted set of lines (text), of objects (-j), or of
 * pretty-printed object blocks (-j -p).
 */

import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { MemoryOutput } from '../../src/cli/output.ts';
import { Kernel } from '../../src/kernel.ts';
import { rootCredentials, unprivilegedCredentials, type Credentials } from '../../src/net/credentials.ts';
import { doIoam } from '../../src/iproute/ioam.ts';
import { runIp, type IpHost } from '../../src/iproute/ip.ts';
import { InProcessTransport } from '../../src/iproute/transport.ts';
import { ENOENT } from '../../src/uapi/errno.ts';
import { Topology, skipUnlessNetns } from './netns.ts';

interface Outcome {
  readonly status: number;
  readonly stdout: string;
  readonly stderr: string;
}

/** How a show's output is compared. */
type Compare = 'exact' | 'lines' | 'json' | 'pretty';

function hasSetpriv(): boolean {
  const r = spawnSync('setpriv', ['--version'], { encoding: 'utf8' });
  return r.error === undefined && r.status === 0;
}

const skip = skipUnlessNetns() || (hasSetpriv() ? false : 'setpriv (util-linux) is missing');

const topo = new Topology('ioam');
after(() => topo.destroy());

/** v6stack: a Kernel with one namespace named like the kernel's. */
class Ours {
  readonly kernel = new Kernel();
  readonly name: string;

  constructor(name: string) {
    this.name = name;
    const net = this.kernel.world.createNet(name);
    assert.ok(net.ok);
  }

  async ip(argv: readonly string[], cred?: Credentials): Promise<Outcome> {
    const world = this.kernel.world;
    const credentials = cred ?? rootCredentials(world.initUserNs);
    const out = new MemoryOutput();
    const err = new MemoryOutput();
    const host: IpHost = {
      out,
      err,
      objects: { ioam: doIoam },
      enterNetns: (name) => (world.byName(name) === undefined ? ENOENT : 0),
      openNetlink: (protocol, netns) => {
        const net = netns === undefined ? world.initNet : world.byName(netns);
        if (net === undefined) return { errno: ENOENT };
        return InProcessTransport.open(this.kernel.netlink, net, protocol, credentials);
      },
    };
    const status = await runIp(argv, host);
    return { status, stdout: out.text, stderr: err.text };
  }
}

function linux(argv: readonly string[]): Outcome {
  const r = spawnSync('ip', argv, { encoding: 'utf8' });
  return { status: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
}

/** The object blocks of `ip -j -p` output: `[ {` ... `},{` ... `} ]`. */
function prettyBlocks(text: string): string[] {
  if (!text.startsWith('[ {\n') || !text.endsWith('} ]\n')) return [text];
  return text
    .slice(4, -4)
    .split('},{\n')
    .sort();
}

function normalize(text: string, how: Compare): string | string[] {
  switch (how) {
    case 'exact':
      return text;
    case 'lines':
      return text.split('\n').sort();
    case 'json': {
      const v: unknown = JSON.parse(text);
      return Array.isArray(v) ? v.map((e) => JSON.stringify(e)).sort() : [text];
    }
    case 'pretty':
      return prettyBlocks(text);
  }
}

/** A command line after `ip -n NS`: [global options..., 'ioam', args...]. */
interface Step {
  readonly argv: readonly string[];
  readonly compare?: Compare;
  /** What the command must do, so a test where both sides fail alike still fails. */
  readonly status: number;
}

const ioam = (status: number, ...args: string[]): Step => ({ argv: ['ioam', ...args], status });
const show = (compare: Compare, opts: string[], ...args: string[]): Step => ({ argv: [...opts, 'ioam', ...args], compare, status: 0 });

const BIG = 'z'.repeat(1021);

const STEPS: readonly Step[] = [
  ioam(255),
  ioam(255, 'help'),
  show('exact', [], 'namespace', 'show'),
  show('exact', ['-j'], 'namespace', 'show'),
  show('exact', ['-j', '-p'], 'schema', 'show'),
  ioam(0, 'namespace', 'add', '1', 'data', '0xdeadbeef', 'wide', '0xcafec0caf00dc0de'),
  show('exact', [], 'namespace', 'show'),
  show('exact', ['-j', '-p'], 'namespace', 'show'),
  ioam(1, 'namespace', 'add', '1'),
  ioam(0, 'namespace', 'add', '2', 'wide', '5'),
  ioam(0, 'namespace', 'add', '010', 'data', '0'),
  ioam(0, 'namespace', 'add', '0xffff', 'data', '4294967295', 'wide', '-1'),
  ioam(1, 'namespace', 'del', '9'),
  ioam(0, 'schema', 'add', '7', 'tiny'),
  show('exact', [], 'schema', 'show'),
  show('exact', ['-j'], 'schema', 'show'),
  ioam(1, 'schema', 'add', '7', 'tiny'),
  ioam(0, 'schema', 'add', '8', ''),
  ioam(0, 'schema', 'add', '9', 'é'),
  ioam(1, 'schema', 'del', '99'),
  ioam(0, 'namespace', 'set', '1', 'schema', '7'),
  ioam(0, 'namespace', 'set', '2', 'schema', '7'),
  ioam(1, 'namespace', 'set', '2', 'schema', '99'),
  ioam(1, 'namespace', 'set', '99', 'schema', '7'),
  ioam(0, 'namespace', 'set', '1', 'schema', 'none'),
  ioam(0, 'namespace', 'set', '1', 'schema', 'none'),
  ioam(0, 'namespace', 'set', '1', 'schema', '9'),
  show('lines', [], 'namespace', 'show'),
  show('lines', [], 'schema', 'show', 'extra'),
  show('json', ['-j'], 'namespace', 'show'),
  show('json', ['-j'], 'schema', 'show'),
  show('pretty', ['-j', '-p'], 'namespace', 'show'),
  show('pretty', ['-j', '-p'], 'schema', 'show'),
  // Bad arguments: nothing reaches the kernel.
  ioam(255, 'foo'),
  ioam(255, 'monitor'),
  ioam(255, 'names', 'add', '1'),
  ioam(255, 'namespace'),
  ioam(255, 'namespace', 'add'),
  ioam(255, 'namespace', 'add', '70000'),
  ioam(255, 'namespace', 'add', '-1'),
  ioam(255, 'namespace', 'add', '3', 'data'),
  ioam(255, 'namespace', 'add', '3', 'data', '0x1ffffffff'),
  ioam(255, 'namespace', 'add', '3', 'wide', '0x1ffffffffffffffff'),
  ioam(255, 'namespace', 'add', '3', 'wide', 'zz'),
  ioam(255, 'namespace', 'add', '3', 'bogus', '1'),
  ioam(255, 'namespace', 'add', '3', 'wide', '1', 'wide', '2'),
  ioam(255, 'namespace', 'add', '3', 'data', '1', 'data', '2'),
  ioam(255, 'namespace', 'add', '3', 'wide', '1', 'data', '3'),
  ioam(255, 'namespace', 'add', '3', 'data', '7', 'wide'),
  ioam(255, 'namespace', 'set', '1', 'sch', '2'),
  ioam(255, 'namespace', 'set', '1', 'schema', 'nothing'),
  ioam(255, 'schema', 'add', '0x10'),
  ioam(255, 'schema', 'add', '4294967296', 'x'),
  ioam(255, 'schema', 'add', '11', BIG),
  ioam(0, 'schema', 'add', '11', BIG.slice(1)),
  ioam(255, 'schema', 'rm', '1'),
  // Deletion, and a schema that leaves the namespace it was linked to.
  ioam(0, 'schema', 'del', '9'),
  ioam(1, 'schema', 'del', '9'),
  ioam(0, 'namespace', 'del', '0x1'),
  ioam(1, 'namespace', 'del', '1'),
  show('lines', [], 'namespace', 'show'),
  show('lines', [], 'schema', 'show'),
];

test('ip ioam: the kernel and v6stack agree on every command', { skip }, async () => {
  const name = topo.addNamespace('a');
  const ours = new Ours(name);
  for (const step of STEPS) {
    const argv = ['-n', name, ...step.argv];
    const what = step.argv.join(' ').slice(0, 120);
    const theirs = linux(argv);
    const mine = await ours.ip(argv);
    assert.equal(theirs.status, step.status, `${what}: Linux status (${theirs.stderr})`);
    assert.equal(mine.status, theirs.status, `${what}: status`);
    assert.equal(mine.stderr, theirs.stderr, `${what}: stderr`);
    const how = step.compare ?? 'exact';
    assert.deepEqual(normalize(mine.stdout, how), normalize(theirs.stdout, how), `${what}: stdout`);
  }
});

test('ip ioam without CAP_NET_ADMIN: the same refusal', { skip }, async () => {
  const name = topo.addNamespace('b');
  const ours = new Ours(name);
  const nobody = unprivilegedCredentials(ours.kernel.world.initUserNs, 65534);
  // `setpriv ... ip -n NS` cannot enter the namespace (setns needs CAP_SYS_ADMIN), so the
  // unprivileged ip runs inside it through `ip netns exec`.
  const setpriv = ['netns', 'exec', name, 'setpriv', '--reuid=65534', '--regid=65534', '--clear-groups', 'ip'];
  for (const args of [
    ['namespace', 'add', '1'],
    ['namespace', 'del', '1'],
    ['schema', 'add', '1', 'x'],
    ['namespace', 'set', '1', 'schema', 'none'],
    ['namespace', 'show'],
    ['schema', 'show'],
    ['namespace', 'add', 'x'],
  ]) {
    const theirs = linux([...setpriv, 'ioam', ...args]);
    const mine = await ours.ip(['-n', name, 'ioam', ...args], nobody);
    assert.notEqual(theirs.status, 0, args.join(' '));
    assert.deepEqual(mine, theirs, args.join(' '));
  }
  // Nothing was added on either side.
  assert.deepEqual(await ours.ip(['-n', name, 'ioam', 'namespace', 'show']), linux(['-n', name, 'ioam', 'namespace', 'show']));
});
