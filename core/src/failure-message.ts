import { ConfigError } from './config.js';
import { DataDirLockedError } from './db/data-dir-lock.js';
import { EverJustError } from './errors.js';

/**
 * An error whose message is written for the person at the terminal (what went wrong, what to do):
 * shown as it is, with no stack. Commands and start-ups throw it for failures they foresee.
 */
export class OperatorError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'OperatorError';
  }
}

/** True for errors whose message already says what went wrong and what to do. */
export function isExpectedError(error: unknown): error is Error {
  return error instanceof ConfigError || error instanceof DataDirLockedError || error instanceof EverJustError || error instanceof OperatorError;
}

/** Driver adapter error kinds (Prisma's `meta.driverAdapterError.cause.kind`) and what to do about them. */
const DATABASE_HINTS: Record<string, string> = {
  DatabaseNotReachable: 'check DATABASE_URL and that PostgreSQL is running',
  DatabaseDoesNotExist: 'create that database or fix DATABASE_URL',
  AuthenticationFailed: 'check the user and password in DATABASE_URL',
  DatabaseAccessDenied: 'check the user in DATABASE_URL and its rights',
  TlsConnectionError: 'check the TLS settings of DATABASE_URL (and DATABASE_CA_CERT)',
  TableDoesNotExist: 'the database schema is behind this version; run `pnpm everjust migrate`',
  ColumnNotFound: 'the database schema is behind this version; run `pnpm everjust migrate`',
};

const SYSTEM_HINTS: Record<string, string> = {
  EADDRINUSE: 'another process listens on that address; stop it or set PORT (and HOST)',
  EACCES: 'this user may not do that; check the path or port and its permissions',
  EPERM: 'this user may not do that; check the path or port and its permissions',
  ENOSPC: 'the disk is full',
};

/**
 * What a process prints when a command or its start fails: the error's own words for expected
 * errors, else one line (the cause and what to do) that never includes a stack, which goes to the
 * debug log instead. Prisma's messages carry a code frame of our source: only their last line is
 * the cause (and of a raw query's, the driver's message).
 */
export function failureMessage(error: unknown): string {
  if (isExpectedError(error)) return error.message;
  const details = '(EVERJUST_LOG_LEVEL=debug logs the details)';
  if (!(error instanceof Error)) return `${String(error)} ${details}`;
  const lines = error.message.split('\n').map((line) => line.trim()).filter(Boolean);
  let cause = (error.name.startsWith('PrismaClient') ? lines.at(-1) : lines[0]) ?? error.name;
  cause = /Message: `(.*)`$/.exec(cause)?.[1] ?? cause;
  const kind = (error as { meta?: { driverAdapterError?: { cause?: { kind?: string } } } }).meta?.driverAdapterError?.cause?.kind;
  const code = (error as { code?: unknown }).code;
  const hint = (kind && DATABASE_HINTS[kind]) ?? (typeof code === 'string' ? SYSTEM_HINTS[code] : undefined);
  return `${cause.replace(/[.:]$/, '')}${hint ? `: ${hint}` : ''} ${details}`;
}
