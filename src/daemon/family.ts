/**
 * The "V6STACK" generic netlink family: what the daemon offers besides the kernel's own
 * families. Namespaces (`ip netns add|del|list`), sysctls and MIB counters travel as netlink
 * like everything else, so the bus checks credentials (GENL_ADMIN_PERM for every change) and
 * answers with an errno, exactly as for `ip ioam`. Numbers are in ./protocol.ts.
 */

import type { World } from '../net/net.ts';
import type { SysctlError } from '../net/sysctl.ts';
import type { Result } from '../wire/result.ts';
import type { GenlBus, GenlFamily, GenlInfo, GenlRegisteredFamily, NetlinkCallback, NetlinkSkb } from '../netlink/genetlink.ts';
import { genlmsgEnd, genlmsgNew, genlmsgPut, genlmsgPutReply, genlmsgReply } from '../netlink/genetlink.ts';
import { nlaPolicyTable } from '../netlink/policy.ts';
import { EINVAL, EMSGSIZE, ENOENT, ENOMEM } from '../uapi/errno.ts';
import { GENL_ADMIN_PERM } from '../uapi/genetlink.ts';
import { NLA_NUL_STRING, NLM_F_MULTI } from '../uapi/netlink.ts';
import {
  V6STACK_ATTR_MAX,
  V6STACK_ATTR_MIB_NAME,
  V6STACK_ATTR_MIB_VALUE,
  V6STACK_ATTR_NETNS_ID,
  V6STACK_ATTR_NETNS_NAME,
  V6STACK_ATTR_PAD,
  V6STACK_ATTR_SYSCTL_NAME,
  V6STACK_ATTR_SYSCTL_VALUE,
  V6STACK_CMD_MIB_GET,
  V6STACK_CMD_NETNS_ADD,
  V6STACK_CMD_NETNS_DEL,
  V6STACK_CMD_NETNS_LIST,
  V6STACK_CMD_SYSCTL_GET,
  V6STACK_CMD_SYSCTL_SET,
  V6STACK_GENL_NAME,
  V6STACK_GENL_VERSION,
} from './protocol.ts';

/** Names are NUL-terminated strings; 4096 bounds a sysctl path as PATH_MAX does. */
const V6STACK_POLICY = nlaPolicyTable(V6STACK_ATTR_MAX, {
  [V6STACK_ATTR_NETNS_NAME]: { type: NLA_NUL_STRING, len: 255 },
  [V6STACK_ATTR_SYSCTL_NAME]: { type: NLA_NUL_STRING, len: 4096 },
  [V6STACK_ATTR_SYSCTL_VALUE]: { type: NLA_NUL_STRING, len: 4096 },
});

/** What a dump walks: the list as it was when the dump started (kept in cb.data). */
class DumpList<T> {
  readonly items: readonly T[];
  constructor(items: readonly T[]) {
    this.items = items;
  }
}

/** One batch of a dump over the DumpList in cb.data; cb.args[0] is the next index. */
function dumpList<T>(skb: NetlinkSkb, cb: NetlinkCallback, cmd: number, fill: (skb: NetlinkSkb, item: T) => void): number {
  const data = cb.data;
  const fam = cb.genl?.family;
  if (!(data instanceof DumpList) || fam === undefined) return -EINVAL;
  // Each op stores a DumpList of the element type its fill expects.
  const list = (data as DumpList<T>).items;
  let i = cb.args[0] ?? 0;
  for (; i < list.length; i++) {
    const item = list[i] as T;
    if (genlmsgPut(skb, cb.portid, cb.seq, fam, NLM_F_MULTI, cmd) < 0) break;
    fill(skb, item);
    if (!genlmsgEnd(skb)) break;
  }
  cb.args[0] = i;
  if (i < list.length && skb.len === 0) return -EMSGSIZE;
  return i < list.length ? skb.len : 0;
}

function doneClear(cb: NetlinkCallback): number {
  cb.data = undefined;
  return 0;
}

export function createV6stackGenlFamily(world: World): GenlFamily {
  const netnsAdd = (info: GenlInfo): number => {
    const name = info.attrs.string(V6STACK_ATTR_NETNS_NAME);
    if (name === undefined) return -EINVAL;
    const r = world.createNet(name);
    if (!r.ok) {
      info.extack.msg = r.error.message;
      return -r.error.errno;
    }
    return 0;
  };

  const netnsDel = (info: GenlInfo): number => {
    const name = info.attrs.string(V6STACK_ATTR_NETNS_NAME);
    if (name === undefined) return -EINVAL;
    const net = world.byName(name);
    if (net === undefined || net === world.initNet) return -ENOENT;
    world.destroyNet(net);
    return 0;
  };

  const sysctlGet = (info: GenlInfo): number => {
    const name = info.attrs.string(V6STACK_ATTR_SYSCTL_NAME);
    if (name === undefined) return -EINVAL;
    const r = info.net.sysctl.read(name);
    if (!r.ok) return -r.error.errno;
    const skb = genlmsgNew();
    if (genlmsgPutReply(skb, info, 0, V6STACK_CMD_SYSCTL_GET) < 0) return -ENOMEM;
    skb.b.putString(V6STACK_ATTR_SYSCTL_NAME, name);
    skb.b.putString(V6STACK_ATTR_SYSCTL_VALUE, r.value);
    if (!genlmsgEnd(skb)) return -EMSGSIZE;
    return genlmsgReply(skb, info);
  };

  const sysctlSet = (info: GenlInfo): number => {
    const name = info.attrs.string(V6STACK_ATTR_SYSCTL_NAME);
    const value = info.attrs.string(V6STACK_ATTR_SYSCTL_VALUE);
    if (name === undefined || value === undefined) return -EINVAL;
    const r = info.net.sysctl.write(name, value);
    if (!r.ok) {
      info.extack.msg = r.error.message;
      return -r.error.errno;
    }
    return 0;
  };

  const ops = [
    {
      cmd: V6STACK_CMD_NETNS_LIST,
      start: (cb: NetlinkCallback): number => {
        cb.data = new DumpList(
          world
            .list()
            .filter((n) => n !== world.initNet)
            .map((n) => ({ name: n.name, id: n.id })),
        );
        return 0;
      },
      dumpit: (skb: NetlinkSkb, cb: NetlinkCallback) =>
        dumpList<{ name: string; id: number }>(skb, cb, V6STACK_CMD_NETNS_LIST, (s, n) => {
          s.b.putString(V6STACK_ATTR_NETNS_NAME, n.name);
          s.b.putU32(V6STACK_ATTR_NETNS_ID, n.id);
        }),
      done: doneClear,
    },
    { cmd: V6STACK_CMD_NETNS_ADD, flags: GENL_ADMIN_PERM, doit: netnsAdd },
    { cmd: V6STACK_CMD_NETNS_DEL, flags: GENL_ADMIN_PERM, doit: netnsDel },
    {
      cmd: V6STACK_CMD_SYSCTL_GET,
      doit: sysctlGet,
      start: (cb: NetlinkCallback): number => {
        const prefix = cb.genl?.attrs?.string(V6STACK_ATTR_SYSCTL_NAME) ?? '';
        const entries = cb.net.sysctl.list(prefix);
        if (prefix !== '' && entries.length === 0) return -ENOENT;
        // Values are read when the dump starts, as one read of /proc/sys per key would.
        cb.data = new DumpList(entries.map((e) => ({ name: e.path, value: cb.net.sysctl.read(e.path) })));
        return 0;
      },
      dumpit: (skb: NetlinkSkb, cb: NetlinkCallback) =>
        dumpList<{ name: string; value: Result<string, SysctlError> }>(skb, cb, V6STACK_CMD_SYSCTL_GET, (s, e) => {
          s.b.putString(V6STACK_ATTR_SYSCTL_NAME, e.name);
          if (e.value.ok) s.b.putString(V6STACK_ATTR_SYSCTL_VALUE, e.value.value);
        }),
      done: doneClear,
    },
    { cmd: V6STACK_CMD_SYSCTL_SET, flags: GENL_ADMIN_PERM, doit: sysctlSet },
    {
      cmd: V6STACK_CMD_MIB_GET,
      start: (cb: NetlinkCallback): number => {
        cb.data = new DumpList(cb.net.mib.snapshot());
        return 0;
      },
      dumpit: (skb: NetlinkSkb, cb: NetlinkCallback) =>
        dumpList<[string, number]>(skb, cb, V6STACK_CMD_MIB_GET, (s, [name, value]) => {
          s.b.putString(V6STACK_ATTR_MIB_NAME, name);
          s.b.putU64(V6STACK_ATTR_MIB_VALUE, BigInt(value), V6STACK_ATTR_PAD);
        }),
      done: doneClear,
    },
  ];

  return Object.freeze({
    name: V6STACK_GENL_NAME,
    version: V6STACK_GENL_VERSION,
    hdrsize: 0,
    maxattr: V6STACK_ATTR_MAX,
    policy: V6STACK_POLICY,
    // Sysctls and counters are per namespace (`v6stack sysctl --netns NAME`).
    netnsok: true,
    ops: Object.freeze(ops),
  });
}

/** Registers the family on `bus`; the negative errno when it cannot be. */
export function registerV6stackFamily(world: World, bus: GenlBus): GenlRegisteredFamily | number {
  return bus.registerFamily(createV6stackGenlFamily(world));
}
