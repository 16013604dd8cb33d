/** `GET /api/v1/models/:name`: one model, its versions and aliases, and champion vs challenger in shadow. */
import { z } from 'zod';
import type { ModelDetailOf } from '../../../models/model-detail';
import { modelDetailJson } from '../../../models/model-detail';
import type { ApiRoute } from '../../route';
import { command, slotsOf, type V1Context } from './command';

const show = slotsOf('show_model');
const side = z.object({
  version: z.number().int(),
  alerts: z.number().int(),
  incidents_caught: z.number().int(),
  alerts_outside_incidents: z.number().int(),
  feedback: z.object({ real_hit: z.number().int(), false_alarms: z.number().int() }).nullable(),
});
const detailSchema = z
  .object({
    name: z.string(),
    service: z.string(),
    champion: z.number().int().nullable(),
    challenger: z.number().int().nullable(),
    versions: z.array(z.record(z.string(), z.unknown())).describe('as in GET /api/v1/models, oldest first'),
    shadow: z
      .object({
        champion: z.number().int(),
        challenger: z.number().int(),
        since: z.string().describe('when the challenger alias was set (ISO 8601)'),
        runs: z.number().int().describe('detection runs scored in shadow since then'),
        range: z.object({ from: z.string(), to: z.string() }).nullable(),
        agreement: z.object({
          both: z.number().int(),
          champion_only: z.number().int(),
          challenger_only: z.number().int(),
          rate: z.number().nullable(),
        }),
        incidents: z.number().int().describe("the service's incidents overlapping the runs"),
        labels: z.object({ real: z.number().int(), false_alarm: z.number().int() }).nullable(),
        scores: z.object({ champion: side, challenger: side }),
      })
      .nullable()
      .describe('null without both a champion and a challenger'),
  })
  .meta({ title: 'ModelDetail' });

export function modelDetailRoute({ run }: V1Context, detailOf: ModelDetailOf): ApiRoute {
  return command('show_model', {
    tag: 'models',
    method: 'GET',
    url: '/api/v1/models/:name',
    summary: 'One model: versions, aliases and the shadow comparison',
    params: z.strictObject({
      name: show.model.unwrap().max(64, 'at most 64 characters').describe('the model name'),
    }),
    successDoc: { description: 'the model, its versions and champion vs challenger in shadow', schema: detailSchema },
    handler: async ({ req, reply, principal, params }) =>
      run(
        req,
        reply,
        principal,
        'show_model',
        { model: params.name },
        {
          // show_model is invalid only for a model the registry does not know.
          missing: () => Promise.resolve(true),
          answer: () => ({ status: 200, body: modelDetailJson(detailOf(params.name)) }),
        },
      ),
  });
}
