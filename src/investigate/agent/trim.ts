/**
 * Tool output is capped before a model sees it: long arrays keep their first and last items, long
 * strings their start, until the JSON fits; the text says what was left out. Structure is kept, so
 * the model (and any program reading the messages) still gets valid JSON whenever possible.
 */

/** Steps of shrinking: at most this many array items, this many characters per string. */
const STEPS: ReadonlyArray<readonly [items: number, chars: number]> = [
  [24, 300],
  [12, 200],
  [6, 120],
  [4, 80],
  [2, 60],
  [1, 40],
];
const MAX_DEPTH = 8;

function shrink(value: unknown, items: number, chars: number, depth = 0): unknown {
  if (typeof value === 'string') return value.length > chars ? `${value.slice(0, chars - 1)}…` : value;
  if (value === null || typeof value !== 'object') return value;
  if (depth >= MAX_DEPTH) return '…';
  if (Array.isArray(value)) {
    const all = value.map((v) => shrink(v, items, chars, depth + 1));
    if (all.length <= items) return all;
    const head = Math.ceil(items / 2);
    const tail = items - head;
    return [...all.slice(0, head), `… ${all.length - items} more …`, ...(tail ? all.slice(-tail) : [])];
  }
  const entries = Object.entries(value as Record<string, unknown>);
  const keys = Math.max(items * 2, 8);
  const kept = entries.slice(0, keys).map(([k, v]) => [k, shrink(v, items, chars, depth + 1)]);
  if (entries.length > keys) kept.push(['…', `${entries.length - keys} more fields`]);
  return Object.fromEntries(kept);
}

/** `value` as JSON in at most `max` characters; `trimmed` when anything was left out. */
export function fitJson(value: unknown, max: number): { text: string; trimmed: boolean } {
  const full = JSON.stringify(value) ?? 'null';
  if (full.length <= max) return { text: full, trimmed: false };
  let last = full;
  for (const [items, chars] of STEPS) {
    last = JSON.stringify(shrink(value, items, chars)) ?? 'null';
    if (last.length <= max) return { text: last, trimmed: true };
  }
  // Still too long (a very wide object): cut the text itself; it is no longer valid JSON.
  return { text: `${last.slice(0, Math.max(0, max - 1))}…`, trimmed: true };
}
