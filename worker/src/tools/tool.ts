import { EverJustError } from '@everjust/core';
import { z } from 'zod';
import type { LlmToolDefinition } from '../llm/llm-provider.js';

/** What a tool call answers the model: the text it reads, and whether it is an error. */
export interface ToolOutcome {
  content: string;
  isError?: boolean;
}

/** A tool the model can call, with the code that runs it; `input` is validated once, by runTool, before `run`. */
export interface Tool<Input = any> {
  definition: LlmToolDefinition;
  input: z.ZodType<Input>;
  run(input: Input, signal: AbortSignal): Promise<ToolOutcome>;
}

/** A tool from a zod input schema: the JSON Schema the model sees is made from the same schema that validates. */
export function defineTool<Schema extends z.ZodObject>(options: {
  name: string;
  description: string;
  input: Schema;
  builtin?: LlmToolDefinition['builtin'];
  run(input: z.infer<Schema>, signal: AbortSignal): Promise<ToolOutcome>;
}): Tool<z.infer<Schema>> {
  return {
    definition: { name: options.name, description: options.description, inputSchema: jsonSchemaOf(options.input), ...(options.builtin ? { builtin: options.builtin } : {}) },
    input: options.input as unknown as z.ZodType<z.infer<Schema>>,
    run: options.run,
  };
}

/**
 * The JSON Schema of an input schema, made once per schema: tools are defined for every session, and
 * converting their schemas again each time cost a few ms of a busy worker's CPU per session.
 * Callers keep their schemas at module level so that the cache hits.
 */
const jsonSchemas = new WeakMap<z.ZodType, Record<string, unknown>>();
function jsonSchemaOf(schema: z.ZodType): Record<string, unknown> {
  let converted = jsonSchemas.get(schema);
  if (!converted) {
    const { $schema: _dialect, ...inputSchema } = z.toJSONSchema(schema) as Record<string, unknown>;
    converted = inputSchema;
    jsonSchemas.set(schema, converted);
  }
  return converted;
}

/** The model's mistake in a tool call, told back to it as an error result it can correct. */
export class ToolInputError extends Error {}

/**
 * Runs one tool call. The model's mistakes (input the schema refuses, a refused path or write, an unknown
 * tool) go back to it as error results it can correct; anything else (a lost lease, the database) propagates.
 */
export async function runTool(tools: readonly Tool[], name: string, input: unknown, signal: AbortSignal): Promise<ToolOutcome> {
  const tool = tools.find((candidate) => candidate.definition.name === name);
  if (!tool) return { content: `Unknown tool ${name}. Available: ${tools.map((candidate) => candidate.definition.name).join(', ')}.`, isError: true };
  const parsed = tool.input.safeParse(input);
  if (!parsed.success) return { content: `Invalid input for ${name}: ${describeIssues(parsed.error)}`, isError: true };
  try {
    return await tool.run(parsed.data, signal);
  } catch (error) {
    // A write the platform refuses (a bad path, a file or project limit, content it cannot store) is BAD_USER_INPUT.
    if (error instanceof ToolInputError || (error instanceof EverJustError && error.code === 'BAD_USER_INPUT')) {
      return { content: error.message, isError: true };
    }
    throw error;
  }
}

function describeIssues(error: z.ZodError): string {
  return error.issues
    .slice(0, 5)
    .map((issue) => (issue.path.length ? `"${issue.path.join('.')}": ${issue.message}` : issue.message))
    .join('; ');
}
