/**
 * How the offline generator changes a file it wrote before: as a model with an edit tool would, with
 * `str_replace` edits of only the lines that differ (each `old_str` unique in the file at the moment it is
 * applied), or a whole rewrite when most of the file changes.
 */

export type FileChange =
  | { kind: 'none' }
  | { kind: 'rewrite' }
  | { kind: 'edits'; edits: Array<{ oldText: string; newText: string }> };

/** Past this share of changed lines a rewrite is cheaper than edits (and reads better). */
const REWRITE_SHARE = 0.5;
/** Lines larger than this make the LCS table too big: rewrite instead. */
const MAX_LINES = 2_000;

export function planFileChange(current: string, next: string): FileChange {
  if (current === next) return { kind: 'none' };
  const before = current.split('\n');
  const after = next.split('\n');
  if (before.length > MAX_LINES || after.length > MAX_LINES) return { kind: 'rewrite' };
  const hunks = diffHunks(before, after);
  const changed = hunks.reduce((sum, hunk) => sum + (hunk.beforeEnd - hunk.beforeStart) + (hunk.afterEnd - hunk.afterStart), 0);
  if (changed > REWRITE_SHARE * (before.length + after.length)) return { kind: 'rewrite' };

  // Bottom up, so the lines above a hunk are still the original ones when it is placed.
  const edits: Array<{ oldText: string; newText: string }> = [];
  let working = [...before];
  for (const hunk of [...hunks].reverse()) {
    let start = hunk.beforeStart;
    let end = hunk.beforeEnd;
    const replacement = after.slice(hunk.afterStart, hunk.afterEnd);
    for (;;) {
      const oldText = working.slice(start, end).join('\n');
      if (oldText.trim() !== '' && occurrences(working.join('\n'), oldText) === 1) break;
      if (start === 0 && end === working.length) return { kind: 'rewrite' };
      // Widen by a line of context on each side until the text is unique.
      if (start > 0) start -= 1;
      if (end < working.length) end += 1;
    }
    const newLines = [...working.slice(start, hunk.beforeStart), ...replacement, ...working.slice(hunk.beforeEnd, end)];
    edits.push({ oldText: working.slice(start, end).join('\n'), newText: newLines.join('\n') });
    working = [...working.slice(0, start), ...newLines, ...working.slice(end)];
  }
  return working.join('\n') === next ? { kind: 'edits', edits } : { kind: 'rewrite' };
}

interface Hunk {
  beforeStart: number;
  beforeEnd: number;
  afterStart: number;
  afterEnd: number;
}

/** The runs of lines that differ, from a longest common subsequence of the two files' lines. */
function diffHunks(before: string[], after: string[]): Hunk[] {
  const rows = before.length + 1;
  const columns = after.length + 1;
  const lengths = new Uint32Array(rows * columns);
  for (let i = before.length - 1; i >= 0; i -= 1) {
    for (let j = after.length - 1; j >= 0; j -= 1) {
      lengths[i * columns + j] = before[i] === after[j] ? lengths[(i + 1) * columns + j + 1] + 1 : Math.max(lengths[(i + 1) * columns + j], lengths[i * columns + j + 1]);
    }
  }
  const hunks: Hunk[] = [];
  let i = 0;
  let j = 0;
  let open: Hunk | undefined;
  while (i < before.length || j < after.length) {
    if (i < before.length && j < after.length && before[i] === after[j]) {
      if (open) hunks.push(open);
      open = undefined;
      i += 1;
      j += 1;
      continue;
    }
    open ??= { beforeStart: i, beforeEnd: i, afterStart: j, afterEnd: j };
    if (j < after.length && (i === before.length || lengths[i * columns + j + 1] >= lengths[(i + 1) * columns + j])) {
      j += 1;
      open.afterEnd = j;
    } else {
      i += 1;
      open.beforeEnd = i;
    }
  }
  if (open) hunks.push(open);
  return hunks;
}

function occurrences(text: string, part: string): number {
  let count = 0;
  for (let index = text.indexOf(part); index !== -1; index = text.indexOf(part, index + 1)) count += 1;
  return count;
}
