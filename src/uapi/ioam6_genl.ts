/**
 * IOAM generic netlink numbers from Linux include/uapi/linux/ioam6_genl.h (Linux 6.18): the
 * "IOAM6" family that configures namespaces and schemas, and its "ioam6_events" multicast group.
 *
 * Events carry IOAM6_EVENT_* as the genetlink command byte (net/ipv6/ioam6.c passes the event
 * type to genlmsg_put), so IOAM6_EVENT_TRACE shares the number 1 with IOAM6_CMD_ADD_NAMESPACE;
 * the group they arrive on tells them apart.
 */

export const IOAM6_GENL_NAME = 'IOAM6';
export const IOAM6_GENL_VERSION = 0x1;

// Attributes of the configuration commands.
export const IOAM6_ATTR_UNSPEC = 0;
export const IOAM6_ATTR_NS_ID = 1; // u16
export const IOAM6_ATTR_NS_DATA = 2; // u32
export const IOAM6_ATTR_NS_DATA_WIDE = 3; // u64
/** Longest opaque schema data: 255 four-octet words. */
export const IOAM6_MAX_SCHEMA_DATA_LEN = 255 * 4;
export const IOAM6_ATTR_SC_ID = 4; // u32
export const IOAM6_ATTR_SC_DATA = 5; // binary, at most IOAM6_MAX_SCHEMA_DATA_LEN bytes
export const IOAM6_ATTR_SC_NONE = 6; // flag: detach the namespace's schema
export const IOAM6_ATTR_PAD = 7;
export const IOAM6_ATTR_MAX = 7;


// Commands.
export const IOAM6_CMD_UNSPEC = 0;
export const IOAM6_CMD_ADD_NAMESPACE = 1;
export const IOAM6_CMD_DEL_NAMESPACE = 2;
export const IOAM6_CMD_DUMP_NAMESPACES = 3;
export const IOAM6_CMD_ADD_SCHEMA = 4;
export const IOAM6_CMD_DEL_SCHEMA = 5;
export const IOAM6_CMD_DUMP_SCHEMAS = 6;
export const IOAM6_CMD_NS_SET_SCHEMA = 7;
export const IOAM6_CMD_MAX = 7;

export const IOAM6_GENL_EV_GRP_NAME = 'ioam6_events';

// enum ioam6_event_type: the command byte of event messages.
export const IOAM6_EVENT_UNSPEC = 0;
export const IOAM6_EVENT_TRACE = 1;

// enum ioam6_event_attr.
export const IOAM6_EVENT_ATTR_UNSPEC = 0;
export const IOAM6_EVENT_ATTR_TRACE_NAMESPACE = 1; // u16
export const IOAM6_EVENT_ATTR_TRACE_NODELEN = 2; // u8
export const IOAM6_EVENT_ATTR_TRACE_TYPE = 3; // u32
export const IOAM6_EVENT_ATTR_TRACE_DATA = 4; // binary
export const IOAM6_EVENT_ATTR_MAX = 4;
