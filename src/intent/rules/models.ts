import type { Intent } from '../schema';
import { build, confidence, unknown } from './build';
import { lead, mood } from './guard';
import { modelDetail } from './model-detail';
import { find, order } from './manage';
import { findVersion, isModelName, isName, nameAt, type Parsed } from './slots';
import { kw } from './tokens';

/** The model intents of DESIGN.md "Intent contract": list_models, train_model, promote_model, rollback_model. */

const MAKE_LIVE = new Set(['make', 'set', 'put', 'ship', 'serve', 'use', 'deploy']);
const LIVE = new Set(['live', 'active', 'default', 'current', 'primary', 'production', 'serving']);
const CHAMPION = new Set(['champion', 'champ']);
const BACK_VERBS = new Set(['go', 'switch', 'move', 'flip', 'revert', 'return', 'fall', 'put']);

type Order = { at: number; ok: boolean; negated: boolean };

/** A name right before a word ("the cpu-ewma model") or right after it ("model cpu-ewma"). */
function nameNextTo(p: Parsed, i: number): number {
  const t = p.tokens;
  const around = (j: number) =>
    j >= 0 && j < t.length && !t[j].sep && !t[j].e && /^[a-z0-9][a-z0-9._-]*$/.test(t[j].w) && /[-_.\d]/.test(t[j].w);
  if (isName(p, i + 1) || (around(i + 1) && !t[i + 1].num)) return i + 1;
  if ((t[i + 1]?.w === 'called' || t[i + 1]?.w === 'named') && isName(p, i + 2)) return i + 2;
  if (i > 0 && (isName(p, i - 1) || around(i - 1))) return i - 1;
  // "the latency model": a metric word names the model
  if (i > 0 && p.used[i - 1] && !t[i - 1].e && /^[a-z][a-z0-9]*$/.test(t[i - 1].w) && !/^p\d/.test(t[i - 1].w))
    return i - 1;
  return -1;
}

const SERVICE_PREPS = new Set(['for', 'on', 'of', 'against']);

function servicePrep(p: Parsed, except: number): number {
  const t = p.tokens;
  for (let i = 0; i + 1 < t.length; i++) {
    if (!SERVICE_PREPS.has(t[i].w)) continue;
    let j = i + 1;
    while (j < t.length && kw(t[j]) === 'det') j++;
    if (j !== except && isName(p, j)) return j;
  }
  return -1;
}

/** A model (`<service>-detector`, or a name before model/detector) written anywhere, or -1. */
function detectorAt(p: Parsed): number {
  return p.tokens.findIndex((_, i) => isName(p, i) && isModelName(p, i));
}

/** The rollback word: a rollback verb in any form, or "go back" / "switch … back". */
function backAt(p: Parsed): number {
  const t = p.tokens;
  const verb = t.findIndex((x) => kw(x) === 'rollback');
  if (verb >= 0) return verb;
  const back = t.findIndex((x, j) => x.w === 'back' && j > 0);
  if (back < 0) return -1;
  for (let j = back - 1; j >= Math.max(0, back - 4); j--) if (BACK_VERBS.has(t[j].w)) return j;
  return -1;
}

/** "make v3 of checkout-api-detector the champion", "make version 3 of lstm live": a promotion without the word. */
function makeLive(p: Parsed, hasVersion: boolean): Order | undefined {
  const t = p.tokens;
  const champion = t.some((x) => CHAMPION.has(x.w));
  if (!champion && !(hasVersion && t.some((x) => LIVE.has(x.w)))) return undefined;
  const at = t.findIndex((x) => MAKE_LIVE.has(x.w));
  if (at < 0 || (at !== lead(p).index && !champion)) return undefined;
  const m = mood(p, at);
  const ok = !m.negated && !m.hypothetical && !m.report && !(m.question && !m.polite && m.qword !== undefined);
  return { at, ok, negated: m.negated };
}

/**
 * models: list, train, promote a version, roll back.
 *
 * Model or service? A rollback is a model's only when the text says it is about a model: the word
 * model/models/detector(s), a name ending in `-detector` (DESIGN.md "Models": a service's model is
 * `<service>-detector`), or `--model`. So "rollback checkout-api" stays a remediation of the
 * service, while "rollback checkout-api-detector" and "rollback the checkout-api model" roll back
 * the model; remediate.ts refuses a model as the target of any other action. A promotion talked
 * about ("who promoted v3?", "v3 was promoted") and a question, negation or report about a
 * rollback of a model is never an order: unknown (how-to questions are help, answered earlier).
 */
export function models(p: Parsed): Intent | undefined {
  const t = p.tokens;
  const noun = find(p, 'model');
  const train = t.findIndex((x) => kw(x) === 'train' && (x.e?.f === 'base' || x.e?.f === 'ing'));
  // "make version 3 of lstm live", "set lstm v2 as the active version"
  const hasVersion = t.some((x, i) => /^v\d+$/.test(x.w) || (kw(x) === 'version' && /^\d+$/.test(t[i + 1]?.w ?? '')));
  const promote = order(p, 'promote') ?? makeLive(p, hasVersion);
  const promoteTalk = t.some((x) => kw(x) === 'promote' && (x.e?.f === 'past' || x.e?.f === 'ing' || x.e?.f === 's'));
  const flagModel = p.flags.get('model')?.toLowerCase();
  const back = backAt(p);
  const aboutModel = noun >= 0 || flagModel !== undefined || detectorAt(p) >= 0;
  // "model payments-detector", "compare payments-detector 2 3": reading a model (model-detail.ts).
  const read = train < 0 && !promote && !promoteTalk && back < 0 ? modelDetail(p) : undefined;
  if (read) return read;
  if (noun < 0 && train < 0 && !promote && !promoteTalk && !(back >= 0 && aboutModel)) return undefined;
  if (find(p, 'cancel') >= 0 && find(p, 'job') >= 0) return undefined;

  const modelName = (verb: number): number => {
    if (noun >= 0) {
      const n = nameNextTo(p, noun);
      if (n >= 0) return n;
    }
    if (verb >= 0 && isName(p, verb + 1)) return verb + 1;
    return t.findIndex((_, i) => i > verb && isName(p, i));
  };
  if (back >= 0 && aboutModel) {
    const m = mood(p, back);
    if (m.negated || m.hypothetical || (m.question && !m.polite) || m.report) return unknown();
    return build('rollback_model', { model: flagModel ?? nameAt(p, modelName(back)) }, confidence(p, back));
  }
  if (promote) {
    if (!promote.ok) return unknown();
    const name = modelName(promote.at);
    if (name >= 0) markUsed(p, name);
    return build(
      'promote_model',
      { model: flagModel ?? nameAt(p, name), version: findVersion(p) },
      confidence(p, promote.at),
    );
  }
  if (promoteTalk) return unknown();
  if (train >= 0) return training(p, train, noun, flagModel);
  // "list models", "which models are deployed?", "show me the anomaly models"
  const s = lead(p).index;
  const asks = kw(t[s]) === 'show' || kw(t[s]) === 'qword' || kw(t[s]) === 'aux' || noun === s || p.question;
  if (noun >= 0 && asks && (t[noun].w === 'models' || t[noun].w === 'detectors' || t.some((x) => kw(x) === 'version')))
    return build('list_models', {}, confidence(p, noun));
  return undefined;
}

/**
 * train_model. A bare name after the verb ("/ops train payments 7d") is the service whose model
 * to train, unless it is a model's name (`-detector`, "the x model") or the service is given
 * elsewhere ("retrain isolation-forest on checkout-api", `--service`): then it is the model.
 */
function training(p: Parsed, train: number, noun: number, flagModel: string | undefined): Intent | undefined {
  const t = p.tokens;
  const m = mood(p, train);
  if (m.negated || (m.question && !m.polite && m.qword !== undefined)) return unknown();
  if (
    t[train].e?.f === 'ing' &&
    !(train > 0 && /^(kickoff|start|begin|run|launch|trigger)$/.test(t[train - 1].w)) &&
    train !== lead(p).index
  )
    return undefined;
  let model = noun >= 0 ? nameNextTo(p, noun) : -1;
  let service = servicePrep(p, model);
  const flagService = p.flags.get('service')?.toLowerCase();
  if (model < 0 && isName(p, train + 1) && train + 1 !== service) {
    if (isModelName(p, train + 1) || service >= 0 || flagService !== undefined) model = train + 1;
    else service = train + 1;
  }
  return build(
    'train_model',
    {
      model: flagModel ?? nameAt(p, model),
      service: flagService ?? nameAt(p, service),
      window_s: p.window,
      ...trainingFlags(p),
    },
    confidence(p, train),
  );
}

const PARAM_FLAGS = [
  ['trees', 'trees'],
  ['sample-size', 'sampleSize'],
  ['feature-window', 'window'],
] as const;

/**
 * `--trees N`, `--sample-size N`, `--feature-window N` and `--seed N` (the train_model slot
 * extensions `params` and `seed`); a value that is not a whole number is left out. `--window` stays
 * the training window (7d), as everywhere else.
 */
function trainingFlags(p: Parsed): { params?: Record<string, number>; seed?: number } {
  const whole = (v: string | undefined) => (v !== undefined && /^\d{1,10}$/.test(v) ? Number(v) : undefined);
  const params: Record<string, number> = {};
  for (const [flag, key] of PARAM_FLAGS) {
    const v = whole(p.flags.get(flag));
    if (v !== undefined && v > 0) params[key] = v;
  }
  const seed = whole(p.flags.get('seed'));
  return { ...(Object.keys(params).length ? { params } : {}), ...(seed !== undefined ? { seed } : {}) };
}

function markUsed(p: Parsed, i: number): void {
  p.used[i] = 1;
}
