/**
 * `v6stack replay --setup SCRIPT --ingress DEV --in IN.pcap --out-dir DIR [--clock SECONDS]`:
 * pushes a capture through one node configured by a script (src/sim/replay.ts) and writes what
 * each device transmitted to DIR/NAME.pcap. Prints one summary line (or JSON with --json).
 *
 * Exit statuses: 0 done; 2 bad arguments or a setup line that failed (named with file and line);
 * 1 a file that cannot be read or written, or a capture damaged part-way (the packets before the
 * damage are replayed and written, then the error is printed).
 */

import { mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { FdSink, PcapWriter, tryOpenCapture } from '../io/capture-file.ts';
import { CaptureFeed, REPLAY_DRAIN_NS, capturePackets, replay } from '../sim/replay.ts';
import type { ReplayResult } from '../sim/replay.ts';
import { LINKTYPE_RAW } from '../uapi/pcap.ts';
import type { CommandSpec, Parsed } from './args.ts';
import { flag, formatHelp, parseCommandLine } from './args.ts';
import type { Command } from './main.ts';
import type { Io } from './output.ts';

const SPEC: CommandSpec = {
  usage: 'v6stack replay',
  summary: 'Push the packets of a capture through one node configured by a script, and write what each device transmitted.',
  positionals: [],
  options: [
    { name: 'setup', kind: 'string', arg: 'SCRIPT', help: 'the node\'s setup: one command a line (see below)' },
    { name: 'ingress', kind: 'string', arg: 'DEV', help: 'the device the packets arrive on' },
    { name: 'in', kind: 'string', arg: 'IN.pcap', help: 'the packets: pcap or pcapng (Ethernet, VLAN, raw IP, IPv6, loopback, Linux cooked)' },
    { name: 'out-dir', kind: 'string', arg: 'DIR', help: 'where DEV.pcap files are written (made if missing)' },
    { name: 'clock', kind: 'string', arg: 'SECONDS', help: 'wall-clock time of the first packet (seconds since the epoch, up to 9 decimals)' },
    { name: 'json', kind: 'flag', help: 'print the summary as one JSON object' },
  ],
  details: [
    'The node is one fresh namespace. SCRIPT holds one command a line, read with iproute2\'s batch rules',
    '(words, quotes, # comments, \\ continuations):',
    '  ip ...                    iproute2\'s ip (link, address, route, ioam), e.g.',
    '                            ip link add r0 type dummy; ip -6 route add 2001:db8::/32 dev r1',
    '  sysctl -w KEY=VALUE ...   procps\'s sysctl (also sysctl KEY=VALUE), e.g.',
    '                            sysctl -w net.ipv6.conf.all.forwarding=1',
    'A failing line stops the replay with FILE:LINE and what ip or sysctl said (exit 2).',
    '',
    'Every IPv6 packet of IN.pcap enters DEV as received, at its capture time on the virtual clock',
    '(the first at --clock when given); other frames are counted and skipped. After the last packet',
    `the clock runs timer to timer until nothing is pending (at most ${REPLAY_DRAIN_NS / 60e9} virtual minutes).`,
    '',
    'Whatever leaves the node is captured per device: dummy devices (whose packets are written, not',
    'dropped), tun devices, and veth ends whose peer is not in the node; this includes the ICMPv6 the',
    'node sends itself. DIR/DEV.pcap is written only for a device that transmitted; it is a classic',
    'pcap with nanosecond timestamps and link type RAW (101: IPv6 header first), which tshark,',
    'tcpdump and Wireshark read without warnings.',
    '',
    'The summary line gives the packets in and skipped, the packets out per device, and the drops.',
    'Exit status: 0 done, 1 a file could not be read or written, 2 bad arguments or setup.',
  ].join('\n'),
};

function str(p: Parsed, name: string): string | undefined {
  const v = p.options.get(name);
  return typeof v === 'string' ? v : undefined;
}

/** SECONDS[.FRACTION] to ns, or undefined. */
export function parseClock(text: string): bigint | undefined {
  const m = /^(\d{1,12})(?:\.(\d{1,9}))?$/.exec(text);
  if (m === null) return undefined;
  return BigInt(m[1] ?? '0') * 1_000_000_000n + BigInt((m[2] ?? '').padEnd(9, '0'));
}

function usageError(io: Io, message: string): number {
  io.err.write(`v6stack replay: ${message}\nRun 'v6stack replay --help' for usage.\n`);
  return 2;
}

function errText(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

/** One pcap per device, opened at its first packet. */
class Outputs {
  readonly dir: string;
  readonly files = new Map<string, string>();
  readonly #writers = new Map<string, PcapWriter>();
  error: string | undefined;

  constructor(dir: string) {
    this.dir = dir;
  }

  write(device: string, data: Uint8Array, tsNs: bigint): void {
    if (this.error !== undefined) return;
    let w = this.#writers.get(device);
    if (w === undefined) {
      const path = join(this.dir, `${device}.pcap`);
      try {
        w = new PcapWriter(FdSink.create(path), { linkType: LINKTYPE_RAW, resolution: 'nano' });
      } catch (e) {
        this.error = `cannot write ${path}: ${errText(e)}`;
        return;
      }
      this.#writers.set(device, w);
      this.files.set(device, path);
    }
    try {
      w.writePacket(data, tsNs);
    } catch (e) {
      this.error = `cannot write ${this.files.get(device) ?? device}: ${errText(e)}`;
    }
  }

  close(): void {
    for (const [device, w] of this.#writers) {
      try {
        w.close();
      } catch (e) {
        this.error ??= `cannot write ${this.files.get(device) ?? device}: ${errText(e)}`;
      }
    }
  }
}

function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? '' : 's'}`;
}

/** `replay: 10 packets in, 1 other frame skipped (IPv4: 1); 9 out (r1: 9) to DIR; 1 dropped (IP_INHDR: 1)` */
function summaryLine(r: ReplayResult, feed: CaptureFeed, out: Outputs): string {
  const list = (m: ReadonlyMap<string, number>): string => [...m].map(([k, v]) => `${k}: ${v}`).join(', ');
  let input = `${plural(r.received, 'packet')} in`;
  if (feed.skippedTotal > 0) input += `, ${plural(feed.skippedTotal, 'other frame')} skipped (${list(feed.skipped)})`;
  if (feed.snapped > 0) input += `, ${feed.snapped} cut short by the snap length`;
  const parts = [
    input,
    r.transmitted === 0 ? 'nothing out' : `${r.transmitted} out (${list(r.sent)}) to ${out.dir}`,
    r.dropped === 0 ? '0 dropped' : `${r.dropped} dropped (${list(r.dropReasons)})`,
  ];
  if (r.timersLeft > 0) parts.push(`stopped with ${plural(r.timersLeft, 'timer')} pending after ${REPLAY_DRAIN_NS / 60e9} virtual minutes`);
  return `replay: ${parts.join('; ')}\n`;
}

function summaryJson(r: ReplayResult, feed: CaptureFeed, out: Outputs): string {
  return `${JSON.stringify({
    in: r.received,
    frames: feed.frames,
    skipped: feed.skippedTotal,
    skipped_by: Object.fromEntries(feed.skipped),
    snapped: feed.snapped,
    out: Object.fromEntries(r.sent),
    transmitted: r.transmitted,
    files: Object.fromEntries(out.files),
    dropped: r.dropped,
    drop_reasons: Object.fromEntries(r.dropReasons),
    timers_left: r.timersLeft,
    virtual_ns: r.endNs,
  })}\n`;
}

export async function runReplay(argv: readonly string[], io: Io): Promise<number> {
  const p = parseCommandLine(SPEC, argv);
  if (!p.ok) {
    io.err.write(`${p.error}\nRun 'v6stack replay --help' for usage.\n`);
    return 2;
  }
  if (p.value.help) {
    io.out.write(formatHelp(SPEC));
    return 0;
  }
  const setupPath = str(p.value, 'setup');
  const ingress = str(p.value, 'ingress');
  const input = str(p.value, 'in');
  const outDir = str(p.value, 'out-dir');
  for (const [name, v] of [['setup', setupPath], ['ingress', ingress], ['in', input], ['out-dir', outDir]] as const) {
    if (v === undefined || v === '') return usageError(io, `option '--${name}' is required`);
  }
  if (setupPath === undefined || ingress === undefined || input === undefined || outDir === undefined) return 2;
  const clockText = str(p.value, 'clock');
  let clockNs: bigint | undefined;
  if (clockText !== undefined) {
    clockNs = parseClock(clockText);
    if (clockNs === undefined) return usageError(io, `option '--clock' takes seconds since the epoch (e.g. 1700000000 or 1700000000.25), not '${clockText}'`);
  }
  let setup: string;
  try {
    setup = readFileSync(setupPath, 'utf8');
  } catch (e) {
    io.err.write(`v6stack replay: cannot read ${setupPath}: ${errText(e)}\n`);
    return 1;
  }
  const opened = tryOpenCapture(input);
  if (!opened.ok) {
    io.err.write(`v6stack replay: ${opened.error.message}\n`);
    return 1;
  }
  const reader = opened.value;
  try {
    try {
      mkdirSync(outDir, { recursive: true });
    } catch (e) {
      io.err.write(`v6stack replay: cannot make ${outDir}: ${errText(e)}\n`);
      return 1;
    }
    const feed = new CaptureFeed();
    const out = new Outputs(outDir);
    const r = await replay({
      setup,
      setupName: setupPath,
      ingress,
      packets: capturePackets(reader, feed),
      ...(clockNs !== undefined ? { clockNs } : {}),
      onTransmit: (dev, data, ts) => out.write(dev, data, ts),
    });
    out.close();
    if (!r.ok) {
      io.err.write(`v6stack replay: ${r.error.message}\n`);
      return r.error.kind === 'packet' || r.error.kind === 'internal' ? 1 : 2;
    }
    io.out.write(flag(p.value, 'json') ? summaryJson(r.value, feed, out) : summaryLine(r.value, feed, out));
    let status = 0;
    if (feed.error !== undefined) {
      io.err.write(`v6stack replay: ${input}: ${feed.error.message} (the packets before it were replayed)\n`);
      status = 1;
    }
    if (out.error !== undefined) {
      io.err.write(`v6stack replay: ${out.error}\n`);
      status = 1;
    }
    return status;
  } finally {
    reader.close();
  }
}

export const replayCommand: Command = {
  name: 'replay',
  summary: 'push a capture through a node configured by a script; write what each device sent',
  run: runReplay,
};
