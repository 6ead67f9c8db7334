import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { World, type Net } from '../net/net.ts';
import { CAP_NET_ADMIN, capSet, rootCredentials, unprivilegedCredentials } from '../net/credentials.ts';
import { EBUSY, EEXIST, EINVAL, ENOENT, EOPNOTSUPP, EPERM, ESRCH } from '../uapi/errno.ts';
import {
  GENL_ADMIN_PERM,
  GENL_DONT_VALIDATE_STRICT,
  GENL_START_ALLOC,
  GENL_UNS_ADMIN_PERM,
} from '../uapi/genetlink.ts';
import {
  NETLINK_ADD_MEMBERSHIP,
  NETLINK_DROP_MEMBERSHIP,
  NETLINK_EXT_ACK,
  NETLINK_GENERIC,
  NLA_U32,
  NLM_F_ACK,
  NLM_F_DUMP,
  NLM_F_ECHO,
  NLM_F_MULTI,
  NLM_F_REQUEST,
  NLMSG_DONE,
  NLMSG_ERROR,
  SOL_NETLINK,
} from '../uapi/netlink.ts';
import { UserNamespace } from '../net/credentials.ts';
import { u32le } from '../wire/bytes.ts';
import { parseNlmsgDone, parseNlmsgerr } from './errors.ts';
import {
  genlmsgEnd,
  genlmsgMulticastNetns,
  genlmsgNew,
  genlmsgPut,
  genlmsgPutReply,
  genlmsgReply,
  genlNotify,
  type GenlBus,
  type GenlFamily,
  type GenlRegisteredFamily,
} from './genetlink.ts';
import { NlMsgBuilder, splitNlMsgs } from './message.ts';
import { createGenlBus } from './nlctrl.ts';
import { nlaPolicyTable } from './policy.ts';
import { NLMSG_GOODSIZE, NetlinkSocket, NetlinkTable } from './socket.ts';

const ATTR_A = 1;
const ATTR_B = 2;
const POLICY = nlaPolicyTable(2, { [ATTR_A]: { type: NLA_U32 }, [ATTR_B]: { type: NLA_U32 } });

interface Harness {
  world: World;
  table: NetlinkTable;
  bus: GenlBus;
  fam: GenlRegisteredFamily;
  /** What the test family's handlers observed. */
  state: { values: number[]; doneCalls: number; startCalls: number; entries: number };
}

/** A test family: cmd 1 stores ATTR_A (admin), cmd 2 liberal echo, cmd 3 dumps `entries` items, cmd 4 UNS admin. */
function harness(entries = 0): Harness {
  const world = new World();
  const table = new NetlinkTable(world);
  const bus = createGenlBus(table);
  const state = { values: [] as number[], doneCalls: 0, startCalls: 0, entries };
  const holder: { fam?: GenlRegisteredFamily } = {};
  const family: GenlFamily = {
    name: 'TEST',
    version: 3,
    hdrsize: 0,
    maxattr: 2,
    policy: POLICY,
    netnsok: true,
    resvStartOp: 3,
    mcgrps: [{ name: 'events' }, { name: 'other' }],
    ops: [
      {
        cmd: 1,
        flags: GENL_ADMIN_PERM,
        doit: (info) => {
          const a = info.attrs.u32(ATTR_A);
          if (a === undefined) {
            info.extack.msg = 'ATTR_A is required';
            return -EINVAL;
          }
          state.values.push(a);
          return 0;
        },
      },
      {
        cmd: 2,
        validate: GENL_DONT_VALIDATE_STRICT,
        doit: (info) => {
          const skb = genlmsgNew();
          genlmsgPutReply(skb, info, 0, 2);
          skb.b.putU32(ATTR_A, info.attrs.u32(ATTR_A) ?? 0);
          genlmsgEnd(skb);
          return genlmsgReply(skb, info);
        },
      },
      {
        cmd: 3,
        start: () => {
          state.startCalls++;
          return 0;
        },
        dumpit: (skb, cb) => {
          const f = holder.fam as GenlRegisteredFamily;
          let i = cb.args[0] ?? 0;
          for (; i < state.entries; i++) {
            if (genlmsgPut(skb, cb.portid, cb.seq, f, NLM_F_MULTI, 3) < 0) break;
            skb.b.putU32(ATTR_A, i);
            skb.b.put(ATTR_B, new Uint8Array(200));
            if (!genlmsgEnd(skb)) break;
          }
          cb.args[0] = i;
          return skb.len;
        },
        done: () => {
          state.doneCalls++;
          return 0;
        },
      },
      { cmd: 4, flags: GENL_UNS_ADMIN_PERM, doit: () => 0 },
    ],
  };
  const fam = bus.registerFamily(family);
  assert.ok(typeof fam !== 'number');
  holder.fam = fam;
  return { world, table, bus, fam, state };
}

function request(fam: GenlRegisteredFamily | number, cmd: number, flags: number, seq: number, fill?: (b: NlMsgBuilder) => void): Uint8Array {
  const b = new NlMsgBuilder();
  b.beginMessage(typeof fam === 'number' ? fam : fam.id, flags, seq, 0);
  b.putGenlHeader(cmd, 1);
  fill?.(b);
  b.finish();
  return b.toBytes();
}

function open(h: Harness, net: Net = h.world.initNet, cred = rootCredentials(h.world.initUserNs, 100)): NetlinkSocket {
  const s = new NetlinkSocket(h.table, net, NETLINK_GENERIC, cred);
  assert.equal(s.bind(), 0);
  return s;
}

function ackOf(s: NetlinkSocket) {
  const d = s.recvmsg();
  assert.ok(typeof d !== 'number', `expected a datagram, got errno ${String(d)}`);
  const e = parseNlmsgerr(d);
  assert.ok(e.ok);
  return e.value;
}

test('registration validates like genl_register_family', () => {
  const h = harness();
  const base: GenlFamily = { name: 'X', version: 1, hdrsize: 0, maxattr: 0, netnsok: true, ops: [{ cmd: 1, doit: () => 0 }] };
  assert.equal(h.bus.registerFamily({ ...base, ops: [{ cmd: 1 }] }), -EINVAL);
  assert.equal(h.bus.registerFamily({ ...base, ops: [{ cmd: 1, doit: () => 0 }, { cmd: 1, dumpit: () => 0 }] }), -EINVAL);
  assert.equal(h.bus.registerFamily({ ...base, name: 'TEST' }), -EEXIST);
  assert.equal(h.bus.registerFamily({ ...base, name: '' }), -EINVAL);
  assert.equal(h.bus.registerFamily({ ...base, name: 'a-very-long-name' }), -EINVAL);
  // GENL_DONT_VALIDATE_* is refused on commands at or above resv_start_op.
  assert.equal(h.bus.registerFamily({ ...base, ops: [{ cmd: 1, doit: () => 0, validate: GENL_DONT_VALIDATE_STRICT }] }), -EINVAL);
  assert.equal(h.bus.registerFamily({ ...base, maxattr: 3 }), -EINVAL);
  // TEST took GENL_START_ALLOC and groups 2, 3.
  assert.equal(h.fam.id, GENL_START_ALLOC);
  assert.equal(h.fam.mcgrpOffset, 2);
  const x = h.bus.registerFamily({ ...base, mcgrps: [{ name: 'g' }] });
  assert.ok(typeof x !== 'number');
  assert.equal(x.id, GENL_START_ALLOC + 1);
  assert.equal(x.mcgrpOffset, 4);
  // Cyclic ids: a freed id is not reused at once.
  assert.equal(h.bus.unregisterFamily(x), 0);
  const y = h.bus.registerFamily({ ...base, name: 'Y', mcgrps: [{ name: 'g1' }, { name: 'g2' }] });
  assert.ok(typeof y !== 'number');
  assert.equal(y.id, GENL_START_ALLOC + 2);
  assert.equal(y.mcgrpOffset, 4);
  assert.equal(h.bus.findByName('X'), undefined);
  // Many groups: skip the reserved 16..18 and grow the bitmap past 64.
  const z = h.bus.registerFamily({ ...base, name: 'Z', mcgrps: Array.from({ length: 70 }, (_, i) => ({ name: `g${i}` })) });
  assert.ok(typeof z !== 'number');
  assert.equal(z.mcgrpOffset, 19);
  assert.ok(h.bus.ngroups >= 19 + 70);
});

test('request path: unknown family ENOENT, unknown op and missing doit/dumpit EOPNOTSUPP, short EINVAL, reserved EINVAL', () => {
  const h = harness();
  const s = open(h);
  s.sendmsg(request(0x3f0, 1, NLM_F_REQUEST, 1));
  assert.equal(ackOf(s).error, -ENOENT);
  s.sendmsg(request(h.fam, 77, NLM_F_REQUEST, 2));
  assert.equal(ackOf(s).error, -EOPNOTSUPP);
  s.sendmsg(request(h.fam, 1, NLM_F_REQUEST | NLM_F_DUMP, 3));
  assert.equal(ackOf(s).error, -EOPNOTSUPP);
  s.sendmsg(request(h.fam, 3, NLM_F_REQUEST, 4));
  assert.equal(ackOf(s).error, -EOPNOTSUPP);
  // A message without the genlmsghdr.
  const b = new NlMsgBuilder();
  b.beginMessage(h.fam.id, NLM_F_REQUEST, 5, 0);
  b.finish();
  s.sendmsg(b.toBytes());
  assert.equal(ackOf(s).error, -EINVAL);
  // reserved != 0 for a command >= resv_start_op (3).
  const r = request(h.fam, 4, NLM_F_REQUEST, 6);
  r[18] = 1;
  s.sendmsg(r);
  assert.equal(ackOf(s).error, -EINVAL);
  // Below resv_start_op the byte is ignored.
  const r2 = request(h.fam, 2, NLM_F_REQUEST, 7);
  r2[18] = 1;
  s.sendmsg(r2);
  const reply = s.recvmsg();
  assert.ok(typeof reply !== 'number' && reply[4] === (h.fam.id & 0xff));
});

test('permissions: GENL_ADMIN_PERM and GENL_UNS_ADMIN_PERM need CAP_NET_ADMIN (EPERM, nothing changed)', () => {
  const h = harness();
  const user = open(h, h.world.initNet, unprivilegedCredentials(h.world.initUserNs, 1000));
  user.sendmsg(request(h.fam, 1, NLM_F_REQUEST | NLM_F_ACK, 1, (b) => b.putU32(ATTR_A, 5)));
  assert.equal(ackOf(user).error, -EPERM);
  user.sendmsg(request(h.fam, 4, NLM_F_REQUEST | NLM_F_ACK, 2));
  assert.equal(ackOf(user).error, -EPERM);
  assert.deepEqual(h.state.values, []);
  const admin = open(h, h.world.initNet, unprivilegedCredentials(h.world.initUserNs, 1001, 1001, 1001, capSet(CAP_NET_ADMIN)));
  admin.sendmsg(request(h.fam, 1, NLM_F_REQUEST | NLM_F_ACK, 3, (b) => b.putU32(ATTR_A, 5)));
  assert.equal(ackOf(admin).error, 0);
  assert.deepEqual(h.state.values, [5]);
  // Root of a child user namespace owning a network namespace: UNS_ADMIN_PERM yes, ADMIN_PERM no.
  const child = new UserNamespace(h.world.initUserNs, 1000);
  const net = h.world.createNet('container', { userNs: child });
  assert.ok(net.ok);
  const croot = open(h, net.value, rootCredentials(child, 4000));
  croot.sendmsg(request(h.fam, 4, NLM_F_REQUEST | NLM_F_ACK, 4));
  assert.equal(ackOf(croot).error, 0);
  croot.sendmsg(request(h.fam, 1, NLM_F_REQUEST | NLM_F_ACK, 5, (b) => b.putU32(ATTR_A, 6)));
  assert.equal(ackOf(croot).error, -EPERM);
  assert.deepEqual(h.state.values, [5]);
});

test('strict validation rejects an unknown attribute before the handler, with extack offset and message', () => {
  const h = harness();
  const s = open(h);
  assert.equal(s.setsockopt(SOL_NETLINK, NETLINK_EXT_ACK, 1), 0);
  s.sendmsg(request(h.fam, 1, NLM_F_REQUEST | NLM_F_ACK, 1, (b) => {
    b.putU32(ATTR_A, 9);
    b.putU32(5, 1);
  }));
  const e = ackOf(s);
  assert.equal(e.error, -EINVAL);
  assert.equal(e.extAck.badAttrOffset, 28);
  assert.equal(e.extAck.msg, 'Unknown attribute type');
  assert.deepEqual(h.state.values, []);
  // A wrong length is rejected too, with the attribute's policy.
  s.sendmsg(request(h.fam, 1, NLM_F_REQUEST | NLM_F_ACK, 2, (b) => b.putU16(ATTR_A, 9)));
  const e2 = ackOf(s);
  assert.equal(e2.error, -EINVAL);
  assert.equal(e2.extAck.badAttrOffset, 20);
  assert.ok(e2.extAck.policy !== undefined);
  // The handler's own error and message.
  s.sendmsg(request(h.fam, 1, NLM_F_REQUEST, 3));
  const e3 = ackOf(s);
  assert.equal(e3.error, -EINVAL);
  assert.equal(e3.extAck.msg, 'ATTR_A is required');
  // GENL_DONT_VALIDATE_STRICT: the unknown attribute is ignored.
  s.sendmsg(request(h.fam, 2, NLM_F_REQUEST, 4, (b) => {
    b.putU32(ATTR_A, 9);
    b.putU32(5, 1);
  }));
  const reply = s.recvmsg();
  assert.ok(typeof reply !== 'number');
  assert.equal(reply.length, 28);
  assert.equal(reply[24], 9);
});

test('a dump spanning many batches returns every entry exactly once, then NLMSG_DONE, start and done once', () => {
  const h = harness(1000);
  const s = open(h);
  s.sendmsg(request(h.fam, 3, NLM_F_REQUEST | NLM_F_DUMP, 42));
  const seen: number[] = [];
  let done = 0;
  let batches = 0;
  for (;;) {
    const d = s.recvmsg();
    if (typeof d === 'number') break;
    // The first batch is NLMSG_GOODSIZE, later ones 32 KiB (the receive buffer size).
    assert.ok(d.length <= (batches === 0 ? NLMSG_GOODSIZE : 32768));
    batches++;
    const msgs = splitNlMsgs(d);
    assert.ok(msgs.ok);
    for (const m of msgs.value) {
      assert.equal(m.seq, 42);
      assert.equal(m.pid, s.portid);
      if (m.type === NLMSG_DONE) {
        done++;
        const p = parseNlmsgDone(m.message);
        assert.ok(p.ok && p.value.error === 0);
      } else {
        assert.equal(m.flags & NLM_F_MULTI, NLM_F_MULTI);
        seen.push(u32le(m.bytes, m.offset + 24));
      }
    }
  }
  assert.ok(batches > 5);
  assert.equal(done, 1);
  assert.deepEqual(seen, Array.from({ length: 1000 }, (_, i) => i));
  assert.equal(h.state.startCalls, 1);
  assert.equal(h.state.doneCalls, 1);
  assert.equal(s.dumping, false);
});

test('a socket closed mid-dump runs done; a second dump while one runs is EBUSY', () => {
  const h = harness(1000);
  const s = open(h);
  s.sendmsg(request(h.fam, 3, NLM_F_REQUEST | NLM_F_DUMP, 1));
  assert.ok(s.dumping);
  s.sendmsg(request(h.fam, 3, NLM_F_REQUEST | NLM_F_DUMP, 2));
  // The first batch, then the EBUSY ack of the second request.
  assert.ok(typeof s.recvmsg() !== 'number');
  assert.equal(ackOf(s).error, -EBUSY);
  assert.equal(h.state.doneCalls, 0);
  s.close();
  assert.equal(h.state.doneCalls, 1);
  assert.equal(h.state.startCalls, 1);
});

test('multicast: subscribers of the same namespace only; unsubscribe; notify with NLM_F_ECHO', () => {
  const h = harness();
  const other = h.world.createNet('other');
  assert.ok(other.ok);
  const a = open(h);
  const b = open(h, other.value);
  const c = open(h);
  for (const s of [a, b]) assert.equal(s.setsockopt(SOL_NETLINK, NETLINK_ADD_MEMBERSHIP, h.fam.mcgrpOffset), 0);
  assert.equal(c.setsockopt(SOL_NETLINK, NETLINK_ADD_MEMBERSHIP, h.fam.mcgrpOffset + 1), 0);
  assert.equal(a.setsockopt(SOL_NETLINK, NETLINK_ADD_MEMBERSHIP, 0), -EINVAL);
  assert.equal(a.setsockopt(SOL_NETLINK, NETLINK_ADD_MEMBERSHIP, h.bus.ngroups + 1), -EINVAL);
  const event = (net: Net): number => {
    const skb = genlmsgNew();
    genlmsgPut(skb, 0, 0, h.fam, 0, 9);
    genlmsgEnd(skb);
    return genlmsgMulticastNetns(h.fam, net, skb, 0, 0);
  };
  assert.equal(event(h.world.initNet), 0);
  assert.equal(a.queued, 1);
  assert.equal(b.queued, 0);
  assert.equal(c.queued, 0);
  assert.equal(event(other.value), 0);
  assert.equal(b.queued, 1);
  assert.equal(a.setsockopt(SOL_NETLINK, NETLINK_DROP_MEMBERSHIP, h.fam.mcgrpOffset), 0);
  assert.equal(event(h.world.initNet), -ESRCH);
  assert.equal(a.queued, 1);
  // genl_notify from a doit: to the group, and to the requester when it asked NLM_F_ECHO.
  const fam2 = h.bus.registerFamily({
    name: 'NOTE', version: 1, hdrsize: 0, maxattr: 0, netnsok: true, mcgrps: [{ name: 'n' }],
    ops: [{ cmd: 1, doit: (info) => {
      const skb = genlmsgNew();
      genlmsgPut(skb, 0, 0, info.family, 0, 1);
      genlmsgEnd(skb);
      return genlNotify(info.family, skb, info, 0);
    } }],
  });
  assert.ok(typeof fam2 !== 'number');
  const listener = open(h);
  assert.equal(listener.setsockopt(SOL_NETLINK, NETLINK_ADD_MEMBERSHIP, fam2.mcgrpOffset), 0);
  const req = open(h);
  req.sendmsg(request(fam2, 1, NLM_F_REQUEST | NLM_F_ECHO, 1));
  assert.equal(listener.queued, 1);
  assert.equal(req.queued, 1);
  // Unregistering the family empties its groups.
  assert.equal(h.bus.unregisterFamily(fam2), 0);
  assert.equal(listener.isMember(fam2.mcgrpOffset), false);
});

test('fuzz: random requests never throw and never change what is registered', () => {
  const h = harness(50);
  const s = open(h);
  const before = h.bus.families().map((f) => `${f.id}:${f.name}`).join(',');
  const id = h.fam.id;
  fc.assert(
    fc.property(
      fc.array(
        fc.oneof(
          fc.uint8Array({ maxLength: 96 }),
          fc.record({ type: fc.constantFrom(0x10, id, 0x3ff), flags: fc.integer({ min: 0, max: 0xffff }), body: fc.uint8Array({ maxLength: 64 }) }).map((r) => {
            const b = new Uint8Array(16 + r.body.length);
            const dv = new DataView(b.buffer);
            dv.setUint32(0, b.length, true);
            dv.setUint16(4, r.type, true);
            dv.setUint16(6, r.flags, true);
            b.set(r.body, 16);
            return b;
          }),
        ),
        { maxLength: 4 },
      ),
      (reqs) => {
        for (const r of reqs) {
          const n = s.sendmsg(r);
          assert.ok(n === r.length);
          for (;;) {
            const d = s.recvmsg();
            if (typeof d === 'number') break;
            const m = splitNlMsgs(d);
            assert.ok(m.ok);
            for (const v of m.value) if (v.type === NLMSG_ERROR) assert.ok(parseNlmsgerr(v.message).ok);
          }
        }
        assert.equal(h.bus.families().map((f) => `${f.id}:${f.name}`).join(','), before);
        assert.ok(h.state.values.every((v) => Number.isInteger(v)));
      },
    ),
    { numRuns: 400, seed: 7 },
  );
});
