/**
 * Where commands write. Commands take an `Output` pair instead of touching process.stdout, so
 * tests run them in-process and read what they printed. The process writer buffers and writes
 * synchronously in large chunks (decoding a big capture prints millions of lines) and stops
 * quietly when the reader goes away (`v6stack pcap decode big.pcap | head`).
 */

import { writeSync } from 'node:fs';

export interface Output {
  write(text: string): void;
  /** True once the reader has gone away (EPIPE): long loops should stop. */
  readonly closed: boolean;
  flush(): void;
}

export interface Io {
  readonly out: Output;
  readonly err: Output;
  /** Environment (V6STACK_SOCKET and the like). */
  readonly env: Readonly<Record<string, string | undefined>>;
}

const FLUSH_AT = 1 << 16;

export class FdOutput implements Output {
  #fd: number;
  #pending: string[] = [];
  #size = 0;
  #closed = false;

  constructor(fd: number) {
    this.#fd = fd;
  }

  get closed(): boolean {
    return this.#closed;
  }

  write(text: string): void {
    if (this.#closed) return;
    this.#pending.push(text);
    this.#size += text.length;
    if (this.#size >= FLUSH_AT) this.flush();
  }

  flush(): void {
    if (this.#pending.length === 0 || this.#closed) return;
    const buf = Buffer.from(this.#pending.join(''), 'utf8');
    this.#pending = [];
    this.#size = 0;
    let off = 0;
    while (off < buf.length) {
      try {
        off += writeSync(this.#fd, buf, off, buf.length - off);
      } catch (e) {
        const code = (e as NodeJS.ErrnoException).code;
        if (code === 'EAGAIN') continue;
        // EPIPE and anything else: the reader is gone; stop writing.
        this.#closed = true;
        return;
      }
    }
  }
}

/** Collects text in memory, for tests and for the daemon's replies. */
export class MemoryOutput implements Output {
  text = '';
  readonly closed = false;
  write(text: string): void {
    this.text += text;
  }
  flush(): void {}
}

export function processIo(): Io {
  return { out: new FdOutput(1), err: new FdOutput(2), env: process.env };
}

export function memoryIo(env: Record<string, string | undefined> = {}): Io & { out: MemoryOutput; err: MemoryOutput } {
  return { out: new MemoryOutput(), err: new MemoryOutput(), env };
}
