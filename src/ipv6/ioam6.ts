/**
 * IOAM configuration state per network namespace, after Linux net/ipv6/ioam6.c (6.18): the
 * table of IOAM namespaces (struct ioam6_namespace) and the table of Opaque State Snapshot
 * schemas (struct ioam6_schema, RFC 9197 section 4.4.2.13), both per netns
 * (struct ioam6_pernet_data), and the link between a namespace and its schema.
 *
 * Values are what the kernel stores, in host order: a namespace not given data holds
 * IOAM6_U32_UNAVAILABLE / IOAM6_U64_UNAVAILABLE (and so does one given exactly those values,
 * which dumps then leave out, as the kernel does). A schema keeps its data zero-padded to a
 * multiple of 4 bytes (`len` is the padded length) and its precomputed header word
 * `hdr = id | (len / 4) << 24`, the first word of an Opaque State Snapshot.
 *
 * The link is one-to-one and kept consistent by every change, as the kernel keeps it: deleting
 * either side clears the other's pointer; setting a namespace's schema unlinks the schema the
 * namespace had and the namespace the schema had.
 *
 * Order. Linux keeps both tables in rhashtables whose hash is seeded at random per table, so
 * the order of a dump differs between boots and between namespaces (measured on 6.18: adding
 * 1, 5, 3, 100, 2 to fresh namespaces dumped 2 5 100 3 1, then 5 2 1 100 3, then 3 1 100 5 2).
 * Nothing can reproduce it; these tables iterate in insertion order instead.
 *
 * Lookups (`namespace`, `schema`) are one Map access and allocate nothing: the data path calls
 * them per packet.
 */

import type { Net, World } from '../net/net.ts';
import type { PernetKey, PernetOperations } from '../net/pernet.ts';
import { EEXIST, ENOENT } from '../uapi/errno.ts';
import { IOAM6_MAX_SCHEMA_DATA_LEN } from '../uapi/ioam6_genl.ts';
import { IOAM6_U32_UNAVAILABLE, IOAM6_U64_UNAVAILABLE } from '../uapi/ioam6.ts';
import type { Result } from '../wire/result.ts';

/** struct ioam6_namespace, as readers see it. */
export interface Ioam6Namespace {
  /** Namespace-ID (u16). */
  readonly id: number;
  /** Namespace data (u32); IOAM6_U32_UNAVAILABLE when not configured. */
  readonly data: number;
  /** Namespace wide data (u64); IOAM6_U64_UNAVAILABLE when not configured. */
  readonly dataWide: bigint;
  /** `dataWide` split in two u32 halves, so the data path writes it without bigint arithmetic. */
  readonly dataWideHi: number;
  readonly dataWideLo: number;
  /** The schema linked to this namespace (ns->schema). */
  readonly schema: Ioam6Schema | undefined;
}

/** struct ioam6_schema, as readers see it. */
export interface Ioam6Schema {
  /** Opaque-State-Schema-ID (u32). */
  readonly id: number;
  /** Data length padded to 4 bytes (sc->len): 0..IOAM6_MAX_SCHEMA_DATA_LEN. */
  readonly len: number;
  /** sc->hdr in host order: id | (len / 4) << 24, written big-endian into traces. */
  readonly hdr: number;
  /** `len` bytes: the configured data followed by zero padding. */
  readonly data: Uint8Array;
  /** The namespace this schema is linked to (sc->ns). */
  readonly ns: Ioam6Namespace | undefined;
}

// The mutable records behind the readonly views; only this module changes them.
interface NamespaceRecord {
  readonly id: number;
  readonly data: number;
  readonly dataWide: bigint;
  readonly dataWideHi: number;
  readonly dataWideLo: number;
  schema: SchemaRecord | undefined;
}

interface SchemaRecord {
  readonly id: number;
  readonly len: number;
  readonly hdr: number;
  readonly data: Uint8Array;
  ns: NamespaceRecord | undefined;
}

const U16_MAX = 0xffff;
const U32_MAX = 0xffffffff;
const U64_MAX = 0xffffffffffffffffn;

function checkInt(v: number, max: number, what: string): void {
  if (!Number.isInteger(v) || v < 0 || v > max) throw new RangeError(`${what} ${v} is not in 0..${max}`);
}

/** ALIGN(len, 4). */
function align4(len: number): number {
  return (len + 3) & ~3;
}

/**
 * sc->hdr: the id OR-ed with the length in 4-octet words in the top byte. The kernel ORs
 * rather than masks, so an id above 24 bits leaks into the length byte; so does this.
 */
export function ioam6SchemaHdr(id: number, len: number): number {
  return (id | (((len / 4) & 0xff) << 24)) >>> 0;
}

/** struct ioam6_pernet_data: the two tables of one network namespace. */
export class Ioam6PernetData {
  readonly #namespaces = new Map<number, NamespaceRecord>();
  readonly #schemas = new Map<number, SchemaRecord>();
  /**
   * Moves on with every change to either table, so the data path can keep what it derived from
   * them (ioam6-hbh.ts's entry template) until it does. Read-only outside this class.
   */
  generation = 0;

  /** ioam6_namespace(): the namespace `id`, or undefined. */
  namespace(id: number): Ioam6Namespace | undefined {
    return this.#namespaces.get(id);
  }

  schema(id: number): Ioam6Schema | undefined {
    return this.#schemas.get(id);
  }

  get namespaceCount(): number {
    return this.#namespaces.size;
  }

  get schemaCount(): number {
    return this.#schemas.size;
  }

  /**
   * A live iterator over the namespaces in insertion order. Like an rhashtable walker it
   * survives changes between steps: entries removed before being reached are skipped, entries
   * added later are reached.
   */
  namespaces(): IterableIterator<Ioam6Namespace> {
    return this.#namespaces.values();
  }

  schemas(): IterableIterator<Ioam6Schema> {
    return this.#schemas.values();
  }

  /** ioam6_genl_addns: 0, or -EEXIST when `id` is taken. */
  addNamespace(id: number, data: number = IOAM6_U32_UNAVAILABLE, dataWide: bigint = IOAM6_U64_UNAVAILABLE): number {
    checkInt(id, U16_MAX, 'IOAM namespace id');
    checkInt(data, U32_MAX, 'IOAM namespace data');
    if (dataWide < 0n || dataWide > U64_MAX) throw new RangeError(`IOAM namespace wide data ${dataWide} is not a u64`);
    if (this.#namespaces.has(id)) return -EEXIST;
    // The usual case (no wide data) needs no bigint arithmetic.
    const unavailable = dataWide === IOAM6_U64_UNAVAILABLE;
    this.#namespaces.set(id, {
      id,
      data,
      dataWide,
      dataWideHi: unavailable ? U32_MAX : Number(dataWide >> 32n),
      dataWideLo: unavailable ? U32_MAX : Number(dataWide & 0xffffffffn),
      schema: undefined,
    });
    this.generation++;
    return 0;
  }

  /** ioam6_genl_delns: 0, or -ENOENT. A linked schema loses its namespace. */
  delNamespace(id: number): number {
    const ns = this.#namespaces.get(id);
    if (ns === undefined) return -ENOENT;
    this.#namespaces.delete(id);
    if (ns.schema !== undefined) ns.schema.ns = undefined;
    ns.schema = undefined;
    this.generation++;
    return 0;
  }

  /**
   * ioam6_genl_addsc: 0, or -EEXIST when `id` is taken. `data` (at most
   * IOAM6_MAX_SCHEMA_DATA_LEN bytes; the netlink policy enforces it) is copied and padded.
   */
  addSchema(id: number, data: Uint8Array): number {
    checkInt(id, U32_MAX, 'IOAM schema id');
    if (data.length > IOAM6_MAX_SCHEMA_DATA_LEN) {
      throw new RangeError(`IOAM schema data of ${data.length} bytes exceeds ${IOAM6_MAX_SCHEMA_DATA_LEN}`);
    }
    if (this.#schemas.has(id)) return -EEXIST;
    const len = align4(data.length);
    const copy = new Uint8Array(len);
    copy.set(data);
    this.#schemas.set(id, { id, len, hdr: ioam6SchemaHdr(id, len), data: copy, ns: undefined });
    this.generation++;
    return 0;
  }

  /** ioam6_genl_delsc: 0, or -ENOENT. A linked namespace loses its schema. */
  delSchema(id: number): number {
    const sc = this.#schemas.get(id);
    if (sc === undefined) return -ENOENT;
    this.#schemas.delete(id);
    if (sc.ns !== undefined) sc.ns.schema = undefined;
    sc.ns = undefined;
    this.generation++;
    return 0;
  }

  /**
   * ioam6_genl_ns_set_schema: links namespace `nsId` to schema `scId` (undefined: to none).
   * -ENOENT when either is missing (nothing changes then). The namespace's previous schema and
   * the schema's previous namespace are unlinked.
   */
  setSchema(nsId: number, scId: number | undefined): number {
    const ns = this.#namespaces.get(nsId);
    if (ns === undefined) return -ENOENT;
    let sc: SchemaRecord | undefined;
    if (scId !== undefined) {
      sc = this.#schemas.get(scId);
      if (sc === undefined) return -ENOENT;
    }
    if (ns.schema !== undefined) ns.schema.ns = undefined;
    ns.schema = sc;
    if (sc !== undefined) {
      if (sc.ns !== undefined) sc.ns.schema = undefined;
      sc.ns = ns;
    }
    this.generation++;
    return 0;
  }

  /** ioam6_net_exit: drops everything. */
  clear(): void {
    for (const ns of this.#namespaces.values()) ns.schema = undefined;
    for (const sc of this.#schemas.values()) sc.ns = undefined;
    this.#namespaces.clear();
    this.#schemas.clear();
    this.generation++;
  }
}

/** ioam6_net_ops. */
export const IOAM6_NET_OPS: PernetOperations<Net, Ioam6PernetData> = Object.freeze({
  name: 'ioam6',
  state: () => new Ioam6PernetData(),
  exit: (_net: Net, data: Ioam6PernetData) => data.clear(),
});

/**
 * register_pernet_subsys(&ioam6_net_ops) in `world`: every namespace, present and future, gets
 * its tables. Returns the key that reaches them, or the negative errno of a failed init.
 */
export function registerIoam6(world: World): Result<PernetKey<Ioam6PernetData>, number> {
  return world.pernet.registerSubsys(IOAM6_NET_OPS);
}

/** unregister_pernet_subsys(&ioam6_net_ops). */
export function unregisterIoam6(world: World): boolean {
  return world.pernet.unregister(IOAM6_NET_OPS);
}

/** ioam6_pernet(net). */
export function ioam6Pernet(net: Net, key: PernetKey<Ioam6PernetData>): Ioam6PernetData {
  return net.generic(key);
}

/** ioam6_namespace(net, id): the data path's lookup. */
export function ioam6Namespace(net: Net, key: PernetKey<Ioam6PernetData>, id: number): Ioam6Namespace | undefined {
  return net.generic(key).namespace(id);
}
