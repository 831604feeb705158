// temporary: failure paths of the harness
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { measureInterleaved, type Scenario } from './_harness.js';
let n = 0;
const mode = process.argv[2];
const server = createServer((req, res) => { req.resume(); req.on('end', () => { n++;
  const body = mode === 'errors' && n % 500 === 0 ? '{"errors":[{"message":"boom"}],"data":null}' : '{"data":{"hello":"world"}}';
  res.writeHead(mode === '500' && n % 500 === 0 ? 500 : 200, { 'content-type': 'application/json' }); res.end(body); }); });
await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/graphql`;
const scenarios: Scenario[] = [{ name: 'flaky', url, query: '{ hello }' }];
try { await measureInterleaved(scenarios, { durationS: 1, warmupS: 0, connections: 4, rounds: 1 }); console.log('no error?!'); }
catch (e) { console.log('caught:', (e as Error).message); process.exitCode = 1; }
finally { server.close(); server.closeIdleConnections(); }
