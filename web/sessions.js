// The sidebar's sessions and the history of the picked one: list, create, select, page back.

import { el, relativeTime } from './dom.js';
import { readHistoryPage, renderHistory } from './history.js';
import { api, showError, shortId, state, ui, updateWelcome, scrollToBottom, zeroUsage } from './page.js';

const HISTORY_PAGE = 100;

/** Called before another session is shown; chat.js stops following a running answer there. */
/** `showPending` shows tool calls the session waits on (chat.js). */
export const hooks = { beforeSwitch: () => {}, showPending: () => {} };

export async function refreshSessions() {
  try {
    const body = await api.listSessions();
    state.sessions = (body?.sessions ?? []).slice()
      .sort((a, b) => String(b.last_used_at ?? b.created_at).localeCompare(String(a.last_used_at ?? a.created_at)));
    renderSessionList();
    const current = state.sessions.find((session) => session.session_id === state.sessionId);
    if (current) {
      describeSession({ ...current, usage: state.usage });
      showTitle(current);
    }
  } catch (error) {
    showError(error);
  }
}

function renderSessionList() {
  ui.sessionList.replaceChildren(...state.sessions.map((session) => {
    const current = session.session_id === state.sessionId;
    // Named by the first message (the server's `title`); a session without one yet is "new".
    const label = session.title
      ? el(document, 'span', { className: 'session-title' }, session.title)
      : el(document, 'span', { className: 'session-title untitled' }, 'New conversation');
    const button = el(document, 'button', { type: 'button', className: 'session-button', dataset: { sessionId: session.session_id } },
      label,
      el(document, 'span', { className: 'session-meta' },
        `${session.message_count ?? 0} messages · ${relativeTime(session.last_used_at ?? session.created_at)}`));
    button.title = session.session_id;
    if (current) button.setAttribute('aria-current', 'true');
    button.addEventListener('click', () => selectSession(session.session_id));
    return el(document, 'li', {}, button);
  }));
  ui.sessionsEmpty.hidden = state.sessions.length > 0;
}

export async function createSession() {
  const prompt = ui.systemPrompt.value.trim();
  const created = await api.createSession(prompt || null);
  ui.systemPrompt.value = '';
  ui.systemPrompt.closest('details').open = false;
  state.lastSeq.set(created.session_id, -1); // a new session has no events yet
  await selectSession(created.session_id, { fresh: true });
  refreshSessions();
  return created.session_id;
}

export async function selectSession(id, { fresh = false } = {}) {
  if (id === state.sessionId && state.stream) return; // already showing it, answer and all
  hooks.beforeSwitch();
  state.sessionId = id;
  state.olderCursor = null;
  state.usage = null;
  history.replaceState(null, '', `#session=${encodeURIComponent(id)}`);
  document.body.dataset.sessionId = id;
  showTitle(state.sessions.find((session) => session.session_id === id) ?? { session_id: id });
  ui.meta.textContent = fresh ? 'New session.' : 'Loading…';
  ui.messages.replaceChildren();
  ui.loadOlder.hidden = true;
  renderSessionList();
  ui.input.focus();
  if (fresh) {
    state.usage = zeroUsage();
    updateWelcome();
    return;
  }
  state.historyLoad = loadHistory(id);
  await state.historyLoad;
  updateWelcome();
}

/** Shows the session's latest history page; a message sent meanwhile waits for it (chat.js). */
async function loadHistory(id) {
  try {
    const [info, page] = await Promise.all([api.getSession(id), api.messages(id, { limit: HISTORY_PAGE })]);
    if (state.sessionId !== id) return;
    state.usage = info?.usage ?? null;
    const { messages, cursor } = readHistoryPage(page);
    ui.messages.replaceChildren(...renderHistory(messages));
    if (info?.pending_approvals?.length) hooks.showPending(info.pending_approvals);
    state.olderCursor = cursor;
    ui.loadOlder.hidden = cursor === null;
    describeSession(info);
    scrollToBottom(true);
  } catch (error) {
    ui.meta.textContent = '';
    if (error.status === 404 && state.sessionId === id) forgetSession();
    showError(error);
  }
}

/** The picked session does not exist (expired, deleted): back to a blank conversation. */
export function forgetSession() {
  state.sessionId = null;
  delete document.body.dataset.sessionId;
  history.replaceState(null, '', location.pathname + location.search);
  ui.title.textContent = 'New conversation';
  ui.title.removeAttribute('title');
  ui.meta.textContent = 'Send a message to start a session.';
  refreshSessions();
}

export async function loadOlder() {
  if (!state.sessionId || state.olderCursor === null) return;
  try {
    const page = readHistoryPage(await api.messages(state.sessionId, { limit: HISTORY_PAGE, before: state.olderCursor }));
    const height = ui.transcript.scrollHeight;
    ui.messages.prepend(...renderHistory(page.messages));
    ui.transcript.scrollTop += ui.transcript.scrollHeight - height; // keep what was in view in view
    state.olderCursor = page.cursor;
    ui.loadOlder.hidden = page.cursor === null;
  } catch (error) {
    showError(error);
  }
}

/** The conversation header: the session's first message when it has one, else its short id. */
function showTitle(session) {
  ui.title.textContent = session.title ?? `Session ${shortId(session.session_id)}`;
  ui.title.title = session.session_id;
}

export function describeSession(info) {
  if (!info) return;
  const parts = [`${info.message_count ?? 0} messages`];
  if (info.created_at) parts.push(`created ${relativeTime(info.created_at)}`);
  if (info.usage) parts.push(`${(info.usage.total_tokens ?? 0).toLocaleString()} tokens used`);
  ui.meta.textContent = parts.join(' · ');
}
