/**
 * The radix tree of one IPv6 routing table, shaped like Linux's fib6_node tree
 * (net/ipv6/ip6_fib.c, without CONFIG_IPV6_SUBTREES): a path-compressed binary trie over the
 * 128-bit destination where a node exists for every prefix that holds routes (Linux's
 * RTN_RTINFO nodes) and for every bit where two prefixes part ways (intermediate nodes). Linux
 * keeps exactly those nodes (fib6_add_1 inserts them, fib6_repair_tree removes the ones that no
 * longer carry routes or split two branches), so the tree for a set of prefixes is unique and
 * its post-order walk (left, right, then the node) is the order of `ip -6 route show`.
 *
 * Storage is one Int32Array of eight-slot records (prefix length and flags, children, parent,
 * the prefix as four 32-bit words), so a lookup step reads integers from one half cache line
 * and allocates nothing. Each node's routes are one JS array in Linux's leaf-chain order
 * (fib6_next); the trie does not interpret them.
 *
 * Beside the tree, a Fib6Lpm (fib-lpm.ts) indexes the route-holding nodes so that
 * `lookupNode` finds the deepest one covering an address in a few indexed loads instead of a
 * walk of the tree; `setRoutes` keeps it in step whenever a node gains or loses its routes.
 *
 * Not supported: source-address subtrees (CONFIG_IPV6_SUBTREES); Linux rejects them too when the
 * option is off.
 */

import { Fib6Lpm } from './fib-lpm.ts';

const NONE = -1;

// One node is eight int32 slots, so a step of a lookup touches one half cache line.
const STRIDE = 8;
/** fn_bit (prefix length) in bits 0-7; HAS_ROUTES marks Linux's RTN_RTINFO. */
const F_BITS = 0;
const F_LEFT = 1;
const F_RIGHT = 2;
const F_PARENT = 3;
/** The node's prefix as four big-endian words (signed int32), host bits zero. */
const F_KEY = 4;
const HAS_ROUTES = 0x100;

export class Fib6Trie<R> {
  private n: Int32Array;
  /** Routes at each node; undefined for intermediate nodes. */
  private routes: (R[] | undefined)[] = [];
  /** The route a plain lookup returns at a node whose choice needs no scoring (see setRoutes). */
  private simple: (R | undefined)[] = [];
  private free: number[] = [];
  private capacity: number;
  private used = 0;
  /** Scratch stack of matching route nodes, reused by every lookup (at most one per length). */
  private readonly stack = new Int32Array(129);
  /** The route-holding nodes, indexed for longest-prefix match. */
  private readonly lpm = new Fib6Lpm();
  readonly root: number;
  /** Number of nodes that hold routes. */
  routeNodes = 0;

  constructor(initialCapacity = 64) {
    this.capacity = Math.max(4, initialCapacity);
    this.n = new Int32Array(this.capacity * STRIDE);
    // The top-level root (RTN_TL_ROOT) is ::/0 and is never removed.
    this.root = this.alloc(0, 0, 0, 0, 0, NONE);
  }

  private alloc(plen: number, k0: number, k1: number, k2: number, k3: number, parent: number): number {
    let id = this.free.pop();
    if (id === undefined) {
      if (this.used === this.capacity) {
        const bigger = new Int32Array(this.capacity * 2 * STRIDE);
        bigger.set(this.n);
        this.n = bigger;
        this.capacity *= 2;
      }
      id = this.used++;
    }
    const o = id * STRIDE;
    const a = this.n;
    a[o + F_BITS] = plen;
    a[o + F_LEFT] = NONE;
    a[o + F_RIGHT] = NONE;
    a[o + F_PARENT] = parent;
    a[o + F_KEY] = maskWord(k0, plen, 0);
    a[o + F_KEY + 1] = maskWord(k1, plen, 1);
    a[o + F_KEY + 2] = maskWord(k2, plen, 2);
    a[o + F_KEY + 3] = maskWord(k3, plen, 3);
    this.routes[id] = undefined;
    this.simple[id] = undefined;
    return id;
  }

  private get(node: number, field: number): number {
    return this.n[node * STRIDE + field] ?? 0;
  }

  private set(node: number, field: number, v: number): void {
    this.n[node * STRIDE + field] = v;
  }

  prefixLen(node: number): number {
    return this.get(node, F_BITS) & 0xff;
  }

  routesAt(node: number): R[] | undefined {
    return this.routes[node];
  }

  /** The route to return at `node` without scoring, when there is such a route. */
  simpleAt(node: number): R | undefined {
    return this.simple[node];
  }

  /**
   * Sets a node's route list; an empty list turns it back into an intermediate node. `simple`
   * is the route a lookup without device constraints may take at once (the caller decides:
   * e.g. a lone route with a live nexthop and no expiry).
   */
  setRoutes(node: number, list: R[] | undefined, simple: R | undefined): void {
    const had = this.routes[node] !== undefined;
    const has = list !== undefined && list.length > 0;
    this.routes[node] = has ? list : undefined;
    this.simple[node] = has ? simple : undefined;
    const w = this.get(node, F_BITS);
    this.set(node, F_BITS, has ? w | HAS_ROUTES : w & ~HAS_ROUTES);
    if (had === has) return;
    const o = node * STRIDE + F_KEY;
    const k = this.n;
    const plen = w & 0xff;
    if (has) {
      this.routeNodes++;
      this.lpm.add(k[o] ?? 0, k[o + 1] ?? 0, k[o + 2] ?? 0, k[o + 3] ?? 0, plen, node);
    } else {
      this.routeNodes--;
      this.lpm.remove(k[o] ?? 0, k[o + 1] ?? 0, k[o + 2] ?? 0, k[o + 3] ?? 0, plen, node, this.coveringRouteNode(node));
    }
  }

  /** The nearest ancestor of `node` that holds routes (the longest prefix covering it), or -1. */
  private coveringRouteNode(node: number): number {
    let p = this.get(node, F_PARENT);
    while (p !== NONE && this.routes[p] === undefined) p = this.get(p, F_PARENT);
    return p;
  }

  /**
   * The deepest node holding routes whose prefix covers the 16-byte address at `dst[off]`
   * (the last node `matchPath` would report), or -1. Reads the address in place; allocates
   * nothing.
   */
  lookupNode(dst: Uint8Array, off: number): number {
    return this.lpm.lookup(dst, off);
  }

  /** `lookupNode` for an address given as four big-endian int32 words. */
  lookupNodeWords(w0: number, w1: number, w2: number, w3: number): number {
    return this.lpm.lookupWords(w0, w1, w2, w3);
  }

  /** Bytes of the lookup index (fib-lpm.ts) beside the tree. */
  lookupIndexBytes(): number {
    return this.lpm.memoryBytes();
  }

  /** The lookup index's own consistency check (for tests). */
  checkLookupIndex(): string | undefined {
    if (this.lpm.size !== this.routeNodes) return `index holds ${this.lpm.size} prefixes, tree ${this.routeNodes}`;
    return this.lpm.check();
  }

  /** The node holding exactly prefix `w`/`plen` (fib6_locate with exact_match), or -1. */
  locate(w0: number, w1: number, w2: number, w3: number, plen: number): number {
    let n = this.root;
    for (;;) {
      const b = this.prefixLen(n);
      if (plen < b || !this.prefixMatches(n, b, w0, w1, w2, w3)) return NONE;
      if (plen === b) return n;
      const c = this.get(n, wordBit(w0, w1, w2, w3, b) ? F_RIGHT : F_LEFT);
      if (c === NONE) return NONE;
      n = c;
    }
  }

  /**
   * The node for prefix `w`/`plen`, created as fib6_add_1 does when missing: as a new leaf at
   * the bottom, above an existing node (when the new prefix covers it), or together with an
   * intermediate node at the first differing bit. With `create` false, returns -1 when absent.
   */
  insert(w0: number, w1: number, w2: number, w3: number, plen: number, create: boolean): number {
    let n = this.root;
    let p = NONE;
    let dir = 0;
    for (;;) {
      const b = this.prefixLen(n);
      if (plen < b || !this.prefixMatches(n, b, w0, w1, w2, w3)) break;
      if (plen === b) return n;
      dir = wordBit(w0, w1, w2, w3, b);
      p = n;
      const c = this.get(n, dir ? F_RIGHT : F_LEFT);
      if (c === NONE) {
        if (!create) return NONE;
        const leaf = this.alloc(plen, w0, w1, w2, w3, p);
        this.set(p, dir ? F_RIGHT : F_LEFT, leaf);
        return leaf;
      }
      n = c;
    }
    if (!create) return NONE;
    // `n` hangs below `p` on side `dir` and does not lie under the new prefix.
    const k0 = this.get(n, F_KEY);
    const k1 = this.get(n, F_KEY + 1);
    const k2 = this.get(n, F_KEY + 2);
    const k3 = this.get(n, F_KEY + 3);
    const diff = firstDiffBit(w0 ^ k0, w1 ^ k1, w2 ^ k2, w3 ^ k3);
    if (plen > diff) {
      const mid = this.alloc(diff, w0, w1, w2, w3, p);
      this.set(p, dir ? F_RIGHT : F_LEFT, mid);
      const leaf = this.alloc(plen, w0, w1, w2, w3, mid);
      const newRight = wordBit(w0, w1, w2, w3, diff) !== 0;
      this.set(mid, newRight ? F_RIGHT : F_LEFT, leaf);
      this.set(mid, newRight ? F_LEFT : F_RIGHT, n);
      this.set(n, F_PARENT, mid);
      return leaf;
    }
    const leaf = this.alloc(plen, w0, w1, w2, w3, p);
    this.set(leaf, wordBit(k0, k1, k2, k3, plen) ? F_RIGHT : F_LEFT, n);
    this.set(n, F_PARENT, leaf);
    this.set(p, dir ? F_RIGHT : F_LEFT, leaf);
    return leaf;
  }

  /**
   * Removes `node` and the intermediate ancestors that no longer split two branches, as
   * fib6_repair_tree does once a node's last route is gone. Nodes with routes, with two
   * children, and the root stay.
   */
  prune(node: number): void {
    let n = node;
    while (n !== this.root && this.routes[n] === undefined) {
      const l = this.get(n, F_LEFT);
      const r = this.get(n, F_RIGHT);
      if (l !== NONE && r !== NONE) return;
      const child = l !== NONE ? l : r;
      const p = this.get(n, F_PARENT);
      this.set(p, this.get(p, F_LEFT) === n ? F_LEFT : F_RIGHT, child);
      if (child !== NONE) this.set(child, F_PARENT, p);
      this.routes[n] = undefined;
      this.simple[n] = undefined;
      this.free.push(n);
      n = p;
    }
  }

  /**
   * Fills the scratch stack with the nodes holding routes whose prefix covers the address,
   * shortest first, and returns how many there are. Only the path the address selects is
   * walked, and the walk stops at the first node whose prefix no longer matches: nothing below
   * it can match either.
   */
  matchPath(w0: number, w1: number, w2: number, w3: number): number {
    const a = this.n;
    const stack = this.stack;
    let sp = 0;
    let n = this.root;
    // Words before `ok` are already known equal on this path.
    let ok = 0;
    for (;;) {
      const o = n * STRIDE;
      const bits = a[o] ?? 0;
      const b = bits & 0xff;
      const full = b >>> 5;
      for (let i = ok; i < full; i++) {
        const d = i === 0 ? w0 : i === 1 ? w1 : i === 2 ? w2 : w3;
        if ((a[o + F_KEY + i] ?? 0) !== d) return sp;
      }
      ok = full;
      const rem = b & 31;
      if (b === 128) {
        if ((bits & HAS_ROUTES) !== 0) stack[sp++] = n;
        return sp;
      }
      const d = full === 0 ? w0 : full === 1 ? w1 : full === 2 ? w2 : w3;
      if (rem !== 0 && (((a[o + F_KEY + full] ?? 0) ^ d) & (-1 << (32 - rem))) !== 0) return sp;
      if ((bits & HAS_ROUTES) !== 0) stack[sp++] = n;
      const c = a[o + (((d >>> (31 - rem)) & 1) !== 0 ? F_RIGHT : F_LEFT)] ?? NONE;
      if (c === NONE) return sp;
      n = c;
    }
  }

  /** The i-th node found by the last `matchPath` (0 = shortest prefix). */
  matched(i: number): number {
    return this.stack[i] ?? NONE;
  }

  /** Calls `visit` for each node with routes in fib6_walk order: left, right, then the node. */
  walk(visit: (node: number, list: R[]) => void): void {
    // Iterative post-order: collect node, right, left depth-first, then visit reversed.
    const todo: number[] = [this.root];
    const out: number[] = [];
    while (todo.length > 0) {
      const n = todo.pop() ?? NONE;
      out.push(n);
      const l = this.get(n, F_LEFT);
      const r = this.get(n, F_RIGHT);
      if (l !== NONE) todo.push(l);
      if (r !== NONE) todo.push(r);
    }
    for (let i = out.length - 1; i >= 0; i--) {
      const n = out[i] ?? NONE;
      const list = this.routes[n];
      if (list !== undefined) visit(n, list);
    }
  }

  /** Checks the tree invariants (for tests): parent links, bits increasing, keys nested. */
  check(): string | undefined {
    const seen = new Set<number>();
    const visit = (n: number, p: number): string | undefined => {
      if (seen.has(n)) return `node ${n} reached twice`;
      seen.add(n);
      if (this.get(n, F_PARENT) !== p) return `node ${n} has parent ${this.get(n, F_PARENT)}, expected ${p}`;
      const b = this.prefixLen(n);
      if (((this.get(n, F_BITS) & HAS_ROUTES) !== 0) !== (this.routes[n] !== undefined)) {
        return `node ${n} route flag out of step`;
      }
      const kids = [this.get(n, F_LEFT), this.get(n, F_RIGHT)];
      if (n !== this.root && this.routes[n] === undefined && (kids[0] === NONE || kids[1] === NONE)) {
        return `intermediate node ${n} (/${b}) has fewer than two children`;
      }
      for (let side = 0; side < 2; side++) {
        const c = kids[side] ?? NONE;
        if (c === NONE) continue;
        const cb = this.prefixLen(c);
        if (cb <= b) return `child ${c} (/${cb}) not longer than parent /${b}`;
        const k = [this.get(c, F_KEY), this.get(c, F_KEY + 1), this.get(c, F_KEY + 2), this.get(c, F_KEY + 3)] as const;
        if (!this.prefixMatches(n, b, k[0], k[1], k[2], k[3])) return `child ${c} outside parent ${n}`;
        if (wordBit(k[0], k[1], k[2], k[3], b) !== side) return `child ${c} on the wrong side of ${n}`;
        const e = visit(c, n);
        if (e !== undefined) return e;
      }
      return undefined;
    };
    return visit(this.root, NONE);
  }

  private prefixMatches(n: number, plen: number, w0: number, w1: number, w2: number, w3: number): boolean {
    return (
      maskWord(this.get(n, F_KEY) ^ w0, plen, 0) === 0 &&
      maskWord(this.get(n, F_KEY + 1) ^ w1, plen, 1) === 0 &&
      maskWord(this.get(n, F_KEY + 2) ^ w2, plen, 2) === 0 &&
      maskWord(this.get(n, F_KEY + 3) ^ w3, plen, 3) === 0
    );
  }
}

/** Word `index` of an address with all bits at and after `plen` cleared. */
export function maskWord(w: number, plen: number, index: number): number {
  const start = index * 32;
  if (plen <= start) return 0;
  if (plen >= start + 32) return w | 0;
  return w & (-1 << (32 - (plen - start)));
}

/** Bit `b` (0 = most significant bit of the address) as 0 or 1; bit 128 reads as 0. */
export function wordBit(w0: number, w1: number, w2: number, w3: number, b: number): number {
  if (b >= 128) return 0;
  const i = b >>> 5;
  const w = i === 0 ? w0 : i === 1 ? w1 : i === 2 ? w2 : w3;
  return (w >>> (31 - (b & 31))) & 1;
}

/** Index of the first set bit of an XOR of two addresses (__ipv6_addr_diff); 128 when zero. */
export function firstDiffBit(x0: number, x1: number, x2: number, x3: number): number {
  if (x0 !== 0) return Math.clz32(x0);
  if (x1 !== 0) return 32 + Math.clz32(x1);
  if (x2 !== 0) return 64 + Math.clz32(x2);
  if (x3 !== 0) return 96 + Math.clz32(x3);
  return 128;
}
