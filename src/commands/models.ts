import type { Jobs } from '../jobs/map';
import { DEFAULT_TRAINING_WINDOW_S, MAX_TRAINING_WINDOW_S, MIN_TRAINING_WINDOW_S } from '../models/history';
import { defaultModelName } from '../models/registry-names';
import type { Comparison, ModelRecord } from '../models/registry-types';
import { AppError } from '../errors';
import { resolveParams, type ModelParams } from '../models/train';
import { windowWords } from '../present/format';
import { presentModels } from '../present/models';
import { didYouMean } from '../reply/did-you-mean';
import { buttons, context, reply, text, type Reply } from '../reply/model';
import type { JobQueue } from '../queue/types';
import type { MetricsSource } from '../sources/types';
import type { CommandContext, CommandOutcome } from './context';
import { enqueueFor } from './enqueue';

/** What the model commands read of the registry (the control plane's ModelRegistry). */
export interface ModelsView {
  list(): ModelRecord[];
  /** A model with its aliases (AppError not_found, with "did you mean", when there is none). */
  get(name: string): ModelRecord;
  /** The champion a rollback goes back to. */
  previousChampion(name: string): number | undefined;
  compare(name: string, a: number, b: number): Comparison;
}

const SUFFIX = '-detector';

/**
 * `train_model`: the service (named, or as `<service>-detector`) and window checked, one training
 * per model at a time, then a train_model job owned by the requester; the reply follows it.
 */
export async function requestTraining(
  ctx: CommandContext,
  deps: { queue: JobQueue<Jobs>; source: MetricsSource; models: ModelsView },
  slots: { model?: string; service?: string; window_s?: number; params?: Partial<ModelParams>; seed?: number },
): Promise<CommandOutcome> {
  const services = (await deps.source.services()).map((s) => s.name);
  const resolved = resolveService(slots, services, deps.models.list());
  if ('problem' in resolved) return { outcome: 'invalid', reply: resolved.problem };
  const { service, model } = resolved;
  const windowS = slots.window_s ?? DEFAULT_TRAINING_WINDOW_S;
  if (windowS < MIN_TRAINING_WINDOW_S || windowS > MAX_TRAINING_WINDOW_S) {
    const bounds = `${windowWords(MIN_TRAINING_WINDOW_S)} to ${windowWords(MAX_TRAINING_WINDOW_S)}`;
    return {
      outcome: 'invalid',
      reply: reply('warning', text(`A training window runs from ${bounds}; you asked for ${windowWords(windowS)}.`)),
    };
  }
  const tuned = checkParams(slots.params, slots.seed);
  if ('problem' in tuned) return { outcome: 'invalid', reply: tuned.problem };
  const running = (await deps.queue.list({ states: ['waiting', 'delayed', 'active'] })).find(
    (j) => j.name === 'train_model' && (j.data as Jobs['train_model']['data']).service === service,
  );
  if (running) {
    const p = running.progress ? ` (${Math.round(running.progress.percent)}%)` : '';
    return {
      outcome: 'invalid',
      reply: reply(
        'warning',
        text(
          `${model} is already being trained: job ${running.id} is ${running.state}${p}. Wait for it, or cancel it.`,
        ),
        buttons([{ label: `Job ${running.id}`, command: `job ${running.id}` }]),
      ),
    };
  }
  return enqueueFor(
    ctx,
    deps.queue,
    'train_model',
    { service, windowS, ...(model !== defaultModelName(service) ? { model } : {}), ...tuned.data },
    `Training ${model} on ${service} over ${windowWords(windowS)}${tuned.words}…`,
  );
}

/** The params and seed a request gives, checked against ModelParams' bounds (resolveParams); only what was given. */
function checkParams(
  params: Partial<ModelParams> | undefined,
  seed: number | undefined,
): { data: { params?: Partial<ModelParams>; seed?: number }; words: string } | { problem: Reply } {
  const given = Object.fromEntries(Object.entries(params ?? {}).filter(([, v]) => v !== undefined));
  try {
    resolveParams(given, seed);
  } catch (err) {
    if (err instanceof AppError && err.code === 'bad_request')
      return { problem: reply('warning', text(`${err.userMessage}.`)) };
    throw err;
  }
  const words = [
    ...Object.entries(given).map(([k, v]) => `${k} ${String(v)}`),
    ...(seed === undefined ? [] : [`seed ${seed}`]),
  ];
  return {
    data: { ...(Object.keys(given).length ? { params: given } : {}), ...(seed === undefined ? {} : { seed }) },
    words: words.length ? ` with ${words.join(', ')}` : '',
  };
}

type Resolved = { service: string; model: string } | { problem: ReturnType<typeof reply> };

function resolveService(
  slots: { model?: string; service?: string },
  services: string[],
  models: ModelRecord[],
): Resolved {
  const unknown = (what: string, name: string, known: string[]) => ({
    problem: reply(
      'warning',
      text(`I don't know a ${what} called “${name}”.${didYouMean(name, known)}`),
      context(`Known ${what}s: ${known.join(', ')}`),
    ),
  });
  if (slots.service !== undefined) {
    if (!services.includes(slots.service)) return unknown('service', slots.service, services);
    return { service: slots.service, model: defaultModelName(slots.service) };
  }
  if (slots.model === undefined) {
    return {
      problem: reply(
        'warning',
        text('Name the service the model should learn, e.g. `train a model for payments on the last 7 days`.'),
        context(`Known services: ${services.join(', ')}`),
      ),
    };
  }
  const known = models.find((m) => m.name === slots.model);
  if (known) return { service: known.service, model: known.name };
  const service = slots.model.endsWith(SUFFIX) ? slots.model.slice(0, -SUFFIX.length) : slots.model;
  if (services.includes(service)) return { service, model: defaultModelName(service) };
  const names = [...new Set([...services.map(defaultModelName), ...models.map((m) => m.name)])];
  return unknown('model', slots.model, names);
}

/** `list_models`: every model with its champion, challenger and latest version. */
export function listModels(models: ModelsView): CommandOutcome {
  return { outcome: 'replied', reply: presentModels(models.list()) };
}
