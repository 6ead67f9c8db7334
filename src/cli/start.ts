/**
 * `v6stack start` (what `npm start` runs): the default job. Until the simulator lands it reads
 * the bundled sample captures — IOAM traces filled by a Linux 6.18 transit node, GTP-U on N3,
 * IPv6 extension headers — summarises each, prints every packet, and shows the kernel's IOAM
 * trace in full.
 */

import { readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { join } from 'node:path';
import type { Command } from './main.ts';
import { pcapCommand } from './pcap.ts';
import { memoryIo } from './output.ts';

const CAPTURES = fileURLToPath(new URL('../../examples/captures/', import.meta.url));
/** The kernel capture's packet with every trace field (type 0xfff002, see its README). */
const SHOWCASE = { file: 'kernel-ioam-transit.pcapng', packet: 5 };

export const startCommand: Command = {
  name: 'start',
  summary: 'the default job: decode the bundled sample captures and print what they hold',
  async run(argv, io) {
    if (argv.includes('-h') || argv.includes('--help')) {
      io.out.write('Usage: v6stack start\n\nDecodes the sample captures in examples/captures/ and prints them (what `npm start` runs).\n');
      return 0;
    }
    if (argv.length > 0) {
      io.err.write(`v6stack start: unexpected argument '${argv[0] ?? ''}'\n`);
      return 2;
    }
    const files = readdirSync(CAPTURES)
      .filter((f) => f.endsWith('.pcap') || f.endsWith('.pcapng'))
      .sort();
    let status = 0;
    for (const f of files) {
      const path = join(CAPTURES, f);
      io.out.write(`\n=== ${f}\n\n`);
      status ||= await pcapCommand.run(['stats', path], io);
      io.out.write('\n');
      status ||= await pcapCommand.run(['decode', path], io);
    }
    io.out.write(`\n=== ${SHOWCASE.file}, packet ${SHOWCASE.packet}: an IOAM trace as Linux filled it\n\n`);
    const path = join(CAPTURES, SHOWCASE.file);
    // Decode up to the showcase packet quietly, then print it in full.
    const lines = await captureDecode(path, SHOWCASE.packet);
    io.out.write(lines);
    return status;
  },
};

async function captureDecode(path: string, n: number): Promise<string> {
  const mem = memoryIo();
  await pcapCommand.run(['decode', '-v', '-c', String(n), path], mem);
  const text = mem.out.text;
  const start = text.search(new RegExp(`^${n} `, 'm'));
  return start === -1 ? text : text.slice(start);
}
