import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { createHttpForApp } from '../../src/app/http';
import { tempDbPath, testApp } from '../helpers/app';

/**
 * Issue 18 point 5: the bot's own alert rules and Grafana dashboard. `promtool` (Debian's
 * prometheus package, which .ci/run installs) checks the rules and runs their unit tests, and checks
 * a live /metrics; every metric the rules and the dashboard query is one the bot really exports.
 */
const DEPLOY = join(__dirname, '..', '..', 'deploy');
const RULES = join(DEPLOY, 'prometheus', 'smartcloudops-rules.yml');
const DASHBOARD = join(DEPLOY, 'grafana', 'smartcloudops.json');

function promtool(args: string[], input?: string) {
  const r = spawnSync('promtool', args, { cwd: join(DEPLOY, 'prometheus'), input, encoding: 'utf8' });
  if (r.error) throw new Error(`promtool is needed (apt-get install prometheus): ${r.error.message}`);
  return { code: r.status, out: `${r.stdout}${r.stderr}` };
}

/** The smartcloudops_* metric names an expression reads (histogram series by their base name). */
function metricsIn(expr: string): string[] {
  return [...expr.matchAll(/\b(smartcloudops_[a-z_]+?)(?:_bucket|_sum|_count)?\b(?![a-z_])/g)].map((m) => m[1]);
}

describe('issue 18.5: alert rules and dashboard for the bot itself', () => {
  let exported: Set<string>;
  let scrape: string;
  beforeAll(async () => {
    const { app } = await testApp({ DATABASE_PATH: tempDbPath('sco-obs-') });
    const http = createHttpForApp(app);
    try {
      await http.ready();
      await http.inject({ method: 'GET', url: '/healthz' });
      scrape = (await http.inject({ method: 'GET', url: '/metrics' })).body;
    } finally {
      await http.close();
      await app.close();
    }
    exported = new Set([...scrape.matchAll(/^# TYPE (smartcloudops_[a-z_]+) /gm)].map((m) => m[1]));
  });

  it('promtool checks the rules and their unit tests pass (each alert fires when it should, only then)', () => {
    const checked = promtool(['check', 'rules', RULES]);
    expect(checked.out).toMatch(/SUCCESS: 5 rules found/);
    expect(checked.code).toBe(0);
    const tested = promtool(['test', 'rules', 'smartcloudops-rules.test.yml']);
    expect(tested.out).toMatch(/SUCCESS/);
    expect(tested.code).toBe(0);
  });

  it("promtool checks a live /metrics: it parses, and the bot's own metrics have no lint problems", () => {
    const checked = promtool(['check', 'metrics'], scrape);
    const problems = checked.out.split('\n').filter(Boolean);
    // prom-client's default Node metrics (DESIGN.md keeps them) name three gauges `*_total`; promtool
    // flags those and exits 1 for them. Nothing else may be flagged, and the text must parse.
    const ours = problems.filter((l) => !/^smartcloudops_nodejs_active_(handles|requests|resources)_total /.test(l));
    expect(ours).toEqual([]);
    expect(checked.out).not.toMatch(/error parsing|text format parsing error/i);
  });

  it('the rules and every dashboard panel query only metrics the bot exports', () => {
    const rules = readFileSync(RULES, 'utf8');
    const fromRules = metricsIn(rules);
    expect(fromRules.length).toBeGreaterThan(4);
    for (const name of fromRules) expect({ name, exported: exported.has(name) }).toEqual({ name, exported: true });

    const dashboard = JSON.parse(readFileSync(DASHBOARD, 'utf8')) as {
      uid: string;
      panels: Array<{ title: string; targets: Array<{ expr: string }> }>;
    };
    expect(dashboard.uid).toBe('smartcloudops');
    const queried = new Set(dashboard.panels.flatMap((p) => p.targets.flatMap((t) => metricsIn(t.expr))));
    for (const name of queried) expect({ name, exported: exported.has(name) }).toEqual({ name, exported: true });
    // Every area the issue names has a panel: chat, intents, LLM tokens, jobs and queue, alerts,
    // incidents, remediations, approvals, models.
    for (const metric of [
      'smartcloudops_chat_messages_total',
      'smartcloudops_intent_parse_duration_seconds',
      'smartcloudops_llm_tokens_total',
      'smartcloudops_jobs_total',
      'smartcloudops_queue_depth',
      'smartcloudops_alerts_received_total',
      'smartcloudops_incidents_open',
      'smartcloudops_remediations_total',
      'smartcloudops_approval_wait_seconds',
      'smartcloudops_model_trainings_total',
      'smartcloudops_model_drift_score',
    ])
      expect(queried).toContain(metric);
  });
});
