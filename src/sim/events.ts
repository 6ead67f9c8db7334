/**
 * The simulator's event queue and run loop on the virtual clock.
 *
 * Events are ordered by (time in ns, scheduling sequence), so two events at the same instant
 * run in the order they were scheduled and a run never depends on anything but its inputs.
 * A `SimEvent` is reusable like a timer_list: links and traffic generators each own a few and
 * re-arm them, so the per-packet path allocates no event. Storage is an indexed binary heap.
 *
 * `runUntil` interleaves these events with the World's timers (jiffy resolution, mod_timer
 * semantics): whichever is due first runs, timers first on a tie, with the ManualClock set to
 * that instant. Timers alone do not keep a run going: without an end time the run stops when no
 * event is left.
 */

import type { World } from '../net/net.ts';
import { ManualClock, jiffiesToNs } from '../time/clock.ts';

export type SimEventCallback = (ev: SimEvent) => void;

export class SimEvent {
  readonly callback: SimEventCallback;
  /** When it fires (monotonic ns); meaningful while pending. */
  at = 0;
  _seq = 0;
  _index = -1;

  constructor(callback: SimEventCallback) {
    this.callback = callback;
  }

  get pending(): boolean {
    return this._index !== -1;
  }
}

export class EventQueue {
  readonly #heap: SimEvent[] = [];
  #seq = 0;

  get size(): number {
    return this.#heap.length;
  }

  /** The earliest pending time, or undefined. */
  nextAt(): number | undefined {
    return this.#heap[0]?.at;
  }

  /** Arms (or moves) `ev` to fire at `at` ns. */
  schedule(ev: SimEvent, at: number): void {
    if (!Number.isFinite(at) || at < 0) throw new RangeError(`SimEvent time must be a non-negative number of ns, got ${at}`);
    if (ev._index !== -1) this.#remove(ev);
    ev.at = at;
    ev._seq = this.#seq++;
    ev._index = this.#heap.length;
    this.#heap.push(ev);
    this.#up(ev._index);
  }

  cancel(ev: SimEvent): boolean {
    if (ev._index === -1) return false;
    this.#remove(ev);
    return true;
  }

  /** Removes and returns the earliest event, or undefined. */
  pop(): SimEvent | undefined {
    const top = this.#heap[0];
    if (top !== undefined) this.#remove(top);
    return top;
  }

  #remove(ev: SimEvent): void {
    const heap = this.#heap;
    const i = ev._index;
    const last = heap.pop() as SimEvent;
    ev._index = -1;
    if (last === ev) return;
    heap[i] = last;
    last._index = i;
    this.#down(i);
    this.#up(last._index);
  }

  #up(i: number): void {
    const heap = this.#heap;
    const ev = heap[i] as SimEvent;
    while (i > 0) {
      const p = (i - 1) >> 1;
      const parent = heap[p] as SimEvent;
      if (!before(ev, parent)) break;
      heap[i] = parent;
      parent._index = i;
      i = p;
    }
    heap[i] = ev;
    ev._index = i;
  }

  #down(i: number): void {
    const heap = this.#heap;
    const n = heap.length;
    const ev = heap[i] as SimEvent;
    for (;;) {
      const l = 2 * i + 1;
      if (l >= n) break;
      let c = l;
      let child = heap[l] as SimEvent;
      const right = heap[l + 1];
      if (right !== undefined && before(right, child)) {
        c = l + 1;
        child = right;
      }
      if (!before(child, ev)) break;
      heap[i] = child;
      child._index = i;
      i = c;
    }
    heap[i] = ev;
    ev._index = i;
  }
}

function before(a: SimEvent, b: SimEvent): boolean {
  return a.at < b.at || (a.at === b.at && a._seq < b._seq);
}

/** Called now and then during a run with the virtual time reached (for a progress bar). */
export type ProgressCallback = (nowNs: number, endNs: number | undefined) => void;

/** How often (in events) `runUntil` reports progress. */
const PROGRESS_EVERY = 4096;

/**
 * Runs events and World timers in time order until `endNs` (then the clock is set to it and
 * timers due by then fire), or, without an end, until no event is left. Returns how many
 * events ran.
 */
export function runUntil(world: World, queue: EventQueue, endNs: number | undefined, progress?: ProgressCallback): number {
  const clock = world.clock;
  if (!(clock instanceof ManualClock)) throw new Error('the simulator needs a World with a ManualClock');
  let ran = 0;
  for (;;) {
    const evAt = queue.nextAt();
    if (evAt === undefined) break;
    if (endNs !== undefined && evAt > endNs) break;
    const tj = world.nextExpiry();
    const tAt = tj === undefined ? undefined : jiffiesToNs(tj);
    if (tAt !== undefined && tAt <= evAt) {
      // World.advance fires every timer up to tAt with the clock at each expiry.
      world.advance(Math.max(0, tAt - clock.nowNs()));
      continue;
    }
    if (evAt > clock.nowNs()) clock.set(evAt);
    const ev = queue.pop() as SimEvent;
    ev.callback(ev);
    ran++;
    if (progress !== undefined && ran % PROGRESS_EVERY === 0) progress(clock.nowNs(), endNs);
  }
  if (endNs !== undefined && endNs > clock.nowNs()) world.advance(endNs - clock.nowNs());
  progress?.(clock.nowNs(), endNs);
  return ran;
}
