/** `POST /api/v1/feedback`: 👍 real / 👎 false alarm on an anomalies job or an incident (issue 15, point 6). */
import { z } from 'zod';
import type { FeedbackRecord } from '../../../models/feedback';
import type { ApiRoute } from '../../route';
import { command, slotsOf, type V1Context } from './command';

const slots = slotsOf('feedback');
const iso = (ms: number) => new Date(ms).toISOString();

export const feedbackSchema = z
  .object({
    target: z.string().describe('`job:<id>` or `incident:<id>`'),
    label: z.enum(['real', 'false_alarm', 'helpful', 'wrong']),
    by: z.string().describe('the person (`user:ID`, or an unlinked chat id)'),
    at: z.string(),
    window: z.object({ service: z.string(), from: z.string(), to: z.string() }).describe('the span of `windows`'),
    signals: z.array(z.string()),
    windows: z.array(
      z.object({ service: z.string(), signal: z.string().optional(), from: z.string(), to: z.string() }),
    ),
    model: z.object({ name: z.string(), version: z.number().int() }).nullable().describe('the version that scored'),
  })
  .meta({ title: 'Feedback' });

export function feedbackJson(r: FeedbackRecord): z.infer<typeof feedbackSchema> {
  return {
    target: r.target,
    label: r.label,
    by: r.by,
    at: iso(r.at),
    window: { service: r.service, from: iso(r.fromMs), to: iso(r.toMs) },
    signals: r.signals,
    windows: r.windows.map((w) => ({
      service: w.service,
      ...(w.signal ? { signal: w.signal } : {}),
      from: iso(w.fromMs),
      to: iso(w.toMs),
    })),
    model: r.model,
  };
}

export function feedbackRoute({ run }: V1Context): ApiRoute {
  return command('feedback', {
    tag: 'models',
    method: 'POST',
    url: '/api/v1/feedback',
    summary: 'Label an anomaly job or an incident as real or a false alarm',
    description:
      'One label per target and person; posting again replaces it. The series window is resolved from the ' +
      'target now: a detect_anomalies job (`job:<id>`, or a bare job id) by its anomalous findings, an incident ' +
      '(`incident:<id>`, or a bare incident id) by its service from its start to its resolution (or now). ' +
      '`real` and `false_alarm` feed model evaluation; `helpful` and `wrong` are kept only.',
    body: z.strictObject({
      target: slots.target.unwrap().max(160, 'at most 160 characters'),
      label: slots.label.unwrap(),
    }),
    success: 201,
    notFound: 'no such job or incident',
    successDoc: { description: 'the label as stored, with its series window', schema: feedbackSchema },
    handler: async ({ req, reply, principal, body }) =>
      run(req, reply, principal, 'feedback', body, {
        answer: (out) => (out.feedback ? { status: 201, body: feedbackJson(out.feedback) } : undefined),
      }),
  });
}
