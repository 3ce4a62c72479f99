import { ApiError, request, type GqlError } from './api.js';
import { h, replace, when } from './dom.js';
import { errorBox } from './errors.js';
import { secretHref } from './routes.js';

const QUERY = `query ConsoleSecrets($prefix: String, $first: Int, $after: String) {
  secrets(pathPrefix: $prefix, first: $first, after: $after) {
    nodes { path region kmsKeyIdentity currentVersion lastAccessedAt kmsKey { status } }
    pageInfo { endCursor hasNextPage }
  }
}`;

const PAGE = 25;

interface Row {
  path: string;
  region: string;
  kmsKeyIdentity: string;
  currentVersion: number | null;
  lastAccessedAt: string | null;
  kmsKey: { status: string } | null;
}

/** The error reported at a row's kmsKey (null kmsKey), if any: a region down answers REGION_UNAVAILABLE there. */
function keyErrorAt(errors: GqlError[], index: number): GqlError | undefined {
  return errors.find((e) => e.path?.length === 4 && e.path[0] === 'secrets' && e.path[2] === index && e.path[3] === 'kmsKey');
}

function keyCell(row: Row, err: GqlError | undefined): HTMLElement {
  if (row.kmsKey) {
    const status = row.kmsKey.status;
    if (status === 'ACTIVE') return h('td', { class: 'key-status' }, h('span', { class: 'badge ok' }, status));
    return h(
      'td',
      { class: 'key-status' },
      h('span', { class: 'badge bad' }, status),
      h('p', { class: 'warning', role: 'note' }, `⚠ Key ${status}: values cannot be read or written.`),
    );
  }
  const code = String(err?.extensions?.code ?? '');
  if (code === 'REGION_UNAVAILABLE') {
    return h(
      'td',
      { class: 'key-status' },
      h('span', { class: 'badge region-unavailable' }, 'REGION UNAVAILABLE'),
      h('p', { class: 'region-note' }, `Region ${row.region} has no reachable KMS: key status unknown, values cannot be read or written now.`),
    );
  }
  return h('td', { class: 'key-status' }, h('span', { class: 'badge unknown' }, code || 'UNKNOWN'));
}

export function secretsPage(root: HTMLElement, params: URLSearchParams): void {
  const prefixInput = h('input', { id: 'prefix', name: 'prefix', type: 'text', value: params.get('prefix') ?? '', placeholder: 'e.g. prod/', autocomplete: 'off' });
  const results = h('div', { id: 'secrets-results' });
  const cursors: (string | null)[] = [null];
  let page = 0;

  const load = async () => {
    replace(results, h('p', { class: 'loading' }, 'Loading…'));
    try {
      const prefix = prefixInput.value.trim() || null;
      const r = await request<{ secrets: { nodes: Row[]; pageInfo: { endCursor: string | null; hasNextPage: boolean } } }>(QUERY, {
        prefix,
        first: PAGE,
        after: cursors[page],
      });
      if (!r.data?.secrets) throw r.errors[0] ? ApiError.of(r.errors[0], r.requestId) : new ApiError('INTERNAL_SERVER_ERROR', 'No data', r.requestId);
      const { nodes, pageInfo } = r.data.secrets;
      cursors[page + 1] = pageInfo.endCursor;
      const rowErrors = new Set<GqlError>();
      const rows = nodes.map((row, i) => {
        const err = keyErrorAt(r.errors, i);
        if (err) rowErrors.add(err);
        const warn = row.kmsKey ? row.kmsKey.status !== 'ACTIVE' : true;
        return h(
          'tr',
          { class: warn ? (row.kmsKey ? 'row-warning' : 'row-region-unavailable') : '', 'data-path': row.path },
          h('th', { scope: 'row' }, h('a', { href: secretHref(row.path) }, row.path)),
          h('td', {}, row.region),
          h('td', {}, row.kmsKeyIdentity),
          keyCell(row, err),
          h('td', {}, row.currentVersion ?? '—'),
          h('td', {}, when(row.lastAccessedAt)),
        );
      });
      const other = r.errors.filter((e) => !rowErrors.has(e));
      replace(
        results,
        other.map((e) => errorBox(ApiError.of(e, r.requestId))),
        nodes.length === 0
          ? h('p', {}, 'No secrets', prefix ? ` under “${prefix}”` : '', '.')
          : h(
              'table',
              { class: 'grid', id: 'secrets-table' },
              h('caption', {}, `Secrets${prefix ? ` under “${prefix}”` : ''}, page ${page + 1}`),
              h('thead', {}, h('tr', {}, ['Path', 'Region', 'Key', 'Key status', 'Current version', 'Last accessed'].map((t) => h('th', { scope: 'col' }, t)))),
              h('tbody', {}, rows),
            ),
        h(
          'nav',
          { class: 'pager', 'aria-label': 'Pages' },
          h('button', { type: 'button', disabled: page === 0, onclick: () => ((page -= 1), void load()) }, '← Previous page'),
          h('button', { type: 'button', disabled: !pageInfo.hasNextPage, onclick: () => ((page += 1), void load()) }, 'Next page →'),
        ),
      );
    } catch (err) {
      replace(results, errorBox(err));
    }
  };

  const form = h(
    'form',
    {
      class: 'filter',
      role: 'search',
      onsubmit: (ev: Event) => {
        ev.preventDefault();
        cursors.length = 1;
        page = 0;
        void load();
      },
    },
    h('label', { for: 'prefix' }, 'Path prefix'),
    prefixInput,
    h('button', { type: 'submit' }, 'Filter'),
  );
  replace(root, h('h1', {}, 'Secrets'), h('p', {}, h('a', { href: '#/secret-new' }, 'Create a secret')), form, results);
  void load();
}
