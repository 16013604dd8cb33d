import type { Clock } from '../clock';
import { asAppError } from '../errors';
import type { CheckedIntent, Intent, IntentName } from '../intent/schema';
import type { JobQueue } from '../queue/types';
import type { IncidentService } from '../incidents/service';
import type { NameOf } from '../identity/names';
import type { RemediationService } from '../remediation/service';
import { context, reply, text } from '../reply/model';
import type { MetricsSource } from '../sources/types';
import type { Jobs } from '../jobs/map';
import type { ChampionOf } from '../models/serving';
import type { FeedbackStore } from '../models/feedback';
import { COMMANDS } from './catalog';
import type { CommandContext, CommandOutcome } from './context';
import { helpReply, unknownReply } from './help';
import { cancelJob, jobStatus, listJobs } from './jobs';
import { requestAnomalies } from './anomalies';
import { decideIncident, listIncidents } from './incidents';
import { approveRemediation, denyRemediation, requestRemediation, setFreeze } from './remediation';
import { listModels, requestTraining, type ModelsView } from './models';
import { requestModelChange } from './model-requests';
import { showExperiments } from './experiments';
import { compareModels, showModel } from './model-detail';
import type { ModelDetailOf } from '../models/model-detail';
import { giveFeedback } from './feedback';
import { searchRunbooks } from './runbooks';
import type { RunbookSearch } from '../runbooks/types';
import { requestStatus } from './status';
import { requestInvestigation } from './investigate';
import { writePostmortem } from './postmortem';
import type { Postmortems } from '../investigate/postmortem/types';
import { checkIntent, type Verdict } from './validate';

export interface CommandDeps {
  queue: JobQueue<Jobs>;
  source: MetricsSource;
  clock: Clock;
  remediation: RemediationService;
  incidents: IncidentService;
  /** Principal ids as replies show them (identity/names.ts). */
  names: NameOf;
  /** The person a stored person id stands for now (identity.ts), for "one's own job". */
  personNow: (person: string) => string;
  /** A service's champion model for detection (the control plane's registry); none: the built-in detector. */
  championOf?: ChampionOf;
  /** The model registry, as the model commands read it. */
  models: ModelsView;
  /** One model in detail with its shadow comparison (src/models/model-detail.ts), for `model NAME`. */
  modelDetail?: ModelDetailOf;
  /** 👍/👎 labels with their series windows (src/models/feedback.ts). */
  feedback: FeedbackStore;
  /** The runbook knowledge base (src/runbooks/), for `runbooks QUERY`. */
  runbooks?: RunbookSearch;
  /** Postmortem drafts of incidents (src/investigate/postmortem/), for `postmortem INCIDENT`: control plane only. */
  postmortems?: Postmortems;
}

export interface Commands {
  /**
   * The one check (RBAC, catalog names, bounds, required slots), made once for every entry: chat
   * messages, buttons and REST calls. Its verdict is what `run` takes.
   */
  check(ctx: CommandContext, intent: Intent): Promise<Verdict>;
  /** What a verdict comes to: its refusal, a request for the missing slots, or the checked intent run. */
  run(ctx: CommandContext, verdict: Verdict, rawText?: string): Promise<CommandOutcome>;
  /** `check`, then `run`: for a caller with nothing to do in between. */
  handle(ctx: CommandContext, intent: Intent, rawText?: string): Promise<CommandOutcome>;
}

/** The shared command layer: one RBAC check and one behaviour, whatever the message came from. */
export function createCommands(deps: CommandDeps): Commands {
  const check = (ctx: CommandContext, intent: Intent) => checkIntent(ctx, intent, deps.source);
  const run = async (ctx: CommandContext, verdict: Verdict, rawText = ''): Promise<CommandOutcome> => {
    switch (verdict.kind) {
      case 'refused':
        return verdict.outcome;
      case 'incomplete':
        return incomplete(verdict.intent);
      case 'ready':
        try {
          return await dispatch(ctx, verdict.intent, rawText, deps);
        } catch (err) {
          return failed(ctx, verdict.intent.intent, err);
        }
    }
  };
  return { check, run, handle: (ctx, intent, rawText) => checkAndRun({ check, run }, ctx, intent, rawText) };
}

/** `check`, then `run` with its verdict; a check that throws (a source down) answers as a failed command. */
export async function checkAndRun(
  commands: Pick<Commands, 'check' | 'run'>,
  ctx: CommandContext,
  intent: Intent,
  rawText?: string,
): Promise<CommandOutcome> {
  let verdict: Verdict;
  try {
    verdict = await commands.check(ctx, intent);
  } catch (err) {
    return failed(ctx, intent.intent, err);
  }
  return commands.run(ctx, verdict, rawText);
}

/** A required slot is missing: say which, and the usage. */
function incomplete(intent: Intent): CommandOutcome {
  const usage = intent.intent === 'unknown' ? '' : COMMANDS[intent.intent].usage;
  return {
    outcome: 'invalid',
    reply: reply(
      'warning',
      text(`I need ${intent.missing.map((m) => m.replace('_', ' ')).join(' and ')} for that.`),
      context(`usage: ${usage}`),
    ),
  };
}

function failed(ctx: CommandContext, intent: IntentName, err: unknown): CommandOutcome {
  const e = asAppError(err);
  ctx.log.error('command failed', { intent, err: e });
  return {
    outcome: e.code === 'unavailable' ? 'unavailable' : 'error',
    reply: reply('error', text(e.userMessage)),
  };
}

async function dispatch(
  ctx: CommandContext,
  intent: CheckedIntent,
  rawText: string,
  deps: CommandDeps,
): Promise<CommandOutcome> {
  switch (intent.intent) {
    case 'help':
      return { outcome: 'replied', reply: helpReply(intent.slots.topic) };
    case 'status':
      return requestStatus(ctx, deps.queue, intent.slots.service);
    case 'list_jobs':
      return listJobs(deps.queue, deps.clock(), deps.names);
    case 'job_status':
      return jobStatus(deps.queue, intent.slots.job_id, deps.clock(), deps.names);
    case 'cancel_job':
      return cancelJob(ctx, deps, intent.slots.job_id);
    case 'detect_anomalies':
      return requestAnomalies(ctx, deps.queue, intent.slots, deps.championOf);
    case 'unknown':
      return { outcome: 'unknown', reply: unknownReply(rawText) };
    case 'remediate':
      return requestRemediation(ctx, deps.remediation, intent.slots);
    case 'approve':
      return approveRemediation(ctx, deps.remediation, intent.slots.request_id);
    case 'deny':
      return denyRemediation(ctx, deps.remediation, intent.slots.request_id);
    case 'freeze':
    case 'unfreeze':
      return setFreeze(ctx, deps.remediation, intent.intent === 'freeze');
    case 'list_incidents':
      return listIncidents(deps.incidents, intent.slots.status);
    case 'ack_incident':
      return decideIncident(ctx, deps.incidents, intent.slots.incident_id, 'ack');
    case 'resolve_incident':
      return decideIncident(ctx, deps.incidents, intent.slots.incident_id, 'resolve');
    case 'list_models':
      return listModels(deps.models);
    case 'train_model':
      return requestTraining(ctx, deps, intent.slots);
    case 'list_experiments':
      return showExperiments(deps, intent.slots);
    case 'show_model':
      return showModel(deps.modelDetail, intent.slots.model);
    case 'compare_models':
      return compareModels(deps.models, intent.slots);
    case 'feedback':
      return giveFeedback(ctx, deps, intent.slots);
    case 'promote_model':
      return requestModelChange(ctx, deps, 'promote_model', intent.slots);
    case 'rollback_model':
      return requestModelChange(ctx, deps, 'rollback_model', intent.slots);
    case 'search_runbooks':
      return searchRunbooks(deps.runbooks, intent.slots.query);
    case 'investigate':
      return requestInvestigation(ctx, deps, intent.slots, rawText);
    case 'postmortem':
      return writePostmortem(deps.postmortems, intent.slots.incident_id);
  }
}
