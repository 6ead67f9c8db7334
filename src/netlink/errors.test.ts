import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import {
  emitNetlinkAck,
  emitNetlinkDone,
  netlinkAckTlvLen,
  parseExtAckTlvs,
  parseNlmsgDone,
  parseNlmsgerr,
  type ExtAck,
} from './errors.ts';
import { NlMsgBuilder } from './message.ts';
import { fromHex, toHex } from '../wire/bytes.ts';
import { EEXIST, EINVAL, ENOENT, ERANGE } from '../uapi/errno.ts';
import {
  NL_ATTR_TYPE_BINARY,
  NL_ATTR_TYPE_NUL_STRING,
  NL_ATTR_TYPE_U16,
  NLA_BINARY,
  NLA_NUL_STRING,
  NLA_U16,
  NLA_UNSPEC,
  NLM_F_ACK_TLVS,
  NLM_F_CAPPED,
  NLM_F_DUMP_INTR,
  NLM_F_MULTI,
  NLMSG_DONE,
  NLMSG_ERROR,
} from '../uapi/netlink.ts';

// Kernel answers captured on Linux 6.18 from sockets with NETLINK_EXT_ACK set (iproute2 sets it;
// the crafted requests were sent from Python with socket(AF_NETLINK, SOCK_RAW, NETLINK_GENERIC)).
// IOAM6 was family 0x1e; its operations are validated liberally (GENL_DONT_VALIDATE_STRICT).
// Port ids and sequence numbers are as captured.

/** `ip ioam namespace add 7 data 0x11` and the kernel's ack (error 0, NLM_F_CAPPED). */
const ADD_NS_REQ = fromHex('24000000 1e00 0500 d737066b 00000000 01010000 0600 0100 0700 0000 0800 0200 11000000');
const ADD_NS_ACK = fromHex(`
  24000000 0200 0001 d737066b 05420000  # NLMSG_ERROR, NLM_F_CAPPED, pid 0x4205
  00000000                              # error 0
  24000000 1e00 0500 d737066b 00000000  # the request's header
`);

/** `ip ioam namespace add 7` a second time: -EEXIST, no extack, the request echoed in full. */
const ADD_NS_AGAIN_REQ = fromHex('1c000000 1e00 0500 dd37066b 00000000 01010000 0600 0100 0700 0000');
const ADD_NS_AGAIN_ERR = fromHex(`
  30000000 0200 0000 dd37066b ba420000
  efffffff                              # -EEXIST
  1c000000 1e00 0500 dd37066b 00000000 01010000 0600 0100 0700 0000
`);

/** The same request (NS_ID sent as 4 bytes) from a socket with NETLINK_CAP_ACK: capped. */
const CAPPED_REQ = fromHex('1c000000 1e00 0500 69000000 00000000 01010000 0800 0100 07000000');
const CAPPED_ERR = fromHex(`
  24000000 0200 0001 69000000 30440000
  efffffff
  1c000000 1e00 0500 69000000 00000000
`);

/**
 * ADD_NAMESPACE with two stray bytes after the attributes (nlmsg_len 30): liberal validation
 * passes but leaves "bytes leftover after parsing attributes"; the handler then says -EEXIST,
 * and the message rides along with that error.
 */
const TRAILING_REQ = fromHex('1e000000 1e00 0500 67000000 00000000 01010000 0600 0100 0700 0000 0100');
const TRAILING_ERR = fromHex(`
  60000000 0200 0002 67000000 30440000  # NLM_F_ACK_TLVS
  efffffff
  1e000000 1e00 0500 67000000 00000000 01010000 0600 0100 0700 0000 0100 0000
  2c00 0100 6279746573206c6566746f7665722061667465722070617273696e67206174747269627574657300
`);

/** nlctrl CTRL_CMD_GETPOLICY dump (strict) with CTRL_ATTR_FAMILY_ID as 4 bytes. */
const BADLEN_REQ = fromHex('1c000000 1000 0503 c9000000 00000000 0a010000 0800 0100 1e000000');
const BADLEN_ERR = fromHex(`
  7c000000 0200 0002 c9000000 c0450000
  eaffffff                              # -EINVAL
  1c000000 1000 0503 c9000000 00000000 0a010000 0800 0100 1e000000
  1d00 0100 696e76616c696420617474726962757465206c656e67746800 000000  # MSG
  0800 0200 14000000                    # OFFS 20
  2400 0480                             # POLICY (nested)
    0c00 0400 0000000000000000          #   MIN_VALUE_U 0
    0c00 0500 ffff000000000000          #   MAX_VALUE_U 65535
    0800 0100 03000000                  #   TYPE NL_ATTR_TYPE_U16
`);

/** CTRL_CMD_GETPOLICY with CTRL_ATTR_FAMILY_NAME "IOAM6" lacking its NUL (NLA_NUL_STRING, len 15). */
const NONUL_REQ = fromHex('20000000 1000 0503 cb000000 00000000 0a010000 0900 0200 494f414d36 000000');
const NONUL_ERR = fromHex(`
  78000000 0200 0002 cb000000 c0450000
  eaffffff
  20000000 1000 0503 cb000000 00000000 0a010000 0900 0200 494f414d36 000000
  2700 0100 417474726962757465206661696c656420706f6c6963792076616c69646174696f6e00 00
  0800 0200 14000000
  1400 0480 0800 0700 0f000000 0800 0100 0c000000  # MAX_LENGTH 15, TYPE NUL_STRING
`);

/** IOAM6_CMD_ADD_SCHEMA with 1024 bytes of data (policy: NLA_BINARY, len 1020): -ERANGE. */
const TOOLONG_REQ = fromHex(`20040000 1e00 0500 68000000 00000000 04010000 0800 0400 03000000 0404 0500 ${'aa'.repeat(1024)}`);
const TOOLONG_ERR = fromHex(`
  78040000 0200 0002 68000000 30440000
  deffffff                              # -ERANGE
  ${toHex(TOOLONG_REQ)}
  2700 0100 417474726962757465206661696c656420706f6c6963792076616c69646174696f6e00 00
  0800 0200 1c000000                    # OFFS 28
  1400 0480 0800 0700 fc030000 0800 0100 0a000000  # MAX_LENGTH 1020, TYPE BINARY
`);

/** A successful strict CTRL_CMD_GETPOLICY dump ends with this NLMSG_DONE. */
const GETPOLICY_REQ = fromHex('28000000 1000 0503 cf000000 00000000 0a010000 0a00 0200 494f414d3600 0000 0800 0a00 01000000');
const GETPOLICY_DONE = fromHex('14000000 0300 0200 cf000000 c0450000 00000000');

const ACK_SOCK = { portid: 0x4205, extAck: true } as const;

function ack(request: Uint8Array, err: number, extack: ExtAck | undefined, sock: { portid: number; extAck?: boolean; capAck?: boolean }): string {
  const b = new NlMsgBuilder();
  emitNetlinkAck(b, request, 0, err, extack, sock);
  return toHex(b.bytes());
}

// ---------------------------------------------------------------------------------------------
// Encoding: the kernel's bytes.
// ---------------------------------------------------------------------------------------------

test('ack: success is capped and carries only the request header', () => {
  assert.equal(ack(ADD_NS_REQ, 0, {}, ACK_SOCK), toHex(ADD_NS_ACK));
});

test('ack: an error echoes the whole request; no extack, no NLM_F_ACK_TLVS', () => {
  assert.equal(ack(ADD_NS_AGAIN_REQ, -EEXIST, {}, { portid: 0x42ba, extAck: true }), toHex(ADD_NS_AGAIN_ERR));
});

test('ack: NETLINK_CAP_ACK cuts the echo to the header and sets NLM_F_CAPPED', () => {
  assert.equal(ack(CAPPED_REQ, -EEXIST, {}, { portid: 0x4430, extAck: true, capAck: true }), toHex(CAPPED_ERR));
});

test('ack: a message left by validation rides on the handler error; the padding is zeroed', () => {
  const msg = { msg: 'bytes leftover after parsing attributes' };
  assert.equal(ack(TRAILING_REQ, -EEXIST, msg, { portid: 0x4430, extAck: true }), toHex(TRAILING_ERR));
});

test('ack: message, offset and U16 policy as the kernel writes them', () => {
  const extack: ExtAck = { msg: 'invalid attribute length', badAttrOffset: 20, policy: { type: NLA_U16 } };
  assert.equal(ack(BADLEN_REQ, -EINVAL, extack, { portid: 0x45c0, extAck: true }), toHex(BADLEN_ERR));
});

test('ack: NUL_STRING and BINARY policies carry their max length', () => {
  const nonul: ExtAck = {
    msg: 'Attribute failed policy validation',
    badAttrOffset: 20,
    policy: { type: NLA_NUL_STRING, len: 15 },
  };
  assert.equal(ack(NONUL_REQ, -EINVAL, nonul, { portid: 0x45c0, extAck: true }), toHex(NONUL_ERR));
  const toolong: ExtAck = {
    msg: 'Attribute failed policy validation',
    badAttrOffset: 28,
    policy: { type: NLA_BINARY, len: 1020 },
  };
  assert.equal(ack(TOOLONG_REQ, -ERANGE, toolong, { portid: 0x4430, extAck: true }), toHex(TOOLONG_ERR));
});

test('ack: without NETLINK_EXT_ACK nothing but the echo is sent', () => {
  const extack: ExtAck = { msg: 'invalid attribute length', badAttrOffset: 20, policy: { type: NLA_U16 } };
  const hex = ack(BADLEN_REQ, -EINVAL, extack, { portid: 0x45c0 });
  assert.equal(hex, toHex(fromHex(`30000000 0200 0000 c9000000 c0450000 eaffffff ${toHex(BADLEN_REQ)}`)));
  assert.equal(netlinkAckTlvLen(-EINVAL, extack, false), 0);
});

test('ack: offsets outside the request payload are dropped, the flag stays (nlmsg_check_in_payload)', () => {
  const b = new NlMsgBuilder();
  // Offset 4 points into the request's header, not its payload.
  emitNetlinkAck(b, BADLEN_REQ, 0, -EINVAL, { badAttrOffset: 4, missingNest: 28 }, ACK_SOCK);
  const r = parseNlmsgerr(b.bytes());
  assert.ok(r.ok);
  assert.equal(r.value.header.flags, NLM_F_ACK_TLVS);
  assert.deepEqual(r.value.extAck, {});
});

test('ack: policies the kernel does not describe leave no POLICY attribute', () => {
  const b = new NlMsgBuilder();
  emitNetlinkAck(b, BADLEN_REQ, 0, -EINVAL, { msg: 'Unsupported attribute', badAttrOffset: 20, policy: { type: NLA_UNSPEC } }, ACK_SOCK);
  const r = parseNlmsgerr(b.bytes());
  assert.ok(r.ok);
  assert.deepEqual(r.value.extAck, { msg: 'Unsupported attribute', badAttrOffset: 20 });
});

test('ack: missing type and nest, and a cookie; on success only message and cookie go out', () => {
  const extack: ExtAck = { msg: 'missing', missingType: 4, missingNest: 20, cookie: fromHex('0102030405060708') };
  const b = new NlMsgBuilder();
  emitNetlinkAck(b, BADLEN_REQ, 0, -EINVAL, extack, ACK_SOCK);
  const r = parseNlmsgerr(b.bytes());
  assert.ok(r.ok);
  assert.equal(r.value.error, -EINVAL);
  assert.equal(r.value.extAck.msg, 'missing');
  assert.equal(r.value.extAck.missingType, 4);
  assert.equal(r.value.extAck.missingNest, 20);
  assert.equal(toHex(r.value.extAck.cookie ?? new Uint8Array()), '0102030405060708');
  // MSG(12) + COOKIE(12) + MISS_TYPE(8) + MISS_NEST(8), in the kernel's order.
  const tlvs = b.bytes().subarray(16 + 20 + 12);
  assert.equal(toHex(tlvs.subarray(0, 4)), '0c000100');
  assert.equal(toHex(tlvs.subarray(12, 16)), '0c000300');
  assert.equal(toHex(tlvs.subarray(24, 28)), '08000500');
  assert.equal(toHex(tlvs.subarray(32, 36)), '08000600');
  const okb = new NlMsgBuilder();
  emitNetlinkAck(okb, ADD_NS_REQ, 0, 0, extack, ACK_SOCK);
  const okr = parseNlmsgerr(okb.bytes());
  assert.ok(okr.ok);
  assert.equal(okr.value.header.flags, NLM_F_CAPPED | NLM_F_ACK_TLVS);
  assert.deepEqual(Object.keys(okr.value.extAck).sort(), ['cookie', 'msg']);
});

test('ack: a request that is not a whole message is a programmer error', () => {
  const b = new NlMsgBuilder();
  assert.throws(() => emitNetlinkAck(b, ADD_NS_REQ.subarray(0, 30), 0, 0, undefined, ACK_SOCK), RangeError);
});

test('done: the end of a dump, as captured', () => {
  const b = new NlMsgBuilder();
  emitNetlinkDone(b, GETPOLICY_REQ, 0, 0, {}, { portid: 0x45c0, extAck: true });
  assert.equal(toHex(b.bytes()), toHex(GETPOLICY_DONE));
});

test('done: an error with extack on NLMSG_DONE, and the answer flags', () => {
  const b = new NlMsgBuilder();
  emitNetlinkDone(b, GETPOLICY_REQ, 0, -ENOENT, { msg: 'no such family', badAttrOffset: 20 }, { portid: 7, extAck: true }, NLM_F_DUMP_INTR);
  const r = parseNlmsgDone(b.bytes());
  assert.ok(r.ok);
  assert.equal(r.value.header.type, NLMSG_DONE);
  assert.equal(r.value.header.flags, NLM_F_MULTI | NLM_F_DUMP_INTR | NLM_F_ACK_TLVS);
  assert.equal(r.value.header.seq, 0xcf);
  assert.equal(r.value.error, -ENOENT);
  assert.deepEqual(r.value.extAck, { msg: 'no such family', badAttrOffset: 20 });
});

// ---------------------------------------------------------------------------------------------
// Decoding the kernel's answers.
// ---------------------------------------------------------------------------------------------

test('decode: ack and plain error', () => {
  const a = parseNlmsgerr(ADD_NS_ACK);
  assert.ok(a.ok);
  assert.equal(a.value.error, 0);
  assert.equal(a.value.header.type, NLMSG_ERROR);
  assert.equal(a.value.request.seq, 0x6b0637d7);
  assert.equal(a.value.requestPayload, undefined);
  const e = parseNlmsgerr(ADD_NS_AGAIN_ERR);
  assert.ok(e.ok);
  assert.equal(e.value.error, -EEXIST);
  assert.equal(toHex(e.value.requestPayload ?? new Uint8Array()), toHex(ADD_NS_AGAIN_REQ.subarray(16)));
  assert.deepEqual(e.value.extAck, {});
});

test('decode: extended acks with offset and policy', () => {
  const r = parseNlmsgerr(BADLEN_ERR);
  assert.ok(r.ok);
  assert.equal(r.value.error, -EINVAL);
  assert.deepEqual(r.value.extAck, {
    msg: 'invalid attribute length',
    badAttrOffset: 20,
    policy: { minValueU: 0n, maxValueU: 0xffffn, type: NL_ATTR_TYPE_U16 },
  });
  const n = parseNlmsgerr(NONUL_ERR);
  assert.ok(n.ok);
  assert.deepEqual(n.value.extAck.policy, { maxLength: 15, type: NL_ATTR_TYPE_NUL_STRING });
  const t = parseNlmsgerr(TOOLONG_ERR);
  assert.ok(t.ok);
  assert.equal(t.value.error, -ERANGE);
  assert.equal(t.value.requestPayload?.length, TOOLONG_REQ.length - 16);
  assert.deepEqual(t.value.extAck, {
    msg: 'Attribute failed policy validation',
    badAttrOffset: 28,
    policy: { maxLength: 1020, type: NL_ATTR_TYPE_BINARY },
  });
  const tr = parseNlmsgerr(TRAILING_ERR);
  assert.ok(tr.ok);
  assert.equal(tr.value.requestPayload?.length, 14);
  assert.deepEqual(tr.value.extAck, { msg: 'bytes leftover after parsing attributes' });
  const c = parseNlmsgerr(CAPPED_ERR);
  assert.ok(c.ok);
  assert.equal(c.value.requestPayload, undefined);
  assert.equal(c.value.request.len, 28);
});

test('decode: NLMSG_DONE', () => {
  const d = parseNlmsgDone(GETPOLICY_DONE);
  assert.deepEqual(d, {
    ok: true,
    value: { header: { len: 20, type: NLMSG_DONE, flags: NLM_F_MULTI, seq: 0xcf, pid: 0x45c0 }, error: 0, extAck: {} },
  });
  assert.equal(parseNlmsgDone(ADD_NS_ACK).ok, false);
  assert.equal(parseNlmsgerr(GETPOLICY_DONE).ok, false);
});

test('decode: every truncation of an extended ack is rejected or shorter, never a throw', () => {
  for (let n = 0; n < BADLEN_ERR.length; n++) {
    const cut = BADLEN_ERR.slice(0, n);
    assert.equal(parseNlmsgerr(cut).ok, false, `length ${n}`);
  }
  // A wrong-sized OFFS attribute is an error, not a guess.
  const bad = parseExtAckTlvs(fromHex('0600 0200 1400 0000'), 0, 8);
  assert.ok(!bad.ok && bad.error.kind === 'bad-length' && bad.error.field === 'NLMSGERR_ATTR_OFFS');
  // Unknown extack attributes are kept.
  const unk = parseExtAckTlvs(fromHex('0800 0900 01020304'), 0, 8);
  assert.ok(unk.ok);
  assert.equal(unk.value.unknown?.[0]?.type, 9);
});

test('fuzz: random bytes never throw in the decoders', () => {
  fc.assert(
    fc.property(fc.uint8Array({ maxLength: 200 }), fc.boolean(), (bytes, asError) => {
      // Make the header plausible half of the time so the deeper paths run.
      if (bytes.length >= 8 && asError) {
        bytes[0] = bytes.length & 0xff;
        bytes[1] = 0;
        bytes[2] = 0;
        bytes[3] = 0;
        bytes[4] = NLMSG_ERROR;
        bytes[5] = 0;
      }
      parseNlmsgerr(bytes);
      parseNlmsgDone(bytes);
      parseExtAckTlvs(bytes, 0, bytes.length);
    }),
    { numRuns: 3000 },
  );
});

test('round trip: parseNlmsgerr(emitNetlinkAck(...)) gives back what was sent', () => {
  fc.assert(
    fc.property(
      fc.uint8Array({ maxLength: 60 }),
      fc.integer({ min: 0, max: 133 }),
      fc.record({
        msg: fc.option(fc.string({ maxLength: 40 }), { nil: undefined }),
        bad: fc.option(fc.nat(100), { nil: undefined }),
        missingType: fc.option(fc.integer({ min: 1, max: 100 }), { nil: undefined }),
        cookie: fc.option(fc.uint8Array({ minLength: 1, maxLength: 20 }), { nil: undefined }),
      }),
      fc.boolean(),
      fc.boolean(),
      (payload, errno, x, capAck, extAck) => {
        const req = new Uint8Array(16 + payload.length);
        req.set(payload, 16);
        new DataView(req.buffer).setUint32(0, req.length, true);
        new DataView(req.buffer).setUint32(8, 0x1234, true);
        const err = errno === 0 ? 0 : -errno;
        const extack: ExtAck = { msg: x.msg, badAttrOffset: x.bad, missingType: x.missingType, cookie: x.cookie };
        const b = new NlMsgBuilder();
        emitNetlinkAck(b, req, 0, err, extack, { portid: 99, capAck, extAck });
        const r = parseNlmsgerr(b.bytes());
        assert.ok(r.ok);
        const v = r.value;
        assert.equal(v.error, err);
        assert.equal(v.header.seq, 0x1234);
        assert.equal(v.header.pid, 99);
        assert.equal(v.header.len, b.length);
        assert.equal(v.request.len, req.length);
        const echoed = err !== 0 && !capAck;
        assert.equal(v.requestPayload === undefined, !echoed);
        if (echoed) assert.equal(toHex(v.requestPayload ?? new Uint8Array()), toHex(payload));
        const want: Record<string, unknown> = {};
        if (extAck) {
          if (x.msg !== undefined) want['msg'] = x.msg.split('\0')[0];
          if (x.cookie !== undefined) want['cookie'] = toHex(x.cookie);
          if (err !== 0) {
            if (x.bad !== undefined && x.bad >= 16 && x.bad < req.length) want['badAttrOffset'] = x.bad;
            if (x.missingType !== undefined) want['missingType'] = x.missingType;
          }
        }
        const got: Record<string, unknown> = { ...v.extAck };
        if (v.extAck.cookie !== undefined) got['cookie'] = toHex(v.extAck.cookie);
        assert.deepEqual(got, want);
      },
    ),
    { numRuns: 500 },
  );
});
