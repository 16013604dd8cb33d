/**
 * Child process for crash.test.ts (run through a tiny swc require hook, see there).
 *   crash-child.ts DB JOURNAL first   -> enqueue A (hangs) and B, work with concurrency 1
 *   crash-child.ts DB JOURNAL resume  -> work with a fast processor until A and B are done, then exit 0
 * The journal gets one line per processor start and finish: "start A", "finish A".
 */
import { appendFileSync } from 'node:fs';
import { createSilentLogger } from '../../src/log/logger';
import { createEmbeddedQueue } from '../../src/queue/embedded/queue';
import { openStore } from '../../src/store/store';

type CrashJobs = { step: { data: { label: string }; result: string } };

async function main(): Promise<void> {
  const [dbPath, journal, mode] = process.argv.slice(2);
  const note = (line: string) => appendFileSync(journal, `${line}\n`);
  const store = openStore(dbPath);
  const queue = createEmbeddedQueue<CrashJobs>({
    store,
    name: 'crash',
    logger: createSilentLogger(),
    historyLimit: 100,
    attempts: 1,
    backoffMs: 10,
  });
  await queue.work(
    {
      step: async (job) => {
        note(`start ${job.data.label}`);
        if (mode === 'first' && job.data.label === 'A')
          await new Promise<never>(() => setInterval(() => undefined, 1_000));
        note(`finish ${job.data.label}`);
        return `done ${job.data.label}`;
      },
    },
    { concurrency: 1 },
  );
  if (mode === 'first') {
    await queue.add('step', { label: 'A' }, { jobId: 'A' });
    await queue.add('step', { label: 'B' }, { jobId: 'B' });
    return; // runs until killed
  }
  for (const id of ['A', 'B']) await queue.waitUntilFinished(id, 20_000);
  await queue.close({ graceMs: 1_000 });
  store.close();
}

main().catch((err: unknown) => {
  process.stderr.write(`crash-child: ${String(err instanceof Error ? err.stack : err)}\n`);
  process.exit(1);
});
