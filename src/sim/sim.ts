/**
 * A simulation: one Kernel whose namespaces are the topology's nodes, joined by link models,
 * configured with the topology's `ip` and `sysctl` lines, driven by traffic generators on the
 * virtual clock.
 *
 * Build order (`buildSimulation`):
 * 1. a Kernel with a ManualClock and the seed (every namespace rng and every link's loss stream
 *    derive from it);
 * 2. per node, `ip netns add NODE` and `ip -n NODE link set lo up`;
 * 3. per link, `ip -n A link add DEV type veth peer name PEER netns B`, then `mtu`,
 *    `txqueuelen` and `up` on both ends, all through `ip`;
 * 4. the link models replace the veth transmit of both ends (link.ts);
 * 5. each node's setup lines, in node order then line order;
 * 6. captures, drop observers, the IOAM collector, then the traffic generators.
 *
 * Every configuration line goes through a `SetupShell`: the CLI gives the same in-process
 * netlink path `v6stack start` and the daemon use (`ip` and `sysctl` over a kernel opener), so
 * a topology configures exactly what those commands would. A failing line stops the build with
 * an error naming the file, the line, the field and what the command printed.
 *
 * Determinism: the run reads no wall clock and no unseeded randomness; events at one instant
 * run in scheduling order; nodes, links, flows and captures are kept in topology order.
 */

import type { ByteSink } from '../io/capture-file.ts';
import { Kernel } from '../kernel.ts';
import type { Net } from '../net/net.ts';
import type { NetDevice } from '../net/netdevice.ts';
import type { PacketBuffer } from '../net/packet-buffer.ts';
import { ManualClock } from '../time/clock.ts';
import { dropReasonName } from '../uapi/dropreason.ts';
import { errnoName } from '../uapi/errno.ts';
import { ICMP6_TYPE_NAMES } from '../net/mib.ts';
import { parseIpv6Address } from '../wire/address.ts';
import type { Result } from '../wire/result.ts';
import { InterfaceCapture, captureFileName } from './capture.ts';
import { EventQueue, type ProgressCallback, runUntil } from './events.ts';
import { IoamCollector } from './ioam-stats.ts';
import { type SimLink, installLink } from './link.ts';
import type { FlowReport, LinkReport, NodeReport, SimReport, WireReport } from './report.ts';
import { summarize } from './report.ts';
import type { Topology } from './topology.ts';
import { FlowRunner, type TrafficStack } from './traffic.ts';
import { socketTrafficStack } from './sockets.ts';

/** What running one configuration line printed. */
export interface ShellResult {
  readonly status: number;
  readonly out: string;
  readonly err: string;
}

/** Runs `ip ARGS` or `sysctl ARGS` against the kernel, in namespace `node` (undefined: init_net). */
export interface SetupShell {
  run(command: 'ip' | 'sysctl', args: readonly string[], node: string | undefined): Promise<ShellResult>;
}

export interface SimError {
  readonly file: string;
  readonly line: number;
  readonly path: string;
  readonly message: string;
}

export interface SimOptions {
  /** Overrides the topology's seed. */
  readonly seed?: number;
  /** Overrides the topology's duration (ns). */
  readonly untilNs?: number;
  /** The shell for setup lines, given the kernel the simulation built. */
  readonly shell: (kernel: Kernel) => SetupShell;
  /** The traffic generators' access to the stacks (default: the kernel's UDP and ping sockets). */
  readonly traffic?: (kernel: Kernel) => TrafficStack;
  /** Where the capture of `node:dev` goes; without it captures are not written. */
  readonly captureSink?: (node: string, dev: string) => ByteSink;
  readonly progress?: ProgressCallback;
}

export class Simulation {
  readonly topology: Topology;
  readonly kernel: Kernel;
  readonly queue = new EventQueue();
  readonly seed: number;
  readonly nodes: Net[] = [];
  readonly links: SimLink[] = [];
  readonly captures: InterfaceCapture[] = [];
  readonly flows: FlowRunner[] = [];
  readonly ioam = new IoamCollector();
  /** Drops per node, by reason number, in order of first sight. */
  readonly drops: Array<Map<number, number>>;
  readonly #options: SimOptions;
  #events = 0;
  #ran = false;

  constructor(topology: Topology, options: SimOptions) {
    this.topology = topology;
    this.#options = options;
    this.seed = options.seed ?? topology.seed;
    this.kernel = new Kernel({ seed: this.seed, clock: new ManualClock() });
    this.drops = topology.nodes.map(() => new Map<number, number>());
  }

  /** The namespace of node `name`. */
  net(name: string): Net | undefined {
    return this.kernel.world.byName(name);
  }

  /** Device `dev` of node `node`. */
  device(node: string, dev: string): NetDevice | undefined {
    const net = this.net(node);
    return net === undefined ? undefined : this.kernel.netdev.table(net).getByName(dev);
  }

  /** Runs the simulation (once) and returns its report. */
  run(): SimReport {
    if (this.#ran) throw new Error('a Simulation runs once');
    this.#ran = true;
    const end = this.#options.untilNs ?? this.topology.durationNs;
    this.#events = runUntil(this.kernel.world, this.queue, end, this.#options.progress);
    for (const f of this.flows) f.stop();
    for (const c of this.captures) c.close();
    return this.report();
  }

  report(): SimReport {
    const t = this.topology;
    const world = this.kernel.world;
    const nodeIds = new Map<number, string>();
    for (const n of this.nodes) {
      const id = ioam6Id(n);
      if (!nodeIds.has(id)) nodeIds.set(id, n.name);
    }
    const flows: FlowReport[] = this.flows.map((f) => {
      const s = f.stats;
      const spec = f.spec;
      const errors: Record<string, number> = {};
      for (const [errno, n] of [...s.sendErrors].sort((a, b) => a[0] - b[0])) errors[errnoName(errno) ?? `errno ${errno}`] = n;
      return {
        name: spec.name,
        type: spec.type,
        from: spec.from,
        to: spec.type === 'udp' ? spec.to : spec.dst,
        dst: spec.dst,
        sent: s.sent,
        delivered: s.delivered,
        lost: s.sent - s.delivered,
        duplicates: s.duplicates,
        sendErrors: errors,
        latency: summarize(s.latencies.slice(0, s.delivered)),
      };
    });
    const links: LinkReport[] = this.links.map((l, i) => {
      const spec = t.links[i];
      const dir = (w: SimLink['ab'], from: string, to: string): WireReport => ({
        from,
        to,
        txPackets: w.stats.txPackets,
        txBytes: w.stats.txBytes,
        lost: w.stats.lost,
        delivered: w.stats.delivered,
        maxQueuePackets: w.stats.maxQueuePackets,
        maxQueueBytes: w.stats.maxQueueBytes,
      });
      const a = spec === undefined ? '?' : `${spec.a.node}:${spec.a.dev}`;
      const b = spec === undefined ? '?' : `${spec.b.node}:${spec.b.dev}`;
      return { name: l.name, delayNs: spec?.delayNs ?? 0, rateBps: spec?.rateBps ?? 0, loss: spec?.loss ?? 0, directions: [dir(l.ab, a, b), dir(l.ba, b, a)] };
    });
    const nodes: NodeReport[] = this.nodes.map((n, i) => {
      const counters: Record<string, number> = {};
      for (const [name, v] of n.mib.snapshot()) {
        if (v === 0) continue;
        // The numbered Icmp6InTypeN duplicates a named counter when the type has a name.
        const m = /^Icmp6(?:In|Out)Type(\d+)$/.exec(name);
        if (m !== null && ICMP6_TYPE_NAMES[Number(m[1])] !== undefined) continue;
        counters[name] = v;
      }
      const drops: Record<string, number> = {};
      for (const [reason, count] of this.drops[i] ?? []) drops[dropReasonName(reason) ?? `reason ${reason}`] = count;
      return { name: n.name, ioam6Id: ioam6Id(n), counters, drops };
    });
    const paths = this.ioam.paths.map((p) => {
      const name = (id: number): string => nodeIds.get(id) ?? '?';
      return {
        nodeIds: p.nodeIds,
        nodes: p.nodeIds.map(name),
        packets: p.packets,
        hops: p.hops.map((h) => ({
          from: name(h.from),
          to: name(h.to),
          samples: h.delaysUs.length,
          delay: summarize(h.delaysUs.map((us) => us * 1000)),
        })),
      };
    });
    return {
      file: t.file,
      seed: this.seed,
      endNs: world.clock.nowNs(),
      events: this.#events,
      flows,
      links,
      nodes,
      ioam: { paths, malformed: this.ioam.malformed },
      captures: this.captures.map((c) => ({ node: c.node, dev: c.dev, file: captureFileName(c.node, c.dev), packets: c.packets })),
    };
  }
}

function ioam6Id(net: Net): number {
  const r = net.sysctl.read('net.ipv6.ioam6_id');
  return r.ok ? Number(r.value) : 0;
}

function fail(t: Topology, line: number, path: string, message: string): { ok: false; error: SimError } {
  return { ok: false, error: { file: t.file, line, path, message } };
}

/** What a failed command printed, on one line. */
function said(r: ShellResult): string {
  const text = (r.err + r.out).trim().replace(/\s*\n\s*/g, ' / ');
  return text === '' ? `exit status ${r.status}` : `${text} (exit status ${r.status})`;
}

/** Builds the simulation `topology` describes; an error names the file, line and field. */
export async function buildSimulation(topology: Topology, options: SimOptions): Promise<Result<Simulation, SimError>> {
  const t = topology;
  const sim = new Simulation(t, options);
  const kernel = sim.kernel;
  const shell = options.shell(kernel);
  const nodes = sim.nodes;
  const ip = async (args: string[], node: string | undefined, line: number, path: string): Promise<SimError | undefined> => {
    const r = await shell.run('ip', args, node);
    if (r.status === 0) return undefined;
    return fail(t, line, path, `"ip ${node === undefined ? '' : `-n ${node} `}${args.join(' ')}" failed: ${said(r)}`).error;
  };

  for (const n of t.nodes) {
    const e = (await ip(['netns', 'add', n.name], undefined, n.line, `nodes.${n.name}`)) ?? (await ip(['link', 'set', 'lo', 'up'], n.name, n.line, `nodes.${n.name}`));
    if (e !== undefined) return { ok: false, error: e };
    const net = sim.net(n.name);
    if (net === undefined) return fail(t, n.line, `nodes.${n.name}`, 'the namespace was not created');
    nodes.push(net);
  }

  for (const [i, l] of t.links.entries()) {
    const path = `links[${i}]`;
    const steps: Array<[string[], string]> = [[['link', 'add', l.a.dev, 'type', 'veth', 'peer', 'name', l.b.dev, 'netns', l.b.node], l.a.node]];
    for (const end of [l.a, l.b]) {
      if (l.mtu !== undefined) steps.push([['link', 'set', end.dev, 'mtu', String(l.mtu)], end.node]);
      if (l.queue !== undefined) steps.push([['link', 'set', end.dev, 'txqueuelen', String(l.queue)], end.node]);
    }
    for (const end of [l.a, l.b]) steps.push([['link', 'set', end.dev, 'up'], end.node]);
    for (const [args, node] of steps) {
      const e = await ip(args, node, l.line, path);
      if (e !== undefined) return { ok: false, error: e };
    }
    const a = sim.device(l.a.node, l.a.dev);
    const b = sim.device(l.b.node, l.b.dev);
    if (a === undefined || b === undefined) return fail(t, l.line, path, 'the veth pair was not created');
    const name = `${l.a.node}:${l.a.dev}--${l.b.node}:${l.b.dev}`;
    sim.links.push(installLink(name, sim.queue, a, b, l, kernel.world.rng.fork(`link:${name}`)));
  }

  for (const n of t.nodes) {
    for (const [i, s] of n.setup.entries()) {
      const args = s.command === 'ip' ? s.args : ['--netns', n.name, ...s.args];
      const r = await shell.run(s.command, args, s.command === 'ip' ? n.name : undefined);
      if (r.status !== 0) return fail(t, s.line, `nodes.${n.name}[${i}]`, `"${s.text}" failed: ${said(r)}`);
    }
  }

  for (const [i, c] of t.capture.entries()) {
    const sinkOf = options.captureSink;
    if (sinkOf === undefined) break;
    const dev = sim.device(c.node, c.dev);
    if (dev === undefined) return fail(t, c.line, `capture[${i}]`, `no device ${c.dev} on ${c.node} any more (a setup line removed or renamed it)`);
    const cap = new InterfaceCapture(c.node, c.dev, sinkOf(c.node, c.dev), kernel.world.clock);
    sim.captures.push(cap);
    for (const l of sim.links) {
      if (l.ab.dev === dev) l.ab.txTap = cap.tx;
      if (l.ba.dev === dev) l.ba.txTap = cap.tx;
      if (l.ab.peer === dev) l.ab.rxTap = chainTap(l.ab.rxTap, cap.rx);
      if (l.ba.peer === dev) l.ba.rxTap = chainTap(l.ba.rxTap, cap.rx);
    }
  }

  // Drops by reason (the kfree_skb observer of each node), keeping any observer already set.
  const ipv6 = kernel.ipv6;
  if (ipv6 !== undefined) {
    nodes.forEach((net, i) => {
      const ip6 = ipv6.get(net);
      const before = ip6.onDrop;
      const counts = sim.drops[i] as Map<number, number>;
      ip6.onDrop = (pkb, reason, dev) => {
        counts.set(reason, (counts.get(reason) ?? 0) + 1);
        before?.(pkb, reason, dev);
      };
    });
  }

  // IOAM traces of packets arriving at the node that owns their destination.
  const collector = sim.ioam;
  for (const l of sim.links) {
    for (const w of [l.ab, l.ba]) {
      const peer = w.peer;
      // After the peer processed it: the destination has filled its own entry by then.
      w.afterRx = {
        packet(pkb: PacketBuffer): void {
          const b = pkb.buf;
          const nh = pkb.networkHeader;
          if (nh < 0 || nh + 40 > pkb.tail || b[nh + 6] !== 0) return; // no Hop-by-Hop header, no trace
          if (!kernel.addrconf.isLocalAddr(peer.net, b.subarray(nh + 24, nh + 40), 0)) return;
          collector.packet(b, nh, pkb.tail);
        },
      };
    }
  }

  if (t.traffic.length > 0) {
    const stack = (options.traffic ?? socketTrafficStack)(kernel);
    for (const [i, spec] of t.traffic.entries()) {
      const from = sim.net(spec.from);
      const dst = parseIpv6Address(spec.dst);
      if (from === undefined || dst === undefined) return fail(t, spec.line, `traffic[${i}]`, 'unknown node or address');
      const runner = new FlowRunner(spec, i, sim.queue, from);
      const r = runner.start(stack, dst, spec.type === 'udp' ? sim.net(spec.to) : undefined);
      if (!r.ok) return fail(t, spec.line, `traffic[${i}]`, r.error);
      sim.flows.push(runner);
    }
  }
  return { ok: true, value: sim };
}

/** A tap that calls `first` (if any) then `next`. */
function chainTap(first: { packet(pkb: PacketBuffer, nowNs: number): void } | null, next: { packet(pkb: PacketBuffer, nowNs: number): void }): { packet(pkb: PacketBuffer, nowNs: number): void } {
  if (first === null) return next;
  return {
    packet(pkb, nowNs) {
      first.packet(pkb, nowNs);
      next.packet(pkb, nowNs);
    },
  };
}
