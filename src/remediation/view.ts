import { z } from 'zod';
import type { StoredRequest } from './store';
import { ACTIONS } from './types';

/**
 * A remediation request as REST answers it (DESIGN.md, `GET /api/v1/remediations/:id`): plain
 * JSON a program can use. People appear as `{id, name, email?}`, where `id` is the person
 * (`user:ID` whatever credential or chat link they used, else the chat id) and stays stable.
 */

export const REMEDIATION_STATES = [
  'planned',
  'pending_approval',
  'approved',
  'executing',
  'succeeded',
  'failed',
  'denied',
  'expired',
  'unknown',
] as const;

/** What is known about a person id: their current name and email, when they are a user. */
export type People = (person: string) => { name: string; email?: string } | undefined;

const personSchema = z.object({
  id: z.string().describe('`user:ID` for a user (whatever credential or chat link they used), else the chat id'),
  name: z.string(),
  email: z.string().optional(),
});

export const planSchema = z.object({
  executor: z.string(),
  calls: z.array(z.string()).describe('exactly what will be called'),
  current: z.record(z.string(), z.unknown()),
  desired: z.record(z.string(), z.unknown()),
  blast_radius: z.string(),
});

export const remediationSchema = z
  .object({
    id: z.string(),
    action: z.enum(ACTIONS),
    target: z.string(),
    params: z.record(z.string(), z.unknown()),
    state: z.enum(REMEDIATION_STATES).describe('`planned` is a dry run: nothing will run'),
    requested_by: personSchema,
    approvals_needed: z.number().int(),
    approvals: z.array(z.object({ user: personSchema, at: z.string() })),
    plan: planSchema,
    created_at: z.string(),
    expires_at: z.string().describe('pending requests expire then'),
    started_at: z.string().nullable(),
    finished_at: z.string().nullable(),
    result: z
      .object({
        ok: z.boolean(),
        summary: z.string(),
        verified: z.object({ ok: z.boolean(), summary: z.string() }).optional(),
      })
      .nullable(),
  })
  .meta({ title: 'Remediation' });

export type RemediationJson = z.infer<typeof remediationSchema>;

const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());

export function planJson(plan: StoredRequest['plan']): z.infer<typeof planSchema> {
  return {
    executor: plan.executor,
    calls: plan.calls,
    current: plan.current,
    desired: plan.desired,
    blast_radius: plan.blastRadius,
  };
}

export function remediationJson(
  r: StoredRequest,
  approvals: Array<{ person: string; name: string; at: number }>,
  people: People,
): RemediationJson {
  const who = (id: string, fallback: string) => {
    const known = people(id);
    return { id, name: known?.name ?? fallback, ...(known?.email ? { email: known.email } : {}) };
  };
  return {
    id: r.id,
    action: r.action,
    target: r.target,
    params: Object.fromEntries(Object.entries(r.params).filter(([, v]) => v !== undefined)),
    state: r.state,
    requested_by: who(r.requestedBy, r.requestedBy.replace(/^[a-z]+:/, '')),
    approvals_needed: r.approvalsNeeded,
    approvals: approvals.map((a) => ({ user: who(a.person, a.name), at: new Date(a.at).toISOString() })),
    plan: planJson(r.plan),
    created_at: new Date(r.createdAt).toISOString(),
    expires_at: new Date(r.expiresAt).toISOString(),
    started_at: iso(r.startedAt),
    finished_at: iso(r.finishedAt),
    result: r.result
      ? { ok: r.result.ok, summary: r.result.summary, ...(r.result.verified ? { verified: r.result.verified } : {}) }
      : null,
  };
}
