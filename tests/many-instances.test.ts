import { afterAll, describe, expect, it } from 'vitest';
import { createApiKeyRecord, createTenant } from '@everjust/api';
import { databaseTargets, redisUrl, type TestDatabase } from '../test-support/databases.js';
import { freePort, SESSION_EVENTS_SUBSCRIPTION, subscribeSse } from '../test-support/platform.js';
import { childEnvironment, startTypeScript, type RunningProcess } from '../test-support/processes.js';

const postgres = databaseTargets().find((target) => target.kind === 'postgres')!;
const skip = postgres.skip ?? (redisUrl ? undefined : 'REDIS_URL is not set: skipped (CI runs it)');

/**
 * Production shape on one machine: two API processes and two worker processes sharing PostgreSQL
 * and Redis. 50 sessions are started by clients on both APIs; a worker is killed mid-run and an API
 * process gets SIGTERM mid-stream. Every session must end succeeded and every subscriber must get
 * every event exactly once, resuming on the other API where its stream was cut.
 */
describe.skipIf(Boolean(skip))(`two APIs and two workers on PostgreSQL and Redis${skip ? ` (${skip})` : ''}`, () => {
  const processes: RunningProcess[] = [];
  let database: TestDatabase | undefined;

  afterAll(async () => {
    for (const running of processes) running.child.kill('SIGKILL');
    await database?.close();
  });

  it('finishes 50 sessions through a worker crash and an API shutdown, every event delivered exactly once', async () => {
    database = await postgres.open();
    const shared = {
      DATABASE_URL: database.url,
      REDIS_URL: redisUrl,
      EVERJUST_SECRET: 'e'.repeat(64),
      EVERJUST_SANDBOX: 'none',
      EVERJUST_LOG_LEVEL: 'warn',
      // Long enough that a loaded CI machine does not expire healthy leases; short enough to recover soon.
      EVERJUST_JOB_LEASE_MS: '4000',
      EVERJUST_JOB_HEARTBEAT_MS: '500',
      EVERJUST_WORKER_POLL_INTERVAL_MS: '200',
      EVERJUST_EVENT_POLL_INTERVAL_MS: '500',
      EVERJUST_OFFLINE_DELTA_INTERVAL_MS: '25',
      EVERJUST_WORKER_CONCURRENCY: '30',
      EVERJUST_SHUTDOWN_GRACE_MS: '300',
    };
    const apis = await Promise.all(
      [0, 1].map(async () => {
        const running = startTypeScript('api/src/main.ts', [], childEnvironment({ ...shared, PORT: String(await freePort()) }));
        processes.push(running);
        return running;
      }),
    );
    const workers = [0, 1].map(() => {
      const running = startTypeScript('worker/src/main.ts', [], childEnvironment(shared));
      processes.push(running);
      return running;
    });
    const urls = await Promise.all(apis.map(async (api) => (await api.waitFor(/EverJust API on (http:\/\/\S+)\/graphql/, 90_000))[1]));
    await new Promise((resolve) => setTimeout(resolve, 3000)); // the workers connect (no output to wait for)

    const tenant = await createTenant(database.prisma, {
      name: 'Many',
      tier: 'enterprise',
      limitOverrides: { concurrentSessions: 100, generationsPerDay: null, burstPerSecond: 100_000 },
    });
    const { secret } = await createApiKeyRecord(database.prisma, { tenantId: tenant.id, mode: 'live', name: 'many' });
    const call = async (url: string, query: string, variables: Record<string, unknown>) => {
      const response = await fetch(`${url}/graphql`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${secret}` },
        body: JSON.stringify({ query, variables }),
      });
      const body = (await response.json()) as { data?: any; errors?: unknown };
      if (body.errors) throw new Error(JSON.stringify(body.errors));
      return body.data;
    };

    const sessions: string[] = [];
    for (let i = 0; i < 50; i++) {
      const url = urls[i % 2];
      const { createProject } = await call(url, 'mutation($input: CreateProjectInput!) { createProject(input: $input) { id } }', { input: { name: `p${i}` } });
      const { startSession } = await call(url, 'mutation($input: StartSessionInput!) { startSession(input: $input) { id } }', {
        input: { projectId: createProject.id, prompt: i % 3 ? 'Build a todo list app' : 'A calculator' },
      });
      sessions.push(startSession.id);
    }

    // Each client follows its session on the API it did not start it on, and resumes on the other
    // API from the last seq it saw whenever a stream ends without `complete`.
    let apiADown = false;
    const follow = async (sessionId: string, index: number) => {
      const events: any[] = [];
      let url = urls[(index + 1) % 2];
      for (let attempt = 0; attempt < 10; attempt++) {
        if (apiADown && url === urls[0]) url = urls[1];
        const afterSeq = events.at(-1)?.seq ?? 0;
        const stream = await subscribeSse(url, secret, SESSION_EVENTS_SUBSCRIPTION, { sessionId, afterSeq }).catch(() => ({ events: [], completed: false }));
        events.push(...stream.events);
        if (stream.completed) return { events, resumed: attempt };
        url = urls[1];
      }
      throw new Error(`session ${sessionId}: its stream never completed`);
    };
    const following = sessions.map((sessionId, index) => follow(sessionId, index));

    // Mid-run: one worker dies without a word, and API A is asked to shut down.
    await new Promise((resolve) => setTimeout(resolve, 700));
    workers[0].child.kill('SIGKILL');
    await new Promise((resolve) => setTimeout(resolve, 300));
    apiADown = true;
    apis[0].child.kill('SIGTERM');
    expect(await apis[0].exited).toBe(0);

    const results = await Promise.all(following);
    for (const [index, result] of results.entries()) {
      const seqs = result.events.map((event) => event.seq);
      expect(seqs, `session ${index}`).toEqual(seqs.map((_, position) => position + 1));
      expect(result.events.at(-1), `session ${index}: ${JSON.stringify(result.events.filter((event) => event.type === 'error' || event.type === 'done'))}`).toMatchObject({
        type: 'done',
        status: 'succeeded',
      });
      expect(result.events.filter((event) => event.type === 'done')).toHaveLength(1);
    }
    // Some clients really were cut off and resumed on the other API.
    expect(results.some((result) => result.resumed > 0)).toBe(true);
    const rows = await database.prisma.session.findMany({ where: { tenantId: tenant.id }, select: { status: true } });
    expect(rows.map((row) => row.status)).toEqual(Array(50).fill('succeeded'));
    // And the killed worker really was mid-job: some jobs needed a second attempt.
    expect(await database.prisma.job.count({ where: { session: { tenantId: tenant.id }, attempts: { gt: 1 } } })).toBeGreaterThan(0);
  }, 240_000);
});

