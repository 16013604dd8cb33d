/**
 * Drift of a champion (issue 15 point 7): the card posted to the incident channel when a check
 * finds the model's world has moved, and the reply of a drift_check job read on its own.
 */
import type { DriftCheckJobResult } from '../jobs/map';
import type { DistributionDrift, SignalDrift } from '../models/drift';
import { buttons, context, header, reply, table, text, type Reply } from '../reply/model';

const num = (x: number) => (Number.isFinite(x) ? x.toLocaleString('en-US', { maximumSignificantDigits: 4 }) : 'n/a');

/** What moved in one signal: "request_rate distribution moved (PSI 0.61; median 410 -> 1,180 req/s)". */
function movedPhrase(s: SignalDrift): string {
  const top = s.distributions.find((d) => d.name === s.moved[0]) as DistributionDrift;
  const what = top.name === 'level' ? 'distribution' : top.name === 'score' ? 'model score' : `${top.name} feature`;
  const [was, now] = s.level.median;
  const unit = s.unit ? ` ${s.unit}` : '';
  return `${s.signal} ${what} moved (PSI ${top.psi.toFixed(2)}; median ${num(was)} -> ${num(now)}${unit})`;
}

/** One line: which signals moved and which did not. */
export function driftSentence(r: DriftCheckJobResult): string {
  const moved = r.signals.filter((s) => s.drifted);
  const still = r.signals.filter((s) => !s.drifted).map((s) => s.signal);
  const head = `${r.model} v${r.version}: `;
  if (!moved.length) return `${head}no drift (largest PSI ${r.score.toFixed(2)} < ${r.threshold})`;
  return head + moved.map(movedPhrase).join('; ') + (still.length ? `; ${still.join(', ')} unchanged` : '');
}

/** The incident-channel card: what moved, with a Retrain button. */
export function presentDriftCard(r: DriftCheckJobResult): Reply {
  return reply(
    'warning',
    header(`Model drift: ${r.model} v${r.version}`),
    text(driftSentence(r)),
    driftTable(r),
    context(
      `${r.service}, last ${Math.round((r.toMs - r.fromMs) / 3_600_000)} h vs the training window; ` +
        `PSI over the training deciles, significant at ${r.threshold}`,
    ),
    buttons([{ label: 'Retrain', command: `train ${r.service} 7d`, style: 'primary' }]),
  );
}

/** A drift_check job's reply. */
export function presentDriftCheck(r: DriftCheckJobResult): Reply {
  if (!r.checked) return reply('info', text(r.reason ?? `${r.model} v${r.version}: not checked`));
  if (r.drifted) return presentDriftCard(r);
  return reply('success', text(driftSentence(r)), driftTable(r));
}

function driftTable(r: DriftCheckJobResult) {
  return table(
    ['signal', 'drift (PSI)', 'moved', 'median then -> now'],
    r.signals.map((s) => [
      s.signal,
      s.score.toFixed(2),
      s.moved.join(', ') || '—',
      `${num(s.level.median[0])} -> ${num(s.level.median[1])}${s.unit ? ` ${s.unit}` : ''}`,
    ]),
  );
}
