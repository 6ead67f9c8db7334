import { test } from 'node:test';
import assert from 'node:assert/strict';
import { World } from '../net/net.ts';
import { rootCredentials } from '../net/credentials.ts';
import { fromHex, toHex } from '../wire/bytes.ts';
import { EINVAL, ENODATA, ENOENT } from '../uapi/errno.ts';
import {
  CTRL_ATTR_FAMILY_ID,
  CTRL_ATTR_FAMILY_NAME,
  CTRL_ATTR_OP,
  CTRL_CMD_DELFAMILY,
  CTRL_CMD_DELMCAST_GRP,
  CTRL_CMD_GETFAMILY,
  CTRL_CMD_GETPOLICY,
  CTRL_CMD_NEWFAMILY,
  CTRL_CMD_NEWMCAST_GRP,
  GENL_ID_CTRL,
  GENL_START_ALLOC,
} from '../uapi/genetlink.ts';
import {
  NETLINK_ADD_MEMBERSHIP,
  NETLINK_GENERIC,
  NLM_F_DUMP,
  NLM_F_REQUEST,
  NLMSG_DONE,
  SOL_NETLINK,
} from '../uapi/netlink.ts';
import { parseNlmsgDone, parseNlmsgerr } from './errors.ts';
import type { GenlFamily } from './genetlink.ts';
import { NlAttrCursor, NlMsgBuilder, splitNlMsgs } from './message.ts';
import { createGenlBus } from './nlctrl.ts';
import { NetlinkSocket, NetlinkTable } from './socket.ts';
import { registerIoam6 } from '../ipv6/ioam6.ts';
import { createIoam6GenlFamily } from '../ipv6/ioam6-genl.ts';

// Kernel answers captured on Linux 6.18.44 in a fresh namespace (`ip netns add v6gn-test`),
// from Python with socket(AF_NETLINK, SOCK_RAW, NETLINK_GENERIC) bound to port 0 (autobind:
// the process id). Requests: CTRL_CMD_GETFAMILY { FAMILY_NAME } seq 1 flags REQUEST; and
// CTRL_CMD_GETPOLICY { FAMILY_NAME [, OP] } seq 7 flags REQUEST|DUMP. The port id each came to
// is given: our socket opens with that pid so the autobind id matches.

/** GETFAMILY "nlctrl", to port 0x754: id 0x10, version 2, maxattr 0, GETFAMILY (DO|DUMP|HASPOL), GETPOLICY (DUMP|HASPOL), group notify = 0x10. */
const KERNEL_NLCTRL = fromHex(
  '88000000100000000100000054070000010200000b0002006e6c6374726c000006000100100000000800030002000000' +
    '080004000000000008000500000000002c000600140001000800010003000000080002000e0000001400020008000100' +
    '0a000000080002000c0000001c0007001800010008000200100000000b0001006e6f746966790000',
);
/**
 * GETFAMILY "IOAM6", to port 0x754: id 0x1e, version 1, maxattr 0, seven ops (ADMIN_PERM; doit
 * ops with a policy 0x0b, dumps without one 0x05), group ioam6_events = 10.
 */
const KERNEL_IOAM6 = fromHex(
  'f4000000100000000100000054070000010200000a000200494f414d36000000060001001e0000000800030001000000' +
    '0800040000000000080005000000000090000600140001000800010001000000080002000b0000001400020008000100' +
    '02000000080002000b000000140003000800010003000000080002000500000014000400080001000400000008000200' +
    '0b000000140005000800010005000000080002000b000000140006000800010006000000080002000500000014000700' +
    '0800010007000000080002000b0000002400070020000100080002000a00000011000100696f616d365f6576656e7473' +
    '00000000',
);
/** GETPOLICY dump of "nlctrl" to port 0x7f8: first datagram (op map + policies), then NLMSG_DONE alone. */
const KERNEL_POLICY_NLCTRL = [
  '340000001000020007000000f80700000a02000006000100100000001800098014000380080001000000000008000200' +
    '000000002c0000001000020007000000f80700000a02000006000100100000001000098' +
    '00c0000800800020001000000480000001000020007000000f80700000a020000060001001000000' +
    '02c00088028000080240001800c00040000000000000000000c000500ffff000000000000080001000300000038000000' +
    '1000020007000000f80700000a02000006000100100000001c0008801800008014000280080007000f00000008000100' +
    '0c000000480000001000020007000000f80700000a02000006000100100000002c00088028000180240001800c000400' +
    '00000000000000000c000500ffff0000000000000800010003000000380000001000020007000000f80700000a020000' +
    '06000100100000001c0008801800018014000280080007000f000000080001000c00000048000000100002000700000' +
    '0f80700000a02000006000100100000002c0008802800018024000a800c00040000000000000000000c000500ffffffff' +
    '000000000800010004000000',
  '140000000300020007000000f807000000000000',
];
/** GETPOLICY of "IOAM6" with CTRL_ATTR_OP = 1 (ADD_NAMESPACE), to port 0x823. */
const KERNEL_POLICY_IOAM6_OP1 = [
  '2c0000001000020007000000230800000a020000060001001e000000100009800c0001800800010000000000480000001000' +
    '020007000000230800000a020000060001001e0000002c00088028000080240001800c00040000000000000000000c000500' +
    'ffff0000000000000800010003000000480000001000020007000000230800000a020000060001001e0000002c0008802800' +
    '0080240002800c00040000000000000000000c000500ffffffff00000000080001000400000048000000100002000700000' +
    '0230800000a020000060001001e0000002c00088028000080240003800c00040000000000000000000c000500ffffffffffff' +
    'ffff0800010005000000',
  '1400000003000200070000002308000000000000',
];
/** GETPOLICY of "IOAM6" (all ops), to port 0x84e. */
const KERNEL_POLICY_IOAM6 = [
  '2c00000010000200070000004e0800000a020000060001001e000000100009800c00018008000100000000002c00000010000200' +
    '070000004e0800000a020000060001001e000000100009800c00028008000100010000002c00000010000200070000004e08' +
    '00000a020000060001001e000000100009800c00048008000100020000002c00000010000200070000004e0800000a020000' +
    '060001001e000000100009800c00058008000100030000002c00000010000200070000004e0800000a020000060001001e00' +
    '0000100009800c00078008000100040000004800000010000200070000004e0800000a020000060001001e0000002c000880' +
    '28000080240001800c00040000000000000000000c000500ffff00000000000008000100030000004800000010000200070000' +
    '004e0800000a020000060001001e0000002c00088028000080240002800c00040000000000000000000c000500ffffffff0000' +
    '00000800010004000000480000001000020007000000' +
    '4e0800000a020000060001001e0000002c00088028000080240003800c00040000000000000000000c000500ffffffffffffff' +
    'ff08000100050000004800000010000200070000004e0800000a020000060001001e0000002c00088028000180240001800c00' +
    '040000000000000000000c000500ffff00000000000008000100030000004800000010000200070000004e0800000a02000006' +
    '0001001e0000002c00088028000280240004800c00040000000000000000000c000500ffffffff00000000080001000400000038' +
    '00000010000200070000004e0800000a020000060001001e0000001c000880180002801400058008000700fc0300000800010' +
    '00a0000004800000010000200070000004e0800000a020000060001001e0000002c00088028000380240004800c0004000000' +
    '0000000000000c000500ffffffff0000000008000100040000004800000010000200070000004e0800000a020000060001001e00' +
    '00002c00088028000480240001800c00040000000000000000000c000500ffff000000000000080001000300000048000000100' +
    '00200070000004e0800000a020000060001001e0000002c00088028000480240004800c00040000000000000000000c000500ff' +
    'ffffff0000000008000100040000003000000010000200070000004e0800000a020000060001001e0000001400088010000480' +
    '0c0006800800010001000000',
  '1400000003000200070000004e08000000000000',
];

function setup(pid = 0x754) {
  const world = new World();
  const table = new NetlinkTable(world);
  const bus = createGenlBus(table);
  const sock = new NetlinkSocket(table, world.initNet, NETLINK_GENERIC, rootCredentials(world.initUserNs, pid));
  assert.equal(sock.bind(), 0);
  // The real IOAM6 family description (net/ipv6/ioam6.c), a family with policies, a dump and a group.
  const key = registerIoam6(world);
  assert.ok(key.ok);
  const ioam6Family = (): GenlFamily => createIoam6GenlFamily(key.value);
  return { world, table, bus, sock, ioam6Family };
}

function ctrlRequest(cmd: number, flags: number, seq: number, version: number, attrs: (b: NlMsgBuilder) => void): Uint8Array {
  const b = new NlMsgBuilder();
  b.beginMessage(GENL_ID_CTRL, flags, seq, 0);
  b.putGenlHeader(cmd, version);
  attrs(b);
  b.finish();
  return b.toBytes();
}

function recvAll(sock: NetlinkSocket): Uint8Array[] {
  const out: Uint8Array[] = [];
  for (;;) {
    const d = sock.recvmsg();
    if (typeof d === 'number') return out;
    out.push(d);
  }
}

/** The kernel's IOAM6 answer with its ids (family 0x1e, group 10) replaced by ours. */
function patchIoam6(hex: string, id: number, group?: number): string {
  const idHex = toHex(new Uint8Array([id & 0xff, id >> 8]));
  let out = hex.replaceAll('060001001e000000', `06000100${idHex}0000`);
  if (group !== undefined) out = out.replace('080002000a000000', `08000200${toHex(new Uint8Array([group, 0, 0, 0]))}`);
  return out;
}

test('GETFAMILY nlctrl is byte-identical to Linux 6.18', () => {
  const { sock } = setup();
  assert.equal(sock.portid, 0x754);
  sock.sendmsg(ctrlRequest(CTRL_CMD_GETFAMILY, NLM_F_REQUEST, 1, 2, (b) => b.putString(CTRL_ATTR_FAMILY_NAME, 'nlctrl')));
  const got = recvAll(sock);
  assert.equal(got.length, 1);
  assert.equal(toHex(got[0] as Uint8Array), toHex(KERNEL_NLCTRL));
});

test('GETFAMILY IOAM6 equals Linux 6.18 once the allocated ids are patched (kernel 0x1e/10, ours first free)', () => {
  const { bus, sock, ioam6Family } = setup();
  const reg = bus.registerFamily(ioam6Family());
  assert.ok(typeof reg !== 'number');
  // First dynamic id, first free group (0, 1 and 16..18 are reserved).
  assert.equal(reg.id, GENL_START_ALLOC);
  assert.equal(reg.mcgrpOffset, 2);
  sock.sendmsg(ctrlRequest(CTRL_CMD_GETFAMILY, NLM_F_REQUEST, 1, 2, (b) => b.putString(CTRL_ATTR_FAMILY_NAME, 'IOAM6')));
  const got = recvAll(sock);
  assert.equal(got.length, 1);
  assert.equal(toHex(got[0] as Uint8Array), patchIoam6(toHex(KERNEL_IOAM6), reg.id, reg.mcgrpOffset));
  // By id as well: the same answer.
  sock.sendmsg(ctrlRequest(CTRL_CMD_GETFAMILY, NLM_F_REQUEST, 1, 2, (b) => b.putU16(CTRL_ATTR_FAMILY_ID, reg.id)));
  assert.equal(toHex(recvAll(sock)[0] as Uint8Array), patchIoam6(toHex(KERNEL_IOAM6), reg.id, reg.mcgrpOffset));
});

test('GETPOLICY dumps are byte-identical to Linux 6.18 (nlctrl; IOAM6 one op and all ops)', () => {
  {
    const { sock } = setup(0x7f8);
    sock.sendmsg(ctrlRequest(CTRL_CMD_GETPOLICY, NLM_F_REQUEST | NLM_F_DUMP, 7, 1, (b) => b.putString(CTRL_ATTR_FAMILY_NAME, 'nlctrl')));
    assert.deepEqual(recvAll(sock).map(toHex), KERNEL_POLICY_NLCTRL);
  }
  for (const [pid, op, want] of [
    [0x823, 1, KERNEL_POLICY_IOAM6_OP1],
    [0x84e, undefined, KERNEL_POLICY_IOAM6],
  ] as const) {
    const { bus, sock, ioam6Family } = setup(pid);
    const reg = bus.registerFamily(ioam6Family());
    assert.ok(typeof reg !== 'number');
    sock.sendmsg(ctrlRequest(CTRL_CMD_GETPOLICY, NLM_F_REQUEST | NLM_F_DUMP, 7, 1, (b) => {
      b.putString(CTRL_ATTR_FAMILY_NAME, 'IOAM6');
      if (op !== undefined) b.putU32(CTRL_ATTR_OP, op);
    }));
    assert.deepEqual(recvAll(sock).map(toHex), want.map((h) => patchIoam6(h, reg.id)));
  }
});

test('GETFAMILY errors: unknown name/id ENOENT, no attribute EINVAL, non-netnsok family hidden elsewhere', () => {
  const { world, table, bus, sock, ioam6Family } = setup();
  const errOf = (req: Uint8Array, s = sock): number => {
    s.sendmsg(req);
    const d = s.recvmsg();
    assert.ok(typeof d !== 'number');
    const e = parseNlmsgerr(d);
    assert.ok(e.ok);
    return e.value.error;
  };
  assert.equal(errOf(ctrlRequest(CTRL_CMD_GETFAMILY, NLM_F_REQUEST, 2, 2, (b) => b.putString(CTRL_ATTR_FAMILY_NAME, 'nosuch'))), -ENOENT);
  assert.equal(errOf(ctrlRequest(CTRL_CMD_GETFAMILY, NLM_F_REQUEST, 2, 2, (b) => b.putU16(CTRL_ATTR_FAMILY_ID, 0x3ff))), -ENOENT);
  assert.equal(errOf(ctrlRequest(CTRL_CMD_GETFAMILY, NLM_F_REQUEST, 2, 2, () => undefined)), -EINVAL);
  const fam = { ...ioam6Family(), name: 'initonly', netnsok: false };
  assert.ok(typeof bus.registerFamily(fam) !== 'number');
  const other = world.createNet('other');
  assert.ok(other.ok);
  const s2 = new NetlinkSocket(table, other.value, NETLINK_GENERIC, rootCredentials(world.initUserNs, 99));
  const q = ctrlRequest(CTRL_CMD_GETFAMILY, NLM_F_REQUEST, 3, 2, (b) => b.putString(CTRL_ATTR_FAMILY_NAME, 'initonly'));
  assert.equal(errOf(q, s2), -ENOENT);
  sock.sendmsg(q);
  const d = sock.recvmsg();
  assert.ok(typeof d !== 'number' && d.length > 20 && d[4] === GENL_ID_CTRL);
});

test('GETPOLICY errors: no family attribute EINVAL, unknown op ENOENT with its offset, no policy ENODATA', () => {
  const { bus, sock } = setup();
  const reg = bus.registerFamily({ name: 'nopol', version: 1, hdrsize: 0, maxattr: 0, netnsok: true, ops: [{ cmd: 1, doit: () => 0 }] });
  assert.ok(typeof reg !== 'number');
  const ack = (req: Uint8Array) => {
    sock.sendmsg(req);
    const d = sock.recvmsg();
    assert.ok(typeof d !== 'number');
    const e = parseNlmsgerr(d);
    assert.ok(e.ok);
    return e.value;
  };
  assert.equal(ack(ctrlRequest(CTRL_CMD_GETPOLICY, NLM_F_REQUEST | NLM_F_DUMP, 1, 1, () => undefined)).error, -EINVAL);
  assert.equal(sock.setsockopt(SOL_NETLINK, 11, 1), 0); // NETLINK_EXT_ACK
  const bad = ack(ctrlRequest(CTRL_CMD_GETPOLICY, NLM_F_REQUEST | NLM_F_DUMP, 1, 1, (b) => {
    b.putString(CTRL_ATTR_FAMILY_NAME, 'nlctrl');
    b.putU32(CTRL_ATTR_OP, 99);
  }));
  assert.equal(bad.error, -ENOENT);
  // Header 16 + genl 4 + name attribute 12: the op attribute is at 32.
  assert.equal(bad.extAck.badAttrOffset, 32);
  assert.equal(ack(ctrlRequest(CTRL_CMD_GETPOLICY, NLM_F_REQUEST | NLM_F_DUMP, 1, 1, (b) => b.putU16(CTRL_ATTR_FAMILY_ID, reg.id))).error, -ENODATA);
});

test('GETFAMILY dump lists every family once, in id order, across small batches', () => {
  const { bus, sock, ioam6Family } = setup();
  const names: string[] = [];
  for (let i = 0; i < 60; i++) {
    const r = bus.registerFamily({ ...ioam6Family(), name: `fam${i}` });
    assert.ok(typeof r !== 'number');
    names.push(`fam${i}`);
  }
  sock.sendmsg(ctrlRequest(CTRL_CMD_GETFAMILY, NLM_F_REQUEST | NLM_F_DUMP, 5, 2, () => undefined));
  const seen: string[] = [];
  const got = recvAll(sock);
  assert.ok(got.length > 2, 'several batches');
  let done = false;
  for (const d of got) {
    const msgs = splitNlMsgs(d);
    assert.ok(msgs.ok);
    for (const m of msgs.value) {
      if (m.type === NLMSG_DONE) {
        done = true;
        assert.ok(parseNlmsgDone(m.message).ok);
        continue;
      }
      const c = new NlAttrCursor(m.bytes, m.payloadOffset + 4, m.payloadLength - 4);
      while (c.next()) {
        if (c.type === CTRL_ATTR_FAMILY_NAME) {
          seen.push(new TextDecoder().decode(m.bytes.subarray(c.dataOffset, c.dataOffset + c.len - 1)));
        }
      }
    }
  }
  assert.ok(done);
  assert.deepEqual(seen, ['nlctrl', ...names]);
});

test('notify group: NEWFAMILY, NEWMCAST_GRP, DELMCAST_GRP, DELFAMILY in order, in every namespace for netnsok families', () => {
  const { world, table, bus, sock, ioam6Family } = setup();
  const other = world.createNet('n2');
  assert.ok(other.ok);
  const s2 = new NetlinkSocket(table, other.value, NETLINK_GENERIC, rootCredentials(world.initUserNs, 7));
  for (const s of [sock, s2]) assert.equal(s.setsockopt(SOL_NETLINK, NETLINK_ADD_MEMBERSHIP, GENL_ID_CTRL), 0);
  const reg = bus.registerFamily(ioam6Family());
  assert.ok(typeof reg !== 'number');
  assert.equal(bus.unregisterFamily(reg), 0);
  assert.equal(bus.unregisterFamily(reg), -ENOENT);
  for (const s of [sock, s2]) {
    const cmds = recvAll(s).map((d) => d[16]);
    assert.deepEqual(cmds, [CTRL_CMD_NEWFAMILY, CTRL_CMD_NEWMCAST_GRP, CTRL_CMD_DELMCAST_GRP, CTRL_CMD_DELFAMILY]);
  }
  // A family that is not netnsok is announced in the initial namespace only.
  const r2 = bus.registerFamily({ ...ioam6Family(), name: 'local', netnsok: false, mcgrps: [] });
  assert.ok(typeof r2 !== 'number');
  assert.equal(recvAll(sock).length, 1);
  assert.equal(recvAll(s2).length, 0);
});
