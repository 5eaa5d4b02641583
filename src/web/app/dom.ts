/**
 * The only way the dashboard builds DOM. Data reaches the page as text nodes and attribute values, never
 * as markup, so an event field, a note or a rule title holding `<script>` or `<img onerror>` is shown,
 * not run. Event handlers are functions, never strings; `style` and `on*` string attributes are refused
 * (the server's CSP forbids inline code and styles anyway, and a refused attribute is a bug to see early).
 *
 * @example
 *   h('a', { href: '#/incidents/7', class: 'title' }, incident.title)
 *   h('button', { type: 'button', onclick: () => save() }, 'Save')
 */

export type Child = Node | string | number | null | undefined | false | readonly Child[];

type Handler = (event: never) => void;
export type Attrs = Readonly<Record<string, string | number | boolean | null | undefined | Handler>>;

const SVG_NS = 'http://www.w3.org/2000/svg';

/** URLs the dashboard may link to: its own routes, same-origin paths and plain web links. */
export function safeUrl(url: string): string {
  const trimmed = url.trim();
  if (/^(#|\/(?!\/)|\.\/|https?:\/\/|mailto:)/i.test(trimmed)) return trimmed;
  return '#';
}

function setAttributes(element: Element, attrs: Attrs | undefined): void {
  if (attrs === undefined) return;
  for (const [name, value] of Object.entries(attrs)) {
    if (value === undefined || value === null || value === false) continue;
    if (typeof value === 'function') {
      if (!name.startsWith('on')) throw new Error(`h(): function given for attribute ${name}`);
      element.addEventListener(name.slice(2), value as EventListener);
      continue;
    }
    const lower = name.toLowerCase();
    if (lower.startsWith('on') || lower === 'style' || lower === 'innerhtml' || lower === 'srcdoc')
      throw new Error(`h(): attribute ${name} is not allowed`);
    const text = value === true ? '' : String(value);
    element.setAttribute(
      name,
      lower === 'href' || lower === 'src' || lower === 'action' ? safeUrl(text) : text,
    );
  }
}

function append(parent: Node, children: readonly Child[]): void {
  for (const child of children) {
    if (child === null || child === undefined || child === false) continue;
    if (Array.isArray(child)) append(parent, child as readonly Child[]);
    else if (typeof child === 'string' || typeof child === 'number')
      parent.appendChild(document.createTextNode(String(child)));
    else parent.appendChild(child as Node);
  }
}

export function h<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  attrs?: Attrs,
  ...children: Child[]
): HTMLElementTagNameMap[K] {
  const element = document.createElement(tag);
  setAttributes(element, attrs);
  append(element, children);
  return element;
}

export function s<K extends keyof SVGElementTagNameMap>(
  tag: K,
  attrs?: Attrs,
  ...children: Child[]
): SVGElementTagNameMap[K] {
  const element = document.createElementNS(SVG_NS, tag);
  setAttributes(element, attrs);
  append(element, children);
  return element;
}

/** Replaces an element's content. */
export function mount(parent: Element, ...children: Child[]): void {
  parent.replaceChildren();
  append(parent, children);
}

/** A DocumentFragment of children, for helpers that return several nodes. */
export function fragment(...children: Child[]): DocumentFragment {
  const out = document.createDocumentFragment();
  append(out, children);
  return out;
}
