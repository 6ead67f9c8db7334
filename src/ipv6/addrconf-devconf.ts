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

/** The fields backed by a `net.ipv6.conf.<dev>.<leaf>` sysctl entry. */
const SYSCTL_FIELDS = [
  ['forwarding', 'forwarding'],
  ['hopLimit', 'hop_limit'],
  ['mtu6', 'mtu'],
  ['disableIpv6', 'disable_ipv6'],
  ['ioam6Enabled', 'ioam6_enabled'],
] as const satisfies ReadonlyArray<readonly [keyof Ipv6DevConf, string]>;

/**
 * An `Ipv6DevConf` whose sysctl-backed fields read and write the entries in place. `entry` is
 * asked on every access (a Map lookup with a constant key, no allocation), so a device rename,
 * which gives the device new entries, is followed. The other fields keep Linux's defaults.
 */
function devConfOver(entry: (leaf: string) => SysctlEntry | undefined, mtu: number): Ipv6DevConf {
  const conf = defaultDevConf(mtu);
  for (const [field, leaf] of SYSCTL_FIELDS) {
    const fallback = conf[field];
    Object.defineProperty(conf, field, {
      enumerable: true,
      get: () => {
        const e = entry(leaf);
        return e === undefined ? fallback : Number(e.value);
      },
      set: (v: number) => {
        const e = entry(leaf);
        if (e !== undefined) e.value = v;
      },
    });
  }
  return conf;
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
    for (const [, leaf] of SYSCTL_FIELDS) {
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
