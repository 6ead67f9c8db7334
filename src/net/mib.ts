/**
 * Per-namespace SNMP counters for IPv6, ICMPv6 and UDP over IPv6, with Linux's names and
 * indices, printed like /proc/net/snmp6 and `nstat -a`.
 *
 * Indices are those of include/uapi/linux/snmp.h in Linux 6.18 (checked against the
 * IFLA_INET6_STATS array of a running 6.18 kernel: since 6.15 the ECN and OutTransmits counters
 * sit in the hot first cache line). They are wire-visible in IFLA_INET6_STATS and
 * IFLA_INET6_ICMP6STATS, whose element 0 holds the array length (the *_MIB_NUM slot).
 * Output order and names follow net/ipv6/proc.c (snmp6_ipstats_list, snmp6_icmp6_list,
 * icmp6type2name, snmp6_udp6_list, snmp6_udplite6_list), checked against /proc/net/snmp6.
 *
 * Counters are Float64Array slots: exact to 2^53, incremented in place, so `inc` allocates
 * nothing.
 */

import {
  IPSTATS_MIB_NUM,
  IPSTATS_MIB_INPKTS,
  IPSTATS_MIB_INOCTETS,
  IPSTATS_MIB_INDELIVERS,
  IPSTATS_MIB_NOECTPKTS,
  IPSTATS_MIB_ECT1PKTS,
  IPSTATS_MIB_ECT0PKTS,
  IPSTATS_MIB_CEPKTS,
  IPSTATS_MIB_OUTREQUESTS,
  IPSTATS_MIB_OUTPKTS,
  IPSTATS_MIB_OUTOCTETS,
  IPSTATS_MIB_OUTFORWDATAGRAMS,
  IPSTATS_MIB_INHDRERRORS,
  IPSTATS_MIB_INTOOBIGERRORS,
  IPSTATS_MIB_INNOROUTES,
  IPSTATS_MIB_INADDRERRORS,
  IPSTATS_MIB_INUNKNOWNPROTOS,
  IPSTATS_MIB_INTRUNCATEDPKTS,
  IPSTATS_MIB_INDISCARDS,
  IPSTATS_MIB_OUTDISCARDS,
  IPSTATS_MIB_OUTNOROUTES,
  IPSTATS_MIB_REASMTIMEOUT,
  IPSTATS_MIB_REASMREQDS,
  IPSTATS_MIB_REASMOKS,
  IPSTATS_MIB_REASMFAILS,
  IPSTATS_MIB_FRAGOKS,
  IPSTATS_MIB_FRAGFAILS,
  IPSTATS_MIB_FRAGCREATES,
  IPSTATS_MIB_INMCASTPKTS,
  IPSTATS_MIB_OUTMCASTPKTS,
  IPSTATS_MIB_INMCASTOCTETS,
  IPSTATS_MIB_OUTMCASTOCTETS,
  IPSTATS_MIB_INBCASTOCTETS,
  IPSTATS_MIB_OUTBCASTOCTETS,
  IPSTATS_MIB_MAX,
  ICMP6_MIB_NUM,
  ICMP6_MIB_INMSGS,
  ICMP6_MIB_INERRORS,
  ICMP6_MIB_OUTMSGS,
  ICMP6_MIB_OUTERRORS,
  ICMP6_MIB_CSUMERRORS,
  ICMP6_MIB_RATELIMITHOST,
  ICMP6_MIB_MAX,
  ICMP6MSG_MIB_MAX,
  UDP_MIB_INDATAGRAMS,
  UDP_MIB_NOPORTS,
  UDP_MIB_INERRORS,
  UDP_MIB_OUTDATAGRAMS,
  UDP_MIB_RCVBUFERRORS,
  UDP_MIB_SNDBUFERRORS,
  UDP_MIB_CSUMERRORS,
  UDP_MIB_IGNOREDMULTI,
  UDP_MIB_MEMERRORS,
  UDP_MIB_MAX,
} from '../uapi/snmp.ts';
// The indexes live in uapi/snmp.ts; callers of this module keep reaching them here.
export * from '../uapi/snmp.ts';


type MibItem = readonly [name: string, index: number];

/** snmp6_ipstats_list, in its order. */
export const SNMP6_IPSTATS_LIST: readonly MibItem[] = [
  ['Ip6InReceives', IPSTATS_MIB_INPKTS],
  ['Ip6InHdrErrors', IPSTATS_MIB_INHDRERRORS],
  ['Ip6InTooBigErrors', IPSTATS_MIB_INTOOBIGERRORS],
  ['Ip6InNoRoutes', IPSTATS_MIB_INNOROUTES],
  ['Ip6InAddrErrors', IPSTATS_MIB_INADDRERRORS],
  ['Ip6InUnknownProtos', IPSTATS_MIB_INUNKNOWNPROTOS],
  ['Ip6InTruncatedPkts', IPSTATS_MIB_INTRUNCATEDPKTS],
  ['Ip6InDiscards', IPSTATS_MIB_INDISCARDS],
  ['Ip6InDelivers', IPSTATS_MIB_INDELIVERS],
  ['Ip6OutForwDatagrams', IPSTATS_MIB_OUTFORWDATAGRAMS],
  ['Ip6OutRequests', IPSTATS_MIB_OUTREQUESTS],
  ['Ip6OutDiscards', IPSTATS_MIB_OUTDISCARDS],
  ['Ip6OutNoRoutes', IPSTATS_MIB_OUTNOROUTES],
  ['Ip6ReasmTimeout', IPSTATS_MIB_REASMTIMEOUT],
  ['Ip6ReasmReqds', IPSTATS_MIB_REASMREQDS],
  ['Ip6ReasmOKs', IPSTATS_MIB_REASMOKS],
  ['Ip6ReasmFails', IPSTATS_MIB_REASMFAILS],
  ['Ip6FragOKs', IPSTATS_MIB_FRAGOKS],
  ['Ip6FragFails', IPSTATS_MIB_FRAGFAILS],
  ['Ip6FragCreates', IPSTATS_MIB_FRAGCREATES],
  ['Ip6InMcastPkts', IPSTATS_MIB_INMCASTPKTS],
  ['Ip6OutMcastPkts', IPSTATS_MIB_OUTMCASTPKTS],
  ['Ip6InOctets', IPSTATS_MIB_INOCTETS],
  ['Ip6OutOctets', IPSTATS_MIB_OUTOCTETS],
  ['Ip6InMcastOctets', IPSTATS_MIB_INMCASTOCTETS],
  ['Ip6OutMcastOctets', IPSTATS_MIB_OUTMCASTOCTETS],
  ['Ip6InBcastOctets', IPSTATS_MIB_INBCASTOCTETS],
  ['Ip6OutBcastOctets', IPSTATS_MIB_OUTBCASTOCTETS],
  ['Ip6InNoECTPkts', IPSTATS_MIB_NOECTPKTS],
  ['Ip6InECT1Pkts', IPSTATS_MIB_ECT1PKTS],
  ['Ip6InECT0Pkts', IPSTATS_MIB_ECT0PKTS],
  ['Ip6InCEPkts', IPSTATS_MIB_CEPKTS],
  ['Ip6OutTransmits', IPSTATS_MIB_OUTPKTS],
];

/** snmp6_icmp6_list. */
export const SNMP6_ICMP6_LIST: readonly MibItem[] = [
  ['Icmp6InMsgs', ICMP6_MIB_INMSGS],
  ['Icmp6InErrors', ICMP6_MIB_INERRORS],
  ['Icmp6OutMsgs', ICMP6_MIB_OUTMSGS],
  ['Icmp6OutErrors', ICMP6_MIB_OUTERRORS],
  ['Icmp6InCsumErrors', ICMP6_MIB_CSUMERRORS],
  ['Icmp6OutRateLimitHost', ICMP6_MIB_RATELIMITHOST],
];

/** icmp6type2name: the ICMPv6 types printed by name (always, even when zero). */
export const ICMP6_TYPE_NAMES: Readonly<Record<number, string>> = {
  1: 'DestUnreachs',
  2: 'PktTooBigs',
  3: 'TimeExcds',
  4: 'ParmProblems',
  128: 'Echos',
  129: 'EchoReplies',
  130: 'GroupMembQueries',
  131: 'GroupMembResponses',
  132: 'GroupMembReductions',
  133: 'RouterSolicits',
  134: 'RouterAdvertisements',
  135: 'NeighborSolicits',
  136: 'NeighborAdvertisements',
  137: 'Redirects',
  143: 'MLDv2Reports',
};

/** snmp6_udp6_list. */
export const SNMP6_UDP6_LIST: readonly MibItem[] = [
  ['Udp6InDatagrams', UDP_MIB_INDATAGRAMS],
  ['Udp6NoPorts', UDP_MIB_NOPORTS],
  ['Udp6InErrors', UDP_MIB_INERRORS],
  ['Udp6OutDatagrams', UDP_MIB_OUTDATAGRAMS],
  ['Udp6RcvbufErrors', UDP_MIB_RCVBUFERRORS],
  ['Udp6SndbufErrors', UDP_MIB_SNDBUFERRORS],
  ['Udp6InCsumErrors', UDP_MIB_CSUMERRORS],
  ['Udp6IgnoredMulti', UDP_MIB_IGNOREDMULTI],
  ['Udp6MemErrors', UDP_MIB_MEMERRORS],
];

/** snmp6_udplite6_list: as UDP but without IgnoredMulti. */
export const SNMP6_UDPLITE6_LIST: readonly MibItem[] = [
  ['UdpLite6InDatagrams', UDP_MIB_INDATAGRAMS],
  ['UdpLite6NoPorts', UDP_MIB_NOPORTS],
  ['UdpLite6InErrors', UDP_MIB_INERRORS],
  ['UdpLite6OutDatagrams', UDP_MIB_OUTDATAGRAMS],
  ['UdpLite6RcvbufErrors', UDP_MIB_RCVBUFERRORS],
  ['UdpLite6SndbufErrors', UDP_MIB_SNDBUFERRORS],
  ['UdpLite6InCsumErrors', UDP_MIB_CSUMERRORS],
  ['UdpLite6MemErrors', UDP_MIB_MEMERRORS],
];

/** One counter array indexed by a *_MIB_* constant. */
export class MibTable {
  readonly values: Float64Array;

  constructor(size: number) {
    this.values = new Float64Array(size);
  }

  inc(index: number): void {
    this.values[index]! += 1;
  }

  add(index: number, n: number): void {
    this.values[index]! += n;
  }

  get(index: number): number {
    return this.values[index] ?? 0;
  }

  reset(): void {
    this.values.fill(0);
  }
}

/** The IPv6 counters of one namespace (net->mib.ipv6_statistics and friends). */
export class Ipv6Mib {
  readonly ip = new MibTable(IPSTATS_MIB_MAX);
  readonly icmp6 = new MibTable(ICMP6_MIB_MAX);
  /** ICMP6MSGIN at `type`, ICMP6MSGOUT at 0x100 + `type`. */
  readonly icmp6msg = new MibTable(ICMP6MSG_MIB_MAX);
  readonly udp6 = new MibTable(UDP_MIB_MAX);
  readonly udplite6 = new MibTable(UDP_MIB_MAX);

  /** IPSTATS increment, the hot-path call: `mib.inc(IPSTATS_MIB_INPKTS)`. */
  inc(index: number): void {
    this.ip.values[index]! += 1;
  }

  add(index: number, n: number): void {
    this.ip.values[index]! += n;
  }

  /** ICMP6MSGIN_INC_STATS: one received ICMPv6 message of `type`. */
  icmp6MsgIn(type: number): void {
    this.icmp6msg.values[type & 0xff]! += 1;
  }

  /** ICMP6MSGOUT_INC_STATS: one sent ICMPv6 message of `type`. */
  icmp6MsgOut(type: number): void {
    this.icmp6msg.values[0x100 + (type & 0xff)]! += 1;
  }

  /** Every counter /proc/net/snmp6 shows, by name, in its order. */
  snapshot(): Array<[name: string, value: number]> {
    const out: Array<[string, number]> = [];
    for (const [name, i] of SNMP6_IPSTATS_LIST) out.push([name, this.ip.get(i)]);
    for (const [name, i] of SNMP6_ICMP6_LIST) out.push([name, this.icmp6.get(i)]);
    // By name first (deprecated form, always printed), then by number when non-zero.
    for (let i = 0; i < ICMP6MSG_MIB_MAX; i++) {
      const typeName = ICMP6_TYPE_NAMES[i & 0xff];
      if (typeName === undefined) continue;
      out.push([`Icmp6${i & 0x100 ? 'Out' : 'In'}${typeName}`, this.icmp6msg.get(i)]);
    }
    for (let i = 0; i < ICMP6MSG_MIB_MAX; i++) {
      const v = this.icmp6msg.get(i);
      if (v !== 0) out.push([`Icmp6${i & 0x100 ? 'Out' : 'In'}Type${i & 0xff}`, v]);
    }
    for (const [name, i] of SNMP6_UDP6_LIST) out.push([name, this.udp6.get(i)]);
    for (const [name, i] of SNMP6_UDPLITE6_LIST) out.push([name, this.udplite6.get(i)]);
    return out;
  }

  /** The IFLA_INET6_STATS array: element 0 is the count, as inet6_fill_ifla6_stats writes. */
  ipStatsArray(): bigint[] {
    const out = Array.from(this.ip.values, (v) => BigInt(v));
    out[IPSTATS_MIB_NUM] = BigInt(IPSTATS_MIB_MAX);
    return out;
  }

  /** The IFLA_INET6_ICMP6STATS array, element 0 the count. */
  icmp6StatsArray(): bigint[] {
    const out = Array.from(this.icmp6.values, (v) => BigInt(v));
    out[ICMP6_MIB_NUM] = BigInt(ICMP6_MIB_MAX);
    return out;
  }
}

/** /proc/net/snmp6: `seq_printf("%-32s\t%lu\n")` per counter. */
export function formatSnmp6(mib: Ipv6Mib): string {
  let s = '';
  for (const [name, v] of mib.snapshot()) s += `${name.padEnd(32)}\t${v}\n`;
  return s;
}

export interface NstatOptions {
  /** `nstat -z`: print zero counters too (default: only non-zero, as `nstat -a`). */
  readonly zeros?: boolean;
}

/**
 * `nstat -a` over our counters: a `#kernel` line, then `%-32s%-16llu%6.1f` per counter
 * (iproute2 misc/nstat.c dump_kern_db); the rate is 0.0 since we keep no history.
 */
export function formatNstat(mib: Ipv6Mib, options: NstatOptions = {}): string {
  let s = '#kernel\n';
  for (const [name, v] of mib.snapshot()) {
    if (v === 0 && options.zeros !== true) continue;
    s += `${name.padEnd(32)}${String(v).padEnd(16)}${'0.0'.padStart(6)}\n`;
  }
  return s;
}
