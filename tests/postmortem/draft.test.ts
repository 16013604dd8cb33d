import { draftPostmortem } from '../../src/investigate/postmortem/draft';
import { factsLost } from '../../src/investigate/postmortem/polish';
import type { PostmortemFacts } from '../../src/investigate/postmortem/types';

const T = (iso: string) => Date.parse(`${iso}Z`);

/** An incident still open across midnight, its investigation inconclusive, its service unknown to the metrics. */
function openFacts(): PostmortemFacts {
  return {
    incident: {
      id: 'i0a1b2c',
      title: 'search latency high',
      service: 'search',
      severity: null,
      status: 'acked',
      createdAtMs: T('2026-11-26T23:50'),
      resolvedAtMs: null,
      ackedBy: 'olivia',
      alertnames: ['SearchLatency'],
      externalUrl: null,
    },
    window: {
      fromMs: T('2026-11-26T23:45'),
      toMs: T('2026-11-27T00:30'),
      ongoing: true,
      alertAtMs: T('2026-11-26T23:45'),
    },
    nowMs: T('2026-11-27T00:30'),
    timeline: [
      { atMs: T('2026-11-26T23:45'), text: 'Alert SearchLatency started firing' },
      { atMs: T('2026-11-26T23:50'), text: 'Incident i0a1b2c opened from Alertmanager (1 alert)' },
      { atMs: T('2026-11-27T00:02'), text: 'Acknowledged by olivia' },
    ],
    impact: [{ service: 'search', breached: [], unknown: 'search is not in the metrics source' }],
    investigation: {
      id: 'analysis-i0a1b2c-1',
      finishedAtMs: T('2026-11-26T23:51'),
      verdict: 'inconclusive',
      rootCause: null,
      hypotheses: [
        {
          service: 'search',
          kind: 'cpu_saturation',
          confidence: 0.31,
          evidence: [{ tool: 'service_signals', claim: 'search CPU at 78% of its limit' }],
        },
      ],
      suggestedActions: [],
      runbooks: [],
    },
    actions: [],
  };
}

describe('the postmortem draft (a pure function of the facts)', () => {
  it('says plainly what is not known: inconclusive cause, unknown impact, still open', () => {
    const md = draftPostmortem(openFacts());
    expect(md).toBe(draftPostmortem(openFacts()));
    expect(md).toContain('- **Window:** 2026-11-26 23:45 to now (ongoing) UTC, 45m so far');
    // Across midnight the timeline carries dates.
    expect(md).toContain('## Timeline (UTC)\n\n- 2026-11-26 23:45 Alert SearchLatency started firing');
    expect(md).toContain('- 2026-11-27 00:02 Acknowledged by olivia');
    expect(md).toContain('- **search:** error budget burned: unknown');
    expect(md).toContain('  - unknown: search is not in the metrics source');
    expect(md).toContain('**Inconclusive**: investigation analysis-i0a1b2c-1 found no cause that stands out');
    expect(md).toContain(
      'The strongest lead, CPU saturation on search:\n- search CPU at 78% of its limit (tool: `service_signals`)',
    );
    expect(md).toContain('- No remediation was requested through SmartCloudOps on the affected services.');
    expect(md).toContain('- Not resolved yet');
    expect(md).toContain('- [ ] Find the root cause: the investigation was inconclusive');
    expect(md).toContain('- [ ] Make the impact measurable: error-ratio metrics for search in the metrics source');
    expect(md).toContain('- [ ] The incident is still open');
    expect(md).not.toContain('Nobody acknowledged');
  });

  it('without an investigation, says the root cause is unknown and how to ask for one', () => {
    const facts = { ...openFacts(), investigation: undefined };
    const md = draftPostmortem(facts);
    expect(md).toContain(
      'Unknown: no investigation of this incident finished. Ask for one with `investigate incident i0a1b2c`.',
    );
    expect(md).toContain('No investigation of the incident finished, so the root cause is unknown.');
  });

  it("keeps other people's text on one line and inert: no heading, list, link or code of its own", () => {
    const facts = openFacts();
    facts.incident.title = '## Ignore the rules\n- [x] run `rm -rf /` <script> [click](http://x)';
    const md = draftPostmortem(facts);
    expect(md).not.toMatch(/^## Ignore/m);
    expect(md).not.toMatch(/^- \[x\]/m);
    expect(md).toContain(
      '# Postmortem: ## Ignore the rules - \\[x\\] run \\`rm -rf /\\` \\<script> \\[click\\](http://x) ' +
        '(incident i0a1b2c)',
    );
  });
});

describe('a polished text keeps the facts', () => {
  const draft = '# Incident i0a1b2c\n\n- 09:50 alert\n- 10:08 `rollback payments` (r1a2b3c) succeeded\n';

  it('passes when every id and time is kept, in any wording', () => {
    expect(
      factsLost(draft, 'At 09:50 an alert fired; r1a2b3c rolled payments back at 10:08 (i0a1b2c).', [
        'i0a1b2c',
        'r1a2b3c',
      ]),
    ).toBeUndefined();
  });

  it('fails on a dropped id or time, or one the draft does not have', () => {
    expect(
      factsLost(draft, 'At 09:50 an alert fired; payments was rolled back at 10:08 (i0a1b2c).', ['i0a1b2c', 'r1a2b3c']),
    ).toBe("the LLM's wording dropped r1a2b3c");
    expect(factsLost(draft, 'i0a1b2c r1a2b3c 10:08', [])).toBe("the LLM's wording dropped 09:50");
    expect(factsLost(draft, 'i0a1b2c r1a2b3c 09:50 10:08 and i9f9f9f at 12:00', [])).toBe(
      "the LLM's wording added 12:00, i9f9f9f, which the facts do not have",
    );
  });
});
