import { intentSchema, type Intent } from '../../src/intent/schema';
import { parseRules, rulesParser } from '../../src/intent/rules';
import { toCommand } from '../../src/intent/format';

type Case = [text: string, intent: Intent['intent'], slots: Record<string, unknown>];

function expectParse([text, intent, slots]: Case): Intent {
  const got = parseRules(text);
  expect({ text, intent: got.intent, slots: got.slots }).toEqual({ text, intent, slots });
  expect(intentSchema.parse(got)).toEqual(got);
  expect(got.source).toBe('rules');
  return got;
}

describe('rules parser: slash form and exact commands', () => {
  const cases: Case[] = [
    ['/ops restart checkout-api', 'remediate', { action: 'restart', target: 'checkout-api' }],
    [
      '/ops scale payments 3 --dry-run',
      'remediate',
      { action: 'scale', target: 'payments', replicas: 3, dry_run: true },
    ],
    ['/ops anomalies search --window 2h', 'detect_anomalies', { service: 'search', window_s: 7200 }],
    [
      '/ops anomalies cart --metric "p99 latency" --window=30m',
      'detect_anomalies',
      { service: 'cart', metric: 'p99 latency', window_s: 1800 },
    ],
    [
      '/ops runbook cert-rotate auth-gateway --dry-run',
      'remediate',
      { action: 'runbook', runbook: 'cert-rotate', target: 'auth-gateway', dry_run: true },
    ],
    ['/ops clear-cache orders', 'remediate', { action: 'clear_cache', target: 'orders' }],
    ['/ops rollback auth-gateway', 'remediate', { action: 'rollback', target: 'auth-gateway' }],
    ['/ops status', 'status', {}],
    ['/ops status inventory', 'status', { service: 'inventory' }],
    ['/ops help', 'help', {}],
    ['/ops', 'help', {}],
    ['/ops help rollback', 'help', { topic: 'rollback' }],
    ['/ops jobs', 'list_jobs', {}],
    ['/ops job 42', 'job_status', { job_id: '42' }],
    ['/ops cancel job 5e6f', 'cancel_job', { job_id: '5e6f' }],
    ['/ops approve r-17', 'approve', { request_id: 'r-17' }],
    ['/ops deny #r-18', 'deny', { request_id: 'r-18' }],
    ['/ops incidents acked', 'list_incidents', { status: 'acked' }],
    ['/ops ack 5', 'ack_incident', { incident_id: '5' }],
    ['/ops resolve INC-44', 'resolve_incident', { incident_id: 'INC-44' }],
    ['/ops models', 'list_models', {}],
    [
      '/ops train lstm --service orders --window 14d',
      'train_model',
      { model: 'lstm', service: 'orders', window_s: 1209600 },
    ],
    ['/ops promote lstm 7', 'promote_model', { model: 'lstm', version: 7 }],
    ['/ops model rollback lstm', 'rollback_model', { model: 'lstm' }],
    ['/ops rollback-model lstm', 'rollback_model', { model: 'lstm' }],
    ['/ops detect-anomalies payments', 'detect_anomalies', { service: 'payments' }],
    ['/ops list_incidents open', 'list_incidents', { status: 'open' }],
    ['/ops runbooks postgres failover', 'search_runbooks', { query: 'postgres failover' }],
    ['/ops freeze', 'freeze', {}],
    ['/ops unfreeze', 'unfreeze', {}],
    ['/ops investigate payments', 'investigate', { service: 'payments' }],
  ];
  it.each(cases)('%s', (...c) => {
    const got = expectParse(c);
    expect(got.confidence).toBeGreaterThanOrEqual(0.9);
  });

  it('gives confidence 1 to the slash form and to exact command words', () => {
    for (const text of [
      '/ops restart orders',
      'restart orders',
      'status',
      'jobs',
      'approve 4',
      'freeze',
      'anomalies cart 2h',
      'help',
    ]) {
      expect(parseRules(text).confidence).toBe(1);
    }
  });
});

describe('rules parser: remediation synonyms', () => {
  const cases: Case[] = [
    ['bounce the orders service', 'remediate', { action: 'restart', target: 'orders' }],
    ['kick auth-gateway', 'remediate', { action: 'restart', target: 'auth-gateway' }],
    ['recycle the billing-worker pods', 'remediate', { action: 'restart', target: 'billing-worker' }],
    ['reboot inventory now', 'remediate', { action: 'restart', target: 'inventory' }],
    ['please restart the cart deployment', 'remediate', { action: 'restart', target: 'cart' }],
    ['hey can you bounce checkout-api', 'remediate', { action: 'restart', target: 'checkout-api' }],
    ['go ahead and restart search', 'remediate', { action: 'restart', target: 'search' }],
    ['give payments a bounce', 'remediate', { action: 'restart', target: 'payments' }],
    ['restart', 'remediate', { action: 'restart' }],
    ['restart it', 'remediate', { action: 'restart' }],
    ['roll back orders', 'remediate', { action: 'rollback', target: 'orders' }],
    ['rollback cart please', 'remediate', { action: 'rollback', target: 'cart' }],
    ['revert the latest deployment for frontend', 'remediate', { action: 'rollback', target: 'frontend' }],
    ['undo the deploy on checkout-api', 'remediate', { action: 'rollback', target: 'checkout-api' }],
    ['can you roll search back', 'remediate', { action: 'rollback', target: 'search' }],
    ['roll back payments to the last good version', 'remediate', { action: 'rollback', target: 'payments' }],
    ['flush redis cache for checkout-api', 'remediate', { action: 'clear_cache', target: 'checkout-api' }],
    ['clear the cache on orders', 'remediate', { action: 'clear_cache', target: 'orders' }],
    ['purge the cdn cache on frontend', 'remediate', { action: 'clear_cache', target: 'frontend' }],
    ['nuke the cache', 'remediate', { action: 'clear_cache' }],
    ['wipe the inventory cache', 'remediate', { action: 'clear_cache', target: 'inventory' }],
    ["flush checkout-api's cache", 'remediate', { action: 'clear_cache', target: 'checkout-api' }],
    ['scale payments to 6', 'remediate', { action: 'scale', target: 'payments', replicas: 6 }],
    ['scale out search to 8 replicas', 'remediate', { action: 'scale', target: 'search', replicas: 8 }],
    ['scale in checkout-api to 2', 'remediate', { action: 'scale', target: 'checkout-api', replicas: 2 }],
    ['bump up to 10 instances', 'remediate', { action: 'scale', replicas: 10 }],
    ['bump cart up to 10 instances', 'remediate', { action: 'scale', target: 'cart', replicas: 10 }],
    ['add 2 replicas to orders', 'remediate', { action: 'scale', target: 'orders', replicas: 2 }],
    ['set replicas to 4 for cart', 'remediate', { action: 'scale', target: 'cart', replicas: 4 }],
    ['set cart replicas to 4', 'remediate', { action: 'scale', target: 'cart', replicas: 4 }],
    ['scale payments=3', 'remediate', { action: 'scale', target: 'payments', replicas: 3 }],
    ['scale api-gateway to three replicas', 'remediate', { action: 'scale', target: 'api-gateway', replicas: 3 }],
    ['scale up checkout-api', 'remediate', { action: 'scale', target: 'checkout-api' }],
    [
      'run the disk-cleanup runbook on billing-worker',
      'remediate',
      { action: 'runbook', runbook: 'disk-cleanup', target: 'billing-worker' },
    ],
    [
      'execute runbook restart-pods on checkout-api',
      'remediate',
      { action: 'runbook', runbook: 'restart-pods', target: 'checkout-api' },
    ],
    [
      'trigger the cert-rotate playbook for auth-gateway',
      'remediate',
      { action: 'runbook', runbook: 'cert-rotate', target: 'auth-gateway' },
    ],
    ['run the log-rotate runbook', 'remediate', { action: 'runbook', runbook: 'log-rotate' }],
    ['dry-run a restart of cart', 'remediate', { action: 'restart', target: 'cart', dry_run: true }],
    ['preview a rollback of orders', 'remediate', { action: 'rollback', target: 'orders', dry_run: true }],
    [
      'restart notifications with a dry run',
      'remediate',
      { action: 'restart', target: 'notifications', dry_run: true },
    ],
  ];
  it.each(cases)('%s', (...c) => {
    expectParse(c);
  });
});

describe('rules parser: read-only intents', () => {
  const cases: Case[] = [
    ['status', 'status', {}],
    ['health of checkout-api', 'status', { service: 'checkout-api' }],
    ['is payments healthy?', 'status', { service: 'payments' }],
    ['how is orders doing', 'status', { service: 'orders' }],
    ["how's the fleet", 'status', {}],
    ['is prod ok', 'status', {}],
    ["what's on fire", 'status', {}],
    ['is anything broken right now?', 'status', {}],
    ['is the search service up', 'status', { service: 'search' }],
    ['what is the current state of inventory', 'status', { service: 'inventory' }],
    ['any anomalies?', 'detect_anomalies', {}],
    ['any anomalies in payments over the last 2 hours', 'detect_anomalies', { service: 'payments', window_s: 7200 }],
    ['anything weird with orders in the past 30m', 'detect_anomalies', { service: 'orders', window_s: 1800 }],
    [
      'spikes in search error rate over 90 minutes',
      'detect_anomalies',
      { service: 'search', metric: 'error rate', window_s: 5400 },
    ],
    [
      'outliers in cart p99 latency for 1d',
      'detect_anomalies',
      { service: 'cart', metric: 'p99 latency', window_s: 86400 },
    ],
    [
      'any cpu anomalies on checkout-api last week',
      'detect_anomalies',
      { service: 'checkout-api', metric: 'cpu', window_s: 604800 },
    ],
    [
      'were there spikes in memory on inventory in the last 2h',
      'detect_anomalies',
      { service: 'inventory', metric: 'memory', window_s: 7200 },
    ],
    ['anything unusual on auth-gateway in 45 mins', 'detect_anomalies', { service: 'auth-gateway', window_s: 2700 }],
    ['scan all services for anomalies', 'detect_anomalies', {}],
    ['investigate checkout-api', 'investigate', { service: 'checkout-api' }],
    ['dig into payments', 'investigate', { service: 'payments' }],
    ['figure out why cart is slow', 'investigate', { service: 'cart' }],
    ['why is payments slow?', 'investigate', { service: 'payments', question: 'why is payments slow' }],
    ["what's wrong with orders?", 'investigate', { service: 'orders', question: "what's wrong with orders" }],
    [
      'what caused the outage on payments',
      'investigate',
      { service: 'payments', question: 'what caused the outage on payments' },
    ],
    ['help', 'help', {}],
    ['what can you do?', 'help', {}],
    ['help scale', 'help', { topic: 'scale' }],
    ['how do I restart checkout-api?', 'help', { topic: 'restart' }],
    ['how to flush the cache', 'help', { topic: 'clear_cache' }],
    ['how can I roll back payments', 'help', { topic: 'rollback' }],
    ['how does anomaly detection work', 'help', { topic: 'anomalies' }],
    ['what is a runbook?', 'help', { topic: 'runbook' }],
    ['explain the freeze command', 'help', { topic: 'freeze' }],
  ];
  it.each(cases)('%s', (...c) => {
    expectParse(c);
  });
});

describe('rules parser: approvals, jobs, incidents, models, runbooks, freeze', () => {
  const cases: Case[] = [
    ['approve #req-42', 'approve', { request_id: 'req-42' }],
    ['approve request 17 please', 'approve', { request_id: '17' }],
    ['approve it', 'approve', {}],
    ['lgtm, approve r-9', 'approve', { request_id: 'r-9' }],
    ['deny 17', 'deny', { request_id: '17' }],
    ['reject request #12', 'deny', { request_id: '12' }],
    ['nah deny 15', 'deny', { request_id: '15' }],
    ['jobs', 'list_jobs', {}],
    ['show my jobs', 'list_jobs', {}],
    ["what's in the queue", 'list_jobs', {}],
    ['job #12', 'job_status', { job_id: '12' }],
    ['status of job abc123', 'job_status', { job_id: 'abc123' }],
    ['how is job 12 going', 'job_status', { job_id: '12' }],
    ['cancel', 'cancel_job', {}],
    ['cancel #42', 'cancel_job', { job_id: '42' }],
    ['kill job 77', 'cancel_job', { job_id: '77' }],
    ['abort 9f3a', 'cancel_job', { job_id: '9f3a' }],
    ['incidents', 'list_incidents', {}],
    ['show me open incidents', 'list_incidents', { status: 'open' }],
    ['list acknowledged incidents', 'list_incidents', { status: 'acked' }],
    ['any unresolved incidents?', 'list_incidents', { status: 'open' }],
    ['list closed incidents', 'list_incidents', { status: 'resolved' }],
    ['ack incident #42', 'ack_incident', { incident_id: '42' }],
    ['acknowledge INC-314', 'ack_incident', { incident_id: 'INC-314' }],
    ['take incident 5', 'ack_incident', { incident_id: '5' }],
    ['resolve incident 9', 'resolve_incident', { incident_id: '9' }],
    ['close inc-22', 'resolve_incident', { incident_id: 'inc-22' }],
    ['mark inc-11 as resolved', 'resolve_incident', { incident_id: 'inc-11' }],
    ['models', 'list_models', {}],
    ['what models are there', 'list_models', {}],
    ['train a model for payments on the last 2 weeks', 'train_model', { service: 'payments', window_s: 1209600 }],
    ['retrain isolation-forest on checkout-api', 'train_model', { model: 'isolation-forest', service: 'checkout-api' }],
    [
      'train model lstm for orders using the last 7 days',
      'train_model',
      { model: 'lstm', service: 'orders', window_s: 604800 },
    ],
    ['promote lstm to version 3', 'promote_model', { model: 'lstm', version: 3 }],
    ['promote model iforest v4', 'promote_model', { model: 'iforest', version: 4 }],
    ['promote lstm@2', 'promote_model', { model: 'lstm', version: 2 }],
    ['promote the model', 'promote_model', {}],
    ['rollback model lstm', 'rollback_model', { model: 'lstm' }],
    ['roll back the cpu-ewma model', 'rollback_model', { model: 'cpu-ewma' }],
    ['search runbooks for disk full', 'search_runbooks', { query: 'disk full' }],
    ['find a runbook about memory leaks', 'search_runbooks', { query: 'memory leaks' }],
    ['is there a playbook for high cpu?', 'search_runbooks', { query: 'high cpu' }],
    ['is there a runbook for restarting pods', 'search_runbooks', { query: 'restarting pods' }],
    ['freeze all remediations', 'freeze', {}],
    ['pause all automation', 'freeze', {}],
    ['start a change freeze', 'freeze', {}],
    ['lift the change freeze', 'unfreeze', {}],
    ['resume remediations', 'unfreeze', {}],
    ['thaw deploys', 'unfreeze', {}],
  ];
  it.each(cases)('%s', (...c) => {
    expectParse(c);
  });

  it('parses a clear intent whose required slot is missing, naming the slot', () => {
    expect(parseRules('approve').missing).toEqual(['request_id']);
    expect(parseRules('cancel job').missing).toEqual(['job_id']);
    expect(parseRules('ack the incident').missing).toEqual(['incident_id']);
    expect(parseRules('promote the model').missing).toEqual(['model', 'version']);
    expect(parseRules('search runbooks').missing).toEqual(['query']);
    expect(parseRules('restart').missing).toEqual(['target']);
  });

  it(
    'reads our incident and request ids whatever their hex digits, ' + 'letters only included (the buttons send them)',
    () => {
      for (const id of ['iffabab', 'i0a1b2c', 'i123456', 'iacadbb']) {
        expect(parseRules(`ack ${id}`).slots).toEqual({ incident_id: id });
        expect(parseRules(`resolve ${id}`).slots).toEqual({ incident_id: id });
      }
      for (const id of ['rffabab', 'r0a1b2c', 'rdeface']) {
        expect(parseRules(`approve ${id}`).slots).toEqual({ request_id: id });
        expect(parseRules(`deny ${id}`).slots).toEqual({ request_id: id });
      }
    },
  );
});

describe('rules parser: durations, ids, names and noise', () => {
  const windows: Array<[string, number]> = [
    ['last 2 hours', 7200],
    ['past 30m', 1800],
    ['1d', 86400],
    ['90 minutes', 5400],
    ['last week', 604800],
    ['the last hour', 3600],
    ['2h', 7200],
    ['45 mins', 2700],
    ['past day', 86400],
    ['last 24h', 86400],
    ['over the past 15 minutes', 900],
    ['in the last 1.5h', 5400],
    ['half an hour', 1800],
    ['two hours', 7200],
    ['the past 3 days', 259200],
    ['last couple of hours', 7200],
    ['7d', 604800],
    ['2 weeks', 1209600],
  ];
  it.each(windows)('window "%s" is %i seconds', (phrase, seconds) => {
    expect(parseRules(`anomalies on cart ${phrase}`).slots).toEqual({ service: 'cart', window_s: seconds });
  });

  it('takes no window from "today"', () => {
    expect(parseRules('any anomalies on cart today').slots).toEqual({ service: 'cart' });
  });

  const noise: Case[] = [
    ['<@U024BE7LH> restart payments', 'remediate', { action: 'restart', target: 'payments' }],
    ['<@U024BE7LH|opsbot> status cart', 'status', { service: 'cart' }],
    ['<at>OpsBot</at> restart payments', 'remediate', { action: 'restart', target: 'payments' }],
    ['@opsbot: restart cart', 'remediate', { action: 'restart', target: 'cart' }],
    ['restart `checkout-api`', 'remediate', { action: 'restart', target: 'checkout-api' }],
    ['   ReStArT    Payments   ', 'remediate', { action: 'restart', target: 'payments' }],
    ['restart checkout-api!!!', 'remediate', { action: 'restart', target: 'checkout-api' }],
    ['restart checkout-api 🔥🔥', 'remediate', { action: 'restart', target: 'checkout-api' }],
    ['restart checkout-api :fire:', 'remediate', { action: 'restart', target: 'checkout-api' }],
    ['status of billing_worker', 'status', { service: 'billing_worker' }],
    ['restart the payments service please', 'remediate', { action: 'restart', target: 'payments' }],
    ['restart payments svc', 'remediate', { action: 'restart', target: 'payments' }],
    ['approve ✅ r-22', 'approve', { request_id: 'r-22' }],
    ['job #256?', 'job_status', { job_id: '256' }],
    ['ack INC-7', 'ack_incident', { incident_id: 'INC-7' }],
  ];
  it.each(noise)('%s', (...c) => {
    expectParse(c);
  });
});

describe('rules parser: typos', () => {
  const cases: Case[] = [
    ['restrat inventory', 'remediate', { action: 'restart', target: 'inventory' }],
    ['rollbak cart', 'remediate', { action: 'rollback', target: 'cart' }],
    ['anomolies in orders past 30m', 'detect_anomalies', { service: 'orders', window_s: 1800 }],
    ['list incidnets', 'list_incidents', {}],
    ['stauts payments', 'status', { service: 'payments' }],
    ['helath of payments', 'status', { service: 'payments' }],
    ['investgate orders', 'investigate', { service: 'orders' }],
    ['aprove 12', 'approve', { request_id: '12' }],
    ['cancle job 88', 'cancel_job', { job_id: '88' }],
    ['scael cart to 5', 'remediate', { action: 'scale', target: 'cart', replicas: 5 }],
  ];
  it.each(cases)('%s', (...c) => {
    const got = expectParse(c);
    expect(got.confidence).toBeGreaterThanOrEqual(0.5);
    expect(got.confidence).toBeLessThanOrEqual(0.7);
  });

  it('does not "correct" ordinary words or names into commands', () => {
    expect(parseRules('start checkout-api').intent).toBe('unknown');
    expect(parseRules('stale data on cart').intent).not.toBe('remediate');
    expect(parseRules('status paymnets').slots).toEqual({ service: 'paymnets' });
  });
});

describe('rules parser: unknown', () => {
  it.each([
    'asdfgh',
    'qwerty uiop',
    'lol',
    'thanks!',
    'good morning',
    'tell me a joke',
    "what's the weather",
    '👍',
    '',
    '   ',
    'who won the game last night?',
    'delete the orders database',
    'shut down payments',
    'deploy payments v2',
  ])('%j is unknown with confidence 0', (text) => {
    const got = parseRules(text);
    expect(got).toEqual({ intent: 'unknown', slots: {}, confidence: 0, missing: [], source: 'rules' });
  });

  it('leaves a very long text to a human', () => {
    expect(parseRules(`restart payments ${'please '.repeat(400)}`).intent).toBe('unknown');
  });

  it('serves the IntentParser port', async () => {
    expect(rulesParser.source).toBe('rules');
    await expect(rulesParser.parse('jobs')).resolves.toMatchObject({ intent: 'list_jobs' });
  });
});

describe('issue 13.14: commands parse as the docs say', () => {
  const cases: Case[] = [
    // runbooks/README.md's own form
    ['runbook flush-dns on search', 'remediate', { action: 'runbook', runbook: 'flush-dns', target: 'search' }],
    [
      'runbook flush-dns on checkout-api --dry-run',
      'remediate',
      { action: 'runbook', runbook: 'flush-dns', target: 'checkout-api', dry_run: true },
    ],
    ['/ops runbook flush-dns on search', 'remediate', { action: 'runbook', runbook: 'flush-dns', target: 'search' }],
    // the bot's own echo (`toCommand`) of a runbook request
    ['/ops runbook flush-dns search', 'remediate', { action: 'runbook', runbook: 'flush-dns', target: 'search' }],
    // `search` is a service wherever a name goes
    ['/ops clear_cache search', 'remediate', { action: 'clear_cache', target: 'search' }],
    ['clear_cache search', 'remediate', { action: 'clear_cache', target: 'search' }],
    ['clear cache search', 'remediate', { action: 'clear_cache', target: 'search' }],
    ['/ops clear-cache search --dry-run', 'remediate', { action: 'clear_cache', target: 'search', dry_run: true }],
    ['search is down', 'status', { service: 'search' }],
    // … and still the runbook search where runbooks are searched
    ['runbook search high memory', 'search_runbooks', { query: 'high memory' }],
    ['search the runbooks for dns', 'search_runbooks', { query: 'dns' }],
    ['runbooks for flush-dns', 'search_runbooks', { query: 'flush-dns' }],
    ['look for anomalies in search', 'detect_anomalies', { service: 'search' }],
  ];
  it.each(cases)('%s', (...c) => {
    expectParse(c);
  });

  it('parses every remediation the bot echoes back to the same intent', () => {
    const intents = [
      '/ops restart search',
      '/ops scale search 3',
      '/ops rollback search',
      '/ops clear_cache search',
      '/ops runbook flush-dns on search',
      'runbook flush-dns on search --dry-run',
      'please flush the cache on search',
    ].map(parseRules);
    for (const intent of intents) {
      expect(intent.missing).toEqual([]);
      const again = parseRules(toCommand(intent));
      expect({ command: toCommand(intent), intent: again.intent, slots: again.slots }).toEqual({
        command: toCommand(intent),
        intent: intent.intent,
        slots: intent.slots,
      });
    }
  });
});
