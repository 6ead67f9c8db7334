/**
 * A transit node for the forwarding benchmarks: A -- R -- B in one Kernel, R configured with
 * `ip` and `sysctl` lines through the in-process netlink bus, exactly as a user configures a
 * node (the Kernel's data path, addrconf and rtnetlink routes; nothing registered by hand).
 * Packets are written into one reused PacketBuffer and handed to r0's receive slot; B's device
 * counts what arrives. Large FIBs are filled through the route subsystem's FIB directly: a
 * hundred thousand `ip route add` lines would measure the command parser, not the data path.
 */

import { performance } from 'node:perf_hooks';
import { Kernel } from '../src/kernel.ts';
import type { Net } from '../src/net/net.ts';
import { PacketBuffer } from '../src/net/packet-buffer.ts';
import type { NetDevice } from '../src/net/netdevice.ts';
import { IPSTATS_MIB_OUTFORWDATAGRAMS } from '../src/net/mib.ts';
import { parseIpv6Address } from '../src/wire/address.ts';
import { setU32 } from '../src/wire/bytes.ts';
import { runIpWith } from '../src/cli/ip.ts';
import { memoryIo } from '../src/cli/output.ts';
import { kernelOpener } from '../src/daemon/opener.ts';
import { registerV6stackFamily } from '../src/daemon/family.ts';

export function addr(text: string): Uint8Array {
  const a = parseIpv6Address(text);
  if (a === undefined) throw new Error(`bad address ${text}`);
  return a;
}

export interface TransitRig {
  readonly kernel: Kernel;
  readonly r: Net;
  /**
   * Sends `count` copies of `template` into r0, the destination of packet i taken from `dsts`
   * (16 bytes each, cycled) when given; returns the seconds it took.
   */
  run(template: Uint8Array, count: number, dsts?: Uint8Array): number;
  /** Packets that reached B's device. */
  delivered(): number;
  /** Ip6OutForwDatagrams of R. */
  forwarded(): number;
  /** The last packet B received (a copy), for checking what the node did. */
  lastDelivered(): Uint8Array | undefined;
}

export interface TransitRigOptions {
  /** Extra `ip -n R ...` / `sysctl -n R ...` lines (without the leading `ip -n R`): `['ioam namespace add 123']`. */
  readonly ip?: readonly string[];
  /** Extra sysctls of R: `['net.ipv6.conf.r0.ioam6_enabled', '1']` pairs. */
  readonly sysctl?: ReadonlyArray<readonly [string, string]>;
  /** Extra /64 routes through r1 (2001:db8:1000:0::/64 upwards). */
  readonly routes?: number;
}

async function ip(kernel: Kernel, line: string): Promise<void> {
  const io = memoryIo();
  const rc = await runIpWith(line.split(' '), io, kernelOpener(kernel));
  if (rc !== 0) throw new Error(`ip ${line}: ${io.err.text || io.out.text}`);
}

/** Builds A -- R -- B: a0/r0 2001:db8:1::/64, r1/b0 2001:db8:2::/64, R forwarding. */
export async function transitRig(opts: TransitRigOptions = {}): Promise<TransitRig> {
  const kernel = new Kernel({ seed: 1 });
  const fam = registerV6stackFamily(kernel.world, kernel.genl);
  if (typeof fam === 'number') throw new Error(`V6STACK family: errno ${-fam}`);
  for (const n of ['A', 'R', 'B']) {
    const c = kernel.world.createNet(n);
    if (!c.ok) throw new Error(`netns ${n}`);
  }
  const net = (name: string): Net => {
    const n = kernel.world.list().find((x) => x.name === name);
    if (n === undefined) throw new Error(`no netns ${name}`);
    return n;
  };
  await ip(kernel, '-n R link add r0 type veth peer name a0 netns A');
  await ip(kernel, '-n R link add r1 type veth peer name b0 netns B');
  for (const [ns, dev] of [['R', 'r0'], ['R', 'r1'], ['A', 'a0'], ['B', 'b0']] as const) await ip(kernel, `-n ${ns} link set ${dev} up`);
  await ip(kernel, '-n R addr add 2001:db8:1::ff/64 dev r0');
  await ip(kernel, '-n R addr add 2001:db8:2::ff/64 dev r1');
  const r = net('R');
  const w = r.sysctl.write('net.ipv6.conf.all.forwarding', '1');
  if (!w.ok) throw new Error('forwarding sysctl');
  for (const [k, v] of opts.sysctl ?? []) {
    const s = r.sysctl.write(k, v);
    if (!s.ok) throw new Error(`sysctl ${k}=${v}: ${s.error.message}`);
  }
  await ip(kernel, '-n R -6 route add default via 2001:db8:2::1 dev r1');
  for (const line of opts.ip ?? []) await ip(kernel, `-n R ${line}`);
  const routes = opts.routes ?? 0;
  if (routes > 0) {
    const fib = kernel.route.fib(r);
    const r1 = kernel.netdev.table(r).getByName('r1') as NetDevice;
    const gw = addr('2001:db8:2::1');
    const dst = new Uint8Array(16);
    for (let i = 0; i < routes; i++) {
      dst.fill(0);
      setU32(dst, 0, 0x20010db8);
      setU32(dst, 4, (0x10000000 + i) >>> 0);
      const res = fib.add({ dst: dst.slice(), dstLen: 64, ifindex: r1.ifindex, gateway: gw }, 0);
      if (!res.ok) throw new Error(`route ${i}`);
    }
  }
  const devR = kernel.netdev.table(r);
  const r0 = devR.getByName('r0') as NetDevice;
  const b0 = kernel.netdev.table(net('B')).getByName('b0') as NetDevice;
  let delivered = 0;
  let last: PacketBuffer | null = null;
  b0.receive = (_d, p) => {
    delivered++;
    last = p;
  };
  const rx = r0.receive;
  if (rx === null) throw new Error('r0 has no receive slot');
  const pkb = new PacketBuffer(4096, 256);
  const ip6 = kernel.ipv6?.get(r);
  if (ip6 === undefined) throw new Error('no data path');
  return {
    kernel,
    r,
    run(template, count, dsts) {
      const n = dsts === undefined ? 0 : dsts.length / 16;
      const t = performance.now();
      for (let i = 0; i < count; i++) {
        pkb.reset(256);
        const o = pkb.put(template.length);
        pkb.buf.set(template, o);
        if (dsts !== undefined) {
          // Byte by byte: a subarray per packet would be the harness's own allocation.
          const k = (i % n) * 16;
          const b = pkb.buf;
          for (let j = 0; j < 16; j++) b[o + 24 + j] = dsts[k + j] ?? 0;
        }
        rx(r0, pkb);
      }
      return (performance.now() - t) / 1000;
    },
    delivered: () => delivered,
    forwarded: () => ip6.mib.ip.get(IPSTATS_MIB_OUTFORWDATAGRAMS),
    lastDelivered: () => {
      const p = last as PacketBuffer | null;
      return p === null ? undefined : p.buf.slice(p.data, p.tail);
    },
  };
}
