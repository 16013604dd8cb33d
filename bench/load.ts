import { execFileSync, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { cpus } from 'node:os';

/**
 * HTTP load from autocannon in a child process, so the load generator never shares the event
 * loop it measures. With two or more cores and taskset, the servers (this process) run on core 0
 * and autocannon on core 1, so neither competes with the other for a core.
 */
export const PINNED = existsSync('/usr/bin/taskset') && cpus().length >= 2;

export interface LoadResult {
  requestsPerSec: number;
  p50Ms: number;
  p99Ms: number;
  maxMs: number;
  /** Non-2xx answers, errors and timeouts together (always 0 unless `allowFailures`). */
  failures: number;
}

export interface LoadOptions {
  connections: number;
  durationS: number;
  method?: 'GET' | 'POST';
  headers?: Record<string, string>;
  body?: string;
  /** Count failed answers instead of rejecting (for benches whose subject is the failures). */
  allowFailures?: boolean;
}

/** Fails when any answer is not a 2xx (a fast 401 would be a meaningless figure), unless `allowFailures`. */
export function autocannon(url: string, o: LoadOptions): Promise<LoadResult> {
  const args = [
    require.resolve('autocannon'),
    '-c',
    String(o.connections),
    '-d',
    String(o.durationS),
    '-j',
    '-m',
    o.method ?? 'GET',
    ...Object.entries(o.headers ?? {}).flatMap(([k, v]) => ['-H', `${k}=${v}`]),
    ...(o.body === undefined ? [] : ['-b', o.body]),
    url,
  ];
  return new Promise((resolve, reject) => {
    const child = PINNED
      ? spawn('taskset', ['-c', '1', process.execPath, ...args], { stdio: ['ignore', 'pipe', 'pipe'] })
      : spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (c: Buffer) => (out += c.toString()));
    child.stderr.on('data', (c: Buffer) => (err += c.toString()));
    // autocannon stops at its duration; this only guards against a hang.
    const timer = setTimeout(() => child.kill('SIGKILL'), (o.durationS + 20) * 1000);
    child.on('close', (code) => {
      clearTimeout(timer);
      if (code !== 0) return reject(new Error(`autocannon exited ${code}: ${err.slice(-500)}`));
      try {
        const r = JSON.parse(out) as {
          requests: { average: number };
          latency: { p50: number; p99: number; max: number };
          non2xx: number;
          errors: number;
          timeouts: number;
        };
        const failures = r.non2xx + r.errors + r.timeouts;
        if (failures && !o.allowFailures)
          return reject(new Error(`${url}: ${r.non2xx} non-2xx, ${r.errors} errors, ${r.timeouts} timeouts`));
        resolve({
          requestsPerSec: r.requests.average,
          p50Ms: r.latency.p50,
          p99Ms: r.latency.p99,
          maxMs: r.latency.max,
          failures,
        });
      } catch (e) {
        reject(new Error(`autocannon output is not JSON: ${e instanceof Error ? e.message : String(e)}`));
      }
    });
  });
}

/** Runs `fn` with this process on core 0 (when pinning), then gives every core back. */
export async function onCoreZero(fn: () => Promise<void>): Promise<void> {
  const pin = (cores: string) =>
    PINNED && execFileSync('taskset', ['-a', '-cp', cores, String(process.pid)], { stdio: 'ignore' });
  pin('0');
  try {
    await fn();
  } finally {
    pin(`0-${cpus().length - 1}`);
  }
}
