import type { Permission } from '../../auth/permissions';
import { defineRoute, errorSchema, type ApiRoute, type Method } from '../route';

/** A capability DESIGN.md names whose REST route has nothing behind it yet. */
interface NotBuilt {
  method: Method;
  url: string;
  tag: string;
  summary: string;
  permission: Permission;
}

const NOT_BUILT: readonly NotBuilt[] = [
  {
    method: 'POST',
    url: '/api/v1/investigations',
    tag: 'investigations',
    summary: 'Start an investigation',
    permission: 'read',
  },
  {
    method: 'GET',
    url: '/api/v1/investigations/:id',
    tag: 'investigations',
    summary: 'One investigation',
    permission: 'read',
  },
];

/**
 * Routes the contract names but this release has not built: after authentication and the
 * permission check they answer 501 `not_implemented`, as the not-built commands do, never a 404
 * that reads like a typo or a 200 that does nothing (issue 13.17).
 */
export function notBuiltRoutes(): ApiRoute[] {
  return NOT_BUILT.map((r) =>
    defineRoute({
      method: r.method,
      url: r.url,
      tag: r.tag,
      summary: `${r.summary} (not built yet)`,
      description:
        'Not built yet in this release: answers 501 (`not_implemented`) once the caller is authenticated and allowed.',
      access: { permission: r.permission, by: 'route' },
      responses: { 501: { description: 'not built yet in this release', schema: errorSchema } },
      handler: async ({ req, reply }) =>
        reply.status(501).send({
          error: 'not_implemented',
          message:
            `${r.method} ${r.url} (${r.summary.toLowerCase()}) is not built yet in this release; ` +
            `\`help\` lists what works today.`,
          request_id: req.id,
        }),
    }),
  );
}
