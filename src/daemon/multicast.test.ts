import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createConnection } from 'node:net';
import { MemoryOutput } from '../cli/output.ts';
import { createIoamObject } from '../iproute/ioam.ts';
import { runIp, type IpHost } from '../iproute/ip.ts';
import { ioam6SendTraceEvent, ioam6TraceEventMessage } from '../ipv6/ioam6-events.ts';
import { IOAM6_GENL_EV_GRP_OFFSET } from '../ipv6/ioam6-genl.ts';
import type { Net } from '../net/net.ts';
import { genlHasListeners } from '../netlink/genetlink.ts';
import { parseNlmsgerr } from '../netlink/errors.ts';
import { EINVAL, ENOPROTOOPT, EPERM } from '../uapi/errno.ts';
import { NETLINK_ADD_MEMBERSHIP, NETLINK_GENERIC, NETLINK_NO_ENOBUFS, NLMSG_ERROR, SOL_NETLINK } from '../uapi/netlink.ts';
import { fromHex, toHex, u16le } from '../wire/bytes.ts';
import { DaemonTransport, openMessage, setsockoptMessage } from './client.ts';
import { FrameDecoder, encodeFrame } from './framing.ts';
import { MAX_FRAME } from './protocol.ts';
import { startTempDaemon, type TempDaemon } from './temp.ts';

/** namespace 123, type 0x800000, one hop (hop limit 63, node 0xbeef), no free space. */
const TRACE = fromHex('007b' + '08' + '00' + '80000000' + '3f00beef');

async function daemonWithNetns(opts: Parameters<typeof startTempDaemon>[0] = {}): Promise<{ d: TempDaemon; net: Net }> {
  const d = await startTempDaemon(opts);
  const r = d.server.kernel.world.createNet('blue');
  assert.ok(r.ok);
  return { d, net: r.value };
}

function group(d: TempDaemon): number {
  return d.server.kernel.ioam6.family.mcgrpOffset + IOAM6_GENL_EV_GRP_OFFSET;
}

/** Waits (bounded) until somebody in `net` listens to the IOAM events. */
async function listening(d: TempDaemon, net: Net): Promise<void> {
  for (let i = 0; i < 200 && !genlHasListeners(d.server.kernel.ioam6.family, net, IOAM6_GENL_EV_GRP_OFFSET); i++) {
    await new Promise((r) => setImmediate(r));
  }
  assert.ok(genlHasListeners(d.server.kernel.ioam6.family, net, IOAM6_GENL_EV_GRP_OFFSET));
}

test('a joined client gets the events of its namespace, datagram for datagram, between its exchanges', async () => {
  const { d, net } = await daemonWithNetns();
  try {
    const t = await DaemonTransport.open(d.path, NETLINK_GENERIC, 'blue');
    assert.ok(t instanceof DaemonTransport);
    const other = await DaemonTransport.open(d.path, NETLINK_GENERIC);
    assert.ok(other instanceof DaemonTransport);
    assert.equal(await other.addMembership(group(d)), 0);
    assert.equal(ioam6SendTraceEvent(d.server.kernel.ioam6.family, net, TRACE), 1, 'nobody in blue yet');
    assert.equal(await t.addMembership(group(d)), 0);
    const fam = d.server.kernel.ioam6.family;
    assert.equal(ioam6SendTraceEvent(fam, net, TRACE), 0);
    assert.equal(ioam6SendTraceEvent(fam, net, TRACE), 0);
    const want = toHex(ioam6TraceEventMessage(fam, TRACE)?.b.toBytes() ?? new Uint8Array(0));
    const a = await t.receive();
    const b = await t.receive();
    assert.ok(a instanceof Uint8Array && b instanceof Uint8Array);
    assert.equal(toHex(a), want);
    assert.equal(toHex(b), want);
    // A request afterwards gets its own replies only.
    const replies = await t.request(setsockoptMessage(SOL_NETLINK, NETLINK_ADD_MEMBERSHIP, group(d)));
    assert.equal(replies.length, 1);
    assert.equal(u16le(replies[0] ?? new Uint8Array(4), 4), NLMSG_ERROR);
    // The client in the initial namespace heard nothing: closing ends its stream empty.
    other.close();
    assert.equal(await other.receive(), undefined);
    // Stopping the daemon ends the stream.
    const pending = t.receive();
    await d.server.close();
    assert.equal(await pending, undefined);
  } finally {
    await d.stop();
  }
});

test('SETSOCKOPT: membership only, checked as the socket checks it (EPERM without CAP_NET_ADMIN, EINVAL for group 0)', async () => {
  const { d } = await daemonWithNetns({ peerCredentials: () => ({ pid: 4242, uid: 65534, gid: 65534 }) });
  try {
    const t = await DaemonTransport.open(d.path, NETLINK_GENERIC, 'blue');
    assert.ok(t instanceof DaemonTransport);
    assert.equal(await t.addMembership(group(d)), -EPERM);
    assert.equal(await t.addMembership(0), -EINVAL);
    const r = await t.request(setsockoptMessage(SOL_NETLINK, NETLINK_NO_ENOBUFS, 1));
    const e = parseNlmsgerr(r[0] ?? new Uint8Array(0), 0);
    assert.ok(e.ok);
    assert.equal(e.value.error, -ENOPROTOOPT);
    t.close();
  } finally {
    await d.stop();
  }
});

test('on the wire: the ack of a SETSOCKOPT, the end frame, then each event as one frame', async () => {
  const { d, net } = await daemonWithNetns();
  try {
    const sock = createConnection(d.path);
    const frames: Uint8Array[] = [];
    const dec = new FrameDecoder(MAX_FRAME);
    let wake: (() => void) | undefined;
    sock.on('data', (c: Buffer) => {
      frames.push(...dec.push(c));
      wake?.();
    });
    const until = async (n: number): Promise<void> => {
      while (frames.length < n) await new Promise<void>((r) => (wake = r));
    };
    await new Promise<void>((r) => sock.once('connect', () => r()));
    sock.write(encodeFrame(openMessage(NETLINK_GENERIC, 'blue')));
    await until(1);
    sock.write(encodeFrame(setsockoptMessage(SOL_NETLINK, NETLINK_ADD_MEMBERSHIP, group(d))));
    await until(3);
    const ack = parseNlmsgerr(frames[1] ?? new Uint8Array(0), 0);
    assert.ok(ack.ok);
    assert.equal(ack.value.error, 0);
    assert.equal(frames[2]?.length, 0, 'end of replies');
    ioam6SendTraceEvent(d.server.kernel.ioam6.family, net, TRACE);
    await until(4);
    assert.equal(toHex(frames[3] ?? new Uint8Array(0)), toHex(ioam6TraceEventMessage(d.server.kernel.ioam6.family, TRACE)?.b.toBytes() ?? new Uint8Array(0)));
    sock.destroy();
  } finally {
    await d.stop();
  }
});

test('v6stack ip -n blue ioam monitor (6.9) through the daemon prints the events until the daemon goes', async () => {
  const { d, net } = await daemonWithNetns();
  try {
    const out = new MemoryOutput();
    const err = new MemoryOutput();
    const host: IpHost = {
      out,
      err,
      objects: { ioam: createIoamObject({ monitor: true }) },
      enterNetns: () => 0,
      openNetlink: (protocol, netns) => DaemonTransport.lazy(d.path, protocol, netns),
    };
    const rc = runIp(['-n', 'blue', 'ioam', 'monitor'], host);
    await listening(d, net);
    ioam6SendTraceEvent(d.server.kernel.ioam6.family, net, TRACE);
    for (let i = 0; i < 200 && out.text === ''; i++) await new Promise((r) => setImmediate(r));
    await d.server.close();
    assert.equal(await rc, 1);
    assert.equal(out.text, '[TRACE] Namespace=123 NodeLen=1 Type=0x80000000 Data=3f00beef\n');
    assert.equal(err.text, 'EOF on netlink\n');
  } finally {
    await d.stop();
  }
});

test('a flood of events is bounded by the socket receive buffer: the rest is dropped and counted', async () => {
  const { d, net } = await daemonWithNetns();
  try {
    const t = await DaemonTransport.open(d.path, NETLINK_GENERIC, 'blue');
    assert.ok(t instanceof DaemonTransport);
    assert.equal(await t.addMembership(group(d)), 0);
    const fam = d.server.kernel.ioam6.family;
    // All sent before the daemon relays anything: they pile up in the netlink socket.
    let delivered = 0;
    for (let i = 0; i < 10000; i++) if (ioam6SendTraceEvent(fam, net, TRACE) === 0) delivered++;
    const socks = [...(d.server.kernel.netlink.proto(NETLINK_GENERIC).listeners.get(net) ?? [])];
    assert.equal(socks.length, 1);
    const drops = socks[0]?.drops ?? 0;
    assert.ok(delivered > 1000 && drops > 0 && delivered + drops === 10000, `${delivered} queued, ${drops} dropped`);
    let got = 0;
    while (got < delivered) {
      const e = await t.receive();
      assert.ok(e instanceof Uint8Array);
      got++;
    }
    t.close();
  } finally {
    await d.stop();
  }
});
