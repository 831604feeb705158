import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFakeGitHub, type FakeGitHub } from '../../../test-support/fake-github.js';
import { GitProviderError } from './git-provider.js';
import { createGitHub } from './github.js';

const files = (count: number) =>
  Array.from({ length: count }, (_, index) => ({
    path: index % 3 === 0 ? `src/part-${index}.js` : index % 3 === 1 ? `styles/nested/deep/${index}.css` : `file-${index}.txt`,
    content: `// file ${index}\n${'é'.repeat(index)}\n`,
  }));

describe('GitHub provider (Octokit against a fake GitHub)', () => {
  let github: FakeGitHub;

  beforeAll(async () => {
    github = await startFakeGitHub({ tokens: { ghp_good: 'octocat', ghp_other: 'mallory' }, organizations: { acme: ['octocat'] } });
  });
  afterAll(async () => {
    await github.close();
  });

  const provider = (token = 'ghp_good') => createGitHub({ token, apiUrl: github.url, settleMs: 200 });

  it("creates a user's repository with auto_init and commits 30 files in one commit through the git data API", async () => {
    const git = provider();
    const repository = await git.ensureRepository({ owner: 'octocat', name: 'thirty', private: true });
    expect(repository).toMatchObject({ owner: 'octocat', name: 'thirty', created: true, defaultBranch: 'main', url: 'https://github.example/octocat/thirty' });
    const creation = github.requests.find((request) => request.method === 'POST' && request.rawPath === '/user/repos');
    expect(creation?.body).toMatchObject({ name: 'thirty', private: true, auto_init: true });
    expect(creation?.authorization).toBe('token ghp_good');

    const before = github.requests.length;
    const thirty = files(30);
    const commit = await git.commitFiles({ owner: 'octocat', name: 'thirty', branch: 'main', message: 'Export from EverJust', files: thirty });
    expect(commit).toMatchObject({ branch: 'main', changed: true });

    // The git data sequence, with the ref's slash percent-encoded.
    const calls = github.requests.slice(before).map((request) => `${request.method} ${request.rawPath}`);
    expect(calls).toEqual([
      'GET /repos/octocat/thirty/git/ref/heads%2Fmain',
      expect.stringMatching(/^GET \/repos\/octocat\/thirty\/git\/commits\/[0-9a-f]{40}$/),
      'POST /repos/octocat/thirty/git/trees',
      'POST /repos/octocat/thirty/git/commits',
      'PATCH /repos/octocat/thirty/git/refs/heads%2Fmain',
    ]);
    // The tree the fake received: exactly the 30 paths and contents, inline, on the branch's tree.
    const tree = github.treeRequests.at(-1)!.body;
    expect(tree.base_tree).toMatch(/^[0-9a-f]{40}$/);
    expect(tree.tree).toHaveLength(30);
    expect(new Map(tree.tree.map((entry: any) => [entry.path, entry.content]))).toEqual(new Map(thirty.map((file) => [file.path, file.content])));
    expect(tree.tree.every((entry: any) => entry.mode === '100644' && entry.type === 'blob')).toBe(true);

    const history = github.history('octocat', 'thirty', 'main');
    expect(history).toHaveLength(2); // auto_init's commit, then ours: one commit for all files
    expect(history[0]).toEqual({ sha: commit.sha, message: 'Export from EverJust' });
    const onBranch = github.files('octocat', 'thirty', 'main')!;
    for (const file of thirty) expect(onBranch.get(file.path)).toBe(file.content);
    expect([...onBranch.keys()].sort()).toEqual([...thirty.map((file) => file.path), 'README.md'].sort());
  });

  it('makes no second commit when the branch already holds the same files (a retried export)', async () => {
    const git = provider();
    const first = await git.commitFiles({ owner: 'octocat', name: 'thirty', branch: 'main', message: 'again', files: files(30) });
    expect(first.changed).toBe(false);
    expect(github.history('octocat', 'thirty', 'main')).toHaveLength(2);
  });

  it('creates an organisation repository, and a new branch from the default branch with POST git/refs', async () => {
    const git = provider();
    const repository = await git.ensureRepository({ owner: 'acme', name: 'site', private: false });
    expect(repository.created).toBe(true);
    expect(github.requests.some((request) => request.method === 'POST' && request.rawPath === '/orgs/acme/repos')).toBe(true);
    const commit = await git.commitFiles({ owner: 'acme', name: 'site', branch: 'feature/export', message: 'On a branch', files: files(3) });
    expect(github.requests.at(-1)).toMatchObject({ method: 'POST', rawPath: '/repos/acme/site/git/refs', body: { ref: 'refs/heads/feature/export', sha: commit.sha } });
    expect(github.files('acme', 'site', 'feature/export')!.size).toBe(4);
    expect(github.files('acme', 'site', 'main')!.size).toBe(1);
  });

  it('reuses an existing repository it can push to', async () => {
    github.addRepository('octocat', 'existing');
    const repository = await provider().ensureRepository({ owner: 'octocat', name: 'existing', private: true });
    expect(repository.created).toBe(false);
  });

  it('handles an empty repository (409 from the git data API): first commit through the contents API, then the files', async () => {
    github.addRepository('octocat', 'empty', { autoInit: false });
    const git = provider();
    await git.ensureRepository({ owner: 'octocat', name: 'empty', private: false });
    const before = github.requests.length;
    const five = files(5);
    const commit = await git.commitFiles({ owner: 'octocat', name: 'empty', branch: 'main', message: 'First export', files: five });
    const answered409 = github.requests.slice(before).find((request) => request.rawPath === '/repos/octocat/empty/git/ref/heads%2Fmain');
    expect(answered409).toBeDefined();
    expect(github.requests.slice(before).some((request) => request.method === 'PUT' && request.rawPath.startsWith('/repos/octocat/empty/contents/'))).toBe(true);
    expect(github.history('octocat', 'empty', 'main')[0].sha).toBe(commit.sha);
    expect(github.files('octocat', 'empty', 'main')).toEqual(new Map(five.map((file) => [file.path, file.content])));
  });

  it('classifies failures: 401 bad token, 422 taken name, 403 missing rights, 404 unknown organisation', async () => {
    const unauthorized = await provider('ghp_wrong').ensureRepository({ owner: 'octocat', name: 'x', private: true }).catch((error) => error);
    expect(unauthorized).toBeInstanceOf(GitProviderError);
    expect(unauthorized).toMatchObject({ code: 'UNAUTHORIZED', retryable: false, status: 401 });
    expect(unauthorized.message).not.toContain('ghp_wrong');

    // A name taken by a repository this token cannot see (GET says 404, creating says 422).
    github.addRepository('mallory', 'dup');
    github.fail({ method: 'GET', path: /^\/repos\/mallory\/dup$/, status: 404, message: 'Not Found' });
    const exists = await provider('ghp_other').ensureRepository({ owner: 'mallory', name: 'dup', private: true }).catch((error) => error);
    expect(exists).toMatchObject({ code: 'REPOSITORY_EXISTS', retryable: false, status: 422 });

    // Not a member of the organisation: 403; a public repository the token may read but not push to: FORBIDDEN too.
    const forbidden = await provider('ghp_other').ensureRepository({ owner: 'acme', name: 'nope', private: true }).catch((error) => error);
    expect(forbidden).toMatchObject({ code: 'FORBIDDEN', retryable: false });
    const readOnly = await provider('ghp_other').ensureRepository({ owner: 'octocat', name: 'existing', private: false }).catch((error) => error);
    expect(readOnly).toMatchObject({ code: 'FORBIDDEN', retryable: false });
    const notFound = await provider().ensureRepository({ owner: 'no-such-org', name: 'x', private: true }).catch((error) => error);
    expect(notFound).toMatchObject({ code: 'NOT_FOUND', retryable: false });

    github.fail({ method: 'POST', path: /git\/trees$/, status: 502, message: 'Bad gateway' });
    const unavailable = await provider().commitFiles({ owner: 'octocat', name: 'thirty', branch: 'main', message: 'm', files: files(1) }).catch((error) => error);
    expect(unavailable).toMatchObject({ code: 'UNAVAILABLE', retryable: true });
  });
});
