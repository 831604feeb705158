import { Agent as HttpAgent, request as httpRequest } from 'node:http';
import { setMaxListeners } from 'node:events';
import { ServerSentEventParser } from '@everjust/sdk';
import { SESSION_EVENTS_SUBSCRIPTION } from '../../../test-support/platform.js';
import { graphqlRequest } from '../_harness.js';
import type { ChildMessage, ParentMessage, StreamCommand, StreamResult } from './protocol.js';

/**
 * The subscribers of the sessions-stream suite, in a process of their own (forked by
 * `../sessions-stream.ts`), as separate clients would be: told what to do over IPC, they start
 * sessions, follow them over SSE and time each event's arrival.
 */

runClient();

function runClient() {
  const reply = (message: ChildMessage) => process.send!(message);
  let idle: IdleSubscriptions | undefined;
  process.on('message', (message: ParentMessage) => {
    void (async () => {
      try {
        if (message.type === 'stream') reply(await streamSessions(message));
        else if (message.type === 'idle-create') {
          idle = await createIdleSessions(message.url, message.key, message.count);
          reply({ type: 'idle-created' });
        } else if (message.type === 'idle-open') reply({ type: 'idle-opened', count: await idle!.open() });
        else if (message.type === 'idle-close') {
          await idle!.close();
          reply({ type: 'idle-closed' });
        } else if (message.type === 'idle-cancel') {
          await idle!.cancel();
          reply({ type: 'idle-cancelled' });
        } else if (message.type === 'exit') process.exit(0);
      } catch (error) {
        reply({ type: 'error', message: error instanceof Error ? (error.stack ?? error.message) : String(error) });
      }
    })();
  });
}


async function startLiveSession(url: string, key: string, prompt: string): Promise<string> {
  const project = await graphqlRequest(url, key, 'mutation($input: CreateProjectInput!) { createProject(input: $input) { id } }', { input: { name: 'Bench stream' } });
  const started = await graphqlRequest(url, key, 'mutation($input: StartSessionInput!) { startSession(input: $input) { id } }', {
    input: { projectId: project.createProject.id, prompt },
  });
  return started.startSession.id as string;
}

/**
 * Opens a GraphQL-over-SSE subscription and calls `onEvent` with each event and the time its chunk
 * arrived (before parsing). Resolves true on `complete`, false when the stream ends without it.
 * node:http rather than fetch: the subscribers share the machine with the server, so the load
 * generator should cost as little CPU as it can (fetch's web streams cost about twice as much).
 */
function followSse(
  url: string,
  key: string,
  sessionId: string,
  onEvent: (event: { seq: number; type: string; at: string; status?: string; code?: string; message?: string }, receivedAt: number) => void,
  signal?: AbortSignal,
): Promise<boolean> {
  return new Promise<boolean>((resolve, reject) => {
    const body = JSON.stringify({ query: SESSION_EVENTS_SUBSCRIPTION, variables: { sessionId } });
    const request = httpRequest(`${url}/graphql`, {
      method: 'POST',
      agent: sseAgent,
      headers: { 'content-type': 'application/json', accept: 'text/event-stream', authorization: `Bearer ${key}`, 'content-length': Buffer.byteLength(body) },
      signal,
    });
    let settled = false;
    const settle = (outcome: () => void) => {
      if (settled) return;
      settled = true;
      outcome();
    };
    request.on('error', (error) => settle(() => reject(error)));
    request.on('response', (response) => {
      if (response.statusCode !== 200) {
        let text = '';
        response.setEncoding('utf8');
        response.on('data', (chunk: string) => void (text += chunk));
        response.on('end', () => settle(() => reject(new Error(`subscription answered HTTP ${response.statusCode}: ${text.slice(0, 500)}`))));
        return;
      }
      response.setEncoding('utf8');
      const parser = new ServerSentEventParser();
      response.on('data', (chunk: string) => {
        const receivedAt = Date.now();
        try {
          for (const { event: type, data } of parser.feed(chunk)) {
            // The server ends the response after `complete`: its connection goes back to the agent.
            if (type === 'complete') return settle(() => resolve(true));
            if (type === 'next' && data) {
              const payload = JSON.parse(data);
              if (payload.errors) throw new Error(`subscription error: ${JSON.stringify(payload.errors).slice(0, 500)}`);
              onEvent(payload.data.sessionEvents, receivedAt);
            }
          }
        } catch (error) {
          response.destroy();
          settle(() => reject(error as Error));
        }
      });
      response.on('end', () => settle(() => resolve(false)));
      response.on('close', () => settle(() => resolve(false)));
      response.on('error', (error) => settle(() => reject(error)));
    });
    request.end(body);
  });
}

/** Keep-alive connections for the subscribers (a connection per open stream, reused by the next). */
const sseAgent = new HttpAgent({ keepAlive: true, maxSockets: Infinity });

async function streamSessions(command: StreamCommand): Promise<StreamResult> {
  const cpuBefore = process.cpuUsage();
  const start = Date.now();
  const windowStart = start + command.warmupS * 1000;
  const windowEnd = windowStart + command.durationS * 1000;
  const result: StreamResult = {
    type: 'stream-result',
    latencies: [],
    deliveredInWindow: 0,
    replayed: 0,
    outsideWindow: 0,
    sessionsCompleted: 0,
    sessionSeconds: [],
    phases: { start: [], queued: [], running: [] },
    textDeltasPerSession: [],
    eventsByType: {},
    errors: {},
    startFailures: {},
    windowStart,
    windowEnd,
    clientCpuMs: 0,
  };
  const prompts = ['Build a calculator', 'A todo list', 'A countdown timer', 'A notes app', 'A counter'];

  const slot = async (index: number) => {
    await new Promise((resolve) => setTimeout(resolve, (index * command.staggerMs) / command.sessions));
    let round = 0;
    let finished = false;
    while (Date.now() < windowEnd && !(command.once && finished)) {
      const started = Date.now();
      const key = command.keys[index % command.keys.length];
      let sessionId: string;
      try {
        sessionId = await startLiveSession(command.url, key, prompts[(index + round++) % prompts.length]);
      } catch (error) {
        // Counted and reported (the run then exits 1), not fatal: the figures of the rest still count.
        const described = (error as Error).message.replace(/"(errorId|requestId)":"[^"]*"/g, '"$1":…').slice(0, 300);
        result.startFailures[described] = (result.startFailures[described] ?? 0) + 1;
        await new Promise((resolve) => setTimeout(resolve, 200));
        continue;
      }
      const answered = Date.now();
      const stamps: number[] = [];
      let liveFrom: number | undefined;
      let lastSeq = 0;
      let textDeltas = 0;
      let finalStatus: string | undefined;
      const completed = await followSse(command.url, key, sessionId, (event, receivedAt) => {
        if (event.seq !== lastSeq + 1) throw new Error(`session ${sessionId}: seq ${event.seq} after ${lastSeq} (a gap or a duplicate)`);
        lastSeq = event.seq;
        if (event.seq <= 2 || event.type === 'done') stamps.push(Date.parse(event.at));
        result.eventsByType[event.type] = (result.eventsByType[event.type] ?? 0) + 1;
        if (event.type === 'text_delta') textDeltas++;
        if (event.type === 'done') finalStatus = event.status;
        if (event.type === 'error') {
          const described = `${event.code}: ${event.message}`;
          result.errors[described] = (result.errors[described] ?? 0) + 1;
        }
        if (receivedAt >= windowStart && receivedAt < windowEnd) result.deliveredInWindow++;
        if (liveFrom === undefined) {
          // The first event (the API's `queued`) is always replayed: from now on the stream is live.
          liveFrom = receivedAt;
          result.replayed++;
          return;
        }
        const at = Date.parse(event.at);
        if (at < liveFrom) result.replayed++;
        else if (at >= windowStart && at < windowEnd) result.latencies.push(receivedAt - at);
        else result.outsideWindow++;
      });
      if (!completed) throw new Error(`session ${sessionId}: the stream ended without complete`);
      if (finalStatus !== 'succeeded') throw new Error(`session ${sessionId} ended ${finalStatus ?? 'without done'}`);
      result.sessionsCompleted++;
      finished = true;
      result.sessionSeconds.push((Date.now() - started) / 1000);
      if (started >= windowStart && started < windowEnd) {
        result.phases.start.push(answered - started);
        result.phases.queued.push(stamps[1] - stamps[0]);
        result.phases.running.push(stamps[stamps.length - 1] - stamps[1]);
      }
      result.textDeltasPerSession.push(textDeltas);
    }
  };
  await Promise.all(Array.from({ length: command.sessions }, (_, index) => slot(index)));
  const cpu = process.cpuUsage(cpuBefore);
  result.clientCpuMs = (cpu.user + cpu.system) / 1000;
  return result;
}

interface IdleSubscriptions {
  open(): Promise<number>;
  close(): Promise<void>;
  cancel(): Promise<void>;
}

async function createIdleSessions(url: string, key: string, count: number): Promise<IdleSubscriptions> {
  const sessionIds: string[] = [];
  // A few at a time: this is setup, not load.
  for (let index = 0; index < count; index += 20) {
    const batch = Math.min(20, count - index);
    sessionIds.push(...(await Promise.all(Array.from({ length: batch }, () => startLiveSession(url, key, 'A counter')))));
  }
  const controller = new AbortController();
  setMaxListeners(0, controller.signal); // one abort listener per open stream
  const streams: Array<Promise<unknown>> = [];
  return {
    async open() {
      let opened = 0;
      await Promise.all(
        sessionIds.map(
          (sessionId) =>
            new Promise<void>((resolve, reject) => {
              const stream = followSse(
                url,
                key,
                sessionId,
                () => {
                  opened++;
                  resolve();
                },
                controller.signal,
              ).then(
                () => reject(new Error(`idle session ${sessionId}: the stream ended`)),
                (error: unknown) => {
                  if (!controller.signal.aborted) reject(error as Error);
                },
              );
              streams.push(stream);
            }),
        ),
      );
      return opened;
    },
    async close() {
      controller.abort();
      await Promise.allSettled(streams);
    },
    async cancel() {
      for (let index = 0; index < sessionIds.length; index += 20) {
        await Promise.all(
          sessionIds.slice(index, index + 20).map((id) =>
            graphqlRequest(url, key, 'mutation($input: CancelSessionInput!) { cancelSession(input: $input) { id status } }', { input: { id } }),
          ),
        );
      }
    },
  };
}
