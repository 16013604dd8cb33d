import { createDemoExecutor } from '../../src/remediation/executors/demo';
import { DemoFleet } from '../../src/sources/demo';
import { executorContract } from './executor.contract';

const NOW = Date.UTC(2024, 5, 1, 12, 0, 0);

executorContract(
  'demo fleet',
  async () => {
    const fleet = new DemoFleet({ seed: 7, clock: () => NOW });
    // The fleet's action log, in the words of the plan's call.
    const effects = () =>
      fleet
        .actions()
        .map(
          (a) => `demo fleet: ${a.kind} ${a.service}${a.kind === 'scale' ? ` --replicas ${String(a.replicas)}` : ''}`,
        );
    return {
      executor: createDemoExecutor(fleet),
      target: 'checkout-api', // healthy at NOW with seed 7
      binding: () => ({ kind: 'demo' }),
      effects,
      reached: () => fleet.actions().length, // an in-memory simulation: an action is its only contact
      stall: () => {
        throw new Error('the demo fleet acts in one step; it cannot stall');
      },
      close: async () => undefined,
    };
  },
  {
    kind: 'demo',
    refuses: ['runbook'],
    verify: true,
    readsBeforeChecking: false,
    templatesParams: false,
    atomic: true,
  },
);
