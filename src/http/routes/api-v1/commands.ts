/** The command routes of /api/v1 other than remediations: jobs, anomalies, incidents, models. */
import { toJson } from '../../../models/registry-json';
import { MAX_MODEL_SEED, MODEL_PARAM_LIMITS } from '../../../models/train';
import { z } from 'zod';
import type { ApiRoute } from '../../route';
import { command, id, jobJson, slotsOf, type V1Context } from './command';

const anomalies = slotsOf('detect_anomalies');
const train = slotsOf('train_model');
const versionSchema = z.object({
  version: z.number().int(),
  created_at: z.string(),
  created_by: z.string(),
  params: z.record(z.string(), z.unknown()),
  metrics: z.record(z.string(), z.unknown()).nullable().describe('the evaluation: {scorecard} or {evaluation_error}'),
  data: z.object({ from: z.string(), to: z.string(), sha256: z.string() }),
  onnx_sha256: z.string(),
  drift: z
    .object({ score: z.number(), drifted: z.boolean(), moved: z.array(z.string()), at: z.string() })
    .optional()
    .describe('the latest drift check: largest PSI, whether it drifted, what moved, when'),
});
const modelsSchema = z
  .object({
    models: z.array(
      z.object({
        name: z.string(),
        service: z.string(),
        champion: z.number().int().nullable(),
        challenger: z.number().int().nullable(),
        versions: z.array(versionSchema),
      }),
    ),
  })
  .meta({ title: 'Models' });
/** ModelParams (src/models/train.ts) with its bounds: a bad value is a 400 naming the field. */
const bounded = ([min, max]: readonly [number, number]) =>
  z.number().int('a whole number').min(min, `at least ${min}`).max(max, `at most ${max}`).optional();
const trainParams = z.strictObject({
  trees: bounded(MODEL_PARAM_LIMITS.trees).describe('trees in the isolation forest'),
  sampleSize: bounded(MODEL_PARAM_LIMITS.sampleSize).describe('rows per tree (ψ)'),
  window: bounded(MODEL_PARAM_LIMITS.window).describe('points per feature window'),
});

export function jobRoutes({ run, queue, jobGone }: V1Context): ApiRoute[] {
  return [
    command('list_jobs', {
      tag: 'jobs',
      method: 'GET',
      url: '/api/v1/jobs',
      summary: 'Recent jobs',
      handler: async ({ req, reply, principal }) =>
        run(
          req,
          reply,
          principal,
          'list_jobs',
          {},
          { extra: async () => ({ jobs: (await queue.list({ limit: 50 })).map(jobJson) }) },
        ),
    }),
    command('job_status', {
      tag: 'jobs',
      method: 'GET',
      url: '/api/v1/jobs/:id',
      summary: 'One job: state, progress, and its result once finished',
      params: id('job'),
      notFound: true,
      handler: async ({ req, reply, principal, params }) =>
        run(
          req,
          reply,
          principal,
          'job_status',
          { job_id: params.id },
          {
            missing: jobGone(params.id),
            extra: async () => {
              const job = await queue.get(params.id);
              return job ? { job: jobJson(job) } : {};
            },
          },
        ),
    }),
    command('cancel_job', {
      tag: 'jobs',
      method: 'POST',
      url: '/api/v1/jobs/:id/cancel',
      summary: 'Cancel a queued or running job',
      description: "Your own jobs need `read`; anyone's need `jobs.cancel_any`.",
      params: id('job'),
      notFound: true,
      handler: async ({ req, reply, principal, params }) =>
        run(req, reply, principal, 'cancel_job', { job_id: params.id }, { missing: jobGone(params.id) }),
    }),
  ];
}

export function anomalyAndIncidentRoutes({ run }: V1Context): ApiRoute[] {
  return [
    command('detect_anomalies', {
      tag: 'anomalies',
      method: 'POST',
      url: '/api/v1/anomalies',
      summary: 'Look for anomalies in the golden signals (a job)',
      success: 202,
      body: z.strictObject({
        service: anomalies.service,
        metric: anomalies.metric.unwrap().max(100, 'at most 100 characters').optional(),
        window_s: anomalies.window_s
          .unwrap()
          .max(30 * 86_400, 'at most 30 days')
          .optional(),
      }),
      handler: async ({ req, reply, principal, body }) => run(req, reply, principal, 'detect_anomalies', body),
    }),
    command('list_incidents', {
      tag: 'incidents',
      method: 'GET',
      url: '/api/v1/incidents',
      summary: 'Incidents from alerts',
      query: z.strictObject({ status: z.enum(['open', 'acked', 'resolved']).optional() }),
      handler: async ({ req, reply, principal, query }) => run(req, reply, principal, 'list_incidents', query),
    }),
    command('ack_incident', {
      tag: 'incidents',
      method: 'POST',
      url: '/api/v1/incidents/:id/ack',
      summary: 'Acknowledge an incident',
      params: id('incident'),
      handler: async ({ req, reply, principal, params }) =>
        run(req, reply, principal, 'ack_incident', { incident_id: params.id }),
    }),
    command('resolve_incident', {
      tag: 'incidents',
      method: 'POST',
      url: '/api/v1/incidents/:id/resolve',
      summary: 'Resolve an incident',
      params: id('incident'),
      handler: async ({ req, reply, principal, params }) =>
        run(req, reply, principal, 'resolve_incident', { incident_id: params.id }),
    }),
  ];
}

export function modelRoutes({ run, models }: V1Context): ApiRoute[] {
  return [
    command('list_models', {
      tag: 'models',
      method: 'GET',
      url: '/api/v1/models',
      summary: 'Anomaly models and their versions',
      successDoc: { description: 'every model, its aliases and versions (oldest first)', schema: modelsSchema },
      handler: async ({ req, reply, principal }) =>
        run(req, reply, principal, 'list_models', {}, { answer: () => ({ status: 200, body: toJson(models.list()) }) }),
    }),
    command('train_model', {
      tag: 'models',
      method: 'POST',
      url: '/api/v1/models/train',
      summary: 'Train an anomaly model',
      body: z.strictObject({
        model: train.model,
        service: train.service,
        window_s: train.window_s
          .unwrap()
          .max(90 * 86_400, 'at most 90 days')
          .optional(),
        params: trainParams.optional().describe('forest parameters to change from the defaults'),
        seed: z
          .number()
          .int('a whole number')
          .min(0, 'at least 0')
          .max(MAX_MODEL_SEED, `at most ${MAX_MODEL_SEED}`)
          .optional()
          .describe('the training seed (default: the built-in one)'),
      }),
      success: 202,
      successDoc: {
        description: 'the train_model job was queued: follow it at GET /api/v1/jobs/{job_id}',
        schema: z.object({ job_id: z.string() }).meta({ title: 'TrainStarted' }),
      },
      handler: async ({ req, reply, principal, body }) =>
        run(req, reply, principal, 'train_model', body, {
          answer: (out) => (out.job ? { status: 202, body: { job_id: out.job.id } } : undefined),
        }),
    }),
  ];
}
