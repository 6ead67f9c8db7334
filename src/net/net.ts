/**
 * Network namespaces and the World that owns them.
 *
 * A `Net` is struct net: a name, an id, and everything per namespace: the clock (shared by the
 * World), a timer queue, a seeded rng, the sysctl table (with the IPv6 core entries), the MIB
 * counters, the owning user namespace, and the pernet generic storage. Subsystems hang their
 * state on it through `PernetRegistry` (`net.generic(key)`), never through module state.
 *
 * A `World` is one simulation (or one daemon): it holds the pernet registry, the list of
 * namespaces, the initial user namespace and `initNet`, the first namespace, created with the
 * World and never destroyed, like init_net. Subsystems registered later run their init in every
 * existing namespace, as modules loaded after boot do.
 *
 * Ids. `net.id` is a per-World counter: 0 for initNet, then 1, 2, ... never reused. Linux has
 * no single id: it has proc inode numbers and per-peer netnsids; a World-wide counter is what a
 * simulator needs to name nodes in reports. The netnsids are Linux's too (net_namespace.c):
 * each namespace numbers the namespaces it has to name (a veth peer's, in IFLA_LINK_NETNSID)
 * on first use with the lowest free id from 0 (peernet2id_alloc); the ids of a namespace that
 * dies are forgotten everywhere (unhash_nsid). Not modelled: RTM_NEWNSID/GETNSID, and the
 * RTM_NEWNSID notification an allocation sends.
 *
 * Teardown. `destroyNet` unlinks the namespace (lookups fail from then on), shuts its timer
 * queue down (no callback can see a half-torn namespace; later arming is ignored, like
 * timer_shutdown) and runs every pernet exit in reverse order.
 *
 * Time. With a `ManualClock`, `advance(ns)` moves time forward tick by tick through every
 * pending timer of every namespace, firing each at its expiry with the clock set to it
 * (namespaces in id order within a tick), like gVisor's ManualClock.Advance.
 */

import { type Clock, ManualClock, jiffiesToNs } from '../time/clock.ts';
import { TimerQueue } from '../time/timer.ts';
import { EEXIST, EINVAL } from '../uapi/errno.ts';
import { type Result, ok } from '../wire/result.ts';
import { type UserNamespace, createInitUserNs } from './credentials.ts';
import { Ipv6Mib } from './mib.ts';
import { NetGeneric, type PernetKey, type PernetNamespace, PernetRegistry } from './pernet.ts';
import { Rng, type RngSeed } from './rng.ts';
import { type Ipv6Sysctls, SysctlTable, registerIpv6Sysctls } from './sysctl.ts';

export const INIT_NET_NAME = 'init_net';

/** NETNSA_NSID_NOT_ASSIGNED: a peer without an id. */
export const NETNSA_NSID_NOT_ASSIGNED = -1;

export class Net implements PernetNamespace {
  readonly name: string;
  readonly id: number;
  readonly world: World;
  readonly clock: Clock;
  readonly timers: TimerQueue;
  readonly rng: Rng;
  readonly sysctl: SysctlTable;
  /** Typed handles on the IPv6 core sysctls (net->ipv6.sysctl). */
  readonly ipv6Sysctl: Ipv6Sysctls;
  readonly mib: Ipv6Mib;
  readonly userNs: UserNamespace;
  readonly gen = new NetGeneric();
  #alive = true;
  /** netns_ids: the id this namespace gives each peer it named. */
  readonly #nsids = new Map<Net, number>();

  /** Use World.createNet. */
  constructor(world: World, name: string, id: number, userNs: UserNamespace) {
    this.world = world;
    this.name = name;
    this.id = id;
    this.clock = world.clock;
    this.timers = new TimerQueue(world.clock.jiffies());
    this.rng = world.rng.fork(`netns:${name}`);
    this.sysctl = new SysctlTable();
    this.ipv6Sysctl = registerIpv6Sysctls(this.sysctl);
    this.mib = new Ipv6Mib();
    this.userNs = userNs;
  }

  /** net_generic: the state of a pernet operation in this namespace. */
  generic<T>(key: PernetKey<T>): T {
    return this.gen.get(key);
  }

  /** Current jiffies of the namespace clock. */
  get jiffies(): number {
    return this.clock.jiffies();
  }

  /** False once destroyed (or if its setup failed). */
  get alive(): boolean {
    return this.#alive;
  }

  /** peernet2id: the id `peer` has here, or NETNSA_NSID_NOT_ASSIGNED. */
  peernet2id(peer: Net): number {
    return this.#nsids.get(peer) ?? NETNSA_NSID_NOT_ASSIGNED;
  }

  /**
   * peernet2id_alloc: the id `peer` has here, given now (the lowest free one) if it has none;
   * NETNSA_NSID_NOT_ASSIGNED when either namespace is dead.
   */
  peernet2idAlloc(peer: Net): number {
    if (!this.#alive || !peer.alive) return NETNSA_NSID_NOT_ASSIGNED;
    const have = this.#nsids.get(peer);
    if (have !== undefined) return have;
    const used = new Set(this.#nsids.values());
    let id = 0;
    while (used.has(id)) id++;
    this.#nsids.set(peer, id);
    return id;
  }

  /** The ids given so far, by id (`ip netns list-id`). */
  nsids(): Array<{ readonly id: number; readonly peer: Net }> {
    return [...this.#nsids].map(([peer, id]) => ({ id, peer })).sort((a, b) => a.id - b.id);
  }

  /** Internal to World: unhash_nsid for a peer that died. */
  _forgetPeer(peer: Net): void {
    this.#nsids.delete(peer);
  }

  /** Internal to World. */
  _kill(): void {
    this.#alive = false;
    this.#nsids.clear();
  }
}

export interface WorldOptions {
  /** Seed of every namespace rng (forked by namespace name). Default 0. */
  readonly seed?: RngSeed;
  /** Default: a new ManualClock. */
  readonly clock?: Clock;
}

export interface NetError {
  /** Positive errno. */
  readonly errno: number;
  readonly message: string;
}

export class World {
  readonly clock: Clock;
  readonly rng: Rng;
  readonly pernet = new PernetRegistry<Net>();
  readonly initUserNs: UserNamespace = createInitUserNs();
  readonly initNet: Net;
  readonly #byName = new Map<string, Net>();
  readonly #byId = new Map<number, Net>();
  #nextId = 0;

  constructor(options: WorldOptions = {}) {
    this.clock = options.clock ?? new ManualClock();
    this.rng = new Rng(options.seed ?? 0);
    const r = this.createNet(INIT_NET_NAME);
    // No operation is registered yet, so nothing can fail.
    if (!r.ok) throw new Error(`World: cannot create ${INIT_NET_NAME}: ${r.error.message}`);
    this.initNet = r.value;
  }

  /** copy_net_ns: a new namespace, after every pernet init succeeded. */
  createNet(name: string, options: { readonly userNs?: UserNamespace } = {}): Result<Net, NetError> {
    if (name === '' || name.includes('/') || name === '.' || name === '..') {
      return { ok: false, error: { errno: EINVAL, message: `invalid namespace name ${JSON.stringify(name)}` } };
    }
    if (this.#byName.has(name)) return { ok: false, error: { errno: EEXIST, message: `namespace ${name} already exists` } };
    const net = new Net(this, name, this.#nextId, options.userNs ?? this.initUserNs);
    const err = this.pernet.setupNet(net);
    if (err !== 0) {
      net._kill();
      return { ok: false, error: { errno: -err, message: `namespace ${name}: a pernet init failed with errno ${-err}` } };
    }
    this.#nextId++;
    this.#byName.set(name, net);
    this.#byId.set(net.id, net);
    return ok(net);
  }

  /** Destroys namespaces (one cleanup_net batch). Returns how many were alive here. */
  destroyNet(...nets: Net[]): number {
    const batch: Net[] = [];
    for (const net of nets) {
      if (net === this.initNet) throw new Error('the initial namespace cannot be destroyed');
      if (this.#byId.get(net.id) !== net || batch.includes(net)) continue;
      this.#byName.delete(net.name);
      this.#byId.delete(net.id);
      net.timers.shutdown();
      net._kill();
      batch.push(net);
    }
    // unhash_nsid first: from here on nobody can name the dying namespaces.
    for (const dead of batch) for (const net of this.pernet.nets) net._forgetPeer(dead);
    this.pernet.cleanupNets(batch);
    return batch.length;
  }

  byName(name: string): Net | undefined {
    return this.#byName.get(name);
  }

  byId(id: number): Net | undefined {
    return this.#byId.get(id);
  }

  /** Live namespaces in creation order (initNet first). */
  list(): readonly Net[] {
    return this.pernet.nets;
  }

  /** The earliest timer expiry (jiffies) over all namespaces. */
  nextExpiry(): number | undefined {
    let best: number | undefined;
    for (const net of this.pernet.nets) {
      const e = net.timers.nextExpiry();
      if (e !== undefined && (best === undefined || e < best)) best = e;
    }
    return best;
  }

  /** Fires every timer due at the current jiffies, tick by tick across namespaces. */
  runTimers(): number {
    const now = this.clock.jiffies();
    let fired = 0;
    for (;;) {
      const next = this.nextExpiry();
      if (next === undefined || next > now) break;
      for (const net of this.pernet.nets.slice()) fired += net.timers.runDue(next);
    }
    for (const net of this.pernet.nets) net.timers.runDue(now);
    return fired;
  }

  /** Moves a ManualClock forward by `ns`, firing timers at their expiry times. */
  advance(ns: number): number {
    const clock = this.clock;
    if (!(clock instanceof ManualClock)) throw new Error('World.advance needs a ManualClock');
    const target = clock.nowNs() + ns;
    if (!Number.isSafeInteger(ns) || ns < 0) throw new RangeError(`World.advance: bad duration ${ns}`);
    let fired = 0;
    for (;;) {
      const next = this.nextExpiry();
      if (next === undefined) break;
      const at = jiffiesToNs(next);
      if (at > target) break;
      if (at > clock.nowNs()) clock.set(at);
      fired += this.runTimers();
    }
    clock.set(target);
    return fired + this.runTimers();
  }
}
