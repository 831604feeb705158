import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createLogger, loadConfig, decodeIdOf, encodeId } from '@everjust/core';
import { startWorker, type Worker } from '@everjust/worker';
import { createTestTenant, graphql, type TestTenant } from '../test-support/app.js';
import { databaseTargets, type TestDatabase } from '../test-support/databases.js';
import { FAST, startTestPlatform, type TestPlatform } from '../test-support/platform.js';
import { childEnvironment, startTypeScript, type RunningProcess } from '../test-support/processes.js';

/**
 * A worker process that stalls (SIGSTOP) or dies (SIGKILL) in the middle of a generation: once its
 * lease expires another worker takes the job and finishes it, and the stalled one, when it wakes up,
 * writes nothing more (docs/architecture.md, "Promises and defaults": fencing).
 */
const SHARED = {
  EVERJUST_JOB_LEASE_MS: '1500',
  EVERJUST_JOB_HEARTBEAT_MS: '300',
  EVERJUST_OFFLINE_DELTA_INTERVAL_MS: '40',
  EVERJUST_WORKER_POLL_INTERVAL_MS: '100',
  // Test mode's own preview (served by the API), so the rescued session runs the whole pipeline.
  EVERJUST_SANDBOX: 'static',
  // PostgreSQL mode: every process is given the same secret (nothing is made in a data dir).
  EVERJUST_SECRET: 'worker-crash-test-secret-0123456789abcdef',
};
const postgres = databaseTargets().find((target) => target.kind === 'postgres')!;

describe.skipIf(Boolean(postgres.skip))(`a worker that stalls or dies mid-job${postgres.skip ? ` (${postgres.skip})` : ''}`, () => {
  let database: TestDatabase;
  let platform: TestPlatform;
  let tenant: TestTenant;
  const processes: RunningProcess[] = [];
  let rescuer: Worker | undefined;

  beforeAll(async () => {
    database = await postgres.open();
    platform = await startTestPlatform(database, { worker: false, environment: SHARED });
    tenant = await createTestTenant(database);
  });
  /** Whatever happened, no worker process outlives its test (nor takes the next test's job). */
  async function killWorkerProcesses() {
    for (const running of processes) {
      if (running.child.exitCode === null && running.child.signalCode === null) {
        running.child.kill('SIGKILL');
        await running.exited;
      }
    }
  }
  afterEach(async () => {
    await killWorkerProcesses();
    await rescuer?.stop(0);
    rescuer = undefined;
  });
  afterAll(async () => {
    await killWorkerProcesses();
    await rescuer?.stop(0);
    await platform?.stop();
    await database?.close();
  });

  /** A standalone worker process (`worker/src/main.ts`) on the test database, with short leases. */
  async function startWorkerProcess(): Promise<RunningProcess> {
    const running = startTypeScript(
      'worker/src/main.ts',
      [],
      childEnvironment({ DATABASE_URL: database.url, EVERJUST_LOG_LEVEL: 'info', ...SHARED }),
    );
    processes.push(running);
    await running.waitFor(/"msg":"worker started"/, 30_000, 'stderr');
    return running;
  }

  /** A second worker, in this process, with the same short lease. */
  async function startRescuer(): Promise<Worker> {
    const config = loadConfig({ ...FAST, ...SHARED });
    rescuer = await startWorker({ prisma: database.prisma, pubsub: platform.pubsub, config, logger: createLogger({ level: 'silent' }), workerId: 'rescuer' });
    return rescuer;
  }

  /** A session on a project of its own (each session's snapshot is then its project's files). */
  async function startSession(prompt: string): Promise<string> {
    const project = await graphql(platform.app, tenant.test, 'mutation { createProject(input: { name: "Crash" }) { id } }');
    const started = await graphql(platform.app, tenant.test, `mutation($input: StartSessionInput!) { startSession(input: $input) { id } }`, {
      input: { projectId: project.data.createProject.id, prompt },
    });
    expect(started.errors).toBeUndefined();
    return decodeIdOf('Session', started.data.startSession.id)!;
  }

  const events = (sessionId: string) => database.prisma.sessionEvent.findMany({ where: { sessionId }, orderBy: { seq: 'asc' } });
  const jobOf = (sessionId: string) => database.prisma.job.findFirstOrThrow({ where: { sessionId } });

  async function until<T>(what: string, read: () => Promise<T>, done: (value: T) => boolean, timeoutMs = 20_000): Promise<T> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const value = await read();
      if (done(value)) return value;
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
      await sleep(20);
    }
  }

  /**
   * Waits until the process worker holds the sessions' jobs and, in each, is streaming model text
   * (the last event a `text_delta`, so text is pending when it is frozen), and has not ended any.
   */
  async function waitUntilMidJob(sessionIds: string[], worker: RunningProcess) {
    await until(
      'the worker process to be part-way through the sessions',
      () => Promise.all(sessionIds.map(async (sessionId) => ({ job: await jobOf(sessionId), events: await events(sessionId) }))),
      (sessions) =>
        sessions.every(({ job, events }) => {
          if (events.some((event) => event.type === 'done')) throw new Error('a session ended before the worker could be stopped');
          return Boolean(job.lockedBy?.includes(`:${worker.child.pid}:`)) && events.length >= 4 && events.at(-1)!.type === 'text_delta';
        }),
    );
  }

  /** Everything that the stalled worker must not change any more. */
  async function state(sessionId: string) {
    const session = await database.prisma.session.findUniqueOrThrow({ where: { id: sessionId } });
    const projectFiles = await database.prisma.projectFile.findMany({ where: { projectId: session.projectId }, orderBy: { path: 'asc' } });
    const sessionFiles = await database.prisma.sessionFile.findMany({ where: { sessionId }, orderBy: { path: 'asc' } });
    const sandbox = await database.prisma.sandbox.findUnique({ where: { projectId: session.projectId } });
    return {
      sandbox: sandbox && { status: sandbox.status, externalId: sandbox.externalId, previewUrl: sandbox.previewUrl, syncedFiles: sandbox.syncedFiles, updatedAt: sandbox.updatedAt },
      session: { status: session.status, lastSeq: session.lastSeq, endedAt: session.endedAt, usage: session.usage, error: session.error, updatedAt: session.updatedAt },
      job: await jobOf(sessionId),
      events: (await events(sessionId)).map((event) => ({ seq: event.seq, type: event.type, attempt: event.attempt, payload: event.payload })),
      projectFiles: projectFiles.map((file) => ({ path: file.path, sha: file.sha, size: file.size, updatedAt: file.updatedAt })),
      sessionFiles: sessionFiles.map((file) => ({ path: file.path, sha: file.sha })),
    };
  }

  /** The session was finished by the second attempt, cleanly. */
  async function expectFinishedByRescuer(sessionId: string) {
    const finished = await until(
      'the rescuer to finish the session',
      () => database.prisma.session.findUniqueOrThrow({ where: { id: sessionId } }),
      (session) => !['queued', 'running'].includes(session.status),
      30_000,
    );
    expect(finished.status).toBe('succeeded');
    const current = await state(sessionId);
    // Taken over once (on a starved machine a run can also lose its lease to a slow heartbeat: one more attempt, still correct).
    expect(current.job).toMatchObject({ status: 'succeeded', lockedBy: null });
    const last = current.job.attempts;
    expect(last).toBeGreaterThanOrEqual(2);
    // Seqs 1..N with no gap or repeat, and the session's counter at N.
    expect(current.events.map((event) => event.seq)).toEqual(current.events.map((_, index) => index + 1));
    expect(current.session.lastSeq).toBe(current.events.length);
    // Exactly one `done`, last, written by the last attempt.
    expect(current.events.filter((event) => event.type === 'done')).toHaveLength(1);
    expect(current.events.at(-1)).toMatchObject({ type: 'done', attempt: last, payload: { status: 'succeeded' } });
    // No interleaving: the API's event, then the first attempt's, then only later ones, in order.
    const attempts = current.events.map((event) => event.attempt);
    expect(attempts).toEqual([...attempts].sort((a, b) => a - b));
    expect(attempts[0]).toBe(0);
    expect(attempts.includes(1)).toBe(true);
    // All three files were written, once each: by the attempt that was cut short if it had stored
    // that round, else by the one that resumed it; and the snapshot is the project's files.
    const written = current.events.filter((event) => event.type === 'file_written').map((event) => (event.payload as { path: string }).path);
    expect(written.sort()).toEqual(['app.js', 'index.html', 'styles.css']);
    expect(current.projectFiles.map((file) => file.path)).toEqual(['app.js', 'index.html', 'styles.css']);
    expect(current.sessionFiles).toEqual(current.projectFiles.map((file) => ({ path: file.path, sha: file.sha })));
    // The preview step ran on the last attempt, before `done`.
    expect(current.events.filter((event) => event.type === 'preview_ready').at(-1)).toMatchObject({ attempt: last });
    expect(current.sandbox).toMatchObject({ status: 'running' });
    return current;
  }

  it('a frozen worker loses its jobs to another after the lease, and when it wakes writes nothing and keeps running', async () => {
    const frozen = await startWorkerProcess();
    // Two sessions at once on the frozen worker: two runs that must stay fenced out when it wakes.
    const sessionIds = [await startSession('Build a todo list app'), await startSession('A notes app')];
    await waitUntilMidJob(sessionIds, frozen);

    frozen.child.kill('SIGSTOP');
    const frozenAt = Date.now();
    const before = await Promise.all(sessionIds.map((sessionId) => state(sessionId)));
    for (const { job } of before) {
      expect(job.status).toBe('running');
      expect(job.lockedBy).toContain(`:${frozen.child.pid}:`);
    }

    await startRescuer();
    const finished = await Promise.all(sessionIds.map((sessionId) => expectFinishedByRescuer(sessionId)));
    for (const [index, sessionId] of sessionIds.entries()) {
      // The rescuer could only take the job once the frozen worker's lease had run out.
      const takeover = finished[index]!.events.find((event) => event.attempt > before[index]!.job.attempts)!;
      const takeoverAt = (await database.prisma.sessionEvent.findUniqueOrThrow({ where: { sessionId_seq: { sessionId, seq: takeover.seq } } })).createdAt;
      expect(takeoverAt.getTime()).toBeGreaterThanOrEqual(before[index]!.job.lockedUntil!.getTime());
      // What the frozen worker wrote before it stalled is kept as it was.
      expect(finished[index]!.events.slice(0, before[index]!.events.length)).toEqual(before[index]!.events);
    }

    // Wake it: it must leave everything as the rescuer left it…
    frozen.child.kill('SIGCONT');
    await sleep(2_000);
    expect(await Promise.all(sessionIds.map((sessionId) => state(sessionId)))).toEqual(finished);
    expect(Date.now() - frozenAt).toBeGreaterThan(1_500);
    // …having noticed that it lost the lease, and still be there for other jobs (a lost lease ends
    // that job's run, not the process and whatever else it was running).
    expect(frozen.child.exitCode, `the woken worker exited:\n${frozen.stderr()}`).toBeNull();
    expect(frozen.child.signalCode).toBeNull();
    await frozen.waitFor(/lost the lease/, 5_000, 'stderr');
  });

  it('a killed worker\'s job is finished by another after the lease', async () => {
    const killed = await startWorkerProcess();
    const sessionId = await startSession('A counter');
    await waitUntilMidJob([sessionId], killed);

    killed.child.kill('SIGKILL');
    await killed.exited;
    const before = await state(sessionId);
    await startRescuer();
    const finished = await expectFinishedByRescuer(sessionId);
    expect(finished.events.slice(0, before.events.length)).toEqual(before.events);
    // The rescuer streamed the interrupted round again but wrote only what the log did not have yet.
    expect(textOf(finished.events)).toBe(await referenceText('A counter'));
  });

  const textOf = (events: Array<{ type: string; payload: unknown }>) =>
    events.filter((event) => event.type === 'text_delta').map((event) => (event.payload as { text: string }).text).join('');
  const answerOf = (sessionId: string, answer: string) =>
    graphql(platform.app, tenant.test, 'mutation($input: AnswerSessionInput!) { answerSession(input: $input) { status } }', { input: { sessionId: encodeId('Session', sessionId), answer } });

  /** The text of an uninterrupted session with this prompt (and answer), run by the rescuer: the offline generator is deterministic. */
  async function referenceText(prompt: string, answer?: string): Promise<string> {
    const sessionId = await startSession(prompt);
    if (answer) {
      await until('the reference session to ask', () => database.prisma.session.findUniqueOrThrow({ where: { id: sessionId } }), (session) => session.status === 'waiting_for_input', 30_000);
      expect((await answerOf(sessionId, answer)).errors).toBeUndefined();
    }
    const current = await until('the reference session to end', () => state(sessionId), (now) => ['succeeded', 'failed', 'cancelled'].includes(now.session.status), 30_000);
    expect(current.session.status).toBe('succeeded');
    return textOf(current.events);
  }

  it('a worker killed mid-conversation: the next one continues from the stored rounds, writing no text twice and no file again', async () => {
    const killed = await startWorkerProcess();
    const sessionId = await startSession('A todo list');
    // Killed in the second round: the files are written (round one is stored) and its summary is streaming.
    await until(
      'the worker to stream the second round',
      () => events(sessionId),
      (log) => {
        if (log.some((event) => event.type === 'done')) throw new Error('the session ended before the worker could be killed');
        const lastFile = log.findLastIndex((event) => event.type === 'file_written');
        return log.filter((event) => event.type === 'file_written').length === 3 && log.slice(lastFile + 1).some((event) => event.type === 'text_delta') && log.at(-1)!.type === 'text_delta';
      },
    );
    killed.child.kill('SIGKILL');
    await killed.exited;
    const before = await state(sessionId);
    expect(await database.prisma.sessionMessage.count({ where: { sessionId } })).toBe(2);

    await startRescuer();
    const finished = await until('the rescuer to finish', () => state(sessionId), (current) => !['queued', 'running'].includes(current.session.status), 30_000);
    expect(finished.session.status).toBe('succeeded');
    expect(finished.events.slice(0, before.events.length)).toEqual(before.events);
    expect(finished.job.attempts).toBeGreaterThanOrEqual(2);
    // Round one was not asked again: its files were written once, by the first attempt, and are whole.
    const writes = finished.events.filter((event) => event.type === 'file_written');
    expect(writes.map((event) => event.attempt)).toEqual([1, 1, 1]);
    const reference = await referenceText('A todo list');
    expect(textOf(finished.events)).toBe(reference);
    const referenceSession = await database.prisma.session.findFirstOrThrow({ where: { tenantId: tenant.id, prompt: 'A todo list', NOT: { id: sessionId } }, orderBy: { createdAt: 'desc' } });
    const referenceFiles = await database.prisma.sessionFile.findMany({ where: { sessionId: referenceSession.id }, orderBy: { path: 'asc' } });
    expect(finished.sessionFiles).toEqual(referenceFiles.map((file) => ({ path: file.path, sha: file.sha })));
    // The whole conversation is stored: both rounds and the final one.
    expect((await database.prisma.sessionMessage.findMany({ where: { sessionId }, orderBy: { seq: 'asc' } })).map((message) => message.role)).toEqual(['assistant', 'user', 'assistant']);
  });

  it('a worker killed while its session waits for an answer: the answer resumes it on another, with no text twice', async () => {
    const killed = await startWorkerProcess();
    const sessionId = await startSession('A timer #ask');
    await until('the session to ask', () => database.prisma.session.findUniqueOrThrow({ where: { id: sessionId } }), (session) => session.status === 'waiting_for_input', 30_000);
    // Nothing holds the job while it waits: the worker that asked can die without a lease to expire.
    expect(await jobOf(sessionId)).toMatchObject({ status: 'waiting', lockedBy: null });
    killed.child.kill('SIGKILL');
    await killed.exited;

    expect((await answerOf(sessionId, 'Dark theme')).errors).toBeUndefined();
    await startRescuer();
    const finished = await until('the rescuer to finish', () => state(sessionId), (current) => !['queued', 'running', 'waiting_for_input'].includes(current.session.status), 30_000);
    expect(finished.session.status).toBe('succeeded');
    expect(finished.events.filter((event) => event.type === 'question')).toHaveLength(1);
    expect(textOf(finished.events)).toBe(await referenceText('A timer #ask', 'Dark theme'));
    expect(finished.projectFiles.map((file) => file.path)).toEqual(['app.js', 'index.html', 'styles.css']);
    expect(finished.sessionFiles).toEqual(finished.projectFiles.map((file) => ({ path: file.path, sha: file.sha })));
  });
});
