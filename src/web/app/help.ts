/** The keyboard help dialog (`?`), generated from the shortcut table so it never goes stale. */
import { h } from './dom.js';
import { SHORTCUTS } from './keymap.js';

function keyLabel(keys: string): HTMLElement[] {
  return keys.split(' ').map((key) => h('kbd', {}, key === 'Escape' ? 'Esc' : key));
}

let dialog: HTMLDialogElement | undefined;

export function toggleHelp(): void {
  if (dialog === undefined) {
    dialog = h(
      'dialog',
      { id: 'help', 'aria-labelledby': 'help-title' },
      h('h2', { id: 'help-title' }, 'Keyboard shortcuts'),
      h(
        'table',
        { class: 'shortcuts' },
        h(
          'tbody',
          {},
          SHORTCUTS.map((shortcut) =>
            h(
              'tr',
              {},
              h(
                'td',
                { class: 'keys' },
                keyLabel(shortcut.keys).flatMap((kbd, index) => (index === 0 ? [kbd] : [' then ', kbd])),
              ),
              h('td', {}, shortcut.description),
            ),
          ),
        ),
      ),
      h('form', { method: 'dialog' }, h('button', { type: 'submit', class: 'primary' }, 'Close')),
    );
    document.body.appendChild(dialog);
  }
  if (dialog.open) dialog.close();
  else dialog.showModal();
}
