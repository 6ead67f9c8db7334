/**
 * Generates the benchmark capture of issue 2: IPv6 packets, half of them carrying a Hop-by-Hop
 * Pre-allocated Trace (trace type 0xf00000: hop limit + node id, ingress/egress ids, timestamp
 * seconds and fraction; room for 5 hops) with 3 to 5 hops filled, the rest plain UDP.
 *
 * The layout follows what Linux's ioam6 lwtunnel inserts: HBH header, PadN(0), the IOAM option
 * (type 0x31) with its Pre-allocated Trace header, then the node data, filled from the end of
 * the space towards its start as ioam6_fill_trace_data does.
 */

import { openSync, writeSync, closeSync } from 'node:fs';
import { setU16, setU32, setU16le, setU32le } from '../src/wire/bytes.ts';
import { checksumAdd, checksumFold, checksumPseudoIpv6 } from '../src/wire/checksum.ts';
import { seeded } from './seeded.ts';

const NODE_WORDS = 4; // 0xf00000: four 4-octet fields per hop
const SLOTS = 5;
const DATA_LEN = SLOTS * NODE_WORDS * 4;
const HBH_LEN = 2 + 2 + 4 + 8 + DATA_LEN; // 96: a multiple of 8
const UDP_PAYLOAD = 20;
const IOAM_PKT_LEN = 40 + HBH_LEN + 8 + UDP_PAYLOAD;
const PLAIN_PAYLOAD = 52;
const PLAIN_PKT_LEN = 40 + 8 + PLAIN_PAYLOAD;

/** Fills the UDP checksum of the datagram at `u` (length `len`) in the IPv6 packet at `ip`. */
function udpChecksum(b: Uint8Array, ip: number, u: number, len: number): void {
  const sum = checksumAdd(checksumPseudoIpv6(b, b, len, 17, ip + 8, ip + 24), b, u, u + len);
  setU16(b, u + 6, checksumFold(sum) || 0xffff);
}

function ipv6Header(b: Uint8Array, o: number, payloadLen: number, nextHeader: number, flow: number): void {
  setU32(b, o, (6 << 28) | (flow & 0xfffff));
  setU16(b, o + 4, payloadLen);
  b[o + 6] = nextHeader;
  b[o + 7] = 62;
  // 2001:db8::1 -> 2001:db8::2
  setU32(b, o + 8, 0x20010db8);
  b[o + 23] = 1;
  setU32(b, o + 24, 0x20010db8);
  b[o + 39] = 2;
}

export interface CaptureSummary {
  readonly packets: number;
  readonly ioamPackets: number;
  readonly hops: number;
  readonly bytes: number;
}

/** Writes `count` packets as a classic microsecond pcap (LINKTYPE_RAW) to `path`. */
export function writeIoamCapture(path: string, count: number, seed = 1): CaptureSummary {
  const rnd = seeded(seed);
  const fd = openSync(path, 'w');
  const chunk = new Uint8Array(4 << 20);
  let used = 0;
  let bytes = 0;
  const flush = (): void => {
    writeSync(fd, chunk, 0, used);
    bytes += used;
    used = 0;
  };
  // Global header: LE, v2.4, snaplen 262144, LINKTYPE_RAW (101).
  setU32le(chunk, 0, 0xa1b2c3d4);
  setU16le(chunk, 4, 2);
  setU16le(chunk, 6, 4);
  setU32le(chunk, 16, 262144);
  setU32le(chunk, 20, 101);
  used = 24;
  let ioam = 0;
  let hops = 0;
  for (let i = 0; i < count; i++) {
    const withTrace = (i & 1) === 0;
    const len = withTrace ? IOAM_PKT_LEN : PLAIN_PKT_LEN;
    if (used + 16 + len > chunk.length) flush();
    const r = chunk;
    setU32le(r, used, 1_700_000_000 + Math.floor(i / 1_000_000));
    setU32le(r, used + 4, i % 1_000_000);
    setU32le(r, used + 8, len);
    setU32le(r, used + 12, len);
    const p = used + 16;
    r.fill(0, p, p + len);
    const flow = rnd() & 0xfffff;
    if (withTrace) {
      ioam++;
      const filled = 3 + (rnd() % 3);
      hops += filled;
      ipv6Header(r, p, len - 40, 0, flow);
      const h = p + 40;
      r[h] = 17; // next header: UDP
      r[h + 1] = HBH_LEN / 8 - 1;
      r[h + 2] = 1; // PadN, 0 bytes of padding data
      r[h + 3] = 0;
      r[h + 4] = 0x31; // IOAM
      r[h + 5] = HBH_LEN - 6; // Opt Data Len: everything after type and length
      r[h + 6] = 0; // reserved
      r[h + 7] = 0; // IOAM Option-Type: Pre-allocated Trace
      setU16(r, h + 8, 123); // Namespace-ID
      const remWords = (SLOTS - filled) * NODE_WORDS;
      // NodeLen (5 bits) | Flags (4 bits) | RemainingLen (7 bits)
      setU16(r, h + 10, (NODE_WORDS << 11) | remWords);
      setU32(r, h + 12, 0xf00000 << 8); // trace type (24 bits) + reserved
      const data = h + 16;
      for (let k = 0; k < filled; k++) {
        const e = data + (SLOTS - 1 - k) * NODE_WORDS * 4; // first hop at the end
        setU32(r, e, ((61 - k) << 24) | (k + 1)); // hop limit, node id
        setU16(r, e + 4, 10 + k);
        setU16(r, e + 6, 20 + k);
        setU32(r, e + 8, 1_700_000_000);
        setU32(r, e + 12, rnd() % 1_000_000);
      }
      const u = h + HBH_LEN;
      setU16(r, u, 40000 + (i & 0xff));
      setU16(r, u + 2, 5000);
      setU16(r, u + 4, 8 + UDP_PAYLOAD);
      udpChecksum(r, p, u, 8 + UDP_PAYLOAD);
    } else {
      ipv6Header(r, p, len - 40, 17, flow);
      const u = p + 40;
      setU16(r, u, 40000 + (i & 0xff));
      setU16(r, u + 2, 5000);
      setU16(r, u + 4, 8 + PLAIN_PAYLOAD);
      udpChecksum(r, p, u, 8 + PLAIN_PAYLOAD);
    }
    used = p + len;
  }
  flush();
  closeSync(fd);
  return { packets: count, ioamPackets: ioam, hops, bytes };
}
