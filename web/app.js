// The chat page: sessions in the sidebar, the transcript, the composer. Talks only to the
// API in /work/shared/design/API.md, at URLs relative to apiBase() (see api.js).

import { Api, ApiError } from './api.js';
import { AnswerView } from './answer-view.js';
import { el, relativeTime } from './dom.js';
import { readHistoryPage, renderHistory, userTurn } from './history.js';
import { QueryStream } from './stream.js';

const HISTORY_PAGE = 100;
const CANCEL_GRACE_MS = 15000;
const $ = (id) => document.getElementById(id);

const ui = {
  serverStatus: $('server-status'), newSessionForm: $('new-session-form'), systemPrompt: $('system-prompt-input'),
  refresh: $('refresh-sessions'), sessionList: $('session-list'), sessionsEmpty: $('sessions-empty'),
  title: $('conversation-title'), meta: $('conversation-meta'), connection: $('connection-state'),
  transcript: $('transcript'), messages: $('messages'), welcome: $('welcome'), loadOlder: $('load-older'),
  alert: $('alert'), alertText: $('alert-text'), alertDismiss: $('alert-dismiss'),
  composer: $('composer'), input: $('composer-input'), send: $('send-button'), cancel: $('cancel-button'),
};

const api = new Api();
const state = {
  sessionId: null,
  sessions: [],
  olderCursor: null,
  usage: null,       // the session's usage before the running answer: the baseline
  lastSeq: new Map(), // session id → last event seq this page has seen
  stream: null,
  answer: null,
};

// ---- Sessions ---------------------------------------------------------------------------

async function refreshSessions() {
  try {
    const body = await api.listSessions();
    state.sessions = (body?.sessions ?? []).slice()
      .sort((a, b) => String(b.last_used_at ?? b.created_at).localeCompare(String(a.last_used_at ?? a.created_at)));
    renderSessionList();
    const current = state.sessions.find((session) => session.session_id === state.sessionId);
    if (current) describeSession({ ...current, usage: state.usage });
  } catch (error) {
    showError(error);
  }
}

function renderSessionList() {
  ui.sessionList.replaceChildren(...state.sessions.map((session) => {
    const current = session.session_id === state.sessionId;
    const button = el(document, 'button', { type: 'button', className: 'session-button', dataset: { sessionId: session.session_id } },
      el(document, 'span', { className: 'session-id' }, shortId(session.session_id)),
      el(document, 'span', { className: 'session-meta' },
        `${session.message_count ?? 0} messages · ${relativeTime(session.last_used_at ?? session.created_at)}`));
    button.title = session.session_id;
    if (current) button.setAttribute('aria-current', 'true');
    button.addEventListener('click', () => selectSession(session.session_id));
    return el(document, 'li', {}, button);
  }));
  ui.sessionsEmpty.hidden = state.sessions.length > 0;
}

async function createSession() {
  const prompt = ui.systemPrompt.value.trim();
  const created = await api.createSession(prompt || null);
  ui.systemPrompt.value = '';
  ui.systemPrompt.closest('details').open = false;
  state.lastSeq.set(created.session_id, -1); // a new session has no events yet
  await selectSession(created.session_id, { fresh: true });
  refreshSessions();
  return created.session_id;
}

async function selectSession(id, { fresh = false } = {}) {
  stopStream('Switched session: the answer goes on on the server.');
  state.sessionId = id;
  state.olderCursor = null;
  state.usage = null;
  history.replaceState(null, '', `#session=${encodeURIComponent(id)}`);
  document.body.dataset.sessionId = id;
  ui.title.textContent = `Session ${shortId(id)}`;
  ui.title.title = id;
  ui.meta.textContent = fresh ? 'New session.' : 'Loading…';
  ui.messages.replaceChildren();
  renderSessionList();
  ui.input.focus();
  if (fresh) {
    state.usage = zeroUsage();
    updateWelcome();
    return;
  }
  try {
    const [info, page] = await Promise.all([api.getSession(id), api.messages(id, { limit: HISTORY_PAGE })]);
    if (state.sessionId !== id) return;
    state.usage = info?.usage ?? null;
    const { messages, cursor } = readHistoryPage(page);
    ui.messages.replaceChildren(...renderHistory(messages));
    state.olderCursor = cursor;
    ui.loadOlder.hidden = cursor === null;
    describeSession(info);
    scrollToBottom(true);
  } catch (error) {
    ui.meta.textContent = '';
    if (error.status === 404 && state.sessionId === id) forgetSession();
    showError(error);
  }
  updateWelcome();
}

/** The picked session does not exist (expired, deleted): back to a blank conversation. */
function forgetSession() {
  state.sessionId = null;
  delete document.body.dataset.sessionId;
  history.replaceState(null, '', location.pathname + location.search);
  ui.title.textContent = 'New conversation';
  ui.title.removeAttribute('title');
  ui.meta.textContent = 'Send a message to start a session.';
  refreshSessions();
}

async function loadOlder() {
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

function describeSession(info) {
  if (!info) return;
  const parts = [`${info.message_count ?? 0} messages`];
  if (info.created_at) parts.push(`created ${relativeTime(info.created_at)}`);
  if (info.usage) parts.push(`${(info.usage.total_tokens ?? 0).toLocaleString()} tokens used`);
  ui.meta.textContent = parts.join(' · ');
}

// ---- Sending and streaming --------------------------------------------------------------

async function send() {
  const text = ui.input.value.trim();
  if (!text) return;
  if (state.stream) {
    announce('Still answering. Press Escape to cancel the answer first.');
    return;
  }
  hideError();
  setBusy(true);
  let userElement = null;
  let answer = null;
  let stream = null;
  try {
    const sessionId = state.sessionId ?? await createSession();
    ui.input.value = '';
    userElement = userTurn(text);
    answer = new AnswerView();
    answer.baseline = state.usage;
    ui.messages.append(userElement, answer.element);
    updateWelcome();
    scrollToBottom(true);
    stream = new QueryStream(api, {
      sessionId,
      lastSeq: state.lastSeq.get(sessionId) ?? null,
      onEvent: (event) => {
        answer.apply(event);
        if (event.type === 'usage') state.usage = event.usage;
      },
      onChunk: () => { answer.flush(); scrollToBottom(); },
      onReset: () => { answer.element.replaceWith((answer = freshAnswer(answer)).element); },
      onState: setConnection,
    });
    state.stream = stream;
    state.answer = answer;
    await stream.run(text);
    if (stream.lastSeq !== null) state.lastSeq.set(sessionId, stream.lastSeq);
    answer.settle(stream.stopped ? 'Stopped following this answer.' : 'The stream ended without a final answer.');
    scrollToBottom();
  } catch (error) {
    if (answer && answer.state === 'waiting') {
      // Refused before anything streamed: take the turn back and give the text back.
      userElement?.remove();
      answer.element.remove();
      if (!ui.input.value) ui.input.value = text;
      updateWelcome();
    } else {
      answer?.settle(error.message);
    }
    showError(error);
  } finally {
    // A session switch may already have let go of this stream and started another.
    if (!stream || state.stream === stream) finishStream();
  }
}

function freshAnswer(old) {
  const answer = new AnswerView();
  answer.baseline = old.baseline;
  state.answer = answer;
  return answer;
}

async function cancel() {
  const { stream, answer } = state;
  if (!stream) return;
  ui.cancel.disabled = true;
  ui.input.focus();
  answer?.setCancelling();
  announce('Cancelling the answer.');
  try {
    await stream.cancel();
  } catch (error) {
    showError(error);
  }
  // The server confirms with final{cancelled}; stop waiting if it never does.
  setTimeout(() => {
    if (state.stream === stream && !stream.terminal) {
      stream.stop();
      answer?.end('cancelled', 'Cancelled (the server did not confirm).');
    }
  }, CANCEL_GRACE_MS);
}

function stopStream(reason) {
  if (!state.stream) return;
  state.stream.stop();
  state.answer?.settle(reason);
  finishStream();
}

function finishStream() {
  state.stream = null;
  state.answer = null;
  setBusy(false);
  setConnection('idle');
  if (state.sessionId) refreshSessions();
}

function setBusy(busy) {
  document.body.dataset.busy = String(busy);
  ui.send.disabled = busy;
  ui.cancel.disabled = !busy;
  if (!busy && document.activeElement === document.body) ui.input.focus();
}

function setConnection(connection, detail = {}) {
  ui.connection.dataset.state = connection;
  const labels = {
    idle: '', connecting: 'Sending…', streaming: 'Answering…',
    reconnecting: `Connection lost — reconnecting… (attempt ${detail.attempt ?? 1})`,
  };
  ui.connection.textContent = labels[connection] ?? connection;
}

// ---- Page plumbing ----------------------------------------------------------------------

function showError(error) {
  if (error?.name === 'AbortError') return;
  ui.alertText.textContent = error instanceof ApiError ? error.message : `Something went wrong: ${error?.message ?? error}`;
  ui.alert.hidden = false;
}

function hideError() {
  ui.alert.hidden = true;
}

function announce(text) {
  ui.connection.textContent = text;
}

function updateWelcome() {
  ui.welcome.hidden = ui.messages.childElementCount > 0;
}

function scrollToBottom(force = false) {
  const { transcript } = ui;
  const nearBottom = transcript.scrollHeight - transcript.scrollTop - transcript.clientHeight < 120;
  if (force || nearBottom) transcript.scrollTop = transcript.scrollHeight;
}

function shortId(id) {
  return id.length > 13 ? `${id.slice(0, 8)}…` : id;
}

function zeroUsage() {
  return { total_tokens: 0, total_prompt_tokens: 0, total_completion_tokens: 0, total_cost: 0 };
}

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
  await Promise.all([checkHealth(), refreshSessions()]);
  const fromHash = /^#session=(.+)$/.exec(location.hash);
  if (fromHash) await selectSession(decodeURIComponent(fromHash[1]));
  updateWelcome();
  ui.input.focus();
  document.documentElement.dataset.appReady = 'true';
}

start();
