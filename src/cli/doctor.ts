import { Queue } from 'bullmq';
import Redis from 'ioredis';
import { loadKeys } from '../auth/tokens';
import { loadConfig, type Config } from '../config/config';
import { errorMessage } from '../errors';
import { incidentChannel } from '../config/channels';
import { buildCatalog } from '../sources/catalog';
import { PrometheusClient } from '../sources/prometheus';
import { openStore } from '../store/store';

type Verdict = { status: 'ok' | 'fail' | 'skip'; item: string; detail: string; fix?: string };

const TIMEOUT_MS = 3000;

/** `smartcloudops doctor`: one verdict per item, with how to fix what is wrong. Exit 1 on any failure. */
export async function runDoctor(out: (line: string) => void = (l) => process.stdout.write(`${l}\n`)): Promise<number> {
  const verdicts: Verdict[] = [];
  const report = (v: Verdict) => {
    verdicts.push(v);
    const mark = v.status === 'ok' ? 'ok  ' : v.status === 'fail' ? 'FAIL' : 'skip';
    out(`${mark}  ${v.item.padEnd(10)} ${v.detail}${v.fix ? `\n      fix: ${v.fix}` : ''}`);
  };
  const loaded = loadConfig();
  if (!loaded.ok) {
    for (const problem of loaded.problems)
      report({
        status: 'fail',
        item: 'config',
        detail: problem,
        fix: 'set the variable as described (README "Configuration")',
      });
    out('\nverdict: configuration is invalid; nothing else was checked');
    return 1;
  }
  const config = loaded.config;
  report({
    status: 'ok',
    item: 'config',
    detail:
      `valid (queue: ${config.redisUrl ? 'BullMQ on Redis' : 'embedded'}, metrics: ${config.metricsSource.kind}, ` +
      `intents: ${config.openai.apiKey || config.openai.baseUrl ? 'rules + LLM' : 'rules'})`,
  });
  for (const check of [
    checkStore,
    checkAuth,
    checkRedis,
    checkWorkers,
    checkPrometheus,
    checkSlack,
    checkTeams,
    checkIncidentChannel,
    checkLlm,
  ])
    report(await check(config));
  const failed = verdicts.filter((v) => v.status === 'fail').length;
  out(`\nverdict: ${failed ? `${failed} problem(s) to fix` : 'all configured parts answer'}`);
  return failed ? 1 : 0;
}

async function checkStore(config: Config): Promise<Verdict> {
  try {
    const store = openStore(config.databasePath);
    const mode = store.db.pragma('journal_mode', { simple: true });
    store.check();
    store.close();
    return {
      status: 'ok',
      item: 'store',
      detail: `${config.databasePath} (SQLite ${String(mode)}, schema v${store.schemaVersion})`,
    };
  } catch (err) {
    return {
      status: 'fail',
      item: 'store',
      detail: `${config.databasePath}: ${errorMessage(err)}`,
      fix: 'point DATABASE_PATH at a writable file path',
    };
  }
}

/** The token keys `serve` loads at start: a weak secret or key files that are not one usable pair stop it. */
async function checkAuth(config: Config): Promise<Verdict> {
  try {
    const keys = loadKeys(config.auth);
    return keys
      ? { status: 'ok', item: 'auth', detail: `tokens signed with ${keys.algorithm}` }
      : {
          status: 'skip',
          item: 'auth',
          detail: 'no JWT_SECRET or key pair: login answers 503 and only API keys work on REST',
        };
  } catch (err) {
    return {
      status: 'fail',
      item: 'auth',
      detail: errorMessage(err),
      fix:
        'set JWT_SECRET, or JWT_PRIVATE_KEY_FILE and JWT_PUBLIC_KEY_FILE to the PEM files of one key pair ' +
        '(README "Configuration")',
    };
  }
}

async function checkRedis(config: Config): Promise<Verdict> {
  if (!config.redisUrl)
    return {
      status: 'skip',
      item: 'redis',
      detail: 'not configured: the embedded queue (SQLite) is used',
      fix: undefined,
    };
  const safeUrl = config.redisUrl.replace(/\/\/([^@]*)@/, '//***@');
  const redis = new Redis(config.redisUrl, {
    lazyConnect: true,
    maxRetriesPerRequest: 0,
    connectTimeout: TIMEOUT_MS,
    retryStrategy: () => null,
  });
  // The connection's own error (ECONNREFUSED, ENOTFOUND, a bad password) says why; connect() only says it closed.
  let cause: unknown;
  redis.on('error', (err) => (cause ??= err));
  try {
    await redis.connect();
    const pong = await redis.ping();
    const info = await redis.info('server');
    const version = /redis_version:(\S+)/.exec(info)?.[1] ?? '?';
    return { status: pong === 'PONG' ? 'ok' : 'fail', item: 'redis', detail: `${safeUrl} answers (Redis ${version})` };
  } catch (err) {
    return {
      status: 'fail',
      item: 'redis',
      detail: `${safeUrl}: ${errorMessage(cause ?? err) || 'no answer'}`,
      fix: 'start Redis (redis-server) or unset REDIS_URL to use the embedded queue',
    };
  } finally {
    redis.disconnect();
  }
}

/**
 * Who works each queue: remediation jobs go to `<QUEUE_NAME>-control`, which only `serve` works
 * (with or without --no-workers); the rest go to `<QUEUE_NAME>`, worked by `serve` without
 * --no-workers and by `worker` processes. Jobs waiting on a queue nobody works fail the check.
 */
async function checkWorkers(config: Config): Promise<Verdict> {
  if (!config.redisUrl)
    return { status: 'skip', item: 'workers', detail: 'embedded queue: `serve` runs the jobs (unless --no-workers)' };
  const queues = [
    {
      name: config.queue.name,
      what: 'status, anomaly and other jobs',
      fix: 'run `smartcloudops serve` without --no-workers, or start `smartcloudops worker` processes',
    },
    {
      name: `${config.queue.name}-control`,
      what: 'remediation jobs',
      fix: 'start `smartcloudops serve` (it always runs remediation jobs; `worker` processes never take them)',
    },
  ];
  const lines: string[] = [];
  const problems: string[] = [];
  const fixes: string[] = [];
  try {
    for (const q of queues) {
      const queue = new Queue(q.name, {
        connection: {
          url: config.redisUrl,
          maxRetriesPerRequest: 0,
          enableOfflineQueue: false,
          connectTimeout: TIMEOUT_MS,
          retryStrategy: () => null,
        },
      });
      queue.on('error', () => undefined);
      try {
        const [workers, counts] = await Promise.all([
          queue.getWorkersCount(),
          queue.getJobCounts('waiting', 'prioritized'),
        ]);
        const waiting = (counts.waiting ?? 0) + (counts.prioritized ?? 0);
        lines.push(`${q.name}: ${workers ? `worked by ${workers} worker(s)` : 'nobody works it'}, ${waiting} waiting`);
        if (!workers && waiting) {
          problems.push(`${waiting} ${q.what} wait on ${q.name} and no process works it`);
          fixes.push(q.fix);
        }
      } finally {
        await queue.close().catch(() => undefined);
      }
    }
  } catch (err) {
    return { status: 'skip', item: 'workers', detail: `not checked: Redis did not answer (${errorMessage(err)})` };
  }
  if (problems.length)
    return {
      status: 'fail',
      item: 'workers',
      detail: `${problems.join('; ')} (${lines.join('; ')})`,
      fix: fixes.join('; '),
    };
  return { status: 'ok', item: 'workers', detail: lines.join('; ') };
}

async function checkPrometheus(config: Config): Promise<Verdict> {
  if (config.metricsSource.kind !== 'prometheus')
    return {
      status: 'skip',
      item: 'prometheus',
      detail:
        'not used (METRICS_SOURCE=' +
        `${config.metricsSource.kind === 'csv' ? `csv:${config.metricsSource.dir}` : config.metricsSource.kind})`,
    };
  const { url, bearerToken, username, password, timeoutMs } = config.metricsSource;
  const fix =
    'check PROMETHEUS_URL (with any path prefix), that Prometheus is running, ' +
    'and PROMETHEUS_BEARER_TOKEN or PROMETHEUS_USERNAME/PROMETHEUS_PASSWORD';
  try {
    const services = buildCatalog(config.file, { requireQueries: true });
    const client = new PrometheusClient({
      url,
      bearerToken,
      username,
      password,
      timeoutMs: Math.min(timeoutMs, TIMEOUT_MS),
    });
    await client.ready();
    const { version } = await client.buildInfo().catch(() => ({ version: undefined }));
    return {
      status: 'ok',
      item: 'prometheus',
      detail:
        `${client.url} is ready${version ? ` (Prometheus ${version})` : ''}; ${services.length} service(s) ` +
        'in the catalog',
    };
  } catch (err) {
    return { status: 'fail', item: 'prometheus', detail: errorMessage(err), fix };
  }
}

async function checkSlack(config: Config): Promise<Verdict> {
  if (!config.slack.botToken)
    return { status: 'skip', item: 'slack', detail: 'not configured (set SLACK_BOT_TOKEN and SLACK_SIGNING_SECRET)' };
  const base = config.slack.apiUrl ?? 'https://slack.com/api/';
  try {
    const res = await fetch(new URL('auth.test', base.endsWith('/') ? base : `${base}/`), {
      method: 'POST',
      headers: { authorization: `Bearer ${config.slack.botToken}` },
      signal: AbortSignal.timeout(TIMEOUT_MS),
    });
    const body = (await res.json()) as { ok?: boolean; error?: string; team?: string; user?: string };
    if (body.ok)
      return { status: 'ok', item: 'slack', detail: `token valid for ${body.user ?? '?'} in ${body.team ?? '?'}` };
    return {
      status: 'fail',
      item: 'slack',
      detail: `auth.test said ${body.error ?? `HTTP ${res.status}`}`,
      fix: 'reinstall the app and copy a fresh bot token into SLACK_BOT_TOKEN',
    };
  } catch (err) {
    return {
      status: 'fail',
      item: 'slack',
      detail: `${base}: ${errorMessage(err)}`,
      fix: 'check network access to Slack, or SLACK_API_URL',
    };
  }
}

async function checkIncidentChannel(config: Config): Promise<Verdict> {
  if (!config.incidentChannel)
    return {
      status: 'skip',
      item: 'incidents',
      detail: 'INCIDENT_CHANNEL not set: incidents are kept (see `incidents`) but not posted',
    };
  const { platform, channel, problem } = incidentChannel(config);
  if (problem)
    return {
      status: 'fail',
      item: 'incidents',
      detail: problem,
      fix: 'set SLACK_BOT_TOKEN (Slack) or TEAMS_APP_ID and TEAMS_APP_PASSWORD (Teams), or unset INCIDENT_CHANNEL',
    };
  const teamsNote =
    platform === 'teams' ? '; the bot must be installed in that conversation first (it keeps its reference)' : '';
  return { status: 'ok', item: 'incidents', detail: `new incidents go to ${platform} ${channel}${teamsNote}` };
}

async function checkTeams(config: Config): Promise<Verdict> {
  if (config.teams.authOff)
    return {
      status: 'ok',
      item: 'teams',
      detail:
        'TEAMS_AUTH=off: /api/messages takes unauthenticated activities from loopback connectors ' +
        '(local development only)',
      fix: 'never in production: set TEAMS_APP_ID and TEAMS_APP_PASSWORD and remove TEAMS_AUTH',
    };
  if (!config.teams.appId)
    return { status: 'skip', item: 'teams', detail: 'not configured (set TEAMS_APP_ID and TEAMS_APP_PASSWORD)' };
  return {
    status: 'ok',
    item: 'teams',
    detail:
      `app ${config.teams.appId}${config.teams.tenantId ? ` in tenant ${config.teams.tenantId}` : ''} configured ` +
      '(credentials are checked by Azure on the first message)',
  };
}

async function checkLlm(config: Config): Promise<Verdict> {
  if (!config.openai.apiKey && !config.openai.baseUrl)
    return {
      status: 'skip',
      item: 'llm',
      detail: 'not configured: the rules parser is used (set OPENAI_API_KEY or OPENAI_BASE_URL)',
    };
  const base = config.openai.baseUrl ?? 'https://api.openai.com/v1';
  const headers: Record<string, string> = config.openai.apiKey
    ? { authorization: `Bearer ${config.openai.apiKey}` }
    : {};
  return probe(
    'llm',
    `${base.replace(/\/$/, '')}/models`,
    headers,
    'check OPENAI_BASE_URL and OPENAI_API_KEY; without them the rules parser still works',
  );
}

async function probe(item: string, url: string, headers: Record<string, string>, fix: string): Promise<Verdict> {
  try {
    const res = await fetch(url, { headers, signal: AbortSignal.timeout(TIMEOUT_MS) });
    if (res.ok) return { status: 'ok', item, detail: `${url} answers ${res.status}` };
    return { status: 'fail', item, detail: `${url} answers HTTP ${res.status}`, fix };
  } catch (err) {
    return { status: 'fail', item, detail: `${url}: ${errorMessage(err)}`, fix };
  }
}
