/**
 * A per-namespace sysctl table: typed entries registered by subsystems under Linux's names,
 * read and written as text with the semantics of kernel/sysctl.c's proc handlers.
 *
 * Names. Entries live at slash paths (`net/ipv6/ioam6_id`, like /proc/sys). Lookups accept the
 * dotted form too, converted as procps `sysctl` does: if the first separator is '.', every '.'
 * becomes '/' and every '/' becomes '.', so `net.ipv6.conf.eth0/100.forwarding` names the
 * device `eth0.100`. Listing prints the dotted form.
 *
 * Values. `entry.value` holds the kernel's stored value, read directly on hot paths: a number
 * for int/uint/u8 handlers, a bigint for `doulongvec_minmax` (64-bit), a string for
 * `dostring`, and jiffies for the `_jiffies` handlers, whose text form is seconds
 * (`dointvec_jiffies`) or milliseconds (`dointvec_ms_jiffies`), as in /proc/sys.
 *
 * Writes. Text is parsed like proc_get_long: optional '-', then decimal, 0x-hex or 0-octal
 * (strtoul base 0), surrounding whitespace ignored; a single value per entry. Out-of-range
 * writes fail with EINVAL as in proc_dointvec_minmax and friends (bounds may name a sibling
 * entry, as ip6frag_low_thresh and ip6frag_high_thresh bound each other); writes to read-only
 * entries fail with EACCES; unknown names with ENOENT. Change hooks run after a write that
 * changed the value.
 *
 * Families. A per-device family (`net/ipv6/conf/<dev>/<name>`) always has the `all` and
 * `default` instances; a new device instance starts from `default`'s current values, as
 * addrconf does for a new inet6_dev.
 */

import { EACCES, EINVAL, ENOENT } from '../uapi/errno.ts';
import { IOAM6_DEFAULT_ID, IOAM6_DEFAULT_ID_WIDE, IOAM6_DEFAULT_IF_ID, IOAM6_DEFAULT_IF_ID_WIDE } from '../uapi/ioam6.ts';
import { type Result, ok } from '../wire/result.ts';
import { HZ, jiffiesToMsecs, msecsToJiffies } from '../time/clock.ts';

export type SysctlHandler =
  | 'dointvec'
  | 'dointvec_minmax'
  | 'douintvec'
  | 'douintvec_minmax'
  | 'dou8vec_minmax'
  | 'doulongvec_minmax'
  | 'dointvec_jiffies'
  | 'dointvec_ms_jiffies'
  | 'dostring';

export type IntHandler = Exclude<SysctlHandler, 'doulongvec_minmax' | 'dostring'>;

/** A bound: a constant, or the relative name of a sibling entry whose value is the bound. */
export type Bound<V> = V | { readonly sibling: string };

interface DefBase {
  /** Leaf name within its directory (`ioam6_id`). */
  readonly name: string;
  /** 0o644 (default) or 0o444 for read-only. */
  readonly mode?: number;
}

export interface IntSysctlDef extends DefBase {
  readonly handler: IntHandler;
  readonly default: number;
  readonly min?: Bound<number>;
  readonly max?: Bound<number>;
}

export interface ULongSysctlDef extends DefBase {
  readonly handler: 'doulongvec_minmax';
  readonly default: bigint;
  readonly min?: Bound<bigint>;
  readonly max?: Bound<bigint>;
}

export interface StringSysctlDef extends DefBase {
  readonly handler: 'dostring';
  readonly default: string;
  /** Buffer size including the NUL: at most maxlen - 1 characters are kept. */
  readonly maxlen: number;
}

export type SysctlDef = IntSysctlDef | ULongSysctlDef | StringSysctlDef;
export type SysctlValue = number | bigint | string;
type ValueOf<D extends SysctlDef> = D extends StringSysctlDef ? string : D extends ULongSysctlDef ? bigint : number;

export interface SysctlError {
  /** Positive errno (EINVAL, ENOENT, EACCES). */
  readonly errno: number;
  readonly message: string;
}

export type SysctlHook<V extends SysctlValue = SysctlValue> = (entry: SysctlEntry<V>, old: V) => void;

const INT_MIN = -(2 ** 31);
const INT_MAX = 2 ** 31 - 1;
const UINT_MAX = 2 ** 32 - 1;
const ULONG_MAX = (1n << 64n) - 1n;

/** One sysctl file. */
export class SysctlEntry<V extends SysctlValue = SysctlValue> {
  /** Slash path under /proc/sys (`net/ipv6/ioam6_id`). */
  readonly path: string;
  readonly def: SysctlDef;
  /** The stored value (jiffies for the _jiffies handlers). Change it through the table. */
  value: V;
  readonly hooks: Array<SysctlHook<V>> = [];

  constructor(path: string, def: SysctlDef, value: V) {
    this.path = path;
    this.def = def;
    this.value = value;
  }

  /** The dotted name `sysctl` prints. */
  get name(): string {
    return swapSeparators(this.path);
  }

  get readOnly(): boolean {
    return ((this.def.mode ?? 0o644) & 0o222) === 0;
  }
}

function swapSeparators(s: string): string {
  let out = '';
  for (const ch of s) out += ch === '.' ? '/' : ch === '/' ? '.' : ch;
  return out;
}

/** procps slashdot: a name whose first separator is '.' is dotted and gets converted. */
export function sysctlPath(name: string): string {
  let n = name.startsWith('/proc/sys/') ? name.slice('/proc/sys/'.length) : name;
  const first = n.search(/[./]/);
  if (first !== -1 && n[first] === '.') n = swapSeparators(n);
  return n;
}

function fail(errno: number, message: string): { readonly ok: false; readonly error: SysctlError } {
  return { ok: false, error: { errno, message } };
}

// strtoul(…, 0) accepted forms.
const NUMBER_RE = /^(-?)(0[xX][0-9a-fA-F]+|0[0-7]*|[1-9][0-9]*)$/;

function parseInteger(text: string): { neg: boolean; magnitude: bigint } | undefined {
  const m = NUMBER_RE.exec(text.trim());
  if (m === null) return undefined;
  const digits = m[2] ?? '';
  let magnitude: bigint;
  if (/^0[xX]/.test(digits)) magnitude = BigInt(digits);
  else if (digits.length > 1 && digits[0] === '0') magnitude = BigInt(`0o${digits.slice(1)}`);
  else magnitude = BigInt(digits);
  return { neg: m[1] === '-', magnitude };
}

/** The range an int handler accepts before minmax bounds. */
function typeRange(handler: IntHandler): [number, number] {
  switch (handler) {
    case 'douintvec':
    case 'douintvec_minmax':
      return [0, UINT_MAX];
    case 'dou8vec_minmax':
      return [0, 255];
    default:
      return [INT_MIN, INT_MAX];
  }
}

export class SysctlTable {
  readonly #entries = new Map<string, SysctlEntry>();
  /**
   * Moves on with every entry registered or removed and every value stored through the table,
   * so per-packet code can keep what it derived from values until it does. Read-only outside.
   */
  generation = 0;
  readonly #families = new Map<string, { defs: readonly SysctlDef[]; instances: Set<string> }>();

  /** Moves the generation on, for a value stored into an entry other than by `write`/`set`. */
  touch(): void {
    this.generation++;
  }

  /** register_net_sysctl: adds `def` under directory `dir` (slash or dotted). */
  register<D extends SysctlDef>(dir: string, def: D): SysctlEntry<ValueOf<D>> {
    const path = `${sysctlPath(dir)}/${def.name}`;
    if (def.name === '' || def.name.includes('/')) throw new Error(`sysctl: bad leaf name ${JSON.stringify(def.name)}`);
    if (this.#entries.has(path)) throw new Error(`sysctl: ${path} is already registered`);
    const entry = new SysctlEntry<SysctlValue>(path, def, def.default);
    const err = this.#check(entry, def.default);
    if (err !== undefined) throw new Error(`sysctl: default of ${path} is invalid: ${err.message}`);
    this.#entries.set(path, entry);
    this.generation++;
    // The value's type follows the handler, which `def` fixes.
    return entry as unknown as SysctlEntry<ValueOf<D>>;
  }

  /** Registers several entries in one directory, in order. */
  registerAll(dir: string, defs: readonly SysctlDef[]): SysctlEntry[] {
    return defs.map((d) => this.register(dir, d) as unknown as SysctlEntry);
  }

  /** unregister_net_sysctl_table for the given entries (or every entry under `dir`). */
  unregister(target: string | readonly SysctlEntry[]): number {
    let n = 0;
    if (typeof target === 'string') {
      const prefix = `${sysctlPath(target)}/`;
      for (const path of [...this.#entries.keys()]) {
        if (path.startsWith(prefix)) n += this.#entries.delete(path) ? 1 : 0;
      }
    } else {
      for (const e of target) if (this.#entries.get(e.path) === e) n += this.#entries.delete(e.path) ? 1 : 0;
    }
    if (n > 0) this.generation++;
    return n;
  }

  lookup(name: string): SysctlEntry | undefined {
    return this.#entries.get(sysctlPath(name));
  }

  /** Entries sorted by path, optionally under a prefix (`net.ipv6.conf`). */
  list(prefix = ''): SysctlEntry[] {
    const p = sysctlPath(prefix);
    const out = [...this.#entries.values()].filter((e) => p === '' || e.path === p || e.path.startsWith(`${p}/`));
    return out.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  }

  get(name: string): SysctlValue | undefined {
    return this.lookup(name)?.value;
  }

  /** The text /proc/sys shows (without the trailing newline). */
  read(name: string): Result<string, SysctlError> {
    const e = this.lookup(name);
    if (e === undefined) return fail(ENOENT, `sysctl ${name}: no such key`);
    return ok(formatValue(e));
  }

  /** Writes text as `echo text > /proc/sys/...` would. */
  write(name: string, text: string): Result<void, SysctlError> {
    const e = this.lookup(name);
    if (e === undefined) return fail(ENOENT, `sysctl ${name}: no such key`);
    const parsed = this.#parse(e, text);
    if (!parsed.ok) return parsed;
    return this.#store(e, parsed.value);
  }

  /** Sets the stored value (jiffies for _jiffies handlers) with the same checks as `write`. */
  set(name: string, value: SysctlValue): Result<void, SysctlError> {
    const e = this.lookup(name);
    if (e === undefined) return fail(ENOENT, `sysctl ${name}: no such key`);
    return this.#store(e, value);
  }

  /** Calls `hook(entry, old)` after each write that changes `name`; returns an unsubscribe. */
  onChange(name: string, hook: SysctlHook): () => void {
    const e = this.lookup(name);
    if (e === undefined) throw new Error(`sysctl: onChange on unknown key ${name}`);
    e.hooks.push(hook);
    return () => {
      const i = e.hooks.indexOf(hook);
      if (i !== -1) e.hooks.splice(i, 1);
    };
  }

  /** Declares a per-device family under `dir` and creates its `all` and `default` instances. */
  registerFamily(dir: string, defs: readonly SysctlDef[]): void {
    const d = sysctlPath(dir);
    if (this.#families.has(d)) throw new Error(`sysctl: family ${d} is already registered`);
    this.#families.set(d, { defs, instances: new Set() });
    this.#addInstance(d, 'all', undefined);
    this.#addInstance(d, 'default', undefined);
  }

  /** Adds a device instance whose values start as `default`'s current ones. */
  addInstance(dir: string, instance: string): SysctlEntry[] {
    const d = sysctlPath(dir);
    if (instance === 'all' || instance === 'default') throw new Error(`sysctl: ${instance} is reserved in ${d}`);
    return this.#addInstance(d, instance, 'default');
  }

  removeInstance(dir: string, instance: string): boolean {
    const d = sysctlPath(dir);
    const fam = this.#families.get(d);
    if (fam === undefined || !fam.instances.has(instance) || instance === 'all' || instance === 'default') return false;
    fam.instances.delete(instance);
    this.unregister(`${d}/${instance}`);
    return true;
  }

  /** The instances of a family, `all` and `default` first. */
  instances(dir: string): string[] {
    return [...(this.#families.get(sysctlPath(dir))?.instances ?? [])];
  }

  #addInstance(dir: string, instance: string, copyFrom: string | undefined): SysctlEntry[] {
    const fam = this.#families.get(dir);
    if (fam === undefined) throw new Error(`sysctl: no family ${dir}`);
    if (instance === '' || instance.includes('/')) throw new Error(`sysctl: bad instance name ${JSON.stringify(instance)}`);
    if (fam.instances.has(instance)) throw new Error(`sysctl: ${dir}/${instance} already exists`);
    fam.instances.add(instance);
    return fam.defs.map((def) => {
      const src = copyFrom === undefined ? undefined : this.#entries.get(`${dir}/${copyFrom}/${def.name}`);
      const d = src === undefined ? def : ({ ...def, default: src.value } as SysctlDef);
      return this.register(`${dir}/${instance}`, d) as unknown as SysctlEntry;
    });
  }

  #bound<V>(e: SysctlEntry, b: Bound<V> | undefined): V | undefined {
    if (b === undefined) return undefined;
    if (typeof b === 'object' && b !== null && 'sibling' in b) {
      const dir = e.path.slice(0, e.path.lastIndexOf('/'));
      return this.#entries.get(`${dir}/${b.sibling}`)?.value as V | undefined;
    }
    return b as V;
  }

  #parse(e: SysctlEntry, text: string): Result<SysctlValue, SysctlError> {
    const def = e.def;
    if (def.handler === 'dostring') {
      const nl = text.indexOf('\n');
      return ok(nl === -1 ? text : text.slice(0, nl));
    }
    const n = parseInteger(text);
    if (n === undefined) return fail(EINVAL, `sysctl ${e.name}: ${JSON.stringify(text)} is not an integer`);
    if (def.handler === 'doulongvec_minmax') {
      if (n.neg && n.magnitude !== 0n) return fail(EINVAL, `sysctl ${e.name}: must not be negative`);
      return ok(n.magnitude);
    }
    const v = n.neg ? -n.magnitude : n.magnitude;
    if (v < BigInt(INT_MIN) || v > BigInt(UINT_MAX)) return fail(EINVAL, `sysctl ${e.name}: ${text.trim()} is out of range`);
    let num = Number(v);
    if (def.handler === 'dointvec_jiffies') {
      // do_proc_dointvec_jiffies_conv refuses seconds that overflow int jiffies.
      if (num > Math.trunc(INT_MAX / HZ) || num < Math.trunc(INT_MIN / HZ)) {
        return fail(EINVAL, `sysctl ${e.name}: ${num} seconds is out of range`);
      }
      num *= HZ;
    } else if (def.handler === 'dointvec_ms_jiffies') {
      num = msecsToJiffies(num);
    } else if ((def.handler === 'douintvec' || def.handler === 'douintvec_minmax' || def.handler === 'dou8vec_minmax') && n.neg && v !== 0n) {
      return fail(EINVAL, `sysctl ${e.name}: must not be negative`);
    }
    return ok(num);
  }

  #check(e: SysctlEntry, value: SysctlValue): SysctlError | undefined {
    const def = e.def;
    const bad = (message: string): SysctlError => ({ errno: EINVAL, message: `sysctl ${e.name}: ${message}` });
    if (def.handler === 'dostring') {
      if (typeof value !== 'string') return bad('expects a string');
      return undefined;
    }
    if (def.handler === 'doulongvec_minmax') {
      if (typeof value !== 'bigint') return bad('expects a 64-bit (bigint) value');
      const min = this.#bound(e, def.min) ?? 0n;
      const max = this.#bound(e, def.max) ?? ULONG_MAX;
      if (value < min || value > max) return bad(`${value} is out of range [${min}, ${max}]`);
      return undefined;
    }
    if (typeof value !== 'number' || !Number.isInteger(value)) return bad('expects an integer');
    const [lo, hi] = typeRange(def.handler);
    const min = this.#bound(e, def.min);
    const max = this.#bound(e, def.max);
    const effLo = min === undefined ? lo : Math.max(lo, min);
    const effHi = max === undefined ? hi : Math.min(hi, max);
    if (value < effLo || value > effHi) return bad(`${value} is out of range [${effLo}, ${effHi}]`);
    return undefined;
  }

  #store(e: SysctlEntry, value: SysctlValue): Result<void, SysctlError> {
    if (e.readOnly) return fail(EACCES, `sysctl ${e.name}: read-only`);
    let v = value;
    if (e.def.handler === 'dostring' && typeof v === 'string' && v.length > e.def.maxlen - 1) v = v.slice(0, e.def.maxlen - 1);
    const err = this.#check(e, v);
    if (err !== undefined) return { ok: false, error: err };
    const old = e.value;
    if (old === v) return ok(undefined);
    e.value = v;
    this.generation++;
    for (const hook of [...e.hooks]) hook(e, old);
    return ok(undefined);
  }
}

function formatValue(e: SysctlEntry): string {
  const v = e.value;
  if (e.def.handler === 'dointvec_jiffies' && typeof v === 'number') return String(Math.trunc(v / HZ));
  if (e.def.handler === 'dointvec_ms_jiffies' && typeof v === 'number') return String(jiffiesToMsecs(v));
  return String(v);
}

// --- The IPv6 core entries (net/ipv6/sysctl_net_ipv6.c, reassembly.c, icmp.c, addrconf.c). ---

/** IP6_AUTO_FLOW_LABEL_MAX (include/net/ipv6.h). */
export const IP6_AUTO_FLOW_LABEL_MAX = 3;
/** IP6_DEFAULT_AUTO_FLOW_LABELS = IP6_AUTO_FLOW_LABEL_OPTOUT. */
export const IP6_DEFAULT_AUTO_FLOW_LABELS = 1;
export const IP6_DEFAULT_MAX_HBH_OPTS_CNT = 8;
export const IP6_DEFAULT_MAX_DST_OPTS_CNT = 8;
export const IP6_DEFAULT_MAX_HBH_OPTS_LEN = INT_MAX;
export const IP6_DEFAULT_MAX_DST_OPTS_LEN = INT_MAX;
/** IPV6_FRAG_HIGH_THRESH / LOW_THRESH (include/net/ipv6.h): 4 MiB and 3 MiB. */
export const IPV6_FRAG_HIGH_THRESH = 4n * 1024n * 1024n;
export const IPV6_FRAG_LOW_THRESH = 3n * 1024n * 1024n;
/** IPV6_FRAG_TIMEOUT: 60 s in jiffies. */
export const IPV6_FRAG_TIMEOUT = 60 * HZ;
/** icmpv6_time default: 1 * HZ / 10, i.e. 100 ms. */
export const ICMPV6_DEFAULT_RATELIMIT = HZ / 10;
export const IPV6_DEFAULT_HOPLIMIT = 64;
export const IPV6_MIN_MTU = 1280;
/** IP6_MAX_MTU: 65535 + sizeof(struct ipv6hdr). */
export const IP6_MAX_MTU = 65535 + 40;

/** net/ipv6: the per-namespace table (values from inet6_net_init and ipv6_sysctl_net_init). */
export const IPV6_SYSCTLS = [
  { name: 'bindv6only', handler: 'dou8vec_minmax', default: 0 },
  { name: 'anycast_src_echo_reply', handler: 'dou8vec_minmax', default: 0 },
  { name: 'flowlabel_consistency', handler: 'dou8vec_minmax', default: 1 },
  { name: 'auto_flowlabels', handler: 'dou8vec_minmax', default: IP6_DEFAULT_AUTO_FLOW_LABELS, max: IP6_AUTO_FLOW_LABEL_MAX },
  { name: 'fwmark_reflect', handler: 'dou8vec_minmax', default: 0 },
  { name: 'flowlabel_state_ranges', handler: 'dou8vec_minmax', default: 0 },
  { name: 'ip_nonlocal_bind', handler: 'dou8vec_minmax', default: 0 },
  { name: 'flowlabel_reflect', handler: 'dointvec_minmax', default: 0, min: 0, max: 7 },
  { name: 'max_dst_opts_number', handler: 'dointvec', default: IP6_DEFAULT_MAX_DST_OPTS_CNT },
  { name: 'max_hbh_opts_number', handler: 'dointvec', default: IP6_DEFAULT_MAX_HBH_OPTS_CNT },
  { name: 'max_dst_opts_length', handler: 'dointvec', default: IP6_DEFAULT_MAX_DST_OPTS_LEN },
  { name: 'max_hbh_length', handler: 'dointvec', default: IP6_DEFAULT_MAX_HBH_OPTS_LEN },
  { name: 'seg6_flowlabel', handler: 'dointvec', default: 0 },
  { name: 'ioam6_id', handler: 'douintvec_minmax', default: IOAM6_DEFAULT_ID, max: IOAM6_DEFAULT_ID },
  { name: 'ioam6_id_wide', handler: 'doulongvec_minmax', default: IOAM6_DEFAULT_ID_WIDE, max: IOAM6_DEFAULT_ID_WIDE },
  // v6stack's own (Linux has no such entry): 1 fills IOAM traces exactly as Linux does, with
  // "unavailable" where Linux has no value; 0 also fills transit delay, checksum complement and
  // buffer occupancy, which needs the entry written on egress.
  { name: 'ioam6_linux_compat', handler: 'dou8vec_minmax', default: 1, min: 0, max: 1 },
  // reassembly.c ip6_frags_ns_ctl_table: the thresholds bound each other.
  { name: 'ip6frag_high_thresh', handler: 'doulongvec_minmax', default: IPV6_FRAG_HIGH_THRESH, min: { sibling: 'ip6frag_low_thresh' } },
  { name: 'ip6frag_low_thresh', handler: 'doulongvec_minmax', default: IPV6_FRAG_LOW_THRESH, max: { sibling: 'ip6frag_high_thresh' } },
  { name: 'ip6frag_time', handler: 'dointvec_jiffies', default: IPV6_FRAG_TIMEOUT },
] as const satisfies readonly SysctlDef[];

/** net/ipv6/icmp (icmp.c ipv6_icmp_table_template), without the ratemask bitmap. */
export const IPV6_ICMP_SYSCTLS = [
  { name: 'ratelimit', handler: 'dointvec_ms_jiffies', default: ICMPV6_DEFAULT_RATELIMIT },
  { name: 'echo_ignore_all', handler: 'dou8vec_minmax', default: 0 },
  { name: 'echo_ignore_multicast', handler: 'dou8vec_minmax', default: 0 },
  { name: 'echo_ignore_anycast', handler: 'dou8vec_minmax', default: 0 },
  { name: 'error_anycast_as_unicast', handler: 'dou8vec_minmax', default: 0, min: 0, max: 1 },
] as const satisfies readonly SysctlDef[];

/** net/ipv6/conf/<dev> (addrconf.c addrconf_sysctl), the entries v6stack uses. */
export const IPV6_DEVCONF_SYSCTLS = [
  { name: 'forwarding', handler: 'dointvec', default: 0 },
  { name: 'hop_limit', handler: 'dointvec_minmax', default: IPV6_DEFAULT_HOPLIMIT, min: 1, max: 255 },
  { name: 'mtu', handler: 'dointvec_minmax', default: IPV6_MIN_MTU, min: IPV6_MIN_MTU, max: IP6_MAX_MTU },
  { name: 'disable_ipv6', handler: 'dointvec', default: 0 },
  { name: 'ioam6_enabled', handler: 'dou8vec_minmax', default: 0, min: 0, max: 1 },
  { name: 'ioam6_id', handler: 'douintvec_minmax', default: IOAM6_DEFAULT_IF_ID, min: 0, max: IOAM6_DEFAULT_IF_ID },
  { name: 'ioam6_id_wide', handler: 'douintvec', default: IOAM6_DEFAULT_IF_ID_WIDE },
] as const satisfies readonly SysctlDef[];

type EntriesOf<T extends readonly SysctlDef[]> = { readonly [D in T[number] as D['name']]: SysctlEntry<ValueOf<D>> };

/** Typed handles on the IPv6 core entries, for subsystems to read `.value` directly. */
export interface Ipv6Sysctls {
  readonly ipv6: EntriesOf<typeof IPV6_SYSCTLS>;
  readonly icmp: EntriesOf<typeof IPV6_ICMP_SYSCTLS>;
}

function registerGroup<T extends readonly SysctlDef[]>(table: SysctlTable, dir: string, defs: T): EntriesOf<T> {
  const out: Record<string, SysctlEntry> = {};
  for (const def of defs) out[def.name] = table.register(dir, def) as unknown as SysctlEntry;
  return out as unknown as EntriesOf<T>;
}

/** Registers net/ipv6, net/ipv6/icmp and the net/ipv6/conf family in `table`. */
export function registerIpv6Sysctls(table: SysctlTable): Ipv6Sysctls {
  const ipv6 = registerGroup(table, 'net/ipv6', IPV6_SYSCTLS);
  const icmp = registerGroup(table, 'net/ipv6/icmp', IPV6_ICMP_SYSCTLS);
  table.registerFamily('net/ipv6/conf', IPV6_DEVCONF_SYSCTLS);
  return { ipv6, icmp };
}
