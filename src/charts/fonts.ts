import { existsSync } from 'node:fs';
import path from 'node:path';
import { AppError } from '../errors';

/** The family vega writes into the SVG and resvg falls back to; it must match the shipped files. */
export const CHART_FONT_FAMILY = 'DejaVu Sans';

/** The font files the project ships in `assets/fonts/` (DejaVu, see assets/fonts/LICENSE). */
export const CHART_FONT_FILES = ['DejaVuSans.ttf', 'DejaVuSans-Bold.ttf'] as const;

const MAX_LEVELS_UP = 5;
let cached: string[] | undefined;

/**
 * Absolute paths of the shipped font files. The folder is found by walking up from this file, so
 * it resolves the same from `src/charts` (jest), `dist/charts` (tsc build) and `.bench/src/charts`
 * (bench build): all of them sit below the project root that holds `assets/fonts/`.
 */
export function chartFontFiles(fontsDir?: string): string[] {
  if (fontsDir) return filesIn(fontsDir);
  if (!cached) cached = filesIn(findFontsDir(__dirname));
  return cached;
}

export function findFontsDir(from: string): string {
  let dir = from;
  for (let i = 0; i <= MAX_LEVELS_UP; i++) {
    const candidate = path.join(dir, 'assets', 'fonts');
    if (existsSync(path.join(candidate, CHART_FONT_FILES[0]))) return candidate;
    const parent = path.dirname(dir);
    if (parent === dir) break;
    dir = parent;
  }
  throw new AppError(
    'config_invalid',
    `chart fonts not found: no assets/fonts/${CHART_FONT_FILES[0]} above ${from}; ` +
      'ship the assets/ folder next to dist/',
    {
      userMessage: 'Charts are unavailable: the chart fonts are missing from this installation.',
    },
  );
}

function filesIn(dir: string): string[] {
  const files = CHART_FONT_FILES.map((f) => path.join(dir, f));
  const missing = files.filter((f) => !existsSync(f));
  if (missing.length) {
    throw new AppError('config_invalid', `chart fonts missing: ${missing.join(', ')}`, {
      userMessage: 'Charts are unavailable: the chart fonts are missing from this installation.',
    });
  }
  return files;
}
