/**
 * Issue 4's benchmark (in progress): forwarding through one transit node in-process. R receives
 * 100-byte UDP packets on r0 (ip6_rcv_core checks, FIB lookup, ip6_forward, hop limit,
 * transmit on r1 through the veth to B's device, where they are counted). R's FIB holds
 * 100,000 /64 routes through r1; destinations are spread over all of them, or drawn from 1,000
 * hot flows. The baseline in the same run is the same node with a one-route FIB.
 *
 * The data path's own per-namespace FIB and static addrconf are used (registerIpv6 without the
 * Kernel's rtnetlink routes), as its tests do, until the Kernel registers the data path.
 */

import { performance } from 'node:perf_hooks';
import { Kernel } from '../src/kernel.ts';
import { createVethPair } from '../src/net/device-kinds.ts';
import { PacketBuffer } from '../src/net/packet-buffer.ts';
import { registerIpv6, StaticAddrconf } from '../src/ipv6/ipv6.ts';
import { IPSTATS_MIB_OUTFORWDATAGRAMS } from '../src/net/mib.ts';
import { parseIpv6Address } from '../src/wire/address.ts';
import { emitIpv6 } from '../src/wire/ipv6.ts';
import { setU32 } from '../src/wire/bytes.ts';
import { NEXTHDR_UDP } from '../src/uapi/ipv6.ts';
import { fmtRate } from './measure.ts';
import { seeded } from './seeded.ts';
import type { Bench } from './run.ts';

const PACKET_LEN = 100;
const ROUTES = 100_000;

function must<T>(r: { ok: true; value: T } | { ok: false; error: unknown }): T {
  if (!r.ok) throw new Error(`setup failed: ${JSON.stringify(r.error)}`);
  return r.value;
}

function addr(text: string): Uint8Array {
  const a = parseIpv6Address(text);
  if (a === undefined) throw new Error(text);
  return a;
}

interface Rig {
  /** Forwards `count` packets with destinations from `dsts` (16 bytes each); returns seconds. */
  run(dsts: Uint8Array, count: number): number;
  readonly delivered: () => number;
  readonly forwarded: () => number;
}

/** A -- R -- B; R forwards; `routes` extra /64s through r1 (2001:db8:1000:0:: upwards). */
function rig(routes: number): Rig {
  const kernel = new Kernel({ dataPath: false });
  const reg = must(registerIpv6(kernel));
  const mk = (name: string) => must(kernel.world.createNet(name));
  const [a, r, b] = [mk('A'), mk('R'), mk('B')];
  const table = (n: typeof a) => kernel.netdev.table(n);
  const p1 = must(createVethPair(table(r), 'r0', { peerName: 'a0', peerTable: table(a) }));
  const p2 = must(createVethPair(table(r), 'r1', { peerName: 'b0', peerTable: table(b) }));
  must(table(r).open(p1.dev));
  must(table(a).open(p1.peer));
  must(table(r).open(p2.dev));
  must(table(b).open(p2.peer));
  const rip = reg.get(r);
  const ac = rip.addrconf;
  if (!(ac instanceof StaticAddrconf)) throw new Error('static addrconf expected');
  ac.addAddress(rip.fib, p1.dev.ifindex, addr('2001:db8:1::ff'), 64);
  ac.addAddress(rip.fib, p2.dev.ifindex, addr('2001:db8:2::ff'), 64);
  ac.all.forwarding = 1;
  const gw = addr('2001:db8:2::1');
  const dst = new Uint8Array(16);
  for (let i = 0; i < routes; i++) {
    dst.fill(0);
    setU32(dst, 0, 0x20010db8);
    setU32(dst, 4, (0x10000000 + i) >>> 0);
    must(rip.fib.add({ dst: dst.slice(), dstLen: 64, ifindex: p2.dev.ifindex, gateway: gw }, 0));
  }
  if (routes === 0) must(rip.fib.add({ dst: new Uint8Array(16), dstLen: 0, ifindex: p2.dev.ifindex, gateway: gw }, 0));
  let delivered = 0;
  p2.peer.receive = () => void delivered++;
  const rx = p1.dev.receive;
  if (rx === null) throw new Error('r0 has no receive');
  const template = new Uint8Array(PACKET_LEN);
  emitIpv6({ trafficClass: 0, flowLabel: 0, payloadLength: PACKET_LEN - 40, nextHeader: NEXTHDR_UDP, hopLimit: 64, src: addr('2001:db8:1::1'), dst: gw }, template);
  const pkb = new PacketBuffer(PACKET_LEN + 128, 64);
  const r0 = p1.dev;
  return {
    run(dsts, count) {
      const n = dsts.length / 16;
      const t = performance.now();
      for (let i = 0; i < count; i++) {
        pkb.reset(64);
        const o = pkb.put(PACKET_LEN);
        pkb.buf.set(template, o);
        pkb.buf.set(dsts.subarray((i % n) * 16, (i % n) * 16 + 16), o + 24);
        rx(r0, pkb);
      }
      return (performance.now() - t) / 1000;
    },
    delivered: () => delivered,
    forwarded: () => rip.mib.ip.get(IPSTATS_MIB_OUTFORWDATAGRAMS),
  };
}

/** `n` destinations inside the routes of `rig` (one per route, or drawn from `pool` routes). */
function destinations(n: number, pool: number, seed: number): Uint8Array {
  const next = seeded(seed);
  const out = new Uint8Array(16 * n);
  for (let i = 0; i < n; i++) {
    const route = pool === 0 ? 0 : next() % pool;
    const o = 16 * i;
    setU32(out, o, 0x20010db8);
    setU32(out, o + 4, (0x10000000 + route) >>> 0);
    setU32(out, o + 8, next());
    setU32(out, o + 12, next());
  }
  return out;
}

export const forwardBench: Bench = {
  name: 'forward',
  summary: 'IPv6 forwarding through one transit node in-process (100-byte UDP, 100,000-route FIB)',
  async run(opts) {
    const count = opts.packets ?? (opts.quick ? 300_000 : 2_000_000);
    const big = rig(ROUTES);
    const small = rig(0);
    const spread = destinations(65_536, ROUTES, 5);
    const hot = destinations(1_000, ROUTES, 6);
    const oneRoute = destinations(1_000, 0, 7);
    // Warm up every path, then measure each twice and keep the best.
    big.run(spread, 200_000);
    big.run(hot, 200_000);
    small.run(oneRoute, 200_000);
    const best = (r: Rig, d: Uint8Array): number => Math.min(r.run(d, count), r.run(d, count));
    const tBase = best(small, oneRoute);
    const tHot = best(big, hot);
    const tSpread = best(big, spread);
    if (big.delivered() !== big.forwarded() || small.delivered() !== small.forwarded()) {
      throw new Error(`forwarded ${big.forwarded()} but delivered ${big.delivered()}`);
    }
    const rate = (t: number): number => count / t;
    process.stdout.write(
      `one-route FIB: ${fmtRate(rate(tBase))} packets/s; 100k routes, 1,000 flows: ${fmtRate(rate(tHot))}/s; 100k routes, spread: ${fmtRate(rate(tSpread))}/s\n`,
    );
    return [
      `### forward: IPv6 forwarding through one transit node (issue 4, in progress; ${fmtRate(count)} packets of ${PACKET_LEN} bytes per case)`,
      '',
      '| FIB and traffic | packets/s | ratio to the one-route baseline |',
      '| --- | ---: | ---: |',
      `| baseline: one route | ${fmtRate(rate(tBase))} | 1.00 |`,
      `| 100,000 routes, 1,000 hot flows | **${fmtRate(rate(tHot))}** | ${(tBase / tHot).toFixed(2)} |`,
      `| 100,000 routes, destinations spread over all routes | **${fmtRate(rate(tSpread))}** | ${(tBase / tSpread).toFixed(2)} |`,
    ].join('\n');
  },
};
