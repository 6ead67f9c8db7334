/**
 * Issue 4's benchmark: forwarding through one transit node in-process. R receives 100-byte UDP
 * packets on r0 (ip6_rcv_core checks, FIB lookup, ip6_forward, hop limit, transmit on r1
 * through the veth to B's device, where they are counted). R is a node of a Kernel configured
 * with `ip` commands (bench/transit-rig.ts): the same data path, addrconf and rtnetlink routes
 * a user gets. R's FIB holds 100,000 /64 routes through r1; destinations are spread over all of
 * them, or drawn from 1,000 hot flows. The baseline in the same run is the same node with only
 * its default route.
 */

import { fmtRate } from './measure.ts';
import { seeded } from './seeded.ts';
import type { Bench } from './run.ts';
import { addr, transitRig, type TransitRig } from './transit-rig.ts';
import { emitIpv6 } from '../src/wire/ipv6.ts';
import { setU32 } from '../src/wire/bytes.ts';
import { NEXTHDR_UDP } from '../src/uapi/ipv6.ts';

const PACKET_LEN = 100;
const ROUTES = 100_000;

function template(): Uint8Array {
  const t = new Uint8Array(PACKET_LEN);
  emitIpv6({ trafficClass: 0, flowLabel: 0, payloadLength: PACKET_LEN - 40, nextHeader: NEXTHDR_UDP, hopLimit: 64, src: addr('2001:db8:1::1'), dst: addr('2001:db8:2::1') }, t);
  return t;
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
    const big = await transitRig({ routes: ROUTES });
    const small = await transitRig();
    const pkt = template();
    const spread = destinations(65_536, ROUTES, 5);
    const hot = destinations(1_000, ROUTES, 6);
    const oneRoute = destinations(1_000, 0, 7);
    // Warm up every path, then measure each twice and keep the best.
    big.run(pkt, 200_000, spread);
    big.run(pkt, 200_000, hot);
    small.run(pkt, 200_000, oneRoute);
    const best = (r: TransitRig, d: Uint8Array): number => Math.min(r.run(pkt, count, d), r.run(pkt, count, d));
    const tBase = best(small, oneRoute);
    const tHot = best(big, hot);
    const tSpread = best(big, spread);
    if (big.delivered() !== big.forwarded() || small.delivered() !== small.forwarded()) {
      throw new Error(`forwarded ${big.forwarded()} but delivered ${big.delivered()}`);
    }
    const rate = (t: number): number => count / t;
    process.stdout.write(
      `default route only: ${fmtRate(rate(tBase))} packets/s; 100k routes, 1,000 flows: ${fmtRate(rate(tHot))}/s; 100k routes, spread: ${fmtRate(rate(tSpread))}/s\n`,
    );
    return [
      `### forward: IPv6 forwarding through one transit node (issue 4; Kernel data path; ${fmtRate(count)} packets of ${PACKET_LEN} bytes per case)`,
      '',
      '| FIB and traffic | packets/s | ratio to the one-route baseline |',
      '| --- | ---: | ---: |',
      `| baseline: default route only | ${fmtRate(rate(tBase))} | 1.00 |`,
      `| 100,000 routes, 1,000 hot flows | **${fmtRate(rate(tHot))}** | ${(tBase / tHot).toFixed(2)} |`,
      `| 100,000 routes, destinations spread over all routes | **${fmtRate(rate(tSpread))}** | ${(tBase / tSpread).toFixed(2)} |`,
    ].join('\n');
  },
};
