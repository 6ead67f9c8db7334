/**
 * `ip link` of iproute2 6.1 (ip/iplink.c do_iplink, iplink_parse, iplink_modify; ip/link_veth.c)
 * for the kinds v6stack has: add (dummy, veth [peer ...]), set/change, delete, show/list.
 * Listing is shared with `ip address` (address.ts).
 *
 * Namespaces: iproute2 opens /run/netns/NAME and sends IFLA_NET_NS_FD. v6stack has no
 * descriptors, so `netns NAME` is resolved by the host (`resolveNetns`, e.g. the daemon's
 * World.byName(NAME).id) and sent as IFLA_NET_NS_PID carrying the namespace id, which the
 * kernel side (netlink/rtnl-link.ts) reads as such. A NAME the host does not know is tried as a
 * number (`netns PID` in iproute2), else it is `Invalid "netns" value`.
 *
 * Supported set/add words: up, down, name, index, address, broadcast/brd, txqueuelen/qlen/txqlen,
 * mtu, netns, multicast, allmulticast, promisc, trailers, arp, alias, dev. The others of
 * iplink_parse (vf, xdp*, master, nomaster, vrf, addrgenmode, link, link-netns(id), numtxqueues,
 * numrxqueues, carrier, protodown*, gso_*, gro_*, parentdev, group, dynamic, type options of other
 * kinds) answer `Option "X" is not supported by v6stack.` with status 255.
 */

import { NlMsgBuilder } from '../netlink/message.ts';
import { IFALIASZ, IFF_ALLMULTI, IFF_MULTICAST, IFF_NOARP, IFF_NOTRAILERS, IFF_PROMISC, IFF_UP, IFNAMSIZ } from '../uapi/if.ts';
import { IFLA_ADDRESS, IFLA_BROADCAST, IFLA_IFALIAS, IFLA_IFNAME, IFLA_INFO_DATA, IFLA_INFO_KIND, IFLA_LINKINFO, IFLA_MTU, IFLA_NET_NS_PID, IFLA_NEW_IFINDEX, IFLA_TXQLEN, VETH_INFO_PEER } from '../uapi/if_link.ts';
import { NLM_F_CREATE, NLM_F_EXCL, NLM_F_REPLACE, NLM_F_REQUEST } from '../uapi/netlink.ts';
import { IFINFOMSG_SIZE, RTM_DELLINK, RTM_NEWLINK } from '../uapi/rtnetlink.ts';
import { setU32le } from '../wire/bytes.ts';
import { IPLINK_USAGE_HEAD, ipaddrListFlushOrSave, LlMap } from './address.ts';
import { Args, duparg, duparg2, exitWith, getInteger, invarg, matches, nodev } from './cmdline.ts';
import type { IpContext, IpObjectHandler } from './ip.ts';

/** Words iplink_parse knows that v6stack does not implement. */
const UNSUPPORTED = new Set([
  'xdpgeneric',
  'xdpdrv',
  'xdpoffload',
  'xdp',
  'carrier',
  'vf',
  'master',
  'vrf',
  'nomaster',
  'dynamic',
  'group',
  'mode',
  'state',
  'numtxqueues',
  'numrxqueues',
  'addrgenmode',
  'link-netns',
  'link-netnsid',
  'protodown',
  'protodown_reason',
  'gso_max_size',
  'gso_max_segs',
  'gro_max_size',
  'parentdev',
  'link',
]);

function unsupported(word: string): never {
  exitWith(-1, `Option "${word}" is not supported by v6stack.\n`);
}

/** check_ifname: 1..15 bytes, no '/', ':' or white space. */
function checkIfname(name: string): boolean {
  const bytes = new TextEncoder().encode(name);
  if (bytes.length === 0 || bytes.length >= IFNAMSIZ) return false;
  return !/[/:\s]/.test(name);
}

/** ll_addr_a2n: "aa:bb:.." hex bytes; prints why and gives undefined when it is not one. */
function llAddrA2n(ctx: IpContext, arg: string): Uint8Array | undefined {
  const out: number[] = [];
  for (const part of arg.split(':').slice(0, 32)) {
    if (!/^\s*(0x)?[0-9a-fA-F]+/.test(part)) {
      ctx.err.write(`"${part}" is invalid lladdr.\n`);
      return undefined;
    }
    const v = parseInt(part, 16);
    if (v > 255) {
      ctx.err.write(`"${part}" is invalid lladdr.\n`);
      return undefined;
    }
    out.push(v);
  }
  return Uint8Array.from(out);
}

/** The host's namespace lookup: a namespace id, or undefined when NAME is unknown. */
export type NetnsResolver = (name: string) => number | undefined;

/** struct iplink_req being filled: the ifinfomsg fields and the attributes so far. */
interface LinkReq {
  readonly b: NlMsgBuilder;
  /** Offset of the ifinfomsg (the outer one, or the peer's inside VETH_INFO_PEER). */
  readonly hdr: number;
  flags: number;
  change: number;
  index: number;
  readonly create: boolean;
}

interface ParseResult {
  /** Words consumed. */
  readonly used: number;
  readonly type: string | undefined;
}

/** iplink_parse: fills `req`; returns the words consumed and the `type`, or a negative status. */
async function iplinkParse(ctx: IpContext, ll: LlMap, argv: string[], req: LinkReq, resolve: NetnsResolver | undefined): Promise<ParseResult | number> {
  const a = new Args(argv);
  let name: string | undefined;
  let dev: string | undefined;
  let qlenSet = false;
  let mtuSet = false;
  let netnsSet = false;
  let index = 0;
  let addrLen = 0;
  let type: string | undefined;
  const b = req.b;
  while (a.argc > 0) {
    const w = a.cur();
    if (w === 'up') {
      req.change |= IFF_UP;
      req.flags |= IFF_UP;
    } else if (w === 'down') {
      req.change |= IFF_UP;
      req.flags &= ~IFF_UP;
    } else if (w === 'name') {
      const v = a.next();
      if (name !== undefined) duparg('name', v);
      if (!checkIfname(v)) invarg('"name" not a valid ifname', v);
      name = v;
      dev ??= name;
    } else if (w === 'index') {
      const v = a.next();
      if (index) duparg('index', v);
      index = atoi(v);
      if (index <= 0) invarg('Invalid "index" value', v);
    } else if (matches(w, 'address')) {
      const v = a.next();
      const addr = llAddrA2n(ctx, v);
      if (addr === undefined) return -1;
      addrLen = addr.length;
      b.put(IFLA_ADDRESS, addr);
    } else if (matches(w, 'broadcast') || w === 'brd') {
      const v = a.next();
      const addr = llAddrA2n(ctx, v);
      if (addr === undefined) return -1;
      b.put(IFLA_BROADCAST, addr);
    } else if (matches(w, 'txqueuelen') || w === 'qlen' || matches(w, 'txqlen')) {
      const v = a.next();
      if (qlenSet) duparg('txqueuelen', v);
      qlenSet = true;
      const q = getInteger(v, 0);
      if (q === undefined) invarg('Invalid "txqueuelen" value\n', v);
      b.putU32(IFLA_TXQLEN, q >>> 0);
    } else if (w === 'mtu') {
      const v = a.next();
      if (mtuSet) duparg('mtu', v);
      mtuSet = true;
      const m = getInteger(v, 0);
      if (m === undefined) invarg('Invalid "mtu" value\n', v);
      b.putU32(IFLA_MTU, m >>> 0);
    } else if (w === 'netns') {
      const v = a.next();
      if (netnsSet) duparg('netns', v);
      netnsSet = true;
      const id = resolve?.(v) ?? getInteger(v, 0);
      if (id === undefined) invarg('Invalid "netns" value\n', v);
      b.putU32(IFLA_NET_NS_PID, id >>> 0);
    } else if (w === 'multicast' || w === 'allmulticast' || w === 'promisc') {
      const bit = w === 'multicast' ? IFF_MULTICAST : w === 'allmulticast' ? IFF_ALLMULTI : IFF_PROMISC;
      const v = a.next();
      req.change |= bit;
      if (v === 'on') req.flags |= bit;
      else if (v === 'off') req.flags &= ~bit;
      else return onOff(ctx, w, v);
    } else if (w === 'trailers' || w === 'arp') {
      const bit = w === 'trailers' ? IFF_NOTRAILERS : IFF_NOARP;
      const v = a.next();
      req.change |= bit;
      // Both flags are negative: "off" sets them.
      if (v === 'off') req.flags |= bit;
      else if (v === 'on') req.flags &= ~bit;
      else return onOff(ctx, w, v);
    } else if (matches(w, 'alias')) {
      const v = a.next();
      if (new TextEncoder().encode(v).length >= IFALIASZ) invarg('alias too long\n', v);
      // addattr_l(IFLA_IFALIAS, v, strlen(v)): no terminating NUL.
      b.put(IFLA_IFALIAS, new TextEncoder().encode(v));
    } else if (w === 'type') {
      type = a.next();
      a.fwd();
      break;
    } else if (UNSUPPORTED.has(w)) {
      unsupported(w);
    } else {
      let v = w;
      if (matches(w, 'help')) usage();
      if (w === 'dev') v = a.next();
      if (dev !== name) duparg2('dev', v);
      if (!checkIfname(v) && new TextEncoder().encode(v).length >= 128) invarg('"dev" not a valid ifname', v);
      dev = v;
    }
    a.fwd();
  }
  const used = argv.length - a.argc;
  if (name === undefined) name = dev;
  else if (dev === undefined) dev = name;
  if (!req.create && dev !== undefined && addrLen) {
    const halen = await nlGetLlAddrLen(ll, dev);
    if (halen >= 0 && halen !== addrLen) {
      ctx.err.write(`Invalid address length ${addrLen} - must be ${halen} bytes\n`);
      return -1;
    }
  }
  if (index && !req.create && !netnsSet) {
    exitWith(-1, 'index can be used only when creating devices or when moving device to another netns.\n');
  }
  if (!req.create) {
    if (dev === undefined) exitWith(-1, 'Not enough information: "dev" argument is required.\n');
    req.index = await ll.nameToIndex(dev);
    if (!req.index) return nodev(ctx.err, dev);
    if (name === dev) name = undefined;
    if (index) b.putU32(IFLA_NEW_IFINDEX, index);
  } else {
    if (name !== dev) exitWith(-1, 'both "name" and "dev" cannot be used when creating devices.\n');
    req.index = index;
  }
  if (name !== undefined) b.putString(IFLA_IFNAME, name);
  return { used, type };
}

/** The hardware address length of `dev` (nl_get_ll_addr_len), -1 when unknown. */
async function nlGetLlAddrLen(ll: LlMap, dev: string): Promise<number> {
  return (await ll.addrLen(dev)) ?? -1;
}

function onOff(ctx: IpContext, msg: string, realval: string): number {
  ctx.err.write(`Error: argument of "${msg}" must be "on" or "off", not "${realval}"\n`);
  return -1;
}

/** C atoi. */
function atoi(s: string): number {
  const m = /^[ \t\n\v\f\r]*([+-]?\d+)/.exec(s);
  return m === null ? 0 : Number(BigInt.asIntN(32, BigInt(m[1] ?? '0')));
}

function writeIfinfo(req: LinkReq, family: number): void {
  const buf = req.b.buffer;
  buf[req.hdr] = family;
  setU32le(buf, req.hdr + 4, req.index >>> 0);
  setU32le(buf, req.hdr + 8, req.flags >>> 0);
  setU32le(buf, req.hdr + 12, req.change >>> 0);
}

/** iplink_modify. */
async function iplinkModify(ctx: IpContext, cmd: number, flags: number, argv: string[], resolve: NetnsResolver | undefined): Promise<number> {
  const ll = new LlMap(ctx.rth);
  const b = new NlMsgBuilder();
  b.beginMessage(cmd, NLM_F_REQUEST | flags, 0, 0);
  const hdr = b.reserve(IFINFOMSG_SIZE);
  const req: LinkReq = { b, hdr, flags: 0, change: 0, index: 0, create: (flags & NLM_F_CREATE) !== 0 };
  const parsed = await iplinkParse(ctx, ll, argv, req, resolve);
  if (typeof parsed === 'number') return parsed;
  writeIfinfo(req, ctx.family);
  const rest = argv.slice(parsed.used);
  if (parsed.type !== undefined) {
    const type = parsed.type;
    const li = b.nestStartNoflag(IFLA_LINKINFO);
    // addattr_l(IFLA_INFO_KIND, type, strlen(type)): no NUL.
    b.put(IFLA_INFO_KIND, new TextEncoder().encode(type));
    if (type === 'veth' && rest.length > 0) {
      const data = b.nestStartNoflag(IFLA_INFO_DATA);
      const r = await vethParseOpt(ctx, ll, rest, req, resolve);
      if (r < 0) return -1;
      b.nestEnd(data);
    } else if (rest.length > 0) {
      const w = rest[0] ?? '';
      if (matches(w, 'help')) usage();
      ctx.err.write(`Garbage instead of arguments "${w} ...". Try "ip link help".\n`);
      return -1;
    }
    b.nestEnd(li);
  } else if (flags & NLM_F_CREATE) {
    ctx.err.write('Not enough information: "type" argument is required\n');
    return -1;
  }
  b.finish();
  const r = await ctx.rth.talk(b.toBytes());
  if (r.ret) return -2;
  ll.drop(req.index);
  return 0;
}

/** link_veth.c veth_parse_opt: `peer` and the peer's own iplink words. */
async function vethParseOpt(ctx: IpContext, ll: LlMap, argv: string[], outer: LinkReq, resolve: NetnsResolver | undefined): Promise<number> {
  if (argv[0] !== 'peer') {
    ctx.err.write("Usage: ip link <options> type veth [peer <options>]\nTo get <options> type 'ip link add help'\n");
    return -1;
  }
  const b = outer.b;
  const data = b.nestStartNoflag(VETH_INFO_PEER);
  const hdr = b.reserve(IFINFOMSG_SIZE);
  const peer: LinkReq = { b, hdr, flags: 0, change: 0, index: 0, create: outer.create };
  const r = await iplinkParse(ctx, ll, argv.slice(1), peer, resolve);
  if (typeof r === 'number') return r;
  if (r.type !== undefined) duparg('type', argv[r.used] ?? '');
  writeIfinfo(peer, 0);
  b.nestEnd(data);
  return 0;
}

function usage(): never {
  exitWith(-1, IPLINK_USAGE_HEAD);
}

/** `ip link` (do_iplink) with an optional namespace resolver for `netns NAME`. */
export function createIpLinkObject(resolveNetns?: NetnsResolver): IpObjectHandler {
  return async (args, ctx) => {
    const w = args[0];
    if (w === undefined) return ipaddrListFlushOrSave([], ctx, 'list', true);
    const rest = args.slice(1);
    if (matches(w, 'add')) return iplinkModify(ctx, RTM_NEWLINK, NLM_F_CREATE | NLM_F_EXCL, rest, resolveNetns);
    if (matches(w, 'set') || matches(w, 'change')) return iplinkModify(ctx, RTM_NEWLINK, 0, rest, resolveNetns);
    if (matches(w, 'replace')) return iplinkModify(ctx, RTM_NEWLINK, NLM_F_CREATE | NLM_F_REPLACE, rest, resolveNetns);
    if (matches(w, 'delete')) return iplinkModify(ctx, RTM_DELLINK, 0, rest, resolveNetns);
    if (matches(w, 'show') || matches(w, 'lst') || matches(w, 'list')) return ipaddrListFlushOrSave(rest, ctx, 'list', true);
    if (matches(w, 'xstats') || matches(w, 'afstats') || matches(w, 'property')) unsupported(w);
    if (matches(w, 'help')) usage();
    exitWith(-1, `Command "${w}" is unknown, try "ip link help".\n`);
  };
}

/** `ip link` without namespace names (numbers only). */
export const ipLinkObject: IpObjectHandler = createIpLinkObject();

