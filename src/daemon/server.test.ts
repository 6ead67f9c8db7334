import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createConnection } from 'node:net';
import type { Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Kernel } from '../kernel.ts';
import { NlMsgBuilder, NlMsgCursor } from '../netlink/message.ts';
import { ECONNREFUSED, ENOENT, EPERM } from '../uapi/errno.ts';
import { NETLINK_GENERIC, NETLINK_ROUTE, NLM_F_ACK, NLM_F_DUMP, NLM_F_REQUEST, NLMSG_DONE, NLMSG_ERROR } from '../uapi/netlink.ts';
import { u32le } from '../wire/bytes.ts';
import { DaemonTransport, openMessage, socketPath } from './client.ts';
import { V6stackControl } from './control.ts';
import { FrameDecoder, encodeFrame } from './framing.ts';
import { DEFAULT_SOCKET_PATH, MAX_FRAME, V6STACK_ATTR_SYSCTL_NAME, V6STACK_CMD_NETNS_LIST, V6STACK_CMD_SYSCTL_GET, V6STACK_GENL_VERSION } from './protocol.ts';
import type { DaemonServerOptions } from './server.ts';
import { DaemonServer } from './server.ts';

async function start(opts: Partial<DaemonServerOptions> = {}): Promise<{ server: DaemonServer; path: string; done: () => Promise<void> }> {
  const dir = mkdtempSync(join(tmpdir(), 'v6stack-daemon-'));
  const path = join(dir, 'sub', 'v6stack.sock');
  const server = await DaemonServer.listen({ kernel: new Kernel(), path, ...opts });
  return {
    server,
    path,
    done: async () => {
      await server.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

async function control(path: string, netns?: string): Promise<V6stackControl> {
  const t = await DaemonTransport.open(path, NETLINK_GENERIC, netns);
  assert.ok(t instanceof DaemonTransport);
  const c = await V6stackControl.resolve(t);
  assert.ok(c.ok);
  return c.value;
}

/** A raw connection: writes bytes, collects frames. */
function raw(path: string): Promise<{ sock: Socket; frames: Uint8Array[]; closed: Promise<void> }> {
  return new Promise((resolve, reject) => {
    const sock = createConnection(path);
    const frames: Uint8Array[] = [];
    const dec = new FrameDecoder(MAX_FRAME);
    sock.on('data', (c: Buffer) => frames.push(...dec.push(c)));
    const closed = new Promise<void>((r) => sock.on('close', () => r()));
    sock.once('connect', () => resolve({ sock, frames, closed }));
    sock.once('error', reject);
  });
}

function genlRequest(family: number, flags: number, cmd: number, seq: number, key?: string): Uint8Array {
  const b = new NlMsgBuilder();
  b.beginMessage(family, NLM_F_REQUEST | flags, seq, 0);
  b.putGenlHeader(cmd, V6STACK_GENL_VERSION);
  if (key !== undefined) b.putString(V6STACK_ATTR_SYSCTL_NAME, key);
  b.finish();
  return b.toBytes();
}

test('the socket path: --socket, then V6STACK_SOCKET, then the default', () => {
  assert.equal(socketPath({}, undefined), DEFAULT_SOCKET_PATH);
  assert.equal(socketPath({ V6STACK_SOCKET: '/tmp/a' }), '/tmp/a');
  assert.equal(socketPath({ V6STACK_SOCKET: '/tmp/a' }, '/tmp/b'), '/tmp/b');
  assert.equal(socketPath({ V6STACK_SOCKET: '' }), DEFAULT_SOCKET_PATH);
});

test('the socket is 0666, a live daemon is not displaced, a stale file is, and close removes it', async () => {
  const d = await start();
  try {
    assert.equal(statSync(d.path).mode & 0o777, 0o666);
    await assert.rejects(DaemonServer.listen({ kernel: new Kernel(), path: d.path }), /already running/);
  } finally {
    await d.done();
  }
  assert.equal(existsSync(d.path), false);
  // A socket left behind by a killed daemon is replaced; a file that is not a socket is kept.
  const dir = mkdtempSync(join(tmpdir(), 'v6stack-stale-'));
  const plain = join(dir, 'plain');
  writeFileSync(plain, 'keep me');
  await assert.rejects(DaemonServer.listen({ kernel: new Kernel(), path: plain }), /exists and is not a socket/);
  assert.equal(readFileSync(plain, 'utf8'), 'keep me');
  const path = join(dir, 's');
  // Bound and never listened on: what a killed process leaves.
  const py = spawnSync('python3', ['-c', 'import socket,sys; socket.socket(socket.AF_UNIX).bind(sys.argv[1])', path]);
  assert.equal(py.status, 0);
  assert.ok(statSync(path).isSocket());
  const s = await DaemonServer.listen({ kernel: new Kernel(), path });
  assert.ok((await control(path)).family > 0);
  await s.close();
  rmSync(dir, { recursive: true, force: true });
});

test('no daemon: opening answers ENOENT (no socket) or ECONNREFUSED (nobody listening)', async () => {
  const r = await DaemonTransport.open(join(tmpdir(), 'v6stack-none', 'x.sock'), NETLINK_ROUTE);
  assert.deepEqual(r, { errno: ENOENT });
  // A socket path that is a plain file (nothing can accept there): connection refused.
  const dir = mkdtempSync(join(tmpdir(), 'v6stack-refused-'));
  const path = join(dir, 's');
  writeFileSync(path, '');
  assert.deepEqual(await DaemonTransport.open(path, NETLINK_ROUTE), { errno: ECONNREFUSED });
  rmSync(dir, { recursive: true, force: true });
});

test('OPEN selects the namespace: ENOENT for an unknown one, then per-namespace state', async () => {
  const d = await start();
  try {
    const root = await control(d.path);
    assert.equal(await root.netnsAdd('blue'), 0);
    assert.deepEqual(await DaemonTransport.open(d.path, NETLINK_GENERIC, 'nope'), { errno: ENOENT });
    const blue = await control(d.path, 'blue');
    assert.equal(await blue.sysctlSet('net.ipv6.ioam6_id', '7'), 0);
    assert.deepEqual(await blue.sysctlGet('net.ipv6.ioam6_id'), { ok: true, value: '7' });
    assert.deepEqual(await root.sysctlGet('net.ipv6.ioam6_id'), { ok: true, value: '16777215' });
    root.transport.close();
    blue.transport.close();
  } finally {
    await d.done();
  }
});

test('credentials come from the peer: uid 0 or an admin group may change, others may only read', async () => {
  let peer = { pid: 4242, uid: 65534, gid: 65534 };
  const d = await start({ peerCredentials: () => peer, adminGroups: [1234] });
  try {
    const nobody = await control(d.path);
    assert.equal(await nobody.netnsAdd('blue'), EPERM);
    assert.deepEqual(await nobody.sysctlGet('net.ipv6.ioam6_id'), { ok: true, value: '16777215' });
    peer = { pid: 4243, uid: 1000, gid: 1234 };
    const member = await control(d.path);
    assert.equal(await member.netnsAdd('blue'), 0);
    peer = { pid: 1, uid: 0, gid: 0 };
    assert.equal(d.server.credentialsOf(peer).uid, 0);
    assert.equal(d.server.credentialsOf({ pid: 1, uid: 1000, gid: 1000 }).capEffective, 0n);
    nobody.transport.close();
    member.transport.close();
  } finally {
    await d.done();
  }
});

test('garbage and oversized frames end only their own connection', async () => {
  const d = await start();
  try {
    const good = await control(d.path);
    // Not an OPEN: the daemon hangs up.
    const g1 = await raw(d.path);
    g1.sock.write(encodeFrame(Uint8Array.from({ length: 64 }, (_, i) => (i * 37) & 0xff)));
    await g1.closed;
    // A frame longer than the limit: hung up too.
    const g2 = await raw(d.path);
    g2.sock.write(Uint8Array.of(0xff, 0xff, 0xff, 0x7f, 1, 2, 3));
    await g2.closed;
    // After a valid OPEN, malformed netlink is the netlink socket's business: it answers or ignores.
    const g3 = await raw(d.path);
    g3.sock.write(encodeFrame(openMessage(NETLINK_ROUTE, undefined)));
    g3.sock.write(encodeFrame(Uint8Array.of(1, 2, 3)));
    g3.sock.write(encodeFrame(new Uint8Array(40).fill(0xee)));
    assert.equal(await good.netnsAdd('blue'), 0);
    assert.deepEqual(await good.sysctlGet('net.ipv6.ioam6_id'), { ok: true, value: '16777215' });
    g3.sock.destroy();
    await g3.closed;
    assert.ok((await good.netnsList()).ok);
    good.transport.close();
  } finally {
    await d.done();
  }
});

test('a client that leaves in the middle of a long dump disturbs nobody', async () => {
  const d = await start({ maxPending: 4 });
  try {
    for (let i = 0; i < 1000; i++) assert.ok(d.server.kernel.world.createNet(`ns${i}-${'y'.repeat(60)}`).ok);
    const good = await control(d.path);
    const famId = good.family;
    for (let round = 0; round < 5; round++) {
      const c = await raw(d.path);
      c.sock.write(encodeFrame(openMessage(NETLINK_GENERIC, undefined)));
      // Several dumps, never read, then gone.
      for (let seq = 1; seq <= 20; seq++) c.sock.write(encodeFrame(genlRequest(famId, NLM_F_DUMP, V6STACK_CMD_NETNS_LIST, seq)));
      await new Promise((r) => setTimeout(r, 5));
      c.sock.destroy();
      await c.closed;
    }
    const list = await good.netnsList();
    assert.ok(list.ok);
    assert.equal(list.value.length, 1000);
    good.transport.close();
    await new Promise((r) => setTimeout(r, 20));
    assert.equal(d.server.sessions.size, 0);
  } finally {
    await d.done();
  }
});

test('a flood of 10,000 requests is served in order, with a bounded queue', async () => {
  const d = await start({ maxPending: 32 });
  try {
    const ctl = await control(d.path);
    const famId = ctl.family;
    ctl.transport.close();
    const c = await raw(d.path);
    c.sock.write(encodeFrame(openMessage(NETLINK_GENERIC, undefined)));
    const N = 10_000;
    const parts: Uint8Array[] = [];
    for (let seq = 1; seq <= N; seq++) parts.push(encodeFrame(genlRequest(famId, NLM_F_ACK, V6STACK_CMD_SYSCTL_GET, seq, 'net.ipv6.ioam6_id')));
    c.sock.write(Buffer.concat(parts));
    // The OPEN ack, then per request: the reply, the ack, the end-of-replies frame.
    const want = 1 + 3 * N;
    while (c.frames.length < want) await new Promise((r) => setTimeout(r, 10));
    const seqs: number[] = [];
    let ends = 0;
    for (const f of c.frames.slice(1)) {
      if (f.length === 0) {
        ends++;
        continue;
      }
      const cur = new NlMsgCursor(f);
      while (cur.next()) if (cur.type === NLMSG_ERROR) seqs.push(cur.seq);
    }
    assert.equal(ends, N);
    assert.deepEqual(seqs, Array.from({ length: N }, (_, i) => i + 1));
    const session = [...d.server.sessions].find((x) => x.served > 1);
    assert.ok(session !== undefined);
    assert.equal(session.served, N + 1);
    // Reading stops at 32 waiting frames; one socket read (64 KiB) may add what it holds.
    assert.ok(session.maxQueued < 32 + 65536 / 40, `queued ${session.maxQueued}`);
    c.sock.destroy();
  } finally {
    await d.done();
  }
});

test('a dump relayed through the daemon ends with NLMSG_DONE, batch by batch', async () => {
  const d = await start();
  try {
    for (let i = 0; i < 1000; i++) assert.ok(d.server.kernel.world.createNet(`n${i}-${'z'.repeat(50)}`).ok);
    const t = await DaemonTransport.open(d.path, NETLINK_GENERIC);
    assert.ok(t instanceof DaemonTransport);
    const ctl = await V6stackControl.resolve(t);
    assert.ok(ctl.ok);
    const famId = ctl.value.family;
    const datagrams = await t.request(genlRequest(famId, NLM_F_DUMP, V6STACK_CMD_NETNS_LIST, 9));
    assert.ok(datagrams.length > 1);
    const last = datagrams.at(-1);
    assert.ok(last !== undefined);
    const cur = new NlMsgCursor(last);
    let lastType = -1;
    while (cur.next()) lastType = cur.type;
    assert.equal(lastType, NLMSG_DONE);
    assert.equal(u32le(last, 8), 9);
    t.close();
  } finally {
    await d.done();
  }
});

test('a handler that throws ends only its connection, and is reported', async () => {
  const errors: string[] = [];
  const d = await start({ onError: (m) => errors.push(m) });
  try {
    const boom = d.server.kernel.genl.registerFamily({
      name: 'BOOM',
      version: 1,
      hdrsize: 0,
      maxattr: 0,
      netnsok: true,
      ops: [
        {
          cmd: 1,
          doit: () => {
            throw new Error('handler bug');
          },
        },
      ],
    });
    assert.ok(typeof boom !== 'number');
    const good = await control(d.path);
    const c = await raw(d.path);
    c.sock.write(encodeFrame(openMessage(NETLINK_GENERIC, undefined)));
    c.sock.write(encodeFrame(genlRequest(boom.id, NLM_F_ACK, 1, 5)));
    await c.closed;
    assert.equal(errors.length, 1);
    assert.match(errors[0] ?? '', /^v6stack daemon: closing the connection of pid \d+: Error: handler bug/);
    assert.deepEqual(await good.sysctlGet('net.ipv6.ioam6_id'), { ok: true, value: '16777215' });
    good.transport.close();
  } finally {
    await d.done();
  }
});
