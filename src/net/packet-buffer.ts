/**
 * PacketBuffer: our sk_buff. One Uint8Array holds the packet with headroom before `data` and
 * tailroom after `tail`:
 *
 *   0 (head)        data                 tail                end = buf.length
 *   | headroom      | packet bytes        | tailroom           |
 *
 * `push` grows the packet into the headroom (encapsulation: IOAM encap, GTP-U) without moving
 * the payload; `pull` strips a header; `put` appends; `trim` shortens. Offsets are absolute
 * indices into `buf`, so hot paths read `buf[data + i]` with no view allocated; `bytes()` makes
 * a subarray for control paths. Header marks (`networkHeader`, `transportHeader`) are absolute
 * offsets too, like skb->network_header relative to skb->head.
 *
 * Programmer errors throw (pushing past the headroom, putting past the end, as skb_under_panic
 * and skb_over_panic); `pull` past the end returns -1 like skb_pull returning NULL, because the
 * length usually comes from the packet. Buffers are recycled through `PacketBufferPool` so the
 * per-packet path allocates nothing.
 */

import { SKB_NOT_DROPPED_YET } from '../uapi/dropreason.ts';

/** Header offsets not set yet (skb_header_was_set false). */
export const HEADER_UNSET = -1;

export class PacketBuffer {
  /** The storage: head is index 0, end is buf.length. */
  buf: Uint8Array;
  data = 0;
  tail = 0;
  networkHeader = HEADER_UNSET;
  transportHeader = HEADER_UNSET;
  macHeader = HEADER_UNSET;

  // --- metadata (see reset()) ---
  /** Ingress interface index (skb->skb_iif); 0 when locally generated. */
  ifindex = 0;
  /** The device object, typed loosely until net devices exist. */
  dev: object | null = null;
  /** Receive or creation time, monotonic ns from the namespace clock (skb->tstamp). */
  tstampNs = 0;
  mark = 0;
  priority = 0;
  /** ECN codepoint (0-3) as classified on receive. */
  ecn = 0;
  /** Flow hash (skb->hash); 0 when not computed. */
  hash = 0;
  /** The route chosen for this packet (skb_dst), opaque to this layer. */
  route: object | null = null;
  /** SKB_DROP_REASON_* from uapi/dropreason.ts; SKB_NOT_DROPPED_YET while alive. */
  dropReason: number = SKB_NOT_DROPPED_YET;
  /**
   * Called right before the driver transmits the packet (qdisc_run hands it over, or
   * __dev_queue_xmit for a noqueue device) with the device; null: nothing to do. IOAM sets it
   * (net.ipv6.ioam6_linux_compat 0) to write its trace entry at the moment of transmission. It
   * is one function per namespace, so setting it allocates nothing; the callee clears it.
   */
  onTransmit: ((pkb: PacketBuffer, dev: object) => void) | null = null;
  /**
   * An IOAM trace entry reserved on receive and written on transmit: the trace header's offset
   * from the IPv6 header that carries it; -1: none.
   */
  ioamTrace = -1;
  /**
   * That IPv6 header's position counted back from `tail` (tail - header): a count from the end
   * stays true when an encapsulation pushes headers in front of the packet.
   */
  ioamHeader = 0;
  /** Octets of the reserved entry (NodeLen words plus the Opaque State Snapshot's). */
  ioamEntryLen = 0;

  /** A buffer of `capacity` bytes with `headroom` reserved and no packet data. */
  constructor(capacity: number, headroom = 0) {
    if (!Number.isInteger(capacity) || capacity < 0) throw new RangeError(`PacketBuffer capacity must be a non-negative integer, got ${capacity}`);
    this.buf = new Uint8Array(capacity);
    this.reserve(headroom);
  }

  /** A buffer holding a copy of `bytes`, with `headroom` and `tailroom` around it. */
  static from(bytes: Uint8Array, headroom = 0, tailroom = 0): PacketBuffer {
    const p = new PacketBuffer(headroom + bytes.length + tailroom, headroom);
    p.buf.set(bytes, p.data);
    p.tail = p.data + bytes.length;
    return p;
  }

  get length(): number {
    return this.tail - this.data;
  }

  get headroom(): number {
    return this.data;
  }

  get tailroom(): number {
    return this.buf.length - this.tail;
  }

  /** skb_reserve: moves data and tail forward on an empty buffer. */
  reserve(n: number): void {
    if (this.tail !== this.data) throw new Error('PacketBuffer.reserve: buffer already holds data');
    if (!Number.isInteger(n) || n < 0 || this.tail + n > this.buf.length) {
      throw new RangeError(`PacketBuffer.reserve(${n}): only ${this.tailroom} bytes free`);
    }
    this.data += n;
    this.tail += n;
  }

  /** skb_push: prepends `n` bytes; returns the new data offset. */
  push(n: number): number {
    if (n > this.data || n < 0) throw new RangeError(`PacketBuffer.push(${n}): headroom is ${this.data} (use ensureHeadroom)`);
    this.data -= n;
    return this.data;
  }

  /** skb_pull: strips `n` bytes from the front; returns the new data offset, or -1 if too short. */
  pull(n: number): number {
    if (n > this.tail - this.data || n < 0) return -1;
    this.data += n;
    return this.data;
  }

  /** skb_put: appends `n` bytes; returns the offset of the added area. */
  put(n: number): number {
    if (n > this.buf.length - this.tail || n < 0) throw new RangeError(`PacketBuffer.put(${n}): tailroom is ${this.tailroom}`);
    const at = this.tail;
    this.tail += n;
    return at;
  }

  /** skb_trim: shortens the packet to `len` bytes if it is longer. */
  trim(len: number): void {
    if (len < this.tail - this.data) this.tail = this.data + (len < 0 ? 0 : len);
  }

  /**
   * skb_cow_head: makes sure `n` bytes of headroom exist, reallocating (and shifting header
   * marks) when they do not. Returns true if it reallocated.
   */
  ensureHeadroom(n: number): boolean {
    if (n <= this.data) return false;
    const grow = n - this.data;
    const next = new Uint8Array(this.buf.length + grow);
    next.set(this.buf.subarray(this.data, this.tail), n);
    this.buf = next;
    this.data += grow;
    this.tail += grow;
    if (this.networkHeader !== HEADER_UNSET) this.networkHeader += grow;
    if (this.transportHeader !== HEADER_UNSET) this.transportHeader += grow;
    if (this.macHeader !== HEADER_UNSET) this.macHeader += grow;
    return true;
  }

  /** The packet bytes as a view (allocates the view object; hot paths index `buf` instead). */
  bytes(): Uint8Array {
    return this.buf.subarray(this.data, this.tail);
  }

  /** skb_reset_network_header: the network header starts at `data`. */
  resetNetworkHeader(): void {
    this.networkHeader = this.data;
  }

  /** skb_set_network_header: the network header starts `offset` bytes after `data`. */
  setNetworkHeader(offset: number): void {
    this.networkHeader = this.data + offset;
  }

  resetTransportHeader(): void {
    this.transportHeader = this.data;
  }

  setTransportHeader(offset: number): void {
    this.transportHeader = this.data + offset;
  }

  resetMacHeader(): void {
    this.macHeader = this.data;
  }

  /** skb_network_offset: network header position relative to `data`. */
  get networkOffset(): number {
    return this.networkHeader - this.data;
  }

  get transportOffset(): number {
    return this.transportHeader - this.data;
  }

  /** Marks the buffer dropped with an SKB_DROP_REASON_* value. */
  drop(reason: number): void {
    this.dropReason = reason;
  }

  /** Empties the buffer for reuse, with `headroom` reserved, clearing every field. */
  reset(headroom = 0): void {
    this.data = 0;
    this.tail = 0;
    this.networkHeader = HEADER_UNSET;
    this.transportHeader = HEADER_UNSET;
    this.macHeader = HEADER_UNSET;
    this.ifindex = 0;
    this.dev = null;
    this.tstampNs = 0;
    this.mark = 0;
    this.priority = 0;
    this.ecn = 0;
    this.hash = 0;
    this.route = null;
    this.dropReason = SKB_NOT_DROPPED_YET;
    this.onTransmit = null;
    this.ioamTrace = -1;
    this.ioamHeader = 0;
    this.ioamEntryLen = 0;
    this.reserve(headroom);
  }

  /** skb_copy: a private copy of the whole buffer (headroom, data, tailroom) and metadata. */
  clone(): PacketBuffer {
    const c = new PacketBuffer(0);
    this.copyInto(c);
    return c;
  }

  /** Copies this buffer into `target`, reusing its storage when large enough (for pools). */
  copyInto(target: PacketBuffer): void {
    if (target.buf.length < this.buf.length) target.buf = new Uint8Array(this.buf.length);
    target.buf.set(this.buf.subarray(0, this.tail));
    target.data = this.data;
    target.tail = this.tail;
    target.networkHeader = this.networkHeader;
    target.transportHeader = this.transportHeader;
    target.macHeader = this.macHeader;
    target.ifindex = this.ifindex;
    target.dev = this.dev;
    target.tstampNs = this.tstampNs;
    target.mark = this.mark;
    target.priority = this.priority;
    target.ecn = this.ecn;
    target.hash = this.hash;
    target.route = this.route;
    target.dropReason = this.dropReason;
    target.onTransmit = this.onTransmit;
    target.ioamTrace = this.ioamTrace;
    target.ioamHeader = this.ioamHeader;
    target.ioamEntryLen = this.ioamEntryLen;
  }
}

/**
 * A free list of equally sized buffers. `alloc` reuses a freed buffer when one is available, so
 * a steady packet flow allocates nothing; at most `maxFree` buffers are kept.
 */
export class PacketBufferPool {
  readonly bufferSize: number;
  readonly headroom: number;
  readonly maxFree: number;
  readonly #free: PacketBuffer[] = [];
  /** Buffers created because the free list was empty (for benchmarks and leak checks). */
  allocated = 0;

  constructor(bufferSize: number, headroom: number, maxFree = 1024) {
    if (headroom > bufferSize) throw new RangeError(`PacketBufferPool: headroom ${headroom} exceeds buffer size ${bufferSize}`);
    this.bufferSize = bufferSize;
    this.headroom = headroom;
    this.maxFree = maxFree;
  }

  get freeCount(): number {
    return this.#free.length;
  }

  /** An empty buffer with the pool's headroom reserved. */
  alloc(): PacketBuffer {
    const p = this.#free.pop();
    if (p !== undefined) {
      p.reset(this.headroom);
      return p;
    }
    this.allocated++;
    return new PacketBuffer(this.bufferSize, this.headroom);
  }

  /** Returns a buffer; ones that grew (ensureHeadroom) or do not fit are left to the GC. */
  free(p: PacketBuffer): void {
    if (this.#free.length < this.maxFree && p.buf.length === this.bufferSize) this.#free.push(p);
  }
}
