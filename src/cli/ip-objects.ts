/**
 * The `ip` objects `v6stack ip` serves: ip.c's table names to their handlers. Objects not listed
 * answer "not supported by v6stack".
 */

import type { IpContext, IpObjectHandler, IpObjectName } from '../iproute/ip.ts';
import { ipAddressObject } from '../iproute/address.ts';
import { createIoamObject } from '../iproute/ioam.ts';
import { createIpLinkObject } from '../iproute/link.ts';
import type { DeviceNames } from '../iproute/route.ts';
import { makeIpRoute } from '../iproute/route.ts';
import { NlAttrCursor, NlMsgBuilder } from '../netlink/message.ts';
import { u32le } from '../wire/bytes.ts';
import { IFLA_IFNAME } from '../uapi/if_link.ts';
import { NLMSG_HDRLEN, NLM_F_DUMP, NLM_F_REQUEST } from '../uapi/netlink.ts';
import { RTM_GETLINK } from '../uapi/rtnetlink.ts';
import { doNetns } from './ip-netns.ts';

const IFINFOMSG_SIZE = 16;

/**
 * ll_init_map: the namespace's interface names and indexes, read with one RTM_GETLINK dump, for
 * the route object's name lookups.
 */
async function linkNames(ctx: IpContext): Promise<DeviceNames> {
  const byName = new Map<string, number>();
  const byIndex = new Map<number, string>();
  const b = new NlMsgBuilder();
  b.beginMessage(RTM_GETLINK, NLM_F_REQUEST | NLM_F_DUMP, 0, 0);
  b.reserve(IFINFOMSG_SIZE);
  b.finish();
  const attrs = new NlAttrCursor(new Uint8Array(0));
  await ctx.rth.dump(b.toBytes(), (m) => {
    const p = m.offset + NLMSG_HDRLEN;
    if (m.payloadLength < IFINFOMSG_SIZE) return 0;
    const index = u32le(m.bytes, p + 4) | 0;
    attrs.reset(m.bytes, p + IFINFOMSG_SIZE, m.payloadLength - IFINFOMSG_SIZE);
    while (attrs.next()) {
      if (attrs.type !== IFLA_IFNAME) continue;
      const d = attrs.data;
      const end = d.indexOf(0);
      const name = new TextDecoder().decode(end === -1 ? d : d.subarray(0, end));
      byName.set(name, index);
      byIndex.set(index, name);
    }
    return 0;
  });
  return {
    nameToIndex: (name) => byName.get(name) ?? 0,
    indexToName: (index) => byIndex.get(index),
  };
}

const routeObject: IpObjectHandler = async (argv, ctx) => {
  const names = await linkNames(ctx);
  return makeIpRoute(() => names)(argv, ctx);
};

/**
 * The table. `ip link set dev X netns NAME` names the namespace by its v6stack id: `resolveNetns`
 * maps the name (the daemon session supplies one; numeric ids work without it).
 */
export function ipObjectHandlers(resolveNetns?: (name: string) => number | undefined): Partial<Record<IpObjectName, IpObjectHandler>> {
  return {
    netns: doNetns,
    link: createIpLinkObject(resolveNetns),
    address: ipAddressObject,
    route: routeObject,
    // iproute2 6.9 added `ip ioam monitor`; the daemon relays the ioam6_events group.
    ioam: createIoamObject({ monitor: true }),
  };
}

export const IP_OBJECT_HANDLERS: Partial<Record<IpObjectName, IpObjectHandler>> = ipObjectHandlers();
