/**
 * V8 settings for the packet path. A packet runs through one deep chain of calls (device
 * receive, IPv6 input, Hop-by-Hop options, routing, forwarding, output, device transmit) and
 * V8's default inlining budget, 920 octets of bytecode inlined into one optimized function,
 * runs out partway along it: the rest stays calls and code compiled without its callers'
 * types. A larger budget lets TurboFan compile the chain as a unit; on our machines plain
 * forwarding goes from about 7 to about 9 million packets per second (BENCHMARKS.md).
 *
 * The `v6stack` command and the benchmarks apply this before any packet code is compiled (V8
 * reads these flags when it compiles, so setting them at start-up is enough). A program using
 * v6stack as a library passes the same flags to node: `node --max-inlined-bytecode-size-cumulative=4000`.
 */

import { setFlagsFromString } from 'node:v8';

/** The V8 flags of the packet path, as node's command line takes them. */
export const PACKET_PATH_V8_FLAGS: readonly string[] = ['--max-inlined-bytecode-size-cumulative=8000'];

/** Applies PACKET_PATH_V8_FLAGS to this process (idempotent). */
export function tuneEngineForPackets(): void {
  for (const flag of PACKET_PATH_V8_FLAGS) setFlagsFromString(flag);
}
