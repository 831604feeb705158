import { describe, expect, it } from 'vitest';
import { diffLines, hunks } from './line-diff.js';

const render = (before: string, after: string) => diffLines(before, after).map((line) => `${line.kind}${line.text}`);

describe('diffLines', () => {
  it('keeps what both share and marks what was removed and added, removals first', () => {
    expect(render('a\nb\nc\n', 'a\nB\nc\nd\n')).toEqual([' a', '-b', '+B', ' c', '+d']);
  });

  it('finds the longest common run in the middle', () => {
    expect(render('x\n1\n2\n3\ny\n', 'z\n1\n2\n3\nw\n')).toEqual(['-x', '+z', ' 1', ' 2', ' 3', '-y', '+w']);
  });

  it('treats a new file as all added and an emptied one as all removed', () => {
    expect(render('', 'one\ntwo')).toEqual(['+one', '+two']);
    expect(render('one\n', '')).toEqual(['-one']);
    expect(render('same\n', 'same\n')).toEqual([' same']);
  });

  it('replaces the middle of a change too large to compare line by line, without hanging', () => {
    const before = Array.from({ length: 3000 }, (_, index) => `old ${index}`).join('\n');
    const after = Array.from({ length: 3000 }, (_, index) => `new ${index}`).join('\n');
    const lines = diffLines(`top\n${before}\nend`, `top\n${after}\nend`);
    expect(lines[0]).toEqual({ kind: ' ', text: 'top' });
    expect(lines.filter((line) => line.kind === '-')).toHaveLength(3000);
    expect(lines.filter((line) => line.kind === '+')).toHaveLength(3000);
    expect(lines.at(-1)).toEqual({ kind: ' ', text: 'end' });
  });
});

describe('hunks', () => {
  it('keeps a few lines of context around each change and marks what is left out', () => {
    const before = Array.from({ length: 20 }, (_, index) => `line ${index}`).join('\n');
    const after = before.replace('line 10', 'line ten');
    const shown = hunks(diffLines(before, after), 2).map((line) => (line ? `${line.kind}${line.text}` : '…'));
    expect(shown).toEqual(['…', ' line 8', ' line 9', '-line 10', '+line ten', ' line 11', ' line 12', '…']);
  });
});
