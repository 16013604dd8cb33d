import { createAuth } from '../auth/auth';
import { createRateLimiter } from '../auth/rate-limit';
import type { Auth } from '../auth/types';
import type { AuditLog } from '../audit/types';
import type { Clock } from '../clock';
import { createCommands, type Commands } from '../commands/handler';
import { createConversation, type Conversation } from '../chat/conversation';
import type { Config } from '../config/config';
import { createIdentity, type Identity } from '../identity/identity';
import { createNames } from '../identity/names';
import { analyseNewIncidents } from '../incidents/analysis';
import { IncidentService } from '../incidents/service';
import { IncidentStore } from '../incidents/store';
import type { IntentParser } from '../intent/parser';
import type { Logger } from '../log/logger';
import type { JobQueue } from '../queue/types';
import { buildActionCatalog, type ActionCatalog } from '../remediation/catalog';
import { createFollowedJobs, followingIn } from '../chat/remediation-notifier';
import { startRemediationRecovery } from '../remediation/recovery';
import type { RemediationService } from '../remediation/service';
import { RemediationStore } from '../remediation/store';
import type { MetricsSource } from '../sources/types';
import { openStore, type Store } from '../store/store';
import type { Metrics } from '../telemetry/metrics';
import type { Jobs } from '../jobs/map';
import { createEmbeddedQueue } from '../queue/embedded/queue';
import type { ChannelPoster, ChatAdapter } from '../ports/chat';
import {
  buildChatAdapters,
  incidentTarget,
  remediationNotices,
  startIncidentChannel,
  type RemediationNotices,
} from './chat';
import { buildCore, type Core, type CoreOptions } from './core';
import { buildParser } from './parser';
import { buildRemediation, remediationProcessor } from './remediation';
import { randomUUID } from 'node:crypto';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { BlobStore } from '../models/blobs';
import { ModelRegistry } from '../models/registry';
import { FeedbackStore } from '../models/feedback';
import { championOf } from '../models/champion';
import { createModelExecutor } from '../models/promotion/executor';
import { createRegistrar, finishedReply } from './models';
import { createDriftWatch, type DriftWatch } from './drift';
import { modelDetailOf, type ModelDetailOf } from '../models/model-detail';
import { ShadowStore } from '../models/shadow';
import { incidentPeriods } from '../incidents/periods';
import { createShadowRecorder } from './shadow';
import { createRunbookIndex } from '../runbooks/runbook-index';
import type { RunbookIndex } from '../runbooks/types';
import type { InvestigationStore } from '../investigate/store';
import type { Processor } from '../queue/types';
import { buildInvestigations } from './investigations';
import { buildMonitor, type Monitor } from './monitor';
import { buildPostmortems } from './postmortems';

/** The control plane (`serve`, `chat`): the core plus the store and everything kept in it. */
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
  /** The model registry: versions, their ONNX files (beside the database) and aliases. */
  models: ModelRegistry;
  /** Scheduled drift checks of every champion and what follows a completed one (src/app/drift.ts). */
  drift: DriftWatch;
  /** Scheduled scans of every service, and the incidents they open and resolve (src/app/monitor.ts). */
  monitor: Monitor;
  /** One model in detail with champion vs challenger in shadow (`model NAME`, GET /api/v1/models/:name). */
  modelDetail: ModelDetailOf;
  /** 👍/👎 feedback with its series windows: model evaluation reads it as labelled periods. */
  feedback: FeedbackStore;
  /** Investigations as kept: REST reads one back, a postmortem takes an incident's latest. */
  investigations: InvestigationStore;
  /** The Markdown runbooks of RUNBOOKS_DIR, indexed in memory and kept in step with the folder (src/runbooks/). */
  runbooks: RunbookIndex;
  /**
   * Slack (SLACK_BOT_TOKEN) and Teams (TEAMS_APP_ID or TEAMS_AUTH=off) when configured: their
   * routes go on the side-app.
   */
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

export type BuildOptions = Omit<CoreOptions, 'controlPlane'>;

type Parts = Omit<App, 'startChat' | 'notifyRemediations' | 'startWorkers' | 'close' | 'monitor'>;

/**
 * The control plane's composition root: the only process role that opens the SQLite store. Built
 * here from one validated config, and only here.
 */
export async function buildApp(config: Config, options: BuildOptions = {}): Promise<App> {
  const store = openStore(config.databasePath);
  const { name, historyLimit, attempts, backoffMs } = config.queue;
  const core = buildCore(config, {
    ...options,
    controlPlane: {
      embeddedQueue: (logger, clock) =>
        createEmbeddedQueue<Jobs>({ store, name, logger, historyLimit, attempts, backoffMs, clock }),
    },
  });
  const { log, clock, metrics, source, queue } = core;
  const auth = createAuth({ db: store.db, config: config.auth, clock, log: log.child({ component: 'auth' }) });
  if (config.admin.email && config.admin.password) await auth.bootstrapAdmin(config.admin.email, config.admin.password);
  const identity = createIdentity(config.defaultRole, auth.users);
  const services = async () => (await source.services()).map((s) => s.name);
  const parser = buildParser(config, { metrics, log, clock, services });
  const remediations = new RemediationStore(store.db);
  const catalog = buildActionCatalog(config.file);
  const models = new ModelRegistry(store.db, new BlobStore(modelsDir(config.databasePath)), { clock });
  // Promote and rollback of a model are remediation requests run by the `model` executor, on the registry.
  const executors = { model: createModelExecutor({ registry: models, source, clock }) };
  const remediation = buildRemediation({ config, core, store: remediations, catalog, auth, identity, executors });
  // Detection producers attach a service's champion (bytes included) to their jobs.
  const champions = championOf(models);
  const incidents = buildIncidents(core, store, auth.audit, services);
  const feedback = new FeedbackStore(store.db);
  const { modelDetail, registrar, drift, start: startModelOps } = buildModelOps(core, store, models, feedback);
  const names = createNames(auth.users, auth.apiKeys);
  const personNow = (person: string) => identity.personNow(person);
  const runbooks = await runbookIndex(config, log);
  const { investigations, postmortems } = buildPostmortems(config, { ...core, store, incidents, remediations, names });
  const commandDeps = { queue, source, clock, remediation, incidents, names, personNow, models, modelDetail, feedback };
  const commands = createCommands({ ...commandDeps, championOf: champions, runbooks, postmortems });
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
    finished: finishedReply(registrar),
    rateLimit: createRateLimiter(config.rateLimits.chatPerMinute),
  });
  const chat = await buildChatAdapters(config, { conversation, log, db: store.db });
  const notices = remediationNotices({ queue, remediations, followed, names, log });
  const parts: Parts = {
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
    models,
    drift,
    modelDetail,
    feedback,
    runbooks,
    investigations,
    chat,
  };
  // Every control-plane process runs the model ops: registrar, shadow recorder, drift watch (buildModelOps).
  const stopModelOps = startModelOps();
  const investigate = await buildInvestigations({ ...core, store, incidents, runbooks, catalog });
  const life = lifecycle(core, parts, notices, catalog, investigate);
  const close = async () => {
    stopModelOps();
    await Promise.all([registrar.settled(), drift.settled()]);
    await life.close();
    runbooks.close();
  };
  return { ...parts, notifyRemediations: notices.notify, ...life, close };
}

/** The runbooks of RUNBOOKS_DIR, indexed and watched. */
function runbookIndex(config: Config, log: Logger): Promise<RunbookIndex> {
  return createRunbookIndex({ dir: config.remediation.runbooksDir, log: log.child({ component: 'runbooks' }) });
}

/**
 * Model files live beside the database (`data/models/` by default); an in-memory store gets a
 * fresh temp folder (made on the first model).
 */
export function modelsDir(databasePath: string): string {
  if (databasePath === ':memory:') return join(tmpdir(), `sco-models-${randomUUID()}`);
  return join(dirname(databasePath), 'models');
}

/**
 * The registrar of finished trainings (once per job id), drift checks of every champion (one job per
 * champion per slot), and shadow runs: recorded from completed detection jobs, read back as champion
 * vs challenger by `model NAME`.
 */
function buildModelOps(core: Core, store: Store, models: ModelRegistry, feedback: FeedbackStore) {
  const { clock, queue, source, config } = core;
  const log = core.log.child({ component: 'models' });
  // Incidents and 👍/👎 feedback on a service are the labelled periods of evaluation and of the shadow comparison.
  const incidents = incidentPeriods(new IncidentStore(store.db), clock);
  const registrar = createRegistrar({ registry: models, queue, source, feedback, incidents, log, clock });
  const drift = createDriftWatch({ ...core, registry: models, db: store.db, intervalMs: config.driftIntervalMs });
  const shadow = new ShadowStore(store.db);
  const modelDetail = modelDetailOf({
    registry: models,
    shadow,
    incidentsOf: incidents,
    labels: (service, fromMs, toMs) => feedback.labels(service, fromMs, toMs),
  });
  const shadowRecorder = createShadowRecorder({ queue, shadow, clock, log });
  const start = () => {
    const stops = [registrar.start(), shadowRecorder.start(), drift.start()];
    return () => stops.forEach((stop) => stop());
  };
  return { modelDetail, registrar, drift, start };
}

/** Alerts -> incidents on the store; a new incident's analysis goes on the core's queue. */
function buildIncidents(core: Core, store: Store, audit: AuditLog, services: () => Promise<string[]>): IncidentService {
  const { config, clock, queue, metrics } = core;
  const incidentStore = new IncidentStore(store.db);
  const incidents = new IncidentService({
    store: incidentStore,
    audit,
    clock,
    onCreated: analyseNewIncidents({
      queue,
      store: incidentStore,
      services,
      clock,
      ...(config.incidentChannel ? { channel: config.incidentChannel } : {}),
    }),
  });
  metrics.setIncidentsOpenSource(() => incidents.openCount());
  return incidents;
}

/** Start chat (and the monitor), start workers, close: what the control plane runs beyond the core. */
function lifecycle(
  core: Core,
  app: Parts,
  notices: RemediationNotices,
  catalog: ActionCatalog,
  investigate: Processor<Jobs, 'investigate'>,
): Pick<App, 'startChat' | 'startWorkers' | 'close' | 'monitor'> {
  // The control plane puts approved requests without a job back on the queue: at start, then every 30 s.
  let recovery: ReturnType<typeof startRemediationRecovery> | undefined;
  const startRecovery = () => {
    recovery ??= startRemediationRecovery(app.remediation, app.log.child({ component: 'remediation' }));
  };
  let stopIncidentChannel: (() => void) | undefined;
  // Scans of every service on this store's incidents, scored with the registry's champions (src/app/monitor.ts).
  const monitor = buildMonitor(core, app.store.db, app.incidents, championOf(app.models));
  let stopMonitor: (() => void) | undefined;
  let closed = false;
  return {
    monitor,
    async startChat() {
      startRecovery();
      for (const adapter of app.chat) await adapter.start();
      if (app.chat.length) notices.notify(Object.fromEntries(app.chat.map((a) => [a.platform, a.poster])));
      const { incidents, chat, store } = app;
      stopIncidentChannel = startIncidentChannel({
        core,
        chat,
        incidents,
        db: store.db,
        catalog,
        runbooks: app.runbooks,
      });
      app.drift.setTarget(incidentTarget(core.config, chat));
      // `serve` is where the monitor scans (MONITOR_INTERVAL); `chat` and tests start it on purpose.
      stopMonitor ??= monitor.start();
    },
    async startWorkers(workOptions = {}) {
      const control = { remediation: remediationProcessor(app.remediation), investigate };
      await core.startWorkers({ ...workOptions, control });
      startRecovery();
    },
    async close() {
      if (closed) return;
      closed = true;
      stopIncidentChannel?.();
      stopMonitor?.();
      await monitor.settled();
      notices.stopAll();
      await recovery?.stop();
      for (const adapter of app.chat) await adapter.stop();
      await core.close();
      app.store.close();
    },
  };
}
