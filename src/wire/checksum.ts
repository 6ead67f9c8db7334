/**
 * The Internet checksum (RFC 1071): the 16-bit one's complement of the one's complement sum of
 * the data taken as big-endian 16-bit words, an odd trailing byte padded with a zero byte.
 *
 * Partial sums are plain non-negative integers: `checksumAdd` accumulates words without folding
 * (a double holds 2^37 words exactly, more than any packet); `checksumFold` folds the carries
 * and complements, giving the value that goes into a checksum field. Callers combine pieces
 * (pseudo-header, header, payload) by passing the sum along, with no copy. A piece after the
 * first must start at an even offset of the checksummed data, except through
 * `checksumUpdateBytes(..., oddOffset)`, which uses RFC 1071's byte-swap property.
 *
 * Pseudo-headers: IPv6 per RFC 8200 §8.1 (32-bit upper-layer length), IPv4 per RFC 768/793.
 * Incremental update per RFC 1624 eqn. 3, which never produces -0 (0xffff) where a full
 * recomputation gives +0.
 *
 * Nothing here allocates.
 */

/**
 * Adds the 16-bit words of `b[start, end)` to `sum`. `b[start]` is the high byte of the first
 * word; an odd last byte is the high byte of a word whose low byte is zero.
 */
export function checksumAdd(sum: number, b: Uint8Array, start = 0, end: number = b.length): number {
  if (start < 0 || end > b.length || start > end) {
    throw new RangeError(`checksumAdd: range [${start}, ${end}) outside a buffer of ${b.length} bytes`);
  }
  // Two byte sums (high and low byte lanes) instead of a word sum: no shifts in the loop, and
  // as doubles they stay exact far beyond any packet size (2^53 / 255 bytes).
  let hi = 0;
  let lo = 0;
  let i = start;
  const even = end - ((end - start) & 1);
  for (; i + 8 <= even; i += 8) {
    hi += (b[i] as number) + (b[i + 2] as number) + (b[i + 4] as number) + (b[i + 6] as number);
    lo += (b[i + 1] as number) + (b[i + 3] as number) + (b[i + 5] as number) + (b[i + 7] as number);
  }
  for (; i < even; i += 2) {
    hi += b[i] as number;
    lo += b[i + 1] as number;
  }
  if (i < end) hi += b[i] as number;
  return sum + hi * 256 + lo;
}

/** Folds a partial sum to 16 bits with end-around carry, without complementing. */
export function checksumFold16(sum: number): number {
  let s = sum;
  // Sums may exceed 32 bits, where bitwise operators would truncate: fold arithmetically first.
  while (s > 0xffffffff) s = (s % 0x10000) + Math.floor(s / 0x10000);
  s = (s & 0xffff) + (s >>> 16);
  return (s & 0xffff) + (s >>> 16);
}

/** The checksum field value for a partial sum: the complement of the folded sum. */
export function checksumFold(sum: number): number {
  return ~checksumFold16(sum) & 0xffff;
}

/** The complete checksum of `b[start, end)`. */
export function checksum(b: Uint8Array, start = 0, end: number = b.length): number {
  return checksumFold(checksumAdd(0, b, start, end));
}

/**
 * Partial sum of the IPv6 pseudo-header (RFC 8200 §8.1): source, destination, 32-bit
 * upper-layer packet length, three zero bytes and the next header value. `src` and `dst` are
 * 16 bytes at `srcOffset`/`dstOffset` (e.g. both inside one IPv6 header).
 */
export function checksumPseudoIpv6(
  src: Uint8Array,
  dst: Uint8Array,
  upperLength: number,
  nextHeader: number,
  srcOffset = 0,
  dstOffset = 0,
): number {
  let s = checksumAdd(0, src, srcOffset, srcOffset + 16);
  s = checksumAdd(s, dst, dstOffset, dstOffset + 16);
  return s + (upperLength >>> 16) + (upperLength & 0xffff) + (nextHeader & 0xff);
}

/**
 * Partial sum of the IPv4 pseudo-header (RFC 768, RFC 793 §3.1): source, destination, a zero
 * byte, protocol and the 16-bit upper-layer length.
 */
export function checksumPseudoIpv4(
  src: Uint8Array,
  dst: Uint8Array,
  upperLength: number,
  protocol: number,
  srcOffset = 0,
  dstOffset = 0,
): number {
  let s = checksumAdd(0, src, srcOffset, srcOffset + 4);
  s = checksumAdd(s, dst, dstOffset, dstOffset + 4);
  return s + (upperLength & 0xffff) + (protocol & 0xff);
}

/**
 * RFC 1624 eqn. 3: the new checksum field after one 16-bit word of the covered data changed
 * from `oldWord` to `newWord`: HC' = ~(~HC + ~m + m').
 */
export function checksumUpdate16(oldCsum: number, oldWord: number, newWord: number): number {
  return checksumFold((~oldCsum & 0xffff) + (~oldWord & 0xffff) + (newWord & 0xffff));
}

/** RFC 1624 eqn. 3 for a 32-bit field (an IPv4 address, say): two 16-bit words at once. */
export function checksumUpdate32(oldCsum: number, oldValue: number, newValue: number): number {
  return checksumFold(
    (~oldCsum & 0xffff) +
      (~(oldValue >>> 16) & 0xffff) +
      (~oldValue & 0xffff) +
      ((newValue >>> 16) & 0xffff) +
      (newValue & 0xffff),
  );
}

/**
 * RFC 1624 eqn. 3 from partial sums: `oldSum` and `newSum` are `checksumAdd` sums of the
 * changed region before and after the change (so an in-place edit needs no copy).
 */
export function checksumReplace(oldCsum: number, oldSum: number, newSum: number): number {
  return checksumFold((~oldCsum & 0xffff) + (~checksumFold16(oldSum) & 0xffff) + checksumFold16(newSum));
}

/**
 * RFC 1624 eqn. 3 for a changed byte range: `before` and `after` are the same range's old and
 * new bytes (equal lengths). `oddOffset` says the range starts at an odd offset of the
 * checksummed data, in which case its words are byte-swapped relative to the checksum's
 * (RFC 1071 §2(B)). Any length works: a partial last word changes the sum by the same amount
 * whatever the unchanged byte beside it holds.
 */
export function checksumUpdateBytes(
  oldCsum: number,
  before: Uint8Array,
  after: Uint8Array,
  oddOffset = false,
): number {
  if (before.length !== after.length) {
    throw new RangeError(`checksumUpdateBytes: ranges differ in length (${before.length} vs ${after.length})`);
  }
  let oldSum = checksumFold16(checksumAdd(0, before));
  let newSum = checksumFold16(checksumAdd(0, after));
  if (oddOffset) {
    oldSum = ((oldSum & 0xff) << 8) | (oldSum >>> 8);
    newSum = ((newSum & 0xff) << 8) | (newSum >>> 8);
  }
  return checksumFold((~oldCsum & 0xffff) + (~oldSum & 0xffff) + newSum);
}
