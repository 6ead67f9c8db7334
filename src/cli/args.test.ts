import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import type { CommandSpec } from './args.ts';
import { count, flag, formatHelp, int, parseCommandLine, str } from './args.ts';

const SPEC: CommandSpec = {
  usage: 'v6stack demo',
  summary: 'A command for tests.',
  positionals: [
    { name: 'FILE', help: 'input' },
    { name: 'OUT', help: 'output', optional: true },
  ],
  options: [
    { name: 'verbose', short: 'v', kind: 'count', help: 'more' },
    { name: 'json', kind: 'flag', help: 'json' },
    { name: 'count', short: 'c', kind: 'integer', arg: 'N', min: 1, max: 10, help: 'how many' },
    { name: 'name', short: 'n', kind: 'string', arg: 'NAME', help: 'a name' },
  ],
};

test('options, bundles, inline values and positionals', () => {
  const r = parseCommandLine(SPEC, ['-vv', 'in.pcap', '--json', '-c3', '--name=x', 'out']);
  assert.ok(r.ok);
  assert.equal(count(r.value, 'verbose'), 2);
  assert.equal(flag(r.value, 'json'), true);
  assert.equal(int(r.value, 'count'), 3);
  assert.equal(str(r.value, 'name'), 'x');
  assert.deepEqual(r.value.positionals, ['in.pcap', 'out']);
  const dd = parseCommandLine(SPEC, ['--', '-v']);
  assert.ok(dd.ok);
  assert.deepEqual(dd.value.positionals, ['-v']);
});

test('each mistake gets one message naming the option and what it takes', () => {
  const cases: Array<[string[], string]> = [
    [['--nope', 'f'], "v6stack demo: unknown option '--nope'"],
    [['-x', 'f'], "v6stack demo: unknown option '-x'"],
    [['f', '-c'], "v6stack demo: option '--count' needs a value (N)"],
    [['f', '-c', 'ten'], "v6stack demo: option '--count' takes an integer, not 'ten'"],
    [['f', '-c', '11'], "v6stack demo: option '--count' must be between 1 and 10, not '11'"],
    [['f', '--json=1'], "v6stack demo: option '--json' takes no value"],
    [[], 'v6stack demo: missing FILE'],
    [['a', 'b', 'c'], "v6stack demo: unexpected argument 'c'"],
  ];
  for (const [argv, msg] of cases) {
    const r = parseCommandLine(SPEC, argv);
    assert.equal(r.ok, false, argv.join(' '));
    if (!r.ok) assert.equal(r.error, msg);
  }
});

test('--help wins over missing arguments and lists every option', () => {
  const r = parseCommandLine(SPEC, ['--help']);
  assert.ok(r.ok && r.value.help);
  const h = formatHelp(SPEC);
  for (const o of SPEC.options) assert.ok(h.includes(`--${o.name}`), o.name);
  assert.ok(h.startsWith('Usage: v6stack demo [OPTIONS] FILE [OUT]'));
});

test('any argument vector parses or fails with a message, never throws', () => {
  fc.assert(
    fc.property(fc.array(fc.oneof(fc.string(), fc.constantFrom('-v', '-c', '--count', '--name', '--', '-h', '-vc'))), (argv) => {
      const r = parseCommandLine(SPEC, argv);
      if (!r.ok) assert.match(r.error, /^v6stack demo: /);
    }),
  );
});
