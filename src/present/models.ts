import type { TrainModelJobResult } from '../jobs/map';
import type { Json, JsonObject, ModelRecord, ModelVersion } from '../models/registry-types';
import { context, fields, header, reply, table, text, type Reply } from '../reply/model';

/** `list models`: each model, its aliases and its latest versions. */
export function presentModels(models: readonly ModelRecord[]): Reply {
  if (models.length === 0)
    return reply('info', text('No models yet. Train one: `train a model for payments on the last 7 days`.'));
  const alias = (v: number | null) => (v === null ? '—' : `v${v}`);
  return reply(
    'info',
    header(`${models.length} model${models.length === 1 ? '' : 's'}`),
    table(
      ['model', 'service', 'champion', 'challenger', 'versions', 'latest', 'by', 'drift'],
      models.map((m) => {
        const latest = m.versions[m.versions.length - 1];
        return [
          m.name,
          m.service,
          alias(m.champion),
          alias(m.challenger),
          String(m.versions.length),
          latest ? `v${latest.version} ${new Date(latest.createdAt).toISOString().slice(0, 16)}Z` : '—',
          latest?.createdBy ?? '',
          championDrift(m),
        ];
      }),
    ),
    context('promote MODEL VERSION to serve a version (approval needed)'),
  );
}

/** The champion's latest drift check: "0.03" or "0.61 drifted" (PSI), "—" when never checked. */
function championDrift(m: ModelRecord): string {
  const d = m.versions.find((v) => v.version === m.champion)?.drift;
  return d ? `${d.score.toFixed(2)}${d.drifted ? ' drifted' : ''}` : '—';
}

interface ScorecardRowJson {
  label: string;
  unit: string;
  champion: number | null;
  candidate: number | null;
}

const cell = (x: number | null, unit: string): string => {
  if (x === null) return 'n/a';
  if (unit === 'ratio') return `${Math.round(x * 100)}%`;
  if (unit === 'seconds') return `${Math.round(x)} s`;
  if (unit === 'count') return String(x);
  return x.toFixed(1);
};

const obj = (j: Json | undefined): JsonObject | undefined =>
  j && typeof j === 'object' && !Array.isArray(j) ? j : undefined;

/** A finished training: the version registered and its scorecard beside the champion, with the recommendation. */
export function presentTrained(r: TrainModelJobResult, version?: ModelVersion): Reply {
  const days = (r.window.toMs - r.window.fromMs) / 86_400_000;
  const facts = fields([
    { label: 'service', value: r.service },
    { label: 'window', value: `${days >= 1 ? `${+days.toFixed(1)} d` : `${+(days * 24).toFixed(1)} h`}` },
    { label: 'signals', value: Object.keys(r.stats.points).join(', ') },
    { label: 'trained in', value: `${r.stats.trainingSeconds.toFixed(1)} s` },
    { label: 'ONNX', value: `${r.stats.onnxBytes} bytes, sha256 ${r.sha256.slice(0, 12)}` },
  ]);
  if (!version) return reply('success', header(`Trained ${r.model}`), facts, context('registering it…'));
  const head = header(`Trained ${version.name} v${version.version}`);
  const metrics = version.metrics ?? {};
  const card = obj(metrics.scorecard);
  if (!card) {
    const why = typeof metrics.evaluation_error === 'string' ? metrics.evaluation_error : 'not evaluated yet';
    return reply('warning', head, facts, text(`Registered, but no scorecard: ${why}`));
  }
  const rows = (Array.isArray(card.rows) ? card.rows : []) as unknown as ScorecardRowJson[];
  const champion = typeof card.champion === 'number' ? card.champion : null;
  const cols =
    champion === null
      ? ['metric', `v${version.version}`]
      : ['metric', `v${champion} (champion)`, `v${version.version}`];
  return reply(
    card.recommendation === 'promote' ? 'success' : 'info',
    head,
    facts,
    text(
      `Scorecard on ${String(card.signal)} (${String(card.points)} points, anomalies injected): ${String(card.reason)}`,
    ),
    table(
      cols,
      rows.map((row) =>
        champion === null
          ? [row.label, cell(row.candidate, row.unit)]
          : [row.label, cell(row.champion, row.unit), cell(row.candidate, row.unit)],
      ),
    ),
    ...(typeof card.feedback === 'string' ? [context(card.feedback)] : []),
    context(`recommendation: ${String(card.recommendation)} · by ${version.createdBy}`),
  );
}
