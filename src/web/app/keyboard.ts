/**
 * Global keyboard handling. Views opt in through markup, not code: a list is `[data-nav-list]` with rows
 * `[data-nav-item]` (the row's `[data-open]` element, or the row itself, is clicked by Enter), the search
 * field is `[data-search]`, paging buttons are `[data-page=next|prev]`, and anything that closes a panel
 * is `[data-close]`. Keys typed into a field are left alone, except Escape, which leaves the field.
 */
import type { Command } from './keymap.js';
import { SequenceMatcher } from './keymap.js';

export type CommandHandlers = Partial<Record<Command, () => void>>;

function isEditable(target: EventTarget | null): boolean {
  if (!(target instanceof HTMLElement)) return false;
  if (target.isContentEditable) return true;
  if (target instanceof HTMLTextAreaElement || target instanceof HTMLSelectElement) return true;
  if (target instanceof HTMLInputElement)
    return !['button', 'checkbox', 'radio', 'submit', 'reset', 'file', 'range'].includes(target.type);
  return false;
}

function visible(element: Element): boolean {
  return element instanceof HTMLElement && element.offsetParent !== null;
}

/** The list keyboard navigation applies to: in an open dialog first, else the first visible list. */
function activeList(): HTMLElement | undefined {
  const scope = document.querySelector('dialog[open]') ?? document.querySelector('main') ?? document.body;
  return [...scope.querySelectorAll<HTMLElement>('[data-nav-list]')].find(visible);
}

export function moveSelection(delta: number): void {
  const list = activeList();
  if (list === undefined) return;
  const items = [...list.querySelectorAll<HTMLElement>('[data-nav-item]')];
  if (items.length === 0) return;
  const current = items.findIndex((item) => item.getAttribute('aria-selected') === 'true');
  const next =
    current === -1
      ? delta > 0
        ? 0
        : items.length - 1
      : Math.max(0, Math.min(items.length - 1, current + delta));
  select(items[next]!, items);
}

export function select(item: HTMLElement, items?: readonly HTMLElement[]): void {
  const all = items ?? [
    ...(item.closest('[data-nav-list]')?.querySelectorAll<HTMLElement>('[data-nav-item]') ?? []),
  ];
  for (const other of all) other.setAttribute('aria-selected', other === item ? 'true' : 'false');
  if (!item.hasAttribute('tabindex')) item.setAttribute('tabindex', '-1');
  item.focus({ preventScroll: true });
  item.scrollIntoView({ block: 'nearest' });
}

export function openSelection(): boolean {
  const list = activeList();
  const item = list?.querySelector<HTMLElement>('[data-nav-item][aria-selected="true"]');
  if (item === undefined || item === null) return false;
  const target = item.querySelector<HTMLElement>('[data-open]') ?? item;
  target.click();
  return true;
}

function clickVisible(selector: string): boolean {
  const element = [...document.querySelectorAll<HTMLElement>(selector)].find(visible);
  if (element === undefined || (element instanceof HTMLButtonElement && element.disabled)) return false;
  element.click();
  return true;
}

export function focusSearch(): void {
  const field = [...document.querySelectorAll<HTMLElement>('main [data-search]')].find(visible);
  field?.focus();
  if (field instanceof HTMLInputElement) field.select();
}

/** Installs the document-wide handler; returns a function that removes it. */
export function installKeyboard(handlers: CommandHandlers): () => void {
  const matcher = new SequenceMatcher();
  const defaults: CommandHandlers = {
    next: () => moveSelection(1),
    previous: () => moveSelection(-1),
    open: () => void openSelection(),
    search: focusSearch,
    'next-page': () => void clickVisible('[data-page="next"]'),
    'previous-page': () => void clickVisible('[data-page="prev"]'),
    escape: () => void clickVisible('[data-close]'),
  };
  const listener = (event: KeyboardEvent): void => {
    if (event.ctrlKey || event.metaKey || event.altKey || event.isComposing) return;
    // A modal dialog owns the keyboard (the browser closes it on Escape); only `?` toggles help.
    if (document.querySelector('dialog[open]') !== null) {
      if (event.key === '?' && handlers.help !== undefined) {
        event.preventDefault();
        handlers.help();
      }
      return;
    }
    if (isEditable(event.target)) {
      if (event.key === 'Escape' && event.target instanceof HTMLElement) event.target.blur();
      return;
    }
    // Enter on a focused button or link is the browser's business; only rows are ours.
    if (
      event.key === 'Enter' &&
      event.target instanceof HTMLElement &&
      event.target.closest('a, button, summary')
    )
      return;
    const result = matcher.feed(event.key, performance.now());
    if (result.kind === 'pending') {
      event.preventDefault();
      return;
    }
    if (result.kind !== 'command') return;
    const handler = handlers[result.command] ?? defaults[result.command];
    if (handler === undefined) return;
    event.preventDefault();
    handler();
  };
  document.addEventListener('keydown', listener);
  return () => document.removeEventListener('keydown', listener);
}
