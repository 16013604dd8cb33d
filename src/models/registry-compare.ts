import type { Difference, Json, JsonObject } from './registry-types';

/** Flatten nested objects to dotted keys (arrays stay values), for a side-by-side comparison. */
export function flatten(obj: JsonObject | null, prefix = '', out = new Map<string, Json>()): Map<string, Json> {
  for (const [key, value] of Object.entries(obj ?? {})) {
    const path = prefix ? `${prefix}.${key}` : key;
    if (value !== null && typeof value === 'object' && !Array.isArray(value)) flatten(value, path, out);
    else out.set(path, value);
  }
  return out;
}

export function differences(a: JsonObject | null, b: JsonObject | null): Difference[] {
  const fa = flatten(a);
  const fb = flatten(b);
  const keys = [...new Set([...fa.keys(), ...fb.keys()])].sort();
  return keys.map((key) => {
    const va = fa.get(key);
    const vb = fb.get(key);
    return { key, a: va, b: vb, differs: JSON.stringify(va) !== JSON.stringify(vb) };
  });
}
