/**
 * Attribute policies as data, and validation with the rules of Linux lib/nlattr.c
 * (__nla_validate_parse, validate_nla, the range/mask checks) as of Linux 6.18: the same
 * checks in the same order, the same errno values and the same extended-ack messages, so an
 * ack built from our result is byte-identical to the kernel's. Also the policy description
 * written into NLMSGERR_ATTR_POLICY (net/netlink/policy.c, netlink_policy_dump_write_attr).
 *
 * A policy table is keyed by uapi attribute number; entries left out are NLA_UNSPEC, as in a C
 * array initialiser. Parsing yields an `NlAttrTable`: one Int32Array indexed by type holding the
 * offsets of the attributes in the message (no copies). When an attribute appears twice, the
 * later one wins, as in the kernel. Nothing else is allocated per attribute.
 *
 * Validation modes (the `validate` bits of uapi/netlink.ts): NL_VALIDATE_STRICT for new
 * operations; NL_VALIDATE_LIBERAL ignores unknown types, trailing bytes, wrong lengths of
 * fixed-size integers (only too-short ones fail) and the NLA_F_NESTED flag. A table's
 * `strictStartType` switches on strict checks for its attributes of that type and above.
 *
 * Not supported: NLA_NESTED_COMPAT (never used by the families v6stack implements).
 */

import { nlaAlign, nlaAttrSize, nlaDataOffset, nlaLen, nlaRawType, nlaType, nlmsgAlign, NlAttrCursor, type NlMsgBuilder } from './message.ts';
import { u16le, u32le } from '../wire/bytes.ts';
import { ok, wireError, type Result } from '../wire/result.ts';
import type { ExtAck } from './errors.ts';
import { EINVAL, ERANGE } from '../uapi/errno.ts';
import {
  NL_ATTR_TYPE_BINARY,
  NL_ATTR_TYPE_BITFIELD32,
  NL_ATTR_TYPE_FLAG,
  NL_ATTR_TYPE_NESTED,
  NL_ATTR_TYPE_NESTED_ARRAY,
  NL_ATTR_TYPE_NUL_STRING,
  NL_ATTR_TYPE_S16,
  NL_ATTR_TYPE_S32,
  NL_ATTR_TYPE_S64,
  NL_ATTR_TYPE_S8,
  NL_ATTR_TYPE_SINT,
  NL_ATTR_TYPE_STRING,
  NL_ATTR_TYPE_U16,
  NL_ATTR_TYPE_U32,
  NL_ATTR_TYPE_U64,
  NL_ATTR_TYPE_U8,
  NL_ATTR_TYPE_UINT,
  NL_POLICY_TYPE_ATTR_BITFIELD32_MASK,
  NL_POLICY_TYPE_ATTR_MASK,
  NL_POLICY_TYPE_ATTR_MAX_LENGTH,
  NL_POLICY_TYPE_ATTR_MAX_VALUE_S,
  NL_POLICY_TYPE_ATTR_MAX_VALUE_U,
  NL_POLICY_TYPE_ATTR_MIN_LENGTH,
  NL_POLICY_TYPE_ATTR_MIN_VALUE_S,
  NL_POLICY_TYPE_ATTR_MIN_VALUE_U,
  NL_POLICY_TYPE_ATTR_PAD,
  NL_POLICY_TYPE_ATTR_POLICY_IDX,
  NL_POLICY_TYPE_ATTR_POLICY_MAXTYPE,
  NL_POLICY_TYPE_ATTR_TYPE,
  NL_VALIDATE_LIBERAL,
  NL_VALIDATE_MAXTYPE,
  NL_VALIDATE_NESTED,
  NL_VALIDATE_STRICT,
  NL_VALIDATE_STRICT_ATTRS,
  NL_VALIDATE_TRAILING,
  NL_VALIDATE_UNSPEC,
  NLA_BE16,
  NLA_BE32,
  NLA_BINARY,
  NLA_BITFIELD32,
  NLA_F_NESTED,
  NLA_FLAG,
  NLA_HDRLEN,
  NLA_MSECS,
  NLA_NESTED,
  NLA_NESTED_ARRAY,
  NLA_NUL_STRING,
  NLA_REJECT,
  NLA_S16,
  NLA_S32,
  NLA_S64,
  NLA_S8,
  NLA_SINT,
  NLA_STRING,
  NLA_TYPE_MAX,
  NLA_U16,
  NLA_U32,
  NLA_U64,
  NLA_U8,
  NLA_UINT,
  NLA_UNSPEC,
  NLA_VALIDATE_FUNCTION,
  NLA_VALIDATE_MASK,
  NLA_VALIDATE_MAX,
  NLA_VALIDATE_MIN,
  NLA_VALIDATE_NONE,
  NLA_VALIDATE_RANGE,
  NLA_VALIDATE_RANGE_PTR,
  NLA_VALIDATE_RANGE_WARN_TOO_LONG,
  NLMSG_HDRLEN,
} from '../uapi/netlink.ts';
import {
  GENL_DONT_VALIDATE_DUMP,
  GENL_DONT_VALIDATE_DUMP_STRICT,
  GENL_DONT_VALIDATE_STRICT,
} from '../uapi/genetlink.ts';

/** A validation callback (NLA_POLICY_VALIDATE_FN): 0, or a negative errno (it may set `extack`). */
export type NlaValidateFn = (bytes: Uint8Array, nla: number, extack: ExtAck) => number;

/** One entry of a policy table: struct nla_policy. */
export interface NlaPolicy {
  /** NLA_* type from uapi/netlink.ts. */
  readonly type: number;
  /**
   * struct nla_policy .len: maximum length for strings and binaries, minimum length for other
   * types, the nested table's maxtype for NLA_NESTED/NLA_NESTED_ARRAY.
   */
  readonly len?: number;
  /** NLA_VALIDATE_* (NLA_VALIDATE_NONE when absent). */
  readonly validationType?: number;
  /** Range bounds (integer value, or payload length for NLA_BINARY). */
  readonly min?: number | bigint;
  readonly max?: number | bigint;
  /** NLA_VALIDATE_MASK: the bits that may be set. */
  readonly mask?: bigint;
  readonly nestedPolicy?: NlaPolicyTable;
  /** NLA_BITFIELD32: the bits value and selector may use. */
  readonly bitfield32Valid?: number;
  /** NLA_REJECT: the extack message to report instead of the generic one. */
  readonly rejectMessage?: string;
  /** NLA_VALIDATE_FUNCTION. */
  readonly validate?: NlaValidateFn;
}

/** A policy: entries indexed by attribute type 0..maxtype. */
export interface NlaPolicyTable {
  readonly maxtype: number;
  /** policy[0].strict_start_type: types at or above it are validated strictly (0: none). */
  readonly strictStartType: number;
  readonly entries: readonly NlaPolicy[];
}

/**
 * Copies an entry with every numeric field present (0 means "not set", as in C), so that the
 * validator sees a handful of object shapes rather than one per combination of fields.
 */
function normalize(e: NlaPolicy): NlaPolicy {
  const n: {
    type: number;
    len: number;
    validationType: number;
    min: number | bigint;
    max: number | bigint;
    mask: bigint;
    bitfield32Valid: number;
    nestedPolicy?: NlaPolicyTable;
    rejectMessage?: string;
    validate?: NlaValidateFn;
  } = {
    type: e.type,
    // NLA_POLICY_NESTED sets .len to the nested table's maxtype; do the same when it is left out.
    len: e.len ?? e.nestedPolicy?.maxtype ?? 0,
    validationType: e.validationType ?? NLA_VALIDATE_NONE,
    min: e.min ?? 0,
    max: e.max ?? 0,
    mask: e.mask ?? 0n,
    bitfield32Valid: e.bitfield32Valid ?? 0,
  };
  if (e.nestedPolicy !== undefined) n.nestedPolicy = e.nestedPolicy;
  if (e.rejectMessage !== undefined) n.rejectMessage = e.rejectMessage;
  if (e.validate !== undefined) n.validate = e.validate;
  return Object.freeze(n);
}

const UNSPEC_ENTRY: NlaPolicy = normalize({ type: NLA_UNSPEC });

/** Builds a table from entries keyed by attribute number (the rest are NLA_UNSPEC). */
export function nlaPolicyTable(
  maxtype: number,
  entries: { readonly [type: number]: NlaPolicy },
  opts: { readonly strictStartType?: number } = {},
): NlaPolicyTable {
  if (!Number.isInteger(maxtype) || maxtype < 0 || maxtype > 0x3fff) throw new RangeError(`maxtype ${maxtype}`);
  const list: NlaPolicy[] = [];
  for (let t = 0; t <= maxtype; t++) {
    const e = entries[t];
    if (e !== undefined && (e.type < 0 || e.type > NLA_TYPE_MAX)) throw new RangeError(`attribute ${t}: policy type ${e.type}`);
    list.push(e === undefined ? UNSPEC_ENTRY : normalize(e));
  }
  for (const k of Object.keys(entries)) {
    if (Number(k) > maxtype) throw new RangeError(`attribute ${k} is above maxtype ${maxtype}`);
  }
  return Object.freeze({ maxtype, strictStartType: opts.strictStartType ?? 0, entries: Object.freeze(list) });
}

// The NLA_POLICY_* macros of include/net/netlink.h.

export function nlaPolicyRange(type: number, min: number | bigint, max: number | bigint): NlaPolicy {
  return { type, validationType: NLA_VALIDATE_RANGE, min, max };
}
export function nlaPolicyMin(type: number, min: number | bigint): NlaPolicy {
  return { type, validationType: NLA_VALIDATE_MIN, min };
}
export function nlaPolicyMax(type: number, max: number | bigint): NlaPolicy {
  return { type, validationType: NLA_VALIDATE_MAX, max };
}
export function nlaPolicyMask(type: number, mask: number | bigint): NlaPolicy {
  return { type, validationType: NLA_VALIDATE_MASK, mask: BigInt(mask) };
}
/** NLA_POLICY_EXACT_LEN: a binary of exactly `len` bytes. */
export function nlaPolicyExactLen(len: number): NlaPolicy {
  return nlaPolicyRange(NLA_BINARY, len, len);
}
/** NLA_POLICY_EXACT_LEN_WARN: shorter fails; longer only warns (fails in strict mode). */
export function nlaPolicyExactLenWarn(len: number): NlaPolicy {
  return { type: NLA_BINARY, validationType: NLA_VALIDATE_RANGE_WARN_TOO_LONG, min: len, max: len };
}
export function nlaPolicyMinLen(len: number): NlaPolicy {
  return nlaPolicyMin(NLA_BINARY, len);
}
export function nlaPolicyMaxLen(len: number): NlaPolicy {
  return nlaPolicyMax(NLA_BINARY, len);
}
export function nlaPolicyNested(table: NlaPolicyTable): NlaPolicy {
  return { type: NLA_NESTED, len: table.maxtype, nestedPolicy: table };
}
export function nlaPolicyNestedArray(table: NlaPolicyTable): NlaPolicy {
  return { type: NLA_NESTED_ARRAY, len: table.maxtype, nestedPolicy: table };
}
export function nlaPolicyBitfield32(valid: number): NlaPolicy {
  return { type: NLA_BITFIELD32, bitfield32Valid: valid };
}
export function nlaPolicyValidateFn(type: number, fn: NlaValidateFn, len = 0): NlaPolicy {
  return { type, validationType: NLA_VALIDATE_FUNCTION, validate: fn, len };
}
/** NLA_REJECT with an optional message (NLA_POLICY_REJECT plus .reject_message). */
export function nlaPolicyReject(message?: string): NlaPolicy {
  return message === undefined ? { type: NLA_REJECT } : { type: NLA_REJECT, rejectMessage: message };
}

/** Nesting depth at which validation gives up (MAX_POLICY_RECURSION_DEPTH). */
export const MAX_POLICY_RECURSION_DEPTH = 10;

// nla_attr_len: fixed-size types whose length should be exact (warned, or rejected when strict).
const ATTR_LEN: readonly number[] = lenTable({
  [NLA_U8]: 1, [NLA_U16]: 2, [NLA_U32]: 4, [NLA_U64]: 8,
  [NLA_S8]: 1, [NLA_S16]: 2, [NLA_S32]: 4, [NLA_S64]: 8,
  [NLA_BE16]: 2, [NLA_BE32]: 4,
});
// nla_attr_minlen: minimum payload when the policy's len is 0.
const ATTR_MINLEN: readonly number[] = lenTable({
  [NLA_U8]: 1, [NLA_U16]: 2, [NLA_U32]: 4, [NLA_U64]: 8, [NLA_MSECS]: 8, [NLA_NESTED]: NLA_HDRLEN,
  [NLA_S8]: 1, [NLA_S16]: 2, [NLA_S32]: 4, [NLA_S64]: 8,
  [NLA_BE16]: 2, [NLA_BE32]: 4,
});

function lenTable(m: { readonly [t: number]: number }): readonly number[] {
  const out: number[] = [];
  for (let t = 0; t <= NLA_TYPE_MAX; t++) out.push(m[t] ?? 0);
  return Object.freeze(out);
}

// The extack messages of lib/nlattr.c, verbatim.
export const NLA_MSG = {
  INVALID_LENGTH: 'invalid attribute length',
  NESTED_MISSING: 'NLA_F_NESTED is missing',
  NESTED_NOT_EXPECTED: 'NLA_F_NESTED not expected',
  FAILED_POLICY: 'Attribute failed policy validation',
  UNSUPPORTED: 'Unsupported attribute',
  UNKNOWN_TYPE: 'Unknown attribute type',
  LEFTOVER: 'bytes leftover after parsing attributes',
  DEPTH: 'allowed policy recursion depth exceeded',
  ARRAY_TOO_SHORT: 'Array element too short',
  INTEGER_RANGE: 'integer out of range',
  BINARY_RANGE: 'binary attribute size out of range',
  RESERVED_BIT: 'reserved bit set',
  INVALID_HEADER: 'Invalid header length',
} as const;

/** NL_SET_ERR_MSG_ATTR_POL: message, bad attribute and its policy (NULL policy clears it). */
function setErrAttr(extack: ExtAck, nla: number, pt: NlaPolicy | undefined, msg: string): void {
  extack.msg = msg;
  extack.badAttrOffset = nla;
  extack.policy = pt;
}

const U8_MAX = 0xff;
const U16_MAX = 0xffff;
const U32_MAX = 0xffffffff;
const U64_MAX = 0xffffffffffffffffn;
const S64_MIN = -(1n << 63n);
const S64_MAX = (1n << 63n) - 1n;

/** The unsigned value a range/mask check looks at, or undefined for other types. */
function unsignedValue(type: number, b: Uint8Array, nla: number): number | bigint | undefined {
  const d = nla + NLA_HDRLEN;
  switch (type) {
    case NLA_U8:
      return b[d] ?? 0;
    case NLA_U16:
      return u16le(b, d);
    case NLA_U32:
      return u32le(b, d);
    case NLA_U64:
    case NLA_MSECS:
      return (BigInt(u32le(b, d + 4)) << 32n) | BigInt(u32le(b, d));
    case NLA_UINT:
      return nlaLen(b, nla) === 4 ? u32le(b, d) : (BigInt(u32le(b, d + 4)) << 32n) | BigInt(u32le(b, d));
    case NLA_BINARY:
      return nlaLen(b, nla);
    case NLA_BE16:
      return ((b[d] ?? 0) << 8) | (b[d + 1] ?? 0);
    case NLA_BE32:
      return (((b[d] ?? 0) << 24) | ((b[d + 1] ?? 0) << 16) | ((b[d + 2] ?? 0) << 8) | (b[d + 3] ?? 0)) >>> 0;
    default:
      return undefined;
  }
}

function signedValue(type: number, b: Uint8Array, nla: number): number | bigint | undefined {
  const d = nla + NLA_HDRLEN;
  switch (type) {
    case NLA_S8:
      return ((b[d] ?? 0) << 24) >> 24;
    case NLA_S16:
      return (u16le(b, d) << 16) >> 16;
    case NLA_S32:
      return u32le(b, d) | 0;
    case NLA_S64:
      return BigInt.asIntN(64, (BigInt(u32le(b, d + 4)) << 32n) | BigInt(u32le(b, d)));
    case NLA_SINT:
      return nlaLen(b, nla) === 4
        ? u32le(b, d) | 0
        : BigInt.asIntN(64, (BigInt(u32le(b, d + 4)) << 32n) | BigInt(u32le(b, d)));
    default:
      return undefined;
  }
}

/** nla_get_range_unsigned: the type's natural bounds, narrowed by the policy. */
export function nlaGetRangeUnsigned(pt: NlaPolicy): { min: bigint; max: bigint } {
  let min = 0n;
  let max = BigInt(unsignedTypeMax(pt.type));
  switch (pt.validationType) {
    case NLA_VALIDATE_RANGE:
    case NLA_VALIDATE_RANGE_PTR:
    case NLA_VALIDATE_RANGE_WARN_TOO_LONG:
      min = BigInt(pt.min ?? 0);
      max = BigInt(pt.max ?? 0);
      break;
    case NLA_VALIDATE_MIN:
      min = BigInt(pt.min ?? 0);
      break;
    case NLA_VALIDATE_MAX:
      max = BigInt(pt.max ?? 0);
      break;
  }
  return { min, max };
}

/** nla_get_range_signed. */
export function nlaGetRangeSigned(pt: NlaPolicy): { min: bigint; max: bigint } {
  let min = BigInt(signedTypeMin(pt.type));
  let max = BigInt(signedTypeMax(pt.type));
  switch (pt.validationType) {
    case NLA_VALIDATE_RANGE:
    case NLA_VALIDATE_RANGE_PTR:
      min = BigInt(pt.min ?? 0);
      max = BigInt(pt.max ?? 0);
      break;
    case NLA_VALIDATE_MIN:
      min = BigInt(pt.min ?? 0);
      break;
    case NLA_VALIDATE_MAX:
      max = BigInt(pt.max ?? 0);
      break;
  }
  return { min, max };
}

/** Compares without bigint arithmetic unless the value already is one (64-bit types). */
function outside(value: number | bigint, min: number | bigint, max: number | bigint): boolean {
  if (typeof value === 'bigint') return value < BigInt(min) || value > BigInt(max);
  return value < Number(min) || value > Number(max);
}

/** The natural maximum of an unsigned type (no tuple: this runs per attribute). */
function unsignedTypeMax(type: number): number | bigint {
  switch (type) {
    case NLA_U8:
      return U8_MAX;
    case NLA_U16:
    case NLA_BE16:
    case NLA_BINARY:
      return U16_MAX;
    case NLA_U32:
    case NLA_BE32:
      return U32_MAX;
    default:
      return U64_MAX;
  }
}

function signedTypeMin(type: number): number | bigint {
  return type === NLA_S8 ? -0x80 : type === NLA_S16 ? -0x8000 : type === NLA_S32 ? -0x80000000 : S64_MIN;
}

function signedTypeMax(type: number): number | bigint {
  return type === NLA_S8 ? 0x7f : type === NLA_S16 ? 0x7fff : type === NLA_S32 ? 0x7fffffff : S64_MAX;
}

function validateRangeUnsigned(pt: NlaPolicy, b: Uint8Array, nla: number, extack: ExtAck, validate: number): number {
  const value = unsignedValue(pt.type, b, nla);
  if (value === undefined) return -EINVAL;
  let min: number | bigint = 0;
  let max = unsignedTypeMax(pt.type);
  switch (pt.validationType) {
    case NLA_VALIDATE_RANGE:
    case NLA_VALIDATE_RANGE_PTR:
    case NLA_VALIDATE_RANGE_WARN_TOO_LONG:
      min = pt.min ?? 0;
      max = pt.max ?? 0;
      break;
    case NLA_VALIDATE_MIN:
      min = pt.min ?? 0;
      break;
    case NLA_VALIDATE_MAX:
      max = pt.max ?? 0;
      break;
  }
  if (pt.validationType === NLA_VALIDATE_RANGE_WARN_TOO_LONG && pt.type === NLA_BINARY && outside(value, 0, max)) {
    // Too long only warns, unless strict; shorter than min is not checked here (min <= max).
    if ((validate & NL_VALIDATE_STRICT_ATTRS) !== 0) {
      setErrAttr(extack, nla, pt, NLA_MSG.INVALID_LENGTH);
      return -EINVAL;
    }
    return 0;
  }
  if (outside(value, min, max)) {
    setErrAttr(extack, nla, pt, pt.type === NLA_BINARY ? NLA_MSG.BINARY_RANGE : NLA_MSG.INTEGER_RANGE);
    return -ERANGE;
  }
  return 0;
}

function validateRangeSigned(pt: NlaPolicy, b: Uint8Array, nla: number, extack: ExtAck): number {
  const value = signedValue(pt.type, b, nla);
  if (value === undefined) return -EINVAL;
  let min = signedTypeMin(pt.type);
  let max = signedTypeMax(pt.type);
  switch (pt.validationType) {
    case NLA_VALIDATE_RANGE:
    case NLA_VALIDATE_RANGE_PTR:
      min = pt.min ?? 0;
      max = pt.max ?? 0;
      break;
    case NLA_VALIDATE_MIN:
      min = pt.min ?? 0;
      break;
    case NLA_VALIDATE_MAX:
      max = pt.max ?? 0;
      break;
  }
  if (outside(value, min, max)) {
    setErrAttr(extack, nla, pt, NLA_MSG.INTEGER_RANGE);
    return -ERANGE;
  }
  return 0;
}

function validateIntRange(pt: NlaPolicy, b: Uint8Array, nla: number, extack: ExtAck, validate: number): number {
  switch (pt.type) {
    case NLA_U8:
    case NLA_U16:
    case NLA_U32:
    case NLA_U64:
    case NLA_UINT:
    case NLA_MSECS:
    case NLA_BINARY:
    case NLA_BE16:
    case NLA_BE32:
      return validateRangeUnsigned(pt, b, nla, extack, validate);
    case NLA_S8:
    case NLA_S16:
    case NLA_S32:
    case NLA_S64:
    case NLA_SINT:
      return validateRangeSigned(pt, b, nla, extack);
    default:
      return -EINVAL;
  }
}

function validateMask(pt: NlaPolicy, b: Uint8Array, nla: number, extack: ExtAck): number {
  if (pt.type === NLA_MSECS || pt.type === NLA_BINARY) return -EINVAL;
  const value = unsignedValue(pt.type, b, nla);
  if (value === undefined) return -EINVAL;
  const mask = pt.mask ?? 0n;
  if ((BigInt(value) & ~mask & U64_MAX) !== 0n) {
    setErrAttr(extack, nla, undefined, NLA_MSG.RESERVED_BIT);
    return -EINVAL;
  }
  return 0;
}

function validateBitfield32(b: Uint8Array, nla: number, valid: number): number {
  const value = u32le(b, nla + NLA_HDRLEN);
  const selector = u32le(b, nla + NLA_HDRLEN + 4);
  if (valid === 0) return -EINVAL;
  if ((selector & ~valid) !== 0) return -EINVAL;
  if ((value & ~valid) !== 0) return -EINVAL;
  if ((value & ~selector) !== 0) return -EINVAL;
  return 0;
}

function hasNul(b: Uint8Array, from: number, len: number): boolean {
  for (let i = 0; i < len; i++) if (b[from + i] === 0) return true;
  return false;
}

/** validate_nla: checks one attribute against its table entry. */
function validateNla(
  b: Uint8Array,
  nla: number,
  maxtype: number,
  table: NlaPolicyTable,
  validateIn: number,
  extack: ExtAck,
  depth: number,
): number {
  let validate = validateIn;
  const type = nlaType(b, nla);
  let attrlen = nlaLen(b, nla);
  if (table.strictStartType !== 0 && type >= table.strictStartType) validate |= NL_VALIDATE_STRICT;
  if (type <= 0 || type > maxtype) return 0;
  const pt = table.entries[type] ?? UNSPEC_ENTRY;
  let err = -ERANGE;

  const exact = ATTR_LEN[pt.type] ?? 0;
  if (exact !== 0 && attrlen !== exact && (validate & NL_VALIDATE_STRICT_ATTRS) !== 0) {
    setErrAttr(extack, nla, pt, NLA_MSG.INVALID_LENGTH);
    return -EINVAL;
  }

  if ((validate & NL_VALIDATE_NESTED) !== 0) {
    const flagged = (nlaRawType(b, nla) & NLA_F_NESTED) !== 0;
    const nestedType = pt.type === NLA_NESTED || pt.type === NLA_NESTED_ARRAY;
    if (nestedType && !flagged) {
      setErrAttr(extack, nla, pt, NLA_MSG.NESTED_MISSING);
      return -EINVAL;
    }
    if (!nestedType && pt.type !== NLA_UNSPEC && flagged) {
      setErrAttr(extack, nla, pt, NLA_MSG.NESTED_NOT_EXPECTED);
      return -EINVAL;
    }
  }

  let failed = false;
  switch (pt.type) {
    case NLA_REJECT:
      if (pt.rejectMessage !== undefined) {
        setErrAttr(extack, nla, undefined, pt.rejectMessage);
        return -EINVAL;
      }
      err = -EINVAL;
      failed = true;
      break;
    case NLA_FLAG:
      if (attrlen > 0) failed = true;
      break;
    case NLA_SINT:
    case NLA_UINT:
      if (attrlen !== 4 && attrlen !== 8) {
        setErrAttr(extack, nla, pt, NLA_MSG.INVALID_LENGTH);
        return -EINVAL;
      }
      break;
    case NLA_BITFIELD32:
      if (attrlen !== 8) {
        failed = true;
        break;
      }
      err = validateBitfield32(b, nla, pt.bitfield32Valid ?? 0);
      if (err !== 0) failed = true;
      break;
    case NLA_NUL_STRING:
    case NLA_STRING: {
      const len = pt.len ?? 0;
      if (pt.type === NLA_NUL_STRING) {
        const minlen = len !== 0 ? Math.min(attrlen, len + 1) : attrlen;
        if (minlen <= 0 || !hasNul(b, nla + NLA_HDRLEN, minlen)) {
          err = -EINVAL;
          failed = true;
          break;
        }
      }
      if (attrlen < 1) {
        failed = true;
        break;
      }
      if (len !== 0) {
        if (b[nla + NLA_HDRLEN + attrlen - 1] === 0) attrlen--;
        if (attrlen > len) failed = true;
      }
      break;
    }
    case NLA_BINARY:
      if ((pt.len ?? 0) !== 0 && attrlen > (pt.len ?? 0)) failed = true;
      break;
    case NLA_NESTED:
    case NLA_NESTED_ARRAY:
      if (attrlen === 0) break;
      if (attrlen < NLA_HDRLEN) {
        failed = true;
        break;
      }
      if (pt.nestedPolicy !== undefined) {
        const e =
          pt.type === NLA_NESTED
            ? validateParse(b, nla + NLA_HDRLEN, attrlen, pt.len ?? 0, pt.nestedPolicy, validate, extack, undefined, depth + 1)
            : validateArray(b, nla + NLA_HDRLEN, attrlen, pt.len ?? 0, pt.nestedPolicy, extack, validate, depth);
        // The inner error keeps its own message and attribute.
        if (e < 0) return e;
      }
      break;
    case NLA_UNSPEC:
      if ((validate & NL_VALIDATE_UNSPEC) !== 0) {
        setErrAttr(extack, nla, undefined, NLA_MSG.UNSUPPORTED);
        return -EINVAL;
      }
      if (attrlen < (pt.len ?? 0)) failed = true;
      break;
    default: {
      const minlen = (pt.len ?? 0) !== 0 ? (pt.len ?? 0) : (ATTR_MINLEN[pt.type] ?? 0);
      if (attrlen < minlen) failed = true;
    }
  }
  if (failed) {
    setErrAttr(extack, nla, pt, NLA_MSG.FAILED_POLICY);
    return err;
  }

  switch (pt.validationType ?? NLA_VALIDATE_NONE) {
    case NLA_VALIDATE_RANGE_PTR:
    case NLA_VALIDATE_RANGE:
    case NLA_VALIDATE_RANGE_WARN_TOO_LONG:
    case NLA_VALIDATE_MIN:
    case NLA_VALIDATE_MAX: {
      const e = validateIntRange(pt, b, nla, extack, validate);
      if (e !== 0) return e;
      break;
    }
    case NLA_VALIDATE_MASK: {
      const e = validateMask(pt, b, nla, extack);
      if (e !== 0) return e;
      break;
    }
    case NLA_VALIDATE_FUNCTION:
      if (pt.validate !== undefined) {
        const e = pt.validate(b, nla, extack);
        if (e !== 0) return e;
      }
      break;
  }
  return 0;
}

/** nla_validate_array: each element is itself a nest validated against `table`. */
function validateArray(
  b: Uint8Array,
  start: number,
  len: number,
  maxtype: number,
  table: NlaPolicyTable,
  extack: ExtAck,
  validate: number,
  depth: number,
): number {
  let pos = start;
  let rem = Math.min(len, b.length - start);
  while (rem >= NLA_HDRLEN) {
    const total = u16le(b, pos);
    if (total < NLA_HDRLEN || total > rem) break;
    const elen = total - NLA_HDRLEN;
    if (elen !== 0) {
      if (elen < NLA_HDRLEN) {
        // The kernel names the nested table itself, i.e. its entry 0.
        setErrAttr(extack, pos, table.entries[0] ?? UNSPEC_ENTRY, NLA_MSG.ARRAY_TOO_SHORT);
        return -ERANGE;
      }
      const e = validateParse(b, pos + NLA_HDRLEN, elen, maxtype, table, validate, extack, undefined, depth + 1);
      if (e < 0) return e;
    }
    const step = nlaAlign(total);
    pos += step;
    rem -= step;
  }
  return 0;
}

/** __nla_validate_parse: walks a stream, validating and (with `tb`) recording each attribute. */
function validateParse(
  b: Uint8Array,
  start: number,
  len: number,
  maxtype: number,
  table: NlaPolicyTable | undefined,
  validate: number,
  extack: ExtAck,
  tb: Int32Array | undefined,
  depth: number,
): number {
  if (depth >= MAX_POLICY_RECURSION_DEPTH) {
    extack.msg = NLA_MSG.DEPTH;
    return -EINVAL;
  }
  if (tb !== undefined) tb.fill(-1);
  let pos = start;
  // Never past the buffer, whatever a length field claims.
  let rem = Math.min(len, b.length - start);
  while (rem >= NLA_HDRLEN) {
    const total = u16le(b, pos);
    if (total < NLA_HDRLEN || total > rem) break;
    const type = nlaType(b, pos);
    if (type === 0 || type > maxtype) {
      if ((validate & NL_VALIDATE_MAXTYPE) !== 0) {
        setErrAttr(extack, pos, undefined, NLA_MSG.UNKNOWN_TYPE);
        return -EINVAL;
      }
    } else {
      if (table !== undefined) {
        const e = validateNla(b, pos, maxtype, table, validate, extack, depth);
        if (e < 0) return e;
      }
      if (tb !== undefined && type < tb.length) tb[type] = pos;
    }
    const step = nlaAlign(total);
    pos += step;
    rem -= step;
  }
  if (rem > 0) {
    extack.msg = NLA_MSG.LEFTOVER;
    if ((validate & NL_VALIDATE_TRAILING) !== 0) return -EINVAL;
  }
  return 0;
}

const textDecoder = new TextDecoder('utf-8');

/**
 * The parse result: for each type 0..maxtype, the offset in `bytes` of the attribute's header
 * (-1 when absent). Typed getters read in place.
 */
export class NlAttrTable {
  readonly bytes: Uint8Array;
  readonly offsets: Int32Array;

  constructor(bytes: Uint8Array, maxtype: number) {
    this.bytes = bytes;
    this.offsets = new Int32Array(maxtype + 1).fill(-1);
  }

  get maxtype(): number {
    return this.offsets.length - 1;
  }
  has(type: number): boolean {
    return (this.offsets[type] ?? -1) >= 0;
  }
  /** Offset of the attribute's header, or -1. */
  offset(type: number): number {
    return this.offsets[type] ?? -1;
  }
  /** Payload length (nla_len()), or -1 when absent. */
  len(type: number): number {
    const o = this.offset(type);
    return o < 0 ? -1 : nlaLen(this.bytes, o);
  }
  data(type: number): Uint8Array | undefined {
    const o = this.offset(type);
    return o < 0 ? undefined : this.bytes.subarray(o + NLA_HDRLEN, o + NLA_HDRLEN + nlaLen(this.bytes, o));
  }
  flag(type: number): boolean {
    return this.has(type);
  }
  u8(type: number): number | undefined {
    const o = this.offset(type);
    return o < 0 ? undefined : (this.bytes[o + NLA_HDRLEN] ?? 0);
  }
  u16(type: number): number | undefined {
    const o = this.offset(type);
    return o < 0 ? undefined : u16le(this.bytes, o + NLA_HDRLEN);
  }
  u32(type: number): number | undefined {
    const o = this.offset(type);
    return o < 0 ? undefined : u32le(this.bytes, o + NLA_HDRLEN);
  }
  u64(type: number): bigint | undefined {
    const o = this.offset(type);
    return o < 0 ? undefined : (BigInt(u32le(this.bytes, o + 8)) << 32n) | BigInt(u32le(this.bytes, o + 4));
  }
  s8(type: number): number | undefined {
    const o = this.offset(type);
    return o < 0 ? undefined : (signedValue(NLA_S8, this.bytes, o) as number);
  }
  s16(type: number): number | undefined {
    const o = this.offset(type);
    return o < 0 ? undefined : (signedValue(NLA_S16, this.bytes, o) as number);
  }
  s32(type: number): number | undefined {
    const o = this.offset(type);
    return o < 0 ? undefined : (signedValue(NLA_S32, this.bytes, o) as number);
  }
  s64(type: number): bigint | undefined {
    const o = this.offset(type);
    return o < 0 ? undefined : (signedValue(NLA_S64, this.bytes, o) as bigint);
  }
  /** The value of a network-order u16 (nla_get_be16 then ntohs). */
  be16(type: number): number | undefined {
    const o = this.offset(type);
    return o < 0 ? undefined : (unsignedValue(NLA_BE16, this.bytes, o) as number);
  }
  be32(type: number): number | undefined {
    const o = this.offset(type);
    return o < 0 ? undefined : (unsignedValue(NLA_BE32, this.bytes, o) as number);
  }
  /** nla_get_uint. */
  uint(type: number): bigint | undefined {
    const o = this.offset(type);
    return o < 0 ? undefined : BigInt(unsignedValue(NLA_UINT, this.bytes, o) ?? 0);
  }
  /** nla_get_sint. */
  sint(type: number): bigint | undefined {
    const o = this.offset(type);
    return o < 0 ? undefined : BigInt(signedValue(NLA_SINT, this.bytes, o) ?? 0);
  }
  /** The string as C sees it: up to the first NUL. */
  string(type: number): string | undefined {
    const d = this.data(type);
    if (d === undefined) return undefined;
    const nul = d.indexOf(0);
    return textDecoder.decode(nul === -1 ? d : d.subarray(0, nul));
  }
}

/** Why parsing failed: the negative errno and the extended ack describing it. */
export interface NlaParseError {
  readonly err: number;
  readonly extack: ExtAck;
}

function fail(err: number, extack: ExtAck): { readonly ok: false; readonly error: NlaParseError } {
  return { ok: false, error: { err, extack } };
}

/**
 * __nla_parse: validates the stream of `length` bytes at `start` against `policy` (none: no
 * validation) and records each attribute of type 1..maxtype. `extack` receives the message,
 * the offending attribute's offset in `bytes` and its policy; it may carry a message on success
 * too ("bytes leftover after parsing attributes" in liberal mode), which the ack reports.
 */
export function nlaParse(
  bytes: Uint8Array,
  start: number,
  length: number,
  maxtype: number,
  policy: NlaPolicyTable | undefined,
  validate: number,
  extack: ExtAck = {},
): Result<NlAttrTable, NlaParseError> {
  const tb = new NlAttrTable(bytes, maxtype);
  return nlaParseInto(tb, start, length, policy, validate, extack);
}

/** `nlaParse` into an existing table (reused between messages); the table's maxtype applies. */
export function nlaParseInto(
  tb: NlAttrTable,
  start: number,
  length: number,
  policy: NlaPolicyTable | undefined,
  validate: number,
  extack: ExtAck = {},
): Result<NlAttrTable, NlaParseError> {
  const err = validateParse(tb.bytes, start, length, tb.maxtype, policy, validate, extack, tb.offsets, 0);
  return err < 0 ? fail(err, extack) : ok(tb);
}

/** __nla_validate: validation without a table; 0 or a negative errno. */
export function nlaValidate(
  bytes: Uint8Array,
  start: number,
  length: number,
  maxtype: number,
  policy: NlaPolicyTable | undefined,
  validate: number,
  extack: ExtAck = {},
): number {
  return validateParse(bytes, start, length, maxtype, policy, validate, extack, undefined, 0);
}

/**
 * nla_parse_nested: the payload of the attribute at `nla`, strictly; the attribute itself must
 * carry NLA_F_NESTED ("NLA_F_NESTED is missing").
 */
export function nlaParseNested(
  bytes: Uint8Array,
  nla: number,
  maxtype: number,
  policy: NlaPolicyTable | undefined,
  extack: ExtAck = {},
): Result<NlAttrTable, NlaParseError> {
  if ((nlaRawType(bytes, nla) & NLA_F_NESTED) === 0) {
    setErrAttr(extack, nla, undefined, NLA_MSG.NESTED_MISSING);
    return fail(-EINVAL, extack);
  }
  return nlaParse(bytes, nlaDataOffset(nla), nlaLen(bytes, nla), maxtype, policy, NL_VALIDATE_STRICT, extack);
}

/** nla_parse_nested_deprecated: the payload of the attribute at `nla`, liberally. */
export function nlaParseNestedDeprecated(
  bytes: Uint8Array,
  nla: number,
  maxtype: number,
  policy: NlaPolicyTable | undefined,
  extack: ExtAck = {},
): Result<NlAttrTable, NlaParseError> {
  return nlaParse(bytes, nlaDataOffset(nla), nlaLen(bytes, nla), maxtype, policy, NL_VALIDATE_LIBERAL, extack);
}

/**
 * __nlmsg_parse: the attributes of the message whose header is at `nlh`, after a family
 * header of `hdrlen` bytes (4 for genetlink). A message shorter than 16 + hdrlen fails with
 * "Invalid header length". A declared nlmsg_len beyond the buffer is cut to the buffer.
 */
export function nlmsgParse(
  bytes: Uint8Array,
  nlh: number,
  hdrlen: number,
  maxtype: number,
  policy: NlaPolicyTable | undefined,
  validate: number,
  extack: ExtAck = {},
): Result<NlAttrTable, NlaParseError> {
  const len = Math.min(u32le(bytes, nlh), Math.max(0, bytes.length - nlh));
  if (len < NLMSG_HDRLEN + hdrlen) {
    extack.msg = NLA_MSG.INVALID_HEADER;
    return fail(-EINVAL, extack);
  }
  const attrStart = nlh + NLMSG_HDRLEN + nlmsgAlign(hdrlen);
  return nlaParse(bytes, attrStart, len - NLMSG_HDRLEN - nlmsgAlign(hdrlen), maxtype, policy, validate, extack);
}

/**
 * How genetlink validates an operation's attributes (genl_family_rcv_msg_doit/_dumpit), from
 * its GENL_DONT_VALIDATE_* flags: NL_VALIDATE_STRICT, NL_VALIDATE_LIBERAL, or undefined when a
 * dump skips validation and attribute parsing altogether (GENL_DONT_VALIDATE_DUMP).
 */
export function genlValidation(opValidate: number, dump: boolean): number | undefined {
  if (!dump) return (opValidate & GENL_DONT_VALIDATE_STRICT) !== 0 ? NL_VALIDATE_LIBERAL : NL_VALIDATE_STRICT;
  if ((opValidate & GENL_DONT_VALIDATE_DUMP) !== 0) return undefined;
  return (opValidate & GENL_DONT_VALIDATE_DUMP_STRICT) !== 0 ? NL_VALIDATE_LIBERAL : NL_VALIDATE_STRICT;
}

/**
 * NL_REQ_ATTR_CHECK: true when `type` is present; otherwise records it as missing (with the
 * offset of the nest that lacks it, undefined at top level) for NLMSGERR_ATTR_MISS_*.
 */
export function nlReqAttrCheck(extack: ExtAck, nest: number | undefined, tb: NlAttrTable, type: number): boolean {
  if (tb.has(type)) return true;
  extack.missingNest = nest;
  extack.missingType = type;
  return false;
}

// ---------------------------------------------------------------------------------------------
// Policy description (NL_POLICY_TYPE_ATTR_*), as written into NLMSGERR_ATTR_POLICY.
// ---------------------------------------------------------------------------------------------

/** netlink_policy_dump_attr_size_estimate: room the description may take (0: none written). */
export function policyDumpAttrSizeEstimate(pt: NlaPolicy): number {
  const common = 2 * nlaAttrSize(4);
  switch (pt.type) {
    case NLA_UNSPEC:
    case NLA_REJECT:
      return 0;
    case NLA_NESTED:
    case NLA_NESTED_ARRAY:
      return common + 2 * nlaAttrSize(4);
    case NLA_U8:
    case NLA_U16:
    case NLA_U32:
    case NLA_U64:
    case NLA_MSECS:
    case NLA_S8:
    case NLA_S16:
    case NLA_S32:
    case NLA_S64:
    case NLA_SINT:
    case NLA_UINT:
      return common + 2 * (nlaAttrSize(0) + nlaAttrSize(8));
    case NLA_BITFIELD32:
      return common + nlaAttrSize(4);
    case NLA_STRING:
    case NLA_NUL_STRING:
    case NLA_BINARY:
      return common + 2 * nlaAttrSize(4);
    case NLA_FLAG:
      return common;
    default:
      return 0;
  }
}

/**
 * netlink_policy_dump_write_attr (without a dump state, as for extended acks): a nest of type
 * `nestType` describing `pt`. Returns false, writing nothing, for types that are not described
 * (NLA_UNSPEC, NLA_REJECT, NLA_BE16, NLA_BE32: the kernel's -ENODATA).
 */
export function writePolicyAttr(b: NlMsgBuilder, pt: NlaPolicy, nestType: number): boolean {
  let type: number;
  switch (pt.type) {
    case NLA_NESTED:
    case NLA_NESTED_ARRAY:
      type = pt.type === NLA_NESTED ? NL_ATTR_TYPE_NESTED : NL_ATTR_TYPE_NESTED_ARRAY;
      break;
    case NLA_U8:
    case NLA_U16:
    case NLA_U32:
    case NLA_U64:
    case NLA_UINT:
    case NLA_MSECS:
      type =
        pt.type === NLA_U8
          ? NL_ATTR_TYPE_U8
          : pt.type === NLA_U16
            ? NL_ATTR_TYPE_U16
            : pt.type === NLA_U32
              ? NL_ATTR_TYPE_U32
              : pt.type === NLA_U64
                ? NL_ATTR_TYPE_U64
                : NL_ATTR_TYPE_UINT;
      break;
    case NLA_S8:
    case NLA_S16:
    case NLA_S32:
    case NLA_S64:
    case NLA_SINT:
      type =
        pt.type === NLA_S8
          ? NL_ATTR_TYPE_S8
          : pt.type === NLA_S16
            ? NL_ATTR_TYPE_S16
            : pt.type === NLA_S32
              ? NL_ATTR_TYPE_S32
              : pt.type === NLA_S64
                ? NL_ATTR_TYPE_S64
                : NL_ATTR_TYPE_SINT;
      break;
    case NLA_BITFIELD32:
      type = NL_ATTR_TYPE_BITFIELD32;
      break;
    case NLA_STRING:
      type = NL_ATTR_TYPE_STRING;
      break;
    case NLA_NUL_STRING:
      type = NL_ATTR_TYPE_NUL_STRING;
      break;
    case NLA_BINARY:
      type = NL_ATTR_TYPE_BINARY;
      break;
    case NLA_FLAG:
      type = NL_ATTR_TYPE_FLAG;
      break;
    default:
      return false;
  }
  const nest = b.nestStart(nestType);
  switch (pt.type) {
    case NLA_U8:
    case NLA_U16:
    case NLA_U32:
    case NLA_U64:
    case NLA_UINT:
    case NLA_MSECS:
      if (pt.validationType === NLA_VALIDATE_MASK) {
        b.putU64(NL_POLICY_TYPE_ATTR_MASK, pt.mask ?? 0n, NL_POLICY_TYPE_ATTR_PAD);
      } else if (pt.validationType !== NLA_VALIDATE_FUNCTION) {
        const r = nlaGetRangeUnsigned(pt);
        b.putU64(NL_POLICY_TYPE_ATTR_MIN_VALUE_U, r.min, NL_POLICY_TYPE_ATTR_PAD);
        b.putU64(NL_POLICY_TYPE_ATTR_MAX_VALUE_U, r.max, NL_POLICY_TYPE_ATTR_PAD);
      }
      break;
    case NLA_S8:
    case NLA_S16:
    case NLA_S32:
    case NLA_S64:
    case NLA_SINT:
      if (pt.validationType !== NLA_VALIDATE_FUNCTION) {
        const r = nlaGetRangeSigned(pt);
        b.putS64(NL_POLICY_TYPE_ATTR_MIN_VALUE_S, r.min, NL_POLICY_TYPE_ATTR_PAD);
        b.putS64(NL_POLICY_TYPE_ATTR_MAX_VALUE_S, r.max, NL_POLICY_TYPE_ATTR_PAD);
      }
      break;
    case NLA_BITFIELD32:
      b.putU32(NL_POLICY_TYPE_ATTR_BITFIELD32_MASK, pt.bitfield32Valid ?? 0);
      break;
    case NLA_STRING:
    case NLA_NUL_STRING:
    case NLA_BINARY:
      if (pt.validationType === NLA_VALIDATE_RANGE || pt.validationType === NLA_VALIDATE_RANGE_WARN_TOO_LONG) {
        const r = nlaGetRangeUnsigned(pt);
        if (r.min !== 0n) b.putU32(NL_POLICY_TYPE_ATTR_MIN_LENGTH, Number(r.min & 0xffffffffn));
        if (r.max < BigInt(U16_MAX)) b.putU32(NL_POLICY_TYPE_ATTR_MAX_LENGTH, Number(r.max & 0xffffffffn));
      } else if ((pt.len ?? 0) !== 0) {
        b.putU32(NL_POLICY_TYPE_ATTR_MAX_LENGTH, pt.len ?? 0);
      }
      break;
  }
  b.putU32(NL_POLICY_TYPE_ATTR_TYPE, type);
  b.nestEnd(nest);
  return true;
}

/** A decoded policy description (NL_POLICY_TYPE_ATTR_*). */
export interface PolicyAttrRepr {
  /** NL_ATTR_TYPE_*. */
  readonly type?: number;
  readonly minValueS?: bigint;
  readonly maxValueS?: bigint;
  readonly minValueU?: bigint;
  readonly maxValueU?: bigint;
  readonly minLength?: number;
  readonly maxLength?: number;
  readonly policyIdx?: number;
  readonly policyMaxtype?: number;
  readonly bitfield32Mask?: number;
  readonly mask?: bigint;
}

/**
 * Decodes the attributes inside a policy description nest (`length` bytes at `start`). Sizes
 * are checked (u32 fields 4 bytes, 64-bit fields 8); pads and unknown types are skipped.
 */
export function parsePolicyAttr(bytes: Uint8Array, start: number, length: number): Result<PolicyAttrRepr> {
  const out: {
    type?: number;
    minValueS?: bigint;
    maxValueS?: bigint;
    minValueU?: bigint;
    maxValueU?: bigint;
    minLength?: number;
    maxLength?: number;
    policyIdx?: number;
    policyMaxtype?: number;
    bitfield32Mask?: number;
    mask?: bigint;
  } = {};
  const c = new NlAttrCursor(bytes, start, length);
  while (c.next()) {
    const t = c.type;
    const size = t === NL_POLICY_TYPE_ATTR_MIN_VALUE_S || t === NL_POLICY_TYPE_ATTR_MAX_VALUE_S ||
      t === NL_POLICY_TYPE_ATTR_MIN_VALUE_U || t === NL_POLICY_TYPE_ATTR_MAX_VALUE_U || t === NL_POLICY_TYPE_ATTR_MASK
      ? 8
      : t === NL_POLICY_TYPE_ATTR_TYPE || t === NL_POLICY_TYPE_ATTR_MIN_LENGTH || t === NL_POLICY_TYPE_ATTR_MAX_LENGTH ||
          t === NL_POLICY_TYPE_ATTR_POLICY_IDX || t === NL_POLICY_TYPE_ATTR_POLICY_MAXTYPE ||
          t === NL_POLICY_TYPE_ATTR_BITFIELD32_MASK
        ? 4
        : -1;
    if (size < 0) continue;
    if (c.len !== size) {
      return wireError('bad-length', c.offset - start, 'NL_POLICY_TYPE_ATTR', `type ${t} carries ${c.len} bytes, need ${size}`);
    }
    const d = c.dataOffset;
    const v32 = u32le(bytes, d);
    const v64 = size === 8 ? (BigInt(u32le(bytes, d + 4)) << 32n) | BigInt(v32) : 0n;
    switch (t) {
      case NL_POLICY_TYPE_ATTR_TYPE:
        out.type = v32;
        break;
      case NL_POLICY_TYPE_ATTR_MIN_VALUE_S:
        out.minValueS = BigInt.asIntN(64, v64);
        break;
      case NL_POLICY_TYPE_ATTR_MAX_VALUE_S:
        out.maxValueS = BigInt.asIntN(64, v64);
        break;
      case NL_POLICY_TYPE_ATTR_MIN_VALUE_U:
        out.minValueU = v64;
        break;
      case NL_POLICY_TYPE_ATTR_MAX_VALUE_U:
        out.maxValueU = v64;
        break;
      case NL_POLICY_TYPE_ATTR_MIN_LENGTH:
        out.minLength = v32;
        break;
      case NL_POLICY_TYPE_ATTR_MAX_LENGTH:
        out.maxLength = v32;
        break;
      case NL_POLICY_TYPE_ATTR_POLICY_IDX:
        out.policyIdx = v32;
        break;
      case NL_POLICY_TYPE_ATTR_POLICY_MAXTYPE:
        out.policyMaxtype = v32;
        break;
      case NL_POLICY_TYPE_ATTR_BITFIELD32_MASK:
        out.bitfield32Mask = v32;
        break;
      case NL_POLICY_TYPE_ATTR_MASK:
        out.mask = v64;
        break;
    }
  }
  const e = c.error();
  if (e !== undefined) return wireError(e.kind, e.offset - start, e.field, e.message);
  return ok(out);
}
