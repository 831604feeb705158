/**
 * The autoscaler's decision, a pure function of what it observed: no clock, no database, no API.
 * Everything it depends on is in its input, so every rule (target, clamp, cooldowns, deployments)
 * is tested by calling it.
 */

/** How the worker component scales (`config.autoscale.policy`; defaults: the platform research's claude-worker policy). */
export interface ScalingPolicy {
  /** One instance per this many ready and running jobs. */
  jobsPerInstance: number;
  minInstances: number;
  maxInstances: number;
  /** Time after the last change of the instance count before a scale-up. */
  scaleUpCooldownMs: number;
  /** Time after the last change of the instance count before a scale-down. */
  scaleDownCooldownMs: number;
}

export interface ScalingObservation {
  /** Queued jobs whose `run_at` has come (waiting for a worker). */
  ready: number;
  /** Jobs a worker holds. */
  running: number;
  /** The component's `instance_count` in the app's spec now. */
  current: number;
  /** A deployment of the app is under way: the spec must not be written under it. */
  deploymentInProgress: boolean;
  /** When the instance count was last changed (by this autoscaler), if ever. */
  lastScaledAt?: Date;
  now: Date;
}

export type ScalingAction = 'scale_up' | 'scale_down' | 'hold';
export type ScalingReason =
  /** The queue asks for another instance count, and nothing stands in the way. */
  | 'queue_depth'
  /** The queue asks for the count the component already has. */
  | 'at_target'
  | 'deployment_in_progress'
  | 'scale_up_cooldown'
  | 'scale_down_cooldown';

export interface ScalingDecision {
  action: ScalingAction;
  reason: ScalingReason;
  current: number;
  /** What the queue asks for, before the clamp: ⌈(ready + running) / jobsPerInstance⌉. */
  needed: number;
  /** `needed` within min and max: the count the autoscaler works towards. */
  desired: number;
  /** The count to write: `desired` when scaling, `current` when holding. */
  instanceCount: number;
  /** While a cooldown holds the change: how long until it may happen. */
  cooldownRemainingMs?: number;
}

/**
 * Decides the worker component's instance count. The target is one instance per `jobsPerInstance`
 * jobs that are ready or running (a running job still needs its worker), within min and max. A
 * change waits while a deployment is in progress (writing the spec would start another one over
 * it) and for the cooldown since the last change: scale-ups after `scaleUpCooldownMs`, scale-downs
 * after the longer `scaleDownCooldownMs`, so a burst does not make the count flap, and each change
 * (itself a deployment) has rolled out before the next.
 */
export function decideScaling(policy: ScalingPolicy, observation: ScalingObservation): ScalingDecision {
  const { current } = observation;
  const jobs = Math.max(0, observation.ready) + Math.max(0, observation.running);
  const needed = Math.ceil(jobs / policy.jobsPerInstance);
  const desired = Math.min(policy.maxInstances, Math.max(policy.minInstances, needed));
  const hold = (reason: ScalingReason, cooldownRemainingMs?: number): ScalingDecision => ({
    action: 'hold',
    reason,
    current,
    needed,
    desired,
    instanceCount: current,
    ...(cooldownRemainingMs === undefined ? {} : { cooldownRemainingMs }),
  });
  if (desired === current) return hold('at_target');
  if (observation.deploymentInProgress) return hold('deployment_in_progress');
  const up = desired > current;
  if (observation.lastScaledAt) {
    const cooldownMs = up ? policy.scaleUpCooldownMs : policy.scaleDownCooldownMs;
    const remainingMs = observation.lastScaledAt.getTime() + cooldownMs - observation.now.getTime();
    if (remainingMs > 0) return hold(up ? 'scale_up_cooldown' : 'scale_down_cooldown', remainingMs);
  }
  return { action: up ? 'scale_up' : 'scale_down', reason: 'queue_depth', current, needed, desired, instanceCount: desired };
}
