import assert from 'node:assert/strict';
import { test } from 'node:test';
import { INITIAL_JIFFIES, ManualClock } from './clock.ts';
import { Timer, TimerQueue } from './timer.ts';

const J = INITIAL_JIFFIES;

function recorder(): { log: string[]; timer: (name: string) => Timer } {
  const log: string[] = [];
  return { log, timer: (name) => new Timer(() => log.push(name)) };
}

test('mod_timer returns whether the timer was pending; del_timer likewise', () => {
  const q = new TimerQueue(J);
  const { timer } = recorder();
  const t = timer('a');
  assert.equal(q.timerPending(t), false);
  assert.equal(q.modTimer(t, J + 10), false);
  assert.equal(q.timerPending(t), true);
  assert.equal(t.expires, J + 10);
  assert.equal(q.modTimer(t, J + 20), true);
  assert.equal(t.expires, J + 20);
  assert.equal(q.nextExpiry(), J + 20);
  assert.equal(q.delTimer(t), true);
  assert.equal(q.delTimer(t), false);
  assert.equal(q.timerPending(t), false);
  assert.equal(q.nextExpiry(), undefined);
});

test('add_timer on a pending timer is a programmer error', () => {
  const q = new TimerQueue(J);
  const t = new Timer(() => undefined);
  q.addTimer(t, J + 1);
  assert.throws(() => q.addTimer(t, J + 2), /already pending/);
  assert.throws(() => q.modTimer(new Timer(() => undefined), 1.5), RangeError);
});

test('timers fire at expiry, in deadline order then arming order', () => {
  const q = new TimerQueue(J);
  const { log, timer } = recorder();
  q.addTimer(timer('c'), J + 5);
  q.addTimer(timer('a'), J + 3);
  q.addTimer(timer('b1'), J + 4);
  q.addTimer(timer('b2'), J + 4);
  q.addTimer(timer('b3'), J + 4);
  assert.equal(q.runDue(J + 2), 0);
  assert.deepEqual(log, []);
  assert.equal(q.runDue(J + 4), 4);
  assert.deepEqual(log, ['a', 'b1', 'b2', 'b3']);
  assert.equal(q.runDue(J + 100), 1);
  assert.deepEqual(log, ['a', 'b1', 'b2', 'b3', 'c']);
  assert.equal(q.size, 0);
});

test('moving a timer re-sequences it, but re-arming to the same expiry keeps its place', () => {
  const q = new TimerQueue(J);
  const { log, timer } = recorder();
  const a = timer('a');
  const b = timer('b');
  q.addTimer(a, J + 4);
  q.addTimer(b, J + 4);
  assert.equal(q.modTimer(a, J + 4), true); // unchanged: still first
  q.runDue(J + 4);
  assert.deepEqual(log, ['a', 'b']);
  log.length = 0;
  q.addTimer(a, J + 9);
  q.addTimer(b, J + 9);
  q.modTimer(a, J + 8);
  q.modTimer(a, J + 9); // moved: now after b
  q.runDue(J + 9);
  assert.deepEqual(log, ['b', 'a']);
});

test('a deleted timer never fires; a fired timer is no longer pending', () => {
  const q = new TimerQueue(J);
  const { log, timer } = recorder();
  const a = timer('a');
  const b = timer('b');
  q.addTimer(a, J + 1);
  q.addTimer(b, J + 1);
  q.delTimer(a);
  q.runDue(J + 1);
  assert.deepEqual(log, ['b']);
  assert.equal(q.timerPending(b), false);
});

test('a self re-arming timer catches up one tick at a time, like __run_timers', () => {
  const q = new TimerQueue(J);
  const ticks: number[] = [];
  const t = new Timer((self) => {
    ticks.push(self.expires);
    // Re-arm "now" (the expiry just served): Linux queues it for the next tick.
    q.modTimer(self, self.expires);
  });
  q.addTimer(t, J + 1);
  assert.equal(q.runDue(J + 4), 4);
  assert.deepEqual(ticks, [J + 1, J + 1, J + 1, J + 1]);
  assert.equal(q.nextExpiry(), J + 5);
  assert.equal(q.timerPending(t), true);
});

test('a periodic timer re-armed from its callback fires at each period', () => {
  const q = new TimerQueue(J);
  const seen: number[] = [];
  const t = new Timer((self) => {
    seen.push(self.expires);
    if (seen.length < 5) q.modTimer(self, self.expires + 10);
  });
  q.addTimer(t, J + 10);
  q.runDue(J + 1000);
  assert.deepEqual(seen, [J + 10, J + 20, J + 30, J + 40, J + 50]);
});

test('a timer armed in the past fires at the next tick after the last run', () => {
  const q = new TimerQueue(J);
  const { log, timer } = recorder();
  q.runDue(J + 50);
  const t = timer('late');
  q.addTimer(t, J + 10);
  assert.equal(t.expires, J + 10);
  assert.equal(q.nextExpiry(), J + 51);
  assert.equal(q.runDue(J + 50), 0);
  assert.equal(q.runDue(J + 51), 1);
  assert.deepEqual(log, ['late']);
});

test('callbacks may arm and delete other timers', () => {
  const q = new TimerQueue(J);
  const { log, timer } = recorder();
  const victim = timer('victim');
  const spawned = timer('spawned');
  q.addTimer(victim, J + 3);
  q.addTimer(
    new Timer(() => {
      log.push('killer');
      assert.equal(q.delTimer(victim), true);
      q.addTimer(spawned, J + 2);
    }),
    J + 2,
  );
  q.runDue(J + 10);
  assert.deepEqual(log, ['killer', 'spawned']);
});

test('modTimer migrates a timer pending on another queue', () => {
  const q1 = new TimerQueue(J);
  const q2 = new TimerQueue(J);
  const t = new Timer(() => undefined);
  q1.addTimer(t, J + 5);
  assert.equal(q2.modTimer(t, J + 6), true);
  assert.equal(q1.size, 0);
  assert.equal(q2.timerPending(t), true);
  assert.equal(q1.delTimer(t), true); // del_timer works wherever the timer is pending
  assert.equal(q2.size, 0);
});

test('cancelAll and shutdown', () => {
  const q = new TimerQueue(J);
  const { log, timer } = recorder();
  const ts = [timer('a'), timer('b'), timer('c')];
  ts.forEach((t, i) => q.addTimer(t, J + i));
  assert.equal(q.cancelAll(), 3);
  assert.ok(ts.every((t) => !q.timerPending(t)));
  q.addTimer(ts[0] as Timer, J + 1);
  assert.equal(q.shutdown(), 1);
  assert.equal(q.isShutdown, true);
  assert.equal(q.modTimer(ts[1] as Timer, J + 1), false);
  assert.equal(q.size, 0);
  q.runDue(J + 100);
  assert.deepEqual(log, []);
});

test('runDue with ManualClock drives expiry from virtual time', () => {
  const clock = new ManualClock();
  const q = new TimerQueue(clock.jiffies());
  const { log, timer } = recorder();
  q.addTimer(timer('60s'), clock.jiffies() + 60_000);
  clock.advance(59_999_999_999);
  q.runDue(clock.jiffies());
  assert.deepEqual(log, []);
  clock.advance(1);
  q.runDue(clock.jiffies());
  assert.deepEqual(log, ['60s']);
});

test('100,000 timers: random arming, moving and deleting keep heap order', () => {
  const q = new TimerQueue(J);
  const n = 100_000;
  let x = 12345;
  const rand = (m: number): number => {
    x = (Math.imul(x, 1103515245) + 12345) >>> 0;
    return x % m;
  };
  const fired: Array<[number, number]> = [];
  const timers: Timer[] = [];
  for (let i = 0; i < n; i++) {
    const id = i;
    const t = new Timer((self) => fired.push([self.expires, id]));
    timers.push(t);
    q.addTimer(t, J + 1 + rand(5000));
  }
  const deleted = new Set<number>();
  for (let i = 0; i < 20_000; i++) {
    const k = rand(n);
    if (i % 2 === 0) {
      q.modTimer(timers[k] as Timer, J + 1 + rand(5000));
      deleted.delete(k);
    } else if (q.delTimer(timers[k] as Timer)) {
      deleted.add(k);
    }
  }
  assert.equal(q.size, n - deleted.size);
  q.runDue(J + 2500);
  q.runDue(J + 6000);
  assert.equal(fired.length, n - deleted.size);
  for (let i = 1; i < fired.length; i++) {
    assert.ok((fired[i - 1] as [number, number])[0] <= (fired[i] as [number, number])[0]);
  }
  assert.ok(fired.every(([, id]) => !deleted.has(id)));
  assert.equal(q.size, 0);
});
