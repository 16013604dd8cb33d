import { createWebhookExecutor } from '../../src/remediation/executors/webhook';
import type { ServiceAction } from '../../src/remediation/types';
import { startReceiver } from '../helpers/webhook-receiver';
import { executorContract } from './executor.contract';

/** The JSON body template of each action, as a job runner would take it. */
const BODIES: Record<ServiceAction, Record<string, unknown>> = {
  restart: { action: 'restart', service: '{target}' },
  scale: { action: 'scale', service: '{target}', replicas: '{replicas}' },
  rollback: { action: 'rollback', service: '{target}' },
  clear_cache: { action: 'clear-cache', service: '{target}', zone: '{param.zone}' },
  runbook: { action: '{runbook}', service: '{target}' },
};

executorContract(
  'webhook (local HTTP receiver)',
  async () => {
    const receiver = await startReceiver();
    return {
      executor: createWebhookExecutor(),
      target: 'checkout-api',
      binding: (action) => ({
        kind: 'webhook',
        method: 'POST',
        url: `${receiver.url}/hooks/${action}`,
        body: JSON.stringify(BODIES[action]),
        secret: 'contract-secret',
        timeoutMs: 5000,
        retries: 0,
      }),
      // Each request as the plan writes it: method, URL, body.
      effects: () => receiver.requests.map((r) => `${r.method} ${receiver.url}${r.url} ${r.body}`),
      reached: () => receiver.requests.length,
      stall: () => receiver.respond(() => ({ hang: true })),
      close: () => receiver.close(),
    };
  },
  {
    kind: 'webhook',
    refuses: [],
    verify: false,
    readsBeforeChecking: false,
    templatesParams: true,
    atomic: false,
  },
);
