import type { LinkRefusal } from './console-links.js';

/**
 * The small pages `/console/login` answers when a link signs nobody in: what happened and what to do,
 * in plain words, with no detail that helps a guesser (an unknown link and a forged one look alike).
 */

const PAGES: Record<LinkRefusal, { status: number; title: string; text: string }> = {
  unknown: {
    status: 400,
    title: 'This sign-in link is not valid',
    text: 'The link is incomplete or was not made by this EverJust server. Copy the whole link again, or make a new one.',
  },
  used: {
    status: 410,
    title: 'This sign-in link was already used',
    text: 'Each console link signs in once. Make a new one to sign in again.',
  },
  expired: {
    status: 410,
    title: 'This sign-in link has expired',
    text: 'Console links are valid for a short time. Make a new one to sign in.',
  },
};

const HOW_TO = 'Make a link with <code>pnpm everjust console link --tenant &lt;tenant id&gt;</code>, or with the <code>createConsoleLink</code> mutation and a live secret key.';

export function signInRefusalPage(reason: LinkRefusal): { status: number; html: string } {
  const page = PAGES[reason];
  const html = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="robots" content="noindex">
<title>${page.title} · EverJust console</title>
<style>
body { font: 16px/1.5 system-ui, sans-serif; margin: 0; display: grid; place-items: center; min-height: 100vh; background: #f6f7f9; color: #1c2024; }
main { max-width: 32rem; margin: 1.5rem; padding: 2rem; background: #fff; border: 1px solid #dde1e6; border-radius: 12px; }
h1 { font-size: 1.35rem; margin: 0 0 .75rem; }
code { font-size: .9em; background: #eef0f3; padding: .1em .3em; border-radius: 4px; }
</style>
</head>
<body>
<main>
<h1>${page.title}</h1>
<p>${page.text}</p>
<p>${HOW_TO}</p>
</main>
</body>
</html>
`;
  return { status: page.status, html };
}
