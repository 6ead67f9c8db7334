/**
 * IPv6 FIB lookups: `Fib6.lookup` (the multibit index of src/ipv6/fib-lpm.ts) against the old
 * lookup, a walk of the binary radix tree (`Fib6Trie.matchPath`, what `Fib6.lookup` did before
 * the index), over the same FIB in the same run.
 *
 * Tables are shaped like real ones: prefixes /16../128 inside a few thousand /32 allocations
 * spread over 2000::/3, mostly /48, /56 and /64, some /32../44, a few /128 (weights in
 * LENGTHS). A second table stresses sparse depth: lengths uniform over /32../128 under one /32.
 * Destinations are drawn inside random routes with random host bits ("spread"), inside 1,000
 * of them ("hot routes": still 65,536 distinct destinations, too many for the destination
 * cache), or are 1,024 fixed destinations in those routes ("hot flows", looked up as a router
 * does, with the input device as oif: what the destination cache of `Fib6.lookup` serves).
 * Also reported: add and delete rates, and the index's memory for 100k and 1M routes.
 */

import { Fib6, type Fib6Route } from '../src/ipv6/fib.ts';
import type { Fib6Trie } from '../src/ipv6/fib-trie.ts';
import { NLM_F_CREATE, NLM_F_EXCL } from '../src/uapi/netlink.ts';
import { fmtRate } from './measure.ts';
import type { Bench } from './run.ts';
import { seeded } from './seeded.ts';

interface Prefix {
  readonly dst: Uint8Array;
  readonly len: number;
}

/** [first length, last length, weight in percent]: roughly a BGP table plus an ISP's customers. */
const LENGTHS: readonly (readonly [number, number, number])[] = [
  [16, 31, 2],
  [32, 32, 8],
  [33, 44, 15],
  [45, 47, 2],
  [48, 48, 35],
  [49, 55, 3],
  [56, 56, 15],
  [57, 63, 3],
  [64, 64, 15],
  [65, 127, 1],
  [128, 128, 1],
];

function pickLength(next: () => number): number {
  let x = next() % 100;
  for (const [lo, hi, w] of LENGTHS) {
    if (x < w) return lo + (next() % (hi - lo + 1));
    x -= w;
  }
  return 48;
}

/** A generator of realistic prefixes: inside one of `routes / 40` random /32s in 2000::/3. */
function realisticPrefixes(routes: number, seed: number): () => Prefix {
  const next = seeded(seed);
  const blocks: number[] = [];
  for (let i = 0; i < Math.max(1, Math.floor(routes / 40)); i++) blocks.push(((next() & 0x1fffffff) | 0x20000000) >>> 0);
  return () => {
    const len = pickLength(next);
    const dst = new Uint8Array(16);
    const b = blocks[next() % blocks.length] ?? 0x20010db8;
    dst.set([b >>> 24, (b >>> 16) & 0xff, (b >>> 8) & 0xff, b & 0xff]);
    for (let j = 4; j < 16; j++) dst[j] = next() >>> 24;
    return { dst: masked(dst, len), len };
  };
}

/** Lengths uniform over /32../128 under 2001:db8::/32: the sparse, deep worst case. */
function uniformPrefixes(seed: number): () => Prefix {
  const next = seeded(seed);
  return () => {
    const dst = new Uint8Array(16);
    dst.set([0x20, 0x01, 0x0d, 0xb8]);
    for (let j = 4; j < 16; j++) dst[j] = next() >>> 24;
    const len = 32 + (next() % 97);
    return { dst: masked(dst, len), len };
  };
}

function masked(a: Uint8Array, len: number): Uint8Array {
  for (let i = 0; i < 16; i++) {
    const bits = len - i * 8;
    if (bits <= 0) a[i] = 0;
    else if (bits < 8) a[i] = (a[i] ?? 0) & (0xff << (8 - bits));
  }
  return a;
}

/** `count` destinations inside the given prefixes, packed 16 bytes apart. */
function probes(prefixes: readonly Prefix[], count: number, next: () => number): Uint8Array {
  const out = new Uint8Array(count * 16);
  for (let i = 0; i < count; i++) {
    const p = prefixes[next() % prefixes.length] as Prefix;
    out.set(p.dst, i * 16);
    const full = p.len >> 3;
    if ((p.len & 7) !== 0) out[i * 16 + full] = (out[i * 16 + full] ?? 0) | (next() >>> 24 >> (p.len & 7));
    for (let j = full + ((p.len & 7) !== 0 ? 1 : 0); j < 16; j++) out[i * 16 + j] = next() >>> 24;
  }
  return out;
}

/** The lookup as it was before the index: walk the radix tree, take the deepest node's route. */
function trieLookupIn(trie: Fib6Trie<Fib6Route>, d: Uint8Array, o: number): Fib6Route | undefined {
  const n = trie.matchPath(
    ((d[o] ?? 0) << 24) | ((d[o + 1] ?? 0) << 16) | ((d[o + 2] ?? 0) << 8) | (d[o + 3] ?? 0),
    ((d[o + 4] ?? 0) << 24) | ((d[o + 5] ?? 0) << 16) | ((d[o + 6] ?? 0) << 8) | (d[o + 7] ?? 0),
    ((d[o + 8] ?? 0) << 24) | ((d[o + 9] ?? 0) << 16) | ((d[o + 10] ?? 0) << 8) | (d[o + 11] ?? 0),
    ((d[o + 12] ?? 0) << 24) | ((d[o + 13] ?? 0) << 16) | ((d[o + 14] ?? 0) << 8) | (d[o + 15] ?? 0),
  );
  // Every benchmark route is a lone live nexthop, so the old code took this shortcut too.
  return n > 0 ? trie.simpleAt(trie.matched(n - 1)) : undefined;
}

/** Local table, then main, as the default rules order them (no throw routes here). */
function trieLookup(fib: Fib6, d: Uint8Array, o: number): Fib6Route | undefined {
  return trieLookupIn(fib.local.trie, d, o) ?? trieLookupIn(fib.main.trie, d, o);
}

/** Best of three timed loops of `iters` lookups (from input device `iif`); returns lookups per second. */
function rateIndex(fib: Fib6, dsts: Uint8Array, iters: number, iif = 0): number {
  const mask = dsts.length / 16 - 1;
  let best = Infinity;
  let sum = 0;
  for (let r = 0; r < 3; r++) {
    const t0 = performance.now();
    for (let i = 0; i < iters; i++) sum += fib.lookup(dsts, (i & mask) * 16, iif)?.ifindex ?? 0;
    best = Math.min(best, performance.now() - t0);
  }
  if (sum === 0) throw new Error('lookups found no routes');
  return (iters * 1000) / best;
}

function rateTrie(fib: Fib6, dsts: Uint8Array, iters: number): number {
  const mask = dsts.length / 16 - 1;
  let best = Infinity;
  let sum = 0;
  for (let r = 0; r < 3; r++) {
    const t0 = performance.now();
    for (let i = 0; i < iters; i++) sum += trieLookup(fib, dsts, (i & mask) * 16)?.ifindex ?? 0;
    best = Math.min(best, performance.now() - t0);
  }
  if (sum === 0) throw new Error('lookups found no routes');
  return (iters * 1000) / best;
}

/** Throws unless the index and the tree walk agree on every destination. */
function agree(fib: Fib6, dsts: Uint8Array): void {
  for (let off = 0; off < dsts.length; off += 16) {
    if (fib.lookup(dsts, off) !== trieLookup(fib, dsts, off)) throw new Error(`index and tree disagree at probe ${off / 16}`);
  }
}

interface Built {
  readonly fib: Fib6;
  readonly prefixes: Prefix[];
  readonly addSecs: number;
}

function build(routes: number, gen: () => Prefix): Built {
  const fib = new Fib6();
  const cand: Prefix[] = [];
  // Generate first, so the timing covers only Fib6.add.
  for (let i = 0; i < routes * 1.2 + 100; i++) cand.push(gen());
  const prefixes: Prefix[] = [];
  const t0 = performance.now();
  for (const p of cand) {
    if (prefixes.length === routes) break;
    if (fib.add({ dst: p.dst, dstLen: p.len, ifindex: 2 + (prefixes.length % 4) }, NLM_F_CREATE | NLM_F_EXCL).ok) prefixes.push(p);
  }
  const addSecs = (performance.now() - t0) / 1000;
  if (prefixes.length < routes) throw new Error(`only ${prefixes.length} distinct prefixes generated`);
  return { fib, prefixes, addSecs };
}

const MB = 1 << 20;

interface Row {
  readonly what: string;
  readonly index: number;
  readonly trie: number;
}

function workload(name: string, b: Built, iters: number, next: () => number): Row[] {
  const nProbe = 1 << 16;
  const spread = probes(b.prefixes, nProbe, next);
  const hot = probes(b.prefixes.slice(0, 1000), nProbe, next);
  const flows = probes(b.prefixes.slice(0, 1000), 1024, next);
  agree(b.fib, spread);
  agree(b.fib, hot);
  agree(b.fib, flows);
  const rows: Row[] = [
    { what: `${name}, spread over all routes`, index: rateIndex(b.fib, spread, iters), trie: rateTrie(b.fib, spread, Math.ceil(iters / 8)) },
    { what: `${name}, 1,000 hot routes`, index: rateIndex(b.fib, hot, iters), trie: rateTrie(b.fib, hot, Math.ceil(iters / 8)) },
    { what: `${name}, 1,024 hot flows from an input device`, index: rateIndex(b.fib, flows, iters, 7), trie: rateTrie(b.fib, flows, Math.ceil(iters / 8)) },
  ];
  for (const r of rows) {
    process.stdout.write(
      `${r.what}: index ${fmtRate(r.index)} lookups/s, radix tree ${fmtRate(r.trie)} lookups/s, ratio ${(r.index / r.trie).toFixed(1)}\n`,
    );
  }
  return rows;
}

export const fibLookupBench: Bench = {
  name: 'fib-lookup',
  summary: 'IPv6 longest-prefix match: Fib6.lookup (destination cache, multibit index) vs the binary radix tree walk, 100,000 routes',
  async run(opts) {
    const routes = opts.packets ?? 100_000;
    const iters = opts.quick ? 1_000_000 : 10_000_000;
    const next = seeded(7);
    const lines: string[] = [];

    const real = build(routes, realisticPrefixes(routes, 11));
    const realBytes = real.fib.main.trie.lookupIndexBytes();
    process.stdout.write(
      `realistic table: ${fmtRate(routes)} routes added in ${real.addSecs.toFixed(2)} s (${fmtRate(routes / real.addSecs)} adds/s), index ${(realBytes / MB).toFixed(1)} MB\n`,
    );
    const rows = workload(`realistic ${fmtRate(routes)} routes`, real, iters, next);

    // Churn: delete a tenth of the routes, check, and add them back.
    const victims = real.prefixes.filter((_p, i) => i % 10 === 3);
    let t0 = performance.now();
    for (const p of victims) if (!real.fib.delete({ dst: p.dst, dstLen: p.len }).ok) throw new Error('delete failed');
    const delSecs = (performance.now() - t0) / 1000;
    agree(real.fib, probes(real.prefixes, 1 << 14, next));
    t0 = performance.now();
    for (const p of victims) if (!real.fib.add({ dst: p.dst, dstLen: p.len, ifindex: 2 }, NLM_F_CREATE | NLM_F_EXCL).ok) throw new Error('re-add failed');
    const readdSecs = (performance.now() - t0) / 1000;
    agree(real.fib, probes(real.prefixes, 1 << 14, next));
    const delRate = victims.length / delSecs;
    const readdRate = victims.length / readdSecs;
    process.stdout.write(`churn: ${fmtRate(victims.length)} deletes at ${fmtRate(delRate)}/s, re-adds at ${fmtRate(readdRate)}/s\n`);

    const uni = build(routes, uniformPrefixes(13));
    const uniBytes = uni.fib.main.trie.lookupIndexBytes();
    process.stdout.write(`uniform /32../128 table: index ${(uniBytes / MB).toFixed(1)} MB\n`);
    rows.push(...workload(`uniform /32../128 ${fmtRate(routes)} routes`, uni, iters, next));

    let big = '';
    if (!opts.quick) {
      const million = 1_000_000;
      const m = build(million, realisticPrefixes(million, 17));
      const bytes = m.fib.main.trie.lookupIndexBytes();
      big = `; realistic 1,000,000 routes: added in ${m.addSecs.toFixed(2)} s, index ${(bytes / MB).toFixed(1)} MB`;
      process.stdout.write(`realistic table, 1,000,000 routes: added in ${m.addSecs.toFixed(2)} s (${fmtRate(million / m.addSecs)} adds/s), index ${(bytes / MB).toFixed(1)} MB\n`);
    }

    lines.push(
      `### fib-lookup: IPv6 longest-prefix match, ${fmtRate(routes)} routes`,
      '',
      `Realistic table built at ${fmtRate(routes / real.addSecs)} adds/s (index ${(realBytes / MB).toFixed(1)} MB); ` +
        `churn of ${fmtRate(victims.length)} routes: ${fmtRate(delRate)} deletes/s, ${fmtRate(readdRate)} re-adds/s; ` +
        `uniform table index ${(uniBytes / MB).toFixed(1)} MB${big}.`,
      '',
      '| workload | `Fib6.lookup` (destination cache, multibit index) | baseline: radix tree walk | ratio |',
      '| --- | ---: | ---: | ---: |',
      ...rows.map((r) => `| ${r.what} | **${fmtRate(r.index)}** | ${fmtRate(r.trie)} | ${(r.index / r.trie).toFixed(1)} |`),
    );
    return lines.join('\n');
  },
};
