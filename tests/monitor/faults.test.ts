import { DEMO_SERVICES } from '../../src/sources/demo/catalog';
import {
  detectionDelays,
  faultsFile,
  INTERVAL,
  MIN,
  monitorApp,
  monitorIncidents,
  T0,
  truthWindows,
  type TruthWindow,
} from './helpers';

jest.setTimeout(120_000);

/**
 * Issue 17 point 1: every kind of DEMO_FAULTS fault is caught within two intervals, in two files with
 * each kind once on different services and at minutes that fall differently against the 5-minute
 * slots. Neither file was used to tune the monitor's rules (those were tuned on the built-in schedule
 * and quiet fleets, src/workers/monitor-judge.ts). The services that call a faulty one show its fault
 * too, weaker and later (DESIGN.md "Demo faults"): an incident there is that, never one about nothing.
 */
const FILES: Record<string, string> = {
  'file A': `
faults:
  - { kind: bad_deploy, service: payments, start: 31m, duration: 1h }
  - { kind: memory_leak, service: inventory, start: 1h3m, duration: 1h30m }
  - { kind: cpu_saturation, service: auth-gateway, start: 2h2m, duration: 1h }
  - { kind: traffic_surge, service: search, start: 3h34m, duration: 45m }
  - { kind: config_change, service: checkout-api, start: 4h41m, duration: 30m }
`,
  'file B': `
faults:
  - { kind: config_change, service: payments, start: 44m, duration: 45m }
  - { kind: bad_deploy, service: search, start: 1h36m, duration: 1h }
  - { kind: traffic_surge, service: checkout-api, start: 2h52m, duration: 40m }
  - { kind: memory_leak, service: auth-gateway, start: 3h40m, duration: 1h }
  - { kind: cpu_saturation, service: inventory, start: 4h55m, duration: 1h }
`,
};

const callees = (service: string) => DEMO_SERVICES.find((s) => s.name === service)?.dependsOn ?? [];
const overlaps = (w: TruthWindow, from: number, to: number) => w.sinceMs <= to && from <= w.untilMs + 3 * INTERVAL;

describe('the monitor on DEMO_FAULTS files', () => {
  it.each(Object.keys(FILES))('%s: each fault caught within two intervals, no incident about nothing', async (name) => {
    const end = T0 + 6 * 60 * MIN + 30 * MIN;
    const { app, fleet, scanTo } = await monitorApp({ DEMO_FAULTS: faultsFile(FILES[name]) });
    try {
      await scanTo(end);
      const windows = truthWindows(fleet, T0, end);
      const kinds = new Set(windows.map((w) => w.kind));
      expect([...kinds].sort()).toEqual([
        'bad_deploy',
        'config_change',
        'cpu_saturation',
        'memory_leak',
        'traffic_surge',
      ]);
      const incidents = monitorIncidents(app);
      const delays = detectionDelays(windows, incidents);
      expect(delays.filter((d) => d.delay === null || d.delay > 2 * (INTERVAL / MIN))).toEqual([]);
      for (const i of incidents) {
        const to = i.resolvedAt ?? end;
        const own = windows.some((w) => w.service === i.service && overlaps(w, i.createdAt, to));
        const spread = windows.some(
          (w) => callees(i.service ?? '').includes(w.service) && overlaps(w, i.createdAt, to),
        );
        expect([i.service, i.title, own || spread]).toEqual([i.service, i.title, true]);
      }
      // Ended faults are resolved; nothing is left open.
      expect(incidents.filter((i) => i.status !== 'resolved')).toEqual([]);
    } finally {
      await app.close();
    }
  });
});
