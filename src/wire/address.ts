/**
 * IPv6 and IPv4 addresses as text: RFC 4291 §2.2 parsing and RFC 5952 canonical formatting
 * (lower case, longest run of two or more zero groups compressed, first run on a tie), with
 * IPv4-mapped and IPv4-compatible addresses dotted as glibc's inet_ntop prints them.
 *
 * Addresses inside packets stay `Uint8Array` subarrays; these helpers are for the edges (CLI,
 * configuration, reports).
 */

import { u16 } from './bytes.ts';

export const IPV6_ADDR_LEN = 16;
export const IPV4_ADDR_LEN = 4;

/** Formats 16 bytes at `offset` of `b` as RFC 5952 text. */
export function formatIpv6Address(b: Uint8Array, offset = 0): string {
  const g: number[] = [];
  for (let i = 0; i < 8; i++) g.push(u16(b, offset + 2 * i));
  // IPv4-mapped (::ffff:a.b.c.d) and IPv4-compatible (::a.b.c.d, not ::1 or ::) forms, exactly
  // when glibc's inet_ntop prints them dotted, so `ip` output matches.
  if (g[0] === 0 && g[1] === 0 && g[2] === 0 && g[3] === 0 && g[4] === 0) {
    if (g[5] === 0xffff) return `::ffff:${formatIpv4Address(b, offset + 12)}`;
    if (g[5] === 0 && g[6] !== 0) return `::${formatIpv4Address(b, offset + 12)}`;
  }
  let bestStart = -1;
  let bestLen = 0;
  for (let i = 0; i < 8; ) {
    if (g[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && g[j] === 0) j++;
    if (j - i > bestLen) {
      bestStart = i;
      bestLen = j - i;
    }
    i = j;
  }
  if (bestLen < 2) return g.map((x) => x.toString(16)).join(':');
  const head = g.slice(0, bestStart).map((x) => x.toString(16)).join(':');
  const tail = g.slice(bestStart + bestLen).map((x) => x.toString(16)).join(':');
  return `${head}::${tail}`;
}

/** Parses IPv6 text (with optional trailing dotted IPv4); undefined when it is not an address. */
export function parseIpv6Address(text: string): Uint8Array | undefined {
  if (text.length === 0 || text.length > 45) return undefined;
  const out = new Uint8Array(16);
  const dbl = text.indexOf('::');
  if (dbl !== -1 && text.indexOf('::', dbl + 1) !== -1) return undefined;
  const parseGroups = (part: string, allowV4: boolean): number[] | undefined => {
    if (part === '') return [];
    const items = part.split(':');
    const words: number[] = [];
    for (let i = 0; i < items.length; i++) {
      const item = items[i] ?? '';
      if (allowV4 && i === items.length - 1 && item.includes('.')) {
        const v4 = parseIpv4Address(item);
        if (v4 === undefined) return undefined;
        words.push(((v4[0] ?? 0) << 8) | (v4[1] ?? 0), ((v4[2] ?? 0) << 8) | (v4[3] ?? 0));
        continue;
      }
      if (!/^[0-9a-fA-F]{1,4}$/.test(item)) return undefined;
      words.push(parseInt(item, 16));
    }
    return words;
  };
  let words: number[];
  if (dbl === -1) {
    const all = parseGroups(text, true);
    if (all === undefined || all.length !== 8) return undefined;
    words = all;
  } else {
    const head = parseGroups(text.slice(0, dbl), false);
    const tail = parseGroups(text.slice(dbl + 2), true);
    if (head === undefined || tail === undefined || head.length + tail.length > 7) return undefined;
    words = [...head, ...new Array<number>(8 - head.length - tail.length).fill(0), ...tail];
  }
  for (let i = 0; i < 8; i++) {
    const w = words[i] ?? 0;
    out[2 * i] = w >>> 8;
    out[2 * i + 1] = w & 0xff;
  }
  return out;
}

export function formatIpv4Address(b: Uint8Array, offset = 0): string {
  return `${b[offset] ?? 0}.${b[offset + 1] ?? 0}.${b[offset + 2] ?? 0}.${b[offset + 3] ?? 0}`;
}

/** Parses dotted-quad IPv4 text (no leading zeros beyond "0", as inet_pton). */
export function parseIpv4Address(text: string): Uint8Array | undefined {
  const parts = text.split('.');
  if (parts.length !== 4) return undefined;
  const out = new Uint8Array(4);
  for (let i = 0; i < 4; i++) {
    const p = parts[i] ?? '';
    if (!/^(0|[1-9][0-9]{0,2})$/.test(p)) return undefined;
    const v = Number(p);
    if (v > 255) return undefined;
    out[i] = v;
  }
  return out;
}
