import { createHash } from 'node:crypto';
import { IdempotencyConflictError, Prisma, type KeyMode, type PrismaClient } from '@everjust/core';

type Transaction = Prisma.TransactionClient;

export interface IdempotentCreate<T> {
  prisma: PrismaClient;
  tenantId: string;
  mode: KeyMode;
  /** The mutation's name: the same key may be used once per operation. */
  operation: string;
  key: string | null | undefined;
  /** What the caller sent, less the key itself; hashed to detect reuse with a different input. */
  input: unknown;
  ttlMs: number;
  /** Makes the resource inside the transaction that also records the key. */
  create(tx: Transaction): Promise<T & { id: string }>;
  /** Loads what an earlier call with the same key made. */
  load(id: string): Promise<T>;
}

/**
 * Runs a create mutation at most once per idempotency key within `ttlMs`: the resource and the key's
 * record are written in one transaction, so a crash leaves neither; a concurrent call with the same key
 * loses on the unique index and returns the winner's result.
 */
export async function createIdempotently<T>(options: IdempotentCreate<T>): Promise<T> {
  const { prisma, key } = options;
  if (!key) return prisma.$transaction((tx) => options.create(tx));
  const requestHash = hashInput(options.input);
  const where = {
    tenantId_mode_operation_key: { tenantId: options.tenantId, mode: options.mode, operation: options.operation, key },
  };
  for (let attempt = 0; attempt < 3; attempt++) {
    const existing = await prisma.idempotencyRecord.findUnique({ where });
    if (existing && existing.createdAt.getTime() > Date.now() - options.ttlMs) {
      if (existing.requestHash !== requestHash) throw new IdempotencyConflictError(key);
      return options.load(existing.resourceId);
    }
    try {
      return await prisma.$transaction(async (tx) => {
        // An expired record frees its key for a new first call.
        if (existing) await tx.idempotencyRecord.delete({ where: { id: existing.id } });
        const created = await options.create(tx);
        await tx.idempotencyRecord.create({
          data: {
            tenantId: options.tenantId,
            mode: options.mode,
            operation: options.operation,
            key,
            requestHash,
            resourceId: created.id,
          },
        });
        return created;
      });
    } catch (error) {
      // Another call with this key committed first: look again and answer as it did.
      if (isUniqueViolation(error) || isRecordMissing(error)) continue;
      throw error;
    }
  }
  throw new Error(`Could not settle idempotency key ${key}`);
}

function isUniqueViolation(error: unknown): boolean {
  return error instanceof Prisma.PrismaClientKnownRequestError && error.code === 'P2002';
}

function isRecordMissing(error: unknown): boolean {
  return error instanceof Prisma.PrismaClientKnownRequestError && error.code === 'P2025';
}

/** SHA-256 of the input's canonical JSON (keys sorted), so key order does not matter. */
export function hashInput(input: unknown): string {
  return createHash('sha256').update(canonicalJson(input)).digest('hex');
}

function canonicalJson(value: unknown): string {
  if (value === undefined) return 'null';
  if (value === null || typeof value !== 'object') return JSON.stringify(value);
  if (value instanceof Date) return JSON.stringify(value.toISOString());
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  const entries = Object.entries(value as Record<string, unknown>)
    .filter(([, item]) => item !== undefined)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return `{${entries.map(([name, item]) => `${JSON.stringify(name)}:${canonicalJson(item)}`).join(',')}}`;
}
