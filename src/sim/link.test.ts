import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Kernel } from '../kernel.ts';
import { createVethPair } from '../net/device-kinds.ts';
import type { NetDevice } from '../net/netdevice.ts';
import { PacketBuffer } from '../net/packet-buffer.ts';
import { ManualClock } from '../time/clock.ts';
import { Timer } from '../time/timer.ts';
import { devQueueXmit } from '../ipv6/output.ts';
import { VERDICT_CONSUMED, verdictReason } from '../ipv6/verdict.ts';
import { SKB_DROP_REASON_QDISC_DROP } from '../uapi/dropreason.ts';
import { EventQueue, SimEvent, runUntil } from './events.ts';
import { installLink, type WireConfig } from './link.ts';

interface Rig {
  readonly kernel: Kernel;
  readonly queue: EventQueue;
  readonly a: NetDevice;
  readonly b: NetDevice;
  /** Arrival time (ns) and length of each packet b received, in order. */
  readonly arrivals: Array<[number, number]>;
  send(len: number): number;
  run(untilNs?: number): void;
}

function rig(config: WireConfig, seed = 1, txqueuelen?: number): Rig {
  const kernel = new Kernel({ seed, clock: new ManualClock(), dataPath: false });
  const mk = (name: string) => {
    const r = kernel.world.createNet(name);
    assert.ok(r.ok);
    return r.value;
  };
  const na = mk('na');
  const nb = mk('nb');
  const ta = kernel.netdev.table(na);
  const tb = kernel.netdev.table(nb);
  const pair = createVethPair(ta, 'eth0', { peerName: 'eth0', peerTable: tb });
  assert.ok(pair.ok);
  const { dev: a, peer: b } = pair.value;
  if (txqueuelen !== undefined) assert.ok(ta.changeTxQueueLen(a, txqueuelen).ok);
  assert.ok(ta.open(a).ok);
  assert.ok(tb.open(b).ok);
  const queue = new EventQueue();
  installLink('a--b', queue, a, b, config, kernel.world.rng.fork('link'));
  const arrivals: Array<[number, number]> = [];
  b.receive = (_dev, pkb) => void arrivals.push([kernel.world.clock.nowNs(), pkb.length]);
  return {
    kernel,
    queue,
    a,
    b,
    arrivals,
    send(len) {
      const pkb = new PacketBuffer(len + 64, 64);
      pkb.put(len);
      pkb.resetNetworkHeader();
      return devQueueXmit(pkb, a);
    },
    run(untilNs) {
      runUntil(kernel.world, queue, untilNs);
    },
  };
}

test('delay: each packet arrives exactly delay ns after it was sent, in order', () => {
  const r = rig({ delayNs: 2_000_000, rateBps: 0, loss: 0 });
  assert.equal(r.send(100), VERDICT_CONSUMED);
  assert.equal(r.send(200), VERDICT_CONSUMED);
  r.run();
  assert.deepEqual(r.arrivals, [
    [2_000_000, 100],
    [2_000_000, 200],
  ]);
  assert.equal(r.a.stats.txPackets, 2);
  assert.equal(r.a.stats.txBytes, 300);
  assert.equal(r.a.noQueue, true);
});

test('rate: packets are serialised one after the other and queue in the device meanwhile', () => {
  // 1000 bytes at 8 Mbit/s take 1 ms; delay 500 us.
  const r = rig({ delayNs: 500_000, rateBps: 8e6, loss: 0 });
  for (let i = 0; i < 3; i++) assert.equal(r.send(1000), VERDICT_CONSUMED);
  // One on the wire, two waiting in the txq: the depth IOAM reads.
  assert.equal(r.a.txq.packets, 2);
  assert.equal(r.a.txq.bytes, 2000);
  assert.equal(r.a.txStopped, true);
  assert.equal(r.a.noQueue, false);
  r.run();
  assert.deepEqual(r.arrivals, [
    [1_500_000, 1000],
    [2_500_000, 1000],
    [3_500_000, 1000],
  ]);
  assert.equal(r.a.txq.packets, 0);
  assert.equal(r.a.txStopped, false);
});

test('queue: a full txq drops the packet with QDISC_DROP, as tail drop', () => {
  const r = rig({ delayNs: 0, rateBps: 1e6, loss: 0 }, 1, 3);
  const verdicts: number[] = [];
  for (let i = 0; i < 6; i++) verdicts.push(r.send(125));
  // One serialising, three queued (txqueuelen 3), two dropped.
  assert.deepEqual(verdicts.slice(0, 4), [VERDICT_CONSUMED, VERDICT_CONSUMED, VERDICT_CONSUMED, VERDICT_CONSUMED]);
  assert.equal(verdictReason(verdicts[4] ?? 0), SKB_DROP_REASON_QDISC_DROP);
  assert.equal(verdictReason(verdicts[5] ?? 0), SKB_DROP_REASON_QDISC_DROP);
  assert.equal(r.a.txq.packets, 3);
  r.run();
  // 125 bytes at 1 Mbit/s: 1 ms each.
  assert.deepEqual(
    r.arrivals.map(([t]) => t),
    [1_000_000, 2_000_000, 3_000_000, 4_000_000],
  );
});

test('loss: the seed decides which packets are lost; the same seed loses the same ones', () => {
  const pattern = (seed: number): string => {
    const r = rig({ delayNs: 1000, rateBps: 0, loss: 0.3 }, seed);
    const got = new Set<number>();
    let i = 0;
    r.b.receive = (_d, pkb) => void got.add(pkb.length);
    // Lengths 100.. identify packets.
    for (; i < 200; i++) r.send(100 + i);
    r.run();
    let s = '';
    for (let k = 0; k < 200; k++) s += got.has(100 + k) ? '.' : 'x';
    return s;
  };
  const one = pattern(1);
  assert.equal(pattern(1), one);
  assert.notEqual(pattern(2), one);
  const lost = [...one].filter((c) => c === 'x').length;
  assert.ok(lost > 30 && lost < 90, `lost ${lost} of 200 at 30%`);
});

test('a peer that is down when the packet arrives counts rx_dropped', () => {
  const r = rig({ delayNs: 1_000_000, rateBps: 0, loss: 0 });
  r.send(100);
  assert.ok(r.kernel.netdev.table(r.b.net).changeFlags(r.b, 0).ok);
  r.run();
  assert.equal(r.arrivals.length, 0);
  assert.equal(r.b.stats.rxDropped, 1);
});

test('events run in (time, scheduling order); World timers interleave at their expiry', () => {
  const r = rig({ delayNs: 0, rateBps: 0, loss: 0 });
  const order: string[] = [];
  const q = r.queue;
  const at = (name: string, t: number): void => q.schedule(new SimEvent(() => order.push(`${name}@${r.kernel.world.clock.nowNs()}`)), t);
  at('b', 5_000_000);
  at('a', 1_000_000);
  at('c', 5_000_000);
  const moved = new SimEvent(() => order.push('moved'));
  q.schedule(moved, 100);
  q.schedule(moved, 7_000_000);
  const gone = new SimEvent(() => order.push('gone'));
  q.schedule(gone, 10);
  assert.equal(q.cancel(gone), true);
  const net = r.a.net;
  net.timers.addTimer(new Timer(() => order.push(`timer@${r.kernel.world.clock.nowNs()}`)), net.jiffies + 3);
  r.run(10_000_000);
  assert.deepEqual(order, ['a@1000000', 'timer@3000000', 'b@5000000', 'c@5000000', 'moved']);
  assert.equal(r.kernel.world.clock.nowNs(), 10_000_000);
});
