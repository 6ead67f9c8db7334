import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { ExtHeaderWalker, findHeader, isExtHeader, skipExthdr } from './ipv6-exthdr.ts';
import { emitIpv6 } from './ipv6.ts';
import { emitIpv6Fragment } from './ipv6-fragment.ts';
import { emitIpv6Options, layoutOptions } from './ipv6-options.ts';
import { emitIpv6Routing } from './ipv6-routing.ts';
import { fromHex } from './bytes.ts';
import {
  IP6_FH_F_AUTH,
  IP6_FH_F_FRAG,
  IP6_FH_F_SKIP_RH,
  NEXTHDR_AUTH,
  NEXTHDR_DEST,
  NEXTHDR_ESP,
  NEXTHDR_FRAGMENT,
  NEXTHDR_HOP,
  NEXTHDR_NONE,
  NEXTHDR_ROUTING,
  NEXTHDR_TCP,
  NEXTHDR_UDP,
} from '../uapi/ipv6.ts';
import { scapyBytes, skipUnlessScapy, skipUnlessTshark, tsharkField, tsharkJson } from '../../test/support/tools.ts';

const V6 = (nh: string, plen: string): string =>
  `60000000 ${plen} ${nh} 40  20010db8000000000000000000000001 20010db8000000000000000000000002`;

// scapy: IPv6(src="2001:db8::1", dst="2001:db8::2")/IPv6ExtHdrHopByHop(options=[RouterAlert()])
//        /IPv6ExtHdrRouting(addresses=["2001:db8::a"])/IPv6ExtHdrFragment(id=0x1234, m=1)/UDP(sport=1, dport=2)
const CHAIN = fromHex(`${V6('00', '0030')}
  2b00 0502 0000 0100                               # 40: HBH, Router Alert, PadN
  2c02 0001 00000000 20010db800000000000000000000000a  # 48: Routing type 0, SL 1
  1100 0001 00001234                                # 72: Fragment, offset 0, M
  0001 0002 0008 a45e                               # 80: UDP
`);

// scapy: IPv6(...)/IPv6ExtHdrDestOpt()/IPv6ExtHdrFragment(nh=17, offset=100, id=7)/Raw(b"later")
const LATER_FRAGMENT = fromHex(`${V6('3c', '0015')}
  2c00 0104 00000000                                # 40: Destination Options, PadN
  1100 0320 00000007                                # 48: Fragment, offset 100 (800 bytes), UDP inside
  6c61746572
`);

// scapy: IPv6(...)/AH(nh=6, payloadlen=4, spi=0x100, seq=1, icv=bytes(12))/TCP(sport=1, dport=2, flags="S")
const AH_TCP = fromHex(`${V6('33', '002c')}
  0604 0000 00000100 00000001 000000000000000000000000  # 40: AH, (4 + 2) * 4 = 24 bytes
  0001 0002 00000000 00000000 5002 2000 0000 0000       # 64: TCP
`);

// scapy: IPv6(...)/IPv6ExtHdrHopByHop(nh=59)
const HBH_NONE = fromHex(`${V6('00', '0008')} 3b00 0104 00000000`);

function walk(bytes: Uint8Array, start = 40, nh = bytes[6] ?? 0): number[][] {
  const w = new ExtHeaderWalker().reset(bytes, start, nh);
  const out: number[][] = [];
  while (w.next()) out.push([w.type, w.offset, w.length]);
  return out;
}

test('ipv6_ext_hdr set', () => {
  for (const t of [NEXTHDR_HOP, NEXTHDR_ROUTING, NEXTHDR_FRAGMENT, NEXTHDR_AUTH, NEXTHDR_NONE, NEXTHDR_DEST]) assert.equal(isExtHeader(t), true);
  for (const t of [NEXTHDR_TCP, NEXTHDR_UDP, NEXTHDR_ESP, 58, 41, 135, 139, 140, 253]) assert.equal(isExtHeader(t), false);
});

test('walks the scapy chain: HBH, Routing, Fragment, UDP', () => {
  assert.deepEqual(walk(CHAIN), [
    [NEXTHDR_HOP, 40, 8],
    [NEXTHDR_ROUTING, 48, 24],
    [NEXTHDR_FRAGMENT, 72, 8],
  ]);
  const w = new ExtHeaderWalker().reset(CHAIN, 40, 0);
  assert.equal(w.skip(), true);
  assert.deepEqual([w.end, w.protocol, w.protocolOffset, w.fragOff, w.count, w.totalLength], ['upper', 17, 80, 0x0001, 3, 40]);
  const r = skipExthdr(CHAIN, 40, 0);
  assert.ok(r.ok);
  assert.deepEqual(r.value, { nextHeader: 17, offset: 80, fragOff: 1, end: 'upper' });
});

test('every truncation inside the chain is rejected', () => {
  for (let n = 40; n < 80; n++) {
    const r = skipExthdr(CHAIN.subarray(0, n), 40, 0);
    assert.equal(r.ok, false, `prefix ${n}`);
    if (!r.ok) assert.equal(r.error.kind, 'truncated');
    const f = findHeader(CHAIN.subarray(0, n), -1);
    assert.equal(f.ok, false);
    if (!f.ok) assert.equal(f.error.errno, 'EBADMSG');
  }
  for (let n = 0; n < 40; n++) assert.equal(findHeader(CHAIN.subarray(0, n), -1).ok, false);
  // The upper-layer header itself is the caller's business.
  assert.ok(skipExthdr(CHAIN.subarray(0, 80), 40, 0).ok);
});

test('a later fragment ends the walk at its Fragment header, as Linux', () => {
  assert.deepEqual(walk(LATER_FRAGMENT), [
    [NEXTHDR_DEST, 40, 8],
    [NEXTHDR_FRAGMENT, 48, 8],
  ]);
  const r = skipExthdr(LATER_FRAGMENT, 40, NEXTHDR_DEST);
  assert.ok(r.ok);
  assert.deepEqual(r.value, { nextHeader: NEXTHDR_FRAGMENT, offset: 48, fragOff: 0x0320, end: 'later-fragment' });
  const last = findHeader(LATER_FRAGMENT, -1);
  assert.ok(last.ok);
  assert.deepEqual(last.value, { nextHeader: NEXTHDR_UDP, offset: 56, fragOffset: 800, flags: IP6_FH_F_FRAG });
  const frag = findHeader(LATER_FRAGMENT, NEXTHDR_FRAGMENT);
  assert.ok(frag.ok);
  assert.deepEqual(frag.value, { nextHeader: NEXTHDR_FRAGMENT, offset: 48, fragOffset: 800, flags: IP6_FH_F_FRAG });
  const udp = findHeader(LATER_FRAGMENT, NEXTHDR_UDP);
  assert.deepEqual(udp, { ok: false, error: { errno: 'ENOENT', offset: 48 } });
});

test('AH length is (Payload Len + 2) * 4; IP6_FH_F_AUTH stops at it', () => {
  assert.deepEqual(walk(AH_TCP), [[NEXTHDR_AUTH, 40, 24]]);
  const all = findHeader(AH_TCP, -1);
  assert.ok(all.ok);
  assert.deepEqual([all.value.nextHeader, all.value.offset], [NEXTHDR_TCP, 64]);
  const stop = findHeader(AH_TCP, -1, { flags: IP6_FH_F_AUTH });
  assert.ok(stop.ok);
  assert.deepEqual(stop.value, { nextHeader: NEXTHDR_AUTH, offset: 40, fragOffset: 0, flags: IP6_FH_F_AUTH });
});

test('No Next Header and ESP end the walk', () => {
  const w = new ExtHeaderWalker().reset(HBH_NONE, 40, 0);
  assert.equal(w.skip(), true);
  assert.deepEqual([w.end, w.protocol, w.protocolOffset], ['no-next-header', NEXTHDR_NONE, 48]);
  const f = findHeader(HBH_NONE, -1);
  assert.ok(f.ok);
  assert.deepEqual([f.value.nextHeader, f.value.offset], [NEXTHDR_NONE, 48]);
  assert.deepEqual(findHeader(HBH_NONE, NEXTHDR_UDP), { ok: false, error: { errno: 'ENOENT', offset: 48 } });
  const esp = fromHex(`${V6('3c', '0010')} 3200 0104 00000000  00000100 00000001`);
  const e = skipExthdr(esp, 40, NEXTHDR_DEST);
  assert.ok(e.ok);
  assert.deepEqual([e.value.nextHeader, e.value.offset, e.value.end], [NEXTHDR_ESP, 48, 'upper']);
});

test('findHeader finds each header of the chain, and honours IP6_FH_F_SKIP_RH', () => {
  const expect: Array<[number, number]> = [
    [NEXTHDR_HOP, 40],
    [NEXTHDR_ROUTING, 48],
    [NEXTHDR_FRAGMENT, 72],
    [NEXTHDR_UDP, 80],
  ];
  for (const [t, off] of expect) {
    const r = findHeader(CHAIN, t);
    assert.ok(r.ok, String(t));
    assert.equal(r.value.nextHeader, t);
    assert.equal(r.value.offset, off);
  }
  // The routing header has Segments Left 1: SKIP_RH still finds it. With SL 0 it does not.
  assert.ok(findHeader(CHAIN, NEXTHDR_ROUTING, { flags: IP6_FH_F_SKIP_RH }).ok);
  const sl0 = CHAIN.slice();
  sl0[48 + 3] = 0;
  assert.deepEqual(findHeader(sl0, NEXTHDR_ROUTING, { flags: IP6_FH_F_SKIP_RH }), { ok: false, error: { errno: 'ENOENT', offset: 80 } });
  assert.deepEqual(findHeader(CHAIN, NEXTHDR_TCP), { ok: false, error: { errno: 'ENOENT', offset: 80 } });
  // The first-fragment header sets IP6_FH_F_FRAG on the way.
  const last = findHeader(CHAIN, -1);
  assert.ok(last.ok);
  assert.deepEqual(last.value, { nextHeader: NEXTHDR_UDP, offset: 80, fragOffset: 0, flags: IP6_FH_F_FRAG });
});

test('findHeader on an inner IPv6 header (inside an ICMPv6 error)', () => {
  const icmp = fromHex('01 04 0000 00000000'); // Destination Unreachable, port unreachable
  const pkt = new Uint8Array(48 + CHAIN.length);
  pkt.set(CHAIN, 48);
  pkt.set(icmp, 40);
  emitIpv6({ trafficClass: 0, flowLabel: 0, payloadLength: 8 + CHAIN.length, nextHeader: 58, hopLimit: 64, src: new Uint8Array(16), dst: new Uint8Array(16) }, pkt);
  const r = findHeader(pkt, NEXTHDR_FRAGMENT, { offset: 48 });
  assert.ok(r.ok);
  assert.equal(r.value.offset, 48 + 72);
  const outer = findHeader(pkt, -1);
  assert.ok(outer.ok);
  assert.deepEqual([outer.value.nextHeader, outer.value.offset], [58, 40]);
  const bad = findHeader(pkt, -1, { offset: 40 }); // ICMPv6 header, not IPv6
  assert.equal(bad.ok, false);
  if (!bad.ok) assert.equal(bad.error.errno, 'EBADMSG');
});

/** IPv6 + `n` empty Destination Options headers + UDP. */
function manyDest(n: number): Uint8Array {
  const b = new Uint8Array(40 + 8 * n + 8);
  emitIpv6(
    { trafficClass: 0, flowLabel: 0, payloadLength: 8 * n + 8, nextHeader: n > 0 ? NEXTHDR_DEST : NEXTHDR_UDP, hopLimit: 64, src: new Uint8Array(16), dst: new Uint8Array(16) },
    b,
  );
  for (let i = 0; i < n; i++) {
    emitIpv6Options({ nextHeader: i === n - 1 ? NEXTHDR_UDP : NEXTHDR_DEST, options: layoutOptions([]) }, b, 40 + 8 * i);
  }
  return b;
}

test('header count limit: IP6_MAX_EXT_HDRS_CNT (12) by default', () => {
  const ok12 = skipExthdr(manyDest(12), 40, NEXTHDR_DEST);
  assert.ok(ok12.ok);
  assert.deepEqual([ok12.value.nextHeader, ok12.value.offset], [NEXTHDR_UDP, 40 + 96]);
  const r13 = skipExthdr(manyDest(13), 40, NEXTHDR_DEST);
  assert.equal(r13.ok, false);
  if (!r13.ok) assert.deepEqual([r13.error.kind, r13.error.offset], ['limit', 40 + 96]);
  assert.ok(findHeader(manyDest(12), -1).ok);
  const f13 = findHeader(manyDest(13), -1);
  assert.equal(f13.ok, false);
  if (!f13.ok) assert.equal(f13.error.errno, 'EBADMSG');
  assert.equal(skipExthdr(manyDest(3), 40, NEXTHDR_DEST, { maxHeaders: 2 }).ok, false);
  assert.ok(skipExthdr(manyDest(20), 40, NEXTHDR_DEST, { maxHeaders: 20 }).ok);
});

test('total length limit', () => {
  const r = skipExthdr(CHAIN, 40, 0, { maxLength: 16 });
  assert.equal(r.ok, false);
  if (!r.ok) assert.deepEqual([r.error.kind, r.error.offset], ['limit', 48]);
  assert.ok(skipExthdr(CHAIN, 40, 0, { maxLength: 40 }).ok);
  assert.equal(findHeader(CHAIN, -1, { limits: { maxLength: 39 } }).ok, false);
});

test('the walker is reusable and allocates no result objects while walking', () => {
  const w = new ExtHeaderWalker();
  for (let i = 0; i < 3; i++) {
    w.reset(CHAIN, 40, 0);
    assert.equal(w.skip(), true);
    assert.equal(w.protocolOffset, 80);
    w.reset(LATER_FRAGMENT, 40, NEXTHDR_DEST);
    assert.equal(w.skip(), true);
    assert.equal(w.end, 'later-fragment');
  }
});

type Hdr = { kind: 'hbh' | 'dest' | 'rt' | 'frag' | 'ah'; size: number };
const hdrArb: fc.Arbitrary<Hdr> = fc.oneof(
  fc.record({ kind: fc.constantFrom('hbh' as const, 'dest' as const, 'rt' as const), size: fc.integer({ min: 0, max: 4 }) }),
  fc.record({ kind: fc.constant('frag' as const), size: fc.constant(0) }),
  fc.record({ kind: fc.constant('ah' as const), size: fc.integer({ min: 1, max: 8 }) }),
);
const TYPE = { hbh: NEXTHDR_HOP, dest: NEXTHDR_DEST, rt: NEXTHDR_ROUTING, frag: NEXTHDR_FRAGMENT, ah: NEXTHDR_AUTH } as const;
const LEN = (h: Hdr): number => (h.kind === 'frag' ? 8 : h.kind === 'ah' ? (h.size + 2) * 4 : (h.size + 1) * 8);

test('property: the walker visits exactly the headers a chain was built from', () => {
  fc.assert(
    fc.property(fc.array(hdrArb, { maxLength: 12 }), fc.constantFrom(6, 17, 50, 58), (hdrs, upper) => {
      const total = hdrs.reduce((n, h) => n + LEN(h), 0);
      const b = new Uint8Array(40 + total + 4);
      let off = 40;
      hdrs.forEach((h, i) => {
        const next = hdrs[i + 1];
        b[off] = next ? TYPE[next.kind] : upper;
        if (h.kind === 'ah') b[off + 1] = h.size;
        else if (h.kind !== 'frag') b[off + 1] = h.size;
        off += LEN(h);
      });
      const first = hdrs[0];
      const w = new ExtHeaderWalker().reset(b, 40, first ? TYPE[first.kind] : upper);
      let o = 40;
      for (const h of hdrs) {
        assert.equal(w.next(), true);
        assert.deepEqual([w.type, w.offset, w.length], [TYPE[h.kind], o, LEN(h)]);
        o += LEN(h);
      }
      assert.equal(w.next(), false);
      assert.deepEqual([w.end, w.protocol, w.protocolOffset], ['upper', upper, 40 + total]);
    }),
  );
});

test('property: random bytes never throw', () => {
  fc.assert(
    fc.property(fc.uint8Array({ maxLength: 160 }), fc.nat(200), fc.integer({ min: 0, max: 255 }), fc.integer({ min: -1, max: 255 }), (b, start, nh, target) => {
      const w = new ExtHeaderWalker().reset(b, start, nh, { maxHeaders: 100 });
      let guard = 0;
      while (w.next()) {
        assert.ok(w.offset + w.length <= b.length);
        guard++;
      }
      assert.ok(guard <= 100);
      skipExthdr(b, start, nh);
      findHeader(b, target, { flags: IP6_FH_F_AUTH | IP6_FH_F_SKIP_RH });
    }),
  );
});

test('scapy builds chains, we find the upper layer where scapy put it', { skip: skipUnlessScapy() }, () => {
  const chains = [
    'IPv6()/IPv6ExtHdrHopByHop(options=[RouterAlert()])/IPv6ExtHdrDestOpt(options=[PadN(optdata=bytes(10))])/IPv6ExtHdrRouting(addresses=["::1", "::2"])/IPv6ExtHdrDestOpt()/UDP()',
    'IPv6()/IPv6ExtHdrSegmentRouting(addresses=["2001:db8::1", "2001:db8::2", "2001:db8::3"])/IPv6ExtHdrFragment()/TCP()',
    'IPv6()/IPv6ExtHdrFragment(offset=0, m=1)/IPv6ExtHdrDestOpt()/ICMPv6EchoRequest()',
  ];
  const uppers = ['UDP', 'TCP', 'ICMPv6EchoRequest'];
  // Each chain twice: the whole packet, then only its upper layer (to learn where it starts).
  const pkts = scapyBytes(chains.flatMap((c, i) => [c, `(${c})[${uppers[i] ?? ''}]`]));
  const protos = [17, 6, 58];
  chains.forEach((_, i) => {
    const whole = pkts[2 * i] ?? new Uint8Array(0);
    const upper = pkts[2 * i + 1] ?? new Uint8Array(0);
    const r = skipExthdr(whole, 40, whole[6] ?? 0);
    assert.ok(r.ok, r.ok ? '' : r.error.message);
    assert.deepEqual([r.value.nextHeader, r.value.offset], [protos[i], whole.length - upper.length]);
    const f = findHeader(whole, -1);
    assert.ok(f.ok);
    assert.equal(f.value.offset, whole.length - upper.length);
  });
});

test('tshark agrees on where the chain ends', { skip: skipUnlessTshark() }, () => {
  // Built with our emitters: HBH (Router Alert), SRH, first fragment, UDP.
  const srh = { kind: 'srh' as const, nextHeader: NEXTHDR_FRAGMENT, segmentsLeft: 1, flags: 0, tag: 0, segments: [new Uint8Array(16).fill(0xaa), new Uint8Array(16).fill(0xbb)], tlvs: [] };
  const len = 8 + 40 + 8 + 8;
  const pkt = new Uint8Array(40 + len);
  emitIpv6({ trafficClass: 0, flowLabel: 0, payloadLength: len, nextHeader: 0, hopLimit: 64, src: new Uint8Array(16).fill(1), dst: new Uint8Array(16).fill(0xbb) }, pkt);
  emitIpv6Options({ nextHeader: NEXTHDR_ROUTING, options: layoutOptions([{ kind: 'router-alert', value: 0 }]) }, pkt, 40);
  emitIpv6Routing(srh, pkt, 48);
  emitIpv6Fragment({ nextHeader: NEXTHDR_UDP, fragmentOffset: 0, moreFragments: false, identification: 9, reserved: 0, reservedBits: 0 }, pkt, 88);
  pkt.set(fromHex('0007 0009 0008 0000'), 96);
  const r = skipExthdr(pkt, 40, 0);
  assert.ok(r.ok);
  assert.deepEqual([r.value.nextHeader, r.value.offset], [NEXTHDR_UDP, 96]);
  const [l] = tsharkJson([pkt]);
  const protocols = tsharkField(l, 'frame.protocols')[0] ?? '';
  assert.match(protocols, /ipv6:ipv6\.hopopts:ipv6\.routing:ipv6\.fraghdr:udp/);
  assert.deepEqual(tsharkField(l, 'udp.srcport'), ['7']);
});
