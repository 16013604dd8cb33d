/**
 * Remediation: the executor port and the shapes that cross it. A request is planned (dry run:
 * exactly what would be called, current -> desired state, blast radius), checked, approved when
 * required, executed once and verified; each executor (Kubernetes, shell runbook, HTTP webhook,
 * demo fleet) implements the same port.
 */
/** Actions on a service of the services catalog. */
export const SERVICE_ACTIONS = ['restart', 'scale', 'rollback', 'clear_cache', 'runbook'] as const;
export type ServiceAction = (typeof SERVICE_ACTIONS)[number];
/**
 * Actions on a model of the registry (issue 15 point 5): the target is the model's name, never a
 * service, and the executor the `model` one (src/models/promotion/). Only the model commands ask for them.
 */
export const MODEL_ACTIONS = ['promote_model', 'rollback_model'] as const;
export type ModelAction = (typeof MODEL_ACTIONS)[number];
export const isModelAction = (action: string): action is ModelAction =>
  (MODEL_ACTIONS as readonly string[]).includes(action);
export const ACTIONS = [...SERVICE_ACTIONS, ...MODEL_ACTIONS] as const;
export type ActionName = (typeof ACTIONS)[number];

/** Where a remediation request is in its life (remediation/store.ts keeps it). */
export type RequestState =
  'planned' | 'pending_approval' | 'approved' | 'executing' | 'succeeded' | 'failed' | 'denied' | 'expired' | 'unknown';

export interface RemediationRequest {
  /** The idempotency key: one request runs at most once. */
  id: string;
  action: ActionName;
  /** A service from the services catalog; a model's name for the model actions. */
  target: string;
  /** Validated against the action's parameter schema before any executor sees them. */
  params: { replicas?: number; runbook?: string; [name: string]: string | number | boolean | undefined };
  requestedBy: string;
}

export interface Plan {
  executor: ExecutorKind;
  /**
   * Exactly what will be called, one line each
   * (e.g. `PATCH /apis/apps/v1/namespaces/shop/deployments/checkout-api …`).
   */
  calls: string[];
  current: Record<string, unknown>;
  desired: Record<string, unknown>;
  /** Who or what is affected, in words (e.g. "3 pods of checkout-api in shop restart one by one"). */
  blastRadius: string;
}

export interface ExecutionResult {
  ok: boolean;
  /** One sentence for the chat reply: what changed. */
  summary: string;
  detail?: Record<string, unknown>;
}

export interface VerifyResult {
  ok: boolean;
  summary: string;
}

export type ExecutorKind = 'kubernetes' | 'shell' | 'webhook' | 'demo' | 'model';

/** Per-action, per-target settings from the action catalog: what the executor acts on and how. */
export type Binding =
  | { kind: 'kubernetes'; namespace: string; deployment: string; rolloutTimeoutMs: number }
  | { kind: 'shell'; script: string; args: string[]; timeoutMs: number; maxOutputBytes: number }
  | {
      kind: 'webhook';
      method: 'POST' | 'PUT';
      url: string;
      body: string;
      secret?: string;
      timeoutMs: number;
      retries: number;
    }
  | { kind: 'demo' }
  | { kind: 'model' };

export interface ExecuteOptions {
  signal: AbortSignal;
  /** Live progress for the chat message ("rollout: 2/3 pods updated"). */
  progress(message: string): void;
}

/**
 * One executor. `plan` never changes anything. `execute` is called at most once per request id
 * (the flow guarantees it); it should still be safe to call twice where the far side allows
 * (e.g. the same restartedAt value). `verify` checks the outcome (rollout status, recovery).
 */
export interface Executor {
  readonly kind: ExecutorKind;
  plan(request: RemediationRequest, binding: Binding): Promise<Plan>;
  execute(request: RemediationRequest, binding: Binding, options: ExecuteOptions): Promise<ExecutionResult>;
  verify?(request: RemediationRequest, binding: Binding, options: ExecuteOptions): Promise<VerifyResult>;
}
