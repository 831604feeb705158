/** One line of a diff: kept (` `), added (`+`) or removed (`-`), with its text. */
export interface DiffLine {
  kind: ' ' | '+' | '-';
  text: string;
}

/** Past this many cells (lines before × lines after, once the common ends are cut), the middle is shown as all removed, then all added. */
const MAX_CELLS = 4_000_000;

/**
 * A line diff of `before` and `after` (longest common subsequence on lines, after cutting the lines
 * both share at their start and end): small and exact for the files an app builder writes; a huge
 * change degrades to "the middle was replaced" instead of freezing the page.
 */
export function diffLines(before: string, after: string): DiffLine[] {
  const a = splitLines(before);
  const b = splitLines(after);
  let start = 0;
  while (start < a.length && start < b.length && a[start] === b[start]) start++;
  let endA = a.length;
  let endB = b.length;
  while (endA > start && endB > start && a[endA - 1] === b[endB - 1]) {
    endA--;
    endB--;
  }
  const kept = (text: string): DiffLine => ({ kind: ' ', text });
  const head = a.slice(0, start).map(kept);
  const tail = a.slice(endA).map(kept);
  const n = endA - start;
  const m = endB - start;
  const middle: DiffLine[] = [];
  if (n * m > MAX_CELLS) {
    for (let i = start; i < endA; i++) middle.push({ kind: '-', text: a[i]! });
    for (let j = start; j < endB; j++) middle.push({ kind: '+', text: b[j]! });
  } else {
    // lengths[i][j]: the LCS of a[start+i..endA) and b[start+j..endB), in one flat array.
    const width = m + 1;
    const lengths = new Uint32Array((n + 1) * width);
    for (let i = n - 1; i >= 0; i--) {
      for (let j = m - 1; j >= 0; j--) {
        lengths[i * width + j] = a[start + i] === b[start + j] ? lengths[(i + 1) * width + j + 1]! + 1 : Math.max(lengths[(i + 1) * width + j]!, lengths[i * width + j + 1]!);
      }
    }
    let i = 0;
    let j = 0;
    while (i < n || j < m) {
      if (i < n && j < m && a[start + i] === b[start + j]) {
        middle.push(kept(a[start + i]!));
        i++;
        j++;
      } else if (j < m && (i === n || lengths[i * width + j + 1]! >= lengths[(i + 1) * width + j]!)) {
        middle.push({ kind: '+', text: b[start + j]! });
        j++;
      } else {
        middle.push({ kind: '-', text: a[start + i]! });
        i++;
      }
    }
  }
  // Removed lines before added ones within a change reads best: reorder each run of changes.
  return [...head, ...groupChanges(middle), ...tail];
}

/** The changed lines with up to `context` kept lines around each change; `null` marks lines left out. */
export function hunks(lines: DiffLine[], context = 3): Array<DiffLine | null> {
  const near = new Uint8Array(lines.length);
  lines.forEach((line, index) => {
    if (line.kind === ' ') return;
    for (let k = Math.max(0, index - context); k <= Math.min(lines.length - 1, index + context); k++) near[k] = 1;
  });
  const out: Array<DiffLine | null> = [];
  lines.forEach((line, index) => {
    if (near[index]) out.push(line);
    else if (out.length === 0 || out[out.length - 1] !== null) out.push(null);
  });
  return out;
}

function splitLines(text: string): string[] {
  if (text === '') return [];
  const lines = text.split('\n');
  if (lines[lines.length - 1] === '') lines.pop();
  return lines;
}

function groupChanges(lines: DiffLine[]): DiffLine[] {
  const out: DiffLine[] = [];
  let removed: DiffLine[] = [];
  let added: DiffLine[] = [];
  const flush = () => {
    out.push(...removed, ...added);
    removed = [];
    added = [];
  };
  for (const line of lines) {
    if (line.kind === '-') removed.push(line);
    else if (line.kind === '+') added.push(line);
    else {
      flush();
      out.push(line);
    }
  }
  flush();
  return out;
}
