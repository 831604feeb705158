import { z } from 'zod';
import { defineTool, type Tool } from './tool.js';

/** The tool the model calls to ask its end user a question (offered when the tenant allows questions). */
export const ASK_USER_TOOL_NAME = 'ask_user';

const MAX_CHOICES = 10;

/** What an ask_user call carries: the question, and the answers to offer as buttons (none: a free answer). */
export const askUserInput = z.object({
  question: z.string().trim().min(1).max(1_000).describe('The question, short and specific, in the language of the request.'),
  choices: z
    .array(z.string().trim().min(1).max(200))
    .max(MAX_CHOICES)
    .optional()
    .describe(`Up to ${MAX_CHOICES} short answers the user can pick from; leave out for a free-text answer.`),
});

/**
 * ask_user: the pipeline, not this tool, handles a call (generate.ts): the session waits for the end
 * user's answer without holding a worker, and the answer comes back as the call's result. `run` is
 * never reached; it answers an error should a call get there.
 */
export function createAskUserTool(): Tool {
  return defineTool({
    name: ASK_USER_TOOL_NAME,
    description:
      'Ask the end user one question when the request is ambiguous and a wrong guess would waste their time (which of two quite different apps, a missing essential detail). ' +
      'The session pauses until they answer; the answer comes back as this tool\'s result. Ask at most once or twice per request; do not ask what you can decide sensibly yourself.',
    input: askUserInput,
    run: async () => ({ content: 'ask_user is handled by the session, not run as a tool.', isError: true }),
  });
}
