import { AnswerSessionDocument, CancelSessionDocument, GetSessionDocument, ListSessionsDocument, StartSessionDocument } from '../generated/graphql.js';
import { ListPromise, toPage } from '../pagination.js';
import { newIdempotencyKey, type RequestOptions, type RequestSender } from '../request-sender.js';
import { SessionStream, type SessionStreamOptions } from '../session-stream.js';
import type { Session, SessionFilter } from '../types.js';

/** One image for `sessions.create`: exactly one of `data` or `url`. PNG, JPEG, WebP or GIF, at most 5 MB. */
export interface SessionAttachmentParams {
  /** The image's bytes, or their base64 (a `data:image/…;base64,` URL too). Its type is read from its bytes. */
  data?: string | Uint8Array;
  /** An https URL the platform fetches when the session runs, from public addresses only. */
  url?: string;
}

/** What `sessions.create` takes. */
export interface SessionCreateParams {
  projectId: string;
  /** What to build or change (at most 20,000 characters by default); optional with `fixPreviewErrors`. */
  prompt?: string;
  /**
   * Repair the app from the errors its preview reported from real browsers (`Project.previewErrors`):
   * the model gets them with the files involved (`prompt`, if given, is added). A ValidationError when
   * the project has none recorded.
   */
  fixPreviewErrors?: boolean;
  /**
   * An output budget for the whole session, in tokens: past it the model is stopped and the session
   * ends `failed` with `BUDGET_EXCEEDED`; the files it wrote stay.
   */
  maxOutputTokens?: number;
  /** The model, one of your tenant's `generation.availableModels`; default: its default model, else the platform's. */
  model?: string;
  /** At most 5 images the model sees with the prompt (stored with the session, so a retry sees them too). */
  attachments?: SessionAttachmentParams[];
  /**
   * The same key within 24 h returns the first session instead of starting another; with a different
   * input it is an IdempotencyConflictError. Generated when left out, so retries never start two.
   */
  idempotencyKey?: string;
}

/** What `sessions.list` takes: a page, and filters that must all match. */
export interface SessionListParams {
  /** Page size (default 20). With every field of a session a page of 100 is over the query cost limit (1,000); 50 fits. */
  first?: number;
  /** Start after this cursor (a page's `nextCursor`). */
  after?: string;
  /**
   * `status` (any of queued, running, waiting_for_input, succeeded, failed, cancelled), `kind` (any of
   * generate, preview, export, deploy, import), `projectId`, `externalUserId`, `createdAfter`,
   * `createdBefore`, `search` (the prompt or the project's name, or a session id).
   */
  filter?: SessionFilter;
}

/** Sessions: generations on a project, each with its event log. */
export class Sessions {
  readonly #sender: RequestSender;

  /** @internal */
  constructor(sender: RequestSender) {
    this.#sender = sender;
  }

  /**
   * Starts a generation on a project and returns at once (status `queued`); follow it with
   * `stream(session.id)`. QuotaExceededError when a tier or end-user limit is reached.
   */
  async create(params: SessionCreateParams, options?: RequestOptions): Promise<Session> {
    const { attachments, ...rest } = params;
    const input = {
      ...rest,
      ...(attachments ? { attachments: attachments.map(({ data, url }) => (data === undefined ? { url } : { data: toBase64(data), url })) } : {}),
      idempotencyKey: params.idempotencyKey ?? newIdempotencyKey(),
    };
    return (await this.#sender.request(StartSessionDocument, { input }, options)).startSession;
  }

  /** A session by id. */
  /** Your sessions of this key's mode across projects, newest first; `for await` pages by itself. Needs `sessions:read`. */
  list(params: SessionListParams = {}, options?: RequestOptions): ListPromise<Session> {
    const { after, ...rest } = params;
    return new ListPromise(async (cursor) => toPage((await this.#sender.request(ListSessionsDocument, { ...rest, after: cursor }, options)).sessions), after);
  }

  async get(id: string, options?: RequestOptions): Promise<Session> {
    return (await this.#sender.request(GetSessionDocument, { id }, options)).session;
  }

  /** Stops a session (it ends as `cancelled` within about 2 s); cancelling an ended session changes nothing. */
  async cancel(id: string, options?: RequestOptions): Promise<Session> {
    return (await this.#sender.request(CancelSessionDocument, { input: { id } }, options)).cancelSession;
  }

  /**
   * Answers the question a session waits on (status `waiting_for_input`, after a `question` event;
   * also `session.pendingQuestion`): the session is queued again and the model continues where it
   * stopped. `answer` is one of the question's `choices` or free text. A session that is not waiting
   * (or whose question was just answered by another call) is a ValidationError (BAD_USER_INPUT).
   *
   * ```ts
   * for await (const event of everjust.sessions.stream(session.id)) {
   *   if (event.type === 'question') await everjust.sessions.answer(session.id, event.choices[0] ?? 'You decide');
   * }
   * ```
   */
  async answer(sessionId: string, answer: string, options?: RequestOptions): Promise<Session> {
    return (await this.#sender.request(AnswerSessionDocument, { input: { sessionId, answer } }, options)).answerSession;
  }

  /**
   * The session's events after `afterSeq`, replayed and then live, resuming by itself when the
   * connection drops:
   *
   * ```ts
   * const stream = everjust.sessions.stream(session.id);
   * for await (const event of stream) if (event.type === 'text_delta') process.stdout.write(event.text);
   * const { status, files, previewUrl } = await stream.finalResult();
   * ```
   */
  stream(id: string, options?: SessionStreamOptions): SessionStream {
    return new SessionStream(this.#sender, id, options);
  }
}

/** Bytes as base64 in any runtime (`btoa` is global in Node 16+, browsers, Deno and workers). */
function toBase64(data: string | Uint8Array): string {
  if (typeof data === 'string') return data;
  let binary = '';
  for (let offset = 0; offset < data.length; offset += 0x8000) binary += String.fromCharCode(...data.subarray(offset, offset + 0x8000));
  return btoa(binary);
}
