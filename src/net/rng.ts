/**
 * Seeded randomness for a namespace: fragment ids, random flow labels, hash secrets, fault
 * injection. Protocol code never calls Math.random; the simulator prints its seed so a run can
 * be replayed.
 *
 * Generator: xoshiro128** 1.1 (Blackman and Vigna), 128 bits of state, 32-bit output, built on
 * Math.imul and 32-bit shifts so each draw allocates nothing. The state is seeded from a 64-bit
 * seed with splitmix64, as the authors recommend (two outputs, low word first). Streams are
 * derived with `fork(label)`: the child's seed is splitmix64's finaliser applied to the parent's
 * seed xor FNV-1a-64(label), so a child depends only on the parent seed and the label, not on how
 * many numbers the parent has drawn. Not for cryptography.
 */

const MASK64 = 0xffff_ffff_ffff_ffffn;

/** One splitmix64 step: advances `state` by the golden gamma and mixes it. */
function splitmix64(state: bigint): { state: bigint; out: bigint } {
  const next = (state + 0x9e37_79b9_7f4a_7c15n) & MASK64;
  return { state: next, out: mix64(next) };
}

/** splitmix64's output finaliser (a bijection of 64-bit values). */
function mix64(z: bigint): bigint {
  z = ((z ^ (z >> 30n)) * 0xbf58_476d_1ce4_e5b9n) & MASK64;
  z = ((z ^ (z >> 27n)) * 0x94d0_49bb_1331_11ebn) & MASK64;
  return z ^ (z >> 31n);
}

/** FNV-1a, 64-bit, over the UTF-8 bytes of `s`. */
function fnv1a64(s: string): bigint {
  let h = 0xcbf2_9ce4_8422_2325n;
  for (const b of new TextEncoder().encode(s)) {
    h ^= BigInt(b);
    h = (h * 0x100_0000_01b3n) & MASK64;
  }
  return h;
}

export type RngSeed = number | bigint | string;

function seedToU64(seed: RngSeed): bigint {
  if (typeof seed === 'string') return fnv1a64(seed);
  if (typeof seed === 'number') {
    if (!Number.isSafeInteger(seed) || seed < 0) throw new RangeError(`rng seed must be a non-negative safe integer, got ${seed}`);
    return BigInt(seed);
  }
  if (seed < 0n || seed > MASK64) throw new RangeError(`rng seed must fit in 64 bits, got ${seed}`);
  return seed;
}

export class Rng {
  /** The 64-bit seed this stream was built from (print it to replay a run). */
  readonly seed: bigint;
  #s0: number;
  #s1: number;
  #s2: number;
  #s3: number;

  constructor(seed: RngSeed) {
    this.seed = seedToU64(seed);
    const a = splitmix64(this.seed);
    const b = splitmix64(a.state);
    this.#s0 = Number(a.out & 0xffff_ffffn);
    this.#s1 = Number(a.out >> 32n);
    this.#s2 = Number(b.out & 0xffff_ffffn);
    this.#s3 = Number(b.out >> 32n);
    // The all-zero state is a fixed point; splitmix64 cannot produce it, but be certain.
    if ((this.#s0 | this.#s1 | this.#s2 | this.#s3) === 0) this.#s0 = 1;
  }

  /** Builds a generator from an explicit 128-bit state (four words, none all zero). */
  static fromState(s0: number, s1: number, s2: number, s3: number): Rng {
    if (((s0 | s1 | s2 | s3) >>> 0) === 0) throw new RangeError('xoshiro128** state must not be all zero');
    const r = new Rng(0);
    r.#s0 = s0 >>> 0;
    r.#s1 = s1 >>> 0;
    r.#s2 = s2 >>> 0;
    r.#s3 = s3 >>> 0;
    return r;
  }

  /** A uniformly distributed 32-bit unsigned integer. */
  nextU32(): number {
    const s1 = this.#s1;
    const m = Math.imul(s1, 5);
    const result = Math.imul((m << 7) | (m >>> 25), 9) >>> 0;
    const t = s1 << 9;
    this.#s2 ^= this.#s0;
    this.#s3 ^= s1;
    this.#s1 = s1 ^ this.#s2;
    this.#s0 ^= this.#s3;
    this.#s2 ^= t;
    this.#s3 = (this.#s3 << 11) | (this.#s3 >>> 21);
    return result;
  }

  /** A uniform integer in [0, n) without modulo bias; 1 <= n <= 2^32. */
  nextBelow(n: number): number {
    if (!Number.isInteger(n) || n < 1 || n > 0x1_0000_0000) throw new RangeError(`nextBelow: n must be an integer in [1, 2^32], got ${n}`);
    // Reject the low (2^32 mod n) values so the rest divide evenly into n classes.
    const threshold = (0x1_0000_0000 - n) % n;
    for (;;) {
      const r = this.nextU32();
      if (r >= threshold) return r % n;
    }
  }

  /** A uniform double in [0, 1) with 53 random bits. */
  nextFloat(): number {
    const hi = this.nextU32() >>> 5;
    const lo = this.nextU32() >>> 6;
    return (hi * 0x400_0000 + lo) / 0x20_0000_0000_0000;
  }

  /** Fills `bytes` with random bytes (each 32-bit draw gives four, least significant first). */
  fill(bytes: Uint8Array): Uint8Array {
    let i = 0;
    const n = bytes.length;
    while (i + 4 <= n) {
      const r = this.nextU32();
      bytes[i] = r & 0xff;
      bytes[i + 1] = (r >>> 8) & 0xff;
      bytes[i + 2] = (r >>> 16) & 0xff;
      bytes[i + 3] = r >>> 24;
      i += 4;
    }
    if (i < n) {
      let r = this.nextU32();
      while (i < n) {
        bytes[i++] = r & 0xff;
        r >>>= 8;
      }
    }
    return bytes;
  }

  /** An independent stream named `label`, derived from this stream's seed only. */
  fork(label: string): Rng {
    return new Rng(mix64(this.seed ^ fnv1a64(label)));
  }
}
