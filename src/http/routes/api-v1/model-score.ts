/**
 * `POST /api/v1/models/:name/score` (issue 15, point 9: the seed's "predict"): a posted series scored
 * by the model's champion, on the same path the anomalies job takes (src/workers/anomalies.ts): the
 * champion's forest as the detector's learned channel (src/models/serving.ts createPretrainedChannel),
 * then the detector point by point (src/anomaly/run.ts scoreChunk). Runs on the control plane, which
 * has the registry; each bundle is loaded once per process (createBundleCache).
 */
import { z } from 'zod';
import { ALERT_THRESHOLD, createDetector } from '../../../anomaly/detector';
import { scoreChunk } from '../../../anomaly/run';
import { asAppError } from '../../../errors';
import { ModelBlobError } from '../../../models/blobs';
import { loadBundle, type LoadedBundle } from '../../../models/bundle';
import type { ModelRegistry } from '../../../models/registry';
import { createBundleCache, createPretrainedChannel, type BundleCache } from '../../../models/serving';
import { GOLDEN_SIGNALS, type Signal } from '../../../sources/types';
import { defineRoute, errorSchema, type ApiRoute } from '../../route';
import { slotsOf } from './command';

/** Points one request may post (about two weeks of one-minute data; well inside the 1 MB body limit). */
export const MAX_SCORE_POINTS = 20_000;

const promote = slotsOf('promote_model');

const body = z.strictObject({
  points: z
    .array(z.tuple([z.number().nonnegative(), z.number()]))
    .min(1, 'at least one point')
    .max(MAX_SCORE_POINTS, `at most ${MAX_SCORE_POINTS} points`)
    .superRefine((points, ctx) => {
      const at = points.findIndex((p, i) => i > 0 && p[0] <= points[i - 1][0]);
      if (at > 0)
        ctx.addIssue({
          code: 'custom',
          message: `timestamps must increase: point ${at} (${points[at][0]}) is not after point ${at - 1}`,
        });
    })
    .describe('[timestamp in ms since the epoch, value] pairs, timestamps increasing, values finite'),
  signal: z
    .enum(GOLDEN_SIGNALS)
    .optional()
    .describe("which of the model's signals scores the series (default: the model's first)"),
});

const scoresSchema = z
  .object({
    model: z.string(),
    version: z.number().int(),
    signal: z.enum(GOLDEN_SIGNALS),
    threshold: z.number().describe('a point is anomalous at or above this score'),
    scores: z
      .array(z.tuple([z.number(), z.number(), z.boolean()]))
      .describe('[timestamp, score 0..1, anomalous] per posted point, in order'),
  })
  .meta({ title: 'Scores' });

type Fail = { status: number; error: string; message: string };

/** The champion's bundle, loaded through the cache from its verified bytes, or why it cannot be. */
async function championBundle(
  models: ModelRegistry,
  bundles: BundleCache,
  name: string,
): Promise<{ version: number; bundle: LoadedBundle } | Fail> {
  models.get(name); // not_found (with "did you mean") for an unknown model: 404
  const champion = models.resolve(name, 'champion');
  if (!champion)
    return {
      status: 409,
      error: 'no_champion',
      message: `${name} has no champion yet: promote a version first (promote ${name} VERSION)`,
    };
  try {
    // Read (and verified against its sha256) on every request, so a file spoiled on disk is refused
    // even when its bundle is cached.
    const bytes = await models.onnx(name, champion.version);
    const ref = {
      name,
      version: champion.version,
      sha256: champion.onnxSha256,
      onnxBase64: bytes.toString('base64'),
    };
    return { version: champion.version, bundle: await bundles.get(ref) };
  } catch (err) {
    const e = asAppError(err);
    const error = err instanceof ModelBlobError ? `model_file_${err.reason}` : 'model_unloadable';
    return { status: 503, error, message: `${name} v${champion.version} cannot score: ${e.userMessage}` };
  }
}

export function modelScoreRoute(models: ModelRegistry, options: { bundles?: BundleCache } = {}): ApiRoute {
  const bundles = options.bundles ?? createBundleCache((bytes) => loadBundle(bytes));
  return defineRoute({
    tag: 'models',
    method: 'POST',
    url: '/api/v1/models/:name/score',
    summary: "Score a series with a model's champion",
    description:
      `Scores up to ${MAX_SCORE_POINTS} posted points with the model's champion, as detection does: the ` +
      "champion's forest for the signal is the detector's learned channel, then the detector scores point by " +
      'point (the first points only warm it up). The answer aligns with the posted timestamps.',
    access: { permission: 'read', by: 'route' },
    params: z.strictObject({
      name: promote.model.unwrap().max(64, 'at most 64 characters').describe('the model name'),
    }),
    body,
    responses: {
      200: { description: 'one score per posted point', schema: scoresSchema },
      404: { description: 'no such model', schema: errorSchema },
      409: { description: 'the model has no champion', schema: errorSchema },
      503: { description: "the champion's ONNX file is missing, corrupt or does not load", schema: errorSchema },
    },
    handler: async ({ req, reply, params, body }) => {
      const got = await championBundle(models, bundles, params.name);
      if ('status' in got) {
        if (got.status === 503) req.log2.error('champion model unusable', { model: params.name, error: got.message });
        return reply.status(got.status).send({ error: got.error, message: got.message, request_id: req.id });
      }
      const { bundle, version } = got;
      const signal: Signal = body.signal ?? bundle.meta.signals[0].signal;
      const scorer = bundle.scorers[signal];
      if (!scorer) {
        const known = bundle.meta.signals.map((s) => s.signal).join(', ');
        return reply.status(400).send({
          error: 'bad_request',
          message: `${params.name} v${version} has no model for ${signal}; it scores ${known}`,
          request_id: req.id,
        });
      }
      const learned = createPretrainedChannel(scorer, { window: bundle.meta.params.window });
      const ts = body.points.map(([t]) => t);
      const detections = await scoreChunk(
        createDetector(),
        learned,
        ts,
        body.points.map(([, v]) => v),
      );
      return reply.status(200).send({
        model: params.name,
        version,
        signal,
        threshold: ALERT_THRESHOLD,
        scores: detections.map((d, i) => [ts[i], d.score, d.score >= ALERT_THRESHOLD]),
      });
    },
  });
}
