/**
 * The generic netlink bus, after Linux net/netlink/genetlink.c (6.18): family registration
 * (genl_register_family, genl_validate_ops, cyclic ids, multicast group ids), the request path
 * (genl_rcv_msg, genl_family_rcv_msg{,_doit,_dumpit}, genl_start) and the message helpers
 * (genlmsg_put, genlmsg_reply, genlmsg_multicast*, genl_notify).
 *
 * One `GenlBus` per World (the family idr and the multicast bitmap are kernel-global in Linux,
 * so they are World-global here); it is the kernel side of NETLINK_GENERIC for every namespace.
 * nlctrl.ts creates it and registers the controller family (genl_init).
 *
 * Request path, in Linux's order: family by nlmsg_type (-ENOENT), netnsok (-ENOENT outside the
 * initial namespace), length for genlmsghdr + hdrsize (-EINVAL), reserved byte for commands at
 * or above resv_start_op (-EINVAL), op by command with doit/dumpit as NLM_F_DUMP asks
 * (-EOPNOTSUPP), GENL_ADMIN_PERM (CAP_NET_ADMIN over the initial user namespace, as
 * netlink_capable) and GENL_UNS_ADMIN_PERM (over the namespace's owner) (-EPERM), then
 * attribute parsing with the op's policy and maxattr before the handler (strict unless the
 * op's GENL_DONT_VALIDATE_* flags say otherwise; a dump with GENL_DONT_VALIDATE_DUMP is not
 * parsed at all).
 *
 * Ops are the full struct genl_ops; an op without its own policy uses the family's policy and
 * maxattr (genl_op_from_full). An op's maxattr defaults to its policy's maxtype.
 *
 * Not modelled: small and split ops (a full op covers both), per-socket private data
 * (sock_priv), module autoloading on lookup by name, the genl_mutex (the bus is synchronous).
 */

import { CAP_NET_ADMIN, CAP_SYS_ADMIN, capable, nsCapable, type Credentials } from '../net/credentials.ts';
import type { Net, World } from '../net/net.ts';
import { EEXIST, EINVAL, ENOENT, ENOSPC, EOPNOTSUPP, EPERM, ESRCH } from '../uapi/errno.ts';
import {
  GENL_ADMIN_PERM,
  GENL_CMD_CAP_DO,
  GENL_CMD_CAP_DUMP,
  GENL_CMD_CAP_HASPOL,
  GENL_HDRLEN,
  GENL_ID_CTRL,
  GENL_ID_PMCRAID,
  GENL_ID_VFS_DQUOT,
  GENL_MAX_ID,
  GENL_NAMSIZ,
  GENL_START_ALLOC,
  GENL_UNS_ADMIN_PERM,
} from '../uapi/genetlink.ts';
import { NETLINK_GENERIC, NLM_F_DUMP, NLM_F_ECHO, NLMSG_HDRLEN } from '../uapi/netlink.ts';
import { u16le, u32le } from '../wire/bytes.ts';
import type { ExtAck } from './errors.ts';
import { nlmsgAlign, nlmsgTotalSize } from './message.ts';
import { genlValidation, NlAttrTable, nlaParseInto, type NlaPolicyTable } from './policy.ts';
import {
  NLMSG_DEFAULT_SIZE,
  NetlinkSkb,
  type NetlinkCallback,
  type NetlinkKernelCfg,
  type NetlinkSocket,
  type NetlinkTable,
} from './socket.ts';

export { NetlinkSkb, type NetlinkCallback } from './socket.ts';

/** include/net/genetlink.h: joining the group needs the capability over the namespace. */
export const GENL_MCAST_CAP_NET_ADMIN = 1 << 0;
export const GENL_MCAST_CAP_SYS_ADMIN = 1 << 1;

/** struct genl_info: one request as a doit handler sees it. */
export interface GenlInfo {
  /** The requesting socket's namespace (genl_info_net). */
  readonly net: Net;
  /** The requesting socket's credentials. */
  readonly cred: Credentials;
  /** snd_portid: the requester's port id, where unicast replies go. */
  readonly sndPortid: number;
  readonly sndSeq: number;
  /** Offset of the request's nlmsghdr in `msg`. */
  readonly nlh: number;
  /** Offset of the request's genlmsghdr in `msg` (the family header follows it: userhdr). */
  readonly genlhdr: number;
  /** The request's command and version (from the genlmsghdr). */
  readonly cmd: number;
  readonly version: number;
  /** info->attrs, validated against the op's policy; empty when the op has maxattr 0. */
  readonly attrs: NlAttrTable;
  /** The buffer holding the request (offsets in `attrs` and `extack` point into it). */
  readonly msg: Uint8Array;
  /** Filled by the handler to explain an error (or to warn on success). */
  readonly extack: ExtAck;
  readonly family: GenlRegisteredFamily;
  /** The requesting socket (NETLINK_CB(skb).sk). */
  readonly sock: NetlinkSocket;
  /** info->user_ptr: set by preDoit, read by the handler and postDoit. */
  userPtr: unknown;
}

/** struct genl_ops (the full form). */
export interface GenlOps {
  readonly cmd: number;
  /** GENL_ADMIN_PERM | GENL_UNS_ADMIN_PERM (GENL_CMD_CAP_* are computed, not read). */
  readonly flags?: number;
  /** GENL_DONT_VALIDATE_* bits; only allowed for commands below the family's resvStartOp. */
  readonly validate?: number;
  /** The op's policy; the family's when absent. */
  readonly policy?: NlaPolicyTable;
  /** The op's maxattr; defaults to its policy's maxtype (or the family's maxattr). */
  readonly maxattr?: number;
  /** 0 or a negative errno. */
  readonly doit?: (info: GenlInfo) => number;
  /** Called once when a dump starts (after parsing): 0 or a negative errno, which refuses it. */
  readonly start?: (cb: NetlinkCallback) => number;
  /** Fills one batch: skb.len (> 0) while more is to come, 0 when done, or a negative errno. */
  readonly dumpit?: (skb: NetlinkSkb, cb: NetlinkCallback) => number;
  /** Called once when the dump ends or fails after starting, or when its socket closes. */
  readonly done?: (cb: NetlinkCallback) => number;
}

/** struct genl_multicast_group. */
export interface GenlMulticastGroup {
  readonly name: string;
  /** GENL_MCAST_CAP_NET_ADMIN / GENL_MCAST_CAP_SYS_ADMIN. */
  readonly flags?: number;
}

/** struct genl_family, as its owner describes it. */
export interface GenlFamily {
  readonly name: string;
  readonly version: number;
  /** Bytes of the family's own header after the genlmsghdr. */
  readonly hdrsize: number;
  /** The family-wide maxattr (0 when every op has its own policy). */
  readonly maxattr: number;
  /** The family-wide policy (ops without their own use it). */
  readonly policy?: NlaPolicyTable;
  /** Reachable from namespaces other than the initial one. */
  readonly netnsok: boolean;
  /** No genl_mutex around its handlers (no effect here: the bus is single-threaded). */
  readonly parallelOps?: boolean;
  readonly ops: readonly GenlOps[];
  readonly mcgrps?: readonly GenlMulticastGroup[];
  /** resv_start_op: commands at or above it must carry reserved == 0 and use strict validation. */
  readonly resvStartOp?: number;
  /** Runs before doit: 0 or a negative errno (doit is then skipped). */
  readonly preDoit?: (op: GenlOps, info: GenlInfo) => number;
  readonly postDoit?: (op: GenlOps, info: GenlInfo) => void;
  /** A socket joined group `group` (index into mcgrps) in `net` (family->bind). */
  readonly bind?: (net: Net, group: number) => void;
  readonly unbind?: (net: Net, group: number) => void;
}

/** genl_dumpit_info: what a genetlink dumpit finds in `cb.genl`. */
export interface GenlDumpitInfo {
  readonly family: GenlRegisteredFamily;
  readonly op: GenlOps;
  /** Parsed attributes (offsets into cb.msg); undefined with GENL_DONT_VALIDATE_DUMP or maxattr 0. */
  readonly attrs: NlAttrTable | undefined;
}

/** One op seen as its doit or its dumpit (struct genl_split_ops, reduced). */
export interface GenlSplitOp {
  readonly cmd: number;
  readonly flags: number;
  readonly policy: NlaPolicyTable | undefined;
  readonly maxattr: number;
}

interface OpEntry {
  readonly op: GenlOps;
  readonly policy: NlaPolicyTable | undefined;
  readonly maxattr: number;
  /** Reused parse table while requests come from the same buffer. */
  tb: NlAttrTable | undefined;
}

/** A family on the bus: what registration assigned (family->id, family->mcgrp_offset). */
export class GenlRegisteredFamily {
  readonly bus: GenlBus;
  readonly family: GenlFamily;
  readonly id: number;
  /** Global multicast group id of mcgrps[0] (0 without groups). */
  readonly mcgrpOffset: number;
  /** Ops indexed by command. */
  readonly #byCmd: (OpEntry | undefined)[];
  /**
   * The bus's per-namespace listener sets (NETLINK_GENERIC's mc_list), held here so that
   * genlHasListeners, which data paths ask per packet, is one lookup.
   */
  readonly listeners: ReadonlyMap<Net, ReadonlySet<NetlinkSocket>>;

  /** Use GenlBus.registerFamily. */
  constructor(bus: GenlBus, family: GenlFamily, id: number, mcgrpOffset: number) {
    this.bus = bus;
    this.family = family;
    this.id = id;
    this.mcgrpOffset = mcgrpOffset;
    this.listeners = bus.table.proto(NETLINK_GENERIC).listeners;
    this.#byCmd = new Array<OpEntry | undefined>(256).fill(undefined);
    for (const op of family.ops) {
      const policy = op.policy ?? family.policy;
      const maxattr = op.maxattr ?? (op.policy !== undefined ? op.policy.maxtype : family.maxattr);
      this.#byCmd[op.cmd] = { op, policy, maxattr, tb: undefined };
    }
  }

  get name(): string {
    return this.family.name;
  }
  get version(): number {
    return this.family.version;
  }
  get hdrsize(): number {
    return this.family.hdrsize;
  }
  get netnsok(): boolean {
    return this.family.netnsok;
  }
  get mcgrps(): readonly GenlMulticastGroup[] {
    return this.family.mcgrps ?? [];
  }

  /** Internal: the op for `cmd`. */
  _entry(cmd: number): OpEntry | undefined {
    return this.#byCmd[cmd];
  }

  /** genl_get_cmd_both: the op's doit and dumpit views (undefined when it lacks one). */
  splitOps(op: GenlOps): { readonly doit: GenlSplitOp | undefined; readonly dumpit: GenlSplitOp | undefined } {
    const e = this.#byCmd[op.cmd];
    const policy = e?.policy;
    const maxattr = e?.maxattr ?? 0;
    const flags = op.flags ?? 0;
    return {
      doit: op.doit !== undefined ? { cmd: op.cmd, flags: flags | GENL_CMD_CAP_DO, policy, maxattr } : undefined,
      dumpit: op.dumpit !== undefined ? { cmd: op.cmd, flags: flags | GENL_CMD_CAP_DUMP, policy, maxattr } : undefined,
    };
  }

  /** CTRL_ATTR_OP_FLAGS as ctrl_fill_info computes them. */
  opFlags(op: GenlOps): number {
    const s = this.splitOps(op);
    let f = (s.doit?.flags ?? 0) | (s.dumpit?.flags ?? 0);
    if (s.doit?.policy !== undefined || s.dumpit?.policy !== undefined) f |= GENL_CMD_CAP_HASPOL;
    return f;
  }
}

/** genl_ctrl_event's kinds (CTRL_CMD_NEWFAMILY and friends), sent by nlctrl. */
export type GenlCtrlEvent = (event: number, fam: GenlRegisteredFamily, grp?: GenlMulticastGroup, grpId?: number) => void;

/** Initial multicast bitmap: 0 (invalid), 1 (NET_DM), GENL_ID_CTRL, VFS_DQUOT, PMCRAID. */
const RESERVED_GROUPS = [0, 1, GENL_ID_CTRL, GENL_ID_VFS_DQUOT, GENL_ID_PMCRAID];
const BITS_PER_LONG = 64;

/** The generic netlink bus of one World. */
export class GenlBus {
  readonly table: NetlinkTable;
  readonly world: World;
  readonly #byId = new Map<number, GenlRegisteredFamily>();
  readonly #byName = new Map<string, GenlRegisteredFamily>();
  /** idr_next of the cyclic allocator. */
  #idrNext = 0;
  readonly #mcGroups = new Set<number>(RESERVED_GROUPS);
  #mcGroupsLongs = 1;
  /** genl_ctrl_event, installed by nlctrl. */
  ctrlEvent: GenlCtrlEvent | undefined;
  /** The controller family (set by nlctrl): its id is GENL_ID_CTRL and its group is too. */
  ctrlFamily: GenlFamily | undefined;
  // Reused per request when the bus is not re-entered from a handler.
  #busy = false;
  readonly #info: MutableGenlInfo;

  constructor(table: NetlinkTable) {
    this.table = table;
    this.world = table.world;
    this.#info = new MutableGenlInfo(table.world.initNet);
    const cfg: NetlinkKernelCfg = {
      groups: () => this.#mcGroupsLongs * BITS_PER_LONG,
      input: (sk, msg, nlh, extack) => this.genlRcvMsg(sk, msg, nlh, extack),
      bind: (sk, group) => this.#bind(sk, group),
      unbind: (sk, group) => this.#unbind(sk, group),
    };
    table.registerKernel(NETLINK_GENERIC, cfg);
  }

  /** genl_family_find_byid. */
  findById(id: number): GenlRegisteredFamily | undefined {
    return this.#byId.get(id);
  }

  /** genl_family_find_byname. */
  findByName(name: string): GenlRegisteredFamily | undefined {
    return this.#byName.get(name);
  }

  /** Registered families in id order (idr_for_each_entry). */
  families(): GenlRegisteredFamily[] {
    return [...this.#byId.values()].sort((a, b) => a.id - b.id);
  }

  /** Multicast group count of NETLINK_GENERIC sockets (mc_groups_longs * BITS_PER_LONG). */
  get ngroups(): number {
    return this.#mcGroupsLongs * BITS_PER_LONG;
  }

  /**
   * genl_register_family: validates (genl_validate_ops), refuses a taken name (-EEXIST),
   * allocates the id cyclically from GENL_START_ALLOC and the multicast group ids, then sends
   * CTRL_CMD_NEWFAMILY and one CTRL_CMD_NEWMCAST_GRP per group. Returns the registration or a
   * negative errno.
   */
  registerFamily(family: GenlFamily): GenlRegisteredFamily | number {
    const err = validateFamily(family);
    if (err !== 0) return err;
    if (this.#byName.has(family.name)) return -EEXIST;
    let start = GENL_START_ALLOC;
    let end = GENL_MAX_ID;
    if (family === this.ctrlFamily) start = end = GENL_ID_CTRL;
    else if (family.name === 'pmcraid') start = end = GENL_ID_PMCRAID;
    else if (family.name === 'VFS_DQUOT') start = end = GENL_ID_VFS_DQUOT;
    const id = this.#idrAllocCyclic(start, end);
    if (id < 0) return id;
    const groups = family.mcgrps ?? [];
    let offset = 0;
    if (groups.length > 0) {
      if (family === this.ctrlFamily) offset = GENL_ID_CTRL;
      else if (family.name === 'NET_DM') offset = 1;
      else if (id === GENL_ID_VFS_DQUOT) offset = GENL_ID_VFS_DQUOT;
      else if (id === GENL_ID_PMCRAID) offset = GENL_ID_PMCRAID;
      else offset = this.#allocateGroups(groups.length);
    }
    if (family === this.ctrlFamily || family.name === 'NET_DM' || id === GENL_ID_VFS_DQUOT || id === GENL_ID_PMCRAID) {
      if (groups.length > 1) return -EINVAL;
    }
    this.#idrNext = id + 1;
    const reg = new GenlRegisteredFamily(this, family, id, offset);
    this.#byId.set(id, reg);
    this.#byName.set(family.name, reg);
    this.ctrlEvent?.(CTRL_EVENT.NEWFAMILY, reg);
    groups.forEach((g, i) => this.ctrlEvent?.(CTRL_EVENT.NEWMCAST_GRP, reg, g, offset + i));
    return reg;
  }

  /**
   * genl_unregister_family: every socket leaves the family's groups, the group ids are freed
   * (CTRL_CMD_DELMCAST_GRP each), the id is released, then CTRL_CMD_DELFAMILY. -ENOENT when
   * not registered.
   */
  unregisterFamily(reg: GenlRegisteredFamily): number {
    if (this.#byId.get(reg.id) !== reg) return -ENOENT;
    const groups = reg.mcgrps;
    for (let i = 0; i < groups.length; i++) this.table.clearMulticastUsers(NETLINK_GENERIC, reg.mcgrpOffset + i);
    for (let i = 0; i < groups.length; i++) {
      const gid = reg.mcgrpOffset + i;
      if (gid !== 1) this.#mcGroups.delete(gid);
      this.ctrlEvent?.(CTRL_EVENT.DELMCAST_GRP, reg, groups[i], gid);
    }
    this.#byId.delete(reg.id);
    this.#byName.delete(reg.name);
    this.ctrlEvent?.(CTRL_EVENT.DELFAMILY, reg);
    return 0;
  }

  /** idr_alloc_cyclic(start, end + 1). */
  #idrAllocCyclic(start: number, end: number): number {
    const from = Math.max(this.#idrNext, start);
    for (let id = from; id <= end; id++) if (!this.#byId.has(id)) return id;
    if (from > start) for (let id = start; id < from && id <= end; id++) if (!this.#byId.has(id)) return id;
    return -ENOSPC;
  }

  /** genl_allocate_reserve_groups: the first run of `n` free ids; the bitmap grows as needed. */
  #allocateGroups(n: number): number {
    let id = 0;
    for (;;) {
      while (this.#mcGroups.has(id)) id++;
      let fits = true;
      for (let i = id; i < id + n; i++) {
        if (this.#mcGroups.has(i)) {
          id = i;
          fits = false;
          break;
        }
      }
      if (id + n > this.#mcGroupsLongs * BITS_PER_LONG) this.#mcGroupsLongs += Math.ceil(n / BITS_PER_LONG);
      if (fits) break;
    }
    for (let i = id; i < id + n; i++) this.#mcGroups.add(i);
    return id;
  }

  /** genl_bind: the group's capability flags, then the family's bind hook. */
  #bind(sk: NetlinkSocket, group: number): number {
    for (const reg of this.#byId.values()) {
      const groups = reg.mcgrps;
      const i = group - reg.mcgrpOffset;
      if (groups.length === 0 || i < 0 || i >= groups.length) continue;
      const flags = groups[i]?.flags ?? 0;
      if ((flags & GENL_MCAST_CAP_NET_ADMIN) !== 0 && !nsCapable(sk.net, sk.cred, CAP_NET_ADMIN)) return -EPERM;
      if ((flags & GENL_MCAST_CAP_SYS_ADMIN) !== 0 && !nsCapable(sk.net, sk.cred, CAP_SYS_ADMIN)) return -EPERM;
      reg.family.bind?.(sk.net, i);
      return 0;
    }
    return 0;
  }

  #unbind(sk: NetlinkSocket, group: number): void {
    for (const reg of this.#byId.values()) {
      const i = group - reg.mcgrpOffset;
      if (i < 0 || i >= reg.mcgrps.length) continue;
      reg.family.unbind?.(sk.net, i);
      return;
    }
  }

  /** genl_rcv_msg and genl_family_rcv_msg: one request message from `sk`. */
  genlRcvMsg(sk: NetlinkSocket, msg: Uint8Array, nlh: number, extack: ExtAck): number {
    const reg = this.#byId.get(u16le(msg, nlh + 4));
    if (reg === undefined) return -ENOENT;
    const family = reg.family;
    // This family does not exist in this namespace.
    if (!family.netnsok && sk.net !== this.world.initNet) return -ENOENT;
    const hdrlen = GENL_HDRLEN + family.hdrsize;
    const len = u32le(msg, nlh);
    if (len < NLMSG_HDRLEN + hdrlen) return -EINVAL;
    const cmd = msg[nlh + NLMSG_HDRLEN] ?? 0;
    if (cmd >= (family.resvStartOp ?? 0) && u16le(msg, nlh + NLMSG_HDRLEN + 2) !== 0) return -EINVAL;
    const dump = (u16le(msg, nlh + 6) & NLM_F_DUMP) === NLM_F_DUMP;
    const e = reg._entry(cmd);
    if (e === undefined) return -EOPNOTSUPP;
    const op = e.op;
    if (dump ? op.dumpit === undefined : op.doit === undefined) return -EOPNOTSUPP;
    const flags = op.flags ?? 0;
    if ((flags & GENL_ADMIN_PERM) !== 0 && !capable(sk.cred, CAP_NET_ADMIN)) return -EPERM;
    if ((flags & GENL_UNS_ADMIN_PERM) !== 0 && !nsCapable(sk.net, sk.cred, CAP_NET_ADMIN)) return -EPERM;
    if (dump) return this.#rcvMsgDumpit(reg, e, sk, msg, nlh, hdrlen, extack);
    return this.#rcvMsgDoit(reg, e, sk, msg, nlh, hdrlen, len, extack);
  }

  /** genl_family_rcv_msg_doit. */
  #rcvMsgDoit(
    reg: GenlRegisteredFamily,
    e: OpEntry,
    sk: NetlinkSocket,
    msg: Uint8Array,
    nlh: number,
    hdrlen: number,
    len: number,
    extack: ExtAck,
  ): number {
    const op = e.op;
    const reentered = this.#busy;
    let tb: NlAttrTable;
    if (!reentered && e.tb !== undefined && e.tb.bytes === msg) {
      tb = e.tb;
    } else {
      tb = new NlAttrTable(msg, e.maxattr);
      if (!reentered) e.tb = tb;
    }
    if (e.maxattr > 0) {
      const attrStart = nlh + NLMSG_HDRLEN + nlmsgAlign(hdrlen);
      const validate = genlValidation(op.validate ?? 0, false) ?? 0;
      const r = nlaParseInto(tb, attrStart, len - NLMSG_HDRLEN - nlmsgAlign(hdrlen), e.policy, validate, extack);
      if (!r.ok) return r.error.err;
    } else {
      tb.offsets.fill(-1);
    }
    const info = reentered ? new MutableGenlInfo(sk.net) : this.#info;
    info.set(sk, reg, msg, nlh, tb, extack);
    this.#busy = true;
    try {
      const family = reg.family;
      if (family.preDoit !== undefined) {
        const err = family.preDoit(op, info);
        if (err !== 0) return err;
      }
      const err = (op.doit as (info: GenlInfo) => number)(info);
      family.postDoit?.(op, info);
      return err;
    } finally {
      this.#busy = reentered;
      if (!reentered) info.clear();
    }
  }

  /** genl_family_rcv_msg_dumpit with genl_start: parse, then start, then the first batch. */
  #rcvMsgDumpit(
    reg: GenlRegisteredFamily,
    e: OpEntry,
    sk: NetlinkSocket,
    msg: Uint8Array,
    nlh: number,
    hdrlen: number,
    extack: ExtAck,
  ): number {
    const op = e.op;
    const dumpit = op.dumpit as (skb: NetlinkSkb, cb: NetlinkCallback) => number;
    return sk.dumpStart(
      msg,
      nlh,
      {
        start: (cb) => {
          let attrs: NlAttrTable | undefined;
          const validate = genlValidation(op.validate ?? 0, true);
          if (validate !== undefined && e.maxattr > 0) {
            const tb = new NlAttrTable(cb.msg, e.maxattr);
            const hl = nlmsgAlign(hdrlen);
            const r = nlaParseInto(tb, cb.nlh + NLMSG_HDRLEN + hl, cb.msg.length - NLMSG_HDRLEN - hl, e.policy, validate, cb.extack);
            if (!r.ok) return r.error.err;
            attrs = tb;
          }
          cb.genl = { family: reg, op, attrs };
          return op.start !== undefined ? op.start(cb) : 0;
        },
        dump: dumpit,
        done: (cb) => (op.done !== undefined ? op.done(cb) : 0),
      },
      extack,
    );
  }
}

/** Event numbers the bus raises (CTRL_CMD_*). */
const CTRL_EVENT = { NEWFAMILY: 1, DELFAMILY: 2, NEWMCAST_GRP: 7, DELMCAST_GRP: 8 } as const;

/** The GenlInfo the bus hands to doit handlers (reused between requests). */
class MutableGenlInfo implements GenlInfo {
  net: Net;
  cred!: Credentials;
  sndPortid = 0;
  sndSeq = 0;
  nlh = 0;
  genlhdr = 0;
  cmd = 0;
  version = 0;
  attrs: NlAttrTable = EMPTY_TABLE;
  msg: Uint8Array = EMPTY_BYTES;
  extack: ExtAck = {};
  family!: GenlRegisteredFamily;
  sock!: NetlinkSocket;
  userPtr: unknown = undefined;

  constructor(net: Net) {
    this.net = net;
  }

  set(sk: NetlinkSocket, reg: GenlRegisteredFamily, msg: Uint8Array, nlh: number, attrs: NlAttrTable, extack: ExtAck): void {
    this.net = sk.net;
    this.cred = sk.cred;
    this.sock = sk;
    this.sndPortid = sk.portid;
    this.sndSeq = u32le(msg, nlh + 8);
    this.nlh = nlh;
    this.genlhdr = nlh + NLMSG_HDRLEN;
    this.cmd = msg[nlh + NLMSG_HDRLEN] ?? 0;
    this.version = msg[nlh + NLMSG_HDRLEN + 1] ?? 0;
    this.attrs = attrs;
    this.msg = msg;
    this.extack = extack;
    this.family = reg;
    this.userPtr = undefined;
  }

  /** Drops references to the request so it can be collected. */
  clear(): void {
    this.msg = EMPTY_BYTES;
    this.attrs = EMPTY_TABLE;
    this.userPtr = undefined;
  }
}

const EMPTY_BYTES = new Uint8Array(0);
const EMPTY_TABLE = new NlAttrTable(EMPTY_BYTES, 0);
function validName(name: string): boolean {
  return name.length > 0 && !name.includes('\0') && new TextEncoder().encode(name).length < GENL_NAMSIZ;
}

/** genl_validate_ops plus the sanity checks the kernel makes with WARN_ON. 0 or -EINVAL. */
function validateFamily(family: GenlFamily): number {
  if (!validName(family.name)) return -EINVAL;
  if (!isInt(family.version, 0, 0xff) || !isInt(family.hdrsize, 0, 0xffff) || !isInt(family.maxattr, 0, 0x3fff)) return -EINVAL;
  if (family.policy !== undefined && family.maxattr > family.policy.maxtype) return -EINVAL;
  if (family.policy === undefined && family.maxattr !== 0) return -EINVAL;
  const resv = family.resvStartOp ?? 0;
  const ops = family.ops;
  for (let i = 0; i < ops.length; i++) {
    const op = ops[i] as GenlOps;
    if (!isInt(op.cmd, 0, 0xff)) return -EINVAL;
    if (op.doit === undefined && op.dumpit === undefined) return -EINVAL;
    // New commands must validate strictly.
    if (op.cmd >= resv && (op.validate ?? 0) !== 0) return -EINVAL;
    if (op.maxattr !== undefined) {
      const pol = op.policy ?? family.policy;
      if (!isInt(op.maxattr, 0, 0x3fff)) return -EINVAL;
      if (op.maxattr > 0 && (pol === undefined || op.maxattr > pol.maxtype)) return -EINVAL;
    }
    for (let j = i + 1; j < ops.length; j++) if ((ops[j] as GenlOps).cmd === op.cmd) return -EINVAL;
  }
  for (const g of family.mcgrps ?? []) if (!validName(g.name)) return -EINVAL;
  return 0;
}

function isInt(v: number, min: number, max: number): boolean {
  return Number.isInteger(v) && v >= min && v <= max;
}

// ---------------------------------------------------------------------------------------------
// Message helpers (include/net/genetlink.h).
// ---------------------------------------------------------------------------------------------

/** genlmsg_new / nlmsg_new: a buffer for `payload` bytes of message (NLMSG_DEFAULT_SIZE). */
export function genlmsgNew(payload = NLMSG_DEFAULT_SIZE): NetlinkSkb {
  return new NetlinkSkb(nlmsgTotalSize(payload));
}

/**
 * genlmsg_put: opens a message of the family (nlmsghdr, genlmsghdr with the family's version,
 * zeroed family header). Returns the offset of the family header (userhdr) or -1 when the
 * buffer has no room.
 */
export function genlmsgPut(skb: NetlinkSkb, portid: number, seq: number, fam: GenlRegisteredFamily, flags: number, cmd: number): number {
  if (skb.tailroom < nlmsgTotalSize(GENL_HDRLEN + fam.hdrsize)) return -1;
  skb.put(portid, seq, fam.id, flags);
  skb.b.putGenlHeader(cmd, fam.version);
  const user = skb.b.length;
  if (fam.hdrsize > 0) skb.b.reserve(fam.hdrsize);
  return user;
}

/** genlmsg_put_reply: addressed to the requester, with its sequence number. */
export function genlmsgPutReply(skb: NetlinkSkb, info: GenlInfo, flags: number, cmd: number): number {
  return genlmsgPut(skb, info.sndPortid, info.sndSeq, info.family, flags, cmd);
}

/** genlmsg_end: false (message dropped) when it did not fit. */
export function genlmsgEnd(skb: NetlinkSkb): boolean {
  return skb.end();
}

/** genlmsg_cancel. */
export function genlmsgCancel(skb: NetlinkSkb): void {
  skb.cancel();
}

/** genlmsg_unicast: 0, -ECONNREFUSED (no such port) or -EAGAIN (queue full). */
export function genlmsgUnicast(fam: GenlRegisteredFamily, net: Net, skb: NetlinkSkb, portid: number): number {
  return fam.bus.table.unicast(net, NETLINK_GENERIC, portid, skb.b.toBytes());
}

/** genlmsg_reply: unicast to the requester. */
export function genlmsgReply(skb: NetlinkSkb, info: GenlInfo): number {
  return genlmsgUnicast(info.family, info.net, skb, info.sndPortid);
}

function groupId(fam: GenlRegisteredFamily, group: number): number {
  if (!Number.isInteger(group) || group < 0 || group >= fam.mcgrps.length) return -1;
  return fam.mcgrpOffset + group;
}

/**
 * genlmsg_multicast_netns: to the listeners of the family's group `group` (index into mcgrps)
 * in `net`, except `portid`. 0 when someone got it, -ESRCH when nobody listens, -EINVAL for a
 * bad group.
 */
export function genlmsgMulticastNetns(fam: GenlRegisteredFamily, net: Net, skb: NetlinkSkb, portid: number, group: number): number {
  const gid = groupId(fam, group);
  if (gid < 0) return -EINVAL;
  return fam.bus.table.broadcast(net, NETLINK_GENERIC, portid, gid, skb.b.toBytes());
}

/** genlmsg_multicast: to the initial namespace. */
export function genlmsgMulticast(fam: GenlRegisteredFamily, skb: NetlinkSkb, portid: number, group: number): number {
  return genlmsgMulticastNetns(fam, fam.bus.world.initNet, skb, portid, group);
}

/** genlmsg_multicast_allns: to the listeners in every namespace. */
export function genlmsgMulticastAllns(fam: GenlRegisteredFamily, skb: NetlinkSkb, portid: number, group: number): number {
  const gid = groupId(fam, group);
  if (gid < 0) return -EINVAL;
  const bytes = skb.b.toBytes();
  const table = fam.bus.table;
  let delivered = false;
  for (const net of [...table.netsOf(NETLINK_GENERIC)]) {
    if (table.broadcast(net, NETLINK_GENERIC, portid, gid, bytes) === 0) delivered = true;
  }
  return delivered ? 0 : -ESRCH;
}

/**
 * genl_notify (nlmsg_notify): to the group in the requester's namespace and, when the request
 * carried NLM_F_ECHO, to the requester too (then not twice).
 */
export function genlNotify(fam: GenlRegisteredFamily, skb: NetlinkSkb, info: GenlInfo, group: number): number {
  const gid = groupId(fam, group);
  if (gid < 0) return -EINVAL;
  const report = (u16le(info.msg, info.nlh + 6) & NLM_F_ECHO) !== 0;
  const bytes = skb.b.toBytes();
  const table = fam.bus.table;
  let err = table.broadcast(info.net, NETLINK_GENERIC, report ? info.sndPortid : 0, gid, bytes);
  if (err === -ESRCH) err = 0;
  if (report) {
    const err2 = table.unicast(info.net, NETLINK_GENERIC, info.sndPortid, bytes);
    if (err === 0) err = err2;
  }
  return err;
}

/** genl_has_listeners: somebody in `net` listens to the group. */
export function genlHasListeners(fam: GenlRegisteredFamily, net: Net, group: number): boolean {
  // Per packet on a data path (IOAM events): with no listener anywhere, one load and a compare.
  const all = fam.listeners;
  if (all.size === 0) return false;
  const gid = groupId(fam, group);
  if (gid < 0) return false;
  const set = all.get(net);
  if (set === undefined) return false;
  for (const sk of set) if (sk.isMember(gid)) return true;
  return false;
}
