import type { Migration } from './types';

/**
 * 👍 real / 👎 false-alarm feedback (issue 15, point 6): one label per (target, person), the latest
 * wins. `target` is `job:<id>` (a detect_anomalies job) or `incident:<id>`; the series window it is
 * about (resolved from the target when the label was given) is kept with it, so model evaluation
 * reads labelled periods without the job (the queue forgets old jobs) or the incident.
 * `windows` is a JSON array of {service, signal?, fromMs, toMs}; `service`, `from_ms`, `to_ms` are
 * their span, for lookups.
 */
export const feedbackMigration: Migration = {
  version: 15,
  name: 'feedback',
  sql: `
    CREATE TABLE feedback (
      target TEXT NOT NULL,
      person TEXT NOT NULL,
      label TEXT NOT NULL CHECK (label IN ('real', 'false_alarm', 'helpful', 'wrong')),
      at INTEGER NOT NULL,
      service TEXT NOT NULL,
      signals TEXT NOT NULL,
      from_ms INTEGER NOT NULL,
      to_ms INTEGER NOT NULL,
      windows TEXT NOT NULL,
      model TEXT,
      model_version INTEGER,
      PRIMARY KEY (target, person)
    );
    CREATE INDEX feedback_span ON feedback (from_ms, to_ms);
  `,
};
