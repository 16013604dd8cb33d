import type { FastifyPluginAsync } from 'fastify';

/** A dependency that /readyz checks; throws (or rejects) when not ready. */
export interface ReadinessCheck {
  name: string;
  check(): Promise<void> | void;
}

const CHECK_TIMEOUT_MS = 2000;

export const healthRoutes: FastifyPluginAsync<{ checks: ReadinessCheck[] }> = async (app, { checks }) => {
  app.get('/healthz', async () => ({ status: 'ok' }));

  app.get('/readyz', async (_req, reply) => {
    const results = await Promise.all(checks.map(async (c) => ({ name: c.name, error: await run(c) })));
    const failed = results.filter((r) => r.error !== undefined);
    const body = {
      status: failed.length ? 'unavailable' : 'ready',
      checks: Object.fromEntries(results.map((r) => [r.name, r.error === undefined ? 'ok' : r.error])),
      ...(failed.length ? { failed: failed.map((f) => f.name) } : {}),
    };
    return reply.status(failed.length ? 503 : 200).send(body);
  });
};

async function run(c: ReadinessCheck): Promise<string | undefined> {
  let timer: NodeJS.Timeout | undefined;
  try {
    await Promise.race([
      Promise.resolve().then(() => c.check()),
      new Promise((_, reject) => {
        timer = setTimeout(() => reject(new Error(`no answer within ${CHECK_TIMEOUT_MS} ms`)), CHECK_TIMEOUT_MS);
      }),
    ]);
    return undefined;
  } catch (err) {
    return err instanceof Error ? err.message : String(err);
  } finally {
    clearTimeout(timer);
  }
}
