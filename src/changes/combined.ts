/**
 * Several change sources as one (the demo fleet's, Kubernetes, the remediations the bot ran):
 * their events merged, newest first, at most `limit`. A source that fails does not fail the rest:
 * `report` names it in `problems` beside the events the others gave; `events` (the port) answers
 * with the rest, and rejects only when every source failed (an empty answer would
 * read as "nothing changed"). Either way each failure goes to `onProblem` (the composition root logs it).
 */
import { AppError } from '../errors';
import type { ChangeEvent, ChangeQuery, ChangeSource } from './types';

const DEFAULT_LIMIT = 100;

export interface SourceProblem {
  source: string;
  message: string;
}

export interface ChangeReport {
  events: ChangeEvent[];
  /** The sources that could not answer, and why. */
  problems: SourceProblem[];
}

export interface CombinedChangeSource extends ChangeSource {
  readonly sources: readonly ChangeSource[];
  /** Every source asked at once; never rejects because of one source. */
  report(query: ChangeQuery): Promise<ChangeReport>;
}

const messageOf = (err: unknown): string =>
  err instanceof AppError ? err.userMessage : err instanceof Error ? err.message : String(err);

export function combineChangeSources(
  sources: readonly ChangeSource[],
  options: { onProblem?: (problem: SourceProblem, err: unknown) => void } = {},
): CombinedChangeSource {
  async function report(query: ChangeQuery): Promise<ChangeReport> {
    const limit = query.limit ?? DEFAULT_LIMIT;
    const settled = await Promise.allSettled(sources.map((s) => s.events({ ...query, limit })));
    const events: ChangeEvent[] = [];
    const problems: SourceProblem[] = [];
    settled.forEach((r, i) => {
      if (r.status === 'fulfilled') events.push(...r.value);
      else {
        const problem = { source: sources[i].kind, message: messageOf(r.reason) };
        problems.push(problem);
        options.onProblem?.(problem, r.reason);
      }
    });
    // Stable: equal times keep the sources' order.
    events.sort((a, b) => b.atMs - a.atMs);
    return { events: events.slice(0, limit), problems };
  }
  return {
    kind: 'combined',
    sources,
    report,
    async events(query) {
      const { events, problems } = await report(query);
      if (sources.length > 0 && problems.length === sources.length) {
        throw new AppError(
          'unavailable',
          `No change source could answer: ${problems.map((p) => `${p.source}: ${p.message}`).join('; ')}`,
        );
      }
      return events;
    },
  };
}

/** Whether a change source can report its sources' problems (a combined one). */
export function isCombined(source: ChangeSource): source is CombinedChangeSource {
  return typeof (source as Partial<CombinedChangeSource>).report === 'function';
}
