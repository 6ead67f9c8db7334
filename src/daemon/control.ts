/**
 * Requests of the V6STACK family, for the commands that are not `ip` objects (sysctl, nstat)
 * and for `ip netns`. Each call is one exchange on a NETLINK_GENERIC transport; errors come
 * back as positive errnos for the caller to print in its own tool's words.
 */

import type { NetlinkTransport } from '../iproute/ip.ts';
import { NlAttrCursor, NlMsgBuilder, NlMsgCursor } from '../netlink/message.ts';
import { CTRL_ATTR_FAMILY_ID, CTRL_ATTR_FAMILY_NAME, CTRL_CMD_GETFAMILY, GENL_HDRLEN, GENL_ID_CTRL } from '../uapi/genetlink.ts';
import { EPROTO } from '../uapi/errno.ts';
import { NLM_F_ACK, NLM_F_DUMP, NLM_F_REQUEST, NLMSG_DONE, NLMSG_ERROR, NLMSG_HDRLEN } from '../uapi/netlink.ts';
import { u16le, u32le } from '../wire/bytes.ts';

/** A u64 attribute in host (little-endian) order. */
function u64le(b: Uint8Array, o: number): bigint {
  return (BigInt(u32le(b, o + 4)) << 32n) | BigInt(u32le(b, o));
}
import {
  V6STACK_ATTR_MIB_NAME,
  V6STACK_ATTR_MIB_VALUE,
  V6STACK_ATTR_NETNS_ID,
  V6STACK_ATTR_NETNS_NAME,
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

/** An attribute's value as seen in a reply. */
type Attrs = Map<number, Uint8Array>;

export type Outcome<T> = { readonly ok: true; readonly value: T } | { readonly ok: false; readonly errno: number };

function attrsOf(msg: Uint8Array, at: number, len: number): Attrs {
  const m: Attrs = new Map();
  const start = at + NLMSG_HDRLEN + GENL_HDRLEN;
  if (start > at + len) return m;
  const c = new NlAttrCursor(msg, start, at + len - start);
  while (c.next()) m.set(c.type, c.data);
  return m;
}

function str(a: Attrs, type: number): string | undefined {
  const d = a.get(type);
  if (d === undefined) return undefined;
  const nul = d.indexOf(0);
  return Buffer.from(d.subarray(0, nul === -1 ? d.length : nul)).toString('utf8');
}

/**
 * Sends `req` and collects the attributes of each reply message until the ack, the error or
 * the end of the dump.
 */
async function exchange(t: NetlinkTransport, req: Uint8Array): Promise<Outcome<Attrs[]>> {
  const out: Attrs[] = [];
  for (const d of await t.request(req)) {
    const c = new NlMsgCursor(d);
    while (c.next()) {
      if (c.type === NLMSG_ERROR || c.type === NLMSG_DONE) {
        const at = c.offset;
        const error = c.len >= NLMSG_HDRLEN + 4 ? u32le(d, at + NLMSG_HDRLEN) | 0 : -EPROTO;
        return error < 0 ? { ok: false, errno: -error } : { ok: true, value: out };
      }
      out.push(attrsOf(d, c.offset, c.len));
    }
  }
  // Replies without an ack (a doit answered with its message only).
  return out.length > 0 ? { ok: true, value: out } : { ok: false, errno: EPROTO };
}

function request(family: number, flags: number, cmd: number, put: (b: NlMsgBuilder) => void = () => undefined): Uint8Array {
  const b = new NlMsgBuilder();
  b.beginMessage(family, NLM_F_REQUEST | flags, 1, 0);
  b.putGenlHeader(cmd, V6STACK_GENL_VERSION);
  put(b);
  b.finish();
  return b.toBytes();
}

/** The V6STACK family on a generic netlink transport. */
export class V6stackControl {
  readonly transport: NetlinkTransport;
  readonly family: number;

  private constructor(transport: NetlinkTransport, family: number) {
    this.transport = transport;
    this.family = family;
  }

  /** Resolves the family id (CTRL_CMD_GETFAMILY); ENOENT when the daemon does not offer it. */
  static async resolve(t: NetlinkTransport): Promise<Outcome<V6stackControl>> {
    const b = new NlMsgBuilder();
    b.beginMessage(GENL_ID_CTRL, NLM_F_REQUEST | NLM_F_ACK, 1, 0);
    b.putGenlHeader(CTRL_CMD_GETFAMILY, 1);
    b.putString(CTRL_ATTR_FAMILY_NAME, V6STACK_GENL_NAME);
    b.finish();
    const r = await exchange(t, b.toBytes());
    if (!r.ok) return r;
    const id = r.value[0]?.get(CTRL_ATTR_FAMILY_ID);
    if (id === undefined || id.length < 2) return { ok: false, errno: EPROTO };
    return { ok: true, value: new V6stackControl(t, u16le(id, 0)) };
  }

  /** Namespace names (init_net excluded) with their ids, in creation order. */
  async netnsList(): Promise<Outcome<{ name: string; id: number }[]>> {
    const r = await exchange(this.transport, request(this.family, NLM_F_DUMP, V6STACK_CMD_NETNS_LIST));
    if (!r.ok) return r;
    const out: { name: string; id: number }[] = [];
    for (const a of r.value) {
      const name = str(a, V6STACK_ATTR_NETNS_NAME);
      const id = a.get(V6STACK_ATTR_NETNS_ID);
      if (name !== undefined) out.push({ name, id: id !== undefined && id.length >= 4 ? u32le(id, 0) : 0 });
    }
    return { ok: true, value: out };
  }

  async #simple(cmd: number, put: (b: NlMsgBuilder) => void): Promise<number> {
    const r = await exchange(this.transport, request(this.family, NLM_F_ACK, cmd, put));
    return r.ok ? 0 : r.errno;
  }

  /** 0 or the errno. */
  netnsAdd(name: string): Promise<number> {
    return this.#simple(V6STACK_CMD_NETNS_ADD, (b) => b.putString(V6STACK_ATTR_NETNS_NAME, name));
  }

  netnsDel(name: string): Promise<number> {
    return this.#simple(V6STACK_CMD_NETNS_DEL, (b) => b.putString(V6STACK_ATTR_NETNS_NAME, name));
  }

  /** One key's text as /proc/sys shows it. */
  async sysctlGet(name: string): Promise<Outcome<string>> {
    const r = await exchange(this.transport, request(this.family, 0, V6STACK_CMD_SYSCTL_GET, (b) => b.putString(V6STACK_ATTR_SYSCTL_NAME, name)));
    if (!r.ok) return r;
    const v = r.value[0] === undefined ? undefined : str(r.value[0], V6STACK_ATTR_SYSCTL_VALUE);
    return v === undefined ? { ok: false, errno: EPROTO } : { ok: true, value: v };
  }

  /** Every key (slash path) and its text, sorted; under `prefix` when given. */
  async sysctlList(prefix?: string): Promise<Outcome<{ path: string; value: string | undefined }[]>> {
    const r = await exchange(
      this.transport,
      request(this.family, NLM_F_DUMP, V6STACK_CMD_SYSCTL_GET, (b) => {
        if (prefix !== undefined) b.putString(V6STACK_ATTR_SYSCTL_NAME, prefix);
      }),
    );
    if (!r.ok) return r;
    const out: { path: string; value: string | undefined }[] = [];
    for (const a of r.value) {
      const path = str(a, V6STACK_ATTR_SYSCTL_NAME);
      if (path !== undefined) out.push({ path, value: str(a, V6STACK_ATTR_SYSCTL_VALUE) });
    }
    return { ok: true, value: out };
  }

  sysctlSet(name: string, value: string): Promise<number> {
    return this.#simple(V6STACK_CMD_SYSCTL_SET, (b) => {
      b.putString(V6STACK_ATTR_SYSCTL_NAME, name);
      b.putString(V6STACK_ATTR_SYSCTL_VALUE, value);
    });
  }

  /** The counters /proc/net/snmp6 shows, in its order. */
  async mib(): Promise<Outcome<[string, bigint][]>> {
    const r = await exchange(this.transport, request(this.family, NLM_F_DUMP, V6STACK_CMD_MIB_GET));
    if (!r.ok) return r;
    const out: [string, bigint][] = [];
    for (const a of r.value) {
      const name = str(a, V6STACK_ATTR_MIB_NAME);
      const v = a.get(V6STACK_ATTR_MIB_VALUE);
      if (name !== undefined && v !== undefined && v.length === 8) out.push([name, u64le(v, 0)]);
    }
    return { ok: true, value: out };
  }
}
