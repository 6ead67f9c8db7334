import { test } from 'node:test';
import assert from 'node:assert/strict';
import { dottedName } from './sysctl.ts';
import { withDaemon } from '../../test/support/daemon.ts';

test('dotted names as procps prints them', () => {
  assert.equal(dottedName('net/ipv6/conf/eth0.100/mtu'), 'net.ipv6.conf.eth0/100.mtu');
  assert.equal(dottedName('net.ipv6.ioam6_id'), 'net.ipv6.ioam6_id');
});

test('reads, writes and errors print as procps sysctl does', async () => {
  await withDaemon(async (run) => {
    assert.deepEqual(await run('sysctl', 'net.ipv6.ioam6_id'), { code: 0, out: 'net.ipv6.ioam6_id = 16777215\n', err: '' });
    assert.deepEqual(await run('sysctl', '-n', 'net.ipv6.ioam6_id'), { code: 0, out: '16777215\n', err: '' });
    assert.deepEqual(await run('sysctl', '-N', 'net/ipv6/ioam6_id'), { code: 0, out: 'net.ipv6.ioam6_id\n', err: '' });
    assert.deepEqual(await run('sysctl', 'net.ipv6.nope'), {
      code: 1,
      out: '',
      err: 'sysctl: cannot stat /proc/sys/net/ipv6/nope: No such file or directory\n',
    });
    assert.deepEqual(await run('sysctl', '-e', 'net.ipv6.nope'), { code: 0, out: '', err: '' });
    assert.deepEqual(await run('sysctl', '-w', 'net.ipv6.ioam6_id=abc'), {
      code: 1,
      out: '',
      err: 'sysctl: setting key "net.ipv6.ioam6_id": Invalid argument\n',
    });
    // The value is echoed as given (after leading blanks), and '=' alone means write.
    assert.deepEqual(await run('sysctl', '-w', 'net.ipv6.ioam6_id= 0x10'), { code: 0, out: 'net.ipv6.ioam6_id = 0x10\n', err: '' });
    assert.deepEqual(await run('sysctl', 'net.ipv6.ioam6_id'), { code: 0, out: 'net.ipv6.ioam6_id = 16\n', err: '' });
    assert.deepEqual(await run('sysctl', '-q', 'net.ipv6.ioam6_id=17'), { code: 0, out: '', err: '' });
    assert.deepEqual(await run('sysctl', '-w', 'net.ipv6.ioam6_id'), { code: 1, out: '', err: 'sysctl: command line(0): invalid syntax, continuing...\n' });
    // Every argument is tried; one failure makes the status 1.
    assert.deepEqual(await run('sysctl', '-w', 'a=1', 'net.ipv6.ioam6_id=5'), {
      code: 1,
      out: 'net.ipv6.ioam6_id = 5\n',
      err: 'sysctl: cannot stat /proc/sys/a: No such file or directory\n',
    });
    const all = await run('sysctl', '-a');
    assert.equal(all.code, 0);
    assert.match(all.out, /^net\.ipv6\.anycast_src_echo_reply = 0\n/);
    assert.match(all.out, /\nnet\.ipv6\.ioam6_id = 5\n/);
    assert.equal((await run('sysctl')).code, 1);
  });
});

test('--netns picks a namespace; unprivileged writes are refused and reads work', async () => {
  await withDaemon(async (run, server) => {
    await run('ip', 'netns', 'add', 'blue');
    assert.equal((await run('sysctl', '--netns', 'blue', '-w', 'net.ipv6.ioam6_id=3')).code, 0);
    assert.equal(server.kernel.world.byName('blue')?.sysctl.get('net.ipv6.ioam6_id'), 3);
    assert.deepEqual(await run('sysctl', 'net.ipv6.ioam6_id'), { code: 0, out: 'net.ipv6.ioam6_id = 16777215\n', err: '' });
    assert.deepEqual(await run('sysctl', '--netns', 'nope', 'net.ipv6.ioam6_id'), {
      code: 1,
      out: '',
      err: 'Cannot open network namespace "nope": No such file or directory\n',
    });
  });
  await withDaemon(
    async (run) => {
      assert.deepEqual(await run('sysctl', '-w', 'net.ipv6.ioam6_id=1'), {
        code: 1,
        out: '',
        err: 'sysctl: permission denied on key "net.ipv6.ioam6_id"\n',
      });
      assert.deepEqual(await run('sysctl', 'net.ipv6.ioam6_id'), { code: 0, out: 'net.ipv6.ioam6_id = 16777215\n', err: '' });
    },
    { peerCredentials: () => ({ pid: 7, uid: 1000, gid: 1000 }) },
  );
});
