// The usage line under an answer. The `usage` event carries the whole session's totals;
// with the totals from before the answer (the baseline) the line also shows what this
// answer cost. A model without a price has cost null: shown as "n/a", never as $0.

import { el } from './dom.js';

const integer = new Intl.NumberFormat(undefined, { maximumFractionDigits: 0 });

export function formatTokens(value) {
  return Number.isFinite(value) ? integer.format(value) : '–';
}

export function formatCost(value) {
  if (value === null || value === undefined || !Number.isFinite(value)) return 'n/a';
  if (value === 0) return '$0';
  if (Math.abs(value) < 0.01) return `$${value.toPrecision(2)}`;
  return `$${value.toFixed(value < 1 ? 4 : 2)}`;
}

/** Nodes for the footer: this answer (when the baseline is known), then the session totals. */
export function usageFooter(doc, usage, baseline) {
  const nodes = [];
  const total = usage.total_tokens ?? 0;
  if (baseline && Number.isFinite(baseline.total_tokens)) {
    const prompt = (usage.total_prompt_tokens ?? 0) - (baseline.total_prompt_tokens ?? 0);
    const completion = (usage.total_completion_tokens ?? 0) - (baseline.total_completion_tokens ?? 0);
    const cost = usage.total_cost === null || usage.total_cost === undefined
      ? null
      : usage.total_cost - (baseline.total_cost ?? 0);
    nodes.push(item(doc, 'This answer',
      `${formatTokens(total - baseline.total_tokens)} tokens (${formatTokens(prompt)} in, ${formatTokens(completion)} out)`,
      formatCost(cost), 'answer'));
  }
  const cached = usage.total_prompt_cached_tokens ?? 0;
  const detail = `${formatTokens(usage.total_prompt_tokens)} in${cached ? ` (${formatTokens(cached)} cached)` : ''}, ` +
    `${formatTokens(usage.total_completion_tokens)} out`;
  nodes.push(item(doc, 'Session', `${formatTokens(total)} tokens (${detail})`, formatCost(usage.total_cost), 'session'));
  const models = Object.keys(usage.by_model ?? {});
  if (models.length) nodes.push(el(doc, 'span', { className: 'usage-models', title: 'Models used in this session' }, models.join(', ')));
  return nodes;
}

function item(doc, label, tokens, cost, kind) {
  return el(doc, 'span', { className: `usage-item usage-${kind}` },
    el(doc, 'span', { className: 'usage-label' }, label),
    ` ${tokens} · `,
    el(doc, 'span', { className: 'usage-cost', dataset: { cost } }, `cost ${cost}`));
}
