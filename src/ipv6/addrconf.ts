/**
 * IPv6 address configuration, after Linux 6.18 net/ipv6/addrconf.c, minimal but exact where it
 * is implemented: per-device IPv6 state (inet6_dev) with its net.ipv6.conf.<dev>.* sysctls,
 * the address lists, link-local and loopback addresses, and the RTNLGRP_IPV6_IFADDR
 * notifications. The RTM_*ADDR handlers are in rtnl-addr.ts.
 *
 * Per device (addrconf_notify): NETDEV_REGISTER creates the inet6_dev and its sysctl directory,
 * copied from conf.default except mtu, which is the device's MTU (and follows it on
 * NETDEV_CHANGEMTU); a device whose MTU is below 1280 has no IPv6 state (ipv6_add_dev refuses
 * it, and a change below 1280 removes it); NETDEV_CHANGENAME renames the directory (values kept);
 * NETDEV_UNREGISTER removes both (a device moved to another namespace starts again from that
 * namespace's defaults, as on Linux where the inet6_dev is rebuilt). A device becomes ready
 * (IF_READY) once it is up with an operational link (addrconf_link_ready): on NETDEV_UP, or on
 * the NETDEV_CHANGE of its carrier. Then loopback gets ::1/128 (init_loopback) and other devices
 * a link-local fe80::/64 (addrconf_dev_config): EUI-64 from the MAC for Ethernet (veth, dummy);
 * a tun (ARPHRD_NONE) switches from eui64 to "random" and gets a random interface identifier
 * flagged stable-privacy (Linux derives it with the stable-privacy hash of a random secret; ours
 * comes from the namespace's seeded rng). NETDEV_DOWN removes every address (keep_addr_on_down
 * is 0) and the device stops being ready.
 *
 * No DAD: an address is valid at once, on a down device too, as on Linux with accept_dad 0
 * (addrconf_dad_begin completes before it looks at IF_READY); it is announced with RTM_NEWADDR
 * when added. Addresses are kept in Linux's list order (ipv6_link_dev_addr): larger scope
 * first, newest first within a scope.
 *
 * Routes belong to the routing table: `routeOps` receive the prefix routes (the address's
 * prefix with metric IFA_RT_PRIORITY or 256, fe80::/64 for a link-local), the local routes
 * (when an address stops being tentative), the per-device ff00::/8 multicast route
 * (addrconf_add_dev: when the device becomes ready, and before each `ip addr add`) and the
 * subnet-router anycast routes, and their removal. A prefix route for an address added while
 * the device is down is refused (ENETDOWN) and comes back with NETDEV_UP
 * (addrconf_permanent_addr), as on Linux.
 *
 * Anycast (addrconf_join_anycast, anycast.c __ipv6_dev_ac_inc/dec): while the device's
 * `forwarding` is on, every address with a prefix shorter than /127 (RFC 6164) and not all
 * zero joins its subnet-router anycast address; each anycast address is counted per device and
 * its route goes with its last user. Writing `forwarding` of a device joins or leaves for all
 * its addresses (dev_forward_change); writing `all` sets `default` and every device
 * (addrconf_fixup_forwarding).
 *
 * Not modelled: DAD and its timers, SLAAC and router advertisements, temporary addresses,
 * multicast joins (MLD), anycast joins by sockets (IPV6_JOIN_ANYCAST), lifetime expiry (finite
 * lifetimes are stored and reported counting down, but addrconf_verify never removes them),
 * stable_secret, tokens, netconf notifications.
 */

import type { Net, World } from '../net/net.ts';
import type { NetDevice, NetdevCore } from '../net/netdevice.ts';
import { NETDEV_CHANGE, NETDEV_CHANGEMTU, NETDEV_CHANGENAME, NETDEV_DOWN, NETDEV_REGISTER, NETDEV_UNREGISTER, NETDEV_UP } from '../net/netdevice.ts';
import type { SysctlEntry } from '../net/sysctl.ts';
import { IP6_MAX_MTU, IPV6_DEVCONF_SYSCTLS, IPV6_MIN_MTU } from '../net/sysctl.ts';
import { ARPHRD_ETHER, ARPHRD_NONE } from '../net/device-kinds.ts';
import { IFA_F_PERMANENT, IFA_F_STABLE_PRIVACY, IFA_F_TENTATIVE } from '../uapi/if_addr.ts';
import { IFF_LOOPBACK, IFF_UP } from '../uapi/if.ts';
import { IN6_ADDR_GEN_MODE_EUI64, IN6_ADDR_GEN_MODE_RANDOM } from '../uapi/if_link.ts';
import { RT_SCOPE_HOST, RT_SCOPE_LINK, RT_SCOPE_SITE, RT_SCOPE_UNIVERSE } from '../uapi/rtnetlink.ts';
import { selectSaddr, useOifAddrsOnly } from './addrconf-saddr.ts';

/** INFINITY_LIFE_TIME. */
export const INFINITY_LIFE_TIME = 0xffff_ffff;
/** IP6_RT_PRIO_ADDRCONF: the metric of prefix routes addrconf adds. */
export const IP6_RT_PRIO_ADDRCONF = 256;
/** IF_READY (include/net/if_inet6.h): inet6_dev if_flags bit. */
export const IF_READY = 0x8000_0000;

const CONF_DIR = 'net/ipv6/conf';

/** struct inet6_ifaddr. */
export interface Inet6Ifaddr {
  readonly addr: Uint8Array;
  /** The peer (IFA_ADDRESS different from IFA_LOCAL), or undefined. */
  readonly peer: Uint8Array | undefined;
  readonly prefixLen: number;
  flags: number;
  /** RT_SCOPE_*. */
  readonly scope: number;
  /** Lifetimes in seconds as configured, from `tstamp`. */
  validLft: number;
  preferedLft: number;
  /** jiffies when created and last changed. */
  readonly cstamp: number;
  tstamp: number;
  rtPriority: number;
  /** IFA_PROTO (0: none). */
  proto: number;
  readonly idev: Inet6Dev;
  /** A prefix route was added for it (and is removed with the last address needing it). */
  readonly prefixRoute: boolean;
}

/** struct ifacaddr6: a subnet-router anycast address of a device and its users. */
export interface Ifacaddr6 {
  readonly addr: Uint8Array;
  users: number;
}

/** struct inet6_dev. */
export interface Inet6Dev {
  readonly dev: NetDevice;
  /** if_flags (IF_READY). */
  ifFlags: number;
  /** cnf.addr_gen_mode. */
  addrGenMode: number;
  /** The unicast addresses in list order. */
  readonly addrs: Inet6Ifaddr[];
  /** net.ipv6.conf.<dev>.* by leaf name. */
  readonly conf: ReadonlyMap<string, SysctlEntry>;
  /** jiffies at creation (IFLA_INET6_CACHEINFO tstamp). */
  readonly tstamp: number;
  dead: boolean;
  /** ac_list: the anycast addresses joined, newest first. */
  readonly acList: Ifacaddr6[];
}

/** Where addrconf tells the routing table about the routes addresses need. */
export interface AddrconfRouteOps {
  /** `expiresSec`: the route expires with the address's finite valid lifetime (RTF_EXPIRES). */
  prefixRoute(event: 'add' | 'del', dev: NetDevice, prefix: Uint8Array, plen: number, metric: number, expiresSec?: number): void;
  /** modify_prefix_route: the prefix route's expiry follows a changed valid lifetime. */
  prefixRouteExpires(dev: NetDevice, prefix: Uint8Array, plen: number, metric: number, expiresSec: number | undefined): void;
  localRoute(event: 'add' | 'del', ifa: Inet6Ifaddr): void;
  /** addrconf_add_mroute: ff00::/8 in table local through `dev` (a duplicate is ignored). */
  multicastRoute(dev: NetDevice): void;
  /** The RTN_ANYCAST /128 route of a subnet-router anycast address of `dev`. */
  anycastRoute(event: 'add' | 'del', dev: NetDevice, addr: Uint8Array): void;
  /** rt6_disable_ip: disable_ipv6 took IPv6 off `dev`, every route through it goes. */
  disableIp(dev: NetDevice): void;
}

/** An address change to announce (RTM_NEWADDR / RTM_DELADDR), set by rtnl-addr.ts. */
export type IfaNotify = (event: 'new' | 'del', ifa: Inet6Ifaddr) => void;

/** What a new address is made of (struct ifa6_config). */
export interface Ifa6Config {
  readonly addr: Uint8Array;
  readonly peer: Uint8Array | undefined;
  readonly plen: number;
  readonly flags: number;
  readonly validLft: number;
  readonly preferedLft: number;
  readonly rtPriority: number;
  readonly proto: number;
}

/** An error with the extack text rtnl-addr.ts reports (negative errno). */
export interface AddrError {
  readonly err: number;
  readonly msg?: string;
}

/** ipv6_addr_scope as the RT_SCOPE_* inet6_fill_ifaddr reports (rt_scope). */
export function ipv6AddrRtScope(a: Uint8Array): number {
  const b0 = a[0] ?? 0;
  const b1 = a[1] ?? 0;
  if (isLoopback(a)) return RT_SCOPE_HOST;
  if (b0 === 0xfe && (b1 & 0xc0) === 0x80) return RT_SCOPE_LINK;
  if (b0 === 0xfe && (b1 & 0xc0) === 0xc0) return RT_SCOPE_SITE;
  return RT_SCOPE_UNIVERSE;
}

export function isLoopback(a: Uint8Array): boolean {
  for (let i = 0; i < 15; i++) if (a[i] !== 0) return false;
  return a[15] === 1;
}

export function isAny(a: Uint8Array): boolean {
  return a.every((x) => x === 0);
}

function equal(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** The first `plen` bits of `a`, the rest zero. */
export function prefixOf(a: Uint8Array, plen: number): Uint8Array {
  const out = new Uint8Array(16);
  for (let i = 0; i < 16; i++) {
    const bits = Math.max(0, Math.min(8, plen - i * 8));
    out[i] = (a[i] ?? 0) & ((0xff << (8 - bits)) & 0xff);
  }
  return out;
}

/** __ipv6_addr_src_scope rank for list ordering: larger scopes first. */
function srcScopeRank(a: Uint8Array): number {
  if (isLoopback(a)) return 0x1;
  const s = ipv6AddrRtScope(a);
  if (s === RT_SCOPE_LINK) return 0x2;
  if (s === RT_SCOPE_SITE) return 0x5;
  return 0xe;
}

/** What registerAddrconf needs from the kernel. */
export interface AddrconfKernel {
  readonly world: World;
  readonly netdev: NetdevCore;
}

/** The addrconf subsystem of one kernel. */
export class Addrconf {
  readonly kernel: AddrconfKernel;
  /** Route code registers here. */
  readonly routeOps: AddrconfRouteOps[] = [];
  /** Set by rtnl-addr.ts: RTM_NEWADDR / RTM_DELADDR to RTNLGRP_IPV6_IFADDR. */
  notify: IfaNotify | undefined;
  readonly #idevs = new Map<NetDevice, Inet6Dev>();
  /**
   * Moves on with every change to the devices' address lists or an address's flags (added,
   * deleted, DAD done, modified, an inet6_dev created or destroyed), so that per-packet users of
   * source selection can keep an answer until it does. Read-only outside addrconf and rtnl-addr.
   */
  generation = 0;
  /** Namespaces whose conf.all.forwarding hook is in place. */
  readonly #forwardHooked = new WeakSet<Net>();

  constructor(kernel: AddrconfKernel) {
    this.kernel = kernel;
  }

  /** __in6_dev_get. */
  idev(dev: NetDevice): Inet6Dev | undefined {
    return this.#idevs.get(dev);
  }

  /** net.ipv6.conf.<dev>.<name> as a number (0 when absent). */
  conf(idev: Inet6Dev, name: string): number {
    const v = idev.conf.get(name)?.value;
    return typeof v === 'number' ? v : typeof v === 'bigint' ? Number(v) : 0;
  }

  /** ipv6_get_ifaddr on one device. */
  getIfaddr(dev: NetDevice, addr: Uint8Array): Inet6Ifaddr | undefined {
    return this.#idevs.get(dev)?.addrs.find((a) => equal(a.addr, addr));
  }

  /** ipv6_chk_addr: `addr` is configured and not tentative on `ifindex` (0: any device) of `net`. */
  isLocalAddr(net: Net, addr: Uint8Array, ifindex: number): boolean {
    for (const dev of this.kernel.netdev.table(net).listOrder()) {
      if (ifindex !== 0 && dev.ifindex !== ifindex) continue;
      const ifa = this.getIfaddr(dev, addr);
      if (ifa !== undefined && !(ifa.flags & IFA_F_TENTATIVE)) return true;
    }
    return false;
  }

  /**
   * ipv6_dev_get_saddr with no IPV6_PREFER_SRC_* preferences: the source address for `daddr`
   * leaving through `ifindex` (0: no device), or undefined (EADDRNOTAVAIL). See addrconf-saddr.ts.
   */
  getSaddr(net: Net, ifindex: number, daddr: Uint8Array, prefs = 0): Uint8Array | undefined {
    const table = this.kernel.netdev.table(net);
    const oif = ifindex === 0 ? undefined : table.getByIndex(ifindex);
    const oidev = oif === undefined ? undefined : this.#idevs.get(oif);
    const idevs: Inet6Dev[] = [];
    if (oif !== undefined && useOifAddrsOnly(daddr, oidev === undefined ? 0 : this.conf(oidev, 'use_oif_addrs_only'))) {
      if (oidev !== undefined) idevs.push(oidev);
    } else {
      // for_each_netdev: every device of the namespace in list order (no l3mdev here).
      for (const dev of table.listOrder()) {
        const idev = this.#idevs.get(dev);
        if (idev !== undefined) idevs.push(idev);
      }
    }
    const best = selectSaddr(idevs, daddr, oif === undefined ? 0 : oif.ifindex, prefs, (idev) => this.conf(idev, 'use_tempaddr'));
    return best?.addr;
  }

  // --- the notifier ---

  /** addrconf_notify. */
  onNetdevEvent(event: number, dev: NetDevice, oldName: string | undefined): void {
    if (event === NETDEV_REGISTER) this.#createIdev(dev);
    else if (event === NETDEV_UNREGISTER) this.#destroyIdev(dev);
    else if (event === NETDEV_CHANGEMTU) this.#changeMtu(dev);
    else if (event === NETDEV_CHANGENAME && oldName !== undefined) this.#renameConf(dev, oldName);
    else if (event === NETDEV_UP) {
      this.#permanentAddr(dev);
      this.#linkMaybeReady(dev);
    } else if (event === NETDEV_CHANGE) this.#linkMaybeReady(dev);
    else if (event === NETDEV_DOWN) this.#ifdown(dev);
  }

  /**
   * NETDEV_CHANGEMTU: below IPV6_MIN_MTU the device loses its IPv6 state; at or above it the
   * state is (re)created and mtu6 follows the device.
   */
  #changeMtu(dev: NetDevice): void {
    const idev = this.#idevs.get(dev);
    if (dev.mtu < IPV6_MIN_MTU) {
      if (idev !== undefined) this.#destroyIdev(dev);
      return;
    }
    if (idev === undefined) {
      this.#createIdev(dev);
      this.#linkMaybeReady(dev);
      return;
    }
    dev.net.sysctl.set(`${CONF_DIR}/${dev.name}/mtu`, dev.mtu);
  }

  /** ipv6_add_dev: none for a device whose MTU is below IPV6_MIN_MTU. */
  #createIdev(dev: NetDevice): Inet6Dev | undefined {
    const existing = this.#idevs.get(dev);
    if (existing !== undefined) return existing;
    if (dev.mtu < IPV6_MIN_MTU) return undefined;
    const sysctl = dev.net.sysctl;
    const entries = sysctl.addInstance(CONF_DIR, dev.name);
    // cnf is a copy of conf.default, except mtu6, which is the device's MTU.
    sysctl.set(`${CONF_DIR}/${dev.name}/mtu`, Math.min(dev.mtu, IP6_MAX_MTU));
    const conf = new Map<string, SysctlEntry>();
    IPV6_DEVCONF_SYSCTLS.forEach((def, i) => {
      const e = entries[i];
      if (e !== undefined) conf.set(def.name, e);
    });
    const idev: Inet6Dev = { dev, ifFlags: 0, addrGenMode: IN6_ADDR_GEN_MODE_EUI64, addrs: [], conf, tstamp: dev.net.jiffies, dead: false, acList: [] };
    this.#idevs.set(dev, idev);
    this.generation++;
    conf.get('disable_ipv6')?.hooks.push((e) => {
      if (idev.dead) return;
      // dev_disable_change: NETDEV_DOWN or NETDEV_UP for IPv6 alone.
      if (e.value !== 0) {
        this.#ifdown(dev);
        for (const ops of this.routeOps) ops.disableIp(dev);
      } else this.#linkMaybeReady(dev);
    });
    conf.get('forwarding')?.hooks.push((e, old) => {
      if (!idev.dead && !e.value !== !old) this.#forwardChange(idev);
    });
    this.#hookAllForwarding(dev.net);
    return idev;
  }

  #destroyIdev(dev: NetDevice): void {
    const idev = this.#idevs.get(dev);
    if (idev === undefined) return;
    this.#ifdown(dev);
    idev.dead = true;
    this.#idevs.delete(dev);
    this.generation++;
    dev.net.sysctl.removeInstance(CONF_DIR, dev.name);
  }

  /** The directory follows the name; its values are kept. */
  #renameConf(dev: NetDevice, oldName: string): void {
    const idev = this.#idevs.get(dev);
    if (idev === undefined) return;
    const sysctl = dev.net.sysctl;
    const values = new Map<string, SysctlEntry['value']>();
    for (const [k, e] of idev.conf) values.set(k, e.value);
    sysctl.removeInstance(CONF_DIR, oldName);
    const entries = sysctl.addInstance(CONF_DIR, dev.name);
    const conf = idev.conf as Map<string, SysctlEntry>;
    const hooks = new Map<string, SysctlEntry['hooks']>();
    for (const [k, e] of conf) hooks.set(k, [...e.hooks]);
    conf.clear();
    IPV6_DEVCONF_SYSCTLS.forEach((def, i) => {
      const e = entries[i];
      if (e === undefined) return;
      const v = values.get(def.name);
      if (v !== undefined) sysctl.set(`${CONF_DIR}/${dev.name}/${def.name}`, v);
      e.hooks.push(...(hooks.get(def.name) ?? []));
      conf.set(def.name, e);
    });
  }

  /** addrconf_link_ready. */
  #linkReady(dev: NetDevice): boolean {
    return (dev.flags & IFF_UP) !== 0 && dev.running && dev.operUp;
  }

  /** NETDEV_UP / NETDEV_CHANGE: once ready, configure and validate the tentative addresses. */
  #linkMaybeReady(dev: NetDevice): void {
    const idev = this.#idevs.get(dev);
    if (idev === undefined || idev.ifFlags & IF_READY) return;
    if (this.conf(idev, 'disable_ipv6') !== 0) return;
    if (!this.#linkReady(dev)) return;
    idev.ifFlags |= IF_READY;
    if (dev.flags & IFF_LOOPBACK) this.#initLoopback(idev);
    else this.#devConfig(idev);
  }
  #initLoopback(idev: Inet6Dev): void {
    const lo = new Uint8Array(16);
    lo[15] = 1;
    if (this.getIfaddr(idev.dev, lo) !== undefined) return;
    this.addAddr(idev, { addr: lo, peer: undefined, plen: 128, flags: IFA_F_PERMANENT, validLft: INFINITY_LIFE_TIME, preferedLft: INFINITY_LIFE_TIME, rtPriority: 0, proto: 0 }, false);
  }

  /**
   * addrconf_fixup_forwarding for conf.all: `default` and every device take the new value
   * (each device whose value flips joins or leaves its anycast addresses through its own hook).
   */
  #hookAllForwarding(net: Net): void {
    if (this.#forwardHooked.has(net)) return;
    const all = net.sysctl.lookup(`${CONF_DIR}/all/forwarding`);
    if (all === undefined) return;
    this.#forwardHooked.add(net);
    all.hooks.push((e) => {
      const v = e.value;
      net.sysctl.set(`${CONF_DIR}/default/forwarding`, v);
      for (const dev of this.kernel.netdev.table(net).list()) {
        if (this.#idevs.has(dev)) net.sysctl.set(`${CONF_DIR}/${dev.name}/forwarding`, v);
      }
    });
  }

  /** dev_forward_change: every non-tentative address joins or leaves its anycast address. */
  #forwardChange(idev: Inet6Dev): void {
    const on = this.conf(idev, 'forwarding') !== 0;
    for (const ifa of idev.addrs) {
      if (ifa.flags & IFA_F_TENTATIVE) continue;
      if (on) this.#joinAnycast(ifa);
      else this.#leaveAnycast(ifa);
    }
  }

  /** addrconf_join_anycast + __ipv6_dev_ac_inc: the subnet-router anycast address of `ifa`. */
  #joinAnycast(ifa: Inet6Ifaddr): void {
    const addr = subnetRouterAnycast(ifa);
    if (addr === undefined) return;
    const idev = ifa.idev;
    const have = idev.acList.find((a) => equal(a.addr, addr));
    if (have !== undefined) {
      have.users++;
      return;
    }
    idev.acList.unshift({ addr, users: 1 });
    for (const ops of this.routeOps) ops.anycastRoute('add', idev.dev, addr);
  }

  /** addrconf_leave_anycast + __ipv6_dev_ac_dec: the route goes with the last user. */
  #leaveAnycast(ifa: Inet6Ifaddr): void {
    const addr = subnetRouterAnycast(ifa);
    if (addr === undefined) return;
    const idev = ifa.idev;
    const i = idev.acList.findIndex((a) => equal(a.addr, addr));
    const have = idev.acList[i];
    if (have === undefined) return;
    if (--have.users > 0) return;
    idev.acList.splice(i, 1);
    for (const ops of this.routeOps) ops.anycastRoute('del', idev.dev, addr);
  }

  /**
   * addrconf_add_dev's multicast route: every device but loopback gets ff00::/8 (refused while
   * the device is down; a second one is a duplicate and ignored).
   */
  addDevMroute(idev: Inet6Dev): void {
    if (idev.dev.flags & IFF_LOOPBACK) return;
    for (const ops of this.routeOps) ops.multicastRoute(idev.dev);
  }

  /**
   * NETDEV_UP's addrconf_permanent_addr: the prefix routes of permanent addresses added while
   * the device was down (ip6_route_add refused them then) are added now.
   */
  #permanentAddr(dev: NetDevice): void {
    const idev = this.#idevs.get(dev);
    if (idev === undefined || this.conf(idev, 'disable_ipv6') !== 0) return;
    for (const ifa of [...idev.addrs]) {
      if (!(ifa.flags & IFA_F_PERMANENT) || !ifa.prefixRoute) continue;
      for (const ops of this.routeOps) ops.prefixRoute('add', dev, prefixOf(ifa.peer ?? ifa.addr, ifa.prefixLen), ifa.prefixLen, ifa.rtPriority || IP6_RT_PRIO_ADDRCONF);
    }
  }

  /** addrconf_dev_config + addrconf_addr_gen for the first link-local. */
  #devConfig(idev: Inet6Dev): void {
    const dev = idev.dev;
    if (dev.type !== ARPHRD_ETHER && dev.type !== ARPHRD_NONE) return;
    this.addDevMroute(idev);
    if (dev.type === ARPHRD_NONE && idev.addrGenMode === IN6_ADDR_GEN_MODE_EUI64) idev.addrGenMode = IN6_ADDR_GEN_MODE_RANDOM;
    const ll = new Uint8Array(16);
    ll[0] = 0xfe;
    ll[1] = 0x80;
    let extra = 0;
    if (idev.addrGenMode === IN6_ADDR_GEN_MODE_EUI64) {
      if (dev.addrLen !== 6) return;
      const m = dev.devAddr;
      ll.set([(m[0] ?? 0) ^ 0x02, m[1] ?? 0, m[2] ?? 0, 0xff, 0xfe, m[3] ?? 0, m[4] ?? 0, m[5] ?? 0], 8);
    } else if (idev.addrGenMode === IN6_ADDR_GEN_MODE_RANDOM) {
      dev.net.rng.fill(ll.subarray(8));
      extra = IFA_F_STABLE_PRIVACY;
    } else return;
    if (this.getIfaddr(dev, ll) !== undefined) return;
    // addrconf_add_linklocal: the prefix route comes with it.
    this.addAddr(idev, { addr: ll, peer: undefined, plen: 64, flags: IFA_F_PERMANENT | extra, validLft: INFINITY_LIFE_TIME, preferedLft: INFINITY_LIFE_TIME, rtPriority: 0, proto: 0 }, true);
  }

  /**
   * ipv6_add_addr + the start of DAD (which completes at once: there is none).
   * `prefixRoute`: add the prefix route (inet6_addr_add unless IFA_F_NOPREFIXROUTE).
   */
  addAddr(idev: Inet6Dev, cfg: Ifa6Config, prefixRoute: boolean): Inet6Ifaddr {
    const now = idev.dev.net.jiffies;
    const ifa: Inet6Ifaddr = {
      addr: cfg.addr.slice(),
      peer: cfg.peer?.slice(),
      prefixLen: cfg.plen,
      flags: (cfg.flags | IFA_F_TENTATIVE) >>> 0,
      scope: ipv6AddrRtScope(cfg.addr),
      validLft: cfg.validLft,
      preferedLft: cfg.preferedLft,
      cstamp: now,
      tstamp: now,
      rtPriority: cfg.rtPriority,
      proto: cfg.proto,
      idev,
      prefixRoute,
    };
    // ipv6_link_dev_addr: before the first address of a scope not larger than ours.
    const rank = srcScopeRank(ifa.addr);
    let i = 0;
    while (i < idev.addrs.length && srcScopeRank((idev.addrs[i] as Inet6Ifaddr).addr) > rank) i++;
    idev.addrs.splice(i, 0, ifa);
    this.generation++;
    if (prefixRoute) {
      // inet6_addr_add: a finite valid lifetime gives the prefix route RTF_EXPIRES.
      const expires = cfg.validLft === INFINITY_LIFE_TIME ? undefined : cfg.validLft;
      for (const ops of this.routeOps) ops.prefixRoute('add', idev.dev, prefixOf(ifa.peer ?? ifa.addr, ifa.prefixLen), ifa.prefixLen, ifa.rtPriority || IP6_RT_PRIO_ADDRCONF, expires);
    }
    this.#dadCompleted(ifa);
    return ifa;
  }

  /** addrconf_dad_completed: no longer tentative; announced, local route added, anycast joined. */
  #dadCompleted(ifa: Inet6Ifaddr): void {
    ifa.flags &= ~IFA_F_TENTATIVE;
    this.generation++;
    this.notify?.('new', ifa);
    for (const ops of this.routeOps) ops.localRoute('add', ifa);
    if (this.conf(ifa.idev, 'forwarding') !== 0) this.#joinAnycast(ifa);
  }

  /** ipv6_del_addr: unlinks, announces, removes its routes. */
  delAddr(ifa: Inet6Ifaddr): void {
    const idev = ifa.idev;
    const i = idev.addrs.indexOf(ifa);
    if (i === -1) return;
    idev.addrs.splice(i, 1);
    this.generation++;
    this.notify?.('del', ifa);
    if (this.conf(idev, 'forwarding') !== 0) this.#leaveAnycast(ifa);
    for (const ops of this.routeOps) ops.localRoute('del', ifa);
    // cleanup_prefix_route: only when no other address still needs the prefix.
    if (!ifa.prefixRoute) return;
    const pfx = prefixOf(ifa.peer ?? ifa.addr, ifa.prefixLen);
    const shared = idev.addrs.some((o) => o.prefixRoute && o.prefixLen === ifa.prefixLen && equal(prefixOf(o.peer ?? o.addr, o.prefixLen), pfx));
    if (!shared) {
      for (const ops of this.routeOps) ops.prefixRoute('del', idev.dev, pfx, ifa.prefixLen, ifa.rtPriority || IP6_RT_PRIO_ADDRCONF);
    }
  }

  /** addrconf_ifdown (keep_addr_on_down 0): every address goes, the device is not ready. */
  #ifdown(dev: NetDevice): void {
    const idev = this.#idevs.get(dev);
    if (idev === undefined) return;
    idev.ifFlags &= ~IF_READY;
    for (const ifa of [...idev.addrs]) this.delAddr(ifa);
  }
}

/**
 * The subnet-router anycast address of an address (RFC 4291 2.6.1), or undefined when it has
 * none: a /127 or /128 prefix (RFC 6164) or an all-zero prefix.
 */
export function subnetRouterAnycast(ifa: Inet6Ifaddr): Uint8Array | undefined {
  if (ifa.prefixLen >= 127) return undefined;
  const addr = prefixOf(ifa.addr, ifa.prefixLen);
  return isAny(addr) ? undefined : addr;
}

/**
 * Creates addrconf in `kernel`: an inet6_dev for every device (those present now and to come)
 * through the netdevice notifier chain. rtnl-addr.ts registerAddrconf adds the netlink side.
 */
export function createAddrconf(kernel: AddrconfKernel): Addrconf {
  const ac = new Addrconf(kernel);
  kernel.netdev.registerNotifier((event, dev, info) => ac.onNetdevEvent(event, dev, info.oldName), kernel.world.list());
  return ac;
}
