// Stored history (GET /sessions/{id}/messages) back into transcript turns. A user message
// starts a turn; the assistant and tool messages after it form one answer, rendered by the
// same AnswerView as a live stream so both look alike. Tolerates the usual message shapes
// (OpenAI-style `tool_calls[].function`, or flat `name`/`arguments`; camelCase or snake_case).

import { AnswerView } from './answer-view.js';
import { el } from './dom.js';
import { renderMarkdown } from './markdown.js';

/** The messages of one history page plus its cursor for older messages (null: none). */
export function readHistoryPage(body) {
  const messages = Array.isArray(body) ? body : (body?.messages ?? body?.items ?? []);
  let cursor = body?.next_before ?? body?.next_cursor ?? null;
  const more = body?.has_more ?? (cursor !== null && messages.length > 0);
  let page = messages.map(normalizeMessage);
  if (!more) return { messages: page, cursor: null };
  // A page that starts inside an answer would show it cut in two once older messages load:
  // leave the leading part to the older page, starting this one at a user message.
  const firstTurn = page.findIndex((message) => message.role === 'user' || message.role === 'system');
  if (firstTurn > 0 && Number.isFinite(page[firstTurn].index)) {
    cursor = page[firstTurn].index;
    page = page.slice(firstTurn);
  }
  return { messages: page, cursor };
}

export function normalizeMessage(raw) {
  const content = Array.isArray(raw?.content)
    ? raw.content.map((part) => (typeof part === 'string' ? part : part?.text ?? '')).join('')
    : (raw?.content ?? '');
  const calls = raw?.tool_calls ?? raw?.toolCalls ?? [];
  return {
    index: raw?.index,
    role: raw?.role ?? 'assistant',
    content: typeof content === 'string' ? content : JSON.stringify(content),
    reasoning: raw?.reasoning ?? raw?.reasoning_content ?? raw?.thinking ?? null,
    toolCalls: calls.map((call) => ({
      id: call?.id ?? '',
      name: call?.function?.name ?? call?.name ?? 'tool',
      arguments: call?.function?.arguments ?? call?.arguments ?? call?.args ?? '',
    })),
    toolCallId: raw?.tool_call_id ?? raw?.toolCallId ?? null,
    toolName: raw?.tool_name ?? raw?.toolName ?? raw?.name ?? null,
    isError: Boolean(raw?.is_error ?? raw?.isError),
  };
}

/** Turn elements for `messages`, oldest first. */
export function renderHistory(messages, doc = document) {
  const turns = [];
  let answer = null;
  const closeAnswer = () => {
    if (!answer) return;
    for (const card of answer.cards.values()) card.settleFromHistory();
    answer.flush();
    answer = null;
  };
  for (const message of messages) {
    switch (message.role) {
      case 'user':
        closeAnswer();
        turns.push(userTurn(message.content, doc));
        break;
      case 'system':
        closeAnswer();
        turns.push(systemTurn(message.content, doc));
        break;
      case 'tool':
        answer ??= pushAnswer(turns, doc);
        answer.card(message.toolCallId ?? `result-${answer.cards.size}`)
          .result({ result: message.content, is_error: message.isError, tool: message.toolName });
        break;
      default:
        answer ??= pushAnswer(turns, doc);
        if (message.reasoning) answer.apply({ type: 'thinking', content: message.reasoning });
        if (message.content) answer.apply({ type: 'text', content: message.content });
        for (const call of message.toolCalls) {
          answer.apply({ type: 'tool_call', tool_call_id: call.id, tool: call.name, args: call.arguments });
        }
    }
  }
  closeAnswer();
  return turns.map((turn) => turn.element ?? turn);
}

function pushAnswer(turns, doc) {
  const answer = new AnswerView(doc, { live: false });
  answer.state = 'completed';
  turns.push(answer);
  return answer;
}

export function userTurn(text, doc = document) {
  return el(doc, 'li', { className: 'turn user' },
    el(doc, 'div', { className: 'turn-role' }, 'You'),
    el(doc, 'div', { className: 'turn-body markdown' }, renderMarkdown(text, doc)));
}

function systemTurn(text, doc) {
  return el(doc, 'li', { className: 'turn system' },
    el(doc, 'details', { className: 'system-note' },
      el(doc, 'summary', {}, 'System prompt'),
      el(doc, 'div', { className: 'markdown' }, renderMarkdown(text, doc))));
}
