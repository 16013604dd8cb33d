import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig, secretValues } from '../../src/config/config';

describe('loadConfig', () => {
  it('runs on embedded defaults with no environment at all', () => {
    const result = loadConfig({});
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    expect(result.config.http.port).toBe(3000);
    expect(result.config.redisUrl).toBeUndefined();
    expect(result.config.metricsSource).toEqual({ kind: 'demo' });
    expect(result.config.defaultRole).toBe('viewer');
    expect(result.config.databasePath).toBe('./data/smartcloudops.db');
  });

  it("issue 18.6: takes BullMQ's lock and stalled-check periods (30 s each by default), at least a second", () => {
    const defaults = loadConfig({});
    expect(defaults.ok && defaults.config.queue).toMatchObject({ lockDurationMs: 30_000, stalledIntervalMs: 30_000 });
    const set = loadConfig({ QUEUE_LOCK_DURATION_MS: '5000', QUEUE_STALLED_INTERVAL_MS: '1000' });
    expect(set.ok && set.config.queue).toMatchObject({ lockDurationMs: 5000, stalledIntervalMs: 1000 });
    const bad = loadConfig({ QUEUE_LOCK_DURATION_MS: '999', QUEUE_STALLED_INTERVAL_MS: 'soon' });
    expect(bad.ok ? [] : bad.problems).toEqual([
      'QUEUE_LOCK_DURATION_MS: expected at least 1000 ms, got "999"',
      'QUEUE_STALLED_INTERVAL_MS: expected milliseconds, got "soon"',
    ]);
  });

  it('reports one line per problem, naming the variable and what it expects', () => {
    const result = loadConfig({
      PORT: 'abc',
      REDIS_URL: 'http://x',
      LOG_LEVEL: 'loud',
      METRICS_SOURCE: 'prometheus',
      DEFAULT_ROLE: 'root',
    });
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.problems).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^PORT: expected a port number 1-65535, got "abc"$/),
        expect.stringMatching(/^REDIS_URL: expected a redis:\/\/ or rediss:\/\/ URL/),
        expect.stringMatching(/^LOG_LEVEL: expected one of error, warn, info/),
        expect.stringMatching(/^DEFAULT_ROLE: expected one of viewer, operator, approver, admin/),
        'PROMETHEUS_URL: required when METRICS_SOURCE=prometheus',
        expect.stringMatching(/^CONFIG_FILE: required when METRICS_SOURCE=prometheus/),
      ]),
    );
    expect(result.problems).toHaveLength(6);
  });

  describe('issue 13.18: config problems come out in one round', () => {
    it('reports a bad value, a broken rule between variables and an unreadable config file together', () => {
      const missing = join(tmpdir(), `sco-no-such-config-${process.pid}.yaml`);
      const result = loadConfig({ PORT: 'abc', ADMIN_EMAIL: 'a@example.com', CONFIG_FILE: missing });
      expect(result.ok).toBe(false);
      if (result.ok) return;
      expect(result.problems).toEqual([
        'PORT: expected a port number 1-65535, got "abc"',
        'ADMIN_PASSWORD: required with ADMIN_EMAIL',
        expect.stringMatching(/^CONFIG_FILE: cannot read .*sco-no-such-config/),
      ]);
    });

    it('checks the Prometheus catalog beside a bad field, but says nothing twice about a variable that failed', () => {
      const result = loadConfig({ METRICS_SOURCE: 'prometheus', PROMETHEUS_URL: 'ftp://x', LOG_LEVEL: 'loud' });
      expect(result.ok).toBe(false);
      if (result.ok) return;
      expect(result.problems).toEqual([
        expect.stringMatching(/^LOG_LEVEL: expected one of/),
        expect.stringMatching(/^PROMETHEUS_URL: expected the Prometheus base URL/),
        expect.stringMatching(/^CONFIG_FILE: required when METRICS_SOURCE=prometheus/),
      ]);
    });
  });

  it('checks cross-field rules', () => {
    const result = loadConfig({
      METRICS_SOURCE: 'prometheus',
      SLACK_BOT_TOKEN: 'xoxb-1-2-3',
      ADMIN_EMAIL: 'a@example.com',
    });
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.problems).toEqual([
      'PROMETHEUS_URL: required when METRICS_SOURCE=prometheus',
      'SLACK_SIGNING_SECRET: required with SLACK_BOT_TOKEN (or set SLACK_APP_TOKEN for Socket Mode)',
      'ADMIN_PASSWORD: required with ADMIN_EMAIL',
      expect.stringMatching(/^CONFIG_FILE: required when METRICS_SOURCE=prometheus/),
    ]);
  });

  it('turns Teams auth off only when asked, never beside a real app password', () => {
    const on = loadConfig({});
    expect(on.ok && on.config.teams.authOff).toBe(false);
    const off = loadConfig({ TEAMS_AUTH: 'off' });
    expect(off.ok && off.config.teams.authOff).toBe(true);
    const both = loadConfig({ TEAMS_AUTH: 'off', TEAMS_APP_ID: 'app', TEAMS_APP_PASSWORD: 'secret-value' });
    expect(both.ok).toBe(false);
    if (!both.ok) expect(both.problems).toEqual([expect.stringMatching(/^TEAMS_AUTH: off is for local development/)]);
    const typo = loadConfig({ TEAMS_AUTH: 'no' });
    expect(typo.ok).toBe(false);
  });

  it('never echoes a secret value in a problem', () => {
    const result = loadConfig({ SLACK_BOT_TOKEN: 'not-a-bot-token-but-secret', SLACK_SIGNING_SECRET: 's' });
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.problems.join('\n')).toContain('SLACK_BOT_TOKEN: expected a bot token starting with xoxb-');
    expect(result.problems.join('\n')).not.toContain('not-a-bot-token-but-secret');
  });

  it('treats empty strings as unset and trims values', () => {
    const result = loadConfig({ PORT: ' 8080 ', REDIS_URL: '', OPENAI_API_KEY: '   ' });
    expect(result.ok && result.config.http.port).toBe(8080);
    expect(result.ok && result.config.redisUrl).toBeUndefined();
  });

  it('reads a YAML or JSON config file and reports its problems with the path', () => {
    const dir = mkdtempSync(join(tmpdir(), 'sco-config-'));
    const good = join(dir, 'ok.yaml');
    writeFileSync(good, 'services:\n  - name: checkout-api\n');
    const ok = loadConfig({ CONFIG_FILE: good });
    expect(ok.ok && ok.config.file.services?.[0].name).toBe('checkout-api');

    const bad = join(dir, 'bad.json');
    writeFileSync(bad, JSON.stringify({ services: [{ name: 'Checkout API' }] }));
    const result = loadConfig({ CONFIG_FILE: bad });
    expect(!result.ok && result.problems[0]).toMatch(
      /^CONFIG_FILE .*bad\.json: services\.0\.name: expected a lower-case service name$/,
    );

    const missing = loadConfig({ CONFIG_FILE: join(dir, 'nope.yaml') });
    expect(!missing.ok && missing.problems[0]).toMatch(/^CONFIG_FILE: cannot read .*nope\.yaml/);
  });

  it('collects every configured secret for the log redactor, including a Redis password', () => {
    const result = loadConfig({
      REDIS_URL: 'redis://:hunter2pass@127.0.0.1:6379',
      JWT_SECRET: 'jwt-secret-value-0123456789-abcdefghij',
      OPENAI_API_KEY: 'sk-abc',
    });
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    expect(secretValues(result.config)).toEqual(
      expect.arrayContaining(['hunter2pass', 'jwt-secret-value-0123456789-abcdefghij', 'sk-abc']),
    );
  });
});

describe('the LLM investigation agent settings', () => {
  it('defaults to 12 tool calls, 90 s, 50,000 tokens an investigation, 1,000,000 a day, gpt-4o-mini prices', () => {
    const result = loadConfig({});
    expect(result.ok && result.config.investigation).toEqual({
      maxSteps: 12,
      timeBudgetMs: 90_000,
      tokensMax: 50_000,
      tokensPerDay: 1_000_000,
      prices: { inputPerMTok: 0.15, outputPerMTok: 0.6 },
    });
  });

  it('takes its variables and names a bad one', () => {
    const ok = loadConfig({
      INVESTIGATION_MAX_STEPS: '6',
      INVESTIGATION_TOKENS_MAX: '20000',
      INVESTIGATION_TOKENS_PER_DAY: '0',
      LLM_PRICE_INPUT_PER_MTOK: '2.5',
      LLM_PRICE_OUTPUT_PER_MTOK: '10',
    });
    expect(ok.ok && ok.config.investigation).toMatchObject({
      maxSteps: 6,
      tokensMax: 20_000,
      tokensPerDay: 0,
      prices: { inputPerMTok: 2.5, outputPerMTok: 10 },
    });
    const bad = loadConfig({ INVESTIGATION_MAX_STEPS: '0', LLM_PRICE_INPUT_PER_MTOK: 'cheap' });
    expect(!bad.ok && bad.problems).toEqual([
      'INVESTIGATION_MAX_STEPS: expected a positive whole number of tool calls, got "0"',
      'LLM_PRICE_INPUT_PER_MTOK: expected US dollars per million tokens, e.g. 0.15, got "cheap"',
    ]);
  });
});
