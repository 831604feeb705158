import { request as httpRequest, type IncomingMessage } from 'node:http';
import { request as httpsRequest } from 'node:https';
import type { Duplex } from 'node:stream';
import type { PreviewAccess } from './preview-access.js';
import { upstreamTarget } from './proxy-http.js';
import type { PreviewOrigin } from './preview-route.js';

/** Upgrade request headers not forwarded (the rest, `Sec-WebSocket-*` included, go as they came). */
const DROPPED = new Set(['host', 'cookie', 'authorization', 'origin', 'referer', 'proxy-authorization']);

export interface PreviewUpgrades {
  /** Whether an upgrade request is for the preview origin (then `upgrade` answers it, whatever it is). */
  handles(request: IncomingMessage): boolean;
  upgrade(request: IncomingMessage, socket: Duplex, head: Buffer): void;
  /** Closes every proxied connection (the server is stopping). */
  close(): void;
}

/**
 * WebSocket upgrades of proxied previews (a dev server's hot reload): the token is checked as for
 * HTTP, then the upgrade is replayed upstream and, once the sandbox answered 101, the two sockets are
 * piped together, frames untouched (any subprotocol works). Cookies from either side are dropped.
 */
export function createPreviewUpgrades(options: { origin: PreviewOrigin; access: PreviewAccess }): PreviewUpgrades {
  const open = new Set<Duplex>();
  const refuse = (socket: Duplex, status: string) => {
    socket.end(`HTTP/1.1 ${status}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`);
  };
  return {
    handles: (request) => options.origin.match(request.url ?? '/', request.headers.host) !== null,
    upgrade(request, socket, head) {
      socket.on('error', () => socket.destroy());
      void (async () => {
        const url = new URL(request.url ?? '/', 'http://preview.invalid');
        const route = options.origin.match(url, request.headers.host);
        const check = route?.token ? await options.access.check(route.token).catch(() => null) : null;
        if (!route || !check?.ok || check.target.kind !== 'proxy') return refuse(socket, '404 Not Found');
        const target = upstreamTarget(check.target.upstreamUrl, route.path, url.search);
        const headers: Record<string, string | string[]> = {};
        for (const [name, value] of Object.entries(request.headers)) {
          if (value !== undefined && !DROPPED.has(name)) headers[name] = value;
        }
        Object.assign(headers, check.target.headers, { host: target.host, origin: target.origin });
        const outgoing = (target.protocol === 'https:' ? httpsRequest : httpRequest)(target, { method: 'GET', headers });
        outgoing.on('upgrade', (answer, upstream, upstreamHead) => {
          const lines = [`HTTP/1.1 ${answer.statusCode ?? 101} ${answer.statusMessage ?? 'Switching Protocols'}`];
          for (let index = 0; index < answer.rawHeaders.length; index += 2) {
            if (answer.rawHeaders[index]!.toLowerCase() !== 'set-cookie') lines.push(`${answer.rawHeaders[index]}: ${answer.rawHeaders[index + 1]}`);
          }
          socket.write(`${lines.join('\r\n')}\r\n\r\n`);
          if (upstreamHead.length > 0) socket.write(upstreamHead);
          if (head.length > 0) upstream.write(head);
          open.add(socket);
          const end = () => {
            open.delete(socket);
            socket.destroy();
            upstream.destroy();
          };
          upstream.on('error', end).on('close', end);
          socket.on('error', end).on('close', end);
          upstream.pipe(socket).pipe(upstream);
        });
        // The sandbox refused the upgrade: pass on its status, nothing else.
        outgoing.on('response', (answer) => {
          answer.resume();
          refuse(socket, `${answer.statusCode} ${answer.statusMessage ?? ''}`.trim());
        });
        outgoing.on('error', () => refuse(socket, '502 Bad Gateway'));
        outgoing.end();
      })();
    },
    close() {
      for (const socket of open) socket.destroy();
      open.clear();
    },
  };
}
