import assert from 'node:assert/strict';
import { test } from 'node:test';
import { IPSTATS_MIB_INHDRERRORS, IPSTATS_MIB_MAX } from '../net/mib.ts';
import { PacketBuffer } from '../net/packet-buffer.ts';
import { SKB_CONSUMED, SKB_DROP_REASON_IP_INHDR, SKB_DROP_REASON_MAX } from '../uapi/dropreason.ts';
import {
  DEV_TX_DROPPED,
  KIND_DROP,
  KIND_ICMP,
  MIB_NONE,
  PendingIcmp,
  VERDICT_CONSUMED,
  VERDICT_CONTINUE,
  type VerdictSink,
  applyVerdict,
  isDrop,
  verdictDev,
  verdictDrop,
  verdictIcmp,
  verdictKind,
  verdictMib,
  verdictReason,
  withMib,
} from './verdict.ts';

test('verdicts pack kind, counter, device counter and reason into one number', () => {
  for (let reason = 0; reason <= SKB_DROP_REASON_MAX; reason++) {
    for (const mib of [0, IPSTATS_MIB_MAX - 1, MIB_NONE]) {
      const v = verdictDrop(reason, mib, DEV_TX_DROPPED);
      assert.equal(verdictKind(v), KIND_DROP);
      assert.equal(verdictReason(v), reason);
      assert.equal(verdictMib(v), mib);
      assert.equal(verdictDev(v), DEV_TX_DROPPED);
      assert.ok(isDrop(v));
      const i = verdictIcmp(reason, mib);
      assert.equal(verdictKind(i), KIND_ICMP);
      assert.equal(verdictReason(i), reason);
      assert.equal(verdictMib(withMib(i, 5)), 5);
      assert.equal(verdictReason(withMib(i, 5)), reason);
    }
  }
  assert.ok(!isDrop(VERDICT_CONTINUE) && !isDrop(VERDICT_CONSUMED));
  assert.equal(withMib(VERDICT_CONTINUE, 5), VERDICT_CONTINUE);
});

test('applyVerdict counts, sends the pending error and reports the drop once', () => {
  const counts: number[] = [];
  const sent: number[] = [];
  const dropped: number[] = [];
  const sink: VerdictSink = {
    mib: { inc: (i) => void counts.push(i) },
    pendingIcmp: new PendingIcmp(),
    sendPendingIcmp: () => void sent.push(sink.pendingIcmp.type),
    onDrop: (_p, reason) => void dropped.push(reason),
  };
  const pkb = new PacketBuffer(0);
  sink.pendingIcmp.set(3, 0, 0);
  assert.equal(applyVerdict(sink, pkb, verdictIcmp(SKB_DROP_REASON_IP_INHDR, IPSTATS_MIB_INHDRERRORS), null), KIND_ICMP);
  assert.deepEqual(counts, [IPSTATS_MIB_INHDRERRORS]);
  assert.deepEqual(sent, [3]);
  assert.deepEqual(dropped, [SKB_DROP_REASON_IP_INHDR]);
  assert.equal(pkb.dropReason, SKB_DROP_REASON_IP_INHDR);
  const ok = new PacketBuffer(0);
  applyVerdict(sink, ok, VERDICT_CONSUMED, null);
  assert.equal(ok.dropReason, SKB_CONSUMED);
  assert.deepEqual(counts, [IPSTATS_MIB_INHDRERRORS]);
});
