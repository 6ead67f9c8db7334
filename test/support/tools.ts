/**
 * Independent implementations for tests: Wireshark's tshark dissects what we emit, Debian's
 * scapy crafts what we decode. Tests call `skipUnless*` first, so a host without the tool skips
 * with a clear message instead of failing obscurely.
 */

import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fromHex } from '../../src/wire/bytes.ts';

export const SCAPY_PYTHON = '/usr/bin/python3';

function probe(cmd: string, args: string[]): boolean {
  const r = spawnSync(cmd, args, { stdio: 'ignore' });
  return r.status === 0;
}

let tsharkSeen: boolean | undefined;
let scapySeen: boolean | undefined;

export function hasTshark(): boolean {
  tsharkSeen ??= probe('tshark', ['--version']);
  return tsharkSeen;
}

export function hasScapy(): boolean {
  scapySeen ??= probe(SCAPY_PYTHON, ['-c', 'import scapy.all']);
  return scapySeen;
}

/** Reason string for `test(name, { skip })`, or false when tshark is there. */
export function skipUnlessTshark(): string | false {
  return hasTshark() ? false : 'tshark is not installed (apt-get install tshark)';
}

export function skipUnlessScapy(): string | false {
  return hasScapy() ? false : `scapy is not importable by ${SCAPY_PYTHON} (apt-get install python3-scapy)`;
}

/** LINKTYPE_RAW: each record is a bare IP packet. */
export const LINKTYPE_RAW = 101;
export const LINKTYPE_ETHERNET = 1;

/** A classic little-endian microsecond pcap holding `packets`, one second apart. */
export function pcapOf(packets: Uint8Array[], linktype = LINKTYPE_RAW): Uint8Array {
  const size = 24 + packets.reduce((n, p) => n + 16 + p.length, 0);
  const out = new Uint8Array(size);
  const dv = new DataView(out.buffer);
  dv.setUint32(0, 0xa1b2c3d4, true);
  dv.setUint16(4, 2, true);
  dv.setUint16(6, 4, true);
  dv.setUint32(16, 262144, true);
  dv.setUint32(20, linktype, true);
  let o = 24;
  packets.forEach((p, i) => {
    dv.setUint32(o, i + 1, true);
    dv.setUint32(o + 8, p.length, true);
    dv.setUint32(o + 12, p.length, true);
    out.set(p, o + 16);
    o += 16 + p.length;
  });
  return out;
}

function withTempFile<T>(name: string, bytes: Uint8Array, fn: (path: string) => T): T {
  const dir = mkdtempSync(join(tmpdir(), 'v6stack-test-'));
  try {
    const path = join(dir, name);
    writeFileSync(path, bytes);
    return fn(path);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** One dissected packet from `tshark -T json`: layer name -> fields (tshark's own JSON). */
export type TsharkLayers = Record<string, unknown>;

/**
 * Runs `tshark -T json` over `packets` and returns each packet's `_source.layers`. Extra
 * arguments (for example `-o`, `-d udp.port==2152,gtp`) go before `-T`.
 */
export function tsharkJson(packets: Uint8Array[], opts: { linktype?: number; args?: string[] } = {}): TsharkLayers[] {
  return withTempFile('in.pcap', pcapOf(packets, opts.linktype ?? LINKTYPE_RAW), (path) => {
    const out = execFileSync('tshark', ['-n', '-r', path, ...(opts.args ?? []), '-T', 'json'], {
      encoding: 'utf8',
      maxBuffer: 256 * 1024 * 1024,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const parsed = JSON.parse(out) as Array<{ _source: { layers: TsharkLayers } }>;
    return parsed.map((p) => p._source.layers);
  });
}

/** tshark's expert info lines ("Malformed", warnings) for `packets`; empty when clean. */
export function tsharkExpertWarnings(packets: Uint8Array[], opts: { linktype?: number; args?: string[] } = {}): string[] {
  return withTempFile('in.pcap', pcapOf(packets, opts.linktype ?? LINKTYPE_RAW), (path) => {
    const out = execFileSync('tshark', ['-n', '-r', path, ...(opts.args ?? []), '-z', 'expert,warn'], {
      encoding: 'utf8',
      maxBuffer: 64 * 1024 * 1024,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const lines = out.split('\n');
    const start = lines.findIndex((l) => l.startsWith('Errors') || l.startsWith('Warns'));
    return start === -1 ? [] : lines.slice(start).filter((l) => l.trim() !== '' && !l.startsWith('='));
  });
}

/**
 * Finds every value of `field` (e.g. "ipv6.opt.ioam.trace.node.id") anywhere in a tshark JSON
 * tree, in document order. tshark nests fields under subtree keys, so a path is not stable.
 */
export function tsharkField(layers: unknown, field: string): string[] {
  const found: string[] = [];
  const walk = (v: unknown): void => {
    if (Array.isArray(v)) {
      v.forEach(walk);
      return;
    }
    if (v === null || typeof v !== 'object') return;
    for (const [k, child] of Object.entries(v as Record<string, unknown>)) {
      if (k === field) {
        if (Array.isArray(child)) child.forEach((c) => found.push(String(c)));
        else if (typeof child !== 'object' || child === null) found.push(String(child));
      }
      walk(child);
    }
  };
  walk(layers);
  return found;
}

/**
 * Builds packets with scapy. `exprs` are Python expressions evaluated after
 * `from scapy.all import *` (and `from scapy.contrib.gtp import *`); the bytes of each come back.
 */
export function scapyBytes(exprs: string[], preamble = ''): Uint8Array[] {
  const script = [
    'import sys, warnings',
    'warnings.filterwarnings("ignore")',
    'from scapy.all import *',
    'from scapy.contrib.gtp import *',
    preamble,
    'for e in sys.stdin.read().split("\\n\\x00\\n"):',
    '    e = e.strip()',
    '    if e: print(bytes(eval(e)).hex())',
  ].join('\n');
  const out = execFileSync(SCAPY_PYTHON, ['-c', script], {
    input: exprs.join('\n\x00\n'),
    encoding: 'utf8',
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  return out
    .split('\n')
    .filter((l) => l.trim() !== '')
    .map((l) => fromHex(l.trim()));
}
