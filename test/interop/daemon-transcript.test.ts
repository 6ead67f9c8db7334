/**
 * Transcripts through the daemon: the same `ip ioam ...` and `ip -6 route ...` lines run by the
 * real `ip` against a fresh kernel namespace and by `v6stack ip` (a separate client process)
 * against a v6stack daemon process, comparing exit status, stdout and stderr line for line; then
 * the same again as an unprivileged user (setpriv uid 65534). Routes the kernel itself makes
 * (`proto kernel`: link-local prefixes and their like) are left out of route listings on both
 * sides: those are compared in ip-route.test.ts and addrconf's tests.
 */

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { chmodSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Topology, skipUnlessNetns } from './netns.ts';

const BIN = fileURLToPath(new URL('../../bin/v6stack.js', import.meta.url));
const NOBODY = ['--reuid=65534', '--regid=65534', '--clear-groups'];

interface Run {
  readonly status: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

function skipReason(): string | false {
  const ns = skipUnlessNetns();
  if (ns !== false) return ns;
  if (spawnSync('setpriv', ['--version']).status !== 0) return 'setpriv is not installed';
  return false;
}

const skip = skipReason();
let topo: Topology | undefined;
let daemon: ChildProcess | undefined;
let dir = '';
let sock = '';
const V = 'tx';

function ours(argv: readonly string[], asNobody = false): Run {
  const cmd = asNobody ? 'setpriv' : process.execPath;
  const args = [...(asNobody ? [...NOBODY, process.execPath] : []), BIN, 'ip', '-n', V, ...argv];
  const r = spawnSync(cmd, args, { encoding: 'utf8', env: { ...process.env, V6STACK_SOCKET: sock }, timeout: 30_000 });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

function theirs(argv: readonly string[], asNobody = false): Run {
  const t = topo;
  if (t === undefined) throw new Error('no topology');
  const r = asNobody ? t.tryInNs('k', 'setpriv', ...NOBODY, 'ip', ...argv) : t.tryInNs('k', 'ip', ...argv);
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

function withoutKernelRoutes(r: Run): Run {
  const keep = (s: string): string =>
    s
      .split('\n')
      .filter((l) => !l.includes(' proto kernel '))
      .join('\n');
  return { ...r, stdout: keep(r.stdout) };
}

before(async () => {
  if (skip !== false) return;
  dir = mkdtempSync(join(tmpdir(), 'v6stack-transcript-'));
  // The unprivileged client must reach the socket inside.
  chmodSync(dir, 0o755);
  sock = join(dir, 'v6stack.sock');
  const child = spawn(process.execPath, [BIN, 'daemon', '--socket', sock], { stdio: ['ignore', 'pipe', 'pipe'] });
  daemon = child;
  await new Promise<void>((resolve, reject) => {
    let out = '';
    child.stdout?.on('data', (d: Buffer) => {
      out += d.toString();
      if (out.includes('listening on')) resolve();
    });
    child.once('exit', (code) => reject(new Error(`daemon exited (${String(code)})`)));
  });
  const t = new Topology('dt');
  topo = t;
  t.addNamespace('k');
  t.inNs('k', 'ip', 'link', 'add', 'veth0', 'type', 'veth', 'peer', 'name', 'veth1');
  const made = spawnSync(process.execPath, [BIN, 'ip', 'netns', 'add', V], { encoding: 'utf8', env: { ...process.env, V6STACK_SOCKET: sock } });
  assert.equal(made.status, 0, made.stderr);
  assert.equal(ours(['link', 'add', 'veth0', 'type', 'veth', 'peer', 'name', 'veth1']).status, 0);
  for (const dev of ['veth0', 'veth1']) {
    t.inNs('k', 'ip', 'link', 'set', dev, 'up');
    assert.equal(ours(['link', 'set', dev, 'up']).status, 0);
  }
});

after(() => {
  topo?.destroy();
  if (daemon?.pid !== undefined && daemon.exitCode === null) daemon.kill('SIGTERM');
  if (dir !== '') rmSync(dir, { recursive: true, force: true });
});

const IOAM_LINES = [
  'ioam namespace add 1 data 0xdeadbeef wide 0xcafec0caf00dc0de',
  'ioam namespace add 1',
  'ioam namespace show',
  '-j ioam namespace show',
  '-j -p ioam namespace show',
  'ioam schema add 7 tiny',
  'ioam namespace set 1 schema 7',
  'ioam namespace show',
  'ioam schema show',
  'ioam namespace set 1 schema 8',
  'ioam namespace del 9',
  'ioam schema del 7',
  'ioam namespace show',
  'ioam namespace add 70000',
  'ioam namespace add',
  'ioam frobnicate',
  'ioam namespace del 1',
  'ioam namespace show',
];

const ROUTE_LINES = [
  '-6 route add 2001:db8::/64 dev veth0',
  '-6 route add 2001:db8::/64 dev veth0',
  '-6 route add 2001:db8:1::/64 via 2001:db8::2',
  '-6 route add blackhole 2001:db8:2::/64',
  '-6 route add unreachable 2001:db8:3::/64 metric 5',
  '-6 route add 2001:db8:4::/64 dev nosuch',
  '-6 route add 2001:db8:5::/200 dev veth0',
  '-6 route show',
  '-6 route del 2001:db8:9::/64',
  '-6 route del 2001:db8:1::/64',
  '-6 route show',
];

test('ip ioam through the daemon matches the kernel line for line', { skip, timeout: 180_000 }, () => {
  for (const line of IOAM_LINES) {
    const argv = line.split(' ');
    assert.deepEqual(ours(argv), theirs(argv), line);
  }
});

test('ip -6 route through the daemon matches the kernel line for line', { skip, timeout: 180_000 }, () => {
  for (const line of ROUTE_LINES) {
    const argv = line.split(' ');
    assert.deepEqual(withoutKernelRoutes(ours(argv)), withoutKernelRoutes(theirs(argv)), line);
  }
});

test('an unprivileged user (setpriv uid 65534) gets what it gets from the kernel', { skip, timeout: 180_000 }, () => {
  for (const line of ['ioam namespace add 2', 'ioam namespace show', 'ioam schema show', '-6 route add 2001:db8:6::/64 dev veth0', '-6 route show']) {
    const argv = line.split(' ');
    assert.deepEqual(withoutKernelRoutes(ours(argv, true)), withoutKernelRoutes(theirs(argv, true)), `as nobody: ${line}`);
  }
});
