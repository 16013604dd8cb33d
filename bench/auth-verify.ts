import { execFileSync, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { cpus } from 'node:os';
import { randomBytes } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Writable } from 'node:stream';
import { join } from 'node:path';
import { testConfig } from '../src/config/config';
import { createHttpForApp } from '../src/http/for-app';
import { createLogger } from '../src/log/logger';
import { buildApp } from '../src/main';
import { printTable, round, tempDir } from './util';

const CONNECTIONS = 16;
const DURATION_S = 3;
const ROUNDS = 5;
const WARMUP_S = 2;
const TARGET_RATIO = 0.35;
/**
 * With two or more cores and taskset, the servers (this process) run on core 0 and the load
 * generator on core 1, so neither server competes with autocannon for a core and the ratio
 * compares the servers, not the scheduler's mood. Both servers are measured the same way.
 */
const PINNED = existsSync('/usr/bin/taskset') && cpus().length >= 2;
/** autocannon runs bounded by its duration; this only guards against a hang. */
const RUN_TIMEOUT_MS = (DURATION_S + 20) * 1000;

interface Result {
  requestsPerSec: number;
  p99Ms: number;
}

/**
 * autocannon in a child process, so the load generator never shares the event loop it measures.
 * Fails when any answer is not a 2xx: a fast 401 would be a meaningless figure.
 */
function autocannon(url: string, headers: Record<string, string>, durationS: number): Promise<Result> {
  const args = [require.resolve('autocannon'), '-c', String(CONNECTIONS), '-d', String(durationS), '-j', ...Object.entries(headers).flatMap(([k, v]) => ['-H', `${k}=${v}`]), url];
  return new Promise((resolve, reject) => {
    const child = PINNED ? spawn('taskset', ['-c', '1', process.execPath, ...args], { stdio: ['ignore', 'pipe', 'pipe'] }) : spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (c: Buffer) => (out += c.toString()));
    child.stderr.on('data', (c: Buffer) => (err += c.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), RUN_TIMEOUT_MS);
    child.on('close', (code) => {
      clearTimeout(timer);
      if (code !== 0) return reject(new Error(`autocannon exited ${code}: ${err.slice(-500)}`));
      try {
        const r = JSON.parse(out) as { requests: { average: number }; latency: { p99: number }; non2xx: number; errors: number; timeouts: number };
        if (r.non2xx || r.errors || r.timeouts) return reject(new Error(`${url}: ${r.non2xx} non-2xx, ${r.errors} errors, ${r.timeouts} timeouts`));
        resolve({ requestsPerSec: r.requests.average, p99Ms: r.latency.p99 });
      } catch (e) {
        reject(new Error(`autocannon output is not JSON: ${e instanceof Error ? e.message : String(e)}`));
      }
    });
  });
}

function listenBare(): Promise<Server> {
  const server = createServer((_req, res) => {
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end('{}');
  });
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(server)));
}

/**
 * `GET /auth/verify` with a logged-in user's JWT through the whole side-app (request id, security
 * headers, CORS, metrics, JWT check, session lookup) against a bare node:http server answering
 * `{}`: the ratio is what auth and the framework cost. Same connections and duration for both.
 */
export async function benchAuthVerify(): Promise<void> {
  const pin = (cores: string) => PINNED && execFileSync('taskset', ['-a', '-cp', cores, String(process.pid)], { stdio: 'ignore' });
  pin('0');
  try {
    await measure();
  } finally {
    pin(`0-${cpus().length - 1}`); // the benches after this one get every core back
  }
}

async function measure(): Promise<void> {
  const config = testConfig({ DATABASE_PATH: join(tempDir('sco-bench-auth-'), 'db.sqlite'), JWT_SECRET: randomBytes(36).toString('base64'), LOG_LEVEL: 'info' });
  // The production default level (info: access lines are not kept), written nowhere.
  const sink = new Writable({ write: (_chunk, _enc, done) => done() });
  const app = await buildApp(config, { log: createLogger({ level: config.log.level, format: 'json', stream: sink }) });
  const http = createHttpForApp(app);
  const bare = await listenBare();
  try {
    const password = 'load test passphrase 2048';
    await app.auth.users.create({ email: 'bench@example.com', password, role: 'operator' });
    await http.listen({ port: 0, host: '127.0.0.1' });
    const ours = `http://127.0.0.1:${(http.server.address() as AddressInfo).port}/auth/verify`;
    const base = `http://127.0.0.1:${(bare.address() as AddressInfo).port}/`;
    const login = await fetch(new URL('/auth/login', ours), { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ email: 'bench@example.com', password }) });
    if (!login.ok) throw new Error(`bench login failed: ${login.status} ${await login.text()}`);
    const { access_token: token } = (await login.json()) as { access_token: string };
    const auth = { authorization: `Bearer ${token}` };

    await autocannon(ours, auth, WARMUP_S);
    await autocannon(base, {}, WARMUP_S);
    // Interleaved rounds, median of the per-round ratios: a noisy neighbour hits both sides alike.
    const rounds: Array<{ verify: Result; plain: Result; ratio: number }> = [];
    for (let i = 0; i < ROUNDS; i++) {
      const verify = await autocannon(ours, auth, DURATION_S);
      const plain = await autocannon(base, {}, DURATION_S);
      rounds.push({ verify, plain, ratio: verify.requestsPerSec / plain.requestsPerSec });
    }
    rounds.sort((a, b) => a.ratio - b.ratio);
    const { verify, plain, ratio } = rounds[Math.floor(rounds.length / 2)];
    printTable(`GET /auth/verify vs bare node:http (autocannon, ${CONNECTIONS} connections, median of ${ROUNDS} interleaved rounds of ${DURATION_S} s, loopback${PINNED ? '; servers on core 0, autocannon on core 1' : ''})`, [
      { name: 'auth/verify throughput', value: Math.round(verify.requestsPerSec), unit: 'req/s' },
      { name: 'auth/verify p99 latency', value: round(verify.p99Ms, 2), unit: 'ms' },
      { name: 'bare node:http throughput', value: Math.round(plain.requestsPerSec), unit: 'req/s' },
      { name: 'bare node:http p99 latency', value: round(plain.p99Ms, 2), unit: 'ms' },
      { name: 'ratio ours / bare (median round)', value: round(ratio, 3), target: `>= ${TARGET_RATIO}`, pass: ratio >= TARGET_RATIO },
      { name: 'ratio, all rounds', value: rounds.map((r) => round(r.ratio, 2)).join(' ') },
    ]);
  } finally {
    await http.close();
    await new Promise((r) => bare.close(r));
    await app.close();
  }
}

if (require.main === module) {
  benchAuthVerify().then(
    () => process.exit(0),
    (err: unknown) => {
      process.stderr.write(`bench failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
      process.exit(1);
    },
  );
}
