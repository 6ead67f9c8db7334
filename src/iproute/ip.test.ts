// Expected texts and exit statuses come from the real iproute2 6.1.0 `ip` on Linux 6.18, most
// run in a throwaway namespace (`ip netns add v6ipr-test`, deleted afterwards); the command is
// in the comment beside each expectation. The test object below ports the parts of
// ip/ipioam6.c it needs, the way real objects are meant to be written.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { MemoryOutput } from '../cli/output.ts';
import { emitNetlinkAck, emitNetlinkDone, type ExtAck } from '../netlink/errors.ts';
import { NlAttrCursor, NlMsgBuilder, nlaGetU16, nlaGetU32, nlaGetU64, type NlMsgView } from '../netlink/message.ts';
import { EEXIST, EMSGSIZE, ENOENT, ESRCH } from '../uapi/errno.ts';
import { NETLINK_GENERIC, NETLINK_ROUTE, NLM_F_DUMP_INTR, NLM_F_MULTI, NLM_F_REQUEST } from '../uapi/netlink.ts';
import { u16le, u32le } from '../wire/bytes.ts';
import { PRINT_ANY } from './json.ts';
import {
  IP_USAGE,
  IP_VERSION_LINE,
  lookupIpObject,
  RtnlHandle,
  runIp,
  type IpContext,
  type IpHost,
  type IpObjectHandler,
  type NetlinkTransport,
} from './ip.ts';
import { Args, getU16, getU32, getU64, invarg } from './cmdline.ts';

const FAMILY = 0x20; // the generic netlink family id our fake kernel gives IOAM6
const ATTR_NS_ID = 1;
const ATTR_NS_DATA = 2;
const ATTR_NS_DATA_WIDE = 3;
const ATTR_SC_ID = 4;
const CMD_ADD_NAMESPACE = 1;
const CMD_DUMP_NAMESPACES = 3;

interface Ns {
  id: number;
  data?: number;
  wide?: bigint;
  schema?: number;
}

/** A kernel that answers each request through `answer`; records the requests. */
class FakeTransport implements NetlinkTransport {
  readonly protocol: number;
  readonly requests: Uint8Array[] = [];
  closed = false;
  readonly answer: (req: Uint8Array) => Uint8Array[];

  constructor(protocol: number, answer: (req: Uint8Array) => Uint8Array[]) {
    this.protocol = protocol;
    this.answer = answer;
  }

  request(msg: Uint8Array): Promise<Uint8Array[]> {
    this.requests.push(msg.slice());
    return Promise.resolve(this.answer(msg));
  }

  close(): void {
    this.closed = true;
  }
}

const SOCK = { portid: 1234, extAck: true } as const;

function ack(req: Uint8Array, err: number, extack?: ExtAck): Uint8Array {
  const b = new NlMsgBuilder();
  emitNetlinkAck(b, req, 0, err, extack, SOCK);
  return b.toBytes();
}

/** A fake IOAM6 genl family with namespaces in memory. */
function ioamKernel(table: Ns[]): (req: Uint8Array) => Uint8Array[] {
  return (req) => {
    const cmd = req[16] ?? 0;
    if (cmd === CMD_DUMP_NAMESPACES) {
      const b = new NlMsgBuilder();
      for (const ns of table) {
        b.beginMessage(FAMILY, NLM_F_MULTI, u32le(req, 8), SOCK.portid);
        b.putGenlHeader(CMD_DUMP_NAMESPACES, 1);
        b.putU16(ATTR_NS_ID, ns.id);
        if (ns.schema !== undefined) b.putU32(ATTR_SC_ID, ns.schema);
        if (ns.data !== undefined) b.putU32(ATTR_NS_DATA, ns.data);
        if (ns.wide !== undefined) b.putU64(ATTR_NS_DATA_WIDE, ns.wide);
        b.finish();
      }
      const first = b.toBytes();
      const d = new NlMsgBuilder();
      emitNetlinkDone(d, req, 0, 0, undefined, SOCK);
      return [first, d.toBytes()];
    }
    if (cmd === CMD_ADD_NAMESPACE) {
      const c = new NlAttrCursor(req, 20, u32le(req, 0) - 20);
      let id = -1;
      while (c.next()) if (c.type === ATTR_NS_ID) id = nlaGetU16(req, c.offset);
      if (table.some((n) => n.id === id)) return [ack(req, -EEXIST)];
      table.push({ id });
      return [ack(req, 0)];
    }
    return [ack(req, -22, { msg: 'Unknown command' })];
  };
}

/** ipioam6.c print_namespace. */
function printNamespace(ctx: IpContext, msg: NlMsgView): number {
  const c = new NlAttrCursor(msg.bytes, msg.payloadOffset + 4, msg.payloadLength - 4);
  const attrs = new Map<number, number>();
  while (c.next()) attrs.set(c.type, c.offset);
  const p = ctx.print;
  const at = (t: number): number | undefined => attrs.get(t);
  p.openJsonObject(null);
  p.printUint(PRINT_ANY, 'namespace', 'namespace %u', nlaGetU16(msg.bytes, at(ATTR_NS_ID) ?? 0));
  const sc = at(ATTR_SC_ID);
  if (sc !== undefined) p.printUint(PRINT_ANY, 'schema', ' [schema %u]', nlaGetU32(msg.bytes, sc));
  const data = at(ATTR_NS_DATA);
  if (data !== undefined) p.printHex(PRINT_ANY, 'data', ', data %#010x', nlaGetU32(msg.bytes, data));
  const wide = at(ATTR_NS_DATA_WIDE);
  if (wide !== undefined) p.print0xHex(PRINT_ANY, 'wide', ', wide %#018lx', nlaGetU64(msg.bytes, wide));
  p.printNl();
  p.closeJsonObject();
  return 0;
}

/** The subset of do_ioam6 these tests need, written as objects are meant to be. */
const ioamObject: IpObjectHandler = async (argv, ctx) => {
  const a = new Args(argv);
  if (a.argc < 1 || a.cur() === 'help') invarg('usage', a.cur());
  const t = ctx.openNetlink(NETLINK_GENERIC);
  if (t === undefined) return -1;
  const rth = new RtnlHandle(t, ctx.err);
  const b = new NlMsgBuilder();
  if (a.cur() !== 'namespace') invarg('Unknown', a.cur());
  const verb = a.next();
  if (verb === 'show') {
    b.beginMessage(FAMILY, NLM_F_REQUEST, 0, 0);
    b.putGenlHeader(CMD_DUMP_NAMESPACES, 1);
    b.finish();
    ctx.print.newJsonObj(ctx.json);
    if ((await rth.dump(b.toBytes(), (m) => printNamespace(ctx, m))) < 0) {
      ctx.err.write('Dump terminated\n');
      return -1;
    }
    ctx.print.deleteJsonObj();
    return 0;
  }
  if (verb !== 'add') invarg('Unknown', verb);
  const idText = a.next();
  const id = getU16(idText, 0);
  if (id === undefined) invarg('Invalid namespace ID', idText);
  if (a.nextOk()) {
    a.fwd();
    if (a.cur() === 'data') {
      a.next();
      if (getU32(a.cur(), 0) === undefined) invarg('Invalid data', a.cur());
    } else if (a.cur() === 'wide') {
      a.next();
      if (getU64(a.cur(), 16) === undefined) invarg('Invalid wide data', a.cur());
    } else invarg('Invalid argument', a.cur());
  }
  b.beginMessage(FAMILY, NLM_F_REQUEST, 0, 0);
  b.putGenlHeader(CMD_ADD_NAMESPACE, 1);
  b.putU16(ATTR_NS_ID, id);
  b.finish();
  return (await rth.talk(b.toBytes())).ret < 0 ? -1 : 0;
};

interface Harness {
  host: IpHost;
  out: MemoryOutput;
  err: MemoryOutput;
  calls: { name: string; args: string[]; ctx: IpContext }[];
  transports: FakeTransport[];
}

function harness(opts: {
  objects?: IpHost['objects'];
  route?: (req: Uint8Array) => Uint8Array[];
  ioam?: Ns[];
  files?: Record<string, string>;
  version?: string;
} = {}): Harness {
  const out = new MemoryOutput();
  const err = new MemoryOutput();
  const calls: Harness['calls'] = [];
  const transports: FakeTransport[] = [];
  const record =
    (name: string, ret = 0): IpObjectHandler =>
    (args, ctx) => {
      calls.push({ name, args, ctx });
      return Promise.resolve(ret);
    };
  const table = opts.ioam ?? [];
  const host: IpHost = {
    out,
    err,
    objects: opts.objects ?? { address: record('address'), link: record('link'), route: record('route'), ioam: ioamObject },
    enterNetns: (name) => (name === 'v6ipr-test' ? 0 : ENOENT),
    openNetlink: (protocol) => {
      const t = new FakeTransport(protocol, protocol === NETLINK_ROUTE ? (opts.route ?? ((r) => [ack(r, 0)])) : ioamKernel(table));
      transports.push(t);
      return t;
    },
    readBatchFile: (name) => opts.files?.[name] ?? { errno: ENOENT },
    ...(opts.version === undefined ? {} : { version: opts.version }),
  };
  return { host, out, err, calls, transports };
}

async function ip(argv: string[], h = harness()): Promise<[number, string, string]> {
  const rc = await runIp(argv, h.host);
  return [rc, h.out.text, h.err.text];
}

test('usage: ip, ip help, -h, -help, -b, -f, -f help, - and help me all exit 255', async () => {
  // ip; ip help; ip -h; ip -help; ip -b; ip -f; ip -f help; ip -; ip -n v6ipr-test help me
  for (const argv of [[], ['help'], ['-h'], ['-help'], ['-b'], ['-f'], ['-f', 'help'], ['-'], ['-n', 'v6ipr-test', 'help', 'me'], ['h']]) {
    assert.deepEqual(await ip(argv), [255, '', IP_USAGE], argv.join(' '));
  }
});

test('the usage text is iproute2 6.1.0\'s', () => {
  // ip help 2>&1 | head -3
  assert.ok(
    IP_USAGE.startsWith(
      'Usage: ip [ OPTIONS ] OBJECT { COMMAND | help }\n       ip [ -force ] -batch filename\nwhere  OBJECT := { address | addrlabel | amt | fou | help | ila | ioam | l2tp |\n',
    ),
  );
  assert.ok(IP_USAGE.endsWith('                    -rc[vbuf] [size] | -n[etns] name | -N[umeric] | -a[ll] |\n                    -c[olor]}\n'));
  assert.equal(IP_USAGE.split('\n').length, 16);
});

test('unknown objects and options', async () => {
  // ip xyz -> rc 1
  assert.deepEqual(await ip(['xyz']), [1, '', 'Object "xyz" is unknown, try "ip help".\n']);
  // ip -xyz link -> rc 255
  assert.deepEqual(await ip(['-xyz', 'link']), [255, '', 'Option "-xyz" is unknown, try "ip -help".\n']);
  // ip --xyz -> rc 255 (one dash is dropped)
  assert.deepEqual(await ip(['--xyz']), [255, '', 'Option "-xyz" is unknown, try "ip -help".\n']);
  // ip -n v6ipr-test -c=foo link -> rc 255
  assert.deepEqual(await ip(['-n', 'v6ipr-test', '-c=foo', 'link']), [255, '', 'Option "-c=foo" is unknown, try "ip -help".\n']);
  // ip -family foo link -> rc 255
  assert.deepEqual(await ip(['-family', 'foo', 'link']), [255, '', 'Error: argument "foo" is wrong: invalid protocol family\n']);
  // ip -rcvbuf x link; ip -n v6ipr-test -rc 12x link -> rc 255
  assert.deepEqual(await ip(['-rcvbuf', 'x', 'link']), [255, '', "Invalid rcvbuf size 'x'\n"]);
  assert.deepEqual(await ip(['-rc', '12x', 'link']), [255, '', "Invalid rcvbuf size '12x'\n"]);
  // ip -n v6ipr-test -loops -> usage, rc 255
  assert.deepEqual(await ip(['-loops']), [255, '', IP_USAGE]);
});

test('-netns: a missing namespace, and no name at all', async () => {
  // ip -n nonexist link -> rc 255
  assert.deepEqual(await ip(['-n', 'nonexist', 'link']), [255, '', 'Cannot open network namespace "nonexist": No such file or directory\n']);
  // ip -netns -> rc 255
  assert.deepEqual(await ip(['-netns']), [255, '', 'Cannot open network namespace "(null)": No such file or directory\n']);
  const h = harness();
  assert.equal((await ip(['-netns', 'v6ipr-test', 'link'], h))[0], 0);
  assert.equal(h.calls[0]?.ctx.netns, 'v6ipr-test');
});

test('-V prints the version line and exits 0 before anything else', async () => {
  // ip -V; ip --Ver; ip -n v6ipr-test -6 -V -> "ip utility, iproute2-6.1.0, libbpf 1.1.2", rc 0
  const real = 'ip utility, iproute2-6.1.0, libbpf 1.1.2';
  for (const argv of [['-V'], ['--Ver'], ['-n', 'v6ipr-test', '-6', '-V', '-xyz']]) {
    assert.deepEqual(await ip(argv, harness({ version: real })), [0, `${real}\n`, ''], argv.join(' '));
  }
  assert.deepEqual(await ip(['-V']), [0, `${IP_VERSION_LINE}\n`, '']);
});

test('options are abbreviated in ip.c\'s order and counted', async () => {
  const h = harness();
  // ip -- link show lo runs the link object with "show lo"
  assert.equal((await ip(['-s', '-stat', '-d', '-j', '-p', '-o', '-6', '-h', '-t', '-ts', '-br', '-N', '-a', '-c', '-color=never', '-l', '3', '-r', '-i', '-f', 'inet6', '-echo', '--', 'link', 'show', 'lo'], h))[0], 0);
  const c = h.calls[0];
  assert.ok(c !== undefined);
  assert.deepEqual(c.args, ['show', 'lo']);
  const { ctx } = c;
  assert.deepEqual(
    [ctx.stats, ctx.details, ctx.json, ctx.pretty, ctx.oneline, ctx.family, ctx.human, ctx.timestamp, ctx.timestampShort, ctx.brief, ctx.numeric, ctx.all, ctx.loops, ctx.resolve, ctx.iec, ctx.echo],
    [2, 1, 1, 1, 1, 10, 1, 2, 1, 1, 1, true, 3, 1, 1, 1],
  );
  assert.equal(ctx.print.sl, '\\');
  // A word after the options ends them: "-j" after the object belongs to the object.
  const h2 = harness();
  await ip(['-4', 'a', '-j'], h2);
  assert.deepEqual([h2.calls[0]?.name, h2.calls[0]?.args, h2.calls[0]?.ctx.family, h2.calls[0]?.ctx.json], ['address', ['-j'], 2, 0]);
});

test('objects resolve by abbreviation in table order', async () => {
  assert.equal(lookupIpObject('a'), 'address');
  assert.equal(lookupIpObject('addrl'), 'addrlabel');
  assert.equal(lookupIpObject('r'), 'route');
  assert.equal(lookupIpObject('ru'), 'rule');
  assert.equal(lookupIpObject('l'), 'link');
  assert.equal(lookupIpObject('n'), 'neighbor');
  assert.equal(lookupIpObject('net'), 'netns');
  assert.equal(lookupIpObject('s'), 'sr');
  assert.equal(lookupIpObject('h'), 'help');
  // ip -n v6ipr-test i namespace show went to ila ("Error talking to the kernel"), io to ioam
  assert.equal(lookupIpObject('i'), 'ila');
  assert.equal(lookupIpObject('io'), 'ioam');
  assert.equal(lookupIpObject(''), undefined);
  assert.equal(lookupIpObject('links'), undefined);
  const h = harness();
  await ip(['r', 'show'], h);
  assert.equal(h.calls[0]?.name, 'route');
  // An object of ip.c's table that v6stack does not have.
  assert.deepEqual(await ip(['tunnel', 'show']), [1, '', 'Object "tunnel" is not supported by v6stack.\n']);
});

test('an object\'s return value becomes the negated exit status; IprouteExit its own', async () => {
  const ret = (v: number): IpHost['objects'] => ({ link: () => Promise.resolve(v) });
  // ip -n v6ipr-test link show nonexist -> do_iplink returns -1, rc 1
  assert.equal((await ip(['link'], harness({ objects: ret(-1) })))[0], 1);
  // ip -n v6ipr-test -6 route add 1::/64 dev lo -> iproute returns -2, rc 2
  assert.equal((await ip(['link'], harness({ objects: ret(-2) })))[0], 2);
  assert.equal((await ip(['link'], harness({ objects: ret(1) })))[0], 255);
  // ip -n v6ipr-test ioam namespace add 70000 -> rc 255
  assert.deepEqual(await ip(['-n', 'v6ipr-test', 'ioam', 'namespace', 'add', '70000']), [
    255,
    '',
    'Error: argument "70000" is wrong: Invalid namespace ID\n',
  ]);
  // ip -n v6ipr-test ioam namespace add -> rc 255
  assert.deepEqual(await ip(['-n', 'v6ipr-test', 'ioam', 'namespace', 'add']), [255, '', 'Command line is not complete. Try option "help"\n']);
  // ip -n v6ipr-test ioam namesp show -> rc 255 (strcmp, not matches)
  assert.deepEqual(await ip(['-n', 'v6ipr-test', 'ioam', 'namesp', 'show']), [255, '', 'Error: argument "namesp" is wrong: Unknown\n']);
});

test('ip ioam namespace show through the transport: text, -j, -j -p, and sockets closed', async () => {
  const table: Ns[] = [{ id: 8 }, { id: 9, wide: 0x12n }, { id: 1, data: 0xdeadbeef, wide: 0x1122334455667788n }, { id: 2, schema: 7 }];
  // ip -n v6ipr-test ioam namespace show
  const h = harness({ ioam: table });
  assert.deepEqual(await ip(['-n', 'v6ipr-test', 'io', 'namespace', 'show'], h), [
    0,
    'namespace 8\nnamespace 9, wide 0x0000000000000012\nnamespace 1, data 0xdeadbeef, wide 0x1122334455667788\nnamespace 2 [schema 7]\n',
    '',
  ]);
  assert.ok(h.transports.every((t) => t.closed));
  const dumpReq = h.transports[1]?.requests[0];
  assert.ok(dumpReq !== undefined);
  // rtnl_dump_filter's request: NLM_F_REQUEST|NLM_F_DUMP and the first sequence number.
  assert.deepEqual([u16le(dumpReq, 6), u32le(dumpReq, 8)], [0x301, 1]);
  // ip -n v6ipr-test -j ioam namespace show
  assert.deepEqual(await ip(['-n', 'v6ipr-test', '-j', 'ioam', 'namespace', 'show'], harness({ ioam: table })), [
    0,
    '[{"namespace":8},{"namespace":9,"wide":"0x12"},{"namespace":1,"data":"deadbeef","wide":"0x1122334455667788"},{"namespace":2,"schema":7}]\n',
    '',
  ]);
  // ip -n v6ipr-test -j -p ioam namespace show (namespaces 1 and 2)
  assert.deepEqual(await ip(['-n', 'v6ipr-test', '-j', '-p', 'ioam', 'namespace', 'show'], harness({ ioam: table.slice(2) })), [
    0,
    '[ {\n        "namespace": 1,\n        "data": "deadbeef",\n        "wide": "0x1122334455667788"\n    },{\n        "namespace": 2,\n        "schema": 7\n    } ]\n',
    '',
  ]);
  // ip -n v6ipr-empty -j -p ioam namespace show
  assert.deepEqual(await ip(['-n', 'v6ipr-test', '-j', '-p', 'ioam', 'namespace', 'show']), [0, '[ ]\n', '']);
});

test('rtnl_talk: RTNETLINK answers without an extended ack, Error: with one', async () => {
  // ip -n v6ipr-test ioam namespace add 1 (it exists) -> rc 1
  const h = harness({ ioam: [{ id: 1 }] });
  assert.deepEqual(await ip(['-n', 'v6ipr-test', 'ioam', 'namespace', 'add', '1'], h), [1, '', 'RTNETLINK answers: File exists\n']);
  const req = h.transports[1]?.requests[0];
  assert.ok(req !== undefined);
  // NLM_F_REQUEST|NLM_F_ACK, as rtnl_talk without an answer sets it.
  assert.equal(u16le(req, 6), 0x5);
  assert.deepEqual(await ip(['-n', 'v6ipr-test', 'ioam', 'namespace', 'add', '0x10']), [0, '', '']);

  const talkWith = (reply: (req: Uint8Array) => Uint8Array[], opts: { answer?: boolean } = {}): IpHost['objects'] => ({
    route: async (_args, ctx) => {
      const b = new NlMsgBuilder();
      b.beginMessage(24, NLM_F_REQUEST, 0, 0);
      b.reserve(12);
      b.finish();
      const r = await ctx.rth.talk(b.toBytes(), opts);
      return r.ret < 0 ? -2 : 0;
    },
  });
  const route = (reply: (req: Uint8Array) => Uint8Array[], opts: { answer?: boolean } = {}): Promise<[number, string, string]> => {
    const h2 = harness({ objects: talkWith(reply, opts), route: reply });
    return ip(['route', 'add'], h2);
  };
  // ip -n v6ipr-test -6 route add 1::/64 dev lo -> rc 2
  assert.deepEqual(await route((r) => [ack(r, -19, { msg: 'Nexthop device is not up' })]), [2, '', 'Error: Nexthop device is not up.\n']);
  // ip -n v6ipr-test -6 route add 1::/64 via fe80::1 -> rc 2
  assert.deepEqual(await route((r) => [ack(r, -22, { msg: 'Egress device not specified' })]), [2, '', 'Error: Egress device not specified.\n']);
  // ip -n v6ipr-test -6 addr del 5::1/64 dev lo -> rc 2 ("ipv6: address not found" gains a full stop)
  assert.deepEqual(await route((r) => [ack(r, -99, { msg: 'ipv6: address not found' })]), [2, '', 'Error: ipv6: address not found.\n']);
  // A message that already ends with a full stop keeps just the one (print_ext_ack_msg).
  assert.deepEqual(await route((r) => [ack(r, -22, { msg: 'Done.' })]), [2, '', 'Error: Done.\n']);
  // ip -n v6ipr-test -6 route del 5::/64 -> rc 2
  assert.deepEqual(await route((r) => [ack(r, -ESRCH)]), [2, '', 'RTNETLINK answers: No such process\n']);
  // An empty extack message falls back to strerror.
  assert.deepEqual(await route((r) => [ack(r, -EEXIST, { msg: '' })]), [2, '', 'RTNETLINK answers: File exists\n']);
  // A success with an extack message is a warning (lib/libnetlink.c print_ext_ack_msg).
  assert.deepEqual(await route((r) => [ack(r, 0, { msg: 'using default' })]), [0, '', 'Warning: using default.\n']);
  // Replies with another sequence number are skipped; a transport that stops early is EOF.
  assert.deepEqual(
    await route((r) => {
      const other = r.slice();
      other[8] = 99;
      return [ack(other, -EEXIST)];
    }),
    [2, '', 'EOF on netlink\n'],
  );
  // answer mode hands back the first reply.
  const echoed: number[] = [];
  const h3 = harness({
    objects: {
      route: async (_a, ctx) => {
        const b = new NlMsgBuilder();
        b.beginMessage(26, NLM_F_REQUEST, 0, 0);
        b.finish();
        const r = await ctx.rth.talk(b.toBytes(), { answer: true });
        if (r.answer !== undefined) echoed.push(r.answer.type);
        return r.ret;
      },
    },
    route: (r) => {
      const b = new NlMsgBuilder();
      b.beginMessage(24, 0, u32le(r, 8), 1);
      b.finish();
      return [b.toBytes()];
    },
  });
  assert.deepEqual(await ip(['route', 'get'], h3), [0, '', '']);
  assert.deepEqual(echoed, [24]);
  // A malformed reply ends ip with status 1, as libnetlink's exit(1).
  assert.deepEqual(await route(() => [Uint8Array.of(40, 0, 0, 0, 2, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0)]), [1, '', '!!!malformed message: len=40\n']);
});

test('rtnl_dump_filter: errors, DONE statuses and interrupted dumps', async () => {
  const dumper = (reply: (req: Uint8Array) => Uint8Array[]): Promise<[number, string, string]> => {
    const seen: number[] = [];
    const h = harness({
      objects: {
        link: async (_a, ctx) => {
          const b = new NlMsgBuilder();
          b.beginMessage(18, NLM_F_REQUEST, 0, 0);
          b.reserve(16);
          b.finish();
          const r = await ctx.rth.dump(b.toBytes(), (m) => {
            seen.push(m.type);
            return 0;
          });
          ctx.out.write(`${seen.join(',')}|${r}`);
          return r < 0 ? -1 : 0;
        },
      },
      route: reply,
    });
    return ip(['link'], h);
  };
  const done = (req: Uint8Array, status: number, extack?: ExtAck, flags = 0): Uint8Array => {
    const b = new NlMsgBuilder();
    emitNetlinkDone(b, req, 0, status, extack, SOCK, flags);
    return b.toBytes();
  };
  const msg = (req: Uint8Array, type: number, flags = NLM_F_MULTI): Uint8Array => {
    const b = new NlMsgBuilder();
    b.beginMessage(type, flags, u32le(req, 8), SOCK.portid);
    b.finish();
    return b.toBytes();
  };
  assert.deepEqual(await dumper((r) => [msg(r, 16), msg(r, 16), done(r, 0)]), [0, '16,16|0', '']);
  assert.deepEqual(await dumper((r) => [ack(r, -95)]), [1, '|-1', 'RTNETLINK answers: Operation not supported\n']);
  assert.deepEqual(await dumper((r) => [done(r, -ENOENT)]), [1, '|-1', '']);
  assert.deepEqual(await dumper((r) => [done(r, -EMSGSIZE)]), [1, '|-1', 'Error: Buffer too small for object.\n']);
  assert.deepEqual(await dumper((r) => [done(r, -22)]), [1, '|-1', 'RTNETLINK answers: Invalid argument\n']);
  assert.deepEqual(await dumper((r) => [done(r, -22, { msg: 'bad filter' })]), [1, '|-1', 'Error: bad filter.\n']);
  assert.deepEqual(await dumper((r) => [msg(r, 16, NLM_F_MULTI | NLM_F_DUMP_INTR), done(r, 0)]), [
    0,
    '16|0',
    'Dump was interrupted and may be inconsistent.\n',
  ]);
  assert.deepEqual(await dumper((r) => [msg(r, 16)]), [1, '16|-61', 'EOF on netlink\n']);
  assert.deepEqual(await dumper(() => [Uint8Array.of(1, 2, 3)]), [1, '', '!!!Remnant of size 3\n']);
});

test('-batch: per-line commands, failures, -force, and exits that end the batch', async () => {
  const script =
    'ioam namespace show   # comment\n\n  # only comment\nioam "namespace" \'show\'\nioam namespace add 30 data "0x10"\n' +
    'ioam namespace \\\n  add 31 \\\n data 5\nioam namespace add 1\nioam namespace show\nioam namespace add "32#x"\n';
  // ip -n v6ipr-test -batch b1.txt -> stops at the failing line, rc 1
  const h = harness({ ioam: [{ id: 1 }], files: { 'b1.txt': script } });
  const [rc, out, err] = await ip(['-n', 'v6ipr-test', '-batch', 'b1.txt'], h);
  assert.equal(rc, 1);
  assert.equal(out, 'namespace 1\nnamespace 1\n');
  assert.equal(err, 'RTNETLINK answers: File exists\nCommand failed b1.txt:9\n');
  // ip -n v6ipr-test -force -batch b1.txt -> goes on; the unterminated quote on the last line exits 1
  const h2 = harness({ ioam: [{ id: 1 }], files: { 'b1.txt': script } });
  const r2 = await ip(['-n', 'v6ipr-test', '-force', '-batch', 'b1.txt'], h2);
  assert.equal(r2[0], 1);
  assert.equal(r2[2], 'RTNETLINK answers: File exists\nCommand failed b1.txt:9\nUnterminated quoted string\n');
  assert.equal(r2[1], 'namespace 1\nnamespace 1\nnamespace 1\nnamespace 30\nnamespace 31\n');
  // ip -n v6ipr-test -force -batch b4.txt: invarg ends ip itself, rc 255
  const h4 = harness({ files: { 'b4.txt': 'ioam namespace add 99 foo\nioam namespace show\n' } });
  assert.deepEqual(await ip(['-force', '-batch', 'b4.txt'], h4), [255, '', 'Error: argument "foo" is wrong: Invalid argument\n']);
  // ip -batch /nonexistent -> rc 1
  assert.deepEqual(await ip(['-batch', '/nonexistent']), [1, '', 'Cannot open file "/nonexistent" for reading: No such file or directory\n']);
  // printf 'xyz\n' | ip -n v6ipr-test -b - -> rc 1
  assert.deepEqual(await ip(['-b', '-'], harness({ files: { '-': 'xyz\n' } })), [
    1,
    '',
    'Object "xyz" is unknown, try "ip help".\nCommand failed -:1\n',
  ]);
  // printf 'ioam namespace \\\n' > b3.txt; ip -n v6ipr-test -batch b3.txt -> rc 0
  assert.deepEqual(await ip(['-batch', 'b3.txt'], harness({ files: { 'b3.txt': 'ioam namespace \\\n' } })), [0, '', 'Missing continuation line\n']);
});

test('a namespace the host cannot open netlink in', async () => {
  const h = harness();
  const host: IpHost = { ...h.host, openNetlink: () => ({ errno: 13 }) };
  assert.deepEqual([await runIp(['link'], host), h.err.text], [1, 'Cannot open netlink socket: Permission denied\n']);
  const h2 = harness({ files: { f: 'link\n' } });
  const host2: IpHost = { ...h2.host, openNetlink: () => ({ errno: 13 }) };
  assert.deepEqual([await runIp(['-batch', 'f'], host2), h2.err.text], [1, 'Cannot open rtnetlink\n']);
});

test('random argv: runIp always resolves to a status and never throws', async () => {
  const words = ['-n', 'v6ipr-test', 'nonexist', '-j', '-p', '-s', '-6', '-f', 'inet6', '-b', 'x', '--', '-', 'ioam', 'io', 'namespace', 'show', 'add', 'data', 'wide', '1', '-1', '0x', 'link', 'help', 'xyz', '-V', '-rc', '-l', ''];
  await fc.assert(
    fc.asyncProperty(fc.array(fc.oneof(fc.constantFrom(...words), fc.string({ maxLength: 6 })), { maxLength: 8 }), async (argv) => {
      const h = harness({ files: { x: argv.join(' ') } });
      const rc = await runIp(argv, h.host);
      assert.ok(Number.isInteger(rc) && rc >= 0 && rc <= 255);
    }),
    { numRuns: 400 },
  );
});
