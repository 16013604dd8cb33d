import type { Intent } from '../schema';
import { build, confidence, unknown } from './build';
import { lead, mood } from './guard';
import { find, order } from './manage';
import { findVersion, isName, nameAt, type Parsed } from './slots';
import { kw } from './tokens';

/** models: list, train, promote a version, roll back (DESIGN.md "Intent contract"). */

const MAKE_LIVE = new Set(['make', 'set', 'put', 'ship', 'serve', 'use', 'deploy']);
const LIVE = new Set(['live', 'active', 'default', 'current', 'primary', 'production', 'serving']);

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

/** models: list, train, promote a version, roll back. */
export function models(p: Parsed): Intent | undefined {
  const t = p.tokens;
  const noun = find(p, 'model');
  const train = t.findIndex((x) => kw(x) === 'train' && (x.e?.f === 'base' || x.e?.f === 'ing'));
  let promote = order(p, 'promote');
  // "make version 3 of lstm live", "set lstm v2 as the active version"
  const hasVersion = t.some((x, i) => /^v\d+$/.test(x.w) || (kw(x) === 'version' && /^\d+$/.test(t[i + 1]?.w ?? '')));
  const lead0 = t[lead(p).index];
  if (!promote && hasVersion && lead0 && MAKE_LIVE.has(lead0.w) && t.some((x) => LIVE.has(x.w)))
    promote = { at: lead(p).index, ok: true, negated: false };
  const back = t.findIndex((x) => kw(x) === 'rollback');
  const flagModel = p.flags.get('model')?.toLowerCase();
  if (noun < 0 && train < 0 && !promote) return undefined;
  if (find(p, 'cancel') >= 0 && find(p, 'job') >= 0) return undefined;

  const modelName = (verb: number): number => {
    if (noun >= 0) {
      const n = nameNextTo(p, noun);
      if (n >= 0) return n;
    }
    return verb >= 0 && isName(p, verb + 1) ? verb + 1 : -1;
  };
  if (back >= 0 && noun >= 0) {
    const m = mood(p, back);
    if (m.negated || (m.question && !m.polite) || m.report) return unknown();
    let name = modelName(back);
    if (name < 0) name = t.findIndex((_, i) => i > back && isName(p, i));
    return build('rollback_model', { model: flagModel ?? nameAt(p, name) }, confidence(p, back));
  }
  if (promote) {
    if (!promote.ok) return unknown();
    let name = modelName(promote.at);
    if (name < 0) name = t.findIndex((_, i) => i > promote.at && isName(p, i));
    if (name >= 0) markUsed(p, name);
    return build(
      'promote_model',
      { model: flagModel ?? nameAt(p, name), version: findVersion(p) },
      confidence(p, promote.at),
    );
  }
  if (train >= 0) {
    const m = mood(p, train);
    if (m.negated || (m.question && !m.polite && m.qword !== undefined)) return unknown();
    if (
      t[train].e?.f === 'ing' &&
      !(train > 0 && /^(kickoff|start|begin|run|launch|trigger)$/.test(t[train - 1].w)) &&
      train !== lead(p).index
    )
      return undefined;
    let model = noun >= 0 ? nameNextTo(p, noun) : -1;
    const service = servicePrep(p, model);
    if (model < 0 && isName(p, train + 1) && train + 1 !== service) model = train + 1;
    return build(
      'train_model',
      {
        model: flagModel ?? nameAt(p, model),
        service: p.flags.get('service')?.toLowerCase() ?? nameAt(p, service),
        window_s: p.window,
      },
      confidence(p, train),
    );
  }
  // "list models", "which models are deployed?", "show me the anomaly models"
  const s = lead(p).index;
  const asks = kw(t[s]) === 'show' || kw(t[s]) === 'qword' || kw(t[s]) === 'aux' || noun === s || p.question;
  if (asks && (t[noun].w === 'models' || t[noun].w === 'detectors' || t.some((x) => kw(x) === 'version')))
    return build('list_models', {}, confidence(p, noun));
  return undefined;
}

function markUsed(p: Parsed, i: number): void {
  p.used[i] = 1;
}
