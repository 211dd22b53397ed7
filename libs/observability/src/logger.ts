import winston from 'winston';
import { redactField } from './redact';
import { StdoutBatchTransport } from './stdout-batch-transport';

export const LOG_LEVELS = ['error', 'warn', 'info', 'http', 'verbose', 'debug'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

export type Logger = winston.Logger;

const redactFormat = winston.format((info) => {
  const out = info as Record<string | symbol, unknown>;
  for (const key of Object.keys(out)) {
    if (key === 'level' || key === 'timestamp') continue;
    out[key] = redactField(key, out[key]);
  }
  return info;
});

/**
 * JSON logs on stdout, one object a line: `timestamp`, `level`, `message`,
 * `service`, plus whatever context the caller binds with `logger.child({...})`
 * (`request_id`, `task_id`, `session_id`, `agent_name`, ...). Secrets are
 * redacted by field name and by shape before anything is written. The lines of one event-loop turn
 * are written together (stdout-batch-transport.ts).
 */
export function createLogger(options: { service: string; level: LogLevel; silent?: boolean }): Logger {
  return winston.createLogger({
    level: options.level,
    silent: options.silent ?? false,
    defaultMeta: { service: options.service },
    format: winston.format.combine(winston.format.errors({ stack: false }), redactFormat(), winston.format.timestamp(), winston.format.json()),
    transports: [new StdoutBatchTransport()],
  });
}
