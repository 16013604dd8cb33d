import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { FastifyPluginAsync, FastifyReply } from 'fastify';

/**
 * The dashboard page and its bundle, as web/build.cjs wrote them at build time (`npm run build`):
 * `index.html` at `GET /`, and `assets/<name>-<hash>.<ext>` at `/ui/assets/`, cached for good
 * (a new build has new names). Nothing is fetched from anywhere else: the page's Content Security
 * Policy allows only this origin. Files are read once and kept.
 */

/** The checkout's build output, from src/http/dashboard/ and dist/http/dashboard/ alike. */
export const DEFAULT_ASSETS_DIR = join(__dirname, '..', '..', '..', 'dist', 'web');

export const PAGE_CSP = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "connect-src 'self'",
  "base-uri 'none'",
  "form-action 'self'",
  "frame-ancestors 'none'",
].join('; ');

const TYPES: Record<string, string> = {
  js: 'text/javascript; charset=utf-8',
  css: 'text/css; charset=utf-8',
  svg: 'image/svg+xml',
  map: 'application/json; charset=utf-8',
};
const FILE = /^[A-Za-z0-9_-]+(?:\.[A-Za-z0-9_-]+)*\.(js|css|svg|map)$/;

export const dashboardAssets: FastifyPluginAsync<{ dir?: string }> = async (app, { dir = DEFAULT_ASSETS_DIR }) => {
  const cache = new Map<string, Buffer>();
  const read = async (path: string): Promise<Buffer | undefined> => {
    let bytes = cache.get(path);
    if (bytes) return bytes;
    try {
      bytes = await readFile(join(dir, path));
    } catch {
      return undefined;
    }
    cache.set(path, bytes);
    return bytes;
  };
  const page = (reply: FastifyReply) => reply.header('content-security-policy', PAGE_CSP);

  app.get('/', async (req, reply) => {
    const html = await read('index.html');
    if (!html)
      return reply.status(503).send({
        error: 'unavailable',
        message: `the dashboard is not built (no ${join(dir, 'index.html')}): run npm run build`,
        request_id: req.id,
      });
    return page(reply).type('text/html; charset=utf-8').header('cache-control', 'no-cache').send(html);
  });

  app.get<{ Params: { file: string } }>('/ui/assets/:file', async (req, reply) => {
    const match = FILE.exec(req.params.file);
    const bytes = match ? await read(join('assets', req.params.file)) : undefined;
    if (!match || !bytes)
      return reply.status(404).send({ error: 'not_found', message: 'no such asset', request_id: req.id });
    return page(reply).type(TYPES[match[1]]).header('cache-control', 'public, max-age=31536000, immutable').send(bytes);
  });
};
