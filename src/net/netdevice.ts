/**
 * Network devices and the per-namespace device table, after Linux net/core/dev.c and
 * net/core/link_watch.c (Linux 6.18). The device kinds (loopback, dummy, veth, tun) and the
 * pernet wiring are in device-kinds.ts.
 *
 * Names follow dev_valid_name: 1 to IFNAMSIZ - 1 = 15 bytes (UTF-8), not "." or "..", no '/',
 * ':', NUL or isspace() byte (tab, LF, VT, FF, CR, space and 0xA0, as the kernel's ctype table
 * has it). A name with one "%d" is a pattern resolved as __dev_alloc_name does: the smallest
 * unused number below 32768 (8 * PAGE_SIZE), ENFILE when none is left, EINVAL for any other '%'.
 *
 * Ifindexes are per namespace, reserved as dev_index_reserve does with an xarray: a requested
 * index is taken if free (else EBUSY); otherwise xa_alloc_cyclic picks the first free index at
 * or after the hint (one past the last cyclic allocation), wrapping to 1. Freed indexes are not
 * reused until the wrap, and an explicitly requested index (a device moved in) does not move
 * the hint: on Linux 6.18, moving ifindex 8 into a namespace whose hint is 5 and adding two
 * veth pairs gives 5, 6, 7, 9.
 *
 * Flags and operstate. `flags` is dev->flags (what userspace set plus the kind's IFF_LOOPBACK /
 * IFF_BROADCAST / IFF_POINTOPOINT / IFF_NOARP / IFF_MULTICAST). `getFlags()` is dev_get_flags:
 * IFF_RUNNING, IFF_LOWER_UP and IFF_DORMANT are computed, and only while the device runs.
 * `operstate` is dev->operstate, recomputed by rfc2863_policy when a carrier event is processed;
 * `reportedOperstate` is what IFLA_OPERSTATE carries (IF_OPER_DOWN whenever the device is not
 * running). A device that never had a carrier event keeps IF_OPER_UNKNOWN (loopback, dummy).
 *
 * Linkwatch. Carrier changes queue the device; the queue is processed when the outermost
 * operation on the device tables returns (`NetdevCore.rtnl`), so NETDEV_UP of a veth end comes
 * before the NETDEV_CHANGE of its carrier, as on Linux where the linkwatch work runs after the
 * RTNL is released (at once for urgent events, within a second otherwise).
 *
 * Notifiers. A per-namespace chain (register_netdevice_notifier_net) runs first, then the
 * World-wide chain (register_netdevice_notifier); equal priorities run in registration order. A
 * notifier returns nothing or 0 to go on, or a negative errno to stop the chain (NOTIFY_BAD);
 * REGISTER, PRE_UP, PRECHANGEMTU, CHANGEMTU, CHANGENAME and CHANGE_TX_QUEUE_LEN honour it as
 * Linux does (rollback, error to the caller). IPv6 addrconf and rtnetlink hook in here.
 *
 * Not modelled: alternative names, promiscuity and allmulti counts, MAC address changes, carrier
 * and proto_down set from userspace, qdiscs other than one FIFO per device, the RTNL itself.
 */

import { EBUSY, EEXIST, EINVAL, ENFILE, EOPNOTSUPP, ERANGE } from '../uapi/errno.ts';
import {
  IFALIASZ,
  IFF_ALLMULTI,
  IFF_AUTOMEDIA,
  IFF_DEBUG,
  IFF_DORMANT,
  IFF_DYNAMIC,
  IFF_LOWER_UP,
  IFF_MULTICAST,
  IFF_NOARP,
  IFF_NOTRAILERS,
  IFF_PORTSEL,
  IFF_PROMISC,
  IFF_RUNNING,
  IFF_UP,
  IFF_VOLATILE,
  IFNAMSIZ,
  IF_LINK_MODE_DEFAULT,
  IF_LINK_MODE_DORMANT,
  IF_LINK_MODE_TESTING,
  IF_OPER_DORMANT,
  IF_OPER_DOWN,
  IF_OPER_LOWERLAYERDOWN,
  IF_OPER_TESTING,
  IF_OPER_UNKNOWN,
  IF_OPER_UP,
} from '../uapi/if.ts';
import { type Result, ok } from '../wire/result.ts';
import type { Net, NetError } from './net.ts';
import type { PacketBuffer } from './packet-buffer.ts';
import type { PernetKey } from './pernet.ts';

// enum netdev_cmd (include/linux/netdevice.h): notifier events, kernel-internal numbers.
export const NETDEV_UP = 1;
export const NETDEV_DOWN = 2;
export const NETDEV_REBOOT = 3;
export const NETDEV_CHANGE = 4;
export const NETDEV_REGISTER = 5;
export const NETDEV_UNREGISTER = 6;
export const NETDEV_CHANGEMTU = 7;
export const NETDEV_CHANGEADDR = 8;
export const NETDEV_PRE_CHANGEADDR = 9;
export const NETDEV_GOING_DOWN = 10;
export const NETDEV_CHANGENAME = 11;
export const NETDEV_FEAT_CHANGE = 12;
export const NETDEV_BONDING_FAILOVER = 13;
export const NETDEV_PRE_UP = 14;
export const NETDEV_PRE_TYPE_CHANGE = 15;
export const NETDEV_POST_TYPE_CHANGE = 16;
export const NETDEV_POST_INIT = 17;
export const NETDEV_PRE_UNINIT = 18;
export const NETDEV_RELEASE = 19;
export const NETDEV_NOTIFY_PEERS = 20;
export const NETDEV_JOIN = 21;
export const NETDEV_CHANGEUPPER = 22;
export const NETDEV_RESEND_IGMP = 23;
export const NETDEV_PRECHANGEMTU = 24;
export const NETDEV_CHANGEINFODATA = 25;
export const NETDEV_BONDING_INFO = 26;
export const NETDEV_PRECHANGEUPPER = 27;
export const NETDEV_CHANGELOWERSTATE = 28;
export const NETDEV_UDP_TUNNEL_PUSH_INFO = 29;
export const NETDEV_UDP_TUNNEL_DROP_INFO = 30;
export const NETDEV_CHANGE_TX_QUEUE_LEN = 31;

// include/linux/netdevice.h: how dev_addr was set (IFLA_ADDR_ASSIGN_TYPE... via sysfs addr_assign_type).
export const NET_ADDR_PERM = 0;
export const NET_ADDR_RANDOM = 1;
export const NET_ADDR_STOLEN = 2;
export const NET_ADDR_SET = 3;

/** DEFAULT_TX_QUEUE_LEN (include/uapi/linux/if_ether.h users: ether_setup, alloc_netdev). */
export const DEFAULT_TX_QUEUE_LEN = 1000;
/** INT_MAX: the largest ifindex (XA_LIMIT(1, INT_MAX)). */
export const IFINDEX_MAX = 0x7fff_ffff;
/** 8 * PAGE_SIZE: the numbers __dev_alloc_name tries for a "%d" pattern. */
export const MAX_NETDEVICES = 8 * 4096;

/** The flags userspace may set through dev_change_flags (besides IFF_UP). */
const USER_FLAGS = IFF_DEBUG | IFF_NOTRAILERS | IFF_NOARP | IFF_DYNAMIC | IFF_MULTICAST | IFF_PORTSEL | IFF_AUTOMEDIA;

export type DeviceKind = 'loopback' | 'dummy' | 'veth' | 'tun';
export type RegState = 'uninitialized' | 'registered' | 'unregistering' | 'unregistered';

/** Extra data passed with some events. */
export interface NetdevNotifierInfo {
  /** NETDEV_CHANGEMTU: the MTU before the change. */
  readonly oldMtu?: number;
  /** NETDEV_CHANGENAME: the name before the change. */
  readonly oldName?: string;
}

/** Returns nothing or 0 to continue, a negative errno to stop the chain and veto. */
export type NetdevNotifier = (event: number, dev: NetDevice, info: NetdevNotifierInfo) => number | void;

/** ndo_start_xmit / the receive entry: slots the IPv6 layer fills. */
export type NetdevXmit = (dev: NetDevice, pkb: PacketBuffer) => void;
export type NetdevReceive = (dev: NetDevice, pkb: PacketBuffer) => void;

const NO_INFO: NetdevNotifierInfo = Object.freeze({});

function fail(errno: number, message: string): { readonly ok: false; readonly error: NetError } {
  return { ok: false, error: { errno, message } };
}

/** A raw notifier chain ordered by priority (higher first), FIFO among equals. */
export class NetdevNotifierChain {
  readonly #blocks: Array<{ readonly fn: NetdevNotifier; readonly priority: number }> = [];

  register(fn: NetdevNotifier, priority = 0): () => void {
    let i = 0;
    while (i < this.#blocks.length && (this.#blocks[i]?.priority ?? 0) >= priority) i++;
    const block = { fn, priority };
    this.#blocks.splice(i, 0, block);
    return () => {
      const j = this.#blocks.indexOf(block);
      if (j !== -1) this.#blocks.splice(j, 1);
    };
  }

  /** Calls every notifier in order; returns 0, or the first negative errno (which stops it). */
  call(event: number, dev: NetDevice, info: NetdevNotifierInfo = NO_INFO): number {
    for (const b of this.#blocks.slice()) {
      const r = b.fn(event, dev, info);
      if (typeof r === 'number' && r < 0) return r;
    }
    return 0;
  }

  get size(): number {
    return this.#blocks.length;
  }
}

/** struct rtnl_link_stats64, as numbers (exact to 2^53). */
export class LinkStats64 {
  rxPackets = 0;
  txPackets = 0;
  rxBytes = 0;
  txBytes = 0;
  rxErrors = 0;
  txErrors = 0;
  rxDropped = 0;
  txDropped = 0;
  multicast = 0;
  collisions = 0;
  rxLengthErrors = 0;
  rxOverErrors = 0;
  rxCrcErrors = 0;
  rxFrameErrors = 0;
  rxFifoErrors = 0;
  rxMissedErrors = 0;
  txAbortedErrors = 0;
  txCarrierErrors = 0;
  txFifoErrors = 0;
  txHeartbeatErrors = 0;
  txWindowErrors = 0;
  rxCompressed = 0;
  txCompressed = 0;
  rxNohandler = 0;
  rxOtherhostDropped = 0;
}

/** The rtnl_link_stats64 fields in structure order (each 8 bytes on the wire). */
export const LINK_STATS64_FIELDS = [
  'rxPackets',
  'txPackets',
  'rxBytes',
  'txBytes',
  'rxErrors',
  'txErrors',
  'rxDropped',
  'txDropped',
  'multicast',
  'collisions',
  'rxLengthErrors',
  'rxOverErrors',
  'rxCrcErrors',
  'rxFrameErrors',
  'rxFifoErrors',
  'rxMissedErrors',
  'txAbortedErrors',
  'txCarrierErrors',
  'txFifoErrors',
  'txHeartbeatErrors',
  'txWindowErrors',
  'rxCompressed',
  'txCompressed',
  'rxNohandler',
  'rxOtherhostDropped',
] as const satisfies ReadonlyArray<keyof LinkStats64>;

const RING_MIN = 16;

/**
 * A FIFO of packet references with a length limit in packets (the device's txqueuelen, as
 * pfifo_fast's limit) and its current depth in packets and bytes (the qdisc backlog IOAM reads).
 * The ring grows by doubling up to the limit, so a steady flow allocates nothing.
 */
export class PacketQueue {
  #ring: Array<PacketBuffer | null>;
  #head = 0;
  #count = 0;
  #bytes = 0;
  #limit: number;

  constructor(limit: number) {
    this.#limit = limit;
    this.#ring = new Array<PacketBuffer | null>(Math.min(RING_MIN, Math.max(limit, 1))).fill(null);
  }

  get limit(): number {
    return this.#limit;
  }

  /** Depth in packets (qlen). */
  get packets(): number {
    return this.#count;
  }

  /** Depth in bytes (backlog). */
  get bytes(): number {
    return this.#bytes;
  }

  /** Appends `pkb`; false when the queue already holds `limit` packets (the caller drops it). */
  enqueue(pkb: PacketBuffer): boolean {
    if (this.#count >= this.#limit) return false;
    if (this.#count === this.#ring.length) this.#grow();
    this.#ring[(this.#head + this.#count) % this.#ring.length] = pkb;
    this.#count++;
    this.#bytes += pkb.tail - pkb.data;
    return true;
  }

  /** Removes and returns the oldest packet, or null. */
  dequeue(): PacketBuffer | null {
    if (this.#count === 0) return null;
    const p = this.#ring[this.#head] ?? null;
    this.#ring[this.#head] = null;
    this.#head = (this.#head + 1) % this.#ring.length;
    this.#count--;
    if (p !== null) this.#bytes -= p.tail - p.data;
    return p;
  }

  peek(): PacketBuffer | null {
    return this.#count === 0 ? null : (this.#ring[this.#head] ?? null);
  }

  /** Changes the limit; packets beyond a smaller limit are removed (newest first) and returned. */
  setLimit(limit: number): PacketBuffer[] {
    this.#limit = limit;
    const dropped: PacketBuffer[] = [];
    while (this.#count > limit) {
      const i = (this.#head + this.#count - 1) % this.#ring.length;
      const p = this.#ring[i] ?? null;
      this.#ring[i] = null;
      this.#count--;
      if (p !== null) {
        this.#bytes -= p.tail - p.data;
        dropped.unshift(p);
      }
    }
    return dropped;
  }

  /** Empties the queue (qdisc_reset), returning what it held, oldest first. */
  purge(): PacketBuffer[] {
    const out: PacketBuffer[] = [];
    for (let p = this.dequeue(); p !== null; p = this.dequeue()) out.push(p);
    return out;
  }

  #grow(): void {
    const size = Math.min(this.#ring.length * 2, Math.max(this.#limit, 1));
    const next = new Array<PacketBuffer | null>(Math.max(size, this.#ring.length + 1)).fill(null);
    for (let i = 0; i < this.#count; i++) next[i] = this.#ring[(this.#head + i) % this.#ring.length] ?? null;
    this.#ring = next;
    this.#head = 0;
  }
}

/** What a kind sets up before registration (alloc_netdev's setup callback). */
export interface DeviceSetup {
  readonly kind: DeviceKind;
  /** rtnl_link_ops present: reported as IFLA_INFO_KIND, deletable with RTM_DELLINK. */
  readonly linkOps: boolean;
  /** ARPHRD_* link type. */
  readonly type: number;
  readonly flags: number;
  readonly mtu: number;
  readonly minMtu: number;
  /** 0 means no upper bound (dev_validate_mtu). */
  readonly maxMtu: number;
  readonly txQueueLen: number;
  /** Hardware address length (0: none). */
  readonly addrLen: number;
  readonly broadcast?: Uint8Array;
  /** IFF_NO_QUEUE: the qdisc is noqueue once up. */
  readonly noQueue: boolean;
  /** netns_immutable (loopback). */
  readonly netnsImmutable: boolean;
}

/**
 * struct net_device. Kinds subclass it and override the driver hooks (ndo_open, ndo_stop,
 * ndo_get_iflink, rtnl_link_ops->dellink, ndo_uninit).
 */
export class NetDevice {
  name: string;
  /** 0 until registered. */
  ifindex = 0;
  readonly kind: DeviceKind;
  readonly linkOps: boolean;
  readonly type: number;
  /** dev->flags (see getFlags for what userspace sees). */
  flags: number;
  mtu: number;
  readonly minMtu: number;
  readonly maxMtu: number;
  txQueueLen: number;
  readonly addrLen: number;
  /** dev->dev_addr: addrLen bytes. */
  readonly devAddr: Uint8Array;
  readonly broadcast: Uint8Array;
  addrAssignType = NET_ADDR_PERM;
  /**
   * IFF_NO_QUEUE: no qdisc, packets go straight to the driver. Writable because the simulator
   * attaches a FIFO (limit txqueuelen) to a rate-limited link, as `tc qdisc add ... pfifo` would.
   */
  noQueue: boolean;
  readonly netnsImmutable: boolean;
  group = 0;
  /** ifalias, null when unset. */
  ifalias: string | null = null;
  linkMode = IF_LINK_MODE_DEFAULT;
  /** dev->operstate as last set by rfc2863_policy. */
  operstate = IF_OPER_UNKNOWN;
  dormant = false;
  testing = false;
  carrierUpCount = 0;
  carrierDownCount = 0;
  readonly stats = new LinkStats64();
  /** The transmit queue (pfifo_fast-like, limit txQueueLen). */
  readonly txq: PacketQueue;
  /** Filled by the IPv6 layer: transmit and receive entry points. */
  xmit: NetdevXmit | null = null;
  /** __QUEUE_STATE_DRV_XOFF: the driver stopped the queue (busy); packets wait in `txq`. */
  txStopped = false;
  receive: NetdevReceive | null = null;
  reg: RegState = 'uninitialized';
  /** Requested ifindex for registration (0: allocate); dev->ifindex before register_netdevice. */
  requestedIfindex = 0;
  #table: DeviceTable | null = null;
  #carrier = true;
  #running = false;
  /** __LINK_STATE_LINKWATCH_PENDING. */
  linkwatchPending = false;

  constructor(setup: DeviceSetup, name: string) {
    this.name = name;
    this.kind = setup.kind;
    this.linkOps = setup.linkOps;
    this.type = setup.type;
    this.flags = setup.flags;
    this.mtu = setup.mtu;
    this.minMtu = setup.minMtu;
    this.maxMtu = setup.maxMtu;
    this.txQueueLen = setup.txQueueLen;
    this.addrLen = setup.addrLen;
    this.devAddr = new Uint8Array(setup.addrLen);
    this.broadcast = setup.broadcast ?? new Uint8Array(setup.addrLen);
    this.noQueue = setup.noQueue;
    this.netnsImmutable = setup.netnsImmutable;
    this.txq = new PacketQueue(setup.txQueueLen);
  }

  /** The table (namespace) the device is listed in; throws before registration. */
  get table(): DeviceTable {
    if (this.#table === null) throw new Error(`device ${this.name} is not registered`);
    return this.#table;
  }

  get net(): Net {
    return this.table.net;
  }

  /** Internal to DeviceTable. */
  _setTable(t: DeviceTable | null): void {
    this.#table = t;
  }

  /** netif_running: __LINK_STATE_START. */
  get running(): boolean {
    return this.#running;
  }

  /** Internal to DeviceTable. */
  _setRunning(v: boolean): void {
    this.#running = v;
  }

  /** netif_carrier_ok. */
  get carrierOk(): boolean {
    return this.#carrier;
  }

  /** netif_oper_up: IF_OPER_UP or IF_OPER_UNKNOWN. */
  get operUp(): boolean {
    return this.operstate === IF_OPER_UP || this.operstate === IF_OPER_UNKNOWN;
  }

  /** IFLA_OPERSTATE: IF_OPER_DOWN whenever the device is not running. */
  get reportedOperstate(): number {
    return this.#running ? this.operstate : IF_OPER_DOWN;
  }

  /** dev_get_flags: dev->flags with IFF_RUNNING, IFF_LOWER_UP and IFF_DORMANT computed. */
  getFlags(): number {
    let f = this.flags & ~(IFF_PROMISC | IFF_ALLMULTI | IFF_RUNNING | IFF_LOWER_UP | IFF_DORMANT);
    if (this.#running) {
      if (this.operUp) f |= IFF_RUNNING;
      if (this.#carrier) f |= IFF_LOWER_UP;
      if (this.dormant) f |= IFF_DORMANT;
    }
    return f >>> 0;
  }

  /** dev_get_iflink: the lower device's ifindex, or our own. */
  get iflink(): number {
    const l = this.ndoGetIflink();
    return l === undefined ? this.ifindex : l;
  }

  /** The qdisc `ip link` shows: noop while down, noqueue or pfifo_fast once up. */
  get qdisc(): 'noop' | 'noqueue' | 'pfifo_fast' {
    if (!(this.flags & IFF_UP)) return 'noop';
    return this.noQueue ? 'noqueue' : 'pfifo_fast';
  }

  /** netif_stop_queue: the driver takes no packet until netifWakeQueue. */
  netifStopQueue(): void {
    this.txStopped = true;
  }

  /** netif_wake_queue: the driver has room again; the queue runs (__netif_schedule, qdisc_run). */
  netifWakeQueue(): void {
    this.txStopped = false;
    this.qdiscRun();
  }

  /** qdisc_run: hands queued packets to the driver until the queue is empty or stopped. */
  qdiscRun(): void {
    const xmit = this.xmit;
    if (xmit === null) return;
    while (!this.txStopped) {
      const p = this.txq.dequeue();
      if (p === null) return;
      if (p.onTransmit !== null) p.onTransmit(p, this);
      xmit(this, p);
    }
  }

  /** netif_carrier_on. */
  carrierOn(): void {
    if (this.#carrier) return;
    this.#carrier = true;
    if (this.reg === 'uninitialized') return;
    this.carrierUpCount++;
    this.#fireLinkwatch();
  }

  /** netif_carrier_off. */
  carrierOff(): void {
    if (!this.#carrier) return;
    this.#carrier = false;
    if (this.reg === 'uninitialized') return;
    this.carrierDownCount++;
    this.#fireLinkwatch();
  }

  #fireLinkwatch(): void {
    if (this.#table !== null) this.#table.core.linkwatchFireEvent(this);
  }

  // --- driver hooks, overridden by kinds ---

  /** ndo_open: 0 or a negative errno. */
  ndoOpen(): number {
    return 0;
  }

  /** ndo_stop. */
  ndoStop(): void {}

  /** ndo_get_iflink; undefined when the kind has none. */
  ndoGetIflink(): number | undefined {
    return undefined;
  }

  /** rtnl_link_ops->dellink: queues this device (and whatever dies with it). */
  dellink(queue: (dev: NetDevice) => void): void {
    queue(this);
  }

  /** ndo_uninit: the device is leaving for good. */
  ndoUninit(): void {}
}

// --- names ---

const ENCODER = new TextEncoder();

/** isspace() of the kernel's ctype table (lib/ctype.c): 9-13, 32 and 160. */
function isKernelSpace(b: number): boolean {
  return (b >= 9 && b <= 13) || b === 32 || b === 160;
}

/** dev_valid_name, over the UTF-8 bytes of `name`. */
export function devValidName(name: string): boolean {
  if (name === '' || name === '.' || name === '..') return false;
  const bytes = ENCODER.encode(name);
  if (bytes.length >= IFNAMSIZ) return false;
  for (const b of bytes) {
    if (b === 0 || b === 0x2f || b === 0x3a || isKernelSpace(b)) return false;
  }
  return true;
}

/** snprintf(buf, IFNAMSIZ, ...): cut to IFNAMSIZ - 1 bytes (on a UTF-8 boundary). */
function truncateName(s: string): string {
  if (ENCODER.encode(s).length < IFNAMSIZ) return s;
  let out = '';
  let len = 0;
  for (const ch of s) {
    const n = ENCODER.encode(ch).length;
    if (len + n > IFNAMSIZ - 1) break;
    out += ch;
    len += n;
  }
  return out;
}

/** sscanf("%d") after a literal prefix: the integer, or undefined when there is none. */
function scanInt(s: string): number | undefined {
  const m = /^[\t\n\v\f\r ]*([+-]?\d+)/.exec(s);
  if (m === null) return undefined;
  const v = Number(m[1]);
  return Number.isSafeInteger(v) ? v : undefined;
}

/**
 * __dev_alloc_name: resolves a pattern with one "%d" against `names`. Returns the name, or a
 * negative errno (EINVAL for a bad pattern, ENFILE when every number is taken).
 */
export function allocName(pattern: string, names: Iterable<string>): string | number {
  const p = pattern.indexOf('%');
  if (p === -1 || pattern[p + 1] !== 'd' || pattern.indexOf('%', p + 2) !== -1) return -EINVAL;
  const prefix = pattern.slice(0, p);
  const suffix = pattern.slice(p + 2);
  const used = new Uint8Array(MAX_NETDEVICES);
  for (const name of names) {
    if (!name.startsWith(prefix)) continue;
    const i = scanInt(name.slice(prefix.length));
    if (i === undefined || i < 0 || i >= MAX_NETDEVICES) continue;
    // sscanf is not an exact inverse of printf: keep only names printf would give back.
    if (truncateName(`${prefix}${i}${suffix}`) === name) used[i] = 1;
  }
  const free = used.indexOf(0);
  if (free === -1) return -ENFILE;
  return truncateName(`${prefix}${free}${suffix}`);
}

// --- the per-namespace table ---

export interface MoveOptions {
  /** Name pattern (or name) to use when the current name is taken in the target. */
  readonly pattern?: string;
  /** Ifindex to take in the target (EBUSY if used); 0 or absent keeps the current one if free. */
  readonly newIfindex?: number;
}

/** The devices of one namespace: net->dev_base_head, the name hash and dev_by_index. */
export class DeviceTable {
  readonly net: Net;
  readonly core: NetdevCore;
  /** Per-namespace notifiers (register_netdevice_notifier_net). */
  readonly notifiers = new NetdevNotifierChain();
  /** Set by the pernet exit: no registration is possible any more. */
  dead = false;
  readonly #byName = new Map<string, NetDevice>();
  readonly #byIndex = new Map<number, NetDevice | null>();
  /** dev_base_head: list order (registration or arrival). */
  readonly #list: NetDevice[] = [];
  /** net->ifindex: the xa_alloc_cyclic hint. */
  #nextIndex = 1;

  constructor(net: Net, core: NetdevCore) {
    this.net = net;
    this.core = core;
  }

  /** __dev_get_by_name. */
  getByName(name: string): NetDevice | undefined {
    return this.#byName.get(name);
  }

  /** __dev_get_by_index. */
  getByIndex(ifindex: number): NetDevice | undefined {
    return this.#byIndex.get(ifindex) ?? undefined;
  }

  /** The devices in ifindex order (RTM_GETLINK dumps walk dev_by_index). */
  list(): NetDevice[] {
    return [...this.#list].sort((a, b) => a.ifindex - b.ifindex);
  }

  /** The devices in dev_base_head order. */
  listOrder(): readonly NetDevice[] {
    return this.#list;
  }

  get loopback(): NetDevice | undefined {
    return this.#list.find((d) => d.kind === 'loopback');
  }

  /** The xa_alloc_cyclic hint (next index tried). */
  get nextIndex(): number {
    return this.#nextIndex;
  }

  /** Internal: dev_index_reserve. Returns the index or a negative errno. */
  _reserveIndex(want: number): number {
    if (!Number.isInteger(want) || want < 0 || want > IFINDEX_MAX) return -EINVAL;
    if (want !== 0) {
      if (this.#byIndex.has(want)) return -EBUSY;
      this.#byIndex.set(want, null);
      return want;
    }
    let id = this.#findFree(Math.max(this.#nextIndex, 1), IFINDEX_MAX);
    if (id === undefined) id = this.#findFree(1, this.#nextIndex - 1);
    if (id === undefined) return -EBUSY;
    this.#byIndex.set(id, null);
    this.#nextIndex = id === IFINDEX_MAX ? 1 : id + 1;
    return id;
  }

  #findFree(from: number, to: number): number | undefined {
    // At most size + 1 probes: every taken index is in the map.
    for (let i = from; i <= to; i++) if (!this.#byIndex.has(i)) return i;
    return undefined;
  }

  /** Internal: dev_index_release for an index reserved but not used. */
  _releaseIndex(ifindex: number): void {
    if (this.#byIndex.get(ifindex) === null) this.#byIndex.delete(ifindex);
  }

  /** Internal: list_netdevice. */
  _list(dev: NetDevice): void {
    this.#byIndex.set(dev.ifindex, dev);
    this.#byName.set(dev.name, dev);
    this.#list.push(dev);
    dev._setTable(this);
  }

  /** Internal: unlist_netdevice (also frees the ifindex). */
  _unlist(dev: NetDevice): void {
    if (this.#byIndex.get(dev.ifindex) === dev) this.#byIndex.delete(dev.ifindex);
    if (this.#byName.get(dev.name) === dev) this.#byName.delete(dev.name);
    const i = this.#list.indexOf(dev);
    if (i !== -1) this.#list.splice(i, 1);
  }

  /** Internal: rehash under a new name. */
  _rename(dev: NetDevice, name: string): void {
    if (this.#byName.get(dev.name) === dev) this.#byName.delete(dev.name);
    dev.name = name;
    this.#byName.set(name, dev);
  }

  /** dev_prep_valid_name: the name to use, or a negative errno. */
  prepValidName(want: string, dupErrno = EEXIST): string | number {
    if (!devValidName(want)) return -EINVAL;
    if (want.includes('%')) return allocName(want, this.#byName.keys());
    if (this.#byName.has(want)) return -dupErrno;
    return want;
  }

  /** Calls the per-namespace chain, then the World-wide one. */
  notify(event: number, dev: NetDevice, info: NetdevNotifierInfo = NO_INFO): number {
    const r = this.notifiers.call(event, dev, info);
    if (r < 0) return r;
    return this.core.notifiers.call(event, dev, info);
  }

  /** register_netdevice: names it, gives it an ifindex, lists it, sends NETDEV_REGISTER. */
  register(dev: NetDevice): Result<NetDevice, NetError> {
    return this.core.rtnl(() => this.#register(dev));
  }

  #register(dev: NetDevice): Result<NetDevice, NetError> {
    if (this.dead || !this.net.alive) throw new Error(`register: namespace ${this.net.name} is being destroyed`);
    if (dev.reg !== 'uninitialized') throw new Error(`register: device ${dev.name} was registered before`);
    const name = this.prepValidName(dev.name);
    if (typeof name === 'number') return fail(-name, nameError(-name, dev.name));
    const idx = this._reserveIndex(dev.requestedIfindex);
    if (idx < 0) return fail(-idx, `ifindex ${dev.requestedIfindex} is not available`);
    dev.name = name;
    dev.ifindex = idx;
    dev.reg = 'registered';
    dev._setTable(this);
    // linkwatch_init_dev: a device registered without carrier gets its operstate now.
    if (!dev.carrierOk || dev.dormant || dev.testing) rfc2863Policy(dev);
    this._list(dev);
    const err = this.notify(NETDEV_REGISTER, dev);
    if (err < 0) {
      this.core.unregisterMany([dev]);
      return fail(-err, `a NETDEV_REGISTER notifier refused ${dev.name}`);
    }
    return ok(dev);
  }

  /** rtnl_delete_link: the kind's dellink (a veth takes its peer along). */
  deleteLink(dev: NetDevice): Result<void, NetError> {
    return this.core.rtnl(() => {
      this.#checkHere(dev);
      if (!dev.linkOps) return fail(EOPNOTSUPP, `${dev.name} cannot be deleted`);
      const kill: NetDevice[] = [];
      dev.dellink((d) => queueUnregister(kill, d));
      this.core.unregisterMany(kill);
      return ok(undefined);
    });
  }

  /** dev_open. */
  open(dev: NetDevice): Result<void, NetError> {
    return this.core.rtnl(() => {
      this.#checkHere(dev);
      const err = this.#open(dev);
      return err < 0 ? fail(-err, `cannot bring ${dev.name} up`) : ok(undefined);
    });
  }

  #open(dev: NetDevice): number {
    if (dev.flags & IFF_UP) return 0;
    const veto = this.notify(NETDEV_PRE_UP, dev);
    if (veto < 0) return veto;
    dev._setRunning(true);
    const err = dev.ndoOpen();
    if (err < 0) {
      dev._setRunning(false);
      return err;
    }
    dev.flags |= IFF_UP;
    this.notify(NETDEV_UP, dev);
    return 0;
  }

  /** dev_close. */
  close(dev: NetDevice): void {
    this.core.rtnl(() => {
      this.#checkHere(dev);
      closeMany([dev]);
    });
  }

  /**
   * dev_change_flags: sets the user flags (IFF_NOARP, IFF_MULTICAST, ...) and opens or closes the
   * device as IFF_UP says. Volatile flags in `flags` are ignored.
   */
  changeFlags(dev: NetDevice, flags: number): Result<void, NetError> {
    return this.core.rtnl(() => {
      this.#checkHere(dev);
      const old = dev.flags;
      dev.flags = ((flags & USER_FLAGS) | (dev.flags & (IFF_UP | IFF_VOLATILE | IFF_PROMISC | IFF_ALLMULTI))) >>> 0;
      if ((old ^ flags) & IFF_UP) {
        if (old & IFF_UP) closeMany([dev]);
        else {
          const err = this.#open(dev);
          if (err < 0) {
            dev.flags = old;
            return fail(-err, `cannot bring ${dev.name} up`);
          }
        }
      }
      const changes = (old ^ dev.flags) & ~(IFF_UP | IFF_PROMISC | IFF_ALLMULTI | IFF_VOLATILE);
      if (dev.flags & IFF_UP && changes) this.notify(NETDEV_CHANGE, dev);
      return ok(undefined);
    });
  }

  /**
   * dev_set_mtu (netif_set_mtu_ext): EINVAL outside [minMtu, maxMtu] (maxMtu 0: no bound);
   * NETDEV_PRECHANGEMTU may veto; a NETDEV_CHANGEMTU veto restores the old MTU and notifies again.
   */
  setMtu(dev: NetDevice, mtu: number): Result<void, NetError> {
    return this.core.rtnl(() => {
      this.#checkHere(dev);
      if (mtu === dev.mtu) return ok(undefined);
      if (!Number.isInteger(mtu) || mtu < 0 || mtu < dev.minMtu) return fail(EINVAL, 'mtu less than device minimum');
      if (dev.maxMtu > 0 && mtu > dev.maxMtu) return fail(EINVAL, 'mtu greater than device maximum');
      const pre = this.notify(NETDEV_PRECHANGEMTU, dev);
      if (pre < 0) return fail(-pre, `the MTU change of ${dev.name} was refused`);
      const oldMtu = dev.mtu;
      dev.mtu = mtu;
      const err = this.notify(NETDEV_CHANGEMTU, dev, { oldMtu });
      if (err < 0) {
        dev.mtu = oldMtu;
        this.notify(NETDEV_CHANGEMTU, dev, { oldMtu: mtu });
        return fail(-err, `the MTU change of ${dev.name} was refused`);
      }
      return ok(undefined);
    });
  }

  /**
   * dev_change_name (netif_change_name): allowed while up since Linux 6.2; the same name is a
   * no-op; EINVAL for an invalid name, EEXIST when taken; "%d" patterns are resolved. A
   * NETDEV_CHANGENAME veto restores the old name and notifies again.
   */
  changeName(dev: NetDevice, newName: string): Result<void, NetError> {
    return this.core.rtnl(() => {
      this.#checkHere(dev);
      if (newName === dev.name) return ok(undefined);
      const name = this.prepValidName(newName);
      if (typeof name === 'number') return fail(-name, nameError(-name, newName));
      const oldName = dev.name;
      this._rename(dev, name);
      const err = this.notify(NETDEV_CHANGENAME, dev, { oldName });
      if (err < 0) {
        this._rename(dev, oldName);
        this.notify(NETDEV_CHANGENAME, dev, { oldName: name });
        return fail(-err, `the rename of ${oldName} was refused`);
      }
      return ok(undefined);
    });
  }

  /** dev_set_alias: at most IFALIASZ - 1 bytes; the empty string removes it. */
  setAlias(dev: NetDevice, alias: string): Result<void, NetError> {
    this.#checkHere(dev);
    if (ENCODER.encode(alias).length >= IFALIASZ) return fail(EINVAL, `alias longer than ${IFALIASZ - 1} bytes`);
    dev.ifalias = alias === '' ? null : alias;
    return ok(undefined);
  }

  /** dev_set_group. */
  setGroup(dev: NetDevice, group: number): void {
    this.#checkHere(dev);
    if (!Number.isInteger(group) || group < 0 || group > 0xffff_ffff) throw new RangeError(`group must be a u32, got ${group}`);
    dev.group = group;
  }

  /**
   * dev_change_tx_queue_len: ERANGE outside u32; NETDEV_CHANGE_TX_QUEUE_LEN may veto (rollback).
   * Returns the packets that no longer fit the shorter queue (the caller frees them).
   */
  changeTxQueueLen(dev: NetDevice, len: number): Result<PacketBuffer[], NetError> {
    return this.core.rtnl(() => {
      this.#checkHere(dev);
      if (!Number.isInteger(len) || len < 0 || len > 0xffff_ffff) return fail(ERANGE, `txqueuelen ${len} does not fit in 32 bits`);
      if (len === dev.txQueueLen) return ok([]);
      const orig = dev.txQueueLen;
      dev.txQueueLen = len;
      const err = this.notify(NETDEV_CHANGE_TX_QUEUE_LEN, dev);
      if (err < 0) {
        dev.txQueueLen = orig;
        return fail(-err, `${dev.name}: refused to change device tx_queue_len`);
      }
      return ok(dev.txq.setLimit(len));
    });
  }

  /**
   * dev_change_net_namespace: EINVAL for an immutable device (loopback); EEXIST when the name is
   * taken in the target and no pattern is given; keeps the ifindex if it is free there, else
   * allocates one (an explicit `newIfindex` must be free: EBUSY). The device is closed, gets
   * NETDEV_UNREGISTER in the old namespace and NETDEV_REGISTER in the new one.
   */
  changeNetNamespace(dev: NetDevice, target: DeviceTable, options: MoveOptions = {}): Result<void, NetError> {
    return this.core.rtnl(() => {
      this.#checkHere(dev);
      if (dev.netnsImmutable) return fail(EINVAL, 'The interface netns is immutable');
      if (target === this) return ok(undefined);
      if (target.dead || !target.net.alive) return fail(EINVAL, `namespace ${target.net.name} is being destroyed`);
      let newName: string | undefined;
      if (target.getByName(dev.name) !== undefined) {
        if (options.pattern === undefined) return fail(EEXIST, 'An interface with the same name exists in the target netns');
        const n = target.prepValidName(options.pattern);
        if (typeof n === 'number') return fail(-n, `Unable to use '${options.pattern}' for the new interface name in the target netns`);
        newName = n;
      }
      let idx: number;
      const want = options.newIfindex ?? 0;
      if (want !== 0) {
        idx = target._reserveIndex(want);
        if (idx < 0) return fail(-idx, `The ifindex ${want} is not available in the target netns`);
      } else {
        idx = target._reserveIndex(dev.ifindex);
        if (idx === -EBUSY) idx = target._reserveIndex(0);
        if (idx < 0) return fail(-idx, 'Unable to allocate a new ifindex in the target netns');
      }
      closeMany([dev]);
      this._unlist(dev);
      this.notify(NETDEV_UNREGISTER, dev);
      dev.ifindex = idx;
      if (newName !== undefined) dev.name = newName;
      target._list(dev);
      target.notify(NETDEV_REGISTER, dev);
      return ok(undefined);
    });
  }

  #checkHere(dev: NetDevice): void {
    if (dev.reg !== 'registered' || dev.table !== this) throw new Error(`device ${dev.name} is not registered in ${this.net.name}`);
  }
}

function nameError(errno: number, name: string): string {
  if (errno === EEXIST) return `an interface named ${name} already exists`;
  if (errno === ENFILE) return `no free number for the name pattern ${name}`;
  return `invalid interface name ${JSON.stringify(name)}`;
}

/** unregister_netdevice_queue: list_move_tail onto the kill list. */
export function queueUnregister(kill: NetDevice[], dev: NetDevice): void {
  const i = kill.indexOf(dev);
  if (i !== -1) kill.splice(i, 1);
  kill.push(dev);
}

/** dev_close_many: GOING_DOWN for each, stop each, then DOWN for each. */
function closeMany(devs: readonly NetDevice[]): void {
  const up = devs.filter((d) => d.flags & IFF_UP);
  for (const d of up) d.table.notify(NETDEV_GOING_DOWN, d);
  for (const d of up) {
    d._setRunning(false);
    d.ndoStop();
    d.flags &= ~IFF_UP;
  }
  for (const d of up) d.table.notify(NETDEV_DOWN, d);
}

/** default_operstate + rfc2863_policy (net/core/link_watch.c). */
export function rfc2863Policy(dev: NetDevice): void {
  let state: number;
  if (dev.testing) state = IF_OPER_TESTING;
  else if (!dev.carrierOk) {
    const iflink = dev.iflink;
    // The peer is looked up by index in the device's own namespace, even when it lives elsewhere.
    const peer = iflink === dev.ifindex ? undefined : dev.table.getByIndex(iflink);
    if (peer === undefined) state = IF_OPER_DOWN;
    else state = peer.carrierOk ? IF_OPER_DOWN : IF_OPER_LOWERLAYERDOWN;
  } else if (dev.dormant) state = IF_OPER_DORMANT;
  else state = IF_OPER_UP;
  if (state === dev.operstate) return;
  if (state === IF_OPER_UP && dev.linkMode === IF_LINK_MODE_TESTING) state = IF_OPER_TESTING;
  else if (state === IF_OPER_UP && dev.linkMode === IF_LINK_MODE_DORMANT) state = IF_OPER_DORMANT;
  dev.operstate = state;
}

/** The World-wide part: the global notifier chain, the linkwatch queue, the pernet key. */
export class NetdevCore {
  /** register_netdevice_notifier's chain (every namespace). */
  readonly notifiers = new NetdevNotifierChain();
  #key: PernetKey<DeviceTable> | undefined;
  #depth = 0;
  readonly #linkwatch: NetDevice[] = [];

  /** Internal to registerNetdevice. */
  _setKey(key: PernetKey<DeviceTable>): void {
    this.#key = key;
  }

  /** net->dev_base_head & co: the device table of `net`. */
  table(net: Net): DeviceTable {
    if (this.#key === undefined) throw new Error('netdev core is not registered');
    return net.generic(this.#key);
  }

  /**
   * register_netdevice_notifier: adds `fn` to the World-wide chain and replays NETDEV_REGISTER
   * (and NETDEV_UP for running devices) for every device in `nets`. Returns the unregister,
   * which replays NETDEV_DOWN and NETDEV_UNREGISTER for the devices then present.
   */
  registerNotifier(fn: NetdevNotifier, nets: readonly Net[], priority = 0): () => void {
    const unreg = this.notifiers.register(fn, priority);
    for (const net of nets) {
      for (const dev of this.table(net).listOrder()) {
        fn(NETDEV_REGISTER, dev, NO_INFO);
        if (dev.flags & IFF_UP) fn(NETDEV_UP, dev, NO_INFO);
      }
    }
    return () => {
      unreg();
      for (const net of nets) {
        if (!net.alive) continue;
        for (const dev of this.table(net).listOrder()) {
          if (dev.flags & IFF_UP) {
            fn(NETDEV_GOING_DOWN, dev, NO_INFO);
            fn(NETDEV_DOWN, dev, NO_INFO);
          }
          fn(NETDEV_UNREGISTER, dev, NO_INFO);
        }
      }
    };
  }

  /**
   * Runs `fn` as one configuration operation (under the RTNL, as it were): carrier events it
   * causes are processed when the outermost operation returns.
   */
  rtnl<T>(fn: () => T): T {
    this.#depth++;
    try {
      return fn();
    } finally {
      this.#depth--;
      if (this.#depth === 0) this.linkwatchRunQueue();
    }
  }

  /** linkwatch_fire_event. */
  linkwatchFireEvent(dev: NetDevice): void {
    if (dev.linkwatchPending) return;
    dev.linkwatchPending = true;
    this.#linkwatch.push(dev);
    if (this.#depth === 0) this.linkwatchRunQueue();
  }

  /** __linkwatch_run_queue: rfc2863_policy, then NETDEV_CHANGE for devices that are up. */
  linkwatchRunQueue(): void {
    while (this.#linkwatch.length > 0) {
      const dev = this.#linkwatch.shift() as NetDevice;
      dev.linkwatchPending = false;
      if (dev.reg !== 'registered') continue;
      rfc2863Policy(dev);
      if (dev.flags & IFF_UP) dev.table.notify(NETDEV_CHANGE, dev);
    }
  }

  /**
   * unregister_netdevice_many: closes the running ones, unlists them all (freeing their
   * ifindexes), sends NETDEV_UNREGISTER for each, then lets each kind uninit.
   */
  unregisterMany(devs: readonly NetDevice[]): void {
    this.rtnl(() => {
      const list = devs.filter((d) => d.reg === 'registered');
      closeMany(list);
      for (const d of list) {
        d.table._unlist(d);
        d.reg = 'unregistering';
        if (d.linkwatchPending) {
          // linkwatch_forget_dev.
          const i = this.#linkwatch.indexOf(d);
          if (i !== -1) this.#linkwatch.splice(i, 1);
          d.linkwatchPending = false;
        }
      }
      for (const d of list) {
        d.table.notify(NETDEV_UNREGISTER, d);
        d.ndoUninit();
        d.txq.purge();
      }
      for (const d of list) d.reg = 'unregistered';
    });
  }
}
