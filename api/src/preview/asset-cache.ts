import { LRUCache } from 'lru-cache';
import type { IncomingHttpHeaders, IncomingMessage } from 'node:http';

/**
 * A short memory of the sandbox's static files, so a page's assets are answered by the preview origin
 * without a second hop to the sandbox (on Daytona, a round trip over the internet per file).
 *
 * Only what the platform's own static server (`worker/src/sandbox/local-static-server.ts`, the server
 * of apps without a start script, on `local` and Daytona alike) marks as a file of the synced tree is
 * kept: an app's own server (a dev server, an API) is never cached. Those files change only when the
 * worker syncs a project's files or a command runs in the sandbox; a sync changes the sandbox row, and
 * the row's `updatedAt` is part of every key, so a link issued after a sync never sees older files, and
 * `ttlMs` bounds what a command may have changed. A request that asks for a fresh copy (`Cache-Control:
 * no-cache`, a browser's hard reload) or a part of a file goes to the sandbox. Bounded in bytes.
 */

/** The response header the platform's static server sets on a file it served (stripped before browsers). */
export const STATIC_FILE_HEADER = 'x-everjust-static-file';

/** What is kept of a response: its status, the headers a browser may see, its body. */
export interface CachedAsset {
  status: number;
  headers: Array<[string, string]>;
  body: Buffer;
}

/** Files larger than this are not kept (most of a page's assets are far smaller). */
const LARGEST_ASSET_BYTES = 256 * 1024;

export interface AssetCache {
  /**
   * Where a request stands: null when it must go to the sandbox untouched (not a GET, a range, a
   * conditional request), else its key and whether it may be answered from the cache (`reuse`: false
   * when the browser asked for a fresh copy; its answer still refreshes the entry).
   */
  lookup(request: { method?: string; headers: IncomingHttpHeaders }, target: { projectId: string; generation: string }, path: string, search: string): { key: string; hit?: CachedAsset } | null;
  /** Keeps a sandbox's answer when it may be kept: a marked file, 200, not HTML, of modest size. */
  offer(key: string, incoming: IncomingMessage, headers: Array<[string, string]>, body: Buffer): void;
}

export function createAssetCache(options: { maxBytes: number; ttlMs: number }): AssetCache | null {
  if (options.maxBytes <= 0 || options.ttlMs <= 0) return null;
  const cache = new LRUCache<string, CachedAsset>({
    maxSize: options.maxBytes,
    sizeCalculation: (asset) => asset.body.length + 256,
    ttl: options.ttlMs,
  });
  return {
    lookup(request, target, path, search) {
      const { headers } = request;
      if (request.method !== 'GET' || headers.range || headers['if-none-match'] || headers['if-modified-since']) return null;
      const key = `${target.projectId}\n${target.generation}\n${path}${search}`;
      const fresh = /no-cache|no-store|max-age=0/.test(String(headers['cache-control'] ?? '')) || headers.pragma === 'no-cache';
      return fresh ? { key } : { key, hit: cache.get(key) };
    },
    offer(key, incoming, headers, body) {
      if (incoming.statusCode !== 200 || incoming.headers[STATIC_FILE_HEADER] !== '1') return;
      if ((incoming.headers['content-type'] ?? '').startsWith('text/html') || body.length > LARGEST_ASSET_BYTES) return;
      cache.set(key, { status: 200, headers, body });
    },
  };
}
