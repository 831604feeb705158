import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { CONFIG_VARIABLES, loadConfig, resolveSecret, type Environment } from '@everjust/core';

/**
 * `.do/app.yaml` against the code it deploys: the names it binds are the ones core/src/config.ts
 * reads, every process gets what its config requires, and every command names a file or script
 * that the build really produces. No DigitalOcean account needed: bindable `${...}` variables are
 * replaced by values of the shape App Platform gives them.
 */

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const SPEC_PATH = join(ROOT, '.do', 'app.yaml');

interface EnvVar {
  key: string;
  value?: string;
  type?: 'GENERAL' | 'SECRET';
  scope?: string;
}
interface Component {
  name: string;
  environment_slug?: string;
  build_command?: string;
  run_command?: string;
  source_dir?: string;
  github?: { repo?: string; branch?: string };
  instance_size_slug?: string;
  instance_count?: number;
  http_port?: number;
  kind?: string;
  health_check?: { http_path?: string };
  liveness_health_check?: { http_path?: string };
  autoscaling?: { min_instance_count?: number; max_instance_count?: number; metrics?: { cpu?: { percent?: number } } };
  termination?: { drain_seconds?: number; grace_period_seconds?: number };
  envs?: EnvVar[];
}
interface Database {
  name: string;
  engine: string;
  production?: boolean;
  cluster_name?: string;
}
interface AppSpec {
  name: string;
  region?: string;
  envs?: EnvVar[];
  services?: Component[];
  workers?: Component[];
  jobs?: Component[];
  databases?: Database[];
  ingress?: { rules?: Array<{ component?: { name?: string } }> };
}

const spec = parse(readFileSync(SPEC_PATH, 'utf8')) as AppSpec;
const rootPackage = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { packageManager: string; scripts: Record<string, string> };

const components = (): Array<{ section: 'services' | 'workers' | 'jobs'; component: Component }> => [
  ...(spec.services ?? []).map((component) => ({ section: 'services' as const, component })),
  ...(spec.workers ?? []).map((component) => ({ section: 'workers' as const, component })),
  ...(spec.jobs ?? []).map((component) => ({ section: 'jobs' as const, component })),
];

/** App Platform's rule for app, component and database names. */
const NAME = /^[a-z][a-z0-9-]{0,30}[a-z0-9]$/;

// What each process is, told by what it runs, and what its configuration then needs.
type Role = 'api' | 'worker' | 'autoscaler' | 'migrate';
function roleOf(component: Component): Role {
  const run = component.run_command ?? '';
  if (/^node api\/dist\/main\.js$/.test(run)) return 'api';
  if (/^node worker\/dist\/main\.js$/.test(run)) return 'worker';
  if (/^node worker\/dist\/autoscale\.js$/.test(run)) return 'autoscaler';
  if (/^node api\/dist\/cli\.js migrate$/.test(run)) return 'migrate';
  throw new Error(`${component.name}: unknown run_command "${run}"`);
}
const REQUIRED: Record<Role, string[]> = {
  // config.ts / resolveSecret: DATABASE_URL selects PostgreSQL, which then needs EVERJUST_SECRET; Redis
  // makes rate limits and revocation shared; the public URL signs preview links; HOST: a container.
  api: ['DATABASE_URL', 'EVERJUST_SECRET', 'REDIS_URL', 'EVERJUST_PUBLIC_URL', 'EVERJUST_SANDBOX', 'HOST', 'PORT'],
  // The standalone worker refuses to start without DATABASE_URL; it signs static preview URLs too.
  worker: ['DATABASE_URL', 'EVERJUST_SECRET', 'REDIS_URL', 'EVERJUST_PUBLIC_URL', 'EVERJUST_SANDBOX', 'ANTHROPIC_API_KEY'],
  // The autoscaler reads the queue from PostgreSQL and reads and writes this app's spec.
  autoscaler: ['DATABASE_URL', 'DIGITALOCEAN_TOKEN', 'EVERJUST_AUTOSCALE_APP_ID', 'EVERJUST_SANDBOX'],
  // The CLI picks PostgreSQL by DATABASE_URL and migrates over DATABASE_DIRECT_URL.
  migrate: ['DATABASE_URL', 'DATABASE_DIRECT_URL', 'EVERJUST_SANDBOX'],
};
const SECRETS = ['EVERJUST_SECRET', 'ANTHROPIC_API_KEY', 'DAYTONA_API_KEY', 'DIGITALOCEAN_TOKEN'];

/** Component variables override app-level ones of the same key. */
function envsOf(component: Component): Map<string, EnvVar> {
  const envs = new Map<string, EnvVar>();
  for (const variable of [...(spec.envs ?? []), ...(component.envs ?? [])]) envs.set(variable.key, variable);
  return envs;
}

// Bindable variables, with values of the shape App Platform substitutes.
const APP_URL = 'https://everjust-x1y2z.ondigitalocean.app';
const APP_ID = '00000000-0000-4000-8000-000000000000';
const DIRECT_PORT = 25060;
const POOL_PORT = 25061;
function bindable(reference: string): string {
  const parts = reference.split('.');
  if (parts.length === 1) {
    const appWide: Record<string, string> = { APP_URL, APP_DOMAIN: new URL(APP_URL).host, APP_ID };
    if (!(reference in appWide)) throw new Error(`unknown app-wide bindable variable \${${reference}}`);
    return appWide[reference]!;
  }
  const database = spec.databases?.find((candidate) => candidate.name === parts[0]);
  if (!database) throw new Error(`\${${reference}} names no database component`);
  const variable = parts.at(-1)!;
  if (variable === 'CA_CERT' && parts.length === 2 && database.engine === 'PG') {
    return '-----BEGIN CERTIFICATE-----\nMIIplaceholder\n-----END CERTIFICATE-----\n';
  }
  if (variable !== 'DATABASE_URL') throw new Error(`\${${reference}}: only DATABASE_URL and CA_CERT are used here`);
  if (database.engine === 'VALKEY' || database.engine === 'REDIS') {
    if (parts.length !== 2) throw new Error(`\${${reference}}: a cache has no connection pools`);
    return 'rediss://default:cache-password@everjust-valkey-do-user-1.db.ondigitalocean.com:25061';
  }
  if (parts.length === 3) {
    return `postgresql://everjust:pg-password@everjust-pg-do-user-1.db.ondigitalocean.com:${POOL_PORT}/${parts[1]}?sslmode=require`;
  }
  return `postgresql://everjust:pg-password@everjust-pg-do-user-1.db.ondigitalocean.com:${DIRECT_PORT}/everjust?sslmode=require`;
}
function substitute(value: string): string {
  return value.replace(/\$\{([^}]+)\}/g, (_, reference: string) => bindable(reference));
}
const SECRET_VALUES: Record<string, string> = {
  EVERJUST_SECRET: 'a'.repeat(64),
  ANTHROPIC_API_KEY: 'sk-ant-placeholder',
  DAYTONA_API_KEY: 'dtn_placeholder',
  DIGITALOCEAN_TOKEN: 'dop_v1_placeholder',
};
/** The environment the process would see, and the PORT App Platform adds from http_port when absent. */
function environmentOf(component: Component): Environment {
  const environment: Environment = {};
  for (const variable of envsOf(component).values()) {
    environment[variable.key] = variable.type === 'SECRET' ? (SECRET_VALUES[variable.key] ?? 'secret-placeholder') : substitute(variable.value ?? '');
  }
  if (component.http_port !== undefined && environment.PORT === undefined) environment.PORT = String(component.http_port);
  return environment;
}

describe('.do/app.yaml', () => {
  it('has an app name, a region and named components of every kind the platform runs', () => {
    expect(spec.name).toMatch(NAME);
    expect(spec.region).toBeTruthy();
    expect(spec.services?.length).toBeGreaterThan(0);
    expect(spec.workers?.length).toBeGreaterThan(0);
    expect(spec.jobs?.length).toBeGreaterThan(0);
    expect(spec.databases?.length).toBeGreaterThan(0);
    const names = [...components().map(({ component }) => component.name), ...spec.databases!.map((database) => database.name)];
    for (const name of names) expect(name, name).toMatch(NAME);
    expect(new Set(names).size, 'component and database names are unique').toBe(names.length);
    expect(components().map(({ component }) => roleOf(component)).sort()).toEqual(['api', 'autoscaler', 'migrate', 'worker']);
  });

  it('declares managed PostgreSQL and Valkey, each an existing production cluster', () => {
    const engines = spec.databases!.map((database) => database.engine).sort();
    expect(engines).toEqual(['PG', 'VALKEY']);
    for (const database of spec.databases!) {
      expect(database.production, database.name).toBe(true);
      expect(database.cluster_name, database.name).toBeTruthy();
    }
  });

  it('builds every component from source with the Node.js buildpack and the pinned pnpm', () => {
    const pnpmVersion = rootPackage.packageManager.replace(/^pnpm@/, '');
    for (const { component } of components()) {
      expect(component.environment_slug, component.name).toBe('node-js');
      expect(component.github?.repo, component.name).toMatch(/^[^/\s]+\/[^/\s]+$/);
      expect(component.build_command, component.name).toContain(`pnpm@${pnpmVersion}`);
      expect(component.build_command, component.name).toMatch(/--frozen-lockfile/);
    }
  });

  it('runs the api as a service: /readyz readiness, /healthz liveness, HOST 0.0.0.0 on http_port, CPU autoscaling', () => {
    const api = spec.services!.find((service) => roleOf(service) === 'api')!;
    expect(api.health_check?.http_path).toBe('/readyz');
    expect(api.liveness_health_check?.http_path).toBe('/healthz');
    const environment = environmentOf(api);
    expect(environment.HOST).toBe('0.0.0.0');
    expect(Number(environment.PORT)).toBe(api.http_port);
    expect(spec.ingress?.rules?.some((rule) => rule.component?.name === api.name)).toBe(true);
  });

  it('autoscales the api on CPU between a minimum and a maximum instance count', () => {
    const api = spec.services!.find((service) => roleOf(service) === 'api')!;
    const scaling = api.autoscaling;
    expect(scaling).toBeDefined();
    expect(api.instance_count, 'instance_count must not be set with autoscaling').toBeUndefined();
    expect(scaling!.min_instance_count, 'two API instances at least').toBeGreaterThanOrEqual(2);
    expect(scaling!.max_instance_count).toBeGreaterThanOrEqual(scaling!.min_instance_count!);
    expect(scaling!.metrics?.cpu?.percent).toBeGreaterThan(0);
    expect(scaling!.metrics?.cpu?.percent).toBeLessThanOrEqual(100);
  });

  it('scales the worker on queue depth: one autoscaler instance sets the instance_count of the worker it names, which App Platform does not autoscale', () => {
    const autoscalers = spec.workers!.filter((worker) => roleOf(worker) === 'autoscaler');
    expect(autoscalers).toHaveLength(1);
    const autoscaler = autoscalers[0]!;
    // Two would race on the app's spec.
    expect(autoscaler.instance_count).toBe(1);
    expect(autoscaler.autoscaling).toBeUndefined();
    const config = loadConfig(environmentOf(autoscaler), { standaloneWorker: true });
    // It scales this very app (App Platform binds ${APP_ID}) and a worker component that exists.
    expect(envsOf(autoscaler).get('EVERJUST_AUTOSCALE_APP_ID')?.value).toBe('${APP_ID}');
    expect(config.autoscale.appId).toBe(APP_ID);
    const scaled = spec.workers!.find((worker) => worker.name === config.autoscale.component);
    expect(scaled, `the autoscaler's component "${config.autoscale.component}" is a worker of the spec`).toBeDefined();
    expect(roleOf(scaled!)).toBe('worker');
    // instance_count is the autoscaler's: App Platform's own autoscaling would ignore it.
    expect(scaled!.autoscaling, `${scaled!.name}: no autoscaling block (it makes App Platform ignore instance_count)`).toBeUndefined();
    const { minInstances, maxInstances } = config.autoscale.policy;
    expect(scaled!.instance_count).toBeGreaterThanOrEqual(minInstances);
    expect(scaled!.instance_count).toBeLessThanOrEqual(maxInstances);
    // The research's claude-worker policy, unless the spec overrides it.
    expect(config.autoscale.policy).toEqual({ jobsPerInstance: 10, minInstances: 2, maxInstances: 15, scaleUpCooldownMs: 300_000, scaleDownCooldownMs: 600_000 });
    expect(config.digitalocean.token, 'the autoscaler needs a token for the App Platform API').toBeTruthy();
    // It needs no secret of the platform's own: no signing secret, no model or sandbox key.
    for (const key of ['EVERJUST_SECRET', 'ANTHROPIC_API_KEY', 'DAYTONA_API_KEY']) expect(envsOf(autoscaler).has(key), `autoscaler: ${key}`).toBe(false);
  });

  it('migrates in a PRE_DEPLOY job over the direct connection, while the processes use the pool', () => {
    const migrate = spec.jobs!.find((job) => roleOf(job) === 'migrate')!;
    expect(migrate.kind).toBe('PRE_DEPLOY');
    const direct = envsOf(migrate).get('DATABASE_DIRECT_URL')?.value ?? '';
    expect(direct).toMatch(/^\$\{[a-z0-9-]+\.DATABASE_URL\}/); // ${db.DATABASE_URL}: the cluster, not a pool
    for (const { component } of components()) {
      if (roleOf(component) === 'migrate') continue;
      expect(envsOf(component).get('DATABASE_URL')?.value, component.name).toMatch(/^\$\{[a-z0-9-]+\.[a-z0-9-]+\.DATABASE_URL\}/);
    }
  });

  it('binds on every component each variable its configuration requires', () => {
    for (const { component } of components()) {
      const role = roleOf(component);
      const envs = envsOf(component);
      const environment = environmentOf(component);
      const required = [...REQUIRED[role], ...(environment.EVERJUST_SANDBOX === 'daytona' ? ['DAYTONA_API_KEY'] : [])];
      for (const key of required) {
        expect(envs.has(key) || (key === 'PORT' && component.http_port !== undefined), `${component.name} (${role}) needs ${key}`).toBe(true);
      }
    }
  });

  it('sets EVERJUST_SANDBOX on every component, never to local', () => {
    for (const { component } of components()) {
      const sandbox = envsOf(component).get('EVERJUST_SANDBOX')?.value;
      expect(sandbox, component.name).toBeDefined();
      expect(['daytona', 'static', 'none'], `${component.name}: EVERJUST_SANDBOX=${sandbox}`).toContain(sandbox);
    }
    // The processes that run sessions use Daytona; the autoscaler and the migrate job run none.
    for (const { component } of components()) {
      if (roleOf(component) === 'api' || roleOf(component) === 'worker') expect(envsOf(component).get('EVERJUST_SANDBOX')?.value, component.name).toBe('daytona');
    }
  });

  it('keeps secrets as SECRET variables with no value in the file', () => {
    for (const { component } of components()) {
      for (const variable of envsOf(component).values()) {
        const looksSecret = SECRETS.includes(variable.key) || /(SECRET|PASSWORD|TOKEN|_KEY)$/.test(variable.key);
        if (looksSecret) {
          expect(variable.type, `${component.name}: ${variable.key}`).toBe('SECRET');
          expect(variable.value, `${component.name}: ${variable.key} must not carry its value in the repository`).toBeUndefined();
        }
        expect(variable.scope ?? 'RUN_AND_BUILD_TIME', `${component.name}: ${variable.key} (bindable variables do not exist at build time)`).not.toBe('BUILD_TIME');
      }
    }
  });

  it('binds only variables config.ts reads (no typo goes unnoticed), and only bindable variables that exist', () => {
    const known = new Set<string>(CONFIG_VARIABLES); // the names core/src/config.ts reads
    expect(known.has('DATABASE_URL')).toBe(true);
    const platform = new Set(['NODE_OPTIONS']);
    for (const { component } of components()) {
      for (const variable of envsOf(component).values()) {
        expect(known.has(variable.key) || platform.has(variable.key), `${component.name}: ${variable.key} is read by nothing`).toBe(true);
        if (variable.value) expect(() => substitute(variable.value!), `${component.name}: ${variable.key}`).not.toThrow();
      }
    }
  });

  it("verifies the managed database's TLS against its CA on every component that connects", () => {
    // DigitalOcean's URLs say sslmode=require; node-postgres reads that as verify-full against the
    // system CAs, which fails on the cluster's certificate (signed by DigitalOcean's CA).
    for (const { component } of components()) {
      if (!envsOf(component).get('DATABASE_URL')) continue;
      expect(envsOf(component).get('DATABASE_CA_CERT')?.value, component.name).toBe('${db.CA_CERT}');
    }
  });

  it("gives each process's environment to loadConfig as App Platform would, and the configuration is the production one", () => {
    for (const { component } of components()) {
      const role = roleOf(component);
      const environment = environmentOf(component);
      // main.ts of the API loads its config as an embedded start could; the worker and the CLI do not.
      const config = loadConfig(environment, { embeddedStart: role === 'api', standaloneWorker: role === 'worker' || role === 'autoscaler' });
      expect(config.embedded, `${component.name}: PostgreSQL, not PGlite`).toBe(false);
      expect(config.databaseUrl).toBe(environment.DATABASE_URL);
      expect(config.sandbox).not.toBe('local');
      if (role === 'migrate') {
        expect(new URL(config.databaseDirectUrl!).port, 'migrations go to the cluster, not the pool').toBe(String(DIRECT_PORT));
        continue;
      }
      expect(new URL(config.databaseUrl!).port, `${component.name}: through the pool`).toBe(String(POOL_PORT));
      if (role === 'autoscaler') continue; // its own test above
      expect(config.redisUrl, component.name).toMatch(/^rediss:\/\//);
      expect(config.publicUrl, component.name).toBe(APP_URL);
      expect(config.sandbox, component.name).toBe('daytona');
      expect(config.daytona.apiKey, component.name).toBeTruthy();
      expect(() => resolveSecret(config), `${component.name}: EVERJUST_SECRET`).not.toThrow();
      if (role === 'api') {
        expect(config.host).toBe('0.0.0.0');
        expect(config.port).toBe(component.http_port);
        expect(config.embeddedWorker, 'the API runs no worker in production: the worker component does').toBe(false);
      }
      if (role === 'worker') expect(config.anthropic.apiKey, 'live sessions need Claude').toBeTruthy();
    }
  });

  it('gives every process time to drain before App Platform kills it', () => {
    for (const { component } of components()) {
      const graceMs = Number(environmentOf(component).EVERJUST_SHUTDOWN_GRACE_MS ?? 10_000);
      const killAfterMs = (component.termination?.grace_period_seconds ?? 120) * 1000;
      expect(graceMs, `${component.name}: EVERJUST_SHUTDOWN_GRACE_MS below termination.grace_period_seconds`).toBeLessThan(killAfterMs);
    }
  });

  it('runs commands that exist: the bundles come from tsup entries whose sources exist, scripts are defined', async () => {
    const tsupEntries = new Map<string, Record<string, string>>();
    for (const workspacePackage of ['api', 'worker']) {
      const config = (await import(join(ROOT, workspacePackage, 'tsup.config.ts'))).default as { entry: Record<string, string>; outDir: string };
      expect(config.outDir).toBe('dist');
      tsupEntries.set(workspacePackage, config.entry);
      const manifest = JSON.parse(readFileSync(join(ROOT, workspacePackage, 'package.json'), 'utf8')) as { scripts: Record<string, string> };
      expect(manifest.scripts.build, `${workspacePackage}/package.json builds with tsup`).toBe('tsup');
    }
    // `pnpm build` at the root builds both packages.
    expect(rootPackage.scripts.build).toMatch(/--filter \.\/api/);
    expect(rootPackage.scripts.build).toMatch(/--filter \.\/worker/);

    for (const { component } of components()) {
      const run = /^node (\w+)\/dist\/(\w+)\.js(?: .*)?$/.exec(component.run_command ?? '');
      expect(run, `${component.name}: run_command runs a bundle with node`).not.toBeNull();
      const [, workspacePackage, bundle] = run!;
      const source = tsupEntries.get(workspacePackage!)?.[bundle!];
      expect(source, `${component.name}: ${workspacePackage}/dist/${bundle}.js is a tsup entry`).toBeDefined();
      expect(existsSync(join(ROOT, workspacePackage!, source!)), `${workspacePackage}/${source}`).toBe(true);

      for (const step of (component.build_command ?? '').split('&&').map((part) => part.trim())) {
        const words = step.split(/\s+/);
        if (words[0] === 'pnpm' && !['install', 'i'].includes(words[1]!)) {
          const script = words[1] === 'run' ? words[2]! : words[1]!;
          expect(rootPackage.scripts[script], `${component.name}: pnpm ${script}`).toBeDefined();
        } else {
          expect(['npm', 'pnpm'], `${component.name}: ${step}`).toContain(words[0]);
        }
      }
    }
  });
});
