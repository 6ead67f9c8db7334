/**
 * The parts of iproute2 6.1's lib/utils.c (and the libc calls it leans on) that every `ip`
 * object needs, with iproute2's exact texts and exit statuses: argument errors (invarg, duparg,
 * duparg2, missarg, incomplete_command, nodev), keyword abbreviation (matches), number parsing
 * with strtoul/strtol semantics (get_u8 ... get_u64, get_s32, get_integer, get_unsigned,
 * get_be16), address and prefix parsing (get_addr_1, get_prefix_1, get_addr, get_prefix with
 * "default", "any" and "all"), numeric host formatting (format_host, inet_ntop as glibc prints),
 * hex helpers, and C's printf for the format strings iproute2's printers take.
 *
 * Errors. iproute2 calls exit() from deep inside argument parsing. Here that is a thrown
 * `IprouteExit { code, stderr }`: `code` is the status the shell sees (exit(-1) is 255) and
 * `stderr` the text iproute2 printed just before exiting. The `ip` front end (ip.ts) catches it,
 * writes `stderr` and returns `code`; nothing else should catch it. Parsers that iproute2 lets
 * fail softly (get_u32 returning -1) return `undefined` instead, so the caller picks the message.
 */

import { formatIpv6Address } from '../wire/address.ts';
import { parseIpv6Address } from '../wire/address.ts';

/** A process exit requested from inside iproute2 code (exit(code) after printing `stderr`). */
export class IprouteExit extends Error {
  /** The exit status as the shell sees it: 0..255 (exit(-1) is 255). */
  readonly code: number;
  /** What iproute2 wrote to stderr before exiting (may be empty). */
  readonly stderr: string;

  constructor(code: number, stderr: string) {
    super(stderr === '' ? `exit ${code & 0xff}` : stderr.trimEnd());
    this.name = 'IprouteExit';
    this.code = code & 0xff;
    this.stderr = stderr;
  }
}

/** exit(code) after printing `stderr`. */
export function exitWith(code: number, stderr = ''): never {
  throw new IprouteExit(code, stderr);
}

/** Where error texts go when a helper prints without exiting (an `Output` fits). */
export interface TextSink {
  write(text: string): void;
}

// ---------------------------------------------------------------------------------------------
// Argument errors (lib/utils.c)

/** "Command line is not complete. Try option "help"", exit(-1). */
export function incompleteCommand(): never {
  exitWith(-1, 'Command line is not complete. Try option "help"\n');
}

/** `Error: argument "KEY" is required`, exit(-1). */
export function missarg(key: string): never {
  exitWith(-1, `Error: argument "${key}" is required\n`);
}

/** `Error: argument "ARG" is wrong: MSG`, exit(-1). */
export function invarg(msg: string, arg: string): never {
  exitWith(-1, `Error: argument "${arg}" is wrong: ${msg}\n`);
}

/** `Error: duplicate "KEY": "ARG" is the second value.`, exit(-1). */
export function duparg(key: string, arg: string): never {
  exitWith(-1, `Error: duplicate "${key}": "${arg}" is the second value.\n`);
}

/** `Error: either "KEY" is duplicate, or "ARG" is a garbage.`, exit(-1). */
export function duparg2(key: string, arg: string): never {
  exitWith(-1, `Error: either "${key}" is duplicate, or "${arg}" is a garbage.\n`);
}

/** Prints `Cannot find device "DEV"` and returns -1 (nodev does not exit). */
export function nodev(err: TextSink, dev: string): number {
  err.write(`Cannot find device "${dev}"\n`);
  return -1;
}

/**
 * iproute2's keyword abbreviation: true when `arg` is a non-empty prefix of `keyword`
 * (`ip a` is `ip address`). Note the inversion: lib/utils.c's matches() returns false (0) on a
 * match, so C's `matches(*argv, "add") == 0` is `matches(arg, 'add')` here. Objects that use
 * strcmp() in C must use `===` here: `ip ioam namesp` is an error.
 */
export function matches(arg: string, keyword: string): boolean {
  return arg.length > 0 && arg.length <= keyword.length && keyword.startsWith(arg);
}

/**
 * argc/argv as iproute2 walks them, so object code ports line by line: `cur()` is `*argv`,
 * `argc` the count left including `cur`, `next()` is NEXT_ARG(), `nextOk()` NEXT_ARG_OK(),
 * `fwd()` NEXT_ARG_FWD(), `prev()` PREV_ARG().
 */
export class Args {
  readonly argv: readonly string[];
  #i: number;

  constructor(argv: readonly string[], start = 0) {
    this.argv = argv;
    this.#i = start;
  }

  /** Arguments left, counting the current one (C's argc). */
  get argc(): number {
    return this.argv.length - this.#i;
  }

  /**
   * The current argument (C's *argv); "" past the end, where C would read NULL. A method, not a
   * getter, so TypeScript does not narrow it across next().
   */
  cur(): string {
    return this.argv[this.#i] ?? '';
  }

  /** The arguments left, from the current one. */
  rest(): string[] {
    return this.argv.slice(this.#i);
  }

  /** NEXT_ARG(): step to the next argument, or "Command line is not complete". */
  next(): string {
    this.#i++;
    if (this.argc <= 0) incompleteCommand();
    return this.cur();
  }

  /** NEXT_ARG_OK(): there is an argument after the current one. */
  nextOk(): boolean {
    return this.argc - 1 > 0;
  }

  /** NEXT_ARG_FWD(): step without checking. */
  fwd(): void {
    this.#i++;
  }

  /** PREV_ARG(). */
  prev(): void {
    this.#i--;
  }
}

// ---------------------------------------------------------------------------------------------
// Numbers: glibc strtoul/strtol on LP64 (long is 64 bits)

const ULONG_MAX = (1n << 64n) - 1n;
const LONG_MAX = (1n << 63n) - 1n;
const LONG_MIN = -(1n << 63n);

/** What strtoul/strtol return: the value, where parsing stopped, and whether errno is ERANGE. */
export interface StrtoResult {
  readonly value: bigint;
  /** Index of the first unparsed character; 0 when no conversion was done (endptr == nptr). */
  readonly end: number;
  readonly erange: boolean;
}

/** C isspace() in the "C" locale. */
function isCSpace(c: string | undefined): boolean {
  return c === ' ' || c === '\t' || c === '\n' || c === '\v' || c === '\f' || c === '\r';
}

function digitValue(c: string | undefined): number {
  if (c === undefined) return 99;
  const code = c.charCodeAt(0);
  if (code >= 48 && code <= 57) return code - 48;
  if (code >= 97 && code <= 122) return code - 87;
  if (code >= 65 && code <= 90) return code - 55;
  return 99;
}

/** The common part: sign, magnitude, end; undefined magnitude when no digits were seen. */
function scanInteger(text: string, base: number): { neg: boolean; mag: bigint | undefined; end: number } {
  if (base !== 0 && (base < 2 || base > 36)) throw new RangeError(`strtol base ${base}`);
  let i = 0;
  while (isCSpace(text[i])) i++;
  let neg = false;
  if (text[i] === '+' || text[i] === '-') {
    neg = text[i] === '-';
    i++;
  }
  let b = base;
  let xAt = -1;
  if (text[i] === '0' && (b === 0 || b === 16) && (text[i + 1] === 'x' || text[i + 1] === 'X')) {
    xAt = i + 1;
    i += 2;
    b = 16;
  } else if (b === 0) {
    b = text[i] === '0' ? 8 : 10;
  }
  const start = i;
  let mag = 0n;
  const bb = BigInt(b);
  while (digitValue(text[i]) < b) {
    mag = mag * bb + BigInt(digitValue(text[i]));
    i++;
  }
  if (i === start) {
    // "0x" without hex digits converts the "0" and stops at the "x" (glibc's special case).
    if (xAt !== -1) return { neg, mag: 0n, end: xAt };
    return { neg, mag: undefined, end: 0 };
  }
  return { neg, mag, end: i };
}

/** strtoul/strtoull (64-bit): a leading "-" negates modulo 2^64, as C does. */
export function strtoul(text: string, base: number): StrtoResult {
  const { neg, mag, end } = scanInteger(text, base);
  if (mag === undefined) return { value: 0n, end: 0, erange: false };
  if (mag > ULONG_MAX) return { value: ULONG_MAX, end, erange: true };
  return { value: neg ? (-mag) & ULONG_MAX : mag, end, erange: false };
}

/** strtol/strtoll (64-bit). */
export function strtol(text: string, base: number): StrtoResult {
  const { neg, mag, end } = scanInteger(text, base);
  if (mag === undefined) return { value: 0n, end: 0, erange: false };
  const v = neg ? -mag : mag;
  if (v > LONG_MAX) return { value: LONG_MAX, end, erange: true };
  if (v < LONG_MIN) return { value: LONG_MIN, end, erange: true };
  return { value: v, end, erange: false };
}

/** The unsigned get_* shape: whole string consumed, no overflow, at most `max`. */
function getUnsignedBig(arg: string, base: number, max: bigint): bigint | undefined {
  if (arg === '') return undefined;
  const r = strtoul(arg, base);
  if (r.end === 0 || r.end !== arg.length) return undefined;
  if (r.value === ULONG_MAX && r.erange) return undefined;
  if (r.value > max) return undefined;
  return r.value;
}

function getSignedBig(arg: string, base: number, min: bigint, max: bigint): bigint | undefined {
  if (arg === '') return undefined;
  const r = strtol(arg, base);
  if (r.end === 0 || r.end !== arg.length) return undefined;
  if ((r.value === LONG_MIN || r.value === LONG_MAX) && r.erange) return undefined;
  if (r.value < min || r.value > max) return undefined;
  return r.value;
}

/** get_u64: strtoull, so "-1" is accepted as 2^64-1. Undefined where C returns -1. */
export function getU64(arg: string, base: number): bigint | undefined {
  return getUnsignedBig(arg, base, ULONG_MAX);
}

/** get_u32 ("-1" is rejected: strtoul gives 2^64-1, out of range). */
export function getU32(arg: string, base: number): number | undefined {
  const v = getUnsignedBig(arg, base, 0xffffffffn);
  return v === undefined ? undefined : Number(v);
}

/** get_unsigned: the same checks as get_u32 (UINT_MAX is 2^32-1). */
export function getUnsigned(arg: string, base: number): number | undefined {
  return getU32(arg, base);
}

export function getU16(arg: string, base: number): number | undefined {
  const v = getUnsignedBig(arg, base, 0xffffn);
  return v === undefined ? undefined : Number(v);
}

export function getU8(arg: string, base: number): number | undefined {
  const v = getUnsignedBig(arg, base, 0xffn);
  return v === undefined ? undefined : Number(v);
}

export function getS64(arg: string, base: number): bigint | undefined {
  return getSignedBig(arg, base, LONG_MIN, LONG_MAX);
}

export function getS32(arg: string, base: number): number | undefined {
  const v = getSignedBig(arg, base, -0x80000000n, 0x7fffffffn);
  return v === undefined ? undefined : Number(v);
}

/** get_integer: strtol, then the int range; the same acceptance as get_s32. */
export function getInteger(arg: string, base: number): number | undefined {
  return getS32(arg, base);
}

/** get_be16: get_u16, returned as the two bytes in network order. */
export function getBe16(arg: string, base: number): Uint8Array | undefined {
  const v = getU16(arg, base);
  return v === undefined ? undefined : Uint8Array.of(v >>> 8, v & 0xff);
}

/** get_be32: get_u32, returned as the four bytes in network order. */
export function getBe32(arg: string, base: number): Uint8Array | undefined {
  const v = getU32(arg, base);
  return v === undefined ? undefined : Uint8Array.of(v >>> 24, (v >>> 16) & 0xff, (v >>> 8) & 0xff, v & 0xff);
}

/** get_hex: one hex digit's value, -1 for anything else. */
export function getHex(c: string): number {
  if (c.length !== 1) return -1;
  const v = digitValue(c);
  return v < 16 ? v : -1;
}

// ---------------------------------------------------------------------------------------------
// Address families and inet_prefix

/** AF_* numbers (include/linux/socket.h). */
export const AF_UNSPEC = 0;
export const AF_INET = 2;
export const AF_BRIDGE = 7;
export const AF_INET6 = 10;
export const AF_PACKET = 17;
export const AF_MPLS = 28;

/** read_family: the -family names; AF_UNSPEC for anything else. */
export function readFamily(name: string): number {
  switch (name) {
    case 'inet':
      return AF_INET;
    case 'inet6':
      return AF_INET6;
    case 'link':
      return AF_PACKET;
    case 'mpls':
      return AF_MPLS;
    case 'bridge':
      return AF_BRIDGE;
    default:
      return AF_UNSPEC;
  }
}

export function familyName(family: number): string {
  switch (family) {
    case AF_INET:
      return 'inet';
    case AF_INET6:
      return 'inet6';
    case AF_PACKET:
      return 'link';
    case AF_MPLS:
      return 'mpls';
    case AF_BRIDGE:
      return 'bridge';
    default:
      return '???';
  }
}

/** af_bit_len. */
export function afBitLen(family: number): number {
  if (family === AF_INET6) return 128;
  if (family === AF_INET) return 32;
  if (family === AF_MPLS) return 20;
  return 0;
}

/** inet_prefix flags. */
export const PREFIXLEN_SPECIFIED = 1 << 0;
export const ADDRTYPE_INET = 1 << 1;
export const ADDRTYPE_UNSPEC = 1 << 2;
export const ADDRTYPE_MULTI = 1 << 3;
export const ADDRTYPE_INET_UNSPEC = ADDRTYPE_INET | ADDRTYPE_UNSPEC;
export const ADDRTYPE_INET_MULTI = ADDRTYPE_INET | ADDRTYPE_MULTI;

/**
 * iproute2's inet_prefix. `bitlen` is -1 for an address without a length, -2 for "default",
 * "any" and "all" before get_prefix_1 settles it; `data` holds `bytelen` bytes.
 */
export interface InetPrefix {
  flags: number;
  bytelen: number;
  bitlen: number;
  family: number;
  data: Uint8Array;
}

function setAddressType(p: InetPrefix): void {
  const zero = p.data.subarray(0, p.bytelen).every((b) => b === 0);
  if (p.family === AF_INET) {
    if (zero) p.flags |= ADDRTYPE_INET_UNSPEC;
    else if (((p.data[0] ?? 0) & 0xf0) === 0xe0) p.flags |= ADDRTYPE_INET_MULTI;
    else p.flags |= ADDRTYPE_INET;
  } else if (p.family === AF_INET6) {
    if (zero) p.flags |= ADDRTYPE_INET_UNSPEC;
    else if (p.data[0] === 0xff) p.flags |= ADDRTYPE_INET_MULTI;
    else p.flags |= ADDRTYPE_INET;
  }
}

/** get_addr_ipv4: legacy parsing, "10.8" is 10.8.0.0 and each part is strtoul base 0. */
function getAddrIpv4(text: string): Uint8Array | undefined {
  const out = new Uint8Array(4);
  let cp = text;
  for (let i = 0; i < 4; i++) {
    const r = strtoul(cp, 0);
    if (r.value > 255n) return undefined;
    if (r.end === 0) return undefined;
    out[i] = Number(r.value);
    if (r.end === cp.length) break;
    if (i === 3 || cp[r.end] !== '.') return undefined;
    cp = cp.slice(r.end + 1);
  }
  return out;
}

/** sscanf("%x") into an int: whitespace, sign, optional 0x, hex digits; trailing text ignored. */
function scanHexInt(text: string): number | undefined {
  const { neg, mag } = scanInteger(text, 16);
  if (mag === undefined) return undefined;
  const u = Number((neg ? -mag : mag) & 0xffffffffn);
  return u | 0;
}

/** ll_addr_a2n: "aa:bb:cc" hex bytes, or a dotted IPv4 address (4 bytes). */
function llAddrA2n(arg: string, maxLen: number, err: TextSink | undefined): Uint8Array | undefined {
  if (arg.includes('.')) {
    const v4 = getAddr1(arg, AF_INET);
    if (v4 === undefined) {
      err?.write(`"${arg}" is invalid lladdr.\n`);
      return undefined;
    }
    return v4.data.slice(0, 4);
  }
  const out: number[] = [];
  let rest = arg;
  for (let i = 0; i < maxLen; i++) {
    const colon = rest.indexOf(':');
    const part = colon === -1 ? rest : rest.slice(0, colon);
    const v = scanHexInt(part);
    if (v === undefined || v < 0 || v > 255) {
      err?.write(`"${part}" is invalid lladdr.\n`);
      return undefined;
    }
    out.push(v);
    if (colon === -1) break;
    rest = rest.slice(colon + 1);
  }
  return Uint8Array.from(out);
}

/** Room in inet_prefix.data (64 u32). */
const INET_PREFIX_DATA = 256;

/**
 * get_addr_1: an address of `family` (AF_UNSPEC: whichever the text is), or "default", "any",
 * "all". Undefined where C returns -1. MPLS labels are not supported (always undefined). `err`
 * receives the lladdr complaint ll_addr_a2n prints for AF_PACKET.
 */
export function getAddr1(name: string, family: number, err?: TextSink): InetPrefix | undefined {
  if (name === 'default') {
    if (family === AF_MPLS) return undefined;
    return { family, bytelen: afBitLen(family) / 8, bitlen: -2, flags: PREFIXLEN_SPECIFIED, data: new Uint8Array(16) };
  }
  if (name === 'all' || name === 'any') {
    if (family === AF_MPLS) return undefined;
    return { family, bytelen: 0, bitlen: -2, flags: 0, data: new Uint8Array(16) };
  }
  let p: InetPrefix;
  if (family === AF_PACKET) {
    const ll = llAddrA2n(name, INET_PREFIX_DATA, err);
    if (ll === undefined) return undefined;
    return { family: AF_PACKET, bytelen: ll.length, bitlen: ll.length * 8, flags: 0, data: ll };
  } else if (name.includes(':')) {
    if (family !== AF_UNSPEC && family !== AF_INET6) return undefined;
    const a = parseIpv6Address(name);
    if (a === undefined) return undefined;
    p = { family: AF_INET6, bytelen: 16, bitlen: -1, flags: 0, data: a };
  } else if (family === AF_MPLS) {
    return undefined;
  } else {
    if (family !== AF_UNSPEC && family !== AF_INET) return undefined;
    const a = getAddrIpv4(name);
    if (a === undefined) return undefined;
    p = { family: AF_INET, bytelen: 4, bitlen: -1, flags: 0, data: a };
  }
  setAddressType(p);
  return p;
}

/** mask2bits: a dotted netmask's length, -1 when it is not contiguous. */
function mask2bits(mask: Uint8Array): number {
  const m = ((mask[0] ?? 0) << 24) | ((mask[1] ?? 0) << 16) | ((mask[2] ?? 0) << 8) | (mask[3] ?? 0);
  const host = ~m >>> 0;
  if ((host & ((host + 1) >>> 0)) !== 0) return -1;
  let bits = 0;
  for (let x = m >>> 0; x !== 0; x = (x << 1) >>> 0) bits++;
  return bits;
}

/** get_netmask: a number (strtoul base 0) or a dotted IPv4 netmask. */
function getNetmask(arg: string): number | undefined {
  const n = getUnsigned(arg, 0);
  if (n !== undefined) return n;
  const a = getAddr1(arg, AF_INET);
  if (a !== undefined && a.family === AF_INET) {
    const b = mask2bits(a.data);
    if (b >= 0) return b;
  }
  return undefined;
}

/** get_prefix_1: ADDR[/LEN]; "default" means /0 and refuses a length. */
export function getPrefix1(arg: string, family: number, err?: TextSink): InetPrefix | undefined {
  const slash = arg.indexOf('/');
  const dst = getAddr1(slash === -1 ? arg : arg.slice(0, slash), family, err);
  if (dst === undefined) return undefined;
  let bitlen = afBitLen(dst.family);
  let flags = 0;
  if (slash !== -1) {
    if (dst.bitlen === -2) return undefined;
    const plen = getNetmask(arg.slice(slash + 1));
    if (plen === undefined || plen > bitlen) return undefined;
    flags |= PREFIXLEN_SPECIFIED;
    bitlen = plen;
  } else if (dst.bitlen === -2) {
    bitlen = 0;
  }
  dst.flags |= flags;
  dst.bitlen = bitlen;
  return dst;
}

function familyNameVerbose(family: number): string {
  return family === AF_UNSPEC ? 'any valid' : familyName(family);
}

/** get_addr: as get_addr_1, or `Error: inet6 address is expected rather than "X".` exit(1). */
export function getAddr(arg: string, family: number): InetPrefix {
  let notes = '';
  const p = getAddr1(arg, family, { write: (t) => (notes += t) });
  if (p === undefined) {
    exitWith(1, `${notes}Error: ${familyNameVerbose(family)} address is expected rather than "${arg}".\n`);
  }
  return p;
}

/** get_prefix: as get_prefix_1, or `Error: inet6 prefix is expected rather than "X".` exit(1). */
export function getPrefix(arg: string, family: number): InetPrefix {
  if (family === AF_PACKET) {
    exitWith(1, `Error: "${arg}" may be inet prefix, but it is not allowed in this context.\n`);
  }
  const p = getPrefix1(arg, family);
  if (p === undefined) exitWith(1, `Error: ${familyNameVerbose(family)} prefix is expected rather than "${arg}".\n`);
  return p;
}

/** get_addr32: an IPv4 address or `Error: an IP address is expected rather than "X"` exit(1). */
export function getAddr32(name: string): Uint8Array {
  const p = getAddr1(name, AF_INET);
  if (p === undefined) exitWith(1, `Error: an IP address is expected rather than "${name}"\n`);
  return p.data.slice(0, 4);
}

// ---------------------------------------------------------------------------------------------
// Formatting addresses

/** inet_ntop(AF_INET6): glibc's text, which the shared formatter reproduces. */
export const inetNtop6 = (b: Uint8Array): string => formatIpv6Address(b);

/** ll_addr_n2a for plain hardware addresses: "%02x" joined by ":". */
export function llAddrN2a(addr: Uint8Array): string {
  return Array.from(addr, (x) => x.toString(16).padStart(2, '0')).join(':');
}

/**
 * rt_addr_n2a / format_host without name resolution (ip never resolves unless -r): inet_ntop
 * for AF_INET and AF_INET6, colon hex for AF_PACKET, "???" otherwise.
 */
export function formatHost(family: number, addr: Uint8Array): string {
  if (family === AF_INET6) return addr.length >= 16 ? inetNtop6(addr) : '???';
  if (family === AF_INET) return addr.length >= 4 ? `${addr[0]}.${addr[1]}.${addr[2]}.${addr[3]}` : '???';
  if (family === AF_PACKET) return llAddrN2a(addr);
  return '???';
}

/** rt_addr_n2a: the same as format_host without -r. */
export const rtAddrN2a = formatHost;

// ---------------------------------------------------------------------------------------------
// Hex and escapes

/** hexstring_n2a: bytes as lower-case hex, no separators. */
export function hexstringN2a(bytes: Uint8Array): string {
  return Array.from(bytes, (x) => x.toString(16).padStart(2, '0')).join('');
}

/**
 * hexstring_a2n: an even-length hex string to at most `maxLen` bytes; undefined where C returns
 * NULL (odd length, a pair strtoul rejects). Like C, pairs past `maxLen` are ignored.
 */
export function hexstringA2n(text: string, maxLen: number): Uint8Array | undefined {
  if (text.length % 2 !== 0) return undefined;
  const out: number[] = [];
  for (let i = 0; out.length < maxLen && text.length - i > 1; i += 2) {
    const pair = text.slice(i, i + 2);
    const r = strtoul(pair, 16);
    if (r.value > 0xffn || r.end !== pair.length || r.end === 0) return undefined;
    out.push(Number(r.value));
  }
  return Uint8Array.from(out);
}

/** hex2mem: exactly `count` bytes from 2*count hex digits; undefined on a non-hex digit. */
export function hex2mem(text: string, count: number): Uint8Array | undefined {
  const out = new Uint8Array(count);
  for (let i = 0; i < count; i++) {
    const hi = getHex(text[2 * i] ?? '');
    const lo = getHex(text[2 * i + 1] ?? '');
    if (hi < 0 || lo < 0) return undefined;
    out[i] = (hi << 4) | lo;
  }
  return out;
}

/** print_escape_buf: printable bytes as they are, others, "\\" and `escape` as "\ooo". */
export function escapeBuf(buf: Uint8Array, escape: string): string {
  let s = '';
  for (const b of buf) {
    const c = String.fromCharCode(b);
    if (b >= 0x20 && b <= 0x7e && c !== '\\' && !escape.includes(c)) s += c;
    else s += `\\${b.toString(8).padStart(3, '0')}`;
  }
  return s;
}

/**
 * parse_one_of: the index of the first entry `realval` abbreviates, or undefined after printing
 * `Error: argument of "MSG" must be one of "a", "b", not "X"` (the caller decides to exit).
 */
export function parseOneOf(err: TextSink, msg: string, realval: string, list: readonly string[]): number | undefined {
  const i = list.findIndex((s) => matches(realval, s));
  if (i !== -1) return i;
  err.write(`Error: argument of "${msg}" must be one of ${list.map((s) => `"${s}", `).join('')}not "${realval}"\n`);
  return undefined;
}

/** parse_on_off: true for "on", false for "off" (abbreviations accepted), undefined otherwise. */
export function parseOnOff(err: TextSink, msg: string, realval: string): boolean | undefined {
  const i = parseOneOf(err, msg, realval, ['off', 'on']);
  return i === undefined ? undefined : i === 1;
}

// ---------------------------------------------------------------------------------------------
// C printf

/** A printf argument: integers as number or bigint, strings for %s, null prints "(null)". */
export type PrintfArg = number | bigint | string | boolean | null;

const LENGTH_BITS: Readonly<Record<string, number>> = { hh: 8, h: 16, '': 32, l: 64, ll: 64, j: 64, z: 64, t: 64, q: 64, L: 64 };

function toBigInt(v: PrintfArg | undefined): bigint {
  if (typeof v === 'bigint') return v;
  if (typeof v === 'number') return Number.isFinite(v) ? BigInt(Math.trunc(v)) : 0n;
  if (typeof v === 'boolean') return v ? 1n : 0n;
  return 0n;
}

function toNumber(v: PrintfArg | undefined): number {
  if (typeof v === 'number') return v;
  if (typeof v === 'bigint') return Number(v);
  if (typeof v === 'boolean') return v ? 1 : 0;
  return 0;
}

/** An exact binary fraction num/den for a finite double. */
function exactFraction(x: number): { num: bigint; den: bigint } {
  const dv = new DataView(new ArrayBuffer(8));
  dv.setFloat64(0, Math.abs(x));
  const hi = dv.getUint32(0);
  const lo = dv.getUint32(4);
  const exp = (hi >>> 20) & 0x7ff;
  let mant = (BigInt(hi & 0xfffff) << 32n) | BigInt(lo);
  let e: number;
  if (exp === 0) e = -1074;
  else {
    mant |= 1n << 52n;
    e = exp - 1075;
  }
  return e >= 0 ? { num: mant << BigInt(e), den: 1n } : { num: mant, den: 1n << BigInt(-e) };
}

/** num/den rounded to an integer, ties to even (glibc's default rounding). */
function roundHalfEven(num: bigint, den: bigint): bigint {
  const q = num / den;
  const r2 = (num % den) * 2n;
  if (r2 > den || (r2 === den && (q & 1n) === 1n)) return q + 1n;
  return q;
}

/** %.{prec}f digits of |x|. */
function fixedDigits(x: number, prec: number): string {
  const { num, den } = exactFraction(x);
  const q = roundHalfEven(num * 10n ** BigInt(prec), den).toString();
  if (prec === 0) return q;
  const s = q.padStart(prec + 1, '0');
  return `${s.slice(0, s.length - prec)}.${s.slice(s.length - prec)}`;
}

/** |x| as prec+1 significant digits and the decimal exponent. */
function expDigits(x: number, prec: number): { digits: string; exp: number } {
  if (x === 0) return { digits: '0'.repeat(prec + 1), exp: 0 };
  const { num, den } = exactFraction(x);
  let exp = Math.floor(Math.log10(Math.abs(x)));
  for (;;) {
    const shift = prec - exp;
    const q = shift >= 0 ? roundHalfEven(num * 10n ** BigInt(shift), den) : roundHalfEven(num, den * 10n ** BigInt(-shift));
    const s = q.toString();
    if (s.length > prec + 1) exp++;
    else if (s.length < prec + 1) exp--;
    else return { digits: s, exp };
  }
}

function expForm(digits: string, exp: number, prec: number, alt: boolean, upper: boolean): string {
  const mant = prec === 0 ? `${digits}${alt ? '.' : ''}` : `${digits[0] ?? '0'}.${digits.slice(1)}`;
  const e = `${exp < 0 ? '-' : '+'}${String(Math.abs(exp)).padStart(2, '0')}`;
  return `${mant}${upper ? 'E' : 'e'}${e}`;
}

function formatFloat(x: number, conv: string, precision: number | undefined, alt: boolean): string {
  const upper = conv === 'E' || conv === 'F' || conv === 'G';
  if (!Number.isFinite(x)) {
    const t = Number.isNaN(x) ? 'nan' : 'inf';
    return upper ? t.toUpperCase() : t;
  }
  const c = conv.toLowerCase();
  if (c === 'f') {
    const prec = precision ?? 6;
    const s = fixedDigits(x, prec);
    return alt && prec === 0 ? `${s}.` : s;
  }
  if (c === 'e') {
    const prec = precision ?? 6;
    const { digits, exp } = expDigits(x, prec);
    return expForm(digits, exp, prec, alt, upper);
  }
  // %g: P significant digits; %e style when the exponent is < -4 or >= P.
  const p = precision === undefined ? 6 : precision === 0 ? 1 : precision;
  const { digits, exp } = expDigits(x, p - 1);
  let s: string;
  if (exp < p && exp >= -4) {
    s = fixedDigits(x, p - 1 - exp);
    if (alt && !s.includes('.')) s += '.';
  } else s = expForm(digits, exp, p - 1, alt, upper);
  if (!alt) {
    const ePos = s.search(/[eE]/);
    let mant = ePos === -1 ? s : s.slice(0, ePos);
    const tail = ePos === -1 ? '' : s.slice(ePos);
    if (mant.includes('.')) mant = mant.replace(/0+$/, '').replace(/\.$/, '');
    s = mant + tail;
  }
  return s;
}

/**
 * C's printf for the conversions iproute2 uses: flags `-+ #0`, width and precision (also `*`),
 * length modifiers hh h l ll j z t q L, and d i u o x X c s e E f F g G %. Integers wrap to the
 * length modifier's width as C does (`%u` of -1 is 4294967295). An unknown conversion is a
 * programmer error and throws.
 */
export function sprintf(fmt: string, ...args: PrintfArg[]): string {
  let out = '';
  let ai = 0;
  const re = /%([-+ #0]*)(\*|\d+)?(?:\.(\*|\d*))?(hh|h|ll|l|j|z|t|q|L)?([diouxXcseEfFgG%])/gy;
  let i = 0;
  while (i < fmt.length) {
    const pct = fmt.indexOf('%', i);
    if (pct === -1) {
      out += fmt.slice(i);
      break;
    }
    out += fmt.slice(i, pct);
    re.lastIndex = pct;
    const m = re.exec(fmt);
    if (m === null) throw new TypeError(`sprintf: unsupported conversion at ${pct} in ${JSON.stringify(fmt)}`);
    i = re.lastIndex;
    const flags = m[1] ?? '';
    const conv = m[5] ?? '%';
    if (conv === '%') {
      out += '%';
      continue;
    }
    let width = 0;
    let left = flags.includes('-');
    if (m[2] === '*') {
      width = toNumber(args[ai++]) | 0;
      if (width < 0) {
        left = true;
        width = -width;
      }
    } else if (m[2] !== undefined) width = Number(m[2]);
    let precision: number | undefined;
    if (m[3] !== undefined) {
      precision = m[3] === '*' ? toNumber(args[ai++]) | 0 : Number(m[3] === '' ? '0' : m[3]);
      if (precision < 0) precision = undefined;
    }
    const alt = flags.includes('#');
    const arg = args[ai++];
    let body: string;
    let sign = '';
    let prefix = '';
    let zeroPadOk = flags.includes('0') && !left;
    if (conv === 's') {
      body = arg === null || arg === undefined ? '(null)' : String(arg);
      if (precision !== undefined) body = body.slice(0, precision);
      zeroPadOk = false;
    } else if (conv === 'c') {
      body = String.fromCharCode(Number(toBigInt(arg) & 0xffn));
      zeroPadOk = false;
    } else if ('eEfFgG'.includes(conv)) {
      const x = toNumber(arg);
      if (x < 0 || Object.is(x, -0)) sign = '-';
      else if (flags.includes('+')) sign = '+';
      else if (flags.includes(' ')) sign = ' ';
      body = formatFloat(Math.abs(x), conv, precision, alt);
      if (!Number.isFinite(x)) zeroPadOk = false;
    } else {
      const bits = BigInt(LENGTH_BITS[m[4] ?? ''] ?? 32);
      const raw = toBigInt(arg);
      const signed = conv === 'd' || conv === 'i';
      let v = signed ? BigInt.asIntN(Number(bits), raw) : BigInt.asUintN(Number(bits), raw);
      if (signed) {
        if (v < 0n) {
          sign = '-';
          v = -v;
        } else if (flags.includes('+')) sign = '+';
        else if (flags.includes(' ')) sign = ' ';
      }
      const radix = conv === 'o' ? 8 : conv === 'x' || conv === 'X' ? 16 : 10;
      body = v.toString(radix);
      if (conv === 'X') body = body.toUpperCase();
      if (precision !== undefined) {
        body = precision === 0 && v === 0n ? '' : body.padStart(precision, '0');
        zeroPadOk = false;
      }
      if (alt && conv === 'o' && !body.startsWith('0')) body = `0${body}`;
      if (alt && (conv === 'x' || conv === 'X') && v !== 0n) prefix = conv === 'x' ? '0x' : '0X';
    }
    const len = sign.length + prefix.length + body.length;
    if (len >= width) out += sign + prefix + body;
    else if (left) out += sign + prefix + body + ' '.repeat(width - len);
    else if (zeroPadOk) out += sign + prefix + '0'.repeat(width - len) + body;
    else out += ' '.repeat(width - len) + sign + prefix + body;
  }
  return out;
}
