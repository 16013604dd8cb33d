import { spawnSync } from 'node:child_process';
import { connect } from 'node:net';
import { describeNeeding } from './requires';

/** The Redis queue tests use: loopback only. */
export const TEST_REDIS_URL = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';

function hostPort(url: string): { host: string; port: number } {
  const u = new URL(url);
  return { host: u.hostname || '127.0.0.1', port: Number(u.port || 6379) };
}

/** Sends PING, expects +PONG; never throws. Same probe, sync (child process) and async. */
const PROBE = `
const net = require('node:net');
const [host, port] = [process.argv[1], Number(process.argv[2])];
const s = net.connect({ host, port });
const bye = (code) => { s.destroy(); process.exit(code); };
s.setTimeout(1500, () => bye(1));
s.on('error', () => bye(1));
s.on('connect', () => s.write('PING\\r\\n'));
s.on('data', (d) => bye(String(d).startsWith('+PONG') ? 0 : 1));
`;

export async function redisAvailable(url = TEST_REDIS_URL): Promise<boolean> {
  const { host, port } = hostPort(url);
  return new Promise((resolve) => {
    const s = connect({ host, port });
    const done = (ok: boolean) => {
      s.destroy();
      resolve(ok);
    };
    s.setTimeout(1500, () => done(false));
    s.on('error', () => done(false));
    s.on('connect', () => s.write('PING\r\n'));
    s.on('data', (d) => done(String(d).startsWith('+PONG')));
  });
}

let cached: boolean | undefined;
/** Jest must know before `describe` runs, so this asks a child process and waits for it. */
export function redisAvailableSync(url = TEST_REDIS_URL): boolean {
  if (cached === undefined) {
    const { host, port } = hostPort(url);
    const r = spawnSync(process.execPath, ['-e', PROBE, host, String(port)], { timeout: 5000, stdio: 'ignore' });
    cached = r.status === 0;
  }
  return cached;
}

/** `describe` when Redis answers; otherwise the suite fails saying how to start it (see ./requires). */
export function describeIfRedis(name: string, fn: () => void): void {
  const missing = redisAvailableSync()
    ? undefined
    : `Redis is not reachable at ${TEST_REDIS_URL}: start it (redis-server; ` +
      '.ci/run installs and starts it) or point TEST_REDIS_URL at one';
  describeNeeding(name, missing, fn);
}
