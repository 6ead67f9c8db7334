/**
 * Raw IOAM Hop-by-Hop options and headers for tests, well-formed or deliberately not (NodeLen,
 * RemainingLen, Opt Data Len and the Flags are settable), so they are built byte by byte rather
 * than with wire/'s emitters, which only write valid ones.
 */

import { traceNodeLen } from '../../src/wire/ioam-trace.ts';

export interface IoamOptionSpec {
  /** Namespace-ID (default 123). */
  readonly ns?: number;
  readonly type: number;
  /** Pre-allocated octets after the trace header. */
  readonly size: number;
  /** Default: the one `type` implies. */
  readonly nodeLen?: number;
  /** The 4-bit Flags (0x8: Overflow). */
  readonly flags?: number;
  /** RemainingLen (default: all of `size` less `prefill`, in 4-octet units). */
  readonly remlen?: number;
  /** Octets at the end already holding a previous hop's entry (0xaa). */
  readonly prefill?: number;
  /** IOAM Option-Type (default 0, Pre-allocated Trace). */
  readonly ioamType?: number;
  /** Opt Data Len, when it should not match the contents (the option is cut to it). */
  readonly optLen?: number;
}

/** The IPv6 option: type 0x31, Opt Data Len, Reserved, IOAM Opt-Type, trace header, data. */
export function ioamOption(o: IoamOptionSpec): Uint8Array {
  const full = new Uint8Array(2 + 2 + 8 + o.size);
  const nodeLen = o.nodeLen ?? traceNodeLen(o.type);
  const prefill = o.prefill ?? 0;
  const flags = o.flags ?? 0;
  const ns = o.ns ?? 123;
  full[0] = 0x31;
  full[1] = o.optLen ?? full.length - 2;
  full[3] = o.ioamType ?? 0;
  full[4] = ns >> 8;
  full[5] = ns & 0xff;
  full[6] = (nodeLen << 3) | (flags >> 1);
  full[7] = ((flags & 1) << 7) | (o.remlen ?? (o.size - prefill) / 4);
  full[8] = (o.type >> 16) & 0xff;
  full[9] = (o.type >> 8) & 0xff;
  full[10] = o.type & 0xff;
  full.fill(0xaa, full.length - prefill);
  return o.optLen === undefined ? full : full.slice(0, 2 + o.optLen);
}

/**
 * A Hop-by-Hop header: `lead` octets of padding (2 puts the first option 4n from the IPv6
 * header), the options, then padding to 8n; Hdr Ext Len set.
 */
export function hbhHeader(nextHeader: number, opts: readonly Uint8Array[], lead = 2): Uint8Array {
  const body: number[] = [nextHeader, 0];
  if (lead === 1) body.push(0);
  else if (lead >= 2) body.push(1, lead - 2, ...new Array<number>(lead - 2).fill(0));
  for (const o of opts) body.push(...o);
  const rest = (8 - (body.length % 8)) % 8;
  if (rest === 1) body.push(0);
  else if (rest >= 2) body.push(1, rest - 2, ...new Array<number>(rest - 2).fill(0));
  const out = Uint8Array.from(body);
  out[1] = out.length / 8 - 1;
  return out;
}
