import assert from 'node:assert/strict';
import { test } from 'node:test';
import { EACCES, EINVAL, ENOENT } from '../uapi/errno.ts';
import { SysctlTable, registerIpv6Sysctls, sysctlPath } from './sysctl.ts';

function errnoOf(r: { ok: boolean; error?: { errno: number } }): number {
  return r.ok ? 0 : (r.error?.errno ?? -1);
}

function fresh(): { table: SysctlTable; s: ReturnType<typeof registerIpv6Sysctls> } {
  const table = new SysctlTable();
  return { table, s: registerIpv6Sysctls(table) };
}

test('IPv6 defaults are Linux 6.18 defaults (as /proc/sys/net/ipv6 shows them)', () => {
  const { table } = fresh();
  const expected: Record<string, string> = {
    'net.ipv6.ioam6_id': '16777215',
    'net.ipv6.ioam6_id_wide': '72057594037927935',
    'net.ipv6.flowlabel_consistency': '1',
    'net.ipv6.flowlabel_state_ranges': '0',
    'net.ipv6.auto_flowlabels': '1',
    'net.ipv6.flowlabel_reflect': '0',
    'net.ipv6.ip6frag_high_thresh': '4194304',
    'net.ipv6.ip6frag_low_thresh': '3145728',
    'net.ipv6.ip6frag_time': '60',
    'net.ipv6.max_hbh_opts_number': '8',
    'net.ipv6.max_dst_opts_number': '8',
    'net.ipv6.max_hbh_length': '2147483647',
    'net.ipv6.max_dst_opts_length': '2147483647',
    'net.ipv6.icmp.ratelimit': '100',
    'net.ipv6.icmp.echo_ignore_all': '0',
    'net.ipv6.conf.all.forwarding': '0',
    'net.ipv6.conf.default.hop_limit': '64',
    'net.ipv6.conf.default.mtu': '1280',
    'net.ipv6.conf.all.ioam6_enabled': '0',
    'net.ipv6.conf.default.ioam6_id': '65535',
    'net.ipv6.conf.default.ioam6_id_wide': '4294967295',
  };
  for (const [name, text] of Object.entries(expected)) {
    const r = table.read(name);
    assert.ok(r.ok, name);
    assert.equal(r.value, text, name);
  }
});

test('typed handles read the stored value; jiffies handlers store jiffies', () => {
  const { s } = fresh();
  assert.equal(s.ipv6.ioam6_id.value, 0xffffff);
  assert.equal(s.ipv6.ioam6_id_wide.value, 0xffffffffffffffn);
  assert.equal(s.ipv6.ip6frag_time.value, 60_000);
  assert.equal(s.icmp.ratelimit.value, 100);
  assert.equal(s.ipv6.ip6frag_high_thresh.value, 4194304n);
});

test('names: dotted and slashed forms, procps separator swap', () => {
  assert.equal(sysctlPath('net.ipv6.ioam6_id'), 'net/ipv6/ioam6_id');
  assert.equal(sysctlPath('net/ipv6/ioam6_id'), 'net/ipv6/ioam6_id');
  assert.equal(sysctlPath('net.ipv6.conf.eth0/100.forwarding'), 'net/ipv6/conf/eth0.100/forwarding');
  assert.equal(sysctlPath('/proc/sys/net/ipv6/ioam6_id'), 'net/ipv6/ioam6_id');
  const { table } = fresh();
  table.addInstance('net.ipv6.conf', 'eth0.100');
  const e = table.lookup('net.ipv6.conf.eth0/100.forwarding');
  assert.ok(e);
  assert.equal(e.name, 'net.ipv6.conf.eth0/100.forwarding');
  assert.equal(table.lookup('net/ipv6/conf/eth0.100/forwarding'), e);
});

test('minmax: out-of-range writes fail with EINVAL and change nothing', () => {
  const { table, s } = fresh();
  assert.equal(errnoOf(table.write('net.ipv6.ioam6_id', '16777216')), EINVAL);
  assert.equal(s.ipv6.ioam6_id.value, 0xffffff);
  assert.equal(errnoOf(table.write('net.ipv6.ioam6_id', '-1')), EINVAL);
  assert.equal(errnoOf(table.write('net.ipv6.ioam6_id', ' 42\n')), 0);
  assert.equal(s.ipv6.ioam6_id.value, 42);
  assert.equal(errnoOf(table.write('net.ipv6.auto_flowlabels', '4')), EINVAL);
  assert.equal(errnoOf(table.write('net.ipv6.auto_flowlabels', '3')), 0);
  assert.equal(errnoOf(table.write('net.ipv6.flowlabel_consistency', '256')), EINVAL);
  assert.equal(errnoOf(table.write('net.ipv6.flowlabel_reflect', '8')), EINVAL);
  assert.equal(errnoOf(table.write('net.ipv6.conf.all.hop_limit', '0')), EINVAL);
  assert.equal(errnoOf(table.write('net.ipv6.conf.all.mtu', '1279')), EINVAL);
  assert.equal(errnoOf(table.write('net.ipv6.ioam6_id_wide', '72057594037927936')), EINVAL);
  assert.equal(errnoOf(table.write('net.ipv6.ioam6_id_wide', '0x00ffffffffffffff')), 0);
  assert.equal(errnoOf(table.set('net.ipv6.ioam6_id', 0x1000000)), EINVAL);
  assert.equal(errnoOf(table.set('net.ipv6.ioam6_id', 7n)), EINVAL);
});

test('plain dointvec accepts any int, including negatives, and rejects overflow', () => {
  const { table, s } = fresh();
  assert.equal(errnoOf(table.write('net.ipv6.max_hbh_opts_number', '-1')), 0);
  assert.equal(s.ipv6.max_hbh_opts_number.value, -1);
  assert.equal(errnoOf(table.write('net.ipv6.max_hbh_opts_number', '2147483648')), EINVAL);
  assert.equal(errnoOf(table.write('net.ipv6.max_hbh_opts_number', '-2147483648')), 0);
});

test('text parsing follows strtoul base 0 and rejects junk', () => {
  const { table, s } = fresh();
  assert.equal(errnoOf(table.write('net.ipv6.ioam6_id', '0x10')), 0);
  assert.equal(s.ipv6.ioam6_id.value, 16);
  assert.equal(errnoOf(table.write('net.ipv6.ioam6_id', '010')), 0);
  assert.equal(s.ipv6.ioam6_id.value, 8);
  for (const junk of ['', 'abc', '08', '1.5', '1 2', '--1', '0x']) {
    assert.equal(errnoOf(table.write('net.ipv6.ioam6_id', junk)), EINVAL, junk);
  }
  assert.equal(s.ipv6.ioam6_id.value, 8);
});

test('jiffies handlers: seconds and milliseconds in text, jiffies stored', () => {
  const { table, s } = fresh();
  assert.equal(errnoOf(table.write('net.ipv6.ip6frag_time', '30')), 0);
  assert.equal(s.ipv6.ip6frag_time.value, 30_000);
  assert.deepEqual(table.read('net.ipv6.ip6frag_time'), { ok: true, value: '30' });
  assert.equal(errnoOf(table.write('net.ipv6.ip6frag_time', '2147484')), EINVAL);
  assert.equal(errnoOf(table.write('net.ipv6.icmp.ratelimit', '250')), 0);
  assert.equal(s.icmp.ratelimit.value, 250);
  assert.deepEqual(table.read('net.ipv6.icmp.ratelimit'), { ok: true, value: '250' });
});

test('ip6frag thresholds bound each other', () => {
  const { table } = fresh();
  assert.equal(errnoOf(table.write('net.ipv6.ip6frag_low_thresh', '4194305')), EINVAL);
  assert.equal(errnoOf(table.write('net.ipv6.ip6frag_high_thresh', '3145727')), EINVAL);
  assert.equal(errnoOf(table.write('net.ipv6.ip6frag_high_thresh', '3145728')), 0);
  assert.equal(errnoOf(table.write('net.ipv6.ip6frag_low_thresh', '3145729')), EINVAL);
  assert.equal(errnoOf(table.write('net.ipv6.ip6frag_low_thresh', '-1')), EINVAL);
});

test('unknown names, read-only entries and strings', () => {
  const table = new SysctlTable();
  assert.equal(errnoOf(table.write('net.nope', '1')), ENOENT);
  assert.equal(errnoOf(table.read('net.nope')), ENOENT);
  table.register('kernel', { name: 'version', handler: 'dostring', default: 'v6stack', maxlen: 8, mode: 0o444 });
  assert.equal(errnoOf(table.write('kernel.version', 'x')), EACCES);
  const host = table.register('kernel', { name: 'hostname', handler: 'dostring', default: 'node', maxlen: 6 });
  assert.equal(errnoOf(table.write('kernel.hostname', 'router-1\nignored')), 0);
  assert.equal(host.value, 'route');
  assert.throws(() => table.register('kernel', { name: 'hostname', handler: 'dointvec', default: 0 }), /already registered/);
  assert.throws(() => table.register('x', { name: 'bad', handler: 'dou8vec_minmax', default: 300 }), /invalid/);
});

test('change hooks run after a write that changes the value', () => {
  const { table } = fresh();
  const seen: string[] = [];
  const off = table.onChange('net.ipv6.conf.all.forwarding', (e, old) => seen.push(`${e.name}:${old}->${e.value}`));
  table.write('net.ipv6.conf.all.forwarding', '1');
  table.write('net.ipv6.conf.all.forwarding', '1');
  table.write('net.ipv6.conf.all.forwarding', 'bogus');
  off();
  table.write('net.ipv6.conf.all.forwarding', '0');
  assert.deepEqual(seen, ['net.ipv6.conf.all.forwarding:0->1']);
});

test('per-device family: all and default exist; a device copies default', () => {
  const { table } = fresh();
  assert.deepEqual(table.instances('net.ipv6.conf'), ['all', 'default']);
  table.write('net.ipv6.conf.default.hop_limit', '32');
  table.write('net.ipv6.conf.all.hop_limit', '200');
  table.addInstance('net.ipv6.conf', 'eth0');
  assert.deepEqual(table.read('net.ipv6.conf.eth0.hop_limit'), { ok: true, value: '32' });
  assert.deepEqual(table.read('net.ipv6.conf.eth0.ioam6_enabled'), { ok: true, value: '0' });
  assert.throws(() => table.addInstance('net.ipv6.conf', 'eth0'), /already exists/);
  assert.throws(() => table.addInstance('net.ipv6.conf', 'all'), /reserved/);
  assert.equal(table.list('net.ipv6.conf.eth0').length, 7);
  assert.equal(table.removeInstance('net.ipv6.conf', 'eth0'), true);
  assert.equal(table.lookup('net.ipv6.conf.eth0.hop_limit'), undefined);
  assert.equal(table.removeInstance('net.ipv6.conf', 'default'), false);
});

test('listing is sorted and prefix-filtered; unregister removes a directory', () => {
  const { table } = fresh();
  const names = table.list('net.ipv6.icmp').map((e) => e.name);
  assert.deepEqual(names, [
    'net.ipv6.icmp.echo_ignore_all',
    'net.ipv6.icmp.echo_ignore_anycast',
    'net.ipv6.icmp.echo_ignore_multicast',
    'net.ipv6.icmp.error_anycast_as_unicast',
    'net.ipv6.icmp.ratelimit',
  ]);
  assert.equal(table.unregister('net.ipv6.icmp'), 5);
  assert.equal(table.list('net.ipv6.icmp').length, 0);
  assert.ok(table.list('net').length > 0);
});
