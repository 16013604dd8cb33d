/**
 * Which of two states of one alert (one Alertmanager fingerprint) is newer, by the alert's own
 * times, never by when a notification arrived: Alertmanager may deliver a group's `resolved`
 * before its `firing`, or an old `firing` after a newer `resolved`.
 *
 * A firing state is as new as its `startsAt`, a resolved one as its `endsAt`. On a tie the
 * resolution wins: a firing whose `startsAt` is not after a known `endsAt` is that ended episode
 * told late, and never reopens it. A state newer than the known one is a new episode when it
 * starts after the known episode (after its end, or after its start if it never ended).
 */
export interface AlertTimes {
  status: 'firing' | 'resolved';
  /** ms; always set (see `alertTimes`). */
  startsAt: number;
  /** ms; set when resolved. */
  endsAt?: number;
}

/**
 * - `new`: an alert not known in the group.
 * - `episode`: a newer episode of a known alert (it fired again).
 * - `update`: a newer state of the known episode (its resolution, or a later end).
 * - `same`: the known state again (a repeat notification).
 * - `stale`: older than what is known: ignore it.
 */
export type AlertVerdict = 'new' | 'episode' | 'update' | 'same' | 'stale';

/** A time Alertmanager sent, in ms; undefined when absent or Go's zero time (a firing alert's `endsAt`). */
export function alertTime(s: string | null | undefined): number | undefined {
  if (!s) return undefined;
  const ms = Date.parse(s);
  return Number.isFinite(ms) && ms > 0 ? ms : undefined;
}

/**
 * An alert's times as stored or sent. Alertmanager always sends both for a resolved alert and a
 * `startsAt` for a firing one. A firing without one is the known firing episode repeated (else it
 * starts "now", `receivedAt`): taking "now" would make every repeat a new episode, and reopen what a
 * person resolved. A resolution without `endsAt` ends "now", without `startsAt` the known episode.
 */
export function alertTimes(
  a: { status: 'firing' | 'resolved'; startsAt?: string | null; endsAt?: string | null },
  receivedAt: number,
  known?: AlertTimes,
): AlertTimes {
  const startsAt = alertTime(a.startsAt);
  if (a.status === 'firing')
    return { status: 'firing', startsAt: startsAt ?? (known?.status === 'firing' ? known.startsAt : receivedAt) };
  const endsAt = alertTime(a.endsAt) ?? receivedAt;
  return { status: 'resolved', startsAt: startsAt ?? Math.min(known?.startsAt ?? endsAt, endsAt), endsAt };
}

/**
 * The alert with the times `alertTimes` assumed written in, so a stored state keeps them (not "now"
 * of a later read).
 */
export function withTimes<A extends { startsAt?: string; endsAt?: string }>(a: A, t: AlertTimes): A {
  const iso = (ms: number) => new Date(ms).toISOString();
  return {
    ...a,
    startsAt: alertTime(a.startsAt) === undefined ? iso(t.startsAt) : a.startsAt,
    endsAt: t.endsAt !== undefined && alertTime(a.endsAt) === undefined ? iso(t.endsAt) : a.endsAt,
  };
}

const asOf = (a: AlertTimes) => (a.status === 'firing' ? a.startsAt : (a.endsAt ?? a.startsAt));

export function compareAlert(known: AlertTimes | undefined, incoming: AlertTimes): AlertVerdict {
  if (!known) return 'new';
  const [was, now] = [asOf(known), asOf(incoming)];
  if (now < was) return 'stale';
  if (now === was) {
    if (incoming.status === known.status) return 'same';
    // A resolution at the very moment the known firing started ends that episode; a firing at
    // the moment the known resolution ended is that episode told late.
    return incoming.status === 'resolved' ? 'update' : 'stale';
  }
  return incoming.startsAt > was ? 'episode' : 'update';
}
