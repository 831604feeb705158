import { gql } from '../api.js';
import { field, h, nextId, replace } from '../dom.js';
import { formatBytes, formatCost, formatTime } from '../format.js';
import { href, navigate, type PageContext } from '../router.js';
import { badge, empty, errorBox, loading, pageHeader, section, table } from '../ui.js';

/** Projects: a list (by end user), and one project's files, preview, versions and deployments. */

const PROJECTS_QUERY = `query ConsoleProjects($first: Int!, $after: String, $externalUserId: String) {
  projects(first: $first, after: $after, externalUserId: $externalUserId) {
    edges { node { id name description externalUserId createdAt updatedAt sandbox { status } deployment { liveUrl } } }
    pageInfo { hasNextPage endCursor }
  }
}`;

const PROJECT_QUERY = `query ConsoleProject($id: ID!) {
  project(id: $id) {
    id name description externalUserId mode createdAt updatedAt deployRepository customDomain
    files { path size binary }
    sandbox { status provider previewUrl previewExpiresAt }
    deployment { id liveUrl phase }
    deployments(first: 20) { edges { node { id phase provider appKind commitSha liveUrl createdAt finishedAt logTail } } }
    checkpoints(first: 20) { edges { node { id name createdAt } } }
    sessions(first: 20) { edges { node { id kind status prompt createdAt endedAt previewUrl usage { costMicros } } } }
  }
}`;
const FILE_QUERY = `query ConsoleProjectFile($id: ID!, $path: String!) { project(id: $id) { file(path: $path) { path content binary size } } }`;

export async function projectsPage(context: PageContext) {
  const { main, query, signal } = context;
  const userInput = h('input', { type: 'text', name: 'externalUserId', value: query.get('externalUserId') ?? '', autocomplete: 'off' });
  const filter = h(
    'form',
    {
      class: 'range',
      role: 'search',
      'aria-label': 'Filter projects',
      onsubmit: (event: Event) => {
        event.preventDefault();
        navigate(href(`/projects${userInput.value.trim() ? `?externalUserId=${encodeURIComponent(userInput.value.trim())}` : ''}`));
      },
    },
    field('End user', userInput),
    h('button', { type: 'submit', class: 'secondary' }, 'Filter'),
  );
  const list = h('div', null, loading('Loading projects…'));
  main.append(pageHeader('Projects', 'The apps your end users build, newest first.'), filter, list);
  const rows: any[] = [];
  const load = async (after: string | null): Promise<void> => {
    let data: any;
    try {
      data = await gql(PROJECTS_QUERY, { first: 25, after, externalUserId: query.get('externalUserId') || null }, signal);
    } catch (error) {
      if (signal.aborted) return;
      replace(list, errorBox(error, () => void load(after)));
      return;
    }
    rows.push(...data.projects.edges.map((edge: any) => edge.node));
    const pageInfo = data.projects.pageInfo;
    replace(
      list,
      rows.length === 0
        ? empty('No projects yet in this mode.')
        : table(
            'Projects',
            ['Name', 'End user', 'Preview', 'Live app', 'Updated'],
            rows.map((project) => [
              h('a', { href: href(`/projects/${encodeURIComponent(project.id)}`) }, project.name),
              project.externalUserId ?? '—',
              project.sandbox ? badge(project.sandbox.status) : '—',
              project.deployment?.liveUrl ? h('a', { href: project.deployment.liveUrl, target: '_blank', rel: 'noopener' }, 'open') : '—',
              formatTime(project.updatedAt),
            ]),
          ),
      pageInfo.hasNextPage ? h('div', { class: 'more' }, h('button', { type: 'button', class: 'secondary', onclick: () => void load(pageInfo.endCursor) }, 'Load more')) : null,
    );
  };
  await load(null);
}

export async function projectPage(context: PageContext) {
  const { main, params, signal } = context;
  let project: any;
  try {
    project = (await gql(PROJECT_QUERY, { id: params.id }, signal)).project;
  } catch (error) {
    if (signal.aborted) return;
    main.append(pageHeader('Project'), errorBox(error, () => {
      main.replaceChildren();
      void projectPage(context);
    }), h('p', null, h('a', { href: href('/projects') }, 'Back to projects')));
    return;
  }
  const sessions = project.sessions.edges.map((edge: any) => edge.node);
  const latestPreview = project.sandbox?.previewUrl ?? sessions.find((session: any) => session.previewUrl)?.previewUrl;

  const panels: Record<string, () => HTMLElement> = {
    Files: () => filesPanel(project, signal),
    Preview: () =>
      latestPreview
        ? h(
            'div',
            null,
            h('p', null, project.sandbox?.previewUrl ? `The running preview (${project.sandbox.provider}, ${project.sandbox.status}). ` : 'The files as the latest session left them. ', h('a', { href: latestPreview, target: '_blank', rel: 'noopener' }, 'Open in a new tab')),
            h('iframe', { class: 'preview-frame', src: latestPreview, title: `Preview of ${project.name}`, sandbox: 'allow-scripts allow-forms allow-popups allow-modals' }),
          )
        : empty('No preview yet: a generation or startPreview makes one.'),
    Versions: () =>
      h(
        'div',
        null,
        h('h3', null, 'Sessions (each left a version)'),
        sessions.length === 0
          ? empty('No sessions yet.')
          : table('Versions', ['Created', 'Kind', 'Status', 'Prompt', 'Cost', 'Preview'], sessions.map((session: any) => [
              h('a', { href: href(`/sessions/${encodeURIComponent(session.id)}`) }, formatTime(session.createdAt)),
              session.kind,
              badge(session.status),
              h('span', { class: 'truncate', title: session.prompt }, session.prompt || '—'),
              formatCost(session.usage.costMicros),
              session.previewUrl ? h('a', { href: session.previewUrl, target: '_blank', rel: 'noopener' }, 'this version') : '—',
            ])),
        h('h3', null, 'Checkpoints'),
        project.checkpoints.edges.length === 0
          ? empty('No named checkpoints.')
          : table('Checkpoints', ['Name', 'Created'], project.checkpoints.edges.map(({ node }: any) => [node.name, formatTime(node.createdAt)])),
      ),
    Deployments: () =>
      h(
        'div',
        null,
        h('p', null, project.deployment?.liveUrl ? h('span', null, 'Live at ', h('a', { href: project.deployment.liveUrl, target: '_blank', rel: 'noopener' }, project.deployment.liveUrl)) : 'No live deployment.', project.deployRepository ? ` · pushes to ${project.deployRepository}` : '', project.customDomain ? ` · domain ${project.customDomain}` : ''),
        project.deployments.edges.length === 0
          ? empty('Never deployed: deployProject deploys it.')
          : table('Deployments', ['Started', 'Phase', 'Kind', 'Commit', 'URL', 'Finished'], project.deployments.edges.map(({ node }: any) => [
              formatTime(node.createdAt),
              badge(node.phase),
              `${node.appKind ? node.appKind.toLowerCase().replace('_', ' ') : '—'} · ${node.provider}`,
              node.commitSha ? h('code', null, node.commitSha.slice(0, 10)) : '—',
              node.liveUrl ? h('a', { href: node.liveUrl, target: '_blank', rel: 'noopener' }, 'open') : '—',
              formatTime(node.finishedAt),
            ])),
      ),
  };

  const tabList = h('div', { class: 'tabs', role: 'tablist', 'aria-label': 'Project' });
  const panel = h('div', { role: 'tabpanel', tabindex: '0' });
  const names = Object.keys(panels);
  const tabs = names.map((name, index) => {
    const id = nextId('tab');
    return h('button', {
      type: 'button',
      role: 'tab',
      id,
      'aria-selected': String(index === 0),
      tabindex: index === 0 ? '0' : '-1',
      onclick: () => select(index),
      onkeydown: (event: KeyboardEvent) => {
        // Arrow keys move between tabs (the ARIA tabs pattern).
        if (event.key !== 'ArrowRight' && event.key !== 'ArrowLeft') return;
        const next = (index + (event.key === 'ArrowRight' ? 1 : names.length - 1)) % names.length;
        select(next);
        tabs[next]!.focus();
      },
    }, name);
  });
  tabList.append(...tabs);
  const select = (index: number) => {
    tabs.forEach((tab, other) => {
      tab.setAttribute('aria-selected', String(other === index));
      tab.tabIndex = other === index ? 0 : -1;
    });
    panel.setAttribute('aria-labelledby', tabs[index]!.id);
    replace(panel, panels[names[index]!]!());
  };

  main.append(
    pageHeader(project.name, project.description ?? undefined),
    section(
      'Details',
      h(
        'dl',
        { class: 'meta' },
        [
          ['End user', project.externalUserId ?? '—'],
          ['Mode', project.mode.toLowerCase()],
          ['Files', `${project.files.length} · ${formatBytes(project.files.reduce((sum: number, file: any) => sum + file.size, 0))}`],
          ['Created', formatTime(project.createdAt)],
          ['Updated', formatTime(project.updatedAt)],
          ['Id', project.id],
        ].map(([label, value]) => h('div', null, h('dt', null, label), h('dd', null, value))),
      ),
    ),
    h('section', { class: 'card', 'aria-label': 'Project contents' }, tabList, panel),
  );
  select(0);
}

function filesPanel(project: any, signal: AbortSignal): HTMLElement {
  const viewer = h('div', null, empty('Choose a file to read it.'));
  const buttons: HTMLButtonElement[] = [];
  const open = async (path: string, button: HTMLButtonElement) => {
    for (const other of buttons) other.setAttribute('aria-pressed', String(other === button));
    replace(viewer, loading(`Loading ${path}…`));
    try {
      const file = (await gql(FILE_QUERY, { id: project.id, path }, signal)).project.file;
      if (!file) return replace(viewer, empty(`${path} is gone.`));
      replace(viewer, h('h3', null, file.path), file.binary ? empty(`A binary file (${formatBytes(file.size)}).`) : h('pre', { tabindex: '0', 'aria-label': `Content of ${file.path}` }, h('code', null, file.content)));
    } catch (error) {
      if (!signal.aborted) replace(viewer, errorBox(error, () => void open(path, button)));
    }
  };
  if (project.files.length === 0) return empty('No files yet.');
  return h(
    'div',
    { class: 'files' },
    h('ul', { class: 'file-list', 'aria-label': 'Files' }, project.files.map((file: any) => {
      const button = h('button', { type: 'button', 'aria-pressed': 'false', onclick: () => void open(file.path, button) }, h('span', null, file.path), h('span', { class: 'hint' }, formatBytes(file.size)));
      buttons.push(button);
      return h('li', null, button);
    })),
    viewer,
  );
}
