/**
 * `v6stack ioam collect`: the IOAM collector (src/io/ioam-collector.ts) on a capture file or on
 * the live IOAM events of a daemon namespace, writing JSON lines and/or exporting to an
 * OpenTelemetry receiver over OTLP/HTTP (src/io/otlp.ts). docs/ioam-collector.md describes the
 * records and the attributes.
 *
 * Exit status: 0 done; 1 the capture could not be read, the daemon or namespace could not be
 * reached, or the OTLP export failed; 2 bad usage.
 */

import { socketPath } from '../daemon/client.ts';
import { DaemonTransport } from '../daemon/client.ts';
import { IoamCollector, JsonLinesSink, type IoamRecordSink } from '../io/ioam-collector.ts';
import { tryOpenCapture } from '../io/capture-file.ts';
import { IoamOtlpExporter } from '../io/otlp.ts';
import { parseNlmsgerr } from '../netlink/errors.ts';
import { NlAttrCursor, NlMsgBuilder } from '../netlink/message.ts';
import { ENOENT, EPROTO, strerror } from '../uapi/errno.ts';
import {
  CTRL_ATTR_FAMILY_ID,
  CTRL_ATTR_FAMILY_NAME,
  CTRL_ATTR_MCAST_GROUPS,
  CTRL_ATTR_MCAST_GRP_ID,
  CTRL_ATTR_MCAST_GRP_NAME,
  CTRL_CMD_GETFAMILY,
  GENL_HDRLEN,
  GENL_ID_CTRL,
} from '../uapi/genetlink.ts';
import { IOAM6_GENL_EV_GRP_NAME, IOAM6_GENL_NAME } from '../uapi/ioam6_genl.ts';
import { NETLINK_GENERIC, NLM_F_REQUEST, NLMSG_ERROR, NLMSG_HDRLEN } from '../uapi/netlink.ts';
import { u16le, u32le } from '../wire/bytes.ts';
import type { CommandSpec, Parsed } from './args.ts';
import { flag, formatHelp, int, parseCommandLine, str } from './args.ts';
import { noDaemonMessage, takeSocketOption } from './ip.ts';
import type { Command } from './main.ts';
import type { Io } from './output.ts';

export const COLLECT: CommandSpec = {
  usage: 'v6stack ioam collect',
  summary:
    'Collect IOAM traces (RFC 9197 Pre-allocated and Incremental) from a capture file or from the live IOAM events of a ' +
    'daemon namespace, and write them as JSON lines and/or export them to OpenTelemetry over OTLP/HTTP.',
  positionals: [],
  options: [
    { name: 'in', kind: 'string', arg: 'FILE', help: 'read the packets of a pcap or pcapng capture' },
    { name: 'netns', kind: 'string', arg: 'NAME', help: "listen to the IOAM events of the daemon's namespace NAME (Ctrl-C stops)" },
    { name: 'json', kind: 'flag', help: 'write one JSON object per trace to standard output (the default without --otlp)' },
    { name: 'otlp', kind: 'string', arg: 'URL', help: 'export to this OTLP/HTTP traces endpoint, e.g. http://127.0.0.1:4318/v1/traces' },
    { name: 'service-name', kind: 'string', arg: 'NAME', help: 'service.name of the exported resource (default v6stack-ioam)' },
    { name: 'count', short: 'c', kind: 'integer', arg: 'N', min: 1, help: 'stop after N traces' },
  ],
  details: [
    'Exactly one of --in and --netns. --socket PATH (first) chooses the daemon for --netns, as for',
    "'v6stack ip'. Each trace is one record: packet index and time, IPv6 source, destination and flow",
    'label, IOAM namespace, trace type, flags, and per hop every field its trace type carries',
    '(unavailable values are null, with the value as carried in <field>_raw). Exported, each trace',
    'is one OpenTelemetry trace with one span per hop and the fields as ioam.* attributes.',
    '',
    'Exit status: 0 done, 1 capture, daemon or export failure, 2 bad usage.',
  ].join('\n'),
};

const USAGE = [
  'Usage: v6stack ioam COMMAND [OPTIONS]',
  '',
  'Commands:',
  '  collect    IOAM traces from a capture or live events, as JSON lines and/or OTLP/HTTP',
  '',
  "Run 'v6stack ioam collect --help' for the options.",
  '',
].join('\n');

/** The wall clock in nanoseconds since the epoch (for live events, which carry no time). */
function nowNs(): bigint {
  return BigInt(Math.round((performance.timeOrigin + performance.now()) * 1000)) * 1000n;
}

/** CTRL_CMD_GETFAMILY for IOAM6: its id and the id of its "ioam6_events" group, or the errno. */
export async function resolveIoamEvents(t: DaemonTransport): Promise<{ familyId: number; group: number } | { errno: number }> {
  const b = new NlMsgBuilder({ initialCapacity: 32 });
  b.beginMessage(GENL_ID_CTRL, NLM_F_REQUEST, 1, 0);
  b.putGenlHeader(CTRL_CMD_GETFAMILY, 0);
  b.putString(CTRL_ATTR_FAMILY_NAME, IOAM6_GENL_NAME);
  b.finish();
  const replies = await t.request(b.toBytes());
  const d = replies[0];
  if (d === undefined || d.length < NLMSG_HDRLEN) return { errno: EPROTO };
  if (u16le(d, 4) === NLMSG_ERROR) {
    const e = parseNlmsgerr(d, 0);
    return { errno: e.ok && e.value.error !== 0 ? -e.value.error : EPROTO };
  }
  let familyId: number | undefined;
  let group: number | undefined;
  const len = Math.min(u32le(d, 0), d.length);
  const c = new NlAttrCursor(d, NLMSG_HDRLEN + GENL_HDRLEN, Math.max(0, len - NLMSG_HDRLEN - GENL_HDRLEN));
  while (c.next()) {
    if (c.type === CTRL_ATTR_FAMILY_ID && c.data.length >= 2) familyId = u16le(c.data, 0);
    if (c.type !== CTRL_ATTR_MCAST_GROUPS) continue;
    const groups = new NlAttrCursor(c.data);
    while (groups.next()) {
      const g = new NlAttrCursor(groups.data);
      let name = '';
      let id: number | undefined;
      while (g.next()) {
        if (g.type === CTRL_ATTR_MCAST_GRP_NAME) name = Buffer.from(g.data).toString('utf8').replace(/\0+$/, '');
        if (g.type === CTRL_ATTR_MCAST_GRP_ID && g.data.length >= 4) id = u32le(g.data, 0);
      }
      if (name === IOAM6_GENL_EV_GRP_NAME && id !== undefined) group = id;
    }
  }
  if (familyId === undefined || group === undefined) return { errno: ENOENT };
  return { familyId, group };
}

interface Plan {
  readonly input: { kind: 'file'; path: string } | { kind: 'netns'; name: string };
  readonly json: boolean;
  readonly otlp: string | undefined;
  readonly serviceName: string | undefined;
  readonly limit: number;
}

function plan(p: Parsed): Plan | string {
  const file = str(p, 'in');
  const netns = str(p, 'netns');
  if ((file === undefined) === (netns === undefined)) return 'give exactly one of --in FILE and --netns NAME';
  const otlp = str(p, 'otlp');
  if (otlp !== undefined) {
    let u: URL;
    try {
      u = new URL(otlp);
    } catch {
      return `--otlp needs an http:// or https:// URL, not '${otlp}'`;
    }
    if (u.protocol !== 'http:' && u.protocol !== 'https:') return `--otlp needs an http:// or https:// URL, not '${otlp}'`;
  }
  const serviceName = str(p, 'service-name');
  if (serviceName !== undefined && otlp === undefined) return '--service-name only applies with --otlp URL';
  return {
    input: file !== undefined ? { kind: 'file', path: file } : { kind: 'netns', name: netns ?? '' },
    json: flag(p, 'json') || otlp === undefined,
    otlp,
    serviceName,
    limit: int(p, 'count') ?? Number.POSITIVE_INFINITY,
  };
}

async function collectFile(path: string, c: IoamCollector, limit: number, io: Io): Promise<number> {
  const r = tryOpenCapture(path);
  if (!r.ok) {
    io.err.write(`v6stack: ${path}: ${r.error.message}\n`);
    return 1;
  }
  const reader = r.value;
  try {
    let sinceFlush = 0;
    while (c.stats.traces < limit && !io.out.closed && reader.next()) {
      const frame = reader.data.subarray(reader.offset, reader.offset + reader.capLen);
      sinceFlush += c.add(frame, reader.timestampNs(), reader.linkType);
      // Let the exporter send between batches instead of holding the whole capture.
      if (sinceFlush >= 1024) {
        sinceFlush = 0;
        await c.flush();
      }
    }
    if (reader.error !== undefined) {
      io.err.write(`v6stack: ${path}: ${reader.error.message}\n`);
      return 1;
    }
    return 0;
  } finally {
    reader.close();
  }
}

async function collectLive(sock: string, netns: string, c: IoamCollector, limit: number, io: Io): Promise<number> {
  const t = await DaemonTransport.open(sock, NETLINK_GENERIC);
  if (!(t instanceof DaemonTransport)) {
    io.err.write(noDaemonMessage(sock, t.errno));
    return 1;
  }
  t.close();
  const live = await DaemonTransport.open(sock, NETLINK_GENERIC, netns);
  if (!(live instanceof DaemonTransport)) {
    io.err.write(`Cannot open network namespace "${netns}": ${strerror(live.errno)}\n`);
    return 1;
  }
  const stop = (): void => live.close();
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
  try {
    const ids = await resolveIoamEvents(live);
    if ('errno' in ids) {
      io.err.write(`v6stack ioam collect: cannot resolve the ${IOAM6_GENL_NAME} family: ${strerror(ids.errno)}\n`);
      return 1;
    }
    const joined = await live.addMembership(ids.group);
    if (joined < 0) {
      io.err.write(`v6stack ioam collect: can't subscribe to ioam6 events: ${strerror(-joined)}\n`);
      return 1;
    }
    while (c.stats.traces < limit && !io.out.closed) {
      const d = await live.receive();
      if (d === undefined) break;
      c.addEvent(d, ids.familyId, nowNs(), netns);
      io.out.flush();
    }
    return 0;
  } finally {
    process.off('SIGINT', stop);
    process.off('SIGTERM', stop);
    live.close();
  }
}

export async function runIoamCollect(argv: readonly string[], io: Io, sock: string): Promise<number> {
  const p = parseCommandLine(COLLECT, argv);
  if (!p.ok) {
    io.err.write(`${p.error}\nRun 'v6stack ioam collect --help' for usage.\n`);
    return 2;
  }
  if (p.value.help) {
    io.out.write(formatHelp(COLLECT));
    return 0;
  }
  const pl = plan(p.value);
  if (typeof pl === 'string') {
    io.err.write(`v6stack ioam collect: ${pl}\nRun 'v6stack ioam collect --help' for usage.\n`);
    return 2;
  }
  const sinks: IoamRecordSink[] = [];
  if (pl.json) sinks.push(new JsonLinesSink((s) => io.out.write(s)));
  const otlp = pl.otlp === undefined ? undefined : new IoamOtlpExporter({ url: pl.otlp, ...(pl.serviceName === undefined ? {} : { serviceName: pl.serviceName }) });
  if (otlp !== undefined) sinks.push(otlp);
  const c = new IoamCollector({ sinks });
  let status: number;
  try {
    status = pl.input.kind === 'file' ? await collectFile(pl.input.path, c, pl.limit, io) : await collectLive(sock, pl.input.name, c, pl.limit, io);
  } finally {
    await c.shutdown();
  }
  if (otlp !== undefined && otlp.stats.failed > 0) {
    io.err.write(`v6stack ioam collect: OTLP export to ${pl.otlp ?? ''} failed for ${otlp.stats.failed} of ${otlp.stats.spans} spans: ${otlp.stats.lastError ?? ''}\n`);
    return status === 0 ? 1 : status;
  }
  return status;
}

export const ioamCommand: Command = {
  name: 'ioam',
  summary: 'IOAM collector: traces from a capture or live events, as JSON lines and OpenTelemetry (OTLP/HTTP)',
  async run(argv, io) {
    const s = takeSocketOption(argv);
    if ('error' in s) {
      io.err.write(`v6stack ioam: ${s.error}\n`);
      return 2;
    }
    const [sub, ...rest] = s.rest;
    if (sub === undefined || sub === '-h' || sub === '--help' || sub === 'help') {
      (sub === undefined ? io.err : io.out).write(USAGE);
      return sub === undefined ? 2 : 0;
    }
    if (sub !== 'collect') {
      io.err.write(`v6stack ioam: unknown command '${sub}'\n${USAGE}`);
      return 2;
    }
    return runIoamCollect(rest, io, socketPath(io.env, s.socket));
  },
};
