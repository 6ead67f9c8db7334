import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import fc from 'fast-check';
import { NLM_F_CREATE, NLM_F_EXCL } from '../uapi/netlink.ts';
import { RT_TABLE_LOCAL, RT_TABLE_MAIN, RTNH_F_LINKDOWN } from '../uapi/rtnetlink.ts';
import { Fib6, RT6_LOOKUP_F_IFACE, type Fib6Route } from './fib.ts';
import { Fib6Lpm } from './fib-lpm.ts';
import { Fib6Trie } from './fib-trie.ts';

// Prefix lengths around every stride boundary (the index splits the address into bytes), plus
// the default route and host routes.
const EDGE_LENGTHS = [0, 1, 7, 8, 9, 15, 16, 17, 23, 24, 25, 31, 32, 33, 40, 47, 48, 49, 55, 56, 57, 63, 64, 65, 72, 96, 120, 127, 128];

function masked(a: Uint8Array, len: number): Uint8Array {
  const out = a.slice(0, 16);
  for (let i = 0; i < 16; i++) {
    const bits = len - i * 8;
    if (bits <= 0) out[i] = 0;
    else if (bits < 8) out[i] = (out[i] ?? 0) & (0xff << (8 - bits));
  }
  return out;
}

function covers(p: Uint8Array, len: number, a: Uint8Array): boolean {
  const m = masked(a, len);
  for (let i = 0; i < 16; i++) if (m[i] !== p[i]) return false;
  return true;
}

function word(a: Uint8Array, i: number): number {
  return ((a[i * 4] ?? 0) << 24) | ((a[i * 4 + 1] ?? 0) << 16) | ((a[i * 4 + 2] ?? 0) << 8) | (a[i * 4 + 3] ?? 0);
}

/**
 * Addresses that collide a lot: 2001:db8::/32 with few values in bytes 4..8 (so prefixes share
 * index slots and buckets overflow into nodes), then random bits, or wholly random ones.
 */
const arbAddress: fc.Arbitrary<Uint8Array> = fc.oneof(
  fc
    .tuple(fc.array(fc.integer({ min: 0, max: 3 }), { minLength: 5, maxLength: 5 }), fc.uint8Array({ minLength: 7, maxLength: 7 }))
    .map(([low, rest]) => Uint8Array.from([0x20, 0x01, 0x0d, 0xb8, ...low, ...rest])),
  fc.uint8Array({ minLength: 16, maxLength: 16 }),
);

const arbLength: fc.Arbitrary<number> = fc.oneof(fc.constantFrom(...EDGE_LENGTHS), fc.integer({ min: 0, max: 128 }));

const arbPrefix = fc.tuple(arbAddress, arbLength).map(([a, len]) => ({ dst: masked(a, len), len }));

/**
 * A pool of prefixes to add and delete over and over: a few addresses, each cut at several
 * lengths (so prefixes nest, often inside one index node), the default route, and loose ones.
 */
const arbPool: fc.Arbitrary<{ dst: Uint8Array; len: number }[]> = fc
  .tuple(
    fc.array(fc.tuple(arbAddress, fc.array(arbLength, { minLength: 1, maxLength: 5 })), { minLength: 1, maxLength: 4 }),
    fc.array(arbPrefix, { maxLength: 12 }),
  )
  .map(([chains, loose]) => [
    { dst: new Uint8Array(16), len: 0 },
    ...chains.flatMap(([a, lens]) => lens.map((len) => ({ dst: masked(a, len), len }))),
    ...loose,
  ]);

/** Probe addresses inside a prefix (host bits from `noise`), or anywhere. */
function probeIn(dst: Uint8Array, len: number, noise: Uint8Array): Uint8Array {
  const out = new Uint8Array(16);
  const m = masked(noise, len);
  for (let i = 0; i < 16; i++) out[i] = (dst[i] ?? 0) | ((noise[i] ?? 0) & ~(m[i] ?? 0));
  return out;
}

function key(p: { dst: Uint8Array; len: number }): string {
  return `${Buffer.from(p.dst).toString('hex')}/${p.len}`;
}

describe('Fib6Lpm: the multibit index alone', () => {
  test('finds the longest held prefix and falls back to the next-best cover on delete', () => {
    fc.assert(
      fc.property(
        arbPool,
        fc.array(fc.tuple(fc.boolean(), fc.nat()), { minLength: 1, maxLength: 120 }),
        fc.array(fc.tuple(fc.nat(), fc.uint8Array({ minLength: 16, maxLength: 16 })), { minLength: 20, maxLength: 40 }),
        (pool, picks, probes) => {
          const ops = picks.map(([add, i]) => [add, pool[i % pool.length] ?? { dst: new Uint8Array(16), len: 0 }] as const);
          const lpm = new Fib6Lpm();
          const held = new Map<string, { dst: Uint8Array; len: number; id: number }>();
          let nextId = 0;
          const best = (a: Uint8Array): { id: number; len: number } | undefined => {
            let found: { id: number; len: number } | undefined;
            for (const p of held.values()) if (covers(p.dst, p.len, a) && (found === undefined || p.len > found.len)) found = p;
            return found;
          };
          for (const [add, p] of ops) {
            const k = key(p);
            const have = held.get(k);
            const w = [word(p.dst, 0), word(p.dst, 1), word(p.dst, 2), word(p.dst, 3)] as const;
            if (add && have === undefined) {
              const id = nextId++;
              held.set(k, { ...p, id });
              lpm.add(w[0], w[1], w[2], w[3], p.len, id);
            } else if (!add && have !== undefined) {
              // The cover is what the radix tree would give: the longest other held prefix over it.
              let cover: { id: number; len: number } | undefined;
              for (const q of held.values()) {
                if (q.len < p.len && covers(q.dst, q.len, p.dst) && (cover === undefined || q.len > cover.len)) cover = q;
              }
              held.delete(k);
              lpm.remove(w[0], w[1], w[2], w[3], p.len, have.id, cover?.id ?? -1);
            }
            assert.equal(lpm.check(), undefined);
          }
          assert.equal(lpm.size, held.size);
          const all = [...held.values()];
          for (const [pick, noise] of probes) {
            const p = all.length === 0 ? undefined : all[pick % all.length];
            const a = p === undefined || pick % 5 === 0 ? noise : probeIn(p.dst, p.len, noise);
            assert.equal(lpm.lookup(a, 0), best(a)?.id ?? -1, `probe ${Buffer.from(a).toString('hex')}`);
            const v = new DataView(a.buffer, a.byteOffset, 16);
            assert.equal(lpm.lookupWords(v.getInt32(0), v.getInt32(4), v.getInt32(8), v.getInt32(12)), best(a)?.id ?? -1);
          }
        },
      ),
      { numRuns: 300 },
    );
  });

  test('reads the address in place at an offset, and an empty index frees everything', () => {
    const lpm = new Fib6Lpm();
    const prefixes: { w: number[]; len: number }[] = [];
    for (let i = 0; i < 300; i++) {
      // 300 /64s under one /48: the /48 slot's bucket overflows into nodes.
      const w = [0x20010db8 | 0, 0x00010000 | i, 0, 0];
      prefixes.push({ w, len: 64 });
      lpm.add(w[0] ?? 0, w[1] ?? 0, 0, 0, 64, i);
    }
    assert.equal(lpm.check(), undefined);
    assert.ok(lpm.counts().nodes > 1);
    const buf = new Uint8Array(40);
    buf.set([0x20, 0x01, 0x0d, 0xb8, 0x00, 0x01, 0x00, 0x2a, 0xde, 0xad], 7);
    assert.equal(lpm.lookup(buf, 7), 42);
    buf[13] = 0x02;
    assert.equal(lpm.lookup(buf, 7), -1);
    for (const [i, p] of prefixes.entries()) lpm.remove(p.w[0] ?? 0, p.w[1] ?? 0, 0, 0, 64, i, -1);
    assert.equal(lpm.check(), undefined);
    assert.equal(lpm.size, 0);
    assert.deepEqual(lpm.counts(), { nodes: 1, buckets: 0 });
  });
});

describe('Fib6Trie.lookupNode against the tree walk', () => {
  test('equals the deepest node matchPath reports, under random inserts and deletes', () => {
    fc.assert(
      fc.property(
        arbPool,
        fc.array(fc.tuple(fc.boolean(), fc.nat()), { minLength: 1, maxLength: 150 }),
        fc.array(fc.tuple(fc.nat(), fc.uint8Array({ minLength: 16, maxLength: 16 })), { minLength: 30, maxLength: 30 }),
        (pool, picks, probes) => {
          const ops = picks.map(([add, i]) => [add, pool[i % pool.length] ?? { dst: new Uint8Array(16), len: 0 }] as const);
          const trie = new Fib6Trie<string>();
          const live: { dst: Uint8Array; len: number }[] = [];
          for (const [add, p] of ops) {
            const w = [word(p.dst, 0), word(p.dst, 1), word(p.dst, 2), word(p.dst, 3)] as const;
            if (add) {
              const node = trie.insert(w[0], w[1], w[2], w[3], p.len, true);
              if (trie.routesAt(node) === undefined) live.push(p);
              trie.setRoutes(node, [key(p)], key(p));
            } else {
              const node = trie.locate(w[0], w[1], w[2], w[3], p.len);
              if (node >= 0 && trie.routesAt(node) !== undefined) {
                trie.setRoutes(node, [], undefined);
                trie.prune(node);
                live.splice(live.findIndex((q) => key(q) === key(p)), 1);
              }
            }
          }
          assert.equal(trie.check(), undefined);
          assert.equal(trie.checkLookupIndex(), undefined);
          for (const [pick, noise] of probes) {
            const p = live[pick % Math.max(1, live.length)];
            const a = p === undefined || pick % 4 === 0 ? noise : probeIn(p.dst, p.len, noise);
            const n = trie.matchPath(word(a, 0), word(a, 1), word(a, 2), word(a, 3));
            assert.equal(trie.lookupNode(a, 0), n > 0 ? trie.matched(n - 1) : -1);
          }
        },
      ),
      { numRuns: 300 },
    );
  });
});

/** What `ip -6 route add` would give in the model below: one nexthop, maybe linkdown later. */
interface ModelRoute {
  readonly table: number;
  readonly dst: Uint8Array;
  readonly len: number;
  readonly metric: number;
  readonly ifindex: number;
  readonly seq: number;
  down: boolean;
}

type Op =
  | { readonly op: 'add'; readonly p: number; readonly local: boolean; readonly metric: number; readonly ifindex: number }
  | { readonly op: 'del'; readonly pick: number }
  | { readonly op: 'carrier'; readonly ifindex: number; readonly up: boolean };

const arbOp: fc.Arbitrary<Op> = fc.oneof(
  { weight: 6, arbitrary: fc.record({ op: fc.constant('add' as const), p: fc.nat(), local: fc.constant(false), metric: fc.constantFrom(256, 1024), ifindex: fc.integer({ min: 2, max: 4 }) }) },
  { weight: 1, arbitrary: fc.record({ op: fc.constant('add' as const), p: fc.nat(), local: fc.constant(true), metric: fc.constant(0), ifindex: fc.integer({ min: 2, max: 4 }) }) },
  { weight: 3, arbitrary: fc.record({ op: fc.constant('del' as const), pick: fc.nat() }) },
  { weight: 1, arbitrary: fc.record({ op: fc.constant('carrier' as const), ifindex: fc.integer({ min: 2, max: 4 }), up: fc.boolean() }) },
);

describe('Fib6.lookup against a naive longest-prefix match', () => {
  test('agrees under random add, delete, carrier loss and recovery, with and without an oif', () => {
    fc.assert(
      fc.property(
        arbPool,
        fc.array(arbOp, { minLength: 1, maxLength: 120 }),
        fc.array(fc.tuple(fc.nat(), fc.uint8Array({ minLength: 16, maxLength: 16 }), fc.integer({ min: 0, max: 4 })), { minLength: 30, maxLength: 30 }),
        (pool, ops, probes) => {
          // Linkdown routes are unusable, as with ignore_routes_with_linkdown=1.
          const fib = new Fib6({ ignoreLinkdown: () => true });
          const model: ModelRoute[] = [];
          let seq = 0;
          for (const o of ops) {
            if (o.op === 'add') {
              const p = pool[o.p % pool.length] ?? { dst: new Uint8Array(16), len: 0 };
              const table = o.local ? RT_TABLE_LOCAL : RT_TABLE_MAIN;
              const r = fib.add({ dst: p.dst, dstLen: p.len, table, metric: o.metric, ifindex: o.ifindex }, NLM_F_CREATE | NLM_F_EXCL);
              const clash = model.some((m) => m.table === table && m.len === p.len && key(m) === key(p) && m.metric === o.metric);
              assert.equal(r.ok, !clash);
              if (r.ok) model.push({ table, dst: p.dst, len: p.len, metric: o.metric, ifindex: o.ifindex, seq: seq++, down: false });
            } else if (o.op === 'del') {
              const m = model[o.pick % Math.max(1, model.length)];
              if (m === undefined) continue;
              const r = fib.delete({ dst: m.dst, dstLen: m.len, table: m.table, metric: m.metric });
              assert.ok(r.ok);
              model.splice(model.indexOf(m), 1);
            } else if (o.up) {
              fib.ifup(o.ifindex, RTNH_F_LINKDOWN);
              for (const m of model) if (m.ifindex === o.ifindex) m.down = false;
            } else {
              fib.ifdown(o.ifindex, 'change');
              for (const m of model) if (m.ifindex === o.ifindex) m.down = true;
            }
          }
          for (const t of [fib.main, fib.local]) assert.equal(t.trie.checkLookupIndex(), undefined);
          // Per table: the longest covering prefix with a usable route, routes in chain order
          // (metric, then age), as rt6_select with equal scores and fib6_backtrack give.
          const expect = (a: Uint8Array, oif: number): ModelRoute | undefined => {
            for (const table of [RT_TABLE_LOCAL, RT_TABLE_MAIN]) {
              const hit = model
                .filter((m) => m.table === table && covers(m.dst, m.len, a) && !m.down && (oif === 0 || m.ifindex === oif))
                .sort((x, y) => y.len - x.len || x.metric - y.metric || x.seq - y.seq)[0];
              if (hit !== undefined) return hit;
            }
            return undefined;
          };
          const show = (r: Fib6Route | ModelRoute | undefined): string =>
            r === undefined ? 'none' : `${key({ dst: r.dst, len: 'dstLen' in r ? r.dstLen : r.len })} t${r.table} m${r.metric} dev ${r.ifindex}`;
          for (const [pick, noise, oifPick] of probes) {
            const m = model[pick % Math.max(1, model.length)];
            const a = m === undefined || pick % 4 === 0 ? noise : probeIn(m.dst, m.len, noise);
            const oif = oifPick < 2 ? 0 : oifPick;
            const got = fib.lookup(a, 0, oif, oif === 0 ? 0 : RT6_LOOKUP_F_IFACE);
            assert.equal(show(got), show(expect(a, oif)), `lookup ${Buffer.from(a).toString('hex')} oif ${oif}`);
          }
        },
      ),
      { numRuns: 200 },
    );
  });

  test('a large table: matches the tree walk after building, deleting half and re-adding', () => {
    const fib = new Fib6();
    let s = 12345;
    const rnd = (): number => {
      s ^= s << 13;
      s ^= s >>> 17;
      s ^= s << 5;
      return s >>> 0;
    };
    const added: { dst: Uint8Array; len: number }[] = [];
    for (let i = 0; i < 20_000; i++) {
      const a = Uint8Array.from([0x20, 0x01, 0x0d, 0xb8, rnd() & 7, ...Array.from({ length: 11 }, () => rnd() >>> 24)]);
      const len = (EDGE_LENGTHS[rnd() % EDGE_LENGTHS.length] ?? 64) | 0;
      const p = { dst: masked(a, len), len };
      if (fib.add({ dst: p.dst, dstLen: len, ifindex: 2 + (i % 3) }, NLM_F_CREATE | NLM_F_EXCL).ok) added.push(p);
    }
    const trie = fib.main.trie;
    const agree = (): void => {
      assert.equal(trie.checkLookupIndex(), undefined);
      for (let i = 0; i < 5_000; i++) {
        const p = added[rnd() % added.length];
        if (p === undefined) continue;
        const a = probeIn(p.dst, p.len, Uint8Array.from({ length: 16 }, () => rnd() >>> 24));
        const n = trie.matchPath(word(a, 0), word(a, 1), word(a, 2), word(a, 3));
        assert.equal(trie.lookupNode(a, 0), n > 0 ? trie.matched(n - 1) : -1);
      }
    };
    agree();
    const half = added.filter((_p, i) => i % 2 === 0);
    for (const p of half) assert.ok(fib.delete({ dst: p.dst, dstLen: p.len }).ok);
    agree();
    for (const p of half) assert.ok(fib.add({ dst: p.dst, dstLen: p.len, ifindex: 5 }, NLM_F_CREATE | NLM_F_EXCL).ok);
    agree();
    for (const p of added) assert.ok(fib.delete({ dst: p.dst, dstLen: p.len }).ok);
    assert.equal(trie.checkLookupIndex(), undefined);
    assert.equal(fib.lookup(Uint8Array.from([0x20, 0x01, 0x0d, 0xb8, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12])), undefined);
  });
});
