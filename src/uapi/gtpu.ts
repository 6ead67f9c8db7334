/**
 * GTP-U numbers: free5GC gtp5g's include/gtp.h (names kept as gtp5g spells them), completed
 * from 3GPP TS 29.281 (GTPv1-U, Release 17: §5 header, §6 message types, §8 IE types) and
 * TS 38.415 (PDU Session Container content, §5.5.2). Where gtp5g has no name, the name follows
 * gtp5g's pattern (GTPV1_MSG_TYPE_*, GTPV1_IE_*, GTPV1_NEXT_EXT_HDR_TYPE_<hex>).
 */

// gtp5g include/gtp.h: first octet of a GTPv1 header (version 1, PT 1, no optional fields).
export const GTPV1 = 0x30;

// gtp5g include/gtp.h: gtpv1_hdr flags.
export const GTPV1_HDR_FLG_NPDU = 0x01;
export const GTPV1_HDR_FLG_SEQ = 0x02;
export const GTPV1_HDR_FLG_EXTHDR = 0x04;
export const GTPV1_HDR_FLG_MASK = 0x07;

// TS 29.281 §5.1 Figure 5.1-1: the rest of the first octet.
/** Spare bit, sent as 0 and not evaluated by the receiver. */
export const GTPV1_HDR_FLG_SPARE = 0x08;
/** Protocol Type: 1 for GTP, 0 for GTP' (TS 32.295). */
export const GTPV1_HDR_FLG_PT = 0x10;
export const GTPV1_HDR_VERSION_SHIFT = 5;
/** drivers/net/gtp.c and gtp5g compare `flags >> 5` with this. */
export const GTP_V1 = 1;

/** gtp5g include/gtp.h (and Linux include/net/gtp.h): the registered GTP-U UDP port. */
export const GTP1U_PORT = 2152;

/** sizeof(struct gtpv1_hdr): flags, type, length, TEID. */
export const GTPV1_HDR_LEN = 8;
/** sizeof(gtpv1_hdr_opt_t): sequence number, N-PDU number, next extension header type. */
export const GTPV1_HDR_OPT_LEN = 4;

// TS 29.281 §6.1 Table 6.1-1: GTP-U message types (gtp5g names where it has them).
export const GTPV1_MSG_TYPE_ECHO_REQ = 1;
export const GTPV1_MSG_TYPE_ECHO_RSP = 2;
export const GTPV1_MSG_TYPE_ERR_IND = 26;
export const GTPV1_MSG_TYPE_SUPP_EXT_HDR_NOTI = 31;
/** Tunnel Status (Release 17, TS 29.281 §7.3.3). */
export const GTPV1_MSG_TYPE_TUNNEL_STATUS = 253;
export const GTPV1_MSG_TYPE_EMARK = 254;
/** G-PDU: the header carries a T-PDU. */
export const GTPV1_MSG_TYPE_TPDU = 255;

/** Message types by name, with one reverse map (for summaries and the CLI). */
export const GTPU_MESSAGE_TYPES = {
  'echo-request': GTPV1_MSG_TYPE_ECHO_REQ,
  'echo-response': GTPV1_MSG_TYPE_ECHO_RSP,
  'error-indication': GTPV1_MSG_TYPE_ERR_IND,
  'supported-extension-headers-notification': GTPV1_MSG_TYPE_SUPP_EXT_HDR_NOTI,
  'tunnel-status': GTPV1_MSG_TYPE_TUNNEL_STATUS,
  'end-marker': GTPV1_MSG_TYPE_EMARK,
  'g-pdu': GTPV1_MSG_TYPE_TPDU,
} as const;
export type GtpuMessageTypeName = keyof typeof GTPU_MESSAGE_TYPES;
export const GTPU_MESSAGE_TYPE_NAMES: ReadonlyMap<number, GtpuMessageTypeName> = new Map(
  (Object.entries(GTPU_MESSAGE_TYPES) as Array<[GtpuMessageTypeName, number]>).map(([k, v]) => [v, k]),
);

// gtp5g include/gtp.h (TS 29.281 §5.2.1 Figure 5.2.1-3): extension header types.
export const GTPV1_NEXT_EXT_HDR_TYPE_00 = 0x00; /* No more extension headers */
export const GTPV1_NEXT_EXT_HDR_TYPE_03 = 0x03; /* Long PDCP PDU Number (current senders) */
export const GTPV1_NEXT_EXT_HDR_TYPE_20 = 0x20; /* Service Class Indicator */
export const GTPV1_NEXT_EXT_HDR_TYPE_40 = 0x40; /* UDP Port */
export const GTPV1_NEXT_EXT_HDR_TYPE_81 = 0x81; /* RAN Container */
export const GTPV1_NEXT_EXT_HDR_TYPE_82 = 0x82; /* Long PDCP PDU Number (earlier releases) */
export const GTPV1_NEXT_EXT_HDR_TYPE_83 = 0x83; /* Xw RAN Container */
export const GTPV1_NEXT_EXT_HDR_TYPE_84 = 0x84; /* NR RAN Container */
export const GTPV1_NEXT_EXT_HDR_TYPE_85 = 0x85; /* PDU Session Container */
export const GTPV1_NEXT_EXT_HDR_TYPE_C0 = 0xc0; /* PDCP PDU Number */
// TS 29.281 Figure 5.2.1-3 marks these "Reserved - Control Plane only"; TS 29.060 §6.1 names them.
export const GTPV1_NEXT_EXT_HDR_TYPE_01 = 0x01; /* MBMS support indication (GTP-C) */
export const GTPV1_NEXT_EXT_HDR_TYPE_02 = 0x02; /* MS Info Change Reporting support indication (GTP-C) */
export const GTPV1_NEXT_EXT_HDR_TYPE_C1 = 0xc1; /* Suspend Request (GTP-C) */
export const GTPV1_NEXT_EXT_HDR_TYPE_C2 = 0xc2; /* Suspend Response (GTP-C) */

/** Extension header types by name, with one reverse map. */
export const GTPU_EXT_HDR_TYPES = {
  'no-more': GTPV1_NEXT_EXT_HDR_TYPE_00,
  'mbms-support-indication': GTPV1_NEXT_EXT_HDR_TYPE_01,
  'ms-info-change-reporting': GTPV1_NEXT_EXT_HDR_TYPE_02,
  'long-pdcp-pdu-number': GTPV1_NEXT_EXT_HDR_TYPE_03,
  'service-class-indicator': GTPV1_NEXT_EXT_HDR_TYPE_20,
  'udp-port': GTPV1_NEXT_EXT_HDR_TYPE_40,
  'ran-container': GTPV1_NEXT_EXT_HDR_TYPE_81,
  'long-pdcp-pdu-number-82': GTPV1_NEXT_EXT_HDR_TYPE_82,
  'xw-ran-container': GTPV1_NEXT_EXT_HDR_TYPE_83,
  'nr-ran-container': GTPV1_NEXT_EXT_HDR_TYPE_84,
  'pdu-session-container': GTPV1_NEXT_EXT_HDR_TYPE_85,
  'pdcp-pdu-number': GTPV1_NEXT_EXT_HDR_TYPE_C0,
  'suspend-request': GTPV1_NEXT_EXT_HDR_TYPE_C1,
  'suspend-response': GTPV1_NEXT_EXT_HDR_TYPE_C2,
} as const;
export type GtpuExtHdrTypeName = keyof typeof GTPU_EXT_HDR_TYPES;
export const GTPU_EXT_HDR_TYPE_NAMES: ReadonlyMap<number, GtpuExtHdrTypeName> = new Map(
  (Object.entries(GTPU_EXT_HDR_TYPES) as Array<[GtpuExtHdrTypeName, number]>).map(([k, v]) => [v, k]),
);

// TS 29.281 §5.2.1 Figure 5.2.1-2: bits 8 and 7 of an extension header type say what a node
// that does not know the type does with it.
export const GTPV1_EXT_HDR_COMPREHENSION_MASK = 0xc0;
export const GTPV1_EXT_HDR_COMPREHENSION_SHIFT = 6;
/** 00: not required; an intermediate node forwards it to the receiver endpoint. */
export const GTPV1_EXT_HDR_NOT_REQUIRED_FORWARD = 0;
/** 01: not required; an intermediate node discards its content and does not forward it. */
export const GTPV1_EXT_HDR_NOT_REQUIRED_DISCARD = 1;
/** 10: required by the endpoint receiver, not by an intermediate node (which forwards it). */
export const GTPV1_EXT_HDR_REQUIRED_BY_ENDPOINT = 2;
/** 11: required by any recipient, endpoint receiver or intermediate node. */
export const GTPV1_EXT_HDR_REQUIRED_BY_RECIPIENT = 3;

/** TS 29.281 §5.2.1: the Extension Header Length counts 4-octet units. */
export const GTPV1_EXT_HDR_LEN_UNIT = 4;

// TS 29.281 §8.1 Table 8.1-1: information element types. Below 128 the IE is TV (fixed
// length, known per type); from 128 it is TLV with a 2-octet length, except the Extension
// Header Type List, whose length is one octet (§8.5).
export const GTPV1_IE_RECOVERY = 14;
export const GTPV1_IE_TEID_DATA_I = 16;
/** "GSN Address" in TS 29.060; "GTP-U Peer Address" in TS 29.281. */
export const GTPV1_IE_GTPU_PEER_ADDR = 133;
export const GTPV1_IE_EXT_HDR_TYPE_LIST = 141;
export const GTPV1_IE_TUNNEL_STATUS_INFO = 230;
export const GTPV1_IE_RECOVERY_TIME_STAMP = 231;
export const GTPV1_IE_PRIVATE_EXT = 255;
/** IE types with the top bit set are TLV. */
export const GTPV1_IE_TLV_FLAG = 0x80;
/** TS 29.281 §8.2: the Restart Counter a GTP-U entity sends in Recovery is always zero. */
export const GTPV1_RECOVERY_RESTART_COUNTER = 0;

// gtp5g include/gtp.h: the first octet of a PDU Session Container with the PDU Type already
// shifted into the high nibble.
export const PDU_SESSION_INFO_TYPE0 = 0x00;
export const PDU_SESSION_INFO_TYPE1 = 0x10;

// TS 38.415 §5.5.3.1: PDU Type values (the high nibble of the container's first octet).
export const DL_PDU_SESSION_INFORMATION = 0;
export const UL_PDU_SESSION_INFORMATION = 1;
export const PDU_SESSION_PDU_TYPE_SHIFT = 4;

// TS 38.415 §5.5.2.1 (Release 17): DL PDU SESSION INFORMATION flags.
/** Octet 1: QoS Monitoring Packet, a DL Sending Time Stamp (8 octets) follows. */
export const PDU_SESSION_DL_QMP = 0x08;
/** Octet 1: Sequence Number Presence, a DL QFI Sequence Number (3 octets) follows. */
export const PDU_SESSION_DL_SNP = 0x04;
/** Octet 1: MBS Sequence Number Presence, a DL MBS QFI Sequence Number (4 octets) follows. */
export const PDU_SESSION_DL_MSNP = 0x02;
/** Octet 2: Paging Policy Presence, an octet with the PPI follows. */
export const PDU_SESSION_DL_PPP = 0x80;
/** Octet 2: Reflective QoS Indicator. */
export const PDU_SESSION_DL_RQI = 0x40;
/** Octet 3 (when PPP): the Paging Policy Indicator is bits 8-6. */
export const PDU_SESSION_DL_PPI_SHIFT = 5;

// TS 38.415 §5.5.2.2 (Release 17): UL PDU SESSION INFORMATION flags.
/** Octet 1: QoS Monitoring Packet: three 8-octet time stamps follow. */
export const PDU_SESSION_UL_QMP = 0x08;
/** Octet 1: a DL Delay Result (4 octets) follows. */
export const PDU_SESSION_UL_DL_DELAY_IND = 0x04;
/** Octet 1: an UL Delay Result (4 octets) follows. */
export const PDU_SESSION_UL_UL_DELAY_IND = 0x02;
/** Octet 1: an UL QFI Sequence Number (3 octets) follows. */
export const PDU_SESSION_UL_SNP = 0x01;
/** Octet 2: an N3/N9 Delay Result (4 octets) follows. */
export const PDU_SESSION_UL_N3N9_DELAY_IND = 0x80;
/** Octet 2: New IE Flags octet(s) and the IEs they announce follow. */
export const PDU_SESSION_UL_NEW_IE_FLAG = 0x40;

/** TS 38.415 §5.5.3.3: the QoS Flow Identifier is the low 6 bits of octet 2. */
export const PDU_SESSION_QFI_MASK = 0x3f;
