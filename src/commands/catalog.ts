import { leastRoleWith, type Permission } from '../auth/permissions';
import type { Role } from '../auth/roles';
import type { IntentName } from '../intent/schema';

export interface CommandInfo {
  usage: string;
  summary: string;
  /** What running it needs (src/auth/permissions.ts); `minRole` is the least role that has it. */
  permission: Permission;
  minRole: Role;
}

function cmd(usage: string, summary: string, permission: Permission): CommandInfo {
  return { usage, summary, permission, minRole: leastRoleWith(permission) };
}

/** One entry per intent: help text and the RBAC floor come from here and nowhere else. */
export const COMMANDS: Record<Exclude<IntentName, 'unknown'>, CommandInfo> = {
  help: cmd('help [topic]', 'what I can do', 'read'),
  status: cmd('status [service]', 'golden signals and health of each service over the last hour', 'read'),
  list_jobs: cmd('jobs', 'recent jobs and their state', 'read'),
  job_status: cmd('job ID', 'one job in detail', 'read'),
  cancel_job: cmd('cancel ID', 'cancel a queued or running job (yours, or any as operator)', 'read'),
  detect_anomalies: cmd(
    'anomalies [service] [metric] [last 2h]',
    'find anomalies in the golden signals, with a chart',
    'read',
  ),
  investigate: cmd(
    'investigate [SERVICE|incident ID] [question]',
    'find the root cause: signals along the dependency graph, changes, incidents (read-only, with evidence)',
    'read',
  ),
  remediate: cmd(
    'restart|rollback|clear_cache TARGET, scale TARGET N, runbook NAME on TARGET',
    'request a remediation (with plan and approval)',
    'remediation.request',
  ),
  approve: cmd('approve ID', 'approve a remediation request', 'remediation.approve'),
  // `read`: an approver denies any request, a requester withdraws their own (the remediation service
  // decides, like cancel's owner check).
  deny: cmd('deny ID', 'deny a remediation request (or withdraw your own)', 'read'),
  list_models: cmd('models', 'anomaly models and versions', 'read'),
  train_model: cmd('train [model] [service] [7d] [--trees N] [--seed N]', 'train an anomaly model', 'models.manage'),
  promote_model: cmd('promote MODEL VERSION', 'serve a model version (with plan and approval)', 'models.manage'),
  rollback_model: cmd(
    'rollback model MODEL',
    'serve the previous champion again (with plan and approval)',
    'models.manage',
  ),
  list_experiments: cmd(
    'experiments [model|service]',
    'every training run side by side: params, data, metrics',
    'read',
  ),
  show_model: cmd('model MODEL', "a model's versions, metrics, and its challenger in shadow", 'read'),
  compare_models: cmd('compare MODEL A B', 'two versions of a model side by side', 'read'),
  list_incidents: cmd('incidents [open|acked|resolved]', 'incidents from alerts', 'read'),
  ack_incident: cmd('ack ID', 'acknowledge an incident', 'incidents.manage'),
  resolve_incident: cmd('resolve ID', 'resolve an incident', 'incidents.manage'),
  postmortem: cmd(
    'postmortem INCIDENT',
    "draft an incident's postmortem: timeline, impact, root cause, actions and who took them, follow-ups",
    'read',
  ),
  search_runbooks: cmd('runbooks QUERY', 'search the runbooks (ranked, with snippets)', 'read'),
  freeze: cmd('freeze', 'stop all remediation execution', 'freeze'),
  unfreeze: cmd('unfreeze', 'resume remediation execution', 'freeze'),
  feedback: cmd(
    'feedback JOB|INCIDENT real|false_alarm',
    'label an anomaly or incident as real or a false alarm (feeds model evaluation)',
    'read',
  ),
};
