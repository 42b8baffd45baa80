// A tool call that waits for the user's decision (approval_request): the tool, its arguments,
// and Approve / Reject with an optional reason. The decision itself is sent by chat.js
// (POST /sessions/{id}/approvals); the card only collects it and shows where it stands.

import { el } from './dom.js';

export class ApprovalCard {
  /** @param {(card: ApprovalCard, approve: boolean, reason: string) => void} onDecide */
  constructor({ tool_call_id: id, tool, args }, doc = document, onDecide = () => {}) {
    this.id = id;
    this.doc = doc;
    this.onDecide = onDecide;
    this.reason = el(doc, 'input', { className: 'approval-reason', type: 'text', maxLength: 500,
      placeholder: 'Reason (optional; the model reads it when you reject)', 'aria-label': `Reason for ${tool}` });
    this.approveButton = el(doc, 'button', { className: 'approve-button', type: 'button' }, 'Approve');
    this.rejectButton = el(doc, 'button', { className: 'reject-button', type: 'button' }, 'Reject');
    this.approveButton.addEventListener('click', () => this.choose(true));
    this.rejectButton.addEventListener('click', () => this.choose(false));
    this.reason.addEventListener('keydown', (event) => {
      if (event.key === 'Enter') { event.preventDefault(); this.choose(false); }
    });
    this.verdict = el(doc, 'p', { className: 'approval-verdict', hidden: true });
    this.actions = el(doc, 'div', { className: 'approval-actions' }, this.reason, this.approveButton, this.rejectButton);
    this.element = el(doc, 'section', { className: 'approval-card', role: 'group',
      dataset: { decision: 'pending', tool, toolCallId: id } },
      el(doc, 'header', { className: 'approval-header' },
        el(doc, 'span', { className: 'approval-title' }, 'Approval needed: '),
        el(doc, 'span', { className: 'approval-tool' }, tool ?? 'tool')),
      el(doc, 'pre', { className: 'approval-args', tabIndex: 0 }, el(doc, 'code', {}, describeArgs(args))),
      this.actions, this.verdict);
    this.element.setAttribute('aria-label', `Approve the call of ${tool}?`);
  }

  get pending() { return this.element.dataset.decision === 'pending'; }

  choose(approve) {
    if (!this.pending) return;
    this.setEnabled(false);
    this.onDecide(this, approve, this.reason.value.trim());
  }

  /** The server took the decision. */
  decided(approve, reason) {
    this.element.dataset.decision = approve ? 'approved' : 'rejected';
    this.actions.hidden = true;
    this.verdict.textContent = approve ? 'Approved.' : `Rejected${reason ? `: ${reason}` : '.'}`;
    this.verdict.hidden = false;
  }

  /** The decision could not be sent: ask again. */
  reopen() {
    this.element.dataset.decision = 'pending';
    this.setEnabled(true);
  }

  /** Nobody can decide any more (a new message rejected it, or it timed out). */
  close(text) {
    if (!this.pending) return;
    this.element.dataset.decision = 'closed';
    this.actions.hidden = true;
    this.verdict.textContent = text;
    this.verdict.hidden = false;
  }

  setEnabled(enabled) {
    this.approveButton.disabled = !enabled;
    this.rejectButton.disabled = !enabled;
    this.reason.disabled = !enabled;
  }
}

function describeArgs(args) {
  if (args && typeof args === 'object' && Object.keys(args).length === 1 && typeof args._raw === 'string') return args._raw;
  return JSON.stringify(args ?? {}, null, 2);
}
