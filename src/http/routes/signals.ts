/**
 * `GET /api/v1/services/:name/signals?window=2h`: a service's golden signals as series (issue 17
 * point 3, the seed's performance API), from the metrics source, at most MAX_POINTS points each.
 * The command layer's check runs first (RBAC, service names with "did you mean"), as for `status`.
 */
import { z } from 'zod';
import type { AuditLog } from '../../audit/types';
import type { Clock } from '../../clock';
import type { CommandContext } from '../../commands/context';
import type { Commands } from '../../commands/handler';
import { AppError } from '../../errors';
import { makeIntent } from '../../intent/schema';
import { summary } from '../../reply/model';
import { GOLDEN_SIGNALS, SIGNAL_UNITS, type MetricsSource, type Series } from '../../sources/types';
import { defineRoute, errorSchema, type ApiRoute } from '../route';

export interface SignalsRouteDeps {
  commands: Commands;
  source: MetricsSource;
  clock: Clock;
  audit: AuditLog;
}

/** Points per series at most: enough for a chart, small enough for a phone. */
export const MAX_POINTS = 240;
const MIN_STEP_MS = 60_000;
const MAX_WINDOW_MS = 7 * 86_400_000;
const UNIT_MS: Record<string, number> = { m: 60_000, h: 3_600_000, d: 86_400_000 };

/** "90m", "2h", "1d" -> ms. */
export function windowMs(text: string): number {
  const m = /^(\d{1,4})([mhd])$/.exec(text);
  if (!m) throw new AppError('bad_request', `window: expected minutes, hours or days such as 30m, 2h or 1d`);
  const ms = Number(m[1]) * UNIT_MS[m[2]];
  if (ms < 5 * 60_000 || ms > MAX_WINDOW_MS) throw new AppError('bad_request', 'window: expected between 5m and 7d');
  return ms;
}

const seriesSchema = z.object({
  unit: z.string().describe('ms for latency, ratio 0..1 for error_rate/cpu/memory, req/s for request_rate'),
  points: z.array(z.tuple([z.number(), z.number()])).describe('[time in ms since the epoch, value], oldest first'),
});
const signalsSchema = z
  .object({
    service: z.string(),
    from: z.string(),
    to: z.string(),
    step_s: z.number().int(),
    signals: z.record(z.string(), seriesSchema.nullable()).describe('null: the source has no data for the signal'),
  })
  .meta({ title: 'ServiceSignals' });

export function signalsRoute({ commands, source, clock, audit }: SignalsRouteDeps): ApiRoute {
  return defineRoute({
    method: 'GET',
    url: '/api/v1/services/:name/signals',
    tag: 'status',
    summary: "A service's golden signals as series",
    description: `Every golden signal over the window, at most ${MAX_POINTS} points each (the step grows with it).`,
    access: { permission: 'read', by: 'commands' },
    params: z.strictObject({ name: z.string().regex(/^[a-z0-9][a-z0-9_.-]{0,63}$/, 'a lower-case service name') }),
    query: z.strictObject({
      window: z.string().default('1h').describe('how far back: 30m, 2h, 1d (5m..7d; default 1h)'),
    }),
    responses: {
      200: { description: 'the series', schema: signalsSchema },
      400: { description: 'unknown service (the message suggests the closest) or a bad window', schema: errorSchema },
      403: { description: 'the principal lacks `read`', schema: errorSchema },
    },
    handler: async ({ req, reply, principal, params, query }) => {
      const span = windowMs(query.window);
      const ctx: CommandContext = { actor: principal, platform: 'http', channel: 'api', log: req.log2, audit };
      const verdict = await commands.check(ctx, makeIntent('status', { service: params.name }, 1));
      if (verdict.kind === 'refused') {
        const status = verdict.outcome.outcome === 'denied' ? 403 : 400;
        return reply.status(status).send({
          error: status === 403 ? 'forbidden' : 'bad_request',
          message: summary(verdict.outcome.reply),
          request_id: req.id,
        });
      }
      const stepMs = Math.max(MIN_STEP_MS, Math.ceil(span / MAX_POINTS / MIN_STEP_MS) * MIN_STEP_MS);
      const endMs = Math.floor(clock() / stepMs) * stepMs;
      const startMs = endMs - span;
      const signals: Record<string, z.infer<typeof seriesSchema> | null> = {};
      for (const signal of GOLDEN_SIGNALS) {
        const series = await source
          .query({ service: params.name, signal, startMs, endMs, stepMs })
          .catch((err: unknown): Series | undefined => {
            if (err instanceof AppError && err.code === 'not_found') return undefined;
            throw err;
          });
        signals[signal] = series?.points.length
          ? { unit: SIGNAL_UNITS[signal], points: series.points.map(([t, v]) => [t, Number(v.toPrecision(6))]) }
          : null;
      }
      return {
        service: params.name,
        from: new Date(startMs).toISOString(),
        to: new Date(endMs).toISOString(),
        step_s: stepMs / 1000,
        signals,
      };
    },
  });
}
