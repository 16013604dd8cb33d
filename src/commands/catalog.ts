import { leastRoleWith, type Permission } from '../auth/permissions';
import type { Role } from '../auth/roles';
import type { IntentName } from '../intent/schema';

export interface CommandInfo {
  usage: string;
  summary: string;
  /** What running it needs (src/auth/permissions.ts); `minRole` is the least role that has it. */
  permission: Permission;
  minRole: Role;
  /** False for commands whose worker arrives in a later release; help lists them apart. */
  available: boolean;
}

function cmd(usage: string, summary: string, permission: Permission, available: boolean): CommandInfo {
  return { usage, summary, permission, minRole: leastRoleWith(permission), available };
}

/** One entry per intent: help text and the RBAC floor come from here and nowhere else. */
export const COMMANDS: Record<Exclude<IntentName, 'unknown'>, CommandInfo> = {
  help: cmd('help [topic]', 'what I can do', 'read', true),
  status: cmd('status [service]', 'golden signals and health of each service over the last hour', 'read', true),
  list_jobs: cmd('jobs', 'recent jobs and their state', 'read', true),
  job_status: cmd('job ID', 'one job in detail', 'read', true),
  cancel_job: cmd('cancel ID', 'cancel a queued or running job (yours, or any as operator)', 'read', true),
  detect_anomalies: cmd(
    'anomalies [service] [metric] [last 2h]',
    'find anomalies in the golden signals, with a chart',
    'read',
    true,
  ),
  investigate: cmd('investigate SERVICE [question]', 'look into a problem', 'read', false),
  remediate: cmd(
    'restart|rollback|clear_cache TARGET, scale TARGET N, runbook NAME on TARGET',
    'request a remediation (with plan and approval)',
    'remediation.request',
    true,
  ),
  approve: cmd('approve ID', 'approve a remediation request', 'remediation.approve', true),
  // `read`: an approver denies any request, a requester withdraws their own (the remediation service
  // decides, like cancel's owner check).
  deny: cmd('deny ID', 'deny a remediation request (or withdraw your own)', 'read', true),
  list_models: cmd('models', 'anomaly models and versions', 'read', true),
  train_model: cmd(
    'train [model] [service] [7d] [--trees N] [--seed N]',
    'train an anomaly model',
    'models.manage',
    true,
  ),
  promote_model: cmd('promote MODEL VERSION', 'serve a model version (with plan and approval)', 'models.manage', true),
  rollback_model: cmd(
    'rollback model MODEL',
    'serve the previous champion again (with plan and approval)',
    'models.manage',
    true,
  ),
  list_experiments: cmd(
    'experiments [model|service]',
    'every training run side by side: params, data, metrics',
    'read',
    true,
  ),
  show_model: cmd('model MODEL', "a model's versions, metrics, and its challenger in shadow", 'read', true),
  compare_models: cmd('compare MODEL A B', 'two versions of a model side by side', 'read', true),
  list_incidents: cmd('incidents [open|acked|resolved]', 'incidents from alerts', 'read', true),
  ack_incident: cmd('ack ID', 'acknowledge an incident', 'incidents.manage', true),
  resolve_incident: cmd('resolve ID', 'resolve an incident', 'incidents.manage', true),
  search_runbooks: cmd('runbooks QUERY', 'search the runbooks (ranked, with snippets)', 'read', true),
  freeze: cmd('freeze', 'stop all remediation execution', 'freeze', true),
  unfreeze: cmd('unfreeze', 'resume remediation execution', 'freeze', true),
  feedback: cmd(
    'feedback JOB|INCIDENT real|false_alarm',
    'label an anomaly or incident as real or a false alarm (feeds model evaluation)',
    'read',
    true,
  ),
};
