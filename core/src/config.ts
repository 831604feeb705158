import { accessSync, constants, statSync } from 'node:fs';
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

/**
 * Documents a variable where it is declared: its meaning (the README's table is made from these,
 * `pnpm docs:config`), and its default in words when the schema cannot name it (a computed one).
 */
function documented<T extends z.ZodType>(schema: T, meaning: string, defaultInWords?: string): T {
  return schema.meta(defaultInWords === undefined ? { description: meaning } : { description: meaning, defaultInWords });
}

/** Every variable, once: name → schema, default and meaning. Defaults are named here and nowhere else. */
const environmentSchema = z.object({
  PORT: documented(integer(0).max(65535).default(4000), 'HTTP port (`0`: any free port)'),
  HOST: documented(z.string().trim().min(1).default('127.0.0.1'), 'listen address (`0.0.0.0` in a container)'),
  DATABASE_URL: documented(optionalUrl, 'PostgreSQL; unset: embedded PGlite in the data dir'),
  DATABASE_DIRECT_URL: documented(optionalUrl, 'for migrations, bypassing a connection pooler', '`DATABASE_URL`'),
  DATABASE_POOL_SIZE: documented(integer(1).default(10), 'connections per process'),
  DATABASE_CA_CERT: documented(optionalString, "PEM of the managed database's CA: TLS is then verified against it"),
  DATABASE_PREPARED_STATEMENTS: documented(
    z.enum(['true', 'false']).default('true'),
    'statements parsed and planned once per connection; `false` behind a transaction-mode pooler without prepared-statement support (PgBouncer < 1.21), as in `.do/app.yaml`',
  ),
  REDIS_URL: documented(optionalUrl, 'shared rate limits and pub/sub (live events, cancels, key revocation); unset: in-process'),
  EVERJUST_DATA_DIR: documented(z.string().trim().min(1).default('.data'), 'embedded database, its lock file, the embedded secret'),
  EVERJUST_SECRET: documented(
    optionalString.pipe(z.string().min(32, 'must be at least 32 characters').optional()),
    'signing and encryption; required with `DATABASE_URL`, ≥ 32 characters',
    'made once in the data dir (embedded)',
  ),
  EVERJUST_PUBLIC_URL: documented(optionalUrl, 'the address browsers use for the API', '`http://HOST:PORT`'),
  EVERJUST_PREVIEW_URL: documented(
    optionalUrl,
    'the preview origin every preview URL is on (production: an origin of its own, e.g. `https://preview.example.com`, routed to the API)',
    '`EVERJUST_PUBLIC_URL/preview`',
  ),
  EVERJUST_SANDBOX: documented(
    optionalString.pipe(z.enum(SANDBOX_KINDS).optional()),
    '`local` (refused with `DATABASE_URL` or in a standalone worker; see docs/local-sandbox.md), `daytona`, `static`, `none`',
    '`local` (embedded start on 127.0.0.1 with PGlite), `daytona` with `DAYTONA_API_KEY`, else `static`',
  ),
  EVERJUST_EMBEDDED_WORKER: documented(optionalString.pipe(z.enum(['true', 'false']).optional()), '`true` also runs a worker inside an API on PostgreSQL', '`true` without `DATABASE_URL`'),
  EVERJUST_LOG_LEVEL: documented(z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'), '`fatal` … `trace`, `silent`'),
  ANTHROPIC_API_KEY: documented(optionalString, 'Claude for live sessions (test mode always uses the offline generator)'),
  ANTHROPIC_MODEL: documented(z.string().trim().min(1).default('claude-sonnet-5-5'), 'the Claude model live sessions use unless the tenant picks another'),
  ANTHROPIC_BASE_URL: documented(optionalUrl, "another address for Anthropic's API (a proxy, tests)"),
  DAYTONA_API_KEY: documented(optionalString, 'Daytona sandboxes'),
  DAYTONA_API_URL: documented(url.default('https://app.daytona.io/api'), "Daytona's API"),
  DAYTONA_TARGET: documented(optionalString, 'the Daytona region sandboxes are made in'),
  GITHUB_API_URL: documented(url.default('https://api.github.com'), 'GitHub Enterprise and tests'),
  // Times and sizes from docs/architecture.md's defaults table; tests shorten them.
  EVERJUST_AUTH_CACHE_TTL_MS: documented(integer(0).default(30_000), 'how long a key stays cached (revocation drops it at once)'),
  EVERJUST_LAST_USED_INTERVAL_MS: documented(integer(0).default(60_000), '`lastUsedAt` written at most this often per key'),
  EVERJUST_CONSOLE_LINK_TTL_MS: documented(integer(1_000).max(24 * 3_600_000, 'must be at most 24 hours').default(15 * 60_000), 'how long a one-time console sign-in link stays valid', '900000 (15 min)'),
  EVERJUST_CONSOLE_SESSION_TTL_MS: documented(integer(1_000).max(7 * 24 * 3_600_000, 'must be at most 7 days').default(12 * 3_600_000), 'how long a console sign-in lasts (sign out ends it sooner)', '43200000 (12 h)'),
  EVERJUST_JOB_LEASE_MS: documented(integer(100).default(30_000), "a claimed job's lease: expired, the job goes back to the queue"),
  EVERJUST_JOB_HEARTBEAT_MS: documented(integer(50).default(10_000), 'how often a worker renews its leases (shorter than the lease)'),
  EVERJUST_JOB_MAX_ATTEMPTS: documented(integer(1).default(3), 'attempts before a job is dead: errors the job itself raised'),
  EVERJUST_JOB_MAX_LEASE_LOSSES: documented(integer(1).default(10), 'leases a job may lose (its worker died or stalled) before it ends as `WORKER_LOST`'),
  EVERJUST_JOB_BACKOFF_BASE_MS: documented(integer(0).default(2_000), 'the wait before a retry: 2ⁿ × this'),
  EVERJUST_QUESTION_TTL_MS: documented(
    integer(1_000).max(30 * 24 * 3_600_000, 'must be at most 30 days').default(24 * 3_600_000),
    "how long a session waits for its end user's answer to the model's question; unanswered, it ends `cancelled`",
    '86400000 (24 h)',
  ),
  EVERJUST_MODEL_PRICES: documented(
    optionalString.pipe(
      z
        .string()
        .transform((text, ctx) => {
          try {
            return JSON.parse(text) as unknown;
          } catch {
            ctx.addIssue({ code: 'custom', message: 'must be a JSON object' });
            return z.NEVER;
          }
        })
        .pipe(
          z.record(
            z.string().min(1),
            z.object({ input: z.number().min(0), output: z.number().min(0), cacheWrite: z.number().min(0), cacheRead: z.number().min(0) }).strict(),
          ),
        )
        .optional(),
    ),
    'model prices over the built-in table, USD per million tokens: `{"<model>":{"input":3,"output":15,"cacheWrite":3.75,"cacheRead":0.3}}`',
    'the built-in table',
  ),
  EVERJUST_WORKER_CONCURRENCY: documented(integer(1).default(4), 'jobs at once per worker process'),
  EVERJUST_PROMPT_MAX_CHARS: documented(integer(1).default(20_000), 'longest prompt'),
  EVERJUST_FILE_MAX_BYTES: documented(integer(1).default(1_048_576), 'largest project file'),
  EVERJUST_PROJECT_MAX_FILES: documented(integer(1).default(500), 'files per project'),
  EVERJUST_UPLOAD_MAX_BYTES: documented(integer(1).default(50 * 1024 * 1024), 'largest archive `POST /v1/uploads` takes (a bigger one is 413 `PAYLOAD_TOO_LARGE`), and largest GitHub archive an import downloads'),
  EVERJUST_UPLOAD_TTL_MS: documented(integer(1000).default(24 * 60 * 60 * 1000), 'how long an upload can be imported before it expires'),
  EVERJUST_IMPORT_MAX_UNCOMPRESSED_BYTES: documented(integer(1).default(200 * 1024 * 1024), "an imported archive's largest total uncompressed size (above: refused as a zip bomb)"),
  EVERJUST_IMPORT_MAX_COMPRESSION_RATIO: documented(integer(1).default(200), "an imported archive's highest overall compression ratio (above: refused as a zip bomb)"),
  EVERJUST_IMPORT_MAX_ENTRIES: documented(integer(1).default(20_000), 'most entries an imported archive may list (above: refused)'),
  EVERJUST_MAX_QUERY_COST: documented(integer(1).default(1_000), 'query cost at most, per query'),
  EVERJUST_MAX_QUERY_DEPTH: documented(integer(1).default(10), 'query depth at most'),
  EVERJUST_MAX_ALIASES: documented(integer(1).default(15), 'aliases per query at most'),
  EVERJUST_MAX_TOKENS: documented(integer(1).default(2_000), 'tokens per query document at most'),
  EVERJUST_MAX_DIRECTIVES: documented(integer(1).default(20), 'directives per query at most'),
  EVERJUST_IDEMPOTENCY_TTL_MS: documented(integer(0).default(24 * 60 * 60 * 1000), 'how long an idempotency key is remembered'),
  EVERJUST_WIDGET_TOKEN_TTL_S: documented(integer(1).default(15 * 60), "a widget token's life unless its maker asks for another"),
  EVERJUST_WIDGET_TOKEN_MAX_TTL_S: documented(integer(1).default(60 * 60), "a widget token's longest life"),
  EVERJUST_MODEL_CONTEXT_TOKENS: documented(integer(1000).default(100_000), "the model's context budget for the project's files"),
  EVERJUST_RUN_COMMAND_TIMEOUT_MS: documented(integer(100).default(120_000), 'longest `run_command` in a sandbox'),
  EVERJUST_BROWSER: documented(
    optionalString,
    'a Chromium executable (e.g. `/usr/bin/chromium`): the preview step then loads each preview headless, collects its errors and a screenshot (`preview_checked`); unset or empty: no check',
  ),
  EVERJUST_PREVIEW_CACHE_MB: documented(
    integer(0).default(32),
    "memory per API instance for the sandboxes' static files the preview proxy answers itself (each kept 2 s, and never past a file sync); `0`: every request goes to the sandbox",
  ),
  EVERJUST_PREVIEW_WAIT_MS: documented(integer(100).default(60_000), "how long the preview step waits for the app's port"),
  EVERJUST_SHUTDOWN_GRACE_MS: documented(integer(0).default(10_000), 'how long a stopping process waits for connections'),
  EVERJUST_OFFLINE_DELTA_INTERVAL_MS: documented(
    integer(0).default(0),
    "pause between the offline generator's streamed parts: 0 streams as fast as it can; demos and benchmarks slow it",
  ),
  EVERJUST_EVENT_POLL_INTERVAL_MS: documented(integer(10).default(1_000), 'how often a live event stream reads the log without a pub/sub message'),
  // A standalone worker has no HTTP otherwise.
  EVERJUST_WORKER_METRICS_PORT: documented(
    optionalString.pipe(z.string().regex(/^\d+$/, 'must be a port number').transform(Number).pipe(z.number().int().min(1).max(65535)).optional()),
    'a standalone worker (and the autoscaler) serves `/metrics` on this port',
  ),
  EVERJUST_METRICS_TOKEN: documented(optionalString, '`/metrics` (API and worker) then needs `Authorization: Bearer <token>`', 'unset: loopback clients only'),
  EVERJUST_SANDBOX_CLEANUP_INTERVAL_MS: documented(integer(100).default(60_000), 'how often workers stop idle sandboxes and delete old stopped ones'),
  EVERJUST_WORKER_POLL_INTERVAL_MS: documented(integer(10).default(1_000), 'how often an idle worker looks for jobs nobody announced'),
  // Rate limits (per tenant from its tier; per IP for unauthenticated calls).
  EVERJUST_RATE_LIMITS: documented(z.enum(['on', 'off']).default('on'), "rate limiting; `off` only for benchmarks' baselines"),
  EVERJUST_RATE_LIMIT_PREFIX: documented(z.string().trim().min(1).default('everjust'), 'Redis key prefix: instances with the same prefix on the same Redis share their counters'),
  EVERJUST_CLIENT_IP_HEADER: documented(optionalString, "a trusted proxy's client-address header (App Platform: `do-connecting-ip`)"),
  EVERJUST_UNAUTHENTICATED_PER_MINUTE: documented(integer(1).default(60), 'requests per minute per IP without a valid key (GraphQL, ZIP archives, bad preview links)'),
  EVERJUST_PREVIEW_PER_MINUTE: documented(integer(1).default(600), 'preview responses per minute per IP (each file of a page is one)'),
  EVERJUST_PREVIEW_ERRORS_PER_MINUTE: documented(integer(1).default(60), "error reports (the preview reporter's beacons) per minute per project and API instance; past it 429"),
  EVERJUST_RATE_LIMIT_REDIS_TIMEOUT_MS: documented(integer(10).default(200), 'how long one Redis call may take before the in-memory limiter answers instead'),
  // Outbound webhooks: retries after 1 min, 5 min, 30 min, 2 h, 6 h, 12 h, then given up.
  EVERJUST_WEBHOOK_RETRY_SCHEDULE_S: documented(
    z
      .string()
      .trim()
      .default('60,300,1800,7200,21600,43200')
      .pipe(z.string().regex(/^$|^(\d+(\.\d+)?)(\s*,\s*\d+(\.\d+)?)*$/, 'must be comma-separated seconds, e.g. 60,300,1800 (empty: no retries)')),
    'seconds between delivery attempts, then given up',
  ),
  EVERJUST_WEBHOOK_ALLOW_PRIVATE: documented(z.enum(['true', 'false']).default('false'), 'allow webhook targets and image attachment URLs on loopback/private addresses, and attachment URLs over http (development and tests only)'),
  EVERJUST_WEBHOOK_TIMEOUT_MS: documented(integer(100).default(10_000), 'how long one delivery may take'),
  EVERJUST_WEBHOOK_POLL_INTERVAL_MS: documented(integer(10).default(1_000), 'how often a worker looks for deliveries due'),
  EVERJUST_WEBHOOK_CONCURRENCY: documented(integer(1).default(8), 'deliveries in flight at once per worker process'),
  // DigitalOcean's API (through @digitalocean/dots): project deploys and the worker autoscaler.
  DIGITALOCEAN_TOKEN: documented(optionalString, 'DigitalOcean API token (App Platform): deploys, and the autoscaler (read and update the platform\'s own app)'),
  DIGITALOCEAN_API_URL: documented(url.default('https://api.digitalocean.com'), "DigitalOcean's API (tests)"),
  EVERJUST_DEPLOY_REGION: documented(
    z.enum(['ams', 'atl', 'blr', 'fra', 'lon', 'nyc', 'sfo', 'sgp', 'syd', 'tor']).default('nyc'),
    "the App Platform region deployed apps run in (App Platform's region slugs)",
  ),
  EVERJUST_DEPLOY_POLL_MS: documented(integer(10).default(2_000), "how often a deploy first reads its deployment's phase (then less often, up to 5×); below 2,000 only in tests"),
  EVERJUST_DEPLOY_TIMEOUT_S: documented(integer(1).default(1_800), 'how long a deploy waits for App Platform to end a deployment before it gives up'),
  // The worker autoscaler (`pnpm --filter @everjust/worker autoscale`). Its policy is the platform
  // research's claude-worker scaling policy: one instance per 10 queued or running jobs, 2 to 15
  // instances, 300 s between a change and a scale-up, 600 s between a change and a scale-down.
  EVERJUST_AUTOSCALE_APP_ID: documented(optionalString, "the platform's own App Platform app the autoscaler scales (`${APP_ID}` in `.do/app.yaml`)"),
  EVERJUST_AUTOSCALE_COMPONENT: documented(z.string().trim().min(1).default('worker'), 'the worker component (in the app spec) whose `instance_count` the autoscaler sets'),
  EVERJUST_AUTOSCALE_JOBS_PER_INSTANCE: documented(integer(1).default(10), 'the autoscaler wants one worker instance per this many ready and running jobs'),
  EVERJUST_AUTOSCALE_MIN_INSTANCES: documented(integer(1).default(2), 'fewest worker instances the autoscaler sets'),
  EVERJUST_AUTOSCALE_MAX_INSTANCES: documented(integer(1).default(15), 'most worker instances the autoscaler sets'),
  EVERJUST_AUTOSCALE_SCALE_UP_COOLDOWN_S: documented(integer(0).default(300), 'seconds after a change of the instance count before the autoscaler scales up'),
  EVERJUST_AUTOSCALE_SCALE_DOWN_COOLDOWN_S: documented(integer(0).default(600), 'seconds after a change of the instance count before the autoscaler scales down'),
  EVERJUST_AUTOSCALE_INTERVAL_S: documented(integer(1).default(30), 'how often the autoscaler looks at the queue'),
});

export type Environment = Record<string, string | undefined>;

/** The names of every variable the configuration reads (`.do/app.yaml` and the README are checked against them). */
export type ConfigVariable = keyof typeof environmentSchema.shape;
export const CONFIG_VARIABLES = Object.keys(environmentSchema.shape) as ConfigVariable[];

/** Each variable's default and meaning, as the README's configuration table shows them. */
export function describeConfigVariables(): Array<{ name: ConfigVariable; default: string | undefined; meaning: string }> {
  const defaults = environmentSchema.parse({}) as Record<string, unknown>;
  return CONFIG_VARIABLES.map((name) => {
    const meta = environmentSchema.shape[name].meta() as { description: string; defaultInWords?: string };
    const value = defaults[name];
    return { name, default: meta.defaultInWords ?? (value === undefined ? undefined : `\`${String(value)}\``), meaning: meta.description };
  });
}

/** The configuration every process reads: made from the variables by `configFrom`, its type too. */
export type Config = ReturnType<typeof configFrom>;

export class ConfigError extends Error {
  constructor(readonly issues: string[]) {
    super(`Invalid configuration:\n${issues.map((issue) => `  - ${issue}`).join('\n')}`);
    this.name = 'ConfigError';
  }
}

/**
 * Reads and validates the configuration from an environment (the process's by default; tests pass
 * their own). `embeddedStart` marks the one-process start, the only one where `local` is a default;
 * `standaloneWorker` the worker's own process, which never runs `local`.
 */
export function loadConfig(environment: Environment = process.env, options: { embeddedStart?: boolean; standaloneWorker?: boolean } = {}): Config {
  const parsed = environmentSchema.safeParse(environment);
  if (!parsed.success) {
    throw new ConfigError(
      parsed.error.issues.map((issue) => `${issue.path.join('.') || '(environment)'}: ${issue.message}`),
    );
  }
  const env = parsed.data;
  if (env.EVERJUST_AUTOSCALE_MIN_INSTANCES > env.EVERJUST_AUTOSCALE_MAX_INSTANCES) {
    throw new ConfigError([
      `EVERJUST_AUTOSCALE_MIN_INSTANCES (${env.EVERJUST_AUTOSCALE_MIN_INSTANCES}) must not be above EVERJUST_AUTOSCALE_MAX_INSTANCES (${env.EVERJUST_AUTOSCALE_MAX_INSTANCES})`,
    ]);
  }
  if (env.EVERJUST_JOB_HEARTBEAT_MS >= env.EVERJUST_JOB_LEASE_MS) {
    throw new ConfigError([
      `EVERJUST_JOB_HEARTBEAT_MS (${env.EVERJUST_JOB_HEARTBEAT_MS}) must be shorter than EVERJUST_JOB_LEASE_MS (${env.EVERJUST_JOB_LEASE_MS})`,
    ]);
  }
  if (env.EVERJUST_BROWSER && !isExecutableFile(env.EVERJUST_BROWSER)) {
    throw new ConfigError([`EVERJUST_BROWSER: ${env.EVERJUST_BROWSER} is not an executable file (install Chromium, e.g. apt-get install -y chromium, or leave it unset for no preview check)`]);
  }
  const loopback = env.HOST === '127.0.0.1' || env.HOST === 'localhost' || env.HOST === '::1';
  // `local` runs generated code on this host: only ever the default of an embedded start on loopback with PGlite.
  const defaultSandbox: SandboxKind = env.DAYTONA_API_KEY
    ? 'daytona'
    : options.embeddedStart && loopback && !env.DATABASE_URL
      ? 'local'
      : 'static';
  const sandbox = env.EVERJUST_SANDBOX ?? defaultSandbox;
  if (sandbox === 'local' && !loopback) {
    throw new ConfigError([`EVERJUST_SANDBOX: 'local' runs generated code on this host and is allowed only while HOST is 127.0.0.1 (HOST is ${env.HOST})`]);
  }
  // A shared database or a worker of its own means a deployment, where generated code must not run beside our secrets.
  if (sandbox === 'local' && (env.DATABASE_URL || options.standaloneWorker)) {
    throw new ConfigError([`EVERJUST_SANDBOX: 'local' runs generated code on this host and is for the embedded start only: it is refused ${env.DATABASE_URL ? 'while DATABASE_URL is set' : 'in a standalone worker'}; use 'daytona' (DAYTONA_API_KEY) or 'static'`]);
  }
  if (sandbox === 'daytona' && !env.DAYTONA_API_KEY) {
    throw new ConfigError([`EVERJUST_SANDBOX: 'daytona' needs DAYTONA_API_KEY`]);
  }
  return configFrom(env, sandbox);
}

/**
 * The variables, grouped by what reads them. `limits` holds only limits (sizes and counts a request may
 * not pass); times and intervals sit with what they time.
 */
function configFrom(env: z.output<typeof environmentSchema>, sandbox: SandboxKind) {
  const publicHost = env.HOST === '0.0.0.0' || env.HOST === '::' ? '127.0.0.1' : env.HOST;
  return {
    port: env.PORT,
    host: env.HOST,
    /** PostgreSQL when set; embedded PGlite in `dataDir` otherwise. */
    databaseUrl: env.DATABASE_URL,
    /** For migrations, bypassing a pooler; defaults to `databaseUrl`. */
    databaseDirectUrl: env.DATABASE_DIRECT_URL ?? env.DATABASE_URL,
    databasePoolSize: env.DATABASE_POOL_SIZE,
    /** PEM; when set, database TLS is verified against this CA. */
    databaseCaCert: env.DATABASE_CA_CERT,
    databasePreparedStatements: env.DATABASE_PREPARED_STATEMENTS === 'true',
    redisUrl: env.REDIS_URL,
    dataDir: env.EVERJUST_DATA_DIR,
    /** Signing and encryption secret; in embedded mode made once and kept in the data dir (see `resolveSecret`). */
    secret: env.EVERJUST_SECRET,
    publicUrl: (env.EVERJUST_PUBLIC_URL ?? `http://${publicHost}:${env.PORT}`).replace(/\/+$/, ''),
    /** The preview origin (and path prefix, if any): every preview URL is `<previewUrl>/<token>/…`. */
    previewUrl: (env.EVERJUST_PREVIEW_URL ?? `${(env.EVERJUST_PUBLIC_URL ?? `http://${publicHost}:${env.PORT}`).replace(/\/+$/, '')}/preview`).replace(/\/+$/, ''),
    sandbox,
    /** A Chromium executable for preview checks (worker/src/preview-check/); undefined: no check. */
    browser: env.EVERJUST_BROWSER,
    logLevel: env.EVERJUST_LOG_LEVEL,
    /** True when the database is the embedded PGlite. */
    embedded: !env.DATABASE_URL,
    /** Whether the API process also runs a worker: always with PGlite; with PostgreSQL when EVERJUST_EMBEDDED_WORKER=true. */
    embeddedWorker: !env.DATABASE_URL || env.EVERJUST_EMBEDDED_WORKER === 'true',
    /** How long a stopping process waits for its connections and jobs. */
    shutdownGraceMs: env.EVERJUST_SHUTDOWN_GRACE_MS,
    workerMetricsPort: env.EVERJUST_WORKER_METRICS_PORT,
    /** Bearer token for `/metrics`; unset, only loopback clients may scrape. */
    metricsToken: env.EVERJUST_METRICS_TOKEN,
    anthropic: { apiKey: env.ANTHROPIC_API_KEY, model: env.ANTHROPIC_MODEL, baseUrl: env.ANTHROPIC_BASE_URL },
    daytona: { apiKey: env.DAYTONA_API_KEY, apiUrl: env.DAYTONA_API_URL, target: env.DAYTONA_TARGET },
    github: { apiUrl: env.GITHUB_API_URL },
    /** What a request may not pass: input sizes and query limits. */
    limits: {
      promptMaxChars: env.EVERJUST_PROMPT_MAX_CHARS,
      fileMaxBytes: env.EVERJUST_FILE_MAX_BYTES,
      projectMaxFiles: env.EVERJUST_PROJECT_MAX_FILES,
      maxQueryCost: env.EVERJUST_MAX_QUERY_COST,
      maxQueryDepth: env.EVERJUST_MAX_QUERY_DEPTH,
      maxAliases: env.EVERJUST_MAX_ALIASES,
      maxTokens: env.EVERJUST_MAX_TOKENS,
      maxDirectives: env.EVERJUST_MAX_DIRECTIVES,
    },
    auth: {
      /** How long an authenticated key or widget token stays cached (revocation drops it at once). */
      cacheTtlMs: env.EVERJUST_AUTH_CACHE_TTL_MS,
      /** `lastUsedAt` is written at most this often per key. */
      lastUsedIntervalMs: env.EVERJUST_LAST_USED_INTERVAL_MS,
    },
    /** The web console's sign-in (api/src/console/): one-time links and cookie sessions. */
    console: { linkTtlMs: env.EVERJUST_CONSOLE_LINK_TTL_MS, sessionTtlMs: env.EVERJUST_CONSOLE_SESSION_TTL_MS },
    idempotency: { ttlMs: env.EVERJUST_IDEMPOTENCY_TTL_MS },
    /** Archives for importProject: what `POST /v1/uploads` takes and what an archive may unpack to. */
    imports: {
      uploadMaxBytes: env.EVERJUST_UPLOAD_MAX_BYTES,
      uploadTtlMs: env.EVERJUST_UPLOAD_TTL_MS,
      maxUncompressedBytes: env.EVERJUST_IMPORT_MAX_UNCOMPRESSED_BYTES,
      maxCompressionRatio: env.EVERJUST_IMPORT_MAX_COMPRESSION_RATIO,
      maxEntries: env.EVERJUST_IMPORT_MAX_ENTRIES,
    },
    widgetTokens: { ttlSeconds: env.EVERJUST_WIDGET_TOKEN_TTL_S, maxTtlSeconds: env.EVERJUST_WIDGET_TOKEN_MAX_TTL_S },
    /** How often a live event stream reads the log without a pub/sub message. */
    events: { pollIntervalMs: env.EVERJUST_EVENT_POLL_INTERVAL_MS },
    generation: {
      /** The model's context budget for the project's files (others it reads through `read_file`). */
      modelContextTokens: env.EVERJUST_MODEL_CONTEXT_TOKENS,
    },
    offline: { deltaIntervalMs: env.EVERJUST_OFFLINE_DELTA_INTERVAL_MS },
    sandboxes: {
      runCommandTimeoutMs: env.EVERJUST_RUN_COMMAND_TIMEOUT_MS,
      previewWaitMs: env.EVERJUST_PREVIEW_WAIT_MS,
      /** Bytes of sandbox static files the preview proxy keeps (api/src/preview/asset-cache.ts); 0: none. */
      previewCacheBytes: env.EVERJUST_PREVIEW_CACHE_MB * 1024 * 1024,
      /** Error reports accepted per minute per project (per API instance); more answer 429. */
      previewErrorsPerMinute: env.EVERJUST_PREVIEW_ERRORS_PER_MINUTE,
      /** How often workers stop idle sandboxes and delete old stopped ones. */
      cleanupIntervalMs: env.EVERJUST_SANDBOX_CLEANUP_INTERVAL_MS,
    },
    rateLimits: {
      /** False only with EVERJUST_RATE_LIMITS=off (the benchmark's baseline). */
      enabled: env.EVERJUST_RATE_LIMITS === 'on',
      /** Redis key prefix: instances with the same prefix on the same Redis share their counters. */
      prefix: env.EVERJUST_RATE_LIMIT_PREFIX,
      /** Requests per minute per client IP without a valid key (default 60). */
      unauthenticatedPerMinute: env.EVERJUST_UNAUTHENTICATED_PER_MINUTE,
      /** Static preview responses per minute per client IP. */
      previewPerMinute: env.EVERJUST_PREVIEW_PER_MINUTE,
      clientIpHeader: env.EVERJUST_CLIENT_IP_HEADER?.toLowerCase(),
      /** How long one Redis call may take before the in-memory insurance limiter answers instead. */
      redisTimeoutMs: env.EVERJUST_RATE_LIMIT_REDIS_TIMEOUT_MS,
    },
    webhooks: {
      /** Waits before each retry of a failed delivery, in seconds; after the last one it is given up. */
      retryScheduleSeconds: env.EVERJUST_WEBHOOK_RETRY_SCHEDULE_S.split(',').filter((seconds) => seconds.trim() !== '').map(Number),
      /** True only in development and tests: deliveries may go to loopback and private addresses. */
      allowPrivateTargets: env.EVERJUST_WEBHOOK_ALLOW_PRIVATE === 'true',
      timeoutMs: env.EVERJUST_WEBHOOK_TIMEOUT_MS,
      pollIntervalMs: env.EVERJUST_WEBHOOK_POLL_INTERVAL_MS,
      /** Deliveries in flight at once per worker process. */
      concurrency: env.EVERJUST_WEBHOOK_CONCURRENCY,
    },
    jobs: {
      /** How often an idle worker looks for jobs nobody announced. */
      pollIntervalMs: env.EVERJUST_WORKER_POLL_INTERVAL_MS,
      leaseMs: env.EVERJUST_JOB_LEASE_MS,
      heartbeatMs: env.EVERJUST_JOB_HEARTBEAT_MS,
      maxAttempts: env.EVERJUST_JOB_MAX_ATTEMPTS,
      maxLeaseLosses: env.EVERJUST_JOB_MAX_LEASE_LOSSES,
      backoffBaseMs: env.EVERJUST_JOB_BACKOFF_BASE_MS,
      concurrency: env.EVERJUST_WORKER_CONCURRENCY,
      /** How long a session waits for an answer to its question before it ends cancelled (QUESTION_EXPIRED). */
      questionTtlMs: env.EVERJUST_QUESTION_TTL_MS,
    },
    digitalocean: { token: env.DIGITALOCEAN_TOKEN, apiUrl: env.DIGITALOCEAN_API_URL },
    /** Project deploys (worker/src/deploy/): the region apps run in, and how a deployment is followed. */
    deploy: { region: env.EVERJUST_DEPLOY_REGION, pollIntervalMs: env.EVERJUST_DEPLOY_POLL_MS, timeoutMs: env.EVERJUST_DEPLOY_TIMEOUT_S * 1000 },
    /** The worker autoscaler: which app and component it scales, and its policy (worker/src/autoscale/). */
    autoscale: {
      appId: env.EVERJUST_AUTOSCALE_APP_ID,
      component: env.EVERJUST_AUTOSCALE_COMPONENT,
      intervalMs: env.EVERJUST_AUTOSCALE_INTERVAL_S * 1000,
      policy: {
        jobsPerInstance: env.EVERJUST_AUTOSCALE_JOBS_PER_INSTANCE,
        minInstances: env.EVERJUST_AUTOSCALE_MIN_INSTANCES,
        maxInstances: env.EVERJUST_AUTOSCALE_MAX_INSTANCES,
        scaleUpCooldownMs: env.EVERJUST_AUTOSCALE_SCALE_UP_COOLDOWN_S * 1000,
        scaleDownCooldownMs: env.EVERJUST_AUTOSCALE_SCALE_DOWN_COOLDOWN_S * 1000,
      },
    },
    /** Per-model price overrides (USD per million tokens) on core/src/usage/prices.ts's table. */
    modelPrices: env.EVERJUST_MODEL_PRICES ?? {},
  };
}

function isExecutableFile(path: string): boolean {
  try {
    accessSync(path, constants.X_OK);
    return statSync(path).isFile();
  } catch {
    return false;
  }
}
