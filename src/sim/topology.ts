/**
 * Topology files: the YAML a simulation is described in (docs/simulator.md has the format with
 * every field, unit and default).
 *
 *   seed: 7                       # rng seed (--seed overrides); default 1
 *   duration: 2s                  # virtual time to run (--until overrides); default: until idle
 *   nodes:                        # one namespace each, in this order
 *     h1:                         # its setup: `ip ...` / `sysctl -w k=v` lines, run in order
 *       - ip -6 addr add 2001:db8:1::1/64 dev eth0
 *   links:                        # veth pairs, created before any setup line runs
 *     - ends: [h1:eth0, r1:eth0]
 *       delay: 1ms                # propagation delay; rate: 10Mbit; loss: 1%; mtu: 1280; queue: 50
 *   traffic:
 *     - type: udp                 # or ping
 *       from: h1
 *       to: h2
 *       dst: 2001:db8:2::1
 *   capture: [r1:eth0]
 *
 * `loadTopology(text, file)` never throws: any input gives a Topology or one error naming the
 * file, the line, the field path and what was expected (`x.yaml:12: links[0].delay: expected a
 * duration like 2ms, got "fast"`). Unknown keys are errors, so a typo never silently does
 * nothing. Line numbers come from the yaml package's node ranges through a LineCounter.
 */

import { LineCounter, isMap, isScalar, isSeq, parseDocument } from 'yaml';
import type { Node as YamlNode, YAMLMap, YAMLSeq } from 'yaml';
import { devValidName } from '../net/netdevice.ts';
import { parseIpv6Address } from '../wire/address.ts';
import { type Result, ok } from '../wire/result.ts';
import { parseDuration, parseRate, parseRatio } from './units.ts';

/** One end of a link or a captured interface: `node:device`. */
export interface Endpoint {
  readonly node: string;
  readonly dev: string;
}

/** A setup line: `ip ...` or `sysctl ...`, split on white space. */
export interface SetupLine {
  readonly command: 'ip' | 'sysctl';
  /** The words after the command name. */
  readonly args: readonly string[];
  readonly text: string;
  readonly line: number;
}

export interface TopologyNode {
  readonly name: string;
  readonly setup: readonly SetupLine[];
  readonly line: number;
}

export interface TopologyLink {
  readonly a: Endpoint;
  readonly b: Endpoint;
  /** One-way propagation delay, ns. */
  readonly delayNs: number;
  /** Serialisation rate in bits per second; 0: unlimited (no queueing). */
  readonly rateBps: number;
  /** Probability that a packet is lost on the wire, each direction. */
  readonly loss: number;
  /** MTU of both ends; undefined keeps the veth default (1500). */
  readonly mtu: number | undefined;
  /** txqueuelen of both ends; undefined keeps the default (1000). */
  readonly queue: number | undefined;
  readonly line: number;
}

export interface UdpFlowSpec {
  readonly type: 'udp';
  readonly name: string;
  readonly from: string;
  readonly to: string;
  readonly dst: string;
  readonly port: number;
  /** UDP payload bytes (at least FLOW_HEADER_LEN: sequence number and send time). */
  readonly size: number;
  readonly count: number;
  /** Time between datagrams, ns (from `interval`, or from `rate` and the packet size). */
  readonly intervalNs: number;
  readonly startNs: number;
  readonly flowLabel: number | undefined;
  readonly hopLimit: number | undefined;
  readonly trafficClass: number | undefined;
  readonly line: number;
}

export interface PingSpec {
  readonly type: 'ping';
  readonly name: string;
  readonly from: string;
  readonly dst: string;
  /** ICMPv6 echo data bytes (ping -s; at least FLOW_HEADER_LEN). */
  readonly size: number;
  readonly count: number;
  readonly intervalNs: number;
  readonly startNs: number;
  readonly hopLimit: number | undefined;
  readonly line: number;
}

export type TrafficSpec = UdpFlowSpec | PingSpec;

/** A captured interface and the line that asks for it. */
export interface CaptureSpec extends Endpoint {
  readonly line: number;
}

export interface Topology {
  readonly file: string;
  readonly seed: number;
  /** Virtual time to run; undefined: until no event is left. */
  readonly durationNs: number | undefined;
  readonly nodes: readonly TopologyNode[];
  readonly links: readonly TopologyLink[];
  readonly traffic: readonly TrafficSpec[];
  readonly capture: readonly CaptureSpec[];
}

export interface TopologyError {
  readonly file: string;
  readonly line: number;
  /** The field path (`links[0].delay`); empty for the document itself. */
  readonly path: string;
  readonly message: string;
}

/** `file:line: path: message`, as the CLI prints it. */
export function formatTopologyError(e: TopologyError): string {
  return `${e.file}:${e.line}: ${e.path === '' ? '' : `${e.path}: `}${e.message}`;
}

/** Bytes each UDP payload and echo body starts with: flow id, sequence number, send time. */
export const FLOW_HEADER_LEN = 16;
export const DEFAULT_SEED = 1;
const UDP_IPV6_OVERHEAD = 48;
const MAX_PAYLOAD = 65_487; // 65535 - 40 - 8: what fits one unfragmented jumbo-less datagram
const MAX_COUNT = 10_000_000;

class TopologyFault {
  readonly error: TopologyError;
  constructor(error: TopologyError) {
    this.error = error;
  }
}

/** What a field reader needs: the file, line lookup, and where in the document we are. */
class Reader {
  readonly file: string;
  readonly #lines: LineCounter;

  constructor(file: string, lines: LineCounter) {
    this.file = file;
    this.#lines = lines;
  }

  line(node: YamlNode | null | undefined): number {
    const at = node?.range?.[0];
    return at === undefined ? 1 : this.#lines.linePos(at).line;
  }

  fail(node: YamlNode | null | undefined, path: string, message: string): never {
    return this.failAt(this.line(node), path, message);
  }

  failAt(line: number, path: string, message: string): never {
    throw new TopologyFault({ file: this.file, line, path, message });
  }

  got(node: YamlNode | null | undefined): string {
    if (node === null || node === undefined) return 'nothing';
    if (isMap(node)) return 'a mapping';
    if (isSeq(node)) return 'a list';
    if (isScalar(node)) return node.value === null ? 'nothing' : JSON.stringify(node.value);
    return 'something else';
  }

  map(node: YamlNode | null | undefined, path: string, what: string): YAMLMap<unknown, unknown> {
    if (!isMap(node)) this.fail(node, path, `expected ${what}, got ${this.got(node)}`);
    return node;
  }

  seq(node: YamlNode | null | undefined, path: string, what: string): YAMLSeq<unknown> {
    if (!isSeq(node)) this.fail(node, path, `expected ${what}, got ${this.got(node)}`);
    return node;
  }

  /** The map's entries as [key, value node, key node], rejecting keys outside `allowed`. */
  entries(m: YAMLMap<unknown, unknown>, path: string, allowed: readonly string[] | undefined): Array<[string, YamlNode | null, YamlNode | null]> {
    const out: Array<[string, YamlNode | null, YamlNode | null]> = [];
    for (const pair of m.items) {
      const k = pair.key as YamlNode | null;
      const key = isScalar(k) ? String(k.value) : undefined;
      if (key === undefined) this.fail(k ?? m, path, `expected plain keys, got ${this.got(k)}`);
      if (allowed !== undefined && !allowed.includes(key)) {
        this.fail(k, join(path, key), `unknown key; expected one of ${allowed.join(', ')}`);
      }
      out.push([key, pair.value as YamlNode | null, k]);
    }
    return out;
  }

  scalar(node: YamlNode | null | undefined, path: string, what: string): string | number | boolean {
    if (!isScalar(node) || node.value === null) this.fail(node, path, `expected ${what}, got ${this.got(node)}`);
    const v = node.value;
    if (typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean') return v;
    return this.fail(node, path, `expected ${what}, got ${this.got(node)}`);
  }

  string(node: YamlNode | null | undefined, path: string, what: string): string {
    const v = this.scalar(node, path, what);
    if (typeof v !== 'string') this.fail(node, path, `expected ${what}, got ${JSON.stringify(v)}`);
    return v;
  }

  integer(node: YamlNode | null | undefined, path: string, min: number, max: number): number {
    const what = `an integer from ${min} to ${max}`;
    const v = this.scalar(node, path, what);
    const n = typeof v === 'number' ? v : typeof v === 'string' && /^(0x[0-9a-f]+|\d+)$/i.test(v.trim()) ? Number(v.trim()) : Number.NaN;
    if (!Number.isSafeInteger(n) || n < min || n > max) this.fail(node, path, `expected ${what}, got ${JSON.stringify(v)}`);
    return n;
  }

  duration(node: YamlNode | null | undefined, path: string): number {
    const what = 'a duration like 2ms (units ns, us, ms, s)';
    const v = this.scalar(node, path, what);
    const ns = typeof v === 'number' && v === 0 ? 0 : typeof v === 'string' ? parseDuration(v) : undefined;
    if (ns === undefined) this.fail(node, path, `expected ${what}, got ${JSON.stringify(v)}`);
    return ns;
  }

  rate(node: YamlNode | null | undefined, path: string): number {
    const what = 'a rate like 10Mbit (units bit, kbit, mbit, gbit, bps, kbps, mbps)';
    const v = this.scalar(node, path, what);
    const bps = typeof v === 'string' ? parseRate(v) : undefined;
    if (bps === undefined) this.fail(node, path, `expected ${what}, got ${JSON.stringify(v)}`);
    return bps;
  }

  ratio(node: YamlNode | null | undefined, path: string): number {
    const what = 'a loss ratio like 1% or 0.01 (between 0 and 1)';
    const v = this.scalar(node, path, what);
    const r = typeof v === 'boolean' ? undefined : parseRatio(v);
    if (r === undefined) this.fail(node, path, `expected ${what}, got ${JSON.stringify(v)}`);
    return r;
  }

  address(node: YamlNode | null | undefined, path: string): string {
    const what = 'an IPv6 address like 2001:db8::1';
    const s = this.string(node, path, what);
    if (parseIpv6Address(s) === undefined) this.fail(node, path, `expected ${what}, got ${JSON.stringify(s)}`);
    return s;
  }
}

function join(path: string, key: string): string {
  return path === '' ? key : `${path}.${key}`;
}

/** Parses and checks a topology; `file` names it in errors. Never throws. */
export function loadTopology(text: string, file: string): Result<Topology, TopologyError> {
  const lines = new LineCounter();
  let doc;
  try {
    doc = parseDocument(text, { lineCounter: lines, prettyErrors: false, uniqueKeys: true });
  } catch (e) {
    return { ok: false, error: { file, line: 1, path: '', message: `not YAML: ${e instanceof Error ? e.message : String(e)}` } };
  }
  const first = doc.errors[0];
  if (first !== undefined) {
    const line = first.linePos?.[0].line ?? lines.linePos(first.pos[0]).line;
    return { ok: false, error: { file, line, path: '', message: `YAML syntax: ${first.message.split('\n')[0] ?? ''}` } };
  }
  const r = new Reader(file, lines);
  try {
    return ok(readTopology(r, doc.contents));
  } catch (e) {
    if (e instanceof TopologyFault) return { ok: false, error: e.error };
    // The yaml package may throw on documents it cannot represent (aliases gone wrong).
    return { ok: false, error: { file, line: 1, path: '', message: `cannot read the document: ${e instanceof Error ? e.message : String(e)}` } };
  }
}

const TOP_KEYS = ['seed', 'duration', 'nodes', 'links', 'traffic', 'capture'] as const;
const LINK_KEYS = ['ends', 'delay', 'rate', 'loss', 'mtu', 'queue'] as const;
const UDP_KEYS = ['type', 'name', 'from', 'to', 'dst', 'port', 'size', 'count', 'interval', 'rate', 'start', 'flowlabel', 'hoplimit', 'tclass'] as const;
const PING_KEYS = ['type', 'name', 'from', 'dst', 'size', 'count', 'interval', 'start', 'hoplimit'] as const;

function readTopology(r: Reader, root: YamlNode | null): Topology {
  const top = r.map(root, '', 'a mapping with nodes, links, traffic, capture');
  let seed = DEFAULT_SEED;
  let durationNs: number | undefined;
  let nodesNode: YamlNode | null = null;
  let linksNode: YamlNode | null = null;
  let trafficNode: YamlNode | null = null;
  let captureNode: YamlNode | null = null;
  for (const [key, value] of r.entries(top, '', TOP_KEYS)) {
    if (key === 'seed') seed = r.integer(value, 'seed', 0, Number.MAX_SAFE_INTEGER);
    else if (key === 'duration') durationNs = r.duration(value, 'duration');
    else if (key === 'nodes') nodesNode = value;
    else if (key === 'links') linksNode = value;
    else if (key === 'traffic') trafficNode = value;
    else captureNode = value;
  }
  if (nodesNode === null) r.fail(top, 'nodes', 'missing; expected a mapping of node names to their setup lines');
  const nodes = readNodes(r, nodesNode);
  const names = new Set(nodes.map((n) => n.name));
  const links = linksNode === null ? [] : readLinks(r, linksNode, names);
  const ends = new Set<string>();
  links.forEach((l, i) => {
    for (const e of [l.a, l.b]) {
      const id = `${e.node}:${e.dev}`;
      if (ends.has(id)) r.failAt(l.line, `links[${i}].ends`, `${id} is already the end of another link`);
      ends.add(id);
    }
  });
  const traffic = trafficNode === null ? [] : readTraffic(r, trafficNode, names);
  const capture: CaptureSpec[] = [];
  if (captureNode !== null) {
    const s = r.seq(captureNode, 'capture', 'a list of node:device names');
    s.items.forEach((item, i) => {
      const e = readEndpoint(r, item as YamlNode | null, `capture[${i}]`, names);
      if (!ends.has(`${e.node}:${e.dev}`)) r.fail(item as YamlNode, `capture[${i}]`, `expected the end of a link, got "${e.node}:${e.dev}"`);
      if (capture.some((c) => c.node === e.node && c.dev === e.dev)) r.fail(item as YamlNode, `capture[${i}]`, `"${e.node}:${e.dev}" is listed twice`);
      capture.push({ ...e, line: r.line(item as YamlNode) });
    });
  }
  return { file: r.file, seed, durationNs, nodes, links, traffic, capture };
}

const NODE_NAME = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,31}$/;

function readNodes(r: Reader, node: YamlNode | null): TopologyNode[] {
  const m = r.map(node, 'nodes', 'a mapping of node names to their setup lines');
  const out: TopologyNode[] = [];
  for (const [name, value, key] of r.entries(m, 'nodes', undefined)) {
    const path = `nodes.${name}`;
    if (!NODE_NAME.test(name)) r.fail(key, path, 'expected a node name of letters, digits, "_", "." and "-" (at most 32)');
    const setup: SetupLine[] = [];
    if (!(isScalar(value) && value.value === null) && value !== null) {
      const s = r.seq(value, path, 'a list of setup lines (ip ... or sysctl ...)');
      s.items.forEach((item, i) => {
        const n = item as YamlNode | null;
        const text = r.string(n, `${path}[${i}]`, 'a setup line (ip ... or sysctl ...)');
        const words = text.trim().split(/\s+/).filter((w) => w !== '');
        const cmd = words[0];
        if (cmd !== 'ip' && cmd !== 'sysctl') r.fail(n, `${path}[${i}]`, `expected a line starting with "ip" or "sysctl", got ${JSON.stringify(text)}`);
        if (words.length < 2) r.fail(n, `${path}[${i}]`, `expected arguments after "${cmd}"`);
        setup.push({ command: cmd, args: words.slice(1), text: text.trim(), line: r.line(n) });
      });
    }
    out.push({ name, setup, line: r.line(key) });
  }
  if (out.length === 0) r.fail(m, 'nodes', 'expected at least one node');
  return out;
}

function readEndpoint(r: Reader, node: YamlNode | null, path: string, names: ReadonlySet<string>): Endpoint {
  const what = 'node:device, like r1:eth0';
  const s = r.string(node, path, what);
  const colon = s.indexOf(':');
  const nodeName = colon === -1 ? '' : s.slice(0, colon);
  const dev = colon === -1 ? '' : s.slice(colon + 1);
  if (nodeName === '' || !devValidName(dev)) r.fail(node, path, `expected ${what}, got ${JSON.stringify(s)}`);
  if (!names.has(nodeName)) r.fail(node, path, `expected a node listed under nodes, got "${nodeName}"`);
  return { node: nodeName, dev };
}

function readLinks(r: Reader, node: YamlNode, names: ReadonlySet<string>): TopologyLink[] {
  const s = r.seq(node, 'links', 'a list of links');
  return s.items.map((item, i) => {
    const path = `links[${i}]`;
    const m = r.map(item as YamlNode | null, path, 'a link: a mapping with ends, delay, rate, loss, mtu, queue');
    let a: Endpoint | undefined;
    let b: Endpoint | undefined;
    let delayNs = 0;
    let rateBps = 0;
    let loss = 0;
    let mtu: number | undefined;
    let queue: number | undefined;
    for (const [key, value] of r.entries(m, path, LINK_KEYS)) {
      const p = `${path}.${key}`;
      if (key === 'ends') {
        const e = r.seq(value, p, 'two ends, like [h1:eth0, r1:eth0]');
        if (e.items.length !== 2) r.fail(e, p, `expected two ends, got ${e.items.length}`);
        a = readEndpoint(r, e.items[0] as YamlNode | null, `${p}[0]`, names);
        b = readEndpoint(r, e.items[1] as YamlNode | null, `${p}[1]`, names);
        if (a.node === b.node && a.dev === b.dev) r.fail(e, p, 'expected two different ends');
      } else if (key === 'delay') delayNs = r.duration(value, p);
      else if (key === 'rate') rateBps = r.rate(value, p);
      else if (key === 'loss') loss = r.ratio(value, p);
      else if (key === 'mtu') mtu = r.integer(value, p, 1280, 65535);
      else queue = r.integer(value, p, 1, 100_000);
    }
    if (a === undefined || b === undefined) return r.fail(m, `${path}.ends`, 'missing; expected two ends, like [h1:eth0, r1:eth0]');
    return { a, b, delayNs, rateBps, loss, mtu, queue, line: r.line(m) };
  });
}

function readTraffic(r: Reader, node: YamlNode, names: ReadonlySet<string>): TrafficSpec[] {
  const s = r.seq(node, 'traffic', 'a list of flows (type: udp or ping)');
  const seen = new Set<string>();
  const ports = new Map<string, string>();
  return s.items.map((item, i) => {
    const path = `traffic[${i}]`;
    const m = r.map(item as YamlNode | null, path, 'a flow: a mapping with type udp or ping');
    const typeNode = m.items.find((p) => isScalar(p.key) && p.key.value === 'type')?.value as YamlNode | null | undefined;
    if (typeNode === undefined) r.fail(m, `${path}.type`, 'missing; expected udp or ping');
    const type = r.string(typeNode, `${path}.type`, 'udp or ping');
    if (type !== 'udp' && type !== 'ping') r.fail(typeNode, `${path}.type`, `expected udp or ping, got ${JSON.stringify(type)}`);
    const spec = type === 'udp' ? readUdp(r, m, path, names, i) : readPing(r, m, path, names, i);
    if (seen.has(spec.name)) r.fail(m, `${path}.name`, `"${spec.name}" names another flow already`);
    seen.add(spec.name);
    if (spec.type === 'udp') {
      // Each UDP flow binds its own port on its receiver.
      const other = ports.get(`${spec.to}/${spec.port}`);
      const at = m.items.find((p) => isScalar(p.key) && p.key.value === 'port')?.value as YamlNode | undefined;
      if (other !== undefined) r.fail(at ?? m, `${path}.port`, `node ${spec.to} already receives flow ${other} on port ${spec.port}`);
      ports.set(`${spec.to}/${spec.port}`, spec.name);
    }
    return spec;
  });
}

function nodeRef(r: Reader, value: YamlNode | null, path: string, names: ReadonlySet<string>): string {
  const s = r.string(value, path, 'a node name');
  if (!names.has(s)) r.fail(value, path, `expected a node listed under nodes, got "${s}"`);
  return s;
}

function readUdp(r: Reader, m: YAMLMap<unknown, unknown>, path: string, names: ReadonlySet<string>, index: number): UdpFlowSpec {
  let name = `udp${index}`;
  let from: string | undefined;
  let to: string | undefined;
  let dst: string | undefined;
  let port = 5001;
  let size = 256;
  let count = 100;
  let intervalNs: number | undefined;
  let rateBps: number | undefined;
  let rateNode: YamlNode | null = null;
  let startNs = 0;
  let flowLabel: number | undefined;
  let hopLimit: number | undefined;
  let trafficClass: number | undefined;
  for (const [key, value] of r.entries(m, path, UDP_KEYS)) {
    const p = `${path}.${key}`;
    if (key === 'type') continue;
    if (key === 'name') name = r.string(value, p, 'a flow name');
    else if (key === 'from') from = nodeRef(r, value, p, names);
    else if (key === 'to') to = nodeRef(r, value, p, names);
    else if (key === 'dst') dst = r.address(value, p);
    else if (key === 'port') port = r.integer(value, p, 1, 65535);
    else if (key === 'size') size = r.integer(value, p, FLOW_HEADER_LEN, MAX_PAYLOAD);
    else if (key === 'count') count = r.integer(value, p, 1, MAX_COUNT);
    else if (key === 'interval') intervalNs = r.duration(value, p);
    else if (key === 'rate') {
      rateBps = r.rate(value, p);
      rateNode = value;
    } else if (key === 'start') startNs = r.duration(value, p);
    else if (key === 'flowlabel') flowLabel = r.integer(value, p, 0, 0xfffff);
    else if (key === 'hoplimit') hopLimit = r.integer(value, p, 0, 255);
    else trafficClass = r.integer(value, p, 0, 255);
  }
  if (from === undefined) return r.fail(m, `${path}.from`, 'missing; expected the sending node');
  if (to === undefined) return r.fail(m, `${path}.to`, 'missing; expected the receiving node');
  if (dst === undefined) return r.fail(m, `${path}.dst`, "missing; expected the receiver's IPv6 address");
  if (intervalNs !== undefined && rateBps !== undefined) r.fail(rateNode, `${path}.rate`, 'expected either interval or rate, not both');
  // A rate spaces packets by their IPv6 length (payload + UDP + IPv6 headers).
  const interval = rateBps !== undefined ? Math.max(1, Math.round(((size + UDP_IPV6_OVERHEAD) * 8 * 1e9) / rateBps)) : (intervalNs ?? 10_000_000);
  return { type: 'udp', name, from, to, dst, port, size, count, intervalNs: interval, startNs, flowLabel, hopLimit, trafficClass, line: r.line(m) };
}

function readPing(r: Reader, m: YAMLMap<unknown, unknown>, path: string, names: ReadonlySet<string>, index: number): PingSpec {
  let name = `ping${index}`;
  let from: string | undefined;
  let dst: string | undefined;
  let size = 56;
  let count = 5;
  let intervalNs = 1_000_000_000;
  let startNs = 0;
  let hopLimit: number | undefined;
  for (const [key, value] of r.entries(m, path, PING_KEYS)) {
    const p = `${path}.${key}`;
    if (key === 'type') continue;
    if (key === 'name') name = r.string(value, p, 'a flow name');
    else if (key === 'from') from = nodeRef(r, value, p, names);
    else if (key === 'dst') dst = r.address(value, p);
    else if (key === 'size') size = r.integer(value, p, FLOW_HEADER_LEN, MAX_PAYLOAD);
    else if (key === 'count') count = r.integer(value, p, 1, MAX_COUNT);
    else if (key === 'interval') intervalNs = r.duration(value, p);
    else if (key === 'start') startNs = r.duration(value, p);
    else hopLimit = r.integer(value, p, 0, 255);
  }
  if (from === undefined) return r.fail(m, `${path}.from`, 'missing; expected the pinging node');
  if (dst === undefined) return r.fail(m, `${path}.dst`, 'missing; expected the IPv6 address to ping');
  return { type: 'ping', name, from, dst, size, count, intervalNs, startNs, hopLimit, line: r.line(m) };
}
