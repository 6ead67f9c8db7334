// Expected texts come from the real iproute2 6.1.0 `ip` on Linux 6.18, run in a throwaway
// namespace (`ip netns add v6ipr-test`; the commands are in the comments). The printing calls
// below are the ones ip/ipioam6.c and ip/ipaddress.c make, in their order.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { MemoryOutput } from '../cli/output.ts';
import { JsonWriter, PRINT_ANY, PRINT_FP, PRINT_JSON, Printer } from './json.ts';

interface Ns {
  id: number;
  schema?: number;
  data?: number;
  wide?: bigint;
}

/** ipioam6.c print_namespace inside process_msg's open/close_json_object. */
function printNamespace(p: Printer, ns: Ns): void {
  p.openJsonObject(null);
  p.printUint(PRINT_ANY, 'namespace', 'namespace %u', ns.id);
  if (ns.schema !== undefined) p.printUint(PRINT_ANY, 'schema', ' [schema %u]', ns.schema);
  if (ns.data !== undefined) p.printHex(PRINT_ANY, 'data', ', data %#010x', ns.data);
  if (ns.wide !== undefined) p.print0xHex(PRINT_ANY, 'wide', ', wide %#018lx', ns.wide);
  p.printNl();
  p.closeJsonObject();
}

/** ipioam6.c print_schema. */
function printSchema(p: Printer, id: number, ns: number | undefined, data: Uint8Array): void {
  p.openJsonObject(null);
  p.printUint(PRINT_ANY, 'schema', 'schema %u', id);
  if (ns !== undefined) p.printUint(PRINT_ANY, 'namespace', ' [namespace %u]', ns);
  p.printNull(PRINT_ANY, 'data', ', data:', null);
  for (const b of data) p.printHhu(PRINT_ANY, '', ' %02x', b);
  p.printNl();
  p.closeJsonObject();
}

function run(opts: { json: boolean; pretty: boolean; oneline?: boolean }, body: (p: Printer) => void): string {
  const out = new MemoryOutput();
  const p = new Printer(out, { pretty: opts.pretty, oneline: opts.oneline ?? false });
  p.newJsonObj(opts.json);
  body(p);
  p.deleteJsonObj();
  return out.text;
}

const namespaces: Ns[] = [
  { id: 8 },
  { id: 9, wide: 0x12n },
  { id: 1, data: 0xdeadbeef, wide: 0x1122334455667788n },
  { id: 2, schema: 7 },
];
const schemaData = Uint8Array.of(0x68, 0x65, 0x6c, 0x6c, 0x6f, 0, 0, 0);

test('ip ioam namespace show: text', () => {
  // ip -n v6ipr-test ioam namespace show (also with -p, which changes nothing in text)
  const want = [
    'namespace 8',
    'namespace 9, wide 0x0000000000000012',
    'namespace 1, data 0xdeadbeef, wide 0x1122334455667788',
    'namespace 2 [schema 7]',
    '',
  ].join('\n');
  assert.equal(run({ json: false, pretty: false }, (p) => namespaces.forEach((n) => printNamespace(p, n))), want);
  assert.equal(run({ json: false, pretty: true }, (p) => namespaces.forEach((n) => printNamespace(p, n))), want);
});

test('ip -j ioam namespace show: compact JSON', () => {
  // ip -n v6ipr-test -j ioam namespace show
  assert.equal(
    run({ json: true, pretty: false }, (p) => namespaces.forEach((n) => printNamespace(p, n))),
    '[{"namespace":8},{"namespace":9,"wide":"0x12"},{"namespace":1,"data":"deadbeef","wide":"0x1122334455667788"},{"namespace":2,"schema":7}]\n',
  );
});

test('ip -j -p ioam namespace show: pretty JSON', () => {
  // ip -n v6ipr-test -j -p ioam namespace show (with namespaces 1 and 2 only)
  assert.equal(
    run({ json: true, pretty: true }, (p) => namespaces.slice(2).forEach((n) => printNamespace(p, n))),
    '[ {\n' +
      '        "namespace": 1,\n' +
      '        "data": "deadbeef",\n' +
      '        "wide": "0x1122334455667788"\n' +
      '    },{\n' +
      '        "namespace": 2,\n' +
      '        "schema": 7\n' +
      '    } ]\n',
  );
});

test('empty dumps: [] and [ ] and nothing in text', () => {
  // ip -n v6ipr-empty -j ioam namespace show
  assert.equal(run({ json: true, pretty: false }, () => {}), '[]\n');
  // ip -n v6ipr-empty -j -p ioam namespace show
  assert.equal(run({ json: true, pretty: true }, () => {}), '[ ]\n');
  // ip -n v6ipr-empty ioam namespace show
  assert.equal(run({ json: false, pretty: false }, () => {}), '');
});

test('ip ioam schema show: text, null and empty keys in JSON', () => {
  // ip -n v6ipr-test ioam schema show
  assert.equal(
    run({ json: false, pretty: false }, (p) => printSchema(p, 7, 2, schemaData)),
    'schema 7 [namespace 2], data: 68 65 6c 6c 6f 00 00 00\n',
  );
  // ip -n v6ipr-test -j ioam schema show
  assert.equal(
    run({ json: true, pretty: false }, (p) => printSchema(p, 7, 2, schemaData)),
    '[{"schema":7,"namespace":2,"data":null,"":104,"":101,"":108,"":108,"":111,"":0,"":0,"":0}]\n',
  );
  // ip -n v6ipr-test -j -j -p -p ioam schema show
  assert.equal(
    run({ json: true, pretty: true }, (p) => printSchema(p, 7, 2, schemaData)),
    '[ {\n' +
      '        "schema": 7,\n' +
      '        "namespace": 2,\n' +
      '        "data": null,\n' +
      ['104', '101', '108', '108', '111', '0', '0'].map((v) => `        "": ${v},\n`).join('') +
      '        "": 0\n' +
      '    } ]\n',
  );
});

/** The JSON-only skeleton of ipaddress.c for `ip -j link show lo` / `ip -j addr show lo`. */
function printLo(p: Printer, withAddrs: boolean): void {
  p.openJsonObject(null);
  p.printInt(PRINT_ANY, 'ifindex', '%d: ', 1);
  p.printString(PRINT_ANY, 'ifname', '%s: ', 'lo');
  p.openJsonArray(PRINT_ANY, p.isJsonContext() ? 'flags' : '<');
  const flags = ['LOOPBACK', 'UP', 'LOWER_UP'];
  flags.forEach((f, i) => p.printString(PRINT_ANY, null, i < flags.length - 1 ? '%s,' : '%s', f));
  p.closeJsonArray(PRINT_ANY, '> ');
  p.printUint(PRINT_ANY, 'mtu', 'mtu %u ', 65536);
  p.printString(PRINT_ANY, 'qdisc', 'qdisc %s ', 'noqueue');
  p.printString(PRINT_ANY, 'operstate', 'state %s ', 'UNKNOWN');
  if (!withAddrs) p.printString(PRINT_ANY, 'linkmode', 'mode %s ', 'DEFAULT');
  p.printString(PRINT_ANY, 'group', 'group %s ', 'default');
  p.printUint(PRINT_ANY, 'txqlen', 'qlen %u', 1000);
  p.printString(PRINT_FP, null, '%s', p.sl);
  p.printString(PRINT_ANY, 'link_type', '    link/%s ', 'loopback');
  p.printString(PRINT_ANY, 'address', '%s', '00:00:00:00:00:00');
  p.printString(PRINT_ANY, 'broadcast', ' brd %s', '00:00:00:00:00:00');
  if (withAddrs) {
    p.openJsonArray(PRINT_JSON, 'addr_info');
    p.openJsonObject(null);
    p.printString(PRINT_ANY, 'family', '    %s ', 'inet');
    p.printString(PRINT_ANY, 'local', '%s', '127.0.0.1');
    p.printInt(PRINT_ANY, 'prefixlen', '/%d ', 8);
    p.printString(PRINT_ANY, 'scope', 'scope %s ', 'host');
    p.printString(PRINT_ANY, 'label', '%s', 'lo');
    p.printUint(PRINT_JSON, 'valid_life_time', null, 4294967295);
    p.printUint(PRINT_JSON, 'preferred_life_time', null, 4294967295);
    p.closeJsonObject();
    p.openJsonObject(null);
    p.printString(PRINT_ANY, 'family', '    %s ', 'inet6');
    p.printString(PRINT_ANY, 'local', '%s', '::1');
    p.printInt(PRINT_ANY, 'prefixlen', '/%d ', 128);
    p.printString(PRINT_ANY, 'scope', 'scope %s ', 'host');
    p.printUint(PRINT_JSON, 'valid_life_time', null, 4294967295);
    p.printUint(PRINT_JSON, 'preferred_life_time', null, 4294967295);
    p.closeJsonObject();
    p.closeJsonArray(PRINT_JSON, null);
  }
  p.closeJsonObject();
}

test('ip -j link show lo: arrays of strings, compact and pretty', () => {
  // ip -j link show lo
  assert.equal(
    run({ json: true, pretty: false }, (p) => printLo(p, false)),
    '[{"ifindex":1,"ifname":"lo","flags":["LOOPBACK","UP","LOWER_UP"],"mtu":65536,"qdisc":"noqueue","operstate":"UNKNOWN","linkmode":"DEFAULT","group":"default","txqlen":1000,"link_type":"loopback","address":"00:00:00:00:00:00","broadcast":"00:00:00:00:00:00"}]\n',
  );
  // ip -j -p link show lo
  assert.equal(
    run({ json: true, pretty: true }, (p) => printLo(p, false)),
    `[ {
        "ifindex": 1,
        "ifname": "lo",
        "flags": [ "LOOPBACK","UP","LOWER_UP" ],
        "mtu": 65536,
        "qdisc": "noqueue",
        "operstate": "UNKNOWN",
        "linkmode": "DEFAULT",
        "group": "default",
        "txqlen": 1000,
        "link_type": "loopback",
        "address": "00:00:00:00:00:00",
        "broadcast": "00:00:00:00:00:00"
    } ]
`,
  );
});

test('ip -j -p addr show lo: nested array of objects', () => {
  // ip -j -p addr show lo
  assert.equal(
    run({ json: true, pretty: true }, (p) => printLo(p, true)),
    `[ {
        "ifindex": 1,
        "ifname": "lo",
        "flags": [ "LOOPBACK","UP","LOWER_UP" ],
        "mtu": 65536,
        "qdisc": "noqueue",
        "operstate": "UNKNOWN",
        "group": "default",
        "txqlen": 1000,
        "link_type": "loopback",
        "address": "00:00:00:00:00:00",
        "broadcast": "00:00:00:00:00:00",
        "addr_info": [ {
                "family": "inet",
                "local": "127.0.0.1",
                "prefixlen": 8,
                "scope": "host",
                "label": "lo",
                "valid_life_time": 4294967295,
                "preferred_life_time": 4294967295
            },{
                "family": "inet6",
                "local": "::1",
                "prefixlen": 128,
                "scope": "host",
                "valid_life_time": 4294967295,
                "preferred_life_time": 4294967295
            } ]
    } ]
`,
  );
});

test('ip -j -p -6 route show: an empty array inside an object', () => {
  // ip -j -p -6 route show table local (first entry)
  assert.equal(
    run({ json: true, pretty: true }, (p) => {
      p.openJsonObject(null);
      p.printString(PRINT_ANY, 'type', '%s ', 'local');
      p.printString(PRINT_ANY, 'dst', '%s ', '::1');
      p.printString(PRINT_ANY, 'dev', 'dev %s ', 'lo');
      p.printString(PRINT_ANY, 'protocol', 'proto %s ', 'kernel');
      p.printUint(PRINT_ANY, 'metric', 'metric %u ', 0);
      p.openJsonArray(PRINT_JSON, 'flags');
      p.closeJsonArray(PRINT_JSON, null);
      p.printString(PRINT_ANY, 'pref', 'pref %s', 'medium');
      p.closeJsonObject();
    }),
    `[ {
        "type": "local",
        "dst": "::1",
        "dev": "lo",
        "protocol": "kernel",
        "metric": 0,
        "flags": [ ],
        "pref": "medium"
    } ]
`,
  );
});

test('text: ip link show lo, and -o turns print_nl into a backslash', () => {
  // ip link show lo
  const text = run({ json: false, pretty: false }, (p) => {
    printLo(p, false);
    p.printNl();
  });
  assert.equal(
    text,
    '1: lo: <LOOPBACK,UP,LOWER_UP> mtu 65536 qdisc noqueue state UNKNOWN mode DEFAULT group default qlen 1000' +
      '\n    link/loopback 00:00:00:00:00:00 brd 00:00:00:00:00:00\n',
  );
  const one = new MemoryOutput();
  const p = new Printer(one, { pretty: false, oneline: true });
  p.printString(PRINT_ANY, 'x', '%s', 'a');
  p.printNl();
  assert.equal(one.text, 'a\\');
});

test('open_json_array in text prints its delimiter; PRINT_FP/PRINT_JSON select one side', () => {
  assert.equal(
    run({ json: false, pretty: false }, (p) => {
      p.openJsonArray(PRINT_ANY, '<');
      p.printString(PRINT_FP, null, '%s', 'fp');
      p.printString(PRINT_JSON, 'k', '%s', 'json');
      p.closeJsonArray(PRINT_ANY, '>');
    }),
    '<fp>',
  );
  assert.equal(
    run({ json: true, pretty: false }, (p) => {
      p.openJsonObject(null);
      p.printString(PRINT_FP, null, '%s', 'fp');
      p.printString(PRINT_JSON, 'k', '%s', 'json');
      p.printBool(PRINT_ANY, 'b', '%s', true);
      p.printOnOff(PRINT_ANY, 'o', '%s', false);
      p.printS64(PRINT_ANY, 's', '%lld', -5n);
      p.printU64(PRINT_ANY, 'u', '%llu', -1n);
      p.printFloat(PRINT_ANY, 'f', '%f', 0.5);
      p.printString(PRINT_ANY, 'e', '%s', 'tab\there "q" \\ \n');
      p.closeJsonObject();
    }),
    '[{"k":"json","b":true,"o":false,"s":-5,"u":18446744073709551615,"f":0.5,"e":"tab\\there \\"q\\" \\\\ \\n"}]\n',
  );
});

test('print_rate in text and JSON', () => {
  const t = (iec: boolean, rate: number): string =>
    run({ json: false, pretty: false }, (p) => p.printRate(iec, PRINT_ANY, 'rate', '%s', rate));
  assert.equal(t(false, 125), '1Kbit');
  assert.equal(t(false, 100), '800bit');
  assert.equal(t(true, 128), '1Kibit');
  assert.equal(t(false, 125000000), '1Gbit');
  assert.equal(
    run({ json: true, pretty: false }, (p) => {
      p.openJsonObject(null);
      p.printRate(false, PRINT_ANY, 'rate', '%s', 125);
      p.closeJsonObject();
    }),
    '[{"rate":125}]\n',
  );
});

test('random print sequences always make valid JSON', () => {
  const op = fc.oneof(
    fc.record({ k: fc.constant('uint' as const), key: fc.string({ maxLength: 5 }), v: fc.nat() }),
    fc.record({ k: fc.constant('str' as const), key: fc.string({ maxLength: 5 }), v: fc.string({ maxLength: 8 }) }),
    fc.record({ k: fc.constant('obj' as const), key: fc.string({ maxLength: 5 }), v: fc.constant(0) }),
    fc.record({ k: fc.constant('arr' as const), key: fc.string({ maxLength: 5 }), v: fc.constant(0) }),
    fc.record({ k: fc.constant('close' as const), key: fc.constant(''), v: fc.constant(0) }),
  );
  fc.assert(
    fc.property(fc.array(op, { maxLength: 30 }), fc.boolean(), (ops, pretty) => {
      const out = new MemoryOutput();
      const p = new Printer(out, { pretty, oneline: false });
      p.newJsonObj(true);
      p.openJsonObject(null);
      const stack: ('o' | 'a')[] = [];
      for (const o of ops) {
        const inArray = stack[stack.length - 1] === 'a';
        const key = inArray ? null : o.key;
        if (o.k === 'uint') p.printUint(PRINT_ANY, key, '%u', o.v);
        else if (o.k === 'str') p.printString(PRINT_ANY, key, '%s', o.v as string);
        else if (o.k === 'obj') {
          p.openJsonObject(key);
          stack.push('o');
        } else if (o.k === 'arr') {
          p.openJsonArray(PRINT_JSON, key);
          stack.push('a');
        } else if (stack.length > 0) {
          if (stack.pop() === 'o') p.closeJsonObject();
          else p.closeJsonArray(PRINT_JSON, null);
        }
      }
      while (stack.length > 0) {
        if (stack.pop() === 'o') p.closeJsonObject();
        else p.closeJsonArray(PRINT_JSON, null);
      }
      p.closeJsonObject();
      p.deleteJsonObj();
      // Duplicate keys are legal JSON text (iproute2 prints them); JSON.parse accepts them.
      JSON.parse(out.text);
    }),
    { numRuns: 300 },
  );
});

test('the writer refuses to close what is not open', () => {
  const w = new JsonWriter(new MemoryOutput());
  assert.throws(() => w.endObject());
  w.startObject();
  assert.throws(() => w.finish());
});
