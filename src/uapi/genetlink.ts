/**
 * Generic netlink numbers from Linux include/uapi/linux/genetlink.h (Linux 6.18), plus the
 * controller family's fixed identity (net/netlink/genetlink.c) and the per-operation validation
 * flags of include/net/genetlink.h in a kernel-internal section.
 */

/** Longest family name, NUL included. */
export const GENL_NAMSIZ = 16;

export const GENL_MIN_ID = 0x10; // NLMSG_MIN_TYPE
export const GENL_MAX_ID = 1023;

// struct genlmsghdr { u8 cmd; u8 version; u16 reserved; }
export const GENLMSGHDR_CMD = 0;
export const GENLMSGHDR_VERSION = 1;
export const GENLMSGHDR_RESERVED = 2;
/** NLMSG_ALIGN(sizeof(struct genlmsghdr)). */
export const GENL_HDRLEN = 4;

// Operation flags (struct genl_ops .flags, and CTRL_ATTR_OP_FLAGS in replies).
export const GENL_ADMIN_PERM = 0x01; // CAP_NET_ADMIN in the initial user namespace
export const GENL_CMD_CAP_DO = 0x02;
export const GENL_CMD_CAP_DUMP = 0x04;
export const GENL_CMD_CAP_HASPOL = 0x08;
export const GENL_UNS_ADMIN_PERM = 0x10; // CAP_NET_ADMIN in the namespace's own user namespace

// Family ids reserved statically; dynamic ids start after them.
export const GENL_ID_CTRL = 0x10; // NLMSG_MIN_TYPE
export const GENL_ID_VFS_DQUOT = 0x11;
export const GENL_ID_PMCRAID = 0x12;
export const GENL_START_ALLOC = 0x13;

// Controller ("nlctrl") commands.
export const CTRL_CMD_UNSPEC = 0;
export const CTRL_CMD_NEWFAMILY = 1;
export const CTRL_CMD_DELFAMILY = 2;
export const CTRL_CMD_GETFAMILY = 3;
export const CTRL_CMD_NEWOPS = 4;
export const CTRL_CMD_DELOPS = 5;
export const CTRL_CMD_GETOPS = 6;
export const CTRL_CMD_NEWMCAST_GRP = 7;
export const CTRL_CMD_DELMCAST_GRP = 8;
export const CTRL_CMD_GETMCAST_GRP = 9; // never used by the kernel
export const CTRL_CMD_GETPOLICY = 10;
export const CTRL_CMD_MAX = 10;

// Controller attributes.
export const CTRL_ATTR_UNSPEC = 0;
export const CTRL_ATTR_FAMILY_ID = 1; // u16
export const CTRL_ATTR_FAMILY_NAME = 2; // NUL-terminated string
export const CTRL_ATTR_VERSION = 3; // u32
export const CTRL_ATTR_HDRSIZE = 4; // u32
export const CTRL_ATTR_MAXATTR = 5; // u32
export const CTRL_ATTR_OPS = 6; // nested array of CTRL_ATTR_OP_*
export const CTRL_ATTR_MCAST_GROUPS = 7; // nested array of CTRL_ATTR_MCAST_GRP_*
export const CTRL_ATTR_POLICY = 8; // nested policy dump
export const CTRL_ATTR_OP_POLICY = 9; // nested CTRL_ATTR_POLICY_* per command
export const CTRL_ATTR_OP = 10; // u32, restricts a policy dump to one command
export const CTRL_ATTR_MAX = 10;

// One entry of CTRL_ATTR_OPS.
export const CTRL_ATTR_OP_UNSPEC = 0;
export const CTRL_ATTR_OP_ID = 1; // u32
export const CTRL_ATTR_OP_FLAGS = 2; // u32, GENL_* flags above
export const CTRL_ATTR_OP_MAX = 2;

// One entry of CTRL_ATTR_MCAST_GROUPS.
export const CTRL_ATTR_MCAST_GRP_UNSPEC = 0;
export const CTRL_ATTR_MCAST_GRP_NAME = 1; // string
export const CTRL_ATTR_MCAST_GRP_ID = 2; // u32
export const CTRL_ATTR_MCAST_GRP_MAX = 2;

// Inside CTRL_ATTR_OP_POLICY: which policy index serves doit and dumpit.
export const CTRL_ATTR_POLICY_UNSPEC = 0;
export const CTRL_ATTR_POLICY_DO = 1; // u32
export const CTRL_ATTR_POLICY_DUMP = 2; // u32
export const CTRL_ATTR_POLICY_DUMP_MAX = 2;

// ---------------------------------------------------------------------------------------------
// The controller family as registered by net/netlink/genetlink.c.
// ---------------------------------------------------------------------------------------------
export const GENL_CTRL_NAME = 'nlctrl';
export const GENL_CTRL_VERSION = 0x2;
export const GENL_CTRL_MCGRP_NOTIFY = 'notify'; // its one group, whose id is GENL_ID_CTRL
/** Commands at or above this must carry reserved == 0 (resv_start_op). */
export const GENL_CTRL_RESV_START_OP = CTRL_CMD_GETPOLICY + 1;

// ---------------------------------------------------------------------------------------------
// Kernel-internal (include/net/genetlink.h, enum genl_validate_flags): relax attribute
// validation for one operation.
// ---------------------------------------------------------------------------------------------
export const GENL_DONT_VALIDATE_STRICT = 1 << 0;
export const GENL_DONT_VALIDATE_DUMP = 1 << 1;
export const GENL_DONT_VALIDATE_DUMP_STRICT = 1 << 2;
