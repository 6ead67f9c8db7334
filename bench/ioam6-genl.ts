/**
 * Issue 3's benchmark: IOAM6_CMD_ADD_NAMESPACE requests per second through the generic netlink
 * bus in-process (a NetlinkSocket in a namespace: sendmsg of the request as iproute2 builds it,
 * validation against the op's policy, the handler, the ack read back with recvmsg), against the
 * same insertions made directly in the namespace's IOAM table (the baseline: what the bus
 * costs); then a dump of all 65,535 namespaces (time, batches, peak memory).
 */

import { performance } from 'node:perf_hooks';
import { Kernel } from '../src/kernel.ts';
import { NlMsgBuilder } from '../src/netlink/message.ts';
import { NetlinkSocket } from '../src/netlink/socket.ts';
import { putIoam6AddNamespace, putIoam6DumpNamespaces } from '../src/netlink/ioam6-client.ts';
import { Ioam6PernetData } from '../src/ipv6/ioam6.ts';
import { rootCredentials } from '../src/net/credentials.ts';
import { NETLINK_GENERIC } from '../src/uapi/netlink.ts';
import { EAGAIN } from '../src/uapi/errno.ts';
import { fmtRate } from './measure.ts';
import type { Bench } from './run.ts';

const IDS = 65_535;

function openSocket(k: Kernel, name: string): NetlinkSocket {
  const net = k.world.createNet(name);
  if (!net.ok) throw new Error(net.error.message);
  const s = NetlinkSocket.open(k.netlink, net.value, NETLINK_GENERIC, rootCredentials(k.world.initUserNs));
  if (typeof s === 'number') throw new Error(`socket: errno ${-s}`);
  return s;
}

/** Adds namespaces 0..IDS-1 through the bus; returns seconds. Each request is built, sent, acked. */
function addViaBus(k: Kernel, name: string): number {
  const sock = openSocket(k, name);
  const b = new NlMsgBuilder({ initialCapacity: 64 });
  const familyId = k.ioam6.family.id;
  const t = performance.now();
  for (let id = 0; id < IDS; id++) {
    b.reset();
    putIoam6AddNamespace(b, { familyId, seq: id + 1 }, { id, data: id, dataWide: BigInt(id) });
    if (sock.sendmsg(b.bytes()) < 0) throw new Error('sendmsg failed');
    const ack = sock.recvmsg();
    // An ack is NLMSG_ERROR with error 0 at offset 16 (host order, little-endian).
    if (typeof ack === 'number' || ack[16] !== 0 || ack[17] !== 0) throw new Error(`namespace ${id} was not added`);
  }
  const dt = (performance.now() - t) / 1000;
  sock.close();
  return dt;
}

function addDirect(): number {
  const table = new Ioam6PernetData();
  const t = performance.now();
  for (let id = 0; id < IDS; id++) if (table.addNamespace(id, id, BigInt(id)) !== 0) throw new Error('add failed');
  return (performance.now() - t) / 1000;
}

export const ioam6GenlBench: Bench = {
  name: 'ioam6-genl',
  summary: 'IOAM6_CMD_ADD_NAMESPACE through the generic netlink bus, and a dump of 65,535 namespaces',
  async run() {
    // Warm-up runs in throwaway namespaces, then the measured ones.
    const k = new Kernel();
    addViaBus(k, 'warm');
    addDirect();
    const busSeconds = Math.min(addViaBus(k, 'run1'), addViaBus(k, 'run2'));
    const directSeconds = Math.min(addDirect(), addDirect());
    const busRate = IDS / busSeconds;
    const directRate = IDS / directSeconds;
    process.stdout.write(`add via bus: ${fmtRate(busRate)} requests/s; direct table insert: ${fmtRate(directRate)}/s; the bus costs ${(directRate / busRate).toFixed(1)}x\n`);

    // Dump all 65,535 namespaces of run2.
    const net = k.world.byName('run2');
    if (net === undefined) throw new Error('run2 missing');
    const sock = NetlinkSocket.open(k.netlink, net, NETLINK_GENERIC, rootCredentials(k.world.initUserNs));
    if (typeof sock === 'number') throw new Error('socket');
    const b = new NlMsgBuilder({ initialCapacity: 64 });
    putIoam6DumpNamespaces(b, { familyId: k.ioam6.family.id, seq: 1 });
    global.gc?.();
    const mem = (): number => {
      const m = process.memoryUsage();
      return m.heapUsed + m.arrayBuffers;
    };
    const rss0 = mem();
    let peak = rss0;
    const t = performance.now();
    sock.sendmsg(b.bytes());
    let batches = 0;
    let bytes = 0;
    for (;;) {
      const d = sock.recvmsg();
      if (typeof d === 'number') {
        if (d === -EAGAIN) break;
        continue;
      }
      batches++;
      bytes += d.length;
      if ((batches & 63) === 0) peak = Math.max(peak, mem());
    }
    const dumpSeconds = (performance.now() - t) / 1000;
    peak = Math.max(peak, mem());
    process.stdout.write(`dump of ${IDS} namespaces: ${(dumpSeconds * 1000).toFixed(1)} ms, ${batches} batches, ${(bytes / 1e6).toFixed(2)} MB, heap growth ${((peak - rss0) / 2 ** 20).toFixed(1)} MiB\n`);
    return [
      '### ioam6-genl: IOAM6 configuration through the generic netlink bus (issue 3)',
      '',
      '| operation | count | time | rate | ratio |',
      '| --- | ---: | ---: | ---: | ---: |',
      `| IOAM6_CMD_ADD_NAMESPACE via NetlinkSocket (build, sendmsg, policy, handler, ack, recvmsg) | ${fmtRate(IDS)} | ${busSeconds.toFixed(3)} s | **${fmtRate(busRate)}/s** | 1.0 |`,
      `| baseline: the same inserts straight into the IOAM table | ${fmtRate(IDS)} | ${directSeconds.toFixed(3)} s | ${fmtRate(directRate)}/s | ${(directRate / busRate).toFixed(1)} |`,
      `| IOAM6_CMD_DUMP_NAMESPACES of every namespace (${batches} batches, ${(bytes / 1e6).toFixed(2)} MB) | ${fmtRate(IDS)} | ${(dumpSeconds * 1000).toFixed(1)} ms | ${fmtRate(IDS / dumpSeconds)} entries/s | heap +${((peak - rss0) / 2 ** 20).toFixed(1)} MiB |`,
    ].join('\n');
  },
};
