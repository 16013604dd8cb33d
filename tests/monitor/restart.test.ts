import { once } from 'node:events';
import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { freePort, startCli, waitFor } from '../helpers/cli';

jest.setTimeout(150_000);

const INTERVAL_MS = 5000;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

interface Row {
  slot_ms: number;
  job_id: string;
  state: string;
}

/** The JSON log lines of a process's output. */
function logLines(output: string): Array<Record<string, unknown>> {
  return output.split('\n').flatMap((line) => {
    try {
      return [JSON.parse(line) as Record<string, unknown>];
    } catch {
      return [];
    }
  });
}

/** What the store says, read beside the running process (or undefined before it made its tables). */
function read<T>(db: string, sql: string): T[] | undefined {
  if (!existsSync(db)) return undefined;
  const raw = new Database(db, { readonly: true, fileMustExist: true });
  try {
    return raw.prepare(sql).all() as T[];
  } catch {
    return undefined; // not migrated yet
  } finally {
    raw.close();
  }
}

/**
 * Issue 17 point 1: the monitor's schedule is persisted, so a restart neither skips nor doubles a run.
 * Real `serve` processes on one SQLite file (the embedded queue), scanning every 5 s: one is killed with
 * SIGKILL in the middle of its first scan, the next at an idle moment and left down across a slot; a
 * last one stops cleanly. Every slot from the first to the last has exactly one scan job, run to its end
 * once and acted on once.
 */
describe('the monitor across SIGKILL restarts', () => {
  it('leaves no slot without its scan and runs none twice', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'sco-monitor-kill-'));
    const db = join(dir, 'sco.db');
    const env = {
      DATABASE_PATH: db,
      MONITOR_INTERVAL: '5s',
      DEMO_FAULTS: 'none',
      LOG_FORMAT: 'json',
      LOG_LEVEL: 'info',
      HOST: '127.0.0.1',
    };
    const serve = async () => startCli(['serve'], { ...env, PORT: String(await freePort()) });
    const handled = () => read<Row>(db, "SELECT * FROM monitor_scans WHERE state = 'handled'")?.length ?? 0;
    const kill = async (child: Awaited<ReturnType<typeof serve>>) => {
      child.kill('SIGKILL');
      if (child.exitCode === null && child.signalCode === null) await once(child, 'exit');
    };

    // 1. Killed while its first scan runs.
    const first = await serve();
    await waitFor(
      async () =>
        read<Row>(db, "SELECT id FROM jobs WHERE name = 'monitor_scan' AND state = 'active'")?.length
          ? true
          : undefined,
      30_000,
      'the first scan to run',
    );
    await kill(first);

    // 2. Restarted at once; killed when idle, and left down across a slot boundary.
    const second = await serve();
    await waitFor(async () => (handled() >= 3 ? true : undefined), 60_000, 'three slots acted on');
    await kill(second);
    await sleep(INTERVAL_MS + 1000);

    // 3. Restarted; stopped cleanly after two more slots.
    const before = handled();
    const third = await serve();
    await waitFor(async () => (handled() >= before + 2 ? true : undefined), 60_000, 'two more slots acted on');
    third.kill('SIGTERM');
    await once(third, 'exit');

    const slots = read<Row>(db, 'SELECT slot_ms, job_id, state FROM monitor_scans ORDER BY slot_ms') ?? [];
    const jobs =
      read<{ id: string; state: string; attempts_made: number }>(
        db,
        "SELECT id, state, attempts_made FROM jobs WHERE name = 'monitor_scan' ORDER BY id",
      ) ?? [];
    // No slot skipped: every slot from the first to the last, one interval apart.
    const times = slots.map((s) => s.slot_ms);
    expect(times).toEqual(times.map((_, k) => times[0] + k * INTERVAL_MS));
    expect(times.length).toBeGreaterThanOrEqual(5);
    // None doubled: one job per slot, under the slot's id, run to its end and acted on once.
    expect(jobs.map((j) => j.id).sort()).toEqual(slots.map((s) => s.job_id).sort());
    expect(slots.map((s) => s.job_id)).toEqual(times.map((t) => `monitor-${t}`));
    const done = slots.slice(0, -1); // the last may have been queued as the clean stop began
    expect(done.filter((s) => s.state !== 'handled')).toEqual([]);
    // Each ran once to its end: the one cut off by the kill ran again (its second attempt), no other twice.
    const completed = jobs.filter((j) => j.state === 'completed');
    expect(completed.length).toBeGreaterThanOrEqual(done.length);
    const retried = completed.filter((j) => j.attempts_made > 1).map((j) => j.id);
    expect(retried.filter((id) => id !== slots[0].job_id)).toEqual([]);
    // And each was acted on once, whichever process saw it finish.
    const acted = [first, second, third]
      .flatMap((p) => logLines(p.output()))
      .filter((l) => l.message === 'monitor scan')
      .map((l) => String(l.job));
    expect(acted.sort()).toEqual(
      slots
        .filter((s) => s.state === 'handled')
        .map((s) => s.job_id)
        .sort(),
    );
  });
});
