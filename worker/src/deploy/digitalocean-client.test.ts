import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFakeAppPlatform, type FakeAppPlatform } from '../../../test-support/fake-app-platform.js';
import type { App_spec } from '@digitalocean/dots';
import { createDigitalOceanApiClient } from './digitalocean-client.js';

describe('the official client (@digitalocean/dots) against the fake App Platform', () => {
  let fake: FakeAppPlatform;
  beforeAll(async () => {
    fake = await startFakeAppPlatform({ tokens: { 'do-a': 'team-a', 'do-b': 'team-b' } });
  });
  afterAll(async () => {
    await fake.close();
  });

  const spec: App_spec = { name: 'site', region: 'ams', staticSites: [{ name: 'web', github: { repo: 'octocat/site', branch: 'main', deployOnPush: false } }] };

  it('creates an app (snake_case on the wire), walks a deployment through its phases on each read, and reads the app back with its region', async () => {
    const client = createDigitalOceanApiClient({ token: 'do-a', apiUrl: fake.url });
    const created = (await client.v2.apps.post({ spec }))!.app!;
    expect(fake.requests.at(-1)).toMatchObject({ method: 'POST', path: '/v2/apps', headers: { authorization: 'Bearer do-a' } });
    expect(fake.requests.at(-1)!.body.spec.static_sites[0]).toMatchObject({ name: 'web', github: { repo: 'octocat/site', branch: 'main', deploy_on_push: false } });
    const first = created.inProgressDeployment!;
    expect(first.phase).toBe('PENDING_BUILD');

    const phases: string[] = [];
    for (let read = 0; read < 5; read++) {
      phases.push((await client.v2.apps.byApp_Id(created.id!).deployments.byDeployment_id(first.id!).get())!.deployment!.phase!);
    }
    expect(phases).toEqual(['BUILDING', 'PENDING_DEPLOY', 'DEPLOYING', 'ACTIVE', 'ACTIVE']);

    // region.data_centers is an array of strings, as on the real API: Kiota must parse it (pnpm-workspace.yaml).
    const app = (await client.v2.apps.byApp_Id(created.id!).get())!.app!;
    expect(app.region?.dataCenters).toEqual(['ams3']);
    expect(app.activeDeployment?.id).toBe(first.id);
    expect(app.liveUrl).toMatch(/^https:\/\/site-[0-9a-f]{5}\.ondigitalocean\.app$/);

    const logs = await client.v2.apps.byApp_Id(created.id!).deployments.byDeployment_id(first.id!).logs.get({ queryParameters: { type: 'BUILD' } });
    expect(logs?.historicUrls).toHaveLength(1);
    expect(await (await fetch(logs!.historicUrls![0])).text()).toContain('build complete');
  });

  it('answers errors as App Platform does, once each: the client does not retry by itself', async () => {
    const client = createDigitalOceanApiClient({ token: 'do-a', apiUrl: fake.url });
    fake.fail({ method: 'GET', path: /^\/v2\/apps$/, status: 429, retryAfter: 2 });
    const before = fake.requests.length;
    const refused = await client.v2.apps.get().catch((error: unknown) => error);
    expect(refused).toMatchObject({ responseStatusCode: 429, id: 'too_many_requests', messageEscaped: 'API Rate limit exceeded.' });
    expect(fake.requests.length - before).toBe(1);

    const stranger = createDigitalOceanApiClient({ token: 'do-b', apiUrl: fake.url });
    const app = fake.appsOf('team-a')[0];
    await expect(stranger.v2.apps.byApp_Id(app.id).get()).rejects.toMatchObject({ responseStatusCode: 404, id: 'not_found' });
    await expect(createDigitalOceanApiClient({ token: 'wrong', apiUrl: fake.url }).v2.apps.get()).rejects.toMatchObject({ responseStatusCode: 401, messageEscaped: 'Unable to authenticate you' });
    await expect(client.v2.apps.post({ spec: { ...spec, name: 'Bad Name' } })).rejects.toMatchObject({ responseStatusCode: 422, id: 'unprocessable_entity' });
  });

  it('scripts a failed build with its log, holds a deployment until it is cancelled, and rolls back to an earlier one', async () => {
    const client = createDigitalOceanApiClient({ token: 'do-a', apiUrl: fake.url });
    const app = fake.appsOf('team-a')[0];
    const item = client.v2.apps.byApp_Id(app.id);

    fake.scriptNextDeployment({ failAt: 'BUILDING', log: 'npm ERR! missing script: build\n' });
    const failing = (await item.deployments.post({ forceBuild: true }))!.deployment!;
    await item.deployments.byDeployment_id(failing.id!).get();
    const failed = (await item.deployments.byDeployment_id(failing.id!).get())!.deployment!;
    expect(failed.phase).toBe('ERROR');
    expect(failed.progress?.steps?.[0]).toMatchObject({ name: 'build', status: 'ERROR', reason: { code: 'BuildJobFailed' } });
    const logs = await item.deployments.byDeployment_id(failing.id!).logs.get({ queryParameters: { type: 'BUILD' } });
    expect(await (await fetch(logs!.historicUrls![0])).text()).toBe('npm ERR! missing script: build\n');

    fake.scriptNextDeployment({ holdAt: 'BUILDING' });
    const held = (await item.deployments.post({}))!.deployment!;
    for (let read = 0; read < 3; read++) await item.deployments.byDeployment_id(held.id!).get();
    expect((await item.get())!.app!.inProgressDeployment?.id).toBe(held.id);
    expect((await item.deployments.byDeployment_id(held.id!).cancel.post())!.deployment!.phase).toBe('CANCELED');
    expect((await item.get())!.app!.inProgressDeployment).toBeUndefined();

    // A second good deployment, then back to the first.
    const second = (await item.deployments.post({}))!.deployment!;
    fake.settle();
    expect(fake.deployment(second.id!)!.phase).toBe('ACTIVE');
    const firstId = app.deployments[0].id;
    expect(fake.deployment(firstId)!.phase).toBe('SUPERSEDED');
    const rollback = (await item.rollback.post({ deploymentId: firstId }))!.deployment!;
    expect(rollback).toMatchObject({ cause: 'manual rollback', clonedFrom: firstId });
    fake.settle();
    expect((await item.get())!.app!.activeDeployment?.id).toBe(rollback.id);
    const list = (await item.deployments.get({ queryParameters: { perPage: 2 } }))!;
    expect(list.meta?.total).toBe(5);
    expect(list.deployments?.map((deployment) => deployment.id)).toEqual([rollback.id, second.id]);
  });

  it('lets an autoscaler read and write a component instance_count; a changed spec starts a deployment', async () => {
    const seeded = fake.addApp({ name: 'everjust', region: 'nyc', workers: [{ name: 'worker', instance_count: 2, github: { repo: 'everjust/platform', branch: 'main' } }] }, { account: 'team-a' });
    const client = createDigitalOceanApiClient({ token: 'do-a', apiUrl: fake.url });
    const current = (await client.v2.apps.byApp_Id(seeded.id).get())!.app!;
    expect(current.inProgressDeployment).toBeUndefined();
    expect(current.spec!.workers![0].instanceCount).toBe(2);
    current.spec!.workers![0].instanceCount = 5;
    const updated = (await client.v2.apps.byApp_Id(seeded.id).put({ spec: current.spec }))!.app!;
    expect(fake.apps.get(seeded.id)!.spec.workers[0].instance_count).toBe(5);
    expect(updated.inProgressDeployment?.phase).toBe('PENDING_BUILD');
    // Writing the same spec again is no change: no deployment.
    const count = fake.apps.get(seeded.id)!.deployments.length;
    await client.v2.apps.byApp_Id(seeded.id).put({ spec: updated.spec });
    expect(fake.apps.get(seeded.id)!.deployments.length).toBe(count);
    await client.v2.apps.byApp_Id(seeded.id).delete();
    expect(fake.apps.get(seeded.id)!.deletedAt).toBeInstanceOf(Date);
    await expect(client.v2.apps.byApp_Id(seeded.id).get()).rejects.toMatchObject({ responseStatusCode: 404 });
  });
});
