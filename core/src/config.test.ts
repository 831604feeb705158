import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from './config.js';

describe('config', () => {
  it('has the documented defaults', () => {
    const config = loadConfig({});
    expect(config).toMatchObject({ port: 4000, host: '127.0.0.1', dataDir: '.data', embedded: true, publicUrl: 'http://127.0.0.1:4000', sandbox: 'static', databasePreparedStatements: true });
    expect(loadConfig({ DATABASE_PREPARED_STATEMENTS: 'false' }).databasePreparedStatements).toBe(false);
    expect(config.auth).toMatchObject({ cacheTtlMs: 30_000, lastUsedIntervalMs: 60_000 });
    expect(config.limits).toMatchObject({ promptMaxChars: 20_000, fileMaxBytes: 1_048_576, projectMaxFiles: 500, maxQueryCost: 1_000 });
    expect(config.jobs).toMatchObject({ leaseMs: 30_000, heartbeatMs: 10_000, maxAttempts: 3, concurrency: 4 });
  });

  it("has the research's worker scaling policy as the autoscaler's defaults, and refuses a minimum above the maximum", () => {
    expect(loadConfig({}).autoscale).toEqual({
      appId: undefined,
      component: 'worker',
      intervalMs: 30_000,
      policy: { jobsPerInstance: 10, minInstances: 2, maxInstances: 15, scaleUpCooldownMs: 300_000, scaleDownCooldownMs: 600_000 },
    });
    expect(loadConfig({}).digitalocean).toEqual({ token: undefined, apiUrl: 'https://api.digitalocean.com' });
    const tuned = loadConfig({ EVERJUST_AUTOSCALE_JOBS_PER_INSTANCE: '4', EVERJUST_AUTOSCALE_MIN_INSTANCES: '1', EVERJUST_AUTOSCALE_MAX_INSTANCES: '1', EVERJUST_AUTOSCALE_SCALE_UP_COOLDOWN_S: '0' });
    expect(tuned.autoscale.policy).toMatchObject({ jobsPerInstance: 4, minInstances: 1, maxInstances: 1, scaleUpCooldownMs: 0 });
    expect(() => loadConfig({ EVERJUST_AUTOSCALE_MIN_INSTANCES: '16' })).toThrow(/EVERJUST_AUTOSCALE_MIN_INSTANCES \(16\) must not be above EVERJUST_AUTOSCALE_MAX_INSTANCES \(15\)/);
    expect(() => loadConfig({ EVERJUST_AUTOSCALE_JOBS_PER_INSTANCE: '0' })).toThrow(/EVERJUST_AUTOSCALE_JOBS_PER_INSTANCE/);
  });

  it('waits 24 h for an answer to a question by default, and refuses a TTL under a second or over 30 days', () => {
    expect(loadConfig({}).jobs.questionTtlMs).toBe(86_400_000);
    expect(loadConfig({ EVERJUST_QUESTION_TTL_MS: '60000' }).jobs.questionTtlMs).toBe(60_000);
    expect(() => loadConfig({ EVERJUST_QUESTION_TTL_MS: '10' })).toThrow(/EVERJUST_QUESTION_TTL_MS/);
    expect(() => loadConfig({ EVERJUST_QUESTION_TTL_MS: String(31 * 86_400_000) })).toThrow(/EVERJUST_QUESTION_TTL_MS: must be at most 30 days/);
    expect(() => loadConfig({ EVERJUST_QUESTION_TTL_MS: 'a day' })).toThrow(/EVERJUST_QUESTION_TTL_MS/);
  });

  it('takes model price overrides as JSON and refuses bad ones at start', () => {
    expect(loadConfig({}).modelPrices).toEqual({});
    const price = { input: 2, output: 10, cacheWrite: 2.5, cacheRead: 0.2 };
    expect(loadConfig({ EVERJUST_MODEL_PRICES: JSON.stringify({ 'claude-sonnet-4-5': price }) }).modelPrices).toEqual({ 'claude-sonnet-4-5': price });
    expect(() => loadConfig({ EVERJUST_MODEL_PRICES: '{not json' })).toThrow(/EVERJUST_MODEL_PRICES: must be a JSON object/);
    expect(() => loadConfig({ EVERJUST_MODEL_PRICES: JSON.stringify({ m: { input: -1, output: 1, cacheWrite: 1, cacheRead: 1 } }) })).toThrow(/EVERJUST_MODEL_PRICES/);
    expect(() => loadConfig({ EVERJUST_MODEL_PRICES: JSON.stringify({ m: { input: 1 } }) })).toThrow(/EVERJUST_MODEL_PRICES/);
  });

  it('picks the sandbox as docs/architecture.md says', () => {
    expect(loadConfig({}, { embeddedStart: true }).sandbox).toBe('local');
    expect(loadConfig({ HOST: '0.0.0.0' }, { embeddedStart: true }).sandbox).toBe('static');
    expect(loadConfig({ DAYTONA_API_KEY: 'k' }, { embeddedStart: true }).sandbox).toBe('daytona');
    expect(loadConfig({}).sandbox).toBe('static');
    expect(() => loadConfig({ EVERJUST_SANDBOX: 'local', HOST: '0.0.0.0' })).toThrow(/HOST/);
  });

  it("refuses 'local' wherever it would run generated code beside a deployment's secrets", () => {
    const postgres = { EVERJUST_SANDBOX: 'local', DATABASE_URL: 'postgresql://postgres@127.0.0.1:5432/postgres' };
    expect(() => loadConfig(postgres, { embeddedStart: true })).toThrow(ConfigError);
    expect(() => loadConfig(postgres, { embeddedStart: true })).toThrow(/EVERJUST_SANDBOX: 'local' .* refused while DATABASE_URL is set/);
    expect(() => loadConfig({ EVERJUST_SANDBOX: 'local' }, { standaloneWorker: true })).toThrow(/EVERJUST_SANDBOX: 'local' .* refused in a standalone worker/);
    // Never picked by default there either, and still allowed for the embedded start.
    expect(loadConfig({ DATABASE_URL: postgres.DATABASE_URL }, { embeddedStart: true }).sandbox).toBe('static');
    expect(loadConfig({}, { standaloneWorker: true }).sandbox).toBe('static');
    expect(loadConfig({ EVERJUST_SANDBOX: 'local' }, { embeddedStart: true }).sandbox).toBe('local');
  });

  it('checks no preview without EVERJUST_BROWSER, and refuses one that is not an executable file at start', () => {
    expect(loadConfig({}).browser).toBeUndefined();
    expect(loadConfig({ EVERJUST_BROWSER: '' }).browser).toBeUndefined();
    expect(loadConfig({ EVERJUST_BROWSER: process.execPath }).browser).toBe(process.execPath);
    expect(() => loadConfig({ EVERJUST_BROWSER: '/nonexistent/chromium' })).toThrow(/EVERJUST_BROWSER: \/nonexistent\/chromium is not an executable file/);
    expect(() => loadConfig({ EVERJUST_BROWSER: '/tmp' })).toThrow(/EVERJUST_BROWSER/);
  });

  it('stops on a bad value with a message naming the variable', () => {
    const cases: Array<[Record<string, string>, RegExp]> = [
      [{ PORT: 'eighty' }, /PORT/],
      [{ PORT: '70000' }, /PORT/],
      [{ DATABASE_URL: 'not a url' }, /DATABASE_URL/],
      [{ EVERJUST_SANDBOX: 'docker' }, /EVERJUST_SANDBOX/],
      [{ DATABASE_PREPARED_STATEMENTS: 'no' }, /DATABASE_PREPARED_STATEMENTS/],
      [{ EVERJUST_SECRET: 'short' }, /EVERJUST_SECRET/],
      [{ EVERJUST_JOB_LEASE_MS: '1000', EVERJUST_JOB_HEARTBEAT_MS: '5000' }, /EVERJUST_JOB_HEARTBEAT_MS/],
    ];
    for (const [environment, message] of cases) {
      expect(() => loadConfig(environment)).toThrow(ConfigError);
      expect(() => loadConfig(environment)).toThrow(message);
    }
  });

  it('lets every time be shortened, as tests do', () => {
    const config = loadConfig({ EVERJUST_AUTH_CACHE_TTL_MS: '10', EVERJUST_JOB_LEASE_MS: '500', EVERJUST_JOB_HEARTBEAT_MS: '100' });
    expect(config.auth.cacheTtlMs).toBe(10);
    expect(config.jobs).toMatchObject({ leaseMs: 500, heartbeatMs: 100 });
  });
});
