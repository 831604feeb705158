// `pnpm db:generate`: `prisma generate` (client + Pothos types) without network access. Extra
// arguments go to the CLI (`pnpm db:generate --schema other.prisma`).
//
// Every Prisma CLI command first tries to download a native schema engine and fails offline
// (`getaddrinfo ENOTFOUND`), although `generate` never uses it. Pointing PRISMA_SCHEMA_ENGINE_BINARY
// at any existing file skips the download; Node's own executable is one that always exists.
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const prismaBin = path.join(repoRoot, 'node_modules/.bin/prisma');

// Keep a real engine if one is configured (a machine that has it), otherwise use the stand-in.
const engine = process.env.PRISMA_SCHEMA_ENGINE_BINARY;
const env = {
  ...process.env,
  PRISMA_SCHEMA_ENGINE_BINARY: engine && existsSync(engine) ? engine : process.execPath,
};

const child = spawn(prismaBin, ['generate', ...process.argv.slice(2)], { cwd: repoRoot, env, stdio: 'inherit' });
child.on('error', (error) => {
  console.error(`cannot run ${prismaBin}: ${error.message}`);
  process.exitCode = 1;
});
child.on('exit', (code, signal) => {
  process.exitCode = code ?? (signal ? 1 : 0);
});
