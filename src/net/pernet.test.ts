import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ENOMEM } from '../uapi/errno.ts';
import { NetGeneric, type PernetOperations, PernetRegistry } from './pernet.ts';

class FakeNet {
  readonly gen = new NetGeneric();
  readonly name: string;
  constructor(name: string) {
    this.name = name;
  }
}

type Log = string[];

/** Operations that log every callback as `<phase>:<op>@<net>`. */
function logged(name: string, log: Log, opts: { failIn?: string; throwIn?: string } = {}): PernetOperations<FakeNet, { n: number }> {
  return {
    name,
    state: () => ({ n: 0 }),
    init: (net, st) => {
      log.push(`init:${name}@${net.name}`);
      st.n++;
      if (opts.throwIn === net.name) throw new Error(`boom in ${name}`);
      return opts.failIn === net.name ? -ENOMEM : 0;
    },
    preExit: (net) => void log.push(`pre:${name}@${net.name}`),
    exit: (net) => void log.push(`exit:${name}@${net.name}`),
    exitBatch: (nets) => void log.push(`batch:${name}@${nets.map((n) => n.name).join(',')}`),
  };
}

test('subsystems go before devices whatever the registration order', () => {
  const reg = new PernetRegistry<FakeNet>();
  const log: Log = [];
  reg.registerDevice(logged('dev1', log));
  reg.registerSubsys(logged('sub1', log));
  reg.registerDevice(logged('dev2', log));
  reg.registerSubsys(logged('sub2', log));
  assert.deepEqual(reg.names(), ['sub1', 'sub2', 'dev1', 'dev2']);
  assert.equal(reg.setupNet(new FakeNet('a')), 0);
  assert.deepEqual(log, ['init:sub1@a', 'init:sub2@a', 'init:dev1@a', 'init:dev2@a']);
});

test('destroy runs pre_exit, exit (+batch), in reverse list order, over the batch', () => {
  const reg = new PernetRegistry<FakeNet>();
  const log: Log = [];
  const k1 = reg.registerSubsys(logged('s1', log));
  reg.registerSubsys(logged('s2', log));
  reg.registerDevice(logged('d1', log));
  const a = new FakeNet('a');
  const b = new FakeNet('b');
  reg.setupNet(a);
  reg.setupNet(b);
  assert.ok(k1.ok);
  assert.equal(a.gen.get(k1.value).n, 1);
  log.length = 0;
  reg.cleanupNets([a, b]);
  assert.deepEqual(log, [
    'pre:d1@a', 'pre:d1@b', 'pre:s2@a', 'pre:s2@b', 'pre:s1@a', 'pre:s1@b',
    'exit:d1@a', 'exit:d1@b', 'batch:d1@a,b',
    'exit:s2@a', 'exit:s2@b', 'batch:s2@a,b',
    'exit:s1@a', 'exit:s1@b', 'batch:s1@a,b',
  ]);
  assert.equal(a.gen.has(k1.value), false);
  assert.deepEqual(reg.nets, []);
});

test('a failing init rolls back the completed ones in reverse; the failing one gets no exit', () => {
  const reg = new PernetRegistry<FakeNet>();
  const log: Log = [];
  const k1 = reg.registerSubsys(logged('s1', log));
  const k2 = reg.registerSubsys(logged('s2', log));
  const k3 = reg.registerSubsys(logged('s3', log, { failIn: 'x' }));
  reg.registerDevice(logged('d1', log));
  const x = new FakeNet('x');
  assert.equal(reg.setupNet(x), -ENOMEM);
  assert.deepEqual(log, [
    'init:s1@x', 'init:s2@x', 'init:s3@x',
    'pre:s2@x', 'pre:s1@x',
    'exit:s2@x', 'batch:s2@x', 'exit:s1@x', 'batch:s1@x',
  ]);
  assert.ok(k1.ok && k2.ok && k3.ok);
  assert.equal(x.gen.has(k1.value), false);
  assert.equal(x.gen.has(k3.value), false);
  assert.deepEqual(reg.nets, []);
});

test('an init that throws is rolled back the same way, then the error propagates', () => {
  const reg = new PernetRegistry<FakeNet>();
  const log: Log = [];
  reg.registerSubsys(logged('s1', log));
  reg.registerSubsys(logged('s2', log, { throwIn: 'x' }));
  assert.throws(() => reg.setupNet(new FakeNet('x')), /boom in s2/);
  assert.deepEqual(log, ['init:s1@x', 'init:s2@x', 'pre:s1@x', 'exit:s1@x', 'batch:s1@x']);
  assert.deepEqual(reg.nets, []);
});

test('registering runs init in every live namespace, in creation order', () => {
  const reg = new PernetRegistry<FakeNet>();
  const log: Log = [];
  reg.setupNet(new FakeNet('a'));
  reg.setupNet(new FakeNet('b'));
  const k = reg.registerSubsys(logged('late', log));
  assert.deepEqual(log, ['init:late@a', 'init:late@b']);
  assert.ok(k.ok);
  assert.ok(reg.nets.every((n) => n.gen.get(k.value).n === 1));
});

test('a registration that fails undoes the namespaces already done and is not listed', () => {
  const reg = new PernetRegistry<FakeNet>();
  const log: Log = [];
  for (const n of ['a', 'b', 'c', 'd']) reg.setupNet(new FakeNet(n));
  const r = reg.registerDevice(logged('bad', log, { failIn: 'c' }));
  assert.deepEqual(r, { ok: false, error: -ENOMEM });
  assert.deepEqual(log, ['init:bad@a', 'init:bad@b', 'init:bad@c', 'pre:bad@a', 'pre:bad@b', 'exit:bad@a', 'exit:bad@b', 'batch:bad@a,b']);
  assert.deepEqual(reg.names(), []);
  // A later device still lands after later subsystems: the failed one left no trace.
  reg.registerDevice(logged('dev', log));
  reg.registerSubsys(logged('sub', log));
  assert.deepEqual(reg.names(), ['sub', 'dev']);
});

test('unregistering runs exit in every namespace and frees the state', () => {
  const reg = new PernetRegistry<FakeNet>();
  const log: Log = [];
  const ops = logged('s', log);
  const k = reg.registerSubsys(ops);
  const a = new FakeNet('a');
  reg.setupNet(a);
  reg.setupNet(new FakeNet('b'));
  log.length = 0;
  assert.equal(reg.unregister(ops), true);
  assert.deepEqual(log, ['pre:s@a', 'pre:s@b', 'exit:s@a', 'exit:s@b', 'batch:s@a,b']);
  assert.equal(reg.unregister(ops), false);
  assert.ok(k.ok);
  assert.throws(() => a.gen.get(k.value), /not initialised/);
  // A new namespace no longer runs it.
  log.length = 0;
  reg.setupNet(new FakeNet('c'));
  assert.deepEqual(log, []);
});

test('double registration is a programmer error; keys are distinct and typed', () => {
  const reg = new PernetRegistry<FakeNet>();
  const ops: PernetOperations<FakeNet, Map<string, number>> = { name: 'table', state: () => new Map() };
  const k = reg.registerSubsys(ops);
  assert.throws(() => reg.registerDevice(ops), /already registered/);
  const k2 = reg.registerSubsys({ name: 'plain', init: () => undefined });
  assert.ok(k.ok && k2.ok);
  assert.notEqual(k.value.id, k2.value.id);
  const net = new FakeNet('a');
  reg.setupNet(net);
  net.gen.get(k.value).set('x', 1);
  assert.equal(net.gen.get(k.value).get('x'), 1);
  // An operation without state has nothing to fetch.
  assert.throws(() => net.gen.get(k2.value), /not initialised/);
});
