/**
 * IOAM events (net/ipv6/ioam6.c ioam6_event and ioam6_event_put_trace, Linux 6.9 and later):
 * every time a node processes an IOAM Pre-allocated Trace in the Hop-by-Hop header
 * (ipv6_hop_ioam, after ioam6_fill_trace_data), the trace goes to the "ioam6_events" group of
 * the IOAM6 family in the namespace of the ingress device, as one IOAM6_EVENT_TRACE message:
 *
 *   nlmsghdr   len, type = the family id, flags 0, seq 0, pid 0    (genlmsg_put(skb, 0, 0, ...))
 *   genlmsghdr cmd = IOAM6_EVENT_TRACE (1), version = IOAM6_GENL_VERSION (1), reserved 0
 *   IOAM6_EVENT_ATTR_TRACE_NAMESPACE  u16  Namespace-ID (host order)
 *   IOAM6_EVENT_ATTR_TRACE_NODELEN    u8   NodeLen (the 5-bit field, padded to 8 octets)
 *   IOAM6_EVENT_ATTR_TRACE_TYPE       u32  IOAM-Trace-Type << 8 | Reserved (host order)
 *   IOAM6_EVENT_ATTR_TRACE_DATA       the filled node data: from data + RemainingLen*4 to the
 *                                     end of the trace (the free space is left out)
 *
 * Nothing is built when nobody in that namespace listens (genl_has_listeners). The message is
 * dropped, as Linux drops it, when it does not fit NLMSG_DEFAULT_SIZE; a trace whose
 * RemainingLen points past its end makes Linux compute a negative length (the receive path
 * refuses such traces before, see ../wire/ioam-trace.ts): here it sends nothing.
 */

import type { Net } from '../net/net.ts';
import { genlHasListeners, genlmsgEnd, genlmsgMulticastNetns, genlmsgNew, genlmsgPut, type GenlRegisteredFamily } from '../netlink/genetlink.ts';
import type { NetlinkSkb } from '../netlink/socket.ts';
import {
  IOAM6_TRACE_HDR_LEN,
  IOAM6_TRACE_HDR_NAMESPACE_ID,
  IOAM6_TRACE_HDR_NODELEN,
  IOAM6_TRACE_HDR_REMLEN,
  IOAM6_TRACE_HDR_TYPE,
  IOAM6_TRACE_NODELEN_MASK,
  IOAM6_TRACE_NODELEN_SHIFT,
  IOAM6_TRACE_REMLEN_MASK,
} from '../uapi/ioam6.ts';
import {
  IOAM6_EVENT_ATTR_TRACE_DATA,
  IOAM6_EVENT_ATTR_TRACE_NAMESPACE,
  IOAM6_EVENT_ATTR_TRACE_NODELEN,
  IOAM6_EVENT_ATTR_TRACE_TYPE,
  IOAM6_EVENT_TRACE,
} from '../uapi/ioam6_genl.ts';
import { u16, u32 } from '../wire/bytes.ts';
import { IOAM6_GENL_EV_GRP_OFFSET } from './ioam6-genl.ts';

/**
 * ioam6_event_put_trace: the four attributes of a trace event into the open message. `trace`
 * is the ioam6_trace_hdr and its data (Opt Data Len - 2 octets, as ipv6_hop_ioam passes it).
 * False when the trace is shorter than its header or its free space, or the message is full.
 */
export function ioam6EventPutTrace(skb: NetlinkSkb, trace: Uint8Array): boolean {
  if (trace.length < IOAM6_TRACE_HDR_LEN) return false;
  const remlen = ((trace[IOAM6_TRACE_HDR_REMLEN] ?? 0) & IOAM6_TRACE_REMLEN_MASK) * 4;
  const dataLen = trace.length - IOAM6_TRACE_HDR_LEN - remlen;
  if (dataLen < 0) return false;
  const b = skb.b;
  b.putU16(IOAM6_EVENT_ATTR_TRACE_NAMESPACE, u16(trace, IOAM6_TRACE_HDR_NAMESPACE_ID));
  b.putU8(IOAM6_EVENT_ATTR_TRACE_NODELEN, ((trace[IOAM6_TRACE_HDR_NODELEN] ?? 0) & IOAM6_TRACE_NODELEN_MASK) >>> IOAM6_TRACE_NODELEN_SHIFT);
  b.putU32(IOAM6_EVENT_ATTR_TRACE_TYPE, ioam6TraceEventType(trace));
  b.put(IOAM6_EVENT_ATTR_TRACE_DATA, trace.subarray(IOAM6_TRACE_HDR_LEN + remlen));
  return skb.len <= skb.maxLen;
}

/**
 * The IOAM6_EVENT_ATTR_TRACE_TYPE value: be32_to_cpu(trace->type_be32). The kernel's
 * `type_be32` is the whole 32-bit word after RemainingLen, so the value is the 24-bit
 * IOAM-Trace-Type shifted left by 8 with the Reserved octet below it (type 0xfff002 is sent as
 * 0xfff00200; test/interop/ioam-events.test.ts shows the kernel doing so).
 */
export function ioam6TraceEventType(trace: Uint8Array): number {
  return u32(trace, IOAM6_TRACE_HDR_TYPE);
}

/**
 * ioam6_event(IOAM6_EVENT_TRACE, ...) without the listener check: the whole notification as
 * Linux builds it, or undefined when Linux would drop it (see the module comment).
 */
export function ioam6TraceEventMessage(fam: GenlRegisteredFamily, trace: Uint8Array): NetlinkSkb | undefined {
  const skb = genlmsgNew();
  if (genlmsgPut(skb, 0, 0, fam, 0, IOAM6_EVENT_TRACE) < 0) return undefined;
  if (!ioam6EventPutTrace(skb, trace)) return undefined;
  return genlmsgEnd(skb) ? skb : undefined;
}

/**
 * ioam6_event(IOAM6_EVENT_TRACE, net, ..., trace, trace.length): sends the trace to the
 * "ioam6_events" listeners of `net` only. 0 when delivered, -ESRCH when nobody got it, 1 when
 * nothing was built (nobody listens, or Linux would drop the message).
 */
export function ioam6SendTraceEvent(fam: GenlRegisteredFamily, net: Net, trace: Uint8Array): number {
  if (!genlHasListeners(fam, net, IOAM6_GENL_EV_GRP_OFFSET)) return 1;
  const skb = ioam6TraceEventMessage(fam, trace);
  if (skb === undefined) return 1;
  return genlmsgMulticastNetns(fam, net, skb, 0, IOAM6_GENL_EV_GRP_OFFSET);
}

/** The shape of the transit handler's per-namespace hook (`onTrace` in ./ioam6-hbh.ts). */
export type Ioam6TraceHook = (net: Net, trace: Uint8Array) => void;

/**
 * The hook for the transit handler: each trace it filled becomes an event of `fam` (the IOAM6
 * family of the Kernel, `kernel.ioam6.family`) in the namespace it was filled in.
 */
export function ioam6TraceEventSender(fam: GenlRegisteredFamily): Ioam6TraceHook {
  return (net, trace) => {
    ioam6SendTraceEvent(fam, net, trace);
  };
}

/**
 * The gate for the transit handler (`traceWanted` in ./ioam6-hbh.ts): whether anyone in `net`
 * listens to "ioam6_events", so a node without listeners builds nothing per packet.
 */
export function ioam6TraceEventWanted(fam: GenlRegisteredFamily): (net: Net) => boolean {
  return (net) => genlHasListeners(fam, net, IOAM6_GENL_EV_GRP_OFFSET);
}
