/**
 * Reading a whole capture into `CaptureStats`: the loop behind `v6stack pcap stats` and its
 * benchmark. Streams the file in constant memory and allocates nothing per packet.
 */

import { CaptureStats } from '../wire/capture-stats.ts';
import type { CaptureError, CaptureReadOptions } from './capture-file.ts';
import { tryOpenCapture } from './capture-file.ts';

export interface CaptureScan {
  readonly stats: CaptureStats;
  readonly format: 'pcap' | 'pcapng';
  /** Set when the file is damaged: `stats` then covers the packets before the damage. */
  readonly error: CaptureError | undefined;
}

export function scanCapture(
  source: string | Uint8Array,
  opts: CaptureReadOptions = {},
): { ok: true; value: CaptureScan } | { ok: false; error: CaptureError } {
  const opened = tryOpenCapture(source, opts);
  if (!opened.ok) return opened;
  const reader = opened.value;
  const stats = new CaptureStats();
  try {
    while (reader.next()) stats.add(reader.linkType, reader.data, reader.offset, reader.capLen, reader.origLen);
  } finally {
    reader.close();
  }
  return { ok: true, value: { stats: stats.finish(), format: reader.format, error: reader.error } };
}
