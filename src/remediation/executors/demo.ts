import { AppError } from '../../errors';
import { DEMO_SERVICES } from '../../sources/demo/catalog';
import type { DemoFleet } from '../../sources/demo/fleet';
import type { IncidentKind } from '../../sources/demo/incidents';
import { ms, pct, type FleetActionResult, type ServiceSnapshot } from '../../sources/demo/report';
import type { Objectives } from '../../sources/types';
import type { Executor, VerifyResult } from '../types';

/**
 * The signals with an objective, as a verification names them; `show(v, d)` with `d` decimals more
 * than the reports use.
 */
const CHECKED: Array<{
  objective: Exclude<keyof Objectives, 'availability'>;
  label: string;
  short: string;
  value(s: ServiceSnapshot): number;
  show(v: number, d?: number): string;
}> = [
  {
    objective: 'latency_p99_ms',
    label: 'p99 latency',
    short: 'p99',
    value: (s) => s.signals.latency_p99,
    show: (v, d = 0) => (d ? `${v.toFixed(d)} ms` : ms(v)),
  },
  {
    objective: 'error_rate',
    label: 'error rate',
    short: 'errors',
    value: (s) => s.signals.error_rate,
    show: (v, d = 0) => `${(v * 100).toFixed(1 + d)}%`,
  },
  {
    objective: 'cpu',
    label: 'cpu',
    short: 'cpu',
    value: (s) => s.signals.cpu,
    show: (v, d = 0) => (d ? `${(v * 100).toFixed(d)}%` : pct(v)),
  },
  {
    objective: 'memory',
    label: 'memory',
    short: 'memory',
    value: (s) => s.signals.memory,
    show: (v, d = 0) => (d ? `${(v * 100).toFixed(d)}%` : pct(v)),
  },
];

/** Decimals (at most 3 more) that print a value over its objective as over it: 70.4% is not "70%, objective 70%". */
function decimalsApart(c: (typeof CHECKED)[number], value: number, objective: number): number {
  let d = 0;
  while (d < 3 && c.show(value, d) === c.show(objective, d)) d++;
  return d;
}

/** The incident each action is meant to end. */
const ENDS: Partial<Record<string, IncidentKind>> = { restart: 'memory_leak', rollback: 'latency_regression' };

/**
 * One verdict from one measurement: the service just before the action and just after it (the
 * same two snapshots the execution summary quotes). Recovered only when every checked signal is
 * inside its objective after the action and the incident the action should end is over.
 */
export function verifyFromSnapshots(action: string, before: ServiceSnapshot, after: ServiceSnapshot): VerifyResult {
  const objectives = DEMO_SERVICES.find((s) => s.name === after.service)?.objectives;
  if (!objectives) throw new AppError('internal', `No objectives for demo service ${after.service}.`);
  const values = (c: (typeof CHECKED)[number]) => `${c.show(c.value(before))} -> ${c.show(c.value(after))}`;
  const change = (c: (typeof CHECKED)[number]) => `${c.short} ${values(c)}`;
  const over = CHECKED.filter((c) => c.value(after) > objectives[c.objective]);
  const stillOver = (c: (typeof CHECKED)[number], objective: number) => {
    const d = decimalsApart(c, c.value(after), objective);
    return (
      `${c.label} (${c.show(c.value(before), d)} -> ${c.show(c.value(after), d)}, ` +
      `objective ${c.show(objective, d)})`
    );
  };
  const ended = ENDS[action];
  const lingering = ended !== undefined && after.activeIncidents.some((i) => i.kind === ended);
  if (!over.length && !lingering) {
    // The signals that were over before lead: they are what recovered.
    const wasOver = (c: (typeof CHECKED)[number]) => (c.value(before) > objectives[c.objective] ? 0 : 1);
    const shown = [...CHECKED].sort((a, b) => wasOver(a) - wasOver(b)).map(change);
    return {
      ok: true,
      summary: `${after.service} recovered: ${shown.join(', ')}; every checked signal is inside its objective.`,
    };
  }
  const reasons = [
    ...(over.length ? [`still over ${over.map((c) => stillOver(c, objectives[c.objective])).join(', ')}`] : []),
    ...(lingering ? [`the ${String(ended).replace('_', ' ')} is still active`] : []),
  ];
  return { ok: false, summary: `${after.service} has not recovered: ${reasons.join('; ')}.` };
}

/**
 * Acts on the demo fleet's simulation, so the effect shows in its metrics (a restart clears a
 * leak, a scale-out lowers latency, a rollback ends a bad deploy). Verification uses the before
 * and after of the action itself, so the result and its check can never quote different numbers.
 */
export function createDemoExecutor(fleet: DemoFleet): Executor {
  const kindOf = (action: string) => {
    if (action === 'restart' || action === 'scale' || action === 'rollback' || action === 'clear_cache') return action;
    throw new AppError(
      'bad_request',
      `The demo fleet has no “${action}”; it can restart, scale, rollback and clear_cache.`,
    );
  };
  /** The replica count a scale asks for, checked before it is planned or applied (the fleet takes 1..50). */
  const replicasOf = (request: { target: string; params: { replicas?: unknown } }): number => {
    const given = request.params.replicas;
    const replicas = typeof given === 'string' && /^\d+$/.test(given) ? Number(given) : given;
    if (typeof replicas !== 'number' || !Number.isInteger(replicas) || replicas < 1 || replicas > 50) {
      throw new AppError(
        'bad_request',
        `The demo fleet scales ${request.target} to 1..50 replicas, not ${JSON.stringify(given)}.`,
      );
    }
    return replicas;
  };
  /** Each executed request's measurement, until its verification reads it. */
  const applied = new Map<string, FleetActionResult>();
  return {
    kind: 'demo',
    async plan(request) {
      const kind = kindOf(request.action);
      const state = fleet.state(request.target);
      const now = fleet.snapshot(request.target);
      const replicas = kind === 'scale' ? replicasOf(request) : state.replicas;
      const incidents = state.activeIncidents.map((i) => i.kind.replace('_', ' '));
      const blast: Record<typeof kind, string> = {
        restart:
          `all ${state.replicas} pods of ${request.target} are replaced; ` + 'a short latency blip while they warm up',
        scale: `${request.target} goes from ${state.replicas} to ${String(replicas)} replicas`,
        rollback: `${request.target} returns to its previous version; its ${state.replicas} pods are replaced`,
        clear_cache: `${request.target}'s cache is emptied; latency rises while it warms up`,
      };
      return {
        executor: 'demo',
        calls: [`demo fleet: ${kind} ${request.target}${kind === 'scale' ? ` --replicas ${String(replicas)}` : ''}`],
        current: {
          replicas: state.replicas,
          memory: pct(now.signals.memory),
          cpu: pct(now.signals.cpu),
          breaches: now.breaches,
          incidents,
        },
        desired: kind === 'scale' ? { replicas } : { action: kind },
        blastRadius: blast[kind],
      };
    },
    async execute(request, _binding, options) {
      const kind = kindOf(request.action);
      const replicas = kind === 'scale' ? replicasOf(request) : undefined;
      if (options.signal.aborted) {
        throw new AppError('job_cancelled', `Cancelled before ${kind} ${request.target} started.`);
      }
      options.progress(`${kind} ${request.target}…`);
      const result = fleet.apply({ kind, service: request.target, ...(replicas !== undefined ? { replicas } : {}) });
      applied.set(request.id, result);
      return {
        ok: true,
        summary: result.summary,
        detail: {
          before: result.before.signals,
          after: result.after.signals,
          resolved: result.resolvedIncidents.map((i) => i.kind),
        },
      };
    },
    async verify(request) {
      const result = applied.get(request.id);
      applied.delete(request.id);
      // Not executed here (should not happen): measure the service as it is now, before and after alike.
      const now = result ? undefined : fleet.snapshot(request.target);
      return verifyFromSnapshots(
        request.action,
        result?.before ?? (now as ServiceSnapshot),
        result?.after ?? (now as ServiceSnapshot),
      );
    },
  };
}
