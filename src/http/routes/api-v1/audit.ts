import { z } from 'zod';
import type { AuditLog } from '../../../audit/types';
import { defineRoute, errorSchema, type ApiRoute } from '../../route';

const auditEntry = z.object({
  seq: z.number().int(),
  at: z.string(),
  actor: z.string(),
  action: z.string(),
  outcome: z.enum(['ok', 'denied', 'failed']),
  target: z.string().nullable(),
  ip: z.string().nullable(),
  detail: z.record(z.string(), z.unknown()),
  hash: z.string(),
});

/** The audit log, newest first; reads the log directly (no command: nothing to run, only `audit.read` to check). */
export function auditRoute(audit: AuditLog): ApiRoute {
  return defineRoute({
    method: 'GET',
    url: '/api/v1/audit',
    tag: 'audit',
    summary: 'The audit log, newest first',
    description: 'Page with `before` = the smallest `seq` of the previous page (`next_before`).',
    access: { permission: 'audit.read', by: 'route' },
    query: z.strictObject({
      limit: z.coerce
        .number({ error: 'expected a whole number' })
        .int('expected a whole number')
        .min(1, 'at least 1')
        .max(500, 'at most 500')
        .optional()
        .describe('entries per page (default 50)'),
      before: z.coerce
        .number({ error: 'expected a whole number' })
        .int('expected a whole number')
        .min(1, 'at least 1')
        .optional()
        .describe('only entries with a smaller seq'),
      actor: z
        .string()
        .min(1)
        .max(200, 'at most 200 characters')
        .optional()
        .describe('e.g. user:ID, apikey:ID, anonymous'),
      action: z
        .string()
        .regex(/^[a-z0-9_.]{1,64}$/, 'a dotted action, e.g. auth.login')
        .optional(),
    }),
    responses: {
      200: {
        description: 'entries',
        schema: z.object({ entries: z.array(auditEntry), next_before: z.number().int().nullable() }),
      },
      403: { description: 'needs audit.read', schema: errorSchema },
    },
    handler: async ({ query }) => {
      const limit = query.limit ?? 50;
      const entries = audit.list({
        limit,
        ...(query.before ? { beforeSeq: query.before } : {}),
        ...(query.actor ? { actor: query.actor } : {}),
        ...(query.action ? { action: query.action } : {}),
      });
      return {
        entries: entries.map((e) => ({ ...e, at: new Date(e.at).toISOString() })),
        next_before: entries.length === limit ? entries[entries.length - 1].seq : null,
      };
    },
  });
}
