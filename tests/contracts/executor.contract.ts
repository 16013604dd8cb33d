import { AppError } from '../../src/errors';
import {
  SERVICE_ACTIONS,
  type ServiceAction,
  type Binding,
  type ExecuteOptions,
  type ExecutionResult,
  type Executor,
  type ExecutorKind,
  type RemediationRequest,
} from '../../src/remediation/types';
import { waitFor } from '../helpers/cli';
import { rejection } from '../helpers/rejection';

export interface ExecutorHarness {
  executor: Executor;
  /** A target the far side has, healthy, so a restart of it verifies. */
  target: string;
  /** The binding the action catalog would give `action` on `target`. */
  binding(action: ServiceAction, target: string): Binding;
  /** The changes the far side has seen, oldest first, each written as the plan writes that call. */
  effects(): string[];
  /** Everything that reached the far side so far, reads included. */
  reached(): number;
  /** From now on the far side takes its time: a change that has begun stays running until aborted. */
  stall(): void;
  close(): Promise<void>;
}

/** Where the executors differ, each within what the port allows. */
export interface ExecutorCapabilities {
  kind: ExecutorKind;
  /** Actions it cannot carry out; they are refused as bad_request and change nothing. */
  refuses: ServiceAction[];
  /** It checks the outcome itself (`verify`); without, the flow has nothing to verify with. */
  verify: boolean;
  /** It reads the far side before it can judge the request (Kubernetes reads the Deployment first). */
  readsBeforeChecking: boolean;
  /** Request params reach the far side through the binding's template ({param.NAME}, {runbook}). */
  templatesParams: boolean;
  /** An execution is one synchronous step (the demo fleet): there is no running state to abort. */
  atomic: boolean;
}

/** The params each action needs (the action catalog's schemas check them before an executor does). */
const PARAMS: Record<ServiceAction, RemediationRequest['params']> = {
  restart: {},
  scale: { replicas: 7 },
  rollback: {},
  clear_cache: { zone: 'eu-west-1a' },
  runbook: { runbook: 'flush-dns' },
};

/** An execution's outcome, whether it resolved or rejected. */
type Outcome = { result: ExecutionResult } | { error: unknown };

function cancelled(outcome: Outcome): boolean {
  if ('error' in outcome) return outcome.error instanceof AppError && outcome.error.code === 'job_cancelled';
  return outcome.result.ok === false && /cancel/i.test(outcome.result.summary);
}

/**
 * One behaviour contract for every remediation Executor (src/remediation/types.ts): plan is a dry
 * run, execute has its effect once, verify checks it, bad input is refused before any change, and
 * an AbortSignal stops an execution and says so. `factory` builds a fresh executor and far side.
 */
export function executorContract(
  name: string,
  factory: () => Promise<ExecutorHarness>,
  capabilities: ExecutorCapabilities,
): void {
  describe(`executor contract: ${name}`, () => {
    let h: ExecutorHarness;
    let seq = 0;
    beforeEach(async () => {
      h = await factory();
    });
    afterEach(async () => {
      await h.close();
    });

    const request = (
      action: ServiceAction,
      params: RemediationRequest['params'] = PARAMS[action],
      target = h.target,
    ): RemediationRequest => ({ id: `contract-${++seq}`, action, target, params, requestedBy: 'contract' });
    const run = (signal = new AbortController().signal): ExecuteOptions & { messages: string[] } => {
      const messages: string[] = [];
      return { signal, messages, progress: (m) => messages.push(m) };
    };
    const settle = (promise: Promise<ExecutionResult>): Promise<Outcome> =>
      promise.then(
        (result) => ({ result }),
        (error: unknown) => ({ error }),
      );
    const supported = SERVICE_ACTIONS.filter((a) => !capabilities.refuses.includes(a));
    const test = (title: string, fn: () => Promise<void>, timeoutMs?: number) => it(title, fn, timeoutMs);

    test('plans every action it supports, and refuses the others as bad_request, changing nothing', async () => {
      for (const action of SERVICE_ACTIONS) {
        const r = request(action);
        if (capabilities.refuses.includes(action)) {
          const planned = await rejection(h.executor.plan(r, h.binding(action, h.target)));
          expect({ action, code: planned.code }).toEqual({ action, code: 'bad_request' });
          const executed = await rejection(h.executor.execute(r, h.binding(action, h.target), run()));
          expect({ action, code: executed.code }).toEqual({ action, code: 'bad_request' });
          continue;
        }
        const plan = await h.executor.plan(r, h.binding(action, h.target));
        expect(plan.executor).toBe(capabilities.kind);
        expect(plan.calls.length).toBeGreaterThan(0);
        for (const call of plan.calls) expect(call.trim()).not.toBe('');
        expect(plan.blastRadius).toMatch(/\S/);
        expect(plan.blastRadius).toContain(h.target);
        expect(typeof plan.current).toBe('object');
        expect(typeof plan.desired).toBe('object');
        // A dry run: the same plan again, and nothing changed.
        expect((await h.executor.plan(r, h.binding(action, h.target))).calls).toEqual(plan.calls);
      }
      expect(h.effects()).toEqual([]);
    });

    test('plans the replica count asked for, exactly where the call carries it', async () => {
      const seven = await h.executor.plan(request('scale', { replicas: 7 }), h.binding('scale', h.target));
      const eight = await h.executor.plan(request('scale', { replicas: 8 }), h.binding('scale', h.target));
      expect(seven.calls.join('\n')).toMatch(/\b7\b/);
      expect(eight.calls).toEqual(seven.calls.map((c) => c.replace(/\b7\b/g, '8')));
      expect(h.effects()).toEqual([]);
    });

    test('executes once: the one change the plan named, reported ok with progress', async () => {
      const r = request('restart');
      const binding = h.binding('restart', h.target);
      const plan = await h.executor.plan(r, binding);
      const options = run();
      const result = await h.executor.execute(r, binding, options);
      expect(result.ok).toBe(true);
      expect(result.summary).toMatch(/\S/);
      expect(options.messages.length).toBeGreaterThan(0);
      const effects = h.effects();
      expect(effects).toHaveLength(1);
      expect(plan.calls).toContain(effects[0]);
      // A second request is a second change, and only one.
      await h.executor.execute(request('scale'), h.binding('scale', h.target), run());
      expect(h.effects()).toHaveLength(2);
    });

    test('sends a repeat of the same request as the same change, so the far side can tell it is one', async () => {
      const r = request('restart');
      await h.executor.execute(r, h.binding('restart', h.target), run());
      await h.executor.execute(r, h.binding('restart', h.target), run());
      const effects = h.effects();
      expect(effects).toHaveLength(2);
      expect(effects[1]).toBe(effects[0]);
    });

    test(
      capabilities.verify
        ? 'verifies an execution by reading, without changing anything'
        : 'has no verify: the flow records the execution result alone',
      async () => {
        if (!capabilities.verify) {
          expect(h.executor.verify).toBeUndefined();
          return;
        }
        const r = request('restart');
        const binding = h.binding('restart', h.target);
        await h.executor.execute(r, binding, run());
        const verdict = await h.executor.verify!(r, binding, run());
        expect(verdict.ok).toBe(true);
        expect(verdict.summary).toContain(h.target);
        expect(h.effects()).toHaveLength(1);
      },
    );

    test('refuses an unsafe target with a typed error before any change', async () => {
      for (const target of ['checkout-api; rm -rf /', '../../etc/passwd', '-rf']) {
        const before = h.reached();
        for (const attempt of [
          () => h.executor.plan(request('restart', {}, target), h.binding('restart', target)),
          () => h.executor.execute(request('restart', {}, target), h.binding('restart', target), run()),
        ]) {
          const err = await rejection(attempt());
          expect({ target, code: err.code }).toEqual({
            target,
            code: expect.stringMatching(/^(bad_request|not_found)$/),
          });
        }
        if (!capabilities.readsBeforeChecking) expect(h.reached()).toBe(before);
      }
      expect(h.effects()).toEqual([]);
    });

    const badReplicas: unknown[] = [-1, 2.5, Number.NaN, '3; reboot'];
    test('refuses a bad replica count at plan time, as bad_request', async () => {
      for (const replicas of badReplicas) {
        const r = request('scale', { replicas: replicas as number });
        const err = await rejection(h.executor.plan(r, h.binding('scale', h.target)));
        expect({ replicas, code: err.code }).toEqual({ replicas, code: 'bad_request' });
      }
      expect(h.effects()).toEqual([]);
    });

    test('refuses a bad replica count at execute time, as bad_request, before any change', async () => {
      const before = h.reached();
      for (const replicas of badReplicas) {
        const r = request('scale', { replicas: replicas as number });
        const err = await rejection(h.executor.execute(r, h.binding('scale', h.target), run()));
        expect({ replicas, code: err.code }).toEqual({ replicas, code: 'bad_request' });
      }
      if (!capabilities.readsBeforeChecking) expect(h.reached()).toBe(before);
      expect(h.effects()).toEqual([]);
    });

    test(
      capabilities.templatesParams
        ? 'refuses a param value with shell metacharacters as bad_request, before anything is called'
        : 'never lets a param value it has no use for reach the far side',
      async () => {
        const hostile = '$(reboot)';
        const action: ServiceAction = supported.includes('clear_cache') ? 'clear_cache' : 'restart';
        const r = request(action, { zone: hostile, runbook: hostile });
        const binding = h.binding(action, h.target);
        if (capabilities.templatesParams) {
          for (const a of [action, 'runbook' as const]) {
            const rr = { ...r, action: a };
            expect((await rejection(h.executor.plan(rr, h.binding(a, h.target)))).code).toBe('bad_request');
            expect((await rejection(h.executor.execute(rr, h.binding(a, h.target), run()))).code).toBe('bad_request');
          }
          expect(h.reached()).toBe(0);
          return;
        }
        const plan = await h.executor.plan(r, binding);
        expect(plan.calls.join('\n')).not.toContain(hostile);
        expect((await h.executor.execute(r, binding, run())).ok).toBe(true);
        expect(h.effects()).toHaveLength(1);
        expect(h.effects().join('\n')).not.toContain(hostile);
      },
    );

    test('does not start when the signal is already aborted, and says it was cancelled', async () => {
      const controller = new AbortController();
      controller.abort();
      const outcome = await settle(
        h.executor.execute(request('restart'), h.binding('restart', h.target), run(controller.signal)),
      );
      expect(cancelled(outcome)).toBe(true);
      expect(h.effects()).toEqual([]);
    });

    test(
      capabilities.atomic
        ? 'is one step: an abort once it has begun leaves a whole execution, reported ok'
        : 'stops a running execution when the signal aborts, reports it cancelled, and changes nothing more',
      async () => {
        const controller = new AbortController();
        if (capabilities.atomic) {
          const options = run(controller.signal);
          options.progress = () => controller.abort();
          const outcome = await settle(h.executor.execute(request('restart'), h.binding('restart', h.target), options));
          expect(controller.signal.aborted).toBe(true);
          expect(outcome).toMatchObject({ result: { ok: true } });
          expect(h.effects()).toHaveLength(1);
          return;
        }
        h.stall();
        const execution = settle(
          h.executor.execute(request('restart'), h.binding('restart', h.target), run(controller.signal)),
        );
        await waitFor(async () => (h.effects().length > 0 ? true : undefined), 10_000, 'the change to begin');
        controller.abort();
        const outcome = await execution;
        expect(cancelled(outcome)).toBe(true);
        // A call already on the wire when the signal fired may still land; after that, silence.
        await new Promise((r) => setTimeout(r, 100));
        const reached = h.reached();
        await new Promise((r) => setTimeout(r, 300));
        expect(h.effects()).toHaveLength(1);
        expect(h.reached()).toBe(reached);
      },
      15_000,
    );
  });
}
