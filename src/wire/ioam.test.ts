import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { IPV6_TLV_IOAM, IPPROTO_NONE, IPPROTO_UDP } from '../uapi/in6.ts';
import { IOAM6_U32_UNAVAILABLE, IOAM_OPTION_TYPE, IOAM_OPTION_TYPE_NAME, IPV6_TLV_IOAM_NOCHANGE } from '../uapi/ioam6.ts';
import { fromHex, toHex } from './bytes.ts';
import type { IoamNodeRepr } from './ioam-trace.ts';
import { traceHopCount, traceNodeLen } from './ioam-trace.ts';
import type { IoamDexRepr, IoamE2eRepr, IoamOptionRepr } from './ioam.ts';
import { IoamOptionView, emitIoamOption, ioamOptionBufferLen, parseIoamOption, preallocTraceOption } from './ioam.ts';
import { scapyBytes, skipUnlessScapy, skipUnlessTshark, tsharkExpertWarnings, tsharkField, tsharkJson } from '../../test/support/tools.ts';

/** Hand-built POT option (RFC 9197 §4.5, POT-Type 0: 8-octet Random, 8-octet Cumulative). */
const POT = fromHex(`
  31 16 00 02                 # option 0x31, Opt Data Len 22, Reserved, IOAM Opt-Type 2 (POT)
  00 2a 00 80                 # Namespace-ID 42, IOAM-POT-Type 0, IOAM-POT flags 0x80
  01 02 03 04 05 06 07 08     # Random
  11 12 13 14 15 16 17 18     # Cumulative
`);

/** Hand-built E2E option (RFC 9197 §4.6): 64-bit sequence number and timestamp seconds. */
const E2E = fromHex(`
  11 12 00 03                 # option 0x11 (data unchanged en route), Opt Data Len 18, E2E
  00 07 a0 00                 # Namespace-ID 7, IOAM-E2E-Type bits 0 and 2
  00 00 00 01 00 00 00 02     # 64-bit sequence number
  65 f0 a0 00                 # timestamp seconds
`);

/** Hand-built DEX option (RFC 9326 §3.2) with Flow ID and Sequence Number. */
const DEX = fromHex(`
  31 12 00 04                 # option 0x31, Opt Data Len 18, DEX
  00 7b 00 c0                 # Namespace-ID 123, Flags 0, Extension-Flags: Flow ID, Sequence Number
  f0 00 00 00                 # IOAM-Trace-Type 0xf00000, Reserved
  00 00 00 2a                 # Flow ID 42
  00 00 01 00                 # Sequence Number 256
`);

const UNKNOWN = fromHex('31 06 00 40  de ad be ef'); // IOAM Opt-Type 64 (temporary registration)

test('IANA option-type registry and its reverse map agree', () => {
  assert.equal(IOAM_OPTION_TYPE.DEX, 4);
  assert.equal(IOAM_OPTION_TYPE_NAME[3], 'E2E');
  assert.equal(IOAM_OPTION_TYPE_NAME[9], undefined);
});

test('option view: header fields and bounds', () => {
  const v = IoamOptionView.check(POT);
  assert.ok(v.ok);
  assert.equal(v.value.optionType, IPV6_TLV_IOAM);
  assert.equal(v.value.optDataLen, 22);
  assert.equal(v.value.length, 24);
  assert.equal(v.value.reserved, 0);
  assert.equal(v.value.ioamType, IOAM_OPTION_TYPE.POT);
  assert.equal(v.value.dataOffset, 4);
  assert.equal(v.value.dataLength, 20);
  const e = IoamOptionView.check(fromHex('31 01 00'));
  assert.ok(!e.ok);
  assert.equal(e.error.field, 'Opt Data Len'); // Linux: opt_len < 2 drops
  const notIoam = IoamOptionView.check(fromHex('05 02 00 00'));
  assert.ok(!notIoam.ok);
  assert.equal(notIoam.error.field, 'Option Type');
});

test('parse: POT, E2E, DEX and unknown Option-Types', () => {
  const pot = parseIoamOption(POT);
  assert.ok(pot.ok && pot.value.kind === 'pot');
  assert.deepEqual(pot.value.pot, { namespaceId: 42, potType: 0, potFlags: 0x80, data: POT.subarray(8) });

  const e2e = parseIoamOption(E2E);
  assert.ok(e2e.ok && e2e.value.kind === 'e2e');
  assert.equal(e2e.value.optionType, IPV6_TLV_IOAM_NOCHANGE);
  assert.deepEqual(e2e.value.e2e, {
    namespaceId: 7,
    e2eType: 0xa000,
    sequenceNumber64: 0x100000002n,
    timestampSecs: 0x65f0a000,
    rest: new Uint8Array(0),
  });

  const dex = parseIoamOption(DEX);
  assert.ok(dex.ok && dex.value.kind === 'dex');
  assert.deepEqual(dex.value.dex, {
    namespaceId: 123,
    flags: 0,
    extensionFlags: 0xc0,
    traceType: 0xf00000,
    reserved: 0,
    flowId: 42,
    sequenceNumber: 256,
    rest: new Uint8Array(0),
  });

  const unk = parseIoamOption(UNKNOWN);
  assert.ok(unk.ok && unk.value.kind === 'unknown');
  assert.equal(unk.value.ioamType, 64);
  assert.equal(toHex(unk.value.data), 'deadbeef');
});

test('emit equals the fixtures', () => {
  for (const f of [POT, E2E, DEX, UNKNOWN]) {
    const r = parseIoamOption(f);
    assert.ok(r.ok);
    const out = new Uint8Array(ioamOptionBufferLen(r.value));
    assert.equal(emitIoamOption(r.value, out), f.length);
    assert.equal(toHex(out), toHex(f));
  }
  const e2e: IoamOptionRepr = {
    optionType: IPV6_TLV_IOAM_NOCHANGE,
    reserved: 0,
    kind: 'e2e',
    e2e: { namespaceId: 7, e2eType: 0xa000, sequenceNumber64: 0x100000002n, timestampSecs: 0x65f0a000, rest: new Uint8Array(0) },
  };
  const out = new Uint8Array(ioamOptionBufferLen(e2e));
  emitIoamOption(e2e, out);
  assert.equal(toHex(out), toHex(E2E));
});

test('every truncation is rejected', () => {
  for (const f of [POT, E2E, DEX, UNKNOWN]) {
    for (let i = 0; i < f.length; i++) assert.equal(parseIoamOption(f.subarray(0, i)).ok, false, `${toHex(f)} cut at ${i}`);
  }
});

test('short bodies and announced fields that are missing', () => {
  // Opt Data Len covers the header bytes only: the body is too short for each Option-Type.
  for (const type of [2, 3, 4]) {
    const r = parseIoamOption(Uint8Array.of(0x31, 4, 0, type, 0, 1));
    assert.ok(!r.ok);
    assert.equal(r.error.offset, 1);
  }
  const e2eShort = parseIoamOption(fromHex('31 06 00 03  00 07 40 00'));
  assert.ok(!e2eShort.ok);
  assert.equal(e2eShort.error.field, 'IOAM-E2E-Type');
  const dexShort = parseIoamOption(fromHex('31 0a 00 04  00 01 00 80  00 00 00 00'));
  assert.ok(!dexShort.ok);
  assert.equal(dexShort.error.field, 'Extension-Flags');
});

test('emit refuses what the wire cannot carry', () => {
  const big: IoamOptionRepr = { optionType: IPV6_TLV_IOAM, reserved: 0, kind: 'unknown', ioamType: 9, data: new Uint8Array(254) };
  assert.throws(() => emitIoamOption(big, new Uint8Array(300)), RangeError);
  const badType: IoamOptionRepr = { optionType: 0x1e, reserved: 0, kind: 'unknown', ioamType: 9, data: new Uint8Array(0) };
  assert.throws(() => emitIoamOption(badType, new Uint8Array(8)), RangeError);
  const missing: IoamOptionRepr = {
    optionType: IPV6_TLV_IOAM,
    reserved: 0,
    kind: 'dex',
    dex: { namespaceId: 1, flags: 0, extensionFlags: 0x80, traceType: 0, reserved: 0, rest: new Uint8Array(0) },
  };
  assert.throws(() => emitIoamOption(missing, new Uint8Array(16)), RangeError);
  assert.throws(() => emitIoamOption(preallocTraceOption({ namespaceId: 1, traceType: 0x800000, size: 8 }), new Uint8Array(10)), RangeError);
});

test('preallocTraceOption builds what the kernel builds for "trace prealloc type 0x800000 ns 0 size 4"', () => {
  const opt = preallocTraceOption({ namespaceId: 0, traceType: 0x800000, size: 4 });
  const out = new Uint8Array(ioamOptionBufferLen(opt));
  emitIoamOption(opt, out);
  // ioam6_hdr {0x31, len, 0, PREALLOC} + trace hdr {ns 0, nodelen 1, remlen 1, type} + 4 zero octets
  assert.equal(toHex(out), '310e0000' + '00000801' + '80000000' + '00000000');
  const r = parseIoamOption(out);
  assert.ok(r.ok);
  assert.deepEqual(r.value, opt);
});

/* ------------------------------------------------------------------------------------------ */

const arbU32 = fc.integer({ min: 0, max: 0xffffffff });
const arbWords = (max: number): fc.Arbitrary<Uint8Array> =>
  fc.integer({ min: 0, max }).chain((n) => fc.uint8Array({ minLength: n * 4, maxLength: n * 4 }));
const optional = <T>(on: boolean, a: fc.Arbitrary<T>): fc.Arbitrary<T | undefined> => (on ? a : fc.constant(undefined));
/** Drops undefined properties, as a decoder leaves them out. */
function defined<T extends object>(o: T): T {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as T;
}

const arbOption: fc.Arbitrary<IoamOptionRepr> = fc.oneof(
  fc
    .record({ optionType: fc.constantFrom(0x31, 0x11), reserved: fc.integer({ min: 0, max: 255 }), ns: fc.integer({ min: 0, max: 0xffff }), t: fc.integer({ min: 0, max: 255 }), f: fc.integer({ min: 0, max: 255 }), data: fc.uint8Array({ maxLength: 40 }) })
    .map((r): IoamOptionRepr => ({ optionType: r.optionType, reserved: r.reserved, kind: 'pot', pot: { namespaceId: r.ns, potType: r.t, potFlags: r.f, data: r.data } })),
  fc.integer({ min: 0, max: 0xffff }).chain((e2eType) =>
    fc
      .record({
        ns: fc.integer({ min: 0, max: 0xffff }),
        s64: optional((e2eType & 0x8000) !== 0, fc.bigInt({ min: 0n, max: (1n << 64n) - 1n })),
        s32: optional((e2eType & 0x4000) !== 0, arbU32),
        secs: optional((e2eType & 0x2000) !== 0, arbU32),
        frac: optional((e2eType & 0x1000) !== 0, arbU32),
        rest: (e2eType & 0x0fff) !== 0 ? arbWords(4) : fc.constant(new Uint8Array(0)),
      })
      .map(
        (r): IoamOptionRepr => ({
          optionType: IPV6_TLV_IOAM_NOCHANGE,
          reserved: 0,
          kind: 'e2e',
          e2e: defined({ namespaceId: r.ns, e2eType, sequenceNumber64: r.s64, sequenceNumber32: r.s32, timestampSecs: r.secs, timestampFrac: r.frac, rest: r.rest }) as IoamE2eRepr,
        }),
      ),
  ),
  fc.integer({ min: 0, max: 0xff }).chain((ext) =>
    fc
      .record({
        ns: fc.integer({ min: 0, max: 0xffff }),
        flags: fc.integer({ min: 0, max: 0xff }),
        traceType: fc.integer({ min: 0, max: 0xffffff }),
        flowId: optional((ext & 0x80) !== 0, arbU32),
        seq: optional((ext & 0x40) !== 0, arbU32),
        rest: arbWords(6),
      })
      .map(
        (r): IoamOptionRepr => ({
          optionType: IPV6_TLV_IOAM,
          reserved: 0,
          kind: 'dex',
          dex: defined({ namespaceId: r.ns, flags: r.flags, extensionFlags: ext, traceType: r.traceType, reserved: 0, flowId: r.flowId, sequenceNumber: r.seq, rest: r.rest }) as IoamDexRepr,
        }),
      ),
  ),
  fc
    .record({ t: fc.integer({ min: 5, max: 255 }), data: fc.uint8Array({ maxLength: 60 }) })
    .map((r): IoamOptionRepr => ({ optionType: IPV6_TLV_IOAM, reserved: 0, kind: 'unknown', ioamType: r.t, data: r.data })),
  fc
    .record({ ns: fc.integer({ min: 0, max: 0xffff }), free: fc.integer({ min: 0, max: 10 }), hops: fc.array(fc.record({ h: fc.integer({ min: 0, max: 255 }), id: fc.integer({ min: 0, max: 0xffffff }), secs: arbU32 }), { maxLength: 8 }) })
    .map((r) =>
      preallocTraceOption({
        namespaceId: r.ns,
        traceType: 0xa00000,
        size: r.free * 4 + r.hops.length * 8,
        hops: r.hops.map((h) => ({ hopLimitNodeId: { hopLimit: h.h, nodeId: h.id }, timestampSecs: h.secs })),
      }),
    ),
);

test('property: parse(emit(r)) equals r for every Option-Type', () => {
  fc.assert(
    fc.property(arbOption, fc.integer({ min: 0, max: 8 }), (repr, at) => {
      const len = ioamOptionBufferLen(repr);
      const b = new Uint8Array(at + len + 3);
      assert.equal(emitIoamOption(repr, b, at), len);
      const r = parseIoamOption(b, at);
      assert.ok(r.ok, r.ok ? '' : r.error.message);
      assert.deepEqual(r.value, repr);
    }),
    { numRuns: 500 },
  );
});

test('property: random bytes never throw', () => {
  fc.assert(
    fc.property(fc.uint8Array({ maxLength: 64 }), fc.integer({ min: 0, max: 5 }), (b, type) => {
      parseIoamOption(b);
      if (b.length >= 4) {
        b[0] = 0x31;
        b[3] = type;
        b[1] = Math.min(b[1] ?? 0, b.length - 2);
      }
      const r = parseIoamOption(b);
      const v = IoamOptionView.check(b);
      if (r.ok) assert.ok(v.ok);
      if (v.ok) void [v.value.ioamType, v.value.dataLength];
    }),
    { numRuns: 2000 },
  );
});

/* ------------------------------------------------------------------------------------------
 * Independent checks.
 */

/**
 * An IPv6 packet (2001:db8::1 -> 2001:db8::2) with a Hop-by-Hop header holding PadN(0), the
 * IOAM option at a 4n offset (as RFC 9486 and Linux want), and trailing padding to 8n.
 */
function ipv6WithIoam(option: IoamOptionRepr, next: number = IPPROTO_NONE, payload: Uint8Array = new Uint8Array(0)): { packet: Uint8Array; at: number } {
  const olen = ioamOptionBufferLen(option);
  const hbhLen = Math.ceil((4 + olen) / 8) * 8;
  const packet = new Uint8Array(40 + hbhLen + payload.length);
  packet.set(fromHex('60000000'), 0);
  packet[4] = (hbhLen + payload.length) >>> 8;
  packet[5] = (hbhLen + payload.length) & 0xff;
  packet[6] = 0; // Next Header: Hop-by-Hop
  packet[7] = 64;
  packet.set(fromHex('20010db8000000000000000000000001'), 8);
  packet.set(fromHex('20010db8000000000000000000000002'), 24);
  packet[40] = next;
  packet[41] = hbhLen / 8 - 1;
  packet[42] = 1; // PadN, no data: puts the option at 4n
  packet[43] = 0;
  emitIoamOption(option, packet, 44);
  const pad = hbhLen - 4 - olen;
  if (pad === 1) packet[44 + olen] = 0;
  else if (pad > 1) {
    packet[44 + olen] = 1;
    packet[45 + olen] = pad - 2;
  }
  packet.set(payload, 40 + hbhLen);
  return { packet, at: 44 };
}

/** A UDP header (port 9 to 9) over an empty payload; its checksum is filled by `withUdpChecksum`. */
const UDP_EMPTY = fromHex('0009 0009 0008 0000');

/** Fills the checksum of the UDP datagram at `at` (RFC 8200 §8.1 pseudo-header). */
function withUdpChecksum(packet: Uint8Array, at: number): void {
  const len = packet.length - at;
  let sum = IPPROTO_UDP + len;
  const add = (b: Uint8Array, from: number, to: number): void => {
    for (let i = from; i < to; i += 2) sum += ((b[i] ?? 0) << 8) | (b[i + 1] ?? 0);
  };
  add(packet, 8, 40);
  packet[at + 6] = 0;
  packet[at + 7] = 0;
  add(packet, at, packet.length);
  while (sum > 0xffff) sum = (sum & 0xffff) + (sum >>> 16);
  const c = ~sum & 0xffff || 0xffff;
  packet[at + 6] = c >>> 8;
  packet[at + 7] = c & 0xff;
}

const SCHEMA = new TextEncoder().encode('Hello there -Obi'); // ioam6.sh schema data, 16 octets

const TSHARK_CASES: Array<{ name: string; traceType: number; size: number; hops: IoamNodeRepr[]; next?: number }> = [
  {
    name: '0x800000, three of four slots filled',
    traceType: 0x800000,
    size: 16,
    hops: [3, 2, 1].map((id) => ({ hopLimitNodeId: { hopLimit: 65 - id, nodeId: id } })),
  },
  {
    name: '0xf00000 over UDP',
    traceType: 0xf00000,
    size: 48,
    next: IPPROTO_UDP,
    hops: [2, 1].map((id) => ({
      hopLimitNodeId: { hopLimit: 64 - id, nodeId: id },
      ifIds: { ingress: 200 + id, egress: 0xffff },
      timestampSecs: 1_700_000_000 + id,
      timestampFrac: 999_999 - id,
    })),
  },
  {
    name: '0xfff002 with snapshots (schema and no-schema marker)',
    traceType: 0xfff002,
    size: 180,
    hops: [
      fullHop(2, 22222222n, { schemaId: 666, data: SCHEMA }),
      fullHop(1, 11111111n, { schemaId: 0xffffff, data: new Uint8Array(0) }),
    ],
  },
  {
    name: 'wide fields only (0x00e000)',
    traceType: 0x00e000,
    size: 72,
    hops: [
      { hopLimitNodeIdWide: { hopLimit: 62, nodeId: 0xfedcba98765432n }, ifIdsWide: { ingress: 301301, egress: 0xffffffff }, namespaceDataWide: 0xcafec0caf22dc0den },
      { hopLimitNodeIdWide: { hopLimit: 63, nodeId: 22222222n }, ifIdsWide: { ingress: 201201, egress: 202202 }, namespaceDataWide: 0xffffffffffffffffn },
    ],
  },
];

function fullHop(id: number, wide: bigint, oss: { schemaId: number; data: Uint8Array }): IoamNodeRepr {
  return {
    hopLimitNodeId: { hopLimit: 64 - id, nodeId: id },
    ifIds: { ingress: 100 * id + 1, egress: 100 * id + 2 },
    timestampSecs: 1_700_000_000,
    timestampFrac: 500_000 + id,
    transitDelay: IOAM6_U32_UNAVAILABLE,
    namespaceData: 0xdeadbee0 + id,
    queueDepth: id * 1000,
    checksumComplement: IOAM6_U32_UNAVAILABLE,
    hopLimitNodeIdWide: { hopLimit: 64 - id, nodeId: wide },
    ifIdsWide: { ingress: 100100 * id + 1, egress: 100100 * id + 2 },
    namespaceDataWide: 0xcafec0caf00dc0den + BigInt(id),
    bufferOccupancy: IOAM6_U32_UNAVAILABLE,
    opaqueState: oss,
  };
}

const num = (s: string): number => Number(s);
const big = (s: string): bigint => BigInt(s);

test('tshark dissects our pre-allocated traces as we do', { skip: skipUnlessTshark() }, () => {
  const built = TSHARK_CASES.map((c) => {
    const option = preallocTraceOption({ namespaceId: 123, traceType: c.traceType, size: c.size, hops: c.hops });
    const built = ipv6WithIoam(option, c.next ?? IPPROTO_NONE, c.next === IPPROTO_UDP ? UDP_EMPTY : new Uint8Array(0));
    if (c.next === IPPROTO_UDP) withUdpChecksum(built.packet, built.packet.length - UDP_EMPTY.length);
    return { c, option, ...built };
  });
  const packets = built.map((b) => b.packet);
  assert.deepEqual(tsharkExpertWarnings(packets), []);
  const dissected = tsharkJson(packets, { args: ['--no-duplicate-keys'] });
  built.forEach(({ c, packet, at }, i) => {
    const layers = dissected[i];
    const ours = parseIoamOption(packet, at);
    assert.ok(ours.ok && ours.value.kind === 'trace', c.name);
    const t = ours.value.trace;
    const f = (name: string): string[] => tsharkField(layers, `ipv6.opt.ioam.${name}`);
    assert.deepEqual(f('opt_type').map(num), [0], c.name);
    assert.deepEqual(f('trace.ns').map(num), [t.namespaceId], c.name);
    assert.deepEqual(f('trace.nodelen').map(num), [t.nodeLen], c.name);
    assert.equal(t.nodeLen, traceNodeLen(c.traceType));
    assert.deepEqual(f('trace.remlen').map(num), [t.remainingLen], c.name);
    assert.deepEqual(f('trace.type').map(num), [t.traceType], c.name);
    assert.deepEqual(f('trace.flag.o').map(num), [0], c.name);
    assert.equal(traceHopCount(packet, at), c.hops.length);
    assert.equal(f('trace.node.hlim').length >= c.hops.length, true, c.name);
    if (c.next === IPPROTO_UDP) assert.deepEqual(tsharkField(layers, 'udp.srcport'), ['9'], c.name);
    // Per node, in wire order (tshark's "Node 1" is our hops[0]).
    const hl: number[] = [];
    for (const h of t.hops) {
      if (h.hopLimitNodeId) hl.push(h.hopLimitNodeId.hopLimit);
      if (h.hopLimitNodeIdWide) hl.push(h.hopLimitNodeIdWide.hopLimit);
    }
    assert.deepEqual(f('trace.node.hlim').map(num), hl, c.name);
    const pick = <T>(get: (h: IoamNodeRepr) => T | undefined): T[] => t.hops.flatMap((h) => (get(h) === undefined ? [] : [get(h) as T]));
    assert.deepEqual(f('trace.node.id').map(num), pick((h) => h.hopLimitNodeId?.nodeId), c.name);
    assert.deepEqual(f('trace.node.iif').map(num), pick((h) => h.ifIds?.ingress), c.name);
    assert.deepEqual(f('trace.node.eif').map(num), pick((h) => h.ifIds?.egress), c.name);
    assert.deepEqual(f('trace.node.tss').map(num), pick((h) => h.timestampSecs), c.name);
    assert.deepEqual(f('trace.node.tsf').map(num), pick((h) => h.timestampFrac), c.name);
    assert.deepEqual(f('trace.node.trdelay').map(num), pick((h) => h.transitDelay), c.name);
    assert.deepEqual(f('trace.node.nsdata').map(num), pick((h) => h.namespaceData), c.name);
    assert.deepEqual(f('trace.node.qdepth').map(num), pick((h) => h.queueDepth), c.name);
    assert.deepEqual(f('trace.node.csum').map(num), pick((h) => h.checksumComplement), c.name);
    assert.deepEqual(f('trace.node.id_wide').map(big), pick((h) => h.hopLimitNodeIdWide?.nodeId), c.name);
    assert.deepEqual(f('trace.node.iif_wide').map(num), pick((h) => h.ifIdsWide?.ingress), c.name);
    assert.deepEqual(f('trace.node.eif_wide').map(num), pick((h) => h.ifIdsWide?.egress), c.name);
    assert.deepEqual(f('trace.node.nsdata_wide').map(big), pick((h) => h.namespaceDataWide), c.name);
    assert.deepEqual(f('trace.node.bufoccup').map(num), pick((h) => h.bufferOccupancy), c.name);
    assert.deepEqual(f('trace.node.oss.scid').map(num), pick((h) => h.opaqueState?.schemaId), c.name);
    assert.deepEqual(f('trace.node.oss.len').map(num), pick((h) => (h.opaqueState ? h.opaqueState.data.length / 4 : undefined)), c.name);
    assert.deepEqual(
      f('trace.node.oss.data').map((s) => s.replace(/:/g, '')),
      pick((h) => (h.opaqueState && h.opaqueState.data.length > 0 ? toHex(h.opaqueState.data) : undefined)),
      c.name,
    );
  });
});

test('tshark flags the inconsistencies we refuse', { skip: skipUnlessTshark() }, () => {
  // RemainingLen past the data (our 'RemainingLen' error; tshark's invalid_remlen).
  const option = preallocTraceOption({ namespaceId: 1, traceType: 0x800000, size: 8 });
  const { packet, at } = ipv6WithIoam(option);
  packet[at + 7] = 3;
  assert.equal(parseIoamOption(packet, at).ok, false);
  assert.notDeepEqual(tsharkExpertWarnings([packet]), []);
});

test('scapy-built IOAM options (HBHOptUnknown) decode with ours', { skip: skipUnlessScapy() }, () => {
  const full = preallocTraceOption({ namespaceId: 123, traceType: 0xfff002, size: 180, hops: TSHARK_CASES[2]?.hops ?? [] });
  const fullBytes = new Uint8Array(ioamOptionBufferLen(full));
  emitIoamOption(full, fullBytes);
  const optdata = (b: Uint8Array): string => `bytes.fromhex('${toHex(b.subarray(2))}')`;
  const exprs = [POT, E2E, DEX, fullBytes].map(
    (b) =>
      `IPv6(src='2001:db8::1', dst='2001:db8::2', hlim=64)/IPv6ExtHdrHopByHop(nh=59, options=[PadN(optdata=b''), HBHOptUnknown(otype=${b[0]}, optdata=${optdata(b)})])`,
  );
  const built = scapyBytes(exprs);
  assert.equal(built.length, 4);
  const expect = [POT, E2E, DEX, fullBytes];
  built.forEach((pkt, i) => {
    const ref = expect[i] ?? new Uint8Array(0);
    assert.equal(pkt[6], 0, 'next header is Hop-by-Hop');
    assert.equal(toHex(pkt.subarray(44, 44 + ref.length)), toHex(ref));
    const r = parseIoamOption(pkt, 44);
    assert.ok(r.ok, r.ok ? '' : r.error.message);
    const want = parseIoamOption(ref);
    assert.ok(want.ok);
    assert.deepEqual(r.value, want.value);
  });
  const trace = parseIoamOption(built[3] ?? new Uint8Array(0), 44);
  assert.ok(trace.ok && trace.value.kind === 'trace');
  assert.equal(trace.value.trace.hops.length, 2);
  assert.equal(trace.value.trace.hops[0]?.opaqueState?.schemaId, 666);
  assert.equal(traceHopCount(built[3] ?? new Uint8Array(0), 44), 2);
});
