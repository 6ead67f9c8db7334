import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { World } from '../net/net.ts';
import { EEXIST, ENOENT } from '../uapi/errno.ts';
import { IOAM6_U32_UNAVAILABLE, IOAM6_U64_UNAVAILABLE } from '../uapi/ioam6.ts';
import {
  Ioam6PernetData,
  ioam6Namespace,
  ioam6Pernet,
  ioam6SchemaHdr,
  registerIoam6,
  unregisterIoam6,
} from './ioam6.ts';

test('registerIoam6: every namespace, present and future, gets empty tables; exit clears them', () => {
  const world = new World();
  const early = world.createNet('early');
  assert.ok(early.ok);
  const key = registerIoam6(world);
  assert.ok(key.ok);
  const late = world.createNet('late');
  assert.ok(late.ok);
  for (const net of [world.initNet, early.value, late.value]) assert.equal(ioam6Pernet(net, key.value).namespaceCount, 0);
  const t = ioam6Pernet(late.value, key.value);
  t.addNamespace(1);
  t.addSchema(2, Uint8Array.of(1));
  t.setSchema(1, 2);
  const ns = t.namespace(1);
  world.destroyNet(late.value);
  assert.equal(t.namespaceCount, 0);
  assert.equal(t.schemaCount, 0);
  assert.equal(ns?.schema, undefined);
  assert.equal(unregisterIoam6(world), true);
  assert.equal(world.initNet.gen.has(key.value), false);
  assert.equal(unregisterIoam6(world), false);
});

test('namespaces in two network namespaces are separate', () => {
  const world = new World();
  const key = registerIoam6(world);
  assert.ok(key.ok);
  const other = world.createNet('other');
  assert.ok(other.ok);
  ioam6Pernet(world.initNet, key.value).addNamespace(5, 1);
  assert.equal(ioam6Namespace(world.initNet, key.value, 5)?.data, 1);
  assert.equal(ioam6Namespace(other.value, key.value, 5), undefined);
  assert.equal(ioam6Pernet(other.value, key.value).addNamespace(5, 2), 0);
  assert.equal(ioam6Namespace(world.initNet, key.value, 5)?.data, 1);
});

test('addNamespace: defaults are "unavailable"; a duplicate id is -EEXIST and changes nothing', () => {
  const t = new Ioam6PernetData();
  assert.equal(t.addNamespace(1), 0);
  assert.deepEqual(t.namespace(1), {
    id: 1,
    data: IOAM6_U32_UNAVAILABLE,
    dataWide: IOAM6_U64_UNAVAILABLE,
    dataWideHi: 0xffffffff,
    dataWideLo: 0xffffffff,
    schema: undefined,
  });
  assert.equal(t.addNamespace(2, 0xdeadbeef, 0x0123456789abcdefn), 0);
  const ns = t.namespace(2);
  assert.equal(ns?.data, 0xdeadbeef);
  assert.equal(ns?.dataWideHi, 0x01234567);
  assert.equal(ns?.dataWideLo, 0x89abcdef);
  assert.equal(t.addNamespace(2, 7), -EEXIST);
  assert.equal(t.namespace(2)?.data, 0xdeadbeef);
  assert.equal(t.delNamespace(3), -ENOENT);
  assert.equal(t.delNamespace(2), 0);
  assert.equal(t.namespace(2), undefined);
});

test('addSchema pads data to 4 bytes and precomputes the header word', () => {
  const t = new Ioam6PernetData();
  // (data length, stored length) as ip ioam schema add with 0, 1, 4, 5 and 1020 bytes.
  const cases: Array<[number, number]> = [[0, 0], [1, 4], [4, 4], [5, 8], [1020, 1020]];
  for (const [n, len] of cases) {
    const data = new Uint8Array(n).fill(0x41);
    assert.equal(t.addSchema(n, data), 0);
    const sc = t.schema(n);
    assert.equal(sc?.len, len);
    assert.equal(sc?.data.length, len);
    assert.deepEqual(sc?.data.subarray(0, n), data);
    assert.ok(sc?.data.subarray(n).every((b) => b === 0));
    assert.equal(sc?.hdr, (len / 4) * 0x1000000 + n);
    data.fill(0); // stored as a copy
    if (n > 0) assert.equal(sc?.data[0], 0x41);
  }
  assert.equal(t.addSchema(5, Uint8Array.of(1)), -EEXIST);
  assert.equal(t.schema(5)?.len, 8);
  assert.throws(() => t.addSchema(9, new Uint8Array(1021)), RangeError);
});

test('schema header: the id is OR-ed in unmasked, as the kernel does', () => {
  assert.equal(ioam6SchemaHdr(0x00123456, 8), 0x02123456);
  assert.equal(ioam6SchemaHdr(0xff000001, 4), 0xff000001);
  assert.equal(ioam6SchemaHdr(0x01000000, 1020), 0xff000000);
  assert.equal(ioam6SchemaHdr(0xffffffff, 0), 0xffffffff);
});

test('setSchema links one-to-one: relinking unlinks the previous partners on both sides', () => {
  const t = new Ioam6PernetData();
  t.addNamespace(1);
  t.addNamespace(2);
  t.addSchema(10, Uint8Array.of(1));
  t.addSchema(11, Uint8Array.of(2));
  assert.equal(t.setSchema(1, 10), 0);
  assert.equal(t.namespace(1)?.schema, t.schema(10));
  assert.equal(t.schema(10)?.ns, t.namespace(1));
  // Schema 10 moves to namespace 2: namespace 1 loses it.
  assert.equal(t.setSchema(2, 10), 0);
  assert.equal(t.namespace(1)?.schema, undefined);
  assert.equal(t.schema(10)?.ns, t.namespace(2));
  // Namespace 2 takes schema 11: schema 10 loses its namespace.
  assert.equal(t.setSchema(2, 11), 0);
  assert.equal(t.schema(10)?.ns, undefined);
  assert.equal(t.schema(11)?.ns, t.namespace(2));
  // Unknown schema or namespace: -ENOENT, nothing changes.
  assert.equal(t.setSchema(2, 99), -ENOENT);
  assert.equal(t.setSchema(9, 10), -ENOENT);
  assert.equal(t.namespace(2)?.schema?.id, 11);
  // "none".
  assert.equal(t.setSchema(2, undefined), 0);
  assert.equal(t.namespace(2)?.schema, undefined);
  assert.equal(t.schema(11)?.ns, undefined);
});

test('deleting either side of a link clears the other side', () => {
  const t = new Ioam6PernetData();
  t.addNamespace(1);
  t.addSchema(10, Uint8Array.of(1));
  t.setSchema(1, 10);
  const sc = t.schema(10);
  assert.equal(t.delNamespace(1), 0);
  assert.equal(sc?.ns, undefined);
  t.addNamespace(1);
  t.setSchema(1, 10);
  const ns = t.namespace(1);
  assert.equal(t.delSchema(10), 0);
  assert.equal(ns?.schema, undefined);
  assert.equal(t.delSchema(10), -ENOENT);
});

test('iteration is in insertion order and live, like a walker', () => {
  const t = new Ioam6PernetData();
  for (const id of [1, 5, 3, 100, 2]) t.addNamespace(id);
  assert.deepEqual([...t.namespaces()].map((n) => n.id), [1, 5, 3, 100, 2]);
  const it = t.namespaces();
  assert.equal(it.next().value?.id, 1);
  t.delNamespace(3);
  t.addNamespace(7);
  assert.deepEqual([...it].map((n) => n.id), [5, 100, 2, 7]);
});

test('ids and values out of range are programmer errors', () => {
  const t = new Ioam6PernetData();
  assert.throws(() => t.addNamespace(0x10000), RangeError);
  assert.throws(() => t.addNamespace(-1), RangeError);
  assert.throws(() => t.addNamespace(1, 0x100000000), RangeError);
  assert.throws(() => t.addNamespace(1, 0, 1n << 64n), RangeError);
  assert.throws(() => t.addSchema(0x100000000, new Uint8Array(0)), RangeError);
  assert.equal(t.namespaceCount, 0);
});

test('random operation sequences agree with a model and keep the link consistent', () => {
  type Op =
    | { k: 'addns'; id: number }
    | { k: 'delns'; id: number }
    | { k: 'addsc'; id: number; n: number }
    | { k: 'delsc'; id: number }
    | { k: 'set'; ns: number; sc: number | undefined };
  const id = fc.integer({ min: 0, max: 5 });
  const op: fc.Arbitrary<Op> = fc.oneof(
    id.map((i) => ({ k: 'addns' as const, id: i })),
    id.map((i) => ({ k: 'delns' as const, id: i })),
    fc.tuple(id, fc.integer({ min: 0, max: 9 })).map(([i, n]) => ({ k: 'addsc' as const, id: i, n })),
    id.map((i) => ({ k: 'delsc' as const, id: i })),
    fc.tuple(id, fc.option(id, { nil: undefined })).map(([ns, sc]) => ({ k: 'set' as const, ns, sc })),
  );
  fc.assert(
    fc.property(fc.array(op, { maxLength: 60 }), (ops) => {
      const t = new Ioam6PernetData();
      // Model: ns id -> linked schema id (or null); schema ids.
      const mns = new Map<number, number | null>();
      const msc = new Set<number>();
      for (const o of ops) {
        let want: number;
        let got: number;
        switch (o.k) {
          case 'addns':
            want = mns.has(o.id) ? -EEXIST : 0;
            if (want === 0) mns.set(o.id, null);
            got = t.addNamespace(o.id);
            break;
          case 'delns':
            want = mns.has(o.id) ? 0 : -ENOENT;
            mns.delete(o.id);
            got = t.delNamespace(o.id);
            break;
          case 'addsc':
            want = msc.has(o.id) ? -EEXIST : 0;
            msc.add(o.id);
            got = t.addSchema(o.id, new Uint8Array(o.n));
            break;
          case 'delsc':
            want = msc.has(o.id) ? 0 : -ENOENT;
            if (msc.delete(o.id)) for (const [k, v] of mns) if (v === o.id) mns.set(k, null);
            got = t.delSchema(o.id);
            break;
          case 'set':
            want = !mns.has(o.ns) || (o.sc !== undefined && !msc.has(o.sc)) ? -ENOENT : 0;
            if (want === 0) {
              for (const [k, v] of mns) if (o.sc !== undefined && v === o.sc) mns.set(k, null);
              mns.set(o.ns, o.sc ?? null);
            }
            got = t.setSchema(o.ns, o.sc);
            break;
        }
        assert.equal(got, want, JSON.stringify(o));
      }
      assert.deepEqual(new Map([...t.namespaces()].map((n) => [n.id, n.schema?.id ?? null])), mns);
      assert.deepEqual(new Set([...t.schemas()].map((s) => s.id)), msc);
      for (const ns of t.namespaces()) if (ns.schema !== undefined) assert.equal(ns.schema.ns, ns);
      for (const sc of t.schemas()) {
        if (sc.ns !== undefined) {
          assert.equal(sc.ns.schema, sc);
          assert.equal(t.namespace(sc.ns.id), sc.ns);
        }
      }
    }),
    { numRuns: 400, seed: 9 },
  );
});
