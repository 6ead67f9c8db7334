/**
 * The longest-prefix-match accelerator kept beside each routing table's radix tree
 * (fib-trie.ts). It answers one question fast: which prefix holding routes is the longest one
 * that covers a destination? The radix tree stays the source of truth (Linux's fib6_node
 * shape, dump order, backtracking); this index only mirrors its route-holding prefixes and
 * names them by their tree node id.
 *
 * Shape: a multibit trie with a fixed stride of 8 bits (one address byte per level) over one
 * Int32Array of 256-slot nodes, with "best match so far" per slot (controlled prefix
 * expansion inside a node, no leaf pushing). The node at depth d owns the prefixes of length
 * d+1..d+8 (the root also owns /0) and expands each one over the 2^(d+8-len) slots it covers;
 * a slot keeps the longest of them. A lookup indexes one slot per address byte, remembers the
 * last non-empty best, and stops where a slot has no child. Below a slot with few routes (at
 * most BUCKET_MAX, anywhere deeper) there is no node but a small bucket of masked prefixes,
 * longest first, scanned linearly: sparse deep routes (a lone /64 under a /48, host /128s)
 * would otherwise cost a 2 KiB node per byte of depth. A bucket that overflows becomes a node.
 *
 * Why this and not the alternatives (bench/fib-lookup.ts): the binary radix tree visits ~18
 * dependent nodes per lookup; binary search on prefix lengths (Waldvogel) needs ~5-7 hash
 * probes, each hashing up to four words and landing on a cold cache line, and a marker's
 * precomputed best match must be fixed up for every longer prefix below an added or deleted
 * route. Here a /48 costs six indexed loads whose upper levels stay in cache, and updates
 * touch at most 256 slots of one node (a delete restores the next-best covering route, which
 * the caller reads off the radix tree) plus one bucket. Measured: 1.6-3.5x the tree walk; 11 M
 * lookups/s for hot destinations; for destinations spread over 100k routes the cost is cache
 * misses (one per cold level, plus the route object), and sparse tables leave many 2 KiB nodes
 * nearly empty (~20 MB per 100k routes in the realistic mix, ~160 MB per 1M): bitmap-compressed
 * or path-compressed nodes would shrink that and are the next step.
 *
 * Slots are two int32: the child (0 none, > 0 node id, < 0 ~bucket offset) and the best
 * (route id + 1, 0 none), so a fresh node is all zeroes. Node ids start at 1 (the root); node
 * n occupies ints n*512 .. n*512+511. Empty nodes and buckets are recycled.
 */

const STRIDE = 8;
const FANOUT = 1 << STRIDE;
const SLOT = 2;
const NODE = FANOUT * SLOT;
const ROOT = 1;

/** Most prefixes a bucket holds before it turns into a node. */
const BUCKET_MAX = 8;
/** Bucket layout: count, size class, then entries of four masked words, length, route id. */
const B_COUNT = 0;
const B_CLASS = 1;
const B_HEAD = 2;
const ENTRY = 6;
const E_LEN = 4;
const E_ID = 5;
const NOT_HELD = -2;
/** Size classes hold 1, 2, 4 and 8 entries. */
const CLASSES = 4;

/** MASKS[len * 4 + i]: the mask of word i of a /len prefix (a constant table). */
const MASKS: Int32Array = (() => {
  const m = new Int32Array(129 * 4);
  for (let len = 0; len <= 128; len++) {
    for (let i = 0; i < 4; i++) {
      const bits = len - 32 * i;
      m[len * 4 + i] = bits >= 32 ? -1 : bits <= 0 ? 0 : -1 << (32 - bits);
    }
  }
  return m;
})();

/** Byte `d / 8` of a prefix given as four int32 words (d a multiple of 8). */
function byteAt(k0: number, k1: number, k2: number, k3: number, d: number): number {
  const i = d >>> 5;
  const w = i === 0 ? k0 : i === 1 ? k1 : i === 2 ? k2 : k3;
  return (w >>> (24 - (d & 31))) & 0xff;
}

/** The big-endian 32-bit word at `b[off]` (missing bytes read as zero). */
function wordAt(b: Uint8Array, off: number): number {
  return ((b[off] ?? 0) << 24) | ((b[off + 1] ?? 0) << 16) | ((b[off + 2] ?? 0) << 8) | (b[off + 3] ?? 0);
}

export class Fib6Lpm {
  private slots = new Int32Array(NODE * 4);
  /** Per node: depth in bits, parent node, slot in the parent, and number of owned prefixes plus children. */
  private depth = new Int32Array(4);
  private parent = new Int32Array(4);
  private parentSlot = new Int32Array(4);
  private items = new Int32Array(4);
  private nodeCap = 4;
  private nodesUsed = ROOT + 1;
  private freeNodes: number[] = [];
  private buckets = new Int32Array(1024);
  private bucketsUsed = 0;
  private freeBuckets: number[][] = Array.from({ length: CLASSES }, () => []);
  /** Prefix length of each route id held here. */
  private lens = new Uint8Array(64);
  /** Number of prefixes held. */
  size = 0;

  // ---- lookup ------------------------------------------------------------------------------

  /**
   * The id of the longest held prefix covering the 16-byte address at `dst[off]`, or -1.
   * Reads the address in place (missing bytes read as zero) and allocates nothing.
   */
  lookup(dst: Uint8Array, off: number): number {
    const s = this.slots;
    let i = ROOT * NODE + (dst[off] ?? 0) * SLOT;
    let best = s[i + 1] ?? 0;
    let c = s[i] ?? 0;
    let k = off + 1;
    while (c > 0) {
      i = c * NODE + (dst[k++] ?? 0) * SLOT;
      const b = s[i + 1] ?? 0;
      if (b !== 0) best = b;
      c = s[i] ?? 0;
    }
    if (c === 0) return best - 1;
    return this.scan(~c, dst, off, best - 1);
  }

  /**
   * `lookup` for an address given as four big-endian int32 words (what a caller that has read
   * the address once for other reasons passes on): the bytes come out of the words by shifts,
   * with no reads of the packet.
   */
  lookupWords(w0: number, w1: number, w2: number, w3: number): number {
    const s = this.slots;
    let i = ROOT * NODE + (w0 >>> 24) * SLOT;
    let best = s[i + 1] ?? 0;
    let c = s[i] ?? 0;
    // Bit offset of the next byte; nodes end at depth 120, so it never passes 120.
    let d = 8;
    while (c > 0) {
      const w = d < 32 ? w0 : d < 64 ? w1 : d < 96 ? w2 : w3;
      i = c * NODE + ((w >>> (24 - (d & 31))) & 0xff) * SLOT;
      const b = s[i + 1] ?? 0;
      if (b !== 0) best = b;
      c = s[i] ?? 0;
      d += STRIDE;
    }
    if (c === 0) return best - 1;
    return this.scanWords(~c, w0, w1, w2, w3, best - 1);
  }

  /** The longest bucket entry covering the address, else `best`. Entries are longest first. */
  private scan(o: number, dst: Uint8Array, off: number, best: number): number {
    return this.scanWords(o, wordAt(dst, off), wordAt(dst, off + 4), wordAt(dst, off + 8), wordAt(dst, off + 12), best);
  }

  private scanWords(o: number, w0: number, w1: number, w2: number, w3: number, best: number): number {
    const b = this.buckets;
    const end = o + B_HEAD + (b[o + B_COUNT] ?? 0) * ENTRY;
    for (let p = o + B_HEAD; p < end; p += ENTRY) {
      const m = (b[p + E_LEN] ?? 0) * 4;
      // Word by word: most entries of a bucket already differ in the first or second word.
      if (((w0 ^ (b[p] ?? 0)) & (MASKS[m] ?? 0)) !== 0) continue;
      if (((w1 ^ (b[p + 1] ?? 0)) & (MASKS[m + 1] ?? 0)) !== 0) continue;
      if (((w2 ^ (b[p + 2] ?? 0)) & (MASKS[m + 2] ?? 0)) !== 0) continue;
      if (((w3 ^ (b[p + 3] ?? 0)) & (MASKS[m + 3] ?? 0)) !== 0) continue;
      return b[p + E_ID] ?? -1;
    }
    return best;
  }

  // ---- updates -----------------------------------------------------------------------------

  /** Adds prefix `k`/`len` (words with host bits zero) under route id `id` (>= 0, unique). */
  add(k0: number, k1: number, k2: number, k3: number, len: number, id: number): void {
    if (id >= this.lens.length) {
      const bigger = new Uint8Array(Math.max(id + 1, this.lens.length * 2));
      bigger.set(this.lens);
      this.lens = bigger;
    }
    this.lens[id] = len;
    this.size++;
    this.place(ROOT, 0, k0, k1, k2, k3, len, id);
  }

  /**
   * Removes prefix `k`/`len` held under `id`. `cover` is the id of the longest remaining held
   * prefix that covers it (shorter, so it covers every address `id` did), or -1: the slots that
   * pointed at `id` fall back to it when it belongs to the same node.
   */
  remove(k0: number, k1: number, k2: number, k3: number, len: number, id: number, cover: number): void {
    let n = ROOT;
    let d = 0;
    for (;;) {
      if (len <= d + STRIDE) {
        const coverLen = cover < 0 ? -1 : (this.lens[cover] ?? 0);
        // The cover fills these slots only when this node owns it; otherwise a shallower slot
        // already supplies it as the best so far.
        const fallback = cover >= 0 && (coverLen > d || d === 0) ? cover + 1 : 0;
        const s = this.slots;
        const first = n * NODE + byteAt(k0, k1, k2, k3, d) * SLOT + 1;
        const last = first + (1 << (d + STRIDE - len)) * SLOT;
        for (let i = first; i < last; i += SLOT) if (s[i] === id + 1) s[i] = fallback;
        this.size--;
        this.release(n);
        return;
      }
      const i = n * NODE + byteAt(k0, k1, k2, k3, d) * SLOT;
      const c = this.slots[i] ?? 0;
      if (c > 0) {
        n = c;
        d += STRIDE;
        continue;
      }
      if (c === 0) return;
      const o = ~c;
      const after = this.bucketRemove(o, id);
      if (after === NOT_HELD) return;
      this.size--;
      this.slots[i] = after < 0 ? 0 : ~after;
      if (after < 0) this.release(n);
      return;
    }
  }

  /** Places a prefix at or below node `n` (depth `d`), creating buckets and nodes as needed. */
  private place(n: number, d: number, k0: number, k1: number, k2: number, k3: number, len: number, id: number): void {
    for (;;) {
      if (len <= d + STRIDE) {
        const s = this.slots;
        const lens = this.lens;
        const first = n * NODE + byteAt(k0, k1, k2, k3, d) * SLOT + 1;
        const last = first + (1 << (d + STRIDE - len)) * SLOT;
        for (let i = first; i < last; i += SLOT) {
          const cur = s[i] ?? 0;
          // Prefixes of one length never overlap, so the stored best is strictly shorter or longer.
          if (cur === 0 || (lens[cur - 1] ?? 0) < len) s[i] = id + 1;
        }
        this.items[n] = (this.items[n] ?? 0) + 1;
        return;
      }
      const slot = byteAt(k0, k1, k2, k3, d);
      const i = n * NODE + slot * SLOT;
      const c = this.slots[i] ?? 0;
      if (c > 0) {
        n = c;
        d += STRIDE;
        continue;
      }
      if (c === 0) {
        const o = this.bucketAlloc(0);
        this.bucketPut(o, k0, k1, k2, k3, len, id);
        this.slots[i] = ~o;
        this.items[n] = (this.items[n] ?? 0) + 1;
        return;
      }
      const o = ~c;
      if ((this.buckets[o + B_COUNT] ?? 0) < BUCKET_MAX) {
        this.slots[i] = ~this.bucketPut(o, k0, k1, k2, k3, len, id);
        return;
      }
      // Overflow: the bucket's prefixes move one level down into a new node.
      const moved = this.buckets.slice(o + B_HEAD, o + B_HEAD + BUCKET_MAX * ENTRY);
      this.bucketFree(o);
      const m = this.nodeAlloc(d + STRIDE, n, slot);
      this.slots[i] = m;
      for (let e = 0; e < moved.length; e += ENTRY) {
        const get = (f: number): number => moved[e + f] ?? 0;
        this.place(m, d + STRIDE, get(0), get(1), get(2), get(3), get(E_LEN), get(E_ID));
      }
      n = m;
      d += STRIDE;
    }
  }

  /** Frees `n` and its ancestors while they own nothing (the root stays). */
  private release(node: number): void {
    let n = node;
    this.items[n] = (this.items[n] ?? 0) - 1;
    while (n !== ROOT && this.items[n] === 0) {
      const p = this.parent[n] ?? ROOT;
      this.slots[p * NODE + (this.parentSlot[n] ?? 0) * SLOT] = 0;
      this.freeNodes.push(n);
      this.items[p] = (this.items[p] ?? 0) - 1;
      n = p;
    }
  }

  private nodeAlloc(depth: number, parent: number, slot: number): number {
    let n = this.freeNodes.pop();
    if (n === undefined) {
      // Never used, so still zero.
      if (this.nodesUsed === this.nodeCap) this.growNodes();
      n = this.nodesUsed++;
    } else {
      this.slots.fill(0, n * NODE, (n + 1) * NODE);
    }
    this.depth[n] = depth;
    this.parent[n] = parent;
    this.parentSlot[n] = slot;
    this.items[n] = 0;
    return n;
  }

  private growNodes(): void {
    const cap = this.nodeCap * 2;
    const grow = (a: Int32Array, per: number): Int32Array<ArrayBuffer> => {
      const b = new Int32Array(cap * per);
      b.set(a);
      return b;
    };
    this.slots = grow(this.slots, NODE);
    this.depth = grow(this.depth, 1);
    this.parent = grow(this.parent, 1);
    this.parentSlot = grow(this.parentSlot, 1);
    this.items = grow(this.items, 1);
    this.nodeCap = cap;
  }

  // ---- buckets -----------------------------------------------------------------------------

  private bucketAlloc(cls: number): number {
    const size = B_HEAD + (1 << cls) * ENTRY;
    let o = this.freeBuckets[cls]?.pop();
    if (o === undefined) {
      if (this.bucketsUsed + size > this.buckets.length) {
        const bigger = new Int32Array(this.buckets.length * 2);
        bigger.set(this.buckets);
        this.buckets = bigger;
      }
      o = this.bucketsUsed;
      this.bucketsUsed += size;
    }
    this.buckets[o + B_COUNT] = 0;
    this.buckets[o + B_CLASS] = cls;
    return o;
  }

  private bucketFree(o: number): void {
    this.freeBuckets[this.buckets[o + B_CLASS] ?? 0]?.push(o);
  }

  /** Moves a bucket's entries into a fresh one of class `cls`; returns its offset. */
  private bucketMove(o: number, cls: number): number {
    const count = this.buckets[o + B_COUNT] ?? 0;
    const to = this.bucketAlloc(cls);
    const b = this.buckets;
    b.copyWithin(to + B_HEAD, o + B_HEAD, o + B_HEAD + count * ENTRY);
    b[to + B_COUNT] = count;
    this.bucketFree(o);
    return to;
  }

  /** Inserts an entry keeping longest-first order, growing the bucket; returns its offset. */
  private bucketPut(at: number, k0: number, k1: number, k2: number, k3: number, len: number, id: number): number {
    let o = at;
    const count = this.buckets[o + B_COUNT] ?? 0;
    const cls = this.buckets[o + B_CLASS] ?? 0;
    if (count === 1 << cls) o = this.bucketMove(o, cls + 1);
    const b = this.buckets;
    let pos = 0;
    while (pos < count && (b[o + B_HEAD + pos * ENTRY + E_LEN] ?? 0) >= len) pos++;
    const p = o + B_HEAD + pos * ENTRY;
    b.copyWithin(p + ENTRY, p, o + B_HEAD + count * ENTRY);
    b[p] = k0;
    b[p + 1] = k1;
    b[p + 2] = k2;
    b[p + 3] = k3;
    b[p + E_LEN] = len;
    b[p + E_ID] = id;
    b[o + B_COUNT] = count + 1;
    return o;
  }

  /**
   * Removes the entry of `id`; returns the bucket's offset (moved when it shrinks a class), -1
   * when it is now empty and freed, or NOT_HELD when `id` was not there.
   */
  private bucketRemove(o: number, id: number): number {
    const b = this.buckets;
    const count = b[o + B_COUNT] ?? 0;
    let pos = 0;
    while (pos < count && b[o + B_HEAD + pos * ENTRY + E_ID] !== id) pos++;
    if (pos === count) return NOT_HELD;
    const p = o + B_HEAD + pos * ENTRY;
    b.copyWithin(p, p + ENTRY, o + B_HEAD + count * ENTRY);
    b[o + B_COUNT] = count - 1;
    if (count === 1) {
      this.bucketFree(o);
      return -1;
    }
    const cls = b[o + B_CLASS] ?? 0;
    // Shrink at a quarter full, so alternating add/delete does not move the bucket each time.
    if (cls > 0 && (count - 1) * 4 <= 1 << cls) return this.bucketMove(o, cls - 1);
    return o;
  }

  // ---- accounting and checks ---------------------------------------------------------------

  /** Bytes held by the typed arrays (nodes, buckets, per-node and per-route metadata). */
  memoryBytes(): number {
    return (
      this.slots.byteLength +
      this.depth.byteLength * 4 +
      this.buckets.byteLength +
      this.lens.byteLength
    );
  }

  /** Nodes and buckets in use (for tests and reports). */
  counts(): { nodes: number; buckets: number } {
    let buckets = 0;
    const free = new Set(this.freeNodes);
    for (let n = ROOT; n < this.nodesUsed; n++) {
      if (free.has(n)) continue;
      for (let j = 0; j < FANOUT; j++) if ((this.slots[n * NODE + j * SLOT] ?? 0) < 0) buckets++;
    }
    return { nodes: this.nodesUsed - 1 - this.freeNodes.length, buckets };
  }

  /**
   * Checks the structure (for tests): every live node's item count equals the prefixes it
   * owns plus its children, children point back at their slot, bucket entries are longest
   * first and at most BUCKET_MAX, and every node's depth is its parent's plus the stride.
   */
  check(): string | undefined {
    const free = new Set(this.freeNodes);
    const todo = [ROOT];
    let held = 0;
    while (todo.length > 0) {
      const n = todo.pop() ?? ROOT;
      if (free.has(n)) return `node ${n} is reachable and free`;
      const d = this.depth[n] ?? 0;
      const owned = new Set<number>();
      let kids = 0;
      for (let j = 0; j < FANOUT; j++) {
        const c = this.slots[n * NODE + j * SLOT] ?? 0;
        const best = this.slots[n * NODE + j * SLOT + 1] ?? 0;
        if (best !== 0) owned.add(best - 1);
        if (c > 0) {
          kids++;
          if (this.parent[c] !== n || this.parentSlot[c] !== j) return `node ${c} has a wrong parent link`;
          if (this.depth[c] !== d + STRIDE) return `node ${c} at depth ${this.depth[c]} under depth ${d}`;
          todo.push(c);
        } else if (c < 0) {
          kids++;
          const o = ~c;
          const count = this.buckets[o + B_COUNT] ?? 0;
          if (count < 1 || count > BUCKET_MAX || count > 1 << (this.buckets[o + B_CLASS] ?? 0)) {
            return `bucket ${o} holds ${count}`;
          }
          for (let e = 1; e < count; e++) {
            const prev = this.buckets[o + B_HEAD + (e - 1) * ENTRY + E_LEN] ?? 0;
            if (prev < (this.buckets[o + B_HEAD + e * ENTRY + E_LEN] ?? 0)) return `bucket ${o} out of order`;
          }
          held += count;
        }
      }
      // A prefix owned by a node may be shadowed in every slot by longer ones, so owned.size
      // is a lower bound of what the node counts.
      if ((this.items[n] ?? 0) < kids + owned.size) return `node ${n} counts ${this.items[n]}, sees ${kids + owned.size}`;
      held += (this.items[n] ?? 0) - kids;
    }
    if (held !== this.size) return `holds ${held} prefixes, size says ${this.size}`;
    return undefined;
  }
}
