// What the page's modules share: its elements, the API client, the conversation state,
// and small helpers for errors, scrolling and labels.

import { Api, ApiError } from './api.js';

const $ = (id) => document.getElementById(id);

export const ui = {
  serverStatus: $('server-status'), newSessionForm: $('new-session-form'), systemPrompt: $('system-prompt-input'),
  refresh: $('refresh-sessions'), sessionList: $('session-list'), sessionsEmpty: $('sessions-empty'),
  title: $('conversation-title'), meta: $('conversation-meta'), connection: $('connection-state'),
  transcript: $('transcript'), messages: $('messages'), welcome: $('welcome'), loadOlder: $('load-older'),
  alert: $('alert'), alertText: $('alert-text'), alertDismiss: $('alert-dismiss'),
  composer: $('composer'), input: $('composer-input'), send: $('send-button'), cancel: $('cancel-button'),
  modelPicker: $('model-picker'), modelSelect: $('model-select'),
};

export const api = new Api();
export const state = {
  sessionId: null,
  sessions: [],
  olderCursor: null,
  historyLoad: null,  // the picked session's history request, while it runs
  usage: null,       // the session's usage before the running answer: the baseline
  lastSeq: new Map(), // session id → last event seq this page has seen
  stream: null,
  answer: null,
};

export function showError(error) {
  if (error?.name === 'AbortError') return;
  ui.alertText.textContent = error instanceof ApiError ? error.message : `Something went wrong: ${error?.message ?? error}`;
  ui.alert.hidden = false;
}

export function hideError() {
  ui.alert.hidden = true;
}

export function announce(text) {
  ui.connection.textContent = text;
}

export function updateWelcome() {
  ui.welcome.hidden = ui.messages.childElementCount > 0;
}

export function scrollToBottom(force = false) {
  const { transcript } = ui;
  const nearBottom = transcript.scrollHeight - transcript.scrollTop - transcript.clientHeight < 120;
  if (force || nearBottom) transcript.scrollTop = transcript.scrollHeight;
}

export function shortId(id) {
  return id.length > 13 ? `${id.slice(0, 8)}…` : id;
}

export function zeroUsage() {
  return { total_tokens: 0, total_prompt_tokens: 0, total_completion_tokens: 0, total_cost: 0 };
}
