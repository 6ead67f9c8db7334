import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { release } from 'node:os';
import { test } from 'node:test';
import {
  ICMP6_MIB_INMSGS,
  ICMP6_MIB_MAX,
  IPSTATS_MIB_INPKTS,
  IPSTATS_MIB_INHDRERRORS,
  IPSTATS_MIB_MAX,
  IPSTATS_MIB_NOECTPKTS,
  IPSTATS_MIB_OUTPKTS,
  IPSTATS_MIB_OUTREQUESTS,
  IPSTATS_MIB_REASMFAILS,
  Ipv6Mib,
  SNMP6_IPSTATS_LIST,
  UDP_MIB_IGNOREDMULTI,
  UDP_MIB_NOPORTS,
  formatNstat,
  formatSnmp6,
} from './mib.ts';

test('indices are Linux 6.18 snmp.h values', () => {
  assert.equal(IPSTATS_MIB_INPKTS, 1);
  assert.equal(IPSTATS_MIB_NOECTPKTS, 4);
  assert.equal(IPSTATS_MIB_OUTREQUESTS, 8);
  assert.equal(IPSTATS_MIB_OUTPKTS, 9);
  assert.equal(IPSTATS_MIB_INHDRERRORS, 12);
  assert.equal(IPSTATS_MIB_MAX, 38);
  assert.equal(ICMP6_MIB_MAX, 7);
  // Every ipstats slot but NUM, InBcastPkts, OutBcastPkts, CsumErrors and ReasmOverlaps is listed once.
  const listed = new Set(SNMP6_IPSTATS_LIST.map(([, i]) => i));
  assert.equal(listed.size, SNMP6_IPSTATS_LIST.length);
  assert.equal(listed.size, IPSTATS_MIB_MAX - 5);
});

test('inc, add and the counters are per instance', () => {
  const a = new Ipv6Mib();
  const b = new Ipv6Mib();
  a.inc(IPSTATS_MIB_INPKTS);
  a.inc(IPSTATS_MIB_INPKTS);
  a.add(IPSTATS_MIB_REASMFAILS, 5);
  a.icmp6.inc(ICMP6_MIB_INMSGS);
  a.udp6.inc(UDP_MIB_NOPORTS);
  assert.equal(a.ip.get(IPSTATS_MIB_INPKTS), 2);
  assert.equal(a.ip.get(IPSTATS_MIB_REASMFAILS), 5);
  assert.equal(b.ip.get(IPSTATS_MIB_INPKTS), 0);
  const snap = new Map(a.snapshot());
  assert.equal(snap.get('Ip6InReceives'), 2);
  assert.equal(snap.get('Icmp6InMsgs'), 1);
  assert.equal(snap.get('Udp6NoPorts'), 1);
  a.ip.reset();
  assert.equal(a.ip.get(IPSTATS_MIB_INPKTS), 0);
});

test('ICMPv6 message counters print by name always and by number when non-zero', () => {
  const m = new Ipv6Mib();
  m.icmp6MsgIn(1);
  m.icmp6MsgOut(135);
  m.icmp6MsgOut(200);
  const text = formatSnmp6(m);
  const lines = text.split('\n');
  assert.ok(lines.includes(`${'Icmp6InDestUnreachs'.padEnd(32)}\t1`));
  assert.ok(lines.includes(`${'Icmp6OutNeighborSolicits'.padEnd(32)}\t1`));
  assert.ok(lines.includes(`${'Icmp6InEchos'.padEnd(32)}\t0`));
  const numbered = text.split('\n').filter((l) => /Type\d+/.test(l)).map((l) => l.split(/\s+/)[0]);
  assert.deepEqual(numbered, ['Icmp6InType1', 'Icmp6OutType135', 'Icmp6OutType200']);
});

test('/proc/net/snmp6 format: name padded to 32, a tab, the value', () => {
  const m = new Ipv6Mib();
  m.inc(IPSTATS_MIB_INPKTS);
  const lines = formatSnmp6(m).split('\n');
  assert.equal(lines[0], 'Ip6InReceives                   \t1');
  assert.equal(lines[1], 'Ip6InHdrErrors                  \t0');
  assert.equal(lines.at(-2), 'UdpLite6MemErrors               \t0');
  assert.equal(lines.at(-1), '');
});

test('nstat -a format: #kernel, non-zero counters, %-32s%-16llu%6.1f', () => {
  const m = new Ipv6Mib();
  m.inc(IPSTATS_MIB_INPKTS);
  m.udp6.add(UDP_MIB_IGNOREDMULTI, 1234567);
  // Captured from `nstat -a` on Linux 6.18 (value column starts at 33, rate ends at 54).
  assert.equal(
    formatNstat(m),
    '#kernel\n' +
      'Ip6InReceives                   1                  0.0\n' +
      'Udp6IgnoredMulti                1234567            0.0\n',
  );
  assert.equal(formatNstat(m, { zeros: true }).split('\n').length, 1 + m.snapshot().length + 1);
});

test('IFLA_INET6_STATS arrays carry their length in element 0', () => {
  const m = new Ipv6Mib();
  m.inc(IPSTATS_MIB_OUTPKTS);
  const ip = m.ipStatsArray();
  assert.equal(ip.length, 38);
  assert.equal(ip[0], 38n);
  assert.equal(ip[9], 1n);
  assert.deepEqual(m.icmp6StatsArray(), [7n, 0n, 0n, 0n, 0n, 0n, 0n]);
});

function kernelAtLeast(major: number, minor: number): boolean {
  const [a = 0, b = 0] = release().split('.').map((x) => parseInt(x, 10));
  return a > major || (a === major && b >= minor);
}

test(
  'names and order match this host’s /proc/net/snmp6',
  {
    skip: !existsSync('/proc/net/snmp6')
      ? 'no /proc/net/snmp6 (not Linux, or IPv6 disabled)'
      : !kernelAtLeast(6, 15)
        ? `host kernel ${release()} predates the 6.15 counter set`
        : false,
  },
  () => {
    const host = readFileSync('/proc/net/snmp6', 'utf8')
      .split('\n')
      .map((l) => l.split(/\s+/)[0] ?? '')
      .filter((n) => n !== '' && !/Type\d+$/.test(n));
    const ours = new Ipv6Mib().snapshot().map(([n]) => n);
    assert.deepEqual(ours, host);
  },
);
