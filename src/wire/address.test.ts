import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { formatIpv6Address, parseIpv6Address, parseIpv4Address, formatIpv4Address } from './address.ts';

test('RFC 5952 canonical forms', () => {
  const cases: Array<[string, string]> = [
    ['2001:0db8:0000:0000:0000:0000:0000:0001', '2001:db8::1'],
    ['2001:db8:0:0:1:0:0:1', '2001:db8::1:0:0:1'],
    ['2001:db8:0:1:1:1:1:1', '2001:db8:0:1:1:1:1:1'],
    ['0:0:0:0:0:0:0:0', '::'],
    ['::1', '::1'],
    ['fe80::', 'fe80::'],
    ['2001:DB8::AB', '2001:db8::ab'],
    ['::ffff:192.0.2.1', '::ffff:192.0.2.1'],
    ['::1.2.3.4', '::1.2.3.4'],
    ['::0.0.1.0', '::100'],
    ['::102:304', '::1.2.3.4'],
    ['2001:db8::1.2.3.4', '2001:db8::102:304'],
  ];
  for (const [input, canonical] of cases) {
    const a = parseIpv6Address(input);
    assert.ok(a, input);
    assert.equal(formatIpv6Address(a), canonical);
  }
});

test('invalid IPv6 text is refused', () => {
  for (const bad of ['', ':', '1::2::3', '12345::', '1:2:3:4:5:6:7', '1:2:3:4:5:6:7:8:9', 'g::', '::1.2.3', '1:2:3:4:5:6:7::8']) {
    assert.equal(parseIpv6Address(bad), undefined, bad);
  }
});

test('IPv4 text', () => {
  assert.deepEqual(parseIpv4Address('192.0.2.10'), Uint8Array.of(192, 0, 2, 10));
  for (const bad of ['256.0.0.1', '1.2.3', '01.2.3.4', 'a.b.c.d']) assert.equal(parseIpv4Address(bad), undefined);
  assert.equal(formatIpv4Address(Uint8Array.of(10, 0, 0, 1)), '10.0.0.1');
});

test('format then parse is the identity', () => {
  fc.assert(
    fc.property(fc.uint8Array({ minLength: 16, maxLength: 16 }), (a) => {
      assert.deepEqual(parseIpv6Address(formatIpv6Address(a)), a);
    }),
  );
});
