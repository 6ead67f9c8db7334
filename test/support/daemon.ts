/** Running `v6stack` commands in-process against a daemon on a temporary socket. */

import type { DaemonServer, DaemonServerOptions } from '../../src/daemon/server.ts';
import { startTempDaemon } from '../../src/daemon/temp.ts';
import { main } from '../../src/cli/main.ts';
import { memoryIo } from '../../src/cli/output.ts';

export type RunCommand = (...argv: string[]) => Promise<{ code: number; out: string; err: string }>;

/** Runs `body` against a daemon on a temporary socket; `run` is `v6stack ARGV` against it. */
export async function withDaemon(body: (run: RunCommand, server: DaemonServer) => Promise<void>, opts: Partial<DaemonServerOptions> = {}): Promise<void> {
  const d = await startTempDaemon(opts);
  try {
    await body(async (...argv) => {
      const io = memoryIo(d.env);
      const code = await main(argv, io);
      return { code, out: io.out.text, err: io.err.text };
    }, d.server);
  } finally {
    await d.stop();
  }
}
