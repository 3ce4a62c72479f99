import { ApiError, call, request } from './api.js';
import { announce, dialog, h, replace, when } from './dom.js';
import { errorBox } from './errors.js';
import { auditHref, keyResource, secretHref } from './routes.js';

const QUERY = `query ConsoleKeys($after: String) {
  kmsKeys(first: 50, after: $after) {
    nodes {
      region identity type purpose status description latestVersion minDecryptionVersion
      autoRotatePeriodDays deletionDate lastUsedAt boundSecretCount versions { version createdAt }
    }
    pageInfo { endCursor hasNextPage }
  }
}`;

/** "Recently used": the window the disable / delete guard asks the API about. */
export const RECENT_DAYS = 30;

const KEY_TYPES = ['AES256_GCM96', 'AES128_GCM96', 'CHACHA20_POLY1305', 'RSA_2048', 'RSA_4096', 'ECDSA_P256', 'ED25519', 'HMAC_SHA256'];

interface Key {
  region: string;
  identity: string;
  type: string;
  purpose: string;
  status: string;
  description: string | null;
  latestVersion: number;
  autoRotatePeriodDays: number | null;
  deletionDate: string | null;
  lastUsedAt: string | null;
  boundSecretCount: number;
  versions: { version: number; createdAt: string }[];
}

interface Bound {
  path: string;
  lastAccessedAt: string | null;
}

interface Usage {
  lastUsedAt: string | null;
  boundSecretCount: number;
  recentCount: number;
  all: Bound[];
  allMore: boolean;
  recent: Bound[];
}

/** The bound secrets of a key, and which of them were revealed within RECENT_DAYS. */
async function usageOf(identity: string): Promise<Usage> {
  const since = new Date(Date.now() - RECENT_DAYS * 86_400_000).toISOString();
  const r = await call<{ kmsKey: null | { lastUsedAt: string | null; boundSecretCount: number; recentCount: number; all: { nodes: Bound[]; pageInfo: { hasNextPage: boolean } }; recent: { nodes: Bound[] } } }>(
    `query ConsoleKeyUsage($identity: String!, $since: String!) {
      kmsKey(identity: $identity) {
        lastUsedAt
        boundSecretCount
        recentCount: boundSecretCount(accessedSince: $since)
        all: boundSecrets(first: 50) { nodes { path lastAccessedAt } pageInfo { hasNextPage } }
        recent: boundSecrets(first: 50, accessedSince: $since) { nodes { path lastAccessedAt } }
      }
    }`,
    { identity, since },
  );
  if (!r.kmsKey) throw new ApiError('NOT_FOUND', 'No such key', '');
  const k = r.kmsKey;
  return { lastUsedAt: k.lastUsedAt, boundSecretCount: k.boundSecretCount, recentCount: k.recentCount, all: k.all.nodes, allMore: k.all.pageInfo.hasNextPage, recent: k.recent.nodes };
}

/** What the confirmation says: every bound secret, the recently accessed ones named first and marked. */
function usageView(u: Usage): HTMLElement {
  const recent = new Set(u.recent.map((b) => b.path));
  const rest = u.all.filter((b) => !recent.has(b.path));
  const item = (b: Bound, hot: boolean) =>
    h('li', { class: hot ? 'recent' : '' }, h('a', { href: secretHref(b.path) }, b.path), hot ? h('strong', { class: 'recent-mark' }, ` — accessed in the last ${RECENT_DAYS} days (${when(b.lastAccessedAt)})`) : ` — last accessed ${when(b.lastAccessedAt)}`);
  return h(
    'div',
    { class: 'usage' },
    h('p', {}, `Key last used: ${when(u.lastUsedAt)}.`),
    u.boundSecretCount === 0
      ? h('p', {}, 'No secrets are bound to this key.')
      : h(
          'div',
          {},
          h('p', {}, `${u.boundSecretCount} secret(s) bound to this key; `, h('strong', {}, `${u.recentCount} accessed in the last ${RECENT_DAYS} days`), '. Their values cannot be read or written afterwards:'),
          h('ul', { class: 'bound-secrets' }, u.recent.map((b) => item(b, true)), rest.map((b) => item(b, false))),
          u.allMore || u.recentCount > u.recent.length ? h('p', {}, '…and more (first 50 shown).') : null,
        ),
  );
}

type Guarded = 'disable' | 'delete';

/**
 * Disable or schedule deletion: show the bound secrets, ask, send with ifUnusedSinceDays; on
 * KEY_IN_USE, a second, explicit "… anyway" sends without the guard.
 */
async function guardedChange(key: Key, what: Guarded): Promise<boolean> {
  const usage = await usageOf(key.identity);
  const verb = what === 'disable' ? 'Disable' : 'Schedule deletion of';
  const windowInput = h('input', { id: 'pending-window', type: 'number', min: 7, max: 30, value: 30, required: true });
  const extra = what === 'delete' ? [h('label', { for: 'pending-window' }, 'Pending window (days, 7–30)'), windowInput] : [];
  const mutate = (guard: boolean) => {
    const args: Record<string, unknown> = { identity: key.identity };
    if (guard) args.ifUnusedSinceDays = RECENT_DAYS;
    if (what === 'disable') {
      return request(`mutation ConsoleDisable($identity: String!, $ifUnusedSinceDays: Int) { disableKmsKey(identity: $identity, ifUnusedSinceDays: $ifUnusedSinceDays) { status } }`, args);
    }
    args.pendingWindowDays = Number(windowInput.value);
    return request(
      `mutation ConsoleScheduleDeletion($identity: String!, $pendingWindowDays: Int, $ifUnusedSinceDays: Int) { scheduleKmsKeyDeletion(identity: $identity, pendingWindowDays: $pendingWindowDays, ifUnusedSinceDays: $ifUnusedSinceDays) { status } }`,
      args,
    );
  };
  const title = `${verb} key “${key.identity}” (${key.region})?`;
  const label = what === 'disable' ? 'Disable key' : 'Schedule deletion';
  if ((await dialog(title, [usageView(usage), ...extra], [{ label, value: 'ok', danger: true }])) !== 'ok') return false;
  let r = await mutate(true);
  if (r.errors[0]?.extensions?.code === 'KEY_IN_USE') {
    const lastUsed = String(r.errors[0].extensions.lastUsedAt ?? '');
    const anyway = what === 'disable' ? 'Disable anyway' : 'Schedule deletion anyway';
    const again = await dialog(
      `Key “${key.identity}” is in use`,
      [errorBox(ApiError.of(r.errors[0], r.requestId)), h('p', {}, `It was last used ${when(lastUsed)}, within the last ${RECENT_DAYS} days.`), usageView(usage)],
      [{ label: anyway, value: 'anyway', danger: true }],
    );
    if (again !== 'anyway') return false;
    r = await mutate(false);
  }
  if (r.errors.length > 0) throw ApiError.of(r.errors[0], r.requestId);
  announce(`Key ${key.identity}: ${what === 'disable' ? 'disabled' : 'deletion scheduled'}`);
  return true;
}

export function keysPage(root: HTMLElement, region: string): void {
  const messages = h('div', { class: 'messages' });
  const list = h('div', { id: 'keys-results' });
  const cursors: (string | null)[] = [null];
  let page = 0;

  const act = async (fn: () => Promise<unknown>) => {
    replace(messages);
    try {
      if ((await fn()) !== false) await load();
    } catch (err) {
      replace(messages, errorBox(err));
    }
  };
  const simple = (identity: string, field: string, done: string) => async () => {
    await call(`mutation ConsoleKeyChange($identity: String!) { ${field}(identity: $identity) { status } }`, { identity });
    announce(`Key ${identity}: ${done}`);
  };

  const load = async () => {
    try {
      const r = await call<{ kmsKeys: { nodes: Key[]; pageInfo: { endCursor: string | null; hasNextPage: boolean } } }>(QUERY, { after: cursors[page] });
      cursors[page + 1] = r.kmsKeys.pageInfo.endCursor;
      const rows = r.kmsKeys.nodes.map((k) =>
        h(
          'tr',
          { 'data-identity': k.identity, class: k.status === 'ACTIVE' ? '' : 'row-warning' },
          h('th', { scope: 'row' }, k.identity, k.description ? h('div', { class: 'muted' }, k.description) : null),
          h('td', {}, k.type),
          h('td', {}, h('span', { class: `badge ${k.status === 'ACTIVE' ? 'ok' : 'bad'}` }, k.status), k.deletionDate ? h('div', { class: 'muted' }, `deleted on ${when(k.deletionDate)}`) : null),
          h('td', {}, `${k.versions.length} (latest v${k.latestVersion})`),
          h('td', {}, k.autoRotatePeriodDays ? `every ${k.autoRotatePeriodDays} days` : 'manual'),
          h('td', {}, when(k.lastUsedAt)),
          h('td', {}, k.boundSecretCount),
          h(
            'td',
            { class: 'actions' },
            k.status !== 'PENDING_DELETION' && h('button', { type: 'button', onclick: () => act(simple(k.identity, 'rotateKmsKey', 'rotated')) }, 'Rotate'),
            k.status === 'DISABLED' && h('button', { type: 'button', onclick: () => act(simple(k.identity, 'enableKmsKey', 'enabled')) }, 'Enable'),
            k.status === 'PENDING_DELETION' && h('button', { type: 'button', onclick: () => act(simple(k.identity, 'cancelKmsKeyDeletion', 'deletion cancelled')) }, 'Cancel deletion'),
            k.status === 'ACTIVE' && h('button', { type: 'button', class: 'danger', onclick: () => act(() => guardedChange(k, 'disable')) }, 'Disable'),
            k.status !== 'PENDING_DELETION' && h('button', { type: 'button', class: 'danger', onclick: () => act(() => guardedChange(k, 'delete')) }, 'Schedule deletion'),
            h('a', { href: auditHref({ resource: keyResource(k.region, k.identity) }) }, 'Audit events'),
          ),
        ),
      );
      replace(
        list,
        rows.length === 0
          ? h('p', {}, `No keys in ${region}.`)
          : h(
              'table',
              { class: 'grid', id: 'keys-table' },
              h('caption', {}, `Keys in ${region}`),
              h('thead', {}, h('tr', {}, ['Identity', 'Type', 'Status', 'Versions', 'Rotation', 'Last used', 'Bound secrets', 'Actions'].map((t) => h('th', { scope: 'col' }, t)))),
              h('tbody', {}, rows),
            ),
        h(
          'nav',
          { class: 'pager', 'aria-label': 'Pages' },
          h('button', { type: 'button', disabled: page === 0, onclick: () => ((page -= 1), void load()) }, '← Previous page'),
          h('button', { type: 'button', disabled: !r.kmsKeys.pageInfo.hasNextPage, onclick: () => ((page += 1), void load()) }, 'Next page →'),
        ),
      );
    } catch (err) {
      replace(list, errorBox(err));
    }
  };

  const identity = h('input', { id: 'key-identity', name: 'identity', required: true, pattern: '[a-z0-9][a-z0-9-]{0,62}', autocomplete: 'off' });
  const type = h('select', { id: 'key-type', name: 'type' }, KEY_TYPES.map((t) => h('option', { value: t }, t)));
  const description = h('input', { id: 'key-description', name: 'description', autocomplete: 'off' });
  const rotate = h('input', { id: 'key-rotate', name: 'autoRotatePeriodDays', type: 'number', min: 1, autocomplete: 'off' });
  const field = (id: string, label: string, input: HTMLElement) => h('div', { class: 'field' }, h('label', { for: id }, label), input);
  const createForm = h(
    'form',
    {
      class: 'create-key',
      onsubmit: (ev: Event) => {
        ev.preventDefault();
        void act(async () => {
          const input: Record<string, unknown> = { identity: identity.value.trim(), type: type.value };
          if (description.value) input.description = description.value;
          if (rotate.value) input.autoRotatePeriodDays = Number(rotate.value);
          await call(`mutation ConsoleCreateKey($input: CreateKmsKeyInput!) { createKmsKey(input: $input) { identity } }`, { input });
          identity.value = '';
          announce(`Key ${String(input.identity)} created in ${region}`);
        });
      },
    },
    field('key-identity', 'Identity', identity),
    field('key-type', 'Type', type),
    field('key-description', 'Description (optional)', description),
    field('key-rotate', 'Rotate every (days, optional)', rotate),
    h('button', { type: 'submit' }, 'Create key'),
  );
  replace(root, h('h1', {}, `Keys in ${region}`), messages, list, h('section', { 'aria-labelledby': 'create-key-h' }, h('h2', { id: 'create-key-h' }, 'Create a key'), createForm));
  void load();
}
