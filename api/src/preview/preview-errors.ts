import { createHash, randomBytes } from 'node:crypto';
import { appendEventIf, Prisma, publishEvents, type PrismaClient, type PubSub, type SessionEvent } from '@everjust/core';

/** At most this many fingerprints per project: a new one past it replaces the one seen least recently. */
export const PREVIEW_ERRORS_PER_PROJECT = 100;

/** The longest report body read (more is 413); what is stored is truncated to {@link FIELD_LIMITS}, under 8 kB. */
export const MAX_REPORT_BYTES = 64 * 1024;

/** Characters kept per field: together under 8 kB, whatever a page sends. */
const FIELD_LIMITS = { message: 2000, source: 1000, stack: 4000, page: 1000 } as const;

const KINDS = new Set(['error', 'unhandledrejection', 'console.error', 'resource']);

export interface PreviewErrorReport {
  kind: string;
  message: string;
  source: string | null;
  line: number | null;
  column: number | null;
  stack: string | null;
  page: string | null;
}

const truncate = (value: unknown, limit: number): string | null => {
  if (value === null || value === undefined) return null;
  const text = String(value);
  return text.length > limit ? `${text.slice(0, limit - 1)}…` : text;
};
const position = (value: unknown): number | null => (typeof value === 'number' && Number.isInteger(value) && value >= 0 && value < 2 ** 31 ? value : null);

/** A beacon's body as a report, truncated; null when it is not a JSON object with a message. */
export function parseReport(body: string, pagePrefix: string): PreviewErrorReport | null {
  let parsed: Record<string, unknown>;
  try {
    parsed = JSON.parse(body) as Record<string, unknown>;
  } catch {
    return null;
  }
  if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed)) return null;
  // URLs as the app knows them: paths under the preview token. The token is a credential (it must not
  // reach logs and webhooks), and it changes with every link (the same error must keep its fingerprint).
  const escaped = pagePrefix.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  const underToken = new RegExp(`(?:[a-z][a-z0-9+.-]*://[^/\\s"'()]+)?${escaped}(?=/|$|[\\s"'()?#])`, 'gi');
  const clean = (value: unknown) => (typeof value === 'string' ? value.slice(0, MAX_REPORT_BYTES).replace(underToken, '') : value);
  const message = truncate(clean(parsed.message), FIELD_LIMITS.message);
  if (!message) return null;
  const page = typeof parsed.page === 'string' ? (clean(parsed.page) as string) || '/' : null;
  return {
    kind: typeof parsed.kind === 'string' && KINDS.has(parsed.kind) ? parsed.kind : 'error',
    message,
    source: truncate(typeof parsed.source === 'string' ? clean(parsed.source) : null, FIELD_LIMITS.source),
    line: position(parsed.line),
    column: position(parsed.column),
    stack: truncate(typeof parsed.stack === 'string' ? clean(parsed.stack) : null, FIELD_LIMITS.stack),
    page: truncate(page, FIELD_LIMITS.page),
  };
}

/** What makes two reports the same error: kind, message and where it happened (not the page or stack). */
export function fingerprintOf(report: PreviewErrorReport): string {
  return createHash('sha256').update(JSON.stringify([report.kind, report.message, report.source, report.line, report.column])).digest('hex').slice(0, 32);
}

interface UpsertedRow {
  id: string;
  count: number;
  previous_seen_at: Date | null;
}

/**
 * Records a report for a project: a new fingerprint is a row (and the project keeps its newest 100),
 * a repeat counts up. Each session of the project that is running gets a `preview_error` event (and
 * its tenant's endpoints a `preview.errors` webhook) the first time that error is seen during it, so a
 * flood of one error is one event per session. Returns the events written.
 */
export async function recordPreviewError(
  prisma: PrismaClient,
  pubsub: PubSub,
  project: { id: string; tenantId: string },
  report: PreviewErrorReport,
): Promise<SessionEvent[]> {
  const fingerprint = fingerprintOf(report);
  // One statement: the row as it was (the CTE reads the snapshot before the upsert) and after.
  const [row] = await prisma.$queryRaw<UpsertedRow[]>`
    WITH before AS (SELECT last_seen_at FROM preview_errors WHERE project_id = ${project.id}::uuid AND fingerprint = ${fingerprint})
    INSERT INTO preview_errors (id, project_id, tenant_id, fingerprint, kind, message, source, line, "column", stack, page)
    VALUES (${uuidv7()}::uuid, ${project.id}::uuid, ${project.tenantId}::uuid, ${fingerprint}, ${report.kind}, ${report.message},
      ${report.source}, ${report.line}, ${report.column}, ${report.stack}, ${report.page})
    ON CONFLICT (project_id, fingerprint) DO UPDATE SET count = preview_errors.count + 1, last_seen_at = now(),
      stack = COALESCE(EXCLUDED.stack, preview_errors.stack), page = COALESCE(EXCLUDED.page, preview_errors.page)
    RETURNING id, count, (SELECT last_seen_at FROM before) AS previous_seen_at`;
  if (row!.count === 1) {
    await prisma.$executeRaw`
      DELETE FROM preview_errors WHERE id IN (
        SELECT id FROM preview_errors WHERE project_id = ${project.id}::uuid
        ORDER BY last_seen_at DESC, id DESC OFFSET ${PREVIEW_ERRORS_PER_PROJECT})`;
  }
  const sessions = await prisma.session.findMany({
    where: { projectId: project.id, status: 'running', ...(row!.previous_seen_at ? { startedAt: { gt: row!.previous_seen_at } } : {}) },
    select: { id: true },
  });
  const events: SessionEvent[] = [];
  for (const session of sessions) {
    const event = await appendEventIf(
      prisma,
      session.id,
      { type: 'preview_error', payload: { ...report, fingerprint, count: Number(row!.count) } },
      { onlyIf: Prisma.sql`status = 'running'` },
    );
    if (event) events.push(event);
  }
  await publishEvents(pubsub, events);
  return events;
}

/** A time-ordered id (UUIDv7, as Prisma's `uuid(7)` default makes), so the list pages newest first by id. */
function uuidv7(): string {
  const bytes = randomBytes(16);
  const now = Date.now();
  bytes.writeUIntBE(now, 0, 6);
  bytes[6] = (bytes[6]! & 0x0f) | 0x70;
  bytes[8] = (bytes[8]! & 0x3f) | 0x80;
  const hex = bytes.toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}
