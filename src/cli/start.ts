/**
 * `v6stack start` (what `npm start` runs): the default job. It runs the simulator on
 * examples/default.yaml (two hosts, two routers, UDP flows and a ping, an IOAM trace inserted
 * by the first router and filled along the way), prints the report, writes the captures to a
 * fresh directory under the system's temporary directory, and summarises what the capture at
 * the receiving host holds: its statistics and one packet decoded in full, with its trace.
 */

import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Command } from './main.ts';
import { memoryIo } from './output.ts';
import { pcapCommand } from './pcap.ts';
import { simRun } from './sim.ts';

const DEFAULT_TOPOLOGY = fileURLToPath(new URL('../../examples/default.yaml', import.meta.url));
/** The capture whose packets carry the most filled trace (r1's and r2's entries). */
const SHOWCASE_CAPTURE = 'h2-eth0.pcapng';

export const startCommand: Command = {
  name: 'start',
  summary: 'the default job: simulate examples/default.yaml and show what it captured',
  async run(argv, io) {
    if (argv.includes('-h') || argv.includes('--help')) {
      io.out.write(
        'Usage: v6stack start\n\nRuns `v6stack sim run examples/default.yaml` with its captures in a new temporary directory,\n' +
          'then summarises the capture at the receiving host (what `npm start` runs).\n',
      );
      return 0;
    }
    if (argv.length > 0) {
      io.err.write(`v6stack start: unexpected argument '${argv[0] ?? ''}'\n`);
      return 2;
    }
    const out = mkdtempSync(join(tmpdir(), 'v6stack-start-'));
    const status = await simRun(['--out', out, DEFAULT_TOPOLOGY], io);
    if (status !== 0) return status;
    const capture = join(out, SHOWCASE_CAPTURE);
    io.out.write(`\n=== ${capture}: what h2 received\n\n`);
    const stats = await pcapCommand.run(['stats', capture], io);
    if (stats !== 0) return stats;
    // The first UDP datagram in full: the trace r1 inserted and r1 and r2 filled.
    io.out.write('\n');
    const mem = memoryIo();
    const rc = await pcapCommand.run(['decode', '-v', '-c', '1', capture], mem);
    io.out.write(mem.out.text);
    io.err.write(mem.err.text);
    io.out.write(`\nOpen the captures with Wireshark or tshark: ${out}\n`);
    return rc;
  },
};
