/**
 * Numbers of the daemon's control protocol (docs/daemon.md): the OPEN message that starts a
 * connection, and the "V6STACK" generic netlink family the daemon registers on its bus.
 */

/** /run/v6stack/v6stack.sock: one daemon per machine, like /run/netns for `ip netns`. */
export const DEFAULT_SOCKET_PATH = '/run/v6stack/v6stack.sock';
export const SOCKET_ENV = 'V6STACK_SOCKET';

/**
 * The first message of every connection (nlmsg_type; no protocol is chosen yet, so it cannot
 * clash with a family's type). Its payload is attributes; the daemon answers with an
 * NLMSG_ERROR ack (0, -ENOENT for an unknown namespace, -EPROTONOSUPPORT).
 */
export const V6STACK_MSG_OPEN = 0x10;
export const V6STACK_OPEN_ATTR_PROTOCOL = 1; // u32: NETLINK_ROUTE, NETLINK_GENERIC
export const V6STACK_OPEN_ATTR_NETNS = 2; // string: namespace name; absent: init_net

/**
 * setsockopt on the connection's netlink socket, for what a client cannot do by sending
 * datagrams: joining and leaving multicast groups. A control type below NLMSG_MIN_TYPE, so it
 * never names a family or an rtnetlink message (a netlink socket would only ack it). Payload:
 * attributes; the answer is an NLMSG_ERROR ack with setsockopt's result, then the end-of-replies
 * frame. Only SOL_NETLINK NETLINK_ADD_MEMBERSHIP / NETLINK_DROP_MEMBERSHIP are served; other
 * options answer -ENOPROTOOPT.
 */
export const V6STACK_MSG_SETSOCKOPT = 0x0f;
export const V6STACK_SOCKOPT_ATTR_LEVEL = 1; // u32: SOL_NETLINK
export const V6STACK_SOCKOPT_ATTR_NAME = 2; // u32: NETLINK_ADD_MEMBERSHIP, NETLINK_DROP_MEMBERSHIP
export const V6STACK_SOCKOPT_ATTR_VALUE = 3; // u32: the group

/** Largest datagram a client may send: the netlink socket's default sk_sndbuf (212992). */
export const MAX_FRAME = 212992;

// The "V6STACK" generic netlink family.
export const V6STACK_GENL_NAME = 'V6STACK';
export const V6STACK_GENL_VERSION = 1;

export const V6STACK_CMD_UNSPEC = 0;
/** Dump: one message per namespace (NETNS_NAME, NETNS_ID), init_net excluded. */
export const V6STACK_CMD_NETNS_LIST = 1;
/** NETNS_NAME: creates the namespace (GENL_ADMIN_PERM). */
export const V6STACK_CMD_NETNS_ADD = 2;
/** NETNS_NAME: destroys the namespace (GENL_ADMIN_PERM). */
export const V6STACK_CMD_NETNS_DEL = 3;
/** Do: SYSCTL_NAME -> SYSCTL_NAME, SYSCTL_VALUE. Dump: every entry under SYSCTL_NAME (or all). */
export const V6STACK_CMD_SYSCTL_GET = 4;
/** SYSCTL_NAME, SYSCTL_VALUE: writes the text (GENL_ADMIN_PERM). */
export const V6STACK_CMD_SYSCTL_SET = 5;
/** Dump: one message per counter (MIB_NAME, MIB_VALUE), in /proc/net/snmp6 order. */
export const V6STACK_CMD_MIB_GET = 6;
export const V6STACK_CMD_MAX = 6;

export const V6STACK_ATTR_UNSPEC = 0;
export const V6STACK_ATTR_NETNS_NAME = 1; // string
export const V6STACK_ATTR_NETNS_ID = 2; // u32
export const V6STACK_ATTR_SYSCTL_NAME = 3; // string, slash or dotted
export const V6STACK_ATTR_SYSCTL_VALUE = 4; // string, as /proc/sys shows it
export const V6STACK_ATTR_MIB_NAME = 5; // string
export const V6STACK_ATTR_MIB_VALUE = 6; // u64
export const V6STACK_ATTR_PAD = 7;
export const V6STACK_ATTR_MAX = 7;
