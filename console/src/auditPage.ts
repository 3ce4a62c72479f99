import { call } from './api.js';
import { h, replace, when } from './dom.js';
import { errorBox } from './errors.js';

const QUERY = `query ConsoleAudit($filter: AuditEventFilterInput, $after: String) {
  auditEvents(filter: $filter, first: 50, after: $after) {
    nodes { id time action outcome actor via region resource requestId errorCode keyVersion }
    pageInfo { endCursor hasNextPage }
  }
}`;

interface AuditEvent {
  id: string;
  time: string;
  action: string;
  outcome: string;
  actor: string;
  via: string | null;
  region: string | null;
  resource: string;
  requestId: string;
  errorCode: string | null;
}

const FILTERS = [
  ['resource', 'Resource (e.g. secret:prod/db or kms-key:us-east-1/payments)'],
  ['actor', 'Actor (token id, or root)'],
  ['requestId', 'Request id'],
] as const;

export function auditPage(root: HTMLElement, params: URLSearchParams): void {
  const inputs = Object.fromEntries(FILTERS.map(([name]) => [name, h('input', { id: `audit-${name}`, name, value: params.get(name) ?? '', autocomplete: 'off' })]));
  const results = h('div', { id: 'audit-results' });
  const cursors: (string | null)[] = [null];
  let page = 0;

  const load = async () => {
    const filter: Record<string, string> = {};
    for (const [name] of FILTERS) if (inputs[name].value.trim()) filter[name] = inputs[name].value.trim();
    try {
      const r = await call<{ auditEvents: { nodes: AuditEvent[]; pageInfo: { endCursor: string | null; hasNextPage: boolean } } }>(QUERY, { filter, after: cursors[page] });
      cursors[page + 1] = r.auditEvents.pageInfo.endCursor;
      const filterLink = (name: string, value: string) =>
        h('button', { type: 'button', class: 'link', title: `Filter by this ${name}`, onclick: () => ((inputs[name].value = value), restart()) }, value);
      replace(
        results,
        r.auditEvents.nodes.length === 0
          ? h('p', {}, 'No matching events.')
          : h(
              'table',
              { class: 'grid', id: 'audit-table' },
              h('caption', {}, 'Audit events (newest first)'),
              h('thead', {}, h('tr', {}, ['Time', 'Action', 'Outcome', 'Actor', 'Via', 'Region', 'Resource', 'Request id', 'Error'].map((t) => h('th', { scope: 'col' }, t)))),
              h(
                'tbody',
                {},
                r.auditEvents.nodes.map((e) =>
                  h(
                    'tr',
                    { class: e.outcome === 'SUCCESS' ? '' : 'row-warning' },
                    h('td', {}, when(e.time)),
                    h('th', { scope: 'row' }, e.action),
                    h('td', {}, e.outcome),
                    h('td', {}, filterLink('actor', e.actor)),
                    h('td', {}, e.via ?? '—'),
                    h('td', {}, e.region ?? '—'),
                    h('td', {}, filterLink('resource', e.resource)),
                    h('td', {}, filterLink('requestId', e.requestId)),
                    h('td', {}, e.errorCode ?? '—'),
                  ),
                ),
              ),
            ),
        h(
          'nav',
          { class: 'pager', 'aria-label': 'Pages' },
          h('button', { type: 'button', disabled: page === 0, onclick: () => ((page -= 1), void load()) }, '← Previous page'),
          h('button', { type: 'button', disabled: !r.auditEvents.pageInfo.hasNextPage, onclick: () => ((page += 1), void load()) }, 'Next page →'),
        ),
      );
    } catch (err) {
      replace(results, errorBox(err));
    }
  };
  const restart = () => {
    cursors.length = 1;
    page = 0;
    void load();
  };
  const form = h(
    'form',
    { class: 'filter', role: 'search', onsubmit: (ev: Event) => (ev.preventDefault(), restart()) },
    FILTERS.map(([name, label]) => h('div', { class: 'field' }, h('label', { for: `audit-${name}` }, label), inputs[name])),
    h('button', { type: 'submit' }, 'Filter'),
  );
  replace(root, h('h1', {}, 'Audit events'), form, results);
  void load();
}
