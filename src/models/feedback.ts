/**
 * 👍 real / 👎 false-alarm feedback (issue 15, point 6), kept with the series window it is about
 * (migration 015), for model evaluation (point 2a: ./backtest-labelled.ts).
 *
 * Targets: `job:<id>` is a detect_anomalies job (its window: the anomalous findings' segments),
 * `incident:<id>` an incident (its window: created .. resolved, or the time of the feedback while
 * it is open). One label per (target, person): a person who clicks again changes their mind, the
 * latest wins. `helpful` and `wrong` (DESIGN.md, for investigations) are stored but feed no model.
 *
 * The window is resolved by the control plane when the label is given (src/commands/feedback.ts);
 * this module only keeps it. Control plane only: it needs the store.
 */
import { AppError } from '../errors';
import { FEEDBACK_LABEL_NAMES } from '../intent/schema';
import type { Signal } from '../sources/types';
import type { Db } from '../store/store';
import type { LabelledPeriod, PeriodLabel } from './backtest-labelled';

export const FEEDBACK_LABELS = FEEDBACK_LABEL_NAMES;
export type FeedbackLabel = (typeof FEEDBACK_LABELS)[number];
/** The labels that feed model evaluation. */
export const MODEL_LABELS: readonly PeriodLabel[] = ['real', 'false_alarm'];

export type FeedbackTargetKind = 'job' | 'incident';

/** One series window a label is about; `signal` absent for an incident (every signal of the service). */
export interface FeedbackWindow {
  service: string;
  signal?: Signal;
  fromMs: number;
  toMs: number;
}

export interface FeedbackRecord {
  /** `job:<id>` or `incident:<id>`. */
  target: string;
  label: FeedbackLabel;
  /** The person (`user:ID`, or the chat id of an unlinked person). */
  by: string;
  at: number;
  /** The span of `windows`: their service when they share one (the first one's otherwise), earliest from, latest to. */
  service: string;
  signals: Signal[];
  fromMs: number;
  toMs: number;
  windows: FeedbackWindow[];
  /** The model version that scored, when a registered one did. */
  model: { name: string; version: number } | null;
}

export type FeedbackInput = Omit<FeedbackRecord, 'service' | 'signals' | 'fromMs' | 'toMs'>;

/** A labelled period for evaluation: what `labels()` gives. */
export interface FeedbackPeriod extends LabelledPeriod {
  signal?: Signal;
}

interface Row {
  target: string;
  person: string;
  label: FeedbackLabel;
  at: number;
  service: string;
  signals: string;
  from_ms: number;
  to_ms: number;
  windows: string;
  model: string | null;
  model_version: number | null;
}

export function isFeedbackLabel(v: unknown): v is FeedbackLabel {
  return typeof v === 'string' && (FEEDBACK_LABELS as readonly string[]).includes(v);
}

/** `job:12` -> {kind: 'job', id: '12'}; undefined for anything else. */
export function parseTarget(target: string): { kind: FeedbackTargetKind; id: string } | undefined {
  const m = /^(job|incident):([A-Za-z0-9][A-Za-z0-9._-]*)$/.exec(target);
  return m ? { kind: m[1] as FeedbackTargetKind, id: m[2] } : undefined;
}

export class FeedbackStore {
  private readonly s;

  constructor(db: Db) {
    this.s = {
      upsert: db.prepare(
        `INSERT INTO feedback
           (target, person, label, at, service, signals, from_ms, to_ms, windows, model, model_version)
         VALUES (@target, @person, @label, @at, @service, @signals, @from_ms, @to_ms, @windows, @model, @model_version)
         ON CONFLICT(target, person) DO UPDATE SET label = excluded.label, at = excluded.at, service = excluded.service,
           signals = excluded.signals, from_ms = excluded.from_ms, to_ms = excluded.to_ms, windows = excluded.windows,
           model = excluded.model, model_version = excluded.model_version`,
      ),
      get: db.prepare<[string, string], Row>('SELECT * FROM feedback WHERE target = ? AND person = ?'),
      ofTarget: db.prepare<[string], Row>('SELECT * FROM feedback WHERE target = ? ORDER BY at, person'),
      overlapping: db.prepare<[number, number], Row>(
        "SELECT * FROM feedback WHERE label IN ('real', 'false_alarm') AND from_ms <= ? AND to_ms >= ? " +
          'ORDER BY from_ms, target, person',
      ),
    };
  }

  /** Store a person's label for a target, replacing the one they gave before. */
  record(input: FeedbackInput): FeedbackRecord {
    if (!parseTarget(input.target)) throw new AppError('bad_request', `Not a feedback target: ${input.target}.`);
    if (!isFeedbackLabel(input.label)) throw new AppError('bad_request', `Not a feedback label: ${input.label}.`);
    if (!input.windows.length) throw new AppError('bad_request', `No series window for ${input.target}.`);
    const rec = withSpan(input);
    this.s.upsert.run({
      target: rec.target,
      person: rec.by,
      label: rec.label,
      at: rec.at,
      service: rec.service,
      signals: JSON.stringify(rec.signals),
      from_ms: rec.fromMs,
      to_ms: rec.toMs,
      windows: JSON.stringify(rec.windows),
      model: rec.model?.name ?? null,
      model_version: rec.model?.version ?? null,
    });
    return rec;
  }

  get(target: string, person: string): FeedbackRecord | undefined {
    const row = this.s.get.get(target, person);
    return row && fromRow(row);
  }

  /** Every person's label for a target, oldest first. */
  ofTarget(target: string): FeedbackRecord[] {
    return this.s.ofTarget.all(target).map(fromRow);
  }

  /**
   * The `real` and `false_alarm` windows of a service that overlap [fromMs, toMs], one per window
   * (an anomalies job can flag several signals), for model evaluation. `helpful` and `wrong` are
   * left out. When people disagree about a target, each label is its own period.
   */
  labels(service: string, fromMs: number, toMs: number): FeedbackPeriod[] {
    const out: FeedbackPeriod[] = [];
    for (const row of this.s.overlapping.all(toMs, fromMs)) {
      const label = row.label as PeriodLabel;
      if (!MODEL_LABELS.includes(label)) continue;
      for (const w of JSON.parse(row.windows) as FeedbackWindow[]) {
        if (w.service !== service || w.fromMs > toMs || w.toMs < fromMs) continue;
        out.push({ label, fromMs: w.fromMs, toMs: w.toMs, ...(w.signal ? { signal: w.signal } : {}) });
      }
    }
    return out;
  }
}

function withSpan(input: FeedbackInput): FeedbackRecord {
  const ws = input.windows;
  const services = [...new Set(ws.map((w) => w.service))];
  return {
    ...input,
    service: services[0],
    signals: [...new Set(ws.flatMap((w) => (w.signal ? [w.signal] : [])))],
    fromMs: Math.min(...ws.map((w) => w.fromMs)),
    toMs: Math.max(...ws.map((w) => w.toMs)),
  };
}

function fromRow(r: Row): FeedbackRecord {
  return {
    target: r.target,
    label: r.label,
    by: r.person,
    at: r.at,
    service: r.service,
    signals: JSON.parse(r.signals) as Signal[],
    fromMs: r.from_ms,
    toMs: r.to_ms,
    windows: JSON.parse(r.windows) as FeedbackWindow[],
    model: r.model !== null && r.model_version !== null ? { name: r.model, version: r.model_version } : null,
  };
}
