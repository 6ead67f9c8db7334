/**
 * The `ip` front end of iproute2 6.1 (ip/ip.c) and the netlink conversation of lib/libnetlink.c
 * that every object shares (rtnl_talk, rtnl_dump_filter) with their exact error texts.
 *
 * `runIp(argv, host)` parses the global options exactly as ip.c does (each one abbreviable in
 * the order ip.c tests them, so `-h` is -human and `-b` is -batch), opens the NETLINK_ROUTE
 * transport of the chosen namespace, and hands the rest to the object the next word
 * abbreviates, in ip.c's table order (`ip a` is address, `ip r` route, `ip i` ila, `ip n`
 * neighbor). It returns the exit status.
 *
 * Objects. An object is an `IpObjectHandler(args, ctx)`: `args` are the words after the object
 * name, `ctx` carries the options and the netlink handle, and it resolves to what iproute2's
 * object handler (do_ioam, do_iproute, ...) returns (0, or a negative number such as -1 or -2);
 * ip exits with its negation, as do_cmd does. Deep errors throw `IprouteExit` (cmdline.ts),
 * which `runIp` turns into the status and the stderr text. Objects of ip.c's table that no handler was registered for answer
 * `Object "NAME" is not supported by v6stack.` with status 1 (iproute2 has them; we do not).
 *
 * Differences from iproute2 by design: -color is accepted and ignored (no colours), -rcvbuf,
 * -loops, -resolve are parsed and recorded; `ip -V` prints the host's version line; the
 * program-name shortcut (a link named "ipaddr" running `ip addr`: ip.c calls do_cmd on
 * basename + 2) is not reproduced.
 */

import type { Output } from '../cli/output.ts';
import {
  NETLINK_ROUTE,
  NLM_F_ACK,
  NLM_F_DUMP,
  NLM_F_DUMP_INTR,
  NLM_F_REQUEST,
  NLMSG_DONE,
  NLMSG_ERROR,
  NLMSG_HDRLEN,
  NLMSGERR_SIZE,
} from '../uapi/netlink.ts';
import { EMSGSIZE, ENODATA, ENOENT, EOPNOTSUPP, strerror } from '../uapi/errno.ts';
import { parseNlmsgDone, parseNlmsgerr } from '../netlink/errors.ts';
import { NlMsgView } from '../netlink/message.ts';
import { setU16le, setU32le, u16le, u32le } from '../wire/bytes.ts';
import { doBatch } from './batch.ts';
import { Printer } from './json.ts';
import {
  AF_BRIDGE,
  AF_INET,
  AF_INET6,
  AF_MPLS,
  AF_PACKET,
  AF_UNSPEC,
  exitWith,
  getUnsigned,
  invarg,
  IprouteExit,
  matches,
  readFamily,
} from './cmdline.ts';

// ---------------------------------------------------------------------------------------------
// Netlink transport and libnetlink's conversation

/**
 * One netlink socket of one namespace. `request` sends one message (or several, back to back)
 * and resolves with every reply datagram, in order, up to and including the one that holds
 * the ACK, the NLMSG_ERROR or the NLMSG_DONE that ends the exchange. An adapter over the
 * in-process netlink bus (netlink/socket.ts) and one over the daemon's control socket implement
 * it; replies echo the request's nlmsg_seq.
 */
export interface NetlinkTransport {
  /** NETLINK_ROUTE, NETLINK_GENERIC, ... */
  readonly protocol: number;
  request(msg: Uint8Array): Promise<Uint8Array[]>;
  close(): void;
}

/** What `talk` reports (rtnl_talk's return value and errno). */
export interface TalkResult {
  /** 0, or negative (rtnl_talk's -i) on failure. */
  readonly ret: number;
  /** The error from the kernel (positive errno), 0 on success. */
  readonly errno: number;
  /** The reply message asked for with `answer: true`. */
  readonly answer?: NlMsgView;
}

/** A message handed to a dump filter; return a negative number to stop the dump with it. */
export type DumpFilter = (msg: NlMsgView) => number | Promise<number>;

/** Reading an int from a payload as C does: little-endian host order. */
function s32le(b: Uint8Array, o: number): number {
  return u32le(b, o) | 0;
}

/**
 * print_ext_ack_msg: `Error: MSG.` for a failure or `Warning: MSG.` for a success, a full stop
 * added unless the kernel's message ends with one.
 */
export function extAckText(isErr: boolean, msg: string): string {
  return `${isErr ? 'Error' : 'Warning'}: ${msg}${msg.endsWith('.') ? '' : '.'}\n`;
}

/**
 * A struct rtnl_handle: a transport, the sequence numbers, and where errors are printed.
 * `talk` is rtnl_talk and `dump` is rtnl_dump_request + rtnl_dump_filter.
 */
export class RtnlHandle {
  readonly transport: NetlinkTransport;
  readonly err: Output;
  /** The last sequence number used. */
  seq: number;
  /** The sequence number of the dump in progress. */
  dumpSeq = 0;
  /** RTNL_HANDLE_F_SUPPRESS_NLERR: dumps do not print the kernel's error. */
  suppressNlErr = false;

  constructor(transport: NetlinkTransport, err: Output, seq = 0) {
    this.transport = transport;
    this.err = err;
    this.seq = seq;
  }

  /**
   * rtnl_talk: sends `req` (its nlmsg_seq is set, and NLM_F_ACK unless `answer` is asked for),
   * prints the kernel's error as iproute2 does (`Error: MSG.` from the extended ack, otherwise
   * `RTNETLINK answers: STRERROR`), a success's extended-ack warning, and returns the outcome.
   * Malformed replies end the program as libnetlink does (exit 1).
   */
  async talk(req: Uint8Array, opts: { answer?: boolean; showError?: boolean } = {}): Promise<TalkResult> {
    const wantAnswer = opts.answer ?? false;
    const showError = opts.showError ?? true;
    const seq = (this.seq = (this.seq + 1) >>> 0);
    setU32le(req, 8, seq);
    if (!wantAnswer) setU16le(req, 6, u16le(req, 6) | NLM_F_ACK);
    const datagrams = await this.transport.request(req);
    let i = 0;
    for (const buf of datagrams) {
      i++;
      let at = 0;
      let status = buf.length;
      while (status >= NLMSG_HDRLEN) {
        const len = u32le(buf, at);
        if (len < NLMSG_HDRLEN || len > status) exitWith(1, `!!!malformed message: len=${len | 0}\n`);
        const step = (len + 3) & ~3;
        const v = NlMsgView.check(buf, at);
        if (!v.ok) exitWith(1, `!!!malformed message: len=${len | 0}\n`);
        const h = v.value;
        // libnetlink takes replies numbered seq - iovlen .. seq (one request: seq - 1 .. seq).
        if (h.seq !== seq && h.seq !== ((seq - 1) >>> 0)) {
          status -= step;
          at += step;
          continue;
        }
        if (h.type === NLMSG_ERROR) {
          if (len - NLMSG_HDRLEN < NLMSGERR_SIZE) {
            this.err.write('ERROR truncated\n');
            return { ret: -1, errno: 0 };
          }
          const error = s32le(buf, at + NLMSG_HDRLEN);
          const parsed = parseNlmsgerr(buf, at);
          const msg = parsed.ok ? parsed.value.extAck.msg : undefined;
          if (error === 0) {
            if (msg !== undefined && msg !== '') this.err.write(extAckText(false, msg));
            return wantAnswer ? { ret: 0, errno: 0, answer: h } : { ret: 0, errno: 0 };
          }
          if (this.transport.protocol !== NETLINK_SOCK_DIAG && showError) {
            if (msg !== undefined && msg !== '') this.err.write(extAckText(true, msg));
            else this.err.write(`RTNETLINK answers: ${strerror(-error)}\n`);
          }
          return { ret: -i, errno: -error };
        }
        if (wantAnswer) return { ret: 0, errno: 0, answer: h };
        this.err.write('Unexpected reply!!!\n');
        status -= step;
        at += step;
      }
      if (status !== 0) exitWith(1, `!!!Remnant of size ${status}\n`);
    }
    // The reader would block for ever; a transport that ends early is EOF on the socket.
    this.err.write('EOF on netlink\n');
    return { ret: -ENODATA, errno: ENODATA };
  }

  /**
   * rtnl_dump_filter over the dump `req` (NLM_F_REQUEST|NLM_F_DUMP are set, and its sequence
   * number): calls `filter` for each message of the answer. Returns 0, the filter's negative
   * value, or -1 after printing the kernel's error as iproute2 does.
   */
  async dump(req: Uint8Array, filter: DumpFilter): Promise<number> {
    const seq = (this.seq = (this.seq + 1) >>> 0);
    this.dumpSeq = seq;
    setU32le(req, 8, seq);
    setU16le(req, 6, u16le(req, 6) | NLM_F_REQUEST | NLM_F_DUMP);
    const datagrams = await this.transport.request(req);
    let intr = false;
    for (const buf of datagrams) {
      let at = 0;
      let msglen = buf.length;
      let done = false;
      while (msglen >= NLMSG_HDRLEN) {
        const len = u32le(buf, at);
        if (len < NLMSG_HDRLEN || len > msglen) break;
        const v = NlMsgView.check(buf, at);
        if (!v.ok) break;
        const h = v.value;
        const step = (len + 3) & ~3;
        if (h.seq === seq) {
          if ((h.flags & NLM_F_DUMP_INTR) !== 0) intr = true;
          if (h.type === NLMSG_DONE) {
            if (this.#dumpDone(buf, at, len) < 0) return -1;
            done = true;
            break;
          }
          if (h.type === NLMSG_ERROR) {
            this.#dumpError(buf, at, len);
            return -1;
          }
          const r = await filter(h);
          if (r < 0) return r;
        }
        msglen -= step;
        at += step;
      }
      if (done) {
        if (intr) this.err.write('Dump was interrupted and may be inconsistent.\n');
        return 0;
      }
      if (msglen !== 0) exitWith(1, `!!!Remnant of size ${msglen}\n`);
    }
    this.err.write('EOF on netlink\n');
    return -ENODATA;
  }

  /** rtnl_dump_done: a negative status is the dump's error. */
  #dumpDone(buf: Uint8Array, at: number, len: number): number {
    if (len < NLMSG_HDRLEN + 4) {
      this.err.write('DONE truncated\n');
      return -1;
    }
    const status = s32le(buf, at + NLMSG_HDRLEN);
    if (status >= 0) return 0;
    const parsed = parseNlmsgDone(buf, at);
    const msg = parsed.ok ? parsed.value.extAck.msg : undefined;
    if (msg !== undefined && msg !== '') {
      this.err.write(extAckText(true, msg));
      return status;
    }
    const errno = -status;
    if (errno === ENOENT || errno === EOPNOTSUPP) return -1;
    if (errno === EMSGSIZE) this.err.write('Error: Buffer too small for object.\n');
    else this.err.write(`RTNETLINK answers: ${strerror(errno)}\n`);
    return status;
  }

  /** rtnl_dump_error: the kernel refused the dump. */
  #dumpError(buf: Uint8Array, at: number, len: number): void {
    if (len < NLMSG_HDRLEN + NLMSGERR_SIZE) {
      this.err.write('ERROR truncated\n');
      return;
    }
    const errno = -s32le(buf, at + NLMSG_HDRLEN);
    if (this.transport.protocol === NETLINK_SOCK_DIAG && (errno === ENOENT || errno === EOPNOTSUPP)) return;
    if (!this.suppressNlErr) this.err.write(`RTNETLINK answers: ${strerror(errno)}\n`);
  }
}

/** NETLINK_SOCK_DIAG (4): libnetlink keeps quiet about its errors. */
const NETLINK_SOCK_DIAG = 4;

// ---------------------------------------------------------------------------------------------
// The front end

/** What ip.c keeps in globals, for one run. Counters count repeated options (`-s -s`). */
export interface IpOptions {
  /** preferred_family: AF_UNSPEC, or -4/-6/-0/-M/-B/-family. */
  readonly family: number;
  readonly json: number;
  readonly pretty: number;
  readonly stats: number;
  readonly details: number;
  readonly oneline: number;
  readonly human: number;
  readonly iec: number;
  readonly resolve: number;
  readonly timestamp: number;
  readonly timestampShort: number;
  readonly brief: number;
  readonly force: number;
  readonly numeric: number;
  readonly echo: number;
  readonly all: boolean;
  /** max_flush_loops (-loops). */
  readonly loops: number;
  readonly rcvbuf: number | undefined;
  /** The namespace named with -netns, if any. */
  readonly netns: string | undefined;
  /** The -batch file, if any. */
  readonly batch: string | undefined;
}

/** What an object sees. */
export interface IpContext extends IpOptions {
  readonly out: Output;
  readonly err: Output;
  /** json_print.c for this command, writing to `out`. */
  readonly print: Printer;
  /** The NETLINK_ROUTE socket of the namespace (ip.c's rth). */
  readonly transport: NetlinkTransport;
  /** rtnl_talk / rtnl_dump_filter over `transport`. */
  readonly rth: RtnlHandle;
  /**
   * Opens another netlink socket of the same namespace (genl_init_handle opens
   * NETLINK_GENERIC); undefined when it cannot be opened. It is closed when the command ends.
   */
  openNetlink(protocol: number): NetlinkTransport | undefined;
  /** Whether batch mode is on (ip.c's batch_mode). */
  readonly batchMode: boolean;
}

/**
 * An object (`ip ioam`): gets the words after the object's name; resolves to what iproute2's
 * object handler (do_ioam, do_iproute, ...) returns (0 or negative); ip's exit status is its
 * negation.
 */
export type IpObjectHandler = (args: string[], ctx: IpContext) => Promise<number>;

/** ip.c's object table, in its order: abbreviations resolve to the first match. */
export const IP_OBJECTS = [
  'address',
  'addrlabel',
  'maddress',
  'route',
  'rule',
  'neighbor',
  'neighbour',
  'ntable',
  'ntbl',
  'link',
  'l2tp',
  'fou',
  'ila',
  'macsec',
  'tunnel',
  'tunl',
  'tuntap',
  'tap',
  'token',
  'tcpmetrics',
  'tcp_metrics',
  'monitor',
  'xfrm',
  'mroute',
  'mrule',
  'netns',
  'netconf',
  'vrf',
  'sr',
  'nexthop',
  'mptcp',
  'ioam',
  'help',
  'stats',
] as const;
export type IpObjectName = (typeof IP_OBJECTS)[number];

/** The environment `ip` runs in. */
export interface IpHost {
  readonly out: Output;
  readonly err: Output;
  /** Handlers by the table name they serve; aliases (neighbour, ntbl, tunl, tap, tcp_metrics) need their own entry. */
  readonly objects: Partial<Record<IpObjectName, IpObjectHandler>>;
  /** netns_switch: 0 when namespace `name` exists, otherwise the errno (ENOENT). */
  enterNetns(name: string): number;
  /**
   * rtnl_open: a netlink socket of `protocol` in namespace `netns` (undefined: the current
   * one), or the errno that stopped it.
   */
  openNetlink(protocol: number, netns: string | undefined): NetlinkTransport | { readonly errno: number };
  /** The text of a -batch file ("-" is standard input), or the errno of the failed open. */
  readBatchFile?(name: string): string | { readonly errno: number };
  /** `ip -V`'s line, without the newline. */
  readonly version?: string;
}

/** The default `ip -V` line: the iproute2 release whose behaviour we reproduce. */
export const IP_VERSION_LINE = 'ip utility, iproute2-6.1.0 (v6stack)';

/** ip.c usage(): printed to stderr, exit(-1). */
export const IP_USAGE =
  'Usage: ip [ OPTIONS ] OBJECT { COMMAND | help }\n' +
  '       ip [ -force ] -batch filename\n' +
  'where  OBJECT := { address | addrlabel | amt | fou | help | ila | ioam | l2tp |\n' +
  '                   link | macsec | maddress | monitor | mptcp | mroute | mrule |\n' +
  '                   neighbor | neighbour | netconf | netns | nexthop | ntable |\n' +
  '                   ntbl | route | rule | sr | tap | tcpmetrics |\n' +
  '                   token | tunnel | tuntap | vrf | xfrm }\n' +
  '       OPTIONS := { -V[ersion] | -s[tatistics] | -d[etails] | -r[esolve] |\n' +
  '                    -h[uman-readable] | -iec | -j[son] | -p[retty] |\n' +
  '                    -f[amily] { inet | inet6 | mpls | bridge | link } |\n' +
  '                    -4 | -6 | -M | -B | -0 |\n' +
  '                    -l[oops] { maximum-addr-flush-attempts } | -br[ief] |\n' +
  '                    -o[neline] | -t[imestamp] | -ts[hort] | -b[atch] [filename] |\n' +
  '                    -rc[vbuf] [size] | -n[etns] name | -N[umeric] | -a[ll] |\n' +
  '                    -c[olor]}\n';

function usage(): never {
  exitWith(-1, IP_USAGE);
}

/** matches_color: -color[=always|auto|never]. */
function matchesColor(opt: string): boolean {
  const eq = opt.indexOf('=');
  const name = eq === -1 ? opt : opt.slice(0, eq);
  const val = eq === -1 ? '' : opt.slice(eq + 1);
  if (!matches(name, '-color')) return false;
  return val === '' || val === 'always' || val === 'auto' || val === 'never';
}

type MutableOptions = { -readonly [K in keyof IpOptions]: IpOptions[K] };

function defaultOptions(): MutableOptions {
  return {
    family: AF_UNSPEC,
    json: 0,
    pretty: 0,
    stats: 0,
    details: 0,
    oneline: 0,
    human: 0,
    iec: 0,
    resolve: 0,
    timestamp: 0,
    timestampShort: 0,
    brief: 0,
    force: 0,
    numeric: 0,
    echo: 0,
    all: false,
    loops: 10,
    rcvbuf: undefined,
    netns: undefined,
    batch: undefined,
  };
}

/** C's atoi: leading space, sign, decimal digits; 0 when there are none. */
function atoi(s: string): number {
  const m = /^[ \t\n\v\f\r]*([+-]?\d+)/.exec(s);
  return m === null ? 0 : Number(BigInt.asIntN(32, BigInt(m[1] ?? '0')));
}

/**
 * ip.c's option loop over argv (without the program name). Returns the options and the index
 * of the first non-option word. `-V` and errors exit through IprouteExit; `out` receives the
 * version line.
 */
export function parseIpOptions(argv: readonly string[], host: Pick<IpHost, 'enterNetns' | 'version' | 'out'>): { opts: IpOptions; rest: number } {
  const o = defaultOptions();
  let i = 0;
  while (i < argv.length) {
    let opt = argv[i] ?? '';
    if (opt === '--') {
      i++;
      break;
    }
    if (!opt.startsWith('-')) break;
    if (opt[1] === '-') opt = opt.slice(1);
    // The value after an option; ip.c reads NULL (printed "(null)") when there is none.
    const value = (): string | undefined => {
      i++;
      return argv[i];
    };
    if (matches(opt, '-loops')) {
      const v = value();
      if (v === undefined) usage();
      o.loops = atoi(v);
    } else if (matches(opt, '-family')) {
      const v = value();
      if (v === undefined || v === 'help') usage();
      o.family = readFamily(v);
      if (o.family === AF_UNSPEC) invarg('invalid protocol family', v);
    } else if (opt === '-4') o.family = AF_INET;
    else if (opt === '-6') o.family = AF_INET6;
    else if (opt === '-0') o.family = AF_PACKET;
    else if (opt === '-M') o.family = AF_MPLS;
    else if (opt === '-B') o.family = AF_BRIDGE;
    else if (matches(opt, '-human') || matches(opt, '-human-readable')) o.human++;
    else if (matches(opt, '-iec')) o.iec++;
    else if (matches(opt, '-stats') || matches(opt, '-statistics')) o.stats++;
    else if (matches(opt, '-details')) o.details++;
    else if (matches(opt, '-resolve')) o.resolve++;
    else if (matches(opt, '-oneline')) o.oneline++;
    else if (matches(opt, '-timestamp')) o.timestamp++;
    else if (matches(opt, '-tshort')) {
      o.timestamp++;
      o.timestampShort++;
    } else if (matches(opt, '-Version')) {
      host.out.write(`${host.version ?? IP_VERSION_LINE}\n`);
      exitWith(0);
    } else if (matches(opt, '-force')) o.force++;
    else if (matches(opt, '-batch')) {
      const v = value();
      if (v === undefined) usage();
      o.batch = v;
    } else if (matches(opt, '-brief')) o.brief++;
    else if (matches(opt, '-json')) o.json++;
    else if (matches(opt, '-pretty')) o.pretty++;
    else if (matches(opt, '-rcvbuf')) {
      const v = value();
      if (v === undefined) usage();
      const size = getUnsigned(v, 0);
      if (size === undefined) exitWith(-1, `Invalid rcvbuf size '${v}'\n`);
      o.rcvbuf = size;
    } else if (matchesColor(opt)) {
      // Colours are not reproduced.
    } else if (matches(opt, '-help')) usage();
    else if (matches(opt, '-netns')) {
      const name = value() ?? '(null)';
      const errno = host.enterNetns(name);
      if (errno !== 0) exitWith(-1, `Cannot open network namespace "${name}": ${strerror(errno)}\n`);
      o.netns = name;
    } else if (matches(opt, '-Numeric')) o.numeric++;
    else if (matches(opt, '-all')) o.all = true;
    else if (opt === '-echo') o.echo++;
    else exitWith(-1, `Option "${opt}" is unknown, try "ip -help".\n`);
    i++;
  }
  return { opts: o, rest: i };
}

/** The table entry `word` abbreviates, in ip.c's order. */
export function lookupIpObject(word: string): IpObjectName | undefined {
  return IP_OBJECTS.find((name) => matches(word, name));
}

/** What a command runs with besides the options. */
interface Session {
  readonly host: IpHost;
  readonly transport: NetlinkTransport;
  readonly rth: RtnlHandle;
  readonly extra: NetlinkTransport[];
  readonly batchMode: boolean;
}

/** do_cmd: finds the object and runs it; returns ip's exit status for this command. */
async function doCmd(argv: readonly string[], opts: IpOptions, s: Session): Promise<number> {
  const word = argv[0] ?? '';
  const name = lookupIpObject(word);
  const err = s.host.err;
  if (name === undefined) {
    err.write(`Object "${word}" is unknown, try "ip help".\n`);
    return 1;
  }
  if (name === 'help') usage();
  const handler = s.host.objects[name];
  if (handler === undefined) {
    err.write(`Object "${name}" is not supported by v6stack.\n`);
    return 1;
  }
  const ctx: IpContext = {
    ...opts,
    out: s.host.out,
    err,
    print: new Printer(s.host.out, { pretty: opts.pretty > 0, oneline: opts.oneline > 0 }),
    transport: s.transport,
    rth: s.rth,
    batchMode: s.batchMode,
    openNetlink: (protocol) => {
      const t = s.host.openNetlink(protocol, opts.netns);
      if ('errno' in t) return undefined;
      s.extra.push(t);
      return t;
    },
  };
  const ret = await handler(argv.slice(1), ctx);
  return -ret & 0xff;
}

/**
 * Runs `ip ARGV...` (argv without the program name) and returns the exit status. Everything is
 * written to `host.out` / `host.err`; nothing throws for any argv.
 */
export async function runIp(argv: readonly string[], host: IpHost): Promise<number> {
  const opened: NetlinkTransport[] = [];
  try {
    const { opts, rest } = parseIpOptions(argv, host);
    const route = host.openNetlink(NETLINK_ROUTE, opts.netns);
    if ('errno' in route) {
      if (opts.batch !== undefined) {
        host.err.write('Cannot open rtnetlink\n');
        return 1;
      }
      exitWith(1, `Cannot open netlink socket: ${strerror(route.errno)}\n`);
    }
    opened.push(route);
    const session: Session = {
      host,
      transport: route,
      rth: new RtnlHandle(route, host.err),
      extra: opened,
      batchMode: opts.batch !== undefined,
    };
    if (opts.batch !== undefined) {
      const name = opts.batch;
      const text = host.readBatchFile?.(name) ?? { errno: ENOENT };
      if (typeof text !== 'string') {
        host.err.write(`Cannot open file "${name}" for reading: ${strerror(text.errno)}\n`);
        return 1;
      }
      // ip_batch_cmd: each line starts from the family given on the command line.
      return await doBatch(text, name, opts.force > 0, host.err, (words) => doCmd(words, opts, session));
    }
    if (rest >= argv.length) usage();
    return await doCmd(argv.slice(rest), opts, session);
  } catch (e) {
    if (!(e instanceof IprouteExit)) throw e;
    host.err.write(e.stderr);
    return e.code;
  } finally {
    for (const t of opened) t.close();
    host.out.flush();
    host.err.flush();
  }
}
