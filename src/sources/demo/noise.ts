/**
 * Stateless, hash-based noise. Every value is a pure function of its key and index, so any
 * time range can be computed in any order with identical results (unlike a stateful RNG).
 */
const TWO_32 = 4_294_967_296;
// Local bindings: under a vm context (jest) every lookup of the global Math is slow.
const { imul, floor } = Math;

/** Fold one 32-bit word into a running hash (MurmurHash3 body step). */
function mixWord(h: number, word: number): number {
  let k = imul(word, 0xcc9e2d51);
  k = (k << 15) | (k >>> 17);
  k = imul(k, 0x1b873593);
  let x = h ^ k;
  x = (x << 13) | (x >>> 19);
  return (imul(x, 5) + 0xe6546b64) | 0;
}

/** MurmurHash3 finaliser: good avalanche, unsigned 32-bit result. */
function finish(h: number): number {
  let x = h;
  x ^= x >>> 16;
  x = imul(x, 0x85ebca6b);
  x ^= x >>> 13;
  x = imul(x, 0xc2b2ae35);
  x ^= x >>> 16;
  return x >>> 0;
}

/** Fold an integer of any safe size (negative too) as its low and high 32-bit halves. */
function mixInt(h: number, n: number): number {
  return mixWord(mixWord(h, n >>> 0), floor(n / TWO_32) | 0);
}

/** A 32-bit hash of a key and a list of integers (or strings, hashed by character). */
export function hashOf(key: number, ...parts: Array<number | string>): number {
  let h = key | 0;
  for (const part of parts) {
    if (typeof part === 'number') {
      h = mixInt(h, part);
    } else {
      for (let i = 0; i < part.length; i += 1) h = mixWord(h, part.charCodeAt(i));
      h = mixWord(h, part.length);
    }
  }
  return finish(h);
}

/** Uniform in [0, 1) for (key, index). */
export function unit(key: number, index: number): number {
  return finish(mixInt(key, index)) / TWO_32;
}

/**
 * Roughly normal, mean 0, standard deviation 1, bounded to ±3: the sum of three uniforms
 * taken from the bits of one hash.
 */
export function gauss(key: number, index: number): number {
  const h = finish(mixInt(key, index));
  const sum = (h & 0x3ff) + ((h >>> 10) & 0x3ff) + ((h >>> 20) & 0x3ff);
  return (sum / 1024 - 1.5) * 2;
}

/**
 * Smooth, slowly wandering noise: uniform knots (standard deviation 1) every periodMs,
 * joined with a smoothstep, so neighbouring points are correlated like real metrics.
 */
export function wander(key: number, t: number, periodMs: number): number {
  const x = t / periodMs;
  const knot = floor(x);
  const f = x - knot;
  const s = f * f * (3 - 2 * f);
  const a = (unit(key, knot) - 0.5) * 3.4641016;
  const b = (unit(key, knot + 1) - 0.5) * 3.4641016;
  return a + (b - a) * s;
}
