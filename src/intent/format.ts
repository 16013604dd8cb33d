import type { Intent } from './schema';

/**
 * The exact slash command for an intent: what the bot echoes back before acting on natural
 * language, and what a button runs. Parsing it again gives the same intent.
 */
export function toCommand(intent: Intent): string {
  const parts = ['/ops'];
  switch (intent.intent) {
    case 'remediate': {
      const s = intent.slots;
      parts.push(s.action ?? 'remediate');
      // runbooks/README.md's form: `runbook NAME on SERVICE`
      if (s.action === 'runbook' && s.runbook) parts.push(s.runbook, ...(s.target ? ['on'] : []));
      if (s.target) parts.push(s.target);
      if (s.replicas !== undefined) parts.push(String(s.replicas));
      if (s.dry_run) parts.push('--dry-run');
      break;
    }
    case 'help':
      parts.push('help', ...(intent.slots.topic ? [intent.slots.topic] : []));
      break;
    case 'status':
      parts.push('status', ...(intent.slots.service ? [intent.slots.service] : []));
      break;
    case 'job_status':
      parts.push('job', intent.slots.job_id ?? '');
      break;
    case 'cancel_job':
      parts.push('cancel', intent.slots.job_id ?? '');
      break;
    case 'list_jobs':
      parts.push('jobs');
      break;
    default:
      parts.push(intent.intent.replace('_', '-'), ...Object.values(intent.slots).map(String));
  }
  return parts.filter(Boolean).join(' ');
}
