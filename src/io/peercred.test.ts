import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { createConnection, createServer } from 'node:net';
import type { Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { peerCredentials, socketFd } from './peercred.ts';

test('SO_PEERCRED names the connecting process, from the kernel', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'v6stack-peercred-'));
  const path = join(dir, 's');
  const server = createServer();
  try {
    const accepted = new Promise<Socket>((resolve) => server.once('connection', resolve));
    await new Promise<void>((resolve) => server.listen(path, resolve));
    const client = createConnection(path);
    const s = await accepted;
    assert.equal(typeof socketFd(s), 'number');
    const cred = peerCredentials(s);
    assert.deepEqual(cred, { pid: process.pid, uid: process.getuid?.(), gid: process.getgid?.() });
    client.destroy();
    s.destroy();
  } finally {
    await new Promise<void>((resolve) => server.close(() => resolve()));
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a socket without a descriptor has no peer credentials', () => {
  const c = createConnection(join(tmpdir(), 'v6stack-no-such-socket'));
  c.on('error', () => undefined);
  c.destroy();
  assert.equal(peerCredentials(c), undefined);
});
