/**
 * Command scripts as iproute2 6.1 reads them for `ip -batch FILE` (lib/utils.c getcmdline,
 * makeargs and do_batch). The same rules serve `v6stack daemon --config` and replay scripts.
 *
 * - A line is cut at its first "#", even inside quotes (`add "a#b"` is an unterminated quote).
 * - A backslash right before the newline joins the next physical line (after cutting that
 *   line's comment too); a script ending inside a continuation prints "Missing continuation
 *   line" and ends the script there, successfully.
 * - Words split on space, tab, CR and LF. A word that starts with ' or " runs to the next same
 *   quote, whitespace included; the closing quote also ends the word, so `"a"b` is two words.
 *   A quote inside a word is an ordinary character. There are no backslash escapes.
 * - An unterminated quote, or more than 511 words, ends the whole program: exit(1).
 * - Line numbers count physical lines; a continued command has the number of its last line.
 */

import type { TextSink } from './cmdline.ts';
import { exitWith } from './cmdline.ts';

/** MAX_ARGS of include/utils.h: argv holds at most MAX_ARGS - 1 words. */
export const MAX_ARGS = 512;

/** One logical line of a script, comments removed and continuations joined. */
export interface CommandLine {
  readonly text: string;
  /** The physical line number of the line's last part (iproute2's cmdlineno). */
  readonly lineno: number;
}

/** Physical lines as getline() returns them: each with its "\n", the last one maybe without. */
function physicalLines(text: string): string[] {
  const out: string[] = [];
  let at = 0;
  while (at < text.length) {
    const nl = text.indexOf('\n', at);
    const end = nl === -1 ? text.length : nl + 1;
    out.push(text.slice(at, end));
    at = end;
  }
  return out;
}

function cutComment(line: string): string {
  const hash = line.indexOf('#');
  return hash === -1 ? line : line.slice(0, hash);
}

/**
 * getcmdline over a whole script, lazily (so messages interleave with the commands' output as
 * in iproute2). `err` receives "Missing continuation line" when the script ends inside a
 * continuation, and the walk ends there.
 */
export function* getCmdLines(text: string, err: TextSink): Generator<CommandLine, void, undefined> {
  const lines = physicalLines(text);
  let lineno = 0;
  let i = 0;
  while (i < lines.length) {
    let line = cutComment(lines[i++] ?? '');
    lineno++;
    let cont = line.indexOf('\\\n');
    let complete = true;
    while (cont !== -1) {
      if (i >= lines.length) {
        err.write('Missing continuation line\n');
        complete = false;
        break;
      }
      const next = cutComment(lines[i++] ?? '');
      lineno++;
      line = line.slice(0, cont) + next;
      cont = line.indexOf('\\\n');
    }
    if (!complete) return;
    yield { text: line, lineno };
  }
}

const WS = ' \t\r\n';

/** makeargs: one line into words (see the module comment); exits as iproute2 does on errors. */
export function makeargs(line: string, maxargs = MAX_ARGS): string[] {
  const argv: string[] = [];
  let cp = 0;
  while (cp < line.length) {
    while (cp < line.length && WS.includes(line[cp] ?? '')) cp++;
    if (cp >= line.length) break;
    if (argv.length >= maxargs - 1) exitWith(1, 'Too many arguments to command\n');
    const c = line[cp];
    if (c === "'" || c === '"') {
      const close = line.indexOf(c, cp + 1);
      if (close === -1) exitWith(1, 'Unterminated quoted string\n');
      argv.push(line.slice(cp + 1, close));
      cp = close + 1;
    } else {
      let end = cp;
      while (end < line.length && !WS.includes(line[end] ?? '')) end++;
      argv.push(line.slice(cp, end));
      cp = end + 1;
    }
  }
  return argv;
}

/** Runs one command of a script; returns non-zero when it failed. */
export type BatchCommand = (argv: string[], lineno: number) => Promise<number>;

/**
 * do_batch over the script's text: runs each non-empty line; a failing command prints
 * "Command failed NAME:LINE" and stops the script unless `force`. Returns 0, or 1 when a command
 * failed. `name` is the file name as given ("-" for standard input).
 */
export async function doBatch(text: string, name: string, force: boolean, err: TextSink, cmd: BatchCommand): Promise<number> {
  let ret = 0;
  for (const line of getCmdLines(text, err)) {
    const argv = makeargs(line.text);
    if (argv.length === 0) continue;
    if ((await cmd(argv, line.lineno)) !== 0) {
      err.write(`Command failed ${name}:${line.lineno}\n`);
      ret = 1;
      if (!force) break;
    }
  }
  return ret;
}
