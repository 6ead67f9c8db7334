/**
 * `v6stack start` (what `npm start` runs): the default job. Until the simulator lands it reads
 * the bundled sample captures — IOAM traces filled by a Linux 6.18 transit node, GTP-U on N3,
 * IPv6 extension headers — summarises each, prints every packet, and shows the kernel's IOAM
 * trace in full; then it configures a node in-process with iproute2's commands (namespaces,
 * veth links, addresses, routes with IOAM encapsulation, IOAM namespaces and schemas) and
 * prints what `ip` shows, exactly as a daemon would answer.
 */

import { readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { join } from 'node:path';
import type { Command } from './main.ts';
import { pcapCommand } from './pcap.ts';
import { memoryIo } from './output.ts';
import type { Io } from './output.ts';
import { Kernel } from '../kernel.ts';
import { registerV6stackFamily } from '../daemon/family.ts';
import { kernelOpener } from '../daemon/opener.ts';
import { runIpWith } from './ip.ts';

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
    status ||= await configureNode(io);
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

/** The node `npm start` configures: every line goes through the netlink bus as `ip` would. */
const NODE_SCRIPT: readonly string[] = [
  'netns add alpha',
  '-n alpha link add veth0 type veth peer name veth1',
  '-n alpha link set veth0 up',
  '-n alpha link set veth1 up',
  '-n alpha addr add 2001:db8:1::1/64 dev veth0',
  '-n alpha -6 route add 2001:db8:2::/64 via 2001:db8:1::2 dev veth0',
  '-n alpha -6 route add 2001:db8:3::/64 encap ioam6 trace prealloc type 0xf00000 ns 123 size 48 dev veth0',
  '-n alpha ioam namespace add 123 data 0xdeadbeef wide 0xcafec0caf00dc0de',
  '-n alpha ioam schema add 7 v6stack',
  '-n alpha ioam namespace set 123 schema 7',
  '-n alpha -6 addr show dev veth0',
  '-n alpha -6 route show',
  '-n alpha ioam namespace show',
  '-n alpha ioam schema show',
  '-n alpha ioam namespace add 123',
  '-n alpha -6 route add 2001:db8:4::/64 encap ioam6 trace prealloc type 0xf00000 ns 123 size 50 dev veth0',
];

async function configureNode(io: Io): Promise<number> {
  io.out.write('\n=== a node configured with iproute2 commands (in-process, through the netlink bus)\n\n');
  const kernel = new Kernel({ seed: 1 });
  const fam = registerV6stackFamily(kernel.world, kernel.genl);
  if (typeof fam === 'number') {
    io.err.write(`v6stack start: cannot register the V6STACK family (errno ${-fam})\n`);
    return 1;
  }
  const opener = kernelOpener(kernel);
  for (const line of NODE_SCRIPT) {
    io.out.write(`$ ip ${line}\n`);
    const mem = memoryIo();
    const rc = await runIpWith(line.split(' '), mem, opener);
    io.out.write(mem.out.text + mem.err.text);
    if (rc !== 0) io.out.write(`(exit status ${rc})\n`);
  }
  return 0;
}
