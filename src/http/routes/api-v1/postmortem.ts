/**
 * `GET /api/v1/incidents/:id/postmortem` (issue 16 point 8): the incident's postmortem draft through
 * the `postmortem` command (its RBAC, its behaviour), as `{"incident_id", "markdown", "polished",
 * "source"}`, or the Markdown alone for `Accept: text/markdown`.
 */
import type { FastifyRequest } from 'fastify';
import { z } from 'zod';
import type { ApiRoute } from '../../route';
import { command, id, type V1Context } from './command';

const postmortemSchema = z
  .object({
    incident_id: z.string(),
    markdown: z.string().describe('the draft: title, summary, impact, timeline (UTC), root cause, actions, follow-ups'),
    polished: z.boolean().describe("true when the LLM's wording is used (it kept every id and time of the draft)"),
    source: z.enum(['rules', 'llm']),
    unpolished: z.string().optional().describe("why the LLM's wording was not used, when it was asked for"),
  })
  .meta({ title: 'Postmortem' });

const wantsMarkdown = (req: FastifyRequest) => /\btext\/markdown\b/i.test(req.headers.accept ?? '');

export function postmortemRoute({ run }: V1Context): ApiRoute {
  return command('postmortem', {
    tag: 'incidents',
    method: 'GET',
    url: '/api/v1/incidents/:id/postmortem',
    summary: "An incident's postmortem draft",
    description:
      'Markdown written from the recorded facts: timeline, impact (SLO burn), root cause from the investigation, ' +
      'actions and who took them, follow-ups; polished by the LLM when one is configured and it kept every fact. ' +
      'With `Accept: text/markdown` the answer is the Markdown alone.',
    params: id('incident'),
    notFound: 'no such incident',
    successDoc: { description: 'the draft (JSON, or text/markdown when asked for)', schema: postmortemSchema },
    handler: async ({ req, reply, principal, params }) =>
      run(
        req,
        reply,
        principal,
        'postmortem',
        { incident_id: params.id },
        {
          answer: (out) => {
            const draft = out.postmortem;
            if (!draft) return undefined;
            if (wantsMarkdown(req)) return { status: 200, body: draft.markdown, type: 'text/markdown; charset=utf-8' };
            const body: z.infer<typeof postmortemSchema> = {
              incident_id: draft.incidentId,
              markdown: draft.markdown,
              polished: draft.polished,
              source: draft.source,
              ...(draft.unpolished ? { unpolished: draft.unpolished } : {}),
            };
            return { status: 200, body };
          },
        },
      ),
  });
}
