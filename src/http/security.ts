import cors from '@fastify/cors';
import helmet from '@fastify/helmet';
import type { FastifyInstance } from 'fastify';

export interface SecurityOptions {
  /** Origins allowed to call from a browser (CORS_ORIGINS); empty = no cross-origin access at all. */
  corsOrigins: readonly string[];
}

/**
 * Headers for a JSON API that browsers may reach, the OWASP REST set: a CSP that allows nothing
 * (we serve no HTML, so nothing should ever render or frame), X-Frame-Options DENY, nosniff, HSTS,
 * no referrer, same-origin resource policy. helmet's document-oriented extras (COOP,
 * Origin-Agent-Cluster, X-DNS-Prefetch-Control, X-Download-Options, X-Permitted-Cross-Domain-
 * Policies, X-XSS-Protection) are off: they protect HTML pages, and each costs bytes on every
 * answer (the extras were a third of a small response). CORS only for the configured origins.
 * Credentials travel in headers, never cookies, so CORS never allows credentials.
 * Registered on the root instance, before any route, so every answer (404s included) carries them.
 */
export function registerSecurity(app: FastifyInstance, options: SecurityOptions): void {
  registerHelmet(app);
  // No allowlist: no CORS plugin at all, so no Access-Control-* headers and no preflight answers.
  if (options.corsOrigins.length === 0) return;
  void app.register(cors, {
    origin: [...options.corsOrigins],
    methods: ['GET', 'HEAD', 'POST', 'PUT', 'DELETE'],
    allowedHeaders: ['Authorization', 'Content-Type', 'X-API-Key', 'X-Request-Id'],
    exposedHeaders: ['X-Request-Id', 'Retry-After', 'WWW-Authenticate'],
    credentials: false,
    maxAge: 600,
  });
}

/**
 * @fastify/helmet computes the headers; we replay them. Used as a global hook it rebuilds helmet's
 * middleware (parsing the CSP again) on every request, which alone halved the throughput of a
 * trivial route in bench/auth-verify. With a fixed configuration (no CSP nonces) the headers are
 * the same every time, so the first request asks `reply.helmet()` for them and later ones reuse them.
 */
function registerHelmet(app: FastifyInstance): void {
  void app.register(helmet, {
    global: false,
    contentSecurityPolicy: { useDefaults: false, directives: { defaultSrc: ["'none'"], frameAncestors: ["'none'"] } },
    referrerPolicy: { policy: 'no-referrer' },
    frameguard: { action: 'deny' },
    crossOriginResourcePolicy: { policy: 'same-origin' },
    crossOriginOpenerPolicy: false,
    originAgentCluster: false,
    dnsPrefetchControl: false,
    ieNoOpen: false,
    permittedCrossDomainPolicies: false,
    xssFilter: false,
  });
  let headers: Record<string, string> | undefined;
  app.after(() => {
    app.addHook('onRequest', (_req, reply, done) => {
      if (headers) {
        void reply.headers(headers);
      } else {
        const before = new Set(reply.raw.getHeaderNames());
        void reply.helmet();
        headers = Object.fromEntries(
          reply.raw
            .getHeaderNames()
            .filter((name) => !before.has(name))
            .map((name) => [name, String(reply.raw.getHeader(name))]),
        );
      }
      done();
    });
  });
}
