/**
 * The device kinds v6stack has, after Linux 6.18 drivers/net/loopback.c, dummy.c, veth.c and
 * tun.c, and the pernet wiring of the device layer (net/core/dev.c netdev_net_ops,
 * loopback_net_ops, default_device_ops).
 *
 * Defaults per kind, as `ip -d link show` reports them on Linux 6.18 (dummy from the source:
 * the test kernel is built without CONFIG_DUMMY):
 *
 * | kind     | type     | flags                          | mtu   | min..max  | qlen | address |
 * | -------- | -------- | ------------------------------ | ----- | --------- | ---- | ------- |
 * | loopback | loopback | LOOPBACK                       | 65536 | 0..0 (any)| 1000 | 00:..:00 |
 * | dummy    | ether    | BROADCAST,NOARP                | 1500  | 0..65535  | 1000 | random  |
 * | veth     | ether    | BROADCAST,MULTICAST            | 1500  | 68..65535 | 1000 | random  |
 * | tun      | none     | POINTOPOINT,MULTICAST,NOARP    | 1500  | 68..65535 | 500  | none    |
 *
 * Carrier: loopback and dummy never lose it, so their operstate stays UNKNOWN; a veth end has
 * carrier while both ends are up (veth_open / veth_close); a tun has carrier while a reader (the
 * host side: a TUN file descriptor) is attached.
 *
 * Namespace teardown (default_device_exit_batch): every device left is deleted, each kind
 * through its dellink, so a veth end in a dying namespace takes its peer along wherever it is.
 * (Devices without rtnl_link_ops would be moved back to init_net; loopback, the only one here,
 * is immutable and dies with its namespace.)
 */

import { EBUSY, EINVAL, ENOTCONN } from '../uapi/errno.ts';
import { ETH_ALEN, ETH_DATA_LEN, ETH_MAX_MTU, ETH_MIN_MTU } from '../uapi/if_ether.ts';
import { IFF_BROADCAST, IFF_LOOPBACK, IFF_MULTICAST, IFF_NOARP, IFF_POINTOPOINT, IFF_UP } from '../uapi/if.ts';
import { type Result, ok } from '../wire/result.ts';
import type { Net, NetError, World } from './net.ts';
import {
  DEFAULT_TX_QUEUE_LEN,
  type DeviceSetup,
  DeviceTable,
  NETDEV_CHANGE,
  NET_ADDR_RANDOM,
  NetDevice,
  NetdevCore,
  PacketQueue,
  queueUnregister,
} from './netdevice.ts';
import type { PernetOperations } from './pernet.ts';
import type { Rng } from './rng.ts';

import { ARPHRD_ETHER, ARPHRD_LOOPBACK, ARPHRD_NONE } from '../uapi/if_arp.ts';
import { IFF_NO_PI, IFF_TUN } from '../uapi/if_tun.ts';

// The numbers live in uapi/; callers of this module keep reaching them here.
export { ARPHRD_ETHER, ARPHRD_LOOPBACK, ARPHRD_NONE } from '../uapi/if_arp.ts';
export { IFF_NO_PI, IFF_PERSIST, IFF_TAP, IFF_TUN } from '../uapi/if_tun.ts';

/** drivers/net/tun.c TUN_READQ_SIZE: the default tx_queue_len of a tun. */
export const TUN_READQ_SIZE = 500;
/** drivers/net/loopback.c: 64 KiB. */
export const LOOPBACK_MTU = 64 * 1024;
export const LOOPBACK_IFINDEX = 1;

const ETH_BROADCAST = new Uint8Array([0xff, 0xff, 0xff, 0xff, 0xff, 0xff]);

/** ether_setup's values, which dummy and veth then adjust. */
function etherSetup(kind: 'dummy' | 'veth', over: Partial<DeviceSetup>): DeviceSetup {
  return {
    kind,
    linkOps: true,
    type: ARPHRD_ETHER,
    flags: IFF_BROADCAST | IFF_MULTICAST,
    mtu: ETH_DATA_LEN,
    minMtu: ETH_MIN_MTU,
    maxMtu: ETH_DATA_LEN,
    txQueueLen: DEFAULT_TX_QUEUE_LEN,
    addrLen: ETH_ALEN,
    broadcast: ETH_BROADCAST.slice(),
    noQueue: false,
    netnsImmutable: false,
    ...over,
  };
}

/** eth_hw_addr_random: a random unicast, locally administered address. */
export function ethHwAddrRandom(dev: NetDevice, rng: Rng): void {
  rng.fill(dev.devAddr);
  dev.devAddr[0] = ((dev.devAddr[0] ?? 0) & 0xfe) | 0x02;
  dev.addrAssignType = NET_ADDR_RANDOM;
}

// --- loopback ---

const LOOPBACK_SETUP: DeviceSetup = {
  kind: 'loopback',
  linkOps: false,
  type: ARPHRD_LOOPBACK,
  flags: IFF_LOOPBACK,
  mtu: LOOPBACK_MTU,
  minMtu: 0,
  maxMtu: 0,
  txQueueLen: DEFAULT_TX_QUEUE_LEN,
  addrLen: ETH_ALEN,
  noQueue: true,
  netnsImmutable: true,
};

/** The loopback device: one per namespace, created with it, never moved or deleted alone. */
export class LoopbackDevice extends NetDevice {
  constructor() {
    super(LOOPBACK_SETUP, 'lo');
  }
}

// --- dummy ---

/** A dummy: an Ethernet-like device that swallows what it is given. */
export class DummyDevice extends NetDevice {
  constructor(name: string) {
    super(etherSetup('dummy', { flags: IFF_BROADCAST | IFF_NOARP, minMtu: 0, maxMtu: ETH_MAX_MTU, noQueue: true }), name);
  }
}

/** `ip link add [name] type dummy`: the name defaults to "dummy%d". */
export function createDummy(table: DeviceTable, name = 'dummy%d'): Result<DummyDevice, NetError> {
  const dev = new DummyDevice(name);
  ethHwAddrRandom(dev, table.net.rng);
  const r = table.register(dev);
  return r.ok ? ok(dev) : r;
}

// --- veth ---

/** One end of a veth pair. */
export class VethDevice extends NetDevice {
  /** priv->peer; null once the pair is being torn down. */
  peer: VethDevice | null = null;

  constructor(name: string) {
    super(etherSetup('veth', { maxMtu: ETH_MAX_MTU, noQueue: true }), name);
  }

  /** veth_open: carrier on both ends once both are up; ENOTCONN without a peer. */
  override ndoOpen(): number {
    const peer = this.peer;
    if (peer === null) return -ENOTCONN;
    if (peer.flags & IFF_UP) {
      this.carrierOn();
      peer.carrierOn();
    }
    return 0;
  }

  /** veth_close: carrier off on both ends. */
  override ndoStop(): void {
    this.carrierOff();
    this.peer?.carrierOff();
  }

  /** veth_get_iflink: the peer's ifindex (whatever its namespace), 0 without a peer. */
  override ndoGetIflink(): number {
    return this.peer === null ? 0 : this.peer.ifindex;
  }

  /** veth_dellink: both ends go. */
  override dellink(queue: (dev: NetDevice) => void): void {
    queue(this);
    const peer = this.peer;
    if (peer !== null) {
      this.peer = null;
      peer.peer = null;
      queue(peer);
    }
  }
}

export interface VethOptions {
  /** The peer's name (default "veth%d"). */
  readonly peerName?: string;
  /** The peer's namespace (default: the same one). */
  readonly peerTable?: DeviceTable;
}

/**
 * veth_newlink: the peer is created and registered first (so it gets the lower ifindex), then
 * `name`; both start without carrier. If the second registration fails the peer is removed.
 */
export function createVethPair(
  table: DeviceTable,
  name = 'veth%d',
  options: VethOptions = {},
): Result<{ readonly dev: VethDevice; readonly peer: VethDevice }, NetError> {
  const peerTable = options.peerTable ?? table;
  return table.core.rtnl(() => {
    const peer = new VethDevice(options.peerName ?? 'veth%d');
    ethHwAddrRandom(peer, peerTable.net.rng);
    const rp = peerTable.register(peer);
    if (!rp.ok) return rp;
    peer.carrierOff();
    const dev = new VethDevice(name);
    ethHwAddrRandom(dev, table.net.rng);
    const rd = table.register(dev);
    if (!rd.ok) {
      table.core.unregisterMany([peer]);
      return rd;
    }
    dev.carrierOff();
    dev.peer = peer;
    peer.peer = dev;
    return ok({ dev, peer });
  });
}

// --- tun ---

/**
 * The host side of a tun: one attached reader (a TUN file descriptor). `queue` holds what the
 * stack transmitted and the reader has not read yet (the tfile's ring, sized txqueuelen).
 */
export class TunQueue {
  readonly dev: TunDevice;
  readonly queue: PacketQueue;
  #attached = true;

  constructor(dev: TunDevice) {
    this.dev = dev;
    this.queue = new PacketQueue(dev.txQueueLen);
  }

  get attached(): boolean {
    return this.#attached;
  }

  /** close() of the descriptor (tun_detach): carrier off; a non-persistent tun is deleted. */
  detach(): void {
    if (!this.#attached) return;
    this.#attached = false;
    this.queue.purge();
    this.dev._detached(this);
  }

  /** Internal to TunDevice: the device went away under the reader. */
  _orphan(): void {
    this.#attached = false;
    this.queue.purge();
  }
}

const TUN_SETUP: DeviceSetup = {
  kind: 'tun',
  linkOps: true,
  type: ARPHRD_NONE,
  flags: IFF_POINTOPOINT | IFF_MULTICAST | IFF_NOARP,
  mtu: ETH_DATA_LEN,
  minMtu: ETH_MIN_MTU,
  maxMtu: ETH_MAX_MTU,
  txQueueLen: TUN_READQ_SIZE,
  addrLen: 0,
  noQueue: false,
  netnsImmutable: false,
};

/** A tun in TUN mode without packet information (IFF_TUN | IFF_NO_PI), single queue. */
export class TunDevice extends NetDevice {
  /** TUNSETIFF flags. */
  readonly tunFlags = IFF_TUN | IFF_NO_PI;
  persist: boolean;
  #reader: TunQueue | null = null;

  constructor(name: string, persist: boolean) {
    super(TUN_SETUP, name);
    this.persist = persist;
  }

  get reader(): TunQueue | null {
    return this.#reader;
  }

  /**
   * TUNSETIFF on an existing device (tun_attach + tun_set_iff): EBUSY when a reader is already
   * attached (no IFF_MULTI_QUEUE); then NETDEV_CHANGE and carrier on.
   */
  attach(): Result<TunQueue, NetError> {
    return this.table.core.rtnl(() => {
      if (this.reg !== 'registered') throw new Error(`tun ${this.name} is not registered`);
      if (this.#reader !== null) return { ok: false, error: { errno: EBUSY, message: `${this.name} already has a reader` } };
      const q = new TunQueue(this);
      this.#reader = q;
      if (this.flags & IFF_UP) this.table.notify(NETDEV_CHANGE, this);
      this.carrierOn();
      return ok(q);
    });
  }

  /** Internal to TunQueue: __tun_detach. */
  _detached(q: TunQueue): void {
    if (this.#reader !== q) return;
    this.table.core.rtnl(() => {
      this.#reader = null;
      this.carrierOff();
      if (!this.persist && this.reg === 'registered') this.table.core.unregisterMany([this]);
    });
  }

  /** tun_net_uninit → tun_detach_all: the reader is left without a device. */
  override ndoUninit(): void {
    const q = this.#reader;
    this.#reader = null;
    q?._orphan();
  }
}

export interface TunOptions {
  /** TUNSETPERSIST: survives its last reader (default true, as `ip tuntap add`). */
  readonly persist?: boolean;
}

/**
 * `ip tuntap add [name] mode tun`: the name defaults to "tun%d". Like the real command, the
 * descriptor that created it is closed at once, so the device is left without carrier.
 */
export function createTun(table: DeviceTable, name = 'tun%d', options: TunOptions = {}): Result<TunDevice, NetError> {
  return table.core.rtnl(() => {
    const dev = new TunDevice(name, options.persist ?? true);
    const r = table.register(dev);
    if (!r.ok) return r;
    dev.carrierOff();
    return ok(dev);
  });
}

/**
 * open("/dev/net/tun") + TUNSETIFF: attaches to the tun called `name` or creates it
 * (non-persistent unless asked: it disappears with its reader).
 */
export function openTun(table: DeviceTable, name = 'tun%d', options: TunOptions = {}): Result<TunQueue, NetError> {
  return table.core.rtnl(() => {
    const existing = name.includes('%') ? undefined : table.getByName(name);
    if (existing !== undefined) {
      // tun_set_iff: a device of another kind under that name is EINVAL.
      if (!(existing instanceof TunDevice)) return { ok: false, error: { errno: EINVAL, message: `${name} is not a tun device` } };
      return existing.attach();
    }
    const dev = new TunDevice(name, options.persist ?? false);
    const r = table.register(dev);
    if (!r.ok) return r;
    return dev.attach();
  });
}

// --- pernet wiring ---

/** default_device_exit_batch: every device of the dying namespaces, newest first, via dellink. */
function defaultDeviceExitBatch(core: NetdevCore, nets: readonly Net[]): void {
  const kill: NetDevice[] = [];
  const queue = (d: NetDevice): void => queueUnregister(kill, d);
  for (const net of nets) {
    const table = core.table(net);
    table.dead = true;
    const devs = table.listOrder();
    for (let i = devs.length - 1; i >= 0; i--) {
      const dev = devs[i] as NetDevice;
      if (dev.reg !== 'registered' || kill.includes(dev)) continue;
      if (dev.linkOps) dev.dellink(queue);
      else queue(dev);
    }
  }
  core.unregisterMany(kill);
}

/**
 * Registers the device layer in `world`: the device tables (a pernet subsystem, netdev_net_ops),
 * the loopback of every namespace (pernet device, loopback_net_ops) and the teardown of devices
 * when a namespace dies (pernet device, default_device_ops). Returns the core through which
 * tables and the World-wide notifier chain are reached, or the negative errno of a failed init.
 */
export function registerNetdevice(world: World): Result<NetdevCore, number> {
  const core = new NetdevCore();
  const tableOps: PernetOperations<Net, DeviceTable> = { name: 'netdev', state: (net) => new DeviceTable(net, core) };
  const key = world.pernet.registerSubsys(tableOps);
  if (!key.ok) return key;
  core._setKey(key.value);
  const loopbackOps: PernetOperations<Net> = {
    name: 'loopback',
    init: (net) => {
      const r = core.table(net).register(new LoopbackDevice());
      return r.ok ? 0 : -r.error.errno;
    },
  };
  const lo = world.pernet.registerDevice(loopbackOps);
  if (!lo.ok) {
    world.pernet.unregister(tableOps);
    return lo;
  }
  const exitOps: PernetOperations<Net> = { name: 'default_device', exitBatch: (nets) => defaultDeviceExitBatch(core, nets) };
  const ex = world.pernet.registerDevice(exitOps);
  if (!ex.ok) {
    world.pernet.unregister(loopbackOps);
    world.pernet.unregister(tableOps);
    return ex;
  }
  return ok(core);
}
