import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { EBUSY, EEXIST, EINVAL, ENFILE, ENOMEM, EPERM, ERANGE } from '../uapi/errno.ts';
import { IFF_NOARP, IFF_UP, IF_OPER_UNKNOWN } from '../uapi/if.ts';
import { createDummy, createVethPair, registerNetdevice } from './device-kinds.ts';
import { type Net, World } from './net.ts';
import {
  type DeviceSetup,
  type DeviceTable,
  IFINDEX_MAX,
  LINK_STATS64_FIELDS,
  LinkStats64,
  MAX_NETDEVICES,
  NETDEV_CHANGE,
  NETDEV_CHANGEMTU,
  NETDEV_CHANGENAME,
  NETDEV_CHANGE_TX_QUEUE_LEN,
  NETDEV_DOWN,
  NETDEV_GOING_DOWN,
  NETDEV_PRECHANGEMTU,
  NETDEV_PRE_UP,
  NETDEV_REGISTER,
  NETDEV_UNREGISTER,
  NETDEV_UP,
  NetDevice,
  type NetdevCore,
  NetdevNotifierChain,
  PacketQueue,
  allocName,
  devValidName,
} from './netdevice.ts';
import { PacketBuffer } from './packet-buffer.ts';

function setup(seed = 1): { world: World; core: NetdevCore; init: DeviceTable; net: (name: string) => DeviceTable } {
  const world = new World({ seed });
  const r = registerNetdevice(world);
  assert.ok(r.ok);
  const core = r.value;
  const net = (name: string): DeviceTable => {
    const n = world.createNet(name);
    assert.ok(n.ok, n.ok ? '' : n.error.message);
    return core.table(n.value);
  };
  return { world, core, init: core.table(world.initNet), net };
}

/** A plain device with no driver behaviour, for core tests. */
const PLAIN: DeviceSetup = {
  kind: 'dummy',
  linkOps: true,
  type: 1,
  flags: 0,
  mtu: 1500,
  minMtu: 68,
  maxMtu: 9000,
  txQueueLen: 4,
  addrLen: 6,
  noQueue: false,
  netnsImmutable: false,
};

function must<T>(r: { ok: true; value: T } | { ok: false; error: { message: string } }): T {
  assert.ok(r.ok, r.ok ? '' : r.error.message);
  return r.value;
}

function errnoOf(r: { ok: boolean; error?: { errno: number } }): number {
  return r.ok ? 0 : (r.error?.errno ?? -1);
}

/** Records events as `<EVENT>:<name>` on a table's chain. */
function recorder(table: DeviceTable): string[] {
  const names: Record<number, string> = {
    [NETDEV_UP]: 'UP',
    [NETDEV_DOWN]: 'DOWN',
    [NETDEV_CHANGE]: 'CHANGE',
    [NETDEV_REGISTER]: 'REGISTER',
    [NETDEV_UNREGISTER]: 'UNREGISTER',
    [NETDEV_CHANGEMTU]: 'CHANGEMTU',
    [NETDEV_CHANGENAME]: 'CHANGENAME',
    [NETDEV_GOING_DOWN]: 'GOING_DOWN',
    [NETDEV_PRE_UP]: 'PRE_UP',
    [NETDEV_PRECHANGEMTU]: 'PRECHANGEMTU',
    [NETDEV_CHANGE_TX_QUEUE_LEN]: 'CHANGE_TX_QUEUE_LEN',
  };
  const log: string[] = [];
  table.notifiers.register((ev, dev) => void log.push(`${names[ev] ?? ev}:${dev.name}`));
  return log;
}

test('dev_valid_name: the kernel rules on the UTF-8 bytes', () => {
  for (const good of ['eth0', 'a', 'x'.repeat(15), 'veth-1_a.b', '...', 'é', 'tun%d', '\u00a0x'.slice(1)]) {
    assert.equal(devValidName(good), true, good);
  }
  // '\u00e0' is C3 A0 in UTF-8: the kernel's isspace() is true for the byte 0xA0.
  for (const bad of ['', '.', '..', 'x'.repeat(16), 'a/b', 'a:b', 'a b', 'a\tb', 'a\nb', 'a\vb', 'a\fb', 'a\rb', 'a\0b', '\u00e0', 'ééééééééx']) {
    assert.equal(devValidName(bad), false, JSON.stringify(bad));
  }
});

test('dev_valid_name properties (fast-check)', () => {
  const safeChar = fc.constantFrom(...'abcdefghijklmnopqrstuvwxyz0123456789-_.%'.split(''));
  fc.assert(
    fc.property(fc.array(safeChar, { minLength: 1, maxLength: 15 }).map((a) => a.join('')), (name) => {
      assert.equal(devValidName(name), name !== '.' && name !== '..');
    }),
  );
  fc.assert(
    fc.property(fc.string({ maxLength: 20 }), fc.constantFrom('/', ':', ' ', '\t', '\n', '\r', '\0'), fc.string({ maxLength: 20 }), (a, c, b) => {
      assert.equal(devValidName(a + c + b), false);
    }),
  );
  fc.assert(
    fc.property(fc.string({ minLength: 16, maxLength: 40 }), (name) => {
      assert.equal(devValidName(name), false);
    }),
  );
  // Never throws, and any accepted name fits IFNAMSIZ with its NUL.
  fc.assert(
    fc.property(fc.string({ unit: 'binary', maxLength: 24 }), (name) => {
      if (devValidName(name)) assert.ok(new TextEncoder().encode(name).length <= 15);
    }),
  );
});

test('__dev_alloc_name: smallest free number, printf-exact matches only', () => {
  assert.equal(allocName('dummy%d', []), 'dummy0');
  assert.equal(allocName('dummy%d', ['dummy0', 'dummy2', 'lo']), 'dummy1');
  // "x00" and "x-1" scan as numbers but printf gives them back differently: not counted.
  assert.equal(allocName('x%d', ['x00', 'x-1', 'x+1']), 'x0');
  assert.equal(allocName('v%dx', ['v0x', 'v1']), 'v1x');
  // The result is cut to 15 bytes as snprintf(IFNAMSIZ) does.
  assert.equal(allocName('abcdefghijklmn%d', ['abcdefghijklmn0', 'abcdefghijklmn1', 'abcdefghijklmn2', 'abcdefghijklmn3', 'abcdefghijklmn4', 'abcdefghijklmn5', 'abcdefghijklmn6', 'abcdefghijklmn7', 'abcdefghijklmn8', 'abcdefghijklmn9']), 'abcdefghijklmn1');
  for (const bad of ['a%s', 'a%d%d', 'a%', 'a%%d', 'plain']) assert.equal(allocName(bad, []), -EINVAL, bad);
  const all = Array.from({ length: MAX_NETDEVICES }, (_, i) => `a${i}`);
  assert.equal(allocName('a%d', all), -ENFILE);
});

test('ifindex: cyclic allocation, explicit requests do not move the hint, freed ones are not reused', () => {
  const { init } = setup();
  assert.equal(init.loopback?.ifindex, 1);
  assert.equal(init._reserveIndex(0), 2);
  assert.equal(init._reserveIndex(5), 5);
  assert.equal(init._reserveIndex(5), -EBUSY);
  assert.equal(init._reserveIndex(0), 3);
  init._releaseIndex(3);
  assert.equal(init._reserveIndex(0), 4);
  assert.equal(init._reserveIndex(0), 6);
  assert.equal(init._reserveIndex(-1), -EINVAL);
  assert.equal(init._reserveIndex(IFINDEX_MAX + 1), -EINVAL);
  // An explicit INT_MAX is fine; beyond is EINVAL.
  assert.equal(init._reserveIndex(IFINDEX_MAX), IFINDEX_MAX);
  assert.equal(init.nextIndex, 7);
});

test('PacketQueue: FIFO with a packet limit and depth in packets and bytes', () => {
  const q = new PacketQueue(20);
  const pkts = Array.from({ length: 21 }, (_, i) => PacketBuffer.from(new Uint8Array(i + 1), 8));
  for (let i = 0; i < 20; i++) assert.equal(q.enqueue(pkts[i] as PacketBuffer), true);
  assert.equal(q.enqueue(pkts[20] as PacketBuffer), false);
  assert.equal(q.packets, 20);
  assert.equal(q.bytes, (20 * 21) / 2);
  assert.equal(q.dequeue(), pkts[0]);
  assert.equal(q.dequeue(), pkts[1]);
  assert.equal(q.bytes, (20 * 21) / 2 - 3);
  // Wrap around the ring.
  assert.equal(q.enqueue(pkts[20] as PacketBuffer), true);
  assert.equal(q.peek(), pkts[2]);
  // 19 queued (2..20): a limit of 17 drops the two newest.
  const idx = (list: PacketBuffer[]): number[] => list.map((p) => pkts.indexOf(p));
  assert.deepEqual(idx(q.setLimit(17)), [19, 20]);
  assert.equal(q.packets, 17);
  assert.deepEqual(idx(q.purge()), Array.from({ length: 17 }, (_, i) => i + 2));
  assert.equal(q.packets, 0);
  assert.equal(q.bytes, 0);
  assert.equal(q.dequeue(), null);
  assert.equal(new PacketQueue(0).enqueue(pkts[0] as PacketBuffer), false);
});

test('PacketQueue: a huge limit allocates only what is used', () => {
  const q = new PacketQueue(0xffff_ffff);
  const p = PacketBuffer.from(new Uint8Array(100));
  for (let i = 0; i < 1000; i++) q.enqueue(p);
  assert.equal(q.packets, 1000);
  assert.equal(q.bytes, 100_000);
});

test('LinkStats64 lists the rtnl_link_stats64 fields in structure order', () => {
  const s = new LinkStats64();
  assert.equal(LINK_STATS64_FIELDS.length, 25);
  for (const f of LINK_STATS64_FIELDS) assert.equal(s[f], 0);
  assert.deepEqual(Object.keys(s), [...LINK_STATS64_FIELDS]);
});

test('notifier chain: priority order, FIFO among equals, a veto stops it', () => {
  const chain = new NetdevNotifierChain();
  const log: string[] = [];
  const dev = new NetDevice(PLAIN, 'x');
  chain.register(() => void log.push('a0'));
  chain.register(() => void log.push('b10'), 10);
  const unC = chain.register(() => void log.push('c0'));
  chain.register(() => {
    log.push('d-5');
    return -EPERM;
  }, -5);
  chain.register(() => void log.push('e-10'), -10);
  assert.equal(chain.call(NETDEV_UP, dev), -EPERM);
  assert.deepEqual(log, ['b10', 'a0', 'c0', 'd-5']);
  unC();
  log.length = 0;
  chain.call(NETDEV_UP, dev);
  assert.deepEqual(log, ['b10', 'a0', 'd-5']);
  assert.equal(chain.size, 4);
});

test('register: names, EEXIST, EINVAL, patterns, a vetoed NETDEV_REGISTER unregisters', () => {
  const { init, core } = setup();
  const log = recorder(init);
  const a = must(init.register(new NetDevice(PLAIN, 'a%d')));
  assert.equal(a.name, 'a0');
  assert.equal(a.ifindex, 2);
  assert.equal(errnoOf(init.register(new NetDevice(PLAIN, 'a0'))), EEXIST);
  assert.equal(errnoOf(init.register(new NetDevice(PLAIN, 'a b'))), EINVAL);
  assert.equal(errnoOf(init.register(new NetDevice(PLAIN, 'a%x'))), EINVAL);
  const un = core.notifiers.register((ev, dev) => (ev === NETDEV_REGISTER && dev.name === 'bad' ? -ENOMEM : 0));
  const bad = new NetDevice(PLAIN, 'bad');
  assert.equal(errnoOf(init.register(bad)), ENOMEM);
  un();
  assert.equal(bad.reg, 'unregistered');
  assert.equal(init.getByName('bad'), undefined);
  assert.equal(init.getByIndex(3), undefined);
  // Its index was taken from the cyclic hint, which moved on.
  assert.equal(must(init.register(new NetDevice(PLAIN, 'c'))).ifindex, 4);
  assert.deepEqual(log, ['REGISTER:a0', 'REGISTER:bad', 'UNREGISTER:bad', 'REGISTER:c']);
  const explicit = new NetDevice(PLAIN, 'd');
  explicit.requestedIfindex = 4;
  assert.equal(errnoOf(init.register(explicit)), EBUSY);
  assert.deepEqual(init.list().map((d) => `${d.ifindex}:${d.name}`), ['1:lo', '2:a0', '4:c']);
});

test('open/close: PRE_UP veto, UP, GOING_DOWN, DOWN; flags through dev_change_flags', () => {
  const { init } = setup();
  const dev = must(init.register(new NetDevice(PLAIN, 'p0')));
  const log = recorder(init);
  const un = init.notifiers.register((ev) => (ev === NETDEV_PRE_UP ? -EPERM : 0));
  assert.equal(errnoOf(init.open(dev)), EPERM);
  assert.equal(dev.running, false);
  assert.equal(dev.flags & IFF_UP, 0);
  un();
  must(init.open(dev));
  must(init.open(dev));
  assert.equal(dev.running, true);
  init.close(dev);
  init.close(dev);
  must(init.changeFlags(dev, IFF_UP | IFF_NOARP));
  assert.equal(dev.flags, IFF_UP | IFF_NOARP);
  must(init.changeFlags(dev, IFF_UP));
  // Volatile flags cannot be set from outside.
  must(init.changeFlags(dev, IFF_UP | 0x40 /* IFF_RUNNING */ | 0x8 /* IFF_LOOPBACK */));
  assert.equal(dev.flags, IFF_UP);
  must(init.changeFlags(dev, 0));
  assert.deepEqual(log, [
    'PRE_UP:p0',
    'PRE_UP:p0',
    'UP:p0',
    'GOING_DOWN:p0',
    'DOWN:p0',
    'PRE_UP:p0',
    'UP:p0',
    'CHANGE:p0',
    'CHANGE:p0',
    'GOING_DOWN:p0',
    'DOWN:p0',
  ]);
  // A device that never had a carrier event keeps operstate UNKNOWN.
  assert.equal(dev.operstate, IF_OPER_UNKNOWN);
});

test('setMtu: range checks with the kernel extack texts, PRECHANGEMTU and CHANGEMTU vetoes', () => {
  const { init } = setup();
  const dev = must(init.register(new NetDevice(PLAIN, 'm0')));
  const log = recorder(init);
  const lo = init.setMtu(dev, 67);
  assert.ok(!lo.ok && lo.error.errno === EINVAL && lo.error.message === 'mtu less than device minimum');
  const hi = init.setMtu(dev, 9001);
  assert.ok(!hi.ok && hi.error.errno === EINVAL && hi.error.message === 'mtu greater than device maximum');
  assert.equal(errnoOf(init.setMtu(dev, -1)), EINVAL);
  must(init.setMtu(dev, 1500));
  assert.deepEqual(log, []);
  must(init.setMtu(dev, 9000));
  const seen: number[] = [];
  const un = init.notifiers.register((ev, d, info) => {
    if (ev === NETDEV_CHANGEMTU) seen.push(info.oldMtu ?? -1, d.mtu);
    return ev === NETDEV_CHANGEMTU && d.mtu < 1280 ? -EINVAL : 0;
  });
  assert.equal(errnoOf(init.setMtu(dev, 1000)), EINVAL);
  assert.equal(dev.mtu, 9000);
  // The veto is followed by a second CHANGEMTU that restores the old value.
  assert.deepEqual(seen, [9000, 1000, 1000, 9000]);
  un();
  const un2 = init.notifiers.register((ev) => (ev === NETDEV_PRECHANGEMTU ? -EBUSY : 0));
  assert.equal(errnoOf(init.setMtu(dev, 2000)), EBUSY);
  un2();
  assert.deepEqual(log.slice(0, 2), ['PRECHANGEMTU:m0', 'CHANGEMTU:m0']);
});

test('changeName: EINVAL, EEXIST, patterns, a CHANGENAME veto restores the old name', () => {
  const { init } = setup();
  const dev = must(init.register(new NetDevice(PLAIN, 'n0')));
  must(init.register(new NetDevice(PLAIN, 'n1')));
  must(init.changeName(dev, 'n0'));
  assert.equal(errnoOf(init.changeName(dev, 'n1')), EEXIST);
  assert.equal(errnoOf(init.changeName(dev, 'a:b')), EINVAL);
  assert.equal(errnoOf(init.changeName(dev, '')), EINVAL);
  must(init.changeName(dev, 'n%d'));
  // The device's own current name (n0) counts as used, as in __dev_alloc_name.
  assert.equal(dev.name, 'n2');
  assert.equal(init.getByName('n2'), dev);
  assert.equal(init.getByName('n0'), undefined);
  const names: string[] = [];
  const un = init.notifiers.register((ev, d, info) => {
    if (ev !== NETDEV_CHANGENAME) return 0;
    names.push(`${info.oldName}->${d.name}`);
    return d.name === 'forbidden' ? -EPERM : 0;
  });
  assert.equal(errnoOf(init.changeName(dev, 'forbidden')), EPERM);
  un();
  assert.equal(dev.name, 'n2');
  assert.equal(init.getByName('forbidden'), undefined);
  assert.deepEqual(names, ['n2->forbidden', 'forbidden->n2']);
});

test('setAlias, setGroup, changeTxQueueLen', () => {
  const { init } = setup();
  const dev = must(init.register(new NetDevice(PLAIN, 'q0')));
  must(init.setAlias(dev, 'x'.repeat(255)));
  assert.equal(dev.ifalias?.length, 255);
  assert.equal(errnoOf(init.setAlias(dev, 'x'.repeat(256))), EINVAL);
  must(init.setAlias(dev, ''));
  assert.equal(dev.ifalias, null);
  init.setGroup(dev, 7);
  assert.equal(dev.group, 7);
  assert.throws(() => init.setGroup(dev, -1), RangeError);
  const p = PacketBuffer.from(new Uint8Array(10));
  for (let i = 0; i < 4; i++) assert.ok(dev.txq.enqueue(p));
  assert.equal(dev.txq.enqueue(p), false);
  assert.equal(errnoOf(init.changeTxQueueLen(dev, 2 ** 32)), ERANGE);
  const log = recorder(init);
  const dropped = must(init.changeTxQueueLen(dev, 2));
  assert.equal(dropped.length, 2);
  assert.equal(dev.txq.packets, 2);
  assert.equal(dev.txq.bytes, 20);
  const un = init.notifiers.register((ev) => (ev === NETDEV_CHANGE_TX_QUEUE_LEN ? -EPERM : 0));
  assert.equal(errnoOf(init.changeTxQueueLen(dev, 100)), EPERM);
  un();
  assert.equal(dev.txQueueLen, 2);
  assert.deepEqual(log, ['CHANGE_TX_QUEUE_LEN:q0', 'CHANGE_TX_QUEUE_LEN:q0']);
});

test('changeNetNamespace: name clash, pattern, explicit ifindex, events in each namespace', () => {
  const { init, net } = setup();
  const b = net('b');
  const dev = must(init.register(new NetDevice(PLAIN, 'mv')));
  must(b.register(new NetDevice(PLAIN, 'mv')));
  must(init.open(dev));
  const logA = recorder(init);
  const logB = recorder(b);
  const clash = init.changeNetNamespace(dev, b);
  assert.ok(!clash.ok && clash.error.errno === EEXIST && clash.error.message === 'An interface with the same name exists in the target netns');
  const busy = init.changeNetNamespace(dev, b, { pattern: 'mv%d', newIfindex: 1 });
  assert.ok(!busy.ok && busy.error.errno === EBUSY && busy.error.message === 'The ifindex 1 is not available in the target netns');
  must(init.changeNetNamespace(dev, b, { pattern: 'mv%d', newIfindex: 40 }));
  assert.equal(dev.name, 'mv0');
  assert.equal(dev.ifindex, 40);
  assert.equal(dev.table, b);
  assert.equal(dev.flags & IFF_UP, 0);
  assert.equal(init.getByName('mv'), undefined);
  assert.equal(b.getByIndex(40), dev);
  assert.deepEqual(logA, ['GOING_DOWN:mv', 'DOWN:mv', 'UNREGISTER:mv']);
  assert.deepEqual(logB, ['REGISTER:mv0']);
  // Its old index is free again in the source namespace; the target's hint did not move.
  assert.equal(init.getByIndex(2), undefined);
  assert.equal(b.nextIndex, 3);
  must(b.changeNetNamespace(dev, b));
  const lo = init.loopback as NetDevice;
  const imm = init.changeNetNamespace(lo, b);
  assert.ok(!imm.ok && imm.error.errno === EINVAL && imm.error.message === 'The interface netns is immutable');
});

test('World-wide notifiers see every namespace and replay registrations', () => {
  const { world, core, init, net } = setup();
  const b = net('b');
  must(init.open(init.loopback as NetDevice));
  const log: string[] = [];
  const un = core.registerNotifier((ev, dev) => void log.push(`${ev}:${dev.net.name}/${dev.name}`), world.list());
  assert.deepEqual(log, [`${NETDEV_REGISTER}:init_net/lo`, `${NETDEV_UP}:init_net/lo`, `${NETDEV_REGISTER}:b/lo`]);
  log.length = 0;
  must(createDummy(b, 'd0'));
  assert.deepEqual(log, [`${NETDEV_REGISTER}:b/d0`]);
  log.length = 0;
  un();
  assert.deepEqual(log, [
    `${NETDEV_GOING_DOWN}:init_net/lo`,
    `${NETDEV_DOWN}:init_net/lo`,
    `${NETDEV_UNREGISTER}:init_net/lo`,
    `${NETDEV_UNREGISTER}:b/lo`,
    `${NETDEV_UNREGISTER}:b/d0`,
  ]);
});

test('two namespaces are isolated: names, ifindexes, per-namespace notifiers', () => {
  const { net } = setup();
  const a = net('a');
  const b = net('b');
  const logA = recorder(a);
  const logB = recorder(b);
  const da = must(createDummy(a, 'd0'));
  const db = must(createDummy(b, 'd0'));
  assert.equal(da.ifindex, 2);
  assert.equal(db.ifindex, 2);
  assert.equal(a.getByName('d0'), da);
  assert.equal(b.getByName('d0'), db);
  must(a.open(da));
  must(a.setMtu(da, 9000));
  assert.equal(db.mtu, 1500);
  assert.equal(db.flags & IFF_UP, 0);
  assert.notDeepEqual(da.devAddr, db.devAddr);
  assert.deepEqual(logA, ['REGISTER:d0', 'PRE_UP:d0', 'UP:d0', 'PRECHANGEMTU:d0', 'CHANGEMTU:d0']);
  assert.deepEqual(logB, ['REGISTER:d0']);
  assert.throws(() => a.open(db), /not registered in a/);
});

test('destroying a namespace unregisters its devices, newest first, and kills veth peers elsewhere', () => {
  const { world, core, init, net } = setup();
  const b = net('b');
  const bNet = b.net as Net;
  const { dev, peer } = must(createVethPair(b, 'vb', { peerName: 'va', peerTable: init }));
  must(createDummy(b, 'd0'));
  must(b.open(dev));
  const log: string[] = [];
  core.notifiers.register((ev, d) => void log.push(`${ev}:${d.name}`));
  world.destroyNet(bNet);
  assert.equal(b.dead, true);
  assert.equal(dev.reg, 'unregistered');
  assert.equal(peer.reg, 'unregistered');
  assert.equal(init.getByName('va'), undefined);
  assert.deepEqual(log, [
    `${NETDEV_GOING_DOWN}:vb`,
    `${NETDEV_DOWN}:vb`,
    `${NETDEV_UNREGISTER}:d0`,
    `${NETDEV_UNREGISTER}:vb`,
    `${NETDEV_UNREGISTER}:va`,
    `${NETDEV_UNREGISTER}:lo`,
  ]);
  assert.throws(() => core.table(bNet), /not initialised/);
});
