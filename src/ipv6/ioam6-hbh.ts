/**
 * The IOAM Hop-by-Hop option on receive, after Linux 6.18: net/ipv6/exthdrs.c ipv6_hop_ioam
 * (option type 0x31, RFC 9486) and net/ipv6/ioam6.c ioam6_fill_trace_data /
 * __ioam6_fill_trace_data (the Pre-allocated Trace, RFC 9197 §4.4).
 *
 * ipv6_hop_ioam, in order (`optoff` is the option's offset from the IPv6 header):
 * 1. the option must start 4n from the IPv6 header, else drop (IP_INHDR), whatever the
 *    ingress device's settings;
 * 2. the ingress device (skb->dev) without IPv6 state drops (IPV6DISABLED); with
 *    `ioam6_enabled` 0 the option is skipped;
 * 3. Opt Data Len < 2 drops; an IOAM Option-Type other than Pre-allocated Trace is skipped;
 * 4. Opt Data Len < 2 + 8 (the trace header), or < 2 + 8 + RemainingLen * 4, drops;
 * 5. NodeLen other than the one the trace type implies drops (the 2026 fix, CVE-2026-43186:
 *    one unit per short field incl. the undefined bits 12-21, two per wide field);
 * 6. a Namespace-ID this namespace does not know leaves the option untouched;
 * 7. otherwise the packet is routed (ip6_route_input, so the egress device is known), this
 *    node's entry is filled, and the trace goes to the IOAM event hook (ioam6_event
 *    IOAM6_EVENT_TRACE, called unconditionally after the fill since 6.9, with the trace
 *    header and everything after it: Opt Data Len - 2 octets).
 * Every drop is counted once in Ip6InHdrErrors by ip6_rcv_core (input.ts). Linux has no
 * IOAM6_TRACE_DATA_SIZE_MAX check on this path (that limit is for routes, ioam6_iptunnel.c):
 * the one-octet Opt Data Len bounds the trace, and the TLV walk keeps the option in its header.
 *
 * ioam6_fill_trace_data: a trace with Overflow set is skipped; the entry needs NodeLen words
 * plus, with bit 22, one for the Opaque State Snapshot header and the schema's data words; when
 * RemainingLen is 0 or smaller than that, Overflow is set and nothing written. Otherwise the
 * entry goes right below the free space's end, `data + RemainingLen*4 - NodeLen*4 - sclen*4`,
 * and RemainingLen goes down by NodeLen + sclen. The fields, as the kernel fills them:
 * - bit 0 / bit 8: hop limit, minus one when `isInput` (always on this path, delivered or
 *   forwarded: the IPv6 header is not yet decremented), with net.ipv6.ioam6_id (24 bits) /
 *   ioam6_id_wide (56 bits) of the namespace;
 * - bit 1 / bit 9: net.ipv6.conf.<dev>.ioam6_id (16 bits) / ioam6_id_wide (32 bits) of the
 *   ingress device (skb->dev; 'unavailable' without one) and of the egress device (the
 *   route's: skb_dst(skb)->dev), 'unavailable' when that is the loopback, as it is for a
 *   packet delivered locally (a local route's dst device is `lo`), a reject route, or no route
 *   (ip6_null_entry);
 * - bits 2 and 3: the receive time in seconds and microseconds (skb->tstamp, see below);
 *   'unavailable' without an ingress device;
 * - bit 5 / bit 10: the namespace's data / wide data (U32_MAX / U64_MAX when not configured);
 * - bit 6: queue depth, the egress qdisc's backlog in bytes (here `dev.txq.bytes`, the one FIFO
 *   per device; a veth or dummy has none in use, as Linux's noqueue reports 0); 'unavailable'
 *   for a loopback egress;
 * - bits 4 (transit delay), 7 (checksum complement), 11 (buffer occupancy) and the undefined
 *   bits 12-21: 0xffffffff each;
 * - bit 22: the schema's header word (id | words << 24) and data, or 0x00ffffff without one.
 *
 * Time. Linux reads skb->tstamp (CLOCK_REALTIME at receive) or, when it is 0, the current
 * real time. Our `pkb.tstampNs` is the receive instant on the namespace's monotonic clock; its
 * real time is `clock.realtime()` now, less the time elapsed since (`nowNs() - tstampNs`).
 * A tstampNs of 0 means "not stamped" here too: the current real time is used.
 *
 * Multicast destinations: our FIB has no ff00::/8 routes; Linux finds the one addrconf put on
 * the ingress device, so with no route a multicast destination takes the ingress device as its
 * egress.
 *
 * Beyond Linux: net.ipv6.ioam6_linux_compat 0 (v6stack's own sysctl; 1, the default, is all of
 * the above and nothing else, so traces compare byte for byte with the kernel's).
 * - The entry is written when the packet leaves, not when it arrives. On receive the handler
 *   makes the same checks and reserves the entry as above (RemainingLen lowered, or Overflow
 *   set), stamps an unstamped packet with the receive time, and leaves on the PacketBuffer where
 *   the trace is (`ioamTrace`, `ioamHeader`, `ioamEntryLen`) and `onTransmit`, this namespace's
 *   one transmit function; the device layer calls it right before the driver's xmit, where the
 *   entry is written. A packet dropped before that gets no entry (its reserved space stays
 *   zero, also in an ICMPv6 error quoting it). A packet that is not forwarded (delivered here,
 *   or on a reject route) gets its entry on receive, which is its delivery: local delivery is
 *   synchronous. A packet carries one deferred entry: a second IOAM option in it is filled on
 *   receive.
 * - bit 4, transit delay: nanoseconds from receive (pkb.tstampNs) to transmission or delivery
 *   on the namespace's clock; 2^31 ns or more is 0x80000000, the Overflow bit alone (RFC 9197
 *   §4.4.2.5).
 * - bit 6, queue depth: as Linux, in bytes (the qdisc backlog Linux reports, so collectors
 *   compare like with like), read at transmission: the bytes still waiting in the egress
 *   device's queue behind this packet. A noqueue device (veth, dummy) holds none: 0.
 * - bit 7, checksum complement (RFC 9197 §4.4.2.8, as RFC 7820 uses one): the first two
 *   octets, the last two (reserved) zero. It is chosen so that the one's-complement sum of the
 *   whole entry equals the change this node made to the trace header's NodeLen/Flags/
 *   RemainingLen word: the pre-allocated space was zero, so a checksum covering the trace (IOAM
 *   in a UDP-based encapsulation, RFC 9197 §4.4.2.8's case) stays valid without being
 *   recomputed. In an Incremental trace the packet grows, so such a checksum must be recomputed
 *   anyway; the complement is computed the same way.
 * - bit 11, buffer occupancy: parts per million of the node's packet buffer capacity, the sum
 *   over this namespace's queued devices (not noqueue) of bytes queued, against the sum of
 *   txqueuelen x MTU, plus each registered buffer account (`addBufferAccount`: a reassembly
 *   queue would register its memory and its high threshold). Never 0xffffffff.
 * - Incremental Trace (IOAM Option-Type 1, which Linux skips): the node puts its entry first in
 *   the node data list and grows the option, the Hop-by-Hop header and the packet
 *   (ioam6-incremental.ts). When RemainingLen cannot hold the entry, or the grown packet would
 *   exceed the egress MTU (ip6_forward's: the device's mtu6 less encap headroom, at least 1280),
 *   or Opt Data Len / Hdr Ext Len / Payload Length would overflow, or the route encapsulates
 *   (lwtunnel), it sets Overflow instead. Forwarded packets grow at transmission; a packet
 *   delivered here (or a second option) grows on receive only when nothing but padding follows
 *   the option and the headroom holds the growth (the option walk is still under way), else it
 *   gets Overflow.
 *
 * Speed. With Linux compatibility, the entry this node wrote last is kept as a template
 * (EntryTemplate) with its flow: trace type, IOAM namespace, ingress device, route, and the
 * generations of the namespace's sysctl table and IOAM tables. A packet of that flow is checked
 * in one condition (the same checks, the same verdicts) and gets the template's octets with its
 * own hop limit, timestamps and queue depth written over them; any other packet takes the full
 * path, which makes the next template. A second template does the same for entries this node
 * writes when it inserts a trace (ioam6FillTraceData with isInput false).
 *
 * Nothing here allocates per packet: fields are written with wire/bytes.ts setters on
 * `pkb.buf`; the namespace-wide wide node id is split once per value; the per-device ids are
 * resolved once per device (again after a rename, which gives the device new sysctl entries);
 * the NodeLen of the last trace type seen is remembered, the template's octets live in one
 * array per entry length, and the ingress device's IPv6 state comes from the packet's control
 * block (Ipv6Net.inDevConf, looked up once per packet). An Incremental trace reallocates the
 * buffer only when neither headroom nor tailroom holds the growth.
 */

import type { Net, World } from '../net/net.ts';
import type { NetDevice } from '../net/netdevice.ts';
import type { PacketBuffer } from '../net/packet-buffer.ts';
import type { PernetKey, PernetOperations } from '../net/pernet.ts';
import type { SysctlEntry, SysctlTable } from '../net/sysctl.ts';
import type { Timespec64 } from '../time/clock.ts';
import { EEXIST } from '../uapi/errno.ts';
import { SKB_DROP_REASON_IP_INHDR, SKB_DROP_REASON_IPV6DISABLED } from '../uapi/dropreason.ts';
import { IFF_LOOPBACK } from '../uapi/if.ts';
import { IPV6_TLV_IOAM } from '../uapi/in6.ts';
import {
  IOAM6_DEFAULT_IF_ID,
  IOAM6_DEFAULT_IF_ID_WIDE,
  IOAM6_HDR_LEN,
  IOAM6_HDR_OPT_LEN,
  IOAM6_HDR_TYPE,
  IOAM6_OSS_UNAVAILABLE,
  IOAM6_TRACE_HDR_DATA,
  IOAM6_TRACE_HDR_LEN,
  IOAM6_TRACE_HDR_NAMESPACE_ID,
  IOAM6_TRACE_HDR_NODELEN,
  IOAM6_TRACE_HDR_REMLEN,
  IOAM6_TRACE_HDR_TYPE,
  IOAM6_TRACE_NODELEN_SHIFT,
  IOAM6_TRACE_OVERFLOW_MASK,
  IOAM6_TRACE_REMLEN_MASK,
  IOAM6_TRACE_TYPE_BIT0,
  IOAM6_TRACE_TYPE_BIT1,
  IOAM6_TRACE_TYPE_BIT10,
  IOAM6_TRACE_TYPE_BIT11,
  IOAM6_TRACE_TYPE_BIT2,
  IOAM6_TRACE_TYPE_BIT22,
  IOAM6_TRACE_TYPE_BIT3,
  IOAM6_TRACE_TYPE_BIT4,
  IOAM6_TRACE_TYPE_BIT5,
  IOAM6_TRACE_TYPE_BIT6,
  IOAM6_TRACE_TYPE_BIT7,
  IOAM6_TRACE_TYPE_BIT8,
  IOAM6_TRACE_TYPE_BIT9,
  IOAM6_TRACE_TYPE_UNDEFINED,
  IOAM6_TYPE_PREALLOC,
  IOAM6_U16_UNAVAILABLE,
  IOAM6_U32_UNAVAILABLE,
  IOAM_OPTION_TYPE,
} from '../uapi/ioam6.ts';
import { IPV6_MIN_MTU } from '../uapi/ipv6.ts';
import { RTN_ANYCAST as RTN_ANYCAST_IMPORT, RTN_LOCAL as RTN_LOCAL_IMPORT, RTN_UNICAST as RTN_UNICAST_IMPORT } from '../uapi/rtnetlink.ts';
import { setU16 as setU16Import, setU32 as setU32Import, u16 as u16Import, u24 as u24Import } from '../wire/bytes.ts';
import { checksumAdd as checksumAddImport, checksumFold as checksumFoldImport } from '../wire/checksum.ts';
import { traceFieldOffset as traceFieldOffsetImport, traceNodeLen as traceNodeLenImport } from '../wire/ioam-trace.ts';
import { IPV6_FIELD } from '../wire/ipv6.ts';
import { type Result, ok } from '../wire/result.ts';
import type { Fib6Route } from './fib.ts';
import { type Ioam6Namespace, Ioam6PernetData } from './ioam6.ts';
import { addrIsMulticast as addrIsMulticastImport, ip6RouteInput as ip6RouteInputImport } from './input.ts';
import type { TlvHandler } from './exthdrs.ts';
import { ip6ForwardMtu as ip6ForwardMtuImport } from './forward.ts';
import {
  incrementalInsert as incrementalInsertImport,
  incrementalRoom as incrementalRoomImport,
  onlyPaddingAfter as onlyPaddingAfterImport,
} from './ioam6-incremental.ts';
import type { Ipv6Net, Ipv6Registration } from './ipv6.ts';
import { VERDICT_CONTINUE as VERDICT_CONTINUE_IMPORT, verdictDrop } from './verdict.ts';

/**
 * A buffer the node holds packets in, counted in the buffer occupancy field (bit 11) with
 * net.ipv6.ioam6_linux_compat 0: octets held now and the most it holds. Both are read per
 * packet and must not allocate.
 */
export interface Ioam6BufferAccount {
  held(): number;
  limit(): number;
}

/**
 * Called with every trace this node processed (ioam6_event(IOAM6_EVENT_TRACE, ...)): `net` is
 * the ingress device's namespace, `trace` the trace header and all that follows it to the end
 * of the option (Opt Data Len - 2 octets), a view on the packet valid during the call only.
 */
export type Ioam6TraceObserver = (net: Net, trace: Uint8Array) => void;

/** Offsets of the Pre-allocated Trace from its ioam6_trace_hdr (Linux's `trace` pointer). */
const T_NS = IOAM6_TRACE_HDR_NAMESPACE_ID;
const T_NODELEN = IOAM6_TRACE_HDR_NODELEN;
const T_REMLEN = IOAM6_TRACE_HDR_REMLEN;
const T_TYPE = IOAM6_TRACE_HDR_TYPE;
const T_DATA = IOAM6_TRACE_HDR_DATA;
const OVERFLOW = IOAM6_TRACE_OVERFLOW_MASK;
const REMLEN_MASK = IOAM6_TRACE_REMLEN_MASK;
/** Opt Data Len covers Reserved and IOAM Opt-Type before the trace header. */
const OPT_HDR_DATA = IOAM6_HDR_LEN - 2;
const U32_NA = IOAM6_U32_UNAVAILABLE;
const U16_NA = IOAM6_U16_UNAVAILABLE;
const NSEC_PER_SEC = 1_000_000_000;
const NSEC_PER_USEC = 1000;
/** Transit delay: 31 bits of nanoseconds; beyond, the top bit alone (RFC 9197 §4.4.2.5). */
const DELAY_MAX = 0x7fffffff;
const DELAY_OVERFLOW = 0x80000000;
/** Buffer occupancy unit: parts per million of the capacity. */
const PPM = 1_000_000;
/** Undefined bits 12-21, highest (bit 12) first. */
const UNDEFINED_FIRST = 0x000800;
const UNDEFINED_LAST = 0x000004;

/** The property of the registered handler that leads back to its Ioam6HbhNet. */
const HBH_NET: unique symbol = Symbol('ioam6 hbh net');

/**
 * Module-local copies of what the per-packet path uses: under some loaders (tsx) every use of
 * an imported binding is a getter call; locals are constants to the JIT.
 */
const setU16 = setU16Import;
const setU32 = setU32Import;
const u16 = u16Import;
const u24 = u24Import;
const traceNodeLen = traceNodeLenImport;
const traceFieldOffset = traceFieldOffsetImport;
const checksumAdd = checksumAddImport;
const checksumFold = checksumFoldImport;
const ip6ForwardMtu = ip6ForwardMtuImport;
const incrementalRoom = incrementalRoomImport;
const incrementalInsert = incrementalInsertImport;
const onlyPaddingAfter = onlyPaddingAfterImport;
const INCREMENTAL = IOAM_OPTION_TYPE.INCREMENTAL_TRACE;
const RTN_UNICAST = RTN_UNICAST_IMPORT;
const MIN_MTU = IPV6_MIN_MTU;
const BIT0 = IOAM6_TRACE_TYPE_BIT0;
const BIT1 = IOAM6_TRACE_TYPE_BIT1;
const BIT2 = IOAM6_TRACE_TYPE_BIT2;
const BIT3 = IOAM6_TRACE_TYPE_BIT3;
const BIT4 = IOAM6_TRACE_TYPE_BIT4;
const BIT5 = IOAM6_TRACE_TYPE_BIT5;
const BIT6 = IOAM6_TRACE_TYPE_BIT6;
const BIT7 = IOAM6_TRACE_TYPE_BIT7;
const BIT8 = IOAM6_TRACE_TYPE_BIT8;
const BIT9 = IOAM6_TRACE_TYPE_BIT9;
const BIT10 = IOAM6_TRACE_TYPE_BIT10;
const BIT11 = IOAM6_TRACE_TYPE_BIT11;
const BIT22 = IOAM6_TRACE_TYPE_BIT22;
const UNDEFINED_BITS = IOAM6_TRACE_TYPE_UNDEFINED;
/** The fields #writeLow and #writeHigh write. */
const LOW_BITS = BIT1 | BIT2 | BIT3 | BIT4 | BIT5 | BIT6 | BIT7;
const HIGH_BITS = BIT8 | BIT9 | BIT10 | BIT11 | UNDEFINED_BITS | BIT22;
const NODELEN_SHIFT = IOAM6_TRACE_NODELEN_SHIFT;
const OPT_LEN = IOAM6_HDR_OPT_LEN;
const OPT_IOAM_TYPE = IOAM6_HDR_TYPE;
const PREALLOC = IOAM6_TYPE_PREALLOC;
const OPT_TRACE = IOAM6_HDR_LEN;
const TRACE_HDR_LEN = IOAM6_TRACE_HDR_LEN;
const HOP_LIMIT = IPV6_FIELD.HOP_LIMIT;
const DST_ADDR = IPV6_FIELD.DST_ADDR;
const LOOPBACK = IFF_LOOPBACK;
const OSS_NONE = IOAM6_OSS_UNAVAILABLE;
const RTN_LOCAL = RTN_LOCAL_IMPORT;
const RTN_ANYCAST = RTN_ANYCAST_IMPORT;
const VERDICT_CONTINUE = VERDICT_CONTINUE_IMPORT;
const addrIsMulticast = addrIsMulticastImport;
const ip6RouteInput = ip6RouteInputImport;

const BAD_OPTION = verdictDrop(SKB_DROP_REASON_IP_INHDR);
const NO_IDEV = verdictDrop(SKB_DROP_REASON_IPV6DISABLED);

/** net.ipv6.conf.<dev>.ioam6_id / ioam6_id_wide of one device, resolved once per name. */
interface DevIds {
  readonly dev: NetDevice;
  readonly name: string;
  readonly id: SysctlEntry | undefined;
  readonly idWide: SysctlEntry | undefined;
}

/** The longest entry a trace holds: Opt Data Len (255) less the option and trace headers. */
const ENTRY_MAX = 256;
/** Entries up to this long are copied by a byte loop; longer ones by set(). */
const COPY_LOOP_MAX = 32;
const EMPTY = new Uint8Array(0);

/**
 * The entry this node wrote last, kept as the template of the next packet of the same flow:
 * same trace type and IOAM namespace, same ingress device, same route. What an entry is made of
 * besides the hop limit, the timestamps and the queue depth (node and interface ids, namespace
 * data, the schema) comes from the namespace's sysctls and IOAM tables, so the template holds
 * while their generations have not moved; a route object keeps its device while it is in the
 * FIB, and the egress device's ids come from its sysctls. The per-packet fields are written over
 * the copy at the offsets kept here (-1: not in this type).
 */
class EntryTemplate {
  /** sysctl.generation + ioam.generation when made (both only grow); -1: empty. */
  gen = -1;
  nsId = -1;
  type = -1;
  nodeLen = 0;
  ns: Ioam6Namespace | undefined = undefined;
  inDev: NetDevice | null = null;
  rt: Fib6Route | null = null;
  outDev: NetDevice | null = null;
  /** Written on receive (hop limit minus one) or by an inserting node on output (as it is). */
  hlDelta = 1;
  /** The entry's octets, exactly `len` of them (one array per length, reused). */
  bytes: Uint8Array = EMPTY;
  /** Octets: NodeLen and the snapshot's words, times 4. */
  len = 0;
  /** Offsets in the entry: the hop limit octets of bits 0 and 8, bits 2, 3 and 6. */
  hl0 = -1;
  hl8 = -1;
  sec = -1;
  usec = -1;
  /** Whether either timestamp is written per packet. */
  stamped = false;
  queue = -1;
}

/**
 * The IOAM data path of one network namespace: the option handler's caches and the event hook.
 * One per namespace (registerIoam6Hbh); `Ioam6HbhNet.of(ip6)` finds it.
 */
export class Ioam6HbhNet {
  readonly ip6: Ipv6Net;
  readonly ioam: Ioam6PernetData;
  /**
   * Where filled traces go (ioam6_event); null: nowhere. The event writer connects here. The
   * handler makes the trace view only when this is set.
   */
  onTrace: Ioam6TraceObserver | null = null;
  /**
   * Whether `onTrace` wants this namespace's traces now (the events writer: someone listens to
   * ioam6_events, genl_has_listeners); null: always. Asked first, so a node nobody listens to
   * makes no view per packet.
   */
  traceWanted: ((net: Net) => boolean) | null = null;
  /** The Hop-by-Hop handler of option 0x31 for this namespace. */
  readonly handler: TlvHandler;
  /** Scratch for the real time of a timestamp. */
  readonly #ts: Timespec64 = { sec: 0, nsec: 0 };
  /** net.ipv6.ioam6_id_wide split into 32-bit halves, recomputed when the value changes. */
  #wideValue = -1n;
  #wideHi = 0;
  #wideLo = 0;
  /** The last trace type #nodeLen saw and its NodeLen. */
  #lastType = -1;
  #lastNodeLen = 0;
  /** The last entry written on receive with Linux compatibility (see EntryTemplate). */
  readonly #tpl = new EntryTemplate();
  /** The last entry an inserting node (ioam6_iptunnel) wrote on output. */
  readonly #tplOut = new EntryTemplate();
  /** Template arrays by length, so that switching flows allocates nothing after the first. */
  readonly #tplBytes: Array<Uint8Array | undefined> = [];
  readonly #sysctls: SysctlTable;
  /** net.ipv6.ioam6_linux_compat, read per packet. */
  readonly #compat: SysctlEntry<number>;
  /** Per ifindex. */
  readonly #devIds: Array<DevIds | undefined> = [];
  /** Buffers counted in the buffer occupancy besides the devices' queues. */
  readonly #buffers: Ioam6BufferAccount[] = [];
  /**
   * With net.ipv6.ioam6_linux_compat 0: what the device layer calls right before the driver
   * transmits a packet whose entry was reserved on receive (PacketBuffer.onTransmit). One per
   * namespace, so reserving allocates nothing.
   */
  readonly transmit: (pkb: PacketBuffer, dev: object) => void;

  constructor(ip6: Ipv6Net, ioam: Ioam6PernetData) {
    this.ip6 = ip6;
    this.ioam = ioam;
    this.#sysctls = ip6.net.sysctl;
    this.#compat = ip6.sysctl.ipv6.ioam6_linux_compat;
    const handler: TlvHandler = (_ip6, pkb, optoff) => this.hopIoam(pkb, optoff);
    this.handler = Object.assign(handler, { [HBH_NET]: this });
    this.transmit = (pkb, dev) => this.onTransmit(pkb, dev as NetDevice);
  }

  /** The data path registered in `ip6`'s namespace, if any. */
  static of(ip6: Ipv6Net): Ioam6HbhNet | undefined {
    const h = ip6.hbhOptions[IPV6_TLV_IOAM] as (TlvHandler & { [HBH_NET]?: Ioam6HbhNet }) | undefined;
    return h?.[HBH_NET];
  }

  /**
   * Counts `account` in the buffer occupancy (bit 11) from now on; returns its removal. For a
   * subsystem that holds packets outside the device queues (reassembly).
   */
  addBufferAccount(account: Ioam6BufferAccount): () => void {
    this.#buffers.push(account);
    return () => {
      const i = this.#buffers.indexOf(account);
      if (i !== -1) this.#buffers.splice(i, 1);
    };
  }

  /**
   * ipv6_hop_ioam for the option at `optoff` (from the IPv6 header): a verdict. The packets of
   * the flow whose entry this node wrote last take a short path (the same checks, in one
   * condition, against the template's type, NodeLen and namespace); the rest #hopIoamChecked.
   */
  hopIoam(pkb: PacketBuffer, optoff: number): number {
    const ip6 = this.ip6;
    if ((optoff & 3) !== 0) return BAD_OPTION;
    const idev = ip6.inDevConf();
    if (idev === undefined) return NO_IDEV;
    if (idev.ioam6Enabled === 0) return VERDICT_CONTINUE;
    const b = pkb.buf;
    const opt = pkb.networkHeader + optoff;
    const trace = opt + OPT_TRACE;
    const t = this.#tpl;
    if (
      b[opt + OPT_IOAM_TYPE] === PREALLOC &&
      (b[opt + OPT_LEN] ?? 0) >= OPT_HDR_DATA + TRACE_HDR_LEN + ((b[trace + T_REMLEN] ?? 0) & REMLEN_MASK) * 4 &&
      u24(b, trace + T_TYPE) === t.type &&
      u16(b, trace + T_NS) === t.nsId &&
      (b[trace + T_NODELEN] ?? 0) >>> NODELEN_SHIFT === t.nodeLen &&
      t.gen === this.#generation() &&
      this.#compat.value !== 0
    ) {
      this.#transit(pkb, t, trace);
      return VERDICT_CONTINUE;
    }
    return this.#hopIoamChecked(pkb, opt, trace);
  }

  /** hopIoam's end for the template's flow: route, fill, event. */
  #transit(pkb: PacketBuffer, t: EntryTemplate, trace: number): void {
    const ip6 = this.ip6;
    if (pkb.route === null) ip6RouteInput(ip6, ip6.cb.iif, pkb);
    if (pkb.route === t.rt && pkb.dev === t.inDev) this.#fillFromTemplate(pkb, t, trace);
    else this.#fill(pkb, t.ns as Ioam6Namespace, trace, true, pkb.buf[trace + T_NODELEN] ?? 0, t.type);
    this.#notify(pkb, trace);
  }

  /** ipv6_hop_ioam after the ingress device checks, step by step. */
  #hopIoamChecked(pkb: PacketBuffer, opt: number, trace: number): number {
    const ip6 = this.ip6;
    const b = pkb.buf;
    const optLen = b[opt + OPT_LEN] ?? 0;
    if (optLen < OPT_HDR_DATA) return BAD_OPTION;
    const linux = this.#compat.value !== 0;
    const ioamType = b[opt + OPT_IOAM_TYPE];
    // Linux knows the Pre-allocated Trace only; without compat the Incremental one too.
    if (ioamType !== PREALLOC && (linux || ioamType !== INCREMENTAL)) return VERDICT_CONTINUE;
    if (optLen < OPT_HDR_DATA + TRACE_HDR_LEN) return BAD_OPTION;
    const remlen = (b[trace + T_REMLEN] ?? 0) & REMLEN_MASK;
    // An Incremental trace has no free space: RemainingLen is only an allowance.
    if (ioamType === PREALLOC && optLen < OPT_HDR_DATA + TRACE_HDR_LEN + remlen * 4) return BAD_OPTION;
    const flags = b[trace + T_NODELEN] ?? 0;
    const type = u24(b, trace + T_TYPE);
    if (flags >>> NODELEN_SHIFT !== this.#nodeLen(type)) return BAD_OPTION;
    const ns = this.ioam.namespace(u16(b, trace + T_NS));
    if (ns === undefined) return VERDICT_CONTINUE;
    // if (!skb_valid_dst(skb)) ip6_route_input(skb): ip6_rcv_core cleared the route, so the
    // first IOAM option routes the packet and a second one (and ip6_rcv_finish) reuses it.
    if (pkb.route === null) ip6RouteInput(ip6, ip6.cb.iif, pkb);
    if (linux) {
      this.#fill(pkb, ns, trace, true, flags, type);
      this.#notify(pkb, trace);
    } else {
      this.#reserve(pkb, ns, trace, ioamType === INCREMENTAL);
    }
    return VERDICT_CONTINUE;
  }

  /** ioam6_event: the trace to the observer, if one is connected. */
  #notify(pkb: PacketBuffer, trace: number): void {
    const observer = this.onTrace;
    if (observer === null) return;
    const wanted = this.traceWanted;
    if (wanted !== null && !wanted(this.ip6.net)) return;
    const b = pkb.buf;
    const end = trace - OPT_TRACE + 2 + (b[trace - OPT_TRACE + OPT_LEN] ?? 0);
    observer(this.ip6.net, b.subarray(trace, end));
  }

  /** ioam6_fill_trace_data; see `ioam6FillTraceData`. */
  fill(pkb: PacketBuffer, ns: Ioam6Namespace, trace: number, isInput: boolean): void {
    const b = pkb.buf;
    const flags = b[trace + T_NODELEN] ?? 0;
    const type = u24(b, trace + T_TYPE);
    // The receive path dropped such traces already; for any other caller this keeps the
    // writes inside the entry the header describes.
    if (flags >>> NODELEN_SHIFT !== this.#nodeLen(type)) return;
    const t = isInput ? this.#tpl : this.#tplOut;
    if (
      type === t.type &&
      ns === t.ns &&
      pkb.route === t.rt &&
      pkb.dev === t.inDev &&
      t.gen === this.#generation()
    ) {
      this.#fillFromTemplate(pkb, t, trace);
    } else {
      this.#fill(pkb, ns, trace, isInput, flags, type);
    }
  }

  /** `fill` for a trace whose NodeLen (in `flags`) matches its `type`, checked by the caller. */
  #fill(pkb: PacketBuffer, ns: Ioam6Namespace, trace: number, isInput: boolean, flags: number, type: number): void {
    if ((flags & OVERFLOW) !== 0) return;
    const b = pkb.buf;
    const nodelen = flags >>> NODELEN_SHIFT;
    const sclen = this.#schemaWords(ns, type);
    const remByte = b[trace + T_REMLEN] ?? 0;
    const remlen = remByte & REMLEN_MASK;
    if (remlen === 0 || remlen < nodelen + sclen) {
      b[trace + T_NODELEN] = flags | OVERFLOW;
      return;
    }
    // u8 arithmetic: a hop limit of 0 becomes 255, as in the kernel.
    const hl = ((b[pkb.networkHeader + HOP_LIMIT] ?? 0) - (isInput ? 1 : 0)) & 0xff;
    const inDev = pkb.dev as NetDevice | null;
    const at = trace + T_DATA + (remlen - nodelen - sclen) * 4;
    const outDev = this.#egress(pkb, inDev);
    this.#write(pkb, ns, type, at, hl, inDev, outDev, false);
    b[trace + T_REMLEN] = (remByte & ~REMLEN_MASK) | (remlen - nodelen - sclen);
    // Without a route the egress depends on the destination (multicast): no template then.
    if (pkb.route !== null) this.#keep(isInput ? this.#tpl : this.#tplOut, pkb, ns, type, nodelen, at, (nodelen + sclen) * 4, inDev, outDev, isInput);
  }

  /** Keeps the entry just written at `at` (n octets) as the template of its flow. */
  #keep(t: EntryTemplate, pkb: PacketBuffer, ns: Ioam6Namespace, type: number, nodeLen: number, at: number, n: number, inDev: NetDevice | null, outDev: NetDevice | null, isInput: boolean): void {
    if (n > ENTRY_MAX) {
      t.gen = -1;
      return;
    }
    t.gen = this.#generation();
    t.nsId = ns.id;
    t.type = type;
    t.nodeLen = nodeLen;
    t.ns = ns;
    t.inDev = inDev;
    t.rt = pkb.route as Fib6Route;
    t.outDev = outDev;
    t.hlDelta = isInput ? 1 : 0;
    t.len = n;
    let bytes = this.#tplBytes[n];
    if (bytes === undefined) {
      bytes = new Uint8Array(n);
      this.#tplBytes[n] = bytes;
    }
    for (let i = 0; i < n; i++) bytes[i] = pkb.buf[at + i] as number;
    t.bytes = bytes;
    // The fields that change per packet, where #write put them (-1: not in this type). Without
    // an ingress device the timestamps are 'unavailable', without an egress the queue depth: constant.
    t.hl0 = traceFieldOffset(type, BIT0);
    t.hl8 = traceFieldOffset(type, BIT8);
    t.sec = inDev === null ? -1 : traceFieldOffset(type, BIT2);
    t.usec = inDev === null ? -1 : traceFieldOffset(type, BIT3);
    t.stamped = t.sec >= 0 || t.usec >= 0;
    t.queue = outDev === null ? -1 : traceFieldOffset(type, BIT6);
  }

  /**
   * #fill for the flow of the template (hopIoam checked it): the same checks, the template's
   * octets, then this packet's hop limit, timestamps and queue depth over them.
   */
  #fillFromTemplate(pkb: PacketBuffer, t: EntryTemplate, trace: number): void {
    const b = pkb.buf;
    const flags = b[trace + T_NODELEN] ?? 0;
    if ((flags & OVERFLOW) !== 0) return;
    const n = t.len;
    const remByte = b[trace + T_REMLEN] ?? 0;
    const remlen = remByte & REMLEN_MASK;
    const words = n >>> 2;
    if (remlen === 0 || remlen < words) {
      b[trace + T_NODELEN] = flags | OVERFLOW;
      return;
    }
    const at = trace + T_DATA + (remlen - words) * 4;
    const src = t.bytes;
    if (n <= COPY_LOOP_MAX) {
      for (let i = 0; i < n; i++) b[at + i] = src[i] as number;
    } else {
      b.set(src, at);
    }
    const hl = ((b[pkb.networkHeader + HOP_LIMIT] ?? 0) - t.hlDelta) & 0xff;
    if (t.hl0 >= 0) b[at + t.hl0] = hl;
    if (t.hl8 >= 0) b[at + t.hl8] = hl;
    if (t.stamped) this.#writeStamp(pkb, t, at);
    if (t.queue >= 0) setU32(b, at + t.queue, (t.outDev as NetDevice).txq.bytes >>> 0);
    b[trace + T_REMLEN] = (remByte & ~REMLEN_MASK) | (remlen - words);
  }

  /** Bits 2 and 3 of a template's entry at `at`: the packet's receive time. */
  #writeStamp(pkb: PacketBuffer, t: EntryTemplate, at: number): void {
    const ts = this.#stamp(pkb);
    if (t.sec >= 0) setU32(pkb.buf, at + t.sec, ts.sec >>> 0);
    if (t.usec >= 0) setU32(pkb.buf, at + t.usec, Math.floor(ts.nsec / NSEC_PER_USEC));
  }

  /** What an entry template is valid for: the sysctl and IOAM tables as they are (both only grow). */
  #generation(): number {
    return this.#sysctls.generation + this.ioam.generation;
  }

  /** traceNodeLen, remembered for the last type seen (a flow's packets share one). */
  #nodeLen(type: number): number {
    if (type !== this.#lastType) {
      this.#lastNodeLen = traceNodeLen(type);
      this.#lastType = type;
    }
    return this.#lastNodeLen;
  }

  /** Words of the Opaque State Snapshot (bit 22): its header and the schema's data. */
  #schemaWords(ns: Ioam6Namespace, type: number): number {
    if ((type & BIT22) === 0) return 0;
    const sc = ns.schema;
    return 1 + (sc === undefined ? 0 : sc.len >>> 2);
  }

  /**
   * The receive half without Linux compatibility: Overflow, or the entry reserved and written
   * now (not forwarded, or a second option of a packet that already has a deferred entry) or at
   * transmission (see the module comment).
   */
  #reserve(pkb: PacketBuffer, ns: Ioam6Namespace, trace: number, incremental: boolean): void {
    const b = pkb.buf;
    const flags = b[trace + T_NODELEN] ?? 0;
    if ((flags & OVERFLOW) !== 0) {
      this.#notify(pkb, trace);
      return;
    }
    const type = u24(b, trace + T_TYPE);
    const words = (flags >>> NODELEN_SHIFT) + this.#schemaWords(ns, type);
    const remByte = b[trace + T_REMLEN] ?? 0;
    const remlen = remByte & REMLEN_MASK;
    // A packet holds one deferred entry: a second IOAM option is filled now.
    const out = pkb.ioamTrace < 0 ? this.#forwardDev(pkb) : null;
    const nh = pkb.networkHeader;
    const opt = trace - OPT_TRACE;
    const n = words * 4;
    let room = remlen !== 0 && remlen >= words;
    let g = 0;
    if (room && incremental) {
      g = incrementalRoom(b, nh, opt, n);
      if (g < 0) room = false;
      else if (out !== null) room = this.#mayGrow(pkb, g);
      else room = pkb.data >= g && nh >= g && onlyPaddingAfter(b, nh, opt);
    }
    if (!room) {
      b[trace + T_NODELEN] = flags | OVERFLOW;
      this.#notify(pkb, trace);
      return;
    }
    b[trace + T_REMLEN] = (remByte & ~REMLEN_MASK) | (remlen - words);
    if (pkb.tstampNs === 0) pkb.tstampNs = this.ip6.net.clock.nowNs();
    if (out !== null) {
      pkb.ioamTrace = trace - nh;
      pkb.ioamHeader = pkb.tail - nh;
      pkb.ioamEntryLen = n;
      pkb.onTransmit = this.transmit;
      return;
    }
    let t = trace;
    if (incremental) {
      t = incrementalInsert(pkb, nh, opt, n, g, true) + OPT_TRACE;
      // The headers moved back by g: a deferred entry's IPv6 header is g further from the end.
      if (pkb.ioamTrace >= 0) pkb.ioamHeader += g;
    }
    const at = incremental ? t + T_DATA : t + T_DATA + (remlen - words) * 4;
    const inDev = pkb.dev as NetDevice | null;
    const hl = ((pkb.buf[pkb.networkHeader + HOP_LIMIT] ?? 0) - 1) & 0xff;
    this.#write(pkb, ns, type, at, hl, inDev, this.#egress(pkb, inDev), true);
    this.#complement(pkb.buf, t, type, at, n, remlen);
    this.#notify(pkb, t);
  }

  /**
   * The device a unicast route forwards the packet to (not the loopback), or null: the packet
   * is delivered here, dropped by a reject route, or multicast.
   */
  #forwardDev(pkb: PacketBuffer): NetDevice | null {
    const rt = pkb.route as Fib6Route | null;
    if (rt === null || rt.type !== RTN_UNICAST) return null;
    const dev = this.ip6.device(rt.ifindex);
    return dev === undefined || (dev.flags & LOOPBACK) !== 0 ? null : dev;
  }

  /** A forwarded packet may grow by `g`: its route does not encapsulate and the MTU holds it. */
  #mayGrow(pkb: PacketBuffer, g: number): boolean {
    const rt = pkb.route as Fib6Route;
    if (rt.lwtstate !== undefined) return false;
    let mtu = ip6ForwardMtu(this.ip6, rt);
    if (mtu < MIN_MTU) mtu = MIN_MTU;
    return pkb.tail - pkb.networkHeader + g <= mtu;
  }

  /** PacketBuffer.onTransmit: writes the entry reserved on receive, on `dev`'s way out. */
  onTransmit(pkb: PacketBuffer, dev: NetDevice): void {
    pkb.onTransmit = null;
    const off = pkb.ioamTrace;
    pkb.ioamTrace = -1;
    if (off < 0) return;
    let nh = pkb.tail - pkb.ioamHeader;
    let trace = nh + off;
    const n = pkb.ioamEntryLen;
    let b = pkb.buf;
    if (nh < 0 || trace + T_DATA > pkb.tail) return;
    const ns = this.ioam.namespace(u16(b, trace + T_NS));
    if (ns === undefined) return;
    const flags = b[trace + T_NODELEN] ?? 0;
    const type = u24(b, trace + T_TYPE);
    // A schema changed since the entry was reserved: the reserved space stays zero.
    if (((flags >>> NODELEN_SHIFT) + this.#schemaWords(ns, type)) * 4 !== n) return;
    const remlen = (b[trace + T_REMLEN] ?? 0) & REMLEN_MASK;
    let at: number;
    if (b[trace - OPT_TRACE + OPT_IOAM_TYPE] === INCREMENTAL) {
      // Only where the packet was left as received (nothing pushed in front of it).
      if (pkb.networkHeader !== nh) return;
      const g = incrementalRoom(b, nh, trace - OPT_TRACE, n);
      if (g < 0) return;
      const opt = incrementalInsert(pkb, nh, trace - OPT_TRACE, n, g, false);
      if (opt < 0) return;
      b = pkb.buf;
      nh = pkb.networkHeader;
      trace = opt + OPT_TRACE;
      at = trace + T_DATA;
    } else {
      at = trace + T_DATA + remlen * 4;
    }
    // ip6_forward has decremented the hop limit already: the value Linux writes on receive.
    const hl = b[nh + HOP_LIMIT] ?? 0;
    this.#write(pkb, ns, type, at, hl, pkb.dev as NetDevice | null, dev, true);
    this.#complement(b, trace, type, at, n, remlen + n / 4);
    this.#notify(pkb, trace);
  }

  /**
   * Bit 7: the complement that makes the entry at `at` (n octets) sum, in one's complement, to
   * the change of the trace header's NodeLen/Flags/RemainingLen word (RemainingLen was
   * `oldRemlen`), so a checksum covering the trace needs no update.
   */
  #complement(b: Uint8Array, trace: number, type: number, at: number, n: number, oldRemlen: number): void {
    if ((type & BIT7) === 0) return;
    const p = at + traceFieldOffset(type, BIT7);
    setU32(b, p, 0);
    const word = u16(b, trace + T_NODELEN);
    const oldWord = (word & ~REMLEN_MASK) | oldRemlen;
    // entry + C + new word = old word, so C = -(entry + new word - old word).
    const sum = checksumAdd(word + (~oldWord & 0xffff), b, at, at + n);
    setU16(b, p, checksumFold(sum));
  }

  /** __ioam6_fill_trace_data: the entry at absolute offset `at`, with hop limit `hl`. */
  #write(pkb: PacketBuffer, ns: Ioam6Namespace, type: number, at: number, hl: number, inDev: NetDevice | null, outDev: NetDevice | null, beyond: boolean): void {
    const b = pkb.buf;
    let p = at;
    if ((type & BIT0) !== 0) {
      setU32(b, p, ((hl << 24) | this.ip6.sysctl.ipv6.ioam6_id.value) >>> 0);
      p += 4;
    }
    // Each half is a call of its own: skipped when the type has none of its bits.
    if ((type & LOW_BITS) !== 0) p = this.#writeLow(pkb, ns, type, p, inDev, outDev, beyond);
    if ((type & HIGH_BITS) !== 0) this.#writeHigh(pkb, ns, type, p, inDev, outDev, hl, beyond);
  }

  /** Bits 1-7 (bit 7's complement comes last, in #complement). */
  #writeLow(pkb: PacketBuffer, ns: Ioam6Namespace, type: number, at: number, inDev: NetDevice | null, outDev: NetDevice | null, beyond: boolean): number {
    const b = pkb.buf;
    let p = at;
    if ((type & BIT1) !== 0) {
      setU16(b, p, inDev === null ? U16_NA : this.#ifId(inDev) & 0xffff);
      setU16(b, p + 2, outDev === null ? U16_NA : this.#ifId(outDev) & 0xffff);
      p += 4;
    }
    if ((type & (BIT2 | BIT3)) !== 0) {
      const ts = this.#stamp(pkb);
      if ((type & BIT2) !== 0) {
        setU32(b, p, inDev === null ? U32_NA : ts.sec >>> 0);
        p += 4;
      }
      if ((type & BIT3) !== 0) {
        setU32(b, p, inDev === null ? U32_NA : Math.floor(ts.nsec / NSEC_PER_USEC));
        p += 4;
      }
    }
    if ((type & BIT4) !== 0) {
      setU32(b, p, beyond ? this.#transitDelay(pkb) : U32_NA);
      p += 4;
    }
    if ((type & BIT5) !== 0) {
      setU32(b, p, ns.data);
      p += 4;
    }
    if ((type & BIT6) !== 0) {
      setU32(b, p, outDev === null ? U32_NA : outDev.txq.bytes >>> 0);
      p += 4;
    }
    if ((type & BIT7) !== 0) {
      setU32(b, p, U32_NA);
      p += 4;
    }
    return p;
  }

  /** Bit 8 (with hop limit `hl`), then bits 9-22. */
  #writeHigh(pkb: PacketBuffer, ns: Ioam6Namespace, type: number, at: number, inDev: NetDevice | null, outDev: NetDevice | null, hl: number, beyond: boolean): void {
    const b = pkb.buf;
    let p = at;
    if ((type & BIT8) !== 0) {
      this.#splitWide();
      setU32(b, p, ((hl << 24) | this.#wideHi) >>> 0);
      setU32(b, p + 4, this.#wideLo);
      p += 8;
    }
    if ((type & BIT9) !== 0) {
      setU32(b, p, inDev === null ? U32_NA : this.#ifIdWide(inDev));
      setU32(b, p + 4, outDev === null ? U32_NA : this.#ifIdWide(outDev));
      p += 8;
    }
    if ((type & BIT10) !== 0) {
      setU32(b, p, ns.dataWideHi);
      setU32(b, p + 4, ns.dataWideLo);
      p += 8;
    }
    if ((type & BIT11) !== 0) {
      setU32(b, p, beyond ? this.#occupancy() : U32_NA);
      p += 4;
    }
    if ((type & UNDEFINED_BITS) !== 0) {
      for (let bit = UNDEFINED_FIRST; bit >= UNDEFINED_LAST; bit >>>= 1) {
        if ((type & bit) === 0) continue;
        setU32(b, p, U32_NA);
        p += 4;
      }
    }
    if ((type & BIT22) !== 0) {
      const sc = ns.schema;
      if (sc === undefined) {
        setU32(b, p, OSS_NONE);
      } else {
        setU32(b, p, sc.hdr);
        // A byte loop: the data is short (at most 244 octets) and set() costs more per call.
        const d = sc.data;
        const o = p + 4;
        for (let i = 0; i < d.length; i++) b[o + i] = d[i] ?? 0;
      }
    }
  }

  /** Bit 4: receive to now in nanoseconds, 0x80000000 from 2^31 on. */
  #transitDelay(pkb: PacketBuffer): number {
    const d = this.ip6.net.clock.nowNs() - pkb.tstampNs;
    if (d <= 0) return 0;
    return d > DELAY_MAX ? DELAY_OVERFLOW : d;
  }

  /** Bit 11: parts per million of the node's buffer capacity in use (see the module comment). */
  #occupancy(): number {
    let held = 0;
    let limit = 0;
    const devs = this.ip6.devices.listOrder();
    for (let i = 0; i < devs.length; i++) {
      const d = devs[i];
      if (d === undefined || d.noQueue) continue;
      held += d.txq.bytes;
      limit += d.txq.limit * d.mtu;
    }
    const accounts = this.#buffers;
    for (let i = 0; i < accounts.length; i++) {
      const a = accounts[i];
      if (a === undefined) continue;
      held += a.held();
      limit += a.limit();
    }
    if (limit <= 0 || held <= 0) return 0;
    if (held >= limit) return PPM;
    return Math.floor((held * PPM) / limit);
  }

  /**
   * skb_dst(skb)->dev, or null when it is the loopback: a local or anycast route (whose dst
   * device is `lo`), a reject route, no route (ip6_null_entry). A multicast destination without
   * a route takes the ingress device (see the module comment).
   */
  #egress(pkb: PacketBuffer, inDev: NetDevice | null): NetDevice | null {
    const rt = pkb.route as Fib6Route | null;
    if (rt === null) {
      return addrIsMulticast(pkb.buf, pkb.networkHeader + DST_ADDR) ? inDev : null;
    }
    if (rt.type === RTN_LOCAL || rt.type === RTN_ANYCAST) return null;
    const dev = this.ip6.device(rt.ifindex);
    return dev === undefined || (dev.flags & LOOPBACK) !== 0 ? null : dev;
  }

  /** The packet's receive time on the wall clock, in the scratch timespec. */
  #stamp(pkb: PacketBuffer): Timespec64 {
    const clock = this.ip6.net.clock;
    const ts = clock.realtime(this.#ts);
    const at = pkb.tstampNs;
    if (at === 0) return ts;
    const back = clock.nowNs() - at;
    const backSec = Math.floor(back / NSEC_PER_SEC);
    ts.sec -= backSec;
    ts.nsec -= back - backSec * NSEC_PER_SEC;
    if (ts.nsec < 0) {
      ts.nsec += NSEC_PER_SEC;
      ts.sec -= 1;
    }
    return ts;
  }

  #splitWide(): void {
    const v = this.ip6.sysctl.ipv6.ioam6_id_wide.value;
    if (v === this.#wideValue) return;
    this.#wideValue = v;
    this.#wideHi = Number((v >> 32n) & 0xffffffffn);
    this.#wideLo = Number(v & 0xffffffffn);
  }

  #ids(dev: NetDevice): DevIds {
    const hit = this.#devIds[dev.ifindex];
    if (hit !== undefined && hit.dev === dev && hit.name === dev.name) return hit;
    const sysctl = dev.net.sysctl;
    const ids: DevIds = {
      dev,
      name: dev.name,
      id: sysctl.lookup(`net/ipv6/conf/${dev.name}/ioam6_id`),
      idWide: sysctl.lookup(`net/ipv6/conf/${dev.name}/ioam6_id_wide`),
    };
    this.#devIds[dev.ifindex] = ids;
    return ids;
  }

  /** __in6_dev_get(dev)->cnf.ioam6_id (the default when the device has no entry). */
  #ifId(dev: NetDevice): number {
    const e = this.#ids(dev).id;
    return e === undefined ? IOAM6_DEFAULT_IF_ID : Number(e.value);
  }

  #ifIdWide(dev: NetDevice): number {
    const e = this.#ids(dev).idWide;
    return e === undefined ? IOAM6_DEFAULT_IF_ID_WIDE : Number(e.value) >>> 0;
  }
}

/**
 * ioam6_fill_trace_data: fills this node's entry into the Pre-allocated Trace whose
 * ioam6_trace_hdr starts at absolute offset `trace` in `pkb.buf`, i.e. at its Namespace-ID
 * field: 4 octets after the IPv6 option's type byte (option type, Opt Data Len, Reserved,
 * IOAM Opt-Type come first), the same byte Linux's `struct ioam6_trace_hdr *trace` points at.
 * The caller has checked that the trace header and RemainingLen * 4 octets of data after it lie
 * inside the buffer (ipv6_hop_ioam's checks, or an encap this node built).
 *
 * `ns` is the trace's IOAM namespace in this network namespace. `isInput` is Linux's
 * `is_input`: true on receive (the hop limit written is the header's minus one), false when the
 * node inserts the trace on output (ioam6_iptunnel: the header's hop limit as it is). The
 * packet's route (`pkb.route`, skb_dst) gives the egress device and must be set; `pkb.dev`
 * is skb->dev, the ingress device, or null for a packet this node originates (then ingress
 * ids and timestamps are 'unavailable'). Skips a trace with Overflow set; sets Overflow when
 * the entry does not fit; otherwise writes the entry and lowers RemainingLen.
 */
export function ioam6FillTraceData(ip6: Ipv6Net, pkb: PacketBuffer, ns: Ioam6Namespace, trace: number, isInput: boolean): void {
  // Without the data path registered here a one-off filler does the work (cold path only).
  const dp = Ioam6HbhNet.of(ip6) ?? new Ioam6HbhNet(ip6, new Ioam6PernetData());
  dp.fill(pkb, ns, trace, isInput);
}

// ---------------------------------------------------------------------------------------------
// Registration

/** What registerIoam6Hbh needs (a Kernel with its data path has these). */
export interface Ioam6HbhHost {
  readonly world: World;
  /** The IPv6 data path (registerIpv6). */
  readonly ipv6: Ipv6Registration;
  /** The IOAM tables (ioam6Init's key). */
  readonly ioam6Key: PernetKey<Ioam6PernetData>;
  /** Every namespace's `onTrace` and `traceWanted` from the start (the Kernel: IOAM events). */
  readonly onTrace?: Ioam6TraceObserver;
  readonly traceWanted?: (net: Net) => boolean;
}

/** The registered IOAM Hop-by-Hop data path: `get(net)` is a namespace's state. */
export class Ioam6HbhRegistration {
  readonly key: PernetKey<Ioam6HbhNet>;
  readonly ops: PernetOperations<Net, Ioam6HbhNet>;

  constructor(key: PernetKey<Ioam6HbhNet>, ops: PernetOperations<Net, Ioam6HbhNet>) {
    this.key = key;
    this.ops = ops;
  }

  get(net: Net): Ioam6HbhNet {
    return net.generic(this.key);
  }
}

/**
 * Registers the IOAM option handler (type 0x31) in the Hop-by-Hop table of every namespace,
 * present and future, as pernet operations after IPv6 and the IOAM tables (whose states must
 * exist first). Returns the registration, or the negative errno of a failed init (-EEXIST when
 * another handler holds option 0x31).
 */
export function registerIoam6Hbh(host: Ioam6HbhHost): Result<Ioam6HbhRegistration, number> {
  const unregister = new WeakMap<Ioam6HbhNet, () => void>();
  const ops: PernetOperations<Net, Ioam6HbhNet> = {
    name: 'ioam6-hbh',
    state: (net) => {
      const dp = new Ioam6HbhNet(host.ipv6.get(net), net.generic(host.ioam6Key));
      dp.onTrace = host.onTrace ?? null;
      dp.traceWanted = host.traceWanted ?? null;
      return dp;
    },
    init: (_net, dp) => {
      const off = dp.ip6.registerOption('hbh', IPV6_TLV_IOAM, dp.handler);
      if (off === undefined) return -EEXIST;
      unregister.set(dp, off);
      return 0;
    },
    exit: (_net, dp) => {
      dp.onTrace = null;
      unregister.get(dp)?.();
    },
  };
  const key = host.world.pernet.registerSubsys(ops);
  if (!key.ok) return key;
  return ok(new Ioam6HbhRegistration(key.value, ops));
}

/** Undoes registerIoam6Hbh: every namespace loses the handler. */
export function unregisterIoam6Hbh(world: World, reg: Ioam6HbhRegistration): boolean {
  return world.pernet.unregister(reg.ops);
}
