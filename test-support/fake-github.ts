/**
 * A fake GitHub REST API on 127.0.0.1 for tests: the real `@octokit/rest` talks to it (`baseUrl` =
 * `fake.url`), on the paths and bodies Octokit 22 sends (read from its endpoint table, not guessed):
 *
 * - `GET /user`, `GET /repos/{owner}/{repo}`, `POST /user/repos`, `POST /orgs/{org}/repos`
 *   ({ name, private, auto_init, description });
 * - the git data API: `GET /repos/{o}/{r}/git/ref/{ref}` (the ref percent-encoded: `heads%2Fmain`),
 *   `GET …/git/commits/{sha}`, `POST …/git/trees` ({ base_tree, tree: [{ path, mode, type, content | sha }] }),
 *   `POST …/git/commits` ({ message, tree, parents }), `PATCH …/git/refs/{ref}` ({ sha, force }),
 *   `POST …/git/refs` ({ ref: 'refs/heads/x', sha });
 * - blobs: `POST …/git/blobs` ({ content, encoding: 'base64' | 'utf-8' }) → { sha } (binary files);
 * - the contents API: `PUT /repos/{o}/{r}/contents/{path}` ({ message, content (base64), branch });
 * - archives: `GET /repos/{o}/{r}/zipball/{ref}` (ref optional: the default branch) answers 302 to a
 *   codeload-like URL on the same server, which serves a ZIP whose entries sit under one top folder
 *   `{owner}-{repo}-{short sha}/`, with Unix modes (a symbolic link is mode 120000), as GitHub's do.
 *
 * Anonymous requests (no Authorization header) may read public repositories, as on GitHub; anything
 * else without a token is 401 "Requires authentication".
 *
 * As GitHub does: a bad token is 401 "Bad credentials" everywhere; the git data API answers 409 "Git
 * Repository is empty." on a repository with no commit; a taken name is 422; an organisation the user
 * is not a member of is 403; updating a ref to a commit that does not descend from it is 422.
 *
 * Repositories live in memory. Trees are kept flat (path → blob), which is all a test needs to check
 * what was committed; tree shas are content hashes, so the same files give the same tree.
 *
 * ```ts
 * const github = await startFakeGitHub({ tokens: { 'ghp_good': 'octocat' }, organizations: { acme: ['octocat'] } });
 * const octokit = new Octokit({ auth: 'ghp_good', baseUrl: github.url });
 * github.files('octocat', 'app', 'main'); // Map<path, content>
 * ```
 */
import { createHash } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { zipSync, type Zippable } from 'fflate';

export interface FakeGitHubOptions {
  /** Valid tokens and the user each belongs to. */
  tokens?: Record<string, string>;
  /** Organisations and the users who may create repositories in them. */
  organizations?: Record<string, string[]>;
}

export interface FakeGitHubRequest {
  method: string;
  /** As sent (still percent-encoded), without the query. */
  rawPath: string;
  authorization?: string;
  body: any;
}

interface FakeCommit {
  sha: string;
  tree: string;
  parents: string[];
  message: string;
}

export interface FakeRepository {
  owner: string;
  name: string;
  private: boolean;
  defaultBranch: string;
  /** branch → commit sha */
  refs: Map<string, string>;
  commits: Map<string, FakeCommit>;
  /** tree sha → path → blob sha */
  trees: Map<string, Map<string, string>>;
  blobs: Map<string, string>;
  /** Blobs that are bytes (binary files) or symbolic links, by sha; `blobs` holds a text stand-in for them. */
  rawBlobs: Map<string, { bytes: Uint8Array; symlink: boolean }>;
  /** Users who may push (the owner, or members of the owning organisation). */
  pushers: Set<string>;
}

export interface FakeGitHubFailure {
  method: string;
  path: RegExp;
  status: number;
  message: string;
  /** How many requests it answers (default 1). */
  times?: number;
}

export interface FakeGitHub {
  url: string;
  requests: FakeGitHubRequest[];
  /** Bodies of `POST …/git/trees`, in order, with the repository they were sent to. */
  treeRequests: Array<{ repository: string; body: any }>;
  repositories: Map<string, FakeRepository>;
  /** Makes a repository as if created elsewhere; `autoInit: false` leaves it empty (the 409 case). */
  addRepository(owner: string, name: string, options?: { autoInit?: boolean; private?: boolean }): FakeRepository;
  /**
   * Commits these files (and only these) on top of a branch: text, bytes (a binary file), or
   * `{ symlink: target }`. Returns the commit's sha.
   */
  setFiles(owner: string, name: string, branch: string, files: Record<string, string | Uint8Array | { symlink: string }>): string;
  /** The files on a branch's head commit (path → content), or undefined when the branch does not exist. */
  files(owner: string, name: string, branch: string): Map<string, string> | undefined;
  /** The commits from a branch's head back to the root, newest first. */
  history(owner: string, name: string, branch: string): Array<{ sha: string; message: string }>;
  /** The next matching request(s) fail with this status. */
  fail(failure: FakeGitHubFailure): void;
  /** Requests whose path matches wait (recorded, unanswered) until the returned function is called. */
  hold(path: RegExp): () => void;
  close(): Promise<void>;
}

interface Answer {
  status: number;
  body: unknown;
  /** A redirect's target. */
  location?: string;
}

const hash = (text: string) => createHash('sha1').update(text).digest('hex');

class HttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly errors?: Array<{ resource?: string; code: string; field?: string; message?: string }>,
  ) {
    super(message);
  }
}

export async function startFakeGitHub(options: FakeGitHubOptions = {}): Promise<FakeGitHub> {
  const tokens = options.tokens ?? {};
  const organizations = options.organizations ?? {};
  const repositories = new Map<string, FakeRepository>();
  const requests: FakeGitHubRequest[] = [];
  const treeRequests: FakeGitHub['treeRequests'] = [];
  const failures: Array<FakeGitHubFailure & { left: number }> = [];
  const holds: Array<{ path: RegExp; released: Promise<void> }> = [];
  let url = '';
  const key = (owner: string, name: string) => `${owner}/${name}`.toLowerCase();

  function repositoryJson(repository: FakeRepository, login?: string) {
    const push = login ? repository.pushers.has(login) : false;
    return {
      id: Math.abs(parseInt(hash(key(repository.owner, repository.name)).slice(0, 8), 16)),
      name: repository.name,
      full_name: `${repository.owner}/${repository.name}`,
      owner: { login: repository.owner, type: organizations[repository.owner] ? 'Organization' : 'User' },
      private: repository.private,
      html_url: `https://github.example/${repository.owner}/${repository.name}`,
      url: `${url}/repos/${repository.owner}/${repository.name}`,
      default_branch: repository.defaultBranch,
      permissions: { admin: push, maintain: push, push, triage: push, pull: true },
    };
  }

  function storeTree(repository: FakeRepository, entries: Map<string, string>): string {
    const sorted = [...entries].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    const sha = hash(`tree\0${sorted.map(([path, blob]) => `${path}\0${blob}`).join('\n')}`);
    repository.trees.set(sha, new Map(sorted));
    return sha;
  }

  function storeCommit(repository: FakeRepository, tree: string, parents: string[], message: string): FakeCommit {
    const commit = { sha: hash(`commit\0${tree}\0${parents.join(',')}\0${message}\0${repository.commits.size}\0${Math.random()}`), tree, parents, message };
    repository.commits.set(commit.sha, commit);
    return commit;
  }

  function storeBlob(repository: FakeRepository, content: string): string {
    const sha = hash(`blob ${Buffer.byteLength(content)}\0${content}`);
    repository.blobs.set(sha, content);
    return sha;
  }

  function makeRepository(owner: string, name: string, settings: { autoInit: boolean; private: boolean; creator?: string }): FakeRepository {
    const pushers = new Set<string>(organizations[owner] ?? [owner]);
    if (settings.creator) pushers.add(settings.creator);
    const repository: FakeRepository = {
      owner,
      name,
      private: settings.private,
      defaultBranch: 'main',
      refs: new Map(),
      commits: new Map(),
      trees: new Map(),
      blobs: new Map(),
      rawBlobs: new Map(),
      pushers,
    };
    if (settings.autoInit) {
      const tree = storeTree(repository, new Map([['README.md', storeBlob(repository, `# ${name}\n`)]]));
      repository.refs.set('main', storeCommit(repository, tree, [], 'Initial commit').sha);
    }
    repositories.set(key(owner, name), repository);
    return repository;
  }

  /** The ZIP GitHub would serve for a commit: every file under `{owner}-{repo}-{short sha}/`, with Unix modes. */
  function zipball(repository: FakeRepository, commit: FakeCommit): Uint8Array {
    const top = `${repository.owner}-${repository.name}-${commit.sha.slice(0, 7)}`;
    const entries: Zippable = { [`${top}/`]: [new Uint8Array(0), { os: 3, attrs: (0o040755 << 16) >>> 0 }] };
    for (const [path, blob] of repository.trees.get(commit.tree)!) {
      const raw = repository.rawBlobs.get(blob);
      const bytes = raw?.bytes ?? new TextEncoder().encode(repository.blobs.get(blob)!);
      entries[`${top}/${path}`] = [bytes, { os: 3, attrs: ((raw?.symlink ? 0o120777 : 0o100644) << 16) >>> 0 }];
    }
    return zipSync(entries, { level: 6, mtime: new Date('2026-01-01T00:00:00Z') });
  }

  function isEmpty(repository: FakeRepository) {
    return repository.refs.size === 0;
  }

  function descends(repository: FakeRepository, sha: string, ancestor: string): boolean {
    const seen = new Set<string>();
    const stack = [sha];
    while (stack.length > 0) {
      const current = stack.pop()!;
      if (current === ancestor) return true;
      if (seen.has(current)) continue;
      seen.add(current);
      stack.push(...(repository.commits.get(current)?.parents ?? []));
    }
    return false;
  }

  async function handle(request: IncomingMessage): Promise<Answer> {
    const rawPath = (request.url ?? '/').split('?')[0];
    const chunks: Buffer[] = [];
    for await (const chunk of request) chunks.push(chunk as Buffer);
    const text = Buffer.concat(chunks).toString('utf8');
    const body = text ? JSON.parse(text) : undefined;
    const method = request.method ?? 'GET';
    requests.push({ method, rawPath, authorization: request.headers.authorization, body });
    const held = holds.find((item) => item.path.test(rawPath));
    if (held) await held.released;

    const failure = failures.find((item) => item.left > 0 && item.method === method && item.path.test(rawPath));
    if (failure) {
      failure.left -= 1;
      throw new HttpError(failure.status, failure.message);
    }

    const token = /^(?:token|bearer)\s+(\S+)$/i.exec(request.headers.authorization ?? '')?.[1];
    const login = token ? tokens[token] : undefined;
    if (token && !login) throw new HttpError(401, 'Bad credentials');

    const segments = rawPath.split('/').filter(Boolean);
    const route = (pattern: string) => {
      const parts = pattern.split('/').filter(Boolean);
      const tail = parts.at(-1) === '*';
      if (tail ? segments.length < parts.length : segments.length !== parts.length) return null;
      const params: Record<string, string> = {};
      for (let index = 0; index < parts.length; index++) {
        const part = parts[index];
        if (part === '*') {
          params['*'] = segments.slice(index).map(decodeURIComponent).join('/');
          break;
        }
        if (part.startsWith(':')) params[part.slice(1)] = decodeURIComponent(segments[index]);
        else if (part !== segments[index]) return null;
      }
      return params;
    };

    let params: Record<string, string> | null;
    // codeload: the archive a zipball redirect points at (its path carries what it is; GitHub's carries a token).
    if (method === 'GET' && (params = route('/_codeload/:owner/:repo/:sha'))) {
      const repository = repositories.get(key(params.owner, params.repo));
      const commit = repository?.commits.get(params.sha);
      if (!repository || !commit) throw new HttpError(404, 'Not Found');
      return { status: 200, body: zipball(repository, commit) };
    }
    if (!login) {
      // Anonymous: public repositories may be read, nothing else.
      const read = method === 'GET' ? (route('/repos/:owner/:repo/*') ?? route('/repos/:owner/:repo')) : null;
      if (!read) throw new HttpError(401, 'Requires authentication');
      params = read;
      const repository = repositories.get(key(params.owner, params.repo));
      if (!repository || repository.private) throw new HttpError(404, 'Not Found');
      return repositoryRoute(repository, '', method, params['*'] ?? '', body);
    }
    if (method === 'GET' && route('/user')) return { status: 200, body: { login, id: 1, type: 'User' } };

    if (method === 'POST' && route('/user/repos')) return createRepository(login, login, body);
    if (method === 'POST' && (params = route('/orgs/:org/repos'))) {
      if (!organizations[params.org]) throw new HttpError(404, 'Not Found');
      if (!organizations[params.org].includes(login)) throw new HttpError(403, 'You need admin access to the organization before adding a repository to it.');
      return createRepository(params.org, login, body);
    }

    if ((params = route('/repos/:owner/:repo/*')) || (params = route('/repos/:owner/:repo'))) {
      const repository = repositories.get(key(params.owner, params.repo));
      // Private repositories the user cannot see are 404, as on GitHub.
      if (!repository || (repository.private && !repository.pushers.has(login))) throw new HttpError(404, 'Not Found');
      return repositoryRoute(repository, login, method, params['*'] ?? '', body);
    }
    throw new HttpError(404, 'Not Found');
  }

  function createRepository(owner: string, login: string, body: any) {
    if (!body?.name || !/^[A-Za-z0-9._-]{1,100}$/.test(body.name)) {
      throw new HttpError(422, 'Repository creation failed.', [{ resource: 'Repository', code: 'custom', field: 'name', message: 'name is invalid' }]);
    }
    if (repositories.has(key(owner, body.name))) {
      throw new HttpError(422, 'Repository creation failed.', [{ resource: 'Repository', code: 'custom', field: 'name', message: 'name already exists on this account' }]);
    }
    const repository = makeRepository(owner, body.name, { autoInit: body.auto_init === true, private: body.private === true, creator: login });
    return { status: 201, body: repositoryJson(repository, login) };
  }

  function repositoryRoute(repository: FakeRepository, login: string, method: string, rest: string, body: any): Answer {
    const canPush = repository.pushers.has(login);
    if (rest === '' && method === 'GET') return { status: 200, body: repositoryJson(repository, login) };
    const empty = () => {
      if (isEmpty(repository)) throw new HttpError(409, 'Git Repository is empty.');
    };
    const needPush = () => {
      if (!canPush) throw new HttpError(403, 'Resource not accessible by personal access token');
    };

    if (method === 'GET' && rest.startsWith('git/ref/')) {
      empty();
      const ref = rest.slice('git/ref/'.length);
      const branch = ref.replace(/^heads\//, '');
      const sha = ref.startsWith('heads/') ? repository.refs.get(branch) : undefined;
      if (!sha) throw new HttpError(404, 'Not Found');
      return { status: 200, body: { ref: `refs/${ref}`, object: { sha, type: 'commit' } } };
    }
    if (method === 'GET' && (rest === 'zipball' || rest.startsWith('zipball/'))) {
      empty();
      const ref = rest === 'zipball' ? repository.defaultBranch : rest.slice('zipball/'.length);
      const sha = repository.refs.get(ref.replace(/^(?:refs\/)?heads\//, '')) ?? (repository.commits.has(ref) ? ref : undefined);
      if (!sha) throw new HttpError(404, 'Not Found');
      return { status: 302, body: null, location: `${url}/_codeload/${repository.owner}/${repository.name}/${sha}` };
    }
    if (method === 'GET' && rest.startsWith('git/commits/')) {
      empty();
      const commit = repository.commits.get(rest.slice('git/commits/'.length));
      if (!commit) throw new HttpError(404, 'Not Found');
      return { status: 200, body: { sha: commit.sha, message: commit.message, tree: { sha: commit.tree }, parents: commit.parents.map((sha) => ({ sha })) } };
    }
    if (method === 'POST' && rest === 'git/trees') {
      needPush();
      empty();
      treeRequests.push({ repository: `${repository.owner}/${repository.name}`, body });
      const entries = new Map(body.base_tree ? (repository.trees.get(body.base_tree) ?? fail(422, 'Invalid base_tree')) : []);
      for (const entry of body.tree as Array<{ path: string; mode: string; type: string; content?: string; sha?: string | null }>) {
        if (entry.type !== 'blob' || !['100644', '100755'].includes(entry.mode)) throw new HttpError(422, `Unsupported tree entry for ${entry.path}`);
        if (entry.content !== undefined) entries.set(entry.path, storeBlob(repository, entry.content));
        else if (entry.sha === null) entries.delete(entry.path);
        else if (entry.sha && repository.blobs.has(entry.sha)) entries.set(entry.path, entry.sha);
        else throw new HttpError(422, `tree.sha ${entry.sha} is not a valid blob`);
      }
      const sha = storeTree(repository, entries);
      return { status: 201, body: { sha, tree: [...entries].map(([path, blob]) => ({ path, mode: '100644', type: 'blob', sha: blob })) } };
    }
    if (method === 'POST' && rest === 'git/blobs') {
      needPush();
      empty();
      if (body.encoding !== 'base64' && body.encoding !== 'utf-8' && body.encoding !== undefined) throw new HttpError(422, 'encoding must be utf-8 or base64');
      const bytes = body.encoding === 'base64' ? new Uint8Array(Buffer.from(String(body.content), 'base64')) : new TextEncoder().encode(String(body.content));
      const sha = hash(`blob ${bytes.length}\0${Buffer.from(bytes).toString('base64')}`);
      repository.blobs.set(sha, Buffer.from(bytes).toString('latin1'));
      repository.rawBlobs.set(sha, { bytes, symlink: false });
      return { status: 201, body: { sha, url: `${url}/repos/${repository.owner}/${repository.name}/git/blobs/${sha}` } };
    }
    if (method === 'POST' && rest === 'git/commits') {
      needPush();
      empty();
      if (!repository.trees.has(body.tree)) throw new HttpError(422, 'Tree SHA does not exist');
      for (const parent of body.parents ?? []) if (!repository.commits.has(parent)) throw new HttpError(422, 'Parent SHA does not exist or is not a commit object');
      const commit = storeCommit(repository, body.tree, body.parents ?? [], body.message);
      return { status: 201, body: { sha: commit.sha, tree: { sha: commit.tree }, parents: commit.parents.map((sha) => ({ sha })), message: commit.message } };
    }
    if (method === 'PATCH' && rest.startsWith('git/refs/')) {
      needPush();
      empty();
      const ref = rest.slice('git/refs/'.length);
      const branch = ref.replace(/^heads\//, '');
      const current = repository.refs.get(branch);
      if (!current) throw new HttpError(422, 'Reference does not exist');
      if (!repository.commits.has(body.sha)) throw new HttpError(422, 'Object does not exist');
      if (!body.force && !descends(repository, body.sha, current)) throw new HttpError(422, 'Update is not a fast forward');
      repository.refs.set(branch, body.sha);
      return { status: 200, body: { ref: `refs/heads/${branch}`, object: { sha: body.sha, type: 'commit' } } };
    }
    if (method === 'POST' && rest === 'git/refs') {
      needPush();
      empty();
      const branch = String(body.ref).replace(/^refs\/heads\//, '');
      if (!String(body.ref).startsWith('refs/heads/')) throw new HttpError(422, 'Reference name must start with refs/');
      if (repository.refs.has(branch)) throw new HttpError(422, 'Reference already exists');
      if (!repository.commits.has(body.sha)) throw new HttpError(422, 'Object does not exist');
      repository.refs.set(branch, body.sha);
      return { status: 201, body: { ref: body.ref, object: { sha: body.sha, type: 'commit' } } };
    }
    if (method === 'PUT' && rest.startsWith('contents/')) {
      needPush();
      const path = rest.slice('contents/'.length);
      const content = Buffer.from(String(body.content ?? ''), 'base64').toString('utf8');
      const branch = body.branch ?? repository.defaultBranch;
      if (isEmpty(repository)) repository.defaultBranch = branch;
      const parent = repository.refs.get(branch);
      if (!parent && !isEmpty(repository)) throw new HttpError(404, `Branch ${branch} not found`);
      const entries = new Map(parent ? repository.trees.get(repository.commits.get(parent)!.tree)! : []);
      entries.set(path, storeBlob(repository, content));
      const commit = storeCommit(repository, storeTree(repository, entries), parent ? [parent] : [], body.message);
      repository.refs.set(branch, commit.sha);
      return { status: 201, body: { content: { path, sha: entries.get(path) }, commit: { sha: commit.sha, message: commit.message } } };
    }
    throw new HttpError(404, 'Not Found');
  }

  const server = createServer((request: IncomingMessage, response: ServerResponse) => {
    handle(request)
      .then((answer) => {
        if (answer.location) {
          response.writeHead(answer.status, { location: answer.location, 'content-length': '0' });
          return response.end();
        }
        if (answer.body instanceof Uint8Array) {
          response.writeHead(answer.status, { 'content-type': 'application/zip', 'content-length': answer.body.byteLength, 'content-disposition': 'attachment; filename=archive.zip' });
          return response.end(answer.body);
        }
        send(response, answer.status, answer.body);
      })
      .catch((error: unknown) => {
        if (error instanceof HttpError) {
          send(response, error.status, {
            message: error.message,
            ...(error.errors ? { errors: error.errors } : {}),
            documentation_url: 'https://docs.github.com/rest',
            status: String(error.status),
          });
        } else {
          send(response, 500, { message: (error as Error).message });
        }
      });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  return {
    url,
    requests,
    treeRequests,
    repositories,
    addRepository: (owner, name, settings = {}) => makeRepository(owner, name, { autoInit: settings.autoInit ?? true, private: settings.private ?? false }),
    setFiles(owner, name, branch, files) {
      const repository = repositories.get(key(owner, name));
      if (!repository) throw new Error(`No repository ${owner}/${name}`);
      const entries = new Map<string, string>();
      for (const [path, value] of Object.entries(files)) {
        if (typeof value === 'string') {
          entries.set(path, storeBlob(repository, value));
          continue;
        }
        const symlink = !(value instanceof Uint8Array);
        const bytes = symlink ? new TextEncoder().encode(value.symlink) : value;
        const sha = hash(`${symlink ? 'link' : 'blob'} ${bytes.length}\0${Buffer.from(bytes).toString('base64')}`);
        repository.blobs.set(sha, symlink ? value.symlink : Buffer.from(bytes).toString('latin1'));
        repository.rawBlobs.set(sha, { bytes, symlink });
        entries.set(path, sha);
      }
      const parent = repository.refs.get(branch);
      const commit = storeCommit(repository, storeTree(repository, entries), parent ? [parent] : [], 'Set files');
      repository.refs.set(branch, commit.sha);
      return commit.sha;
    },
    files(owner, name, branch) {
      const repository = repositories.get(key(owner, name));
      const head = repository?.refs.get(branch);
      if (!repository || !head) return undefined;
      const tree = repository.trees.get(repository.commits.get(head)!.tree)!;
      return new Map([...tree].map(([path, blob]) => [path, repository.blobs.get(blob)!]));
    },
    history(owner, name, branch) {
      const repository = repositories.get(key(owner, name));
      const commits: Array<{ sha: string; message: string }> = [];
      let sha = repository?.refs.get(branch);
      while (repository && sha) {
        const commit = repository.commits.get(sha)!;
        commits.push({ sha: commit.sha, message: commit.message });
        sha = commit.parents[0];
      }
      return commits;
    },
    fail(failure) {
      failures.push({ ...failure, left: failure.times ?? 1 });
    },
    hold(path) {
      let release!: () => void;
      const hold = { path, released: new Promise<void>((resolve) => (release = resolve)) };
      holds.push(hold);
      return () => {
        holds.splice(holds.indexOf(hold), 1);
        release();
      };
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

function fail(status: number, message: string): never {
  throw new HttpError(status, message);
}

function send(response: ServerResponse, status: number, body: unknown) {
  const text = JSON.stringify(body);
  response.writeHead(status, {
    'content-type': 'application/json; charset=utf-8',
    'content-length': Buffer.byteLength(text),
    'x-ratelimit-limit': '5000',
    'x-ratelimit-remaining': '4999',
    'x-github-media-type': 'github.v3; format=json',
  });
  response.end(text);
}
