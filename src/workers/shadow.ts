/**
 * Shadow scoring (issue 15 point 4): the challenger a detection job carries scores the same series
 * through the same detector path as the champion; its would-be findings go in the result, compact,
 * for the control plane to record. Nothing of it reaches the reply's findings or pages anyone, and a
 * challenger that cannot load is skipped with its reason logged: the champion scores regardless.
 */
import { AppError } from '../errors';
import type { AnomaliesJobData, SeriesFinding, ShadowFinding, ShadowResult } from '../jobs/map';
import type { Logger } from '../log/logger';
import type { LoadedBundle } from '../models/bundle';
import type { BundleCache } from '../models/serving';

/** The challenger ready to score, the reason it is skipped, or nothing (the job carries none). */
export type ShadowModel =
  | { name: string; version: number; bundle: LoadedBundle }
  | { name: string; version: number; skipped: string }
  | undefined;

/** Load the job's challenger (cached by sha256 like the champion), or say why it cannot shadow. */
export async function shadowModel(data: AnomaliesJobData, bundles: BundleCache, log: Logger): Promise<ShadowModel> {
  if (data.shadowSkipped) {
    const { name, version, reason } = data.shadowSkipped;
    log.warn('shadow scoring skipped', { model: name, version, reason });
    return { name, version, skipped: reason };
  }
  const ref = data.shadow;
  if (!ref) return undefined;
  if (!data.model) {
    const reason = 'no champion scored beside it';
    log.warn('shadow scoring skipped', { model: ref.name, version: ref.version, reason });
    return { name: ref.name, version: ref.version, skipped: reason };
  }
  try {
    return { name: ref.name, version: ref.version, bundle: await bundles.get(ref) };
  } catch (err) {
    const why = (err instanceof AppError ? err.userMessage : (err as Error).message).replace(/^the model file /, '');
    const reason = `${ref.name} v${ref.version}'s file could not be loaded: ${why}`;
    log.warn('shadow scoring skipped', { model: ref.name, version: ref.version, reason });
    return { name: ref.name, version: ref.version, skipped: reason };
  }
}

/** A finding as the shadow record keeps it: anomalous or not, segments' start/end/max score. */
export function compactFinding(f: SeriesFinding): ShadowFinding {
  return {
    service: f.service,
    signal: f.signal,
    anomalous: f.anomalous,
    maxScore: f.maxScore,
    segments: f.segments.map((s) => ({ startMs: s.startMs, endMs: s.endMs, maxScore: s.maxScore })),
  };
}

/** The result's `shadow` part. */
export function shadowResult(shadow: ShadowModel, findings: ShadowFinding[]): ShadowResult | undefined {
  if (!shadow) return undefined;
  if ('skipped' in shadow) return shadow;
  const builtIn = [...new Set(findings.map((f) => f.signal).filter((s) => !shadow.bundle.scorers[s]))];
  return { name: shadow.name, version: shadow.version, findings, ...(builtIn.length ? { builtIn } : {}) };
}
