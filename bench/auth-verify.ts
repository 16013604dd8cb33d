import { randomBytes } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Writable } from 'node:stream';
import { join } from 'node:path';
import { testConfig } from '../src/config/config';
import { createHttpForApp } from '../src/app/http';
import { createLogger } from '../src/log/logger';
import { buildApp } from '../src/app/control';
import { autocannon as load, onCoreZero, PINNED, type LoadResult as Result } from './load';
import { printTable, round, runAsScript, tempDir } from './util';

const CONNECTIONS = 16;
const DURATION_S = 3;
const ROUNDS = 5;
const WARMUP_S = 2;
const TARGET_RATIO = 0.35;
const autocannon = (url: string, headers: Record<string, string>, durationS: number) =>
  load(url, { connections: CONNECTIONS, durationS, headers });

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
  await onCoreZero(measure);
}

async function measure(): Promise<void> {
  const config = testConfig({
    DATABASE_PATH: join(tempDir('sco-bench-auth-'), 'db.sqlite'),
    JWT_SECRET: randomBytes(36).toString('base64'),
    LOG_LEVEL: 'info',
    // One principal at full speed: the per-principal limit (RATE_LIMIT_API_PER_MIN) would refuse it.
    RATE_LIMIT_API_PER_MIN: '0',
  });
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
    const login = await fetch(new URL('/auth/login', ours), {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ email: 'bench@example.com', password }),
    });
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
    printTable(
      `GET /auth/verify vs bare node:http (autocannon, ${CONNECTIONS} connections, ` +
        `median of ${ROUNDS} interleaved rounds of ${DURATION_S} s, ` +
        `loopback${PINNED ? '; servers on core 0, autocannon on core 1' : ''})`,
      [
        { name: 'auth/verify throughput', value: Math.round(verify.requestsPerSec), unit: 'req/s' },
        { name: 'auth/verify p99 latency', value: round(verify.p99Ms, 2), unit: 'ms' },
        { name: 'bare node:http throughput', value: Math.round(plain.requestsPerSec), unit: 'req/s' },
        { name: 'bare node:http p99 latency', value: round(plain.p99Ms, 2), unit: 'ms' },
        {
          name: 'ratio ours / bare (median round)',
          value: round(ratio, 3),
          target: `>= ${TARGET_RATIO}`,
          pass: ratio >= TARGET_RATIO,
        },
        { name: 'ratio, all rounds', value: rounds.map((r) => round(r.ratio, 2)).join(' ') },
      ],
    );
  } finally {
    await http.close();
    await new Promise((r) => bare.close(r));
    await app.close();
  }
}

if (require.main === module) runAsScript(benchAuthVerify);
