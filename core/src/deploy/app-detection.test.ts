import { describe, expect, it } from 'vitest';
import { detectDeployApp } from './app-detection.js';

const pkg = (value: unknown) => ({ path: 'package.json', content: JSON.stringify(value) });

describe('detectDeployApp', () => {
  it('serves an index.html at the root as a static site, with nothing to build', () => {
    expect(detectDeployApp([{ path: 'index.html' }, { path: 'app.js' }])).toEqual({
      ok: true,
      detected: true,
      app: { kind: 'static_site', buildCommand: null, outputDir: null, runCommand: null, httpPort: null },
    });
  });

  it('builds a package.json with a build script into its output folder (dist, build for CRA, out for Next)', () => {
    expect(detectDeployApp([pkg({ scripts: { build: 'vite build' } }), { path: 'index.html' }])).toMatchObject({ ok: true, app: { kind: 'static_site', buildCommand: 'npm run build', outputDir: 'dist' } });
    expect(detectDeployApp([pkg({ scripts: { build: 'react-scripts build' }, dependencies: { 'react-scripts': '5' } })])).toMatchObject({ app: { outputDir: 'build' } });
    expect(detectDeployApp([pkg({ scripts: { build: 'next build' }, dependencies: { next: '15' } })])).toMatchObject({ app: { outputDir: 'out' } });
  });

  it('runs a package.json with a start script as a Node service on 8080 (its build script as build_command)', () => {
    expect(detectDeployApp([pkg({ scripts: { start: 'node server.js', build: 'tsc' } }), { path: 'index.html' }])).toEqual({
      ok: true,
      detected: true,
      app: { kind: 'service', buildCommand: 'npm run build', outputDir: null, runCommand: 'npm start', httpPort: 8080 },
    });
  });

  it('takes overrides over the detection, and says so', () => {
    const files = [pkg({ scripts: { start: 'node server.js', build: 'vite build' } })];
    expect(detectDeployApp(files, { kind: 'static_site', outputDir: 'public' })).toEqual({
      ok: true,
      detected: false,
      app: { kind: 'static_site', buildCommand: 'npm run build', outputDir: 'public', runCommand: null, httpPort: null },
    });
    expect(detectDeployApp([{ path: 'index.html' }], { kind: 'service', runCommand: 'npx serve -l 3000', httpPort: 3000 })).toMatchObject({ ok: true, app: { kind: 'service', runCommand: 'npx serve -l 3000', httpPort: 3000 } });
  });

  it('refuses a project with no files, no entry point, a bad package.json, or a service with no run command', () => {
    expect(detectDeployApp([])).toEqual({ ok: false, reason: 'the project has no files to deploy' });
    expect(detectDeployApp([{ path: 'README.md' }, { path: 'src/index.html' }])).toMatchObject({ ok: false, reason: expect.stringMatching(/no entry point/) });
    expect(detectDeployApp([pkg({ scripts: { test: 'vitest' } })])).toMatchObject({ ok: false });
    expect(detectDeployApp([{ path: 'package.json', content: '{ nope' }])).toMatchObject({ ok: false, reason: 'package.json is not valid JSON' });
    expect(detectDeployApp([{ path: 'index.html' }], { kind: 'service' })).toMatchObject({ ok: false, reason: expect.stringMatching(/run command/) });
  });
});
