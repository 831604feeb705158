import { describe, expect, it } from 'vitest';
import { loadConfig } from '@everjust/core';
import { decideScaling, type ScalingObservation } from './scaling-decision.js';

/** The decision rules, with the defaults config.ts names (the research's claude-worker policy). */
const policy = loadConfig({}).autoscale.policy;
const now = new Date('2026-12-04T12:00:00Z');
const secondsAgo = (seconds: number) => new Date(now.getTime() - seconds * 1000);
const observe = (partial: Partial<ScalingObservation>): ScalingObservation => ({ ready: 0, running: 0, current: 2, deploymentInProgress: false, now, ...partial });

describe('decideScaling', () => {
  it('wants one instance per 10 ready and running jobs', () => {
    expect(decideScaling(policy, observe({ ready: 21, running: 9 }))).toEqual({ action: 'scale_up', reason: 'queue_depth', current: 2, needed: 3, desired: 3, instanceCount: 3 });
    // Past the threshold by one job: one more instance.
    expect(decideScaling(policy, observe({ ready: 31, current: 3 }))).toMatchObject({ action: 'scale_up', needed: 4, instanceCount: 4 });
    expect(decideScaling(policy, observe({ ready: 30, current: 3 }))).toMatchObject({ action: 'hold', reason: 'at_target', instanceCount: 3 });
    // Running jobs count: their workers are busy.
    expect(decideScaling(policy, observe({ running: 40 }))).toMatchObject({ action: 'scale_up', instanceCount: 4 });
  });

  it('clamps the count between the minimum and the maximum', () => {
    expect(decideScaling(policy, observe({ ready: 1_000, current: 5 }))).toMatchObject({ action: 'scale_up', needed: 100, desired: 15, instanceCount: 15 });
    expect(decideScaling(policy, observe({ ready: 1_000, current: 15 }))).toMatchObject({ action: 'hold', reason: 'at_target', instanceCount: 15 });
    expect(decideScaling(policy, observe({ current: 2 }))).toMatchObject({ action: 'hold', reason: 'at_target', needed: 0, desired: 2 });
    // A count set by hand outside the range is brought back into it.
    expect(decideScaling(policy, observe({ ready: 5, current: 1 }))).toMatchObject({ action: 'scale_up', desired: 2, instanceCount: 2 });
    expect(decideScaling(policy, observe({ ready: 500, current: 20 }))).toMatchObject({ action: 'scale_down', desired: 15, instanceCount: 15 });
  });

  it('scales down to what the queue needs, never below the minimum', () => {
    expect(decideScaling(policy, observe({ ready: 0, running: 12, current: 8 }))).toMatchObject({ action: 'scale_down', reason: 'queue_depth', desired: 2, instanceCount: 2 });
    expect(decideScaling(policy, observe({ ready: 0, running: 41, current: 8 }))).toMatchObject({ action: 'scale_down', desired: 5, instanceCount: 5 });
  });

  it('holds a scale-up for 300 s after the last change and a scale-down for 600 s', () => {
    const up = { ready: 50, current: 2 };
    expect(decideScaling(policy, observe({ ...up, lastScaledAt: secondsAgo(100) }))).toEqual({
      action: 'hold',
      reason: 'scale_up_cooldown',
      current: 2,
      needed: 5,
      desired: 5,
      instanceCount: 2,
      cooldownRemainingMs: 200_000,
    });
    expect(decideScaling(policy, observe({ ...up, lastScaledAt: secondsAgo(300) }))).toMatchObject({ action: 'scale_up', instanceCount: 5 });
    const down = { ready: 0, current: 6 };
    // Past the scale-up cooldown but not the scale-down one.
    expect(decideScaling(policy, observe({ ...down, lastScaledAt: secondsAgo(400) }))).toMatchObject({ action: 'hold', reason: 'scale_down_cooldown', instanceCount: 6, cooldownRemainingMs: 200_000 });
    expect(decideScaling(policy, observe({ ...down, lastScaledAt: secondsAgo(600) }))).toMatchObject({ action: 'scale_down', instanceCount: 2 });
    // Never scaled: no cooldown.
    expect(decideScaling(policy, observe(down))).toMatchObject({ action: 'scale_down' });
  });

  it('changes nothing while a deployment of the app is in progress', () => {
    expect(decideScaling(policy, observe({ ready: 100, deploymentInProgress: true }))).toMatchObject({ action: 'hold', reason: 'deployment_in_progress', desired: 10, instanceCount: 2 });
    expect(decideScaling(policy, observe({ current: 9, deploymentInProgress: true }))).toMatchObject({ action: 'hold', reason: 'deployment_in_progress', instanceCount: 9 });
  });

  it('follows a tuned policy', () => {
    const tuned = loadConfig({ EVERJUST_AUTOSCALE_JOBS_PER_INSTANCE: '4', EVERJUST_AUTOSCALE_MIN_INSTANCES: '1', EVERJUST_AUTOSCALE_MAX_INSTANCES: '3', EVERJUST_AUTOSCALE_SCALE_UP_COOLDOWN_S: '0' }).autoscale.policy;
    expect(decideScaling(tuned, observe({ ready: 5, current: 1, lastScaledAt: now }))).toMatchObject({ action: 'scale_up', needed: 2, instanceCount: 2 });
    expect(decideScaling(tuned, observe({ ready: 0, current: 2 }))).toMatchObject({ action: 'scale_down', instanceCount: 1 });
    expect(decideScaling(tuned, observe({ ready: 40, current: 2 }))).toMatchObject({ action: 'scale_up', instanceCount: 3 });
  });
});
