import { z } from 'zod';
import { AppError } from '../errors';
import { ACTIONS, isModelAction, MODEL_ACTIONS, type ActionName, type Binding, type ModelAction } from './types';

/**
 * The action catalog (config file `actions:`, validated at start-up): for each action, its
 * executor, parameter bounds, risk, whether and by how many it must be approved, the cooldown per
 * target and the most executions per hour; per target, what the executor acts on (`targets`,
 * with `default` for the rest). Without a config file the demo fleet's catalog applies.
 */
const executorBinding = z.discriminatedUnion('kind', [
  z.strictObject({
    kind: z.literal('kubernetes'),
    namespace: z.string().min(1).default('default'),
    deployment: z.string().min(1).optional(),
    rolloutTimeoutMs: z.number().int().positive().max(3_600_000).default(300_000),
  }),
  z.strictObject({
    kind: z.literal('shell'),
    script: z.string().min(1),
    args: z.array(z.string()).default(['{target}']),
    timeoutMs: z.number().int().positive().max(3_600_000).default(60_000),
    maxOutputBytes: z.number().int().positive().max(1_048_576).default(16_384),
  }),
  z.strictObject({
    kind: z.literal('webhook'),
    method: z.enum(['POST', 'PUT']).default('POST'),
    url: z.url({ protocol: /^https?$/ }),
    body: z.string().default('{"target":"{target}"}'),
    secret: z.string().min(16).optional(),
    timeoutMs: z.number().int().positive().max(120_000).default(10_000),
    retries: z.number().int().min(0).max(5).default(2),
  }),
  z.strictObject({ kind: z.literal('demo') }),
  z.strictObject({ kind: z.literal('model') }),
]);
type BindingSpec = z.infer<typeof executorBinding>;

const actionSchema = z.strictObject({
  risk: z.enum(['low', 'medium', 'high']),
  /** The least role that may request it (operators by default; e.g. approver for a rollback). */
  requestRole: z.enum(['operator', 'approver', 'admin']).default('operator'),
  /** Approvals needed before it runs (0 = none); approvers need `remediation.approve` and are never the requester. */
  approvals: z.number().int().min(0).max(5),
  cooldownS: z.number().int().min(0).max(86_400).default(300),
  maxPerHour: z.number().int().positive().max(1000).default(6),
  replicas: z.strictObject({ min: z.number().int().min(0), max: z.number().int().max(1000) }).optional(),
  targets: z
    .record(z.string(), executorBinding)
    .refine((t) => Object.keys(t).length > 0, 'name at least one target, or `default`'),
});

export const actionCatalogShape = {
  actions: z.partialRecord(z.enum(ACTIONS), actionSchema).optional(),
  /** Minutes an approval request stays open. */
  approvalTtlMin: z
    .number()
    .int()
    .positive()
    .max(24 * 60)
    .optional(),
};

export interface ActionSpec {
  action: ActionName;
  risk: 'low' | 'medium' | 'high';
  requestRole: 'operator' | 'approver' | 'admin';
  approvals: number;
  cooldownS: number;
  maxPerHour: number;
  replicas?: { min: number; max: number };
}

export interface ActionCatalog {
  approvalTtlMs: number;
  /** The action's rules, or an AppError naming the configured actions. */
  spec(action: ActionName): ActionSpec;
  /** What the executor acts on for this target, or an AppError when the target is not covered. */
  binding(action: ActionName, target: string): Binding;
  actions(): ActionName[];
}

/**
 * Promote and rollback of a model (issue 15 point 5): they change what pages people, so one
 * approver; a config file's `actions:` may set them, and gets these when it does not.
 */
export const MODEL_ACTION_DEFAULTS: Record<ModelAction, z.input<typeof actionSchema>> = {
  promote_model: { risk: 'high', approvals: 1, cooldownS: 60, maxPerHour: 6, targets: { default: { kind: 'model' } } },
  rollback_model: { risk: 'high', approvals: 1, cooldownS: 60, maxPerHour: 6, targets: { default: { kind: 'model' } } },
};

/** The demo fleet's catalog: every action on the simulation; the risky ones need one approver. */
export const DEMO_ACTIONS: Record<ActionName, z.input<typeof actionSchema>> = {
  ...MODEL_ACTION_DEFAULTS,
  restart: { risk: 'medium', approvals: 1, cooldownS: 300, maxPerHour: 6, targets: { default: { kind: 'demo' } } },
  scale: {
    risk: 'low',
    approvals: 0,
    cooldownS: 60,
    maxPerHour: 12,
    replicas: { min: 1, max: 50 },
    targets: { default: { kind: 'demo' } },
  },
  rollback: { risk: 'high', approvals: 1, cooldownS: 600, maxPerHour: 3, targets: { default: { kind: 'demo' } } },
  clear_cache: { risk: 'low', approvals: 0, cooldownS: 60, maxPerHour: 12, targets: { default: { kind: 'demo' } } },
  runbook: {
    risk: 'high',
    approvals: 1,
    cooldownS: 300,
    maxPerHour: 6,
    targets: { default: { kind: 'shell', script: '{runbook}.sh', args: ['{target}'] } },
  },
};

export function buildActionCatalog(file: { actions?: unknown; approvalTtlMin?: number } = {}): ActionCatalog {
  const parsed = z
    .partialRecord(z.enum(ACTIONS), actionSchema)
    .superRefine(modelBindingsOnly)
    .safeParse(file.actions ?? DEMO_ACTIONS);
  if (!parsed.success) {
    throw new AppError(
      'config_invalid',
      `CONFIG_FILE actions: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`,
    );
  }
  const actions = { ...defaultModelActions(), ...parsed.data };
  const approvalTtlMs = (file.approvalTtlMin ?? 15) * 60_000;
  const configured = () => Object.keys(actions) as ActionName[];
  const get = (action: ActionName) => {
    const a = actions[action];
    if (!a)
      throw new AppError(
        'bad_request',
        `The action catalog has no “${action}”; configured: ${configured().join(', ')}.`,
      );
    return a;
  };
  return {
    approvalTtlMs,
    actions: configured,
    spec(action) {
      const a = get(action);
      return {
        action,
        risk: a.risk,
        requestRole: a.requestRole,
        approvals: a.approvals,
        cooldownS: a.cooldownS,
        maxPerHour: a.maxPerHour,
        ...(a.replicas ? { replicas: a.replicas } : {}),
      };
    },
    binding(action, target) {
      const a = get(action);
      const spec: BindingSpec | undefined = a.targets[target] ?? a.targets.default;
      if (!spec)
        throw new AppError(
          'bad_request',
          `“${action}” is not configured for ${target}; it covers ${Object.keys(a.targets).join(', ')}.`,
        );
      return spec.kind === 'kubernetes' ? { ...spec, deployment: spec.deployment ?? target } : (spec as Binding);
    },
  };
}

/** The model actions' defaults, parsed (a catalog that does not configure them gets these). */
function defaultModelActions() {
  return z.partialRecord(z.enum(ACTIONS), actionSchema).parse(MODEL_ACTION_DEFAULTS);
}

/** A model action runs only on the `model` executor, and the `model` executor only runs model actions. */
function modelBindingsOnly(
  actions: Partial<Record<ActionName, { targets: Record<string, BindingSpec> }>>,
  ctx: z.RefinementCtx,
) {
  for (const [action, spec] of Object.entries(actions)) {
    for (const [target, binding] of Object.entries(spec?.targets ?? {})) {
      const model = isModelAction(action);
      if (model !== (binding.kind === 'model')) {
        ctx.addIssue({
          code: 'custom',
          path: [action, 'targets', target, 'kind'],
          message: model
            ? `${action} acts on the model registry: its executor is \`model\`, not ${binding.kind}`
            : `the \`model\` executor only runs ${MODEL_ACTIONS.join(' and ')}, not ${action}`,
        });
      }
    }
  }
}
