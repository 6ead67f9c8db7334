/**
 * Walking the IPv6 extension-header chain (RFC 8200 §4) the way Linux does in
 * net/ipv6/exthdrs_core.c: `ipv6_skip_exthdr` (`ExtHeaderWalker`, `skipExthdr`) and
 * `ipv6_find_hdr` (`findHeader`).
 *
 * Linux's notion of an extension header (`ipv6_ext_hdr`) is Hop-by-Hop, Routing, Fragment,
 * AH, Destination Options and No Next Header. Their lengths are `(Hdr Ext Len + 1) * 8`, except
 * AH (`(Payload Len + 2) * 4`, RFC 4302) and Fragment (always 8). ESP and every other value are
 * upper-layer protocols and end the walk; No Next Header ends it too. A Fragment header with a
 * non-zero offset ends it as in Linux: a later fragment's payload is not a header chain.
 *
 * Contract: the walker allocates nothing while walking (an error allocates its WireError); it
 * never reads past the buffer and never throws. Offsets are absolute in the buffer handed to it,
 * so an error offset is directly an ICMPv6 Parameter Problem pointer when the buffer starts at
 * the IPv6 header.
 *
 * Differences from Linux, on purpose: Linux only needs the first 2 (Fragment: 4) bytes of a
 * header and may return an offset past the end of a truncated packet, leaving the drop to the
 * caller's next pskb_may_pull; here a header that does not fit is a 'truncated' error. Linux's
 * ipv6_skip_exthdr returns -1 on No Next Header; `skipExthdr` returns it as the protocol (59).
 * The header-count limit defaults to IP6_MAX_EXT_HDRS_CNT (12); a total-length limit is ours.
 */

import {
  IP6_FH_F_AUTH,
  IP6_FH_F_FRAG,
  IP6_FH_F_SKIP_RH,
  IP6_FRAG_HDR_LEN,
  IP6_MAX_EXT_HDRS_CNT,
  IP6_OFFSET,
  IPV6_HDR_LEN,
  NEXTHDR_AUTH,
  NEXTHDR_DEST,
  NEXTHDR_FRAGMENT,
  NEXTHDR_HOP,
  NEXTHDR_NONE,
  NEXTHDR_ROUTING,
} from '../uapi/ipv6.ts';
import { u16 } from './bytes.ts';
import { ok, type Result, type WireError } from './result.ts';

/*
 * Every extension header this walker skips starts with the same two octets (RFC 8200 §4.2,
 * RFC 4302 §2 for AH):
 *
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |  Next Header  |  Hdr Ext Len  |   ... (Fragment: Reserved; AH: Payload Len)
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 */
const F = {
  NEXT_HEADER: 0,
  HDR_EXT_LEN: 1,
  /** Routing header: Segments Left. */
  SEGMENTS_LEFT: 3,
  /** Fragment header: Fragment Offset | Res | M. */
  FRAG_OFF: 2,
} as const;

/** Linux ipv6_ext_hdr(): the Next Header values that the walkers treat as extension headers. */
export function isExtHeader(nextHeader: number): boolean {
  return (
    nextHeader === NEXTHDR_HOP ||
    nextHeader === NEXTHDR_ROUTING ||
    nextHeader === NEXTHDR_FRAGMENT ||
    nextHeader === NEXTHDR_AUTH ||
    nextHeader === NEXTHDR_NONE ||
    nextHeader === NEXTHDR_DEST
  );
}

export interface ExtHeaderLimits {
  /** Most extension headers walked (No Next Header not counted); default IP6_MAX_EXT_HDRS_CNT. */
  readonly maxHeaders?: number;
  /** Most bytes of extension headers in total; default unlimited (Linux has no such limit). */
  readonly maxLength?: number;
}

/** Why a walk ended. */
export type ExtHeaderWalkEnd =
  /** An upper-layer protocol (anything not an extension header, ESP included) follows. */
  | 'upper'
  /** No Next Header (59): nothing follows. */
  | 'no-next-header'
  /** A Fragment header with a non-zero offset: the rest is fragment data. */
  | 'later-fragment'
  /** Malformed or over a limit: see `error`. */
  | 'error';

const EMPTY = new Uint8Array(0);

/**
 * A reusable, non-allocating cursor over an extension-header chain.
 *
 * ```ts
 * const w = new ExtHeaderWalker();
 * w.reset(packet, 40, view.nextHeader);
 * while (w.next()) use(w.type, w.offset, w.length);
 * if (w.end === 'error') drop(w.error);
 * else deliver(w.protocol, w.protocolOffset);
 * ```
 */
export class ExtHeaderWalker {
  bytes: Uint8Array = EMPTY;
  /** The current extension header: its type (the Next Header value naming it), offset, length. */
  type = 0;
  offset = 0;
  length = 0;
  /** Valid once `next()` has returned false. */
  end: ExtHeaderWalkEnd = 'upper';
  /**
   * What follows the chain and where, as ipv6_skip_exthdr reports it: the upper-layer protocol
   * and its offset; 59 for No Next Header; for a later fragment, 44 and the Fragment header's
   * own offset.
   */
  protocol = 0;
  protocolOffset = 0;
  /** frag_off (host order, with the M bit) of the last Fragment header seen, else 0. */
  fragOff = 0;
  /** Extension headers walked so far and their total length. */
  count = 0;
  totalLength = 0;
  error: WireError | undefined = undefined;

  private pending = 0;
  private cursor = 0;
  private done = true;
  private stopAfterCurrent = false;
  private maxHeaders = IP6_MAX_EXT_HDRS_CNT;
  private maxLength = Number.POSITIVE_INFINITY;

  /** Starts a walk at `start`, where a header of type `nextHeader` begins. */
  reset(bytes: Uint8Array, start: number, nextHeader: number, limits?: ExtHeaderLimits): this {
    this.bytes = bytes;
    this.pending = nextHeader;
    this.cursor = start;
    this.type = 0;
    this.offset = start;
    this.length = 0;
    this.end = 'upper';
    this.protocol = 0;
    this.protocolOffset = start;
    this.fragOff = 0;
    this.count = 0;
    this.totalLength = 0;
    this.error = undefined;
    this.done = false;
    this.stopAfterCurrent = false;
    this.maxHeaders = limits?.maxHeaders ?? IP6_MAX_EXT_HDRS_CNT;
    this.maxLength = limits?.maxLength ?? Number.POSITIVE_INFINITY;
    return this;
  }

  private finish(end: ExtHeaderWalkEnd, protocol: number, offset: number): false {
    this.done = true;
    this.end = end;
    this.protocol = protocol;
    this.protocolOffset = offset;
    return false;
  }

  private fail(error: WireError): false {
    this.error = error;
    return this.finish('error', this.pending, this.cursor);
  }

  /** Moves to the next extension header; false when the chain has ended (see `end`). */
  next(): boolean {
    if (this.done) return false;
    const start = this.cursor;
    if (this.stopAfterCurrent) return this.finish('later-fragment', NEXTHDR_FRAGMENT, this.offset);
    const t = this.pending;
    if (!isExtHeader(t)) return this.finish('upper', t, start);
    if (t === NEXTHDR_NONE) return this.finish('no-next-header', NEXTHDR_NONE, start);
    if (this.count >= this.maxHeaders) {
      return this.fail({
        kind: 'limit',
        offset: start,
        field: 'Next Header',
        message: `more than ${this.maxHeaders} extension headers`,
      });
    }
    const b = this.bytes;
    if (start + 2 > b.length) {
      return this.fail({ kind: 'truncated', offset: start, field: 'Hdr Ext Len', message: 'extension header cut short' });
    }
    let len: number;
    if (t === NEXTHDR_FRAGMENT) {
      len = IP6_FRAG_HDR_LEN;
    } else if (t === NEXTHDR_AUTH) {
      len = ((b[start + F.HDR_EXT_LEN] ?? 0) + 2) << 2;
    } else {
      len = ((b[start + F.HDR_EXT_LEN] ?? 0) + 1) << 3;
    }
    if (start + len > b.length) {
      return this.fail({
        kind: 'truncated',
        offset: start + F.HDR_EXT_LEN,
        field: t === NEXTHDR_FRAGMENT ? 'Fragment header' : 'Hdr Ext Len',
        message: `header of ${len} bytes at ${start} runs past the end (${b.length})`,
      });
    }
    if (this.totalLength + len > this.maxLength) {
      return this.fail({
        kind: 'limit',
        offset: start,
        field: 'Hdr Ext Len',
        message: `extension headers longer than ${this.maxLength} bytes`,
      });
    }
    if (t === NEXTHDR_FRAGMENT) {
      this.fragOff = u16(b, start + F.FRAG_OFF);
      // A later fragment: Linux stops here and reports the Fragment header itself.
      if ((this.fragOff & IP6_OFFSET) !== 0) this.stopAfterCurrent = true;
    }
    this.count++;
    this.totalLength += len;
    this.type = t;
    this.offset = start;
    this.length = len;
    this.pending = b[start + F.NEXT_HEADER] ?? 0;
    this.cursor = start + len;
    return true;
  }

  /** Walks to the end; true unless the chain is malformed or over a limit. */
  skip(): boolean {
    while (this.next());
    return this.end !== 'error';
  }
}

/** ipv6_skip_exthdr's answer. */
export interface SkipExthdrResult {
  /** The protocol after the chain (59 for No Next Header; 44 for a later fragment). */
  readonly nextHeader: number;
  /** Its offset (for a later fragment: the Fragment header's offset). */
  readonly offset: number;
  /** frag_off of the last Fragment header (host order, with M), 0 when there was none. */
  readonly fragOff: number;
  readonly end: Exclude<ExtHeaderWalkEnd, 'error'>;
}

/** Like Linux ipv6_skip_exthdr: skips the chain starting at `start` with header `nextHeader`. */
export function skipExthdr(
  bytes: Uint8Array,
  start: number,
  nextHeader: number,
  limits?: ExtHeaderLimits,
): Result<SkipExthdrResult> {
  const w = new ExtHeaderWalker().reset(bytes, start, nextHeader, limits);
  if (!w.skip() || w.end === 'error') {
    const error = w.error ?? { kind: 'bad-value', offset: start, field: 'Next Header', message: 'walk failed' };
    return { ok: false, error };
  }
  return ok({ nextHeader: w.protocol, offset: w.protocolOffset, fragOff: w.fragOff, end: w.end });
}

/** ipv6_find_hdr's answer. */
export interface FoundHeader {
  /** The header type found (the target), or for target -1 the last protocol. */
  readonly nextHeader: number;
  /**
   * Its offset. For a later fragment asked with target -1, Linux leaves the offset meaningless;
   * here it is where the fragment data starts.
   */
  readonly offset: number;
  /** Fragment Offset in bytes (frag_off & ~7) when a later-fragment header was met, else 0. */
  readonly fragOffset: number;
  /** The input flags plus IP6_FH_F_FRAG when a Fragment header was met. */
  readonly flags: number;
}

/** -ENOENT (no such header) or -EBADMSG (malformed, truncated, over the limit). */
export type FindHeaderError =
  | { readonly errno: 'ENOENT'; readonly offset: number }
  | { readonly errno: 'EBADMSG'; readonly error: WireError };

export interface FindHeaderOptions {
  /** Offset of the IPv6 header to start from (an inner header, e.g. inside ICMPv6); default 0. */
  readonly offset?: number;
  /** IP6_FH_F_AUTH (stop at AH when target is -1), IP6_FH_F_SKIP_RH (ignore RH with SL 0). */
  readonly flags?: number;
  readonly limits?: ExtHeaderLimits;
}

function badmsg(offset: number, field: string, message: string, kind: WireError['kind'] = 'truncated'): {
  readonly ok: false;
  readonly error: FindHeaderError;
} {
  return { ok: false, error: { errno: 'EBADMSG', error: { kind, offset, field, message } } };
}

/**
 * Like Linux ipv6_find_hdr: finds the first header of type `target` after the IPv6 header at
 * `options.offset`, or with `target` -1 the last header of the chain (transport header, ESP or
 * No Next Header). A later fragment (non-zero offset) hides everything after it: asked for the
 * last header, it answers the Fragment header's Next Header; asked for the Fragment header
 * itself, it answers that; anything else is ENOENT.
 */
export function findHeader(
  packet: Uint8Array,
  target: number,
  options: FindHeaderOptions = {},
): Result<FoundHeader, FindHeaderError> {
  const base = options.offset ?? 0;
  let flags = options.flags ?? 0;
  const maxHeaders = options.limits?.maxHeaders ?? IP6_MAX_EXT_HDRS_CNT;
  const maxLength = options.limits?.maxLength ?? Number.POSITIVE_INFINITY;
  if (base < 0 || base + IPV6_HDR_LEN > packet.length) return badmsg(base, 'IPv6 header', 'IPv6 header not found');
  if ((packet[base] ?? 0) >>> 4 !== 6) return badmsg(base, 'Version', 'IPv6 header not found', 'bad-version');
  let start = base + IPV6_HDR_LEN;
  let nexthdr = packet[base + 6] ?? 0;
  let count = 0;
  let total = 0;
  let found = false;
  let fragOffset = 0;
  do {
    found = nexthdr === target;
    if (!isExtHeader(nexthdr) || nexthdr === NEXTHDR_NONE) {
      if (target < 0 || found) break;
      return { ok: false, error: { errno: 'ENOENT', offset: start } };
    }
    if (count++ >= maxHeaders) return badmsg(start, 'Next Header', `more than ${maxHeaders} extension headers`, 'limit');
    if (start + 2 > packet.length) return badmsg(start, 'Hdr Ext Len', 'extension header cut short');
    const hpNext = packet[start + F.NEXT_HEADER] ?? 0;
    let hdrlen: number;
    if (nexthdr === NEXTHDR_ROUTING) {
      if (start + 4 > packet.length) return badmsg(start, 'Segments Left', 'routing header cut short');
      if ((flags & IP6_FH_F_SKIP_RH) !== 0 && packet[start + F.SEGMENTS_LEFT] === 0) found = false;
    }
    if (nexthdr === NEXTHDR_FRAGMENT) {
      flags |= IP6_FH_F_FRAG;
      if (start + IP6_FRAG_HDR_LEN > packet.length) return badmsg(start, 'Fragment header', 'fragment header cut short');
      const off = u16(packet, start + F.FRAG_OFF) & IP6_OFFSET;
      if (off !== 0) {
        if (target < 0 && (!isExtHeader(hpNext) || hpNext === NEXTHDR_NONE)) {
          return ok({ nextHeader: hpNext, offset: start + IP6_FRAG_HDR_LEN, fragOffset: off, flags });
        }
        if (!found) return { ok: false, error: { errno: 'ENOENT', offset: start } };
        fragOffset = off;
        break;
      }
      hdrlen = IP6_FRAG_HDR_LEN;
    } else if (nexthdr === NEXTHDR_AUTH) {
      if ((flags & IP6_FH_F_AUTH) !== 0 && target < 0) break;
      hdrlen = ((packet[start + F.HDR_EXT_LEN] ?? 0) + 2) << 2;
    } else {
      hdrlen = ((packet[start + F.HDR_EXT_LEN] ?? 0) + 1) << 3;
    }
    if (start + hdrlen > packet.length) {
      return badmsg(start + F.HDR_EXT_LEN, 'Hdr Ext Len', `header of ${hdrlen} bytes at ${start} runs past the end`);
    }
    total += hdrlen;
    if (total > maxLength) return badmsg(start, 'Hdr Ext Len', `extension headers longer than ${maxLength} bytes`, 'limit');
    if (!found) {
      nexthdr = hpNext;
      start += hdrlen;
    }
  } while (!found);
  return ok({ nextHeader: nexthdr, offset: start, fragOffset, flags });
}
