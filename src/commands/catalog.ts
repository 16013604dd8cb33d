import type { Role } from '../config/config';
import type { IntentName } from '../intent/schema';

export interface CommandInfo {
  usage: string;
  summary: string;
  /** Least role allowed to run it (DESIGN.md "Roles"). */
  minRole: Role;
  /** False for commands whose worker arrives in a later release; help lists them apart. */
  available: boolean;
}

/** One entry per intent: help text and the RBAC floor come from here and nowhere else. */
export const COMMANDS: Record<Exclude<IntentName, 'unknown'>, CommandInfo> = {
  help: { usage: 'help [topic]', summary: 'what I can do', minRole: 'viewer', available: true },
  status: { usage: 'status [service]', summary: 'golden signals and health of each service over the last hour', minRole: 'viewer', available: true },
  list_jobs: { usage: 'jobs', summary: 'recent jobs and their state', minRole: 'viewer', available: true },
  job_status: { usage: 'job ID', summary: 'one job in detail', minRole: 'viewer', available: true },
  cancel_job: { usage: 'cancel ID', summary: 'cancel a queued or running job (yours, or any as operator)', minRole: 'viewer', available: true },
  detect_anomalies: { usage: 'anomalies [service] [metric] [last 2h]', summary: 'find anomalies in the golden signals, with a chart', minRole: 'viewer', available: true },
  investigate: { usage: 'investigate SERVICE [question]', summary: 'look into a problem', minRole: 'viewer', available: false },
  remediate: { usage: 'restart|scale|rollback|clear_cache|runbook TARGET …', summary: 'request a remediation (with plan and approval)', minRole: 'operator', available: false },
  approve: { usage: 'approve ID', summary: 'approve a remediation request', minRole: 'approver', available: false },
  deny: { usage: 'deny ID', summary: 'deny a remediation request', minRole: 'approver', available: false },
  list_models: { usage: 'models', summary: 'anomaly models and versions', minRole: 'viewer', available: false },
  train_model: { usage: 'train [model] [service]', summary: 'train an anomaly model', minRole: 'operator', available: false },
  promote_model: { usage: 'promote MODEL VERSION', summary: 'serve a model version', minRole: 'operator', available: false },
  rollback_model: { usage: 'rollback model MODEL', summary: 'serve the previous model version', minRole: 'operator', available: false },
  list_incidents: { usage: 'incidents [open|acked|resolved]', summary: 'incidents from alerts', minRole: 'viewer', available: false },
  ack_incident: { usage: 'ack ID', summary: 'acknowledge an incident', minRole: 'operator', available: false },
  resolve_incident: { usage: 'resolve ID', summary: 'resolve an incident', minRole: 'operator', available: false },
  search_runbooks: { usage: 'runbooks QUERY', summary: 'search runbooks', minRole: 'viewer', available: false },
  freeze: { usage: 'freeze', summary: 'stop all remediation execution', minRole: 'admin', available: false },
  unfreeze: { usage: 'unfreeze', summary: 'resume remediation execution', minRole: 'admin', available: false },
};
