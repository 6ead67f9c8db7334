// Expected behaviour comes from the real iproute2 6.1.0 `ip -batch` (the scripts are in the
// comments; "xyz" is an unknown object, so ip echoes what it received in its error).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { MemoryOutput } from '../cli/output.ts';
import { doBatch, getCmdLines, makeargs, MAX_ARGS } from './batch.ts';
import { IprouteExit } from './cmdline.ts';

function exitOf(fn: () => unknown): [number, string] {
  try {
    fn();
  } catch (e) {
    if (e instanceof IprouteExit) return [e.code, e.stderr];
    throw e;
  }
  assert.fail('expected an IprouteExit');
}

test('makeargs: quotes, whitespace and words', () => {
  // printf 'ioam "namespace"show\n' | ip -n v6ipr-test -b - -> ran `ioam namespace show`
  assert.deepEqual(makeargs('ioam "namespace"show\n'), ['ioam', 'namespace', 'show']);
  // ioam "namespace" 'show' -> ran `ioam namespace show`
  assert.deepEqual(makeargs('ioam "namespace" \'show\'\n'), ['ioam', 'namespace', 'show']);
  // printf "xyz 'a b'\"c\"\n" | ip -b - -> Object "xyz" is unknown (and three more words)
  assert.deepEqual(makeargs('xyz \'a b\'"c"\n'), ['xyz', 'a b', 'c']);
  // printf 'xyz\tq\r\n' -> the object is "xyz": tab and CR separate words
  assert.deepEqual(makeargs('xyz\tq\r\n'), ['xyz', 'q']);
  assert.deepEqual(makeargs('a"b c"'), ['a"b', 'c"']);
  assert.deepEqual(makeargs('  \t\n'), []);
  assert.deepEqual(makeargs('""'), ['']);
  assert.deepEqual(makeargs('a\\ b'), ['a\\', 'b']);
});

test('makeargs: an unterminated quote exits 1', () => {
  // printf 'ioam "namespace show\n' > b2.txt; ip -batch b2.txt -> rc 1
  assert.deepEqual(
    exitOf(() => makeargs('ioam "namespace show\n')),
    [1, 'Unterminated quoted string\n'],
  );
});

test('makeargs: at most MAX_ARGS - 1 words', () => {
  // python3 -c "print('xyz ' + ' '.join(['a']*510))" -> ran (511 words)
  assert.equal(makeargs(`xyz ${Array(510).fill('a').join(' ')}\n`).length, MAX_ARGS - 1);
  // ... 511 a's (512 words) -> "Too many arguments to command", rc 1
  assert.deepEqual(exitOf(() => makeargs(`xyz ${Array(511).fill('a').join(' ')}\n`)), [1, 'Too many arguments to command\n']);
});

test('getcmdline: comments, continuations and line numbers', () => {
  const err = new MemoryOutput();
  const script =
    'ioam namespace show   # comment\n\n  # only comment\nioam namespace \\\n  add 31 \\\n data 5\nioam namespace del 999\nioam "32#x"\n';
  // ip -batch b1.txt reported "Command failed b1.txt:9" for the del after a 3-line continuation
  assert.deepEqual(
    [...getCmdLines(script, err)],
    [
      { text: 'ioam namespace show   ', lineno: 1 },
      { text: '\n', lineno: 2 },
      { text: '  ', lineno: 3 },
      { text: 'ioam namespace   add 31  data 5\n', lineno: 6 },
      { text: 'ioam namespace del 999\n', lineno: 7 },
      { text: 'ioam "32', lineno: 8 },
    ],
  );
  assert.equal(err.text, '');
  // printf 'link show dev lo\\\n#x\nup\n' | ip -b - -> the comment line ends the continuation;
  // "up" is its own command on line 3
  assert.deepEqual(
    [...getCmdLines('link show dev lo\\\n#x\nup\n', err)].map((l) => [makeargs(l.text), l.lineno]),
    [
      [['link', 'show', 'dev', 'lo'], 2],
      [['up'], 3],
    ],
  );
  // A last line without a newline is a line.
  assert.deepEqual([...getCmdLines('a\nb', err)].map((l) => l.text), ['a\n', 'b']);
});

test('getcmdline: a script ending in a continuation', () => {
  // printf 'link show lo\\\n' | ip -b - -> "Missing continuation line", nothing run, rc 0
  const err = new MemoryOutput();
  assert.deepEqual([...getCmdLines('link show lo\\\n', err)], []);
  assert.equal(err.text, 'Missing continuation line\n');
});

test('do_batch: Command failed NAME:LINE, -force, blank lines skipped', async () => {
  const script = 'ok\n\nbad\nok\nbad\n';
  const run = async (force: boolean): Promise<[number, string[], string]> => {
    const err = new MemoryOutput();
    const ran: string[] = [];
    const rc = await doBatch(script, 'b.txt', force, err, (argv, lineno) => {
      ran.push(`${argv.join(' ')}@${lineno}`);
      return Promise.resolve(argv[0] === 'bad' ? 1 : 0);
    });
    return [rc, ran, err.text];
  };
  assert.deepEqual(await run(false), [1, ['ok@1', 'bad@3'], 'Command failed b.txt:3\n']);
  assert.deepEqual(await run(true), [1, ['ok@1', 'bad@3', 'ok@4', 'bad@5'], 'Command failed b.txt:3\nCommand failed b.txt:5\n']);
  const err = new MemoryOutput();
  assert.equal(await doBatch('# nothing\n\n', '-', false, err, () => Promise.resolve(1)), 0);
});

test('random scripts: only IprouteExit escapes, and words never hold separators unless quoted', () => {
  const chars = fc.constantFrom('a', 'b', ' ', '\t', '\n', '"', "'", '#', '\\', '\r');
  fc.assert(
    fc.property(fc.array(chars, { maxLength: 40 }).map((a) => a.join('')), (text) => {
      const err = new MemoryOutput();
      try {
        for (const l of getCmdLines(text, err)) {
          const words = makeargs(l.text);
          assert.ok(words.length < MAX_ARGS);
          assert.ok(!l.text.includes('#'));
          for (const w of words) if (!/["']/.test(l.text)) assert.ok(!/[ \t\r\n]/.test(w));
        }
      } catch (e) {
        if (!(e instanceof IprouteExit)) throw e;
        assert.equal(e.code, 1);
      }
    }),
    { numRuns: 500 },
  );
});
