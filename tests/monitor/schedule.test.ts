import type { InvestigateJobData } from '../../src/jobs/map';
import { detectionDelays, INTERVAL, MIN, monitorApp, monitorIncidents, T0, truthWindows } from './helpers';

jest.setTimeout(120_000);

/**
 * Issue 17 point 1: the monitor on the demo fleet's built-in schedule (four incidents per 4-hour
 * cycle: a bad deploy, a memory leak, an error burst, a traffic spike), 5-minute scans on a moving
 * clock over two cycles. Every scheduled incident is caught within two intervals of its start, as an
 * incident with source `monitor` opened through the alerts' path, and resolved after it ends.
 */
describe('the monitor on the demo schedule', () => {
  it('catches each scheduled incident within two intervals and resolves it when its signals recover', async () => {
    const end = T0 + 8 * 60 * MIN;
    const { app, fleet, scanTo } = await monitorApp();
    try {
      await scanTo(end);
      const windows = truthWindows(fleet, T0, end - 2 * INTERVAL);
      expect(windows.length).toBeGreaterThanOrEqual(7); // two cycles of four, less any starting in the last 10 minutes
      const incidents = monitorIncidents(app);
      const delays = detectionDelays(windows, incidents);
      expect(delays.filter((d) => d.delay === null || d.delay > 2 * (INTERVAL / MIN))).toEqual([]);

      // Every monitor incident is about a scheduled incident (the built-in schedule does not spread to callers).
      for (const i of incidents) {
        const about = truthWindows(fleet, T0 - 4 * 60 * MIN, end).some(
          (w) => w.service === i.service && i.createdAt >= w.sinceMs && i.createdAt <= w.untilMs + INTERVAL,
        );
        expect([i.service, new Date(i.createdAt).toISOString(), about]).toEqual([i.service, expect.any(String), true]);
      }
      // Resolved once the signals recovered: within three intervals of the scheduled end.
      for (const w of windows.filter((x) => x.untilMs < end - 3 * INTERVAL)) {
        const i = incidents.find(
          (x) => x.service === w.service && x.createdAt <= w.untilMs && x.createdAt >= w.sinceMs,
        );
        expect(i?.resolvedAt).toBeDefined();
        expect(((i?.resolvedAt ?? Infinity) - w.untilMs) / MIN).toBeLessThanOrEqual(3 * (INTERVAL / MIN));
      }

      // Through the alerts' path: one group per service, one alert per signal, the monitor named.
      const first = incidents[0];
      expect(first.labels).toMatchObject({ alertname: 'MonitorDetected', source: 'monitor', service: first.service });
      expect(first.groupKey).toContain('alertname="MonitorDetected"');
      expect(first.timeline[0]).toMatchObject({ actor: 'monitor', event: 'opened' });
      expect(first.timeline.some((t) => t.actor === 'monitor' && t.event === 'resolved')).toBe(true);
      expect(first.alerts.every((a) => a.labels.source === 'monitor' && typeof a.labels.signal === 'string')).toBe(
        true,
      );
      expect(first.annotations.detector).toBe('built-in detector');
      // Each new incident's analysis is queued as an Alertmanager incident's is (the monitor named as who asked).
      const analyses = (await app.queue.list({ limit: 1000 })).filter((j) => j.name === 'investigate');
      expect(analyses.map((j) => (j.data as InvestigateJobData).incidentId).sort()).toEqual(
        incidents.map((i) => i.id).sort(),
      );
      expect(analyses.every((j) => j.meta.requestedBy === 'monitor')).toBe(true);

      const metrics = await app.metrics.registry.metrics();
      const scans = (end - T0) / INTERVAL + 1;
      expect(metrics).toMatch(new RegExp(`^smartcloudops_monitor_scans_total ${scans}$`, 'm'));
      expect(metrics).toMatch(/^smartcloudops_alerts_received_total\{source="monitor"\} [1-9]\d*$/m);
      // One job per slot, each acted on once.
      const slots = app.monitor.slots(T0);
      expect(slots.map((s) => s.slotMs)).toEqual(Array.from({ length: scans }, (_, k) => T0 + k * INTERVAL));
      expect(slots.every((s) => s.state === 'handled' && s.jobId === `monitor-${s.slotMs}`)).toBe(true);
    } finally {
      await app.close();
    }
  });
});
