// The IOAM lwtunnel configuration against net/ipv6/ioam6_iptunnel.c (6.18): ioam6_build_state's
// checks and extack texts, ioam6_validate_trace_hdr's nodelen, the HBH template, and
// ioam6_fill_encap_info's attributes. The machines' kernel lacks CONFIG_IPV6_IOAM6_LWTUNNEL, so
// expectations are derived from the source (functions named beside each case).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import type { ExtAck } from '../netlink/errors.ts';
import { NlMsgBuilder } from '../netlink/message.ts';
import {
  IOAM6_IPTUNNEL_DST,
  IOAM6_IPTUNNEL_FREQ_K,
  IOAM6_IPTUNNEL_FREQ_N,
  IOAM6_IPTUNNEL_MODE,
  IOAM6_IPTUNNEL_MODE_AUTO,
  IOAM6_IPTUNNEL_MODE_ENCAP,
  IOAM6_IPTUNNEL_MODE_INLINE,
  IOAM6_IPTUNNEL_SRC,
  IOAM6_IPTUNNEL_TRACE,
} from '../uapi/ioam6_iptunnel.ts';
import { fromHex, toHex } from '../wire/bytes.ts';
import {
  ioam6BuildState,
  ioam6EncapEqual,
  ioam6EncapHeadroom,
  ioam6EncapNlsize,
  ioam6FillEncapInfo,
  validateTraceHdr,
  type Ioam6LwtState,
} from './ioam6-iptunnel.ts';

const AF_INET6 = 10;
const RTA_ENCAP = 22;
const DST = fromHex('20010db8000000000000000000000009');
const SRC = fromHex('20010db8000000000000000000000001');

/** A trace header as iproute2 builds it: ns, remlen = size / 4, type << 8. */
function trace(ns: number, type: number, size: number, nodelenByte = 0): Uint8Array {
  const t = new Uint8Array(8);
  t[0] = ns >> 8;
  t[1] = ns & 0xff;
  t[2] = nodelenByte;
  t[3] = size / 4;
  const w = (type << 8) >>> 0;
  t[4] = w >>> 24;
  t[5] = (w >>> 16) & 0xff;
  t[6] = (w >>> 8) & 0xff;
  t[7] = w & 0xff;
  return t;
}

interface Attrs {
  k?: number;
  n?: number;
  mode?: number;
  src?: Uint8Array;
  dst?: Uint8Array;
  trace?: Uint8Array;
  nested?: boolean;
}

/** A builder with a message open, as attributes need one; attributes start at offset 16. */
function builder(): NlMsgBuilder {
  const b = new NlMsgBuilder();
  b.beginMessage(0x18, 0, 0, 0);
  return b;
}

/** The attributes written after the 16-byte header, as hex. */
function attrHex(b: NlMsgBuilder): string {
  return toHex(b.bytes().subarray(16));
}

/** RTA_ENCAP with the given IOAM6_IPTUNNEL_* attributes; returns the buffer and its offset. */
function encap(a: Attrs): { bytes: Uint8Array; nla: number } {
  const b = builder();
  const nest = a.nested === false ? b.nestStartNoflag(RTA_ENCAP) : b.nestStart(RTA_ENCAP);
  if (a.k !== undefined) b.putU32(IOAM6_IPTUNNEL_FREQ_K, a.k);
  if (a.n !== undefined) b.putU32(IOAM6_IPTUNNEL_FREQ_N, a.n);
  if (a.mode !== undefined) b.putU8(IOAM6_IPTUNNEL_MODE, a.mode);
  if (a.src !== undefined) b.put(IOAM6_IPTUNNEL_SRC, a.src);
  if (a.dst !== undefined) b.put(IOAM6_IPTUNNEL_DST, a.dst);
  if (a.trace !== undefined) b.put(IOAM6_IPTUNNEL_TRACE, a.trace);
  b.nestEnd(nest);
  return { bytes: b.toBytes(), nla: nest };
}

function build(a: Attrs): { r: ReturnType<typeof ioam6BuildState>; extack: ExtAck } {
  const { bytes, nla } = encap(a);
  const extack: ExtAck = {};
  return { r: ioam6BuildState(bytes, nla, AF_INET6, extack), extack };
}

function ok(a: Attrs): Ioam6LwtState {
  const { r, extack } = build(a);
  assert.ok(r.ok, `expected success, got ${JSON.stringify(extack)}`);
  return r.value;
}

function refused(a: Attrs, msg: string | undefined, err = -22): void {
  const { r, extack } = build(a);
  assert.ok(!r.ok);
  assert.equal(r.err, err);
  assert.equal(extack.msg, msg);
}

test('defaults: freq 1/1 and inline mode when absent (ioam6_build_state)', () => {
  const st = ok({ trace: trace(1, 0x800000, 12) });
  assert.equal(st.freqK, 1);
  assert.equal(st.freqN, 1);
  assert.equal(st.mode, IOAM6_IPTUNNEL_MODE_INLINE);
  assert.equal(st.tunsrc, undefined);
  assert.deepEqual([...st.tundst], new Array(16).fill(0));
});

test('nodelen is computed from the type: short fields count 1, wide fields 2 (ioam6_validate_trace_hdr)', () => {
  // bit0 (hop_lim+node_id): 1 word.
  assert.equal((ok({ trace: trace(1, 0x800000, 12) }).trace[2] ?? 0) >> 3, 1);
  // bits 0-7 and 11: 9 words; bits 8-10 (wide): 3 x 2.
  assert.equal((ok({ trace: trace(1, 0xff1000, 100) }).trace[2] ?? 0) >> 3, 9);
  assert.equal((ok({ trace: trace(1, 0x00e000, 100) }).trace[2] ?? 0) >> 3, 6);
  // bit 22 (opaque state) is accepted and not counted.
  assert.equal((ok({ trace: trace(1, 0x800002, 12) }).trace[2] ?? 0) >> 3, 1);
  // Whatever nodelen the caller sent is replaced; the overflow bit and the 2 low bits stay.
  assert.equal(ok({ trace: trace(1, 0x800000, 12, 0xff) }).trace[2], (1 << 3) | 0x07);
  // The caller's buffer is left as it was (we work on a copy).
  const t = trace(1, 0xc00000, 8);
  const { bytes, nla } = encap({ trace: t });
  ioam6BuildState(bytes, nla, AF_INET6, {});
  assert.equal(bytes[nla + 4 + 4 + 2], 0);
});

test('validateTraceHdr refuses a zero type word, remlen 0, remlen > 61, bits 12-21 and bit 23', () => {
  assert.equal(validateTraceHdr(trace(1, 0, 12)), false);
  // A type of 0 with a non-zero reserved byte passes the !type_be32 test, as in C.
  const reserved = trace(1, 0, 12);
  reserved[7] = 1;
  assert.equal(validateTraceHdr(reserved), true);
  assert.equal(validateTraceHdr(trace(1, 0x800000, 0)), false);
  assert.equal(validateTraceHdr(trace(1, 0x800000, 244)), true);
  const big = trace(1, 0x800000, 4);
  big[3] = 62;
  assert.equal(validateTraceHdr(big), false);
  for (let bit = 12; bit <= 21; bit++) assert.equal(validateTraceHdr(trace(1, 0x800000 >>> bit, 12)), false, `bit ${bit}`);
  // Bit 23 is reserved (RFC 9197 4.4.1): refused since Linux 6.12 ("ioam6: improve checks on user data").
  assert.equal(validateTraceHdr(trace(1, 0x800001, 12)), false, 'bit 23');
  for (const bit of [0, 11, 22]) assert.equal(validateTraceHdr(trace(1, 0x800000 >>> bit, 12)), true, `bit ${bit}`);
});

test('refusals in ioam6_build_state order, with the kernel texts', () => {
  const t = trace(1, 0x800000, 12);
  refused({ k: 1, trace: t }, 'freq: missing parameter');
  refused({ n: 1, trace: t }, 'freq: missing parameter');
  refused({ k: 2, n: 1, trace: t }, 'freq: k > n is forbidden');
  // NLA_POLICY_FULL_RANGE(1, 1000000) and NLA_POLICY_RANGE(1, 3): ERANGE from the policy.
  refused({ k: 0, n: 1, trace: t }, 'integer out of range', -34);
  refused({ k: 1, n: 1000001, trace: t }, 'integer out of range', -34);
  refused({ mode: 0, trace: t }, 'integer out of range', -34);
  refused({ mode: 4, trace: t }, 'integer out of range', -34);
  refused({ src: SRC, dst: DST, trace: t }, 'no tunnel src expected with this mode');
  refused({ mode: IOAM6_IPTUNNEL_MODE_ENCAP, trace: t }, 'this mode needs a tunnel destination');
  refused({ mode: IOAM6_IPTUNNEL_MODE_AUTO, trace: t }, 'this mode needs a tunnel destination');
  refused({}, 'missing trace');
  refused({ trace: trace(1, 0x080000 >>> 8, 12) }, 'invalid trace validation');
  refused({ trace: trace(1, 0x800000, 0) }, 'invalid trace validation');
  refused({ mode: IOAM6_IPTUNNEL_MODE_ENCAP, dst: DST, src: new Uint8Array(16), trace: t }, 'invalid tunnel source address');
  // The same check on the destination (Linux 6.12 and later), after the source's.
  refused({ mode: IOAM6_IPTUNNEL_MODE_ENCAP, dst: new Uint8Array(16), trace: t }, 'invalid tunnel dest address');
  refused({ mode: IOAM6_IPTUNNEL_MODE_ENCAP, dst: new Uint8Array(16), src: new Uint8Array(16), trace: t }, 'invalid tunnel source address');
  // In inline mode a tunnel destination is allowed (and ignored), but not an unspecified one.
  refused({ dst: new Uint8Array(16), trace: t }, 'invalid tunnel dest address');
  // Exact lengths (NLA_POLICY_EXACT_LEN).
  refused({ trace: t.subarray(0, 7) }, 'binary attribute size out of range', -34);
  refused({ mode: IOAM6_IPTUNNEL_MODE_ENCAP, dst: DST.subarray(0, 15), trace: t }, 'binary attribute size out of range', -34);
  // nla_parse_nested needs NLA_F_NESTED.
  refused({ trace: t, nested: false }, 'NLA_F_NESTED is missing');
  // Not AF_INET6: plain EINVAL.
  const { bytes, nla } = encap({ trace: t });
  const extack: ExtAck = {};
  assert.deepEqual(ioam6BuildState(bytes, nla, 2, extack), { ok: false, err: -22 });
  assert.equal(extack.msg, undefined);
});

test('the HBH template: hdrlen, PadN, option header, trace header, trailing 4-byte PadN for odd words', () => {
  // 12 bytes of data (3 words): 16 + 16 aligned -> hdrlen 3, PadN at data[12].
  const st = ok({ trace: trace(0x1234, 0x800000, 12) });
  assert.equal(
    toHex(st.encap),
    '0003' + '0100' + '3116' + '0000' + '1234' + '0803' + '80000000' + '000000000000000000000000' + '01020000',
  );
  // 8 bytes (2 words): no trailing pad; opt_len = 2 + 8 + 8.
  const even = ok({ trace: trace(1, 0x800000, 8) });
  assert.equal(even.encap.length, 24);
  assert.equal(even.encap[1], 2);
  assert.equal(even.encap[5], 18);
  assert.equal(ioam6EncapHeadroom(st, false), 32);
  assert.equal(ioam6EncapHeadroom(even, true), 24);
});

test('headroom: encap mode adds an outer IPv6 header; auto is inline locally, encap when forwarding', () => {
  const enc = ok({ mode: IOAM6_IPTUNNEL_MODE_ENCAP, dst: DST, trace: trace(1, 0x800000, 12) });
  assert.equal(ioam6EncapHeadroom(enc, false), 72);
  const auto = ok({ mode: IOAM6_IPTUNNEL_MODE_AUTO, dst: DST, trace: trace(1, 0x800000, 12) });
  assert.equal(ioam6EncapHeadroom(auto, false), 32);
  assert.equal(ioam6EncapHeadroom(auto, true), 72);
});

test('ioam6_fill_encap_info: FREQ_K, FREQ_N, MODE, [SRC, DST outside inline], TRACE; nlsize matches', () => {
  const inline = ok({ k: 2, n: 3, trace: trace(1, 0x800000, 12) });
  const b = builder();
  ioam6FillEncapInfo(b, inline);
  assert.equal(
    attrHex(b),
    '080004000200000008000500030000000500010001000000' + '0c000300' + '00010803' + '80000000',
  );
  assert.equal(b.length - 16, ioam6EncapNlsize(inline));
  const enc = ok({ mode: IOAM6_IPTUNNEL_MODE_ENCAP, src: SRC, dst: DST, trace: trace(7, 0xc00000, 44) });
  const b2 = builder();
  ioam6FillEncapInfo(b2, enc);
  assert.equal(b2.length - 16, ioam6EncapNlsize(enc));
  const hex = attrHex(b2);
  assert.ok(hex.includes('14000600' + toHex(SRC) + '14000200' + toHex(DST)), hex);
  // An inline state given a DST keeps it but does not dump it.
  const inlineDst = ok({ dst: DST, trace: trace(1, 0x800000, 12) });
  const b3 = builder();
  ioam6FillEncapInfo(b3, inlineDst);
  assert.equal(b3.length - 16, ioam6EncapNlsize(inlineDst));
  assert.ok(!attrHex(b3).includes(toHex(DST)));
});

test('ioam6_encap_cmp: frequency, mode, tunnel addresses and namespace count; trace type and size do not', () => {
  const base = ok({ trace: trace(1, 0x800000, 12) });
  assert.ok(ioam6EncapEqual(base, ok({ trace: trace(1, 0xc00000, 40) })));
  assert.ok(!ioam6EncapEqual(base, ok({ trace: trace(2, 0x800000, 12) })));
  assert.ok(!ioam6EncapEqual(base, ok({ k: 1, n: 2, trace: trace(1, 0x800000, 12) })));
  const e1 = ok({ mode: IOAM6_IPTUNNEL_MODE_ENCAP, dst: DST, trace: trace(1, 0x800000, 12) });
  const e2 = ok({ mode: IOAM6_IPTUNNEL_MODE_ENCAP, dst: SRC, trace: trace(1, 0x800000, 12) });
  assert.ok(!ioam6EncapEqual(e1, e2));
  assert.ok(!ioam6EncapEqual(base, e1));
  const s1 = ok({ mode: IOAM6_IPTUNNEL_MODE_ENCAP, src: SRC, dst: DST, trace: trace(1, 0x800000, 12) });
  assert.ok(!ioam6EncapEqual(e1, s1));
  // Inline mode ignores tundst.
  assert.ok(ioam6EncapEqual(base, ok({ dst: DST, trace: trace(1, 0x800000, 12) })));
});

test('random nested attributes never throw, and a success always fills back what it parsed', () => {
  fc.assert(
    fc.property(fc.uint8Array({ maxLength: 96 }), fc.boolean(), (payload, nested) => {
      const b = builder();
      const nest = nested ? b.nestStart(RTA_ENCAP) : b.nestStartNoflag(RTA_ENCAP);
      b.append(payload);
      b.nestEnd(nest);
      const bytes = b.toBytes();
      const r = ioam6BuildState(bytes, nest, AF_INET6, {});
      if (r.ok) {
        const out = builder();
        ioam6FillEncapInfo(out, r.value);
        assert.equal(out.length - 16, ioam6EncapNlsize(r.value));
      }
    }),
  );
});
