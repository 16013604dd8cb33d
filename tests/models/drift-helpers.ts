import type { App } from '../../src/app/control';
import type { Jobs } from '../../src/jobs/map';
import { waitFor } from '../helpers/cli';
import type { ChannelPoster } from '../../src/ports/chat';
import type { Reply } from '../../src/reply/model';

/**
 * Trains payments on the demo fleet through the app's queue; the app's registrar registers and
 * evaluates it; the champion is set in the registry directly (promotion has its own tests).
 */
export async function trainChampion(app: App, windowS = 7 * 86_400) {
  const added = await app.queue.add('train_model', { service: 'payments', windowS });
  const job = await app.queue.waitUntilFinished(added.id, 120_000);
  expect(job.state).toBe('completed');
  const r = job.result as Jobs['train_model']['result'];
  expect(r.reference).toBeDefined();
  const v = await waitFor(
    async () => {
      const known = app.models.byJob(added.id);
      return known?.metrics ? known : undefined;
    },
    60_000,
    'the training to be registered',
  );
  expect(v.hasReference).toBe(true);
  app.models.setAlias(v.name, 'champion', v.version, { by: 'user:u-test', at: app.clock() });
  return { result: r, version: v };
}

/** A channel poster that records what it was asked to post. */
export function recordingPoster(): ChannelPoster & { posts: Array<{ channel: string; reply: Reply }> } {
  const posts: Array<{ channel: string; reply: Reply }> = [];
  return {
    posts,
    async post(channel, reply) {
      posts.push({ channel, reply });
      return { channel, id: `p${posts.length}`, thread: `p${posts.length}` };
    },
    async update() {},
  };
}

/** Runs this slot's drift checks to the end and lets the app's watch handle them; the results. */
export async function checkNow(app: App) {
  const ids = await app.drift.tick();
  const results: Array<Jobs['drift_check']['result']> = [];
  for (const id of ids) {
    const job = await app.queue.waitUntilFinished(id, 60_000);
    expect(job.state).toBe('completed');
    await app.drift.handle(id);
    results.push(job.result as Jobs['drift_check']['result']);
  }
  return { ids, results };
}
