import {
  appendFencedEvent,
  appendFencedEvents,
  LeaseLostError,
  raisesWebhooks,
  type FencedAppend,
  type Lease,
  type NewSessionEvent,
  type PrismaClient,
  type SessionEvent,
} from '@everjust/core';

interface Pending {
  item: FencedAppend;
  resolve(event: SessionEvent): void;
  reject(error: unknown): void;
}

export interface EventAppenderOptions {
  /** Batches written at the same time; appends arriving meanwhile wait for the next batch. */
  maxInFlight?: number;
  /** Events per statement at most. */
  maxBatch?: number;
}

/**
 * Group commit for the session events of all the jobs a worker runs: appends that arrive while a
 * batch is being written go together into the next one, so 100 sessions streaming text cost a few
 * statements per flush instead of one each (fewer round trips, wake-ups and commits for the worker,
 * the pool and PostgreSQL). An idle worker writes an append at once; a busy one adds at most the
 * batch already in flight. Fencing is unchanged: each event is written only while its lease is held.
 */
export class EventAppender {
  private readonly queue: Pending[] = [];
  private inFlight = 0;
  private scheduled = false;
  private readonly sessionsInFlight = new Set<string>();
  private readonly maxInFlight: number;
  private readonly maxBatch: number;

  constructor(
    private readonly prisma: PrismaClient,
    options: EventAppenderOptions = {},
  ) {
    this.maxInFlight = options.maxInFlight ?? 2;
    this.maxBatch = options.maxBatch ?? 200;
  }

  /** Appends `event` to the session's log under `lease`; rejects with LeaseLostError when the lease is gone. */
  append(sessionId: string, lease: Lease, event: NewSessionEvent): Promise<SessionEvent> {
    // Events that raise webhooks carry their outbox rows in their own statement (rare: a few per session).
    if (raisesWebhooks(event)) return appendFencedEvent(this.prisma, sessionId, lease, event);
    return new Promise((resolve, reject) => {
      this.queue.push({ item: { sessionId, lease, event }, resolve, reject });
      this.schedule();
    });
  }

  private schedule(): void {
    if (this.scheduled || this.inFlight >= this.maxInFlight || this.queue.length === 0) return;
    this.scheduled = true;
    // After the current turn: the appends of every session whose timer fired in it share the batch.
    setImmediate(() => {
      this.scheduled = false;
      void this.flush();
    });
  }

  private async flush(): Promise<void> {
    if (this.inFlight >= this.maxInFlight || this.queue.length === 0) return;
    const batch = this.takeBatch();
    if (batch.length === 0) return; // every queued session has a batch in flight: the next one starts when it ends
    const sessions = new Set(batch.map((pending) => pending.item.sessionId));
    for (const session of sessions) this.sessionsInFlight.add(session);
    this.inFlight++;
    try {
      await this.write(batch);
    } finally {
      for (const session of sessions) this.sessionsInFlight.delete(session);
      this.inFlight--;
      this.schedule();
    }
  }

  /**
   * The queued appends of sessions with no batch in flight, in order: a session's appends are
   * written in the order they were made, never overtaken by a batch that commits first.
   */
  private takeBatch(): Pending[] {
    const batch: Pending[] = [];
    const rest: Pending[] = [];
    for (const pending of this.queue) {
      if (batch.length < this.maxBatch && !this.sessionsInFlight.has(pending.item.sessionId)) batch.push(pending);
      else rest.push(pending);
    }
    this.queue.splice(0, this.queue.length, ...rest);
    return batch;
  }

  private async write(batch: Pending[]): Promise<void> {
    let written: Array<SessionEvent | null>;
    try {
      written = await appendFencedEvents(
        this.prisma,
        batch.map((pending) => pending.item),
      );
    } catch (error) {
      if (batch.length === 1) return batch[0].reject(error);
      // One bad event (a payload PostgreSQL refuses) must not fail the other sessions of its batch.
      await Promise.all(batch.map((pending) => this.write([pending])));
      return;
    }
    batch.forEach((pending, index) => {
      const event = written[index];
      if (event) pending.resolve(event);
      else pending.reject(new LeaseLostError(pending.item.lease.jobId));
    });
  }
}
