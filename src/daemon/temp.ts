/**
 * A daemon on a fresh temporary socket, for tests and for programs that embed one (a
 * simulator run that wants `v6stack ip` against it). `stop` closes it and removes the directory.
 */

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Kernel } from '../kernel.ts';
import { SOCKET_ENV } from './protocol.ts';
import type { DaemonServerOptions } from './server.ts';
import { DaemonServer } from './server.ts';

export interface TempDaemon {
  readonly server: DaemonServer;
  readonly path: string;
  /** An environment whose V6STACK_SOCKET points at the daemon. */
  readonly env: Readonly<Record<string, string>>;
  stop(): Promise<void>;
}

export async function startTempDaemon(opts: Partial<DaemonServerOptions> = {}): Promise<TempDaemon> {
  const dir = mkdtempSync(join(tmpdir(), 'v6stack-'));
  const path = join(dir, 'v6stack.sock');
  try {
    const server = await DaemonServer.listen({ kernel: new Kernel(), path, ...opts });
    return {
      server,
      path,
      env: { [SOCKET_ENV]: path },
      stop: async () => {
        await server.close();
        rmSync(dir, { recursive: true, force: true });
      },
    };
  } catch (e) {
    rmSync(dir, { recursive: true, force: true });
    throw e;
  }
}
