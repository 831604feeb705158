import { beforeEach, expect, it } from 'vitest';
import { describeEachDatabase } from '../../../test-support/databases.js';
import { ensureSandbox } from './sandbox-manager.js';
import type { SandboxInfo, SandboxProvider } from './sandbox-provider.js';

/** A provider that only counts: creates take a while, so two sessions starting together overlap. */
function countingProvider(createMs = 50) {
  let next = 0;
  const alive = new Set<string>();
  const created: string[] = [];
  const info = (id: string): SandboxInfo => ({ id, provider: 'local', state: 'started', labels: {} });
  const provider = {
    name: 'local',
    canRunCommands: true,
    async create() {
      const id = `sandbox-${++next}`;
      created.push(id);
      alive.add(id);
      await new Promise((resolve) => setTimeout(resolve, createMs));
      return info(id);
    },
    async get(id: string) {
      return alive.has(id) ? info(id) : null;
    },
    async start() {},
    async delete(id: string) {
      alive.delete(id);
    },
  } as unknown as SandboxProvider;
  return { provider, alive, created };
}

describeEachDatabase('ensureSandbox', (database) => {
  let project: { id: string; tenantId: string; mode: 'live' };
  beforeEach(async () => {
    const prisma = database().prisma;
    const tenant = await prisma.tenant.create({ data: { name: 'Sandbox tenant' } });
    const row = await prisma.project.create({ data: { tenantId: tenant.id, mode: 'live', name: 'Sandbox project' } });
    project = { id: row.id, tenantId: tenant.id, mode: 'live' };
  });

  it('leaves no orphan when two sessions of one project make its first sandbox at once', async () => {
    const { provider, alive, created } = countingProvider();
    const [first, second] = await Promise.all([ensureSandbox(database().prisma, provider, project), ensureSandbox(database().prisma, provider, project)]);
    const row = await database().prisma.sandbox.findUniqueOrThrow({ where: { projectId: project.id } });
    // Both sessions use the sandbox the row records, and every other one made is gone again.
    expect(first.sandbox.externalId).toBe(row.externalId);
    expect(second.sandbox.externalId).toBe(row.externalId);
    expect([...alive]).toEqual([row.externalId]);
    expect(created.length).toBeGreaterThanOrEqual(1);
  });

  it('leaves no orphan when two sessions replace a sandbox that is gone at once', async () => {
    const { provider, alive } = countingProvider();
    await database().prisma.sandbox.create({ data: { projectId: project.id, tenantId: project.tenantId, provider: 'local', externalId: 'vanished', status: 'running' } });
    const [first, second] = await Promise.all([ensureSandbox(database().prisma, provider, project), ensureSandbox(database().prisma, provider, project)]);
    const row = await database().prisma.sandbox.findUniqueOrThrow({ where: { projectId: project.id } });
    expect(first.sandbox.externalId).toBe(row.externalId);
    expect(second.sandbox.externalId).toBe(row.externalId);
    expect([...alive]).toEqual([row.externalId]);
  });

  it('reuses a live sandbox and makes a new one only when it is gone', async () => {
    const { provider, created } = countingProvider(0);
    const made = await ensureSandbox(database().prisma, provider, project);
    expect(made.created).toBe(true);
    const reused = await ensureSandbox(database().prisma, provider, project);
    expect(reused).toMatchObject({ created: false, sandbox: { externalId: made.sandbox.externalId } });
    expect(created).toHaveLength(1);
  });
});
