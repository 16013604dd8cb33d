import { tmpdir } from 'node:os';
import { consoleSink, type ConsoleOutput } from '../../src/adapters/console/poster';
import type { App } from '../../src/app/control';
import { jobSteps } from '../../src/queue/steps';
import { renderText } from '../../src/reply/render-text';
import { DURING_BURST, lastVersion, recordingSink, testApp } from '../helpers/app';
import { STEP_DETAILS, STEP_LABELS, workSteppedStatus } from '../helpers/steps-job';

/** A console screen that records what was written and the transient status line. */
function screen(): ConsoleOutput & { lines: string[]; statuses: string[] } {
  const lines: string[] = [];
  const statuses: string[] = [];
  return {
    lines,
    statuses,
    write: (t) => lines.push(...t.replace(/\n$/, '').split('\n')),
    status: (t) => statuses.push(t),
    clearStatus: () => {},
  };
}

describe('steps a job reports, followed in chat', () => {
  let app: App;
  afterEach(async () => {
    await app.close();
  });

  it('console: prints a line per new step and per change, in order, then the result', async () => {
    ({ app } = await testApp({}, DURING_BURST));
    const out = screen();
    // Each change waits until its line is on the screen, so no two changes are merged.
    const stepLines = () => out.lines.filter((l) => /^ {2}[…✓✗] /.test(l));
    await workSteppedStatus(app, async (n) => {
      while (stepLines().length < n) await new Promise((r) => setImmediate(r));
    });
    const handled = await app.conversation.handleMessage(
      { platform: 'console', user: 'alice', channel: 'ops', text: 'status payments' },
      consoleSink(out, { color: false, chartsDir: tmpdir() }),
    );
    await handled.done;
    expect(stepLines()).toEqual([
      `  … ${STEP_LABELS[0]}`,
      `  ✓ ${STEP_LABELS[0]} — ${STEP_DETAILS[0]}`,
      `  … ${STEP_LABELS[1]}`,
      `  ✓ ${STEP_LABELS[1]} — ${STEP_DETAILS[1]}`,
      `  … ${STEP_LABELS[2]}`,
      `  ✓ ${STEP_LABELS[2]} — ${STEP_DETAILS[2]}`,
    ]);
    const all = out.lines.join('\n');
    // The acknowledgement first, the steps, then the result (which does not repeat them).
    expect(all.indexOf('Checking payments')).toBeLessThan(all.indexOf(`… ${STEP_LABELS[0]}`));
    const result = all.slice(all.indexOf(`✓ ${STEP_LABELS[2]}`));
    expect(result).toMatch(/payments: unhealthy/i);
    expect(result.split(STEP_LABELS[0])).toHaveLength(1);
    // The status job's own bar went to the status line.
    expect(out.statuses).toContain('  … 100% checked payments');
  });

  it('a sink without a view of its own gets the steps as edits of the acknowledgement, kept in the reply', async () => {
    ({ app } = await testApp({}, DURING_BURST));
    const sink = recordingSink();
    await workSteppedStatus(app, async (n) => {
      while ((sink.messages[0]?.versions.length ?? 0) < n + 1) await new Promise((r) => setImmediate(r));
    });
    const handled = await app.conversation.handleMessage(
      { platform: 'console', user: 'alice', channel: 'ops', text: 'status payments' },
      sink,
    );
    await handled.done;
    const versions = sink.messages[0].versions.map((v) => renderText(v));
    expect(versions[1]).toContain(`… ${STEP_LABELS[0]}`);
    expect(versions[1]).toContain('Checking payments');
    expect(versions[2]).toContain(`✓ ${STEP_LABELS[0]} — ${STEP_DETAILS[0]}`);
    expect(versions[6]).toContain(`✓ ${STEP_LABELS[2]} — ${STEP_DETAILS[2]}`);
    const final = renderText(lastVersion(sink.messages[0]));
    expect(final).toMatch(/payments: unhealthy/i);
    expect(final).not.toContain('Checking');
    for (const l of STEP_LABELS) expect(final).toContain(`✓ ${l}`);
    expect(sink.messages).toHaveLength(1);
  });

  it('a step left running when its job fails is shown failed', async () => {
    ({ app } = await testApp({ JOB_ATTEMPTS: '1' }, DURING_BURST));
    await app.queue.work({
      status: async (job) => {
        const steps = jobSteps(job);
        await (await steps.begin('reach the source')).done();
        await steps.begin('read the series');
        throw new Error('the source went away');
      },
    });
    const sink = recordingSink();
    const handled = await app.conversation.handleMessage(
      { platform: 'console', user: 'alice', channel: 'ops', text: 'status payments' },
      sink,
    );
    await handled.done;
    const final = renderText(lastVersion(sink.messages[0]));
    expect(final).toContain('✓ reach the source');
    expect(final).toContain('✗ read the series');
  });

  it('train_model reports its stages as steps (fetch history, train and calibrate, export ONNX)', async () => {
    ({ app } = await testApp({ DEFAULT_ROLE: 'operator' }, DURING_BURST));
    await app.startWorkers();
    const out = screen();
    const handled = await app.conversation.handleMessage(
      { platform: 'console', user: 'alice', channel: 'ops', text: 'train a model for payments on the last 1 day' },
      consoleSink(out, { color: false, chartsDir: tmpdir() }),
    );
    await handled.done;
    const done = out.lines.filter((l) => l.startsWith('  ✓ '));
    expect(done.map((l) => l.replace(/ — .*/, ''))).toEqual([
      '  ✓ fetch payments history',
      expect.stringMatching(/^ {2}✓ train and calibrate \d+ forest\(s\)$/),
      '  ✓ export ONNX',
    ]);
    expect(done[2]).toMatch(/payments-detector, \d+ bytes/);
  });
});
