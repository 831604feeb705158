import { createHash, timingSafeEqual } from 'node:crypto';
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import { isLoopbackAddress } from './network-address.js';

/**
 * The Prometheus metrics of a process, made once in its composition root and handed to the parts
 * that record them. The API serves them at `/metrics`; in embedded mode the worker shares the registry.
 */
export function createMetrics(options: { collectDefaults?: boolean } = {}) {
  const registry = new Registry();
  if (options.collectDefaults !== false) collectDefaultMetrics({ register: registry, prefix: 'everjust_process_' });
  return {
    registry,
    httpRequests: new Counter({
      name: 'everjust_http_requests_total',
      help: 'HTTP requests answered, by route kind and status.',
      labelNames: ['route', 'status'] as const,
      registers: [registry],
    }),
    httpDuration: new Histogram({
      name: 'everjust_http_request_duration_seconds',
      help: 'Time to answer an HTTP request (to the first byte for streams).',
      labelNames: ['route'] as const,
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
      registers: [registry],
    }),
    openSubscriptions: new Gauge({
      name: 'everjust_open_subscriptions',
      help: 'Session event streams open now (SSE and WebSocket).',
      registers: [registry],
    }),
    queueDepth: queueDepthGauge(registry),
    jobDuration: new Histogram({
      name: 'everjust_job_duration_seconds',
      help: 'Time a job ran, by kind and outcome.',
      labelNames: ['kind', 'outcome'] as const,
      buckets: [0.1, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 600],
      registers: [registry],
    }),
    modelTokens: new Counter({
      name: 'everjust_model_tokens_total',
      help: 'Model tokens used by sessions, by direction (input, output) and mode.',
      labelNames: ['direction', 'mode'] as const,
      registers: [registry],
    }),
  };
}

export type Metrics = ReturnType<typeof createMetrics>;

/** The same gauge on the API and on the autoscaler: the whole queue, from the `jobs` table. */
function queueDepthGauge(registry: Registry) {
  return new Gauge({
    name: 'everjust_queue_depth',
    help: 'Jobs by state: ready (waiting for a worker), running, delayed (retry backoff). The autoscaler scales workers on ready + running.',
    labelNames: ['state'] as const,
    registers: [registry],
  });
}

/**
 * The worker autoscaler's metrics (its own process, `worker/src/autoscale/`): what it saw, what it
 * decided and why, as of its last look.
 */
export function createAutoscalerMetrics(options: { collectDefaults?: boolean } = {}) {
  const registry = new Registry();
  if (options.collectDefaults !== false) collectDefaultMetrics({ register: registry, prefix: 'everjust_process_' });
  return {
    registry,
    queueDepth: queueDepthGauge(registry),
    currentInstances: new Gauge({
      name: 'everjust_autoscaler_current_instances',
      help: "The worker component's instance_count in the app's spec, as last read.",
      registers: [registry],
    }),
    desiredInstances: new Gauge({
      name: 'everjust_autoscaler_desired_instances',
      help: 'The instance count the queue asks for, within the minimum and the maximum.',
      registers: [registry],
    }),
    deploymentInProgress: new Gauge({
      name: 'everjust_autoscaler_deployment_in_progress',
      help: '1 while a deployment of the app is in progress (the autoscaler then changes nothing), else 0.',
      registers: [registry],
    }),
    lastChangeTime: new Gauge({
      name: 'everjust_autoscaler_last_change_timestamp_seconds',
      help: 'When the autoscaler last changed the instance count (Unix time; 0: never).',
      registers: [registry],
    }),
    lastDecisionTime: new Gauge({
      name: 'everjust_autoscaler_last_decision_timestamp_seconds',
      help: 'When the autoscaler last decided (Unix time): a stalled autoscaler stops moving it.',
      registers: [registry],
    }),
    decisions: new Counter({
      name: 'everjust_autoscaler_decisions_total',
      help: 'Decisions, by action (scale_up, scale_down, hold), reason and whether it was a dry run.',
      labelNames: ['action', 'reason', 'dry_run'] as const,
      registers: [registry],
    }),
    failures: new Counter({
      name: 'everjust_autoscaler_failures_total',
      help: 'Rounds that failed (the database or the App Platform API did not answer as expected).',
      registers: [registry],
    }),
  };
}

export type AutoscalerMetrics = ReturnType<typeof createAutoscalerMetrics>;

/**
 * Who may read `/metrics` (API and standalone worker alike). With `EVERJUST_METRICS_TOKEN` set, a
 * request carrying `Authorization: Bearer <token>`; without it, only the machine itself (a loopback
 * peer, or an in-process request with no socket), so a deployment never publishes its figures by
 * forgetting a variable. The token is compared in constant time.
 */
export function metricsAccess(options: { token?: string; authorization?: string | null; remoteAddress?: string }): 'allowed' | 'unauthorized' {
  if (options.token) {
    const expected = createHash('sha256').update(`Bearer ${options.token}`).digest();
    const given = createHash('sha256').update(options.authorization ?? '').digest();
    return timingSafeEqual(expected, given) ? 'allowed' : 'unauthorized';
  }
  return options.remoteAddress === undefined || isLoopbackAddress(options.remoteAddress) ? 'allowed' : 'unauthorized';
}

/** The 401 body for a refused scrape: what is missing and how to supply it. */
export const METRICS_UNAUTHORIZED_MESSAGE =
  'Metrics need `Authorization: Bearer <EVERJUST_METRICS_TOKEN>` (without that variable set, only loopback clients may read them)';
