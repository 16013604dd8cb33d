/**
 * What a trained model records as the code that made it: the package version and the model
 * format version. A bundle of another format version is refused when loaded (retrain it).
 */
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';

/** Bump when the bundle's graph, metadata or features change meaning: older files are refused. */
export const MODEL_FORMAT_VERSION = 1;

let cached: string | undefined;

/** The version in the project's package.json (found upward from this file, as src/, dist/ and .bench/ differ). */
export function packageVersion(): string {
  if (cached) return cached;
  let dir = __dirname;
  for (let i = 0; i < 5; i++) {
    try {
      const pkg = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as { name?: string; version?: string };
      if (pkg.name === 'smartcloudops' && typeof pkg.version === 'string') return (cached = pkg.version);
    } catch {
      // not here: look one folder up
    }
    dir = dirname(dir);
  }
  return (cached = '0.0.0-unknown');
}

/** e.g. "0.1.0+format.1": the package version and MODEL_FORMAT_VERSION. */
export function codeVersion(): string {
  return `${packageVersion()}+format.${MODEL_FORMAT_VERSION}`;
}
