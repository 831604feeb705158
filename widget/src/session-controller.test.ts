import { describe, expect, it } from 'vitest';
import { ConnectionError, RateLimitError } from '@everjust/sdk';
import { ApiError, widgetError, type ApiClient, type FollowOptions } from './api-client.js';
import type { WidgetProject, WidgetSession, WidgetSessionEvent } from './operations.js';
import { SessionController, type SessionView } from './session-controller.js';

/** The builder's session state in Node: what the end user would see, recorded from the view. */

type Call = [string, ...unknown[]];

function recordingView(): { view: SessionView; calls: Call[]; log: () => string[]; badge: () => string | undefined; thread: () => string[] } {
  const calls: Call[] = [];
  const files = new Map<string, number>();
  /** Turns in thread order (sessions' prompts), as the end user reads them top to bottom. */
  const order: string[] = [];
  let preview: string | undefined;
  const record =
    (name: string) =>
    (...args: unknown[]) =>
      void calls.push([name, ...args]);
  const view: SessionView = {
    setBusy: record('setBusy'),
    setBadge: record('setBadge'),
    turn: (session, at) => {
      if (!order.includes(session.prompt)) {
        if (at === 'end') order.push(session.prompt);
        else order.unshift(session.prompt);
        calls.push(['entry', 'prompt', session.prompt]);
      }
      return {
        appendText: record('appendText'),
        endText: () => undefined,
        entry: (kind, text) => void calls.push(['entry', kind, text]),
        commandStarted: record('commandStarted'),
        commandOutput: record('commandOutput'),
        finish: (status, text) => void calls.push(['entry', 'done', text, status]),
        live: () => undefined,
        question: (question, choices, answer) => void calls.push(['question', question, choices, answer]),
        answered: (answer) => void calls.push(['answered', answer]),
        restore: (reply, status, text, loadSteps) => void calls.push(['restore', session.prompt, reply, status, text, loadSteps]),
      };
    },
    setHasEarlier: record('setHasEarlier'),
    showFiles: (list) => {
      files.clear();
      list.forEach((file) => files.set(file.path, file.size));
      calls.push(['showFiles', list.map((file) => file.path)]);
    },
    fileWritten: (path, size) => void files.set(path, size),
    fileDeleted: (path) => void files.delete(path),
    fileContent: record('fileContent'),
    selectedPath: () => 'index.html',
    hasFiles: () => files.size > 0,
    showPreview: (url) => {
      preview = url;
      calls.push(['showPreview', url]);
    },
    reloadPreview: record('reloadPreview'),
    offerPreview: record('offerPreview'),
    previewShown: () => preview !== undefined,
    showVersions: (versions, current, more) => void calls.push(['showVersions', versions.map((version) => version.prompt), current, more ?? false]),
    versionAdded: (version) => void calls.push(['versionAdded', version.prompt, version.screenshotUrl ?? null]),
    versionRestored: record('versionRestored'),
    setRetry: record('setRetry'),
    showVersionPreview: record('showVersionPreview'),
    showLive: record('showLive'),
    deployStatus: record('deployStatus'),
    saveFile: (blob, filename) => void calls.push(['saveFile', blob.size, filename]),
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
    thread: () => [...order],
  };
}

const project = (overrides: Partial<WidgetProject> = {}): WidgetProject =>
  ({ id: 'proj_1', name: 'App', files: [], sandbox: null, sessions: page([]), ...overrides }) as unknown as WidgetProject;
const page = (sessions: WidgetSession[], endCursor: string | null = null) => ({ pageInfo: { hasNextPage: endCursor !== null, endCursor }, edges: sessions.map((node) => ({ node })) });
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
      { type: 'preview_checked', checkErrors: [{ message: 'Uncaught Error: boom' }] },
      { type: 'repair_started', round: 1, repairErrors: [{ message: 'Uncaught Error: boom' }] },
      { type: 'preview_checked', checkErrors: [] },
      { type: 'done', status: 'succeeded', error: null },
    ] as unknown as WidgetSessionEvent[]);
    const controller = new SessionController(view);
    controller.begin(client, new AbortController().signal);
    await controller.load('proj_1');
    expect(calls).toContainEqual(['ready', 'proj_1']);
    expect(await controller.send('  A counter  ')).toBe(true);
    await flush();

    expect(log()).toEqual([
      'prompt: A counter',
      'status: generate',
      'file: index.html (2.0 kB)',
      'command: Exited with 0 in 1.5 s',
      'status: Preview ready',
      'status: Checked the app in a browser: 1 error(s): Uncaught Error: boom',
      'status: Fixing what the check found (round 1)…',
      'status: Checked the app in a browser: no errors',
      'done: Build succeeded',
    ]);
    // A build that succeeded is the newest version.
    expect(calls).toContainEqual(['versionAdded', 'A counter', null]);
    expect(calls).toContainEqual(['appendText', 'Writing it.']);
    expect(calls).toContainEqual(['showPreview', 'https://preview.test/p/']);
    // The file the user has open was rewritten: its new content is shown.
    expect(calls).toContainEqual(['fileContent', 'index.html', '<h1>Hi</h1>', null]);
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
    expect(badge()).toBe('Build failed: The session used its output budget');
    expect(calls.some((call) => call[0] === 'versionAdded')).toBe(false);
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
    expect(calls).toContainEqual(['fail', 'QUOTA_EXCEEDED', 'The build limit is reached: Quota exceeded: generationsPerDay (limit 20)', true]);
    expect(controller.busy).toBe(false);
    expect(calls.at(-2)).toEqual(['setBusy', false, true]);
  });

  it('follows a build still running after a reload, and a lifecycle abort stops it quietly', async () => {
    const { view, log, calls } = recordingView();
    const running = session({ status: 'running', prompt: 'A timer' });
    const { client } = fakeClient(
      { project: { project: project({ sessions: page([running]) }) } },
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

  it('restores the conversation newest last, pages earlier turns in at the top, and lists succeeded builds as versions', async () => {
    const { view, calls, thread } = recordingView();
    const third = session({ id: 's3', prompt: 'Make it blue', status: 'succeeded', reply: 'Blue now.', endedAt: '2026-12-04T10:03:00Z' });
    const second = session({ id: 's2', prompt: 'Add a reset', status: 'failed', reply: null, error: { code: 'MODEL_ERROR', message: 'The model failed' } });
    const first = session({ id: 's1', prompt: 'A counter', status: 'succeeded', reply: 'A counter.', endedAt: '2026-12-04T10:01:00Z' });
    const zeroth = session({ id: 's0', prompt: 'Hello', status: 'succeeded', reply: 'Hi.' });
    const { client, requests } = fakeClient(
      { project: { project: project({ sessions: page([third, second, first], 'cursor-1') }) }, sessions: { project: { sessions: page([zeroth]) } } },
      [{ type: 'file_written', path: 'index.html', size: 10 }, { type: 'text_delta', text: 'ignored' }, { type: 'done', status: 'succeeded' }] as unknown as WidgetSessionEvent[],
    );
    const controller = new SessionController(view);
    controller.begin(client, new AbortController().signal);
    await controller.load('proj_1');
    expect(thread()).toEqual(['A counter', 'Add a reset', 'Make it blue']);
    const restored = calls.filter((call) => call[0] === 'restore').map((call) => call.slice(1, 5));
    expect(restored).toContainEqual(['Add a reset', null, 'failed', 'Build failed: The model failed']);
    expect(restored).toContainEqual(['Make it blue', 'Blue now.', 'succeeded', 'Build succeeded']);
    expect(calls).toContainEqual(['showVersions', ['Make it blue', 'A counter'], undefined, false]);
    expect(calls).toContainEqual(['setHasEarlier', true]);

    await controller.loadEarlier();
    expect(requests.at(-1)).toEqual(['sessions', { projectId: 'proj_1', after: 'cursor-1' }]);
    expect(thread()).toEqual(['Hello', 'A counter', 'Add a reset', 'Make it blue']);
    expect(calls.at(-1)).toEqual(['showVersions', ['Hello'], undefined, true]);
    expect(calls.filter((call) => call[0] === 'setHasEarlier').at(-1)).toEqual(['setHasEarlier', false]);

    // Opening a past turn's details replays its steps (not its text, already in the reply).
    const before = calls.length;
    const loadSteps = calls.find((call) => call[0] === 'restore' && call[1] === 'A counter')![5] as () => void;
    loadSteps();
    await flush();
    expect(calls.slice(before).filter((call) => call[0] === 'entry' || call[0] === 'appendText')).toEqual([['entry', 'file', 'index.html (10 B)']]);
  });

  it('restores a version: files replaced, the preview reloaded, the version marked current', async () => {
    const { view, calls } = recordingView();
    const { client, requests } = fakeClient({
      project: { project: project({ files: [{ path: 'index.html', size: 3 }], sandbox: { status: 'running', previewUrl: 'https://preview.test/p/', previewExpiresAt: null } }) },
      restoreSnapshot: { restoreSnapshot: { id: 'proj_1', files: [{ path: 'index.html', size: 1 }, { path: 'app.js', size: 2 }], sandbox: null } },
    });
    const controller = new SessionController(view);
    controller.begin(client, new AbortController().signal);
    await controller.load('proj_1');
    expect(await controller.restore('s1')).toBe(true);
    expect(requests.at(-1)).toEqual(['restoreSnapshot', { input: { sessionId: 's1' } }]);
    expect(calls.filter((call) => call[0] === 'showFiles').at(-1)).toEqual(['showFiles', ['index.html', 'app.js']]);
    expect(calls).toContainEqual(['reloadPreview']);
    expect(calls).toContainEqual(['versionRestored', 's1', 'proj_1']);
  });

  it('turns refusals into errors a person can act on, with codes a host can switch on', async () => {
    const cases: Array<[Error, string, RegExp]> = [
      [new ApiError({ code: 'FORBIDDEN', status: 403, message: 'This widget token is for https://a.test; this request came from https://b.test', extensions: { code: 'FORBIDDEN', reason: 'WRONG_ORIGIN' } }), 'ORIGIN_NOT_ALLOWED', /not allowed on this page \(https:\/\/b\.test\)/],
      [new ApiError({ code: 'UNAUTHENTICATED', status: 401, message: 'The widget token expired', extensions: { code: 'UNAUTHENTICATED' } }), 'TOKEN_EXPIRED', /Reload the page/],
      [new RateLimitError({ code: 'RATE_LIMITED', status: 429, message: 'Rate limit exceeded; retry after 7 s', retryAfter: 7, extensions: { code: 'RATE_LIMITED' } }), 'RATE_LIMITED', /in 7 s/],
      [new ConnectionError({ code: 'CONNECTION_ERROR', message: 'Could not reach the API: fetch failed' }), 'NETWORK', /Check your connection/],
      [new ApiError({ code: 'NOT_FOUND', status: 200, message: 'Project x not found', extensions: { code: 'NOT_FOUND' } }), 'NOT_FOUND', /Project x not found/],
    ];
    for (const [error, code, message] of cases) {
      const { view, calls } = recordingView();
      const controller = new SessionController(view, undefined, () => 'https://b.test');
      controller.begin(fakeClient({ project: error }).client, new AbortController().signal);
      await controller.load('proj_1').catch((caught: unknown) => controller.fail(caught));
      const failed = calls.find((call) => call[0] === 'fail')!;
      expect(failed[1], code).toBe(code);
      expect(failed[2], code).toMatch(message);
    }
  });

  it('shows a question with its choices, answers it, and marks it answered when the session goes on', async () => {
    const { view, calls, badge } = recordingView();
    const { client, requests } = fakeClient({ project: { project: project() }, startSession: { startSession: session() }, answerSession: { answerSession: session({ status: 'queued' }) } }, [
      { type: 'status', status: 'running' },
      { type: 'question', question: 'Which look should the app have?', choices: ['Light theme', 'Dark theme'] },
    ] as unknown as WidgetSessionEvent[], { holdStream: true });
    const controller = new SessionController(view);
    controller.begin(client, new AbortController().signal);
    await controller.load('proj_1');
    await controller.send('A timer #ask');
    await flush();
    const asked = calls.find((call) => call[0] === 'question')!;
    expect(asked.slice(1, 3)).toEqual(['Which look should the app have?', ['Light theme', 'Dark theme']]);
    expect(badge()).toBe('Waiting for your answer…');
    expect(controller.busy).toBe(true);
    expect(controller.session?.status).toBe('waiting_for_input');
    expect(await (asked[3] as (answer: string) => Promise<boolean>)('Dark theme')).toBe(true);
    expect(requests.at(-1)).toEqual(['answerSession', { input: { sessionId: 'sess_1', answer: 'Dark theme' } }]);
  });

  it('repairs the preview’s errors (fixPreviewErrors), shown as “Fix the errors in the app”, and keeps the check’s screenshot for the version', async () => {
    const { view, calls, log } = recordingView();
    const repair = session({ id: 'fix', prompt: "[preview repair] The browsers that loaded the app's preview reported these errors: …" });
    const { client, requests } = fakeClient({ project: { project: project() }, startSession: { startSession: repair } }, [
      { type: 'preview_checked', checkErrors: [], screenshotUrl: 'https://api.test/v1/screenshots/t.png' },
      { type: 'done', status: 'succeeded', error: null },
    ] as unknown as WidgetSessionEvent[]);
    const controller = new SessionController(view);
    controller.begin(client, new AbortController().signal);
    await controller.load('proj_1');
    expect(await controller.fixPreviewErrors()).toBe(true);
    await flush();
    expect((requests.at(-1)![1]!.input as Record<string, unknown>)).toMatchObject({ projectId: 'proj_1', fixPreviewErrors: true });
    expect(log()[0]).toBe('prompt: Fix the errors in the app');
    expect(calls).toContainEqual(['versionAdded', 'Fix the errors in the app', 'https://api.test/v1/screenshots/t.png']);
    // Retry is for the end user's own prompts: there was none.
    expect(await controller.retry()).toBe(false);
  });

  it('deploys: progress in words, the live URL (with the deployment for the host), a failure that says where it stopped', async () => {
    const { view, calls, log, badge } = recordingView();
    const deploy = session({ id: 'dep', kind: 'deploy', prompt: '' });
    const { client, requests } = fakeClient(
      { project: { project: project({ deployment: { id: 'd0', liveUrl: 'https://old.live/' } }) }, deployProject: { deployProject: deploy } },
      [
        { type: 'deploy_started', deploymentId: 'd1' },
        { type: 'deploy_progress', deploymentId: 'd1', phase: 'BUILDING', steps: [{ name: 'build', status: 'SUCCESS' }, { name: 'deploy', status: 'PENDING' }] },
        { type: 'deploy_ready', deploymentId: 'd1', url: 'https://app.live/' },
        { type: 'done', status: 'succeeded', error: null },
      ] as unknown as WidgetSessionEvent[],
    );
    const controller = new SessionController(view);
    controller.begin(client, new AbortController().signal);
    await controller.load('proj_1');
    expect(calls).toContainEqual(['showLive', 'https://old.live/']);
    expect(await controller.deploy()).toBe(true);
    await flush();
    expect(requests.at(-1)![0]).toBe('deployProject');
    expect(requests.at(-1)![1]).toMatchObject({ projectId: 'proj_1', idempotencyKey: expect.any(String) });
    expect(calls).toContainEqual(['deployStatus', 'Deploying: building (1 of 2 steps)']);
    expect(calls).toContainEqual(['showLive', 'https://app.live/', 'd1']);
    expect(log()).toEqual(['prompt: Deploy the app', 'status: Deploying…', 'status: Deploying: building (1 of 2 steps)', 'status: Live at https://app.live/', 'done: Deploy succeeded']);
    expect(badge()).toBe('Deploy succeeded');
    expect(calls.some((call) => call[0] === 'versionAdded')).toBe(false);

    // A deploy that fails says in which phase, with the end of its log, and fires no everjust:deployed.
    const broken = recordingView();
    const failed = new SessionController(broken.view);
    failed.begin(
      fakeClient({ project: { project: project() }, deployProject: { deployProject: deploy } }, [
        { type: 'deploy_started', deploymentId: 'd2' },
        { type: 'deploy_failed', deploymentId: 'd2', phase: 'ERROR', log: 'npm ERR! build failed' },
        { type: 'done', status: 'failed', error: { code: 'DEPLOY_FAILED', message: 'The deployment failed' } },
      ] as unknown as WidgetSessionEvent[]).client,
      new AbortController().signal,
    );
    await failed.load('proj_1');
    await failed.deploy();
    await flush();
    expect(broken.calls).toContainEqual(['deployStatus', 'Deploy failed (error): npm ERR! build failed', 'error']);
    expect(broken.calls.some((call) => call[0] === 'showLive')).toBe(false);
    expect(broken.badge()).toBe('Deploy failed: The deployment failed');
    expect(broken.calls).toContainEqual(['setRetry', false]);

    const failing = recordingView();
    const refused = new ApiError({ code: 'FORBIDDEN', status: 200, message: 'This widget token may not deploy', extensions: { code: 'FORBIDDEN', reason: 'WIDGET_PERMISSION_REQUIRED' } });
    const other = new SessionController(failing.view);
    other.begin(fakeClient({ project: { project: project() }, deployProject: refused }).client, new AbortController().signal);
    await other.load('proj_1');
    expect(await other.deploy()).toBe(false);
    expect(failing.calls).toContainEqual(['fail', 'FORBIDDEN', 'Deploying is not turned on for this builder.', true]);
    expect(failing.calls.filter((call) => call[0] === 'deployStatus').at(-1)).toEqual(['deployStatus', '']);
  });

  it('gives the controls back when an answer is refused, saying why', async () => {
    const { view, calls } = recordingView();
    const { client } = fakeClient({ project: { project: project() }, answerSession: widgetError('BAD_USER_INPUT', 'This session is not waiting for an answer') });
    const controller = new SessionController(view);
    controller.begin(client, new AbortController().signal);
    await controller.load('proj_1');
    expect(await controller.answer(session(), 'Dark theme')).toBe(false);
    expect(calls).toContainEqual(['fail', 'BAD_USER_INPUT', 'This session is not waiting for an answer', false]);
  });
});
