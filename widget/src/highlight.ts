/**
 * A small syntax highlighter for the file viewer: HTML, CSS, JavaScript/TypeScript, JSON and Markdown,
 * by regular expressions (what a viewer needs; not a parser). It returns text nodes and `<span class>`
 * elements, never HTML strings, so a file's content cannot become markup. Big files are shown plain.
 */

/** Past this size a file is shown without colours (a regular-expression pass over megabytes is slow). */
const MAX_HIGHLIGHT_CHARS = 200_000;

type Rule = [className: string, pattern: RegExp];

const JS_KEYWORDS =
  'async|await|break|case|catch|class|const|continue|default|delete|do|else|export|extends|finally|for|from|function|if|import|in|instanceof|interface|let|new|of|return|static|super|switch|this|throw|try|type|typeof|var|void|while|yield|true|false|null|undefined';

const RULES: Record<string, Rule[]> = {
  js: [
    ['comment', /\/\/[^\n]*|\/\*[\s\S]*?\*\//y],
    ['string', /`(?:\\[\s\S]|[^\\`])*`|"(?:\\.|[^\\"\n])*"|'(?:\\.|[^\\'\n])*'/y],
    ['keyword', new RegExp(`\\b(?:${JS_KEYWORDS})\\b`, 'y')],
    ['number', /\b\d[\d_]*(?:\.\d+)?(?:e[+-]?\d+)?\b/iy],
  ],
  css: [
    ['comment', /\/\*[\s\S]*?\*\//y],
    ['string', /"(?:\\.|[^\\"\n])*"|'(?:\\.|[^\\'\n])*'/y],
    ['keyword', /@[\w-]+|!important/y],
    ['attr', /[\w-]+(?=\s*:[^;{}]*[;}])/y],
    ['number', /#[\da-f]{3,8}\b|\b\d+(?:\.\d+)?(?:px|rem|em|%|vh|vw|s|ms|fr|deg)?\b/iy],
  ],
  html: [
    ['comment', /<!--[\s\S]*?-->/y],
    ['tag', /<\/?[a-z][\w-]*|\/?>/iy],
    ['attr', /\b[a-z_:][\w:.-]*(?==)/iy],
    ['string', /"[^"]*"|'[^']*'/y],
  ],
  json: [
    ['attr', /"(?:\\.|[^\\"\n])*"(?=\s*:)/y],
    ['string', /"(?:\\.|[^\\"\n])*"/y],
    ['keyword', /\b(?:true|false|null)\b/y],
    ['number', /-?\b\d+(?:\.\d+)?(?:e[+-]?\d+)?\b/iy],
  ],
  md: [
    ['keyword', /^#{1,6} [^\n]*/my],
    ['string', /`[^`\n]+`/y],
    ['tag', /\*\*[^*\n]+\*\*|\[[^\]\n]+\]\([^)\n]+\)/y],
  ],
};

const LANGUAGES: Record<string, keyof typeof RULES> = {
  js: 'js', mjs: 'js', cjs: 'js', jsx: 'js', ts: 'js', tsx: 'js', mts: 'js',
  css: 'css', html: 'html', htm: 'html', svg: 'html', json: 'json', webmanifest: 'json', map: 'json', md: 'md', markdown: 'md',
};

/** The language a path is highlighted as, or undefined (plain text). */
export function languageOf(path: string): string | undefined {
  return LANGUAGES[path.split('.').pop()?.toLowerCase() ?? ''];
}

/** Tokens of `text`: `[className | null, text]`, in order, covering all of it. */
export function tokenize(text: string, language: string | undefined): Array<[string | null, string]> {
  const rules = language ? RULES[language] : undefined;
  if (!rules || text.length > MAX_HIGHLIGHT_CHARS) return [[null, text]];
  const tokens: Array<[string | null, string]> = [];
  let plainStart = 0;
  let index = 0;
  outer: while (index < text.length) {
    for (const [className, pattern] of rules) {
      pattern.lastIndex = index;
      const match = pattern.exec(text);
      if (match && match[0].length > 0) {
        if (plainStart < index) tokens.push([null, text.slice(plainStart, index)]);
        tokens.push([className, match[0]]);
        index += match[0].length;
        plainStart = index;
        continue outer;
      }
    }
    // No rule here: skip a word or a single character as plain text.
    const word = /\w+|[^\w]/y;
    word.lastIndex = index;
    index += word.exec(text)![0].length;
  }
  if (plainStart < text.length) tokens.push([null, text.slice(plainStart)]);
  return tokens;
}

/** Fills `target` with `text`, coloured by `path`'s language. */
export function renderHighlighted(target: HTMLElement, text: string, path: string): void {
  const nodes = tokenize(text, languageOf(path)).map(([className, part]) => {
    if (!className) return document.createTextNode(part);
    const span = document.createElement('span');
    span.className = `hl-${className}`;
    span.textContent = part;
    return span;
  });
  target.replaceChildren(...nodes);
}
