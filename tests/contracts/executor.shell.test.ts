import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { chmod, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createShellExecutor } from '../../src/remediation/executors/shell/executor';
import type { ServiceAction } from '../../src/remediation/types';
import { executorContract } from './executor.contract';

/** The argv template of each action: one runbook, told what to do. */
const ARGS: Record<ServiceAction, string[]> = {
  restart: ['restart', '{target}'],
  scale: ['scale', '{target}', '--replicas={replicas}'],
  rollback: ['rollback', '{target}'],
  clear_cache: ['clear-cache', '{target}', '--zone={param.zone}'],
  runbook: ['{runbook}', '{target}'],
};

executorContract(
  'shell runbook (real scripts)',
  async () => {
    const root = await mkdtemp(join(tmpdir(), 'sco-contract-shell-'));
    const runbooks = join(root, 'runbooks');
    await mkdir(runbooks);
    const log = join(root, 'effects.log');
    const stallFlag = join(root, 'stall');
    // Records each run in the words of the plan, then waits while the stall flag is there.
    await writeFile(
      join(runbooks, 'act.sh'),
      [
        '#!/bin/sh',
        '# blast-radius: {target} is acted on by act.sh',
        `echo "runbooks/act.sh $*" >> '${log}'`,
        `if [ -e '${stallFlag}' ]; then sleep 30; fi`,
        'echo done',
        '',
      ].join('\n'),
    );
    await chmod(join(runbooks, 'act.sh'), 0o755);
    const effects = () => (existsSync(log) ? readFileSync(log, 'utf8').split('\n').filter(Boolean) : []);
    return {
      executor: createShellExecutor({ runbooksDir: runbooks, killGraceMs: 300 }),
      target: 'checkout-api',
      binding: (action) => ({
        kind: 'shell',
        script: 'act.sh',
        args: ARGS[action],
        timeoutMs: 10_000,
        maxOutputBytes: 64 * 1024,
      }),
      effects,
      reached: () => effects().length, // a run is the only contact
      stall: () => writeFileSync(stallFlag, ''),
      close: () => rm(root, { recursive: true, force: true }),
    };
  },
  {
    kind: 'shell',
    refuses: [],
    verify: false,
    readsBeforeChecking: false,
    templatesParams: true,
    atomic: false,
  },
);
