/**
 * A Kernel configured with `ip` lines, run in-process through the same netlink path as
 * `v6stack ip` against the daemon (the V6STACK family resolves `-n NAME`). For tests that
 * build small topologies the way a user types them.
 */

import assert from 'node:assert/strict';
import { runIpWith } from '../../src/cli/ip.ts';
import { memoryIo } from '../../src/cli/output.ts';
import { registerV6stackFamily } from '../../src/daemon/family.ts';
import { kernelOpener } from '../../src/daemon/opener.ts';
import { Kernel } from '../../src/kernel.ts';

/** A fresh Kernel with `seed` after every line of `lines` (without the leading `ip`) succeeded. */
export async function kernelWithIp(lines: readonly string[], seed = 1): Promise<Kernel> {
  const k = new Kernel({ seed });
  assert.ok(typeof registerV6stackFamily(k.world, k.genl) !== 'number');
  const opener = kernelOpener(k);
  for (const line of lines) {
    const io = memoryIo();
    assert.equal(await runIpWith(line.split(' '), io, opener), 0, `${line}: ${io.err.text}`);
  }
  return k;
}
