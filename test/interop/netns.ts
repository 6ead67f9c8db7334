/**
 * Kernel topologies for interop tests: network namespaces joined by veth pairs, made with
 * iproute2 and always deleted afterwards. Names carry the test process id so parallel runs and
 * leftovers from a crashed run never collide. Tests call `skipUnlessNetns()` first: without
 * root or `ip netns` they skip and say why.
 */

import { execFileSync, spawn, spawnSync } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';

/** tools/packet.py: `cap IFNAME SECONDS` prints received IPv6 frames, `inject IFNAME DSTMAC HEX...` sends. */
export const PACKET_TOOL = fileURLToPath(new URL('./tools/packet.py', import.meta.url));

let netnsProbe: string | false | undefined;

/** False when namespaces can be made here, else the reason to skip. */
export function skipUnlessNetns(): string | false {
  if (netnsProbe !== undefined) return netnsProbe;
  if (typeof process.getuid === 'function' && process.getuid() !== 0) {
    netnsProbe = 'needs root to create network namespaces';
    return netnsProbe;
  }
  const name = `v6p-${process.pid}`;
  const add = spawnSync('ip', ['netns', 'add', name], { encoding: 'utf8' });
  if (add.error !== undefined || add.status !== 0) {
    netnsProbe = `cannot create a network namespace: ${add.error?.message ?? add.stderr.trim()}`;
    return netnsProbe;
  }
  spawnSync('ip', ['netns', 'del', name]);
  netnsProbe = false;
  return netnsProbe;
}

export interface RunResult {
  readonly status: number;
  readonly stdout: string;
  readonly stderr: string;
}

export class Topology {
  readonly #prefix: string;
  readonly #made: string[] = [];
  readonly #children: ChildProcess[] = [];

  constructor(tag: string) {
    this.#prefix = `v6t${process.pid % 100000}${tag}`;
  }

  /** Full kernel name of namespace `short`. */
  ns(short: string): string {
    return `${this.#prefix}-${short}`;
  }

  addNamespace(short: string): string {
    const name = this.ns(short);
    spawnSync('ip', ['netns', 'del', name], { stdio: 'ignore' });
    this.sh('ip', 'netns', 'add', name);
    this.#made.push(name);
    this.inNs(short, 'ip', 'link', 'set', 'lo', 'up');
    return name;
  }

  /** A veth pair: `aDev` in namespace `a`, `bDev` in `b`, both up. */
  link(a: string, aDev: string, b: string, bDev: string): void {
    this.sh('ip', 'link', 'add', aDev, 'netns', this.ns(a), 'type', 'veth', 'peer', 'name', bDev, 'netns', this.ns(b));
    this.inNs(a, 'ip', 'link', 'set', aDev, 'up');
    this.inNs(b, 'ip', 'link', 'set', bDev, 'up');
  }

  /** Runs a command on the host; throws with its stderr when it fails. */
  sh(cmd: string, ...args: string[]): string {
    return execFileSync(cmd, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  }

  /** Runs a command inside namespace `short`; throws when it fails. */
  inNs(short: string, cmd: string, ...args: string[]): string {
    return this.sh('ip', 'netns', 'exec', this.ns(short), cmd, ...args);
  }

  /** Like inNs but returns status and output instead of throwing. */
  tryInNs(short: string, cmd: string, ...args: string[]): RunResult {
    const r = spawnSync('ip', ['netns', 'exec', this.ns(short), cmd, ...args], { encoding: 'utf8' });
    return { status: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
  }

  /** Starts a long-running command inside namespace `short`; it is killed by `destroy`. */
  spawnInNs(short: string, cmd: string, ...args: string[]): ChildProcess {
    const child = spawn('ip', ['netns', 'exec', this.ns(short), cmd, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    this.#children.push(child);
    return child;
  }

  sysctl(short: string, ...settings: string[]): void {
    this.inNs(short, 'sysctl', '-qw', ...settings);
  }

  /** The MAC address of `dev` in namespace `short`. */
  mac(short: string, dev: string): string {
    const m = (JSON.parse(this.inNs(short, 'ip', '-j', 'link', 'show', dev)) as Array<{ address?: string }>)[0]?.address;
    if (m === undefined) throw new Error(`${short}:${dev} has no MAC address`);
    return m;
  }

  /** A permanent neighbour entry on `short`'s `dev`: `addr` is `peer`'s `peerDev`, no discovery. */
  neighbour(short: string, dev: string, addr: string, peer: string, peerDev: string): void {
    this.inNs(short, 'ip', '-6', 'neigh', 'add', addr, 'lladdr', this.mac(peer, peerDev), 'dev', dev, 'nud', 'permanent');
  }

  /** Kills what this topology started (by PID) and deletes its namespaces. */
  destroy(): void {
    for (const c of this.#children) if (c.exitCode === null && c.pid !== undefined) c.kill('SIGKILL');
    for (const n of this.#made.splice(0)) spawnSync('ip', ['netns', 'del', n], { stdio: 'ignore' });
  }
}

/** Collects a child's stdout until it exits. */
export function collect(child: ChildProcess): Promise<{ status: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    let stdout = '';
    let stderr = '';
    child.stdout?.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr?.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('close', (status) => resolve({ status, stdout, stderr }));
  });
}

/**
 * alpha -- beta -- gamma of the kernel's ioam6.sh, in namespaces a, b, c of `t` (DAD off): a0 -
 * b0 and b1 - c0, alpha 2001:db8:1::1/64 on a0, gamma 2001:db8:2::1/64 on c0; beta gets `betaIp`
 * (`ip` lines without `ip`) and `betaSysctl` (`key=value`). Built into a Topology the caller
 * already holds, so its `destroy` removes what a failure part-way left behind.
 */
export function buildAlphaBetaGamma(t: Topology, betaIp: readonly string[], betaSysctl: readonly string[]): void {
  for (const n of ['a', 'b', 'c']) {
    t.addNamespace(n);
    t.sysctl(n, 'net.ipv6.conf.all.accept_dad=0', 'net.ipv6.conf.default.accept_dad=0');
  }
  t.link('a', 'a0', 'b', 'b0');
  t.link('b', 'b1', 'c', 'c0');
  t.inNs('a', 'ip', '-6', 'addr', 'add', '2001:db8:1::1/64', 'dev', 'a0', 'nodad');
  t.inNs('c', 'ip', '-6', 'addr', 'add', '2001:db8:2::1/64', 'dev', 'c0', 'nodad');
  for (const line of betaIp) t.inNs('b', 'ip', ...line.split(' '));
  t.sysctl('b', ...betaSysctl);
}
