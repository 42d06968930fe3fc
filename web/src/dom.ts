/** A few lines of DOM building instead of a framework. */
type Child = Node | string | number | null | undefined | false;
type Props = Record<string, unknown>;

export function h<K extends keyof HTMLElementTagNameMap>(tag: K, props: Props = {}, ...children: Child[]) {
  const el = document.createElement(tag);
  for (const [key, value] of Object.entries(props)) {
    if (value === undefined || value === null || value === false) continue;
    if (key.startsWith('on') && typeof value === 'function') el.addEventListener(key.slice(2), value as EventListener);
    else if (key === 'class') el.className = String(value);
    else if (key === 'value' || key === 'checked' || key === 'disabled' || key === 'selected')
      (el as unknown as Record<string, unknown>)[key] = value;
    else el.setAttribute(key, value === true ? '' : String(value));
  }
  append(el, ...children);
  return el;
}

export function append(el: Element, ...children: Child[]) {
  for (const c of children)
    if (c !== null && c !== undefined && c !== false) el.append(c instanceof Node ? c : String(c));
}

export function clear(el: Element, ...children: Child[]) {
  el.replaceChildren();
  append(el, ...children);
}

/** A FirebaseError's code (`permission-denied`, `functions/permission-denied`) and message, shown as the UI's refusal. */
export function errorBox(error: unknown): HTMLElement {
  const e = error as { code?: string; message?: string };
  return h(
    'p',
    { class: 'error', role: 'alert', 'data-testid': 'error', 'data-code': e.code ?? 'unknown' },
    h('strong', {}, refusalTitle(e.code)),
    ` ${e.code ?? ''}: ${e.message ?? String(error)}`,
  );
}

function refusalTitle(code: string | undefined) {
  if (code?.endsWith('permission-denied')) return 'Refused:';
  if (code?.endsWith('invalid-argument')) return 'Invalid:';
  return 'Failed:';
}

export function when(date: { toDate(): Date } | string | null | undefined): string {
  if (!date) return '';
  const d = typeof date === 'string' ? new Date(date) : date.toDate();
  return d.toLocaleString(undefined, { dateStyle: 'medium', timeStyle: 'short' });
}
