/**
 * The operator CLI (`pnpm everjust …`): tenants, keys and migrations. It opens the same database the
 * server uses; with PGlite it takes the data-dir lock, so it is refused while the server runs.
 *
 *   everjust tenant create --name Acme --tier starter [--allowed-origins a,b] [--json]
 *   everjust tenant update <tenantId> [--name …] [--tier …] [--allowed-origins a,b] [--limit key=value …] [--json]
 *   everjust tenant list [--json]
 *   everjust key create --tenant <tenantId> [--mode live|test] [--scopes a,b] [--name …] [--json]
 *   everjust migrate
 */
import { parseArgs } from 'node:util';
import {
  ConfigError,
  DataDirLockedError,
  EverJustError,
  databaseOptionsFromConfig,
  loadConfig,
  openDatabase,
  type Database,
  type Environment,
} from '@everjust/core';
import { runCommand, type CommandOutput } from './commands.js';

const USAGE = `Usage: pnpm everjust <command>

  tenant create --name NAME [--tier free|starter|professional|enterprise] [--allowed-origins O1,O2] [--json]
  tenant update TENANT_ID [--name NAME] [--tier TIER] [--allowed-origins O1,O2] [--limit NAME=VALUE ...] [--json]
  tenant list [--json]
  key create --tenant TENANT_ID [--mode live|test] [--scopes S1,S2] [--name NAME] [--json]
  migrate            apply pending migrations (over DATABASE_DIRECT_URL when set)

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
      json: { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  if (values.help || positionals.length === 0) {
    output.out(USAGE);
    return positionals.length === 0 && !values.help ? 2 : 0;
  }
  const config = loadConfig(environment);
  let database: Database | undefined;
  try {
    database = await openDatabase(databaseOptionsFromConfig(config));
    return await runCommand(positionals, values, { database, config, output });
  } finally {
    await database?.close();
  }
}

function defaultOutput(): CommandOutput {
  return { out: (text) => process.stdout.write(text), err: (text) => process.stderr.write(text) };
}

const invokedDirectly = import.meta.url === `file://${process.argv[1]}` || process.argv[1]?.endsWith('cli/index.ts');
if (invokedDirectly) {
  main(process.argv.slice(2)).then(
    (code) => process.exit(code),
    (error: unknown) => {
      if (error instanceof ConfigError || error instanceof DataDirLockedError || error instanceof EverJustError) {
        process.stderr.write(`${error.message}\n`);
      } else if (error instanceof TypeError && (error as NodeJS.ErrnoException).code?.startsWith('ERR_PARSE_ARGS')) {
        process.stderr.write(`${error.message}\n\n${USAGE}`);
      } else {
        process.stderr.write(`${(error as Error).stack ?? String(error)}\n`);
      }
      process.exit(1);
    },
  );
}
