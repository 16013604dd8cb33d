/** `GET /api/v1/experiments`: every training run as a comparable row (src/models/experiments.ts), newest first. */
import { z } from 'zod';
import { experimentsOf } from '../../../commands/experiments';
import { experimentsJson } from '../../../models/experiments';
import { command, slotsOf, type V1Context } from './command';

const slots = slotsOf('list_experiments');

const experimentSchema = z.object({
  model: z.string(),
  service: z.string(),
  version: z.number().int().nullable().describe('null for a training that failed before a version was registered'),
  status: z.enum(['registered', 'failed']),
  created_at: z.string(),
  created_by: z.string(),
  params: z.record(z.string(), z.number()),
  changed_params: z.record(z.string(), z.number()).describe('the params that differ from the defaults'),
  seed: z.number().int(),
  window: z.object({ from: z.string().nullable(), to: z.string().nullable(), seconds: z.number() }),
  data_sha256: z.string().nullable(),
  metrics: z
    .object({
      nab: z.number().nullable(),
      recall: z.number().nullable(),
      false_alerts_per_day: z.number().nullable(),
      median_delay_s: z.number().nullable(),
      recommendation: z.string().nullable(),
      evaluation_error: z.string().optional(),
    })
    .nullable()
    .describe("the version's scorecard (backtest with injected anomalies); null when not evaluated"),
  aliases: z.array(z.enum(['champion', 'challenger'])),
  job_id: z.string().nullable(),
  error: z.string().optional().describe('why a failed training failed'),
});

export function experimentRoutes({ run, queue, models }: V1Context) {
  return [
    command('list_experiments', {
      tag: 'models',
      method: 'GET',
      url: '/api/v1/experiments',
      summary: 'Every training run, side by side',
      description:
        "Registered versions (params and their changes from the defaults, seed, window, data sha256, the scorecard's " +
        'key figures, aliases) and failed trainings still in the job history, newest first; `model` keeps one ' +
        "model's (or one service's) runs.",
      query: z.strictObject({
        model: slots.model.unwrap().max(64, 'at most 64 characters').optional().describe('a model or service name'),
      }),
      successDoc: {
        description: 'the experiments, newest first',
        schema: z.object({ experiments: z.array(experimentSchema) }).meta({ title: 'Experiments' }),
      },
      handler: async ({ req, reply, principal, query }) => {
        const body = experimentsJson(await experimentsOf({ queue, models }, query.model));
        const slots = query.model === undefined ? {} : { model: query.model };
        return run(req, reply, principal, 'list_experiments', slots, { answer: () => ({ status: 200, body }) });
      },
    }),
  ];
}
