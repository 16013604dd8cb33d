import winston from 'winston';
import { activeTraceIds } from '../telemetry/spans';
import { Redactor } from './redact';

export type Logger = winston.Logger;
export type LogFormat = 'json' | 'pretty' | 'auto';

export interface LoggerOptions {
  level: string;
  format: LogFormat;
  /** Exact secret values from the config; they are redacted wherever they appear. */
  secrets?: readonly (string | undefined)[];
  /** Where lines go; defaults to stderr so stdout stays clean for command output. */
  stream?: NodeJS.WritableStream;
}

/** Winston format that redacts the whole record, message and metadata alike. */
function redactFormat(redactor: Redactor): winston.Logform.Format {
  return winston.format((info) => {
    for (const key of Object.keys(info)) {
      if (key === 'level') continue;
      (info as Record<string, unknown>)[key] = redactor.value(info[key]);
    }
    return info;
  })();
}

/**
 * Winston format that stamps the active span's `trace_id` and `span_id` on a line logged inside one
 * (winston formats a line synchronously in the caller's context). Nothing with tracing off.
 */
const traceFormat = winston.format((info) => {
  const ids = activeTraceIds();
  if (ids) Object.assign(info, ids);
  return info;
});

export function createLogger(options: LoggerOptions): Logger {
  const redactor = new Redactor(options.secrets);
  const stream = options.stream ?? process.stderr;
  const pretty =
    options.format === 'pretty' || (options.format === 'auto' && (stream as NodeJS.WriteStream).isTTY === true);
  const format = pretty
    ? winston.format.combine(
        winston.format.errors({ stack: true }),
        traceFormat(),
        redactFormat(redactor),
        winston.format.timestamp({ format: 'HH:mm:ss.SSS' }),
        winston.format.colorize(),
        winston.format.printf(({ level, message, timestamp, stack, ...meta }) => {
          const rest = Object.keys(meta).length ? ` ${JSON.stringify(meta)}` : '';
          return `${String(timestamp)} ${level} ${String(message)}${rest}${stack ? `\n${String(stack)}` : ''}`;
        }),
      )
    : winston.format.combine(
        winston.format.errors({ stack: true }),
        traceFormat(),
        redactFormat(redactor),
        winston.format.timestamp(),
        winston.format.json(),
      );
  return winston.createLogger({
    level: options.level,
    format,
    transports: [new winston.transports.Stream({ stream })],
  });
}

/** A logger that drops everything (tests and one-shot CLI commands that print their own output). */
export function createSilentLogger(): Logger {
  return winston.createLogger({ silent: true, transports: [new winston.transports.Console({ silent: true })] });
}
