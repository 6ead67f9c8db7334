/**
 * Netlink numbers from Linux include/uapi/linux/netlink.h (Linux 6.18), plus the kernel-internal
 * attribute policy types and validation flags of include/net/netlink.h in a separate section.
 *
 * Values checked by compiling against the 6.18 uapi headers and, for the kernel-internal enums,
 * against the BTF of a running 6.18 kernel. Struct offsets are byte offsets of the C structs;
 * their multi-byte fields are in host byte order.
 */

// Netlink protocols (the third argument of socket(AF_NETLINK, ...)).
export const NETLINK_ROUTE = 0;
export const NETLINK_UNUSED = 1;
export const NETLINK_USERSOCK = 2;
export const NETLINK_FIREWALL = 3;
export const NETLINK_SOCK_DIAG = 4;
export const NETLINK_NFLOG = 5;
export const NETLINK_XFRM = 6;
export const NETLINK_SELINUX = 7;
export const NETLINK_ISCSI = 8;
export const NETLINK_AUDIT = 9;
export const NETLINK_FIB_LOOKUP = 10;
export const NETLINK_CONNECTOR = 11;
export const NETLINK_NETFILTER = 12;
export const NETLINK_IP6_FW = 13;
export const NETLINK_DNRTMSG = 14;
export const NETLINK_KOBJECT_UEVENT = 15;
export const NETLINK_GENERIC = 16;
// 17 is kept free for device-mapper events.
export const NETLINK_SCSITRANSPORT = 18;
export const NETLINK_ECRYPTFS = 19;
export const NETLINK_RDMA = 20;
export const NETLINK_CRYPTO = 21;
export const NETLINK_SMC = 22;

export const NETLINK_INET_DIAG = NETLINK_SOCK_DIAG;

/** Number of netlink protocol slots. */
export const MAX_LINKS = 32;

// struct sockaddr_nl { u16 nl_family; u16 nl_pad; u32 nl_pid; u32 nl_groups; }
export const SOCKADDR_NL_SIZE = 12;

// struct nlmsghdr: 16 bytes, every field in host byte order.
export const NLMSGHDR_NLMSG_LEN = 0; // u32, length including this header
export const NLMSGHDR_NLMSG_TYPE = 4; // u16
export const NLMSGHDR_NLMSG_FLAGS = 6; // u16
export const NLMSGHDR_NLMSG_SEQ = 8; // u32
export const NLMSGHDR_NLMSG_PID = 12; // u32, sender port id

// nlmsg_flags: meaning common to every request.
export const NLM_F_REQUEST = 0x01;
export const NLM_F_MULTI = 0x02; // part of a multipart reply ended by NLMSG_DONE
export const NLM_F_ACK = 0x04;
export const NLM_F_ECHO = 0x08;
export const NLM_F_DUMP_INTR = 0x10; // the dump changed under the reader
export const NLM_F_DUMP_FILTERED = 0x20;

// nlmsg_flags for GET requests.
export const NLM_F_ROOT = 0x100;
export const NLM_F_MATCH = 0x200;
export const NLM_F_ATOMIC = 0x400;
export const NLM_F_DUMP = NLM_F_ROOT | NLM_F_MATCH; // 0x300

// nlmsg_flags for NEW requests (the same bits as above, read differently).
export const NLM_F_REPLACE = 0x100;
export const NLM_F_EXCL = 0x200;
export const NLM_F_CREATE = 0x400;
export const NLM_F_APPEND = 0x800;

// nlmsg_flags for DELETE requests.
export const NLM_F_NONREC = 0x100;
export const NLM_F_BULK = 0x200;

// nlmsg_flags on an NLMSG_ERROR acknowledgement.
export const NLM_F_CAPPED = 0x100; // the echoed request was cut to its header
export const NLM_F_ACK_TLVS = 0x200; // extended-ack attributes follow

export const NLMSG_ALIGNTO = 4;
/** NLMSG_ALIGN(sizeof(struct nlmsghdr)). */
export const NLMSG_HDRLEN = 16;

// Control message types below NLMSG_MIN_TYPE.
export const NLMSG_NOOP = 0x1;
export const NLMSG_ERROR = 0x2;
export const NLMSG_DONE = 0x3;
export const NLMSG_OVERRUN = 0x4;

export const NLMSG_MIN_TYPE = 0x10;

// struct nlmsgerr { int error; struct nlmsghdr msg; }: the errno (negative) then the request's
// header, then (unless capped or successful) the rest of the request, then the TLVs below.
export const NLMSGERR_ERROR = 0;
export const NLMSGERR_MSG = 4;
/** sizeof(struct nlmsgerr). */
export const NLMSGERR_SIZE = 20;

// enum nlmsgerr_attrs: extended-ack TLVs after an NLMSG_ERROR (or NLMSG_DONE).
export const NLMSGERR_ATTR_UNUSED = 0;
export const NLMSGERR_ATTR_MSG = 1; // string
export const NLMSGERR_ATTR_OFFS = 2; // u32, offset of the bad attribute from the header start
export const NLMSGERR_ATTR_COOKIE = 3; // binary
export const NLMSGERR_ATTR_POLICY = 4; // nested NL_POLICY_TYPE_ATTR_* of the rejected attribute
export const NLMSGERR_ATTR_MISS_TYPE = 5; // u32, type of a missing required attribute
export const NLMSGERR_ATTR_MISS_NEST = 6; // u32, offset of the nest that lacks it
export const NLMSGERR_ATTR_MAX = 6;

// Socket options at level SOL_NETLINK (the level itself is in include/linux/socket.h).
export const SOL_NETLINK = 270;
export const NETLINK_ADD_MEMBERSHIP = 1;
export const NETLINK_DROP_MEMBERSHIP = 2;
export const NETLINK_PKTINFO = 3;
export const NETLINK_BROADCAST_ERROR = 4;
export const NETLINK_NO_ENOBUFS = 5;
export const NETLINK_RX_RING = 6; // removed mmap interface; userspace headers only
export const NETLINK_TX_RING = 7;
export const NETLINK_LISTEN_ALL_NSID = 8;
export const NETLINK_LIST_MEMBERSHIPS = 9;
export const NETLINK_CAP_ACK = 10;
export const NETLINK_EXT_ACK = 11;
export const NETLINK_GET_STRICT_CHK = 12;

// Socket states.
export const NETLINK_UNCONNECTED = 0;
export const NETLINK_CONNECTED = 1;

// struct nlattr { u16 nla_len; u16 nla_type; }. The top two bits of nla_type are flags.
export const NLATTR_NLA_LEN = 0;
export const NLATTR_NLA_TYPE = 2;
export const NLA_F_NESTED = 1 << 15;
export const NLA_F_NET_BYTEORDER = 1 << 14;
/** ~(NLA_F_NESTED | NLA_F_NET_BYTEORDER) as it applies to the 16-bit nla_type. */
export const NLA_TYPE_MASK = 0x3fff;

export const NLA_ALIGNTO = 4;
/** NLA_ALIGN(sizeof(struct nlattr)). */
export const NLA_HDRLEN = 4;

// struct nla_bitfield32 { u32 value; u32 selector; }
export const NLA_BITFIELD32_VALUE = 0;
export const NLA_BITFIELD32_SELECTOR = 4;
export const NLA_BITFIELD32_SIZE = 8;

// enum netlink_attribute_type: attribute types as reported in policy dumps.
export const NL_ATTR_TYPE_INVALID = 0;
export const NL_ATTR_TYPE_FLAG = 1;
export const NL_ATTR_TYPE_U8 = 2;
export const NL_ATTR_TYPE_U16 = 3;
export const NL_ATTR_TYPE_U32 = 4;
export const NL_ATTR_TYPE_U64 = 5;
export const NL_ATTR_TYPE_S8 = 6;
export const NL_ATTR_TYPE_S16 = 7;
export const NL_ATTR_TYPE_S32 = 8;
export const NL_ATTR_TYPE_S64 = 9;
export const NL_ATTR_TYPE_BINARY = 10;
export const NL_ATTR_TYPE_STRING = 11;
export const NL_ATTR_TYPE_NUL_STRING = 12;
export const NL_ATTR_TYPE_NESTED = 13;
export const NL_ATTR_TYPE_NESTED_ARRAY = 14;
export const NL_ATTR_TYPE_BITFIELD32 = 15;
export const NL_ATTR_TYPE_SINT = 16; // 32 or 64 bits, 4-byte aligned
export const NL_ATTR_TYPE_UINT = 17;

// enum netlink_policy_type_attr: the attributes describing one policy entry in a dump.
export const NL_POLICY_TYPE_ATTR_UNSPEC = 0;
export const NL_POLICY_TYPE_ATTR_TYPE = 1; // u32, NL_ATTR_TYPE_*
export const NL_POLICY_TYPE_ATTR_MIN_VALUE_S = 2; // s64
export const NL_POLICY_TYPE_ATTR_MAX_VALUE_S = 3; // s64
export const NL_POLICY_TYPE_ATTR_MIN_VALUE_U = 4; // u64
export const NL_POLICY_TYPE_ATTR_MAX_VALUE_U = 5; // u64
export const NL_POLICY_TYPE_ATTR_MIN_LENGTH = 6; // u32
export const NL_POLICY_TYPE_ATTR_MAX_LENGTH = 7; // u32
export const NL_POLICY_TYPE_ATTR_POLICY_IDX = 8; // u32, nested policy index
export const NL_POLICY_TYPE_ATTR_POLICY_MAXTYPE = 9; // u32
export const NL_POLICY_TYPE_ATTR_BITFIELD32_MASK = 10; // u32
export const NL_POLICY_TYPE_ATTR_PAD = 11;
export const NL_POLICY_TYPE_ATTR_MASK = 12; // u64, allowed bits
export const NL_POLICY_TYPE_ATTR_MAX = 12;

// ---------------------------------------------------------------------------------------------
// Kernel-internal numbers (include/net/netlink.h). They never appear on the wire; v6stack uses
// them for its attribute policies so that validation follows the kernel's rules case by case.
// ---------------------------------------------------------------------------------------------

// Policy types (struct nla_policy .type), in kernel order.
export const NLA_UNSPEC = 0;
export const NLA_U8 = 1;
export const NLA_U16 = 2;
export const NLA_U32 = 3;
export const NLA_U64 = 4;
export const NLA_STRING = 5;
export const NLA_FLAG = 6;
export const NLA_MSECS = 7;
export const NLA_NESTED = 8;
export const NLA_NESTED_ARRAY = 9;
export const NLA_NUL_STRING = 10;
export const NLA_BINARY = 11;
export const NLA_S8 = 12;
export const NLA_S16 = 13;
export const NLA_S32 = 14;
export const NLA_S64 = 15;
export const NLA_BITFIELD32 = 16;
export const NLA_REJECT = 17;
export const NLA_BE16 = 18;
export const NLA_BE32 = 19;
export const NLA_SINT = 20;
export const NLA_UINT = 21;
export const NLA_TYPE_MAX = 21;

// enum nla_policy_validation (struct nla_policy .validation_type).
export const NLA_VALIDATE_NONE = 0;
export const NLA_VALIDATE_RANGE = 1;
export const NLA_VALIDATE_RANGE_WARN_TOO_LONG = 2;
export const NLA_VALIDATE_MIN = 3;
export const NLA_VALIDATE_MAX = 4;
export const NLA_VALIDATE_MASK = 5;
export const NLA_VALIDATE_RANGE_PTR = 6;
export const NLA_VALIDATE_FUNCTION = 7;

// enum netlink_validation: strictness bits passed to the attribute parser.
export const NL_VALIDATE_LIBERAL = 0;
export const NL_VALIDATE_TRAILING = 1 << 0; // reject trailing bytes after the last attribute
export const NL_VALIDATE_MAXTYPE = 1 << 1; // reject types above the policy's maximum
export const NL_VALIDATE_UNSPEC = 1 << 2; // reject policy entries of type NLA_UNSPEC
export const NL_VALIDATE_STRICT_ATTRS = 1 << 3; // exact lengths for fixed-size types
export const NL_VALIDATE_NESTED = 1 << 4; // NLA_F_NESTED must match the policy

export const NL_VALIDATE_DEPRECATED_STRICT = NL_VALIDATE_TRAILING | NL_VALIDATE_MAXTYPE;
export const NL_VALIDATE_STRICT =
  NL_VALIDATE_TRAILING |
  NL_VALIDATE_MAXTYPE |
  NL_VALIDATE_UNSPEC |
  NL_VALIDATE_STRICT_ATTRS |
  NL_VALIDATE_NESTED;
