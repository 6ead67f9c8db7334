/** Packet building blocks shared by tests. */

import { emitIpv6 } from '../../src/wire/ipv6.ts';

export { concatBytes as concat } from '../../src/wire/bytes.ts';

/** A 40-byte IPv6 header (RFC 8200 §3) with traffic class and flow label 0. */
export function ipv6Header(src: Uint8Array, dst: Uint8Array, nextHeader: number, payloadLength: number, hopLimit = 64): Uint8Array {
  const h = new Uint8Array(40);
  emitIpv6({ trafficClass: 0, flowLabel: 0, payloadLength, nextHeader, hopLimit, src, dst }, h);
  return h;
}
