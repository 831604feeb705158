import {
  appendFencedEvent,
  costMicros,
  isBillable,
  recordAttemptUsage,
  recordUsage,
  type AttemptOutcome,
  type PriceTable,
  LeaseLostError,
  EMPTY_USAGE,
  publishEvents,
  endSessionFenced,
  writeProjectFileFenced,
  writeImportedFilesFenced,
  type ImportedFile,
  type FileLimits,
  type StoredFile,
  type Lease,
  type Logger,
  type NewSessionEvent,
  type Prisma,
  type PrismaClient,
  type PubSub,
  type Session,
  type SessionEndStatus,
  type SessionChange,
  type SessionEvent,
  type SessionUsage,
} from '@everjust/core';
import type { EventAppender } from './event-appender.js';

export interface SessionWriterOptions {
  prisma: PrismaClient;
  pubsub: PubSub;
  logger: Logger;
  /** The session written to; its owner and kind decide where usage is recorded. */
  session: Pick<Session, 'id' | 'tenantId' | 'mode' | 'projectId' | 'externalUserId' | 'kind'>;
  lease: Lease;
  /** Writes this writer's plain appends together with other sessions' (the worker's group commit); without it, one statement each. */
  appender?: EventAppender;
  /** Model prices (config's overrides on the defaults); the defaults when absent. */
  prices?: PriceTable;
  /** Text deltas are coalesced: at most one row per this many ms (default 50). */
  coalesceMs?: number;
}

/**
 * Everything a task writes to its session goes through here: events in order, fenced by the job's
 * lease, published once committed; model text coalesced so a fast model does not write a row per
 * token; and the session's end (done event, status, snapshot, usage, job) written in one statement.
 */
export class SessionWriter {
  private pendingText = '';
  private lastTextWrite = 0;
  private textTimer: NodeJS.Timeout | undefined;
  /** Appends run one after another, so seqs follow the order of the calls. */
  private chain: Promise<unknown> = Promise.resolve();
  private failure: unknown;
  readonly usage: SessionUsage = { ...EMPTY_USAGE };
  private billing: { model: string | null; byok: boolean } = { model: null, byok: false };
  /** No more text is taken: the run was aborted (its partial text is dropped) or has ended. */
  private textClosed = false;

  constructor(private readonly options: SessionWriterOptions) {}

  /** Model text; written as a `text_delta` row at most every `coalesceMs`. */
  text(delta: string): void {
    if (!delta || this.textClosed) return;
    this.pendingText += delta;
    if (this.textTimer) return;
    const coalesceMs = this.options.coalesceMs ?? 50;
    const wait = Math.max(0, this.lastTextWrite + coalesceMs - Date.now());
    this.textTimer = setTimeout(() => {
      this.textTimer = undefined;
      // A failed write (a lost lease) is kept in `failure` and rethrown by drain(); from a timer it
      // must not become an unhandled rejection, which would end the whole worker process.
      this.flushText().catch(() => undefined);
    }, wait);
  }

  /** Appends one event (after any pending text) and resolves once it is written. */
  async append(event: NewSessionEvent): Promise<SessionEvent> {
    await this.flushText();
    return this.enqueue(() => this.write(event));
  }

  /** Appends an event together with a change to the session row (its start), in one fenced statement. */
  async appendWithChange(event: NewSessionEvent, change: SessionChange): Promise<SessionEvent> {
    await this.flushText();
    return this.enqueue(async () => {
      const written = await appendFencedEvent(this.options.prisma, this.options.session.id, this.options.lease, event, { session: change });
      await this.publish([written]);
      return written;
    });
  }

  /**
   * Runs `work` and appends the event it returns in one transaction that checks the lease: a change
   * (a file deleted) and its event happen together or not at all, so a worker that lost its lease
   * can change nothing.
   */
  async transact<T>(work: (tx: Prisma.TransactionClient) => Promise<{ event: NewSessionEvent; value: T }>): Promise<T> {
    const { prisma, session, lease } = this.options;
    return this.writeRefusable(() =>
      prisma.$transaction(async (tx) => {
        const result = await work(tx);
        return { event: await appendFencedEvent(tx, session.id, lease, result.event), value: result.value };
      }),
    );
  }

  /** Writes one project file and its `file_written` event in one fenced statement. */
  async writeFile(file: { path: string; content: string }, limits: FileLimits): Promise<StoredFile> {
    const { prisma, session, lease } = this.options;
    return this.writeRefusable(async () => {
      const { stored, event } = await writeProjectFileFenced(prisma, { sessionId: session.id, lease, projectId: session.projectId, file, limits });
      return { event, value: stored };
    });
  }

  /**
   * Writes a batch of imported files and their `file_written` events in one fenced transaction (two
   * statements, whatever the batch's size), then publishes the events.
   */
  async writeImportedFiles(files: readonly ImportedFile[]): Promise<void> {
    const { prisma, session, lease } = this.options;
    await this.flushText();
    const events = await this.enqueue(() => prisma.$transaction((tx) => writeImportedFilesFenced(tx, { sessionId: session.id, lease, projectId: session.projectId, files })));
    await this.publish(events);
  }

  /**
   * A fenced write in its turn, then its event published. The write's own refusals (a bad path from
   * the model, the project's file limit) write nothing and go to the caller; unlike a lost lease,
   * they do not mark the writer as failed.
   */
  private async writeRefusable<T>(write: () => Promise<{ event: SessionEvent; value: T }>): Promise<T> {
    await this.flushText();
    const outcome = await this.enqueue(() =>
      write().catch((error: unknown) => (error instanceof LeaseLostError ? Promise.reject(error) : { refused: error })),
    );
    if ('refused' in outcome) throw outcome.refused;
    await this.publish([outcome.event]);
    return outcome.value;
  }

  addUsage(usage: Partial<SessionUsage>): void {
    this.usage.inputTokens += usage.inputTokens ?? 0;
    this.usage.outputTokens += usage.outputTokens ?? 0;
    this.usage.cacheWriteTokens = (this.usage.cacheWriteTokens ?? 0) + (usage.cacheWriteTokens ?? 0);
    this.usage.cacheReadTokens = (this.usage.cacheReadTokens ?? 0) + (usage.cacheReadTokens ?? 0);
    this.usage.sandboxSeconds += usage.sandboxSeconds ?? 0;
    this.usage.costMicros = costMicros(this.usage, this.billing.model, this.options.prices);
  }

  /**
   * Takes what was used since `since` (a copy of `usage` taken earlier) out of what the session is
   * billed for, and records it as non-billable usage of the tenant (a repair round that did not help):
   * the tokens are counted, not charged. The session's own usage (`done`) then leaves them out.
   */
  async moveToNonBillable(since: SessionUsage): Promise<void> {
    const { prisma, session } = this.options;
    const delta = {
      inputTokens: this.usage.inputTokens - since.inputTokens,
      outputTokens: this.usage.outputTokens - since.outputTokens,
      cacheWriteTokens: (this.usage.cacheWriteTokens ?? 0) - (since.cacheWriteTokens ?? 0),
      cacheReadTokens: (this.usage.cacheReadTokens ?? 0) - (since.cacheReadTokens ?? 0),
      sandboxSeconds: this.usage.sandboxSeconds - since.sandboxSeconds,
      costMicros: (this.usage.costMicros ?? 0) - (since.costMicros ?? 0),
    };
    await recordUsage(prisma, {
      tenantId: session.tenantId,
      mode: session.mode,
      projectId: session.projectId,
      externalUserId: session.externalUserId,
      ...delta,
      billable: false,
      byok: this.billing.byok,
    });
    Object.assign(this.usage, { ...since, costMicros: costMicros(since, this.billing.model, this.options.prices) });
  }

  /** The model this attempt's tokens are priced at (null: unpriced, as test mode is) and whether they ran on the tenant's own key. */
  useBilling(billing: { model: string | null; byok: boolean }): void {
    this.billing = billing;
    this.usage.costMicros = costMicros(this.usage, billing.model, this.options.prices);
  }

  /**
   * Ends the session: `done` (with the final status and usage), the session row, the files snapshot,
   * the usage counters and the job's end, in one statement that also checks the lease. Nothing is
   * appended after it.
   */
  async finish(
    status: SessionEndStatus,
    options: { error?: { code: string; message: string }; result?: Record<string, unknown> } = {},
  ): Promise<SessionEvent> {
    await this.flushText();
    this.textClosed = true;
    const { prisma, session, lease } = this.options;
    const done = await this.enqueue(() =>
      endSessionFenced(prisma, { session, lease, status, usage: { ...this.usage }, billing: this.billing, error: options.error, result: options.result }),
    );
    await this.publish([done]);
    return done;
  }

  /**
   * Records this attempt's usage when the attempt ends without ending the session (a retry, a
   * shutdown, a lost lease): `end` is the job's change for that end (failJob, releaseJob), run in
   * the same transaction, and the usage is written only when it took (the lease was still held).
   * A lost lease has no fenced end: the usage is recorded anyway (the tokens were spent), once, not
   * billed.
   */
  async endAttempt(outcome: AttemptOutcome, options: { errorCode?: string; end?: (tx: Prisma.TransactionClient) => Promise<boolean> } = {}): Promise<boolean> {
    const { prisma, session, lease } = this.options;
    const attempt = {
      session,
      attempt: lease.attempt,
      outcome,
      billable: isBillable(outcome, options.errorCode),
      byok: this.billing.byok,
      model: this.billing.model,
      usage: { ...this.usage },
    };
    return prisma.$transaction(async (tx) => {
      const ended = options.end ? await options.end(tx) : true;
      if (ended) await recordAttemptUsage(tx, attempt);
      return ended;
    });
  }

  /** Waits for every pending write; rethrows the first write failure (a lost lease, say). */
  async drain(): Promise<void> {
    await this.flushText();
    await this.chain;
    if (this.failure) throw this.failure;
  }

  /** Drops pending and future text (an aborted run); events, and `finish`, can still be written. */
  abandon(): void {
    this.textClosed = true;
    clearTimeout(this.textTimer);
    this.textTimer = undefined;
    this.pendingText = '';
  }

  private async flushText(): Promise<void> {
    clearTimeout(this.textTimer);
    this.textTimer = undefined;
    if (!this.pendingText || this.textClosed) return;
    const text = this.pendingText;
    this.pendingText = '';
    this.lastTextWrite = Date.now();
    await this.enqueue(() => this.write({ type: 'text_delta', payload: { text } }));
  }

  private async write(event: NewSessionEvent): Promise<SessionEvent> {
    const { appender, prisma, session, lease } = this.options;
    const written = appender ? await appender.append(session.id, lease, event) : await appendFencedEvent(prisma, session.id, lease, event);
    await this.publish([written]);
    return written;
  }

  private async publish(events: SessionEvent[]): Promise<void> {
    // Subscribers also poll the log, so a lost publish delays an event; it never loses one.
    await publishEvents(this.options.pubsub, events).catch((error: unknown) =>
      this.options.logger.warn({ err: error, sessionId: this.options.session.id }, 'could not publish session events'),
    );
  }

  private enqueue<T>(operation: () => Promise<T>): Promise<T> {
    const run = this.chain.then(() => {
      if (this.failure) throw this.failure;
      return operation();
    });
    this.chain = run.catch((error: unknown) => {
      this.failure ??= error;
    });
    return run;
  }
}
