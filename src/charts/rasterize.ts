import { Resvg } from '@resvg/resvg-js';
import { CHART_FONT_FAMILY, chartFontFiles } from './fonts';

export interface RasterizeOptions {
  /** Folder holding the shipped TTFs; defaults to the project's `assets/fonts/`. */
  fontsDir?: string;
  /** Opaque background; charts go to chat clients in light and dark themes. */
  background?: string;
}

/**
 * SVG -> PNG with resvg. resvg draws no text at all unless it is given font files, so the shipped
 * fonts are loaded explicitly, system fonts are not (the output must not depend on the host), and
 * the default family matches the one vega writes into the SVG.
 */
export function rasterizeSvg(svg: string, options: RasterizeOptions = {}): Buffer {
  const resvg = new Resvg(svg, {
    background: options.background ?? '#ffffff',
    fitTo: { mode: 'original' },
    font: {
      fontFiles: chartFontFiles(options.fontsDir),
      loadSystemFonts: false,
      defaultFontFamily: CHART_FONT_FAMILY,
      sansSerifFamily: CHART_FONT_FAMILY,
    },
    shapeRendering: 2,
    textRendering: 1,
  });
  return resvg.render().asPng();
}
