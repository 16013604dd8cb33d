/**
 * Scores feature rows with an exported anomaly model in onnxruntime-node (CPU). One session per
 * model; `score` may be called concurrently. Bad or unreadable models fail here with a clear
 * AppError rather than at the first score.
 */
import { readFile } from 'node:fs/promises';
import { InferenceSession, Tensor } from 'onnxruntime-node';
import { AppError, errorMessage } from '../../errors';
import { readOnnxInfo, type OnnxModelInfo } from './read';

export interface OnnxScorerOptions {
  /**
   * Threads inside one operator (default 1: on this 2-core box one thread scored about twice as
   * fast as ORT's default, and leaves the other core to the event loop).
   */
  intraOpNumThreads?: number;
}

export interface OnnxScorer {
  /** Features per row the model expects. */
  readonly featureCount: number;
  /** What the model file says about itself (producer, opsets, metadata_props). */
  readonly info: OnnxModelInfo;
  /** Scores `rows` rows stored row-major in `batch` (rows x featureCount); one score per row. */
  score(batch: Float32Array, rows: number): Promise<Float32Array>;
  /** Releases the native session; later calls to score fail. */
  close(): Promise<void>;
}

export async function createOnnxScorer(model: Uint8Array | string, opts: OnnxScorerOptions = {}): Promise<OnnxScorer> {
  const threads = opts.intraOpNumThreads ?? 1;
  if (!Number.isInteger(threads) || threads < 0) {
    throw new AppError(
      'config_invalid',
      `ONNX scorer: intraOpNumThreads must be a whole number >= 0, 0 meaning ORT's default (got ${threads})`,
    );
  }
  const bytes = typeof model === 'string' ? await readModelFile(model) : model;
  const where = typeof model === 'string' ? model : `${bytes.length} bytes`;
  if (bytes.length === 0) throw new AppError('bad_request', `ONNX model (${where}) is empty`);
  // Our own decoder first: it names the problem (not protobuf, wrong input) without native code.
  const info = checked(where, () => readOnnxInfo(bytes));
  let session: InferenceSession;
  try {
    session = await InferenceSession.create(bytes, {
      executionProviders: ['cpu'],
      intraOpNumThreads: threads,
      interOpNumThreads: 1,
      executionMode: 'sequential',
      graphOptimizationLevel: 'all',
      logSeverityLevel: 3,
    });
  } catch (err) {
    throw new AppError(
      'bad_request',
      `ONNX model (${where}) could not be loaded by onnxruntime: ${errorMessage(err)}`,
      { cause: err },
    );
  }
  const inputName = session.inputNames[0];
  const outputName = session.outputNames.includes(info.outputName) ? info.outputName : session.outputNames[0];
  const featureCount = info.featureCount;
  let closed = false;

  return {
    featureCount,
    info,
    async score(batch, rows) {
      if (closed) throw new AppError('unavailable', 'ONNX scorer is closed');
      if (!Number.isInteger(rows) || rows < 0 || batch.length !== rows * featureCount) {
        throw new AppError(
          'bad_request',
          `ONNX scorer: expected ${rows} rows x ${featureCount} features = ${rows * featureCount} values, ` +
            `got ${batch.length}`,
        );
      }
      if (rows === 0) return new Float32Array(0);
      // A pre-allocated output: ORT writes the scores into our array (no extra copy), and the
      // result never depends on which JS realm the native side would build its array in.
      const scores = new Float32Array(rows);
      await session.run(
        { [inputName]: new Tensor('float32', batch, [rows, featureCount]) },
        { [outputName]: new Tensor('float32', scores, [rows, 1]) },
      );
      return scores;
    },
    async close() {
      if (closed) return;
      closed = true;
      await session.release();
    },
  };
}

async function readModelFile(path: string): Promise<Uint8Array> {
  try {
    return await readFile(path);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') throw new AppError('not_found', `ONNX model file not found: ${path}`, { cause: err });
    throw new AppError('unavailable', `ONNX model file ${path} could not be read: ${errorMessage(err)}`, {
      cause: err,
    });
  }
}

function checked<T>(where: string, fn: () => T): T {
  try {
    return fn();
  } catch (err) {
    throw new AppError('bad_request', `ONNX model (${where}) is not usable: ${errorMessage(err)}`, { cause: err });
  }
}
