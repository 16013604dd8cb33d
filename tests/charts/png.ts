import { inflateSync } from 'node:zlib';

/** A minimal PNG reader for tests: enough for resvg's output (8-bit RGBA, not interlaced). */
export const PNG_SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

export interface PngHeader {
  width: number;
  height: number;
  bitDepth: number;
  colorType: number;
  interlace: number;
}

export interface Image {
  width: number;
  height: number;
  /** RGBA, row-major. */
  pixels: Uint8Array;
}

export function readHeader(png: Buffer): PngHeader {
  if (!png.subarray(0, 8).equals(PNG_SIGNATURE)) throw new Error('not a PNG: bad signature');
  // The first chunk must be IHDR: length(4) type(4) width(4) height(4) depth(1) colour(1) ...
  if (png.readUInt32BE(8) !== 13 || png.toString('latin1', 12, 16) !== 'IHDR')
    throw new Error('not a PNG: IHDR is not first');
  return {
    width: png.readUInt32BE(16),
    height: png.readUInt32BE(20),
    bitDepth: png[24],
    colorType: png[25],
    interlace: png[28],
  };
}

export function decodePng(png: Buffer): Image {
  const h = readHeader(png);
  if (h.bitDepth !== 8 || h.colorType !== 6 || h.interlace !== 0)
    throw new Error(`unsupported PNG: ${JSON.stringify(h)}`);
  const idat: Buffer[] = [];
  for (let at = 8; at < png.length;) {
    const len = png.readUInt32BE(at);
    const type = png.toString('latin1', at + 4, at + 8);
    if (type === 'IDAT') idat.push(png.subarray(at + 8, at + 8 + len));
    if (type === 'IEND') break;
    at += 12 + len;
  }
  const raw = inflateSync(Buffer.concat(idat));
  const bpp = 4;
  const stride = h.width * bpp;
  const out = new Uint8Array(stride * h.height);
  for (let y = 0; y < h.height; y++) {
    const filter = raw[y * (stride + 1)];
    const src = y * (stride + 1) + 1;
    const row = y * stride;
    for (let x = 0; x < stride; x++) {
      const a = x >= bpp ? out[row + x - bpp] : 0;
      const b = y > 0 ? out[row - stride + x] : 0;
      const c = x >= bpp && y > 0 ? out[row - stride + x - bpp] : 0;
      out[row + x] = (raw[src + x] + predict(filter, a, b, c)) & 0xff;
    }
  }
  return { width: h.width, height: h.height, pixels: out };
}

function predict(filter: number, a: number, b: number, c: number): number {
  switch (filter) {
    case 0:
      return 0;
    case 1:
      return a;
    case 2:
      return b;
    case 3:
      return (a + b) >> 1;
    case 4: {
      const p = a + b - c;
      const pa = Math.abs(p - a);
      const pb = Math.abs(p - b);
      const pc = Math.abs(p - c);
      return pa <= pb && pa <= pc ? a : pb <= pc ? b : c;
    }
    default:
      throw new Error(`bad PNG filter ${filter}`);
  }
}

export interface Region {
  x0: number;
  y0: number;
  x1: number;
  y1: number;
}

/** How many pixels in `region` (default: the whole image) satisfy `test(r, g, b, a)`. */
export function countPixels(
  img: Image,
  test: (r: number, g: number, b: number, a: number) => boolean,
  region?: Region,
): number {
  const { x0, y0, x1, y1 } = region ?? { x0: 0, y0: 0, x1: img.width, y1: img.height };
  let n = 0;
  for (let y = y0; y < y1; y++) {
    for (let x = x0; x < x1; x++) {
      const i = (y * img.width + x) * 4;
      if (test(img.pixels[i], img.pixels[i + 1], img.pixels[i + 2], img.pixels[i + 3])) n++;
    }
  }
  return n;
}

/** Text ink: the title and labels are near-black/dark grey; no line, band or marker colour is this dark. */
export const isDark = (r: number, g: number, b: number, a: number) => a > 200 && r < 100 && g < 100 && b < 100;
/** The anomaly marker red (#d62728) and its anti-aliased edges. */
export const isRed = (r: number, g: number, b: number, a: number) => a > 200 && r > 170 && g < 110 && b < 110;
/** The series line blue (#1f5fa8). */
export const isSeriesBlue = (r: number, g: number, b: number, a: number) => a > 200 && b > 130 && r < 90 && g < 130;

export function regionsDiffer(a: Image, b: Image, region: Region): boolean {
  for (let y = region.y0; y < region.y1; y++) {
    for (let x = region.x0; x < region.x1; x++) {
      const i = (y * a.width + x) * 4;
      for (let k = 0; k < 4; k++) if (a.pixels[i + k] !== b.pixels[i + k]) return true;
    }
  }
  return false;
}
