// A small, safe Markdown subset for model text: fenced code blocks, inline code, **bold**,
// bullet and numbered lists, paragraphs. Everything becomes DOM nodes built with
// textContent — model text never reaches innerHTML. An unclosed fence (mid-stream) renders
// as an open code block, so the text does not jump when the closing fence arrives.

const FENCE = /^\s{0,3}(`{3,}|~{3,})\s*([\w+#.-]*)\s*$/;
const BULLET = /^\s{0,3}[-*+]\s+(.*)$/;
const NUMBERED = /^\s{0,3}\d{1,9}[.)]\s+(.*)$/;

/** Renders `text` into a DocumentFragment. */
export function renderMarkdown(text, doc = document) {
  const fragment = doc.createDocumentFragment();
  const lines = text.replace(/\r\n?/g, '\n').split('\n');
  let paragraph = [];
  let list = null;

  const flushParagraph = () => {
    if (paragraph.length === 0) return;
    const p = doc.createElement('p');
    appendInline(p, paragraph.join('\n'), doc);
    fragment.append(p);
    paragraph = [];
  };
  const flushList = () => {
    if (list) fragment.append(list.element);
    list = null;
  };

  for (let i = 0; i < lines.length; i++) {
    const line = lines[i];
    const fence = FENCE.exec(line);
    if (fence) {
      flushParagraph();
      flushList();
      const closing = fence[1];
      const body = [];
      i++;
      while (i < lines.length && !isClosingFence(lines[i], closing)) body.push(lines[i++]);
      fragment.append(codeBlock(body.join('\n'), fence[2], doc));
      continue;
    }
    const bullet = BULLET.exec(line);
    const numbered = bullet ? null : NUMBERED.exec(line);
    if (bullet || numbered) {
      flushParagraph();
      const kind = bullet ? 'ul' : 'ol';
      if (!list || list.kind !== kind) {
        flushList();
        list = { kind, element: doc.createElement(kind) };
      }
      const item = doc.createElement('li');
      appendInline(item, (bullet ?? numbered)[1], doc);
      list.element.append(item);
      continue;
    }
    if (line.trim() === '') {
      flushParagraph();
      flushList();
      continue;
    }
    if (list && /^\s{2,}\S/.test(line)) {
      // A continuation line of the last list item.
      list.element.lastElementChild.append(doc.createTextNode('\n'));
      appendInline(list.element.lastElementChild, line.trim(), doc);
      continue;
    }
    flushList();
    paragraph.push(line);
  }
  flushParagraph();
  flushList();
  return fragment;
}

function isClosingFence(line, opening) {
  const trimmed = line.trim();
  return trimmed.length >= opening.length && trimmed[0] === opening[0] && /^(`+|~+)$/.test(trimmed);
}

function codeBlock(source, language, doc) {
  const pre = doc.createElement('pre');
  const code = doc.createElement('code');
  if (language) {
    pre.dataset.language = language;
    code.className = `language-${language.replace(/[^\w-]/g, '')}`;
  }
  code.textContent = source;
  pre.append(code);
  pre.tabIndex = 0; // long lines scroll; keyboard users need to reach the scrollbar
  return pre;
}

/** Inline code spans first (their content is literal), then **bold** in the rest. */
function appendInline(parent, text, doc) {
  const parts = text.split(/(`+)([^`]|[^`][\s\S]*?[^`])\1(?!`)/);
  // split with two groups yields: text, ticks, code, text, ticks, code, …
  for (let i = 0; i < parts.length; i += 3) {
    appendBold(parent, parts[i], doc);
    if (i + 2 < parts.length) {
      const code = doc.createElement('code');
      code.textContent = parts[i + 2];
      parent.append(code);
    }
  }
}

function appendBold(parent, text, doc) {
  if (!text) return;
  const pieces = text.split(/\*\*(?=\S)([\s\S]*?\S)\*\*/);
  pieces.forEach((piece, index) => {
    if (!piece) return;
    if (index % 2 === 1) {
      const strong = doc.createElement('strong');
      strong.textContent = piece;
      parent.append(strong);
    } else {
      parent.append(doc.createTextNode(piece));
    }
  });
}
