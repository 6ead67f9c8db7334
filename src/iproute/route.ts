/**
 * `ip route` for IPv6, as iproute2 6.1.0 ip/iproute.c parses and prints it (iproute_modify,
 * iproute_list_flush_or_save, iproute_flush, iproute_get, print_route, filter_nlmsg) with the
 * ioam6 part of ip/iproute_lwtunnel.c (parse_encap_ioam6, print_encap_ioam6).
 *
 * Device names are resolved through a `DeviceNames` lookup the caller provides (ll_name_to_index
 * and ll_index_to_name), since links are another object's business.
 *
 * Not supported (the words are refused as iproute2 refuses a prefix it cannot parse, or with the
 * message given): `nhid`, `as`, `realms`, `tos`, `rtt`, `rttvar`,
 * `rto_min`, `congctl`, `ttl-propagate`, `vrf`, `save`/`restore`/`showdump`, encap types other
 * than ioam6, `get ... connected`.
 */

import { NlMsgBuilder, type NlMsgView } from '../netlink/message.ts';
import { nlaParse, type NlAttrTable } from '../netlink/policy.ts';
import { ICMPV6_ROUTER_PREF_HIGH, ICMPV6_ROUTER_PREF_LOW, ICMPV6_ROUTER_PREF_MEDIUM } from '../uapi/icmpv6.ts';
import {
  IOAM6_IPTUNNEL_DST,
  IOAM6_IPTUNNEL_SRC,
  IOAM6_IPTUNNEL_FREQ_K,
  IOAM6_IPTUNNEL_FREQ_MAX,
  IOAM6_IPTUNNEL_FREQ_MIN,
  IOAM6_IPTUNNEL_FREQ_N,
  IOAM6_IPTUNNEL_MAX,
  IOAM6_IPTUNNEL_MODE,
  IOAM6_IPTUNNEL_MODE_AUTO,
  IOAM6_IPTUNNEL_MODE_INLINE,
  IOAM6_IPTUNNEL_TRACE,
} from '../uapi/ioam6_iptunnel.ts';
import { IOAM6_TRACE_DATA_SIZE_MAX } from '../uapi/ioam6.ts';
import { LWTUNNEL_ENCAP_IOAM6 } from '../uapi/lwtunnel.ts';
import { NLM_F_APPEND, NLM_F_CREATE, NLM_F_EXCL, NLM_F_REPLACE, NLM_F_REQUEST, NL_VALIDATE_LIBERAL, NLMSG_HDRLEN } from '../uapi/netlink.ts';
import {
  RT_SCOPE_HOST,
  RT_SCOPE_LINK,
  RT_SCOPE_NOWHERE,
  RT_SCOPE_SITE,
  RT_SCOPE_UNIVERSE,
  RT_TABLE_LOCAL,
  RT_TABLE_MAIN,
  RT_TABLE_UNSPEC,
  RTA_CACHEINFO,
  RTA_DST,
  RTA_ENCAP,
  RTA_ENCAP_TYPE,
  RTA_EXPIRES,
  RTA_GATEWAY,
  RTA_IIF,
  RTA_IP_PROTO,
  RTA_MARK,
  RTA_MAX,
  RTA_METRICS,
  RTA_MULTIPATH,
  RTA_OIF,
  RTA_PREF,
  RTA_PREFSRC,
  RTA_PRIORITY,
  RTA_SPORT,
  RTA_DPORT,
  RTA_SRC,
  RTA_TABLE,
  RTA_UID,
  RTAX_ADVMSS,
  RTAX_CWND,
  RTAX_FASTOPEN_NO_COOKIE,
  RTAX_FEATURE_ECN,
  RTAX_FEATURES,
  RTAX_HOPLIMIT,
  RTAX_INITCWND,
  RTAX_INITRWND,
  RTAX_LOCK,
  RTAX_MAX,
  RTAX_MTU,
  RTAX_QUICKACK,
  RTAX_REORDERING,
  RTAX_RTO_MIN,
  RTAX_RTT,
  RTAX_RTTVAR,
  RTAX_SSTHRESH,
  RTAX_WINDOW,
  RTM_DELROUTE,
  RTM_F_CLONED,
  RTM_F_FIB_MATCH,
  RTM_F_NOTIFY,
  RTM_F_OFFLOAD,
  RTM_F_OFFLOAD_FAILED,
  RTM_F_TRAP,
  RTM_GETROUTE,
  RTM_NEWROUTE,
  RTMSG_RTM_DST_LEN,
  RTMSG_RTM_FAMILY,
  RTMSG_RTM_FLAGS,
  RTMSG_RTM_PROTOCOL,
  RTMSG_RTM_SCOPE,
  RTMSG_RTM_SRC_LEN,
  RTMSG_RTM_TABLE,
  RTMSG_RTM_TOS,
  RTMSG_RTM_TYPE,
  RTMSG_SIZE,
  RTN_ANYCAST,
  RTN_BLACKHOLE,
  RTN_BROADCAST,
  RTN_LOCAL,
  RTN_MULTICAST,
  RTN_NAT,
  RTN_PROHIBIT,
  RTN_THROW,
  RTN_UNICAST,
  RTN_UNREACHABLE,
  RTN_UNSPEC,
  RTN_XRESOLVE,
  RTNEXTHOP_RTNH_FLAGS,
  RTNEXTHOP_RTNH_HOPS,
  RTNEXTHOP_RTNH_IFINDEX,
  RTNEXTHOP_RTNH_LEN,
  RTNEXTHOP_SIZE,
  RTNH_F_DEAD,
  RTNH_F_LINKDOWN,
  RTNH_F_OFFLOAD,
  RTNH_F_ONLINK,
  RTNH_F_PERVASIVE,
  RTNH_F_TRAP,
  RTNH_F_UNRESOLVED,
} from '../uapi/rtnetlink.ts';
import { strerror } from '../uapi/errno.ts';
import { setU32le, u16le, u32le } from '../wire/bytes.ts';
import {
  AF_INET,
  AF_INET6,
  AF_UNSPEC,
  Args,
  PREFIXLEN_SPECIFIED,
  duparg2,
  exitWith,
  formatHost,
  getAddr,
  getPrefix,
  getU16,
  getU32,
  getU8,
  getUnsigned,
  invarg,
  matches,
  missarg,
  nodev,
  readFamily,
  strtoul,
  type InetPrefix,
} from './cmdline.ts';
import type { IpContext, IpObjectHandler } from './ip.ts';
import { PRINT_ANY, PRINT_FP, PRINT_JSON } from './json.ts';

/** ll_name_to_index / ll_index_to_name for the namespace a command runs in. */
export interface DeviceNames {
  /** 0 when there is no such device. */
  nameToIndex(name: string): number;
  /** undefined when the index is unknown (printed as "if%u"). */
  indexToName(ifindex: number): string | undefined;
}

/** How the object finds the device names of the namespace of `ctx`. */
export type DeviceNamesOf = (ctx: IpContext) => DeviceNames;

const USER_HZ = 100;

export const IP_ROUTE_USAGE =
  'Usage: ip route { list | flush } SELECTOR\n' +
  '       ip route save SELECTOR\n' +
  '       ip route restore\n' +
  '       ip route showdump\n' +
  '       ip route get [ ROUTE_GET_FLAGS ] ADDRESS\n' +
  '                            [ from ADDRESS iif STRING ]\n' +
  '                            [ oif STRING ] [ tos TOS ]\n' +
  '                            [ mark NUMBER ] [ vrf NAME ]\n' +
  '                            [ uid NUMBER ] [ ipproto PROTOCOL ]\n' +
  '                            [ sport NUMBER ] [ dport NUMBER ]\n' +
  '       ip route { add | del | change | append | replace } ROUTE\n' +
  'SELECTOR := [ root PREFIX ] [ match PREFIX ] [ exact PREFIX ]\n' +
  '            [ table TABLE_ID ] [ vrf NAME ] [ proto RTPROTO ]\n' +
  '            [ type TYPE ] [ scope SCOPE ]\n' +
  'ROUTE := NODE_SPEC [ INFO_SPEC ]\n' +
  'NODE_SPEC := [ TYPE ] PREFIX [ tos TOS ]\n' +
  '             [ table TABLE_ID ] [ proto RTPROTO ]\n' +
  '             [ scope SCOPE ] [ metric METRIC ]\n' +
  '             [ ttl-propagate { enabled | disabled } ]\n' +
  'INFO_SPEC := { NH | nhid ID } OPTIONS FLAGS [ nexthop NH ]...\n' +
  'NH := [ encap ENCAPTYPE ENCAPHDR ] [ via [ FAMILY ] ADDRESS ]\n' +
  '      [ dev STRING ] [ weight NUMBER ] NHFLAGS\n' +
  'FAMILY := [ inet | inet6 | mpls | bridge | link ]\n' +
  'OPTIONS := FLAGS [ mtu NUMBER ] [ advmss NUMBER ] [ as [ to ] ADDRESS ]\n' +
  '           [ rtt TIME ] [ rttvar TIME ] [ reordering NUMBER ]\n' +
  '           [ window NUMBER ] [ cwnd NUMBER ] [ initcwnd NUMBER ]\n' +
  '           [ ssthresh NUMBER ] [ realms REALM ] [ src ADDRESS ]\n' +
  '           [ rto_min TIME ] [ hoplimit NUMBER ] [ initrwnd NUMBER ]\n' +
  '           [ features FEATURES ] [ quickack BOOL ] [ congctl NAME ]\n' +
  '           [ pref PREF ] [ expires TIME ] [ fastopen_no_cookie BOOL ]\n' +
  'TYPE := { unicast | local | broadcast | multicast | throw |\n' +
  '          unreachable | prohibit | blackhole | nat }\n' +
  'TABLE_ID := [ local | main | default | all | NUMBER ]\n' +
  'SCOPE := [ host | link | global | NUMBER ]\n' +
  'NHFLAGS := [ onlink | pervasive ]\n' +
  'RTPROTO := [ kernel | boot | static | NUMBER ]\n' +
  'PREF := [ low | medium | high ]\n' +
  'TIME := NUMBER[s|ms]\n' +
  'BOOL := [1|0]\n' +
  'FEATURES := ecn\n' +
  'ENCAPTYPE := [ mpls | ip | ip6 | seg6 | seg6local | rpl | ioam6 | xfrm ]\n' +
  'ENCAPHDR := [ MPLSLABEL | SEG6HDR | SEG6LOCAL | IOAM6HDR | XFRMINFO ]\n' +
  'SEG6HDR := [ mode SEGMODE ] segs ADDR1,ADDRi,ADDRn [hmac HMACKEYID] [cleanup]\n' +
  'SEGMODE := [ encap | encap.red | inline | l2encap | l2encap.red ]\n' +
  'SEG6LOCAL := action ACTION [ OPTIONS ] [ count ]\n' +
  'ACTION := { End | End.X | End.T | End.DX2 | End.DX6 | End.DX4 |\n' +
  '            End.DT6 | End.DT4 | End.DT46 | End.B6 | End.B6.Encaps |\n' +
  '            End.BM | End.S | End.AS | End.AM | End.BPF }\n' +
  'OPTIONS := OPTION [ OPTIONS ]\n' +
  'OPTION := { flavors FLAVORS | srh SEG6HDR | nh4 ADDR | nh6 ADDR | iif DEV | oif DEV |\n' +
  '            table TABLEID | vrftable TABLEID | endpoint PROGNAME }\n' +
  'FLAVORS := { FLAVOR[,FLAVOR] }\n' +
  'FLAVOR := { psp | usp | usd | next-csid }\n' +
  'IOAM6HDR := trace prealloc type IOAM6_TRACE_TYPE ns IOAM6_NAMESPACE size IOAM6_TRACE_SIZE\n' +
  'XFRMINFO := if_id IF_ID [ link_dev LINK ]\n' +
  'ROUTE_GET_FLAGS := [ fibmatch ]\n';

function usage(): never {
  exitWith(-1, IP_ROUTE_USAGE);
}

// ---------------------------------------------------------------------------------------------
// Names (lib/rt_names.c, ip/rtm_map.c, etc/iproute2/rt_protos and rt_tables)

const RT_PROTOS: ReadonlyMap<number, string> = new Map([
  [0, 'unspec'],
  [1, 'redirect'],
  [2, 'kernel'],
  [3, 'boot'],
  [4, 'static'],
  [8, 'gated'],
  [9, 'ra'],
  [10, 'mrt'],
  [11, 'zebra'],
  [12, 'bird'],
  [13, 'dnrouted'],
  [14, 'xorp'],
  [15, 'ntk'],
  [16, 'dhcp'],
  [18, 'keepalived'],
  [42, 'babel'],
  [99, 'openr'],
  [186, 'bgp'],
  [187, 'isis'],
  [188, 'ospf'],
  [189, 'rip'],
  [192, 'eigrp'],
]);

const RT_TABLES: ReadonlyMap<number, string> = new Map([
  [255, 'local'],
  [254, 'main'],
  [253, 'default'],
  [0, 'unspec'],
]);

const RT_SCOPES: ReadonlyMap<number, string> = new Map([
  [RT_SCOPE_UNIVERSE, 'global'],
  [RT_SCOPE_NOWHERE, 'nowhere'],
  [RT_SCOPE_HOST, 'host'],
  [RT_SCOPE_LINK, 'link'],
  [RT_SCOPE_SITE, 'site'],
]);

/** strtoul(arg, &end, 0) that must consume everything and stay within `max`. */
function numberArg(arg: string, max: number): number | undefined {
  const r = strtoul(arg, 0);
  if (r.end === 0 || r.end !== arg.length || r.value > BigInt(max)) return undefined;
  return Number(r.value);
}

function nameToId(names: ReadonlyMap<number, string>, arg: string, max: number): number | undefined {
  for (const [id, name] of names) if (name === arg) return id;
  return numberArg(arg, max);
}

export function rtprotN2a(id: number, numeric: boolean): string {
  return numeric ? String(id) : (RT_PROTOS.get(id) ?? String(id));
}

export function rttableN2a(id: number, numeric: boolean): string {
  return numeric ? String(id) : (RT_TABLES.get(id) ?? String(id));
}

function rtscopeN2a(id: number, numeric: boolean): string {
  return numeric ? String(id) : (RT_SCOPES.get(id) ?? String(id));
}

function rtscopeA2n(arg: string): number | undefined {
  if (arg === 'global' || arg === 'universe') return RT_SCOPE_UNIVERSE;
  return nameToId(RT_SCOPES, arg, 255);
}

/** rtnl_rtntype_n2a. */
export function rtntypeN2a(id: number, numeric: boolean): string {
  if (numeric) return String(id);
  const names = ['none', 'unicast', 'local', 'broadcast', 'anycast', 'multicast', 'blackhole', 'unreachable', 'prohibit', 'throw', 'nat', 'xresolve'];
  return names[id] ?? String(id);
}

/** rtnl_rtntype_a2n. */
function rtntypeA2n(arg: string): number | undefined {
  if (arg === 'local') return RTN_LOCAL;
  if (arg === 'nat') return RTN_NAT;
  if (matches(arg, 'broadcast') || arg === 'brd') return RTN_BROADCAST;
  if (matches(arg, 'anycast')) return RTN_ANYCAST;
  if (matches(arg, 'multicast')) return RTN_MULTICAST;
  if (matches(arg, 'prohibit')) return RTN_PROHIBIT;
  if (matches(arg, 'unreachable')) return RTN_UNREACHABLE;
  if (matches(arg, 'blackhole')) return RTN_BLACKHOLE;
  if (matches(arg, 'xresolve')) return RTN_XRESOLVE;
  if (matches(arg, 'unicast')) return RTN_UNICAST;
  if (arg === 'throw') return RTN_THROW;
  return numberArg(arg, 255);
}

const MX_NAMES: readonly (string | undefined)[] = (() => {
  const n: (string | undefined)[] = [];
  n[RTAX_MTU] = 'mtu';
  n[RTAX_WINDOW] = 'window';
  n[RTAX_RTT] = 'rtt';
  n[RTAX_RTTVAR] = 'rttvar';
  n[RTAX_SSTHRESH] = 'ssthresh';
  n[RTAX_CWND] = 'cwnd';
  n[RTAX_ADVMSS] = 'advmss';
  n[RTAX_REORDERING] = 'reordering';
  n[RTAX_HOPLIMIT] = 'hoplimit';
  n[RTAX_INITCWND] = 'initcwnd';
  n[RTAX_FEATURES] = 'features';
  n[RTAX_RTO_MIN] = 'rto_min';
  n[RTAX_INITRWND] = 'initrwnd';
  n[RTAX_QUICKACK] = 'quickack';
  n[16] = 'congctl';
  n[RTAX_FASTOPEN_NO_COOKIE] = 'fastopen_no_cookie';
  return n;
})();

const IOAM6_MODES = ['', 'inline', 'encap', 'auto'] as const;

// ---------------------------------------------------------------------------------------------
// The request builder (a struct { nlmsghdr; rtmsg; buf } as iproute2 fills it)

class RouteRequest {
  readonly b = new NlMsgBuilder({ initialCapacity: 512 });
  readonly hdr: number;

  constructor(type: number, flags: number) {
    this.b.beginMessage(type, NLM_F_REQUEST | flags, 0, 0);
    this.hdr = this.b.reserve(RTMSG_SIZE);
  }

  set(field: number, v: number): void {
    this.b.buffer[this.hdr + field] = v;
  }

  get(field: number): number {
    return this.b.buffer[this.hdr + field] ?? 0;
  }

  orFlags(f: number): void {
    setU32le(this.b.buffer, this.hdr + RTMSG_RTM_FLAGS, (u32le(this.b.buffer, this.hdr + RTMSG_RTM_FLAGS) | f) >>> 0);
  }

  bytes(): Uint8Array {
    this.b.finish();
    return this.b.toBytes();
  }
}

// ---------------------------------------------------------------------------------------------
// encap ioam6 (iproute_lwtunnel.c)

const ENCAP_TYPES: readonly string[] = ['', 'mpls', 'ip', 'ila', 'ip6', 'seg6', 'bpf', 'seg6local', 'rpl', 'ioam6', 'xfrm'];

/** parse_ioam6_freq: "K/N" with one slash and two u32s. */
function parseIoam6Freq(text: string): [number, number] | undefined {
  let slashes = 0;
  for (const c of text) if (c === '/') slashes++;
  if (slashes !== 1) return undefined;
  // strtok skips empty tokens: "/5" or "5/" have one token only.
  const parts = text.split('/').filter((p) => p !== '');
  if (parts.length !== 2) return undefined;
  const k = getU32(parts[0] ?? '', 10);
  const n = getU32(parts[1] ?? '', 10);
  if (k === undefined || n === undefined) return undefined;
  return [k, n];
}

/** parse_encap_ioam6: the words after `encap ioam6`, into the RTA_ENCAP nest. */
function parseEncapIoam6(b: NlMsgBuilder, args: Args): void {
  let freqK = IOAM6_IPTUNNEL_FREQ_MIN;
  let freqN = IOAM6_IPTUNNEL_FREQ_MIN;
  if (args.cur() === 'freq') {
    const arg = args.next();
    if (arg.length > 15) invarg('Invalid frequency (too long)', arg);
    const f = parseIoam6Freq(arg);
    if (f === undefined) invarg('Invalid frequency (malformed)', arg);
    [freqK, freqN] = f;
    if (freqK < IOAM6_IPTUNNEL_FREQ_MIN || freqK > IOAM6_IPTUNNEL_FREQ_MAX) invarg('Out of bound "k" frequency', arg);
    if (freqN < IOAM6_IPTUNNEL_FREQ_MIN || freqN > IOAM6_IPTUNNEL_FREQ_MAX) invarg('Out of bound "n" frequency', arg);
    if (freqK > freqN) invarg('Frequency with k > n is forbidden', arg);
    args.next();
  }
  let mode: number = IOAM6_IPTUNNEL_MODE_INLINE;
  if (args.cur() === 'mode') {
    const arg = args.next();
    const m = IOAM6_MODES.indexOf(arg as (typeof IOAM6_MODES)[number]);
    if (m <= 0) invarg('Invalid mode', arg);
    mode = m;
    args.next();
  }
  // tunsrc came with iproute2 6.12 (kernel IOAM6_IPTUNNEL_SRC); 6.1 knows only tundst.
  let tunsrc: Uint8Array | undefined;
  if (args.cur() === 'tunsrc') {
    if (mode === IOAM6_IPTUNNEL_MODE_INLINE) invarg('Inline mode does not need tunsrc', args.cur());
    const arg = args.next();
    const a = getAddr(arg, AF_INET6);
    if (a.family !== AF_INET6 || a.bytelen !== 16) invarg('Invalid IPv6 address for tunsrc', arg);
    tunsrc = a.data.slice(0, 16);
    args.next();
  }
  let tundst: Uint8Array | undefined;
  if (args.cur() !== 'tundst') {
    if (mode !== IOAM6_IPTUNNEL_MODE_INLINE) missarg('tundst');
  } else {
    if (mode === IOAM6_IPTUNNEL_MODE_INLINE) invarg('Inline mode does not need tundst', args.cur());
    const arg = args.next();
    const a = getAddr(arg, AF_INET6);
    if (a.family !== AF_INET6 || a.bytelen !== 16) invarg('Invalid IPv6 address for tundst', arg);
    tundst = a.data.slice(0, 16);
    args.next();
  }
  if (args.cur() !== 'trace') missarg('trace');
  args.next();
  if (args.cur() !== 'prealloc') missarg('prealloc');
  let type = 0;
  let ns: number | undefined;
  let size = 0;
  while (args.nextOk()) {
    args.fwd();
    const w = args.cur();
    if (w === 'type') {
      const arg = args.next();
      if (type !== 0) duparg2('type', arg);
      const v = getU32(arg, 0);
      if (v === undefined || v === 0) invarg('Invalid trace type', arg);
      type = v;
    } else if (w === 'ns') {
      const arg = args.next();
      if (ns !== undefined) duparg2('ns', arg);
      const v = getU16(arg, 0);
      if (v === undefined) invarg('Invalid namespace ID', arg);
      ns = v;
    } else if (w === 'size') {
      const arg = args.next();
      if (size !== 0) duparg2('size', arg);
      const v = getU16(arg, 0);
      if (v === undefined || v === 0) invarg('Invalid trace size', arg);
      if (v % 4 !== 0) invarg('Trace size must be a 4-octet multiple', arg);
      if (v > IOAM6_TRACE_DATA_SIZE_MAX) invarg('Trace size is too big', arg);
      size = v;
    } else break;
  }
  if (type === 0) missarg('type');
  if (ns === undefined) missarg('ns');
  if (size === 0) missarg('size');
  const trace = new Uint8Array(8);
  // type_be32 = htonl(type << 8): the C shift keeps 32 bits.
  const tw = (type << 8) >>> 0;
  trace[0] = ns >>> 8;
  trace[1] = ns & 0xff;
  trace[3] = (size / 4) & 0xff;
  trace[4] = tw >>> 24;
  trace[5] = (tw >>> 16) & 0xff;
  trace[6] = (tw >>> 8) & 0xff;
  trace[7] = tw & 0xff;
  b.putU32(IOAM6_IPTUNNEL_FREQ_K, freqK);
  b.putU32(IOAM6_IPTUNNEL_FREQ_N, freqN);
  b.putU8(IOAM6_IPTUNNEL_MODE, mode);
  if (mode !== IOAM6_IPTUNNEL_MODE_INLINE && tunsrc !== undefined) b.put(IOAM6_IPTUNNEL_SRC, tunsrc);
  if (mode !== IOAM6_IPTUNNEL_MODE_INLINE && tundst !== undefined) b.put(IOAM6_IPTUNNEL_DST, tundst);
  b.put(IOAM6_IPTUNNEL_TRACE, trace);
  // The caller's loop steps forward once more (iproute_lwtunnel.c: "so step back").
  args.prev();
}

/** lwt_parse_encap: `encap TYPE ...`; RTA_ENCAP (nested) then RTA_ENCAP_TYPE. */
function lwtParseEncap(b: NlMsgBuilder, args: Args): void {
  const name = args.next();
  const type = ENCAP_TYPES.indexOf(name);
  if (type <= 0) invarg('"encap type" value is invalid\n', name);
  args.next();
  if (args.argc <= 1) exitWith(-1, 'Error: unexpected end of line after "encap"\n');
  if (type !== LWTUNNEL_ENCAP_IOAM6) exitWith(-1, `Error: encap type "${name}" is not supported by v6stack\n`);
  const nest = b.nestStart(RTA_ENCAP);
  parseEncapIoam6(b, args);
  b.nestEnd(nest);
  b.putU16(RTA_ENCAP_TYPE, type);
}

// ---------------------------------------------------------------------------------------------
// add / change / replace / prepend / append / test / delete

/**
 * parse_one_nh: the words after one `nexthop` (via, dev, weight, onlink, encap) into the
 * rtnexthop at `at`; stops at the first other word. A device that does not exist ends the
 * program as iproute2 does ("Error: cannot parse nexthop").
 */
function parseOneNh(req: RouteRequest, names: DeviceNames, args: Args, at: number, ctx: IpContext): void {
  const b = req.b;
  for (args.fwd(); args.argc > 0; args.fwd()) {
    const w = args.cur();
    if (w === 'via') {
      let arg = args.next();
      let fam = readFamily(arg);
      if (fam === AF_UNSPEC) fam = req.get(RTMSG_RTM_FAMILY);
      else arg = args.next();
      const a = getAddr(arg, fam);
      if (req.get(RTMSG_RTM_FAMILY) === AF_UNSPEC) req.set(RTMSG_RTM_FAMILY, a.family);
      if (a.family !== req.get(RTMSG_RTM_FAMILY)) exitWith(-1, `Error: "via ${arg}" of another family is not supported by v6stack\n`);
      b.put(RTA_GATEWAY, a.data.subarray(0, a.bytelen));
    } else if (w === 'dev') {
      const name = args.next();
      const idx = names.nameToIndex(name);
      if (idx === 0) {
        nodev(ctx.err, name);
        exitWith(-1, 'Error: cannot parse nexthop\n');
      }
      setU32le(b.buffer, at + RTNEXTHOP_RTNH_IFINDEX, idx);
    } else if (w === 'weight') {
      const arg = args.next();
      const v = getUnsigned(arg, 0);
      if (v === undefined || v === 0 || v > 256) invarg('"weight" is invalid\n', arg);
      b.buffer[at + RTNEXTHOP_RTNH_HOPS] = v - 1;
    } else if (w === 'onlink') {
      b.buffer[at + RTNEXTHOP_RTNH_FLAGS] = (b.buffer[at + RTNEXTHOP_RTNH_FLAGS] ?? 0) | RTNH_F_ONLINK;
    } else if (w === 'encap') {
      lwtParseEncap(b, args);
    } else break;
  }
}

/** parse_nexthops: `nexthop NH [nexthop NH]...` into RTA_MULTIPATH. */
function parseNexthops(req: RouteRequest, names: DeviceNames, args: Args, ctx: IpContext): void {
  const b = req.b;
  const mp = b.nestStartNoflag(RTA_MULTIPATH);
  while (args.argc > 0) {
    if (args.cur() !== 'nexthop') exitWith(-1, `Error: "nexthop" or end of line is expected instead of "${args.cur()}"\n`);
    if (args.argc <= 1) exitWith(-1, 'Error: unexpected end of line after "nexthop"\n');
    const at = b.reserve(RTNEXTHOP_SIZE);
    parseOneNh(req, names, args, at, ctx);
    const len = b.length - at;
    b.buffer[at + RTNEXTHOP_RTNH_LEN] = len & 0xff;
    b.buffer[at + RTNEXTHOP_RTNH_LEN + 1] = len >>> 8;
  }
  if (b.length - mp > 4) b.nestEnd(mp);
  else b.nestCancel(mp);
}

async function iprouteModify(ctx: IpContext, names: DeviceNames, cmd: number, flags: number, argv: readonly string[]): Promise<number> {
  const req = new RouteRequest(cmd, flags);
  const b = req.b;
  req.set(RTMSG_RTM_FAMILY, ctx.family);
  req.set(RTMSG_RTM_TABLE, RT_TABLE_MAIN);
  req.set(RTMSG_RTM_SCOPE, RT_SCOPE_NOWHERE);
  if (cmd !== RTM_DELROUTE) {
    req.set(RTMSG_RTM_PROTOCOL, 3); // RTPROT_BOOT
    req.set(RTMSG_RTM_SCOPE, RT_SCOPE_UNIVERSE);
    req.set(RTMSG_RTM_TYPE, RTN_UNICAST);
  }
  const mx: [number, number][] = [];
  let mxlock = 0;
  let dev: string | undefined;
  let gwOk = false;
  let nhsOk = false;
  let dstOk = false;
  let scopeOk = false;
  let tableOk = false;
  const family = (): number => req.get(RTMSG_RTM_FAMILY);
  const setFamily = (p: InetPrefix): void => {
    if (family() === AF_UNSPEC) req.set(RTMSG_RTM_FAMILY, p.family);
  };
  const metricArg = (args: Args, rtax: number, what: string, check?: (v: number) => boolean): void => {
    let arg = args.next();
    if (arg === 'lock') {
      mxlock |= 1 << rtax;
      arg = args.next();
    }
    const v = getUnsigned(arg, 0);
    if (v === undefined || (check !== undefined && !check(v))) invarg(`"${what}" value is invalid\n`, arg);
    mx.push([rtax, v]);
  };
  const args = new Args(argv);
  while (args.argc > 0) {
    const w = args.cur();
    if (w === 'src') {
      const a = getAddr(args.next(), family());
      setFamily(a);
      b.put(RTA_PREFSRC, a.data.subarray(0, a.bytelen));
    } else if (w === 'via') {
      if (gwOk) invarg('use nexthop syntax to specify multiple via\n', w);
      gwOk = true;
      let arg = args.next();
      let fam = readFamily(arg);
      if (fam === AF_UNSPEC) fam = family();
      else arg = args.next();
      const a = getAddr(arg, fam);
      setFamily(a);
      if (a.family === family()) b.put(RTA_GATEWAY, a.data.subarray(0, a.bytelen));
      else exitWith(-1, `Error: "via ${arg}" of another family is not supported by v6stack\n`);
    } else if (w === 'from') {
      const a = getPrefix(args.next(), family());
      setFamily(a);
      if (a.bytelen !== 0) b.put(RTA_SRC, a.data.subarray(0, a.bytelen));
      req.set(RTMSG_RTM_SRC_LEN, a.bitlen);
    } else if (w === 'expires') {
      const arg = args.next();
      const v = getU32(arg, 0);
      if (v === undefined) invarg('"expires" value is invalid\n', arg);
      b.putU32(RTA_EXPIRES, v);
    } else if (matches(w, 'metric') || matches(w, 'priority') || w === 'preference') {
      const arg = args.next();
      const v = getU32(arg, 0);
      if (v === undefined) invarg('"metric" value is invalid\n', arg);
      b.putU32(RTA_PRIORITY, v);
    } else if (w === 'scope') {
      const arg = args.next();
      const v = rtscopeA2n(arg);
      if (v === undefined) invarg('invalid "scope" value\n', arg);
      req.set(RTMSG_RTM_SCOPE, v);
      scopeOk = true;
    } else if (w === 'mtu') {
      metricArg(args, RTAX_MTU, 'mtu');
    } else if (w === 'hoplimit') {
      metricArg(args, RTAX_HOPLIMIT, 'hoplimit', (v) => v <= 255);
    } else if (w === 'advmss') {
      metricArg(args, RTAX_ADVMSS, 'mss');
    } else if (matches(w, 'reordering')) {
      metricArg(args, RTAX_REORDERING, 'reordering');
    } else if (matches(w, 'window')) {
      metricArg(args, RTAX_WINDOW, 'window');
    } else if (matches(w, 'cwnd')) {
      metricArg(args, RTAX_CWND, 'cwnd');
    } else if (matches(w, 'initcwnd')) {
      metricArg(args, RTAX_INITCWND, 'initcwnd');
    } else if (matches(w, 'initrwnd')) {
      metricArg(args, RTAX_INITRWND, 'initrwnd');
    } else if (matches(w, 'ssthresh')) {
      metricArg(args, RTAX_SSTHRESH, 'ssthresh');
    } else if (matches(w, 'features')) {
      const arg = args.next();
      if (arg !== 'ecn') invarg('"features" value not valid\n', arg);
      mx.push([RTAX_FEATURES, RTAX_FEATURE_ECN]);
    } else if (matches(w, 'quickack') || matches(w, 'fastopen_no_cookie')) {
      const name = matches(w, 'quickack') ? 'quickack' : 'fastopen_no_cookie';
      const arg = args.next();
      const v = getUnsigned(arg, 0);
      if (v === undefined) invarg(`"${name}" value is invalid\n`, arg);
      if (v !== 0 && v !== 1) invarg(`"${name}" value should be 0 or 1\n`, arg);
      mx.push([name === 'quickack' ? RTAX_QUICKACK : RTAX_FASTOPEN_NO_COOKIE, v]);
    } else if (w === 'onlink') {
      req.orFlags(RTNH_F_ONLINK);
    } else if (w === 'nexthop') {
      nhsOk = true;
      break;
    } else if (matches(w, 'protocol')) {
      const arg = args.next();
      const v = nameToId(RT_PROTOS, arg, 255);
      if (v === undefined) invarg('"protocol" value is invalid\n', arg);
      req.set(RTMSG_RTM_PROTOCOL, v);
    } else if (matches(w, 'table')) {
      const arg = args.next();
      const v = nameToId(RT_TABLES, arg, 0xffffffff);
      if (v === undefined) invarg('"table" value is invalid\n', arg);
      if (v < 256) req.set(RTMSG_RTM_TABLE, v);
      else {
        req.set(RTMSG_RTM_TABLE, RT_TABLE_UNSPEC);
        b.putU32(RTA_TABLE, v);
      }
      tableOk = true;
    } else if (w === 'dev' || w === 'oif') {
      dev = args.next();
    } else if (matches(w, 'pref')) {
      const arg = args.next();
      let pref: number | undefined;
      if (arg === 'low') pref = ICMPV6_ROUTER_PREF_LOW;
      else if (arg === 'medium') pref = ICMPV6_ROUTER_PREF_MEDIUM;
      else if (arg === 'high') pref = ICMPV6_ROUTER_PREF_HIGH;
      else pref = getU8(arg, 0);
      if (pref === undefined) invarg('"pref" value is invalid\n', arg);
      b.putU8(RTA_PREF, pref);
    } else if (w === 'encap') {
      lwtParseEncap(b, args);
    } else {
      let arg = w;
      if (arg === 'to') arg = args.next();
      const c = arg.charCodeAt(0);
      const type = c >= 0x30 && c <= 0x39 ? undefined : rtntypeA2n(arg);
      if (type !== undefined) {
        arg = args.next();
        req.set(RTMSG_RTM_TYPE, type);
      }
      if (matches(arg, 'help')) usage();
      if (dstOk) duparg2('to', arg);
      const dst = getPrefix(arg, family());
      setFamily(dst);
      req.set(RTMSG_RTM_DST_LEN, dst.bitlen);
      dstOk = true;
      if (dst.bytelen !== 0) b.put(RTA_DST, dst.data.subarray(0, dst.bytelen));
    }
    args.fwd();
  }
  if (!dstOk) usage();
  if (dev !== undefined) {
    const idx = names.nameToIndex(dev);
    if (idx === 0) return nodev(ctx.err, dev);
    b.putU32(RTA_OIF, idx);
  }
  if (mx.length > 0) {
    const nest = b.nestStartNoflag(RTA_METRICS);
    for (const [t, v] of mx) b.putU32(t, v);
    if (mxlock !== 0) b.putU32(RTAX_LOCK, mxlock);
    b.nestEnd(nest);
  }
  if (nhsOk) parseNexthops(req, names, args, ctx);
  if (family() === AF_UNSPEC) req.set(RTMSG_RTM_FAMILY, AF_INET);
  const type = req.get(RTMSG_RTM_TYPE);
  if (!tableOk && (type === RTN_LOCAL || type === RTN_BROADCAST || type === RTN_NAT || type === RTN_ANYCAST)) {
    req.set(RTMSG_RTM_TABLE, RT_TABLE_LOCAL);
  }
  if (!scopeOk) {
    if (family() === AF_INET6) req.set(RTMSG_RTM_SCOPE, RT_SCOPE_UNIVERSE);
    else if (type === RTN_LOCAL || type === RTN_NAT) req.set(RTMSG_RTM_SCOPE, RT_SCOPE_HOST);
    else if (type === RTN_BROADCAST || type === RTN_MULTICAST || type === RTN_ANYCAST) req.set(RTMSG_RTM_SCOPE, RT_SCOPE_LINK);
    else if (type === RTN_UNICAST || type === RTN_UNSPEC) {
      if (cmd === RTM_DELROUTE) req.set(RTMSG_RTM_SCOPE, RT_SCOPE_NOWHERE);
      else if (!gwOk && !nhsOk) req.set(RTMSG_RTM_SCOPE, RT_SCOPE_LINK);
    }
  }
  const r = await ctx.rth.talk(req.bytes());
  return r.ret !== 0 ? -2 : 0;
}

// ---------------------------------------------------------------------------------------------
// The filter and print_route

interface Filter {
  tb: number;
  cloned: number;
  flushing: boolean;
  protocol: number;
  protocolmask: number;
  scope: number;
  scopemask: number;
  typemask: number;
  oif: number;
  oifmask: number;
  metric: number;
  metricmask: number;
  rvia: InetPrefix | undefined;
  rdst: InetPrefix | undefined;
  mdst: InetPrefix | undefined;
  /** Per-command memory of print_route's static ip6_multiple_tables. */
  ip6MultipleTables: boolean;
}

function resetFilter(): Filter {
  return {
    tb: 0,
    cloned: 0,
    flushing: false,
    protocol: 0,
    protocolmask: 0,
    scope: 0,
    scopemask: 0,
    typemask: 0,
    oif: 0,
    oifmask: 0,
    metric: 0,
    metricmask: 0,
    rvia: undefined,
    rdst: undefined,
    mdst: undefined,
    ip6MultipleTables: false,
  };
}

/** inet_addr_match over the first `bits` bits. */
function addrMatch(a: Uint8Array, b: Uint8Array, bits: number): boolean {
  for (let i = 0; i < bits; i++) {
    const m = 0x80 >> (i & 7);
    if (((a[i >> 3] ?? 0) & m) !== ((b[i >> 3] ?? 0) & m)) return false;
  }
  return true;
}

interface RouteMsg {
  readonly type: number;
  readonly family: number;
  readonly dstLen: number;
  readonly srcLen: number;
  readonly tos: number;
  readonly table: number;
  readonly protocol: number;
  readonly scope: number;
  readonly rtType: number;
  readonly flags: number;
  readonly tb: NlAttrTable;
}

function parseRouteMsg(h: NlMsgView): RouteMsg | undefined {
  const bytes = h.bytes;
  const r = h.offset + NLMSG_HDRLEN;
  if (h.len < NLMSG_HDRLEN + RTMSG_SIZE) return undefined;
  const tb = nlaParse(bytes, r + RTMSG_SIZE, h.len - NLMSG_HDRLEN - RTMSG_SIZE, RTA_MAX, undefined, NL_VALIDATE_LIBERAL);
  if (!tb.ok) return undefined;
  const table = tb.value.u32(RTA_TABLE) ?? (bytes[r + RTMSG_RTM_TABLE] ?? 0);
  return {
    type: h.type,
    family: bytes[r + RTMSG_RTM_FAMILY] ?? 0,
    dstLen: bytes[r + RTMSG_RTM_DST_LEN] ?? 0,
    srcLen: bytes[r + RTMSG_RTM_SRC_LEN] ?? 0,
    tos: bytes[r + RTMSG_RTM_TOS] ?? 0,
    table,
    protocol: bytes[r + RTMSG_RTM_PROTOCOL] ?? 0,
    scope: bytes[r + RTMSG_RTM_SCOPE] ?? 0,
    rtType: bytes[r + RTMSG_RTM_TYPE] ?? 0,
    flags: u32le(bytes, r + RTMSG_RTM_FLAGS),
    tb: tb.value,
  };
}

/** filter_nlmsg, for the selectors this object supports. */
function filterNlmsg(ctx: IpContext, f: Filter, m: RouteMsg): boolean {
  if (ctx.family !== AF_UNSPEC && m.family !== ctx.family) return false;
  if (m.family === AF_INET6 && m.table !== RT_TABLE_MAIN) f.ip6MultipleTables = true;
  if (f.cloned === ((m.flags & RTM_F_CLONED) === 0 ? 1 : 0)) return false;
  if (m.family === AF_INET6 && !f.ip6MultipleTables) {
    if (f.tb !== 0) {
      if (f.tb === RT_TABLE_LOCAL) {
        if (m.rtType !== RTN_LOCAL) return false;
      } else if (f.tb === RT_TABLE_MAIN) {
        if (m.rtType === RTN_LOCAL) return false;
      } else return false;
    }
  } else if (f.tb > 0 && f.tb !== m.table) return false;
  if (((f.protocol ^ m.protocol) & f.protocolmask) !== 0) return false;
  if (((f.scope ^ m.scope) & f.scopemask) !== 0) return false;
  if (f.typemask !== 0 && (f.typemask & (1 << m.rtType)) === 0) return false;
  const dst = new Uint8Array(16);
  const d = m.tb.data(RTA_DST);
  if (d !== undefined) dst.set(d.subarray(0, Math.min(16, (m.dstLen + 7) >> 3)));
  const rdst = f.rdst;
  const rdstOn = rdst !== undefined && (rdst.family !== 0 || (rdst.flags & PREFIXLEN_SPECIFIED) !== 0);
  if (rdst !== undefined && rdstOn) {
    if ((rdst.family !== 0 && m.family !== rdst.family) || rdst.bitlen > m.dstLen) return false;
  }
  const mdst = f.mdst;
  const mdstOn = mdst !== undefined && (mdst.family !== 0 || (mdst.flags & PREFIXLEN_SPECIFIED) !== 0);
  if (mdst !== undefined && mdstOn) {
    if ((mdst.family !== 0 && m.family !== mdst.family) || (mdst.bitlen >= 0 && mdst.bitlen < m.dstLen)) return false;
  }
  if (rdst !== undefined && rdstOn && !addrMatch(dst, rdst.data, rdst.bitlen)) return false;
  if (mdst !== undefined && mdstOn && !addrMatch(dst, mdst.data, m.dstLen)) return false;
  const rvia = f.rvia;
  if (rvia !== undefined) {
    if (m.family !== rvia.family) return false;
    const via = new Uint8Array(16);
    const g = m.tb.data(RTA_GATEWAY);
    if (rvia.bitlen > 0 && g !== undefined) via.set(g.subarray(0, 16));
    if (!addrMatch(via, rvia.data, rvia.bitlen)) return false;
  }
  if (f.oifmask !== 0 && (((m.tb.u32(RTA_OIF) ?? 0) ^ f.oif) & f.oifmask) !== 0) return false;
  if (f.metricmask !== 0 && (((m.tb.u32(RTA_PRIORITY) ?? 0) ^ f.metric) & f.metricmask) !== 0) return false;
  if (f.flushing && m.family === AF_INET6 && m.dstLen === 0 && m.rtType === RTN_UNREACHABLE && m.tb.u32(RTA_PRIORITY) === 0xffffffff) {
    return false;
  }
  return true;
}

function ifName(names: DeviceNames, ifindex: number): string {
  return names.indexToName(ifindex) ?? `if${ifindex}`;
}

function printRtaIfidx(ctx: IpContext, names: DeviceNames, ifindex: number, prefix: string): void {
  const name = ifName(names, ifindex);
  if (ctx.print.isJsonContext()) ctx.print.printString(PRINT_JSON, prefix, null, name);
  else ctx.print.printf('%s %s ', prefix, name);
}

function printRtFlags(ctx: IpContext, flags: number): void {
  const p = ctx.print;
  p.openJsonArray(PRINT_JSON, p.isJsonContext() ? 'flags' : '');
  const list: [number, string][] = [
    [RTNH_F_DEAD, 'dead'],
    [RTNH_F_ONLINK, 'onlink'],
    [RTNH_F_PERVASIVE, 'pervasive'],
    [RTNH_F_OFFLOAD, 'offload'],
    [RTNH_F_TRAP, 'trap'],
    [RTM_F_NOTIFY, 'notify'],
    [RTNH_F_LINKDOWN, 'linkdown'],
    [RTNH_F_UNRESOLVED, 'unresolved'],
    [RTM_F_OFFLOAD, 'rt_offload'],
    [RTM_F_TRAP, 'rt_trap'],
    [RTM_F_OFFLOAD_FAILED, 'rt_offload_failed'],
  ];
  for (const [bit, name] of list) if ((flags & bit) !== 0) p.printString(PRINT_ANY, null, '%s ', name);
  p.closeJsonArray(PRINT_JSON, null);
}

function printEncapIoam6(ctx: IpContext, bytes: Uint8Array, nla: number): void {
  const t = nlaParse(bytes, nla + 4, u16le(bytes, nla) - 4, IOAM6_IPTUNNEL_MAX, undefined, NL_VALIDATE_LIBERAL);
  if (!t.ok) return;
  const tb = t.value;
  const modeV = tb.u8(IOAM6_IPTUNNEL_MODE);
  const trace = tb.data(IOAM6_IPTUNNEL_TRACE);
  const k = tb.u32(IOAM6_IPTUNNEL_FREQ_K);
  const n = tb.u32(IOAM6_IPTUNNEL_FREQ_N);
  if (modeV === undefined || trace === undefined || k === undefined || n === undefined) return;
  const p = ctx.print;
  p.printUint(PRINT_ANY, 'freqk', 'freq %u', k);
  p.printUint(PRINT_ANY, 'freqn', '/%u ', n);
  const dst = tb.data(IOAM6_IPTUNNEL_DST);
  const src = tb.data(IOAM6_IPTUNNEL_SRC);
  if ((src !== undefined && modeV === IOAM6_IPTUNNEL_MODE_INLINE) || (dst === undefined && modeV !== IOAM6_IPTUNNEL_MODE_INLINE)) return;
  const modeName = modeV >= IOAM6_IPTUNNEL_MODE_INLINE && modeV <= IOAM6_IPTUNNEL_MODE_AUTO ? (IOAM6_MODES[modeV] ?? '<unknown>') : '<unknown>';
  p.printString(PRINT_ANY, 'mode', 'mode %s ', modeName);
  if (modeV !== IOAM6_IPTUNNEL_MODE_INLINE && src !== undefined) p.printString(PRINT_ANY, 'tunsrc', 'tunsrc %s ', formatHost(AF_INET6, src));
  if (modeV !== IOAM6_IPTUNNEL_MODE_INLINE && dst !== undefined) p.printString(PRINT_ANY, 'tundst', 'tundst %s ', formatHost(AF_INET6, dst));
  p.printNull(PRINT_ANY, 'trace', 'trace ', null);
  p.printNull(PRINT_ANY, 'prealloc', 'prealloc ', null);
  const typeWord = (((trace[4] ?? 0) << 24) | ((trace[5] ?? 0) << 16) | ((trace[6] ?? 0) << 8) | (trace[7] ?? 0)) >>> 0;
  p.printHex(PRINT_ANY, 'type', 'type %#08x ', typeWord >>> 8);
  p.printUint(PRINT_ANY, 'ns', 'ns %u ', ((trace[0] ?? 0) << 8) | (trace[1] ?? 0));
  p.printUint(PRINT_ANY, 'size', 'size %u ', ((trace[3] ?? 0) & 0x7f) * 4);
}

/** lwt_print_encap. */
function lwtPrintEncap(ctx: IpContext, tb: NlAttrTable): void {
  const et = tb.u16(RTA_ENCAP_TYPE);
  if (et === undefined) return;
  ctx.print.printString(PRINT_ANY, 'encap', ' encap %s ', ENCAP_TYPES[et] ?? 'unknown');
  const at = tb.offset(RTA_ENCAP);
  if (et === LWTUNNEL_ENCAP_IOAM6 && at >= 0) printEncapIoam6(ctx, tb.bytes, at);
}

function printRtaMetrics(ctx: IpContext, tb: NlAttrTable): void {
  const p = ctx.print;
  const at = tb.offset(RTA_METRICS);
  p.openJsonArray(PRINT_JSON, 'metrics');
  p.openJsonObject(null);
  const mt = nlaParse(tb.bytes, at + 4, u16le(tb.bytes, at) - 4, RTAX_MAX, undefined, NL_VALIDATE_LIBERAL);
  if (mt.ok) {
    const m = mt.value;
    const lock = m.u32(RTAX_LOCK) ?? 0;
    for (let i = 2; i <= RTAX_MAX; i++) {
      if (!m.has(i) && (lock & (1 << i)) === 0) continue;
      let val = m.has(i) && i !== 16 ? (m.u32(i) ?? 0) : 0;
      if (i === RTAX_HOPLIMIT && (val | 0) === -1) continue;
      const name = MX_NAMES[i];
      if (!p.isJsonContext()) {
        p.printf(name !== undefined ? `${name} ` : `metric ${i} `);
        if ((lock & (1 << i)) !== 0) p.printf('lock ');
      }
      if (i === RTAX_FEATURES) {
        const of = val;
        if ((val & RTAX_FEATURE_ECN) !== 0) {
          p.printNull(PRINT_ANY, 'ecn', 'ecn ', null);
          val &= ~RTAX_FEATURE_ECN;
        }
        if (val !== 0) p.print0xHex(PRINT_ANY, 'features', '%#llx ', of);
      } else if (i === RTAX_RTT || i === RTAX_RTTVAR || i === RTAX_RTO_MIN) {
        if (i === RTAX_RTT) val = Math.trunc(val / 8);
        else if (i === RTAX_RTTVAR) val = Math.trunc(val / 4);
        if (p.isJsonContext()) p.printUint(PRINT_JSON, name ?? null, null, val);
        else if (val >= 1000) p.printf('%gs ', val / 1e3);
        else p.printf('%ums ', val);
      } else if (i === 16) {
        p.printString(PRINT_ANY, 'congestion', '%s ', m.string(i) ?? '');
      } else {
        p.printUint(PRINT_ANY, name ?? null, '%u ', val);
      }
    }
  }
  p.closeJsonObject();
  p.closeJsonArray(PRINT_JSON, null);
}

function printRtaMultipath(ctx: IpContext, names: DeviceNames, m: RouteMsg): void {
  const p = ctx.print;
  const bytes = m.tb.bytes;
  const at = m.tb.offset(RTA_MULTIPATH);
  let len = u16le(bytes, at) - 4;
  let nh = at + 4;
  p.openJsonArray(PRINT_JSON, 'nexthops');
  while (len >= RTNEXTHOP_SIZE) {
    const nhLen = u16le(bytes, nh + RTNEXTHOP_RTNH_LEN);
    if (nhLen > len) break;
    p.openJsonObject(null);
    p.printString(PRINT_FP, null, '%s\tnexthop ', p.sl);
    if (nhLen > RTNEXTHOP_SIZE) {
      const t = nlaParse(bytes, nh + RTNEXTHOP_SIZE, nhLen - RTNEXTHOP_SIZE, RTA_MAX, undefined, NL_VALIDATE_LIBERAL);
      if (t.ok) {
        if (t.value.has(RTA_ENCAP)) lwtPrintEncap(ctx, t.value);
        const g = t.value.data(RTA_GATEWAY);
        if (g !== undefined) printGateway(ctx, m.family, g);
      }
    }
    p.printString(PRINT_ANY, 'dev', 'dev %s ', ifName(names, u32le(bytes, nh + RTNEXTHOP_RTNH_IFINDEX)));
    p.printInt(PRINT_ANY, 'weight', 'weight %d ', (bytes[nh + RTNEXTHOP_RTNH_HOPS] ?? 0) + 1);
    printRtFlags(ctx, bytes[nh + RTNEXTHOP_RTNH_FLAGS] ?? 0);
    len -= (nhLen + 3) & ~3;
    nh += (nhLen + 3) & ~3;
    p.closeJsonObject();
  }
  p.closeJsonArray(PRINT_JSON, null);
}

function printGateway(ctx: IpContext, family: number, g: Uint8Array): void {
  const gw = formatHost(family, g);
  if (ctx.print.isJsonContext()) ctx.print.printString(PRINT_JSON, 'gateway', null, gw);
  else ctx.print.printf('via %s ', gw);
}

function prefixText(family: number, data: Uint8Array | undefined, len: number, hostLen: number): string | undefined {
  if (data === undefined) return undefined;
  const addr = formatHost(family, data);
  return len !== hostLen ? `${addr}/${len}` : addr;
}

/** print_route: one route message, as `ip route` prints it. */
function printRoute(ctx: IpContext, names: DeviceNames, f: Filter, m: RouteMsg): number {
  const p = ctx.print;
  if (m.type !== RTM_NEWROUTE && m.type !== RTM_DELROUTE) {
    ctx.err.write(`Not a route: ${m.type.toString(16).padStart(8, '0')}\n`);
    return -1;
  }
  const hostLen = m.family === AF_INET6 ? 128 : 32;
  const tb = m.tb;
  p.openJsonObject(null);
  if (m.type === RTM_DELROUTE) p.printBool(PRINT_ANY, 'deleted', 'Deleted ', true);
  if ((m.rtType !== RTN_UNICAST || ctx.details > 0) && (f.typemask === 0 || (f.typemask & (1 << m.rtType)) !== 0)) {
    p.printString(PRINT_ANY, 'type', '%s ', rtntypeN2a(m.rtType, ctx.numeric > 0));
  }
  let dst = prefixText(m.family, tb.data(RTA_DST), m.dstLen, hostLen);
  if (dst === undefined) dst = m.dstLen !== 0 ? `0/${m.dstLen} ` : 'default';
  p.printString(PRINT_ANY, 'dst', '%s ', dst);
  const src = prefixText(m.family, tb.data(RTA_SRC), m.srcLen, hostLen);
  if (src !== undefined) p.printString(PRINT_ANY, 'from', 'from %s ', src);
  else if (m.srcLen !== 0) p.printString(PRINT_ANY, 'src', 'from %s ', `0/${m.srcLen}`);
  if (tb.has(RTA_ENCAP)) lwtPrintEncap(ctx, tb);
  const gw = tb.data(RTA_GATEWAY);
  if (gw !== undefined && (f.rvia?.bitlen ?? -1) !== hostLen) printGateway(ctx, m.family, gw);
  const oif = tb.u32(RTA_OIF);
  if (oif !== undefined && f.oifmask !== -1) printRtaIfidx(ctx, names, oif, 'dev');
  if (m.table !== 0 && (m.table !== RT_TABLE_MAIN || ctx.details > 0) && f.tb === 0) {
    p.printString(PRINT_ANY, 'table', 'table %s ', rttableN2a(m.table, ctx.numeric > 0));
  }
  if ((m.flags & RTM_F_CLONED) === 0) {
    if ((m.protocol !== 3 || ctx.details > 0) && f.protocolmask !== -1) {
      p.printString(PRINT_ANY, 'protocol', 'proto %s ', rtprotN2a(m.protocol, ctx.numeric > 0));
    }
    if ((m.scope !== RT_SCOPE_UNIVERSE || ctx.details > 0) && f.scopemask !== -1) {
      p.printString(PRINT_ANY, 'scope', 'scope %s ', rtscopeN2a(m.scope, ctx.numeric > 0));
    }
  }
  const prefsrc = tb.data(RTA_PREFSRC);
  if (prefsrc !== undefined) {
    const s = formatHost(m.family, prefsrc);
    if (p.isJsonContext()) p.printString(PRINT_JSON, 'prefsrc', null, s);
    else p.printf('src %s ', s);
  }
  const prio = tb.u32(RTA_PRIORITY);
  if (prio !== undefined && f.metricmask !== -1) p.printUint(PRINT_ANY, 'metric', 'metric %u ', prio);
  printRtFlags(ctx, m.flags);
  const mark = tb.u32(RTA_MARK);
  if (mark !== undefined && mark !== 0) {
    if (p.isJsonContext()) p.printUint(PRINT_JSON, 'mark', null, mark);
    else if (mark >= 16) p.printf('mark 0x%llx ', mark);
    else p.printf('mark %u ', mark);
  }
  const uid = tb.u32(RTA_UID);
  if (uid !== undefined) p.printUint(PRINT_ANY, 'uid', 'uid %u ', uid);
  const ci = tb.data(RTA_CACHEINFO);
  if (ci !== undefined && ci.length >= 32 && m.family === AF_INET6) printCacheinfo(ctx, ci);
  if (tb.has(RTA_METRICS)) printRtaMetrics(ctx, tb);
  const iif = tb.u32(RTA_IIF);
  if (iif !== undefined) printRtaIfidx(ctx, names, iif, 'iif');
  const pref = tb.u8(RTA_PREF);
  if (pref !== undefined) {
    if (pref === ICMPV6_ROUTER_PREF_LOW) p.printString(PRINT_ANY, 'pref', 'pref %s', 'low');
    else if (pref === ICMPV6_ROUTER_PREF_MEDIUM) p.printString(PRINT_ANY, 'pref', 'pref %s', 'medium');
    else if (pref === ICMPV6_ROUTER_PREF_HIGH) p.printString(PRINT_ANY, 'pref', 'pref %s', 'high');
    else p.printUint(PRINT_ANY, 'pref', '%u', pref);
  }
  if (tb.has(RTA_MULTIPATH)) printRtaMultipath(ctx, names, m);
  p.printString(PRINT_FP, null, '\n', null);
  p.closeJsonObject();
  return 0;
}

/** print_rta_cacheinfo (USER_HZ = 100). */
function printCacheinfo(ctx: IpContext, ci: Uint8Array): void {
  const p = ctx.print;
  const expires = u32le(ci, 8) | 0;
  const error = u32le(ci, 12);
  if (expires !== 0) p.printInt(PRINT_ANY, 'expires', 'expires %dsec ', Math.trunc(expires / USER_HZ));
  if (error !== 0) p.printUint(PRINT_ANY, 'error', 'error %u ', error);
  if (ctx.stats > 0) {
    const clntref = u32le(ci, 0);
    const used = u32le(ci, 16);
    const lastuse = u32le(ci, 4);
    if (clntref !== 0) p.printUint(PRINT_ANY, 'users', 'users %u ', clntref);
    if (used !== 0) p.printUint(PRINT_ANY, 'used', 'used %u ', used);
    if (lastuse !== 0) p.printUint(PRINT_ANY, 'age', 'age %usec ', Math.trunc(lastuse / USER_HZ));
  }
  const id = u32le(ci, 20);
  if (id !== 0) p.print0xHex(PRINT_ANY, 'ipid', 'ipid 0x%04llx ', id);
  const ts = u32le(ci, 24);
  const tsage = u32le(ci, 28);
  if (ts !== 0 || tsage !== 0) {
    p.print0xHex(PRINT_ANY, 'ts', 'ts 0x%llx', ts);
    p.printUint(PRINT_ANY, 'tsage', 'tsage %usec ', tsage);
  }
}

// ---------------------------------------------------------------------------------------------
// list / flush

function dumpRequest(family: number, f: Filter): Uint8Array {
  const req = new RouteRequest(RTM_GETROUTE, 0);
  req.set(RTMSG_RTM_FAMILY, family);
  req.set(RTMSG_RTM_PROTOCOL, f.protocol);
  if (f.cloned !== 0) req.orFlags(RTM_F_CLONED);
  if (f.tb !== 0) req.b.putU32(RTA_TABLE, f.tb);
  if (f.oif !== 0) req.b.putU32(RTA_OIF, f.oif);
  return req.bytes();
}

async function iprouteListFlush(ctx: IpContext, names: DeviceNames, argv: readonly string[], flush: boolean): Promise<number> {
  let dumpFamily = ctx.family;
  const f = resetFilter();
  f.tb = RT_TABLE_MAIN;
  if (flush && argv.length === 0) {
    ctx.err.write('"ip route flush" requires arguments.\n');
    return -1;
  }
  let od: string | undefined;
  const args = new Args(argv);
  while (args.argc > 0) {
    const w = args.cur();
    if (matches(w, 'table')) {
      const arg = args.next();
      const v = nameToId(RT_TABLES, arg, 0xffffffff);
      if (v === undefined) {
        if (arg === 'all') f.tb = 0;
        else if (arg === 'cache') f.cloned = 1;
        else if (arg === 'help') usage();
        else invarg('table id value is invalid\n', arg);
      } else f.tb = v;
    } else if (matches(w, 'cached') || matches(w, 'cloned')) {
      f.cloned = 1;
    } else if (matches(w, 'protocol')) {
      const arg = args.next();
      f.protocolmask = -1;
      let v = nameToId(RT_PROTOS, arg, 255);
      if (v === undefined) {
        if (arg !== 'all') invarg('invalid "protocol"\n', arg);
        v = 0;
        f.protocolmask = 0;
      }
      f.protocol = v;
    } else if (matches(w, 'scope')) {
      const arg = args.next();
      f.scopemask = -1;
      let v = rtscopeA2n(arg);
      if (v === undefined) {
        if (arg !== 'all') invarg('invalid "scope"\n', arg);
        v = RT_SCOPE_NOWHERE;
        f.scopemask = 0;
      }
      f.scope = v;
    } else if (matches(w, 'type')) {
      const arg = args.next();
      const t = rtntypeA2n(arg);
      if (t === undefined) invarg('node type value is invalid\n', arg);
      f.typemask = 1 << t;
    } else if (w === 'dev' || w === 'oif') {
      od = args.next();
    } else if (matches(w, 'metric') || matches(w, 'priority') || w === 'preference') {
      const arg = args.next();
      const v = getU32(arg, 0);
      if (v === undefined) invarg('"metric" value is invalid\n', arg);
      f.metric = v;
      f.metricmask = -1;
    } else if (w === 'via') {
      let arg = args.next();
      let fam = readFamily(arg);
      if (fam === AF_UNSPEC) fam = dumpFamily;
      else arg = args.next();
      f.rvia = getPrefix(arg, fam);
    } else {
      let arg = w;
      if (matches(arg, 'to')) arg = args.next();
      if (matches(arg, 'root')) {
        f.rdst = getPrefix(args.next(), dumpFamily);
      } else if (matches(arg, 'match')) {
        f.mdst = getPrefix(args.next(), dumpFamily);
      } else {
        if (matches(arg, 'exact')) arg = args.next();
        f.mdst = getPrefix(arg, dumpFamily);
        f.rdst = f.mdst;
      }
    }
    args.fwd();
  }
  if (dumpFamily === AF_UNSPEC && f.tb !== 0) dumpFamily = AF_INET;
  if (od !== undefined) {
    const idx = names.nameToIndex(od);
    if (idx === 0) return nodev(ctx.err, od);
    f.oif = idx;
    f.oifmask = -1;
  }
  if (flush) return iprouteFlush(ctx, names, dumpFamily, f);
  ctx.print.newJsonObj(ctx.json);
  // save_route_errhndlr: ENOENT for the main table is "no routes", quietly.
  const r = await ctx.rth.dump(dumpRequest(dumpFamily, f), (h) => {
    const m = parseRouteMsg(h);
    if (m === undefined) return 0;
    if (!filterNlmsg(ctx, f, m)) return 0;
    return printRoute(ctx, names, f, m);
  });
  if (r < 0) {
    ctx.err.write('Dump terminated\n');
    return -2;
  }
  ctx.print.deleteJsonObj();
  return 0;
}

/** iproute_flush: dump, delete what matched, repeat until a round deletes nothing. */
async function iprouteFlush(ctx: IpContext, names: DeviceNames, family: number, f: Filter): Promise<number> {
  f.flushing = true;
  let round = 0;
  for (;;) {
    const dels: Uint8Array[] = [];
    const r = await ctx.rth.dump(dumpRequest(family, f), (h) => {
      const m = parseRouteMsg(h);
      if (m === undefined || m.type !== RTM_NEWROUTE) return 0;
      if (!filterNlmsg(ctx, f, m)) return 0;
      const copy = h.bytes.slice(h.offset, h.offset + h.len);
      copy[4] = RTM_DELROUTE & 0xff;
      copy[5] = RTM_DELROUTE >>> 8;
      copy[6] = NLM_F_REQUEST;
      copy[7] = 0;
      dels.push(copy);
      if (ctx.stats >= 2) return printRoute(ctx, names, f, m);
      return 0;
    });
    if (r < 0) {
      ctx.err.write('Flush terminated\n');
      return -2;
    }
    if (dels.length === 0) {
      if (ctx.stats > 0) {
        if (round === 0) ctx.out.write('Nothing to flush.\n');
        else ctx.out.write(`*** Flush is complete after ${round} round${round > 1 ? 's' : ''} ***\n`);
      }
      return 0;
    }
    round++;
    const err = await sendCheck(ctx, dels);
    if (err !== 0) {
      ctx.err.write(`Failed to send flush request: ${strerror(err)}\n`);
      return -2;
    }
    if (ctx.stats > 0) ctx.out.write(`\n*** Round ${round}, deleting ${dels.length} entries ***\n`);
  }
}

/** rtnl_send_check: sends the batch; the first NLMSG_ERROR with an error is the result. */
async function sendCheck(ctx: IpContext, msgs: Uint8Array[]): Promise<number> {
  let total = 0;
  for (const m of msgs) total += (m.length + 3) & ~3;
  const buf = new Uint8Array(total);
  let at = 0;
  for (const m of msgs) {
    ctx.rth.seq = (ctx.rth.seq + 1) >>> 0;
    buf.set(m, at);
    setU32le(buf, at + 8, ctx.rth.seq);
    at += (m.length + 3) & ~3;
  }
  const replies = await ctx.transport.request(buf);
  for (const d of replies) {
    let o = 0;
    while (d.length - o >= NLMSG_HDRLEN) {
      const len = u32le(d, o);
      if (len < NLMSG_HDRLEN) break;
      if (u16le(d, o + 4) === 2 && len >= NLMSG_HDRLEN + 4) {
        const e = u32le(d, o + NLMSG_HDRLEN) | 0;
        if (e !== 0) return -e;
      }
      o += (len + 3) & ~3;
    }
  }
  return 0;
}

// ---------------------------------------------------------------------------------------------
// get

async function iprouteGet(ctx: IpContext, names: DeviceNames, argv: readonly string[]): Promise<number> {
  const req = new RouteRequest(RTM_GETROUTE, 0);
  const b = req.b;
  req.set(RTMSG_RTM_FAMILY, ctx.family);
  const f = resetFilter();
  f.cloned = 2;
  let idev: string | undefined;
  let odev: string | undefined;
  let mark = 0;
  let fibMatch = false;
  let found = false;
  const family = (): number => req.get(RTMSG_RTM_FAMILY);
  const args = new Args(argv);
  while (args.argc > 0) {
    const w = args.cur();
    if (matches(w, 'from')) {
      const arg = args.next();
      if (matches(arg, 'help')) usage();
      const a = getPrefix(arg, family());
      if (family() === AF_UNSPEC) req.set(RTMSG_RTM_FAMILY, a.family);
      if (a.bytelen !== 0) b.put(RTA_SRC, a.data.subarray(0, a.bytelen));
      req.set(RTMSG_RTM_SRC_LEN, a.bitlen);
    } else if (matches(w, 'iif')) {
      idev = args.next();
    } else if (matches(w, 'mark')) {
      const arg = args.next();
      const v = getUnsigned(arg, 0);
      if (v === undefined) invarg('invalid mark value', arg);
      mark = v;
    } else if (matches(w, 'oif') || w === 'dev') {
      odev = args.next();
    } else if (matches(w, 'notify')) {
      req.orFlags(RTM_F_NOTIFY);
    } else if (matches(w, 'uid')) {
      const arg = args.next();
      const v = getUnsigned(arg, 0);
      if (v === undefined) invarg('invalid UID\n', arg);
      b.putU32(RTA_UID, v);
    } else if (matches(w, 'fibmatch')) {
      fibMatch = true;
    } else if (matches(w, 'sport') || matches(w, 'dport')) {
      const sport = matches(w, 'sport');
      const arg = args.next();
      const v = getU16(arg, 0);
      if (v === undefined) invarg(sport ? 'invalid sport\n' : 'invalid dport\n', arg);
      const be = new Uint8Array([v >>> 8, v & 0xff]);
      b.put(sport ? RTA_SPORT : RTA_DPORT, be);
    } else if (matches(w, 'ipproto')) {
      const arg = args.next();
      const protos: Record<string, number> = { tcp: 6, udp: 17, icmpv6: 58, 'ipv6-icmp': 58 };
      const v = protos[arg] ?? getU8(arg, 0);
      if (v === undefined) invarg('Invalid "ipproto" value\n', arg);
      b.putU8(RTA_IP_PROTO, v);
    } else {
      let arg = w;
      if (arg === 'to') arg = args.next();
      if (matches(arg, 'help')) usage();
      const a = getPrefix(arg, family());
      if (family() === AF_UNSPEC) req.set(RTMSG_RTM_FAMILY, a.family);
      if (a.bytelen !== 0) b.put(RTA_DST, a.data.subarray(0, a.bytelen));
      if (family() === AF_INET && a.bitlen !== 32) {
        ctx.err.write(`Warning: /${a.bitlen >>> 0} as prefix is invalid, only /32 (or none) is supported.\n`);
        req.set(RTMSG_RTM_DST_LEN, 32);
      } else if (family() === AF_INET6 && a.bitlen !== 128) {
        ctx.err.write(`Warning: /${a.bitlen >>> 0} as prefix is invalid, only /128 (or none) is supported.\n`);
        req.set(RTMSG_RTM_DST_LEN, 128);
      } else req.set(RTMSG_RTM_DST_LEN, a.bitlen);
      found = true;
    }
    args.fwd();
  }
  if (!found) {
    ctx.err.write('need at least a destination address\n');
    return -1;
  }
  if (idev !== undefined) {
    const idx = names.nameToIndex(idev);
    if (idx === 0) return nodev(ctx.err, idev);
    b.putU32(RTA_IIF, idx);
  }
  if (odev !== undefined) {
    const idx = names.nameToIndex(odev);
    if (idx === 0) return nodev(ctx.err, odev);
    b.putU32(RTA_OIF, idx);
  }
  if (mark !== 0) b.putU32(RTA_MARK, mark);
  if (family() === AF_UNSPEC) req.set(RTMSG_RTM_FAMILY, AF_INET);
  if (family() === AF_INET) req.orFlags(8); // RTM_F_LOOKUP_TABLE
  if (fibMatch) req.orFlags(RTM_F_FIB_MATCH);
  const r = await ctx.rth.talk(req.bytes(), { answer: true });
  if (r.ret < 0 || r.answer === undefined) return -2;
  ctx.print.newJsonObj(ctx.json);
  const m = parseRouteMsg(r.answer);
  if (m === undefined || printRoute(ctx, names, f, m) < 0) {
    ctx.err.write('An error :-)\n');
    return -1;
  }
  ctx.print.deleteJsonObj();
  return 0;
}

// ---------------------------------------------------------------------------------------------
// do_iproute

/** The `ip route` object; `namesOf` resolves device names in the command's namespace. */
export function makeIpRoute(namesOf: DeviceNamesOf): IpObjectHandler {
  return async (argv, ctx) => {
    const names = namesOf(ctx);
    if (argv.length < 1) return iprouteListFlush(ctx, names, [], false);
    const [w = '', ...rest] = argv;
    if (matches(w, 'add')) return iprouteModify(ctx, names, RTM_NEWROUTE, NLM_F_CREATE | NLM_F_EXCL, rest);
    if (matches(w, 'change') || w === 'chg') return iprouteModify(ctx, names, RTM_NEWROUTE, NLM_F_REPLACE, rest);
    if (matches(w, 'replace')) return iprouteModify(ctx, names, RTM_NEWROUTE, NLM_F_CREATE | NLM_F_REPLACE, rest);
    if (matches(w, 'prepend')) return iprouteModify(ctx, names, RTM_NEWROUTE, NLM_F_CREATE, rest);
    if (matches(w, 'append')) return iprouteModify(ctx, names, RTM_NEWROUTE, NLM_F_CREATE | NLM_F_APPEND, rest);
    if (matches(w, 'test')) return iprouteModify(ctx, names, RTM_NEWROUTE, NLM_F_EXCL, rest);
    if (matches(w, 'delete')) return iprouteModify(ctx, names, RTM_DELROUTE, 0, rest);
    if (matches(w, 'list') || matches(w, 'show') || matches(w, 'lst')) return iprouteListFlush(ctx, names, rest, false);
    if (matches(w, 'get')) return iprouteGet(ctx, names, rest);
    if (matches(w, 'flush')) return iprouteListFlush(ctx, names, rest, true);
    if (matches(w, 'help')) usage();
    exitWith(-1, `Command "${w}" is unknown, try "ip route help".\n`);
  };
}
