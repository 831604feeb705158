/**
 * What kind of App Platform app a project is, read from its files, shared by the API (which refuses a
 * project with no entry point before a session starts) and the worker (which writes the app spec):
 *
 * - a `package.json` with a `start` script: a Node **service** (`run_command: npm start`, the `build`
 *   script as `build_command` when there is one, `http_port` 8080, which App Platform also passes as `PORT`);
 * - else a `package.json` with a `build` script: a **static site** built by it, served from its output
 *   folder (`dist`, or `build` for Create React App, `out` for a Next.js export);
 * - else an `index.html` at the root: a **static site** served as it is.
 *
 * Any of it can be overridden by the caller (`deployProject(input: { app })`).
 */

export type DeployAppKind = 'static_site' | 'service';

export interface DeployApp {
  kind: DeployAppKind;
  /** Runs before the app is served or started (static site: its output goes to `outputDir`). */
  buildCommand: string | null;
  /** Static site: the folder served (null: the repository's root). */
  outputDir: string | null;
  /** Service: the command that starts it. */
  runCommand: string | null;
  /** Service: the port it listens on. */
  httpPort: number | null;
}

/** What the caller may set instead of the detection (each field optional; the kind decides the rest). */
export interface DeployAppOverride {
  kind?: DeployAppKind | null;
  buildCommand?: string | null;
  outputDir?: string | null;
  runCommand?: string | null;
  httpPort?: number | null;
}

export type DeployAppDetection = { ok: true; app: DeployApp; detected: boolean } | { ok: false; reason: string };

/** The port a detected Node service listens on (App Platform's default, also set as `PORT`). */
export const DEFAULT_HTTP_PORT = 8080;

interface PackageJson {
  scripts?: Record<string, unknown>;
  dependencies?: Record<string, unknown>;
  devDependencies?: Record<string, unknown>;
}

/** The project's files (paths, and the text of `package.json`) → the app, or why there is none. */
export function detectDeployApp(files: ReadonlyArray<{ path: string; content?: string }>, override: DeployAppOverride = {}): DeployAppDetection {
  if (files.length === 0) return { ok: false, reason: 'the project has no files to deploy' };
  const manifest = files.find((file) => file.path === 'package.json');
  let pkg: PackageJson | null = null;
  if (manifest) {
    try {
      pkg = JSON.parse(manifest.content ?? '') as PackageJson;
    } catch {
      return { ok: false, reason: 'package.json is not valid JSON' };
    }
  }
  const script = (name: string) => typeof pkg?.scripts?.[name] === 'string';
  const hasIndex = files.some((file) => file.path === 'index.html');
  const detected = detect(pkg, script, hasIndex);
  const overridden = Object.values(override).some((value) => value != null);
  const kind = override.kind ?? detected?.kind;
  if (!kind) return { ok: false, reason: 'the project has no entry point: an index.html at its root, or a package.json with a `start` or `build` script' };
  const base: DeployApp = detected && detected.kind === kind ? detected : kind === 'service' ? service(script) : staticSite(pkg, script, true);
  const app: DeployApp = {
    kind,
    buildCommand: override.buildCommand !== undefined && override.buildCommand !== null ? override.buildCommand : base.buildCommand,
    outputDir: kind === 'static_site' ? (override.outputDir ?? base.outputDir) : null,
    runCommand: kind === 'service' ? (override.runCommand ?? base.runCommand) : null,
    httpPort: kind === 'service' ? (override.httpPort ?? base.httpPort ?? DEFAULT_HTTP_PORT) : null,
  };
  if (app.kind === 'service' && !app.runCommand) return { ok: false, reason: 'a service needs a run command: a `start` script in package.json, or `runCommand`' };
  return { ok: true, app, detected: !overridden };
}

function detect(pkg: PackageJson | null, script: (name: string) => boolean, hasIndex: boolean): DeployApp | null {
  if (pkg && script('start')) return service(script);
  if (pkg && script('build')) return staticSite(pkg, script, true);
  if (hasIndex) return staticSite(pkg, script, false);
  return null;
}

function service(script: (name: string) => boolean): DeployApp {
  return { kind: 'service', buildCommand: script('build') ? 'npm run build' : null, outputDir: null, runCommand: script('start') ? 'npm start' : null, httpPort: DEFAULT_HTTP_PORT };
}

function staticSite(pkg: PackageJson | null, script: (name: string) => boolean, built: boolean): DeployApp {
  if (!built || !script('build')) return { kind: 'static_site', buildCommand: null, outputDir: null, runCommand: null, httpPort: null };
  const dependencies = { ...pkg?.dependencies, ...pkg?.devDependencies };
  const outputDir = 'react-scripts' in dependencies ? 'build' : 'next' in dependencies ? 'out' : 'dist';
  return { kind: 'static_site', buildCommand: 'npm run build', outputDir, runCommand: null, httpPort: null };
}
