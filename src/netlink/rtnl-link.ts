/**
 * RTM_NEWLINK / RTM_DELLINK / RTM_GETLINK, after Linux 6.18 net/core/rtnetlink.c (rtnl_newlink,
 * do_setlink, rtnl_dellink, rtnl_getlink, rtnl_dump_ifinfo, rtnl_fill_ifinfo, rtnetlink_event)
 * and the newlink of drivers/net/veth.c and dummy.c.
 *
 * Requests are parsed liberally against ifla_policy, as the kernel does for these old message
 * types. Creation needs NLM_F_CREATE and an IFLA_LINKINFO kind ("dummy" or "veth"; "tun" is
 * refused as tun.c does: tun devices come from /dev/net/tun). An existing device with
 * NLM_F_EXCL is EEXIST, with NLM_F_REPLACE EOPNOTSUPP; otherwise the request changes it in
 * do_setlink's order (namespace, address, MTU, group, name, alias, flags, txqueuelen), and like
 * the kernel it does not roll back changes made before a later step fails.
 *
 * Namespaces. v6stack has no file descriptors or processes, so the target namespace of
 * IFLA_NET_NS_PID is the v6stack namespace whose `Net.id` is the value (the "process" is the
 * namespace's own init); unknown ids are ESRCH, as get_net_ns_by_pid says for a missing pid.
 * IFLA_NET_NS_FD can name nothing and is EBADF. `ip link set dev X netns NAME` therefore sends
 * IFLA_NET_NS_PID with the id the client resolved NAME to (see iproute/link.ts).
 *
 * The reply and dump message carries the attributes Linux 6.18 sends for these kinds, in its
 * order (checked against a veth, a tun and lo of this machine's kernel): IFNAME, TXQLEN,
 * OPERSTATE, LINKMODE, NETNS_IMMUTABLE, MTU, MIN_MTU, MAX_MTU, GROUP, PROMISCUITY, ALLMULTI,
 * NUM_TX_QUEUES, GSO_MAX_SEGS, GSO_MAX_SIZE, GRO_MAX_SIZE, GSO_IPV4_MAX_SIZE, GRO_IPV4_MAX_SIZE,
 * TSO_MAX_SIZE, TSO_MAX_SEGS, MAX_PACING_OFFLOAD_HORIZON, NUM_RX_QUEUES, CARRIER,
 * CARRIER_CHANGES, CARRIER_UP_COUNT, CARRIER_DOWN_COUNT, HEADROOM, TAILROOM, PROTO_DOWN,
 * IFALIAS, ADDRESS, BROADCAST, STATS64, STATS, XDP, LINKINFO, LINK, QDISC, AF_SPEC, MAP,
 * DEVLINK_PORT, DPLL_PIN, with LINK_NETNSID before LINK for a veth whose peer is in another
 * namespace (its netnsid in the namespace of the message, net.ts). Omitted: AF_SPEC members of
 * families nobody registered (v6stack has no AF_INET: only addrconf's AF_INET6 nest appears).
 * Every device has one transmit and one receive queue (a veth on Linux has one per CPU).
 *
 * Notifications (rtnetlink_event, rtmsg_ifinfo) go to RTNLGRP_LINK: RTM_NEWLINK on register,
 * up, down, carrier change, MTU, name, address and txqueuelen changes; RTM_DELLINK on
 * unregister (also in the old namespace of a device that moves).
 *
 * Not modelled: IFLA_TARGET_NETNSID, IFLA_NEW_NETNSID in the RTM_DELLINK of a device that
 * moves, group-wide changes (a request naming only
 * IFLA_GROUP is ENODEV), dump filters (IFLA_MASTER, kind), alternative names, VF and port info.
 */

import { CAP_NET_ADMIN, nsCapable } from '../net/credentials.ts';
import { ARPHRD_ETHER, DummyDevice, ethHwAddrRandom, TunDevice, VethDevice } from '../net/device-kinds.ts';
import type { Net, World } from '../net/net.ts';
import {
  type DeviceTable,
  LINK_STATS64_FIELDS,
  NETDEV_CHANGE,
  NETDEV_CHANGEADDR,
  NETDEV_CHANGEMTU,
  NETDEV_CHANGENAME,
  NETDEV_CHANGE_TX_QUEUE_LEN,
  NETDEV_DOWN,
  NETDEV_REGISTER,
  NETDEV_UNREGISTER,
  NETDEV_UP,
  NET_ADDR_SET,
  type NetDevice,
  type NetdevCore,
} from '../net/netdevice.ts';
import { EADDRNOTAVAIL, EBADF, EEXIST, EINVAL, EMSGSIZE, ENODEV, EOPNOTSUPP, EPERM, ESRCH } from '../uapi/errno.ts';
import { IFALIASZ, IFNAMSIZ } from '../uapi/if.ts';
import {
  IFLA_ADDRESS,
  IFLA_AF_SPEC,
  IFLA_ALLMULTI,
  IFLA_ALT_IFNAME,
  IFLA_BROADCAST,
  IFLA_CARRIER,
  IFLA_CARRIER_CHANGES,
  IFLA_CARRIER_DOWN_COUNT,
  IFLA_CARRIER_UP_COUNT,
  IFLA_DEVLINK_PORT,
  IFLA_DPLL_PIN,
  IFLA_EXT_MASK,
  IFLA_GRO_IPV4_MAX_SIZE,
  IFLA_GRO_MAX_SIZE,
  IFLA_GROUP,
  IFLA_GSO_IPV4_MAX_SIZE,
  IFLA_GSO_MAX_SEGS,
  IFLA_GSO_MAX_SIZE,
  IFLA_HEADROOM,
  IFLA_IFALIAS,
  IFLA_IFNAME,
  IFLA_INFO_DATA,
  IFLA_INFO_KIND,
  IFLA_INFO_MAX,
  IFLA_INFO_SLAVE_DATA,
  IFLA_INFO_SLAVE_KIND,
  IFLA_LINK,
  IFLA_LINK_NETNSID,
  IFLA_LINKINFO,
  IFLA_LINKMODE,
  IFLA_MAP,
  IFLA_MASTER,
  IFLA_MAX,
  IFLA_MAX_MTU,
  IFLA_MAX_PACING_OFFLOAD_HORIZON,
  IFLA_MIN_MTU,
  IFLA_MTU,
  IFLA_NET_NS_FD,
  IFLA_NET_NS_PID,
  IFLA_NETNS_IMMUTABLE,
  IFLA_NEW_IFINDEX,
  IFLA_NUM_RX_QUEUES,
  IFLA_NUM_TX_QUEUES,
  IFLA_OPERSTATE,
  IFLA_PERM_ADDRESS,
  IFLA_PROMISCUITY,
  IFLA_PROTINFO,
  IFLA_PROTO_DOWN,
  IFLA_QDISC,
  IFLA_STATS,
  IFLA_STATS64,
  IFLA_TAILROOM,
  IFLA_TARGET_NETNSID,
  IFLA_TSO_MAX_SEGS,
  IFLA_TSO_MAX_SIZE,
  IFLA_TXQLEN,
  IFLA_WEIGHT,
  IFLA_XDP,
  RTNL_LINK_STATS64_SIZE,
  RTNL_LINK_STATS_SIZE,
  VETH_INFO_MAX,
  VETH_INFO_PEER,
} from '../uapi/if_link.ts';
import { NL_VALIDATE_LIBERAL, NLA_BINARY, NLA_NESTED, NLA_REJECT, NLA_S32, NLA_STRING, NLA_U32, NLA_U8, NLM_F_CREATE, NLM_F_EXCL, NLM_F_MULTI, NLM_F_REPLACE, NLMSG_HDRLEN } from '../uapi/netlink.ts';
import { IFINFOMSG_SIZE, RTM_DELLINK, RTM_GETLINK, RTM_NEWLINK, RTNLGRP_LINK } from '../uapi/rtnetlink.ts';
import { setU16le, setU32le, u16le, u32le } from '../wire/bytes.ts';
import type { ExtAck } from './errors.ts';
import { NlAttrTable, nlaParse, nlaPolicyMin, nlaPolicyTable, nlmsgParse, type NlaPolicyTable } from './policy.ts';
import { PF_UNSPEC, RTNL_FLAG_DUMP_SPLIT_NLM_DONE, type Rtnetlink, type RtnlRequest } from './rtnetlink.ts';
import { NLMSG_GOODSIZE, NetlinkSkb, nlDumpCheckConsistent, type NetlinkCallback } from './socket.ts';
import { nlaDataOffset, nlaLen } from './message.ts';

/** MAX_ADDR_LEN (include/linux/netdevice.h). */
export const MAX_ADDR_LEN = 32;
/** ALTIFNAMSIZ (include/uapi/linux/if.h). */
const ALTIFNAMSIZ = 128;
/** GSO_MAX_SEGS and the legacy 64 KiB sizes every device starts with (include/linux/netdevice.h). */
const GSO_MAX_SEGS = 65535;
const GSO_LEGACY_MAX_SIZE = 65536;
/** GSO_MAX_SIZE = 512 KiB - 8: the TSO limit of software devices that lift it (veth, lo). */
const GSO_MAX_SIZE = 524280;
/** sizeof(struct rtnl_link_ifmap) on LP64 (three u64, u16, two u8, padding). */
const RTNL_LINK_IFMAP_SIZE = 32;
/** include/uapi/linux/if_link.h IFLA_XDP_ATTACHED and XDP_ATTACHED_NONE. */
const IFLA_XDP_ATTACHED = 2;
const XDP_ATTACHED_NONE = 0;
/** include/uapi/linux/if_tun.h IFLA_TUN_* (inside IFLA_INFO_DATA of a tun). */
const IFLA_TUN_TYPE = 3;
const IFLA_TUN_PI = 4;
const IFLA_TUN_VNET_HDR = 5;
const IFLA_TUN_PERSIST = 6;
const IFLA_TUN_MULTI_QUEUE = 7;
/** The tun flags field value of IFF_TUN (TUN_TYPE_MASK bits). */
const IFF_TUN = 0x0001;
const IFF_NO_PI = 0x1000;

/** ifla_policy: the entries of the 6.18 table for the attributes v6stack reads or rejects. */
export const IFLA_POLICY: NlaPolicyTable = nlaPolicyTable(IFLA_MAX, {
  [IFLA_IFNAME]: { type: NLA_STRING, len: IFNAMSIZ - 1 },
  [IFLA_ADDRESS]: { type: NLA_BINARY, len: MAX_ADDR_LEN },
  [IFLA_BROADCAST]: { type: NLA_BINARY, len: MAX_ADDR_LEN },
  [IFLA_MAP]: { type: 0, len: RTNL_LINK_IFMAP_SIZE },
  [IFLA_MTU]: { type: NLA_U32 },
  [IFLA_LINK]: { type: NLA_U32 },
  [IFLA_MASTER]: { type: NLA_U32 },
  [IFLA_CARRIER]: { type: NLA_U8 },
  [IFLA_TXQLEN]: { type: NLA_U32 },
  [IFLA_WEIGHT]: { type: NLA_U32 },
  [IFLA_OPERSTATE]: { type: NLA_U8 },
  [IFLA_LINKMODE]: { type: NLA_U8 },
  [IFLA_LINKINFO]: { type: NLA_NESTED },
  [IFLA_NET_NS_PID]: { type: NLA_U32 },
  [IFLA_NET_NS_FD]: { type: NLA_U32 },
  [IFLA_IFALIAS]: { type: NLA_STRING, len: IFALIASZ - 1 },
  [IFLA_AF_SPEC]: { type: NLA_NESTED },
  [IFLA_EXT_MASK]: { type: NLA_U32 },
  [IFLA_PROMISCUITY]: { type: NLA_U32 },
  [IFLA_NUM_TX_QUEUES]: { type: NLA_U32 },
  [IFLA_NUM_RX_QUEUES]: { type: NLA_U32 },
  [IFLA_GSO_MAX_SEGS]: { type: NLA_U32 },
  [IFLA_GSO_MAX_SIZE]: { type: NLA_U32 },
  [IFLA_GROUP]: { type: NLA_U32 },
  [IFLA_LINK_NETNSID]: { type: NLA_S32 },
  [IFLA_PROTO_DOWN]: { type: NLA_U8 },
  [IFLA_XDP]: { type: NLA_NESTED },
  [IFLA_TARGET_NETNSID]: { type: NLA_S32 },
  [IFLA_CARRIER_CHANGES]: { type: NLA_U32 },
  [IFLA_NEW_IFINDEX]: nlaPolicyMin(NLA_S32, 1),
  [IFLA_MIN_MTU]: { type: NLA_U32 },
  [IFLA_MAX_MTU]: { type: NLA_U32 },
  [IFLA_ALT_IFNAME]: { type: NLA_STRING, len: ALTIFNAMSIZ - 1 },
  [IFLA_PERM_ADDRESS]: { type: NLA_REJECT },
  [IFLA_ALLMULTI]: { type: NLA_REJECT },
  [IFLA_GSO_IPV4_MAX_SIZE]: nlaPolicyMin(NLA_U32, 1),
  [IFLA_GRO_IPV4_MAX_SIZE]: nlaPolicyMin(NLA_U32, 1),
  [IFLA_GRO_MAX_SIZE]: { type: NLA_U32 },
  [IFLA_TSO_MAX_SIZE]: { type: NLA_REJECT },
  [IFLA_TSO_MAX_SEGS]: { type: NLA_REJECT },
  [IFLA_NETNS_IMMUTABLE]: { type: NLA_REJECT },
  [IFLA_HEADROOM]: { type: NLA_REJECT },
  [IFLA_TAILROOM]: { type: NLA_REJECT },
});

/** ifla_info_policy. */
const IFLA_INFO_POLICY: NlaPolicyTable = nlaPolicyTable(IFLA_INFO_MAX, {
  [IFLA_INFO_KIND]: { type: NLA_STRING },
  [IFLA_INFO_DATA]: { type: NLA_NESTED },
  [IFLA_INFO_SLAVE_KIND]: { type: NLA_STRING },
  [IFLA_INFO_SLAVE_DATA]: { type: NLA_NESTED },
});

/** veth_policy: the peer is at least an ifinfomsg. */
const VETH_POLICY: NlaPolicyTable = nlaPolicyTable(VETH_INFO_MAX, { [VETH_INFO_PEER]: { type: 0, len: IFINFOMSG_SIZE } });

/** One address family's part of IFLA_AF_SPEC (struct rtnl_af_ops.fill_link_af). */
export interface RtnlAfOps {
  readonly family: number;
  /** Writes the family's attributes into the open nest; false when there is nothing (nest dropped). */
  fillLinkAf(skb: NetlinkSkb, dev: NetDevice): boolean;
}

/** What registerRtnlLink needs from the kernel. */
export interface RtnlLinkKernel {
  readonly world: World;
  readonly rtnl: Rtnetlink;
  readonly netdev: NetdevCore;
}

/** The link part of rtnetlink: its handlers, the AF_SPEC providers, notifications. */
export class RtnlLink {
  readonly kernel: RtnlLinkKernel;
  /** rtnl_af_ops, in registration order. */
  readonly afOps: RtnlAfOps[] = [];

  constructor(kernel: RtnlLinkKernel) {
    this.kernel = kernel;
  }

  /** rtnl_af_register. */
  registerAf(ops: RtnlAfOps): void {
    this.afOps.push(ops);
  }

  /**
   * rtnl_fill_ifinfo: one RTM_NEWLINK/RTM_DELLINK message about `dev` into `skb`. Returns false
   * (nothing left in the skb) when it does not fit.
   */
  fillIfinfo(skb: NetlinkSkb, dev: NetDevice, type: number, portid: number, seq: number, change: number, flags: number): boolean {
    if (skb.put(portid, seq, type, flags) < 0) return false;
    const b = skb.b;
    const h = b.reserve(IFINFOMSG_SIZE);
    const buf = b.buffer;
    buf[h] = PF_UNSPEC;
    buf[h + 1] = 0;
    setU16le(buf, h + 2, dev.type);
    setU32le(buf, h + 4, dev.ifindex);
    setU32le(buf, h + 8, dev.getFlags());
    setU32le(buf, h + 12, change >>> 0);
    b.putString(IFLA_IFNAME, dev.name);
    b.putU32(IFLA_TXQLEN, dev.txQueueLen);
    b.putU8(IFLA_OPERSTATE, dev.reportedOperstate);
    b.putU8(IFLA_LINKMODE, dev.linkMode);
    b.putU8(IFLA_NETNS_IMMUTABLE, dev.netnsImmutable ? 1 : 0);
    b.putU32(IFLA_MTU, dev.mtu);
    b.putU32(IFLA_MIN_MTU, dev.minMtu);
    b.putU32(IFLA_MAX_MTU, dev.maxMtu);
    b.putU32(IFLA_GROUP, dev.group);
    b.putU32(IFLA_PROMISCUITY, 0);
    b.putU32(IFLA_ALLMULTI, 0);
    b.putU32(IFLA_NUM_TX_QUEUES, 1);
    b.putU32(IFLA_GSO_MAX_SEGS, GSO_MAX_SEGS);
    b.putU32(IFLA_GSO_MAX_SIZE, GSO_LEGACY_MAX_SIZE);
    b.putU32(IFLA_GRO_MAX_SIZE, GSO_LEGACY_MAX_SIZE);
    b.putU32(IFLA_GSO_IPV4_MAX_SIZE, GSO_LEGACY_MAX_SIZE);
    b.putU32(IFLA_GRO_IPV4_MAX_SIZE, GSO_LEGACY_MAX_SIZE);
    b.putU32(IFLA_TSO_MAX_SIZE, tsoMaxSize(dev));
    b.putU32(IFLA_TSO_MAX_SEGS, GSO_MAX_SEGS);
    b.putUint(IFLA_MAX_PACING_OFFLOAD_HORIZON, 0);
    b.putU32(IFLA_NUM_RX_QUEUES, 1);
    b.putU8(IFLA_CARRIER, dev.carrierOk ? 1 : 0);
    b.putU32(IFLA_CARRIER_CHANGES, (dev.carrierUpCount + dev.carrierDownCount) >>> 0);
    b.putU32(IFLA_CARRIER_UP_COUNT, dev.carrierUpCount >>> 0);
    b.putU32(IFLA_CARRIER_DOWN_COUNT, dev.carrierDownCount >>> 0);
    b.putU16(IFLA_HEADROOM, 0);
    b.putU16(IFLA_TAILROOM, 0);
    b.putU8(IFLA_PROTO_DOWN, 0);
    if (dev.ifalias !== null) b.putString(IFLA_IFALIAS, dev.ifalias);
    if (dev.addrLen > 0) {
      b.put(IFLA_ADDRESS, dev.devAddr);
      b.put(IFLA_BROADCAST, dev.broadcast);
    }
    putStats(skb, dev);
    const xdp = b.nestStart(IFLA_XDP);
    b.putU8(IFLA_XDP_ATTACHED, XDP_ATTACHED_NONE);
    b.nestEnd(xdp);
    if (dev.linkOps) {
      const li = b.nestStart(IFLA_LINKINFO);
      b.putString(IFLA_INFO_KIND, dev.kind);
      if (dev instanceof TunDevice) {
        const data = b.nestStart(IFLA_INFO_DATA);
        b.putU8(IFLA_TUN_TYPE, dev.tunFlags & IFF_TUN);
        b.putU8(IFLA_TUN_PI, (dev.tunFlags & IFF_NO_PI) !== 0 ? 0 : 1);
        b.putU8(IFLA_TUN_VNET_HDR, 0);
        b.putU8(IFLA_TUN_PERSIST, dev.persist ? 1 : 0);
        b.putU8(IFLA_TUN_MULTI_QUEUE, 0);
        b.nestEnd(data);
      }
      b.nestEnd(li);
    }
    // rtnl_fill_link_netnsid: a link in another namespace is named by its netnsid here, and then
    // IFLA_LINK is sent even when the two ifindexes are equal.
    const linkNet = getLinkNet(dev);
    let forceLink = false;
    if (linkNet !== undefined && linkNet !== dev.net) {
      b.putS32(IFLA_LINK_NETNSID, dev.net.peernet2idAlloc(linkNet));
      forceLink = true;
    }
    const iflink = dev.iflink;
    if (forceLink || iflink !== dev.ifindex) b.putU32(IFLA_LINK, iflink);
    b.putString(IFLA_QDISC, dev.qdisc);
    const af = b.nestStart(IFLA_AF_SPEC);
    for (const ops of this.afOps) {
      const nest = b.nestStart(ops.family);
      if (ops.fillLinkAf(skb, dev)) b.nestEnd(nest);
      else b.nestCancel(nest);
    }
    b.nestEnd(af);
    b.put(IFLA_MAP, new Uint8Array(RTNL_LINK_IFMAP_SIZE));
    b.nestEnd(b.nestStart(IFLA_DEVLINK_PORT));
    b.nestEnd(b.nestStart(IFLA_DPLL_PIN));
    return skb.end();
  }

  /** rtmsg_ifinfo: tells RTNLGRP_LINK of `net` about `dev`. */
  notify(net: Net, type: number, dev: NetDevice, change: number): void {
    const skb = new NetlinkSkb(NLMSG_GOODSIZE * 4);
    if (!this.fillIfinfo(skb, dev, type, 0, 0, change, 0)) return;
    this.kernel.rtnl.notify(net, skb, 0, RTNLGRP_LINK);
  }
}

/** rtnl_link_ops->get_link_net: a veth's is its peer's namespace; other kinds have none. */
function getLinkNet(dev: NetDevice): Net | undefined {
  if (!(dev instanceof VethDevice)) return undefined;
  return dev.peer?.net ?? dev.net;
}

/** netif_set_tso_max_size of each kind (tun keeps the 64 KiB default). */
function tsoMaxSize(dev: NetDevice): number {
  return dev.kind === 'tun' ? GSO_LEGACY_MAX_SIZE : GSO_MAX_SIZE;
}

/** IFLA_STATS64 then IFLA_STATS (rtnl_fill_stats). */
function putStats(skb: NetlinkSkb, dev: NetDevice): void {
  const b = skb.b;
  const at64 = b.nlaReserve(IFLA_STATS64, RTNL_LINK_STATS64_SIZE);
  const buf64 = b.buffer;
  LINK_STATS64_FIELDS.forEach((f, i) => {
    const v = dev.stats[f];
    setU32le(buf64, at64 + 4 + i * 8, v % 0x1_0000_0000);
    setU32le(buf64, at64 + 8 + i * 8, Math.floor(v / 0x1_0000_0000));
  });
  const at32 = b.nlaReserve(IFLA_STATS, RTNL_LINK_STATS_SIZE);
  const buf = b.buffer;
  // struct rtnl_link_stats has the first 24 counters, truncated to 32 bits.
  for (let i = 0; i < RTNL_LINK_STATS_SIZE / 4; i++) {
    const f = LINK_STATS64_FIELDS[i];
    setU32le(buf, at32 + 4 + i * 4, f === undefined ? 0 : dev.stats[f] % 0x1_0000_0000);
  }
}

// ---------------------------------------------------------------------------------------------
// Requests

interface Ifinfomsg {
  readonly family: number;
  readonly type: number;
  readonly index: number;
  readonly flags: number;
  readonly change: number;
}

function readIfinfomsg(b: Uint8Array, at: number): Ifinfomsg {
  return {
    family: b[at] ?? 0,
    type: u16le(b, at + 2),
    index: u32le(b, at + 4) | 0,
    flags: u32le(b, at + 8),
    change: u32le(b, at + 12),
  };
}

type Parsed = { readonly ifm: Ifinfomsg; readonly tb: NlAttrTable };

/** nlmsg_parse_deprecated(nlh, sizeof(struct ifinfomsg), tb, IFLA_MAX, ifla_policy). */
function parseLinkMsg(req: { readonly msg: Uint8Array; readonly nlh: number }, extack: ExtAck): Parsed | number {
  const r = nlmsgParse(req.msg, req.nlh, IFINFOMSG_SIZE, IFLA_MAX, IFLA_POLICY, NL_VALIDATE_LIBERAL, extack);
  if (!r.ok) return r.error.err;
  return { ifm: readIfinfomsg(req.msg, req.nlh + NLMSG_HDRLEN), tb: r.value };
}

/** rtnl_ensure_unique_netns. */
function ensureUniqueNetns(tb: NlAttrTable, extack: ExtAck): number {
  let n = 0;
  for (const t of [IFLA_NET_NS_PID, IFLA_NET_NS_FD, IFLA_TARGET_NETNSID]) if (tb.has(t)) n++;
  if (n > 1) {
    extack.msg = 'multiple netns identifying attributes specified';
    return -EINVAL;
  }
  return 0;
}

/**
 * rtnl_link_get_net_capable: the namespace IFLA_NET_NS_PID names (see the module comment), or
 * undefined when none is named; a negative errno when it is unknown or not ours to use.
 */
function targetNet(world: World, req: RtnlRequest, tb: NlAttrTable): Net | undefined | number {
  if (tb.has(IFLA_NET_NS_FD)) return -EBADF;
  const id = tb.u32(IFLA_NET_NS_PID);
  if (id === undefined) return undefined;
  const net = world.byId(id);
  if (net === undefined || !net.alive) return -ESRCH;
  if (!nsCapable(net, req.cred, CAP_NET_ADMIN)) return -EPERM;
  return net;
}

function isValidEtherAddr(a: Uint8Array): boolean {
  return ((a[0] ?? 0) & 1) === 0 && a.some((x) => x !== 0);
}

/** What a create request asks of one device (rtnl_create_link's attributes). */
interface CreateArgs {
  readonly name: string | undefined;
  readonly ifindex: number;
  readonly tb: NlAttrTable;
}

export class RtnlLinkHandlers {
  readonly link: RtnlLink;

  constructor(link: RtnlLink) {
    this.link = link;
  }

  get #core(): NetdevCore {
    return this.link.kernel.netdev;
  }

  /** rtnl_dev_get: by ifindex if given, else by IFLA_IFNAME. */
  #lookup(table: DeviceTable, ifm: Ifinfomsg, tb: NlAttrTable): NetDevice | undefined {
    if (ifm.index > 0) return table.getByIndex(ifm.index);
    const name = tb.string(IFLA_IFNAME);
    if (name !== undefined && name !== '') return table.getByName(name);
    return undefined;
  }

  /** rtnl_newlink. */
  newlink(req: RtnlRequest): number {
    const p = parseLinkMsg(req, req.extack);
    if (typeof p === 'number') return p;
    const { ifm, tb } = p;
    const uniq = ensureUniqueNetns(tb, req.extack);
    if (uniq < 0) return uniq;
    if (tb.has(IFLA_TARGET_NETNSID)) return -EOPNOTSUPP;
    const table = this.#core.table(req.net);
    const dev = this.#lookup(table, ifm, tb);
    let kind: string | undefined;
    let infoData = -1;
    const li = tb.offset(IFLA_LINKINFO);
    if (li >= 0) {
      const linfo = nlaParse(req.msg, nlaDataOffset(li), nlaLen(req.msg, li), IFLA_INFO_MAX, IFLA_INFO_POLICY, NL_VALIDATE_LIBERAL, req.extack);
      if (!linfo.ok) return linfo.error.err;
      kind = linfo.value.string(IFLA_INFO_KIND);
      infoData = linfo.value.offset(IFLA_INFO_DATA);
    }
    const flags = u16le(req.msg, req.nlh + 6);
    if (dev !== undefined) {
      if ((flags & NLM_F_EXCL) !== 0) return -EEXIST;
      if ((flags & NLM_F_REPLACE) !== 0) return -EOPNOTSUPP;
      // rtnl_changelink: kind data only for a device of that kind with a changelink (none here).
      if (infoData >= 0) return -EOPNOTSUPP;
      return this.#core.rtnl(() => this.doSetlink(req, dev, ifm, tb));
    }
    if ((flags & NLM_F_CREATE) === 0) return -ENODEV;
    if (tb.has(IFLA_MAP) || tb.has(IFLA_PROTINFO)) return -EOPNOTSUPP;
    if (kind !== 'dummy' && kind !== 'veth' && kind !== 'tun') {
      req.extack.msg = 'Unknown device type';
      return -EOPNOTSUPP;
    }
    if (kind === 'tun') {
      req.extack.msg = 'tun/tap creation via rtnetlink is not supported.';
      return -EOPNOTSUPP;
    }
    const dest = targetNet(this.link.kernel.world, req, tb);
    if (typeof dest === 'number') return dest;
    const destTable = dest === undefined ? table : this.#core.table(dest);
    const args: CreateArgs = { name: tb.string(IFLA_IFNAME), ifindex: Math.max(ifm.index, 0), tb };
    return this.#core.rtnl(() => {
      if (kind === 'dummy') {
        const d = new DummyDevice(args.name ?? 'dummy%d');
        const err = this.#createLink(req, destTable, d, args, ifm);
        return err;
      }
      return this.#newVeth(req, table, destTable, args, ifm, infoData);
    });
  }

  /**
   * rtnl_create_link + register_netdevice + rtnl_configure_link for one device. The device is
   * set up from `args` before registration, so the first notification already shows it.
   */
  #createLink(req: RtnlRequest, table: DeviceTable, dev: NetDevice, args: CreateArgs, ifm: Ifinfomsg): number {
    const err = this.#prepare(req, table, dev, args);
    if (err < 0) return err;
    const r = table.register(dev);
    if (!r.ok) return -r.error.errno;
    return this.#configure(dev, ifm);
  }

  #prepare(req: RtnlRequest, table: DeviceTable, dev: NetDevice, args: CreateArgs): number {
    const { tb } = args;
    if (dev.addrLen > 0 && dev.type === ARPHRD_ETHER) ethHwAddrRandom(dev, table.net.rng);
    dev.requestedIfindex = args.ifindex;
    const mtu = tb.u32(IFLA_MTU);
    if (mtu !== undefined) {
      if (mtu < dev.minMtu) {
        req.extack.msg = 'mtu less than device minimum';
        return -EINVAL;
      }
      if (dev.maxMtu > 0 && mtu > dev.maxMtu) {
        req.extack.msg = 'mtu greater than device maximum';
        return -EINVAL;
      }
      dev.mtu = mtu;
    }
    const addr = tb.data(IFLA_ADDRESS);
    if (addr !== undefined) {
      if (addr.length < dev.addrLen) return -EINVAL;
      dev.devAddr.set(addr.subarray(0, dev.addrLen));
      dev.addrAssignType = NET_ADDR_SET;
    }
    const bcast = tb.data(IFLA_BROADCAST);
    if (bcast !== undefined) {
      if (bcast.length < dev.addrLen) return -EINVAL;
      dev.broadcast.set(bcast.subarray(0, dev.addrLen));
    }
    const qlen = tb.u32(IFLA_TXQLEN);
    if (qlen !== undefined) {
      dev.txQueueLen = qlen;
      dev.txq.setLimit(qlen);
    }
    const group = tb.u32(IFLA_GROUP);
    if (group !== undefined) dev.group = group;
    const mode = tb.u8(IFLA_LINKMODE);
    if (mode !== undefined) dev.linkMode = mode;
    return 0;
  }

  /** rtnl_configure_link: the requested flags, through dev_change_flags. */
  #configure(dev: NetDevice, ifm: Ifinfomsg): number {
    if (ifm.flags === 0 && ifm.change === 0) return 0;
    const r = dev.table.changeFlags(dev, combineFlags(dev, ifm));
    return r.ok ? 0 : -r.error.errno;
  }

  /** veth_newlink: the peer (from VETH_INFO_PEER) first, then the device itself. */
  #newVeth(req: RtnlRequest, table: DeviceTable, destTable: DeviceTable, args: CreateArgs, ifm: Ifinfomsg, infoData: number): number {
    let peerIfm: Ifinfomsg = { family: 0, type: 0, index: 0, flags: 0, change: 0 };
    let peerTb = new NlAttrTable(req.msg, IFLA_MAX);
    if (infoData >= 0) {
      const data = nlaParse(req.msg, nlaDataOffset(infoData), nlaLen(req.msg, infoData), VETH_INFO_MAX, VETH_POLICY, NL_VALIDATE_LIBERAL, req.extack);
      if (!data.ok) return data.error.err;
      const peer = data.value.offset(VETH_INFO_PEER);
      if (peer >= 0) {
        // rtnl_nla_parse_ifinfomsg: an ifinfomsg, then the peer's IFLA_* attributes.
        const start = nlaDataOffset(peer);
        peerIfm = readIfinfomsg(req.msg, start);
        const ptb = nlaParse(req.msg, start + IFINFOMSG_SIZE, nlaLen(req.msg, peer) - IFINFOMSG_SIZE, IFLA_MAX, IFLA_POLICY, NL_VALIDATE_LIBERAL, req.extack);
        if (!ptb.ok) return ptb.error.err;
        peerTb = ptb.value;
        const uniq = ensureUniqueNetns(peerTb, req.extack);
        if (uniq < 0) return uniq;
      }
    }
    const peerNet = targetNet(this.link.kernel.world, req, peerTb);
    if (typeof peerNet === 'number') return peerNet;
    // The peer lives in the namespace of the request unless it names its own.
    const peerTable = peerNet === undefined ? table : this.#core.table(peerNet);
    const peer = new VethDevice(peerTb.string(IFLA_IFNAME) ?? 'veth%d');
    let err = this.#prepare(req, peerTable, peer, { name: undefined, ifindex: Math.max(peerIfm.index, 0), tb: peerTb });
    if (err < 0) return err;
    const rp = peerTable.register(peer);
    if (!rp.ok) return -rp.error.errno;
    peer.carrierOff();
    err = this.#configure(peer, peerIfm);
    if (err < 0) {
      this.#core.unregisterMany([peer]);
      return err;
    }
    const dev = new VethDevice(args.name ?? 'veth%d');
    err = this.#prepare(req, destTable, dev, args);
    if (err < 0) {
      this.#core.unregisterMany([peer]);
      return err;
    }
    const rd = destTable.register(dev);
    if (!rd.ok) {
      this.#core.unregisterMany([peer]);
      return -rd.error.errno;
    }
    dev.carrierOff();
    dev.peer = peer;
    peer.peer = dev;
    // rtnl_configure_link's RTM_NEWLINK for the device, sent once the pair is joined, is what
    // gives the peer's namespace its netnsid here (the peer's own message came too early).
    if (peer.net !== dev.net) dev.net.peernet2idAlloc(peer.net);
    return this.#configure(dev, ifm);
  }

  /** do_setlink, in its order; earlier changes stay when a later one fails. */
  doSetlink(req: RtnlRequest, dev: NetDevice, ifm: Ifinfomsg, tb: NlAttrTable): number {
    // validate_linkmsg.
    const addr = tb.data(IFLA_ADDRESS);
    const bcast = tb.data(IFLA_BROADCAST);
    if (addr !== undefined && addr.length < dev.addrLen) return -EINVAL;
    if (bcast !== undefined && bcast.length < dev.addrLen) return -EINVAL;
    const dest = targetNet(this.link.kernel.world, req, tb);
    if (typeof dest === 'number') return dest;
    const ifname = tb.string(IFLA_IFNAME);
    if (dest !== undefined) {
      const newIfindex = tb.s32(IFLA_NEW_IFINDEX);
      const opts: { pattern?: string; newIfindex?: number } = {};
      if (ifname !== undefined && ifname !== '') opts.pattern = ifname;
      if (newIfindex !== undefined) opts.newIfindex = newIfindex;
      const from = dev.net;
      const r = dev.table.changeNetNamespace(dev, this.#core.table(dest), opts);
      if (!r.ok) {
        req.extack.msg = r.error.message;
        return -r.error.errno;
      }
      // __dev_change_net_namespace names the destination in the old namespace (new_nsid).
      if (dest !== from) from.peernet2idAlloc(dest);
    } else if (tb.has(IFLA_NEW_IFINDEX)) {
      req.extack.msg = 'The new ifindex can only be set when moving to another netns';
      return -EINVAL;
    }
    if (tb.has(IFLA_MAP)) return -EOPNOTSUPP;
    if (addr !== undefined) {
      if (dev.addrLen === 0) return -EOPNOTSUPP;
      const a = addr.subarray(0, dev.addrLen);
      if (!isValidEtherAddr(a)) return -EADDRNOTAVAIL;
      if (!a.every((x, i) => x === dev.devAddr[i])) {
        dev.devAddr.set(a);
        dev.addrAssignType = NET_ADDR_SET;
        dev.table.notify(NETDEV_CHANGEADDR, dev);
      }
    }
    const mtu = tb.u32(IFLA_MTU);
    if (mtu !== undefined) {
      const r = dev.table.setMtu(dev, mtu);
      if (!r.ok) {
        req.extack.msg = r.error.message;
        return -r.error.errno;
      }
    }
    const group = tb.u32(IFLA_GROUP);
    if (group !== undefined) dev.table.setGroup(dev, group);
    // A rename needs the device named by index (the name attribute found it otherwise).
    if (ifm.index > 0 && ifname !== undefined && ifname !== '' && dest === undefined) {
      const r = dev.table.changeName(dev, ifname);
      if (!r.ok) return -r.error.errno;
    }
    const alias = tb.string(IFLA_IFALIAS);
    if (alias !== undefined) {
      const r = dev.table.setAlias(dev, alias);
      if (!r.ok) return -r.error.errno;
    }
    if (bcast !== undefined) dev.broadcast.set(bcast.subarray(0, dev.addrLen));
    if (ifm.flags !== 0 || ifm.change !== 0) {
      const r = dev.table.changeFlags(dev, combineFlags(dev, ifm));
      if (!r.ok) return -r.error.errno;
    }
    const qlen = tb.u32(IFLA_TXQLEN);
    if (qlen !== undefined) {
      const r = dev.table.changeTxQueueLen(dev, qlen);
      if (!r.ok) return -r.error.errno;
    }
    const mode = tb.u8(IFLA_LINKMODE);
    if (mode !== undefined) dev.linkMode = mode;
    return 0;
  }

  /** rtnl_dellink. */
  dellink(req: RtnlRequest): number {
    const p = parseLinkMsg(req, req.extack);
    if (typeof p === 'number') return p;
    const { ifm, tb } = p;
    const uniq = ensureUniqueNetns(tb, req.extack);
    if (uniq < 0) return uniq;
    if (tb.has(IFLA_TARGET_NETNSID)) return -EOPNOTSUPP;
    const table = this.#core.table(req.net);
    const name = tb.string(IFLA_IFNAME);
    if (ifm.index <= 0 && (name === undefined || name === '')) return tb.has(IFLA_GROUP) ? -ENODEV : -EINVAL;
    const dev = this.#lookup(table, ifm, tb);
    if (dev === undefined) return -ENODEV;
    if (!dev.linkOps) return -EOPNOTSUPP;
    const r = table.deleteLink(dev);
    return r.ok ? 0 : -r.error.errno;
  }

  /** rtnl_getlink. */
  getlink(req: RtnlRequest): number {
    const p = parseLinkMsg(req, req.extack);
    if (typeof p === 'number') return p;
    const { ifm, tb } = p;
    const uniq = ensureUniqueNetns(tb, req.extack);
    if (uniq < 0) return uniq;
    const table = this.#core.table(req.net);
    const name = tb.string(IFLA_IFNAME);
    if (ifm.index <= 0 && (name === undefined || name === '')) return -EINVAL;
    const dev = this.#lookup(table, ifm, tb);
    if (dev === undefined) return -ENODEV;
    const skb = new NetlinkSkb(NLMSG_GOODSIZE * 4);
    if (!this.link.fillIfinfo(skb, dev, RTM_NEWLINK, req.portid, req.seq, 0, 0)) return -EMSGSIZE;
    return this.link.kernel.rtnl.unicast(req.net, req.portid, skb);
  }

  /** rtnl_dump_ifinfo: every device by ifindex, resuming after cb.args[0]. */
  dumpIfinfo(skb: NetlinkSkb, cb: NetlinkCallback): number {
    const table = this.#core.table(cb.net);
    const last = cb.args[0] ?? 0;
    for (const dev of table.list()) {
      if (dev.ifindex <= last) continue;
      const at = skb.len;
      if (!this.link.fillIfinfo(skb, dev, RTM_NEWLINK, cb.portid, cb.seq, 0, NLM_F_MULTI)) {
        return at === 0 ? -EMSGSIZE : skb.len;
      }
      nlDumpCheckConsistent(cb, skb, at);
      cb.args[0] = dev.ifindex;
    }
    return 0;
  }
}

/** rtnl_dev_combine_flags. */
function combineFlags(dev: NetDevice, ifm: Ifinfomsg): number {
  let flags = ifm.flags;
  if (ifm.change !== 0) flags = ((flags & ifm.change) | (dev.flags & ~ifm.change)) >>> 0;
  return flags;
}

/** Events that rtnetlink_event (and the core's explicit rtmsg_ifinfo calls) report. */
const NEWLINK_EVENTS = new Set([NETDEV_REGISTER, NETDEV_UP, NETDEV_DOWN, NETDEV_CHANGE, NETDEV_CHANGEMTU, NETDEV_CHANGENAME, NETDEV_CHANGEADDR, NETDEV_CHANGE_TX_QUEUE_LEN]);

/**
 * Registers RTM_NEWLINK, RTM_DELLINK and RTM_GETLINK (doit and dump) with `kernel.rtnl` and the
 * RTNLGRP_LINK notifications. Returns the link service (AF_SPEC providers register with it).
 */
export function registerRtnlLink(kernel: RtnlLinkKernel): RtnlLink {
  const link = new RtnlLink(kernel);
  const h = new RtnlLinkHandlers(link);
  kernel.rtnl.register(PF_UNSPEC, RTM_NEWLINK, (req) => h.newlink(req), undefined);
  kernel.rtnl.register(PF_UNSPEC, RTM_DELLINK, (req) => h.dellink(req), undefined);
  kernel.rtnl.register(PF_UNSPEC, RTM_GETLINK, (req) => h.getlink(req), (skb, cb) => h.dumpIfinfo(skb, cb), RTNL_FLAG_DUMP_SPLIT_NLM_DONE);
  kernel.netdev.registerNotifier((event, dev) => {
    if (dev.reg !== 'registered' && dev.reg !== 'unregistering') return;
    const net = dev.net;
    if (event === NETDEV_UNREGISTER) link.notify(net, RTM_DELLINK, dev, 0);
    else if (NEWLINK_EVENTS.has(event)) link.notify(net, RTM_NEWLINK, dev, event === NETDEV_UP || event === NETDEV_DOWN ? 1 : 0);
  }, []);
  return link;
}
