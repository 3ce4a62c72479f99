import { call, regions } from './api.js';
import { auditPage } from './auditPage.js';
import { announce, h, replace } from './dom.js';
import { errorBox } from './errors.js';
import { keysPage } from './keysPage.js';
import { newSecretPage, secretPage } from './secretPage.js';
import { secretsPage } from './secretsPage.js';
import { session } from './session.js';

/** The console shell: sign-in, region picker, navigation and the hash router. */

const view = document.getElementById('view') as HTMLElement;
const header = document.getElementById('session') as HTMLElement;
let defaultRegion = 'us-east-1';

function currentRegion(): string {
  return session.region ?? defaultRegion;
}

function signInView(): void {
  const token = h('input', { id: 'token', name: 'token', type: 'password', required: true, autocomplete: 'off', spellcheck: 'false' });
  const messages = h('div', { class: 'messages' });
  const form = h(
    'form',
    {
      id: 'sign-in',
      onsubmit: async (ev: Event) => {
        ev.preventDefault();
        session.signIn(token.value.trim());
        try {
          await call(`query ConsoleViewer { viewer { id } }`);
          token.value = '';
          announce('Signed in');
          await renderHeader();
          if (!location.hash || location.hash === '#/') location.hash = '#/secrets';
          else route();
        } catch (err) {
          session.signOut();
          replace(messages, errorBox(err));
        }
      },
    },
    h('label', { for: 'token' }, 'API token'),
    token,
    h('button', { type: 'submit' }, 'Sign in'),
  );
  replace(
    view,
    h('h1', {}, 'Sign in'),
    h('p', {}, 'Paste an API token (npm start prints the root token). It is kept in this tab only (sessionStorage) and removed when you sign out.'),
    messages,
    form,
  );
  token.focus();
}

async function renderHeader(): Promise<void> {
  if (!session.token) {
    replace(header);
    return;
  }
  const select = h('select', { id: 'region', name: 'region' });
  const list = await regions();
  for (const r of list) if (r.default) defaultRegion = r.name;
  const names = list.length ? list.map((r) => r.name) : [defaultRegion];
  for (const r of list.length ? list : [{ name: defaultRegion, default: true, kms: 'configured' }]) {
    select.appendChild(h('option', { value: r.name, selected: r.name === currentRegion() }, r.kms === 'none' ? `${r.name} (no KMS)` : r.name));
  }
  if (!names.includes(currentRegion())) session.region = null;
  select.addEventListener('change', () => {
    session.region = select.value;
    announce(`Region ${select.value}`);
    route();
  });
  let who = '';
  try {
    const v = await call<{ viewer: { id: string; project: string } }>(`query ConsoleWho { viewer { id project } }`);
    who = `${v.viewer.id} · ${v.viewer.project}`;
  } catch {
    who = 'token not accepted';
  }
  replace(
    header,
    h('nav', { 'aria-label': 'Main' }, h('a', { href: '#/secrets' }, 'Secrets'), h('a', { href: '#/keys' }, 'Keys'), h('a', { href: '#/audit' }, 'Audit'), h('a', { href: '/explorer' }, 'Explorer')),
    h('div', { class: 'region-picker' }, h('label', { for: 'region' }, 'Region'), select),
    h('span', { class: 'who', id: 'who' }, who),
    h(
      'button',
      {
        type: 'button',
        id: 'sign-out',
        onclick: () => {
          session.signOut();
          session.region = null;
          announce('Signed out');
          void renderHeader();
          signInView();
        },
      },
      'Sign out',
    ),
  );
}

function route(): void {
  if (!session.token) return signInView();
  const hash = location.hash.replace(/^#/, '') || '/secrets';
  const [path, query = ''] = hash.split('?');
  const params = new URLSearchParams(query);
  for (const a of header.querySelectorAll('nav a')) {
    if (a.getAttribute('href') === `#${path}`) a.setAttribute('aria-current', 'page');
    else a.removeAttribute('aria-current');
  }
  if (path.startsWith('/secret/')) secretPage(view, decodeURIComponent(path.slice('/secret/'.length)));
  else if (path === '/secret-new') newSecretPage(view, currentRegion());
  else if (path === '/keys') keysPage(view, currentRegion());
  else if (path === '/audit') auditPage(view, params);
  else secretsPage(view, params);
}

window.addEventListener('hashchange', () => {
  route();
  view.focus();
});
void renderHeader().then(route);
