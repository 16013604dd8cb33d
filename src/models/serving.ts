/**
 * Serving a champion model (issue 15 point 4): its bytes travel in the detection job (a `worker`
 * opens no database), each process loads a bundle once per sha256 and keeps it, and a loaded
 * signal scorer stands in for the detector's learned channel without per-job training.
 */
import { createHash } from 'node:crypto';
import { FEATURE_COUNT, FeatureWindow } from '../anomaly/features';
import type { LearnedChannel } from '../anomaly/learned';
import type { Signal } from '../sources/types';
import type { BundleScorer, LoadedBundle } from './bundle';

/** A model version as a detection job carries it: the ONNX bundle's bytes included. */
export interface ModelRef {
  name: string;
  version: number;
  /** sha256 (hex) of the ONNX bytes, as the registry verified them: the cache key. */
  sha256: string;
  onnxBase64: string;
}

/** Which model scored a detection, or why the built-in detector did instead. */
export type ServedModel =
  | {
      name: string;
      version: number;
      /** Signals scored that the model was not trained on: the built-in learned channel scored them. */
      builtIn?: Signal[];
    }
  | { fallback: string };

/** A challenger that could not score in shadow, and why (the champion scores all the same). */
export interface ShadowSkipped {
  name: string;
  version: number;
  reason: string;
}

/**
 * What a producer attaches for a service: its champion, why it cannot be served (its file missing
 * or corrupt: the built-in detector scores and the reply says so), or undefined (no champion).
 * With a served champion, the model's challenger too (`shadow`), or why it cannot shadow.
 */
export type ChampionChoice =
  { model: ModelRef; shadow?: ModelRef; shadowSkipped?: ShadowSkipped } | { fallback: string } | undefined;

/** What a detection job carries of a ChampionChoice (AnomaliesJobData's model fields): one spread for producers. */
export function modelsForJob(choice: ChampionChoice): {
  model?: ModelRef;
  modelFallback?: string;
  shadow?: ModelRef;
  shadowSkipped?: ShadowSkipped;
} {
  if (!choice) return {};
  if ('fallback' in choice) return { modelFallback: choice.fallback };
  return {
    model: choice.model,
    ...(choice.shadow ? { shadow: choice.shadow } : {}),
    ...(choice.shadowSkipped ? { shadowSkipped: choice.shadowSkipped } : {}),
  };
}

/** The control plane's lookup of a service's champion, injected into the producers. */
export type ChampionOf = (service: string) => Promise<ChampionChoice>;

/** The sentence a reply shows when the model could not be used. */
export function fallbackReason(name: string, version: number, why: string): string {
  return `${name} v${version}'s file ${why}; used the built-in detector`;
}

/**
 * A learned channel backed by a pre-trained scorer: the same window features as
 * createLearnedChannel, scored from the first full window on (no training rows), one ONNX call
 * per chunk. Raw forest scores, so the detector calibrates them as it does the built-in ones.
 */
export function createPretrainedChannel(scorer: BundleScorer, options: { window: number }): LearnedChannel {
  const window = new FeatureWindow({ size: options.window });
  let rows = new Float32Array(4096 * FEATURE_COUNT);
  return {
    trained: true,
    async score(values) {
      const out = new Float64Array(values.length).fill(NaN);
      if (rows.length < values.length * FEATURE_COUNT) rows = new Float32Array(values.length * FEATURE_COUNT);
      const at: number[] = [];
      for (let i = 0; i < values.length; i++) {
        if (window.pushInto(values[i], rows, at.length * FEATURE_COUNT)) at.push(i);
      }
      if (at.length > 0) {
        const scores = await scorer.score(rows.slice(0, at.length * FEATURE_COUNT), at.length);
        for (let j = 0; j < at.length; j++) out[at[j]] = scores[j];
      }
      return out;
    },
    // The bundle is shared by the process's cache: closing a channel leaves it open.
    async close() {},
  };
}

export interface BundleCache {
  /**
   * The loaded bundle of a model reference, loaded once per sha256 per process (a new champion
   * has another sha256, so a job uses exactly one version). Throws when the bytes do not match
   * their sha256 or do not load (the caller falls back to the built-in detector).
   */
  get(ref: ModelRef): Promise<LoadedBundle>;
  /** Bundles held now. */
  size(): number;
  close(): Promise<void>;
}

/** Bundles kept per process; the least recently used one beyond this is released. */
export const BUNDLE_CACHE_SIZE = 8;

export function createBundleCache(
  load: (bytes: Uint8Array) => Promise<LoadedBundle>,
  options: { max?: number } = {},
): BundleCache {
  const max = options.max ?? BUNDLE_CACHE_SIZE;
  const held = new Map<string, Promise<LoadedBundle>>();
  const evict = () => {
    while (held.size > max) {
      const [oldest, bundle] = held.entries().next().value as [string, Promise<LoadedBundle>];
      held.delete(oldest);
      void bundle.then((b) => b.close()).catch(() => undefined);
    }
  };
  return {
    get(ref) {
      const cached = held.get(ref.sha256);
      if (cached) {
        held.delete(ref.sha256); // re-inserted: most recently used last
        held.set(ref.sha256, cached);
        return cached;
      }
      const loading = (async () => {
        const bytes = Buffer.from(ref.onnxBase64, 'base64');
        const actual = createHash('sha256').update(bytes).digest('hex');
        if (actual !== ref.sha256) throw new Error(`its bytes have sha256 ${actual}, expected ${ref.sha256}`);
        return load(bytes);
      })();
      held.set(ref.sha256, loading);
      // A bundle that fails to load is forgotten; one that loads may push the oldest out.
      loading.then(evict, () => held.delete(ref.sha256));
      return loading;
    },
    size: () => held.size,
    async close() {
      const all = [...held.values()];
      held.clear();
      for (const b of all) await b.then((x) => x.close()).catch(() => undefined);
    },
  };
}
