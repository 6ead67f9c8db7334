/**
 * replay: a node configured by a script, packets in at their capture times, what leaves each
 * device recorded with the wall clock. Kernel comparisons of the same runs are in
 * test/interop/replay-pipeline.test.ts.
 */

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Timer } from '../time/timer.ts';
import { HZ } from '../time/clock.ts';
import { PacketBuffer } from '../net/packet-buffer.ts';
import { openCaptureBytes } from '../io/capture-file.ts';
import { PcapWriter, MemorySink } from '../io/capture-file.ts';
import { LINKTYPE_ETHERNET, LINKTYPE_RAW } from '../uapi/pcap.ts';
import { NEXTHDR_ICMP, NEXTHDR_UDP } from '../uapi/ipv6.ts';
import { ICMPV6_TIME_EXCEED } from '../uapi/icmpv6.ts';
import { parseIpv6Address } from '../wire/address.ts';
import { emitIpv6 } from '../wire/ipv6.ts';
import { CaptureFeed, REPLAY_DRAIN_NS, capturePackets, replay } from './replay.ts';
import type { ReplayPacket } from './replay.ts';

function addr(t: string): Uint8Array {
  const a = parseIpv6Address(t);
  assert.ok(a !== undefined, t);
  return a;
}

const T0 = 1_700_000_000_123_456_789n;

function udp(hopLimit: number, dst = '2001:db8:2::1', payload = 20): Uint8Array {
  const p = new Uint8Array(40 + payload);
  emitIpv6({ trafficClass: 0, flowLabel: 7, payloadLength: payload, nextHeader: NEXTHDR_UDP, hopLimit, src: addr('2001:db8:1::1'), dst: addr(dst) }, p);
  for (let i = 40; i < p.length; i++) p[i] = i;
  return p;
}

const ROUTER = `
# a router between two dummies
ip link add r0 type dummy
ip link add r1 type dummy
ip link set r0 up
ip link set r1 up
ip -6 addr add 2001:db8:1::ff/64 dev r0
ip -6 addr add 2001:db8:2::ff/64 dev r1
sysctl -w net.ipv6.conf.all.forwarding=1
`;

test('packets are forwarded between dummies and what each sends is recorded at its capture time', async () => {
  const packets: ReplayPacket[] = [
    { data: udp(9), tsNs: T0 },
    { data: udp(1), tsNs: T0 + 250_000_000n },
    { data: udp(5), tsNs: T0 + 1_000_000_000n },
  ];
  const r = await replay({ setup: ROUTER, ingress: 'r0', packets });
  assert.ok(r.ok, r.ok ? '' : r.error.message);
  const v = r.value;
  assert.equal(v.received, 3);
  assert.equal(v.transmitted, 3);
  const out = v.outputs.get('r1') ?? [];
  assert.deepEqual(
    out.map((p) => p.tsNs),
    [T0, T0 + 1_000_000_000n],
  );
  const want = udp(8);
  assert.deepEqual(out[0]?.data, want, 'forwarded with the hop limit decremented, nothing else changed');
  assert.equal(out[1]?.data[7], 4);
  const back = v.outputs.get('r0') ?? [];
  assert.equal(back.length, 1);
  const te = back[0];
  assert.ok(te !== undefined);
  assert.equal(te.tsNs, T0 + 250_000_000n);
  assert.equal(te.data[6], NEXTHDR_ICMP);
  assert.equal(te.data[40], ICMPV6_TIME_EXCEED);
  // The quoted packet is the one that ran out of hops.
  assert.deepEqual(te.data.subarray(48), udp(1));
  assert.deepEqual([...v.sent], [['r1', 2], ['r0', 1]]);
  assert.equal(v.dropped, 1);
  assert.deepEqual([...v.dropReasons], [['IP_INHDR', 1]]);
  assert.equal(v.timersLeft, 0);
  assert.equal(v.endNs, 1_000_000_000);
  // The device counted what it sent, as its driver would.
  const r1 = v.kernel.netdev.table(v.net).getByName('r1');
  assert.equal(r1?.stats.txPackets, 2);
});

test('--clock moves the wall clock: outputs are stamped clock + offset from the first packet', async () => {
  const packets = [
    { data: udp(9), tsNs: T0 },
    { data: udp(9), tsNs: T0 + 3_000n },
  ];
  const r = await replay({ setup: ROUTER, ingress: 'r0', packets, clockNs: 5_000_000_000n });
  assert.ok(r.ok);
  assert.deepEqual(
    (r.value.outputs.get('r1') ?? []).map((p) => p.tsNs),
    [5_000_000_000n, 5_000_003_000n],
  );
});

test('a packet stamped before the previous one enters at the current time', async () => {
  const packets = [
    { data: udp(9), tsNs: T0 + 1_000n },
    { data: udp(9), tsNs: T0 },
  ];
  const r = await replay({ setup: ROUTER, ingress: 'r0', packets });
  assert.ok(r.ok);
  assert.deepEqual(
    (r.value.outputs.get('r1') ?? []).map((p) => p.tsNs),
    [T0 + 1_000n, T0 + 1_000n],
  );
});

test('onTransmit streams packets instead of keeping them', async () => {
  const seen: string[] = [];
  const r = await replay({ setup: ROUTER, ingress: 'r0', packets: [{ data: udp(9), tsNs: T0 }], onTransmit: (d, data, ts) => seen.push(`${d} ${data.length} ${ts}`) });
  assert.ok(r.ok);
  assert.deepEqual(seen, [`r1 60 ${T0}`]);
  assert.equal(r.value.outputs.size, 0);
  assert.equal(r.value.transmitted, 1);
});

test('async iterables are read too', async () => {
  async function* gen(): AsyncGenerator<ReplayPacket> {
    yield { data: udp(9), tsNs: T0 };
    await Promise.resolve();
    yield { data: udp(9), tsNs: T0 + 1n };
  }
  const r = await replay({ setup: ROUTER, ingress: 'r0', packets: gen() });
  assert.ok(r.ok);
  assert.equal(r.value.outputs.get('r1')?.length, 2);
});

test('a veth pair inside the node carries packets inside; only what leaves is captured', async () => {
  const setup = `
ip link add in0 type dummy
ip link add v0 type veth peer name v1
ip link add out0 type dummy
ip link set in0 up
ip link set v0 up
ip link set v1 up
ip link set out0 up
sysctl -w net.ipv6.conf.all.forwarding=1
ip -6 route add 2001:db8:2::/64 dev v0
ip -6 route add 2001:db8:2::/64 dev out0 table 100
`;
  // The packet goes out v0, comes in on v1 and is forwarded by the main table again: v0 is in
  // the node, so nothing is recorded for it, and its counters show it sent the packet on.
  const r = await replay({ setup, ingress: 'in0', packets: [{ data: udp(9), tsNs: T0 }] });
  assert.ok(r.ok, r.ok ? '' : r.error.message);
  assert.equal(r.value.outputs.get('v0'), undefined);
  assert.equal(r.value.outputs.get('v1'), undefined);
  const table = r.value.kernel.netdev.table(r.value.net);
  assert.ok((table.getByName('v0')?.stats.txPackets ?? 0) >= 1);
  assert.ok((table.getByName('v1')?.stats.rxPackets ?? 0) >= 1);
});

test('a veth whose peer left the node is captured', async () => {
  const setup = `
ip link add in0 type dummy
ip link add v0 type veth peer name v1
ip link set v1 netns 0
ip link set in0 up
ip link set v0 up
sysctl -w net.ipv6.conf.all.forwarding=1
ip -6 route add 2001:db8:2::/64 dev v0
`;
  const r = await replay({ setup, ingress: 'in0', packets: [{ data: udp(9), tsNs: T0 }] });
  assert.ok(r.ok, r.ok ? '' : r.error.message);
  assert.equal(r.value.outputs.get('v0')?.length, 1);
});

test('after the last packet timers run until none is left, capped at the drain limit', async () => {
  let fired = 0;
  const r = await replay({
    setup: ROUTER,
    ingress: 'r0',
    packets: [{ data: udp(9), tsNs: T0 }],
    prepare: (kernel, net) => {
      const dev = kernel.netdev.table(net).getByName('r1');
      assert.ok(dev !== undefined);
      // A one-shot timer 5 s in that transmits: it fires and its packet is recorded then.
      net.timers.addTimer(
        new Timer(() => {
          fired++;
          dev.xmit?.(dev, PacketBuffer.from(udp(3)));
        }),
        net.clock.jiffies() + 5 * HZ,
      );
    },
  });
  assert.ok(r.ok);
  assert.equal(fired, 1);
  assert.deepEqual(
    (r.value.outputs.get('r1') ?? []).map((p) => p.tsNs),
    [T0, T0 + 5_000_000_000n],
  );
  assert.equal(r.value.timersLeft, 0);
  assert.equal(r.value.endNs, 5_000_000_000);

  // A timer that re-arms itself forever stops at the limit, and the result says so.
  const forever = await replay({
    setup: ROUTER,
    ingress: 'r0',
    packets: [],
    drainNs: 3_500_000_000,
    prepare: (_k, net) => {
      const t: Timer = new Timer(() => net.timers.modTimer(t, net.clock.jiffies() + HZ));
      net.timers.addTimer(t, net.clock.jiffies() + HZ);
    },
  });
  assert.ok(forever.ok);
  assert.equal(forever.value.timersLeft, 1);
  assert.equal(forever.value.endNs, 3_500_000_000);
  assert.equal(REPLAY_DRAIN_NS, 600_000_000_000);
});

test('setup errors name the script, the line and what ip or sysctl said', async () => {
  const run = async (setup: string) => {
    const r = await replay({ setup, setupName: 'node.sh', ingress: 'r0', packets: [] });
    assert.ok(!r.ok);
    return r.error;
  };
  const bad = await run('ip link add r0 type dummy\n\nip link set nope up\n');
  assert.equal(bad.kind, 'setup');
  assert.equal(bad.line, 3);
  assert.equal(bad.message, 'node.sh:3: Cannot find device "nope"');
  assert.equal((await run('ip -6 route add 2001:db8::/64 via\n')).message, 'node.sh:1: Command line is not complete. Try option "help"');
  assert.equal((await run('sysctl -w net.ipv6.nope=1\n')).message, 'node.sh:1: sysctl: cannot stat /proc/sys/net/ipv6/nope: No such file or directory');
  assert.equal((await run('sysctl -w net.ipv6.conf.all.hop_limit=0\n')).message, 'node.sh:1: sysctl: setting key "net.ipv6.conf.all.hop_limit": Invalid argument');
  assert.equal((await run('sysctl -p\n')).message, "node.sh:1: sysctl: invalid option -- 'p' (a setup line takes -w, -q, -e and KEY=VALUE)");
  assert.equal((await run('ping ::1\n')).message, 'node.sh:1: unknown command "ping" (a setup line is ip ... or sysctl -w KEY=VALUE)');
  assert.equal((await run('ip link add "r0 type dummy\n')).message, 'node.sh:1: Unterminated quoted string');
  assert.equal((await run('ip -n other link show\n')).message, 'node.sh:1: Cannot open network namespace "other": No such file or directory');
  const ingress = await run('ip link add r9 type dummy\n');
  assert.equal(ingress.kind, 'ingress');
  assert.equal(ingress.message, 'no device "r0" in the node after setup (it has: lo, r9)');
});

test('sysctl lines: KEY=VALUE without -w, -q and -e, and reads', async () => {
  const r = await replay({
    setup: 'sysctl net.ipv6.conf.all.forwarding=1\nsysctl -q -e net.ipv6.nope=1 net.ipv6.conf.default.hop_limit=9\nsysctl net.ipv6.conf.all.forwarding\nip link add r0 type dummy\n',
    ingress: 'r0',
    packets: [],
  });
  assert.ok(r.ok, r.ok ? '' : r.error.message);
  assert.equal(r.value.net.sysctl.get('net.ipv6.conf.all.forwarding'), 1);
  assert.equal(r.value.net.sysctl.get('net.ipv6.conf.default.hop_limit'), 9);
});

test('packet errors name the packet', async () => {
  const r = await replay({ setup: ROUTER, ingress: 'r0', packets: [{ data: udp(9), tsNs: 0n }, { data: udp(9), tsNs: 2n ** 60n }] });
  assert.ok(!r.ok);
  assert.equal(r.error.kind, 'packet');
  assert.equal(r.error.packet, 1);
  assert.match(r.error.message, /^packet 1: \d+ ns after the first packet/);
  const neg = await replay({ setup: ROUTER, ingress: 'r0', packets: [{ data: udp(9), tsNs: -1n }] });
  assert.ok(!neg.ok);
  assert.equal(neg.error.message, 'packet 0: timestamp -1 ns is before the epoch');
});

test('a device that is down drops what arrives, and the drop is counted', async () => {
  const r = await replay({ setup: 'ip link add r0 type dummy\n', ingress: 'r0', packets: [{ data: udp(9), tsNs: T0 }] });
  assert.ok(r.ok);
  assert.equal(r.value.dropped, 1);
  assert.deepEqual([...r.value.dropReasons], [['DEV_READY', 1]]);
  assert.equal(r.value.transmitted, 0);
});

test('capturePackets finds IPv6 in Ethernet frames and skips the rest', () => {
  const sink = new MemorySink();
  const w = new PcapWriter(sink, { linkType: LINKTYPE_ETHERNET, resolution: 'nano' });
  const eth = (type: number, payload: Uint8Array): Uint8Array => {
    const f = new Uint8Array(14 + payload.length);
    f[12] = type >> 8;
    f[13] = type & 0xff;
    f.set(payload, 14);
    return f;
  };
  w.writePacket(eth(0x86dd, udp(9)), 1_000_000_007n);
  w.writePacket(eth(0x0800, new Uint8Array(20).fill(0x45)), 2n);
  w.writePacket(eth(0x0806, new Uint8Array(28)), 3n);
  w.writePacket(new Uint8Array(5), 4n);
  w.writePacket(eth(0x86dd, udp(9)), 5n, 200);
  w.close();
  const feed = new CaptureFeed();
  const got = [...capturePackets(openCaptureBytes(sink.bytes()), feed)].map((p) => ({ len: p.data.length, ts: p.tsNs, first: p.data[0] }));
  assert.deepEqual(got, [
    { len: 60, ts: 1_000_000_007n, first: 0x60 },
    { len: 60, ts: 5n, first: 0x60 },
  ]);
  assert.equal(feed.frames, 5);
  assert.equal(feed.ipv6, 2);
  assert.equal(feed.snapped, 1);
  assert.deepEqual([...feed.skipped], [['IPv4', 1], ['ethertype 0x0806', 1], ['truncated link header', 1]]);
  assert.equal(feed.skippedTotal, 3);
  assert.equal(feed.error, undefined);

  // Damage part-way: the packets before it, then the error.
  const raw = new MemorySink();
  const rw = new PcapWriter(raw, { linkType: LINKTYPE_RAW });
  rw.writePacket(udp(9), 1n);
  rw.writePacket(udp(9), 2n);
  rw.close();
  const cut = raw.bytes().subarray(0, raw.bytes().length - 10);
  const f2 = new CaptureFeed();
  assert.equal([...capturePackets(openCaptureBytes(cut), f2)].length, 1);
  assert.ok(f2.error !== undefined);
});

test('two replays share nothing', async () => {
  const a = await replay({ setup: ROUTER, ingress: 'r0', packets: [{ data: udp(9), tsNs: T0 }] });
  const b = await replay({ setup: ROUTER + 'ip link set r1 down\n', ingress: 'r0', packets: [{ data: udp(9), tsNs: T0 }] });
  assert.ok(a.ok && b.ok);
  assert.notEqual(a.value.kernel, b.value.kernel);
  assert.equal(a.value.outputs.get('r1')?.length, 1);
  assert.equal(b.value.outputs.get('r1'), undefined);
});
