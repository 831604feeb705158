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

/** How many forks back a project's history reaches (a fork of a fork of …). */
const MAX_FORK_DEPTH = 10;

/**
 * Where a project's conversation lives: its own sessions before `beforeSessionId`, then, for a fork, its
 * source's sessions up to the one the fork was made at, and so on up the chain.
 */
export async function conversationScope(prisma: PrismaClient, projectId: string, beforeSessionId: string): Promise<Prisma.SessionWhereInput> {
  const scopes: Prisma.SessionWhereInput[] = [{ projectId, id: { lt: beforeSessionId } }];
  let current = await prisma.project.findUnique({ where: { id: projectId }, select: { forkedFromId: true, forkedAtSessionId: true } });
  for (let depth = 0; depth < MAX_FORK_DEPTH && current?.forkedFromId && current.forkedAtSessionId; depth++) {
    scopes.push({ projectId: current.forkedFromId, id: { lte: current.forkedAtSessionId } });
    current = await prisma.project.findUnique({ where: { id: current.forkedFromId }, select: { forkedFromId: true, forkedAtSessionId: true } });
  }
  return scopes.length === 1 ? scopes[0] : { OR: scopes };
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
