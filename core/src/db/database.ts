import { join, resolve } from 'node:path';
import { PGlite, parse as pgliteParse, protocol as pgliteProtocol } from '@electric-sql/pglite';
import { PrismaPg } from '@prisma/adapter-pg';
import pg from 'pg';
import { PrismaPGlite } from 'pglite-prisma-adapter';
import { PrismaClient } from '../generated/prisma/client.js';
import { lockDataDir, type DataDirLock } from './data-dir-lock.js';
import { applyMigrations, type Migration, type MigrationResult, type SqlRunner } from './migrations.js';

export type { PrismaClient };

/** The database a process works with: the Prisma client plus how to migrate and close it. */
export interface Database {
  kind: 'postgres' | 'pglite';
  prisma: PrismaClient;
  /** Applies pending migrations (PostgreSQL: over the direct URL, under an advisory lock). */
  migrate(): Promise<MigrationResult>;
  /** True when the database answers a trivial query. */
  ping(): Promise<boolean>;
  /**
   * One read statement on the driver itself, past Prisma: for hot lists, where Prisma's own work per
   * query costs more than the query. Rows come as the driver types them (timestamptz → Date, jsonb →
   * parsed, uuid → string). PostgreSQL prepares each distinct text once per connection (unless
   * prepared statements are off): keep values out of the text.
   */
  read<Row>(statement: SqlStatement): Promise<Row[]>;
  close(): Promise<void>;
}

export interface SqlStatement {
  text: string;
  values: unknown[];
}

export type DatabaseOptions =
  | { kind: 'postgres'; url: string; directUrl?: string; poolSize?: number; caCert?: string; preparedStatements?: boolean }
  /**
   * `dataDir` undefined: in memory (tests), starting from `loadDataDir` when given (a `dumpDataDir`
   * tarball: tests open a migrated template instead of running initdb and the migrations again).
   * Otherwise the dir is locked for this process.
   */
  | { kind: 'pglite'; dataDir?: string; loadDataDir?: Blob };

/** From config: PostgreSQL when `DATABASE_URL` is set, embedded PGlite in the data dir otherwise. */
export function databaseOptionsFromConfig(config: {
  databaseUrl?: string;
  databaseDirectUrl?: string;
  databasePoolSize: number;
  databaseCaCert?: string;
  databasePreparedStatements?: boolean;
  dataDir: string;
}): DatabaseOptions {
  return config.databaseUrl
    ? {
        kind: 'postgres',
        url: config.databaseUrl,
        directUrl: config.databaseDirectUrl,
        poolSize: config.databasePoolSize,
        caCert: config.databaseCaCert,
        preparedStatements: config.databasePreparedStatements,
      }
    : { kind: 'pglite', dataDir: config.dataDir };
}

// Any constant works; it only has to be the same in every process that migrates this database.
const MIGRATION_LOCK_ID = 7_302_118_455;

export async function openDatabase(options: DatabaseOptions): Promise<Database> {
  return options.kind === 'postgres' ? openPostgres(options) : openPglite(options.dataDir, options.loadDataDir);
}

function openPostgres(options: { url: string; directUrl?: string; poolSize?: number; caCert?: string; preparedStatements?: boolean }): Database {
  // A managed database's certificate is signed by its provider's CA: verify against it when given
  // (node-postgres reads sslmode=require as full verification against the system CAs).
  // The URL's own ssl settings would override ours (node-postgres merges the parsed URL last).
  const ssl = options.caCert ? { ca: options.caCert, rejectUnauthorized: true } : undefined;
  const withoutSslMode = (url: string) => {
    if (!ssl) return url;
    const parsed = new URL(url);
    for (const name of ['sslmode', 'sslrootcert', 'uselibpqcompat']) parsed.searchParams.delete(name);
    return parsed.toString();
  };
  // One pool for Prisma and `read`, so the connection limit stays `poolSize`.
  const pool = new pg.Pool({ connectionString: withoutSslMode(options.url), max: options.poolSize ?? 10, ...(ssl ? { ssl } : {}) });
  const prepared = options.preparedStatements !== false;
  // Its own prefix: the same connections hold Prisma's statements too.
  const readStatementName = preparedStatementNames(PREPARED_STATEMENTS_MAX, 'everjust_read_');
  const prisma = new PrismaClient({
    adapter: new PrismaPg(pool, {
      disposeExternalPool: true,
      ...(prepared ? { statementNameGenerator: preparedStatementNames(PREPARED_STATEMENTS_MAX) } : {}),
    }),
  });
  return {
    kind: 'postgres',
    prisma,
    async migrate() {
      const client = new pg.Client({ connectionString: withoutSslMode(options.directUrl ?? options.url), ...(ssl ? { ssl } : {}) });
      await client.connect();
      try {
        // Serialises migrators: several processes may start at once (tests, scaled deploys).
        await client.query('SELECT pg_advisory_lock($1)', [MIGRATION_LOCK_ID]);
        const runner: SqlRunner = {
          query: async (sql, params) => (await client.query(sql, params as unknown[])).rows,
          exec: async (sql) => void (await client.query(sql)),
        };
        return await applyMigrations(runner);
      } finally {
        await client.end();
      }
    },
    ping: () => ping(prisma),
    async read<Row>({ text, values }: SqlStatement) {
      const name = prepared ? readStatementName({ sql: text }) : '';
      const result = await pool.query(name ? { name, text, values } : { text, values });
      return result.rows as Row[];
    },
    async close() {
      await prisma.$disconnect();
      // Prisma ends the pool only if it ever connected.
      if (!pool.ended) await pool.end();
    },
  };
}

async function openPglite(dataDir: string | undefined, loadDataDir: Blob | undefined): Promise<Database> {
  let lock: DataDirLock | undefined;
  if (dataDir !== undefined) lock = lockDataDir(dataDir);
  let pglite: PGlite;
  try {
    pglite = dataDir === undefined ? new PGlite(loadDataDir ? { loadDataDir } : {}) : new PGlite(join(resolve(dataDir), 'pglite'));
    await pglite.waitReady;
  } catch (error) {
    lock?.release();
    throw error;
  }
  const prisma = new PrismaClient({ adapter: new PrismaPGlite(pglite) });
  return {
    kind: 'pglite',
    prisma,
    migrate: () => applyMigrations(pgliteRunner(pglite)),
    ping: () => ping(prisma),
    read: preparedReads(pglite),
    async close() {
      try {
        await prisma.$disconnect();
        await pglite.close();
      } finally {
        lock?.release();
      }
    },
  };
}

/**
 * `Database.read` on PGlite with prepared statements: `pglite.query` parses and plans its text on every
 * call (and crosses into wasm six times); this parses each distinct text once, under a name of its own,
 * and sends Bind, Describe, Execute and Sync in one message. Like `pglite.query`, it waits for any open
 * transaction to end, so it never reads inside one that is not its own.
 */
function preparedReads(pglite: PGlite): Database['read'] {
  const names = new Map<string, string>();
  const { serialize } = pgliteProtocol;
  const concat = (parts: Uint8Array[]) => {
    const bytes = new Uint8Array(parts.reduce((sum, part) => sum + part.length, 0));
    let offset = 0;
    for (const part of parts) {
      bytes.set(part, offset);
      offset += part.length;
    }
    return bytes;
  };
  const serializeValue = (value: unknown) =>
    value === null || value === undefined ? null : value instanceof Date ? value.toISOString() : typeof value === 'object' ? JSON.stringify(value) : String(value);
  return async <Row>({ text, values }: SqlStatement) =>
    pglite._runExclusiveTransaction(() =>
      pglite._runExclusiveQuery(async () => {
        const messages = [];
        let name = names.get(text);
        if (name === undefined && names.size < PREPARED_STATEMENTS_MAX) {
          const candidate = `everjust_read_${names.size + 1}`;
          messages.push(...(await pglite.execProtocol(concat([serialize.parse({ name: candidate, text }), serialize.sync()]), { syncToFs: false })).messages);
          names.set(text, candidate);
          name = candidate;
        }
        const parts = [
          ...(name === undefined ? [serialize.parse({ text })] : []),
          serialize.bind({ statement: name ?? '', values: values.map(serializeValue) }),
          serialize.describe({ type: 'P' }),
          serialize.execute({}),
          serialize.sync(),
        ];
        messages.push(...(await pglite.execProtocol(concat(parts), { syncToFs: false })).messages);
        return pgliteParse.parseResults(messages, pglite.parsers)[0].rows as Row[];
      }),
    );
}

const pgliteRunner = (pglite: PGlite): SqlRunner => ({
  query: async (sql, params) => (await pglite.query(sql, params as unknown[])).rows as never[],
  exec: async (sql) => void (await pglite.exec(sql)),
});

/**
 * An empty in-memory PGlite with `migrations` applied, as a `dumpDataDir` tarball (gzip): what
 * `openDatabase({ kind: 'pglite', loadDataDir })` starts from, for tests that open many databases.
 */
export async function migratedPgliteDump(migrations?: Migration[]): Promise<Blob> {
  const pglite = new PGlite();
  try {
    await applyMigrations(pgliteRunner(pglite), migrations);
    return await pglite.dumpDataDir('gzip');
  } finally {
    await pglite.close();
  }
}

async function ping(prisma: PrismaClient): Promise<boolean> {
  try {
    await prisma.$queryRaw`SELECT 1`;
    return true;
  } catch {
    return false;
  }
}

/** Distinct statements a process keeps prepared on each of its connections, at most. */
const PREPARED_STATEMENTS_MAX = 500;

/**
 * Names for PostgreSQL prepared statements, one per distinct SQL text, so each connection parses and
 * plans a statement once instead of on every call (the worker's fenced appends and session ends are
 * large CTEs, run thousands of times a minute). Bounded: past `max` distinct texts (queries with
 * lists of varying length), statements go unnamed (`''`), as before, so memory stays flat on both sides.
 */
export function preparedStatementNames(max: number, prefix = 'everjust_'): (query: { sql: string }) => string {
  const names = new Map<string, string>();
  return ({ sql }) => {
    let name = names.get(sql);
    if (name === undefined && names.size < max) {
      name = `${prefix}${names.size + 1}`;
      names.set(sql, name);
    }
    return name ?? ''; // '' is node-postgres's unnamed statement
  };
}
