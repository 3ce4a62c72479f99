/** A few DOM helpers: elements from data (text only, never HTML strings), dialogs, messages. */

type Child = Node | string | number | null | undefined | false;
type Attrs = Record<string, string | number | boolean | null | undefined | ((ev: Event) => void)>;

export function h<K extends keyof HTMLElementTagNameMap>(tag: K, attrs: Attrs = {}, ...children: (Child | Child[])[]): HTMLElementTagNameMap[K] {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (v === null || v === undefined || v === false) continue;
    if (typeof v === 'function') el.addEventListener(k.replace(/^on/, ''), v);
    else if (v === true) el.setAttribute(k, '');
    else el.setAttribute(k, String(v));
  }
  append(el, children);
  return el;
}

function append(el: Node, children: (Child | Child[])[]): void {
  for (const c of children.flat()) {
    if (c === null || c === undefined || c === false) continue;
    el.appendChild(typeof c === 'object' ? c : document.createTextNode(String(c)));
  }
}

export function replace(el: Element, ...children: (Child | Child[])[]): void {
  el.replaceChildren();
  append(el, children);
}

/** A time as the user's locale writes it; "never" for null. */
export function when(iso: string | null | undefined): string {
  if (!iso) return 'never';
  const d = new Date(iso);
  return Number.isNaN(d.getTime()) ? iso : d.toLocaleString();
}

/** The polite live region announcing what just happened ("Key disabled"). */
export function announce(text: string): void {
  const el = document.getElementById('status');
  if (el) el.textContent = text;
}

export interface DialogButton {
  label: string;
  value: string;
  danger?: boolean;
}

/**
 * A modal dialog: focus goes to its first control, Escape closes it (value "cancel"), and focus
 * returns to where it was. Resolves with the value of the button pressed.
 */
export function dialog(title: string, body: (Child | Child[])[], buttons: DialogButton[]): Promise<string> {
  const opener = document.activeElement as HTMLElement | null;
  const id = `dlg-${Math.random().toString(36).slice(2)}`;
  const dlg = h('dialog', { 'aria-labelledby': id, class: 'dialog' });
  return new Promise((resolve) => {
    const close = (value: string) => {
      dlg.close();
      dlg.remove();
      opener?.focus();
      resolve(value);
    };
    const controls = buttons.map((b) => h('button', { type: 'button', class: b.danger ? 'danger' : '', 'data-value': b.value, onclick: () => close(b.value) }, b.label));
    const cancel = h('button', { type: 'button', onclick: () => close('cancel') }, 'Cancel');
    dlg.append(h('h2', { id }, title), h('div', { class: 'dialog-body' }, ...body), h('div', { class: 'dialog-buttons' }, cancel, ...controls));
    dlg.addEventListener('cancel', (ev) => {
      ev.preventDefault();
      close('cancel');
    });
    document.body.appendChild(dlg);
    dlg.showModal();
    // The first control: an input of the body if there is one, else Cancel (the safe choice).
    dlg.querySelector<HTMLElement>('input, select, textarea, button')?.focus();
  });
}

export async function confirmAction(title: string, body: (Child | Child[])[], label: string): Promise<boolean> {
  return (await dialog(title, body, [{ label, value: 'ok', danger: true }])) === 'ok';
}
