import { describe, expect, it } from 'vitest';
import { widgetError, type ApiClient, type FollowOptions } from './api-client.js';
import type { WidgetProject, WidgetSession, WidgetSessionEvent } from './operations.js';
import { SessionController, type SessionView } from './session-controller.js';

/** The builder's session state in Node: what the end user would see, recorded from the view. */

type Call = [string, ...unknown[]];

function recordingView(): { view: SessionView; calls: Call[]; log: () => string[]; badge: () => string | undefined } {
  const calls: Call[] = [];
  const files = new Map<string, number>();
  let preview: string | undefined;
  const record =
    (name: string) =>
    (...args: unknown[]) =>
      void calls.push([name, ...args]);
  const view: SessionView = {
    setBusy: record('setBusy'),
    setBadge: record('setBadge'),
    entry: record('entry'),
    appendText: record('appendText'),
    endText: () => undefined,
    commandStarted: record('commandStarted'),
    commandOutput: record('commandOutput'),
    showFiles: (list) => list.forEach((file) => files.set(file.path, file.size)),
    fileWritten: (path, size) => void files.set(path, size),
    fileDeleted: (path) => void files.delete(path),
    fileContent: record('fileContent'),
    selectedPath: () => 'index.html',
    hasFiles: () => files.size > 0,
    showPreview: (url) => {
      preview = url;
      calls.push(['showPreview', url]);
    },
    offerPreview: record('offerPreview'),
    previewShown: () => preview !== undefined,
    setRetry: record('setRetry'),
    askQuestion: record('askQuestion'),
    questionAnswered: record('questionAnswered'),
    announce: record('announce'),
    ready: record('ready'),
    sessionStarted: record('sessionStarted'),
    sessionEvent: () => undefined,
    sessionEnded: record('sessionEnded'),
    fail: (error, blocking) => void calls.push(['fail', error.code, error.message, blocking]),
  };
  return {
    view,
    calls,
    log: () => calls.filter((call) => call[0] === 'entry').map((call) => `${call[1]}: ${call[2]}`),
    badge: () => calls.filter((call) => call[0] === 'setBadge').at(-1)?.[1] as string | undefined,
  };
}

const project = (overrides: Partial<WidgetProject> = {}): WidgetProject =>
  ({ id: 'proj_1', name: 'App', files: [], sandbox: null, sessions: { edges: [] }, ...overrides }) as unknown as WidgetProject;
const session = (overrides: Partial<WidgetSession> = {}): WidgetSession =>
  ({ id: 'sess_1', kind: 'generate', status: 'queued', prompt: 'A counter', error: null, ...overrides }) as unknown as WidgetSession;

/** A client whose answers the test scripts: operation name → answer (or error), and the events a stream plays. */
function fakeClient(answers: Record<string, unknown>, events: WidgetSessionEvent[] = [], options: { holdStream?: boolean } = {}) {
  const requests: Array<[string, Record<string, unknown> | undefined]> = [];
  const client: Pick<ApiClient, 'request' | 'followSession'> = {
    async request<T>(name: string, variables?: Record<string, unknown>): Promise<T> {
      requests.push([name, variables]);
      const answer = answers[name];
      if (answer instanceof Error) throw answer;
      return answer as T;
    },
    async followSession(_id: string, follow: FollowOptions) {
      for (const event of events) follow.onEvent(event);
      if (options.holdStream) await new Promise<void>((resolve) => follow.signal?.addEventListener('abort', () => resolve(), { once: true }));
    },
  };
  return { client, requests };
}

const flush = () => new Promise((resolve) => setTimeout(resolve, 0));

describe('SessionController', () => {
  it('turns a session’s events into log lines, files, a preview and a final badge', async () => {
    const { view, log, badge, calls } = recordingView();
    const { client } = fakeClient({ project: { project: project() }, startSession: { startSession: session() }, file: { project: { file: { path: 'index.html', content: '<h1>Hi</h1>' } } } }, [
      { type: 'status', status: 'running', step: 'generate' },
      { type: 'text_delta', text: 'Writing it.' },
      { type: 'file_written', path: 'index.html', size: 2048 },
      { type: 'command_started', commandId: 'c1', command: 'npm test' },
      { type: 'command_finished', commandId: 'c1', exitCode: 0, durationMs: 1500 },
      { type: 'preview_ready', url: 'https://preview.test/p/' },
      { type: 'done', status: 'succeeded', error: null },
    ] as unknown as WidgetSessionEvent[]);
    const controller = new SessionController(view);
    controller.begin(client, new AbortController().signal);
    await controller.load('proj_1');
    expect(calls).toContainEqual(['ready', 'proj_1']);
    expect(await controller.send('  A counter  ')).toBe(true);
    await flush();

    expect(log()).toEqual(['prompt: A counter', 'status: generate', 'file: index.html (2.0 kB)', 'command: Exited with 0 in 1.5 s', 'status: Preview ready', 'done: Build succeeded']);
    expect(calls).toContainEqual(['appendText', 'Writing it.']);
    expect(calls).toContainEqual(['showPreview', 'https://preview.test/p/']);
    // The file the user has open was rewritten: its new content is shown.
    expect(calls).toContainEqual(['fileContent', 'index.html', '<h1>Hi</h1>']);
    expect(badge()).toBe('Build succeeded');
    expect(calls).toContainEqual(['setRetry', false]);
    expect(controller.busy).toBe(false);
    expect(calls.filter((call) => call[0] === 'sessionEnded')).toHaveLength(1);
  });

  it('offers Retry with the error after a failed build, and Retry sends the same prompt again', async () => {
    const { view, log, badge, calls } = recordingView();
    const { client, requests } = fakeClient({ project: { project: project() }, startSession: { startSession: session() } }, [
      { type: 'done', status: 'failed', error: { code: 'BUDGET_EXCEEDED', message: 'The session used its output budget' } },
    ] as unknown as WidgetSessionEvent[]);
    const controller = new SessionController(view);
    controller.begin(client, new AbortController().signal);
    await controller.load('proj_1');
    await controller.send('A counter');
    await flush();
    expect(log().at(-1)).toBe('done: Build failed: The session used its output budget');
    expect(badge()).toBe('Build failed');
    expect(calls).toContainEqual(['setRetry', true]);

    await controller.retry();
    await flush();
    const prompts = requests.filter(([name]) => name === 'startSession').map(([, variables]) => (variables!.input as { prompt: string }).prompt);
    expect(prompts).toEqual(['A counter', 'A counter']);
  });

  it('says in one line why a session could not start, and takes prompts again', async () => {
    const { view, calls } = recordingView();
    const { client } = fakeClient({ project: { project: project() }, startSession: widgetError('QUOTA_EXCEEDED', 'Quota exceeded: generationsPerDay (limit 20)') });
    const controller = new SessionController(view);
    controller.begin(client, new AbortController().signal);
    await controller.load('proj_1');
    expect(await controller.send('A counter')).toBe(false);
    expect(calls).toContainEqual(['fail', 'QUOTA_EXCEEDED', 'Quota exceeded: generationsPerDay (limit 20)', true]);
    expect(controller.busy).toBe(false);
    expect(calls.at(-2)).toEqual(['setBusy', false, true]);
  });

  it('follows a build still running after a reload, and a lifecycle abort stops it quietly', async () => {
    const { view, log, calls } = recordingView();
    const running = session({ status: 'running', prompt: 'A timer' });
    const { client } = fakeClient(
      { project: { project: project({ sessions: { edges: [{ node: running }] } } as Partial<WidgetProject>) } },
      [{ type: 'text_delta', text: 'Still writing.' }] as unknown as WidgetSessionEvent[],
      { holdStream: true },
    );
    const lifecycle = new AbortController();
    const controller = new SessionController(view);
    controller.begin(client, lifecycle.signal);
    await controller.load('proj_1');
    await flush();
    expect(log()).toEqual(['prompt: A timer']);
    expect(calls).toContainEqual(['appendText', 'Still writing.']);
    expect(controller.busy).toBe(true);
    expect(controller.session?.id).toBe('sess_1');

    lifecycle.abort();
    controller.stop();
    await flush();
    expect(controller.busy).toBe(false);
    expect(calls.some((call) => call[0] === 'fail')).toBe(false);
    expect(calls.some((call) => call[0] === 'sessionEnded')).toBe(false);
  });

  it('offers Retry when the project cannot be loaded', async () => {
    const { view, calls } = recordingView();
    const controller = new SessionController(view);
    controller.begin(fakeClient({ project: widgetError('FORBIDDEN', 'This widget token is for another project') }).client, new AbortController().signal);
    await expect(controller.load('proj_2')).rejects.toThrow('another project');
    controller.fail(widgetError('FORBIDDEN', 'This widget token is for another project'));
    expect(calls).toContainEqual(['fail', 'FORBIDDEN', 'This widget token is for another project', true]);
    expect(calls).toContainEqual(['setRetry', true]);
    expect(controller.projectId).toBeUndefined();
  });

  it('shows a question with its choices, answers it (a choice or typed text) and goes on building', async () => {
    const { view, log, badge, calls } = recordingView();
    const { client, requests } = fakeClient(
      { project: { project: project() }, startSession: { startSession: session() }, answerSession: { answerSession: session({ status: 'queued' }) } },
      [
        { type: 'status', status: 'running', step: 'generating' },
        { type: 'question', question: 'Which look should the app have?', choices: ['Light theme', 'Dark theme'] },
      ] as unknown as WidgetSessionEvent[],
      { holdStream: true },
    );
    const controller = new SessionController(view);
    const lifecycle = new AbortController();
    controller.begin(client, lifecycle.signal);
    await controller.load('proj_1');
    await controller.send('A todo list #ask');
    await flush();
    expect(calls.filter((call) => call[0] === 'askQuestion')).toEqual([['askQuestion', 'Which look should the app have?', ['Light theme', 'Dark theme']]]);
    expect(badge()).toBe('Waiting for your answer');
    expect(controller.question).toBe('Which look should the app have?');
    expect(controller.session?.status).toBe('waiting_for_input');

    // What is sent now answers the question; it does not start another session.
    expect(await controller.send('Dark theme')).toBe(true);
    expect(requests.filter(([name]) => name === 'startSession')).toHaveLength(1);
    expect(requests.at(-1)).toEqual(['answerSession', { input: { sessionId: 'sess_1', answer: 'Dark theme' } }]);
    expect(calls.filter((call) => call[0] === 'questionAnswered')).toHaveLength(1);
    expect(controller.question).toBeUndefined();
    // No question: answer() does nothing.
    expect(await controller.answer('Light theme')).toBe(false);
    expect(log()).toContain('prompt: A todo list #ask');
    lifecycle.abort();
  });

  it('takes the answered event (the answer may come from another client) as the end of the question', async () => {
    const { view, log, calls } = recordingView();
    const { client } = fakeClient(
      { project: { project: project() }, startSession: { startSession: session() }, },
      [
        { type: 'question', question: 'Bakery or café?', choices: [] },
        { type: 'status', status: 'queued', step: 'answered', statusMessage: 'Café' },
        { type: 'status', status: 'running', step: 'resumed' },
      ] as unknown as WidgetSessionEvent[],
      { holdStream: true },
    );
    const controller = new SessionController(view);
    const lifecycle = new AbortController();
    controller.begin(client, lifecycle.signal);
    await controller.load('proj_1');
    await controller.send('A page for my shop');
    await flush();
    expect(calls.filter((call) => call[0] === 'questionAnswered')).toHaveLength(1);
    expect(log()).toContain('prompt: Café');
    expect(controller.question).toBeUndefined();
    expect(controller.session?.status).toBe('running');
    // Sent now, it would start a new build (busy: refused), not answer anything.
    expect(await controller.send('Bakery')).toBe(false);
    lifecycle.abort();
  });
});
