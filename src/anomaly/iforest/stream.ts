/**
 * One series through the learned model, a point at a time and synchronously: a FeatureWindow
 * feeds the TypeScript forest, whose scores equal the exported ONNX model's (to float rounding).
 * Use this inside a StreamDetector; use the ONNX scorer for batches (many series per tick, backfills).
 */
import { AppError } from '../../errors';
import { FEATURE_COUNT, FeatureWindow, type FeatureWindowOptions } from '../features';
import { scoreRow, type IsolationForest } from './model';

export class IforestStream {
  private readonly window: FeatureWindow;
  private readonly row = new Float32Array(FEATURE_COUNT);
  private scored = false;

  /** `opts` must match the window the forest was trained with (size, recent). */
  constructor(
    private readonly forest: IsolationForest,
    opts: FeatureWindowOptions = {},
  ) {
    if (forest.featureCount !== FEATURE_COUNT) {
      throw new AppError(
        'bad_request',
        `IforestStream: the forest takes ${forest.featureCount} features, ` +
          `windowFeatures gives ${FEATURE_COUNT}; train it on windowFeatures rows`,
      );
    }
    this.window = new FeatureWindow(opts);
  }

  /** The score of this point in (0, 1); NaN while the window fills or when the value is not finite (it is skipped). */
  update(value: number): number {
    this.scored = this.window.pushInto(value, this.row, 0);
    return this.scored ? scoreRow(this.forest, this.row) : NaN;
  }

  /** Features of the point last scored (for explanations), or undefined. */
  lastFeatures(): Float32Array | undefined {
    return this.scored ? this.row.slice() : undefined;
  }

  /** Numbers held for this series: bounded by the window size. */
  stateSize(): number {
    return this.window.size * 3 + FEATURE_COUNT;
  }
}
