// RTM_*LINK on the wire. The attribute order fixture is what Linux 6.18 on this machine sent
// for RTM_GETLINK of a fresh veth end (captured with a Python AF_NETLINK socket in a throwaway
// namespace: `ip link add v0 type veth peer name v1`, then RTM_GETLINK ifindex 2).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { Kernel } from '../kernel.ts';
import { rootCredentials } from '../net/credentials.ts';
import type { Net } from '../net/net.ts';
import { EEXIST, EINVAL, ENODEV, EOPNOTSUPP } from '../uapi/errno.ts';
import {
  IFLA_ADDRESS,
  IFLA_IFNAME,
  IFLA_INFO_DATA,
  IFLA_INFO_KIND,
  IFLA_LINKINFO,
  IFLA_MTU,
  IFLA_NET_NS_FD,
  IFLA_NET_NS_PID,
  IFLA_TXQLEN,
  IFLA_LINK,
  IFLA_LINK_NETNSID,
  IFLA_QDISC,
  VETH_INFO_PEER,
} from '../uapi/if_link.ts';
import { NETNSA_NSID_NOT_ASSIGNED } from '../net/net.ts';
import { NETLINK_EXT_ACK, NETLINK_ROUTE, NLM_F_ACK, SOL_NETLINK, NLM_F_CREATE, NLM_F_EXCL, NLM_F_REQUEST, NLMSG_ERROR, NLMSG_HDRLEN } from '../uapi/netlink.ts';
import { IFINFOMSG_SIZE, RTM_DELLINK, RTM_GETLINK, RTM_NEWLINK } from '../uapi/rtnetlink.ts';
import { setU32le, u16le, u32le } from '../wire/bytes.ts';
import { parseNlmsgerr } from './errors.ts';
import { NlAttrCursor, NlMsgBuilder, NlMsgCursor } from './message.ts';
import { NLMSG_GOODSIZE, NetlinkSkb, NetlinkSocket } from './socket.ts';

/** IFLA_* types, in order, of the kernel's RTM_NEWLINK for a veth end (see the header). */
const KERNEL_VETH_ORDER = [3, 13, 16, 17, 67, 4, 50, 51, 27, 30, 61, 31, 40, 41, 58, 63, 64, 59, 60, 66, 32, 33, 35, 47, 48, 68, 69, 39, 1, 2, 23, 7, 43, 18, 5, 6, 26, 14, 62, 65];

function setup(): { k: Kernel; net: Net; sock: NetlinkSocket } {
  const k = new Kernel({ seed: 11 });
  // The kernel registers rtnetlink links and addrconf itself.
  const made = k.world.createNet('w');
  if (!made.ok) throw new Error(made.error.message);
  const sock = NetlinkSocket.open(k.netlink, made.value, NETLINK_ROUTE, rootCredentials(k.world.initUserNs));
  if (typeof sock === 'number') throw new Error(`open: ${sock}`);
  sock.setsockopt(SOL_NETLINK, NETLINK_EXT_ACK, 1);
  return { k, net: made.value, sock };
}

function linkMsg(type: number, flags: number, index: number, build: (b: NlMsgBuilder) => void, ifi = { flags: 0, change: 0 }): Uint8Array {
  const b = new NlMsgBuilder();
  b.beginMessage(type, NLM_F_REQUEST | flags, 1, 0);
  const h = b.reserve(IFINFOMSG_SIZE);
  setU32le(b.buffer, h + 4, index);
  setU32le(b.buffer, h + 8, ifi.flags);
  setU32le(b.buffer, h + 12, ifi.change);
  build(b);
  b.finish();
  return b.toBytes();
}

/** Sends `msg`; returns the replies (datagrams) after draining the queue. */
function talk(sock: NetlinkSocket, msg: Uint8Array): Uint8Array[] {
  assert.ok(sock.sendmsg(msg) >= 0);
  const out: Uint8Array[] = [];
  for (let r = sock.recvmsg(); typeof r !== 'number'; r = sock.recvmsg()) out.push(r);
  return out;
}

/** The errno (positive) and extack message of the ack among `replies`. */
function ack(replies: Uint8Array[]): { errno: number; msg: string | undefined } {
  for (const d of replies) {
    const c = new NlMsgCursor(d);
    while (c.next()) {
      if (c.type !== NLMSG_ERROR) continue;
      const e = parseNlmsgerr(d, c.offset);
      assert.ok(e.ok);
      return { errno: 0 - (u32le(d, c.offset + NLMSG_HDRLEN) | 0) || 0, msg: e.value.extAck.msg };
    }
  }
  throw new Error('no ack');
}

function addVeth(sock: NetlinkSocket, name: string, peer: string, extra: (b: NlMsgBuilder) => void = () => {}): { errno: number; msg: string | undefined } {
  return ack(
    talk(
      sock,
      linkMsg(RTM_NEWLINK, NLM_F_CREATE | NLM_F_EXCL | NLM_F_ACK, 0, (b) => {
        b.putString(IFLA_IFNAME, name);
        extra(b);
        const li = b.nestStart(IFLA_LINKINFO);
        b.putString(IFLA_INFO_KIND, 'veth');
        const data = b.nestStart(IFLA_INFO_DATA);
        const p = b.nestStart(VETH_INFO_PEER);
        b.reserve(IFINFOMSG_SIZE);
        b.putString(IFLA_IFNAME, peer);
        b.nestEnd(p);
        b.nestEnd(data);
        b.nestEnd(li);
      }),
    ),
  );
}

function attrTypes(d: Uint8Array): number[] {
  const c = new NlAttrCursor(d, NLMSG_HDRLEN + IFINFOMSG_SIZE, u32le(d, 0) - NLMSG_HDRLEN - IFINFOMSG_SIZE);
  const out: number[] = [];
  while (c.next()) out.push(c.type);
  return out;
}

test('RTM_GETLINK answers a veth end attribute for attribute in the kernel order', () => {
  const { sock } = setup();
  assert.deepEqual(addVeth(sock, 'v0', 'v1'), { errno: 0, msg: undefined });
  const replies = talk(sock, linkMsg(RTM_GETLINK, 0, 2, () => {}));
  assert.equal(replies.length, 1);
  const d = replies[0] as Uint8Array;
  assert.equal(u16le(d, 4), RTM_NEWLINK);
  assert.deepEqual(attrTypes(d), KERNEL_VETH_ORDER);
  // By name, without an index.
  const byName = talk(sock, linkMsg(RTM_GETLINK, 0, 0, (b) => b.putString(IFLA_IFNAME, 'v0')));
  assert.equal(u32le(byName[0] as Uint8Array, NLMSG_HDRLEN + 4), 3);
  // Neither: EINVAL; unknown: ENODEV.
  assert.equal(ack(talk(sock, linkMsg(RTM_GETLINK, 0, 0, () => {}))).errno, EINVAL);
  assert.equal(ack(talk(sock, linkMsg(RTM_GETLINK, 0, 77, () => {}))).errno, ENODEV);
});

test('RTM_NEWLINK semantics: EXCL, CREATE, unknown kinds, tun, netns attributes', () => {
  const { k, net, sock } = setup();
  assert.equal(addVeth(sock, 'v0', 'v1').errno, 0);
  assert.equal(addVeth(sock, 'v0', 'v9').errno, EEXIST);
  // The failed pair left nothing behind (the peer is removed when the device fails).
  assert.equal(addVeth(sock, 'v2', 'v0').errno, EEXIST);
  assert.deepEqual(
    k.netdev
      .table(net)
      .list()
      .map((d) => d.name),
    ['lo', 'v1', 'v0'],
  );
  const noCreate = ack(talk(sock, linkMsg(RTM_NEWLINK, NLM_F_ACK, 0, (b) => b.putString(IFLA_IFNAME, 'zz'))));
  assert.equal(noCreate.errno, ENODEV);
  const kind = (name: string): { errno: number; msg: string | undefined } =>
    ack(
      talk(
        sock,
        linkMsg(RTM_NEWLINK, NLM_F_CREATE | NLM_F_EXCL | NLM_F_ACK, 0, (b) => {
          const li = b.nestStart(IFLA_LINKINFO);
          b.putString(IFLA_INFO_KIND, name);
          b.nestEnd(li);
        }),
      ),
    );
  assert.deepEqual(kind('bond'), { errno: EOPNOTSUPP, msg: 'Unknown device type' });
  assert.deepEqual(kind('tun'), { errno: EOPNOTSUPP, msg: 'tun/tap creation via rtnetlink is not supported.' });
  assert.equal(kind('dummy').errno, 0);
  assert.ok(k.netdev.table(net).getByName('dummy0'));
  const both = ack(
    talk(
      sock,
      linkMsg(RTM_NEWLINK, NLM_F_ACK, 3, (b) => {
        b.putU32(IFLA_NET_NS_PID, 0);
        b.putU32(IFLA_NET_NS_FD, 3);
      }),
    ),
  );
  assert.deepEqual(both, { errno: EINVAL, msg: 'multiple netns identifying attributes specified' });
  // A create with MTU, queue length and address takes them before it is first announced.
  const r = ack(
    talk(
      sock,
      linkMsg(RTM_NEWLINK, NLM_F_CREATE | NLM_F_EXCL | NLM_F_ACK, 0, (b) => {
        b.putString(IFLA_IFNAME, 'd1');
        b.putU32(IFLA_MTU, 9000);
        b.putU32(IFLA_TXQLEN, 10);
        b.put(IFLA_ADDRESS, Uint8Array.of(2, 0, 0, 0, 0, 9));
        const li = b.nestStart(IFLA_LINKINFO);
        b.putString(IFLA_INFO_KIND, 'dummy');
        b.nestEnd(li);
      }),
    ),
  );
  assert.equal(r.errno, 0);
  const d1 = k.netdev.table(net).getByName('d1');
  assert.ok(d1);
  assert.deepEqual([d1.mtu, d1.txQueueLen, Array.from(d1.devAddr)], [9000, 10, [2, 0, 0, 0, 0, 9]]);
});

test('RTM_DELLINK: by index or name, EINVAL without either, EOPNOTSUPP for loopback', () => {
  const { k, net, sock } = setup();
  assert.equal(addVeth(sock, 'v0', 'v1').errno, 0);
  assert.equal(ack(talk(sock, linkMsg(RTM_DELLINK, NLM_F_ACK, 0, () => {}))).errno, EINVAL);
  assert.equal(ack(talk(sock, linkMsg(RTM_DELLINK, NLM_F_ACK, 1, () => {}))).errno, EOPNOTSUPP);
  assert.equal(ack(talk(sock, linkMsg(RTM_DELLINK, NLM_F_ACK, 0, (b) => b.putString(IFLA_IFNAME, 'nope')))).errno, ENODEV);
  assert.equal(ack(talk(sock, linkMsg(RTM_DELLINK, NLM_F_ACK, 0, (b) => b.putString(IFLA_IFNAME, 'v1')))).errno, 0);
  assert.deepEqual(
    k.netdev
      .table(net)
      .list()
      .map((d) => d.name),
    ['lo'],
  );
});

test('RTNLGRP_LINK listeners hear RTM_NEWLINK on creation and changes, RTM_DELLINK on deletion', () => {
  const { k, net, sock } = setup();
  const mon = NetlinkSocket.open(k.netlink, net, NETLINK_ROUTE, rootCredentials(k.world.initUserNs));
  assert.ok(mon instanceof NetlinkSocket);
  assert.equal(mon.bind(0, 1), 0);
  const heard = (): Array<[number, number]> => {
    const out: Array<[number, number]> = [];
    for (let r = mon.recvmsg(); typeof r !== 'number'; r = mon.recvmsg()) out.push([u16le(r, 4), u32le(r, NLMSG_HDRLEN + 4)]);
    return out;
  };
  assert.equal(addVeth(sock, 'v0', 'v1').errno, 0);
  assert.deepEqual(heard(), [
    [RTM_NEWLINK, 2],
    [RTM_NEWLINK, 3],
  ]);
  assert.equal(ack(talk(sock, linkMsg(RTM_NEWLINK, NLM_F_ACK, 3, (b) => b.putU32(IFLA_MTU, 1400)))).errno, 0);
  assert.deepEqual(heard(), [[RTM_NEWLINK, 3]]);
  assert.equal(ack(talk(sock, linkMsg(RTM_DELLINK, NLM_F_ACK, 3, () => {}))).errno, 0);
  assert.deepEqual(heard(), [
    [RTM_DELLINK, 3],
    [RTM_DELLINK, 2],
  ]);
});

test('random RTM_*LINK attribute sets never throw, and rejected creations leave no device', () => {
  const { k, net, sock } = setup();
  const table = k.netdev.table(net);
  const attr = fc.record({ type: fc.integer({ min: 0, max: 70 }), data: fc.uint8Array({ maxLength: 24 }) });
  fc.assert(
    fc.property(
      fc.constantFrom(RTM_NEWLINK, RTM_DELLINK, RTM_GETLINK),
      fc.integer({ min: 0, max: 5 }),
      fc.array(attr, { maxLength: 6 }),
      fc.boolean(),
      (type, index, attrs, create) => {
        const before = table.list().map((d) => d.name);
        const msg = linkMsg(type, NLM_F_ACK | (create ? NLM_F_CREATE | NLM_F_EXCL : 0), index, (b) => {
          for (const a of attrs) b.put(a.type, a.data);
        });
        const replies = talk(sock, msg);
        if (type === RTM_NEWLINK && create) {
          const e = ack(replies).errno;
          if (e !== 0) assert.deepEqual(table.list().map((d) => d.name), before);
        }
      },
    ),
    { numRuns: 300, seed: 5 },
  );
});

test('a veth whose peer is in another namespace carries IFLA_LINK_NETNSID, then IFLA_LINK even when the indexes are equal', () => {
  const { k, net, sock } = setup();
  const other = k.world.createNet('o');
  assert.ok(other.ok);
  // The peer named by IFLA_NET_NS_PID (the v6stack namespace id): index 2 there, like v0 here.
  const r = addVeth(sock, 'v0', 'v1', () => {});
  assert.equal(r.errno, 0);
  const made = ack(
    talk(
      sock,
      linkMsg(RTM_NEWLINK, NLM_F_CREATE | NLM_F_EXCL | NLM_F_ACK, 0, (b) => {
        b.putString(IFLA_IFNAME, 'x0');
        const li = b.nestStart(IFLA_LINKINFO);
        b.putString(IFLA_INFO_KIND, 'veth');
        const data = b.nestStart(IFLA_INFO_DATA);
        const p = b.nestStart(VETH_INFO_PEER);
        b.reserve(IFINFOMSG_SIZE);
        b.putString(IFLA_IFNAME, 'y0');
        b.putU32(IFLA_NET_NS_PID, other.value.id);
        b.nestEnd(p);
        b.nestEnd(data);
        b.nestEnd(li);
      }),
    ),
  );
  assert.equal(made.errno, 0);
  // Creation already gave `o` its id here (the kernel's rtnl_configure_link message does).
  assert.equal(net.peernet2id(other.value), 0);
  const x0 = k.netdev.table(net).getByName('x0');
  assert.ok(x0 !== undefined);
  const d = talk(sock, linkMsg(RTM_GETLINK, 0, x0.ifindex, () => {}))[0] as Uint8Array;
  const order = attrTypes(d);
  // Seen on 6.18: ... XDP, LINKINFO, LINK_NETNSID, LINK, QDISC, AF_SPEC ...
  const at = order.indexOf(IFLA_LINK_NETNSID);
  assert.deepEqual(order.slice(at - 1, at + 3), [IFLA_LINKINFO, IFLA_LINK_NETNSID, IFLA_LINK, IFLA_QDISC]);
  const c = new NlAttrCursor(d, NLMSG_HDRLEN + IFINFOMSG_SIZE, u32le(d, 0) - NLMSG_HDRLEN - IFINFOMSG_SIZE);
  const vals = new Map<number, number>();
  while (c.next()) if (c.type === IFLA_LINK_NETNSID || c.type === IFLA_LINK) vals.set(c.type, u32le(d, c.offset + 4));
  const y0 = k.netdev.table(other.value).getByName('y0');
  assert.ok(y0 !== undefined);
  assert.deepEqual([vals.get(IFLA_LINK_NETNSID), vals.get(IFLA_LINK)], [0, y0.ifindex]);
  // In `o`, the peer's message names this namespace with `o`'s own first id, on first use.
  assert.equal(other.value.peernet2id(net), NETNSA_NSID_NOT_ASSIGNED);
  const skb = new NetlinkSkb(NLMSG_GOODSIZE * 4);
  assert.ok(k.link.fillIfinfo(skb, y0, RTM_NEWLINK, 0, 0, 0, 0));
  assert.equal(other.value.peernet2id(net), 0);
  // A same-namespace veth has neither attribute's netnsid (IFLA_LINK only as the peer index).
  const v0 = talk(sock, linkMsg(RTM_GETLINK, 0, 0, (b) => b.putString(IFLA_IFNAME, 'v0')))[0] as Uint8Array;
  assert.equal(attrTypes(v0).includes(IFLA_LINK_NETNSID), false);
});
