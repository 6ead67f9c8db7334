/**
 * `ip ioam`: iproute2 6.1.0's ip/ipioam6.c over the "IOAM6" generic netlink family.
 *
 *   ip ioam namespace show
 *   ip ioam namespace add ID [ data DATA32 ] [ wide DATA64 ]
 *   ip ioam namespace del ID
 *   ip ioam schema show
 *   ip ioam schema add ID DATA
 *   ip ioam schema del ID
 *   ip ioam namespace set ID schema { ID | none }
 *
 * Parsing is 6.1's: keywords are compared whole (strcmp, so `ip ioam names add 1` is `Error:
 * argument "names" is wrong: Unknown`), words after a complete command are ignored, ids go
 * through get_u16/get_u32 (base 0: decimal, 0x hex, 0 octal), `data` through get_u32 and `wide`
 * through get_u64 in base 16, and schema data is the argument's bytes (at most
 * IOAM6_MAX_SCHEMA_DATA_LEN, else "Schema DATA too big"). Parsing ends before any socket is
 * opened, so a rejected command never reaches the kernel.
 *
 * The family id is resolved as libgenl.c's genl_init_handle does: a NETLINK_GENERIC socket and
 * CTRL_CMD_GETFAMILY; any failure there ends the program with status 1 ("Error talking to the
 * kernel" after the kernel's error). Requests are answered through rtnl_talk (status 1 after
 * `RTNETLINK answers: ...` or `Error: ...` from the extended ack); a failed dump prints "Dump
 * terminated" and exits 1.
 *
 * `ip ioam monitor` is not in 6.1 (iproute2 6.9 added it), so `doIoam` answers it as 6.1 does:
 * `Error: argument "monitor" is wrong: Unknown`. `createIoamObject({ monitor: true })` is 6.9's
 * object instead: the usage gains the `ip ioam monitor` line, and `monitor` joins the
 * "ioam6_events" group (genl_add_mcast_grp) and prints each IOAM6_EVENT_TRACE as
 * `[TRACE] Namespace=N NodeLen=N Type=0x... Data=hex` until the stream ends (rtnl_listen). It
 * needs a transport that can listen (`NetlinkListenTransport`: the daemon's DaemonTransport,
 * or a wrapper over an in-process socket). print_trace uses printf, so -j changes nothing.
 * Type is the attribute as sent: Linux sends the trace type shifted left by 8 (Type=0xf0000000
 * for 0xf00000, see src/ipv6/ioam6-events.ts).
 *
 * Where iproute2 would dereference a missing attribute (a kernel reply without
 * IOAM6_ATTR_NS_ID or IOAM6_ATTR_SC_DATA), the value prints as 0 / no data instead.
 */

import { NlMsgBuilder, type NlMsgView } from '../netlink/message.ts';
import {
  ioam6AddNamespaceRequest,
  ioam6AddSchemaRequest,
  ioam6DelNamespaceRequest,
  ioam6DelSchemaRequest,
  ioam6DumpNamespacesRequest,
  ioam6DumpSchemasRequest,
  ioam6NsSetSchemaRequest,
  type Ioam6RequestHeader,
} from '../netlink/ioam6-client.ts';
import { EINVAL, ENOBUFS, ENOENT, EOPNOTSUPP, strerror } from '../uapi/errno.ts';
import {
  CTRL_ATTR_FAMILY_ID,
  CTRL_ATTR_FAMILY_NAME,
  CTRL_ATTR_MAX,
  CTRL_ATTR_MCAST_GROUPS,
  CTRL_ATTR_MCAST_GRP_ID,
  CTRL_ATTR_MCAST_GRP_MAX,
  CTRL_ATTR_MCAST_GRP_NAME,
  CTRL_CMD_GETFAMILY,
  CTRL_CMD_NEWFAMILY,
  GENL_HDRLEN,
  GENL_ID_CTRL,
} from '../uapi/genetlink.ts';
import {
  IOAM6_ATTR_MAX,
  IOAM6_ATTR_NS_DATA,
  IOAM6_ATTR_NS_DATA_WIDE,
  IOAM6_ATTR_NS_ID,
  IOAM6_ATTR_SC_DATA,
  IOAM6_ATTR_SC_ID,
  IOAM6_CMD_DUMP_NAMESPACES,
  IOAM6_CMD_DUMP_SCHEMAS,
  IOAM6_EVENT_ATTR_MAX,
  IOAM6_EVENT_ATTR_TRACE_DATA,
  IOAM6_EVENT_ATTR_TRACE_NAMESPACE,
  IOAM6_EVENT_ATTR_TRACE_NODELEN,
  IOAM6_EVENT_ATTR_TRACE_TYPE,
  IOAM6_EVENT_TRACE,
  IOAM6_GENL_EV_GRP_NAME,
  IOAM6_GENL_NAME,
  IOAM6_MAX_SCHEMA_DATA_LEN,
} from '../uapi/ioam6_genl.ts';
import { NETLINK_GENERIC, NLM_F_REQUEST, NLMSG_HDRLEN } from '../uapi/netlink.ts';
import { u32le } from '../wire/bytes.ts';
import { u16le } from '../wire/bytes.ts';
import { Args, exitWith, getU16, getU32, getU64, invarg, sprintf, type TextSink } from './cmdline.ts';
import { RtnlHandle, type IpContext, type IpObjectHandler, type NetlinkTransport } from './ip.ts';
import { PRINT_ANY } from './json.ts';

/** ipioam6.c usage(): printed to stderr, exit(-1). */
export const IOAM_USAGE =
  'Usage:\tip ioam { COMMAND | help }\n' +
  '\tip ioam namespace show\n' +
  '\tip ioam namespace add ID [ data DATA32 ] [ wide DATA64 ]\n' +
  '\tip ioam namespace del ID\n' +
  '\tip ioam schema show\n' +
  '\tip ioam schema add ID DATA\n' +
  '\tip ioam schema del ID\n' +
  '\tip ioam namespace set ID schema { ID | none }\n';

/** 6.9's usage: 6.1's and the monitor line. */
export const IOAM_USAGE_MONITOR = `${IOAM_USAGE}\tip ioam monitor\n`;

/** Which `ip ioam` to be: 6.1's (no monitor) or 6.9's (with `monitor`). */
export interface IoamObjectOptions {
  readonly monitor: boolean;
}

/** One parsed `ip ioam` command line. */
export type IoamCommand =
  | { readonly cmd: 'namespace-show' }
  | { readonly cmd: 'namespace-add'; readonly id: number; readonly data?: number; readonly wide?: bigint }
  | { readonly cmd: 'namespace-del'; readonly id: number }
  | { readonly cmd: 'namespace-set'; readonly id: number; readonly schema: number | 'none' }
  | { readonly cmd: 'schema-show' }
  | { readonly cmd: 'schema-add'; readonly id: number; readonly data: Uint8Array }
  | { readonly cmd: 'schema-del'; readonly id: number }
  | { readonly cmd: 'monitor' };

function nsId(arg: string): number {
  const v = getU16(arg, 0);
  if (v === undefined) invarg('Invalid namespace ID', arg);
  return v;
}

function scId(arg: string): number {
  const v = getU32(arg, 0);
  if (v === undefined) invarg('Invalid schema ID', arg);
  return v;
}

function wideData(arg: string): bigint {
  const v = getU64(arg, 16);
  if (v === undefined) invarg('Invalid wide data', arg);
  return v;
}

/** The bytes C sees of an argument: its UTF-8 encoding up to the first NUL (strlen). */
function cBytes(arg: string): Uint8Array {
  const b = new TextEncoder().encode(arg);
  const nul = b.indexOf(0);
  return nul === -1 ? b : b.subarray(0, nul);
}

/**
 * do_ioam6's argument parsing. Throws IprouteExit with iproute2's text and status (255) for
 * `help`, no arguments, unknown words, bad numbers and missing arguments.
 */
export function parseIoamArgs(argv: readonly string[], opts: IoamObjectOptions = { monitor: false }): IoamCommand {
  const a = new Args(argv);
  if (a.argc < 1 || a.cur() === 'help') exitWith(-1, opts.monitor ? IOAM_USAGE_MONITOR : IOAM_USAGE);
  const object = a.cur();
  if (object === 'namespace') {
    const verb = a.next();
    if (verb === 'show') return { cmd: 'namespace-show' };
    if (verb === 'add') return parseNamespaceAdd(a);
    if (verb === 'del') return { cmd: 'namespace-del', id: nsId(a.next()) };
    if (verb === 'set') {
      const id = nsId(a.next());
      const kw = a.next();
      if (kw !== 'schema') invarg('Unknown', kw);
      const sc = a.next();
      return { cmd: 'namespace-set', id, schema: sc === 'none' ? 'none' : scId(sc) };
    }
    invarg('Unknown', verb);
  }
  if (object === 'schema') {
    const verb = a.next();
    if (verb === 'show') return { cmd: 'schema-show' };
    if (verb === 'add') {
      const id = scId(a.next());
      const text = a.next();
      const data = cBytes(text);
      if (data.length > IOAM6_MAX_SCHEMA_DATA_LEN) invarg('Schema DATA too big', text);
      return { cmd: 'schema-add', id, data };
    }
    if (verb === 'del') return { cmd: 'schema-del', id: scId(a.next()) };
    invarg('Unknown', verb);
  }
  if (opts.monitor && object === 'monitor') return { cmd: 'monitor' };
  invarg('Unknown', object);
}

/** `namespace add ID [ data DATA32 ] [ wide DATA64 ]`: `wide` may follow `data`, not precede it. */
function parseNamespaceAdd(a: Args): IoamCommand {
  const id = nsId(a.next());
  let data: number | undefined;
  let wide: bigint | undefined;
  if (a.nextOk()) {
    a.fwd();
    const kw = a.cur();
    if (kw === 'data') {
      const arg = a.next();
      data = getU32(arg, 0);
      if (data === undefined) invarg('Invalid data', arg);
    } else if (kw === 'wide') {
      wide = wideData(a.next());
    } else invarg('Invalid argument', kw);
  }
  if (a.nextOk()) {
    a.fwd();
    // Only `data` may be followed by `wide`; a second `wide` after `wide` is unexpected too.
    if (data === undefined || a.cur() !== 'wide') invarg('Unexpected argument', a.cur());
    wide = wideData(a.next());
  }
  return {
    cmd: 'namespace-add',
    id,
    ...(data === undefined ? {} : { data }),
    ...(wide === undefined ? {} : { wide }),
  };
}

// ---------------------------------------------------------------------------------------------
// Attributes as parse_rtattr sees them

/**
 * parse_rtattr over `len` bytes at `at`: the first attribute of each type up to `max` wins, as
 * (offset of its payload, payload length). Leftover bytes print "!!!Deficit" as libnetlink does.
 */
function parseRtattr(bytes: Uint8Array, at: number, len: number, max: number, err: TextSink): (readonly [number, number] | undefined)[] {
  const tb: (readonly [number, number] | undefined)[] = new Array<readonly [number, number] | undefined>(max + 1).fill(undefined);
  let rest = len;
  let o = at;
  while (rest >= 4) {
    const rtaLen = u16le(bytes, o);
    if (rtaLen < 4 || rtaLen > rest) break;
    const type = u16le(bytes, o + 2);
    if (type <= max && tb[type] === undefined) tb[type] = [o + 4, rtaLen - 4];
    const step = (rtaLen + 3) & ~3;
    rest -= step;
    o += step;
  }
  if (rest !== 0) {
    const shown = rest >= 2 ? u16le(bytes, o) : 0;
    err.write(`!!!Deficit ${rest}, rta_len=${shown}\n`);
  }
  return tb;
}

/** rta_getattr_u16/u32/u64 on a payload that may be short: missing bytes read as zero. */
function attrUint(bytes: Uint8Array, a: readonly [number, number] | undefined, size: 2 | 4 | 8): bigint {
  if (a === undefined) return 0n;
  let v = 0n;
  for (let i = size - 1; i >= 0; i--) v = (v << 8n) | BigInt(i < a[1] ? (bytes[a[0] + i] ?? 0) : 0);
  return v;
}

// ---------------------------------------------------------------------------------------------
// Printing (print_namespace, print_schema, process_msg)

type Attrs = (readonly [number, number] | undefined)[];

function printNamespace(ctx: IpContext, bytes: Uint8Array, tb: Attrs): void {
  const p = ctx.print;
  p.printUint(PRINT_ANY, 'namespace', 'namespace %u', Number(attrUint(bytes, tb[IOAM6_ATTR_NS_ID], 2)));
  const sc = tb[IOAM6_ATTR_SC_ID];
  if (sc !== undefined) p.printUint(PRINT_ANY, 'schema', ' [schema %u]', Number(attrUint(bytes, sc, 4)));
  const data = tb[IOAM6_ATTR_NS_DATA];
  if (data !== undefined) p.printHex(PRINT_ANY, 'data', ', data %#010x', Number(attrUint(bytes, data, 4)));
  const wide = tb[IOAM6_ATTR_NS_DATA_WIDE];
  if (wide !== undefined) p.print0xHex(PRINT_ANY, 'wide', ', wide %#018lx', attrUint(bytes, wide, 8));
  p.printNl();
}

function printSchema(ctx: IpContext, bytes: Uint8Array, tb: Attrs): void {
  const p = ctx.print;
  p.printUint(PRINT_ANY, 'schema', 'schema %u', Number(attrUint(bytes, tb[IOAM6_ATTR_SC_ID], 4)));
  const ns = tb[IOAM6_ATTR_NS_ID];
  if (ns !== undefined) p.printUint(PRINT_ANY, 'namespace', ' [namespace %u]', Number(attrUint(bytes, ns, 2)));
  p.printNull(PRINT_ANY, 'data', ', data:', null);
  const d = tb[IOAM6_ATTR_SC_DATA];
  // Each byte is printed with an empty JSON key, as iproute2 does ("": 116).
  if (d !== undefined) for (let i = 0; i < d[1]; i++) p.printHhu(PRINT_ANY, '', ' %02x', bytes[d[0] + i] ?? 0);
  p.printNl();
}

/** process_msg: one dump entry; -1 (ending the dump) for a message of another family. */
function processMsg(ctx: IpContext, familyId: number, msg: NlMsgView): number {
  if (msg.type !== familyId) return -1;
  const len = msg.len - NLMSG_HDRLEN - GENL_HDRLEN;
  if (len < 0) return -1;
  const bytes = msg.bytes;
  const cmd = bytes[msg.payloadOffset] ?? 0;
  const tb = parseRtattr(bytes, msg.payloadOffset + GENL_HDRLEN, len, IOAM6_ATTR_MAX, ctx.err);
  ctx.print.openJsonObject(null);
  if (cmd === IOAM6_CMD_DUMP_NAMESPACES) printNamespace(ctx, bytes, tb);
  else if (cmd === IOAM6_CMD_DUMP_SCHEMAS) printSchema(ctx, bytes, tb);
  ctx.print.closeJsonObject();
  return 0;
}

// ---------------------------------------------------------------------------------------------
// libgenl.c: the family id

/** genl_parse_getfamily: the family id, or -1 after printing why not. */
function parseGetFamily(msg: NlMsgView, err: TextSink): number {
  if (msg.type !== GENL_ID_CTRL) {
    err.write(`Not a controller message, nlmsg_len=${msg.len | 0} nlmsg_type=0x${msg.type.toString(16)}\n`);
    return -1;
  }
  const len = msg.len - NLMSG_HDRLEN - GENL_HDRLEN;
  if (len < 0) {
    err.write(`wrong controller message len ${len}\n`);
    return -1;
  }
  const cmd = msg.bytes[msg.payloadOffset] ?? 0;
  if (cmd !== CTRL_CMD_NEWFAMILY) {
    err.write(`Unknown controller command ${cmd}\n`);
    return -1;
  }
  const tb = parseRtattr(msg.bytes, msg.payloadOffset + GENL_HDRLEN, len, CTRL_ATTR_MAX, err);
  const id = tb[CTRL_ATTR_FAMILY_ID];
  if (id === undefined) {
    err.write('Missing family id TLV\n');
    return -1;
  }
  return Number(attrUint(msg.bytes, id, 2));
}

/**
 * genl_init_handle(&grth, "IOAM6", &genl_family): the generic netlink handle and the family id.
 * Every failure ends the program with status 1, as ipioam6.c does.
 */
async function genlInitHandle(ctx: IpContext): Promise<{ grth: RtnlHandle; familyId: number }> {
  const t = ctx.openNetlink(NETLINK_GENERIC);
  if (t === undefined) exitWith(1, 'Cannot open generic netlink socket\n');
  // Sequence numbers start at time(NULL) in rtnl_open; any start will do for the kernel.
  const grth = new RtnlHandle(t, ctx.err);
  const b = new NlMsgBuilder({ initialCapacity: 32 });
  b.beginMessage(GENL_ID_CTRL, NLM_F_REQUEST, 0, 0);
  b.putGenlHeader(CTRL_CMD_GETFAMILY, 0);
  b.putString(CTRL_ATTR_FAMILY_NAME, IOAM6_GENL_NAME);
  b.finish();
  const r = await grth.talk(b.toBytes(), { answer: true });
  if (r.ret < 0 || r.answer === undefined) exitWith(1, 'Error talking to the kernel\n');
  const familyId = parseGetFamily(r.answer, ctx.err);
  if (familyId < 0) exitWith(1);
  return { grth, familyId };
}

// ---------------------------------------------------------------------------------------------
// The monitor (iproute2 6.9): genl_add_mcast_grp, rtnl_listen, print_trace

/**
 * A netlink transport that can also listen, as rtnl_listen needs: join a multicast group and
 * wait for the datagrams sent to it. `receive` resolves with the next datagram, an errno of a
 * failed read, or undefined when the stream has ended (recvmsg returning 0).
 */
export interface NetlinkListenTransport extends NetlinkTransport {
  /** setsockopt(SOL_NETLINK, NETLINK_ADD_MEMBERSHIP, group): 0 or a negative errno. */
  addMembership(group: number): number | Promise<number>;
  receive(): Promise<Uint8Array | { readonly errno: number } | undefined>;
}

function canListen(t: NetlinkTransport): t is NetlinkListenTransport {
  return 'addMembership' in t && 'receive' in t;
}

/** genl_parse_grps: the id of group `name` in a CTRL_ATTR_MCAST_GROUPS payload. */
function findGroup(bytes: Uint8Array, at: number, len: number, name: string, err: TextSink): number | undefined {
  let rest = len;
  let o = at;
  while (rest >= 4) {
    const rtaLen = u16le(bytes, o);
    if (rtaLen < 4 || rtaLen > rest) break;
    const tb = parseRtattr(bytes, o + 4, rtaLen - 4, CTRL_ATTR_MCAST_GRP_MAX, err);
    const n = tb[CTRL_ATTR_MCAST_GRP_NAME];
    const id = tb[CTRL_ATTR_MCAST_GRP_ID];
    if (n !== undefined && id !== undefined) {
      const raw = bytes.subarray(n[0], n[0] + n[1]);
      const nul = raw.indexOf(0);
      if (new TextDecoder().decode(nul === -1 ? raw : raw.subarray(0, nul)) === name) return Number(attrUint(bytes, id, 4));
    }
    const step = (rtaLen + 3) & ~3;
    rest -= step;
    o += step;
  }
  return undefined;
}

/**
 * genl_add_mcast_grp(grth, family, "ioam6_events"): asks the controller for the family's groups
 * and joins the named one. 0, or the errno that perror() reports.
 */
async function genlAddMcastGrp(grth: RtnlHandle, t: NetlinkListenTransport, familyId: number, group: string, err: TextSink): Promise<number> {
  const b = new NlMsgBuilder({ initialCapacity: 32 });
  b.beginMessage(GENL_ID_CTRL, NLM_F_REQUEST, 0, 0);
  b.putGenlHeader(CTRL_CMD_GETFAMILY, 0);
  b.putU16(CTRL_ATTR_FAMILY_ID, familyId);
  b.finish();
  const r = await grth.talk(b.toBytes(), { answer: true });
  if (r.ret < 0 || r.answer === undefined) {
    err.write('Error talking to the kernel\n');
    return r.errno === 0 ? EINVAL : r.errno;
  }
  const msg = r.answer;
  const len = msg.len - NLMSG_HDRLEN - GENL_HDRLEN;
  if (msg.type !== GENL_ID_CTRL || len < 0) return EINVAL;
  const tb = parseRtattr(msg.bytes, msg.payloadOffset + GENL_HDRLEN, len, CTRL_ATTR_MAX, err);
  const groups = tb[CTRL_ATTR_MCAST_GROUPS];
  if (groups === undefined) {
    err.write('Missing mcast groups TLV\n');
    return ENOENT;
  }
  const id = findGroup(msg.bytes, groups[0], groups[1], group, err);
  if (id === undefined) return ENOENT;
  const joined = await t.addMembership(id);
  return joined < 0 ? -joined : 0;
}

/** print_trace: one IOAM6_EVENT_TRACE, printed with plain printf (no JSON). */
function printTrace(ctx: IpContext, bytes: Uint8Array, tb: Attrs): void {
  let line = '[TRACE] ';
  const ns = tb[IOAM6_EVENT_ATTR_TRACE_NAMESPACE];
  if (ns !== undefined) line += `Namespace=${attrUint(bytes, ns, 2)} `;
  const nodeLen = tb[IOAM6_EVENT_ATTR_TRACE_NODELEN];
  if (nodeLen !== undefined) line += `NodeLen=${nodeLen[1] >= 1 ? (bytes[nodeLen[0]] ?? 0) : 0} `;
  const type = tb[IOAM6_EVENT_ATTR_TRACE_TYPE];
  if (type !== undefined) line += `Type=${sprintf('%#08x', Number(attrUint(bytes, type, 4)))} `;
  line += 'Data=';
  const data = tb[IOAM6_EVENT_ATTR_TRACE_DATA];
  if (data !== undefined) for (let i = 0; i < data[1]; i++) line += (bytes[data[0] + i] ?? 0).toString(16).padStart(2, '0');
  ctx.out.write(`${line}\n`);
}

/** ioam6_monitor_msg: -1 (ending the listen) for a message of another family. */
function monitorMsg(ctx: IpContext, familyId: number, bytes: Uint8Array, at: number): number {
  if (u16le(bytes, at + 4) !== familyId) return -1;
  const len = u32le(bytes, at) - NLMSG_HDRLEN - GENL_HDRLEN;
  if (len < 0) return -1;
  const cmd = bytes[at + NLMSG_HDRLEN] ?? 0;
  const tb = parseRtattr(bytes, at + NLMSG_HDRLEN + GENL_HDRLEN, len, IOAM6_EVENT_ATTR_MAX, ctx.err);
  if (cmd === IOAM6_EVENT_TRACE) printTrace(ctx, bytes, tb);
  return 0;
}

/** rtnl_listen: reads datagrams until the handler or the stream fails; always negative. */
async function rtnlListen(t: NetlinkListenTransport, ctx: IpContext, familyId: number): Promise<number> {
  for (;;) {
    const d = await t.receive();
    if (d === undefined) {
      ctx.err.write('EOF on netlink\n');
      return -1;
    }
    if (!(d instanceof Uint8Array)) {
      ctx.err.write(`netlink receive error ${strerror(d.errno)} (${d.errno})\n`);
      if (d.errno === ENOBUFS) continue;
      return -1;
    }
    let status = d.length;
    let at = 0;
    while (status >= NLMSG_HDRLEN) {
      const len = u32le(d, at);
      if (len < NLMSG_HDRLEN || len > status) exitWith(1, `!!!malformed message: len=${len | 0}\n`);
      const r = monitorMsg(ctx, familyId, d, at);
      if (r < 0) return r;
      const step = (len + 3) & ~3;
      status -= step;
      at += step;
    }
    if (status > 0) exitWith(1, `!!!Remnant of size ${status}\n`);
  }
}

// ---------------------------------------------------------------------------------------------
// The object

/** ioam6_do_cmd: sends the command, prints a dump's entries; 0 or -1 as do_ioam6 returns. */
async function ioamDoCmd(command: IoamCommand, ctx: IpContext): Promise<number> {
  const { grth, familyId } = await genlInitHandle(ctx);
  if (command.cmd === 'monitor') {
    const t = grth.transport;
    const errno = canListen(t) ? await genlAddMcastGrp(grth, t, familyId, IOAM6_GENL_EV_GRP_NAME, ctx.err) : EOPNOTSUPP;
    if (errno !== 0 || !canListen(t)) exitWith(1, `can't subscribe to ioam6 events: ${strerror(errno)}\n`);
    if ((await rtnlListen(t, ctx, familyId)) < 0) exitWith(1);
    return 0;
  }
  // talk() and dump() set the sequence number and the ACK / DUMP flags.
  const h: Ioam6RequestHeader = { familyId, seq: 0, flags: NLM_F_REQUEST };
  let req: Uint8Array;
  switch (command.cmd) {
    case 'namespace-show':
    case 'schema-show': {
      const dumpReq = command.cmd === 'namespace-show' ? ioam6DumpNamespacesRequest(h) : ioam6DumpSchemasRequest(h);
      ctx.print.newJsonObj(ctx.json);
      if ((await grth.dump(dumpReq, (m) => processMsg(ctx, familyId, m))) < 0) exitWith(1, 'Dump terminated\n');
      ctx.print.deleteJsonObj();
      return 0;
    }
    case 'namespace-add':
      req = ioam6AddNamespaceRequest(h, {
        id: command.id,
        ...(command.data === undefined ? {} : { data: command.data }),
        ...(command.wide === undefined ? {} : { dataWide: command.wide }),
      });
      break;
    case 'namespace-del':
      req = ioam6DelNamespaceRequest(h, command.id);
      break;
    case 'namespace-set':
      req = ioam6NsSetSchemaRequest(h, command.id, command.schema === 'none' ? undefined : command.schema);
      break;
    case 'schema-add':
      req = ioam6AddSchemaRequest(h, command.id, command.data);
      break;
    case 'schema-del':
      req = ioam6DelSchemaRequest(h, command.id);
      break;
  }
  return (await grth.talk(req)).ret < 0 ? -1 : 0;
}

/** do_ioam6 of iproute2 6.1 (`monitor: false`) or 6.9 (`monitor: true`). */
export function createIoamObject(opts: IoamObjectOptions): IpObjectHandler {
  return (args, ctx) => ioamDoCmd(parseIoamArgs(args, opts), ctx);
}

/** do_ioam6: the `ip ioam` object of iproute2 6.1. */
export const doIoam: IpObjectHandler = createIoamObject({ monitor: false });
