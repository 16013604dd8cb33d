/**
 * The control plane's side of train_model: a finished job's result (the ONNX bytes, from any worker)
 * becomes a registered version, created by the job's owner, and is evaluated beside the champion
 * (src/models/evaluate.ts) before anyone replies. Registration is keyed on the job id (migration
 * 013), so the completed event seen by several serve processes, and the chat follower asking for
 * the same job, register it once.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { systemClock, type Clock } from '../clock';
import { asAppError } from '../errors';
import type { Jobs, TrainModelJobResult } from '../jobs/map';
import type { Logger } from '../log/logger';
import { evaluateAndRecord, type FeedbackLabels, type IncidentPeriods } from '../models/register';
import type { ModelRegistry } from '../models/registry';
import type { JsonObject, ModelVersion } from '../models/registry-types';
import type { JobInfo, JobQueue } from '../queue/types';
import type { MetricsSource } from '../sources/types';
import { presentFinished } from '../present/jobs';
import { context, reply, text, type Reply } from '../reply/model';

/** Completed jobs looked through at start for trainings nobody registered (the queue keeps a bounded history). */
const CATCH_UP_JOBS = 200;
/** How long a process waits for another one's evaluation of the same job before answering without it. */
const EVALUATION_WAIT_MS = 60_000;

export interface ModelRegistrar {
  /** The version a completed train_model job registered (registering and evaluating it first if needed). */
  registration(job: JobInfo<Jobs>): Promise<ModelVersion>;
  /** Register every train_model job completed from now on. Returns stop. */
  start(): () => void;
  /** Resolves once the registrations under way have settled (before the store closes). */
  settled(): Promise<void>;
  /** The reply's line about a registered version's alias (challenger, or waiting to be promoted). */
  aliasNote(v: ModelVersion): string;
}

export function createRegistrar(deps: {
  registry: ModelRegistry;
  queue: JobQueue<Jobs>;
  source: MetricsSource;
  log: Logger;
  /** When the challenger alias moves (the app's clock, like the shadow runs recorded against it). */
  clock?: Clock;
  /** 👍/👎 feedback (src/models/feedback.ts): its labels on the service over the training window feed the evaluation. */
  feedback?: FeedbackLabels;
  /** Incidents on the service over the training window: labelled periods for the evaluation. */
  incidents?: IncidentPeriods;
}): ModelRegistrar {
  const { registry, queue, source, log } = deps;
  const clock = deps.clock ?? systemClock;
  const inFlight = new Map<string, Promise<ModelVersion>>();

  const registerAndEvaluate = async (job: JobInfo<Jobs>): Promise<ModelVersion> => {
    const r = job.result as TrainModelJobResult;
    const known = registry.byJob(job.id);
    if (known) return known.metrics ? known : waitForMetrics(registry, known);
    const onnx = Buffer.from(r.onnxBase64, 'base64');
    const version = await registry.register({
      service: r.service,
      name: r.model,
      params: { ...r.params },
      seed: r.seed,
      window: { fromMs: r.window.fromMs, toMs: r.window.toMs },
      dataSha256: r.dataSha256,
      codeVersion: r.codeVersion,
      createdBy: job.meta.requestedBy ?? 'system:smartcloudops',
      onnx,
      jobId: job.id,
      ...(r.reference ? { reference: r.reference as unknown as JsonObject } : {}),
    });
    if (version.metrics) return version;
    log.info('model registered', { model: version.name, version: version.version, job: job.id });
    const { feedback, incidents } = deps;
    return evaluateAndRecord({ registry, source, log, clock, feedback, incidents }, version, r.service, onnx);
  };

  /** Registers completed train_model jobs in the queue's history that no version came from yet. */
  const catchUp = async () => {
    for (const job of await queue.list({ states: ['completed'], limit: CATCH_UP_JOBS })) {
      if (job.name !== 'train_model' || registry.byJob(job.id)) continue;
      log.info('registering a training finished while no control plane listened', { job: job.id });
      await registration(job);
    }
  };

  const registration = (job: JobInfo<Jobs>): Promise<ModelVersion> => {
    let p = inFlight.get(job.id);
    if (!p) {
      p = registerAndEvaluate(job);
      inFlight.set(job.id, p);
      // Forget it once settled: the registry remembers the job from then on.
      void p.then(
        () => inFlight.delete(job.id),
        () => inFlight.delete(job.id),
      );
    }
    return p;
  };

  return {
    registration,
    aliasNote: (v) => aliasNote(registry, v),
    async settled() {
      await Promise.allSettled([...inFlight.values()]);
    },
    start() {
      const stop = queue.on('completed', (e) => {
        if (e.name !== 'train_model') return;
        void (async () => {
          const job = await queue.get(e.id);
          if (job?.name !== 'train_model' || job.state !== 'completed') return;
          await registration(job);
        })().catch((err: unknown) => log.error('registering a trained model failed', { job: e.id, err }));
      });
      // Trainings a worker finished while no control plane was listening wait in the queue's history.
      void catchUp().catch((err: unknown) => log.warn('could not look for unregistered trainings', { err }));
      return stop;
    },
  };
}

/** What the training's reply says of the version's alias: challenger in shadow, or waiting to be promoted. */
export function aliasNote(registry: Pick<ModelRegistry, 'aliasesOf'>, v: ModelVersion): string {
  const { champion, challenger } = registry.aliasesOf(v.name);
  if (v.metrics?.evaluation_error !== undefined) return `v${v.version} is not the challenger: its evaluation failed.`;
  const see = `\`model ${v.name}\``;
  if (challenger === v.version && champion !== null)
    return `v${v.version} is now the challenger: it scores in shadow beside champion v${champion} (${see}).`;
  if (champion === null)
    return `No champion yet: v${v.version} waits to be promoted (\`promote ${v.name} ${v.version}\`).`;
  return '';
}

/** Another process registered the version and is evaluating it: wait for its metrics, within reason. */
async function waitForMetrics(registry: ModelRegistry, v: ModelVersion): Promise<ModelVersion> {
  const until = Date.now() + EVALUATION_WAIT_MS;
  let now = v;
  while (!now.metrics && Date.now() < until) {
    await sleep(250);
    now = registry.version(v.name, v.version);
  }
  return now;
}

/** The reply for a finished job a chat thread follows: a completed training once registered and evaluated. */
export function finishedReply(registrar: ModelRegistrar): (job: JobInfo<Jobs>) => Promise<Reply> {
  return async (job) => {
    if (job.name !== 'train_model' || job.state !== 'completed') return presentFinished(job);
    try {
      const version = await registrar.registration(job);
      const r = presentFinished(job, { version });
      const note = registrar.aliasNote(version);
      return note ? { ...r, blocks: [...r.blocks, context(note)] } : r;
    } catch (err) {
      const e = asAppError(err);
      return reply('error', text(`Job ${job.id} trained a model, but registering it failed: ${e.userMessage}`));
    }
  };
}
