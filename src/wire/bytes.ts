/**
 * Big-endian byte access over `Uint8Array`, for views and emitters.
 *
 * These are small enough for V8 to inline and avoid allocating a DataView per packet. Callers
 * check lengths before calling: the readers do not bounds-check (an index past the end reads as
 * 0 through the `| 0`/`?? 0` coercions, never throws), so a checked view guarantees correctness.
 */

export function u8(b: Uint8Array, o: number): number {
  return b[o] ?? 0;
}

export function u16(b: Uint8Array, o: number): number {
  return ((b[o] ?? 0) << 8) | (b[o + 1] ?? 0);
}

export function u24(b: Uint8Array, o: number): number {
  return ((b[o] ?? 0) << 16) | ((b[o + 1] ?? 0) << 8) | (b[o + 2] ?? 0);
}

export function u32(b: Uint8Array, o: number): number {
  return (((b[o] ?? 0) << 24) | ((b[o + 1] ?? 0) << 16) | ((b[o + 2] ?? 0) << 8) | (b[o + 3] ?? 0)) >>> 0;
}

/** A 56-bit big-endian value as bigint (IOAM wide node ids). */
export function u56(b: Uint8Array, o: number): bigint {
  return (BigInt(u24(b, o)) << 32n) | BigInt(u32(b, o + 3));
}

export function u64(b: Uint8Array, o: number): bigint {
  return (BigInt(u32(b, o)) << 32n) | BigInt(u32(b, o + 4));
}

export function setU8(b: Uint8Array, o: number, v: number): void {
  b[o] = v & 0xff;
}

export function setU16(b: Uint8Array, o: number, v: number): void {
  b[o] = (v >>> 8) & 0xff;
  b[o + 1] = v & 0xff;
}

export function setU24(b: Uint8Array, o: number, v: number): void {
  b[o] = (v >>> 16) & 0xff;
  b[o + 1] = (v >>> 8) & 0xff;
  b[o + 2] = v & 0xff;
}

export function setU32(b: Uint8Array, o: number, v: number): void {
  b[o] = (v >>> 24) & 0xff;
  b[o + 1] = (v >>> 16) & 0xff;
  b[o + 2] = (v >>> 8) & 0xff;
  b[o + 3] = v & 0xff;
}

export function setU56(b: Uint8Array, o: number, v: bigint): void {
  setU24(b, o, Number((v >> 32n) & 0xffffffn));
  setU32(b, o + 3, Number(v & 0xffffffffn));
}

export function setU64(b: Uint8Array, o: number, v: bigint): void {
  setU32(b, o, Number((v >> 32n) & 0xffffffffn));
  setU32(b, o + 4, Number(v & 0xffffffffn));
}

/** Little-endian readers, for capture files written on little-endian hosts. */
export function u16le(b: Uint8Array, o: number): number {
  return (b[o] ?? 0) | ((b[o + 1] ?? 0) << 8);
}

export function u32le(b: Uint8Array, o: number): number {
  return ((b[o] ?? 0) | ((b[o + 1] ?? 0) << 8) | ((b[o + 2] ?? 0) << 16) | ((b[o + 3] ?? 0) << 24)) >>> 0;
}

export function setU16le(b: Uint8Array, o: number, v: number): void {
  b[o] = v & 0xff;
  b[o + 1] = (v >>> 8) & 0xff;
}

export function setU32le(b: Uint8Array, o: number, v: number): void {
  b[o] = v & 0xff;
  b[o + 1] = (v >>> 8) & 0xff;
  b[o + 2] = (v >>> 16) & 0xff;
  b[o + 3] = (v >>> 24) & 0xff;
}

/** Hex dump without separators ("60000000..."). */
export function toHex(b: Uint8Array): string {
  let s = '';
  for (let i = 0; i < b.length; i++) s += (b[i] ?? 0).toString(16).padStart(2, '0');
  return s;
}

/**
 * Bytes from hex text; whitespace, colons and `#`-to-end-of-line comments are ignored, so
 * fixtures can be written as annotated dumps. Throws on odd digits (a programmer error).
 */
export function fromHex(text: string): Uint8Array {
  const clean = text.replace(/#[^\n]*/g, '').replace(/[\s:]/g, '');
  if (clean.length % 2 !== 0 || /[^0-9a-fA-F]/.test(clean)) {
    throw new Error(`fromHex: not an even run of hex digits: ${clean.slice(0, 40)}`);
  }
  const out = new Uint8Array(clean.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = parseInt(clean.slice(2 * i, 2 * i + 2), 16);
  return out;
}

export function bytesEqual(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** One new array holding `parts` back to back (for building packets at the edges, not per packet). */
export function concatBytes(...parts: readonly Uint8Array[]): Uint8Array {
  let n = 0;
  for (const p of parts) n += p.length;
  const out = new Uint8Array(n);
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}
