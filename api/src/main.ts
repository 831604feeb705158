/**
 * The API process's composition root. With no DATABASE_URL this is the embedded start: PGlite in the
 * data dir (migrated automatically), in-process pub/sub, and a development tenant on first run.
 */
import { createLogger, createMetrics, createPubSub, failureMessage, isExpectedError, loadConfig, openDatabase, databaseOptionsFromConfig, resolveSecret, type Logger } from '@everjust/core';
import { startWorker } from '@everjust/worker';
import { createApp } from './app.js';
import { bootstrapDevelopmentTenant, describeDevelopmentTenant } from './bootstrap.js';
import { startOperatorEndpoint } from './operator-endpoint.js';
import { listen } from './server.js';

/** Set once the configuration is read: where a failure's stack goes (at debug level). */
let logger: Logger | undefined;

async function main() {
  const config = loadConfig(process.env, { embeddedStart: true });
  logger = createLogger({ level: config.logLevel, name: 'api' });
  resolveSecret(config);
  const database = await openDatabase(databaseOptionsFromConfig(config));
  if (database.kind === 'pglite') {
    const { applied, modified } = await database.migrate();
    if (applied.length > 0) logger.info({ applied }, 'applied migrations');
    if (modified.length > 0) logger.warn({ modified }, 'migrations changed on disk after they were applied');
  }
  const pubsub = createPubSub({ redisUrl: config.redisUrl });
  const metrics = createMetrics();
  const app = await createApp({ config, database, pubsub, logger, metrics });
  // Embedded: the worker runs in this process (PGlite allows one process per data dir). In
  // production the worker is its own process (EVERJUST_EMBEDDED_WORKER=true keeps one here too).
  const worker = config.embeddedWorker ? await startWorker({ prisma: database.prisma, pubsub, config, logger: logger.child({ name: 'worker' }), metrics }) : undefined;
  const running = await listen(app.handler, config.port, config.host);
  // PORT=0 picks a free port: then only the socket knows the address.
  const apiUrl = config.port === 0 ? running.url : config.publicUrl;
  // The operator CLI cannot open the embedded database while this process holds it: it asks here.
  const operatorEndpoint = database.kind === 'pglite'
    ? await startOperatorEndpoint({ config, database, logger, publicUrl: apiUrl, tenantChanged: (tenantId) => app.services.authenticator.tenantChanged(tenantId) })
    : undefined;

  if (config.embedded) {
    const tenant = await bootstrapDevelopmentTenant(database.prisma, { publicUrl: apiUrl, consoleLinkTtlMs: config.console.linkTtlMs });
    if (tenant) process.stdout.write(describeDevelopmentTenant(tenant, apiUrl));
  }
  if (config.sandbox === 'local' && worker) {
    process.stdout.write(
      '\nWARNING: the sandbox is `local`: generated apps and the commands the model asks for run on THIS\n' +
        'host, as this user, with no isolation. That is meant for development on your own machine only.\n' +
        'Set EVERJUST_SANDBOX=static (no code runs) or daytona (isolated sandboxes) otherwise.\n',
    );
  }
  process.stdout.write(
    `\nEverJust API on ${apiUrl}/graphql (playground: open it in a browser)\n` +
      `  database: ${database.kind === 'pglite' ? `embedded PGlite in ${config.dataDir}` : 'PostgreSQL'}` +
      `, pub/sub: ${config.redisUrl ? 'Redis' : 'in-process'}, worker: ${worker ? 'in this process' : 'separate'}` +
      `, model: ${config.anthropic.apiKey ? `Claude (${config.anthropic.model})` : 'offline generator'}, sandbox: ${config.sandbox}\n\n`,
  );

  let stopping = false;
  const shutdown = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger?.info({ signal }, 'shutting down');
    // A last resort if closing hangs: the grace for connections, plus time to close the rest.
    const timer = setTimeout(() => process.exit(1), config.shutdownGraceMs + 15_000).unref();
    await operatorEndpoint?.close();
    await running.close(config.shutdownGraceMs);
    await worker?.stop();
    await app.stop();
    await pubsub.close();
    await database.close();
    clearTimeout(timer);
    process.exit(0);
  };
  process.on('SIGINT', () => void shutdown('SIGINT'));
  process.on('SIGTERM', () => void shutdown('SIGTERM'));
}

main().catch((error: unknown) => {
  // One line that says what went wrong and what to do; the stack only in the debug log.
  process.stderr.write(`EverJust could not start: ${failureMessage(error)}\n`);
  if (!isExpectedError(error)) logger?.debug({ err: error }, 'start failed');
  // Let the (asynchronous) log flush first.
  setImmediate(() => process.exit(1));
});
