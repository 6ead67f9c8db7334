import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { Rng } from './rng.ts';

function draw(r: Rng, n: number): number[] {
  return Array.from({ length: n }, () => r.nextU32());
}

// Vectors from the reference C code of xoshiro128** 1.1 and splitmix64 (prng.di.unimi.it),
// compiled with gcc: seed s -> state words (splitmix64 outputs, low word first) -> outputs.
test('xoshiro128** from state 1,2,3,4 matches the reference implementation', () => {
  const r = Rng.fromState(1, 2, 3, 4);
  assert.deepEqual(draw(r, 6), [0x00002d00, 0x00000000, 0x005a7080, 0x04389d80, 0x79199d9b, 0x61963b24]);
});

test('splitmix64 seeding matches the reference implementation', () => {
  assert.deepEqual(draw(new Rng(0), 6), [0xdec9045d, 0x9a089d75, 0xab77d362, 0xc3e16405, 0x5c95a8da, 0x60dea056]);
  assert.deepEqual(draw(new Rng(1), 6), [0x650941ba, 0x54d30301, 0x25d2f321, 0x3fabdca9, 0x2ab8e0a6, 0xf9890067]);
  assert.deepEqual(draw(new Rng(0xdeadbeefcafebaben), 6), [0x89731029, 0x9bbb70bb, 0x88219a45, 0x23d30e8f, 0x680ec503, 0xfc44c566]);
});

test('same seed, same sequence; string seeds are hashed', () => {
  assert.deepEqual(draw(new Rng('sim-42'), 100), draw(new Rng('sim-42'), 100));
  assert.notDeepEqual(draw(new Rng('sim-42'), 10), draw(new Rng('sim-43'), 10));
  assert.equal(new Rng(7).seed, 7n);
  assert.throws(() => new Rng(-1), RangeError);
  assert.throws(() => new Rng(1n << 64n), RangeError);
  assert.throws(() => Rng.fromState(0, 0, 0, 0), RangeError);
});

test('fork depends on the seed and label only, not on draws made before', () => {
  const a = new Rng(99);
  const b = new Rng(99);
  draw(b, 1000);
  assert.deepEqual(draw(a.fork('netns:r1'), 20), draw(b.fork('netns:r1'), 20));
  assert.notDeepEqual(draw(a.fork('netns:r1'), 20), draw(a.fork('netns:r2'), 20));
  assert.notDeepEqual(draw(a.fork('x'), 20), draw(new Rng(99), 20));
});

test('nextBelow stays in range and hits every value of a small range', () => {
  const r = new Rng(5);
  const seen = new Set<number>();
  for (let i = 0; i < 2000; i++) {
    const v = r.nextBelow(7);
    assert.ok(Number.isInteger(v) && v >= 0 && v < 7);
    seen.add(v);
  }
  assert.equal(seen.size, 7);
  assert.equal(r.nextBelow(1), 0);
  assert.ok(r.nextBelow(2 ** 32) < 2 ** 32);
  assert.throws(() => r.nextBelow(0), RangeError);
  assert.throws(() => r.nextBelow(2 ** 32 + 1), RangeError);
  fc.assert(
    fc.property(fc.integer({ min: 1, max: 2 ** 32 }), fc.nat(), (n, seed) => {
      const v = new Rng(seed).nextBelow(n);
      return v >= 0 && v < n;
    }),
  );
});

test('nextBelow is unbiased enough: chi-square over 10 buckets', () => {
  const r = new Rng(2024);
  const counts = new Array<number>(10).fill(0);
  const n = 100_000;
  for (let i = 0; i < n; i++) counts[r.nextBelow(10)]! += 1;
  const expected = n / 10;
  const chi = counts.reduce((s, c) => s + (c - expected) ** 2 / expected, 0);
  // 9 degrees of freedom: 27.9 is the 0.999 quantile.
  assert.ok(chi < 27.9, `chi-square ${chi}`);
});

test('fill writes every byte, little-endian per word, including a ragged tail', () => {
  const bytes = new Rng(0).fill(new Uint8Array(7));
  // 0xdec9045d then the low three bytes of 0x9a089d75.
  assert.deepEqual([...bytes], [0x5d, 0x04, 0xc9, 0xde, 0x75, 0x9d, 0x08]);
  assert.equal(new Rng(0).fill(new Uint8Array(0)).length, 0);
});

test('nextFloat is in [0, 1)', () => {
  const r = new Rng(3);
  for (let i = 0; i < 1000; i++) {
    const f = r.nextFloat();
    assert.ok(f >= 0 && f < 1);
  }
});
