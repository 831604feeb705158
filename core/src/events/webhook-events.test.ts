import { describe, expect, it } from 'vitest';
import { EMPTY_USAGE } from './event-types.js';
import { webhookEventsFor } from './webhook-events.js';

describe('webhookEventsFor', () => {
  it('raises session.* for every kind, export.* only for exports and deploy.* only for deploys (never *.cancelled)', () => {
    const done = (status: 'succeeded' | 'failed' | 'cancelled') => ({ type: 'done' as const, payload: { status, usage: EMPTY_USAGE } });
    expect(webhookEventsFor(done('succeeded'), 'generate')).toEqual(['session.succeeded']);
    expect(webhookEventsFor(done('succeeded'), 'export')).toEqual(['session.succeeded', 'export.succeeded']);
    expect(webhookEventsFor(done('failed'), 'export')).toEqual(['session.failed', 'export.failed']);
    expect(webhookEventsFor(done('cancelled'), 'export')).toEqual(['session.cancelled']);
    expect(webhookEventsFor({ type: 'status', payload: { status: 'running' } }, 'export')).toEqual(['session.started']);
    expect(webhookEventsFor({ type: 'status', payload: { status: 'running', step: 'exporting' } }, 'export')).toEqual([]);
    expect(webhookEventsFor({ type: 'preview_ready', payload: { url: 'u', expiresAt: null } }, 'generate')).toEqual(['preview.ready']);
    expect(webhookEventsFor(done('succeeded'), 'deploy')).toEqual(['session.succeeded', 'deploy.succeeded']);
    expect(webhookEventsFor(done('failed'), 'deploy')).toEqual(['session.failed', 'deploy.failed']);
    expect(webhookEventsFor(done('cancelled'), 'deploy')).toEqual(['session.cancelled']);
    expect(webhookEventsFor({ type: 'deploy_ready', payload: { deploymentId: 'd', url: 'u' } }, 'deploy')).toEqual([]);
  });
});
