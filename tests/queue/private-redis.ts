import { spawn, type ChildProcess } from 'node:child_process';
import { connect } from 'node:net';
import { freePort, waitFor } from '../helpers/cli';

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

/** True once a Redis on the port answers PING (an answer asking for the password counts). */
function answers(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = connect({ host: '127.0.0.1', port });
    const done = (ok: boolean) => {
      s.destroy();
      resolve(ok);
    };
    s.setTimeout(1500, () => done(false));
    s.on('error', () => done(false));
    s.on('connect', () => s.write('PING\r\n'));
    s.on('data', (d) => done(/^(\+PONG|-NOAUTH)/.test(String(d))));
  });
}

/** `password`: the server requires it (`--requirepass`) and `url` carries it (`redis://:PASSWORD@…`). */
export async function startPrivateRedis(options: { password?: string } = {}): Promise<PrivateRedis> {
  const port = await freePort();
  const url = options.password
    ? `redis://:${encodeURIComponent(options.password)}@127.0.0.1:${port}`
    : `redis://127.0.0.1:${port}`;
  const auth = options.password ? ['--requirepass', options.password] : [];
  let child: ChildProcess | undefined;
  let frozen = false;

  const start = async () => {
    const c = spawn(
      'redis-server',
      ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', ...auth],
      { stdio: 'ignore' },
    );
    child = c;
    await waitFor(async () => ((await answers(port)) ? true : undefined), 10_000, `redis-server on port ${port}`);
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
