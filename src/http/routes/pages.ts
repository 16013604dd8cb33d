import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { FastifyPluginAsync } from 'fastify';

/**
 * Short public pages from the repository (teams/pages/*.md) that the Teams app manifest links to:
 * `developer.websiteUrl`, `privacyUrl` and `termsOfUseUrl` point at `/about`, `/privacy` and
 * `/terms` on the bot's own host, so the links work wherever the bot is deployed. Served as plain
 * text (Markdown reads well as it is); a page missing from the deployment is a 404 that says so.
 */
export const PAGES = ['about', 'privacy', 'terms'] as const;

const DIR = join(__dirname, '..', '..', '..', 'teams', 'pages');

export const pageRoutes: FastifyPluginAsync<{ dir?: string }> = async (app, { dir = DIR }) => {
  const cache = new Map<string, string>();
  for (const page of PAGES) {
    app.get(`/${page}`, async (req, reply) => {
      let text = cache.get(page);
      if (text === undefined) {
        try {
          text = await readFile(join(dir, `${page}.md`), 'utf8');
        } catch {
          return reply.status(404).send({
            error: 'not_found',
            message: `the ${page} page (teams/pages/${page}.md) is not part of this deployment`,
            request_id: req.id,
          });
        }
        cache.set(page, text);
      }
      return reply.type('text/plain; charset=utf-8').header('cache-control', 'public, max-age=3600').send(text);
    });
  }
};
