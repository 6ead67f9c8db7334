import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { MemoryOutput } from '../cli/output.ts';
import { createIoamObject, type NetlinkListenTransport } from '../iproute/ioam.ts';
import { runIp, type IpHost } from '../iproute/ip.ts';
import { InProcessTransport } from '../iproute/transport.ts';
import { Kernel } from '../kernel.ts';
import { rootCredentials } from '../net/credentials.ts';
import { NetlinkSocket } from '../netlink/socket.ts';
import { EAGAIN } from '../uapi/errno.ts';
import { NETLINK_ADD_MEMBERSHIP, NETLINK_GENERIC, SOL_NETLINK } from '../uapi/netlink.ts';
import { fromHex, toHex, u16le } from '../wire/bytes.ts';
import { ioam6SendTraceEvent, ioam6TraceEventMessage, ioam6TraceEventSender } from './ioam6-events.ts';
import { IOAM6_GENL_EV_GRP_OFFSET } from './ioam6-genl.ts';

/**
 * A trace as beta of test/interop/ioam-trace-wire.test.ts left it: namespace 123, type 0xf00000
 * (NodeLen 4), 32 octets pre-allocated, one hop filled (hop limit 63, node 0xbeef, interfaces
 * 11/22, a timestamp), so RemainingLen 4 and 16 octets of free space before the hop.
 */
const TRACE = fromHex(
  '007b' + '20' + '04' + 'f0000000' + '00'.repeat(16) + '3f00beef' + '000b0016' + '6b0635c7' + '0005323e',
);

/**
 * The notification Linux builds for TRACE (nlmsg_type patched to our family id at run time):
 * nlmsghdr (len 64, flags 0, seq 0, pid 0), genlmsghdr (cmd 1, version 1), then
 * NAMESPACE u16 123, NODELEN u8 4 (padded), TYPE u32 0xf0000000 (type << 8 | Reserved), DATA
 * (the 16 filled octets, the free space left out).
 */
function expected(familyId: number): string {
  const type = familyId.toString(16).padStart(4, '0');
  return (
    '40000000' + type.slice(2) + type.slice(0, 2) + '0000' + '00000000' + '00000000' +
    '01010000' +
    '060001007b000000' +
    '0500020004000000' +
    '080003000000' + '00f0' +
    '14000400' + '3f00beef000b00166b0635c70005323e'
  );
}

function listener(k: Kernel, netName: string): NetlinkSocket {
  const net = k.world.byName(netName);
  assert.ok(net !== undefined);
  const s = NetlinkSocket.open(k.netlink, net, NETLINK_GENERIC, rootCredentials(k.world.initUserNs));
  assert.ok(s instanceof NetlinkSocket);
  assert.equal(s.setsockopt(SOL_NETLINK, NETLINK_ADD_MEMBERSHIP, k.ioam6.family.mcgrpOffset + IOAM6_GENL_EV_GRP_OFFSET), 0);
  return s;
}

test('IOAM6_EVENT_TRACE is built as Linux builds it: header, attribute order and sizes, data without the free space', () => {
  const k = new Kernel();
  const skb = ioam6TraceEventMessage(k.ioam6.family, TRACE);
  assert.ok(skb !== undefined);
  assert.equal(toHex(skb.b.toBytes()), expected(k.ioam6.family.id));
});

test('an event goes to the listeners of its namespace only, and nothing is built without one', () => {
  const k = new Kernel();
  for (const n of ['a', 'b']) assert.ok(k.world.createNet(n).ok);
  const a = k.world.byName('a');
  const b = k.world.byName('b');
  assert.ok(a !== undefined && b !== undefined);
  const fam = k.ioam6.family;
  assert.equal(ioam6SendTraceEvent(fam, a, TRACE), 1);
  const sa = listener(k, 'a');
  const send = ioam6TraceEventSender(fam);
  send(a, TRACE);
  send(b, TRACE);
  const got = sa.recvmsg();
  assert.ok(got instanceof Uint8Array);
  assert.equal(toHex(got), expected(fam.id));
  assert.equal(sa.recvmsg(), -EAGAIN, 'one event, none from b');
  // A listener in b: delivered; once it has closed, nothing is built again.
  const sb = listener(k, 'b');
  assert.equal(ioam6SendTraceEvent(fam, b, TRACE), 0);
  sb.close();
  assert.equal(ioam6SendTraceEvent(fam, b, TRACE), 1);
});

test('traces Linux would not send: shorter than the header, RemainingLen past the end', () => {
  const k = new Kernel();
  const fam = k.ioam6.family;
  assert.equal(ioam6TraceEventMessage(fam, TRACE.subarray(0, 7)), undefined);
  const bad = TRACE.slice(0, 12);
  assert.equal(ioam6TraceEventMessage(fam, bad), undefined, 'RemainingLen 4 needs 16 octets, 4 follow');
  // An empty trace (all free space) is sent with empty data, as Linux does after an Overflow.
  const empty = ioam6TraceEventMessage(fam, TRACE.subarray(0, 8 + 16));
  assert.ok(empty !== undefined);
  const bytes = empty.b.toBytes();
  assert.equal(u16le(bytes, bytes.length - 4), 4, 'DATA attribute of length 0');
});

test('ip ioam monitor (6.9) prints our events as iproute2 prints the kernel\'s; -j changes nothing (printf)', async () => {
  for (const opts of [[], ['-j'], ['-j', '-p']]) {
    const k = new Kernel();
    assert.ok(k.world.createNet('mon').ok);
    const net = k.world.byName('mon');
    assert.ok(net !== undefined);
    const out = new MemoryOutput();
    const err = new MemoryOutput();
    let fired = false;
    const host: IpHost = {
      out,
      err,
      objects: { ioam: createIoamObject({ monitor: true }) },
      enterNetns: () => 0,
      openNetlink: (protocol) => {
        const t = InProcessTransport.open(k.netlink, net, protocol, rootCredentials(k.world.initUserNs));
        if (!(t instanceof InProcessTransport) || protocol !== NETLINK_GENERIC) return t;
        const sock = t.socket;
        const listen: NetlinkListenTransport = {
          protocol,
          request: (m) => t.request(m),
          close: () => t.close(),
          addMembership: (g) => sock.setsockopt(SOL_NETLINK, NETLINK_ADD_MEMBERSHIP, g),
          receive: () => {
            let r = sock.recvmsg();
            if (r === -EAGAIN && !fired) {
              // The data path fills a trace now: the hook turns it into an event.
              fired = true;
              ioam6TraceEventSender(k.ioam6.family)(net, TRACE);
              r = sock.recvmsg();
            }
            return Promise.resolve(r instanceof Uint8Array ? r : undefined);
          },
        };
        return listen;
      },
    };
    assert.equal(await runIp([...opts, '-n', 'mon', 'ioam', 'monitor'], host), 1);
    assert.equal(out.text, '[TRACE] Namespace=123 NodeLen=4 Type=0xf0000000 Data=3f00beef000b00166b0635c70005323e\n', opts.join(' '));
    assert.equal(err.text, 'EOF on netlink\n');
  }
});

test('random traces never throw and never build a message longer than the trace allows', () => {
  const k = new Kernel();
  assert.ok(k.world.createNet('fz').ok);
  const net = k.world.byName('fz');
  assert.ok(net !== undefined);
  const s = listener(k, 'fz');
  const fam = k.ioam6.family;
  fc.assert(
    fc.property(fc.uint8Array({ maxLength: 300 }), (trace) => {
      const r = ioam6SendTraceEvent(fam, net, trace);
      const m = s.recvmsg();
      if (r === 0) {
        assert.ok(m instanceof Uint8Array);
        assert.ok(m.length <= 20 + 8 + 8 + 8 + 4 + trace.length + 3);
      } else assert.equal(m, -EAGAIN);
    }),
    { numRuns: 500 },
  );
});

test('the Kernel wires the transit handler to ioam6_events: a forwarded trace reaches a listener of that namespace only', async () => {
  // One node (replay): dummy ingress and egress, IOAM on the ingress, namespace 123.
  const setup = [
    'ip link add in0 type dummy',
    'ip link add out0 type dummy',
    'ip link set in0 up',
    'ip link set out0 up',
    'ip -6 addr add 2001:db8:1::ff/64 dev in0',
    'ip -6 addr add 2001:db8:2::ff/64 dev out0',
    'sysctl -w net.ipv6.conf.all.forwarding=1',
    'sysctl -w net.ipv6.conf.in0.ioam6_enabled=1',
    'sysctl -w net.ipv6.ioam6_id=7',
    'ip ioam namespace add 123',
  ].join('\n');
  // IPv6 + HBH (PadN, IOAM trace 0x800000: hop limit + node id, room for 2 nodes) + UDP.
  const pkt = fromHex(
    '6000000000200040' +
      '20010db8000100000000000000000001' +
      '20010db8000200000000000000000001' +
      '11020100' + '3112' + '0000' + '007b' + '0802' + '800000' + '00' + '0000000000000000' +
      '1388177000080000',
  );
  const { replay } = await import('../sim/replay.ts');
  const sockets: NetlinkSocket[] = [];
  for (const listen of [true, false]) {
    const r = await replay({
      setup,
      ingress: 'in0',
      packets: [{ data: pkt, tsNs: 1_000_000_000n }],
      prepare: (k, net) => {
        if (!listen) return;
        const s = NetlinkSocket.open(k.netlink, net, NETLINK_GENERIC, rootCredentials(k.world.initUserNs));
        assert.ok(s instanceof NetlinkSocket);
        assert.equal(s.setsockopt(SOL_NETLINK, NETLINK_ADD_MEMBERSHIP, k.ioam6.family.mcgrpOffset + IOAM6_GENL_EV_GRP_OFFSET), 0);
        sockets.push(s);
      },
    });
    assert.ok(r.ok, r.ok ? '' : r.error.message);
    assert.equal(r.value.outputs.get('out0')?.length, 1);
  }
  assert.equal(sockets.length, 1);
  const m = sockets[0]?.recvmsg();
  assert.ok(m instanceof Uint8Array, 'one event');
  // The event's data attribute carries this node's entry: hop limit 63, node id 7.
  assert.match(toHex(m), /3f000007/);
  assert.equal(sockets[0]?.recvmsg(), -EAGAIN);
});
