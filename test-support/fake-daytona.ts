/**
 * A fake Daytona API and sandbox toolbox on 127.0.0.1 for tests: the real `@daytonaio/sdk` talks to it over
 * HTTP and WebSocket, on the paths and bodies the SDK 0.218 sends (read from its source, not guessed).
 *
 * - API (`apiUrl`, `…/api`): `POST /sandbox`, `GET /sandbox/{id}`, `GET /sandbox?labels=<json>`,
 *   `POST /sandbox/{id}/start|stop`, `DELETE /sandbox/{id}`, `GET /sandbox/{id}/toolbox-proxy-url`,
 *   `GET /sandbox/{id}/ports/{port}/preview-url` (token `preview-token-<id>`),
 *   `GET /sandbox/{id}/ports/{port}/signed-preview-url?expiresInSeconds=N`.
 * - Toolbox (each sandbox's `toolboxProxyUrl` + `/{id}`): `POST /files/bulk-upload` (multipart `files[i].path`,
 *   `files[i].file`), `DELETE /files?path=`, `POST /process/execute`, `POST /process/session`,
 *   `DELETE /process/session/{sid}`, `POST /process/session/{sid}/exec`, `GET …/command/{cid}`,
 *   `GET …/command/{cid}/logs` (JSON, or a WebSocket with `follow=true`: binary frames prefixed `01 01 01`
 *   stdout / `02 02 02` stderr, closed normally when the command ends or its session is deleted).
 * - The socket.io upgrade (`…/api/socket.io/`) is refused, so an SDK without `useDeprecatedPolling` polls.
 *
 * Sandboxes live in memory with their files. Nothing is executed on the host: commands are "run" from a
 * table the test scripts with {@link FakeDaytona.onCommand} (the last registered matching pattern wins).
 *
 * ```ts
 * const fake = await startFakeDaytona({ apiKey: 'test-key' });
 * fake.onCommand(/npm run build/, () => ({ stdout: ['building\n', 'done\n'], delayMs: 5 }));
 * const daytona = new Daytona({ apiKey: 'test-key', apiUrl: fake.apiUrl, useDeprecatedPolling: true });
 * // … fake.sandbox(id)?.files.get('/home/daytona/app/index.html'), fake.requests …
 * await fake.close();
 * ```
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { createServer, type IncomingHttpHeaders, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { WebSocketServer, type WebSocket } from 'ws';
import type { SandboxFile, SandboxProvider } from '@everjust/worker';

/** What a scripted command does: its output chunks, in order, then its exit. */
export interface FakeCommandScript {
  /** Defaults to 0. */
  exitCode?: number;
  /** Written first, one chunk after another (each becomes one WebSocket frame). */
  stdout?: string[];
  /** Written after the stdout chunks. */
  stderr?: string[];
  /** Waited before each chunk and before the exit. */
  delayMs?: number;
  /** Never exits by itself (a server, or a command that hangs): only deleting its session ends it. */
  runForever?: boolean;
}

export interface FakeCommandContext {
  /** The full command line the SDK sent (for session commands, with the caller's `cd`/`env` wrapping). */
  command: string;
  sandboxId: string;
  /** Absent for `POST /process/execute`. */
  sessionId?: string;
}

export type FakeCommandHandler = (context: FakeCommandContext) => FakeCommandScript | Promise<FakeCommandScript>;

export interface FakeDaytonaRequest {
  method: string;
  /** Without the query, e.g. `/api/sandbox` or `/toolbox/<id>/process/session`. */
  path: string;
  query: Record<string, string>;
  headers: IncomingHttpHeaders;
  /** Parsed JSON; for a bulk upload `{ files: [{ path, bytes }] }`; undefined when empty. */
  body: any;
}

export interface FakeDaytonaCommand {
  id: string;
  sandboxId: string;
  sessionId?: string;
  command: string;
  output: Array<{ stream: 'stdout' | 'stderr'; text: string }>;
  /** Set when the command ended by itself. */
  exitCode?: number;
  /** True when its session (or sandbox) was deleted or stopped while it ran. */
  killed: boolean;
}

export interface FakeDaytonaSandbox {
  id: string;
  state: string;
  labels: Record<string, string>;
  env: Record<string, string>;
  /** The create body as received: snapshot / buildInfo, cpu, memory, disk, autoStopInterval, autoDeleteInterval, … */
  createBody: Record<string, any>;
  /** Absolute path → content (UTF-8), as uploaded. */
  files: Map<string, string>;
}

export interface FakeDaytona {
  /** Give this to the SDK as `apiUrl`, e.g. `http://127.0.0.1:54321/api`. */
  readonly apiUrl: string;
  /** Every HTTP request received (WebSocket upgrades included), in order. */
  readonly requests: FakeDaytonaRequest[];
  /** Every command started, in order. */
  readonly commands: FakeDaytonaCommand[];
  sandbox(id: string): FakeDaytonaSandbox | undefined;
  /** Scripts the commands whose line matches (substring or RegExp); the last registered match wins. */
  onCommand(pattern: string | RegExp, handler: FakeCommandHandler): void;
  /** The next request matching `method` (any when omitted) and `path` is answered with this error, once. */
  failNext(match: { method?: string; path: string | RegExp }, response: { status: number; body?: unknown }): void;
  close(): Promise<void>;
}

interface RunningCommand extends FakeDaytonaCommand {
  listeners: Set<WebSocket>;
  stop: AbortController;
  done: Promise<void>;
}

interface SandboxRecord extends FakeDaytonaSandbox {
  createdAt: string;
  /** A transition under way (creating → started, stopping → stopped), completed once `at` has passed. */
  pending?: { state: string; at: number };
  sessions: Map<string, Map<string, RunningCommand>>;
}

const STDOUT_PREFIX = Buffer.from([1, 1, 1]);
const STDERR_PREFIX = Buffer.from([2, 2, 2]);

/**
 * Starts the fake on a free port. With `apiKey` set, other bearer tokens are answered 401. `transitionMs`
 * is how long creating/starting/stopping take (default 0: done by the SDK's first poll). `previewUpstream`
 * is the URL `preview-url` answers (a server of the test's that plays a sandbox's port).
 */
export async function startFakeDaytona(options: { apiKey?: string; transitionMs?: number; previewUpstream?: string } = {}): Promise<FakeDaytona> {
  const transitionMs = options.transitionMs ?? 0;
  const requests: FakeDaytonaRequest[] = [];
  const commands: RunningCommand[] = [];
  const sandboxes = new Map<string, SandboxRecord>();
  const handlers: Array<{ pattern: string | RegExp; handler: FakeCommandHandler }> = [];
  const failures: Array<{ method?: string; path: string | RegExp; status: number; body?: unknown }> = [];
  const logSockets = new WebSocketServer({ noServer: true });
  let origin = '';
  let sandboxCount = 0;

  const settle = (record: SandboxRecord) => {
    if (record.pending && Date.now() >= record.pending.at) {
      record.state = record.pending.state;
      record.pending = undefined;
    }
    return record;
  };
  const transition = (record: SandboxRecord, now: string, then: string) => {
    record.state = now;
    record.pending = { state: then, at: Date.now() + transitionMs };
  };
  const killSessions = (record: SandboxRecord) => {
    for (const session of record.sessions.values()) for (const command of session.values()) kill(command);
    record.sessions.clear();
  };

  const toDto = (record: SandboxRecord) => {
    const body = record.createBody;
    return {
      id: record.id, organizationId: 'org-fake', name: body.name ?? record.id, snapshot: body.snapshot, user: 'daytona',
      env: record.env, labels: record.labels, public: false, networkBlockAll: false, target: body.target ?? 'us',
      cpu: body.cpu ?? 1, gpu: 0, memory: body.memory ?? 1, disk: body.disk ?? 3, state: record.state,
      autoStopInterval: body.autoStopInterval ?? 15, autoArchiveInterval: body.autoArchiveInterval ?? 10080,
      autoDeleteInterval: body.autoDeleteInterval ?? -1, buildInfo: body.buildInfo,
      createdAt: record.createdAt, updatedAt: new Date().toISOString(), toolboxProxyUrl: `${origin}/toolbox`,
    };
  };

  async function runCommand(context: FakeCommandContext): Promise<RunningCommand> {
    const entry = [...handlers].reverse().find(({ pattern }) =>
      typeof pattern === 'string' ? context.command.includes(pattern) : pattern.test(context.command));
    const script: FakeCommandScript = entry
      ? await entry.handler(context)
      : { exitCode: 127, stderr: [`fake-daytona: no scripted command matches: ${context.command}\n`] };
    const command: RunningCommand = {
      id: randomUUID(), ...context, output: [], killed: false, listeners: new Set(), stop: new AbortController(),
      done: Promise.resolve(),
    };
    commands.push(command);
    command.done = (async () => {
      const chunks = [
        ...(script.stdout ?? []).map((text) => ({ stream: 'stdout' as const, text })),
        ...(script.stderr ?? []).map((text) => ({ stream: 'stderr' as const, text })),
      ];
      for (const chunk of chunks) {
        if (!(await pause(script.delayMs ?? 0, command.stop.signal))) return;
        command.output.push(chunk);
        for (const socket of command.listeners) socket.send(frame(chunk));
      }
      if (script.runForever) await pause(Number.POSITIVE_INFINITY, command.stop.signal);
      if (!(await pause(script.delayMs ?? 0, command.stop.signal))) return;
      command.exitCode = script.exitCode ?? 0;
      for (const socket of command.listeners) socket.close(1000);
      command.listeners.clear();
    })();
    return command;
  }

  function kill(command: RunningCommand) {
    if (command.exitCode !== undefined || command.killed) return;
    command.killed = true;
    command.stop.abort();
    // Like the daemon when a session's context ends: a normal close of every follower.
    for (const socket of command.listeners) socket.close(1000);
    command.listeners.clear();
  }

  async function handleApi(method: string, parts: string[], query: Record<string, string>, body: any, response: ServerResponse) {
    // parts: ['sandbox', id?, action?, …]
    if (parts[0] !== 'sandbox') return sendError(response, 404, `fake-daytona: no route ${method} /api/${parts.join('/')}`);
    if (parts.length === 1 && method === 'POST') {
      const id = `fake-sandbox-${++sandboxCount}-${randomBytes(3).toString('hex')}`;
      const record: SandboxRecord = {
        id, state: 'creating', labels: { ...(body?.labels ?? {}) }, env: { ...(body?.env ?? {}) }, createBody: body ?? {},
        files: new Map(), createdAt: new Date().toISOString(), sessions: new Map(),
      };
      transition(record, 'creating', 'started');
      sandboxes.set(id, record);
      return sendJson(response, 200, toDto(record));
    }
    if (parts.length === 1 && method === 'GET') {
      const wanted: Record<string, string> = query.labels ? JSON.parse(query.labels) : {};
      const items = [...sandboxes.values()]
        .filter((record) => Object.entries(wanted).every(([key, value]) => record.labels[key] === value))
        .map((record) => toDto(settle(record)));
      return sendJson(response, 200, { items, nextCursor: null });
    }
    const record = sandboxes.get(parts[1]);
    if (!record) return sendError(response, 404, `Sandbox with ID or name ${parts[1]} not found`);
    settle(record);
    const action = parts.slice(2).join('/');
    if (action === '' && method === 'GET') return sendJson(response, 200, toDto(record));
    if (action === '' && method === 'DELETE') {
      killSessions(record);
      sandboxes.delete(record.id);
      return sendJson(response, 200, { ...toDto(record), state: 'destroying' });
    }
    if (action === 'start' && method === 'POST') {
      if (record.state !== 'started') transition(record, 'starting', 'started');
      return sendJson(response, 200, toDto(record));
    }
    if (action === 'stop' && method === 'POST') {
      killSessions(record);
      if (record.state !== 'stopped') transition(record, 'stopping', 'stopped');
      return sendJson(response, 200, toDto(record));
    }
    if (action === 'toolbox-proxy-url' && method === 'GET') return sendJson(response, 200, { url: `${origin}/toolbox` });
    const link = /^ports\/(\d+)\/preview-url$/.exec(action);
    if (link && method === 'GET') {
      // The real API answers a URL that needs its token in the `x-daytona-preview-token` header.
      return sendJson(response, 200, { sandboxId: record.id, url: options.previewUpstream ?? `https://${link[1]}-${record.id}.proxy.fake-daytona.test`, token: `preview-token-${record.id}` });
    }
    const signed = /^ports\/(\d+)\/signed-preview-url$/.exec(action);
    if (signed && method === 'GET') {
      const port = Number(signed[1]);
      const token = randomBytes(12).toString('hex');
      // The real API answers a URL that carries its token in the host name.
      return sendJson(response, 200, { sandboxId: record.id, port, token, url: `https://${port}-${token}.proxy.fake-daytona.test` });
    }
    return sendError(response, 404, `fake-daytona: no route ${method} /api/${parts.join('/')}`);
  }

  async function handleToolbox(
    method: string, record: SandboxRecord, parts: string[], query: Record<string, string>, body: any, response: ServerResponse,
  ) {
    const route = parts.join('/');
    if (route === 'files/bulk-upload' && method === 'POST') {
      for (const file of body.files as Array<{ path: string; content: Buffer }>) record.files.set(file.path, file.content.toString('utf8'));
      return sendJson(response, 200, { files: body.files.map((file: { path: string; content: Buffer }) => ({ path: file.path, bytes: file.content.length })) });
    }
    if (route === 'files' && method === 'DELETE') {
      const path = query.path ?? '';
      const below = [...record.files.keys()].filter((file) => file.startsWith(`${path}/`));
      if (!record.files.has(path) && below.length === 0) {
        return sendJson(response, 404, { statusCode: 404, message: `stat ${path}: no such file or directory`, code: 'FILE_NOT_FOUND', source: 'DAYTONA_DAEMON' });
      }
      if (below.length > 0 && query.recursive !== 'true') return sendError(response, 400, 'cannot delete directory without recursive flag');
      record.files.delete(path);
      for (const file of below) record.files.delete(file);
      response.writeHead(204).end();
      return;
    }
    if (route === 'process/execute' && method === 'POST') {
      const command = await runCommand({ command: String(body?.command ?? ''), sandboxId: record.id });
      await command.done;
      return sendJson(response, 200, { exitCode: command.exitCode ?? -1, result: command.output.map((chunk) => chunk.text).join('') });
    }
    if (route === 'process/session' && method === 'POST') {
      const sessionId = String(body?.sessionId ?? '');
      if (record.sessions.has(sessionId)) return sendError(response, 409, 'session already exists');
      record.sessions.set(sessionId, new Map());
      response.writeHead(201).end();
      return;
    }
    const session = parts[0] === 'process' && parts[1] === 'session' ? record.sessions.get(parts[2]) : undefined;
    if (parts[0] === 'process' && parts[1] === 'session' && parts[2] && !session) return sendError(response, 404, 'session not found');
    if (session && parts.length === 3 && method === 'DELETE') {
      for (const command of session.values()) kill(command);
      record.sessions.delete(parts[2]);
      response.writeHead(204).end();
      return;
    }
    if (session && parts[3] === 'exec' && method === 'POST') {
      const command = await runCommand({ command: String(body?.command ?? ''), sandboxId: record.id, sessionId: parts[2] });
      session.set(command.id, command);
      if (body?.runAsync || body?.async) return sendJson(response, 202, { cmdId: command.id });
      await command.done;
      const text = (stream?: 'stdout' | 'stderr') =>
        command.output.filter((chunk) => !stream || chunk.stream === stream).map((chunk) => chunk.text).join('');
      return sendJson(response, 200, { cmdId: command.id, exitCode: command.exitCode, output: text(), stdout: text('stdout'), stderr: text('stderr') });
    }
    const command = session && parts[3] === 'command' ? session.get(parts[4]) : undefined;
    if (session && parts[3] === 'command' && !command) return sendError(response, 404, 'command not found');
    if (command && parts.length === 5 && method === 'GET') {
      return sendJson(response, 200, { id: command.id, command: command.command, exitCode: command.exitCode });
    }
    if (command && parts[5] === 'logs' && method === 'GET') {
      const text = (stream?: 'stdout' | 'stderr') =>
        command.output.filter((chunk) => !stream || chunk.stream === stream).map((chunk) => chunk.text).join('');
      return sendJson(response, 200, { output: text(), stdout: text('stdout'), stderr: text('stderr') });
    }
    return sendError(response, 404, `fake-daytona: no toolbox route ${method} ${route}`);
  }

  /** Routes one request; for a WebSocket upgrade `upgrade` is set and only the logs route accepts it. */
  function route(request: IncomingMessage) {
    const url = new URL(request.url ?? '/', 'http://fake');
    const parts = url.pathname.split('/').filter(Boolean).map(decodeURIComponent);
    const query = Object.fromEntries(url.searchParams);
    return { path: url.pathname, parts, query };
  }

  function failure(method: string, path: string) {
    const index = failures.findIndex((entry) =>
      (!entry.method || entry.method === method) && (typeof entry.path === 'string' ? entry.path === path : entry.path.test(path)));
    return index === -1 ? undefined : failures.splice(index, 1)[0];
  }

  function authorized(headers: IncomingHttpHeaders) {
    return options.apiKey === undefined || headers.authorization === `Bearer ${options.apiKey}`;
  }

  const server = createServer(async (request, response) => {
    const method = request.method ?? 'GET';
    const { path, parts, query } = route(request);
    const chunks: Buffer[] = [];
    for await (const chunk of request) chunks.push(chunk as Buffer);
    const raw = Buffer.concat(chunks);
    const contentType = request.headers['content-type'] ?? '';
    let body: any;
    const record: FakeDaytonaRequest = { method, path, query, headers: request.headers, body: undefined };
    requests.push(record);
    try {
      if (contentType.startsWith('multipart/form-data')) {
        body = { files: parseBulkUpload(raw, contentType) };
        record.body = { files: body.files.map((file: { path: string; content: Buffer }) => ({ path: file.path, bytes: file.content.length })) };
      } else if (raw.length > 0) {
        body = JSON.parse(raw.toString('utf8'));
        record.body = body;
      }
    } catch (error) {
      return sendError(response, 400, `fake-daytona: unreadable body: ${(error as Error).message}`);
    }
    if (!authorized(request.headers)) return sendError(response, 401, 'Unauthorized');
    const scripted = failure(method, path);
    if (scripted) {
      return sendJson(response, scripted.status, scripted.body ?? { statusCode: scripted.status, message: `fake-daytona: scripted ${scripted.status}` });
    }
    try {
      if (parts[0] === 'api') return await handleApi(method, parts.slice(1), query, body, response);
      if (parts[0] === 'toolbox') {
        const sandbox = sandboxes.get(parts[1]);
        if (!sandbox) return sendError(response, 404, `Sandbox ${parts[1]} not found`);
        if (settle(sandbox).state !== 'started') return sendError(response, 409, `Sandbox ${parts[1]} is not started`);
        return await handleToolbox(method, sandbox, parts.slice(2), query, body, response);
      }
      return sendError(response, 404, `fake-daytona: no route ${method} ${path}`);
    } catch (error) {
      return sendError(response, 500, `fake-daytona: ${(error as Error).message}`);
    }
  });

  server.on('upgrade', (request, socket, head) => {
    const { path, parts, query } = route(request);
    requests.push({ method: 'GET', path, query, headers: request.headers, body: undefined });
    const refuse = (status: number) => {
      socket.end(`HTTP/1.1 ${status} ${status === 401 ? 'Unauthorized' : 'Not Found'}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`);
    };
    // Refused like an API without the notification gateway: the SDK then falls back to polling.
    if (parts.includes('socket.io')) return refuse(404);
    if (!authorized(request.headers)) return refuse(401);
    // /toolbox/{id}/process/session/{sid}/command/{cid}/logs
    const [prefix, sandboxId, process, sessionWord, sessionId, commandWord, commandId, logs] = parts;
    const command = sandboxes.get(sandboxId)?.sessions.get(sessionId)?.get(commandId);
    const isLogs = prefix === 'toolbox' && process === 'process' && sessionWord === 'session' && commandWord === 'command' && logs === 'logs';
    if (!isLogs || !command) return refuse(404);
    logSockets.handleUpgrade(request, socket, head, (websocket) => {
      for (const chunk of command.output) websocket.send(frame(chunk));
      if (query.follow !== 'true' || command.exitCode !== undefined || command.killed) websocket.close(1000);
      else command.listeners.add(websocket);
    });
  });

  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  return {
    apiUrl: `${origin}/api`,
    requests,
    commands,
    sandbox: (id) => sandboxes.get(id),
    onCommand: (pattern, handler) => { handlers.push({ pattern, handler }); },
    failNext: (match, response) => { failures.push({ ...match, ...response }); },
    close: async () => {
      for (const command of commands) kill(command);
      for (const client of logSockets.clients) client.terminate();
      await new Promise<void>((resolve, reject) => {
        server.close((error) => (error ? reject(error) : resolve()));
        server.closeAllConnections(); // the SDK's keep-alive connections would hold `close` open
      });
    },
  };
}

/** One log frame as the daemon sends it: the stream's 3-byte marker, then the bytes. */
function frame(chunk: { stream: 'stdout' | 'stderr'; text: string }): Buffer {
  return Buffer.concat([chunk.stream === 'stdout' ? STDOUT_PREFIX : STDERR_PREFIX, Buffer.from(chunk.text, 'utf8')]);
}

/** Resolves true after `ms`, or false as soon as `signal` aborts. */
function pause(ms: number, signal: AbortSignal): Promise<boolean> {
  if (signal.aborted) return Promise.resolve(false);
  if (ms <= 0) return Promise.resolve(true);
  return new Promise((resolve) => {
    const timer = Number.isFinite(ms) ? setTimeout(() => { signal.removeEventListener('abort', onAbort); resolve(true); }, ms) : undefined;
    const onAbort = () => { clearTimeout(timer); resolve(false); };
    signal.addEventListener('abort', onAbort, { once: true });
  });
}

/** The parts of the SDK's bulk upload (`files[i].path` fields, `files[i].file` contents), by index. */
function parseBulkUpload(raw: Buffer, contentType: string): Array<{ path: string; content: Buffer }> {
  const boundary = /boundary=(?:"([^"]+)"|([^;]+))/.exec(contentType);
  if (!boundary) throw new Error('multipart without a boundary');
  const delimiter = Buffer.from(`--${boundary[1] ?? boundary[2]}`);
  const paths = new Map<string, string>();
  const contents = new Map<string, Buffer>();
  let start = raw.indexOf(delimiter);
  while (start !== -1) {
    const partStart = start + delimiter.length;
    if (raw.subarray(partStart, partStart + 2).toString() === '--') break; // the closing delimiter
    const end = raw.indexOf(delimiter, partStart);
    if (end === -1) throw new Error('multipart without its closing delimiter');
    const part = raw.subarray(partStart + 2, end - 2); // after the CRLF that ends the delimiter line, before the CRLF ahead of the next
    const headerEnd = part.indexOf('\r\n\r\n');
    const headers = part.subarray(0, headerEnd).toString('utf8');
    const content = part.subarray(headerEnd + 4);
    const name = /name="([^"]+)"/.exec(headers)?.[1] ?? '';
    const field = /^files\[(\d+)\]\.(path|file)$/.exec(name);
    if (field?.[2] === 'path') paths.set(field[1], content.toString('utf8').trim());
    else if (field?.[2] === 'file') contents.set(field[1], content);
    start = end;
  }
  return [...contents].map(([index, content]) => {
    const path = paths.get(index);
    if (!path) throw new Error(`files[${index}].file without its .path`);
    return { path, content };
  });
}

function sendJson(response: ServerResponse, status: number, body: unknown): void {
  response.writeHead(status, { 'content-type': 'application/json' });
  response.end(JSON.stringify(body));
}

/** An error in the API's shape (`statusCode`, `message`, `error`), which the SDK reads `message` from. */
function sendError(response: ServerResponse, status: number, message: string): void {
  sendJson(response, status, { statusCode: status, message, error: status === 404 ? 'Not Found' : 'Error' });
}

/** How long each step of a sandbox's first use took, in milliseconds. */
export interface SandboxStepTimes {
  createMs: number;
  uploadMs: number;
  commandMs: number;
  deleteMs: number;
}

/**
 * Times create → upload → one command → delete on any {@link SandboxProvider} (for the benchmark and the
 * tests). With the Daytona provider against this fake, script `command` first (`fake.onCommand`).
 */
export async function timeSandboxSteps(
  provider: SandboxProvider,
  options: { files?: SandboxFile[]; command?: string; labels?: Record<string, string> } = {},
): Promise<SandboxStepTimes> {
  const files = options.files ?? [
    { path: 'index.html', content: '<!doctype html><title>Bench</title><script src="app.js"></script>' },
    { path: 'app.js', content: 'document.title = "ready";\n' },
  ];
  const labels = options.labels ?? { 'everjust.tenant': 'bench', 'everjust.project': 'bench', 'everjust.mode': 'preview' };
  const time = async <T>(step: () => Promise<T>) => {
    const started = performance.now();
    const result = await step();
    return { result, ms: performance.now() - started };
  };
  const created = await time(() => provider.create({ labels, autoStopMinutes: 15, autoDeleteMinutes: 60 }));
  const id = created.result.id;
  try {
    const upload = await time(() => provider.uploadFiles(id, files));
    const command = await time(() => provider.runCommand(id, { command: options.command ?? 'ls', timeoutMs: 30_000 }));
    if (command.result.exitCode !== 0) throw new Error(`the command failed (${command.result.exitCode}): ${command.result.output}`);
    const removed = await time(() => provider.delete(id));
    return { createMs: created.ms, uploadMs: upload.ms, commandMs: command.ms, deleteMs: removed.ms };
  } catch (error) {
    await provider.delete(id).catch(() => undefined);
    throw error;
  }
}
