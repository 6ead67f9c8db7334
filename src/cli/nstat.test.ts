import { test } from 'node:test';
import assert from 'node:assert/strict';
import { formatNstat } from '../net/mib.ts';
import { IPSTATS_MIB_INPKTS, IPSTATS_MIB_REASMFAILS } from '../net/mib.ts';
import { withDaemon } from '../../test/support/daemon.ts';

test('nstat prints the non-zero counters as formatNstat does; -z adds the zero ones', async () => {
  await withDaemon(async (run, server) => {
    const mib = server.kernel.world.initNet.mib;
    mib.add(IPSTATS_MIB_INPKTS, 12);
    mib.add(IPSTATS_MIB_REASMFAILS, 3);
    const r = await run('nstat', '-a');
    assert.deepEqual(r, { code: 0, out: formatNstat(mib), err: '' });
    assert.equal(r.out, '#kernel\nIp6InReceives                   12                 0.0\nIp6ReasmFails                   3                  0.0\n');
    assert.deepEqual(await run('nstat', '-z'), { code: 0, out: formatNstat(mib, { zeros: true }), err: '' });
    assert.deepEqual(await run('nstat', '-s'), { code: 0, out: formatNstat(mib), err: '' });
  });
});

test('nstat --netns reads that namespace; unknown options print the usage and exit 255', async () => {
  await withDaemon(async (run, server) => {
    await run('ip', 'netns', 'add', 'blue');
    server.kernel.world.byName('blue')?.mib.add(IPSTATS_MIB_INPKTS, 5);
    assert.equal((await run('nstat', '--netns', 'blue')).out, '#kernel\nIp6InReceives                   5                  0.0\n');
    assert.equal((await run('nstat')).out, '#kernel\n');
    const bad = await run('nstat', '-x');
    assert.equal(bad.code, 255);
    assert.match(bad.err, /^v6stack nstat: '-x' is not supported/);
    const help = await run('nstat', '-h');
    assert.equal(help.code, 255);
    assert.match(help.err, /^Usage: nstat \[OPTION\]/);
  });
});
