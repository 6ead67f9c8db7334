/**
 * Command-line option parsing for `v6stack` subcommands. Each command declares its options as
 * data; parsing returns either the values or one precise error naming the option and what it
 * accepts, which the caller prints before exiting non-zero (as iproute2 and coreutils do).
 */

export interface OptionSpec {
  /** Long name without dashes ("json"). */
  readonly name: string;
  /** Optional one-letter alias ("v"). */
  readonly short?: string;
  readonly kind: 'flag' | 'string' | 'integer' | 'count';
  /** Shown in --help, e.g. "N" for `--count N`. */
  readonly arg?: string;
  readonly help: string;
  /** For integers: inclusive bounds. */
  readonly min?: number;
  readonly max?: number;
}

export interface CommandSpec {
  /** "v6stack pcap decode" */
  readonly usage: string;
  readonly summary: string;
  readonly positionals: readonly { readonly name: string; readonly help: string; readonly optional?: boolean }[];
  readonly options: readonly OptionSpec[];
  /** Extra paragraphs for --help. */
  readonly details?: string;
}

export type OptionValue = boolean | string | number;

export interface Parsed {
  readonly options: ReadonlyMap<string, OptionValue>;
  readonly positionals: readonly string[];
  readonly help: boolean;
}

export type ParseResult = { ok: true; value: Parsed } | { ok: false; error: string };

export function parseCommandLine(spec: CommandSpec, argv: readonly string[]): ParseResult {
  const options = new Map<string, OptionValue>();
  const positionals: string[] = [];
  let help = false;
  const fail = (msg: string): ParseResult => ({ ok: false, error: `${spec.usage}: ${msg}` });
  const byShort = new Map(spec.options.filter((o) => o.short !== undefined).map((o) => [o.short, o]));
  const byLong = new Map(spec.options.map((o) => [o.name, o]));

  for (let i = 0; i < argv.length; i++) {
    const a = argv[i] ?? '';
    if (a === '--') {
      positionals.push(...argv.slice(i + 1));
      break;
    }
    if (a === '-h' || a === '--help') {
      help = true;
      continue;
    }
    let opt: OptionSpec | undefined;
    let inline: string | undefined;
    if (a.startsWith('--')) {
      const eq = a.indexOf('=');
      const name = eq === -1 ? a.slice(2) : a.slice(2, eq);
      if (eq !== -1) inline = a.slice(eq + 1);
      opt = byLong.get(name);
      if (opt === undefined) return fail(`unknown option '--${name}'`);
    } else if (a.startsWith('-') && a.length > 1) {
      // Bundled short flags (-vv) are allowed for flags and counts only.
      const letters = a.slice(1);
      const first = byShort.get(letters[0]);
      if (first === undefined) return fail(`unknown option '-${letters[0] ?? ''}'`);
      if (letters.length > 1 && (first.kind === 'flag' || first.kind === 'count')) {
        for (const l of letters) {
          const o = byShort.get(l);
          if (o === undefined || (o.kind !== 'flag' && o.kind !== 'count')) return fail(`unknown option '-${l}' in '${a}'`);
          bump(options, o);
        }
        continue;
      }
      opt = first;
      if (letters.length > 1) inline = letters.slice(1);
    } else {
      positionals.push(a);
      continue;
    }
    if (opt.kind === 'flag' || opt.kind === 'count') {
      if (inline !== undefined) return fail(`option '--${opt.name}' takes no value`);
      bump(options, opt);
      continue;
    }
    const raw = inline ?? argv[++i];
    if (raw === undefined) return fail(`option '--${opt.name}' needs a value (${opt.arg ?? 'VALUE'})`);
    if (opt.kind === 'string') {
      options.set(opt.name, raw);
      continue;
    }
    if (!/^-?\d+$/.test(raw)) return fail(`option '--${opt.name}' takes an integer, not '${raw}'`);
    const n = Number(raw);
    const min = opt.min ?? Number.MIN_SAFE_INTEGER;
    const max = opt.max ?? Number.MAX_SAFE_INTEGER;
    if (!Number.isSafeInteger(n) || n < min || n > max) {
      return fail(`option '--${opt.name}' must be between ${min} and ${max}, not '${raw}'`);
    }
    options.set(opt.name, n);
  }
  if (!help) {
    const required = spec.positionals.filter((p) => p.optional !== true).length;
    if (positionals.length < required) {
      const missing = spec.positionals[positionals.length];
      return fail(`missing ${missing?.name ?? 'argument'}`);
    }
    if (positionals.length > spec.positionals.length) {
      return fail(`unexpected argument '${positionals[spec.positionals.length] ?? ''}'`);
    }
  }
  return { ok: true, value: { options, positionals, help } };
}

function bump(options: Map<string, OptionValue>, o: OptionSpec): void {
  if (o.kind === 'count') options.set(o.name, Number(options.get(o.name) ?? 0) + 1);
  else options.set(o.name, true);
}

export function formatHelp(spec: CommandSpec): string {
  const pos = spec.positionals.map((p) => (p.optional === true ? `[${p.name}]` : p.name)).join(' ');
  const lines = [`Usage: ${spec.usage} [OPTIONS]${pos === '' ? '' : ` ${pos}`}`, '', spec.summary, ''];
  if (spec.positionals.length > 0) {
    lines.push('Arguments:');
    for (const p of spec.positionals) lines.push(`  ${p.name.padEnd(22)} ${p.help}`);
    lines.push('');
  }
  lines.push('Options:');
  const rows = [...spec.options, { name: 'help', short: 'h', kind: 'flag', help: 'show this help and exit' } as OptionSpec];
  for (const o of rows) {
    const left = `${o.short !== undefined ? `-${o.short}, ` : '    '}--${o.name}${o.arg !== undefined ? ` ${o.arg}` : ''}`;
    lines.push(`  ${left.padEnd(22)} ${o.help}`);
  }
  if (spec.details !== undefined) lines.push('', spec.details);
  return lines.join('\n') + '\n';
}

export function flag(p: Parsed, name: string): boolean {
  return p.options.get(name) === true;
}

export function count(p: Parsed, name: string): number {
  const v = p.options.get(name);
  return typeof v === 'number' ? v : 0;
}

export function str(p: Parsed, name: string): string | undefined {
  const v = p.options.get(name);
  return typeof v === 'string' ? v : undefined;
}

export function int(p: Parsed, name: string): number | undefined {
  const v = p.options.get(name);
  return typeof v === 'number' ? v : undefined;
}
