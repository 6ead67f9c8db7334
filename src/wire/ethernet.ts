/**
 * Ethernet II header (destination, source, EtherType) with IEEE 802.1Q / 802.1ad VLAN tags,
 * stacked (Q-in-Q), and MAC address text.
 *
 * Contract: `EthernetView.check` needs the 14-byte header and every tag it announces: while the
 * type field holds ETH_P_8021Q or ETH_P_8021AD (Linux `eth_type_vlan`), a 4-byte tag (TCI, then
 * the next type) follows. Like Linux `__vlan_get_protocol`, which gives up when its depth
 * budget of VLAN_MAX_DEPTH reaches zero, at most 7 tags are accepted; more is a `limit` error.
 * The payload starts after the last tag. The frame check sequence is not expected (captures
 * and TUN/TAP frames carry none).
 *
 * Not supported: IEEE 802.3 length frames (a type field below ETH_P_802_3_MIN is returned as is,
 * not interpreted as LLC), 802.1ah backbone tags, the deprecated 0x9100 Q-in-Q TPIDs.
 */

import { u16, setU16 } from './bytes.ts';
import { ok, wireError, type Result } from './result.ts';
import {
  ETH_ALEN,
  ETH_HLEN,
  ETH_P_8021AD,
  ETH_P_8021Q,
  VLAN_CFI_MASK,
  VLAN_HLEN,
  VLAN_MAX_DEPTH,
  VLAN_PRIO_MASK,
  VLAN_PRIO_SHIFT,
  VLAN_VID_MASK,
} from '../uapi/if_ether.ts';

/*
 *  0                   1                   2                   3
 *  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |                    Destination MAC (6 octets)                 |
 * +                               +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |                               |                               |
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+    Source MAC (6 octets)      +
 * |                                                               |
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |   Type (or TPID 0x8100/0x88a8) | PCP |D|        VID           |  <- tag: TPID + TCI
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |   Type of the next tag or of the payload ...
 */
const F = { DST: 0, SRC: 6, TYPE: 12, TAG_TCI: 2 } as const;

/** The most stacked tags Linux parses: `!--parse_depth` from VLAN_MAX_DEPTH fails on the 8th. */
export const ETH_MAX_VLAN_TAGS = VLAN_MAX_DEPTH - 1;

/** True for the TPIDs Linux treats as VLAN tags (`eth_type_vlan`). */
export function isVlanTpid(type: number): boolean {
  return type === ETH_P_8021Q || type === ETH_P_8021AD;
}

export class EthernetView {
  readonly bytes: Uint8Array;
  /** Number of VLAN tags, outermost first. */
  readonly vlanCount: number;

  private constructor(bytes: Uint8Array, vlanCount: number) {
    this.bytes = bytes;
    this.vlanCount = vlanCount;
  }

  static check(bytes: Uint8Array): Result<EthernetView> {
    if (bytes.length < ETH_HLEN) {
      return wireError('truncated', 0, 'Ethernet header', `${bytes.length} bytes, need ${ETH_HLEN}`);
    }
    let typeAt = F.TYPE;
    let count = 0;
    while (isVlanTpid(u16(bytes, typeAt))) {
      if (count === ETH_MAX_VLAN_TAGS) {
        return wireError('limit', typeAt, 'TPID', `more than ${ETH_MAX_VLAN_TAGS} stacked VLAN tags`);
      }
      if (bytes.length < typeAt + 2 + VLAN_HLEN) {
        return wireError('truncated', typeAt + 2, 'VLAN tag', `tag ${count + 1} runs past the ${bytes.length} bytes received`);
      }
      count++;
      typeAt += VLAN_HLEN;
    }
    return ok(new EthernetView(bytes, count));
  }

  get dst(): Uint8Array {
    return this.bytes.subarray(F.DST, F.DST + ETH_ALEN);
  }
  get src(): Uint8Array {
    return this.bytes.subarray(F.SRC, F.SRC + ETH_ALEN);
  }
  /** Offset of tag `i`'s TPID (tag 0 is the outermost). */
  private tagAt(i: number): number {
    return F.TYPE + i * VLAN_HLEN;
  }
  vlanTpid(i: number): number {
    return u16(this.bytes, this.tagAt(i));
  }
  /** Tag Control Information: PCP (3 bits), DEI (1 bit), VID (12 bits). */
  vlanTci(i: number): number {
    return u16(this.bytes, this.tagAt(i) + F.TAG_TCI);
  }
  vlanPcp(i: number): number {
    return (this.vlanTci(i) & VLAN_PRIO_MASK) >>> VLAN_PRIO_SHIFT;
  }
  vlanDei(i: number): boolean {
    return (this.vlanTci(i) & VLAN_CFI_MASK) !== 0;
  }
  vlanVid(i: number): number {
    return this.vlanTci(i) & VLAN_VID_MASK;
  }
  /** The type after the last tag: what the payload is. */
  get etherType(): number {
    return u16(this.bytes, this.tagAt(this.vlanCount));
  }
  set etherType(v: number) {
    setU16(this.bytes, this.tagAt(this.vlanCount), v);
  }
  get payloadOffset(): number {
    return ETH_HLEN + this.vlanCount * VLAN_HLEN;
  }
  get payload(): Uint8Array {
    return this.bytes.subarray(this.payloadOffset);
  }
}

export interface VlanTag {
  /** ETH_P_8021Q (C-tag) or ETH_P_8021AD (S-tag). */
  readonly tpid: number;
  /** Priority Code Point, 0..7. */
  readonly pcp: number;
  /** Drop Eligible Indicator (formerly CFI). */
  readonly dei: boolean;
  /** VLAN identifier, 0..4095. */
  readonly vid: number;
}

export interface EthernetRepr {
  readonly dst: Uint8Array;
  readonly src: Uint8Array;
  /** Outermost first. */
  readonly vlans: readonly VlanTag[];
  readonly etherType: number;
}

export function parseEthernet(bytes: Uint8Array): Result<EthernetRepr> {
  const checked = EthernetView.check(bytes);
  if (!checked.ok) return checked;
  const v = checked.value;
  const vlans: VlanTag[] = [];
  for (let i = 0; i < v.vlanCount; i++) {
    vlans.push({ tpid: v.vlanTpid(i), pcp: v.vlanPcp(i), dei: v.vlanDei(i), vid: v.vlanVid(i) });
  }
  return ok({ dst: v.dst, src: v.src, vlans, etherType: v.etherType });
}

export function ethernetBufferLen(repr: EthernetRepr): number {
  return ETH_HLEN + repr.vlans.length * VLAN_HLEN;
}

/** Writes the header and its tags at `offset`; returns the payload offset relative to `offset`. */
export function emitEthernet(repr: EthernetRepr, bytes: Uint8Array, offset = 0): number {
  const len = ethernetBufferLen(repr);
  if (repr.dst.length !== ETH_ALEN || repr.src.length !== ETH_ALEN) {
    throw new RangeError(`emitEthernet: MAC addresses must be ${ETH_ALEN} bytes`);
  }
  if (repr.vlans.length > ETH_MAX_VLAN_TAGS) {
    throw new RangeError(`emitEthernet: ${repr.vlans.length} tags exceed ${ETH_MAX_VLAN_TAGS}`);
  }
  // A VLAN TPID as payload type would be read back as one more tag.
  if (!Number.isInteger(repr.etherType) || repr.etherType < 0 || repr.etherType > 0xffff || isVlanTpid(repr.etherType)) {
    throw new RangeError(`emitEthernet: EtherType 0x${repr.etherType.toString(16)} is not a payload type`);
  }
  for (const t of repr.vlans) {
    if (!isVlanTpid(t.tpid)) throw new RangeError(`emitEthernet: TPID 0x${t.tpid.toString(16)} is not 0x8100 or 0x88a8`);
    if (!Number.isInteger(t.pcp) || t.pcp < 0 || t.pcp > 7) throw new RangeError(`emitEthernet: PCP ${t.pcp} out of range 0..7`);
    if (!Number.isInteger(t.vid) || t.vid < 0 || t.vid > VLAN_VID_MASK) {
      throw new RangeError(`emitEthernet: VID ${t.vid} out of range 0..${VLAN_VID_MASK}`);
    }
  }
  if (offset < 0 || offset + len > bytes.length) {
    throw new RangeError(`emitEthernet: need ${len} bytes at offset ${offset}, buffer has ${bytes.length}`);
  }
  const b = bytes.subarray(offset, offset + len);
  b.set(repr.dst, F.DST);
  b.set(repr.src, F.SRC);
  let o: number = F.TYPE;
  for (const t of repr.vlans) {
    setU16(b, o, t.tpid);
    setU16(b, o + F.TAG_TCI, (t.pcp << VLAN_PRIO_SHIFT) | (t.dei ? VLAN_CFI_MASK : 0) | t.vid);
    o += VLAN_HLEN;
  }
  setU16(b, o, repr.etherType);
  return len;
}

/** "aa:bb:cc:dd:ee:ff", lower case, as iproute2 prints link addresses. */
export function formatMac(b: Uint8Array, offset = 0): string {
  let s = '';
  for (let i = 0; i < ETH_ALEN; i++) {
    if (i > 0) s += ':';
    s += (b[offset + i] ?? 0).toString(16).padStart(2, '0');
  }
  return s;
}

/** Parses six colon-separated hex octets (one or two digits each); undefined otherwise. */
export function parseMac(text: string): Uint8Array | undefined {
  const parts = text.split(':');
  if (parts.length !== ETH_ALEN) return undefined;
  const out = new Uint8Array(ETH_ALEN);
  for (let i = 0; i < ETH_ALEN; i++) {
    const p = parts[i] ?? '';
    if (!/^[0-9a-fA-F]{1,2}$/.test(p)) return undefined;
    out[i] = parseInt(p, 16);
  }
  return out;
}
