import { Agent as HttpAgent, request as httpRequest, type IncomingMessage } from 'node:http';
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';
import { openSecret, SEALED_CONTEXTS, signWebhookPayload, WEBHOOK_SIGNATURE_HEADER, type Config, type Logger, type PrismaClient } from '@everjust/core';
import { pinnedLookup, resolveTarget, systemResolver, type HostResolver, type ResolvedAddress, type TargetPolicy } from './target-guard.js';

export interface WebhookDelivererOptions {
  prisma: PrismaClient;
  config: Pick<Config, 'webhooks'>;
  logger: Logger;
  /** EVERJUST_SECRET: opens the endpoints' signing secrets. */
  secret: string;
  /** How host names are resolved (tests inject one; DNS otherwise). */
  resolver?: HostResolver;
}

/** A delivery as claimed: the row, its endpoint's URL and sealed secret. */
interface ClaimedDelivery {
  id: string;
  tenant_id: string;
  endpoint_id: string;
  event_id: string;
  event_type: string;
  /** The JSON body, exactly as sent every time (jsonb's canonical text: the same bytes on every attempt). */
  body: string;
  attempts: number;
  url: string;
  secret_encrypted: string;
}

interface Outcome {
  ok: boolean;
  statusCode?: number;
  error?: string;
  /** The headers sent, minus the signature (for the delivery log); absent when nothing was sent. */
  requestHeaders?: Record<string, string>;
  /** The start of the receiver's answer; absent without one. */
  responseBody?: string;
}

/** At most this much of a receiver's answer is kept in the log. */
const RESPONSE_SNIPPET_BYTES = 2_048;

/**
 * Delivers the webhook outbox (`webhook_deliveries`), at least once: a loop claims due rows (FOR
 * UPDATE SKIP LOCKED plus a short lock, so any number of workers share the work and a crashed one's
 * rows come back when the lock expires), POSTs each row's payload, signed (`EverJust-Signature:
 * t=…,v1=…`), with its stable event id (`EverJust-Event-Id`), and records the outcome: 2xx succeeds;
 * anything else is retried after the configured waits (1 min, 5 min, 30 min, 2 h, 6 h, 12 h), then
 * given up as `failed`, kept in the log, and can be redelivered.
 */
export class WebhookDeliverer {
  private readonly inFlight = new Set<Promise<void>>();
  private readonly shutdown = new AbortController();
  private timer: NodeJS.Timeout | undefined;
  private polling = false;
  private pollAgain = false;
  private readonly policy: TargetPolicy;

  constructor(private readonly options: WebhookDelivererOptions) {
    this.policy = { resolver: options.resolver ?? systemResolver, allowPrivate: options.config.webhooks.allowPrivateTargets };
  }

  start(): void {
    this.timer = setInterval(() => void this.poll(), this.options.config.webhooks.pollIntervalMs);
    this.timer.unref();
    void this.poll();
  }

  /** Stops claiming; deliveries in flight are aborted and released (not counted as attempts). */
  async stop(): Promise<void> {
    clearInterval(this.timer);
    this.shutdown.abort();
    await Promise.allSettled([...this.inFlight]);
  }

  /** Claims and delivers what is due now, up to the concurrency; resolves when those deliveries ended (tests). */
  async deliverDue(): Promise<number> {
    const claimed = await this.claim(this.options.config.webhooks.concurrency);
    await Promise.all(claimed.map((delivery) => this.deliver(delivery)));
    return claimed.length;
  }

  /** Fills free delivery slots. Re-entrant calls collapse into one more pass. */
  private async poll(): Promise<void> {
    if (this.polling) {
      this.pollAgain = true;
      return;
    }
    this.polling = true;
    try {
      do {
        this.pollAgain = false;
        for (;;) {
          const room = this.options.config.webhooks.concurrency - this.inFlight.size;
          if (room <= 0 || this.shutdown.signal.aborted) break;
          const claimed = await this.claim(room);
          for (const delivery of claimed) this.track(this.deliver(delivery));
          if (claimed.length < room) break;
        }
      } while (this.pollAgain && !this.shutdown.signal.aborted);
    } catch (error) {
      if (!this.shutdown.signal.aborted) this.options.logger.error({ err: error }, 'could not claim webhook deliveries');
    } finally {
      this.polling = false;
    }
  }

  private track(delivery: Promise<void>): void {
    this.inFlight.add(delivery);
    void delivery.finally(() => {
      this.inFlight.delete(delivery);
      if (!this.shutdown.signal.aborted) void this.poll();
    });
  }

  /**
   * claimWebhookDeliveries: takes up to `limit` due deliveries of enabled endpoints, locks each for
   * longer than one attempt can take, and counts the attempt.
   * Invariant: SKIP LOCKED and `locked_until` mean no two workers send the same row at once; a worker
   * that dies mid-attempt leaves a lock that expires, and the row is sent again (at least once).
   */
  private async claim(limit: number): Promise<ClaimedDelivery[]> {
    const lockSeconds = (this.options.config.webhooks.timeoutMs * 2 + 5_000) / 1000;
    return this.options.prisma.$queryRaw<ClaimedDelivery[]>`
      WITH due AS (
        SELECT d.id FROM webhook_deliveries d
        JOIN webhook_endpoints e ON e.id = d.endpoint_id AND e.enabled
        WHERE d.status = 'pending' AND d.next_attempt_at <= now() AND (d.locked_until IS NULL OR d.locked_until < now())
        ORDER BY d.next_attempt_at, d.id
        LIMIT ${limit}
        FOR UPDATE OF d SKIP LOCKED
      )
      UPDATE webhook_deliveries d
      SET locked_until = now() + make_interval(secs => ${lockSeconds}), attempts = d.attempts + 1
      FROM due, webhook_endpoints e
      WHERE d.id = due.id AND e.id = d.endpoint_id
      RETURNING d.id, d.tenant_id, d.endpoint_id, d.event_id, d.event_type, d.payload::text AS body, d.attempts, e.url, e.secret_encrypted`;
  }

  private async deliver(delivery: ClaimedDelivery): Promise<void> {
    const logger = this.options.logger.child({ deliveryId: delivery.id, eventId: delivery.event_id, endpointId: delivery.endpoint_id, attempt: delivery.attempts });
    let outcome: Outcome;
    try {
      outcome = await this.send(delivery);
    } catch (error) {
      outcome = { ok: false, error: (error as Error).message };
    }
    if (this.shutdown.signal.aborted && !outcome.ok) {
      // Cut short by shutdown: back to the queue at once, the attempt not counted.
      await this.options.prisma.$executeRaw`
        UPDATE webhook_deliveries SET locked_until = NULL, attempts = greatest(attempts - 1, 0)
        WHERE id = ${delivery.id}::uuid AND attempts = ${delivery.attempts} AND locked_until IS NOT NULL`.catch(() => undefined);
      return;
    }
    try {
      await this.record(delivery, outcome);
    } catch (error) {
      // The lock expires and the row is sent again: at least once.
      logger.error({ err: error }, 'could not record a webhook delivery');
      return;
    }
    if (outcome.ok) logger.debug({ statusCode: outcome.statusCode }, 'webhook delivered');
    else logger.warn({ statusCode: outcome.statusCode, error: outcome.error }, 'webhook delivery failed');
  }

  /**
   * recordWebhookOutcome: success, a retry after the schedule's next wait, or `failed` once the
   * schedule is spent. Only the claim that sent it records it (same attempt count, still locked): a
   * redelivery requested meanwhile is not overwritten.
   */
  private async record(delivery: ClaimedDelivery, outcome: Outcome): Promise<void> {
    const { prisma } = this.options;
    const error = outcome.error?.slice(0, 1_000) ?? null;
    // What the log shows of this attempt: the request's headers and the answer's start (or none).
    const requestHeaders = outcome.requestHeaders ? JSON.stringify(outcome.requestHeaders) : null;
    const responseBody = outcome.responseBody ?? null;
    if (outcome.ok) {
      await prisma.$executeRaw`
        UPDATE webhook_deliveries SET status = 'succeeded', delivered_at = now(), last_status_code = ${outcome.statusCode ?? null},
          last_error = NULL, locked_until = NULL,
          last_request_headers = ${requestHeaders}::jsonb, last_response_body = ${responseBody}, last_attempt_at = now()
        WHERE id = ${delivery.id}::uuid AND attempts = ${delivery.attempts} AND locked_until IS NOT NULL`;
      return;
    }
    const waitSeconds = this.options.config.webhooks.retryScheduleSeconds[delivery.attempts - 1];
    if (waitSeconds === undefined) {
      await prisma.$executeRaw`
        UPDATE webhook_deliveries SET status = 'failed', last_status_code = ${outcome.statusCode ?? null}, last_error = ${error}, locked_until = NULL,
          last_request_headers = ${requestHeaders}::jsonb, last_response_body = ${responseBody}, last_attempt_at = now()
        WHERE id = ${delivery.id}::uuid AND attempts = ${delivery.attempts} AND locked_until IS NOT NULL`;
      return;
    }
    await prisma.$executeRaw`
      UPDATE webhook_deliveries SET next_attempt_at = now() + make_interval(secs => ${waitSeconds}),
        last_status_code = ${outcome.statusCode ?? null}, last_error = ${error}, locked_until = NULL,
        last_request_headers = ${requestHeaders}::jsonb, last_response_body = ${responseBody}, last_attempt_at = now()
      WHERE id = ${delivery.id}::uuid AND attempts = ${delivery.attempts} AND locked_until IS NOT NULL`;
  }

  /** One signed POST: the target is checked (and pinned) before any socket exists. */
  private async send(delivery: ClaimedDelivery): Promise<Outcome> {
    const url = new URL(delivery.url);
    if (url.protocol !== 'http:' && url.protocol !== 'https:') return { ok: false, error: `Unsupported URL scheme ${url.protocol}` };
    const secret = openSecret(this.options.secret, delivery.secret_encrypted, SEALED_CONTEXTS.webhookSecret(delivery.tenant_id));
    const addresses = await resolveTarget(url.hostname, this.policy);
    // Shown in the delivery log as sent; the signature is left out of the log.
    const requestHeaders = {
      'content-type': 'application/json',
      'user-agent': 'EverJust-Webhooks/1.0 (+https://everjust.dev/docs/webhooks)',
      'EverJust-Event-Id': delivery.event_id,
      'EverJust-Event-Type': delivery.event_type,
      'EverJust-Delivery-Attempt': String(delivery.attempts),
    };
    let response: { status: number; body: string };
    try {
      response = await post(url, addresses, this.policy, {
        body: delivery.body,
        headers: { ...requestHeaders, [WEBHOOK_SIGNATURE_HEADER]: signWebhookPayload(secret, delivery.body) },
        timeoutMs: this.options.config.webhooks.timeoutMs,
        signal: this.shutdown.signal,
      });
    } catch (error) {
      return { ok: false, error: (error as Error).message, requestHeaders };
    }
    const answered = { statusCode: response.status, requestHeaders, responseBody: response.body };
    if (response.status >= 200 && response.status < 300) return { ok: true, ...answered };
    return { ok: false, ...answered, error: `HTTP ${response.status}${response.body ? `: ${response.body}` : ''}` };
  }
}

/** POSTs `body` to `url`, connecting only to `addresses`; no redirects are followed (a 3xx is a failure). */
function post(
  url: URL,
  addresses: readonly ResolvedAddress[],
  policy: TargetPolicy,
  options: { body: string; headers: Record<string, string>; timeoutMs: number; signal: AbortSignal },
): Promise<{ status: number; body: string }> {
  const secure = url.protocol === 'https:';
  const lookup = pinnedLookup(url.hostname, addresses, policy);
  const agent = secure ? new HttpsAgent({ lookup, keepAlive: false }) : new HttpAgent({ lookup, keepAlive: false });
  const signal = AbortSignal.any([options.signal, AbortSignal.timeout(options.timeoutMs)]);
  return new Promise<{ status: number; body: string }>((resolve, reject) => {
    const request = (secure ? httpsRequest : httpRequest)(
      url,
      { method: 'POST', agent, signal, headers: { ...options.headers, 'content-length': String(Buffer.byteLength(options.body)) } },
      (response: IncomingMessage) => {
        const chunks: Buffer[] = [];
        let size = 0;
        response.on('data', (chunk: Buffer) => {
          if (size < RESPONSE_SNIPPET_BYTES) chunks.push(chunk);
          size += chunk.length;
        });
        response.on('end', () => resolve({ status: response.statusCode ?? 0, body: Buffer.concat(chunks).subarray(0, RESPONSE_SNIPPET_BYTES).toString('utf8') }));
        response.on('error', reject);
      },
    );
    request.on('error', (error) => reject(signal.aborted && !options.signal.aborted ? new Error(`Timed out after ${options.timeoutMs} ms`) : error));
    request.end(options.body);
  }).finally(() => agent.destroy());
}
