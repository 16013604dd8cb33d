import type { ModelDetail } from '../models/model-detail';
import type { Comparison, Difference, Json, JsonObject, ModelVersion } from '../models/registry-types';
import type { ShadowComparison } from '../models/shadow-compare';
import { context, fields, header, reply, table, text, type Block, type Reply } from '../reply/model';

const day = (ms: number) => new Date(ms).toISOString().slice(0, 10);
const minute = (ms: number) => `${new Date(ms).toISOString().slice(0, 16)}Z`;

/** A scorecard row's value for the version (candidate column), by row id. */
function metric(v: ModelVersion, id: string): number | null {
  const card = v.metrics?.scorecard;
  if (!card || typeof card !== 'object' || Array.isArray(card) || !Array.isArray(card.rows)) return null;
  const row = (card.rows as JsonObject[]).find((r) => r.id === id);
  return typeof row?.candidate === 'number' ? row.candidate : null;
}

const num = (x: number | null, f: (n: number) => string) => (x === null ? '—' : f(x));

/** The params worth a column: the forest's, flattened, in short. */
function paramsCell(p: JsonObject): string {
  return Object.entries(p)
    .filter(([, v]) => v === null || typeof v !== 'object')
    .map(([k, v]) => `${k}=${String(v)}`)
    .join(' ');
}

/** `model NAME`: versions with params, window, key metrics, who and when, aliases; then the shadow comparison. */
export function presentModelDetail(d: ModelDetail): Reply {
  const m = d.model;
  const alias = (v: number) =>
    [m.champion === v ? 'champion' : '', m.challenger === v ? 'challenger' : ''].filter(Boolean).join(', ');
  const blocks: Block[] = [
    header(`${m.name} (${m.service})`),
    fields([
      { label: 'champion', value: m.champion === null ? '—' : `v${m.champion}` },
      { label: 'challenger', value: m.challenger === null ? '—' : `v${m.challenger}` },
      { label: 'versions', value: String(m.versions.length) },
    ]),
  ];
  if (m.versions.length) {
    blocks.push(
      table(
        ['version', 'alias', 'params', 'window', 'NAB score', 'recall', 'false alerts/day', 'by', 'at'],
        [...m.versions]
          .reverse()
          .map((v) => [
            `v${v.version}`,
            alias(v.version),
            paramsCell(v.params),
            `${day(v.window.fromMs)} – ${day(v.window.toMs)}`,
            num(metric(v, 'nab'), (x) => x.toFixed(1)),
            num(metric(v, 'recall'), (x) => `${Math.round(x * 100)}%`),
            num(metric(v, 'false_alerts_per_day'), (x) => x.toFixed(1)),
            v.createdBy,
            minute(v.createdAt),
          ]),
      ),
    );
  }
  blocks.push(...shadowBlocks(d.shadow, m));
  return reply('info', ...blocks);
}

function shadowBlocks(s: ShadowComparison | null, m: ModelDetail['model']): Block[] {
  if (!s) {
    const why =
      m.champion === null
        ? 'no champion yet: promote a version, then the next one trained scores in shadow beside it'
        : 'no challenger: the next version trained scores in shadow beside the champion';
    return [context(`Shadow comparison: ${why}.`)];
  }
  const title = `Champion v${s.champion} vs challenger v${s.challenger} in shadow since ${minute(s.sinceMs)}`;
  if (s.runs === 0)
    return [
      text(`${title}: no detection runs yet (\`anomalies ${m.service}\` or an incident on ${m.service} makes one).`),
    ];
  const a = s.agreement;
  const rate = a.rate === null ? 'no alerts from either' : `${Math.round(a.rate * 100)}% agreement`;
  const feedback = (x: ShadowComparison['championScore']) =>
    x.feedback ? `${x.feedback.realHit} real hit, ${x.feedback.falseAlarms} false alarms` : 'n/a';
  return [
    text(`${title}: ${s.runs} run${s.runs === 1 ? '' : 's'}, ${rate} (alerts raised by both: ${a.both}).`),
    table(
      ['', `v${s.champion} (champion)`, `v${s.challenger} (challenger)`],
      [
        ['alerts raised', String(s.championScore.alerts), String(s.challengerScore.alerts)],
        ['raised by it alone', String(a.championOnly), String(a.challengerOnly)],
        [
          `incidents caught (of ${s.incidents})`,
          String(s.championScore.incidentsCaught),
          String(s.challengerScore.incidentsCaught),
        ],
        [
          'alerts outside incidents',
          String(s.championScore.alertsOutsideIncidents),
          String(s.challengerScore.alertsOutsideIncidents),
        ],
        ['feedback 👍/👎', feedback(s.championScore), feedback(s.challengerScore)],
      ],
    ),
    context(
      s.labels
        ? `feedback over the runs: ${s.labels.real} real, ${s.labels.falseAlarm} false alarm`
        : 'no feedback store wired: 👍/👎 agreement not counted',
    ),
  ];
}

const show = (x: Json | undefined): string => (x === undefined ? '—' : typeof x === 'string' ? x : JSON.stringify(x));

function diffRows(diffs: Difference[]): string[][] {
  return diffs.map((d) => [d.differs ? `* ${d.key}` : d.key, show(d.a), show(d.b)]);
}

/** `compare NAME A B`: params and metrics side by side, differences marked with `*`. */
export function presentComparison(c: Comparison): Reply {
  const hidden = ['scorecard.rows', 'scorecard.rule', 'scorecard.reason'];
  const metrics = c.metrics.filter((d) => !hidden.some((h) => d.key.startsWith(h)));
  const changed = c.params.filter((d) => d.differs).length;
  const head = (v: ModelVersion) => `v${v.version} (${v.createdBy}, ${minute(v.createdAt)})`;
  return reply(
    'info',
    header(`${c.name}: v${c.a.version} vs v${c.b.version}`),
    text(changed ? `${changed} param${changed === 1 ? ' differs' : 's differ'}.` : 'Same params.'),
    table(
      ['param', head(c.a), head(c.b)],
      [
        ...diffRows(c.params),
        [c.a.seed !== c.b.seed ? '* seed' : 'seed', String(c.a.seed), String(c.b.seed)],
        [
          c.a.window.fromMs !== c.b.window.fromMs || c.a.window.toMs !== c.b.window.toMs
            ? '* trained on'
            : 'trained on',
          `${minute(c.a.window.fromMs)} – ${minute(c.a.window.toMs)}`,
          `${minute(c.b.window.fromMs)} – ${minute(c.b.window.toMs)}`,
        ],
      ],
    ),
    table(['metric', `v${c.a.version}`, `v${c.b.version}`], [...scoreRows(c), ...diffRows(metrics)]),
    context('* marks what differs'),
  );
}

/** The scorecard's own rows, each version's value (its candidate column). */
function scoreRows(c: Comparison): string[][] {
  const ids = [
    ['nab', 'NAB-style score', (x: number) => x.toFixed(1)],
    ['recall', 'recall: all', (x: number) => `${Math.round(x * 100)}%`],
    ['false_alerts_per_day', 'false alerts a day', (x: number) => x.toFixed(1)],
  ] as const;
  return ids.map(([id, label, f]) => {
    const a = num(metric(c.a, id), f);
    const b = num(metric(c.b, id), f);
    return [a !== b ? `* ${label}` : label, a, b];
  });
}
