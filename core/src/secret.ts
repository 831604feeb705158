import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ConfigError } from './config.js';

/**
 * The signing and encryption secret. Production sets `EVERJUST_SECRET`; the embedded start makes one
 * on first run and keeps it in the data dir (mode 0600), so tokens survive restarts.
 */
export function resolveSecret(config: { secret?: string; dataDir: string; embedded: boolean }): string {
  if (config.secret) return config.secret;
  if (!config.embedded) {
    throw new ConfigError(['EVERJUST_SECRET is required when DATABASE_URL is set (at least 32 characters; e.g. `openssl rand -hex 32`)']);
  }
  const path = join(config.dataDir, 'secret');
  if (existsSync(path)) return readFileSync(path, 'utf8').trim();
  mkdirSync(config.dataDir, { recursive: true });
  const secret = randomBytes(32).toString('hex');
  writeFileSync(path, `${secret}\n`, { mode: 0o600, flag: 'wx' });
  return secret;
}
