import { AppError } from '../errors';
import type { ModelDetailOf } from '../models/model-detail';
import type { Comparison } from '../models/registry-types';
import { presentComparison, presentModelDetail } from '../present/model-detail';
import { reply, text } from '../reply/model';
import type { CommandOutcome } from './context';

/** `show_model`: versions, metrics, aliases, and champion vs challenger in shadow. An unknown name is not_found. */
export function showModel(detailOf: ModelDetailOf | undefined, name: string): CommandOutcome {
  if (!detailOf) return { outcome: 'replied', reply: reply('info', text('Model details are not available here.')) };
  return notFoundIsInvalid(() => ({ outcome: 'replied', reply: presentModelDetail(detailOf(name)) }));
}

/** An unknown model or version is the user's to fix (with the registry's "did you mean"), not a failure. */
function notFoundIsInvalid(f: () => CommandOutcome): CommandOutcome {
  try {
    return f();
  } catch (err) {
    if (err instanceof AppError && err.code === 'not_found')
      return { outcome: 'invalid', reply: reply('warning', text(err.userMessage)) };
    throw err;
  }
}

/** `compare_models`: two versions' params and metrics side by side, differences marked. */
export function compareModels(
  models: { compare(name: string, a: number, b: number): Comparison },
  slots: { model: string; version_a: number; version_b: number },
): CommandOutcome {
  return notFoundIsInvalid(() => ({
    outcome: 'replied',
    reply: presentComparison(models.compare(slots.model, slots.version_a, slots.version_b)),
  }));
}
