/**
 * The operator CLI (`pnpm everjust …`): tenants, keys and migrations. It opens the same database the
 * server uses; with PGlite it takes the data-dir lock. While the embedded server holds that lock,
 * tenant, key and console-link commands go through the server's loopback operator endpoint; the rest are refused.
 *
 *   everjust tenant create --name Acme --tier starter [--allowed-origins a,b] [--json]
 *   everjust tenant update <tenantId> [--name …] [--tier …] [--allowed-origins a,b] [--limit key=value …]
 *     [--instructions …] [--model …] [--allowed-models a,b] [--anthropic-api-key …] [--allow-questions true|false] [--auto-repair-rounds 0-3] [--json]
 *   everjust tenant list [--json]
 *   everjust key create --tenant <tenantId> [--mode live|test] [--scopes a,b] [--name …] [--json]
 *   everjust console link --tenant <tenantId> [--json]
 *   everjust migrate
 */
import { parseArgs } from 'node:util';
import {
  createLogger,
  DataDirLockedError,
  databaseOptionsFromConfig,
  failureMessage,
  isExpectedError,
  loadConfig,
  OperatorError,
  openDatabase,
  readMigrations,
  type Database,
  type Environment,
} from '@everjust/core';
import { commandName, runCommand, type CommandOutput } from './commands.js';
import { isServerCommand, readOperatorEndpoint, runThroughServer } from './operator-client.js';

const USAGE = `Usage: pnpm everjust <command>

  tenant create --name NAME [--tier free|starter|professional|enterprise] [--allowed-origins O1,O2] [--json]
  tenant update TENANT_ID [--name NAME] [--tier TIER] [--allowed-origins O1,O2] [--limit NAME=VALUE ...]
                [--instructions TEXT] [--model MODEL] [--allowed-models M1,M2] [--anthropic-api-key KEY]
                [--allow-questions true|false] [--auto-repair-rounds 0-3] [--json]
  tenant list [--json]
  key create --tenant TENANT_ID [--mode live|test] [--scopes S1,S2] [--name NAME] [--json]
  console link --tenant TENANT_ID [--json]
                     a one-time sign-in link to the web console (15 min, one use)
  migrate            apply pending migrations (over DATABASE_DIRECT_URL when set)

Generation settings: --instructions is appended to the system prompt (at most 10,000 characters);
--model is the default model, --allowed-models the ones sessions may pick; --anthropic-api-key sets the
tenant's own key (stored sealed, never printed; pass it from a variable, e.g. "$KEY", to keep it out of
shell history); --allow-questions false stops the model from asking end users questions;
--auto-repair-rounds sets the repair rounds after a preview check that found errors (0: none).
An empty value ('') clears a setting.
Ids are the global ids the API shows. --limit overrides one tier limit for the tenant
(e.g. --limit concurrentSessions=5, --limit generationsPerDay=unlimited, --limit projects=default).
`;

export async function main(argv: string[], output: CommandOutput = defaultOutput(), environment: Environment = process.env): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    strict: true,
    options: {
      name: { type: 'string' },
      tier: { type: 'string' },
      tenant: { type: 'string' },
      mode: { type: 'string' },
      scopes: { type: 'string' },
      'allowed-origins': { type: 'string' },
      limit: { type: 'string', multiple: true },
      instructions: { type: 'string' },
      model: { type: 'string' },
      'allowed-models': { type: 'string' },
      'anthropic-api-key': { type: 'string' },
      'allow-questions': { type: 'string' },
      'auto-repair-rounds': { type: 'string' },
      json: { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  if (values.help || positionals.length === 0) {
    output.out(USAGE);
    return positionals.length === 0 && !values.help ? 2 : 0;
  }
  const config = loadConfig(environment);
  let database: Database;
  try {
    database = await openDatabase(databaseOptionsFromConfig(config));
  } catch (error) {
    // The embedded server holds the data dir: its operator endpoint runs tenant and key commands.
    if (error instanceof DataDirLockedError && isServerCommand(positionals)) {
      const endpoint = readOperatorEndpoint(config.dataDir, error.holder.pid);
      if (endpoint) return runThroughServer(endpoint, positionals, values, output);
    }
    throw error;
  }
  try {
    if (commandName(positionals) !== 'migrate') await ensureMigrated(database, output);
    return await runCommand(positionals, values, { database, config, output });
  } finally {
    await database.close();
  }
}

/**
 * The embedded database is migrated here as `pnpm start` does, so the CLI works on a fresh data dir.
 * PostgreSQL is migrated only on purpose (a deploy's migrate job): a command refuses a database that is behind.
 */
async function ensureMigrated(database: Database, output: CommandOutput): Promise<void> {
  if (database.kind === 'pglite') {
    const { applied, modified } = await database.migrate();
    // stderr: stdout stays the command's own (--json).
    if (applied.length > 0) output.err(`Applied ${applied.length} migration(s) to the embedded database.\n`);
    for (const name of modified) output.err(`warning: migration ${name} changed on disk after it was applied\n`);
    return;
  }
  const pending = await pendingMigrations(database);
  if (pending.length > 0) {
    throw new OperatorError(`The database has ${pending.length} pending migration(s) (first: ${pending[0]}): run \`pnpm everjust migrate\` first.`);
  }
}

/** Migrations on disk not recorded as applied (all of them when the table is not there yet). */
async function pendingMigrations(database: Database): Promise<string[]> {
  let applied: Set<string>;
  try {
    const rows = await database.prisma.$queryRawUnsafe<{ migration_name: string }[]>(
      'SELECT migration_name FROM "_prisma_migrations" WHERE finished_at IS NOT NULL AND rolled_back_at IS NULL',
    );
    applied = new Set(rows.map((row) => row.migration_name));
  } catch (error) {
    if (!/_prisma_migrations/.test((error as Error).message)) throw error;
    applied = new Set();
  }
  return readMigrations().map((migration) => migration.name).filter((name) => !applied.has(name));
}

function defaultOutput(): CommandOutput {
  return { out: (text) => process.stdout.write(text), err: (text) => process.stderr.write(text) };
}

const invokedDirectly = import.meta.url === `file://${process.argv[1]}` || process.argv[1]?.endsWith('cli/index.ts');
if (invokedDirectly) {
  main(process.argv.slice(2)).then(
    (code) => process.exit(code),
    (error: unknown) => {
      if (error instanceof TypeError && (error as NodeJS.ErrnoException).code?.startsWith('ERR_PARSE_ARGS')) {
        process.stderr.write(`${error.message}\n\n${USAGE}`);
      } else {
        // One line for the operator; the stack only in the debug log.
        process.stderr.write(`${failureMessage(error)}\n`);
        if (!isExpectedError(error)) debugLogger().debug({ err: error }, 'command failed');
      }
      // Let the log flush before exiting.
      setImmediate(() => process.exit(1));
    },
  );
}

function debugLogger() {
  let level = 'info';
  try {
    level = loadConfig(process.env).logLevel;
  } catch {
    // The configuration is what failed: its message said so already.
  }
  return createLogger({ level, name: 'cli' });
}
