import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { TokenController } from './token-controller.js';
import type { WidgetToken } from './token-source.js';

/** The element's token handling, in Node: when it asks for a token, and when it renews one. */

const LIFE_MS = 15 * 60_000;

function controller(options: { renewable?: boolean; fail?: () => boolean } = {}) {
  let issued = 0;
  const errors: unknown[] = [];
  const tokens = new TokenController({
    load: async () => {
      if (options.fail?.()) throw new Error('token server down');
      issued++;
      return { token: `token-${issued}`, expiresAt: Date.now() + LIFE_MS, issuedAt: Date.now() } as WidgetToken;
    },
    renewable: () => options.renewable ?? true,
    onRenewalError: (error) => errors.push(error),
  });
  return { tokens, errors, issued: () => issued };
}

describe('TokenController', () => {
  beforeEach(() => vi.useFakeTimers({ now: 1_000_000 }));
  afterEach(() => vi.useRealTimers());

  it('reuses the current token, shares one request between concurrent renewals, and renews a token about to expire', async () => {
    const { tokens, issued } = controller();
    const [first, second] = await Promise.all([tokens.current(), tokens.current()]);
    expect(first.token).toBe('token-1');
    expect(second.token).toBe('token-1');
    expect(issued()).toBe(1);
    expect((await tokens.current()).token).toBe('token-1');
    vi.setSystemTime(Date.now() + LIFE_MS - 4_000); // under 5 s left: renewed before use
    expect((await tokens.current()).token).toBe('token-2');
    tokens.stop();
  });

  it('renews by itself at 80% of the life, and not after stop()', async () => {
    const { tokens, issued } = controller();
    await tokens.current();
    await vi.advanceTimersByTimeAsync(LIFE_MS * 0.8 + 1);
    expect(issued()).toBe(2);
    tokens.stop();
    await vi.advanceTimersByTimeAsync(LIFE_MS);
    expect(issued()).toBe(2);
  });

  it('never schedules a renewal of a fixed token', async () => {
    const { tokens, issued } = controller({ renewable: false });
    await tokens.current();
    await vi.advanceTimersByTimeAsync(LIFE_MS);
    expect(issued()).toBe(1);
  });

  it('reports a failed scheduled renewal and tries again in 5 s while the old token still works', async () => {
    let down = false;
    const { tokens, errors, issued } = controller({ fail: () => down });
    await tokens.current();
    down = true;
    await vi.advanceTimersByTimeAsync(LIFE_MS * 0.8 + 1);
    expect(errors).toHaveLength(1);
    down = false;
    await vi.advanceTimersByTimeAsync(5_000 + 1_000);
    expect(issued()).toBe(2);
    tokens.stop();
  });
});
