import { DEMO_SERVICES, DemoFleet, MAX_POINTS } from '../../src/sources/demo';
import { recordDemoFleet } from '../helpers/recorded-metrics';
import { metricsSourceContract } from './metrics-source.contract';

const NOW = Date.UTC(2024, 5, 1, 12, 0, 0);
const HOUR = 3_600_000;

metricsSourceContract(
  'demo fleet',
  async () => {
    const recording = await recordDemoFleet({
      seed: 7,
      services: ['checkout-api', 'payments'],
      endMs: NOW,
      points: 60,
    });
    return {
      // Another fleet with the same seed: a value is a pure function of the seed, so it holds the recording.
      source: new DemoFleet({ seed: 7, clock: () => NOW }),
      services: DEMO_SERVICES.map((s) => ({
        name: s.name,
        description: s.description,
        objectives: s.objectives,
        dependsOn: s.dependsOn,
      })),
      recording,
      emptyWindow: { startMs: NOW + HOUR, endMs: NOW + 2 * HOUR }, // the future has no data yet
      close: async () => undefined,
    };
  },
  { emptyWindow: 'empty-series', offGridWindow: 'empty-series', minStepMs: 60_000, maxPoints: MAX_POINTS },
);
