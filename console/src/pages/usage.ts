import { gql } from '../api.js';
import { barChart, gauge } from '../chart.js';
import { download, toCsv } from '../csv.js';
import { field, h, replace } from '../dom.js';
import { daysBetween, formatBytes, formatCost, formatHours, formatInteger, sandboxHours, utcDay } from '../format.js';
import { href, navigate, type PageContext } from '../router.js';
import { empty, errorBox, loading, pageHeader, section, table } from '../ui.js';

/**
 * Usage over a range of whole UTC days: charts by day (generations, tokens with the cache, sandbox
 * hours, cost, deploys), the same figures by project and by end user, the top end users by cost,
 * the quota gauges against the tier, and a CSV of the rows shown.
 */

const FIGURES = 'generations inputTokens outputTokens cacheReadTokens cacheWriteTokens sandboxSeconds costMicros deploys requests';
const REPORT = `from to storageBytes totals { ${FIGURES} } rows { key ${FIGURES} }`;
const SCOPE = 'from: $from, to: $to, projectId: $projectId, externalUserId: $externalUserId';
const USAGE_QUERY = `query ConsoleUsage($from: DateTime!, $to: DateTime!, $projectId: ID, $externalUserId: String) {
  byDay: usage(${SCOPE}, groupBy: DAY) { ${REPORT} }
  byProject: usage(${SCOPE}, groupBy: PROJECT) { rows { key ${FIGURES} } }
  byUser: usage(${SCOPE}, groupBy: EXTERNAL_USER) { rows { key ${FIGURES} } }
  viewer { tier quotas { name limit used remaining resetsAt } }
  projects(first: 100) { edges { node { id name } } }
}`;

interface Row {
  key: string;
  generations: number;
  inputTokens: number;
  outputTokens: number;
  cacheReadTokens: number;
  cacheWriteTokens: number;
  sandboxSeconds: number;
  costMicros: number;
  deploys: number;
  requests: number;
}

const RANGES: Array<[days: number, label: string]> = [
  [7, 'Last 7 days'],
  [30, 'Last 30 days'],
  [90, 'Last 90 days'],
];

const QUOTA_LABELS: Record<string, [string, (value: number) => string]> = {
  generationsPerDay: ['Generations today', formatInteger],
  sandboxHoursPerMonth: ['Sandbox hours this month', formatHours],
  concurrentSessions: ['Sessions running now', formatInteger],
  projects: ['Projects', formatInteger],
  storageBytes: ['Storage', formatBytes],
  deploysPerDay: ['Deploys today', formatInteger],
  liveApps: ['Live apps', formatInteger],
};

const GROUPS = { day: 'By day', project: 'By project', user: 'By end user' } as const;
type Group = keyof typeof GROUPS;

/** The range the query string asks for (`?from=YYYY-MM-DD&to=YYYY-MM-DD`, `to` inclusive), else the last 30 days. */
function rangeOf(query: URLSearchParams): { from: Date; to: Date } {
  const today = new Date(`${utcDay(new Date())}T00:00:00Z`);
  const from = query.get('from');
  const to = query.get('to');
  const parsedFrom = from && /^\d{4}-\d{2}-\d{2}$/.test(from) ? new Date(`${from}T00:00:00Z`) : undefined;
  const parsedTo = to && /^\d{4}-\d{2}-\d{2}$/.test(to) ? new Date(new Date(`${to}T00:00:00Z`).getTime() + 86_400_000) : undefined;
  if (parsedFrom && parsedTo && parsedFrom < parsedTo) return { from: parsedFrom, to: parsedTo };
  const days = Number(query.get('days')) || 30;
  return { from: new Date(today.getTime() - (days - 1) * 86_400_000), to: new Date(today.getTime() + 86_400_000) };
}

export async function usagePage(context: PageContext) {
  const { main, query, signal } = context;
  const { from, to } = rangeOf(query);
  const lastDay = utcDay(new Date(to.getTime() - 86_400_000));
  const fromInput = h('input', { type: 'date', name: 'from', value: utcDay(from), required: true });
  const toInput = h('input', { type: 'date', name: 'to', value: lastDay, required: true });
  // One project or one end user instead of the whole tenant: the charts, totals and rows narrow to it.
  const projectId = query.get('projectId') ?? '';
  const externalUserId = query.get('externalUserId') ?? '';
  const projectSelect = h('select', { name: 'projectId' }, h('option', { value: '' }, 'Every project'));
  const userInput = h('input', { type: 'text', name: 'externalUserId', value: externalUserId, autocomplete: 'off', placeholder: 'Every end user' });
  // Before the project names arrive the select is empty: the page's own project still counts.
  const chosenProject = () => (projectSelect.options.length > 1 ? projectSelect.value : projectId);
  const withScope = (params: Record<string, string>) => {
    const search = new URLSearchParams(params);
    if (chosenProject()) search.set('projectId', chosenProject());
    if (userInput.value.trim()) search.set('externalUserId', userInput.value.trim());
    return href(`/usage?${search}`);
  };
  const rangeForm = h(
    'form',
    {
      class: 'range',
      'aria-label': 'Range and scope',
      onsubmit: (event: Event) => {
        event.preventDefault();
        navigate(withScope({ from: fromInput.value, to: toInput.value }));
      },
    },
    h('div', { class: 'presets' }, RANGES.map(([days, label]) => h('a', { class: 'chip', href: withScope({ days: String(days) }) }, label))),
    field('From', fromInput),
    field('To', toInput),
    field('Project', projectSelect),
    field('End user', userInput),
    h('button', { type: 'submit', class: 'secondary' }, 'Show'),
  );
  const body = h('div', { class: 'usage-body' }, loading('Loading usage…'));
  const scopeText = [projectId ? 'one project' : '', externalUserId ? `end user ${externalUserId}` : ''].filter(Boolean).join(', ');
  main.append(pageHeader('Usage', `${utcDay(from)} to ${lastDay} (UTC days)${scopeText ? ` · ${scopeText}` : ''}`), rangeForm, body);

  let data: any;
  try {
    data = await gql(USAGE_QUERY, { from: from.toISOString(), to: to.toISOString(), projectId: projectId || null, externalUserId: externalUserId || null }, signal);
  } catch (error) {
    if (signal.aborted) return;
    replace(body, errorBox(error, () => {
      main.replaceChildren();
      void usagePage(context);
    }));
    return;
  }
  const projectNames = new Map<string, string>(data.projects.edges.map((edge: any) => [edge.node.id, edge.node.name]));
  for (const [id, name] of projectNames) projectSelect.append(h('option', { value: id, selected: id === projectId }, name));
  const days = daysBetween(from, to);
  const byDay = new Map<string, Row>(data.byDay.rows.map((row: Row) => [row.key, row]));
  const series = (pick: (row: Row) => number) => days.map((day) => (byDay.has(day) ? pick(byDay.get(day)!) : 0));
  const totals: Row = data.byDay.totals;

  const cards = h(
    'ul',
    { class: 'totals', 'aria-label': 'Totals for the range' },
    [
      ['Generations', formatInteger(totals.generations)],
      ['Tokens', formatInteger(totals.inputTokens + totals.outputTokens + totals.cacheReadTokens + totals.cacheWriteTokens)],
      ['Sandbox hours', formatHours(sandboxHours(totals.sandboxSeconds))],
      ['Cost', formatCost(totals.costMicros)],
      ['Deploys', formatInteger(totals.deploys)],
      ['Storage now', formatBytes(data.byDay.storageBytes)],
    ].map(([label, value]) => h('li', null, h('span', { class: 'label' }, label), h('span', { class: 'value' }, value))),
  );

  const charts = h(
    'div',
    { class: 'charts' },
    barChart({ title: 'Generations', days, series: [{ name: 'Generations', values: series((row) => row.generations), tone: 's1' }], format: formatInteger, integer: true }),
    barChart({
      title: 'Tokens',
      days,
      series: [
        { name: 'Input', values: series((row) => row.inputTokens), tone: 's1' },
        { name: 'Output', values: series((row) => row.outputTokens), tone: 's2' },
        { name: 'Cache read', values: series((row) => row.cacheReadTokens), tone: 's3' },
        { name: 'Cache write', values: series((row) => row.cacheWriteTokens), tone: 's4' },
      ],
      format: compact,
    }),
    barChart({ title: 'Sandbox hours', days, series: [{ name: 'Sandbox hours', values: series((row) => sandboxHours(row.sandboxSeconds)), tone: 's3' }], format: formatHours }),
    barChart({ title: 'Cost', days, series: [{ name: 'Cost', values: series((row) => row.costMicros), tone: 's2' }], format: formatCost }),
    barChart({ title: 'Deploys', days, series: [{ name: 'Deploys', values: series((row) => row.deploys), tone: 's4' }], format: formatInteger, integer: true }),
  );

  const quotas = h(
    'div',
    { class: 'gauges' },
    data.viewer.quotas
      .filter((quota: any) => QUOTA_LABELS[quota.name])
      .map((quota: any) => {
        const [label, format] = QUOTA_LABELS[quota.name]!;
        return gauge(label, quota.used, quota.limit, format, quota.resetsAt);
      }),
  );

  const topUsers = [...data.byUser.rows].filter((row: Row) => row.key).sort((a: Row, b: Row) => b.costMicros - a.costMicros).slice(0, 10);
  const topMax = Math.max(1, ...topUsers.map((row: Row) => row.costMicros));
  const top = topUsers.length
    ? h(
        'ol',
        { class: 'top-users' },
        topUsers.map((row: Row) =>
          h(
            'li',
            null,
            h('a', { href: href(`/sessions?externalUserId=${encodeURIComponent(row.key)}`) }, row.key),
            h('span', { class: 'bar', 'aria-hidden': 'true' }, h('span', { class: 'fill', 'data-share': String(row.costMicros / topMax) })),
            h('span', { class: 'figure' }, `${formatCost(row.costMicros)} · ${formatInteger(row.generations)} generations`),
          ),
        ),
      )
    : empty('No end-user usage in this range.');
  // Widths set through the CSSOM (allowed by the CSP, unlike style attributes in markup).
  for (const fill of top.querySelectorAll<HTMLElement>('.fill')) fill.style.width = `${Math.round(Number(fill.dataset.share) * 100)}%`;

  const rowsFor = (group: Group): Row[] => (group === 'day' ? days.map((day) => byDay.get(day) ?? { ...zeroRow(), key: day }) : group === 'project' ? data.byProject.rows : data.byUser.rows);
  const nameOf = (group: Group, key: string) => (group === 'project' ? projectNames.get(key) ?? key : group === 'user' ? key || '(no end user)' : key);
  const groupHeader: Record<Group, string> = { day: 'Day (UTC)', project: 'Project', user: 'End user' };
  const tableHolder = h('div');
  let group: Group = (query.get('group') as Group) in GROUPS ? (query.get('group') as Group) : 'day';
  const tabs = h(
    'div',
    { class: 'segmented', role: 'group', 'aria-label': 'Group the rows' },
    (Object.keys(GROUPS) as Group[]).map((name) =>
      h('button', { type: 'button', class: 'secondary small', 'aria-pressed': String(name === group), 'data-group': name, onclick: () => showGroup(name) }, GROUPS[name]),
    ),
  );
  const csvButton = h('button', { type: 'button', class: 'secondary small', onclick: () => exportCsv() }, 'Export CSV');
  const showGroup = (name: Group) => {
    group = name;
    for (const button of tabs.querySelectorAll('button')) button.setAttribute('aria-pressed', String(button.dataset.group === name));
    const rows = rowsFor(name);
    replace(
      tableHolder,
      rows.length === 0
        ? empty('No usage in this range.')
        : table(
            `Usage ${GROUPS[name].toLowerCase()}`,
            [groupHeader[name], 'Generations', 'Input tokens', 'Output tokens', 'Cache read', 'Cache write', 'Sandbox hours', 'Cost', 'Deploys'],
            rows.map((row) => [
              name === 'project'
                ? h('a', { href: href(`/usage?${new URLSearchParams({ from: utcDay(from), to: lastDay, projectId: row.key })}`) }, nameOf(name, row.key))
                : name === 'user' && row.key
                  ? h('a', { href: href(`/usage?${new URLSearchParams({ from: utcDay(from), to: lastDay, externalUserId: row.key })}`) }, row.key)
                  : nameOf(name, row.key),
              formatInteger(row.generations),
              formatInteger(row.inputTokens),
              formatInteger(row.outputTokens),
              formatInteger(row.cacheReadTokens),
              formatInteger(row.cacheWriteTokens),
              formatHours(sandboxHours(row.sandboxSeconds)),
              formatCost(row.costMicros),
              formatInteger(row.deploys),
            ]),
          ),
    );
  };
  const exportCsv = () => {
    const rows = rowsFor(group);
    const header = [groupHeader[group], ...(group === 'project' ? ['Project id'] : []), 'Generations', 'Input tokens', 'Output tokens', 'Cache read tokens', 'Cache write tokens', 'Sandbox hours', 'Cost (USD)', 'Deploys', 'Requests'];
    download(
      `everjust-usage-${group}-${utcDay(from)}-${lastDay}.csv`,
      toCsv([
        header,
        ...rows.map((row) => [
          nameOf(group, row.key),
          ...(group === 'project' ? [row.key] : []),
          row.generations,
          row.inputTokens,
          row.outputTokens,
          row.cacheReadTokens,
          row.cacheWriteTokens,
          Number(sandboxHours(row.sandboxSeconds).toFixed(4)),
          Number((row.costMicros / 1_000_000).toFixed(6)),
          row.deploys,
          row.requests,
        ]),
      ]),
    );
  };
  showGroup(group);

  replace(
    body,
    cards,
    section('By day', charts),
    h('div', { class: 'columns' }, section('Quotas', h('p', { class: 'hint' }, `Your ${String(data.viewer.tier).toLowerCase()} tier's limits, in this mode.`), quotas), section('Top end users by cost', top)),
    section('Rows', h('div', { class: 'toolbar' }, tabs, csvButton), tableHolder),
  );
}

function zeroRow(): Row {
  return { key: '', generations: 0, inputTokens: 0, outputTokens: 0, cacheReadTokens: 0, cacheWriteTokens: 0, sandboxSeconds: 0, costMicros: 0, deploys: 0, requests: 0 };
}

/** 1.2k, 3.4M: for token axes. */
function compact(value: number): string {
  if (value >= 1e6) return `${(value / 1e6).toFixed(1)}M`;
  if (value >= 1e3) return `${(value / 1e3).toFixed(1)}k`;
  return formatInteger(value);
}
