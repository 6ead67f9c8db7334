// Source address selection rule by rule (ipv6_get_saddr_eval of Linux 6.18). The same choices
// are checked against the kernel's `ip -6 route get` and UDP sockets in
// test/interop/ip-route.test.ts; these cases reach the rules the kernel test cannot set up
// (temporary addresses, ORCHID pairs) and the candidate-set rules.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import type { NetDevice } from '../net/netdevice.ts';
import { IFA_F_DEPRECATED, IFA_F_TEMPORARY, IFA_F_TENTATIVE } from '../uapi/if_addr.ts';
import { formatIpv6Address, parseIpv6Address } from '../wire/address.ts';
import type { Inet6Dev, Inet6Ifaddr } from './addrconf.ts';
import { addrClass, addrLabel, commonPrefixLen, IPV6_ADDR_SCOPE_GLOBAL, IPV6_ADDR_SCOPE_LINKLOCAL, IPV6_PREFER_SRC_PUBLIC, IPV6_PREFER_SRC_TMP, selectSaddr, useOifAddrsOnly } from './addrconf-saddr.ts';

function a(text: string): Uint8Array {
  const v = parseIpv6Address(text);
  assert.ok(v !== undefined, text);
  return v;
}

/** An inet6_dev with `addrs` ("addr/plen" and flags) on a device of index `ifindex`. */
function idev(ifindex: number, addrs: ReadonlyArray<readonly [string, number?]>): Inet6Dev {
  const dev = { ifindex } as unknown as NetDevice;
  const d = { dev, ifFlags: 0, addrGenMode: 0, addrs: [] as Inet6Ifaddr[], conf: new Map(), tstamp: 0, dead: false, acList: [] } as Inet6Dev;
  for (const [text, flags = 0] of addrs) {
    const [addr = '', plen = '128'] = text.split('/');
    (d.addrs as Inet6Ifaddr[]).push({ addr: a(addr), peer: undefined, prefixLen: Number(plen), flags, scope: 0, validLft: 0, preferedLft: 0, cstamp: 0, tstamp: 0, rtPriority: 0, proto: 0, idev: d, prefixRoute: true });
  }
  return d;
}

function pick(devs: Inet6Dev[], dst: string, oif = 0, prefs = 0, useTempaddr = 0): string | undefined {
  const r = selectSaddr(devs, a(dst), oif, prefs, () => useTempaddr);
  return r === undefined ? undefined : formatIpv6Address(r.addr);
}

test('address classes: scopes of __ipv6_addr_type', () => {
  assert.equal(addrClass(a('2001:db8::1')).scope, IPV6_ADDR_SCOPE_GLOBAL);
  assert.equal(addrClass(a('fd00::1')).scope, IPV6_ADDR_SCOPE_GLOBAL);
  assert.equal(addrClass(a('fe80::1')).scope, IPV6_ADDR_SCOPE_LINKLOCAL);
  assert.equal(addrClass(a('fec0::1')).scope, 5);
  assert.equal(addrClass(a('::1')).scope, IPV6_ADDR_SCOPE_LINKLOCAL);
  assert.equal(addrClass(a('ff05::1')).scope, 5);
  assert.ok(addrClass(a('::')).any);
  assert.ok(addrClass(a('::ffff:192.0.2.1')).preferred);
  assert.equal(useOifAddrsOnly(a('ff0e::1'), 0), true);
  assert.equal(useOifAddrsOnly(a('2001:db8::1'), 0), false);
  assert.equal(useOifAddrsOnly(a('2001:db8::1'), 1), true);
});

test('default policy labels (addrlabel.c) and common prefix lengths', () => {
  assert.deepEqual(
    ['::1', '::ffff:1.2.3.4', '::1.2.3.4', '2001::1', '2001:10::1', '2002::1', 'fec0::1', 'fc00::1', '2001:db8::1'].map((x) => addrLabel(a(x))),
    [0, 4, 3, 6, 7, 2, 11, 5, 1],
  );
  assert.equal(commonPrefixLen(a('2001:db8::1'), a('2001:db8::1')), 128);
  assert.equal(commonPrefixLen(a('2001:db8::'), a('2001:db8:8000::')), 32);
  assert.equal(commonPrefixLen(a('8000::'), a('::')), 0);
});

test('rules 2, 3, 5, 7, ORCHID and 8, and ties keep the first candidate', () => {
  const d0 = idev(2, [['2001:db8::1/64'], ['2001:db8::2/64', IFA_F_DEPRECATED], ['fe80::1/64']]);
  const d1 = idev(3, [['2001:db8:1::1/64'], ['2001:db8:1::2/64', IFA_F_TEMPORARY], ['fe80::2/64', IFA_F_TENTATIVE]]);
  // Rule 2: enough scope, the smallest; link-local destinations get link-local sources.
  assert.equal(pick([d0, d1], 'fe80::9', 2), 'fe80::1');
  // Rule 3 before rule 8.
  assert.equal(pick([d0], '2001:db8::2:0:0:0'), '2001:db8::1');
  // Rule 5.
  assert.equal(pick([d0, d1], '3000::1', 3), '2001:db8:1::1');
  // Rule 7: public first, unless use_tempaddr >= 2 or the socket prefers temporary ones.
  assert.equal(pick([d1], '3000::1', 3), '2001:db8:1::1');
  assert.equal(pick([d1], '3000::1', 3, 0, 2), '2001:db8:1::2');
  assert.equal(pick([d1], '3000::1', 3, IPV6_PREFER_SRC_TMP), '2001:db8:1::2');
  assert.equal(pick([d1], '3000::1', 3, IPV6_PREFER_SRC_PUBLIC | IPV6_PREFER_SRC_TMP, 0), '2001:db8:1::2');
  assert.equal(pick([d1], '3000::1', 3, IPV6_PREFER_SRC_PUBLIC, 2), '2001:db8:1::1');
  // ORCHID: neither label matches 3000::1 (label 1); the non-ORCHID candidate goes with the
  // non-ORCHID destination, though both share 3 leading bits with it and the ORCHID one is first.
  const o = idev(4, [['2001:10::1/64'], ['2002::1/64']]);
  assert.equal(pick([o], '3000::1'), '2002::1');
  // Rule 8, capped at the candidate's prefix length: /48 and /64 both match 64 bits here.
  const p = idev(5, [['2001:db8:aa::1/48'], ['2001:db8:aa:0:1::1/64']]);
  assert.equal(pick([p], '2001:db8:aa:0:2::9'), '2001:db8:aa:0:1::1');
  // A tie on every rule keeps the first: device order, then list order.
  const t = idev(6, [['2001:db8:5::1/64']]);
  const u = idev(7, [['2001:db8:5::1:1/64']]);
  assert.equal(pick([t, u], '4000::1'), '2001:db8:5::1');
  assert.equal(pick([u, t], '4000::1'), '2001:db8:5::1:1');
  // Tentative, unspecified and multicast addresses are never candidates.
  assert.equal(pick([idev(8, [['fe80::3/64', IFA_F_TENTATIVE], ['::/128'], ['ff02::1/128']])], 'fe80::4'), undefined);
});

test('selection never throws and returns a candidate of the given devices', () => {
  const addr = fc.uint8Array({ minLength: 16, maxLength: 16 });
  fc.assert(
    fc.property(fc.array(fc.tuple(addr, fc.integer({ min: 0, max: 128 }), fc.integer({ min: 0, max: 0xff })), { maxLength: 8 }), addr, fc.integer({ min: 0, max: 4 }), (cands, dst, oif) => {
      const d = idev(2, []);
      for (const [x, plen, flags] of cands) {
        (d.addrs as Inet6Ifaddr[]).push({ addr: x, peer: undefined, prefixLen: plen, flags, scope: 0, validLft: 0, preferedLft: 0, cstamp: 0, tstamp: 0, rtPriority: 0, proto: 0, idev: d, prefixRoute: false });
      }
      const r = selectSaddr([d], dst, oif, 0, () => 0);
      assert.ok(r === undefined || d.addrs.includes(r));
    }),
  );
});
