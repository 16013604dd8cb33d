import type { FastifyInstance } from 'fastify';
import { createHttpForApp } from '../../src/app/http';
import type { App } from '../../src/app/control';
import { startFakeSlack, type FakeSlack, type SlackCall } from '../helpers/fake-slack';
import { appMention, postSigned, SLACK_IDS } from '../helpers/slack-payloads';
import { ALICE, listenForSlack, operatorApp, SLACK_SECRET } from '../helpers/slack-serve';
import { STEP_DETAILS, STEP_LABELS, workSteppedStatus } from '../helpers/steps-job';

/**
 * A job's steps in Slack, through the real Bolt app and WebClient against the fake Slack: as a
 * streaming message (chat.startStream, chat.appendStream per change, chat.stopStream) in the thread
 * of the request; where Slack has no streaming (`unknown_method`), as edits of the acknowledgement.
 */
describe('Slack: a job’s steps, streamed or edited in place', () => {
  let fake: FakeSlack;
  let app: App;
  let http: FastifyInstance;
  let events: string;

  const start = async (streaming: boolean) => {
    fake = await startFakeSlack({ streaming });
    app = await operatorApp(fake);
    http = createHttpForApp(app);
    events = await listenForSlack(http);
    await app.startChat();
  };
  afterEach(async () => {
    await http.close();
    await app.close();
    await fake.close();
  });

  const okCalls = (method: string) => fake.callsOf(method).filter((c) => c.ok);
  const streamCalls = () =>
    fake.calls.filter((c) => c.ok && ['chat.startStream', 'chat.appendStream', 'chat.stopStream'].includes(c.method));
  const ask = async (text: string) => {
    const mention = appMention({ text: `<@${SLACK_IDS.botUser}> ${text}`, userId: ALICE, channelId: 'C0OPS' });
    expect((await postSigned(events, mention, SLACK_SECRET)).status).toBe(200);
    return (mention.envelopePayload.event as { ts: string }).ts;
  };
  const tasksOf = (c: SlackCall) =>
    (c.args.chunks as Array<Record<string, unknown>>).filter((k) => k.type === 'task_update');

  it('streams each step change into the request’s thread, stops the stream, puts the result in the reply', async () => {
    await start(true);
    await workSteppedStatus(app, (n) => fake.waitFor(() => streamCalls().length >= n, 10_000));
    const thread = await ask('status payments');
    const stop = await fake.waitFor((c) => c.method === 'chat.stopStream', 10_000);
    expect(stop.ok).toBe(true);

    const [started] = okCalls('chat.startStream');
    expect(started.args).toMatchObject({
      channel: 'C0OPS',
      thread_ts: thread,
      recipient_user_id: ALICE,
      recipient_team_id: SLACK_IDS.team,
      task_display_mode: 'timeline',
    });
    expect(tasksOf(started)).toEqual([{ type: 'task_update', id: 's1', title: STEP_LABELS[0], status: 'in_progress' }]);
    // One append per later change, each with only the step that changed, all on the started message.
    const streamTs = String(stop.args.ts);
    const appends = okCalls('chat.appendStream');
    expect(appends.map((c) => c.args.ts)).toEqual(Array(5).fill(streamTs));
    expect(appends.map((c) => tasksOf(c).map((t) => `${t.id}:${t.status}`))).toEqual([
      ['s1:complete'],
      ['s2:in_progress'],
      ['s2:complete'],
      ['s3:in_progress'],
      ['s3:complete'],
    ]);
    expect(tasksOf(appends[0])[0].details).toBe(STEP_DETAILS[0]);

    // The streamed message sits in the request's thread with every task complete, and is stopped.
    const streamed = fake.message('C0OPS', streamTs);
    expect(streamed?.thread_ts).toBe(thread);
    expect(streamed?.stream?.state).toBe('stopped');
    expect(streamed?.stream?.tasks.map((t) => [t.title, t.status, t.details])).toEqual(
      STEP_LABELS.map((l, i) => [l, 'complete', STEP_DETAILS[i]]),
    );
    expect(streamed?.text).toContain('3 of 3 steps done');

    // The acknowledgement (the bot's first reply in the thread) becomes the status result.
    const ack = fake.replies('C0OPS', thread).find((m) => m.versions[0].by === 'chat.postMessage');
    await fake.waitFor(
      (c) => c.method === 'chat.update' && c.args.ts === ack?.ts && !/Checking/.test(JSON.stringify(c.args.blocks)),
    );
    const final = fake.message('C0OPS', ack?.ts as string);
    expect(final?.versions.at(-1)?.by).toBe('chat.update');
    expect(JSON.stringify(final?.blocks)).toMatch(/payments: unhealthy/);
    // Streamed steps are not repeated in the result.
    expect(JSON.stringify(final?.blocks)).not.toContain(STEP_LABELS[1]);
  });

  it('without streaming (unknown_method), edits the acknowledgement once per change and remembers it', async () => {
    await start(false);
    // The first job's n-th change is shown by the n-th edit (later jobs do not wait).
    await workSteppedStatus(app, (n) => fake.waitFor(() => okCalls('chat.update').length >= n, 10_000));
    const thread = await ask('status payments');
    const refused = await fake.waitFor((c) => c.method === 'chat.startStream', 10_000);
    expect(refused).toMatchObject({ ok: false, error: 'unknown_method' });
    const ack = (await fake.waitFor((c) => c.method === 'chat.postMessage' && c.ok)).args;
    expect(ack.thread_ts).toBe(thread);

    // Six changes of the steps, the status job's own 100 % bar, then the result: eight edits of the one message.
    const edited = await fake.waitFor(
      (c) => c.method === 'chat.update' && c.ok && !/Checking/.test(JSON.stringify(c.args.blocks)),
      10_000,
    );
    const message = fake.replies('C0OPS', thread)[0];
    expect(edited.args.ts).toBe(message.ts);
    const edits = message.versions.filter((v) => v.by === 'chat.update').map((v) => JSON.stringify(v.blocks));
    expect(edits).toHaveLength(8);
    expect(edits[0]).toContain(`:hourglass_flowing_sand: ${STEP_LABELS[0]}`);
    expect(edits[1]).toContain(`:white_check_mark: ${STEP_LABELS[0]} — ${STEP_DETAILS[0]}`);
    expect(edits[4]).toContain(`:hourglass_flowing_sand: ${STEP_LABELS[2]}`);
    expect(edits[6]).toContain('100% checked payments');
    // The result keeps the steps, all done, under the answer.
    expect(edits[7]).toMatch(/payments: unhealthy/);
    for (const [i, l] of STEP_LABELS.entries())
      expect(edits[7]).toContain(`:white_check_mark: ${l} — ${STEP_DETAILS[i]}`);
    expect(fake.replies('C0OPS', thread)).toHaveLength(1);

    // A second request does not try streaming again: its steps are edits too.
    const second = await ask('status payments');
    const result = await fake.waitFor(
      (c) =>
        c.method === 'chat.update' &&
        c.args.ts === fake.replies('C0OPS', second)[0]?.ts &&
        !/Checking/.test(JSON.stringify(c.args.blocks)),
      10_000,
    );
    expect(JSON.stringify(result.args.blocks)).toContain(`:white_check_mark: ${STEP_LABELS[2]}`);
    expect(fake.callsOf('chat.startStream')).toHaveLength(1);
  });

  it('issue 16.6: an investigation shows each read as a step; the answer replaces the acknowledgement', async () => {
    await start(true);
    await app.startWorkers();
    const thread = await ask('investigate payments');
    const ack = (await fake.waitFor((c) => c.method === 'chat.postMessage' && c.ok, 10_000)).args;
    expect(ack.thread_ts).toBe(thread);
    const final = await fake.waitFor(
      (c) => c.method === 'chat.update' && /nothing was changed/.test(JSON.stringify(c.args)),
      30_000,
    );
    expect(JSON.stringify(final.args.blocks)).toMatch(/Root cause|Inconclusive/);
    const reads = ['question', 'dependency_graph', 'service_anomalies payments', 'changes'];
    // An investigation this quick (about 0.1 s) finishes before a stream is worth starting: its steps
    // are kept, all done, under the answer; a slower one streams them as tasks first (the tests above).
    const stopped = fake.calls.find((c) => c.method === 'chat.stopStream' && c.ok);
    if (stopped) {
      const tasks = fake.message('C0OPS', String(stopped.args.ts))?.stream?.tasks ?? [];
      expect(tasks.map((t) => [t.title, t.status])).toEqual(expect.arrayContaining(reads.map((r) => [r, 'complete'])));
    } else {
      for (const r of reads) expect(JSON.stringify(final.args.blocks)).toContain(`:white_check_mark: ${r}`);
    }
  });
});
