/**
 * Growing an IOAM Incremental Trace (RFC 9197 §4.4.1, IOAM Option-Type 1) by one node entry in
 * an IPv6 Hop-by-Hop header. Linux ignores this Option-Type; v6stack processes it with
 * net.ipv6.ioam6_linux_compat 0 (ioam6-hbh.ts decides when, and fills the entry).
 *
 * In an Incremental Trace each node puts its entry first in the node data list, right after the
 * trace header (the list runs newest first), so the option grows by the entry's n octets (n a
 * multiple of 4). The Hop-by-Hop header must stay a multiple of 8 octets (RFC 8200 §4.3) and
 * the option 4n-aligned (RFC 9486 §3), so when n is 4 modulo 8 the padding run just before the
 * option changes by 4 octets: it shrinks by 4 when it has 4 or more, else grows by 4 (a run of
 * at most 7 octets, the most Linux's ip6_parse_tlv accepts). The packet grows by
 * `g = n + (new run - old run)`, a multiple of 8. The run is rewritten as Pad1 (one octet) or
 * one PadN; everything after the insertion point is left as it was.
 *
 * Layout, before and after (`opt` the option, `ins` the end of its trace header):
 *
 *     | IPv6 | HBH hdr, options | pad run r | opt hdr + trace hdr | node data list | rest
 *     | IPv6 | HBH hdr, options | pad r' | opt hdr + trace hdr | new entry (n) | node data list | rest
 *
 * The bytes move into the headroom when there is room (the data after `ins` stays put, which
 * also keeps an option walk in progress valid), else into the tailroom, else the buffer is
 * reallocated (PacketBuffer.ensureHeadroom: the only allocation, when a packet has crossed many
 * growing hops). The new entry is zeroed; Payload Length, Hdr Ext Len and Opt Data Len grow.
 * RemainingLen is the caller's (it was lowered when the entry was reserved).
 *
 * Limits that bound the growth (`incrementalRoom`): Opt Data Len is one octet (255), Hdr Ext
 * Len too (2048 octets of header), Payload Length 16 bits (a jumbogram, Payload Length 0, is not
 * grown), and the egress MTU, checked by the caller.
 */

import type { PacketBuffer } from '../net/packet-buffer.ts';
import { HEADER_UNSET } from '../net/packet-buffer.ts';
import { IOAM6_HDR_LEN, IOAM6_HDR_OPT_LEN, IOAM6_TRACE_HDR_LEN } from '../uapi/ioam6.ts';
import { IPV6_TLV_PAD1, IPV6_TLV_PADN } from '../uapi/in6.ts';
import { IPV6_HDR_LEN, IPV6_MAXPLEN } from '../uapi/ipv6.ts';
import { setU16, u16 } from '../wire/bytes.ts';
import { IPV6_FIELD } from '../wire/ipv6.ts';

const PAYLOAD_LENGTH = IPV6_FIELD.PAYLOAD_LENGTH;
/** Hop-by-Hop header: Next Header, Hdr Ext Len (8-octet units, not counting the first 8). */
const HBH_EXT_LEN = 1;
const HBH_OPTIONS = 2;
const MAX_EXT_LEN = 255;
const MAX_OPT_DATA_LEN = 255;
/** Option type through the end of the trace header: where the node data list starts. */
const TRACE_END = IOAM6_HDR_LEN + IOAM6_TRACE_HDR_LEN;
const OPT_LEN = IOAM6_HDR_OPT_LEN;
const PAD1 = IPV6_TLV_PAD1;
const PADN = IPV6_TLV_PADN;

/**
 * Octets of padding right before the option at `opt`, in the Hop-by-Hop header at `hbh`; -1
 * when a walk of the options from the header's start does not land on `opt`.
 */
export function padRunBefore(b: Uint8Array, hbh: number, opt: number): number {
  let p = hbh + HBH_OPTIONS;
  let run = -1;
  while (p < opt) {
    const t = b[p] ?? 0;
    if (t === PAD1) {
      if (run < 0) run = p;
      p += 1;
      continue;
    }
    if (t === PADN) {
      if (run < 0) run = p;
    } else {
      run = -1;
    }
    p += (b[p + 1] ?? 0) + 2;
  }
  if (p !== opt) return -1;
  return run < 0 ? 0 : opt - run;
}

/** The padding run that replaces `r` octets when an entry of `n` octets goes in. */
function newRun(r: number, n: number): number {
  if ((n & 7) === 0) return r;
  return r >= 4 ? r - 4 : r + 4;
}

/**
 * How many octets the packet grows by when an entry of `n` octets goes into the Incremental
 * Trace option at absolute offset `opt` of the packet whose IPv6 header is at `nh` (its
 * Hop-by-Hop header right after); -1 when it cannot: the options do not lead to `opt`, or Opt
 * Data Len, Hdr Ext Len or Payload Length would overflow, or the packet is a jumbogram.
 */
export function incrementalRoom(b: Uint8Array, nh: number, opt: number, n: number): number {
  const hbh = nh + IPV6_HDR_LEN;
  const r = padRunBefore(b, hbh, opt);
  if (r < 0) return -1;
  if ((b[opt + OPT_LEN] ?? 0) + n > MAX_OPT_DATA_LEN) return -1;
  const g = n + newRun(r, n) - r;
  if ((b[hbh + HBH_EXT_LEN] ?? 0) + (g >>> 3) > MAX_EXT_LEN) return -1;
  const plen = u16(b, nh + PAYLOAD_LENGTH);
  if (plen === 0 || plen + g > IPV6_MAXPLEN) return -1;
  return g;
}

/** Moves a header mark by `by` when it is set and on the moving side of `at`. */
function shifted(mark: number, at: number, by: number, below: boolean): number {
  if (mark === HEADER_UNSET) return mark;
  return (below ? mark < at : mark >= at) ? mark + by : mark;
}

/**
 * Inserts a zeroed entry of `n` octets first in the node data list of the Incremental Trace
 * option at `opt`, the packet's IPv6 header at `nh` and `pkb.data` there, growing the packet by
 * `g` (from `incrementalRoom`). With `frontOnly` the bytes may only move into the headroom (for
 * a caller in the middle of an option walk), and nothing happens without room there. Returns the
 * option's new offset, or -1 when nothing was done.
 */
export function incrementalInsert(pkb: PacketBuffer, nh: number, opt: number, n: number, g: number, frontOnly: boolean): number {
  let base = nh;
  let at = opt;
  let front = base >= g;
  if (!front && !frontOnly && pkb.tailroom < g) {
    const before = pkb.data;
    pkb.ensureHeadroom(pkb.data - base + g);
    base += pkb.data - before;
    at += pkb.data - before;
    front = true;
  }
  if (!front && (frontOnly || pkb.tailroom < g)) return -1;
  const b = pkb.buf;
  const hbh = base + IPV6_HDR_LEN;
  const r = padRunBefore(b, hbh, at);
  const r2 = newRun(r, n);
  const ins = at + TRACE_END;
  const runAt = at - r;
  let newOpt: number;
  if (front) {
    // [base, runAt) moves back by g, the option head back by n: the data from `ins` stays.
    b.copyWithin(base - g, base, runAt);
    newOpt = at - n;
    b.copyWithin(newOpt, at, ins);
    pkb.data = shifted(pkb.data, ins, -g, true);
    pkb.networkHeader = shifted(pkb.networkHeader, ins, -g, true);
    pkb.transportHeader = shifted(pkb.transportHeader, ins, -g, true);
    pkb.macHeader = shifted(pkb.macHeader, ins, -g, true);
  } else {
    // The data from `ins` moves on by g, the option head by r2 - r; [base, runAt) stays.
    b.copyWithin(ins + g, ins, pkb.tail);
    newOpt = at + r2 - r;
    b.copyWithin(newOpt, at, ins);
    pkb.tail += g;
    pkb.transportHeader = shifted(pkb.transportHeader, ins, g, false);
  }
  const newNh = front ? base - g : base;
  writePadRun(b, newOpt - r2, r2);
  b.fill(0, newOpt + TRACE_END, newOpt + TRACE_END + n);
  b[newOpt + OPT_LEN] = (b[newOpt + OPT_LEN] ?? 0) + n;
  const newHbh = newNh + IPV6_HDR_LEN;
  b[newHbh + HBH_EXT_LEN] = (b[newHbh + HBH_EXT_LEN] ?? 0) + (g >>> 3);
  setU16(b, newNh + PAYLOAD_LENGTH, u16(b, newNh + PAYLOAD_LENGTH) + g);
  return newOpt;
}

/** Pad1 for one octet, PadN (zero data) for more, nothing for none. */
function writePadRun(b: Uint8Array, at: number, len: number): void {
  if (len === 0) return;
  if (len === 1) {
    b[at] = PAD1;
    return;
  }
  b[at] = PADN;
  b[at + 1] = len - 2;
  b.fill(0, at + 2, at + len);
}

/** True when nothing but padding follows the option at `opt` to the end of its Hop-by-Hop header. */
export function onlyPaddingAfter(b: Uint8Array, nh: number, opt: number): boolean {
  const hbh = nh + IPV6_HDR_LEN;
  const end = hbh + (((b[hbh + HBH_EXT_LEN] ?? 0) + 1) << 3);
  let p = opt + (b[opt + OPT_LEN] ?? 0) + 2;
  while (p < end) {
    const t = b[p] ?? 0;
    if (t === PAD1) p += 1;
    else if (t === PADN) p += (b[p + 1] ?? 0) + 2;
    else return false;
  }
  return true;
}
