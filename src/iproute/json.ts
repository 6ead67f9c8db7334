/**
 * iproute2 6.1's printing layer: lib/json_writer.c (the JSON emitter, compact or `-p` pretty
 * with its four-space indentation, `[ {` openings and `" ]"` closings) and lib/json_print.c (the
 * print_* calls through which one piece of object code prints both the text form and the `-j`
 * JSON form).
 *
 * Each print call names where it applies: PRINT_FP (text only), PRINT_JSON (JSON only) or
 * PRINT_ANY (both). In JSON context (`newJsonObj(true)` was called) the key and value go to the
 * JSON writer; otherwise the C format string is applied to the value (see `sprintf`). Colours
 * are not reproduced: iproute2 only colours with `-c`, and then only on a terminal.
 *
 * Key conventions follow C: `null` is C's NULL (no key: an array element); `''` is an empty key
 * and prints `"":` as iproute2 does (ip ioam schema show -j relies on it).
 */

import type { Output } from '../cli/output.ts';
import { sprintf, type PrintfArg } from './cmdline.ts';

export const PRINT_FP = 1;
export const PRINT_JSON = 2;
export const PRINT_ANY = 4;
export type OutputType = typeof PRINT_FP | typeof PRINT_JSON | typeof PRINT_ANY;

/** json_writer.c: a streaming JSON emitter with iproute2's separators and pretty layout. */
export class JsonWriter {
  readonly #out: Output;
  #depth = 0;
  #pretty = false;
  /** The separator owed before the next value: '' or ','. */
  #sep = '';

  constructor(out: Output) {
    this.#out = out;
  }

  get depth(): number {
    return this.#depth;
  }

  setPretty(on: boolean): void {
    this.#pretty = on;
  }

  #indent(): void {
    if (this.#depth > 0) this.#out.write('    '.repeat(this.#depth));
  }

  #eol(): void {
    if (!this.#pretty) return;
    this.#out.write('\n');
    this.#indent();
  }

  #eor(): void {
    if (this.#sep !== '') this.#out.write(this.#sep);
    this.#sep = ',';
  }

  #puts(s: string): void {
    let o = '"';
    for (const c of s) {
      switch (c) {
        case '\t':
          o += '\\t';
          break;
        case '\n':
          o += '\\n';
          break;
        case '\r':
          o += '\\r';
          break;
        case '\f':
          o += '\\f';
          break;
        case '\b':
          o += '\\b';
          break;
        case '\\':
          o += '\\\\';
          break;
        case '"':
          o += '\\"';
          break;
        default:
          o += c;
      }
    }
    this.#out.write(`${o}"`);
  }

  #begin(c: string): void {
    this.#eor();
    this.#out.write(c);
    this.#depth++;
    this.#sep = '';
  }

  #end(c: string): void {
    if (this.#depth === 0) throw new Error('json writer: close without open');
    this.#depth--;
    if (this.#sep !== '') this.#eol();
    this.#out.write(c);
    this.#sep = ',';
  }

  /** jsonw_destroy: the closing newline. */
  finish(): void {
    if (this.#depth !== 0) throw new Error(`json writer: ${this.#depth} levels left open`);
    this.#out.write('\n');
  }

  name(name: string): void {
    this.#eor();
    this.#eol();
    this.#sep = '';
    this.#puts(name);
    this.#out.write(this.#pretty ? ': ' : ':');
  }

  /** jsonw_printf: a raw value. */
  raw(text: string): void {
    this.#eor();
    this.#out.write(text);
  }

  startObject(): void {
    this.#begin('{');
  }

  endObject(): void {
    this.#end('}');
  }

  startArray(): void {
    this.#begin('[');
    if (this.#pretty) this.#out.write(' ');
  }

  endArray(): void {
    if (this.#pretty && this.#sep !== '') this.#out.write(' ');
    this.#sep = '';
    this.#end(']');
  }

  string(value: string): void {
    this.#eor();
    this.#puts(value);
  }

  bool(value: boolean): void {
    this.raw(value ? 'true' : 'false');
  }

  null(): void {
    this.raw('null');
  }
}

/** Something that prints a value in JSON: the writer call and its key. */
function field(w: JsonWriter, key: string | null, emit: () => void): void {
  if (key !== null) w.name(key);
  emit();
}

export interface PrinterOptions {
  /** `-p`: pretty JSON. */
  readonly pretty: boolean;
  /** `-o`: print_nl prints "\" instead of a newline (_SL_). */
  readonly oneline: boolean;
}

/**
 * json_print.c for one command: the JSON context (created by `newJsonObj`) and the print_*
 * calls. Object code calls these in the order iproute2 does.
 */
export class Printer {
  readonly #out: Output;
  readonly #pretty: boolean;
  /** _SL_: the line separator print_nl uses. */
  readonly sl: string;
  #jw: JsonWriter | null = null;

  constructor(out: Output, opts: PrinterOptions) {
    this.#out = out;
    this.#pretty = opts.pretty;
    this.sl = opts.oneline ? '\\' : '\n';
  }

  get out(): Output {
    return this.#out;
  }

  /** The JSON writer while in JSON context (get_json_writer). */
  get jsonWriter(): JsonWriter | null {
    return this.#jw;
  }

  isJsonContext(): boolean {
    return this.#jw !== null;
  }

  #newJson(json: boolean | number, array: boolean): void {
    if (!json) return;
    const jw = new JsonWriter(this.#out);
    if (this.#pretty) jw.setPretty(true);
    if (array) jw.startArray();
    this.#jw = jw;
  }

  #deleteJson(array: boolean): void {
    const jw = this.#jw;
    if (jw === null) return;
    if (array) jw.endArray();
    jw.finish();
    this.#jw = null;
  }

  /** new_json_obj(json): with `json` set, start JSON context and open the top-level array. */
  newJsonObj(json: boolean | number): void {
    this.#newJson(json, true);
  }

  /** delete_json_obj: close the array and print the final newline. */
  deleteJsonObj(): void {
    this.#deleteJson(true);
  }

  /** new_json_obj_plain: JSON context without the top-level array. */
  newJsonObjPlain(json: boolean | number): void {
    this.#newJson(json, false);
  }

  deleteJsonObjPlain(): void {
    this.#deleteJson(false);
  }

  #json(t: OutputType): JsonWriter | null {
    return this.#jw !== null && (t === PRINT_JSON || t === PRINT_ANY) ? this.#jw : null;
  }

  #fp(t: OutputType): boolean {
    return this.#jw === null && (t === PRINT_FP || t === PRINT_ANY);
  }

  #text(fmt: string | null, ...args: PrintfArg[]): void {
    // C would crash on a NULL format in text context; printing nothing is the kind reading.
    if (fmt !== null) this.#out.write(sprintf(fmt, ...args));
  }

  /** printf to stdout, for the places iproute2 calls printf()/fprintf(fp) directly. */
  printf(fmt: string, ...args: PrintfArg[]): void {
    this.#out.write(sprintf(fmt, ...args));
  }

  /** open_json_object: `{` (named when `key` is given); nothing in text context. */
  openJsonObject(key: string | null): void {
    const w = this.#json(PRINT_JSON);
    if (w === null) return;
    if (key !== null) w.name(key);
    w.startObject();
  }

  closeJsonObject(): void {
    this.#json(PRINT_JSON)?.endObject();
  }

  /** open_json_array: `[` in JSON; in text context prints `str` (when `t` allows text). */
  openJsonArray(t: OutputType, str: string | null): void {
    const w = this.#json(t);
    if (w !== null) {
      if (str !== null) w.name(str);
      w.startArray();
    } else if (this.#fp(t)) this.#out.write(str ?? '(null)');
  }

  closeJsonArray(t: OutputType, str: string | null): void {
    const w = this.#json(t);
    if (w !== null) w.endArray();
    else if (this.#fp(t)) this.#out.write(str ?? '(null)');
  }

  /** print_nl: _SL_ in text context, nothing in JSON. */
  printNl(): void {
    if (this.#jw === null) this.#out.write(this.sl);
  }

  #number(t: OutputType, key: string | null, fmt: string | null, text: PrintfArg, json: string): void {
    const w = this.#json(t);
    if (w !== null) field(w, key, () => w.raw(json));
    else if (this.#fp(t)) this.#text(fmt, text);
  }

  /** print_int (%d). */
  printInt(t: OutputType, key: string | null, fmt: string | null, value: number): void {
    const v = value | 0;
    this.#number(t, key, fmt, v, String(v));
  }

  /** print_s64 (%PRId64). */
  printS64(t: OutputType, key: string | null, fmt: string | null, value: bigint | number): void {
    const v = BigInt.asIntN(64, BigInt(value));
    this.#number(t, key, fmt, v, v.toString());
  }

  /** print_uint (%u of an unsigned int). */
  printUint(t: OutputType, key: string | null, fmt: string | null, value: number): void {
    const v = value >>> 0;
    this.#number(t, key, fmt, v, String(v));
  }

  /** print_hhu (%hhu). */
  printHhu(t: OutputType, key: string | null, fmt: string | null, value: number): void {
    const v = value & 0xff;
    this.#number(t, key, fmt, v, String(v));
  }

  /** print_hu (%hu). */
  printHu(t: OutputType, key: string | null, fmt: string | null, value: number): void {
    const v = value & 0xffff;
    this.#number(t, key, fmt, v, String(v));
  }

  /** print_u64 / print_luint / print_lluint (64-bit unsigned on Linux x86-64). */
  printU64(t: OutputType, key: string | null, fmt: string | null, value: bigint | number): void {
    const v = BigInt.asUintN(64, BigInt(value));
    this.#number(t, key, fmt, v, v.toString());
  }

  printLuint(t: OutputType, key: string | null, fmt: string | null, value: bigint | number): void {
    this.printU64(t, key, fmt, value);
  }

  printLluint(t: OutputType, key: string | null, fmt: string | null, value: bigint | number): void {
    this.printU64(t, key, fmt, value);
  }

  /** print_float: JSON with %g. */
  printFloat(t: OutputType, key: string | null, fmt: string | null, value: number): void {
    this.#number(t, key, fmt, value, sprintf('%g', value));
  }

  /** print_string: in JSON, a key without value prints only the name (the next value follows). */
  printString(t: OutputType, key: string | null, fmt: string | null, value: string | null): void {
    const w = this.#json(t);
    if (w !== null) {
      if (key !== null && value === null) w.name(key);
      else if (key === null && value !== null) w.string(value);
      else if (key !== null && value !== null) field(w, key, () => w.string(value));
      else throw new TypeError('print_string: no key and no value');
    } else if (this.#fp(t)) this.#text(fmt, value);
  }

  #bool(t: OutputType, key: string | null, fmt: string | null, value: boolean, text: string): void {
    const w = this.#json(t);
    if (w !== null) field(w, key, () => w.bool(value));
    else if (this.#fp(t)) this.#text(fmt, text);
  }

  /** print_bool: true/false in JSON, "true"/"false" through `fmt` in text. */
  printBool(t: OutputType, key: string | null, fmt: string | null, value: boolean): void {
    this.#bool(t, key, fmt, value, value ? 'true' : 'false');
  }

  /** print_on_off: true/false in JSON, "on"/"off" through `fmt` in text. */
  printOnOff(t: OutputType, key: string | null, fmt: string | null, value: boolean): void {
    this.#bool(t, key, fmt, value, value ? 'on' : 'off');
  }

  /** print_null: null in JSON; `fmt` applied to `value` in text. */
  printNull(t: OutputType, key: string | null, fmt: string | null, value: string | null): void {
    const w = this.#json(t);
    if (w !== null) field(w, key, () => w.null());
    else if (this.#fp(t)) this.#text(fmt, value);
  }

  /** print_hex: JSON gets the "%x" string ("deadbeef"); text applies `fmt`. */
  printHex(t: OutputType, key: string | null, fmt: string | null, value: number): void {
    const v = value >>> 0;
    const w = this.#json(t);
    if (w !== null) field(w, key, () => w.string(v.toString(16)));
    else if (this.#fp(t)) this.#text(fmt, v);
  }

  /** print_0xhex: JSON gets the "%#llx" string ("0x12", "0" for zero); text applies `fmt`. */
  print0xHex(t: OutputType, key: string | null, fmt: string | null, value: bigint | number): void {
    const v = BigInt.asUintN(64, BigInt(value));
    if (this.#json(t) !== null) this.printString(PRINT_JSON, key, null, sprintf('%#llx', v));
    else if (this.#fp(t)) this.#text(fmt, v);
  }

  /** print_uint_name_value: key and text label are the same ("NAME %u"). */
  printUintNameValue(name: string, value: number): void {
    this.printUint(PRINT_ANY, name, `${name} %u`, value);
  }

  printStringNameValue(name: string, value: string): void {
    this.printString(PRINT_ANY, name, `${name} %s`, value);
  }

  /**
   * print_rate: bytes/s as bits/s with 1000 (or 1024 with -iec) units in text, the raw number
   * in JSON.
   */
  printRate(useIec: boolean, t: OutputType, key: string | null, fmt: string | null, rate: bigint | number): void {
    const r0 = BigInt.asUintN(64, BigInt(rate));
    if (this.#json(t) !== null) {
      this.printU64(t, key, '%llu', r0);
      return;
    }
    const kilo = useIec ? 1024n : 1000n;
    const units = ['', 'K', 'M', 'G', 'T'];
    let r = BigInt.asUintN(64, r0 << 3n);
    let i = 0;
    for (; i < units.length - 1; i++) {
      if (r < kilo) break;
      if (r % kilo !== 0n && r < 1000n * kilo) break;
      r /= kilo;
    }
    // C converts to double for "%.0f"; Number() is the same conversion.
    this.printString(t, key, fmt, `${sprintf('%.0f', Number(r))}${units[i] ?? ''}${i > 0 && useIec ? 'i' : ''}bit`);
  }
}
