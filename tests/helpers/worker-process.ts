import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { BIN, waitFor } from './cli';

export interface WorkerProcess {
  child: ChildProcess;
  /** Everything it printed so far (stdout and stderr). */
  output(): string;
  /** SIGTERM (or the signal given) and wait for it to exit; nothing when it has exited already. */
  stop(signal?: NodeJS.Signals): Promise<void>;
}

/**
 * A real `smartcloudops worker` process (the built CLI) on a Redis queue, with only what a worker
 * needs in its environment (no DATABASE_PATH), started and waited for until it says so.
 */
export async function startWorkerProcess(options: {
  redisUrl: string;
  queueName: string;
  env?: Record<string, string>;
  cwd?: string;
  uid?: number;
  gid?: number;
}): Promise<WorkerProcess> {
  let output = '';
  const child = spawn(process.execPath, [BIN, 'worker'], {
    ...(options.cwd ? { cwd: options.cwd } : {}),
    env: {
      PATH: process.env.PATH ?? '',
      REDIS_URL: options.redisUrl,
      QUEUE_NAME: options.queueName,
      LOG_FORMAT: 'json',
      LOG_LEVEL: 'info',
      SHUTDOWN_GRACE_MS: '1000',
      ...options.env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
    ...(options.uid !== undefined ? { uid: options.uid } : {}),
    ...(options.gid !== undefined ? { gid: options.gid } : {}),
  });
  child.stdout?.on('data', (d: Buffer) => (output += d.toString()));
  child.stderr?.on('data', (d: Buffer) => (output += d.toString()));
  await waitFor(
    async () => {
      if (child.exitCode !== null) throw new Error(`worker exited ${child.exitCode}: ${output}`);
      return output.includes('workers started') ? true : undefined;
    },
    20_000,
    'the worker to start',
  );
  return {
    child,
    output: () => output,
    async stop(signal = 'SIGTERM') {
      if (child.exitCode !== null || child.signalCode !== null) return;
      const gone = once(child, 'exit');
      child.kill(signal);
      await gone;
    },
  };
}
