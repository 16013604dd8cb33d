import type { Clock } from '../clock';
import type { IncidentStore } from './store';

/** How many recent incidents a lookup reads (newest first); older ones are outside any shadow comparison. */
const RECENT = 1000;

/**
 * The incidents the store knows for a service that overlap (fromMs, toMs), each as a period from
 * its creation to its resolution (or now, while open): labelled periods for comparing detectors.
 */
export function incidentPeriods(
  store: Pick<IncidentStore, 'list'>,
  clock: Clock,
): (service: string, fromMs: number, toMs: number) => Array<{ fromMs: number; toMs: number }> {
  return (service, fromMs, toMs) =>
    store
      .list('any', RECENT)
      .filter((i) => i.service === service)
      .map((i) => ({ fromMs: i.createdAt, toMs: i.resolvedAt ?? clock() }))
      .filter((p) => p.fromMs <= toMs && p.toMs >= fromMs);
}
