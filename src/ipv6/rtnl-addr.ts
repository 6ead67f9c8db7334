/**
 * RTM_NEWADDR / RTM_DELADDR / RTM_GETADDR for AF_INET6, after Linux 6.18 net/ipv6/addrconf.c
 * (inet6_rtm_newaddr, inet6_addr_add, inet6_addr_modify, inet6_rtm_deladdr, inet6_rtm_getaddr,
 * inet6_dump_ifaddr, inet6_fill_ifaddr, inet6_fill_link_af), with the kernel's errno and
 * extack texts ("ipv6: " prefixed, as NL_SET_ERR_MSG_MOD does).
 *
 * Messages are parsed liberally against ifa_ipv6_policy. The dump walks the devices by ifindex
 * and each device's addresses in list order; with NETLINK_GET_STRICT_CHK a non-zero ifa_index
 * restricts it to that device (ENODEV when there is none). The dump is also registered for
 * PF_UNSPEC, where Linux's rtnl_dump_all would ask every family: v6stack has only IPv6
 * addresses, so the answer is the same. Notifications go to RTNLGRP_IPV6_IFADDR.
 *
 * The AF_INET6 part of IFLA_AF_SPEC carries IFLA_INET6_FLAGS, IFLA_INET6_CACHEINFO,
 * IFLA_INET6_TOKEN and IFLA_INET6_ADDR_GEN_MODE; IFLA_INET6_CONF, _STATS and _ICMP6STATS
 * (whole devconf and MIB arrays) are not sent.
 */

import type { Net } from '../net/net.ts';
import type { NetDevice } from '../net/netdevice.ts';
import type { ExtAck } from '../netlink/errors.ts';
import { nlmsgParse, nlaPolicyTable, type NlAttrTable, type NlaPolicyTable } from '../netlink/policy.ts';
import { type Rtnetlink, type RtnlRequest } from '../netlink/rtnetlink.ts';
import type { RtnlLink } from '../netlink/rtnl-link.ts';
import { NLMSG_GOODSIZE, NetlinkSkb, nlDumpCheckConsistent, type NetlinkCallback } from '../netlink/socket.ts';
import { EACCES, EADDRNOTAVAIL, EEXIST, EINVAL, EMSGSIZE, ENODEV, ENXIO, EOPNOTSUPP } from '../uapi/errno.ts';
import {
  IFA_ADDRESS,
  IFA_CACHEINFO,
  IFA_CACHEINFO_SIZE,
  IFA_F_DEPRECATED,
  IFA_F_HOMEADDRESS,
  IFA_F_MANAGETEMPADDR,
  IFA_F_MCAUTOJOIN,
  IFA_F_NODAD,
  IFA_F_NOPREFIXROUTE,
  IFA_F_OPTIMISTIC,
  IFA_F_PERMANENT,
  IFA_FLAGS,
  IFA_LOCAL,
  IFA_MAX,
  IFA_PROTO,
  IFA_RT_PRIORITY,
  IFA_TARGET_NETNSID,
  IFADDRMSG_SIZE,
} from '../uapi/if_addr.ts';
import {
  IFLA_CACHEINFO_SIZE,
  IFLA_INET6_ADDR_GEN_MODE,
  IFLA_INET6_CACHEINFO,
  IFLA_INET6_FLAGS,
  IFLA_INET6_TOKEN,
  IFLA_ADDRESS,
  IFLA_IFNAME,
  IFLA_LINK,
  IFLA_MTU,
  IFLA_OPERSTATE,
  IFLA_PROTINFO,
} from '../uapi/if_link.ts';
import { NL_VALIDATE_LIBERAL, NLA_S32, NLA_U32, NLA_U8, NLM_F_EXCL, NLM_F_MULTI, NLM_F_REPLACE, NLMSG_HDRLEN } from '../uapi/netlink.ts';
import { IFINFOMSG_SIZE, RTM_DELADDR, RTM_GETADDR, RTM_GETLINK, RTM_NEWADDR, RTM_NEWLINK, RTNLGRP_IPV6_IFADDR } from '../uapi/rtnetlink.ts';
import { setU16le, setU32le, u16le, u32le } from '../wire/bytes.ts';
import { HZ, INITIAL_JIFFIES } from '../time/clock.ts';
import { type Addrconf, type AddrconfKernel, createAddrconf, type Inet6Dev, type Inet6Ifaddr, INFINITY_LIFE_TIME, IP6_RT_PRIO_ADDRCONF, isAny, isLoopback, prefixOf } from './addrconf.ts';

/** AF_INET6 = PF_INET6. */
export const PF_INET6 = 10;
const PF_UNSPEC = 0;

/** ifa_ipv6_policy. */
export const IFA_IPV6_POLICY: NlaPolicyTable = nlaPolicyTable(IFA_MAX, {
  [IFA_ADDRESS]: { type: 0, len: 16 },
  [IFA_LOCAL]: { type: 0, len: 16 },
  [IFA_CACHEINFO]: { type: 0, len: IFA_CACHEINFO_SIZE },
  [IFA_FLAGS]: { type: NLA_U32 },
  [IFA_RT_PRIORITY]: { type: NLA_U32 },
  [IFA_TARGET_NETNSID]: { type: NLA_S32 },
  [IFA_PROTO]: { type: NLA_U8 },
});

interface Ifaddrmsg {
  readonly family: number;
  readonly prefixlen: number;
  readonly flags: number;
  readonly scope: number;
  readonly index: number;
}

function readIfaddrmsg(b: Uint8Array, at: number): Ifaddrmsg {
  return { family: b[at] ?? 0, prefixlen: b[at + 1] ?? 0, flags: b[at + 2] ?? 0, scope: b[at + 3] ?? 0, index: u32le(b, at + 4) };
}

/** extract_addr: IFA_LOCAL (with IFA_ADDRESS as the peer when it differs), else IFA_ADDRESS. */
function extractAddr(tb: NlAttrTable): { pfx: Uint8Array; peer: Uint8Array | undefined } | undefined {
  const addr = tb.data(IFA_ADDRESS)?.subarray(0, 16);
  const local = tb.data(IFA_LOCAL)?.subarray(0, 16);
  if (addr !== undefined && local !== undefined) {
    const same = addr.every((x, i) => x === local[i]);
    return { pfx: local, peer: same ? undefined : addr };
  }
  if (local !== undefined) return { pfx: local, peer: undefined };
  if (addr !== undefined) return { pfx: addr, peer: undefined };
  return undefined;
}

function mod(extack: ExtAck, msg: string): void {
  extack.msg = `ipv6: ${msg}`;
}

/** The IPv6 address handlers of one kernel. */
export class Inet6AddrHandlers {
  readonly ac: Addrconf;
  readonly rtnl: Rtnetlink;

  constructor(ac: Addrconf, rtnl: Rtnetlink) {
    this.ac = ac;
    this.rtnl = rtnl;
  }

  #parse(req: { readonly msg: Uint8Array; readonly nlh: number }, extack: ExtAck): { ifm: Ifaddrmsg; tb: NlAttrTable } | number {
    const r = nlmsgParse(req.msg, req.nlh, IFADDRMSG_SIZE, IFA_MAX, IFA_IPV6_POLICY, NL_VALIDATE_LIBERAL, extack);
    if (!r.ok) return r.error.err;
    return { ifm: readIfaddrmsg(req.msg, req.nlh + NLMSG_HDRLEN), tb: r.value };
  }

  /** inet6_rtm_newaddr. */
  newaddr(req: RtnlRequest): number {
    const p = this.#parse(req, req.extack);
    if (typeof p === 'number') return p;
    const { ifm, tb } = p;
    const x = extractAddr(tb);
    if (x === undefined) return -EINVAL;
    if (tb.has(IFA_TARGET_NETNSID)) return -EOPNOTSUPP;
    let flags = tb.u32(IFA_FLAGS) ?? ifm.flags;
    let valid = INFINITY_LIFE_TIME;
    let prefered = INFINITY_LIFE_TIME;
    const ci = tb.data(IFA_CACHEINFO);
    if (ci !== undefined) {
      prefered = u32le(ci, 0);
      valid = u32le(ci, 4);
    }
    flags &= IFA_F_NODAD | IFA_F_HOMEADDRESS | IFA_F_MANAGETEMPADDR | IFA_F_NOPREFIXROUTE | IFA_F_MCAUTOJOIN | IFA_F_OPTIMISTIC;
    const table = this.ac.kernel.netdev.table(req.net);
    const dev = table.getByIndex(ifm.index);
    if (dev === undefined) {
      mod(req.extack, 'Unable to find the interface');
      return -ENODEV;
    }
    // ipv6_find_idev: a device that cannot have IPv6 state (MTU below 1280).
    if (this.ac.idev(dev) === undefined) return -EINVAL;
    // ipv6_allow_optimistic_dad is false without optimistic_dad and DAD: the flag is dropped.
    flags &= ~IFA_F_OPTIMISTIC;
    const ifa = this.ac.getIfaddr(dev, x.pfx);
    const nlflags = u16le(req.msg, req.nlh + 6);
    if (ifa === undefined) return this.#addrAdd(req, dev, ifm, x.pfx, x.peer, flags, valid, prefered, tb);
    if ((nlflags & NLM_F_EXCL) !== 0 || (nlflags & NLM_F_REPLACE) === 0) {
      mod(req.extack, 'address already assigned');
      return -EEXIST;
    }
    return this.#addrModify(req, ifa, flags, valid, prefered, tb);
  }

  /** inet6_addr_add. */
  #addrAdd(req: RtnlRequest, dev: NetDevice, ifm: Ifaddrmsg, pfx: Uint8Array, peer: Uint8Array | undefined, flags: number, valid: number, prefered: number, tb: NlAttrTable): number {
    // Linux does not require NLM_F_CREATE here: userspace relies on it.
    if (ifm.prefixlen > 128) {
      mod(req.extack, 'Invalid prefix length');
      return -EINVAL;
    }
    if (!valid || prefered > valid) {
      mod(req.extack, 'address lifetime invalid');
      return -EINVAL;
    }
    if (flags & IFA_F_MANAGETEMPADDR && ifm.prefixlen !== 64) {
      mod(req.extack, 'address with "mngtmpaddr" flag must have a prefix length of 64');
      return -EINVAL;
    }
    // addrconf_add_dev: IPv6 must be on, and the device gets its ff00::/8 route first.
    const idev = this.ac.idev(dev);
    if (idev === undefined || this.ac.conf(idev, 'disable_ipv6') !== 0) {
      mod(req.extack, 'IPv6 is disabled on this device');
      return -EACCES;
    }
    this.ac.addDevMroute(idev);
    if (flags & IFA_F_MCAUTOJOIN) {
      // Joining multicast groups is not modelled.
      return -EOPNOTSUPP;
    }
    if (isAny(pfx)) {
      mod(req.extack, 'Invalid address');
      return -EADDRNOTAVAIL;
    }
    if (pfx[0] === 0xff) {
      mod(req.extack, 'Cannot assign multicast address without "IFA_F_MCAUTOJOIN" flag');
      return -EADDRNOTAVAIL;
    }
    if (!(dev.kind === 'loopback') && isLoopback(pfx)) {
      mod(req.extack, 'Cannot assign loopback address on this device');
      return -EADDRNOTAVAIL;
    }
    // An infinite valid lifetime makes the address permanent (addrconf_finite_timeout); a
    // preferred lifetime of 0 makes it deprecated.
    const permanent = valid === INFINITY_LIFE_TIME ? IFA_F_PERMANENT : 0;
    if (prefered === 0) flags |= IFA_F_DEPRECATED;
    this.ac.addAddr(
      idev,
      { addr: pfx, peer, plen: ifm.prefixlen, flags: flags | permanent, validLft: valid, preferedLft: prefered, rtPriority: tb.u32(IFA_RT_PRIORITY) ?? 0, proto: tb.u8(IFA_PROTO) ?? 0 },
      (flags & IFA_F_NOPREFIXROUTE) === 0,
    );
    return 0;
  }

  /** inet6_addr_modify: lifetimes, the changeable flags, metric and protocol. */
  #addrModify(req: RtnlRequest, ifa: Inet6Ifaddr, flags: number, valid: number, prefered: number, tb: NlAttrTable): number {
    if (!valid || prefered > valid) {
      mod(req.extack, 'address lifetime invalid');
      return -EINVAL;
    }
    if (flags & IFA_F_MANAGETEMPADDR && ifa.prefixLen !== 64) {
      mod(req.extack, 'address with "mngtmpaddr" flag must have a prefix length of 64');
      return -EINVAL;
    }
    const keep = ifa.flags & ~(IFA_F_DEPRECATED | IFA_F_NODAD | IFA_F_HOMEADDRESS | IFA_F_MANAGETEMPADDR | IFA_F_NOPREFIXROUTE | IFA_F_PERMANENT);
    ifa.flags = (keep | flags | (valid === INFINITY_LIFE_TIME ? IFA_F_PERMANENT : 0) | (prefered === 0 ? IFA_F_DEPRECATED : 0)) >>> 0;
    this.ac.generation++;
    if (ifa.prefixRoute && !(flags & IFA_F_NOPREFIXROUTE)) {
      for (const ops of this.ac.routeOps) {
        ops.prefixRouteExpires(ifa.idev.dev, prefixOf(ifa.peer ?? ifa.addr, ifa.prefixLen), ifa.prefixLen, ifa.rtPriority || IP6_RT_PRIO_ADDRCONF, valid === INFINITY_LIFE_TIME ? undefined : valid);
      }
    }
    ifa.validLft = valid;
    ifa.preferedLft = prefered;
    ifa.tstamp = ifa.idev.dev.net.jiffies;
    const prio = tb.u32(IFA_RT_PRIORITY);
    if (prio !== undefined) ifa.rtPriority = prio;
    const proto = tb.u8(IFA_PROTO);
    if (proto !== undefined) ifa.proto = proto;
    this.ac.notify?.('new', ifa);
    return 0;
  }

  /** inet6_rtm_deladdr + inet6_addr_del. */
  deladdr(req: RtnlRequest): number {
    const p = this.#parse(req, req.extack);
    if (typeof p === 'number') return p;
    const { ifm, tb } = p;
    const x = extractAddr(tb);
    if (x === undefined) return -EINVAL;
    if (ifm.prefixlen > 128) {
      mod(req.extack, 'Invalid prefix length');
      return -EINVAL;
    }
    const dev = this.ac.kernel.netdev.table(req.net).getByIndex(ifm.index);
    if (dev === undefined) {
      mod(req.extack, 'Unable to find the interface');
      return -ENODEV;
    }
    const idev = this.ac.idev(dev);
    if (idev === undefined) {
      mod(req.extack, 'IPv6 is disabled on this device');
      return -ENXIO;
    }
    const ifa = idev.addrs.find((a) => a.prefixLen === ifm.prefixlen && a.addr.every((v, i) => v === x.pfx[i]));
    if (ifa === undefined) {
      mod(req.extack, 'address not found');
      return -EADDRNOTAVAIL;
    }
    this.ac.delAddr(ifa);
    return 0;
  }

  /** inet6_rtm_getaddr. */
  getaddr(req: RtnlRequest): number {
    const p = this.#parse(req, req.extack);
    if (typeof p === 'number') return p;
    const { ifm, tb } = p;
    const x = extractAddr(tb);
    if (x === undefined) return -EINVAL;
    const table = this.ac.kernel.netdev.table(req.net);
    const devs = ifm.index ? [table.getByIndex(ifm.index)] : table.list();
    for (const dev of devs) {
      if (dev === undefined) continue;
      const ifa = this.ac.getIfaddr(dev, x.pfx);
      if (ifa === undefined) continue;
      const skb = new NetlinkSkb(NLMSG_GOODSIZE);
      if (!fillIfaddr(skb, ifa, RTM_NEWADDR, req.portid, req.seq, 0)) return -EMSGSIZE;
      return this.rtnl.unicast(req.net, req.portid, skb);
    }
    return -EADDRNOTAVAIL;
  }

  /** inet6_dump_ifinfo: every device with IPv6 state, by ifindex, after cb.args[0]. */
  dumpIfinfo(skb: NetlinkSkb, cb: NetlinkCallback): number {
    const last = cb.args[0] ?? 0;
    for (const dev of this.ac.kernel.netdev.table(cb.net).list()) {
      if (dev.ifindex <= last) continue;
      const idev = this.ac.idev(dev);
      if (idev === undefined) continue;
      const at = skb.len;
      if (!fillInet6Ifinfo(skb, idev, cb.portid, cb.seq, NLM_F_MULTI)) return at === 0 ? -EMSGSIZE : skb.len;
      nlDumpCheckConsistent(cb, skb, at);
      cb.args[0] = dev.ifindex;
    }
    return 0;
  }

  /** inet6_dump_ifaddr: cb.args[0] the last ifindex done, cb.args[1] addresses of the next one. */
  dump(skb: NetlinkSkb, cb: NetlinkCallback): number {
    const table = this.ac.kernel.netdev.table(cb.net);
    let only = 0;
    if (cb.strictCheck && u32le(cb.msg, cb.nlh) >= NLMSG_HDRLEN + IFADDRMSG_SIZE) {
      only = u32le(cb.msg, cb.nlh + NLMSG_HDRLEN + 4);
      if (only && table.getByIndex(only) === undefined) return -ENODEV;
    }
    const doneIdx = cb.args[0] ?? 0;
    for (const dev of table.list()) {
      if (dev.ifindex < doneIdx || (only && dev.ifindex !== only)) continue;
      const idev = this.ac.idev(dev);
      if (idev === undefined) continue;
      const skip = dev.ifindex === doneIdx ? (cb.args[1] ?? 0) : 0;
      if (dev.ifindex !== doneIdx) cb.args[1] = 0;
      cb.args[0] = dev.ifindex;
      for (let i = skip; i < idev.addrs.length; i++) {
        const ifa = idev.addrs[i] as Inet6Ifaddr;
        const at = skb.len;
        if (!fillIfaddr(skb, ifa, RTM_NEWADDR, cb.portid, cb.seq, NLM_F_MULTI)) return at === 0 ? -EMSGSIZE : skb.len;
        nlDumpCheckConsistent(cb, skb, at);
        cb.args[1] = i + 1;
      }
    }
    return 0;
  }
}

/** inet6_fill_ifla6_attrs: the IPv6 per-device attributes (IFLA_AF_SPEC and IFLA_PROTINFO). */
function fillIfla6Attrs(skb: NetlinkSkb, idev: Inet6Dev): void {
  const b = skb.b;
  b.putU32(IFLA_INET6_FLAGS, idev.ifFlags >>> 0);
  const at = b.nlaReserve(IFLA_INET6_CACHEINFO, IFLA_CACHEINFO_SIZE);
  const buf = b.buffer;
  // max_reasm_len (IPV6_MAXPLEN), tstamp, reachable_time and retrans_time (ND defaults, ms).
  setU32le(buf, at + 4, 65535);
  setU32le(buf, at + 8, cstampDelta(idev.tstamp));
  setU32le(buf, at + 12, 30000);
  setU32le(buf, at + 16, 1000);
  b.putIn6Addr(IFLA_INET6_TOKEN, new Uint8Array(16));
  b.putU8(IFLA_INET6_ADDR_GEN_MODE, idev.addrGenMode);
}

/** inet6_fill_ifinfo: the short RTM_NEWLINK of the AF_INET6 link dump. */
function fillInet6Ifinfo(skb: NetlinkSkb, idev: Inet6Dev, portid: number, seq: number, flags: number): boolean {
  const dev = idev.dev;
  if (skb.put(portid, seq, RTM_NEWLINK, flags) < 0) return false;
  const b = skb.b;
  const h = b.reserve(IFINFOMSG_SIZE);
  const buf = b.buffer;
  buf[h] = PF_INET6;
  setU16le(buf, h + 2, dev.type);
  setU32le(buf, h + 4, dev.ifindex);
  setU32le(buf, h + 8, dev.getFlags());
  b.putString(IFLA_IFNAME, dev.name);
  if (dev.addrLen) b.put(IFLA_ADDRESS, dev.devAddr);
  b.putU32(IFLA_MTU, dev.mtu);
  const iflink = dev.iflink;
  if (iflink !== dev.ifindex) b.putU32(IFLA_LINK, iflink);
  b.putU8(IFLA_OPERSTATE, dev.reportedOperstate);
  const nest = b.nestStartNoflag(IFLA_PROTINFO);
  fillIfla6Attrs(skb, idev);
  b.nestEnd(nest);
  return skb.end();
}

/** cstamp_delta: jiffies as hundredths of a second since boot. */
function cstampDelta(j: number): number {
  return Math.floor(((j - INITIAL_JIFFIES) * 100) / HZ) >>> 0;
}

/** inet6_fill_ifaddr. */
export function fillIfaddr(skb: NetlinkSkb, ifa: Inet6Ifaddr, type: number, portid: number, seq: number, flags: number): boolean {
  if (skb.put(portid, seq, type, flags) < 0) return false;
  const b = skb.b;
  const h = b.reserve(IFADDRMSG_SIZE);
  const buf = b.buffer;
  buf[h] = PF_INET6;
  buf[h + 1] = ifa.prefixLen;
  buf[h + 2] = ifa.flags & 0xff;
  buf[h + 3] = ifa.scope;
  setU32le(buf, h + 4, ifa.idev.dev.ifindex);
  let prefered = INFINITY_LIFE_TIME;
  let valid = INFINITY_LIFE_TIME;
  if (!(ifa.flags & IFA_F_PERMANENT)) {
    const net = ifa.idev.dev.net;
    const elapsed = Math.floor((net.jiffies - ifa.tstamp) / HZ);
    prefered = ifa.preferedLft === INFINITY_LIFE_TIME ? INFINITY_LIFE_TIME : Math.max(0, ifa.preferedLft - elapsed);
    valid = ifa.validLft === INFINITY_LIFE_TIME ? INFINITY_LIFE_TIME : Math.max(0, ifa.validLft - elapsed);
  }
  if (ifa.peer !== undefined && !isAny(ifa.peer)) {
    b.putIn6Addr(IFA_LOCAL, ifa.addr);
    b.putIn6Addr(IFA_ADDRESS, ifa.peer);
  } else b.putIn6Addr(IFA_ADDRESS, ifa.addr);
  if (ifa.rtPriority) b.putU32(IFA_RT_PRIORITY, ifa.rtPriority);
  const ci = b.nlaReserve(IFA_CACHEINFO, IFA_CACHEINFO_SIZE);
  const cb = b.buffer;
  setU32le(cb, ci + 4, prefered);
  setU32le(cb, ci + 8, valid);
  setU32le(cb, ci + 12, cstampDelta(ifa.cstamp));
  setU32le(cb, ci + 16, cstampDelta(ifa.tstamp));
  b.putU32(IFA_FLAGS, ifa.flags >>> 0);
  if (ifa.proto) b.putU8(IFA_PROTO, ifa.proto);
  return skb.end();
}

/**
 * Registers the AF_INET6 address handlers with `rtnl`, the RTNLGRP_IPV6_IFADDR notifications
 * and, when `link` is given, the AF_INET6 part of IFLA_AF_SPEC.
 */
export function registerInet6Addr(ac: Addrconf, rtnl: Rtnetlink, link?: RtnlLink): Inet6AddrHandlers {
  const h = new Inet6AddrHandlers(ac, rtnl);
  rtnl.register(PF_INET6, RTM_NEWADDR, (req) => h.newaddr(req), undefined);
  rtnl.register(PF_INET6, RTM_DELADDR, (req) => h.deladdr(req), undefined);
  rtnl.register(PF_INET6, RTM_GETADDR, (req) => h.getaddr(req), (skb, cb) => h.dump(skb, cb));
  rtnl.register(PF_UNSPEC, RTM_GETADDR, undefined, (skb, cb) => h.dump(skb, cb));
  rtnl.register(PF_INET6, RTM_GETLINK, undefined, (skb, cb) => h.dumpIfinfo(skb, cb));
  ac.notify = (event, ifa) => {
    const net: Net = ifa.idev.dev.net;
    const skb = new NetlinkSkb(NLMSG_GOODSIZE);
    if (!fillIfaddr(skb, ifa, event === 'new' ? RTM_NEWADDR : RTM_DELADDR, 0, 0, 0)) return;
    rtnl.notify(net, skb, 0, RTNLGRP_IPV6_IFADDR);
  };
  link?.registerAf({
    family: PF_INET6,
    fillLinkAf: (skb, dev) => {
      const idev = ac.idev(dev);
      if (idev === undefined) return false;
      fillIfla6Attrs(skb, idev);
      return true;
    },
  });
  return h;
}

/** What registerAddrconf needs: a Kernel has it. */
export interface AddrconfHost extends AddrconfKernel {
  readonly rtnl: Rtnetlink;
}

/**
 * Registers IPv6 address configuration in `kernel`: the per-device state (addrconf.ts), the
 * RTM_*ADDR handlers and notifications, and with `link` (registerRtnlLink's result) the AF_INET6
 * part of IFLA_AF_SPEC. Returns the addrconf subsystem (route code adds its `routeOps`).
 */
export function registerAddrconf(kernel: AddrconfHost, link?: RtnlLink): Addrconf {
  const ac = createAddrconf(kernel);
  registerInet6Addr(ac, kernel.rtnl, link);
  return ac;
}
