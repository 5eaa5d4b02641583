/** Sign in with an API token: the server answers with a session cookie; the token is not kept. */
import { api, ApiError } from '../api.js';
import { h, mount } from '../dom.js';
import type { ViewContext } from '../router.js';

/** Only routes of this dashboard may be the target after signing in. */
function nextHash(query: URLSearchParams): string {
  const next = query.get('next');
  return next !== null && next.startsWith('#/') && !next.startsWith('#/login') ? next : '#/';
}

export function loginView(context: ViewContext): void {
  if (api.me !== undefined) {
    // Already signed in (a bookmark, the back button): go where the user was heading.
    context.navigate(nextHash(context.query));
    return;
  }
  const token = h('input', {
    id: 'token',
    name: 'token',
    type: 'password',
    autocomplete: 'off',
    spellcheck: 'false',
    required: true,
    placeholder: 'bg_…',
    'data-search': true,
  });
  const message = h('p', { class: 'form-error', role: 'alert' });
  const submit = h('button', { type: 'submit', class: 'primary' }, 'Sign in');
  const form = h(
    'form',
    {
      class: 'login-form',
      onsubmit: (event: SubmitEvent) => {
        event.preventDefault();
        submit.disabled = true;
        message.textContent = '';
        api
          .login(token.value)
          .then(() => {
            token.value = '';
            context.sessionChanged();
            context.navigate(nextHash(context.query));
          })
          .catch((error: unknown) => {
            message.textContent =
              error instanceof ApiError && (error.status === 401 || error.status === 403)
                ? 'This token is not valid (unknown, revoked or mistyped).'
                : `Sign-in failed: ${error instanceof Error ? error.message : String(error)}`;
            token.select();
          })
          .finally(() => {
            submit.disabled = false;
          });
      },
    },
    h('label', { for: 'token' }, 'API token'),
    token,
    h(
      'p',
      { class: 'hint' },
      'Paste the API token your administrator issued. It is sent once; the browser keeps only a session cookie.',
    ),
    submit,
    message,
  );
  mount(
    context.root,
    h(
      'section',
      { class: 'login' },
      h('h1', {}, 'Ballotguard'),
      h('p', { class: 'muted' }, 'Election infrastructure detection and response'),
      form,
    ),
  );
  token.focus();
}
