import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import {
  claimJobs,
  completeJob,
  expireUnansweredQuestions,
  failJob,
  failSessionWorkerLost,
  hasAttemptsLeft,
  jobsReadyChannel,
  LeaseLostError,
  markExpiredJobsDead,
  publishEvents,
  releaseJob,
  renewLease,
  sessionCancelChannel,
  waitForAnswerFenced,
  type SessionEvent,
  type ClaimedJob,
  type Session,
  type Config,
  type Logger,
  type PrismaClient,
  type Metrics,
  type PubSub,
  priceTable,
} from '@everjust/core';
import type { LlmProvider } from './llm/llm-provider.js';
import { cleanupSandboxes } from './sandbox/sandbox-manager.js';
import type { SandboxSelector } from './sandbox/select-sandbox.js';
import { EventAppender } from './event-appender.js';
import { SessionWriter } from './session-writer.js';
import type { TaskHandler, TaskOutcome } from './tasks/task.js';
import { classifyWorkerError } from './worker-error.js';

export interface WorkerOptions {
  prisma: PrismaClient;
  pubsub: PubSub;
  config: Config;
  logger: Logger;
  /** Task handlers by job kind. */
  tasks: Record<string, TaskHandler>;
  /** Handlers of jobs without a session (housekeeping such as stopping a sandbox), by kind. */
  maintenance?: Record<string, MaintenanceHandler>;
  /** Loops that run beside the job runner and stop with it (the webhook deliverer). */
  background?: Array<{ start(): void; stop(): Promise<void> }>;
  /** The model for a session's mode (test mode: the offline generator). */
  llmFor(mode: 'live' | 'test'): LlmProvider;
  /** Where sessions' apps run (test mode: the static preview); none: previews off. */
  sandboxes?: SandboxSelector;
  /** How often an idle worker looks for jobs it was not told about (ms). */
  pollIntervalMs?: number;
  workerId?: string;
  /** Job durations and model tokens are recorded here when given. */
  metrics?: Metrics;
}

/** A job with no session: it succeeds when the handler returns, and is retried when it throws. */
export type MaintenanceHandler = (job: ClaimedJob, helpers: { prisma: PrismaClient; sandboxes?: SandboxSelector; logger: Logger }) => Promise<void>;

interface RunningJob {
  job: ClaimedJob;
  controller: AbortController;
  done: Promise<void>;
}

type AbortReason = 'cancelled' | 'lease-lost' | 'shutdown';

/** How a job's run ended, as `release` settled it (also the job-duration metric's label). */
type JobOutcome = 'succeeded' | 'cancelled' | 'released' | 'waiting' | 'retrying' | 'failed' | 'lease_lost';

/** A run's result: the task's outcome, or what it threw. */
type RunResult = { outcome: TaskOutcome } | { error: unknown };

/** Jobs claimed per statement at most. */
const CLAIM_BATCH = 20;

/**
 * The job runner: claims jobs up to its concurrency, keeps their leases alive, listens for cancels,
 * and always ends or releases the job it took ("MUST release the job", graphile-worker).
 */
export class Worker {
  readonly id: string;
  private readonly running = new Map<string, RunningJob>();
  private stopping = false;
  private filling = false;
  private refill = false;
  private timers: NodeJS.Timeout[] = [];
  private unsubscribers: Array<() => Promise<void>> = [];
  /** One for all the jobs this worker runs, so their events share statements. */
  private readonly appender: EventAppender;

  constructor(private readonly options: WorkerOptions) {
    this.id = options.workerId ?? `${hostname()}:${process.pid}:${randomUUID().slice(0, 8)}`;
    this.appender = new EventAppender(options.prisma);
  }

  async start(): Promise<void> {
    const { pubsub } = this.options;
    this.unsubscribers.push(await pubsub.subscribe(jobsReadyChannel, () => void this.fill()));
    this.unsubscribers.push(
      await pubsub.subscribe(sessionCancelChannel, (sessionId) => {
        for (const running of this.running.values()) {
          if (running.job.sessionId === sessionId) running.controller.abort('cancelled' satisfies AbortReason);
        }
      }),
    );
    const poll = this.options.pollIntervalMs ?? this.options.config.jobs.pollIntervalMs;
    this.timers.push(setInterval(() => void this.fill(), poll));
    this.timers.push(setInterval(() => void this.reapExpired(), Math.max(poll, this.options.config.jobs.leaseMs / 2)));
    this.timers.push(setInterval(() => void this.cleanup(), this.options.config.sandboxes.cleanupIntervalMs));
    for (const service of this.options.background ?? []) service.start();
    void this.fill();
  }

  /** Stops claiming; running jobs get `graceMs` to finish, then are aborted and released for another worker. */
  async stop(graceMs = this.options.config.shutdownGraceMs): Promise<void> {
    this.stopping = true;
    for (const timer of this.timers) clearInterval(timer);
    await Promise.all(this.unsubscribers.map((unsubscribe) => unsubscribe().catch(() => undefined)));
    const all = Promise.all([...this.running.values()].map((running) => running.done));
    const timedOut = await Promise.race([all.then(() => false), new Promise<boolean>((resolve) => setTimeout(() => resolve(true), graceMs).unref())]);
    if (timedOut) {
      for (const running of this.running.values()) running.controller.abort('shutdown' satisfies AbortReason);
      await all;
    }
    await Promise.all((this.options.background ?? []).map((service) => service.stop()));
    await this.options.sandboxes?.close();
  }

  get activeJobs(): number {
    return this.running.size;
  }

  /** Claims jobs while there is room. Re-entrant calls collapse into one more pass. */
  private async fill(): Promise<void> {
    if (this.filling) {
      this.refill = true;
      return;
    }
    this.filling = true;
    try {
      do {
        this.refill = false;
        const kinds = [...Object.keys(this.options.tasks), ...Object.keys(this.options.maintenance ?? {})];
        while (!this.stopping && this.running.size < this.options.config.jobs.concurrency) {
          // As many as there is room for, a bounded number per statement.
          const room = Math.min(this.options.config.jobs.concurrency - this.running.size, CLAIM_BATCH);
          const jobs = await claimJobs(this.options.prisma, this.id, kinds, this.options.config.jobs.leaseMs, room);
          for (const job of jobs) this.launch(job);
          if (jobs.length < room) break;
        }
      } while (this.refill && !this.stopping);
    } catch (error) {
      this.options.logger.error({ err: error, workerId: this.id }, 'could not claim jobs');
    } finally {
      this.filling = false;
    }
  }

  private launch(job: ClaimedJob): void {
    // This worker stalled past its lease and took its own job back: the stale run must stop.
    this.running.get(job.id)?.controller.abort('lease-lost' satisfies AbortReason);
    const controller = new AbortController();
    const running: RunningJob = { job, controller, done: Promise.resolve() };
    this.running.set(job.id, running);
    running.done = this.runJob(job, controller)
      .catch((error: unknown) => this.options.logger.error({ err: error, jobId: job.id }, 'job runner failed'))
      .finally(() => {
        if (this.running.get(job.id) === running) this.running.delete(job.id);
        if (!this.stopping) void this.fill();
      });
  }

  /**
   * One job, start to end: run it, then release it, whatever the run did (graphile-worker's "MUST
   * release the job"): ended, retried, given back to the queue, or left to the worker that took over
   * its lease. Nothing else ends a job this worker took.
   */
  private async runJob(job: ClaimedJob, controller: AbortController): Promise<void> {
    const logger = this.options.logger.child({ jobId: job.id, sessionId: job.sessionId, attempt: job.attempts, workerId: this.id });
    const maintenance = this.options.maintenance?.[job.kind];
    if (maintenance && !job.sessionId) return this.runMaintenance(job, maintenance, logger);
    const { prisma } = this.options;
    const session = job.sessionId ? await prisma.session.findUnique({ where: { id: job.sessionId } }) : null;
    if (!session) {
      await failJob(prisma, job.id, this.id, 'the job has no session', { retryable: false, backoffBaseMs: 0, attempt: job.attempts });
      return;
    }
    const lease = { jobId: job.id, workerId: this.id, attempt: job.attempts };
    const writer = new SessionWriter({ prisma, pubsub: this.options.pubsub, logger, session, lease, appender: this.appender, prices: priceTable(this.options.config.modelPrices) });
    const heartbeat = this.keepLease(job, session.id, controller, logger);
    const started = Date.now();
    let outcome: JobOutcome = 'failed';
    try {
      let run: RunResult;
      try {
        run = { outcome: await this.runSession(job, session, writer, controller, logger) };
      } catch (error) {
        run = { error };
      }
      // MUST release the job.
      outcome = await this.release(job, writer, controller.signal, run, logger);
      if (outcome === 'succeeded') logger.info({ durationMs: Date.now() - started }, 'session succeeded');
    } finally {
      clearInterval(heartbeat);
      this.options.metrics?.jobDuration.observe({ kind: job.kind, outcome }, (Date.now() - started) / 1000);
      this.options.metrics?.modelTokens.inc({ direction: 'input', mode: session.mode }, writer.usage.inputTokens);
      this.options.metrics?.modelTokens.inc({ direction: 'output', mode: session.mode }, writer.usage.outputTokens);
    }
  }

  /** A job with no session: completed when its handler returns, failed (and retried) when it throws. */
  private async runMaintenance(job: ClaimedJob, handler: MaintenanceHandler, logger: Logger): Promise<void> {
    const { prisma, config } = this.options;
    try {
      await handler(job, { prisma, sandboxes: this.options.sandboxes, logger });
    } catch (error) {
      logger.warn({ err: error }, 'maintenance job failed');
      await failJob(prisma, job.id, this.id, (error as Error).message, { retryable: true, backoffBaseMs: config.jobs.backoffBaseMs, attempt: job.attempts });
      return;
    }
    await completeJob(prisma, job.id, this.id, 'succeeded', job.attempts);
  }

  /** The heartbeat renews the lease and reads the cancel flag, for a worker that missed the message. */
  private keepLease(job: ClaimedJob, sessionId: string, controller: AbortController, logger: Logger): NodeJS.Timeout {
    const { prisma, config } = this.options;
    return setInterval(async () => {
      try {
        if (!(await renewLease(prisma, job.id, this.id, config.jobs.leaseMs, job.attempts))) controller.abort('lease-lost' satisfies AbortReason);
        else if ((await prisma.session.findUnique({ where: { id: sessionId }, select: { cancelRequestedAt: true } }))?.cancelRequestedAt) {
          controller.abort('cancelled' satisfies AbortReason);
        }
      } catch (error) {
        logger.warn({ err: error }, 'heartbeat failed');
      }
    }, config.jobs.heartbeatMs);
  }

  /** The session's work: its start (`running`, once), then the task of its kind, to its last pending write. */
  private async runSession(job: ClaimedJob, session: Session, writer: SessionWriter, controller: AbortController, logger: Logger): Promise<TaskOutcome> {
    const { prisma, config } = this.options;
    const { signal } = controller;
    if (session.cancelRequestedAt) controller.abort('cancelled' satisfies AbortReason);
    const llm = this.options.llmFor(session.mode);
    const model = session.model ? undefined : `${llm.name}/${llm.model}`;
    if (session.status === 'queued' && session.startedAt) {
      // Resumed after its end user's answer: running again, but session.started was raised once already.
      await writer.appendWithChange({ type: 'status', payload: { status: 'running', step: 'resumed' } }, { status: 'running', model });
    } else if (session.status === 'queued') {
      // session.started, once: the event, the status, its start and the model in one statement.
      await writer.appendWithChange({ type: 'status', payload: { status: 'running' } }, { status: 'running', stamp: true, model });
    } else if (model) {
      await prisma.session.update({ where: { id: session.id }, data: { model } });
    }
    const handler = this.options.tasks[job.kind];
    signal.throwIfAborted();
    const sandbox = this.options.sandboxes?.forMode(session.mode) ?? null;
    const outcome = await handler({ job, session, writer, signal, logger, prisma, pubsub: this.options.pubsub, config, llm, sandbox });
    await writer.drain();
    return outcome;
  }

  /**
   * What a run means for its session and job, written once: succeeded; cancelled; given back to the
   * queue (shutdown); retried or failed (an error the job raised: its attempts budget); or nothing at
   * all when the lease was lost (another worker owns the job now; the lost lease is counted when it
   * takes over, against the job's lost-lease budget, not its attempts).
   */
  private async release(job: ClaimedJob, writer: SessionWriter, signal: AbortSignal, run: RunResult, logger: Logger): Promise<JobOutcome> {
    const reason = signal.aborted ? (signal.reason as AbortReason) : undefined;
    try {
      if ('outcome' in run && run.outcome.waiting && !reason) {
        return await this.waitForAnswer(job, writer, run.outcome.waiting);
      }
      if ('outcome' in run && !run.outcome.waiting) {
        try {
          await writer.finish('succeeded', { result: run.outcome.result });
          return 'succeeded';
        } catch (error) {
          if (error instanceof LeaseLostError) throw error;
          run = { error }; // the end could not be written: a failure like any other
        }
      }
      if ('outcome' in run) run = { error: new Error('the run was stopped while it asked a question') }; // aborted: settled below by its reason
      if (run.error instanceof LeaseLostError || reason === 'lease-lost') throw new LeaseLostError(job.id);
      if (reason === 'cancelled') {
        writer.abandon();
        await writer.finish('cancelled');
        return 'cancelled';
      }
      if (reason === 'shutdown') {
        writer.abandon();
        const released = await writer.endAttempt('released', { end: (tx) => releaseJob(tx, { jobId: job.id, workerId: this.id, attempt: job.attempts }) });
        if (!released) throw new LeaseLostError(job.id);
        return 'released';
      }
      const { code, message, retryable } = classifyWorkerError(run.error);
      logger.warn({ err: run.error, code, retryable }, 'session step failed');
      await writer.drain().catch(() => undefined);
      if (retryable && hasAttemptsLeft(job)) {
        await writer.append({ type: 'error', payload: { code, message, retryable: true } });
        const retried = await writer.endAttempt('retrying', {
          errorCode: code,
          end: async (tx) =>
            (await failJob(tx, job.id, this.id, message, { retryable: true, backoffBaseMs: this.options.config.jobs.backoffBaseMs, attempt: job.attempts })) !== 'lost',
        });
        if (!retried) throw new LeaseLostError(job.id);
        return 'retrying';
      }
      await writer.append({ type: 'error', payload: { code, message } });
      await writer.finish('failed', { error: { code, message } });
      return 'failed';
    } catch (error) {
      if (!(error instanceof LeaseLostError)) throw error;
      writer.abandon(); // another worker owns the job now: write nothing more to the session
      // Its tokens were spent all the same: recorded (once, not billed), or the usage would vanish.
      await writer.endAttempt('lease_lost').catch((err: unknown) => logger.warn({ err }, 'could not record the usage of an attempt that lost its lease'));
      logger.warn('lost the lease; leaving the job to its new owner');
      return 'lease_lost';
    }
  }

  /**
   * The model asked its end user a question: the `question` event, the session `waiting_for_input`
   * and the job `waiting` (no worker holds it) in one fenced statement, with this attempt's usage in
   * the same transaction. The answer queues the job again (answerSession); a question unanswered past
   * EVERJUST_QUESTION_TTL_MS ends the session cancelled (reapExpired).
   */
  private async waitForAnswer(job: ClaimedJob, writer: SessionWriter, question: NonNullable<TaskOutcome['waiting']>): Promise<JobOutcome> {
    await writer.drain();
    const askedAt = new Date();
    const pending = { ...question, askedAt: askedAt.toISOString(), expiresAt: new Date(askedAt.getTime() + this.options.config.jobs.questionTtlMs).toISOString() };
    let asked: SessionEvent | undefined;
    await writer.endAttempt('waiting', {
      end: async (tx) => {
        asked = await waitForAnswerFenced(tx, job.sessionId!, { jobId: job.id, workerId: this.id, attempt: job.attempts }, pending);
        return true;
      },
    });
    if (asked) await publishEvents(this.options.pubsub, [asked]).catch(() => undefined);
    return 'waiting';
  }

  /** Idle sandboxes stopped, stopped ones deleted, per the tiers. */
  async cleanup(now = new Date()) {
    return cleanupSandboxes(this.options.prisma, (name) => this.options.sandboxes?.byName(name), this.options.logger, now);
  }

  /** Jobs that lost their worker as often as their budget allows are dead; their sessions end as failed (WORKER_LOST). */
  private async reapExpired(): Promise<void> {
    try {
      const dead = await markExpiredJobsDead(this.options.prisma);
      for (const job of dead) {
        if (!job.sessionId) continue;
        const message = `The workers running this session stopped responding ${job.leaseLosses} times: the session was given up`;
        const done = await failSessionWorkerLost(this.options.prisma, job.sessionId, message);
        // Unheard (Redis down), the stream still reads the done from the log; the next dead job must not wait on it.
        if (done) await publishEvents(this.options.pubsub, [done]).catch(() => undefined);
      }
      // Questions nobody answered in time: their sessions end cancelled (QUESTION_EXPIRED).
      const expired = await expireUnansweredQuestions(this.options.prisma, this.options.config.jobs.questionTtlMs);
      if (expired.length > 0) await publishEvents(this.options.pubsub, expired).catch(() => undefined);
    } catch (error) {
      this.options.logger.warn({ err: error }, 'could not reap expired jobs');
    }
  }
}

