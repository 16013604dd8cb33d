import { MAX_CARD_BYTES, renderAdaptiveCard, TONE_STYLE } from '../../src/adapters/teams/render';
import { stripControl } from '../../src/reply/sanitize';
import type { AdaptiveCard, CardElement } from '../../src/adapters/teams/card';
import { presentIncident } from '../../src/present/incidents';
import type { Incident } from '../../src/incidents/store';
import { buttons, context, fields, header, image, progress, reply, series, table, text } from '../../src/reply/model';
import { sparkline } from '../../src/reply/sparkline';
import { presentRequest } from '../../src/present/remediation';
import type { StoredRequest } from '../../src/remediation/store';

const size = (card: AdaptiveCard) => Buffer.byteLength(JSON.stringify(card), 'utf8');
/** The card's body with the tone container unwrapped: one element per rendered block. */
const flat = (card: AdaptiveCard): CardElement[] =>
  card.body.flatMap((e, i) => (i === 0 && e.type === 'Container' ? e.items : [e]));
const texts = (card: AdaptiveCard): string[] => JSON.stringify(card).match(/"text":"(?:[^"\\]|\\.)*"/g) ?? [];

describe('Teams Adaptive Card rendering', () => {
  it('emits an Adaptive Card 1.5 with the schema, and the summary as text', () => {
    const { card, text: summary } = renderAdaptiveCard(reply('info', header('Fleet health'), text('all good')));
    expect(card).toMatchObject({
      $schema: 'http://adaptivecards.io/schemas/adaptive-card.json',
      type: 'AdaptiveCard',
      version: '1.5',
    });
    expect(summary).toBe('Fleet health');
  });

  it('wraps the first block in a Container styled by the tone', () => {
    for (const [tone, style] of [
      ['success', 'good'],
      ['error', 'attention'],
      ['warning', 'warning'],
      ['info', 'accent'],
    ] as const) {
      const { card } = renderAdaptiveCard(reply(tone, header('Title'), text('body')));
      expect(TONE_STYLE[tone]).toBe(style);
      expect(card.body[0]).toEqual({
        type: 'Container',
        style,
        items: [{ type: 'TextBlock', text: 'Title', size: 'Large', weight: 'Bolder', wrap: true }],
      });
      expect(card.body[1]).toEqual({ type: 'TextBlock', text: 'body', wrap: true });
    }
  });

  it('renders text with code spans made Teams-safe and line breaks kept', () => {
    const { card } = renderAdaptiveCard(
      reply(
        'info',
        header('h'),
        text('run `scale checkout-api 3` now\nsecond line'),
        text('```\nkubectl get pods\n```'),
      ),
    );
    expect(card.body[1]).toEqual({
      type: 'TextBlock',
      text: 'run scale checkout-api 3 now\n\nsecond line',
      wrap: true,
    });
    expect(card.body[2]).toEqual({ type: 'TextBlock', text: 'kubectl get pods', wrap: true });
  });

  it('renders fields as a FactSet and context as small subtle text', () => {
    const { card } = renderAdaptiveCard(
      reply(
        'info',
        header('h'),
        fields([
          { label: 'p99', value: '912 ms' },
          { label: 'error rate', value: '4.1%' },
        ]),
        context('as of now'),
      ),
    );
    expect(card.body[1]).toEqual({
      type: 'FactSet',
      facts: [
        { title: 'p99', value: '912 ms' },
        { title: 'error rate', value: '4.1%' },
      ],
    });
    expect(card.body[2]).toEqual({ type: 'TextBlock', text: 'as of now', size: 'Small', isSubtle: true, wrap: true });
  });

  it('renders a table as a Table with a header row and one TextBlock per cell', () => {
    const { card } = renderAdaptiveCard(
      reply('info', header('h'), table(['service', 'health'], [['checkout-api', 'UNHEALTHY'], ['db']])),
    );
    const t = card.body[1];
    expect(t).toMatchObject({ type: 'Table', firstRowAsHeader: true, columns: [{ width: 12 }, { width: 9 }] });
    if (t.type !== 'Table') throw new Error('not a table');
    expect(t.rows).toHaveLength(3);
    expect(t.rows[0].cells[0]).toEqual({
      type: 'TableCell',
      items: [{ type: 'TextBlock', text: 'service', wrap: true, weight: 'Bolder' }],
    });
    expect(t.rows[1].cells.map((c) => c.items[0])).toEqual([
      { type: 'TextBlock', text: 'checkout-api', wrap: true },
      { type: 'TextBlock', text: 'UNHEALTHY', wrap: true },
    ]);
    // A short row is padded to the columns.
    expect(t.rows[2].cells).toHaveLength(2);
    expect(t.rows[2].cells[1].items[0]).toMatchObject({ text: '' });
  });

  it('renders a series as its label, the shared sparkline, and min/max/last', () => {
    const values = [1, 2, 3, 4, 5, 6, 7, 8.25];
    const { card } = renderAdaptiveCard(reply('info', series('p99', values, 'ms'), series('empty', [])));
    expect(flat(card)[0]).toEqual({
      type: 'TextBlock',
      text: `**p99**  ${sparkline(values)}  min 1 ms · max 8.25 ms · last 8.25 ms`,
      fontType: 'Monospace',
      wrap: true,
    });
    expect(flat(card)[1]).toMatchObject({ type: 'TextBlock', text: '**empty**  (no data)' });
  });

  it('renders progress as a 20-cell bar with the percent, clamped', () => {
    const { card } = renderAdaptiveCard(
      reply('info', header('h'), progress(42, 'checked payments'), progress(140), progress(NaN)),
    );
    expect(card.body[1]).toEqual({
      type: 'TextBlock',
      text: `${'█'.repeat(8)}${'░'.repeat(12)} 42% checked payments`,
      fontType: 'Monospace',
      wrap: true,
    });
    expect(card.body[2]).toMatchObject({ text: `${'█'.repeat(20)} 100%` });
    expect(card.body[3]).toMatchObject({ text: `${'░'.repeat(20)} 0%` });
  });

  it('renders buttons as an ActionSet in the body of Action.Submit carrying the command', () => {
    const { card } = renderAdaptiveCard(
      reply(
        'warning',
        header('h'),
        buttons([
          { label: 'Approve', command: 'approve 12', style: 'primary' },
          { label: 'Deny', command: 'deny 12', style: 'danger' },
          { label: 'Details', command: 'show 12' },
        ]),
      ),
    );
    expect(card.body[1]).toEqual({
      type: 'ActionSet',
      actions: [
        { type: 'Action.Submit', title: 'Approve', data: { sco: 'cmd', command: 'approve 12' }, style: 'positive' },
        { type: 'Action.Submit', title: 'Deny', data: { sco: 'cmd', command: 'deny 12' }, style: 'destructive' },
        { type: 'Action.Submit', title: 'Details', data: { sco: 'cmd', command: 'show 12' } },
      ],
    });
    expect(card).not.toHaveProperty('actions');
  });

  it('renders a chart with bytes as an inline PNG Image, without bytes as its alt text', () => {
    const png = Buffer.from([0x89, 0x50, 0x4e, 0x47]);
    const { card } = renderAdaptiveCard(
      reply(
        'info',
        header('h'),
        image({ title: 'p99', alt: 'p99 latency, 3 anomalies', png }),
        image({ title: 'p99', alt: 'p99 latency', path: 'data/charts/p99.png' }),
      ),
    );
    expect(card.body[1]).toEqual({
      type: 'Image',
      url: `data:image/png;base64,${png.toString('base64')}`,
      altText: 'p99 latency, 3 anomalies',
      size: 'Stretch',
    });
    expect(card.body[2]).toEqual({ type: 'TextBlock', text: 'Chart: p99 latency', isSubtle: true, wrap: true });
  });

  it('strips control characters and terminal escapes from data, keeping the text', () => {
    expect(stripControl('a\x00b\x07c\x1b[31mred\x1b[0m\r\nnext\tcol\u202eevil\x7f')).toBe('abcred\nnext colevil');
    const { card, text: summary } = renderAdaptiveCard(
      reply(
        'error',
        header('disk\x00 full\x1b[1m!'),
        fields([{ label: 'host\x08', value: 'db-1\x1f' }]),
        table(['a\x01'], [['b\x02']]),
        buttons([{ label: 'Go\x03', command: 'restart\x04 db' }]),
      ),
    );
    const json = JSON.stringify(card);
    expect(json).not.toMatch(/\\u00[01][0-9a-f]|\\u007f/i);
    expect(summary).toBe('disk full!');
    expect(json).toContain('"command":"restart db"');
    expect(json).toContain('"value":"db-1"');
  });

  it('renders a realistic remediation plan card (presentRequest) with Approve/Deny', () => {
    const request: StoredRequest = {
      id: 'r-42',
      action: 'scale',
      target: 'checkout-api',
      params: { replicas: 5 },
      requestedBy: 'u-alice',
      state: 'pending_approval',
      dryRun: false,
      plan: {
        executor: 'kubernetes',
        calls: [
          'PATCH /apis/apps/v1/namespaces/shop/deployments/checkout-api/scale',
          'GET /apis/apps/v1/namespaces/shop/deployments/checkout-api',
        ],
        current: { replicas: 3, pods: ['a', 'b', 'c'] },
        desired: { replicas: 5 },
        blastRadius: '2 new pods of checkout-api in shop',
      },
      approvalsNeeded: 1,
      approvers: [],
      approverNames: [],
      origin: { platform: 'teams', channel: 'c1' },
      createdAt: Date.UTC(2024, 4, 1, 9, 0),
      expiresAt: Date.UTC(2024, 4, 1, 9, 30),
      decidedBy: null,
      startedAt: null,
      finishedAt: null,
      result: null,
    };
    const { card, text: summary } = renderAdaptiveCard(presentRequest(request));
    expect(summary).toBe('Remediation r-42: scale checkout-api 5');
    expect(card.body[0]).toMatchObject({
      type: 'Container',
      style: 'warning',
      items: [{ type: 'TextBlock', text: 'Remediation r-42: scale checkout-api 5', size: 'Large' }],
    });
    expect(card.body[1]).toEqual({
      type: 'FactSet',
      facts: [
        {
          title: 'will call',
          value:
            'PATCH /apis/apps/v1/namespaces/shop/deployments/checkout-api/scale\n\n' +
            'GET /apis/apps/v1/namespaces/shop/deployments/checkout-api',
        },
        { title: 'now', value: 'replicas: 3 · pods: a, b, c' },
        { title: 'after', value: 'replicas: 5' },
        { title: 'blast radius', value: '2 new pods of checkout-api in shop' },
      ],
    });
    expect(card.body[2]).toMatchObject({ type: 'TextBlock', text: expect.stringContaining('before 09:30 UTC') });
    expect(card.body[3]).toEqual({
      type: 'ActionSet',
      actions: [
        { type: 'Action.Submit', title: 'Approve', data: { sco: 'cmd', command: 'approve r-42' }, style: 'positive' },
        { type: 'Action.Submit', title: 'Deny', data: { sco: 'cmd', command: 'deny r-42' }, style: 'destructive' },
      ],
    });
    expect(size(card)).toBeLessThan(MAX_CARD_BYTES);
  });

  it('renders a realistic incident card (presentIncident) with its tone and actions', () => {
    const incident: Incident = {
      id: 'INC-7',
      groupKey: 'g',
      status: 'open',
      title: 'checkout-api p99 above 800 ms',
      service: 'checkout-api',
      severity: 'critical',
      labels: { alertname: 'HighLatency' },
      annotations: { summary: 'p99 high', runbook: 'https://runbooks/latency' },
      externalUrl: 'http://alertmanager:9093',
      createdAt: Date.UTC(2024, 4, 1, 8, 0),
      updatedAt: Date.UTC(2024, 4, 1, 8, 5),
      resolvedAt: null,
      ackedBy: null,
      resolvedBy: null,
      alerts: [{ fingerprint: 'f1', status: 'firing', labels: {}, startsAt: null, generatorUrl: null }],
      timeline: [{ at: Date.UTC(2024, 4, 1, 8, 0), actor: 'alertmanager', event: 'opened', detail: {} }],
    };
    const { card } = renderAdaptiveCard(presentIncident(incident));
    expect(card.body[0]).toMatchObject({ type: 'Container', style: 'attention' });
    expect(card.body[1]).toMatchObject({
      type: 'FactSet',
      facts: expect.arrayContaining([
        { title: 'severity', value: 'critical' },
        { title: 'runbook', value: 'https://runbooks/latency' },
      ]),
    });
    const actions = card.body.find((e) => e.type === 'ActionSet');
    expect(actions).toEqual({
      type: 'ActionSet',
      actions: [
        { type: 'Action.Submit', title: 'Ack', data: { sco: 'cmd', command: 'ack INC-7' } },
        { type: 'Action.Submit', title: 'Resolve', data: { sco: 'cmd', command: 'resolve INC-7' }, style: 'positive' },
        { type: 'Action.Submit', title: 'Anomalies', data: { sco: 'cmd', command: 'anomalies checkout-api' } },
      ],
    });
    expect(card.body.at(-1)).toMatchObject({
      type: 'TextBlock',
      text: 'Alertmanager: http://alertmanager:9093',
      isSubtle: true,
    });
  });
});

describe('Teams size limit', () => {
  const png = Buffer.alloc(20_000, 7);
  const rows = Array.from({ length: 600 }, (_, i) => [
    `svc-${i}`,
    i % 7 ? 'ok' : 'UNHEALTHY',
    `${(i * 13) % 1000} ms`,
    'shop',
  ]);

  it('leaves a card under the limit untouched', () => {
    const small = reply('info', header('h'), image({ title: 'c', alt: 'chart', png: Buffer.alloc(1000) }));
    expect(renderAdaptiveCard(small).card.body[1]).toMatchObject({ type: 'Image' });
  });

  it('drops images first, keeping their alt text', () => {
    const { card } = renderAdaptiveCard(
      reply('info', header('h'), image({ title: 'c', alt: 'p99 latency chart', png })),
    );
    expect(size(card)).toBeLessThanOrEqual(MAX_CARD_BYTES);
    expect(card.body[1]).toEqual({ type: 'TextBlock', text: 'Chart: p99 latency chart', isSubtle: true, wrap: true });
    expect(texts(card).join()).not.toContain('truncated');
  });

  it('fits a big reply (large table + image) under 27,000 bytes with a truncation note', () => {
    const big = reply(
      'info',
      header('Service inventory'),
      table(['service', 'health', 'p99', 'namespace'], rows),
      image({ title: 'p99', alt: 'p99 over 24h', png }),
      context('as of now'),
    );
    const { card, text: summary } = renderAdaptiveCard(big);
    expect(size(card)).toBeLessThanOrEqual(MAX_CARD_BYTES);
    expect(summary).toBe('Service inventory');
    const elements = flat(card);
    expect(elements.some((e) => e.type === 'Image')).toBe(false);
    const t = elements.find((e) => e.type === 'Table');
    if (t?.type !== 'Table') throw new Error('table missing');
    const kept = t.rows.length - 1;
    expect(kept).toBeGreaterThan(10);
    expect(elements).toContainEqual({
      type: 'TextBlock',
      text: `(truncated, ${600 - kept} rows cut)`,
      size: 'Small',
      isSubtle: true,
      wrap: true,
    });
    expect(elements).toContainEqual(expect.objectContaining({ text: 'Chart: p99 over 24h' }));
    expect(elements.at(-1)).toMatchObject({ text: 'as of now' });
    // The kept rows are the first ones, in order.
    expect(t.rows[1].cells[0].items[0]).toMatchObject({ text: 'svc-0' });
  });

  it('truncates the longest text with a note saying how much was cut', () => {
    const long = 'x'.repeat(60_000);
    const { card } = renderAdaptiveCard(
      reply('warning', header('Log tail'), text('short'), text(long), context('end')),
    );
    expect(size(card)).toBeLessThanOrEqual(MAX_CARD_BYTES);
    const cut = card.body[2];
    expect(cut.type).toBe('TextBlock');
    const m = /^x+… \(truncated, (\d+) characters cut\)$/.exec(cut.type === 'TextBlock' ? cut.text : '');
    expect(m).not.toBeNull();
    const kept = (cut.type === 'TextBlock' ? cut.text : '').indexOf('…');
    expect(kept + Number(m?.[1])).toBe(60_000);
    expect(card.body[1]).toMatchObject({ text: 'short' });
    expect(card.body[3]).toMatchObject({ text: 'end' });
  });

  it('counts bytes, not characters, for multi-byte text', () => {
    const { card } = renderAdaptiveCard(reply('info', text('€'.repeat(20_000))));
    expect(size(card)).toBeLessThanOrEqual(MAX_CARD_BYTES);
    expect(JSON.stringify(card)).toMatch(/truncated, \d+ characters cut/);
  });

  it('never throws, even when no single block can shrink enough', () => {
    const many = reply(
      'info',
      header('h'),
      fields(Array.from({ length: 3000 }, (_, i) => ({ label: `label-${i}`, value: `v${i}` }))),
      buttons(Array.from({ length: 500 }, (_, i) => ({ label: `b${i}`, command: `cmd ${i}` }))),
    );
    const { card } = renderAdaptiveCard(many);
    expect(size(card)).toBeLessThanOrEqual(MAX_CARD_BYTES);
    expect(JSON.stringify(card)).toMatch(/truncated, \d+ blocks? cut/);
    expect(renderAdaptiveCard(reply('info')).card.body).toEqual([]);
  });

  it('caps the summary text at one short line', () => {
    const { text: summary } = renderAdaptiveCard(reply('info', text(`first\nsecond ${'y'.repeat(1000)}`)));
    expect(summary.startsWith('first second y')).toBe(true);
    expect([...summary]).toHaveLength(400);
  });
});
