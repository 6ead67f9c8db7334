// Spot checks of uapi numbers against values read in the Linux 6.18 headers, the BTF of a running
// 6.18 kernel, gtp5g v0.10.2 and glibc 2.36, plus the consistency of the lookup tables.
import { test } from 'node:test';
import assert from 'node:assert/strict';

import * as nl from './netlink.ts';
import * as genl from './genetlink.ts';
import * as rt from './rtnetlink.ts';
import * as ifaddr from './if_addr.ts';
import * as ifl from './if_link.ts';
import * as iff from './if.ts';
import * as lwt from './lwtunnel.ts';
import * as ioamGenl from './ioam6_genl.ts';
import * as ioamTun from './ioam6_iptunnel.ts';
import * as in6 from './in6.ts';
import * as errno from './errno.ts';
import * as drop from './dropreason.ts';
import * as gtp5g from './gtp5g.ts';

test('netlink header numbers', () => {
  assert.equal(nl.NETLINK_ROUTE, 0);
  assert.equal(nl.NETLINK_GENERIC, 16);
  assert.equal(nl.NLM_F_DUMP, 0x300);
  assert.equal(nl.NLM_F_CREATE | nl.NLM_F_EXCL, 0x600);
  assert.equal(nl.NLM_F_ACK_TLVS, 0x200);
  assert.equal(nl.NLMSG_ERROR, 2);
  assert.equal(nl.NLMSG_DONE, 3);
  assert.equal(nl.NLMSG_MIN_TYPE, 0x10);
  assert.equal(nl.NLMSG_HDRLEN, 16);
  assert.equal(nl.NLA_HDRLEN, 4);
  assert.equal(nl.NLMSGERR_SIZE, 20);
  assert.equal(nl.NLMSGERR_ATTR_MISS_NEST, 6);
  assert.equal(nl.NETLINK_EXT_ACK, 11);
  assert.equal(nl.NETLINK_GET_STRICT_CHK, 12);
  assert.equal(nl.NLA_F_NESTED, 0x8000);
  assert.equal(nl.NLA_TYPE_MASK & (nl.NLA_F_NESTED | nl.NLA_F_NET_BYTEORDER), 0);
  assert.equal(nl.NLA_TYPE_MASK | nl.NLA_F_NESTED | nl.NLA_F_NET_BYTEORDER, 0xffff);
  assert.equal(nl.NL_ATTR_TYPE_BITFIELD32, 15);
  assert.equal(nl.NL_ATTR_TYPE_UINT, 17);
  assert.equal(nl.NL_POLICY_TYPE_ATTR_MASK, 12);
  // Kernel-internal policy types (BTF of 6.18).
  assert.equal(nl.NLA_NESTED, 8);
  assert.equal(nl.NLA_BINARY, 11);
  assert.equal(nl.NLA_REJECT, 17);
  assert.equal(nl.NLA_UINT, 21);
  assert.equal(nl.NL_VALIDATE_STRICT, 0x1f);
  assert.equal(nl.NL_VALIDATE_DEPRECATED_STRICT, 3);
});

test('generic netlink numbers', () => {
  assert.equal(genl.GENL_ID_CTRL, 0x10);
  assert.equal(genl.GENL_START_ALLOC, 0x13);
  assert.equal(genl.GENL_HDRLEN, 4);
  assert.equal(genl.GENL_NAMSIZ, 16);
  assert.equal(genl.GENL_ADMIN_PERM, 1);
  assert.equal(genl.GENL_UNS_ADMIN_PERM, 0x10);
  assert.equal(genl.CTRL_CMD_GETFAMILY, 3);
  assert.equal(genl.CTRL_CMD_GETPOLICY, 10);
  assert.equal(genl.CTRL_ATTR_FAMILY_NAME, 2);
  assert.equal(genl.CTRL_ATTR_MCAST_GROUPS, 7);
  assert.equal(genl.CTRL_ATTR_OP, 10);
  assert.equal(genl.GENL_CTRL_RESV_START_OP, 11);
  assert.equal(genl.GENL_DONT_VALIDATE_DUMP_STRICT, 4);
});

test('rtnetlink, address and link numbers', () => {
  assert.equal(rt.RTM_NEWLINK, 16);
  assert.equal(rt.RTM_NEWADDR, 20);
  assert.equal(rt.RTM_NEWROUTE, 24);
  assert.equal(rt.RTM_GETROUTE, 26);
  assert.equal(rt.RTM_GETTUNNEL, 122);
  assert.equal(rt.RTM_MAX, 123);
  assert.equal(rt.RTN_UNREACHABLE, 7);
  assert.equal(rt.RTPROT_KERNEL, 2);
  assert.equal(rt.RTPROT_BOOT, 3);
  assert.equal(rt.RT_SCOPE_LINK, 253);
  assert.equal(rt.RT_TABLE_MAIN, 254);
  assert.equal(rt.RTA_ENCAP_TYPE, 21);
  assert.equal(rt.RTA_ENCAP, 22);
  assert.equal(rt.RTA_PREF, 20);
  assert.equal(rt.RTA_FLOWLABEL, 31);
  assert.equal(rt.RTM_F_LOOKUP_TABLE, 0x1000);
  assert.equal(rt.RTNLGRP_IPV6_ROUTE, 11);
  assert.equal(rt.RTMGRP_IPV6_ROUTE, 1 << (rt.RTNLGRP_IPV6_ROUTE - 1));
  assert.equal(rt.RTMGRP_IPV6_IFADDR, 1 << (rt.RTNLGRP_IPV6_IFADDR - 1));
  assert.equal(rt.RTAX_MTU, 2);
  assert.equal(rt.RTAX_HOPLIMIT, 10);
  assert.equal(rt.RTMSG_SIZE, 12);
  assert.equal(rt.IFINFOMSG_SIZE, 16);
  assert.equal(rt.IFINFOMSG_IFI_INDEX, 4);
  assert.equal(ifaddr.IFADDRMSG_SIZE, 8);
  assert.equal(ifaddr.IFA_FLAGS, 8);
  assert.equal(ifaddr.IFA_F_NODAD, 0x02);
  assert.equal(ifaddr.IFA_F_PERMANENT, 0x80);
  assert.equal(ifl.IFLA_IFNAME, 3);
  assert.equal(ifl.IFLA_LINKINFO, 18);
  assert.equal(ifl.IFLA_NET_NS_PID, 19);
  assert.equal(ifl.IFLA_STATS64, 23);
  assert.equal(ifl.IFLA_NET_NS_FD, 28);
  assert.equal(ifl.IFLA_TARGET_NETNSID, 46);
  assert.equal(ifl.IFLA_INFO_KIND, 1);
  assert.equal(ifl.IFLA_INFO_DATA, 2);
  assert.equal(ifl.VETH_INFO_PEER, 1);
  assert.equal(ifl.IFLA_INET6_ADDR_GEN_MODE, 8);
  assert.equal(ifl.IN6_ADDR_GEN_MODE_NONE, 1);
  assert.equal(ifl.RTNL_LINK_STATS64_RX_NOHANDLER, 23 * 8);
  assert.equal(ifl.RTNL_LINK_STATS64_SIZE, 200);
  assert.equal(ifl.RTNL_LINK_STATS_SIZE, 96);
  assert.equal(iff.IFNAMSIZ, 16);
  assert.equal(iff.IFF_UP, 1);
  assert.equal(iff.IFF_LOWER_UP, 0x10000);
  assert.equal(iff.IF_OPER_UP, 6);
});

test('lightweight tunnel and IOAM numbers', () => {
  assert.equal(lwt.LWTUNNEL_ENCAP_SEG6, 5);
  assert.equal(lwt.LWTUNNEL_ENCAP_IOAM6, 9);
  assert.equal(lwt.LWTUNNEL_ENCAP_XFRM, 10);
  assert.equal(lwt.LWTUNNEL_IP6_HOPLIMIT, 4);
  assert.equal(ioamGenl.IOAM6_GENL_NAME, 'IOAM6');
  assert.equal(ioamGenl.IOAM6_GENL_VERSION, 1);
  assert.equal(ioamGenl.IOAM6_GENL_EV_GRP_NAME, 'ioam6_events');
  assert.equal(ioamGenl.IOAM6_CMD_ADD_NAMESPACE, 1);
  assert.equal(ioamGenl.IOAM6_CMD_ADD_SCHEMA, 4);
  assert.equal(ioamGenl.IOAM6_CMD_NS_SET_SCHEMA, 7);
  assert.equal(ioamGenl.IOAM6_ATTR_SC_NONE, 6);
  assert.equal(ioamGenl.IOAM6_ATTR_PAD, 7);
  assert.equal(ioamGenl.IOAM6_MAX_SCHEMA_DATA_LEN, 1020);
  assert.equal(ioamGenl.IOAM6_EVENT_TRACE, 1);
  assert.equal(ioamGenl.IOAM6_EVENT_ATTR_TRACE_DATA, 4);
  assert.equal(ioamTun.IOAM6_IPTUNNEL_MODE_AUTO, 3);
  assert.equal(ioamTun.IOAM6_IPTUNNEL_TRACE, 3);
  assert.equal(ioamTun.IOAM6_IPTUNNEL_FREQ_K, 4);
  assert.equal(ioamTun.IOAM6_IPTUNNEL_SRC, 6);
  assert.equal(ioamTun.IOAM6_IPTUNNEL_FREQ_MAX, 1000000);
});

test('IPv6 socket options and the flow label request layout', () => {
  assert.equal(in6.SOL_IPV6, 41);
  assert.equal(in6.IPV6_UNICAST_HOPS, 16);
  assert.equal(in6.IPV6_FLOWLABEL_MGR, 32);
  assert.equal(in6.IPV6_FLOWINFO_SEND, 33);
  assert.equal(in6.IPV6_HOPOPTS, 54);
  assert.equal(in6.IPV6_RECVHOPOPTS, 53);
  assert.equal(in6.IPV6_TCLASS, 67);
  assert.equal(in6.IPV6_AUTOFLOWLABEL, 70);
  assert.equal(in6.IPV6_FLOWINFO_FLOWLABEL, 0x000fffff);
  assert.equal(in6.IPV6_FL_F_REFLECT, 4);
  assert.equal(in6.IPV6_FL_S_ANY, 255);
  assert.deepEqual(
    [in6.FLR_DST, in6.FLR_LABEL, in6.FLR_ACTION, in6.FLR_SHARE, in6.FLR_FLAGS, in6.FLR_EXPIRES],
    [0, 16, 20, 21, 22, 24],
  );
  assert.equal(in6.FLR_LINGER, 26);
  assert.equal(in6.IN6_FLOWLABEL_REQ_SIZE, 32);
});

test('errno numbers, names and glibc texts', () => {
  assert.equal(errno.EPERM, 1);
  assert.equal(errno.ENOENT, 2);
  assert.equal(errno.EEXIST, 17);
  assert.equal(errno.EINVAL, 22);
  assert.equal(errno.ERANGE, 34);
  assert.equal(errno.EMSGSIZE, 90);
  assert.equal(errno.EOPNOTSUPP, 95);
  assert.equal(errno.ENOBUFS, 105);
  assert.equal(errno.EHWPOISON, 133);
  assert.equal(errno.EWOULDBLOCK, errno.EAGAIN);
  assert.equal(errno.EDEADLOCK, errno.EDEADLK);
  assert.equal(errno.strerror(errno.EEXIST), 'File exists');
  assert.equal(errno.strerror(errno.ENOENT), 'No such file or directory');
  assert.equal(errno.strerror(errno.EPERM), 'Operation not permitted');
  assert.equal(errno.strerror(errno.EINVAL), 'Invalid argument');
  assert.equal(errno.strerror(errno.EOPNOTSUPP), 'Operation not supported');
  assert.equal(errno.strerror(0), 'Success');
  assert.equal(errno.strerror(41), 'Unknown error 41');
  assert.equal(errno.strerror(524), 'Unknown error 524');
  assert.equal(errno.errnoName(17), 'EEXIST');
  assert.equal(errno.errnoName(11), 'EAGAIN');
  assert.equal(errno.errnoName(41), undefined);
});

test('errno record and reverse lookup agree', () => {
  const entries = Object.entries(errno.ERRNO);
  assert.equal(entries.length, 131); // 1..133 less the two unassigned numbers 41 and 58
  const seen = new Set<number>();
  for (const [name, value] of entries) {
    assert.ok(!seen.has(value), `${name} repeats ${value}`);
    seen.add(value);
    assert.equal(errno.errnoName(value), name);
    assert.equal((errno as Record<string, unknown>)[name], value);
    assert.notEqual(errno.strerror(value), `Unknown error ${value}`);
  }
  for (let n = 1; n <= 133; n++) assert.equal(seen.has(n), n !== 41 && n !== 58, `errno ${n}`);
});

test('drop reasons', () => {
  assert.equal(drop.SKB_NOT_DROPPED_YET, 0);
  assert.equal(drop.SKB_CONSUMED, 1);
  assert.equal(drop.SKB_DROP_REASON_NOT_SPECIFIED, 2);
  assert.equal(drop.SKB_DROP_REASON_IP_INHDR, 15);
  assert.equal(drop.SKB_DROP_REASON_IP_INNOROUTES, 88);
  assert.equal(drop.SKB_DROP_REASON_PKT_TOO_BIG, 93);
  assert.equal(drop.SKB_DROP_REASON_DUP_FRAG, 94);
  assert.equal(drop.SKB_DROP_REASON_FRAG_REASM_TIMEOUT, 95);
  assert.equal(drop.SKB_DROP_REASON_IPV6_BAD_EXTHDR, 98);
  assert.equal(drop.SKB_DROP_REASON_MAX, 128);
  assert.equal(drop.SKB_DROP_REASON_SUBSYS_MASK >>> drop.SKB_DROP_REASON_SUBSYS_SHIFT, 0xffff);
  assert.equal(drop.dropReasonName(drop.SKB_DROP_REASON_NOT_SPECIFIED), 'NOT_SPECIFIED');
  assert.equal(drop.dropReasonName(drop.SKB_CONSUMED), 'CONSUMED');
  assert.equal(drop.dropReasonName(drop.SKB_NOT_DROPPED_YET), undefined);
  // Every reason below MAX has a printed name equal to its constant's suffix.
  const byValue = new Map<number, string>();
  for (const [name, value] of Object.entries(drop)) {
    if (typeof value !== 'number' || !name.startsWith('SKB_DROP_REASON_')) continue;
    if (name.includes('SUBSYS')) continue;
    assert.ok(!byValue.has(value), `${name} repeats ${value}`);
    byValue.set(value, name);
  }
  for (let r = drop.SKB_DROP_REASON_NOT_SPECIFIED; r <= drop.SKB_DROP_REASON_MAX; r++) {
    const name = byValue.get(r);
    assert.ok(name !== undefined, `no constant for reason ${r}`);
    assert.equal(drop.dropReasonName(r), name.slice('SKB_DROP_REASON_'.length));
  }
});

test('gtp5g numbers', () => {
  assert.equal(gtp5g.GTP5G_GENL_NAME, 'gtp5g');
  assert.equal(gtp5g.GTP5G_CMD_ADD_PDR, 1);
  assert.equal(gtp5g.GTP5G_CMD_GET_BAR, 15);
  assert.equal(gtp5g.GTP5G_CMD_GET_VERSION, 16);
  assert.equal(gtp5g.GTP5G_CMD_BUFFER_GTPU, 18);
  assert.equal(gtp5g.GTP5G_CMD_GET_USAGE_STATISTIC, 20);
  assert.equal(gtp5g.GTP5G_LINK, 1);
  assert.equal(gtp5g.GTP5G_NET_NS_FD, 2);
  assert.equal(gtp5g.GTP5G_PDR_ID, 3);
  assert.equal(gtp5g.GTP5G_PDR_URR_ID, 12);
  assert.equal(gtp5g.GTP5G_PDI_FRAMED_ROUTE, 6);
  assert.equal(gtp5g.GTP5G_FAR_BAR_ID, 8);
  assert.equal(gtp5g.GTP5G_QER_SEID, 13);
  assert.equal(gtp5g.GTP5G_URR_RELATED_TO_PDR, 13);
  assert.equal(gtp5g.GTP5G_BAR_SEID, 6);
  assert.equal(gtp5g.GTP5G_UR, 5);
  assert.equal(gtp5g.GTP5G_UR_SEID, 10);
  assert.equal(gtp5g.GTP5G_BUFFER_SEQ_NUMBER, 8);
  assert.equal(gtp5g.IFLA_GTP5G_FD1, 1);
  assert.equal(gtp5g.IFLA_GTP5G_ROLE, 3);
  assert.equal(gtp5g.GTP5G_ROLE_RAN, 1);
  assert.equal(gtp5g.FAR_ACTION_BUFF, 4);
  assert.equal(gtp5g.URR_RPT_TRIGGER_UPINT, 1 << 17);
  assert.equal(gtp5g.USAR_TRIGGER_UPINT, 1 << 21);
});
