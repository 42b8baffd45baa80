// A Server-Sent Events parser for streams read with fetch (EventSource cannot POST).
// Follows the WHATWG event-stream rules: LF, CRLF or CR line ends, `field: value` with one
// optional space after the colon, `data` lines joined with "\n", a blank line dispatches,
// lines starting with ":" are comments (the server's `: ping` and `: done`).

export class SSEParser {
  /** @param {{onEvent?: Function, onComment?: Function}} handlers */
  constructor({ onEvent = () => {}, onComment = () => {} } = {}) {
    this.onEvent = onEvent;
    this.onComment = onComment;
    this.decoder = new TextDecoder('utf-8');
    this.buffer = '';
    this.pendingCR = false;
    this.resetFrame();
    this.lastEventId = '';
  }

  resetFrame() {
    this.data = [];
    this.eventType = '';
    this.frameId = null;
  }

  /** Feeds raw bytes (Uint8Array) from a stream reader. */
  feedBytes(bytes) {
    this.feed(this.decoder.decode(bytes, { stream: true }));
  }

  /** Feeds decoded text; a chunk may end anywhere, even inside a line or a CRLF. */
  feed(text) {
    if (!text) return;
    let start = 0;
    if (this.pendingCR && text[0] === '\n') start = 1;
    this.pendingCR = false;
    let chunk = this.buffer + text.slice(start);
    let lineStart = 0;
    for (let i = 0; i < chunk.length; i++) {
      const ch = chunk[i];
      if (ch !== '\n' && ch !== '\r') continue;
      this.processLine(chunk.slice(lineStart, i));
      if (ch === '\r') {
        if (i + 1 < chunk.length) {
          if (chunk[i + 1] === '\n') i++;
        } else {
          this.pendingCR = true;
        }
      }
      lineStart = i + 1;
    }
    this.buffer = chunk.slice(lineStart);
  }

  /** Flushes the decoder at end of stream; an unterminated frame is dropped, as the spec says. */
  end() {
    const rest = this.decoder.decode();
    if (rest) this.feed(rest);
    this.buffer = '';
    this.resetFrame();
  }

  processLine(line) {
    if (line === '') {
      this.dispatch();
      return;
    }
    if (line[0] === ':') {
      this.onComment(line.slice(1).replace(/^ /, ''));
      return;
    }
    const colon = line.indexOf(':');
    const field = colon === -1 ? line : line.slice(0, colon);
    let value = colon === -1 ? '' : line.slice(colon + 1);
    if (value[0] === ' ') value = value.slice(1);
    switch (field) {
      case 'data': this.data.push(value); break;
      case 'event': this.eventType = value; break;
      case 'id': if (!value.includes('\0')) this.frameId = value; break;
      default: break; // `retry` and unknown fields: the page reconnects on its own schedule.
    }
  }

  dispatch() {
    if (this.frameId !== null) this.lastEventId = this.frameId;
    if (this.data.length === 0) {
      this.resetFrame();
      return;
    }
    const frame = { id: this.frameId, event: this.eventType || 'message', data: this.data.join('\n') };
    this.resetFrame();
    this.onEvent(frame);
  }
}
