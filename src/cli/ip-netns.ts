/**
 * `ip netns list|add|delete` (iproute2 ip/ipnetns.c) over the daemon's V6STACK family. A
 * namespace lives in the daemon until deleted or until the daemon stops; there are no files in
 * /run/netns, but the messages name them as iproute2 does. `list` prints the newest first, the
 * order of a readdir of tmpfs /run/netns. Unprivileged `add` fails as it does on Linux, where
 * the first privileged step (making /run/netns shared) is refused.
 */

import type { IpContext, IpObjectHandler } from '../iproute/ip.ts';
import { exitWith, matches } from '../iproute/cmdline.ts';
import { V6stackControl } from '../daemon/control.ts';
import { EACCES, EPERM, strerror } from '../uapi/errno.ts';
import { NETLINK_GENERIC } from '../uapi/netlink.ts';

const NETNS_RUN_DIR = '/run/netns';

const NETNS_USAGE =
  'Usage:\tip netns list\n' +
  '\tip netns add NAME\n' +
  '\tip netns attach NAME PID\n' +
  '\tip netns set NAME NETNSID\n' +
  '\tip [-all] netns delete [NAME]\n' +
  '\tip netns identify [PID]\n' +
  '\tip netns pids NAME\n' +
  '\tip [-all] netns exec [NAME] cmd ...\n' +
  '\tip netns monitor\n' +
  '\tip netns list-id [target-nsid POSITIVE-INT] [nsid POSITIVE-INT]\n' +
  'NETNSID := auto | POSITIVE-INT\n';

async function control(ctx: IpContext): Promise<V6stackControl> {
  const t = ctx.openNetlink(NETLINK_GENERIC);
  if (t === undefined) exitWith(1, 'Cannot open generic netlink socket\n');
  const c = await V6stackControl.resolve(t);
  if (!c.ok) exitWith(1, `Cannot reach the v6stack daemon: ${strerror(c.errno)}\n`);
  return c.value;
}

async function netnsList(ctx: IpContext): Promise<number> {
  const r = await (await control(ctx)).netnsList();
  if (!r.ok) {
    ctx.err.write(`Failed to list namespaces: ${strerror(r.errno)}\n`);
    return -1;
  }
  for (const ns of [...r.value].reverse()) ctx.out.write(`${ns.name}\n`);
  return 0;
}

async function netnsAdd(args: string[], ctx: IpContext): Promise<number> {
  const name = args[0];
  if (name === undefined) {
    ctx.err.write('No netns name specified\n');
    return -1;
  }
  const errno = await (await control(ctx)).netnsAdd(name);
  if (errno === 0) return 0;
  if (errno === EPERM) ctx.err.write(`mount --make-shared ${NETNS_RUN_DIR} failed: ${strerror(EPERM)}\n`);
  else ctx.err.write(`Cannot create namespace file "${NETNS_RUN_DIR}/${name}": ${strerror(errno)}\n`);
  return -1;
}

async function netnsDelete(args: string[], ctx: IpContext): Promise<number> {
  const name = args[0];
  if (name === undefined) {
    ctx.err.write('No netns name specified\n');
    return -1;
  }
  const errno = await (await control(ctx)).netnsDel(name);
  if (errno === 0) return 0;
  // unlink() in root's /run/netns: an unprivileged user gets EACCES there.
  ctx.err.write(`Cannot remove namespace file "${NETNS_RUN_DIR}/${name}": ${strerror(errno === EPERM ? EACCES : errno)}\n`);
  return -1;
}

/** NAME_MAX of linux/limits.h: a file name in /run/netns. */
const NAME_MAX = 255;

/** invalid_name: names that cannot be a file in /run/netns. */
function invalidName(name: string): boolean {
  return name === '' || Buffer.byteLength(name) > NAME_MAX || name.includes('/') || name === '.' || name === '..';
}

/** do_netns. */
export const doNetns: IpObjectHandler = async (args, ctx) => {
  const cmd = args[0];
  if (cmd === undefined) return netnsList(ctx);
  const name = args[1];
  if (!ctx.all && name !== undefined && invalidName(name)) exitWith(-1, `Invalid netns name "${name}"\n`);
  if (matches(cmd, 'list') || matches(cmd, 'show') || matches(cmd, 'lst')) return netnsList(ctx);
  if (matches(cmd, 'help')) exitWith(-1, NETNS_USAGE);
  if (matches(cmd, 'add')) return netnsAdd(args.slice(1), ctx);
  if (matches(cmd, 'delete')) return netnsDelete(args.slice(1), ctx);
  for (const other of ['list-id', 'identify', 'pids', 'exec', 'monitor', 'set', 'attach']) {
    if (matches(cmd, other)) {
      ctx.err.write(`"ip netns ${other}" is not supported by v6stack.\n`);
      return -1;
    }
  }
  exitWith(-1, `Command "${cmd}" is unknown, try "ip netns help".\n`);
};
