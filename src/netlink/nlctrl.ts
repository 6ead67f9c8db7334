/**
 * The generic netlink controller, family "nlctrl" (net/netlink/genetlink.c, Linux 6.18):
 * CTRL_CMD_GETFAMILY by id or name and as a dump, CTRL_CMD_GETPOLICY (policy introspection,
 * net/netlink/policy.c), and the notifications sent to its "notify" group when families and
 * groups come and go. `createGenlBus` is genl_init: it creates a World's bus and registers the
 * controller with id GENL_ID_CTRL and group id GENL_ID_CTRL.
 *
 * Replies carry exactly what ctrl_fill_info puts, in its order: FAMILY_NAME, FAMILY_ID,
 * VERSION, HDRSIZE, MAXATTR, then OPS (nests numbered from 1, without NLA_F_NESTED, each
 * OP_ID and OP_FLAGS with GENL_CMD_CAP_DO/DUMP/HASPOL) and MCAST_GROUPS (each GRP_ID then
 * GRP_NAME).
 *
 * A policy dump first lists, per op that has a policy, CTRL_ATTR_OP_POLICY { cmd {
 * POLICY_DO idx, POLICY_DUMP idx } } (an op without doit is keyed 0, as the kernel's zeroed
 * split op is), then one message per described attribute: CTRL_ATTR_POLICY { policy idx {
 * attr type { NL_POLICY_TYPE_ATTR_* } } }.
 */

import {
  CTRL_ATTR_FAMILY_ID,
  CTRL_ATTR_FAMILY_NAME,
  CTRL_ATTR_HDRSIZE,
  CTRL_ATTR_MAXATTR,
  CTRL_ATTR_MCAST_GROUPS,
  CTRL_ATTR_MCAST_GRP_ID,
  CTRL_ATTR_MCAST_GRP_NAME,
  CTRL_ATTR_OP,
  CTRL_ATTR_OP_FLAGS,
  CTRL_ATTR_OP_ID,
  CTRL_ATTR_OP_POLICY,
  CTRL_ATTR_OPS,
  CTRL_ATTR_POLICY,
  CTRL_ATTR_POLICY_DO,
  CTRL_ATTR_POLICY_DUMP,
  CTRL_ATTR_VERSION,
  CTRL_CMD_DELFAMILY,
  CTRL_CMD_DELMCAST_GRP,
  CTRL_CMD_GETFAMILY,
  CTRL_CMD_GETPOLICY,
  CTRL_CMD_NEWFAMILY,
  CTRL_CMD_NEWMCAST_GRP,
  GENL_CTRL_MCGRP_NOTIFY,
  GENL_CTRL_NAME,
  GENL_CTRL_RESV_START_OP,
  GENL_CTRL_VERSION,
  GENL_DONT_VALIDATE_DUMP,
  GENL_DONT_VALIDATE_STRICT,
  GENL_NAMSIZ,
} from '../uapi/genetlink.ts';
import { EINVAL, EMSGSIZE, ENODATA, ENOENT } from '../uapi/errno.ts';
import {
  NL_ATTR_TYPE_NESTED,
  NL_ATTR_TYPE_NESTED_ARRAY,
  NL_POLICY_TYPE_ATTR_POLICY_IDX,
  NL_POLICY_TYPE_ATTR_POLICY_MAXTYPE,
  NL_POLICY_TYPE_ATTR_TYPE,
  NLA_NESTED,
  NLA_NESTED_ARRAY,
  NLA_NUL_STRING,
  NLA_U16,
  NLA_U32,
  NLM_F_MULTI,
} from '../uapi/netlink.ts';
import {
  GenlBus,
  genlmsgMulticastAllns,
  genlmsgMulticastNetns,
  genlmsgNew,
  genlmsgPut,
  genlmsgReply,
  type GenlFamily,
  type GenlInfo,
  type GenlMulticastGroup,
  type GenlOps,
  type GenlRegisteredFamily,
  type GenlSplitOp,
} from './genetlink.ts';
import type { NlMsgBuilder } from './message.ts';
import { nlaPolicyTable, writePolicyAttr, type NlAttrTable, type NlaPolicy, type NlaPolicyTable } from './policy.ts';
import type { NetlinkCallback, NetlinkSkb, NetlinkTable } from './socket.ts';

/** ctrl_policy_family: what CTRL_CMD_GETFAMILY accepts. */
export const CTRL_POLICY_FAMILY: NlaPolicyTable = nlaPolicyTable(CTRL_ATTR_FAMILY_NAME, {
  [CTRL_ATTR_FAMILY_ID]: { type: NLA_U16 },
  [CTRL_ATTR_FAMILY_NAME]: { type: NLA_NUL_STRING, len: GENL_NAMSIZ - 1 },
});

/** ctrl_policy_policy: what CTRL_CMD_GETPOLICY accepts. */
export const CTRL_POLICY_POLICY: NlaPolicyTable = nlaPolicyTable(CTRL_ATTR_OP, {
  [CTRL_ATTR_FAMILY_ID]: { type: NLA_U16 },
  [CTRL_ATTR_FAMILY_NAME]: { type: NLA_NUL_STRING, len: GENL_NAMSIZ - 1 },
  [CTRL_ATTR_OP]: { type: NLA_U32 },
});

/**
 * ctrl_fill_info: one family description message in `skb`. False (nothing left in the buffer)
 * when it did not fit.
 */
export function ctrlFillInfo(
  skb: NetlinkSkb,
  ctrl: GenlRegisteredFamily,
  fam: GenlRegisteredFamily,
  portid: number,
  seq: number,
  flags: number,
  cmd: number,
): boolean {
  if (genlmsgPut(skb, portid, seq, ctrl, flags, cmd) < 0) return false;
  const b = skb.b;
  b.putString(CTRL_ATTR_FAMILY_NAME, fam.name);
  b.putU16(CTRL_ATTR_FAMILY_ID, fam.id);
  b.putU32(CTRL_ATTR_VERSION, fam.version);
  b.putU32(CTRL_ATTR_HDRSIZE, fam.hdrsize);
  b.putU32(CTRL_ATTR_MAXATTR, fam.family.maxattr);
  const ops = fam.family.ops;
  if (ops.length > 0) {
    const nest = b.nestStartNoflag(CTRL_ATTR_OPS);
    ops.forEach((op, i) => {
      const n = b.nestStartNoflag(i + 1);
      b.putU32(CTRL_ATTR_OP_ID, op.cmd);
      b.putU32(CTRL_ATTR_OP_FLAGS, fam.opFlags(op));
      b.nestEnd(n);
    });
    b.nestEnd(nest);
  }
  const groups = fam.mcgrps;
  if (groups.length > 0) {
    const nest = b.nestStartNoflag(CTRL_ATTR_MCAST_GROUPS);
    groups.forEach((g, i) => {
      const n = b.nestStartNoflag(i + 1);
      b.putU32(CTRL_ATTR_MCAST_GRP_ID, fam.mcgrpOffset + i);
      b.putString(CTRL_ATTR_MCAST_GRP_NAME, g.name);
      b.nestEnd(n);
    });
    b.nestEnd(nest);
  }
  return skb.end();
}

/** ctrl_fill_mcgrp_info: one group of a family (CTRL_CMD_NEWMCAST_GRP / DELMCAST_GRP). */
export function ctrlFillMcgrpInfo(
  skb: NetlinkSkb,
  ctrl: GenlRegisteredFamily,
  fam: GenlRegisteredFamily,
  grp: GenlMulticastGroup,
  grpId: number,
  portid: number,
  seq: number,
  flags: number,
  cmd: number,
): boolean {
  if (genlmsgPut(skb, portid, seq, ctrl, flags, cmd) < 0) return false;
  const b = skb.b;
  b.putString(CTRL_ATTR_FAMILY_NAME, fam.name);
  b.putU16(CTRL_ATTR_FAMILY_ID, fam.id);
  const nest = b.nestStartNoflag(CTRL_ATTR_MCAST_GROUPS);
  const n = b.nestStartNoflag(1);
  b.putU32(CTRL_ATTR_MCAST_GRP_ID, grpId);
  b.putString(CTRL_ATTR_MCAST_GRP_NAME, grp.name);
  b.nestEnd(n);
  b.nestEnd(nest);
  return skb.end();
}

// ---------------------------------------------------------------------------------------------
// Policy dump state (net/netlink/policy.c, struct netlink_policy_dump_state).
// ---------------------------------------------------------------------------------------------

interface PolicyDumpState {
  readonly policies: { readonly policy: NlaPolicyTable; readonly maxtype: number }[];
  policyIdx: number;
  attrIdx: number;
}

function addPolicy(state: PolicyDumpState, policy: NlaPolicyTable | undefined, maxtype: number): void {
  if (policy === undefined || maxtype === 0) return;
  if (state.policies.some((p) => p.policy === policy && p.maxtype === maxtype)) return;
  state.policies.push({ policy, maxtype });
}

/** netlink_policy_dump_add_policy: the policy and, transitively, its nested policies. */
function policyDumpAddPolicy(state: PolicyDumpState, policy: NlaPolicyTable, maxtype: number): void {
  addPolicy(state, policy, maxtype);
  for (let i = 0; i < state.policies.length; i++) {
    const p = state.policies[i] as { policy: NlaPolicyTable; maxtype: number };
    for (let t = 0; t <= p.maxtype; t++) {
      const pt = p.policy.entries[t];
      if (pt !== undefined && (pt.type === NLA_NESTED || pt.type === NLA_NESTED_ARRAY)) addPolicy(state, pt.nestedPolicy, pt.len ?? 0);
    }
  }
}

/** netlink_policy_dump_get_policy_idx. */
function policyDumpGetPolicyIdx(state: PolicyDumpState, policy: NlaPolicyTable, maxtype: number): number {
  const i = state.policies.findIndex((p) => p.policy === policy && p.maxtype === maxtype);
  return i < 0 ? 0 : i;
}

function policyDumpFinished(state: PolicyDumpState): boolean {
  return state.policyIdx >= state.policies.length;
}

/** __netlink_policy_dump_write_attr with a state: nested types also name their policy. */
function writeAttrWithState(state: PolicyDumpState, b: NlMsgBuilder, pt: NlaPolicy, nestattr: number): boolean {
  if (pt.type !== NLA_NESTED && pt.type !== NLA_NESTED_ARRAY) return writePolicyAttr(b, pt, nestattr);
  const nest = b.nestStart(nestattr);
  const len = pt.len ?? 0;
  if (pt.nestedPolicy !== undefined && len !== 0) {
    b.putU32(NL_POLICY_TYPE_ATTR_POLICY_IDX, policyDumpGetPolicyIdx(state, pt.nestedPolicy, len));
    b.putU32(NL_POLICY_TYPE_ATTR_POLICY_MAXTYPE, len);
  }
  b.putU32(NL_POLICY_TYPE_ATTR_TYPE, pt.type === NLA_NESTED ? NL_ATTR_TYPE_NESTED : NL_ATTR_TYPE_NESTED_ARRAY);
  b.nestEnd(nest);
  return true;
}

/**
 * netlink_policy_dump_write: the next described attribute (skipping undescribed ones) as
 * { policy idx { attr { ... } } }. False when nothing was left to describe.
 */
function policyDumpWrite(b: NlMsgBuilder, state: PolicyDumpState): boolean {
  for (;;) {
    const cur = state.policies[state.policyIdx];
    if (cur === undefined) return false;
    const pt = cur.policy.entries[state.attrIdx];
    const nest = b.nestStart(state.policyIdx);
    const written = pt !== undefined && writeAttrWithState(state, b, pt, state.attrIdx);
    if (written) b.nestEnd(nest);
    else b.nestCancel(nest);
    state.attrIdx++;
    if (state.attrIdx > cur.maxtype) {
      state.attrIdx = 0;
      state.policyIdx++;
    }
    if (written) return true;
    if (policyDumpFinished(state)) return false;
  }
}

interface PolicyDumpCtx {
  readonly state: PolicyDumpState;
  readonly rt: GenlRegisteredFamily;
  readonly famId: number;
  /** The single op asked for (CTRL_ATTR_OP), or undefined for all of them. */
  readonly singleOp: number | undefined;
  /** Still listing the op -> policy index map; `opIdx` is the next op of the family. */
  dumpMap: boolean;
  opIdx: number;
}

// ---------------------------------------------------------------------------------------------
// The controller family.
// ---------------------------------------------------------------------------------------------

/** genl_get_cmd_both: the split views of `cmd`, or undefined when the family lacks it. */
function getCmdBoth(rt: GenlRegisteredFamily, cmd: number): { doit: GenlSplitOp | undefined; dumpit: GenlSplitOp | undefined } | undefined {
  const op = rt.family.ops.find((o) => o.cmd === cmd);
  if (op === undefined) return undefined;
  return rt.splitOps(op);
}

/**
 * genl_init: the bus of a World with the controller registered. The table must not have a
 * NETLINK_GENERIC kernel side yet.
 */
export function createGenlBus(table: NetlinkTable): GenlBus {
  const bus = new GenlBus(table);
  // Filled right after registration; the handlers only run later.
  const holder: { ctrl?: GenlRegisteredFamily } = {};
  const self = (): GenlRegisteredFamily => {
    if (holder.ctrl === undefined) throw new Error('nlctrl is not registered');
    return holder.ctrl;
  };

  const familyVisible = (rt: GenlRegisteredFamily, net: GenlInfo['net']): boolean => rt.netnsok || net === bus.world.initNet;

  /** ctrl_getfamily. */
  const getFamily = (info: GenlInfo): number => {
    const tb = info.attrs;
    let res: GenlRegisteredFamily | undefined;
    let err = -EINVAL;
    const id = tb.u16(CTRL_ATTR_FAMILY_ID);
    if (id !== undefined) {
      res = bus.findById(id);
      err = -ENOENT;
    }
    const name = tb.string(CTRL_ATTR_FAMILY_NAME);
    if (name !== undefined) {
      res = bus.findByName(name);
      err = -ENOENT;
    }
    if (res === undefined) return err;
    // The family does not exist in this namespace.
    if (!familyVisible(res, info.net)) return -ENOENT;
    const skb = genlmsgNew();
    if (!ctrlFillInfo(skb, self(), res, info.sndPortid, info.sndSeq, 0, CTRL_CMD_NEWFAMILY)) return -EMSGSIZE;
    return genlmsgReply(skb, info);
  };

  /** ctrl_dumpfamily: cb.args[0] counts the families already sent. */
  const dumpFamily = (skb: NetlinkSkb, cb: NetlinkCallback): number => {
    const skip = cb.args[0] ?? 0;
    let n = 0;
    for (const rt of bus.families()) {
      if (!familyVisible(rt, cb.net)) continue;
      if (n++ < skip) continue;
      if (!ctrlFillInfo(skb, self(), rt, cb.portid, cb.seq, NLM_F_MULTI, CTRL_CMD_NEWFAMILY)) {
        n--;
        break;
      }
    }
    cb.args[0] = n;
    return skb.len;
  };

  /** ctrl_dumppolicy_start. */
  const dumpPolicyStart = (cb: NetlinkCallback): number => {
    const tb = cb.genl?.attrs as NlAttrTable | undefined;
    if (tb === undefined) return -EINVAL;
    const id = tb.u16(CTRL_ATTR_FAMILY_ID);
    const name = tb.string(CTRL_ATTR_FAMILY_NAME);
    if (id === undefined && name === undefined) return -EINVAL;
    let famId: number;
    if (id !== undefined) {
      famId = id;
    } else {
      const byName = bus.findByName(name ?? '');
      if (byName === undefined) return -ENOENT;
      famId = byName.id;
    }
    const rt = bus.findById(famId);
    if (rt === undefined) return -ENOENT;
    let state: PolicyDumpState | undefined;
    const add = (op: GenlSplitOp | undefined): void => {
      if (op?.policy === undefined) return;
      state ??= { policies: [], policyIdx: 0, attrIdx: 0 };
      policyDumpAddPolicy(state, op.policy, op.maxattr);
    };
    const opNum = tb.u32(CTRL_ATTR_OP);
    if (opNum !== undefined) {
      const both = getCmdBoth(rt, opNum);
      if (both === undefined) {
        cb.extack.badAttrOffset = tb.offset(CTRL_ATTR_OP);
        return -ENOENT;
      }
      add(both.doit);
      add(both.dumpit);
      if (state === undefined) return -ENODATA;
      cb.data = { state, rt, famId, singleOp: opNum, dumpMap: true, opIdx: 0 } satisfies PolicyDumpCtx;
      return 0;
    }
    for (const op of rt.family.ops) {
      const s = rt.splitOps(op);
      add(s.doit);
      add(s.dumpit);
    }
    if (state === undefined) return -ENODATA;
    cb.data = { state, rt, famId, singleOp: undefined, dumpMap: rt.family.ops.length > 0, opIdx: 0 } satisfies PolicyDumpCtx;
    return 0;
  };

  /** ctrl_dumppolicy_prep: the message header and CTRL_ATTR_FAMILY_ID. */
  const prep = (skb: NetlinkSkb, cb: NetlinkCallback, ctx: PolicyDumpCtx): boolean => {
    if (genlmsgPut(skb, cb.portid, cb.seq, self(), NLM_F_MULTI, CTRL_CMD_GETPOLICY) < 0) return false;
    skb.b.putU16(CTRL_ATTR_FAMILY_ID, ctx.famId);
    return true;
  };

  /** ctrl_dumppolicy_put_op: false when the batch is full. */
  const putOp = (skb: NetlinkSkb, cb: NetlinkCallback, ctx: PolicyDumpCtx, doit: GenlSplitOp | undefined, dumpit: GenlSplitOp | undefined): boolean => {
    if (doit?.policy === undefined && dumpit?.policy === undefined) return true;
    if (!prep(skb, cb, ctx)) return false;
    const b = skb.b;
    const pol = b.nestStart(CTRL_ATTR_OP_POLICY);
    // The kernel keys the entry by the doit's cmd, 0 when the op has no doit.
    const opNest = b.nestStart(doit?.cmd ?? 0);
    if (doit?.policy !== undefined) b.putU32(CTRL_ATTR_POLICY_DO, policyDumpGetPolicyIdx(ctx.state, doit.policy, doit.maxattr));
    if (dumpit?.policy !== undefined) b.putU32(CTRL_ATTR_POLICY_DUMP, policyDumpGetPolicyIdx(ctx.state, dumpit.policy, dumpit.maxattr));
    b.nestEnd(opNest);
    b.nestEnd(pol);
    return skb.end();
  };

  /** ctrl_dumppolicy. */
  const dumpPolicy = (skb: NetlinkSkb, cb: NetlinkCallback): number => {
    const ctx = cb.data as PolicyDumpCtx;
    if (ctx.dumpMap) {
      if (ctx.singleOp !== undefined) {
        const both = getCmdBoth(ctx.rt, ctx.singleOp);
        if (both === undefined) return -ENOENT;
        if (!putOp(skb, cb, ctx, both.doit, both.dumpit)) return skb.len;
        ctx.dumpMap = false;
      }
      const ops = ctx.rt.family.ops;
      while (ctx.dumpMap) {
        const op = ops[ctx.opIdx] as GenlOps;
        const s = ctx.rt.splitOps(op);
        if (!putOp(skb, cb, ctx, s.doit, s.dumpit)) return skb.len;
        ctx.opIdx++;
        ctx.dumpMap = ctx.opIdx < ops.length;
      }
    }
    const state = ctx.state;
    while (!policyDumpFinished(state)) {
      const saved = { policyIdx: state.policyIdx, attrIdx: state.attrIdx };
      if (!prep(skb, cb, ctx)) return skb.len;
      const nest = skb.b.nestStart(CTRL_ATTR_POLICY);
      if (!policyDumpWrite(skb.b, state)) {
        skb.cancel();
        return skb.len;
      }
      skb.b.nestEnd(nest);
      if (!skb.end()) {
        // Not sent: describe the same attribute again in the next batch.
        state.policyIdx = saved.policyIdx;
        state.attrIdx = saved.attrIdx;
        return skb.len;
      }
    }
    return skb.len;
  };

  const ops: GenlOps[] = [
    {
      cmd: CTRL_CMD_GETFAMILY,
      validate: GENL_DONT_VALIDATE_STRICT | GENL_DONT_VALIDATE_DUMP,
      policy: CTRL_POLICY_FAMILY,
      maxattr: CTRL_ATTR_FAMILY_NAME,
      doit: getFamily,
      dumpit: dumpFamily,
    },
    {
      cmd: CTRL_CMD_GETPOLICY,
      policy: CTRL_POLICY_POLICY,
      maxattr: CTRL_ATTR_OP,
      start: dumpPolicyStart,
      dumpit: dumpPolicy,
      done: () => 0,
    },
  ];
  const family: GenlFamily = {
    name: GENL_CTRL_NAME,
    version: GENL_CTRL_VERSION,
    hdrsize: 0,
    maxattr: 0,
    netnsok: true,
    ops,
    mcgrps: [{ name: GENL_CTRL_MCGRP_NOTIFY }],
    resvStartOp: GENL_CTRL_RESV_START_OP,
  };
  bus.ctrlFamily = family;
  const reg = bus.registerFamily(family);
  if (typeof reg === 'number') throw new Error(`cannot register nlctrl: errno ${-reg}`);
  holder.ctrl = reg;

  /** genl_ctrl_event: to "notify" in every namespace, or only the initial one for families that are not netnsok. */
  bus.ctrlEvent = (event, fam, grp, grpId) => {
    const skb = genlmsgNew();
    let filled: boolean;
    switch (event) {
      case CTRL_CMD_NEWFAMILY:
      case CTRL_CMD_DELFAMILY:
        filled = ctrlFillInfo(skb, reg, fam, 0, 0, 0, event);
        break;
      case CTRL_CMD_NEWMCAST_GRP:
      case CTRL_CMD_DELMCAST_GRP:
        if (grp === undefined || grpId === undefined) return;
        filled = ctrlFillMcgrpInfo(skb, reg, fam, grp, grpId, 0, 0, 0, event);
        break;
      default:
        return;
    }
    if (!filled) return;
    if (!fam.netnsok) genlmsgMulticastNetns(reg, bus.world.initNet, skb, 0, 0);
    else genlmsgMulticastAllns(reg, skb, 0, 0);
  };
  return bus;
}

