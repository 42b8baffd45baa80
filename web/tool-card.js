// One tool call and its result, as a card: name, arguments, result, status and duration.
// Built from stream events (step_start, tool_call, tool_result, step_complete) or from
// stored history (an assistant tool call, then its tool message).

import { el } from './dom.js';

const LONG_RESULT = 600;
const BASE64 = /^[A-Za-z0-9+/=\s]+$/;

export class ToolCard {
  constructor(id, doc = document) {
    this.id = id;
    this.doc = doc;
    this.status = 'running';
    this.title = el(doc, 'span', { className: 'tool-name' }, 'tool');
    this.step = el(doc, 'span', { className: 'tool-step' });
    this.badge = el(doc, 'span', { className: 'tool-badge' }, 'running');
    this.argsBox = el(doc, 'div', { className: 'tool-section tool-args', hidden: true });
    this.resultBox = el(doc, 'div', { className: 'tool-section tool-result', hidden: true });
    this.element = el(doc, 'section', { className: 'tool-card', dataset: { status: 'running', toolCallId: id } },
      el(doc, 'header', { className: 'tool-header' },
        el(doc, 'span', { className: 'tool-icon', 'aria-hidden': 'true' }),
        this.title, this.step, this.badge),
      this.argsBox, this.resultBox);
    this.element.setAttribute('aria-label', 'Tool call');
  }

  start({ title, step_number: stepNumber }) {
    if (title) this.setName(title);
    if (Number.isFinite(stepNumber)) this.step.textContent = `step ${stepNumber}`;
  }

  call({ tool, display_name: displayName, args }) {
    this.setName(displayName || tool || 'tool', tool);
    this.showArgs(args);
  }

  setName(name, tool) {
    this.title.textContent = name;
    this.element.dataset.tool = tool ?? this.element.dataset.tool ?? name;
    this.element.setAttribute('aria-label', `Tool call ${name}`);
  }

  showArgs(args) {
    if (args === undefined || args === null) return;
    let text;
    if (typeof args === 'string') {
      try { return this.showArgs(JSON.parse(args)); } catch { text = args; }
    } else if (typeof args === 'object' && Object.keys(args).length === 1 && typeof args._raw === 'string') {
      text = args._raw;
    } else {
      text = JSON.stringify(args);
      if (text.length > 72) text = JSON.stringify(args, null, 2);
    }
    if (text === '{}' || text === '') return;
    this.argsBox.replaceChildren(el(this.doc, 'div', { className: 'tool-label' }, 'Arguments'),
      el(this.doc, 'pre', { tabIndex: 0 }, el(this.doc, 'code', {}, text)));
    this.argsBox.hidden = false;
  }

  result({ result, is_error: isError, screenshot_base64: screenshot, tool }) {
    if (tool && !this.element.dataset.tool) this.element.dataset.tool = tool;
    const text = typeof result === 'string' ? result : JSON.stringify(result);
    const pre = el(this.doc, 'pre', { tabIndex: 0 }, el(this.doc, 'code', {}, text));
    const body = text.length > LONG_RESULT
      ? el(this.doc, 'details', {}, el(this.doc, 'summary', {}, `Show result (${text.length.toLocaleString()} characters)`), pre)
      : pre;
    const children = [el(this.doc, 'div', { className: 'tool-label' }, isError ? 'Error' : 'Result'), body];
    if (typeof screenshot === 'string' && screenshot && BASE64.test(screenshot)) {
      children.push(el(this.doc, 'img', { className: 'tool-screenshot', alt: 'Screenshot returned by the tool',
        src: `data:image/png;base64,${screenshot.replace(/\s/g, '')}` }));
    }
    this.resultBox.replaceChildren(...children);
    this.resultBox.hidden = false;
    this.hasResult = true;
    this.isError = Boolean(isError);
    if (isError) this.setStatus('error');
  }

  complete({ status, duration_ms: durationMs }) {
    this.setStatus(status || (this.isError ? 'error' : 'completed'), durationMs);
  }

  /** History has no step_complete: the status follows from the stored result. */
  settleFromHistory() {
    if (this.status !== 'running') return;
    this.setStatus(this.hasResult ? (this.isError ? 'error' : 'completed') : 'cancelled');
  }

  /** The answer ended without this card's step_complete (a cut stream). */
  settleUnfinished() {
    if (this.status === 'running') this.setStatus(this.hasResult ? (this.isError ? 'error' : 'completed') : 'cancelled');
  }

  setStatus(status, durationMs) {
    this.status = status;
    this.element.dataset.status = status;
    const label = { running: 'running', completed: 'done', error: 'error', cancelled: 'cancelled' }[status] ?? status;
    const duration = Number.isFinite(durationMs) ? ` · ${formatDuration(durationMs)}` : '';
    this.badge.textContent = label + duration;
    if (Number.isFinite(durationMs)) this.element.dataset.durationMs = String(durationMs);
  }
}

export function formatDuration(ms) {
  if (ms < 1000) return `${Math.round(ms)} ms`;
  if (ms < 60000) return `${(ms / 1000).toFixed(ms < 10000 ? 2 : 1)} s`;
  return `${Math.floor(ms / 60000)} min ${Math.round((ms % 60000) / 1000)} s`;
}
