import { z } from 'zod';
import { AppError } from '../errors';
import { GOLDEN_SIGNALS, type Objectives, type SeriesQuery, type ServiceInfo, type Signal } from './types';

/**
 * The services catalog: the `defaults` and `services` sections of CONFIG_FILE (JSON or YAML).
 * Each service has a name, a description, SLO objectives and, for METRICS_SOURCE=prometheus, the
 * PromQL of each golden signal; `{{service}}` in a query is replaced by the service's name.
 * A service's objectives and queries fall back key by key to `defaults`; objectives then fall
 * back to DEFAULT_OBJECTIVES. `depends_on` lists the services a service calls (the dependency graph
 * investigations walk). See config/services.example.yaml.
 */

export const SERVICE_NAME = /^[a-z0-9][a-z0-9-]*$/;
export const EXAMPLE_CATALOG = 'config/services.example.yaml';

/** Objectives plus an optional availability SLO target (0.999 = 99.9%), for error-budget burn rates. */
export interface CatalogObjectives extends Objectives {
  availability?: number;
}

export interface CatalogService extends ServiceInfo {
  objectives: CatalogObjectives;
  /** PromQL per signal, `{{service}}` already replaced; complete when built with requireQueries. */
  queries: Partial<Record<Signal, string>>;
}

/** Generous bounds for a service the catalog says nothing about (CSV folders, services without objectives). */
export const DEFAULT_OBJECTIVES: Readonly<Objectives> = {
  latency_p99_ms: 1000,
  error_rate: 0.05,
  cpu: 0.9,
  memory: 0.9,
};

const OBJECTIVE_KEYS = ['latency_p99_ms', 'error_rate', 'cpu', 'memory', 'availability'] as const;

/** A strict mapping: a misspelt key is a mistake worth stopping for, not something to ignore. */
function mapping<T extends z.ZodRawShape>(shape: T, what: string) {
  const expected = Object.keys(shape).join(', ');
  return z.strictObject(shape, {
    error: (issue) => {
      if (issue.code === 'unrecognized_keys')
        return `unknown key${issue.keys.length > 1 ? 's' : ''} ${issue.keys.join(', ')}: expected some of ${expected}`;
      if (issue.code === 'invalid_type') return `expected a mapping of ${what} (${expected})`;
      return undefined;
    },
  });
}

const num = (message: string) => z.number({ error: message });

const objectivesSchema = mapping(
  {
    latency_p99_ms: num('expected milliseconds, a number > 0')
      .positive('expected milliseconds, a number > 0')
      .optional(),
    error_rate: num('expected a ratio of errors to requests, > 0 and <= 1 (0.01 = 1%)')
      .gt(0, 'expected a ratio of errors to requests, > 0 and <= 1 (0.01 = 1%)')
      .lte(1, 'expected a ratio of errors to requests, > 0 and <= 1 (0.01 = 1%)')
      .optional(),
    cpu: num('expected a ratio of the CPU requested, > 0 (0.8 = 80%)')
      .positive('expected a ratio of the CPU requested, > 0 (0.8 = 80%)')
      .optional(),
    memory: num('expected a ratio of the memory limit, > 0 and <= 1')
      .gt(0, 'expected a ratio of the memory limit, > 0 and <= 1')
      .lte(1, 'expected a ratio of the memory limit, > 0 and <= 1')
      .optional(),
    availability: num('expected an SLO target between 0 and 1, e.g. 0.999')
      .gt(0, 'expected an SLO target between 0 and 1, e.g. 0.999')
      .lt(1, 'expected an SLO target between 0 and 1, e.g. 0.999')
      .optional(),
  },
  'objectives',
);

/** Why a query template is wrong, or undefined. Only `{{service}}` is a placeholder. */
export function templateProblem(template: string): string | undefined {
  for (const m of template.matchAll(/\{\{([^{}]*)\}\}/g)) {
    const name = (m[1] ?? '').trim();
    if (name !== 'service') return `unknown placeholder {{${name}}}: only {{service}} is replaced`;
  }
  if (template.replace(/\{\{\s*service\s*\}\}/g, '').includes('{{')) return 'unclosed {{: write {{service}}';
  return undefined;
}

const promql = z
  .string({ error: 'expected a PromQL expression (a string)' })
  .trim()
  .min(1, 'expected a PromQL expression, got an empty string')
  .superRefine((template, ctx) => {
    const problem = templateProblem(template);
    if (problem) ctx.addIssue({ code: 'custom', message: problem });
  });

const queriesSchema = mapping(
  Object.fromEntries(GOLDEN_SIGNALS.map((s) => [s, promql.optional()])) as Record<Signal, z.ZodOptional<typeof promql>>,
  'PromQL per golden signal',
);

/** One service. Other keys are kept for other parts of the system (executor targets, owners). */
export const catalogServiceSchema = z.looseObject({
  name: z
    .string({ error: 'expected a lower-case service name' })
    .regex(SERVICE_NAME, 'expected a lower-case service name'),
  description: z.string({ error: 'expected a one-line description (a string)' }).trim().optional(),
  objectives: objectivesSchema.optional(),
  queries: queriesSchema.optional(),
  depends_on: z
    .array(z.string().regex(SERVICE_NAME, 'expected a lower-case service name'), {
      error: 'expected a list of the service names it calls',
    })
    .optional(),
});

export const catalogDefaultsSchema = z.looseObject({
  objectives: objectivesSchema.optional(),
  queries: queriesSchema.optional(),
});

export const catalogServicesSchema = z
  .array(catalogServiceSchema, { error: 'expected a list of services' })
  .superRefine((services, ctx) => {
    const seen = new Map<string, number>();
    services.forEach((s, i) => {
      const first = seen.get(s.name);
      if (first !== undefined)
        ctx.addIssue({
          code: 'custom',
          path: [i, 'name'],
          message: `duplicate service name ${s.name} (also at services.${first})`,
        });
      else seen.set(s.name, i);
    });
    services.forEach((s, i) => {
      (s.depends_on ?? []).forEach((callee, j) => {
        if (!seen.has(callee))
          ctx.addIssue({
            code: 'custom',
            path: [i, 'depends_on', j],
            message: `unknown service ${callee}: depends_on names services of this catalog`,
          });
      });
    });
  });

/** Spread into the config file's schema (src/config/schema.ts `fileSchema`). */
export const catalogFileShape = {
  defaults: catalogDefaultsSchema.optional(),
  services: catalogServicesSchema.optional(),
};

export const catalogFileSchema = z.looseObject(catalogFileShape);
export type CatalogFile = z.infer<typeof catalogFileSchema>;

export interface CatalogIssue {
  /** Dotted path into the config file, e.g. services.1.queries.cpu. */
  path: string;
  message: string;
}

/** Problems zod cannot see alone: what METRICS_SOURCE=prometheus needs from a valid file. */
export function catalogIssues(file: CatalogFile, options: { requireQueries?: boolean } = {}): CatalogIssue[] {
  if (!options.requireQueries) return [];
  const services = file.services ?? [];
  if (services.length === 0)
    return [
      {
        path: 'services',
        message:
          'required for METRICS_SOURCE=prometheus: list each service with its PromQL queries ' +
          `(see ${EXAMPLE_CATALOG})`,
      },
    ];
  const issues: CatalogIssue[] = [];
  services.forEach((s, i) => {
    for (const signal of GOLDEN_SIGNALS) {
      if (s.queries?.[signal] === undefined && file.defaults?.queries?.[signal] === undefined) {
        issues.push({
          path: `services.${i}.queries.${signal}`,
          message: `no PromQL for ${s.name} ${signal}: set it here or in defaults.queries (see ${EXAMPLE_CATALOG})`,
        });
      }
    }
  });
  return issues;
}

export function renderQuery(template: string, service: string): string {
  return template.replace(/\{\{\s*service\s*\}\}/g, service);
}

/**
 * The catalog with defaults applied and templates rendered. With requireQueries (Prometheus),
 * a service without a query for every signal is a config_invalid error naming each path.
 */
export function buildCatalog(file: CatalogFile, options: { requireQueries?: boolean } = {}): CatalogService[] {
  const parsed = catalogFileSchema.safeParse(file);
  const issues: CatalogIssue[] = parsed.success
    ? catalogIssues(parsed.data, options)
    : parsed.error.issues.map((i) => ({ path: i.path.join('.') || '(root)', message: i.message }));
  if (issues.length > 0 || !parsed.success) {
    throw new AppError(
      'config_invalid',
      `The services catalog (CONFIG_FILE) is invalid:\n${issues.map((i) => `  ${i.path}: ${i.message}`).join('\n')}`,
    );
  }
  const defaults = parsed.data.defaults ?? {};
  return (parsed.data.services ?? []).map((s) => {
    const objectives: CatalogObjectives = { ...DEFAULT_OBJECTIVES };
    for (const key of OBJECTIVE_KEYS) {
      const value = s.objectives?.[key] ?? defaults.objectives?.[key];
      if (value !== undefined) objectives[key] = value;
    }
    const queries: Partial<Record<Signal, string>> = {};
    for (const signal of GOLDEN_SIGNALS) {
      const template = s.queries?.[signal] ?? defaults.queries?.[signal];
      if (template !== undefined) queries[signal] = renderQuery(template, s.name);
    }
    return {
      name: s.name,
      description: s.description ?? '',
      objectives,
      queries,
      ...(s.depends_on ? { dependsOn: [...s.depends_on] } : {}),
    };
  });
}

/** A copy as the port's ServiceInfo (availability included when set). */
export function serviceInfo(s: CatalogService, fallbackDescription = ''): ServiceInfo {
  return {
    name: s.name,
    description: s.description || fallbackDescription,
    objectives: { ...s.objectives },
    ...(s.dependsOn ? { dependsOn: [...s.dependsOn] } : {}),
  };
}

/** The checks every source makes before it reads anything: known service and signal, sane range and step. */
export function assertSeriesQuery(query: SeriesQuery, known: readonly string[]): void {
  const { service, signal, startMs, endMs, stepMs } = query;
  if (!known.includes(service)) {
    throw new AppError(
      'not_found',
      `unknown service "${String(service)}"; known: ${known.length ? known.join(', ') : '(none)'}`,
    );
  }
  if (!(GOLDEN_SIGNALS as readonly string[]).includes(signal)) {
    throw new AppError(
      'bad_request',
      `Unknown signal "${String(signal)}"; expected one of ${GOLDEN_SIGNALS.join(', ')}.`,
    );
  }
  if (!Number.isFinite(startMs) || !Number.isFinite(endMs)) {
    throw new AppError(
      'bad_request',
      'startMs and endMs must be finite times in milliseconds since the epoch, ' +
        `got ${String(startMs)} and ${String(endMs)}.`,
    );
  }
  if (endMs < startMs)
    throw new AppError(
      'bad_request',
      `The range ends (${endMs}) before it starts (${startMs}); endMs must be >= startMs.`,
    );
  if (stepMs !== undefined && (!Number.isSafeInteger(stepMs) || stepMs <= 0)) {
    throw new AppError('bad_request', `stepMs must be a positive whole number of milliseconds, got ${String(stepMs)}.`);
  }
}

/** "1h", "2h30m", "45s", "3d" */
export function formatDuration(ms: number): string {
  const parts: string[] = [];
  let s = Math.round(ms / 1000);
  for (const [unit, size] of [
    ['d', 86_400],
    ['h', 3600],
    ['m', 60],
    ['s', 1],
  ] as const) {
    const n = Math.floor(s / size);
    if (n > 0) parts.push(`${n}${unit}`);
    s -= n * size;
  }
  return parts.join('') || '0s';
}

/** "in the last 1h" when the range ends about now, else "between <ISO> and <ISO>". */
export function describeWindow(startMs: number, endMs: number, nowMs: number): string {
  if (Math.abs(nowMs - endMs) <= 60_000) return `in the last ${formatDuration(endMs - startMs)}`;
  return `between ${new Date(startMs).toISOString()} and ${new Date(endMs).toISOString()}`;
}
