export { CsvSource, DEFAULT_CSV_STEP_MS, type CsvSourceOptions } from './source';
export { readRange, type RangeRead } from './read';
export { parseTimestamp } from './timestamp';
