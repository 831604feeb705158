/**
 * The tiers (the table in docs/architecture.md), per tenant. `null` means unlimited. Any limit can be overridden per
 * tenant (enterprise deals, tests).
 */
export const TIER_NAMES = ['free', 'starter', 'professional', 'enterprise'] as const;
export type TierName = (typeof TIER_NAMES)[number];

export interface TierLimits {
  projects: number | null;
  concurrentSessions: number;
  requestsPerHour: number | null;
  burstPerSecond: number;
  queryCostPerMinute: number;
  generationsPerDay: number | null;
  sandboxHoursPerMonth: number | null;
  storageBytes: number;
  sandboxIdleStopMinutes: number;
  /** `null`: stopped sandboxes are never deleted. */
  stoppedSandboxDeleteDays: number | null;
  /** Deployments started per UTC day (deploy sessions, rollbacks included). */
  deploysPerDay: number | null;
  /** Projects with an App Platform app at once (the second deploy of a project makes none). */
  liveApps: number | null;
}

const GB = 1024 ** 3;

export const TIERS: Record<TierName, TierLimits> = {
  free: {
    projects: 3,
    concurrentSessions: 1,
    requestsPerHour: 1_000,
    burstPerSecond: 10,
    queryCostPerMinute: 1_000,
    generationsPerDay: 20,
    sandboxHoursPerMonth: 10,
    storageBytes: 1 * GB,
    sandboxIdleStopMinutes: 15,
    stoppedSandboxDeleteDays: 1,
    deploysPerDay: 5,
    liveApps: 1,
  },
  starter: {
    projects: 10,
    concurrentSessions: 3,
    requestsPerHour: 10_000,
    burstPerSecond: 30,
    queryCostPerMinute: 5_000,
    generationsPerDay: 200,
    sandboxHoursPerMonth: 50,
    storageBytes: 10 * GB,
    sandboxIdleStopMinutes: 30,
    stoppedSandboxDeleteDays: 7,
    deploysPerDay: 20,
    liveApps: 5,
  },
  professional: {
    projects: 50,
    concurrentSessions: 10,
    requestsPerHour: 100_000,
    burstPerSecond: 100,
    queryCostPerMinute: 20_000,
    generationsPerDay: 2_000,
    sandboxHoursPerMonth: 200,
    storageBytes: 100 * GB,
    sandboxIdleStopMinutes: 60,
    stoppedSandboxDeleteDays: 30,
    deploysPerDay: 100,
    liveApps: 25,
  },
  enterprise: {
    projects: null,
    concurrentSessions: 50,
    requestsPerHour: null,
    burstPerSecond: 300,
    queryCostPerMinute: 100_000,
    generationsPerDay: null,
    sandboxHoursPerMonth: null,
    storageBytes: 1_000 * GB,
    sandboxIdleStopMinutes: 120,
    stoppedSandboxDeleteDays: null,
    deploysPerDay: null,
    liveApps: null,
  },
};

/** Test mode has its own limits, whatever the tier and the tenant's overrides (docs/architecture.md). */
const TEST_MODE_LIMITS = {
  requestsPerHour: 1_000,
  generationsPerDay: 50,
  concurrentSessions: 2,
  // Test-mode deploys are simulated (nothing is built or hosted): CI may run them freely, within a day's cap.
  deploysPerDay: 50,
  liveApps: null,
} as const satisfies Partial<TierLimits>;

export function isTierName(value: string): value is TierName {
  return (TIER_NAMES as readonly string[]).includes(value);
}

/** What `limitsFor` reads of a tenant (its row, or a selection of it). */
export interface TenantLimitSource {
  tier: string;
  /** A partial `TierLimits` (JSON); `{}` or null when none. */
  limitOverrides: unknown;
}

/**
 * The limits that apply to a tenant's work in a mode: its tier's, with the tenant's overrides laid
 * over them, and in test mode test mode's own over those. Every quota, rate limit, sandbox lifecycle
 * and `viewer { limits }` reads them here.
 */
export function limitsFor(tenant: TenantLimitSource, mode: 'live' | 'test'): TierLimits {
  const limits: TierLimits = { ...TIERS[tenant.tier as TierName], ...((tenant.limitOverrides as Partial<TierLimits> | null) ?? {}) };
  return mode === 'test' ? { ...limits, ...TEST_MODE_LIMITS } : limits;
}
