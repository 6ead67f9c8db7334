import { test } from 'node:test';
import assert from 'node:assert/strict';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { main } from './main.ts';
import { memoryIo } from './output.ts';
import { takeSocketOption } from './ip.ts';
import { withDaemon } from '../../test/support/daemon.ts';

test('ip netns add, list (newest first, as a readdir of /run/netns), delete', async () => {
  await withDaemon(async (run) => {
    assert.deepEqual(await run('ip', 'netns', 'add', 'blue'), { code: 0, out: '', err: '' });
    assert.deepEqual(await run('ip', 'netns', 'add', 'red'), { code: 0, out: '', err: '' });
    assert.deepEqual(await run('ip', 'netns', 'list'), { code: 0, out: 'red\nblue\n', err: '' });
    assert.deepEqual(await run('ip', 'netns'), { code: 0, out: 'red\nblue\n', err: '' });
    assert.deepEqual(await run('ip', 'netns', 'add', 'red'), {
      code: 1,
      out: '',
      err: 'Cannot create namespace file "/run/netns/red": File exists\n',
    });
    assert.deepEqual(await run('ip', 'netns', 'del', 'red'), { code: 0, out: '', err: '' });
    assert.deepEqual(await run('ip', 'netns', 'del', 'red'), {
      code: 1,
      out: '',
      err: 'Cannot remove namespace file "/run/netns/red": No such file or directory\n',
    });
    assert.deepEqual(await run('ip', 'netns', 'add'), { code: 1, out: '', err: 'No netns name specified\n' });
    assert.deepEqual(await run('ip', 'netns', 'foo'), { code: 255, out: '', err: 'Command "foo" is unknown, try "ip netns help".\n' });
    assert.deepEqual(await run('ip', 'netns', 'show'), { code: 0, out: 'blue\n', err: '' });
    for (const bad of ['a/b', '.', '..', 'x'.repeat(256)]) {
      assert.deepEqual(await run('ip', 'netns', 'add', bad), { code: 255, out: '', err: `Invalid netns name "${bad}"\n` });
    }
    assert.equal((await run('ip', 'netns', 'add', 'x'.repeat(255))).code, 0);
  });
});

test('ip -n NAME needs a namespace the daemon hosts', async () => {
  await withDaemon(async (run) => {
    assert.deepEqual(await run('ip', '-n', 'nope', 'netns'), {
      code: 255,
      out: '',
      err: 'Cannot open network namespace "nope": No such file or directory\n',
    });
    await run('ip', 'netns', 'add', 'blue');
    assert.deepEqual(await run('ip', '-n', 'blue', 'netns'), { code: 0, out: 'blue\n', err: '' });
  });
});

test('an unprivileged peer cannot add namespaces, and can list them', async () => {
  await withDaemon(
    async (run, server) => {
      assert.ok(server.kernel.world.createNet('blue').ok);
      assert.deepEqual(await run('ip', 'netns', 'add', 'x'), {
        code: 1,
        out: '',
        err: 'mount --make-shared /run/netns failed: Operation not permitted\n',
      });
      assert.deepEqual(await run('ip', 'netns', 'del', 'blue'), {
        code: 1,
        out: '',
        err: 'Cannot remove namespace file "/run/netns/blue": Permission denied\n',
      });
      assert.deepEqual(await run('ip', 'netns', 'list'), { code: 0, out: 'blue\n', err: '' });
    },
    { peerCredentials: () => ({ pid: 99, uid: 65534, gid: 65534 }) },
  );
});

test('without a daemon every client command says how to start one and exits 1', async () => {
  const path = join(tmpdir(), 'v6stack-absent', 'v6stack.sock');
  for (const argv of [['ip', 'netns'], ['sysctl', 'net.ipv6.ioam6_id'], ['nstat']]) {
    const io = memoryIo({ V6STACK_SOCKET: path });
    assert.equal(await main(argv, io), 1);
    assert.equal(io.out.text, '');
    assert.equal(
      io.err.text,
      `v6stack: cannot reach the v6stack daemon at ${path}: No such file or directory\n` +
        "Start one with 'v6stack daemon' (as root), or point to a running one with --socket PATH or V6STACK_SOCKET=PATH.\n",
    );
  }
});

test('usage needs no daemon: ip help and ip OBJECT help print as ip does (stderr, exit 255)', async () => {
  const path = join(tmpdir(), 'v6stack-absent', 'v6stack.sock');
  for (const [argv, first] of [
    [['ip', 'help'], 'Usage: ip [ OPTIONS ] OBJECT { COMMAND | help }\n'],
    [['ip', 'ioam', 'help'], 'Usage:\tip ioam { COMMAND | help }\n'],
  ] as const) {
    const io = memoryIo({ V6STACK_SOCKET: path });
    assert.equal(await main(argv, io), 255, argv.join(' '));
    assert.equal(io.out.text, '');
    assert.ok(io.err.text.startsWith(first), io.err.text);
  }
});

test('--socket PATH comes first and wins over V6STACK_SOCKET', async () => {
  assert.deepEqual(takeSocketOption(['--socket', '/a', 'link']), { socket: '/a', rest: ['link'] });
  assert.deepEqual(takeSocketOption(['--socket=/b']), { socket: '/b', rest: [] });
  assert.deepEqual(takeSocketOption(['link', '--socket', '/a']), { socket: undefined, rest: ['link', '--socket', '/a'] });
  assert.deepEqual(takeSocketOption(['--socket']), { error: "option '--socket' needs a value (PATH)" });
  await withDaemon(async (_run, server) => {
    const io = memoryIo({ V6STACK_SOCKET: '/nonexistent/v6stack.sock' });
    assert.equal(await main(['ip', '--socket', server.path, 'netns', 'add', 'blue'], io), 0);
    assert.ok(server.kernel.world.byName('blue') !== undefined);
  });
});

test('objects without a handler answer as runIp does', async () => {
  await withDaemon(async (run) => {
    const r = await run('ip', 'xfrm', 'state');
    assert.deepEqual(r, { code: 1, out: '', err: 'Object "xfrm" is not supported by v6stack.\n' });
  });
});
