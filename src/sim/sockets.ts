/**
 * The traffic generators' stack on the kernel's IPv6 sockets, as an application would use them
 * (src/ipv6/socket.ts, udp.ts, ping.ts), with root's credentials:
 *
 * - a UDP flow's sender is `socket(AF_INET6, SOCK_DGRAM, IPPROTO_UDP)`, IPV6_UNICAST_HOPS and
 *   IPV6_TCLASS when the flow sets them, IPV6_FLOWINFO_SEND and `connect` with the flow label
 *   in sin6_flowinfo when it has one, then `send` per datagram;
 * - its receiver binds the flow's port on the receiving node (in6addr_any) and reads every
 *   datagram when the socket becomes readable;
 * - a ping is an ICMPv6 datagram socket (`socket(AF_INET6, SOCK_DGRAM, IPPROTO_ICMPV6)`)
 *   connected to the destination; each send is an Echo Request whose identifier and checksum
 *   the socket fills, each reply is read from it. Creating one needs root's group in
 *   ping_group_range; a node whose range leaves it out gets "0 2147483647" first, as systemd's
 *   sysctl defaults set on most distributions (ping then works without raw sockets).
 *
 * A send that fails returns the errno negated (counted per flow: EMSGSIZE, ENETUNREACH, ...);
 * a pending socket error (an ICMPv6 error for an earlier datagram) is read and counted too.
 */

import type { Kernel } from '../kernel.ts';
import { rootCredentials } from '../net/credentials.ts';
import type { Net } from '../net/net.ts';
import type { Ipv6Socket } from '../ipv6/socket.ts';
import { EAGAIN } from '../uapi/errno.ts';
import { ICMPV6_ECHO_REQUEST } from '../uapi/icmpv6.ts';
import { IPPROTO_ICMPV6, IPPROTO_UDP, IPV6_FLOWINFO_SEND, IPV6_TCLASS, IPV6_UNICAST_HOPS, SOL_IPV6 } from '../uapi/in6.ts';
import { AF_INET6, SOCK_DGRAM } from '../uapi/socket.ts';
import { setU16 } from '../wire/bytes.ts';
import type { Result } from '../wire/result.ts';
import type { Closable, DatagramHandler, DatagramSender, SendOptions, TrafficStack } from './traffic.ts';

const ICMPV6_HEADER_LEN = 8;
const IN6ADDR_ANY = new Uint8Array(16);
/** systemd's default net.ipv4.ping_group_range (sysctl.d/50-default.conf). */
const PING_GROUPS_ALL: readonly [number, number] = [0, 2147483647];

function int32(v: number): Uint8Array {
  const b = new Uint8Array(4);
  new DataView(b.buffer).setInt32(0, v, true);
  return b;
}

function failed(what: string, e: { readonly name: string }): { ok: false; error: string } {
  return { ok: false, error: `${what}: ${e.name}` };
}

/** Reads every queued datagram of `s` into `onData` (offset `skip` into each). */
function drain(s: Ipv6Socket, skip: number, onData: DatagramHandler): void {
  for (;;) {
    const r = s.recvfrom();
    if (!r.ok) {
      if (r.error.errno === EAGAIN) return;
      continue; // a pending socket error is reported once; keep reading
    }
    const d = r.value.data;
    if (d.length >= skip) onData(d, skip, d.length - skip);
  }
}

export function socketTrafficStack(kernel: Kernel): TrafficStack {
  const reg = kernel.sockets;
  const cred = rootCredentials(kernel.world.initUserNs);

  const open = (net: Net, protocol: number): Result<Ipv6Socket, string> => {
    if (reg === undefined) return { ok: false, error: 'the kernel has no IPv6 sockets' };
    const s = reg.get(net).socket(AF_INET6, SOCK_DGRAM, protocol, cred);
    return s.ok ? s : failed(`socket() on ${net.name}`, s.error);
  };

  const options = (s: Ipv6Socket, opts: SendOptions): Result<void, string> => {
    const set = (name: number, value: number, what: string): Result<void, string> => {
      const r = s.setsockopt(SOL_IPV6, name, int32(value));
      return r.ok ? r : failed(`setsockopt(${what})`, r.error);
    };
    if (opts.hopLimit !== undefined) {
      const r = set(IPV6_UNICAST_HOPS, opts.hopLimit, 'IPV6_UNICAST_HOPS');
      if (!r.ok) return r;
    }
    if (opts.trafficClass !== undefined) {
      const r = set(IPV6_TCLASS, opts.trafficClass, 'IPV6_TCLASS');
      if (!r.ok) return r;
    }
    if (opts.flowLabel !== undefined) return set(IPV6_FLOWINFO_SEND, 1, 'IPV6_FLOWINFO_SEND');
    return { ok: true, value: undefined };
  };

  const sendWith = (s: Ipv6Socket) => (payload: Uint8Array): number => {
    const r = s.sendto(payload);
    return r.ok ? 0 : -r.error.errno;
  };

  return {
    udpSender(net, dst, port, opts): Result<DatagramSender, string> {
      const s = open(net, IPPROTO_UDP);
      if (!s.ok) return s;
      const sk = s.value;
      const o = options(sk, opts);
      if (!o.ok) return o;
      const c = sk.connect({ addr: dst, port, flowinfo: opts.flowLabel ?? 0 });
      if (!c.ok) return failed(`connect() on ${net.name}`, c.error);
      return { ok: true, value: { send: sendWith(sk), close: () => sk.close() } };
    },

    udpReceiver(net, port, onDatagram): Result<Closable, string> {
      const s = open(net, IPPROTO_UDP);
      if (!s.ok) return s;
      const sk = s.value;
      const b = sk.bind({ addr: IN6ADDR_ANY, port });
      if (!b.ok) return failed(`bind() to port ${port} on ${net.name}`, b.error);
      sk.onreadable = (x) => drain(x, 0, onDatagram);
      return { ok: true, value: { close: () => sk.close() } };
    },

    pinger(net, dst, opts, onReply): Result<DatagramSender, string> {
      const table = reg?.get(net);
      if (table !== undefined) {
        const [low, high] = table.pingGroupRange;
        if (!(low <= cred.gid && cred.gid <= high)) table.pingGroupRange = PING_GROUPS_ALL;
      }
      const s = open(net, IPPROTO_ICMPV6);
      if (!s.ok) return s;
      const sk = s.value;
      const o = options(sk, opts);
      if (!o.ok) return o;
      const c = sk.connect({ addr: dst, port: 0 });
      if (!c.ok) return failed(`connect() on ${net.name}`, c.error);
      sk.onreadable = (x) => drain(x, ICMPV6_HEADER_LEN, onReply);
      let seq = 0;
      let buf = new Uint8Array(0);
      return {
        ok: true,
        value: {
          send: (payload) => {
            if (buf.length !== ICMPV6_HEADER_LEN + payload.length) buf = new Uint8Array(ICMPV6_HEADER_LEN + payload.length);
            buf[0] = ICMPV6_ECHO_REQUEST;
            buf[1] = 0;
            setU16(buf, 6, seq++ & 0xffff);
            buf.set(payload, ICMPV6_HEADER_LEN);
            return sendWith(sk)(buf);
          },
          close: () => sk.close(),
        },
      };
    },
  };
}
