import { readProjectFile, type PreviewCheckError, type PrismaClient } from '@everjust/core';

/**
 * How every repair message begins: the model (and the offline generator, which repairs its own
 * `#broken` apps) can tell a repair round from a prompt of the end user's.
 */
export const REPAIR_PROMPT_MARKER = '[preview repair]';

/** At most this much of each file involved goes into the message. */
const MAX_FILE_CHARS = 20_000;
/** At most this many errors are listed (and asked of Project.previewErrors for fixPreviewErrors). */
export const MAX_REPAIR_ERRORS = 20;

export interface RepairFile {
  path: string;
  content: string;
}

/** Whether a user message's text is a repair message (not an end user's prompt). */
export function isRepairPrompt(text: string): boolean {
  return text.trimStart().startsWith(REPAIR_PROMPT_MARKER);
}

/**
 * The project files an error points at: its `source` when that is a path under the preview (`/app.js`),
 * and always index.html when there is one, since it loads everything else.
 */
export function filesInvolved(errors: readonly PreviewCheckError[]): string[] {
  const paths = new Set<string>(['index.html']);
  for (const error of errors) {
    if (!error.source?.startsWith('/')) continue;
    const path = error.source.slice(1).split(/[?#]/)[0]!;
    paths.add(path === '' ? 'index.html' : path);
  }
  return [...paths];
}

/** The files the errors point at (filesInvolved), as the project has them now; missing ones left out. */
export async function readRepairFiles(prisma: PrismaClient, projectId: string, errors: readonly PreviewCheckError[]): Promise<RepairFile[]> {
  const read = await Promise.all(filesInvolved(errors).map(async (path) => ({ path, content: await readProjectFile(prisma, projectId, path) })));
  return read.filter((file): file is RepairFile => file.content !== null);
}

/**
 * The message of a repair round: what the preview check saw in a real browser, the files involved as
 * they are now, and what to do (fix them with the edit tool, change nothing else).
 */
export function buildRepairPrompt(input: {
  /** Round of rounds after a check; absent for `startSession(input: { fixPreviewErrors: true })`, from what browsers reported. */
  round?: { round: number; rounds: number };
  errors: readonly PreviewCheckError[];
  files: readonly RepairFile[];
  /** The end user's own words with a `fixPreviewErrors` session. */
  request?: string;
}): string {
  const errors = input.errors.slice(0, MAX_REPAIR_ERRORS).map((error) => {
    const where = error.source ? ` (${error.source}${error.line ? `:${error.line}` : ''})` : '';
    return `- ${error.kind}: ${error.message}${where}`;
  });
  if (input.errors.length > MAX_REPAIR_ERRORS) errors.push(`- … and ${input.errors.length - MAX_REPAIR_ERRORS} more`);
  const files = input.files.map((file) => {
    const content = file.content.length > MAX_FILE_CHARS ? `${file.content.slice(0, MAX_FILE_CHARS)}\n… (cut at ${MAX_FILE_CHARS} characters)` : file.content;
    return `<file path="${file.path}">\n${content}\n</file>`;
  });
  return [
    input.round
      ? `${REPAIR_PROMPT_MARKER} Round ${input.round.round} of ${input.round.rounds}. The app's preview was loaded in a headless browser and these errors were seen:`
      : `${REPAIR_PROMPT_MARKER} The browsers that loaded the app's preview reported these errors:`,
    errors.join('\n'),
    files.length > 0 ? `The files involved, as they are now:\n\n${files.join('\n\n')}` : '',
    'Fix the cause of these errors with the file tools (read more files if you need to), keeping everything else as it is, then say in one or two sentences what you changed. The preview is checked again afterwards.',
    input.request ? `The end user adds:\n\n${input.request}` : '',
  ]
    .filter(Boolean)
    .join('\n\n');
}
