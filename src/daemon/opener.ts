/**
 * Where client commands get their netlink transports: the daemon's control socket, or (for
 * `daemon --config` and `--check`) a Kernel in this process with root's credentials. The
 * commands are written once against `NetlinkOpener`.
 */

import type { NetlinkTransport } from '../iproute/ip.ts';
import { InProcessTransport } from '../iproute/transport.ts';
import type { Kernel } from '../kernel.ts';
import { rootCredentials } from '../net/credentials.ts';
import { ENOENT } from '../uapi/errno.ts';
import { DaemonTransport } from './client.ts';

export interface NetlinkOpener {
  /** Opens a transport of `protocol` in `netns` (undefined: the initial namespace), or the errno. */
  open(protocol: number, netns: string | undefined): Promise<NetlinkTransport | { readonly errno: number }>;
  /** The same, for callers that cannot wait (IpHost.openNetlink); failures show at the first request. */
  openNow(protocol: number, netns: string | undefined): NetlinkTransport | { readonly errno: number };
  /** Where the transports lead, for messages ("/run/v6stack/v6stack.sock"). */
  readonly where: string;
}

export function socketOpener(path: string): NetlinkOpener {
  return {
    where: path,
    open: (protocol, netns) => DaemonTransport.open(path, protocol, netns),
    openNow: (protocol, netns) => DaemonTransport.lazy(path, protocol, netns),
  };
}

/** Transports into `kernel` as root (pid 1), for configuration the daemon applies itself. */
export function kernelOpener(kernel: Kernel): NetlinkOpener {
  const openNow = (protocol: number, netns: string | undefined): NetlinkTransport | { readonly errno: number } => {
    const net = netns === undefined ? kernel.world.initNet : kernel.world.byName(netns);
    if (net === undefined) return { errno: ENOENT };
    return InProcessTransport.open(kernel.netlink, net, protocol, rootCredentials(kernel.world.initUserNs));
  };
  return { where: 'the daemon', openNow, open: (protocol, netns) => Promise.resolve(openNow(protocol, netns)) };
}
