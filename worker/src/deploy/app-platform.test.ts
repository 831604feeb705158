import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFakeAppPlatform, type FakeAppPlatform } from '../../../test-support/fake-app-platform.js';
import { createAppPlatform } from './app-platform.js';
import { DeployProviderError, type DeployAppSpec } from './deploy-provider.js';

const service: DeployAppSpec = {
  projectId: 'p',
  name: 'api-service',
  region: 'fra',
  repository: 'octocat/api',
  branch: 'main',
  app: { kind: 'service', buildCommand: 'npm run build', outputDir: null, runCommand: 'npm start', httpPort: 8080 },
  domain: 'api.example.com',
};

describe('the App Platform deploy provider (@digitalocean/dots against the fake App Platform)', () => {
  let fake: FakeAppPlatform;
  const signal = new AbortController().signal;
  beforeAll(async () => {
    fake = await startFakeAppPlatform({ tokens: { 'do-a': 'team-a' } });
  });
  afterAll(async () => {
    await fake.close();
  });

  it('creates a Node service app (run_command, http_port, the custom domain as PRIMARY), recording it before anything else; its first deployment is the one the create started', async () => {
    const provider = createAppPlatform({ token: 'do-a', apiUrl: fake.url, retry: { baseDelayMs: 5 } });
    const recorded: string[] = [];
    const started = await provider.deploy({ appId: null, spec: service, signal, onAppCreated: async (appId) => void recorded.push(appId) });
    expect(recorded).toEqual([started.appId]);
    expect(started.created).toBe(true);
    const app = fake.apps.get(started.appId)!;
    expect(app.spec).toEqual({
      name: 'api-service',
      region: 'fra',
      services: [{ name: 'web', github: { repo: 'octocat/api', branch: 'main', deploy_on_push: false }, build_command: 'npm run build', run_command: 'npm start', http_port: 8080, instance_count: 1, instance_size_slug: 'apps-s-1vcpu-0.5gb' }],
      domains: [{ domain: 'api.example.com', type: 'PRIMARY' }],
    });
    expect(app.deployments.map((deployment) => deployment.id)).toEqual([started.deploymentId]);
    let state = await provider.getDeployment(started.appId, started.deploymentId, signal);
    while (state.phase !== 'ACTIVE') state = await provider.getDeployment(started.appId, started.deploymentId, signal);
    expect(state.liveUrl).toBe('https://api.example.com');

    // Updating with the same spec starts no deployment by itself: the provider asks for one.
    const again = await provider.deploy({ appId: started.appId, spec: service, signal, onAppCreated: async () => expect.unreachable() });
    expect(again).toMatchObject({ appId: started.appId, created: false });
    expect(fake.requests.filter((request) => request.method === 'POST' && request.path === `/v2/apps/${started.appId}/deployments`)).toHaveLength(1);
    expect(fake.requests.at(-1)!.body).toEqual({ force_build: true });
  });

  it('honours retry-after on a 429 and gives up after its tries with a retryable error; 401 is not retried', async () => {
    const provider = createAppPlatform({ token: 'do-a', apiUrl: fake.url, retry: { attempts: 3, baseDelayMs: 5 } });
    const appId = fake.appsOf('team-a')[0].id;
    fake.fail({ method: 'DELETE', path: /^\/v2\/apps\//, status: 429, retryAfter: 1 });
    const started = Date.now();
    await provider.deleteApp(appId, signal);
    expect(Date.now() - started).toBeGreaterThanOrEqual(950);
    expect(fake.apps.get(appId)!.deletedAt).toBeInstanceOf(Date);
    await provider.deleteApp(appId, signal); // already gone: no error

    fake.fail({ method: 'POST', path: /^\/v2\/apps$/, status: 502, times: 3 });
    const down = await provider.deploy({ appId: null, spec: { ...service, name: 'down-app' }, signal, onAppCreated: async () => undefined }).catch((error: unknown) => error);
    expect(down).toBeInstanceOf(DeployProviderError);
    expect(down).toMatchObject({ code: 'UNAVAILABLE', retryable: true, status: 502 });

    const before = fake.requests.length;
    const stranger = createAppPlatform({ token: 'nope', apiUrl: fake.url, retry: { baseDelayMs: 5 } });
    await expect(stranger.deploy({ appId: null, spec: service, signal, onAppCreated: async () => undefined })).rejects.toMatchObject({ code: 'UNAUTHORIZED', retryable: false, message: expect.stringMatching(/401 unauthorized: Unable to authenticate you/) });
    expect(fake.requests.length - before).toBe(1);
  });
});
