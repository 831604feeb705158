import { deleteProjectFile, listProjectFiles, readProjectFile, type FileLimits, type PrismaClient } from '@everjust/core';
import { z } from 'zod';
import type { SessionWriter } from '../session-writer.js';
import { defineTool, ToolInputError, type Tool } from './tool.js';

export { runTool, type Tool } from './tool.js';

/** The name of the edit tool (Anthropic's provider offers its built-in editor in its place). */
export const EDIT_TOOL_NAME = 'edit_file';

const path = z.string().describe('Path relative to the project root, e.g. "index.html" or "src/app.js".');
const writeInput = z.object({ path, content: z.string() });
const pathInput = z.object({ path });
const noInput = z.object({});

export interface ProjectToolsContext {
  prisma: PrismaClient;
  projectId: string;
  writer: SessionWriter;
  limits: FileLimits;
}

/** The file tools every generation has: edit, write, delete, read and list the project's files. */
export function createProjectTools(context: ProjectToolsContext): Tool[] {
  const { prisma, projectId, writer, limits } = context;
  return [
    createEditTool(context),
    defineTool({
      name: 'write_file',
      description: 'Create or replace a file of the project with the given content (the whole file). To change part of an existing file, use edit_file instead.',
      input: writeInput,
      async run(input) {
        const file = await writer.writeFile({ path: input.path, content: input.content }, limits);
        return { content: `Wrote ${file.path} (${file.size} bytes).` };
      },
    }),
    defineTool({
      name: 'delete_file',
      description: 'Delete a file of the project.',
      input: pathInput,
      async run(input) {
        await writer.transact(async (tx) => {
          const existed = await deleteProjectFile(tx, projectId, input.path);
          if (!existed) throw new ToolInputError(`No file ${input.path}.`); // rolls back: nothing to report
          return { event: { type: 'file_deleted', payload: { path: input.path } }, value: existed };
        });
        return { content: `Deleted ${input.path}.` };
      },
    }),
    defineTool({
      name: 'read_file',
      description: 'Read a file of the project (use it for files not shown in full in the system prompt).',
      input: pathInput,
      async run(input) {
        const content = await readProjectFile(prisma, projectId, input.path);
        return content === null ? { content: `No file ${input.path}.`, isError: true } : { content };
      },
    }),
    defineTool({
      name: 'list_files',
      description: 'List the files of the project with their sizes.',
      input: noInput,
      async run() {
        const files = await listProjectFiles(prisma, projectId);
        return { content: files.length ? files.map((file) => `${file.path} (${file.size} bytes)`).join('\n') : 'The project has no files yet.' };
      },
    }),
  ];
}

const editInput = z
  .object({
    command: z.enum(['view', 'str_replace', 'create', 'insert']).describe('view a file (or the file list, for path "."), replace an exact string, create a file, or insert lines.'),
    path: path,
    old_str: z.string().optional().describe('str_replace: the exact text to replace; it must occur exactly once in the file.'),
    new_str: z.string().optional().describe('str_replace: the replacement (empty deletes old_str); insert: the text to insert.'),
    insert_text: z.string().optional().describe('insert: the text to insert (same as new_str).'),
    file_text: z.string().optional().describe('create: the content of the new file.'),
    insert_line: z.number().int().min(0).optional().describe('insert: the line after which the text goes (0 = the start of the file).'),
    view_range: z.array(z.number().int()).length(2).optional().describe('view: [first, last] line, 1-based; last -1 means the end.'),
  })
  .superRefine((input, context) => {
    const need = (field: keyof typeof input) => {
      if (input[field] === undefined) context.addIssue({ code: 'custom', path: [field], message: `is required for ${input.command}` });
    };
    if (input.command === 'str_replace') need('old_str');
    if (input.command === 'create') need('file_text');
    if (input.command === 'insert') {
      need('insert_line');
      if (input.new_str === undefined && input.insert_text === undefined) context.addIssue({ code: 'custom', path: ['new_str'], message: 'is required for insert' });
    }
  });

/**
 * The edit tool, in the shape of the common text editor (Anthropic's `str_replace_based_edit_tool`, which
 * the model is trained on): an edit sends only the changed text, not the whole file. Each change is one
 * fenced `file_written` with the new size; a refused edit writes nothing.
 */
function createEditTool({ prisma, projectId, writer, limits }: ProjectToolsContext): Tool {
  return defineTool({
    name: EDIT_TOOL_NAME,
    builtin: 'text_editor',
    description:
      'View and edit the project\'s files. Prefer str_replace for changes to existing files: it sends only the changed text. ' +
      'old_str must match the file exactly (whitespace included) and occur exactly once; include a few surrounding lines to make it unique.',
    input: editInput,
    async run(input) {
      // The built-in editor is used to absolute paths; the project root is "/".
      const filePath = input.path.replace(/^\/+/, '');
      if (input.command === 'view' && (filePath === '' || filePath === '.')) {
        const files = await listProjectFiles(prisma, projectId);
        return { content: files.length ? files.map((file) => file.path).join('\n') : 'The project has no files yet.' };
      }
      if (input.command === 'create') {
        const file = await writer.writeFile({ path: filePath, content: input.file_text! }, limits);
        return { content: `Created ${file.path} (${file.size} bytes).` };
      }
      const content = await readProjectFile(prisma, projectId, filePath);
      if (content === null) throw new ToolInputError(`No file ${filePath}. Use create to make it.`);
      if (input.command === 'view') return { content: numberLines(content, input.view_range) };
      const updated = input.command === 'str_replace' ? replaceOnce(filePath, content, input.old_str!, input.new_str ?? '') : insertAt(filePath, content, input.insert_line!, input.new_str ?? input.insert_text!);
      const file = await writer.writeFile({ path: filePath, content: updated }, limits);
      return { content: `Edited ${file.path} (${file.size} bytes).` };
    },
  });
}

/** `content` with `old` replaced, when `old` occurs exactly once; otherwise the model is told why not. */
function replaceOnce(filePath: string, content: string, old: string, replacement: string): string {
  if (old === '') throw new ToolInputError('old_str must not be empty.');
  const first = content.indexOf(old);
  if (first === -1) throw new ToolInputError(`No match for old_str in ${filePath}: nothing was changed. View the file and copy the text exactly, whitespace included.`);
  const second = content.indexOf(old, first + 1);
  if (second !== -1) {
    const lines = [first, second].map((index) => content.slice(0, index).split('\n').length);
    throw new ToolInputError(`old_str occurs more than once in ${filePath} (lines ${lines.join(' and ')}, at least): nothing was changed. Include more surrounding text to make it unique.`);
  }
  return content.slice(0, first) + replacement + content.slice(first + old.length);
}

function insertAt(filePath: string, content: string, line: number, text: string): string {
  const lines = content.split('\n');
  if (line > lines.length) throw new ToolInputError(`insert_line ${line} is past the end of ${filePath} (${lines.length} lines): nothing was changed.`);
  const inserted = text.endsWith('\n') ? text.slice(0, -1) : text;
  return [...lines.slice(0, line), inserted, ...lines.slice(line)].join('\n');
}

function numberLines(content: string, range: number[] | undefined): string {
  const lines = content.split('\n');
  const first = Math.max(1, range?.[0] ?? 1);
  const last = range && range[1] !== -1 ? Math.min(lines.length, range[1]) : lines.length;
  return lines
    .slice(first - 1, last)
    .map((line, index) => `${first + index}\t${line}`)
    .join('\n');
}
