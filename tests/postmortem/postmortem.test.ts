import { NOW } from '../helpers/app';
import { MIN, openIncident, startStory, type Story } from './story';

jest.setTimeout(120_000);

/**
 * Issue 16 point 8 end to end on a real app: a bad deploy on payments, its alert, the automatic
 * investigation, a restart denied and a rollback approved and run, the incident resolved; then
 * `postmortem ID` in chat writes the draft in the thread, and REST answers the same Markdown.
 */
describe('postmortem INCIDENT (rules)', () => {
  let story: Story;
  let incident: string;
  let rollback: string;
  let restart: string;

  beforeAll(async () => {
    story = await startStory();
    incident = await openIncident(story); // alert firing since 09:50, received at 10:00
    const clock = story.h.clock;
    const requestId = (text: string) => /Remediation (r[0-9a-f]{6})/.exec(text)?.[1] ?? '';
    clock.now = NOW + 3 * MIN;
    restart = requestId((await story.say('olivia', '/ops restart payments')).text);
    clock.now = NOW + 4 * MIN;
    expect((await story.say('ada', `/ops deny ${restart}`)).outcome).toBe('replied');
    clock.now = NOW + 5 * MIN;
    rollback = requestId((await story.say('olivia', '/ops rollback payments')).text);
    clock.now = NOW + 8 * MIN;
    expect((await story.say('ada', `/ops approve ${rollback}`)).text).toContain(`${rollback}: rollback payments done`);
    clock.now = NOW + 15 * MIN;
    const resolved = await story.say('olivia', `resolve ${incident}`);
    expect(resolved.text).toContain('(resolved)');
    // A resolved incident's card offers its postmortem (a button is the command typed).
    expect(resolved.reply.blocks).toContainEqual({
      type: 'buttons',
      buttons: [{ label: 'Postmortem', command: `postmortem ${incident}` }],
    });
    clock.now = NOW + 20 * MIN;
  });
  afterAll(async () => {
    await story?.close();
  });

  it('writes the draft in the thread for a viewer: timeline, impact, cause, actions, follow-ups', async () => {
    const asked = await story.say('vic', `write a postmortem for incident #${incident}`, 'pm-thread');
    expect(asked.outcome).toBe('replied');
    const blocks = asked.reply.blocks;
    expect(blocks[0]).toEqual({ type: 'header', text: `Postmortem draft: incident ${incident}` });
    expect(blocks[blocks.length - 1]).toMatchObject({ type: 'context', text: expect.stringMatching(/^draft · rules/) });
    const md = asked.text;

    expect(md).toContain(`# Postmortem: payments error ratio above 5% (incident ${incident})`);
    // Impact: from the breach the deploy started (09:20), 30 minutes before the alert, to the resolution.
    expect(md).toContain('- **Duration:** 55m (09:20 to 10:15 UTC)');
    expect(md).toContain('the first alert fired at 09:50 UTC, 30m after payments went over its objectives');
    expect(md).toMatch(/- \*\*payments:\*\* \d+(\.\d+)?% of the 30-day error budget consumed \(SLO 99% availability\)/);
    expect(md).toMatch(/mean burn rate \d+\.\dx, peak \d+\.\dx \(5 minutes to \d\d:\d\d UTC\)/);
    expect(md).toMatch(
      /objective breached: error rate peaked at \d+(\.\d+)?% \(objective 1\.0%\), first over at 09:20/,
    );
    expect(md).toMatch(/objective breached: p99 latency peaked at \d+ ms \(objective 1200 ms\)/);
    expect(md).toContain(`- **Mitigated:** 10:08 UTC by \`rollback payments\` (${rollback})`);

    // Timeline, in order, in UTC.
    const timeline = md.slice(md.indexOf('## Timeline (UTC, 2026-11-26)'), md.indexOf('## Root cause'));
    const order = [
      '- 09:20 payments went over its objectives',
      '- 09:50 Alert ErrorRateHigh started firing on payments-7d9f',
      `- 10:00 Incident ${incident} opened from Alertmanager (1 alert)`,
      `- 10:00 Investigation analysis-${incident}-`,
      `- 10:03 olivia requested \`restart payments\` (${restart})`,
      `- 10:04 ada denied ${restart}`,
      `- 10:05 olivia requested \`rollback payments\` (${rollback})`,
      `- 10:08 ada approved ${rollback}`,
      `- 10:08 \`rollback payments\` (${rollback}) succeeded: Rolled back payments`,
      '- 10:15 Resolved by olivia',
    ].map((line) => timeline.indexOf(line));
    expect(order.every((at) => at >= 0)).toBe(true);
    expect([...order].sort((a, b) => a - b)).toEqual(order);

    // Root cause from the investigation, each piece of evidence with the tool it rests on.
    expect(md).toContain('**Bad deploy on payments** (kind `bad_deploy`, confidence');
    expect(md).toMatch(/- deploy at 09:20: deployed payments v[\d.]+ \(was v[\d.]+\) \(tool: `changes`\)/);
    expect(md).toMatch(/- payments error rate above its expected band since 09:20 .*\(tool: `service_anomalies`\)/);

    // Who did what.
    expect(md).toContain(
      `- \`rollback payments\` (${rollback}): requested by olivia at 10:05 UTC; approved by ada at 10:08 UTC; ` +
        '**succeeded** at 10:08 UTC: Rolled back payments',
    );
    expect(md).toContain(`- \`restart payments\` (${restart}): requested by olivia at 10:03 UTC; **denied** by ada`);
    expect(md).toContain('- Resolved at 10:15 UTC by olivia');

    // Follow-ups: the kind's usual work, the runbooks, earlier alerting; not the suggestion that was run.
    const followUps = md.slice(md.indexOf('## Follow-ups'));
    expect(followUps).toContain('- [ ] Gate payments deploys on error rate and p99 latency');
    expect(followUps).toMatch(/- \[ \] Review the runbook “Bad deploy[^”]*” \(runbooks\/bad-deploy\.md\)/);
    expect(followUps).toContain(
      '- [ ] Alert sooner: the first alert fired 30m after payments went over its objectives',
    );
    expect(followUps).not.toContain('rollback payments');
    expect(md).toContain('_Draft generated by SmartCloudOps; review before publishing._ (2026-11-26 10:20 UTC)');
  });

  it('answers the same Markdown over REST, or the Markdown alone for Accept: text/markdown', async () => {
    const headers = await story.headers('vic');
    const chat = await story.say('vic', `postmortem ${incident}`);
    const text = chat.reply.blocks.find((b) => b.type === 'text');

    const res = await story.h.http.inject({ method: 'GET', url: `/api/v1/incidents/${incident}/postmortem`, headers });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({
      incident_id: incident,
      markdown: text && 'text' in text ? text.text : '',
      polished: false,
      source: 'rules',
    });

    const plain = await story.h.http.inject({
      method: 'GET',
      url: `/api/v1/incidents/${incident.toUpperCase()}/postmortem`,
      headers: { ...headers, accept: 'text/markdown' },
    });
    expect(plain.statusCode).toBe(200);
    expect(plain.headers['content-type']).toBe('text/markdown; charset=utf-8');
    expect(plain.body).toBe(res.json().markdown);
  });

  it('says clearly when there is no such incident, in chat (no question asked) and over REST (404)', async () => {
    const asked = await story.say('vic', 'postmortem i000000');
    expect(asked.outcome).toBe('invalid');
    expect(asked.text).toContain('There is no incident i000000.');

    const res = await story.h.http.inject({
      method: 'GET',
      url: '/api/v1/incidents/i000000/postmortem',
      headers: await story.headers('vic'),
    });
    expect(res.statusCode).toBe(404);
    expect(res.json()).toMatchObject({
      outcome: 'invalid',
      error: 'not_found',
      message: expect.stringContaining('i000000'),
    });

    const anonymous = await story.h.http.inject({ method: 'GET', url: `/api/v1/incidents/${incident}/postmortem` });
    expect(anonymous.statusCode).toBe(401);
  });

  it('asks which incident when none is named', async () => {
    const asked = await story.say('vic', 'draft the postmortem', 'ask-thread');
    expect(asked.outcome).toBe('asked');
    expect(asked.text).toMatch(/Which incident\?/);
    const answered = await story.say('vic', incident, 'ask-thread');
    expect(answered.text).toContain(`Postmortem draft: incident ${incident}`);
  });
});
