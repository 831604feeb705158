import { pino, type Logger } from 'pino';

export type { Logger };

/**
 * Structured JSON logs on stderr (stdout stays free for CLI output such as `--json`), or on
 * `destination` (tests). Fields that could carry a secret are redacted wherever they appear.
 */
export function createLogger(options: { level: string; name?: string; destination?: NodeJS.WritableStream }): Logger {
  return pino(
    {
      level: options.level,
      name: options.name,
      redact: {
        paths: ['secret', '*.secret', 'authorization', '*.authorization', 'headers.authorization', 'token', '*.token', 'apiKey', '*.apiKey'],
        censor: '[redacted]',
      },
    },
    options.destination ?? pino.destination({ fd: 2, sync: false }),
  );
}
