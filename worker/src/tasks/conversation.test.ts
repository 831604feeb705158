import { describe, expect, it } from 'vitest';
import { buildHistory } from './conversation.js';

const turn = (index: number) => ({ prompt: `Prompt ${index}: ${'make it nicer '.repeat(20)}`, reply: `Reply ${index}: ${'I changed the styles. '.repeat(20)}` });
const texts = (messages: ReturnType<typeof buildHistory>) => messages.map((message) => `${message.role}: ${(message.content[0] as { text: string }).text.slice(0, 9)}`);

describe('buildHistory', () => {
  it('gives each earlier prompt with the model’s own reply, oldest first, while they fit', () => {
    const messages = buildHistory([turn(1), turn(2)], 10_000);
    expect(texts(messages)).toEqual(['user: Prompt 1:', 'assistant: Reply 1: ', 'user: Prompt 2:', 'assistant: Reply 2: ']);
    expect((messages[1].content[0] as { text: string }).text).toBe(turn(1).reply.trim());
  });

  it('over budget, keeps the newest turns whole, summarises older prompts one line each, then drops the oldest', () => {
    const turns = Array.from({ length: 30 }, (_, index) => turn(index + 1));
    const messages = buildHistory(turns, 800); // a whole turn is ~140 tokens, a summary line ~40
    const kept = texts(messages).slice(2);
    expect(kept.at(-2)).toBe('user: Prompt 30');
    expect(kept.length).toBeGreaterThan(0);
    const summary = (messages[0].content[0] as { text: string }).text;
    expect(summary).toMatch(/^Earlier requests in this project, summarised/);
    expect(summary).not.toContain('Prompt 1:'); // the oldest did not fit even as a line
    expect(summary.split('\n').length).toBeGreaterThan(1);
    const cost = messages.reduce((sum, message) => sum + Math.ceil((message.content[0] as { text: string }).text.length / 4), 0);
    expect(cost).toBeLessThanOrEqual(800 + 50);
  });

  it('says so when an earlier session recorded no reply, instead of inventing one', () => {
    const messages = buildHistory([{ prompt: 'A timer', reply: null }], 1000);
    expect((messages[1].content[0] as { text: string }).text).toMatch(/No reply was recorded/);
  });
});
