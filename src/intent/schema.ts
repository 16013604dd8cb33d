import { z } from 'zod';

/**
 * The intent contract (DESIGN.md "Intent contract"), validated at the boundary. Required slots
 * are optional here on purpose: a clear intent with a required slot missing still parses, with
 * the slot named in `missing`, so the bot can ask for it.
 */
const name = z.string().regex(/^[a-z0-9][a-z0-9._-]*$/, 'lower-case name');
const id = z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._:-]*$/, 'an id without a leading #');
const seconds = z.number().int().positive();
/** Forest parameters a training may change from the defaults (ModelParams, src/models/train.ts). */
const trainParams = z.strictObject({
  trees: z.number().int().positive().optional(),
  sampleSize: z.number().int().positive().optional(),
  window: z.number().int().positive().optional(),
});

const base = {
  confidence: z.number().min(0).max(1),
  missing: z.array(z.string()),
  source: z.enum(['rules', 'llm']),
};

function intent<N extends string, S extends z.ZodRawShape>(intentName: N, slots: S) {
  return z.object({ intent: z.literal(intentName), slots: z.object(slots).strict(), ...base });
}

export const REMEDIATION_ACTIONS = ['restart', 'scale', 'rollback', 'clear_cache', 'runbook'] as const;
/** 👍/👎 labels (src/models/feedback.ts): `real` and `false_alarm` feed model evaluation, the others are kept. */
export const FEEDBACK_LABEL_NAMES = ['real', 'false_alarm', 'helpful', 'wrong'] as const;

export const intentSchema = z.discriminatedUnion('intent', [
  intent('help', { topic: z.string().optional() }),
  intent('status', { service: name.optional() }),
  intent('detect_anomalies', { service: name.optional(), metric: z.string().optional(), window_s: seconds.optional() }),
  intent('investigate', { service: name.optional(), question: z.string().optional() }),
  intent('remediate', {
    action: z.enum(REMEDIATION_ACTIONS).optional(),
    target: name.optional(),
    replicas: z.number().int().optional(),
    runbook: name.optional(),
    dry_run: z.boolean().optional(),
  }),
  intent('approve', { request_id: id.optional() }),
  intent('deny', { request_id: id.optional() }),
  intent('list_jobs', {}),
  intent('job_status', { job_id: id.optional() }),
  intent('cancel_job', { job_id: id.optional() }),
  intent('list_models', {}),
  intent('train_model', {
    model: name.optional(),
    service: name.optional(),
    window_s: seconds.optional(),
    // Extensions of DESIGN.md's train_model slots: forest parameters and seed (`--trees 200 --seed 7`);
    // their bounds are the command layer's (src/models/train.ts resolveParams).
    params: trainParams.optional(),
    seed: z.number().int().nonnegative().optional(),
  }),
  intent('promote_model', { model: name.optional(), version: z.number().int().optional() }),
  intent('rollback_model', { model: name.optional() }),
  intent('show_model', { model: name.optional() }),
  intent('compare_models', {
    model: name.optional(),
    version_a: z.number().int().optional(),
    version_b: z.number().int().optional(),
  }),
  intent('list_incidents', { status: z.string().optional() }),
  intent('ack_incident', { incident_id: id.optional() }),
  intent('resolve_incident', { incident_id: id.optional() }),
  // Issue 16 point 8: a postmortem draft of an incident (timeline, impact, root cause, actions, follow-ups).
  intent('postmortem', { incident_id: id.optional() }),
  intent('search_runbooks', { query: z.string().optional() }),
  intent('freeze', {}),
  intent('unfreeze', {}),
  intent('list_experiments', { model: name.optional(), service: name.optional() }),
  // target: `job:<id>`, `incident:<id>`, or a bare job or incident id (src/commands/feedback.ts resolves it)
  intent('feedback', { target: id.optional(), label: z.enum(FEEDBACK_LABEL_NAMES).optional() }),
  intent('unknown', {}),
]);

export type Intent = z.infer<typeof intentSchema>;
export type IntentName = Intent['intent'];
export type IntentOf<N extends IntentName> = Extract<Intent, { intent: N }>;
export type SlotsOf<N extends IntentName> = IntentOf<N>['slots'];

export const INTENT_NAMES = intentSchema.options.map((o) => o.shape.intent.value) as IntentName[];

/** Slots the command cannot run without (DESIGN.md: the ones without `?`). */
export const REQUIRED_SLOTS = {
  help: [],
  status: [],
  detect_anomalies: [],
  investigate: [],
  remediate: ['action', 'target'],
  approve: ['request_id'],
  deny: ['request_id'],
  list_jobs: [],
  job_status: ['job_id'],
  cancel_job: ['job_id'],
  list_models: [],
  train_model: [],
  promote_model: ['model', 'version'],
  rollback_model: ['model'],
  show_model: ['model'],
  compare_models: ['model', 'version_a', 'version_b'],
  list_incidents: [],
  ack_incident: ['incident_id'],
  resolve_incident: ['incident_id'],
  postmortem: ['incident_id'],
  search_runbooks: ['query'],
  freeze: [],
  unfreeze: [],
  list_experiments: [],
  feedback: ['target', 'label'],
  unknown: [],
} as const satisfies { [N in IntentName]: ReadonlyArray<keyof SlotsOf<N> & string> };

/** The slots intent `N` cannot run without, by name. */
export type RequiredSlot<N extends IntentName> = Extract<(typeof REQUIRED_SLOTS)[N][number], keyof SlotsOf<N>>;

/** `N`'s slots with the required ones typed as present. */
export type CompleteSlots<N extends IntentName> = SlotsOf<N> & {
  [K in RequiredSlot<N>]-?: NonNullable<SlotsOf<N>[K]>;
};

declare const checked: unique symbol;

/**
 * An intent the command layer checked (src/commands/validate.ts: RBAC, catalog names, bounds) and
 * found complete (`missing` empty): its required slots are typed as present. Only that check makes
 * one, so a handler that takes a CheckedIntent cannot run an intent nobody checked.
 */
export type CheckedIntent<N extends IntentName = IntentName> = N extends IntentName
  ? Omit<IntentOf<N>, 'slots' | 'missing'> & { slots: CompleteSlots<N>; missing: []; readonly [checked]: true }
  : never;

/** Slots a remediation needs for its action: a scale needs a size, a runbook its name. */
const ACTION_SLOTS: Record<string, readonly string[]> = { scale: ['replicas'], runbook: ['runbook'] };

/** Build a validated intent; `missing` is derived from the required slots that are absent. */
export function makeIntent<N extends IntentName>(
  intentName: N,
  slots: SlotsOf<N>,
  confidence: number,
  source: 'rules' | 'llm' = 'rules',
): IntentOf<N> {
  const present = slots as Record<string, unknown>;
  const required = [
    ...(REQUIRED_SLOTS[intentName] as readonly string[]),
    ...(intentName === 'remediate' ? (ACTION_SLOTS[String(present.action)] ?? []) : []),
  ];
  const missing = required.filter((s) => present[s] === undefined);
  return intentSchema.parse({ intent: intentName, slots, confidence, missing, source }) as IntentOf<N>;
}
