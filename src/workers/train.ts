/**
 * The train_model job: fetch a service's golden-signal history, train its detector model, bundle
 * it into one ONNX file and hand it back in the result. It opens no database (a remote `worker`
 * runs it): the control plane registers the result.
 */
import { createHash } from 'node:crypto';
import type { Clock } from '../clock';
import { AppError, UnrecoverableJobError } from '../errors';
import type { TrainModelJobData, TrainModelJobResult } from '../jobs/map';
import { buildBundle } from '../models/bundle';
import { fetchHistory } from '../models/history';
import { referenceOf, resolveParams, trainModel } from '../models/train';
import { codeVersion } from '../models/version';
import { jobSteps, type StepHandle } from '../queue/steps';
import type { JobContext } from '../queue/types';
import type { MetricsSource } from '../sources/types';

const MODEL_NAME = /^[a-z0-9][a-z0-9-]{0,62}$/;

/** Progress: fetching the history takes 0..FETCHED %, training up to TRAINED %, then the bundle. */
const FETCHED = 20;
const TRAINED = 90;

/** Marks a step failed with the error's message, and rethrows. */
const failed =
  (step: StepHandle) =>
  async (err: unknown): Promise<never> => {
    await step.fail(err instanceof AppError ? err.userMessage : String(err));
    throw err;
  };

export function trainProcessor(source: MetricsSource, clock: Clock) {
  return async (job: JobContext<TrainModelJobData>): Promise<TrainModelJobResult> => {
    try {
      return await train(source, clock, job);
    } catch (err) {
      // Bad input and bad windows will not get better on retry; an unreachable source may.
      if (err instanceof AppError && ['bad_request', 'not_found', 'job_cancelled'].includes(err.code))
        throw new UnrecoverableJobError(err.userMessage, { cause: err });
      throw err;
    }
  };
}

async function train(source: MetricsSource, clock: Clock, job: JobContext<TrainModelJobData>) {
  const { service, windowS, stepS, toMs } = job.data;
  const model = job.data.model ?? `${service}-detector`;
  if (typeof service !== 'string' || !service) throw new AppError('bad_request', 'train_model needs a service');
  if (!MODEL_NAME.test(model))
    throw new AppError('bad_request', `model names are lower-case letters, digits and -, got “${model}”`);
  const { params, seed } = resolveParams(job.data.params, job.data.seed);
  const catalog = (await source.services()).map((s) => s.name);
  if (!catalog.includes(service))
    throw new AppError('not_found', `unknown service “${service}”; known: ${catalog.join(', ')}`);

  // The stages as steps (src/queue/steps.ts): chat shows each one as it starts and ends.
  const steps = jobSteps(job);
  const fetching = await steps.begin(`fetch ${service} history`);
  const history = await fetchHistory(
    source,
    { service, windowS, toMs: toMs ?? clock(), ...(stepS !== undefined ? { stepMs: stepS * 1000 } : {}) },
    job.signal,
  ).catch(failed(fetching));
  await fetching.done(`${history.signals.length} signal(s): ${history.signals.map((x) => x.signal).join(', ')}`);
  await steps.percent(FETCHED, `fetched ${history.signals.length} signal(s) of ${service}`);
  const training = await steps.begin(`train and calibrate ${history.signals.length} forest(s)`);
  const trained = await trainModel(history, {
    params,
    seed,
    signal: job.signal,
    onProgress: (p) => steps.percent(FETCHED + Math.round((p.percent * (TRAINED - FETCHED)) / 100), p.message),
  }).catch(failed(training));
  await training.done(`${trained.params.trees} trees each, in ${trained.trainingSeconds.toFixed(1)} s`);
  const exporting = await steps.begin('export ONNX');
  const onnx = buildBundle(trained, { model });
  await exporting.done(`${model}, ${onnx.length} bytes`);
  await steps.percent(100, `bundled ${model} (${onnx.length} bytes)`);
  return {
    model,
    service,
    params: trained.params,
    seed: trained.seed,
    window: trained.window,
    dataSha256: trained.dataSha256,
    codeVersion: codeVersion(),
    onnxBase64: Buffer.from(onnx).toString('base64'),
    sha256: createHash('sha256').update(onnx).digest('hex'),
    reference: referenceOf(trained),
    stats: {
      points: Object.fromEntries(trained.signals.map((s) => [s.signal, s.points])),
      missing: history.missing,
      trainingSeconds: trained.trainingSeconds,
      onnxBytes: onnx.length,
    },
  };
}
