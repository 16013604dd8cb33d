import { z } from 'zod';
import { jwtSecretWeakness } from '../auth/config';
import { ROLES } from '../auth/roles';
import { actionCatalogShape } from '../remediation/catalog';
import { catalogFileShape } from '../sources/catalog';
import { otelEnvShape } from './otel';

const port = z.coerce
  .number({ error: 'expected a port number 1-65535' })
  .int('expected a port number 1-65535')
  .min(1, 'expected a port number 1-65535')
  .max(65535, 'expected a port number 1-65535');
const positiveInt = (what: string) =>
  z.coerce
    .number({ error: `expected ${what}` })
    .int(`expected ${what}`)
    .positive(`expected ${what}`);
/** BullMQ's lock and stalled-check periods: at least a second (a busy job holds the event loop that long). */
const lockMs = z.coerce
  .number({ error: 'expected milliseconds' })
  .int('expected whole milliseconds')
  .min(1000, 'expected at least 1000 ms')
  .max(3_600_000, 'expected at most 3600000 ms (1 h)');
const url = (what: string) => z.url({ error: `expected ${what} (an http(s) URL)`, protocol: /^https?$/ });
const optionalString = z.string().min(1).optional();
const price = z.coerce
  .number({ error: 'expected US dollars per million tokens, e.g. 0.15' })
  .min(0, 'expected US dollars per million tokens, 0 or more')
  .max(1000, 'expected at most 1000 dollars per million tokens');

/**
 * The environment variables we read (DESIGN.md "Configuration"), all strings as they arrive. Each
 * field is checked on its own (config.ts parses them one by one), then the rules between fields
 * (`crossFieldProblems`) run on the values that passed, so every problem is reported in one round.
 */
export const envSchema = z.object({
  PORT: port.default(3000),
  HOST: z.string().min(1).default('0.0.0.0'),
  DATABASE_PATH: z.string().min(1).default('./data/smartcloudops.db'),
  REDIS_URL: z.url({ error: 'expected a redis:// or rediss:// URL', protocol: /^rediss?$/ }).optional(),
  QUEUE_NAME: z
    .string()
    .regex(/^[a-z0-9_-]{1,64}$/, 'expected 1-64 lower-case letters, digits, - or _')
    .default('smartcloudops'),
  QUEUE_CONCURRENCY: positiveInt('a positive whole number of concurrent jobs')
    .max(256, 'expected at most 256')
    .default(4),
  QUEUE_HISTORY_LIMIT: positiveInt('a positive whole number of finished jobs to keep').default(1000),
  QUEUE_LOCK_DURATION_MS: lockMs.default(30_000),
  QUEUE_STALLED_INTERVAL_MS: lockMs.default(30_000),
  JOB_ATTEMPTS: positiveInt('a positive whole number of attempts').max(20, 'expected at most 20').default(3),
  ONNX_INTRA_OP_THREADS: z.coerce
    .number({ error: 'expected a whole number of threads' })
    .int('expected a whole number of threads')
    .min(0, 'expected 0 (onnxruntime default) or more threads')
    .max(64, 'expected at most 64')
    .default(1),
  JOB_BACKOFF_MS: z.coerce
    .number({ error: 'expected milliseconds' })
    .int('expected whole milliseconds')
    .min(0, 'expected milliseconds >= 0')
    .default(1000),
  LOG_LEVEL: z
    .enum(['error', 'warn', 'info', 'http', 'verbose', 'debug', 'silly'], {
      error: 'expected one of error, warn, info, http, verbose, debug, silly',
    })
    .default('info'),
  LOG_FORMAT: z.enum(['auto', 'json', 'pretty'], { error: 'expected auto, json or pretty' }).default('auto'),
  METRICS_SOURCE: z
    .string()
    .regex(/^(demo|prometheus|csv:.+)$/, 'expected demo, prometheus or csv:DIR')
    .default('demo'),
  PROMETHEUS_URL: url('the Prometheus base URL').optional(),
  PROMETHEUS_BEARER_TOKEN: optionalString,
  PROMETHEUS_USERNAME: optionalString,
  PROMETHEUS_PASSWORD: optionalString,
  PROMETHEUS_TIMEOUT_MS: positiveInt('a positive number of milliseconds')
    .max(120_000, 'expected at most 120000 ms')
    .default(10_000),
  DEMO_SEED: z.coerce.number({ error: 'expected a whole number' }).int('expected a whole number').default(42),
  /** none, or a YAML file of faults (src/config/demo-faults.ts); unset: the built-in schedule. */
  DEMO_FAULTS: optionalString,
  SLACK_BOT_TOKEN: z
    .string()
    .regex(/^xoxb-/, 'expected a bot token starting with xoxb-')
    .optional(),
  SLACK_SIGNING_SECRET: optionalString,
  SLACK_APP_TOKEN: z
    .string()
    .regex(/^xapp-/, 'expected an app-level token starting with xapp-')
    .optional(),
  SLACK_API_URL: url('the Slack Web API base URL').optional(),
  INCIDENT_CHANNEL: optionalString,
  /** Scheduled drift checks of every champion (src/app/drift.ts): a duration (1m..7d) or off. null = off. */
  DRIFT_INTERVAL: z
    .string()
    .regex(/^(off|\d+(s|m|h|d))$/, 'expected a duration such as 30m, 1h or 1d (1m to 7d), or off')
    .transform((v) =>
      v === 'off' ? null : Number(v.slice(0, -1)) * { s: 1e3, m: 6e4, h: 36e5, d: 864e5 }[v.slice(-1) as 's'],
    )
    .refine((ms) => ms === null || (ms >= 60_000 && ms <= 7 * 86_400_000), 'expected a duration from 1m to 7d, or off')
    .default(3_600_000),
  /**
   * Scheduled scans of every service (src/app/monitor.ts): a duration (5s..1d; seconds are for tests and
   * demos, the signals have a minute's resolution) or off. null = off.
   */
  MONITOR_INTERVAL: z
    .string()
    .regex(/^(off|\d+(s|m|h|d))$/, 'expected a duration such as 5m, 1m or 1h (5s to 1d), or off')
    .transform((v) =>
      v === 'off' ? null : Number(v.slice(0, -1)) * { s: 1e3, m: 6e4, h: 36e5, d: 864e5 }[v.slice(-1) as 's'],
    )
    .refine((ms) => ms === null || (ms >= 5000 && ms <= 86_400_000), 'expected a duration from 5s to 1d, or off')
    .default(300_000),
  TEAMS_APP_ID: optionalString,
  TEAMS_APP_PASSWORD: optionalString,
  TEAMS_TENANT_ID: optionalString,
  TEAMS_AUTH: z
    .enum(['on', 'off'], { error: 'expected on or off (off: local development without Azure; never in production)' })
    .default('on'),
  OPENAI_API_KEY: optionalString,
  OPENAI_BASE_URL: url('an OpenAI-compatible API base URL').optional(),
  OPENAI_MODEL: z.string().min(1).default('gpt-4o-mini'),
  OPENAI_TIMEOUT_MS: positiveInt('a positive number of milliseconds')
    .max(120_000, 'expected at most 120000 ms')
    .default(4000),
  LLM_TOKEN_BUDGET_PER_HOUR: z.coerce
    .number({ error: 'expected a whole number of tokens' })
    .int('expected a whole number of tokens')
    .min(0, 'expected 0 (no LLM use) or more tokens')
    .default(200_000),
  /** The LLM investigation agent (src/investigate/agent/): tool calls, tokens per investigation and per day. */
  INVESTIGATION_MAX_STEPS: positiveInt('a positive whole number of tool calls')
    .max(50, 'expected at most 50 tool calls')
    .default(12),
  INVESTIGATION_TOKENS_MAX: positiveInt('a positive whole number of tokens')
    .min(1000, 'expected at least 1000 tokens (one tool call and an answer)')
    .default(50_000),
  INVESTIGATION_TOKENS_PER_DAY: z.coerce
    .number({ error: 'expected a whole number of tokens' })
    .int('expected a whole number of tokens')
    .min(0, 'expected 0 (no LLM investigations) or more tokens')
    .default(1_000_000),
  /** US dollars per million tokens, for the cost shown in a reply (default: gpt-4o-mini's list price). */
  LLM_PRICE_INPUT_PER_MTOK: price.default(0.15),
  LLM_PRICE_OUTPUT_PER_MTOK: price.default(0.6),
  JWT_SECRET: optionalString,
  JWT_PRIVATE_KEY_FILE: optionalString,
  JWT_PUBLIC_KEY_FILE: optionalString,
  JWT_ISSUER: z.string().min(1).default('smartcloudops'),
  JWT_AUDIENCE: z.string().min(1).default('smartcloudops-api'),
  ACCESS_TOKEN_TTL_S: positiveInt('a positive number of seconds')
    .min(30, 'expected at least 30 s')
    .max(86_400, 'expected at most 86400 s (a day)')
    .default(900),
  REFRESH_TOKEN_TTL_S: positiveInt('a positive number of seconds')
    .min(300, 'expected at least 300 s')
    .max(7_776_000, 'expected at most 7776000 s (90 days)')
    .default(1_209_600),
  LOGIN_MAX_FAILURES: positiveInt('a positive whole number of failed logins')
    .max(100, 'expected at most 100')
    .default(5),
  RATE_LIMIT_CHAT_PER_MIN: z.coerce
    .number({ error: 'expected chat commands a person may send a minute (0: no limit)' })
    .int('expected a whole number of commands a minute')
    .min(0, 'expected 0 (no limit) or more')
    .default(30),
  RATE_LIMIT_API_PER_MIN: z.coerce
    .number({ error: 'expected REST calls a principal may make a minute (0: no limit)' })
    .int('expected a whole number of calls a minute')
    .min(0, 'expected 0 (no limit) or more')
    .default(600),
  LOGIN_LOCKOUT_S: positiveInt('a positive number of seconds').max(3600, 'expected at most 3600 s').default(30),
  CORS_ORIGINS: z
    .string()
    .regex(
      /^https?:\/\/[^\s,/]+(,\s*https?:\/\/[^\s,/]+)*$/,
      'expected a comma-separated list of origins like https://ops.example.com',
    )
    .optional(),
  ADMIN_EMAIL: z.email({ error: 'expected an email address' }).optional(),
  ADMIN_PASSWORD: optionalString,
  ALERTMANAGER_WEBHOOK_TOKEN: optionalString,
  DEFAULT_ROLE: z.enum(ROLES, { error: `expected one of ${ROLES.join(', ')}` }).default('viewer'),
  HTTP_BODY_LIMIT_BYTES: positiveInt('a positive number of bytes').default(1_048_576),
  TRUST_PROXY: z
    .string()
    .regex(
      /^[0-9a-fA-F.:]+(\/\d{1,3})?(\s*,\s*[0-9a-fA-F.:]+(\/\d{1,3})?)*$/,
      'expected a comma-separated list of proxy addresses or CIDRs, e.g. 10.0.0.0/8,127.0.0.1',
    )
    .optional(),
  SHUTDOWN_GRACE_MS: z.coerce
    .number({ error: 'expected milliseconds' })
    .int('expected whole milliseconds')
    .min(0, 'expected milliseconds >= 0')
    .default(10_000),
  CONFIG_FILE: optionalString,
  RUNBOOKS_DIR: z.string().min(1).default('./runbooks'),
  KUBECONFIG: optionalString,
  KUBERNETES_SERVICE_HOST: optionalString,
  /** The API key `smartcloudops mcp` acts with (its user's role decides which tools it may call). */
  MCP_API_KEY: z
    .string()
    .regex(/^sco_\S+$/, 'expected an API key (sco_…) from `smartcloudops apikey create` or POST /auth/api-key')
    .optional(),
  /** OpenTelemetry's standard variables: tracing is on when an OTLP endpoint is set (./otel.ts). */
  ...otelEnvShape,
});

export type Env = z.output<typeof envSchema>;

/** A broken rule between variables: the variable to fix and what it needs. */
export interface EnvProblem {
  variable: keyof Env;
  message: string;
}

/**
 * The rules between variables. `env` holds the values that passed their own check; a variable
 * that failed is absent (the caller reports it once, and drops rules about it).
 */
export function crossFieldProblems(env: Partial<Env>): EnvProblem[] {
  const problems: EnvProblem[] = [];
  const add = (variable: keyof Env, message: string) => problems.push({ variable, message });
  if (env.METRICS_SOURCE === 'prometheus' && !env.PROMETHEUS_URL) {
    add('PROMETHEUS_URL', 'required when METRICS_SOURCE=prometheus');
  }
  if (env.PROMETHEUS_BEARER_TOKEN && (env.PROMETHEUS_USERNAME || env.PROMETHEUS_PASSWORD)) {
    add(
      'PROMETHEUS_BEARER_TOKEN',
      'set either PROMETHEUS_BEARER_TOKEN or PROMETHEUS_USERNAME and PROMETHEUS_PASSWORD, not both',
    );
  } else if (env.PROMETHEUS_USERNAME && !env.PROMETHEUS_PASSWORD) {
    add('PROMETHEUS_PASSWORD', 'required with PROMETHEUS_USERNAME');
  } else if (env.PROMETHEUS_PASSWORD && !env.PROMETHEUS_USERNAME) {
    add('PROMETHEUS_USERNAME', 'required with PROMETHEUS_PASSWORD');
  }
  if (env.SLACK_BOT_TOKEN && !env.SLACK_SIGNING_SECRET && !env.SLACK_APP_TOKEN) {
    add('SLACK_SIGNING_SECRET', 'required with SLACK_BOT_TOKEN (or set SLACK_APP_TOKEN for Socket Mode)');
  }
  if (env.TEAMS_AUTH === 'off' && env.TEAMS_APP_PASSWORD) {
    add('TEAMS_AUTH', 'off is for local development without Azure; with TEAMS_APP_PASSWORD set, leave it on');
  }
  if (env.TEAMS_APP_ID && !env.TEAMS_APP_PASSWORD) {
    add('TEAMS_APP_PASSWORD', 'required with TEAMS_APP_ID');
  }
  if (env.JWT_SECRET) {
    const weak = jwtSecretWeakness(env.JWT_SECRET);
    if (weak) add('JWT_SECRET', weak);
  }
  if (env.JWT_SECRET && (env.JWT_PRIVATE_KEY_FILE || env.JWT_PUBLIC_KEY_FILE)) {
    add('JWT_SECRET', 'set either JWT_SECRET or JWT_PRIVATE_KEY_FILE and JWT_PUBLIC_KEY_FILE, not both');
  } else if (Boolean(env.JWT_PRIVATE_KEY_FILE) !== Boolean(env.JWT_PUBLIC_KEY_FILE)) {
    const missing = env.JWT_PRIVATE_KEY_FILE ? 'JWT_PUBLIC_KEY_FILE' : 'JWT_PRIVATE_KEY_FILE';
    add(missing, 'required: the key pair comes as JWT_PRIVATE_KEY_FILE and JWT_PUBLIC_KEY_FILE together');
  }
  if (env.DEMO_FAULTS && env.METRICS_SOURCE !== undefined && env.METRICS_SOURCE !== 'demo') {
    add('DEMO_FAULTS', 'only for METRICS_SOURCE=demo (the simulated fleet plays the faults); unset it');
  }
  if (env.ADMIN_EMAIL && !env.ADMIN_PASSWORD) {
    add('ADMIN_PASSWORD', 'required with ADMIN_EMAIL');
  }
  return problems;
}

/**
 * The optional config file (JSON or YAML): catalogs, not secrets. `defaults` and `services` are the
 * services catalog (src/sources/catalog.ts, config/services.example.yaml).
 */
export const fileSchema = z.looseObject({
  ...catalogFileShape,
  ...actionCatalogShape,
});
