// The HTTP side of the page: where the API lives, JSON calls, and readable errors.
// Every URL is relative, so the page works wherever the operator mounts the API.

/** The API root as an absolute URL ending in "/".
 *  A non-empty <meta name="agent-api-base"> wins (resolved against the page URL);
 *  otherwise the folder the page was served from, so `/agent-api/` serves page and API together. */
export function apiBase(doc = document) {
  const meta = doc.querySelector('meta[name="agent-api-base"]');
  const configured = meta?.getAttribute('content')?.trim();
  const base = new URL(configured || '.', doc.baseURI);
  if (!base.pathname.endsWith('/')) base.pathname += '/';
  base.search = '';
  base.hash = '';
  return base;
}

/** A failed API call, with a message meant for people. */
export class ApiError extends Error {
  constructor(message, { status = 0, detail = null, retryAfter = null } = {}) {
    super(message);
    this.name = 'ApiError';
    this.status = status;
    this.detail = detail;
    this.retryAfter = retryAfter;
  }
}

export class Api {
  constructor(base = apiBase()) {
    this.base = base;
  }

  url(path, query) {
    const url = new URL(path.replace(/^\//, ''), this.base);
    for (const [key, value] of Object.entries(query ?? {})) {
      if (value !== undefined && value !== null && value !== '') url.searchParams.set(key, String(value));
    }
    return url;
  }

  /** JSON request; resolves to the parsed body, rejects with ApiError. */
  async json(method, path, { body, query, signal } = {}) {
    const init = { method, headers: { Accept: 'application/json' }, signal };
    if (body !== undefined) {
      init.headers['Content-Type'] = 'application/json';
      init.body = JSON.stringify(body);
    }
    let response;
    try {
      response = await fetch(this.url(path, query), init);
    } catch (error) {
      if (error.name === 'AbortError') throw error;
      throw new ApiError(`Cannot reach the server (${method} ${path}): ${error.message}`);
    }
    if (!response.ok) throw await errorFromResponse(response, `${method} ${path}`);
    const text = await response.text();
    try {
      return text ? JSON.parse(text) : null;
    } catch {
      throw new ApiError(`${method} ${path} answered with something that is not JSON.`, { status: response.status });
    }
  }

  /** Opens an SSE response; resolves to the Response once headers are in and the status is 2xx. */
  async stream(method, path, { body, query, headers = {}, signal } = {}) {
    const init = { method, headers: { Accept: 'text/event-stream', ...headers }, signal, cache: 'no-store' };
    if (body !== undefined) {
      init.headers['Content-Type'] = 'application/json';
      init.body = JSON.stringify(body);
    }
    const response = await fetch(this.url(path, query), init);
    if (!response.ok) throw await errorFromResponse(response, `${method} ${path}`);
    if (!response.body) throw new ApiError('This browser cannot read streamed responses.');
    return response;
  }

  health() { return this.json('GET', 'health'); }
  /** The OpenAI-style model list: `agent`, then `agent:<name>` for each model the operator allows. */
  models() { return this.json('GET', 'v1/models'); }
  listSessions() { return this.json('GET', 'sessions'); }
  getSession(id) { return this.json('GET', `sessions/${encodeURIComponent(id)}`); }
  createSession(systemPrompt) {
    return this.json('POST', 'sessions', { body: { system_prompt: systemPrompt || null } });
  }
  /** Partial decisions on waiting tool calls; answers `{session_id, pending}`. */
  decide(id, decisions) {
    return this.json('POST', `sessions/${encodeURIComponent(id)}/approvals`, { body: { decisions } });
  }
  cancel(id) { return this.json('POST', `sessions/${encodeURIComponent(id)}/cancel`, { body: {} }); }
  messages(id, { limit, before } = {}) {
    return this.json('GET', `sessions/${encodeURIComponent(id)}/messages`, { query: { limit, before } });
  }
}

/** Turns a non-2xx response into an ApiError whose message reads well. */
export async function errorFromResponse(response, what) {
  const text = await response.text().catch(() => '');
  let detail = null;
  try {
    detail = JSON.parse(text)?.detail ?? null;
  } catch {
    // nginx error pages are HTML; the status line says enough.
  }
  const retryAfter = parseRetryAfter(response.headers.get('Retry-After'));
  const explained = describeDetail(detail) || response.statusText || 'request failed';
  let message;
  switch (response.status) {
    case 409:
      message = `This session is busy with another answer. Wait for it or cancel it. (${explained})`;
      break;
    case 503:
      message = `The server is busy: ${explained}.` +
        (retryAfter !== null ? ` Try again in ${retryAfter} s.` : ' Try again shortly.');
      break;
    case 413:
      message = 'The message is too long for the server.';
      break;
    default:
      message = `${explained} (HTTP ${response.status}, ${what})`;
  }
  return new ApiError(message, { status: response.status, detail, retryAfter });
}

/** FastAPI details are a string, or for 422 a list of {loc, msg}. */
export function describeDetail(detail) {
  if (detail === null || detail === undefined) return '';
  if (typeof detail === 'string') return detail;
  if (Array.isArray(detail)) {
    return detail.map((item) => {
      const loc = Array.isArray(item?.loc) ? item.loc.filter((part) => part !== 'body').join('.') : '';
      const msg = item?.msg ?? JSON.stringify(item);
      return loc ? `${loc}: ${msg}` : msg;
    }).join('; ');
  }
  return JSON.stringify(detail);
}

/** Retry-After is seconds or an HTTP date; answers whole seconds, or null. */
export function parseRetryAfter(value) {
  if (!value) return null;
  if (/^\d+$/.test(value.trim())) return Number(value.trim());
  const date = Date.parse(value);
  return Number.isNaN(date) ? null : Math.max(0, Math.ceil((date - Date.now()) / 1000));
}
