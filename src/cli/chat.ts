import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { runPiped, runRepl } from '../chat/console/console';
import type { Config } from '../config/config';
import { createLogger } from '../log/logger';
import { secretValues } from '../config/config';
import { buildApp } from '../main';
import { osUserName } from './os-user';

/** `smartcloudops chat`: the local console, with its own workers so jobs run without `serve`. */
export async function runChat(config: Config, options: { as: string | undefined; channel: string }): Promise<number> {
  const user = (options.as ?? osUserName('local')).trim().toLowerCase();
  if (!/^[a-z0-9][a-z0-9._-]{0,63}$/.test(user)) {
    process.stderr.write(`smartcloudops chat: --as expects a user name (letters, digits, . _ -), got ${JSON.stringify(options.as)}\n`);
    return 2;
  }
  // Logs go to stderr and stay quiet unless asked for, so the conversation is readable.
  const log = createLogger({ level: config.log.level === 'info' ? 'warn' : config.log.level, format: config.log.format, secrets: secretValues(config) });
  const app = await buildApp(config, { log });
  await app.startWorkers();
  const tty = process.stdin.isTTY === true && process.stdout.isTTY === true;
  const dataDir = config.databasePath === ':memory:' ? tmpdir() : dirname(config.databasePath);
  const consoleOptions = { conversation: app.conversation, user, channel: options.channel, input: process.stdin, output: process.stdout, chartsDir: join(dataDir, 'charts') };
  try {
    if (tty) await runRepl({ ...consoleOptions, historyPath: config.databasePath === ':memory:' ? undefined : join(dataDir, 'console_history') });
    else await runPiped(consoleOptions);
  } finally {
    await app.close();
  }
  return 0;
}
