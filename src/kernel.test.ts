import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Kernel } from './kernel.ts';
import { InProcessTransport } from './iproute/transport.ts';
import { NlMsgBuilder, NlMsgCursor } from './netlink/message.ts';
import { rootCredentials } from './net/credentials.ts';
import { CTRL_ATTR_FAMILY_NAME, CTRL_CMD_GETFAMILY, GENL_ID_CTRL } from './uapi/genetlink.ts';
import { NETLINK_GENERIC, NLM_F_ACK, NLM_F_DUMP, NLM_F_REQUEST, NLMSG_DONE, NLMSG_ERROR } from './uapi/netlink.ts';

function getFamily(seq: number, flags: number, name?: string): Uint8Array {
  const b = new NlMsgBuilder();
  b.beginMessage(GENL_ID_CTRL, flags, seq, 0);
  b.putGenlHeader(CTRL_CMD_GETFAMILY, 1);
  if (name !== undefined) b.putString(CTRL_ATTR_FAMILY_NAME, name);
  b.finish();
  return b.toBytes();
}

function types(datagrams: Uint8Array[]): number[] {
  const out: number[] = [];
  for (const d of datagrams) {
    const c = new NlMsgCursor(d);
    while (c.next()) out.push(c.type);
  }
  return out;
}

test('a kernel answers generic netlink through the in-process transport, per namespace', async () => {
  const k = new Kernel();
  const net = k.world.createNet('blue');
  assert.ok(net.ok);
  const t = InProcessTransport.open(k.netlink, net.value, NETLINK_GENERIC, rootCredentials(k.world.initUserNs));
  assert.ok(t instanceof InProcessTransport);
  const one = await t.request(getFamily(1, NLM_F_REQUEST | NLM_F_ACK, 'nlctrl'));
  assert.deepEqual(types(one), [GENL_ID_CTRL, NLMSG_ERROR]); // the family, then the ack
  const dump = await t.request(getFamily(2, NLM_F_REQUEST | NLM_F_DUMP));
  const all = types(dump);
  assert.equal(all.at(-1), NLMSG_DONE);
  assert.ok(all.length >= 2);
  t.close();
  // Two kernels share nothing.
  const k2 = new Kernel();
  assert.notEqual(k2.world, k.world);
  assert.equal(k2.world.byName('blue'), undefined);
});
