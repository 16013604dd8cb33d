import { FUZZY_TARGETS } from './word-lists';

/**
 * Typo tolerance for command keywords. A word is corrected only when it is plain letters, starts
 * with the keyword's first letter and is close enough: one swap of neighbours for keywords of up
 * to 5 letters ("cahce"), one edit for 6-7 letters ("restrat", "rollbak"), two for longer ones
 * ("anomolies", "incidnets").
 */
const LETTERS = /^[a-z]+$/;
const cache = new Map<string, string | null>();
const CACHE_LIMIT = 4096;

export function correct(word: string): string | undefined {
  if (word.length < 4 || word.length > 16 || !LETTERS.test(word)) return undefined;
  const hit = cache.get(word);
  if (hit !== undefined) return hit ?? undefined;
  let best: string | undefined;
  let bestDist = 3;
  for (const target of FUZZY_TARGETS) {
    if (target[0] !== word[0]) continue;
    const allowed = allowedDistance(target, word);
    if (allowed === 0 || Math.abs(target.length - word.length) > allowed) continue;
    const d = target.length <= 5 ? (isSwap(target, word) ? 1 : 9) : distance(target, word, allowed);
    if (d <= allowed && d < bestDist) {
      best = target;
      bestDist = d;
    }
  }
  if (cache.size >= CACHE_LIMIT) cache.clear();
  cache.set(word, best ?? null);
  return best;
}

function allowedDistance(target: string, word: string): number {
  if (target.length <= 5) return word.length === target.length ? 1 : 0;
  if (target.length <= 7) return 1;
  return word.length >= 8 ? 2 : 1;
}

function isSwap(a: string, b: string): boolean {
  let i = 0;
  while (i < a.length && a[i] === b[i]) i++;
  return i < a.length - 1 && a[i] === b[i + 1] && a[i + 1] === b[i] && a.slice(i + 2) === b.slice(i + 2);
}

/** Optimal string alignment distance (Damerau-Levenshtein with adjacent swaps), cut off at `max`. */
function distance(a: string, b: string, max: number): number {
  const n = b.length;
  let prev2 = new Array<number>(n + 1).fill(0);
  let prev = new Array<number>(n + 1);
  let cur = new Array<number>(n + 1);
  for (let j = 0; j <= n; j++) prev[j] = j;
  for (let i = 1; i <= a.length; i++) {
    cur[0] = i;
    let rowMin = i;
    for (let j = 1; j <= n; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let v = Math.min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) v = Math.min(v, prev2[j - 2] + 1);
      cur[j] = v;
      if (v < rowMin) rowMin = v;
    }
    if (rowMin > max) return max + 1;
    [prev2, prev, cur] = [prev, cur, prev2];
  }
  return prev[n];
}
