// Renders the Teams app icons from SVG: `node teams/make-icons.mjs` (needs @resvg/resvg-js, a dependency).
//   color.png    192x192, full colour, full bleed (Teams rounds the corners itself)
//   outline.png   32x32, white on transparent (Teams tints it; any other colour is rejected)
import { writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Resvg } from '@resvg/resvg-js';

const here = dirname(fileURLToPath(import.meta.url));
const ACCENT = '#2563EB';

// A cloud (two bumps on a rounded base) with a heartbeat line across it, on a 96x96 grid.
const cloud =
  '<rect x="18" y="46" width="60" height="24" rx="12"/>' +
  '<circle cx="38" cy="47" r="14"/><circle cx="56" cy="40" r="18"/>';
const pulse =
  '<polyline points="24,59 37,59 43,48 51,67 57,55 72,55" fill="none" stroke-width="5" ' +
  'stroke-linecap="round" stroke-linejoin="round"/>';

const color = `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 96 96">
  <rect width="96" height="96" fill="${ACCENT}"/>
  <g fill="#FFFFFF">${cloud}</g>
  <g stroke="${ACCENT}">${pulse}</g>
</svg>`;

// The heartbeat is cut out of the white cloud, so the icon stays white-or-transparent only.
const outline = `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 96 96">
  <mask id="cut"><rect width="96" height="96" fill="#FFFFFF"/><g stroke="#000000">${pulse}</g></mask>
  <g fill="#FFFFFF" mask="url(#cut)">${cloud}</g>
</svg>`;

for (const [name, svg, size] of [
  ['color.png', color, 192],
  ['outline.png', outline, 32],
]) {
  const png = new Resvg(svg, { fitTo: { mode: 'width', value: size }, background: 'rgba(0,0,0,0)' }).render().asPng();
  writeFileSync(join(here, name), png);
}
