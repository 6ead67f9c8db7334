import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { main } from './main.ts';
import { memoryIo } from './output.ts';
import { applyConfig, daemonKernel, groupId, runDaemon } from './daemon.ts';

function tempDir(): { dir: string; done: () => void } {
  const dir = mkdtempSync(join(tmpdir(), 'v6stack-daemon-cli-'));
  return { dir, done: () => rmSync(dir, { recursive: true, force: true }) };
}

const GOOD = [
  '# a node with two namespaces',
  'ip netns add blue',
  'ip netns add red   # the other one',
  '',
  'sysctl -w net.ipv6.ioam6_id=7',
  'sysctl --netns blue -w \\',
  '  net.ipv6.ioam6_id=9',
  'admin-group root',
].join('\n');

test('a config is applied in order, as root, to the kernel', async () => {
  const k = daemonKernel();
  const r = await applyConfig(GOOD, k);
  assert.deepEqual(r, { ok: true, adminGroups: [0] });
  assert.deepEqual(
    k.world.list().map((n) => n.name),
    ['init_net', 'blue', 'red'],
  );
  assert.equal(k.world.initNet.sysctl.get('net.ipv6.ioam6_id'), 7);
  assert.equal(k.world.byName('blue')?.sysctl.get('net.ipv6.ioam6_id'), 9);
});

test('the first failing line stops the config and is named with its message', async () => {
  const cases: [string, number, string][] = [
    ['ip netns add a\nip netns add a\n', 2, 'Cannot create namespace file "/run/netns/a": File exists'],
    ['# c\nsysctl -w net.ipv6.ioam6_id=x\n', 2, 'sysctl: setting key "net.ipv6.ioam6_id": Invalid argument'],
    ['\n\nroute add ::/0\n', 3, 'unknown command "route" (a line is ip ..., sysctl ... or admin-group NAME)'],
    ['ip netns add "a\n', 1, 'Unterminated quoted string'],
    ['admin-group no-such-group-here\n', 1, 'admin-group: no group named "no-such-group-here"'],
    ['ip -n nope netns\n', 1, 'Cannot open network namespace "nope": No such file or directory'],
  ];
  for (const [text, lineno, message] of cases) {
    const r = await applyConfig(text, daemonKernel());
    assert.deepEqual(r, { ok: false, failure: { lineno, message } }, text);
  }
});

test('daemon --check validates without starting and names the bad line', async () => {
  const t = tempDir();
  try {
    const good = join(t.dir, 'good.conf');
    const bad = join(t.dir, 'bad.conf');
    writeFileSync(good, GOOD);
    writeFileSync(bad, 'ip netns add x\nsysctl -w net.ipv6.nope=1\nip netns add y\n');
    let io = memoryIo({ V6STACK_SOCKET: join(t.dir, 'never.sock') });
    assert.equal(await main(['daemon', '--check', good], io), 0);
    assert.equal(io.out.text, `${good}: OK\n`);
    assert.equal(existsSync(join(t.dir, 'never.sock')), false);
    io = memoryIo();
    assert.equal(await main(['daemon', '--check', bad], io), 1);
    assert.equal(io.err.text, `v6stack daemon: ${bad}:2: sysctl: cannot stat /proc/sys/net/ipv6/nope: No such file or directory\n`);
    io = memoryIo();
    assert.equal(await main(['daemon', '--check', join(t.dir, 'missing.conf')], io), 1);
    assert.equal(io.err.text, `v6stack daemon: cannot read ${join(t.dir, 'missing.conf')}: No such file or directory\n`);
  } finally {
    t.done();
  }
});

test('the daemon applies its config, serves, and removes its socket when stopped', async () => {
  const t = tempDir();
  try {
    const conf = join(t.dir, 'node.conf');
    writeFileSync(conf, GOOD);
    const sock = join(t.dir, 'run', 'v6stack.sock');
    let stop = (): void => undefined;
    const stopped = new Promise<void>((resolve) => (stop = resolve));
    const dio = memoryIo();
    const daemon = runDaemon(['--socket', sock, '--config', conf], dio, stopped);
    while (!existsSync(sock)) await new Promise((r) => setTimeout(r, 5));
    const io = memoryIo({ V6STACK_SOCKET: sock });
    assert.equal(await main(['ip', 'netns', 'list'], io), 0);
    assert.equal(io.out.text, 'red\nblue\n');
    const io2 = memoryIo({ V6STACK_SOCKET: sock });
    assert.equal(await main(['sysctl', 'net.ipv6.ioam6_id'], io2), 0);
    assert.equal(io2.out.text, 'net.ipv6.ioam6_id = 7\n');
    stop();
    assert.equal(await daemon, 0);
    assert.equal(dio.out.text, `v6stack daemon: listening on ${sock}\nv6stack daemon: stopped\n`);
    assert.equal(existsSync(sock), false);
  } finally {
    t.done();
  }
});

test('a bad config keeps the daemon from starting; bad options are usage errors', async () => {
  const t = tempDir();
  try {
    const conf = join(t.dir, 'bad.conf');
    writeFileSync(conf, 'ip netns add a\nfrobnicate\n');
    const sock = join(t.dir, 'v6stack.sock');
    const io = memoryIo();
    assert.equal(await runDaemon(['--socket', sock, '--config', conf], io, Promise.resolve()), 1);
    assert.equal(io.err.text, `v6stack daemon: ${conf}:2: unknown command "frobnicate" (a line is ip ..., sysctl ... or admin-group NAME)\n`);
    assert.equal(existsSync(sock), false);
    const io2 = memoryIo();
    assert.equal(await runDaemon(['--bogus'], io2, Promise.resolve()), 2);
    assert.match(io2.err.text, /unknown option '--bogus'/);
  } finally {
    t.done();
  }
});

test('groups resolve from the group file', () => {
  const t = tempDir();
  try {
    const f = join(t.dir, 'group');
    writeFileSync(f, 'root:x:0:\nnetadmin:x:1234:alice,bob\nbroken:x:zz:\n');
    assert.equal(groupId('netadmin', f), 1234);
    assert.equal(groupId('broken', f), undefined);
    assert.equal(groupId('nobody-here', f), undefined);
    assert.equal(groupId('root', join(t.dir, 'missing')), undefined);
  } finally {
    t.done();
  }
});
