import vm from 'node:vm';
import { describe, expect, it } from 'vitest';
import type { LlmMessage, LlmRequest, LlmStreamPart, LlmToolDefinition } from './llm-provider.js';
import { createOffline, splitIntoDeltas } from './offline.js';
import { escapeHtml } from './offline-templates/index.js';
import { buildRepairPrompt } from './prompts/repair-prompt.js';

const fileTools: LlmToolDefinition[] = [
  { name: 'write_file', description: 'Write a file', inputSchema: { type: 'object', properties: { path: { type: 'string' }, content: { type: 'string' } } } },
  { name: 'delete_file', description: 'Delete a file', inputSchema: { type: 'object', properties: { path: { type: 'string' } } } },
  { name: 'read_file', description: 'Read a file', inputSchema: { type: 'object', properties: { path: { type: 'string' } } } },
  { name: 'list_files', description: 'List the files', inputSchema: { type: 'object', properties: {} } },
];

function requestFor(messages: LlmMessage[], overrides: Partial<LlmRequest> = {}): LlmRequest {
  return {
    system: 'You build small web apps. Project files: none yet.',
    messages,
    tools: fileTools,
    maxOutputTokens: 16_000,
    signal: new AbortController().signal,
    ...overrides,
  };
}

function prompt(text: string): LlmMessage {
  return { role: 'user', content: [{ type: 'text', text }] };
}

async function collect(stream: AsyncIterable<LlmStreamPart>): Promise<LlmStreamPart[]> {
  const parts: LlmStreamPart[] = [];
  for await (const part of stream) parts.push(part);
  return parts;
}

type ToolCallPart = Extract<LlmStreamPart, { type: 'tool-call' }>;
type FinishPart = Extract<LlmStreamPart, { type: 'finish' }>;

function toolCalls(parts: LlmStreamPart[]): ToolCallPart[] {
  return parts.filter((part): part is ToolCallPart => part.type === 'tool-call');
}

function textOf(parts: LlmStreamPart[]): string {
  return parts.map((part) => (part.type === 'text-delta' ? part.text : '')).join('');
}

function finishOf(parts: LlmStreamPart[]): FinishPart {
  const last = parts[parts.length - 1];
  if (last.type !== 'finish') throw new Error(`the stream ended with ${last.type}`);
  return last;
}

/** The files a turn writes, by path. */
function writtenFiles(parts: LlmStreamPart[]): Record<string, string> {
  return Object.fromEntries(
    toolCalls(parts).map((call) => {
      const input = call.input as { path: string; content: string };
      return [input.path, input.content];
    }),
  );
}

/** The messages a pipeline would append after a first turn: the assistant's turn, then the tool results. */
function afterToolsRan(parts: LlmStreamPart[]): LlmMessage[] {
  const calls = toolCalls(parts);
  return [
    {
      role: 'assistant',
      content: [
        { type: 'text', text: textOf(parts) },
        ...calls.map((call) => ({ type: 'tool_call' as const, id: call.id, name: call.name, input: call.input })),
      ],
    },
    { role: 'user', content: calls.map((call) => ({ type: 'tool_result' as const, toolCallId: call.id, content: 'ok' })) },
  ];
}

async function generate(text: string): Promise<Record<string, string>> {
  return writtenFiles(await collect(createOffline().stream(requestFor([prompt(text)]))));
}

const promptsForEveryTemplate: Array<[string, string]> = [
  ['todo', 'Build me a todo list app for my chores'],
  ['counter', 'A counter with plus and minus buttons'],
  ['timer', 'A pomodoro timer'],
  ['calculator', 'Make a calculator'],
  ['notes', 'A notes app for meeting notes'],
  ['landing', 'Something for my bakery in Lisbon: fresh bread every morning.'],
];

describe('createOffline', () => {
  it('names itself offline with the default model id, or the one given', () => {
    expect(createOffline()).toMatchObject({ name: 'offline', model: 'everjust-offline-1' });
    expect(createOffline({ model: 'offline-test' }).model).toBe('offline-test');
  });

  it('streams byte-identical parts for the same conversation', async () => {
    const messages = [prompt('A todo list called Errands, in blue')];
    const first = await collect(createOffline().stream(requestFor(messages)));
    const second = await collect(createOffline().stream(requestFor(messages)));
    expect(JSON.stringify(second)).toBe(JSON.stringify(first));

    const followUp = [...messages, ...afterToolsRan(first), prompt('make it a calculator')];
    const third = await collect(createOffline().stream(requestFor(followUp)));
    const fourth = await collect(createOffline().stream(requestFor(followUp)));
    expect(JSON.stringify(fourth)).toBe(JSON.stringify(third));
  });

  it('answers a prompt with text deltas, then writes index.html, styles.css and app.js, then stops for tool use', async () => {
    const parts = await collect(createOffline().stream(requestFor([prompt('Build me a todo app for groceries')])));
    const kinds = parts.map((part) => part.type);
    const firstToolCall = kinds.indexOf('tool-call');

    expect(firstToolCall).toBeGreaterThanOrEqual(20);
    expect(kinds.slice(0, firstToolCall).every((kind) => kind === 'text-delta')).toBe(true);
    expect(kinds.slice(firstToolCall)).toEqual(['tool-call', 'tool-call', 'tool-call', 'finish']);
    for (const part of parts) {
      if (part.type === 'text-delta') expect(part.text.trim().split(/\s+/).length).toBeLessThanOrEqual(3);
    }
    expect(textOf(parts)).toContain('offline generator');

    expect(toolCalls(parts).map((call) => [call.id, call.name, (call.input as { path: string }).path])).toEqual([
      ['toolu_offline_1', 'write_file', 'index.html'],
      ['toolu_offline_2', 'write_file', 'styles.css'],
      ['toolu_offline_3', 'write_file', 'app.js'],
    ]);
    const finish = finishOf(parts);
    expect(finish.stopReason).toBe('tool_use');
    expect(finish.usage.inputTokens).toBeGreaterThan(0);
    expect(finish.usage.outputTokens).toBeGreaterThan(0);
  });

  it('summarizes the written files and ends the turn once the tool results come back', async () => {
    const messages = [prompt('Build me a todo app for groceries')];
    const first = await collect(createOffline().stream(requestFor(messages)));
    const second = await collect(createOffline().stream(requestFor([...messages, ...afterToolsRan(first)])));

    expect(toolCalls(second)).toEqual([]);
    expect(second.filter((part) => part.type === 'text-delta').length).toBeGreaterThan(5);
    expect(textOf(second)).toMatch(/index\.html \(\d+ lines\), styles\.css \(\d+ lines\) and app\.js \(\d+ lines\)/);
    expect(finishOf(second).stopReason).toBe('end_turn');
  });

  it('reports tool failures in the summary', async () => {
    const messages = [prompt('A counter')];
    const first = await collect(createOffline().stream(requestFor(messages)));
    const [assistant, results] = afterToolsRan(first);
    const failed: LlmMessage = {
      role: 'user',
      content: results.content.map((block, index) =>
        block.type === 'tool_result' && index === 2 ? { ...block, content: 'disk full', isError: true } : block,
      ),
    };
    const second = await collect(createOffline().stream(requestFor([...messages, assistant, failed])));
    expect(textOf(second)).toContain('app.js (disk full)');
    expect(finishOf(second).stopReason).toBe('end_turn');
  });

  it('only uses the tools it is offered', async () => {
    const parts = await collect(createOffline().stream(requestFor([prompt('A counter')], { tools: [] })));
    expect(toolCalls(parts)).toEqual([]);
    expect(textOf(parts)).toContain("write_file tool isn't offered");
    expect(finishOf(parts).stopReason).toBe('end_turn');
  });

  it('chooses the template from keywords in the prompt', async () => {
    const todo = await generate('Make a to-do list where I can tick off tasks');
    expect(todo['index.html']).toContain('class="app app-todo"');
    expect(todo['index.html']).toMatch(/<input[^>]+type="text"/);
    expect(todo['index.html']).toContain('<ul id="item-list"');
    expect(todo['app.js']).toContain('localStorage');

    const calculator = await generate('I need a calculator');
    expect(calculator['index.html']).toContain('class="app app-calculator"');
    expect(calculator['index.html'].match(/<button /g)?.length).toBeGreaterThanOrEqual(16);

    for (const [templateId, text] of promptsForEveryTemplate) {
      expect((await generate(text))['index.html'], text).toContain(`class="app app-${templateId}"`);
    }
  });

  it('shows the prompt on the landing page and makes the heading from it', async () => {
    const files = await generate('Please build a landing page for my bakery, Sweet Crumbs.\n\nFresh bread every morning & cakes on Sundays.');
    expect(files['index.html']).toContain('<h1>Landing page for my bakery</h1>');
    expect(files['index.html']).toContain('<title>Landing page for my bakery</title>');
    expect(files['index.html']).toContain('<p>Fresh bread every morning &amp; cakes on Sundays.</p>');
  });

  it('keeps the output of a very long prompt and conversation within 4,096 tokens', async () => {
    const longPrompt = `A landing page. ${'Our bakery bakes bread every morning. '.repeat(530)}`.slice(0, 20_000);
    const messages: LlmMessage[] = [];
    for (let index = 0; index < 15; index += 1) messages.push(prompt(longPrompt), { role: 'assistant', content: [{ type: 'text', text: 'ok' }] });
    messages.push(prompt(longPrompt));
    const parts = await collect(createOffline().stream(requestFor(messages)));
    expect(finishOf(parts)).toMatchObject({ stopReason: 'tool_use' });
    expect(finishOf(parts).usage.outputTokens).toBeLessThan(4_096);
    expect(writtenFiles(parts)['index.html']).toContain('<ol start="7">');
  });

  it('escapes a prompt that tries to inject HTML or JavaScript', async () => {
    const injection = `</script><script>alert(1)</script><img src=x onerror="alert('2')"> \\ \u2028 \`\${1}\``;
    for (const text of [`A website called "${injection}"`, `A timer called "${injection}"`, `${injection} todo list`, injection]) {
      const files = await generate(text);
      const html = files['index.html'];
      expect(html).not.toContain('<script>alert(1)');
      expect(html).not.toContain('<img');
      expect(html.match(/<script/g)).toEqual(['<script']);
      expect(html).toContain('&lt;/script&gt;&lt;script&gt;alert(1)&lt;/script&gt;');
      expect(files['app.js']).not.toContain('</script>');
      expect(() => new vm.Script(files['app.js'])).not.toThrow();
    }

    // The title is embedded in the timer's JavaScript as a string literal: it must read back as the heading's text.
    const timer = await generate(`A timer called "${injection}"`);
    const literal = /const pageTitle = (.*);/.exec(timer['app.js'])?.[1] ?? '';
    const title: unknown = vm.runInNewContext(literal);
    expect(title).toContain('</script><script>alert(1)</script>');
    expect(timer['index.html']).toContain(`<h1>${escapeHtml(String(title))}</h1>`);
  });

  it('writes for every template a page that loads its stylesheet and script, parses, and needs no network', async () => {
    for (const [, text] of promptsForEveryTemplate) {
      const files = await generate(text);
      expect(Object.keys(files)).toEqual(['index.html', 'styles.css', 'app.js']);
      expect(files['index.html']).toMatch(/^<!doctype html>/);
      expect(files['index.html']).toContain('<link rel="stylesheet" href="styles.css">');
      expect(files['index.html']).toContain('<script src="app.js" defer></script>');
      expect(files['index.html']).toMatch(/<footer[^>]*>[\s\S]*EverJust offline generator/);
      expect(() => new vm.Script(files['app.js'], { filename: `${text}/app.js` })).not.toThrow();
      for (const content of Object.values(files)) expect(content).not.toMatch(/https?:\/\/|\/\/cdn|@import|fetch\(/);
    }
  });

  it('updates the app on follow-up prompts: name, colour, then another template', async () => {
    const provider = createOffline();
    const messages: LlmMessage[] = [prompt('A todo list for the house')];
    const first = await collect(provider.stream(requestFor(messages)));
    expect(writtenFiles(first)['index.html']).toContain('<h1>Todo list for the house</h1>');

    messages.push(...afterToolsRan(first));
    const summary = await collect(provider.stream(requestFor(messages)));
    messages.push({ role: 'assistant', content: [{ type: 'text', text: textOf(summary) }] }, prompt('Make it blue and call it Errands'));
    const second = await collect(provider.stream(requestFor(messages)));
    const renamed = writtenFiles(second);
    expect(renamed['index.html']).toContain('class="app app-todo"');
    expect(renamed['index.html']).toContain('<h1>Errands</h1>');
    expect(renamed['index.html']).toContain('<li>Make it blue and call it Errands</li>');
    expect(renamed['styles.css']).toContain('--accent: #1d4ed8;');
    expect(toolCalls(second).map((call) => call.id)).toEqual(['toolu_offline_4', 'toolu_offline_5', 'toolu_offline_6']);
    expect(textOf(second)).toContain('revision 2');

    messages.push(...afterToolsRan(second), prompt('now turn it into a calculator, dark mode please'));
    const third = writtenFiles(await collect(provider.stream(requestFor(messages))));
    expect(third['index.html']).toContain('class="app app-calculator"');
    expect(third['index.html']).toContain('<h1>Calculator</h1>');
    expect(third['styles.css']).toContain('color-scheme: dark;');
    expect(third['styles.css']).toContain('--accent: #1d4ed8;');
  });

  it('edits a follow-up through the edit tool: reads the files, then str_replace of only the lines that change', async () => {
    const editTool: LlmToolDefinition = { name: 'edit_file', description: 'Edit', inputSchema: { type: 'object', properties: {} }, builtin: 'text_editor' };
    const tools = [editTool, ...fileTools];
    const provider = createOffline();
    const messages: LlmMessage[] = [prompt('A todo list for the house')];
    const first = await collect(provider.stream(requestFor(messages, { tools })));
    const project = writtenFiles(first); // a new app is written whole
    messages.push(...afterToolsRan(first));
    const summary = await collect(provider.stream(requestFor(messages, { tools })));
    messages.push({ role: 'assistant', content: [{ type: 'text', text: textOf(summary) }] }, prompt('Make it blue and call it Errands'));

    // Turn 1: read the three files.
    const reading = await collect(provider.stream(requestFor(messages, { tools })));
    expect(toolCalls(reading).map((call) => [call.name, (call.input as { path: string }).path])).toEqual([
      ['read_file', 'index.html'], ['read_file', 'styles.css'], ['read_file', 'app.js'],
    ]);
    messages.push(
      { role: 'assistant', content: toolCalls(reading).map((call) => ({ type: 'tool_call' as const, id: call.id, name: call.name, input: call.input })) },
      { role: 'user', content: toolCalls(reading).map((call) => ({ type: 'tool_result' as const, toolCallId: call.id, content: project[(call.input as { path: string }).path] })) },
    );

    // Turn 2: edits, each old_str unique; applied in order they give exactly what a rewrite would have written.
    const editing = await collect(provider.stream(requestFor(messages, { tools })));
    const edits = toolCalls(editing);
    expect(edits.length).toBeGreaterThan(0);
    expect(edits.every((call) => call.name === 'edit_file' && (call.input as { command: string }).command === 'str_replace')).toBe(true);
    const result = { ...project };
    for (const call of edits) {
      const { path, old_str: old, new_str: replacement } = call.input as { path: string; old_str: string; new_str: string };
      expect(result[path].split(old).length - 1, `${path}: ${old}`).toBe(1);
      result[path] = result[path].replace(old, () => replacement);
    }
    const rewrite = writtenFiles(await collect(provider.stream(requestFor([prompt('A todo list for the house'), prompt('Make it blue and call it Errands')]))));
    expect(result).toEqual({ ...project, ...rewrite });
    // An edit sends a small share of what a rewrite does.
    const sent = (calls: ToolCallPart[]) => calls.reduce((sum, call) => sum + JSON.stringify(call.input).length, 0);
    expect(sent(edits)).toBeLessThan(sent(toolCalls(first)) / 3);

    // Turn 3: the summary says what was edited.
    messages.push(...afterToolsRan(editing));
    const done = await collect(provider.stream(requestFor(messages, { tools })));
    expect(textOf(done)).toMatch(/^Done: I edited index\.html \(\d+ edits?\)/);
  });

  it('estimates usage as a quarter of the characters read and written', async () => {
    const request = requestFor([prompt('A counter')]);
    const parts = await collect(createOffline().stream(request));
    const read = request.system.length + JSON.stringify(request.messages).length + JSON.stringify(request.tools).length;
    const written = textOf(parts).length + toolCalls(parts).reduce((sum, call) => sum + JSON.stringify(call.input).length, 0);
    expect(finishOf(parts).usage).toEqual({ inputTokens: Math.ceil(read / 4), outputTokens: Math.ceil(written / 4), cacheWriteTokens: 0, cacheReadTokens: 0 });
  });

  it('stops at maxOutputTokens like a model', async () => {
    const parts = await collect(createOffline().stream(requestFor([prompt('A counter')], { maxOutputTokens: 40 })));
    expect(toolCalls(parts)).toEqual([]);
    expect(finishOf(parts)).toMatchObject({ stopReason: 'max_tokens' });
    expect(finishOf(parts).usage.outputTokens).toBeLessThanOrEqual(40);
  });

  it('waits deltaIntervalMs between parts', async () => {
    const stream = createOffline({ deltaIntervalMs: 20 }).stream(requestFor([prompt('A counter')]));
    const started = performance.now();
    let count = 0;
    for await (const part of stream) {
      expect(part.type).toBe('text-delta');
      if (++count === 10) break;
    }
    expect(performance.now() - started).toBeGreaterThanOrEqual(175);
  });

  it('does not wait by default', async () => {
    const started = performance.now();
    await collect(createOffline().stream(requestFor([prompt('A counter')])));
    expect(performance.now() - started).toBeLessThan(1_000);
  });

  it('stops at once when the signal aborts mid-stream', async () => {
    const controller = new AbortController();
    const stream = createOffline({ deltaIntervalMs: 1_000 }).stream(requestFor([prompt('A counter')], { signal: controller.signal }));
    const received: LlmStreamPart[] = [];
    setTimeout(() => controller.abort(), 50);
    const started = performance.now();
    const error = await (async () => {
      for await (const part of stream) received.push(part);
    })().catch((caught: unknown) => caught);

    expect(error).toBeInstanceOf(Error);
    expect((error as Error).name).toBe('AbortError');
    expect(performance.now() - started).toBeLessThan(500);
    expect(received.length).toBe(1);
  });

  it('refuses to start on an aborted signal', async () => {
    const controller = new AbortController();
    controller.abort();
    await expect(collect(createOffline().stream(requestFor([prompt('A counter')], { signal: controller.signal })))).rejects.toMatchObject({
      name: 'AbortError',
    });
  });

  it('splits text into deltas of a few words that join back exactly', () => {
    const text = 'One two three four.\n\nFive  six seven';
    expect(splitIntoDeltas(text)).toEqual(['One two three ', 'four.\n\nFive  six ', 'seven']);
    expect(splitIntoDeltas(text).join('')).toBe(text);
  });
});

/**
 * Just enough of the DOM to run the generated todo, counter and calculator scripts in node's vm: elements
 * by id (taken from the generated HTML), createElement, events, text, children. A real browser test
 * comes later; this one catches a script that throws or forgets what it was told.
 */
class FakeElement {
  children: FakeElement[] = [];
  textContent = '';
  className = '';
  value = '';
  type = '';
  checked = false;
  hidden = false;
  disabled = false;
  readonly attributes = new Map<string, string>();
  private readonly listeners = new Map<string, Array<(event: unknown) => void>>();

  constructor(readonly tagName: string) {}

  readonly classList = {
    contains: (name: string) => this.className.split(/\s+/).includes(name),
    add: (name: string) => {
      if (!this.classList.contains(name)) this.className = `${this.className} ${name}`.trim();
    },
    remove: (name: string) => {
      this.className = this.className.split(/\s+/).filter((existing) => existing !== name).join(' ');
    },
    toggle: (name: string, force?: boolean) => {
      const add = force ?? !this.classList.contains(name);
      if (add) this.classList.add(name);
      else this.classList.remove(name);
      return add;
    },
  };

  addEventListener(type: string, listener: (event: unknown) => void): void {
    this.listeners.set(type, [...(this.listeners.get(type) ?? []), listener]);
  }

  dispatch(type: string, properties: Record<string, unknown> = {}): void {
    const event = { type, target: this, preventDefault: () => {}, ...properties };
    for (const listener of this.listeners.get(type) ?? []) listener(event);
  }

  setAttribute(name: string, value: string): void {
    this.attributes.set(name, value);
  }

  append(...nodes: FakeElement[]): void {
    this.children.push(...nodes);
  }

  prepend(...nodes: FakeElement[]): void {
    this.children.unshift(...nodes);
  }

  replaceChildren(...nodes: FakeElement[]): void {
    this.children = nodes;
  }

  focus(): void {}

  reset(): void {}
}

/** The page's elements with the attributes the scripts read, taken from the generated HTML. */
function parseElements(html: string): FakeElement[] {
  return [...html.matchAll(/<(\w+)((?:\s+[\w-]+(?:="[^"]*")?)*)\s*>/g)].map(([, tagName, attributeText]) => {
    const element = new FakeElement(tagName);
    for (const [, name, value = ''] of attributeText.matchAll(/([\w-]+)(?:="([^"]*)")?/g)) {
      element.setAttribute(name, value);
      if (name === 'class') element.className = value;
      if (name === 'value' || name === 'type') element[name] = value;
      if (name === 'checked' || name === 'hidden') element[name] = true;
    }
    return element;
  });
}

function fakeStorage(): Storage {
  const values = new Map<string, string>();
  return {
    getItem: (key: string) => values.get(key) ?? null,
    setItem: (key: string, value: string) => void values.set(key, value),
    removeItem: (key: string) => void values.delete(key),
    clear: () => values.clear(),
    key: (index: number) => [...values.keys()][index] ?? null,
    get length() {
      return values.size;
    },
  };
}

/** Runs `files['app.js']` against a fake page built from `files['index.html']`; returns its elements by id. */
function runApp(files: Record<string, string>, storage: () => Storage) {
  const all = parseElements(files['index.html']);
  const elements = new Map(all.flatMap((element) => (element.attributes.has('id') ? [[element.attributes.get('id'), element]] : [])));
  const document = new FakeElement('document');
  const page = Object.assign(document, {
    title: '',
    getElementById: (id: string) => elements.get(id) ?? null,
    createElement: (tagName: string) => new FakeElement(tagName),
    // Only the one selector shape the scripts use: tag[name="value"].
    querySelectorAll: (selector: string) => {
      const [, tagName, name] = /^(\w+)\[name="([^"]+)"\]$/.exec(selector) ?? [];
      return all.filter((element) => element.tagName === tagName && element.attributes.get('name') === name);
    },
  });
  const window = {
    get localStorage() {
      return storage();
    },
  };
  vm.runInNewContext(files['app.js'], { document: page, window, performance, setInterval, clearInterval });
  const byId = (id: string): FakeElement => {
    const element = elements.get(id);
    if (!element) throw new Error(`no element #${id}`);
    return element;
  };
  return { byId, document };
}

describe('the generated apps, run against a fake DOM', () => {
  const throwingStorage = (): Storage => {
    throw new DOMException('The document is sandboxed and lacks the allow-same-origin flag.', 'SecurityError');
  };

  it('todo: adds, completes, deletes and clears items, and keeps them in localStorage', async () => {
    const files = await generate('A todo list for chores');
    const storage = fakeStorage();
    const { byId } = runApp(files, () => storage);
    const list = byId('item-list');
    expect(byId('item-summary').textContent).toBe('Nothing here yet: add your first item.');

    for (const text of ['Milk', '  ', 'Bread <b>']) {
      byId('new-item').value = text;
      byId('new-item-form').dispatch('submit');
    }
    expect(list.children.map((row) => row.children[1].textContent)).toEqual(['Milk', 'Bread <b>']);
    expect(byId('new-item').value).toBe('');
    expect(byId('item-summary').textContent).toBe('2 of 2 items left');
    expect(byId('clear-completed').hidden).toBe(true);

    list.children[0].children[0].dispatch('change');
    expect(list.children[0].className).toBe('item done');
    expect(byId('item-summary').textContent).toBe('1 of 2 items left');
    expect(byId('clear-completed').hidden).toBe(false);

    // A reload restores the list from localStorage.
    const reloaded = runApp(files, () => storage);
    expect(reloaded.byId('item-list').children.map((row) => [row.children[1].textContent, row.className])).toEqual([
      ['Milk', 'item done'],
      ['Bread <b>', 'item'],
    ]);

    list.children[1].children[2].dispatch('click');
    expect(list.children.map((row) => row.children[1].textContent)).toEqual(['Milk']);
    byId('clear-completed').dispatch('click');
    expect(list.children).toEqual([]);
    expect(JSON.parse(storage.getItem(storage.key(0) ?? '') ?? 'null')).toEqual([]);
  });

  it('todo: keeps working from memory where localStorage throws (a sandboxed preview)', async () => {
    const { byId } = runApp(await generate('A todo list'), throwingStorage);
    byId('new-item').value = 'Still works';
    byId('new-item-form').dispatch('submit');
    expect(byId('item-list').children.length).toBe(1);
  });

  it('every app starts without an error', async () => {
    for (const [, text] of promptsForEveryTemplate) {
      const files = await generate(text);
      expect(() => runApp(files, throwingStorage), text).not.toThrow();
    }
  });

  it('timer: runs as a stopwatch, pauses, resets, and starts a countdown at the minutes asked for', async () => {
    const { byId, document } = runApp(await generate('A stopwatch'), throwingStorage);
    expect(byId('time').textContent).toBe('00:00.00');
    expect(byId('lap').hidden).toBe(false);
    byId('start').dispatch('click');
    expect(byId('start').textContent).toBe('Pause');
    await new Promise((resolve) => setTimeout(resolve, 40));
    byId('lap').dispatch('click');
    byId('start').dispatch('click');
    expect(byId('start').textContent).toBe('Resume');
    expect(byId('time').textContent).not.toBe('00:00.00');
    expect(byId('laps').children.length).toBe(1);
    expect((document as unknown as { title: string }).title).toBe('Stopwatch');
    byId('reset').dispatch('click');
    expect(byId('time').textContent).toBe('00:00.00');

    const countdown = runApp(await generate('A 10 minute countdown'), throwingStorage);
    expect(countdown.byId('time').textContent).toBe('10:00.00');
    expect(countdown.byId('lap').hidden).toBe(true);
  });

  it('notes: adds, searches, edits and deletes notes', async () => {
    const { byId } = runApp(await generate('A notes app'), throwingStorage);
    for (const text of ['Buy milk', 'Call Ana']) {
      byId('note-text').value = text;
      byId('note-form').dispatch('submit');
    }
    const texts = () => byId('note-list').children.map((note) => note.children[0].textContent).sort();
    expect(texts()).toEqual(['Buy milk', 'Call Ana']);
    byId('search').value = 'ana';
    byId('search').dispatch('input');
    expect(texts()).toEqual(['Call Ana']);

    const [note] = byId('note-list').children;
    const [edit, remove] = note.children[1].children[1].children;
    edit.dispatch('click');
    expect(byId('note-text').value).toBe('Call Ana');
    byId('note-text').value = 'Call Ana back';
    byId('note-form').dispatch('submit');
    expect(texts()).toEqual(['Call Ana back']);
    expect(remove.textContent).toBe('Delete');
    remove.dispatch('click');
    byId('search').value = '';
    byId('search').dispatch('input');
    expect(texts()).toEqual(['Buy milk']);
  });

  it('landing: checks the email address and confirms without sending anything', async () => {
    const { byId } = runApp(await generate('A website for my bakery'), throwingStorage);
    byId('email').value = 'not an address';
    byId('signup-form').dispatch('submit');
    expect(byId('signup-message').textContent).toBe('Please enter a valid email address.');
    expect(byId('signup-message').classList.contains('error')).toBe(true);
    byId('email').value = 'ana@example.com';
    byId('signup-form').dispatch('submit');
    expect(byId('signup-message').textContent).toContain('Thanks!');
    expect(byId('signup-message').classList.contains('error')).toBe(false);
  });

  it('counter: counts with buttons and arrow keys', async () => {
    const { byId, document } = runApp(await generate('A tally counter'), throwingStorage);
    byId('increment').dispatch('click');
    byId('increment').dispatch('click');
    document.dispatch('keydown', { key: 'ArrowDown' });
    expect(byId('count').textContent).toBe('1');
    byId('reset').dispatch('click');
    expect(byId('count').textContent).toBe('0');
  });

  it('calculator: does arithmetic from the keyboard', async () => {
    const files = await generate('A calculator');
    const typed = (keys: string[]) => {
      const { byId, document } = runApp(files, throwingStorage);
      for (const key of keys) document.dispatch('keydown', { key });
      return byId('display').textContent;
    };
    expect(typed(['1', '2', '+', '7', 'Enter'])).toBe('19');
    expect(typed(['0', '.', '1', '+', '0', '.', '2', '='])).toBe('0.3');
    expect(typed(['2', '+', '3', '*', '4', '='])).toBe('20');
    expect(typed(['1', '/', '0', '='])).toBe('Error');
    expect(typed(['9', '8', 'Backspace', '%'])).toBe('0.09');
  });
});

describe('the offline generator asks when the prompt says #ask', () => {
  const askTool: LlmToolDefinition = { name: 'ask_user', description: 'Ask the user', inputSchema: { type: 'object', properties: { question: { type: 'string' } } } };
  const tools = [...fileTools, askTool];

  it('asks its question with choices first, then builds with the answer', async () => {
    const offline = createOffline();
    const asking = await collect(offline.stream(requestFor([prompt('A todo list #ask')], { tools })));
    const [ask] = toolCalls(asking);
    expect(toolCalls(asking)).toHaveLength(1);
    expect(ask).toMatchObject({ name: 'ask_user', input: { question: 'Which look should the app have?', choices: ['Light theme', 'Dark theme'] } });
    expect(finishOf(asking).stopReason).toBe('tool_use');

    const conversation: LlmMessage[] = [
      prompt('A todo list #ask'),
      { role: 'assistant', content: [{ type: 'text', text: textOf(asking) }, { type: 'tool_call', id: ask.id, name: ask.name, input: ask.input }] },
      { role: 'user', content: [{ type: 'tool_result', toolCallId: ask.id, content: 'Dark theme' }] },
    ];
    const dark = writtenFiles(await collect(offline.stream(requestFor(conversation, { tools }))));
    expect(Object.keys(dark).sort()).toEqual(['app.js', 'index.html', 'styles.css']);
    const light = writtenFiles(await collect(offline.stream(requestFor([...conversation.slice(0, 2), { role: 'user', content: [{ type: 'tool_result', toolCallId: ask.id, content: 'Light theme' }] }], { tools }))));
    // The answer decides what it builds.
    expect(dark['styles.css']).not.toBe(light['styles.css']);
    expect(dark['styles.css']).toMatch(/dark/i);
    // The tag is not part of what it builds.
    expect(dark['index.html']).not.toContain('#ask');
  });

  it('does not ask without the tag, nor when ask_user is not offered', async () => {
    const offline = createOffline();
    expect(toolCalls(await collect(offline.stream(requestFor([prompt('A todo list')], { tools })))).map((call) => call.name)).not.toContain('ask_user');
    expect(toolCalls(await collect(offline.stream(requestFor([prompt('A todo list #ask')])))).map((call) => call.name)).not.toContain('ask_user');
  });
});

describe('the offline generator writes a broken app when the prompt says #broken (the preview check test hook)', () => {
  const noStorage = (): Storage => {
    throw new DOMException('The document is sandboxed and lacks the allow-same-origin flag.', 'SecurityError');
  };

  it("throws at load on app.js's second line, says so, and a prompt without the tag makes it whole", async () => {
    const first = await collect(createOffline().stream(requestFor([prompt('A tally counter #broken')])));
    const broken = writtenFiles(first);
    expect(broken['app.js'].split('\n')[1]).toBe("throw new Error('The app failed to start (#broken test hook)');");
    expect(() => runApp(broken, noStorage)).toThrow('The app failed to start (#broken test hook)');
    // The tag is not part of what it builds.
    expect(broken['index.html']).not.toContain('#broken');
    const summary = textOf(await collect(createOffline().stream(requestFor([prompt('A tally counter #broken'), ...afterToolsRan(first)]))));
    expect(summary).toContain('throws at load on purpose');

    const whole = await generate('A tally counter');
    expect(whole['app.js']).not.toContain('#broken');
    expect(broken['app.js']).toContain(whole['app.js']);
    expect(() => runApp(whole, noStorage)).not.toThrow();
  });

  it('removes its own throw in a repair round (write_file without an edit tool), and says it cannot repair errors it did not cause', async () => {
    const first = await collect(createOffline().stream(requestFor([prompt('A tally counter #broken')])));
    const broken = writtenFiles(first);
    const done = await collect(createOffline().stream(requestFor([prompt('A tally counter #broken'), ...afterToolsRan(first)])));
    const history: LlmMessage[] = [prompt('A tally counter #broken'), ...afterToolsRan(first), { role: 'assistant', content: [{ type: 'text', text: textOf(done) }] }];
    const errors = [{ kind: 'error' as const, message: 'The app failed to start (#broken test hook)', source: '/app.js', line: 2 }];
    const repairMessage = buildRepairPrompt({ round: { round: 1, rounds: 2 }, errors, files: [{ path: 'app.js', content: broken['app.js'] }] });
    const repaired = writtenFiles(await collect(createOffline().stream(requestFor([...history, prompt(repairMessage)]))));
    expect(Object.keys(repaired)).toEqual(['app.js']);
    expect(repaired['app.js']).not.toContain('throw new Error');
    expect(() => runApp({ ...broken, ...repaired }, noStorage)).not.toThrow();

    const other = buildRepairPrompt({ round: { round: 1, rounds: 2 }, errors: [{ kind: 'error', message: 'x is not defined', source: '/app.js', line: 1 }], files: [{ path: 'app.js', content: 'x();\n' }] });
    const refused = await collect(createOffline().stream(requestFor([...history, prompt(other)])));
    expect(toolCalls(refused)).toEqual([]);
    expect(textOf(refused)).toContain("I can't");
  });
});
