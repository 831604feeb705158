import { Writable } from 'node:stream';
import { createLogger } from '@everjust/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestTenant, graphql, type TestTenant } from '../../../test-support/app.js';
import { openPgliteTestDatabase, type TestDatabase } from '../../../test-support/databases.js';
import { SESSION_EVENTS_SUBSCRIPTION, startTestPlatform, subscribeSse, type TestPlatform } from '../../../test-support/platform.js';

describe('metrics and request logs', () => {
  let database: TestDatabase;
  let platform: TestPlatform;
  let tenant: TestTenant;
  const lines: string[] = [];

  beforeAll(async () => {
    database = await openPgliteTestDatabase();
    // Capture what the API logs, as JSON lines.
    const sink = new Writable({ write: (chunk, _encoding, done) => void (lines.push(...String(chunk).trim().split('\n')), done()) });
    platform = await startTestPlatform(database, { logger: createLogger({ level: 'info', destination: sink }) });
    tenant = await createTestTenant(database);
  });
  afterAll(async () => {
    await platform.stop();
    await database.close();
  });

  it('serves Prometheus metrics: requests, latency, queue depth, open streams, jobs and tokens', async () => {
    const project = await graphql(platform.app, tenant.test, 'mutation { createProject(input: { name: "Metrics" }) { id } }');
    const started = await graphql(platform.app, tenant.test, `mutation($input: StartSessionInput!) { startSession(input: $input) { id } }`, {
      input: { projectId: project.data.createProject.id, prompt: 'A counter' },
    });
    await subscribeSse(platform.url, tenant.test, SESSION_EVENTS_SUBSCRIPTION, { sessionId: started.data.startSession.id });
    const response = await fetch(`${platform.url}/metrics`);
    expect(response.status).toBe(200);
    const text = await response.text();
    expect(text).toMatch(/everjust_http_requests_total\{route="graphql",status="200"\} \d+/);
    expect(text).toMatch(/everjust_http_request_duration_seconds_bucket\{le="0\.1",route="graphql"\} \d+/);
    expect(text).toMatch(/everjust_queue_depth\{state="ready"\} 0/);
    expect(text).toMatch(/everjust_open_subscriptions 0/);
  });

  it('logs one JSON line per request with its request id and tenant, and never the key', async () => {
    lines.length = 0;
    const response = await graphql(platform.app, tenant.live, '{ viewer { name } }', undefined, { 'x-request-id': 'log-check-1' });
    expect(response.status).toBe(200);
    await new Promise((resolve) => setTimeout(resolve, 50));
    const entry = lines.map((line) => JSON.parse(line)).find((line) => line.requestId === 'log-check-1');
    expect(entry).toMatchObject({ msg: 'request', tenantId: tenant.id, status: 200, path: '/graphql' });
    expect(lines.join('\n')).not.toContain(tenant.live);
  });
});
