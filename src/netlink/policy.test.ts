import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import {
  NLA_MSG,
  NlAttrTable,
  genlValidation,
  nlaParse,
  nlaParseInto,
  nlaParseNested,
  nlaParseNestedDeprecated,
  nlaPolicyBitfield32,
  nlaPolicyExactLen,
  nlaPolicyExactLenWarn,
  nlaPolicyMask,
  nlaPolicyMax,
  nlaPolicyMin,
  nlaPolicyMinLen,
  nlaPolicyNested,
  nlaPolicyNestedArray,
  nlaPolicyRange,
  nlaPolicyReject,
  nlaPolicyTable,
  nlaPolicyValidateFn,
  nlaValidate,
  nlmsgParse,
  nlReqAttrCheck,
  parsePolicyAttr,
  writePolicyAttr,
  type NlaPolicy,
  type NlaPolicyTable,
} from './policy.ts';
import { emitNetlinkAck, type ExtAck } from './errors.ts';
import { NlMsgBuilder, nlaDataOffset, nlaLen } from './message.ts';
import { fromHex, toHex } from '../wire/bytes.ts';
import { EEXIST, EINVAL, ENOENT, ERANGE } from '../uapi/errno.ts';
import {
  NL_ATTR_TYPE_BITFIELD32,
  NL_ATTR_TYPE_NESTED,
  NL_ATTR_TYPE_S8,
  NL_ATTR_TYPE_STRING,
  NL_ATTR_TYPE_U32,
  NL_ATTR_TYPE_UINT,
  NL_VALIDATE_LIBERAL,
  NL_VALIDATE_STRICT,
  NLA_BE16,
  NLA_BINARY,
  NLA_FLAG,
  NLA_MSECS,
  NLA_NUL_STRING,
  NLA_S32,
  NLA_S8,
  NLA_SINT,
  NLA_STRING,
  NLA_U16,
  NLA_U32,
  NLA_U64,
  NLA_U8,
  NLA_UINT,
  NLA_UNSPEC,
  NLMSGERR_ATTR_POLICY,
} from '../uapi/netlink.ts';
import {
  CTRL_ATTR_FAMILY_ID,
  CTRL_ATTR_FAMILY_NAME,
  CTRL_ATTR_OP,
  GENL_DONT_VALIDATE_DUMP,
  GENL_DONT_VALIDATE_DUMP_STRICT,
  GENL_DONT_VALIDATE_STRICT,
  GENL_HDRLEN,
  GENL_NAMSIZ,
} from '../uapi/genetlink.ts';
import {
  IOAM6_ATTR_NS_DATA,
  IOAM6_ATTR_NS_DATA_WIDE,
  IOAM6_ATTR_NS_ID,
  IOAM6_ATTR_SC_DATA,
  IOAM6_ATTR_SC_ID,
  IOAM6_MAX_SCHEMA_DATA_LEN,
} from '../uapi/ioam6_genl.ts';

// The policies of the two families the captures exercise, as Linux 6.18 declares them.
/** net/ipv6/ioam6.c ioam6_genl_policy_addns (ops: GENL_DONT_VALIDATE_STRICT | _DUMP). */
const IOAM6_ADDNS = nlaPolicyTable(IOAM6_ATTR_NS_DATA_WIDE, {
  [IOAM6_ATTR_NS_ID]: { type: NLA_U16 },
  [IOAM6_ATTR_NS_DATA]: { type: NLA_U32 },
  [IOAM6_ATTR_NS_DATA_WIDE]: { type: NLA_U64 },
});
/** ioam6_genl_policy_addsc. */
const IOAM6_ADDSC = nlaPolicyTable(IOAM6_ATTR_SC_DATA, {
  [IOAM6_ATTR_SC_ID]: { type: NLA_U32 },
  [IOAM6_ATTR_SC_DATA]: { type: NLA_BINARY, len: IOAM6_MAX_SCHEMA_DATA_LEN },
});
const IOAM6_OP_VALIDATE = GENL_DONT_VALIDATE_STRICT | GENL_DONT_VALIDATE_DUMP;
/** net/netlink/genetlink.c ctrl_policy_policy (CTRL_CMD_GETPOLICY: strict). */
const CTRL_POLICY = nlaPolicyTable(CTRL_ATTR_OP, {
  [CTRL_ATTR_FAMILY_ID]: { type: NLA_U16 },
  [CTRL_ATTR_FAMILY_NAME]: { type: NLA_NUL_STRING, len: GENL_NAMSIZ - 1 },
  [CTRL_ATTR_OP]: { type: NLA_U32 },
});

interface Case {
  readonly name: string;
  readonly policy: NlaPolicyTable;
  readonly opValidate: number;
  readonly dump: boolean;
  /** Port id of the capturing socket. */
  readonly portid: number;
  readonly request: string;
  readonly reply: string;
}

// Requests sent from Python on Linux 6.18 (socket(AF_NETLINK, SOCK_RAW, NETLINK_GENERIC), with
// NETLINK_EXT_ACK), in a namespace where IOAM namespace 7 already existed, and the kernel's
// replies. The IOAM6 family id was 0x1e; nlctrl is 0x10. Captured with /tmp helper scripts;
// bytes as received.
const CAPTURES: readonly Case[] = [
  {
    name: 'IOAM6 NS_ID sent as u32: liberal, so the handler runs and says EEXIST',
    policy: IOAM6_ADDNS,
    opValidate: IOAM6_OP_VALIDATE,
    dump: false,
    portid: 0x4430,
    request: '1c0000001e0005006500000000000000010100000800010007000000',
    reply: '30000000020000006500000030440000efffffff1c0000001e0005006500000000000000010100000800010007000000',
  },
  {
    name: 'IOAM6 unknown attribute type 9: ignored',
    policy: IOAM6_ADDNS,
    opValidate: IOAM6_OP_VALIDATE,
    dump: false,
    portid: 0x4430,
    request: '200000001e000500660000000000000001010000060001000700000004000900',
    reply: '34000000020000006600000030440000efffffff200000001e000500660000000000000001010000060001000700000004000900',
  },
  {
    name: 'IOAM6 two trailing bytes: a message, but no error of its own',
    policy: IOAM6_ADDNS,
    opValidate: IOAM6_OP_VALIDATE,
    dump: false,
    portid: 0x4430,
    request: '1e0000001e00050067000000000000000101000006000100070000000100',
    reply:
      '60000000020000026700000030440000efffffff1e0000001e0005006700000000000000010100000600010007000000010000002c000100' +
      '6279746573206c6566746f7665722061667465722070617273696e67206174747269627574657300',
  },
  {
    name: 'IOAM6 schema data of 1024 bytes: ERANGE with offset and policy',
    policy: IOAM6_ADDSC,
    opValidate: IOAM6_OP_VALIDATE,
    dump: false,
    portid: 0x4430,
    request: `200400001e000500680000000000000004010000080004000300000004040500${'aa'.repeat(1024)}`,
    reply:
      `78040000020000026800000030440000deffffff200400001e000500680000000000000004010000080004000300000004040500${'aa'.repeat(1024)}` +
      '27000100417474726962757465206661696c656420706f6c6963792076616c69646174696f6e0000080002001c0000001400048008000700fc030000080001000a000000',
  },
  {
    name: 'IOAM6 NLA_F_NESTED on a u16: ignored when liberal',
    policy: IOAM6_ADDNS,
    opValidate: IOAM6_OP_VALIDATE,
    dump: false,
    portid: 0x4430,
    request: '1c0000001e0005006a00000000000000010100000600018007000000',
    reply: '30000000020000006a00000030440000efffffff1c0000001e0005006a00000000000000010100000600018007000000',
  },
  {
    name: 'IOAM6 without NS_ID: the handler says EINVAL, without extack',
    policy: IOAM6_ADDNS,
    opValidate: IOAM6_OP_VALIDATE,
    dump: false,
    portid: 0x4430,
    request: '1c0000001e0005006b00000000000000010100000800020007000000',
    reply: '30000000020000006b00000030440000eaffffff1c0000001e0005006b00000000000000010100000800020007000000',
  },
  {
    name: 'nlctrl GETPOLICY FAMILY_ID as u32: strict, invalid attribute length',
    policy: CTRL_POLICY,
    opValidate: 0,
    dump: true,
    portid: 0x45c0,
    request: '1c00000010000503c9000000000000000a010000080001001e000000',
    reply:
      '7c00000002000002c9000000c0450000eaffffff1c00000010000503c9000000000000000a010000080001001e0000001d000100696e76616c' +
      '696420617474726962757465206c656e677468000000000800020014000000240004800c00040000000000000000000c000500ffff0000000000000800010003000000',
  },
  {
    name: 'nlctrl GETPOLICY unknown type 20: Unknown attribute type, no policy',
    policy: CTRL_POLICY,
    opValidate: 0,
    dump: true,
    portid: 0x45c0,
    request: '1800000010000503ca000000000000000a01000004001400',
    reply:
      '5000000002000002ca000000c0450000eaffffff1800000010000503ca000000000000000a010000040014001b000100556e6b6e6f776e20' +
      '617474726962757465207479706500000800020014000000',
  },
  {
    name: 'nlctrl GETPOLICY FAMILY_NAME without NUL',
    policy: CTRL_POLICY,
    opValidate: 0,
    dump: true,
    portid: 0x45c0,
    request: '2000000010000503cb000000000000000a01000009000200494f414d36000000',
    reply:
      '7800000002000002cb000000c0450000eaffffff2000000010000503cb000000000000000a01000009000200494f414d3600000027000100' +
      '417474726962757465206661696c656420706f6c6963792076616c69646174696f6e0000080002001400000014000480080007000f000000080001000c000000',
  },
  {
    name: 'nlctrl GETPOLICY NLA_F_NESTED on a u16: NLA_F_NESTED not expected',
    policy: CTRL_POLICY,
    opValidate: 0,
    dump: true,
    portid: 0x45c0,
    request: '1c00000010000503cc000000000000000a010000060001801e000000',
    reply:
      '7c00000002000002cc000000c0450000eaffffff1c00000010000503cc000000000000000a010000060001801e0000001e0001004e4c415f' +
      '465f4e4553544544206e6f742065787065637465640000000800020014000000240004800c00040000000000000000000c000500ffff0000000000000800010003000000',
  },
  {
    name: 'nlctrl GETPOLICY trailing bytes: EINVAL, message, no offset',
    policy: CTRL_POLICY,
    opValidate: 0,
    dump: true,
    portid: 0x45c0,
    request: '1e00000010000503cd000000000000000a010000060001001e0000000100',
    reply:
      '6000000002000002cd000000c0450000eaffffff1e00000010000503cd000000000000000a010000060001001e000000010000002c000100' +
      '6279746573206c6566746f7665722061667465722070617273696e67206174747269627574657300',
  },
  {
    name: 'nlctrl GETPOLICY attribute type 0: Unknown attribute type',
    policy: CTRL_POLICY,
    opValidate: 0,
    dump: true,
    portid: 0x45c0,
    request: '1800000010000503ce000000000000000a01000004000000',
    reply:
      '5000000002000002ce000000c0450000eaffffff1800000010000503ce000000000000000a010000040000001b000100556e6b6e6f776e20' +
      '617474726962757465207479706500000800020014000000',
  },
];

/** What the IOAM6 handlers do with these requests: NS_ID is required, namespace 7 exists. */
function ioam6Handler(tb: NlAttrTable): number {
  if (!tb.has(IOAM6_ATTR_NS_ID) && !tb.has(IOAM6_ATTR_SC_ID)) return -EINVAL;
  return -EEXIST;
}

/** genetlink's path for one request: validate per the op flags, run the handler, ack. */
function genlReceive(c: Case): string {
  const req = fromHex(c.request);
  const extack: ExtAck = {};
  const mode = genlValidation(c.opValidate, c.dump);
  let err = 0;
  if (mode !== undefined) {
    const r = nlmsgParse(req, 0, GENL_HDRLEN, c.policy.maxtype, c.policy, mode, extack);
    err = r.ok ? ioam6Handler(r.value) : r.error.err;
  }
  const b = new NlMsgBuilder();
  emitNetlinkAck(b, req, 0, err, extack, { portid: c.portid, extAck: true });
  return toHex(b.bytes());
}

for (const c of CAPTURES) {
  test(`kernel capture: ${c.name}`, () => {
    assert.equal(genlReceive(c), c.reply);
  });
}

test('liberal parse reads a u32-sized NS_ID as the kernel does (first two bytes)', () => {
  const req = fromHex(CAPTURES[0]?.request ?? '');
  const r = nlmsgParse(req, 0, GENL_HDRLEN, IOAM6_ADDNS.maxtype, IOAM6_ADDNS, NL_VALIDATE_LIBERAL);
  assert.ok(r.ok);
  assert.equal(r.value.u16(IOAM6_ATTR_NS_ID), 7);
  assert.equal(r.value.offset(IOAM6_ATTR_NS_ID), 20);
  assert.equal(r.value.has(IOAM6_ATTR_NS_DATA), false);
});

// ---------------------------------------------------------------------------------------------
// validate_nla, type by type.
// ---------------------------------------------------------------------------------------------

/** An attribute stream of one attribute of `type` carrying `hex`. */
function stream(...attrs: Array<[number, string]>): Uint8Array {
  const b = new NlMsgBuilder();
  b.beginMessage(0x20, 0, 0, 0);
  for (const [t, h] of attrs) b.put(t, fromHex(h));
  b.finish();
  return b.toBytes().subarray(16);
}

interface Outcome {
  readonly err: number;
  readonly msg?: string;
  readonly bad?: number;
  readonly withPolicy?: boolean;
}

function run(pt: NlaPolicy, hex: string, mode: number, type = 1): Outcome {
  const table = nlaPolicyTable(3, { [type]: pt });
  const s = stream([type, hex]);
  const extack: ExtAck = {};
  const r = nlaParse(s, 0, s.length, 3, table, mode, extack);
  const out: { err: number; msg?: string; bad?: number; withPolicy?: boolean } = { err: r.ok ? 0 : r.error.err };
  if (extack.msg !== undefined) out.msg = extack.msg;
  if (extack.badAttrOffset !== undefined) out.bad = extack.badAttrOffset;
  if (extack.policy !== undefined) out.withPolicy = true;
  return out;
}

const S = NL_VALIDATE_STRICT;
const L = NL_VALIDATE_LIBERAL;
const FAILED = { msg: NLA_MSG.FAILED_POLICY, bad: 0, withPolicy: true } as const;
const BADLEN = { err: -EINVAL, msg: NLA_MSG.INVALID_LENGTH, bad: 0, withPolicy: true } as const;

const TYPE_CASES: ReadonlyArray<[string, NlaPolicy, string, number, Outcome]> = [
  ['u8 exact', { type: NLA_U8 }, '05', S, { err: 0 }],
  ['u8 too long, strict', { type: NLA_U8 }, '0500', S, BADLEN],
  ['u8 too long, liberal', { type: NLA_U8 }, '0500', L, { err: 0 }],
  ['u8 empty, liberal', { type: NLA_U8 }, '', L, { err: -ERANGE, ...FAILED }],
  ['u16 short, liberal', { type: NLA_U16 }, '01', L, { err: -ERANGE, ...FAILED }],
  ['u64 short, strict', { type: NLA_U64 }, '01020304050607', S, BADLEN],
  ['u64 short, liberal', { type: NLA_U64 }, '01020304050607', L, { err: -ERANGE, ...FAILED }],
  ['msecs short, liberal', { type: NLA_MSECS }, '0102', L, { err: -ERANGE, ...FAILED }],
  ['s32 exact', { type: NLA_S32 }, 'ffffffff', S, { err: 0 }],
  ['be16 long, strict', { type: NLA_BE16 }, '010203', S, BADLEN],
  ['u32 with .len 8 needs 8 (liberal)', { type: NLA_U32, len: 8 }, '01020304', L, { err: -ERANGE, ...FAILED }],
  ['flag with payload', { type: NLA_FLAG }, '00', S, { err: -ERANGE, ...FAILED }],
  ['flag', { type: NLA_FLAG }, '', S, { err: 0 }],
  ['string over max', { type: NLA_STRING, len: 3 }, '61626364', S, { err: -ERANGE, ...FAILED }],
  ['string at max with NUL', { type: NLA_STRING, len: 3 }, '61626300', S, { err: 0 }],
  ['string empty', { type: NLA_STRING }, '', S, { err: -ERANGE, ...FAILED }],
  ['string without max', { type: NLA_STRING }, '6162636465', S, { err: 0 }],
  ['nul string without NUL', { type: NLA_NUL_STRING, len: 3 }, '616263', S, { err: -EINVAL, ...FAILED }],
  ['nul string NUL past len+1', { type: NLA_NUL_STRING, len: 3 }, '6162636400', S, { err: -EINVAL, ...FAILED }],
  ['nul string ok', { type: NLA_NUL_STRING, len: 3 }, '616200', S, { err: 0 }],
  ['nul string no max', { type: NLA_NUL_STRING }, '61626364656600', S, { err: 0 }],
  ['nul string empty', { type: NLA_NUL_STRING }, '', S, { err: -EINVAL, ...FAILED }],
  ['binary over len', { type: NLA_BINARY, len: 2 }, '010203', S, { err: -ERANGE, ...FAILED }],
  ['binary at len', { type: NLA_BINARY, len: 2 }, '0102', S, { err: 0 }],
  ['uint 4', { type: NLA_UINT }, '01000000', S, { err: 0 }],
  ['uint 8', { type: NLA_UINT }, '0100000000000000', S, { err: 0 }],
  ['uint 2, even liberal', { type: NLA_UINT }, '0100', L, BADLEN],
  ['sint 6', { type: NLA_SINT }, '010000000000', L, BADLEN],
  ['bitfield32 ok', nlaPolicyBitfield32(3), '0100000001000000', S, { err: 0 }],
  ['bitfield32 value not selected', nlaPolicyBitfield32(3), '0200000001000000', S, { err: -EINVAL, ...FAILED }],
  ['bitfield32 selector outside valid', nlaPolicyBitfield32(3), '0000000004000000', S, { err: -EINVAL, ...FAILED }],
  ['bitfield32 short', nlaPolicyBitfield32(3), '01000000', S, { err: -ERANGE, ...FAILED }],
  ['reject', nlaPolicyReject(), '', L, { err: -EINVAL, ...FAILED }],
  ['reject with message', nlaPolicyReject('use the other one'), '', L, { err: -EINVAL, msg: 'use the other one', bad: 0 }],
  ['unspec, strict', { type: NLA_UNSPEC }, '01', S, { err: -EINVAL, msg: NLA_MSG.UNSUPPORTED, bad: 0 }],
  ['unspec with min len, liberal', { type: NLA_UNSPEC, len: 4 }, '01', L, { err: -ERANGE, ...FAILED }],
  ['unspec, liberal', { type: NLA_UNSPEC }, '01', L, { err: 0 }],
  ['u8 range', nlaPolicyRange(NLA_U8, 1, 10), '0b', S, { err: -ERANGE, msg: NLA_MSG.INTEGER_RANGE, bad: 0, withPolicy: true }],
  ['u8 range ok', nlaPolicyRange(NLA_U8, 1, 10), '0a', S, { err: 0 }],
  ['s8 range', nlaPolicyRange(NLA_S8, -5, 5), 'fa', S, { err: -ERANGE, msg: NLA_MSG.INTEGER_RANGE, bad: 0, withPolicy: true }],
  ['u32 min', nlaPolicyMin(NLA_U32, 100), '63000000', S, { err: -ERANGE, msg: NLA_MSG.INTEGER_RANGE, bad: 0, withPolicy: true }],
  ['u16 max', nlaPolicyMax(NLA_U16, 4096), '0110', S, { err: -ERANGE, msg: NLA_MSG.INTEGER_RANGE, bad: 0, withPolicy: true }],
  ['u64 range (bigint)', nlaPolicyRange(NLA_U64, 0n, 0xffffffffffn), '0000000000010000', S, { err: -ERANGE, msg: NLA_MSG.INTEGER_RANGE, bad: 0, withPolicy: true }],
  ['uint min on 8 bytes', nlaPolicyMin(NLA_UINT, 2), '0100000000000000', S, { err: -ERANGE, msg: NLA_MSG.INTEGER_RANGE, bad: 0, withPolicy: true }],
  ['be16 range reads network order', nlaPolicyRange(NLA_BE16, 0, 0x00ff), '0100', S, { err: -ERANGE, msg: NLA_MSG.INTEGER_RANGE, bad: 0, withPolicy: true }],
  ['u32 mask', nlaPolicyMask(NLA_U32, 0x0f), '10000000', S, { err: -EINVAL, msg: NLA_MSG.RESERVED_BIT, bad: 0 }],
  ['u32 mask ok', nlaPolicyMask(NLA_U32, 0x0f), '0f000000', S, { err: 0 }],
  ['exact len short', nlaPolicyExactLen(4), '010203', L, { err: -ERANGE, msg: NLA_MSG.BINARY_RANGE, bad: 0, withPolicy: true }],
  ['exact len long', nlaPolicyExactLen(4), '0102030405', L, { err: -ERANGE, msg: NLA_MSG.BINARY_RANGE, bad: 0, withPolicy: true }],
  ['exact len warn long, liberal', nlaPolicyExactLenWarn(4), '0102030405', L, { err: 0 }],
  ['exact len warn long, strict', nlaPolicyExactLenWarn(4), '0102030405', S, BADLEN],
  ['exact len warn short', nlaPolicyExactLenWarn(4), '010203', L, { err: -ERANGE, msg: NLA_MSG.BINARY_RANGE, bad: 0, withPolicy: true }],
  ['min len', nlaPolicyMinLen(2), '01', S, { err: -ERANGE, msg: NLA_MSG.BINARY_RANGE, bad: 0, withPolicy: true }],
  ['validate fn', nlaPolicyValidateFn(NLA_U8, (b, nla, e) => ((b[nla + 4] ?? 0) === 7 ? 0 : ((e.msg = 'not seven'), -ENOENT))), '06', S, { err: -ENOENT, msg: 'not seven' }],
];

for (const [name, pt, hex, mode, want] of TYPE_CASES) {
  test(`validate: ${name}`, () => {
    assert.deepEqual(run(pt, hex, mode), want);
  });
}

// ---------------------------------------------------------------------------------------------
// Stream-level rules.
// ---------------------------------------------------------------------------------------------

const INNER = nlaPolicyTable(2, { 1: { type: NLA_U8 }, 2: { type: NLA_U32 } });
const OUTER = nlaPolicyTable(4, {
  1: nlaPolicyNested(INNER),
  2: nlaPolicyNestedArray(INNER),
  3: { type: NLA_U16 },
  4: { type: NLA_U8 },
});

test('nested: NLA_F_NESTED required when strict, not when liberal; inner errors keep their attribute', () => {
  const noflag = stream([1, '0500 0100 07 000000']);
  const strict: ExtAck = {};
  const r = nlaParse(noflag, 0, noflag.length, 4, OUTER, S, strict);
  assert.ok(!r.ok && r.error.err === -EINVAL);
  assert.equal(strict.msg, NLA_MSG.NESTED_MISSING);
  assert.ok(nlaParse(noflag, 0, noflag.length, 4, OUTER, L).ok);
  // Flagged nest whose inner u8 is two bytes: the inner attribute (offset 4) is blamed.
  const b = new NlMsgBuilder();
  b.beginMessage(0x20, 0, 0, 0);
  const n = b.nestStart(1);
  b.put(1, fromHex('0700'));
  b.nestEnd(n);
  b.finish();
  const s = b.toBytes().subarray(16);
  const e: ExtAck = {};
  const r2 = nlaParse(s, 0, s.length, 4, OUTER, S, e);
  assert.ok(!r2.ok && r2.error.err === -EINVAL);
  assert.deepEqual([e.msg, e.badAttrOffset, e.policy?.type], [NLA_MSG.INVALID_LENGTH, 4, NLA_U8]);
  // A flagged non-nest when strict.
  const flagged = fromHex('0500 0480 07 000000');
  const e3: ExtAck = {};
  assert.equal(nlaValidate(flagged, 0, flagged.length, 4, OUTER, S, e3), -EINVAL);
  assert.equal(e3.msg, NLA_MSG.NESTED_NOT_EXPECTED);
  // An empty nest is fine; one of 1..3 bytes is not.
  assert.equal(nlaValidate(fromHex('0400 0180'), 0, 4, 4, OUTER, S), 0);
  const short = fromHex('0600 0180 0000 0000');
  assert.equal(nlaValidate(short, 0, short.length, 4, OUTER, S), -ERANGE);
});

test('nested array: elements are nests; empty ones skipped, short ones rejected', () => {
  const good = fromHex('1800 0280  0400 0100  0c00 0200 0500 0100 07 000000  0400 0300');
  assert.equal(nlaValidate(good, 0, good.length, 4, OUTER, S), 0);
  const bad = fromHex('0c00 0280  0600 0100 0000 0000');
  const e: ExtAck = {};
  assert.equal(nlaValidate(bad, 0, bad.length, 4, OUTER, S, e), -ERANGE);
  assert.deepEqual([e.msg, e.badAttrOffset, e.policy?.type], [NLA_MSG.ARRAY_TOO_SHORT, 4, NLA_UNSPEC]);
  const inner = fromHex('1000 0280  0c00 0100 0600 0100 0700 0000');
  const e2: ExtAck = {};
  assert.equal(nlaValidate(inner, 0, inner.length, 4, OUTER, S, e2), -EINVAL);
  assert.deepEqual([e2.msg, e2.badAttrOffset], [NLA_MSG.INVALID_LENGTH, 8]);
});

test('unknown types: rejected when strict (offset, no policy), ignored when liberal', () => {
  const s = stream([3, '0100'], [9, '00'], [0, '']);
  const e: ExtAck = {};
  const r = nlaParse(s, 0, s.length, 4, OUTER, S, e);
  assert.ok(!r.ok && r.error.err === -EINVAL);
  assert.deepEqual([e.msg, e.badAttrOffset, e.policy], [NLA_MSG.UNKNOWN_TYPE, 8, undefined]);
  const l = nlaParse(s, 0, s.length, 4, OUTER, L);
  assert.ok(l.ok);
  assert.equal(l.value.u16(3), 1);
  assert.equal(l.value.offset(0), -1);
});

test('duplicates: the later attribute wins', () => {
  const s = stream([3, '0100'], [3, '0200']);
  const r = nlaParse(s, 0, s.length, 4, OUTER, S);
  assert.ok(r.ok);
  assert.equal(r.value.u16(3), 2);
  assert.equal(r.value.offset(3), 8);
});

test('trailing bytes: a warning when liberal, EINVAL when strict; no offset either way', () => {
  const s = fromHex('0600 0300 0100 0000 01 00 00');
  const e: ExtAck = {};
  const r = nlaParse(s, 0, s.length, 4, OUTER, L, e);
  assert.ok(r.ok);
  assert.equal(e.msg, NLA_MSG.LEFTOVER);
  assert.equal(e.badAttrOffset, undefined);
  const e2: ExtAck = {};
  const r2 = nlaParse(s, 0, s.length, 4, OUTER, S, e2);
  assert.ok(!r2.ok && r2.error.err === -EINVAL);
  assert.equal(e2.msg, NLA_MSG.LEFTOVER);
});

test('strict_start_type: strict checks from that type up, even in liberal mode', () => {
  const t = nlaPolicyTable(4, { 2: { type: NLA_U8 }, 3: { type: NLA_U8 }, 4: { type: NLA_UNSPEC } }, { strictStartType: 3 });
  const old = stream([2, '0100']);
  assert.equal(nlaValidate(old, 0, old.length, 4, t, L), 0);
  const fresh = stream([3, '0100']);
  const e: ExtAck = {};
  assert.equal(nlaValidate(fresh, 0, fresh.length, 4, t, L, e), -EINVAL);
  assert.equal(e.msg, NLA_MSG.INVALID_LENGTH);
  // NLA_UNSPEC at or above strict_start_type acts as a reject.
  const unspec = stream([4, '01']);
  assert.equal(nlaValidate(unspec, 0, unspec.length, 4, t, L), -EINVAL);
  // Types above maxtype are still only ignored: the upgrade happens per known attribute.
  const above = stream([9, '01']);
  assert.equal(nlaValidate(above, 0, above.length, 4, t, L), 0);
});

test('recursion depth: nesting policies more than ten levels deep is refused', () => {
  let table = nlaPolicyTable(1, { 1: { type: NLA_U8 } });
  for (let i = 0; i < 11; i++) table = nlaPolicyTable(1, { 1: nlaPolicyNested(table) });
  const b = new NlMsgBuilder();
  b.beginMessage(0x20, 0, 0, 0);
  const nests: number[] = [];
  for (let i = 0; i < 11; i++) nests.push(b.nestStart(1));
  b.putU8(1, 1);
  for (const n of nests.reverse()) b.nestEnd(n);
  b.finish();
  const s = b.toBytes().subarray(16);
  const e: ExtAck = {};
  assert.equal(nlaValidate(s, 0, s.length, 1, table, S, e), -EINVAL);
  assert.equal(e.msg, NLA_MSG.DEPTH);
});

test('nlmsgParse: a message shorter than its family header fails with "Invalid header length"', () => {
  const m = fromHex('13000000 1e00 0500 01000000 00000000 010100');
  const e: ExtAck = {};
  const r = nlmsgParse(m, 0, GENL_HDRLEN, IOAM6_ADDNS.maxtype, IOAM6_ADDNS, L, e);
  assert.ok(!r.ok && r.error.err === -EINVAL);
  assert.equal(e.msg, NLA_MSG.INVALID_HEADER);
});

test('nlaParseNested: strict and needs the flag; the deprecated variant is liberal', () => {
  const s = fromHex('0c00 0100 0500 0100 07 000000');
  const e: ExtAck = {};
  const r = nlaParseNested(s, 0, 2, INNER, e);
  assert.ok(!r.ok && e.msg === NLA_MSG.NESTED_MISSING && e.badAttrOffset === 0);
  const d = nlaParseNestedDeprecated(s, 0, 2, INNER);
  assert.ok(d.ok);
  assert.equal(d.value.u8(1), 7);
  assert.equal(nlaLen(s, 0), 8);
  assert.equal(nlaDataOffset(0), 4);
});

test('table reuse: nlaParseInto clears what the previous message left', () => {
  const tb = new NlAttrTable(stream([3, '0100'], [4, '02']), 4);
  assert.ok(nlaParseInto(tb, 0, 16, OUTER, S).ok);
  assert.deepEqual([tb.u16(3), tb.u8(4)], [1, 2]);
  assert.ok(nlaParseInto(tb, 0, 8, OUTER, S).ok);
  assert.deepEqual([tb.u16(3), tb.u8(4)], [1, undefined]);
});

test('genlValidation: the GENL_DONT_VALIDATE_* flags', () => {
  assert.equal(genlValidation(0, false), NL_VALIDATE_STRICT);
  assert.equal(genlValidation(GENL_DONT_VALIDATE_STRICT, false), NL_VALIDATE_LIBERAL);
  assert.equal(genlValidation(GENL_DONT_VALIDATE_STRICT, true), NL_VALIDATE_STRICT);
  assert.equal(genlValidation(GENL_DONT_VALIDATE_DUMP_STRICT, true), NL_VALIDATE_LIBERAL);
  assert.equal(genlValidation(GENL_DONT_VALIDATE_DUMP | GENL_DONT_VALIDATE_DUMP_STRICT, true), undefined);
  assert.equal(genlValidation(GENL_DONT_VALIDATE_DUMP, false), NL_VALIDATE_STRICT);
});

test('nlReqAttrCheck: records the missing type and its nest', () => {
  const s = stream([3, '0100']);
  const r = nlaParse(s, 0, s.length, 4, OUTER, S);
  assert.ok(r.ok);
  const e: ExtAck = {};
  assert.equal(nlReqAttrCheck(e, undefined, r.value, 3), true);
  assert.equal(nlReqAttrCheck(e, 40, r.value, 4), false);
  assert.deepEqual([e.missingType, e.missingNest], [4, 40]);
});

test('policy tables: entries above maxtype and bad types are programmer errors', () => {
  assert.throws(() => nlaPolicyTable(2, { 3: { type: NLA_U8 } }), RangeError);
  assert.throws(() => nlaPolicyTable(2, { 1: { type: 99 } }), RangeError);
});

// ---------------------------------------------------------------------------------------------
// Policy descriptions (NLMSGERR_ATTR_POLICY).
// ---------------------------------------------------------------------------------------------

function describe(pt: NlaPolicy): ReturnType<typeof parsePolicyAttr> | undefined {
  const b = new NlMsgBuilder();
  b.beginMessage(0x20, 0, 0, 0);
  if (!writePolicyAttr(b, pt, NLMSGERR_ATTR_POLICY)) return undefined;
  b.finish();
  const m = b.bytes();
  return parsePolicyAttr(m, 20, m.length - 20);
}

test('policy description: ranges, masks, lengths, nests', () => {
  assert.deepEqual(describe(nlaPolicyRange(NLA_S8, -5, 5)), {
    ok: true,
    value: { minValueS: -5n, maxValueS: 5n, type: NL_ATTR_TYPE_S8 },
  });
  assert.deepEqual(describe(nlaPolicyMask(NLA_U32, 0xf0)), { ok: true, value: { mask: 0xf0n, type: NL_ATTR_TYPE_U32 } });
  assert.deepEqual(describe({ type: NLA_UINT }), {
    ok: true,
    value: { minValueU: 0n, maxValueU: 0xffffffffffffffffn, type: NL_ATTR_TYPE_UINT },
  });
  assert.deepEqual(describe(nlaPolicyBitfield32(7)), { ok: true, value: { bitfield32Mask: 7, type: NL_ATTR_TYPE_BITFIELD32 } });
  assert.deepEqual(describe({ type: NLA_STRING, validationType: 1, min: 2, max: 10 }), {
    ok: true,
    value: { minLength: 2, maxLength: 10, type: NL_ATTR_TYPE_STRING },
  });
  // NLA_POLICY_MIN_LEN is not advertised (validation MIN, len 0): only the type.
  assert.deepEqual(describe(nlaPolicyMinLen(4)), { ok: true, value: { type: 10 } });
  assert.deepEqual(describe(nlaPolicyNested(INNER)), { ok: true, value: { type: NL_ATTR_TYPE_NESTED } });
  assert.equal(describe({ type: NLA_BE16 }), undefined);
  assert.equal(describe(nlaPolicyReject()), undefined);
  assert.deepEqual(describe(nlaPolicyValidateFn(NLA_U8, () => 0)), { ok: true, value: { type: 2 } });
});

// ---------------------------------------------------------------------------------------------
// Properties.
// ---------------------------------------------------------------------------------------------

test('fuzz: random bytes never throw in the validator, strict or liberal', () => {
  fc.assert(
    fc.property(fc.uint8Array({ maxLength: 200 }), fc.boolean(), fc.nat(210), (bytes, strict, start) => {
      const extack: ExtAck = {};
      const r = nlaParse(bytes, Math.min(start, bytes.length), bytes.length, 4, OUTER, strict ? S : L, extack);
      if (!r.ok) assert.ok(r.error.err === -EINVAL || r.error.err === -ERANGE);
      if (extack.badAttrOffset !== undefined) assert.ok(extack.badAttrOffset >= 0 && extack.badAttrOffset < bytes.length);
      nlmsgParse(bytes, 0, GENL_HDRLEN, CTRL_POLICY.maxtype, CTRL_POLICY, S, {});
      nlaValidate(bytes, 0, bytes.length, 1, nlaPolicyTable(1, { 1: nlaPolicyNestedArray(OUTER) }), L);
    }),
    { numRuns: 3000 },
  );
});

test('round trip: well-formed attributes built with the builder validate and land in the table', () => {
  fc.assert(
    fc.property(
      fc.array(
        fc.oneof(
          fc.tuple(fc.constant(3), fc.integer({ min: 0, max: 0xffff })),
          fc.tuple(fc.constant(4), fc.integer({ min: 0, max: 0xff })),
        ),
        { maxLength: 8 },
      ),
      (items) => {
        const b = new NlMsgBuilder();
        b.beginMessage(0x20, 0, 0, 0);
        const last = new Map<number, number>();
        for (const [t, v] of items) {
          last.set(t, t === 3 ? b.putU16(t, v) : b.putU8(t, v));
        }
        b.finish();
        const m = b.toBytes();
        const r = nlaParse(m, 16, m.length - 16, 4, OUTER, S);
        assert.ok(r.ok);
        for (const t of [3, 4]) assert.equal(r.value.offset(t), last.get(t) ?? -1);
        const want3 = items.filter(([t]) => t === 3).at(-1)?.[1];
        assert.equal(r.value.u16(3), want3);
      },
    ),
  );
});

test('table getters read every integer shape in place', () => {
  const t = nlaPolicyTable(9, {});
  const b = new NlMsgBuilder();
  b.beginMessage(0x20, 0, 0, 0);
  b.putS8(1, -1);
  b.putS16(2, -2);
  b.putS32(3, -3);
  b.putS64(4, -4n);
  b.putBe16(5, 0x0102);
  b.putBe32(6, 0x01020304);
  b.putUint(7, 0x1_0000_0000n);
  b.putSint(8, -9);
  b.putString(9, 'ab');
  b.finish();
  const m = b.toBytes();
  const r = nlaParse(m, 16, m.length - 16, 9, t, L);
  assert.ok(r.ok);
  const tb = r.value;
  assert.deepEqual(
    [tb.s8(1), tb.s16(2), tb.s32(3), tb.s64(4), tb.be16(5), tb.be32(6), tb.uint(7), tb.sint(8), tb.string(9), tb.len(9)],
    [-1, -2, -3, -4n, 0x0102, 0x01020304, 0x1_0000_0000n, -9n, 'ab', 3],
  );
  assert.equal(toHex(tb.data(5) ?? new Uint8Array()), '0102');
  assert.equal(tb.flag(1), true);
  assert.equal(tb.u64(4), 0xfffffffffffffffcn);
  assert.equal(tb.u8(99), undefined);
  assert.equal(tb.has(0), false);
});
