// RTM_*ADDR on the wire. The attribute order is what Linux 6.18 on this machine sent in an
// RTM_GETADDR dump for `ip addr add 2001:db8::1/64 dev v0 metric 7` (Python AF_NETLINK socket,
// throwaway namespace, accept_dad 0): ifaddrmsg {10, 64, 0x80, 0, 3}, then IFA_ADDRESS,
// IFA_RT_PRIORITY = 7, IFA_CACHEINFO {forever, forever, cstamp, tstamp}, IFA_FLAGS = 0x80.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { Kernel } from '../kernel.ts';
import { rootCredentials } from '../net/credentials.ts';
import { createDummy } from '../net/device-kinds.ts';
import type { Net } from '../net/net.ts';
import { parseNlmsgerr } from '../netlink/errors.ts';
import { NlAttrCursor, NlMsgBuilder, NlMsgCursor } from '../netlink/message.ts';
import { NetlinkSocket } from '../netlink/socket.ts';
import { EACCES, EADDRNOTAVAIL, EEXIST, EINVAL, ENODEV } from '../uapi/errno.ts';
import { IFA_ADDRESS, IFA_CACHEINFO, IFA_F_NOPREFIXROUTE, IFA_FLAGS, IFA_LOCAL, IFA_RT_PRIORITY, IFADDRMSG_SIZE } from '../uapi/if_addr.ts';
import { NETLINK_EXT_ACK, NETLINK_ROUTE, NLM_F_ACK, NLM_F_CREATE, NLM_F_DUMP, NLM_F_EXCL, NLM_F_REPLACE, NLM_F_REQUEST, NLMSG_DONE, NLMSG_ERROR, NLMSG_HDRLEN, SOL_NETLINK } from '../uapi/netlink.ts';
import { RTM_DELADDR, RTM_GETADDR, RTM_NEWADDR } from '../uapi/rtnetlink.ts';
import { setU32le, u16le, u32le } from '../wire/bytes.ts';
import type { Addrconf } from './addrconf.ts';

const A1 = Uint8Array.of(0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1);

function setup(): { k: Kernel; net: Net; ac: Addrconf; sock: NetlinkSocket; ifindex: number } {
  const k = new Kernel({ seed: 4 });
  const ac = k.addrconf;
  const made = k.world.createNet('n');
  if (!made.ok) throw new Error(made.error.message);
  const sock = NetlinkSocket.open(k.netlink, made.value, NETLINK_ROUTE, rootCredentials(k.world.initUserNs));
  if (typeof sock === 'number') throw new Error(`open: ${sock}`);
  sock.setsockopt(SOL_NETLINK, NETLINK_EXT_ACK, 1);
  const d = createDummy(k.netdev.table(made.value), 'd0');
  if (!d.ok) throw new Error(d.error.message);
  return { k, net: made.value, ac, sock, ifindex: d.value.ifindex };
}

function addrMsg(type: number, flags: number, hdr: { plen: number; index: number; ifaFlags?: number }, build: (b: NlMsgBuilder) => void): Uint8Array {
  const b = new NlMsgBuilder();
  b.beginMessage(type, NLM_F_REQUEST | flags, 1, 0);
  const h = b.reserve(IFADDRMSG_SIZE);
  b.buffer[h] = 10;
  b.buffer[h + 1] = hdr.plen;
  b.buffer[h + 2] = hdr.ifaFlags ?? 0;
  setU32le(b.buffer, h + 4, hdr.index);
  build(b);
  b.finish();
  return b.toBytes();
}

function talk(sock: NetlinkSocket, msg: Uint8Array): Uint8Array[] {
  assert.ok(sock.sendmsg(msg) >= 0);
  const out: Uint8Array[] = [];
  for (let r = sock.recvmsg(); typeof r !== 'number'; r = sock.recvmsg()) out.push(r);
  return out;
}

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

const add = (sock: NetlinkSocket, index: number, addr: Uint8Array, plen = 64, flags = NLM_F_CREATE | NLM_F_EXCL, more: (b: NlMsgBuilder) => void = () => {}): { errno: number; msg: string | undefined } =>
  ack(
    talk(
      sock,
      addrMsg(RTM_NEWADDR, NLM_F_ACK | flags, { plen, index }, (b) => {
        b.putIn6Addr(IFA_LOCAL, addr);
        more(b);
      }),
    ),
  );

/** The RTM_NEWADDR messages of a dump: [prefixlen, flags byte, index, attribute types]. */
function dump(sock: NetlinkSocket): Array<[number, number, number, number[]]> {
  const out: Array<[number, number, number, number[]]> = [];
  for (const d of talk(sock, addrMsg(RTM_GETADDR, NLM_F_DUMP, { plen: 0, index: 0 }, () => {}))) {
    const c = new NlMsgCursor(d);
    while (c.next()) {
      if (c.type === NLMSG_DONE) continue;
      assert.equal(c.type, RTM_NEWADDR);
      const o = c.offset + NLMSG_HDRLEN;
      const a = new NlAttrCursor(d, o + IFADDRMSG_SIZE, c.len - NLMSG_HDRLEN - IFADDRMSG_SIZE);
      const types: number[] = [];
      while (a.next()) types.push(a.type);
      out.push([d[o + 1] ?? 0, d[o + 2] ?? 0, u32le(d, o + 4), types]);
    }
  }
  return out;
}

test('RTM_NEWADDR then a dump answers in the kernel attribute order', () => {
  const { sock, ifindex } = setup();
  assert.deepEqual(add(sock, ifindex, A1, 64, NLM_F_CREATE | NLM_F_EXCL, (b) => b.putU32(IFA_RT_PRIORITY, 7)), { errno: 0, msg: undefined });
  assert.deepEqual(dump(sock), [[64, 0x80, ifindex, [IFA_ADDRESS, IFA_RT_PRIORITY, IFA_CACHEINFO, IFA_FLAGS]]]);
});

test('RTM_NEWADDR errors carry the kernel texts', () => {
  const { net, sock, ifindex } = setup();
  assert.equal(add(sock, ifindex, A1).errno, 0);
  assert.deepEqual(add(sock, ifindex, A1), { errno: EEXIST, msg: 'ipv6: address already assigned' });
  // Without NLM_F_REPLACE an existing address is EEXIST too; with it, it is changed.
  assert.deepEqual(add(sock, ifindex, A1, 64, 0), { errno: EEXIST, msg: 'ipv6: address already assigned' });
  assert.deepEqual(add(sock, ifindex, A1, 64, NLM_F_REPLACE, (b) => b.putU32(IFA_FLAGS, IFA_F_NOPREFIXROUTE)), { errno: 0, msg: undefined });
  assert.deepEqual(add(sock, 99, A1), { errno: ENODEV, msg: 'ipv6: Unable to find the interface' });
  assert.deepEqual(add(sock, ifindex, new Uint8Array(16)), { errno: EADDRNOTAVAIL, msg: 'ipv6: Invalid address' });
  const lo = Uint8Array.of(0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1);
  assert.deepEqual(add(sock, ifindex, lo), { errno: EADDRNOTAVAIL, msg: 'ipv6: Cannot assign loopback address on this device' });
  assert.deepEqual(add(sock, ifindex, Uint8Array.of(0x20, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 9), 129), { errno: EINVAL, msg: 'ipv6: Invalid prefix length' });
  // Neither IFA_LOCAL nor IFA_ADDRESS.
  assert.equal(ack(talk(sock, addrMsg(RTM_NEWADDR, NLM_F_ACK | NLM_F_CREATE, { plen: 64, index: ifindex }, () => {}))).errno, EINVAL);
  assert.ok(net.sysctl.write('net.ipv6.conf.d0.disable_ipv6', '1').ok);
  assert.deepEqual(add(sock, ifindex, A1), { errno: EACCES, msg: 'ipv6: IPv6 is disabled on this device' });
});

test('RTM_DELADDR: by address and prefix length', () => {
  const { sock, ifindex } = setup();
  assert.equal(add(sock, ifindex, A1).errno, 0);
  const del = (plen: number): { errno: number; msg: string | undefined } =>
    ack(talk(sock, addrMsg(RTM_DELADDR, NLM_F_ACK, { plen, index: ifindex }, (b) => b.putIn6Addr(IFA_ADDRESS, A1))));
  assert.deepEqual(del(48), { errno: EADDRNOTAVAIL, msg: 'ipv6: address not found' });
  assert.deepEqual(del(64), { errno: 0, msg: undefined });
  assert.deepEqual(dump(sock), []);
});

test('RTNLGRP_IPV6_IFADDR listeners hear additions and deletions', () => {
  const { k, net, sock, ifindex } = setup();
  const mon = NetlinkSocket.open(k.netlink, net, NETLINK_ROUTE, rootCredentials(k.world.initUserNs));
  assert.ok(mon instanceof NetlinkSocket);
  assert.equal(mon.bind(0, 1 << 8), 0);
  assert.equal(add(sock, ifindex, A1).errno, 0);
  assert.equal(ack(talk(sock, addrMsg(RTM_DELADDR, NLM_F_ACK, { plen: 64, index: ifindex }, (b) => b.putIn6Addr(IFA_LOCAL, A1)))).errno, 0);
  const heard: number[] = [];
  for (let r = mon.recvmsg(); typeof r !== 'number'; r = mon.recvmsg()) heard.push(u16le(r, 4));
  assert.deepEqual(heard, [RTM_NEWADDR, RTM_DELADDR]);
});

test('random RTM_*ADDR messages never throw, and rejected ones change nothing', () => {
  const { k, net, ac, sock } = setup();
  const dev = k.netdev.table(net).getByName('d0');
  assert.ok(dev);
  const attr = fc.record({ type: fc.integer({ min: 0, max: 12 }), data: fc.uint8Array({ maxLength: 20 }) });
  const snapshot = (): string => JSON.stringify(ac.idev(dev)?.addrs.map((a) => [Array.from(a.addr), a.prefixLen, a.flags, a.validLft]) ?? []);
  fc.assert(
    fc.property(
      fc.constantFrom(RTM_NEWADDR, RTM_DELADDR, RTM_GETADDR),
      fc.integer({ min: 0, max: 140 }),
      fc.integer({ min: 0, max: 3 }),
      fc.array(attr, { maxLength: 5 }),
      fc.integer({ min: 0, max: 255 }),
      (type, plen, index, attrs, ifaFlags) => {
        const before = snapshot();
        const replies = talk(
          sock,
          addrMsg(type, NLM_F_ACK | NLM_F_CREATE, { plen, index, ifaFlags }, (b) => {
            for (const a of attrs) b.put(a.type, a.data);
          }),
        );
        if (type !== RTM_GETADDR && ack(replies).errno !== 0) assert.equal(snapshot(), before);
      },
    ),
    { numRuns: 400, seed: 8 },
  );
});
