import { gql } from '../api.js';
import { field, h, replace } from '../dom.js';
import { formatCost, formatTime } from '../format.js';
import { href, navigate, type PageContext } from '../router.js';
import { badge, empty, errorBox, loading, pageHeader, table } from '../ui.js';

/**
 * Every session of the tenant in this mode, newest first, searchable: status, kind, project, end
 * user, time range and a text search (prompt). The filters live in the query string, so a filtered
 * list is a link.
 */

const SESSIONS_QUERY = `query ConsoleSessions($first: Int!, $after: String, $filter: SessionFilter) {
  sessions(first: $first, after: $after, filter: $filter) {
    edges { node { id kind status prompt createdAt endedAt externalUserId project { id name } usage { costMicros } } }
    pageInfo { hasNextPage endCursor }
  }
}`;
const PROJECTS_QUERY = `query ConsoleSessionProjects { projects(first: 100) { edges { node { id name } } } }`;

const STATUSES = ['queued', 'running', 'waiting_for_input', 'succeeded', 'failed', 'cancelled'];
const KINDS = ['generate', 'preview', 'export', 'deploy', 'import'];
const PAGE_SIZE = 25;

function select(name: string, value: string, options: Array<[string, string]>): HTMLSelectElement {
  return h('select', { name }, options.map(([optionValue, label]) => h('option', { value: optionValue, selected: optionValue === value }, label)));
}

export async function sessionsPage(context: PageContext) {
  const { main, query, signal } = context;
  const value = (name: string) => query.get(name) ?? '';
  const projectSelect = select('projectId', value('projectId'), [['', 'Any project']]);
  const controls = {
    search: h('input', { type: 'search', name: 'search', value: value('search'), placeholder: 'Words in the prompt' }),
    status: select('status', value('status'), [['', 'Any status'], ...STATUSES.map((status): [string, string] => [status, status.replace(/_/g, ' ')])]),
    kind: select('kind', value('kind'), [['', 'Any kind'], ...KINDS.map((kind): [string, string] => [kind, kind])]),
    projectId: projectSelect,
    externalUserId: h('input', { type: 'text', name: 'externalUserId', value: value('externalUserId'), autocomplete: 'off' }),
    from: h('input', { type: 'date', name: 'from', value: value('from') }),
    to: h('input', { type: 'date', name: 'to', value: value('to') }),
  };
  const filters = h(
    'form',
    {
      class: 'card filters',
      role: 'search',
      'aria-label': 'Filter sessions',
      onsubmit: (event: Event) => {
        event.preventDefault();
        const params = new URLSearchParams();
        for (const [name, control] of Object.entries(controls)) if (control.value.trim()) params.set(name, control.value.trim());
        navigate(href(`/sessions${params.size ? `?${params}` : ''}`));
      },
    },
    field('Search', controls.search),
    field('Status', controls.status),
    field('Kind', controls.kind),
    field('Project', controls.projectId),
    field('End user', controls.externalUserId),
    field('Created from', controls.from),
    field('Created to', controls.to),
    h('div', { class: 'field' }, h('button', { type: 'submit' }, 'Search')),
  );
  const list = h('div', null, loading('Loading sessions…'));
  main.append(pageHeader('Sessions', 'Every generation, preview, export, deploy and import, newest first.'), filters, list);

  const filter: Record<string, string | string[]> = {};
  for (const name of ['search', 'projectId', 'externalUserId']) if (value(name)) filter[name] = value(name);
  // Status and kind take lists (any of them); the form picks one.
  for (const name of ['status', 'kind']) if (value(name)) filter[name] = [value(name)];
  if (/^\d{4}-\d{2}-\d{2}$/.test(value('from'))) filter.createdAfter = new Date(`${value('from')}T00:00:00Z`).toISOString();
  if (/^\d{4}-\d{2}-\d{2}$/.test(value('to'))) filter.createdBefore = new Date(new Date(`${value('to')}T00:00:00Z`).getTime() + 86_400_000).toISOString();

  // The project names for the filter: a failure here only leaves the list without them.
  void gql(PROJECTS_QUERY, {}, signal)
    .then((data: any) => {
      for (const { node } of data.projects.edges) projectSelect.append(h('option', { value: node.id, selected: node.id === value('projectId') }, node.name));
    })
    .catch(() => undefined);

  const rows: any[] = [];
  const load = async (after: string | null): Promise<void> => {
    let data: any;
    try {
      data = await gql(SESSIONS_QUERY, { first: PAGE_SIZE, after, filter }, signal);
    } catch (error) {
      if (signal.aborted) return;
      replace(list, errorBox(error, () => void load(after)));
      return;
    }
    rows.push(...data.sessions.edges.map((edge: any) => edge.node));
    const pageInfo = data.sessions.pageInfo;
    replace(
      list,
      rows.length === 0
        ? empty(Object.keys(filter).length ? 'No session matches these filters.' : 'No sessions yet in this mode. Start one with startSession or the widget.')
        : table(
            'Sessions',
            ['Created', 'Status', 'Kind', 'Project', 'End user', 'Prompt', 'Cost'],
            rows.map((session) => [
              h('a', { href: href(`/sessions/${encodeURIComponent(session.id)}`) }, formatTime(session.createdAt)),
              badge(session.status),
              session.kind,
              h('a', { href: href(`/projects/${encodeURIComponent(session.project.id)}`) }, session.project.name),
              session.externalUserId ?? '—',
              h('span', { class: 'truncate', title: session.prompt }, session.prompt || '—'),
              formatCost(session.usage.costMicros),
            ]),
          ),
      pageInfo.hasNextPage ? h('div', { class: 'more' }, h('button', { type: 'button', class: 'secondary', onclick: () => void load(pageInfo.endCursor) }, 'Load more')) : null,
    );
  };
  await load(null);
}
