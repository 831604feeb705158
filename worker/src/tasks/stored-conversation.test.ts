import { describe, expect, it } from 'vitest';
import { RepeatFilter, unansweredQuestion } from './stored-conversation.js';

describe('resuming a stored conversation', () => {
  it('writes none of the text the log already has, and all of what differs from it', () => {
    const filter = new RepeatFilter('Hello there, I will');
    expect(['Hello ', 'there, ', 'I will', ' build it.'].map((delta) => filter.pass(delta))).toEqual(['', '', '', ' build it.']);
    const diverging = new RepeatFilter('Hello there');
    expect(['Hello ', 'world', ' again'].map((delta) => diverging.pass(delta))).toEqual(['', 'world', ' again']);
    expect(new RepeatFilter('').pass('anything')).toBe('anything');
  });

  it('finds the ask_user call that has no answer yet, and none once it has one', () => {
    const asked = [
      { role: 'assistant' as const, content: [{ type: 'text' as const, text: 'One question.' }, { type: 'tool_call' as const, id: 't1', name: 'write_file', input: {} }, { type: 'tool_call' as const, id: 't2', name: 'ask_user', input: { question: 'Which?', choices: ['A', 'B'] } }] },
      { role: 'user' as const, content: [{ type: 'tool_result' as const, toolCallId: 't1', content: 'Wrote it.' }] },
    ];
    expect(unansweredQuestion(asked)).toEqual({ toolCallId: 't2', question: 'Which?', choices: ['A', 'B'] });
    const answered = [...asked.slice(0, 1), { role: 'user' as const, content: [...asked[1].content, { type: 'tool_result' as const, toolCallId: 't2', content: 'A' }] }];
    expect(unansweredQuestion(answered)).toBeNull();
    expect(unansweredQuestion([])).toBeNull();
  });
});
