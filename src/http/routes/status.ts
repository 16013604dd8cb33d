import { z } from 'zod';
import type { AuditLog } from '../../audit/types';
import type { Clock } from '../../clock';
import type { CommandContext } from '../../commands/context';
import type { Commands } from '../../commands/handler';
import { makeIntent } from '../../intent/schema';
import { summary } from '../../reply/model';
import { BURN_RULES } from '../../slo/burn-rate';
import { GOLDEN_SIGNALS, type MetricsSource } from '../../sources/types';
import type { ServiceStatus, StatusJobResult } from '../../jobs/map';
import { evaluateStatus } from '../../workers/status';
import { defineRoute, errorSchema, type ApiRoute } from '../route';

/**
 * `GET /api/v1/status`: each service's golden signals now, health, the objectives it breaches and
 * its error-budget burn rates, as data. The same computation as the `status` job
 * (src/workers/status.ts, src/slo/burn-rate.ts), answered at once instead of enqueued; the
 * command layer's check (RBAC, service names with "did you mean") runs first, as for `status` in chat.
 */
export interface StatusRouteDeps {
  commands: Commands;
  source: MetricsSource;
  clock: Clock;
  audit: AuditLog;
}

const WINDOW_S = 3600;

/** 300 -> 5m, 3600 -> 1h, 259200 -> 3d. */
function windowLabel(s: number): string {
  return s % 86_400 === 0 ? `${s / 86_400}d` : s % 3600 === 0 ? `${s / 3600}h` : `${s / 60}m`;
}

const BURN_WINDOWS = [...new Set(BURN_RULES.flatMap((r) => [r.shortS, r.longS]))].sort((a, b) => a - b);
const finite = (v: number | undefined) => (v !== undefined && Number.isFinite(v) ? v : null);

const number = z.number().nullable();
const serviceSchema = z.object({
  name: z.string(),
  healthy: z.boolean(),
  signals: z
    .object(Object.fromEntries(GOLDEN_SIGNALS.map((s) => [s, number])))
    .describe(
      'means over the last 5 minutes; latency in ms, error_rate and cpu/memory as ratios 0..1, ' +
        'request_rate per second; null without recent data',
    ),
  breached: z
    .array(z.object({ objective: z.string(), signal: z.string(), value: z.number(), limit: z.number() }))
    .describe('objectives of the services catalog that the signal is over now'),
  problems: z.array(z.string()).describe('one sentence each: breached objectives, missing data, error budget burning'),
  slo: z
    .object({
      target: z.number().describe('availability objective, e.g. 0.999'),
      burn_rates: z
        .record(z.string(), number)
        .describe(
          `error-budget burn rate per window (${BURN_WINDOWS.map(windowLabel).join(', ')}): error ratio / (1 - target)`,
        ),
      firing: z
        .array(z.object({ rule: z.string(), severity: z.enum(['page', 'ticket']) }))
        .describe('multi-window burn-rate rules that fire (SRE workbook)'),
    })
    .nullable()
    .describe('null when the error history is unavailable'),
});
const statusSchema = z
  .object({ at: z.string(), window_s: z.number().int(), services: z.array(serviceSchema) })
  .meta({ title: 'Status' });

function serviceJson(s: ServiceStatus): z.infer<typeof serviceSchema> {
  return {
    name: s.name,
    healthy: s.healthy,
    signals: Object.fromEntries(GOLDEN_SIGNALS.map((signal) => [signal, finite(s.latest[signal])])),
    breached: s.breached ?? [],
    problems: s.problems,
    slo: s.slo
      ? {
          target: s.slo.target,
          burn_rates: Object.fromEntries(BURN_WINDOWS.map((w) => [windowLabel(w), finite(s.slo?.rates?.[w])])),
          firing: s.slo.firing,
        }
      : null,
  };
}

function statusJson(result: StatusJobResult): z.infer<typeof statusSchema> {
  return {
    at: new Date(result.atMs).toISOString(),
    window_s: result.windowS,
    services: result.services.map(serviceJson),
  };
}

export function statusRoutes({ commands, source, clock, audit }: StatusRouteDeps): ApiRoute[] {
  return [
    defineRoute({
      method: 'GET',
      url: '/api/v1/status',
      tag: 'status',
      summary: 'Health of every service (or one) now, as data',
      description:
        'Golden signals now, health, breached objectives and error-budget burn rates; ' +
        'the same checks as the `status` command, answered at once.',
      access: { permission: 'read', by: 'commands' },
      query: z.strictObject({
        service: z
          .string()
          .regex(/^[a-z0-9][a-z0-9_.-]{0,63}$/, 'a lower-case service name')
          .optional()
          .describe('one service; every service when absent'),
        window_s: z.coerce
          .number({ error: 'expected a whole number of seconds' })
          .int('expected a whole number of seconds')
          .min(300, 'at least 300')
          .max(86_400, 'at most 86400 (a day)')
          .optional()
          .describe('trend window in seconds (default 3600)'),
      }),
      responses: {
        200: { description: 'the status of each service', schema: statusSchema },
        400: { description: 'unknown service (the message suggests the closest)', schema: errorSchema },
        403: { description: 'the principal lacks `read`', schema: errorSchema },
      },
      handler: async ({ req, reply, principal, query }) => {
        const ctx: CommandContext = { actor: principal, platform: 'http', channel: 'api', log: req.log2, audit };
        const verdict = await commands.check(
          ctx,
          makeIntent('status', query.service ? { service: query.service } : {}, 1),
        );
        if (verdict.kind === 'refused') {
          const refused = verdict.outcome;
          const status = refused.outcome === 'denied' ? 403 : 400;
          return reply.status(status).send({
            error: status === 403 ? 'forbidden' : 'bad_request',
            message: summary(refused.reply),
            request_id: req.id,
          });
        }
        const result = await evaluateStatus(source, {
          ...(query.service ? { service: query.service } : {}),
          windowS: query.window_s ?? WINDOW_S,
          atMs: clock(),
        });
        return statusJson(result);
      },
    }),
  ];
}
