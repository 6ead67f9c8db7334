/**
 * The client side of the "IOAM6" generic netlink family: the requests iproute2's ip/ipioam.c
 * sends, byte for byte, and decoders for what comes back.
 *
 *   ip ioam namespace add ID [ data DATA32 ] [ wide DATA64 ]   IOAM6_CMD_ADD_NAMESPACE
 *   ip ioam namespace del ID                                    IOAM6_CMD_DEL_NAMESPACE
 *   ip ioam namespace show                                      IOAM6_CMD_DUMP_NAMESPACES
 *   ip ioam schema add ID DATA                                  IOAM6_CMD_ADD_SCHEMA
 *   ip ioam schema del ID                                       IOAM6_CMD_DEL_SCHEMA
 *   ip ioam schema show                                         IOAM6_CMD_DUMP_SCHEMAS
 *   ip ioam namespace set ID schema { ID | none }               IOAM6_CMD_NS_SET_SCHEMA
 *
 * iproute2 sends doit requests with NLM_F_REQUEST | NLM_F_ACK and dumps with NLM_F_REQUEST |
 * NLM_F_DUMP, genlmsghdr version IOAM6_GENL_VERSION, nlmsg_pid 0 (the kernel knows the sender),
 * attributes in the order below, and the 64-bit wide data without a pad attribute. Parsing the
 * command line (and refusing schema data over IOAM6_MAX_SCHEMA_DATA_LEN, "Schema DATA too big")
 * is src/iproute's job: these builders encode whatever they are given, so tests can also send
 * what iproute2 would refuse.
 *
 * Decoders never throw: a datagram becomes a list of typed messages (namespace and schema
 * entries, acks and errors with their extended ack, NLMSG_DONE), or a WireError naming the
 * offset (from the start of the datagram) and the field.
 */

import { ok, wireError, type Result, type WireError } from '../wire/result.ts';
import { u16le, u32le } from '../wire/bytes.ts';
import {
  IOAM6_ATTR_NS_DATA,
  IOAM6_ATTR_NS_DATA_WIDE,
  IOAM6_ATTR_NS_ID,
  IOAM6_ATTR_SC_DATA,
  IOAM6_ATTR_SC_ID,
  IOAM6_ATTR_SC_NONE,
  IOAM6_CMD_ADD_NAMESPACE,
  IOAM6_CMD_ADD_SCHEMA,
  IOAM6_CMD_DEL_NAMESPACE,
  IOAM6_CMD_DEL_SCHEMA,
  IOAM6_CMD_DUMP_NAMESPACES,
  IOAM6_CMD_DUMP_SCHEMAS,
  IOAM6_CMD_NS_SET_SCHEMA,
  IOAM6_GENL_VERSION,
} from '../uapi/ioam6_genl.ts';
import { GENL_HDRLEN } from '../uapi/genetlink.ts';
import { NLM_F_ACK, NLM_F_DUMP, NLM_F_REQUEST, NLMSG_DONE, NLMSG_ERROR } from '../uapi/netlink.ts';
import { parseNlmsgDone, parseNlmsgerr, type NlmsgDoneRepr, type NlmsgerrRepr } from './errors.ts';
import { NlAttrCursor, NlMsgBuilder, NlMsgCursor, type NlMsgHdrRepr } from './message.ts';

/** Flags iproute2 puts on IOAM6 requests. */
export const IOAM6_DOIT_FLAGS = NLM_F_REQUEST | NLM_F_ACK;
export const IOAM6_DUMP_FLAGS = NLM_F_REQUEST | NLM_F_DUMP;

/** Addressing of one request. */
export interface Ioam6RequestHeader {
  /** The id the controller gave "IOAM6" (nlmsg_type). */
  readonly familyId: number;
  readonly seq: number;
  /** nlmsg_pid; iproute2 sends 0. */
  readonly portid?: number;
  /** Replaces the default flags (IOAM6_DOIT_FLAGS or IOAM6_DUMP_FLAGS). */
  readonly flags?: number;
}

export interface Ioam6AddNamespaceRequest {
  readonly id: number;
  /** `data DATA32`; left out when undefined. */
  readonly data?: number;
  /** `wide DATA64`; left out when undefined. */
  readonly dataWide?: bigint;
}

function begin(b: NlMsgBuilder, h: Ioam6RequestHeader, cmd: number, defaultFlags: number): number {
  const at = b.beginMessage(h.familyId, h.flags ?? defaultFlags, h.seq, h.portid ?? 0);
  b.putGenlHeader(cmd, IOAM6_GENL_VERSION);
  return at;
}

// Each put* appends one request to `b` and returns the offset of its nlmsghdr.

export function putIoam6AddNamespace(b: NlMsgBuilder, h: Ioam6RequestHeader, req: Ioam6AddNamespaceRequest): number {
  const at = begin(b, h, IOAM6_CMD_ADD_NAMESPACE, IOAM6_DOIT_FLAGS);
  b.putU16(IOAM6_ATTR_NS_ID, req.id);
  if (req.data !== undefined) b.putU32(IOAM6_ATTR_NS_DATA, req.data);
  if (req.dataWide !== undefined) b.putU64(IOAM6_ATTR_NS_DATA_WIDE, req.dataWide);
  b.finish();
  return at;
}

export function putIoam6DelNamespace(b: NlMsgBuilder, h: Ioam6RequestHeader, id: number): number {
  const at = begin(b, h, IOAM6_CMD_DEL_NAMESPACE, IOAM6_DOIT_FLAGS);
  b.putU16(IOAM6_ATTR_NS_ID, id);
  b.finish();
  return at;
}

export function putIoam6DumpNamespaces(b: NlMsgBuilder, h: Ioam6RequestHeader): number {
  const at = begin(b, h, IOAM6_CMD_DUMP_NAMESPACES, IOAM6_DUMP_FLAGS);
  b.finish();
  return at;
}

export function putIoam6AddSchema(b: NlMsgBuilder, h: Ioam6RequestHeader, id: number, data: Uint8Array): number {
  const at = begin(b, h, IOAM6_CMD_ADD_SCHEMA, IOAM6_DOIT_FLAGS);
  b.putU32(IOAM6_ATTR_SC_ID, id);
  b.put(IOAM6_ATTR_SC_DATA, data);
  b.finish();
  return at;
}

export function putIoam6DelSchema(b: NlMsgBuilder, h: Ioam6RequestHeader, id: number): number {
  const at = begin(b, h, IOAM6_CMD_DEL_SCHEMA, IOAM6_DOIT_FLAGS);
  b.putU32(IOAM6_ATTR_SC_ID, id);
  b.finish();
  return at;
}

export function putIoam6DumpSchemas(b: NlMsgBuilder, h: Ioam6RequestHeader): number {
  const at = begin(b, h, IOAM6_CMD_DUMP_SCHEMAS, IOAM6_DUMP_FLAGS);
  b.finish();
  return at;
}

/** `namespace set NS schema SC`, or `schema none` when `scId` is undefined. */
export function putIoam6NsSetSchema(b: NlMsgBuilder, h: Ioam6RequestHeader, nsId: number, scId: number | undefined): number {
  const at = begin(b, h, IOAM6_CMD_NS_SET_SCHEMA, IOAM6_DOIT_FLAGS);
  b.putU16(IOAM6_ATTR_NS_ID, nsId);
  if (scId === undefined) b.putFlag(IOAM6_ATTR_SC_NONE);
  else b.putU32(IOAM6_ATTR_SC_ID, scId);
  b.finish();
  return at;
}

/** Runs one put* into a fresh builder and returns the request's bytes. */
function one(fill: (b: NlMsgBuilder) => void): Uint8Array {
  const b = new NlMsgBuilder({ initialCapacity: 64 });
  fill(b);
  return b.toBytes();
}

export function ioam6AddNamespaceRequest(h: Ioam6RequestHeader, req: Ioam6AddNamespaceRequest): Uint8Array {
  return one((b) => putIoam6AddNamespace(b, h, req));
}
export function ioam6DelNamespaceRequest(h: Ioam6RequestHeader, id: number): Uint8Array {
  return one((b) => putIoam6DelNamespace(b, h, id));
}
export function ioam6DumpNamespacesRequest(h: Ioam6RequestHeader): Uint8Array {
  return one((b) => putIoam6DumpNamespaces(b, h));
}
export function ioam6AddSchemaRequest(h: Ioam6RequestHeader, id: number, data: Uint8Array): Uint8Array {
  return one((b) => putIoam6AddSchema(b, h, id, data));
}
export function ioam6DelSchemaRequest(h: Ioam6RequestHeader, id: number): Uint8Array {
  return one((b) => putIoam6DelSchema(b, h, id));
}
export function ioam6DumpSchemasRequest(h: Ioam6RequestHeader): Uint8Array {
  return one((b) => putIoam6DumpSchemas(b, h));
}
export function ioam6NsSetSchemaRequest(h: Ioam6RequestHeader, nsId: number, scId: number | undefined): Uint8Array {
  return one((b) => putIoam6NsSetSchema(b, h, nsId, scId));
}

// ---------------------------------------------------------------------------------------------
// Decoding.
// ---------------------------------------------------------------------------------------------

/** One entry of IOAM6_CMD_DUMP_NAMESPACES; absent fields are unavailable / unlinked. */
export interface Ioam6NamespaceRepr {
  readonly id: number;
  readonly data?: number;
  readonly dataWide?: bigint;
  readonly schemaId?: number;
}

/** One entry of IOAM6_CMD_DUMP_SCHEMAS: the data as stored (padded to 4 bytes). */
export interface Ioam6SchemaRepr {
  readonly id: number;
  readonly data: Uint8Array;
  readonly nsId?: number;
}

export type Ioam6Message =
  | { readonly kind: 'namespace'; readonly header: NlMsgHdrRepr; readonly value: Ioam6NamespaceRepr }
  | { readonly kind: 'schema'; readonly header: NlMsgHdrRepr; readonly value: Ioam6SchemaRepr }
  /** NLMSG_ERROR: an ack when `value.error` is 0. */
  | { readonly kind: 'error'; readonly header: NlMsgHdrRepr; readonly value: NlmsgerrRepr }
  | { readonly kind: 'done'; readonly header: NlMsgHdrRepr; readonly value: NlmsgDoneRepr }
  /** Anything else (another type, another command): header and payload kept as they came. */
  | { readonly kind: 'other'; readonly header: NlMsgHdrRepr; readonly payload: Uint8Array };

type Fail = { readonly ok: false; readonly error: WireError };

function lenError(c: NlAttrCursor, base: number, name: string, need: number): Fail {
  return wireError('bad-length', c.offset - base, name, `${c.len} bytes, need ${need}`);
}

/**
 * The attributes of one namespace entry (`length` bytes at `start`); offsets in errors are
 * from `base`.
 */
function parseNamespaceAttrs(bytes: Uint8Array, start: number, length: number, base: number): Result<Ioam6NamespaceRepr> {
  let id: number | undefined;
  const out: { data?: number; dataWide?: bigint; schemaId?: number } = {};
  const c = new NlAttrCursor(bytes, start, length);
  while (c.next()) {
    const d = c.dataOffset;
    switch (c.type) {
      case IOAM6_ATTR_NS_ID:
        if (c.len !== 2) return lenError(c, base, 'IOAM6_ATTR_NS_ID', 2);
        id = u16le(bytes, d);
        break;
      case IOAM6_ATTR_NS_DATA:
        if (c.len !== 4) return lenError(c, base, 'IOAM6_ATTR_NS_DATA', 4);
        out.data = u32le(bytes, d);
        break;
      case IOAM6_ATTR_NS_DATA_WIDE:
        if (c.len !== 8) return lenError(c, base, 'IOAM6_ATTR_NS_DATA_WIDE', 8);
        out.dataWide = (BigInt(u32le(bytes, d + 4)) << 32n) | BigInt(u32le(bytes, d));
        break;
      case IOAM6_ATTR_SC_ID:
        if (c.len !== 4) return lenError(c, base, 'IOAM6_ATTR_SC_ID', 4);
        out.schemaId = u32le(bytes, d);
        break;
      default:
        // IOAM6_ATTR_PAD and attributes of later kernels.
        break;
    }
  }
  const e = c.error();
  if (e !== undefined) return wireError(e.kind, e.offset - base, e.field, `bytes leftover after parsing attributes: ${e.message}`);
  if (id === undefined) return wireError('truncated', start - base, 'IOAM6_ATTR_NS_ID', 'the namespace entry has no id');
  return ok({ id, ...out });
}

function parseSchemaAttrs(bytes: Uint8Array, start: number, length: number, base: number): Result<Ioam6SchemaRepr> {
  let id: number | undefined;
  let data: Uint8Array | undefined;
  let nsId: number | undefined;
  const c = new NlAttrCursor(bytes, start, length);
  while (c.next()) {
    const d = c.dataOffset;
    switch (c.type) {
      case IOAM6_ATTR_SC_ID:
        if (c.len !== 4) return lenError(c, base, 'IOAM6_ATTR_SC_ID', 4);
        id = u32le(bytes, d);
        break;
      case IOAM6_ATTR_SC_DATA:
        data = c.data;
        break;
      case IOAM6_ATTR_NS_ID:
        if (c.len !== 2) return lenError(c, base, 'IOAM6_ATTR_NS_ID', 2);
        nsId = u16le(bytes, d);
        break;
      default:
        break;
    }
  }
  const e = c.error();
  if (e !== undefined) return wireError(e.kind, e.offset - base, e.field, `bytes leftover after parsing attributes: ${e.message}`);
  if (id === undefined) return wireError('truncated', start - base, 'IOAM6_ATTR_SC_ID', 'the schema entry has no id');
  if (data === undefined) return wireError('truncated', start - base, 'IOAM6_ATTR_SC_DATA', 'the schema entry has no data');
  return ok(nsId === undefined ? { id, data } : { id, data, nsId });
}

/**
 * Decodes every message of a datagram received on a socket talking to "IOAM6" (`familyId`).
 * Entries of a dump become 'namespace' / 'schema' values; payloads are subarrays of `bytes`.
 */
export function parseIoam6Messages(bytes: Uint8Array, familyId: number): Result<Ioam6Message[]> {
  const out: Ioam6Message[] = [];
  const m = new NlMsgCursor(bytes);
  while (m.next()) {
    const at = m.offset;
    const header: NlMsgHdrRepr = { len: m.len, type: m.type, flags: m.flags, seq: m.seq, pid: m.pid };
    const payload = bytes.subarray(m.payloadOffset, at + m.len);
    if (m.type === NLMSG_ERROR) {
      const r = parseNlmsgerr(bytes.subarray(0, at + m.len), at);
      if (!r.ok) return wireError(r.error.kind, r.error.offset + at, r.error.field, r.error.message);
      out.push({ kind: 'error', header, value: r.value });
      continue;
    }
    if (m.type === NLMSG_DONE) {
      const r = parseNlmsgDone(bytes.subarray(0, at + m.len), at);
      if (!r.ok) return wireError(r.error.kind, r.error.offset + at, r.error.field, r.error.message);
      out.push({ kind: 'done', header, value: r.value });
      continue;
    }
    const cmd = m.payloadLength >= GENL_HDRLEN ? (bytes[m.payloadOffset] ?? 0) : -1;
    const attrs = m.payloadOffset + GENL_HDRLEN;
    const attrLen = m.payloadLength - GENL_HDRLEN;
    if (m.type === familyId && cmd === IOAM6_CMD_DUMP_NAMESPACES) {
      const r = parseNamespaceAttrs(bytes, attrs, attrLen, 0);
      if (!r.ok) return r;
      out.push({ kind: 'namespace', header, value: r.value });
    } else if (m.type === familyId && cmd === IOAM6_CMD_DUMP_SCHEMAS) {
      const r = parseSchemaAttrs(bytes, attrs, attrLen, 0);
      if (!r.ok) return r;
      out.push({ kind: 'schema', header, value: r.value });
    } else {
      out.push({ kind: 'other', header, payload });
    }
  }
  const e = m.error();
  if (e !== undefined) return { ok: false, error: e };
  return ok(out);
}
