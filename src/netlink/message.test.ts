import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import {
  NlAttrCursor,
  NlMsgBuilder,
  NlMsgCursor,
  NlMsgView,
  emitGenlMsgHdr,
  emitNlAttrs,
  emitNlMsg,
  nlAttrsBufferLen,
  nlMsgBufferLen,
  nlaData,
  nlaGetBe16,
  nlaGetBe32,
  nlaGetS16,
  nlaGetS32,
  nlaGetS64,
  nlaGetS8,
  nlaGetSint,
  nlaGetString,
  nlaGetU16,
  nlaGetU32,
  nlaGetU64,
  nlaGetU8,
  nlaGetUint,
  nlaIsNested,
  nlaIsNetByteorder,
  nlaLen,
  nlaTotalSize,
  nlaType,
  nlmsgAlign,
  parseGenlMsgHdr,
  parseNlAttrs,
  parseNlMsg,
  parseNlMsgHdr,
  splitNlMsgs,
  type NlAttrRepr,
  type NlMsgRepr,
} from './message.ts';
import { bytesEqual, fromHex, toHex } from '../wire/bytes.ts';
import { parseIpv6Address } from '../wire/address.ts';
import {
  NLA_F_NESTED,
  NLM_F_ACK,
  NLM_F_CREATE,
  NLM_F_EXCL,
  NLM_F_MULTI,
  NLM_F_REQUEST,
  NLMSG_DONE,
  NLMSG_HDRLEN,
} from '../uapi/netlink.ts';
import {
  CTRL_ATTR_FAMILY_ID,
  CTRL_ATTR_FAMILY_NAME,
  CTRL_ATTR_HDRSIZE,
  CTRL_ATTR_MAXATTR,
  CTRL_ATTR_MCAST_GROUPS,
  CTRL_ATTR_MCAST_GRP_ID,
  CTRL_ATTR_MCAST_GRP_NAME,
  CTRL_ATTR_OP_FLAGS,
  CTRL_ATTR_OP_ID,
  CTRL_ATTR_OPS,
  CTRL_ATTR_VERSION,
  CTRL_CMD_GETFAMILY,
  CTRL_CMD_NEWFAMILY,
  GENL_ADMIN_PERM,
  GENL_CMD_CAP_DO,
  GENL_CMD_CAP_DUMP,
  GENL_ID_CTRL,
} from '../uapi/genetlink.ts';
import {
  IOAM6_ATTR_NS_DATA,
  IOAM6_ATTR_NS_ID,
  IOAM6_ATTR_SC_DATA,
  IOAM6_ATTR_SC_ID,
  IOAM6_CMD_ADD_NAMESPACE,
  IOAM6_CMD_ADD_SCHEMA,
  IOAM6_CMD_DUMP_NAMESPACES,
  IOAM6_GENL_EV_GRP_NAME,
  IOAM6_GENL_NAME,
  IOAM6_GENL_VERSION,
} from '../uapi/ioam6_genl.ts';
import {
  IFINFOMSG_SIZE,
  RTA_DST,
  RTA_OIF,
  RTM_GETLINK,
  RTM_NEWLINK,
  RTM_NEWROUTE,
  RTMSG_RTM_DST_LEN,
  RTMSG_RTM_FAMILY,
  RTMSG_RTM_PROTOCOL,
  RTMSG_RTM_TABLE,
  RTMSG_RTM_TYPE,
  RTMSG_SIZE,
  RT_TABLE_MAIN,
  RTN_UNICAST,
  RTPROT_BOOT,
} from '../uapi/rtnetlink.ts';
import { IFLA_AF_SPEC, IFLA_EXT_MASK, IFLA_IFNAME, IFLA_INET6_FLAGS, IFLA_MTU, IFLA_TXQLEN } from '../uapi/if_link.ts';
import { concat } from '../../test/support/packets.ts';

// Captured on Linux 6.18 (iproute2 6.1) with
//   ip netns exec v6nl-test strace -f -e trace=sendmsg,recvmsg -e write=all -e read=all <command>
// in a fresh namespace. Sequence numbers and port ids are as captured; the IOAM6 family id was
// 0x1e on that kernel (it is assigned at boot).

/** `ip ioam ...` first resolves the family: CTRL_CMD_GETFAMILY, version 0, name "IOAM6". */
const CTRL_GETFAMILY_IOAM6 = fromHex(`
  20000000 1000 0100 d637066b 00000000  # len 32, GENL_ID_CTRL, NLM_F_REQUEST, seq, pid 0
  03 00 0000                            # CTRL_CMD_GETFAMILY, version 0
  0a00 0200 494f414d3600 0000           # CTRL_ATTR_FAMILY_NAME "IOAM6\\0"
`);

/** The kernel's answer: CTRL_CMD_NEWFAMILY for IOAM6 (id 0x1e, 7 ops, group ioam6_events). */
const CTRL_NEWFAMILY_IOAM6 = fromHex(`
  f4000000 1000 0000 d637066b 05420000
  01 02 0000
  0a00 0200 494f414d36000000            # FAMILY_NAME
  0600 0100 1e00 0000                   # FAMILY_ID 0x1e
  0800 0300 01000000                    # VERSION 1
  0800 0400 00000000                    # HDRSIZE 0
  0800 0500 00000000                    # MAXATTR 0 (per-op policies)
  9000 0600                             # OPS (no NLA_F_NESTED: nla_nest_start_noflag)
    1400 0100 0800 0100 01000000 0800 0200 0b000000
    1400 0200 0800 0100 02000000 0800 0200 0b000000
    1400 0300 0800 0100 03000000 0800 0200 05000000
    1400 0400 0800 0100 04000000 0800 0200 0b000000
    1400 0500 0800 0100 05000000 0800 0200 0b000000
    1400 0600 0800 0100 06000000 0800 0200 05000000
    1400 0700 0800 0100 07000000 0800 0200 0b000000
  2400 0700                             # MCAST_GROUPS
    2000 0100 0800 0200 0a000000 1100 0100 696f616d365f6576656e747300 000000
`);

/** `ip ioam namespace add 7 data 0x11`: IOAM6_CMD_ADD_NAMESPACE, NLM_F_REQUEST|NLM_F_ACK. */
const IOAM6_ADD_NS_7 = fromHex(`
  24000000 1e00 0500 d737066b 00000000
  01 01 0000                            # IOAM6_CMD_ADD_NAMESPACE, version 1
  0600 0100 0700 0000                   # IOAM6_ATTR_NS_ID 7 (u16, 2 bytes of padding)
  0800 0200 11000000                    # IOAM6_ATTR_NS_DATA 0x11
`);

/** `ip ioam schema add 3 "abc"`: the schema data is sent as 3 bytes, without a NUL. */
const IOAM6_ADD_SCHEMA_3 = fromHex(`
  24000000 1e00 0500 db37066b 00000000
  04 01 0000                            # IOAM6_CMD_ADD_SCHEMA
  0800 0400 03000000                    # IOAM6_ATTR_SC_ID 3
  0700 0500 616263 00                   # IOAM6_ATTR_SC_DATA "abc" + 1 byte padding
`);

/** `ip ioam namespace show`: the dump's one entry and the NLMSG_DONE after it, as one read each. */
const IOAM6_DUMP_NS_ENTRY = fromHex(`
  24000000 1e00 0200 d937066b 34420000  # NLM_F_MULTI
  03 01 0000                            # IOAM6_CMD_DUMP_NAMESPACES
  0600 0100 0700 0000 0800 0200 11000000
`);
const IOAM6_DUMP_DONE = fromHex('14000000 0300 0200 d937066b 34420000 00000000');

/** `ip -6 route add 2001:db8::/64 dev lo`: RTM_NEWROUTE, REQUEST|ACK|EXCL|CREATE. */
const RTM_NEWROUTE_DB8 = fromHex(`
  38000000 1800 0506 de37066b 00000000
  0a 40 00 00 fe 03 00 01 00000000      # rtmsg: AF_INET6 /64 main boot universe unicast
  1400 0100 20010db8000000000000000000000000  # RTA_DST
  0800 0400 01000000                    # RTA_OIF 1
`);

/** `ip link show lo`: RTM_GETLINK with IFLA_EXT_MASK 9 and IFLA_IFNAME "lo". */
const RTM_GETLINK_LO = fromHex(`
  30000000 1200 0100 e037066b 00000000
  00 00 0000 00000000 00000000 00000000 # ifinfomsg, all zero
  0800 1d00 09000000                    # IFLA_EXT_MASK RTEXT_FILTER_VF|SKIP_STATS
  0700 0300 6c6f00 00                   # IFLA_IFNAME "lo"
`);

/** The kernel's RTM_NEWLINK for lo in that namespace (1100 bytes). */
const RTM_NEWLINK_LO = fromHex(`
  4c04000010000000de37066bfa2c49b100000403010000004900010000000000
  070003006c6f000008000d00e803000005001000000000000500110000000000
  0500430001000000080004000000010008003200000000000800330000000000
  08001b000000000008001e000000000008003d000000000008001f0001000000
  08002800ffff0000080029000000010008003a000000010008003f0000000100
  080040000000010008003b00f8ff070008003c00ffff00000800420000000000
  08002000010000000500210001000000080023000000000008002f0000000000
  0800300000000000060044000000000006004500000000000500270000000000
  0a00010000000000000000000a0002000000000000000000cc00170000000000
  0000000000000000000000000000000000000000000000000000000000000000
  0000000000000000000000000000000000000000000000000000000000000000
  0000000000000000000000000000000000000000000000000000000000000000
  0000000000000000000000000000000000000000000000000000000000000000
  0000000000000000000000000000000000000000000000000000000000000000
  0000000000000000000000000000000000000000000000000000000000000000
  0000000064000700000000000000000000000000000000000000000000000000
  0000000000000000000000000000000000000000000000000000000000000000
  0000000000000000000000000000000000000000000000000000000000000000
  00000000000000000c002b0005000200000000000c0006006e6f717565756500
  c0011a008c000200880001000000000000000000000000000100000001000000
  0100000001000000000000000100000000000000000000000000000000000000
  0000000001000000010000000000000000000000000000000000000000000000
  000000000000000000000000000000000000000010270000e803000000000000
  0000000000000000000000000100000030010a00080001000000008014000500
  ffff00006e97010034800000e8030000f4000200000000004000000000000100
  01000000010000000100000001000000ffffffffa00f0000e8030000ffffffff
  803a090080510100030000005802000010000000000000000100000001000000
  0100000060ea0000000000000000000000000000000000000000000000000000
  ffffffff000000000000000010270000e8030000010000000000000000000000
  0100000000000000000000000100000000000000000000000000000000000000
  80ee360000000000000000000100000000000000000000000000000000000000
  000000000004000000000000ffff0000ffffffff010000000000000000000000
  0000000014000700000000000000000000000000000000000500080000000000
  24000e0000000000000000000000000000000000000000000000000000000000
  0000000004003e8004004180
`);

const IOAM6_FAMILY = 0x1e;

// ---------------------------------------------------------------------------------------------
// iproute2's requests, rebuilt byte for byte.
// ---------------------------------------------------------------------------------------------

test('builder: CTRL_CMD_GETFAMILY "IOAM6" equals iproute2', () => {
  const b = new NlMsgBuilder();
  b.beginMessage(GENL_ID_CTRL, NLM_F_REQUEST, 0x6b0637d6, 0);
  b.putGenlHeader(CTRL_CMD_GETFAMILY, 0);
  b.putString(CTRL_ATTR_FAMILY_NAME, IOAM6_GENL_NAME);
  assert.equal(b.finish(), 32);
  assert.equal(toHex(b.bytes()), toHex(CTRL_GETFAMILY_IOAM6));
});

test('builder: IOAM6_CMD_ADD_NAMESPACE 7 data 0x11 equals iproute2', () => {
  const b = new NlMsgBuilder();
  b.beginMessage(IOAM6_FAMILY, NLM_F_REQUEST | NLM_F_ACK, 0x6b0637d7, 0);
  b.putGenlHeader(IOAM6_CMD_ADD_NAMESPACE, IOAM6_GENL_VERSION);
  b.putU16(IOAM6_ATTR_NS_ID, 7);
  b.putU32(IOAM6_ATTR_NS_DATA, 0x11);
  b.finish();
  assert.equal(toHex(b.bytes()), toHex(IOAM6_ADD_NS_7));
});

test('builder: IOAM6_CMD_ADD_SCHEMA 3 "abc" equals iproute2', () => {
  const b = new NlMsgBuilder();
  b.beginMessage(IOAM6_FAMILY, NLM_F_REQUEST | NLM_F_ACK, 0x6b0637db, 0);
  b.putGenlHeader(IOAM6_CMD_ADD_SCHEMA, IOAM6_GENL_VERSION);
  b.putU32(IOAM6_ATTR_SC_ID, 3);
  b.putBinary(IOAM6_ATTR_SC_DATA, new TextEncoder().encode('abc'));
  b.finish();
  assert.equal(toHex(b.bytes()), toHex(IOAM6_ADD_SCHEMA_3));
});

test('builder: RTM_NEWROUTE 2001:db8::/64 dev lo equals iproute2', () => {
  const b = new NlMsgBuilder();
  b.beginMessage(RTM_NEWROUTE, NLM_F_REQUEST | NLM_F_ACK | NLM_F_EXCL | NLM_F_CREATE, 0x6b0637de, 0);
  const rtm = b.reserve(RTMSG_SIZE);
  const buf = b.buffer;
  buf[rtm + RTMSG_RTM_FAMILY] = 10; // AF_INET6
  buf[rtm + RTMSG_RTM_DST_LEN] = 64;
  buf[rtm + RTMSG_RTM_TABLE] = RT_TABLE_MAIN;
  buf[rtm + RTMSG_RTM_PROTOCOL] = RTPROT_BOOT;
  buf[rtm + RTMSG_RTM_TYPE] = RTN_UNICAST;
  b.putIn6Addr(RTA_DST, parseIpv6Address('2001:db8::') ?? new Uint8Array(16));
  b.putU32(RTA_OIF, 1);
  b.finish();
  assert.equal(toHex(b.bytes()), toHex(RTM_NEWROUTE_DB8));
});

test('builder: RTM_GETLINK lo equals iproute2', () => {
  const b = new NlMsgBuilder();
  b.beginMessage(RTM_GETLINK, NLM_F_REQUEST, 0x6b0637e0, 0);
  b.reserve(IFINFOMSG_SIZE);
  b.putU32(IFLA_EXT_MASK, 9);
  b.putString(IFLA_IFNAME, 'lo');
  b.finish();
  assert.equal(toHex(b.bytes()), toHex(RTM_GETLINK_LO));
});

test('builder: the kernel reply CTRL_CMD_NEWFAMILY rebuilds byte for byte (unflagged nests)', () => {
  const b = new NlMsgBuilder({ initialCapacity: 64 }); // forces the buffer to grow twice
  b.beginMessage(GENL_ID_CTRL, 0, 0x6b0637d6, 0x4205);
  b.putGenlHeader(CTRL_CMD_NEWFAMILY, 2);
  b.putString(CTRL_ATTR_FAMILY_NAME, IOAM6_GENL_NAME);
  b.putU16(CTRL_ATTR_FAMILY_ID, IOAM6_FAMILY);
  b.putU32(CTRL_ATTR_VERSION, IOAM6_GENL_VERSION);
  b.putU32(CTRL_ATTR_HDRSIZE, 0);
  b.putU32(CTRL_ATTR_MAXATTR, 0);
  const ops = b.nestStartNoflag(CTRL_ATTR_OPS);
  const dumpOps = new Set([IOAM6_CMD_DUMP_NAMESPACES, 6]);
  for (let cmd = 1; cmd <= 7; cmd++) {
    const op = b.nestStartNoflag(cmd);
    b.putU32(CTRL_ATTR_OP_ID, cmd);
    b.putU32(CTRL_ATTR_OP_FLAGS, GENL_ADMIN_PERM | (dumpOps.has(cmd) ? GENL_CMD_CAP_DUMP : GENL_CMD_CAP_DO | 0x08));
    b.nestEnd(op);
  }
  b.nestEnd(ops);
  const grps = b.nestStartNoflag(CTRL_ATTR_MCAST_GROUPS);
  const g = b.nestStartNoflag(1);
  b.putU32(CTRL_ATTR_MCAST_GRP_ID, 0x0a);
  b.putString(CTRL_ATTR_MCAST_GRP_NAME, IOAM6_GENL_EV_GRP_NAME);
  b.nestEnd(g);
  b.nestEnd(grps);
  b.finish();
  assert.equal(toHex(b.bytes()), toHex(CTRL_NEWFAMILY_IOAM6));
});

test('builder: a dump entry and NLMSG_DONE batched in one buffer', () => {
  const b = new NlMsgBuilder();
  b.beginMessage(IOAM6_FAMILY, NLM_F_MULTI, 0x6b0637d9, 0x4234);
  b.putGenlHeader(IOAM6_CMD_DUMP_NAMESPACES, IOAM6_GENL_VERSION);
  b.putU16(IOAM6_ATTR_NS_ID, 7);
  b.putU32(IOAM6_ATTR_NS_DATA, 0x11);
  b.finish();
  b.beginMessage(NLMSG_DONE, NLM_F_MULTI, 0x6b0637d9, 0x4234);
  b.reserve(4);
  b.finish();
  assert.equal(toHex(b.toBytes()), toHex(concat(IOAM6_DUMP_NS_ENTRY, IOAM6_DUMP_DONE)));
});

// ---------------------------------------------------------------------------------------------
// Decoding the kernel's replies.
// ---------------------------------------------------------------------------------------------

test('view: header getters on the captured NEWFAMILY reply', () => {
  const r = NlMsgView.check(CTRL_NEWFAMILY_IOAM6);
  assert.ok(r.ok);
  const v = r.value;
  assert.deepEqual([v.len, v.type, v.flags, v.seq, v.pid], [244, GENL_ID_CTRL, 0, 0x6b0637d6, 0x4205]);
  assert.equal(v.payloadLength, 244 - 16);
  const g = parseGenlMsgHdr(CTRL_NEWFAMILY_IOAM6, v.payloadOffset);
  assert.deepEqual(g, { ok: true, value: { cmd: CTRL_CMD_NEWFAMILY, version: 2, reserved: 0 } });
});

test('attributes: the NEWFAMILY reply decodes (family id, ops, group name)', () => {
  const b = CTRL_NEWFAMILY_IOAM6;
  const c = new NlAttrCursor(b, 20, 244 - 20);
  const seen = new Map<number, number>();
  while (c.next()) seen.set(c.type, c.offset);
  assert.equal(c.leftover, 0);
  assert.equal(c.error(), undefined);
  assert.equal(nlaGetString(b, seen.get(CTRL_ATTR_FAMILY_NAME) ?? -1), 'IOAM6');
  assert.equal(nlaGetU16(b, seen.get(CTRL_ATTR_FAMILY_ID) ?? -1), IOAM6_FAMILY);
  const ops = seen.get(CTRL_ATTR_OPS) ?? -1;
  assert.equal(nlaIsNested(b, ops), false);
  const outer = new NlAttrCursor(b).resetNested(b, ops);
  const inner = new NlAttrCursor(b);
  const flags: number[] = [];
  while (outer.next()) {
    inner.resetNested(b, outer.offset);
    while (inner.next()) if (inner.type === CTRL_ATTR_OP_FLAGS) flags.push(nlaGetU32(b, inner.offset));
  }
  assert.deepEqual(flags, [0x0b, 0x0b, 0x05, 0x0b, 0x0b, 0x05, 0x0b]);
  const grp = new NlAttrCursor(b).resetNested(b, seen.get(CTRL_ATTR_MCAST_GROUPS) ?? -1);
  assert.ok(grp.next());
  const names = new NlAttrCursor(b).resetNested(b, grp.offset);
  let name = '';
  while (names.next()) if (names.type === CTRL_ATTR_MCAST_GRP_NAME) name = nlaGetString(b, names.offset);
  assert.equal(name, IOAM6_GENL_EV_GRP_NAME);
});

test('attributes: RTM_NEWLINK for lo decodes, including nests and empty flagged nests', () => {
  const b = RTM_NEWLINK_LO;
  const v = NlMsgView.check(b);
  assert.ok(v.ok);
  assert.equal(v.value.type, RTM_NEWLINK);
  const start = NLMSG_HDRLEN + IFINFOMSG_SIZE;
  const c = new NlAttrCursor(b, start, b.length - start);
  const at = new Map<number, number>();
  const types: number[] = [];
  while (c.next()) {
    at.set(c.type, c.offset);
    types.push(c.rawType);
  }
  assert.equal(c.leftover, 0);
  assert.equal(nlaGetString(b, at.get(IFLA_IFNAME) ?? -1), 'lo');
  assert.equal(nlaGetU32(b, at.get(IFLA_TXQLEN) ?? -1), 1000);
  assert.equal(nlaGetU32(b, at.get(IFLA_MTU) ?? -1), 65536);
  // The last two attributes are empty nests with NLA_F_NESTED (types 62 and 65).
  assert.deepEqual(types.slice(-2), [62 | NLA_F_NESTED, 65 | NLA_F_NESTED]);
  assert.equal(nlaLen(b, at.get(62) ?? -1), 0);
  // IFLA_AF_SPEC holds one nest per family; AF_INET6 (10) carries IFLA_INET6_FLAGS = IF_READY.
  const spec = new NlAttrCursor(b).resetNested(b, at.get(IFLA_AF_SPEC) ?? -1);
  const families: number[] = [];
  let inet6Flags = -1;
  while (spec.next()) {
    families.push(spec.type);
    if (spec.type !== 10) continue;
    const inner = new NlAttrCursor(b).resetNested(b, spec.offset);
    while (inner.next()) if (inner.type === IFLA_INET6_FLAGS) inet6Flags = nlaGetU32(b, inner.offset);
  }
  assert.deepEqual(families, [2, 10]);
  assert.equal(inet6Flags, 0x80000000);
});

test('cursor: a dump batch yields both messages, then stops cleanly', () => {
  const batch = concat(IOAM6_DUMP_NS_ENTRY, IOAM6_DUMP_DONE);
  const c = new NlMsgCursor(batch);
  const seen: Array<[number, number, number]> = [];
  while (c.next()) seen.push([c.type, c.flags, c.len]);
  assert.deepEqual(seen, [
    [IOAM6_FAMILY, NLM_F_MULTI, 36],
    [NLMSG_DONE, NLM_F_MULTI, 20],
  ]);
  assert.equal(c.leftover, 0);
  assert.equal(c.error(), undefined);
  const split = splitNlMsgs(batch);
  assert.ok(split.ok);
  assert.deepEqual(
    split.value.map((m) => m.offset),
    [0, 36],
  );
});

// ---------------------------------------------------------------------------------------------
// Walk semantics (NLMSG_OK/NLMSG_NEXT, nla_ok/nla_next).
// ---------------------------------------------------------------------------------------------

test('view: every truncation of a message is rejected, and nlmsg_len < 16 too', () => {
  for (let n = 0; n < IOAM6_ADD_NS_7.length; n++) {
    const r = NlMsgView.check(IOAM6_ADD_NS_7.subarray(0, n));
    assert.equal(r.ok, false, `length ${n}`);
    if (!r.ok) assert.equal(r.error.kind, 'truncated');
  }
  const bad = IOAM6_ADD_NS_7.slice();
  bad[0] = 15;
  const r = NlMsgView.check(bad);
  assert.ok(!r.ok && r.error.kind === 'bad-length' && r.error.field === 'nlmsg_len');
});

test('cursor: a message that overruns the buffer stops the walk and is reported', () => {
  const batch = concat(IOAM6_DUMP_NS_ENTRY, IOAM6_DUMP_DONE.subarray(0, 19));
  const c = new NlMsgCursor(batch);
  assert.ok(c.next());
  assert.equal(c.next(), false);
  assert.equal(c.leftover, 19);
  const e = c.error();
  assert.ok(e !== undefined && e.kind === 'truncated' && e.offset === 36);
  assert.equal(splitNlMsgs(batch).ok, false);
});

test('cursor: the last message may lack its padding (NLMSG_NEXT goes negative, no leftover)', () => {
  // nlmsg_len 17: one payload byte, the buffer ends right after it.
  const m = fromHex('11000000 1000 0000 01000000 00000000 aa');
  const c = new NlMsgCursor(m);
  assert.ok(c.next());
  assert.equal(c.payloadLength, 1);
  assert.equal(c.next(), false);
  assert.equal(c.leftover, 0);
});

test('attribute cursor: leftover bytes as the kernel counts them', () => {
  // ADD_NAMESPACE stream with two stray bytes after the last attribute.
  const s = fromHex('0600 0100 0700 0000 0100');
  const c = new NlAttrCursor(s);
  assert.ok(c.next());
  assert.equal(c.type, IOAM6_ATTR_NS_ID);
  assert.equal(c.next(), false);
  assert.equal(c.leftover, 2);
  assert.equal(c.error()?.offset, 8);
  // An attribute longer than what remains stops the walk: all remaining bytes are left over.
  const over = fromHex('0600 0100 0700 0000 0900 0200 11000000');
  const c2 = new NlAttrCursor(over);
  assert.ok(c2.next());
  assert.equal(c2.next(), false);
  assert.equal(c2.leftover, 8);
  // nla_len below the header size stops it too.
  const tiny = fromHex('0300 0100 00000000');
  const c3 = new NlAttrCursor(tiny);
  assert.equal(c3.next(), false);
  assert.equal(c3.leftover, 8);
  assert.equal(c3.error()?.kind, 'bad-length');
  // The final attribute without its padding is fine (rem goes negative).
  const unpadded = fromHex('0500 0300 01');
  const c4 = new NlAttrCursor(unpadded);
  assert.ok(c4.next());
  assert.equal(c4.len, 1);
  assert.equal(c4.next(), false);
  assert.equal(c4.leftover, 0);
});

test('attribute cursor: a declared length past the buffer is cut to the buffer', () => {
  const c = new NlAttrCursor(IOAM6_ADD_NS_7, 20, 1000);
  let n = 0;
  while (c.next()) n++;
  assert.equal(n, 2);
  assert.equal(c.leftover, 0);
});

test('parseNlAttrs: leftover bytes are an error, a clean stream parses', () => {
  const ok = parseNlAttrs(IOAM6_ADD_NS_7, 20);
  assert.ok(ok.ok);
  assert.deepEqual(
    ok.value.map((a) => [a.type, a.nested, a.netByteorder, toHex(a.data)]),
    [
      [IOAM6_ATTR_NS_ID, false, false, '0700'],
      [IOAM6_ATTR_NS_DATA, false, false, '11000000'],
    ],
  );
  const bad = parseNlAttrs(fromHex('0600 0100 0700 0000 0100'));
  assert.ok(!bad.ok && bad.error.offset === 8 && bad.error.message.startsWith('bytes leftover after parsing attributes'));
});

// ---------------------------------------------------------------------------------------------
// Builder details.
// ---------------------------------------------------------------------------------------------

test('builder: integer, string and byte-order puts, read back with the getters', () => {
  const b = new NlMsgBuilder();
  b.beginMessage(0x20, NLM_F_REQUEST, 1, 2);
  const at = {
    u8: b.putU8(1, 0xfe),
    s8: b.putS8(2, -2),
    s16: b.putS16(3, -300),
    s32: b.putS32(4, -70000),
    s64: b.putS64(5, -(1n << 40n)),
    u64: b.putU64(6, 0x0102030405060708n),
    be16: b.putBe16(7, 0x1234),
    net16: b.putNet16(8, 0x1234),
    be32: b.putBe32(9, 0xc0000201),
    net32: b.putNet32(10, 0xc0000201),
    flag: b.putFlag(11),
    str: b.putString(12, 'héllo'),
    uintSmall: b.putUint(13, 5),
    uintBig: b.putUint(14, 0x100000000n),
    sintSmall: b.putSint(15, -5),
    sintBig: b.putSint(16, -0x80000001n),
  };
  b.finish();
  const m = b.bytes();
  assert.equal(nlaGetU8(m, at.u8), 0xfe);
  assert.equal(nlaGetS8(m, at.s8), -2);
  assert.equal(nlaGetS16(m, at.s16), -300);
  assert.equal(nlaGetS32(m, at.s32), -70000);
  assert.equal(nlaGetS64(m, at.s64), -(1n << 40n));
  assert.equal(nlaGetU64(m, at.u64), 0x0102030405060708n);
  assert.equal(toHex(nlaData(m, at.u64)), '0807060504030201'); // host (little-endian) order
  assert.equal(toHex(nlaData(m, at.be16)), '1234');
  assert.equal(nlaGetBe16(m, at.be16), 0x1234);
  assert.equal(nlaIsNetByteorder(m, at.be16), false); // nla_put_be16 leaves the type alone
  assert.equal(nlaIsNetByteorder(m, at.net16), true);
  assert.equal(nlaType(m, at.net16), 8);
  assert.equal(nlaGetBe32(m, at.be32), 0xc0000201);
  assert.equal(nlaIsNetByteorder(m, at.net32), true);
  assert.equal(nlaLen(m, at.flag), 0);
  assert.equal(nlaGetString(m, at.str), 'héllo');
  assert.equal(nlaLen(m, at.str), 7); // UTF-8 bytes plus the NUL
  assert.equal(nlaLen(m, at.uintSmall), 4);
  assert.equal(nlaGetUint(m, at.uintSmall), 5n);
  assert.equal(nlaLen(m, at.uintBig), 8);
  assert.equal(nlaGetUint(m, at.uintBig), 0x100000000n);
  assert.equal(nlaLen(m, at.sintSmall), 4);
  assert.equal(nlaGetSint(m, at.sintSmall), -5n);
  assert.equal(nlaLen(m, at.sintBig), 8);
  assert.equal(nlaGetSint(m, at.sintBig), -0x80000001n);
  // The message length covers everything and the walk ends cleanly.
  const v = NlMsgView.check(m);
  assert.ok(v.ok && v.value.len === m.length);
  const c = new NlAttrCursor(m, 16, m.length - 16);
  let n = 0;
  while (c.next()) n++;
  assert.equal(n, 16);
  assert.equal(c.leftover, 0);
});

test('builder: nests get NLA_F_NESTED and their length fixed up; cancel drops them', () => {
  const b = new NlMsgBuilder();
  b.beginMessage(0x20, NLM_F_REQUEST, 1, 0);
  const outer = b.nestStart(1);
  b.putU32(2, 7);
  const inner = b.nestStart(3);
  b.putU8(4, 1);
  b.nestEnd(inner);
  b.nestEnd(outer);
  const dropped = b.nestStart(5);
  b.putU32(6, 1);
  b.nestCancel(dropped);
  b.finish();
  assert.equal(
    toHex(b.bytes()),
    toHex(fromHex(`
      28000000 2000 0100 01000000 00000000
      1800 0180 0800 0200 07000000 0c00 0380 0500 0400 01 000000
    `)),
  );
});

test('builder: nla_put_u64_64bit pads only when modelling strict-alignment kernels', () => {
  const x86 = new NlMsgBuilder();
  x86.beginMessage(0x20, 0, 0, 0);
  x86.putU64(1, 1n, 7);
  x86.finish();
  assert.equal(x86.length, 16 + 12);
  // With align64: the tail is at 16 (8-aligned), so a 4-byte pad attribute of type 7 goes first.
  const strict = new NlMsgBuilder({ align64: true });
  strict.beginMessage(0x20, 0, 0, 0);
  strict.putU64(1, 1n, 7);
  strict.putU64(2, 2n, 7); // tail at 32: padded again
  strict.putFlag(3);
  strict.putU64(4, 3n, 7); // tail at 52: payload at 56, no pad
  strict.finish();
  assert.equal(
    toHex(strict.bytes()),
    toHex(fromHex(`
      40000000 2000 0000 00000000 00000000
      0400 0700 0c00 0100 0100000000000000
      0400 0700 0c00 0200 0200000000000000
      0400 0300
      0c00 0400 0300000000000000
    `)),
  );
});

test('builder: cancel drops a message; misuse and out-of-range values throw', () => {
  const b = new NlMsgBuilder();
  b.beginMessage(0x20, 0, 1, 0);
  b.putU32(1, 1);
  b.cancel();
  assert.equal(b.length, 0);
  assert.throws(() => b.putU8(1, 1), /no message is open/);
  b.beginMessage(0x20, 0, 1, 0);
  assert.throws(() => b.beginMessage(0x20, 0, 2, 0), /not finished/);
  assert.throws(() => b.putU8(1, 256), RangeError);
  assert.throws(() => b.putU16(1, -1), RangeError);
  assert.throws(() => b.putS8(1, 128), RangeError);
  assert.throws(() => b.putU64(1, -1n), RangeError);
  assert.throws(() => b.put(1, new Uint8Array(65532)), RangeError);
  const big = b.nestStart(2);
  b.put(3, new Uint8Array(65000));
  b.put(3, new Uint8Array(1000));
  assert.throws(() => b.nestEnd(big), RangeError);
  b.reset();
  assert.equal(b.length, 0);
});

test('builder: putString stops at an embedded NUL, as strlen does', () => {
  const b = new NlMsgBuilder();
  b.beginMessage(0x20, 0, 0, 0);
  const at = b.putString(1, 'ab\0cd');
  b.finish();
  assert.equal(nlaLen(b.bytes(), at), 3);
  assert.equal(toHex(nlaData(b.bytes(), at)), '616200');
});

test('genlmsghdr: parse and emit', () => {
  const buf = new Uint8Array(4);
  emitGenlMsgHdr({ cmd: 10, version: 1, reserved: 0x0201 }, buf);
  assert.equal(toHex(buf), '0a010102');
  assert.deepEqual(parseGenlMsgHdr(buf), { ok: true, value: { cmd: 10, version: 1, reserved: 0x0201 } });
  assert.equal(parseGenlMsgHdr(buf.subarray(0, 3)).ok, false);
});

test('nlmsghdr: parse reads as-is; sizes follow NLMSG_ALIGN', () => {
  assert.deepEqual(parseNlMsgHdr(RTM_NEWROUTE_DB8), {
    ok: true,
    value: { len: 56, type: RTM_NEWROUTE, flags: 0x605, seq: 0x6b0637de, pid: 0 },
  });
  assert.equal(nlmsgAlign(17), 20);
  assert.equal(nlmsgAlign(0xfffffffc), 0xfffffffc);
  assert.equal(nlmsgAlign(0xfffffffd), 0x100000000);
  assert.equal(nlaTotalSize(5), 12);
});

// ---------------------------------------------------------------------------------------------
// Properties.
// ---------------------------------------------------------------------------------------------

test('fuzz: random bytes never throw in the walkers and parsers', () => {
  fc.assert(
    fc.property(fc.uint8Array({ maxLength: 300 }), fc.nat(310), (bytes, start) => {
      const mc = new NlMsgCursor(bytes, Math.min(start, bytes.length));
      let guard = 0;
      while (mc.next()) {
        assert.ok(mc.offset + mc.len <= bytes.length);
        guard++;
      }
      assert.ok(guard <= bytes.length / 16);
      mc.error();
      const ac = new NlAttrCursor(bytes, Math.min(start, bytes.length));
      while (ac.next()) {
        assert.ok(ac.offset + 4 + ac.len <= bytes.length);
        nlaGetString(bytes, ac.offset);
        nlaGetU64(bytes, ac.offset);
      }
      ac.error();
      parseNlAttrs(bytes);
      parseNlMsg(bytes, start);
      splitNlMsgs(bytes);
      parseNlMsgHdr(bytes, start);
      parseGenlMsgHdr(bytes, start);
    }),
    { numRuns: 2000 },
  );
});

const attrArb: fc.Arbitrary<NlAttrRepr> = fc.record({
  type: fc.integer({ min: 0, max: 0x3fff }),
  nested: fc.boolean(),
  netByteorder: fc.boolean(),
  data: fc.uint8Array({ maxLength: 40 }),
});

test('round trip: parseNlAttrs(emitNlAttrs(x)) equals x', () => {
  fc.assert(
    fc.property(fc.array(attrArb, { maxLength: 12 }), (attrs) => {
      const buf = new Uint8Array(nlAttrsBufferLen(attrs));
      assert.equal(emitNlAttrs(attrs, buf), buf.length);
      const r = parseNlAttrs(buf);
      assert.ok(r.ok);
      assert.deepEqual(
        r.value.map((a) => ({ ...a, data: toHex(a.data) })),
        attrs.map((a) => ({ ...a, data: toHex(a.data) })),
      );
    }),
  );
});

test('round trip: parseNlMsg(emitNlMsg(x)) equals x, in batches too', () => {
  const msgArb: fc.Arbitrary<NlMsgRepr> = fc.record({
    type: fc.integer({ min: 0, max: 0xffff }),
    flags: fc.integer({ min: 0, max: 0xffff }),
    seq: fc.integer({ min: 0, max: 0xffffffff }),
    pid: fc.integer({ min: 0, max: 0xffffffff }),
    payload: fc.uint8Array({ maxLength: 50 }),
  });
  fc.assert(
    fc.property(fc.array(msgArb, { minLength: 1, maxLength: 5 }), (msgs) => {
      const buf = new Uint8Array(msgs.reduce((n, m) => n + nlMsgBufferLen(m), 0));
      let o = 0;
      for (const m of msgs) o += emitNlMsg(m, buf, o);
      const c = new NlMsgCursor(buf);
      const back: NlMsgRepr[] = [];
      while (c.next()) {
        const r = parseNlMsg(buf, c.offset);
        assert.ok(r.ok);
        back.push(r.value);
      }
      assert.equal(c.leftover, 0);
      assert.equal(back.length, msgs.length);
      back.forEach((m, i) => {
        const want = msgs[i];
        assert.ok(want !== undefined);
        assert.deepEqual({ ...m, payload: toHex(m.payload) }, { ...want, payload: toHex(want.payload) });
        assert.ok(bytesEqual(m.payload, want.payload));
      });
    }),
  );
});

test('round trip: builder output walks back to the same attributes', () => {
  fc.assert(
    fc.property(fc.array(fc.tuple(fc.integer({ min: 1, max: 100 }), fc.uint8Array({ maxLength: 30 })), { maxLength: 10 }), (items) => {
      const b = new NlMsgBuilder({ initialCapacity: 16 });
      b.beginMessage(0x10, NLM_F_REQUEST, 9, 0);
      const nest = b.nestStart(1);
      for (const [t, d] of items) b.put(t, d);
      b.nestEnd(nest);
      b.finish();
      const m = b.bytes();
      const outer = new NlAttrCursor(m, 16, m.length - 16);
      assert.ok(outer.next());
      assert.equal(outer.rawType, 1 | NLA_F_NESTED);
      const inner = new NlAttrCursor(m).resetNested(m, outer.offset);
      const back: Array<[number, string]> = [];
      while (inner.next()) back.push([inner.type, toHex(inner.data)]);
      assert.deepEqual(back, items.map(([t, d]) => [t, toHex(d)]));
      assert.equal(outer.next(), false);
      assert.equal(outer.leftover, 0);
    }),
  );
});
