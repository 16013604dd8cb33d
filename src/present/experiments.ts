import type { Experiment } from '../models/experiments';
import { context, header, reply, table, text, type Reply } from '../reply/model';

/** Rows a chat reply shows at most (REST gives them all). */
export const MAX_EXPERIMENT_ROWS = 20;

const fixed = (x: number | null, digits: number, unit = '') => (x === null ? '—' : `${x.toFixed(digits)}${unit}`);
const percent = (x: number | null) => (x === null ? '—' : `${Math.round(x * 100)}%`);

function windowText(e: Experiment): string {
  const days = e.window.seconds / 86_400;
  return days >= 1 ? `${+days.toFixed(1)} d` : `${+(e.window.seconds / 3600).toFixed(1)} h`;
}

function paramsText(e: Experiment): string {
  const changed = Object.entries(e.changed).map(([k, v]) => `${k} ${String(v)}`);
  return changed.length ? changed.join(', ') : 'defaults';
}

function row(e: Experiment): string[] {
  const m = e.metrics;
  const version =
    e.version === null ? 'failed' : `v${e.version}${e.aliases.length ? ` (${e.aliases.join(', ')})` : ''}`;
  const when = `${new Date(e.createdAt).toISOString().slice(0, 16)}Z`;
  const data = e.dataSha256 ? e.dataSha256.slice(0, 8) : '—';
  const run = [e.model, version, e.createdBy, when, paramsText(e), String(e.seed), windowText(e), data];
  if (e.status === 'failed') return [...run, e.error ?? '', '', '', ''];
  return [
    ...run,
    m?.evaluationError ? 'not evaluated' : fixed(m?.nab ?? null, 1),
    percent(m?.recall ?? null),
    fixed(m?.falseAlertsPerDay ?? null, 1),
    fixed(m?.medianDelaySeconds ?? null, 0, ' s'),
  ];
}

/** `experiments [name]`: every training run, newest first, one comparable row each. */
export function presentExperiments(rows: readonly Experiment[], filter?: string): Reply {
  const about = filter ? ` for ${filter}` : '';
  if (rows.length === 0)
    return reply(
      'info',
      text(`No training runs${about} yet. Train one: \`train payments 7d\` (add \`--trees 200 --seed 7\` to vary it).`),
    );
  const shown = rows.slice(0, MAX_EXPERIMENT_ROWS);
  const failed = rows.filter((r) => r.status === 'failed').length;
  return reply(
    'info',
    header(`${rows.length} training run${rows.length === 1 ? '' : 's'}${about}${failed ? ` (${failed} failed)` : ''}`),
    table(
      ['model', 'version', 'by', 'when', 'params', 'seed', 'window', 'data', 'NAB', 'recall', 'false/day', 'delay'],
      shown.map(row),
    ),
    context(
      (rows.length > shown.length
        ? `newest ${shown.length} of ${rows.length}; all at GET /api/v1/experiments · `
        : '') + 'NAB, recall, false alerts a day and delay from the backtest with injected anomalies',
    ),
  );
}
