import type { SignalView } from '../../../src/present/dashboard-view';
import { formatValue } from '../format';

const WIDTH = 120;
const HEIGHT = 32;
const PAD = 2;

/**
 * One signal over the window as an inline SVG line, with its objective as a dashed line when it
 * falls in range. A picture for the eye; the figures are in its label for everyone else.
 */
export function Sparkline({ signal }: { signal: SignalView }) {
  const { points, limit } = signal;
  const label =
    `${signal.label} over the last hour, now ${formatValue(signal.now, signal.unit)}` +
    (limit !== null ? `, objective ${formatValue(limit, signal.unit)}` : '');
  if (points.length < 2) {
    return (
      <svg class="spark" viewBox={`0 0 ${WIDTH} ${HEIGHT}`} preserveAspectRatio="none" role="img" aria-label={label}>
        <title>{label}</title>
      </svg>
    );
  }
  const lo = Math.min(...points, 0);
  const hi = Math.max(...points, limit !== null && limit < Math.max(...points) * 1.5 ? limit : -Infinity);
  const span = hi - lo || 1;
  const x = (i: number) => PAD + (i * (WIDTH - 2 * PAD)) / (points.length - 1);
  const y = (v: number) => HEIGHT - PAD - ((v - lo) * (HEIGHT - 2 * PAD)) / span;
  const line = points.map((v, i) => `${x(i).toFixed(1)},${y(v).toFixed(1)}`).join(' ');
  const over = limit !== null && signal.now !== null && signal.now > limit;
  return (
    <svg
      class={over ? 'spark over' : 'spark'}
      viewBox={`0 0 ${WIDTH} ${HEIGHT}`}
      preserveAspectRatio="none"
      role="img"
      aria-label={label}
    >
      <title>{label}</title>
      {limit !== null && limit <= hi && (
        <line class="limit" x1={PAD} x2={WIDTH - PAD} y1={y(limit)} y2={y(limit)} vector-effect="non-scaling-stroke" />
      )}
      <polyline class="line" points={line} vector-effect="non-scaling-stroke" />
    </svg>
  );
}
