// Structured logs (pino): one JSON object per line, each with the time, level, the component that
// wrote it and, while serving a request or running a job it started, the request id. On a terminal
// the lines are pretty-printed when pino-pretty is installed (a dev dependency: images print JSON).
// LOG_LEVEL (trace … fatal, silent) and LOG_FORMAT (json | pretty) override the defaults; under
// NODE_ENV=test only warnings and errors are written, so test output stays readable.
import { createRequire } from 'node:module';
import pino, { type DestinationStream, type Level, type Logger } from 'pino';
import { currentRequestId } from './request-context.js';

export type { Logger };
export const LOG_LEVELS = ['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

interface Sink {
  write(line: string): void;
}

let root: Logger | undefined;
let output: 'stdout' | 'stderr' = 'stderr';
/** Where lines go: replaced by captureLogs (tests), else the process's stream (or pino-pretty on it). */
let sink: Sink | undefined;
let capture: ((line: string) => void) | undefined;
let formatSetting: 'json' | 'pretty' | undefined;
const children = new Map<string, Logger>();

/** LOG_LEVEL when set, else info (warn under NODE_ENV=test). */
export function defaultLevel(): LogLevel {
  const env = process.env.LOG_LEVEL?.trim().toLowerCase();
  if (env && (LOG_LEVELS as readonly string[]).includes(env)) return env as LogLevel;
  return process.env.NODE_ENV === 'test' ? 'warn' : 'info';
}

function processSink(): Sink {
  const stream = output === 'stdout' ? process.stdout : process.stderr;
  const format = formatSetting ?? process.env.LOG_FORMAT?.trim().toLowerCase() ?? (stream.isTTY ? 'pretty' : 'json');
  if (format === 'pretty') {
    try {
      // Loaded only when asked for: pino-pretty is not in the production image.
      const pretty = createRequire(import.meta.url)('pino-pretty') as (o: object) => Sink;
      return pretty({ destination: stream, colorize: stream.isTTY, translateTime: 'SYS:HH:MM:ss.l', ignore: 'pid,hostname' });
    } catch {
      // No pino-pretty here: JSON lines, which is what production wants anyway.
    }
  }
  return { write: (line) => stream.write(line) };
}

function rootLogger(): Logger {
  if (!root) {
    const destination: DestinationStream = {
      write: (line: string) => {
        if (capture) capture(line);
        else (sink ??= processSink()).write(line);
      },
    };
    root = pino(
      {
        level: defaultLevel(),
        base: { pid: process.pid },
        timestamp: pino.stdTimeFunctions.isoTime,
        formatters: { level: (label) => ({ level: label }) },
        mixin: () => {
          const requestId = currentRequestId();
          return requestId ? { requestId } : {};
        },
        // Never a key in the logs, whichever field it turns up in.
        redact: { paths: ['key', '*.key', 'authorization', '*.authorization', 'headers.authorization', 'headers["x-api-key"]'], censor: '[redacted]' },
      },
      destination,
    );
  }
  return root;
}

/** The logger of one part of the service (`http`, `jobs`, `vectors` …): its lines carry `component`. */
export function log(component: string): Logger {
  let child = children.get(component);
  if (!child) {
    child = rootLogger().child({ component });
    children.set(component, child);
  }
  return child;
}

/**
 * Services write their lines to stdout (a container's log), one-shot commands to stderr (their stdout
 * is their answer: a key, a report). Called by the entry points before anything is logged.
 */
export function configureLogging(options: { output?: 'stdout' | 'stderr'; level?: LogLevel; format?: 'json' | 'pretty' }): void {
  if ((options.output && options.output !== output) || (options.format && options.format !== formatSetting)) {
    output = options.output ?? output;
    formatSetting = options.format ?? formatSetting;
    sink = undefined;
  }
  if (options.level) {
    rootLogger().level = options.level;
    for (const child of children.values()) child.level = options.level;
  }
}

/** Collects the lines written until `stop()` (tests): each parsed from its JSON. */
export function captureLogs(level: Level = 'trace'): { lines: Array<Record<string, unknown>>; stop(): void } {
  const lines: Array<Record<string, unknown>> = [];
  const before = rootLogger().level;
  configureLogging({ level });
  capture = (line) => lines.push(JSON.parse(line) as Record<string, unknown>);
  return {
    lines,
    stop: () => {
      capture = undefined;
      configureLogging({ level: before as LogLevel });
    },
  };
}

/** An error as fields a log line can carry (pino's err serializer: type, message, stack). */
export function errorFields(error: unknown): { err: unknown } {
  return { err: error instanceof Error ? error : new Error(String(error)) };
}
