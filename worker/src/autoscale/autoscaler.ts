import { setTimeout as sleep } from 'node:timers/promises';
import { failureMessage, queueDepth, type AutoscalerMetrics, type Logger, type PrismaClient } from '@everjust/core';
import type { ScalableApp } from './app-platform-app.js';
import { decideScaling, type ScalingDecision, type ScalingPolicy } from './scaling-decision.js';
import { lastScaledAt, recordScaling } from './scaling-history.js';

export interface AutoscalerOptions {
  prisma: PrismaClient;
  app: ScalableApp;
  /** The app and component, as recorded with each change. */
  appId: string;
  component: string;
  policy: ScalingPolicy;
  logger: Logger;
  metrics?: AutoscalerMetrics;
  /** Decide and report, write nothing (neither the app's spec nor the history). */
  dryRun?: boolean;
  /** The clock (tests move it past the cooldowns). */
  now?: () => Date;
}

/** One round: what was seen, what was decided, and whether the change was written. */
export interface AutoscaleRound extends ScalingDecision {
  ready: number;
  running: number;
  deploymentInProgress: boolean;
  /** True when the app's spec was written (never in a dry run, never on a hold). */
  applied: boolean;
  dryRun: boolean;
}

/**
 * The worker autoscaler: each round reads the queue depth (ready and running jobs) from the
 * database and the worker component's scale from App Platform, decides (decideScaling), and writes
 * the new instance count when it changes. It runs in its own process (`cli.ts`), one instance.
 */
export class Autoscaler {
  constructor(private readonly options: AutoscalerOptions) {}

  async round(): Promise<AutoscaleRound> {
    const { prisma, app, appId, component, policy, logger, metrics } = this.options;
    const dryRun = this.options.dryRun === true;
    const now = (this.options.now ?? (() => new Date()))();
    const depth = await queueDepth(prisma);
    const scale = await app.read();
    const lastChange = await lastScaledAt(prisma, { appId, component });
    const decision = decideScaling(policy, {
      ready: depth.ready,
      running: depth.running,
      current: scale.instanceCount,
      deploymentInProgress: scale.deploymentInProgress,
      lastScaledAt: lastChange,
      now,
    });
    const round: AutoscaleRound = { ...decision, ready: depth.ready, running: depth.running, deploymentInProgress: scale.deploymentInProgress, applied: false, dryRun };

    if (metrics) {
      for (const [state, count] of Object.entries(depth)) metrics.queueDepth.set({ state }, count);
      metrics.currentInstances.set(scale.instanceCount);
      metrics.desiredInstances.set(decision.desired);
      metrics.deploymentInProgress.set(scale.deploymentInProgress ? 1 : 0);
      metrics.lastDecisionTime.set(now.getTime() / 1000);
      metrics.decisions.inc({ action: decision.action, reason: decision.reason, dry_run: String(dryRun) });
      if (lastChange) metrics.lastChangeTime.set(lastChange.getTime() / 1000);
    }

    const fields = {
      appId,
      component,
      action: decision.action,
      reason: decision.reason,
      current: decision.current,
      desired: decision.desired,
      needed: decision.needed,
      ready: depth.ready,
      running: depth.running,
      ...(decision.cooldownRemainingMs === undefined ? {} : { cooldownRemainingMs: decision.cooldownRemainingMs }),
      ...(scale.deploymentId ? { deploymentId: scale.deploymentId } : {}),
      dryRun,
    };
    if (decision.action === 'hold') {
      // A hold that keeps the component from where the queue wants it is worth an info line; one at its target is not.
      logger[decision.reason === 'at_target' ? 'debug' : 'info'](fields, `autoscaler holds ${component} at ${decision.current} (${decision.reason})`);
      return round;
    }
    if (dryRun) {
      logger.info(fields, `autoscaler would scale ${component} ${decision.current} → ${decision.instanceCount} (dry run: nothing written)`);
      return round;
    }
    // The spec first, then the history: a change App Platform refused must not start a cooldown.
    await scale.setInstanceCount(decision.instanceCount);
    await recordScaling(prisma, { appId, component, fromCount: decision.current, toCount: decision.instanceCount, ready: depth.ready, running: depth.running, at: now });
    metrics?.lastChangeTime.set(now.getTime() / 1000);
    logger.info(fields, `autoscaler scaled ${component} ${decision.current} → ${decision.instanceCount}`);
    return { ...round, applied: true };
  }

  /**
   * Rounds every `intervalMs` until `signal` aborts. A round that fails (the database or the API did
   * not answer) is logged and counted, and the next round tries again: the autoscaler outlives an outage.
   */
  async run(options: { intervalMs: number; signal: AbortSignal; onRound?: (round: AutoscaleRound) => void }): Promise<void> {
    while (!options.signal.aborted) {
      try {
        options.onRound?.(await this.round());
      } catch (error) {
        this.options.metrics?.failures.inc();
        this.options.logger.error({ err: error, appId: this.options.appId, component: this.options.component }, `autoscaler round failed: ${failureMessage(error)}`);
      }
      await sleep(options.intervalMs, undefined, { signal: options.signal }).catch(() => undefined);
    }
  }
}
