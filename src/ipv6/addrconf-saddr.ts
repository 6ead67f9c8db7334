/**
 * Source address selection, after Linux 6.18 net/ipv6/addrconf.c (ipv6_dev_get_saddr,
 * __ipv6_dev_get_saddr, ipv6_get_saddr_eval) and the default policy table of
 * net/ipv6/addrlabel.c. RFC 6724 section 5, as the kernel applies it:
 *
 * - candidates: the addresses of the outgoing device only, when the destination is multicast or
 *   of link-local (or smaller) scope, or the device has use_oif_addrs_only; otherwise the
 *   addresses of every device in the namespace's device list order (no l3mdev in v6stack).
 *   Tentative addresses (not optimistic) are skipped, so are :: and multicast ones;
 * - each candidate is compared with the best so far rule by rule, and replaces it only when it
 *   wins a rule before losing one: ties keep the first candidate met;
 * - the rules, in order: 1 same address; 2 appropriate scope (the smallest scope that is at
 *   least the destination's, else the largest); 3 avoid deprecated (and optimistic) addresses,
 *   except loopback/v4-mapped/v4-compatible ones; 4 home address: Linux applies it only with
 *   CONFIG_IPV6_MIP6, which the reference kernel does not set, so it is left out; 5 the
 *   outgoing device; 5.5 (next-hop prefix): Linux has no such rule, nor does this; 6 matching label
 *   (default policy table); 7 public before temporary, or temporary first with use_tempaddr >= 2
 *   or IPV6_PREFER_SRC_TMP; ORCHID with ORCHID (2001:10::/28); 8 longest matching prefix,
 *   capped at the address's prefix length. (Linux's last rule, "not optimistic", cannot decide
 *   anything here: v6stack has no optimistic addresses.)
 *
 * `ip addrlabel` (a configurable policy table) is not modelled: the default table is used.
 */

import { IFA_F_DEPRECATED, IFA_F_OPTIMISTIC, IFA_F_TEMPORARY, IFA_F_TENTATIVE } from '../uapi/if_addr.ts';
import type { Inet6Dev, Inet6Ifaddr } from './addrconf.ts';

/** IPV6_PREFER_SRC_* (include/uapi/linux/in6.h): socket source preferences. */
export const IPV6_PREFER_SRC_TMP = 0x0001;
export const IPV6_PREFER_SRC_PUBLIC = 0x0002;
export const IPV6_PREFER_SRC_COA = 0x0004;

/** IPV6_ADDR_SCOPE_* (include/net/ipv6.h). */
export const IPV6_ADDR_SCOPE_NODELOCAL = 0x01;
export const IPV6_ADDR_SCOPE_LINKLOCAL = 0x02;
export const IPV6_ADDR_SCOPE_SITELOCAL = 0x05;
export const IPV6_ADDR_SCOPE_GLOBAL = 0x0e;

/** What __ipv6_addr_type tells the rules: the scope, and the classes they test. */
export interface AddrClass {
  /** __ipv6_addr_src_scope; -1 for :: (invalid). */
  readonly scope: number;
  readonly any: boolean;
  readonly multicast: boolean;
  /** Loopback, v4-mapped or v4-compatible: ipv6_saddr_preferred. */
  readonly preferred: boolean;
  readonly v4mapped: boolean;
}

/** __ipv6_addr_type reduced to what source selection reads. */
export function addrClass(a: Uint8Array): AddrClass {
  const b0 = a[0] ?? 0;
  const b1 = a[1] ?? 0;
  const plain = { any: false, multicast: false, preferred: false, v4mapped: false };
  if (b0 === 0xff) return { ...plain, scope: b1 & 0x0f, multicast: true };
  // 2000::/3 to c000::/3: global unicast (addr-select 2.1).
  if ((b0 & 0xe0) !== 0 && (b0 & 0xe0) !== 0xe0) return { ...plain, scope: IPV6_ADDR_SCOPE_GLOBAL };
  if (b0 === 0xfe && (b1 & 0xc0) === 0x80) return { ...plain, scope: IPV6_ADDR_SCOPE_LINKLOCAL };
  if (b0 === 0xfe && (b1 & 0xc0) === 0xc0) return { ...plain, scope: IPV6_ADDR_SCOPE_SITELOCAL };
  if ((b0 & 0xfe) === 0xfc) return { ...plain, scope: IPV6_ADDR_SCOPE_GLOBAL };
  let zero8 = true;
  for (let i = 0; i < 8; i++) if (a[i] !== 0) zero8 = false;
  if (zero8) {
    let zero12 = true;
    for (let i = 8; i < 12; i++) if (a[i] !== 0) zero12 = false;
    if (zero12) {
      let zero15 = true;
      for (let i = 12; i < 15; i++) if (a[i] !== 0) zero15 = false;
      if (zero15 && a[15] === 0) return { ...plain, scope: -1, any: true };
      // ::1 has link-local scope for selection (addr-select 3.4); ::a.b.c.d is v4-compatible.
      if (zero15 && a[15] === 1) return { ...plain, scope: IPV6_ADDR_SCOPE_LINKLOCAL, preferred: true };
      return { ...plain, scope: IPV6_ADDR_SCOPE_GLOBAL, preferred: true };
    }
    if (a[8] === 0 && a[9] === 0 && a[10] === 0xff && a[11] === 0xff) {
      return { ...plain, scope: IPV6_ADDR_SCOPE_GLOBAL, preferred: true, v4mapped: true };
    }
  }
  return { ...plain, scope: IPV6_ADDR_SCOPE_GLOBAL };
}

/** The candidate set is the outgoing device's alone (see the module comment). */
export function useOifAddrsOnly(daddr: Uint8Array, useOifAddrsOnlyConf: number): boolean {
  const c = addrClass(daddr);
  return c.multicast || c.scope <= IPV6_ADDR_SCOPE_LINKLOCAL || useOifAddrsOnlyConf !== 0;
}

/** ip6addrlbl_init_table: prefix, length, label; matched longest prefix first. */
const DEFAULT_LABELS: ReadonlyArray<readonly [readonly number[], number, number]> = [
  [[0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1], 128, 0],
  [[0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff], 96, 4],
  [[], 96, 3],
  [[0x20, 0x01, 0x00, 0x00], 32, 6],
  [[0x20, 0x01, 0x00, 0x10], 28, 7],
  [[0x20, 0x02], 16, 2],
  [[0xfe, 0xc0], 10, 11],
  [[0xfc], 7, 5],
  [[], 0, 1],
];

/** Do the first `plen` bits of `a` equal those of `prefix` (zero-extended)? */
function inPrefix(a: Uint8Array, prefix: readonly number[], plen: number): boolean {
  for (let i = 0; i < plen; i++) {
    const m = 0x80 >> (i & 7);
    if (((a[i >> 3] ?? 0) & m) !== ((prefix[i >> 3] ?? 0) & m)) return false;
  }
  return true;
}

/** ipv6_addr_label with the default policy table. */
export function addrLabel(a: Uint8Array): number {
  for (const [prefix, plen, label] of DEFAULT_LABELS) if (inPrefix(a, prefix, plen)) return label;
  return 1;
}

/** ipv6_addr_diff: the number of leading bits `a` and `b` share (128 when equal). */
export function commonPrefixLen(a: Uint8Array, b: Uint8Array): number {
  for (let i = 0; i < 16; i++) {
    const x = ((a[i] ?? 0) ^ (b[i] ?? 0)) & 0xff;
    if (x !== 0) return i * 8 + Math.clz32(x) - 24;
  }
  return 128;
}

/** ipv6_addr_orchid: 2001:10::/28. */
function isOrchid(a: Uint8Array): boolean {
  return a[0] === 0x20 && a[1] === 0x01 && a[2] === 0x00 && ((a[3] ?? 0) & 0xf0) === 0x10;
}

/** struct ipv6_saddr_dst. */
interface SaddrDst {
  readonly addr: Uint8Array;
  readonly ifindex: number;
  readonly scope: number;
  readonly label: number;
  readonly prefs: number;
}

const RULES = 9;

/**
 * The value of each rule for one candidate (ipv6_get_saddr_eval); a larger value wins. Index 0
 * is rule 1 (same address), then scope, preferred, outgoing device, label, privacy, ORCHID,
 * prefix length; rule 0 (the "no candidate yet" rule) is the caller's.
 */
function scoreOf(ifa: Inet6Ifaddr, dst: SaddrDst, useTempaddr: number, out: number[]): void {
  const c = addrClass(ifa.addr);
  out[0] = commonPrefixLen(ifa.addr, dst.addr) === 128 ? 1 : 0;
  // Rule 2: -scope when enough for the destination (smaller is better), scope - 128 when not.
  out[1] = c.scope >= dst.scope ? -c.scope : c.scope - 128;
  out[2] = c.preferred || (ifa.flags & (IFA_F_DEPRECATED | IFA_F_OPTIMISTIC)) === 0 ? 1 : 0;
  out[3] = dst.ifindex === 0 || dst.ifindex === ifa.idev.dev.ifindex ? 1 : 0;
  out[4] = addrLabel(ifa.addr) === dst.label ? 1 : 0;
  const preftmp = (dst.prefs & (IPV6_PREFER_SRC_PUBLIC | IPV6_PREFER_SRC_TMP)) !== 0 ? (dst.prefs & IPV6_PREFER_SRC_TMP) !== 0 : useTempaddr >= 2;
  out[5] = ((ifa.flags & IFA_F_TEMPORARY) === 0) !== preftmp ? 1 : 0;
  out[6] = isOrchid(ifa.addr) === isOrchid(dst.addr) ? 1 : 0;
  out[7] = Math.min(commonPrefixLen(ifa.addr, dst.addr), ifa.prefixLen);
  out[8] = 0;
}

/**
 * __ipv6_dev_get_saddr over `idevs` in order: the winning address, or undefined when no
 * candidate exists. `useTempaddr` reads a device's use_tempaddr.
 */
export function selectSaddr(
  idevs: readonly Inet6Dev[],
  daddr: Uint8Array,
  oif: number,
  prefs: number,
  useTempaddr: (idev: Inet6Dev) => number,
): Inet6Ifaddr | undefined {
  const dc = addrClass(daddr);
  const dst: SaddrDst = { addr: daddr, ifindex: oif, scope: dc.scope, label: addrLabel(daddr), prefs };
  let best: Inet6Ifaddr | undefined;
  let bestScore: number[] = new Array<number>(RULES).fill(0);
  let score: number[] = new Array<number>(RULES).fill(0);
  for (const idev of idevs) {
    const tmp = useTempaddr(idev);
    for (const ifa of idev.addrs) {
      if ((ifa.flags & IFA_F_TENTATIVE) !== 0 && (ifa.flags & IFA_F_OPTIMISTIC) === 0) continue;
      const c = addrClass(ifa.addr);
      if (c.any || c.multicast) continue;
      scoreOf(ifa, dst, tmp, score);
      let better = best === undefined;
      for (let i = 0; !better && i < RULES; i++) {
        const h = bestScore[i] ?? 0;
        const m = score[i] ?? 0;
        if (h > m) break;
        if (h < m) better = true;
      }
      if (better) {
        best = ifa;
        [bestScore, score] = [score, bestScore];
      }
    }
  }
  return best;
}
