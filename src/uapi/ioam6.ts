/**
 * IOAM numbers from Linux include/uapi/linux/ioam6.h (Linux 6.18), the kernel-internal masks of
 * net/ipv6/ioam6.c, and the IANA "In Situ OAM (IOAM)" registries (RFC 9197, RFC 9322, RFC 9326,
 * RFC 9486) that the kernel does not name.
 *
 * The kernel describes the trace header with C bit fields under `__LITTLE_ENDIAN_BITFIELD` /
 * `__BIG_ENDIAN_BITFIELD`; both describe the same network-order bytes. The masks below are that
 * wire layout (the big-endian declaration read top bit first).
 *
 * IOAM6_MAX_SCHEMA_DATA_LEN (255 * 4 = 1020) lives in include/uapi/linux/ioam6_genl.h, not here.
 */

// include/uapi/linux/ioam6.h: "unavailable" fillers and default identifiers.
export const IOAM6_U16_UNAVAILABLE = 0xffff; // U16_MAX
export const IOAM6_U32_UNAVAILABLE = 0xffffffff; // U32_MAX
export const IOAM6_U64_UNAVAILABLE = 0xffffffffffffffffn; // U64_MAX
export const IOAM6_DEFAULT_ID = 0xffffff; // IOAM6_U32_UNAVAILABLE >> 8
export const IOAM6_DEFAULT_ID_WIDE = 0xffffffffffffffn; // IOAM6_U64_UNAVAILABLE >> 8
export const IOAM6_DEFAULT_IF_ID = 0xffff; // IOAM6_U16_UNAVAILABLE
export const IOAM6_DEFAULT_IF_ID_WIDE = 0xffffffff; // IOAM6_U32_UNAVAILABLE

// struct ioam6_hdr (packed): { u8 opt_type; u8 opt_len; u8 :8; u8 type; }
export const IOAM6_HDR_OPT_TYPE = 0;
export const IOAM6_HDR_OPT_LEN = 1;
export const IOAM6_HDR_RESERVED = 2;
export const IOAM6_HDR_TYPE = 3;
/** sizeof(struct ioam6_hdr). */
export const IOAM6_HDR_LEN = 4;
/** The only IOAM Option-Type the kernel processes (ioam6_hdr.type). */
export const IOAM6_TYPE_PREALLOC = 0;

// struct ioam6_trace_hdr (packed), offsets from its first byte.
export const IOAM6_TRACE_HDR_NAMESPACE_ID = 0; // __be16
/** Byte holding nodelen:5, overflow:1 and two unused flag bits. */
export const IOAM6_TRACE_HDR_NODELEN = 2;
/** Byte holding one unused flag bit and remlen:7. */
export const IOAM6_TRACE_HDR_REMLEN = 3;
/** type_be32: the 24-bit IOAM-Trace-Type followed by 8 reserved bits. */
export const IOAM6_TRACE_HDR_TYPE = 4;
/** Offset of data[] (and sizeof(struct ioam6_trace_hdr)). */
export const IOAM6_TRACE_HDR_DATA = 8;
export const IOAM6_TRACE_HDR_LEN = 8;

// Bit fields of the trace header, as masks on their byte.
export const IOAM6_TRACE_NODELEN_MASK = 0xf8; // byte 2, nodelen:5 (4-octet units)
export const IOAM6_TRACE_NODELEN_SHIFT = 3;
export const IOAM6_TRACE_OVERFLOW_MASK = 0x04; // byte 2, overflow:1
export const IOAM6_TRACE_REMLEN_MASK = 0x7f; // byte 3, remlen:7 (4-octet units)

/** Largest pre-allocated trace data the kernel builds or accepts in an encap route (octets). */
export const IOAM6_TRACE_DATA_SIZE_MAX = 244;

// IOAM-Trace-Type bits (struct ioam6_trace_hdr type.bitN) as masks on the 24-bit field.
export const IOAM6_TRACE_TYPE_BIT0 = 0x800000; // hop_lim + node_id
export const IOAM6_TRACE_TYPE_BIT1 = 0x400000; // ingress_if_id + egress_if_id
export const IOAM6_TRACE_TYPE_BIT2 = 0x200000; // timestamp seconds
export const IOAM6_TRACE_TYPE_BIT3 = 0x100000; // timestamp subseconds
export const IOAM6_TRACE_TYPE_BIT4 = 0x080000; // transit delay
export const IOAM6_TRACE_TYPE_BIT5 = 0x040000; // namespace specific data
export const IOAM6_TRACE_TYPE_BIT6 = 0x020000; // queue depth
export const IOAM6_TRACE_TYPE_BIT7 = 0x010000; // checksum complement
export const IOAM6_TRACE_TYPE_BIT8 = 0x008000; // hop_lim + node_id (wide)
export const IOAM6_TRACE_TYPE_BIT9 = 0x004000; // ingress_if_id + egress_if_id (wide)
export const IOAM6_TRACE_TYPE_BIT10 = 0x002000; // namespace specific data (wide)
export const IOAM6_TRACE_TYPE_BIT11 = 0x001000; // buffer occupancy
export const IOAM6_TRACE_TYPE_BIT12 = 0x000800; // bits 12-21: undefined, 4 octets each
export const IOAM6_TRACE_TYPE_BIT13 = 0x000400;
export const IOAM6_TRACE_TYPE_BIT14 = 0x000200;
export const IOAM6_TRACE_TYPE_BIT15 = 0x000100;
export const IOAM6_TRACE_TYPE_BIT16 = 0x000080;
export const IOAM6_TRACE_TYPE_BIT17 = 0x000040;
export const IOAM6_TRACE_TYPE_BIT18 = 0x000020;
export const IOAM6_TRACE_TYPE_BIT19 = 0x000010;
export const IOAM6_TRACE_TYPE_BIT20 = 0x000008;
export const IOAM6_TRACE_TYPE_BIT21 = 0x000004;
export const IOAM6_TRACE_TYPE_BIT22 = 0x000002; // opaque state snapshot (variable length)
export const IOAM6_TRACE_TYPE_BIT23 = 0x000001; // reserved
/** Bits 12-21, which the kernel refuses in an encap route (ioam6_validate_trace_hdr). */
export const IOAM6_TRACE_TYPE_UNDEFINED = 0x000ffc;

// net/ipv6/ioam6.c (since the 2026 fix "fix heap buffer overflow in __ioam6_fill_trace_data()"):
// masks on be32_to_cpu(type_be32), i.e. the trace type shifted left by 8. Short fields are
// 4 octets, wide fields 8; bit 22 (variable) and bit 23 (reserved) count for nothing.
export const IOAM6_MASK_SHORT_FIELDS = 0xff1ffc00;
export const IOAM6_MASK_WIDE_FIELDS = 0x00e00000;

/**
 * What the kernel writes as the Opaque State Snapshot header when the namespace has no schema:
 * cpu_to_be32(IOAM6_U32_UNAVAILABLE >> 8), i.e. Length 0 and Schema ID 0xffffff.
 */
export const IOAM6_OSS_UNAVAILABLE = 0x00ffffff;
/** The Schema ID part of that marker. */
export const IOAM6_OSS_SCHEMA_UNAVAILABLE = 0xffffff;

// IANA "IOAM Option-Type" registry (RFC 9197 §7.1, RFC 9326 §5.1).
export const IOAM_OPTION_TYPE = {
  PREALLOC_TRACE: 0,
  INCREMENTAL_TRACE: 1,
  POT: 2,
  E2E: 3,
  DEX: 4,
} as const;
export type IoamOptionTypeName = keyof typeof IOAM_OPTION_TYPE;
export const IOAM_OPTION_TYPE_NAME: Readonly<Record<number, IoamOptionTypeName>> = Object.freeze(
  Object.fromEntries(Object.entries(IOAM_OPTION_TYPE).map(([k, v]) => [v, k as IoamOptionTypeName])),
);

// IANA "IOAM Trace-Flags" (RFC 9197 §7.3, RFC 9322 §5), as masks on the 4-bit Flags field
// (flag bit 0 is the most significant).
export const IOAM_TRACE_FLAG_OVERFLOW = 0x8;
export const IOAM_TRACE_FLAG_LOOPBACK = 0x4;
export const IOAM_TRACE_FLAG_ACTIVE = 0x2;

// IANA "IOAM E2E-Type" (RFC 9197 §4.6), as masks on the 16-bit IOAM-E2E-Type.
export const IOAM_E2E_TYPE_SEQNUM64 = 0x8000; // bit 0: 64-bit sequence number
export const IOAM_E2E_TYPE_SEQNUM32 = 0x4000; // bit 1: 32-bit sequence number
export const IOAM_E2E_TYPE_TS_SECONDS = 0x2000; // bit 2: timestamp seconds
export const IOAM_E2E_TYPE_TS_SUBSECONDS = 0x1000; // bit 3: timestamp subseconds

// IANA "IOAM POT-Type" (RFC 9197 §4.5.1): type 0 carries 16 octets (Random + Cumulative).
export const IOAM_POT_TYPE_0 = 0;
export const IOAM_POT_TYPE_0_DATA_LEN = 16;

// IANA "IOAM DEX Extension-Flags" (RFC 9326 §3.2), each announcing one 4-octet optional field.
export const IOAM_DEX_EXT_FLOW_ID = 0x80; // bit 0: Flow ID
export const IOAM_DEX_EXT_SEQNUM = 0x40; // bit 1: Sequence Number

/**
 * RFC 9486 §7: the IPv6 option type for IOAM data that does not change en route (chg bit
 * clear). Linux only knows 0x31 (IPV6_TLV_IOAM in uapi/in6.ts), whose chg bit is set.
 */
export const IPV6_TLV_IOAM_NOCHANGE = 0x11;
