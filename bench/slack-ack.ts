import { createHmac } from 'node:crypto';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { testConfig } from '../src/config/config';
import { createHttpForApp } from '../src/app/http';
import { createLogger } from '../src/log/logger';
import { buildApp } from '../src/app/control';
import { autocannon, onCoreZero, PINNED, type LoadResult } from './load';
import { printTable, round, runAsScript, tempDir } from './util';

const SECRET = 'bench-slack-signing-secret-0123456789';
const CONNECTIONS = 16;
const DURATION_S = 5;
const SLACK_LIMIT_MS = 3000;
const DRAIN_S = 60;

/** Load on one URL; failed answers are counted, not refused: a slow or refused ack is what this bench reports. */
const cannon = (url: string, durationS: number, post?: { headers: Record<string, string>; body: string }) =>
  autocannon(url, {
    connections: CONNECTIONS,
    durationS,
    allowFailures: true,
    ...(post ? { method: 'POST' as const, ...post } : {}),
  });

/** Just enough of Slack's Web API for the bot: ok answers, message ts that increase, calls counted by method. */
async function fakeSlack() {
  const calls: Record<string, number> = {};
  let seq = 0;
  const server = createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      const path = (req.url ?? '').split('?')[0];
      const method = path.startsWith('/api/') ? path.slice(5) : path.split('/')[1];
      calls[method] = (calls[method] ?? 0) + 1;
      const n = ++seq;
      const answers: Record<string, object> = {
        'auth.test': { user_id: 'U0BOT', bot_id: 'B0BOT', team_id: 'T0TEAM' },
        'chat.postMessage': {
          channel: 'C0OPS',
          ts: `${1732600000 + Math.floor(n / 1e6)}.${String(n % 1e6).padStart(6, '0')}`,
        },
        'files.getUploadURLExternal': { upload_url: `http://127.0.0.1:${port}/upload/F${n}`, file_id: `F${n}` },
        'files.completeUploadExternal': { files: [{ id: 'F0', title: 'chart' }] },
      };
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ ok: true, ...answers[method] }));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}/api/`,
    origin: `http://127.0.0.1:${port}`,
    calls,
    close: () => new Promise<void>((resolve) => server.close(() => resolve()).closeAllConnections()),
  };
}

/** A signed `/ops status` slash command as Slack POSTs it (form fields in Slack's order). */
function slashCommand(responseUrl: string): { headers: Record<string, string>; body: string } {
  const body = new URLSearchParams({
    token: 'benchVerificationToken',
    team_id: 'T0TEAM',
    team_domain: 'bench',
    channel_id: 'C0OPS',
    channel_name: 'ops',
    user_id: 'U0BENCH',
    user_name: 'bench',
    command: '/ops',
    text: 'status',
    api_app_id: 'A0APP',
    is_enterprise_install: 'false',
    response_url: responseUrl,
    trigger_id: '1732600000.1.0123456789abcdef0123456789abcdef',
  }).toString();
  const ts = String(Math.floor(Date.now() / 1000));
  const signature = `v0=${createHmac('sha256', SECRET).update(`v0:${ts}:${body}`).digest('hex')}`;
  return {
    headers: {
      'content-type': 'application/x-www-form-urlencoded',
      'x-slack-signature': signature,
      'x-slack-request-timestamp': ts,
    },
    body,
  };
}

/**
 * How fast `POST /slack/events` acknowledges `/ops status` while every request enqueues a real
 * `status` job whose replies are posted and edited on a fake Slack: the ack must not wait for the
 * work, which piles up. `GET /healthz` on the same server, first and idle, is the baseline.
 */
export async function benchSlackAck(): Promise<void> {
  await onCoreZero(async () => {
    const slack = await fakeSlack();
    const logged = { warn: 0, error: 0 };
    const stream = new Writable({
      write: (c: Buffer, _e, done) => {
        const level = /"level":"(warn|error)"/.exec(c.toString())?.[1] as 'warn' | 'error' | undefined;
        if (level) logged[level]++;
        done();
      },
    });
    const config = testConfig({
      DATABASE_PATH: join(tempDir('sco-bench-slack-'), 'db.sqlite'),
      LOG_LEVEL: 'info',
      SLACK_BOT_TOKEN: 'xoxb-bench-0000000000-0000000000000-benchbenchbenchbenchbench',
      SLACK_SIGNING_SECRET: SECRET,
      SLACK_API_URL: slack.url,
      // One user at full speed: the per-person chat limit would answer "slow down" instead of working.
      RATE_LIMIT_CHAT_PER_MIN: '0',
    });
    const app = await buildApp(config, { log: createLogger({ level: 'info', format: 'json', stream }) });
    const http = createHttpForApp(app);
    try {
      // Events, not counts(): the queue prunes finished jobs beyond QUEUE_HISTORY_LIMIT.
      const jobs = { added: 0, completed: 0, failed: 0 };
      app.queue.on('added', () => jobs.added++);
      app.queue.on('completed', () => jobs.completed++);
      app.queue.on('failed', (e) => e.willRetry || jobs.failed++);
      await app.startWorkers();
      await app.startChat();
      await http.listen({ port: 0, host: '127.0.0.1' });
      const base = `http://127.0.0.1:${(http.server.address() as AddressInfo).port}`;
      await cannon(`${base}/healthz`, 1);
      const health = await cannon(`${base}/healthz`, DURATION_S);
      const command = slashCommand(`${slack.origin}/respond/bench`);
      await cannon(`${base}/slack/events`, 1, command);
      const ack = await cannon(`${base}/slack/events`, DURATION_S, command);
      const atEnd = { posts: slack.calls['chat.postMessage'] ?? 0, edits: slack.calls['chat.update'] ?? 0 };
      const counts = await app.queue.counts();
      const backlog = counts.waiting + counts.active + counts.delayed;
      // Let the backlog drain and the last edits reach the fake (no new call for 250 ms), within DRAIN_S.
      const idle = async () => {
        const c = await app.queue.counts();
        return c.waiting + c.active + c.delayed === 0;
      };
      const calls = () => Object.values(slack.calls).reduce((a, b) => a + b, 0);
      const drainStarted = Date.now();
      for (
        let seen = -1;
        Date.now() - drainStarted < DRAIN_S * 1000 && !(seen === calls() && (await idle()));
        seen = calls()
      )
        await new Promise((r) => setTimeout(r, 250));
      const drained = await idle();
      const drainedS = round((Date.now() - drainStarted) / 1000, 1);
      const row = (name: string, r: LoadResult) => [
        { name: `${name} requests/s`, value: Math.round(r.requestsPerSec), unit: 'req/s' },
        { name: `${name} p50 / p99 / max`, value: `${r.p50Ms} / ${r.p99Ms} / ${r.maxMs}`, unit: 'ms' },
      ];
      printTable(
        `Slack ack under load (/ops status, signed; autocannon, ${CONNECTIONS} connections, ${DURATION_S} s ` +
          `after 1 s warm-up, loopback${PINNED ? '; server on core 0, autocannon on core 1' : ''})`,
        [
          ...row('/slack/events', ack),
          ...row('/healthz (idle, first)', health),
          { name: 'p99 slack / p99 healthz', value: round(ack.p99Ms / Math.max(health.p99Ms, 1), 1), unit: 'x' },
          {
            name: 'non-2xx, errors, timeouts',
            value: ack.failures + health.failures,
            target: '0',
            pass: ack.failures + health.failures === 0,
          },
          {
            name: 'p99 < Slack limit',
            value: ack.p99Ms < SLACK_LIMIT_MS ? 'yes' : 'no',
            unit: '',
            target: `< ${SLACK_LIMIT_MS} ms`,
            pass: ack.p99Ms < SLACK_LIMIT_MS,
          },
          {
            name: 'jobs enqueued (warm-up included) / backlog at end of load',
            value: `${jobs.added} / ${backlog}`,
            unit: 'jobs',
          },
          { name: 'postMessage / update at end of load', value: `${atEnd.posts} / ${atEnd.edits}`, unit: 'calls' },
          {
            name: 'postMessage / update after drain',
            value: `${slack.calls['chat.postMessage'] ?? 0} / ${slack.calls['chat.update'] ?? 0}`,
            unit: 'calls',
          },
          {
            name: 'queue drained in',
            value: drained ? drainedS : `not in ${DRAIN_S}`,
            unit: 's',
            target: `< ${DRAIN_S}`,
            pass: drained,
          },
          { name: 'jobs completed / failed', value: `${jobs.completed} / ${jobs.failed}`, unit: 'jobs' },
          {
            name: 'log warnings / errors',
            value: `${logged.warn} / ${logged.error}`,
            target: '0 / 0',
            pass: logged.warn + logged.error === 0,
          },
        ],
      );
    } finally {
      await http.close();
      await app.close();
      await slack.close();
    }
  });
}

if (require.main === module) runAsScript(benchSlackAck);
