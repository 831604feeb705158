/**
 * The standalone worker process's composition root (`pnpm --filter @everjust/worker start`). It shares
 * nothing with the API but the database and Redis; with the embedded PGlite the API runs the worker
 * in-process instead, since the data dir can have only one process.
 */
import { ConfigError, createLogger, createMetrics, createPubSub, databaseOptionsFromConfig, failureMessage, isExpectedError, loadConfig, openDatabase, type Logger } from '@everjust/core';
import { startWorker } from './index.js';
import { serveMetrics } from './metrics-server.js';

/** Set once the configuration is read: where a failure's stack goes (at debug level). */
let logger: Logger | undefined;

async function main() {
  const config = loadConfig(process.env, { standaloneWorker: true });
  logger = createLogger({ level: config.logLevel, name: 'worker' });
  if (!config.databaseUrl) {
    throw new ConfigError([
      'DATABASE_URL: a standalone worker needs PostgreSQL. With the embedded database, `pnpm start` runs the worker inside the API process.',
    ]);
  }
  const database = await openDatabase(databaseOptionsFromConfig(config));
  const pubsub = createPubSub({ redisUrl: config.redisUrl });
  const metrics = createMetrics();
  const worker = await startWorker({ prisma: database.prisma, pubsub, config, logger, metrics });
  const metricsServer = config.workerMetricsPort
    ? serveMetrics({ registry: metrics.registry, port: config.workerMetricsPort, host: config.host, token: config.metricsToken })
    : undefined;
  logger.info({ workerId: worker.id, concurrency: config.jobs.concurrency }, 'worker started');

  let stopping = false;
  const shutdown = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger?.info({ signal }, 'worker stopping: finishing or releasing its jobs');
    await worker.stop();
    metricsServer?.close();
    await pubsub.close();
    await database.close();
    process.exit(0);
  };
  process.on('SIGINT', () => void shutdown('SIGINT'));
  process.on('SIGTERM', () => void shutdown('SIGTERM'));
}

main().catch((error: unknown) => {
  // One line that says what went wrong and what to do; the stack only in the debug log.
  process.stderr.write(`The worker could not start: ${failureMessage(error)}\n`);
  if (!isExpectedError(error)) logger?.debug({ err: error }, 'start failed');
  setImmediate(() => process.exit(1));
});
