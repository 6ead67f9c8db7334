// `ip ioam` through runIp, a Kernel and the in-process transport. Expected texts and statuses
// come from iproute2 6.1.0's `ip` on Linux 6.18 in a throwaway namespace (`ip netns add x;
// ip -n x ioam ...`); test/interop/ip-ioam.test.ts replays the same commands against the kernel.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { MemoryOutput } from '../cli/output.ts';
import { Kernel } from '../kernel.ts';
import { IOAM6_GENL_EV_GRP_OFFSET, ioam6Exit } from '../ipv6/ioam6-genl.ts';
import type { Net } from '../net/net.ts';
import { genlmsgEnd, genlmsgMulticastNetns, genlmsgNew, genlmsgPut } from '../netlink/genetlink.ts';
import { rootCredentials, unprivilegedCredentials, type Credentials } from '../net/credentials.ts';
import { emitNetlinkAck, emitNetlinkDone } from '../netlink/errors.ts';
import { ioam6AddNamespaceRequest, ioam6AddSchemaRequest, ioam6DumpNamespacesRequest } from '../netlink/ioam6-client.ts';
import { NlMsgBuilder } from '../netlink/message.ts';
import { EAGAIN, ENOENT, ESRCH } from '../uapi/errno.ts';
import { CTRL_ATTR_FAMILY_ID, CTRL_CMD_NEWFAMILY, GENL_ID_CTRL } from '../uapi/genetlink.ts';
import {
  IOAM6_CMD_DUMP_NAMESPACES,
  IOAM6_EVENT_ATTR_TRACE_DATA,
  IOAM6_EVENT_ATTR_TRACE_NAMESPACE,
  IOAM6_EVENT_ATTR_TRACE_NODELEN,
  IOAM6_EVENT_ATTR_TRACE_TYPE,
  IOAM6_EVENT_TRACE,
} from '../uapi/ioam6_genl.ts';
import { NETLINK_ADD_MEMBERSHIP, NETLINK_GENERIC, NLM_F_ACK, NLM_F_MULTI, NLM_F_REQUEST, SOL_NETLINK } from '../uapi/netlink.ts';
import { u32le } from '../wire/bytes.ts';
import { IprouteExit } from './cmdline.ts';
import { createIoamObject, doIoam, IOAM_USAGE, IOAM_USAGE_MONITOR, parseIoamArgs, type NetlinkListenTransport } from './ioam.ts';
import { runIp, type IpHost, type NetlinkTransport } from './ip.ts';
import { InProcessTransport } from './transport.ts';

const NS = 'v6ioam';

/** A kernel with namespace NS, and `ip` run as root (or with `cred`) against it. */
class Rig {
  readonly kernel = new Kernel();
  /** Every request sent on a NETLINK_GENERIC socket, in order. */
  readonly sent: Uint8Array[] = [];

  constructor() {
    const net = this.kernel.world.createNet(NS);
    assert.ok(net.ok);
  }

  host(out: MemoryOutput, err: MemoryOutput, cred?: Credentials): IpHost {
    const world = this.kernel.world;
    const credentials = cred ?? rootCredentials(world.initUserNs);
    return {
      out,
      err,
      objects: { ioam: doIoam },
      enterNetns: (name) => (world.byName(name) === undefined ? ENOENT : 0),
      openNetlink: (protocol, netns) => {
        const net = netns === undefined ? world.initNet : world.byName(netns);
        if (net === undefined) return { errno: ENOENT };
        const t = InProcessTransport.open(this.kernel.netlink, net, protocol, credentials);
        if (!(t instanceof InProcessTransport) || protocol !== NETLINK_GENERIC) return t;
        const sent = this.sent;
        const recording: NetlinkTransport = {
          protocol,
          request: (msg) => {
            sent.push(msg.slice());
            return t.request(msg);
          },
          close: () => t.close(),
        };
        return recording;
      },
    };
  }

  /** `ip -n NS ARGV` (global options first, as given): [status, stdout, stderr]. */
  async ip(argv: string[], cred?: Credentials): Promise<[number, string, string]> {
    const out = new MemoryOutput();
    const err = new MemoryOutput();
    const i = argv.indexOf('ioam');
    const full = i < 0 ? ['-n', NS, ...argv] : ['-n', NS, ...argv.slice(0, i), ...argv.slice(i)];
    const rc = await runIp(full, this.host(out, err, cred));
    return [rc, out.text, err.text];
  }

  ioam(...args: string[]): Promise<[number, string, string]> {
    return this.ip(['ioam', ...args]);
  }

  /** What `namespace show` and `schema show` print: the namespace's whole IOAM state. */
  async state(): Promise<string> {
    const [r1, ns] = await this.ioam('namespace', 'show');
    const [r2, sc] = await this.ioam('schema', 'show');
    assert.equal(r1 + r2, 0);
    return ns + sc;
  }
}

const OK: [number, string, string] = [0, '', ''];

test('namespaces and schemas: add, duplicates, unknown ids, links, show (text, -j, -j -p)', async () => {
  const r = new Rig();
  assert.deepEqual(await r.ioam('namespace', 'add', '1', 'data', '0xdeadbeef', 'wide', '0xcafec0caf00dc0de'), OK);
  assert.deepEqual(await r.ioam('namespace', 'add', '1'), [1, '', 'RTNETLINK answers: File exists\n']);
  assert.deepEqual(await r.ioam('namespace', 'add', '2', 'wide', '5'), OK);
  assert.deepEqual(await r.ioam('namespace', 'del', '9'), [1, '', 'RTNETLINK answers: No such file or directory\n']);
  assert.deepEqual(await r.ioam('schema', 'add', '7', 'tiny'), OK);
  assert.deepEqual(await r.ioam('schema', 'add', '7', 'tiny'), [1, '', 'RTNETLINK answers: File exists\n']);
  assert.deepEqual(await r.ioam('schema', 'add', '8', ''), OK);
  assert.deepEqual(await r.ioam('namespace', 'set', '1', 'schema', '7'), OK);
  // Linking schema 7 to namespace 2 moves it: namespace 1 loses it.
  assert.deepEqual(await r.ioam('namespace', 'set', '2', 'schema', '7'), OK);
  assert.deepEqual(await r.ioam('namespace', 'set', '2', 'schema', '99'), [1, '', 'RTNETLINK answers: No such file or directory\n']);
  assert.deepEqual(await r.ioam('namespace', 'set', '99', 'schema', '7'), [1, '', 'RTNETLINK answers: No such file or directory\n']);
  assert.deepEqual(await r.ioam('namespace', 'set', '1', 'schema', 'none'), OK);
  assert.deepEqual(await r.ioam('namespace', 'set', '1', 'schema', 'none'), OK);
  assert.deepEqual(await r.ioam('namespace', 'set', '1', 'schema', '7'), OK);
  assert.deepEqual(await r.ioam('namespace', 'show'), [
    0,
    'namespace 1 [schema 7], data 0xdeadbeef, wide 0xcafec0caf00dc0de\nnamespace 2, wide 0x0000000000000005\n',
    '',
  ]);
  // Words after a complete command are ignored.
  assert.deepEqual(await r.ioam('schema', 'show', 'extra'), [0, 'schema 7 [namespace 1], data: 74 69 6e 79\nschema 8, data:\n', '']);
  assert.deepEqual(await r.ip(['-j', 'ioam', 'namespace', 'show']), [
    0,
    '[{"namespace":1,"schema":7,"data":"deadbeef","wide":"0xcafec0caf00dc0de"},{"namespace":2,"wide":"0x5"}]\n',
    '',
  ]);
  assert.deepEqual(await r.ip(['-j', '-p', 'ioam', 'schema', 'show']), [
    0,
    '[ {\n        "schema": 7,\n        "namespace": 1,\n        "data": null,\n        "": 116,\n        "": 105,\n' +
      '        "": 110,\n        "": 121\n    },{\n        "schema": 8,\n        "data": null\n    } ]\n',
    '',
  ]);
  assert.deepEqual(await r.ioam('schema', 'del', '7'), OK);
  assert.deepEqual(await r.ioam('schema', 'del', '7'), [1, '', 'RTNETLINK answers: No such file or directory\n']);
  assert.deepEqual(await r.ioam('namespace', 'show'), [
    0,
    'namespace 1, data 0xdeadbeef, wide 0xcafec0caf00dc0de\nnamespace 2, wide 0x0000000000000005\n',
    '',
  ]);
  assert.deepEqual(await r.ioam('namespace', 'del', '0x1'), OK);
  assert.deepEqual(await r.ioam('namespace', 'show'), [0, 'namespace 2, wide 0x0000000000000005\n', '']);
});

test('empty tables: nothing in text, [] in JSON, "[ ]" pretty', async () => {
  const r = new Rig();
  assert.deepEqual(await r.ioam('namespace', 'show'), OK);
  assert.deepEqual(await r.ip(['-j', 'ioam', 'namespace', 'show']), [0, '[]\n', '']);
  assert.deepEqual(await r.ip(['-j', '-p', 'ioam', 'schema', 'show']), [0, '[ ]\n', '']);
});

test('the namespace of -n is the one changed; the initial one stays empty', async () => {
  const r = new Rig();
  assert.deepEqual(await r.ioam('namespace', 'add', '5'), OK);
  const out = new MemoryOutput();
  const err = new MemoryOutput();
  assert.equal(await runIp(['ioam', 'namespace', 'show'], r.host(out, err)), 0);
  assert.equal(out.text, '');
  assert.deepEqual(await r.ioam('namespace', 'show'), [0, 'namespace 5\n', '']);
});

test('schema data: up to IOAM6_MAX_SCHEMA_DATA_LEN bytes of the argument, as sent', async () => {
  const r = new Rig();
  const big = 'a'.repeat(1021);
  assert.deepEqual(await r.ioam('schema', 'add', '9', big), [255, '', `Error: argument "${big}" is wrong: Schema DATA too big\n`]);
  assert.deepEqual(await r.ioam('schema', 'add', '9', 'a'.repeat(1020)), OK);
  const [rc, out] = await r.ioam('schema', 'show');
  assert.equal(rc, 0);
  assert.equal(out, `schema 9, data:${' 61'.repeat(1020)}\n`);
  // Bytes, not characters, count: 511 two-byte characters are 1022 bytes.
  const wide = 'é'.repeat(511);
  assert.deepEqual(await r.ioam('schema', 'add', '10', wide), [255, '', `Error: argument "${wide}" is wrong: Schema DATA too big\n`]);
  assert.deepEqual(await r.ioam('schema', 'add', '10', 'é'), OK);
  // The kernel stores the data padded to a multiple of 4 bytes, and dumps the padding.
  assert.match((await r.ioam('schema', 'show'))[1], /^schema 10, data: c3 a9 00 00$/m);
});

test('argument errors: iproute2 6.1 texts, status 255, nothing sent', async () => {
  const r = new Rig();
  const incomplete = 'Command line is not complete. Try option "help"\n';
  const wrong = (arg: string, msg: string): string => `Error: argument "${arg}" is wrong: ${msg}\n`;
  const cases: [string[], string][] = [
    [[], IOAM_USAGE],
    [['help'], IOAM_USAGE],
    [['help', 'me'], IOAM_USAGE],
    [['namespace'], incomplete],
    [['schema'], incomplete],
    [['foo'], wrong('foo', 'Unknown')],
    [['monitor'], wrong('monitor', 'Unknown')], // 6.1 has no monitor
    [['names', 'add', '1'], wrong('names', 'Unknown')], // strcmp: no abbreviations
    [['namespace', 'sh'], wrong('sh', 'Unknown')],
    [['namespace', 'add'], incomplete],
    [['namespace', 'add', '70000'], wrong('70000', 'Invalid namespace ID')],
    [['namespace', 'add', '-1'], wrong('-1', 'Invalid namespace ID')],
    [['namespace', 'add', ''], wrong('', 'Invalid namespace ID')],
    [['namespace', 'add', '1', 'data'], incomplete],
    [['namespace', 'add', '1', 'data', '0x1ffffffff'], wrong('0x1ffffffff', 'Invalid data')],
    [['namespace', 'add', '1', 'wide', '0x1ffffffffffffffff'], wrong('0x1ffffffffffffffff', 'Invalid wide data')],
    [['namespace', 'add', '1', 'wide', 'zz'], wrong('zz', 'Invalid wide data')],
    [['namespace', 'add', '1', 'bogus', '1'], wrong('bogus', 'Invalid argument')],
    [['namespace', 'add', '1', 'wide', '1', 'wide', '2'], wrong('wide', 'Unexpected argument')],
    [['namespace', 'add', '1', 'data', '1', 'data', '2'], wrong('data', 'Unexpected argument')],
    [['namespace', 'add', '4', 'wide', '1', 'data', '3'], wrong('data', 'Unexpected argument')],
    [['namespace', 'add', '3', 'data', '7', 'wide'], incomplete],
    [['namespace', 'del'], incomplete],
    [['namespace', 'del', '65536'], wrong('65536', 'Invalid namespace ID')],
    [['namespace', 'set', '1'], incomplete],
    [['namespace', 'set', '1', 'sch', '2'], wrong('sch', 'Unknown')],
    [['namespace', 'set', '1', 'schema'], incomplete],
    [['namespace', 'set', '1', 'schema', 'nothing'], wrong('nothing', 'Invalid schema ID')],
    [['namespace', 'set', 'x', 'schema', '1'], wrong('x', 'Invalid namespace ID')],
    [['schema', 'add', '0x10'], incomplete],
    [['schema', 'add', '4294967296', 'x'], wrong('4294967296', 'Invalid schema ID')],
    [['schema', 'del', '1.5'], wrong('1.5', 'Invalid schema ID')],
    [['schema', 'rm', '1'], wrong('rm', 'Unknown')],
  ];
  for (const [args, stderr] of cases) {
    assert.deepEqual(await r.ioam(...args), [255, '', stderr], args.join(' '));
  }
  assert.equal(r.sent.length, 0);
});

test('numbers: get_u16/get_u32 in base 0, wide data in base 16', async () => {
  const r = new Rig();
  assert.deepEqual(await r.ioam('namespace', 'add', '010', 'data', '0x10', 'wide', 'ff'), OK);
  assert.deepEqual(await r.ioam('namespace', 'add', '0xffff', 'data', '4294967295', 'wide', '-1'), OK);
  assert.deepEqual(await r.ioam('namespace', 'show'), [
    0,
    // All-ones data is IOAM6_U32_UNAVAILABLE / IOAM6_U64_UNAVAILABLE: the kernel leaves it out.
    'namespace 8, data 0x00000010, wide 0x00000000000000ff\nnamespace 65535\n',
    '',
  ]);
  assert.deepEqual(await r.ioam('namespace', 'add', '0', 'data', '0'), OK);
  // %#010x of 0 has no 0x prefix (C's # flag), %#018lx likewise.
  assert.deepEqual(await r.ioam('namespace', 'add', '1', 'wide', '0'), OK);
  const [, out] = await r.ioam('namespace', 'show');
  assert.match(out, /^namespace 0, data 0000000000$/m);
  assert.match(out, /^namespace 1, wide 000000000000000000$/m);
});

test('the requests are iproute2\'s: CTRL_CMD_GETFAMILY, then the IOAM6 command', async () => {
  const r = new Rig();
  assert.deepEqual(await r.ioam('namespace', 'add', '1', 'data', '2', 'wide', '3'), OK);
  assert.deepEqual(await r.ioam('schema', 'add', '7', 'tiny'), OK);
  assert.deepEqual(await r.ioam('namespace', 'show'), [0, 'namespace 1, data 0x00000002, wide 0x0000000000000003\n', '']);
  assert.equal(r.sent.length, 6);
  const fam = r.kernel.ioam6.family.id;
  // GENL_REQUEST(GENL_ID_CTRL, version 0, CTRL_CMD_GETFAMILY, NLM_F_REQUEST) + "IOAM6\0".
  const getFamily = r.sent[0];
  assert.ok(getFamily !== undefined);
  const seq = u32le(getFamily, 8);
  assert.deepEqual(
    [...getFamily],
    [
      ...[32, 0, 0, 0, GENL_ID_CTRL, 0, NLM_F_REQUEST, 0, seq & 0xff, (seq >>> 8) & 0xff, (seq >>> 16) & 0xff, seq >>> 24, 0, 0, 0, 0],
      ...[3, 0, 0, 0],
      ...[10, 0, 2, 0, 0x49, 0x4f, 0x41, 0x4d, 0x36, 0, 0, 0],
    ],
  );
  const withSeq = (i: number): number => u32le(r.sent[i] ?? new Uint8Array(12), 8);
  assert.deepEqual(r.sent[1], ioam6AddNamespaceRequest({ familyId: fam, seq: withSeq(1) }, { id: 1, data: 2, dataWide: 3n }));
  assert.deepEqual(r.sent[3], ioam6AddSchemaRequest({ familyId: fam, seq: withSeq(3) }, 7, new TextEncoder().encode('tiny')));
  assert.deepEqual(r.sent[5], ioam6DumpNamespacesRequest({ familyId: fam, seq: withSeq(5) }));
  assert.equal((r.sent[1]?.[6] ?? 0) & NLM_F_ACK, NLM_F_ACK);
});

test('without CAP_NET_ADMIN: EPERM from the kernel, the dump ends with "Dump terminated"', async () => {
  const r = new Rig();
  const nobody = unprivilegedCredentials(r.kernel.world.initUserNs, 65534);
  const eperm = 'RTNETLINK answers: Operation not permitted\n';
  assert.deepEqual(await r.ip(['ioam', 'namespace', 'add', '10'], nobody), [1, '', eperm]);
  assert.deepEqual(await r.ip(['ioam', 'schema', 'add', '1', 'x'], nobody), [1, '', eperm]);
  assert.deepEqual(await r.ip(['ioam', 'namespace', 'show'], nobody), [1, '', `${eperm}Dump terminated\n`]);
  assert.deepEqual(await r.state(), '');
});

test('a kernel without the IOAM6 family: "Error talking to the kernel", status 1', async () => {
  const r = new Rig();
  ioam6Exit(r.kernel.world, r.kernel.ioam6);
  assert.deepEqual(await r.ioam('namespace', 'show'), [1, '', 'RTNETLINK answers: No such file or directory\nError talking to the kernel\n']);
  assert.deepEqual(await r.ioam('help'), [255, '', IOAM_USAGE]);
});

test('batch: a failing ioam line stops the batch unless -force', async () => {
  const r = new Rig();
  const files: Record<string, string> = { cmds: 'ioam namespace add 1\nioam namespace add 1\nioam namespace add 2\n' };
  const run = async (argv: string[]): Promise<[number, string]> => {
    const out = new MemoryOutput();
    const err = new MemoryOutput();
    const host: IpHost = { ...r.host(out, err), readBatchFile: (name) => files[name] ?? { errno: ENOENT } };
    return [await runIp(argv, host), err.text];
  };
  assert.deepEqual(await run(['-n', NS, '-b', 'cmds']), [1, 'RTNETLINK answers: File exists\nCommand failed cmds:2\n']);
  assert.deepEqual(await r.ioam('namespace', 'show'), [0, 'namespace 1\n', '']);
  assert.deepEqual(await run(['-n', NS, '-force', '-b', 'cmds']), [
    1,
    'RTNETLINK answers: File exists\nCommand failed cmds:1\nRTNETLINK answers: File exists\nCommand failed cmds:2\n',
  ]);
  assert.deepEqual(await r.ioam('namespace', 'show'), [0, 'namespace 1\nnamespace 2\n', '']);
});

/** One IOAM6 dump entry of family `type` whose attributes `fill` writes. */
function entry(type: number, seq: number, fill: (b: NlMsgBuilder) => void): Uint8Array {
  const b = new NlMsgBuilder();
  b.beginMessage(type, NLM_F_MULTI, seq, 77);
  b.putGenlHeader(IOAM6_CMD_DUMP_NAMESPACES, 1);
  fill(b);
  b.finish();
  return b.toBytes();
}

/** A fake generic netlink kernel: IOAM6 is family 0x30, and dumps answer with `entries(seq)`. */
function fakeHost(out: MemoryOutput, err: MemoryOutput, entries: (seq: number) => Uint8Array): IpHost {
  const sock = { portid: 77, extAck: true } as const;
  const answer = (req: Uint8Array): Uint8Array[] => {
    const b = new NlMsgBuilder();
    if (req[4] === GENL_ID_CTRL) {
      b.beginMessage(GENL_ID_CTRL, 0, u32le(req, 8), sock.portid);
      b.putGenlHeader(CTRL_CMD_NEWFAMILY, 2);
      b.putU16(CTRL_ATTR_FAMILY_ID, 0x30);
      b.finish();
      return [b.toBytes()];
    }
    emitNetlinkDone(b, req, 0, 0, undefined, sock);
    return [entries(u32le(req, 8)), b.toBytes()];
  };
  const ack = (req: Uint8Array): Uint8Array[] => {
    const b = new NlMsgBuilder();
    emitNetlinkAck(b, req, 0, 0, undefined, sock);
    return [b.toBytes()];
  };
  const transport = (protocol: number): NetlinkTransport => ({
    protocol,
    request: (msg) => Promise.resolve(protocol === NETLINK_GENERIC ? answer(msg) : ack(msg)),
    close: () => undefined,
  });
  return { out, err, objects: { ioam: doIoam }, enterNetns: () => 0, openNetlink: (p) => transport(p) };
}

async function showWith(entries: (seq: number) => Uint8Array): Promise<[number, string, string]> {
  const out = new MemoryOutput();
  const err = new MemoryOutput();
  const rc = await runIp(['ioam', 'namespace', 'show'], fakeHost(out, err, entries));
  return [rc, out.text, err.text];
}

test('dump replies as process_msg reads them: first attribute wins, deficits, foreign messages', async () => {
  const twoIds = (seq: number): Uint8Array =>
    entry(0x30, seq, (b) => {
      b.putU16(1, 4);
      b.putU16(1, 5); // a second NS_ID: parse_rtattr keeps the first
      b.putU32(7, 1); // an attribute of a later kernel is ignored
    });
  assert.deepEqual(await showWith(twoIds), [0, 'namespace 4\n', '']);
  // A message of another family ends the dump (process_msg returns -1).
  assert.deepEqual(await showWith((seq) => entry(0x31, seq, (b) => b.putU16(1, 4))), [1, '', 'Dump terminated\n']);
  // nlmsg_len claims two bytes past the last attribute: libnetlink's "!!!Deficit" warning.
  const deficit = (seq: number): Uint8Array => {
    const m = entry(0x30, seq, (b) => b.putU16(1, 9));
    const out = new Uint8Array(m.length + 4);
    out.set(m);
    out[0] = m.length + 2;
    return out;
  };
  assert.deepEqual(await showWith(deficit), [0, 'namespace 9\n', '!!!Deficit 2, rta_len=0\n']);
});

test('parseIoamArgs: the parsed commands', () => {
  assert.deepEqual(parseIoamArgs(['namespace', 'add', '1', 'data', '2']), { cmd: 'namespace-add', id: 1, data: 2 });
  assert.deepEqual(parseIoamArgs(['namespace', 'add', '1', 'wide', '10']), { cmd: 'namespace-add', id: 1, wide: 16n });
  assert.deepEqual(parseIoamArgs(['namespace', 'set', '1', 'schema', 'none']), { cmd: 'namespace-set', id: 1, schema: 'none' });
  assert.deepEqual(parseIoamArgs(['namespace', 'set', '1', 'schema', '0']), { cmd: 'namespace-set', id: 1, schema: 0 });
  assert.deepEqual(parseIoamArgs(['schema', 'del', '0x20']), { cmd: 'schema-del', id: 32 });
  assert.deepEqual(parseIoamArgs(['schema', 'add', '1', 'a\0b']), { cmd: 'schema-add', id: 1, data: Uint8Array.of(0x61) });
  assert.deepEqual(parseIoamArgs(['namespace', 'show', 'x']), { cmd: 'namespace-show' });
  assert.throws(() => parseIoamArgs(['schema']), (e) => e instanceof IprouteExit && e.code === 255);
});

const WORDS = ['namespace', 'schema', 'show', 'add', 'del', 'set', 'data', 'wide', 'none', 'help', '0', '1', '7', '0x10', '65535', '65536', '-1', 'ff', ''];

test('random argv after ioam: no exception but IprouteExit, and a rejected command changes nothing', async () => {
  const r = new Rig();
  await r.ioam('namespace', 'add', '1', 'data', '5');
  await r.ioam('schema', 'add', '7', 'x');
  const word = fc.oneof(fc.constantFrom(...WORDS), fc.string({ maxLength: 6 }), fc.nat({ max: 70000 }).map(String));
  await fc.assert(
    fc.asyncProperty(fc.array(word, { maxLength: 7 }), async (args) => {
      const before = await r.state();
      const [rc] = await r.ioam(...args); // runIp rethrows anything that is not an IprouteExit
      if (rc !== 0) assert.equal(await r.state(), before, args.join(' '));
    }),
    { numRuns: 300 },
  );
});

// ---------------------------------------------------------------------------------------------
// iproute2 6.9's `ip ioam monitor` (createIoamObject({ monitor: true }))

const withMonitor = createIoamObject({ monitor: true });

/**
 * A listening transport over the in-process socket. When nothing is queued, `idle` runs once
 * (the test multicasts its events there); after that an empty queue is the end of the stream.
 */
function listener(t: InProcessTransport, idle: () => void): NetlinkListenTransport {
  let pending: (() => void) | undefined = idle;
  const sock = t.socket;
  return {
    protocol: t.protocol,
    request: (msg) => t.request(msg),
    close: () => t.close(),
    addMembership: (group) => sock.setsockopt(SOL_NETLINK, NETLINK_ADD_MEMBERSHIP, group),
    receive: () => {
      for (;;) {
        const r = sock.recvmsg();
        if (r instanceof Uint8Array) return Promise.resolve(r);
        if (r !== -EAGAIN) return Promise.resolve({ errno: -r });
        const run = pending;
        pending = undefined;
        if (run === undefined) return Promise.resolve(undefined);
        run();
      }
    },
  };
}

/** An IOAM6_EVENT_TRACE as ioam6_event() builds it: namespace, NodeLen, type, the filled data. */
function traceEvent(k: Kernel, net: Net, cmd: number, ns: number, nodeLen: number, type: number, data: Uint8Array): number {
  const skb = genlmsgNew();
  assert.ok(genlmsgPut(skb, 0, 0, k.ioam6.family, 0, cmd) >= 0);
  skb.b.putU16(IOAM6_EVENT_ATTR_TRACE_NAMESPACE, ns);
  skb.b.putU8(IOAM6_EVENT_ATTR_TRACE_NODELEN, nodeLen);
  skb.b.putU32(IOAM6_EVENT_ATTR_TRACE_TYPE, type);
  skb.b.put(IOAM6_EVENT_ATTR_TRACE_DATA, data);
  assert.ok(genlmsgEnd(skb));
  return genlmsgMulticastNetns(k.ioam6.family, net, skb, 0, IOAM6_GENL_EV_GRP_OFFSET);
}

async function monitor(
  k: Kernel,
  opts: { cred?: Credentials; listen?: boolean; idle?: (net: Net) => void } = {},
): Promise<[number, string, string]> {
  const world = k.world;
  const out = new MemoryOutput();
  const err = new MemoryOutput();
  const host: IpHost = {
    out,
    err,
    objects: { ioam: withMonitor },
    enterNetns: (name) => (world.byName(name) === undefined ? ENOENT : 0),
    openNetlink: (protocol, netns) => {
      const net = (netns === undefined ? world.initNet : world.byName(netns)) ?? world.initNet;
      const t = InProcessTransport.open(k.netlink, net, protocol, opts.cred ?? rootCredentials(world.initUserNs));
      if (!(t instanceof InProcessTransport) || protocol !== NETLINK_GENERIC || opts.listen === false) return t;
      return listener(t, () => opts.idle?.(net));
    },
  };
  const rc = await runIp(['-n', NS, 'ioam', 'monitor'], host);
  return [rc, out.text, err.text];
}

test('monitor: usage gains its line; 6.1 refuses the word', async () => {
  const out = new MemoryOutput();
  const err = new MemoryOutput();
  const k = new Kernel();
  const host: IpHost = { out, err, objects: { ioam: withMonitor }, enterNetns: () => 0, openNetlink: (p) => InProcessTransport.open(k.netlink, k.world.initNet, p, rootCredentials(k.world.initUserNs)) };
  assert.equal(await runIp(['ioam', 'help'], host), 255);
  assert.equal(err.text, IOAM_USAGE_MONITOR);
  assert.ok(IOAM_USAGE_MONITOR.endsWith('\tip ioam namespace set ID schema { ID | none }\n\tip ioam monitor\n'));
  assert.throws(() => parseIoamArgs(['monitor']), (e) => e instanceof IprouteExit && e.stderr === 'Error: argument "monitor" is wrong: Unknown\n');
  assert.deepEqual(parseIoamArgs(['monitor', 'extra'], { monitor: true }), { cmd: 'monitor' });
});

test('monitor: prints each trace event of its namespace as 6.9 does, until the stream ends', async () => {
  const r = new Rig();
  const k = r.kernel;
  const data = Uint8Array.of(0x00, 0x2a, 0xbe, 0xef, 0xde, 0xad, 0xbe, 0xef);
  const result = await monitor(k, {
    idle: (net) => {
      assert.equal(traceEvent(k, net, IOAM6_EVENT_TRACE, 123, 2, 0xc00000, data), 0);
      // Another event type is read and skipped; the initial namespace's listeners are not ours.
      assert.equal(traceEvent(k, net, 2, 1, 1, 1, new Uint8Array(0)), 0);
      assert.equal(traceEvent(k, k.world.initNet, IOAM6_EVENT_TRACE, 9, 1, 0x800000, Uint8Array.of(1, 2, 3, 4)), -ESRCH);
      assert.equal(traceEvent(k, net, IOAM6_EVENT_TRACE, 0xffff, 1, 0x800000, Uint8Array.of(0, 0, 0, 1)), 0);
    },
  });
  assert.deepEqual(result, [
    1,
    '[TRACE] Namespace=123 NodeLen=2 Type=0xc00000 Data=002abeefdeadbeef\n[TRACE] Namespace=65535 NodeLen=1 Type=0x800000 Data=00000001\n',
    'EOF on netlink\n',
  ]);
});

test('monitor: the group needs CAP_NET_ADMIN; a transport that cannot listen is refused', async () => {
  const k = new Rig().kernel;
  const nobody = unprivilegedCredentials(k.world.initUserNs, 65534);
  assert.deepEqual(await monitor(k, { cred: nobody }), [1, '', "can't subscribe to ioam6 events: Operation not permitted\n"]);
  assert.deepEqual(await monitor(k, { listen: false }), [1, '', "can't subscribe to ioam6 events: Operation not supported\n"]);
});
