import type { Intent } from '../schema';
import { build, confidence, unknown } from './build';
import { lead, mood } from './guard';
import { isModelName, isName, nameAt, type Parsed } from './slots';
import { kw } from './tokens';

/**
 * show_model and compare_models: reading one model, never acting on it. "model payments-detector",
 * "show me the payments-detector model", "how is checkout-api-detector doing", "compare
 * payments-detector 2 3", "compare v2 and v3 of payments-detector". Only a name that reads as a
 * model's (`-detector`, or a name with `-`, `.`, `_` or a digit next to the word model/detector)
 * counts, so "show me the anomaly models" stays list_models and "how is payments doing" status.
 */

const COMPARE = new Set(['compare', 'diff', 'contrast']);
const SHAPED = /[-_.\d]/;

/** The model's name: a `-detector` name anywhere, or a shaped name next to the singular noun. */
function modelAt(p: Parsed): number {
  const t = p.tokens;
  const detector = t.findIndex((_, i) => isName(p, i) && isModelName(p, i) && SHAPED.test(t[i].w));
  if (detector >= 0) return detector;
  for (let i = 0; i < t.length; i++) {
    if (kw(t[i]) !== 'model' || (t[i].w !== 'model' && t[i].w !== 'detector')) continue;
    for (const j of [i + 1, i - 1]) if (isName(p, j) && SHAPED.test(t[j].w) && t[j].num === undefined) return j;
  }
  return -1;
}

/** Version numbers in order: v2, version 2, or plain integers. */
function versions(p: Parsed): number[] {
  const t = p.tokens;
  const out: number[] = [];
  for (let i = 0; i < t.length; i++) {
    const v = /^v(\d+)$/.exec(t[i].w);
    const n = t[i].num;
    if (v) out.push(Number(v[1]));
    else if (/^\d+$/.test(t[i].w) && n !== undefined) out.push(n);
  }
  return out;
}

export function modelDetail(p: Parsed): Intent | undefined {
  const t = p.tokens;
  const model = modelAt(p);
  const compareAt = t.findIndex((x) => COMPARE.has(x.w));
  if (compareAt >= 0) {
    if (model < 0) return undefined;
    const m = mood(p, compareAt);
    if (m.negated || m.hypothetical || m.report) return unknown();
    const [a, b] = versions(p);
    return build('compare_models', { model: nameAt(p, model), version_a: a, version_b: b }, confidence(p, compareAt));
  }
  if (model < 0) return undefined;
  const s = lead(p).index;
  const first = t[s];
  const asks =
    kw(first) === 'show' ||
    kw(first) === 'qword' ||
    kw(first) === 'aux' ||
    p.question ||
    (kw(first) === 'model' && (first.w === 'model' || first.w === 'detector') && s + 1 === model);
  if (!asks || t.some((x) => x.w === 'models' || x.w === 'detectors')) return undefined;
  if (t.some((x, i) => i !== model && kw(x) !== undefined && ['train', 'promote', 'rollback'].includes(kw(x) ?? '')))
    return undefined;
  return build('show_model', { model: nameAt(p, model) }, confidence(p, model));
}
