/** Deterministic numbers for generated workloads: the namespace rng, seeded, so runs repeat. */

import { Rng } from '../src/net/rng.ts';

/** A function returning the next 32-bit value of an rng seeded with `seed`. */
export function seeded(seed: number): () => number {
  const rng = new Rng(seed);
  return () => rng.nextU32();
}
