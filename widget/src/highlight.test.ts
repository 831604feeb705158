import { describe, expect, it } from 'vitest';
import { languageOf, tokenize } from './highlight.js';

const classes = (text: string, language: string) => tokenize(text, language).filter(([name]) => name !== null);

describe('the file viewer’s highlighter', () => {
  it('covers the whole text, in order, for every language (nothing dropped or repeated)', () => {
    const samples: Record<string, string> = {
      js: 'const total = items.reduce((sum, item) => sum + item.price, 0); // "sum"\nexport default `${total}`;',
      css: '.card { color: #4f46e5; margin: 4px 0 !important; } /* note */ @media (min-width: 600px) {}',
      html: '<!doctype html>\n<a href="/x" class=\'y\'>Link &amp; <b>bold</b></a><!-- c -->',
      json: '{ "name": "app", "version": 2, "private": true, "tags": ["a", null] }',
      md: '# Title\nSome `code` and **bold** and [a link](https://x.test).',
    };
    for (const [language, text] of Object.entries(samples)) {
      expect(tokenize(text, language).map(([, part]) => part).join(''), language).toBe(text);
    }
  });

  it('marks keywords, strings, numbers and comments in scripts', () => {
    expect(classes('const n = 42; // done\nreturn "x";', 'js')).toEqual([
      ['keyword', 'const'],
      ['number', '42'],
      ['comment', '// done'],
      ['keyword', 'return'],
      ['string', '"x"'],
    ]);
    // A keyword inside a name is not one.
    expect(classes('constant + returned', 'js')).toEqual([]);
  });

  it('marks tags, attributes and values in HTML, and keys apart from values in JSON', () => {
    expect(classes('<p class="x">Hi</p>', 'html')).toEqual([
      ['tag', '<p'],
      ['attr', 'class'],
      ['string', '"x"'],
      ['tag', '>'],
      ['tag', '</p'],
      ['tag', '>'],
    ]);
    expect(classes('{"a": "b", "n": 1}', 'json')).toEqual([
      ['attr', '"a"'],
      ['string', '"b"'],
      ['attr', '"n"'],
      ['number', '1'],
    ]);
  });

  it('knows languages by extension, and leaves other files and very large ones plain', () => {
    expect([languageOf('src/app.tsx'), languageOf('index.HTML'), languageOf('package.json'), languageOf('README.md'), languageOf('logo.png')]).toEqual(['js', 'html', 'json', 'md', undefined]);
    const big = 'const x = 1;\n'.repeat(20_000);
    expect(tokenize(big, 'js')).toEqual([[null, big]]);
    expect(tokenize('const x = 1;', undefined)).toEqual([[null, 'const x = 1;']]);
  });
});
