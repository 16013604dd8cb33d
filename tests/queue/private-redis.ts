import { spawn, type ChildProcess } from 'node:child_process';
import { freePort, waitFor } from '../helpers/cli';
import { redisAvailable } from '../helpers/redis';

/**
 * A redis-server of the test's own, on a free port, that the test may kill, freeze and bring back.
 * Never the shared one at 6379. Data is not persisted: a restart starts empty.
 */
export interface PrivateRedis {
  url: string;
  port: number;
  /** SIGKILL; resolves once the process is gone. */
  kill(): Promise<void>;
  /** SIGSTOP: the socket stays open, nothing answers. */
  freeze(): void;
  /** SIGCONT after freeze(). */
  thaw(): void;
  /** A new redis-server on the same port (after kill). */
  restart(): Promise<void>;
  /** Ends it for good (thaws it first if frozen). */
  stop(): Promise<void>;
}

export async function startPrivateRedis(): Promise<PrivateRedis> {
  const port = await freePort();
  const url = `redis://127.0.0.1:${port}`;
  let child: ChildProcess | undefined;
  let frozen = false;

  const start = async () => {
    const c = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], { stdio: 'ignore' });
    child = c;
    await waitFor(async () => ((await redisAvailable(url)) ? true : undefined), 10_000, `redis-server on port ${port}`);
  };
  const kill = async () => {
    const c = child;
    child = undefined;
    if (!c || c.exitCode !== null || c.signalCode !== null) return;
    const gone = new Promise<void>((resolve) => c.once('exit', () => resolve()));
    if (frozen) c.kill('SIGCONT');
    frozen = false;
    c.kill('SIGKILL');
    await gone;
  };
  await start();
  return {
    url,
    port,
    kill,
    freeze() {
      frozen = true;
      child?.kill('SIGSTOP');
    },
    thaw() {
      frozen = false;
      child?.kill('SIGCONT');
    },
    restart: start,
    stop: kill,
  };
}
