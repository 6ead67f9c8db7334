import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import {
  ETH_MAX_VLAN_TAGS,
  EthernetView,
  emitEthernet,
  ethernetBufferLen,
  formatMac,
  isVlanTpid,
  parseEthernet,
  parseMac,
  type EthernetRepr,
  type VlanTag,
} from './ethernet.ts';
import { fromHex, toHex } from './bytes.ts';
import { ETH_P_8021AD, ETH_P_8021Q, ETH_P_IP, ETH_P_IPV6, ETH_P_ARP } from '../uapi/if_ether.ts';
import { LINKTYPE_ETHERNET, scapyBytes, skipUnlessScapy, skipUnlessTshark, tsharkField, tsharkJson } from '../../test/support/tools.ts';

const MAC1 = fromHex('02 00 00 00 00 01');
const MAC2 = fromHex('02 00 00 00 00 02');

/**
 * scapy 2.5: Ether(dst='02:00:00:00:00:02', src='02:00:00:00:00:01')/Dot1Q(vlan=5, prio=3)/
 * IPv6(src='2001:db8::1', dst='2001:db8::2', nh=59).
 */
const DOT1Q = fromHex(`
  020000000002 020000000001  8100 6005  86dd
  6000000000003b4020010db800000000000000000000000120010db8000000000000000000000002
`);

/** scapy 2.5: Ether(dst=..., src=...)/Dot1AD(vlan=100)/Dot1Q(vlan=5)/IP(): an S-tag over a C-tag. */
const QINQ = fromHex(`
  020000000002 020000000001  88a8 0064  8100 0005  0800
  450000140001000040007ce77f0000017f000001
`);

/** An untagged frame: scapy 2.5 Ether(dst='02:00:00:00:00:02', src='02:00:00:00:00:01', type=0x0806) header. */
const PLAIN = fromHex('020000000002 020000000001 0806');

test('getters read an 802.1Q frame', () => {
  const r = EthernetView.check(DOT1Q);
  assert.ok(r.ok);
  const v = r.value;
  assert.equal(formatMac(v.dst), '02:00:00:00:00:02');
  assert.equal(formatMac(v.src), '02:00:00:00:00:01');
  assert.equal(v.vlanCount, 1);
  assert.equal(v.vlanTpid(0), ETH_P_8021Q);
  assert.equal(v.vlanTci(0), 0x6005);
  assert.equal(v.vlanPcp(0), 3);
  assert.equal(v.vlanDei(0), false);
  assert.equal(v.vlanVid(0), 5);
  assert.equal(v.etherType, ETH_P_IPV6);
  assert.equal(v.payloadOffset, 18);
  assert.equal(v.payload.length, 40);
  assert.equal(v.payload[0], 0x60);
});

test('getters read a stacked 802.1ad + 802.1Q frame', () => {
  const r = EthernetView.check(QINQ);
  assert.ok(r.ok);
  const v = r.value;
  assert.equal(v.vlanCount, 2);
  assert.equal(v.vlanTpid(0), ETH_P_8021AD);
  assert.equal(v.vlanVid(0), 100);
  assert.equal(v.vlanTpid(1), ETH_P_8021Q);
  assert.equal(v.vlanVid(1), 5);
  assert.equal(v.etherType, ETH_P_IP);
  assert.equal(v.payloadOffset, 22);
  const p = EthernetView.check(PLAIN);
  assert.ok(p.ok);
  assert.equal(p.value.vlanCount, 0);
  assert.equal(p.value.etherType, ETH_P_ARP);
  assert.equal(p.value.payload.length, 0);
});

test('every truncation is rejected', () => {
  for (const [frame, headerLen] of [[DOT1Q, 18], [QINQ, 22], [PLAIN, 14]] as const) {
    for (let n = 0; n < headerLen; n++) {
      const r = EthernetView.check(frame.subarray(0, n));
      assert.ok(!r.ok, `length ${n}`);
      assert.equal(r.error.kind, 'truncated');
      assert.equal(parseEthernet(frame.subarray(0, n)).ok, false);
    }
    assert.ok(EthernetView.check(frame.subarray(0, headerLen)).ok);
  }
});

test('at most 7 stacked tags, as Linux __vlan_get_protocol', () => {
  const frame = (tags: number): Uint8Array => {
    const b = new Uint8Array(14 + 4 * tags);
    b.set(MAC2, 0);
    b.set(MAC1, 6);
    for (let i = 0; i < tags; i++) {
      b[12 + 4 * i] = 0x81;
      b[15 + 4 * i] = i + 1;
    }
    b[12 + 4 * tags] = 0x86;
    b[13 + 4 * tags] = 0xdd;
    return b;
  };
  const seven = parseEthernet(frame(ETH_MAX_VLAN_TAGS));
  assert.ok(seven.ok);
  assert.equal(seven.value.vlans.length, 7);
  assert.deepEqual(seven.value.vlans.map((t) => t.vid), [1, 2, 3, 4, 5, 6, 7]);
  const eight = EthernetView.check(frame(8));
  assert.ok(!eight.ok);
  assert.equal(eight.error.kind, 'limit');
  assert.equal(eight.error.offset, 12 + 4 * 7);
});

test('parse the scapy fixtures', () => {
  const a = parseEthernet(DOT1Q);
  assert.ok(a.ok);
  assert.deepEqual(a.value, {
    dst: MAC2,
    src: MAC1,
    vlans: [{ tpid: ETH_P_8021Q, pcp: 3, dei: false, vid: 5 }],
    etherType: ETH_P_IPV6,
  });
  const b = parseEthernet(QINQ);
  assert.ok(b.ok);
  assert.deepEqual(b.value.vlans, [
    { tpid: ETH_P_8021AD, pcp: 0, dei: false, vid: 100 },
    { tpid: ETH_P_8021Q, pcp: 0, dei: false, vid: 5 },
  ]);
});

test('emit equals the scapy fixtures', () => {
  for (const [frame, headerLen] of [[DOT1Q, 18], [QINQ, 22], [PLAIN, 14]] as const) {
    const r = parseEthernet(frame);
    assert.ok(r.ok);
    assert.equal(ethernetBufferLen(r.value), headerLen);
    const out = new Uint8Array(headerLen + 2);
    assert.equal(emitEthernet(r.value, out, 2), headerLen);
    assert.equal(toHex(out.subarray(2)), toHex(frame.subarray(0, headerLen)));
  }
});

test('emit refuses what would not read back', () => {
  const base: EthernetRepr = { dst: MAC2, src: MAC1, vlans: [], etherType: ETH_P_IPV6 };
  const tag: VlanTag = { tpid: ETH_P_8021Q, pcp: 0, dei: false, vid: 1 };
  assert.throws(() => emitEthernet(base, new Uint8Array(13)), RangeError);
  assert.throws(() => emitEthernet({ ...base, etherType: ETH_P_8021Q }, new Uint8Array(14)), RangeError);
  assert.throws(() => emitEthernet({ ...base, vlans: [{ ...tag, tpid: 0x9100 }] }, new Uint8Array(18)), RangeError);
  assert.throws(() => emitEthernet({ ...base, vlans: [{ ...tag, vid: 4096 }] }, new Uint8Array(18)), RangeError);
  assert.throws(() => emitEthernet({ ...base, vlans: [{ ...tag, pcp: 8 }] }, new Uint8Array(18)), RangeError);
  assert.throws(() => emitEthernet({ ...base, vlans: new Array<VlanTag>(8).fill(tag) }, new Uint8Array(46)), RangeError);
  assert.throws(() => emitEthernet({ ...base, src: new Uint8Array(5) }, new Uint8Array(14)), RangeError);
});

test('DEI and PCP bits', () => {
  const out = new Uint8Array(18);
  emitEthernet({ dst: MAC2, src: MAC1, vlans: [{ tpid: ETH_P_8021Q, pcp: 7, dei: true, vid: 4095 }], etherType: ETH_P_IP }, out);
  assert.equal(toHex(out.subarray(12)), '8100ffff0800');
  assert.equal(isVlanTpid(0x88a8), true);
  assert.equal(isVlanTpid(0x9100), false);
});

test('MAC address text', () => {
  assert.equal(formatMac(fromHex('aa bb cc dd ee ff')), 'aa:bb:cc:dd:ee:ff');
  assert.equal(formatMac(fromHex('00 01 02 03 04 05 06 07'), 2), '02:03:04:05:06:07');
  assert.deepEqual(parseMac('AA:bb:c:0d:ee:FF'), fromHex('aa bb 0c 0d ee ff'));
  for (const bad of ['', 'aa:bb:cc:dd:ee', 'aa:bb:cc:dd:ee:ff:00', 'aa:bb:cc:dd:ee:fff', 'aa-bb-cc-dd-ee-ff', 'g0:00:00:00:00:00', 'aa::cc:dd:ee:ff']) {
    assert.equal(parseMac(bad), undefined, bad);
  }
  fc.assert(
    fc.property(fc.uint8Array({ minLength: 6, maxLength: 6 }), (m) => {
      assert.deepEqual(parseMac(formatMac(m)), m);
    }),
  );
});

test('scapy agrees on tagged frames', { skip: skipUnlessScapy() }, () => {
  const e = "Ether(dst='02:00:00:00:00:02', src='02:00:00:00:00:01')";
  const got = scapyBytes([
    `${e}/Dot1Q(vlan=5, prio=3)/IPv6(src='2001:db8::1', dst='2001:db8::2', nh=59)`,
    `${e}/Dot1AD(vlan=100)/Dot1Q(vlan=5)/IP()`,
    `${e}/Dot1Q(vlan=4094, prio=5, id=1)/Dot1Q(vlan=7)/Dot1Q(vlan=8)/ARP()`,
  ]);
  assert.equal(toHex(got[0] ?? new Uint8Array(0)), toHex(DOT1Q));
  assert.equal(toHex(got[1] ?? new Uint8Array(0)), toHex(QINQ));
  const r = parseEthernet(got[2] ?? new Uint8Array(0));
  assert.ok(r.ok);
  assert.deepEqual(r.value.vlans, [
    { tpid: ETH_P_8021Q, pcp: 5, dei: true, vid: 4094 },
    { tpid: ETH_P_8021Q, pcp: 0, dei: false, vid: 7 },
    { tpid: ETH_P_8021Q, pcp: 0, dei: false, vid: 8 },
  ]);
  assert.equal(r.value.etherType, ETH_P_ARP);
});

test('tshark dissects what we emit', { skip: skipUnlessTshark() }, () => {
  const repr: EthernetRepr = {
    dst: fromHex('33 33 00 00 00 01'),
    src: fromHex('02 aa bb cc dd ee'),
    vlans: [
      { tpid: ETH_P_8021AD, pcp: 6, dei: true, vid: 300 },
      { tpid: ETH_P_8021Q, pcp: 2, dei: false, vid: 42 },
    ],
    etherType: ETH_P_IPV6,
  };
  const frame = new Uint8Array(ethernetBufferLen(repr) + 40);
  const off = emitEthernet(repr, frame);
  // A minimal IPv6 header with No Next Header, so the dissector has a payload to walk into.
  frame.set(fromHex('60000000 0000 3b 40'), off);
  const [l] = tsharkJson([frame], { linktype: LINKTYPE_ETHERNET });
  assert.ok(l);
  assert.deepEqual(tsharkField(l, 'eth.dst'), ['33:33:00:00:00:01']);
  assert.deepEqual(tsharkField(l, 'eth.src'), ['02:aa:bb:cc:dd:ee']);
  assert.deepEqual(tsharkField(l, 'eth.type'), ['0x88a8']);
  // tshark dissects the S-tag as "ieee8021ad" (its type field under the 802.1ah name).
  assert.deepEqual(tsharkField(l, 'ieee8021ad.id'), ['300']);
  assert.deepEqual(tsharkField(l, 'ieee8021ad.priority'), ['6']);
  assert.deepEqual(tsharkField(l, 'ieee8021ad.dei'), ['1']);
  assert.deepEqual(tsharkField(l, 'ieee8021ah.etype'), ['0x8100']);
  assert.deepEqual(tsharkField(l, 'vlan.id'), ['42']);
  assert.deepEqual(tsharkField(l, 'vlan.priority'), ['2']);
  assert.deepEqual(tsharkField(l, 'vlan.dei'), ['0']);
  assert.deepEqual(tsharkField(l, 'vlan.etype'), ['0x86dd']);
  assert.deepEqual(tsharkField(l, 'ipv6.nxt'), ['59']);
});

const tagArb: fc.Arbitrary<VlanTag> = fc.record(
  {
    tpid: fc.constantFrom(ETH_P_8021Q, ETH_P_8021AD),
    pcp: fc.integer({ min: 0, max: 7 }),
    dei: fc.boolean(),
    vid: fc.integer({ min: 0, max: 4095 }),
  },
  { noNullPrototype: true },
);

const reprArb: fc.Arbitrary<EthernetRepr> = fc.record(
  {
    dst: fc.uint8Array({ minLength: 6, maxLength: 6 }),
    src: fc.uint8Array({ minLength: 6, maxLength: 6 }),
    vlans: fc.array(tagArb, { maxLength: ETH_MAX_VLAN_TAGS }),
    etherType: fc.integer({ min: 0, max: 0xffff }).filter((t) => !isVlanTpid(t)),
  },
  { noNullPrototype: true },
);

test('random bytes never throw', () => {
  fc.assert(
    fc.property(fc.uint8Array({ maxLength: 60 }), fc.boolean(), (b, tagged) => {
      // Often start a tag so the walk is exercised.
      if (tagged && b.length >= 14) {
        b[12] = 0x81;
        b[13] = 0x00;
      }
      const v = EthernetView.check(b);
      if (v.ok) {
        for (let i = 0; i < v.value.vlanCount; i++) v.value.vlanVid(i);
        void v.value.etherType;
        void v.value.payload;
      }
      parseEthernet(b);
    }),
  );
});

test('parse(emit(r)) deep-equals r', () => {
  fc.assert(
    fc.property(reprArb, fc.nat({ max: 4 }), (repr, offset) => {
      const out = new Uint8Array(offset + ethernetBufferLen(repr));
      assert.equal(emitEthernet(repr, out, offset), ethernetBufferLen(repr));
      const r = parseEthernet(out.subarray(offset));
      assert.ok(r.ok);
      assert.deepEqual(r.value, repr);
    }),
  );
});
