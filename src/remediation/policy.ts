/** The remediation policy: freeze, breaker, cooldown and hourly limit (RBAC is the command layer's). */
import type { RemediationDeps } from './service-types';
import type { ActionName } from './types';

/** Why policy refuses the action now, or undefined. */
export function policyRefusal(d: RemediationDeps, action: ActionName, target: string): string | undefined {
  const { store, catalog, clock } = d;
  const frozen = store.frozen();
  if (frozen) return `Remediation is frozen (by ${frozen.by}); an admin can \`unfreeze\`.`;
  const breaker = store.breaker(action, target);
  if (breaker.openedAt !== null)
    return (
      `The breaker for ${action} on ${target} is open after ${breaker.failures} failures in a row; ` +
      'an admin must reset it.'
    );
  const spec = catalog.spec(action);
  const now = clock();
  const last = store.lastRunAt(action, target);
  if (last !== null && now - last < spec.cooldownS * 1000)
    return `${action} ran on ${target} ${Math.round((now - last) / 1000)} s ago; its cooldown is ${spec.cooldownS} s.`;
  if (store.runsSince(action, target, now - 3_600_000) >= spec.maxPerHour)
    return `${action} on ${target} already ran ${spec.maxPerHour} times in the last hour (the limit).`;
  return undefined;
}
