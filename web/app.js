// The chat page: sessions in the sidebar, the transcript, the composer. Talks only to the
// agent-fcgi HTTP API (docs/API.md), at URLs relative to apiBase() (see api.js). Modules:
// page.js shared state, sessions.js the sidebar and history, chat.js sending and streaming.

import { ApiError } from './api.js';
import { cancel, send, stopStream } from './chat.js';
import { api, hideError, showError, state, ui, updateWelcome } from './page.js';
import { loadModels } from './models.js';
import { createSession, hooks, loadOlder, refreshSessions, selectSession } from './sessions.js';

async function checkHealth() {
  try {
    const health = await api.health();
    ui.serverStatus.textContent = `${health.status ?? 'unknown'} · v${health.version ?? '?'}`;
    ui.serverStatus.dataset.status = health.status ?? 'unknown';
  } catch (error) {
    ui.serverStatus.textContent = 'unreachable';
    ui.serverStatus.dataset.status = 'down';
    const hint = error.status === 404 || !error.status
      ? ` No agent-fcgi API seems to answer at ${api.base.pathname}: if it is mounted elsewhere, set <meta name="agent-api-base"> in index.html.`
      : '';
    showError(new ApiError(`${error.message}.${hint}`, { status: error.status }));
  }
}

function wire() {
  hooks.beforeSwitch = () => stopStream('Switched session: the answer goes on on the server.');
  ui.composer.addEventListener('submit', (event) => { event.preventDefault(); send(); });
  ui.input.addEventListener('keydown', (event) => {
    if (event.key === 'Enter' && !event.shiftKey && !event.altKey && !event.ctrlKey && !event.metaKey && !event.isComposing) {
      event.preventDefault();
      send();
    }
  });
  document.addEventListener('keydown', (event) => {
    if (event.key === 'Escape' && state.stream) {
      event.preventDefault();
      cancel();
    }
  });
  ui.cancel.addEventListener('click', cancel);
  ui.newSessionForm.addEventListener('submit', (event) => {
    event.preventDefault();
    hideError();
    createSession().catch(showError);
  });
  ui.refresh.addEventListener('click', refreshSessions);
  ui.loadOlder.addEventListener('click', loadOlder);
  ui.alertDismiss.addEventListener('click', () => { hideError(); ui.input.focus(); });
}

async function start() {
  wire();
  await Promise.all([checkHealth(), refreshSessions(), loadModels()]);
  const fromHash = /^#session=(.+)$/.exec(location.hash);
  if (fromHash) await selectSession(decodeURIComponent(fromHash[1]));
  updateWelcome();
  ui.input.focus();
  document.documentElement.dataset.appReady = 'true';
}

start();
