import { ValidationError, type PreviewCheckError, type PrismaClient } from '@everjust/core';
import { buildRepairPrompt, MAX_REPAIR_ERRORS, readRepairFiles } from '@everjust/worker';

/** The reporter's kinds as the preview check names them. */
function checkKind(kind: string): PreviewCheckError['kind'] {
  if (kind === 'console.error') return 'console.error';
  if (kind === 'resource') return 'request';
  return 'error';
}

/**
 * The prompt of `startSession(input: { fixPreviewErrors: true })`: the repair message (worker's
 * prompts/repair-prompt.ts) built from the project's recorded PreviewError rows, the most recently
 * seen first, with the files they point at and the end user's own words. BAD_USER_INPUT when the
 * project has none recorded.
 */
export async function previewRepairPrompt(prisma: PrismaClient, projectId: string, request: string): Promise<string> {
  const rows = await prisma.previewError.findMany({ where: { projectId }, orderBy: { lastSeenAt: 'desc' }, take: MAX_REPAIR_ERRORS });
  if (rows.length === 0) {
    const message = 'the project has no recorded preview errors (Project.previewErrors) to fix';
    throw new ValidationError(`input.fixPreviewErrors: ${message}`, { issues: [{ path: ['input', 'fixPreviewErrors'], message }] });
  }
  const errors: PreviewCheckError[] = rows.map((row) => ({
    kind: checkKind(row.kind),
    message: row.message,
    ...(row.source ? { source: row.source } : {}),
    ...(row.line != null ? { line: row.line } : {}),
  }));
  return buildRepairPrompt({ errors, files: await readRepairFiles(prisma, projectId, errors), ...(request ? { request } : {}) });
}
