import { z } from 'zod';

/**
 * The platform's configuration: the one place that reads `process.env`. Every value is validated
 * once at start; a bad value stops the start with a message naming the variable.
 */

const integer = (min: number) => z.coerce.number().int().min(min);
const optionalString = z
  .string()
  .trim()
  .optional()
  .transform((value) => (value === '' ? undefined : value));
const url = z.string().trim().url();
const optionalUrl = optionalString.pipe(url.optional());

const SANDBOX_KINDS = ['local', 'daytona', 'static', 'none'] as const;
export type SandboxKind = (typeof SANDBOX_KINDS)[number];

/** Variable name → schema. Defaults are named here and nowhere else. */
const environmentSchema = z.object({
  PORT: integer(0).max(65535).default(4000),
  HOST: z.string().trim().min(1).default('127.0.0.1'),
  DATABASE_URL: optionalUrl,
  DATABASE_DIRECT_URL: optionalUrl,
  DATABASE_POOL_SIZE: integer(1).default(10),
  /** PEM of the CA that signed the database's certificate (managed databases): TLS is then verified against it. */
  DATABASE_CA_CERT: optionalString,
  /** Named prepared statements (each parsed and planned once per connection); `false` behind a PgBouncer in transaction mode older than 1.21. */
  DATABASE_PREPARED_STATEMENTS: z.enum(['true', 'false']).default('true'),
  REDIS_URL: optionalUrl,
  EVERJUST_DATA_DIR: z.string().trim().min(1).default('.data'),
  EVERJUST_SECRET: optionalString.pipe(z.string().min(32, 'must be at least 32 characters').optional()),
  EVERJUST_PUBLIC_URL: optionalUrl,
  EVERJUST_SANDBOX: optionalString.pipe(z.enum(SANDBOX_KINDS).optional()),
  EVERJUST_EMBEDDED_WORKER: optionalString.pipe(z.enum(['true', 'false']).optional()),
  EVERJUST_LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  ANTHROPIC_API_KEY: optionalString,
  ANTHROPIC_MODEL: z.string().trim().min(1).default('claude-sonnet-5-5'),
  ANTHROPIC_BASE_URL: optionalUrl,
  DAYTONA_API_KEY: optionalString,
  DAYTONA_API_URL: url.default('https://app.daytona.io/api'),
  DAYTONA_TARGET: optionalString,
  GITHUB_API_URL: url.default('https://api.github.com'),
  // Times and sizes from ARCHITECTURE.md's defaults table; tests shorten them.
  EVERJUST_AUTH_CACHE_TTL_MS: integer(0).default(30_000),
  EVERJUST_LAST_USED_INTERVAL_MS: integer(0).default(60_000),
  EVERJUST_JOB_LEASE_MS: integer(100).default(30_000),
  EVERJUST_JOB_HEARTBEAT_MS: integer(50).default(10_000),
  EVERJUST_JOB_MAX_ATTEMPTS: integer(1).default(3),
  EVERJUST_JOB_BACKOFF_BASE_MS: integer(0).default(2_000),
  EVERJUST_WORKER_CONCURRENCY: integer(1).default(4),
  EVERJUST_PROMPT_MAX_CHARS: integer(1).default(20_000),
  EVERJUST_FILE_MAX_BYTES: integer(1).default(1_048_576),
  EVERJUST_PROJECT_MAX_FILES: integer(1).default(500),
  EVERJUST_MAX_QUERY_COST: integer(1).default(1_000),
  EVERJUST_MAX_QUERY_DEPTH: integer(1).default(10),
  EVERJUST_MAX_ALIASES: integer(1).default(15),
  EVERJUST_MAX_TOKENS: integer(1).default(2_000),
  EVERJUST_MAX_DIRECTIVES: integer(1).default(20),
  EVERJUST_IDEMPOTENCY_TTL_MS: integer(0).default(24 * 60 * 60 * 1000),
  EVERJUST_WIDGET_TOKEN_TTL_S: integer(1).default(15 * 60),
  EVERJUST_WIDGET_TOKEN_MAX_TTL_S: integer(1).default(60 * 60),
  EVERJUST_MODEL_CONTEXT_TOKENS: integer(1000).default(100_000),
  EVERJUST_RUN_COMMAND_TIMEOUT_MS: integer(100).default(120_000),
  EVERJUST_PREVIEW_WAIT_MS: integer(100).default(60_000),
  EVERJUST_SHUTDOWN_GRACE_MS: integer(0).default(10_000),
  /** Pause between the offline generator's streamed parts: 0 streams as fast as it can; demos and benchmarks slow it. */
  EVERJUST_OFFLINE_DELTA_INTERVAL_MS: integer(0).default(0),
  EVERJUST_EVENT_POLL_INTERVAL_MS: integer(10).default(1_000),
  /** A standalone worker serves its Prometheus metrics on this port when set (it has no HTTP otherwise). */
  EVERJUST_WORKER_METRICS_PORT: optionalString.pipe(z.string().regex(/^\d+$/, 'must be a port number').transform(Number).pipe(z.number().int().min(1).max(65535)).optional()),
  EVERJUST_SANDBOX_CLEANUP_INTERVAL_MS: integer(100).default(60_000),
  EVERJUST_WORKER_POLL_INTERVAL_MS: integer(10).default(1_000),
  // Rate limits (per tenant from its tier; per IP for unauthenticated calls). `off` only for the benchmark's baseline.
  EVERJUST_RATE_LIMITS: z.enum(['on', 'off']).default('on'),
  EVERJUST_RATE_LIMIT_PREFIX: z.string().trim().min(1).default('everjust'),
  /** A header a trusted proxy sets to the client's IP (App Platform: do-connecting-ip). */
  EVERJUST_CLIENT_IP_HEADER: optionalString,
  EVERJUST_UNAUTHENTICATED_PER_MINUTE: integer(1).default(60),
  EVERJUST_RATE_LIMIT_REDIS_TIMEOUT_MS: integer(10).default(200),
  // Outbound webhooks: retries after 1 min, 5 min, 30 min, 2 h, 6 h, 12 h, then given up.
  EVERJUST_WEBHOOK_RETRY_SCHEDULE_S: z
    .string()
    .trim()
    .default('60,300,1800,7200,21600,43200')
    .pipe(z.string().regex(/^$|^(\d+(\.\d+)?)(\s*,\s*\d+(\.\d+)?)*$/, 'must be comma-separated seconds, e.g. 60,300,1800 (empty: no retries)')),
  /** Development and tests only: lets webhooks reach loopback and private addresses. */
  EVERJUST_WEBHOOK_ALLOW_PRIVATE: z.enum(['true', 'false']).default('false'),
  EVERJUST_WEBHOOK_TIMEOUT_MS: integer(100).default(10_000),
  EVERJUST_WEBHOOK_POLL_INTERVAL_MS: integer(10).default(1_000),
  EVERJUST_WEBHOOK_CONCURRENCY: integer(1).default(8),
});

export type Environment = Record<string, string | undefined>;

export interface Config {
  port: number;
  host: string;
  /** PostgreSQL when set; embedded PGlite in `dataDir` otherwise. */
  databaseUrl?: string;
  /** For migrations, bypassing a pooler; defaults to `databaseUrl`. */
  databaseDirectUrl?: string;
  databasePoolSize: number;
  /** PEM; when set, database TLS is verified against this CA. */
  databaseCaCert?: string;
  databasePreparedStatements: boolean;
  redisUrl?: string;
  dataDir: string;
  /** Signing and encryption secret; in embedded mode made once and kept in the data dir (see `resolveSecret`). */
  secret?: string;
  publicUrl: string;
  sandbox: SandboxKind;
  logLevel: 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';
  /** True when the database is the embedded PGlite. */
  embedded: boolean;
  /** Whether the API process also runs a worker: always with PGlite; with PostgreSQL when EVERJUST_EMBEDDED_WORKER=true. */
  embeddedWorker: boolean;
  anthropic: { apiKey?: string; model: string; baseUrl?: string };
  daytona: { apiKey?: string; apiUrl: string; target?: string };
  github: { apiUrl: string };
  limits: {
    authCacheTtlMs: number;
    lastUsedIntervalMs: number;
    promptMaxChars: number;
    fileMaxBytes: number;
    projectMaxFiles: number;
    maxQueryCost: number;
    maxQueryDepth: number;
    maxAliases: number;
    maxTokens: number;
    maxDirectives: number;
    idempotencyTtlMs: number;
    widgetTokenTtlSeconds: number;
    widgetTokenMaxTtlSeconds: number;
    modelContextTokens: number;
    runCommandTimeoutMs: number;
    previewWaitMs: number;
    shutdownGraceMs: number;
    /** How often a live event stream reads the log without a pub/sub message. */
    eventPollIntervalMs: number;
    /** How often workers stop idle sandboxes and delete old stopped ones. */
    sandboxCleanupIntervalMs: number;
  };
  offline: { deltaIntervalMs: number };
  workerMetricsPort?: number;
  rateLimits: {
    /** False only with EVERJUST_RATE_LIMITS=off (the benchmark's baseline). */
    enabled: boolean;
    /** Redis key prefix: instances with the same prefix on the same Redis share their counters. */
    prefix: string;
    /** Requests per minute per client IP without a valid key (ARCHITECTURE.md: 60). */
    unauthenticatedPerMinute: number;
    clientIpHeader?: string;
    /** How long one Redis call may take before the in-memory insurance limiter answers instead. */
    redisTimeoutMs: number;
  };
  webhooks: {
    /** Waits before each retry of a failed delivery, in seconds; after the last one it is given up. */
    retryScheduleSeconds: number[];
    /** True only in development and tests: deliveries may go to loopback and private addresses. */
    allowPrivateTargets: boolean;
    timeoutMs: number;
    pollIntervalMs: number;
    /** Deliveries in flight at once per worker process. */
    concurrency: number;
  };
  jobs: {
    /** How often an idle worker looks for jobs nobody announced. */
    pollIntervalMs: number;
    leaseMs: number;
    heartbeatMs: number;
    maxAttempts: number;
    backoffBaseMs: number;
    concurrency: number;
  };
}

export class ConfigError extends Error {
  constructor(readonly issues: string[]) {
    super(`Invalid configuration:\n${issues.map((issue) => `  - ${issue}`).join('\n')}`);
    this.name = 'ConfigError';
  }
}

/**
 * Reads and validates the configuration from an environment (the process's by default; tests pass
 * their own). `embeddedStart` marks the one-process start, the only one where `local` is a default.
 */
export function loadConfig(environment: Environment = process.env, options: { embeddedStart?: boolean } = {}): Config {
  const parsed = environmentSchema.safeParse(environment);
  if (!parsed.success) {
    throw new ConfigError(
      parsed.error.issues.map((issue) => `${issue.path.join('.') || '(environment)'}: ${issue.message}`),
    );
  }
  const env = parsed.data;
  if (env.EVERJUST_JOB_HEARTBEAT_MS >= env.EVERJUST_JOB_LEASE_MS) {
    throw new ConfigError([
      `EVERJUST_JOB_HEARTBEAT_MS (${env.EVERJUST_JOB_HEARTBEAT_MS}) must be shorter than EVERJUST_JOB_LEASE_MS (${env.EVERJUST_JOB_LEASE_MS})`,
    ]);
  }
  const loopback = env.HOST === '127.0.0.1' || env.HOST === 'localhost' || env.HOST === '::1';
  // `local` runs generated code on this host: only ever the default of an embedded start on loopback.
  const defaultSandbox: SandboxKind = env.DAYTONA_API_KEY
    ? 'daytona'
    : options.embeddedStart && loopback
      ? 'local'
      : 'static';
  const sandbox = env.EVERJUST_SANDBOX ?? defaultSandbox;
  if (sandbox === 'local' && !loopback) {
    throw new ConfigError([`EVERJUST_SANDBOX: 'local' runs generated code on this host and is allowed only while HOST is 127.0.0.1 (HOST is ${env.HOST})`]);
  }
  if (sandbox === 'daytona' && !env.DAYTONA_API_KEY) {
    throw new ConfigError([`EVERJUST_SANDBOX: 'daytona' needs DAYTONA_API_KEY`]);
  }
  const publicHost = env.HOST === '0.0.0.0' || env.HOST === '::' ? '127.0.0.1' : env.HOST;
  return {
    port: env.PORT,
    host: env.HOST,
    databaseUrl: env.DATABASE_URL,
    databaseDirectUrl: env.DATABASE_DIRECT_URL ?? env.DATABASE_URL,
    databasePoolSize: env.DATABASE_POOL_SIZE,
    databaseCaCert: env.DATABASE_CA_CERT,
    databasePreparedStatements: env.DATABASE_PREPARED_STATEMENTS === 'true',
    redisUrl: env.REDIS_URL,
    dataDir: env.EVERJUST_DATA_DIR,
    secret: env.EVERJUST_SECRET,
    publicUrl: (env.EVERJUST_PUBLIC_URL ?? `http://${publicHost}:${env.PORT}`).replace(/\/+$/, ''),
    sandbox,
    logLevel: env.EVERJUST_LOG_LEVEL,
    embedded: !env.DATABASE_URL,
    embeddedWorker: !env.DATABASE_URL || env.EVERJUST_EMBEDDED_WORKER === 'true',
    anthropic: { apiKey: env.ANTHROPIC_API_KEY, model: env.ANTHROPIC_MODEL, baseUrl: env.ANTHROPIC_BASE_URL },
    daytona: { apiKey: env.DAYTONA_API_KEY, apiUrl: env.DAYTONA_API_URL, target: env.DAYTONA_TARGET },
    github: { apiUrl: env.GITHUB_API_URL },
    limits: {
      authCacheTtlMs: env.EVERJUST_AUTH_CACHE_TTL_MS,
      lastUsedIntervalMs: env.EVERJUST_LAST_USED_INTERVAL_MS,
      promptMaxChars: env.EVERJUST_PROMPT_MAX_CHARS,
      fileMaxBytes: env.EVERJUST_FILE_MAX_BYTES,
      projectMaxFiles: env.EVERJUST_PROJECT_MAX_FILES,
      maxQueryCost: env.EVERJUST_MAX_QUERY_COST,
      maxQueryDepth: env.EVERJUST_MAX_QUERY_DEPTH,
      maxAliases: env.EVERJUST_MAX_ALIASES,
      maxTokens: env.EVERJUST_MAX_TOKENS,
      maxDirectives: env.EVERJUST_MAX_DIRECTIVES,
      idempotencyTtlMs: env.EVERJUST_IDEMPOTENCY_TTL_MS,
      widgetTokenTtlSeconds: env.EVERJUST_WIDGET_TOKEN_TTL_S,
      widgetTokenMaxTtlSeconds: env.EVERJUST_WIDGET_TOKEN_MAX_TTL_S,
      modelContextTokens: env.EVERJUST_MODEL_CONTEXT_TOKENS,
      runCommandTimeoutMs: env.EVERJUST_RUN_COMMAND_TIMEOUT_MS,
      previewWaitMs: env.EVERJUST_PREVIEW_WAIT_MS,
      shutdownGraceMs: env.EVERJUST_SHUTDOWN_GRACE_MS,
      eventPollIntervalMs: env.EVERJUST_EVENT_POLL_INTERVAL_MS,
      sandboxCleanupIntervalMs: env.EVERJUST_SANDBOX_CLEANUP_INTERVAL_MS,
    },
    offline: { deltaIntervalMs: env.EVERJUST_OFFLINE_DELTA_INTERVAL_MS },
    workerMetricsPort: env.EVERJUST_WORKER_METRICS_PORT,
    rateLimits: {
      enabled: env.EVERJUST_RATE_LIMITS === 'on',
      prefix: env.EVERJUST_RATE_LIMIT_PREFIX,
      unauthenticatedPerMinute: env.EVERJUST_UNAUTHENTICATED_PER_MINUTE,
      clientIpHeader: env.EVERJUST_CLIENT_IP_HEADER?.toLowerCase(),
      redisTimeoutMs: env.EVERJUST_RATE_LIMIT_REDIS_TIMEOUT_MS,
    },
    webhooks: {
      retryScheduleSeconds: env.EVERJUST_WEBHOOK_RETRY_SCHEDULE_S.split(',').filter((seconds) => seconds.trim() !== '').map(Number),
      allowPrivateTargets: env.EVERJUST_WEBHOOK_ALLOW_PRIVATE === 'true',
      timeoutMs: env.EVERJUST_WEBHOOK_TIMEOUT_MS,
      pollIntervalMs: env.EVERJUST_WEBHOOK_POLL_INTERVAL_MS,
      concurrency: env.EVERJUST_WEBHOOK_CONCURRENCY,
    },
    jobs: {
      pollIntervalMs: env.EVERJUST_WORKER_POLL_INTERVAL_MS,
      leaseMs: env.EVERJUST_JOB_LEASE_MS,
      heartbeatMs: env.EVERJUST_JOB_HEARTBEAT_MS,
      maxAttempts: env.EVERJUST_JOB_MAX_ATTEMPTS,
      backoffBaseMs: env.EVERJUST_JOB_BACKOFF_BASE_MS,
      concurrency: env.EVERJUST_WORKER_CONCURRENCY,
    },
  };
}
