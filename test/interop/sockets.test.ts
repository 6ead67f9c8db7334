/**
 * IPv6 UDP and ICMPv6 echo sockets against the kernel: the same calls are made with Python
 * sockets inside a namespace pair (A -veth- B) and with v6stack's socket API in the same
 * topology, and the answers (errno names, option values) and the bytes on the wire must be
 * the same. Linux gives packets it originates an automatic flow label (a hash with a per-boot
 * key), so flow labels are masked when comparing bytes.
 */

import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { Kernel } from '../../src/kernel.ts';
import { registerV6stackFamily } from '../../src/daemon/family.ts';
import { kernelOpener } from '../../src/daemon/opener.ts';
import { runIpWith } from '../../src/cli/ip.ts';
import { memoryIo } from '../../src/cli/output.ts';
import { rootCredentials } from '../../src/net/credentials.ts';
import type { NetDevice } from '../../src/net/netdevice.ts';
import { IPPROTO_ICMPV6, IPPROTO_UDP } from '../../src/uapi/in6.ts';
import { AF_INET6, SOCK_DGRAM } from '../../src/uapi/socket.ts';
import { parseIpv6Address } from '../../src/wire/address.ts';
import { toHex } from '../../src/wire/bytes.ts';
import type { Ipv6Socket, Ipv6Sockets } from '../../src/ipv6/socket.ts';
import { SCAPY_PYTHON } from '../support/tools.ts';
import { Topology, collect, skipUnlessNetns } from './netns.ts';

const SETUP = ['-n A addr add 2001:db8::1/64 dev a0 nodad', '-n B addr add 2001:db8::2/64 dev b0 nodad'];

/** The IPv6 options compared (optname), with the values and raw lengths tried on each. */
const IPV6_OPTS = [2, 11, 16, 17, 18, 19, 23, 24, 25, 26, 29, 31, 33, 49, 50, 51, 52, 53, 54, 59, 61, 62, 66, 67, 70, 72, 73, 76, 77, 78];
const SOCKET_OPTS = [1, 2, 3, 4, 5, 6, 9, 10, 11, 12, 15, 30, 32, 33, 36, 38, 39, 40];
const VALUES = [-1, 0, 1, 255, 256];
const LENGTHS = [0, 1, 3, 8];

/**
 * For each (level, option): the fresh socket's getsockopt(4), then for each value and length a
 * fresh socket's setsockopt result and getsockopt(4) after it. Errors are errno names, values hex.
 */
const OPTION_SCRIPT = `
import socket, struct, errno, json, sys
proto = int(sys.argv[1]); levels = json.loads(sys.argv[2]); values = json.loads(sys.argv[3]); lengths = json.loads(sys.argv[4])
def mk(): return socket.socket(socket.AF_INET6, socket.SOCK_DGRAM, proto)
def get(s, l, o):
    try: return s.getsockopt(l, o, 4).hex()
    except OSError as e: return errno.errorcode[e.errno]
def put(s, l, o, b):
    try: s.setsockopt(l, o, b); return 'ok'
    except OSError as e: return errno.errorcode[e.errno]
out = []
for l, opts in levels:
    for o in opts:
        s = mk(); out.append(['get', l, o, get(s, l, o)]); s.close()
        for v in values:
            s = mk(); r = put(s, l, o, struct.pack('<i', v)); out.append(['set', l, o, v, r, get(s, l, o)]); s.close()
        for n in lengths:
            s = mk(); r = put(s, l, o, b'\\x01' * n); out.append(['len', l, o, n, r, get(s, l, o)]); s.close()
print(json.dumps(out))
`;

/** The same walk over our sockets. */
function optionWalk(s: Ipv6Sockets, protocol: number, levels: Array<[number, number[]]>): unknown[] {
  const cred = rootCredentials(s.net.userNs);
  const mk = (): Ipv6Socket => {
    const r = s.socket(AF_INET6, SOCK_DGRAM, protocol, cred);
    assert.ok(r.ok);
    return r.value;
  };
  const get = (sk: Ipv6Socket, l: number, o: number): string => {
    const r = sk.getsockopt(l, o, 4);
    return r.ok ? toHex(r.value) : r.error.name;
  };
  const put = (sk: Ipv6Socket, l: number, o: number, b: Uint8Array): string => {
    const r = sk.setsockopt(l, o, b);
    return r.ok ? 'ok' : r.error.name;
  };
  const out: unknown[] = [];
  for (const [l, opts] of levels) {
    for (const o of opts) {
      let sk = mk();
      out.push(['get', l, o, get(sk, l, o)]);
      sk.close();
      for (const v of VALUES) {
        sk = mk();
        const b = new Uint8Array(4);
        new DataView(b.buffer).setInt32(0, v, true);
        const r = put(sk, l, o, b);
        out.push(['set', l, o, v, r, get(sk, l, o)]);
        sk.close();
      }
      for (const n of LENGTHS) {
        sk = mk();
        const r = put(sk, l, o, new Uint8Array(n).fill(1));
        out.push(['len', l, o, n, r, get(sk, l, o)]);
        sk.close();
      }
    }
  }
  return out;
}

/** Calls whose errno matters, in order; each line is one result. */
const CALLS_SCRIPT = `
import socket, errno, json, time
def e(f):
    try: f(); return 'ok'
    except OSError as x: return errno.errorcode[x.errno]
def mk(): return socket.socket(socket.AF_INET6, socket.SOCK_DGRAM)
out = []
s = mk(); out.append(e(lambda: s.bind(('2001:db8::2', 7000))))
s = mk(); out.append(e(lambda: s.bind(('fe80::1', 7000))))
s1 = mk(); out.append(e(lambda: s1.bind(('::', 7001))))
s2 = mk(); out.append(e(lambda: s2.bind(('2001:db8::1', 7001))))
out.append(e(lambda: s1.bind(('::', 7002))))
s = mk(); out.append(e(lambda: s.sendto(b'x', ('2001:db8:99::1', 9))))
s = mk(); out.append(e(lambda: s.connect(('2001:db8:99::1', 9))))
s = mk(); out.append(e(lambda: s.sendto(b'x', ('2001:db8::2', 0))))
s = mk(); out.append(e(lambda: s.send(b'x')))
c = mk(); c.setblocking(False); out.append(e(lambda: c.connect(('2001:db8::2', 9))))
for i in range(3):
    out.append(e(lambda: c.send(b'x'))); time.sleep(0.2)
out.append(e(lambda: c.recv(100)))
out.append(e(lambda: c.recv(100)))
print(json.dumps(out))
`;

function ourCalls(s: Ipv6Sockets, deliver: () => void): string[] {
  const cred = rootCredentials(s.net.userNs);
  const mk = (): Ipv6Socket => {
    const r = s.socket(AF_INET6, SOCK_DGRAM, 0, cred);
    assert.ok(r.ok);
    return r.value;
  };
  const e = (r: { ok: boolean; error?: { name: string } }): string => (r.ok ? 'ok' : (r.error?.name ?? '?'));
  const a = (t: string): Uint8Array => parseIpv6Address(t) ?? new Uint8Array(16);
  const out: string[] = [];
  out.push(e(mk().bind({ addr: a('2001:db8::2'), port: 7000 })));
  out.push(e(mk().bind({ addr: a('fe80::1'), port: 7000 })));
  const s1 = mk();
  out.push(e(s1.bind({ addr: a('::'), port: 7001 })));
  out.push(e(mk().bind({ addr: a('2001:db8::1'), port: 7001 })));
  out.push(e(s1.bind({ addr: a('::'), port: 7002 })));
  out.push(e(mk().sendto(new Uint8Array(1), { addr: a('2001:db8:99::1'), port: 9 })));
  out.push(e(mk().connect({ addr: a('2001:db8:99::1'), port: 9 })));
  out.push(e(mk().sendto(new Uint8Array(1), { addr: a('2001:db8::2'), port: 0 })));
  out.push(e(mk().sendto(new Uint8Array(1))));
  const c = mk();
  out.push(e(c.connect({ addr: a('2001:db8::2'), port: 9 })));
  for (let i = 0; i < 3; i++) {
    out.push(e(c.sendto(new Uint8Array([120]))));
    deliver();
  }
  out.push(e(c.recvfrom()));
  out.push(e(c.recvfrom()));
  return out;
}

/** Captures IPv6 packets arriving on IFNAME for SECONDS, printing those of next header 17 or 58/128. */
const CAPTURE_SCRIPT = `
import socket, sys, time
s = socket.socket(socket.AF_PACKET, socket.SOCK_DGRAM, socket.htons(0x86dd))
s.bind((sys.argv[1], 0))
print('ready', flush=True)
end = time.monotonic() + float(sys.argv[2])
while time.monotonic() < end:
    s.settimeout(max(end - time.monotonic(), 0.01))
    try: data, addr = s.recvfrom(65535)
    except socket.timeout: break
    if addr[2] == socket.PACKET_OUTGOING: continue
    if data[6] == 17 or (data[6] == 58 and data[40] == 128): print(data.hex(), flush=True)
`;

/**
 * Sends one UDP datagram and one echo request with chosen hop limit and traffic class. A veth
 * offloads checksums (the packet would carry only the pseudo-header sum), so transmit
 * checksumming is switched off first (ETHTOOL_STXCSUM through SIOCETHTOOL, as ethtool -K a0 tx
 * off does).
 */
const SEND_SCRIPT = `
import socket, fcntl, struct, array
ctl = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
ev = array.array('I', [0x17, 0])
fcntl.ioctl(ctl.fileno(), 0x8946, struct.pack('16sP', b'a0', ev.buffer_info()[0]))
u = socket.socket(socket.AF_INET6, socket.SOCK_DGRAM)
u.bind(('2001:db8::1', 40000))
u.setsockopt(41, 16, 9); u.setsockopt(41, 67, 0x28)
u.sendto(b'hello', ('2001:db8::2', 5000))
u.sendmsg([b'again'], [(41, 52, (200).to_bytes(4, 'little')), (41, 67, (4).to_bytes(4, 'little'))], 0, ('2001:db8::2', 5000))
p = socket.socket(socket.AF_INET6, socket.SOCK_DGRAM, 58)
p.bind(('::', 4242))
p.sendto(b'\\x80\\x00\\x00\\x00\\x00\\x00\\x00\\x01ping', ('2001:db8::2', 0))
`;

function ourSends(s: Ipv6Sockets): void {
  const cred = rootCredentials(s.net.userNs);
  const a = (t: string): Uint8Array => parseIpv6Address(t) ?? new Uint8Array(16);
  const int = (v: number): Uint8Array => new Uint8Array([v & 0xff, (v >> 8) & 0xff, 0, 0]);
  const u = s.socket(AF_INET6, SOCK_DGRAM, IPPROTO_UDP, cred);
  assert.ok(u.ok);
  assert.ok(u.value.bind({ addr: a('2001:db8::1'), port: 40000 }).ok);
  assert.ok(u.value.setsockopt(41, 16, int(9)).ok);
  assert.ok(u.value.setsockopt(41, 67, int(0x28)).ok);
  const enc = new TextEncoder();
  assert.ok(u.value.sendto(enc.encode('hello'), { addr: a('2001:db8::2'), port: 5000 }).ok);
  assert.ok(u.value.sendto(enc.encode('again'), { addr: a('2001:db8::2'), port: 5000 }, { hopLimit: 200, tclass: 4 }).ok);
  const p = s.socket(AF_INET6, SOCK_DGRAM, IPPROTO_ICMPV6, cred);
  assert.ok(p.ok);
  assert.ok(p.value.bind({ addr: a('::'), port: 4242 }).ok);
  const m = new Uint8Array([0x80, 0, 0, 0, 0, 0, 0, 1, ...enc.encode('ping')]);
  assert.ok(p.value.sendto(m, { addr: a('2001:db8::2'), port: 0 }).ok);
}

/** Hex of a packet with its flow label cleared. */
function masked(p: Uint8Array): string {
  const c = p.slice();
  c[1] = (c[1] ?? 0) & 0xf0;
  c[2] = 0;
  c[3] = 0;
  return toHex(c);
}

function waitReady(child: ChildProcess): Promise<void> {
  return new Promise((resolve, reject) => {
    let seen = '';
    const onData = (d: Buffer): void => {
      seen += d.toString();
      if (seen.includes('ready')) {
        child.stdout?.off('data', onData);
        resolve();
      }
    };
    child.stdout?.on('data', onData);
    child.on('exit', () => reject(new Error(`capture exited early: ${seen}`)));
  });
}

async function ours(): Promise<{ k: Kernel; sa: Ipv6Sockets; atB: Uint8Array[]; a0: NetDevice }> {
  const k = new Kernel({ seed: 4 });
  assert.ok(typeof registerV6stackFamily(k.world, k.genl) !== 'number');
  const opener = kernelOpener(k);
  for (const line of ['netns add A', 'netns add B', '-n A link add a0 type veth peer name b0 netns B', '-n A link set lo up', '-n B link set lo up', '-n A link set a0 up', '-n B link set b0 up', ...SETUP]) {
    const io = memoryIo();
    assert.equal(await runIpWith(line.split(' '), io, opener), 0, `${line}: ${io.err.text}`);
  }
  const a = k.world.byName('A');
  const b = k.world.byName('B');
  assert.ok(a !== undefined && b !== undefined && k.sockets !== undefined);
  const b0 = k.netdev.table(b).getByName('b0');
  const a0 = k.netdev.table(a).getByName('a0');
  assert.ok(b0 !== undefined && a0 !== undefined && b0.receive !== null);
  const rx = b0.receive;
  const atB: Uint8Array[] = [];
  b0.receive = (d, pkb) => {
    atB.push(pkb.bytes().slice());
    rx(d, pkb);
  };
  const sa = k.sockets.get(a);
  sa.pingGroupRange = [0, 0];
  // The host's net.core.rmem_max / wmem_max bound SO_RCVBUF / SO_SNDBUF in every namespace.
  sa.rmemMax = Number(readFileSync('/proc/sys/net/core/rmem_max', 'utf8').trim());
  sa.wmemMax = Number(readFileSync('/proc/sys/net/core/wmem_max', 'utf8').trim());
  return { k, sa, atB, a0 };
}

function kernelTopology(): Topology {
  const t = new Topology('sk');
  t.addNamespace('A');
  t.addNamespace('B');
  t.link('A', 'a0', 'B', 'b0');
  t.inNs('A', 'ip', 'addr', 'add', '2001:db8::1/64', 'dev', 'a0', 'nodad');
  t.inNs('B', 'ip', 'addr', 'add', '2001:db8::2/64', 'dev', 'b0', 'nodad');
  t.sysctl('A', 'net.ipv4.ping_group_range=0 0');
  return t;
}

function diff(kernel: unknown[], mine: unknown[]): string[] {
  const out: string[] = [];
  for (let i = 0; i < Math.max(kernel.length, mine.length); i++) {
    const k = JSON.stringify(kernel[i]);
    const m = JSON.stringify(mine[i]);
    if (k !== m) out.push(`kernel ${k} / v6stack ${m}`);
  }
  return out;
}

test('setsockopt and getsockopt answer as Linux does, UDP and ping', { skip: skipUnlessNetns() }, async () => {
  const t = kernelTopology();
  try {
    const { sa } = await ours();
    for (const proto of [IPPROTO_UDP, IPPROTO_ICMPV6]) {
      const levels: Array<[number, number[]]> = [
        [41, IPV6_OPTS],
        [1, SOCKET_OPTS],
        [17, [101, 102]],
      ];
      const out = t.inNs('A', SCAPY_PYTHON, '-c', OPTION_SCRIPT, String(proto), JSON.stringify(levels), JSON.stringify(VALUES), JSON.stringify(LENGTHS));
      const kernel = JSON.parse(out) as unknown[];
      const mine = optionWalk(sa, proto, levels);
      assert.deepEqual(diff(kernel, mine), [], `protocol ${proto}`);
    }
  } finally {
    t.destroy();
  }
});

test('bind, connect and send errors, and ECONNREFUSED after Port Unreachable, as Linux', { skip: skipUnlessNetns() }, async () => {
  const t = kernelTopology();
  try {
    const kernel = JSON.parse(t.inNs('A', SCAPY_PYTHON, '-c', CALLS_SCRIPT)) as string[];
    const { sa } = await ours();
    // Our stack answers synchronously: nothing to wait for between the sends.
    const mine = ourCalls(sa, () => undefined);
    assert.deepEqual(mine, kernel);
  } finally {
    t.destroy();
  }
});

test('a UDP datagram and an echo request carry the kernel\'s bytes (flow label masked)', { skip: skipUnlessNetns() }, async () => {
  const t = kernelTopology();
  try {
    const cap = t.spawnInNs('B', SCAPY_PYTHON, '-c', CAPTURE_SCRIPT, 'b0', '2');
    const done = collect(cap);
    await waitReady(cap);
    t.inNs('A', SCAPY_PYTHON, '-c', SEND_SCRIPT);
    const got = await done;
    const kernel = got.stdout
      .split('\n')
      .map((l) => l.trim())
      .filter((l) => /^[0-9a-f]+$/.test(l));
    assert.equal(kernel.length, 3, `captured: ${got.stdout} ${got.stderr}`);
    const { k, atB } = await ours();
    const a = k.world.byName('A');
    assert.ok(a !== undefined && k.sockets !== undefined);
    ourSends(k.sockets.get(a));
    const mine = atB.filter((p) => p[6] === 17 || (p[6] === 58 && p[40] === 128)).map(masked);
    assert.deepEqual(
      mine,
      kernel.map((h) => masked(Uint8Array.from(h.match(/../g) ?? [], (x) => parseInt(x, 16)))),
    );
  } finally {
    t.destroy();
  }
});
