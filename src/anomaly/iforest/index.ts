export { averagePathLength, meanPathLength, pathLength, scoreBatch, scoreRow } from './model';
export type { IsolationForest, IsolationTree, TrainingStats } from './model';
export { trainIsolationForest } from './train';
export type { FeatureMatrix, TrainOptions } from './train';
export { createRng } from './rng';
export type { Rng } from './rng';
export { gaussian, syntheticSeries } from './synthetic';
export type { SyntheticSeriesOptions } from './synthetic';
export { IforestStream } from './stream';
