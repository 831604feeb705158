/**
 * The built-in static file server of the `local` sandbox, for projects with no start script. It is kept
 * here as the source of a plain ES module (no TypeScript, no dependencies) that `local.ts` writes once
 * beside the sandbox folders and runs with this host's node: `node static-server.mjs <dir> <port> <host>`.
 * Kept as a string, not a sibling `.mjs` file, so the bundled worker (tsup → `dist/`) carries it too.
 *
 * What it promises: GET and HEAD only; `/` and any directory answer their `index.html` (a directory
 * without a trailing slash is redirected to one, so relative links work); content types by extension;
 * 404 for anything missing, for dotfiles, and for any path that would leave the folder, whether by `..`
 * (raw or percent-encoded), an encoded slash or backslash, or a symlink whose real path is outside.
 */
export const staticServerSource = String.raw`// Written by EverJust (worker/src/sandbox/local-static-server.ts). Do not edit: it is rewritten.
import { createServer } from 'node:http';
import { createReadStream } from 'node:fs';
import { realpath, stat } from 'node:fs/promises';
import { extname, join, sep } from 'node:path';

const [rootArgument, portArgument, host = '127.0.0.1'] = process.argv.slice(2);
const port = Number(portArgument);
if (!rootArgument || !Number.isInteger(port) || port <= 0 || port > 65535) {
  console.error('usage: node static-server.mjs <dir> <port> [host]');
  process.exit(2);
}
const root = await realpath(rootArgument);

const textTypes = {
  '.html': 'text/html', '.htm': 'text/html', '.css': 'text/css', '.js': 'text/javascript',
  '.mjs': 'text/javascript', '.cjs': 'text/javascript', '.jsx': 'text/javascript', '.ts': 'text/plain',
  '.tsx': 'text/plain', '.json': 'application/json', '.map': 'application/json',
  '.webmanifest': 'application/manifest+json', '.txt': 'text/plain', '.md': 'text/markdown',
  '.csv': 'text/csv', '.xml': 'application/xml', '.svg': 'image/svg+xml',
};
const binaryTypes = {
  '.png': 'image/png', '.jpg': 'image/jpeg', '.jpeg': 'image/jpeg', '.gif': 'image/gif',
  '.webp': 'image/webp', '.avif': 'image/avif', '.ico': 'image/x-icon', '.bmp': 'image/bmp',
  '.woff': 'font/woff', '.woff2': 'font/woff2', '.ttf': 'font/ttf', '.otf': 'font/otf',
  '.wasm': 'application/wasm', '.pdf': 'application/pdf', '.zip': 'application/zip',
  '.mp3': 'audio/mpeg', '.wav': 'audio/wav', '.ogg': 'audio/ogg', '.mp4': 'video/mp4', '.webm': 'video/webm',
};

function contentType(path) {
  const extension = extname(path).toLowerCase();
  if (textTypes[extension]) return textTypes[extension] + '; charset=utf-8';
  return binaryTypes[extension] || 'application/octet-stream';
}

function answer(response, status, text, headers = {}) {
  response.writeHead(status, { 'Content-Type': 'text/plain; charset=utf-8', 'Cache-Control': 'no-store', ...headers });
  response.end(text);
}

// The request path as decoded segments, or null when any segment is unsafe. The raw path is split
// before decoding, so "%2f" cannot smuggle a separator and "%2e%2e" is seen as ".." and refused.
function segmentsOf(rawPath) {
  const segments = [];
  for (const raw of rawPath.split('/').slice(1)) {
    let segment;
    try {
      segment = decodeURIComponent(raw);
    } catch {
      return null;
    }
    if (segment === '') continue;
    if (segment.startsWith('.') || /[\/\\\u0000]/.test(segment)) return null;
    segments.push(segment);
  }
  return segments;
}

// The real path of a file or directory inside the root, or null (missing, or outside by a symlink).
async function inside(path) {
  try {
    const real = await realpath(path);
    return real === root || real.startsWith(root + sep) ? real : null;
  } catch {
    return null;
  }
}

const server = createServer(async (request, response) => {
  try {
    if (request.method !== 'GET' && request.method !== 'HEAD') {
      answer(response, 405, 'Method not allowed\n', { Allow: 'GET, HEAD' });
      return;
    }
    const rawPath = (request.url || '/').split('?')[0].split('#')[0];
    const segments = rawPath.startsWith('/') ? segmentsOf(rawPath) : null;
    if (!segments) {
      answer(response, 404, 'Not found\n');
      return;
    }
    let path = await inside(join(root, ...segments));
    if (!path) {
      answer(response, 404, 'Not found\n');
      return;
    }
    let info = await stat(path);
    if (info.isDirectory()) {
      if (!rawPath.endsWith('/')) {
        const query = (request.url || '').slice(rawPath.length);
        answer(response, 301, 'Moved\n', { Location: rawPath + '/' + query });
        return;
      }
      path = await inside(join(path, 'index.html'));
      info = path ? await stat(path) : null;
    }
    if (!path || !info || !info.isFile()) {
      answer(response, 404, 'Not found\n');
      return;
    }
    response.writeHead(200, {
      'Content-Type': contentType(path),
      'Content-Length': info.size,
      'Cache-Control': 'no-cache',
      'X-Content-Type-Options': 'nosniff',
      // A file of the synced tree: the preview proxy may keep it until the next sync (api/src/preview/asset-cache.ts).
      'X-EverJust-Static-File': '1',
    });
    if (request.method === 'HEAD') {
      response.end();
      return;
    }
    const stream = createReadStream(path);
    stream.on('error', () => response.destroy());
    stream.pipe(response);
  } catch (error) {
    console.error(error);
    if (!response.headersSent) answer(response, 500, 'Internal error\n');
    else response.destroy();
  }
});

server.on('error', (error) => {
  console.error('The static server could not start: ' + error.message);
  process.exit(1);
});
server.listen(port, host, () => {
  console.log('Serving ' + root + ' at http://' + host + ':' + port + '/');
});
`;
