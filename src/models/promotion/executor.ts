/**
 * The `model` executor (issue 15 point 5): promote and rollback of a model are remediation
 * requests, so they get the remediation flow's RBAC, approval policy, one execution and audit.
 * It lives with the models (layer 11) because it needs the registry and the detection code, and
 * implements the remediation layer's Executor port (layer 10, below); src/app/ hands it to the
 * remediation service on the control plane, where the registry is.
 *
 * - plan: checks (./checks.ts), champion before -> after, and what changes for on-call: the alerts
 *   the new version would have raised or dropped over the last days (./alerts.ts).
 * - execute: moves the champion alias by compare-and-set against the champion the plan saw;
 *   promoting the challenger clears the challenger alias.
 * - verify: reads the alias back. Serving picks the new champion on the next detection job.
 */
import type { Clock } from '../../clock';
import { AppError } from '../../errors';
import type {
  Binding,
  ExecutionResult,
  Executor,
  Plan,
  RemediationRequest,
  VerifyResult,
} from '../../remediation/types';
import { isModelAction, type ModelAction } from '../../remediation/types';
import type { MetricsSource } from '../../sources/types';
import { loadBundle, type LoadedBundle } from '../bundle';
import { alertDiff, diffWords, stamp, type AlertDiff, type AlertSpan } from './alerts';
import {
  checkServable,
  evaluationNote,
  evaluationWarning,
  type ModelRequestParams,
  type PromotionRegistry,
} from './checks';

/** Alerts listed in the plan's `desired` per side. */
const LISTED = 20;

export interface ModelExecutorDeps {
  registry: PromotionRegistry;
  source: MetricsSource;
  clock: Clock;
}

export function createModelExecutor(deps: ModelExecutorDeps): Executor {
  const { registry, clock } = deps;
  return {
    kind: 'model',
    async plan(request, binding) {
      const { action, model, params } = parse(request, binding);
      const v = checkServable(registry, action, model, params);
      const service = registry.get(model).service;
      const challenger = registry.aliasesOf(model).challenger;
      const after = `v${v.version}`;
      const { before, diff } = await withBundles(registry, model, params, async (old, now, before) => ({
        before,
        diff: await alertDiff(deps.source, { service, atMs: clock(), before: old, after: now }),
      }));
      const note = evaluationNote(v);
      const warning = action === 'promote_model' ? evaluationWarning(v, params.from ?? null) : undefined;
      const calls = [
        `registry: set champion of ${model} to ${after} ` +
          `(compare-and-set: only if it is still ${params.from === undefined ? 'unset' : `v${params.from}`})`,
        ...(challenger === v.version ? [`registry: clear challenger of ${model} (${after})`] : []),
      ];
      const plan: Plan = {
        executor: 'model',
        calls,
        current: { champion: params.from === undefined ? 'none (built-in detector)' : `v${params.from}` },
        desired: {
          champion: after,
          alerts: `${diff.before} -> ${diff.after} over ${days(diff)}`,
          raised: listed(diff.raised),
          dropped: listed(diff.dropped),
          ...(note ? { evaluation: note } : {}),
        },
        blastRadius:
          (warning ? `${warning}. ` : '') +
          `${service} detection (anomalies, incident analysis) scores with ${model} ${after} from the next job ` +
          `instead of ${before}; ${diffWords(diff, before, after)}`,
      };
      return plan;
    },

    async execute(request, binding) {
      const { action, model, params } = parse(request, binding);
      const expected = params.from ?? null;
      const by = request.requestedBy;
      const at = clock();
      let moved;
      try {
        moved = registry.setAlias(model, 'champion', params.version, { expected, by, at });
      } catch (err) {
        if (err instanceof AppError && err.code === 'conflict')
          throw new AppError('conflict', `Nothing changed: ${err.userMessage}`);
        throw err;
      }
      const was = expected === null ? 'none' : `v${expected}`;
      // Promoting the challenger ends its shadow run; another challenger is left alone.
      let cleared = false;
      if (registry.aliasesOf(model).challenger === params.version) {
        try {
          cleared = registry.clearAlias(model, 'challenger', { expected: params.version, by, at }) !== undefined;
        } catch {
          cleared = false; // it moved meanwhile: someone set another challenger, which stays
        }
      }
      const verb = action === 'rollback_model' ? 'Rolled back' : 'Promoted';
      return {
        ok: true,
        summary:
          `${verb} ${model}: champion ${was} -> v${params.version}` +
          `${cleared ? ' (no challenger now)' : ''}; detection uses v${params.version} from the next job.`,
        detail: { model, champion: params.version, previous: expected, moved: moved !== undefined, cleared },
      } satisfies ExecutionResult;
    },

    verify: async (request, binding) => readBack(registry, request, binding),
  };
}

/** The verification: the champion read back from the registry. */
function readBack(registry: PromotionRegistry, request: RemediationRequest, binding: Binding): VerifyResult {
  const { model, params } = parse(request, binding);
  const champion = registry.aliasesOf(model).champion;
  const now = champion === null ? 'unset' : `v${champion}`;
  return champion === params.version
    ? { ok: true, summary: `Read back: the champion of ${model} is v${champion}.` }
    : { ok: false, summary: `Read back: the champion of ${model} is ${now}, not v${params.version}.` };
}

function parse(request: RemediationRequest, binding: Binding) {
  if (binding.kind !== 'model' || !isModelAction(request.action))
    throw new AppError(
      'bad_request',
      `The model executor takes promote_model and rollback_model, not ${request.action}.`,
    );
  const action: ModelAction = request.action;
  const version = request.params.version;
  const from = request.params.from;
  if (typeof version !== 'number' || !Number.isInteger(version) || version < 1)
    throw new AppError('bad_request', `${action} needs a version (a whole number from 1).`);
  if (from !== undefined && (typeof from !== 'number' || !Number.isInteger(from) || from < 1))
    throw new AppError('bad_request', `${action}: the champion it replaces must be a version number.`);
  const params: ModelRequestParams = { version, ...(from !== undefined ? { from } : {}) };
  return { action, model: request.target, params };
}

/**
 * Both sides loaded for the comparison, closed after. The old one is undefined for the built-in
 * detector: no champion, or one whose file cannot be loaded (serving falls back to it too); `before`
 * names it. The new version's file must load: it is about to serve.
 */
async function withBundles<T>(
  registry: PromotionRegistry,
  model: string,
  params: ModelRequestParams,
  use: (old: LoadedBundle | undefined, now: LoadedBundle, before: string) => Promise<T>,
): Promise<T> {
  const now = await loadBundle(await registry.onnx(model, params.version));
  try {
    let old: LoadedBundle | undefined;
    let before = 'the built-in detector';
    if (params.from !== undefined) {
      try {
        old = await loadBundle(await registry.onnx(model, params.from));
        before = `v${params.from}`;
      } catch (err) {
        before = `the built-in detector (v${params.from}'s file does not load: ${(err as Error).message})`;
      }
    }
    try {
      return await use(old, now, before);
    } finally {
      await old?.close();
    }
  } finally {
    await now.close();
  }
}

const days = (d: AlertDiff) => `${stamp(d.fromMs)} to ${stamp(d.toMs)}`;

const listed = (spans: AlertSpan[]) =>
  spans
    .slice(0, LISTED)
    .map((s) => `${s.signal} ${stamp(s.startMs)}${s.endMs > s.startMs ? `–${stamp(s.endMs).slice(6)}` : ''}`)
    .concat(spans.length > LISTED ? [`… ${spans.length - LISTED} more`] : []);
