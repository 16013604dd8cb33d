export { PrometheusSource, type PrometheusSourceOptions } from './source';
export { PrometheusClient, DEFAULT_TIMEOUT_MS, type PrometheusClientOptions, type MatrixSeries } from './client';
export { chooseStepMs, evaluationGrid, MAX_POINTS, MIN_STEP_MS, TARGET_POINTS } from './step';
export { parseSampleValue, parseSamples } from './values';
