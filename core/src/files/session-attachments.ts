import { createHash } from 'node:crypto';
import { Prisma, type PrismaClient } from '../generated/prisma/client.js';

type Client = PrismaClient | Prisma.TransactionClient;

/** The image types Claude reads, and so the only ones startSession accepts. */
export const ATTACHMENT_MEDIA_TYPES = ['image/png', 'image/jpeg', 'image/webp', 'image/gif'] as const;
export type AttachmentMediaType = (typeof ATTACHMENT_MEDIA_TYPES)[number];

/** At most this many images per session (startSession refuses more). */
export const MAX_SESSION_ATTACHMENTS = 5;
/** At most this many decoded bytes per image: Anthropic's own limit for an image in the Messages API. */
export const MAX_ATTACHMENT_BYTES = 5 * 1024 * 1024;

/**
 * The image type the bytes are, read from their magic numbers (never from a name or a header the
 * sender chose), or null for anything else: PNG, JPEG, GIF (87a/89a) and WebP (a RIFF container).
 */
export function detectImageType(bytes: Uint8Array): AttachmentMediaType | null {
  const starts = (signature: number[], offset = 0) => bytes.length >= offset + signature.length && signature.every((byte, index) => bytes[offset + index] === byte);
  if (starts([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a])) return 'image/png';
  if (starts([0xff, 0xd8, 0xff])) return 'image/jpeg';
  if (starts([0x47, 0x49, 0x46, 0x38]) && (bytes[4] === 0x37 || bytes[4] === 0x39) && bytes[5] === 0x61) return 'image/gif';
  if (starts([0x52, 0x49, 0x46, 0x46]) && starts([0x57, 0x45, 0x42, 0x50], 8)) return 'image/webp';
  return null;
}

export type SessionAttachmentInput =
  | {
      mediaType: AttachmentMediaType;
      /** The image, base64 (no `data:` prefix). */
      data: string;
      /** Where it was fetched from, when it was given by URL. */
      sourceUrl?: string | null;
    }
  /** An https URL the worker fetches (through the SSRF guard) on the session's first run. */
  | { url: string };

function blobRow(data: string) {
  return { sha: createHash('sha256').update(data, 'utf8').digest('hex'), content: data, size: data.length };
}

async function storeBlobs(client: Client, blobs: Array<{ sha: string; content: string; size: number }>): Promise<void> {
  if (blobs.length === 0) return;
  await client.$executeRaw`
    INSERT INTO file_blobs (sha, content, size)
    SELECT * FROM unnest(${blobs.map((blob) => blob.sha)}::text[], ${blobs.map((blob) => blob.content)}::text[], ${blobs.map((blob) => blob.size)}::int[])
    ON CONFLICT (sha) DO NOTHING`;
}

/**
 * Stores a session's attachments with the session (in its transaction): the base64 text in the blob
 * store, addressed by the SHA-256 of that text as files are (the same image twice is stored once), and
 * one row per attachment in order. An attachment given by URL is a row without a blob until the worker
 * fetches it ({@link storeFetchedAttachment}). A retry of the session reads the same bytes back.
 */
export async function storeSessionAttachments(client: Client, sessionId: string, attachments: readonly SessionAttachmentInput[]): Promise<void> {
  if (attachments.length === 0) return;
  const rows = attachments.map((attachment, position) => {
    if ('url' in attachment) return { position, mediaType: null, blob: null, size: null, sourceUrl: attachment.url };
    return { position, mediaType: attachment.mediaType, blob: blobRow(attachment.data), size: Buffer.byteLength(attachment.data, 'base64'), sourceUrl: attachment.sourceUrl ?? null };
  });
  await storeBlobs(client, rows.flatMap((row) => (row.blob ? [row.blob] : [])));
  await client.sessionAttachment.createMany({
    data: rows.map((row) => ({ sessionId, position: row.position, mediaType: row.mediaType, sha: row.blob?.sha ?? null, size: row.size, sourceUrl: row.sourceUrl })),
  });
}

/**
 * Fills in an attachment given by URL once the worker has fetched it. Only a row still without bytes
 * is filled: the first fetch wins, so every later attempt of the session sees the same image.
 */
export async function storeFetchedAttachment(client: Client, sessionId: string, position: number, image: { mediaType: AttachmentMediaType; data: string }): Promise<void> {
  const blob = blobRow(image.data);
  await storeBlobs(client, [blob]);
  await client.sessionAttachment.updateMany({
    where: { sessionId, position, sha: null },
    data: { sha: blob.sha, mediaType: image.mediaType, size: Buffer.byteLength(image.data, 'base64') },
  });
}

export interface StoredSessionAttachment {
  position: number;
  /** Null (with `data` and `size`) for a URL not fetched yet. */
  mediaType: AttachmentMediaType | null;
  data: string | null;
  size: number | null;
  sourceUrl: string | null;
}

/** A session's attachments in the order they were given, with their base64 data (null for a URL not fetched yet). */
export async function readSessionAttachments(client: Client, sessionId: string): Promise<StoredSessionAttachment[]> {
  const rows = await client.sessionAttachment.findMany({ where: { sessionId }, orderBy: { position: 'asc' }, include: { blob: { select: { content: true } } } });
  return rows.map((row) => ({
    position: row.position,
    mediaType: row.mediaType as AttachmentMediaType | null,
    data: row.blob?.content ?? null,
    size: row.size,
    sourceUrl: row.sourceUrl,
  }));
}
