/**
 * The dissector over the bundled captures (examples/captures: a Linux 6.18 IOAM transit capture,
 * scapy-made GTP-U N3 and IPv6 extension-header captures), against tshark's dissection of the
 * same files, on crafted edge cases, and under fast-check fuzzing.
 */

import { strict as assert } from 'node:assert';
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { test } from 'node:test';
import fc from 'fast-check';
import { readCapture } from '../io/capture-file.ts';
import { LINKTYPE_ETHERNET, LINKTYPE_IPV4, LINKTYPE_IPV6, LINKTYPE_LINUX_SLL, LINKTYPE_LINUX_SLL2, LINKTYPE_LOOP, LINKTYPE_NULL, LINKTYPE_RAW } from '../uapi/pcap.ts';
import { skipUnlessTshark, tsharkField } from '../../test/support/tools.ts';
import { fromHex, setU16 } from './bytes.ts';
import { dissectFrame, dissectionJson, formatDissection } from './dissect.ts';
import type { Dissection, Layer } from './dissect.ts';
import { emitIcmpv6 } from './icmpv6.ts';
import { emitIpv6 } from './ipv6.ts';
import { emitUdp } from './udp.ts';

const CAPTURES = fileURLToPath(new URL('../../examples/captures/', import.meta.url));
const IOAM_FILE = `${CAPTURES}kernel-ioam-transit.pcapng`;
const GTPU_FILE = `${CAPTURES}gtpu-n3.pcap`;
const EXTHDR_FILE = `${CAPTURES}ipv6-exthdrs.pcap`;

interface Frame {
  readonly linkType: number;
  readonly data: Uint8Array;
}

function frames(path: string): Frame[] {
  return [...readCapture(path)].map((p) => ({ linkType: p.linkType, data: p.data }));
}

function dissectAll(path: string): Dissection[] {
  return frames(path).map((f) => dissectFrame(f.linkType, f.data));
}

/** Every layer, depth first in wire order (children right after their parent). */
function flatten(layers: readonly Layer[]): Layer[] {
  const out: Layer[] = [];
  const walk = (ls: readonly Layer[]): void => {
    for (const l of ls) {
      out.push(l);
      walk(l.children);
    }
  };
  walk(layers);
  return out;
}

function find(d: Dissection | readonly Layer[], protocol: string, nth = 0): Layer {
  const layers = 'layers' in d ? d.layers : d;
  const l = flatten(layers).filter((x) => x.protocol === protocol)[nth];
  assert.ok(l !== undefined, `no ${protocol} layer #${nth}`);
  return l;
}

function value(l: Layer, name: string): unknown {
  const f = l.fields.find((x) => x.name === name);
  assert.ok(f !== undefined, `${l.protocol} has no field ${name}: ${l.fields.map((x) => x.name).join(',')}`);
  return f.value;
}

function display(l: Layer, name: string): string {
  const f = l.fields.find((x) => x.name === name);
  assert.ok(f !== undefined, `${l.protocol} has no field ${name}`);
  return f.display ?? String(f.value);
}

/** Checks what must hold for any frame: layers inside the frame, JSON and -v text producible. */
function checkInvariants(d: Dissection, frameLength: number): void {
  for (const l of flatten(d.layers)) {
    assert.ok(l.offset >= 0 && l.length >= 0 && l.offset + l.length <= frameLength, `${l.protocol} [${l.offset}, +${l.length}) outside ${frameLength}`);
    if (l.error !== undefined) assert.ok(l.error.offset >= 0 && l.error.offset <= frameLength, `${l.protocol} error offset ${l.error.offset}`);
  }
  if (d.malformed !== undefined) {
    const e = d.malformed.error;
    assert.ok(d.summary.endsWith(` [malformed: ${e.field} at offset ${e.offset}: ${e.message}]`), d.summary);
    assert.ok(flatten(d.layers).some((l) => l.error === e), 'the malformed layer is in the tree');
  } else {
    assert.ok(!d.summary.includes('[malformed'), d.summary);
  }
  JSON.stringify(dissectionJson(d));
  assert.ok(formatDissection(d).endsWith('\n') || d.layers.length === 0);
}

// --- Summaries of every sample packet ----------------------------------------------------------

test('summaries of kernel-ioam-transit.pcapng', () => {
  const f = 'IP6 2001:db8:1::2.38503 > 2001:db8:2::2.5000: HBH';
  const icmp = (len: number): string =>
    `IP6 2001:db8:2::2 > 2001:db8:1::2: ICMP6, destination unreachable, port unreachable, 2001:db8:2::2 udp port 5000, length ${len}`;
  assert.deepEqual(
    dissectAll(IOAM_FILE).map((d) => d.summary),
    [
      `${f} IOAM(ns 123 trace 0xf00000 hops 1/2) UDP, length 14`,
      icmp(126),
      `${f} IOAM(ns 123 trace 0x800000 hops 1/2) UDP, length 14`,
      icmp(94),
      `${f} IOAM(ns 123 trace 0xfff002 hops 1/1) UDP, length 14`,
      icmp(206),
      `${f} IOAM(ns 123 trace 0xc00000 hops 1/2) UDP, length 14`,
      icmp(102),
      `${f} IOAM(ns 123 trace 0xff0000 hops 1/3) UDP, length 14`,
      icmp(182),
      `${f} IOAM(ns 123 trace 0x00f000 hops 1/1) UDP, length 14`,
      icmp(134),
      `${f} IOAM(ns 123 trace 0xe00000 hops 0/0 overflow) UDP, length 14`,
      'IP6 2001:db8:1::2.38503 > 2001:db8:2::2.5000: frag (0x418e88f9:0|1448+) UDP, length 3000',
      'IP6 2001:db8:1::2 > 2001:db8:2::2: frag (0x418e88f9:1448|1448+)',
      'IP6 2001:db8:1::2 > 2001:db8:2::2: frag (0x418e88f9:2896|112)',
      'IP6 fe80::58d9:5bff:feb2:2729 > fe80::d438:49ff:fe0e:961f: ICMP6, neighbor solicitation, who has fe80::d438:49ff:fe0e:961f, length 32',
      'IP6 fe80::d438:49ff:fe0e:961f > fe80::58d9:5bff:feb2:2729: ICMP6, neighbor advertisement, tgt is fe80::d438:49ff:fe0e:961f, length 24',
    ],
  );
});

test('summaries of gtpu-n3.pcap', () => {
  const up = 'IP6 2001:db8:100::1.2152 > 2001:db8:100::2.2152:';
  const down = 'IP6 2001:db8:100::2.2152 > 2001:db8:100::1.2152:';
  const ds = dissectAll(GTPU_FILE);
  assert.deepEqual(
    ds.map((d) => d.summary),
    [
      `${up} GTPv1-U G-PDU teid 0x11 QFI 9 UL, IP 10.60.0.1.40000 > 192.0.2.80.5000: UDP, length 9`,
      `${up} GTPv1-U G-PDU teid 0x11 QFI 9 UL, IP6 2001:db8:a0::1 > 2001:db8:d0::80: ICMP6, echo request, id 7, seq 1, length 21`,
      `${down} GTPv1-U G-PDU teid 0x22 QFI 9 DL, IP 192.0.2.80.5000 > 10.60.0.1.40000: UDP, length 11`,
      `${up} GTPv1-U G-PDU teid 0x33, IP 10.60.0.1.40000 > 192.0.2.80.5000: UDP, length 9`,
      'IP 192.0.2.1.2152 > 192.0.2.2.2152: GTPv1-U G-PDU teid 0x44, IP6 2001:db8:a0::1 > 2001:db8:d0::80: ICMP6, echo request, id 7, seq 1, length 21',
      `${up} GTPv1-U echo request seq 1`,
      `${down} GTPv1-U echo response seq 1 recovery 0`,
      `${down} GTPv1-U end marker teid 0x22`,
      `${down} GTPv1-U error indication seq 0 teid-i 0x99 peer 192.0.2.2`,
    ],
  );
  assert.equal(ds[8]?.malformed, undefined);
  // The same Error Indication with an empty GTP-U Peer Address (TS 29.281 §8.4 allows 4 or 16
  // octets only; tshark says "unknown type or wrong length"): IE length 0, the 4 address octets
  // removed and the IPv6, UDP and GTP-U lengths shortened to match.
  const ei = (frames(GTPU_FILE)[8] as Frame).data;
  const bad = ei.slice(0, ei.length - 4);
  bad[80] = 0;
  bad[81] = 0;
  for (const at of [18, 58, 64]) {
    const v = ((bad[at] ?? 0) << 8) | (bad[at + 1] ?? 0);
    bad[at] = (v - 4) >> 8;
    bad[at + 1] = (v - 4) & 0xff;
  }
  const d = dissectFrame(LINKTYPE_ETHERNET, bad);
  assert.equal(d.malformed?.protocol, 'gtpu');
  assert.ok(d.summary.endsWith('[malformed: Length at offset 80: GTP-U Peer Address of 0 octets is neither IPv4 nor IPv6]'), d.summary);
});

test('summaries of ipv6-exthdrs.pcap', () => {
  assert.deepEqual(
    dissectAll(EXTHDR_FILE).map((d) => d.summary),
    [
      'IP6 2001:db8::1.1000 > 2001:db8::a.2000: SRH segleft 2 [2001:db8::c,2001:db8::b,2001:db8::a] UDP, length 4',
      'IP6 2001:db8::1.1 > 2001:db8::2.2: frag (0x00001234:0|552+) UDP, length 1400',
      'IP6 2001:db8::1 > 2001:db8::2: frag (0x00001234:552|552+)',
      'IP6 2001:db8::1 > 2001:db8::2: frag (0x00001234:1104|304)',
      'IP6 2001:db8::1.3 > 2001:db8::2.4: DSTOPT UDP, length 8',
      'IP6 2001:db8::1 > 2001:db8::2: HBH RA(0) ICMP6, echo request, id 1, seq 2, length 8',
      'IP6 2001:db8::fe > 2001:db8::1: ICMP6, time exceeded in-transit, length 63',
      'IP6 2001:db8::fe > 2001:db8::1: ICMP6, packet too big, mtu 1280, length 1356',
      'IP6 2001:db8::fe > 2001:db8::1: ICMP6, parameter problem, unrecognized option, pointer 42, length 64',
      'IP6 2001:db8::2 > 2001:db8::1: ICMP6, echo reply, id 1, seq 2, length 12',
      'IP 192.0.2.1.7 > 192.0.2.2.8: UDP, length 2',
    ],
  );
});

test('every sample frame satisfies the invariants', () => {
  for (const path of [IOAM_FILE, GTPU_FILE, EXTHDR_FILE]) {
    for (const f of frames(path)) checkInvariants(dissectFrame(f.linkType, f.data), f.data.length);
  }
});

// --- IOAM --------------------------------------------------------------------------------------

test('the kernel-filled 0xfff002 trace: every field of the hop', () => {
  const d = dissectAll(IOAM_FILE)[4];
  assert.ok(d !== undefined);
  assert.deepEqual(
    d.layers.map((l) => l.protocol),
    ['eth', 'ipv6', 'hbh', 'udp', 'payload'],
  );
  const ioam = find(d, 'ioam');
  assert.equal(value(ioam, 'type'), 0x31);
  assert.equal(value(ioam, 'ioam_type'), 0);
  const trace = find(d, 'ioam-trace');
  assert.equal(value(trace, 'namespace_id'), 123);
  assert.equal(value(trace, 'node_len'), 15);
  assert.equal(value(trace, 'overflow'), false);
  assert.equal(value(trace, 'remaining_len'), 13);
  assert.equal(value(trace, 'trace_type'), 0xfff002);
  assert.equal(display(trace, 'trace_type'), '0xfff002');
  assert.equal(value(trace, 'free_space'), 52);
  assert.equal(trace.children.length, 1);
  const hop = find(d, 'ioam-hop');
  assert.equal(value(hop, 'index'), 0);
  assert.equal(value(hop, 'hop_limit'), 63);
  assert.equal(value(hop, 'node_id'), 0xbeef);
  assert.equal(display(hop, 'node_id'), '0xbeef');
  assert.equal(value(hop, 'ingress_if'), 11);
  assert.equal(value(hop, 'egress_if'), 22);
  assert.equal(value(hop, 'namespace_data'), 0xdeadbeef);
  assert.equal(display(hop, 'namespace_data'), '0xdeadbeef');
  assert.equal(display(hop, 'transit_delay'), 'unavailable (0xffffffff)');
  assert.equal(display(hop, 'checksum_complement'), 'unavailable (0xffffffff)');
  assert.equal(display(hop, 'buffer_occupancy'), 'unavailable (0xffffffff)');
  assert.equal(value(hop, 'queue_depth'), 0);
  assert.equal(value(hop, 'hop_limit_wide'), 63);
  assert.equal(value(hop, 'node_id_wide'), 0xc0caf00dc0den);
  assert.equal(value(hop, 'ingress_if_wide'), 0x11111111);
  assert.equal(value(hop, 'egress_if_wide'), 0x22222222);
  assert.equal(value(hop, 'namespace_data_wide'), 0xcafec0caf00dc0den);
  assert.equal(value(hop, 'opaque_schema_id'), 777);
  assert.equal(value(hop, 'opaque_data'), '74696e79');
  // The hop entry sits at the end of the pre-allocated space: 14 + 40 + 2 (HBH) + 2 (PadN) +
  // 4 (ioam6_hdr) + 8 (trace header) + 52 (free) = 122, and 60 + 4 + 4 octets long.
  assert.equal(hop.offset, 122);
  assert.equal(hop.length, 68);
  const udp = find(d, 'udp');
  assert.equal(value(udp, 'checksum_status'), 'good');
  const text = formatDissection(d);
  assert.match(text, /^IPv6, src 2001:db8:1::2, dst 2001:db8:2::2$/m);
  assert.match(text, /^ {12}IOAM Hop 0, node 0xbeef$/m);
  assert.match(text, /^ {16}node_id_wide: 0xc0caf00dc0de$/m);
  const json = JSON.parse(JSON.stringify(dissectionJson(d))) as { layers: Array<{ protocol: string; children: unknown[] }> };
  const hbh = json.layers.find((l) => l.protocol === 'hbh') as unknown as { children: Array<{ children: Array<{ children: Array<{ fields: Record<string, unknown> }> }> }> };
  assert.equal(hbh.children[1]?.children[0]?.children[0]?.fields.node_id_wide, String(0xc0caf00dc0den));
});

test('an overflowed trace has no hops and says so', () => {
  const d = dissectAll(IOAM_FILE)[12];
  assert.ok(d !== undefined);
  const trace = find(d, 'ioam-trace');
  assert.equal(value(trace, 'overflow'), true);
  assert.equal(value(trace, 'hops'), 0);
  assert.equal(display(trace, 'flags'), '0x8 (overflow)');
});

test('ICMPv6 errors quote the trace: the invoking packet is a child ipv6 with its IOAM hops', () => {
  const d = dissectAll(IOAM_FILE)[1];
  assert.ok(d !== undefined);
  const icmp = find(d, 'icmpv6');
  assert.equal(value(icmp, 'type'), 1);
  assert.equal(value(icmp, 'code'), 4);
  assert.equal(value(icmp, 'checksum_status'), 'good');
  assert.deepEqual(
    icmp.children.map((l) => l.protocol),
    ['ipv6', 'hbh', 'udp', 'payload'],
  );
  assert.equal(value(find(icmp.children, 'ioam-hop'), 'node_id'), 0xbeef);
  assert.equal(d.malformed, undefined);
});

test('every IOAM hop field of kernel-ioam-transit.pcapng agrees with tshark', { skip: skipUnlessTshark() }, () => {
  const out = execFileSync('tshark', ['-n', '-r', IOAM_FILE, '-T', 'json', '--no-duplicate-keys'], {
    encoding: 'utf8',
    maxBuffer: 64 * 1024 * 1024,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const packets = JSON.parse(out) as Array<{ _source: { layers: unknown } }>;
  const ours = dissectAll(IOAM_FILE);
  assert.equal(packets.length, ours.length);
  const num = (s: string): bigint => BigInt(s);
  // tshark field -> our fields, in the order tshark lists them within a hop.
  const map: ReadonlyArray<readonly [string, readonly string[]]> = [
    ['ipv6.opt.ioam.trace.node.hlim', ['hop_limit', 'hop_limit_wide']],
    ['ipv6.opt.ioam.trace.node.id', ['node_id']],
    ['ipv6.opt.ioam.trace.node.iif', ['ingress_if']],
    ['ipv6.opt.ioam.trace.node.eif', ['egress_if']],
    ['ipv6.opt.ioam.trace.node.tss', ['timestamp_secs']],
    ['ipv6.opt.ioam.trace.node.tsf', ['timestamp_frac']],
    ['ipv6.opt.ioam.trace.node.trdelay', ['transit_delay']],
    ['ipv6.opt.ioam.trace.node.nsdata', ['namespace_data']],
    ['ipv6.opt.ioam.trace.node.qdepth', ['queue_depth']],
    ['ipv6.opt.ioam.trace.node.csum', ['checksum_complement']],
    ['ipv6.opt.ioam.trace.node.id_wide', ['node_id_wide']],
    ['ipv6.opt.ioam.trace.node.iif_wide', ['ingress_if_wide']],
    ['ipv6.opt.ioam.trace.node.eif_wide', ['egress_if_wide']],
    ['ipv6.opt.ioam.trace.node.nsdata_wide', ['namespace_data_wide']],
    ['ipv6.opt.ioam.trace.node.bufoccup', ['buffer_occupancy']],
    ['ipv6.opt.ioam.trace.node.oss.scid', ['opaque_schema_id']],
    ['ipv6.opt.ioam.trace.node.oss.len', ['opaque_length']],
  ];
  let compared = 0;
  let hopCount = 0;
  ours.forEach((d, i) => {
    const theirs = packets[i]?._source.layers;
    const hops = flatten(d.layers).filter((l) => l.protocol === 'ioam-hop');
    hopCount += hops.length;
    for (const [tfield, names] of map) {
      const expected = tsharkField(theirs, tfield).map(num);
      const got: bigint[] = [];
      for (const h of hops) for (const n of names) if (h.fields.some((f) => f.name === n)) got.push(BigInt(value(h, n) as number | bigint));
      assert.deepEqual(got, expected, `frame ${i + 1} ${tfield}`);
      compared += got.length;
    }
    const data = tsharkField(theirs, 'ipv6.opt.ioam.trace.node.oss.data').map((s) => s.replaceAll(':', ''));
    assert.deepEqual(
      hops.filter((h) => h.fields.some((f) => f.name === 'opaque_data')).map((h) => value(h, 'opaque_data')),
      data,
      `frame ${i + 1} opaque data`,
    );
    assert.deepEqual(
      flatten(d.layers).filter((l) => l.protocol === 'ioam-trace').map((l) => hexOf(value(l, 'trace_type'))),
      tsharkField(theirs, 'ipv6.opt.ioam.trace.type').map((s) => hexOf(Number(s))),
      `frame ${i + 1} trace types`,
    );
  });
  // Six traces with one hop each (0xe00000 overflowed), each seen twice: sent, then quoted.
  assert.equal(hopCount, 12);
  assert.ok(compared >= 90, `only ${compared} values compared`);
});

function hexOf(v: unknown): string {
  return `0x${Number(v).toString(16)}`;
}

// --- GTP-U -------------------------------------------------------------------------------------

test('GTP-U: TEIDs, QFIs, PDU types and the decoded T-PDUs', () => {
  const ds = dissectAll(GTPU_FILE);
  const teids = ds.map((d) => value(find(d, 'gtpu'), 'teid'));
  assert.deepEqual(teids, [0x11, 0x11, 0x22, 0x33, 0x44, 0, 0, 0x22, 0]);
  const psc = (i: number): Layer => find(ds[i] as Dissection, 'pdu-session-container');
  assert.equal(value(psc(0), 'qfi'), 9);
  assert.equal(value(psc(0), 'pdu_type'), 1);
  assert.equal(value(psc(2), 'qfi'), 9);
  assert.equal(value(psc(2), 'pdu_type'), 0);
  assert.equal(value(psc(2), 'rqi'), false);
  assert.equal(value(psc(2), 'ppp'), false);
  const first = ds[0] as Dissection;
  assert.deepEqual(
    first.layers.map((l) => l.protocol),
    ['eth', 'vlan', 'ipv6', 'udp', 'gtpu', 'ipv4', 'udp', 'payload'],
  );
  assert.equal(value(find(first, 'vlan'), 'vid'), 100);
  assert.equal(value(find(first, 'ipv4'), 'src'), '10.60.0.1');
  assert.equal(value(find(first, 'udp', 1), 'dst_port'), 5000);
  assert.equal(value(find(first, 'udp', 1), 'checksum_status'), 'good');
  const echo = ds[1] as Dissection;
  assert.equal(value(find(echo, 'icmpv6'), 'identifier'), 7);
  assert.equal(value(find(echo, 'icmpv6'), 'checksum_status'), 'good');
  const rsp = find(ds[6] as Dissection, 'gtpu-ie');
  assert.equal(value(rsp, 'type'), 14);
  assert.equal(value(rsp, 'restart_counter'), 0);
  // Over IPv4 outside, IPv6 inside, no extension header.
  const v4 = ds[4] as Dissection;
  assert.deepEqual(
    v4.layers.map((l) => l.protocol),
    ['eth', 'ipv4', 'udp', 'gtpu', 'ipv6', 'icmpv6'],
  );
  assert.equal(value(find(v4, 'gtpu'), 'e'), false);
});

test('GTP-U is decoded on the configured ports only', () => {
  const f = frames(GTPU_FILE)[3] as Frame;
  assert.equal(dissectFrame(f.linkType, f.data, { gtpuPorts: [2123] }).summary, 'IP6 2001:db8:100::1.2152 > 2001:db8:100::2.2152: UDP, length 45');
  assert.match(dissectFrame(f.linkType, f.data, { gtpuPorts: [9, 2152] }).summary, /GTPv1-U G-PDU teid 0x33/);
});

// --- Extension headers, fragments, ICMPv6 ------------------------------------------------------

test('SRH segments, fragments and ICMPv6 errors of ipv6-exthdrs.pcap', () => {
  const ds = dissectAll(EXTHDR_FILE);
  const srh = find(ds[0] as Dissection, 'srh');
  assert.equal(value(srh, 'segments_left'), 2);
  assert.equal(value(srh, 'last_entry'), 2);
  assert.deepEqual(
    [0, 1, 2].map((i) => value(srh, `segment_${i}`)),
    ['2001:db8::c', '2001:db8::b', '2001:db8::a'],
  );
  // The UDP checksum is over the final destination, Segment List[0], not 2001:db8::a.
  assert.equal(value(find(ds[0] as Dissection, 'udp'), 'checksum_status'), 'good');

  const frag = (i: number): Layer => find(ds[i] as Dissection, 'fragment');
  assert.deepEqual(
    [1, 2, 3].map((i) => [value(frag(i), 'identification'), value(frag(i), 'offset'), value(frag(i), 'more_fragments')]),
    [
      [0x1234, 0, true],
      [0x1234, 552, true],
      [0x1234, 1104, false],
    ],
  );
  // First fragment: UDP header decoded, cut short, checksum not verifiable.
  const udp = find(ds[1] as Dissection, 'udp');
  assert.equal(value(udp, 'length'), 1408);
  assert.equal(value(udp, 'checksum_status'), 'unverified');
  assert.equal(value(udp, 'truncated'), true);
  assert.equal((ds[1] as Dissection).malformed, undefined);
  // Later fragments: no upper layer, the data marked as such.
  for (const i of [2, 3]) {
    const d = ds[i] as Dissection;
    assert.deepEqual(
      d.layers.map((l) => l.protocol),
      ['ipv6', 'fragment', 'payload'],
    );
    assert.equal(value(d.layers[2] as Layer, 'content'), 'fragment data (UDP (17))');
  }

  const dst = find(ds[4] as Dissection, 'dstopts');
  assert.equal(value(dst.children[0] as Layer, 'type'), 1);
  const ra = find(ds[5] as Dissection, 'option');
  assert.equal(value(ra, 'type'), 5);
  assert.equal(value(ra, 'router_alert'), 0);

  const te = find(ds[6] as Dissection, 'icmpv6');
  assert.equal(value(te, 'type'), 3);
  assert.equal(value(find(te.children, 'ipv6'), 'hop_limit'), 1);
  assert.equal(value(find(te.children, 'udp'), 'src_port'), 5);
  const ptb = find(ds[7] as Dissection, 'icmpv6');
  assert.equal(value(ptb, 'mtu'), 1280);
  const pp = find(ds[8] as Dissection, 'icmpv6');
  assert.equal(value(pp, 'pointer'), 42);
  const unknown = find(pp.children, 'option', 0);
  assert.equal(value(unknown, 'type'), 0x9e);
  assert.equal(display(unknown, 'action'), 'discard-icmp');

  const v4 = ds[10] as Dissection;
  const ip = find(v4, 'ipv4');
  assert.equal(value(ip, 'checksum_status'), 'good');
  assert.equal(value(ip.children[0] as Layer, 'type'), 7);
  assert.equal(display(ip.children[0] as Layer, 'type'), '0x07 (Record Route)');
});

test('a truncated invoking packet is decoded as far as it goes, without making the frame malformed', () => {
  const original = frames(IOAM_FILE)[4] as Frame;
  const invoking = original.data.subarray(14, 14 + 100); // cut inside the IOAM trace
  const icmpLen = 8 + invoking.length;
  const pkt = new Uint8Array(40 + icmpLen);
  const src = fromHex('20010db8000200000000000000000002');
  const dst = fromHex('20010db8000100000000000000000002');
  emitIpv6({ trafficClass: 0, flowLabel: 0, payloadLength: icmpLen, nextHeader: 58, hopLimit: 64, src, dst }, pkt);
  emitIcmpv6({ kind: 'dest-unreach', code: 4, unused: 0, invoking }, pkt, 40, { src, dst });
  const d = dissectFrame(LINKTYPE_RAW, pkt);
  assert.equal(d.malformed, undefined, d.summary);
  const icmp = find(d, 'icmpv6');
  assert.equal(value(icmp, 'checksum_status'), 'good');
  const inner = find(icmp.children, 'ipv6');
  assert.equal(value(inner, 'truncated'), true);
  // The Hop-by-Hop header is cut: shown, marked, and the decoding of the quote ends there.
  const hbh = find(icmp.children, 'hbh');
  assert.equal(value(hbh, 'truncated'), true);
  assert.equal(hbh.error, undefined);
  assert.equal(icmp.children.at(-1), hbh);
  checkInvariants(d, pkt.length);
});

// --- Malformed input ---------------------------------------------------------------------------

test('malformed frames: the layer carries the error, decoding stops, the summary says where', () => {
  const f = frames(IOAM_FILE)[0] as Frame;
  // A cut frame: the IPv6 Payload Length promises more than there is.
  const cut = dissectFrame(f.linkType, f.data.subarray(0, 100));
  assert.equal(cut.malformed?.protocol, 'ipv6');
  assert.equal(cut.malformed?.error.offset, 18);
  assert.equal(cut.summary, 'IP6 2001:db8:1::2 > 2001:db8:2::2: [malformed: Payload Length at offset 18: payload length 78 but only 46 bytes follow the header]');
  // The IOAM option's Opt Data Len runs past the Hop-by-Hop header.
  const bad = f.data.slice();
  bad[14 + 40 + 5] = 0x60;
  const d = dissectFrame(f.linkType, bad);
  assert.equal(d.malformed?.protocol, 'hbh');
  assert.equal(d.malformed?.error.field, 'Opt Data Len');
  assert.equal(d.malformed?.error.offset, 59);
  assert.deepEqual(
    d.layers.map((l) => l.protocol),
    ['eth', 'ipv6', 'hbh'],
  );
  assert.match(d.summary, /^IP6 2001:db8:1::2 > 2001:db8:2::2: HBH \[malformed: Opt Data Len at offset 59: /);
  // NodeLen that disagrees with the trace type (Linux 6.18 ignores such a trace).
  const nl = f.data.slice();
  nl[14 + 40 + 4 + 4 + 2] = ((nl[14 + 40 + 4 + 4 + 2] ?? 0) & 0x07) | (5 << 3);
  const n = dissectFrame(f.linkType, nl);
  assert.equal(n.malformed?.protocol, 'ioam');
  assert.equal(n.malformed?.error.field, 'NodeLen');
  assert.equal(value(find(n, 'ioam'), 'node_len'), 5);
  checkInvariants(n, nl.length);
});

test('a Hop-by-Hop header after another extension header is malformed', () => {
  const d0 = frames(EXTHDR_FILE)[4] as Frame; // Destination Options + UDP
  const b = d0.data.slice();
  b[40] = 0; // the Destination Options header announces a Hop-by-Hop header next,
  b[49] = 0; // and the UDP header's first octets read as an 8-octet one
  const d = dissectFrame(LINKTYPE_RAW, b);
  assert.equal(d.malformed?.protocol, 'hbh');
  assert.equal(d.malformed?.error.offset, 48);
});

test('a bad UDP checksum is reported, not malformed', () => {
  const f = frames(EXTHDR_FILE)[4] as Frame;
  const b = f.data.slice();
  b[b.length - 1] = (b[b.length - 1] ?? 0) ^ 0xff;
  const d = dissectFrame(LINKTYPE_RAW, b);
  assert.equal(d.malformed, undefined);
  assert.equal(value(find(d, 'udp'), 'checksum_status'), 'bad');
  assert.match(d.summary, /UDP, length 8 \[bad udp cksum 0x[0-9a-f]{4} -> 0x[0-9a-f]{4}!\]$/);
});

// --- Link types --------------------------------------------------------------------------------

test('link types: raw, IPv4/IPv6, NULL, LOOP, SLL, SLL2; ARP and other EtherTypes', () => {
  const ip6 = (frames(EXTHDR_FILE)[9] as Frame).data;
  const want = 'IP6 2001:db8::2 > 2001:db8::1: ICMP6, echo reply, id 1, seq 2, length 12';
  const cat = (...parts: Uint8Array[]): Uint8Array => {
    const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
    let o = 0;
    for (const p of parts) {
      out.set(p, o);
      o += p.length;
    }
    return out;
  };
  assert.equal(dissectFrame(LINKTYPE_IPV6, ip6).summary, want);
  assert.equal(dissectFrame(LINKTYPE_NULL, cat(fromHex('1e000000'), ip6)).summary, want);
  assert.equal(dissectFrame(LINKTYPE_LOOP, cat(fromHex('0000001e'), ip6)).summary, want);
  const sll = new Uint8Array(16);
  setU16(sll, 14, 0x86dd);
  assert.equal(dissectFrame(LINKTYPE_LINUX_SLL, cat(sll, ip6)).summary, want);
  const sll2 = new Uint8Array(20);
  setU16(sll2, 0, 0x86dd);
  assert.equal(dissectFrame(LINKTYPE_LINUX_SLL2, cat(sll2, ip6)).summary, want);
  const ip4 = (frames(EXTHDR_FILE)[10] as Frame).data;
  assert.equal(dissectFrame(LINKTYPE_IPV4, ip4).summary, 'IP 192.0.2.1.7 > 192.0.2.2.8: UDP, length 2');
  // IPv4 claimed, IPv6 carried: refused at IHL (0x60), which ip_rcv_core checks before Version.
  assert.equal(dissectFrame(LINKTYPE_IPV4, ip6).malformed?.error.field, 'IHL');
  assert.equal(dissectFrame(147, ip6).summary, `link type 147, length ${ip6.length}`);
  const eth = fromHex('ffffffffffff 020000000001');
  const arp = fromHex('0001 0800 06 04 0001 020000000001 c0000201 000000000000 c0000202');
  assert.equal(dissectFrame(LINKTYPE_ETHERNET, cat(eth, fromHex('0806'), arp)).summary, 'ARP, Request who-has 192.0.2.2 tell 192.0.2.1, length 28');
  assert.equal(dissectFrame(LINKTYPE_ETHERNET, cat(eth, fromHex('88cc'), new Uint8Array(46))).summary, 'ethertype 0x88cc, length 46');
  const short = dissectFrame(LINKTYPE_ETHERNET, eth);
  assert.equal(short.malformed?.protocol, 'eth');
  assert.equal(dissectFrame(LINKTYPE_LINUX_SLL, sll.subarray(0, 10)).malformed?.error.field, 'link header');
});

test('Ethernet padding after an IPv4 packet is not part of it', () => {
  const ip4 = (frames(EXTHDR_FILE)[10] as Frame).data;
  const frame = new Uint8Array(60);
  frame.set(fromHex('020000000002 020000000001 0800'));
  frame.set(ip4, 14);
  const d = dissectFrame(LINKTYPE_ETHERNET, frame);
  assert.equal(d.summary, 'IP 192.0.2.1.7 > 192.0.2.2.8: UDP, length 2');
  assert.equal(value(find(d, 'udp'), 'checksum_status'), 'good');
});

test('deep IPv6-in-IPv6 nesting stops at the limit without error', () => {
  const inner = (frames(EXTHDR_FILE)[9] as Frame).data;
  let pkt = inner;
  for (let i = 0; i < 20; i++) {
    const outer = new Uint8Array(40 + pkt.length);
    emitIpv6({ trafficClass: 0, flowLabel: 0, payloadLength: pkt.length, nextHeader: 41, hopLimit: 64, src: new Uint8Array(16), dst: new Uint8Array(16) }, outer);
    outer.set(pkt, 40);
    pkt = outer;
  }
  const d = dissectFrame(LINKTYPE_RAW, pkt);
  assert.equal(d.malformed, undefined);
  assert.ok(d.layers.some((l) => l.protocol === 'payload' && String(l.fields[0]?.value).includes('nesting limit')));
  checkInvariants(d, pkt.length);
});

// --- Fuzz --------------------------------------------------------------------------------------

const LINK_TYPES = [LINKTYPE_ETHERNET, LINKTYPE_RAW, LINKTYPE_IPV4, LINKTYPE_IPV6, LINKTYPE_NULL, LINKTYPE_LOOP, LINKTYPE_LINUX_SLL, LINKTYPE_LINUX_SLL2, 147];

test('fuzz: random frames of every link type never throw', () => {
  fc.assert(
    fc.property(fc.constantFrom(...LINK_TYPES), fc.uint8Array({ maxLength: 300 }), (lt, b) => {
      checkInvariants(dissectFrame(lt, b), b.length);
    }),
    { numRuns: 3000 },
  );
});

test('fuzz: random bytes after plausible IPv6/IPv4 headers never throw', () => {
  const v6 = fc.tuple(fc.constantFrom(0, 43, 44, 60, 17, 58, 41, 4, 51, 50, 59, 6), fc.uint8Array({ maxLength: 260 })).map(([nh, rest]) => {
    const p = new Uint8Array(40 + rest.length);
    emitIpv6({ trafficClass: 0, flowLabel: 0, payloadLength: rest.length, nextHeader: nh, hopLimit: 64, src: new Uint8Array(16), dst: new Uint8Array(16) }, p);
    p.set(rest, 40);
    return p;
  });
  fc.assert(
    fc.property(v6, (b) => checkInvariants(dissectFrame(LINKTYPE_RAW, b), b.length)),
    { numRuns: 3000 },
  );
});

test('fuzz: mutated sample packets never throw', () => {
  const samples = [IOAM_FILE, GTPU_FILE, EXTHDR_FILE].flatMap(frames);
  const mutation = fc.record({
    index: fc.nat(samples.length - 1),
    flips: fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), { maxLength: 6 }),
    cut: fc.option(fc.nat(), { nil: undefined }),
  });
  fc.assert(
    fc.property(mutation, ({ index, flips, cut }) => {
      const s = samples[index] as Frame;
      let b = s.data.slice();
      for (const [pos, v] of flips) b[pos % b.length] = v;
      if (cut !== undefined) b = b.subarray(0, cut % (b.length + 1));
      checkInvariants(dissectFrame(s.linkType, b), b.length);
    }),
    { numRuns: 5000 },
  );
});

test('fuzz: stacked VLAN tags cut anywhere never throw', () => {
  fc.assert(
    fc.property(fc.nat(10), fc.nat(100), (tags, cut) => {
      const b = new Uint8Array(14 + 4 * tags + 48);
      for (let i = 0; i < tags; i++) setU16(b, 12 + 4 * i, i % 2 === 0 ? 0x8100 : 0x88a8);
      setU16(b, 12 + 4 * tags, 0x86dd);
      b[14 + 4 * tags] = 0x60;
      const f = b.subarray(0, Math.min(b.length, cut));
      checkInvariants(dissectFrame(LINKTYPE_ETHERNET, f), f.length);
    }),
    { numRuns: 2000 },
  );
});

test('fuzz: random GTP-U messages and random ICMPv6 invoking packets never throw', () => {
  const gtpu = fc.uint8Array({ minLength: 1, maxLength: 120 }).map((g) => {
    g[0] = 0x30 | ((g[0] ?? 0) & 0x07); // GTPv1, PT 1, random E/S/PN
    const p = new Uint8Array(20 + 8 + g.length);
    p.set(fromHex('45000000 0000 0000 40 11 0000 c0000201 c0000202'));
    setU16(p, 2, p.length);
    emitUdp({ srcPort: 2152, dstPort: 2152, payload: g }, p, 20);
    return p;
  });
  const quoted = fc.uint8Array({ minLength: 1, maxLength: 200 }).map((q) => {
    q[0] = 0x60;
    const p = new Uint8Array(40 + 8 + q.length);
    const a = new Uint8Array(16);
    emitIpv6({ trafficClass: 0, flowLabel: 0, payloadLength: 8 + q.length, nextHeader: 58, hopLimit: 64, src: a, dst: a }, p);
    emitIcmpv6({ kind: 'param-problem', code: 0, pointer: 6, invoking: q }, p, 40, { src: a, dst: a });
    return p;
  });
  fc.assert(
    fc.property(fc.oneof(gtpu, quoted), (b) => {
      const lt = (b[0] ?? 0) >>> 4 === 4 ? LINKTYPE_IPV4 : LINKTYPE_IPV6;
      checkInvariants(dissectFrame(lt, b), b.length);
    }),
    { numRuns: 4000 },
  );
});
