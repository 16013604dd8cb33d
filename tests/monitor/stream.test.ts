import { createStreamCache, streamStart } from '../../src/anomaly/stream-cache';
import { DemoFleet } from '../../src/sources/demo/fleet';
import type { Signal } from '../../src/sources/types';
import { judgeSignal } from '../../src/workers/monitor-judge';
import { MIN, T0 } from './helpers';

const STEP = MIN;

function request(fleet: DemoFleet, service: string, signal: Signal, atMs: number) {
  return {
    key: `${service}/${signal}`,
    atMs,
    stepMs: STEP,
    read: (startMs: number, endMs: number) => fleet.query({ service, signal, startMs, endMs, stepMs: STEP }),
  };
}

describe("the monitor's streams", () => {
  const end = T0 + 10 * 60 * MIN;
  const fleet = new DemoFleet({
    seed: 42,
    clock: () => T0,
    faults: [{ kind: 'bad_deploy', service: 'payments', start: { afterStartMs: 3 * 60 * MIN }, durationMs: 60 * MIN }],
  });
  (fleet as unknown as { clock: () => number }).clock = () => end;

  it('score the same minutes alike whether warm, caught up after missed scans, or fresh', async () => {
    const warm = createStreamCache();
    let fed = 0;
    for (let t = T0 + 60 * MIN; t <= T0 + 4 * 60 * MIN; t += 5 * MIN)
      fed += (await warm.scored(request(fleet, 'payments', 'latency_p99', t))).fed;
    const at = T0 + 4 * 60 * MIN + 35 * MIN; // seven scans missed: the stream catches up
    const caughtUp = await warm.scored(request(fleet, 'payments', 'latency_p99', at));
    const fresh = await createStreamCache().scored(request(fleet, 'payments', 'latency_p99', at));
    expect(caughtUp.fed).toBe(35);
    expect(fresh.fed).toBe((at - streamStart(at)) / STEP + 1);
    expect(fed).toBe((T0 + 4 * 60 * MIN - streamStart(T0)) / STEP + 1); // each minute fed once
    expect(caughtUp.points).toEqual(fresh.points);
    expect(caughtUp.detections).toEqual(fresh.detections);
    // An older scan (another slot's, running late) is scored on its own; the stream goes on where it was.
    const older = await warm.scored(request(fleet, 'payments', 'latency_p99', at - 30 * MIN));
    const olderFresh = await createStreamCache().scored(request(fleet, 'payments', 'latency_p99', at - 30 * MIN));
    expect(older.detections).toEqual(olderFresh.detections);
    expect((await warm.scored(request(fleet, 'payments', 'latency_p99', at + 5 * MIN))).fed).toBe(5);
    expect(warm.size()).toBe(1);
    await warm.close();
  });

  it('judge a persistent breach as firing, with its onset; a healthy signal as clear', async () => {
    const cache = createStreamCache();
    const judge = async (service: string, signal: Signal, atMs: number, limit?: number) => {
      const s = await cache.scored(request(fleet, service, signal, atMs));
      return judgeSignal({
        signal,
        unit: s.unit,
        points: s.points,
        detections: s.detections,
        atMs,
        windowMs: 5 * MIN,
        limit,
      });
    };
    const deploy = T0 + 3 * 60 * MIN;
    expect(await judge('payments', 'latency_p99', deploy - 5 * MIN, 1200)).toBeUndefined();
    const firing = await judge('payments', 'latency_p99', deploy + 10 * MIN, 1200);
    expect(firing).toMatchObject({ signal: 'latency_p99', state: 'firing', rule: 'objective', onsetMs: deploy });
    expect(firing?.summary).toMatch(/^p99 latency \d+ ms, over its 1200 ms objective for 5 of the last 5 minutes$/);
    expect(await judge('auth-gateway', 'latency_p99', deploy + 10 * MIN, 150)).toBeUndefined();
    await cache.close();
  });
});
