import { ApiError, call, request, type GqlResult } from './api.js';
import { announce, confirmAction, h, replace, when } from './dom.js';
import { errorBox } from './errors.js';
import { auditHref, secretHref } from './routes.js';

const QUERY = `query ConsoleSecret($path: String!) {
  secret(path: $path) {
    path region kmsKeyIdentity description createdAt updatedAt currentVersion maxVersions lastAccessedAt
    tags { key value }
    kmsKey { status }
    versions(first: 100) { nodes { version createdAt state kmsKeyVersion } pageInfo { hasNextPage } }
  }
}`;

interface Version {
  version: number;
  createdAt: string;
  state: 'ENABLED' | 'DELETED' | 'DESTROYED';
  kmsKeyVersion: number;
}

interface Secret {
  path: string;
  region: string;
  kmsKeyIdentity: string;
  description: string | null;
  createdAt: string;
  updatedAt: string;
  currentVersion: number | null;
  maxVersions: number;
  lastAccessedAt: string | null;
  tags: { key: string; value: string }[];
  kmsKey: { status: string } | null;
  versions: { nodes: Version[]; pageInfo: { hasNextPage: boolean } };
}

/** How long a revealed value stays on screen. */
export const REVEAL_MS = 30_000;

let hideTimer: ReturnType<typeof setTimeout> | undefined;

export function secretPage(root: HTMLElement, path: string): void {
  clearTimeout(hideTimer);
  const messages = h('div', { class: 'messages' });
  const show = (err: unknown) => replace(messages, errorBox(err));

  const render = async () => {
    let r: GqlResult<{ secret: Secret | null }>;
    try {
      r = await request<{ secret: Secret | null }>(QUERY, { path });
    } catch (err) {
      replace(root, h('h1', {}, path), errorBox(err));
      return;
    }
    if (!r.data?.secret) {
      const first = r.errors[0];
      replace(root, h('h1', {}, path), errorBox(first ? ApiError.of(first, r.requestId) : new ApiError('NOT_FOUND', 'No such secret', r.requestId)));
      return;
    }
    const secret = r.data.secret;
    const status = secret.kmsKey?.status;
    // Metadata stays readable when the key's region is down: kmsKey is null with REGION_UNAVAILABLE.
    const keyError = r.errors.find((e) => e.path?.[1] === 'kmsKey');
    const warning =
      status && status !== 'ACTIVE'
        ? h('p', { class: 'warning', role: 'note' }, `⚠ Key “${secret.kmsKeyIdentity}” is ${status}: values cannot be read or written. `, h('a', { href: '#/keys' }, 'Enable it on the Keys page'), '.')
        : keyError?.extensions?.code === 'REGION_UNAVAILABLE'
          ? h('p', { class: 'region-note', role: 'note' }, `Region ${secret.region} has no reachable KMS: key status unknown, values cannot be read or written now.`)
          : null;
    const otherErrors = r.errors.filter((e) => e !== keyError || e.extensions?.code !== 'REGION_UNAVAILABLE').map((e) => errorBox(ApiError.of(e, r.requestId)));

    const revealOut = h('output', { id: 'revealed', class: 'revealed', 'aria-live': 'polite' });
    const revealBtn = h('button', { type: 'button', id: 'reveal' }, 'Reveal current value');
    const hide = () => {
      clearTimeout(hideTimer);
      revealOut.textContent = '';
      revealBtn.textContent = 'Reveal current value';
    };
    revealBtn.addEventListener('click', async () => {
      if (revealOut.textContent) return hide();
      try {
        const v = await call<{ getSecretValue: { version: number; value: string } }>(
          `query ConsoleReveal($path: String!) { getSecretValue(path: $path) { version value } }`,
          { path },
        );
        revealOut.textContent = v.getSecretValue.value;
        revealBtn.textContent = 'Hide value';
        announce(`Version ${v.getSecretValue.version} revealed; it hides again in 30 seconds`);
        clearTimeout(hideTimer);
        hideTimer = setTimeout(hide, REVEAL_MS);
      } catch (err) {
        show(err);
      }
    });

    const valueInput = h('textarea', { id: 'new-value', name: 'value', rows: 3, required: true, autocomplete: 'off', spellcheck: 'false' });
    const putForm = h(
      'form',
      {
        class: 'put',
        onsubmit: async (ev: Event) => {
          ev.preventDefault();
          try {
            const r = await call<{ putSecretValue: { version: number } }>(
              `mutation ConsolePut($input: PutSecretValueInput!) { putSecretValue(input: $input) { version } }`,
              { input: { path, value: valueInput.value, expectedVersion: secret.currentVersion ?? 0 } },
            );
            valueInput.value = '';
            announce(`Version ${r.putSecretValue.version} written`);
            await render();
          } catch (err) {
            show(err);
          }
        },
      },
      h('label', { for: 'new-value' }, 'New value'),
      valueInput,
      h('button', { type: 'submit' }, 'Put new value'),
    );

    const versionAction = (label: string, field: string, v: Version, warn: string) =>
      h(
        'button',
        {
          type: 'button',
          class: field === 'destroySecretVersions' ? 'danger' : '',
          onclick: async () => {
            if (!(await confirmAction(`${label} version ${v.version} of ${path}?`, [h('p', {}, warn)], `${label} version ${v.version}`))) return;
            try {
              await call(`mutation ConsoleVersions($path: String!, $versions: [Int!]!) { ${field}(path: $path, versions: $versions) { path } }`, { path, versions: [v.version] });
              announce(`Version ${v.version}: ${label.toLowerCase()}d`);
              await render();
            } catch (err) {
              show(err);
            }
          },
        },
        label,
      );

    const versions = h(
      'table',
      { class: 'grid', id: 'versions' },
      h('caption', {}, 'Versions (newest first)'),
      h('thead', {}, h('tr', {}, ['Version', 'State', 'Created', 'Key version', 'Actions'].map((t) => h('th', { scope: 'col' }, t)))),
      h(
        'tbody',
        {},
        secret.versions.nodes.map((v) =>
          h(
            'tr',
            { 'data-version': v.version },
            h('th', { scope: 'row' }, v.version, v.version === secret.currentVersion ? ' (current)' : ''),
            h('td', {}, h('span', { class: `badge state-${v.state.toLowerCase()}` }, v.state)),
            h('td', {}, when(v.createdAt)),
            h('td', {}, v.kmsKeyVersion),
            h(
              'td',
              { class: 'actions' },
              v.state === 'ENABLED' && versionAction('Delete', 'deleteSecretVersions', v, 'The version can no longer be read; undelete restores it.'),
              v.state === 'DELETED' && versionAction('Undelete', 'undeleteSecretVersions', v, 'The version becomes readable again.'),
              v.state !== 'DESTROYED' && versionAction('Destroy', 'destroySecretVersions', v, 'Its ciphertext is erased for good: this cannot be undone.'),
            ),
          ),
        ),
      ),
    );

    replace(
      root,
      h('p', {}, h('a', { href: '#/secrets' }, '← Secrets')),
      h('h1', {}, secret.path),
      warning,
      otherErrors,
      messages,
      h(
        'dl',
        { class: 'meta' },
        [
          ['Region', secret.region],
          ['Key', `${secret.kmsKeyIdentity} (${status ?? 'status unknown'})`],
          ['Description', secret.description ?? '—'],
          ['Current version', String(secret.currentVersion ?? '—')],
          ['Max versions', String(secret.maxVersions)],
          ['Created', when(secret.createdAt)],
          ['Updated', when(secret.updatedAt)],
          ['Last accessed', when(secret.lastAccessedAt)],
          ['Tags', secret.tags.length ? secret.tags.map((t) => `${t.key}=${t.value}`).join(', ') : '—'],
        ].flatMap(([k, v]) => [h('dt', {}, k), h('dd', {}, v)]),
      ),
      h('p', {}, h('a', { href: auditHref({ resource: `secret:${secret.path}` }), id: 'secret-audit' }, 'Audit events of this secret')),
      h(
        'section',
        { class: 'reveal', 'aria-labelledby': 'reveal-h' },
        h('h2', { id: 'reveal-h' }, 'Value'),
        h('p', { class: 'note', id: 'reveal-note' }, 'Revealing is audited: it records secrets.get_value and kms.decrypt under your identity. The value hides again after 30 seconds.'),
        revealBtn,
        ' ',
        revealOut,
      ),
      h('section', { 'aria-labelledby': 'put-h' }, h('h2', { id: 'put-h' }, 'Put a new value'), putForm),
      h('section', { 'aria-labelledby': 'versions-h' }, h('h2', { id: 'versions-h' }, 'Versions'), versions),
    );
  };
  void render();
}

/** #/secret-new: path, key, region (the picker's), description, first value. */
export function newSecretPage(root: HTMLElement, region: string): void {
  const messages = h('div', { class: 'messages' });
  const field = (id: string, label: string, input: HTMLElement) => h('div', { class: 'field' }, h('label', { for: id }, label), input);
  const path = h('input', { id: 'secret-path', name: 'path', required: true, autocomplete: 'off' });
  const key = h('input', { id: 'secret-key', name: 'kmsKeyIdentity', required: true, autocomplete: 'off' });
  const description = h('input', { id: 'secret-description', name: 'description', autocomplete: 'off' });
  const value = h('textarea', { id: 'secret-value', name: 'value', rows: 3, autocomplete: 'off', spellcheck: 'false' });
  const form = h(
    'form',
    {
      onsubmit: async (ev: Event) => {
        ev.preventDefault();
        try {
          const input: Record<string, unknown> = { path: path.value.trim(), kmsKeyIdentity: key.value.trim(), region };
          if (description.value) input.description = description.value;
          if (value.value) input.value = value.value;
          await call(`mutation ConsoleCreateSecret($input: CreateSecretInput!) { createSecret(input: $input) { path } }`, { input });
          announce(`Secret ${input.path} created`);
          location.hash = secretHref(String(input.path));
        } catch (err) {
          replace(messages, errorBox(err));
        }
      },
    },
    field('secret-path', 'Path', path),
    field('secret-key', `KMS key (in ${region})`, key),
    field('secret-description', 'Description (optional)', description),
    field('secret-value', 'First value (optional)', value),
    h('button', { type: 'submit' }, 'Create secret'),
  );
  replace(root, h('p', {}, h('a', { href: '#/secrets' }, '← Secrets')), h('h1', {}, `New secret in ${region}`), messages, form);
}
