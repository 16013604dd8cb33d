import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

const ROOT = join(__dirname, '..', '..');

describe('ARCHITECTURE.md', () => {
  it('names only files and folders that exist, so its walks match the code', () => {
    const text = readFileSync(join(ROOT, 'ARCHITECTURE.md'), 'utf8');
    const paths = [...new Set([...text.matchAll(/\b(?:src|tests|bench)\/[\w./-]*[\w/]/g)].map((m) => m[0]))];
    expect(paths.length).toBeGreaterThan(50);
    expect(paths.filter((p) => !existsSync(join(ROOT, p)))).toEqual([]);
  });
});
