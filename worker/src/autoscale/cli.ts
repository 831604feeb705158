/**
 * The autoscaler process's composition root: `pnpm --filter @everjust/worker autoscale [--dry-run] [--once]`
 * (`node worker/dist/autoscale.js` in `.do/app.yaml`). It sets the worker component's instance_count
 * from the queue depth (see autoscaler.ts), every EVERJUST_AUTOSCALE_INTERVAL_S, until SIGTERM.
 *
 *   --dry-run  print each decision on stdout and write nothing (neither the app's spec nor the history)
 *   --once     one round, then exit (1 if it failed)
 */
import { ConfigError, createAutoscalerMetrics, createLogger, databaseOptionsFromConfig, failureMessage, isExpectedError, loadConfig, openDatabase, OperatorError, type Logger } from '@everjust/core';
import { createDigitalOceanApiClient } from '../deploy/digitalocean-client.js';
import { serveMetrics } from '../metrics-server.js';
import { appPlatformApp } from './app-platform-app.js';
import { Autoscaler, type AutoscaleRound } from './autoscaler.js';

const USAGE = 'usage: autoscale [--dry-run] [--once]';

let logger: Logger | undefined;

/** The line a dry run prints for each decision. */
function describeRound(component: string, round: AutoscaleRound): string {
  const seen = `ready ${round.ready}, running ${round.running}: wants ${round.desired}`;
  if (round.action === 'hold') return `${component}: hold at ${round.current} (${round.reason}; ${seen})`;
  return `${component}: ${round.action} ${round.current} → ${round.instanceCount} (${seen})${round.dryRun ? ' [dry run: nothing written]' : ''}`;
}

async function main() {
  const args = process.argv.slice(2);
  const unknown = args.filter((arg) => arg !== '--dry-run' && arg !== '--once');
  if (unknown.length > 0) throw new OperatorError(`unknown argument ${unknown.join(' ')}\n${USAGE}`);
  const dryRun = args.includes('--dry-run');
  const once = args.includes('--once');

  const config = loadConfig(process.env, { standaloneWorker: true });
  logger = createLogger({ level: config.logLevel, name: 'autoscaler' });
  const missing = [config.digitalocean.token ? undefined : 'DIGITALOCEAN_TOKEN (a token that may read and update the app)', config.autoscale.appId ? undefined : 'EVERJUST_AUTOSCALE_APP_ID (the app to scale; ${APP_ID} on App Platform)'].filter(Boolean);
  if (missing.length > 0) throw new ConfigError(missing.map((item) => `${item} is required by the autoscaler`));
  const appId = config.autoscale.appId!;
  const component = config.autoscale.component;

  const database = await openDatabase(databaseOptionsFromConfig(config));
  // The embedded database migrates on open, as the embedded start does; PostgreSQL is migrated by its PRE_DEPLOY job.
  if (config.embedded) await database.migrate();
  const metrics = createAutoscalerMetrics();
  const metricsServer = config.workerMetricsPort ? serveMetrics({ registry: metrics.registry, port: config.workerMetricsPort, host: config.host, token: config.metricsToken }) : undefined;
  const autoscaler = new Autoscaler({
    prisma: database.prisma,
    app: appPlatformApp({ client: createDigitalOceanApiClient({ token: config.digitalocean.token!, apiUrl: config.digitalocean.apiUrl }), appId, component }),
    appId,
    component,
    policy: config.autoscale.policy,
    logger,
    metrics,
    dryRun,
  });
  const print = (round: AutoscaleRound) => {
    if (dryRun) process.stdout.write(`${describeRound(component, round)}\n`);
  };
  const close = async () => {
    metricsServer?.close();
    await database.close();
  };

  if (once) {
    try {
      print(await autoscaler.round());
    } finally {
      await close();
    }
    return;
  }

  const policy = config.autoscale.policy;
  logger.info({ appId, component, dryRun, intervalMs: config.autoscale.intervalMs, ...policy }, 'autoscaler started');
  const stop = new AbortController();
  process.on('SIGINT', () => stop.abort());
  process.on('SIGTERM', () => stop.abort());
  await autoscaler.run({ intervalMs: config.autoscale.intervalMs, signal: stop.signal, onRound: print });
  logger.info('autoscaler stopped');
  await close();
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    // One line that says what went wrong and what to do; the stack only in the debug log.
    process.stderr.write(`The autoscaler stopped: ${failureMessage(error)}\n`);
    if (!isExpectedError(error)) logger?.debug({ err: error }, 'autoscaler failed');
    setImmediate(() => process.exit(1));
  },
);
