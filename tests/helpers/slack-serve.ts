import type { FastifyInstance } from 'fastify';
import { createSlackAdapter } from '../../src/adapters/slack/adapter';
import { createHttpServer } from '../../src/http/server';
import type { App } from '../../src/app/control';
import { DURING_BURST, testApp } from './app';
import type { FakeSlack } from './fake-slack';

/** The Slack suites' signing secret and the operator who talks in them. */
export const SLACK_SECRET = 'slack-signing-secret-0123456789abcdef';
export const ALICE = 'U0ALICE';

/** Remediation requests in the store: what a replayed `/ops restart` must not add to. */
export const requests = (app: App) =>
  (app.store.db.prepare('SELECT COUNT(*) AS n FROM remediation_requests').get() as { n: number }).n;

/** An app with Slack pointed at `fake`, during the demo's error burst, where ALICE is alice, an operator. */
export async function operatorApp(fake: FakeSlack): Promise<App> {
  const { app } = await testApp(
    {
      SLACK_BOT_TOKEN: fake.botToken,
      SLACK_SIGNING_SECRET: SLACK_SECRET,
      SLACK_API_URL: fake.url,
      DEFAULT_ROLE: 'viewer',
    },
    DURING_BURST,
  );
  const alice = await app.auth.users.create({
    email: 'alice@example.com',
    password: 'operator pass phrase',
    role: 'operator',
    name: 'alice',
  });
  app.auth.users.link(alice.id, 'slack', ALICE);
  return app;
}

/** Listens on a free loopback port; the Slack events URL. */
export async function listenForSlack(http: FastifyInstance): Promise<string> {
  await http.listen({ port: 0, host: '127.0.0.1' });
  return `http://127.0.0.1:${(http.server.address() as { port: number }).port}/slack/events`;
}

/** Another `serve` process behind the same Slack app: its own Bolt receiver on its own port, sharing `redisUrl`. */
export async function serveProcess(
  app: App,
  fake: FakeSlack,
  redisUrl: string,
  close: Array<() => Promise<void>>,
): Promise<string> {
  const adapter = createSlackAdapter({
    config: { botToken: fake.botToken, signingSecret: SLACK_SECRET, apiUrl: fake.url },
    conversation: app.conversation,
    log: app.log,
    redisUrl,
  });
  const http = createHttpServer({
    log: app.log,
    metrics: app.metrics,
    bodyLimitBytes: app.config.http.bodyLimitBytes,
    readiness: [],
  });
  close.push(
    () => http.close(),
    () => adapter.stop(),
  );
  await http.register(adapter.routes);
  return listenForSlack(http);
}
