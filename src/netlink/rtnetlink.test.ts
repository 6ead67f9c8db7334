import { test } from 'node:test';
import assert from 'node:assert/strict';
import { World } from '../net/net.ts';
import { rootCredentials, unprivilegedCredentials } from '../net/credentials.ts';
import { EOPNOTSUPP, EPERM } from '../uapi/errno.ts';
import { NETLINK_EXT_ACK, NETLINK_ROUTE, NLM_F_ACK, NLM_F_BULK, NLM_F_DUMP, NLM_F_MULTI, NLM_F_REQUEST, NLMSG_DONE, SOL_NETLINK } from '../uapi/netlink.ts';
import { RTM_DELROUTE, RTM_GETLINK, RTM_GETROUTE, RTM_NEWROUTE } from '../uapi/rtnetlink.ts';
import { parseNlmsgerr } from './errors.ts';
import { NlMsgBuilder, splitNlMsgs } from './message.ts';
import { PF_UNSPEC, RTNL_FLAG_DUMP_SPLIT_NLM_DONE, Rtnetlink } from './rtnetlink.ts';
import { NetlinkSocket, NetlinkTable } from './socket.ts';

const AF_INET6 = 10;

function setup() {
  const world = new World();
  const table = new NetlinkTable(world);
  const rtnl = new Rtnetlink(table);
  const calls: string[] = [];
  rtnl.register(AF_INET6, RTM_NEWROUTE, (req) => {
    calls.push(`new6:${req.seq}`);
    return 0;
  }, undefined);
  rtnl.register(PF_UNSPEC, RTM_DELROUTE, () => {
    calls.push('del');
    return 0;
  }, undefined);
  rtnl.register(PF_UNSPEC, RTM_GETROUTE, undefined, (skb, cb) => {
    const i = cb.args[0] ?? 0;
    if (i >= 2) return 0;
    skb.put(cb.portid, cb.seq, RTM_NEWROUTE, NLM_F_MULTI);
    skb.b.reserve(12);
    skb.end();
    cb.args[0] = i + 1;
    return skb.len;
  }, RTNL_FLAG_DUMP_SPLIT_NLM_DONE);
  return { world, table, rtnl, calls };
}

function req(type: number, flags: number, seq: number, family: number | undefined): Uint8Array {
  const b = new NlMsgBuilder();
  b.beginMessage(type, flags, seq, 0);
  if (family !== undefined) {
    const o = b.reserve(12);
    b.buffer[o] = family;
  }
  b.finish();
  return b.toBytes();
}

function errOf(s: NetlinkSocket): number {
  const d = s.recvmsg();
  assert.ok(typeof d !== 'number');
  const e = parseNlmsgerr(d);
  assert.ok(e.ok);
  return e.value.error;
}

test('dispatch by (family, type) with PF_UNSPEC fallback; EOPNOTSUPP without a handler', () => {
  const { world, table, calls } = setup();
  const s = new NetlinkSocket(table, world.initNet, NETLINK_ROUTE, rootCredentials(world.initUserNs, 3));
  s.sendmsg(req(RTM_NEWROUTE, NLM_F_REQUEST | NLM_F_ACK, 1, AF_INET6));
  assert.equal(errOf(s), 0);
  s.sendmsg(req(RTM_NEWROUTE, NLM_F_REQUEST | NLM_F_ACK, 2, 2));
  assert.equal(errOf(s), -EOPNOTSUPP);
  s.sendmsg(req(RTM_DELROUTE, NLM_F_REQUEST | NLM_F_ACK, 3, AF_INET6));
  assert.equal(errOf(s), 0);
  assert.deepEqual(calls, ['new6:1', 'del']);
  s.sendmsg(req(RTM_GETLINK, NLM_F_REQUEST, 4, AF_INET6));
  assert.equal(errOf(s), -EOPNOTSUPP);
  s.sendmsg(req(200, NLM_F_REQUEST, 5, AF_INET6));
  assert.equal(errOf(s), -EOPNOTSUPP);
  // Without even the family byte the message is ignored (acked 0 on request).
  s.sendmsg(req(RTM_NEWROUTE, NLM_F_REQUEST | NLM_F_ACK, 6, undefined));
  assert.equal(errOf(s), 0);
  assert.equal(calls.length, 2);
  assert.equal(s.setsockopt(SOL_NETLINK, NETLINK_EXT_ACK, 1), 0);
  s.sendmsg(req(RTM_DELROUTE, NLM_F_REQUEST | NLM_F_BULK, 7, AF_INET6));
  const d = s.recvmsg();
  assert.ok(typeof d !== 'number');
  const e = parseNlmsgerr(d);
  assert.ok(e.ok && e.value.error === -EOPNOTSUPP && e.value.extAck.msg === 'Bulk delete is not supported');
});

test('everything but GET needs CAP_NET_ADMIN in the namespace', () => {
  const { world, table, calls } = setup();
  const s = new NetlinkSocket(table, world.initNet, NETLINK_ROUTE, unprivilegedCredentials(world.initUserNs, 1000));
  s.sendmsg(req(RTM_NEWROUTE, NLM_F_REQUEST | NLM_F_ACK, 1, AF_INET6));
  assert.equal(errOf(s), -EPERM);
  s.sendmsg(req(RTM_DELROUTE, NLM_F_REQUEST, 2, AF_INET6));
  assert.equal(errOf(s), -EPERM);
  assert.deepEqual(calls, []);
  s.sendmsg(req(RTM_GETROUTE, NLM_F_REQUEST | NLM_F_DUMP, 3, AF_INET6));
  assert.ok(s.queued > 0);
});

test('dumps fall back to PF_UNSPEC; RTNL_FLAG_DUMP_SPLIT_NLM_DONE puts NLMSG_DONE alone', () => {
  const { world, table } = setup();
  const s = new NetlinkSocket(table, world.initNet, NETLINK_ROUTE, rootCredentials(world.initUserNs, 3));
  s.sendmsg(req(RTM_GETROUTE, NLM_F_REQUEST | NLM_F_DUMP, 8, AF_INET6));
  const types: number[][] = [];
  for (;;) {
    const d = s.recvmsg();
    if (typeof d === 'number') break;
    const m = splitNlMsgs(d);
    assert.ok(m.ok);
    types.push(m.value.map((v) => v.type));
  }
  assert.deepEqual(types, [[RTM_NEWROUTE], [RTM_NEWROUTE], [NLMSG_DONE]]);
});
