/**
 * Measuring other programs fairly: wall time and peak resident memory of a child process.
 * Peak memory comes from getrusage(RUSAGE_CHILDREN) in a tiny Python wrapper, since Node cannot
 * read a finished child's rusage.
 */

import { spawnSync } from 'node:child_process';

export interface ChildMeasure {
  readonly seconds: number;
  readonly maxRssKb: number;
  readonly status: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

const MARKER = '\n@@MEASURE@@';

const WRAPPER = [
  'import resource, subprocess, sys, time, json',
  't = time.perf_counter()',
  'p = subprocess.run(sys.argv[1:], stdout=subprocess.PIPE, stderr=subprocess.PIPE)',
  'dt = time.perf_counter() - t',
  'ru = resource.getrusage(resource.RUSAGE_CHILDREN)',
  'sys.stderr.buffer.write(p.stderr)',
  'sys.stdout.buffer.write(p.stdout)',
  'sys.stdout.write("\\n@@MEASURE@@" + json.dumps({"seconds": dt, "maxRssKb": ru.ru_maxrss, "status": p.returncode}))',
].join('\n');

/** Runs `cmd args` and reports its wall time and peak RSS. */
export function measureChild(cmd: string, args: readonly string[], opts: { python?: string } = {}): ChildMeasure {
  const r = spawnSync(opts.python ?? '/usr/bin/python3', ['-c', WRAPPER, cmd, ...args], {
    encoding: 'utf8',
    maxBuffer: 1 << 30,
  });
  const at = r.stdout.lastIndexOf(MARKER);
  if (at === -1) throw new Error(`measuring ${cmd} failed: ${r.stderr}`);
  const m = JSON.parse(r.stdout.slice(at + MARKER.length)) as { seconds: number; maxRssKb: number; status: number };
  return { seconds: m.seconds, maxRssKb: m.maxRssKb, status: m.status, stdout: r.stdout.slice(0, at), stderr: r.stderr };
}

export function fmtRate(n: number): string {
  return Math.round(n).toLocaleString('en-US');
}
