/**
 * A per-namespace timer queue with the semantics of Linux kernel/time/timer.c.
 *
 * Expiry times are in jiffies (HZ = 1000, see clock.ts), like `timer_list.expires`, because the
 * subsystems we mirror (reassembly queues, flow-label GC, ...) compute their deadlines in
 * jiffies. The operations keep Linux's names and return values:
 *
 * - `modTimer(t, expires)` arms or moves `t` and returns whether it was pending (mod_timer).
 *   Re-arming a pending timer to the same expiry changes nothing, as in __mod_timer.
 * - `addTimer(t, expires)` arms a timer that must not be pending (add_timer warns otherwise; we
 *   throw, it is a programmer error).
 * - `delTimer(t)` disarms and returns whether it was pending (del_timer / timer_delete).
 * - `timerPending(t)`.
 *
 * Firing. `runDue(now)` fires every timer whose expiry is at or before `now`, in order of expiry
 * and then of arming (a sequence number), so runs are deterministic. Like __run_timers, while
 * the timers of tick K run the queue clock is K + 1: a callback that re-arms its timer for K or
 * earlier fires again at tick K + 1, which bounds the work of one call and lets periodic timers
 * catch up tick by tick. After `runDue(now)` the clock is `now + 1`, so a timer armed afterwards
 * with an expiry in the past fires at the next tick, as on Linux.
 *
 * Differences from Linux, on purpose: the timer wheel fires level > 0 timers up to 1/8 of their
 * timeout late and runs one bucket newest-first; here every timer fires exactly at its expiry,
 * oldest-first. `shutdown()` is timer_shutdown for a whole queue: used when a namespace dies,
 * after which arming is silently ignored.
 *
 * Storage is an indexed binary min-heap (each timer knows its slot), so arm, move and delete are
 * O(log n), `nextExpiry()` is O(1), and `runDue` with nothing due allocates nothing.
 */

export type TimerCallback = (timer: Timer) => void;

/** struct timer_list: a callback and, while pending, an expiry. Reusable after it fires. */
export class Timer {
  readonly callback: TimerCallback;
  /** Expiry in jiffies as last armed (timer->expires); meaningful while pending. */
  expires = 0;
  /** Heap key: max(expires, queue clock at arming). Internal to TimerQueue. */
  _key = 0;
  /** Arming order, for ties. Internal to TimerQueue. */
  _seq = 0;
  /** Slot in the heap, -1 when not pending. Internal to TimerQueue. */
  _index = -1;
  /** The queue it is pending on. Internal to TimerQueue. */
  _queue: TimerQueue | null = null;

  constructor(callback: TimerCallback) {
    this.callback = callback;
  }
}

export class TimerQueue {
  readonly #heap: Timer[] = [];
  #seq = 0;
  // Next tick to process (timer_base.clk).
  #clk: number;
  #dead = false;

  /** `startJiffies` is the current jiffies value (the base clock starts there). */
  constructor(startJiffies = 0) {
    this.#clk = startJiffies;
  }

  /** Number of pending timers. */
  get size(): number {
    return this.#heap.length;
  }

  /** True once `shutdown()` ran: arming is ignored. */
  get isShutdown(): boolean {
    return this.#dead;
  }

  timerPending(t: Timer): boolean {
    return t._queue === this;
  }

  /** add_timer: arms a timer that is not pending. */
  addTimer(t: Timer, expires: number): void {
    if (t._queue !== null) throw new Error('addTimer: timer is already pending (use modTimer)');
    this.#arm(t, expires);
  }

  /** mod_timer: (re)arms `t` for `expires`; returns true if it was pending. */
  modTimer(t: Timer, expires: number): boolean {
    const q = t._queue;
    if (q === this && t.expires === expires) return true;
    let wasPending = false;
    if (q !== null) {
      q.#remove(t);
      wasPending = true;
    }
    this.#arm(t, expires);
    return wasPending;
  }

  /** del_timer: disarms `t`; returns true if it was pending. */
  delTimer(t: Timer): boolean {
    const q = t._queue;
    if (q === null) return false;
    q.#remove(t);
    return true;
  }

  /** The tick at which the earliest pending timer fires, or undefined when none is pending. */
  nextExpiry(): number | undefined {
    return this.#heap[0]?._key;
  }

  /** Fires every timer due at or before tick `now`; returns how many callbacks ran. */
  runDue(now: number): number {
    const heap = this.#heap;
    let fired = 0;
    for (;;) {
      const t = heap[0];
      if (t === undefined || t._key > now) break;
      this.#clk = t._key + 1;
      this.#remove(t);
      fired++;
      t.callback(t);
    }
    if (this.#clk < now + 1) this.#clk = now + 1;
    return fired;
  }

  /** Disarms every pending timer; returns how many there were. */
  cancelAll(): number {
    const heap = this.#heap;
    const n = heap.length;
    for (const t of heap) {
      t._queue = null;
      t._index = -1;
    }
    heap.length = 0;
    return n;
  }

  /** Cancels everything and ignores any later arming (the namespace is going away). */
  shutdown(): number {
    this.#dead = true;
    return this.cancelAll();
  }

  #arm(t: Timer, expires: number): void {
    if (!Number.isSafeInteger(expires)) throw new RangeError(`timer expiry must be an integer jiffies value, got ${expires}`);
    if (this.#dead) return;
    t.expires = expires;
    t._key = expires > this.#clk ? expires : this.#clk;
    t._seq = this.#seq++;
    t._queue = this;
    const heap = this.#heap;
    t._index = heap.length;
    heap.push(t);
    this.#siftUp(t._index);
  }

  #remove(t: Timer): void {
    const heap = this.#heap;
    const i = t._index;
    const last = heap.pop();
    t._index = -1;
    t._queue = null;
    if (last === undefined || last === t) return;
    heap[i] = last;
    last._index = i;
    this.#siftDown(i);
    this.#siftUp(last._index);
  }

  #siftUp(i: number): void {
    const heap = this.#heap;
    const t = heap[i] as Timer;
    while (i > 0) {
      const p = (i - 1) >> 1;
      const parent = heap[p] as Timer;
      if (!before(t, parent)) break;
      heap[i] = parent;
      parent._index = i;
      i = p;
    }
    heap[i] = t;
    t._index = i;
  }

  #siftDown(i: number): void {
    const heap = this.#heap;
    const n = heap.length;
    const t = heap[i] as Timer;
    for (;;) {
      const l = 2 * i + 1;
      if (l >= n) break;
      const r = l + 1;
      let c = l;
      let child = heap[l] as Timer;
      if (r < n) {
        const right = heap[r] as Timer;
        if (before(right, child)) {
          c = r;
          child = right;
        }
      }
      if (!before(child, t)) break;
      heap[i] = child;
      child._index = i;
      i = c;
    }
    heap[i] = t;
    t._index = i;
  }
}

function before(a: Timer, b: Timer): boolean {
  return a._key < b._key || (a._key === b._key && a._seq < b._seq);
}
