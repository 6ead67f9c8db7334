/**
 * The v6stack library: `import { Kernel, loadTopology, ... } from 'v6stack'`. This is the
 * surface most users need; every module is importable from its own path too
 * (`v6stack/src/wire/ipv6.ts` in a checkout), each with the contract in its module comment.
 */

// One kernel: namespaces, netlink, rtnetlink, IPv6 with its data path, IOAM, sockets.
export { Kernel, type KernelOptions } from './kernel.ts';
export { World, Net } from './net/net.ts';
export { PacketBuffer } from './net/packet-buffer.ts';
export { ManualClock, RealClock, type Clock } from './time/clock.ts';
export { rootCredentials, unprivilegedCredentials, type Credentials } from './net/credentials.ts';
export type { Ipv6Socket, Ipv6Sockets, SockaddrIn6, SockError, SendControl, Datagram } from './ipv6/socket.ts';

// The simulator and replay.
export { loadTopology, formatTopologyError, type Topology, type TopologyError } from './sim/topology.ts';
export { buildSimulation, Simulation, type SimOptions, type SetupShell } from './sim/sim.ts';
export { formatReport, type SimReport } from './sim/report.ts';
/** The shell that runs a topology's `ip` / `sysctl` lines in-process: `buildSimulation(t, { shell: kernelShell })`. */
export { kernelShell } from './cli/sim.ts';
export { replay, type ReplayOptions, type ReplayResult, type ReplayPacket } from './sim/replay.ts';

// Captures and IOAM export.
export { openCapture, readCapture, PcapWriter, PcapngWriter, type CapturedPacket } from './io/capture-file.ts';
export { IoamCollector, JsonLinesSink } from './io/ioam-collector.ts';
export { IoamOtlpExporter } from './io/otlp.ts';

// Wire codecs most often used (the rest are in src/wire/).
export { Ipv6View, parseIpv6, emitIpv6, ipv6BufferLen, type Ipv6Repr } from './wire/ipv6.ts';
export { parseIoamOption, emitIoamOption, preallocTraceOption, type IoamOptionRepr } from './wire/ioam.ts';
export { parseIoamTrace, type IoamTraceRepr } from './wire/ioam-trace.ts';
export { parseIpv6Address, formatIpv6Address } from './wire/address.ts';
export { dissectFrame, formatDissection } from './wire/dissect.ts';
export type { Result } from './wire/result.ts';
