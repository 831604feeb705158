import {
  deleteProjectFile,
  EverJustError,
  listProjectFiles,
  readProjectFile,
  type FileLimits,
  type PrismaClient,
} from '@everjust/core';
import type { LlmToolDefinition } from '../llm/llm-provider.js';
import type { SessionWriter } from '../session-writer.js';

/** What a tool call answers the model: the text it reads, and whether it is an error. */
export interface ToolOutcome {
  content: string;
  isError?: boolean;
}

/** A tool the model can call, with the code that runs it. */
export interface Tool {
  definition: LlmToolDefinition;
  run(input: Record<string, unknown>, signal: AbortSignal): Promise<ToolOutcome>;
}

const pathProperty = { path: { type: 'string', description: 'Path relative to the project root, e.g. "index.html" or "src/app.js".' } };

export interface ProjectToolsContext {
  prisma: PrismaClient;
  projectId: string;
  writer: SessionWriter;
  limits: FileLimits;
}

/** The file tools every generation has: write, delete, read and list the project's files. */
export function createProjectTools({ prisma, projectId, writer, limits }: ProjectToolsContext): Tool[] {
  const stringInput = (input: Record<string, unknown>, name: string): string => {
    const value = input[name];
    if (typeof value !== 'string') throw new ToolInputError(`"${name}" must be a string`);
    return value;
  };
  return [
    {
      definition: {
        name: 'write_file',
        description: 'Create or replace a file of the project with the given content (the whole file).',
        inputSchema: { type: 'object', properties: { ...pathProperty, content: { type: 'string' } }, required: ['path', 'content'] },
      },
      async run(input) {
        const path = stringInput(input, 'path');
        const content = stringInput(input, 'content');
        const file = await writer.writeFile({ path, content }, limits);
        return { content: `Wrote ${file.path} (${file.size} bytes).` };
      },
    },
    {
      definition: {
        name: 'delete_file',
        description: 'Delete a file of the project.',
        inputSchema: { type: 'object', properties: pathProperty, required: ['path'] },
      },
      async run(input) {
        const path = stringInput(input, 'path');
        const deleted = await writer.transact(async (tx) => {
          const existed = await deleteProjectFile(tx, projectId, path);
          if (!existed) throw new ToolInputError(`No file ${path}.`); // rolls back: nothing to report
          return { event: { type: 'file_deleted', payload: { path } }, value: existed };
        });
        return { content: deleted ? `Deleted ${path}.` : `No file ${path}.` };
      },
    },
    {
      definition: {
        name: 'read_file',
        description: 'Read a file of the project (use it for files not shown in full in the system prompt).',
        inputSchema: { type: 'object', properties: pathProperty, required: ['path'] },
      },
      async run(input) {
        const path = stringInput(input, 'path');
        const content = await readProjectFile(prisma, projectId, path);
        return content === null ? { content: `No file ${path}.`, isError: true } : { content };
      },
    },
    {
      definition: {
        name: 'list_files',
        description: 'List the files of the project with their sizes.',
        inputSchema: { type: 'object', properties: {} },
      },
      async run() {
        const files = await listProjectFiles(prisma, projectId);
        return { content: files.length ? files.map((file) => `${file.path} (${file.size} bytes)`).join('\n') : 'The project has no files yet.' };
      },
    },
  ];
}

class ToolInputError extends Error {}

/**
 * Runs one tool call. The model's mistakes (bad input, a refused path, an unknown tool) go back to it
 * as error results it can correct; anything else (a lost lease, the database) propagates.
 */
export async function runTool(tools: readonly Tool[], name: string, input: unknown, signal: AbortSignal): Promise<ToolOutcome> {
  const tool = tools.find((candidate) => candidate.definition.name === name);
  if (!tool) return { content: `Unknown tool ${name}. Available: ${tools.map((candidate) => candidate.definition.name).join(', ')}.`, isError: true };
  if (input === null || typeof input !== 'object' || Array.isArray(input)) return { content: 'Tool input must be a JSON object.', isError: true };
  try {
    return await tool.run(input as Record<string, unknown>, signal);
  } catch (error) {
    if (error instanceof ToolInputError || (error instanceof EverJustError && error.code === 'BAD_USER_INPUT')) {
      return { content: error.message, isError: true };
    }
    throw error;
  }
}
