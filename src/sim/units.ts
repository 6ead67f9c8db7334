/**
 * The units of topology files, as people write them and as tc(8) spells rates:
 *
 * - durations: a number and one of ns, us, ms, s (`2ms`, `1.5s`, `250us`); a bare 0 is allowed;
 * - rates: a number and one of bit, kbit, mbit, gbit, tbit (bits per second, powers of 1000)
 *   or bps, kbps, mbps, gbps (bytes per second), case-insensitive (`10Mbit`, `1gbit`);
 * - ratios: a percentage (`0.5%`) or a number between 0 and 1.
 *
 * Each parser returns the value or undefined; the loader turns undefined into an error naming
 * the field.
 */

const DURATION = /^(\d+(?:\.\d+)?)\s*(ns|us|µs|ms|s)$/;
const NS_PER: Readonly<Record<string, number>> = { ns: 1, us: 1e3, µs: 1e3, ms: 1e6, s: 1e9 };

/** A duration in whole nanoseconds (rounded), or undefined. */
export function parseDuration(text: string): number | undefined {
  const t = text.trim();
  if (t === '0') return 0;
  const m = DURATION.exec(t);
  if (m === null) return undefined;
  const ns = Math.round(Number(m[1]) * (NS_PER[m[2] ?? ''] ?? Number.NaN));
  return Number.isSafeInteger(ns) ? ns : undefined;
}

const RATE = /^(\d+(?:\.\d+)?)\s*([kmgt]?)(bit|bps)$/i;
const SCALE: Readonly<Record<string, number>> = { '': 1, k: 1e3, m: 1e6, g: 1e9, t: 1e12 };

/** A rate in bits per second (positive), or undefined. */
export function parseRate(text: string): number | undefined {
  const m = RATE.exec(text.trim());
  if (m === null) return undefined;
  const unit = (m[3] ?? '').toLowerCase() === 'bps' ? 8 : 1;
  const bps = Number(m[1]) * (SCALE[(m[2] ?? '').toLowerCase()] ?? Number.NaN) * unit;
  return Number.isFinite(bps) && bps > 0 ? bps : undefined;
}

/** A probability in [0, 1] from `N%` or a plain number, or undefined. */
export function parseRatio(value: string | number): number | undefined {
  let r: number;
  if (typeof value === 'number') r = value;
  else {
    const t = value.trim();
    const pct = /^(\d+(?:\.\d+)?)\s*%$/.exec(t);
    if (pct !== null) r = Number(pct[1]) / 100;
    else if (/^\d+(?:\.\d+)?$/.test(t)) r = Number(t);
    else return undefined;
  }
  return Number.isFinite(r) && r >= 0 && r <= 1 ? r : undefined;
}

/** Nanoseconds as people read them: `850ns`, `12.5us`, `3.2ms`, `1.25s` (4 significant digits). */
export function formatDuration(ns: number): string {
  const abs = Math.abs(ns);
  if (abs < 1e3) return `${Math.round(ns)}ns`;
  if (abs < 1e6) return `${trim(ns / 1e3)}us`;
  if (abs < 1e9) return `${trim(ns / 1e6)}ms`;
  return `${trim(ns / 1e9)}s`;
}

function trim(v: number): string {
  return String(Number(v.toPrecision(4)));
}

/** Bits per second as tc prints them: `10Mbit`, `1.5Gbit`, `800bit`. */
export function formatRate(bps: number): string {
  if (bps >= 1e12) return `${trim(bps / 1e12)}Tbit`;
  if (bps >= 1e9) return `${trim(bps / 1e9)}Gbit`;
  if (bps >= 1e6) return `${trim(bps / 1e6)}Mbit`;
  if (bps >= 1e3) return `${trim(bps / 1e3)}Kbit`;
  return `${trim(bps)}bit`;
}
