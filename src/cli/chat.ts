import { createWriteStream, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import winston from 'winston';
import { runPiped, runRepl } from '../adapters/console/console';
import type { Config } from '../config/config';
import type { Principal } from '../auth/permissions';
import { createLogger, type Logger } from '../log/logger';
import { secretValues } from '../config/config';
import { buildApp } from '../app/control';
import { osUserName } from './os-user';

/** `smartcloudops chat`: the local console, with its own workers so jobs run without `serve`. */
export async function runChat(config: Config, options: { as: string | undefined; channel: string }): Promise<number> {
  const implicit = options.as === undefined;
  const user = (options.as ?? osUserName('local')).trim().toLowerCase();
  if (!/^[a-z0-9][a-z0-9._-]{0,63}$/.test(user)) {
    process.stderr.write(
      `smartcloudops chat: --as expects a user name (letters, digits, . _ -), got ${JSON.stringify(options.as)}\n`,
    );
    return 2;
  }
  const tty = process.stdin.isTTY === true && process.stdout.isTTY === true;
  const dataDir = config.databasePath === ':memory:' ? tmpdir() : dirname(config.databasePath);
  const logFile = join(dataDir, 'logs', 'chat.log');
  const log = chatLogger(config, logFile);
  const app = await buildApp(config, { log });
  await app.startWorkers();
  const acting = actingAs(app.identity.resolve('console', user), user, implicit);
  const consoleOptions = {
    conversation: app.conversation,
    user,
    channel: options.channel,
    input: process.stdin,
    output: process.stdout,
    chartsDir: join(dataDir, 'charts'),
  };
  try {
    if (tty)
      await runRepl({
        ...consoleOptions,
        historyPath: config.databasePath === ':memory:' ? undefined : join(dataDir, 'console_history'),
        banner: [acting, `Logs: ${logFile}`],
        notices: (screen) => app.notifyRemediations({ console: screen }),
      });
    else {
      // Piped, stdout is the answers: an identity nobody chose is said on stderr.
      if (implicit) process.stderr.write(`${acting}\n`);
      await runPiped(consoleOptions);
    }
  } finally {
    await app.close();
  }
  return 0;
}

/**
 * The console's logs go to a file, never into the conversation: at the configured level to
 * `<data dir>/logs/chat.log`, and warnings and errors also to stderr when stderr is not a
 * terminal (a pipe or a file someone reads apart).
 */
function chatLogger(config: Config, file: string): Logger {
  mkdirSync(dirname(file), { recursive: true });
  const log = createLogger({
    level: config.log.level,
    format: config.log.format,
    secrets: secretValues(config),
    stream: createWriteStream(file, { flags: 'a' }),
  });
  if (process.stderr.isTTY !== true) log.add(new winston.transports.Stream({ stream: process.stderr, level: 'warn' }));
  return log;
}

/**
 * Who the console acts as, said at start. Judgement: plain `chat` acts as the local user named
 * like your OS account, root included: the console trusts whoever can run it on this machine
 * (they can also run `user role`), so refusing root would protect nothing; but root is everyone's
 * account, so it is said, and `--as NAME` makes the audit log name a person.
 */
export function actingAs(actor: Principal, name: string, implicit: boolean): string {
  const how = actor.disabled
    ? `local user ${name}, disabled: every command is refused`
    : actor.userId
      ? `${actor.role}, ${implicit ? 'the local user named like your OS account' : 'local user'} ${name}`
      : `${actor.role}: no local user is named ${name}, so DEFAULT_ROLE applies`;
  return [
    `Acting as ${name} (${how}).`,
    ...(implicit ? ['Use --as NAME to act as someone else.'] : []),
    ...(implicit && name === 'root' ? ['root is a shared account: use --as NAME so the audit log names you.'] : []),
  ].join(' ');
}
