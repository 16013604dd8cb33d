import { createAuth } from './auth/auth';
import type { Auth } from './auth/types';
import { existsSync } from 'node:fs';
import { systemClock, type Clock } from './clock';
import { createCommands, type Commands } from './commands/handler';
import { createConversation, type Conversation } from './chat/conversation';
import { secretValues, type Config } from './config/config';
import { AppError } from './errors';
import { createIdentity, type Identity } from './identity/identity';
import { createNames } from './identity/names';
import type { IntentParser } from './intent/parser';
import { createHybridParser } from './intent/hybrid';
import { createLlmParser } from './intent/llm';
import { parseRules } from './intent/rules';
import { Redactor } from './log/redact';
import { createLogger, type Logger } from './log/logger';
import { createBullmqQueue } from './queue/bullmq/queue';
import { IncidentService } from './incidents/service';
import { IncidentStore } from './incidents/store';
import { createEmbeddedQueue } from './queue/embedded/queue';
import { routeQueues } from './queue/routed';
import type { JobQueue } from './queue/types';
import { buildCatalog, EXAMPLE_CATALOG } from './sources/catalog';
import { CsvSource } from './sources/csv';
import { DemoFleet } from './sources/demo/fleet';
import { PrometheusSource } from './sources/prometheus';
import type { MetricsSource } from './sources/types';
import { openStore, type Store } from './store/store';
import { createMetrics, type Metrics } from './telemetry/metrics';
import type { Jobs } from './workers/jobs';
import { createProcessors } from './workers/processors';
import { buildActionCatalog } from './remediation/catalog';
import { createDemoExecutor } from './remediation/executors/demo';
import { createKubernetesExecutor } from './remediation/executors/kubernetes/executor';
import { createShellExecutor } from './remediation/executors/shell/executor';
import { createWebhookExecutor } from './remediation/executors/webhook';
import { startRemediationRecovery } from './remediation/recovery';
import { RemediationService } from './remediation/service';
import { RemediationStore } from './remediation/store';
import type { Executor, ExecutorKind } from './remediation/types';
import type { ChannelPoster, ChatAdapter } from './adapters/types';
import { configuredPlatforms, incidentChannel } from './incidents/channel';
import { startIncidentNotifier } from './incidents/notifier';
import { createFollowedJobs, followingIn, startRemediationNotifier } from './remediation/notifier';

export interface App {
  config: Config;
  log: Logger;
  clock: Clock;
  store: Store;
  queue: JobQueue<Jobs>;
  source: MetricsSource;
  metrics: Metrics;
  identity: Identity;
  auth: Auth;
  incidents: IncidentService;
  parser: IntentParser;
  commands: Commands;
  conversation: Conversation;
  /** Remediation requests: REST reads them as data. */
  remediation: RemediationService;
  /** Slack (SLACK_BOT_TOKEN) and Teams (TEAMS_APP_ID or TEAMS_AUTH=off) when configured: their routes go on the side-app. */
  chat: ChatAdapter[];
  /** Connect the chat adapters (Socket Mode) and keep INCIDENT_CHANNEL up to date: `serve` does. */
  startChat(): Promise<void>;
  /**
   * Tell requests' threads on these platforms what became of their remediations (startChat does it
   * for Slack and Teams; the console passes its screen). Returns stop.
   */
  notifyRemediations(posters: Partial<Record<string, ChannelPoster>>): () => void;
  /**
   * Start processing jobs in this process. `general: false` (`serve --no-workers`) works only the
   * jobs that need the control plane (remediation), leaving the rest to `worker` processes.
   */
  startWorkers(options?: { general?: boolean }): Promise<void>;
  /** Stop workers (finishing or requeueing in-flight jobs within the grace), then close the store. */
  close(): Promise<void>;
}

export interface BuildOptions {
  log?: Logger;
  clock?: Clock;
  /** Replace an embedded part (tests, benches): never needed in production. */
  source?: MetricsSource;
  /** `worker` processes work only the jobs that need no control-plane state. */
  role?: 'control' | 'worker';
}

/** Jobs whose processors need the control plane's store. */
const CONTROL_JOBS: ReadonlySet<keyof Jobs & string> = new Set(['remediation'] as const);

/** The composition root: everything is built here from one validated config, and only here. */
export async function buildApp(config: Config, options: BuildOptions = {}): Promise<App> {
  const log =
    options.log ?? createLogger({ level: config.log.level, format: config.log.format, secrets: secretValues(config) });
  const clock = options.clock ?? systemClock;
  const metrics = createMetrics();
  const store = openStore(config.databasePath);
  const bullmq = (name: string) =>
    createBullmqQueue<Jobs>({
      redisUrl: config.redisUrl as string,
      name,
      logger: log,
      historyLimit: config.queue.historyLimit,
      attempts: config.queue.attempts,
      backoffMs: config.queue.backoffMs,
    });
  // With Redis, remediation jobs get a queue of their own that only the control plane works:
  // their state lives in its store, so a `worker` elsewhere must never take them.
  const queue: JobQueue<Jobs> = config.redisUrl
    ? routeQueues(bullmq(config.queue.name), bullmq(`${config.queue.name}-control`), CONTROL_JOBS, {
        controlPlane: options.role !== 'worker',
      })
    : createEmbeddedQueue<Jobs>({
        store,
        name: config.queue.name,
        logger: log,
        historyLimit: config.queue.historyLimit,
        attempts: config.queue.attempts,
        backoffMs: config.queue.backoffMs,
        clock,
      });
  const source = options.source ?? createSource(config, clock, log);
  wireJobMetrics(queue, metrics);

  const auth = createAuth({ db: store.db, config: config.auth, clock, log: log.child({ component: 'auth' }) });
  if (config.admin.email && config.admin.password) await auth.bootstrapAdmin(config.admin.email, config.admin.password);
  const identity = createIdentity(config.defaultRole, auth.users);
  const parser = buildParser(config, {
    metrics,
    log,
    clock,
    services: async () => (await source.services()).map((s) => s.name),
  });
  const remediations = new RemediationStore(store.db);
  if (source instanceof DemoFleet) replayDemoActions(source, remediations, log);
  const actionCatalog = buildActionCatalog(config.file);
  const remediation = new RemediationService({
    store: remediations,
    catalog: actionCatalog,
    executors: buildExecutors(config, source),
    audit: auth.audit,
    clock,
    // The request id is the job id: enqueueing the same request twice adds nothing.
    enqueue: async (r) => {
      await queue.add(
        'remediation',
        { requestId: r.id },
        { jobId: r.id, meta: { requestedBy: r.requestedBy, ...r.origin } },
      );
    },
    jobState: async (id) => (await queue.get(id))?.state,
    metrics: {
      outcome: (action, outcome) => metrics.remediations.inc({ action, outcome }),
      approvalWait: (seconds) => metrics.approvalWait.observe(seconds),
    },
    personNow: (person) => identity.personNow(person),
    people: (person) => {
      const user = person.startsWith('user:') ? auth.users.get(person.slice('user:'.length)) : undefined;
      return user ? { name: user.name, email: user.email } : undefined;
    },
    log: log.child({ component: 'remediation' }),
  });
  // The control plane puts approved requests without a job back on the queue: at start, then every 30 s.
  let recovery: ReturnType<typeof startRemediationRecovery> | undefined;
  const startRecovery = () => {
    if (options.role !== 'worker')
      recovery ??= startRemediationRecovery(remediation, log.child({ component: 'remediation' }));
  };
  const incidents = new IncidentService({
    store: new IncidentStore(store.db),
    audit: auth.audit,
    clock,
    // Analysis: anomaly detection on the incident's service, when it is one we know.
    onCreated: async (incident) => {
      const known = (await source.services()).map((s) => s.name);
      if (!incident.service || !known.includes(incident.service)) return;
      await queue.add(
        'detect_anomalies',
        { service: incident.service, windowS: 3600 },
        {
          meta: {
            requestedBy: 'alertmanager',
            incident: incident.id,
            ...(config.incidentChannel ? { channel: config.incidentChannel } : {}),
          },
        },
      );
    },
  });
  metrics.setIncidentsOpenSource(() => incidents.openCount());
  const names = createNames(auth.users, auth.apiKeys);
  const commands = createCommands({
    queue,
    source,
    clock,
    remediation,
    incidents,
    names,
    personNow: (person) => identity.personNow(person),
  });
  // Chat notes which thread follows which job, so the remediation notifier posts results only where nobody does.
  const followed = createFollowedJobs(remediations);
  const conversation = createConversation({
    identity,
    parser,
    commands: followingIn(commands, followed),
    queue,
    metrics,
    log,
    clock,
    audit: auth.audit,
  });
  // Each SDK is loaded only when its platform is configured (each is ~30 MB and ~0.3 s to load).
  const chat: ChatAdapter[] = [];
  const platforms = configuredPlatforms(config);
  if (platforms.includes('slack'))
    chat.push(
      (await import('./adapters/slack/adapter.js')).createSlackAdapter({
        config: { ...config.slack, botToken: config.slack.botToken as string },
        conversation,
        log,
        ...(config.redisUrl ? { redisUrl: config.redisUrl } : { db: store.db }),
      }),
    );
  if (platforms.includes('teams'))
    chat.push(
      (await import('./adapters/teams/adapter.js')).createTeamsAdapter({
        config: config.teams,
        conversation,
        db: store.db,
        log,
      }),
    );
  let stopNotifier: (() => void) | undefined;
  const notifiers = new Set<() => void>();
  const notifyRemediations = (posters: Partial<Record<string, ChannelPoster>>) => {
    const { stop } = startRemediationNotifier({
      queue,
      posters,
      remediations,
      followed,
      names,
      log: log.child({ component: 'remediation-notifier' }),
    });
    notifiers.add(stop);
    return () => {
      notifiers.delete(stop);
      stop();
    };
  };

  let workersStarted = false;
  let closed = false;
  return {
    config,
    log,
    clock,
    store,
    queue,
    source,
    metrics,
    identity,
    auth,
    incidents,
    parser,
    commands,
    conversation,
    remediation,
    chat,
    notifyRemediations,
    async startChat() {
      startRecovery();
      for (const adapter of chat) await adapter.start();
      if (chat.length) notifyRemediations(Object.fromEntries(chat.map((a) => [a.platform, a.poster])));
      const { platform, channel, problem } = incidentChannel(config);
      if (problem) log.warn(problem);
      const adapter = chat.find((a) => a.platform === platform);
      if (adapter && channel) {
        stopNotifier = startIncidentNotifier({
          incidents,
          target: { platform: adapter.platform, poster: adapter.poster, channel },
          db: store.db,
          queue,
          catalog: actionCatalog,
          log: log.child({ component: 'incidents' }),
        }).stop;
        log.info('incident channel', { platform, channel });
      }
    },
    async startWorkers(workOptions = {}) {
      if (workersStarted) return;
      workersStarted = true;
      const all = createProcessors({
        source,
        clock,
        onnxThreads: config.onnxIntraOpThreads,
        remediation,
        counters: { pointsScored: metrics.anomalyPointsScored, anomaliesDetected: metrics.anomaliesDetected },
      });
      const general = workOptions.general !== false;
      const processors = general
        ? all
        : Object.fromEntries(Object.entries(all).filter(([name]) => CONTROL_JOBS.has(name as keyof Jobs & string)));
      await queue.work(processors, { concurrency: config.queue.concurrency });
      startRecovery();
      log.info('workers started', {
        backend: queue.backend,
        concurrency: config.queue.concurrency,
        jobs: general ? 'all' : [...CONTROL_JOBS].join(','),
      });
    },
    async close() {
      if (closed) return;
      closed = true;
      stopNotifier?.();
      for (const stop of [...notifiers]) stop();
      await recovery?.stop();
      for (const adapter of chat) await adapter.stop();
      await queue.close({ graceMs: config.shutdownGraceMs });
      store.close();
    },
  };
}

/**
 * The executors the action catalog may name. The cluster connection is made on first use, so a
 * catalog without Kubernetes actions never needs a kubeconfig; the demo executor exists when the
 * demo fleet is the metrics source.
 */
function buildExecutors(config: Config, source: MetricsSource): Partial<Record<ExecutorKind, Executor>> {
  const { runbooksDir, kubeconfig, inCluster } = config.remediation;
  return {
    ...(existsSync(runbooksDir) ? { shell: createShellExecutor({ runbooksDir }) } : {}),
    webhook: createWebhookExecutor(),
    kubernetes: createKubernetesExecutor(kubeconfig ? { kubeconfigPath: kubeconfig } : { inCluster }),
    ...(source instanceof DemoFleet ? { demo: createDemoExecutor(source) } : {}),
  };
}

/**
 * The demo fleet lives in memory, one per process; what remediations did to it lives in the
 * store. Replaying them makes a process started later (another `chat`, a restarted `serve`) see
 * the fleet as it is.
 */
function replayDemoActions(fleet: DemoFleet, remediations: RemediationStore, log: Logger): void {
  for (const a of remediations.executedOn('demo')) {
    if (a.action === 'runbook') continue;
    try {
      fleet.apply({
        kind: a.action,
        service: a.target,
        atMs: a.startedAt,
        ...(a.action === 'scale' ? { replicas: Number(a.params.replicas) } : {}),
      });
    } catch (err) {
      log.warn('could not replay a demo remediation', { action: a.action, target: a.target, err });
    }
  }
}

/** Rules, with the LLM in front of low-confidence answers when OPENAI_API_KEY or OPENAI_BASE_URL is set. */
export function buildParser(
  config: Config,
  deps: { metrics: Metrics; log: Logger; clock: Clock; services?: () => Promise<string[]> },
): IntentParser {
  const llm =
    config.openai.apiKey || config.openai.baseUrl
      ? createLlmParser({
          ...config.openai,
          metrics: deps.metrics,
          log: deps.log,
          clock: deps.clock,
          redactor: new Redactor(secretValues(config)),
        })
      : undefined;
  return createHybridParser({ rules: parseRules, llm, log: deps.log, services: deps.services });
}

/**
 * The metrics source METRICS_SOURCE names. Prometheus needs the services catalog (CONFIG_FILE) for
 * its queries; CSV uses it, when present, for descriptions and objectives.
 */
function createSource(config: Config, clock: Clock, log: Logger): MetricsSource {
  const source = config.metricsSource;
  switch (source.kind) {
    case 'demo':
      return new DemoFleet({ seed: config.demo.seed, clock });
    case 'prometheus': {
      if (!config.file.services?.length) {
        throw new AppError(
          'config_invalid',
          `METRICS_SOURCE=prometheus needs a services catalog: set CONFIG_FILE to a YAML or JSON file listing each service and the PromQL of its golden signals (start from ${EXAMPLE_CATALOG}).`,
        );
      }
      const { url, bearerToken, username, password, timeoutMs } = source;
      return new PrometheusSource({
        url,
        bearerToken,
        username,
        password,
        timeoutMs,
        services: buildCatalog(config.file, { requireQueries: true }),
        clock,
        log: log.child({ source: 'prometheus' }),
      });
    }
    case 'csv':
      return new CsvSource({
        dir: source.dir,
        services: buildCatalog(config.file),
        clock,
        log: log.child({ source: 'csv' }),
      });
  }
}

function wireJobMetrics(queue: JobQueue<Jobs>, metrics: Metrics): void {
  metrics.setQueueDepthSource(() => queue.counts());
  queue.on('completed', (e) => {
    metrics.jobs.inc({ name: e.name, status: 'completed' });
    metrics.jobDuration.observe({ name: e.name }, e.durationMs / 1000);
  });
  queue.on('failed', (e) => {
    metrics.jobs.inc({ name: e.name, status: e.willRetry ? 'retried' : 'failed' });
    metrics.jobDuration.observe({ name: e.name }, e.durationMs / 1000);
  });
  queue.on('cancelled', (e) => metrics.jobs.inc({ name: e.name, status: 'cancelled' }));
}
