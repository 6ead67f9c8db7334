import { test } from 'node:test';
import assert from 'node:assert/strict';
import { World } from '../net/net.ts';
import { rootCredentials } from '../net/credentials.ts';
import { EADDRINUSE, EAGAIN, EMSGSIZE, ENOBUFS, ENOPROTOOPT, EPROTONOSUPPORT } from '../uapi/errno.ts';
import {
  NETLINK_ADD_MEMBERSHIP,
  NETLINK_CAP_ACK,
  NETLINK_GENERIC,
  NETLINK_NO_ENOBUFS,
  NETLINK_ROUTE,
  NLM_F_ACK,
  NLM_F_CAPPED,
  NLMSG_NOOP,
  SOL_NETLINK,
} from '../uapi/netlink.ts';
import { CTRL_CMD_GETFAMILY, GENL_ID_CTRL } from '../uapi/genetlink.ts';
import { parseNlmsgerr } from './errors.ts';
import { genlmsgMulticastNetns, genlmsgNew, genlmsgPut, genlmsgEnd } from './genetlink.ts';
import { NlMsgBuilder } from './message.ts';
import { createGenlBus } from './nlctrl.ts';
import { NetlinkSocket, NetlinkTable } from './socket.ts';

function setup() {
  const world = new World({ seed: 1 });
  const table = new NetlinkTable(world);
  const bus = createGenlBus(table);
  return { world, table, bus };
}

function msg(type: number, flags: number, seq: number, payload = new Uint8Array(4)): Uint8Array {
  const b = new NlMsgBuilder();
  b.beginMessage(type, flags, seq, 0);
  b.append(payload);
  b.finish();
  return b.toBytes();
}

test('port ids: the pid first, then negative ids from the rover; explicit ids must be free', () => {
  const { world, table } = setup();
  const cred = rootCredentials(world.initUserNs, 4242);
  const a = new NetlinkSocket(table, world.initNet, NETLINK_GENERIC, cred);
  const b = new NetlinkSocket(table, world.initNet, NETLINK_GENERIC, cred);
  const c = new NetlinkSocket(table, world.initNet, NETLINK_GENERIC, cred);
  assert.equal(a.bind(), 0);
  assert.equal(a.portid, 4242);
  assert.equal(b.bind(), 0);
  assert.equal(c.bind(), 0);
  const sb = b.portid | 0;
  const sc = c.portid | 0;
  assert.ok(sb <= -4097 && sb >= -0x80000000, `rover id ${sb}`);
  assert.equal(sc, sb - 1);
  // Another namespace has its own port ids.
  const other = world.createNet('x');
  assert.ok(other.ok);
  const d = new NetlinkSocket(table, other.value, NETLINK_GENERIC, cred);
  assert.equal(d.bind(), 0);
  assert.equal(d.portid, 4242);
  const e = new NetlinkSocket(table, world.initNet, NETLINK_GENERIC, cred);
  assert.equal(e.bind(4242), -EADDRINUSE);
  assert.equal(e.bind(777), 0);
  assert.equal(e.portid, 777);
  a.close();
  const f = new NetlinkSocket(table, world.initNet, NETLINK_GENERIC, cred);
  assert.equal(f.bind(), 0);
  assert.equal(f.portid, 4242);
  assert.equal(NetlinkSocket.open(table, world.initNet, NETLINK_ROUTE, cred), -EPROTONOSUPPORT);
});

test('acks: NLM_F_ACK or an error; non-requests and control messages only acked on request; CAP_ACK', () => {
  const { world, table } = setup();
  const s = new NetlinkSocket(table, world.initNet, NETLINK_GENERIC, rootCredentials(world.initUserNs, 5));
  // A valid request without NLM_F_ACK: the reply only.
  const get = new NlMsgBuilder();
  get.beginMessage(GENL_ID_CTRL, 1, 9, 0);
  get.putGenlHeader(CTRL_CMD_GETFAMILY, 1);
  get.putString(2, 'nlctrl');
  get.finish();
  assert.equal(s.sendmsg(get.toBytes()), get.length);
  assert.equal(s.queued, 1);
  s.recvmsg();
  // No NLM_F_REQUEST: not processed, acked with 0 when asked.
  s.sendmsg(msg(0x20, NLM_F_ACK, 1));
  const a1 = s.recvmsg();
  assert.ok(typeof a1 !== 'number');
  const p1 = parseNlmsgerr(a1);
  assert.ok(p1.ok && p1.value.error === 0 && (p1.value.header.flags & NLM_F_CAPPED) !== 0);
  s.sendmsg(msg(NLMSG_NOOP, 1, 2));
  assert.equal(s.queued, 0);
  // Two messages in one send: two answers, in order (unknown family: ENOENT, echoed payload).
  const two = new Uint8Array([...msg(0x3ff, 1, 3), ...msg(0x3fe, 1, 4)]);
  s.sendmsg(two);
  const e1 = parseNlmsgerr(s.recvmsg() as Uint8Array);
  const e2 = parseNlmsgerr(s.recvmsg() as Uint8Array);
  assert.ok(e1.ok && e2.ok);
  assert.equal(e1.value.request.seq, 3);
  assert.equal(e2.value.request.seq, 4);
  assert.equal(e1.value.requestPayload?.length, 4);
  assert.equal(s.setsockopt(SOL_NETLINK, NETLINK_CAP_ACK, 1), 0);
  s.sendmsg(msg(0x3ff, 1, 5));
  const e3 = parseNlmsgerr(s.recvmsg() as Uint8Array);
  assert.ok(e3.ok && e3.value.requestPayload === undefined);
  assert.equal(s.recvmsg(), -EAGAIN);
  assert.equal(s.setsockopt(SOL_NETLINK, 99, 1), -ENOPROTOOPT);
  assert.equal(s.setsockopt(1, NETLINK_CAP_ACK, 1), -ENOPROTOOPT);
  assert.equal(s.sendmsg(new Uint8Array(300000)), -EMSGSIZE);
});

test('a full receive queue: multicast overflow drops, ENOBUFS on the next recv, once; NETLINK_NO_ENOBUFS', () => {
  const { world, table, bus } = setup();
  const fam = bus.registerFamily({ name: 'EV', version: 1, hdrsize: 0, maxattr: 0, netnsok: true, ops: [{ cmd: 1, doit: () => 0 }], mcgrps: [{ name: 'ev' }] });
  assert.ok(typeof fam !== 'number');
  const s = new NetlinkSocket(table, world.initNet, NETLINK_GENERIC, rootCredentials(world.initUserNs, 5), { rcvbuf: 1000 });
  const quiet = new NetlinkSocket(table, world.initNet, NETLINK_GENERIC, rootCredentials(world.initUserNs, 6), { rcvbuf: 1000 });
  assert.equal(s.setsockopt(SOL_NETLINK, NETLINK_ADD_MEMBERSHIP, fam.mcgrpOffset), 0);
  assert.equal(quiet.setsockopt(SOL_NETLINK, NETLINK_ADD_MEMBERSHIP, fam.mcgrpOffset), 0);
  assert.equal(quiet.setsockopt(SOL_NETLINK, NETLINK_NO_ENOBUFS, 1), 0);
  const send = (): void => {
    const skb = genlmsgNew();
    genlmsgPut(skb, 0, 0, fam, 0, 1);
    skb.b.put(1, new Uint8Array(96));
    genlmsgEnd(skb);
    genlmsgMulticastNetns(fam, world.initNet, skb, 0, 0);
  };
  for (let i = 0; i < 20; i++) send();
  // 120-byte events: 8 fit in 1000 bytes.
  assert.equal(s.queued, 8);
  assert.equal(s.drops, 12);
  assert.equal(quiet.queued, 8);
  assert.equal(s.recvmsg(), -ENOBUFS);
  assert.equal(quiet.recvmsg() instanceof Uint8Array, true);
  // Reported once; the queued events are still there, and the socket stays congested until empty.
  let n = 0;
  while (s.recvmsg() instanceof Uint8Array) n++;
  assert.equal(n, 8);
  send();
  assert.equal(s.queued, 1);
});
