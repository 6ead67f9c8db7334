/**
 * `v6stack pcap decode|stats FILE`: reading captures.
 *
 * decode prints one line per packet (tcpdump's style; `-v` adds every header field, extension
 * header, IOAM hop and GTP-U extension header; `--json` prints JSON lines). stats streams the
 * file through `CaptureStats` and prints a summary. A damaged file prints what came before the
 * damage, then one error line naming the offset, and exits 1.
 */

import { statSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import { tryOpenCapture } from '../io/capture-file.ts';
import type { CaptureError, CaptureReader } from '../io/capture-file.ts';
import { scanCapture } from '../io/capture-scan.ts';
import { LINK_TYPE_NAMES } from '../uapi/pcap.ts';
import { GTPU_MESSAGE_TYPE_NAMES } from '../uapi/gtpu.ts';
import type { CaptureStats } from '../wire/capture-stats.ts';
import { MALFORMED_NAMES } from '../wire/capture-stats.ts';
import { dissectFrame, dissectionJson, formatDissection } from '../wire/dissect.ts';
import type { CommandSpec } from './args.ts';
import { count, flag, formatHelp, int, parseCommandLine } from './args.ts';
import type { Command } from './main.ts';
import type { Io } from './output.ts';

const DECODE: CommandSpec = {
  usage: 'v6stack pcap decode',
  summary: 'Print the packets of a pcap or pcapng capture, one line each (tcpdump style).',
  positionals: [{ name: 'FILE', help: 'a pcap or pcapng file (Ethernet, 802.1Q, raw IP, loopback, Linux cooked)' }],
  options: [
    { name: 'verbose', short: 'v', kind: 'count', help: 'also print every header field, option, IOAM hop and GTP-U extension' },
    { name: 'json', kind: 'flag', help: 'print one JSON object per packet (all fields)' },
    { name: 'count', short: 'c', kind: 'integer', arg: 'N', min: 1, help: 'stop after N packets' },
    { name: 'gtpu-port', kind: 'integer', arg: 'PORT', min: 1, max: 65535, help: 'UDP port to decode as GTP-U (default 2152)' },
  ],
};

const STATS: CommandSpec = {
  usage: 'v6stack pcap stats',
  summary: 'Summarise a capture: packets by link type and protocol, IPv6 extension headers, IOAM traces and hops, GTP-U messages by type, malformed packets by reason.',
  positionals: [{ name: 'FILE', help: 'a pcap or pcapng file' }],
  options: [{ name: 'json', kind: 'flag', help: 'print the summary as one JSON object' }],
};

const USAGE = [
  'Usage: v6stack pcap COMMAND FILE [OPTIONS]',
  '',
  'Commands:',
  '  decode     print the packets of a capture (tcpdump style; -v for every field, --json)',
  '  stats      count packets by protocol, IOAM traces and hops, GTP-U messages, malformed',
  '',
  "Run 'v6stack pcap COMMAND --help' for the options.",
  '',
].join('\n');

function describeError(path: string, e: CaptureError): string {
  return `v6stack: ${path}: ${e.message}`;
}

function openOrFail(path: string, io: Io): CaptureReader | undefined {
  const r = tryOpenCapture(path);
  if (r.ok) return r.value;
  io.err.write(`${describeError(path, r.error)}\n`);
  return undefined;
}

/** tcpdump's time format, in UTC: HH:MM:SS.uuuuuu (nanoseconds when the capture has them). */
function formatTime(sec: number, nsec: number): string {
  const d = new Date(sec * 1000);
  const hh = String(d.getUTCHours()).padStart(2, '0');
  const mm = String(d.getUTCMinutes()).padStart(2, '0');
  const ss = String(d.getUTCSeconds()).padStart(2, '0');
  const frac = nsec % 1000 === 0 ? String(nsec / 1000).padStart(6, '0') : String(nsec).padStart(9, '0');
  return `${hh}:${mm}:${ss}.${frac}`;
}

function runDecode(argv: readonly string[], io: Io): number {
  const p = parseCommandLine(DECODE, argv);
  if (!p.ok) {
    io.err.write(`${p.error}\nRun 'v6stack pcap decode --help' for usage.\n`);
    return 2;
  }
  if (p.value.help) {
    io.out.write(formatHelp(DECODE));
    return 0;
  }
  const path = p.value.positionals[0] ?? '';
  const verbose = count(p.value, 'verbose');
  const json = flag(p.value, 'json');
  const limit = int(p.value, 'count') ?? Number.POSITIVE_INFINITY;
  const port = int(p.value, 'gtpu-port');
  const opts = { gtpuPorts: port === undefined ? [2152] : [port] };
  const reader = openOrFail(path, io);
  if (reader === undefined) return 1;
  try {
    let n = 0;
    while (n < limit && !io.out.closed && reader.next()) {
      n++;
      const frame = reader.data.subarray(reader.offset, reader.offset + reader.capLen);
      const d = dissectFrame(reader.linkType, frame, opts);
      if (json) {
        const record = {
          number: n,
          time: `${reader.tsSec}.${String(reader.tsNsec).padStart(9, '0')}`,
          link_type: reader.linkType,
          interface: reader.interfaceId,
          captured_length: reader.capLen,
          original_length: reader.origLen,
          ...(dissectionJson(d) as object),
        };
        io.out.write(`${JSON.stringify(record)}\n`);
        continue;
      }
      io.out.write(`${n} ${formatTime(reader.tsSec, reader.tsNsec)} ${d.summary}\n`);
      if (verbose > 0) io.out.write(indent(formatDissection(d), '    '));
    }
    if (reader.error !== undefined) {
      io.err.write(`${describeError(path, reader.error)}\n`);
      return 1;
    }
    return 0;
  } finally {
    reader.close();
  }
}

function indent(text: string, prefix: string): string {
  return text
    .split('\n')
    .map((l) => (l === '' ? l : prefix + l))
    .join('\n');
}

function linkTypeName(t: number): string {
  return LINK_TYPE_NAMES.get(t) ?? `LINKTYPE_${t}`;
}

export function statsJson(s: CaptureStats): Record<string, unknown> {
  const gtpu: Record<string, number> = {};
  s.gtpuTypes.forEach((v, t) => {
    if (v > 0) gtpu[GTPU_MESSAGE_TYPE_NAMES.get(t) ?? String(t)] = v;
  });
  const malformed: Record<string, number> = {};
  s.malformed.forEach((v, i) => {
    if (v > 0) malformed[MALFORMED_NAMES[i] ?? String(i)] = v;
  });
  const links: Record<string, number> = {};
  for (const [t, v] of s.linkTypes) links[linkTypeName(t)] = v;
  return {
    packets: s.packets,
    bytes: s.bytes,
    snapped: s.snapped,
    link_types: links,
    network: { ipv6: s.ipv6, ipv4: s.ipv4, other: s.otherNetwork },
    ipv6_extension_headers: {
      hop_by_hop: s.hopByHop,
      destination_options: s.destinationOptions,
      routing: s.routing,
      fragment: s.fragments,
      later_fragments: s.laterFragments,
    },
    transport: { udp: s.udp, tcp: s.tcp, icmpv6: s.icmpv6, icmp: s.icmp, other: s.otherTransport },
    ioam: {
      traces: s.ioamTraces,
      preallocated: s.ioamPrealloc,
      incremental: s.ioamIncremental,
      hops: s.ioamHops,
      overflow: s.ioamOverflow,
      pot: s.ioamPot,
      e2e: s.ioamE2e,
      dex: s.ioamDex,
      other: s.ioamOther,
    },
    gtpu: { messages: s.gtpu, by_type: gtpu },
    malformed: { total: s.malformedTotal, by_reason: malformed },
  };
}

function statsText(path: string, format: string, size: number, s: CaptureStats): string {
  const kv = (o: Record<string, number>): string =>
    Object.entries(o)
      .map(([k, v]) => `${k} ${v}`)
      .join(', ') || 'none';
  const j = statsJson(s) as {
    link_types: Record<string, number>;
    gtpu: { by_type: Record<string, number> };
    malformed: { by_reason: Record<string, number> };
  };
  return [
    `${path}: ${format}, ${size} bytes`,
    `packets: ${s.packets} (${s.bytes} bytes captured${s.snapped > 0 ? `, ${s.snapped} cut short by the snap length` : ''})`,
    `link types: ${kv(j.link_types)}`,
    `network: IPv6 ${s.ipv6}, IPv4 ${s.ipv4}, other ${s.otherNetwork}`,
    `IPv6 extension headers: hop-by-hop ${s.hopByHop}, destination options ${s.destinationOptions}, routing ${s.routing}, fragment ${s.fragments} (${s.laterFragments} not first)`,
    `transport: UDP ${s.udp}, TCP ${s.tcp}, ICMPv6 ${s.icmpv6}, ICMP ${s.icmp}, other ${s.otherTransport}`,
    `IOAM: ${s.ioamTraces} traces (pre-allocated ${s.ioamPrealloc}, incremental ${s.ioamIncremental}), ${s.ioamHops} hops, ${s.ioamOverflow} overflowed; POT ${s.ioamPot}, E2E ${s.ioamE2e}, DEX ${s.ioamDex}, other ${s.ioamOther}`,
    `GTP-U: ${s.gtpu} messages${s.gtpu > 0 ? ` (${kv(j.gtpu.by_type)})` : ''}`,
    `malformed: ${s.malformedTotal}${s.malformedTotal > 0 ? ` (${kv(j.malformed.by_reason)})` : ''}`,
  ].join('\n');
}

function runStats(argv: readonly string[], io: Io): number {
  const p = parseCommandLine(STATS, argv);
  if (!p.ok) {
    io.err.write(`${p.error}\nRun 'v6stack pcap stats --help' for usage.\n`);
    return 2;
  }
  if (p.value.help) {
    io.out.write(formatHelp(STATS));
    return 0;
  }
  const path = p.value.positionals[0] ?? '';
  const t0 = performance.now();
  const r = scanCapture(path);
  const seconds = (performance.now() - t0) / 1000;
  if (!r.ok) {
    io.err.write(`${describeError(path, r.error)}\n`);
    return 1;
  }
  const { stats, format, error } = r.value;
  const size = statSync(path).size;
  if (flag(p.value, 'json')) {
    io.out.write(
      `${JSON.stringify({ file: path, format, size, ...statsJson(stats), seconds, packets_per_second: Math.round(stats.packets / seconds), ...(error === undefined ? {} : { error: error.message, error_offset: error.offset }) })}\n`,
    );
  } else {
    io.out.write(`${statsText(path, format, size, stats)}\n`);
    io.out.write(`read in ${seconds.toFixed(3)} s (${Math.round(stats.packets / seconds)} packets/s)\n`);
  }
  if (error !== undefined) {
    io.err.write(`${describeError(path, error)}\n`);
    return 1;
  }
  return 0;
}

export const pcapCommand: Command = {
  name: 'pcap',
  summary: 'decode or summarise pcap/pcapng captures (IPv6, IOAM, GTP-U, ...)',
  run(argv, io) {
    const [sub, ...rest] = argv;
    if (sub === 'decode') return runDecode(rest, io);
    if (sub === 'stats') return runStats(rest, io);
    if (sub === undefined || sub === '-h' || sub === '--help' || sub === 'help') {
      io.out.write(USAGE);
      return sub === undefined ? 2 : 0;
    }
    io.err.write(`v6stack pcap: unknown command '${sub}'\n${USAGE}`);
    return 2;
  },
};
