import { createSlackAdapter } from '../../src/adapters/slack/adapter';
import { createSilentLogger } from '../../src/log/logger';
import { startFakeSlack } from '../helpers/fake-slack';
import { channelPosterContract, stringsOf } from './channel-poster.contract';

type Deps = Parameters<typeof createSlackAdapter>[0];

channelPosterContract(
  'Slack (fake Web API)',
  async () => {
    const fake = await startFakeSlack();
    const poster = createSlackAdapter({
      config: { botToken: fake.botToken, signingSecret: 'contract-signing-secret', apiUrl: fake.url },
      conversation: {} as Deps['conversation'], // posting never reaches the conversation
      log: createSilentLogger(),
      timeoutMs: 5000,
    }).poster;
    return {
      poster,
      channel: 'C0OPS',
      unknownChannel: 'C0NOWHERE',
      // The bot's messages as Slack keeps them (file shares of cut-off output are not the bot's posts).
      seen: () =>
        fake
          .messages('C0OPS')
          .filter((m) => m.versions[0]?.by === 'chat.postMessage')
          .map((m) => ({
            id: m.ts,
            thread: m.thread_ts && m.thread_ts !== m.ts ? m.thread_ts : undefined,
            text: [m.text, stringsOf(m.blocks)].join('\n'),
            versions: m.versions.length,
            bytes: Buffer.byteLength(JSON.stringify({ text: m.text, blocks: m.blocks })),
          })),
      refuseNext: () => fake.failNext('chat.postMessage', { error: 'not_in_channel' }),
      close: () => fake.close(),
    };
  },
  {
    platform: 'slack',
    editsInPlace: true,
    showsAll: false,
    liveMarkup: ['<!channel>', '<@U0ALICE>', '<https://evil.example|click>'],
  },
);
