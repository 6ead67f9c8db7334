/**
 * Netlink numbers of free5GC's gtp5g kernel module (github.com/free5gc/gtp5g v0.10.2), from its
 * include/genl.h, genl_pdr.h, genl_far.h, genl_qer.h, genl_urr.h, genl_bar.h, genl_report.h,
 * genl_version.h, encap.h and link.h, plus the value encodings its handlers read from far.h,
 * qer.h, pdr.h, urr.h and report.h. Names are gtp5g's own.
 *
 * gtp5g numbers object attributes from 3: every request also carries GTP5G_LINK (1) and
 * optionally GTP5G_NET_NS_FD (2) to name the device, so 1 and 2 are shared by all objects.
 */

// The generic netlink family (src/genl/genl.c).
export const GTP5G_GENL_NAME = 'gtp5g';
export const GTP5G_GENL_VERSION = 0;
export const GTP5G_GENL_HDRSIZE = 0;
/** Family maxattr: above every object's highest attribute. Also the family's resv_start_op. */
export const GTP5G_ATTR_MAX = 0x20;
/** gtp5g's driver version string, answered to GTP5G_CMD_GET_VERSION. */
export const GTP5G_DRV_VERSION = '0.10.2';

// enum gtp5g_multicast_groups, and the group's name.
export const GTP5G_GENL_MCGRP = 0;
export const GTP5G_GENL_MCGRP_NAME = 'gtp5g';

// enum gtp5g_cmd. New commands go after GET_BAR for compatibility with older UPFs.
export const GTP5G_CMD_UNSPEC = 0;
export const GTP5G_CMD_ADD_PDR = 1;
export const GTP5G_CMD_ADD_FAR = 2;
export const GTP5G_CMD_ADD_QER = 3;
export const GTP5G_CMD_DEL_PDR = 4;
export const GTP5G_CMD_DEL_FAR = 5;
export const GTP5G_CMD_DEL_QER = 6;
export const GTP5G_CMD_GET_PDR = 7;
export const GTP5G_CMD_GET_FAR = 8;
export const GTP5G_CMD_GET_QER = 9;
export const GTP5G_CMD_ADD_URR = 10;
export const GTP5G_CMD_ADD_BAR = 11;
export const GTP5G_CMD_DEL_URR = 12;
export const GTP5G_CMD_DEL_BAR = 13;
export const GTP5G_CMD_GET_URR = 14;
export const GTP5G_CMD_GET_BAR = 15;
export const GTP5G_CMD_GET_VERSION = 16;
export const GTP5G_CMD_GET_REPORT = 17;
export const GTP5G_CMD_BUFFER_GTPU = 18; // buffered packets, sent to the UPF's Unix socket
export const GTP5G_CMD_GET_MULTI_REPORTS = 19;
export const GTP5G_CMD_GET_USAGE_STATISTIC = 20;
/** gtp5g's declared command maximum (not __GTP5G_CMD_MAX - 1). */
export const GTP5G_CMD_MAX = 32;

// enum gtp5g_device_attrs: which gtp5g device a request is for.
export const GTP5G_LINK = 1; // u32, ifindex
export const GTP5G_NET_NS_FD = 2; // u32, namespace file descriptor

// enum gtp5g_version: the reply to GTP5G_CMD_GET_VERSION carries the version string as
// attribute type 0.
export const GTP5G_VERSION = 0;

// ---------------------------------------------------------------------------------------------
// PDR (genl_pdr.h)
// ---------------------------------------------------------------------------------------------

// enum gtp5g_pdr_attrs.
export const GTP5G_PDR_ID = 3; // u16 (GTP5G_CMD_ADD_PDR first reads it as a u32)
export const GTP5G_PDR_PRECEDENCE = 4; // u32
export const GTP5G_PDR_PDI = 5; // nested GTP5G_PDI_*
export const GTP5G_OUTER_HEADER_REMOVAL = 6; // u8
export const GTP5G_PDR_FAR_ID = 7; // u32
export const GTP5G_PDR_ROLE_ADDR_IPV4 = 8; // u32, not a 3GPP IE: used for routing
export const GTP5G_PDR_UNIX_SOCKET_PATH = 9; // string, not a 3GPP IE: where buffered packets go
export const GTP5G_PDR_QER_ID = 10; // u32, may repeat
export const GTP5G_PDR_SEID = 11; // u64
export const GTP5G_PDR_URR_ID = 12; // u32, may repeat
export const GTP5G_PDR_ATTR_MAX = 16;

// enum gtp5g_pdi_attrs (nested in GTP5G_PDR_PDI).
export const GTP5G_PDI_UNSPEC = 0;
export const GTP5G_PDI_UE_ADDR_IPV4 = 1; // be32
export const GTP5G_PDI_F_TEID = 2; // nested GTP5G_F_TEID_*
export const GTP5G_PDI_SDF_FILTER = 3; // nested GTP5G_SDF_FILTER_*
export const GTP5G_PDI_SRC_INTF = 4; // u8, SRC_INTF_*
export const GTP5G_PDI_ETHERNET_PACKET_FILTER = 5;
export const GTP5G_PDI_FRAMED_ROUTE = 6;
export const GTP5G_PDI_ATTR_MAX = 16;

// enum gtp5g_f_teid_attrs (nested in GTP5G_PDI_F_TEID).
export const GTP5G_F_TEID_UNSPEC = 0;
export const GTP5G_F_TEID_I_TEID = 1; // u32
export const GTP5G_F_TEID_GTPU_ADDR_IPV4 = 2; // be32
export const GTP5G_F_TEID_ATTR_MAX = 8;

// enum gtp5g_sdf_filter_attrs (nested in GTP5G_PDI_SDF_FILTER).
export const GTP5G_SDF_FILTER_FLOW_DESCRIPTION = 1; // nested GTP5G_FLOW_DESCRIPTION_*
export const GTP5G_SDF_FILTER_TOS_TRAFFIC_CLASS = 2; // u16
export const GTP5G_SDF_FILTER_SECURITY_PARAMETER_INDEX = 3; // u32
export const GTP5G_SDF_FILTER_FLOW_LABEL = 4; // u32
export const GTP5G_SDF_FILTER_SDF_FILTER_ID = 5; // u32
export const GTP5G_SDF_FILTER_ATTR_MAX = 16;

// enum gtp5g_flow_description_attrs (nested in GTP5G_SDF_FILTER_FLOW_DESCRIPTION).
export const GTP5G_FLOW_DESCRIPTION_ACTION = 1; // u8, only GTP5G_SDF_FILTER_PERMIT
export const GTP5G_FLOW_DESCRIPTION_DIRECTION = 2; // u8
export const GTP5G_FLOW_DESCRIPTION_PROTOCOL = 3; // u8
export const GTP5G_FLOW_DESCRIPTION_SRC_IPV4 = 4; // be32
export const GTP5G_FLOW_DESCRIPTION_SRC_MASK = 5; // be32
export const GTP5G_FLOW_DESCRIPTION_DEST_IPV4 = 6; // be32
export const GTP5G_FLOW_DESCRIPTION_DEST_MASK = 7; // be32
export const GTP5G_FLOW_DESCRIPTION_SRC_PORT = 8;
export const GTP5G_FLOW_DESCRIPTION_DEST_PORT = 9;
export const GTP5G_FLOW_DESCRIPTION_ATTR_MAX = 9;

// GTP5G_FLOW_DESCRIPTION_ACTION values.
export const GTP5G_SDF_FILTER_ACTION_UNSPEC = 0;
export const GTP5G_SDF_FILTER_PERMIT = 1;
export const GTP5G_SDF_FILTER_ACTION_MAX = 1;

// GTP5G_FLOW_DESCRIPTION_DIRECTION values.
export const GTP5G_SDF_FILTER_DIRECTION_UNSPEC = 0;
export const GTP5G_SDF_FILTER_IN = 1;
export const GTP5G_SDF_FILTER_OUT = 2;
export const GTP5G_SDF_FILTER_DIRECTION_MAX = 2;

// ---------------------------------------------------------------------------------------------
// FAR (genl_far.h)
// ---------------------------------------------------------------------------------------------

// enum gtp5g_far_attrs.
export const GTP5G_FAR_ID = 3; // u32
export const GTP5G_FAR_APPLY_ACTION = 4; // u8 or u16 (told apart by length), FAR_ACTION_* bits
export const GTP5G_FAR_FORWARDING_PARAMETER = 5; // nested GTP5G_FORWARDING_PARAMETER_*
export const GTP5G_FAR_RELATED_TO_PDR = 6; // u16 array of PDR ids using this FAR, in replies
export const GTP5G_FAR_SEID = 7; // u64
export const GTP5G_FAR_BAR_ID = 8;
export const GTP5G_FAR_ATTR_MAX = 16;

// enum gtp5g_forwarding_parameter_attrs (nested in GTP5G_FAR_FORWARDING_PARAMETER).
export const GTP5G_FORWARDING_PARAMETER_OUTER_HEADER_CREATION = 1; // nested
export const GTP5G_FORWARDING_PARAMETER_FORWARDING_POLICY = 2; // bytes, the policy identifier
export const GTP5G_FORWARDING_PARAMETER_PFCPSM_REQ_FLAGS = 3; // u8, bit 0x02 is SNDEM
export const GTP5G_FORWARDING_PARAMETER_TOS_TC = 4; // u8
export const GTP5G_FORWARDING_PARAMETER_ATTR_MAX = 16;

// enum gtp5g_outer_header_creation_attrs (nested in ..._OUTER_HEADER_CREATION).
export const GTP5G_OUTER_HEADER_CREATION_DESCRIPTION = 1; // u16
export const GTP5G_OUTER_HEADER_CREATION_O_TEID = 2; // u32
export const GTP5G_OUTER_HEADER_CREATION_PEER_ADDR_IPV4 = 3; // be32
export const GTP5G_OUTER_HEADER_CREATION_PORT = 4; // u16
export const GTP5G_OUTER_HEADER_CREATION_ATTR_MAX = 16;

// ---------------------------------------------------------------------------------------------
// QER (genl_qer.h)
// ---------------------------------------------------------------------------------------------

// enum gtp5g_qer_attrs.
export const GTP5G_QER_ID = 3; // u32
export const GTP5G_QER_GATE = 4; // u8, QER_UL_GATE_CLOSE / QER_DL_GATE_CLOSE bits
export const GTP5G_QER_MBR = 5; // nested GTP5G_QER_MBR_*
export const GTP5G_QER_GBR = 6; // nested GTP5G_QER_GBR_*
export const GTP5G_QER_CORR_ID = 7; // u32
export const GTP5G_QER_RQI = 8; // u8
export const GTP5G_QER_QFI = 9; // u8
export const GTP5G_QER_PPI = 10; // u8
export const GTP5G_QER_RCSR = 11; // u8
export const GTP5G_QER_RELATED_TO_PDR = 12; // u16 array of PDR ids using this QER, in replies
export const GTP5G_QER_SEID = 13; // u64
export const GTP5G_QER_ATTR_MAX = 16;

// enum gtp5g_mbr_attrs (nested in GTP5G_QER_MBR): 40-bit kbps rates split in two.
export const GTP5G_QER_MBR_UL_HIGH32 = 1; // u32
export const GTP5G_QER_MBR_UL_LOW8 = 2; // u8
export const GTP5G_QER_MBR_DL_HIGH32 = 3; // u32
export const GTP5G_QER_MBR_DL_LOW8 = 4; // u8
export const GTP5G_QER_MBR_ATTR_MAX = 4;

// enum gtp5g_qer_gbr_attrs (nested in GTP5G_QER_GBR).
export const GTP5G_QER_GBR_UL_HIGH32 = 1;
export const GTP5G_QER_GBR_UL_LOW8 = 2;
export const GTP5G_QER_GBR_DL_HIGH32 = 3;
export const GTP5G_QER_GBR_DL_LOW8 = 4;
export const GTP5G_QER_GBR_ATTR_MAX = 4;

// ---------------------------------------------------------------------------------------------
// URR (genl_urr.h)
// ---------------------------------------------------------------------------------------------

// enum gtp5g_urr_attrs.
export const GTP5G_URR_ID = 3; // u32
export const GTP5G_URR_MEASUREMENT_METHOD = 4; // u8, URR_METHOD_* bits
export const GTP5G_URR_REPORTING_TRIGGER = 5; // u32, URR_RPT_TRIGGER_* bits
export const GTP5G_URR_MEASUREMENT_PERIOD = 6; // u32, seconds
export const GTP5G_URR_MEASUREMENT_INFO = 7; // u8, URR_INFO_* bits
export const GTP5G_URR_SEID = 8; // u64
export const GTP5G_URR_VOLUME_THRESHOLD = 9; // nested GTP5G_URR_VOLUME_THRESHOLD_*
export const GTP5G_URR_VOLUME_QUOTA = 10; // nested GTP5G_URR_VOLUME_QUOTA_*
export const GTP5G_URR_MULTI_SEID_URRID = 11;
export const GTP5G_URR_NUM = 12; // u32
export const GTP5G_URR_RELATED_TO_PDR = 13; // u16 array of PDR ids using this URR, in replies
export const GTP5G_URR_ATTR_MAX = 16;

// enum gtp5g_urr_volume_threshold_attrs.
export const GTP5G_URR_VOLUME_THRESHOLD_FLAG = 1; // u8, URR_VOLUME_THRESHOLD_* bits
export const GTP5G_URR_VOLUME_THRESHOLD_TOVOL = 2; // u64
export const GTP5G_URR_VOLUME_THRESHOLD_UVOL = 3; // u64
export const GTP5G_URR_VOLUME_THRESHOLD_DVOL = 4; // u64
export const GTP5G_URR_VOLUME_THRESHOLD_ATTR_MAX = 4;

// enum gtp5g_urr_volume_quota_attrs.
export const GTP5G_URR_VOLUME_QUOTA_FLAG = 1; // u8, URR_VOLUME_QUOTA_* bits
export const GTP5G_URR_VOLUME_QUOTA_TOVOL = 2; // u64
export const GTP5G_URR_VOLUME_QUOTA_UVOL = 3; // u64
export const GTP5G_URR_VOLUME_QUOTA_DVOL = 4; // u64
export const GTP5G_URR_VOLUME_QUOTA_ATTR_MAX = 4;

// ---------------------------------------------------------------------------------------------
// BAR (genl_bar.h)
// ---------------------------------------------------------------------------------------------

// enum gtp5g_bar_attrs.
export const GTP5G_BAR_ID = 3; // u8
export const GTP5G_DOWNLINK_DATA_NOTIFICATION_DELAY = 4; // u8
export const GTP5G_BUFFERING_PACKETS_COUNT = 5; // u16
export const GTP5G_BAR_SEID = 6; // u64
export const GTP5G_BAR_ATTR_MAX = 16;

// ---------------------------------------------------------------------------------------------
// Usage reports (genl_report.h)
// ---------------------------------------------------------------------------------------------

// enum gtp5g_usage_report_volume_measurement_attrs (nested in GTP5G_UR_VOLUME_MEASUREMENT).
export const GTP5G_UR_VOLUME_MEASUREMENT_FLAGS = 1;
export const GTP5G_UR_VOLUME_MEASUREMENT_TOVOL = 2; // u64
export const GTP5G_UR_VOLUME_MEASUREMENT_UVOL = 3; // u64
export const GTP5G_UR_VOLUME_MEASUREMENT_DVOL = 4; // u64
export const GTP5G_UR_VOLUME_MEASUREMENT_TOPACKET = 5; // u64
export const GTP5G_UR_VOLUME_MEASUREMENT_UPACKET = 6; // u64
export const GTP5G_UR_VOLUME_MEASUREMENT_DPACKET = 7; // u64
export const GTP5G_UR_VOLUME_MEASUREMENT_ATTR_MAX = 7;

// enum gtp5g_usage_report_attrs (inside GTP5G_UR).
export const GTP5G_UR_URRID = 3; // u32
export const GTP5G_UR_USAGE_REPORT_TRIGGER = 4; // be32, USAR_TRIGGER_* bits
export const GTP5G_UR_URSEQN = 5;
export const GTP5G_UR_VOLUME_MEASUREMENT = 6; // nested
export const GTP5G_UR_QUERY_URR_REFERENCE = 7;
export const GTP5G_UR_START_TIME = 8; // u64
export const GTP5G_UR_END_TIME = 9; // u64
export const GTP5G_UR_SEID = 10; // u64
export const GTP5G_UR_ATTR_MAX = 16;

// enum gtp5g_multi_usage_report_attrs: each report of GET_REPORT / GET_MULTI_REPORTS is a nest.
export const GTP5G_UR = 5;

// enum gtp5g_usage_statistic_attrs (reply to GTP5G_CMD_GET_USAGE_STATISTIC), all u64.
export const GTP5G_USTAT_UL_VOL_RX = 1;
export const GTP5G_USTAT_UL_VOL_TX = 2;
export const GTP5G_USTAT_DL_VOL_RX = 3;
export const GTP5G_USTAT_DL_VOL_TX = 4;
export const GTP5G_USTAT_UL_PKT_RX = 5;
export const GTP5G_USTAT_UL_PKT_TX = 6;
export const GTP5G_USTAT_DL_PKT_RX = 7;
export const GTP5G_USTAT_DL_PKT_TX = 8;

// ---------------------------------------------------------------------------------------------
// Buffered packets and reports sent to the UPF (encap.h)
// ---------------------------------------------------------------------------------------------

// enum gtp5g_msg_type_attrs: the outer nest of a GTP5G_CMD_BUFFER_GTPU message.
export const GTP5G_BUFFER = 1;
export const GTP5G_REPORT = 2;
export const GTP5G_MSG_TYPE_ATTR_MAX = 2;

// enum gtp5g_buffer_attrs (inside GTP5G_BUFFER).
export const GTP5G_BUFFER_PAD = 3;
export const GTP5G_BUFFER_PACKET = 4; // the packet bytes
export const GTP5G_BUFFER_ID = 5; // u16, PDR id
export const GTP5G_BUFFER_SEID = 6; // u64
export const GTP5G_BUFFER_ACTION = 7; // u16, FAR apply action
export const GTP5G_BUFFER_SEQ_NUMBER = 8; // u16
export const GTP5G_BUFFER_ATTR_MAX = 8;

// ---------------------------------------------------------------------------------------------
// The rtnetlink link type "gtp5g" (link.h): IFLA_INFO_DATA members.
// ---------------------------------------------------------------------------------------------
export const GTP5G_LINK_KIND = 'gtp5g';

export const IFLA_GTP5G_UNSPEC = 0;
export const IFLA_GTP5G_FD1 = 1; // u32, file descriptor of the UDP socket (required)
export const IFLA_GTP5G_PDR_HASHSIZE = 2; // u32
export const IFLA_GTP5G_ROLE = 3; // u32, GTP5G_ROLE_*
export const IFLA_GTP5G_MAX = 3;

// enum ifla_gtp5g_role.
export const GTP5G_ROLE_UPF = 0;
export const GTP5G_ROLE_RAN = 1;

// ---------------------------------------------------------------------------------------------
// Values carried inside the attributes above.
// ---------------------------------------------------------------------------------------------

// pdr.h: GTP5G_PDI_SRC_INTF (TS 29.244 Source Interface).
export const SRC_INTF_ACCESS = 0;
export const SRC_INTF_CORE = 1;

// far.h: GTP5G_FAR_APPLY_ACTION bits (TS 29.244 Apply Action).
export const FAR_ACTION_UPSPEC = 0x00;
export const FAR_ACTION_DROP = 0x01;
export const FAR_ACTION_FORW = 0x02;
export const FAR_ACTION_BUFF = 0x04;
export const FAR_ACTION_MASK = 0x07;
export const FAR_ACTION_NOCP = 0x08;
export const FAR_ACTION_DUPL = 0x10;

// far.h: the width the UPF used for GTP5G_FAR_APPLY_ACTION (seen from its attribute length).
export const FAR_ACTION_U8 = 1;
export const FAR_ACTION_U16 = 2;

// qer.h: GTP5G_QER_GATE bits (TS 29.244 Gate Status; set means closed).
export const QER_UL_GATE_CLOSE = 0x1 << 2;
export const QER_DL_GATE_CLOSE = 0x1 << 0;

// urr.h: GTP5G_URR_MEASUREMENT_METHOD bits.
export const URR_METHOD_DURAT = 1 << 0;
export const URR_METHOD_VOLUM = 1 << 1;
export const URR_METHOD_EVENT = 1 << 2;

// urr.h: volume flags.
export const URR_VOLUME_TOVOL = 1 << 0;
export const URR_VOLUME_ULVOL = 1 << 1;
export const URR_VOLUME_DLVOL = 1 << 2;

export const URR_VOLUME_QUOTA_TOVOL = 1 << 0;
export const URR_VOLUME_QUOTA_ULVOL = 1 << 1;
export const URR_VOLUME_QUOTA_DLVOL = 1 << 2;

export const URR_VOLUME_THRESHOLD_TOVOL = 1 << 0;
export const URR_VOLUME_THRESHOLD_ULVOL = 1 << 1;
export const URR_VOLUME_THRESHOLD_DLVOL = 1 << 2;

// urr.h: GTP5G_URR_MEASUREMENT_INFO bits.
export const URR_INFO_MBQE = 1 << 0;
export const URR_INFO_INAM = 1 << 1;
export const URR_INFO_RADI = 1 << 2;
export const URR_INFO_ISTM = 1 << 3;
export const URR_INFO_MNOP = 1 << 4;
export const URR_INFO_SSPOC = 1 << 5;
export const URR_INFO_ASPOC = 1 << 6;
export const URR_INFO_CIAM = 1 << 7;

// urr.h: GTP5G_URR_REPORTING_TRIGGER bits.
export const URR_RPT_TRIGGER_PERIO = 1 << 0;
export const URR_RPT_TRIGGER_VOLTH = 1 << 1;
export const URR_RPT_TRIGGER_TIMTH = 1 << 2;
export const URR_RPT_TRIGGER_QUHTI = 1 << 3;
export const URR_RPT_TRIGGER_START = 1 << 4;
export const URR_RPT_TRIGGER_STOPT = 1 << 5;
export const URR_RPT_TRIGGER_DROTH = 1 << 6;
export const URR_RPT_TRIGGER_LIUSA = 1 << 7;
export const URR_RPT_TRIGGER_VOLQU = 1 << 8;
export const URR_RPT_TRIGGER_TIMQU = 1 << 9;
export const URR_RPT_TRIGGER_ENVCL = 1 << 10;
export const URR_RPT_TRIGGER_MACAR = 1 << 11;
export const URR_RPT_TRIGGER_EVETH = 1 << 12;
export const URR_RPT_TRIGGER_EVEQU = 1 << 13;
export const URR_RPT_TRIGGER_IPMJL = 1 << 14;
export const URR_RPT_TRIGGER_QUVTI = 1 << 15;
export const URR_RPT_TRIGGER_REEMR = 1 << 16;
export const URR_RPT_TRIGGER_UPINT = 1 << 17;

// report.h: GTP5G_UR_USAGE_REPORT_TRIGGER bits (TS 29.244 Usage Report Trigger).
export const USAR_TRIGGER_PERIO = 1 << 0;
export const USAR_TRIGGER_VOLTH = 1 << 1;
export const USAR_TRIGGER_TIMTH = 1 << 2;
export const USAR_TRIGGER_QUHTI = 1 << 3;
export const USAR_TRIGGER_START = 1 << 4;
export const USAR_TRIGGER_STOPT = 1 << 5;
export const USAR_TRIGGER_DROTH = 1 << 6;
export const USAR_TRIGGER_IMMER = 1 << 7;
export const USAR_TRIGGER_VOLQU = 1 << 8;
export const USAR_TRIGGER_TIMQU = 1 << 9;
export const USAR_TRIGGER_LIUSA = 1 << 10;
export const USAR_TRIGGER_TERMR = 1 << 11;
export const USAR_TRIGGER_MONIT = 1 << 12;
export const USAR_TRIGGER_ENVCL = 1 << 13;
export const USAR_TRIGGER_MACAR = 1 << 14;
export const USAR_TRIGGER_EVETH = 1 << 15;
export const USAR_TRIGGER_EVEQU = 1 << 16;
export const USAR_TRIGGER_TEBUR = 1 << 17;
export const USAR_TRIGGER_IPMJL = 1 << 18;
export const USAR_TRIGGER_QUVTI = 1 << 19;
export const USAR_TRIGGER_EMRRE = 1 << 20;
export const USAR_TRIGGER_UPINT = 1 << 21;
