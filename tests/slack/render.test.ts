import { presentIncident } from '../../src/present/incidents';
import type { Incident } from '../../src/incidents/store';
import { presentRequest } from '../../src/present/remediation';
import type { StoredRequest } from '../../src/remediation/store';
import {
  buttons,
  context,
  fields,
  header,
  image,
  progress,
  reply,
  series,
  table,
  text,
  type Block,
} from '../../src/reply/model';
import { renderText } from '../../src/reply/render-text';
import { sparkline } from '../../src/reply/sparkline';
import { renderSlack, SLACK_LIMITS, type SlackMessage } from '../../src/adapters/slack/render';

type Json = Record<string, unknown> & { type: string };
type TextObject = { type: string; text: string; emoji?: boolean };

/** Checks every block's JSON against the Block Kit limits the renderer promises to keep. */
function expectWithinSlackLimits(m: SlackMessage): void {
  expect(m.text.length).toBeGreaterThan(0);
  expect(m.text.length).toBeLessThanOrEqual(3000);
  expect(m.blocks.length).toBeLessThanOrEqual(50);
  const actionIds = new Set<string>();
  for (const block of m.blocks as unknown as Json[]) {
    const nonEmpty = (t: TextObject, max: number) => {
      expect(['plain_text', 'mrkdwn']).toContain(t.type);
      expect(t.text.trim().length).toBeGreaterThan(0);
      expect(t.text.length).toBeLessThanOrEqual(max);
    };
    switch (block.type) {
      case 'header': {
        const t = block.text as TextObject;
        expect(t.type).toBe('plain_text');
        nonEmpty(t, 150);
        break;
      }
      case 'section': {
        const t = block.text as TextObject | undefined;
        const f = block.fields as TextObject[] | undefined;
        expect(t || f).toBeTruthy();
        if (t) nonEmpty(t, 3000);
        if (f) {
          expect(f.length).toBeGreaterThan(0);
          expect(f.length).toBeLessThanOrEqual(10);
          f.forEach((x) => nonEmpty(x, 2000));
        }
        break;
      }
      case 'context': {
        const els = block.elements as TextObject[];
        expect(els.length).toBeGreaterThan(0);
        expect(els.length).toBeLessThanOrEqual(10);
        els.forEach((x) => nonEmpty(x, 3000));
        break;
      }
      case 'actions': {
        const els = block.elements as Array<{
          type: string;
          text: TextObject;
          action_id: string;
          value: string;
          style?: string;
        }>;
        expect(els.length).toBeGreaterThan(0);
        expect(els.length).toBeLessThanOrEqual(25);
        for (const b of els) {
          expect(b.type).toBe('button');
          expect(b.text.type).toBe('plain_text');
          nonEmpty(b.text, 75);
          expect(b.action_id.length).toBeLessThanOrEqual(255);
          expect(actionIds.has(b.action_id)).toBe(false);
          actionIds.add(b.action_id);
          expect(b.value.length).toBeLessThanOrEqual(2000);
          if (b.style !== undefined) expect(['primary', 'danger']).toContain(b.style);
        }
        break;
      }
      default:
        throw new Error(`unexpected block type ${block.type}`);
    }
  }
}

/** The mrkdwn a block holds (plain_text — headers, button labels — is never parsed by Slack). */
const mrkdwnOf = (b: unknown): string => {
  const j = b as { text?: TextObject; fields?: TextObject[]; elements?: TextObject[] };
  return [j.text, ...(j.fields ?? []), ...(j.elements ?? [])]
    .filter((t): t is TextObject => t?.type === 'mrkdwn')
    .map((t) => t.text)
    .join('\n');
};
const allText = (m: SlackMessage) => m.blocks.map(mrkdwnOf).join('\n');
const unescape = (s: string) => s.replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&amp;/g, '&');

describe('Slack rendering of a Reply', () => {
  it('renders every block kind', () => {
    const png = Buffer.from([0x89, 0x50, 0x4e, 0x47]);
    const values = [1, 2, 3, 4, 5, 6, 7, 8.25];
    const m = renderSlack(
      reply(
        'warning',
        header('2 of 3 unhealthy'),
        text('checkout-api p99 is *high*; try `anomalies checkout-api`'),
        fields([
          { label: 'p99', value: '912 ms' },
          { label: 'error rate', value: '4.1%' },
        ]),
        table(
          ['service', 'health'],
          [
            ['checkout-api', 'UNHEALTHY'],
            ['db', 'ok'],
          ],
        ),
        series('p99', values, 'ms'),
        progress(45, 'checked payments'),
        buttons([
          { label: 'Cancel', command: 'cancel 7', style: 'danger' },
          { label: 'Retry', command: 'retry 7', style: 'primary' },
          { label: 'Logs', command: 'logs 7' },
        ]),
        image({ title: 'p99 latency', alt: 'p99 latency, last 24h, 3 anomalies', path: 'data/charts/p99.png', png }),
        context('as of 12:00 UTC'),
      ),
    );
    expect(m.blocks.map((b) => b.type)).toEqual([
      'header',
      'section',
      'section',
      'section',
      'section',
      'context',
      'actions',
      'context',
      'context',
    ]);
    expect(m.blocks[0]).toEqual({
      type: 'header',
      text: { type: 'plain_text', text: ':warning: 2 of 3 unhealthy', emoji: true },
    });
    // Tone emoji only on the first header/text; our own mrkdwn survives.
    expect(mrkdwnOf(m.blocks[1])).toBe('checkout-api p99 is *high*; try `anomalies checkout-api`');
    expect(m.blocks[2]).toEqual({
      type: 'section',
      fields: [
        { type: 'mrkdwn', text: '*p99*\n912 ms' },
        { type: 'mrkdwn', text: '*error rate*\n4.1%' },
      ],
    });
    expect(mrkdwnOf(m.blocks[3])).toBe(
      [
        '```',
        'service       health',
        '------------  ---------',
        'checkout-api  UNHEALTHY',
        'db            ok',
        '```',
      ].join('\n'),
    );
    expect(mrkdwnOf(m.blocks[4])).toBe(`*p99*  \`${sparkline(values)}\`  min 1 ms · max 8.25 ms · last 8.25 ms`);
    expect(mrkdwnOf(m.blocks[5])).toBe('▓▓▓▓▓░░░░░ 45% checked payments');
    expect((m.blocks[6] as unknown as { elements: unknown[] }).elements).toEqual([
      {
        type: 'button',
        text: { type: 'plain_text', text: 'Cancel', emoji: true },
        action_id: 'sco:cmd:0',
        value: 'cancel 7',
        style: 'danger',
      },
      {
        type: 'button',
        text: { type: 'plain_text', text: 'Retry', emoji: true },
        action_id: 'sco:cmd:1',
        value: 'retry 7',
        style: 'primary',
      },
      {
        type: 'button',
        text: { type: 'plain_text', text: 'Logs', emoji: true },
        action_id: 'sco:cmd:2',
        value: 'logs 7',
      },
    ]);
    expect(mrkdwnOf(m.blocks[7])).toContain('p99 latency, last 24h, 3 anomalies');
    expect(mrkdwnOf(m.blocks[8])).toBe('as of 12:00 UTC');
    expect(m.uploads).toEqual([
      { filename: 'p99-latency.png', title: 'p99 latency', alt: 'p99 latency, last 24h, 3 anomalies', png },
    ]);
    expect(m.text).toBe('2 of 3 unhealthy');
    expect(m.overflow).toBeUndefined();
    expectWithinSlackLimits(m);
  });

  it.each([
    ['info', ':information_source:'],
    ['success', ':white_check_mark:'],
    ['warning', ':warning:'],
    ['error', ':x:'],
  ] as const)('prefixes the first text of a %s reply with %s', (tone, emoji) => {
    const m = renderSlack(reply(tone, context('before'), text('first'), text('second')));
    expect(m.blocks.map(mrkdwnOf)).toEqual(['before', `${emoji} first`, 'second']);
  });

  it('images without png bytes are described but not uploaded', () => {
    const m = renderSlack(reply('info', image({ title: 'cpu', alt: 'cpu, last hour', path: 'data/charts/cpu.png' })));
    expect(m.uploads).toEqual([]);
    expect(m.blocks).toHaveLength(1);
    expect(mrkdwnOf(m.blocks[0])).toContain('cpu, last hour');
    expect(m.text).toContain('cpu, last hour');
    expectWithinSlackLimits(m);
  });

  describe('limits', () => {
    it('splits a 10,000-character text into sections of at most 3,000, at line boundaries, keeping everything', () => {
      const lines = Array.from({ length: 201 }, (_, i) => `line ${String(i).padStart(3, '0')} ${'x'.repeat(40)}`);
      const long = lines.join('\n').slice(0, 10_000);
      expect(long.length).toBe(10_000);
      const m = renderSlack(reply('info', text(long)));
      expect(m.blocks.length).toBeGreaterThanOrEqual(4);
      for (const b of m.blocks) {
        expect(b.type).toBe('section');
        expect(mrkdwnOf(b).length).toBeLessThanOrEqual(3000);
      }
      const joined = m.blocks.map(mrkdwnOf).join('\n');
      expect(joined).toBe(`:information_source: ${long}`);
      // Every section but the last ends on a whole line.
      m.blocks.slice(0, -1).forEach((b) => expect(mrkdwnOf(b)).toMatch(/x{40}$/));
      expectWithinSlackLimits(m);
    });

    it('splits a single line longer than a section without breaking escapes', () => {
      const long = '<&>'.repeat(2000);
      const m = renderSlack(reply('info', text(long)));
      expect(m.blocks.length).toBeGreaterThan(1);
      const joined = m.blocks.map(mrkdwnOf).join('');
      expect(unescape(joined.replace(':information_source: ', ''))).toBe(long);
      m.blocks.forEach((b) => expect(mrkdwnOf(b)).not.toMatch(/&(?!amp;|lt;|gt;)/));
      expectWithinSlackLimits(m);
    });

    it('puts 23 fields into 3 sections of at most 10', () => {
      const fs = Array.from({ length: 23 }, (_, i) => ({ label: `f${i}`, value: `v${i}` }));
      const m = renderSlack(reply('info', fields(fs)));
      expect(m.blocks.map((b) => (b as unknown as { fields: unknown[] }).fields.length)).toEqual([10, 10, 3]);
      expectWithinSlackLimits(m);
    });

    it('continues a field value longer than 2,000 characters in another field', () => {
      const m = renderSlack(reply('info', fields([{ label: 'calls', value: 'y'.repeat(4500) }])));
      const fs = (m.blocks[0] as unknown as { fields: TextObject[] }).fields;
      expect(fs.length).toBe(3);
      expect(fs[1].text.startsWith('*calls (cont.)*\n')).toBe(true);
      expect(fs.map((f) => f.text.split('\n')[1]).join('')).toBe('y'.repeat(4500));
      expectWithinSlackLimits(m);
    });

    it('keeps to the documented Block Kit limits', () => {
      expect(SLACK_LIMITS).toMatchObject({
        blocksPerMessage: 50,
        headerText: 150,
        sectionText: 3000,
        sectionFields: 10,
        fieldText: 2000,
        contextElements: 10,
        actionsElements: 25,
        buttonText: 75,
        buttonValue: 2000,
      });
    });

    it('shows a command too long for a button value as text instead of dropping it', () => {
      const long = `run ${'a'.repeat(2100)}`;
      const m = renderSlack(
        reply(
          'info',
          buttons([
            { label: 'Run', command: long },
            { label: 'Ack', command: 'ack 1' },
          ]),
        ),
      );
      expect(m.blocks.map((b) => b.type)).toEqual(['actions', 'context']);
      expect(
        (m.blocks[0] as unknown as { elements: Array<{ action_id: string }> }).elements.map((e) => e.action_id),
      ).toEqual(['sco:cmd:1']);
      expect(mrkdwnOf(m.blocks[1])).toContain(long);
      expectWithinSlackLimits(m);
    });

    it('puts 30 buttons into 2 actions blocks with unique action ids', () => {
      const bs = Array.from({ length: 30 }, (_, i) => ({ label: `job ${i}`, command: `cancel ${i}` }));
      const m = renderSlack(reply('info', buttons(bs)));
      expect(m.blocks.map((b) => (b as unknown as { elements: unknown[] }).elements.length)).toEqual([25, 5]);
      const last = (m.blocks[1] as unknown as { elements: Array<{ action_id: string; value: string }> }).elements[4];
      expect(last).toMatchObject({ action_id: 'sco:cmd:29', value: 'cancel 29' });
      expectWithinSlackLimits(m);
    });

    it('truncates long headers and button labels with …', () => {
      const m = renderSlack(
        reply('error', header('H'.repeat(400)), buttons([{ label: 'L'.repeat(100), command: 'ack 1' }])),
      );
      const h = (m.blocks[0] as unknown as { text: TextObject }).text.text;
      expect(h.length).toBe(150);
      expect(h.startsWith(':x: HHH')).toBe(true);
      expect(h.endsWith('…')).toBe(true);
      expectWithinSlackLimits(m);
    });

    it('splits a long table across sections, repeating the header row', () => {
      const rows = Array.from({ length: 300 }, (_, i) => [`svc-${i}`, i % 2 ? 'ok' : 'UNHEALTHY', `${i} ms`]);
      const m = renderSlack(reply('info', table(['service', 'health', 'p99'], rows)));
      expect(m.blocks.length).toBeGreaterThan(1);
      const bodies = m.blocks.map((b) => mrkdwnOf(b));
      for (const body of bodies) {
        expect(body.length).toBeLessThanOrEqual(3000);
        const ls = body.split('\n');
        expect(ls[0]).toBe('```');
        expect(ls[ls.length - 1]).toBe('```');
        expect(ls[1]).toMatch(/^service\s+health\s+p99$/);
        expect(ls[2]).toMatch(/^-+\s+-+\s+-+$/);
      }
      const dataRows = bodies.flatMap((b) => b.split('\n').slice(3, -1));
      expect(dataRows.map((r) => r.split(/\s+/)[0])).toEqual(rows.map((r) => r[0]));
      expectWithinSlackLimits(m);
    });

    it('cuts a 60-block reply to 50 blocks with a note, and gives the full text as overflow', () => {
      const blocks: Block[] = [header('Sixty'), ...Array.from({ length: 59 }, (_, i) => text(`paragraph ${i}`))];
      const r = reply('info', ...blocks);
      const m = renderSlack(r);
      expect(m.blocks).toHaveLength(50);
      expect(mrkdwnOf(m.blocks[48])).toBe('paragraph 47');
      const note = m.blocks[49];
      expect(note.type).toBe('context');
      expect(mrkdwnOf(note)).toMatch(/11 more blocks .*full output is attached/);
      expect(m.overflow).toBe(renderText(r));
      expect(m.overflow).toContain('paragraph 58');
      expectWithinSlackLimits(m);
    });

    it('keeps the fallback text within 3,000 characters', () => {
      const m = renderSlack(reply('info', text('z'.repeat(5000))));
      expect(m.text.length).toBeLessThanOrEqual(3000);
      expect(m.text.endsWith('…')).toBe(true);
    });
  });

  describe('escaping', () => {
    const evil = 'ping <@U123> and <!channel> & <https://evil.example|click>';

    it('escapes data in every mrkdwn block so it cannot mention or link', () => {
      const m = renderSlack(
        reply(
          'error',
          header(evil),
          text(evil),
          fields([{ label: evil, value: evil }]),
          table(['col <!here>'], [[evil]]),
          series(evil, [1, 2], '<ms>'),
          progress(10, evil),
          buttons([{ label: evil, command: 'ack 1' }]),
          image({ title: evil, alt: evil, png: Buffer.from('x') }),
          context(evil),
        ),
      );
      const all = allText(m);
      expect(all).not.toMatch(/<[@!#]/);
      expect(all).not.toContain('<https');
      expect(all).toContain('&lt;@U123&gt;');
      expect(all).toContain('&lt;!channel&gt;');
      expect(all).toContain(' &amp; ');
      expect(all).not.toMatch(/&(?!amp;|lt;|gt;)/);
      expect(m.text).toBe(evil.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;'));
      // plain_text (header, button labels) is never parsed by Slack, so it stays literal.
      expect((m.blocks[0] as unknown as { text: TextObject }).text.text).toBe(`:x: ${evil}`);
      expectWithinSlackLimits(m);
    });
  });

  describe('real presenters', () => {
    const now = Date.UTC(2026, 0, 5, 9, 30);

    it('renders a pending remediation plan with Approve / Deny carrying the commands', () => {
      const req: StoredRequest = {
        id: 'r-12',
        action: 'scale',
        target: 'checkout-api',
        params: { replicas: 6 },
        requestedBy: 'u-alice',
        state: 'pending_approval',
        dryRun: false,
        plan: {
          executor: 'kubernetes',
          calls: ['PATCH /apis/apps/v1/namespaces/shop/deployments/checkout-api/scale'],
          current: { replicas: 3 },
          desired: { replicas: 6 },
          blastRadius: '3 new pods of checkout-api in shop',
        },
        approvalsNeeded: 1,
        approvers: [],
        approverNames: [],
        origin: { platform: 'slack', channel: 'C1', thread: '1.2' },
        createdAt: now,
        expiresAt: now + 15 * 60_000,
        decidedBy: null,
        startedAt: null,
        finishedAt: null,
        result: null,
      } as StoredRequest;
      const m = renderSlack(presentRequest(req));
      expect(m.blocks.map((b) => b.type)).toEqual(['header', 'section', 'section', 'actions']);
      expect((m.blocks[0] as unknown as { text: TextObject }).text.text).toBe(
        ':warning: Remediation r-12: scale checkout-api 6',
      );
      expect(mrkdwnOf(m.blocks[1])).toContain(
        '*will call*\nPATCH /apis/apps/v1/namespaces/shop/deployments/checkout-api/scale',
      );
      expect((m.blocks[3] as unknown as { elements: unknown[] }).elements).toEqual([
        expect.objectContaining({ action_id: 'sco:cmd:0', value: 'approve r-12', style: 'primary' }),
        expect.objectContaining({ action_id: 'sco:cmd:1', value: 'deny r-12', style: 'danger' }),
      ]);
      expect(m.text).toBe('Remediation r-12: scale checkout-api 6');
      expectWithinSlackLimits(m);
    });

    it('renders an incident whose alert data tries to ping the channel', () => {
      const incident: Incident = {
        id: 'inc-3',
        groupKey: 'g',
        status: 'open',
        title: 'High latency <!channel>',
        service: 'checkout-api',
        severity: 'critical',
        labels: { alertname: 'HighLatency' },
        annotations: { summary: 's', runbook: '<https://evil.example|runbook> & more', description: 'p99 > 900ms' },
        externalUrl: 'http://alertmanager:9093',
        createdAt: now,
        updatedAt: now,
        resolvedAt: null,
        ackedBy: null,
        resolvedBy: null,
        alerts: [{ fingerprint: 'f1', status: 'firing', labels: {}, startsAt: null, generatorUrl: null }],
        timeline: [{ at: now, actor: 'alertmanager', event: 'opened', detail: {} }],
      };
      const m = renderSlack(presentIncident(incident));
      expect(m.blocks.map((b) => b.type)).toEqual(['header', 'section', 'section', 'actions', 'context']);
      const all = allText(m);
      expect(all).toContain('*runbook*\n&lt;https://evil.example|runbook&gt; &amp; more');
      expect(all).toContain('p99 &gt; 900ms');
      expect(m.text).toBe('Incident inc-3: High latency &lt;!channel&gt; (open)');
      const values = (m.blocks[3] as unknown as { elements: Array<{ value: string }> }).elements.map((e) => e.value);
      expect(values).toEqual(['ack inc-3', 'resolve inc-3', 'anomalies checkout-api']);
      expectWithinSlackLimits(m);
    });
  });
});
