/**
 * The IOAM6 genetlink family through the bus, compared with Linux 6.18.44 byte for byte.
 *
 * Fixtures are kernel captures made on this project's build host (Linux 6.18.44, iproute2
 * 6.1.0), each in a throwaway namespace (`ip netns add v6io-test` ... `ip netns del`):
 * - IP_SESSION: `ip ioam ...` commands in the order listed, each run under
 *   `strace -f -e trace=sendmsg,recvmsg -e read=all -e write=all -xx -s 65536`. iproute2 sends
 *   dump requests with sendto, captured separately (`-e trace=sendto`): 20 bytes, flags
 *   NLM_F_REQUEST | NLM_F_DUMP, nlmsg_pid 0; they are listed with the seq the replies carry.
 * - RAW_SESSION: requests iproute2 never sends (over-long data, missing or malformed attributes,
 *   wrong op kinds), sent in that order from a python3 AF_NETLINK socket with NETLINK_EXT_ACK.
 * - UNPRIV_SESSION: the same socket run as uid 65534 with no capabilities (setpriv).
 * The kernel gave "IOAM6" the id 0x1e; its replies are compared after that id is replaced by
 * ours. Our sockets bind the port ids the kernel's had. Dump entries are compared as sets per
 * datagram: Linux dumps in random hash order (see src/ipv6/ioam6.ts).
 */

import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { World, type Net } from '../net/net.ts';
import { rootCredentials, unprivilegedCredentials, type Credentials } from '../net/credentials.ts';
import { EAGAIN, EINVAL, EMSGSIZE, EPERM } from '../uapi/errno.ts';
import {
  GENL_ADMIN_PERM,
  GENL_DONT_VALIDATE_DUMP,
  GENL_DONT_VALIDATE_STRICT,
} from '../uapi/genetlink.ts';
import {
  IOAM6_ATTR_NS_DATA_WIDE,
  IOAM6_ATTR_NS_ID,
  IOAM6_ATTR_SC_DATA,
  IOAM6_ATTR_SC_ID,
  IOAM6_ATTR_SC_NONE,
  IOAM6_CMD_DUMP_NAMESPACES,
  IOAM6_CMD_DUMP_SCHEMAS,
  IOAM6_GENL_EV_GRP_NAME,
  IOAM6_GENL_NAME,
  IOAM6_GENL_VERSION,
  IOAM6_MAX_SCHEMA_DATA_LEN,
} from '../uapi/ioam6_genl.ts';
import {
  NETLINK_ADD_MEMBERSHIP,
  NETLINK_EXT_ACK,
  NETLINK_GENERIC,
  NLA_BINARY,
  NLA_FLAG,
  NLA_U16,
  NLA_U32,
  NLA_U64,
  NLM_F_MULTI,
  NLM_F_REQUEST,
  NLMSG_DONE,
  NLMSG_ERROR,
  SOL_NETLINK,
} from '../uapi/netlink.ts';
import { fromHex, setU16le, toHex, u16le, u32le } from '../wire/bytes.ts';
import { GENL_MCAST_CAP_NET_ADMIN, NetlinkSkb, type GenlOps, type NetlinkCallback } from '../netlink/genetlink.ts';
import {
  ioam6AddNamespaceRequest,
  ioam6AddSchemaRequest,
  ioam6DelNamespaceRequest,
  ioam6DelSchemaRequest,
  ioam6DumpNamespacesRequest,
  ioam6DumpSchemasRequest,
  ioam6NsSetSchemaRequest,
  parseIoam6Messages,
  putIoam6AddNamespace,
  putIoam6AddSchema,
  putIoam6DelNamespace,
  type Ioam6NamespaceRepr,
  type Ioam6RequestHeader,
  type Ioam6SchemaRepr,
} from '../netlink/ioam6-client.ts';
import { nlmsgAlign, NlMsgBuilder } from '../netlink/message.ts';
import { createGenlBus } from '../netlink/nlctrl.ts';
import { NetlinkSocket, NetlinkTable } from '../netlink/socket.ts';
import { createIoam6GenlFamily, ioam6Exit, ioam6Init, type Ioam6Registration } from './ioam6-genl.ts';

const X1020 = '78'.repeat(1020);
const Y1021 = '79'.repeat(1021);
const KERNEL_FAMILY = 0x1e;

const ascii = (s: string): Uint8Array => new TextEncoder().encode(s);

interface KernelCase {
  /** What produced the exchange. */
  readonly cmd: string;
  /** The kernel's port id for the requesting socket (nlmsg_pid of every reply). */
  readonly portid: number;
  /** Our builder for the same request (with the kernel's family id and seq). */
  readonly build?: (h: Ioam6RequestHeader) => Uint8Array;
  readonly request: string;
  /** Datagrams as received, in order. */
  readonly replies: readonly string[];
}

/** ip(8) session: these commands in this order, in one fresh namespace. */
const IP_SESSION: readonly KernelCase[] = [
  {
    cmd: "ip ioam namespace add 1",
    portid: 5694,
    build: (h) => ioam6AddNamespaceRequest(h, { id: 1 }),
    request: '1c0000001e000500603e066b00000000010100000600010001000000',
    replies: ['2400000002000001603e066b3e160000000000001c0000001e000500603e066b00000000'],
  },
  {
    cmd: "ip ioam namespace add 2 data 0xdeadbeef",
    portid: 5698,
    build: (h) => ioam6AddNamespaceRequest(h, { id: 2, data: 0xdeadbeef }),
    request: '240000001e000500603e066b0000000001010000060001000200000008000200efbeadde',
    replies: ['2400000002000001603e066b4216000000000000240000001e000500603e066b00000000'],
  },
  {
    cmd: "ip ioam namespace add 3 wide 0x0123456789abcdef",
    portid: 5702,
    build: (h) => ioam6AddNamespaceRequest(h, { id: 3, dataWide: 0x0123456789abcdefn }),
    request: '280000001e000500603e066b000000000101000006000100030000000c000300efcdab8967452301',
    replies: ['2400000002000001603e066b4616000000000000280000001e000500603e066b00000000'],
  },
  {
    cmd: "ip ioam namespace add 4 data 7 wide 8",
    portid: 5706,
    build: (h) => ioam6AddNamespaceRequest(h, { id: 4, data: 7, dataWide: 8n }),
    request: '300000001e000500603e066b0000000001010000060001000400000008000200070000000c0003000800000000000000',
    replies: ['2400000002000001603e066b4a16000000000000300000001e000500603e066b00000000'],
  },
  {
    cmd: "ip ioam namespace add 1",
    portid: 5710,
    build: (h) => ioam6AddNamespaceRequest(h, { id: 1 }),
    request: '1c0000001e000500603e066b00000000010100000600010001000000',
    replies: ['3000000002000000603e066b4e160000efffffff1c0000001e000500603e066b00000000010100000600010001000000'],
  },
  {
    cmd: "ip ioam namespace del 9",
    portid: 5718,
    build: (h) => ioam6DelNamespaceRequest(h, 9),
    request: '1c0000001e000500603e066b00000000020100000600010009000000',
    replies: ['3000000002000000603e066b56160000feffffff1c0000001e000500603e066b00000000020100000600010009000000'],
  },
  {
    cmd: "ip ioam namespace show",
    portid: 5728,
    build: (h) => ioam6DumpNamespacesRequest(h),
    request: '140000001e000103613e066b0000000003010000',
    replies: ['1c0000001e000200613e066b60160000030100000600010001000000300000001e000200613e066b6016000003010000060001000400000008000200070000000c0003000800000000000000280000001e000200613e066b601600000301000006000100030000000c000300efcdab8967452301240000001e000200613e066b6016000003010000060001000200000008000200efbeadde', '1400000003000200613e066b6016000000000000'],
  },
  {
    cmd: "ip ioam schema add 10 A",
    portid: 5732,
    build: (h) => ioam6AddSchemaRequest(h, 10, ascii('A')),
    request: '240000001e000500613e066b0000000004010000080004000a0000000500050041000000',
    replies: ['2400000002000001613e066b6416000000000000240000001e000500613e066b00000000'],
  },
  {
    cmd: "ip ioam schema add 11 ABCD",
    portid: 5739,
    build: (h) => ioam6AddSchemaRequest(h, 11, ascii('ABCD')),
    request: '240000001e000500613e066b0000000004010000080004000b0000000800050041424344',
    replies: ['2400000002000001613e066b6b16000000000000240000001e000500613e066b00000000'],
  },
  {
    cmd: "ip ioam schema add 12 ABCDE",
    portid: 5743,
    build: (h) => ioam6AddSchemaRequest(h, 12, ascii('ABCDE')),
    request: '280000001e000500613e066b0000000004010000080004000c000000090005004142434445000000',
    replies: ['2400000002000001613e066b6f16000000000000280000001e000500613e066b00000000'],
  },
  {
    cmd: "ip ioam schema add 13 <1020 x>",
    portid: 5752,
    build: (h) => ioam6AddSchemaRequest(h, 13, ascii('x'.repeat(1020))),
    request: `1c0400001e000500613e066b0000000004010000080004000d00000000040500${X1020}`,
    replies: ['2400000002000001613e066b78160000000000001c0400001e000500613e066b00000000'],
  },
  // ip ioam schema add 14 <1021 y>: refused by iproute2 before sending ("Schema DATA too big"); the raw session sends it.
  {
    cmd: "ip ioam schema add 10 Z",
    portid: 5782,
    build: (h) => ioam6AddSchemaRequest(h, 10, ascii('Z')),
    request: '240000001e000500613e066b0000000004010000080004000a000000050005005a000000',
    replies: ['3800000002000000613e066b96160000efffffff240000001e000500613e066b0000000004010000080004000a000000050005005a000000'],
  },
  {
    cmd: "ip ioam schema del 99",
    portid: 5787,
    build: (h) => ioam6DelSchemaRequest(h, 99),
    request: '1c0000001e000500613e066b00000000050100000800040063000000',
    replies: ['3000000002000000613e066b9b160000feffffff1c0000001e000500613e066b00000000050100000800040063000000'],
  },
  {
    cmd: "ip ioam namespace set 1 schema 10",
    portid: 5796,
    build: (h) => ioam6NsSetSchemaRequest(h, 1, 10),
    request: '240000001e000500613e066b00000000070100000600010001000000080004000a000000',
    replies: ['2400000002000001613e066ba416000000000000240000001e000500613e066b00000000'],
  },
  {
    cmd: "ip ioam namespace set 2 schema 10",
    portid: 5801,
    build: (h) => ioam6NsSetSchemaRequest(h, 2, 10),
    request: '240000001e000500623e066b00000000070100000600010002000000080004000a000000',
    replies: ['2400000002000001623e066ba916000000000000240000001e000500623e066b00000000'],
  },
  {
    cmd: "ip ioam namespace set 2 schema 11",
    portid: 5805,
    build: (h) => ioam6NsSetSchemaRequest(h, 2, 11),
    request: '240000001e000500623e066b00000000070100000600010002000000080004000b000000',
    replies: ['2400000002000001623e066bad16000000000000240000001e000500623e066b00000000'],
  },
  {
    cmd: "ip ioam namespace set 3 schema 12",
    portid: 5813,
    build: (h) => ioam6NsSetSchemaRequest(h, 3, 12),
    request: '240000001e000500623e066b00000000070100000600010003000000080004000c000000',
    replies: ['2400000002000001623e066bb516000000000000240000001e000500623e066b00000000'],
  },
  {
    cmd: "ip ioam namespace set 9 schema 10",
    portid: 5817,
    build: (h) => ioam6NsSetSchemaRequest(h, 9, 10),
    request: '240000001e000500623e066b00000000070100000600010009000000080004000a000000',
    replies: ['3800000002000000623e066bb9160000feffffff240000001e000500623e066b00000000070100000600010009000000080004000a000000'],
  },
  {
    cmd: "ip ioam namespace set 1 schema 99",
    portid: 5822,
    build: (h) => ioam6NsSetSchemaRequest(h, 1, 99),
    request: '240000001e000500623e066b000000000701000006000100010000000800040063000000',
    replies: ['3800000002000000623e066bbe160000feffffff240000001e000500623e066b000000000701000006000100010000000800040063000000'],
  },
  {
    cmd: "ip ioam namespace set 3 schema none",
    portid: 5826,
    build: (h) => ioam6NsSetSchemaRequest(h, 3, undefined),
    request: '200000001e000500623e066b0000000007010000060001000300000004000600',
    replies: ['2400000002000001623e066bc216000000000000200000001e000500623e066b00000000'],
  },
  {
    cmd: "ip ioam namespace show",
    portid: 5830,
    build: (h) => ioam6DumpNamespacesRequest(h),
    request: '140000001e000103623e066b0000000003010000',
    replies: ['1c0000001e000200623e066bc6160000030100000600010001000000300000001e000200623e066bc616000003010000060001000400000008000200070000000c0003000800000000000000280000001e000200623e066bc61600000301000006000100030000000c000300efcdab89674523012c0000001e000200623e066bc616000003010000060001000200000008000200efbeadde080004000b000000', '1400000003000200623e066bc616000000000000'],
  },
  {
    cmd: "ip ioam schema show",
    portid: 5834,
    build: (h) => ioam6DumpSchemasRequest(h),
    request: '140000001e000103623e066b0000000006010000',
    replies: [`240000001e000200623e066bca16000006010000080004000a00000008000500410000002c0000001e000200623e066bca16000006010000080004000b000000080005004142434406000100020000001c0400001e000200623e066bca16000006010000080004000d00000000040500${X1020}280000001e000200623e066bca16000006010000080004000c0000000c0005004142434445000000`, '1400000003000200623e066bca16000000000000'],
  },
  {
    cmd: "ip ioam schema del 11",
    portid: 5842,
    build: (h) => ioam6DelSchemaRequest(h, 11),
    request: '1c0000001e000500623e066b0000000005010000080004000b000000',
    replies: ['2400000002000001623e066bd2160000000000001c0000001e000500623e066b00000000'],
  },
  {
    cmd: "ip ioam namespace del 4",
    portid: 5847,
    build: (h) => ioam6DelNamespaceRequest(h, 4),
    request: '1c0000001e000500633e066b00000000020100000600010004000000',
    replies: ['2400000002000001633e066bd7160000000000001c0000001e000500633e066b00000000'],
  },
  {
    cmd: "ip ioam namespace show",
    portid: 5851,
    build: (h) => ioam6DumpNamespacesRequest(h),
    request: '140000001e000103633e066b0000000003010000',
    replies: ['240000001e000200633e066bdb16000003010000060001000200000008000200efbeadde280000001e000200633e066bdb1600000301000006000100030000000c000300efcdab89674523011c0000001e000200633e066bdb160000030100000600010001000000', '1400000003000200633e066bdb16000000000000'],
  },
  {
    cmd: "ip ioam schema show",
    portid: 5855,
    build: (h) => ioam6DumpSchemasRequest(h),
    request: '140000001e000103633e066b0000000006010000',
    replies: [`240000001e000200633e066bdf16000006010000080004000a0000000800050041000000280000001e000200633e066bdf16000006010000080004000c0000000c00050041424344450000001c0400001e000200633e066bdf16000006010000080004000d00000000040500${X1020}`, '1400000003000200633e066bdf16000000000000'],
  },
];

/** Raw session (a fresh namespace): one python3 socket, NETLINK_EXT_ACK on, these requests in order. */
const RAW_SESSION: readonly KernelCase[] = [
  {
    cmd: "schema add 14 with 1021 bytes (ERANGE)",
    portid: 6182,
    request: `200400001e000500650000000000000004010000080004000e00000001040500${Y1021}000000`,
    replies: [`78040000020000026500000026180000deffffff200400001e000500650000000000000004010000080004000e00000001040500${Y1021}00000027000100417474726962757465206661696c656420706f6c6963792076616c69646174696f6e0000080002001c0000001400048008000700fc030000080001000a000000`],
  },
  {
    cmd: "schema add 15 with 0 bytes",
    portid: 6182,
    request: '200000001e000500660000000000000004010000080004000f00000004000500',
    replies: ['2400000002000001660000002618000000000000200000001e0005006600000000000000'],
  },
  {
    cmd: "schema add 16 without data (EINVAL)",
    portid: 6182,
    request: '1c0000001e0005006700000000000000040100000800040010000000',
    replies: ['30000000020000006700000026180000eaffffff1c0000001e0005006700000000000000040100000800040010000000'],
  },
  {
    cmd: "namespace add without id (EINVAL)",
    portid: 6182,
    request: '1c0000001e0005006800000000000000010100000800020005000000',
    replies: ['30000000020000006800000026180000eaffffff1c0000001e0005006800000000000000010100000800020005000000'],
  },
  {
    cmd: "namespace add id with 1 byte (ERANGE)",
    portid: 6182,
    request: '1c0000001e0005006900000000000000010100000500010007000000',
    replies: ['84000000020000026900000026180000deffffff1c0000001e000500690000000000000001010000050001000700000027000100417474726962757465206661696c656420706f6c6963792076616c69646174696f6e00000800020014000000240004800c00040000000000000000000c000500ffff0000000000000800010003000000'],
  },
  {
    cmd: "namespace add id with 4 bytes (liberal: accepted)",
    portid: 6182,
    request: '1c0000001e0005006a00000000000000010100000800010008000100',
    replies: ['24000000020000016a00000026180000000000001c0000001e0005006a00000000000000'],
  },
  {
    cmd: "namespace add 9 with unknown attr 99 (liberal: ignored)",
    portid: 6182,
    request: '240000001e0005006b000000000000000101000006000100090000000800630001000000',
    replies: ['24000000020000016b0000002618000000000000240000001e0005006b00000000000000'],
  },
  {
    cmd: "namespace add 10 with reserved=5 (below resv_start_op: ignored)",
    portid: 6182,
    request: '1c0000001e0005006c0000000000000001010500060001000a000000',
    replies: ['24000000020000016c00000026180000000000001c0000001e0005006c00000000000000'],
  },
  {
    cmd: "namespace add 11 data 0xffffffff wide 0xffffffffffffffff (stored as unavailable)",
    portid: 6182,
    request: '300000001e0005006d0000000000000001010000060001000b00000008000200ffffffff0c000300ffffffffffffffff',
    replies: ['24000000020000016d0000002618000000000000300000001e0005006d00000000000000'],
  },
  {
    cmd: "namespace add 12 wide 1 with trailing junk bytes",
    portid: 6182,
    request: '2b0000001e0005006f0000000000000001010000060001000c0000000c0003000100000000000000010203',
    replies: ['50000000020000036f00000026180000000000002b0000001e0005006f000000000000002c0001006279746573206c6566746f7665722061667465722070617273696e67206174747269627574657300'],
  },
  {
    cmd: "schema add 20 AB",
    portid: 6182,
    request: '240000001e00050070000000000000000401000008000400140000000600050041420000',
    replies: ['2400000002000001700000002618000000000000240000001e0005007000000000000000'],
  },
  {
    cmd: "set ns 9 schema 20 and none (none wins)",
    portid: 6182,
    request: '280000001e0005007100000000000000070100000600010009000000080004001400000004000600',
    replies: ['2400000002000001710000002618000000000000280000001e0005007100000000000000'],
  },
  {
    cmd: "set ns 9 without schema (EINVAL)",
    portid: 6182,
    request: '1c0000001e0005007200000000000000070100000600010009000000',
    replies: ['30000000020000007200000026180000eaffffff1c0000001e0005007200000000000000070100000600010009000000'],
  },
  {
    cmd: "set ns 9 schema 20",
    portid: 6182,
    request: '240000001e00050073000000000000000701000006000100090000000800040014000000',
    replies: ['2400000002000001730000002618000000000000240000001e0005007300000000000000'],
  },
  {
    cmd: "set ns 10 schema 20 (relink: 9 loses it)",
    portid: 6182,
    request: '240000001e000500740000000000000007010000060001000a0000000800040014000000',
    replies: ['2400000002000001740000002618000000000000240000001e0005007400000000000000'],
  },
  {
    cmd: "dump namespaces",
    portid: 6182,
    request: '140000001e000103750000000000000003010000',
    replies: ['1c0000001e00020075000000261800000301000006000100080000001c0000001e000200750000002618000003010000060001000b0000001c0000001e0002007500000026180000030100000600010009000000240000001e000200750000002618000003010000060001000a0000000800040014000000280000001e000200750000002618000003010000060001000c0000000c0003000100000000000000', '1400000003000200750000002618000000000000'],
  },
  {
    cmd: "dump schemas",
    portid: 6182,
    request: '140000001e000103760000000000000006010000',
    replies: ['2c0000001e00020076000000261800000601000008000400140000000800050041420000060001000a000000200000001e000200760000002618000006010000080004000f00000004000500', '1400000003000200760000002618000000000000'],
  },
  {
    cmd: "dump namespaces as doit (EOPNOTSUPP)",
    portid: 6182,
    request: '140000001e000500770000000000000003010000',
    replies: ['28000000020000007700000026180000a1ffffff140000001e000500770000000000000003010000'],
  },
  {
    cmd: "add namespace as dump (EOPNOTSUPP)",
    portid: 6182,
    request: '1c0000001e000103780000000000000001010000060001000d000000',
    replies: ['30000000020000007800000026180000a1ffffff1c0000001e000103780000000000000001010000060001000d000000'],
  },
  {
    cmd: "del namespace 10 (linked: schema 20 unlinked)",
    portid: 6182,
    request: '1c0000001e000500790000000000000002010000060001000a000000',
    replies: ['24000000020000017900000026180000000000001c0000001e0005007900000000000000'],
  },
  {
    cmd: "dump schemas after",
    portid: 6182,
    request: '140000001e0001037a0000000000000006010000',
    replies: ['240000001e0002007a000000261800000601000008000400140000000800050041420000200000001e0002007a0000002618000006010000080004000f00000004000500', '14000000030002007a0000002618000000000000'],
  },
  {
    cmd: "unknown cmd 8 (EOPNOTSUPP)",
    portid: 6182,
    request: '140000001e0005007b0000000000000008010000',
    replies: ['28000000020000007b00000026180000a1ffffff140000001e0005007b0000000000000008010000'],
  },
  {
    cmd: "sc data u32 wrong len 2 (ERANGE)",
    portid: 6182,
    request: '1c0000001e0005007c00000000000000050100000600040001000000',
    replies: ['84000000020000027c00000026180000deffffff1c0000001e0005007c0000000000000005010000060004000100000027000100417474726962757465206661696c656420706f6c6963792076616c69646174696f6e00000800020014000000240004800c00040000000000000000000c000500ffffffff000000000800010004000000'],
  },
  {
    cmd: "flag with payload",
    portid: 6182,
    request: '240000001e0005007d000000000000000701000006000100090000000800060001000000',
    replies: ['74000000020000027d00000026180000deffffff240000001e0005007d00000000000000070100000600010009000000080006000100000027000100417474726962757465206661696c656420706f6c6963792076616c69646174696f6e0000080002001c0000000c0004800800010001000000'],
  },
];

/** Unprivileged session (a fresh namespace): uid 65534, no capabilities. */
const UNPRIV_SESSION: readonly KernelCase[] = [
  {
    cmd: "unprivileged namespace add 1 (EPERM)",
    portid: 6358,
    request: '1c0000001e000500c900000000000000010100000600010001000000',
    replies: ['3000000002000000c9000000d6180000ffffffff1c0000001e000500c900000000000000010100000600010001000000'],
  },
  {
    cmd: "unprivileged dump namespaces (EPERM)",
    portid: 6358,
    request: '140000001e000103ca0000000000000003010000',
    replies: ['2800000002000000ca000000d6180000ffffffff140000001e000103ca0000000000000003010000'],
  },
];

// ---------------------------------------------------------------------------------------------
// Harness.
// ---------------------------------------------------------------------------------------------

interface Harness {
  readonly world: World;
  readonly table: NetlinkTable;
  readonly reg: Ioam6Registration;
}

function setup(): Harness {
  const world = new World();
  const table = new NetlinkTable(world);
  const bus = createGenlBus(table);
  const r = ioam6Init(world, bus);
  assert.ok(r.ok);
  return { world, table, reg: r.value };
}

function openSocket(h: Harness, net: Net, cred: Credentials, portid = 0): NetlinkSocket {
  const sk = NetlinkSocket.open(h.table, net, NETLINK_GENERIC, cred);
  assert.ok(sk instanceof NetlinkSocket);
  assert.equal(sk.setsockopt(SOL_NETLINK, NETLINK_EXT_ACK, 1), 0);
  assert.equal(sk.bind(portid), 0);
  return sk;
}

/** Every datagram queued on `sk` (reading lets a dump go on), 32 KiB reads as iproute2 does. */
function drain(sk: NetlinkSocket): Uint8Array[] {
  const out: Uint8Array[] = [];
  for (;;) {
    const d = sk.recvmsg(32768);
    if (typeof d === 'number') {
      assert.equal(d, -EAGAIN);
      return out;
    }
    out.push(d);
  }
}

/** The messages of a datagram, as hex strings. */
function messagesOf(d: Uint8Array): string[] {
  const out: string[] = [];
  for (let o = 0; o + 16 <= d.length; ) {
    const len = u32le(d, o);
    if (len < 16 || o + len > d.length) break;
    out.push(toHex(d.subarray(o, o + len)));
    o += nlmsgAlign(len);
  }
  return out;
}

/** A kernel capture with the kernel's family id replaced by `id` (messages and echoed requests). */
function withFamily(hex: string, id: number): Uint8Array {
  const b = fromHex(hex);
  for (let o = 0; o + 16 <= b.length; ) {
    const len = u32le(b, o);
    if (len < 16 || o + len > b.length) break;
    const type = u16le(b, o + 4);
    if (type === KERNEL_FAMILY) setU16le(b, o + 4, id);
    else if (type === NLMSG_ERROR && len >= 36 && u16le(b, o + 24) === KERNEL_FAMILY) setU16le(b, o + 24, id);
    o += nlmsgAlign(len);
  }
  return b;
}

function replay(h: Harness, net: Net, cred: Credentials, session: readonly KernelCase[]): void {
  const id = h.reg.family.id;
  for (const c of session) {
    const request = withFamily(c.request, id);
    if (c.build !== undefined) {
      const kernelRequest = fromHex(c.request);
      const built = c.build({ familyId: KERNEL_FAMILY, seq: u32le(kernelRequest, 8) });
      assert.equal(toHex(built), toHex(kernelRequest), `${c.cmd}: request bytes`);
    }
    const sk = openSocket(h, net, cred, c.portid);
    assert.equal(sk.sendmsg(request), request.length, c.cmd);
    const got = drain(sk).map((d) => messagesOf(d).sort());
    const want = c.replies.map((r) => messagesOf(withFamily(r, id)).sort());
    assert.deepEqual(got, want, c.cmd);
    sk.close();
  }
}

function state(h: Harness, net: Net): { ns: string[]; sc: string[] } {
  const t = net.generic(h.reg.key);
  return {
    ns: [...t.namespaces()].map((n) => `${n.id}:${n.data}:${n.dataWide}:${n.schema?.id ?? '-'}`),
    sc: [...t.schemas()].map((s) => `${s.id}:${s.len}:${s.ns?.id ?? '-'}`),
  };
}

// ---------------------------------------------------------------------------------------------
// Kernel comparisons.
// ---------------------------------------------------------------------------------------------

test('ip ioam session: requests and replies byte-identical to Linux 6.18', () => {
  const h = setup();
  const net = h.world.initNet;
  replay(h, net, rootCredentials(h.world.initUserNs), IP_SESSION);
  // What the last two dumps showed, in insertion order, and no link left.
  assert.deepEqual(state(h, net), {
    ns: [`1:${0xffffffff}:${0xffffffffffffffffn}:-`, `2:${0xdeadbeef}:${0xffffffffffffffffn}:-`, `3:${0xffffffff}:${0x0123456789abcdefn}:-`],
    sc: ['10:4:-', '12:8:-', '13:1020:-'],
  });
});

test('raw session: policy errors, extended acks, liberal parsing and wrong op kinds as Linux', () => {
  const h = setup();
  const net = h.world.initNet;
  replay(h, net, rootCredentials(h.world.initUserNs), RAW_SESSION);
  const t = net.generic(h.reg.key);
  // The 4-byte id 0x00010008 was read as u16 8; 0xffffffff data is stored as "unavailable".
  assert.deepEqual([...t.namespaces()].map((n) => n.id), [8, 9, 11, 12]);
  assert.equal(t.namespace(11)?.data, 0xffffffff);
  assert.equal(t.namespace(9)?.schema, undefined);
  assert.equal(t.schema(20)?.ns, undefined);
  assert.equal(t.schema(15)?.len, 0);
  assert.equal(t.schema(14), undefined);
});

test('unprivileged session: EPERM for doit and dump, nothing changes', () => {
  const h = setup();
  const net = h.world.initNet;
  const before = state(h, net);
  replay(h, net, unprivilegedCredentials(h.world.initUserNs, 65534), UNPRIV_SESSION);
  assert.deepEqual(state(h, net), before);
});

test('nlctrl describes IOAM6 as Linux does (ops flags, maxattr, version, events group)', () => {
  const h = setup();
  // CTRL_CMD_GETFAMILY "IOAM6" as iproute2 sends it, and the kernel's answer (family 0x1e,
  // ioam6_events group 10, port 5694).
  const request = fromHex('20000000100001005f3e066b00000000030000000a000200494f414d36000000');
  const reply =
    'f4000000100000005f3e066b3e160000010200000a000200494f414d36000000060001001e000000080003000100000008000400000000000800050000000000' +
    '90000600140001000800010001000000080002000b000000140002000800010002000000080002000b0000001400030008000100030000000800020005000000' +
    '140004000800010004000000080002000b000000140005000800010005000000080002000b0000001400060008000100060000000800020005000000' +
    '140007000800010007000000080002000b0000002400070020000100080002000a00000011000100696f616d365f6576656e747300000000';
  const fam = h.reg.family;
  const le16 = (v: number): string => toHex(Uint8Array.of(v & 0xff, v >> 8));
  const want = reply
    .replace('060001001e000000', `06000100${le16(fam.id)}0000`)
    .replace('080002000a000000', `08000200${le16(fam.mcgrpOffset)}0000`);
  const sk = openSocket(h, h.world.initNet, rootCredentials(h.world.initUserNs), 5694);
  sk.sendmsg(request);
  assert.deepEqual(drain(sk).map(toHex), [want]);
});

// ---------------------------------------------------------------------------------------------
// The family definition.
// ---------------------------------------------------------------------------------------------

test('family: name, version, netnsok, resv_start_op, ops with Linux flags, policies and maxattr', () => {
  const h = setup();
  const f = createIoam6GenlFamily(h.reg.key);
  assert.equal(f.name, IOAM6_GENL_NAME);
  assert.equal(f.version, IOAM6_GENL_VERSION);
  assert.equal(f.netnsok, true);
  assert.equal(f.parallelOps, true);
  assert.equal(f.hdrsize, 0);
  assert.equal(f.maxattr, 0);
  assert.equal(f.policy, undefined);
  assert.equal(f.resvStartOp, 8);
  assert.deepEqual(f.mcgrps, [{ name: IOAM6_GENL_EV_GRP_NAME, flags: GENL_MCAST_CAP_NET_ADMIN }]);
  const byCmd = new Map(f.ops.map((o) => [o.cmd, o] as const));
  assert.deepEqual([...byCmd.keys()], [1, 2, 3, 4, 5, 6, 7]);
  for (const op of f.ops) {
    assert.equal(op.flags, GENL_ADMIN_PERM);
    assert.equal(op.validate, GENL_DONT_VALIDATE_STRICT | GENL_DONT_VALIDATE_DUMP);
  }
  const shape = (op: GenlOps | undefined): unknown => ({
    maxattr: op?.maxattr,
    types: op?.policy?.entries.map((e) => e.type),
    lens: op?.policy?.entries.map((e) => e.len),
    doit: op?.doit !== undefined,
    dump: op?.start !== undefined && op.dumpit !== undefined && op.done !== undefined,
  });
  assert.deepEqual(shape(byCmd.get(1)), { maxattr: 3, types: [0, NLA_U16, NLA_U32, NLA_U64], lens: [0, 0, 0, 0], doit: true, dump: false });
  assert.deepEqual(shape(byCmd.get(2)), { maxattr: 1, types: [0, NLA_U16], lens: [0, 0], doit: true, dump: false });
  assert.deepEqual(shape(byCmd.get(3)), { maxattr: undefined, types: undefined, lens: undefined, doit: false, dump: true });
  assert.deepEqual(shape(byCmd.get(4)), {
    maxattr: IOAM6_ATTR_SC_DATA,
    types: [0, 0, 0, 0, NLA_U32, NLA_BINARY],
    lens: [0, 0, 0, 0, 0, IOAM6_MAX_SCHEMA_DATA_LEN],
    doit: true,
    dump: false,
  });
  assert.deepEqual(shape(byCmd.get(5)), { maxattr: IOAM6_ATTR_SC_ID, types: [0, 0, 0, 0, NLA_U32], lens: [0, 0, 0, 0, 0], doit: true, dump: false });
  assert.deepEqual(shape(byCmd.get(6)), { maxattr: undefined, types: undefined, lens: undefined, doit: false, dump: true });
  assert.deepEqual(shape(byCmd.get(7)), {
    maxattr: IOAM6_ATTR_SC_NONE,
    types: [0, NLA_U16, 0, 0, NLA_U32, 0, NLA_FLAG],
    lens: [0, 0, 0, 0, 0, 0, 0],
    doit: true,
    dump: false,
  });
  assert.equal(IOAM6_ATTR_NS_DATA_WIDE, 3);
});

test('ioam6Exit unregisters the family and the tables; ioam6Init fails cleanly when the name is taken', () => {
  const h = setup();
  const bus = h.reg.family.bus;
  assert.equal(bus.findByName(IOAM6_GENL_NAME), h.reg.family);
  // A second init in the same World: the pernet ops are already registered there.
  assert.throws(() => ioam6Init(h.world, bus));
  ioam6Exit(h.world, h.reg);
  assert.equal(bus.findByName(IOAM6_GENL_NAME), undefined);
  assert.equal(h.world.initNet.gen.has(h.reg.key), false);
  // Another World whose bus already has an "IOAM6": registration fails, the tables are gone again.
  const world = new World();
  const table = new NetlinkTable(world);
  const other = createGenlBus(table);
  const taken = other.registerFamily({ name: IOAM6_GENL_NAME, version: 1, hdrsize: 0, maxattr: 0, netnsok: true, ops: [{ cmd: 1, doit: () => 0 }] });
  assert.ok(typeof taken !== 'number');
  const r = ioam6Init(world, other);
  assert.deepEqual(r, { ok: false, error: -17 });
  assert.deepEqual(world.pernet.names(), []);
});

test('joining ioam6_events needs CAP_NET_ADMIN over the namespace', () => {
  const h = setup();
  // Group ids are what CTRL_ATTR_MCAST_GRP_ID reports: mcgrp_offset + index.
  const group = h.reg.family.mcgrpOffset;
  const user = openSocket(h, h.world.initNet, unprivilegedCredentials(h.world.initUserNs, 1000));
  assert.equal(user.setsockopt(SOL_NETLINK, NETLINK_ADD_MEMBERSHIP, group), -EPERM);
  const root = openSocket(h, h.world.initNet, rootCredentials(h.world.initUserNs, 2));
  assert.equal(root.setsockopt(SOL_NETLINK, NETLINK_ADD_MEMBERSHIP, group), 0);
});

// ---------------------------------------------------------------------------------------------
// Behaviour through the bus.
// ---------------------------------------------------------------------------------------------

/** One doit request; returns the errno of its ack. */
function doit(sk: NetlinkSocket, request: Uint8Array): number {
  assert.equal(sk.sendmsg(request), request.length);
  const [d, ...rest] = drain(sk);
  assert.ok(d !== undefined);
  assert.equal(rest.length, 0);
  assert.equal(u16le(d, 4), NLMSG_ERROR);
  return u32le(d, 16) | 0;
}

test('two namespaces are isolated; a new namespace starts empty; destroying one drops its tables', () => {
  const h = setup();
  const a = h.world.initNet;
  const cr = h.world.createNet('b');
  assert.ok(cr.ok);
  const b = cr.value;
  const fam = h.reg.family.id;
  const cred = rootCredentials(h.world.initUserNs);
  const ska = openSocket(h, a, cred);
  const skb = openSocket(h, b, cred);
  assert.equal(doit(ska, ioam6AddNamespaceRequest({ familyId: fam, seq: 1 }, { id: 7, data: 1 })), 0);
  assert.equal(doit(skb, ioam6AddNamespaceRequest({ familyId: fam, seq: 1 }, { id: 7, data: 2 })), 0);
  assert.equal(doit(skb, ioam6AddSchemaRequest({ familyId: fam, seq: 2 }, 1, ascii('b'))), 0);
  assert.equal(doit(ska, ioam6NsSetSchemaRequest({ familyId: fam, seq: 3 }, 7, 1)), -2);
  assert.equal(a.generic(h.reg.key).namespace(7)?.data, 1);
  assert.equal(b.generic(h.reg.key).namespace(7)?.data, 2);
  assert.equal(a.generic(h.reg.key).schemaCount, 0);
  const t = b.generic(h.reg.key);
  h.world.destroyNet(b);
  assert.equal(t.namespaceCount, 0);
  assert.equal(t.schemaCount, 0);
  assert.equal(a.generic(h.reg.key).namespaceCount, 1);
});

test('a user namespace root is refused: GENL_ADMIN_PERM wants CAP_NET_ADMIN in the initial user namespace', async () => {
  const { UserNamespace } = await import('../net/credentials.ts');
  const h = setup();
  const userNs = new UserNamespace(h.world.initUserNs, 1000);
  const cr = h.world.createNet('container', { userNs });
  assert.ok(cr.ok);
  const sk = openSocket(h, cr.value, rootCredentials(userNs));
  assert.equal(doit(sk, ioam6AddNamespaceRequest({ familyId: h.reg.family.id, seq: 1 }, { id: 1 })), -EPERM);
  assert.equal(cr.value.generic(h.reg.key).namespaceCount, 0);
});

/** Sends `requests` (each without NLM_F_ACK) in sendmsg-sized chunks; no error may come back. */
function sendAll(sk: NetlinkSocket, fill: (b: NlMsgBuilder, i: number) => void, count: number): void {
  const b = new NlMsgBuilder({ initialCapacity: 1 << 17 });
  for (let i = 0; i < count; i++) {
    fill(b, i);
    if (b.length > 150_000 || i === count - 1) {
      const bytes = b.toBytes();
      assert.equal(sk.sendmsg(bytes), bytes.length);
      b.reset();
    }
  }
  assert.deepEqual(drain(sk), []);
}

/** Runs a dump to its end; returns the decoded entries and the number of datagrams. */
function dumpAll(sk: NetlinkSocket, familyId: number, request: Uint8Array, between?: (batch: number) => void) {
  assert.equal(sk.sendmsg(request), request.length);
  const entries: Array<Ioam6NamespaceRepr | Ioam6SchemaRepr> = [];
  let datagrams = 0;
  let done: number | undefined;
  while (done === undefined) {
    between?.(datagrams);
    const d = sk.recvmsg(32768);
    assert.ok(typeof d !== 'number', `recvmsg: ${String(d)}`);
    datagrams++;
    const r = parseIoam6Messages(d, familyId);
    assert.ok(r.ok);
    for (const m of r.value) {
      if (m.kind === 'namespace' || m.kind === 'schema') {
        assert.equal(m.header.flags, NLM_F_MULTI);
        assert.equal(m.header.pid, sk.portid);
        entries.push(m.value);
      } else if (m.kind === 'done') done = m.value.error;
      else assert.fail(`unexpected ${m.kind}`);
    }
  }
  assert.equal(done, 0);
  return { entries, datagrams };
}

test('a dump of 65,535 namespaces returns every entry exactly once over many batches', () => {
  const h = setup();
  const fam = h.reg.family.id;
  const sk = openSocket(h, h.world.initNet, rootCredentials(h.world.initUserNs));
  const quiet = { familyId: fam, seq: 0, flags: NLM_F_REQUEST };
  // Mixed message sizes (28, 36 and 48 bytes) so batches end with every kind of leftover room,
  // including less than a message header (where Linux would end the dump with -ENOMEM).
  sendAll(sk, (b, i) => {
    const id = i + 1;
    putIoam6AddNamespace(b, quiet, id % 3 === 0 ? { id } : id % 3 === 1 ? { id, data: id } : { id, data: id, dataWide: BigInt(id) << 32n });
  }, 65535);
  assert.equal(h.world.initNet.generic(h.reg.key).namespaceCount, 65535);
  const { entries, datagrams } = dumpAll(sk, fam, ioam6DumpNamespacesRequest({ familyId: fam, seq: 9 }));
  assert.ok(datagrams > 50, `${datagrams} datagrams`);
  assert.equal(entries.length, 65535);
  const seen = new Uint8Array(65536);
  for (const e of entries) seen[e.id] = (seen[e.id] ?? 0) + 1;
  assert.equal(seen[0], 0);
  for (let id = 1; id <= 65535; id++) assert.equal(seen[id], 1, `namespace ${id}`);
  const e = entries.find((x) => x.id === 2);
  assert.deepEqual(e, { id: 2, data: 2, dataWide: 2n << 32n });
});

test('a dump survives deletions and additions between batches (live cursor)', () => {
  const h = setup();
  const fam = h.reg.family.id;
  const sk = openSocket(h, h.world.initNet, rootCredentials(h.world.initUserNs));
  const quiet = { familyId: fam, seq: 0, flags: NLM_F_REQUEST };
  sendAll(sk, (b, i) => putIoam6AddNamespace(b, quiet, { id: i }), 5000);
  const other = openSocket(h, h.world.initNet, rootCredentials(h.world.initUserNs, 77));
  const { entries } = dumpAll(sk, fam, ioam6DumpNamespacesRequest({ familyId: fam, seq: 9 }), (batch) => {
    if (batch !== 1) return;
    // After the first batch: remove the last 1000, add 100 new ones.
    sendAll(other, (b, i) => putIoam6DelNamespace(b, quiet, 4000 + i), 1000);
    sendAll(other, (b, i) => putIoam6AddNamespace(b, quiet, { id: 10000 + i }), 100);
  });
  const ids = entries.map((x) => x.id);
  assert.equal(new Set(ids).size, ids.length);
  const want = [...Array.from({ length: 4000 }, (_, i) => i), ...Array.from({ length: 100 }, (_, i) => 10000 + i)];
  assert.deepEqual(ids, want);
});

test('schema dump: padded data, linked namespace, many batches of 1020-byte schemas', () => {
  const h = setup();
  const fam = h.reg.family.id;
  const sk = openSocket(h, h.world.initNet, rootCredentials(h.world.initUserNs));
  const quiet = { familyId: fam, seq: 0, flags: NLM_F_REQUEST };
  sendAll(sk, (b, i) => putIoam6AddSchema(b, quiet, i, new Uint8Array(i % 2 === 0 ? 1020 : 5).fill(i & 0xff)), 200);
  assert.equal(doit(sk, ioam6AddNamespaceRequest({ familyId: fam, seq: 1 }, { id: 3 })), 0);
  assert.equal(doit(sk, ioam6NsSetSchemaRequest({ familyId: fam, seq: 2 }, 3, 7)), 0);
  const { entries, datagrams } = dumpAll(sk, fam, ioam6DumpSchemasRequest({ familyId: fam, seq: 9 }));
  assert.ok(datagrams >= 5, `${datagrams} datagrams`);
  assert.deepEqual(entries.map((e) => e.id), Array.from({ length: 200 }, (_, i) => i));
  assert.deepEqual(entries[7], { id: 7, data: Uint8Array.of(7, 7, 7, 7, 7, 0, 0, 0), nsId: 3 });
  assert.deepEqual(entries[8], { id: 8, data: new Uint8Array(1020).fill(8) });
});

test('requests built by the client round-trip through the handlers', () => {
  const h = setup();
  const fam = h.reg.family.id;
  const sk = openSocket(h, h.world.initNet, rootCredentials(h.world.initUserNs));
  const H = (seq: number): Ioam6RequestHeader => ({ familyId: fam, seq });
  assert.equal(doit(sk, ioam6AddNamespaceRequest(H(1), { id: 0xffff, data: 0, dataWide: 0n })), 0);
  assert.equal(doit(sk, ioam6AddSchemaRequest(H(2), 0xffffffff, new Uint8Array(0))), 0);
  assert.equal(doit(sk, ioam6NsSetSchemaRequest(H(3), 0xffff, 0xffffffff)), 0);
  const t = h.world.initNet.generic(h.reg.key);
  assert.equal(t.namespace(0xffff)?.schema?.hdr, 0xffffffff);
  assert.equal(doit(sk, ioam6DelSchemaRequest(H(4), 0xffffffff)), 0);
  assert.equal(t.namespace(0xffff)?.schema, undefined);
  assert.equal(doit(sk, ioam6DelNamespaceRequest(H(5), 0xffff)), 0);
  assert.equal(doit(sk, ioam6DelNamespaceRequest(H(6), 0xffff)), -2);
  // Zero data is data (only all-ones means unavailable): the dump shows it.
  assert.equal(doit(sk, ioam6AddNamespaceRequest(H(7), { id: 1, data: 0, dataWide: 0n })), 0);
  const { entries } = dumpAll(sk, fam, ioam6DumpNamespacesRequest(H(8)));
  assert.deepEqual(entries, [{ id: 1, data: 0, dataWide: 0n }]);
});

test('random requests never break the handlers: every reply is one ack with a known errno', () => {
  const h = setup();
  const fam = h.reg.family.id;
  const sk = openSocket(h, h.world.initNet, rootCredentials(h.world.initUserNs));
  const attr = fc.record({ type: fc.integer({ min: 0, max: 9 }), data: fc.uint8Array({ maxLength: 12 }) });
  fc.assert(
    fc.property(fc.integer({ min: 1, max: 7 }).filter((c) => c !== 3 && c !== 6), fc.array(attr, { maxLength: 5 }), (cmd, attrs) => {
      const b = new NlMsgBuilder();
      b.beginMessage(fam, NLM_F_REQUEST | 4, 1, 0);
      b.putGenlHeader(cmd, 1);
      for (const a of attrs) b.put(a.type, a.data);
      b.finish();
      const err = doit(sk, b.toBytes());
      assert.ok([0, -17, -2, -22, -34].includes(err), `errno ${err}`);
      // The link invariant holds whatever happened.
      const t = h.world.initNet.generic(h.reg.key);
      for (const ns of t.namespaces()) if (ns.schema !== undefined) assert.equal(ns.schema.ns, ns);
      for (const sc of t.schemas()) if (sc.ns !== undefined) assert.equal(sc.ns.schema, sc);
    }),
    { numRuns: 500, seed: 6 },
  );
});

// ---------------------------------------------------------------------------------------------
// The dump cursor, batch by batch, with hand-made callbacks.
// ---------------------------------------------------------------------------------------------

function callback(h: Harness, net: Net, op: GenlOps): NetlinkCallback {
  return {
    args: [0, 0, 0, 0, 0, 0],
    msg: new Uint8Array(20),
    nlh: 0,
    net,
    cred: rootCredentials(h.world.initUserNs),
    extack: {},
    seq: 42,
    portid: 99,
    strictCheck: false,
    dumpSeq: 0,
    prevSeq: 0,
    answerFlags: 0,
    genl: { family: h.reg.family, op, attrs: undefined },
  };
}

function runDump(h: Harness, cmd: number, skbSize: number): { batches: string[][]; last: number } {
  const op = h.reg.family.family.ops.find((o) => o.cmd === cmd);
  assert.ok(op?.start !== undefined && op.dumpit !== undefined && op.done !== undefined);
  const cb = callback(h, h.world.initNet, op);
  assert.equal(op.start(cb), 0);
  const batches: string[][] = [];
  let last = 0;
  for (let i = 0; i < 1000; i++) {
    const skb = new NetlinkSkb(skbSize);
    last = op.dumpit(skb, cb);
    if (last <= 0) break;
    assert.equal(last, skb.len);
    assert.ok(skb.len <= skbSize);
    batches.push(messagesOf(skb.b.toBytes()));
  }
  assert.equal(op.done(cb), 0);
  assert.equal(cb.data, undefined);
  return { batches, last };
}

test('dumpit: an entry that does not fit opens the next batch (attributes or header short)', () => {
  const h = setup();
  const t = h.world.initNet.generic(h.reg.key);
  for (let id = 1; id <= 5; id++) t.addNamespace(id);
  const fam = h.reg.family.id;
  // 28 bytes each: 60 leaves 4 bytes after two (no room for a header), 50 leaves 22 after one
  // (a header fits, its attribute does not).
  const msg = (id: number): string =>
    toHex(Uint8Array.of(28, 0, 0, 0, fam & 0xff, fam >> 8, NLM_F_MULTI, 0, 42, 0, 0, 0, 99, 0, 0, 0, IOAM6_CMD_DUMP_NAMESPACES, 1, 0, 0, 6, 0, IOAM6_ATTR_NS_ID, 0, id, 0, 0, 0));
  const two = runDump(h, IOAM6_CMD_DUMP_NAMESPACES, 60);
  assert.deepEqual(two, { batches: [[msg(1), msg(2)], [msg(3), msg(4)], [msg(5)]], last: 0 });
  const one = runDump(h, IOAM6_CMD_DUMP_NAMESPACES, 50);
  assert.deepEqual(one.batches, [[msg(1)], [msg(2)], [msg(3)], [msg(4)], [msg(5)]]);
  // An entry larger than an empty batch can never be dumped.
  assert.deepEqual(runDump(h, IOAM6_CMD_DUMP_NAMESPACES, 24), { batches: [], last: -EMSGSIZE });
});

test('dumpit: the pending entry is dropped when deleted between batches', () => {
  const h = setup();
  const t = h.world.initNet.generic(h.reg.key);
  for (let id = 1; id <= 4; id++) t.addSchema(id, Uint8Array.of(id));
  t.addNamespace(9);
  t.setSchema(9, 3);
  const op = h.reg.family.family.ops.find((o) => o.cmd === IOAM6_CMD_DUMP_SCHEMAS);
  assert.ok(op?.start !== undefined && op.dumpit !== undefined);
  const cb = callback(h, h.world.initNet, op);
  op.start(cb);
  const ids: number[] = [];
  const batch = (): number => {
    const skb = new NetlinkSkb(70);
    const r = op.dumpit?.(skb, cb) ?? -1;
    const parsed = parseIoam6Messages(skb.b.toBytes(), h.reg.family.id);
    assert.ok(parsed.ok);
    for (const m of parsed.value) if (m.kind === 'schema') ids.push(m.value.id);
    return r;
  };
  assert.ok(batch() > 0); // schemas 1 and 2 (32 bytes each); 3 is pending
  t.delSchema(3);
  t.addSchema(3, Uint8Array.of(3)); // a new schema 3: appended, reached later
  while (batch() > 0);
  assert.deepEqual(ids, [1, 2, 4, 3]);
});

test('dumpit without its start (no cursor) fails with -EINVAL', () => {
  const h = setup();
  const op = h.reg.family.family.ops.find((o) => o.cmd === IOAM6_CMD_DUMP_NAMESPACES);
  assert.ok(op?.dumpit !== undefined);
  assert.equal(op.dumpit(new NetlinkSkb(4096), callback(h, h.world.initNet, op)), -EINVAL);
});

test('a dump of an empty table is NLMSG_DONE alone', () => {
  const h = setup();
  const sk = openSocket(h, h.world.initNet, rootCredentials(h.world.initUserNs, 3));
  const req = ioam6DumpSchemasRequest({ familyId: h.reg.family.id, seq: 5 });
  sk.sendmsg(req);
  const got = drain(sk);
  assert.equal(got.length, 1);
  assert.deepEqual(messagesOf(got[0] as Uint8Array), ['14000000030002000500000003000000' + '00000000']);
  assert.equal(NLMSG_DONE, 3);
  assert.equal(IOAM6_ATTR_SC_ID, 4);
});
