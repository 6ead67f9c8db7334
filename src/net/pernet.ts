/**
 * Pernet operations: how subsystems attach state to every network namespace, after Linux
 * net/core/net_namespace.c.
 *
 * One ordered list holds every registered operation: subsystems first, devices after
 * (register_pernet_subsys inserts before `first_device`, register_pernet_device appends).
 * - Creating a namespace (setup_net) runs each `init` in list order. When one fails, the
 *   operations already done are undone in reverse (ops_undo_list): every `preExit`, then every
 *   `exit` (each followed by its `exitBatch`), then their per-namespace state is dropped. The
 *   failing operation itself gets no exit.
 * - Destroying namespaces (cleanup_net) runs the same three phases over the whole list in
 *   reverse, for a batch of namespaces at once.
 * - Registering an operation runs its `init` in every live namespace, in creation order; if one
 *   fails, the operation is removed and undone in the namespaces already done
 *   (ops_undo_single), and the registration fails with that error.
 * - Unregistering removes it and undoes it in every live namespace.
 *
 * Per-operation state (Linux: ops->id and ops->size, reached with net_generic) is created by the
 * operation's `state` factory before `init`, handed to its callbacks, and reached by anyone
 * through the namespace with the `PernetKey` returned at registration: `net.generic(key)`.
 * Keys are numbered per registry and never reused. There is no module-level state: a registry
 * belongs to one World.
 *
 * `init` returns 0 / nothing on success, or a negative errno. Not modelled: exit_rtnl (we have no
 * RTNL) and the RCU grace periods between phases (there are no concurrent readers).
 */

import { type Result, ok } from '../wire/result.ts';

/** A typed handle on one operation's per-namespace state. */
export interface PernetKey<T> {
  readonly id: number;
  readonly name: string;
  /** Phantom: ties the key to its state type. Never set. */
  readonly _state?: (s: T) => T;
}

const EMPTY: unique symbol = Symbol('empty pernet slot');

/** The per-namespace slots (struct net_generic). */
export class NetGeneric {
  readonly #slots: unknown[] = [];

  /** net_generic(): the state of `key`'s operation; throws if it is not initialised here. */
  get<T>(key: PernetKey<T>): T {
    const v = this.#slots[key.id];
    if (v === undefined || v === EMPTY) throw new Error(`pernet state ${key.name} is not initialised in this namespace`);
    return v as T;
  }

  has<T>(key: PernetKey<T>): boolean {
    const v = this.#slots[key.id];
    return v !== undefined && v !== EMPTY;
  }

  /** Internal to PernetRegistry. */
  _set(id: number, value: unknown): void {
    this.#slots[id] = value;
  }

  /** Internal to PernetRegistry. */
  _clear(id: number): void {
    if (id < this.#slots.length) this.#slots[id] = EMPTY;
  }

  /** Internal to PernetRegistry: the raw slot (undefined when absent). */
  _peek(id: number): unknown {
    const v = this.#slots[id];
    return v === EMPTY ? undefined : v;
  }
}

/** What a namespace must offer to the registry. */
export interface PernetNamespace {
  readonly gen: NetGeneric;
}

export interface PernetOperations<N extends PernetNamespace, T = undefined> {
  readonly name: string;
  /** Creates this operation's state for `net` (Linux allocates ops->size zeroed bytes). */
  readonly state?: (net: N) => T;
  /** Returns 0 or nothing on success, a negative errno on failure. */
  readonly init?: (net: N, state: T) => number | void;
  /** First teardown phase, run for every operation before any exit. */
  readonly preExit?: (net: N, state: T) => void;
  readonly exit?: (net: N, state: T) => void;
  /** Runs once per operation per teardown, after its `exit` ran in each namespace of the batch. */
  readonly exitBatch?: (nets: readonly N[]) => void;
}

interface Registered<N extends PernetNamespace> {
  readonly ops: PernetOperations<N, unknown>;
  readonly id: number;
  readonly device: boolean;
}

export class PernetRegistry<N extends PernetNamespace> {
  // The pernet_list, split at first_device.
  readonly #subsys: Array<Registered<N>> = [];
  readonly #devices: Array<Registered<N>> = [];
  // net_namespace_list: live namespaces in creation order.
  readonly #nets: N[] = [];
  #nextId = 1;

  /** Live namespaces, in creation order. */
  get nets(): readonly N[] {
    return this.#nets;
  }

  /** Operation names in list order (subsystems, then devices). */
  names(): string[] {
    return this.#list().map((r) => r.ops.name);
  }

  /** register_pernet_subsys. */
  registerSubsys<T>(ops: PernetOperations<N, T>): Result<PernetKey<T>, number> {
    return this.#register(ops as PernetOperations<N, unknown>, false);
  }

  /** register_pernet_device. */
  registerDevice<T>(ops: PernetOperations<N, T>): Result<PernetKey<T>, number> {
    return this.#register(ops as PernetOperations<N, unknown>, true);
  }

  /** unregister_pernet_subsys / unregister_pernet_device; false if `ops` was not registered. */
  unregister<T>(ops: PernetOperations<N, T>): boolean {
    const found = this.#find(ops as PernetOperations<N, unknown>);
    if (found === undefined) return false;
    const [list, i, r] = found;
    list.splice(i, 1);
    this.#undo([r], this.#nets.slice());
    return true;
  }

  /** setup_net: runs every init for `net`; on success `net` joins the live list. Returns 0 or -errno. */
  setupNet(net: N): number {
    const list = this.#list();
    for (let i = 0; i < list.length; i++) {
      const r = list[i] as Registered<N>;
      let err: number;
      try {
        err = opsInit(r, net);
      } catch (e) {
        this.#undo(list.slice(0, i), [net]);
        throw e;
      }
      if (err !== 0) {
        this.#undo(list.slice(0, i), [net]);
        return err;
      }
    }
    this.#nets.push(net);
    return 0;
  }

  /** cleanup_net for a batch: removes the namespaces from the live list and tears them down. */
  cleanupNets(nets: readonly N[]): void {
    const batch = nets.filter((n) => {
      const i = this.#nets.indexOf(n);
      if (i === -1) return false;
      this.#nets.splice(i, 1);
      return true;
    });
    if (batch.length > 0) this.#undo(this.#list(), batch);
  }

  #list(): Array<Registered<N>> {
    return [...this.#subsys, ...this.#devices];
  }

  #find(ops: PernetOperations<N, unknown>): [Array<Registered<N>>, number, Registered<N>] | undefined {
    for (const list of [this.#subsys, this.#devices]) {
      const i = list.findIndex((r) => r.ops === ops);
      if (i !== -1) return [list, i, list[i] as Registered<N>];
    }
    return undefined;
  }

  #register<T>(ops: PernetOperations<N, unknown>, device: boolean): Result<PernetKey<T>, number> {
    if (this.#find(ops) !== undefined) throw new Error(`pernet operations ${ops.name} are already registered`);
    const r: Registered<N> = { ops, id: this.#nextId++, device };
    const list = device ? this.#devices : this.#subsys;
    list.push(r);
    const done: N[] = [];
    if (ops.init !== undefined || ops.state !== undefined) {
      for (const net of this.#nets.slice()) {
        let err: number;
        try {
          err = opsInit(r, net);
        } catch (e) {
          list.splice(list.indexOf(r), 1);
          this.#undo([r], done);
          throw e;
        }
        if (err !== 0) {
          list.splice(list.indexOf(r), 1);
          this.#undo([r], done);
          return { ok: false, error: err };
        }
        done.push(net);
      }
    }
    return ok({ id: r.id, name: ops.name });
  }

  /** ops_undo_list: pre_exit, exit (+ exit_batch), then free, each phase in reverse list order. */
  #undo(ops: ReadonlyArray<Registered<N>>, nets: readonly N[]): void {
    if (nets.length === 0) return;
    for (let i = ops.length - 1; i >= 0; i--) {
      const r = ops[i] as Registered<N>;
      const preExit = r.ops.preExit;
      if (preExit !== undefined) for (const net of nets) preExit(net, net.gen._peek(r.id));
    }
    for (let i = ops.length - 1; i >= 0; i--) {
      const r = ops[i] as Registered<N>;
      const exit = r.ops.exit;
      if (exit !== undefined) for (const net of nets) exit(net, net.gen._peek(r.id));
      r.ops.exitBatch?.(nets);
    }
    for (let i = ops.length - 1; i >= 0; i--) {
      const r = ops[i] as Registered<N>;
      for (const net of nets) net.gen._clear(r.id);
    }
  }
}

/** ops_init: state first, then init; a failed init leaves no state behind. */
function opsInit<N extends PernetNamespace>(r: Registered<N>, net: N): number {
  const { ops, id } = r;
  let state: unknown = undefined;
  if (ops.state !== undefined) {
    state = ops.state(net);
    net.gen._set(id, state);
  }
  let err: number | void;
  try {
    err = ops.init?.(net, state);
  } catch (e) {
    net.gen._clear(id);
    throw e;
  }
  if (err === undefined || err === 0) return 0;
  net.gen._clear(id);
  return err;
}
