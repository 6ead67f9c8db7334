/**
 * `ip address` of iproute2 6.1 (ip/ipaddress.c) and what `ip link show` shares with it:
 * print_linkinfo, print_addrinfo, the statistics table (print_stats64), the link and address
 * listing (ipaddr_list_flush_or_save), address add/change/replace/del (ipaddr_modify) and
 * flush, plus the interface name cache of lib/ll_map.c, with their exact texts and statuses.
 *
 * Supported listing filters: `dev`, `up`, `type KIND`, `scope`, the address flag words
 * (`permanent`, `dynamic`, `-tentative`, ...). The others iproute2 accepts (`to`, `label`,
 * `group`, `master`, `vrf`, `nomaster`) are refused with `Option "X" is not supported by
 * v6stack.` and status 255. `save`, `showdump`, `restore` and -brief are not supported either.
 * Only what the kernel side implements is printed: v6stack has no IPv4, so `inet` lines never
 * appear.
 */

import { NlAttrCursor, NlMsgBuilder, NlMsgView } from '../netlink/message.ts';
import {
  IFA_ADDRESS,
  IFA_ANYCAST,
  IFA_BROADCAST,
  IFA_CACHEINFO,
  IFA_F_DADFAILED,
  IFA_F_DEPRECATED,
  IFA_F_HOMEADDRESS,
  IFA_F_MANAGETEMPADDR,
  IFA_F_MCAUTOJOIN,
  IFA_F_NODAD,
  IFA_F_NOPREFIXROUTE,
  IFA_F_OPTIMISTIC,
  IFA_F_PERMANENT,
  IFA_F_SECONDARY,
  IFA_F_STABLE_PRIVACY,
  IFA_F_TENTATIVE,
  IFA_FLAGS,
  IFA_LABEL,
  IFA_LOCAL,
  IFA_MAX,
  IFA_RT_PRIORITY,
  IFADDRMSG_SIZE,
} from '../uapi/if_addr.ts';
import {
  IFF_ALLMULTI,
  IFF_AUTOMEDIA,
  IFF_BROADCAST,
  IFF_DEBUG,
  IFF_DORMANT,
  IFF_DYNAMIC,
  IFF_ECHO,
  IFF_LOOPBACK,
  IFF_LOWER_UP,
  IFF_MASTER,
  IFF_MULTICAST,
  IFF_NOARP,
  IFF_NOTRAILERS,
  IFF_POINTOPOINT,
  IFF_PORTSEL,
  IFF_PROMISC,
  IFF_RUNNING,
  IFF_SLAVE,
  IFF_UP,
  IFNAMSIZ,
} from '../uapi/if.ts';
import {
  IFLA_ADDRESS,
  IFLA_AF_SPEC,
  IFLA_ALLMULTI,
  IFLA_BROADCAST,
  IFLA_CARRIER_CHANGES,
  IFLA_EXT_MASK,
  IFLA_GRO_MAX_SIZE,
  IFLA_GROUP,
  IFLA_GSO_MAX_SEGS,
  IFLA_GSO_MAX_SIZE,
  IFLA_IFALIAS,
  IFLA_IFNAME,
  IFLA_INET6_ADDR_GEN_MODE,
  IFLA_INFO_KIND,
  IFLA_LINK,
  IFLA_LINK_NETNSID,
  IFLA_LINKINFO,
  IFLA_LINKMODE,
  IFLA_MAX,
  IFLA_MAX_MTU,
  IFLA_MIN_MTU,
  IFLA_MTU,
  IFLA_NUM_RX_QUEUES,
  IFLA_NUM_TX_QUEUES,
  IFLA_OPERSTATE,
  IFLA_PROMISCUITY,
  IFLA_PROTO_DOWN,
  IFLA_QDISC,
  IFLA_STATS,
  IFLA_STATS64,
  IFLA_TSO_MAX_SEGS,
  IFLA_TSO_MAX_SIZE,
  IFLA_TXQLEN,
  IN6_ADDR_GEN_MODE_EUI64,
  IN6_ADDR_GEN_MODE_NONE,
  IN6_ADDR_GEN_MODE_RANDOM,
  IN6_ADDR_GEN_MODE_STABLE_PRIVACY,
  RTNL_LINK_STATS64_SIZE,
  RTNL_LINK_STATS_SIZE,
} from '../uapi/if_link.ts';
import { NLM_F_CREATE, NLM_F_EXCL, NLM_F_REPLACE, NLM_F_REQUEST, NLMSG_HDRLEN } from '../uapi/netlink.ts';
import {
  IFINFOMSG_SIZE,
  RT_SCOPE_HOST,
  RT_SCOPE_LINK,
  RT_SCOPE_NOWHERE,
  RT_SCOPE_SITE,
  RT_SCOPE_UNIVERSE,
  RTEXT_FILTER_SKIP_STATS,
  RTEXT_FILTER_VF,
  RTM_DELADDR,
  RTM_DELLINK,
  RTM_GETADDR,
  RTM_GETLINK,
  RTM_NEWADDR,
  RTM_NEWLINK,
} from '../uapi/rtnetlink.ts';
import { strerror } from '../uapi/errno.ts';
import { setU16le, setU32le, u16le, u32le } from '../wire/bytes.ts';
import {
  AF_INET,
  AF_INET6,
  AF_PACKET,
  AF_UNSPEC,
  Args,
  duparg,
  duparg2,
  exitWith,
  familyName,
  formatHost,
  getPrefix,
  getU32,
  type InetPrefix,
  invarg,
  llAddrN2a,
  matches,
  nodev,
  PREFIXLEN_SPECIFIED,
} from './cmdline.ts';
import type { IpContext, IpObjectHandler, RtnlHandle } from './ip.ts';
import { PRINT_ANY, PRINT_FP, PRINT_JSON } from './json.ts';

// ---------------------------------------------------------------------------------------------
// Attributes as iproute2 parses them

/** parse_rtattr: the first attribute of each type wins; types above `max` are ignored. */
export class RtaTable {
  readonly #data: (Uint8Array | undefined)[];

  constructor(max: number) {
    this.#data = new Array<Uint8Array | undefined>(max + 1);
  }

  static parse(bytes: Uint8Array, start: number, length: number, max: number): RtaTable {
    const t = new RtaTable(max);
    const c = new NlAttrCursor(bytes, start, Math.max(0, length));
    while (c.next()) {
      const type = c.type;
      if (type <= max && t.#data[type] === undefined) t.#data[type] = c.data;
    }
    return t;
  }

  get(type: number): Uint8Array | undefined {
    return this.#data[type];
  }
  has(type: number): boolean {
    return this.#data[type] !== undefined;
  }
  u8(type: number): number {
    return this.#data[type]?.[0] ?? 0;
  }
  u32(type: number): number {
    const d = this.#data[type];
    return d === undefined || d.length < 4 ? 0 : u32le(d, 0);
  }
  /** rta_getattr_str: up to the NUL. */
  str(type: number): string {
    const d = this.#data[type];
    if (d === undefined) return '';
    const nul = d.indexOf(0);
    return new TextDecoder().decode(nul === -1 ? d : d.subarray(0, nul));
  }
}

/** IFLA_RTA of an RTM_*LINK message. */
function linkAttrs(m: NlMsgView): RtaTable {
  const at = m.offset + NLMSG_HDRLEN + IFINFOMSG_SIZE;
  return RtaTable.parse(m.bytes, at, m.len - NLMSG_HDRLEN - IFINFOMSG_SIZE, IFLA_MAX);
}

interface Ifinfo {
  readonly family: number;
  readonly type: number;
  readonly index: number;
  readonly flags: number;
}

function ifinfo(m: NlMsgView): Ifinfo {
  const o = m.offset + NLMSG_HDRLEN;
  return { family: m.bytes[o] ?? 0, type: u16le(m.bytes, o + 2), index: u32le(m.bytes, o + 4) | 0, flags: u32le(m.bytes, o + 8) };
}

// ---------------------------------------------------------------------------------------------
// lib/ll_map.c: the interface cache

interface LlEntry {
  readonly name: string;
  readonly flags: number;
  readonly type: number;
  /** RTA_PAYLOAD(IFLA_ADDRESS), -1 without one. */
  readonly addrLen: number;
}

/** The name/index cache of one `ip` run; misses ask the kernel (ll_link_get). */
export class LlMap {
  readonly #rth: RtnlHandle;
  readonly #byIndex = new Map<number, LlEntry>();

  constructor(rth: RtnlHandle) {
    this.#rth = rth;
  }

  /** ll_remember_index. */
  remember(m: NlMsgView): void {
    if (m.type !== RTM_NEWLINK && m.type !== RTM_DELLINK) return;
    if (m.len < NLMSG_HDRLEN + IFINFOMSG_SIZE) return;
    const i = ifinfo(m);
    if (m.type === RTM_DELLINK) {
      this.#byIndex.delete(i.index);
      return;
    }
    const tb = linkAttrs(m);
    if (!tb.has(IFLA_IFNAME)) return;
    this.#byIndex.set(i.index, { name: tb.str(IFLA_IFNAME), flags: i.flags, type: i.type, addrLen: tb.get(IFLA_ADDRESS)?.length ?? -1 });
  }

  /** ll_drop_by_index. */
  drop(index: number): void {
    this.#byIndex.delete(index);
  }

  /**
   * SIOCGIFTXQLEN, which print_queuelen uses when a message has no IFLA_TXQLEN (the AF_INET6
   * link dump): v6stack has no ioctls, so the same value is read with an RTM_GETLINK by name.
   * The queue length, or the errno.
   */
  async txQueueLen(name: string): Promise<{ qlen: number } | { errno: number }> {
    const b = new NlMsgBuilder();
    b.beginMessage(RTM_GETLINK, NLM_F_REQUEST, 0, 0);
    b.reserve(IFINFOMSG_SIZE);
    b.putString(IFLA_IFNAME, name);
    b.finish();
    const r = await this.#rth.talk(b.toBytes(), { answer: true, showError: false });
    if (r.ret < 0 || r.answer === undefined) return { errno: r.errno };
    return { qlen: linkAttrs(r.answer).u32(IFLA_TXQLEN) };
  }

  /** ll_link_get: asks the kernel quietly; the index, or 0. */
  async #linkGet(name: string | undefined, index: number): Promise<number> {
    const b = new NlMsgBuilder();
    b.beginMessage(RTM_GETLINK, NLM_F_REQUEST, 0, 0);
    const h = b.reserve(IFINFOMSG_SIZE);
    setU32le(b.buffer, h + 4, index >>> 0);
    b.putU32(IFLA_EXT_MASK, RTEXT_FILTER_VF | RTEXT_FILTER_SKIP_STATS);
    if (name !== undefined) b.putString(name.length < IFNAMSIZ ? IFLA_IFNAME : 53, name);
    b.finish();
    const r = await this.#rth.talk(b.toBytes(), { answer: true, showError: false });
    if (r.ret < 0 || r.answer === undefined) return 0;
    this.remember(r.answer);
    return r.answer.len >= NLMSG_HDRLEN + IFINFOMSG_SIZE ? ifinfo(r.answer).index : 0;
  }

  /** ll_name_to_index: cache, the kernel, then "ifN". */
  async nameToIndex(name: string): Promise<number> {
    if (name === '') return 0;
    for (const [idx, e] of this.#byIndex) if (e.name === name) return idx;
    const idx = await this.#linkGet(name, 0);
    if (idx !== 0) return idx;
    const m = /^if(\d+)$/.exec(name);
    if (m === null) return 0;
    const v = Number(m[1]);
    return v <= 0xffff_ffff ? v : 0;
  }

  async #entry(index: number): Promise<LlEntry | undefined> {
    if (index === 0) return undefined;
    let e = this.#byIndex.get(index);
    if (e === undefined && (await this.#linkGet(undefined, index)) !== 0) e = this.#byIndex.get(index);
    return e;
  }

  /** ll_index_to_name: the name, or "ifN" when nobody has the index. */
  async indexToName(index: number): Promise<string> {
    return (await this.#entry(index))?.name ?? `if${index >>> 0}`;
  }

  /** nl_get_ll_addr_len: the hardware address length of `name`, undefined when unknown. */
  async addrLen(name: string): Promise<number | undefined> {
    const idx = await this.nameToIndex(name);
    const e = await this.#entry(idx);
    return e === undefined || e.addrLen < 0 ? undefined : e.addrLen;
  }

  /** ll_index_to_flags (0 when unknown). */
  async indexToFlags(index: number): Promise<number> {
    return (await this.#entry(index))?.flags ?? 0;
  }
}

// ---------------------------------------------------------------------------------------------
// Printing links

/** What print_linkinfo depends on besides the message. */
export interface LinkPrintOptions {
  /** do_link: `ip link` rather than `ip address`. */
  readonly doLink: boolean;
  /** filter.showqueue. */
  readonly showQueue: boolean;
  /** filter.family. */
  readonly family: number;
  /** filter.ifindex (0: any) and filter.up, filter.kind. */
  readonly ifindex: number;
  readonly up: boolean;
  readonly kind: string | undefined;
}

const IFF_NAMES: ReadonlyArray<readonly [number, string]> = [
  [IFF_LOOPBACK, 'LOOPBACK'],
  [IFF_BROADCAST, 'BROADCAST'],
  [IFF_POINTOPOINT, 'POINTOPOINT'],
  [IFF_MULTICAST, 'MULTICAST'],
  [IFF_NOARP, 'NOARP'],
  [IFF_ALLMULTI, 'ALLMULTI'],
  [IFF_PROMISC, 'PROMISC'],
  [IFF_MASTER, 'MASTER'],
  [IFF_SLAVE, 'SLAVE'],
  [IFF_DEBUG, 'DEBUG'],
  [IFF_DYNAMIC, 'DYNAMIC'],
  [IFF_AUTOMEDIA, 'AUTOMEDIA'],
  [IFF_PORTSEL, 'PORTSEL'],
  [IFF_NOTRAILERS, 'NOTRAILERS'],
  [IFF_UP, 'UP'],
  [IFF_LOWER_UP, 'LOWER_UP'],
  [IFF_DORMANT, 'DORMANT'],
  [IFF_ECHO, 'ECHO'],
];

/** print_link_flags. */
function printLinkFlags(ctx: IpContext, flagsIn: number, mdown: boolean): void {
  const p = ctx.print;
  let flags = flagsIn >>> 0;
  p.openJsonArray(PRINT_ANY, p.isJsonContext() ? 'flags' : '<');
  if (flags & IFF_UP && !(flags & IFF_RUNNING)) p.printString(PRINT_ANY, null, flags ? '%s,' : '%s', 'NO-CARRIER');
  flags &= ~IFF_RUNNING;
  for (const [bit, name] of IFF_NAMES) {
    if (flags & bit) {
      flags &= ~bit;
      p.printString(PRINT_ANY, null, flags ? '%s,' : '%s', name);
    }
  }
  if (flags) p.printHex(PRINT_ANY, null, '%x', flags >>> 0);
  if (mdown) p.printString(PRINT_ANY, null, ',%s', 'M-DOWN');
  p.closeJsonArray(PRINT_ANY, '> ');
}

const OPER_STATES = ['UNKNOWN', 'NOTPRESENT', 'DOWN', 'LOWERLAYERDOWN', 'TESTING', 'DORMANT', 'UP'];

function printOperstate(ctx: IpContext, state: number): void {
  const p = ctx.print;
  const name = OPER_STATES[state];
  if (name === undefined) {
    if (p.isJsonContext()) p.printUint(PRINT_JSON, 'operstate_index', null, state);
    else p.print0xHex(PRINT_FP, null, 'state %#llx', state);
  } else if (p.isJsonContext()) p.printString(PRINT_JSON, 'operstate', null, name);
  else p.printf('state %s ', name);
}

/** ll_type_n2a for the link types v6stack has. */
function llTypeN2a(type: number): string {
  if (type === 1) return 'ether';
  if (type === 772) return 'loopback';
  if (type === 0xfffe) return 'none';
  return `[${type}]`;
}

/** print_name_and_link: returns m_flag (the lower device is down). */
async function printNameAndLink(ctx: IpContext, ll: LlMap, fmt: string, nameIn: string, tb: RtaTable): Promise<boolean> {
  let name = nameIn;
  let mflag = false;
  const p = ctx.print;
  if (tb.has(IFLA_LINK)) {
    const iflink = tb.u32(IFLA_LINK);
    let link: string | null = null;
    if (iflink) {
      if (tb.has(IFLA_LINK_NETNSID)) {
        if (p.isJsonContext()) p.printInt(PRINT_JSON, 'link_index', null, iflink);
        else link = `if${iflink}`;
      } else {
        link = await ll.indexToName(iflink);
        if (p.isJsonContext()) {
          p.printString(PRINT_JSON, 'link', null, link);
          link = null;
        }
        mflag = !((await ll.indexToFlags(iflink)) & IFF_UP);
      }
    } else if (p.isJsonContext()) p.printNull(PRINT_JSON, 'link', null, null);
    else link = 'NONE';
    if (link !== null) name = `${name}@${link}`;
  }
  p.printString(PRINT_ANY, 'ifname', fmt, name);
  return mflag;
}

function kindOf(tb: RtaTable): string | undefined {
  const li = tb.get(IFLA_LINKINFO);
  if (li === undefined) return undefined;
  const info = RtaTable.parse(li, 0, li.length, 5);
  return info.has(IFLA_INFO_KIND) ? info.str(IFLA_INFO_KIND) : '';
}

const IFLA_TUN_TYPE = 3;
const IFLA_TUN_PI = 4;
const IFLA_TUN_VNET_HDR = 5;
const IFLA_TUN_PERSIST = 6;
const IFLA_TUN_MULTI_QUEUE = 7;
const IFLA_TUN_OWNER = 1;
const IFLA_TUN_GROUP = 2;

/** print_linktype, with the print_opt of the kinds v6stack has (veth and dummy have none). */
function printLinktype(ctx: IpContext, li: Uint8Array): void {
  const p = ctx.print;
  const info = RtaTable.parse(li, 0, li.length, 5);
  p.openJsonObject('linkinfo');
  if (info.has(IFLA_INFO_KIND)) {
    const kind = info.str(IFLA_INFO_KIND);
    p.printNl();
    p.printString(PRINT_ANY, 'info_kind', '    %s ', kind);
    if (kind === 'tun') {
      const d = info.get(2);
      const data = d === undefined ? undefined : RtaTable.parse(d, 0, d.length, 9);
      p.openJsonObject('info_data');
      printTunOpt(ctx, data);
      p.closeJsonObject();
    }
  }
  p.closeJsonObject();
}

/** ip/iptuntap.c tun_print_opt. */
function printTunOpt(ctx: IpContext, tb: RtaTable | undefined): void {
  if (tb === undefined) return;
  const p = ctx.print;
  if (tb.has(IFLA_TUN_TYPE)) {
    const t = tb.u8(IFLA_TUN_TYPE);
    p.printString(PRINT_ANY, 'type', 'type %s ', t === 1 ? 'tun' : t === 2 ? 'tap' : 'UNKNOWN');
  }
  const onoff = (attr: number, key: string, text: string): void => {
    if (tb.has(attr)) p.printOnOff(PRINT_ANY, key, `${text} %s `, tb.u8(attr) !== 0);
  };
  onoff(IFLA_TUN_PI, 'pi', 'pi');
  onoff(IFLA_TUN_VNET_HDR, 'vnet_hdr', 'vnet_hdr');
  if (tb.has(IFLA_TUN_MULTI_QUEUE) && tb.u8(IFLA_TUN_MULTI_QUEUE)) p.printBool(PRINT_ANY, 'multi_queue', 'multi_queue ', true);
  onoff(IFLA_TUN_PERSIST, 'persist', 'persist');
  if (tb.has(IFLA_TUN_OWNER)) p.printUint(PRINT_ANY, 'user', 'user %u ', tb.u32(IFLA_TUN_OWNER));
  if (tb.has(IFLA_TUN_GROUP)) p.printUint(PRINT_ANY, 'group', 'group %u ', tb.u32(IFLA_TUN_GROUP));
}

/** print_af_spec: the IPv6 address generation mode. */
function printAfSpec(ctx: IpContext, af: Uint8Array): void {
  const spec = RtaTable.parse(af, 0, af.length, AF_INET6);
  const inet6 = spec.get(AF_INET6);
  if (inet6 === undefined) return;
  const tb = RtaTable.parse(inet6, 0, inet6.length, 9);
  if (!tb.has(IFLA_INET6_ADDR_GEN_MODE)) return;
  const mode = tb.u8(IFLA_INET6_ADDR_GEN_MODE);
  const names: Record<number, string> = {
    [IN6_ADDR_GEN_MODE_EUI64]: 'eui64',
    [IN6_ADDR_GEN_MODE_NONE]: 'none',
    [IN6_ADDR_GEN_MODE_STABLE_PRIVACY]: 'stable_secret',
    [IN6_ADDR_GEN_MODE_RANDOM]: 'random',
  };
  ctx.print.printString(PRINT_ANY, 'inet6_addr_gen_mode', 'addrgenmode %s ', names[mode] ?? `0x${mode.toString(16).padStart(2, '0')}`);
}

/** struct rtnl_link_stats64 as read by get_rtnl_link_stats_rta (STATS64, else STATS). */
interface Stats64 {
  readonly v: readonly bigint[];
  readonly is64: boolean;
}

const S = {
  rxPackets: 0,
  txPackets: 1,
  rxBytes: 2,
  txBytes: 3,
  rxErrors: 4,
  txErrors: 5,
  rxDropped: 6,
  txDropped: 7,
  multicast: 8,
  collisions: 9,
  rxLengthErrors: 10,
  rxOverErrors: 11,
  rxCrcErrors: 12,
  rxFrameErrors: 13,
  rxFifoErrors: 14,
  rxMissedErrors: 15,
  txAbortedErrors: 16,
  txCarrierErrors: 17,
  txFifoErrors: 18,
  txHeartbeatErrors: 19,
  txWindowErrors: 20,
  rxCompressed: 21,
  txCompressed: 22,
  rxNohandler: 23,
  rxOtherhostDropped: 24,
} as const;

function getStats(tb: RtaTable): Stats64 | undefined {
  const s64 = tb.get(IFLA_STATS64);
  const v: bigint[] = new Array<bigint>(25).fill(0n);
  if (s64 !== undefined) {
    const n = Math.min(s64.length, RTNL_LINK_STATS64_SIZE) >> 3;
    for (let i = 0; i < n; i++) v[i] = (BigInt(u32le(s64, i * 8 + 4)) << 32n) | BigInt(u32le(s64, i * 8));
    return { v, is64: true };
  }
  const s = tb.get(IFLA_STATS);
  if (s === undefined) return undefined;
  const n = Math.min(s.length, RTNL_LINK_STATS_SIZE) >> 2;
  for (let i = 0; i < n; i++) v[i] = BigInt(u32le(s, i * 4));
  return { v, is64: false };
}

/** print_num without -h (ip -s prints plain numbers unless -human). */
function printNum(ctx: IpContext, width: number, count: bigint): void {
  if (!ctx.human || count < (ctx.iec ? 1024n : 1000n)) {
    ctx.print.printf('%*s ', width, count.toString());
    return;
  }
  const prefix = 'kMGTPE';
  const base = ctx.iec ? 1024n : 1000n;
  let powi = 1n;
  let pi = 0;
  for (;;) {
    powi *= base;
    if (count / base < powi) break;
    if (pi + 1 >= prefix.length) break;
    pi++;
  }
  let precision = 2;
  let powj = 1n;
  for (; precision > 0; precision--) {
    powj *= 10n;
    if (count / powi < powj) break;
  }
  const text = `${(Number(count) / Number(powi)).toFixed(precision)}${prefix[pi] ?? ''}${ctx.iec ? 'i' : ''}`;
  ctx.print.printf('%*s ', width, text);
}

/** size_columns. */
function sizeColumns(ctx: IpContext, cols: number[], ...vals: bigint[]): void {
  vals.forEach((val, i) => {
    if (ctx.human) return;
    const len = val.toString().length;
    if (len > (cols[i] ?? 0)) cols[i] = len;
  });
}

/** print_stats64. */
function printStats64(ctx: IpContext, st: Stats64, carrierChanges: number | undefined, what: string): void {
  const p = ctx.print;
  const s = (k: keyof typeof S): bigint => st.v[S[k]] ?? 0n;
  if (p.isJsonContext()) {
    p.openJsonObject(what);
    p.openJsonObject('rx');
    p.printU64(PRINT_JSON, 'bytes', null, s('rxBytes'));
    p.printU64(PRINT_JSON, 'packets', null, s('rxPackets'));
    p.printU64(PRINT_JSON, 'errors', null, s('rxErrors'));
    p.printU64(PRINT_JSON, 'dropped', null, s('rxDropped'));
    p.printU64(PRINT_JSON, 'over_errors', null, s('rxOverErrors'));
    p.printU64(PRINT_JSON, 'multicast', null, s('multicast'));
    if (s('rxCompressed')) p.printU64(PRINT_JSON, 'compressed', null, s('rxCompressed'));
    if (ctx.stats > 1) {
      p.printU64(PRINT_JSON, 'length_errors', null, s('rxLengthErrors'));
      p.printU64(PRINT_JSON, 'crc_errors', null, s('rxCrcErrors'));
      p.printU64(PRINT_JSON, 'frame_errors', null, s('rxFrameErrors'));
      p.printU64(PRINT_JSON, 'fifo_errors', null, s('rxFifoErrors'));
      p.printU64(PRINT_JSON, 'missed_errors', null, s('rxMissedErrors'));
      if (s('rxNohandler')) p.printU64(PRINT_JSON, 'nohandler', null, s('rxNohandler'));
      if (s('rxOtherhostDropped')) p.printU64(PRINT_JSON, 'otherhost', null, s('rxOtherhostDropped'));
    }
    p.closeJsonObject();
    p.openJsonObject('tx');
    p.printU64(PRINT_JSON, 'bytes', null, s('txBytes'));
    p.printU64(PRINT_JSON, 'packets', null, s('txPackets'));
    p.printU64(PRINT_JSON, 'errors', null, s('txErrors'));
    p.printU64(PRINT_JSON, 'dropped', null, s('txDropped'));
    p.printU64(PRINT_JSON, 'carrier_errors', null, s('txCarrierErrors'));
    p.printU64(PRINT_JSON, 'collisions', null, s('collisions'));
    if (s('txCompressed')) p.printU64(PRINT_JSON, 'compressed', null, s('txCompressed'));
    if (ctx.stats > 1) {
      p.printU64(PRINT_JSON, 'aborted_errors', null, s('txAbortedErrors'));
      p.printU64(PRINT_JSON, 'fifo_errors', null, s('txFifoErrors'));
      p.printU64(PRINT_JSON, 'window_errors', null, s('txWindowErrors'));
      p.printU64(PRINT_JSON, 'heartbeat_errors', null, s('txHeartbeatErrors'));
      if (carrierChanges !== undefined) p.printU64(PRINT_JSON, 'carrier_changes', null, carrierChanges);
    }
    p.closeJsonObject();
    p.closeJsonObject();
    return;
  }
  const cols = ['*X errors:'.length, 'packets'.length, 'errors'.length, 'dropped'.length, 'heartbt'.length, 'overrun'.length, 'compressed'.length, 'otherhost'.length];
  sizeColumns(ctx, cols, s('rxBytes'), s('rxPackets'), s('rxErrors'), s('rxDropped'), s('rxMissedErrors'), s('multicast'), s('rxCompressed'), 0n);
  if (ctx.stats > 1) {
    sizeColumns(ctx, cols, 0n, s('rxLengthErrors'), s('rxCrcErrors'), s('rxFrameErrors'), s('rxFifoErrors'), s('rxOverErrors'), s('rxNohandler'), s('rxOtherhostDropped'));
  }
  sizeColumns(ctx, cols, s('txBytes'), s('txPackets'), s('txErrors'), s('txDropped'), s('txCarrierErrors'), s('collisions'), s('txCompressed'), 0n);
  if (ctx.stats > 1) {
    sizeColumns(ctx, cols, 0n, 0n, s('txAbortedErrors'), s('txFifoErrors'), s('txWindowErrors'), s('txHeartbeatErrors'), BigInt(carrierChanges ?? 0), 0n);
  }
  const c = (i: number): number => cols[i] ?? 0;
  const sl = p.sl;
  p.printf('    RX: %*s %*s %*s %*s %*s %*s %*s%s', c(0) - 4, 'bytes', c(1), 'packets', c(2), 'errors', c(3), 'dropped', c(4), 'missed', c(5), 'mcast', c(6), s('rxCompressed') ? 'compressed' : '', sl);
  p.printf('    ');
  printNum(ctx, c(0), s('rxBytes'));
  printNum(ctx, c(1), s('rxPackets'));
  printNum(ctx, c(2), s('rxErrors'));
  printNum(ctx, c(3), s('rxDropped'));
  printNum(ctx, c(4), s('rxMissedErrors'));
  printNum(ctx, c(5), s('multicast'));
  if (s('rxCompressed')) printNum(ctx, c(6), s('rxCompressed'));
  if (ctx.stats > 1) {
    p.printf('%s', sl);
    const nh = s('rxNohandler') !== 0n;
    const oh = s('rxOtherhostDropped') !== 0n;
    p.printf('    RX errors:%*s %*s %*s %*s %*s %*s%*s%*s%s', c(0) - 10, '', c(1), 'length', c(2), 'crc', c(3), 'frame', c(4), 'fifo', c(5), 'overrun', nh ? c(6) + 1 : 0, nh ? ' nohandler' : '', oh ? c(7) + 1 : 0, oh ? ' otherhost' : '', sl);
    p.printf('%*s', c(0) + 5, '');
    printNum(ctx, c(1), s('rxLengthErrors'));
    printNum(ctx, c(2), s('rxCrcErrors'));
    printNum(ctx, c(3), s('rxFrameErrors'));
    printNum(ctx, c(4), s('rxFifoErrors'));
    printNum(ctx, c(5), s('rxOverErrors'));
    if (nh) printNum(ctx, c(6), s('rxNohandler'));
    if (oh) printNum(ctx, c(7), s('rxOtherhostDropped'));
  }
  p.printf('%s', sl);
  p.printf('    TX: %*s %*s %*s %*s %*s %*s %*s%s', c(0) - 4, 'bytes', c(1), 'packets', c(2), 'errors', c(3), 'dropped', c(4), 'carrier', c(5), 'collsns', c(6), s('txCompressed') ? 'compressed' : '', sl);
  p.printf('    ');
  printNum(ctx, c(0), s('txBytes'));
  printNum(ctx, c(1), s('txPackets'));
  printNum(ctx, c(2), s('txErrors'));
  printNum(ctx, c(3), s('txDropped'));
  printNum(ctx, c(4), s('txCarrierErrors'));
  printNum(ctx, c(5), s('collisions'));
  if (s('txCompressed')) printNum(ctx, c(6), s('txCompressed'));
  if (ctx.stats > 1) {
    p.printf('%s', sl);
    p.printf('    TX errors:%*s %*s %*s %*s %*s %*s%s', c(0) - 10, '', c(1), 'aborted', c(2), 'fifo', c(3), 'window', c(4), 'heartbt', c(5), carrierChanges !== undefined ? 'transns' : '', sl);
    p.printf('%*s', c(0) + 5, '');
    printNum(ctx, c(1), s('txAbortedErrors'));
    printNum(ctx, c(2), s('txFifoErrors'));
    printNum(ctx, c(3), s('txWindowErrors'));
    printNum(ctx, c(4), s('txHeartbeatErrors'));
    if (carrierChanges !== undefined) printNum(ctx, c(5), BigInt(carrierChanges));
  }
}

/** __print_link_stats. */
function printLinkStats(ctx: IpContext, tb: RtaTable): void {
  const st = getStats(tb);
  if (st === undefined) return;
  printStats64(ctx, st, tb.has(IFLA_CARRIER_CHANGES) ? tb.u32(IFLA_CARRIER_CHANGES) : undefined, st.is64 ? 'stats64' : 'stats');
}

/** print_linkinfo (not -brief): 1 when printed, 0 or -1 when filtered out. */
export async function printLinkinfo(ctx: IpContext, ll: LlMap, m: NlMsgView, o: LinkPrintOptions): Promise<number> {
  if (m.type !== RTM_NEWLINK && m.type !== RTM_DELLINK) return 0;
  if (m.len < NLMSG_HDRLEN + IFINFOMSG_SIZE) return -1;
  const ifi = ifinfo(m);
  if (o.ifindex && ifi.index !== o.ifindex) return -1;
  if (o.up && !(ifi.flags & IFF_UP)) return -1;
  const tb = linkAttrs(m);
  if (!tb.has(IFLA_IFNAME)) return -1;
  const name = tb.str(IFLA_IFNAME);
  if (o.kind !== undefined && kindOf(tb) !== o.kind) return -1;
  const p = ctx.print;
  if (m.type === RTM_DELLINK) p.printBool(PRINT_ANY, 'deleted', 'Deleted ', true);
  p.printInt(PRINT_ANY, 'ifindex', '%d: ', ifi.index);
  const mflag = await printNameAndLink(ctx, ll, '%s: ', name, tb);
  printLinkFlags(ctx, ifi.flags, mflag);
  if (tb.has(IFLA_MTU)) p.printInt(PRINT_ANY, 'mtu', 'mtu %u ', tb.u32(IFLA_MTU));
  if (tb.has(IFLA_QDISC)) p.printString(PRINT_ANY, 'qdisc', 'qdisc %s ', tb.str(IFLA_QDISC));
  if (tb.has(IFLA_OPERSTATE)) printOperstate(ctx, tb.u8(IFLA_OPERSTATE));
  if (o.doLink && tb.has(IFLA_LINKMODE)) {
    const mode = tb.u8(IFLA_LINKMODE);
    const modes = ['DEFAULT', 'DORMANT'];
    const mname = modes[mode];
    if (mname === undefined) p.printInt(PRINT_ANY, 'linkmode_index', 'mode %d ', mode);
    else p.printString(PRINT_ANY, 'linkmode', 'mode %s ', mname);
  }
  if (tb.has(IFLA_GROUP)) {
    const g = tb.u32(IFLA_GROUP) | 0;
    p.printString(PRINT_ANY, 'group', 'group %s ', g === 0 && !ctx.numeric ? 'default' : String(g));
  }
  if (o.showQueue) {
    let q = tb.u32(IFLA_TXQLEN) | 0;
    let ok = true;
    if (!tb.has(IFLA_TXQLEN)) {
      const r = await ll.txQueueLen(name);
      if ('errno' in r) {
        ctx.err.write(`ioctl(SIOCGIFTXQLEN) failed: ${strerror(r.errno)}\n`);
        ok = false;
      } else q = r.qlen | 0;
    }
    if (ok && q) p.printInt(PRINT_ANY, 'txqlen', 'qlen %d', q);
  }
  if (!o.family || o.family === AF_PACKET || ctx.details) {
    p.printNl();
    p.printString(PRINT_ANY, 'link_type', '    link/%s ', llTypeN2a(ifi.type));
    const addr = tb.get(IFLA_ADDRESS);
    if (addr !== undefined) p.printString(PRINT_ANY, 'address', '%s', llAddrN2a(addr));
    const brd = tb.get(IFLA_BROADCAST);
    if (brd !== undefined) {
      if (ifi.flags & IFF_POINTOPOINT) {
        p.printString(PRINT_FP, null, ' peer ', null);
        p.printBool(PRINT_JSON, 'link_pointtopoint', null, true);
      } else p.printString(PRINT_FP, null, ' brd ', null);
      p.printString(PRINT_ANY, 'broadcast', '%s', llAddrN2a(brd));
    }
  }
  const nsidAttr = tb.get(IFLA_LINK_NETNSID);
  if (nsidAttr !== undefined && nsidAttr.length >= 4) {
    const id = tb.u32(IFLA_LINK_NETNSID) | 0;
    // iproute2 names the namespace when RTM_GETNSID maps the id to one of /run/netns; v6stack
    // does not serve RTM_GETNSID, so the id is printed as iproute2 prints an unnamed one.
    if (p.isJsonContext()) p.printInt(PRINT_JSON, 'link_netnsid', null, id);
    else if (id >= 0) p.printInt(PRINT_FP, null, ' link-netnsid %d', id);
    else p.printString(PRINT_FP, null, ' link-netnsid %s', 'unknown');
  }
  if (tb.has(IFLA_PROTO_DOWN) && tb.u8(IFLA_PROTO_DOWN)) p.printBool(PRINT_ANY, 'proto_down', ' protodown on ', true);
  if (ctx.details) {
    const u = (attr: number, key: string, fmt: string): void => {
      if (tb.has(attr)) p.printUint(PRINT_ANY, key, fmt, tb.u32(attr));
    };
    u(IFLA_PROMISCUITY, 'promiscuity', ' promiscuity %u ');
    u(IFLA_ALLMULTI, 'allmulti', ' allmulti %u ');
    u(IFLA_MIN_MTU, 'min_mtu', 'minmtu %u ');
    u(IFLA_MAX_MTU, 'max_mtu', 'maxmtu %u ');
    const li = tb.get(IFLA_LINKINFO);
    if (li !== undefined) printLinktype(ctx, li);
    const af = tb.get(IFLA_AF_SPEC);
    if (o.doLink && af !== undefined) printAfSpec(ctx, af);
    u(IFLA_NUM_TX_QUEUES, 'num_tx_queues', 'numtxqueues %u ');
    u(IFLA_NUM_RX_QUEUES, 'num_rx_queues', 'numrxqueues %u ');
    u(IFLA_GSO_MAX_SIZE, 'gso_max_size', 'gso_max_size %u ');
    u(IFLA_GSO_MAX_SEGS, 'gso_max_segs', 'gso_max_segs %u ');
    u(IFLA_TSO_MAX_SIZE, 'tso_max_size', 'tso_max_size %u ');
    u(IFLA_TSO_MAX_SEGS, 'tso_max_segs', 'tso_max_segs %u ');
    u(IFLA_GRO_MAX_SIZE, 'gro_max_size', 'gro_max_size %u ');
  }
  if ((o.doLink || ctx.details) && tb.has(IFLA_IFALIAS)) {
    p.printString(PRINT_FP, null, `%s    `, p.sl);
    p.printString(PRINT_ANY, 'ifalias', 'alias %s', tb.str(IFLA_IFALIAS));
  }
  if (o.doLink && ctx.stats) {
    p.printNl();
    printLinkStats(ctx, tb);
  }
  p.printString(PRINT_FP, null, '%s', '\n');
  return 1;
}

// ---------------------------------------------------------------------------------------------
// Printing addresses

const INFINITY_LIFE_TIME = 0xffff_ffff;

const IFA_FLAG_DATA: ReadonlyArray<{ readonly name: string; readonly mask: number; readonly readonly: boolean; readonly v6only: boolean }> = [
  { name: 'secondary', mask: IFA_F_SECONDARY, readonly: true, v6only: false },
  { name: 'temporary', mask: IFA_F_SECONDARY, readonly: true, v6only: false },
  { name: 'nodad', mask: IFA_F_NODAD, readonly: false, v6only: true },
  { name: 'optimistic', mask: IFA_F_OPTIMISTIC, readonly: false, v6only: true },
  { name: 'dadfailed', mask: IFA_F_DADFAILED, readonly: true, v6only: true },
  { name: 'home', mask: IFA_F_HOMEADDRESS, readonly: false, v6only: true },
  { name: 'deprecated', mask: IFA_F_DEPRECATED, readonly: true, v6only: true },
  { name: 'tentative', mask: IFA_F_TENTATIVE, readonly: true, v6only: true },
  { name: 'permanent', mask: IFA_F_PERMANENT, readonly: true, v6only: true },
  { name: 'mngtmpaddr', mask: IFA_F_MANAGETEMPADDR, readonly: false, v6only: true },
  { name: 'noprefixroute', mask: IFA_F_NOPREFIXROUTE, readonly: false, v6only: false },
  { name: 'autojoin', mask: IFA_F_MCAUTOJOIN, readonly: false, v6only: false },
  { name: 'stable-privacy', mask: IFA_F_STABLE_PRIVACY, readonly: true, v6only: true },
];

/** rtnl_rtscope_n2a. */
export function rtscopeN2a(scope: number): string {
  switch (scope) {
    case RT_SCOPE_UNIVERSE:
      return 'global';
    case RT_SCOPE_NOWHERE:
      return 'nowhere';
    case RT_SCOPE_HOST:
      return 'host';
    case RT_SCOPE_LINK:
      return 'link';
    case RT_SCOPE_SITE:
      return 'site';
    default:
      return String(scope);
  }
}

/** rtnl_rtscope_a2n: the scope, or undefined. */
function rtscopeA2n(arg: string): number | undefined {
  const names: Record<string, number> = { global: 0, universe: 0, nowhere: 255, host: 254, link: 253, site: 200 };
  const n = names[arg];
  if (n !== undefined) return n;
  const v = getU32(arg, 0);
  return v === undefined || v > 255 ? undefined : v;
}

interface AddrFilter {
  ifindex: number;
  family: number;
  scope: number;
  scopemask: number;
  flags: number;
  flagmask: number;
  up: boolean;
  oneline: boolean;
  flush: boolean;
}

interface Ifaddr {
  readonly family: number;
  readonly prefixlen: number;
  readonly flags: number;
  readonly scope: number;
  readonly index: number;
}

function ifaddrOf(m: NlMsgView): Ifaddr {
  const o = m.offset + NLMSG_HDRLEN;
  const b = m.bytes;
  return { family: b[o] ?? 0, prefixlen: b[o + 1] ?? 0, flags: b[o + 2] ?? 0, scope: b[o + 3] ?? 0, index: u32le(b, o + 4) };
}

function addrAttrs(m: NlMsgView): RtaTable {
  const at = m.offset + NLMSG_HDRLEN + IFADDRMSG_SIZE;
  return RtaTable.parse(m.bytes, at, m.len - NLMSG_HDRLEN - IFADDRMSG_SIZE, IFA_MAX);
}

function ifaFlags(ifa: Ifaddr, tb: RtaTable): number {
  return tb.has(IFA_FLAGS) ? tb.u32(IFA_FLAGS) : ifa.flags;
}

/** print_addrinfo's filter part: true when the address is to be shown (or flushed). */
function addrMatches(f: AddrFilter, ifa: Ifaddr, tb: RtaTable): boolean {
  if (f.ifindex && f.ifindex !== ifa.index) return false;
  if ((f.scope ^ ifa.scope) & f.scopemask) return false;
  if ((f.flags ^ ifaFlags(ifa, tb)) & f.flagmask) return false;
  if (f.family && f.family !== ifa.family) return false;
  return true;
}

/** print_ifa_flags. */
function printIfaFlags(ctx: IpContext, ifa: Ifaddr, flagsIn: number): void {
  const p = ctx.print;
  let flags = flagsIn;
  for (const fd of IFA_FLAG_DATA) {
    if (fd.mask === IFA_F_PERMANENT) {
      if (!(flags & fd.mask)) p.printBool(PRINT_ANY, 'dynamic', 'dynamic ', true);
    } else if (flags & fd.mask) {
      if (fd.mask === IFA_F_SECONDARY && ifa.family === AF_INET6) p.printBool(PRINT_ANY, 'temporary', 'temporary ', true);
      else {
        p.printString(PRINT_FP, null, '%s ', fd.name);
        p.printBool(PRINT_JSON, fd.name, null, true);
      }
    }
    flags &= ~fd.mask;
  }
  if (flags) {
    if (p.isJsonContext()) p.printString(PRINT_JSON, 'ifa_flags', null, flags.toString(16).padStart(2, '0'));
    else p.printf('flags %02x ', flags);
  }
}

/** print_addrinfo (not -brief, not flushing). */
async function printAddrinfo(ctx: IpContext, ll: LlMap, m: NlMsgView, f: AddrFilter): Promise<void> {
  if (m.type !== RTM_NEWADDR && m.type !== RTM_DELADDR) return;
  if (m.len < NLMSG_HDRLEN + IFADDRMSG_SIZE) {
    ctx.err.write(`BUG: wrong nlmsg len ${m.len - NLMSG_HDRLEN - IFADDRMSG_SIZE}\n`);
    return;
  }
  const ifa = ifaddrOf(m);
  const tb = addrAttrs(m);
  if (!addrMatches(f, ifa, tb)) return;
  const flags = ifaFlags(ifa, tb);
  const local = tb.get(IFA_LOCAL) ?? tb.get(IFA_ADDRESS);
  const address = tb.get(IFA_ADDRESS) ?? tb.get(IFA_LOCAL);
  const p = ctx.print;
  if (m.type === RTM_DELADDR) p.printBool(PRINT_ANY, 'deleted', 'Deleted ', true);
  if (f.oneline || ctx.echo) {
    const dev = await ll.indexToName(ifa.index);
    if (p.isJsonContext()) {
      p.printInt(PRINT_JSON, 'index', null, ifa.index);
      p.printString(PRINT_JSON, 'dev', null, dev);
    } else p.printf('%u: %s', ifa.index, dev);
  }
  const fam = familyName(ifa.family);
  if (fam !== '???') p.printString(PRINT_ANY, 'family', '    %s ', fam);
  else p.printInt(PRINT_ANY, 'family_index', '    family %d ', ifa.family);
  const alen = ifa.family === AF_INET ? 4 : 16;
  if (local !== undefined) {
    p.printString(PRINT_ANY, 'local', '%s', formatHost(ifa.family, local));
    if (address !== undefined && !equalPrefix(address, local, alen)) {
      p.printString(PRINT_FP, null, ' %s ', 'peer');
      p.printString(PRINT_ANY, 'address', '%s', formatHost(ifa.family, address));
    }
    p.printInt(PRINT_ANY, 'prefixlen', '/%d ', ifa.prefixlen);
    if (tb.has(IFA_RT_PRIORITY)) p.printUint(PRINT_ANY, 'metric', 'metric %u ', tb.u32(IFA_RT_PRIORITY));
  }
  const brd = tb.get(IFA_BROADCAST);
  if (brd !== undefined) {
    p.printString(PRINT_FP, null, '%s ', 'brd');
    p.printString(PRINT_ANY, 'broadcast', '%s ', formatHost(ifa.family, brd));
  }
  const any = tb.get(IFA_ANYCAST);
  if (any !== undefined) {
    p.printString(PRINT_FP, null, '%s ', 'any');
    p.printString(PRINT_ANY, 'anycast', '%s ', formatHost(ifa.family, any));
  }
  p.printString(PRINT_ANY, 'scope', 'scope %s ', rtscopeN2a(ifa.scope));
  printIfaFlags(ctx, ifa, flags);
  if (tb.has(IFA_LABEL)) p.printString(PRINT_ANY, 'label', '%s', tb.str(IFA_LABEL));
  const ci = tb.get(IFA_CACHEINFO);
  if (ci !== undefined && ci.length >= 16) {
    const prefered = u32le(ci, 0);
    const valid = u32le(ci, 4);
    p.printNl();
    p.printString(PRINT_FP, null, '       valid_lft ', null);
    if (valid === INFINITY_LIFE_TIME) {
      p.printUint(PRINT_JSON, 'valid_life_time', null, INFINITY_LIFE_TIME);
      p.printString(PRINT_FP, null, '%s', 'forever');
    } else p.printUint(PRINT_ANY, 'valid_life_time', '%usec', valid);
    p.printString(PRINT_FP, null, ' preferred_lft ', null);
    if (prefered === INFINITY_LIFE_TIME) {
      p.printUint(PRINT_JSON, 'preferred_life_time', null, INFINITY_LIFE_TIME);
      p.printString(PRINT_FP, null, '%s', 'forever');
    } else if (flags & IFA_F_DEPRECATED) p.printInt(PRINT_ANY, 'preferred_life_time', '%dsec', prefered | 0);
    else p.printUint(PRINT_ANY, 'preferred_life_time', '%usec', prefered);
  }
  p.printString(PRINT_FP, null, '%s', '\n');
}

function equalPrefix(a: Uint8Array, b: Uint8Array, n: number): boolean {
  for (let i = 0; i < n; i++) if (a[i] !== b[i]) return false;
  return true;
}

// ---------------------------------------------------------------------------------------------
// Listing and flushing

/** get_filter: an address flag word (with "-" inverting); false when it is not one. */
function getFilter(f: AddrFilter, argIn: string): boolean {
  let arg = argIn;
  let inv = false;
  if (arg.startsWith('-')) {
    inv = true;
    arg = arg.slice(1);
  }
  if (arg === 'dynamic') {
    inv = !inv;
    arg = 'permanent';
  } else if (arg === 'primary') {
    inv = !inv;
    arg = 'secondary';
  }
  const fd = IFA_FLAG_DATA.find((d) => d.name === arg);
  if (fd === undefined) return false;
  if (inv) f.flags &= ~fd.mask;
  else f.flags |= fd.mask;
  f.flagmask |= fd.mask;
  return true;
}

function unsupported(word: string): never {
  exitWith(-1, `Option "${word}" is not supported by v6stack.\n`);
}

/** A dump request: header, the family header (zeroed, family set), then `extra`. */
function dumpRequest(type: number, hdrlen: number, family: number, extra: (b: NlMsgBuilder, hdr: number) => void): Uint8Array {
  const b = new NlMsgBuilder();
  b.beginMessage(type, NLM_F_REQUEST, 0, 0);
  const h = b.reserve(hdrlen);
  b.buffer[h] = family;
  extra(b, h);
  b.finish();
  return b.toBytes();
}

/** Copies a message out of a reply buffer (store_nlmsg). */
function store(m: NlMsgView): NlMsgView {
  const v = NlMsgView.check(m.bytes.slice(m.offset, m.offset + m.len), 0);
  // The view was checked before, so its copy checks too.
  if (!v.ok) throw new Error('store: a checked message failed its check');
  return v.value;
}

type Action = 'list' | 'flush';

/** ipaddr_list_flush_or_save. */
export async function ipaddrListFlushOrSave(args: string[], ctx: IpContext, action: Action, doLink: boolean): Promise<number> {
  const family = doLink ? AF_PACKET : ctx.family;
  const f: AddrFilter = { ifindex: 0, family, scope: 0, scopemask: 0, flags: 0, flagmask: 0, up: false, oneline: ctx.oneline > 0, flush: action === 'flush' };
  let kind: string | undefined;
  let filterDev: string | undefined;
  const ll = new LlMap(ctx.rth);
  if (action === 'flush') {
    if (args.length === 0) {
      ctx.err.write('Flush requires arguments.\n');
      return -1;
    }
    if (f.family === AF_PACKET) {
      ctx.err.write('Cannot flush link addresses.\n');
      return -1;
    }
  }
  const a = new Args(args);
  while (a.argc > 0) {
    const w = a.cur();
    if (w === 'to' || w === 'label' || w === 'group' || w === 'master' || w === 'vrf' || w === 'nomaster') unsupported(w);
    else if (w === 'scope') {
      const v = a.next();
      f.scopemask = -1;
      const sc = rtscopeA2n(v);
      if (sc === undefined) {
        if (v !== 'all') invarg('invalid "scope"\n', v);
        f.scope = RT_SCOPE_NOWHERE;
        f.scopemask = 0;
      } else f.scope = sc;
    } else if (w === 'up') f.up = true;
    else if (getFilter(f, w)) {
      // recorded in the filter
    } else if (w === 'type') {
      const v = a.next();
      if (v.endsWith('_slave')) unsupported(w);
      kind = v;
    } else {
      let dev = w;
      if (w === 'dev') dev = a.next();
      else if (matches(w, 'help')) return usage(doLink);
      if (filterDev !== undefined) duparg2('dev', dev);
      filterDev = dev;
    }
    a.fwd();
  }
  if (filterDev !== undefined) {
    f.ifindex = await ll.nameToIndex(filterDev);
    if (f.ifindex <= 0) {
      ctx.err.write(`Device "${filterDev}" does not exist.\n`);
      return -1;
    }
  }
  if (action === 'flush') return ipaddrFlush(ctx, f);
  const o: LinkPrintOptions = { doLink, showQueue: true, family: f.family, ifindex: f.ifindex, up: f.up, kind };
  const p = ctx.print;
  p.newJsonObj(ctx.json);
  try {
    if (filterDev !== undefined && doLink) {
      // iplink_get: one RTM_GETLINK by name, printed as is.
      const req = dumpRequest(RTM_GETLINK, IFINFOMSG_SIZE, ctx.family, (b) => {
        b.putString(IFLA_IFNAME, filterDev ?? '');
        b.putU32(IFLA_EXT_MASK, RTEXT_FILTER_VF);
      });
      const r = await ctx.rth.talk(req, { answer: true });
      if (r.ret < 0 || r.answer === undefined) {
        ctx.err.write(`Cannot send link get request: ${strerror(r.errno)}\n`);
        p.deleteJsonObj();
        exitWith(1);
      }
      const ans = store(r.answer);
      p.openJsonObject(null);
      await printLinkinfo(ctx, ll, ans, { ...o, ifindex: 0 });
      p.closeJsonObject();
      return 0;
    }
    const links: NlMsgView[] = [];
    if (f.ifindex) {
      const req = dumpRequest(RTM_GETLINK, IFINFOMSG_SIZE, f.family, (b, h) => {
        setU32le(b.buffer, h + 4, f.ifindex);
        b.putU32(IFLA_EXT_MASK, ctx.stats ? RTEXT_FILTER_VF : RTEXT_FILTER_VF | RTEXT_FILTER_SKIP_STATS);
      });
      const r = await ctx.rth.talk(req, { answer: true });
      if (r.ret < 0 || r.answer === undefined) {
        ctx.err.write(`Cannot send link request: ${strerror(r.errno)}\n`);
        return 0;
      }
      const m = store(r.answer);
      ll.remember(m);
      links.push(m);
    } else {
      const req = dumpRequest(RTM_GETLINK, IFINFOMSG_SIZE, f.family, (b) => b.putU32(IFLA_EXT_MASK, RTEXT_FILTER_VF));
      const r = await ctx.rth.dump(req, (m) => {
        const s = store(m);
        ll.remember(s);
        links.push(s);
        return 0;
      });
      if (r < 0) {
        ctx.err.write('Dump terminated\n');
        return 0;
      }
    }
    const addrs: NlMsgView[] = [];
    let noLink = false;
    let shown = links;
    if (f.family !== AF_PACKET) {
      if (f.oneline) noLink = true;
      const req = dumpRequest(RTM_GETADDR, IFADDRMSG_SIZE, f.family, (b, h) => setU32le(b.buffer, h + 4, f.ifindex));
      const r = await ctx.rth.dump(req, (m) => {
        addrs.push(store(m));
        return 0;
      });
      if (r < 0) {
        ctx.err.write('Dump terminated\n');
        return 0;
      }
      shown = ipaddrFilter(links, addrs, f);
    }
    for (const l of shown) {
      p.openJsonObject(null);
      let res = 0;
      if (!noLink) res = await printLinkinfo(ctx, ll, l, o);
      if (res >= 0 && f.family !== AF_PACKET) await printSelectedAddrinfo(ctx, ll, ifinfo(l), addrs, f);
      if (res > 0 && !doLink && ctx.stats) {
        printLinkStats(ctx, linkAttrs(l));
        p.printNl();
      }
      p.closeJsonObject();
    }
    return 0;
  } finally {
    p.deleteJsonObj();
  }
}

/** ipaddr_filter: drops links without a matching address (when a family is asked for). */
function ipaddrFilter(links: NlMsgView[], addrs: NlMsgView[], f: AddrFilter): NlMsgView[] {
  return links.filter((l) => {
    const ifi = ifinfo(l);
    let missing = true;
    for (const a of addrs) {
      const ifa = ifaddrOf(a);
      if (ifa.index !== ifi.index) continue;
      missing = false;
      if (f.family && f.family !== ifa.family) continue;
      if ((f.scope ^ ifa.scope) & f.scopemask) continue;
      if ((f.flags ^ ifaFlags(ifa, addrAttrs(a))) & f.flagmask) continue;
      return true;
    }
    return missing && (f.family === AF_UNSPEC || f.family === AF_PACKET);
  });
}

/** print_selected_addrinfo. */
async function printSelectedAddrinfo(ctx: IpContext, ll: LlMap, ifi: Ifinfo, addrs: NlMsgView[], f: AddrFilter): Promise<void> {
  const p = ctx.print;
  p.openJsonArray(PRINT_JSON, 'addr_info');
  for (const a of addrs) {
    if (a.type !== RTM_NEWADDR) continue;
    if (a.len < NLMSG_HDRLEN + IFADDRMSG_SIZE) break;
    const ifa = ifaddrOf(a);
    if (ifa.index !== ifi.index || (f.family && f.family !== ifa.family)) continue;
    if (f.up && !(ifi.flags & IFF_UP)) continue;
    p.openJsonObject(null);
    await printAddrinfo(ctx, ll, a, f);
    p.closeJsonObject();
  }
  p.closeJsonArray(PRINT_JSON, null);
}

/** ipaddr_flush: dump, delete what matched, until a round finds nothing (at most -loops). */
async function ipaddrFlush(ctx: IpContext, f: AddrFilter): Promise<number> {
  let round = 0;
  const done = (): number => {
    if (ctx.stats) {
      if (round === 0) ctx.out.write('Nothing to flush.\n');
      else ctx.out.write(`*** Flush is complete after ${round} round${round > 1 ? 's' : ''} ***\n`);
    }
    return 0;
  };
  while (ctx.loops === 0 || round < ctx.loops) {
    const req = dumpRequest(RTM_GETADDR, IFADDRMSG_SIZE, f.family, (b, h) => setU32le(b.buffer, h + 4, f.ifindex));
    const batch: Uint8Array[] = [];
    const r = await ctx.rth.dump(req, (m) => {
      if (m.type !== RTM_NEWADDR || m.len < NLMSG_HDRLEN + IFADDRMSG_SIZE) return 0;
      if (!addrMatches(f, ifaddrOf(m), addrAttrs(m))) return 0;
      const del = m.bytes.slice(m.offset, m.offset + m.len);
      setU16le(del, 4, RTM_DELADDR);
      setU16le(del, 6, NLM_F_REQUEST);
      batch.push(del);
      return 0;
    });
    if (r < 0) exitWith(1, 'Flush terminated\n');
    if (batch.length === 0) return done();
    round++;
    // flush_update: the deletions go out in one send; the first error stops the flush.
    for (const del of batch) {
      ctx.rth.seq = (ctx.rth.seq + 1) >>> 0;
      setU32le(del, 8, ctx.rth.seq);
      const replies = await ctx.transport.request(del);
      const errno = firstError(replies);
      if (errno !== 0) {
        ctx.err.write(`Failed to send flush request: ${strerror(errno)}\n`);
        return 1;
      }
    }
    if (ctx.stats) ctx.out.write(`\n*** Round ${round}, deleting ${batch.length} addresses ***\n`);
    if (!(f.flags & IFA_F_SECONDARY) && f.flagmask & IFA_F_SECONDARY) return done();
  }
  ctx.err.write(`*** Flush remains incomplete after ${ctx.loops} rounds. ***\n`);
  return 1;
}

/** The errno of the first NLMSG_ERROR with a non-zero error in `replies`, or 0. */
function firstError(replies: Uint8Array[]): number {
  for (const buf of replies) {
    let at = 0;
    while (at + NLMSG_HDRLEN <= buf.length) {
      const len = u32le(buf, at);
      if (len < NLMSG_HDRLEN) break;
      if (u16le(buf, at + 4) === 2 && len >= NLMSG_HDRLEN + 4) {
        const e = u32le(buf, at + NLMSG_HDRLEN) | 0;
        if (e < 0) return -e;
      }
      at += (len + 3) & ~3;
    }
  }
  return 0;
}

// ---------------------------------------------------------------------------------------------
// Adding and deleting

/** set_lifetime: "forever" or a u32. */
function setLifetime(arg: string): number | undefined {
  if (arg === 'forever') return INFINITY_LIFE_TIME;
  return getU32(arg, 0);
}

/** ipaddr_modify. */
async function ipaddrModify(ctx: IpContext, cmd: number, flags: number, args: string[]): Promise<number> {
  let family = ctx.family;
  let prefixlen = 0;
  let scope = 0;
  let scoped = false;
  let dev: string | undefined;
  let lcl: InetPrefix | undefined;
  let lclArg = '';
  let peer: InetPrefix | undefined;
  let validLft = INFINITY_LIFE_TIME;
  let preferredLft = INFINITY_LIFE_TIME;
  let validSet = false;
  let preferredSet = false;
  let ifaFlagBits = 0;
  const attrs: Array<(b: NlMsgBuilder) => void> = [];
  const a = new Args(args);
  while (a.argc > 0) {
    const w = a.cur();
    if (w === 'peer' || w === 'remote') {
      const v = a.next();
      if (peer !== undefined) duparg('peer', v);
      const pp = getPrefix(v, family);
      peer = pp;
      if (family === AF_UNSPEC) family = pp.family;
      attrs.push((b) => b.put(IFA_ADDRESS, pp.data.subarray(0, pp.bytelen)));
      prefixlen = pp.bitlen;
    } else if (matches(w, 'broadcast') || w === 'brd' || w === 'anycast') {
      unsupported(w);
    } else if (w === 'scope') {
      const v = a.next();
      const sc = rtscopeA2n(v);
      if (sc === undefined) invarg('invalid scope value.', v);
      scope = sc;
      scoped = true;
    } else if (w === 'dev') {
      dev = a.next();
    } else if (w === 'label') {
      const v = a.next();
      attrs.push((b) => b.putString(IFA_LABEL, v));
    } else if (matches(w, 'metric') || matches(w, 'priority') || matches(w, 'preference')) {
      const v = a.next();
      const metric = getU32(v, 0);
      if (metric === undefined) invarg('"metric" value is invalid\n', v);
      attrs.push((b) => b.putU32(IFA_RT_PRIORITY, metric));
    } else if (matches(w, 'valid_lft')) {
      if (validSet) duparg('valid_lft', w);
      const v = a.next();
      validSet = true;
      const l = setLifetime(v);
      if (l === undefined) invarg('valid_lft value', v);
      validLft = l;
    } else if (matches(w, 'preferred_lft')) {
      if (preferredSet) duparg('preferred_lft', w);
      const v = a.next();
      preferredSet = true;
      const l = setLifetime(v);
      if (l === undefined) invarg('preferred_lft value', v);
      preferredLft = l;
    } else if (IFA_FLAG_DATA.some((d) => d.name === w)) {
      const fd = IFA_FLAG_DATA.find((d) => d.name === w);
      if (fd === undefined) continue;
      if (fd.readonly) ctx.err.write(`Warning: ${fd.name} option is not mutable from userspace\n`);
      else if (fd.v6only && family !== AF_INET6) ctx.err.write(`Warning: ${fd.name} option can be set only for IPv6 addresses\n`);
      else ifaFlagBits |= fd.mask;
    } else {
      let v = w;
      if (w === 'local') v = a.next();
      if (matches(v, 'help')) return usage(false);
      if (lcl !== undefined) duparg2('local', v);
      const lp = getPrefix(v, family);
      lcl = lp;
      lclArg = v;
      if (family === AF_UNSPEC) family = lp.family;
      attrs.push((b) => b.put(IFA_LOCAL, lp.data.subarray(0, lp.bytelen)));
    }
    a.fwd();
  }
  if (dev === undefined) {
    ctx.err.write('Not enough information: "dev" argument is required.\n');
    return -1;
  }
  if (peer === undefined && lcl !== undefined) {
    const l = lcl;
    if (cmd === RTM_DELADDR && l.family === AF_INET && !(l.flags & PREFIXLEN_SPECIFIED)) {
      ctx.err.write(
        'Warning: Executing wildcard deletion to stay compatible with old scripts.\n' +
          `         Explicitly specify the prefix length (${lclArg}/${l.bytelen * 8}) to avoid this warning.\n` +
          '         This special behaviour is likely to disappear in further releases,\n' +
          '         fix your scripts!\n',
      );
    } else attrs.push((b) => b.put(IFA_ADDRESS, l.data.subarray(0, l.bytelen)));
  }
  if (prefixlen === 0) prefixlen = lcl?.bitlen ?? 0;
  if (!scoped && cmd !== RTM_DELADDR) scope = lcl !== undefined && lcl.family === AF_INET && lcl.data[0] === 127 ? RT_SCOPE_HOST : 0;
  const ll = new LlMap(ctx.rth);
  const index = await ll.nameToIndex(dev);
  if (!index) return nodev(ctx.err, dev);
  if (validSet || preferredSet) {
    if (!validLft) {
      ctx.err.write('valid_lft is zero\n');
      return -1;
    }
    if (validLft < preferredLft) {
      ctx.err.write('preferred_lft is greater than valid_lft\n');
      return -1;
    }
  }
  if (ifaFlagBits & IFA_F_MCAUTOJOIN && !(lcl !== undefined && lcl.family === AF_INET6 && lcl.data[0] === 0xff)) {
    ctx.err.write('autojoin needs multicast address\n');
    return -1;
  }
  const b = new NlMsgBuilder();
  b.beginMessage(cmd, NLM_F_REQUEST | flags, 0, 0);
  const h = b.reserve(IFADDRMSG_SIZE);
  const buf = b.buffer;
  buf[h] = family;
  buf[h + 1] = prefixlen < 0 ? 0 : prefixlen;
  buf[h + 2] = ifaFlagBits <= 0xff ? ifaFlagBits : 0;
  buf[h + 3] = scope;
  setU32le(buf, h + 4, index);
  // The attributes go in the order ipaddr_modify adds them.
  for (const put of attrs) put(b);
  if (ifaFlagBits > 0xff) b.putU32(IFA_FLAGS, ifaFlagBits);
  if (validSet || preferredSet) {
    const ci = new Uint8Array(16);
    setU32le(ci, 0, preferredLft);
    setU32le(ci, 4, validLft);
    b.put(IFA_CACHEINFO, ci);
  }
  b.finish();
  const r = await ctx.rth.talk(b.toBytes());
  return r.ret !== 0 ? -2 : 0;
}

/** ipaddress.c usage() (without -link), exit(-1). */
function usage(doLink: boolean): never {
  if (doLink) exitWith(-1, IPLINK_USAGE_HEAD);
  exitWith(-1, IPADDR_USAGE + TYPES_USAGE);
}

export const TYPES_USAGE =
  'TYPE := { amt | bareudp | bond | bond_slave | bridge | bridge_slave |\n' +
  '          dsa | dummy | erspan | geneve | gre | gretap | gtp | ifb |\n' +
  '          ip6erspan | ip6gre | ip6gretap | ip6tnl |\n' +
  '          ipip | ipoib | ipvlan | ipvtap |\n' +
  '          macsec | macvlan | macvtap |\n' +
  '          netdevsim | nlmon | rmnet | sit | team | team_slave |\n' +
  '          vcan | veth | vlan | vrf | vti | vxcan | vxlan | wwan |\n' +
  '          xfrm | virt_wifi }\n';

export const IPADDR_USAGE =
  'Usage: ip address {add|change|replace} IFADDR dev IFNAME [ LIFETIME ]\n' +
  '                                                      [ CONFFLAG-LIST ]\n' +
  '       ip address del IFADDR dev IFNAME [mngtmpaddr]\n' +
  '       ip address {save|flush} [ dev IFNAME ] [ scope SCOPE-ID ]\n' +
  '                            [ to PREFIX ] [ FLAG-LIST ] [ label LABEL ] [up]\n' +
  '       ip address [ show [ dev IFNAME ] [ scope SCOPE-ID ] [ master DEVICE ]\n' +
  '                         [ nomaster ]\n' +
  '                         [ type TYPE ] [ to PREFIX ] [ FLAG-LIST ]\n' +
  '                         [ label LABEL ] [up] [ vrf NAME ] ]\n' +
  '       ip address {showdump|restore}\n' +
  'IFADDR := PREFIX | ADDR peer PREFIX\n' +
  '          [ broadcast ADDR ] [ anycast ADDR ]\n' +
  '          [ label IFNAME ] [ scope SCOPE-ID ] [ metric METRIC ]\n' +
  'SCOPE-ID := [ host | link | global | NUMBER ]\n' +
  'FLAG-LIST := [ FLAG-LIST ] FLAG\n' +
  'FLAG  := [ permanent | dynamic | secondary | primary |\n' +
  '           [-]tentative | [-]deprecated | [-]dadfailed | temporary |\n' +
  '           CONFFLAG-LIST ]\n' +
  'CONFFLAG-LIST := [ CONFFLAG-LIST ] CONFFLAG\n' +
  'CONFFLAG  := [ home | nodad | mngtmpaddr | noprefixroute | autojoin ]\n' +
  'LIFETIME := [ valid_lft LFT ] [ preferred_lft LFT ]\n' +
  'LFT := forever | SECONDS\n';

/** iplink_usage() with the newlink forms, as `ip link help` prints it (exit -1). */
export const IPLINK_USAGE_HEAD =
  'Usage: ip link add [link DEV | parentdev NAME] [ name ] NAME\n' +
  '\t\t    [ txqueuelen PACKETS ]\n' +
  '\t\t    [ address LLADDR ]\n' +
  '\t\t    [ broadcast LLADDR ]\n' +
  '\t\t    [ mtu MTU ] [index IDX ]\n' +
  '\t\t    [ numtxqueues QUEUE_COUNT ]\n' +
  '\t\t    [ numrxqueues QUEUE_COUNT ]\n' +
  '\t\t    [ netns { PID | NAME } ]\n' +
  '\t\t    type TYPE [ ARGS ]\n' +
  '\n' +
  '\tip link delete { DEVICE | dev DEVICE | group DEVGROUP } type TYPE [ ARGS ]\n' +
  '\n' +
  '\tip link set { DEVICE | dev DEVICE | group DEVGROUP }\n' +
  '\t\t\t[ { up | down } ]\n' +
  '\t\t\t[ type TYPE ARGS ]\n' +
  '\t\t[ arp { on | off } ]\n' +
  '\t\t[ dynamic { on | off } ]\n' +
  '\t\t[ multicast { on | off } ]\n' +
  '\t\t[ allmulticast { on | off } ]\n' +
  '\t\t[ promisc { on | off } ]\n' +
  '\t\t[ trailers { on | off } ]\n' +
  '\t\t[ carrier { on | off } ]\n' +
  '\t\t[ txqueuelen PACKETS ]\n' +
  '\t\t[ name NEWNAME ]\n' +
  '\t\t[ address LLADDR ]\n' +
  '\t\t[ broadcast LLADDR ]\n' +
  '\t\t[ mtu MTU ]\n' +
  '\t\t[ netns { PID | NAME } ]\n' +
  '\t\t[ link-netns NAME | link-netnsid ID ]\n' +
  '\t\t[ alias NAME ]\n' +
  '\t\t[ vf NUM [ mac LLADDR ]\n' +
  '\t\t\t [ vlan VLANID [ qos VLAN-QOS ] [ proto VLAN-PROTO ] ]\n' +
  '\t\t\t [ rate TXRATE ]\n' +
  '\t\t\t [ max_tx_rate TXRATE ]\n' +
  '\t\t\t [ min_tx_rate TXRATE ]\n' +
  '\t\t\t [ spoofchk { on | off} ]\n' +
  '\t\t\t [ query_rss { on | off} ]\n' +
  '\t\t\t [ state { auto | enable | disable} ]\n' +
  '\t\t\t [ trust { on | off} ]\n' +
  '\t\t\t [ node_guid EUI64 ]\n' +
  '\t\t\t [ port_guid EUI64 ] ]\n' +
  '\t\t[ { xdp | xdpgeneric | xdpdrv | xdpoffload } { off |\n' +
  '\t\t\t  object FILE [ { section | program } NAME ] [ verbose ] |\n' +
  '\t\t\t  pinned FILE } ]\n' +
  '\t\t[ master DEVICE ][ vrf NAME ]\n' +
  '\t\t[ nomaster ]\n' +
  '\t\t[ addrgenmode { eui64 | none | stable_secret | random } ]\n' +
  '\t\t[ protodown { on | off } ]\n' +
  '\t\t[ protodown_reason PREASON { on | off } ]\n' +
  '\t\t[ gso_max_size BYTES ] | [ gso_max_segs PACKETS ]\n' +
  '\t\t[ gro_max_size BYTES ]\n' +
  '\n' +
  '\tip link show [ DEVICE | group GROUP ] [up] [master DEV] [vrf NAME] [type TYPE]\n' +
  '\t\t[nomaster]\n' +
  '\n' +
  '\tip link xstats type TYPE [ ARGS ]\n' +
  '\n' +
  '\tip link afstats [ dev DEVICE ]\n' +
  '\tip link property add dev DEVICE [ altname NAME .. ]\n' +
  '\tip link property del dev DEVICE [ altname NAME .. ]\n' +
  '\n' +
  '\tip link help [ TYPE ]\n' +
  '\n' +
  TYPES_USAGE;

/** `ip address` (do_ipaddr). */
export const ipAddressObject: IpObjectHandler = async (args, ctx) => {
  const w = args[0];
  if (w === undefined) return ipaddrListFlushOrSave([], ctx, 'list', false);
  const rest = args.slice(1);
  if (matches(w, 'add')) return ipaddrModify(ctx, RTM_NEWADDR, NLM_F_CREATE | NLM_F_EXCL, rest);
  if (matches(w, 'change') || w === 'chg') return ipaddrModify(ctx, RTM_NEWADDR, NLM_F_REPLACE, rest);
  if (matches(w, 'replace')) return ipaddrModify(ctx, RTM_NEWADDR, NLM_F_CREATE | NLM_F_REPLACE, rest);
  if (matches(w, 'delete')) return ipaddrModify(ctx, RTM_DELADDR, 0, rest);
  if (matches(w, 'list') || matches(w, 'show') || matches(w, 'lst')) return ipaddrListFlushOrSave(rest, ctx, 'list', false);
  if (matches(w, 'flush')) return ipaddrListFlushOrSave(rest, ctx, 'flush', false);
  if (matches(w, 'save') || matches(w, 'showdump') || matches(w, 'restore')) unsupported(w);
  if (matches(w, 'help')) usage(false);
  exitWith(-1, `Command "${w}" is unknown, try "ip address help".\n`);
};

