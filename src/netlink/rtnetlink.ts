/**
 * The NETLINK_ROUTE dispatcher core, after Linux net/core/rtnetlink.c (6.18): the table of
 * (family, message type) -> doit / dumpit filled by rtnl_register, and rtnetlink_rcv_msg,
 * which picks the handler for each request. Concrete RTM_* handlers live with their
 * subsystems and register here.
 *
 * Per request, in Linux's order: a type above RTM_MAX is -EOPNOTSUPP; a message without even
 * the one-byte rtgenmsg is ignored (0: acked only on NLM_F_ACK); every kind but GET (the
 * message type's low two bits: NEW 0, DEL 1, GET 2, SET 3) needs CAP_NET_ADMIN over the
 * socket's namespace (-EPERM); GET with NLM_F_DUMP starts the family's dumpit (falling back to
 * PF_UNSPEC's); anything else runs the doit (same fallback); no handler: -EOPNOTSUPP. DEL with
 * NLM_F_BULK needs RTNL_FLAG_BULK_DEL_SUPPORTED ("Bulk delete is not supported").
 *
 * Not modelled: the RTNL lock (everything is synchronous) and rtnl_calcit's minimum dump size.
 */

import { CAP_NET_ADMIN, nsCapable, type Credentials } from '../net/credentials.ts';
import type { Net } from '../net/net.ts';
import { EINVAL, EMSGSIZE, ENOENT, EOPNOTSUPP, EPERM, ESRCH } from '../uapi/errno.ts';
import { NETLINK_ROUTE, NLM_F_BULK, NLM_F_DUMP, NLM_F_ECHO, NLMSG_HDRLEN } from '../uapi/netlink.ts';
import { RTM_BASE, RTM_MAX, RTNL_FAMILY_MAX, RTNLGRP_MAX } from '../uapi/rtnetlink.ts';
import { u16le, u32le } from '../wire/bytes.ts';
import type { ExtAck } from './errors.ts';
import type { NetlinkCallback, NetlinkKernelCfg, NetlinkSkb, NetlinkSocket, NetlinkTable } from './socket.ts';

/** enum rtnl_kinds: the low two bits of (type - RTM_BASE). */
export const RTNL_KIND_NEW = 0;
export const RTNL_KIND_DEL = 1;
export const RTNL_KIND_GET = 2;
export const RTNL_KIND_SET = 3;

/** enum rtnl_link_flags (include/net/rtnetlink.h). */
export const RTNL_FLAG_DOIT_UNLOCKED = 1 << 0;
export const RTNL_FLAG_BULK_DEL_SUPPORTED = 1 << 1;
export const RTNL_FLAG_DUMP_UNLOCKED = 1 << 2;
/** Send NLMSG_DONE in a batch of its own, as old dump handlers did. */
export const RTNL_FLAG_DUMP_SPLIT_NLM_DONE = 1 << 3;

export const PF_UNSPEC = 0;

/** rtnl_msgtype_kind. */
export function rtnlMsgtypeKind(msgtype: number): number {
  return (msgtype - RTM_BASE) & 3;
}

/** One request as a doit sees it (skb, nlh and extack of rtnl_doit_func). */
export interface RtnlRequest {
  readonly net: Net;
  readonly cred: Credentials;
  readonly sock: NetlinkSocket;
  /** The buffer holding the request; `nlh` is its header's offset. */
  readonly msg: Uint8Array;
  readonly nlh: number;
  readonly extack: ExtAck;
  /** NETLINK_CB(skb).portid and nlmsg_seq: where replies go. */
  readonly portid: number;
  readonly seq: number;
}

export type RtnlDoitFunc = (req: RtnlRequest) => number;
/** skb.len while more is to come, 0 when done, or a negative errno. */
export type RtnlDumpitFunc = (skb: NetlinkSkb, cb: NetlinkCallback) => number;

interface RtnlLink {
  doit: RtnlDoitFunc | undefined;
  dumpit: RtnlDumpitFunc | undefined;
  flags: number;
}

/** The rtnetlink kernel side of one World (rtnl_msg_handlers plus net->rtnl). */
export class Rtnetlink {
  readonly table: NetlinkTable;
  /** [family][msgindex]. */
  readonly #handlers: (RtnlLink | undefined)[][] = [];

  constructor(table: NetlinkTable) {
    this.table = table;
    const cfg: NetlinkKernelCfg = {
      groups: () => RTNLGRP_MAX,
      input: (sk, msg, nlh, extack) => this.rtnetlinkRcvMsg(sk, msg, nlh, extack),
    };
    table.registerKernel(NETLINK_ROUTE, cfg);
  }

  /**
   * rtnl_register: installs the doit and/or dumpit of (protocol, msgtype); given handlers
   * replace earlier ones, flags accumulate. Throws on numbers out of range (a programmer error,
   * BUG_ON in Linux).
   */
  register(protocol: number, msgtype: number, doit: RtnlDoitFunc | undefined, dumpit: RtnlDumpitFunc | undefined, flags = 0): void {
    if (!Number.isInteger(protocol) || protocol < 0 || protocol > RTNL_FAMILY_MAX) throw new RangeError(`rtnl family ${protocol}`);
    if (!Number.isInteger(msgtype) || msgtype < RTM_BASE || msgtype > RTM_MAX) throw new RangeError(`rtnl message type ${msgtype}`);
    if ((flags & RTNL_FLAG_BULK_DEL_SUPPORTED) !== 0 && rtnlMsgtypeKind(msgtype) !== RTNL_KIND_DEL) {
      throw new RangeError('RTNL_FLAG_BULK_DEL_SUPPORTED is only for DEL messages');
    }
    const row = (this.#handlers[protocol] ??= []);
    const idx = msgtype - RTM_BASE;
    const link = (row[idx] ??= { doit: undefined, dumpit: undefined, flags: 0 });
    if (doit !== undefined) link.doit = doit;
    if (dumpit !== undefined) link.dumpit = dumpit;
    link.flags |= flags;
  }

  /** rtnl_unregister: 0, or -ENOENT when nothing was registered. */
  unregister(protocol: number, msgtype: number): number {
    const row = this.#handlers[protocol];
    const idx = msgtype - RTM_BASE;
    if (row?.[idx] === undefined) return -ENOENT;
    row[idx] = undefined;
    return 0;
  }

  /** rtnl_get_link. */
  #getLink(protocol: number, type: number): RtnlLink | undefined {
    return this.#handlers[protocol]?.[type];
  }

  /** rtnetlink_rcv_msg. */
  rtnetlinkRcvMsg(sk: NetlinkSocket, msg: Uint8Array, nlh: number, extack: ExtAck): number {
    const msgtype = u16le(msg, nlh + 4);
    if (msgtype > RTM_MAX) return -EOPNOTSUPP;
    const type = msgtype - RTM_BASE;
    // Every message must carry at least the one-byte rtgenmsg.
    if (u32le(msg, nlh) - NLMSG_HDRLEN < 1) return 0;
    let family = msg[nlh + NLMSG_HDRLEN] ?? 0;
    const kind = type & 3;
    if (kind !== RTNL_KIND_GET && !nsCapable(sk.net, sk.cred, CAP_NET_ADMIN)) return -EPERM;
    const flags = u16le(msg, nlh + 6);
    if (kind === RTNL_KIND_GET && (flags & NLM_F_DUMP) !== 0) {
      let link = this.#getLink(family, type);
      if (link?.dumpit === undefined) {
        family = PF_UNSPEC;
        link = this.#getLink(PF_UNSPEC, type);
        if (link?.dumpit === undefined) return -EOPNOTSUPP;
      }
      const dumpit = link.dumpit;
      const split = (link.flags & RTNL_FLAG_DUMP_SPLIT_NLM_DONE) !== 0;
      let finished = false;
      return sk.dumpStart(
        msg,
        nlh,
        {
          // rtnl_dumpit: with SPLIT_NLM_DONE the dumpit is not called again once it said done.
          dump: (skb, cb) => {
            if (finished) return 0;
            const err = dumpit(skb, cb);
            if (!split) return err;
            if (err < 0 && err !== -EMSGSIZE) return err;
            if (err === 0) finished = true;
            return skb.len;
          },
        },
        extack,
      );
    }
    let link = this.#getLink(family, type);
    if (link?.doit === undefined) {
      link = this.#getLink(PF_UNSPEC, type);
      if (link?.doit === undefined) return -EOPNOTSUPP;
    }
    if (kind === RTNL_KIND_DEL && (flags & NLM_F_BULK) !== 0 && (link.flags & RTNL_FLAG_BULK_DEL_SUPPORTED) === 0) {
      extack.msg = 'Bulk delete is not supported';
      return -EOPNOTSUPP;
    }
    return link.doit({
      net: sk.net,
      cred: sk.cred,
      sock: sk,
      msg,
      nlh,
      extack,
      portid: sk.portid,
      seq: u32le(msg, nlh + 8),
    });
  }

  /** rtnl_unicast: 0, -ECONNREFUSED or -EAGAIN. */
  unicast(net: Net, portid: number, skb: NetlinkSkb): number {
    return this.table.unicast(net, NETLINK_ROUTE, portid, skb.b.toBytes());
  }

  /**
   * rtnl_notify (nlmsg_notify): to `group` (RTNLGRP_*) in `net`, and to the requester when its
   * request (`req`, if any) carried NLM_F_ECHO.
   */
  notify(net: Net, skb: NetlinkSkb, portid: number, group: number, req?: { readonly msg: Uint8Array; readonly nlh: number }): number {
    if (!Number.isInteger(group) || group < 0 || group > RTNLGRP_MAX) return -EINVAL;
    const report = req !== undefined && (u16le(req.msg, req.nlh + 6) & NLM_F_ECHO) !== 0;
    const bytes = skb.b.toBytes();
    let err = 0;
    if (group !== 0) {
      err = this.table.broadcast(net, NETLINK_ROUTE, report ? portid : 0, group, bytes);
      if (err === -ESRCH) err = 0;
    }
    if (report) {
      const err2 = this.table.unicast(net, NETLINK_ROUTE, portid, bytes);
      if (err === 0) err = err2;
    }
    return err;
  }
}

