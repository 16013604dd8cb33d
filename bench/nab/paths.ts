import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';

/** The project root (the folder with package.json), from bench/nab (jest) or .bench/bench/nab (compiled). */
export function projectRoot(from: string = __dirname): string {
  let dir = resolve(from);
  while (!existsSync(join(dir, 'package.json'))) {
    const up = dirname(dir);
    if (up === dir) throw new Error(`no package.json above ${from}`);
    dir = up;
  }
  return dir;
}

export interface NabPaths {
  dir: string;
  dataDir: string;
  labelsPath: string;
  scorerPy: string;
  readme: string;
}

/**
 * The shared NAB folder: `override` when given (the bench passes NAB_DIR), else `shared/nab`
 * beside the repository (the repo is cloned next to `shared/`). Fails with how to fix it.
 */
export function nabPaths(override?: string): NabPaths {
  const dir = override ? resolve(override) : join(projectRoot(), '..', 'shared', 'nab');
  const paths = {
    dir,
    dataDir: join(dir, 'data'),
    labelsPath: join(dir, 'labels', 'combined_windows.json'),
    scorerPy: join(dir, 'nab_score.py'),
    readme: join(dir, 'README.md'),
  };
  if (!existsSync(paths.dataDir) || !existsSync(paths.labelsPath)) {
    throw new Error(
      `NAB data not found at ${dir} (expected data/ and labels/combined_windows.json); ` +
        'clone the repo next to shared/ or set NAB_DIR',
    );
  }
  return paths;
}
