import { accessSync, constants, existsSync, readFileSync, statSync } from 'node:fs';
import { resolve } from 'node:path';
import { parse as parseYaml } from 'yaml';
import type { z } from 'zod';
import { errorMessage } from '../errors';
import { catalogIssues, EXAMPLE_CATALOG } from '../sources/catalog';
import type { AuthConfig } from '../auth/config';
import type { Role } from '../auth/roles';
import type { DemoFaultSpec } from '../sources/demo/faults';
import type { TracingOptions } from '../telemetry/tracing';
import { loadDemoFaults } from './demo-faults';
import { tracingOf } from './otel';
import { crossFieldProblems, envSchema, fileSchema, type Env } from './schema';

/** Prometheus: bearer token or basic auth (never both), and a per-request timeout. */
export interface PrometheusConfig {
  kind: 'prometheus';
  url: string;
  bearerToken?: string;
  username?: string;
  password?: string;
  timeoutMs: number;
}

export type MetricsSourceConfig = { kind: 'demo' } | PrometheusConfig | { kind: 'csv'; dir: string };

/** The one typed configuration object; built once by the composition root and passed down. */
export interface Config {
  /** `trustProxy`: the proxies whose X-Forwarded-For names the client (TRUST_PROXY); none by default. */
  http: { port: number; host: string; bodyLimitBytes: number; trustProxy: string[] };
  databasePath: string;
  redisUrl: string | undefined;
  /**
   * `lockDurationMs`, `stalledIntervalMs`: how long a dead worker holds its jobs, and how often live ones look for
   * such jobs to run again (BullMQ only).
   */
  queue: {
    name: string;
    concurrency: number;
    historyLimit: number;
    attempts: number;
    backoffMs: number;
    lockDurationMs: number;
    stalledIntervalMs: number;
  };
  log: { level: string; format: 'auto' | 'json' | 'pretty' };
  metricsSource: MetricsSourceConfig;
  /** `faults`: DEMO_FAULTS (undefined: the built-in schedule; []: none, a quiet fleet). */
  demo: { seed: number; faults?: DemoFaultSpec[] };
  /** onnxruntime threads inside one operator, for the detector's learned channel. */
  onnxIntraOpThreads: number;
  slack: { botToken?: string; signingSecret?: string; appToken?: string; apiUrl?: string };
  incidentChannel: string | undefined;
  /** DRIFT_INTERVAL in ms (default 1 h); null: no scheduled drift checks. */
  driftIntervalMs: number | null;
  /** MONITOR_INTERVAL in ms (default 5 min); null: no scheduled scans. */
  monitorIntervalMs: number | null;
  /** `authOff`: TEAMS_AUTH=off, local development only: /api/messages takes unauthenticated activities. */
  teams: { appId?: string; appPassword?: string; tenantId?: string; authOff: boolean };
  openai: { apiKey?: string; baseUrl?: string; model: string; timeoutMs: number; tokenBudgetPerHour: number };
  /**
   * The LLM investigation agent: tool calls, time and tokens per investigation, tokens per day (0: never), and the
   * prices (US dollars per million tokens) its cost is counted at.
   */
  investigation: {
    maxSteps: number;
    timeBudgetMs: number;
    tokensMax: number;
    tokensPerDay: number;
    prices: { inputPerMTok: number; outputPerMTok: number };
  };
  auth: AuthConfig;
  /** Per person in chat, per principal on the REST API (0: no limit); 429 / a "slow down" reply past it. */
  rateLimits: { chatPerMinute: number; apiPerMinute: number };
  admin: { email?: string; password?: string };
  alertmanagerWebhookToken: string | undefined;
  defaultRole: Role;
  shutdownGraceMs: number;
  /**
   * Remediation executors: runbook scripts, and the cluster (kubeconfig, or in-cluster when KUBERNETES_SERVICE_HOST
   * is set).
   */
  remediation: { runbooksDir: string; kubeconfig?: string; inCluster: boolean };
  /** `smartcloudops mcp`: the API key (MCP_API_KEY) whose user the MCP server acts as. */
  mcp: { apiKey?: string };
  /** OpenTelemetry tracing (OTEL_*): undefined when off (no OTLP endpoint set, or OTEL_SDK_DISABLED=true). */
  tracing: TracingOptions | undefined;
  file: z.infer<typeof fileSchema>;
}

export type ConfigResult = { ok: true; config: Config } | { ok: false; problems: string[] };

type RawEnv = Record<string, string | undefined>;

/** A URL's user and password (`redis://:s3cret@host`), even in a URL too broken to parse, replaced by `***`. */
function withoutCredentials(text: string): string {
  return text.includes('@')
    ? text.replace(/^([a-z][a-z0-9+.-]*:\/{0,2})?[^]*@/i, (_m, scheme: string | undefined) => `${scheme ?? ''}***@`)
    : text;
}

function describe(value: unknown, name: string): string {
  if (value === undefined) return 'nothing';
  const text = /URL$/.test(name) ? withoutCredentials(String(value)) : String(value);
  return JSON.stringify(text.length > 40 ? `${text.slice(0, 40)}…` : text);
}

const SECRET_VARS = /TOKEN|SECRET|PASSWORD|API_KEY|HEADERS/;

/** Each variable on its own, then the rules between the ones that passed: every problem in one round. */
function parseEnv(env: RawEnv): { e: Env; failed: Set<string>; problems: string[] } {
  const cleaned: RawEnv = {};
  for (const key of Object.keys(envSchema.shape)) {
    const value = env[key];
    if (value !== undefined && value.trim() !== '') cleaned[key] = value.trim();
  }
  const problems: string[] = [];
  const values: Record<string, unknown> = {};
  const failed = new Set<string>();
  for (const [name, schema] of Object.entries(envSchema.shape) as Array<[string, z.ZodType]>) {
    const parsed = schema.safeParse(cleaned[name]);
    if (parsed.success) {
      if (parsed.data !== undefined) values[name] = parsed.data;
      continue;
    }
    failed.add(name);
    const got = SECRET_VARS.test(name) ? '' : `, got ${describe(cleaned[name], name)}`;
    for (const issue of parsed.error.issues.slice(0, 1)) problems.push(`${name}: ${issue.message}${got}`);
  }
  for (const p of crossFieldProblems(values as Partial<Env>))
    if (!failed.has(p.variable)) problems.push(`${p.variable}: ${p.message}`);
  return { e: values as Env, failed, problems };
}

/** The optional config file CONFIG_FILE names (YAML or JSON), checked against its schema. */
function readConfigFile(
  e: Env,
  failed: Set<string>,
  problems: string[],
): { file: z.infer<typeof fileSchema>; fileOk: boolean } {
  let file: z.infer<typeof fileSchema> = {};
  let fileOk = !failed.has('CONFIG_FILE');
  if (e.CONFIG_FILE) {
    try {
      const text = readFileSync(e.CONFIG_FILE, 'utf8');
      const raw: unknown = /\.ya?ml$/i.test(e.CONFIG_FILE) ? parseYaml(text) : JSON.parse(text);
      const fileParsed = fileSchema.safeParse(raw ?? {});
      if (fileParsed.success) file = fileParsed.data;
      else
        for (const issue of fileParsed.error.issues)
          problems.push(`CONFIG_FILE ${e.CONFIG_FILE}: ${issue.path.join('.') || '(root)'}: ${issue.message}`);
      fileOk = fileParsed.success;
    } catch (err) {
      problems.push(`CONFIG_FILE: cannot read ${e.CONFIG_FILE}: ${err instanceof Error ? err.message : String(err)}`);
      fileOk = false;
    }
  }
  return { file, fileOk };
}

/** With METRICS_SOURCE=prometheus, the services catalog must give each service its queries. */
function catalogProblems(e: Env, file: z.infer<typeof fileSchema>, fileOk: boolean, problems: string[]): void {
  if (e.METRICS_SOURCE === 'prometheus' && fileOk) {
    if (!e.CONFIG_FILE) {
      problems.push(
        "CONFIG_FILE: required when METRICS_SOURCE=prometheus: a services catalog with each service's PromQL " +
          `queries (start from ${EXAMPLE_CATALOG})`,
      );
    } else {
      for (const issue of catalogIssues(file, { requireQueries: true }))
        problems.push(`CONFIG_FILE ${e.CONFIG_FILE}: ${issue.path}: ${issue.message}`);
    }
  }
}

function metricsSourceOf(e: Env): MetricsSourceConfig {
  const source = e.METRICS_SOURCE;
  const prometheus: PrometheusConfig = {
    kind: 'prometheus',
    url: e.PROMETHEUS_URL as string,
    bearerToken: e.PROMETHEUS_BEARER_TOKEN,
    username: e.PROMETHEUS_USERNAME,
    password: e.PROMETHEUS_PASSWORD,
    timeoutMs: e.PROMETHEUS_TIMEOUT_MS,
  };
  return source === 'demo'
    ? { kind: 'demo' }
    : source === 'prometheus'
      ? prometheus
      : { kind: 'csv', dir: source.slice('csv:'.length) };
}

function buildConfig(e: Env, file: z.infer<typeof fileSchema>, faults: DemoFaultSpec[] | undefined): Config {
  const metricsSource = metricsSourceOf(e);
  return {
    http: {
      port: e.PORT,
      host: e.HOST,
      bodyLimitBytes: e.HTTP_BODY_LIMIT_BYTES,
      trustProxy: e.TRUST_PROXY ? e.TRUST_PROXY.split(',').map((p) => p.trim()) : [],
    },
    databasePath: e.DATABASE_PATH,
    redisUrl: e.REDIS_URL,
    queue: {
      name: e.QUEUE_NAME,
      concurrency: e.QUEUE_CONCURRENCY,
      historyLimit: e.QUEUE_HISTORY_LIMIT,
      attempts: e.JOB_ATTEMPTS,
      backoffMs: e.JOB_BACKOFF_MS,
      lockDurationMs: e.QUEUE_LOCK_DURATION_MS,
      stalledIntervalMs: e.QUEUE_STALLED_INTERVAL_MS,
    },
    log: { level: e.LOG_LEVEL, format: e.LOG_FORMAT },
    metricsSource,
    demo: { seed: e.DEMO_SEED, ...(faults !== undefined ? { faults } : {}) },
    onnxIntraOpThreads: e.ONNX_INTRA_OP_THREADS,
    slack: {
      botToken: e.SLACK_BOT_TOKEN,
      signingSecret: e.SLACK_SIGNING_SECRET,
      appToken: e.SLACK_APP_TOKEN,
      apiUrl: e.SLACK_API_URL,
    },
    incidentChannel: e.INCIDENT_CHANNEL,
    driftIntervalMs: e.DRIFT_INTERVAL,
    monitorIntervalMs: e.MONITOR_INTERVAL,
    teams: {
      appId: e.TEAMS_APP_ID,
      appPassword: e.TEAMS_APP_PASSWORD,
      tenantId: e.TEAMS_TENANT_ID,
      authOff: e.TEAMS_AUTH === 'off',
    },
    openai: {
      apiKey: e.OPENAI_API_KEY,
      baseUrl: e.OPENAI_BASE_URL,
      model: e.OPENAI_MODEL,
      timeoutMs: e.OPENAI_TIMEOUT_MS,
      tokenBudgetPerHour: e.LLM_TOKEN_BUDGET_PER_HOUR,
    },
    investigation: {
      maxSteps: e.INVESTIGATION_MAX_STEPS,
      // Issue 16: an LLM investigation answers within 90 s, or falls back.
      timeBudgetMs: 90_000,
      tokensMax: e.INVESTIGATION_TOKENS_MAX,
      tokensPerDay: e.INVESTIGATION_TOKENS_PER_DAY,
      prices: { inputPerMTok: e.LLM_PRICE_INPUT_PER_MTOK, outputPerMTok: e.LLM_PRICE_OUTPUT_PER_MTOK },
    },
    auth: {
      jwtSecret: e.JWT_SECRET,
      privateKeyFile: e.JWT_PRIVATE_KEY_FILE,
      publicKeyFile: e.JWT_PUBLIC_KEY_FILE,
      issuer: e.JWT_ISSUER,
      audience: e.JWT_AUDIENCE,
      accessTtlS: e.ACCESS_TOKEN_TTL_S,
      refreshTtlS: e.REFRESH_TOKEN_TTL_S,
      loginMaxFailures: e.LOGIN_MAX_FAILURES,
      lockoutBaseS: e.LOGIN_LOCKOUT_S,
      corsOrigins: e.CORS_ORIGINS ? e.CORS_ORIGINS.split(',').map((o) => o.trim()) : [],
    },
    rateLimits: { chatPerMinute: e.RATE_LIMIT_CHAT_PER_MIN, apiPerMinute: e.RATE_LIMIT_API_PER_MIN },
    admin: { email: e.ADMIN_EMAIL, password: e.ADMIN_PASSWORD },
    alertmanagerWebhookToken: e.ALERTMANAGER_WEBHOOK_TOKEN,
    defaultRole: e.DEFAULT_ROLE,
    shutdownGraceMs: e.SHUTDOWN_GRACE_MS,
    remediation: {
      runbooksDir: e.RUNBOOKS_DIR,
      ...(e.KUBECONFIG ? { kubeconfig: e.KUBECONFIG } : {}),
      inCluster: !e.KUBECONFIG && Boolean(e.KUBERNETES_SERVICE_HOST),
    },
    mcp: { ...(e.MCP_API_KEY ? { apiKey: e.MCP_API_KEY } : {}) },
    tracing: tracingOf(e),
    file,
  };
}

/**
 * Validate the environment (and the optional config file it names). Empty strings count as
 * unset, so `FOO=` in a .env file does not fail validation.
 */
export function loadConfig(env: RawEnv = process.env): ConfigResult {
  const { e, failed, problems } = parseEnv(env);
  const { file, fileOk } = readConfigFile(e, failed, problems);
  catalogProblems(e, file, fileOk, problems);
  // Files and folders start-up reads: a wrong path is a configuration problem, reported with the others.
  for (const p of pathProblems(e, failed)) problems.push(p);
  const demoFaults = failed.has('DEMO_FAULTS') ? undefined : loadDemoFaults(e.DEMO_FAULTS);
  if (demoFaults?.ok === false) problems.push(...demoFaults.problems);
  if (problems.length) return { ok: false, problems };
  return { ok: true, config: buildConfig(e, file, demoFaults?.ok ? demoFaults.faults : undefined) };
}

/** METRICS_SOURCE=csv:DIR must be a folder and the JWT key files readable, or `serve` would stop at start-up. */
function pathProblems(e: Partial<Env>, failed: Set<string>): string[] {
  const problems: string[] = [];
  const source = failed.has('METRICS_SOURCE') ? undefined : e.METRICS_SOURCE;
  if (source?.startsWith('csv:')) {
    const dir = resolve(source.slice('csv:'.length));
    if (!existsSync(dir) || !statSync(dir).isDirectory()) {
      problems.push(
        `METRICS_SOURCE: csv:${source.slice('csv:'.length)}: ${dir} is not a directory; ` +
          'create it with one folder per service holding <signal>.csv files (timestamp,value)',
      );
    }
  }
  for (const name of ['JWT_PRIVATE_KEY_FILE', 'JWT_PUBLIC_KEY_FILE'] as const) {
    const file = failed.has(name) ? undefined : e[name];
    if (!file) continue;
    try {
      accessSync(file, constants.R_OK);
      if (!statSync(file).isFile()) problems.push(`${name}: cannot read ${file}: not a file`);
    } catch (err) {
      problems.push(`${name}: cannot read ${file}: ${(err as NodeJS.ErrnoException).code ?? errorMessage(err)}`);
    }
  }
  return problems;
}

/** Every configured secret value, for the log redactor. */
export function secretValues(config: Config): string[] {
  const values = [
    config.slack.botToken,
    config.slack.signingSecret,
    config.slack.appToken,
    config.teams.appPassword,
    config.openai.apiKey,
    config.auth.jwtSecret,
    config.admin.password,
    config.alertmanagerWebhookToken,
    config.mcp.apiKey,
    // OTLP headers carry the collector's credentials (an API key, a Basic pair).
    ...Object.values(config.tracing?.headers ?? {}),
  ];
  if (config.metricsSource.kind === 'prometheus') {
    values.push(config.metricsSource.bearerToken, config.metricsSource.password);
    const password = new URL(config.metricsSource.url).password;
    if (password) values.push(decodeURIComponent(password));
  }
  if (config.redisUrl) {
    const password = new URL(config.redisUrl).password;
    if (password) values.push(decodeURIComponent(password));
  }
  return values.filter((v): v is string => typeof v === 'string' && v.length > 0);
}

/**
 * The defaults with overrides: what tests and benches use instead of the environment. The monitor is
 * off unless asked for (MONITOR_INTERVAL): a test's incidents and jobs are the ones it makes.
 */
export function testConfig(overrides: RawEnv = {}): Config {
  const result = loadConfig({ LOG_LEVEL: 'error', MONITOR_INTERVAL: 'off', ...overrides });
  if (!result.ok) throw new Error(`invalid test config:\n${result.problems.join('\n')}`);
  return result.config;
}
