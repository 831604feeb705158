import { followEvents, gql } from '../api.js';
import { h, replace } from '../dom.js';
import { SESSION_EVENT_FIELDS } from '../event-fields.js';
import { formatBytes, formatCost, formatDecimal, formatInteger, formatTime, sandboxHours } from '../format.js';
import { href, type PageContext } from '../router.js';
import { actionButton, badge, errorBox, loading, pageHeader, section } from '../ui.js';

/**
 * One session: what it was asked, how it ended, what it cost, and its event log replayed as it
 * happened (text, files, commands and their output, previews, errors), following live while it runs:
 * `sessionEvents` over GraphQL-over-SSE from seq 0 (the log, then the live feed, no gap, no
 * duplicate), resumed after a drop by the SDK's loop. "Replay" plays the log again at its own pace.
 */

const SESSION_QUERY = `query ConsoleSession($id: ID!) {
  session(id: $id) {
    id kind status prompt reply createdAt startedAt endedAt model externalUserId lastSeq previewUrl
    error { code message }
    project { id name }
    usage { inputTokens outputTokens cacheReadTokens cacheWriteTokens sandboxSeconds costMicros billable byok }
  }
}`;
const EVENTS_SUBSCRIPTION = `subscription ConsoleSessionEvents($sessionId: ID!, $afterSeq: Int) {
  sessionEvents(sessionId: $sessionId, afterSeq: $afterSeq) { ...SessionEventFields }
}
${SESSION_EVENT_FIELDS}`;
const CANCEL_MUTATION = `mutation ConsoleCancelSession($id: ID!) { cancelSession(input: { id: $id }) { id status } }`;

const ACTIVE = new Set(['queued', 'running', 'waiting_for_input']);
/** The longest pause a replay keeps between two events, and how much faster than real time it runs. */
const REPLAY_MAX_GAP_MS = 800;
const REPLAY_SPEED = 4;

type Event = Record<string, any> & { seq: number; type: string; at: string };

export async function sessionPage(context: PageContext) {
  const { main, params, signal } = context;
  let session: any;
  try {
    session = (await gql(SESSION_QUERY, { id: params.id }, signal)).session;
  } catch (error) {
    if (signal.aborted) return;
    main.append(pageHeader('Session'), errorBox(error, () => {
      main.replaceChildren();
      void sessionPage(context);
    }), h('p', null, h('a', { href: href('/sessions') }, 'Back to sessions')));
    return;
  }
  const summary = h('div');
  const liveStatus = h('p', { class: 'live-status', role: 'status' });
  const timeline = h('ol', { class: 'timeline', 'aria-label': 'Event log' });
  const previewHolder = h('div');
  const events: Event[] = [];
  let replaying: AbortController | undefined;

  const drawSummary = () =>
    replace(
      summary,
      h(
        'dl',
        { class: 'meta' },
        item('Status', badge(session.status)),
        item('Kind', session.kind),
        item('Project', h('a', { href: href(`/projects/${encodeURIComponent(session.project.id)}`) }, session.project.name)),
        item('End user', session.externalUserId ?? '—'),
        item('Created', formatTime(session.createdAt)),
        item('Ended', formatTime(session.endedAt)),
        item('Model', session.model ?? '—'),
        item('Tokens', `${formatInteger(session.usage.inputTokens)} in · ${formatInteger(session.usage.outputTokens)} out · ${formatInteger(session.usage.cacheReadTokens + session.usage.cacheWriteTokens)} cache`),
        item('Sandbox', `${formatDecimal(sandboxHours(session.usage.sandboxSeconds))} h`),
        item('Cost', `${formatCost(session.usage.costMicros)}${session.usage.billable ? '' : ' (not billed)'}${session.usage.byok ? ' · own key' : ''}`),
      ),
      session.prompt ? h('div', null, h('h3', null, 'Prompt'), h('p', { class: 'event-text' }, session.prompt)) : null,
      session.error ? h('p', { class: 'notice error', role: 'alert' }, `${session.error.code}: ${session.error.message}`) : null,
    );
  drawSummary();

  const cancel = ACTIVE.has(session.status)
    ? actionButton('Cancel session', async () => {
        const done = await gql(CANCEL_MUTATION, { id: session.id });
        session.status = done.cancelSession.status;
        drawSummary();
      }, { class: 'danger small' })
    : null;
  const replayButton = h('button', { type: 'button', class: 'secondary small', onclick: () => void replay() }, 'Replay');
  main.append(
    pageHeader(`${session.kind[0].toUpperCase()}${session.kind.slice(1)} session`, session.id, cancel, replayButton),
    section('Summary', summary),
    section('Event log', liveStatus, timeline),
    previewHolder,
  );

  const renderer = createRenderer(timeline, previewHolder);
  const refresh = async () => {
    try {
      const fresh = (await gql(SESSION_QUERY, { id: params.id }, signal)).session;
      // The done event is final: a read that still says running does not undo it.
      session = ACTIVE.has(fresh.status) && !ACTIVE.has(session.status) ? { ...fresh, status: session.status, usage: session.usage, error: session.error } : fresh;
      drawSummary();
      if (!ACTIVE.has(session.status)) cancel?.remove();
    } catch {
      // The log is shown; the summary keeps what it had.
    }
  };

  const follow = async () => {
    const running = ACTIVE.has(session.status);
    if (running) liveStatus.replaceChildren(h('span', { class: 'live' }, 'Live: following the session as it runs'));
    else liveStatus.textContent = 'Loading the event log…';
    try {
      for await (const event of followEvents<Event>(EVENTS_SUBSCRIPTION, session.id, 0, signal)) {
        events.push(event);
        if (!replaying) renderer.add(event, events[0]!.at);
        // The end, as the log says it: shown at once (the session row may be read a moment before it says so too).
        if (event.type === 'done' && running) {
          session = { ...session, status: event.status, error: event.error ?? null, usage: { ...session.usage, ...event.usage } };
          drawSummary();
        }
      }
      if (signal.aborted) return;
      liveStatus.textContent = events.length ? `${events.length} events${running ? ': the session has ended.' : '.'}` : 'No events.';
      if (running) await refresh();
    } catch (error) {
      if (signal.aborted) return;
      liveStatus.replaceChildren(errorBox(error, () => void follow()));
    }
  };

  const replay = async () => {
    replaying?.abort();
    const controller = (replaying = new AbortController());
    const stop = () => controller.abort();
    signal.addEventListener('abort', stop, { once: true });
    renderer.reset();
    replayButton.textContent = 'Replaying…';
    liveStatus.textContent = 'Replaying the log at 4× speed.';
    let previous: number | undefined;
    for (let index = 0; index < events.length && !controller.signal.aborted; index++) {
      const event = events[index]!;
      const time = new Date(event.at).getTime();
      if (previous !== undefined) await pause(Math.min(REPLAY_MAX_GAP_MS, (time - previous) / REPLAY_SPEED), controller.signal);
      previous = time;
      if (!controller.signal.aborted) renderer.add(event, events[0]!.at);
    }
    signal.removeEventListener('abort', stop);
    if (replaying === controller && !controller.signal.aborted) {
      replaying = undefined;
      replayButton.textContent = 'Replay';
      liveStatus.textContent = `${events.length} events.`;
    }
  };

  // The page is drawn (its header and summary); the log streams in behind it.
  void follow();
}

function item(label: string, value: Node | string) {
  return h('div', null, h('dt', null, label), h('dd', null, value));
}

function pause(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(resolve, Math.max(0, ms));
    signal.addEventListener('abort', () => {
      clearTimeout(timer);
      resolve();
    }, { once: true });
  });
}

/** Draws events into the timeline: consecutive text joins one block, a command's output joins its command. */
function createRenderer(timeline: HTMLElement, previewHolder: HTMLElement) {
  let text: HTMLElement | undefined;
  let commands = new Map<string, { output: HTMLElement; header: HTMLElement }>();

  const row = (event: Event, start: string, ...content: Array<Node | string | null>) => {
    const seconds = (new Date(event.at).getTime() - new Date(start).getTime()) / 1000;
    const element = h('li', { 'data-type': event.type, 'data-seq': String(event.seq) }, h('span', { class: 'when', title: formatTime(event.at) }, `+${seconds.toFixed(1)} s`), h('div', { class: 'what' }, content));
    timeline.append(element);
    return element;
  };

  const showPreview = (url: string) =>
    replace(
      previewHolder,
      h(
        'section',
        { class: 'card', 'aria-label': 'Preview' },
        h('h2', null, 'Preview'),
        h('p', null, h('a', { href: url, target: '_blank', rel: 'noopener' }, 'Open the preview in a new tab')),
        h('iframe', { class: 'preview-frame', src: url, title: 'Preview of the app', sandbox: 'allow-scripts allow-forms allow-popups allow-modals' }),
      ),
    );

  return {
    reset() {
      timeline.replaceChildren();
      previewHolder.replaceChildren();
      text = undefined;
      commands = new Map();
    },
    add(event: Event, start: string) {
      if (event.type !== 'text_delta') text = undefined;
      switch (event.type) {
        case 'text_delta': {
          if (text) text.textContent += event.text;
          else row(event, start, (text = h('p', { class: 'event-text' }, event.text)));
          return;
        }
        case 'status':
          row(event, start, h('span', { class: 'event-status' }, `Status: ${event.status}${event.step ? ` · ${event.step}` : ''}${event.statusMessage ? ` · ${event.statusMessage}` : ''}`));
          return;
        case 'file_written':
          row(event, start, h('span', { class: 'event-file' }, 'Wrote ', h('code', null, event.path), ` (${formatBytes(event.size)})`));
          return;
        case 'file_deleted':
          row(event, start, h('span', { class: 'event-file' }, 'Deleted ', h('code', null, event.path)));
          return;
        case 'command_started': {
          const output = h('pre', { hidden: true }, '');
          const header = h('span', null, '$ ', h('code', null, event.command));
          commands.set(event.commandId, { output, header });
          row(event, start, header, output);
          return;
        }
        case 'command_output': {
          const command = commands.get(event.commandId);
          if (!command) {
            row(event, start, h('pre', null, event.text));
            return;
          }
          command.output.hidden = false;
          command.output.textContent += event.text;
          return;
        }
        case 'command_finished': {
          const command = commands.get(event.commandId);
          const outcome = event.timedOut ? 'timed out' : `exit ${event.exitCode ?? '?'}`;
          command?.header.append(' ', badge(event.exitCode === 0 && !event.timedOut ? 'succeeded' : 'failed'), ` ${outcome} · ${(event.durationMs / 1000).toFixed(1)} s`);
          return;
        }
        case 'sandbox_created':
          row(event, start, h('span', { class: 'event-status' }, `Sandbox created (${event.provider})`));
          return;
        case 'preview_ready':
          row(event, start, h('span', null, 'Preview ready: ', h('a', { href: event.url, target: '_blank', rel: 'noopener' }, 'open it')));
          showPreview(event.url);
          return;
        case 'preview_failed':
          row(event, start, h('span', { class: 'event-error' }, `Preview failed: ${event.reason}`));
          return;
        case 'preview_error':
          row(event, start, h('span', { class: 'event-error' }, `Preview ${event.kind}: ${event.message}`), event.source ? h('span', { class: 'hint' }, ` ${event.source}${event.line ? `:${event.line}` : ''}`) : null);
          return;
        case 'preview_checked':
          row(event, start, h('span', null, event.errors.length ? `Preview checked: ${event.errors.length} errors` : 'Preview checked: clean'));
          return;
        case 'repair_started':
          row(event, start, h('span', { class: 'event-status' }, `Repair round ${event.round} (${event.errors.length} errors)`));
          return;
        case 'usage':
          row(event, start, h('span', { class: 'event-status' }, `Usage: ${formatInteger(event.usage.inputTokens)} in · ${formatInteger(event.usage.outputTokens)} out · ${formatCost(event.usage.costMicros)}`));
          return;
        case 'error':
          row(event, start, h('span', { class: 'event-error' }, `Error ${event.code}: ${event.message}${event.retryable ? ' (retried)' : ''}`));
          return;
        case 'question':
          row(event, start, h('span', null, `Question to the end user: ${event.question}`), event.choices.length ? h('span', { class: 'hint' }, ` Choices: ${event.choices.join(', ')}`) : null);
          return;
        case 'deploy_started':
          row(event, start, h('span', null, `Deploy started (${event.provider}, ${event.appKind})${event.repository ? ` from ${event.repository}` : ''}`));
          return;
        case 'deploy_progress':
          row(event, start, h('span', { class: 'event-status' }, `Deploy: ${event.phase.toLowerCase().replace(/_/g, ' ')}`));
          return;
        case 'deploy_ready':
          row(event, start, h('span', null, 'Deployed: ', h('a', { href: event.url, target: '_blank', rel: 'noopener' }, event.url)));
          return;
        case 'deploy_failed':
          row(event, start, h('span', { class: 'event-error' }, `Deploy failed (${event.phase})`), event.log ? h('pre', null, event.log) : null);
          return;
        case 'done':
          row(event, start, h('strong', null, 'Done: '), badge(event.status), event.error ? h('span', { class: 'event-error' }, ` ${event.error.code}: ${event.error.message}`) : null);
          return;
        default:
          row(event, start, h('span', { class: 'event-status' }, event.type));
      }
    },
  };
}
