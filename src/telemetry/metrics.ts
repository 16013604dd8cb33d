import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

const PREFIX = 'smartcloudops_';

type Registers = Registry[];

/** Gauges counted at scrape time (queue depth, open incidents), and where they read their counts. */
function scrapeGauges(r: Registers) {
  let depthSource: (() => Promise<Record<string, number>>) | undefined;
  const queueDepth = new Gauge({
    name: `${PREFIX}queue_depth`,
    help: 'Jobs in the queue by state',
    labelNames: ['state'] as const,
    registers: r,
    async collect() {
      if (!depthSource) return;
      try {
        const depth = await depthSource();
        this.reset();
        for (const [state, n] of Object.entries(depth)) this.set({ state }, n);
      } catch {
        // A dead queue backend must not break the scrape (/readyz reports it), nor show the last
        // counts as if live: no samples, so `absent(smartcloudops_queue_depth)` can alert.
        this.reset();
      }
    },
  });
  let openIncidents: (() => number) | undefined;
  // Counted in the store at scrape time: right whatever path (alerts, chat, REST) changed an incident.
  const incidentsOpen = new Gauge({
    name: `${PREFIX}incidents_open`,
    help: 'Incidents not resolved yet (open or acked)',
    registers: r,
    collect() {
      if (!openIncidents) return;
      try {
        this.set(openIncidents());
      } catch {
        // A store closing under a scrape must not break it; the next scrape counts again.
      }
    },
  });
  const budgets = new Map<string, () => number>();
  // Share of each LLM token budget spent (intent: the rolling hour; investigations: the UTC day), for alerts.
  const llmBudgetUsed = new Gauge({
    name: `${PREFIX}llm_budget_used_ratio`,
    help: 'Share of an LLM token budget spent: intent_hourly (the rolling hour), investigations_daily (the UTC day)',
    labelNames: ['budget'] as const,
    registers: r,
    collect() {
      this.reset();
      for (const [budget, used] of budgets) {
        try {
          this.set({ budget }, used());
        } catch {
          // A store closing under a scrape must not break it.
        }
      }
    },
  });
  return {
    /** Where llm_budget_used_ratio{budget} reads its share at scrape time. */
    setLlmBudgetSource(budget: 'intent_hourly' | 'investigations_daily', used: () => number) {
      budgets.set(budget, used);
    },
    llmBudgetUsed,
    /** Where incidents_open counts at scrape time. */
    setIncidentsOpenSource(fn: () => number) {
      openIncidents = fn;
    },
    /** Where queue_depth reads its counts at scrape time. */
    setQueueDepthSource(fn: () => Promise<Record<string, number>>) {
      depthSource = fn;
    },
    queueDepth,
    incidentsOpen,
  };
}

/** HTTP requests: counts and durations by route. */
function httpMetrics(r: Registers) {
  return {
    httpRequests: new Counter({
      name: `${PREFIX}http_requests_total`,
      help: 'HTTP requests served',
      labelNames: ['method', 'route', 'status'] as const,
      registers: r,
    }),
    httpDuration: new Histogram({
      name: `${PREFIX}http_request_duration_seconds`,
      help: 'HTTP request duration',
      labelNames: ['method', 'route'] as const,
      buckets: [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
      registers: r,
    }),
  };
}

/** Chat messages and how they became intents (rules or the LLM). */
function chatMetrics(r: Registers) {
  return {
    chatMessages: new Counter({
      name: `${PREFIX}chat_messages_total`,
      help: 'Chat messages handled',
      labelNames: ['platform', 'intent', 'outcome'] as const,
      registers: r,
    }),
    intentParseDuration: new Histogram({
      name: `${PREFIX}intent_parse_duration_seconds`,
      help: 'Time to turn a message into an intent',
      labelNames: ['source'] as const,
      buckets: [0.0001, 0.0005, 0.001, 0.005, 0.05, 0.25, 1, 4],
      registers: r,
    }),
    llmRequests: new Counter({
      name: `${PREFIX}llm_requests_total`,
      help: 'LLM requests (intent parsing and investigations) by outcome; anything but ok fell back to the rules',
      labelNames: ['outcome'] as const,
      registers: r,
    }),
    llmTokens: new Counter({
      name: `${PREFIX}llm_tokens_total`,
      help: 'LLM tokens used',
      labelNames: ['kind'] as const,
      registers: r,
    }),
    rateLimited: new Counter({
      name: `${PREFIX}rate_limited_total`,
      help: 'Chat commands (surface chat) and REST calls (surface api) refused for going over their per-minute limit',
      labelNames: ['surface'] as const,
      registers: r,
    }),
  };
}

/** Jobs, alerts and anomalies. */
function workMetrics(r: Registers) {
  return {
    jobs: new Counter({
      name: `${PREFIX}jobs_total`,
      help: 'Jobs by final status (and retries)',
      labelNames: ['name', 'status'] as const,
      registers: r,
    }),
    jobDuration: new Histogram({
      name: `${PREFIX}job_duration_seconds`,
      help: 'Job run time per attempt',
      labelNames: ['name'] as const,
      buckets: [0.01, 0.05, 0.1, 0.5, 1, 5, 15, 60, 300],
      registers: r,
    }),
    alertsReceived: new Counter({
      name: `${PREFIX}alerts_received_total`,
      help: 'Alerts received by webhook source',
      labelNames: ['source'] as const,
      registers: r,
    }),
    anomalyPointsScored: new Counter({
      name: `${PREFIX}anomaly_points_scored_total`,
      help: 'Points the anomaly detector scored (history and window), in the process that scored them',
      registers: r,
    }),
    anomaliesDetected: new Counter({
      name: `${PREFIX}anomalies_detected_total`,
      help: 'Anomalous segments reported by detect_anomalies jobs, by service',
      labelNames: ['service'] as const,
      registers: r,
    }),
  };
}

/** Model ops: trainings by outcome, and each champion's latest drift figure (src/app/drift.ts). */
function modelMetrics(r: Registers) {
  return {
    modelTrainings: new Counter({
      name: `${PREFIX}model_trainings_total`,
      help: 'train_model jobs by how they ended: ok, failed (after its retries), refused (bad input or window)',
      labelNames: ['outcome'] as const,
      registers: r,
    }),
    modelDriftScore: new Gauge({
      name: `${PREFIX}model_drift_score`,
      help: "A champion's latest drift check: the largest PSI of its signals vs its training data (0.25 = significant)",
      labelNames: ['model'] as const,
      registers: r,
    }),
  };
}

/** Investigations by who answered (rules, llm) and how (root_cause, inconclusive, failed), and how long they took. */
function investigationMetrics(r: Registers) {
  return {
    investigations: new Counter({
      name: `${PREFIX}investigations_total`,
      help: 'Investigations by source (rules, llm) and verdict (root_cause, inconclusive, failed)',
      labelNames: ['source', 'verdict'] as const,
      registers: r,
    }),
    investigationDuration: new Histogram({
      name: `${PREFIX}investigation_duration_seconds`,
      help: 'Time an investigation took, from its first read to its answer',
      labelNames: ['source'] as const,
      buckets: [0.25, 0.5, 1, 2, 5, 10, 20, 45, 90, 180],
      registers: r,
    }),
  };
}

/** The monitor (src/app/monitor.ts): scheduled scans whose results the control plane acted on. */
function monitorMetrics(r: Registers) {
  return {
    monitorScans: new Counter({
      name: `${PREFIX}monitor_scans_total`,
      help: 'Scheduled scans of every service (one per MONITOR_INTERVAL slot) whose results the control plane acted on',
      registers: r,
    }),
  };
}

/** Logins and remediations. */
function accessMetrics(r: Registers) {
  return {
    authLogins: new Counter({
      name: `${PREFIX}auth_logins_total`,
      help: 'Password logins by outcome: ok, failed (wrong email or password), locked (throttled)',
      labelNames: ['outcome'] as const,
      registers: r,
    }),
    remediations: new Counter({
      name: `${PREFIX}remediations_total`,
      help: 'Remediation requests by how they ended: succeeded, failed, unknown (the run was cut off), denied, expired',
      labelNames: ['action', 'outcome'] as const,
      registers: r,
    }),
    approvalWait: new Histogram({
      name: `${PREFIX}approval_wait_seconds`,
      help: 'Time from a remediation request to its last needed approval',
      buckets: [5, 15, 30, 60, 120, 300, 600, 900, 1800, 3600],
      registers: r,
    }),
  };
}

/**
 * The service's own Prometheus metrics (DESIGN.md "Metrics"). One registry per app instance,
 * so tests can build several apps in one process.
 */
export function createMetrics() {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: PREFIX });
  const r = [registry];
  return {
    ...scrapeGauges(r),
    registry,
    ...httpMetrics(r),
    ...chatMetrics(r),
    ...workMetrics(r),
    ...accessMetrics(r),
    ...modelMetrics(r),
    ...investigationMetrics(r),
    ...monitorMetrics(r),
  };
}

export type Metrics = ReturnType<typeof createMetrics>;
