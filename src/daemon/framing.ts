/**
 * Datagrams over a stream: each frame is a 32-bit little-endian length, then that many bytes
 * (one netlink datagram, possibly several messages). A zero-length frame from the daemon marks
 * the end of the replies to one request (the point where a netlink socket's receive queue runs
 * empty). nlmsg_len alone cannot delimit datagrams: a datagram is a batch of messages, and
 * libnetlink reads replies datagram by datagram.
 */

import { setU32le, u32le } from '../wire/bytes.ts';

export const FRAME_HDRLEN = 4;

/** The frame for `datagram` (a copy with its length in front). */
export function encodeFrame(datagram: Uint8Array): Uint8Array {
  const out = new Uint8Array(FRAME_HDRLEN + datagram.length);
  setU32le(out, 0, datagram.length);
  out.set(datagram, FRAME_HDRLEN);
  return out;
}

/** The end-of-replies marker. */
export const END_FRAME: Uint8Array = new Uint8Array(FRAME_HDRLEN);

/**
 * Reassembles frames from stream chunks. Holds at most one partial frame (`maxFrame` bounds
 * it); a length above `maxFrame` makes the stream unusable (`error` is set, nothing more is
 * returned), since a peer that sends one is not speaking the protocol.
 */
export class FrameDecoder {
  readonly maxFrame: number;
  #buf: Uint8Array = new Uint8Array(0);
  #error: string | undefined;

  constructor(maxFrame: number) {
    this.maxFrame = maxFrame;
  }

  get error(): string | undefined {
    return this.#error;
  }

  /** Bytes held for an incomplete frame. */
  get buffered(): number {
    return this.#buf.length;
  }

  /** Adds a chunk; returns every frame it completes, in order. */
  push(chunk: Uint8Array): Uint8Array[] {
    if (this.#error !== undefined) return [];
    let buf = chunk;
    if (this.#buf.length > 0) {
      buf = new Uint8Array(this.#buf.length + chunk.length);
      buf.set(this.#buf);
      buf.set(chunk, this.#buf.length);
    }
    const frames: Uint8Array[] = [];
    let at = 0;
    while (buf.length - at >= FRAME_HDRLEN) {
      const len = u32le(buf, at);
      if (len > this.maxFrame) {
        this.#error = `frame of ${len} bytes exceeds the limit of ${this.maxFrame}`;
        this.#buf = new Uint8Array(0);
        return frames;
      }
      if (buf.length - at - FRAME_HDRLEN < len) break;
      frames.push(buf.slice(at + FRAME_HDRLEN, at + FRAME_HDRLEN + len));
      at += FRAME_HDRLEN + len;
    }
    this.#buf = buf.slice(at);
    return frames;
  }
}
