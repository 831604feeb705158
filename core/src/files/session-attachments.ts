import { createHash } from 'node:crypto';
import { Prisma, type PrismaClient } from '../generated/prisma/client.js';

type Client = PrismaClient | Prisma.TransactionClient;

/** The image types Claude reads, and so the only ones startSession accepts. */
export const ATTACHMENT_MEDIA_TYPES = ['image/png', 'image/jpeg', 'image/webp', 'image/gif'] as const;
export type AttachmentMediaType = (typeof ATTACHMENT_MEDIA_TYPES)[number];

export interface SessionAttachmentInput {
  mediaType: AttachmentMediaType;
  /** The image, base64 (no `data:` prefix). */
  data: string;
  /** Where it was fetched from, when it was given by URL. */
  sourceUrl?: string | null;
}

/**
 * Stores a session's attachments with the session (in its transaction): the base64 text in the blob
 * store, addressed by the SHA-256 of that text as files are (the same image twice is stored once), and
 * one row per attachment in order. A retry of the session reads the same bytes back.
 */
export async function storeSessionAttachments(client: Client, sessionId: string, attachments: readonly SessionAttachmentInput[]): Promise<void> {
  if (attachments.length === 0) return;
  const rows = attachments.map((attachment, position) => ({
    position,
    mediaType: attachment.mediaType,
    data: attachment.data,
    sha: createHash('sha256').update(attachment.data, 'utf8').digest('hex'),
    size: Buffer.byteLength(attachment.data, 'base64'),
    sourceUrl: attachment.sourceUrl ?? null,
  }));
  await client.$executeRaw`
    INSERT INTO file_blobs (sha, content, size)
    SELECT * FROM unnest(${rows.map((row) => row.sha)}::text[], ${rows.map((row) => row.data)}::text[], ${rows.map((row) => row.data.length)}::int[])
    ON CONFLICT (sha) DO NOTHING`;
  await client.sessionAttachment.createMany({
    data: rows.map((row) => ({ sessionId, position: row.position, mediaType: row.mediaType, sha: row.sha, size: row.size, sourceUrl: row.sourceUrl })),
  });
}

/** A session's attachments in the order they were given, with their base64 data. */
export async function readSessionAttachments(client: Client, sessionId: string): Promise<Array<{ mediaType: AttachmentMediaType; data: string; size: number; sourceUrl: string | null }>> {
  const rows = await client.sessionAttachment.findMany({ where: { sessionId }, orderBy: { position: 'asc' }, include: { blob: { select: { content: true } } } });
  return rows.map((row) => ({ mediaType: row.mediaType as AttachmentMediaType, data: row.blob.content, size: row.size, sourceUrl: row.sourceUrl }));
}
