import { NOW } from '../helpers/app';
import { httpApp, session, type HttpApp } from '../http/http-app';
import { presentFinished } from '../../src/present/jobs';
import type { RemediationJobResult } from '../../src/jobs/map';
import type { Reply } from '../../src/reply/model';

/**
 * issue 13.11: a remediation's verification is computed from the one before/after measurement the
 * action made, and its sentence derives from it: "recovered" only when every checked signal is
 * inside its objective, else "has not recovered: still over X". A finished job never shows
 * progress under 100%. Demo fleet, seed 42, fixed clock (between two of the fleet's steps, where
 * the old verification read the step before the action).
 */
const MIN = 60_000;

describe('issue 13.11: verification agrees with itself', () => {
  let h: HttpApp;
  beforeEach(async () => {
    h = await httpApp();
  });
  afterEach(async () => {
    await h.close();
  });

  /** Request `restart target` as an operator, approve it as an approver (REST), wait for the job. */
  async function restart(target: string, at: number) {
    h.clock.now = at;
    await h.app.startWorkers();
    const operator = await session(h, 'operator');
    const approver = await session(h, 'approver');
    expect(
      (
        await h.http.inject({
          method: 'POST',
          url: '/api/v1/remediations',
          headers: operator.headers,
          payload: { action: 'restart', target },
        })
      ).statusCode,
    ).toBe(201);
    const { id } = h.app.store.db
      .prepare('SELECT id FROM remediation_requests WHERE target = ? ORDER BY created_at DESC LIMIT 1')
      .get(target) as { id: string };
    expect(
      (await h.http.inject({ method: 'POST', url: `/api/v1/remediations/${id}/approve`, headers: approver.headers }))
        .statusCode,
    ).toBe(202);
    const job = await h.app.queue.waitUntilFinished(id, 20_000);
    expect(job.state).toBe('completed');
    return { job, result: job.result as RemediationJobResult, operator };
  }
  const texts = (r: Reply) => r.blocks.flatMap((b) => ('text' in b && typeof b.text === 'string' ? [b.text] : []));

  it(
    'restart inventory during its memory leak: ' + 'the numbers in the result and the recovered sentence agree',
    async () => {
      const { result } = await restart('inventory', NOW + 30_000);
      const changed = /memory (\d+)% -> (\d+)%/.exec(result.summary);
      expect(changed).not.toBeNull();
      const [, before, after] = changed as RegExpExecArray;
      expect(Number(before)).toBeGreaterThan(70); // over inventory's 70% objective before
      expect(Number(after)).toBeLessThan(70);
      expect(result.verified).toMatchObject({ ok: true });
      expect(result.verified?.summary).toMatch(
        new RegExp(
          `^inventory recovered: memory ${before}% -> ${after}%, .*; every checked signal is inside its objective\\.$`,
        ),
      );
      expect(result.verified?.summary).not.toMatch(/still over|not recovered/);
      const shown = texts(presentFinished((await h.app.queue.get(result.id))!)).join('\n');
      expect(shown).toContain(`memory ${before}% -> ${after}%`);
      expect(shown).not.toMatch(/still over/);
    },
  );

  it('restart checkout-api during its bad deploy: p99 stays over, so it says not recovered and names it', async () => {
    const { result } = await restart('checkout-api', NOW - 60 * MIN + 30_000);
    expect(result.state).toBe('succeeded'); // the restart itself worked
    expect(result.verified).toMatchObject({ ok: false });
    expect(result.verified?.summary).toMatch(
      /^checkout-api has not recovered: still over p99 latency \(\d+ ms -> \d+ ms, objective 700 ms\)/,
    );
    expect(result.verified?.summary).not.toMatch(/^checkout-api recovered/);
    const shown = presentFinished((await h.app.queue.get(result.id))!);
    expect(shown.tone).toBe('warning');
    expect(texts(shown).join('\n')).toMatch(/has not recovered: still over p99 latency/);
  });

  it('a finished job never shows progress under 100%', async () => {
    const { job, operator } = await restart('inventory', NOW + 30_000);
    const stored = (await h.app.queue.get(job.id))!;
    expect(stored.progress === null || stored.progress.percent === 100).toBe(true);
    const status = await h.http.inject({ method: 'GET', url: `/api/v1/jobs/${job.id}`, headers: operator.headers });
    const body = status.json() as { job: { progress: { percent: number } | null }; reply: Reply };
    expect(body.job.progress === null || body.job.progress.percent === 100).toBe(true);
    const rows = body.reply.blocks.flatMap((b) =>
      b.type === 'fields' ? (b as { fields: Array<{ label: string; value: string }> }).fields : [],
    );
    for (const row of rows.filter((r) => r.label === 'progress')) expect(row.value).toMatch(/^(100%|done)/);
    const list = await h.http.inject({ method: 'GET', url: '/api/v1/jobs', headers: operator.headers });
    const table = (list.json() as { reply: Reply }).reply.blocks.find((b) => b.type === 'table') as unknown as {
      columns: string[];
      rows: string[][];
    };
    const column = table.columns.indexOf('progress');
    const row = table.rows.find((r) => r[0] === job.id) as string[];
    expect(['', 'done', '100%']).toContain(row[column]);
  });
});
