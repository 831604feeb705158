import { LeaseLostError, leaseHeld, type Prisma, type PrismaClient } from '@everjust/core';
import type { TaskContext } from './task.js';

/** A reply is cut to this many characters when stored (the model's summary, not a file). */
const REPLY_CHARACTERS = 20_000;

/**
 * Stores the model's final reply on the session (`Session.reply`), which the next prompt of the project
 * reads back as the model's own answer. Written only while the job's lease is held: the lease row is
 * locked in the same transaction, so a stalled worker that lost its job cannot overwrite it.
 */
export async function saveSessionReply(context: Pick<TaskContext, 'prisma' | 'job' | 'session'>, reply: string): Promise<void> {
  const { prisma, job, session } = context;
  const lease = { jobId: job.id, workerId: job.lockedBy, attempt: job.attempts };
  await prisma.$transaction(async (tx) => {
    const held = await tx.$queryRaw<unknown[]>`${leaseHeld(lease)}`;
    if (held.length === 0) throw new LeaseLostError(job.id);
    await tx.session.update({ where: { id: session.id }, data: { reply: reply.trim().slice(0, REPLY_CHARACTERS) } });
  });
}

/** The project's earlier sessions' prompts and replies, newest first. */
export async function readEarlierTurns(prisma: PrismaClient, where: Prisma.SessionWhereInput, take: number): Promise<Array<{ prompt: string; reply: string | null }>> {
  const rows = await prisma.session.findMany({
    where,
    orderBy: { id: 'desc' },
    take,
    select: { prompt: true, reply: true },
  });
  return rows.map((row) => ({ prompt: row.prompt, reply: row.reply }));
}
