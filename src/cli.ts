import { parseArgs } from 'node:util';
import { loadConfig, type Config } from './config/config';
import { errorMessage } from './errors';
import { runChat } from './cli/chat';
import { runDetect } from './cli/detect';
import { runDoctor } from './cli/doctor';
import { runIntent } from './cli/intent';
import { runServe } from './cli/serve';
import { runWorker } from './cli/worker';

const USAGE = `Usage: smartcloudops <command> [options]

Commands:
  serve [--no-workers]                 control plane: HTTP side-app, chat adapters, workers
  worker                               workers only (needs REDIS_URL)
  chat [--as USER] [--channel NAME]    local console to the command layer
  intent [TEXT] [--jsonl]              print the parsed intent as JSON
  detect --input F.csv --output F.csv  streaming anomaly scores for a timestamp,value CSV (NAB layout)
  doctor                               check configuration and dependencies

Configuration comes from environment variables; see README.md.`;

/** Exit with the configuration problems, one line each (exit code 1). */
function configOrExit(): Config {
  const result = loadConfig();
  if (result.ok) return result.config;
  process.stderr.write(`smartcloudops: invalid configuration:\n${result.problems.map((p) => `  ${p}`).join('\n')}\n`);
  process.exit(1);
}

export async function run(argv: string[]): Promise<void> {
  const [command, ...rest] = argv;
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
        const { values } = parseArgs({ args: rest, options: { as: { type: 'string' }, channel: { type: 'string', default: 'console' } } });
        process.exitCode = await runChat(configOrExit(), { as: values.as, channel: values.channel ?? 'console' });
        return;
      }
      case 'intent': {
        const { values, positionals } = parseArgs({ args: rest, allowPositionals: true, options: { jsonl: { type: 'boolean', default: false } } });
        process.exitCode = await runIntent(configOrExit(), { text: positionals.join(' '), jsonl: values.jsonl ?? false });
        return;
      }
      case 'detect':
        process.exitCode = await runDetect(rest);
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
    process.exitCode = 1;
  }
}
