import type { ActionCatalog } from '../remediation/catalog';
import type { ActionName, ServiceAction } from '../remediation/types';
import type { Button } from '../reply/model';
import type { Signal } from '../sources/types';
import type { AnomaliesJobResult } from '../jobs/map';

/** What usually helps when a golden signal goes wrong (the on-call rule of thumb, not magic). */
const REMEDY: Record<Signal, { action: ServiceAction; why: string }> = {
  memory: { action: 'restart', why: 'memory' },
  cpu: { action: 'scale', why: 'CPU' },
  latency_p50: { action: 'scale', why: 'latency' },
  latency_p99: { action: 'scale', why: 'latency' },
  request_rate: { action: 'scale', why: 'traffic' },
  error_rate: { action: 'rollback', why: 'errors' },
};

const LABEL: Record<ServiceAction, string> = {
  restart: 'Restart',
  scale: 'Scale',
  rollback: 'Roll back',
  clear_cache: 'Clear cache',
  runbook: 'Run runbook',
};

/**
 * Remediations worth offering for an incident's service, from what its analysis found: most
 * anomalous signal first, one button per action, only actions the catalog has for the service.
 * Each button is the exact command, so pressing it goes through the same checks, plan and
 * approvals as typing it.
 */
export function suggestRemediations(service: string, result: AnomaliesJobResult, catalog: ActionCatalog): Button[] {
  const offered = new Set<ServiceAction>();
  const out: Button[] = [];
  const findings = result.findings
    .filter((f) => f.anomalous && f.service === service)
    .sort((a, b) => b.maxScore - a.maxScore);
  for (const f of findings) {
    const remedy = REMEDY[f.signal];
    if (offered.has(remedy.action) || !covers(catalog, remedy.action, service)) continue;
    offered.add(remedy.action);
    out.push({
      label: `${LABEL[remedy.action]} ${service} (${remedy.why})`,
      command: `/ops ${remedy.action} ${service}`,
      ...(out.length === 0 ? { style: 'primary' as const } : {}),
    });
  }
  return out;
}

function covers(catalog: ActionCatalog, action: ActionName, service: string): boolean {
  if (!catalog.actions().includes(action)) return false;
  try {
    catalog.binding(action, service);
    return true;
  } catch {
    return false;
  }
}
