import assert from 'node:assert/strict';
import { test } from 'node:test';
import { INITIAL_JIFFIES, ManualClock, RealClock } from '../time/clock.ts';
import { Timer } from '../time/timer.ts';
import { EEXIST, EINVAL, ENOMEM } from '../uapi/errno.ts';
import { CAP_NET_ADMIN, UserNamespace, nsCapable, rootCredentials } from './credentials.ts';
import { IPSTATS_MIB_INPKTS } from './mib.ts';
import { INIT_NET_NAME, type Net, NETNSA_NSID_NOT_ASSIGNED, World } from './net.ts';
import type { PernetOperations } from './pernet.ts';

function mustCreate(world: World, name: string): Net {
  const r = world.createNet(name);
  assert.ok(r.ok, r.ok ? '' : r.error.message);
  return r.value;
}

test('a World starts with init_net, id 0, in the initial user namespace', () => {
  const w = new World();
  assert.equal(w.initNet.name, INIT_NET_NAME);
  assert.equal(w.initNet.id, 0);
  assert.equal(w.initNet.userNs, w.initUserNs);
  assert.equal(w.initNet.jiffies, INITIAL_JIFFIES);
  assert.deepEqual(w.list(), [w.initNet]);
  assert.throws(() => w.destroyNet(w.initNet), /cannot be destroyed/);
});

test('create, look up by name and id, list, destroy', () => {
  const w = new World();
  const a = mustCreate(w, 'a');
  const b = mustCreate(w, 'b');
  assert.deepEqual([a.id, b.id], [1, 2]);
  assert.equal(w.byName('a'), a);
  assert.equal(w.byId(2), b);
  assert.deepEqual(w.list().map((n) => n.name), [INIT_NET_NAME, 'a', 'b']);
  const dup = w.createNet('a');
  assert.ok(!dup.ok && dup.error.errno === EEXIST);
  const bad = w.createNet('x/y');
  assert.ok(!bad.ok && bad.error.errno === EINVAL);
  assert.equal(w.destroyNet(a), 1);
  assert.equal(w.destroyNet(a), 0);
  assert.equal(a.alive, false);
  assert.equal(w.byName('a'), undefined);
  assert.equal(w.byId(1), undefined);
  // Ids are never reused.
  assert.equal(mustCreate(w, 'a').id, 3);
});

test('two namespaces are isolated: sysctl, MIB, pernet state, timers, rng', () => {
  const w = new World({ seed: 7 });
  const ops: PernetOperations<Net, { routes: string[] }> = { name: 'routes', state: () => ({ routes: [] }) };
  const key = w.pernet.registerSubsys(ops);
  assert.ok(key.ok);
  const a = mustCreate(w, 'a');
  const b = mustCreate(w, 'b');

  assert.ok(a.sysctl.write('net.ipv6.ioam6_id', '1').ok);
  assert.equal(a.ipv6Sysctl.ipv6.ioam6_id.value, 1);
  assert.equal(b.ipv6Sysctl.ipv6.ioam6_id.value, 0xffffff);

  a.mib.inc(IPSTATS_MIB_INPKTS);
  assert.equal(a.mib.ip.get(IPSTATS_MIB_INPKTS), 1);
  assert.equal(b.mib.ip.get(IPSTATS_MIB_INPKTS), 0);

  a.generic(key.value).routes.push('2001:db8::/32');
  assert.deepEqual(b.generic(key.value).routes, []);
  assert.notEqual(a.generic(key.value), w.initNet.generic(key.value));

  const fired: string[] = [];
  a.timers.addTimer(new Timer(() => fired.push('a')), a.jiffies + 10);
  b.timers.addTimer(new Timer(() => fired.push('b')), b.jiffies + 20);
  w.destroyNet(b);
  w.advance(30_000_000);
  assert.deepEqual(fired, ['a']);

  assert.notEqual(a.rng.nextU32(), b.rng.nextU32());
});

test('rng streams are reproducible from the World seed and the namespace name', () => {
  const draw = (seed: number, name: string): number[] => {
    const w = new World({ seed });
    const n = mustCreate(w, name);
    return [n.rng.nextU32(), n.rng.nextU32()];
  };
  assert.deepEqual(draw(1, 'r1'), draw(1, 'r1'));
  assert.notDeepEqual(draw(1, 'r1'), draw(2, 'r1'));
  assert.notDeepEqual(draw(1, 'r1'), draw(1, 'r2'));
});

test('late registration reaches existing namespaces; destroy runs exits in reverse', () => {
  const w = new World();
  const a = mustCreate(w, 'a');
  const log: string[] = [];
  const mk = (name: string): PernetOperations<Net> => ({
    name,
    init: (net) => void log.push(`init:${name}@${net.name}`),
    exit: (net) => void log.push(`exit:${name}@${net.name}`),
  });
  w.pernet.registerDevice(mk('dev'));
  w.pernet.registerSubsys(mk('sub'));
  assert.deepEqual(log, ['init:dev@init_net', 'init:dev@a', 'init:sub@init_net', 'init:sub@a']);
  log.length = 0;
  w.destroyNet(a);
  assert.deepEqual(log, ['exit:dev@a', 'exit:sub@a']);
});

test('a failing pernet init makes createNet fail and leaves no namespace behind', () => {
  const w = new World();
  const exits: string[] = [];
  w.pernet.registerSubsys<undefined>({ name: 'ok', exit: (net) => void exits.push(net.name) });
  w.pernet.registerSubsys<undefined>({ name: 'picky', init: (net) => (net.name === 'bad' ? -ENOMEM : 0) });
  const r = w.createNet('bad');
  assert.ok(!r.ok);
  assert.equal(r.error.errno, ENOMEM);
  assert.equal(w.byName('bad'), undefined);
  assert.deepEqual(exits, ['bad']);
  assert.equal(mustCreate(w, 'good').id, 1);
});

test('destroying cancels pending timers; exits cannot re-arm them', () => {
  const w = new World();
  let fired = 0;
  const t = new Timer(() => fired++);
  w.pernet.registerSubsys<undefined>({
    name: 'gc',
    init: (net) => void net.timers.modTimer(t, net.jiffies + 5),
    exit: (net) => {
      assert.equal(net.timers.timerPending(t), false);
      net.timers.modTimer(t, net.jiffies + 1);
    },
  });
  const a = mustCreate(w, 'a');
  assert.equal(a.timers.timerPending(t), true);
  w.destroyNet(a);
  assert.equal(a.timers.size, 0);
  w.advance(1_000_000_000);
  assert.equal(fired, 0);
});

test('advance fires timers across namespaces at their expiry, with the clock set to it', () => {
  const w = new World();
  const a = mustCreate(w, 'a');
  const b = mustCreate(w, 'b');
  const seen: string[] = [];
  const at = (net: Net, dj: number, tag: string): void => {
    net.timers.addTimer(new Timer(() => seen.push(`${tag}@${net.clock.nowNs()}`)), net.jiffies + dj);
  };
  at(b, 3, 'b3');
  at(a, 3, 'a3');
  at(a, 1, 'a1');
  // A periodic timer in b re-arming every 2 ticks.
  const tick = new Timer((self) => {
    seen.push(`tick@${b.clock.nowNs()}`);
    if (seen.filter((s) => s.startsWith('tick')).length < 2) b.timers.modTimer(self, self.expires + 2);
  });
  b.timers.addTimer(tick, b.jiffies + 2);
  assert.equal(w.nextExpiry(), INITIAL_JIFFIES + 1);
  const fired = w.advance(10_000_000);
  assert.equal(fired, 5);
  assert.deepEqual(seen, ['a1@1000000', 'tick@2000000', 'a3@3000000', 'b3@3000000', 'tick@4000000']);
  assert.equal(w.clock.nowNs(), 10_000_000);
  assert.equal(w.nextExpiry(), undefined);
});

test('namespaces owned by a child user namespace grant CAP_NET_ADMIN to its root only', () => {
  const w = new World();
  const userNs = new UserNamespace(w.initUserNs, 1000);
  const r = w.createNet('container', { userNs });
  assert.ok(r.ok);
  assert.equal(nsCapable(r.value, rootCredentials(userNs), CAP_NET_ADMIN), true);
  assert.equal(nsCapable(w.initNet, rootCredentials(userNs), CAP_NET_ADMIN), false);
});

test('advance needs a ManualClock', () => {
  const w = new World({ clock: new RealClock() });
  assert.throws(() => w.advance(1), /ManualClock/);
  assert.ok(new World({ clock: new ManualClock({ startNs: 5 }) }).clock.nowNs() === 5);
});

test('netnsids: each namespace numbers its peers from 0 on first use, lowest free id, forgotten when a peer dies', () => {
  const w = new World();
  const mk = (n: string) => {
    const r = w.createNet(n);
    assert.ok(r.ok);
    return r.value;
  };
  const a = mk('a');
  const b = mk('b');
  const c = mk('c');
  const d = mk('d');
  assert.equal(a.peernet2id(b), NETNSA_NSID_NOT_ASSIGNED);
  assert.equal(a.peernet2idAlloc(c), 0);
  assert.equal(a.peernet2idAlloc(b), 1);
  assert.equal(a.peernet2idAlloc(c), 0);
  // Ids are per namespace: b has none for a yet.
  assert.equal(b.peernet2id(a), NETNSA_NSID_NOT_ASSIGNED);
  assert.equal(b.peernet2idAlloc(a), 0);
  w.destroyNet(c);
  assert.equal(a.peernet2id(c), NETNSA_NSID_NOT_ASSIGNED);
  assert.equal(a.peernet2idAlloc(c), NETNSA_NSID_NOT_ASSIGNED, 'a dead peer gets no id');
  // The freed 0 is the lowest free id again.
  assert.equal(a.peernet2idAlloc(d), 0);
  assert.deepEqual(a.nsids().map((x) => [x.id, x.peer.name]), [[0, 'd'], [1, 'b']]);
});
