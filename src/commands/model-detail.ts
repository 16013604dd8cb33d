import type { ModelDetailOf } from '../models/model-detail';
import type { Comparison } from '../models/registry-types';
import { presentComparison, presentModelDetail } from '../present/model-detail';
import { reply, text } from '../reply/model';
import type { CommandOutcome } from './context';

/** `show_model`: versions, metrics, aliases, and champion vs challenger in shadow. An unknown name is not_found. */
export function showModel(detailOf: ModelDetailOf | undefined, name: string): CommandOutcome {
  if (!detailOf) return { outcome: 'replied', reply: reply('info', text('Model details are not available here.')) };
  return { outcome: 'replied', reply: presentModelDetail(detailOf(name)) };
}

/** `compare_models`: two versions' params and metrics side by side, differences marked. */
export function compareModels(
  models: { compare(name: string, a: number, b: number): Comparison },
  slots: { model: string; version_a: number; version_b: number },
): CommandOutcome {
  return { outcome: 'replied', reply: presentComparison(models.compare(slots.model, slots.version_a, slots.version_b)) };
}
