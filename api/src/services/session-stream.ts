import { isSessionEnded, readEvents, sessionEventsChannel, ValidationError, type PrismaClient, type PubSub, type SessionEvent } from '@everjust/core';

export interface SessionStreamOptions {
  prisma: PrismaClient;
  pubsub: PubSub;
  sessionId: string;
  /**
   * The session's status and last seq read before the stream starts (the caller's lookup). If the
   * session had ended by then, its log holds every event, so a resume at or after its last seq ends
   * at once; without it the stream reads them itself after the replay.
   */
  before?: { status: string; lastSeq: number };
  afterSeq: number;
  /** How often to read the log even without a live message (a lost publish only delays an event). */
  pollIntervalMs?: number;
  /**
   * The client went away (the HTTP request's signal). A generator's `return()` waits for its next
   * `yield`, which a quiet session may never reach: this ends the stream, its subscription and its
   * polling at once.
   */
  signal?: AbortSignal;
}

const PAGE = 500;

/**
 * The events of a session after `afterSeq`: first replayed from the log, then followed live, with no
 * gap and no duplicate, ending after `done`.
 *
 * It subscribes before it replays, so an event published during the replay is buffered, not lost;
 * live events are taken only in seq order, and any gap (a publish that raced the replay, or one
 * that never arrived) is filled from the log, which is the source of truth.
 *
 * An `afterSeq` beyond the session's last seq is BAD_USER_INPUT: no event the client saw can be
 * there, and such a stream would skip every event to come, `done` included, and never end. With
 * `before` the check is made at once (the subscription is refused, not a stream that fails later).
 */
export function streamSessionEvents(options: SessionStreamOptions): AsyncGenerator<SessionEvent> {
  if (options.before) assertSeqKnown(options.afterSeq, options.before.lastSeq);
  return followSessionEvents(options);
}

function assertSeqKnown(afterSeq: number, lastSeq: number): void {
  // lastSeq only grows, and was read after any event the client can have seen.
  if (afterSeq > lastSeq) {
    throw new ValidationError(`afterSeq ${afterSeq} is beyond the session's last event (seq ${lastSeq}): resume with the last seq you saw`, { afterSeq, lastSeq });
  }
}

async function* followSessionEvents(options: SessionStreamOptions): AsyncGenerator<SessionEvent> {
  const { prisma, pubsub, sessionId } = options;
  const buffered: SessionEvent[] = [];
  let wake: () => void = () => undefined;
  const unsubscribe = await pubsub.subscribe(sessionEventsChannel(sessionId), (message) => {
    buffered.push(JSON.parse(message) as SessionEvent);
    wake();
  });
  let last = options.afterSeq;
  /** Reads the log after `last`, to its end. */
  async function* readLog(): AsyncGenerator<SessionEvent> {
    for (;;) {
      const page = await readEvents(prisma, sessionId, last, PAGE);
      yield* page;
      if (page.length < PAGE) return;
    }
  }
  try {
    // Replay.
    for await (const event of readLog()) {
      yield event;
      last = event.seq;
      if (event.type === 'done') return;
    }
    const session = options.before ?? (await prisma.session.findUnique({ where: { id: sessionId }, select: { status: true, lastSeq: true } }));
    if (session) assertSeqKnown(options.afterSeq, session.lastSeq);
    // Resuming after the end: nothing more will come.
    if (!session || (isSessionEnded(session.status) && last >= session.lastSeq)) return;

    // Follow.
    for (;;) {
      if (options.signal?.aborted) return;
      buffered.sort((a, b) => a.seq - b.seq);
      while (buffered.length > 0 && buffered[0].seq <= last + 1) {
        const event = buffered.shift()!;
        if (event.seq <= last) continue; // already delivered (by the replay or the log)
        yield event;
        last = event.seq;
        if (event.type === 'done') return;
      }
      if (buffered.length === 0) {
        const timedOut = await new Promise<boolean>((resolve) => {
          const timer = setTimeout(() => resolve(true), options.pollIntervalMs ?? 1000);
          wake = () => {
            clearTimeout(timer);
            resolve(false);
          };
          options.signal?.addEventListener('abort', wake, { once: true });
        });
        if (options.signal) options.signal.removeEventListener('abort', wake);
        wake = () => undefined;
        if (options.signal?.aborted) return;
        if (!timedOut) continue;
      }
      // A gap in the live feed, or a quiet spell: the log has whatever was missed.
      for await (const event of readLog()) {
        yield event;
        last = event.seq;
        if (event.type === 'done') return;
      }
    }
  } finally {
    await unsubscribe();
  }
}
