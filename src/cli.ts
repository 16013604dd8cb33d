import { parseArgs } from 'node:util';
import { loadConfig, type Config } from './config/config';
import { errorMessage } from './errors';
import { ADMIN_USAGE, adminUsage, runAdmin } from './cli/admin';
import { runChat } from './cli/chat';
import { DETECT_USAGE, runDetect } from './cli/detect';
import { runDoctor } from './cli/doctor';
import { runIntent } from './cli/intent';
import { INVESTIGATE_USAGE, runInvestigate } from './cli/investigate';
import { MCP_USAGE, runMcp } from './cli/mcp';
import { MODEL_USAGE, runModel } from './cli/model';
import { runServe } from './cli/serve';
import { runWorker } from './cli/worker';

/** One line per command; `smartcloudops COMMAND --help` prints its own. */
const COMMANDS: Record<string, string> = {
  serve: '  serve [--no-workers]                 control plane: HTTP side-app, chat adapters, workers',
  worker: '  worker                               workers only (needs REDIS_URL)',
  chat: '  chat [--as USER] [--channel NAME]    local console to the command layer',
  intent: '  intent [TEXT] [--jsonl]              print the parsed intent as JSON',
  detect: '  detect --input F.csv --output F.csv  streaming anomaly scores for a timestamp,value CSV (NAB layout)',
  doctor: '  doctor                               check configuration and dependencies',
  investigate: INVESTIGATE_USAGE,
  mcp: MCP_USAGE,
};

const USAGE = `Usage: smartcloudops <command> [options]

Commands:
${Object.values(COMMANDS).join('\n')}
${ADMIN_USAGE}
${MODEL_USAGE}

Configuration comes from environment variables; see README.md.`;

/** Lines to stdout and stderr, for the commands that print line by line. */
const STDIO = {
  out: (l: string) => process.stdout.write(`${l}\n`),
  err: (l: string) => process.stderr.write(`${l}\n`),
};

const ADMIN_AREAS = new Set(['user', 'apikey', 'audit', 'breaker']);

/** The usage of one command, for `smartcloudops COMMAND --help`; undefined for a command we don't have. */
function usageOf(command: string): string | undefined {
  if (command === 'detect') return DETECT_USAGE;
  const lines = command === 'model' ? MODEL_USAGE : ADMIN_AREAS.has(command) ? adminUsage(command) : COMMANDS[command];
  return lines === undefined
    ? undefined
    : `Usage: smartcloudops ${command} …\n\n${lines}\n\nConfiguration comes from environment variables; see README.md.`;
}

const wantsHelp = (args: string[]) => args.some((a) => a === '--help' || a === '-h');

/** Exit with the configuration problems, one line each (exit code 1). */
function configOrExit(): Config {
  const result = loadConfig();
  if (result.ok) return result.config;
  process.stderr.write(`smartcloudops: invalid configuration:\n${result.problems.map((p) => `  ${p}`).join('\n')}\n`);
  process.exit(1);
}

export async function run(argv: string[]): Promise<void> {
  const [command, ...rest] = argv;
  // `COMMAND --help` anywhere among its arguments: its usage, exit 0, before any configuration is read.
  const usage = command === undefined ? undefined : usageOf(command);
  if (usage !== undefined && wantsHelp(rest)) {
    process.stdout.write(`${usage}\n`);
    return;
  }
  try {
    switch (command) {
      case 'serve': {
        const { values } = parseArgs({ args: rest, options: { 'no-workers': { type: 'boolean', default: false } } });
        await runServe(configOrExit(), { workers: !values['no-workers'] });
        return;
      }
      case 'worker':
        parseArgs({ args: rest, options: {} });
        await runWorker(configOrExit());
        return;
      case 'chat': {
        const { values } = parseArgs({
          args: rest,
          options: { as: { type: 'string' }, channel: { type: 'string', default: 'console' } },
        });
        process.exitCode = await runChat(configOrExit(), { as: values.as, channel: values.channel ?? 'console' });
        return;
      }
      case 'intent': {
        const { values, positionals } = parseArgs({
          args: rest,
          allowPositionals: true,
          options: { jsonl: { type: 'boolean', default: false } },
        });
        process.exitCode = await runIntent(configOrExit(), {
          text: positionals.join(' '),
          jsonl: values.jsonl ?? false,
        });
        return;
      }
      case 'detect':
        process.exitCode = await runDetect(rest);
        return;
      case 'user':
      case 'apikey':
      case 'audit':
      case 'breaker':
        process.exitCode = await runAdmin(configOrExit(), [command, ...rest], {
          out: (l) => process.stdout.write(`${l}\n`),
          stdin: readStdin,
        });
        return;
      case 'model':
        process.exitCode = await runModel(configOrExit(), rest, STDIO);
        return;
      case 'investigate':
        process.exitCode = await runInvestigate(configOrExit(), rest, STDIO);
        return;
      case 'mcp':
        process.exitCode = await runMcp(configOrExit(), rest, STDIO);
        return;
      case 'doctor':
        parseArgs({ args: rest, options: {} });
        process.exitCode = await runDoctor();
        return;
      case undefined:
      case 'help':
      case '--help':
      case '-h':
        process.stdout.write(`${USAGE}\n`);
        return;
      default:
        process.stderr.write(`smartcloudops: unknown command "${command}"\n\n${USAGE}\n`);
        process.exitCode = 2;
    }
  } catch (err) {
    process.stderr.write(`smartcloudops ${command ?? ''}: ${errorMessage(err)}\n`);
    // Exit now: a start that failed half-way (e.g. serve after its Redis connections were made)
    // would otherwise stay alive on those connections, serving nothing.
    process.exit(1);
  }
}

/** One line from stdin; on a terminal, without echo (it is a password). */
async function readStdin(): Promise<string> {
  const stdin = process.stdin;
  if (!stdin.isTTY) {
    let text = '';
    for await (const chunk of stdin) {
      text += String(chunk);
      if (text.includes('\n')) break;
    }
    return text;
  }
  process.stderr.write('password: ');
  stdin.setRawMode(true);
  stdin.setEncoding('utf8');
  return new Promise((resolve, reject) => {
    let line = '';
    const onData = (chunk: string) => {
      for (const ch of chunk) {
        if (ch === '\r' || ch === '\n') return done(() => resolve(line));
        if (ch === '\u0003') return done(() => reject(new Error('cancelled')));
        if (ch === '\u007f' || ch === '\b') line = line.slice(0, -1);
        else line += ch;
      }
    };
    const done = (then: () => void) => {
      stdin.off('data', onData);
      stdin.setRawMode(false);
      stdin.pause();
      process.stderr.write('\n');
      then();
    };
    stdin.on('data', onData);
    stdin.resume();
  });
}
