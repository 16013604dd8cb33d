import { intentSchema, type Intent } from '../../src/intent/schema';
import { parseRules } from '../../src/intent/rules';
import { proposalToIntent } from '../../src/intent/llm-tool';
import { fillSlot } from '../../src/intent/fill';

/** Issue 15 point 6: 👍 real / 👎 false alarm, typed or from a button, never a remediation. */

type Case = [text: string, intent: Intent['intent'], slots: Record<string, unknown>];

function expectParse([text, intent, slots]: Case): Intent {
  const got = parseRules(text);
  expect({ text, intent: got.intent, slots: got.slots }).toEqual({ text, intent, slots });
  expect(intentSchema.parse(got)).toEqual(got);
  return got;
}

describe('rules parser: feedback', () => {
  it.each<Case>([
    // what the buttons send
    ['feedback job:12 real', 'feedback', { target: 'job:12', label: 'real' }],
    ['feedback job:12 false_alarm', 'feedback', { target: 'job:12', label: 'false_alarm' }],
    ['feedback incident:i3f9a1c false_alarm', 'feedback', { target: 'incident:i3f9a1c', label: 'false_alarm' }],
    // typed
    ['feedback 12 real', 'feedback', { target: '12', label: 'real' }],
    ['feedback i3f9a1c false alarm', 'feedback', { target: 'i3f9a1c', label: 'false_alarm' }],
    ['/ops feedback 7 real', 'feedback', { target: '7', label: 'real' }],
    ['feedback job 12 false positive', 'feedback', { target: 'job:12', label: 'false_alarm' }],
    ['feedback incident i3f9a1c helpful', 'feedback', { target: 'incident:i3f9a1c', label: 'helpful' }],
    ['feedback 12 wrong', 'feedback', { target: '12', label: 'wrong' }],
    ['feedback --target job:3 --label false_alarm', 'feedback', { target: 'job:3', label: 'false_alarm' }],
    // reports without the word
    ['that was a false alarm', 'feedback', { label: 'false_alarm' }],
    ['job 12 was a false positive', 'feedback', { target: 'job:12', label: 'false_alarm' }],
    ['incident i3f9a1c was real', 'feedback', { target: 'incident:i3f9a1c', label: 'real' }],
    ['that was not a false alarm', 'feedback', { label: 'real' }],
    ['false alarm on job 4', 'feedback', { target: 'job:4', label: 'false_alarm' }],
    // not feedback
    ['was that a false alarm?', 'unknown', {}],
    ['restart payments', 'remediate', { action: 'restart', target: 'payments' }],
  ])('%s', (...c) => {
    expectParse(c);
  });

  it.each(['is the payments alert real?', 'was job 12 a false alarm?', 'how do I give feedback?'])(
    'a question is not a label: %s',
    (text) => {
      expect(parseRules(text).intent).not.toBe('feedback');
    },
  );

  it('asks for what is missing: the target, the label', () => {
    expect(parseRules('that was a false alarm').missing).toEqual(['target']);
    expect(parseRules('feedback 12').missing).toEqual(['label']);
    expect(parseRules('feedback i-abc false_alarm')).toMatchObject({
      intent: 'feedback',
      slots: { target: 'i-abc', label: 'false_alarm' },
    });
  });

  it('a button command is sure of itself (no LLM), a report a little less', () => {
    expect(parseRules('feedback job:12 real').confidence).toBe(1);
    expect(parseRules('that was a false alarm').confidence).toBeGreaterThanOrEqual(0.6);
  });

  it('the LLM may propose it too, with the label in its own words', () => {
    const got = proposalToIntent(
      JSON.stringify({ intent: 'feedback', slots: { target: 'job:12', label: 'False alarm' }, confidence: 0.9 }),
    );
    expect(got).toMatchObject({
      ok: true,
      intent: { intent: 'feedback', slots: { target: 'job:12', label: 'false_alarm' } },
    });
  });

  it('a missing target is filled from the answer to the question', () => {
    const asked = parseRules('that was a false alarm');
    expect(fillSlot(asked, 'target', 'job 12')?.slots).toEqual({ target: '12', label: 'false_alarm' });
    expect(fillSlot(asked, 'target', 'job:12')?.slots).toEqual({ target: 'job:12', label: 'false_alarm' });
    expect(fillSlot(asked, 'target', 'i3f9a1c')?.slots).toEqual({ target: 'i3f9a1c', label: 'false_alarm' });
  });
});
