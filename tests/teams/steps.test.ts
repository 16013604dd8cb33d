import type { FastifyInstance } from 'fastify';
import { createTeamsAdapter } from '../../src/adapters/teams/adapter';
import type { App } from '../../src/app/control';
import { createHttpServer } from '../../src/http/server';
import { DURING_BURST, testApp } from '../helpers/app';
import { startFakeConnector, type ConnectorCall, type FakeConnector } from '../helpers/fake-connector';
import { STEP_DETAILS, STEP_LABELS, workSteppedStatus } from '../helpers/steps-job';

/**
 * A job's steps in Teams: the real adapter (TEAMS_AUTH=off) on the side-app, a personal-chat
 * activity as Teams sends it, the fake connector at its serviceUrl. The acknowledgement's card is
 * updated in place (PUT of the same activity) once per change of the steps, as a list; the result
 * replaces it and keeps the steps.
 */

const TENANT = '72f988bf-86f1-41af-91ab-2d7cd011db47';
const BOT = { id: '28:00000000-0000-0000-0000-00000000b07a', name: 'SmartCloudOps' };
const PERSONAL = 'a:1mK9Dq7vXc_personal-chat-with-alice';
const ALICE = { id: '29:1Alice-teams-user-id', name: 'Alice Oncall', aadObjectId: 'aad-alice' };

function personalMessage(serviceUrl: string, said: string) {
  const now = new Date().toISOString();
  return {
    id: '1732000000001',
    timestamp: now,
    localTimestamp: now,
    serviceUrl,
    channelId: 'msteams',
    from: ALICE,
    conversation: { conversationType: 'personal', tenantId: TENANT, id: PERSONAL },
    recipient: BOT,
    locale: 'en-US',
    type: 'message',
    textFormat: 'plain',
    text: said,
    channelData: { tenant: { id: TENANT } },
  };
}

/** Every TextBlock text of a card, in order. */
function texts(node: unknown): string[] {
  if (!node || typeof node !== 'object') return [];
  if (Array.isArray(node)) return node.flatMap(texts);
  const n = node as Record<string, unknown>;
  return [...(n.type === 'TextBlock' ? [String(n.text)] : []), ...Object.values(n).flatMap(texts)];
}
const cardTexts = (c: ConnectorCall): string[] => texts(c.body.attachments[0].content);

describe('Teams: a job’s steps update the card in place', () => {
  let app: App;
  let connector: FakeConnector;
  let http: FastifyInstance;
  let url: string;

  beforeEach(async () => {
    ({ app } = await testApp({ TEAMS_AUTH: 'off' }, DURING_BURST));
    connector = await startFakeConnector();
    const adapter = createTeamsAdapter({
      config: app.config.teams,
      conversation: app.conversation,
      db: app.store.db,
      log: app.log,
    });
    http = createHttpServer({
      log: app.log,
      metrics: app.metrics,
      bodyLimitBytes: app.config.http.bodyLimitBytes,
      readiness: [],
    });
    await http.register(adapter.routes);
    url = await http.listen({ port: 0, host: '127.0.0.1' });
  });
  afterEach(async () => {
    await http.close();
    await connector.close();
    await app.close();
  });

  it('updates the acknowledgement’s card once per change, with the steps as a list, then the result', async () => {
    const updates = () => connector.calls.filter((c) => c.kind === 'update' && c.status === 200);
    await workSteppedStatus(app, (n) => connector.waitFor(() => updates().length >= n, 10_000));
    const res = await fetch(`${url}/api/messages`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(personalMessage(connector.serviceUrl, 'status payments')),
    });
    expect(res.status).toBe(200);
    // Six changes of the steps, the status job's own 100 % bar, then the result: eight edits.
    await connector.waitFor(() => updates().some((u) => !cardTexts(u).join('\n').includes('Checking')), 10_000);

    const [ack] = connector.calls.filter((c) => c.kind === 'reply');
    const edits = updates();
    expect(edits).toHaveLength(8);
    for (const e of edits) expect(e).toMatchObject({ method: 'PUT', activityId: ack.createdId });
    expect(connector.calls.filter((c) => c.kind !== 'update')).toHaveLength(1);

    expect(cardTexts(edits[0])).toContain(`⏳ **${STEP_LABELS[0]}**`);
    expect(cardTexts(edits[1])).toContain(`✅ **${STEP_LABELS[0]}** — ${STEP_DETAILS[0]}`);
    expect(cardTexts(edits[2])).toEqual(
      expect.arrayContaining([`✅ **${STEP_LABELS[0]}** — ${STEP_DETAILS[0]}`, `⏳ **${STEP_LABELS[1]}**`]),
    );
    // The steps are one Container of TextBlocks, one per step.
    const list = (edits[5].body.attachments[0].content.body as Array<Record<string, unknown>>).find(
      (e) => e.type === 'Container' && JSON.stringify(e).includes(STEP_LABELS[2]),
    ) as { items: unknown[] };
    expect(list.items).toHaveLength(3);

    expect(cardTexts(edits[6]).join('\n')).toMatch(/100% checked payments/);
    const final = cardTexts(edits[7]);
    expect(final.join('\n')).toMatch(/payments: unhealthy/i);
    expect(final.join('\n')).not.toMatch(/Checking/);
    for (const [i, l] of STEP_LABELS.entries()) expect(final).toContain(`✅ **${l}** — ${STEP_DETAILS[i]}`);
  });
});
