/**
 * The daemon as a real process: `v6stack daemon` started by node, clients as separate
 * processes (one of them unprivileged through setpriv, so its SO_PEERCRED is uid 65534), and
 * SIGTERM ending it with its socket removed. Every process started here is tracked by PID and
 * stopped before the test ends.
 */

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { chmodSync, existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const BIN = fileURLToPath(new URL('../../bin/v6stack.js', import.meta.url));

interface Run {
  readonly status: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

function client(sock: string, argv: readonly string[], asNobody = false): Run {
  const cmd = asNobody ? 'setpriv' : process.execPath;
  const args = asNobody ? ['--reuid=65534', '--regid=65534', '--clear-groups', process.execPath, BIN, ...argv] : [BIN, ...argv];
  const r = spawnSync(cmd, args, { encoding: 'utf8', env: { ...process.env, V6STACK_SOCKET: sock }, timeout: 30_000 });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** Starts the daemon and resolves once it listens. */
function startDaemon(argv: readonly string[]): Promise<{ child: ChildProcess; stdout: () => string; exited: Promise<number | null> }> {
  const child = spawn(process.execPath, [BIN, 'daemon', ...argv], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return new Promise((resolve, reject) => {
    child.stdout?.on('data', (d: Buffer) => {
      out += d.toString();
      if (out.includes('listening on')) resolve({ child, stdout: () => out, exited });
    });
    child.stderr?.on('data', (d: Buffer) => (err += d.toString()));
    void exited.then((code) => reject(new Error(`daemon exited (${String(code)}) before listening: ${err}`)));
  });
}

function rootSkip(): string | false {
  if (typeof process.getuid !== 'function' || process.getuid() !== 0) return 'needs root to run a client as another user (setpriv)';
  if (spawnSync('setpriv', ['--version']).status !== 0) return 'setpriv is not installed';
  return false;
}

test('a daemon process: config, clients in other processes, SIGTERM removes the socket', { timeout: 120_000 }, async () => {
  const dir = mkdtempSync(join(tmpdir(), 'v6stack-interop-'));
  const sock = join(dir, 'v6stack.sock');
  const conf = join(dir, 'node.conf');
  writeFileSync(conf, 'ip netns add blue\nsysctl -w net.ipv6.ioam6_id=42\n');
  let daemon: ChildProcess | undefined;
  try {
    const d = await startDaemon(['--socket', sock, '--config', conf]);
    daemon = d.child;
    assert.ok(existsSync(sock));

    assert.deepEqual(client(sock, ['ip', 'netns', 'list']), { status: 0, stdout: 'blue\n', stderr: '' });
    assert.deepEqual(client(sock, ['sysctl', 'net.ipv6.ioam6_id']), { status: 0, stdout: 'net.ipv6.ioam6_id = 42\n', stderr: '' });

    d.child.kill('SIGTERM');
    assert.equal(await d.exited, 0);
    daemon = undefined;
    assert.match(d.stdout(), /v6stack daemon: stopped\n$/);
    assert.equal(existsSync(sock), false);

    // Gone: clients say how to start one.
    const gone = client(sock, ['ip', 'netns']);
    assert.equal(gone.status, 1);
    assert.match(gone.stderr, /^v6stack: cannot reach the v6stack daemon at .*: No such file or directory\nStart one with 'v6stack daemon'/);
  } finally {
    if (daemon?.pid !== undefined && daemon.exitCode === null) daemon.kill('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
  }
});

test('an unprivileged client (setpriv uid 65534) gets EPERM for changes and reads freely', { timeout: 120_000, skip: rootSkip() }, async () => {
  const dir = mkdtempSync(join(tmpdir(), 'v6stack-interop-'));
  chmodSync(dir, 0o755);
  const sock = join(dir, 'v6stack.sock');
  const conf = join(dir, 'node.conf');
  writeFileSync(conf, 'ip netns add blue\nsysctl -w net.ipv6.ioam6_id=42\n');
  let daemon: ChildProcess | undefined;
  try {
    const d = await startDaemon(['--socket', sock, '--config', conf]);
    daemon = d.child;
    assert.deepEqual(client(sock, ['ip', 'netns', 'add', 'green'], true), {
      status: 1,
      stdout: '',
      stderr: 'mount --make-shared /run/netns failed: Operation not permitted\n',
    });
    assert.deepEqual(client(sock, ['sysctl', '-w', 'net.ipv6.ioam6_id=1'], true), {
      status: 1,
      stdout: '',
      stderr: 'sysctl: permission denied on key "net.ipv6.ioam6_id"\n',
    });
    assert.deepEqual(client(sock, ['sysctl', 'net.ipv6.ioam6_id'], true), { status: 0, stdout: 'net.ipv6.ioam6_id = 42\n', stderr: '' });
    assert.deepEqual(client(sock, ['ip', 'netns'], true), { status: 0, stdout: 'blue\n', stderr: '' });
    // Root, by contrast, may.
    assert.deepEqual(client(sock, ['ip', 'netns', 'add', 'green']), { status: 0, stdout: '', stderr: '' });
    d.child.kill('SIGTERM');
    assert.equal(await d.exited, 0);
    daemon = undefined;
  } finally {
    if (daemon?.pid !== undefined && daemon.exitCode === null) daemon.kill('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
  }
});

test('SIGINT stops the daemon cleanly too', { timeout: 60_000 }, async () => {
  const dir = mkdtempSync(join(tmpdir(), 'v6stack-interop-'));
  const sock = join(dir, 'v6stack.sock');
  let daemon: ChildProcess | undefined;
  try {
    const d = await startDaemon(['--socket', sock]);
    daemon = d.child;
    d.child.kill('SIGINT');
    assert.equal(await d.exited, 0);
    daemon = undefined;
    assert.equal(existsSync(sock), false);
  } finally {
    if (daemon?.pid !== undefined && daemon.exitCode === null) daemon.kill('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
  }
});
