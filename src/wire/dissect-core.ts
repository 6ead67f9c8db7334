/**
 * Building blocks of the packet dissector (./dissect.ts): the Layer/Field model, a builder for
 * layers, the decoding context (GTP-U ports, nesting depth, where decoding stopped and why) and
 * the number formatting every dissector part shares.
 *
 * Offsets in layers and in their errors are absolute: positions in the captured frame.
 */

import { toHex } from './bytes.ts';
import type { WireError } from './result.ts';

export type FieldValue = string | number | bigint | boolean;

export interface Field {
  /** Short snake_case name ("hop_limit", "flow_label"). */
  readonly name: string;
  readonly value: FieldValue;
  /** Human text when it differs from String(value) ("0x0f000", "Echo Request"). */
  readonly display?: string;
}

export interface Layer {
  readonly protocol: string;
  /** Offset of the layer's first byte in the frame. */
  readonly offset: number;
  /** Bytes of the header (or, for "payload", of the data) this layer describes. */
  readonly length: number;
  readonly fields: readonly Field[];
  readonly children: readonly Layer[];
  /** Set when this layer is where decoding found the input malformed. */
  readonly error?: WireError;
}

/** Layers decoded from one position onwards, and their part of the one-line summary. */
export interface Decoded {
  readonly layers: Layer[];
  readonly summary: string;
}

export class LayerBuilder {
  readonly protocol: string;
  readonly offset: number;
  length: number;
  readonly fields: Field[] = [];
  readonly children: Layer[] = [];
  error: WireError | undefined = undefined;

  constructor(protocol: string, offset: number, length: number) {
    this.protocol = protocol;
    this.offset = offset;
    this.length = length;
  }

  add(name: string, value: FieldValue, display?: string): this {
    this.fields.push(display === undefined || display === String(value) ? { name, value } : { name, value, display });
    return this;
  }

  build(): Layer {
    const base = { protocol: this.protocol, offset: this.offset, length: this.length, fields: this.fields, children: this.children };
    return this.error === undefined ? base : { ...base, error: this.error };
  }
}

/** Network layers nested in one frame (tunnels, ICMP quotes) before decoding gives up. */
export const MAX_NESTING = 8;

/** Decodes an IP packet (either version, by its first nibble) in `b[offset, end)`. */
export type IpDecoder = (ctx: DissectContext, b: Uint8Array, offset: number, end: number) => Decoded;

export class DissectContext {
  readonly gtpuPorts: readonly number[];
  readonly depth: number;
  /** Inside an ICMP error's invoking packet: running out of bytes is expected there. */
  readonly quoted: boolean;
  readonly decodeIp: IpDecoder;
  /** The first malformation met; decoding stops there. */
  malformed: { readonly protocol: string; readonly error: WireError } | undefined = undefined;
  /** A quoted packet ended before its headers did (not an error). */
  truncated = false;

  constructor(gtpuPorts: readonly number[], decodeIp: IpDecoder, depth = 0, quoted = false) {
    this.gtpuPorts = gtpuPorts;
    this.decodeIp = decodeIp;
    this.depth = depth;
    this.quoted = quoted;
  }

  get stopped(): boolean {
    return this.malformed !== undefined || this.truncated;
  }

  /** A context one network layer deeper (tunnel payloads share this context's fate). */
  deeper(): DissectContext {
    return new DissectContext(this.gtpuPorts, this.decodeIp, this.depth + 1, this.quoted);
  }

  /** A context for an ICMP error's invoking packet, whose problems stay its own. */
  quote(): DissectContext {
    return new DissectContext(this.gtpuPorts, this.decodeIp, this.depth + 1, true);
  }

  /** Records `error` on `layer` and stops decoding. */
  fail(layer: LayerBuilder, error: WireError): void {
    layer.error = error;
    this.malformed ??= { protocol: layer.protocol, error };
  }

  /**
   * Like `fail`, except that inside a quoted packet a `truncated` error only marks the layer
   * as cut short: ICMP errors carry as much of the invoking packet as fits, not all of it.
   */
  problem(layer: LayerBuilder, error: WireError): void {
    if (this.quoted && error.kind === 'truncated') {
      layer.add('truncated', true, `yes: ${error.field}: ${error.message}`);
      this.truncated = true;
      return;
    }
    this.fail(layer, error);
  }

  /** Adopts a nested context's stop (tunnel payloads are part of this packet). */
  adopt(inner: DissectContext): void {
    this.malformed ??= inner.malformed;
    this.truncated ||= inner.truncated;
  }
}

/** A WireError moved by `delta` (a codec's offsets are relative to the buffer it was given). */
export function at(error: WireError, delta: number): WireError {
  return { ...error, offset: error.offset + delta };
}

export function hex(v: number, digits = 0): string {
  return `0x${v.toString(16).padStart(digits, '0')}`;
}

export function hexBig(v: bigint, digits = 0): string {
  return `0x${v.toString(16).padStart(digits, '0')}`;
}

/** "Name (n)", or "n" alone when there is no name. */
export function named(name: string | undefined, v: number): string {
  return name === undefined ? String(v) : `${name} (${v})`;
}

/** Hex of up to 32 bytes for display, with the total when longer. */
export function shortHex(b: Uint8Array): string {
  const max = 32;
  return b.length <= max ? toHex(b) : `${toHex(b.subarray(0, max))}... (${b.length} bytes)`;
}

/** A "payload" layer for `b[offset, end)`, with what it is when that is known. */
export function payloadLayer(b: Uint8Array, offset: number, end: number, content?: string): Layer {
  const data = b.subarray(offset, end);
  const l = new LayerBuilder('payload', offset, data.length);
  if (content !== undefined) l.add('content', content);
  l.add('length', data.length);
  l.add('data', toHex(data), shortHex(data));
  return l.build();
}

/** IP protocol numbers (IANA "Assigned Internet Protocol Numbers") the dissector names. */
const IP_PROTOCOL_NAMES: ReadonlyMap<number, string> = new Map([
  [0, 'Hop-by-Hop'],
  [1, 'ICMP'],
  [2, 'IGMP'],
  [4, 'IPv4'],
  [6, 'TCP'],
  [17, 'UDP'],
  [41, 'IPv6'],
  [43, 'Routing'],
  [44, 'Fragment'],
  [47, 'GRE'],
  [50, 'ESP'],
  [51, 'AH'],
  [58, 'ICMPv6'],
  [59, 'No Next Header'],
  [60, 'Destination Options'],
  [89, 'OSPF'],
  [103, 'PIM'],
  [112, 'VRRP'],
  [132, 'SCTP'],
  [135, 'Mobility'],
  [136, 'UDP-Lite'],
  [137, 'MPLS-in-IP'],
  [143, 'Ethernet'],
]);

export function ipProtocolName(p: number): string | undefined {
  return IP_PROTOCOL_NAMES.get(p);
}
