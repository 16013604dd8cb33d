import type { FeedbackLabel, FeedbackRecord } from '../models/feedback';
import { buttons, context, reply, text, type Block, type Reply } from '../reply/model';

/**
 * 👍 real / 👎 false alarm on a reply that flagged something (an anomalies job, an incident's
 * analysis). `target` is `job:<id>` or `incident:<id>`; each button carries the command a person
 * would type, so a click goes through the same check and handler (src/commands/feedback.ts).
 */
export function feedbackButtons(target: string): Block {
  return buttons([
    { label: '👍 Real', command: `feedback ${target} real` },
    { label: '👎 False alarm', command: `feedback ${target} false_alarm` },
  ]);
}

const AS: Record<FeedbackLabel, string> = {
  real: 'real',
  false_alarm: 'a false alarm',
  helpful: 'helpful',
  wrong: 'wrong',
};

/** `job 12`, `incident i3f9a1c`. */
export function targetWords(target: string): string {
  return target.replace(':', ' ');
}

/** "payments latency_p99, 10:02–10:20 UTC, payments-detector v1". */
export function windowWordsOf(r: FeedbackRecord): string {
  const services = [...new Set(r.windows.map((w) => w.service))];
  const what = services
    .map((s) => {
      const signals = r.windows.filter((w) => w.service === s && w.signal).map((w) => w.signal);
      return signals.length ? `${s} ${[...new Set(signals)].join(', ')}` : s;
    })
    .join('; ');
  const model = r.model ? `, ${r.model.name} v${r.model.version}` : '';
  return `${what}, ${span(r.fromMs, r.toMs)}${model}`;
}

/** "10:02–10:20 UTC", with the dates when it is not one day. */
function span(fromMs: number, toMs: number): string {
  const iso = (ms: number) => new Date(ms).toISOString();
  const [fd, ft] = [iso(fromMs).slice(0, 10), iso(fromMs).slice(11, 16)];
  const [td, tt] = [iso(toMs).slice(0, 10), iso(toMs).slice(11, 16)];
  return fd === td ? `${fd} ${ft}–${tt} UTC` : `${fd} ${ft} – ${td} ${tt} UTC`;
}

/** The answer to a feedback: what was recorded, and the earlier label it replaces. */
export function presentFeedback(r: FeedbackRecord, before?: FeedbackLabel): Reply {
  const changed = before && before !== r.label ? ` (was ${AS[before]})` : '';
  const feeds = r.label === 'real' || r.label === 'false_alarm';
  return reply(
    'success',
    text(`Thanks — recorded ${targetWords(r.target)} (${windowWordsOf(r)}) as ${AS[r.label]}${changed}.`),
    context(
      feeds
        ? 'used when a new model version is evaluated against the champion; click again to change your mind'
        : 'kept with the target; only real and false_alarm feed model evaluation',
    ),
  );
}
