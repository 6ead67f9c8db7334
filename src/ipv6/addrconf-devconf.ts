/**
 * The data path's view of addrconf: the per-device IPv6 configuration the pipeline reads
 * (`Ipv6DevConf`) backed by the `net.ipv6.conf.<dev>.*` sysctl entries addrconf keeps, so that
 * `sysctl -w net.ipv6.conf.veth0.forwarding=1` (or `ip`'s netlink writes) take effect on the
 * next packet, and the addresses addrconf configured.
 *
 * Entries the sysctl family does not have yet (force_forwarding, seg6_enabled,
 * rpl_seg_enabled, accept_source_route) keep Linux's defaults and are settable here only.
 */

import type { Net } from '../net/net.ts';
import type { DeviceTable, NetDevice } from '../net/netdevice.ts';
import type { SysctlEntry, SysctlTable } from '../net/sysctl.ts';
import type { Addrconf, Inet6Dev } from './addrconf.ts';
import type { Ipv6Addrconf, Ipv6DevConf, Ipv6IfAddr } from './ipv6.ts';
import { defaultDevConf } from './ipv6.ts';

const CONF_DIR = 'net/ipv6/conf';

/**
 * An `Ipv6DevConf` over `net.ipv6.conf.<dev>.*`: the sysctl-backed fields read and write the
 * entries in place, through getters on the prototype so the per-packet reads stay monomorphic.
 * The entries are resolved once and again only after a rename (NETDEV_CHANGENAME gives the
 * device new entries, which moves the table's generation: a number compare per read, and a
 * name compare only after some entry changed). These leaves are integers (dointvec and
 * dou8vec handlers), so reads need no conversion. The other fields keep Linux's defaults.
 */
class SysctlDevConf implements Ipv6DevConf {
  forceForwarding = 0;
  seg6Enabled = 0;
  rplSegEnabled = 0;
  acceptSourceRoute = 0;
  readonly #resolve: (leaf: string) => SysctlEntry | undefined;
  readonly #table: SysctlTable;
  /** The device whose entries these are; null for `all`, which is never renamed. */
  readonly #dev: NetDevice | null;
  readonly #fallback: Ipv6DevConf;
  #name = '';
  /** The table's generation when the device's name was last checked. */
  #checked = -1;
  #forwarding: SysctlEntry<number> | undefined;
  #hopLimit: SysctlEntry<number> | undefined;
  #mtu6: SysctlEntry<number> | undefined;
  #disableIpv6: SysctlEntry<number> | undefined;
  #ioam6Enabled: SysctlEntry<number> | undefined;

  constructor(resolve: (leaf: string) => SysctlEntry | undefined, table: SysctlTable, dev: NetDevice | null, mtu: number) {
    this.#resolve = resolve;
    this.#table = table;
    this.#dev = dev;
    this.#fallback = defaultDevConf(mtu);
    this.#refresh();
  }

  #refresh(): void {
    this.#name = this.#dev === null ? '' : this.#dev.name;
    this.#checked = this.#table.generation;
    this.#forwarding = this.#int('forwarding');
    this.#hopLimit = this.#int('hop_limit');
    this.#mtu6 = this.#int('mtu');
    this.#disableIpv6 = this.#int('disable_ipv6');
    this.#ioam6Enabled = this.#int('ioam6_enabled');
  }

  #int(leaf: string): SysctlEntry<number> | undefined {
    const e = this.#resolve(leaf);
    return e !== undefined && typeof e.value === 'number' ? (e as SysctlEntry<number>) : undefined;
  }

  #fresh(): void {
    if (this.#checked === this.#table.generation) return;
    this.#checked = this.#table.generation;
    const dev = this.#dev;
    if (dev !== null && dev.name !== this.#name) this.#refresh();
  }

  get forwarding(): number {
    this.#fresh();
    return this.#forwarding === undefined ? this.#fallback.forwarding : this.#forwarding.value;
  }
  set forwarding(v: number) {
    this.#fresh();
    this.#store(this.#forwarding, v);
  }
  get hopLimit(): number {
    this.#fresh();
    return this.#hopLimit === undefined ? this.#fallback.hopLimit : this.#hopLimit.value;
  }
  set hopLimit(v: number) {
    this.#fresh();
    this.#store(this.#hopLimit, v);
  }
  get mtu6(): number {
    this.#fresh();
    return this.#mtu6 === undefined ? this.#fallback.mtu6 : this.#mtu6.value;
  }
  set mtu6(v: number) {
    this.#fresh();
    this.#store(this.#mtu6, v);
  }
  get disableIpv6(): number {
    this.#fresh();
    return this.#disableIpv6 === undefined ? this.#fallback.disableIpv6 : this.#disableIpv6.value;
  }
  set disableIpv6(v: number) {
    this.#fresh();
    this.#store(this.#disableIpv6, v);
  }
  get ioam6Enabled(): number {
    this.#fresh();
    return this.#ioam6Enabled === undefined ? this.#fallback.ioam6Enabled : this.#ioam6Enabled.value;
  }
  set ioam6Enabled(v: number) {
    this.#fresh();
    this.#store(this.#ioam6Enabled, v);
  }

  /** A write through this view: stored in place, and the table's generation moves on. */
  #store(e: SysctlEntry<number> | undefined, v: number): void {
    if (e === undefined || e.value === v) return;
    e.value = v;
    this.#table.touch();
  }
}

/** The leaves SysctlDevConf reads, for `all` (looked up once: `all` is never renamed). */
const SYSCTL_LEAVES = ['forwarding', 'hop_limit', 'mtu', 'disable_ipv6', 'ioam6_enabled'] as const;

export class AddrconfIpv6View implements Ipv6Addrconf {
  readonly all: Ipv6DevConf;
  readonly #ac: Addrconf;
  readonly #devices: DeviceTable;
  readonly #net: Net;
  /** Per ifindex: the inet6_dev last seen there and its view (checked live on every use). */
  readonly #byIndex: Array<{ readonly idev: Inet6Dev; readonly conf: Ipv6DevConf } | undefined> = [];

  constructor(ac: Addrconf, net: Net, devices: DeviceTable) {
    this.#ac = ac;
    this.#devices = devices;
    this.#net = net;
    // `all` is never renamed: its entries are looked up once.
    const all = new Map<string, SysctlEntry>();
    for (const leaf of SYSCTL_LEAVES) {
      const e = net.sysctl.lookup(`${CONF_DIR}/all/${leaf}`);
      if (e !== undefined) all.set(leaf, e);
    }
    this.all = new SysctlDevConf((leaf) => all.get(leaf), net.sysctl, null, defaultDevConf().mtu6);
  }

  #idev(ifindex: number): Inet6Dev | undefined {
    const dev = this.#devices.getByIndex(ifindex);
    const idev = dev === undefined ? undefined : this.#ac.idev(dev);
    return idev === undefined || idev.dead ? undefined : idev;
  }

  devConf(ifindex: number): Ipv6DevConf | undefined {
    // The cached inet6_dev stays valid while it is alive and its device still has this index
    // here (a device that leaves the namespace loses its inet6_dev, which is marked dead).
    const hit = this.#byIndex[ifindex];
    if (hit !== undefined && !hit.idev.dead && hit.idev.dev.ifindex === ifindex && hit.idev.dev.net === this.#net) return hit.conf;
    const idev = this.#idev(ifindex);
    if (idev === undefined) return undefined;
    const d = idev;
    const conf = new SysctlDevConf((leaf) => d.conf.get(leaf), this.#net.sysctl, d.dev, idev.dev.mtu);
    this.#byIndex[ifindex] = { idev, conf };
    return conf;
  }

  addresses(ifindex: number): readonly Ipv6IfAddr[] {
    return this.#idev(ifindex)?.addrs ?? [];
  }

  saddr(ifindex: number, daddr: Uint8Array, prefs: number): Uint8Array | undefined {
    return this.#ac.getSaddr(this.#net, ifindex, daddr, prefs);
  }

  /** Addresses and inet6_devs (addrconf's generation), and the sysctls selection reads. */
  get generation(): number {
    return this.#ac.generation + this.#net.sysctl.generation;
  }

  addressDevices(): readonly number[] {
    const out: number[] = [];
    for (const dev of this.#devices.list()) if ((this.#idev(dev.ifindex)?.addrs.length ?? 0) > 0) out.push(dev.ifindex);
    return out;
  }
}
