import { AppError } from '../../errors';
import type { DemoFleet } from '../../sources/demo/fleet';
import { ms, pct } from '../../sources/demo/report';
import type { Executor } from '../types';

/**
 * Acts on the demo fleet's simulation, so the effect shows in its metrics (a restart clears a
 * leak, a scale-out lowers latency, a rollback ends a bad deploy). Verification reads the
 * service's golden signals again: breached objectives must not grow, and an incident the action
 * should end must be over.
 */
export function createDemoExecutor(fleet: DemoFleet): Executor {
  const kindOf = (action: string) => {
    if (action === 'restart' || action === 'scale' || action === 'rollback' || action === 'clear_cache') return action;
    throw new AppError('bad_request', `The demo fleet has no “${action}”; it can restart, scale, rollback and clear_cache.`);
  };
  return {
    kind: 'demo',
    async plan(request) {
      const kind = kindOf(request.action);
      const state = fleet.state(request.target);
      const now = fleet.snapshot(request.target);
      const replicas = kind === 'scale' ? request.params.replicas : state.replicas;
      const incidents = state.activeIncidents.map((i) => i.kind.replace('_', ' '));
      const blast: Record<typeof kind, string> = {
        restart: `all ${state.replicas} pods of ${request.target} are replaced; a short latency blip while they warm up`,
        scale: `${request.target} goes from ${state.replicas} to ${String(replicas)} replicas`,
        rollback: `${request.target} returns to its previous version; its ${state.replicas} pods are replaced`,
        clear_cache: `${request.target}'s cache is emptied; latency rises while it warms up`,
      };
      return {
        executor: 'demo',
        calls: [`demo fleet: ${kind} ${request.target}${kind === 'scale' ? ` --replicas ${String(replicas)}` : ''}`],
        current: { replicas: state.replicas, memory: pct(now.signals.memory), cpu: pct(now.signals.cpu), breaches: now.breaches, incidents },
        desired: kind === 'scale' ? { replicas } : { action: kind },
        blastRadius: blast[kind],
      };
    },
    async execute(request, _binding, options) {
      const kind = kindOf(request.action);
      options.progress(`${kind} ${request.target}…`);
      const result = fleet.apply({ kind, service: request.target, ...(kind === 'scale' ? { replicas: Number(request.params.replicas) } : {}) });
      return { ok: true, summary: result.summary, detail: { before: result.before.signals, after: result.after.signals, resolved: result.resolvedIncidents.map((i) => i.kind) } };
    },
    async verify(request) {
      const state = fleet.state(request.target);
      const now = fleet.snapshot(request.target);
      const ended = request.action === 'restart' ? 'memory_leak' : request.action === 'rollback' ? 'latency_regression' : undefined;
      const lingering = ended ? state.activeIncidents.some((i) => i.kind === ended) : false;
      const ok = !lingering;
      const signals = `memory ${pct(now.signals.memory)}, cpu ${pct(now.signals.cpu)}, p99 ${ms(now.signals.latency_p99)}`;
      return { ok, summary: ok ? `${request.target} recovered: ${signals}${now.breaches.length ? `; still over: ${now.breaches.join(', ')}` : ''}.` : `${request.target} has not recovered: the ${String(ended).replace('_', ' ')} is still active (${signals}).` };
    },
  };
}
