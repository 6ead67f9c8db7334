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
import type { DeviceTable } from '../net/netdevice.ts';
import type { SysctlEntry } from '../net/sysctl.ts';
import type { Addrconf, Inet6Dev } from './addrconf.ts';
import type { Ipv6Addrconf, Ipv6DevConf, Ipv6IfAddr } from './ipv6.ts';
import { defaultDevConf } from './ipv6.ts';

const CONF_DIR = 'net/ipv6/conf';

/**
 * An `Ipv6DevConf` whose sysctl-backed fields read and write the entries in place. `entry` is
 * asked on every access (a Map lookup with a constant key, no allocation), so a device rename,
 * which gives the device new entries, is followed.
 */
function devConfOver(entry: (leaf: string) => SysctlEntry | undefined, mtu: number): Ipv6DevConf {
  const dflt = defaultDevConf(mtu);
  const num = (leaf: string, fallback: number): { get: () => number; set: (v: number) => void } => ({
    get: () => {
      const e = entry(leaf);
      return e === undefined ? fallback : Number(e.value);
    },
    set: (v) => {
      const e = entry(leaf);
      if (e !== undefined) e.value = v;
    },
  });
  const forwarding = num('forwarding', dflt.forwarding);
  const hopLimit = num('hop_limit', dflt.hopLimit);
  const mtu6 = num('mtu', dflt.mtu6);
  const disableIpv6 = num('disable_ipv6', dflt.disableIpv6);
  const ioam6Enabled = num('ioam6_enabled', dflt.ioam6Enabled);
  return {
    get forwarding() {
      return forwarding.get();
    },
    set forwarding(v: number) {
      forwarding.set(v);
    },
    get hopLimit() {
      return hopLimit.get();
    },
    set hopLimit(v: number) {
      hopLimit.set(v);
    },
    get mtu6() {
      return mtu6.get();
    },
    set mtu6(v: number) {
      mtu6.set(v);
    },
    get disableIpv6() {
      return disableIpv6.get();
    },
    set disableIpv6(v: number) {
      disableIpv6.set(v);
    },
    get ioam6Enabled() {
      return ioam6Enabled.get();
    },
    set ioam6Enabled(v: number) {
      ioam6Enabled.set(v);
    },
    forceForwarding: dflt.forceForwarding,
    seg6Enabled: dflt.seg6Enabled,
    rplSegEnabled: dflt.rplSegEnabled,
    acceptSourceRoute: dflt.acceptSourceRoute,
  };
}

export class AddrconfIpv6View implements Ipv6Addrconf {
  readonly all: Ipv6DevConf;
  readonly #ac: Addrconf;
  readonly #devices: DeviceTable;
  readonly #conf = new WeakMap<Inet6Dev, Ipv6DevConf>();

  constructor(ac: Addrconf, net: Net, devices: DeviceTable) {
    this.#ac = ac;
    this.#devices = devices;
    // `all` is never renamed: its entries are looked up once.
    const all = new Map<string, SysctlEntry>();
    for (const leaf of ['forwarding', 'hop_limit', 'mtu', 'disable_ipv6', 'ioam6_enabled']) {
      const e = net.sysctl.lookup(`${CONF_DIR}/all/${leaf}`);
      if (e !== undefined) all.set(leaf, e);
    }
    this.all = devConfOver((leaf) => all.get(leaf), defaultDevConf().mtu6);
  }

  #idev(ifindex: number): Inet6Dev | undefined {
    const dev = this.#devices.getByIndex(ifindex);
    const idev = dev === undefined ? undefined : this.#ac.idev(dev);
    return idev === undefined || idev.dead ? undefined : idev;
  }

  devConf(ifindex: number): Ipv6DevConf | undefined {
    const idev = this.#idev(ifindex);
    if (idev === undefined) return undefined;
    let c = this.#conf.get(idev);
    if (c === undefined) {
      const d = idev;
      c = devConfOver((leaf) => d.conf.get(leaf), idev.dev.mtu);
      this.#conf.set(idev, c);
    }
    return c;
  }

  addresses(ifindex: number): readonly Ipv6IfAddr[] {
    return this.#idev(ifindex)?.addrs ?? [];
  }

  addressDevices(): readonly number[] {
    const out: number[] = [];
    for (const dev of this.#devices.list()) if ((this.#idev(dev.ifindex)?.addrs.length ?? 0) > 0) out.push(dev.ifindex);
    return out;
  }
}
