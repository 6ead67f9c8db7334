/**
 * IPv6 FIB lookups: a 100,000-route main table with prefix lengths spread over /32../128 under
 * 2001:db8::/32, probed with destinations inside random routes (low bits randomised), so most
 * lookups walk deep into the tree. Compared with two baselines a reader can picture: a JS Map
 * of exact /128 entries over the same number of keys (a hash probe plus building the string
 * key, no longest-prefix match at all), and a linear-scan longest-prefix match over 1,000
 * routes. Also reported: the same FIB with traffic to 1,000 hot destinations (cache-resident).
 */

import { Fib6 } from '../src/ipv6/fib.ts';
import { NLM_F_CREATE, NLM_F_EXCL } from '../src/uapi/netlink.ts';
import { fmtRate } from './measure.ts';
import type { Bench } from './run.ts';

function xorshift(seed: number): () => number {
  let s = seed >>> 0 || 1;
  return () => {
    s ^= s << 13;
    s ^= s >>> 17;
    s ^= s << 5;
    return s >>> 0;
  };
}

interface Prefix {
  readonly dst: Uint8Array;
  readonly len: number;
}

function randomPrefix(next: () => number): Prefix {
  const dst = new Uint8Array(16);
  dst.set([0x20, 0x01, 0x0d, 0xb8]);
  for (let j = 4; j < 16; j++) dst[j] = next() >>> 24;
  return { dst, len: 32 + (next() % 97) };
}

/** `count` destinations inside the given prefixes, packed 16 bytes apart. */
function probes(prefixes: readonly Prefix[], count: number, next: () => number): Uint8Array {
  const out = new Uint8Array(count * 16);
  for (let i = 0; i < count; i++) {
    const p = prefixes[next() % prefixes.length] as Prefix;
    out.set(p.dst, i * 16);
    for (let j = Math.ceil(p.len / 8); j < 16; j++) out[i * 16 + j] = next() >>> 24;
  }
  return out;
}

/** Best of `runs` timings of `iters` calls of `body(i)`, as operations per second. */
function rate(iters: number, runs: number, body: (i: number) => number): { ops: number; check: number } {
  let best = Infinity;
  let check = 0;
  for (let r = 0; r < runs; r++) {
    const t0 = performance.now();
    for (let i = 0; i < iters; i++) check += body(i);
    best = Math.min(best, (performance.now() - t0) / 1000);
  }
  return { ops: iters / best, check };
}

function covers(p: Prefix, a: Uint8Array, off: number): boolean {
  const full = p.len >> 3;
  for (let i = 0; i < full; i++) if (p.dst[i] !== a[off + i]) return false;
  const rem = p.len & 7;
  if (rem === 0) return true;
  const m = (0xff << (8 - rem)) & 0xff;
  return ((p.dst[full] ?? 0) & m) === ((a[off + full] ?? 0) & m);
}

export const fibLookupBench: Bench = {
  name: 'fib-lookup',
  summary: 'IPv6 longest-prefix-match lookups in a 100,000-route FIB vs a Map of /128s and a linear scan',
  async run(opts) {
    const routes = opts.packets ?? 100_000;
    const iters = opts.quick ? 500_000 : 5_000_000;
    const next = xorshift(7);
    const fib = new Fib6();
    const prefixes: Prefix[] = [];
    const t0 = performance.now();
    while (prefixes.length < routes) {
      const p = randomPrefix(next);
      if (fib.add({ dst: p.dst, dstLen: p.len, ifindex: 2 + (prefixes.length % 4) }, NLM_F_CREATE | NLM_F_EXCL).ok) prefixes.push(p);
    }
    const insertSecs = (performance.now() - t0) / 1000;
    process.stdout.write(`built ${fmtRate(routes)} routes in ${insertSecs.toFixed(2)} s (${fmtRate(routes / insertSecs)} adds/s)\n`);

    const nProbe = 1 << 16;
    const spread = probes(prefixes, nProbe, next);
    const hot = probes(prefixes.slice(0, 1000), nProbe, next);
    const maskP = nProbe - 1;
    const cold = rate(iters, 3, (i) => fib.lookup(spread, (i & maskP) * 16)?.ifindex ?? 0);
    const warm = rate(iters, 3, (i) => fib.lookup(hot, (i & maskP) * 16)?.ifindex ?? 0);

    // Baseline 1: exact /128 entries in a Map keyed by hex text, as a naive table would be.
    const exact = new Map<string, number>();
    const hex = (b: Uint8Array, off: number): string => {
      let s = '';
      for (let j = 0; j < 16; j++) s += ((b[off + j] ?? 0) | 0x100).toString(16).slice(1);
      return s;
    };
    for (let i = 0; i < nProbe; i++) exact.set(hex(spread, i * 16), i);
    for (let i = exact.size; i < routes; i++) exact.set(hex(randomPrefix(next).dst, 0), i);
    const mapRate = rate(iters, 3, (i) => exact.get(hex(spread, (i & maskP) * 16)) ?? 0);

    // Baseline 2: linear-scan longest-prefix match over 1,000 routes.
    const small = prefixes.slice(0, 1000);
    const scanIters = Math.max(1, Math.floor(iters / 50));
    const scan = rate(scanIters, 3, (i) => {
      const off = (i & maskP) * 16;
      let best = -1;
      for (let k = 0; k < small.length; k++) {
        const p = small[k] as Prefix;
        if (p.len > best && covers(p, hot, off)) best = p.len;
      }
      return best;
    });

    if (cold.check === 0 || warm.check === 0) throw new Error('FIB lookups found no routes');
    process.stdout.write(`v6stack FIB, ${fmtRate(routes)} routes, destinations spread over all routes: ${fmtRate(cold.ops)} lookups/s\n`);
    process.stdout.write(`v6stack FIB, ${fmtRate(routes)} routes, 1,000 hot destinations: ${fmtRate(warm.ops)} lookups/s\n`);
    process.stdout.write(`baseline Map<hex string, …> exact /128, ${fmtRate(exact.size)} keys: ${fmtRate(mapRate.ops)} lookups/s\n`);
    process.stdout.write(`baseline linear-scan LPM over 1,000 routes: ${fmtRate(scan.ops)} lookups/s\n`);
    const row = (what: string, ops: number): string => `| ${what} | **${fmtRate(ops)}** | ${(ops / mapRate.ops).toFixed(2)} |`;
    return [
      `### fib-lookup: IPv6 longest-prefix match (${fmtRate(routes)} routes, /32../128 under 2001:db8::/32; built in ${insertSecs.toFixed(2)} s)`,
      '',
      '| lookup | lookups/s | ratio to the Map baseline |',
      '| --- | ---: | ---: |',
      row(`v6stack \`Fib6.lookup\`, ${fmtRate(routes)} routes, destinations spread over all routes`, cold.ops),
      row(`v6stack \`Fib6.lookup\`, ${fmtRate(routes)} routes, 1,000 hot destinations`, warm.ops),
      row(`baseline: \`Map\` of exact /128s keyed by hex text (${fmtRate(exact.size)} keys, no prefix match)`, mapRate.ops),
      row('baseline: linear-scan longest-prefix match over 1,000 routes', scan.ops),
    ].join('\n');
  },
};
