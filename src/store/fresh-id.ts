import { randomBytes } from 'node:crypto';

/** Hex digits after the prefix: short enough to read and type in chat (`approve r3f9a1c`). */
export const ID_HEX_DIGITS = 6;
const MAX_TRIES = 64;

/**
 * A short id (`prefix` + 6 hex digits) that no row has yet. Call it inside the same (immediate)
 * transaction as the insert that uses it, so no other writer can take the id in between: then ids
 * never collide (24 random bits alone give about 3 collisions among 10,000 ids).
 */
export function freshId(
  prefix: string,
  taken: (id: string) => boolean,
  random: () => string = () => randomBytes(ID_HEX_DIGITS / 2).toString('hex'),
): string {
  for (let i = 0; i < MAX_TRIES; i++) {
    const id = `${prefix}${random()}`;
    if (!taken(id)) return id;
  }
  throw new Error(`freshId: no free ${prefix} id after ${MAX_TRIES} tries; the id space is nearly full`);
}
