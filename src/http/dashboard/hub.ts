import type { Clock } from '../../clock';
import type { NameOf } from '../../identity/names';
import type { IncidentService } from '../../incidents/service';
import type { Jobs } from '../../jobs/map';
import type { Logger } from '../../log/logger';
import type { ModelRegistry } from '../../models/registry';
import { approvalView, fleetView, incidentView, jobView, modelView } from '../../present/dashboard';
import { SECTIONS, type DashboardEvents, type FleetView, type SectionName } from '../../present/dashboard-view';
import type { JobQueue, QueueEventName } from '../../queue/types';
import type { RemediationService } from '../../remediation/service';
import type { MetricsSource, Series } from '../../sources/types';
import { evaluateStatus } from '../../workers/status';

/**
 * What every dashboard page watches, kept once per process however many pages are open: each
 * section (fleet, incidents, approvals, jobs, models) is read again when its domain says it
 * changed (incidents' onChange, the remediation store's, the queue's events) and pushed to every
 * page only when its JSON differs. Signals have no change events: the fleet (and the models,
 * whose drift and registrations follow queue events asynchronously) is read again every
 * `refreshMs` while at least one page is open. Nothing runs while nobody watches.
 */

export type Send = <E extends keyof DashboardEvents>(event: E, data: DashboardEvents[E]) => void;

export interface DashboardHub {
  /** Add a page: it gets every section now (read first when nobody watched) and each change after. Returns leave. */
  join(send: Send): Promise<() => void>;
  /** Pages watching now. */
  size(): number;
  /** Stop listening and forget the pages. */
  close(): void;
}

export interface HubDeps {
  source: MetricsSource;
  clock: Clock;
  incidents: IncidentService;
  remediation: RemediationService;
  queue: JobQueue<Jobs>;
  models: ModelRegistry;
  log: Logger;
  /** Principal ids as people read them (src/identity/names.ts). */
  nameOf?: NameOf;
  /** How often the fleet and models are read again while a page is open (default 15 s). */
  refreshMs?: number;
}

/** The window the sparklines cover. */
const WINDOW_S = 3600;
const JOBS_SHOWN = 20;
const INCIDENTS_SHOWN = 20;
/** Progress reports can come many times a second: the jobs section is read at most this often. */
const JOBS_GAP_MS = 150;
const QUEUE_EVENTS: QueueEventName[] = ['added', 'active', 'progress', 'completed', 'failed', 'cancelled'];

type Loaders = { [S in SectionName]: () => Promise<DashboardEvents[S]> };

function loaders(d: HubDeps, last: () => FleetView | undefined): Loaders {
  return {
    async fleet() {
      const series = new Map<string, Series[]>();
      try {
        const [result, catalog] = await Promise.all([
          evaluateStatus(
            d.source,
            { windowS: WINDOW_S, atMs: d.clock() },
            { onSeries: (service, s) => series.set(service, s) },
          ),
          d.source.services(),
        ]);
        return fleetView(result, series, catalog);
      } catch (err) {
        d.log.warn('dashboard: reading the fleet failed', { err });
        const previous = last();
        return {
          at: new Date(d.clock()).toISOString(),
          windowS: WINDOW_S,
          services: previous?.services ?? [],
          error: 'The metrics source is not answering; the figures shown may be old.',
        };
      }
    },
    async incidents() {
      const open = [...d.incidents.list('open', INCIDENTS_SHOWN), ...d.incidents.list('acked', INCIDENTS_SHOWN)];
      return open
        .sort((a, b) => b.createdAt - a.createdAt)
        .slice(0, INCIDENTS_SHOWN)
        .map(incidentView);
    },
    async approvals() {
      return d.remediation.pending().map(approvalView);
    },
    async jobs() {
      const jobs = await d.queue.list({ states: ['active', 'waiting', 'delayed'], limit: JOBS_SHOWN });
      const order = { active: 0, waiting: 1, delayed: 2 } as Record<string, number>;
      return jobs.sort((a, b) => (order[a.state] ?? 3) - (order[b.state] ?? 3)).map((j) => jobView(j, d.nameOf));
    },
    async models() {
      return d.models.list().map(modelView);
    },
  };
}

interface SectionState {
  json?: string;
  data?: unknown;
  running?: Promise<void>;
  again?: boolean;
  timer?: NodeJS.Timeout;
  lastAt?: number;
}

/**
 * The sections' reads: `refresh` reads one and pushes it to `pages` when it changed (a read asked
 * for during one runs once after it); `soon` is `refresh` at most once per `gapMs`, the last call
 * of a burst never lost. Nothing is kept or pushed while `live()` is false.
 */
function sectionReader(deps: HubDeps, pages: ReadonlySet<Send>, live: () => boolean) {
  const state = Object.fromEntries(SECTIONS.map((s) => [s, {} as SectionState])) as Record<SectionName, SectionState>;
  const load = loaders(deps, () => state.fleet.data as FleetView | undefined);

  function refresh(section: SectionName): Promise<void> {
    const s = state[section];
    if (s.running) {
      s.again = true;
      return s.running;
    }
    s.running = (async () => {
      do {
        s.again = false;
        try {
          const data = await load[section]();
          const json = JSON.stringify(data);
          if (json !== s.json && live()) {
            Object.assign(s, { json, data });
            for (const send of pages) send(section, data as never);
          }
        } catch (err) {
          deps.log.warn('dashboard: reading a section failed', { section, err });
        }
      } while (s.again && live());
    })().finally(() => {
      s.running = undefined;
      s.lastAt = Date.now();
    });
    return s.running;
  }

  function soon(section: SectionName, gapMs = 0): void {
    const s = state[section];
    if (s.timer) return;
    const wait = gapMs - (Date.now() - (s.lastAt ?? 0));
    if (wait <= 0) {
      void refresh(section);
      return;
    }
    s.timer = setTimeout(() => {
      s.timer = undefined;
      void refresh(section);
    }, wait);
  }

  /** Forget what was read (nobody watches). */
  function reset(): void {
    for (const s of Object.values(state)) {
      clearTimeout(s.timer);
      Object.assign(s, { timer: undefined, json: undefined, data: undefined });
    }
  }
  return { state, refresh, soon, reset };
}

/** What makes a section stale: the domains' change events, and the timer for what has none. Returns the stops. */
function listen(deps: HubDeps, soon: (section: SectionName, gapMs?: number) => void): Array<() => void> {
  const every = setInterval(() => {
    soon('fleet');
    soon('models');
    soon('approvals');
  }, deps.refreshMs ?? 15_000);
  return [
    () => clearInterval(every),
    deps.incidents.onChange(() => soon('incidents')),
    deps.remediation.onChange(() => {
      soon('approvals');
      soon('models');
    }),
    ...QUEUE_EVENTS.map((event) =>
      deps.queue.on(event, (e: { name: string }) => {
        soon('jobs', JOBS_GAP_MS);
        if (event === 'completed' && (e.name === 'train_model' || e.name === 'drift_check')) soon('models');
      }),
    ),
  ];
}

export function createDashboardHub(deps: HubDeps): DashboardHub {
  const pages = new Set<Send>();
  let stops: Array<() => void> = [];
  const sections = sectionReader(deps, pages, () => stops.length > 0);
  const { state, refresh } = sections;

  const stop = () => {
    for (const s of stops) s();
    stops = [];
    sections.reset();
  };

  return {
    async join(send) {
      if (stops.length === 0) stops = listen(deps, sections.soon);
      const seen = new Set<SectionName>();
      const tracked: Send = (event, data) => {
        if (event !== 'hello') seen.add(event as SectionName);
        send(event, data);
      };
      pages.add(tracked);
      await Promise.all(SECTIONS.filter((s) => state[s].json === undefined).map((s) => refresh(s)));
      if (!pages.has(tracked)) return () => undefined;
      for (const section of SECTIONS) {
        if (!seen.has(section) && state[section].data !== undefined) tracked(section, state[section].data as never);
      }
      return () => {
        pages.delete(tracked);
        if (pages.size === 0) stop();
      };
    },
    size: () => pages.size,
    close() {
      pages.clear();
      stop();
    },
  };
}
