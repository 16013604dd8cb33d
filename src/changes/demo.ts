import type { DemoEvent } from '../sources/demo/events';
import type { ChangeEvent, ChangeQuery, ChangeSource } from './types';

/** What the demo fleet can tell of its events (DemoFleet.events). */
export interface DemoEventLog {
  events(range: { fromMs: number; toMs: number; service?: string }): DemoEvent[];
}

const DEFAULT_LIMIT = 100;

/**
 * The demo fleet's change source: the deploys, config changes, OOM kills and restarts its DEMO_FAULTS
 * faults left (src/sources/demo/events.ts), newest first, as the ChangeSource port serves any source's.
 */
export class DemoChangeSource implements ChangeSource {
  readonly kind = 'demo';

  constructor(private readonly fleet: DemoEventLog) {}

  async events(query: ChangeQuery): Promise<ChangeEvent[]> {
    const limit = query.limit ?? DEFAULT_LIMIT;
    const range = { fromMs: query.fromMs, toMs: query.toMs, ...(query.service ? { service: query.service } : {}) };
    return this.fleet
      .events(range)
      .reverse()
      .slice(0, Math.max(0, limit))
      .map((e) => ({ atMs: e.atMs, service: e.service, kind: e.kind, source: 'demo', summary: e.detail }));
  }
}
