/**
 * Who is asking: the credentials a netlink request or a socket carries, and the capability
 * checks of kernel/capability.c and security/commoncap.c (cap_capable), simplified to what a
 * network stack needs.
 *
 * Capabilities are a 64-bit set (kernel_cap_t) held as a bigint; numbers are Linux's
 * (include/uapi/linux/capability.h). User namespaces keep only what cap_capable looks at: the
 * parent, the nesting level and the owner's uid. Every network namespace is owned by a user
 * namespace (`net.userNs`); `nsCapable(net, cred, CAP_NET_ADMIN)` is the check behind
 * GENL_ADMIN_PERM and rtnetlink's netlink_ns_capable.
 */

import { CAP_LAST_CAP } from '../uapi/capability.ts';

// The numbers live in uapi/capability.ts; callers of this module keep reaching them here.
export { CAP_LAST_CAP, CAP_NET_ADMIN, CAP_NET_BIND_SERVICE, CAP_NET_BROADCAST, CAP_NET_RAW, CAP_SYS_ADMIN } from '../uapi/capability.ts';

/** CAP_FULL_SET: every capability up to CAP_LAST_CAP. */
export const CAP_FULL_SET = (1n << BigInt(CAP_LAST_CAP + 1)) - 1n;
export const CAP_EMPTY_SET = 0n;

/** A user namespace, reduced to what capability checks need. */
export class UserNamespace {
  readonly parent: UserNamespace | null;
  /** Nesting depth: 0 for the initial user namespace. */
  readonly level: number;
  /** The effective uid of the creator (user_namespace.owner). */
  readonly owner: number;

  constructor(parent: UserNamespace | null, owner: number) {
    this.parent = parent;
    this.level = parent === null ? 0 : parent.level + 1;
    this.owner = owner;
  }
}

/** A fresh initial user namespace (each World owns one, as each kernel has init_user_ns). */
export function createInitUserNs(): UserNamespace {
  return new UserNamespace(null, 0);
}

export interface Credentials {
  readonly pid: number;
  /** Effective uid and gid. */
  readonly uid: number;
  readonly gid: number;
  /** Effective capability set, bit n = capability n. */
  readonly capEffective: bigint;
  /** The user namespace the credentials belong to. */
  readonly userNs: UserNamespace;
}

function capMask(cap: number): bigint {
  if (!Number.isInteger(cap) || cap < 0 || cap > CAP_LAST_CAP) throw new RangeError(`not a capability number: ${cap}`);
  return 1n << BigInt(cap);
}

/** The capability set holding exactly `caps`. */
export function capSet(...caps: number[]): bigint {
  let s = 0n;
  for (const c of caps) s |= capMask(c);
  return s;
}

/** uid 0 with every capability in `userNs` (root there, or the creator of a container). */
export function rootCredentials(userNs: UserNamespace, pid = 1): Credentials {
  return { pid, uid: 0, gid: 0, capEffective: CAP_FULL_SET, userNs };
}

/** An ordinary user: no capabilities unless given. */
export function unprivilegedCredentials(userNs: UserNamespace, uid: number, gid = uid, pid = 1000, caps = CAP_EMPTY_SET): Credentials {
  return { pid, uid, gid, capEffective: caps, userNs };
}

/** The same credentials with a different effective set. */
export function withCapabilities(cred: Credentials, capEffective: bigint): Credentials {
  return { ...cred, capEffective };
}

/**
 * cap_capable: does `cred` hold `cap` over objects owned by `target`? Inside its own namespace a
 * task has its effective set; over a descendant namespace it has everything when its namespace
 * is the parent of one of the target's ancestors-or-self and it owns that child; elsewhere
 * nothing.
 */
export function hasNsCapability(cred: Credentials, target: UserNamespace, cap: number): boolean {
  const mask = capMask(cap);
  let ns: UserNamespace | null = target;
  while (ns !== null) {
    if (ns === cred.userNs) return (cred.capEffective & mask) !== 0n;
    if (ns.level <= cred.userNs.level) return false;
    if (ns.parent === cred.userNs && ns.owner === cred.uid) return true;
    ns = ns.parent;
  }
  return false;
}

function rootOf(ns: UserNamespace): UserNamespace {
  let r = ns;
  while (r.parent !== null) r = r.parent;
  return r;
}

/** capable(): the capability over the initial user namespace. */
export function capable(cred: Credentials, cap: number): boolean {
  return hasNsCapability(cred, rootOf(cred.userNs), cap);
}

/** ns_capable(net->user_ns, cap): the capability over a network namespace. */
export function nsCapable(net: { readonly userNs: UserNamespace }, cred: Credentials, cap: number): boolean {
  return hasNsCapability(cred, net.userNs, cap);
}
