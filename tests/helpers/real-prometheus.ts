import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { closedPort } from './fake-prometheus';
import { describeNeeding } from './requires';

/**
 * A real Prometheus (the Debian `prometheus` package) for tests: started on a free loopback port
 * with a temp storage dir, stopped with SIGTERM (SIGKILL after 5 s). Without the binary a suite
 * fails, saying how to install it. `backfill` writes recorded samples into the storage dir with
 * promtool before the server starts, so a suite can read exact, known values at once.
 */
export const PROMETHEUS_BIN = process.env.PROMETHEUS_BIN ?? '/usr/bin/prometheus';
export const PROMTOOL_BIN = process.env.PROMTOOL_BIN ?? '/usr/bin/promtool';

export function describeIfPrometheus(name: string, fn: () => void, needs: string[] = [PROMETHEUS_BIN]): void {
  const absent = needs.find((bin) => !existsSync(bin));
  const missing =
    absent === undefined
      ? undefined
      : `${absent} is missing: install it (apt-get install -y prometheus; .ci/run does) ` +
        'or set PROMETHEUS_BIN/PROMTOOL_BIN';
  describeNeeding(name, missing, fn);
}

export interface RunningPrometheus {
  url: string;
  port: number;
  /** What the process printed so far. */
  output(): string;
  /** The process has exited (it should not have, while a suite uses it). */
  exited(): boolean;
  stop(): Promise<void>;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Starts Prometheus with `config(port)` as its prometheus.yml and `dir`/data as its storage, and
 * resolves once /-/ready answers 200 (rejects with its output if it exits or takes 40 s).
 */
export async function startPrometheus(options: {
  dir: string;
  config: (port: number) => string;
  args?: string[];
}): Promise<RunningPrometheus> {
  const port = await closedPort();
  const url = `http://127.0.0.1:${port}`;
  const config = join(options.dir, 'prometheus.yml');
  writeFileSync(config, options.config(port));
  const child: ChildProcess = spawn(
    PROMETHEUS_BIN,
    [
      `--config.file=${config}`,
      `--storage.tsdb.path=${join(options.dir, 'data')}`,
      `--web.listen-address=127.0.0.1:${port}`,
      '--log.level=warn',
      ...(options.args ?? []),
    ],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let output = '';
  child.stdout?.on('data', (c: Buffer) => (output += c.toString()));
  child.stderr?.on('data', (c: Buffer) => (output += c.toString()));
  const running: RunningPrometheus = {
    url,
    port,
    output: () => output,
    exited: () => child.exitCode !== null,
    async stop() {
      if (child.exitCode !== null) return;
      await new Promise<void>((resolve) => {
        const force = setTimeout(() => child.kill('SIGKILL'), 5000);
        child.once('exit', () => {
          clearTimeout(force);
          resolve();
        });
        child.kill('SIGTERM');
      });
    },
  };
  const deadline = Date.now() + 40_000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`prometheus exited with ${child.exitCode}:\n${output}`);
    try {
      if ((await fetch(`${url}/-/ready`, { signal: AbortSignal.timeout(1000) })).ok) return running;
    } catch {
      // not listening yet
    }
    await sleep(50);
  }
  await running.stop();
  throw new Error(`prometheus at ${url} did not become ready in 40 s:\n${output}`);
}

/** Writes OpenMetrics text (ending in `# EOF`) into `dir`/data as TSDB blocks, with promtool. */
export function backfill(dir: string, openMetrics: string): void {
  const input = join(dir, 'backfill.om');
  writeFileSync(input, openMetrics);
  const done = spawnSync(PROMTOOL_BIN, ['tsdb', 'create-blocks-from', 'openmetrics', input, join(dir, 'data')], {
    encoding: 'utf8',
  });
  if (done.status !== 0) throw new Error(`promtool backfill failed (${done.status}):\n${done.stderr}${done.stdout}`);
}
