import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  HZ,
  INITIAL_JIFFIES,
  MANUAL_CLOCK_EPOCH_SEC,
  ManualClock,
  RealClock,
  type Timespec64,
  jiffiesToMsecs,
  jiffiesToNs,
  msecsToJiffies,
  nsToJiffies,
  timeAfter,
  timeAfterEq,
  timeBefore,
} from './clock.ts';

test('jiffies start like a 64-bit Linux: 300 s before the 32-bit wrap', () => {
  assert.equal(HZ, 1000);
  assert.equal(INITIAL_JIFFIES, 4294667296);
  const c = new ManualClock();
  assert.equal(c.jiffies(), INITIAL_JIFFIES);
  c.advance(300 * 1e9);
  // The low 32 bits wrap to zero exactly five minutes after start.
  assert.equal(c.jiffies() >>> 0, 0);
  assert.equal(c.jiffies(), 2 ** 32);
});

test('a jiffy is one millisecond; conversions are exact inverses at tick starts', () => {
  assert.equal(nsToJiffies(999_999), INITIAL_JIFFIES);
  assert.equal(nsToJiffies(1_000_000), INITIAL_JIFFIES + 1);
  assert.equal(jiffiesToNs(INITIAL_JIFFIES + 7), 7_000_000);
  assert.equal(nsToJiffies(jiffiesToNs(INITIAL_JIFFIES + 12345)), INITIAL_JIFFIES + 12345);
  assert.equal(msecsToJiffies(60_000), 60 * HZ);
  assert.equal(jiffiesToMsecs(100), 100);
  assert.ok(timeAfter(5, 4) && !timeAfter(4, 4) && timeAfterEq(4, 4) && timeBefore(3, 4));
});

test('ManualClock advances and sets monotonic time, never backwards', () => {
  const c = new ManualClock({ startNs: 10 });
  assert.equal(c.nowNs(), 10);
  c.advance(5);
  assert.equal(c.nowNs(), 15);
  assert.equal(c.nowNsBig(), 15n);
  c.set(1_000);
  assert.equal(c.nowNs(), 1_000);
  assert.throws(() => c.set(999), RangeError);
  assert.throws(() => c.advance(-1), RangeError);
  assert.throws(() => c.advance(0.5), RangeError);
});

test('ManualClock wall clock follows monotonic time and can be stepped', () => {
  const c = new ManualClock();
  const t: Timespec64 = { sec: 0, nsec: 0 };
  assert.deepEqual(c.realtime(t), { sec: MANUAL_CLOCK_EPOCH_SEC, nsec: 0 });
  c.advance(1_500_000_000);
  c.realtime(t);
  assert.deepEqual(t, { sec: MANUAL_CLOCK_EPOCH_SEC + 1, nsec: 500_000_000 });
  c.setRealtime(100, 999_999_999);
  c.advance(2);
  assert.deepEqual(c.realtime(t), { sec: 101, nsec: 1 });
  assert.equal(c.realtimeNs(), 101_000_000_001n);
  // Stepping the wall clock leaves monotonic time alone.
  assert.equal(c.nowNs(), 1_500_000_002);
  assert.throws(() => c.setRealtime(1, 1e9), RangeError);
});

test('ManualClock realtime reuses the caller object (no allocation on the hot path)', () => {
  const c = new ManualClock();
  const t: Timespec64 = { sec: 0, nsec: 0 };
  assert.equal(c.realtime(t), t);
});

test('ManualClock repeated realtime reads at one instant agree, and follow steps and advances', () => {
  const c = new ManualClock({ startNs: 5 });
  const a: Timespec64 = { sec: 0, nsec: 0 };
  const b: Timespec64 = { sec: 7, nsec: 7 };
  c.realtime(a);
  // A second reader at the same instant, into another object, sees the same time.
  assert.equal(c.realtime(b), b);
  assert.deepEqual(b, a);
  // A step at the same monotonic instant must not return the remembered time.
  c.setRealtime(200, 5);
  assert.deepEqual(c.realtime(b), { sec: 200, nsec: 5 });
  c.advance(999_999_995);
  assert.deepEqual(c.realtime(b), { sec: 201, nsec: 0 });
  assert.deepEqual(c.realtime(b), { sec: 201, nsec: 0 });
  c.set(1_000_000_001);
  assert.deepEqual(c.realtime(b), { sec: 201, nsec: 1 });
});

test('RealClock is monotonic and its wall clock is near Date.now()', () => {
  const c = new RealClock();
  const a = c.nowNs();
  const b = c.nowNs();
  assert.ok(b >= a && a >= 0);
  assert.ok(c.nowNsBig() >= BigInt(b));
  assert.ok(c.jiffies() >= INITIAL_JIFFIES);
  const t = c.realtime({ sec: 0, nsec: 0 });
  const wall = Date.now();
  const ms = t.sec * 1000 + t.nsec / 1e6;
  assert.ok(Math.abs(ms - wall) < 50, `realtime ${ms} vs Date.now ${wall}`);
  assert.ok(t.nsec >= 0 && t.nsec < 1e9);
});
