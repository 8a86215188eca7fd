// Entry point: session check, hash routing (#/login, #/applications,
// #/applications/NAME) and the session bar.

import { api, setUnauthenticatedHandler } from './api.js';
import { h, notify, replace } from './dom.js';
import { renderApplication } from './application.js';
import { renderList } from './list.js';
import { renderLogin } from './login.js';
import { startStore, stopStore } from './store.js';

const view = document.getElementById('view');
const session = document.getElementById('session');
let user = null;
let stopView = () => {};

function showSession() {
  replace(session, user && [
    h('span', { class: 'muted', id: 'user', text: user }),
    h('button', {
      type: 'button', class: 'link', id: 'logout',
      onclick: async () => {
        try {
          await api.logout();
        } finally {
          loggedOut();
        }
      },
      text: 'Log out',
    }),
  ]);
}

function loggedOut() {
  user = null;
  stopStore();
  showSession();
  window.location.hash = '#/login';
  route();
}

async function loggedIn() {
  const info = await api.userInfo();
  if (!info || !info.loggedIn) {
    loggedOut();
    return;
  }
  user = info.username;
  showSession();
  startStore().catch((e) => notify(`Loading applications failed: ${e.message}`, 'error'));
  if (window.location.hash === '' || window.location.hash === '#/login') window.location.hash = '#/applications';
  route();
}

function route() {
  stopView();
  stopView = () => {};
  const path = window.location.hash.replace(/^#/, '') || '/applications';
  if (!user) {
    document.title = 'Sign in · gitops-rs';
    renderLogin(view, () => loggedIn().catch((e) => notify(e.message, 'error')));
    return;
  }
  const match = /^\/applications\/([^/]+)$/.exec(path);
  if (match) {
    const name = decodeURIComponent(match[1]);
    document.title = `${name} · gitops-rs`;
    stopView = renderApplication(view, name);
  } else {
    document.title = 'Applications · gitops-rs';
    stopView = renderList(view);
  }
  view.focus();
}

setUnauthenticatedHandler(() => {
  if (user) {
    notify('Your session ended; please sign in again.', 'error');
    loggedOut();
  }
});
window.addEventListener('hashchange', route);
loggedIn().catch(() => loggedOut());
