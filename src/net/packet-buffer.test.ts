import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { SKB_DROP_REASON_IP_INHDR, SKB_NOT_DROPPED_YET } from '../uapi/dropreason.ts';
import { HEADER_UNSET, PacketBuffer, PacketBufferPool } from './packet-buffer.ts';

test('reserve, put, push, pull, trim move data and tail like skb helpers', () => {
  const p = new PacketBuffer(100, 40);
  assert.equal(p.headroom, 40);
  assert.equal(p.tailroom, 60);
  assert.equal(p.length, 0);
  const at = p.put(10);
  assert.equal(at, 40);
  p.buf.fill(0xaa, at, at + 10);
  assert.equal(p.length, 10);
  assert.equal(p.push(8), 32);
  p.buf.fill(0x60, 32, 40);
  assert.equal(p.length, 18);
  assert.equal(p.bytes()[0], 0x60);
  assert.equal(p.bytes()[8], 0xaa);
  assert.equal(p.pull(8), 40);
  assert.equal(p.pull(11), -1);
  assert.equal(p.length, 10);
  p.trim(4);
  assert.equal(p.length, 4);
  p.trim(100);
  assert.equal(p.length, 4);
  assert.throws(() => p.push(41), RangeError);
  assert.throws(() => p.put(57), RangeError);
  assert.throws(() => p.reserve(1), /already holds data/);
});

test('from() copies the bytes and leaves the requested head- and tailroom', () => {
  const src = Uint8Array.of(1, 2, 3);
  const p = PacketBuffer.from(src, 16, 4);
  src[0] = 9;
  assert.deepEqual([...p.bytes()], [1, 2, 3]);
  assert.equal(p.headroom, 16);
  assert.equal(p.tailroom, 4);
});

test('header marks are absolute and survive push; offsets are relative to data', () => {
  const p = PacketBuffer.from(new Uint8Array(48), 64);
  p.resetNetworkHeader();
  p.setTransportHeader(40);
  assert.equal(p.networkHeader, 64);
  assert.equal(p.transportHeader, 104);
  p.push(8); // an extension header inserted in front
  assert.equal(p.networkOffset, 8);
  assert.equal(p.transportOffset, 48);
  p.resetMacHeader();
  assert.equal(p.macHeader, 56);
});

test('ensureHeadroom reallocates only when needed and shifts the marks', () => {
  const p = PacketBuffer.from(Uint8Array.of(0x60, 1, 2, 3), 2);
  p.resetNetworkHeader();
  assert.equal(p.ensureHeadroom(2), false);
  assert.equal(p.ensureHeadroom(10), true);
  assert.equal(p.headroom, 10);
  assert.equal(p.networkHeader, 10);
  assert.deepEqual([...p.bytes()], [0x60, 1, 2, 3]);
  p.push(10);
  assert.equal(p.length, 14);
});

test('clone is a deep copy with the metadata', () => {
  const p = PacketBuffer.from(Uint8Array.of(1, 2, 3, 4), 8, 8);
  const route = { via: 'x' };
  p.ifindex = 3;
  p.mark = 7;
  p.tstampNs = 123;
  p.route = route;
  p.resetNetworkHeader();
  p.drop(SKB_DROP_REASON_IP_INHDR);
  const c = p.clone();
  assert.deepEqual([...c.bytes()], [1, 2, 3, 4]);
  assert.equal(c.headroom, 8);
  assert.equal(c.tailroom, 8);
  assert.equal(c.ifindex, 3);
  assert.equal(c.mark, 7);
  assert.equal(c.tstampNs, 123);
  assert.equal(c.route, route);
  assert.equal(c.networkHeader, 8);
  assert.equal(c.dropReason, SKB_DROP_REASON_IP_INHDR);
  c.buf[c.data] = 99;
  assert.equal(p.bytes()[0], 1);
});

test('the pool recycles buffers and resets them', () => {
  const pool = new PacketBufferPool(256, 64, 2);
  const a = pool.alloc();
  a.put(10);
  a.mark = 5;
  a.ifindex = 2;
  a.resetNetworkHeader();
  a.drop(SKB_DROP_REASON_IP_INHDR);
  pool.free(a);
  const b = pool.alloc();
  assert.equal(b, a);
  assert.equal(b.length, 0);
  assert.equal(b.headroom, 64);
  assert.equal(b.mark, 0);
  assert.equal(b.ifindex, 0);
  assert.equal(b.networkHeader, HEADER_UNSET);
  assert.equal(b.dropReason, SKB_NOT_DROPPED_YET);
  assert.equal(pool.allocated, 1);
  // A grown buffer is not taken back; the free list is bounded.
  b.ensureHeadroom(100);
  pool.free(b);
  assert.equal(pool.freeCount, 0);
  pool.free(new PacketBuffer(256));
  pool.free(new PacketBuffer(256));
  pool.free(new PacketBuffer(256));
  assert.equal(pool.freeCount, 2);
});

test('random push/pull/put/trim sequences keep 0 <= data <= tail <= end', () => {
  fc.assert(
    fc.property(
      fc.array(fc.tuple(fc.constantFrom('push', 'pull', 'put', 'trim'), fc.integer({ min: -2, max: 80 })), { maxLength: 40 }),
      (ops) => {
        const p = new PacketBuffer(128, 32);
        for (const [op, n] of ops) {
          try {
            if (op === 'push') p.push(n);
            else if (op === 'pull') p.pull(n);
            else if (op === 'put') p.put(n);
            else p.trim(n);
          } catch (e) {
            if (!(e instanceof RangeError)) throw e;
          }
          if (!(p.data >= 0 && p.data <= p.tail && p.tail <= p.buf.length)) return false;
        }
        return true;
      },
    ),
  );
});
