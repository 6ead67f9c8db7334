import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { END_FRAME, FRAME_HDRLEN, FrameDecoder, encodeFrame } from './framing.ts';

test('a frame is the datagram behind its little-endian length', () => {
  assert.deepEqual([...encodeFrame(Uint8Array.of(9, 8, 7))], [3, 0, 0, 0, 9, 8, 7]);
  assert.deepEqual([...END_FRAME], [0, 0, 0, 0]);
});

test('frames come back whole however the stream is cut', () => {
  fc.assert(
    fc.property(fc.array(fc.uint8Array({ maxLength: 40 }), { maxLength: 12 }), fc.array(fc.integer({ min: 1, max: 50 }), { minLength: 1 }), (datagrams, cuts) => {
      const stream = Buffer.concat(datagrams.map((d) => encodeFrame(d)));
      const dec = new FrameDecoder(1024);
      const got: Uint8Array[] = [];
      let at = 0;
      let i = 0;
      while (at < stream.length) {
        const n = cuts[i++ % cuts.length] ?? 1;
        got.push(...dec.push(stream.subarray(at, at + n)));
        at += n;
      }
      assert.deepEqual(got.map((g) => [...g]), datagrams.map((d) => [...d]));
      assert.equal(dec.buffered, 0);
    }),
  );
});

test('a length above the limit poisons the stream and keeps nothing', () => {
  const dec = new FrameDecoder(16);
  const ok = encodeFrame(Uint8Array.of(1));
  const big = new Uint8Array(FRAME_HDRLEN + 4);
  big.set([17, 0, 0, 0]);
  const frames = dec.push(Buffer.concat([ok, big]));
  assert.equal(frames.length, 1);
  assert.match(dec.error ?? '', /17 bytes exceeds the limit of 16/);
  assert.equal(dec.buffered, 0);
  assert.deepEqual(dec.push(ok), []);
});
