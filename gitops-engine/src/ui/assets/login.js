// The login page: POST /api/v1/session sets the session cookie.

import { api } from './api.js';
import { h } from './dom.js';

/** Renders the login form into `view`; calls `onLoggedIn()` on success. */
export function renderLogin(view, onLoggedIn) {
  const error = h('p', { class: 'error', role: 'alert', id: 'login-error' });
  const username = h('input', { id: 'username', name: 'username', autocomplete: 'username', required: true });
  const password = h('input', {
    id: 'password', name: 'password', type: 'password', autocomplete: 'current-password', required: true,
  });
  const submit = h('button', { type: 'submit', class: 'primary', text: 'Sign in' });
  const form = h('form', {
    class: 'login card',
    'aria-labelledby': 'login-title',
    onsubmit: async (event) => {
      event.preventDefault();
      error.textContent = '';
      submit.disabled = true;
      try {
        await api.login(username.value, password.value);
        onLoggedIn();
      } catch (e) {
        error.textContent = e.message;
        password.select();
      } finally {
        submit.disabled = false;
      }
    },
  },
  h('h1', { id: 'login-title', text: 'Sign in' }),
  h('label', { for: 'username', text: 'Username' }), username,
  h('label', { for: 'password', text: 'Password' }), password,
  error, submit);
  view.replaceChildren(form);
  username.focus();
}
