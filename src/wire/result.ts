/**
 * Results and wire errors shared by every decoder.
 *
 * Decoders never throw on malformed input: they return `Result<T, WireError>`. The error names
 * the byte offset (relative to the start of the buffer handed to the decoder) where the problem
 * was found, so a caller can turn it into an ICMPv6 Parameter Problem pointer or a counted drop.
 * `throw` is kept for programmer errors (an emit buffer that is too small, an out-of-range value
 * in a Repr).
 */

export type Result<T, E = WireError> =
  | { readonly ok: true; readonly value: T }
  | { readonly ok: false; readonly error: E };

export type WireErrorKind =
  /** The buffer ends before a field or a declared length. */
  | 'truncated'
  /** A version field has a value this decoder does not speak. */
  | 'bad-version'
  /** A length field is inconsistent (too small, not a multiple, past its container). */
  | 'bad-length'
  /** A field holds a value the standard forbids. */
  | 'bad-value'
  /** A checksum does not verify. */
  | 'bad-checksum'
  /** A field is not aligned as the standard requires. */
  | 'bad-alignment'
  /** A count or length limit set by us (or by the kernel) is exceeded. */
  | 'limit';

export interface WireError {
  readonly kind: WireErrorKind;
  /** Byte offset of the offending field, from the start of the decoder's input. */
  readonly offset: number;
  /** The field, as the RFC names it (e.g. "Payload Length", "Opt Data Len"). */
  readonly field: string;
  /** One sentence for humans. */
  readonly message: string;
}

export function ok<T>(value: T): { readonly ok: true; readonly value: T } {
  return { ok: true, value };
}

export function wireError(
  kind: WireErrorKind,
  offset: number,
  field: string,
  message: string,
): { readonly ok: false; readonly error: WireError } {
  return { ok: false, error: { kind, offset, field, message } };
}

/** Shifts an error's offset by `delta`, for a decoder that called a nested decoder. */
export function shiftError(error: WireError, delta: number): WireError {
  return { ...error, offset: error.offset + delta };
}

export function formatWireError(e: WireError): string {
  return `${e.field} at offset ${e.offset}: ${e.message} (${e.kind})`;
}
