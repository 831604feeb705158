import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { repoRoot } from './processes.js';

/** Debian's chromium, driven by playwright-core (docs/toolchain.md); CI installs it. */
export const CHROMIUM = '/usr/bin/chromium';
/** docs/toolchain.md: the flags that work for that chromium on these machines. */
export const CHROMIUM_ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];

/** Why browser tests are skipped here, or undefined when Chromium is installed. */
export const chromiumMissing = existsSync(CHROMIUM) ? undefined : `${CHROMIUM} is missing; install Debian's chromium: apt-get install -y chromium`;

export const widgetDirectory = join(repoRoot, 'widget');
export const widgetScriptPath = join(widgetDirectory, 'dist', 'everjust-builder.global.js');

/** Builds the widget as `pnpm --filter @everjust/widget build` does (tsup), so `pnpm test` needs no other command. */
export async function buildWidget(): Promise<void> {
  const tsup = createRequire(join(widgetDirectory, 'package.json')).resolve('tsup/dist/cli-default.js');
  await promisify(execFile)(process.execPath, [tsup, '--silent'], { cwd: widgetDirectory });
}
