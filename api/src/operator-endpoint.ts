import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { renameSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { failureMessage, isExpectedError, isLoopbackAddress, type Config, type Database, type Logger } from '@everjust/core';
import { commandName, runCommand, type Flags } from './cli/commands.js';

/**
 * The embedded server's operator endpoint. PGlite allows one process per data dir, so while
 * `pnpm start` runs, the operator CLI cannot open the database; it asks the server to run its
 * tenant and key commands instead. The endpoint listens on 127.0.0.1 only, on a port of its own
 * (never the API's, which may listen on every interface), and answers only a bearer token that it
 * writes, with its address, to a file in the data dir that only the dir's owner can read (mode 0600).
 */

/** In the data dir: `{ url, token, pid }`. */
export const OPERATOR_ENDPOINT_FILE = 'operator-endpoint.json';

/** The commands the server runs for the CLI; everything else (migrate) needs the data dir to itself. */
export const SERVER_COMMANDS = new Set(['tenant create', 'tenant update', 'tenant list', 'key create', 'console link']);

export interface OperatorRequest {
  positionals: string[];
  flags: Flags;
}

export interface OperatorResponse {
  code: number;
  stdout: string;
  stderr: string;
}

export interface OperatorEndpointOptions {
  config: Config;
  database: Database;
  logger: Logger;
  /** The API's own cache invalidation, so a `tenant update` takes effect at once in this process. */
  tenantChanged: (tenantId: string) => Promise<void>;
  /** Where browsers reach this server (console links point there); by default `config.publicUrl`. */
  publicUrl?: string;
  /** Where to listen; only tests pass another (to show a non-loopback one is refused). */
  host?: string;
}

export interface OperatorEndpoint {
  url: string;
  close(): Promise<void>;
}

const MAX_BODY_BYTES = 64 * 1024;

const digest = (value: string) => createHash('sha256').update(value).digest();

export async function startOperatorEndpoint(options: OperatorEndpointOptions): Promise<OperatorEndpoint> {
  const { config, database, logger } = options;
  const token = randomBytes(32).toString('base64url');
  const expected = digest(`Bearer ${token}`);

  const server = createServer((request, response) => {
    handle(request, response).catch((error: unknown) => {
      logger.error({ err: error }, 'operator endpoint failed');
      if (!response.headersSent) reply(response, 500, { error: 'The server could not run the command; its log has the details.' });
    });
  });

  async function handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
    // Bound to 127.0.0.1 already; checked again so a change of binding cannot open it up.
    if (!isLoopbackAddress(request.socket.remoteAddress ?? '')) return reply(response, 403, { error: 'Operator endpoint: loopback only' });
    if (request.method !== 'POST' || request.url !== '/commands') return reply(response, 404, { error: 'Not found' });
    const authorization = request.headers.authorization ?? '';
    if (!timingSafeEqual(digest(authorization), expected)) {
      return reply(response, 401, { error: `A valid operator token is required (it is in ${join(resolve(config.dataDir), OPERATOR_ENDPOINT_FILE)})` });
    }
    let body: OperatorRequest;
    try {
      body = JSON.parse(await readBody(request)) as OperatorRequest;
    } catch {
      return reply(response, 400, { error: 'Expected a JSON body { positionals, flags }' });
    }
    if (!Array.isArray(body.positionals) || !body.positionals.every((item) => typeof item === 'string') || typeof body.flags !== 'object' || body.flags === null) {
      return reply(response, 400, { error: 'Expected a JSON body { positionals, flags }' });
    }
    const command = commandName(body.positionals);
    if (!SERVER_COMMANDS.has(command)) return reply(response, 400, { error: `"${command}" cannot run through the server` });
    const result: OperatorResponse = { code: 0, stdout: '', stderr: '' };
    const output = { out: (text: string) => void (result.stdout += text), err: (text: string) => void (result.stderr += text) };
    try {
      result.code = await runCommand(body.positionals, body.flags, { database, config, output, tenantChanged: options.tenantChanged, publicUrl: options.publicUrl });
    } catch (error) {
      if (!isExpectedError(error)) logger.error({ err: error, command }, 'operator command failed');
      result.code = 1;
      result.stderr += `${failureMessage(error)}\n`;
    }
    logger.info({ command, code: result.code }, 'operator command');
    reply(response, 200, result);
  }

  await new Promise<void>((resolvePromise, reject) => {
    server.once('error', reject);
    server.listen(0, options.host ?? '127.0.0.1', () => resolvePromise());
  });
  const { port } = server.address() as AddressInfo;
  const url = `http://127.0.0.1:${port}`;
  const file = join(resolve(config.dataDir), OPERATOR_ENDPOINT_FILE);
  // Written whole under another name and renamed: a CLI never reads half a file, and the mode is set
  // when the file is created (a later chmod would leave a moment when it is readable).
  const temporary = `${file}.${process.pid}`;
  writeFileSync(temporary, JSON.stringify({ url, token, pid: process.pid }), { mode: 0o600 });
  renameSync(temporary, file);
  return {
    url,
    async close() {
      rmSync(file, { force: true });
      server.closeAllConnections();
      await new Promise<void>((resolvePromise) => server.close(() => resolvePromise()));
    },
  };
}

function reply(response: ServerResponse, status: number, body: unknown): void {
  response.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
}

async function readBody(request: IncomingMessage): Promise<string> {
  let size = 0;
  const chunks: Buffer[] = [];
  for await (const chunk of request) {
    size += (chunk as Buffer).length;
    if (size > MAX_BODY_BYTES) throw new Error('body too large');
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks).toString('utf8');
}
