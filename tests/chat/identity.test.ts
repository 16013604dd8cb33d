import type { App } from '../../src/app/control';
import { renderText } from '../../src/reply/render-text';
import { lastVersion, recordingSink, testApp } from '../helpers/app';

/** Who is asking, from chat: linked chat ids act as their user; everyone else gets the default role. */
describe('chat identity and RBAC', () => {
  let app: App;

  beforeEach(async () => {
    ({ app } = await testApp({ DEFAULT_ROLE: 'viewer' }));
    const olivia = await app.auth.users.create({
      email: 'olivia@example.com',
      password: 'correct horse battery staple',
      role: 'operator',
      name: 'olivia',
    });
    app.auth.users.link(olivia.id, 'slack', 'U0PERATOR');
    app.auth.users.link(olivia.id, 'teams', '29:1-operator-aad');
  });
  afterEach(async () => {
    await app.close();
  });

  const say = async (platform: 'slack' | 'teams' | 'console', user: string, text: string) => {
    const sink = recordingSink();
    const handled = await app.conversation.handleMessage({ platform, user, channel: 'C1', thread: 't', text }, sink);
    await handled.done;
    return { ...handled, text: sink.messages.map((m) => renderText(lastVersion(m))).join('\n') };
  };

  it('refuses an operator command to an unlinked chat user (default role viewer) and audits the denial', async () => {
    const result = await say('slack', 'U0STRANGER', '/ops restart checkout-api');
    expect(result.outcome).toBe('denied');
    expect(result.text).toContain('needs the operator role; you are viewer');
    const [entry] = app.auth.audit.list({ action: 'command.remediate' });
    expect(entry).toMatchObject({ actor: 'slack:U0STRANGER', outcome: 'denied' });
    expect(app.auth.audit.verify().ok).toBe(true);
  });

  it("lets a linked Slack or Teams id act as its user, with the user's role", async () => {
    for (const [platform, id] of [
      ['slack', 'U0PERATOR'],
      ['teams', '29:1-operator-aad'],
    ] as const) {
      const result = await say(platform, id, '/ops restart checkout-api');
      expect(result.outcome).not.toBe('denied');
      expect(result.text).toMatch(/Remediation r[0-9a-f]{6}: restart checkout-api/);
    }
    expect(app.auth.audit.list({ action: 'command.remediate' })).toHaveLength(0);
  });

  it('follows role changes and unlinking at once', async () => {
    const olivia = app.auth.users.findByEmail('olivia@example.com');
    app.auth.users.setRole(olivia?.id ?? '', 'viewer');
    expect((await say('slack', 'U0PERATOR', '/ops restart checkout-api')).outcome).toBe('denied');
    app.auth.users.setRole(olivia?.id ?? '', 'operator');
    app.auth.users.unlink('slack', 'U0PERATOR');
    expect((await say('slack', 'U0PERATOR', '/ops restart checkout-api')).outcome).toBe('denied');
  });

  it('makes the console name act as the local user of that name, and a stranger a viewer', async () => {
    expect((await say('console', 'olivia', '/ops restart checkout-api')).text).toMatch(
      /Remediation r[0-9a-f]{6}: restart checkout-api/,
    );
    expect((await say('console', 'mallory', '/ops restart checkout-api')).outcome).toBe('denied');
  });

  it('lets a viewer cancel only their own jobs', async () => {
    // Workers are not started: the job stays queued, so there is something to cancel.
    await app.conversation.handleMessage(
      { platform: 'slack', user: 'U0STRANGER', channel: 'C1', text: '/ops status' },
      recordingSink(),
    );
    const [started] = await app.queue.list({ limit: 1 });
    expect(started.meta.requestedBy).toBe('slack:U0STRANGER');
    const job = started.id;
    const other = await say('slack', 'U0OTHER', `/ops cancel ${job}`);
    expect(other.text).toContain('cancelling it needs the operator role');
    const operator = await say('slack', 'U0PERATOR', `/ops cancel ${job}`);
    expect(operator.text).not.toContain('needs the operator role');
    expect((await app.queue.get(job))?.state).toBe('cancelled');
  });
  describe('issue 13.15: replies name people, never their ids', () => {
    it('shows who started a job by name in `jobs`, `job ID`, a cancel refusal and a cancelled job', async () => {
      // Workers are not started: the job stays queued.
      await app.conversation.handleMessage(
        { platform: 'slack', user: 'U0PERATOR', channel: 'C1', text: '/ops status' },
        recordingSink(),
      );
      const [started] = await app.queue.list({ limit: 1 });
      expect(started.meta.requestedBy).toMatch(/^user:/); // ids stay ids underneath
      const list = await say('console', 'olivia', 'jobs');
      expect(list.text).toMatch(/status\s+waiting.*\bolivia\s*$/m);
      const detail = await say('console', 'olivia', `job ${started.id}`);
      expect(detail.text).toMatch(/requested by\W+olivia/);
      const refused = await say('slack', 'U0STRANGER', `/ops cancel ${started.id}`);
      expect(refused.text).toContain('was started by olivia;');
      await say('slack', 'U0PERATOR', `/ops cancel ${started.id}`);
      const cancelled = await say('console', 'olivia', `job ${started.id}`);
      for (const r of [list, detail, refused, cancelled]) expect(r.text).not.toMatch(/user:[0-9a-f]{8}/);
    });

    it('says who froze remediation by name', async () => {
      const admin = await app.auth.users.create({
        email: 'ann@example.com',
        password: 'correct horse battery staple',
        role: 'admin',
        name: 'ann',
      });
      app.auth.users.link(admin.id, 'slack', 'U0ADMIN');
      await say('slack', 'U0ADMIN', '/ops freeze');
      const refused = await say('slack', 'U0PERATOR', '/ops restart checkout-api');
      expect(refused.text).toContain('Remediation is frozen (by ann)');
    });

    it('names an API key by its owner and the key, and a console guest by the name typed', async () => {
      const olivia = app.auth.users.findByEmail('olivia@example.com');
      const { info } = app.auth.apiKeys.create(olivia!, { name: 'ci', permissions: ['read'] });
      await app.queue.add('status', { windowS: 3600 }, { meta: { requestedBy: `apikey:${info.id}` } });
      await app.conversation.handleMessage(
        { platform: 'console', user: 'mallory', channel: 'C1', text: '/ops status' },
        recordingSink(),
      );
      const list = await say('console', 'olivia', 'jobs');
      expect(list.text).toContain(`olivia (API key ${info.id})`);
      expect(list.text).toMatch(/\bmallory\s*$/m);
      expect(list.text).not.toMatch(/apikey:|console:/);
    });
  });
});
