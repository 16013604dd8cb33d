import { writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { tempDbPath } from './app';

/**
 * A DEMO_FAULTS file with one fault (DESIGN.md "Demo faults"), `start` relative to the process
 * start (the app's clock at build time): e.g. `demoFault('bad_deploy', 'payments', '-40m')`.
 */
export function demoFault(kind: string, service: string, start: string): string {
  const file = join(dirname(tempDbPath('sco-faults-')), 'faults.yaml');
  writeFileSync(file, `faults:\n  - kind: ${kind}\n    service: ${service}\n    start: ${start}\n`);
  return file;
}
