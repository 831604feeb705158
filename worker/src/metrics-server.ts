import { createServer, type Server } from 'node:http';
import { metricsAccess, METRICS_UNAUTHORIZED_MESSAGE, type Metrics } from '@everjust/core';

/**
 * `/metrics` of a process of this package that has no HTTP of its own (the standalone worker, the
 * autoscaler), under the same rule as the API's: `Authorization: Bearer <EVERJUST_METRICS_TOKEN>`,
 * or loopback clients only when no token is set.
 */
export function serveMetrics(options: { registry: Metrics['registry']; port: number; host: string; token?: string }): Server {
  return createServer(async (request, response) => {
    if (request.url !== '/metrics') return void response.writeHead(404).end();
    const access = metricsAccess({ token: options.token, authorization: request.headers.authorization, remoteAddress: request.socket.remoteAddress });
    if (access !== 'allowed') return void response.writeHead(401, { 'www-authenticate': 'Bearer', 'content-type': 'text/plain' }).end(METRICS_UNAUTHORIZED_MESSAGE);
    response.writeHead(200, { 'content-type': options.registry.contentType }).end(await options.registry.metrics());
  }).listen(options.port, options.host);
}
