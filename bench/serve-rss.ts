import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { printTable, round, tempDir } from './util';

const BIN = join(__dirname, '..', '..', 'bin', 'smartcloudops.js');
const TARGET_MB = 150;

function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const a = s.address();
      s.close(() => resolve(typeof a === 'object' && a ? a.port : 0));
    });
  });
}

function rssMb(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = Number(/VmRSS:\s+(\d+) kB/.exec(status)?.[1] ?? NaN);
  return kb / 1024;
}

/**
 * Idle resident memory of `serve` on the embedded defaults, after start-up settles: with the monitor
 * (on by default; its first scan runs at start, and on the demo schedule opens an incident whose
 * investigation runs too), and with MONITOR_INTERVAL=off, so the monitor's share is visible.
 */
export async function benchServeRss(): Promise<void> {
  const on = await serveRss({});
  const off = await serveRss({ MONITOR_INTERVAL: 'off' });
  printTable('serve (embedded defaults)', [
    { name: 'start to /healthz 200', value: on.readyMs, unit: 'ms', target: '<= 10000', pass: on.readyMs <= 10_000 },
    { name: 'idle RSS', value: round(on.rss, 1), unit: 'MB', target: `<= ${TARGET_MB}`, pass: on.rss <= TARGET_MB },
    { name: 'idle RSS, MONITOR_INTERVAL=off', value: round(off.rss, 1), unit: 'MB' },
  ]);
}

async function serveRss(env: Record<string, string>): Promise<{ readyMs: number; rss: number }> {
  const port = await freePort();
  const child = spawn(process.execPath, [BIN, 'serve'], {
    env: {
      PATH: process.env.PATH,
      PORT: String(port),
      HOST: '127.0.0.1',
      DATABASE_PATH: join(tempDir('sco-bench-rss-'), 'db.sqlite'),
      LOG_LEVEL: 'warn',
      ...env,
    },
    stdio: 'ignore',
  });
  const started = Date.now();
  try {
    for (;;) {
      if (Date.now() - started > 15_000) throw new Error('serve did not answer /healthz within 15 s');
      try {
        if ((await fetch(`http://127.0.0.1:${port}/healthz`)).ok) break;
      } catch {
        // not up yet
      }
      await new Promise((r) => setTimeout(r, 50));
    }
    const readyMs = Date.now() - started;
    await fetch(`http://127.0.0.1:${port}/metrics`);
    await new Promise((r) => setTimeout(r, 5000));
    return { readyMs, rss: rssMb(child.pid as number) };
  } finally {
    child.kill('SIGTERM');
  }
}

if (require.main === module) void benchServeRss();
