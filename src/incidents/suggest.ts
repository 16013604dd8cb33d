import type { ActionCatalog } from '../remediation/catalog';
import type { ActionName, ServiceAction } from '../remediation/types';

/**
 * Whether a suggested command (`rollback payments`, `scale checkout-api 4`) is an action the
 * catalog has for its service: an incident's thread offers only those as buttons, and pressing one
 * goes through the same checks, plan and approvals as typing it.
 */
export function offeredByCatalog(command: string, catalog: ActionCatalog): boolean {
  const m = /^(restart|rollback|scale|clear_cache)\s+([a-z0-9._-]+)\b/.exec(command);
  return m !== null && covers(catalog, m[1] as ServiceAction, m[2]);
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
