// temporary experiment: client-only against the _exp-serve servers
import { readFileSync } from 'node:fs';
import autocannon from 'autocannon';
const j = JSON.parse(readFileSync('/tmp/bx/serve.out', 'utf8'));
for (let round = 0; round < 2; round++) for (const workers of [0, 1]) {
  for (const [name, url, query, auth] of [['bare', j.bare, '{ hello }', false], ['viewer', j.api, '{ viewer { id name tier } }', true]] as const) {
    const r = await autocannon({ url: url + '/graphql', method: 'POST', connections: 10, duration: 5, workers,
      headers: { 'content-type': 'application/json', ...(auth ? { authorization: 'Bearer ' + j.secret } : {}) }, body: JSON.stringify({ query }) });
    console.log(`workers=${workers} ${name} ${r.requests.average} p50=${r.latency.p50} non2xx=${r.non2xx}`);
  }
}
