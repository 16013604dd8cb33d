import { join } from 'node:path';
import type { ReplySink } from '../src/ports/chat';
import { testConfig } from '../src/config/config';
import { createSilentLogger } from '../src/log/logger';
import { buildApp } from '../src/app/control';
import { percentile, printTable, round, tempDir } from './util';

const sink: ReplySink = {
  post: async () => ({ id: 'm' }),
  update: async () => undefined,
};

/** Chat round trip through the real flow: message -> intent -> command -> (job) -> final reply. */
export async function benchChat(): Promise<void> {
  const app = await buildApp(
    testConfig({ DATABASE_PATH: join(tempDir('sco-bench-chat-'), 'db.sqlite'), RATE_LIMIT_CHAT_PER_MIN: '0' }),
    {
      log: createSilentLogger(),
    },
  );
  await app.startWorkers();
  const measure = async (text: string, n: number) => {
    const times: number[] = [];
    for (let i = 0; i < n + 10; i++) {
      const t0 = process.hrtime.bigint();
      const handled = await app.conversation.handleMessage(
        { platform: 'console', user: 'bench', channel: 'bench', text },
        sink,
      );
      await handled.done;
      if (i >= 10) times.push(Number(process.hrtime.bigint() - t0) / 1e6); // first 10 warm up
    }
    times.sort((a, b) => a - b);
    return { p50: round(percentile(times, 50), 3), p99: round(percentile(times, 99), 3) };
  };
  const help = await measure('help', 2000);
  const status = await measure('status', 300);
  await app.close();
  printTable('Chat round trip (embedded queue, demo fleet, in-process)', [
    { name: 'help p50', value: help.p50, unit: 'ms' },
    { name: 'help p99', value: help.p99, unit: 'ms' },
    { name: 'status p50 (job: 5 services x 6 signals x 1 h)', value: status.p50, unit: 'ms' },
    { name: 'status p99', value: status.p99, unit: 'ms' },
  ]);
}

if (require.main === module) void benchChat();
