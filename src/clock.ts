/** Injected wherever time matters, so tests can pin it. Milliseconds since the epoch. */
export type Clock = () => number;
export const systemClock: Clock = () => Date.now();
