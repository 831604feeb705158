import type { Services } from '../context.js';
import type { RouteLimiter } from '../services/request-limits.js';
import { createAssetCache } from './asset-cache.js';
import { createPreviewAccess, PREVIEW_ACCESS_CACHE_MS } from './preview-access.js';
import { previewOrigin } from './preview-route.js';
import { createUpstreamClient } from './proxy-http.js';
import { createNodePreview } from './proxy-node.js';
import { createPreviewUpgrades } from './proxy-websocket.js';
import { usePreview } from './use-preview.js';

/**
 * The preview origin's parts, made once per API handler: the Yoga plugin that answers its HTTP
 * requests, the Node server's hot path for proxied assets, and the upgrade handler for its WebSockets,
 * sharing one token check (and its cache) and one set of upstream connections.
 */
export function createPreview(services: Services, limiter: RouteLimiter | undefined) {
  const origin = previewOrigin(services.config.previewUrl);
  const access = createPreviewAccess({ prisma: services.prisma, secret: services.secret });
  const upstream = createUpstreamClient();
  // Kept as long as the token check's own cache: a stopped sandbox or a synced file is seen as soon.
  const assets = createAssetCache({ maxBytes: services.config.sandboxes.previewCacheBytes, ttlMs: PREVIEW_ACCESS_CACHE_MS });
  return {
    plugin: usePreview({
      prisma: services.prisma,
      pubsub: services.pubsub,
      logger: services.logger,
      origin,
      access,
      upstream,
      errorsPerMinute: services.config.sandboxes.previewErrorsPerMinute,
      limiter,
    }),
    upgrades: createPreviewUpgrades({ origin, access }),
    /** The Node server's hot path for proxied GETs (proxy-node.ts); the plugin answers the rest. */
    serveNode: createNodePreview({ origin, access, upstream, limiter, assets }),
    /** Closes what the proxy keeps open (its upstream connections). */
    close: () => upstream.close(),
  };
}
