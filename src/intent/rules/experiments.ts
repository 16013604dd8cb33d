import type { Intent } from '../schema';
import { build, confidence, unknown } from './build';
import { lead, mood } from './guard';
import { isModelName, isName, nameAt, type Parsed } from './slots';
import { kw } from './tokens';

/**
 * list_experiments: "experiments", "show experiments for payments", "list training runs", "what
 * have we trained", "experiments payments-detector". An optional name filters: a model's name
 * (`-detector`, "the x model", `--model`) or else a service's (`--service`).
 */

const EXPERIMENT = new Set(['experiment', 'experiments', 'exps']);
const RUN_NOUNS = new Set(['runs', 'run', 'history', 'log', 'logs', 'sessions']);

/** Where the words that mean "the training runs" are, or -1. */
function head(p: Parsed): number {
  const t = p.tokens;
  const exp = t.findIndex((x) => EXPERIMENT.has(x.w));
  if (exp >= 0) return exp;
  // "training runs", "training history", "trainings"
  const runs = t.findIndex(
    (x, i) => x.w === 'trainings' || (x.w === 'training' && RUN_NOUNS.has(t[i + 1]?.w ?? '') && !isName(p, i + 2)),
  );
  if (runs >= 0) return runs;
  // "what have we trained", "what did we train so far"
  const s = lead(p).index;
  if (t[s]?.w !== 'what') return -1;
  const train = t.findIndex((x, i) => i > s && kw(x) === 'train');
  const subject = t.some((x, i) => i > s && i < train && (x.w === 'we' || x.w === 'you' || x.w === 'i'));
  return train >= 0 && subject && !t.some((x) => kw(x) === 'model') ? train : -1;
}

export function experiments(p: Parsed): Intent | undefined {
  const at = head(p);
  if (at < 0) return undefined;
  const m = mood(p, at);
  if (m.negated || m.hypothetical) return unknown();
  const t = p.tokens;
  const flagModel = p.flags.get('model')?.toLowerCase();
  const flagService = p.flags.get('service')?.toLowerCase();
  const name = t.findIndex((x, i) => i !== at && !EXPERIMENT.has(x.w) && !RUN_NOUNS.has(x.w) && isName(p, i));
  const model = flagModel ?? (name >= 0 && isModelName(p, name) ? nameAt(p, name) : undefined);
  const service = flagService ?? (name >= 0 && !isModelName(p, name) ? nameAt(p, name) : undefined);
  return build('list_experiments', { model, service }, confidence(p, at));
}
