import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { OperatorError } from '@everjust/core';
import { OPERATOR_ENDPOINT_FILE, SERVER_COMMANDS, type OperatorResponse } from '../operator-endpoint.js';
import { commandName, type CommandOutput, type Flags } from './commands.js';

/** The CLI's side of the embedded server's operator endpoint (see `../operator-endpoint.ts`). */

export interface OperatorEndpointAddress {
  url: string;
  token: string;
  pid: number;
}

export function isServerCommand(positionals: readonly string[]): boolean {
  return SERVER_COMMANDS.has(commandName(positionals));
}

/**
 * The endpoint the server holding the data dir wrote, or undefined: none (not a server, or one from
 * before this feature), unreadable (another user's data dir: its owner's token is not ours to use),
 * or left by another process than `holderPid` (a server that crashed).
 */
export function readOperatorEndpoint(dataDir: string, holderPid: number): OperatorEndpointAddress | undefined {
  try {
    const endpoint = JSON.parse(readFileSync(join(resolve(dataDir), OPERATOR_ENDPOINT_FILE), 'utf8')) as OperatorEndpointAddress;
    if (typeof endpoint.url !== 'string' || typeof endpoint.token !== 'string' || endpoint.pid !== holderPid) return undefined;
    return endpoint;
  } catch {
    return undefined;
  }
}

/** Runs a tenant or key command in the server; prints what it printed and returns its exit code. */
export async function runThroughServer(endpoint: OperatorEndpointAddress, positionals: string[], flags: Flags, output: CommandOutput): Promise<number> {
  let response: Response;
  try {
    response = await fetch(`${endpoint.url}/commands`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${endpoint.token}` },
      body: JSON.stringify({ positionals, flags }),
      signal: AbortSignal.timeout(60_000),
    });
  } catch (error) {
    throw new OperatorError(`The running server (pid ${endpoint.pid}) holds the embedded database but its operator endpoint did not answer (${(error as Error).message}). Try again, or stop the server and rerun the command.`, { cause: error });
  }
  const body = (await response.json().catch(() => ({}))) as Partial<OperatorResponse> & { error?: string };
  if (!response.ok || typeof body.code !== 'number') {
    throw new OperatorError(`The running server (pid ${endpoint.pid}) refused the command: ${body.error ?? `HTTP ${response.status}`}`);
  }
  if (body.stdout) output.out(body.stdout);
  if (body.stderr) output.err(body.stderr);
  return body.code;
}
