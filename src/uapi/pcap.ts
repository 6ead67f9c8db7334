/**
 * Capture file numbers: link-layer header types, pcap magic numbers and pcapng block and option
 * codes.
 *
 * Sources: libpcap pcap-common.c and pcap/dlt.h (LINKTYPE_* / DLT_* and the LT_* macros of
 * pcap/pcap.h), Wireshark wiretap/pcap-common.c (the platform DLT_ values read as raw IP),
 * draft-gharris-opsawg-pcap (classic file format) and draft-tuexen-opsawg-pcapng, now
 * draft-ietf-opsawg-pcapng (block and option registries).
 */

// libpcap pcap-common.c: LINKTYPE_* values written in capture files.
export const LINKTYPE_NULL = 0;
export const LINKTYPE_ETHERNET = 1;
export const LINKTYPE_RAW = 101;
export const LINKTYPE_LOOP = 108;
export const LINKTYPE_LINUX_SLL = 113;
export const LINKTYPE_IPV4 = 228;
export const LINKTYPE_IPV6 = 229;
export const LINKTYPE_LINUX_SLL2 = 276;

/**
 * pcap/dlt.h: DLT_RAW is 12 on most platforms and 14 on OpenBSD (and BSD/OS). libpcap maps it to
 * LINKTYPE_RAW when writing, but old writers stored the platform value; Wireshark reads both 12
 * (outside OpenBSD, where 12 is DLT_LOOP) and 14 as raw IP, and so do we.
 */
export const DLT_RAW = 12;
export const DLT_RAW_OPENBSD = 14;

/** Link types by name, with one reverse map. */
export const LinkType = {
  NULL: LINKTYPE_NULL,
  ETHERNET: LINKTYPE_ETHERNET,
  RAW: LINKTYPE_RAW,
  LOOP: LINKTYPE_LOOP,
  LINUX_SLL: LINKTYPE_LINUX_SLL,
  IPV4: LINKTYPE_IPV4,
  IPV6: LINKTYPE_IPV6,
  LINUX_SLL2: LINKTYPE_LINUX_SLL2,
} as const;
export type LinkTypeName = keyof typeof LinkType;
export const LINK_TYPE_NAMES: ReadonlyMap<number, LinkTypeName> = new Map(
  (Object.entries(LinkType) as Array<[LinkTypeName, number]>).map(([k, v]) => [v, k]),
);

// pcap/pcap.h: the classic header's LinkType field carries extra bits above the 16-bit type.
/** LT_LINKTYPE: the link-layer header type. */
export const LT_LINKTYPE_MASK = 0x0000ffff;
/** LT_RESERVED1 (bits 16-25) and the R bit (27): must be zero, ignored by readers. */
export const LT_RESERVED_MASK = 0x0bff0000;
/** LT_FCS_LENGTH_PRESENT: the FCS length field below is meaningful. */
export const LT_FCS_LENGTH_PRESENT = 0x04000000;
/** LT_FCS_LENGTH: bits 28-31, the FCS length in 16-bit words. */
export const LT_FCS_LENGTH_SHIFT = 28;

// Classic pcap magic numbers (libpcap sf-pcap.c), as read in the writer's byte order.
export const TCPDUMP_MAGIC = 0xa1b2c3d4;
export const NSEC_TCPDUMP_MAGIC = 0xa1b23c4d;
/** Kuznetzov's patched libpcap (extra record header fields): recognised, not supported. */
export const KUZNETZOV_TCPDUMP_MAGIC = 0xa1b2cd34;
export const PCAP_VERSION_MAJOR = 2;
export const PCAP_VERSION_MINOR = 4;
/** DG/UX tcpdump wrote version 543.0 with caplen and len in the pre-2.3 order. */
export const PCAP_VERSION_MAJOR_DGUX = 543;
/** libpcap pcap-int.h MAXIMUM_SNAPLEN, the snaplen our writers default to. */
export const MAXIMUM_SNAPLEN = 262144;

// pcapng block types (draft-ietf-opsawg-pcapng, Standardized Block Type Codes).
export const BT_SHB = 0x0a0d0d0a;
export const BT_IDB = 0x00000001;
/** Obsolete Packet Block (16-bit interface id and drop count). */
export const BT_PB = 0x00000002;
export const BT_SPB = 0x00000003;
export const BT_NRB = 0x00000004;
export const BT_ISB = 0x00000005;
export const BT_EPB = 0x00000006;
export const BT_SYSTEMD_JOURNAL = 0x00000009;
export const BT_DSB = 0x0000000a;
/** Custom Block that rewriters may copy. */
export const BT_CB_COPY = 0x00000bad;
/** Custom Block that rewriters should not copy. */
export const BT_CB_NOCOPY = 0x40000bad;

/** Section Header Block byte-order magic. */
export const BYTE_ORDER_MAGIC = 0x1a2b3c4d;
export const PCAPNG_VERSION_MAJOR = 1;
export const PCAPNG_VERSION_MINOR = 0;

// Options valid in every block.
export const OPT_ENDOFOPT = 0;
export const OPT_COMMENT = 1;
export const OPT_CUSTOM_STR_COPY = 2988;
export const OPT_CUSTOM_BIN_COPY = 2989;
export const OPT_CUSTOM_STR_NOCOPY = 19372;
export const OPT_CUSTOM_BIN_NOCOPY = 19373;

// Section Header Block options.
export const OPT_SHB_HARDWARE = 2;
export const OPT_SHB_OS = 3;
export const OPT_SHB_USERAPPL = 4;

// Interface Description Block options. There is no snaplen option: SnapLen is a fixed field.
export const OPT_IDB_NAME = 2;
export const OPT_IDB_DESCRIPTION = 3;
export const OPT_IDB_IPV4ADDR = 4;
export const OPT_IDB_IPV6ADDR = 5;
export const OPT_IDB_MACADDR = 6;
export const OPT_IDB_EUIADDR = 7;
export const OPT_IDB_SPEED = 8;
export const OPT_IDB_TSRESOL = 9;
export const OPT_IDB_TZONE = 10;
export const OPT_IDB_FILTER = 11;
export const OPT_IDB_OS = 12;
export const OPT_IDB_FCSLEN = 13;
export const OPT_IDB_TSOFFSET = 14;
export const OPT_IDB_HARDWARE = 15;
export const OPT_IDB_TXSPEED = 16;
export const OPT_IDB_RXSPEED = 17;

/** if_tsresol: the MSB selects a negative power of 2 instead of 10. */
export const TSRESOL_BASE2 = 0x80;
/** The default resolution when if_tsresol is absent: 10^-6. */
export const TSRESOL_DEFAULT = 6;

// Enhanced Packet Block options.
export const OPT_EPB_FLAGS = 2;
export const OPT_EPB_HASH = 3;
export const OPT_EPB_DROPCOUNT = 4;
export const OPT_EPB_PACKETID = 5;
export const OPT_EPB_QUEUE = 6;
export const OPT_EPB_VERDICT = 7;

// epb_flags word, bit 0 = least significant.
export const EPB_FLAGS_DIRECTION_MASK = 0x00000003;
export const EPB_FLAGS_INBOUND = 0x00000001;
export const EPB_FLAGS_OUTBOUND = 0x00000002;
export const EPB_FLAGS_RECEPTION_MASK = 0x0000001c;
export const EPB_FLAGS_FCSLEN_MASK = 0x000001e0;

// Name Resolution Block record types and options.
export const NRB_RECORD_END = 0;
export const NRB_RECORD_IPV4 = 1;
export const NRB_RECORD_IPV6 = 2;
export const OPT_NS_DNSNAME = 2;
export const OPT_NS_DNSIP4ADDR = 3;
export const OPT_NS_DNSIP6ADDR = 4;

// Interface Statistics Block options.
export const OPT_ISB_STARTTIME = 2;
export const OPT_ISB_ENDTIME = 3;
export const OPT_ISB_IFRECV = 4;
export const OPT_ISB_IFDROP = 5;
export const OPT_ISB_FILTERACCEPT = 6;
export const OPT_ISB_OSDROP = 7;
export const OPT_ISB_USRDELIV = 8;
