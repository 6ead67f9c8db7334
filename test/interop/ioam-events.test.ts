/**
 * IOAM events from the real kernel (Linux 6.9+ ioam6_event): alpha -- beta -- gamma as in
 * ioam-trace-wire.test.ts; a NETLINK_GENERIC socket in beta resolves the IOAM6 family and its
 * "ioam6_events" group with CTRL_CMD_GETFAMILY, joins the group and records every datagram.
 * Each trace beta filled arrives at gamma as beta left it, which is exactly what beta passed
 * to ioam6_event; our builder (src/ipv6/ioam6-events.ts) must turn that trace into the same
 * bytes as the kernel's notification, header fields included (only nlmsg_type, the family id,
 * differs between two kernels).
 */

import { test, after, before } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Kernel } from '../../src/kernel.ts';
import { ioam6SendTraceEvent, ioam6TraceEventMessage } from '../../src/ipv6/ioam6-events.ts';
import { IOAM6_GENL_EV_GRP_OFFSET } from '../../src/ipv6/ioam6-genl.ts';
import { NetlinkSocket } from '../../src/netlink/socket.ts';
import { rootCredentials } from '../../src/net/credentials.ts';
import { fromHex, setU16le, toHex, u16le, u32le } from '../../src/wire/bytes.ts';
import { traceNodeLen } from '../../src/wire/ioam-trace.ts';
import { NETLINK_ADD_MEMBERSHIP, NETLINK_GENERIC, SOL_NETLINK } from '../../src/uapi/netlink.ts';
import { Topology, collect, skipUnlessNetns } from './netns.ts';
import { SCAPY_PYTHON } from '../support/tools.ts';

const UDP_HBH = fileURLToPath(new URL('./tools/udp-hbh.py', import.meta.url));

/**
 * A listener as a program would write one: resolve IOAM6 and its group through the controller,
 * join it, then print each datagram (and the sender's port id) as JSON until SECONDS pass.
 */
const LISTENER = String.raw`
import json, socket, struct, sys, time
s = socket.socket(socket.AF_NETLINK, socket.SOCK_RAW, 16)
s.bind((0, 0))
name = b'IOAM6\0'
attr = struct.pack('=HH', 4 + len(name), 2) + name + b'\0' * ((4 - len(name) % 4) % 4)
body = struct.pack('=BBH', 3, 1, 0) + attr
s.send(struct.pack('=IHHII', 16 + len(body), 0x10, 1, 1, 0) + body)
reply = s.recv(65536)
fam = grp = None
def attrs(b, o, end):
    while o + 4 <= end:
        l, t = struct.unpack_from('=HH', b, o)
        if l < 4: break
        yield t, o + 4, o + l
        o += (l + 3) & ~3
for t, a, e in attrs(reply, 20, len(reply)):
    if t == 1: fam = struct.unpack_from('=H', reply, a)[0]
    if t == 7:
        for _, ga, ge in attrs(reply, a, e):
            gname = gid = None
            for gt, x, y in attrs(reply, ga, ge):
                if gt == 1: gname = reply[x:y].rstrip(b'\0')
                if gt == 2: gid = struct.unpack_from('=I', reply, x)[0]
            if gname == b'ioam6_events': grp = gid
s.setsockopt(270, 1, grp)
print(json.dumps({'family': fam, 'group': grp}), flush=True)
end = time.monotonic() + float(sys.argv[1])
while True:
    left = end - time.monotonic()
    if left <= 0: break
    s.settimeout(left)
    try:
        d, addr = s.recvfrom(65536)
    except socket.timeout:
        break
    print(json.dumps({'hex': d.hex(), 'pid': addr[0], 'groups': addr[1]}), flush=True)
`;

interface Case {
  readonly name: string;
  readonly type: number;
  readonly size: number;
  readonly ns?: number;
  readonly flags?: number;
}

const CASES: readonly Case[] = [
  { name: 'bit 0 alone', type: 0x800000, size: 8 },
  { name: 'bits 0-3', type: 0xf00000, size: 32 },
  { name: 'every supported bit with a snapshot', type: 0xfff002, size: 120 },
  { name: 'wide fields only, room for two hops', type: 0x00e000, size: 64 },
  { name: 'too small: Overflow, no data', type: 0xf00000, size: 8 },
  { name: 'Overflow already set', type: 0x800000, size: 8, flags: 0x8 },
  { name: 'unknown namespace: no event', type: 0x800000, size: 8, ns: 999 },
];

function hbhFor(c: Case): Uint8Array {
  const optLen = 2 + 8 + c.size;
  const out = new Uint8Array(2 + 2 + 2 + optLen);
  out[1] = out.length / 8 - 1;
  out[2] = 1; // PadN
  out[4] = 0x31;
  out[5] = optLen;
  const ns = c.ns ?? 123;
  out[8] = ns >> 8;
  out[9] = ns & 0xff;
  const flags = c.flags ?? 0;
  out[10] = (traceNodeLen(c.type) << 3) | (flags >> 1);
  out[11] = ((flags & 1) << 7) | (c.size / 4);
  out[12] = (c.type >> 16) & 0xff;
  out[13] = (c.type >> 8) & 0xff;
  out[14] = c.type & 0xff;
  if (out.length % 8 !== 0) throw new Error(`case ${c.name}: size must make the header a multiple of 8`);
  return out;
}

/** The trace as ipv6_hop_ioam hands it to ioam6_event: after the 4-octet ioam6_hdr, Opt Data Len - 2 octets. */
function traceOf(hbh: Uint8Array): Uint8Array {
  return hbh.subarray(8, 8 + (hbh[5] ?? 0) - 2);
}

const skip = skipUnlessNetns() || (existsSync(SCAPY_PYTHON) ? false : `${SCAPY_PYTHON} is missing`);
let topo: Topology | undefined;
let received = new Map<string, string>();
let kernelFamily = 0;
let kernelGroup = 0;
let events: { hex: string; pid: number; groups: number }[] = [];

before(async () => {
  if (skip !== false) return;
  const t = new Topology('iev');
  topo = t;
  for (const n of ['a', 'b', 'c']) t.addNamespace(n);
  t.link('a', 'veth0', 'b', 'veth0');
  t.link('b', 'veth1', 'c', 'veth0');
  t.inNs('a', 'ip', 'addr', 'add', '2001:db8:1::2/64', 'dev', 'veth0', 'nodad');
  t.inNs('b', 'ip', 'addr', 'add', '2001:db8:1::1/64', 'dev', 'veth0', 'nodad');
  t.inNs('b', 'ip', 'addr', 'add', '2001:db8:2::1/64', 'dev', 'veth1', 'nodad');
  t.inNs('c', 'ip', 'addr', 'add', '2001:db8:2::2/64', 'dev', 'veth0', 'nodad');
  t.inNs('a', 'ip', 'route', 'add', '2001:db8:2::/64', 'via', '2001:db8:1::1');
  t.inNs('c', 'ip', 'route', 'add', '2001:db8:1::/64', 'via', '2001:db8:2::1');
  t.sysctl('b', 'net.ipv6.conf.all.forwarding=1', 'net.ipv6.ioam6_id=48879', 'net.ipv6.ioam6_id_wide=54210108624275');
  t.sysctl('b', 'net.ipv6.conf.veth0.ioam6_enabled=1', 'net.ipv6.conf.veth0.ioam6_id=11', 'net.ipv6.conf.veth1.ioam6_id=22');
  t.inNs('b', 'ip', 'ioam', 'namespace', 'add', '123', 'data', '0xdeadbeef', 'wide', '0xcafec0caf00dc0de');
  t.inNs('b', 'ip', 'ioam', 'schema', 'add', '777', 'tiny');
  t.inNs('b', 'ip', 'ioam', 'namespace', 'set', '123', 'schema', '777');

  const listener = t.spawnInNs('b', SCAPY_PYTHON, '-c', LISTENER, '6');
  const heard = collect(listener);
  // Ready when it printed the family and group (or gone, when it failed: the tests then fail).
  await new Promise<void>((resolve) => {
    listener.stdout?.once('data', () => resolve());
    listener.once('close', () => resolve());
  });
  const sink = t.spawnInNs('c', SCAPY_PYTHON, UDP_HBH, 'recv', '5000', '6');
  const done = collect(sink);
  await new Promise<void>((resolve) => sink.stdout?.once('data', () => resolve()));
  const items = CASES.map((c, i) => `${toHex(hbhFor(c))}:${toHex(new TextEncoder().encode(`case${i}`))}`);
  t.inNs('a', SCAPY_PYTHON, UDP_HBH, 'send', '2001:db8:2::2', '5000', ...items);
  const out = await done;
  received = new Map(
    out.stdout
      .split('\n')
      .filter((l) => l.startsWith('{'))
      .map((l) => JSON.parse(l) as { payload: string; hbh: string })
      .map((r) => [Buffer.from(r.payload, 'hex').toString(), r.hbh] as const)
      .filter(([payload]) => payload.startsWith('case')),
  );
  // The events are queued on beta's socket by now; stop the listener instead of waiting.
  listener.kill('SIGTERM');
  const lines = (await heard).stdout.split('\n').filter((l) => l.startsWith('{'));
  const head = JSON.parse(lines[0] ?? '{}') as { family?: number; group?: number };
  kernelFamily = head.family ?? 0;
  kernelGroup = head.group ?? 0;
  events = lines.slice(1).map((l) => JSON.parse(l) as { hex: string; pid: number; groups: number });
});

after(() => topo?.destroy());

test('the kernel sends one event per filled or overflowing trace of a known namespace, from port 0 to the group', { skip }, () => {
  assert.ok(kernelFamily >= 0x10, `IOAM6 family id ${kernelFamily}`);
  assert.ok(kernelGroup > 0);
  // Every case but the unknown namespace reached gamma and produced one event, in order.
  assert.equal(received.size, CASES.length);
  assert.equal(events.length, CASES.length - 1);
  for (const e of events) {
    assert.equal(e.pid, 0, 'sent by the kernel');
    const d = fromHex(e.hex);
    assert.equal(u16le(d, 4), kernelFamily);
    assert.equal(u16le(d, 6), 0, 'nlmsg_flags');
    assert.equal(u32le(d, 8), 0, 'nlmsg_seq');
    assert.equal(u32le(d, 12), 0, 'nlmsg_pid');
  }
  // IOAM6_EVENT_ATTR_TRACE_TYPE is the whole 32-bit word: the type above the Reserved octet.
  const third = fromHex(events[2]?.hex ?? '');
  assert.equal(toHex(third.subarray(36, 44)), '0800030000' + '02f0ff', 'type 0xfff002 is sent as 0xfff00200');
});

test('our builder produces the kernel notification byte for byte from the trace beta filled', { skip }, () => {
  const k = new Kernel();
  const fam = k.ioam6.family;
  let e = 0;
  CASES.forEach((c, i) => {
    if (c.ns !== undefined) return;
    const hbh = fromHex(received.get(`case${i}`) ?? '');
    const kernelBytes = fromHex(events[e++]?.hex ?? '');
    const ours = ioam6TraceEventMessage(fam, traceOf(hbh));
    assert.ok(ours !== undefined, c.name);
    const mine = ours.b.toBytes();
    // The family id is whatever each bus allocated: compare with ours in its place.
    const theirs = kernelBytes.slice();
    setU16le(theirs, 4, fam.id);
    assert.equal(toHex(mine), toHex(theirs), c.name);
  });
});

test('our event reaches a listener of that namespace only, and costs nothing without one', () => {
  const k = new Kernel();
  const fam = k.ioam6.family;
  const ra = k.world.createNet('a');
  const rb = k.world.createNet('b');
  assert.ok(ra.ok && rb.ok);
  const a = ra.value;
  const b = rb.value;
  const root = rootCredentials(k.world.initUserNs);
  const trace = traceOf(hbhFor(CASES[0] as Case));
  assert.equal(ioam6SendTraceEvent(fam, a, trace), 1, 'nobody listens: nothing built');
  const sa = NetlinkSocket.open(k.netlink, a, NETLINK_GENERIC, root);
  const sb = NetlinkSocket.open(k.netlink, b, NETLINK_GENERIC, root);
  assert.ok(typeof sa !== 'number' && typeof sb !== 'number');
  assert.equal(sa.bind(), 0);
  assert.equal(sb.bind(), 0);
  assert.equal(sa.setsockopt(SOL_NETLINK, NETLINK_ADD_MEMBERSHIP, fam.mcgrpOffset + IOAM6_GENL_EV_GRP_OFFSET), 0);
  assert.equal(ioam6SendTraceEvent(fam, a, trace), 0);
  assert.equal(ioam6SendTraceEvent(fam, b, trace), 1);
  const got = sa.recvmsg();
  assert.ok(got instanceof Uint8Array);
  assert.equal(toHex(got), toHex(ioam6TraceEventMessage(fam, trace)?.b.toBytes() ?? new Uint8Array(0)));
  assert.equal(typeof sb.recvmsg(), 'number');
});
