/**
 * The generic netlink family "IOAM6" (net/ipv6/ioam6.c, Linux 6.18): the seven configuration
 * commands over the per-namespace tables of ./ioam6.ts, with the kernel's policies, op flags,
 * validation bits, errno values and reply layout, and the "ioam6_events" multicast group
 * (./ioam6-events.ts builds and sends the events).
 *
 * Every op carries GENL_ADMIN_PERM (CAP_NET_ADMIN over the initial user namespace) and
 * GENL_DONT_VALIDATE_STRICT | GENL_DONT_VALIDATE_DUMP: requests are validated liberally (unknown
 * attributes ignored, over-long integers accepted) and dump requests are not parsed. The family
 * has no family-wide policy; each doit op has its own, with maxattr its highest attribute.
 * Commands below resv_start_op (IOAM6_CMD_NS_SET_SCHEMA + 1, so all of them) ignore the
 * genlmsghdr reserved field.
 *
 * Handlers check only presence (-EINVAL) and meaning (-EEXIST, -ENOENT); everything else was
 * checked by the bus against the policy. No doit sends a reply beyond the ack.
 *
 * Dumps. A dump message is built as __ioam6_genl_dumpns_element / __ioam6_genl_dumpsc_element
 * build it. Two differences from Linux 6.18, both bugs there, measured on a 6.18 kernel:
 * - the rhashtable walker steps past the element that did not fit in a batch, so Linux loses
 *   one entry per batch boundary (65,535 namespaces dumped as 65,479 with 32 KiB reads); here
 *   that element opens the next batch;
 * - when not even the message header fits in what is left of a batch, Linux ends the dump with
 *   -ENOMEM (2,000 namespaces with data: 901 dumped, then NLMSG_DONE -ENOMEM); here the batch
 *   is closed and the dump goes on.
 * Entries come in insertion order (Linux's order is random per table, see ./ioam6.ts).
 */

import type { PernetKey } from '../net/pernet.ts';
import type { Net, World } from '../net/net.ts';
import {
  GENL_MCAST_CAP_NET_ADMIN,
  genlmsgEnd,
  genlmsgPut,
  type GenlBus,
  type GenlFamily,
  type GenlInfo,
  type GenlOps,
  type GenlRegisteredFamily,
  type NetlinkCallback,
  type NetlinkSkb,
} from '../netlink/genetlink.ts';
import { nlaPolicyTable, type NlaPolicyTable } from '../netlink/policy.ts';
import { EINVAL, EMSGSIZE, ENOMEM } from '../uapi/errno.ts';
import { GENL_ADMIN_PERM, GENL_DONT_VALIDATE_DUMP, GENL_DONT_VALIDATE_STRICT } from '../uapi/genetlink.ts';
import {
  IOAM6_ATTR_NS_DATA,
  IOAM6_ATTR_NS_DATA_WIDE,
  IOAM6_ATTR_NS_ID,
  IOAM6_ATTR_PAD,
  IOAM6_ATTR_SC_DATA,
  IOAM6_ATTR_SC_ID,
  IOAM6_ATTR_SC_NONE,
  IOAM6_CMD_ADD_NAMESPACE,
  IOAM6_CMD_ADD_SCHEMA,
  IOAM6_CMD_DEL_NAMESPACE,
  IOAM6_CMD_DEL_SCHEMA,
  IOAM6_CMD_DUMP_NAMESPACES,
  IOAM6_CMD_DUMP_SCHEMAS,
  IOAM6_CMD_NS_SET_SCHEMA,
  IOAM6_GENL_EV_GRP_NAME,
  IOAM6_GENL_NAME,
  IOAM6_GENL_VERSION,
  IOAM6_MAX_SCHEMA_DATA_LEN,
} from '../uapi/ioam6_genl.ts';
import { IOAM6_U32_UNAVAILABLE, IOAM6_U64_UNAVAILABLE } from '../uapi/ioam6.ts';
import { NLA_BINARY, NLA_FLAG, NLA_U16, NLA_U32, NLA_U64, NLM_F_MULTI } from '../uapi/netlink.ts';
import type { Result } from '../wire/result.ts';
import {
  IOAM6_NET_OPS,
  registerIoam6,
  type Ioam6Namespace,
  type Ioam6PernetData,
  type Ioam6Schema,
} from './ioam6.ts';

// The policies of net/ipv6/ioam6.c, one per doit op; maxattr is each table's last entry.
export const IOAM6_GENL_POLICY_ADDNS: NlaPolicyTable = nlaPolicyTable(IOAM6_ATTR_NS_DATA_WIDE, {
  [IOAM6_ATTR_NS_ID]: { type: NLA_U16 },
  [IOAM6_ATTR_NS_DATA]: { type: NLA_U32 },
  [IOAM6_ATTR_NS_DATA_WIDE]: { type: NLA_U64 },
});
export const IOAM6_GENL_POLICY_DELNS: NlaPolicyTable = nlaPolicyTable(IOAM6_ATTR_NS_ID, {
  [IOAM6_ATTR_NS_ID]: { type: NLA_U16 },
});
export const IOAM6_GENL_POLICY_ADDSC: NlaPolicyTable = nlaPolicyTable(IOAM6_ATTR_SC_DATA, {
  [IOAM6_ATTR_SC_ID]: { type: NLA_U32 },
  [IOAM6_ATTR_SC_DATA]: { type: NLA_BINARY, len: IOAM6_MAX_SCHEMA_DATA_LEN },
});
export const IOAM6_GENL_POLICY_DELSC: NlaPolicyTable = nlaPolicyTable(IOAM6_ATTR_SC_ID, {
  [IOAM6_ATTR_SC_ID]: { type: NLA_U32 },
});
export const IOAM6_GENL_POLICY_NS_SC: NlaPolicyTable = nlaPolicyTable(IOAM6_ATTR_SC_NONE, {
  [IOAM6_ATTR_NS_ID]: { type: NLA_U16 },
  [IOAM6_ATTR_SC_ID]: { type: NLA_U32 },
  [IOAM6_ATTR_SC_NONE]: { type: NLA_FLAG },
});

/** The validate bits every IOAM6 op carries. */
const IOAM6_VALIDATE = GENL_DONT_VALIDATE_STRICT | GENL_DONT_VALIDATE_DUMP;

/** Index of "ioam6_events" in the family's groups (IOAM6_GENL_EV_GRP_OFFSET). */
export const IOAM6_GENL_EV_GRP_OFFSET = 0;

// ---------------------------------------------------------------------------------------------
// Dump messages.
// ---------------------------------------------------------------------------------------------

/**
 * __ioam6_genl_dumpns_element: one namespace message in `skb`: NS_ID, NS_DATA when available,
 * NS_DATA_WIDE (pad-aware) when available, SC_ID when a schema is linked. 0; -ENOMEM when not
 * even the headers fit; -EMSGSIZE when the attributes do not (nothing is left in `skb`).
 */
export function ioam6FillNamespace(
  skb: NetlinkSkb,
  fam: GenlRegisteredFamily,
  portid: number,
  seq: number,
  flags: number,
  cmd: number,
  ns: Ioam6Namespace,
): number {
  if (genlmsgPut(skb, portid, seq, fam, flags, cmd) < 0) return -ENOMEM;
  const b = skb.b;
  b.putU16(IOAM6_ATTR_NS_ID, ns.id);
  if (ns.data !== IOAM6_U32_UNAVAILABLE) b.putU32(IOAM6_ATTR_NS_DATA, ns.data);
  if (ns.dataWide !== IOAM6_U64_UNAVAILABLE) b.putU64(IOAM6_ATTR_NS_DATA_WIDE, ns.dataWide, IOAM6_ATTR_PAD);
  if (ns.schema !== undefined) b.putU32(IOAM6_ATTR_SC_ID, ns.schema.id);
  return genlmsgEnd(skb) ? 0 : -EMSGSIZE;
}

/**
 * __ioam6_genl_dumpsc_element: one schema message: SC_ID, SC_DATA (the padded `len` bytes),
 * NS_ID when linked. Same return values as `ioam6FillNamespace`.
 */
export function ioam6FillSchema(
  skb: NetlinkSkb,
  fam: GenlRegisteredFamily,
  portid: number,
  seq: number,
  flags: number,
  cmd: number,
  sc: Ioam6Schema,
): number {
  if (genlmsgPut(skb, portid, seq, fam, flags, cmd) < 0) return -ENOMEM;
  const b = skb.b;
  b.putU32(IOAM6_ATTR_SC_ID, sc.id);
  b.put(IOAM6_ATTR_SC_DATA, sc.data);
  if (sc.ns !== undefined) b.putU16(IOAM6_ATTR_NS_ID, sc.ns.id);
  return genlmsgEnd(skb) ? 0 : -EMSGSIZE;
}

/**
 * The state of one dump between batches (Linux keeps a struct rhashtable_iter in cb->args[0]):
 * a live iterator over the table and the entry that did not fit in the previous batch.
 */
class Ioam6DumpCursor<T extends { readonly id: number }> {
  readonly iter: Iterator<T>;
  readonly lookup: (id: number) => T | undefined;
  pending: T | undefined = undefined;

  constructor(iter: Iterator<T>, lookup: (id: number) => T | undefined) {
    this.iter = iter;
    this.lookup = lookup;
  }

  /** The next entry still in the table, or undefined at the end. */
  next(): T | undefined {
    const p = this.pending;
    this.pending = undefined;
    // Deleted (or deleted and re-added) since the last batch: that entry is gone.
    if (p !== undefined && this.lookup(p.id) === p) return p;
    const r = this.iter.next();
    return r.done === true ? undefined : r.value;
  }
}

type Fill<T> = (
  skb: NetlinkSkb,
  fam: GenlRegisteredFamily,
  portid: number,
  seq: number,
  flags: number,
  cmd: number,
  entry: T,
) => number;

/** The dumpit loop shared by both tables: skb.len while entries remain, 0 at the end. */
function dumpTable<T extends { readonly id: number }>(skb: NetlinkSkb, cb: NetlinkCallback, cmd: number, fill: Fill<T>): number {
  const cur = cb.data;
  const genl = cb.genl;
  if (!(cur instanceof Ioam6DumpCursor) || genl === undefined) return -EINVAL;
  const cursor = cur as Ioam6DumpCursor<T>;
  for (;;) {
    const entry = cursor.next();
    if (entry === undefined) break;
    const err = fill(skb, genl.family, cb.portid, cb.seq, NLM_F_MULTI, cmd, entry);
    if (err !== 0) {
      cursor.pending = entry;
      // An entry that cannot fit even in an empty batch would never be dumped.
      return skb.len > 0 ? skb.len : -EMSGSIZE;
    }
  }
  return skb.len;
}

// ---------------------------------------------------------------------------------------------
// The family.
// ---------------------------------------------------------------------------------------------

/** The handlers of the family, bound to the pernet key of the tables. */
export function ioam6GenlOps(key: PernetKey<Ioam6PernetData>): readonly GenlOps[] {
  const tables = (net: Net): Ioam6PernetData => net.generic(key);

  /** ioam6_genl_addns. */
  const addns = (info: GenlInfo): number => {
    const a = info.attrs;
    const id = a.u16(IOAM6_ATTR_NS_ID);
    if (id === undefined) return -EINVAL;
    return tables(info.net).addNamespace(
      id,
      a.u32(IOAM6_ATTR_NS_DATA) ?? IOAM6_U32_UNAVAILABLE,
      a.u64(IOAM6_ATTR_NS_DATA_WIDE) ?? IOAM6_U64_UNAVAILABLE,
    );
  };

  /** ioam6_genl_delns. */
  const delns = (info: GenlInfo): number => {
    const id = info.attrs.u16(IOAM6_ATTR_NS_ID);
    if (id === undefined) return -EINVAL;
    return tables(info.net).delNamespace(id);
  };

  /** ioam6_genl_addsc: the policy bounds the data to IOAM6_MAX_SCHEMA_DATA_LEN. */
  const addsc = (info: GenlInfo): number => {
    const a = info.attrs;
    const id = a.u32(IOAM6_ATTR_SC_ID);
    const data = a.data(IOAM6_ATTR_SC_DATA);
    if (id === undefined || data === undefined) return -EINVAL;
    return tables(info.net).addSchema(id, data);
  };

  /** ioam6_genl_delsc. */
  const delsc = (info: GenlInfo): number => {
    const id = info.attrs.u32(IOAM6_ATTR_SC_ID);
    if (id === undefined) return -EINVAL;
    return tables(info.net).delSchema(id);
  };

  /** ioam6_genl_ns_set_schema: SC_NONE wins over SC_ID when both are given. */
  const nsSetSchema = (info: GenlInfo): number => {
    const a = info.attrs;
    const nsId = a.u16(IOAM6_ATTR_NS_ID);
    if (nsId === undefined || (!a.has(IOAM6_ATTR_SC_ID) && !a.flag(IOAM6_ATTR_SC_NONE))) return -EINVAL;
    return tables(info.net).setSchema(nsId, a.flag(IOAM6_ATTR_SC_NONE) ? undefined : a.u32(IOAM6_ATTR_SC_ID));
  };

  const dumpnsStart = (cb: NetlinkCallback): number => {
    const t = tables(cb.net);
    cb.data = new Ioam6DumpCursor<Ioam6Namespace>(t.namespaces(), (id) => t.namespace(id));
    return 0;
  };
  const dumpscStart = (cb: NetlinkCallback): number => {
    const t = tables(cb.net);
    cb.data = new Ioam6DumpCursor<Ioam6Schema>(t.schemas(), (id) => t.schema(id));
    return 0;
  };
  const dumpDone = (cb: NetlinkCallback): number => {
    cb.data = undefined;
    return 0;
  };

  return Object.freeze([
    { cmd: IOAM6_CMD_ADD_NAMESPACE, validate: IOAM6_VALIDATE, doit: addns, flags: GENL_ADMIN_PERM, policy: IOAM6_GENL_POLICY_ADDNS, maxattr: IOAM6_GENL_POLICY_ADDNS.maxtype },
    { cmd: IOAM6_CMD_DEL_NAMESPACE, validate: IOAM6_VALIDATE, doit: delns, flags: GENL_ADMIN_PERM, policy: IOAM6_GENL_POLICY_DELNS, maxattr: IOAM6_GENL_POLICY_DELNS.maxtype },
    {
      cmd: IOAM6_CMD_DUMP_NAMESPACES,
      validate: IOAM6_VALIDATE,
      start: dumpnsStart,
      dumpit: (skb: NetlinkSkb, cb: NetlinkCallback) => dumpTable(skb, cb, IOAM6_CMD_DUMP_NAMESPACES, ioam6FillNamespace),
      done: dumpDone,
      flags: GENL_ADMIN_PERM,
    },
    { cmd: IOAM6_CMD_ADD_SCHEMA, validate: IOAM6_VALIDATE, doit: addsc, flags: GENL_ADMIN_PERM, policy: IOAM6_GENL_POLICY_ADDSC, maxattr: IOAM6_GENL_POLICY_ADDSC.maxtype },
    { cmd: IOAM6_CMD_DEL_SCHEMA, validate: IOAM6_VALIDATE, doit: delsc, flags: GENL_ADMIN_PERM, policy: IOAM6_GENL_POLICY_DELSC, maxattr: IOAM6_GENL_POLICY_DELSC.maxtype },
    {
      cmd: IOAM6_CMD_DUMP_SCHEMAS,
      validate: IOAM6_VALIDATE,
      start: dumpscStart,
      dumpit: (skb: NetlinkSkb, cb: NetlinkCallback) => dumpTable(skb, cb, IOAM6_CMD_DUMP_SCHEMAS, ioam6FillSchema),
      done: dumpDone,
      flags: GENL_ADMIN_PERM,
    },
    { cmd: IOAM6_CMD_NS_SET_SCHEMA, validate: IOAM6_VALIDATE, doit: nsSetSchema, flags: GENL_ADMIN_PERM, policy: IOAM6_GENL_POLICY_NS_SC, maxattr: IOAM6_GENL_POLICY_NS_SC.maxtype },
  ]);
}

/** ioam6_genl_family, its handlers reaching the tables through `key`. */
export function createIoam6GenlFamily(key: PernetKey<Ioam6PernetData>): GenlFamily {
  return Object.freeze({
    name: IOAM6_GENL_NAME,
    version: IOAM6_GENL_VERSION,
    hdrsize: 0,
    maxattr: 0,
    netnsok: true,
    parallelOps: true,
    ops: ioam6GenlOps(key),
    resvStartOp: IOAM6_CMD_NS_SET_SCHEMA + 1,
    mcgrps: Object.freeze([{ name: IOAM6_GENL_EV_GRP_NAME, flags: GENL_MCAST_CAP_NET_ADMIN }]),
  });
}

/** What ioam6_init sets up in a World. */
export interface Ioam6Registration {
  /** Reaches each namespace's tables: `net.generic(key)`. */
  readonly key: PernetKey<Ioam6PernetData>;
  readonly family: GenlRegisteredFamily;
}

/**
 * ioam6_init (without the lwtunnel part): the pernet tables, then the genl family on `bus`; when
 * the family cannot be registered the tables are unregistered again. Returns the negative errno
 * of the step that failed.
 */
export function ioam6Init(world: World, bus: GenlBus): Result<Ioam6Registration, number> {
  const key = registerIoam6(world);
  if (!key.ok) return key;
  const family = bus.registerFamily(createIoam6GenlFamily(key.value));
  if (typeof family === 'number') {
    world.pernet.unregister(IOAM6_NET_OPS);
    return { ok: false, error: family };
  }
  return { ok: true, value: { key: key.value, family } };
}

/** ioam6_exit: the family, then the tables. */
export function ioam6Exit(world: World, reg: Ioam6Registration): void {
  reg.family.bus.unregisterFamily(reg.family);
  world.pernet.unregister(IOAM6_NET_OPS);
}
