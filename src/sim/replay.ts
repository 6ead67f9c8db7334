/**
 * Replay: captured traffic through one configured node. A fresh Kernel gets one namespace
 * ("replay"); a setup script configures it with the same command language as the daemon's
 * config files (`ip ...` as iproute2 6.1, `sysctl [-w] key=value` as procps; iproute2's batch
 * rules for words, quotes, `#` comments and `\` continuations); then every packet enters the
 * ingress device's receive path at its capture time on the virtual clock, and what each device
 * transmits is recorded. This is how a user pushes a capture through a node, and how tests
 * compare the node with the Linux kernel.
 *
 * Time. The Kernel runs on a ManualClock. Monotonic time starts at 0 and follows the capture:
 * packet i enters at (its timestamp - the first packet's timestamp), timers due before it fire
 * first. A packet stamped earlier than the one before it enters at the current time (monotonic
 * time never goes back). The wall clock (packet timestamps of what the node sends, IOAM
 * timestamps) reads the first packet's timestamp at that instant, or `clockNs` when given.
 * After the last packet the clock moves from timer to timer until none is pending, at most
 * `drainNs` (10 minutes by default) past the last packet; the result says how many timers
 * were still pending then.
 *
 * Capture. Every device whose transmissions leave the node is tapped: a dummy (whose driver
 * would only count and free the packet), a tun (nobody reads it here), a veth whose peer is not
 * in the node. Its transmit slot is replaced with one that records the packet (network header
 * first, as a tun carries it), stamped with the wall clock, and counts tx_packets/tx_bytes as
 * the driver would. Loopback and a veth whose peer is in the node keep their own transmit: those
 * packets stay inside. The slot checks where the peer is at each packet, so moving devices later
 * is followed.
 */

import { createIpLinkObject } from '../iproute/link.ts';
import { ipAddressObject } from '../iproute/address.ts';
import { makeIpRoute } from '../iproute/route.ts';
import { doIoam } from '../iproute/ioam.ts';
import { runIp } from '../iproute/ip.ts';
import type { IpHost } from '../iproute/ip.ts';
import { getCmdLines, makeargs } from '../iproute/batch.ts';
import { IprouteExit } from '../iproute/cmdline.ts';
import { InProcessTransport } from '../iproute/transport.ts';
import { Kernel } from '../kernel.ts';
import { rootCredentials } from '../net/credentials.ts';
import { VethDevice } from '../net/device-kinds.ts';
import type { Net } from '../net/net.ts';
import { NETDEV_REGISTER } from '../net/netdevice.ts';
import type { NetDevice, NetdevXmit } from '../net/netdevice.ts';
import { PacketBuffer } from '../net/packet-buffer.ts';
import { sysctlPath } from '../net/sysctl.ts';
import type { CaptureError, CaptureReader } from '../io/capture-file.ts';
import { ManualClock, jiffiesToNs } from '../time/clock.ts';
import type { Timespec64 } from '../time/clock.ts';
import { EACCES, ENOENT, EPERM, strerror } from '../uapi/errno.ts';
import { ETH_P_IPV6 } from '../uapi/if_ether.ts';
import { IFF_LOOPBACK } from '../uapi/if.ts';
import { SKB_CONSUMED, SKB_NOT_DROPPED_YET, dropReasonName } from '../uapi/dropreason.ts';
import { LINK, NetworkLocation, locateNetwork } from '../wire/link.ts';
import type { Result } from '../wire/result.ts';
import { ok } from '../wire/result.ts';

/** One packet in or out: IPv6 bytes (network header first) and a wall-clock time in ns. */
export interface ReplayPacket {
  readonly data: Uint8Array;
  readonly tsNs: bigint;
}

/** Called for each transmitted packet instead of keeping it; `data` is valid during the call. */
export type ReplayTransmit = (device: string, data: Uint8Array, tsNs: bigint) => void;

export interface ReplayOptions {
  /** The setup script's text. */
  readonly setup: string;
  /** The script's name in messages (default "setup"). */
  readonly setupName?: string;
  /** The device packets arrive on. */
  readonly ingress: string;
  /** The packets; replay copies each one before asking for the next. */
  readonly packets: Iterable<ReplayPacket> | AsyncIterable<ReplayPacket>;
  /** Wall-clock time (ns since the epoch) at the first packet; default its own timestamp. */
  readonly clockNs?: bigint;
  /** Stream transmitted packets here (then `outputs` stays empty): constant memory. */
  readonly onTransmit?: ReplayTransmit;
  /** How long (virtual ns) timers may run after the last packet; default 10 minutes. */
  readonly drainNs?: number;
  /** The Kernel's rng seed (default 1), so runs repeat exactly. */
  readonly seed?: number;
  /** Called after the setup, before the first packet: attach sockets, observers, timers. */
  readonly prepare?: (kernel: Kernel, net: Net) => void;
}

export interface ReplayResult {
  /** Packets each device transmitted, in order (empty when `onTransmit` was given). */
  readonly outputs: ReadonlyMap<string, readonly ReplayPacket[]>;
  /** Packets fed into the ingress device. */
  readonly received: number;
  /** Packets transmitted by all devices. */
  readonly transmitted: number;
  /** Packets transmitted per device. */
  readonly sent: ReadonlyMap<string, number>;
  /** Packets the node dropped (received or its own), and their count per drop reason. */
  readonly dropped: number;
  readonly dropReasons: ReadonlyMap<string, number>;
  /** Timers still pending when the drain limit stopped the run (0: the node went idle). */
  readonly timersLeft: number;
  /** Virtual monotonic time at the end, ns. */
  readonly endNs: number;
  readonly kernel: Kernel;
  readonly net: Net;
}

export interface ReplayError {
  /**
   * setup: a script line failed; ingress: no such device; packet: a packet could not enter;
   * options: bad ReplayOptions; internal: the node threw while handling a packet (a bug).
   */
  readonly kind: 'setup' | 'ingress' | 'packet' | 'options' | 'internal';
  /** The script line (setup errors). */
  readonly line?: number;
  /** The packet's index, from 0 (packet and internal errors). */
  readonly packet?: number;
  /** One line: `setup.sh:3: Error: ...`, `packet 5: ...`. */
  readonly message: string;
}

/** The namespace's name. */
export const REPLAY_NETNS = 'replay';
/** The default drain limit: ten virtual minutes. */
export const REPLAY_DRAIN_NS = 10 * 60 * 1_000_000_000;
/** Headroom of each received packet: encapsulations (IOAM, tunnels) push into it. */
const RX_HEADROOM = 256;
const NS_PER_SEC = 1_000_000_000n;

function fail(e: ReplayError): { readonly ok: false; readonly error: ReplayError } {
  return { ok: false, error: e };
}

// ---------------------------------------------------------------------------------------------
// The setup script

/** What procps prints for a key: the slash path with '.' and '/' swapped. */
function dotted(name: string): string {
  let out = '';
  for (const ch of sysctlPath(name)) out += ch === '/' ? '.' : ch === '.' ? '/' : ch;
  return out;
}

/**
 * `sysctl` of a script line, procps-style: -w, -q, -e; KEY=VALUE writes, KEY reads (and only
 * checks the key exists). The first error's text, or undefined.
 */
function runSysctl(net: Net, argv: readonly string[]): string | undefined {
  let ignore = false;
  const args: string[] = [];
  for (const a of argv) {
    if (a.startsWith('-') && a.length > 1) {
      for (const ch of a.slice(1)) {
        if (ch === 'e') ignore = true;
        else if (ch !== 'w' && ch !== 'q') return `sysctl: invalid option -- '${ch}' (a setup line takes -w, -q, -e and KEY=VALUE)`;
      }
    } else args.push(a);
  }
  if (args.length === 0) return 'sysctl: no KEY=VALUE given';
  for (const a of args) {
    const eq = a.indexOf('=');
    const name = (eq === -1 ? a : a.slice(0, eq)).trim();
    if (name === '') return 'sysctl: Path is not under /proc/sys/: /proc/sys/';
    const r = eq === -1 ? net.sysctl.read(name) : net.sysctl.write(name, a.slice(eq + 1).trimStart());
    if (r.ok) continue;
    const errno = r.error.errno;
    if (errno === ENOENT) {
      if (ignore) continue;
      return `sysctl: cannot stat /proc/sys/${sysctlPath(name)}: ${strerror(ENOENT)}`;
    }
    if (errno === EPERM || errno === EACCES) return `sysctl: permission denied on key "${dotted(name)}"`;
    return `sysctl: ${eq === -1 ? 'reading' : 'setting'} key "${dotted(name)}": ${strerror(errno)}`;
  }
  return undefined;
}

/** Text collected from `ip`; the structural Output of cli/output.ts. */
class TextOut {
  text = '';
  readonly closed = false;
  write(t: string): void {
    this.text += t;
  }
  flush(): void {}
}

/** `ip` inside the node: every socket opens in `net` as root; there is no other namespace. */
function ipHost(kernel: Kernel, net: Net, out: TextOut, err: TextOut): IpHost {
  const table = kernel.netdev.table(net);
  const names = {
    nameToIndex: (name: string) => table.getByName(name)?.ifindex ?? 0,
    indexToName: (ifindex: number) => table.getByIndex(ifindex)?.name,
  };
  return {
    out,
    err,
    objects: { link: createIpLinkObject(), address: ipAddressObject, route: makeIpRoute(() => names), ioam: doIoam },
    enterNetns: () => ENOENT,
    openNetlink: (protocol, netns) => {
      if (netns !== undefined) return { errno: ENOENT };
      return InProcessTransport.open(kernel.netlink, net, protocol, rootCredentials(kernel.world.initUserNs));
    },
  };
}

/** Runs the script; the first failure as a ReplayError. */
async function runSetup(kernel: Kernel, net: Net, text: string, name: string): Promise<ReplayError | undefined> {
  const notes = new TextOut();
  let lineno = 0;
  const at = (line: number, message: string): ReplayError => ({ kind: 'setup', line, message: `${name}:${line}: ${message}` });
  try {
    for (const line of getCmdLines(text, notes)) {
      lineno = line.lineno;
      const [head, ...rest] = makeargs(line.text);
      if (head === undefined) continue;
      if (head === 'ip') {
        const out = new TextOut();
        const err = new TextOut();
        const status = await runIp(rest, ipHost(kernel, net, out, err));
        if (status !== 0) {
          const said = err.text.trim();
          return at(lineno, said === '' ? `ip failed with status ${status}` : said.replace(/\n/g, '; '));
        }
      } else if (head === 'sysctl') {
        const e = runSysctl(net, rest);
        if (e !== undefined) return at(lineno, e);
      } else {
        return at(lineno, `unknown command "${head}" (a setup line is ip ... or sysctl -w KEY=VALUE)`);
      }
    }
  } catch (e) {
    if (!(e instanceof IprouteExit)) throw e;
    // makeargs refuses a line (an unterminated quote, too many words).
    return at(lineno, e.stderr.trim());
  }
  if (notes.text !== '') return at(text.split('\n').length, notes.text.trim());
  return undefined;
}

// ---------------------------------------------------------------------------------------------
// The transmit tap

interface Tap {
  readonly outputs: Map<string, ReplayPacket[]>;
  readonly sent: Map<string, number>;
  transmitted: number;
}

/** Whether `dev`'s transmissions leave the node `net`. */
function leavesNode(dev: NetDevice, net: Net): boolean {
  if (dev.flags & IFF_LOOPBACK) return false;
  if (dev instanceof VethDevice) {
    const peer = dev.peer;
    return peer === null || peer.reg !== 'registered' || peer.net !== net;
  }
  return true;
}

function installTap(kernel: Kernel, net: Net, clock: ManualClock, tap: Tap, sink: ReplayTransmit | undefined): void {
  const ts: Timespec64 = { sec: 0, nsec: 0 };
  const record = (dev: NetDevice, data: Uint8Array): void => {
    clock.realtime(ts);
    const tsNs = BigInt(ts.sec) * NS_PER_SEC + BigInt(ts.nsec);
    tap.transmitted++;
    tap.sent.set(dev.name, (tap.sent.get(dev.name) ?? 0) + 1);
    if (sink !== undefined) {
      sink(dev.name, data, tsNs);
      return;
    }
    let list = tap.outputs.get(dev.name);
    if (list === undefined) {
      list = [];
      tap.outputs.set(dev.name, list);
    }
    list.push({ data: data.slice(), tsNs });
  };
  const taps = new Set<NetdevXmit>();
  // After the IPv6 layer's notifier (priority 0) has filled the slot with the kind's transmit.
  kernel.netdev.registerNotifier(
    (event, dev) => {
      if (event !== NETDEV_REGISTER || dev.reg !== 'registered' || dev.net !== net) return;
      const own: NetdevXmit | null = dev.xmit;
      // A device that comes back into the node is tapped already.
      if (own !== null && taps.has(own)) return;
      const tapXmit: NetdevXmit = (d, pkb) => {
        if (d.net !== net || !leavesNode(d, net)) {
          own?.(d, pkb);
          return;
        }
        d.stats.txPackets++;
        d.stats.txBytes += pkb.length;
        record(d, pkb.bytes());
        if (pkb.dropReason === SKB_NOT_DROPPED_YET) pkb.dropReason = SKB_CONSUMED;
      };
      taps.add(tapXmit);
      dev.xmit = tapXmit;
    },
    [net],
    -1,
  );
}

// ---------------------------------------------------------------------------------------------
// Replay

/** Replays `opts.packets` through a node configured by `opts.setup`. */
export async function replay(opts: ReplayOptions): Promise<Result<ReplayResult, ReplayError>> {
  const drainNs = opts.drainNs ?? REPLAY_DRAIN_NS;
  if (!Number.isSafeInteger(drainNs) || drainNs < 0) return fail({ kind: 'options', message: `drain limit must be a non-negative integer of ns, not ${drainNs}` });
  if (opts.clockNs !== undefined && opts.clockNs < 0n) return fail({ kind: 'options', message: `clock must not be before the epoch (${opts.clockNs} ns)` });
  const clock = new ManualClock();
  const kernel = new Kernel({ clock, seed: opts.seed ?? 1 });
  const made = kernel.world.createNet(REPLAY_NETNS);
  if (!made.ok) return fail({ kind: 'options', message: made.error.message });
  const net = made.value;
  const tap: Tap = { outputs: new Map(), sent: new Map(), transmitted: 0 };
  installTap(kernel, net, clock, tap, opts.onTransmit);
  const setupError = await runSetup(kernel, net, opts.setup, opts.setupName ?? 'setup');
  if (setupError !== undefined) return fail(setupError);
  const table = kernel.netdev.table(net);
  const ingress = table.getByName(opts.ingress);
  if (ingress === undefined) {
    const have = table.list().map((d) => d.name).join(', ');
    return fail({ kind: 'ingress', message: `no device "${opts.ingress}" in the node after setup (it has: ${have})` });
  }

  opts.prepare?.(kernel, net);
  const ip6 = kernel.ipv6?.get(net);
  let dropped = 0;
  const dropReasons = new Map<string, number>();
  let current: PacketBuffer | null = null;
  let currentSeen = false;
  const countDrop = (reason: number): void => {
    dropped++;
    const name = dropReasonName(reason) ?? `reason ${reason}`;
    dropReasons.set(name, (dropReasons.get(name) ?? 0) + 1);
  };
  if (ip6 !== undefined) {
    ip6.onDrop = (pkb, reason) => {
      if (pkb === current) currentSeen = true;
      countDrop(reason);
    };
  }

  if (opts.clockNs !== undefined) setWall(clock, opts.clockNs);
  let received = 0;
  let firstTs: bigint | undefined;
  let mono0 = 0;
  /** One packet into the ingress device; an error stops the replay. */
  const feed = (p: ReplayPacket): ReplayError | undefined => {
    const index = received;
    if (p.tsNs < 0n) return { kind: 'packet', packet: index, message: `packet ${index}: timestamp ${p.tsNs} ns is before the epoch` };
    if (firstTs === undefined) {
      firstTs = p.tsNs;
      mono0 = clock.nowNs();
      if (opts.clockNs === undefined) setWall(clock, p.tsNs);
    }
    const offset = p.tsNs - firstTs;
    if (offset > BigInt(Number.MAX_SAFE_INTEGER - mono0)) {
      return { kind: 'packet', packet: index, message: `packet ${index}: ${offset} ns after the first packet, beyond the virtual clock's range (about 104 days)` };
    }
    const at = mono0 + Number(offset);
    const pkb = PacketBuffer.from(p.data, RX_HEADROOM);
    received++;
    current = pkb;
    currentSeen = false;
    try {
      if (at > clock.nowNs()) kernel.world.advance(at - clock.nowNs());
      pkb.tstampNs = clock.nowNs();
      ingress.receive?.(ingress, pkb);
    } catch (e) {
      // A bug, not the packet's fault: say which packet showed it instead of a stack trace.
      return { kind: 'internal', packet: index, message: `packet ${index}: internal error: ${e instanceof Error ? e.message : String(e)}` };
    }
    // Drops below the IPv6 layer (a device that is down) are not reported to the observer.
    if (!currentSeen && pkb.dropReason !== SKB_NOT_DROPPED_YET && pkb.dropReason !== SKB_CONSUMED) countDrop(pkb.dropReason);
    current = null;
    return undefined;
  };
  // A plain iterable is walked without awaiting each packet.
  if (Symbol.iterator in opts.packets) {
    for (const p of opts.packets) {
      const e = feed(p);
      if (e !== undefined) return fail(e);
    }
  } else {
    for await (const p of opts.packets) {
      const e = feed(p);
      if (e !== undefined) return fail(e);
    }
  }

  // Run what is left: timers, until none is pending or the drain limit is reached.
  const stopAt = clock.nowNs() + drainNs;
  let timersLeft = 0;
  for (;;) {
    const next = kernel.world.nextExpiry();
    if (next === undefined) break;
    const when = Math.max(jiffiesToNs(next), clock.nowNs());
    if (when > stopAt) {
      timersLeft = kernel.world.list().reduce((n, x) => n + x.timers.size, 0);
      kernel.world.advance(stopAt - clock.nowNs());
      break;
    }
    kernel.world.advance(when - clock.nowNs());
  }
  if (ip6 !== undefined) ip6.onDrop = null;
  return ok({
    outputs: tap.outputs,
    received,
    transmitted: tap.transmitted,
    sent: tap.sent,
    dropped,
    dropReasons,
    timersLeft,
    endNs: clock.nowNs(),
    kernel,
    net,
  });
}

function setWall(clock: ManualClock, ns: bigint): void {
  clock.setRealtime(Number(ns / NS_PER_SEC), Number(ns % NS_PER_SEC));
}

// ---------------------------------------------------------------------------------------------
// Packets from a capture file

/** What `capturePackets` saw besides IPv6 packets. */
export class CaptureFeed {
  /** Frames read. */
  frames = 0;
  /** IPv6 packets handed on. */
  ipv6 = 0;
  /** Frames skipped, by why: "IPv4", "ethertype 0x0806", "truncated link header", ... */
  readonly skipped = new Map<string, number>();
  /** Packets cut short by the capture's snap length (handed on as captured). */
  snapped = 0;
  /** The damage that ended the file early, if any. */
  error: CaptureError | undefined;

  get skippedTotal(): number {
    let n = 0;
    for (const v of this.skipped.values()) n += v;
    return n;
  }

  skip(why: string): void {
    this.skipped.set(why, (this.skipped.get(why) ?? 0) + 1);
  }
}

/**
 * The IPv6 packets of a capture, found with `locateNetwork` (Ethernet and VLANs, raw IP,
 * LINKTYPE_IPV6, loopback, Linux cooked). Each packet's `data` is a view into the reader's
 * buffer, valid until the next one is asked for (replay copies it at once). Other frames are
 * counted in `feed` and skipped; damage stops the walk and is left in `feed.error`.
 */
export function* capturePackets(reader: CaptureReader, feed: CaptureFeed): Generator<ReplayPacket, void, undefined> {
  const loc = new NetworkLocation();
  while (reader.next()) {
    feed.frames++;
    const end = reader.offset + reader.capLen;
    const st = locateNetwork(reader.linkType, reader.data, reader.offset, end, loc);
    if (st !== LINK.OK) {
      feed.skip(st === LINK.TRUNCATED ? 'truncated link header' : st === LINK.TOO_MANY_TAGS ? 'too many VLAN tags' : `link type ${reader.linkType}`);
      continue;
    }
    if (loc.protocol !== ETH_P_IPV6) {
      feed.skip(loc.protocol === 0x0800 ? 'IPv4' : `ethertype 0x${loc.protocol.toString(16).padStart(4, '0')}`);
      continue;
    }
    if (reader.capLen < reader.origLen) feed.snapped++;
    feed.ipv6++;
    yield { data: reader.data.subarray(loc.offset, end), tsNs: reader.timestampNs() };
  }
  feed.error = reader.error;
}
