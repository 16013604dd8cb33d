import Fastify from 'fastify';
import { createTeamsAdapter } from '../../src/adapters/teams/adapter';
import { createSilentLogger } from '../../src/log/logger';
import { openStore } from '../../src/store/store';
import { startFakeConnector } from '../helpers/fake-connector';
import { channelPosterContract, stringsOf, type SeenMessage } from './channel-poster.contract';

type Deps = Parameters<typeof createTeamsAdapter>[0];

const CHANNEL = '19:0f3c1e2a9b5d4c7e8f6a1b2c3d4e5f60@thread.tacv2';
const BOT = { id: '28:00000000-0000-0000-0000-00000000b07a', name: 'SmartCloudOps' };
const TENANT = '72f988bf-86f1-41af-91ab-2d7cd011db47';

channelPosterContract(
  'Teams (fake Bot Connector)',
  async () => {
    const connector = await startFakeConnector();
    const store = openStore(':memory:');
    const adapter = createTeamsAdapter({
      config: { authOff: true },
      conversation: {} as Deps['conversation'], // posting never reaches the conversation
      db: store.db,
      log: createSilentLogger(),
      connectorTimeoutMs: 5000,
    });
    // The bot is added to the team's channel: Teams tells it, and the conversation is remembered.
    const http = Fastify();
    await http.register(adapter.routes);
    const added = await http.inject({
      method: 'POST',
      url: '/api/messages',
      payload: {
        type: 'conversationUpdate',
        id: 'contract-added-1',
        channelId: 'msteams',
        serviceUrl: connector.serviceUrl,
        from: { id: '29:1Alice', name: 'Alice' },
        recipient: BOT,
        conversation: { id: CHANNEL, conversationType: 'channel', isGroup: true, tenantId: TENANT },
        membersAdded: [{ id: BOT.id }],
        channelData: { team: { id: CHANNEL }, eventType: 'teamMemberAdded', tenant: { id: TENANT } },
      },
    });
    if (added.statusCode !== 200) throw new Error(`conversationUpdate answered ${added.statusCode}: ${added.body}`);

    /** The conversation as the connector's calls built it: new messages, replies, then edits applied. */
    function seen(): SeenMessage[] {
      const messages = new Map<string, SeenMessage>();
      for (const call of connector.calls) {
        const [base, suffix] = (call.conversationId ?? '').split(';messageid=');
        if (base !== CHANNEL || call.status >= 300) continue;
        const shown = { text: stringsOf(call.body?.attachments), bytes: Buffer.byteLength(JSON.stringify(call.body)) };
        if (call.kind === 'update') {
          const m = messages.get(call.activityId ?? '');
          if (m) Object.assign(m, shown, { versions: m.versions + 1 });
        } else if (call.createdId) {
          const thread = suffix ?? (call.kind === 'reply' ? call.activityId : undefined);
          messages.set(call.createdId, { id: call.createdId, thread, versions: 1, ...shown });
        }
      }
      return [...messages.values()];
    }
    return {
      poster: adapter.poster,
      channel: CHANNEL,
      unknownChannel: '19:neverseen0000000000000000000000@thread.tacv2',
      seen,
      refuseNext: () =>
        connector.failNext({
          status: 403,
          code: 'BotNotInConversationRoster',
          message: 'The bot is not in the roster.',
        }),
      async close() {
        await http.close();
        store.close();
        await connector.close();
      },
    };
  },
  {
    platform: 'teams',
    editsInPlace: true,
    showsAll: false,
    maxBytes: 28_000, // Teams refuses a message over about 28 KB; the fake connector takes anything
    liveMarkup: ['[Approve here](https://evil.example/approve)'],
  },
);
