/**
 * Clocks: the injected source of time for every namespace.
 *
 * Representation. Monotonic time (Linux CLOCK_MONOTONIC) is a JS `number` of nanoseconds since
 * the clock started. Integers are exact up to 2^53 ns (about 104 days); past that the value
 * still increases but rounds to 2, 4, ... ns, which no protocol timer here can notice.
 * `nowNsBig()` gives the same instant as a `bigint` for callers that want exactness forever.
 * A number keeps the hot paths (timestamps on every packet, token buckets) free of bigint
 * allocation.
 *
 * Jiffies. Timers count in jiffies with HZ = 1000, as most distribution kernels are built.
 * Jiffies start at INITIAL_JIFFIES like a 64-bit Linux: (unsigned long)(unsigned int)(-300*HZ)
 * = 2^32 - 300000, so any code that keeps jiffies in 32 bits (`>>> 0`) sees them wrap after five
 * minutes of uptime, which is why Linux chose that start. The 64-bit count never wraps here.
 *
 * Wall clock. Realtime (CLOCK_REALTIME, for IOAM timestamps and capture files) is kept apart
 * from monotonic time and read as seconds plus nanoseconds, filled into a caller-owned
 * `Timespec64` so reading it allocates nothing. It may step; monotonic time never goes back.
 *
 * Only this folder (and io/) reads real time: `RealClock` uses `process.hrtime.bigint()` for
 * monotonic time and `Date.now()` to anchor the wall clock.
 */

export const HZ = 1000;
export const NSEC_PER_SEC = 1_000_000_000;
export const NSEC_PER_MSEC = 1_000_000;
export const NSEC_PER_JIFFY = NSEC_PER_SEC / HZ;
/** include/linux/jiffies.h on a 64-bit kernel: five minutes before the 32-bit wrap. */
export const INITIAL_JIFFIES = 2 ** 32 - 300 * HZ;

/** A wall-clock instant, as struct timespec64. */
export interface Timespec64 {
  sec: number;
  nsec: number;
}

export interface Clock {
  /** Monotonic nanoseconds since the clock started. */
  nowNs(): number;
  /** The same instant as `nowNs()`, exact at any uptime. */
  nowNsBig(): bigint;
  /** Jiffies (HZ = 1000) for the current monotonic time, starting at INITIAL_JIFFIES. */
  jiffies(): number;
  /** Fills `out` with the wall-clock time and returns it. */
  realtime(out: Timespec64): Timespec64;
  /** Wall-clock nanoseconds since the epoch (exceeds 2^53, hence bigint). */
  realtimeNs(): bigint;
}

/** Jiffies value in force at monotonic time `ns`. */
export function nsToJiffies(ns: number): number {
  return INITIAL_JIFFIES + Math.floor(ns / NSEC_PER_JIFFY);
}

/** Monotonic time at which the jiffies counter reaches `j` (the start of that tick). */
export function jiffiesToNs(j: number): number {
  return (j - INITIAL_JIFFIES) * NSEC_PER_JIFFY;
}

/** msecs_to_jiffies: rounds up, as Linux does for HZ that divides 1000. */
export function msecsToJiffies(ms: number): number {
  return Math.ceil((ms * HZ) / 1000);
}

export function jiffiesToMsecs(j: number): number {
  return Math.trunc((j * 1000) / HZ);
}

/** time_after(a, b): a is later than b. Plain comparison: 64-bit jiffies never wrap. */
export function timeAfter(a: number, b: number): boolean {
  return a > b;
}

export function timeAfterEq(a: number, b: number): boolean {
  return a >= b;
}

export function timeBefore(a: number, b: number): boolean {
  return a < b;
}

function fillTimespec(out: Timespec64, baseSec: number, baseNsec: number, plusNs: number): Timespec64 {
  const addSec = Math.floor(plusNs / NSEC_PER_SEC);
  let nsec = baseNsec + (plusNs - addSec * NSEC_PER_SEC);
  let sec = baseSec + addSec;
  if (nsec >= NSEC_PER_SEC) {
    nsec -= NSEC_PER_SEC;
    sec += 1;
  }
  out.sec = sec;
  out.nsec = nsec;
  return out;
}

function assertNs(what: string, ns: number): void {
  if (!Number.isSafeInteger(ns) || ns < 0) {
    throw new RangeError(`${what}: expected a non-negative integer number of nanoseconds, got ${ns}`);
  }
}

/** 2024-01-01T00:00:00Z: a fixed, plausible wall clock so simulated captures are reproducible. */
export const MANUAL_CLOCK_EPOCH_SEC = 1_704_067_200;

export interface ManualClockOptions {
  /** Initial monotonic time in ns (default 0). */
  readonly startNs?: number;
  /** Wall-clock seconds at monotonic time `startNs` (default MANUAL_CLOCK_EPOCH_SEC). */
  readonly realtimeSec?: number;
  readonly realtimeNsec?: number;
}

/** A virtual clock for the simulator and tests: time moves only when told to. */
export class ManualClock implements Clock {
  #ns: number;
  // Wall clock = (#wallSec, #wallNsec) + (#ns - #wallAtNs).
  #wallSec: number;
  #wallNsec: number;
  #wallAtNs: number;
  /**
   * The last realtime() result and the monotonic time it was for: time moves only when told,
   * so per-packet readers (IOAM timestamps) repeat the same instant many times.
   */
  #memoAtNs = -1;
  #memoSec = 0;
  #memoNsec = 0;

  constructor(options: ManualClockOptions = {}) {
    const start = options.startNs ?? 0;
    assertNs('ManualClock startNs', start);
    this.#ns = start;
    this.#wallSec = options.realtimeSec ?? MANUAL_CLOCK_EPOCH_SEC;
    this.#wallNsec = options.realtimeNsec ?? 0;
    this.#wallAtNs = start;
    checkTimespec(this.#wallSec, this.#wallNsec);
  }

  nowNs(): number {
    return this.#ns;
  }

  nowNsBig(): bigint {
    return BigInt(this.#ns);
  }

  jiffies(): number {
    return nsToJiffies(this.#ns);
  }

  realtime(out: Timespec64): Timespec64 {
    if (this.#ns !== this.#memoAtNs) {
      fillTimespec(out, this.#wallSec, this.#wallNsec, this.#ns - this.#wallAtNs);
      this.#memoAtNs = this.#ns;
      this.#memoSec = out.sec;
      this.#memoNsec = out.nsec;
      return out;
    }
    out.sec = this.#memoSec;
    out.nsec = this.#memoNsec;
    return out;
  }

  realtimeNs(): bigint {
    const t = this.realtime({ sec: 0, nsec: 0 });
    return BigInt(t.sec) * 1_000_000_000n + BigInt(t.nsec);
  }

  /** Moves monotonic (and wall) time forward by `ns`. */
  advance(ns: number): void {
    assertNs('ManualClock.advance', ns);
    this.#ns += ns;
  }

  /** Sets monotonic time; it may not go backwards. */
  set(ns: number): void {
    assertNs('ManualClock.set', ns);
    if (ns < this.#ns) throw new RangeError(`ManualClock.set: monotonic time cannot go back from ${this.#ns} to ${ns}`);
    this.#ns = ns;
  }

  /** Steps the wall clock (settimeofday); monotonic time is untouched. */
  setRealtime(sec: number, nsec = 0): void {
    checkTimespec(sec, nsec);
    this.#wallSec = sec;
    this.#wallNsec = nsec;
    this.#wallAtNs = this.#ns;
    this.#memoAtNs = -1;
  }
}

function checkTimespec(sec: number, nsec: number): void {
  if (!Number.isSafeInteger(sec) || !Number.isInteger(nsec) || nsec < 0 || nsec >= NSEC_PER_SEC) {
    throw new RangeError(`realtime must be integer seconds and 0 <= nsec < 1e9, got ${sec}.${nsec}`);
  }
}

/**
 * The host's clocks, for the live daemon. Monotonic time counts from construction (like uptime
 * after boot). The wall clock extrapolates from a `Date.now()` anchor with the monotonic clock,
 * giving nanosecond resolution; when the host clock is stepped by more than a millisecond from
 * the extrapolation the anchor is reset, so steps are followed as on Linux.
 */
export class RealClock implements Clock {
  readonly #origin: bigint;
  #anchorMs: number;
  #anchorNs: number;

  constructor() {
    this.#origin = process.hrtime.bigint();
    this.#anchorMs = Date.now();
    this.#anchorNs = 0;
  }

  nowNs(): number {
    return Number(process.hrtime.bigint() - this.#origin);
  }

  nowNsBig(): bigint {
    return process.hrtime.bigint() - this.#origin;
  }

  jiffies(): number {
    return nsToJiffies(this.nowNs());
  }

  realtime(out: Timespec64): Timespec64 {
    const mono = this.nowNs();
    const wallMs = Date.now();
    const elapsed = mono - this.#anchorNs;
    const predictedMs = this.#anchorMs + elapsed / NSEC_PER_MSEC;
    // Date.now() truncates to the millisecond: the true time is in [wallMs, wallMs + 1).
    if (predictedMs < wallMs - 1 || predictedMs > wallMs + 2) {
      this.#anchorMs = wallMs;
      this.#anchorNs = mono;
    }
    const sec = Math.floor(this.#anchorMs / 1000);
    const nsec = (this.#anchorMs - sec * 1000) * NSEC_PER_MSEC;
    return fillTimespec(out, sec, nsec, mono - this.#anchorNs);
  }

  realtimeNs(): bigint {
    const t = this.realtime({ sec: 0, nsec: 0 });
    return BigInt(t.sec) * 1_000_000_000n + BigInt(t.nsec);
  }
}
