/**
 * The routes addrconf asks for, made in the routing table: a prefix route in main for each
 * address's prefix (addrconf_prefix_route: proto kernel, metric 256 or IFA_RT_PRIORITY) and a
 * local /128 route in the local table for each address (addrconf_f6i_alloc: type local, proto
 * kernel, metric 0, the address's device). Both are announced to RTNLGRP_IPV6_ROUTE.
 *
 * Not made (yet): the ff00::/8 multicast route per device and subnet-router anycast routes.
 */

import type { AddrconfRouteOps, Inet6Ifaddr } from './addrconf.ts';
import type { NetDevice } from '../net/netdevice.ts';
import type { Ipv6RouteSubsys } from './rtnl-route.ts';
import { deleteKernelRoute, insertKernelRoute } from './rtnl-route.ts';
import { RTF_NONEXTHOP, RTF_UP } from './fib.ts';
import { RT_TABLE_LOCAL, RT_TABLE_MAIN, RTN_LOCAL, RTN_UNICAST, RTPROT_KERNEL } from '../uapi/rtnetlink.ts';

export function addrconfRouteOps(routes: Ipv6RouteSubsys): AddrconfRouteOps {
  return {
    prefixRoute(event: 'add' | 'del', dev: NetDevice, prefix: Uint8Array, plen: number, metric: number): void {
      if (event === 'add') {
        insertKernelRoute(routes, dev.net, {
          dst: prefix,
          dstLen: plen,
          table: RT_TABLE_MAIN,
          type: RTN_UNICAST,
          protocol: RTPROT_KERNEL,
          metric,
          ifindex: dev.ifindex,
          flags: RTF_UP,
        });
      } else {
        deleteKernelRoute(routes, dev.net, { dst: prefix, dstLen: plen, table: RT_TABLE_MAIN, metric, ifindex: dev.ifindex });
      }
    },
    localRoute(event: 'add' | 'del', ifa: Inet6Ifaddr): void {
      const dev = ifa.idev.dev;
      if (event === 'add') {
        insertKernelRoute(routes, dev.net, {
          dst: ifa.addr,
          dstLen: 128,
          table: RT_TABLE_LOCAL,
          type: RTN_LOCAL,
          protocol: RTPROT_KERNEL,
          metric: 0,
          ifindex: dev.ifindex,
          flags: RTF_UP | RTF_NONEXTHOP,
        });
      } else {
        deleteKernelRoute(routes, dev.net, { dst: ifa.addr, dstLen: 128, table: RT_TABLE_LOCAL, ifindex: dev.ifindex });
      }
    },
  };
}
